// A by-id query on a parameter is judged at its calls in the editor too: the bundled server over
// stdio, with a real JSON-RPC client. The caller lives on disk; when the user edits it in an open
// document, the open text is what counts.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Diagnostic } from "vscode-languageserver-protocol";
import { ORDERS_ACTION, ORDERS_DATA, UNCHECKED_ORDERS_ACTION } from "../helpers/caller-texts";
import { copyFixture, LspClient, REPO, uri } from "./lsp-client";

const DATA = ORDERS_DATA;
const ACTION = ORDERS_ACTION;
const UNCHECKED_ACTION = UNCHECKED_ORDERS_ACTION;

const UPDATE_LINE = 3;
/** A leak that is always there: diagnostics holding it are the analysis of this text. */
const LEAK_LINE = 7;
const analyzed = (diagnostics: Diagnostic[]) => diagnostics.some((d) => d.range.start.line === LEAK_LINE);

/** A copy of the fixture with this config and these files under src/, and a server started on it. */
async function start(config: object, files: Record<string, string>) {
  const workspace = copyFixture();
  writeFileSync(join(workspace.dir, "tenantguard.config.json"), JSON.stringify(config));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(workspace.dir, "src", name), text);
  const dataUri = uri(join(workspace.dir, "src", "orders-data.ts"));
  const actionUri = uri(join(workspace.dir, "src", "orders-action.ts"));
  const { client } = await LspClient.start(workspace.dir);
  return { client, workspace, dataUri, actionUri };
}

before(() => {
  const built = spawnSync(process.execPath, [join(REPO, "scripts", "build.mjs")], { cwd: REPO, encoding: "utf8" });
  assert.equal(built.status, 0, `build failed:\n${built.stdout}${built.stderr}`);
});

describe("language server: a by-id query on a parameter, judged at its calls", () => {
  let client: LspClient;
  let workspace: ReturnType<typeof copyFixture>;
  let dataUri: string;
  let actionUri: string;

  before(async () => {
    ({ client, workspace, dataUri, actionUri } = await start(
      { tenantColumns: ["tenant_id"] },
      { "orders-action.ts": ACTION },
    ));
  });
  after(async () => {
    await client?.stop();
    workspace?.remove();
  });

  const onUpdate = (diagnostics: Diagnostic[]) => diagnostics.filter((d) => d.range.start.line === UPDATE_LINE);

  it("the update is not flagged: its only caller authorizes the key first", async () => {
    await client.open(dataUri, DATA);
    const diagnostics = await client.diagnostics(dataUri, 0, analyzed);
    assert.deepEqual(onUpdate(diagnostics), []);
  });

  it("once the open caller drops its authorization, the update is flagged, naming the call", async () => {
    await client.open(actionUri, ACTION);
    await client.change(actionUri, UNCHECKED_ACTION, 2);
    const since = client.mark();
    await client.change(dataUri, DATA + "\n", 2);
    const diagnostics = onUpdate(await client.diagnostics(dataUri, since, analyzed));
    assert.deepEqual(
      diagnostics.map((d) => d.code),
      ["missing-tenant-filter"],
    );
    assert.match(
      String(diagnostics[0]!.message),
      /Its key `orderId` is a parameter of `cancelOrder`: the call on orders-action\.ts line 4 passes `input\.orderId`, which nothing there ties to the tenant\./,
    );
  });
});

describe("language server: an edit of a caller checks the open data file again", () => {
  let client: LspClient;
  let workspace: ReturnType<typeof copyFixture>;
  let dataUri: string;
  let actionUri: string;

  before(async () => {
    ({ client, workspace, dataUri, actionUri } = await start(
      { tenantColumns: ["tenant_id"], ignore: ["src/scratch/**"] },
      { "orders-data.ts": DATA, "orders-action.ts": ACTION },
    ));
  });
  after(async () => {
    await client?.stop();
    workspace?.remove();
  });

  const onUpdate = (diagnostics: Diagnostic[]) => diagnostics.filter((d) => d.range.start.line === UPDATE_LINE);

  it("the data file's diagnostics follow the open caller, the data file untouched", async () => {
    await client.open(dataUri, DATA);
    assert.deepEqual(onUpdate(await client.diagnostics(dataUri, 0, analyzed)), []);
    await client.open(actionUri, ACTION);
    const since = client.mark();
    await client.change(actionUri, UNCHECKED_ACTION, 2);
    const flagged = await client.diagnostics(dataUri, since, (d) => onUpdate(d).length > 0);
    assert.match(String(onUpdate(flagged)[0]!.message), /the call on orders-action\.ts line 4 passes `input\.orderId`/);
    // And back: the authorization restored clears it.
    const restored = client.mark();
    await client.change(actionUri, ACTION, 3);
    await client.diagnostics(dataUri, restored, (d) => analyzed(d) && onUpdate(d).length === 0);
  });

  it("a closed caller changed on disk (a watched-file event) checks the open data file again", async () => {
    const closedAction = join(workspace.dir, "src", "other-action.ts");
    writeFileSync(closedAction, ACTION.replace("cancelAction", "otherAction"));
    const created = client.mark();
    await client.connection.sendNotification("workspace/didChangeWatchedFiles", {
      changes: [{ uri: uri(closedAction), type: 1 }],
    });
    await client.diagnostics(dataUri, created, analyzed);
    writeFileSync(closedAction, UNCHECKED_ACTION.replace("cancelAction", "otherAction"));
    const since = client.mark();
    await client.connection.sendNotification("workspace/didChangeWatchedFiles", {
      changes: [{ uri: uri(closedAction), type: 2 }],
    });
    const flagged = await client.diagnostics(dataUri, since, (d) => onUpdate(d).length > 0);
    assert.match(String(onUpdate(flagged)[0]!.message), /the call on other-action\.ts line 4 passes `input\.orderId`/);
    // Restore it, so the next case starts proven.
    writeFileSync(closedAction, ACTION.replace("cancelAction", "otherAction"));
    const restored = client.mark();
    await client.connection.sendNotification("workspace/didChangeWatchedFiles", {
      changes: [{ uri: uri(closedAction), type: 2 }],
    });
    await client.diagnostics(dataUri, restored, (d) => analyzed(d) && onUpdate(d).length === 0);
  });

  it("a new caller in a file the config ignores is no caller, as in the CLI", async () => {
    mkdirSync(join(workspace.dir, "src", "scratch"), { recursive: true });
    const ignored = join(workspace.dir, "src", "scratch", "try.ts");
    writeFileSync(ignored, UNCHECKED_ACTION.replace("./orders-data", "../orders-data"));
    const since = client.mark();
    await client.connection.sendNotification("workspace/didChangeWatchedFiles", {
      changes: [{ uri: uri(ignored), type: 1 }],
    });
    assert.deepEqual(onUpdate(await client.diagnostics(dataUri, since, analyzed)), []);
  });
});

// The language server's side of `tenantguard.engine`, as the VS Code client drives it
// (initializationOptions.engine, then workspace/didChangeConfiguration): with "tsserver" the
// server publishes nothing for open TS/JS files (the tsserver plugin reports them) but still
// reports closed ones from its scan and still answers code actions for open ones.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { CodeAction } from "vscode-languageserver-protocol";
import { FIXTURE_APP, LspClient, uri } from "../lsp/lsp-client";
import { build, withDistLock } from "./artifacts";

const ORDERS = join(FIXTURE_APP, "src", "orders.ts");
const ORDERS_TEXT = readFileSync(ORDERS, "utf8");
const REPORTS = join(FIXTURE_APP, "src", "reports.ts");
const LEAK_LINE = 3; // 0-based, in orders.ts: `... pool.query("SELECT * FROM orders WHERE id = $1", [id]);`
const LEAK_COLUMN = ORDERS_TEXT.split("\n")[LEAK_LINE].indexOf("orders");

describe("language server with engine tsserver (the VS Code client's setting)", () => {
  let client: LspClient;
  const ordersUri = uri(ORDERS);

  before(async () => {
    // The server reads its bundle and the parser's WASM while it starts: no rebuild meanwhile.
    ({ client } = await withDistLock(async () => {
      build();
      return LspClient.start(FIXTURE_APP, { engine: "tsserver" });
    }));
  });
  after(() => client.stop());

  it("still reports closed files from its workspace scan (tsserver checks open files only)", async () => {
    const diagnostics = await client.diagnostics(uri(REPORTS), 0, (d) => d.length > 0);
    assert.deepEqual(
      diagnostics.map((d) => d.code),
      ["missing-tenant-filter"],
    );
  });

  it("publishes no diagnostics for an open TypeScript file, and clears the scan's", async () => {
    await client.diagnostics(ordersUri, 0, (d) => d.length > 0); // the scan's, before the file opens
    const since = client.mark();
    await client.open(ordersUri, ORDERS_TEXT);
    assert.deepEqual(await client.diagnostics(ordersUri, since), []);
  });

  it("still answers code actions for the open file: the tenant-predicate fix", async () => {
    const at = { line: LEAK_LINE, character: LEAK_COLUMN };
    const actions = await client.request<CodeAction[]>("textDocument/codeAction", {
      textDocument: { uri: ordersUri },
      range: { start: at, end: at },
      context: { diagnostics: [] },
    });
    assert.ok(
      actions.some((a) => a.kind === "quickfix" && a.title.startsWith("Add tenant predicate")),
      actions.map((a) => a.title).join(" | "),
    );
  });

  it("publishes the open file's finding once the client switches to languageServer, and clears it on the way back", async () => {
    let since = client.mark();
    await client.connection.sendNotification("workspace/didChangeConfiguration", {
      settings: { tenantguard: { engine: "languageServer" } },
    });
    const reported = await client.diagnostics(ordersUri, since, (d) => d.length > 0);
    assert.deepEqual(
      reported.map((d) => [d.code, d.range.start.line]),
      [["missing-tenant-filter", LEAK_LINE]],
    );

    since = client.mark();
    await client.connection.sendNotification("workspace/didChangeConfiguration", {
      settings: { tenantguard: { engine: "tsserver" } },
    });
    assert.deepEqual(await client.diagnostics(ordersUri, since), []);
  });
});

// The bundled language server (`dist/server.js --stdio`) driven by a real JSON-RPC client
// against the fixture workspace in fixtures/app.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { TextDocument } from "vscode-languageserver-textdocument";
import type { CodeAction, Diagnostic, InitializeResult, TextEdit, WorkspaceEdit } from "vscode-languageserver-protocol";
import { copyFixture, FIXTURE_APP, LspClient, REPO, uri } from "./lsp-client";

const ORDERS = join(FIXTURE_APP, "src", "orders.ts");
const ORDERS_TEXT = readFileSync(ORDERS, "utf8");
const LEAK_LINE = 3; // 0-based: `const result = await pool.query("SELECT * FROM orders WHERE id = $1", [id]);`
const LEAK_COLUMN = ORDERS_TEXT.split("\n")[LEAK_LINE].indexOf("orders");

before(() => {
  const built = spawnSync(process.execPath, [join(REPO, "scripts", "build.mjs")], { cwd: REPO, encoding: "utf8" });
  assert.equal(built.status, 0, `build failed:\n${built.stdout}${built.stderr}`);
});

describe("language server: diagnostics and code actions", () => {
  let client: LspClient;
  let initialize: InitializeResult;
  const ordersUri = uri(ORDERS);

  before(async () => {
    ({ client, initialize } = await LspClient.start(FIXTURE_APP));
  });
  after(() => client.stop());

  it("announces incremental sync, quick fixes, fix-all and the scan command", () => {
    const { capabilities, serverInfo } = initialize;
    assert.equal(serverInfo?.name, "tenantguard-language-server");
    // Saves too: a saved text is the disk's, which the index of callers reads.
    assert.deepEqual(capabilities.textDocumentSync, { openClose: true, change: 2, save: { includeText: false } });
    assert.deepEqual(capabilities.codeActionProvider, {
      codeActionKinds: ["quickfix", "source.fixAll.tenantguard"],
      resolveProvider: false,
    });
    assert.deepEqual(capabilities.executeCommandProvider?.commands, ["tenantguard.scanWorkspace"]);
  });

  it("registers file watchers for the config, migrations and Prisma schemas", async () => {
    await client.waitFor(
      () => client.serverRequests.some((r) => r.method === "client/registerCapability"),
      0,
      "registerCapability",
    );
    const registration = client.serverRequests.find((r) => r.method === "client/registerCapability")!.params
      .registrations[0];
    assert.equal(registration.method, "workspace/didChangeWatchedFiles");
    const globs = registration.registerOptions.watchers.map((w: { globPattern: string }) => w.globPattern);
    for (const glob of ["**/tenantguard.config.json", "**/*.sql", "**/schema.prisma"])
      assert.ok(globs.includes(glob), glob);
  });

  it("reports the leak on open at the table name, with the rule's docs and where the table is tenant-owned", async () => {
    const since = client.mark();
    await client.open(ordersUri, ORDERS_TEXT);
    const [diagnostic, ...rest] = await client.diagnostics(ordersUri, since, (d) => d.length > 0);
    assert.deepEqual(rest, []);
    assert.equal(diagnostic.code, "missing-tenant-filter");
    assert.equal(diagnostic.source, "tenantguard");
    assert.equal(diagnostic.severity, 1);
    assert.deepEqual(diagnostic.range, {
      start: { line: LEAK_LINE, character: LEAK_COLUMN },
      end: { line: LEAK_LINE, character: LEAK_COLUMN + "orders".length },
    });
    assert.equal(
      diagnostic.codeDescription?.href,
      "https://github.com/tenantguard/tenantguard/blob/main/docs/rules/missing-tenant-filter.md",
    );
    assert.match(diagnostic.message as string, /orders/);
    assert.deepEqual(diagnostic.relatedInformation, [
      {
        location: {
          uri: uri(join(FIXTURE_APP, "db", "migrations", "001_init.sql")),
          range: { start: { line: 6, character: 0 }, end: { line: 6, character: 0 } },
        },
        message: "orders is tenant-owned (tenant_id) here",
      },
    ]);
  });

  it("offers the add-predicate fix first, a suppression, globalTables and fix-all", async () => {
    const diagnostic = await leakDiagnostic();
    const actions = await client.request<CodeAction[]>("textDocument/codeAction", {
      textDocument: { uri: ordersUri },
      range: diagnostic.range,
      context: { diagnostics: [diagnostic] },
    });
    assert.deepEqual(
      actions.map((a) => [a.title, a.kind, a.isPreferred ?? false]),
      [
        ["Add tenant predicate `orders.tenant_id = tenantId`", "quickfix", true],
        ["Suppress missing-tenant-filter with a reason", "quickfix", false],
        ["Add `orders` to globalTables in tenantguard.config.json", "quickfix", false],
        ["Fix all tenantguard issues in file", "source.fixAll.tenantguard", false],
      ],
    );
    assert.deepEqual(actions[0].diagnostics, [diagnostic]);

    const fixed = applyEdit(ORDERS_TEXT, actions[0].edit!, ordersUri);
    assert.match(
      fixed.split("\n")[LEAK_LINE],
      /"SELECT \* FROM orders WHERE id = \$1 AND orders\.tenant_id = \$2", \[id, tenantId\]/,
    );

    const suppressed = applyEdit(ORDERS_TEXT, actions[1].edit!, ordersUri).split("\n");
    assert.equal(
      suppressed[LEAK_LINE],
      "  // tenantguard-ignore-next-line missing-tenant-filter -- TODO: say why this access is intentionally cross-tenant",
    );

    const configPath = join(FIXTURE_APP, "tenantguard.config.json");
    const config = applyEdit(readFileSync(configPath, "utf8"), actions[2].edit!, uri(configPath));
    assert.deepEqual(JSON.parse(config), { tenantColumns: ["tenant_id"], globalTables: ["orders"] });

    assert.equal(applyEdit(ORDERS_TEXT, actions[3].edit!, ordersUri), fixed);
  });

  it("answers a fix-all request (`only: source.fixAll`) with the file's safe fixes alone", async () => {
    const actions = await client.request<CodeAction[]>("textDocument/codeAction", {
      textDocument: { uri: ordersUri },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [], only: ["source.fixAll"] },
    });
    assert.deepEqual(
      actions.map((a) => a.kind),
      ["source.fixAll.tenantguard"],
    );
  });

  it("checks only the newest of quick successive edits, and clears the diagnostic once the fix is applied", async () => {
    const diagnostic = await leakDiagnostic();
    const [fix] = await client.request<CodeAction[]>("textDocument/codeAction", {
      textDocument: { uri: ordersUri },
      range: diagnostic.range,
      context: { diagnostics: [diagnostic], only: ["quickfix"] },
    });
    const since = client.mark();
    // Version 2 still leaks; version 3 arrives before the debounce runs, so 2 is never checked.
    await client.change(ordersUri, ORDERS_TEXT + "\n// edited\n", 2);
    await client.change(ordersUri, applyEdit(ORDERS_TEXT, fix.edit!, ordersUri), 3);
    assert.deepEqual(await client.diagnostics(ordersUri, since), []);
  });

  it("publishes nothing for a suppressed finding once the suppression is written", async () => {
    const copyUri = uri(join(FIXTURE_APP, "src", "orders-copy.ts"));
    let since = client.mark();
    await client.open(copyUri, ORDERS_TEXT);
    const [diagnostic] = await client.diagnostics(copyUri, since, (d) => d.length > 0);
    const actions = await client.request<CodeAction[]>("textDocument/codeAction", {
      textDocument: { uri: copyUri },
      range: diagnostic.range,
      context: { diagnostics: [diagnostic], only: ["quickfix"] },
    });
    const suppress = actions.find((a) => a.title.startsWith("Suppress"))!;
    since = client.mark();
    await client.change(copyUri, applyEdit(ORDERS_TEXT, suppress.edit!, copyUri), 2);
    assert.deepEqual(await client.diagnostics(copyUri, since), []);
  });

  it("scans the workspace on command, with progress, publishing files that are not open", async () => {
    const since = client.mark();
    const requestsBefore = client.serverRequests.length;
    const result = await client.request<{ files: number; cancelled: boolean }>("workspace/executeCommand", {
      command: "tenantguard.scanWorkspace",
      arguments: [],
    });
    assert.deepEqual(result, { files: 3, cancelled: false });

    const create = client.serverRequests
      .slice(requestsBefore)
      .find((r) => r.method === "window/workDoneProgress/create");
    assert.ok(create, "the server asks the client for a progress token");
    const progress = client.notifications
      .slice(since)
      .filter((n) => n.method === "$/progress" && n.params.token === create.params.token)
      .map((n) => n.params.value);
    assert.equal(progress[0].kind, "begin");
    assert.equal(progress[0].cancellable, true);
    assert.ok(progress.some((v) => v.kind === "report" && v.percentage === 100));
    assert.equal(progress.at(-1).kind, "end");

    const reports = await client.diagnostics(uri(join(FIXTURE_APP, "src", "reports.ts")), since);
    assert.deepEqual(
      reports.map((d) => [d.code, d.range.start.line]),
      [["missing-tenant-filter", 3]],
    );
  });

  it("keeps serving after a file that does not parse and a 5 MB file", async () => {
    const broken = uri(join(FIXTURE_APP, "src", "broken.ts"));
    const huge = uri(join(FIXTURE_APP, "src", "huge.ts"));
    const line =
      'export async function f(id: string) { return pool.query("SELECT * FROM orders WHERE id = $1", [id]); }\n';
    const since = client.mark();
    await client.open(broken, 'export async function (( {\n  pool.query("SELECT * FROM orders WHERE id = $1", [id]\n');
    await client.open(huge, line.repeat(Math.ceil((5 * 1024 * 1024) / line.length)));
    await client.diagnostics(broken, since);
    assert.deepEqual(await client.diagnostics(huge, since), []);
    const actions = await client.request<CodeAction[]>("textDocument/codeAction", {
      textDocument: { uri: broken },
      range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } },
      context: { diagnostics: [] },
    });
    assert.ok(Array.isArray(actions));
  });

  it("logged no internal errors along the way", () => {
    const errors = client.notifications.filter((n) => n.method === "window/logMessage" && n.params.type === 1);
    assert.deepEqual(
      errors.map((n) => n.params.message),
      [],
    );
  });

  async function leakDiagnostic(): Promise<Diagnostic> {
    const [diagnostic] = await client.diagnostics(ordersUri, 0, (d) => d.length > 0);
    return diagnostic;
  }
});

describe("language server: config and schema changes", () => {
  let client: LspClient;
  let workspace: ReturnType<typeof copyFixture>;
  let configPath: string;
  let ordersUri: string;

  before(async () => {
    workspace = copyFixture();
    configPath = join(workspace.dir, "tenantguard.config.json");
    ordersUri = uri(join(workspace.dir, "src", "orders.ts"));
    ({ client } = await LspClient.start(workspace.dir));
    const since = client.mark();
    await client.open(ordersUri, ORDERS_TEXT);
    await client.diagnostics(ordersUri, since, (d) => d.length > 0);
  });
  after(async () => {
    await client.stop();
    workspace.remove();
  });

  it("reports a broken config on tenantguard.config.json at the offending value", async () => {
    const since = client.mark();
    writeConfig('{\n  "tenantColumns": ["tenant_id"],\n  "globalTables": [1]\n}\n');
    const [diagnostic] = await client.diagnostics(uri(configPath), since, (d) => d.length > 0);
    assert.deepEqual(diagnostic.range, { start: { line: 2, character: 19 }, end: { line: 2, character: 20 } });
    assert.equal(diagnostic.severity, 1);
    assert.match(diagnostic.message as string, /globalTables\[0\] must be a string/);
  });

  it("reloads the config when it changes: a table made global loses its diagnostics", async () => {
    const since = client.mark();
    writeConfig('{\n  "tenantColumns": ["tenant_id"],\n  "globalTables": ["orders"]\n}\n');
    assert.deepEqual(await client.diagnostics(ordersUri, since), []);
    await client.diagnostics(uri(configPath), since, (d) => d.length === 0);
  });

  it("uses the unsaved text of an open config, and the disk again once it is closed", async () => {
    const configUri = uri(configPath);
    writeConfig('{\n  "tenantColumns": ["tenant_id"]\n}\n');
    let since = client.mark();
    await client.open(configUri, '{\n  "tenantColumns": ["tenant_id"],\n  "globalTables": ["orders"]\n}\n', 1, "json");
    await client.diagnostics(ordersUri, since, (d) => d.length === 0);
    since = client.mark();
    await client.change(configUri, '{\n  "tenantColumns": ["tenant_id"],\n  "isolation": "rows"\n}\n', 2);
    const [error] = await client.diagnostics(configUri, since, (d) => d.length > 0);
    assert.equal(error.range.start.line, 2);
    since = client.mark();
    await client.connection.sendNotification("textDocument/didClose", { textDocument: { uri: configUri } });
    await client.diagnostics(configUri, since, (d) => d.length === 0);
    await client.diagnostics(ordersUri, since, (d) => d.length > 0);
  });

  it("checks a file that is not open again when it changes on disk, and clears it when deleted", async () => {
    const reports = join(workspace.dir, "src", "reports.ts");
    const reportsUri = uri(reports);
    let since = client.mark();
    writeConfig('{\n  "tenantColumns": ["tenant_id"]\n}\n');
    await client.diagnostics(reportsUri, since, (d) => d.length > 0); // the reload scans the workspace again
    since = client.mark();
    writeFileSync(reports, readFileSync(reports, "utf8").replace("FROM orders", "FROM plans"));
    await client.connection.sendNotification("workspace/didChangeWatchedFiles", {
      changes: [{ uri: reportsUri, type: 2 }],
    });
    assert.deepEqual(await client.diagnostics(reportsUri, since), []);

    const leak = join(workspace.dir, "src", "leak.ts");
    since = client.mark();
    writeFileSync(leak, 'import { pool } from "./db";\nexport const all = () => pool.query("SELECT * FROM orders");\n');
    await client.connection.sendNotification("workspace/didChangeWatchedFiles", {
      changes: [{ uri: uri(leak), type: 1 }],
    });
    assert.equal((await client.diagnostics(uri(leak), since))[0].code, "missing-tenant-filter");
    since = client.mark();
    rmSync(leak);
    await client.connection.sendNotification("workspace/didChangeWatchedFiles", {
      changes: [{ uri: uri(leak), type: 3 }],
    });
    assert.deepEqual(await client.diagnostics(uri(leak), since), []);
  });

  it("reloads the tenant model when a migration changes", async () => {
    const restored = client.mark();
    writeConfig('{\n  "tenantColumns": ["tenant_id"]\n}\n');
    await client.diagnostics(ordersUri, restored, (d) => d.length > 0);
    const since = client.mark();
    const migration = join(workspace.dir, "db", "migrations", "001_init.sql");
    writeFileSync(migration, readFileSync(migration, "utf8").replace("tenant_id uuid NOT NULL,", ""));
    await client.connection.sendNotification("workspace/didChangeWatchedFiles", {
      changes: [{ uri: uri(migration), type: 2 }],
    });
    await client.diagnostics(ordersUri, since, (d) => d.length === 0);
  });

  function writeConfig(text: string): void {
    writeFileSync(configPath, text);
    void client.connection.sendNotification("workspace/didChangeWatchedFiles", {
      changes: [{ uri: uri(configPath), type: 2 }],
    });
  }
});

describe("language server: a long workspace scan", () => {
  let client: LspClient;
  let workspace: ReturnType<typeof copyFixture>;

  before(async () => {
    workspace = copyFixture();
    for (let i = 0; i < 400; i++) writeFileSync(join(workspace.dir, "src", `orders-${i}.ts`), ORDERS_TEXT);
    ({ client } = await LspClient.start(workspace.dir));
    await client.waitFor(
      (n) => n.method === "$/progress" && n.params.value.kind === "end",
      0,
      "the start-up scan to end",
    );
  });
  after(async () => {
    await client.stop();
    workspace.remove();
  });

  it("stops when the user cancels its progress, and answers requests meanwhile", async () => {
    const since = client.mark();
    const requestsBefore = client.serverRequests.length;
    const scan = client.request<{ files: number; cancelled: boolean }>("workspace/executeCommand", {
      command: "tenantguard.scanWorkspace",
    });
    const begin = await client.waitFor(
      (n) => n.method === "$/progress" && n.params.value.kind === "begin",
      since,
      "progress begin",
    );
    const token = begin.params.token;
    assert.ok(
      client.serverRequests
        .slice(requestsBefore)
        .some((r) => r.method === "window/workDoneProgress/create" && r.params.token === token),
    );
    // The message loop is not blocked: a request made mid-scan is answered before the scan ends.
    const actions = await client.request<CodeAction[]>("textDocument/codeAction", {
      textDocument: { uri: uri(join(workspace.dir, "src", "orders.ts")) },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [] },
    });
    assert.deepEqual(actions, []); // not open: nothing to act on
    await client.connection.sendNotification("window/workDoneProgress/cancel", { token });
    const result = await scan;
    assert.equal(result.cancelled, true);
    assert.ok(result.files < 403, `stopped early (${result.files} files)`);
    await client.waitFor(
      (n) => n.method === "$/progress" && n.params.token === token && n.params.value.kind === "end",
      since,
      "progress end",
    );
  });
});

describe("language server: type-aware mode (initializationOptions.typeAware)", () => {
  const typed = join(import.meta.dirname, "fixtures", "typed");
  const ordersUri = uri(join(typed, "src", "orders.ts"));
  const text = readFileSync(join(typed, "src", "orders.ts"), "utf8");

  it("finds a Prisma client by its type, whatever its name, in a tsconfig project", async () => {
    const { client } = await LspClient.start(typed, { typeAware: true });
    try {
      const since = client.mark();
      await client.open(ordersUri, text);
      const [diagnostic] = await client.diagnostics(ordersUri, since, (d) => d.length > 0);
      assert.equal(diagnostic.code, "missing-tenant-filter");
      assert.equal(
        diagnostic.range.start.line,
        text.split("\n").findIndex((l) => l.includes("findMany")),
      );
    } finally {
      await client.stop();
    }
  });

  it("rebuilds the project when its tsconfig changes", async () => {
    const copy = copyFixture(typed);
    const { client } = await LspClient.start(copy.dir, { typeAware: true });
    try {
      const copyUri = uri(join(copy.dir, "src", "orders.ts"));
      let since = client.mark();
      await client.open(copyUri, text);
      await client.diagnostics(copyUri, since, (d) => d.length > 0);
      since = client.mark();
      const tsconfig = join(copy.dir, "tsconfig.json");
      writeFileSync(tsconfig, '{ "compilerOptions": { "strict": true }, "include": ["other"] }\n');
      await client.connection.sendNotification("workspace/didChangeWatchedFiles", {
        changes: [{ uri: uri(tsconfig), type: 2 }],
      });
      assert.deepEqual(await client.diagnostics(copyUri, since), [], "outside the project: syntactic again");
    } finally {
      await client.stop();
      copy.remove();
    }
  });

  it("stays syntactic unless the client asks for it (as the CLI without --project)", async () => {
    const { client } = await LspClient.start(typed);
    try {
      const since = client.mark();
      await client.open(ordersUri, text);
      assert.deepEqual(await client.diagnostics(ordersUri, since), []);
    } finally {
      await client.stop();
    }
  });
});

function applyEdit(text: string, edit: WorkspaceEdit, fileUri: string): string {
  const edits: TextEdit[] = edit.changes?.[fileUri] ?? [];
  assert.ok(edits.length > 0, `the edit changes ${fileUri}`);
  return TextDocument.applyEdits(TextDocument.create(fileUri, "typescript", 0, text), edits);
}

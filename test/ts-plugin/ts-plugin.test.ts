// The tsserver plugin as editors run it: the built bundle, resolved as
// `tenantguard/ts-plugin` from a project's node_modules by a real tsserver process,
// driven over tsserver's protocol. Once per installed TypeScript (6, and 5.x when present).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  fromTenantguard,
  PluginProject,
  REPO_ROOT,
  typescriptVariants,
  type TypeScriptVariant,
} from "./plugin-project";
import { ORDERS_ACTION, ORDERS_DATA } from "../helpers/caller-texts";
import {
  applyCodeEdits,
  toLocation,
  type TsCodeFixAction,
  type TsDiagnostic,
  type TsFileCodeEdits,
} from "./tsserver-client";

const MISSING_TENANT_FILTER = 98001;
const SUPPRESSION_WITHOUT_REASON = 98007;
const ALL_CODES = [98001, 98002, 98003, 98004, 98005, 98006, 98007, 98008];

before(() => {
  execFileSync(process.execPath, [join(REPO_ROOT, "scripts", "build.mjs")], { cwd: REPO_ROOT, stdio: "inherit" });
});

for (const variant of typescriptVariants()) {
  if (variant.skip) {
    console.warn(`\n!!! ${variant.skip}\n`);
    describe(`tsserver plugin on ${variant.label}`, { skip: variant.skip }, () => {});
    continue;
  }
  describe(`tsserver plugin on ${variant.label}`, { timeout: 120_000 }, () => pluginSuite(variant));
}

function pluginSuite(variant: TypeScriptVariant): void {
  const tsserverPath = variant.tsserverPath!;
  let project: PluginProject;
  const hasFinding = (ds: TsDiagnostic[]) => fromTenantguard(ds).length > 0;
  const noFinding = (ds: TsDiagnostic[]) => fromTenantguard(ds).length === 0;

  before(async () => {
    project = new PluginProject({ fixture: "project", tsserverPath });
    await project.open("src/orders.ts");
  });
  after(() => project?.dispose());

  test("pushes the finding to the editor once the SQL parser has loaded", async () => {
    // The parser loads asynchronously after open; the plugin then asks tsserver to refresh,
    // and tsserver pushes diagnostics for the open file without being asked.
    const file = project.path("src/orders.ts");
    const event = await project.server.waitForEvent("semanticDiag", {
      from: 0,
      match: (body) => {
        const b = body as { file: string; diagnostics: TsDiagnostic[] };
        return b.file === file && hasFinding(b.diagnostics);
      },
    });
    assert.ok(project.server.events.some((e) => e.event === "projectsUpdatedInBackground"));
    assert.equal(
      fromTenantguard((event.body as { diagnostics: TsDiagnostic[] }).diagnostics)[0].code,
      MISSING_TENANT_FILTER,
    );
  });

  test("reports the unscoped query at the exact range of `orders` in the SQL string", async () => {
    const text = project.text("src/orders.ts");
    const diagnostics = await project.diagnosticsUntil("src/orders.ts", hasFinding);
    const ours = fromTenantguard(diagnostics);
    const at = text.indexOf('"SELECT * FROM orders WHERE id = $1"') + '"SELECT * FROM '.length;
    assert.deepEqual(ours, [
      {
        start: toLocation(text, at),
        end: toLocation(text, at + "orders".length),
        text: ours[0].text,
        code: MISSING_TENANT_FILTER,
        category: "error",
        source: "tenantguard",
      },
    ]);
    assert.match(ours[0].text, /^\[missing-tenant-filter\] Query reads "orders" without a tenant predicate/);
    assert.equal(diagnostics.length, ours.length, "no TypeScript errors in the fixture");
  });

  test("lists its codes as fixable for a file (not in tsserver's file-less global list)", async () => {
    const forFile = await project.server.request<string[]>("getSupportedCodeFixes", {
      file: project.path("src/orders.ts"),
    });
    for (const code of ALL_CODES) assert.ok(forFile.includes(String(code)), `code ${code} listed`);
    // What VS Code asks (microsoft/vscode#219273): the global list, without plugin codes.
    const global = await project.server.request<string[]>("getSupportedCodeFixes");
    assert.ok(!global.includes(String(MISSING_TENANT_FILTER)));
  });

  test("offers the add-predicate fix, which removes the finding without a TypeScript error", async () => {
    const original = project.text("src/orders.ts");
    const fixes = await codeFixesFor("src/orders.ts");
    assert.deepEqual(
      fixes.map((f) => [f.fixName, f.description]),
      [
        ["tenantguard-missing-tenant-filter", "Add tenant predicate `orders.tenant_id = tenantId`"],
        ["tenantguard-suppress", 'Suppress missing-tenant-filter with a reason (write it after "--")'],
      ],
    );
    const fixed = applyCodeEdits(original, fixes[0].changes[0].textChanges);
    assert.ok(
      fixed.includes('pool.query("SELECT * FROM orders WHERE id = $1 AND orders.tenant_id = $2", [id, tenantId]);'),
    );
    try {
      await project.edit("src/orders.ts", fixed);
      const after = await project.diagnosticsUntil("src/orders.ts", noFinding);
      assert.deepEqual(after, [], "no TypeScript errors after the fix");
      assert.deepEqual(await syntacticDiagnostics("src/orders.ts"), []);
    } finally {
      await project.edit("src/orders.ts", original);
    }
  });

  test("suppresses with a comment above the statement that asks for the reason", async () => {
    const original = project.text("src/orders.ts");
    await project.diagnosticsUntil("src/orders.ts", hasFinding);
    const suppress = (await codeFixesFor("src/orders.ts")).find((f) => f.fixName === "tenantguard-suppress")!;
    const suppressed = applyCodeEdits(original, suppress.changes[0].textChanges);
    assert.ok(
      suppressed.includes(
        "export async function getOrder(tenantId: string, id: string) {\n" +
          "  // tenantguard-ignore-next-line missing-tenant-filter -- \n" +
          '  return pool.query("SELECT * FROM orders WHERE id = $1", [id]);',
      ),
    );
    const withReason = suppressed.replace(
      "missing-tenant-filter -- ",
      "missing-tenant-filter -- support console reads any tenant",
    );
    try {
      await project.edit("src/orders.ts", suppressed);
      const pending = await project.diagnosticsUntil(
        "src/orders.ts",
        (ds) => fromTenantguard(ds).every((d) => d.code === SUPPRESSION_WITHOUT_REASON) && hasFinding(ds),
      );
      assert.equal(fromTenantguard(pending)[0].category, "warning");
      assert.equal(fromTenantguard(pending)[0].start.line, 4, "the warning points at the new comment");

      await project.edit("src/orders.ts", withReason);
      assert.deepEqual(await project.diagnosticsUntil("src/orders.ts", noFinding), []);
    } finally {
      await project.edit("src/orders.ts", original);
    }
  });

  test("fixes every unscoped query in the file with tenantguard-fix-all", async () => {
    await project.open("src/cleanup.ts");
    const original = project.text("src/cleanup.ts");
    const before = await project.diagnosticsUntil("src/cleanup.ts", (ds) => fromTenantguard(ds).length === 2);
    assert.deepEqual(
      fromTenantguard(before).map((d) => d.code),
      [MISSING_TENANT_FILTER, MISSING_TENANT_FILTER],
    );
    const combined = await project.server.request<{ changes: TsFileCodeEdits[] }>("getCombinedCodeFix", {
      scope: { type: "file", args: { file: project.path("src/cleanup.ts") } },
      fixId: "tenantguard-fix-all",
    });
    assert.equal(combined.changes.length, 1);
    const fixed = applyCodeEdits(original, combined.changes[0].textChanges);
    assert.ok(
      fixed.includes('"UPDATE orders SET total_cents = 0 WHERE id = $1 AND orders.tenant_id = $2", [id, tenantId]'),
    );
    assert.ok(fixed.includes('"DELETE FROM orders WHERE id = $1 AND orders.tenant_id = $2", [id, tenantId]'));
    try {
      await project.edit("src/cleanup.ts", fixed);
      assert.deepEqual(await project.diagnosticsUntil("src/cleanup.ts", noFinding), []);
    } finally {
      await project.edit("src/cleanup.ts", original);
    }
  });

  test("adds nothing to a file without SQL", async () => {
    await project.diagnosticsUntil("src/orders.ts", hasFinding); // the plugin is ready
    await project.open("src/plain.ts");
    assert.deepEqual(await project.semanticDiagnostics("src/plain.ts"), []);
  });

  test("analyzes an unchanged file once, however often it is asked", async () => {
    const analyzed = () => project.logLines(/tenantguard: analyzed .*\/src\/orders\.ts /).length;
    await project.diagnosticsUntil("src/orders.ts", hasFinding);
    const count = analyzed();
    for (let i = 0; i < 3; i++) await project.semanticDiagnostics("src/orders.ts");
    await codeFixesFor("src/orders.ts");
    assert.equal(analyzed(), count);

    const original = project.text("src/orders.ts");
    await project.edit("src/orders.ts", original.replace("listPlans()", "listAllPlans()"));
    await project.semanticDiagnostics("src/orders.ts");
    assert.equal(analyzed(), count + 1, "a changed file is analyzed again");
    await project.edit("src/orders.ts", original);
  });

  test("keeps TypeScript's own diagnostics for a syntax-broken file, and keeps answering", async () => {
    const broken = [
      'import { pool } from "./db";',
      "export async function broken(tenantId: string) {",
      '  const n: number = "not a number";',
      '  return pool.query("SELECT * FROM orders WHERE id = $1", [n]',
      "}",
      "",
    ].join("\n");
    await project.open("src/broken.ts", broken);
    const syntactic = await syntacticDiagnostics("src/broken.ts");
    assert.ok(
      syntactic.some((d) => d.code === 1005),
      `TS1005 "')' expected" in ${JSON.stringify(syntactic)}`,
    );
    const semantic = await project.semanticDiagnostics("src/broken.ts");
    assert.ok(
      semantic.some((d) => d.code === 2322),
      `TS2322 in ${JSON.stringify(semantic)}`,
    );
    assert.ok(hasFinding(await project.semanticDiagnostics("src/orders.ts")));
    assert.deepEqual(project.logLines(/tenantguard: .* failed/), [], "the plugin did not fall back on an error");
  });

  test("follows the editor's settings pushed through configurePlugin", async () => {
    await project.diagnosticsUntil("src/orders.ts", hasFinding);
    await project.server.request("configurePlugin", {
      pluginName: "tenantguard/ts-plugin",
      configuration: { enable: false },
    });
    assert.ok(noFinding(await project.semanticDiagnostics("src/orders.ts")));
    await project.server.request("configurePlugin", {
      pluginName: "tenantguard/ts-plugin",
      configuration: { enable: true },
    });
    await project.diagnosticsUntil("src/orders.ts", hasFinding);
  });

  test("re-reads tenantguard.config.json when it changes", async () => {
    const config = project.read("tenantguard.config.json");
    await project.diagnosticsUntil("src/orders.ts", hasFinding);
    try {
      project.write(
        "tenantguard.config.json",
        config.replace('"globalTables"', '"rules": { "missing-tenant-filter": "off" },\n  "globalTables"'),
      );
      await project.diagnosticsUntil("src/orders.ts", noFinding);
    } finally {
      project.write("tenantguard.config.json", config);
    }
    await project.diagnosticsUntil("src/orders.ts", hasFinding);
  });

  test("picks up a new migration that makes a table tenant-owned", async () => {
    await project.open("src/invoices.ts");
    await project.diagnosticsUntil("src/orders.ts", hasFinding);
    assert.ok(noFinding(await project.semanticDiagnostics("src/invoices.ts")), "invoices is not known yet");
    project.write(
      "db/migrations/002_invoices.sql",
      "CREATE TABLE invoices (id uuid PRIMARY KEY, tenant_id uuid NOT NULL);\n",
    );
    const diagnostics = await project.diagnosticsUntil("src/invoices.ts", hasFinding);
    assert.match(fromTenantguard(diagnostics)[0].text, /^\[missing-tenant-filter\] Query reads "invoices"/);
  });

  test("keeps answering with a broken tenantguard.config.json, and says why in the log", async () => {
    const broken = new PluginProject({
      fixture: "project",
      tsserverPath,
      files: { "tenantguard.config.json": '{\n  "tenantColumns": ["tenant_id"],\n  "globalTables": ["plans"\n}\n' },
    });
    try {
      await broken.open("src/orders.ts");
      // The defaults still apply (tenant_id inferred from the migrations), so editing goes on.
      await broken.diagnosticsUntil("src/orders.ts", hasFinding);
      const configLines = broken.logLines(/tenantguard: config error in .*tenantguard\.config\.json/);
      assert.ok(configLines.length > 0, "the config error is logged");
      assert.ok(Array.isArray(await broken.semanticDiagnostics("src/plain.ts")));
    } finally {
      await broken.dispose();
    }
  });

  test("a script migration's backfill gets no finding (schema run at deploy); the same query in a source file does", async () => {
    const backfill = `import { pool } from "../../db";\nexport async function up() {\n  await pool.query("SELECT * FROM orders");\n}\n`;
    const withMigration = new PluginProject({
      fixture: "project",
      tsserverPath,
      files: { "src/database/migrations/001_backfill.ts": backfill, "src/backfill/run.ts": backfill },
    });
    try {
      await withMigration.open("src/backfill/run.ts");
      await withMigration.diagnosticsUntil("src/backfill/run.ts", hasFinding);
      await withMigration.open("src/database/migrations/001_backfill.ts");
      assert.ok(noFinding(await withMigration.semanticDiagnostics("src/database/migrations/001_backfill.ts")));
    } finally {
      await withMigration.dispose();
    }
  });

  test("resolves tenantguard/ts-plugin from the project's own node_modules", async () => {
    const local = new PluginProject({ fixture: "project", tsserverPath, resolution: "local" });
    try {
      await local.open("src/orders.ts");
      await local.diagnosticsUntil("src/orders.ts", hasFinding);
      assert.ok(local.logLines(/Loading tenantguard\/ts-plugin from /).length > 0);
    } finally {
      await local.dispose();
    }
  });

  test("never used a TypeScript of its own, never fell back on an error", () => {
    assert.deepEqual(project.logLines(/tenantguard: .* failed|TypeScript of its own/), []);
  });

  describe("a by-id query on a parameter, judged at its calls", () => {
    const DATA = ORDERS_DATA;
    const ACTION = `${ORDERS_ACTION}
declare function assertOrderAccess(user: { id: string }, orderId: string): Promise<void>;
`;
    let callers: PluginProject;
    const onLine = (line: number) => (ds: TsDiagnostic[]) => fromTenantguard(ds).filter((d) => d.start.line === line);
    before(async () => {
      callers = new PluginProject({
        fixture: "project",
        tsserverPath,
        files: { "src/orders-data.ts": DATA, "src/orders-action.ts": ACTION },
      });
      await callers.open("src/orders-data.ts");
    });
    after(() => callers?.dispose());

    test("its only caller authorizes the key first: only the unscoped list is flagged", async () => {
      const diagnostics = await callers.diagnosticsUntil("src/orders-data.ts", (ds) => onLine(8)(ds).length > 0);
      assert.deepEqual(onLine(4)(diagnostics), []);
    });

    test("once the caller drops the authorization, the unchanged file is flagged, naming the call", async () => {
      await callers.open("src/orders-action.ts");
      await callers.edit(
        "src/orders-action.ts",
        ACTION.replace("  await assertOrderAccess(user, input.orderId);\n", ""),
      );
      const diagnostics = await callers.diagnosticsUntil("src/orders-data.ts", (ds) => onLine(4)(ds).length > 0);
      assert.match(
        onLine(4)(diagnostics)[0]!.text,
        /Its key `orderId` is a parameter of `cancelOrder`: the call on orders-action\.ts line 4 passes `input\.orderId`/,
      );
    });
  });

  async function codeFixesFor(relativePath: string): Promise<TsCodeFixAction[]> {
    const diagnostics = await project.diagnosticsUntil(relativePath, hasFinding);
    const finding = fromTenantguard(diagnostics).find((d) => d.code === MISSING_TENANT_FILTER)!;
    return project.server.request<TsCodeFixAction[]>("getCodeFixes", {
      file: project.path(relativePath),
      startLine: finding.start.line,
      startOffset: finding.start.offset,
      endLine: finding.end.line,
      endOffset: finding.end.offset,
      errorCodes: [finding.code],
    });
  }

  function syntacticDiagnostics(relativePath: string): Promise<TsDiagnostic[]> {
    return project.server.request<TsDiagnostic[]>("syntacticDiagnosticsSync", { file: project.path(relativePath) });
  }
}

test("the bundle carries no copy of the TypeScript compiler", () => {
  // At run time the suites above preload a hook that makes `require("typescript")` from the
  // bundle throw; this checks the bundle did not inline one either.
  const bundle = readFileSync(join(REPO_ROOT, "dist", "ts-plugin.js"), "utf8");
  assert.ok(!bundle.includes("function createTypeChecker("), "no copy of the compiler");
});

// The tenant boundary and the isolation levels, through the whole analyzer: which findings a
// query gets depending on the client it runs through, the file it is in, and `isolation`.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import ts from "typescript";
import { analyzeSourceFile } from "../../server/src/analyzer/analyze";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import type { ConfigFile } from "../../server/src/analyzer/config/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import type { Finding } from "../../server/src/analyzer/types";
import { applyEdits, summarizeFindings, type Summary } from "../helpers/analyze";
import { sqlParser, testModel } from "../helpers/sql";

let parser: SqlParser;
before(async () => {
  parser = await sqlParser();
});

const PRELUDE = `import { Pool } from "pg";\nimport { withTenant, tenantDb } from "./db";\nconst pool = new Pool();\n`;
const clients = { scoped: ["withTenant", "tenantDb"], unscoped: ["pool"], allowUnscopedIn: ["scripts/**"] };

function analyze(
  body: string,
  config: ConfigFile = {},
  relativePath = "src/routes/orders.ts",
): { text: string; findings: Finding[] } {
  const text = `${PRELUDE}export async function handler(tenantId: string, id: string) {\n${body}\n}\n`;
  const sourceFile = ts.createSourceFile(`/p/${relativePath}`, text, ts.ScriptTarget.Latest, true);
  const findings = analyzeSourceFile({
    ts,
    sourceFile,
    config: resolveConfig({ clients, ...config }, "/p", undefined),
    model: testModel(),
    parser,
    relativePath,
  });
  return { text, findings };
}

function rulesOf(body: string, config: ConfigFile = {}, relativePath?: string): Omit<Summary, "line">[] {
  const { text, findings } = analyze(body, config, relativePath);
  return summarizeFindings(text, findings).map(({ rule, at, suppressed }) => ({
    rule,
    at,
    ...(suppressed ? { suppressed } : {}),
  }));
}

type Case = [name: string, body: string, expected: Omit<Summary, "line">[]];

describe("row level: scoped and unscoped clients", () => {
  const cases: Case[] = [
    [
      "an unscoped client with a predicate is still unscoped-client",
      `await pool.query("SELECT * FROM orders WHERE tenant_id = $1", [tenantId]);`,
      [{ rule: "unscoped-client", at: "pool" }],
    ],
    [
      "an unscoped client without a predicate gets both",
      `await pool.query("SELECT * FROM orders");`,
      [
        { rule: "unscoped-client", at: "pool" },
        { rule: "missing-tenant-filter", at: "orders" },
      ],
    ],
    ["a scoped client needs no predicate", `await tenantDb.query("SELECT * FROM orders WHERE id = $1", [id]);`, []],
    [
      "the tx of a scoped wrapper needs no predicate",
      `await withTenant(tenantId, async (tx) => tx.query("DELETE FROM orders WHERE id = $1", [id]));`,
      [],
    ],
    [
      "an insert through a scoped client needs no tenant column",
      `await tenantDb.query("INSERT INTO orders (id) VALUES ($1)", [id]);`,
      [],
    ],
    [
      "an unknown receiver falls back to the predicate rules",
      `await other.query("SELECT * FROM orders");`,
      [{ rule: "missing-tenant-filter", at: "orders" }],
    ],
    [
      "an unknown receiver with a predicate is fine",
      `await other.query("SELECT * FROM orders WHERE tenant_id = $1", [tenantId]);`,
      [],
    ],
    ["global tables through the root client are fine", `await pool.query("SELECT * FROM plans");`, []],
    [
      "a connection checked out of the root pool is unscoped",
      `const c = await pool.connect();\nawait c.query("SELECT * FROM invoices WHERE tenant_id = $1", [tenantId]);`,
      [{ rule: "unscoped-client", at: "c" }],
    ],
    [
      "a suppression with a reason covers it",
      `// tenantguard-ignore-next-line unscoped-client -- health check counts rows, nothing leaves the process\nawait pool.query("SELECT count(*) FROM orders WHERE tenant_id = $1", [tenantId]);`,
      [{ rule: "unscoped-client", at: "pool", suppressed: "health check counts rows, nothing leaves the process" }],
    ],
  ];
  for (const [name, body, expected] of cases) it(name, () => assert.deepEqual(rulesOf(body), expected));

  it("allowUnscopedIn waives unscoped-client only; the predicate rules still apply there", () => {
    assert.deepEqual(
      rulesOf(`await pool.query("SELECT * FROM orders WHERE tenant_id = $1", [tenantId]);`, {}, "scripts/backfill.ts"),
      [],
    );
    assert.deepEqual(rulesOf(`await pool.query("SELECT * FROM orders");`, {}, "scripts/backfill.ts"), [
      { rule: "missing-tenant-filter", at: "orders" },
    ]);
  });

  it("without clients in the config nothing changes", () => {
    const { findings } = analyze(`await pool.query("SELECT * FROM orders WHERE tenant_id = $1", [tenantId]);`, {
      clients: { scoped: [], unscoped: [], allowUnscopedIn: [] },
    });
    assert.deepEqual(findings, []);
  });
});

describe("unscoped-client fixes", () => {
  it("uses the scoped client already in scope", () => {
    const { text, findings } = analyze(
      `await withTenant(tenantId, async (tx) => {\n  await pool.query("SELECT * FROM orders WHERE id = $1", [id]);\n});`,
    );
    const f = findings.find((x) => x.ruleId === "unscoped-client")!;
    assert.equal(f.fixes[0].title, "Run the query through the scoped client `tx`");
    assert.match(applyEdits(text, f.fixes[0].edits), /await tx\.query\("SELECT \* FROM orders WHERE id = \$1"/);
  });

  it("else the configured scoped client", () => {
    const { text, findings } = analyze(`await pool.query("SELECT * FROM orders WHERE tenant_id = $1", [tenantId]);`);
    const f = findings.find((x) => x.ruleId === "unscoped-client")!;
    assert.match(applyEdits(text, f.fixes[0].edits), /await tenantDb\.query\(/);
    assert.equal(f.fixes[0].safe, false);
  });

  it("suppress with a reason: the comment above the statement, ending where the reason goes", () => {
    const { text, findings } = analyze(`  await pool.query("SELECT * FROM orders WHERE tenant_id = $1", [tenantId]);`);
    const fix = findings
      .find((x) => x.ruleId === "unscoped-client")!
      .fixes.find((x) => x.title.startsWith("Suppress"))!;
    assert.equal(fix.title, "Suppress unscoped-client with a reason");
    const fixed = applyEdits(text, fix.edits);
    assert.match(fixed, /\n {2}\/\/ tenantguard-ignore-next-line unscoped-client -- \n {2}await pool\.query/);
    // The edit ends right after `-- `: the cursor lands on the reason.
    assert.equal(fixed.slice(0, fix.edits[0].start + fix.edits[0].newText.length - 1).endsWith("-- "), true);
  });
});

describe("isolation rls", () => {
  const rls: ConfigFile = { isolation: "rls" };
  const cases: Case[] = [
    [
      "a predicate alone does not satisfy rls",
      `await other.query("SELECT * FROM orders WHERE tenant_id = $1", [tenantId]);`,
      [{ rule: "unscoped-client", at: "other" }],
    ],
    ["a scoped client does", `await withTenant(tenantId, (tx) => tx.query("SELECT * FROM orders"));`, []],
    [
      "SET without LOCAL leaks across pooled connections",
      `const c = await pool.connect();\nawait c.query("BEGIN");\nawait c.query("SET app.tenant_id = '42'");`,
      [{ rule: "tenant-context-leak", at: "app.tenant_id" }],
    ],
    [
      "set_config(..., false) leaks",
      `const c = await pool.connect();\nawait c.query("SELECT set_config('app.tenant_id', $1, false)", [tenantId]);`,
      [{ rule: "tenant-context-leak", at: "app.tenant_id" }],
    ],
    [
      "SET LOCAL after BEGIN on one connection is right",
      `const c = await pool.connect();\nawait c.query("BEGIN");\nawait c.query("SET LOCAL app.tenant_id = '42'");`,
      [],
    ],
    [
      "set_config(..., true) in a transaction callback is right",
      `await db.transaction(async (trx) => trx.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]));`,
      [],
    ],
    [
      "set_config(..., true) outside a transaction ends with its statement",
      `const c = await pool.connect();\nawait c.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);`,
      [{ rule: "tenant-context-leak", at: "app.tenant_id" }],
    ],
    [
      "BEGIN and the setting on a pool may land on different connections",
      `await pool.query("BEGIN");\nawait pool.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);`,
      [{ rule: "tenant-context-leak", at: "app.tenant_id" }],
    ],
    ["other settings are not the tenant's", `await pool.query("SET statement_timeout = 5000");`, []],
  ];
  for (const [name, body, expected] of cases) it(name, () => assert.deepEqual(rulesOf(body, rls), expected));

  it("fixes set_config(..., false) to true inside a transaction", () => {
    const { text, findings } = analyze(
      `await db.transaction(async (trx) => trx.query("SELECT set_config('app.tenant_id', $1, false)", [tenantId]));`,
      rls,
    );
    const f = findings.find((x) => x.ruleId === "tenant-context-leak")!;
    assert.match(applyEdits(text, f.fixes[0].edits), /set_config\('app\.tenant_id', \$1, true\)/);
    assert.equal(f.fixes[0].safe, true);
  });

  it("the rls checks do not run at row level", () => {
    assert.deepEqual(rulesOf(`await pool.query("SET app.tenant_id = '42'");`), []);
  });
});

describe("isolation schema", () => {
  const schema: ConfigFile = {
    isolation: "schema",
    clients: { scoped: ["withTenantSchema"], unscoped: [], allowUnscopedIn: [] },
  };
  const cases: Case[] = [
    [
      "a hard-coded tenant schema",
      `await pool.query("SELECT id FROM tenant_42.plans");`,
      [{ rule: "tenant-schema-in-query", at: "tenant_42" }],
    ],
    ["a non-tenant schema is fine", `await pool.query("SELECT id FROM billing.plans");`, []],
    [
      "an interpolated, quoted schema",
      'await pool.query(`SELECT id FROM "${slug}".plans`);',
      [{ rule: "tenant-schema-in-query", at: "slug" }],
    ],
    [
      "an interpolated, unquoted schema is an injection",
      "await pool.query(`SELECT id FROM ${slug}.plans`);",
      [{ rule: "unquoted-schema-identifier", at: "slug" }],
    ],
    [
      "an identifier-quoting call is quoted",
      "await pool.query(`SELECT id FROM ${pool.escapeIdentifier(slug)}.plans`);",
      [{ rule: "tenant-schema-in-query", at: "pool.escapeIdentifier(slug)" }],
    ],
    [
      "SET search_path outside the scoped client",
      `await pool.query("SET search_path TO $1", [slug]);`,
      [{ rule: "search-path-outside-scoped-client", at: '"SET search_path TO $1"' }],
    ],
    [
      "SET search_path spliced in unquoted, outside the scoped client",
      "await pool.query(`SET search_path TO ${slug}`);",
      [
        { rule: "search-path-outside-scoped-client", at: "`SET search_path TO ${slug}`" },
        { rule: "unquoted-schema-identifier", at: "slug" },
      ],
    ],
    ["unqualified tables are what schema isolation wants", `await pool.query("SELECT id FROM plans");`, []],
  ];
  for (const [name, body, expected] of cases)
    it(name, () => assert.deepEqual(rulesOf(`const slug = await schemaOf(tenantId);\n${body}`, schema), expected));

  it("the scoped client itself may set search_path", () => {
    const text = `import { Pool } from "pg";\nconst pool = new Pool();\nexport async function withTenantSchema(slug: string) {\n  const c = await pool.connect();\n  await c.query("BEGIN");\n  await c.query(\`SET LOCAL search_path TO \${c.escapeIdentifier(slug)}\`);\n}\n`;
    const sourceFile = ts.createSourceFile("/p/src/db.ts", text, ts.ScriptTarget.Latest, true);
    const config = resolveConfig(schema, "/p", undefined);
    assert.deepEqual(
      analyzeSourceFile({ ts, sourceFile, config, model: testModel(), parser, relativePath: "src/db.ts" }),
      [],
    );
  });
});

describe("isolation database", () => {
  const database: ConfigFile = {
    isolation: "database",
    clients: { scoped: ["tenantPool"], unscoped: [], allowUnscopedIn: ["scripts/**"] },
    globalTables: ["plans"],
  };
  const cases: Case[] = [
    [
      "a shared pool for a tenant table",
      `await pool.query("SELECT * FROM orders WHERE id = $1", [id]);`,
      [
        { rule: "shared-connection", at: "pool" },
        { rule: "missing-tenant-filter", at: "orders" },
      ],
    ],
    [
      "every table lives in the tenant's database, tenant column or not",
      `await pool.query("SELECT * FROM shipments");`,
      [{ rule: "shared-connection", at: "pool" }],
    ],
    ["the tenant's own connection", `const db = tenantPool(tenantId);\nawait db.query("SELECT * FROM shipments");`, []],
    ["global tables through the shared pool", `await pool.query("SELECT * FROM plans");`, []],
  ];
  for (const [name, body, expected] of cases) it(name, () => assert.deepEqual(rulesOf(body, database), expected));

  it("allowUnscopedIn waives it", () =>
    assert.deepEqual(rulesOf(`await pool.query("SELECT * FROM shipments");`, database, "scripts/migrate-all.ts"), []));
});

describe("type-aware (a TypeChecker)", () => {
  it("a parameter whose type is the scoped client's type, declared in another file, needs no predicate", async () => {
    const { typedProgram } = await import("../orm/builders");
    const { program, path } = typedProgram({
      "tenant-db.ts": `export interface TenantDb { query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> }`,
      "routes.ts": `
        import type { TenantDb as Db } from "./tenant-db";
        declare const pool: Db & { root: true };
        export async function list(db: Db, id: string) {
          await db.query("SELECT * FROM orders WHERE id = $1", [id]);
        }`,
    });
    const sourceFile = program.getSourceFile(path("routes.ts"))!;
    const config = resolveConfig({ clients: { scoped: ["TenantDb"], unscoped: ["pool"] } }, "/p", undefined);
    const run = (checker?: ts.TypeChecker) =>
      analyzeSourceFile({ ts, sourceFile, checker, config, model: testModel(), parser, relativePath: "routes.ts" }).map(
        (f) => f.ruleId,
      );
    assert.deepEqual(run(program.getTypeChecker()), []);
    // Without the checker, `Db` is only a local name: the predicate rules apply.
    assert.deepEqual(run(), ["missing-tenant-filter"]);
  });
});

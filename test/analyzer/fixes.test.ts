// Every fix fixture: the fix's text, the file still parses (TS and SQL), and re-analysis
// shows the finding gone.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { analyzeText, applyEdits, syntaxErrors } from "../helpers/analyze";
import { sqlParser, testModel } from "../helpers/sql";

let parser: SqlParser;
before(async () => {
  parser = await sqlParser();
});

interface FixCase {
  name: string;
  code: string;
  expected: string;
  config?: { tenantExpression?: string };
  safe?: boolean;
}

const fn = (body: string, params = "id: string, tenantId: string") =>
  `export async function f(${params}) {\n  ${body}\n}\n`;

const cases: FixCase[] = [
  {
    name: "node-postgres: appends the predicate and the value",
    code: fn(`await pool.query("SELECT * FROM orders WHERE id = $1", [id]);`),
    expected: fn(`await pool.query("SELECT * FROM orders WHERE id = $1 AND orders.tenant_id = $2", [id, tenantId]);`),
  },
  {
    name: "the project's own query helper: appends the predicate and the value",
    code: fn(`await query("DELETE FROM orders WHERE id = $1", [id]);`),
    expected: fn(`await query("DELETE FROM orders WHERE id = $1 AND orders.tenant_id = $2", [id, tenantId]);`),
  },
  {
    name: "node-postgres: creates the WHERE and the values argument",
    code: fn(`await pool.query("SELECT * FROM orders ORDER BY id");`),
    expected: fn(`await pool.query("SELECT * FROM orders WHERE orders.tenant_id = $1 ORDER BY id", [tenantId]);`),
  },
  {
    name: "node-postgres: wraps an OR before adding the predicate",
    code: fn(`await pool.query("SELECT * FROM invoices i WHERE i.status = 'x' OR i.tenant_id = $1", [tenantId]);`),
    expected: fn(
      `await pool.query("SELECT * FROM invoices i WHERE (i.status = 'x' OR i.tenant_id = $1) AND i.tenant_id = $2", [tenantId, tenantId]);`,
    ),
  },
  {
    name: "node-postgres: { text, values } object",
    code: fn(`await client.query({ text: "DELETE FROM orders WHERE id = $1", values: [id] });`),
    expected: fn(
      `await client.query({ text: "DELETE FROM orders WHERE id = $1 AND orders.tenant_id = $2", values: [id, tenantId] });`,
    ),
  },
  {
    name: "node-postgres: multi-line template with the clause on its own line",
    code: fn(
      "await pool.query(`\n    UPDATE orders o\n    SET total = $2\n    WHERE o.id = $1\n    RETURNING o.id`, [id, 5]);",
    ),
    expected: fn(
      "await pool.query(`\n    UPDATE orders o\n    SET total = $2\n    WHERE o.id = $1 AND o.tenant_id = $3\n    RETURNING o.id`, [id, 5, tenantId]);",
    ),
  },
  {
    name: "postgres.js tagged template interpolates the tenant value",
    code: fn("await sql`SELECT * FROM orders o WHERE o.id = ${id}`;"),
    expected: fn("await sql`SELECT * FROM orders o WHERE o.id = ${id} AND o.tenant_id = ${tenantId}`;"),
  },
  {
    name: "Prisma $queryRawUnsafe appends a rest argument",
    code: fn(`await prisma.$queryRawUnsafe("SELECT * FROM orders WHERE id = $1", id);`),
    expected: fn(
      `await prisma.$queryRawUnsafe("SELECT * FROM orders WHERE id = $1 AND orders.tenant_id = $2", id, tenantId);`,
    ),
  },
  {
    name: "INSERT gains the tenant column and value in every row",
    code: fn("await prisma.$executeRaw`INSERT INTO orders (id, total) VALUES (${id}, 1), (${id}, 2)`;"),
    expected: fn(
      "await prisma.$executeRaw`INSERT INTO orders (id, total, tenant_id) VALUES (${id}, 1, ${tenantId}), (${id}, 2, ${tenantId})`;",
    ),
  },
  {
    name: "INSERT through node-postgres",
    code: fn(`await pool.query("INSERT INTO orders (id, total) VALUES ($1, $2)", [id, 3]);`),
    expected: fn(
      `await pool.query("INSERT INTO orders (id, total, tenant_id) VALUES ($1, $2, $3)", [id, 3, tenantId]);`,
    ),
  },
  {
    name: "the tenant value comes from a destructured parameter",
    code: fn(
      `await pool.query("SELECT * FROM orders WHERE id = $1", [id]);`,
      "{ id, tenantId }: { id: string; tenantId: string }",
    ),
    expected: fn(
      `await pool.query("SELECT * FROM orders WHERE id = $1 AND orders.tenant_id = $2", [id, tenantId]);`,
      "{ id, tenantId }: { id: string; tenantId: string }",
    ),
  },
  {
    name: "the configured tenantExpression when no tenantId is in scope",
    code: fn(`await pool.query("SELECT * FROM orders WHERE id = $1", [id]);`, "id: string, ctx: Ctx"),
    expected: fn(
      `await pool.query("SELECT * FROM orders WHERE id = $1 AND orders.tenant_id = $2", [id, ctx.tenantId]);`,
      "id: string, ctx: Ctx",
    ),
    config: { tenantExpression: "ctx.tenantId" },
  },
  {
    name: "the configured tenantExpression whose first name is not in scope: offered, never applied unattended",
    code: fn(`await pool.query("SELECT * FROM orders WHERE id = $1", [id]);`, "id: string"),
    expected: fn(
      `await pool.query("SELECT * FROM orders WHERE id = $1 AND orders.tenant_id = $2", [id, ctx.tenantId]);`,
      "id: string",
    ),
    config: { tenantExpression: "ctx.tenantId" },
    safe: false,
  },
  {
    name: "the configured tenantExpression whose first name is a const declared before the query: applied",
    code: fn(
      `const ctx = await getCtx();\n  await pool.query("SELECT * FROM orders WHERE id = $1", [id]);`,
      "id: string",
    ),
    expected: fn(
      `const ctx = await getCtx();\n  await pool.query("SELECT * FROM orders WHERE id = $1 AND orders.tenant_id = $2", [id, ctx.tenantId]);`,
      "id: string",
    ),
    config: { tenantExpression: "ctx.tenantId" },
  },
  {
    name: "the configured tenantExpression whose first name is the const the query initializes (TDZ): never applied unattended",
    code: fn(`const ctx = await pool.query("SELECT * FROM orders WHERE id = $1", [id]);`, "id: string"),
    expected: fn(
      `const ctx = await pool.query("SELECT * FROM orders WHERE id = $1 AND orders.tenant_id = $2", [id, ctx.tenantId]);`,
      "id: string",
    ),
    config: { tenantExpression: "ctx.tenantId" },
    safe: false,
  },
  {
    name: "a placeholder the user fills in, never applied unattended",
    code: fn(`await pool.query("SELECT * FROM orders WHERE id = $1", [id]);`, "id: string"),
    expected: fn(
      `await pool.query("SELECT * FROM orders WHERE id = $1 AND orders.tenant_id = $2", [id, tenantId /* TODO: tenant id */]);`,
      "id: string",
    ),
    safe: false,
  },
  {
    name: "a table owned by another column name",
    code: fn(`await pool.query("SELECT * FROM documents d WHERE d.id = $1", [id]);`, "id: string, orgId: string"),
    expected: fn(
      `await pool.query("SELECT * FROM documents d WHERE d.id = $1 AND d.org_id = $2", [id, orgId]);`,
      "id: string, orgId: string",
    ),
  },
];

for (const c of cases) {
  test(c.name, () => {
    const findings = analyzeText(parser, c.code, c.config);
    const fixable = findings.filter((f) => f.fixes.length > 0);
    assert.equal(fixable.length, 1, `one fixable finding, got ${JSON.stringify(findings.map((f) => f.ruleId))}`);
    const [fix] = fixable[0].fixes;
    assert.equal(fix.safe, c.safe ?? true);
    const fixed = applyEdits(c.code, fix.edits);
    assert.equal(fixed, c.expected);
    assert.deepEqual(syntaxErrors(fixed), []);
    const after = analyzeText(parser, fixed, c.config).filter(
      (f) => f.ruleId === fixable[0].ruleId && f.table === fixable[0].table,
    );
    assert.deepEqual(after, [], "re-analysis shows the finding gone");
  });
}

test("a fix is never offered when it cannot be verified (values passed in a variable)", () => {
  const code = fn(`const params = [id];\n  await pool.query("SELECT * FROM orders WHERE id = $1", params);`);
  const [finding] = analyzeText(parser, code);
  assert.equal(finding.ruleId, "missing-tenant-filter");
  assert.deepEqual(finding.fixes, []);
});

test('a camelCase tenant column (Prisma\'s "teamId") is quoted in the message and the fix, or Postgres would fold it to teamid', () => {
  const model = testModel({ view: "teamId" });
  const code = fn(
    'await prisma.$queryRaw`SELECT v.id FROM "View" v WHERE v."viewerId" = ${id}`;',
    "id: string, teamId: string",
  );
  const [finding] = analyzeText(parser, code, {}, "/p/src/file.ts", model);
  assert.equal(finding.ruleId, "missing-tenant-filter");
  assert.match(finding.message, /Add `v\."teamId" = <tenant>` to its WHERE clause\./);
  const fixed = applyEdits(code, finding.fixes[0]!.edits);
  assert.equal(
    fixed,
    fn(
      'await prisma.$queryRaw`SELECT v.id FROM "View" v WHERE v."viewerId" = ${id} AND v."teamId" = ${teamId}`;',
      "id: string, teamId: string",
    ),
  );
  assert.deepEqual(analyzeText(parser, fixed, {}, "/p/src/file.ts", model), []);
  // Without an alias the table's own name is the qualifier, quoted as written.
  const bare = fn('await prisma.$queryRaw`DELETE FROM "View" WHERE id = ${id}`;', "id: string, teamId: string");
  const [unaliased] = analyzeText(parser, bare, {}, "/p/src/file.ts", model);
  assert.match(unaliased.message, /Add `"View"\."teamId" = <tenant>`/);
  // A lower-case name needs no quotes.
  const plain = analyzeText(parser, fn('await pool.query("SELECT * FROM orders WHERE id = $1", [id]);'));
  assert.match(plain[0]!.message, /Add `orders\.tenant_id = <tenant>`/);
});

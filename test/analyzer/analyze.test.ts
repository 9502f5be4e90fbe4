// The analyzer on whole TypeScript files: where findings land, suppressions as an audit
// trail, rule severities, fingerprints that survive unrelated edits, and no crash on any input.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { analyzeText, summarizeFindings } from "../helpers/analyze";
import { sqlParser } from "../helpers/sql";
import { mayHaveFindings } from "../../server/src/analyzer/prefilter";
import ts from "typescript";
import { analyzeSourceFile } from "../../server/src/analyzer/analyze";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import type { Proof } from "../../server/src/analyzer/types";
import { testModel } from "../helpers/sql";

let parser: SqlParser;
before(async () => {
  parser = await sqlParser();
});

const summary = (code: string, config = {}) => summarizeFindings(code, analyzeText(parser, code, config));

describe("statements assembled from parts: what can still be read", () => {
  test("a SET list built at run time: the WHERE decides the rows, and is checked", () => {
    const code = [
      'await pool.query(`UPDATE orders SET ${updates.join(", ")} WHERE id = $1 AND tenant_id = $2`, [id, t, ...values]);',
      'await pool.query(`UPDATE orders SET updated_at = now(), ${updates.join(", ")} WHERE id = $1`, [id, ...values]);',
    ].join("\n");
    assert.deepEqual(summary(code), [{ rule: "missing-tenant-filter", line: 2, at: "orders" }]);
  });

  test("postgres.js's object helper written out: its columns are read; one built elsewhere stays unreadable", () => {
    const code = [
      'import postgres from "postgres";',
      "const sql = postgres();",
      "await sql`INSERT INTO orders ${sql({ id, tenant_id: tenantId })}`;",
      "await sql`INSERT INTO orders ${sql({ id, total })}`;",
      "await sql`UPDATE orders SET ${sql({ total })} WHERE id = ${id} AND tenant_id = ${tenantId}`;",
      'await sql`UPDATE orders SET ${sql(row, "total")} WHERE id = ${id}`;',
      "await sql`INSERT INTO orders ${sql(rows)}`;",
    ].join("\n");
    assert.deepEqual(
      summary(code).map((f) => [f.rule, f.line]),
      [
        ["missing-tenant-on-insert", 4],
        ["missing-tenant-filter", 6],
        ["dynamic-sql", 7],
      ],
    );
  });

  test("parameters numbered at run time (`$${i++}`) are parameters", () => {
    const code = [
      'await pool.query(`UPDATE orders SET ${updates.join(", ")} WHERE id = $${i++} AND tenant_id = $${i}`, values);',
      "await pool.query(`DELETE FROM orders WHERE id = $${i}`, values);",
    ].join("\n");
    assert.deepEqual(summary(code), [{ rule: "missing-tenant-filter", line: 2, at: "orders" }]);
  });

  test("twins: a clause spliced in where the WHERE goes, or a SET list followed by more of it, stay unreadable", () => {
    const code = [
      'await pool.query(`UPDATE orders SET ${updates.join(", ")} WHERE ${where}`, values);',
      "await pool.query(`UPDATE orders SET ${assignments} = 1 WHERE tenant_id = $1`, values);",
    ].join("\n");
    assert.deepEqual(
      summary(code).map((f) => [f.rule, f.line]),
      [
        ["dynamic-sql", 1],
        ["dynamic-sql", 2],
      ],
    );
    // The placeholder is tenantguard's, not the author's: the message names the spliced text, not `$1`.
    const [, second] = analyzeText(parser, code);
    assert.equal(
      second!.message,
      "SQL is assembled at run time (`assignments` splices in part of the statement), so it cannot be checked for the tenant predicate: with a placeholder where that text goes, the statement does not parse.",
    );
  });
});

describe("raw text spliced right after a name (crowd.dev's `JOIN tenants t ON s.tenant_id = t.id ${searchQuery}`)", () => {
  test("Postgres would read `t.id $N` as a typed value: the splice is SQL, so the statement is unreadable", () => {
    const code = [
      "let searchQuery = 'WHERE 1=1';",
      "await pool.query(`SELECT o.* FROM orders o JOIN tenants t ON o.tenant_id = t.id ${searchQuery} ORDER BY o.id`);",
    ].join("\n");
    const found = analyzeText(parser, code);
    assert.deepEqual(
      found.map((f) => [f.ruleId, code.slice(f.start, f.end)]),
      [["dynamic-sql", "searchQuery"]],
    );
    assert.match(found[0]!.message, /right after a name/);
  });

  test("raw SQL spliced where a value would go (`AND ${Prisma.raw(extra)}`): it may be `1=1 OR true`", () => {
    const code = [
      'import { Prisma, PrismaClient } from "@prisma/client";',
      "const prisma = new PrismaClient();",
      "await prisma.$queryRaw`SELECT * FROM orders WHERE tenant_id = ${t} AND ${Prisma.raw(extra)}`;",
    ].join("\n");
    const found = analyzeText(parser, code);
    assert.deepEqual(
      found.map((f) => [f.ruleId, code.slice(f.start, f.end)]),
      [["dynamic-sql", "Prisma.raw(extra)"]],
    );
    assert.match(found[0]!.message, /as raw SQL/);
    // Behind a subquery's LIMIT, a quoted word, a const, the strings-array form, or in the select list: the same.
    const hidden = [
      'import { Prisma, PrismaClient } from "@prisma/client";',
      "const prisma = new PrismaClient();",
      "await prisma.$queryRaw`SELECT * FROM orders o WHERE o.tenant_id = ${t} AND EXISTS (SELECT 1 FROM orders x LIMIT 1) AND ${Prisma.raw(extra)}`;",
      "await prisma.$queryRaw`SELECT * FROM orders o WHERE o.tenant_id = ${t} AND o.status <> 'set' AND ${Prisma.raw(extra)}`;",
      "const cond = Prisma.raw(extra);",
      "await prisma.$queryRaw`SELECT * FROM orders o WHERE o.tenant_id = ${t} AND ${cond}`;",
      "await prisma.$queryRaw`SELECT * FROM orders o WHERE o.tenant_id = ${t} AND ${Prisma.sql([extra])}`;",
      "await prisma.$queryRaw`SELECT ${Prisma.raw(cols)} FROM orders o WHERE o.tenant_id = ${t}`;",
    ].join("\n");
    assert.deepEqual(
      analyzeText(parser, hidden).map((f) => f.ruleId),
      ["dynamic-sql", "dynamic-sql", "dynamic-sql", "dynamic-sql", "dynamic-sql"],
    );
    // Where no condition goes (`ORDER BY ${Prisma.raw(order)}`), it picks no rows: read as written.
    const sorted = [
      'import { Prisma, PrismaClient } from "@prisma/client";',
      "const prisma = new PrismaClient();",
      "await prisma.$queryRaw`SELECT * FROM orders WHERE status = ${s} ORDER BY ${Prisma.raw(order)}`;",
    ].join("\n");
    assert.deepEqual(
      analyzeText(parser, sorted).map((f) => f.ruleId),
      ["missing-tenant-filter"],
    );
  });

  test("a statement that is all raw text (`prisma.$queryRaw`${Prisma.raw(text)}``): dynamic-sql at the splice", () => {
    const code = [
      'import { Prisma, PrismaClient } from "@prisma/client";',
      "const prisma = new PrismaClient();",
      "await prisma.$queryRaw`${Prisma.raw(text)}`;",
      "await prisma.$executeRaw` ${Prisma.raw(text)} WHERE tenant_id = ${t}`;",
      "await prisma.$queryRaw`/* report */ ${Prisma.raw(text)}`;",
      "await prisma.$queryRaw(Prisma.sql`${Prisma.raw(text)}`);",
    ].join("\n");
    const found = analyzeText(parser, code);
    assert.deepEqual(
      found.map((f) => [f.ruleId, code.slice(f.start, f.end)]),
      [
        ["dynamic-sql", "Prisma.raw(text)"],
        ["dynamic-sql", "Prisma.raw(text)"],
        ["dynamic-sql", "Prisma.raw(text)"],
        ["dynamic-sql", "Prisma.raw(text)"],
      ],
    );
    assert.match(found[0]!.message, /^SQL starts with `Prisma\.raw\(text\)`/);
    // Twins: a fragment that is no statement (`Prisma.sql`) is not run there; raw text the file holds as a
    // literal or a const is read as written, and checked.
    const twins = [
      'import { Prisma, PrismaClient } from "@prisma/client";',
      "const prisma = new PrismaClient();",
      "const order = Prisma.sql`${Prisma.raw(text)}`;",
      'const head = Prisma.raw("SELECT * FROM orders WHERE tenant_id = ");',
      "await prisma.$queryRaw`${head}${t}`;",
      "await prisma.$queryRaw`${Prisma.raw(\"SELECT * FROM orders WHERE status = 'open'\")}`;",
    ].join("\n");
    assert.deepEqual(
      summary(twins).map((f) => [f.rule, f.line]),
      [["missing-tenant-filter", 6]],
    );
  });

  test("twins: a value placeholder after `=`, and a typed literal the author wrote, read as written", () => {
    const code = [
      "await pool.query(`SELECT * FROM orders WHERE tenant_id = ${tenantId}`);",
      "await pool.query(\"SELECT * FROM orders WHERE tenant_id = $1 AND created_at > date '2024-01-01'\", [t]);",
    ].join("\n");
    assert.deepEqual(summary(code), []);
  });
});

describe("a fragment a same-file function returns (plunk's `WHERE ${emailScope(query)}`): read as if written at the call", () => {
  const PRISMA = 'import { Prisma, PrismaClient } from "@prisma/client";\nconst prisma = new PrismaClient();';

  test("a function declaration or an arrow const returning one tag: the tenant predicate in it scopes the statement", () => {
    const code = [
      PRISMA,
      "function scope(q: { t: string; from: Date }): Prisma.Sql {",
      "  const since = q.from;",
      "  return Prisma.sql`o.tenant_id = ${q.t} AND o.created_at >= ${since}`;",
      "}",
      "const open = (t: string) => Prisma.sql`o.tenant_id = ${t} AND o.status = 'open'`;",
      "await prisma.$queryRaw`SELECT o.id FROM orders o WHERE ${scope(query)} GROUP BY 1`;",
      "await prisma.$queryRaw`SELECT o.id FROM orders o WHERE ${open(t)}`;",
    ].join("\n");
    assert.deepEqual(summary(code), []);
  });

  test("twins: a returned fragment without the tenant, one with an OR, one of two returns, an imported function", () => {
    const code = [
      PRISMA,
      'import { imported } from "./scopes";',
      "function anyRow(): Prisma.Sql {",
      "  return Prisma.sql`o.status <> 'gone'`;",
      "}",
      "const widened = (t: string) => Prisma.sql`o.tenant_id = ${t} OR o.status = 'open'`;",
      "function either(t: string, all: boolean) {",
      "  if (all) return Prisma.sql`true`;",
      "  return Prisma.sql`o.tenant_id = ${t}`;",
      "}",
      "await prisma.$queryRaw`SELECT o.id FROM orders o WHERE ${anyRow()}`;",
      "await prisma.$queryRaw`SELECT o.id FROM orders o WHERE ${widened(t)}`;",
      "await prisma.$queryRaw`SELECT o.id FROM orders o WHERE ${either(t, all)}`;",
      "await prisma.$queryRaw`SELECT o.id FROM orders o WHERE ${imported(t)}`;",
    ].join("\n");
    assert.deepEqual(
      summary(code).map((f) => [f.rule, f.line]),
      [
        ["missing-tenant-filter", 12],
        ["weak-tenant-filter", 13],
        ["dynamic-sql", 14],
        ["dynamic-sql", 15],
      ],
    );
  });

  test("a function's whole statement inlined where it is wrapped in a scoped one is still its own statement where it runs", () => {
    const code = [
      'import postgres from "postgres";',
      "const sql = postgres();",
      "function allOrders() {",
      "  return sql`SELECT * FROM orders`;",
      "}",
      "export const scoped = (t: string) => sql`SELECT * FROM (${allOrders()}) o WHERE o.tenant_id = ${t}`;",
      "export const leak = () => allOrders();",
    ].join("\n");
    assert.deepEqual(
      summary(code).map((f) => [f.rule, f.line]),
      [["missing-tenant-filter", 4]],
    );
  });

  test("the missing predicate's fix goes into the calling statement, beside the call, not into the shared function", () => {
    const code = [
      PRISMA,
      "function anyRow() {",
      "  return Prisma.sql`o.status <> 'gone'`;",
      "}",
      "export async function list(tenantId: string) {",
      "  return prisma.$queryRaw`SELECT o.id FROM orders o WHERE ${anyRow()}`;",
      "}",
    ].join("\n");
    const [finding] = analyzeText(parser, code);
    const edit = finding!.fixes[0]!.edits[0]!;
    assert.equal(code.slice(0, edit.start).split("\n").length, 7);
    assert.equal(
      code.slice(0, edit.start) + edit.newText + code.slice(edit.end),
      code.replace("WHERE ${anyRow()}`", "WHERE ${anyRow()} AND o.tenant_id = ${tenantId}`"),
    );
  });
});

describe("a fragment spliced in or left out (`${cond ? Prisma.sql`...` : Prisma.empty}`): checked written out each way", () => {
  const PRISMA = 'import { Prisma, PrismaClient } from "@prisma/client";\nconst prisma = new PrismaClient();';

  test("scoped either way: a LIMIT, an extra AND term, a fragment with its own values (langfuse's prompts)", () => {
    const code = [
      PRISMA,
      "await prisma.$queryRaw`SELECT * FROM orders o WHERE o.tenant_id = ${t} ${limit ? Prisma.sql`LIMIT ${limit}` : Prisma.empty}`;",
      "await prisma.$queryRaw`SELECT * FROM orders o WHERE o.tenant_id = ${t} ${q ? Prisma.sql`AND o.status = ${q}` : Prisma.sql``} ORDER BY o.id`;",
      "await sql`SELECT * FROM orders WHERE tenant_id = ${t} ${desc ? sql`ORDER BY id DESC` : sql`ORDER BY id`}`;",
    ].join("\n");
    assert.deepEqual(summary(code), []);
  });

  test("twins: the tenant predicate in one branch only, an OR in one branch, a fragment that never parses", () => {
    const code = [
      PRISMA,
      "await prisma.$queryRaw`SELECT * FROM orders o WHERE o.status = 'open' ${all ? Prisma.empty : Prisma.sql`AND o.tenant_id = ${t}`}`;",
      "await prisma.$queryRaw`SELECT * FROM orders o WHERE o.tenant_id = ${t} ${all ? Prisma.sql`OR true` : Prisma.empty}`;",
      "await prisma.$queryRaw`SELECT * FROM orders o WHERE o.tenant_id = ${t} ${all ? Prisma.sql`AND (` : Prisma.empty}`;",
      "await prisma.$queryRaw`SELECT * FROM orders o WHERE o.tenant_id = ${t} ${all ? Prisma.raw(order) : Prisma.empty}`;",
      // A fragment inside a branch may be any SQL (`OR true`): the statement is not written out.
      "const extra = Prisma.sql`o.status = 'open' OR true`;",
      "await prisma.$queryRaw`SELECT * FROM orders o WHERE o.tenant_id = ${t} ${q ? Prisma.sql`AND ${extra}` : Prisma.empty}`;",
      "await prisma.$queryRaw`SELECT * FROM orders o WHERE o.tenant_id = ${t} ${q ? Prisma.sql`AND ${Prisma.join(f, ' OR ')}` : Prisma.empty}`;",
    ].join("\n");
    assert.deepEqual(
      summary(code).map((f) => [f.rule, f.line]),
      [
        ["missing-tenant-filter", 3],
        ["weak-tenant-filter", 4],
        ["dynamic-sql", 5],
        ["dynamic-sql", 6],
        ["dynamic-sql", 8],
        ["dynamic-sql", 9],
      ],
    );
  });

  test("a statement proven every way is proven once", () => {
    const code = `${PRISMA}\nawait prisma.$queryRaw\`SELECT * FROM orders o WHERE o.tenant_id = \${t} \${a ? Prisma.sql\`AND o.x = 1\` : Prisma.empty} \${b ? Prisma.sql\`LIMIT 1\` : Prisma.empty}\`;`;
    const proofs: Proof[] = [];
    const sourceFile = ts.createSourceFile("/p/src/file.ts", code, ts.ScriptTarget.Latest, true);
    const findings = analyzeSourceFile({
      ts,
      sourceFile,
      config: resolveConfig({}, "/p", undefined),
      model: testModel(),
      parser,
      relativePath: "src/file.ts",
      proofs,
    });
    assert.deepEqual(findings, []);
    assert.deepEqual(
      proofs.map((p) => p.table),
      ["orders"],
    );
  });
});

describe("drivers", () => {
  const cases: [string, string][] = [
    ["node-postgres string", `pool.query("SELECT * FROM orders WHERE id = $1", [id]);`],
    ["node-postgres { text }", `client.query({ text: "SELECT * FROM orders WHERE id = $1", values: [id] });`],
    ["postgres.js tagged template", "sql`SELECT * FROM orders WHERE id = ${id}`;"],
    ["postgres.js sql.unsafe", `sql.unsafe("SELECT * FROM orders WHERE id = $1", [id]);`],
    ["slonik sql.type", "pool.one(sql.type(Order)`SELECT * FROM orders WHERE id = ${id}`);"],
    ["slonik sql.unsafe", "pool.any(sql.unsafe`SELECT * FROM orders WHERE id = ${id}`);"],
    ["Prisma $queryRaw", "prisma.$queryRaw`SELECT * FROM orders WHERE id = ${id}`;"],
    ["Prisma $queryRaw(Prisma.sql)", "prisma.$queryRaw(Prisma.sql`SELECT * FROM orders WHERE id = ${id}`);"],
    ["Prisma $executeRawUnsafe", `prisma.$executeRawUnsafe("DELETE FROM orders WHERE id = $1", id);`],
    ["knex.raw", `knex.raw("SELECT * FROM orders WHERE id = ?", [id]);`],
    ["SQL held in a const", `const q = "SELECT * FROM orders WHERE id = $1";\npool.query(q, [id]);`],
    ["pg-promise named variable", `this.db().oneOrNone("SELECT * FROM orders WHERE id = $(id)", { id });`],
    ["pg-promise $1", `db.none("DELETE FROM orders WHERE id = $1", [id]);`],
  ];
  for (const [name, code] of cases) {
    test(`${name}: the finding underlines the table inside the string`, () => {
      const found = summary(code);
      assert.equal(found.length, 1, JSON.stringify(found));
      assert.equal(found[0].at, "orders");
      assert.match(found[0].rule, /missing-tenant-filter/);
    });
  }

  test("Drizzle and Kysely sql templates", () => {
    const code = `import { sql } from "drizzle-orm";\nawait db.execute(sql\`UPDATE orders SET total = 0 WHERE id = \${id}\`);\n`;
    assert.deepEqual(summary(code), [{ rule: "missing-tenant-filter", line: 2, at: "orders" }]);
    const kysely = `import { sql } from "kysely";\nawait sql\`SELECT * FROM invoices\`.execute(db);\n`;
    assert.deepEqual(summary(kysely), [{ rule: "missing-tenant-filter", line: 2, at: "invoices" }]);
  });

  test("safe twins stay quiet", () => {
    const code = [
      "// SELECT * FROM orders WHERE id = $1  (a comment that looks like SQL)",
      'console.log("SELECT * FROM orders");',
      'const label = "select a plan";',
      "const users = req.query.users;",
      'await pool.query("SELECT * FROM plans");',
      "await pool.query(`SELECT *\n  FROM orders\n  WHERE id = $1\n    AND tenant_id = $2`, [id, tenantId]);",
      "await sql`SELECT * FROM orders WHERE tenant_id = ${tenantId}`;",
      'await db.manyOrNone("SELECT * FROM orders WHERE id = $(id) AND tenant_id = $<tenantId>", { id, tenantId });',
      'await list.one("orders");',
    ].join("\n");
    assert.deepEqual(summary(code), []);
  });
});

describe("dynamic SQL", () => {
  // nocodb's meta service: `trx.raw(`SAVEPOINT ${name}`)` with `name = `nc_routed_${++seq}``.
  test("a savepoint's name spliced in (SAVEPOINT, RELEASE, ROLLBACK TO): no table, no finding; anything more is read", () => {
    const code = [
      "const name = `nc_routed_${++seq}`;",
      "await pool.query(`SAVEPOINT ${name}`);",
      "await pool.query(`RELEASE SAVEPOINT ${name}`);",
      "await pool.query(`ROLLBACK TO SAVEPOINT ${name};`);",
      "await pool.query(`SAVEPOINT ${name}; DELETE FROM orders WHERE ${where}`);",
      "await pool.query(`ROLLBACK TO ${name} ${more}`);",
    ].join("\n");
    assert.deepEqual(
      summary(code).map((f) => [f.rule, f.line]),
      [
        ["dynamic-sql", 5],
        ["dynamic-sql", 6],
      ],
    );
  });
  test("concatenated clause", () => {
    const code = `pool.query("SELECT * FROM orders WHERE " + where);`;
    assert.deepEqual(
      summary(code).map((s) => s.rule),
      ["dynamic-sql"],
    );
  });
  test("a WHERE clause concatenated right after the table name", () => {
    const code = `pool.query("SELECT id FROM invoices" + where + " ORDER BY id", values);`;
    assert.deepEqual(summary(code), [{ rule: "dynamic-sql", line: 1, at: "where" }]);
  });
  test("a sql fragment that is not a statement is checked where it is used, not on its own", () => {
    const code = 'import { sql } from "drizzle-orm";\nconst cond = sql`${orders.tenantId} = ${tenantId}`;';
    assert.deepEqual(summary(code), []);
  });
  test("a parenthesized condition fragment (midday's search, a pgPolicy's using) is no statement; a broken statement still is", () => {
    const code = [
      'import { sql } from "drizzle-orm";',
      "const search = sql`(to_tsquery('english', ${q}) @@ ${customers.fts} OR ${customers.name} ILIKE '%' || ${q} || '%')`;",
      "const policy = sql`(team_id IN ( SELECT private.get_teams_for_authenticated_user() AS t))`;",
      "await db.execute(sql`(SELECT * FROM orders WHERE`);",
      // Run as written: what follows the parenthesis is part of the statement, unreadable (review).
      "await db.execute(sql`(SELECT * FROM orders WHERE id = ${id}) foo`);",
    ].join("\n");
    assert.deepEqual(
      summary(code).map((f) => [f.rule, f.line]),
      [
        ["dynamic-sql", 4],
        ["dynamic-sql", 5],
      ],
    );
  });
  test("a knex.raw column of a builder's select says what it is, not only that it does not parse (lightdash)", () => {
    const code = `knex("spaces").select(knex.raw("(SELECT COUNT(*) FROM orders WHERE orders.space_id = spaces.space_id) as chart_count"));`;
    const found = analyzeText(parser, code).filter((f) => f.ruleId === "dynamic-sql");
    assert.equal(found.length, 1);
    assert.match(found[0].message, /^This SQL is a column of a builder's select/);
    const broken = analyzeText(parser, `knex.raw("SELECT * FROM orders WHERE");`);
    assert.match(broken[0]!.message, /^SQL does not parse/);
  });
  test("an interpolated clause that breaks the statement underlines the interpolation", () => {
    const code = "pool.query(`SELECT * FROM orders ${filters}`);";
    assert.deepEqual(summary(code), [{ rule: "dynamic-sql", line: 1, at: "filters" }]);
  });
  test("unparsable SQL is reported once at the parser's position", () => {
    const code = `pool.query("SELECT * FROM orders WHERE tenant_id = $1 AND", [t]);`;
    const found = analyzeText(parser, code);
    assert.equal(found.length, 1);
    assert.equal(found[0].ruleId, "dynamic-sql");
    assert.equal(found[0].severity, "info");
    assert.match(found[0].message, /syntax error at end of input/);
  });
  test("SQL from a variable that cannot be followed", () => {
    const code = "export function run(text: string) { return pool.query(text); }";
    assert.deepEqual(
      summary(code).map((s) => s.rule),
      ["dynamic-sql"],
    );
  });
});

describe("suppressions", () => {
  test("a reasoned suppression on the line before hides the finding and is reported as suppressed", () => {
    const code = [
      "// tenantguard-ignore-next-line missing-tenant-filter -- nightly billing job reads every tenant",
      'await pool.query("SELECT * FROM invoices WHERE due < now()");',
    ].join("\n");
    assert.deepEqual(summary(code), [
      { rule: "missing-tenant-filter", line: 2, at: "invoices", suppressed: "nightly billing job reads every tenant" },
    ]);
  });
  test("the comment above a multi-line statement covers the table on a later line", () => {
    const code = [
      "// tenantguard-ignore-next-line missing-tenant-filter -- support console, audited",
      "const rows = await pool.query(`",
      "  SELECT * FROM orders",
      "  WHERE id = $1`, [id]);",
    ].join("\n");
    assert.equal(summary(code)[0].suppressed, "support console, audited");
  });
  test("inside SQL with -- tenantguard-ignore", () => {
    const code =
      "await pool.query(`\n  -- tenantguard-ignore missing-tenant-filter -- migration backfill\n  SELECT * FROM orders`);";
    assert.deepEqual(summary(code), [
      { rule: "missing-tenant-filter", line: 3, at: "orders", suppressed: "migration backfill" },
    ]);
  });
  test("a suppression without a reason still suppresses, and is itself reported", () => {
    const code = '// tenantguard-ignore-next-line missing-tenant-filter\nawait pool.query("SELECT * FROM orders");';
    assert.deepEqual(
      summary(code).map((s) => [s.rule, s.suppressed ?? null]),
      [
        ["suppression-without-reason", null],
        ["missing-tenant-filter", ""],
      ],
    );
  });
  test("a suppression for another rule does not hide the finding", () => {
    const code =
      '// tenantguard-ignore-next-line weak-tenant-filter -- wrong rule\nawait pool.query("SELECT * FROM orders");';
    assert.deepEqual(
      summary(code).map((s) => [s.rule, s.suppressed ?? null]),
      [
        ["unused-suppression", null],
        ["missing-tenant-filter", null],
      ],
    );
  });
  test("a suppression that suppresses nothing any more", () => {
    const code =
      '// tenantguard-ignore-next-line missing-tenant-filter -- was a leak once\nawait pool.query("SELECT * FROM orders WHERE tenant_id = $1", [t]);';
    assert.deepEqual(summary(code), [
      {
        rule: "unused-suppression",
        line: 1,
        at: "tenantguard-ignore-next-line missing-tenant-filter -- was a leak once",
      },
    ]);
  });
  test("an unknown rule id in a suppression", () => {
    const code = '// tenantguard-ignore-next-line missing-tenant-fliter -- typo\nawait pool.query("SELECT 1");';
    const [f] = analyzeText(parser, code);
    assert.equal(f.ruleId, "unused-suppression");
    assert.match(f.message, /unknown rule "missing-tenant-fliter"/);
  });
});

describe("rules configuration", () => {
  const code = `pool.query("SELECT * FROM orders WHERE id = $1", [id]);`;
  test("default severity", () => {
    assert.equal(analyzeText(parser, code)[0].severity, "error");
  });
  test("a rule set to warning", () => {
    assert.equal(analyzeText(parser, code, { rules: { "missing-tenant-filter": "warning" } })[0].severity, "warning");
  });
  test("a rule turned off", () => {
    assert.deepEqual(analyzeText(parser, code, { rules: { "missing-tenant-filter": "off" } }), []);
  });
  test("a suppression of an off rule is not reported as unused", () => {
    const suppressed = "// tenantguard-ignore-next-line missing-tenant-filter -- ok\n" + code;
    assert.deepEqual(analyzeText(parser, suppressed, { rules: { "missing-tenant-filter": "off" } }), []);
  });
});

describe("fingerprints", () => {
  const query = `await pool.query("SELECT * FROM orders WHERE id = $1", [id]);`;
  test("survive unrelated edits above the finding", () => {
    const before = analyzeText(parser, `async function a() {\n  ${query}\n}`);
    const after = analyzeText(
      parser,
      `import x from "y";\n\n// a new comment\nasync function a() {\n  const unrelated = 1;\n  ${query}\n}`,
    );
    assert.equal(before.length, 1);
    assert.equal(after[0].fingerprint, before[0].fingerprint);
  });
  test("differ for two identical queries in one file", () => {
    const found = analyzeText(parser, `${query}\n${query}`);
    assert.equal(found.length, 2);
    assert.notEqual(found[0].fingerprint, found[1].fingerprint);
  });
  test("change when the statement changes", () => {
    const a = analyzeText(parser, query)[0].fingerprint;
    const b = analyzeText(parser, query.replace("orders", "invoices"))[0].fingerprint;
    assert.notEqual(a, b);
  });
});

describe("never crashes", () => {
  test("malformed TypeScript", () => {
    for (const code of [
      "pool.query(",
      "sql`SELECT * FROM",
      "const q = 'SELECT; pool.query(q",
      "}}}{{{",
      "pool.query(`${`${`",
    ]) {
      assert.doesNotThrow(() => analyzeText(parser, code), code);
    }
  });

  test("random TypeScript and SQL fragments", () => {
    // Deterministic PRNG so a failure reproduces.
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const sqlBits = [
      "SELECT",
      "*",
      "FROM",
      "orders",
      "o",
      "WHERE",
      "o.tenant_id",
      "=",
      "$1",
      "AND",
      "OR",
      "(",
      ")",
      "JOIN",
      "invoices",
      "ON",
      "UNION",
      "WITH",
      "x",
      "AS",
      "INSERT INTO",
      "VALUES",
      "DELETE",
      "UPDATE",
      "SET",
      "'",
      '"',
      ";",
      "--",
      "é",
      "🚀",
      "${id}",
      "\\",
      "\n",
    ];
    const wrappers = [
      (s: string) => `pool.query("${s}", [a]);`,
      (s: string) => "sql`" + s + "`;",
      (s: string) => `prisma.$queryRawUnsafe('${s}');`,
      (s: string) => `knex.raw(\`${s}\`, [x]);`,
      (s: string) => `const q = "${s}"; pool.query(q + ${"x"});`,
    ];
    for (let i = 0; i < 400; i++) {
      const words = Array.from({ length: 1 + rand(14) }, () => sqlBits[rand(sqlBits.length)]);
      let code = wrappers[rand(wrappers.length)](words.join(" "));
      if (rand(4) === 0) code = code.slice(0, rand(code.length));
      assert.doesNotThrow(() => analyzeText(parser, code), code);
    }
  });

  test("a large file", () => {
    const line = `await pool.query("SELECT * FROM orders WHERE id = $1 AND tenant_id = $2", [id, t]);\n`;
    const code = `async function big() {\n${line.repeat(20000)}}\n`;
    assert.ok(code.length > 1_500_000);
    assert.deepEqual(analyzeText(parser, code), []);
  });
});

describe("prefilter", () => {
  test("files the front ends skip without parsing can have no findings", () => {
    const samples = [
      "export const add = (a: number, b: number) => a + b;",
      "import React from 'react';\nexport function App() { return null; }",
      'pool.query("SELECT * FROM orders WHERE id = $1", [id]);',
      "// tenantguard-ignore-next-line missing-tenant-filter -- stale\nconst x = 1;",
      "export function run(text: string) { return pool.query(text); }",
      "await prisma.order.findMany({ where: { id } });",
    ];
    for (const code of samples) {
      if (!mayHaveFindings(code)) assert.deepEqual(analyzeText(parser, code), [], code);
    }
    assert.equal(mayHaveFindings(samples[0]), false);
    assert.equal(mayHaveFindings(samples[1]), false);
    assert.equal(mayHaveFindings(samples[2]), true);
    assert.equal(mayHaveFindings(samples[3]), true);
    assert.equal(mayHaveFindings(samples[4]), true);
    assert.equal(mayHaveFindings(samples[5]), true);
  });

  test("everyday code is skipped, query-builder calls that look alike are not", () => {
    const skipped = [
      "// Works with any cursor.\nexport const encode = (s: string) => Buffer.from(`${s}|x`).toString('base64url');",
      "export const ids = (xs: Set<string>) => Array.from(xs);",
      "export const clamp = (n: number) => Math.min(Math.max(n, 0), 100);",
      "export const schema = z.object({ name: z.string().min(1).max(80) });",
    ];
    for (const code of skipped) {
      assert.equal(mayHaveFindings(code), false, code);
      assert.deepEqual(analyzeText(parser, code), [], code);
    }
    const kept = [
      "const rows = await db.select().from(orders);",
      "const top = await knex('orders').max('total');",
      "const total = await Order.sum('total', { where: { id } });",
      "await sql`WITH t AS (SELECT 1) SELECT * FROM orders`;",
    ];
    for (const code of kept) assert.equal(mayHaveFindings(code), true, code);
  });
});

describe("a table name spliced into the SQL (logto's data layer)", () => {
  const lines = (code: string) =>
    analyzeText(parser, code).map((f) => [f.ruleId, code.slice(0, f.start).split("\n").length, f.severity]);

  test("slonik's sql.identifier, directly, in a const, its columns in a const object: read as written", () => {
    const code = `const table = sql.identifier(["orders"]);
const fields = { id: sql.identifier(["id"]), tenantId: sql.identifier(["tenant_id"]) };
pool.query(sql\`DELETE FROM \${table} WHERE \${fields.id} = \${id} AND \${fields.tenantId} = \${tenantId}\`);
pool.query(sql\`DELETE FROM \${table} WHERE \${fields.id} = \${id}\`);
pool.query(sql\`SELECT * FROM \${sql.identifier(["public", "orders"])} WHERE id = \${id}\`);
pool.query(sql\`SELECT * FROM \${sql.identifier(["plans"])}\`);`;
    assert.deepEqual(lines(code), [
      ["missing-tenant-filter", 4, "error"],
      ["missing-tenant-filter", 5, "error"],
    ]);
  });

  test("a table value tenantguard cannot name is a dynamic-sql note at it, never silence", () => {
    const code = `const { table, fields } = convertToIdentifiers(Roles);
pool.query(sql\`DELETE FROM \${table} WHERE \${fields.id} = \${id}\`);
pool.one(sql\`SELECT count(*) FROM \${t}\`);`;
    const found = analyzeText(parser, code);
    assert.deepEqual(
      found.map((f) => [f.ruleId, code.slice(f.start, f.end)]),
      [
        ["dynamic-sql", "table"],
        ["dynamic-sql", "t"],
      ],
    );
    assert.match(
      found[0].message,
      /^The table name comes from `table` at run time, so tenantguard cannot tell which table/,
    );
  });
});

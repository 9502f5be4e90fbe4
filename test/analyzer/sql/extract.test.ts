import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import ts from "typescript";
import { extractSqlSites } from "../../../server/src/analyzer/sql/extract";
import { loadSqlParser, type SqlParser } from "../../../server/src/analyzer/sql/parse";
import type { SqlSite } from "../../../server/src/analyzer/sql/site";

function extract(code: string): SqlSite[] {
  // No parent pointers: the extractor must not need them (tsserver's files have them, ours may not).
  return extractSqlSites(ts, ts.createSourceFile("file.ts", code, ts.ScriptTarget.Latest, false));
}

function only(code: string): SqlSite {
  const sites = extract(code);
  assert.equal(sites.length, 1, `expected one site, got ${sites.map((s) => JSON.stringify(s.sql)).join(", ")}`);
  return sites[0];
}

/** The file text at the offset the SQL's first `word` maps to. */
function mapped(site: SqlSite, code: string, word = "orders"): string {
  const at = site.sql.indexOf(word);
  assert.ok(at >= 0, `"${word}" not in ${JSON.stringify(site.sql)}`);
  const offset = site.toFileOffset(at);
  return code.slice(offset, offset + word.length);
}

function text(code: string, node: ts.Node | undefined): string | undefined {
  return node && code.slice(node.pos, node.end).trim();
}

interface DriverCase {
  name: string;
  code: string;
  sql: string;
  driver: SqlSite["driver"];
  style: SqlSite["parameterStyle"];
  holes?: SqlSite["holes"][number]["kind"][];
  maxParameter?: number;
  receiver?: string;
}

const driverCases: DriverCase[] = [
  // node-postgres
  {
    name: "pg: pool.query(string, values)",
    code: `await pool.query("SELECT * FROM orders WHERE tenant_id = $1 AND id = $2", [tenantId, id]);`,
    sql: "SELECT * FROM orders WHERE tenant_id = $1 AND id = $2",
    driver: "pg",
    style: "numbered",
    maxParameter: 2,
    receiver: "pool",
  },
  {
    name: "pg: multi-line template with a comment",
    code: "await this.client.query(`\n  -- the tenant's orders\n  SELECT id\n  FROM orders /* all */\n  WHERE tenant_id = $1`, [t]);",
    sql: "\n  -- the tenant's orders\n  SELECT id\n  FROM orders /* all */\n  WHERE tenant_id = $1",
    driver: "pg",
    style: "numbered",
    maxParameter: 1,
    receiver: "this.client",
  },
  {
    name: "pg: { text, values } config object",
    code: `await client.query({ name: "q", text: 'SELECT * FROM orders WHERE tenant_id = $1', values: [t] });`,
    sql: "SELECT * FROM orders WHERE tenant_id = $1",
    driver: "pg",
    style: "numbered",
    maxParameter: 1,
  },
  {
    name: "pg: module-level const `as const`",
    code: "const Q = `SELECT * FROM orders WHERE tenant_id = $1` as const;\nexport const f = (t: string) => pool.query(Q, [t]);",
    sql: "SELECT * FROM orders WHERE tenant_id = $1",
    driver: "pg",
    style: "numbered",
    maxParameter: 1,
  },
  {
    name: "pg: const in the enclosing function, declared after a nested use",
    code: "function f(t: string) {\n  const run = () => db.query(Q, [t]);\n  const Q = 'SELECT * FROM orders WHERE tenant_id = $1';\n  return run();\n}",
    sql: "SELECT * FROM orders WHERE tenant_id = $1",
    driver: "pg",
    style: "numbered",
  },
  {
    name: "pg: concatenated literals are static text",
    code: `pool.query("SELECT * " +\n  'FROM orders ' +\n  "WHERE tenant_id = $1", [t]);`,
    sql: "SELECT * FROM orders WHERE tenant_id = $1",
    driver: "pg",
    style: "numbered",
    holes: [],
  },
  {
    name: "pg: a concatenated variable is a raw hole",
    code: `pool.query("SELECT * FROM orders WHERE tenant_id = " + tenantId);`,
    sql: "SELECT * FROM orders WHERE tenant_id = $1",
    driver: "pg",
    style: "numbered",
    holes: ["raw"],
    maxParameter: 0,
  },
  {
    name: "pg: untagged template holes are raw; a const string is inlined",
    code: "const T = 'orders';\npool.query(`SELECT * FROM ${T} WHERE tenant_id = '${t}' AND id = $1`, [id]);",
    sql: "SELECT * FROM orders WHERE tenant_id = '$2' AND id = $1",
    driver: "pg",
    style: "numbered",
    holes: ["fragment", "raw"],
    maxParameter: 1,
  },
  {
    name: "TypeORM/Sequelize: any .query with SQL text",
    code: `await dataSource.manager.query("SELECT * FROM orders WHERE tenant_id = $1", [t]);`,
    sql: "SELECT * FROM orders WHERE tenant_id = $1",
    driver: "pg",
    style: "numbered",
    receiver: "dataSource.manager",
  },
  {
    name: "Sequelize: replacements are question-style bindings",
    code: `await sequelize.query("SELECT * FROM orders WHERE tenant_id = :tenant", { replacements: { tenant: t } });`,
    sql: "SELECT * FROM orders WHERE tenant_id = $1",
    driver: "unknown",
    style: "question",
    maxParameter: 1,
  },
  {
    name: "postgres.js: the object helper written out in an insert",
    code: 'import postgres from "postgres";\nconst sql = postgres();\nawait sql`INSERT INTO orders ${sql({ id, tenant_id: t })}`;',
    sql: 'INSERT INTO orders ("id", "tenant_id") values ($1, $2)',
    driver: "postgres",
    style: "template",
    holes: ["fragment", "value", "value"],
    receiver: "sql",
  },
  // the project's own helper that runs the statement it is handed
  {
    name: "a helper named for running SQL: query(text, values)",
    code: `import { query } from "../db";\nawait query("SELECT * FROM orders WHERE tenant_id = $1 AND id = $2", [tenantId, id]);`,
    sql: "SELECT * FROM orders WHERE tenant_id = $1 AND id = $2",
    driver: "unknown",
    style: "numbered",
    maxParameter: 2,
    receiver: "query",
  },
  {
    name: "a helper as a method (helicone's dbExecute), ? placeholders",
    code: "await this.dbExecute(`DELETE FROM orders WHERE id = ? AND tenant_id = ?`, [id, t]);",
    sql: "DELETE FROM orders WHERE id = $1 AND tenant_id = $2",
    driver: "unknown",
    style: "question",
    maxParameter: 2,
    receiver: "this.dbExecute",
  },
  // pg-promise
  {
    name: "pg-promise: named variables in every bracket, values from an object",
    code: 'await this.db().oneOrNone("SELECT * FROM orders WHERE tenant_id = $(tenantId) AND id = ${id} AND status = $<s> AND total > $[min] AND sku = $/sku/ AND tenant_id = $(tenantId)", { tenantId, id, s, min, sku });',
    sql: "SELECT * FROM orders WHERE tenant_id = $1 AND id = $2 AND status = $3 AND total > $4 AND sku = $5 AND tenant_id = $1",
    driver: "pg",
    style: "pgp",
    maxParameter: 5,
    receiver: "this.db()",
  },
  {
    name: "pg-promise: $1 with an array, :raw text and :name identifiers as holes, :csv a value",
    code: 'await db.any("SELECT $2:name, $5~ FROM orders WHERE id IN ($3:csv) AND $4:raw AND tenant_id = $1", [t, column, ids, extra, other]);',
    sql: 'SELECT "$6", "$7" FROM orders WHERE id IN ($3) AND $8 AND tenant_id = $1',
    driver: "pg",
    style: "pgp",
    holes: ["raw", "raw", "raw"],
    maxParameter: 5,
    receiver: "db",
  },
  // postgres.js
  {
    name: "postgres.js: sql`...` with a nested fragment and an identifier helper",
    code: 'import postgres from "postgres";\nconst sql = postgres();\nawait sql`SELECT * FROM orders WHERE tenant_id = ${t} ${sql`AND id = ${id}`} ORDER BY ${sql("created_at")}`;',
    sql: 'SELECT * FROM orders WHERE tenant_id = $1 AND id = $2 ORDER BY "created_at"',
    driver: "postgres",
    style: "template",
    holes: ["value", "fragment", "value", "fragment"],
    receiver: "sql",
  },
  {
    name: "postgres.js: ctx.sql`...` and sql<Row[]>`...`",
    code: "await ctx.sql<Row[]>`SELECT * FROM orders WHERE tenant_id = ${t}`;",
    sql: "SELECT * FROM orders WHERE tenant_id = $1",
    driver: "postgres",
    style: "template",
    holes: ["value"],
    receiver: "ctx.sql",
  },
  {
    name: "postgres.js: sql.unsafe(text, values)",
    code: `await sql.unsafe("SELECT * FROM orders WHERE tenant_id = $1", [t]);`,
    sql: "SELECT * FROM orders WHERE tenant_id = $1",
    driver: "postgres",
    style: "numbered",
    maxParameter: 1,
    receiver: "sql",
  },
  // slonik
  {
    name: "slonik: sql.type(schema)`...` run by pool.one, with identifier, join and array",
    code: 'import { sql } from "slonik";\nawait pool.one(sql.type(Row)`SELECT * FROM ${sql.identifier(["public", "orders"])} WHERE tenant_id = ${t} AND ${sql.join([a, b], sql.fragment` AND `)} AND id = ANY(${sql.array(ids, "int4")})`);',
    sql: 'SELECT * FROM "public"."orders" WHERE tenant_id = $1 AND $2 AND id = ANY($3)',
    driver: "slonik",
    style: "template",
    holes: ["fragment", "value", "raw", "value"],
    receiver: "pool",
  },
  {
    name: "slonik: a const sql.fragment is inlined (and not reported alone)",
    code: 'import { sql } from "slonik";\nconst scoped = sql.fragment`tenant_id = ${t}`;\nawait pool.query(sql.typeAlias("id")`SELECT id FROM orders WHERE ${scoped}`);',
    sql: "SELECT id FROM orders WHERE tenant_id = $1",
    driver: "slonik",
    style: "template",
    holes: ["fragment", "value"],
  },
  {
    name: "slonik: sql.unsafe`...` on its own",
    code: 'import { sql } from "slonik";\nconst rows = sql.unsafe`SELECT * FROM orders`;',
    sql: "SELECT * FROM orders",
    driver: "slonik",
    style: "template",
    receiver: "sql",
  },
  // Prisma
  {
    name: "Prisma: $queryRaw`...` with Prisma.raw",
    code: 'import { Prisma } from "@prisma/client";\nawait prisma.$queryRaw`SELECT * FROM orders WHERE tenant_id = ${t} ORDER BY ${Prisma.raw(col)}`;',
    sql: "SELECT * FROM orders WHERE tenant_id = $1 ORDER BY $2",
    driver: "prisma",
    style: "template",
    holes: ["value", "raw"],
    receiver: "prisma",
  },
  {
    name: "Prisma: $executeRaw(Prisma.sql`...`) with a nested Prisma.sql",
    code: "await tx.$executeRaw(Prisma.sql`DELETE FROM orders WHERE tenant_id = ${t} ${Prisma.sql`AND id = ${id}`}`);",
    sql: "DELETE FROM orders WHERE tenant_id = $1 AND id = $2",
    driver: "prisma",
    style: "template",
    holes: ["value", "fragment", "value"],
    receiver: "tx",
  },
  {
    name: "Prisma: $queryRawUnsafe(text, ...values)",
    code: `await prisma.$queryRawUnsafe("SELECT * FROM orders WHERE tenant_id = $1 AND id = $2", t, id);`,
    sql: "SELECT * FROM orders WHERE tenant_id = $1 AND id = $2",
    driver: "prisma",
    style: "numbered",
    maxParameter: 2,
  },
  // knex
  {
    name: "knex: ? values, ?? identifiers and \\? escapes",
    code: `await knex.raw("SELECT * FROM ?? WHERE tenant_id = ? AND id = ? AND data \\\\? 'k' AND orders.x = 1", ["orders", t, id]);`,
    sql: `SELECT * FROM "$4" WHERE tenant_id = $2 AND id = $3 AND data ? 'k' AND orders.x = 1`,
    driver: "knex",
    style: "question",
    holes: ["raw"],
    maxParameter: 3,
    receiver: "knex",
  },
  {
    name: "knex: :name bindings, :name: identifiers and casts; unknown keys stay text",
    code: `await trx.raw("SELECT * FROM orders WHERE tenant_id = :t AND n::int = :t AND :other ORDER BY :col:", { t, col });`,
    sql: `SELECT * FROM orders WHERE tenant_id = $1 AND n::int = $1 AND :other ORDER BY "$2"`,
    driver: "knex",
    style: "question",
    holes: ["raw"],
    maxParameter: 1,
    receiver: "trx",
  },
  // Drizzle and Kysely
  {
    name: "Drizzle: db.execute(sql`...`) is one site, run through db",
    code: 'import { sql } from "drizzle-orm";\nawait db.execute(sql`SELECT * FROM orders WHERE ${sql.identifier("tenant_id")} = ${t}`);',
    sql: 'SELECT * FROM orders WHERE "tenant_id" = $1',
    driver: "drizzle",
    style: "template",
    holes: ["fragment", "value"],
    receiver: "db",
  },
  {
    name: "Drizzle: an interpolated table object is a raw identifier",
    code: "import { sql as dsql } from \"drizzle-orm\";\nconst rows = dsql`SELECT * FROM ${orders} WHERE tenant_id = ${t} AND x IN ${ids} AND note = 'orders'`;",
    sql: `SELECT * FROM "$1" WHERE tenant_id = $2 AND x IN ($3) AND note = 'orders'`,
    driver: "drizzle",
    style: "template",
    holes: ["raw", "value", "value"],
  },
  {
    name: "Kysely: sql`...`.execute(db)",
    code: 'import { sql } from "kysely";\nawait sql<Row>`SELECT * FROM orders WHERE tenant_id = ${t} AND ${sql.ref("orders.id")} = ${id}`.execute(db);',
    sql: 'SELECT * FROM orders WHERE tenant_id = $1 AND "orders"."id" = $2',
    driver: "kysely",
    style: "template",
    holes: ["value", "fragment", "value"],
    receiver: "db",
  },
];

describe("extractSqlSites: drivers", () => {
  for (const c of driverCases) {
    test(c.name, () => {
      const site = only(c.code);
      assert.equal(site.sql, c.sql);
      assert.equal(site.driver, c.driver);
      assert.equal(site.parameterStyle, c.style);
      assert.equal(site.dynamic, undefined);
      if (c.holes)
        assert.deepEqual(
          site.holes.map((h) => h.kind),
          c.holes,
        );
      if (c.maxParameter !== undefined) assert.equal(site.maxParameter, c.maxParameter);
      if (c.receiver) assert.equal(text(c.code, site.receiver), c.receiver);
      assert.equal(mapped(site, c.code), "orders");
    });
  }
});

describe("extractSqlSites: what the site points at", () => {
  test("pg: node is the call, literal the string, valuesArray the array", () => {
    const code = `pool.query("SELECT * FROM orders WHERE tenant_id = $1", [t]);`;
    const site = only(code);
    assert.equal(text(code, site.node), code.slice(0, -1));
    assert.equal(text(code, site.literal), `"SELECT * FROM orders WHERE tenant_id = $1"`);
    assert.equal(text(code, site.valuesArray), "[t]");
  });

  test("a followed const: literal is the initializer, node the call", () => {
    const code = "const Q = 'SELECT * FROM orders';\nclient.query(Q);";
    const site = only(code);
    assert.equal(text(code, site.literal), "'SELECT * FROM orders'");
    assert.equal(text(code, site.node), "client.query(Q)");
  });

  test("Prisma unsafe: restValuesCall is the call", () => {
    const code = `prisma.$executeRawUnsafe("DELETE FROM orders WHERE id = $1", id);`;
    const site = only(code);
    assert.equal(site.restValuesCall, site.node);
  });

  test("a hole's placeholder maps to its `${`, and the hole's expr is the interpolated expression", () => {
    const code = "sql`SELECT * FROM orders WHERE tenant_id = ${ ctx.tenantId }`;";
    const site = only(code);
    const [hole] = site.holes;
    assert.equal(site.sql.slice(hole.sqlStart, hole.sqlEnd), "$1");
    assert.equal(text(code, hole.expr), "ctx.tenantId");
    for (let i = hole.sqlStart; i < hole.sqlEnd; i++) assert.equal(site.toFileOffset(i), code.indexOf("${"));
    assert.equal(site.toFileOffset(site.sql.length), code.indexOf("}`") + 1); // just past the SQL: just past the `}`
  });

  test("a const Prisma.sql run by $queryRaw is one site, at the call", () => {
    const code = "const q = Prisma.sql`SELECT * FROM orders WHERE tenant_id = ${t}`;\nawait prisma.$queryRaw(q);";
    const site = only(code);
    assert.equal(text(code, site.node), "prisma.$queryRaw(q)");
    assert.equal(site.driver, "prisma");
    assert.equal(mapped(site, code), "orders");
  });

  test("a const slonik query run by a pool method is reported once, at the call", () => {
    const code = 'import { sql } from "slonik";\nconst q = sql.unsafe`SELECT * FROM orders`;\nawait pool.any(q);';
    const site = only(code);
    assert.equal(text(code, site.node), "pool.any(q)");
    assert.equal(text(code, site.receiver), "pool");
  });

  test("sites come in source order", () => {
    const sites = extract(`pool.query("SELECT 1 FROM a");\nsql\`SELECT 2 FROM b\`;\nknex.raw("SELECT 3 FROM c");`);
    assert.deepEqual(
      sites.map((s) => s.driver),
      ["pg", "postgres", "knex"],
    );
  });
});

describe("extractSqlSites: placeholders the grammar accepts where they stand", () => {
  const cases: [string, string, string, SqlSite["holes"][number]["kind"][]][] = [
    ["a value", "sql`SELECT 1 FROM t WHERE a = ${v}`", "SELECT 1 FROM t WHERE a = $1", ["value"]],
    [
      "after IN: a list",
      "sql`SELECT 1 FROM t WHERE a NOT IN ${ids}`",
      "SELECT 1 FROM t WHERE a NOT IN ($1)",
      ["value"],
    ],
    [
      "where a table goes: an identifier",
      "sql`SELECT 1 FROM ${t} JOIN ${u} USING (id)`",
      'SELECT 1 FROM "$1" JOIN "$2" USING (id)',
      ["raw", "raw"],
    ],
    [
      "IS DISTINCT FROM compares a value",
      "sql`SELECT 1 FROM t WHERE a IS DISTINCT FROM ${v}`",
      "SELECT 1 FROM t WHERE a IS DISTINCT FROM $1",
      ["value"],
    ],
    [
      "numbering starts after the highest $n in the text",
      "pool.query(`SELECT $2::int, '$9' FROM t WHERE a = ${v}`)",
      "SELECT $2::int, '$9' FROM t WHERE a = $3",
      ["raw"],
    ],
  ];
  for (const [name, code, sql, kinds] of cases) {
    test(name, () => {
      const site = only(code);
      assert.equal(site.sql, sql);
      assert.deepEqual(
        site.holes.map((h) => h.kind),
        kinds,
      );
    });
  }
});

test("a function handed to a decorator is searched for SQL; the decorator's own literals are not", () => {
  const sites = extract(
    'import { Pool } from "pg";\nconst pool = new Pool();\nclass C {\n  @UseBefore(async (req: any) => { await pool.query("SELECT * FROM orders WHERE id = $1", [req.params.id]); })\n  get(@Query("refresh") refresh: string) {}\n}',
  );
  assert.deepEqual(
    sites.map((s) => s.sql),
    ["SELECT * FROM orders WHERE id = $1"],
  );
});

describe("extractSqlSites: not SQL", () => {
  const cases: [string, string][] = [
    ["a SQL string logged", `console.log("SELECT * FROM orders");`],
    ["a SQL string in a comment", `// SELECT * FROM orders\n/* pool.query("SELECT * FROM orders") */`],
    ["req.query", `const id = req.query.id; const q = req.query;`],
    [
      "a GraphQL client",
      'import { gql } from "@apollo/client";\nawait client.query({ query: gql`query { orders { id } }` });',
    ],
    ["a GraphQL document in .query", "await client.query(gql`query Orders { orders { id } }`);"],
    [
      "a GraphQL client with a variable",
      'import { useQuery } from "@apollo/client";\nexport const f = (opts: Options) => client.query(opts);',
    ],
    ["qs.parse", `const params = qs.parse(location.search); router.query(params);`],
    [
      "a tRPC procedure's resolver (in a file that also imports a database client)",
      'import { Prisma } from "@prisma/client";\nimport { prisma } from "@acme/prisma";\nexport const list = authedProcedure\n  .input(Z)\n  .query(async ({ input, ctx }) => {\n    return prisma.doc.findMany({ where: { teamId: ctx.teamId } });\n  });\nexport const one = t.procedure.query(function ({ ctx }) { return null; });',
    ],
    ["a non-SQL string to .query", `await search.query("orders that shipped late");`],
    [
      "a knex.raw fragment in a builder",
      `knex("orders").where(knex.raw("?? = ?", ["tenant_id", t])).select(knex.raw("count(*)"));`,
    ],
    ["Prisma.sql on its own", "const where = Prisma.sql`WHERE tenant_id = ${t}`;"],
    ["a tag not named sql", "await tx`SELECT * FROM orders`;\nString.raw`SELECT * FROM orders`;"],
    ["sql.unsafe of another library", 'import { sql } from "drizzle-orm";\nsql.unsafe("SELECT * FROM orders");'],
    [
      "a Drizzle view's definition in its schema (DDL the database keeps)",
      'import { sql } from "drizzle-orm";\nexport const totals = pgMaterializedView("totals", {}).as(sql`SELECT tenant_id, count(*) FROM orders GROUP BY tenant_id`);\nexport const open = pgView("open").with({ checkOption: "local" }).as(sql`SELECT * FROM orders`);',
    ],
    ["an empty file", ""],
    [
      "`query` of another package (jsonpath) in a file that also uses SQL (dittofeed's user properties)",
      'import jp from "jsonpath";\nimport { sql } from "drizzle-orm";\nconst found = jp.query(item, path)[0];',
    ],
    [
      "a helper's name on something else, or SQL text the helper call does not spell out",
      'await fetchOrders("SELECT * FROM orders");\nawait query(sqlText, [id]);\nawait query("orders that shipped late");\nexec("rm -rf /tmp/x");',
    ],
    [
      "NestJS parameter decorators naming query-string keys that are SQL words (postiz's @Query('refresh'))",
      'import { Pool } from "pg";\nclass C {\n  get(@Query("refresh") refresh: string, @Query("delete") del: string, @Query("select") s: string) {}\n}',
    ],
  ];
  for (const [name, code] of cases) {
    test(name, () => assert.deepEqual(extract(code), []));
  }
});

describe("extractSqlSites: dynamic SQL", () => {
  const cases: { name: string; code: string; reason: RegExp; node: string; driver?: SqlSite["driver"] }[] = [
    {
      name: '`query` of a project module\'s client stays SQL (`import db from "./db"`)',
      code: 'import db from "./db";\nimport { sql } from "drizzle-orm";\nexport const run = (q: string, v: unknown[]) => db.query(q, v);',
      reason: /^SQL comes from q, which tenantguard cannot follow/,
      node: "q",
    },
    {
      name: "a parameter",
      code: "export function run(q: string, v: unknown[]) { return pool.query(q, v); }",
      reason: /^SQL comes from q, which tenantguard cannot follow/,
      node: "q",
    },
    {
      name: "a let built in a loop",
      code: "let q = 'SELECT * FROM orders WHERE 1 = 1';\nfor (const f of filters) q += ' AND ' + f;\nawait client.query(q);",
      reason: /^SQL comes from q, which tenantguard cannot follow \(it is not a const/,
      node: "q",
    },
    {
      name: "an imported query",
      code: 'import { ORDERS } from "./queries";\nawait pool.query(ORDERS, [t]);',
      reason: /^SQL comes from ORDERS, which tenantguard cannot follow \(it is imported/,
      node: "ORDERS",
    },
    {
      name: "a const shadowed by a parameter",
      code: "const Q = 'SELECT * FROM orders';\nfunction f(Q: string) { return pool.query(Q); }",
      reason: /^SQL comes from Q, which tenantguard cannot follow \(it is a parameter\)/,
      node: "Q",
    },
    {
      name: "a for-of variable",
      code: "for (const q of migrations) await client.query(q);",
      reason: /^SQL comes from q, which tenantguard cannot follow/,
      node: "q",
    },
    {
      name: "a const shadowed by an inner let",
      code: "const Q = 'SELECT * FROM orders';\nfunction f() { let Q = 'SELECT 1'; if (x) Q += ' FROM t'; return db.query(Q); }",
      reason: /^SQL comes from Q, which tenantguard cannot follow \(it is not a const/,
      node: "Q",
    },
    {
      name: "Array.join of lines",
      code: 'await db.query(["SELECT *", "FROM orders", where].join("\\n"));',
      reason: /assembled with \.join\(\) at run time/,
      node: '["SELECT *", "FROM orders", where].join("\\n")',
    },
    {
      name: "a const holding a join",
      code: "const q = ['SELECT *', 'FROM orders'].join(' ');\nawait pool.query(q);",
      reason: /^SQL comes from q, which tenantguard cannot follow \(it is assembled with \.join\(\)/,
      node: "q",
    },
    {
      name: "a builder call",
      code: "await pool.query(buildQuery(filters), values);",
      reason: /^SQL comes from buildQuery\(filters\), which tenantguard cannot follow/,
      node: "buildQuery(filters)",
    },
    {
      name: "text that starts with something unknown",
      code: "await pool.query(`${SELECT_ORDERS} WHERE tenant_id = $1`, [t]);",
      reason: /^SQL starts with SELECT_ORDERS, which tenantguard cannot follow/,
      node: "SELECT_ORDERS",
    },
    {
      name: "Prisma $queryRaw of something we cannot read",
      code: "await prisma.$queryRaw(query);",
      reason: /^SQL comes from query, which tenantguard cannot follow/,
      node: "query",
      driver: "prisma",
    },
    {
      name: "$queryRawUnsafe of a parameter",
      code: "const run = (text: string) => prisma.$queryRawUnsafe(text, 1);",
      reason: /^SQL comes from text, which tenantguard cannot follow \(it is a parameter\)/,
      node: "text",
      driver: "prisma",
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const site = only(c.code);
      assert.ok(site.dynamic, "expected a dynamic site");
      assert.match(site.dynamic.reason, c.reason);
      assert.equal(text(c.code, site.dynamic.node), c.node);
      assert.equal(site.sql, "");
      if (c.driver) assert.equal(site.driver, c.driver);
    });
  }
});

describe("extractSqlSites: exact offsets", () => {
  /** Every SQL char maps onto the same char in the file, or onto the backslash of the escape that cooked it. */
  function assertMapsExactly(site: SqlSite, code: string) {
    for (let i = 0; i < site.sql.length; i++) {
      if (site.holes.some((h) => h.kind !== "fragment" && i >= h.sqlStart && i < h.sqlEnd)) continue;
      const at = site.toFileOffset(i);
      if (code[at] === "\\" && site.sql[i] !== "\\") continue;
      if (code.startsWith("${", at) && /[".]/.test(site.sql[i])) continue; // quotes and dots of sql.identifier([...])
      if (code[at] === "\r") continue; // a template's CRLF, cooked to \n
      assert.equal(code[at], site.sql[i], `sql[${i}] ${JSON.stringify(site.sql[i])} maps to file[${at}]`);
    }
  }

  test("escapes map to their backslash and the text after them stays exact", () => {
    const code = String.raw`pool.query('SELECT \'a\\b\' AS x,\n\t\u00e9 AS y, \x41, \u{1F600} FROM orders WHERE id = $1', [id]);`;
    const site = only(code);
    assert.equal(site.sql, "SELECT 'a\\b' AS x,\n\té AS y, A, 😀 FROM orders WHERE id = $1");
    assert.equal(mapped(site, code), "orders");
    assert.equal(code[site.toFileOffset(site.sql.indexOf("\n"))], "\\");
    assert.equal(
      code.slice(site.toFileOffset(site.sql.indexOf("é")), site.toFileOffset(site.sql.indexOf("é")) + 6),
      "\\u00e9",
    );
    assertMapsExactly(site, code);
  });

  test("non-ASCII text before the table (é, emoji) keeps offsets exact", () => {
    const code = "sql`SELECT 'café 😀 ✓' AS note, ${a} AS x FROM orders WHERE tenant_id = ${t}`;";
    const site = only(code);
    assert.equal(mapped(site, code), "orders");
    assert.equal(mapped(site, code, "😀"), "😀");
    assertMapsExactly(site, code);
  });

  test("line continuations, CRLF templates and escaped backticks", () => {
    const code = "sql`SELECT \\`x\\` \\\r\n , 1\r\nFROM orders`;";
    const site = only(code);
    assert.equal(site.sql, "SELECT `x`  , 1\nFROM orders");
    assert.equal(mapped(site, code), "orders");
    assertMapsExactly(site, code);
  });

  test("fragments, identifiers and consts map into their own literals", () => {
    const code =
      'import { sql } from "slonik";\nconst T = sql.fragment`FROM orders`;\nsql.type(R)`SELECT 1 ${T} JOIN ${sql.identifier(["audit", "orders_log"])} USING (id)`;';
    const site = only(code);
    assert.equal(site.sql, 'SELECT 1 FROM orders JOIN "audit"."orders_log" USING (id)');
    assert.equal(mapped(site, code, "orders"), "orders");
    assert.equal(site.toFileOffset(site.sql.indexOf("orders")), code.indexOf("orders`"));
    assert.equal(mapped(site, code, "orders_log"), "orders_log");
    assert.equal(mapped(site, code, "audit"), "audit");
    assertMapsExactly(site, code);
  });

  test("concatenation maps each part to its own literal", () => {
    const code = "pool.query('SELECT *' +\n    ' FROM ' + 'orders' + ` WHERE tenant_id = $1`, [t]);";
    const site = only(code);
    assert.equal(site.sql, "SELECT * FROM orders WHERE tenant_id = $1");
    assertMapsExactly(site, code);
    assert.equal(site.toFileOffset(0), code.indexOf("SELECT"));
    assert.equal(site.toFileOffset(-5), code.indexOf("SELECT"));
    assert.equal(site.toFileOffset(site.sql.length), code.indexOf("`, [t]"));
  });
});

describe("extractSqlSites: the SQL parses", () => {
  let parser: SqlParser;
  before(async () => {
    parser = await loadSqlParser();
  });

  // Raw holes in clause position (`ORDER BY ${Prisma.raw(col)}`) and unknown knex keys cannot parse: by design.
  const parseable = driverCases.filter((c) => !/Prisma.raw|sql.join|:other/.test(c.code));
  for (const c of parseable) {
    test(c.name, () => {
      const result = parser.parse(only(c.code).sql);
      assert.ok("tree" in result, "error" in result ? result.error.message : "");
    });
  }
});

describe("extractSqlSites: never throws", () => {
  const fixture =
    driverCases.map((c) => c.code).join("\n") +
    "\n" +
    String.raw`
    function f(a: string) { let q = 'SELECT 1' + a; return pool.query(q, [a, ${"`"}x${"$"}{a}${"`"}]); }
    sql${"`"}SELECT ${"$"}{sql${"`"}${"$"}{sql${"`"}${"$"}{x}${"`"}}${"`"}} ${"`"};
    pool.query('SELECT \u{1F600} \x4' + "\\" + 'FROM orders');
  `;

  test("random truncations and mutations of a fixture", () => {
    let seed = 42;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    const noise = ["`", "${", "}", "'", '"', "\\", "+", "(", ")", "sql", ".query(", "\n", "é", "😀".slice(0, 1), ""];
    for (let i = 0; i < 400; i++) {
      let code = fixture.slice(0, random(fixture.length + 1));
      for (let k = random(6); k > 0; k--) {
        const at = random(code.length + 1);
        code = code.slice(0, at) + noise[random(noise.length)] + code.slice(at + random(3));
      }
      for (const site of extract(code)) {
        for (const offset of [0, 1, site.sql.length >> 1, site.sql.length, site.sql.length + 5]) {
          const mappedOffset = site.toFileOffset(offset);
          assert.ok(mappedOffset >= 0 && mappedOffset <= code.length, `offset ${mappedOffset} outside the file`);
        }
        for (const hole of site.holes) assert.ok(hole.sqlStart <= hole.sqlEnd && hole.sqlEnd <= site.sql.length);
      }
    }
  });

  test("a very long concatenation and a large file", () => {
    const chain =
      "pool.query('SELECT * FROM orders WHERE ' + " +
      Array.from({ length: 20000 }, (_, i) => `'a${i} = 1 AND ' + x${i}`).join(" + ") +
      ");";
    const site = only(chain);
    assert.equal(site.holes.length, 20000);
    const bodies = driverCases.map((c) => c.code.replace(/^import .*$/gm, ""));
    const perCopy = bodies.reduce((n, body) => n + extract(body).length, 0);
    const big = Array.from({ length: 400 }, (_, i) => `function f${i}() {\n${bodies.join("\n")}\n}\n`).join(""); // ~1 MB
    assert.equal(extract(big).length, perCopy * 400);
  });
});

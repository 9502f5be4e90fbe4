// Kysely: selectFrom/updateTable/deleteFrom/insertInto chains, where forms, joins, aliases.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { sqlParser } from "../helpers/sql";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  analyzeBuilder,
  analyzeTyped,
  brief,
  caseModule,
  hasPackage,
  type BuilderCase,
  type FixCase,
} from "./builders";
import { checkFix } from "./fix-check";

let parser: SqlParser;
before(async () => {
  parser = await sqlParser();
});

const PRELUDE = `import { sql } from "kysely";
import { db } from "../db";`;

const cases: BuilderCase[] = [
  {
    name: "select without where",
    body: "return db.selectFrom('orders').selectAll().execute();",
    expect: ["missing-tenant-filter selectFrom('orders')"],
  },
  {
    name: "select by id",
    body: "return db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst();",
    expect: ["missing-tenant-filter selectFrom('orders')"],
  },
  {
    name: "3-argument tenant where",
    body: "return db.selectFrom('orders').selectAll().where('tenant_id', '=', tenantId).execute();",
    expect: [],
  },
  {
    name: "tenant key in a later chained where",
    body: "return db.selectFrom('orders').where('id', '=', id).selectAll().where('tenant_id', '=', tenantId).execute();",
    expect: [],
  },
  {
    name: "tenant key with in",
    body: "return db.selectFrom('orders').selectAll().where('tenant_id', 'in', [tenantId]).execute();",
    expect: [],
  },
  {
    name: "alias",
    body: "return db.selectFrom('orders as o').select(['o.id']).where('o.tenant_id', '=', tenantId).execute();",
    expect: [],
  },
  {
    name: "alias, predicate on another qualifier",
    body: "return db.selectFrom('orders as o').select(['o.id']).where('o.id', '=', id).execute();",
    expect: ["missing-tenant-filter selectFrom('orders as o')"],
  },
  { name: "global table", body: "return db.selectFrom('plans').selectAll().execute();", expect: [] },
  {
    name: "expression builder comparison",
    body: "return db.selectFrom('orders').selectAll().where((eb) => eb('tenant_id', '=', tenantId)).execute();",
    expect: [],
  },
  {
    name: "eb.and([...]) holding the tenant key",
    body: "return db.selectFrom('orders').selectAll().where((eb) => eb.and([eb('id', '=', id), eb('tenant_id', '=', tenantId)])).execute();",
    expect: [],
  },
  {
    name: "eb.and({ ... }) object form",
    body: "return db.selectFrom('orders').selectAll().where((eb) => eb.and({ id, tenant_id: tenantId })).execute();",
    expect: [],
  },
  {
    name: "destructured and/or helpers",
    body: "return db.selectFrom('orders').selectAll().where(({ eb, and }) => and([eb('id', '=', id), eb('tenant_id', '=', tenantId)])).execute();",
    expect: [],
  },
  {
    name: "eb.or([...]) is weak",
    body: "return db.selectFrom('orders').selectAll().where((eb) => eb.or([eb('id', '=', id), eb('tenant_id', '=', tenantId)])).execute();",
    expect: ["weak-tenant-filter selectFrom('orders')"],
  },
  {
    name: "callback group ORed, tenant ANDed at top level",
    body: "return db.selectFrom('orders').selectAll().where((eb) => eb.or([eb('status', '=', 'a'), eb('status', '=', 'b')])).where('tenant_id', '=', tenantId).execute();",
    expect: [],
  },
  {
    name: "negated",
    body: "return db.selectFrom('orders').selectAll().where((eb) => eb.not(eb('tenant_id', '=', tenantId))).execute();",
    expect: ["weak-tenant-filter selectFrom('orders')"],
  },
  {
    name: "!= on the tenant column",
    body: "return db.selectFrom('orders').selectAll().where('tenant_id', '!=', tenantId).execute();",
    expect: ["weak-tenant-filter selectFrom('orders')"],
  },
  {
    name: "conditional value",
    body: "return db.selectFrom('orders').selectAll().where('tenant_id', '=', status ? tenantId : undefined).execute();",
    expect: ["weak-tenant-filter selectFrom('orders')"],
  },
  {
    name: "$if adds the tenant only sometimes",
    body: "return db.selectFrom('orders').selectAll().$if(!!status, (qb) => qb.where('tenant_id', '=', tenantId)).execute();",
    expect: ["weak-tenant-filter selectFrom('orders')"],
  },
  {
    name: "$if adds other filters, tenant always",
    body: "return db.selectFrom('orders').selectAll().where('tenant_id', '=', tenantId).$if(!!status, (qb) => qb.where('status', '=', status!)).execute();",
    expect: [],
  },
  {
    name: "reassigned query with a conditional tenant where",
    body: "let q = db.selectFrom('orders').selectAll();\nif (status) q = q.where('tenant_id', '=', tenantId);\nreturn q.execute();",
    expect: ["weak-tenant-filter selectFrom('orders')"],
  },
  {
    name: "reassigned query with conditional other filters",
    body: "let q = db.selectFrom('orders').selectAll().where('tenant_id', '=', tenantId);\nif (status) q = q.where('status', '=', status);\nreturn q.execute();",
    expect: [],
  },
  {
    name: "filters pushed into an array",
    body: "return db.selectFrom('orders').selectAll().where((eb) => {\n  const filters = [eb('id', '=', id)];\n  if (status) filters.push(eb('tenant_id', '=', tenantId));\n  return eb.and(filters);\n}).execute();",
    expect: ["weak-tenant-filter selectFrom('orders')"],
  },
  {
    name: "where from a variable",
    body: "return db.selectFrom('orders').selectAll().where(filter).execute();",
    expect: ["dynamic-sql selectFrom('orders')"],
  },
  {
    name: "sql`` fragment with the tenant",
    body: "return db.selectFrom('orders').selectAll().where(sql`tenant_id = ${tenantId}`).execute();",
    expect: [],
  },
  {
    name: "transaction parameter",
    body: "return db.transaction().execute(async (trx) => trx.deleteFrom('order_items').where('order_id', '=', id).execute());",
    expect: ["missing-tenant-filter deleteFrom('order_items')"],
  },
  // joins
  {
    name: "inner join on ids only",
    body: "return db.selectFrom('orders as o').innerJoin('customers as c', 'c.id', 'o.customer_id').where('o.tenant_id', '=', tenantId).selectAll().execute();",
    expect: ["missing-tenant-filter innerJoin('customers as c', 'c.id', 'o.customer_id')"],
  },
  {
    name: "inner join scoped by onRef to a scoped table",
    body: "return db.selectFrom('orders as o').innerJoin('customers as c', (join) => join.onRef('c.id', '=', 'o.customer_id').onRef('c.tenant_id', '=', 'o.tenant_id')).where('o.tenant_id', '=', tenantId).selectAll().execute();",
    expect: [],
  },
  {
    name: "join scoped by whereRef",
    body: "return db.selectFrom('orders as o').innerJoin('customers as c', 'c.id', 'o.customer_id').whereRef('c.tenant_id', '=', 'o.tenant_id').where('o.tenant_id', '=', tenantId).selectAll().execute();",
    expect: [],
  },
  {
    name: "join to a global table",
    body: "return db.selectFrom('orders as o').innerJoin('plans as p', 'p.id', 'o.status').where('o.tenant_id', '=', tenantId).selectAll().execute();",
    expect: [],
  },
  // update / delete / insert
  {
    name: "update by id",
    body: "return db.updateTable('orders').set({ status: 'paid' }).where('id', '=', id).execute();",
    expect: ["missing-tenant-filter updateTable('orders')"],
  },
  {
    name: "update scoped",
    body: "return db.updateTable('orders').set({ status: 'paid' }).where('id', '=', id).where('tenant_id', '=', tenantId).execute();",
    expect: [],
  },
  {
    name: "delete everything",
    body: "return db.deleteFrom('orders').execute();",
    expect: ["missing-tenant-filter deleteFrom('orders')"],
  },
  {
    name: "insert without the tenant",
    body: "return db.insertInto('orders').values({ id, total: 1 }).execute();",
    expect: ["missing-tenant-on-insert insertInto('orders')"],
  },
  {
    name: "insert with the tenant",
    body: "return db.insertInto('orders').values({ id, tenant_id: tenantId, total: 1 }).execute();",
    expect: [],
  },
  {
    name: "insert of rows, one without the tenant",
    body: "return db.insertInto('orders').values([{ id, tenant_id: tenantId }, { id: 'b' }]).execute();",
    expect: ["missing-tenant-on-insert insertInto('orders')"],
  },
  {
    name: "insert into a global table",
    body: "return db.insertInto('plans').values({ id, name: 'pro' }).execute();",
    expect: [],
  },
  {
    name: "upsert whose conflict target is the id alone",
    body: "return db.insertInto('orders').values({ id, tenant_id: tenantId, status }).onConflict((oc) => oc.column('id').doUpdateSet({ status })).execute();",
    expect: ["missing-tenant-filter onConflict((oc) => oc.column('id').doUpdateSet({ status }))"],
  },
  {
    name: "upsert whose conflict target holds the tenant",
    body: "return db.insertInto('orders').values({ id, tenant_id: tenantId, status }).onConflict((oc) => oc.columns(['tenant_id', 'id']).doUpdateSet({ status })).execute();",
    expect: [],
  },
  {
    name: "upsert whose update is filtered on the tenant",
    body: "return db.insertInto('orders').values({ id, tenant_id: tenantId, status }).onConflict((oc) => oc.column('id').doUpdateSet({ status }).where('orders.tenant_id', '=', tenantId)).execute();",
    expect: [],
  },
  {
    name: "upsert whose update is filtered on another column",
    body: "return db.insertInto('orders').values({ id, tenant_id: tenantId, status }).onConflict((oc) => { return oc.column('id').doUpdateSet({ status }).where('status', '=', 'open'); }).execute();",
    expect: [
      "missing-tenant-filter onConflict((oc) => { return oc.column('id').doUpdateSet({ status }).where('status', '=', 'open'); })",
    ],
  },
  {
    name: "upsert whose update is filtered on the inserted row's tenant (excluded.tenant_id), which always matches",
    body: "return db.insertInto('orders').values({ id, tenant_id: tenantId, status }).onConflict((oc) => oc.column('id').doUpdateSet({ status }).where('excluded.tenant_id', '=', tenantId)).execute();",
    expect: [
      "missing-tenant-filter onConflict((oc) => oc.column('id').doUpdateSet({ status }).where('excluded.tenant_id', '=', tenantId))",
    ],
  },
  {
    name: "upsert whose update is filtered on the tenant or another condition",
    body: "return db.insertInto('orders').values({ id, tenant_id: tenantId, status }).onConflict((oc) => oc.column('id').doUpdateSet({ status }).where('orders.tenant_id', '=', tenantId).orWhere('orders.status', '=', 'draft')).execute();",
    expect: [
      "missing-tenant-filter onConflict((oc) => oc.column('id').doUpdateSet({ status }).where('orders.tenant_id', '=', tenantId).orWhere('orders.status', '=', 'draft'))",
    ],
  },
  {
    name: "upsert that does nothing on conflict",
    body: "return db.insertInto('orders').values({ id, tenant_id: tenantId, status }).onConflict((oc) => oc.column('id').doNothing()).execute();",
    expect: [],
  },
  {
    name: "upsert on a named constraint (its columns are not in the code)",
    body: "return db.insertInto('orders').values({ id, tenant_id: tenantId, status }).onConflict((oc) => oc.constraint('orders_pkey').doUpdateSet({ status })).execute();",
    expect: [],
  },
];

describe("kysely query builder", () => {
  for (const c of cases) {
    test(c.name, () => {
      const text = caseModule(PRELUDE, c.body);
      assert.deepEqual(brief(text, analyzeBuilder(parser, text)), c.expect);
    });
  }

  test("a table named by a string enum of the file", () => {
    const text = caseModule(
      `${PRELUDE}\nenum TableName { Orders = "orders" }`,
      "await db.selectFrom(TableName.Orders).selectAll().where('id', '=', id).execute();\nreturn db.selectFrom(TableName.Orders).selectAll().where('tenant_id', '=', tenantId).execute();",
    );
    assert.deepEqual(brief(text, analyzeBuilder(parser, text)), ["missing-tenant-filter selectFrom(TableName.Orders)"]);
  });

  test("an unscoped client reading a table named by a constant, or only through a lateral join, is unscoped-client", () => {
    const text = caseModule(
      `${PRELUDE}\nenum TableName { Orders = "orders" }`,
      `await db.selectFrom(TableName.Orders).selectAll().where("tenant_id", "=", tenantId).execute();
return db.selectFrom("plans").innerJoinLateral("orders as o", (j) => j.onTrue()).selectAll().execute();`,
    );
    const findings = analyzeBuilder(parser, text, { config: { clients: { unscoped: ["db"] } } });
    assert.deepEqual(
      findings.filter((f) => f.ruleId === "unscoped-client").map((f) => f.table),
      ["orders", "orders"],
    );
  });

  test("messages", () => {
    const text = caseModule(PRELUDE, "return db.deleteFrom('orders').where('id', '=', id).execute();");
    assert.deepEqual(
      analyzeBuilder(parser, text).map((f) => f.message),
      [
        "db.deleteFrom('orders') has no tenant predicate: it removes every tenant's rows. Add .where('tenant_id', '=', ...) to its where. Other proofs of ownership: a scoped client, a key from a scoped query, an ownership or authorization check that throws.",
      ],
    );
  });

  test("queries through a configured scoped client need no predicate", () => {
    const text = caseModule(
      PRELUDE,
      "await withTenant(tenantId, (trx) => trx.deleteFrom('orders').execute());\nreturn tenantDb.selectFrom('orders').selectAll().execute();",
    );
    assert.deepEqual(
      brief(text, analyzeBuilder(parser, text, { config: { clients: { scoped: ["withTenant", "tenantDb"] } } })),
      [],
    );
    assert.equal(analyzeBuilder(parser, text).length, 2);
  });

  test("new Kysely(...) receivers with any name", () => {
    const text = `import { Kysely } from "kysely";\nconst conn = new Kysely<DB>({ dialect });\nexport const all = () => conn.selectFrom('orders').selectAll().execute();\n`;
    assert.deepEqual(brief(text, analyzeBuilder(parser, text)), ["missing-tenant-filter selectFrom('orders')"]);
  });
});

const fn = (body: string) => caseModule(PRELUDE, body);

const fixes: FixCase[] = [
  {
    name: "adds a where after the table",
    code: fn("return db.selectFrom('orders').selectAll().where('id', '=', id).execute();"),
    expected: fn(
      "return db.selectFrom('orders').where('tenant_id', '=', tenantId).selectAll().where('id', '=', id).execute();",
    ),
  },
  {
    name: "qualifies the column with the alias and goes after the joins",
    code: fn(
      "return db.selectFrom('orders as o').innerJoin('customers as c', (j) => j.onRef('c.id', '=', 'o.customer_id').onRef('c.tenant_id', '=', 'o.tenant_id')).selectAll().execute();",
    ),
    expected: fn(
      "return db.selectFrom('orders as o').innerJoin('customers as c', (j) => j.onRef('c.id', '=', 'o.customer_id').onRef('c.tenant_id', '=', 'o.tenant_id')).where('o.tenant_id', '=', tenantId).selectAll().execute();",
    ),
  },
  {
    name: "update: after set(...)",
    code: fn("return db.updateTable('orders').set({ status: 'paid' }).where('id', '=', id).execute();"),
    expected: fn(
      "return db.updateTable('orders').set({ status: 'paid' }).where('tenant_id', '=', tenantId).where('id', '=', id).execute();",
    ),
  },
  {
    name: "weak eb.or(...) gets a top-level where",
    code: fn(
      "return db.deleteFrom('orders').where((eb) => eb.or([eb('id', '=', id), eb('tenant_id', '=', tenantId)])).execute();",
    ),
    expected: fn(
      "return db.deleteFrom('orders').where('tenant_id', '=', tenantId).where((eb) => eb.or([eb('id', '=', id), eb('tenant_id', '=', tenantId)])).execute();",
    ),
  },
  {
    name: "insert gains the tenant column",
    code: fn("return db.insertInto('orders').values({ id, total: 1 }).execute();"),
    expected: fn("return db.insertInto('orders').values({ id, total: 1, tenant_id: tenantId }).execute();"),
  },
];

describe("kysely fixes", () => {
  for (const c of fixes) test(c.name, () => checkFix(parser, c));
});

describe("kysely with a type checker", () => {
  const declarations = readFileSync(join(__dirname, "..", "fixtures", "orm", "kysely", "declarations.d.ts"), "utf8");
  const files = (): Record<string, string> => ({
    ...(hasPackage("kysely") ? {} : { "declarations.d.ts": declarations }),
    "client.ts": `import type { Kysely, Transaction } from "kysely";\nexport interface DB { orders: { id: string; tenant_id: string } }\nexport type Conn = Kysely<DB> | Transaction<DB>;\n`,
    "service.ts": `import type { Conn } from "./client";\n\nexport function remove(conn: Conn, id: string) {\n  return conn.deleteFrom("orders").where("id", "=", id).execute();\n}\n\nexport function scoped(conn: Conn, tenantId: string) {\n  return conn.selectFrom("orders").selectAll().where("tenant_id", "=", tenantId).execute();\n}\n`,
  });

  test(`a parameter typed as Kysely | Transaction through an alias (${hasPackage("kysely") ? "real kysely" : "hand-written declarations"})`, () => {
    const { typed, text, diagnostics } = analyzeTyped(parser, files(), "service.ts");
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(brief(text, typed), ['missing-tenant-filter deleteFrom("orders")']);
  });
});

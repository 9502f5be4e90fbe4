// Drizzle: select/update/delete/insert chains, joins and the relational API, without types.
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
import { applyEdits } from "../helpers/analyze";

let parser: SqlParser;
before(async () => {
  parser = await sqlParser();
});

const PRELUDE = `import { and, eq, inArray, isNull, ne, not, or, sql } from "drizzle-orm";
import { db } from "../db";
import { customers, orderItems, orders, plans, tenants } from "../db/schema";`;

const cases: BuilderCase[] = [
  // select
  {
    name: "select without where",
    body: "return db.select().from(orders);",
    expect: ["missing-tenant-filter from(orders)"],
  },
  {
    name: "select by id only",
    body: "return db.select().from(orders).where(eq(orders.id, id));",
    expect: ["missing-tenant-filter from(orders)"],
  },
  {
    name: "eq on the tenant key",
    body: "return db.select().from(orders).where(eq(orders.tenantId, tenantId));",
    expect: [],
  },
  {
    name: "tenant key inside and(...)",
    body: "return db.select().from(orders).where(and(eq(orders.id, id), eq(orders.tenantId, tenantId)));",
    expect: [],
  },
  {
    name: "inArray on the tenant key",
    body: "return db.select().from(orders).where(inArray(orders.tenantId, [tenantId]));",
    expect: [],
  },
  { name: "global table", body: "return db.select().from(plans);", expect: [] },
  {
    name: "or(...) of pushed branches that each scope, one always pushed (sim's custom tools): scoped",
    body: "const conditions = [];\nif (status) conditions.push(eq(orders.tenantId, tenantId));\nconditions.push(and(eq(orders.tenantId, tenantId), eq(orders.id, id)));\nreturn db.select().from(orders).where(or(...conditions));",
    expect: [],
  },
  {
    name: "twins: or(...) of branches all pushed under a condition (maybe none), or one that does not scope",
    body: "const a = [];\nif (status) a.push(eq(orders.tenantId, tenantId));\nawait db.select().from(orders).where(or(...a));\nconst b = [eq(orders.tenantId, tenantId)];\nb.push(eq(orders.status, 'open'));\nreturn db.select().from(orders).where(or(...b));",
    expect: ["weak-tenant-filter from(orders)", "weak-tenant-filter from(orders)"],
  },
  {
    name: "twins: a pushed list also reassigned, written, unshifted or pushed to in a callback: read as such or not read",
    body: [
      "let a = [eq(orders.tenantId, tenantId)];",
      "a = [eq(orders.status, 'open')];",
      "await db.select().from(orders).where(or(...a));",
      "const b = [eq(orders.tenantId, tenantId)];",
      "b[0] = eq(orders.status, 'open');",
      "await db.select().from(orders).where(and(...b));",
      "const c = [eq(orders.tenantId, tenantId)];",
      "c.unshift(eq(orders.status, 'open'));",
      "await db.select().from(orders).where(or(...c));",
      "const d = [eq(orders.tenantId, tenantId)];",
      "[1].forEach(() => d.push(eq(orders.status, 'open')));",
      "return db.select().from(orders).where(or(...d));",
    ].join("\n"),
    expect: [
      "dynamic-sql from(orders)",
      "dynamic-sql from(orders)",
      "weak-tenant-filter from(orders)",
      "dynamic-sql from(orders)",
    ],
  },
  {
    name: "a table object spliced into a sql template is that table; a global one stays quiet",
    body: "await db.execute(sql`DELETE FROM ${orders} WHERE id = ${id}`);\n  await db.execute(sql`SELECT * FROM ${plans}`);\n  return db.execute(sql`SELECT * FROM ${orders} WHERE tenant_id = ${tenantId}`);",
    expect: ["missing-tenant-filter orders"],
  },
  {
    name: "selected columns and aggregates still read every tenant",
    body: "return db.select({ n: sql<number>`count(*)` }).from(orders).where(eq(orders.status, 'open'));",
    expect: ["missing-tenant-filter from(orders)"],
  },
  {
    name: "tenant key only inside or(...)",
    body: "return db.select().from(orders).where(or(eq(orders.id, id), eq(orders.tenantId, tenantId)));",
    expect: ["weak-tenant-filter from(orders)"],
  },
  {
    name: "or(...) with the tenant key in every branch",
    body: "return db.select().from(orders).where(or(and(eq(orders.tenantId, tenantId), eq(orders.id, id)), and(eq(orders.tenantId, tenantId), eq(orders.status, 'open'))));",
    expect: [],
  },
  {
    name: "IS NULL or the tenant (shared rows)",
    body: "return db.select().from(orders).where(or(isNull(orders.tenantId), eq(orders.tenantId, tenantId)));",
    expect: [],
  },
  {
    name: "negated tenant predicate",
    body: "return db.select().from(orders).where(not(eq(orders.tenantId, tenantId)));",
    expect: ["weak-tenant-filter from(orders)"],
  },
  {
    name: "ne on the tenant key",
    body: "return db.select().from(orders).where(ne(orders.tenantId, tenantId));",
    expect: ["weak-tenant-filter from(orders)"],
  },
  {
    name: "conditional where",
    body: "return db.select().from(orders).where(tenantId ? eq(orders.tenantId, tenantId) : undefined);",
    expect: ["weak-tenant-filter from(orders)"],
  },
  {
    name: "conditional term inside and(...)",
    body: "return db.select().from(orders).where(and(eq(orders.id, id), status ? eq(orders.tenantId, tenantId) : undefined));",
    expect: ["weak-tenant-filter from(orders)"],
  },
  {
    name: "filters array with a conditional push",
    body: "const filters = [eq(orders.id, id)];\nif (status) filters.push(eq(orders.tenantId, tenantId));\nreturn db.select().from(orders).where(and(...filters));",
    expect: ["weak-tenant-filter from(orders)"],
  },
  {
    name: "filters array with an unconditional push",
    body: "const filters = [eq(orders.id, id)];\nif (status) filters.push(eq(orders.status, status));\nfilters.push(eq(orders.tenantId, tenantId));\nreturn db.select().from(orders).where(and(...filters));",
    expect: [],
  },
  {
    name: "where from a const",
    body: "const scoped = and(eq(orders.id, id), eq(orders.tenantId, tenantId));\nreturn db.select().from(orders).where(scoped);",
    expect: [],
  },
  {
    name: "where from a parameter cannot be seen through",
    body: "return db.select().from(orders).where(filter);",
    expect: ["dynamic-sql from(orders)"],
  },
  {
    name: "sql`` fragment comparing the tenant key",
    body: "return db.select().from(orders).where(sql`${orders.tenantId} = ${tenantId}`);",
    expect: [],
  },
  // the tenant column written into the fragment's SQL (unkey's `sql\`namespace_id = ${id} AND ...\``), read by the parser
  {
    name: "sql`` fragment naming the tenant column in a top-level AND term",
    body: "return db.update(orders).set({ status }).where(sql`tenant_id = ${tenantId} AND id = ${id}`);",
    expect: [],
  },
  {
    name: "sql`` fragment naming the tenant column qualified, = ANY of a list",
    body: "return db.select().from(orders).where(sql`orders.tenant_id = ANY(${tenantIds}) AND status = ${status}`);",
    expect: [],
  },
  {
    name: "sql`` fragment without the tenant column",
    body: "return db.update(orders).set({ status }).where(sql`id = ${id}`);",
    expect: ["missing-tenant-filter update(orders)"],
  },
  {
    name: "sql`` fragment with the tenant column in one branch of an OR",
    body: "return db.select().from(orders).where(sql`tenant_id = ${tenantId} OR status = 'public'`);",
    expect: ["weak-tenant-filter from(orders)"],
  },
  {
    name: "sql`` fragment comparing the tenant column with a column, or with SQL spliced in",
    body: "await db.select().from(orders).where(sql`tenant_id = ${orders.id}`);\n  return db.select().from(orders).where(sql`tenant_id = ${sql`tenant_id`}`);",
    expect: ["weak-tenant-filter from(orders)", "weak-tenant-filter from(orders)"],
  },
  {
    name: "sql`` fragment with the tenant column NOT IN a list",
    body: "return db.select().from(orders).where(sql`tenant_id NOT IN ${tenantIds}`);",
    expect: ["weak-tenant-filter from(orders)"],
  },
  {
    name: "sql`` fragment that does not parse as a condition",
    body: "return db.select().from(orders).where(sql`tenant_id = ${tenantId} AND AND`);",
    expect: ["dynamic-sql from(orders)"],
  },
  {
    name: "sql`` fragment with the tenant column IN an interpolated list (Drizzle writes the parentheses)",
    body: "return db.select().from(orders).where(sql`tenant_id IN ${tenantIds} AND status = ${status}`);",
    expect: [],
  },
  {
    name: "alias(...) of a tenant table",
    body: "const o = alias(orders, 'o');\nreturn db.select().from(o).where(eq(o.id, id));",
    expect: ["missing-tenant-filter from(o)"],
  },
  {
    name: "selectDistinct",
    body: "return db.selectDistinct().from(orders);",
    expect: ["missing-tenant-filter from(orders)"],
  },
  {
    name: "$dynamic query with a conditional tenant where",
    body: "let q = db.select().from(orders).$dynamic();\nif (status) q = q.where(eq(orders.tenantId, tenantId));\nreturn q;",
    expect: ["weak-tenant-filter from(orders)"],
  },
  {
    name: "$dynamic query with the where always added",
    body: "let q = db.select().from(orders).$dynamic();\nq = q.where(eq(orders.tenantId, tenantId));\nreturn await q;",
    expect: [],
  },
  {
    name: "transaction callback parameter",
    body: "return db.transaction(async (tx) => tx.select().from(orders));",
    expect: ["missing-tenant-filter from(orders)"],
  },
  {
    name: "this.db receiver",
    body: "return this.db.delete(orderItems);",
    expect: ["missing-tenant-filter delete(orderItems)"],
  },
  // joins
  {
    name: "inner join on ids only",
    body: "return db.select().from(orders).innerJoin(customers, eq(customers.id, orders.customerId)).where(eq(orders.tenantId, tenantId));",
    expect: ["missing-tenant-filter innerJoin(customers, eq(customers.id, orders.customerId))"],
  },
  {
    name: "inner join scoped by the tenant keys to a scoped table",
    body: "return db.select().from(orders).innerJoin(customers, and(eq(customers.id, orders.customerId), eq(customers.tenantId, orders.tenantId))).where(eq(orders.tenantId, tenantId));",
    expect: [],
  },
  {
    name: "join scoped through the where",
    body: "return db.select().from(orders).leftJoin(customers, eq(customers.id, orders.customerId)).where(and(eq(orders.tenantId, tenantId), eq(customers.tenantId, tenantId)));",
    expect: [],
  },
  {
    name: "join to a global table",
    body: "return db.select().from(orders).innerJoin(plans, eq(plans.id, orders.status)).where(eq(orders.tenantId, tenantId));",
    expect: [],
  },
  {
    name: "joined to the unfiltered tenants table on the tenant key: a column is no tenant value",
    body: "return db.select().from(tenants).innerJoin(orders, eq(orders.tenantId, tenants.id));",
    expect: ["weak-tenant-filter innerJoin(orders, eq(orders.tenantId, tenants.id))"],
  },
  {
    name: "the same in the where",
    body: "return db.select().from(orders).innerJoin(tenants, eq(tenants.id, orders.tenantId)).where(eq(orders.tenantId, tenants.id));",
    expect: ["weak-tenant-filter from(orders)"],
  },
  {
    name: "twin: joined to the tenants table, the tenant key compared with the tenant value",
    body: "return db.select().from(tenants).innerJoin(orders, eq(orders.tenantId, tenants.id)).where(eq(orders.tenantId, tenantId));",
    expect: [],
  },
  // update / delete
  {
    name: "update by id",
    body: "return db.update(orders).set({ status: 'paid' }).where(eq(orders.id, id));",
    expect: ["missing-tenant-filter update(orders)"],
  },
  {
    name: "update scoped",
    body: "return db.update(orders).set({ status: 'paid' }).where(and(eq(orders.id, id), eq(orders.tenantId, tenantId)));",
    expect: [],
  },
  { name: "delete everything", body: "return db.delete(orders);", expect: ["missing-tenant-filter delete(orders)"] },
  { name: "delete scoped", body: "return db.delete(orders).where(eq(orders.tenantId, tenantId));", expect: [] },
  // insert
  {
    name: "insert without the tenant key",
    body: "return db.insert(orders).values({ id, total: 1 });",
    expect: ["missing-tenant-on-insert insert(orders)"],
  },
  {
    name: "insert with the tenant key",
    body: "return db.insert(orders).values({ id, tenantId, total: 1 });",
    expect: [],
  },
  {
    name: "insert of rows, one without the key",
    body: "return db.insert(orders).values([{ id, tenantId }, { id: 'x' }]);",
    expect: ["missing-tenant-on-insert insert(orders)"],
  },
  {
    name: "insert of mapped rows",
    body: "return db.insert(orderItems).values(skus.map((sku) => ({ sku, orderId: id, tenantId })));",
    expect: [],
  },
  {
    name: "insert of a value the analyzer cannot see",
    body: "return db.insert(orders).values(input);",
    expect: ["dynamic-sql insert(orders)"],
  },
  // unkey's `const tuple = { workspaceId, roleId }` spread into each insert
  {
    name: "insert spreading a const object literal that sets the tenant",
    body: "const base = { tenantId, status };\n  return db.insert(orders).values({ ...base, id });",
    expect: [],
  },
  {
    name: "insert spreading a const object literal without the tenant",
    body: "const base = { status };\n  return db.insert(orders).values({ ...base, id });",
    expect: ["missing-tenant-on-insert insert(orders)"],
  },
  {
    name: "insert spreading a const object literal changed after it was written",
    body: "const base: any = { status };\n  base[key] = tenantId;\n  return db.insert(orders).values({ ...base, id });",
    expect: ["dynamic-sql insert(orders)"],
  },
  { name: "insert into a global table", body: "return db.insert(plans).values({ id, name: 'pro' });", expect: [] },
  // upserts
  {
    name: "upsert on the id alone: updates whichever tenant's row holds it",
    body: "return db.insert(orders).values({ id, tenantId, status }).onConflictDoUpdate({ target: orders.id, set: { status } });",
    expect: ["missing-tenant-filter onConflictDoUpdate({ target: orders.id, set: { status } })"],
  },
  {
    name: "upsert with the tenant in the conflict target",
    body: "return db.insert(orders).values({ id, tenantId, status }).onConflictDoUpdate({ target: [orders.id, orders.tenantId], set: { status } });",
    expect: [],
  },
  {
    name: "upsert whose update is scoped by setWhere",
    body: "return db.insert(orders).values({ id, tenantId, status }).onConflictDoUpdate({ target: orders.id, set: { status }, setWhere: eq(orders.tenantId, tenantId) });",
    expect: [],
  },
  {
    name: "twin: a setWhere on another column",
    body: "return db.insert(orders).values({ id, tenantId, status }).onConflictDoUpdate({ target: orders.id, set: { status }, setWhere: eq(orders.status, 'open') });",
    expect: [
      "missing-tenant-filter onConflictDoUpdate({ target: orders.id, set: { status }, setWhere: eq(orders.status, 'open') })",
    ],
  },
  {
    name: "upsert that does nothing on conflict",
    body: "return db.insert(orders).values({ id, tenantId, status }).onConflictDoNothing();",
    expect: [],
  },
  // relational queries
  {
    name: "findMany without where",
    body: "return db.query.orders.findMany();",
    expect: ["missing-tenant-filter orders.findMany"],
  },
  {
    name: "findFirst by id (callback)",
    body: "return db.query.orders.findFirst({ where: (o, { eq }) => eq(o.id, id) });",
    expect: ["missing-tenant-filter orders.findFirst"],
  },
  {
    name: "findMany scoped (callback)",
    body: "return db.query.orders.findMany({ where: (o, { and, eq }) => and(eq(o.id, id), eq(o.tenantId, tenantId)) });",
    expect: [],
  },
  {
    name: "findMany scoped with imported operators",
    body: "return db.query.orders.findMany({ where: eq(orders.tenantId, tenantId) });",
    expect: [],
  },
  {
    name: "findMany scoped (object form)",
    body: "return db.query.orders.findMany({ where: { tenantId, status: 'open' } });",
    expect: [],
  },
  {
    name: "findMany with { eq } operator object",
    body: "return db.query.orders.findMany({ where: { tenantId: { eq: tenantId } } });",
    expect: [],
  },
  {
    name: "findFirst by id (object form)",
    body: "return db.query.orders.findFirst({ where: { id } });",
    expect: ["missing-tenant-filter orders.findFirst"],
  },
  {
    name: "object form OR",
    body: "return db.query.orders.findMany({ where: { OR: [{ tenantId }, { status: 'public' }] } });",
    expect: ["weak-tenant-filter orders.findMany"],
  },
  {
    name: "object form undefined tenant is dropped by RQB",
    body: "return db.query.orders.findMany({ where: { tenantId: status ? tenantId : undefined } });",
    expect: ["weak-tenant-filter orders.findMany"],
  },
  { name: "relational query on a global table", body: "return db.query.plans.findMany();", expect: [] },
  // a client handed out by a function (`export function db() { return drizzle(pool) }`)
  {
    name: "db() client: select without where",
    body: "return db().select().from(orders);",
    expect: ["missing-tenant-filter from(orders)"],
  },
  {
    name: "db() client: update by id only",
    body: "return db().update(orders).set({ status }).where(eq(orders.id, id));",
    expect: ["missing-tenant-filter update(orders)"],
  },
  {
    name: "db() client: select with the tenant predicate",
    body: "return db().select().from(orders).where(and(eq(orders.id, id), eq(orders.tenantId, tenantId)));",
    expect: [],
  },
  {
    name: "getDb() client: delete by id only",
    body: "return getDb().delete(orders).where(eq(orders.id, id));",
    expect: ["missing-tenant-filter delete(orders)"],
  },
  {
    name: "db() client: relational query by id",
    body: "return db().query.orders.findFirst({ where: { id } });",
    expect: ["missing-tenant-filter orders.findFirst"],
  },
  // a table destructured from the schema namespace under another name (dittofeed's `const { journey: dbJourney } = schema`)
  {
    name: "a destructured schema table: its tenant key scopes a relational query",
    body: "const { orders: dbOrders } = schemaNs;\n  return db.query.orders.findMany({ where: eq(dbOrders.tenantId, tenantId) });",
    expect: [],
  },
  {
    name: "a destructured schema table: update by id only",
    body: "const { orders: dbOrders } = schemaNs;\n  return db.update(dbOrders).set({ status }).where(eq(dbOrders.id, id));",
    expect: ["missing-tenant-filter update(dbOrders)"],
  },
  // one connection of a client (a read replica, the primary): unkey's `db.readonly`, Drizzle's `$primary`
  {
    name: "a client's primary connection: delete by id only",
    body: "return db.primary.delete(orders).where(eq(orders.id, id));",
    expect: ["missing-tenant-filter delete(orders)"],
  },
  {
    name: "a client's read replica: relational query by id",
    body: "return db.readonly.query.orders.findFirst({ where: (t, { eq }) => eq(t.id, id) });",
    expect: ["missing-tenant-filter orders.findFirst"],
  },
  {
    name: "Drizzle's $primary: select with the tenant predicate",
    body: "return db.$primary.select().from(orders).where(eq(orders.tenantId, tenantId));",
    expect: [],
  },
  {
    name: "a primary field of something that is no client",
    body: "return settings.primary.delete(orders).where(eq(orders.id, id));",
    expect: [],
  },
  // promise handlers run the query; they are no step of it
  {
    name: "relational query by id, its errors caught",
    body: "return db.query.orders.findFirst({ where: { id } }).catch(() => null);",
    expect: ["missing-tenant-filter orders.findFirst"],
  },
  {
    name: "scoped select read through then",
    body: "return db.select().from(orders).where(eq(orders.tenantId, tenantId)).then((rows) => rows[0]);",
    expect: [],
  },
  {
    name: "select without where read through then",
    body: "return db.select().from(orders).then((rows) => rows[0]);",
    expect: ["missing-tenant-filter from(orders)"],
  },
  // not drizzle
  { name: "a Prisma-like client named db", body: "return db.order.delete({ where: { id } });", expect: [] },
  {
    name: "a table and criteria: TypeORM's manager (trx.delete(Entity, { ... })), not Drizzle",
    body: "await db.delete(orders, { tenantId, id });\n  return db.update(orders, { tenantId }, { status });",
    expect: [],
  },
];

describe("drizzle query builder", () => {
  for (const c of cases) {
    test(c.name, () => {
      const text = caseModule(PRELUDE, c.body);
      assert.deepEqual(brief(text, analyzeBuilder(parser, text)), c.expect);
    });
  }

  test("a table the code is handed (a parameter, a base repository's `this.scope`, a constructor's table): dynamic-sql, not silence", () => {
    const text = `import { and, eq } from "drizzle-orm";
import { db } from "../db";
import { orders, plans } from "../db/schema";
export abstract class Repository {
  abstract get scope(): any;
  find(id: string) {
    return db.select().from(this.scope).where(eq(this.scope.id, id));
  }
}
export class TableRepository {
  constructor(private readonly table: any) {}
  remove(id: string) {
    return db.delete(this.table).where(eq(this.table.id, id));
  }
}
export const byId = (table: any, id: string) => db.select().from(table).where(eq(table.id, id));
`;
    const found = analyzeBuilder(parser, text);
    assert.deepEqual(brief(text, found), [
      "dynamic-sql from(this.scope)",
      "dynamic-sql delete(this.table)",
      "dynamic-sql from(table)",
    ]);
    assert.match(
      found[0]!.message,
      /reads a table it is handed \(`this\.scope`\), so tenantguard cannot tell which table/,
    );
  });

  test("twins: a helper that filters the handed table by its tenant column, a table named here, a global table, a class's own table", () => {
    const text = `import { and, eq } from "drizzle-orm";
import { db } from "../db";
import { orders, plans } from "../db/schema";
export const scopedById = (table: any, id: string, tenantId: string) =>
  db.select().from(table).where(and(eq(table.id, id), eq(table.tenantId, tenantId)));
export class OrdersRepository {
  private readonly table = plans;
  list() {
    return db.select().from(this.table);
  }
  get scope() {
    return db.select().from(plans).as("s");
  }
  first() {
    return db.select().from(this.scope);
  }
}
export const g = () => db.select().from(plans);
`;
    assert.deepEqual(brief(text, analyzeBuilder(parser, text)), []);
  });

  test("a where naming the table another way than the query: through the schema namespace or an import alias", () => {
    const text = `import { and, eq } from "drizzle-orm";
import * as schema from "../db/schema";
import { orders as ordersTable, orders } from "../db/schema";
import { db } from "../db";
export const a = (id: string, tenantId: string) =>
  db.query.orders.findFirst({ where: and(eq(schema.orders.id, id), eq(schema.orders.tenantId, tenantId)) });
export const b = (id: string, tenantId: string) =>
  db.query.orders.findFirst({ where: (o, { and, eq }) => and(eq(ordersTable.id, id), eq(ordersTable.tenantId, tenantId)) });
export const c = (id: string) => db.query.orders.findFirst({ where: eq(schema.orders.id, id) });
export const d = (id: string) => db.query.orders.findFirst({ where: eq(ordersTable.id, id) });
export const e = (id: string, tenantId: string) =>
  db.query.orders.findFirst({ where: and(eq(orders.id, id), eq(schema.customers.tenantId, tenantId)) });
`;
    assert.deepEqual(brief(text, analyzeBuilder(parser, text)), [
      "missing-tenant-filter orders.findFirst",
      "missing-tenant-filter orders.findFirst",
      "missing-tenant-filter orders.findFirst",
    ]);
  });

  test("a client a function of the file returns, whatever its name", () => {
    const text = `import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { orders } from "../db/schema";
function connection() {
  return drizzle(process.env.DATABASE_URL!);
}
function cache() {
  return new Map<string, unknown>();
}
export const byId = (id: string) => connection().select().from(orders).where(eq(orders.id, id));
export const forget = (id: string) => cache().delete(id);
`;
    assert.deepEqual(brief(text, analyzeBuilder(parser, text)), ["missing-tenant-filter from(orders)"]);
  });

  test("messages name the call, the effect and the predicate to add", () => {
    const text = caseModule(
      PRELUDE,
      "await db.delete(orders);\nreturn db.select().from(orders).where(or(eq(orders.id, id), eq(orders.tenantId, tenantId)));",
    );
    assert.deepEqual(
      analyzeBuilder(parser, text).map((f) => f.message),
      [
        "db.delete(orders) has no tenant predicate: it removes every tenant's rows. Add eq(orders.tenantId, ...) to its where. Other proofs of ownership: a scoped client, a key from a scoped query, an ownership or authorization check that throws.",
        "The tenant predicate on orders in db.select().from(orders) is inside or(...): it does not hold for every row. Require eq(orders.tenantId, ...) as a top-level and(...) term.",
      ],
    );
  });

  test("a next-line suppression covers the whole chain", () => {
    const text = caseModule(
      PRELUDE,
      "// tenantguard-ignore-next-line missing-tenant-filter -- nightly cleanup of every tenant\nreturn db\n  .delete(orders)\n  .where(eq(orders.status, 'void'));",
    );
    const [f] = analyzeBuilder(parser, text);
    assert.equal(f.suppressed?.reason, "nightly cleanup of every tenant");
  });

  test("queries through a configured scoped client need no predicate", () => {
    const text = caseModule(
      PRELUDE,
      "await withTenant(tenantId, (tx) => tx.delete(orders));\nconst tdb = getTenantDb(tenantId);\nawait tdb.select().from(orders);\nreturn tenantDb.transaction(async (tx) => tx.select().from(orders));",
    );
    const scoped = { clients: { scoped: ["withTenant", "getTenantDb", "tenantDb"] } };
    assert.deepEqual(brief(text, analyzeBuilder(parser, text, { config: scoped })), []);
    assert.deepEqual(brief(text, analyzeBuilder(parser, text)), [
      "missing-tenant-filter delete(orders)",
      "missing-tenant-filter from(orders)",
    ]);
  });

  test("a model from migrations only: variables named like tables, fix not safe", () => {
    const text = caseModule(PRELUDE, "return db.select().from(orderItems);");
    const findings = analyzeBuilder(parser, text, { model: undefined });
    assert.deepEqual(brief(text, findings), ["missing-tenant-filter from(orderItems)"]);
  });
});

const fn = (body: string, imports = `import { and, eq } from "drizzle-orm";`) =>
  caseModule(`${imports}\nimport { db } from "../db";\nimport { orders, customers } from "../db/schema";`, body);

const fixes: FixCase[] = [
  {
    name: "adds a where after from(...)",
    code: fn("return db.select().from(orders).orderBy(orders.id);"),
    expected: fn("return db.select().from(orders).where(eq(orders.tenantId, tenantId)).orderBy(orders.id);"),
  },
  {
    name: "wraps the existing where in and(...)",
    code: fn("return db.select().from(orders).where(eq(orders.id, id));"),
    expected: fn("return db.select().from(orders).where(and(eq(orders.id, id), eq(orders.tenantId, tenantId)));"),
  },
  {
    name: "appends to an existing and(...)",
    code: fn(
      "return db.update(orders).set({ status: 'paid' }).where(and(eq(orders.id, id), eq(orders.status, 'open')));",
    ),
    expected: fn(
      "return db.update(orders).set({ status: 'paid' }).where(and(eq(orders.id, id), eq(orders.status, 'open'), eq(orders.tenantId, tenantId)));",
    ),
  },
  {
    name: "wraps an or(...) so the tenant holds for every row",
    code: fn(
      "return db.select().from(orders).where(or(eq(orders.id, id), eq(orders.tenantId, tenantId)));",
      `import { and, eq, or } from "drizzle-orm";`,
    ),
    expected: fn(
      "return db.select().from(orders).where(and(or(eq(orders.id, id), eq(orders.tenantId, tenantId)), eq(orders.tenantId, tenantId)));",
      `import { and, eq, or } from "drizzle-orm";`,
    ),
  },
  {
    name: "adds the missing imports to the drizzle-orm import",
    code: fn("return db.delete(orders).where(sql`${orders.id} = ${id}`);", `import { sql } from "drizzle-orm";`),
    expected: fn(
      "return db.delete(orders).where(and(sql`${orders.id} = ${id}`, eq(orders.tenantId, tenantId)));",
      `import { sql, and, eq } from "drizzle-orm";`,
    ),
  },
  {
    name: "adds an import when drizzle-orm is not imported",
    code: fn("return db.delete(orders);", `import { logger } from "../log";`),
    expected: fn(
      "return db.delete(orders).where(eq(orders.tenantId, tenantId));",
      `import { logger } from "../log";`,
    ).replace('schema";\n', 'schema";\nimport { eq } from "drizzle-orm";\n'),
  },
  {
    name: "scopes a join to the query's table",
    code: fn(
      "return db.select().from(orders).innerJoin(customers, eq(customers.id, orders.customerId)).where(eq(orders.tenantId, tenantId));",
    ),
    expected: fn(
      "return db.select().from(orders).innerJoin(customers, and(eq(customers.id, orders.customerId), eq(customers.tenantId, orders.tenantId))).where(eq(orders.tenantId, tenantId));",
    ),
  },
  {
    name: "adds the tenant key to the inserted row",
    code: fn("return db.insert(orders).values({ id, total: 1 });"),
    expected: fn("return db.insert(orders).values({ id, total: 1, tenantId });"),
  },
  {
    name: "adds the tenant key to each row missing it",
    code: fn("return db.insert(orders).values([\n    { id, total: 1 },\n    { id: 'b', tenantId },\n  ]);"),
    expected: fn(
      "return db.insert(orders).values([\n    { id, total: 1, tenantId },\n    { id: 'b', tenantId },\n  ]);",
    ),
  },
  {
    name: "relational callback where gains and(...) and its helper",
    code: fn("return db.query.orders.findFirst({ where: (o, { eq }) => eq(o.id, id) });"),
    expected: fn(
      "return db.query.orders.findFirst({ where: (o, { eq, and }) => and(eq(o.id, id), eq(o.tenantId, tenantId)) });",
    ),
  },
  {
    name: "relational object where gains the tenant key",
    code: fn("return db.query.orders.findFirst({ where: { id } });"),
    expected: fn("return db.query.orders.findFirst({ where: { id, tenantId } });"),
  },
  {
    name: "relational query without options gets a where",
    code: fn("return db.query.orders.findMany();"),
    expected: fn("return db.query.orders.findMany({ where: (t, { eq }) => eq(t.tenantId, tenantId) });"),
  },
  {
    name: "a placeholder value makes the fix unsafe",
    code: caseModule(
      `import { eq } from "drizzle-orm";\nimport { db } from "../db";\nimport { orders } from "../db/schema";`,
      "return db.delete(orders).where(eq(orders.id, id));",
      "id: string",
    ),
    expected: caseModule(
      `import { eq, and } from "drizzle-orm";\nimport { db } from "../db";\nimport { orders } from "../db/schema";`,
      "return db.delete(orders).where(and(eq(orders.id, id), eq(orders.tenantId, tenantId /* TODO: tenant id */)));",
      "id: string",
    ),
    safe: false,
  },
];

describe("drizzle fixes", () => {
  for (const c of fixes) test(c.name, () => checkFix(parser, c));
});

describe("drizzle with a type checker", () => {
  const declarations = readFileSync(join(__dirname, "..", "fixtures", "orm", "drizzle", "declarations.d.ts"), "utf8");
  const files = (): Record<string, string> => ({
    ...(hasPackage("drizzle-orm") ? {} : { "declarations.d.ts": declarations }),
    "schema.ts": `import { pgTable, uuid, text } from "drizzle-orm/pg-core";\nexport const orders = pgTable("orders", { id: uuid("id"), tenantId: uuid("tenant_id"), status: text("status") });\n`,
    "client.ts": `import type { NodePgDatabase } from "drizzle-orm/node-postgres";\nexport type AppDatabase = NodePgDatabase<Record<string, never>>;\n`,
    "service.ts": `import { eq } from "drizzle-orm";\nimport type { AppDatabase } from "./client";\nimport { orders } from "./schema";\n\nexport function byId(conn: AppDatabase, id: string) {\n  return conn.select().from(orders).where(eq(orders.id, id));\n}\n\nexport function scoped(conn: AppDatabase, tenantId: string) {\n  return conn.select().from(orders).where(eq(orders.tenantId, tenantId));\n}\n`,
  });

  test(`a parameter typed as the client through an alias (${hasPackage("drizzle-orm") ? "real drizzle-orm" : "hand-written declarations"})`, () => {
    const { typed, untyped, text, diagnostics } = analyzeTyped(parser, files(), "service.ts");
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(brief(text, typed), ["missing-tenant-filter from(orders)"]);
    assert.deepEqual(brief(text, untyped), [], "without types `conn` is not a known receiver");
  });
});

describe("drizzle $dynamic queries built in one place, narrowed in another", () => {
  const repository = (members: string) => `${PRELUDE}
export class OrdersRepository {
  constructor(private tenantId: string) {}
  get scopeFilter() {
    return eq(orders.tenantId, this.tenantId);
  }
  get scope() {
    return db.select().from(orders).where(this.scopeFilter).$dynamic();
  }
${members}
}
`;
  const run = (members: string) => {
    const text = repository(members);
    return brief(text, analyzeBuilder(parser, text));
  };

  test("a getter's predicate scopes the query built with it; narrowing without .where() keeps it", () => {
    assert.deepEqual(run(`  firstPage() { return this.scope.limit(10); }`), []);
  });

  test(".where() on the dynamic query replaces its where: flagged at the use, saying so", () => {
    const text = repository(`  byStatus(status: string) { return this.scope.where(eq(orders.status, status)); }`);
    const findings = analyzeBuilder(parser, text);
    assert.deepEqual(brief(text, findings), ["missing-tenant-filter where(eq(orders.status, status))"]);
    assert.match(findings[0]!.message, /replaces the where it was built with on line \d+, tenant predicate included/);
    assert.deepEqual(findings[0]!.fixes, [], "the builder's fix would edit the query every use shares");
  });

  test("twin: the use repeats the tenant predicate (directly or through the getter)", () => {
    assert.deepEqual(
      run(`  byStatus(status: string) { return this.scope.where(and(this.scopeFilter, eq(orders.status, status))); }
  byId(id: string) { return this.scope.where(and(eq(orders.tenantId, this.tenantId), eq(orders.id, id))); }`),
      [],
    );
  });

  test("twin: a getter that filters another column scopes nothing", () => {
    const text = repository("").replace("eq(orders.tenantId, this.tenantId)", "eq(orders.id, this.tenantId)");
    assert.deepEqual(brief(text, analyzeBuilder(parser, text)), ["missing-tenant-filter from(orders)"]);
  });
});

describe("drizzle subqueries a query reads from (`.as(...)`)", () => {
  const repository = (scope: string, method: string) => `${PRELUDE}
export class OrdersRepository {
  constructor(private tenantId: string) {}
  get scope() {
    return ${scope};
  }
${method}
}
`;
  const SCOPED = `db.select().from(orders).where(eq(orders.tenantId, this.tenantId)).as("ordersScope")`;
  const UNSCOPED = `db.select().from(orders).as("ordersScope")`;
  const run = (scope: string, method: string) => {
    const text = repository(scope, method);
    return brief(text, analyzeBuilder(parser, text));
  };

  test("a read from a scoped subquery, by id or joined to a child on its owning key, reads one tenant's rows", () => {
    assert.deepEqual(
      run(
        SCOPED,
        `  byId(id: string) { return db.select().from(this.scope).where(eq(this.scope.id, id)); }
  items(id: string) { return db.select().from(this.scope).innerJoin(orderItems, and(eq(orderItems.orderId, this.scope.id), eq(orderItems.tenantId, this.scope.tenantId))).where(eq(orderItems.id, id)); }`,
      ),
      [],
    );
  });

  test("twin: the subquery is not scoped: it and the read from it are flagged", () => {
    assert.deepEqual(
      run(UNSCOPED, `  byId(id: string) { return db.select().from(this.scope).where(eq(this.scope.id, id)); }`),
      ["missing-tenant-filter from(orders)", "missing-tenant-filter from(this.scope)"],
    );
  });

  test("a const subquery; twin: one whose tenant predicate is only inside or(...)", () => {
    const text = `${PRELUDE}
export async function handler(id: string, tenantId: string) {
  const sub = db.select().from(orders).where(eq(orders.tenantId, tenantId)).as("s");
  await db.select().from(sub).where(eq(sub.id, id));
  const loose = db.select().from(orders).where(or(eq(orders.tenantId, tenantId), eq(orders.status, "open"))).as("l");
  await db.select().from(loose).where(eq(loose.id, id));
}
`;
    assert.deepEqual(brief(text, analyzeBuilder(parser, text)), [
      "weak-tenant-filter from(orders)",
      "missing-tenant-filter from(loose)",
    ]);
  });
});

describe("a join's fix when the query's own table is unscoped (lobe-chat's chunks)", () => {
  const code = `${PRELUDE}
export class OrderModel {
  constructor(private tenantId: string) {}
  byCustomer = (customerId: string) =>
    db.select().from(orders).innerJoin(customers, eq(customers.id, orders.customerId)).where(eq(orders.customerId, customerId));
}
`;

  test("ties the join to the tenant value (a class field here), not to the unscoped table; both fixes close the query", () => {
    const findings = analyzeBuilder(parser, code);
    assert.equal(findings.length, 2);
    const titles = findings.map((f) => f.fixes[0]?.title);
    assert.deepEqual(titles, [
      "Add eq(orders.tenantId, this.tenantId) to the where",
      "Add eq(customers.tenantId, this.tenantId) to the join",
    ]);
    assert.ok(findings.every((f) => f.fixes[0]?.safe));
    const fixed = applyEdits(code, [...findings[0]!.fixes[0]!.edits, ...findings[1]!.fixes[0]!.edits]);
    assert.deepEqual(analyzeBuilder(parser, fixed), []);
  });
});

// Ownership proven earlier in the flow, for Drizzle, Kysely, Knex, TypeORM, Sequelize and the
// postgres.js / slonik raw SQL drivers: each safe pattern beside the unsafe twin that stays flagged.
// Builders use test/orm/builders' model (orders, customers: tenant_id); TypeORM (Order -> orders)
// and Sequelize (Invoice -> invoices) use a small model discovered here; SQL uses helpers/sql's.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import ts from "typescript";
import { analyzeSourceFile } from "../../server/src/analyzer/analyze";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import { discoverTenantModel } from "../../server/src/analyzer/model/discover";
import type { TenantModel } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import type { Finding } from "../../server/src/analyzer/types";
import { analyzeText } from "../helpers/analyze";
import { createMemoryFs } from "../helpers/memory-fs";
import { sqlParser } from "../helpers/sql";
import { analyzeBuilder, caseModule } from "../orm/builders";

let parser: SqlParser;
let entityModel: TenantModel;
before(async () => {
  parser = await sqlParser();
  entityModel = discoverTenantModel(
    createMemoryFs({
      "/p/src/entities/order.entity.ts": `
import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";
@Entity("orders")
export class Order {
  @PrimaryGeneratedColumn("uuid") id!: string;
  @Column({ name: "tenant_id" }) tenantId!: string;
  @Column() status!: string;
}`,
      "/p/src/entities/ticket.entity.ts": `
import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";
@Entity("tickets")
export class Ticket {
  @PrimaryGeneratedColumn("uuid") id!: string;
  @Column({ name: "tenant_id" }) workspace!: string;
}`,
      // ToolJet's shape: the join column is a NOT NULL @Column, and the relation does not say so.
      "/p/src/entities/order-line.entity.ts": `
import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from "typeorm";
import { Order } from "./order.entity";
@Entity("order_lines")
export class OrderLine {
  @PrimaryGeneratedColumn("uuid") id!: string;
  @Column({ name: "order_id" }) orderId!: string;
  @ManyToOne(() => Order)
  @JoinColumn({ name: "order_id" })
  order!: Order;
}`,
      "/p/src/models/invoice.model.ts": `
import { DataTypes } from "sequelize";
import { sequelize } from "../db";
export const Invoice = sequelize.define("Invoice", {
  id: { type: DataTypes.UUID, primaryKey: true },
  tenantId: DataTypes.UUID,
  amount: DataTypes.INTEGER,
}, { underscored: true });`,
    }),
    resolveConfig({ tenantColumns: ["tenant_id"] }, "/p", undefined),
    parser,
    ts,
  ).model;
});

type Case = [name: string, body: string, flagged: string[]];

/** The missing-tenant-filter findings, by the text they underline. */
function missing(text: string, findings: readonly Finding[]): string[] {
  // A safe case must be safe because the flow proved it, not because another rule took over.
  assert.deepEqual(
    findings.filter((f) => f.ruleId === "weak-tenant-filter" || f.ruleId === "dynamic-sql").map((f) => f.ruleId),
    [],
  );
  return findings.filter((f) => f.ruleId === "missing-tenant-filter").map((f) => text.slice(f.start, f.end));
}

function builder(prelude: string, body: string): string[] {
  const text = caseModule(prelude, body, "id: string, tenantId: string, input: { id: string }");
  return missing(text, analyzeBuilder(parser, text));
}

function entities(prelude: string, body: string): string[] {
  const text = caseModule(prelude, body, "id: string, tenantId: string, input: { id: string }");
  const sourceFile = ts.createSourceFile("/p/src/service.ts", text, ts.ScriptTarget.Latest, true);
  const config = resolveConfig({ tenantColumns: ["tenant_id"] }, "/p", undefined);
  const findings = analyzeSourceFile({
    ts,
    sourceFile,
    config,
    model: entityModel,
    parser,
    relativePath: "src/service.ts",
  });
  return missing(text, findings);
}

function table(name: string, run: (body: string) => string[], cases: Case[]) {
  describe(name, () => {
    for (const [title, body, flagged] of cases) test(title, () => assert.deepEqual(run(body), flagged));
  });
}

const DRIZZLE = `import { and, eq, inArray } from "drizzle-orm";
import { db } from "../db";
import { orders } from "../db/schema";`;

table("Drizzle: ownership proven earlier in the flow", (b) => builder(DRIZZLE, b), [
  [
    "id of a row a scoped select returned",
    `const [order] = await db.select().from(orders).where(and(eq(orders.id, id), eq(orders.tenantId, tenantId)));
if (!order) throw new Error("not found");
await db.delete(orders).where(eq(orders.id, order.id));`,
    [],
  ],
  [
    "twin: id of a row an unscoped select returned",
    `const [order] = await db.select().from(orders).where(eq(orders.id, id));
await db.delete(orders).where(eq(orders.id, order.id));`,
    ["from(orders)", "delete(orders)"],
  ],
  [
    "ids of a scoped select, deleted with inArray",
    `const rows = await db.select().from(orders).where(eq(orders.tenantId, tenantId));
await db.delete(orders).where(inArray(orders.id, rows.map((r) => r.id)));`,
    [],
  ],
  [
    "relational findFirst scoped, then update by its id",
    `const order = await db.query.orders.findFirst({ where: and(eq(orders.id, id), eq(orders.tenantId, tenantId)) });
if (!order) throw new Error("not found");
await db.update(orders).set({ status: "paid" }).where(eq(orders.id, order.id));`,
    [],
  ],
  [
    "relational findFirst by id, then an ownership check that throws",
    `const order = await db.query.orders.findFirst({ where: eq(orders.id, id) });
if (!order || order.tenantId !== tenantId) throw new Error("forbidden");
return order;`,
    [],
  ],
  [
    "twin: relational findFirst by id, check that only logs",
    `const order = await db.query.orders.findFirst({ where: eq(orders.id, id) });
if (!order || order.tenantId !== tenantId) console.warn("forbidden");
return order;`,
    ["orders.findFirst"],
  ],
  [
    "key verified by a scoped select whose empty result throws",
    `const found = await db.select().from(orders).where(and(eq(orders.id, input.id), eq(orders.tenantId, tenantId)));
if (!found.length) throw new Error("not found");
await db.delete(orders).where(eq(orders.id, input.id));`,
    [],
  ],
  ["twin: key from request input", `await db.delete(orders).where(eq(orders.id, input.id));`, ["delete(orders)"]],
  [
    "id of a row inserted with the tenant (returning)",
    `const [created] = await db.insert(orders).values({ tenantId, status: "new" }).returning();
await db.update(orders).set({ status: "open" }).where(eq(orders.id, created.id));`,
    [],
  ],
]);

const KYSELY = `import { db } from "../db";`;

table("Kysely: ownership proven earlier in the flow", (b) => builder(KYSELY, b), [
  [
    "id of a scoped executeTakeFirstOrThrow",
    `const order = await db.selectFrom('orders').selectAll().where('id', '=', id).where('tenant_id', '=', tenantId).executeTakeFirstOrThrow();
await db.deleteFrom('orders').where('id', '=', order.id).execute();`,
    [],
  ],
  [
    "twin: id of an unscoped read",
    `const order = await db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
await db.deleteFrom('orders').where('id', '=', order.id).execute();`,
    ["selectFrom('orders')", "deleteFrom('orders')"],
  ],
  [
    "key verified by the scoped OrThrow read",
    `await db.selectFrom('orders').select('id').where('id', '=', input.id).where('tenant_id', '=', tenantId).executeTakeFirstOrThrow();
await db.updateTable('orders').set({ status: 'x' }).where('id', '=', input.id).execute();`,
    [],
  ],
  [
    "by-id read checked against the tenant",
    `const order = await db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst();
if (!order || order.tenant_id !== tenantId) throw new Error("forbidden");
return order;`,
    [],
  ],
  [
    "twin: a check with the tenant from request input",
    `const order = await db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst();
if (!order || order.tenant_id !== input.tenantId) throw new Error("forbidden");
return order;`,
    ["selectFrom('orders')"],
  ],
  [
    "id of a row inserted with the tenant (returning, executeTakeFirstOrThrow)",
    `const created = await db.insertInto('orders').values({ tenant_id: tenantId, status: 'new' }).returning('id').executeTakeFirstOrThrow();
await db.updateTable('orders').set({ status: 'open' }).where('id', '=', created.id).execute();`,
    [],
  ],
  [
    "twin: insert without the tenant, then update by its id",
    `const created = await db.insertInto('orders').values({ status: 'new' }).returning('id').executeTakeFirstOrThrow();
await db.updateTable('orders').set({ status: 'open' }).where('id', '=', created.id).execute();`,
    ["updateTable('orders')"],
  ],
]);

const KNEX = `import { knex } from "../db";`;

table("Knex: ownership proven earlier in the flow", (b) => builder(KNEX, b), [
  [
    "id of a scoped .first()",
    `const order = await knex('orders').where({ id, tenant_id: tenantId }).first();
if (!order) throw new Error("not found");
await knex('orders').where({ id: order.id }).del();`,
    [],
  ],
  [
    "where('id', x) with an owned id",
    `const order = await knex('orders').where({ id, tenant_id: tenantId }).first();
if (!order) throw new Error("not found");
await knex('orders').where('id', order.id).update({ status: 'x' });`,
    [],
  ],
  [
    "twin: where('id', x) with a request id",
    `await knex('orders').where('id', input.id).update({ status: 'x' });`,
    ["knex('orders')"],
  ],
  [
    "twin: orWhere widens the by-id delete",
    `const order = await knex('orders').where({ id, tenant_id: tenantId }).first();
if (!order) throw new Error("not found");
await knex('orders').where('id', order.id).orWhere('status', 'void').del();`,
    ["knex('orders')"],
  ],
  [
    "whereIn over ids of a scoped select",
    `const rows = await knex('orders').where({ tenant_id: tenantId }).select('id');
await knex('orders').whereIn('id', rows.map((r) => r.id)).del();`,
    [],
  ],
  [
    "id of a row inserted with the tenant (returning)",
    `const [created] = await knex('orders').insert({ tenant_id: tenantId, status: 'new' }).returning('*');
await knex('orders').where({ id: created.id }).update({ status: 'open' });`,
    [],
  ],
  [
    "first() by id checked against the tenant",
    `const order = await knex('orders').where({ id }).first();
if (!order || order.tenant_id !== tenantId) throw new Error("forbidden");
return order;`,
    [],
  ],
]);

const TYPEORM = `import { In } from "typeorm";
import { AppDataSource } from "../data-source";
import { Order } from "../entities/order.entity";
import { Ticket } from "../entities/ticket.entity";
import { OrderLine } from "../entities/order-line.entity";
const repo = AppDataSource.getRepository(Order);
const lines = AppDataSource.getRepository(OrderLine);`;

table("TypeORM: ownership proven earlier in the flow", (b) => entities(TYPEORM, b), [
  [
    "findByIds, every row checked in a loop before any use (a read: the check is in time)",
    `const rows = await repo.findByIds(input.ids);
for (const r of rows) if (r.tenantId !== tenantId) throw new Error("forbidden");
return rows;`,
    [],
  ],
  [
    "a child's rows by the key of a scoped parent row (a criteria object)",
    `const order = await repo.findOneBy({ id, tenantId });
if (!order) throw new Error("not found");
await lines.delete({ orderId: order.id });
return lines.findBy({ orderId: order.id });`,
    [],
  ],
  [
    "twin: a child's rows by a parent key from the request",
    `await lines.delete({ orderId: input.orderId });`,
    ["delete({ orderId: input.orderId })"],
  ],
  [
    // Flowise's deleteWorkspaceById: the children of every parent a scoped read returned.
    "a child's rows by In(the keys of a scoped parent list)",
    `const orders = await repo.findBy({ tenantId });
const ids = orders.map((o) => o.id);
await lines.delete({ orderId: In(ids) });
return lines.findBy({ orderId: In(orders.map((o) => o.id)) });`,
    [],
  ],
  [
    "twin: In(the request's keys), or In(the keys of an unscoped list)",
    `await lines.delete({ orderId: In(input.ids) });
const all = await repo.findBy({ status: "open" });
await lines.delete({ orderId: In(all.map((o) => o.id)) });`,
    [
      "delete({ orderId: In(input.ids) })",
      'findBy({ status: "open" })',
      "delete({ orderId: In(all.map((o) => o.id)) })",
    ],
  ],
  [
    // Flowise's getAllDatasets: a count per parent of a scoped list.
    "count, countBy and existsBy of a child by the key of a scoped parent",
    `const orders = await repo.findBy({ tenantId });
for (const order of orders) await lines.count({ where: { orderId: order.id } });
const one = await repo.findOneBy({ id, tenantId });
if (!one) throw new Error("not found");
return [await lines.countBy({ orderId: one.id }), await lines.existsBy({ orderId: one.id })];`,
    [],
  ],
  [
    "twin: counted by a parent key from the request",
    `return [await lines.count({ where: { orderId: input.orderId } }), await lines.countBy({ orderId: input.orderId })];`,
    ["count({ where: { orderId: input.orderId } })", "countBy({ orderId: input.orderId })"],
  ],
  [
    "delete(id) of a scoped findOneBy's row",
    `const order = await repo.findOneBy({ id, tenantId });
if (!order) throw new Error("not found");
await repo.delete(order.id);`,
    [],
  ],
  [
    "twin: delete(id) of an unscoped findOneBy's row",
    `const order = await repo.findOneBy({ id });
if (!order) throw new Error("not found");
await repo.delete(order.id);`,
    ["findOneBy({ id })", "delete(order.id)"],
  ],
  [
    "delete({ id }) after findOneByOrFail verified the key",
    `await repo.findOneByOrFail({ id: input.id, tenantId });
await repo.delete({ id: input.id });`,
    [],
  ],
  [
    "findOne({ where: { id } }) with an ownership check",
    `const order = await repo.findOne({ where: { id } });
if (order?.tenantId !== tenantId) throw new Error("forbidden");
return order;`,
    [],
  ],
  [
    "an ownership check on the entity's own name for the tenant field (workspace -> tenant_id)",
    `const ticket = await AppDataSource.getRepository(Ticket).findOne({ where: { id } });
if (ticket?.workspace !== tenantId) throw new Error("forbidden");
return ticket;`,
    [],
  ],
  [
    "twin: the same read with no check",
    `const ticket = await AppDataSource.getRepository(Ticket).findOne({ where: { id } });
return ticket;`,
    ["findOne({ where: { id } })"],
  ],
  [
    "twin: findOne({ where: { id } }) whose check only sends a 403",
    `const order = await repo.findOne({ where: { id } });
if (order?.tenantId !== tenantId) { console.warn("forbidden"); }
return order;`,
    ["findOne({ where: { id } })"],
  ],
  [
    "manager.delete(Order, ids) with In over owned ids",
    `const rows = await repo.findBy({ tenantId });
await AppDataSource.manager.delete(Order, { id: In(rows.map((r) => r.id)) });`,
    [],
  ],
  [
    // Flowise's changeUpdateOnDataset: a save hands the row to TypeORM, which keeps its key.
    "a scoped row saved twice, or in the else of an if that saves it too",
    `const order = await repo.findOneBy({ id, tenantId });
if (!order) throw new Error("not found");
await repo.save(order);
if (input.id) {
  await repo.save(order);
} else {
  await repo.save(order);
}
await repo.save(order);`,
    [],
  ],
  [
    "twin: a row handed to another call before it is saved, or read unscoped and saved in both branches",
    `const order = await repo.findOneBy({ id, tenantId });
if (!order) throw new Error("not found");
applyPatch(order, input);
await repo.save(order);
const other = await repo.findOneBy({ id: input.id });
if (input.id) await repo.save(other!);
else await repo.save(other!);`,
    ["save(order)", "findOneBy({ id: input.id })", "save(other!)", "save(other!)"],
  ],
  [
    "twin: in a loop, the then branch of one pass rewrites the row before the else of the next saves it",
    `const order = await repo.findOneBy({ id, tenantId });
if (!order) throw new Error("not found");
for (const patch of [input, input]) {
  if (patch.id) Object.assign(order, patch);
  else await repo.save(order);
}`,
    ["save(order)"],
  ],
  [
    "twin: a callback run for each element, or a save by something that is no repository",
    `const order = await repo.findOneBy({ id, tenantId });
if (!order) throw new Error("not found");
[input, input].forEach((patch) => {
  if (patch.id) Object.assign(order, patch);
  else void repo.save(order);
});
await audit.save(order, input);
await repo.save(order);`,
    ["save(order)", "save(order)"],
  ],
  [
    "id of a row saved with the tenant",
    `const saved = await repo.save({ tenantId, status: "new" });
await repo.update(saved.id, { status: "open" });`,
    [],
  ],
  [
    "save of rows a scoped read returned, mapped by their own keys",
    `const rows = await repo.findBy({ tenantId, status: "new" });
await repo.save(rows.map((r) => ({ id: r.id, status: "open" })));
await repo.save(rows.map(({ id }) => ({ id, status: "open" })));`,
    [],
  ],
  [
    "twin: save of rows mapped from request input, each by its key",
    `await repo.save(input.items.map((r) => ({ id: r.id, status: "open", tenantId })));
await repo.save(input.items.map(({ id }) => ({ id, status: "open", tenantId })));`,
    [
      'save(input.items.map((r) => ({ id: r.id, status: "open", tenantId })))',
      'save(input.items.map(({ id }) => ({ id, status: "open", tenantId })))',
    ],
  ],
  [
    "twin: rows of a scoped read mapped to a key they do not carry",
    `const rows = await repo.findBy({ tenantId, status: "new" });
await repo.save(rows.map((r) => ({ id: input.id, status: "open" })));`,
    ['save(rows.map((r) => ({ id: input.id, status: "open" })))'],
  ],
  [
    "twin: rows of a scoped read whose keys a forEach callback rewrites first",
    `const rows = await repo.findBy({ tenantId, status: "new" });
rows.forEach((r) => { r.id = input.id; });
await repo.save(rows.map((r) => ({ id: r.id, status: "open" })));`,
    ['save(rows.map((r) => ({ id: r.id, status: "open" })))'],
  ],
  [
    "rows of a scoped read looked at through array methods that change nothing, then saved",
    `const rows = await repo.findBy({ tenantId, status: "new" });
const first = rows.find((r) => r.status === "new")?.status;
const ids = rows.map((r) => r.id).filter((id) => id !== input.skip);
rows.forEach((r, i) => logger.info(r.id, i));
const total = rows.reduce((acc, r) => acc + r.amount, 0);
const rest = rows.slice(1).length + (rows.at(0)?.amount ?? 0) + (rows.includes(input.row) ? 1 : 0);
await repo.save(rows);`,
    [],
  ],
  [
    "twin: rows of a scoped read changed through what an array method hands back (find, filter, slice, at, map(r => r))",
    `const rows = await repo.findBy({ tenantId, status: "new" });
const first = rows.find((r) => r.status === "new");
if (first) first.id = input.id;
await repo.save(rows);
const more = await repo.findBy({ tenantId, status: "old" });
more.filter((r) => r.status === "old")[0].id = input.id;
await repo.save(more);
const last = await repo.findBy({ tenantId, status: "x" });
last.slice()[0].id = input.id;
await repo.save(last);
const same = await repo.findBy({ tenantId, status: "y" });
same.map((r) => r)[0].id = input.id;
await repo.save(same);
const one = await repo.findBy({ tenantId, status: "z" });
one[0].id = input.id;
await repo.save(one);`,
    ["save(rows)", "save(more)", "save(last)", "save(same)", "save(one)"],
  ],
  [
    "twin: rows of a scoped read changed through the array a callback is handed, or reduce's element",
    `const rows = await repo.findBy({ tenantId, status: "new" });
rows.forEach((r, i, all) => { all[i].id = input.id; });
await repo.save(rows);
const more = await repo.findBy({ tenantId, status: "old" });
more.reduce((acc, r) => { r.id = input.id; return acc; }, 0);
await repo.save(more);`,
    ["save(rows)", "save(more)"],
  ],
  [
    "twin: a map callback that keys one of its rows by request input, or rewrites the element before reading its key",
    `const rows = await repo.findBy({ tenantId, status: "new" });
await repo.save(rows.map((r) => { if (r.status === "x") return { id: input.id }; return { id: r.id }; }));
await repo.save(rows.map((r) => { r.id = input.id; return { id: r.id }; }));`,
    [
      'save(rows.map((r) => { if (r.status === "x") return { id: input.id }; return { id: r.id }; }))',
      "save(rows.map((r) => { r.id = input.id; return { id: r.id }; }))",
    ],
  ],
  [
    "twin: rows of a scoped read handed to a callback it cannot read",
    `const rows = await repo.findBy({ tenantId, status: "new" });
rows.forEach(reassign);
await repo.save(rows.map((r) => ({ id: r.id, status: "open" })));`,
    ['save(rows.map((r) => ({ id: r.id, status: "open" })))'],
  ],
]);

const SEQUELIZE = `import { Invoice } from "../models/invoice.model";`;

table("Sequelize: ownership proven earlier in the flow", (b) => entities(SEQUELIZE, b), [
  [
    "destroy by the id of a scoped findOne",
    `const inv = await Invoice.findOne({ where: { id, tenantId } });
if (!inv) throw new Error("not found");
await Invoice.destroy({ where: { id: inv.id } });`,
    [],
  ],
  [
    "twin: destroy by the id of findByPk",
    `const inv = await Invoice.findByPk(id);
if (!inv) throw new Error("not found");
await Invoice.destroy({ where: { id: inv.id } });`,
    ["findByPk(id)", "destroy({ where: { id: inv.id } })"],
  ],
  [
    "findByPk checked against the tenant",
    `const inv = await Invoice.findByPk(id);
if (!inv || inv.tenantId !== tenantId) throw new Error("forbidden");
return inv;`,
    [],
  ],
  [
    "twin: findByPk whose check falls through",
    `const inv = await Invoice.findByPk(id);
if (!inv || inv.tenantId !== tenantId) { console.error("forbidden"); }
return inv;`,
    ["findByPk(id)"],
  ],
  [
    "update where id in the ids of a scoped findAll",
    `const rows = await Invoice.findAll({ where: { tenantId } });
await Invoice.update({ amount: 0 }, { where: { id: rows.map((r) => r.id) } });`,
    [],
  ],
  [
    "twin: update where id is a request id",
    `await Invoice.update({ amount: 0 }, { where: { id: input.id } });`,
    ["update({ amount: 0 }, { where: { id: input.id } })"],
  ],
  [
    "id of a row created with the tenant",
    `const inv = await Invoice.create({ tenantId, amount: 0 });
await Invoice.update({ amount: 10 }, { where: { id: inv.id } });`,
    [],
  ],
]);

const POSTGRES = `import postgres from "postgres";\nconst sql = postgres();`;
const SLONIK = `import { createPool, sql } from "slonik";\nconst pool = await createPool("postgres://");`;

function raw(prelude: string, body: string): string[] {
  const text = caseModule(prelude, body, "id: string, tenantId: string, input: { id: string }");
  return missing(text, analyzeText(parser, text));
}

table("postgres.js: ownership proven earlier in the flow", (b) => raw(POSTGRES, b), [
  [
    "destructured row of a scoped select",
    "const [order] = await sql`SELECT id FROM orders WHERE id = ${id} AND tenant_id = ${tenantId}`;\nif (!order) throw new Error('not found');\nawait sql`DELETE FROM orders WHERE id = ${order.id}`;",
    [],
  ],
  [
    "twin: destructured row of an unscoped select",
    "const [order] = await sql`SELECT id FROM orders WHERE status = ${input.id}`;\nawait sql`DELETE FROM orders WHERE id = ${order.id}`;",
    ["orders", "orders"],
  ],
]);

table("slonik: ownership proven earlier in the flow", (b) => raw(SLONIK, b), [
  [
    "one() of a scoped select",
    "const order = await pool.one(sql.unsafe`SELECT id FROM orders WHERE id = ${id} AND tenant_id = ${tenantId}`);\nawait pool.query(sql.unsafe`DELETE FROM orders WHERE id = ${order.id}`);",
    [],
  ],
  [
    "manyFirst() ids of a scoped select",
    "const ids = await pool.manyFirst(sql.unsafe`SELECT id FROM orders WHERE tenant_id = ${tenantId}`);\nawait pool.query(sql.unsafe`DELETE FROM orders WHERE id = ANY(${ids})`);",
    [],
  ],
  [
    "twin: maybeOne() by id, used unchecked",
    "const order = await pool.maybeOne(sql.unsafe`SELECT * FROM orders WHERE id = ${id}`);\nawait pool.query(sql.unsafe`DELETE FROM orders WHERE id = ${order.id}`);",
    ["orders", "orders"],
  ],
]);

describe("TypeORM: a query builder on a table owned through its parent (grist's secrets)", () => {
  test("is flagged with the way to its parent, and no fix that adds a tenant column it does not have", () => {
    const text = caseModule(
      TYPEORM,
      `return lines.createQueryBuilder("l").where("l.order_id = :orderId", { orderId: input.id }).getMany();`,
      "id: string, tenantId: string, input: { id: string }",
    );
    const sourceFile = ts.createSourceFile("/p/src/service.ts", text, ts.ScriptTarget.Latest, true);
    const [f, ...rest] = analyzeSourceFile({
      ts,
      sourceFile,
      config: resolveConfig({ tenantColumns: ["tenant_id"] }, "/p", undefined),
      model: entityModel,
      parser,
      relativePath: "src/service.ts",
    });
    assert.deepEqual(rest, []);
    assert.equal(f?.ruleId, "missing-tenant-filter");
    assert.match(f!.message, /"order_lines" is tenant-owned through "orders" \(order_lines\.order_id -> orders\.id\)/);
    assert.deepEqual(f!.fixes, []);
  });
});

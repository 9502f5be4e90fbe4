// TypeORM repository, entity-manager, Active Record and query-builder calls: what leaks,
// what is safe, and the message each finding gives.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import ts from "typescript";
import { analyzeSourceFile } from "../../server/src/analyzer/analyze";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import { discoverTenantModel } from "../../server/src/analyzer/model/discover";
import type { TenantModel } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { runFlow } from "../helpers/flow-run";
import { sqlParser } from "../helpers/sql";
import { createMemoryFs } from "../helpers/memory-fs";

export const ENTITIES: Record<string, string> = {
  "/p/src/entities/tenant-scoped.ts": `
import { Column } from "typeorm";
export abstract class TenantScoped {
  @Column({ name: "tenant_id" })
  tenantId!: string;
}`,
  "/p/src/entities/order.entity.ts": `
import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from "typeorm";
import { Customer } from "./customer.entity";
import { TenantScoped } from "./tenant-scoped";
@Entity("orders")
export class Order extends TenantScoped {
  @PrimaryGeneratedColumn("uuid") id!: string;
  @Column() status!: string;
  @Column({ name: "customer_id" }) customerId!: string;
  @ManyToOne(() => Customer, { nullable: false })
  @JoinColumn({ name: "customer_id" })
  customer!: Customer;
}`,
  "/p/src/entities/customer.entity.ts": `
import { Entity, JoinColumn, ManyToOne, PrimaryColumn, Column } from "typeorm";
import { Tenant } from "./tenant.entity";
@Entity({ name: "customers" })
export class Customer {
  @PrimaryColumn() id!: string;
  @Column() email!: string;
  @ManyToOne(() => Tenant)
  @JoinColumn({ name: "tenant_id" })
  tenant!: Tenant;
}`,
  "/p/src/entities/tenant.entity.ts": `
import { Entity, PrimaryColumn, Column } from "typeorm";
@Entity("tenants")
export class Tenant { @PrimaryColumn() id!: string; @Column() name!: string; }`,
  "/p/src/entities/plan.entity.ts": `
import { Entity, PrimaryColumn, Column } from "typeorm";
@Entity("plans")
export class Plan { @PrimaryColumn() id!: string; @Column() name!: string; }`,
};

let parser: SqlParser;
let model: TenantModel;
before(async () => {
  parser = await sqlParser();
  model = discoverTenantModel(
    createMemoryFs(ENTITIES),
    resolveConfig({ tenantColumns: ["tenant_id"] }, "/p", undefined),
    parser,
    ts,
  ).model;
});

export const PRELUDE = `import { Brackets, In, IsNull, Not, Like, NotBrackets, Repository } from "typeorm";
import { AppDataSource } from "../data-source";
import { Customer, Order, Plan } from "../entities";
const orderRepo = AppDataSource.getRepository(Order);
const customerRepo = AppDataSource.getRepository(Customer);
const planRepo = AppDataSource.getRepository(Plan);
`;

export function fn(body: string): string {
  return `${PRELUDE}export async function f(id: string, tenantId: string, status: string, ids: string[]) {\n  ${body}\n}\n`;
}

/** With `callers`, a helper's calls in the same file are followed (as the CLI does). */
function run(code: string, callers = false) {
  const sourceFile = ts.createSourceFile("/p/src/orders/service.ts", code, ts.ScriptTarget.Latest, true);
  const config = resolveConfig({ tenantColumns: ["tenant_id"] }, "/p", undefined);
  const callerFiles = callers ? () => [sourceFile] : undefined;
  return analyzeSourceFile({
    ts,
    sourceFile,
    config,
    model,
    parser,
    relativePath: "src/orders/service.ts",
    callerFiles,
  }).map((f) => ({
    rule: f.ruleId,
    at: code.slice(f.start, f.end),
    table: f.table,
    message: f.message,
  }));
}

interface Case {
  name: string;
  body: string;
  /** [rule, underlined text]; empty: safe. */
  expected: [string, string][];
}

const leaks: Case[] = [
  {
    name: "findOneBy({ id }) alone",
    body: `return orderRepo.findOneBy({ id });`,
    expected: [["missing-tenant-filter", "findOneBy({ id })"]],
  },
  {
    name: "findOne({ where: { id } }) alone",
    body: `return orderRepo.findOne({ where: { id } });`,
    expected: [["missing-tenant-filter", "findOne({ where: { id } })"]],
  },
  { name: "find() without options", body: `return orderRepo.find();`, expected: [["missing-tenant-filter", "find()"]] },
  {
    name: "find without where",
    body: `return orderRepo.find({ order: { id: "ASC" }, take: 10 });`,
    expected: [["missing-tenant-filter", `find({ order: { id: "ASC" }, take: 10 })`]],
  },
  {
    name: "count() of every tenant",
    body: `return orderRepo.count();`,
    expected: [["missing-tenant-filter", "count()"]],
  },
  {
    name: "findAndCountBy without tenant",
    body: `return orderRepo.findAndCountBy({ status });`,
    expected: [["missing-tenant-filter", "findAndCountBy({ status })"]],
  },
  {
    name: "array where: every element spread in under a condition, so it may be [] (no condition at all)",
    body: `return orderRepo.find({ where: [...(status ? [{ tenantId, status }] : []), ...(id ? [{ tenantId, id }] : [])] });`,
    expected: [
      [
        "weak-tenant-filter",
        "find({ where: [...(status ? [{ tenantId, status }] : []), ...(id ? [{ tenantId, id }] : [])] })",
      ],
    ],
  },
  {
    name: "array where: an element spread in under a condition without the tenant",
    body: `return orderRepo.find({ where: [{ status, tenantId }, ...(ids.length ? [{ id: In(ids) }] : [])] });`,
    expected: [
      ["weak-tenant-filter", "find({ where: [{ status, tenantId }, ...(ids.length ? [{ id: In(ids) }] : [])] })"],
    ],
  },
  {
    name: "array where with the tenant in one element only",
    body: `return orderRepo.find({ where: [{ status, tenantId }, { id }] });`,
    expected: [["weak-tenant-filter", "find({ where: [{ status, tenantId }, { id }] })"]],
  },
  {
    name: "the tenant set on a where object only under an if (Flowise's executions)",
    body: `const query: any = { id };\n  if (status) query.tenantId = tenantId;\n  return orderRepo.findOne({ where: query });`,
    expected: [["weak-tenant-filter", "findOne({ where: query })"]],
  },
  {
    name: "a where object that never gets the tenant",
    body: `const query: any = { id };\n  query.status = status;\n  return orderRepo.findOneBy(query);`,
    expected: [["missing-tenant-filter", "findOneBy(query)"]],
  },
  {
    name: "a query builder aliased by the table's name, the tenant added under an if: weak, not missing",
    body: `const qb = orderRepo.createQueryBuilder("orders");\n  if (status) qb.andWhere("orders.tenantId = :tenantId", { tenantId });\n  return qb.getMany();`,
    expected: [["weak-tenant-filter", `createQueryBuilder("orders")`]],
  },
  {
    name: "Not(tenantId)",
    body: `return orderRepo.findBy({ tenantId: Not(tenantId) });`,
    expected: [["weak-tenant-filter", "findBy({ tenantId: Not(tenantId) })"]],
  },
  {
    name: "Like on the tenant",
    body: `return orderRepo.findBy({ tenantId: Like("a%") });`,
    expected: [["weak-tenant-filter", `findBy({ tenantId: Like("a%") })`]],
  },
  {
    name: "tenantId: undefined drops the filter",
    body: `return orderRepo.findOneBy({ id, tenantId: undefined });`,
    expected: [["weak-tenant-filter", "findOneBy({ id, tenantId: undefined })"]],
  },
  {
    name: "update by bare id",
    body: `await orderRepo.update(id, { status });`,
    expected: [["missing-tenant-filter", "update(id, { status })"]],
  },
  {
    name: "delete by bare id",
    body: `await orderRepo.delete(id);`,
    expected: [["missing-tenant-filter", "delete(id)"]],
  },
  {
    name: "softDelete by ids",
    body: `await orderRepo.softDelete(ids);`,
    expected: [["missing-tenant-filter", "softDelete(ids)"]],
  },
  {
    name: "update by a where without tenant",
    body: `await orderRepo.update({ status: "open" }, { status });`,
    expected: [["missing-tenant-filter", `update({ status: "open" }, { status })`]],
  },
  {
    name: "increment without tenant",
    body: `await orderRepo.increment({ id }, "total", 1);`,
    expected: [["missing-tenant-filter", `increment({ id }, "total", 1)`]],
  },
  {
    name: "save of a literal without tenant",
    body: `await orderRepo.save({ status, customerId: id });`,
    expected: [["missing-tenant-on-insert", "save({ status, customerId: id })"]],
  },
  {
    // TypeORM's save loads the row by its key alone and updates it: the tenant written moves it.
    name: "save of an object with its key: an update by that key (ever-gauzy's time slots)",
    body: `await orderRepo.save({ id, status, tenantId });\n  await orderRepo.save({ id, ...ids, tenantId });`,
    expected: [
      ["missing-tenant-filter", "save({ id, status, tenantId })"],
      ["missing-tenant-filter", "save({ id, ...ids, tenantId })"],
    ],
  },
  {
    name: "save of rows mapped from a list, each by its key",
    body: `await orderRepo.save(items.map((i) => ({ id: i.id, status, tenantId })));`,
    expected: [["missing-tenant-filter", "save(items.map((i) => ({ id: i.id, status, tenantId })))"]],
  },
  {
    name: "save of rows mapped without a key: inserts",
    body: `await orderRepo.save(items.map((i) => ({ status: i.status, tenantId })));`,
    expected: [],
  },
  {
    name: "insert of rows, one without tenant",
    body: `await orderRepo.insert([{ status, tenantId }, { status }]);`,
    expected: [["missing-tenant-on-insert", "insert([{ status, tenantId }, { status }])"]],
  },
  {
    name: "save(repo.create({...})) without tenant",
    body: `const o = orderRepo.create({ status });\n  await orderRepo.save(o);`,
    expected: [["missing-tenant-on-insert", "save(o)"]],
  },
  {
    // Flowise's updateChatflow: merge copies the patch over the row, and the result keeps a key.
    name: "save of repo.merge(row, patch) or repo.create(input): the key the sources hold",
    body: `const row = await orderRepo.findOneByOrFail({ id });\n  const merged = orderRepo.merge(row, { status });\n  await orderRepo.save(merged);\n  await orderRepo.save(orderRepo.create({ id, status, tenantId }));\n  await orderRepo.save(Object.assign(new Order(), { id, status, tenantId }));`,
    expected: [
      ["missing-tenant-filter", "findOneByOrFail({ id })"],
      ["missing-tenant-filter", "save(merged)"],
      ["missing-tenant-filter", "save(orderRepo.create({ id, status, tenantId }))"],
      ["missing-tenant-filter", "save(Object.assign(new Order(), { id, status, tenantId }))"],
    ],
  },
  {
    name: "manager.find(Order, ...) without tenant",
    body: `return AppDataSource.manager.find(Order, { where: { status } });`,
    expected: [["missing-tenant-filter", "find(Order, { where: { status } })"]],
  },
  {
    name: "transaction manager findOneBy",
    body: `return AppDataSource.transaction((em) => em.findOneBy(Order, { id }));`,
    expected: [["missing-tenant-filter", "findOneBy(Order, { id })"]],
  },
  {
    name: "manager.getRepository(...) chained",
    body: `return AppDataSource.manager.getRepository(Order).findBy({ status });`,
    expected: [["missing-tenant-filter", "findBy({ status })"]],
  },
  {
    name: "Active Record static call",
    body: `return Order.findOneBy({ id });`,
    expected: [["missing-tenant-filter", "findOneBy({ id })"]],
  },
  {
    name: "relation filter to a parent without tenant",
    body: `return orderRepo.find({ where: { customer: { email: status } } });`,
    expected: [["missing-tenant-filter", "find({ where: { customer: { email: status } } })"]],
  },
  {
    name: "customer keyed by relation only",
    body: `return customerRepo.findOneBy({ id });`,
    expected: [["missing-tenant-filter", "findOneBy({ id })"]],
  },
  {
    name: "upsert on a conflict key without the tenant",
    body: `await orderRepo.upsert({ id, status, tenantId }, ["id"]);`,
    expected: [["missing-tenant-filter", `upsert({ id, status, tenantId }, ["id"])`]],
  },
  {
    name: "upsert on a conflict key from a call that makes no new id",
    body: `await orderRepo.upsert({ id: currentOrderId(), status, tenantId }, ["id"]);`,
    expected: [["missing-tenant-filter", `upsert({ id: currentOrderId(), status, tenantId }, ["id"])`]],
  },
  {
    name: "upsert on a conflict key the caller hands in, beside one made fresh",
    body: `await orderRepo.upsert([{ id: randomUUID(), status, tenantId }, { id, status, tenantId }], ["id"]);`,
    expected: [
      ["missing-tenant-filter", `upsert([{ id: randomUUID(), status, tenantId }, { id, status, tenantId }], ["id"])`],
    ],
  },
  {
    name: "upsert with conflictPaths options",
    body: `await orderRepo.upsert({ id, status, tenantId }, { conflictPaths: ["id"], skipUpdateIfNoValuesChanged: true });`,
    expected: [
      [
        "missing-tenant-filter",
        `upsert({ id, status, tenantId }, { conflictPaths: ["id"], skipUpdateIfNoValuesChanged: true })`,
      ],
    ],
  },
  {
    name: "TypeORM 0.2 findOne(id)",
    body: `return orderRepo.findOne(id);`,
    expected: [["missing-tenant-filter", "findOne(id)"]],
  },
  {
    name: "TypeORM 0.2 findByIds(ids)",
    body: `return orderRepo.findByIds(ids);`,
    expected: [["missing-tenant-filter", "findByIds(ids)"]],
  },
  {
    name: "TypeORM 0.2 conditions without where",
    body: `return orderRepo.find({ status });`,
    expected: [["missing-tenant-filter", "find({ status })"]],
  },
  {
    name: "where built elsewhere",
    body: `const filter = JSON.parse(status);\n  return orderRepo.find({ where: filter });`,
    expected: [["dynamic-sql", "find({ where: filter })"]],
  },
  {
    name: "query builder without where",
    body: `return orderRepo.createQueryBuilder("o").orderBy("o.id").getMany();`,
    expected: [["missing-tenant-filter", `createQueryBuilder("o")`]],
  },
  {
    name: "query builder by id only",
    body: `return orderRepo.createQueryBuilder("o").where("o.id = :id", { id }).getOne();`,
    expected: [["missing-tenant-filter", `createQueryBuilder("o")`]],
  },
  {
    name: "query builder: orWhere weakens the tenant",
    body: `return orderRepo.createQueryBuilder("o").where("o.tenantId = :tenantId", { tenantId }).orWhere("o.status = :status", { status }).getMany();`,
    expected: [["weak-tenant-filter", `createQueryBuilder("o")`]],
  },
  {
    name: "query builder: OR inside where binds looser than andWhere",
    body: `return orderRepo.createQueryBuilder("o").where("o.status = 'a' OR o.status = 'b'").andWhere("o.tenant_id = :t", { t: tenantId }).getMany();`,
    expected: [["weak-tenant-filter", `createQueryBuilder("o")`]],
  },
  {
    name: "query builder: tenant only under an if",
    body: `const qb = orderRepo.createQueryBuilder("o").where("o.status = :status", { status });\n  if (tenantId) qb.andWhere("o.tenantId = :tenantId", { tenantId });\n  return qb.getMany();`,
    expected: [["weak-tenant-filter", `createQueryBuilder("o")`]],
  },
  {
    name: "data source builder with from(Order)",
    body: `return AppDataSource.createQueryBuilder().select("o.id").from(Order, "o").where("o.status = :status", { status }).getRawMany();`,
    expected: [["missing-tenant-filter", `from(Order, "o")`]],
  },
  {
    name: "manager builder update by id",
    body: `await AppDataSource.manager.createQueryBuilder().update(Order).set({ status }).where("id = :id", { id }).execute();`,
    expected: [["missing-tenant-filter", "update(Order)"]],
  },
  {
    name: "builder insert without tenant",
    body: `await AppDataSource.createQueryBuilder().insert().into(Order).values({ status }).execute();`,
    expected: [["missing-tenant-on-insert", "values({ status })"]],
  },
  {
    name: "a conditional spread: neither branch holds the tenant, or one only (ever-gauzy's time slots)",
    body: `await orderRepo.findOne({ where: { ...(status ? { status } : {}), id } });\n  await orderRepo.findOne({ where: { ...(status ? { status, tenantId } : {}), id } });\n  await orderRepo.findOne({ where: { ...(status && { tenantId }), id } });`,
    expected: [
      ["missing-tenant-filter", "findOne({ where: { ...(status ? { status } : {}), id } })"],
      ["weak-tenant-filter", "findOne({ where: { ...(status ? { status, tenantId } : {}), id } })"],
      ["weak-tenant-filter", "findOne({ where: { ...(status && { tenantId }), id } })"],
    ],
  },
  {
    name: "query builder with a Brackets condition that holds no tenant",
    body: `return orderRepo.createQueryBuilder("o").where(new Brackets((qb) => qb.where("o.status = :status", { status }))).getMany();`,
    expected: [["missing-tenant-filter", `createQueryBuilder("o")`]],
  },
  {
    name: "a where callback whose tenant condition is in an orWhere, or negated by NotBrackets",
    body: `const a = orderRepo.createQueryBuilder("o");
  a.where((qb) => {
    qb.where("o.status = :status", { status });
    qb.orWhere(\`"\${qb.alias}"."tenant_id" = :tenantId\`, { tenantId });
  });
  await a.getMany();
  await orderRepo.createQueryBuilder("o").where(new NotBrackets((qb) => qb.where("o.tenantId = :tenantId", { tenantId }))).getMany();`,
    expected: [
      ["weak-tenant-filter", `createQueryBuilder("o")`],
      ["weak-tenant-filter", `createQueryBuilder("o")`],
    ],
  },
  {
    name: "a plain where callback's conditions join the builder's own in order (not grouped), and `${other.alias}` is another builder's",
    body: `const q = orderRepo.createQueryBuilder("o");\n  q.where((qb) => {\n    qb.where("o.status = :s", { s: status });\n    qb.orWhere("o.id = :id", { id });\n  });\n  q.andWhere("o.tenantId = :t", { t: tenantId });\n  await q.getMany();\n  const sub = customerRepo.createQueryBuilder("c");\n  await orderRepo.createQueryBuilder("o").where(\`"\${sub.alias}"."tenant_id" = :t\`, { t: tenantId }).getMany();`,
    expected: [
      ["weak-tenant-filter", `createQueryBuilder("o")`],
      ["missing-tenant-filter", `createQueryBuilder("o")`],
    ],
  },
  {
    name: "a where callback that branches: tenantguard cannot tell",
    body: `return orderRepo.createQueryBuilder("o").where((qb) => {
    if (status) qb.andWhere("o.tenantId = :tenantId", { tenantId });
  }).getMany();`,
    expected: [["dynamic-sql", `createQueryBuilder("o")`]],
  },
];

const safe: Case[] = [
  { name: "findOneBy({ id, tenantId })", body: `return orderRepo.findOneBy({ id, tenantId });`, expected: [] },
  {
    // ever-gauzy writes nearly every builder this way.
    name: "a where callback whose conditions hold the tenant, the alias spelled `${qb.alias}`; a Brackets around it",
    body: `const query = orderRepo.createQueryBuilder("o");
  query.where((qb) => {
    qb.andWhere(\`"\${qb.alias}"."tenant_id" = :tenantId\`, { tenantId });
    qb.andWhere(\`"\${query.alias}"."status" = :status\`, { status });
  });
  await query.getMany();
  await orderRepo.createQueryBuilder("o").where(new Brackets((qb) => qb.where("o.tenantId = :tenantId", { tenantId }).andWhere("o.status = :status", { status }))).getMany();`,
    expected: [],
  },
  {
    name: "a conditional spread beside the tenant, or with the tenant in both branches",
    body: `await orderRepo.findOne({ where: { ...(status ? { status } : {}), id, tenantId } });\n  await orderRepo.findOne({ where: { ...(status ? { status, tenantId } : { tenantId }), id } });`,
    expected: [],
  },
  {
    name: "a builder made inside an if: its own calls are not conditional",
    body: `if (status) {
    const query = orderRepo.createQueryBuilder("o");
    query.where("o.tenantId = :tenantId", { tenantId });
    await query.getMany();
  }`,
    expected: [],
  },
  {
    name: "tenant field on a later line",
    body: `return orderRepo.findOne({\n    where: {\n      id,\n      status,\n      tenantId,\n    },\n  });`,
    expected: [],
  },
  {
    // ToolJet's getUsersInGroup: \`...(lastName ? [{ ...baseWhere, ... }] : [])\` as the last element.
    name: "array where: an element spread in under a condition, the tenant in every element",
    body: `const base = { tenantId };\n  return orderRepo.find({ where: [{ ...base, status }, ...(ids.length ? [{ ...base, id: In(ids) }] : [])] });`,
    expected: [],
  },
  {
    name: "array where with the tenant in every element",
    body: `return orderRepo.find({ where: [{ status, tenantId }, { id, tenantId }] });`,
    expected: [],
  },
  { name: "In([...]) of tenants", body: `return orderRepo.findBy({ tenantId: In([tenantId]) });`, expected: [] },
  { name: "shared rows only", body: `return orderRepo.findBy({ tenantId: IsNull() });`, expected: [] },
  {
    name: "where through a const",
    body: `const where = { id, tenantId };\n  return orderRepo.findOne({ where });`,
    expected: [],
  },
  {
    name: "relation filter to a scoped parent",
    body: `return orderRepo.find({ where: { customer: { tenant: { id: tenantId } } } });`,
    expected: [],
  },
  {
    name: "relation to the tenant",
    body: `return customerRepo.findOneBy({ id, tenant: { id: tenantId } });`,
    expected: [],
  },
  { name: "update with a tenant where", body: `await orderRepo.update({ id, tenantId }, { status });`, expected: [] },
  { name: "delete with a tenant where", body: `await orderRepo.delete({ id, tenantId });`, expected: [] },
  { name: "save with tenant", body: `await orderRepo.save({ status, tenantId });`, expected: [] },
  {
    name: "save by the key of a row read with the tenant, or with a key left undefined (an insert)",
    body: `const o = await orderRepo.findOneByOrFail({ id, tenantId });
  await orderRepo.save({ id: o.id, status, tenantId });
  await orderRepo.save({ id: undefined, status, tenantId });
  const fresh = randomUUID();
  await orderRepo.save({ id: randomUUID(), status, tenantId });
  await orderRepo.save({ id: fresh, status, tenantId });
  await orderRepo.save({ id: generateNanoId(), status, tenantId });`,
    expected: [],
  },
  {
    // A call with no arguments that makes no id may name an existing row: a write by its key.
    name: "save by a key from a call that makes no new id",
    body: `await orderRepo.save({ id: currentOrderId(), status, tenantId });`,
    expected: [["missing-tenant-filter", "save({ id: currentOrderId(), status, tenantId })"]],
  },
  {
    name: "save of a loaded entity",
    body: `const o = await orderRepo.findOneByOrFail({ id, tenantId });\n  o.status = status;\n  await orderRepo.save(o);`,
    expected: [],
  },
  {
    name: "save of a scoped row merged with a patch, or of an entity created without a key",
    body: `const o = await orderRepo.findOneByOrFail({ id, tenantId });\n  await orderRepo.save(orderRepo.merge(o, { status }));\n  await orderRepo.save(orderRepo.create({ status, tenantId }));\n  await orderRepo.save(Object.assign(new Order(), { status, tenantId }));`,
    expected: [],
  },
  {
    name: "insert of rows all with tenant",
    body: `await orderRepo.insert([{ status, tenantId }, { status: "x", tenantId }]);`,
    expected: [],
  },
  {
    name: "manager.find with tenant",
    body: `return AppDataSource.manager.find(Order, { where: { status, tenantId } });`,
    expected: [],
  },
  {
    // activepieces' createPlaceholder: \`upsert({ id: apId(), ... }, ["id"])\`: a key made here holds no row yet.
    name: "upsert on a conflict key the call makes fresh",
    body: `await orderRepo.upsert({ id: randomUUID(), status, tenantId }, ["id"]);\n  const fresh = apId();\n  await orderRepo.upsert([{ id: fresh, status, tenantId }], ["id"]);`,
    expected: [],
  },
  {
    name: "upsert keyed on the tenant too",
    body: `await orderRepo.upsert({ id, status, tenantId }, ["id", "tenantId"]);`,
    expected: [],
  },
  {
    name: "TypeORM 0.2 conditions with the tenant",
    body: `return orderRepo.find({ status, tenantId });`,
    expected: [],
  },
  { name: "a global entity", body: `return planRepo.find();`, expected: [] },
  {
    name: "global entity through the manager",
    body: `return AppDataSource.manager.findOneBy(Plan, { id });`,
    expected: [],
  },
  {
    name: "query builder with the tenant in where and extra andWheres",
    body: `return orderRepo\n    .createQueryBuilder("o")\n    .where("o.tenantId = :tenantId", { tenantId })\n    .andWhere("o.status = :status", { status })\n    .andWhere("o.id IN (:...ids)", { ids })\n    .getMany();`,
    expected: [],
  },
  {
    name: "query builder with the raw column name",
    body: `return orderRepo.createQueryBuilder("order").where("order.tenant_id = :tid AND order.id = :id", { tid: tenantId, id }).getOne();`,
    expected: [],
  },
  {
    name: "query builder continued through a variable",
    body: `const qb = orderRepo.createQueryBuilder("o").where("o.tenantId = :tenantId", { tenantId });\n  if (status) qb.andWhere("o.status = :status", { status });\n  return qb.getMany();`,
    expected: [],
  },
  {
    name: "query builder narrowed in the very next statement, written without semicolons (Flowise)",
    body: `const qb = orderRepo.createQueryBuilder("o")\n  qb.andWhere("o.tenantId = :tenantId", { tenantId })\n  return qb.getMany()`,
    expected: [],
  },
  {
    name: "a repository's query builder aliased by the table's own name (Flowise's chat_flow)",
    body: `const qb = orderRepo.createQueryBuilder("orders");\n  qb.andWhere("orders.tenantId = :tenantId", { tenantId });\n  return qb.getMany();`,
    expected: [],
  },
  {
    name: "the tenant set on a where object before the query",
    body: `const query: any = { id };\n  query.tenantId = tenantId;\n  return orderRepo.findOne({ where: query });`,
    expected: [],
  },
  {
    name: "query builder with an object where",
    body: `return orderRepo.createQueryBuilder("o").where({ tenantId }).getMany();`,
    expected: [],
  },
  {
    name: "data source builder scoped",
    body: `return AppDataSource.createQueryBuilder().select("o.id").from(Order, "o").where("o.tenantId = :tenantId", { tenantId }).getRawMany();`,
    expected: [],
  },
  {
    // TypeORM quotes the aliases it fills in: \`user.status\` of a join aliased \`user\` (a reserved word) runs (activepieces, ToolJet).
    name: "query builder: a join aliased by a reserved word (user, group), scoped",
    body: `return orderRepo.createQueryBuilder("o").leftJoin("users", "user", "user.id = o.userId").where("o.tenantId = :tenantId", { tenantId }).andWhere("user.status = :s", { s: status }).andWhere('("group".id IS NOT NULL OR group.id = 1)').getMany();`,
    expected: [],
  },
  {
    name: "query builder: a join aliased by a reserved word, unscoped twin",
    body: `return orderRepo.createQueryBuilder("o").leftJoin("users", "user", "user.id = o.userId").where("o.id = :id", { id }).andWhere("user.status = :s", { s: status }).getMany();`,
    expected: [["missing-tenant-filter", `createQueryBuilder("o")`]],
  },
  {
    // clone() copies the builder: the tenant added to the copy is not on \`qb\`.
    name: "query builder: the tenant only on a clone",
    body: `const qb = orderRepo.createQueryBuilder("o").where("o.id = :id", { id });\n  const n = await qb.clone().andWhere("o.tenantId = :tenantId", { tenantId }).getCount();\n  return { n, rows: await qb.getMany() };`,
    expected: [["missing-tenant-filter", `createQueryBuilder("o")`]],
  },
  { name: "a builder handed on is not judged here", body: `return orderRepo.createQueryBuilder("o");`, expected: [] },
  { name: "Array.prototype.find is not a repository", body: `return [1, 2].find((x) => x === 1);`, expected: [] },
  { name: "an unknown repository", body: `return this.somethingElse.findOneBy({ id });`, expected: [] },
];

describe("TypeORM calls", () => {
  for (const c of [...leaks, ...safe]) {
    test(c.name, () => {
      const found = run(fn(c.body)).map((f) => [f.rule, f.at]);
      assert.deepEqual(found, c.expected);
    });
  }
});

describe("TypeORM receivers", () => {
  const cases: { name: string; code: string; at: string }[] = [
    {
      name: "@InjectRepository(Order) constructor property",
      code: `import { InjectRepository } from "@nestjs/typeorm";\nimport { Repository } from "typeorm";\nimport { Order } from "../entities";\nexport class OrdersService {\n  constructor(@InjectRepository(Order) private readonly orders: Repository<Order>) {}\n  get(id: string) { return this.orders.findOneBy({ id }); }\n}\n`,
      at: "findOneBy({ id })",
    },
    {
      name: "a class property typed Repository<Order>",
      code: `import { Repository } from "typeorm";\nimport { Order } from "../entities";\nexport class OrdersService {\n  private repo!: Repository<Order>;\n  list() { return this.repo.find(); }\n}\n`,
      at: "find()",
    },
    {
      name: "a property assigned getRepository in the constructor",
      code: `import { DataSource } from "typeorm";\nimport { Order } from "../entities";\nexport class OrdersService {\n  private repo;\n  constructor(ds: DataSource) { this.repo = ds.getRepository(Order); }\n  list(status: string) { return this.repo.findBy({ status }); }\n}\n`,
      at: "findBy({ status })",
    },
    {
      name: "a parameter typed Repository<Order>",
      code: `import { Repository } from "typeorm";\nimport { Order } from "../entities";\nexport function byId(repo: Repository<Order>, id: string) { return repo.findOneBy({ id }); }\n`,
      at: "findOneBy({ id })",
    },
    {
      name: "this inside a custom repository (class OrderRepository extends Repository<Order>)",
      code: `import { DataSource, Repository } from "typeorm";\nimport { Order } from "../entities";\nexport class OrderRepository extends Repository<Order> {\n  constructor(ds: DataSource) { super(Order, ds.manager); }\n  byStatus(status: string) { return this.findBy({ status }); }\n}\n`,
      at: "findBy({ status })",
    },
    {
      name: "a property typed as a custom repository named for its entity (OrderRepository)",
      code: `import { OrderRepository } from "../repositories/order.repository";\nexport class OrdersService {\n  constructor(private readonly orderRepository: OrderRepository) {}\n  get(id: string) { return this.orderRepository.findOneBy({ id }); }\n}\n`,
      at: "findOneBy({ id })",
    },
    {
      // ToolJet's DataSourcesRepository, VersionRepository beside AppVersion: the plural of the entity.
      name: "a property typed as a custom repository named for its entity in the plural (OrdersRepository)",
      code: `import { OrdersRepository } from "../repositories/orders.repository";\nexport class OrdersService {\n  constructor(private readonly ordersRepository: OrdersRepository) {}\n  get(id: string) { return this.ordersRepository.findOneBy({ id }); }\n}\n`,
      at: "findOneBy({ id })",
    },
    {
      name: "getRepository(Order) imported from typeorm",
      code: `import { getRepository } from "typeorm";\nimport { Order } from "../entities";\nexport function all() { return getRepository(Order).find(); }\n`,
      at: "find()",
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(
        run(c.code).map((f) => [f.rule, f.at]),
        [["missing-tenant-filter", c.at]],
      );
    });
  }

  test("a repository picked by a conditional or a fallback, the same entity either way (Flowise)", () => {
    const code = `import { DataSource, QueryRunner } from "typeorm";\nimport { Order } from "../entities";\nexport function all(ds: DataSource, qr?: QueryRunner) {\n  const repo = qr ? qr.manager.getRepository(Order) : ds.getRepository(Order);\n  const other = qr?.manager.getRepository(Order) ?? ds.getRepository(Order);\n  return [repo.find(), other.findBy({ status: "open" })];\n}\n`;
    assert.deepEqual(
      run(code).map((f) => [f.rule, f.at]),
      [
        ["missing-tenant-filter", "find()"],
        ["missing-tenant-filter", 'findBy({ status: "open" })'],
      ],
    );
  });

  test("twins: a custom repository scoped by the tenant, a class named Repository for no entity", () => {
    assert.deepEqual(
      run(
        `import { DataSource, Repository } from "typeorm";\nimport { Order } from "../entities";\nexport class OrderRepository extends Repository<Order> {\n  constructor(ds: DataSource) { super(Order, ds.manager); }\n  byStatus(tenantId: string, status: string) { return this.findBy({ tenantId, status }); }\n}\nexport class Other {\n  constructor(private readonly auditRepository: AuditRepository) {}\n  all() { return this.auditRepository.find(); }\n}\n`,
      ),
      [],
    );
  });
});

describe("TypeORM: a spread after the where may replace it", () => {
  test("`{ where: { tenantId }, ...options }`, `{ where: { tenantId, ...filter } }`: dynamic-sql", () => {
    assert.deepEqual(
      run(
        fn(`await orderRepo.find({ where: { tenantId }, ...options });
  await orderRepo.find({ where: { tenantId, ...filter } });`),
      ).map((f) => [f.rule, f.at]),
      [
        ["dynamic-sql", "find({ where: { tenantId }, ...options })"],
        ["dynamic-sql", "find({ where: { tenantId, ...filter } })"],
      ],
    );
  });

  test("twins: the spread first, or of objects without the key: scoped", () => {
    assert.deepEqual(
      run(
        fn(`await orderRepo.find({ ...options, where: { tenantId } });
  await orderRepo.find({ where: { ...filter, tenantId }, ...(status ? { take: 10 } : {}) });`),
      ),
      [],
    );
  });
});

describe("TypeORM: a where or options const changed before the query", () => {
  test("the tenant key deleted or replaced (on one way), the options' where set again, the where handed to a call", () => {
    const found = run(
      fn(`const a: any = { id, tenantId };
  if (status) delete a.tenantId;
  await orderRepo.find({ where: a });
  const b: any = { where: { id, tenantId } };
  b.where = { id };
  await orderRepo.findOne(b);
  const c: any = { id, tenantId };
  applyFilters(c, status);
  await orderRepo.find({ where: c });`),
    );
    assert.deepEqual(
      found.map((f) => [f.rule, f.at]),
      [
        ["weak-tenant-filter", "find({ where: a })"],
        ["missing-tenant-filter", "findOne(b)"],
        ["dynamic-sql", "find({ where: c })"],
      ],
    );
  });

  test("twins: a key added, the options' where set to one that scopes, other options set: scoped", () => {
    assert.deepEqual(
      run(
        fn(`const a: any = { tenantId };
  if (status) a.status = status;
  await orderRepo.find({ where: a });
  const b: any = { take: 10 };
  b.where = { id, tenantId };
  b.skip = 5;
  await orderRepo.findOne(b);`),
      ),
      [],
    );
  });
});

describe("TypeORM: a where list given more branches by push", () => {
  test("`const where = [{ tenantId }]; where.push({ status: 'public' })`: one more OR branch, without the tenant", () => {
    assert.deepEqual(
      run(
        fn(`const where: any[] = [{ tenantId }];
  where.push({ status: "public" });
  await orderRepo.find({ where });`),
      ).map((f) => [f.rule, f.at]),
      [["weak-tenant-filter", "find({ where })"]],
    );
  });

  test("twin: every pushed branch holds the tenant", () => {
    assert.deepEqual(
      run(
        fn(`const where: any[] = [{ tenantId, status: "open" }];
  if (status) where.push({ tenantId, status });
  await orderRepo.find({ where });`),
      ),
      [],
    );
  });
});

describe("TypeORM messages", () => {
  test("findOneBy by id only says what leaks and what to add", () => {
    const [f] = run(fn(`return orderRepo.findOneBy({ id });`));
    assert.equal(
      f.message,
      `orderRepo.findOneBy looks "orders" up by id only: it returns another tenant's row. Add tenantId to the where. Other proofs of ownership: a scoped client, a key from a scoped query, an ownership or authorization check that throws.`,
    );
    assert.equal(f.table, "orders");
  });
  test("delete by id", () => {
    const [f] = run(fn(`await orderRepo.delete(id);`));
    assert.equal(
      f.message,
      `orderRepo.delete deletes from "orders" by id only: it can remove another tenant's row. Add tenantId to the criteria. Other proofs of ownership: a scoped client, a key from a scoped query, an ownership or authorization check that throws.`,
    );
  });
  test("save without tenant", () => {
    const [f] = run(fn(`await orderRepo.save({ status });`));
    assert.equal(
      f.message,
      `orderRepo.save writes a row to "orders" without tenantId: the row is stored without an owning tenant. Add tenantId to the object.`,
    );
  });
  test("query builder without a tenant predicate", () => {
    const [f] = run(fn(`return orderRepo.createQueryBuilder("o").getMany();`));
    assert.equal(
      f.message,
      `This query builder reads "orders" without a tenant predicate: it returns every tenant's rows. Add .andWhere("o.tenantId = :tenantId", { tenantId }). Other proofs of ownership: a scoped client, a key from a scoped query, an ownership or authorization check that throws.`,
    );
  });
  test("a suppression above the statement covers the call", () => {
    const found = run(
      fn(
        `// tenantguard-ignore-next-line missing-tenant-filter -- admin export reads all tenants\n  return orderRepo.find();`,
      ),
    );
    assert.equal(found.length, 1);
  });
});

describe("an entity class no schema file defines, for a table the config names", () => {
  test("is that table by TypeORM's naming (LineItem -> line_item); twins: scoped, or a table nobody named", () => {
    const config = resolveConfig(
      { tenantColumns: ["tenant_id"], tables: { line_item: { tenantColumn: "workspaceId" } } },
      "/p",
      undefined,
    );
    const configured = discoverTenantModel(createMemoryFs(ENTITIES), config, parser, ts).model;
    const code = `import { AppDataSource } from "../data-source";
import { LineItem, AuditEntry } from "../entities";
export async function f(id: string, workspaceId: string) {
  await AppDataSource.getRepository(LineItem).findOneBy({ id });
  await AppDataSource.getRepository("line_item").delete({ id });
  await AppDataSource.getRepository(LineItem).findOneBy({ id, workspaceId });
  await AppDataSource.getRepository(AuditEntry).findOneBy({ id });
}
`;
    const sourceFile = ts.createSourceFile("/p/src/items.ts", code, ts.ScriptTarget.Latest, true);
    const found = analyzeSourceFile({
      ts,
      sourceFile,
      config,
      model: configured,
      parser,
      relativePath: "src/items.ts",
    });
    assert.deepEqual(
      found.map((f) => [f.ruleId, code.slice(0, f.start).split("\n").length]),
      [
        ["missing-tenant-filter", 4],
        ["missing-tenant-filter", 5],
      ],
    );
  });
});

test("a where a helper of the file returns: scoped when every return holds the tenant (Flowise's search options)", () => {
  const code = `${PRELUDE}const strict = (t?: string) => {
  if (!t) throw new Error("no workspace");
  return { tenantId: t };
};
function loose(t?: string) {
  if (!t) return {};
  return { tenantId: t };
}
export async function f(tenantId: string, status: string) {
  await orderRepo.findBy(strict(tenantId));
  await orderRepo.findBy({ status, ...strict(tenantId) });
  await orderRepo.findBy({ status, ...loose(tenantId) });
  return orderRepo.findBy(loose(tenantId));
}
`;
  assert.deepEqual(
    run(code).map((f) => [f.rule, f.at]),
    [
      ["weak-tenant-filter", "findBy({ status, ...loose(tenantId) })"],
      ["weak-tenant-filter", "findBy(loose(tenantId))"],
    ],
  );
});

test("TypeORM 0.2's createQueryBuilder imported from typeorm is a builder too (ToolJet); a function of that name from elsewhere is not", () => {
  const code = (from: string) => `import { createQueryBuilder as qb } from "${from}";
import { Order } from "../entities";
export async function f(id: string, tenantId: string) {
  await qb(Order, "o").where("o.id = :id", { id }).getOne();
  return qb(Order, "o").where("o.id = :id", { id }).andWhere("o.tenantId = :tenantId", { tenantId }).getOne();
}
`;
  assert.deepEqual(
    run(code("typeorm")).map((f) => [f.rule, f.at.split("\n")[0]]),
    [["missing-tenant-filter", 'qb(Order, "o")']],
  );
  assert.deepEqual(run(code("../lib/query")), []);
});

describe("save() of an object whose declared type holds the key (twenty's SSO identity providers)", () => {
  const TYPES = `interface UpdateOrderInput { id: string; status: string }
interface CreateOrderInput { status: string }
class OrderDto { id!: string; status!: string }
class PaidOrderDto extends OrderDto { paidAt!: Date }
`;
  const flagged = (body: string) =>
    run(`${PRELUDE}${TYPES}${body}`, true)
      .filter((f) => f.rule === "missing-tenant-filter")
      .map((f) => f.at);

  test("a spread or an object typed with the key: an update by whatever key the client sent", () => {
    assert.deepEqual(
      flagged(`export async function a(input: UpdateOrderInput, tenantId: string) { await orderRepo.save({ ...input, tenantId }); }
export async function b(input: Pick<UpdateOrderInput, "id" | "status">, tenantId: string) { await orderRepo.save({ ...input, tenantId }); }
export async function c(dto: PaidOrderDto) { await orderRepo.save(dto); }
export async function d(id: string, tenantId: string, patch: Partial<UpdateOrderInput>) {
  const row = await orderRepo.findOneByOrFail({ id, tenantId });
  await orderRepo.save({ ...row, ...patch });
}
async function store(entity: OrderDto) { return orderRepo.save({ ...entity, status: "stored" }); }
export async function e(dto: OrderDto) { await store(dto); }`),
      [
        "save({ ...input, tenantId })",
        "save({ ...input, tenantId })",
        "save(dto)",
        "save({ ...row, ...patch })",
        'save({ ...entity, status: "stored" })',
      ],
    );
  });

  test("an input class imported from another file (read from that file without a checker); twin: one without the key", () => {
    const run = runFlow(parser, model, {
      "/p/src/dtos.ts": `export class OrderBase { id!: string }
export class UpdateOrderDto extends OrderBase { status!: string }
export interface NewOrderDto { status: string }
`,
      "/p/src/orders/service.ts": `${PRELUDE}import { NewOrderDto, UpdateOrderDto } from "../dtos";
export async function update(input: UpdateOrderDto, tenantId: string) { await orderRepo.save({ ...input, tenantId }); }
export async function create(input: NewOrderDto, tenantId: string) { await orderRepo.save({ ...input, tenantId }); }
`,
    });
    assert.deepEqual(run.flagged, ["orders/service.ts:8: save({ ...input, tenantId })"]);
  });

  test("safe: a type without the key, the key omitted or made here, a type not known, a proven row handed to a helper, a key the flow proved", () => {
    assert.deepEqual(
      flagged(`export async function e(input: CreateOrderInput, tenantId: string) { await orderRepo.save({ ...input, tenantId }); }
export async function f(input: Omit<UpdateOrderInput, "id">, tenantId: string) { await orderRepo.save({ ...input, tenantId }); }
export async function g(input: UpdateOrderInput, tenantId: string) { await orderRepo.save({ ...input, id: crypto.randomUUID(), tenantId }); }
export async function h(input: any, tenantId: string) { await orderRepo.save({ ...input, tenantId }); }
async function store(entity: OrderDto) { return orderRepo.save({ ...entity, status: "stored" }); }
export async function i(id: string, tenantId: string) {
  const row = await orderRepo.findOneByOrFail({ id, tenantId });
  await store(row);
}
export async function j(tenantId: string, payload: UpdateOrderInput) {
  const row = await orderRepo.findOneBy({ id: payload.id, tenantId });
  if (!row) throw new Error("not found");
  await orderRepo.save({ ...row, ...payload });
}`),
      [],
    );
  });
});

describe("a tenant value that can be undefined (TypeORM drops undefined from a where, as Prisma does)", () => {
  const code = (params: string, body: string) =>
    `${PRELUDE}export async function g(${params}) {\n  ${body}\n}\nexport const h = (p: { tenantId: string; id: string }) => g(p);\n`;

  test("an optional parameter, an optional field of the parameter, an optional chain: weak", () => {
    const cases: [string, string][] = [
      ["id: string, tenantId?: string", "return orderRepo.findOneBy({ id, tenantId });"],
      ["id: string, tenantId: string | undefined", "return orderRepo.findOneBy({ id, tenantId });"],
      [
        "params: { id: string; tenantId?: string }",
        "return orderRepo.findOneBy({ id: params.id, tenantId: params.tenantId });",
      ],
      ["id: string, ctx: any", "return orderRepo.findOneBy({ id, tenantId: ctx.session?.tenantId });"],
    ];
    for (const [params, body] of cases) {
      const found = run(code(params, body)).filter((f) => f.at === `findOneBy(${body.slice(body.indexOf("{"), -2)})`);
      assert.deepEqual(
        found.map((f) => f.rule),
        ["weak-tenant-filter"],
        params,
      );
      assert.match(found[0]!.message, /TypeORM drops undefined from a where/);
      assert.match(found[0]!.message, /Pass a tenantId that is never undefined/);
    }
  });

  test("twins: a required parameter, a required field, a non-null assertion: scoped", () => {
    for (const [params, body] of [
      ["id: string, tenantId: string", "return orderRepo.findOneBy({ id, tenantId });"],
      [
        "params: { id: string; tenantId: string }",
        "return orderRepo.findOneBy({ id: params.id, tenantId: params.tenantId });",
      ],
      ["id: string, ctx: any", "return orderRepo.findOneBy({ id, tenantId: ctx.session!.tenantId });"],
    ] as const)
      assert.deepEqual(run(code(params, body)), [], params);
  });
});

describe("a query builder a helper builds and returns, run by its caller in the same file (ToolJet's buildFolderAppsQuery)", () => {
  const code = (helperWhere: string, caller: string) => `${PRELUDE}export class OrdersService {
  private build(ids: string[]) {
    const query = orderRepo.createQueryBuilder("o").where(${helperWhere});
    return query;
  }
  async list(tenantId: string, ids: string[]) {
    ${caller}
  }
}
`;

  test("judged with the conditions the caller adds, at the call that runs it", () => {
    const unscoped = run(code(`"o.id IN (:...ids)", { ids }`, "return this.build(ids).getMany();"));
    assert.deepEqual(
      unscoped.map((f) => [f.rule, f.at]),
      [["missing-tenant-filter", "build(ids)"]],
    );
    const scopedByCaller = run(
      code(
        `"o.id IN (:...ids)", { ids }`,
        `return this.build(ids).andWhere("o.tenantId = :tenantId", { tenantId }).getMany();`,
      ),
    );
    assert.deepEqual(scopedByCaller, []);
    const held = run(
      code(
        `"o.id IN (:...ids)", { ids }`,
        `const q = this.build(ids);\n    q.andWhere("o.tenantId = :tenantId", { tenantId });\n    return q.getMany();`,
      ),
    );
    assert.deepEqual(held, []);
    const scopedInHelper = run(
      code(`"o.tenantId = :t AND o.id IN (:...ids)", { t: "x", ids }`, "return this.build(ids).getMany();"),
    );
    assert.deepEqual(scopedInHelper, []);
  });

  test("twin: the caller's condition only under an if is weak", () => {
    const weak = run(
      code(
        `"o.id IN (:...ids)", { ids }`,
        `const q = this.build(ids);\n    if (tenantId) q.andWhere("o.tenantId = :tenantId", { tenantId });\n    return q.getMany();`,
      ),
    );
    assert.deepEqual(
      weak.map((f) => f.rule),
      ["weak-tenant-filter"],
    );
  });
});

describe("a where handed on whole, judged at the calls of its function (ToolJet's getGroup(options))", () => {
  const code = (calls: string) => `${PRELUDE}export class OrderRepository {
  byWhere(options: object) {
    return orderRepo.findOne({ where: options });
  }
}
export class OrdersService {
  constructor(private readonly orders: OrderRepository) {}
  async get(id: string, tenantId: string) {
    ${calls}
  }
}
`;

  test("every call passes a where with the tenant: no finding", () => {
    assert.deepEqual(run(code(`return this.orders.byWhere({ id, tenantId });`), true), []);
  });

  test("twin: a call passes a where without the tenant: flagged at the query, naming the call", () => {
    const found = run(
      code(`await this.orders.byWhere({ id, tenantId });\n    return this.orders.byWhere({ id });`),
      true,
    );
    assert.deepEqual(
      found.map((f) => [f.rule, f.at]),
      [["missing-tenant-filter", "findOne({ where: options })"]],
    );
    assert.match(found[0]!.message, /the call on line 16 passes `\{ id \}`, which has no tenant filter/);
  });

  test("no call to judge it by: still dynamic-sql", () => {
    assert.deepEqual(
      run(code(`return null;`), true).map((f) => f.rule),
      ["dynamic-sql"],
    );
  });
});

describe("a where handed on whole: the flow keys the read by the `id` each call passes", () => {
  test("a service reads through it with the tenant, then deletes by that id", () => {
    const code = `${PRELUDE}export class OrderRepository {
  byWhere(options: object) {
    return orderRepo.findOne({ where: options });
  }
}
export class OrdersService {
  constructor(private readonly orders: OrderRepository) {}
  async remove(id: string, tenantId: string, otherId: string) {
    const order = await this.orders.byWhere({ id, tenantId });
    if (!order) throw new Error("not found");
    await orderRepo.delete(id);
    await orderRepo.delete(otherId);
  }
}
`;
    assert.deepEqual(
      run(code, true).map((f) => [f.rule, f.at]),
      [["missing-tenant-filter", "delete(otherId)"]],
    );
  });
});

describe("a query builder handed to another function, which may add its conditions (n8n's applyFilters(query, filter))", () => {
  const HELPERS = `function applyTenant(qb: any, t: string) {\n  qb.andWhere("o.tenantId = :t", { t });\n}\nfunction paginate(qb: any, page: number) {\n  qb.skip(page * 20).take(20);\n}\n`;
  const body = (use: string) =>
    `const qb = orderRepo.createQueryBuilder("o").where("o.status = :status", { status });\n  ${use}\n  return qb.getMany();`;
  const runWith = (use: string) => run(`${HELPERS}${fn(body(use))}`);

  test("to a function of the project that adds a where to it: dynamic-sql naming the call", () => {
    const found = runWith("applyTenant(qb, tenantId);");
    assert.deepEqual(
      found.map((f) => [f.rule, f.at]),
      [["dynamic-sql", `createQueryBuilder("o")`]],
    );
    assert.match(found[0]!.message, /is handed to `applyTenant\(\.\.\.\)`, which may add its conditions/);
    const viaHelper = run(
      `${PRELUDE}export class Orders {
  private applyFilters(query: any, status: string) {
    query.andWhere("o.status = :status", { status });
  }
  private build(status: string) {
    const query = orderRepo.createQueryBuilder("o");
    this.applyFilters(query, status);
    return query;
  }
  async list(status: string) {
    return this.build(status).getMany();
  }
}
`,
    );
    assert.deepEqual(
      viaHelper.map((f) => f.rule),
      ["dynamic-sql"],
    );
  });

  test("through a function that hands it on to one that adds the where (n8n's applyFilters -> applyBasicFilters)", () => {
    const found = run(
      `${PRELUDE}export class Orders {
  private applyBasic(query: any, status: string) {
    query.andWhere("o.status = :status", { status });
  }
  private applyFilters(query: any, status?: string) {
    if (!status) return;
    this.applyBasic(query, status);
  }
  async list(status: string) {
    const query = orderRepo.createQueryBuilder("o");
    this.applyFilters(query, status);
    return query.getMany();
  }
}
`,
    );
    assert.deepEqual(
      found.map((f) => f.rule),
      ["dynamic-sql"],
    );
  });

  test("twins: a logger, a paging helper, a call unknown here, a call after it ran: the missing tenant stays an error", () => {
    for (const use of ["console.log(qb);", "paginate(qb, 2);", "audit(qb);"])
      assert.deepEqual(
        runWith(use).map((f) => f.rule),
        ["missing-tenant-filter"],
        use,
      );
    const after = run(
      `${HELPERS}${fn(`const qb = orderRepo.createQueryBuilder("o").where("o.status = :status", { status });\n  const rows = await qb.getMany();\n  applyTenant(qb, tenantId);\n  return rows;`)}`,
    );
    assert.deepEqual(
      after.map((f) => f.rule),
      ["missing-tenant-filter"],
    );
  });
});

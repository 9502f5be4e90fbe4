// Every TypeORM fix fixture: the fix's text, the fixed file still parses, and re-analysis
// shows the finding gone.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import ts from "typescript";
import { analyzeSourceFile } from "../../server/src/analyzer/analyze";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import { discoverTenantModel } from "../../server/src/analyzer/model/discover";
import type { TenantModel } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { applyEdits, syntaxErrors } from "../helpers/analyze";
import { createMemoryFs } from "../helpers/memory-fs";
import { sqlParser } from "../helpers/sql";

const ENTITY = `
import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";
@Entity("orders")
export class Order {
  @PrimaryGeneratedColumn("uuid") id!: string;
  @Column({ name: "tenant_id" }) tenantId!: string;
  @Column() status!: string;
}`;

// An entity whose only tenant column is a relation's join column.
const ITEM = `
import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from "typeorm";
import { Tenant } from "./tenant.entity";
@Entity("order_items")
export class OrderItem {
  @PrimaryGeneratedColumn() id!: number;
  @ManyToOne(() => Tenant) @JoinColumn({ name: "tenant_id" }) tenant!: Tenant;
  @Column() sku!: string;
}`;

let parser: SqlParser;
let model: TenantModel;
before(async () => {
  parser = await sqlParser();
  model = discoverTenantModel(
    createMemoryFs({ "/p/src/entities/order.entity.ts": ENTITY, "/p/src/entities/order-item.entity.ts": ITEM }),
    resolveConfig({ tenantColumns: ["tenant_id"] }, "/p", undefined),
    parser,
    ts,
  ).model;
});

function analyze(code: string, tenantExpression?: string) {
  const sourceFile = ts.createSourceFile("/p/src/service.ts", code, ts.ScriptTarget.Latest, true);
  return analyzeSourceFile({
    ts,
    sourceFile,
    config: resolveConfig({ tenantColumns: ["tenant_id"], tenantExpression }, "/p", undefined),
    model,
    parser,
    relativePath: "src/service.ts",
  });
}

const head = `import { AppDataSource } from "./data-source";\nimport { Order, OrderItem } from "./entities";\nconst orderRepo = AppDataSource.getRepository(Order);\nconst itemRepo = AppDataSource.getRepository(OrderItem);\n`;
const fn = (body: string, params = "id: string, tenantId: string, status: string") =>
  `${head}export async function f(${params}) {\n  ${body}\n}\n`;

const cases: {
  name: string;
  code: string;
  expected: string;
  safe?: boolean;
  /** Re-analyse an unsafe fix too (it names no placeholder). */
  reanalyze?: boolean;
  tenantExpression?: string;
}[] = [
  {
    name: "findOneBy({ id }) -> findOneBy({ id, tenantId })",
    code: fn(`return orderRepo.findOneBy({ id });`),
    expected: fn(`return orderRepo.findOneBy({ id, tenantId });`),
  },
  {
    name: "adds to an existing where",
    code: fn(`return orderRepo.findOne({ where: { id } });`),
    expected: fn(`return orderRepo.findOne({ where: { id, tenantId } });`),
  },
  {
    name: "creates the where",
    code: fn(`return orderRepo.find({ take: 10 });`),
    expected: fn(`return orderRepo.find({ where: { tenantId }, take: 10 });`),
  },
  {
    name: "creates the options",
    code: fn(`return orderRepo.find();`),
    expected: fn(`return orderRepo.find({ where: { tenantId } });`),
  },
  {
    name: "multi-line where keeps its layout",
    code: fn(`return orderRepo.findOne({\n    where: {\n      id,\n      status,\n    },\n  });`),
    expected: fn(`return orderRepo.findOne({\n    where: {\n      id,\n      status,\n      tenantId,\n    },\n  });`),
  },
  {
    name: "every element of an array where",
    code: fn(`return orderRepo.find({ where: [{ id, tenantId }, { status }] });`),
    expected: fn(`return orderRepo.find({ where: [{ id, tenantId }, { status, tenantId }] });`),
  },
  {
    name: "update by id -> update({ id, tenantId }, ...)",
    code: fn(`await orderRepo.update(id, { status });`),
    expected: fn(`await orderRepo.update({ id, tenantId }, { status });`),
  },
  {
    name: "delete by a named id",
    code: fn(`await orderRepo.delete(orderId);`, "orderId: string, tenantId: string"),
    expected: fn(`await orderRepo.delete({ id: orderId, tenantId });`, "orderId: string, tenantId: string"),
  },
  {
    name: "manager.find(Order, ...)",
    code: fn(`return AppDataSource.manager.find(Order, { where: { status } });`),
    expected: fn(`return AppDataSource.manager.find(Order, { where: { status, tenantId } });`),
  },
  {
    name: "save adds the tenant field",
    code: fn(`await orderRepo.save({ status });`),
    expected: fn(`await orderRepo.save({ status, tenantId });`),
  },
  {
    name: "insert of rows adds to each row that lacks it",
    code: fn(`await orderRepo.insert([{ status }]);`),
    expected: fn(`await orderRepo.insert([{ status, tenantId }]);`),
  },
  {
    name: "create() before save",
    code: fn(`const o = orderRepo.create({ status });\n  await orderRepo.save(o);`),
    expected: fn(`const o = orderRepo.create({ status, tenantId });\n  await orderRepo.save(o);`),
  },
  {
    name: "query builder gets an andWhere before the terminal call",
    code: fn(`return orderRepo.createQueryBuilder("o").where("o.id = :id", { id }).getOne();`),
    expected: fn(
      `return orderRepo.createQueryBuilder("o").where("o.id = :id", { id }).andWhere("o.tenantId = :tenantId", { tenantId }).getOne();`,
    ),
  },
  {
    name: "query builder continued through a variable",
    code: fn(`const qb = orderRepo.createQueryBuilder("o").orderBy("o.id");\n  return qb.getMany();`),
    expected: fn(
      `const qb = orderRepo.createQueryBuilder("o").orderBy("o.id");\n  return qb.andWhere("o.tenantId = :tenantId", { tenantId }).getMany();`,
    ),
  },
  {
    name: "builder insert values",
    code: fn(`await AppDataSource.createQueryBuilder().insert().into(Order).values({ status }).execute();`),
    expected: fn(
      `await AppDataSource.createQueryBuilder().insert().into(Order).values({ status, tenantId }).execute();`,
    ),
  },
  {
    // Offered, never applied unattended: the new conflict paths need a unique constraint in the database.
    name: "upsert conflict paths get the tenant (not safe)",
    code: fn(`await orderRepo.upsert({ id, status, tenantId }, ["id"]);`),
    expected: fn(`await orderRepo.upsert({ id, status, tenantId }, ["id", "tenantId"]);`),
    safe: false,
    reanalyze: true,
  },
  {
    name: "a relation-only tenant is written as the relation",
    code: fn(`return itemRepo.findOneBy({ id: 1 });`),
    expected: fn(`return itemRepo.findOneBy({ id: 1, tenant: { id: tenantId } });`),
  },
  {
    name: "a relation-only tenant in a mapped insert",
    code: fn(`await itemRepo.insert(["a", "b"].map((sku) => ({ sku })));`),
    expected: fn(`await itemRepo.insert(["a", "b"].map((sku) => ({ sku, tenant: { id: tenantId } })));`),
  },
  {
    name: "a relation-only tenant in a query builder",
    code: fn(`return itemRepo.createQueryBuilder("i").getMany();`),
    expected: fn(
      `return itemRepo.createQueryBuilder("i").andWhere("i.tenant = :tenant", { tenant: tenantId }).getMany();`,
    ),
  },
  {
    name: "tenantExpression when no tenantId is in scope",
    code: fn(`return orderRepo.findOneBy({ id });`, "id: string, ctx: Ctx"),
    expected: fn(`return orderRepo.findOneBy({ id, tenantId: ctx.tenantId });`, "id: string, ctx: Ctx"),
    tenantExpression: "ctx.tenantId",
  },
  {
    name: "tenantExpression whose first name is not in scope: not safe",
    code: fn(`return orderRepo.findOneBy({ id });`, "id: string"),
    expected: fn(`return orderRepo.findOneBy({ id, tenantId: ctx.tenantId });`, "id: string"),
    tenantExpression: "ctx.tenantId",
    safe: false,
  },
  {
    name: "a placeholder when nothing names the tenant (not safe)",
    code: fn(`return orderRepo.findOneBy({ id });`, "id: string"),
    expected: fn(`return orderRepo.findOneBy({ id, tenantId: tenantId /* TODO: tenant id */ });`, "id: string"),
    safe: false,
  },
];

for (const c of cases) {
  test(c.name, () => {
    const before = analyze(c.code, c.tenantExpression);
    assert.equal(before.length, 1, JSON.stringify(before.map((f) => f.message)));
    const [fix] = before[0].fixes;
    assert.ok(fix, "a fix is offered");
    assert.equal(fix.safe, c.safe ?? true);
    const fixed = applyEdits(c.code, fix.edits);
    assert.equal(fixed, c.expected);
    assert.deepEqual(syntaxErrors(fixed), []);
    if (c.safe === false && !c.reanalyze) return; // the placeholder is for the user to fill in
    assert.deepEqual(
      analyze(fixed, c.tenantExpression).map((f) => f.message),
      [],
    );
  });
}

// Every Sequelize fix fixture: the fix's text, the fixed file still parses, and re-analysis
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

const MODEL = `
import { DataTypes, Model } from "sequelize";
import { sequelize } from "../db";
export class Order extends Model {}
Order.init(
  { id: { type: DataTypes.UUID, primaryKey: true }, tenantId: { type: DataTypes.UUID, field: "tenant_id" }, status: DataTypes.STRING },
  { sequelize, tableName: "orders" },
);`;

let parser: SqlParser;
let model: TenantModel;
before(async () => {
  parser = await sqlParser();
  model = discoverTenantModel(
    createMemoryFs({ "/p/src/models/order.model.ts": MODEL }),
    resolveConfig({ tenantColumns: ["tenant_id"] }, "/p", undefined),
    parser,
    ts,
  ).model;
});

function analyze(code: string) {
  const sourceFile = ts.createSourceFile("/p/src/service.ts", code, ts.ScriptTarget.Latest, true);
  return analyzeSourceFile({
    ts,
    sourceFile,
    config: resolveConfig({ tenantColumns: ["tenant_id"] }, "/p", undefined),
    model,
    parser,
    relativePath: "src/service.ts",
  });
}

const head = `import { Op } from "sequelize";\nimport { Order } from "./models/order.model";\n`;
const fn = (body: string, params = "id: string, tenantId: string, status: string") =>
  `${head}export async function f(${params}) {\n  ${body}\n}\n`;

const cases: { name: string; code: string; expected: string }[] = [
  {
    name: "findByPk(id) -> findOne({ where: { id, tenantId } })",
    code: fn(`return Order.findByPk(id);`),
    expected: fn(`return Order.findOne({ where: { id, tenantId } });`),
  },
  {
    name: "findByPk keeps its other options",
    code: fn(`return Order.findByPk(orderId, { include: ["items"] });`, "orderId: string, tenantId: string"),
    expected: fn(
      `return Order.findOne({ where: { id: orderId, tenantId }, include: ["items"] });`,
      "orderId: string, tenantId: string",
    ),
  },
  {
    name: "adds to an existing where",
    code: fn(`return Order.findOne({ where: { id } });`),
    expected: fn(`return Order.findOne({ where: { id, tenantId } });`),
  },
  {
    name: "creates the where",
    code: fn(`return Order.findAll({ limit: 10 });`),
    expected: fn(`return Order.findAll({ where: { tenantId }, limit: 10 });`),
  },
  {
    name: "creates the options",
    code: fn(`return Order.findAll();`),
    expected: fn(`return Order.findAll({ where: { tenantId } });`),
  },
  {
    name: "ANDs the tenant beside an Op.or",
    code: fn(`return Order.findAll({ where: { [Op.or]: [{ tenantId }, { status }] } });`),
    expected: fn(`return Order.findAll({ where: { [Op.or]: [{ tenantId }, { status }], tenantId } });`),
  },
  {
    name: "update's options",
    code: fn(`await Order.update({ status }, { where: { id } });`),
    expected: fn(`await Order.update({ status }, { where: { id, tenantId } });`),
  },
  {
    name: "destroy() gets a where",
    code: fn(`await Order.destroy();`),
    expected: fn(`await Order.destroy({ where: { tenantId } });`),
  },
  {
    name: "create gets the tenant",
    code: fn(`await Order.create({ status });`),
    expected: fn(`await Order.create({ status, tenantId });`),
  },
  {
    name: "multi-line create",
    code: fn(`await Order.create({\n    status,\n    id,\n  });`),
    expected: fn(`await Order.create({\n    status,\n    id,\n    tenantId,\n  });`),
  },
  {
    name: "bulkCreate: the row that lacks it",
    code: fn(`await Order.bulkCreate([{ status, tenantId }, { status: "x" }]);`),
    expected: fn(`await Order.bulkCreate([{ status, tenantId }, { status: "x", tenantId }]);`),
  },
];

for (const c of cases) {
  test(c.name, () => {
    const before = analyze(c.code);
    assert.equal(before.length, 1, JSON.stringify(before.map((f) => f.message)));
    const [fix] = before[0].fixes;
    assert.ok(fix, "a fix is offered");
    assert.equal(fix.safe, true);
    const fixed = applyEdits(c.code, fix.edits);
    assert.equal(fixed, c.expected);
    assert.deepEqual(syntaxErrors(fixed), []);
    assert.deepEqual(
      analyze(fixed).map((f) => f.message),
      [],
    );
  });
}

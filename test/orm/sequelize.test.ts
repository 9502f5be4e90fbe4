// Sequelize model calls: what leaks, what is safe, and the message each finding gives.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import ts from "typescript";
import { analyzeSourceFile } from "../../server/src/analyzer/analyze";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import { discoverTenantModel } from "../../server/src/analyzer/model/discover";
import type { TenantModel } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { createMemoryFs } from "../helpers/memory-fs";
import { sqlParser } from "../helpers/sql";

export const MODELS: Record<string, string> = {
  "/p/src/models/order.model.ts": `
import { DataTypes, Model } from "sequelize";
import { sequelize } from "../db";
export class Order extends Model {}
Order.init(
  {
    id: { type: DataTypes.UUID, primaryKey: true },
    tenantId: { type: DataTypes.UUID, field: "tenant_id", allowNull: false },
    status: DataTypes.STRING,
    total: DataTypes.INTEGER,
  },
  { sequelize, tableName: "orders" },
);`,
  "/p/src/models/invoice.model.ts": `
import { DataTypes } from "sequelize";
import { sequelize } from "../db";
export const Invoice = sequelize.define("Invoice", {
  id: { type: DataTypes.UUID, primaryKey: true },
  tenantId: DataTypes.UUID,
  amount: DataTypes.INTEGER,
}, { underscored: true });`,
  "/p/src/models/line-item.model.ts": `
import { DataTypes, Model } from "sequelize";
import { sequelize } from "../db";
import { Tenant } from "./tenant.model";
export class LineItem extends Model {}
LineItem.init({ id: { type: DataTypes.INTEGER, primaryKey: true }, orderId: DataTypes.UUID }, { sequelize, underscored: true });
LineItem.belongsTo(Tenant);`,
  "/p/src/models/tenant.model.ts": `
import { DataTypes, Model } from "sequelize";
import { sequelize } from "../db";
export class Tenant extends Model {}
Tenant.init({ id: { type: DataTypes.UUID, primaryKey: true }, name: DataTypes.STRING }, { sequelize, tableName: "tenants" });`,
  "/p/src/models/plan.model.ts": `
import { DataTypes } from "sequelize";
import { sequelize } from "../db";
export const Plan = sequelize.define("Plan", { id: { type: DataTypes.UUID, primaryKey: true }, name: DataTypes.STRING }, { tableName: "plans" });`,
};

let parser: SqlParser;
let model: TenantModel;
before(async () => {
  parser = await sqlParser();
  model = discoverTenantModel(
    createMemoryFs(MODELS),
    resolveConfig({ tenantColumns: ["tenant_id"] }, "/p", undefined),
    parser,
    ts,
  ).model;
});

const PRELUDE = `import { Op, Sequelize } from "sequelize";
import { Invoice, LineItem, Order, Plan } from "../models";
import * as db from "../models";
`;

function fn(body: string): string {
  return `${PRELUDE}export async function f(id: string, tenantId: string, status: string) {\n  ${body}\n}\n`;
}

/** How many fixes the findings of `code` offer. */
function analyzeFixes(code: string): number {
  const sourceFile = ts.createSourceFile("/p/src/orders/service.ts", code, ts.ScriptTarget.Latest, true);
  const config = resolveConfig({ tenantColumns: ["tenant_id"] }, "/p", undefined);
  return analyzeSourceFile({ ts, sourceFile, config, model, parser, relativePath: "src/orders/service.ts" }).reduce(
    (n, f) => n + (f.fixes?.length ?? 0),
    0,
  );
}

function run(code: string) {
  const sourceFile = ts.createSourceFile("/p/src/orders/service.ts", code, ts.ScriptTarget.Latest, true);
  const config = resolveConfig({ tenantColumns: ["tenant_id"] }, "/p", undefined);
  return analyzeSourceFile({ ts, sourceFile, config, model, parser, relativePath: "src/orders/service.ts" }).map(
    (f) => ({
      rule: f.ruleId,
      at: code.slice(f.start, f.end),
      table: f.table,
      message: f.message,
    }),
  );
}

interface Case {
  name: string;
  body: string;
  expected: [string, string][];
}

const leaks: Case[] = [
  {
    name: "findByPk(id) alone",
    body: `return Order.findByPk(id);`,
    expected: [["missing-tenant-filter", "findByPk(id)"]],
  },
  {
    name: "findByPk ignores a where beside it",
    body: `return Order.findByPk(id, { where: { tenantId } });`,
    expected: [["missing-tenant-filter", "findByPk(id, { where: { tenantId } })"]],
  },
  {
    name: "findAll() of every tenant",
    body: `return Order.findAll();`,
    expected: [["missing-tenant-filter", "findAll()"]],
  },
  {
    name: "findAll without where",
    body: `return Order.findAll({ order: [["id", "DESC"]] });`,
    expected: [["missing-tenant-filter", `findAll({ order: [["id", "DESC"]] })`]],
  },
  {
    name: "findOne by id only",
    body: `return Order.findOne({ where: { id } });`,
    expected: [["missing-tenant-filter", "findOne({ where: { id } })"]],
  },
  {
    name: "Op.or with the tenant in one branch",
    body: `return Order.findAll({ where: { [Op.or]: [{ tenantId }, { status }] } });`,
    expected: [["weak-tenant-filter", "findAll({ where: { [Op.or]: [{ tenantId }, { status }] } })"]],
  },
  {
    name: "Sequelize.Op.or",
    body: `return Order.count({ where: { [Sequelize.Op.or]: { tenantId, status } } });`,
    expected: [["weak-tenant-filter", "count({ where: { [Sequelize.Op.or]: { tenantId, status } } })"]],
  },
  {
    name: "Op.ne on the tenant",
    body: `return Order.findAll({ where: { tenantId: { [Op.ne]: tenantId } } });`,
    expected: [["weak-tenant-filter", "findAll({ where: { tenantId: { [Op.ne]: tenantId } } })"]],
  },
  {
    name: "Op.not around the tenant",
    body: `return Order.findAll({ where: { [Op.not]: { tenantId } } });`,
    expected: [["weak-tenant-filter", "findAll({ where: { [Op.not]: { tenantId } } })"]],
  },
  {
    name: "update by id only",
    body: `await Order.update({ status }, { where: { id } });`,
    expected: [["missing-tenant-filter", "update({ status }, { where: { id } })"]],
  },
  {
    name: "destroy by id only",
    body: `await Order.destroy({ where: { id } });`,
    expected: [["missing-tenant-filter", "destroy({ where: { id } })"]],
  },
  {
    name: "destroy() of every row",
    body: `await Order.destroy();`,
    expected: [["missing-tenant-filter", "destroy()"]],
  },
  {
    name: "increment by id only",
    body: `await Order.increment("total", { where: { id } });`,
    expected: [["missing-tenant-filter", `increment("total", { where: { id } })`]],
  },
  {
    name: "create without tenant",
    body: `await Order.create({ status, total: 1 });`,
    expected: [["missing-tenant-on-insert", "create({ status, total: 1 })"]],
  },
  {
    name: "bulkCreate with one row missing the tenant",
    body: `await Order.bulkCreate([{ status, tenantId }, { status }]);`,
    expected: [["missing-tenant-on-insert", "bulkCreate([{ status, tenantId }, { status }])"]],
  },
  {
    name: "upsert without tenant",
    body: `await Order.upsert({ id, status });`,
    expected: [["missing-tenant-on-insert", "upsert({ id, status })"]],
  },
  {
    name: "a define() model by its variable",
    body: `return Invoice.findAll({ where: { amount: 1 } });`,
    expected: [["missing-tenant-filter", "findAll({ where: { amount: 1 } })"]],
  },
  {
    name: "a model through db.Model",
    body: `return db.Order.findOne({ where: { status } });`,
    expected: [["missing-tenant-filter", "findOne({ where: { status } })"]],
  },
  {
    name: "sequelize.model('Order')",
    body: `return sequelize.model("Order").findAll();`,
    expected: [["missing-tenant-filter", "findAll()"]],
  },
  {
    name: "a foreign key added by belongsTo",
    body: `return LineItem.findAll({ where: { orderId: id } });`,
    expected: [["missing-tenant-filter", "findAll({ where: { orderId: id } })"]],
  },
  {
    name: "where built elsewhere",
    body: `const where = JSON.parse(status);\n  return Order.findAll({ where });`,
    expected: [["dynamic-sql", "findAll({ where })"]],
  },
];

const safe: Case[] = [
  { name: "findAll with tenant", body: `return Order.findAll({ where: { tenantId, status } });`, expected: [] },
  {
    name: "tenant on a later line",
    body: `return Order.findOne({\n    where: {\n      id,\n      tenantId,\n    },\n  });`,
    expected: [],
  },
  {
    name: "Op.and holding the tenant",
    body: `return Order.findAll({ where: { [Op.and]: [{ tenantId }, { status }] } });`,
    expected: [],
  },
  {
    name: "Op.or with the tenant in every branch",
    body: `return Order.findAll({ where: { [Op.or]: [{ tenantId, status }, { tenantId, id }] } });`,
    expected: [],
  },
  {
    name: "Op.or beside the tenant",
    body: `return Order.findAll({ where: { tenantId, [Op.or]: [{ status }, { id }] } });`,
    expected: [],
  },
  {
    name: "shared rows form",
    body: `return Order.findAll({ where: { [Op.or]: [{ tenantId: null }, { tenantId }] } });`,
    expected: [],
  },
  {
    name: "Op.eq and Op.in",
    body: `await Order.findAll({ where: { tenantId: { [Op.eq]: tenantId } } });\n  await Order.findAll({ where: { tenantId: { [Op.in]: [tenantId] } } });`,
    expected: [],
  },
  { name: "update with tenant", body: `await Order.update({ status }, { where: { id, tenantId } });`, expected: [] },
  { name: "destroy with tenant", body: `await Order.destroy({ where: { id, tenantId } });`, expected: [] },
  { name: "create with tenant", body: `await Order.create({ status, tenantId });`, expected: [] },
  {
    name: "bulkCreate with tenant in every row",
    body: `await Order.bulkCreate([{ status, tenantId }, { status: "x", tenantId }]);`,
    expected: [],
  },
  { name: "create with a spread (not judged)", body: `await Order.create({ ...JSON.parse(status) });`, expected: [] },
  { name: "a global model", body: `return Plan.findAll();`, expected: [] },
  { name: "a global model by id", body: `return Plan.findByPk(id);`, expected: [] },
  {
    name: "a model with a belongsTo tenant key",
    body: `return LineItem.findAll({ where: { tenantId } });`,
    expected: [],
  },
  { name: "an unknown receiver", body: `return cache.findAll();`, expected: [] },
];

describe("Sequelize calls", () => {
  for (const c of [...leaks, ...safe]) {
    test(c.name, () => {
      assert.deepEqual(
        run(fn(c.body)).map((f) => [f.rule, f.at]),
        c.expected,
      );
    });
  }
});

describe("Sequelize receivers", () => {
  test("a Nest @InjectModel(Order) property", () => {
    const code = `import { InjectModel } from "@nestjs/sequelize";\nimport { Order } from "../models";\nexport class OrdersService {\n  constructor(@InjectModel(Order) private orderModel: typeof Order) {}\n  get(id: string) { return this.orderModel.findByPk(id); }\n}\n`;
    assert.deepEqual(
      run(code).map((f) => [f.rule, f.at]),
      [["missing-tenant-filter", "findByPk(id)"]],
    );
  });
  test("scoped and unscoped models, this in a static method, this.constructor (outline's models)", () => {
    const code = `import { Model } from "sequelize";
import { Order } from "../models";
export async function route(id: string) {
  await Order.scope("withCustomer").findByPk(id);
  await Order.unscoped().findAll({ where: { status: "open" } });
  await Order.scope({ method: ["withItems", id] }).findAll({ where: { tenantId: id } });
}
export class LineItem extends Model {
  static async byKey(key: string) { return this.findOne({ where: { key } }); }
  async siblings() { return (this.constructor as typeof LineItem).findAll({ where: { key: "k" } }); }
  async rename(name: string) { return this.update({ name }); }
}
`;
    assert.deepEqual(
      run(code).map((f) => [f.rule, f.at]),
      [
        ["missing-tenant-filter", "findByPk(id)"],
        ["missing-tenant-filter", 'findAll({ where: { status: "open" } })'],
        ["missing-tenant-filter", "findOne({ where: { key } })"],
        ["missing-tenant-filter", 'findAll({ where: { key: "k" } })'],
      ],
      "an instance method's this.update changes that row alone: not a model call",
    );
  });

  test("a parameter typed typeof Order", () => {
    const code = `import { Order } from "../models";\nexport function all(M: typeof Order) { return M.findAll(); }\n`;
    assert.deepEqual(
      run(code).map((f) => [f.rule, f.at]),
      [["missing-tenant-filter", "findAll()"]],
    );
  });
});

describe("Sequelize: what a spread may replace, and rows named like their model", () => {
  test("a spread after the where, or after the tenant in it, may replace it: dynamic-sql (missing when one way has none), no fix", () => {
    const code = fn(`await Order.findAll({ where: { tenantId }, ...opts });
  await Order.findAll({ where: { tenantId, ...filter } });
  await Order.findAndCountAll({ ...(parsed.where ? { where: parsed.where } : {}), limit: 10 });`);
    const found = run(code);
    assert.deepEqual(
      found.map((f) => [f.rule, f.at]),
      [
        ["dynamic-sql", "findAll({ where: { tenantId }, ...opts })"],
        ["dynamic-sql", "findAll({ where: { tenantId, ...filter } })"],
        // One way has no where at all: every tenant's rows (crowd.dev's query parser).
        ["missing-tenant-filter", "findAndCountAll({ ...(parsed.where ? { where: parsed.where } : {}), limit: 10 })"],
      ],
    );
  });

  test("a spread that brings a where on one branch only: missing on the other, with no fix (a where before it is replaced)", () => {
    const code = fn(`await Order.findAll({ attributes: ["id"], ...(status && { where: { tenantId } }) });
  await Order.findAll({ where: { tenantId }, ...(status ? { where: { status } } : {}) });
  await Order.findAll({ where: { tenantId }, ...(status ? { where: undefined } : {}) });`);
    const found = run(code);
    assert.deepEqual(
      found.map((f) => [f.rule, f.at]),
      [
        ["missing-tenant-filter", 'findAll({ attributes: ["id"], ...(status && { where: { tenantId } }) })'],
        ["missing-tenant-filter", "findAll({ where: { tenantId }, ...(status ? { where: { status } } : {}) })"],
        // `where: undefined` is no where: every tenant's rows.
        ["missing-tenant-filter", "findAll({ where: { tenantId }, ...(status ? { where: undefined } : {}) })"],
      ],
    );
    assert.match(found[0]!.message, /Its where is decided by `\.\.\.\(status && \{ where: \{ tenantId \} \}\)`/);
    const fixes = analyzeFixes(code);
    assert.equal(fixes, 0, "no fix: a where added before the spread would be replaced by it");
    assert.ok(analyzeFixes(fn(`await Order.findAll({ attributes: ["id"] });`)) > 0, "a where-less call is fixed");
  });

  test("twins: the spread first, or of objects without the key, or every branch scoped: scoped", () => {
    const code = fn(`await Order.findAll({ ...(status ? { where: { tenantId, status } } : { where: { tenantId } }) });
  await Order.findAll({ ...opts, where: { tenantId } });
  await Order.findAll({ where: { ...filter, tenantId } });
  await Order.findAll({ where: { tenantId, ...(status ? { status } : {}) }, ...(id && { limit: 10 }) });`);
    assert.deepEqual(run(code), []);
  });

  test("a where or options const changed before the query: a tenant key deleted, replaced or handed on is no longer trusted", () => {
    const code = fn(`const a: any = { id, tenantId };
  if (status) delete a.tenantId;
  await Order.findAll({ where: a });
  const b: any = { id, tenantId };
  delete b.tenantId;
  await Order.findAll({ where: b });
  const c: any = { id, tenantId };
  if (status) c.tenantId = { [Op.ne]: null };
  await Order.findAll({ where: c });
  const d: any = { where: { id, tenantId } };
  if (status) d.where = { id };
  await Order.findAll(d);
  const e: any = { id, tenantId };
  Object.assign(e, JSON.parse(status));
  await Order.findAll({ where: e });
  const g: any = { id, tenantId };
  g[status] = 1;
  await Order.findAll({ where: g });
  const h: any = { where: { tenantId } };
  h.where.id = id;
  await Order.findAll(h);`);
    const found = run(code);
    assert.deepEqual(
      found.map((f) => [f.rule, f.at]),
      [
        ["weak-tenant-filter", "findAll({ where: a })"],
        ["missing-tenant-filter", "findAll({ where: b })"],
        ["weak-tenant-filter", "findAll({ where: c })"],
        ["missing-tenant-filter", "findAll(d)"],
        ["dynamic-sql", "findAll({ where: e })"],
        ["dynamic-sql", "findAll({ where: g })"],
        ["dynamic-sql", "findAll(h)"],
      ],
    );
    assert.match(found[0]!.message, /is removed or replaced on the where object under a condition/);
    assert.match(found[3]!.message, /Its where is decided by `d\.where = \{ id \}`/);
    assert.match(found[4]!.message, /`Object\.assign\(e, JSON\.parse\(status\)\)`/);
  });

  test("changes that still reach the query: in a loop after it, a key brought by a spread, the where held in the options, a mutating call", () => {
    const code = fn(`const a: any = { status, tenantId };
  for (let i = 0; i < 2; i++) {
    await Order.findAll({ where: a });
    delete a.tenantId;
  }
  const base = { tenantId };
  const b: any = { ...base, id };
  if (status) delete b.tenantId;
  await Order.findAll({ where: b });
  const c: any = { id, tenantId };
  const opts: any = { where: c, limit: 5 };
  if (status) delete c.tenantId;
  await Order.findAll(opts);
  const d: any = { id, tenantId };
  Reflect.deleteProperty(d, "tenantId");
  await Order.findAll({ where: d });
  const e: any = { id, tenantId };
  const e2 = status ? e : {};
  delete e2.tenantId;
  await Order.findAll({ where: e });
  const g: any = { id, tenantId };
  ({ tenantId: g.tenantId } = JSON.parse(status));
  await Order.findAll({ where: g });`);
    assert.deepEqual(
      run(code).map((f) => [f.rule, f.at]),
      [
        ["weak-tenant-filter", "findAll({ where: a })"],
        ["dynamic-sql", "findAll({ where: b })"],
        ["weak-tenant-filter", "findAll(opts)"],
        ["dynamic-sql", "findAll({ where: d })"],
        ["dynamic-sql", "findAll({ where: e })"],
        ["dynamic-sql", "findAll({ where: g })"],
      ],
    );
  });

  test("twins: an Op.or key added beside the tenant, reads (Object.keys, a logger, a copy), ??= of the tenant, a shadowing name", () => {
    const code = fn(`const a: any = { tenantId };
  if (status) a[Op.or] = [{ status }, { id: status }];
  await Order.findAll({ where: a });
  const b: any = { tenantId };
  if (Object.keys(b).length) console.log(b);
  const copy = Object.assign({}, b);
  b.tenantId ??= tenantId;
  await Order.findAll({ where: b });
  const c: any = { id, tenantId };
  for (const c of [{ tenantId: 1 }]) delete (c as any).tenantId;
  await Order.findAll({ where: c });
  // crowd.dev's customViewRepository: a picked spread, the tenant in every Op.or branch, another key set.
  const h: any = { ...pick(JSON.parse(status), ["visibility"]), [Op.or]: [{ tenantId }, { tenantId, id }] };
  if (status) h.placement = status;
  await Order.findAll({ where: h });
  return copy;`);
    assert.deepEqual(run(code), []);
    // The same Op.or key holding the tenant in one branch only: weak.
    const weak = fn(`const a: any = { status };
  a[Op.or] = [{ tenantId }, { status: "public" }];
  await Order.findAll({ where: a });`);
    assert.deepEqual(
      run(weak).map((f) => [f.rule, f.at]),
      [["weak-tenant-filter", "findAll({ where: a })"]],
    );
  });

  test("twins: keys only added or set again to the tenant, the options given other keys or a where that scopes: scoped", () => {
    const code = fn(`const a: any = { tenantId };
  if (status) a.status = status;
  await Order.findAll({ where: a });
  const b: any = { id };
  b.tenantId = tenantId;
  await Order.findAll({ where: b });
  const c: any = {};
  c.where = { id, tenantId };
  await Order.findAll(c);
  const d: any = { where: { tenantId } };
  d.limit = 10;
  if (status) d.where = { tenantId, status };
  console.log(d);
  await Order.findAll(d);
  const e: any = { id, tenantId };
  if (status) e.tenantId = tenantId;
  await Order.findAll({ where: e });
  delete e.tenantId;`);
    assert.deepEqual(run(code), []);
  });

  test("terms pushed onto an Op.and list (crowd.dev): the tenant pushed in the list's own block scopes it", () => {
    const code = fn(`const whereAnd: any[] = [];
  whereAnd.push({ tenantId });
  if (status) whereAnd.push({ status });
  await Order.findAll({ where: { [Op.and]: whereAnd } });`);
    assert.deepEqual(run(code), []);
  });

  test("twins: the tenant pushed under a condition; an Op.or list given one more branch; a list emptied", () => {
    const code = fn(`const a: any[] = [];
  if (status) a.push({ tenantId });
  a.push({ status });
  await Order.findAll({ where: { [Op.and]: a } });
  const b: any[] = [{ tenantId }];
  b.push({ status: "public" });
  await Order.findAll({ where: { [Op.or]: b } });
  const c: any[] = [{ tenantId }];
  c.splice(0);
  await Order.findAll({ where: { [Op.and]: c } });`);
    assert.deepEqual(
      run(code).map((f) => [f.rule, f.at]),
      [
        ["missing-tenant-filter", "findAll({ where: { [Op.and]: a } })"],
        ["weak-tenant-filter", "findAll({ where: { [Op.or]: b } })"],
        ["dynamic-sql", "findAll({ where: { [Op.and]: c } })"],
      ],
    );
  });

  // crowd.dev defines its models in lower camel case (`sequelize.define("tenantUser", ...)`) and
  // names rows the same: `const tenantUser = await ...findOne(...)`. Here the model `Invoice`.
  test("a row named like its model: its update and destroy change that row", () => {
    const code = `import * as db from "../models";
export async function f(id: string, tenantId: string, rows: any[]) {
  const Invoice = await db.Invoice.findOne({ where: { id, tenantId } });
  await Invoice.update({ amount: 1 });
  await Invoice.destroy();
}
export async function g(rows: any[]) {
  for (const Invoice of rows) await Invoice.destroy();
}
export async function h(tenantId: string) {
  const [Invoice] = await db.Invoice.findOrCreate({ where: { id: tenantId, tenantId } });
  await Invoice.update({ amount: 2 });
}
`;
    assert.deepEqual(run(code), []);
  });

  test("twin: a model class loaded with an awaited import, or declared `typeof` the model, is the model", () => {
    const code = `import * as db from "../models";
export async function f(id: string) {
  const Invoice = await import("../models").then((m) => m.Invoice);
  await Invoice.destroy({ where: { id } });
}
export async function g(id: string) {
  const Invoice: typeof db.Invoice = await loadModel();
  await Invoice.destroy({ where: { id } });
}
export async function k(id: string) {
  const Invoice = await loadModel();
  await Invoice.destroy({ where: { id } });
}
declare function loadModel(): Promise<any>;
`;
    // A `where` makes it the model's call, whatever the name holds.
    assert.equal(run(code).filter((f) => f.rule === "missing-tenant-filter").length, 3);
  });

  test("twin: the model itself, under its own name, destroys every tenant's matching rows", () => {
    const code = `import * as db from "../models";
export async function f(id: string) {
  const Invoice = db.Invoice;
  await Invoice.destroy({ where: { id } });
}
`;
    assert.deepEqual(
      run(code).map((f) => [f.rule, f.at]),
      [["missing-tenant-filter", "destroy({ where: { id } })"]],
    );
  });
});

describe("Sequelize messages", () => {
  test("findByPk", () => {
    const [f] = run(fn(`return Order.findByPk(id);`));
    assert.equal(
      f.message,
      `Order.findByPk looks "orders" up by id only: it returns another tenant's row. Use findOne({ where: { id, tenantId } }). Other proofs of ownership: a scoped client, a key from a scoped query, an ownership or authorization check that throws.`,
    );
    assert.equal(f.table, "orders");
  });
  test("findOne by the primary key alone", () => {
    const [f] = run(fn(`return Order.findOne({ where: { id } });`));
    assert.equal(
      f.message,
      `Order.findOne looks "orders" up by id only: it returns another tenant's row. Add tenantId to the where. Other proofs of ownership: a scoped client, a key from a scoped query, an ownership or authorization check that throws.`,
    );
  });
  test("findAll without where", () => {
    const [f] = run(fn(`return Order.findAll();`));
    assert.equal(
      f.message,
      `Order.findAll reads "orders" without a tenant predicate: it returns every tenant's rows. Add tenantId to the where. Other proofs of ownership: a scoped client, a key from a scoped query, an ownership or authorization check that throws.`,
    );
  });
  test("Op.or", () => {
    const [f] = run(fn(`return Order.findAll({ where: { [Op.or]: [{ tenantId }, { status }] } });`));
    assert.equal(
      f.message,
      `The tenant filter of Order.findAll on "orders" sits inside OR (not every branch has it), so rows matching another branch leak: it does not hold for every row. Require tenantId at the top level of the where.`,
    );
  });
});

// outline: `User.findByPk(ctx.state.auth.user.id)`, the signed-in user's own row; a share read by its link key.
describe("findByPk by a key that decides whose row it is", () => {
  const MODELS_BY_KEY: Record<string, string> = {
    "/p/src/models/user.model.ts": `
import { DataTypes, Model } from "sequelize";
import { sequelize } from "../db";
export class User extends Model {}
User.init({ id: { type: DataTypes.UUID, primaryKey: true }, teamId: { type: DataTypes.UUID, field: "team_id" } }, { sequelize, tableName: "users" });`,
    "/p/src/models/share.model.ts": `
import { DataTypes, Model } from "sequelize";
import { sequelize } from "../db";
export class Share extends Model {}
Share.init({ id: { type: DataTypes.UUID, primaryKey: true }, teamId: { type: DataTypes.UUID, field: "team_id" } }, { sequelize, tableName: "shares" });`,
  };
  const CONFIG = { tenantColumns: ["team_id"], tables: { shares: { shareKeys: ["id"] } } };
  const findings = (body: string) => {
    const m = discoverTenantModel(
      createMemoryFs(MODELS_BY_KEY),
      resolveConfig(CONFIG, "/p", undefined),
      parser,
      ts,
    ).model;
    const code = `import { Share, User } from "../models";
type Ctx = { user: { id: string }; state: { auth: { user: { id: string } } } };
export async function f(ctx: Ctx, input: { userId: string; shareId: string }) {
${body}
}
`;
    const sourceFile = ts.createSourceFile("/p/src/api/me.ts", code, ts.ScriptTarget.Latest, true);
    return analyzeSourceFile({
      ts,
      sourceFile,
      config: resolveConfig(CONFIG, "/p", undefined),
      model: m,
      parser,
      relativePath: "src/api/me.ts",
    }).map((f) => code.slice(f.start, f.end));
  };

  test("the signed-in user's own row (also through `const { user } = ctx.state.auth`), a share by its link key", () => {
    assert.deepEqual(
      findings(`  await User.findByPk(ctx.user.id);
  const { user } = ctx.state.auth;
  await User.findByPk(user.id);
  await Share.findByPk(input.shareId);`),
      [],
    );
  });

  test("twins: a user the request names, a user id that may be missing, a write by the share's key", () => {
    assert.deepEqual(
      findings(`  await User.findByPk(input.userId);
  await User.findByPk((ctx as any).user?.id);
  await Share.destroy({ where: { id: input.shareId } });`),
      ["findByPk(input.userId)", "findByPk((ctx as any).user?.id)", "destroy({ where: { id: input.shareId } })"],
    );
  });

  test("twins (review): the row read so, then changed through itself (its tenant column from the request, a share deleted)", () => {
    assert.deepEqual(
      findings(`  const me = await User.findByPk(ctx.user.id);
  await me!.update(input as any);
  const share = await Share.findByPk(input.shareId);
  await share!.destroy();`),
      ["findByPk(ctx.user.id)", "findByPk(input.shareId)"],
    );
    // (review, round 2) changed through another name, by element access, in a helper, or by a static write keyed by its id.
    for (const change of [
      "const row = me!; await row.update(input as any);",
      'await (me as any)["update"](input);',
      "await applyPatch(me, input);",
      "await User.update(input as any, { where: { id: me!.id } });",
    ])
      assert.ok(findings(`  const me = await User.findByPk(ctx.user.id);\n  ${change}`).length > 0, change);
    // Read and handed back, it is the user's own row.
    assert.deepEqual(findings("  const me = await User.findByPk(ctx.user.id);\n  return { me, email: me!.id };"), []);
  });
});

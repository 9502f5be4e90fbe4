// unscoped-client on ORM queries that carry the tenant predicate (so no predicate finding would
// point at them): Drizzle, Kysely, Knex, TypeORM and Sequelize here, Prisma in the row-level fixture app.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import ts from "typescript";
import { analyzeSourceFile } from "../../server/src/analyzer/analyze";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import { discoverTenantModel } from "../../server/src/analyzer/model/discover";
import type { TenantModel } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { summarizeFindings } from "../helpers/analyze";
import { createMemoryFs } from "../helpers/memory-fs";
import { sqlParser, testModel } from "../helpers/sql";

let parser: SqlParser;
let entityModel: TenantModel;
before(async () => {
  parser = await sqlParser();
  entityModel = discoverTenantModel(
    createMemoryFs(ENTITY_FILES),
    resolveConfig({ tenantColumns: ["tenant_id"] }, "/p", undefined),
    parser,
    ts,
  ).model;
});

// One TypeORM entity and one Sequelize model, both on tenant-owned "orders".
const ENTITY_FILES: Record<string, string> = {
  "/p/src/entities/order.entity.ts": `
import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";
@Entity("orders")
export class Order {
  @PrimaryGeneratedColumn("uuid") id!: string;
  @Column({ name: "tenant_id" }) tenantId!: string;
  @Column() status!: string;
}`,
  "/p/src/models/invoice.model.ts": `
import { DataTypes } from "sequelize";
import { sequelize } from "../db";
export const Invoice = sequelize.define("Invoice", {
  id: { type: DataTypes.UUID, primaryKey: true },
  tenantId: DataTypes.UUID,
}, { underscored: true });`,
};

const clients = { scoped: ["tenantDb", "withTenant"], unscoped: ["db"], allowUnscopedIn: [] as string[] };

function rules(
  text: string,
  isolation: "row" | "rls" = "row",
  options: { clients?: typeof clients; model?: TenantModel; path?: string } = {},
) {
  const path = options.path ?? "src/orders.ts";
  const sourceFile = ts.createSourceFile(`/p/${path}`, text, ts.ScriptTarget.Latest, true);
  const findings = analyzeSourceFile({
    ts,
    sourceFile,
    config: resolveConfig({ clients: options.clients ?? clients, isolation }, "/p", undefined),
    model: options.model ?? testModel(),
    parser,
    relativePath: path,
  });
  return summarizeFindings(text, findings).map(({ rule, at }) => ({ rule, at }));
}

const DRIZZLE = `import { drizzle } from "drizzle-orm/node-postgres";\nimport { and, eq } from "drizzle-orm";\nimport { orders } from "./schema";\nconst db = drizzle(process.env.DATABASE_URL!);\n`;
const KYSELY = `import { Kysely } from "kysely";\nconst db = new Kysely<DB>({ dialect });\n`;

describe("Drizzle", () => {
  it("the root client with a tenant predicate is unscoped-client", () =>
    assert.deepEqual(
      rules(
        `${DRIZZLE}export const list = (tenantId: string) => db.select().from(orders).where(eq(orders.tenantId, tenantId));`,
      ),
      [{ rule: "unscoped-client", at: "db" }],
    ));
  it("the root client without one gets both", () =>
    assert.deepEqual(
      rules(`${DRIZZLE}export const list = () => db.select().from(orders);`).map((f) => f.rule),
      ["unscoped-client", "missing-tenant-filter"],
    ));
  it("the tx of a scoped wrapper needs nothing", () =>
    assert.deepEqual(
      rules(`${DRIZZLE}export const list = (id: string) => withTenant(id, (tx) => tx.select().from(orders));`),
      [],
    ));
});

describe("Kysely", () => {
  it("the root client with a tenant predicate is unscoped-client", () =>
    assert.deepEqual(
      rules(
        `${KYSELY}export const list = (tenantId: string) => db.selectFrom("orders").where("tenant_id", "=", tenantId).selectAll().execute();`,
      ),
      [{ rule: "unscoped-client", at: "db" }],
    ));
  it("a global table is fine", () =>
    assert.deepEqual(rules(`${KYSELY}export const plans = () => db.selectFrom("plans").selectAll().execute();`), []));
});

describe("Knex", () => {
  const KNEX = `import knex from "knex";\nconst db = knex({ client: "pg" });\n`;
  it("the root client with a tenant predicate is unscoped-client", () =>
    assert.deepEqual(
      rules(`${KNEX}export const list = (tenantId: string) => db("orders").where({ tenant_id: tenantId });`),
      [{ rule: "unscoped-client", at: "db" }],
    ));
  it("a scoped client needs nothing", () =>
    assert.deepEqual(rules(`${KNEX}export const list = () => tenantDb("orders").select("id");`), []));
});

// TypeORM and Sequelize: a predicate does not make a configured unscoped receiver safe, a scoped
// receiver needs no predicate, and allowUnscopedIn waives unscoped-client (the predicate rules stay).
const ORM_CLIENTS = {
  scoped: ["withTenant", "tenantManager"],
  unscoped: ["orderRepo", "AppDataSource", "sequelize", "db"],
  allowUnscopedIn: ["scripts/**"],
};

const TYPEORM = `import { AppDataSource } from "../data-source";\nimport { Order } from "../entities/order.entity";\nconst orderRepo = AppDataSource.getRepository(Order);\n`;
const SEQUELIZE = `import { Invoice } from "../models/invoice.model";\nimport { sequelize } from "../db";\nimport * as db from "../models";\n`;

const ORM_CASES: {
  name: string;
  prelude: string;
  body: string;
  path?: string;
  expected: { rule: string; at: string }[];
}[] = [
  // TypeORM, unscoped receivers with a tenant predicate.
  {
    name: "TypeORM: a configured unscoped repository with a predicate",
    prelude: TYPEORM,
    body: "orderRepo.find({ where: { tenantId } })",
    expected: [{ rule: "unscoped-client", at: "orderRepo" }],
  },
  {
    name: "TypeORM: the data source's repository with a predicate",
    prelude: TYPEORM,
    body: "AppDataSource.getRepository(Order).findOneBy({ id: tenantId, tenantId })",
    expected: [{ rule: "unscoped-client", at: "AppDataSource.getRepository(Order)" }],
  },
  {
    name: "TypeORM: the data source's manager with a predicate",
    prelude: TYPEORM,
    body: "AppDataSource.manager.update(Order, { id: tenantId, tenantId }, { status: 'x' })",
    expected: [{ rule: "unscoped-client", at: "AppDataSource.manager" }],
  },
  {
    name: "TypeORM: an unscoped repository without a predicate gets both",
    prelude: TYPEORM,
    body: "orderRepo.find()",
    expected: [
      { rule: "unscoped-client", at: "orderRepo" },
      { rule: "missing-tenant-filter", at: "find()" },
    ],
  },
  {
    name: "TypeORM: allowUnscopedIn waives unscoped-client",
    prelude: TYPEORM,
    body: "orderRepo.find({ where: { tenantId } })",
    path: "scripts/backfill.ts",
    expected: [],
  },
  {
    name: "TypeORM: allowUnscopedIn keeps the predicate rule",
    prelude: TYPEORM,
    body: "orderRepo.find()",
    path: "scripts/backfill.ts",
    expected: [{ rule: "missing-tenant-filter", at: "find()" }],
  },
  // TypeORM, scoped receivers without a predicate.
  {
    name: "TypeORM: the manager of a scoped wrapper needs no predicate",
    prelude: TYPEORM,
    body: "withTenant(tenantId, (m) => m.find(Order))",
    expected: [],
  },
  {
    name: "TypeORM: a repository of a scoped manager needs no predicate",
    prelude: TYPEORM,
    body: "tenantManager.getRepository(Order).find()",
    expected: [],
  },
  // Sequelize, unscoped receivers with a tenant predicate.
  {
    name: "Sequelize: a model of the configured instance with a predicate",
    prelude: SEQUELIZE,
    body: "sequelize.models.Invoice.findAll({ where: { tenantId } })",
    expected: [{ rule: "unscoped-client", at: "sequelize" }],
  },
  {
    name: "Sequelize: a model of a configured models object with a predicate",
    prelude: SEQUELIZE,
    body: "db.Invoice.destroy({ where: { id: tenantId, tenantId } })",
    expected: [{ rule: "unscoped-client", at: "db" }],
  },
  {
    name: "Sequelize: an unscoped transaction with a predicate",
    prelude: SEQUELIZE,
    body: "sequelize.transaction((t) => Invoice.findAll({ where: { tenantId }, transaction: t }))",
    expected: [{ rule: "unscoped-client", at: "t" }],
  },
  {
    name: "Sequelize: allowUnscopedIn waives unscoped-client",
    prelude: SEQUELIZE,
    body: "db.Invoice.findAll({ where: { tenantId } })",
    path: "scripts/backfill.ts",
    expected: [],
  },
  // Sequelize, scoped receivers without a predicate.
  {
    name: "Sequelize: the transaction of a scoped wrapper needs no predicate",
    prelude: SEQUELIZE,
    body: "withTenant(tenantId, (t) => Invoice.findAll({ transaction: t }))",
    expected: [],
  },
  {
    name: "Sequelize: a bare model call with no predicate is still missing-tenant-filter",
    prelude: SEQUELIZE,
    body: "Invoice.findAll()",
    expected: [{ rule: "missing-tenant-filter", at: "findAll()" }],
  },
];

describe("TypeORM and Sequelize", () => {
  for (const c of ORM_CASES)
    it(c.name, () =>
      assert.deepEqual(
        rules(`${c.prelude}export const f = (tenantId: string) => ${c.body};\n`, "row", {
          clients: ORM_CLIENTS,
          model: entityModel,
          path: c.path,
        }),
        c.expected,
      ),
    );
});

// The Drizzle schema reader: pgTable/mysqlTable/sqliteTable and pgSchema(...).table definitions,
// SQL names and column keys, configured globs and the default locations.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import ts from "typescript";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import type { ConfigFile } from "../../server/src/analyzer/config/types";
import { discoverTenantModel } from "../../server/src/analyzer/model/discover";
import { loadSqlParser, type SqlParser } from "../../server/src/analyzer/sql/parse";
import { createMemoryFs } from "../helpers/memory-fs";

let parser: SqlParser;
before(async () => {
  parser = await loadSqlParser();
});

function discover(files: Record<string, string>, config: ConfigFile = {}) {
  return discoverTenantModel(createMemoryFs(files), resolveConfig(config, "/repo", undefined), parser, ts);
}

const SCHEMA = `import { pgSchema, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { mysqlTable, varchar } from "drizzle-orm/mysql-core";

export const orders = pgTable("orders", {
  id: uuid("id").primaryKey(),
  tenantId: uuid("tenant_id").notNull().references(() => tenants.id),
  note: text(),
});
export const tenants = pgTable("tenants", { id: uuid("id").primaryKey() });
const billing = pgSchema("billing");
export const invoices = billing.table("invoices", (t) => ({ id: t.uuid("id"), tenantId: t.uuid("tenant_id") }));
export const events = mysqlTable("events", { id: varchar("id", { length: 36 }), tenantId: varchar("tenant_id", { length: 36 }) });
`;

describe("drizzle schema reader", () => {
  test("tables with their SQL names, column keys and position", () => {
    const { model, notes } = discover({ "/repo/src/db/schema.ts": SCHEMA }, { tenantColumns: ["tenant_id"] });
    assert.deepEqual([...model.tables.keys()].sort(), ["events", "invoices", "orders"]);
    assert.deepEqual([...model.globalTables], ["tenants"]);
    const orders = model.tables.get("orders")!;
    assert.equal(orders.tenantColumn, "tenant_id");
    assert.deepEqual(orders.source, { file: "/repo/src/db/schema.ts", line: 4, column: 14, kind: "drizzle" });
    assert.deepEqual(orders.entities, [
      {
        orm: "drizzle",
        names: ["orders"],
        fields: { id: "id", tenantId: "tenant_id", note: "note" },
        uniques: [["id"]],
      },
    ]);
    // No `.primaryKey()`: no key recorded.
    assert.equal(model.tables.get("events")!.entities?.[0]?.uniques, undefined);
    assert.equal(model.tables.get("invoices")!.schema, "billing");
    assert.equal(model.entities?.get("invoices")?.name, "invoices");
    assert.deepEqual(notes, []);
  });

  test("a pgSchema imported from the module that defines it (latitude's latitudeSchema.table)", () => {
    const files = {
      "/repo/src/db-schema.ts": `import { pgSchema } from "drizzle-orm/pg-core";\nexport const latitudeSchema = pgSchema("latitude");\n`,
      "/repo/src/schema/models/projects.ts": `import { bigint, bigserial } from "drizzle-orm/pg-core";
import { latitudeSchema as schema } from "../../db-schema";
export const projects = schema.table("projects", { id: bigserial("id").primaryKey(), workspaceId: bigint("workspace_id").notNull() });`,
      // Not a schema: a table-like call on anything else defines nothing.
      "/repo/src/schema/models/other.ts": `import { registry } from "../../registry";\nimport { cache } from "../../db-schema";\nexport const x = cache.table("not_a_table", { id: 1 });\n`,
      "/repo/src/registry.ts": `export const registry = new Map();\n`,
    };
    const { model } = discover(files, { tenantColumns: ["workspace_id"], schema: { drizzle: ["src/schema/**/*.ts"] } });
    assert.deepEqual([...model.tables.keys()], ["projects"]);
    assert.equal(model.tables.get("projects")?.schema, "latitude");
    assert.deepEqual(model.tables.get("projects")?.entities?.[0]?.names, ["projects"]);
  });

  test("a schema const from a module tenantguard cannot read still defines tables, in no named schema", () => {
    const files = {
      "/repo/src/schema/projects.ts": `import { latitudeSchema } from "../generated/db-schema";
export const projects = latitudeSchema.table("projects", { id: bigserial("id"), workspaceId: bigint("workspace_id") });`,
    };
    const { model } = discover(files, { tenantColumns: ["workspace_id"], schema: { drizzle: ["src/schema/*.ts"] } });
    assert.equal(model.tables.get("projects")?.tenantColumn, "workspace_id");
    assert.equal(model.tables.get("projects")?.schema, undefined);
  });

  test("zero-config infers the tenant column from a drizzle schema alone", () => {
    const { model, notes } = discover({ "/repo/src/db/schema.ts": SCHEMA });
    assert.equal(model.tables.get("orders")?.tenantColumn, "tenant_id");
    assert.match(notes[0], /inferred tenant column "tenant_id" from 3 of 4 tables in src\/db\/schema.ts/);
  });

  test("default locations: src/db/schema/*.ts, db/schema.ts, drizzle/schema.ts, src/schema.ts, a monorepo's package (kan)", () => {
    for (const path of [
      "/repo/src/db/schema/orders.ts",
      "/repo/db/schema.ts",
      "/repo/drizzle/schema.ts",
      "/repo/src/schema.ts",
      "/repo/packages/db/src/schema/boards.ts",
      "/repo/apps/api/src/db/schema.ts",
    ]) {
      const { model } = discover({ [path]: SCHEMA }, { tenantColumns: ["tenant_id"] });
      assert.ok(model.tables.has("orders"), path);
    }
  });

  test("a definition with chained modifiers (kan's `pgTable(...).enableRLS()`) is still a table", () => {
    const files = {
      "/repo/src/db/schema.ts": `import { pgTable, uuid, text } from "drizzle-orm/pg-core";
export const boards = pgTable("board", { id: uuid("id").primaryKey(), workspaceId: uuid("workspaceId").notNull(), name: text("name") }).enableRLS();
const billing = pgSchema("billing");
export const invoices = billing.table("invoice", { id: uuid("id"), workspaceId: uuid("workspaceId") }).enableRLS();
export const notATable = makeThing("x", { workspaceId: 1 }).enableRLS();`,
    };
    const { model } = discover(files, { tenantColumns: ["workspaceId"] });
    assert.deepEqual([...model.tables.keys()].sort(), ["board", "invoice"]);
    assert.deepEqual(model.tables.get("board")?.entities?.[0]?.names, ["boards"]);
    assert.equal(model.tables.get("invoice")?.schema, "billing");
  });

  test("configured globs replace the defaults", () => {
    const files = {
      "/repo/src/db/schema.ts": SCHEMA,
      "/repo/lib/tables/a.ts": `export const docs = pgTable("documents", { orgId: uuid("org_id") });`,
    };
    const { model } = discover(files, { tenantColumns: ["org_id"], schema: { drizzle: ["lib/tables/*.ts"] } });
    assert.deepEqual([...model.tables.keys()], ["documents"]);
    assert.deepEqual(model.tables.get("documents")?.entities?.[0].fields, { orgId: "org_id" });
  });

  test("the same table from migrations and drizzle merges, keeping the migration's position", () => {
    const files = {
      "/repo/db/migrations/1.sql": "CREATE TABLE orders (id uuid, tenant_id uuid);",
      "/repo/src/db/schema.ts": SCHEMA,
    };
    const { model } = discover(files, {
      tenantColumns: ["tenant_id"],
      schema: { migrations: ["db/migrations/*.sql"] },
    });
    const orders = model.tables.get("orders")!;
    assert.equal(orders.source.kind, "migration");
    assert.equal(orders.entities?.[0].orm, "drizzle");
  });

  test("files that are not drizzle schemas add nothing", () => {
    const { model } = discover(
      { "/repo/src/schema.ts": "export const x = table('orders', {}); export function pgTable() {}" },
      { tenantColumns: ["tenant_id"] },
    );
    assert.equal(model.tables.size, 0);
  });
});

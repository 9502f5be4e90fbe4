// TypeORM @Entity classes as a tenant-model source: table and column names as TypeORM's
// default naming strategy gives them.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import ts from "typescript";
import type { ConfigFile } from "../../server/src/analyzer/config/types";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import { discoverTenantModel } from "../../server/src/analyzer/model/discover";
import { readTypeormEntities } from "../../server/src/analyzer/model/typeorm";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { createMemoryFs } from "../helpers/memory-fs";
import { sqlParser } from "../helpers/sql";

let parser: SqlParser;
before(async () => {
  parser = await sqlParser();
});

function read(text: string) {
  const file = "/p/src/entities/x.entity.ts";
  return readTypeormEntities(createMemoryFs({ [file]: text }), [file], ts).tables.map((t) => ({
    name: t.name,
    schema: t.schema,
    columns: t.columns,
    entity: t.entities?.[0],
  }));
}

describe("TypeORM entity reader", () => {
  const cases: {
    name: string;
    code: string;
    table: string;
    schema?: string;
    columns: string[];
    fields: Record<string, string>;
  }[] = [
    {
      name: "@Entity() takes the snake_cased class name; columns keep the property name",
      code: `@Entity() export class OrderItem { @PrimaryGeneratedColumn() id: number; @Column() tenantId: string; }`,
      table: "order_item",
      columns: ["id", "tenantId"],
      fields: { id: "id", tenantId: "tenantId" },
    },
    {
      name: `@Entity("orders") and @Column({ name: "tenant_id" })`,
      code: `@Entity("orders") export class Order { @PrimaryColumn("uuid") id: string; @Column({ name: "tenant_id", type: "uuid" }) tenantId: string; }`,
      table: "orders",
      columns: ["id", "tenant_id"],
      fields: { id: "id", tenantId: "tenant_id" },
    },
    {
      name: "@Entity({ name, schema }) and a typed @Column with options",
      code: `@Entity({ name: "invoices", schema: "billing" }) export class Invoice { @Column("uuid", { name: "org_id" }) orgId: string; @CreateDateColumn({ name: "created_at" }) createdAt: Date; }`,
      table: "invoices",
      schema: "billing",
      columns: ["org_id", "created_at"],
      fields: { orgId: "org_id", createdAt: "created_at" },
    },
    {
      name: "@ManyToOne + @JoinColumn({ name }) adds the join column",
      code: `@Entity("customers") export class Customer { @PrimaryColumn() id: string; @ManyToOne(() => Tenant) @JoinColumn({ name: "tenant_id" }) tenant: Tenant; }`,
      table: "customers",
      columns: ["id", "tenant_id"],
      fields: { id: "id" },
    },
    {
      name: "@ManyToOne without a name joins on <relation>Id",
      code: `@Entity("customers") export class Customer { @PrimaryColumn() id: string; @ManyToOne("Tenant") tenant: Tenant; }`,
      table: "customers",
      columns: ["id", "tenantId"],
      fields: { id: "id" },
    },
    {
      name: "columns of a base class belong to the entity",
      code: `export abstract class Scoped { @Column({ name: "tenant_id" }) tenantId: string; }\n@Entity("notes") export class Note extends Scoped { @PrimaryColumn() id: string; }`,
      table: "notes",
      columns: ["tenant_id", "id"],
      fields: { tenantId: "tenant_id", id: "id" },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const [t] = read(c.code);
      assert.equal(t.name, c.table);
      assert.equal(t.schema, c.schema);
      assert.deepEqual(t.columns, c.columns);
      assert.deepEqual(t.entity?.fields, c.fields);
      assert.equal(t.entity?.orm, "typeorm");
    });
  }

  test("relations keep their target and the join column's field", () => {
    const [t] = read(
      `@Entity("orders") export class Order { @Column({ name: "tenant_id" }) tenantId: string; @ManyToOne(() => Tenant, { nullable: false }) @JoinColumn({ name: "tenant_id" }) tenant: Tenant; @OneToMany(() => Item, (i) => i.order) items: Item[]; }`,
    );
    assert.deepEqual(t.entity?.relations, [
      { field: "tenant", target: "Tenant", required: true, fields: ["tenantId"] },
    ]);
  });

  test("a relation whose join column is a NOT NULL @Column is required, though it does not say nullable: false (ToolJet)", () => {
    const [t] = read(
      `@Entity("folder_apps") export class FolderApp { @Column({ name: "folder_id" }) folderId: string; @Column({ name: "app_id", nullable: true }) appId: string; @ManyToOne(() => Folder) @JoinColumn({ name: "folder_id" }) folder: Folder; @ManyToOne(() => App) @JoinColumn({ name: "app_id" }) app: App; @ManyToOne(() => User) @JoinColumn({ name: "user_id" }) user: User; }`,
    );
    assert.deepEqual(
      t.entity?.relations?.map((r) => [r.field, r.required]),
      [
        ["folder", true],
        ["app", false],
        ["user", false],
      ],
    );
  });

  test("a project's own wrappers of @Entity, @Column and @ManyToOne (ever-gauzy's @MultiORMEntity) read as TypeORM's", () => {
    const [t] = read(
      `@MultiORMEntity("time_log", { mikroOrmRepository: () => Repo }) export class TimeLog { @MultiORMColumn({ name: "tenant_id" }) tenantId: string; @MultiORMManyToOne(() => Employee, { nullable: false }) @JoinColumn() employee: Employee; @MultiORMColumn() employeeId: string; }`,
    );
    assert.equal(t.name, "time_log");
    assert.deepEqual(t.columns, ["tenant_id", "employeeId"]);
    assert.deepEqual(
      t.entity?.relations?.map((r) => [r.field, r.target, r.required]),
      [["employee", "Employee", true]],
    );
  });

  test("a class without @Entity is not a table", () => {
    assert.deepEqual(read(`export class Dto { @IsString() name: string; }`), []);
  });
});

describe("TypeORM entities in discovery", () => {
  test("zero-config finds entities under src/ and infers the tenant column", () => {
    const fs = createMemoryFs({
      "/p/src/modules/orders/order.entity.ts": `@Entity("orders") export class Order { @PrimaryColumn() id: string; @Column({ name: "tenant_id" }) tenantId: string; }`,
      "/p/src/entities/plan.ts": `@Entity("plans") export class Plan { @PrimaryColumn() id: string; }`,
      "/p/src/orders.service.ts": `@Entity("not_scanned") export class X { @Column() tenantId: string; }`,
    });
    const { model, notes } = discoverTenantModel(fs, resolveConfig(undefined, "/p", undefined), parser, ts);
    assert.deepEqual([...model.tables.keys()], ["orders"]);
    assert.deepEqual([...model.globalTables], ["plans"]);
    assert.equal(model.entities?.get("order")?.name, "orders");
    assert.equal(model.tables.get("orders")?.source.kind, "typeorm");
    assert.equal(model.tables.get("orders")?.source.line, 1);
    assert.match(notes[0], /inferred tenant column "tenant_id" from 1 of 2 tables in src/);
  });

  test("zero-config finds a monorepo's entities in its packages and apps; schema.typeorm names others", () => {
    const files = {
      "/p/packages/@acme/db/src/entities/shared-workflow.ts": `@Entity() export class SharedWorkflow { @PrimaryColumn() workflowId: string; @Column() projectId: string; }`,
      "/p/apps/api/src/billing/invoice.entity.ts": `@Entity("invoices") export class Invoice { @PrimaryColumn() id: string; @Column() projectId: string; }`,
      "/p/packages/@acme/db/node_modules/dep/src/entities/x.ts": `@Entity("dep_rows") export class X { @Column() projectId: string; }`,
      "/p/lib/orm/project-row.ts": `@Entity("project_rows") export class ProjectRow { @PrimaryColumn() id: string; @Column() projectId: string; }`,
    };
    const found = (config?: ConfigFile) =>
      [
        ...discoverTenantModel(
          createMemoryFs(files),
          resolveConfig(config, "/p", undefined),
          parser,
          ts,
        ).model.tables.keys(),
      ].sort();
    assert.deepEqual(found({ tenantColumns: ["projectId"] }), ["invoices", "shared_workflow"]);
    assert.deepEqual(found({ tenantColumns: ["projectId"], schema: { typeorm: ["lib/orm/*.ts"] } }), ["project_rows"]);
  });

  test("a schema.typeorm glob that matches no file is a config error naming the key", () => {
    const fs = createMemoryFs({
      "/p/tenantguard.config.json": `{ "tenantColumns": ["tenant_id"], "schema": { "typeorm": ["src/nowhere/*.ts"] } }`,
    });
    const { errors } = discoverTenantModel(
      fs,
      resolveConfig(
        { tenantColumns: ["tenant_id"], schema: { typeorm: ["src/nowhere/*.ts"] } },
        "/p",
        "/p/tenantguard.config.json",
      ),
      parser,
      ts,
    );
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.key, "schema.typeorm[0]");
    assert.match(errors[0]!.message, /"src\/nowhere\/\*\.ts" matches no file/);
  });

  test("an entity and a migration of the same table merge", () => {
    const fs = createMemoryFs({
      "/p/db/migrations/1.sql": "CREATE TABLE orders (id uuid, tenant_id uuid);",
      "/p/src/entities/order.ts": `@Entity("orders") export class Order { @PrimaryColumn() id: string; @Column({ name: "tenant_id" }) tenantId: string; }`,
    });
    const { model } = discoverTenantModel(
      fs,
      resolveConfig({ tenantColumns: ["tenant_id"], schema: { migrations: ["db/migrations/*.sql"] } }, "/p", undefined),
      parser,
      ts,
    );
    const orders = model.tables.get("orders");
    assert.equal(orders?.source.kind, "migration");
    assert.deepEqual(
      orders?.entities?.map((e) => e.names),
      [["Order"]],
    );
  });
});

// Schema-builder migrations (Kysely's `db.schema.createTable(...)`, Knex's `knex.schema.createTable
// (name, (t) => ...)`) read as the DDL they run: zero-config finds their tables, tenant columns and
// foreign keys, at the builder's own line; `sql` fragments inside a builder are no statements.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import ts from "typescript";
import { resolveConfig } from "../../../server/src/analyzer/config/load";
import { sqlOfScriptMigration } from "../../../server/src/analyzer/migrations/ts-migrations";
import { discoverTenantModel } from "../../../server/src/analyzer/model/discover";
import { loadSqlParser, type SqlParser } from "../../../server/src/analyzer/sql/parse";
import { createMemoryFs } from "../../helpers/memory-fs";

let parser: SqlParser;
before(async () => {
  parser = await loadSqlParser();
});

const KYSELY = `import { Kysely, sql } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("workspaces")
    .addColumn("id", "uuid", (col) => col.primaryKey().defaultTo(sql\`gen_random_uuid()\`))
    .execute();
  await db.schema
    .createTable("pages")
    .addColumn("id", "uuid", (col) => col.primaryKey().defaultTo(sql\`gen_random_uuid()\`))
    .addColumn("title", "varchar", (col) => col)
    .addColumn("workspace_id", "uuid", (col) =>
      col.references("workspaces.id").onDelete("cascade").notNull(),
    )
    .addColumn("created_at", "timestamptz", (col) => col.notNull().defaultTo(sql\`now()\`))
    .execute();
  await db.schema
    .createTable("page_history")
    .addColumn("id", "uuid", (col) => col.primaryKey())
    .addColumn("page_id", "uuid", (col) => col.references("pages.id").notNull())
    .execute();
  await db.schema.alterTable("pages").addColumn("creator_id", "uuid", (col) => col.references("users.id")).execute();
  await db.schema.alterTable("pages").renameColumn("title", "name").execute();
  await db.schema.createTable("scratch").addColumn("id", "uuid").execute();
  await db.schema.dropTable("scratch").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("pages").execute();
}
`;

const KNEX = `import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("orgs", (t) => {
    t.uuid("id").primary();
  });
  await knex.schema.createTable("projects", (t) => {
    t.increments("id");
    t.uuid("org_id").notNullable().references("id").inTable("orgs");
    t.string("name");
    t.timestamps();
  });
  await knex.schema.createTable("builds", (table) => {
    table.increments("id");
    table.integer("project_id").notNullable();
    table.foreign("project_id").references("projects.id");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("builds");
}
`;

function modelOf(files: Record<string, string>, tenantColumns?: string[]) {
  const fs = createMemoryFs(files);
  const config = resolveConfig(tenantColumns ? { tenantColumns } : {}, "/p", undefined);
  return discoverTenantModel(fs, config, parser, ts);
}

describe("schema-builder migrations", () => {
  test("Kysely: the DDL at the builder's lines, its sql fragments left out", () => {
    const sql = sqlOfScriptMigration(KYSELY, "/p/migrations/001_init.ts", ts);
    assert.equal(sql.length, KYSELY.length);
    const statements = sql
      .split(";")
      .map((s) => s.replace(/\s+/g, " ").trim())
      .filter(Boolean);
    assert.deepEqual(statements, [
      "CREATE TABLE workspaces(id uuid PRIMARY KEY)",
      "CREATE TABLE pages(id uuid PRIMARY KEY,title varchar,workspace_id uuid NOT NULL REFERENCES workspaces(id),created_at timestamptz NOT NULL)",
      "CREATE TABLE page_history(id uuid PRIMARY KEY,page_id uuid NOT NULL REFERENCES pages(id))",
      "ALTER TABLE pages ADD COLUMN creator_id uuid REFERENCES users(id)",
      "ALTER TABLE pages RENAME COLUMN title TO name",
      "CREATE TABLE scratch(id uuid)",
      "DROP TABLE scratch",
    ]);
    // Each statement starts where its builder does (`db.schema` of `await db.schema.createTable(...)`).
    const lines = sql.split("\n");
    assert.deepEqual(
      lines.flatMap((l, i) => (/\b(CREATE|ALTER|DROP)\b/.test(l) ? [i + 1] : [])),
      KYSELY.slice(0, KYSELY.indexOf("function down"))
        .split("\n")
        .flatMap((l, i) => (/db\.schema/.test(l) ? [i + 1] : [])),
    );
    assert.ok(!sql.includes("now()") && !sql.includes('pages")'));
  });

  test("zero config: a Kysely project's tenant column, tables and owning foreign keys come from its migrations", () => {
    const { model, errors } = modelOf({ "/p/src/database/migrations/20240101_init.ts": KYSELY });
    assert.deepEqual(errors, []);
    assert.equal(model.inference?.column, "workspace_id");
    const pages = model.tables.get("pages");
    assert.equal(pages?.tenantColumn, "workspace_id");
    assert.equal(pages?.source.line, 8); // `await db.schema` of createTable("pages")
    assert.deepEqual(model.tables.get("page_history")?.owner?.parent, "pages");
    assert.equal(model.tables.get("scratch"), undefined);
  });

  test("Knex: columns, notNullable, references().inTable() and table-level foreign keys", () => {
    const { model, errors } = modelOf({ "/p/migrations/20240101_init.ts": KNEX }, ["org_id"]);
    assert.deepEqual(errors, []);
    assert.equal(model.tables.get("projects")?.tenantColumn, "org_id");
    assert.equal(model.tables.get("builds")?.owner?.parent, "projects");
  });

  test("Knex: terse one-line builders, chained verbs, renameTable, withSchema, increments() and .alter()", () => {
    const text = `export async function up(knex) {
  await knex.schema.createTable("d", (t) => { t.increments(); t.uuid("org_id").notNullable(); t.timestamps(); }).createTable("e", (t) => { t.uuid("id").primary(); t.uuid("org_id"); });
  await knex.schema.renameTable("old_docs", "docs");
  await knex.schema.withSchema("app").createTable("f", (t) => { t.uuid("org_id"); });
  await knex.schema.alterTable("e", (t) => { t.string("org_id").alter(); t.uuid("d_id").notNullable().references("id").inTable("d"); });
}
`;
    const sql = sqlOfScriptMigration(text, "/p/migrations/1.ts", ts);
    assert.equal(sql.length, text.length);
    assert.deepEqual(
      sql
        .split(";")
        .map((s) => s.replace(/\s+/g, " ").trim())
        .filter(Boolean),
      [
        "CREATE TABLE d(id serial PRIMARY KEY,org_id uuid NOT NULL,created_at timestamptz,updated_at timestamptz)",
        "CREATE TABLE e(id uuid PRIMARY KEY,org_id uuid)",
        "ALTER TABLE old_docs RENAME TO docs",
        "CREATE TABLE app.f(org_id uuid)",
        "ALTER TABLE e ADD COLUMN d_id uuid NOT NULL REFERENCES d(id)",
      ],
    );
    const { model, errors } = modelOf(
      {
        "/p/migrations/1.ts": text,
        "/p/db/migrations/0.sql": "CREATE TABLE old_docs (id uuid PRIMARY KEY, org_id uuid);",
      },
      ["org_id"],
    );
    assert.deepEqual(errors, []);
    assert.deepEqual([...model.tables.keys()].sort(), ["d", "docs", "e", "f"]);
  });

  test("a statement never straddles kept SQL, and one with no room left in the file goes after its last line", () => {
    const text = `export async function up(knex) { await knex.schema.createTable("d", (t) => { t.increments(); t.uuid("org_id"); t.timestamps(); }); await knex.raw("ALTER TABLE d ENABLE ROW LEVEL SECURITY"); }`;
    const sql = sqlOfScriptMigration(text, "/p/migrations/1.ts", ts);
    assert.deepEqual(
      sql
        .split(";")
        .map((s) => s.replace(/\s+/g, " ").trim())
        .filter(Boolean)
        .sort(),
      [
        "ALTER TABLE d ENABLE ROW LEVEL SECURITY",
        "CREATE TABLE d(id serial PRIMARY KEY,org_id uuid,created_at timestamptz,updated_at timestamptz)",
      ],
    );
    assert.equal(sql.split("\n").length, 1);
    const { model, errors } = modelOf({ "/p/migrations/1.ts": text }, ["org_id"]);
    assert.deepEqual(errors, []);
    assert.equal(model.tables.get("d")?.tenantColumn, "org_id");
  });

  test("lightdash's Knex migrations: a table name in a const, a knex.raw default, a column named `order`", () => {
    const text = `import { Knex } from "knex";
const dashboardsTableName = "dashboards";
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("spaces", (t) => { t.integer("space_id").primary(); t.integer("project_id").notNullable(); });
  if (!(await knex.schema.hasTable(dashboardsTableName))) {
    await knex.schema.createTable(dashboardsTableName, (t) => {
      t.uuid("dashboard_uuid").primary().defaultTo(knex.raw("uuid_generate_v4()"));
      t.integer("space_id").notNullable().references("space_id").inTable("spaces");
      t.integer("order").notNullable();
    });
  }
}
`;
    const { model, errors } = modelOf({ "/p/migrations/20211007_dashboards.ts": text }, ["project_id"]);
    assert.deepEqual(errors, []);
    assert.equal(model.tables.get("dashboards")?.owner?.parent, "spaces");
    assert.match(
      sqlOfScriptMigration(text, "/p/migrations/1.ts", ts).replace(/\s+/g, " "),
      /CREATE TABLE dashboards\(dashboard_uuid uuid PRIMARY KEY,space_id int NOT NULL REFERENCES spaces\(space_id\),"order" int NOT NULL\)/,
    );
    // A knex.raw handed to a call is a value there, not a statement of its own, even in a builder not read.
    const unread = `export async function up(knex) {
  await knex.schema.createTable(names[0], (t) => { t.uuid("id").defaultTo(knex.raw("uuid_generate_v4()")); });
  await knex.raw("CREATE TABLE docs (id uuid PRIMARY KEY, project_id int NOT NULL)");
}
`;
    const read = modelOf({ "/p/migrations/1.ts": unread }, ["project_id"]);
    assert.deepEqual(read.errors, []);
    assert.deepEqual([...read.model.tables.keys()], ["docs"]);
  });

  test("infisical's Knex migrations: tables named by a string enum, the file's own or imported through a barrel", () => {
    const migration = (imports: string) => `import { Knex } from "knex";
${imports}
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable(TableName.Project, (t) => { t.string("id").primary(); t.uuid("orgId").notNullable(); });
  await knex.schema.createTable(TableName.Environment, (t) => {
    t.uuid("id").primary();
    t.string("projectId").notNullable();
    t.foreign("projectId").references("id").inTable(TableName.Project);
  });
  await knex.schema.createTable(TableName.Webhook, (t) => {
    t.uuid("id").primary();
    t.uuid("envId").notNullable();
    t.foreign("envId").references("id").inTable(TableName.Environment);
  });
}
`;
    const ENUM = `export enum TableName { Project = "projects", Environment = "project_environments", Webhook = "webhooks" }`;
    for (const files of <Record<string, string>[]>[
      {
        "/p/src/db/migrations/20231201_init.ts": migration('import { TableName } from "../schemas";'),
        "/p/src/db/schemas/index.ts": `export * from "./models";\n`,
        "/p/src/db/schemas/models.ts": `${ENUM}\n`,
      },
      { "/p/src/db/migrations/20231201_init.ts": migration(ENUM.replace("export ", "")) },
    ]) {
      const { model, errors } = modelOf(files, ["projectId"]);
      assert.deepEqual(errors, []);
      assert.equal(model.tables.get("project_environments")?.tenantColumn, "projectId");
      assert.equal(model.tables.get("webhooks")?.owner?.parent, "project_environments");
    }
    // Twin: an enum the migration cannot find (no such module) names no table.
    const missing = modelOf({
      "/p/src/db/migrations/20231201_init.ts": migration('import { TableName } from "../nowhere";'),
    });
    assert.equal(missing.model.tables.size, 0);
  });

  test("twins: a builder in the down migration, a table name the file cannot read, a nullable key own nothing", () => {
    const { model } = modelOf(
      {
        "/p/migrations/20240101_init.ts": `export async function up(db) {
  await db.schema.createTable("orgs").addColumn("id", "uuid", (c) => c.primaryKey()).execute();
  await db.schema.createTable("projects").addColumn("id", "uuid", (c) => c.primaryKey()).addColumn("org_id", "uuid", (c) => c.notNull()).execute();
  await db.schema.createTable(TABLE).addColumn("org_id", "uuid").execute();
  await db.schema.createTable("builds").addColumn("project_id", "uuid", (c) => c.references("projects.id")).execute();
}
export async function down(db) {
  await db.schema.createTable("ghosts").addColumn("org_id", "uuid").execute();
}
`,
      },
      ["org_id"],
    );
    assert.deepEqual([...model.tables.keys()].sort(), ["projects"]);
  });
});

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import type { ConfigFile } from "../../server/src/analyzer/config/types";
import { discoverTenantModel } from "../../server/src/analyzer/model/discover";
import { loadSqlParser, type SqlParser } from "../../server/src/analyzer/sql/parse";
import { createMemoryFs } from "../helpers/memory-fs";

let parser: SqlParser;
before(async () => {
  parser = await loadSqlParser();
});

const CONFIG = "/repo/tenantguard.config.json";

/**
 * Discovers the model of a project in /repo. With `config` (an object or its JSON text), it is
 * written to /repo/tenantguard.config.json, so positions can be read back; without, zero-config.
 */
function discover(files: Record<string, string>, configOrText?: ConfigFile | string) {
  const text = typeof configOrText === "string" ? configOrText : configOrText && JSON.stringify(configOrText, null, 2);
  const config = text === undefined ? undefined : (JSON.parse(text) as ConfigFile);
  const fs = createMemoryFs({ ...files, ...(text ? { [CONFIG]: text } : {}) });
  const result = discoverTenantModel(fs, resolveConfig(config, "/repo", config ? CONFIG : undefined), parser);
  const owned = Object.fromEntries([...result.model.tables].map(([key, t]) => [key, t.tenantColumn]));
  return { ...result, owned, global: [...result.model.globalTables].sort() };
}

describe("discoverTenantModel with tenantColumns configured", () => {
  test("a table is tenant-owned when it has the column in either spelling", () => {
    const { owned, global, notes, errors } = discover(
      {
        "/repo/db/migrations/1.sql": `
          CREATE TABLE orders (id int, tenant_id uuid);
          CREATE TABLE "Invoice" ("id" text, "tenantId" text);
          CREATE TABLE plans (id int);`,
      },
      { tenantColumns: ["tenantId"] },
    );
    assert.deepEqual(owned, { orders: "tenant_id", invoice: "tenantId" });
    assert.deepEqual(global, ["plans"]);
    assert.deepEqual(notes, []);
    assert.deepEqual(errors, []);
  });

  test("the table keeps its real name, schema and CREATE position", () => {
    const { model } = discover(
      { "/repo/db/migrations/1.sql": 'SELECT 1;\nCREATE TABLE billing."Invoice" ("tenantId" text);' },
      { tenantColumns: ["tenant_id"] },
    );
    assert.deepEqual(model.tables.get("invoice"), {
      name: "Invoice",
      schema: "billing",
      tenantColumn: "tenantId",
      source: { file: "/repo/db/migrations/1.sql", line: 2, column: 1, kind: "migration" },
    });
    assert.equal(model.inference, undefined);
  });

  test("says so when no table has any of the configured columns", () => {
    const { owned, notes } = discover(
      { "/repo/schema.sql": "CREATE TABLE a (org_id int);" },
      { tenantColumns: ["tenant_id"] },
    );
    assert.deepEqual(owned, {});
    assert.deepEqual(notes, [
      'tenantguard: none of the 1 tables has a tenant column (tenant_id); check "tenantColumns" in tenantguard.config.json',
    ]);
  });

  test("says nothing of the kind when the config's tables name a tenant column of their own (helicone's org_id)", () => {
    const { owned, notes } = discover(
      { "/repo/schema.sql": "CREATE TABLE a (org_id int); CREATE TABLE b (x int);" },
      `{ "tenantColumns": ["tenant_id"], "tables": { "a": { "tenantColumn": "org_id" } } }`,
    );
    assert.deepEqual(Object.keys(owned), ["a"]);
    assert.deepEqual(notes, []);
  });
});

describe("discoverTenantModel zero-config inference", () => {
  test("infers the column most tables share and says where it came from", () => {
    const { owned, global, model, notes } = discover({
      "/repo/db/migrations/001_init.sql": "CREATE TABLE orgs (id uuid); CREATE TABLE projects (id int, org_id uuid);",
      "/repo/db/migrations/002_more.sql":
        "CREATE TABLE tasks (id int, org_id uuid, project_id int); CREATE TABLE comments (org_id uuid, project_id int);",
    });
    assert.deepEqual(owned, { projects: "org_id", tasks: "org_id", comments: "org_id" });
    assert.deepEqual(global, ["orgs"]);
    assert.deepEqual(model.inference, {
      column: "org_id",
      tablesWithColumn: 3,
      tablesTotal: 4,
      from: ["db/migrations"],
    });
    assert.deepEqual(notes, [
      'tenantguard: no tenantguard.config.json; inferred tenant column "org_id" from 3 of 4 tables in db/migrations (confirm it in tenantguard.config.json)',
    ]);
  });

  test("infers the ORM spelling from Prisma migrations", () => {
    const { owned, model, notes } = discover({
      "/repo/prisma/migrations/20240101000000_init/migration.sql":
        'CREATE TABLE "Workspace" ("id" TEXT); CREATE TABLE "Doc" ("id" TEXT, "workspaceId" TEXT);',
      "/repo/prisma/migrations/20240201000000_more/migration.sql":
        'CREATE TABLE "Page" ("id" TEXT, "workspaceId" TEXT);',
    });
    assert.deepEqual(owned, { doc: "workspaceId", page: "workspaceId" });
    assert.deepEqual(model.inference, {
      column: "workspaceId",
      tablesWithColumn: 2,
      tablesTotal: 3,
      from: ["prisma/migrations"],
    });
    assert.match(notes[0], /inferred tenant column "workspaceId" from 2 of 3 tables in prisma\/migrations/);
  });

  test("a config without tenantColumns also infers, and says which key to set", () => {
    const { notes } = discover({ "/repo/schema.sql": "CREATE TABLE a (tenant_id int);" }, { isolation: "row" });
    assert.deepEqual(notes, [
      'tenantguard: no "tenantColumns" in tenantguard.config.json; inferred tenant column "tenant_id" from 1 of 1 tables in schema.sql (confirm it with "tenantColumns" in tenantguard.config.json)',
    ]);
  });

  const ties = [
    { name: "tenant_id wins a tie", columns: ["org_id", "tenant_id"], expected: "tenant_id" },
    { name: "then list order (org_id before workspace_id)", columns: ["workspace_id", "org_id"], expected: "org_id" },
    { name: "camelCase counts the same", columns: ["accountId", "companyId"], expected: "accountId" },
  ];
  for (const { name, columns, expected } of ties) {
    test(`ties: ${name}`, () => {
      const sql = columns.map((c, i) => `CREATE TABLE t${i} (id int, "${c}" int);`).join("\n");
      assert.equal(discover({ "/repo/schema.sql": sql }).model.inference?.column, expected);
    });
  }

  test("no candidate column: nothing is tenant-owned, and the note says so", () => {
    const { owned, global, model, notes } = discover({
      "/repo/migrations/1.sql": "CREATE TABLE users (id int, owner_id int);",
    });
    assert.deepEqual(owned, {});
    assert.deepEqual(global, ["users"]);
    assert.equal(model.inference, undefined);
    assert.deepEqual(notes, [
      'tenantguard: no tenantguard.config.json; none of tenant_id, org_id, organization_id, organisation_id, workspace_id, team_id, account_id, company_id, project_id appears in the 1 tables in migrations/1.sql, so no table is treated as tenant-owned (set "tenantColumns" in tenantguard.config.json)',
    ]);
  });

  test("no tables at all", () => {
    const { owned, notes, nothingToCheck } = discover({ "/repo/src/app.ts": "" });
    assert.deepEqual(owned, {});
    assert.equal(nothingToCheck, notes[0]);
    assert.equal(notes.length, 1);
    assert.equal(
      notes[0],
      'tenantguard: no tables found, so no query can be checked (searched the default places of schema.migrations, schema.prisma, schema.drizzle, schema.typeorm, schema.sequelize); point "schema" in tenantguard.config.json at your migrations or ORM schema, or list tables in "tables"',
    );
  });

  test("a Prisma schema one or two folders down (Remix's app/database/schema.prisma) is found by default", () => {
    const schema = "model Note {\n  id String @id\n  organizationId String\n}\n";
    const { owned, notes } = discover({ "/repo/app/database/schema.prisma": schema, "/repo/app/routes/x.ts": "" });
    assert.deepEqual(owned, { note: "organizationId" }, notes.join("\n"));
    assert.match(notes[0], /from 1 of 1 tables in app\/database\/schema\.prisma/);
  });

  test("the deeper places are read only when the usual ones hold nothing: an examples/ schema never joins the project's", () => {
    const own =
      "model Invoice {\n  id String @id\n  orgId String\n}\nmodel Line {\n  id String @id\n  orgId String\n}\n";
    const example =
      "model Post {\n  id String @id\n  teamId String\n}\nmodel Tag {\n  id String @id\n  teamId String\n}\nmodel Comment {\n  id String @id\n  teamId String\n}\n";
    const both = discover({ "/repo/prisma/schema.prisma": own, "/repo/examples/demo/prisma/schema.prisma": example });
    assert.deepEqual(both.owned, { invoice: "orgId", line: "orgId" });
    // Only deeper schemas: the one in an examples folder still stays out.
    const deeper = discover({
      "/repo/webapps/console/prisma/schema.prisma": own,
      "/repo/examples/demo/prisma/schema.prisma": example,
    });
    assert.deepEqual(deeper.owned, { invoice: "orgId", line: "orgId" });
  });

  test('package.json "prisma.schema" names the schema: a file or a folder of .prisma files', () => {
    const note = "model Note {\n  id String @id\n  organizationId String\n}\n";
    const tag = "model Tag {\n  id String @id\n  organizationId String\n}\n";
    const file = discover({
      "/repo/package.json": JSON.stringify({ name: "app", prisma: { schema: "./db/models/main.prisma" } }),
      "/repo/db/models/main.prisma": note,
    });
    assert.deepEqual(file.owned, { note: "organizationId" });
    const folder = discover({
      "/repo/package.json": JSON.stringify({ prisma: { schema: "db/models/" } }),
      "/repo/db/models/note.prisma": note,
      "/repo/db/models/more/tag.prisma": tag,
    });
    assert.deepEqual(Object.keys(folder.owned).sort(), ["note", "tag"]);
    // A package.json that does not parse, or a config that names its own globs, leaves it out.
    const broken = discover({ "/repo/package.json": "{ not json", "/repo/db/models/main.prisma": note });
    assert.deepEqual(broken.owned, {});
    const configured = discover(
      {
        "/repo/package.json": JSON.stringify({ prisma: { schema: "db/models/main.prisma" } }),
        "/repo/db/models/main.prisma": note,
        "/repo/sql/a.sql": "CREATE TABLE tags (id int, organization_id int);",
      },
      { schema: { migrations: ["sql/*.sql"], prisma: [] } },
    );
    assert.deepEqual(configured.owned, { tags: "organization_id" });
  });

  test("no tables at all, with schema globs the config set: the note names those globs", () => {
    const { notes } = discover(
      { "/repo/src/app.ts": "", "/repo/sql/empty.sql": "SELECT 1;" },
      `{ "tenantColumns": ["tenant_id"], "schema": { "migrations": ["sql/*.sql"], "prisma": [] } }`,
    );
    assert.equal(notes.length, 1);
    assert.match(
      notes[0],
      /\(searched schema\.migrations: sql\/\*\.sql; schema\.prisma: none; the default places of schema\.drizzle, schema\.typeorm, schema\.sequelize\)/,
    );
  });

  test("models in a top folder's src/ (backend/src/database/models) are found by default; node_modules are not", () => {
    const model = (name: string) =>
      `import { DataTypes } from "sequelize";\nexport default (sequelize) => sequelize.define("${name}", { tenantId: { type: DataTypes.UUID } });\n`;
    const { owned } = discover(
      {
        "/repo/backend/src/database/models/tag.ts": model("tag"),
        "/repo/node_modules/x/src/models/other.ts": model("other"),
      },
      { tenantColumns: ["tenantId"] },
    );
    assert.deepEqual(Object.keys(owned), ["tags"]);
  });

  test("no schema file, but tables listed in the config: the note says those are checked", () => {
    const { owned, notes } = discover(
      { "/repo/src/app.ts": "" },
      `{ "tenantColumns": ["environment_id"], "tables": { "_nango_connections": { "tenantColumn": "environment_id" } } }`,
    );
    assert.deepEqual(Object.keys(owned), ["_nango_connections"]);
    assert.equal(notes.length, 1);
    assert.match(
      notes[0],
      /^tenantguard: no schema file defines a table \(searched the default places of schema\.migrations, /,
    );
    assert.match(notes[0], /only the 1 table\(s\) listed in "tables" of tenantguard\.config\.json are checked/);
  });

  test("a schema glob the config spells out that matches no file is a config error at its key", () => {
    const { errors } = discover(
      { "/repo/db/migrations/1.sql": "CREATE TABLE orders (id int, tenant_id uuid);" },
      `{
  "tenantColumns": ["tenant_id"],
  "schema": {
    "migrations": ["db/migrations/*.sql"],
    "prisma": ["packages/database/schema.prisma"]
  }
}`,
    );
    assert.deepEqual(errors, [
      {
        file: CONFIG,
        message: '"packages/database/schema.prisma" matches no file under /repo',
        key: "schema.prisma[0]",
        line: 5,
        column: 16,
      },
    ]);
  });

  test("the default globs may match nothing", () => {
    const { errors } = discover(
      { "/repo/db/migrations/1.sql": "CREATE TABLE orders (id int, tenant_id uuid);" },
      { tenantColumns: ["tenant_id"] },
    );
    assert.deepEqual(errors, []);
  });

  test("migration errors are passed on; the other files still count", () => {
    const { owned, errors } = discover({
      "/repo/db/migrations/1.sql": "CREATE TABLE a (tenant_id int);",
      "/repo/db/migrations/2.sql": "CREAT TABLE b (tenant_id int);",
    });
    assert.deepEqual(owned, { a: "tenant_id" });
    assert.deepEqual(errors, [
      {
        file: "/repo/db/migrations/2.sql",
        message: 'SQL syntax error: syntax error at or near "CREAT"',
        line: 1,
        column: 1,
      },
    ]);
  });
});

describe("discoverTenantModel config overrides", () => {
  const migrations = {
    "/repo/db/migrations/1.sql": `
      CREATE TABLE orders (id int, tenant_id uuid);
      CREATE TABLE plans (id int, tenant_id uuid);
      CREATE TABLE invoices (id int, org_id uuid);
      CREATE TABLE audit (id int, tenant_id uuid);`,
  };

  test("globalTables are never tenant-owned, even with the column", () => {
    const { owned, global } = discover(migrations, {
      tenantColumns: ["tenant_id"],
      globalTables: ["plans", "Countries"],
    });
    assert.deepEqual(owned, { orders: "tenant_id", audit: "tenant_id" });
    assert.deepEqual(global, ["countries", "invoices", "plans"]);
  });

  test("tables: a different tenant column, global: true, and a table no migration defines", () => {
    const config = `{
  "tenantColumns": ["tenant_id"],
  "tables": {
    "invoices": { "tenantColumn": "orgId" },
    "audit": { "global": true },
    "billing.ledger": { "tenantColumn": "org_id" }
  }
}`;
    const { owned, global, model, notes } = discover(migrations, config);
    assert.deepEqual(owned, { orders: "tenant_id", plans: "tenant_id", invoices: "org_id", ledger: "org_id" });
    assert.deepEqual(global, ["audit"]);
    assert.deepEqual(notes, []);
    // The config-only table points at its key in the config file.
    assert.deepEqual(model.tables.get("ledger"), {
      name: "ledger",
      schema: "billing",
      tenantColumn: "org_id",
      source: { file: CONFIG, line: 6, column: 5, kind: "config" },
    });
  });

  test("a tenantColumn override that the table does not have is kept, with a note", () => {
    const { owned, notes } = discover(migrations, {
      tenantColumns: ["tenant_id"],
      tables: { orders: { tenantColumn: "account_id" } },
    });
    assert.equal(owned.orders, "account_id");
    assert.deepEqual(notes, [
      'tenantguard: tables.orders.tenantColumn "account_id" is not a column of orders in db/migrations/1.sql',
    ]);
  });
});

describe("zero-config in a monorepo", () => {
  test("a Prisma schema in a package is found without a config", () => {
    const { owned, notes } = discover({
      "/repo/packages/database/schema.prisma": `model Survey {\n  id String @id\n  organizationId String\n  @@map("surveys")\n}\nmodel Plan {\n  id String @id\n}\n`,
    });
    assert.deepEqual(owned, { surveys: "organizationId" });
    assert.match(notes.join("\n"), /packages\/database\/schema\.prisma/);
  });
});

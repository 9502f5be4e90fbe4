import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import ts from "typescript";
import { resolveConfig } from "../../../server/src/analyzer/config/load";
import { checkMigrations, listMigrationFiles, readMigrationHistory } from "../../../server/src/analyzer/migrations";
import { sqlOfScriptMigration } from "../../../server/src/analyzer/migrations/ts-migrations";
import { discoverTenantModel } from "../../../server/src/analyzer/model/discover";
import { loadSqlParser, type SqlParser } from "../../../server/src/analyzer/sql/parse";
import { createMemoryFs } from "../../helpers/memory-fs";

let parser: SqlParser;
before(async () => {
  parser = await loadSqlParser();
});

const CREATE = "CREATE TABLE invoices (id serial PRIMARY KEY, tenant_id uuid NOT NULL)";
const RLS = "ALTER TABLE invoices ENABLE ROW LEVEL SECURITY";

// The SQL of each tool's `up`, never its `down`.
const TOOLS: [string, string][] = [
  [
    "knex (CommonJS)",
    `exports.up = function (knex) {\n  return knex.raw(\`${CREATE}\`).then(() => knex.schema.raw("${RLS}"));\n};\nexports.down = (knex) => knex.raw("DROP TABLE invoices");\n`,
  ],
  [
    "knex (ESM, TS)",
    `import type { Knex } from "knex";\nexport async function up(knex: Knex) {\n  await knex.raw(\`${CREATE}\`);\n  await knex.raw('${RLS}');\n}\nexport async function down(knex: Knex) {\n  await knex.raw("DROP TABLE invoices");\n}\n`,
  ],
  [
    "Kysely",
    `import { sql, type Kysely } from "kysely";\nexport async function up(db: Kysely<any>) {\n  await sql\`${CREATE}\`.execute(db);\n  await sql\`${RLS}\`.execute(db);\n}\nexport async function down(db: Kysely<any>) {\n  await sql\`DROP TABLE invoices\`.execute(db);\n}\n`,
  ],
  [
    "TypeORM",
    `import { MigrationInterface, QueryRunner } from "typeorm";\nexport class Init1700000000000 implements MigrationInterface {\n  public async up(queryRunner: QueryRunner): Promise<void> {\n    await queryRunner.query(\`${CREATE}\`);\n    await queryRunner.query(\`${RLS}\`);\n  }\n  public async down(queryRunner: QueryRunner): Promise<void> {\n    await queryRunner.query(\`DROP TABLE invoices\`);\n  }\n}\n`,
  ],
];

describe("SQL in TS migration files", () => {
  for (const [tool, text] of TOOLS) {
    test(`${tool}: the up migration's SQL, at its own line and column`, () => {
      const sql = sqlOfScriptMigration(text, "/p/migrations/1_init.ts", ts);
      assert.equal(sql.length, text.length);
      assert.deepEqual(sql.split("\n").length, text.split("\n").length);
      const statements = sql
        .split(";")
        .map((s) => s.trim())
        .filter(Boolean);
      assert.deepEqual(statements, [CREATE, RLS]);
      assert.ok(!sql.includes("DROP TABLE"));
      const line = text.split("\n").findIndex((l) => l.includes("CREATE TABLE"));
      assert.equal(sql.split("\n")[line].indexOf("CREATE"), text.split("\n")[line].indexOf("CREATE"));
    });
  }

  test("a literal with ${...} substitutions is dynamic and left out", () => {
    const sql = sqlOfScriptMigration(
      "export async function up(k) { await k.raw(`ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY`); }",
      "/m.ts",
      ts,
    );
    assert.equal(sql.trim(), "");
  });

  test("findings land on the TS migration's line; tables only TS migrations create count by their tenant column", () => {
    const files = {
      "/p/migrations/20240101_init.ts": TOOLS[2][1],
      "/p/migrations/20240102_policy.ts": `import { sql } from "kysely";\nexport async function up(db) {\n  await sql\`CREATE POLICY p ON invoices USING (true)\`.execute(db);\n}\n`,
    };
    const fs = createMemoryFs(files);
    const config = resolveConfig({ isolation: "rls", tenantColumns: ["tenant_id"] }, "/p", undefined);
    const migrations = listMigrationFiles(fs, config);
    assert.deepEqual(migrations, Object.keys(files));
    const { model } = discoverTenantModel(fs, config, parser);
    const history = readMigrationHistory(fs, migrations, parser, ts);
    assert.deepEqual(history.errors, []);
    const found = checkMigrations(history, model, config).map(
      (f) => `${f.ruleId}@${f.file.split("/").pop()}:${f.line}:${f.column}`,
    );
    assert.deepEqual(found.sort(), [
      "rls-missing@20240101_init.ts:3:13",
      "rls-policy-without-tenant@20240102_policy.ts:3:13",
    ]);
  });
});

// db-check bench: migrations-to-verdict time for a 50-table schema (PGlite start included),
// beside the time of applying the same migrations to a fresh PGlite alone. Runs the TS
// sources through tsx (the bundle keeps PGlite external). `node bench/db-check.mjs` runs it
// alone; bench/run.mjs calls measureDbCheck as one of its MEASUREMENTS.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { register } from "tsx/cjs/api";

const TABLES = 50;
const RUNS = 2;

export async function measureDbCheck() {
  register();
  const require = createRequire(import.meta.url);
  const { checkEmbedded } = require("../server/src/database/check.ts");
  const { readMigrationHistory } = require("../server/src/analyzer/migrations/index.ts");
  const { resolveConfig } = require("../server/src/analyzer/config/load.ts");
  const { discoverTenantModel } = require("../server/src/analyzer/model/discover.ts");
  const { loadSqlParser } = require("../server/src/analyzer/sql/parse.ts");
  const { createNodeFileSystem } = require("../server/src/cli/node-fs.ts");
  const { PGlite } = require("@electric-sql/pglite");

  const dir = mkdtempSync(join(tmpdir(), "tenantguard-db-bench-"));
  try {
    const files = writeSchema(dir);
    const fs = createNodeFileSystem();
    const parser = await loadSqlParser();
    const config = resolveConfig(
      {
        isolation: "rls",
        tenantColumns: ["tenant_id"],
        globalTables: ["tenants"],
        schema: { migrations: ["db/migrations/*.sql"] },
      },
      dir,
      undefined,
    );
    const { model } = discoverTenantModel(fs, config, parser);
    const input = {
      config,
      model,
      parser,
      fs,
      migrationFiles: files,
      staticHistory: readMigrationHistory(fs, files, parser),
    };
    const texts = files.map((f) => fs.readFile(f));

    const apply = [];
    const verdict = [];
    let last;
    for (let run = 0; run < RUNS; run++) {
      let t = performance.now();
      const db = await PGlite.create();
      for (const text of texts) await db.exec(text);
      apply.push(performance.now() - t);
      await db.close();
      t = performance.now();
      last = await checkEmbedded(input);
      verdict.push(performance.now() - t);
    }
    const statuses = {};
    for (const table of last.tables) statuses[table.policyTest.status] = (statuses[table.policyTest.status] ?? 0) + 1;
    const ms = (values) => values.map((v) => `${(v / 1000).toFixed(2)} s`).join(", ");
    console.log(`  schema: ${TABLES} tables (${last.tables.length} tenant-owned), ${files.length} migrations`);
    console.log(`  apply migrations to a fresh PGlite (start included):      ${ms(apply)}`);
    console.log(`  db-check, migrations to verdict (start included):         ${ms(verdict)}`);
    const t = last.timings;
    console.log(
      `    last run: start ${(t.startMs / 1000).toFixed(2)} s, migrate ${(t.migrateMs / 1000).toFixed(2)} s, catalog + policy test ${(t.checkMs / 1000).toFixed(2)} s`,
    );
    console.log(
      `  verdicts: ${Object.entries(statuses)
        .map(([k, v]) => `${v} ${k}`)
        .join(", ")}; findings: ${last.findings.length}`,
    );
    return { applyMs: apply, verdictMs: verdict };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** tenants, then 49 tenant-owned tables (every fifth references the previous one); RLS in a second migration, five of them leaky. */
function writeSchema(dir) {
  const migrations = join(dir, "db", "migrations");
  mkdirSync(migrations, { recursive: true });
  const create = ["CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);"];
  const rls = [];
  for (let i = 1; i < TABLES; i++) {
    const parent = i % 5 === 0 ? `, parent_id int NOT NULL REFERENCES t${i - 1} (id)` : "";
    create.push(
      `CREATE TABLE t${i} (id serial PRIMARY KEY, tenant_id uuid NOT NULL REFERENCES tenants (id), name text NOT NULL, amount numeric(10,2) NOT NULL DEFAULT 0, created_at timestamptz NOT NULL DEFAULT now()${parent});`,
    );
    const using = i % 10 === 3 ? "true" : "tenant_id = (SELECT current_setting('app.tenant_id', true))::uuid";
    rls.push(
      `ALTER TABLE t${i} ENABLE ROW LEVEL SECURITY;`,
      `ALTER TABLE t${i} FORCE ROW LEVEL SECURITY;`,
      `CREATE POLICY t${i}_tenant ON t${i} USING (${using});`,
    );
  }
  const files = [join(migrations, "001_schema.sql"), join(migrations, "002_rls.sql")];
  writeFileSync(files[0], create.join("\n") + "\n");
  writeFileSync(files[1], rls.join("\n") + "\n");
  return files;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log("## db-check: 50-table schema, migrations to verdict");
  await measureDbCheck();
}

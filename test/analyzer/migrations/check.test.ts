import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { resolveConfig } from "../../../server/src/analyzer/config/load";
import type { ConfigFile } from "../../../server/src/analyzer/config/types";
import {
  checkMigrations,
  listMigrationFiles,
  readMigrationHistory,
  type MigrationFinding,
} from "../../../server/src/analyzer/migrations";
import { discoverTenantModel } from "../../../server/src/analyzer/model/discover";
import { loadSqlParser, type SqlParser } from "../../../server/src/analyzer/sql/parse";
import { createMemoryFs } from "../../helpers/memory-fs";

let parser: SqlParser;
before(async () => {
  parser = await loadSqlParser();
});

const TABLE = "CREATE TABLE invoices (id serial PRIMARY KEY, tenant_id uuid NOT NULL, owner_id uuid, total int);\n";
const SECURE =
  "ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;\nALTER TABLE invoices FORCE ROW LEVEL SECURITY;\n" +
  "CREATE POLICY tenant ON invoices USING (tenant_id = (SELECT current_setting('app.tenant_id', true)::uuid));\n";

/** Applies the migrations (file name order) and returns `rule@file:line` for each unsuppressed finding. */
function check(files: Record<string, string>, config: ConfigFile = { isolation: "rls" }): MigrationFinding[] {
  const paths = Object.fromEntries(Object.entries(files).map(([name, text]) => [`/p/db/migrations/${name}`, text]));
  const fs = createMemoryFs(paths);
  const resolved = resolveConfig(
    { tenantColumns: ["tenant_id"], schema: { migrations: ["db/migrations/*.sql"] }, ...config },
    "/p",
    undefined,
  );
  const { model } = discoverTenantModel(fs, resolved, parser);
  const history = readMigrationHistory(fs, Object.keys(paths), parser);
  assert.deepEqual(history.errors, []);
  return checkMigrations(history, model, resolved);
}

function ids(findings: MigrationFinding[]): string[] {
  return findings
    .filter((f) => !f.suppressed)
    .map((f) => `${f.ruleId}@${f.file.replace("/p/db/migrations/", "")}:${f.line}`);
}

// Each rule in both directions: [name, migrations, expected findings, config?].
const CASES: [string, Record<string, string>, string[], ConfigFile?][] = [
  ["enabled, forced, tenant policy: clean", { "1.sql": TABLE + SECURE }, []],
  ["nothing: rls-missing on CREATE TABLE", { "1.sql": TABLE }, ["rls-missing@1.sql:1"]],
  ["rls-missing does not run at isolation row", { "1.sql": TABLE }, [], { isolation: "row" }],
  [
    "enabled, not forced",
    {
      "1.sql":
        TABLE +
        "ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;\nCREATE POLICY p ON invoices USING (tenant_id = current_setting('app.tenant_id')::uuid);",
    },
    ["rls-missing@1.sql:1", "rls-setting-per-row@1.sql:3"],
  ],
  [
    "USING (true) is no tenant policy",
    { "1.sql": TABLE + SECURE.replace(/USING \(.*\);/, "USING (true);") },
    ["rls-missing@1.sql:1", "rls-policy-without-tenant@1.sql:4"],
  ],
  [
    "a policy on another column",
    {
      "1.sql":
        TABLE +
        SECURE +
        "CREATE POLICY mine ON invoices FOR SELECT USING (owner_id = current_setting('app.user_id')::uuid);",
    },
    ["rls-policy-without-tenant@1.sql:5", "rls-setting-per-row@1.sql:5"],
  ],
  [
    "tenant_id = tenant_id compares rows with themselves",
    { "1.sql": TABLE + SECURE + "CREATE POLICY self ON invoices USING (tenant_id = tenant_id);" },
    ["rls-policy-without-tenant@1.sql:5"],
  ],
  [
    "a restrictive tenant policy makes a permissive true harmless",
    {
      "1.sql":
        TABLE +
        SECURE.replace("POLICY tenant ON invoices", "POLICY tenant ON invoices AS RESTRICTIVE") +
        "CREATE POLICY everyone ON invoices USING (true) WITH CHECK (true);",
    },
    [],
  ],
  [
    "WITH CHECK (true) on a write policy",
    { "1.sql": TABLE + SECURE + "CREATE POLICY ins ON invoices FOR INSERT WITH CHECK (true);" },
    ["rls-unchecked-write@1.sql:5"],
  ],
  ["ALL with USING only: Postgres checks new rows with USING", { "1.sql": TABLE + SECURE }, []],
  [
    "WITH CHECK on the tenant: clean",
    {
      "1.sql":
        TABLE +
        SECURE +
        "CREATE POLICY ins ON invoices FOR INSERT WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true))::uuid);",
    },
    [],
  ],
  [
    "DISABLE after ENABLE",
    { "1.sql": TABLE + SECURE, "2.sql": "ALTER TABLE invoices DISABLE ROW LEVEL SECURITY;" },
    ["rls-disabled@2.sql:1"],
  ],
  [
    "NO FORCE after FORCE",
    { "1.sql": TABLE + SECURE, "2.sql": "\nALTER TABLE invoices NO FORCE ROW LEVEL SECURITY;" },
    ["rls-disabled@2.sql:2"],
  ],
  [
    "DISABLE then ENABLE again: clean",
    {
      "1.sql": TABLE + SECURE,
      "2.sql": "ALTER TABLE invoices DISABLE ROW LEVEL SECURITY;",
      "3.sql": "ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;",
    },
    [],
  ],
  [
    "DISABLE after ENABLE also at isolation row",
    { "1.sql": TABLE + SECURE, "2.sql": "ALTER TABLE invoices DISABLE ROW LEVEL SECURITY;" },
    ["rls-disabled@2.sql:1"],
    { isolation: "row" },
  ],
  ["SET row_security = off", { "1.sql": TABLE + SECURE + "SET row_security = off;" }, ["row-security-off@1.sql:5"]],
  [
    "ALTER ROLE ... SET row_security = off, later RESET",
    {
      "1.sql": TABLE + SECURE + "ALTER ROLE app SET row_security = off;",
      "2.sql": "ALTER ROLE app SET row_security = on;",
    },
    [],
  ],
  [
    "CREATE ROLE ... BYPASSRLS",
    { "1.sql": TABLE + SECURE + "CREATE ROLE app LOGIN BYPASSRLS;" },
    ["rls-bypass-role@1.sql:5"],
  ],
  [
    "SUPERUSER later taken back",
    { "1.sql": TABLE + SECURE + "CREATE ROLE app LOGIN SUPERUSER;", "2.sql": "ALTER ROLE app NOSUPERUSER;" },
    [],
  ],
  [
    "bypass roles do not matter without RLS",
    { "1.sql": TABLE + "CREATE ROLE app LOGIN BYPASSRLS;" },
    [],
    { isolation: "row" },
  ],
  [
    "SECURITY DEFINER reading a tenant table unscoped",
    {
      "1.sql":
        TABLE +
        SECURE +
        "CREATE FUNCTION all_invoices() RETURNS SETOF invoices LANGUAGE sql SECURITY DEFINER AS $$ SELECT * FROM invoices $$;",
    },
    ["rls-security-definer@1.sql:5"],
  ],
  [
    "SECURITY DEFINER with a tenant predicate",
    {
      "1.sql":
        TABLE +
        SECURE +
        "CREATE FUNCTION my_invoices() RETURNS SETOF invoices LANGUAGE sql SECURITY DEFINER AS $$ SELECT * FROM invoices WHERE tenant_id = current_setting('app.tenant_id')::uuid $$;",
    },
    [],
  ],
  [
    "plpgsql SECURITY DEFINER, replaced by SECURITY INVOKER later",
    {
      "1.sql":
        TABLE +
        SECURE +
        "CREATE FUNCTION n() RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER AS $$ DECLARE c bigint; BEGIN SELECT count(*) INTO c FROM invoices; RETURN c; END $$;",
      "2.sql": "ALTER FUNCTION n() SECURITY INVOKER;",
    },
    [],
  ],
  [
    "plpgsql SECURITY DEFINER reading unscoped",
    {
      "1.sql":
        TABLE +
        SECURE +
        "CREATE FUNCTION n() RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER AS $$ DECLARE c bigint; BEGIN SELECT count(*) INTO c FROM invoices; RETURN c; END $$;",
    },
    ["rls-security-definer@1.sql:5"],
  ],
  [
    "fails open: IS NULL OR",
    {
      "1.sql":
        TABLE +
        SECURE.replace(
          /USING \(.*\);/,
          "USING (current_setting('app.tenant_id', true) IS NULL OR tenant_id = (SELECT current_setting('app.tenant_id', true))::uuid);",
        ),
    },
    ["rls-missing@1.sql:1", "rls-policy-fails-open@1.sql:4", "rls-setting-per-row@1.sql:4"],
  ],
  [
    "fails open: COALESCE back to the column",
    {
      "1.sql":
        TABLE +
        SECURE.replace(
          /USING \(.*\);/,
          "USING (tenant_id = coalesce((SELECT current_setting('app.tenant_id', true))::uuid, tenant_id));",
        ),
    },
    ["rls-missing@1.sql:1", "rls-policy-fails-open@1.sql:4"],
  ],
  [
    "view without security_invoker",
    {
      "1.sql": TABLE + SECURE + "CREATE VIEW invoice_totals AS SELECT tenant_id, sum(total) FROM invoices GROUP BY 1;",
    },
    ["rls-view-bypass@1.sql:5"],
  ],
  [
    "view fixed later with security_invoker",
    {
      "1.sql": TABLE + SECURE + "CREATE VIEW invoice_totals AS SELECT tenant_id, sum(total) FROM invoices GROUP BY 1;",
      "2.sql": "ALTER VIEW invoice_totals SET (security_invoker = true);",
    },
    [],
  ],
  [
    "materialized view",
    { "1.sql": TABLE + SECURE + "CREATE MATERIALIZED VIEW mv AS SELECT * FROM invoices;" },
    ["rls-view-bypass@1.sql:5"],
  ],
  ["a later migration fixes an earlier one", { "001_init.sql": TABLE, "002_rls.sql": SECURE }, []],
  [
    "natural order: 10 after 9",
    { "9_init.sql": TABLE + SECURE, "10_off.sql": "ALTER TABLE invoices DISABLE ROW LEVEL SECURITY;" },
    ["rls-disabled@10_off.sql:1"],
  ],
  ["a global table needs nothing", { "1.sql": TABLE }, [], { isolation: "rls", globalTables: ["invoices"] }],
];

describe("checkMigrations", () => {
  for (const [name, files, expected, config] of CASES) {
    test(name, () => assert.deepEqual(ids(check(files, config)).sort(), [...expected].sort()));
  }

  test("findings point at the statement's first line, end column after its last character", () => {
    const [finding] = check({ "1.sql": "-- billing\n" + TABLE });
    assert.deepEqual(
      {
        line: finding.line,
        column: finding.column,
        endLine: finding.endLine,
        endColumn: finding.endColumn,
        table: finding.table,
      },
      { line: 2, column: 1, endLine: 2, endColumn: TABLE.trim().length, table: "invoices" },
    );
    assert.match(
      finding.message,
      /invoices lacks ENABLE ROW LEVEL SECURITY; FORCE ROW LEVEL SECURITY .*; a policy comparing tenant_id/,
    );
  });

  test("a -- tenantguard-ignore comment with a reason suppresses the statement below it", () => {
    const [finding] = check({
      "1.sql": "-- tenantguard-ignore rls-missing -- append-only ledger, reviewed in SEC-88\n" + TABLE,
    });
    assert.deepEqual(finding.suppressed, { reason: "append-only ledger, reviewed in SEC-88" });
  });

  test("Prisma's layout: prisma/migrations/<timestamp>_<name>/migration.sql, applied in timestamp order", () => {
    const files = {
      "/p/prisma/migrations/20240101000000_init/migration.sql": TABLE,
      "/p/prisma/migrations/20240301000000_rls/migration.sql": SECURE,
      "/p/prisma/migrations/20240201000000_tweak/migration.sql": "ALTER TABLE invoices ADD COLUMN note text;",
    };
    const fs = createMemoryFs(files);
    const config = resolveConfig({ tenantColumns: ["tenant_id"], isolation: "rls" }, "/p", undefined);
    const migrations = listMigrationFiles(fs, config);
    assert.deepEqual(
      migrations.map((f) => f.split("/")[4]),
      ["20240101000000_init", "20240201000000_tweak", "20240301000000_rls"],
    );
    const { model } = discoverTenantModel(fs, config, parser);
    assert.deepEqual(checkMigrations(readMigrationHistory(fs, migrations, parser), model, config), []);
  });

  test("rule severities follow the config", () => {
    assert.deepEqual(check({ "1.sql": TABLE }, { isolation: "rls", rules: { "rls-missing": "off" } }), []);
    assert.equal(
      check({ "1.sql": TABLE }, { isolation: "rls", rules: { "rls-missing": "warning" } })[0].severity,
      "warning",
    );
  });
});

// db-check against a real PostgreSQL server: TENANTGUARD_TEST_DATABASE_URL names a database
// whose role may CREATE DATABASE and CREATE ROLE. Each run migrates a scratch database of its
// own, checks it read-only and with --allow-writes, and proves the database is left exactly
// as it was. Without the variable every test here skips, and says so.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Client } from "pg";
import { dbCheckMain } from "../../server/src/cli/db-check";
import { openLive } from "../../server/src/database/live";
import { memoryIo, REPO_ROOT } from "../cli/helpers";
import { inputFor, verdicts } from "./helpers";
import { checkLive } from "../../server/src/database/check";

const URL_VAR = "TENANTGUARD_TEST_DATABASE_URL";
const adminUrl = process.env[URL_VAR];
const SKIP = adminUrl ? false : `SKIP: no PostgreSQL server (set ${URL_VAR})`;
if (SKIP) console.log(`# ${SKIP}`);

const FIXTURE = join(REPO_ROOT, "test", "fixtures", "database", "saas");
const MIGRATIONS = join(FIXTURE, "db", "migrations");
const files = Object.fromEntries(
  readdirSync(MIGRATIONS)
    .sort()
    .map((f) => [f, readFileSync(join(MIGRATIONS, f), "utf8")]),
);

let scratchUrl = "";
let scratchName = "";

/** Everything db-check could disturb: RLS flags, policies, roles, role settings, every row. */
async function snapshot(url: string): Promise<string> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const q = async (sql: string) => (await client.query(sql)).rows;
    const tables = await q(
      `SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1`,
    );
    const rows: Record<string, unknown> = {};
    for (const t of tables) rows[t.relname] = await q(`SELECT * FROM public."${t.relname}" ORDER BY 1`);
    return JSON.stringify({
      tables,
      rows,
      policies: await q(
        `SELECT polname, polrelid::regclass::text, pg_get_expr(polqual, polrelid) FROM pg_policy ORDER BY 1, 2`,
      ),
      roles: await q(`SELECT rolname, rolsuper, rolbypassrls FROM pg_roles ORDER BY 1`),
      settings: await q(`SELECT setdatabase, setrole, setconfig FROM pg_db_role_setting ORDER BY 1, 2`),
      sequences: await q(`SELECT sequencename, last_value FROM pg_sequences ORDER BY 1`),
    });
  } finally {
    await client.end();
  }
}

describe("db-check against a live PostgreSQL", { skip: SKIP }, () => {
  before(async () => {
    scratchName = `tenantguard_live_${randomBytes(4).toString("hex")}`;
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${scratchName}`);
    await admin.end();
    const url = new URL(adminUrl!);
    url.pathname = `/${scratchName}`;
    scratchUrl = url.toString();
    const client = new Client({ connectionString: scratchUrl });
    await client.connect();
    for (const text of Object.values(files)) await client.query(text);
    // A row of existing data, which the checks must neither see as theirs nor change.
    await client.query(`INSERT INTO tenants (id, name) VALUES ('00000000-0000-0000-0000-000000000001', 'existing')`);
    await client.end();
  });

  after(async () => {
    if (!scratchName) return;
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${scratchName}`);
    await admin.end();
  });

  test("read-only: the catalog is judged, the policy test is not run, nothing changes", async () => {
    const before = await snapshot(scratchUrl);
    const session = await openLive(scratchUrl);
    const input = await inputFor(files, { isolation: "rls", globalTables: ["tenants"] });
    const result = await checkLive(input, session, false).finally(() => session.close());
    assert.deepEqual(result.findings.map((f) => `${f.ruleId}@${f.file.split("/").pop()}:${f.line}`).sort(), [
      "rls-missing@001_init.sql:27",
      "rls-policy-without-tenant@002_rls.sql:20",
      "rls-unchecked-write@002_rls.sql:10",
    ]);
    assert.ok(result.tables.every((t) => t.policyTest.status === "not-run"));
    assert.equal(await snapshot(scratchUrl), before);
  });

  test("--allow-writes: the policy test gives the embedded verdicts, and everything is rolled back", async () => {
    const before = await snapshot(scratchUrl);
    const session = await openLive(scratchUrl);
    const input = await inputFor(files, { isolation: "rls", globalTables: ["tenants"] });
    const result = await checkLive(input, session, true).finally(() => session.close());
    const got = verdicts(result);
    assert.deepEqual(Object.keys(got).sort(), ["audit_log", "customers", "invoices", "notes"]);
    assert.equal(got.customers, "isolated");
    assert.equal(got.notes, "isolated");
    assert.equal(got.invoices, "leaking: moved tenant A's row to tenant B; inserted a row for tenant B");
    assert.match(got.audit_log, /^leaking: read 1 row\(s\) of other tenants/);
    assert.equal(await snapshot(scratchUrl), before);
  });

  test("the CLI never prints the connection string, its user or its password", async () => {
    const io = memoryIo(FIXTURE);
    const { exitCode } = await dbCheckMain(
      ["--database-url", scratchUrl, "--allow-writes", "--format", "json"],
      io,
      "0.0.0-test",
    );
    assert.equal(exitCode, 1);
    const url = new URL(scratchUrl);
    for (const secret of [scratchUrl, url.password, url.username].filter((s) => s.length >= 3)) {
      assert.ok(!io.out().includes(secret) && !io.err().includes(secret), "secret in output");
    }
    assert.equal(JSON.parse(io.out()).database.mode, "live, policy test");
  });
});

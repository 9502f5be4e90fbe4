// `tenantguard db-check` as users run it (in-process, on fixture projects), and the main
// command's static findings on `.sql` migrations.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { main } from "../../server/src/cli/main";
import { dbCheckMain } from "../../server/src/cli/db-check";
import { memoryIo, REPO_ROOT } from "../cli/helpers";
import { fastPglite } from "./helpers";

const FIXTURES = join(REPO_ROOT, "test", "fixtures", "database");

async function dbCheck(fixture: string, ...args: string[]) {
  const io = memoryIo(join(FIXTURES, fixture));
  const { exitCode } = await dbCheckMain(args, io, "0.0.0-test", fastPglite);
  return { exitCode, out: io.out(), err: io.err() };
}

describe("tenantguard db-check", () => {
  test("stylish: findings on the migration lines, then the table of verdicts; exit 1 on a leak", async () => {
    const { exitCode, out } = await dbCheck("saas");
    assert.equal(exitCode, 1);
    assert.match(
      out,
      /db\/migrations\/002_rls.sql\n\s+10:1\s+error\s+permissive policy invoices_tenant on invoices allows inserts and updates/,
    );
    const table = out.slice(out.indexOf("table  "));
    assert.deepEqual(table.split("\n").slice(0, 6), [
      "table      tenant column  RLS enabled  forced  policies          policy test",
      "---------  -------------  -----------  ------  ----------------  -----------",
      "audit_log  tenant_id      yes          yes     audit_log_tenant  leaking",
      "customers  tenant_id      yes          yes     customers_tenant  isolated",
      "invoices   tenant_id      yes          yes     invoices_tenant   leaking",
      "notes      tenant_id      yes          yes     notes_tenant      isolated",
    ]);
    assert.match(table, /invoices: inserted a row for tenant B: INSERT INTO "public"."invoices"/);
  });

  test("json: DESIGN.md's findings plus database.tables; the file and line that created the table", async () => {
    const { exitCode, out } = await dbCheck("saas", "--format", "json");
    assert.equal(exitCode, 1);
    const report = JSON.parse(out);
    const leak = report.findings.find(
      (f: { ruleId: string; table: string }) => f.ruleId === "rls-policy-leak" && f.table === "invoices",
    );
    assert.deepEqual([leak.file, leak.line, leak.column], ["db/migrations/001_init.sql", 13, 1]);
    const invoices = report.database.tables.find((t: { name: string }) => t.name === "invoices");
    assert.deepEqual(
      { ...invoices, policyTest: invoices.policyTest.status },
      {
        schema: "public",
        name: "invoices",
        tenantColumn: "tenant_id",
        rlsEnabled: true,
        rlsForced: true,
        policies: ["invoices_tenant"],
        policyTest: "leaking",
        file: "db/migrations/001_init.sql",
        line: 13,
      },
    );
    assert.equal(report.database.mode, "embedded");
    assert.equal(report.summary.files, 3);
  });

  test("sarif: each result points at the migration file and line", async () => {
    const { out } = await dbCheck("saas", "--format", "sarif");
    const run = JSON.parse(out).runs[0];
    const policy = run.results.find((r: { ruleId: string }) => r.ruleId === "rls-policy-without-tenant");
    assert.deepEqual(policy.locations[0].physicalLocation.artifactLocation.uri, "db/migrations/002_rls.sql");
    assert.equal(policy.locations[0].physicalLocation.region.startLine, 20);
    assert.ok(run.tool.driver.rules.some((r: { id: string }) => r.id === "rls-policy-leak"));
  });

  test("github annotations", async () => {
    const { out } = await dbCheck("saas", "--format", "github");
    assert.match(
      out,
      /^::error file=db\/migrations\/001_init.sql,line=27,col=1,.*title=tenantguard rls-policy-leak::policy test on audit_log/m,
    );
  });

  test("a clean project: exit 0; a leak only the policy test finds: exit 1", async () => {
    assert.equal((await dbCheck("clean")).exitCode, 0);
    const hidden = await dbCheck("hidden-leak");
    assert.equal(hidden.exitCode, 1);
    assert.match(hidden.out, /rls-policy-leak/);
    assert.doesNotMatch(hidden.out, /rls-policy-without-tenant|rls-missing/);
  });

  test("knex migrations in TypeScript: their up SQL is applied in order, their down SQL never", async () => {
    const { exitCode, out } = await dbCheck("knex");
    assert.equal(exitCode, 0);
    assert.ok(out.includes("projects  tenant_id      yes          yes     projects_tenant  isolated"), out);
  });

  test("usage errors exit 2: --allow-writes without --database-url, an unreachable database (its URL never printed)", async () => {
    const writes = await dbCheck("clean", "--allow-writes");
    assert.equal(writes.exitCode, 2);
    assert.match(writes.err, /--allow-writes only applies with --database-url/);
    const url = "postgres://secret_user:hunter2-password@127.0.0.1:1/tenantguard_nowhere";
    const down = await dbCheck("clean", "--database-url", url);
    assert.equal(down.exitCode, 2);
    assert.match(down.err, /cannot connect to --database-url/);
    for (const secret of ["hunter2-password", "secret_user", url])
      assert.ok(!down.err.includes(secret) && !down.out.includes(secret));
  });
});

describe("tenantguard (main command) on .sql migrations", () => {
  test("reports the static RLS findings on the migration line, with the TS findings", async () => {
    const io = memoryIo(join(FIXTURES, "saas"));
    const exitCode = await main(["--format", "json"], io);
    const report = JSON.parse(io.out());
    const found = report.findings
      .map((f: { ruleId: string; file: string; line: number }) => `${f.ruleId}@${f.file}:${f.line}`)
      .sort();
    assert.deepEqual(found, [
      "rls-missing@db/migrations/001_init.sql:27",
      "rls-policy-without-tenant@db/migrations/002_rls.sql:20",
      "rls-unchecked-write@db/migrations/002_rls.sql:10",
    ]);
    assert.equal(exitCode, 1);
  });

  test("paths that leave the migrations out leave their findings out", async () => {
    const io = memoryIo(join(FIXTURES, "saas"));
    assert.equal(await main(["db/migrations/003_fix_notes.sql", "--format", "json"], io), 0);
    assert.deepEqual(JSON.parse(io.out()).findings, []);
  });
});

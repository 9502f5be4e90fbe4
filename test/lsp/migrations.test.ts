// The bundled language server on migrations and Prisma schemas (fixtures/rls, `"isolation": "rls"`):
// the static RLS checks published on the `.sql` lines they are about, and schema errors on
// the schema file, both cleared when the file is fixed on disk or in the editor.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Diagnostic } from "vscode-languageserver-protocol";
import { copyFixture, LspClient, REPO, uri } from "./lsp-client";

const FIXTURE_RLS = join(import.meta.dirname, "fixtures", "rls");
const MIGRATION_TEXT = readFileSync(join(FIXTURE_RLS, "db", "migrations", "001_init.sql"), "utf8");
const SCHEMA_TEXT = readFileSync(join(FIXTURE_RLS, "prisma", "schema.prisma"), "utf8");

/** The migration with invoices forced and the notes policy comparing tenant_id: nothing to report. */
const FIXED_MIGRATION = MIGRATION_TEXT.replace(
  "ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;",
  "ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;\nALTER TABLE invoices FORCE ROW LEVEL SECURITY;",
).replace("USING (true)", "USING (tenant_id = (SELECT current_setting('app.tenant_id')::uuid))");

/** Rule id and 0-based line of each diagnostic, in line order. */
const summary = (diagnostics: Diagnostic[]) =>
  diagnostics.map((d) => [d.code, d.range.start.line]).sort((a, b) => Number(a[1]) - Number(b[1]));

before(() => {
  const built = spawnSync(process.execPath, [join(REPO, "scripts", "build.mjs")], { cwd: REPO, encoding: "utf8" });
  assert.equal(built.status, 0, `build failed:\n${built.stdout}${built.stderr}`);
});

describe("language server: migration and schema diagnostics", () => {
  let client: LspClient;
  let workspace: ReturnType<typeof copyFixture>;
  let migration: string;
  let schema: string;

  before(async () => {
    workspace = copyFixture(FIXTURE_RLS);
    migration = join(workspace.dir, "db", "migrations", "001_init.sql");
    schema = join(workspace.dir, "prisma", "schema.prisma");
    ({ client } = await LspClient.start(workspace.dir));
  });
  after(async () => {
    await client.stop();
    workspace.remove();
  });

  it("publishes the RLS checks on the migration's lines, with the rule's docs", async () => {
    const diagnostics = await client.diagnostics(uri(migration), 0, (d) => d.length > 0);
    assert.deepEqual(summary(diagnostics), [
      ["rls-missing", 1], // CREATE TABLE invoices: not forced
      ["rls-missing", 11], // CREATE TABLE notes: no policy compares tenant_id
      ["rls-policy-without-tenant", 18], // CREATE POLICY notes_all ... USING (true)
    ]);
    const unforced = diagnostics.find((d) => d.range.start.line === 1)!;
    assert.equal(unforced.severity, 1);
    assert.equal(unforced.source, "tenantguard");
    assert.match(unforced.message as string, /invoices lacks FORCE ROW LEVEL SECURITY/);
    assert.equal(
      unforced.codeDescription?.href,
      "https://github.com/tenantguard/tenantguard/blob/main/docs/rules/rls-missing.md",
    );
    const policy = diagnostics.find((d) => d.code === "rls-policy-without-tenant")!;
    assert.deepEqual(policy.range, {
      start: { line: 18, character: 0 },
      end: { line: 18, character: "CREATE POLICY notes_all ON notes USING (true)".length },
    });
  });

  it("clears them when the migration is fixed on disk", async () => {
    const since = client.mark();
    writeFileSync(migration, FIXED_MIGRATION);
    await client.connection.sendNotification("workspace/didChangeWatchedFiles", {
      changes: [{ uri: uri(migration), type: 2 }],
    });
    assert.deepEqual(await client.diagnostics(uri(migration), since), []);
  });

  it("checks an open migration from its editor text, and leaves out a suppressed finding", async () => {
    let since = client.mark();
    await client.open(uri(migration), FIXED_MIGRATION, 1, "sql");
    const broken = FIXED_MIGRATION.replace(
      "CREATE POLICY notes_all",
      "-- tenantguard-ignore rls-policy-without-tenant -- notes are public by design\nCREATE POLICY notes_all",
    ).replace("ON notes USING (tenant_id = (SELECT current_setting('app.tenant_id')::uuid))", "ON notes USING (true)");
    await client.change(uri(migration), broken, 2);
    assert.deepEqual(summary(await client.diagnostics(uri(migration), since, (d) => d.length > 0)), [
      ["rls-missing", 12], // CREATE TABLE notes: the policy is suppressed, the missing tenant policy is not
    ]);
    since = client.mark();
    await client.change(uri(migration), FIXED_MIGRATION, 3);
    await client.diagnostics(uri(migration), since, (d) => d.length === 0);
  });

  it("reports a Prisma schema syntax error on its line while it is typed, and clears it when fixed", async () => {
    let since = client.mark();
    await client.open(uri(schema), SCHEMA_TEXT, 1, "prisma");
    const broken = SCHEMA_TEXT.replace('@map("tenant_id")', '@map("tenant_id"))');
    await client.change(uri(schema), broken, 2);
    const [error, ...rest] = await client.diagnostics(uri(schema), since, (d) => d.length > 0);
    assert.deepEqual(rest, []);
    assert.equal(error.severity, 1);
    assert.match(error.message as string, /Prisma schema: unexpected "\)"/);
    const line = broken.split("\n").findIndex((l) => l.includes('"tenant_id"))'));
    assert.deepEqual(error.range.start, { line, character: broken.split("\n")[line].lastIndexOf(")") });
    since = client.mark();
    await client.change(uri(schema), SCHEMA_TEXT, 3);
    assert.deepEqual(await client.diagnostics(uri(schema), since), []);
  });

  it("publishes the checks on the SQL of a TS migration, and follows its editor text", async () => {
    const script = join(workspace.dir, "db", "migrations", "002_audit.ts");
    const text = [
      'import type { Knex } from "knex";',
      "",
      "export async function up(knex: Knex): Promise<void> {",
      '  await knex.raw("CREATE TABLE audit_log (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, event text NOT NULL)");',
      '  await knex.raw("ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY");',
      "}",
      "",
    ].join("\n");
    let since = client.mark();
    writeFileSync(script, text);
    await client.connection.sendNotification("workspace/didChangeWatchedFiles", {
      changes: [{ uri: uri(script), type: 1 }],
    });
    const [missing, ...rest] = await client.diagnostics(uri(script), since, (d) => d.length > 0);
    assert.deepEqual(rest, []);
    assert.equal(missing.code, "rls-missing");
    assert.deepEqual(missing.range.start, { line: 3, character: text.split("\n")[3].indexOf("CREATE") });
    since = client.mark();
    await client.open(uri(script), text);
    const fixed = text.replace(
      '  await knex.raw("ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY");',
      [
        '  await knex.raw("ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY");',
        '  await knex.raw("ALTER TABLE audit_log FORCE ROW LEVEL SECURITY");',
        "  await knex.raw(\"CREATE POLICY audit_tenant ON audit_log USING (tenant_id = (SELECT current_setting('app.tenant_id')::uuid))\");",
      ].join("\n"),
    );
    await client.change(uri(script), fixed, 2);
    await client.diagnostics(uri(script), since, (d) => d.length === 0);
  });
});

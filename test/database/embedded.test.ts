// db-check against the embedded PGlite: the catalog judged by the RLS rules, and the policy
// test proving each tenant-owned table isolated, leaking, or not verifiable (and why).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { embedded, verdicts } from "./helpers";

const TENANTS = "CREATE TABLE tenants (id uuid PRIMARY KEY, name text NOT NULL);\n";
const TABLE = (name: string) =>
  `CREATE TABLE ${name} (id serial PRIMARY KEY, tenant_id uuid NOT NULL REFERENCES tenants (id), body text NOT NULL);\n`;
const SETTING = "(SELECT current_setting('app.tenant_id', true))::uuid";
const SECURE = (name: string, using = `tenant_id = ${SETTING}`, check = "") =>
  `ALTER TABLE ${name} ENABLE ROW LEVEL SECURITY;\nALTER TABLE ${name} FORCE ROW LEVEL SECURITY;\n` +
  `CREATE POLICY ${name}_tenant ON ${name} USING (${using})${check ? ` WITH CHECK (${check})` : ""};\n`;
const GLOBAL = { isolation: "rls" as const, globalTables: ["tenants"] };

function rules(result: Awaited<ReturnType<typeof embedded>>): string[] {
  return result.findings.map((f) => `${f.ruleId}@${f.file.split("/").pop()}:${f.line}`).sort();
}

describe("db-check (embedded PGlite): the policy test", () => {
  test("a table with RLS enabled, forced and a tenant policy is isolated; one without RLS leaks", async () => {
    const result = await embedded({ "1.sql": TENANTS + TABLE("notes") + TABLE("files") + SECURE("notes") }, GLOBAL);
    assert.deepEqual(verdicts(result), {
      notes: "isolated",
      files:
        "leaking: read 1 row(s) of other tenants; updated tenant B's row; deleted tenant B's row; moved tenant A's row to tenant B; " +
        "inserted a row for tenant B; read 2 row(s) with the tenant setting empty (fails open)",
    });
    assert.deepEqual(rules(result), ["rls-missing@1.sql:3", "rls-policy-leak@1.sql:3"]);
    const files = result.tables.find((t) => t.name === "files")!;
    assert.deepEqual([files.rlsEnabled, files.rlsForced, files.policies], [false, false, []]);
  });

  test("USING (tenant_id = tenant_id): leaking, with the statement that leaked and the row count", async () => {
    const result = await embedded(
      { "1.sql": TENANTS + TABLE("notes") + SECURE("notes", "tenant_id = tenant_id") },
      GLOBAL,
    );
    const test = result.tables[0].policyTest;
    assert.equal(test.status, "leaking");
    if (test.status !== "leaking") return;
    assert.deepEqual(test.leaks[0], {
      statement: 'SELECT * FROM "public"."notes"',
      rows: 1,
      what: "read 1 row(s) of other tenants",
    });
  });

  test("WITH CHECK (true): reads are isolated, but rows can be written for another tenant", async () => {
    const result = await embedded(
      { "1.sql": TENANTS + TABLE("notes") + SECURE("notes", `tenant_id = ${SETTING}`, "true") },
      GLOBAL,
    );
    assert.deepEqual(verdicts(result), {
      notes: "leaking: moved tenant A's row to tenant B; inserted a row for tenant B",
    });
    assert.deepEqual(rules(result), ["rls-policy-leak@1.sql:2", "rls-unchecked-write@1.sql:5"]);
  });

  test("a policy that fails open on a missing setting leaks with the setting empty", async () => {
    const using = `current_setting('app.tenant_id', true) = '' OR tenant_id = ${SETTING}`;
    const result = await embedded({ "1.sql": TENANTS + TABLE("notes") + SECURE("notes", `(${using})`) }, GLOBAL);
    assert.deepEqual(verdicts(result), { notes: "leaking: read 2 row(s) with the tenant setting empty (fails open)" });
    assert.ok(rules(result).includes("rls-policy-fails-open@1.sql:5"));
  });

  test("seeds foreign keys (composite, identity, CHECK, enum, numeric(p,s)) with generated values", async () => {
    const schema =
      TENANTS +
      "CREATE TYPE status AS ENUM ('open', 'closed');\n" +
      "CREATE TABLE customers (id int GENERATED ALWAYS AS IDENTITY, tenant_id uuid NOT NULL REFERENCES tenants (id), email varchar(40) NOT NULL UNIQUE, PRIMARY KEY (tenant_id, id));\n" +
      "CREATE TABLE orders (id bigserial PRIMARY KEY, tenant_id uuid NOT NULL, customer_id int NOT NULL, total numeric(8,2) NOT NULL CHECK (total >= 0), status status NOT NULL, placed_at timestamptz NOT NULL, meta jsonb NOT NULL,\n" +
      "  FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id));\n";
    const result = await embedded({ "1.sql": schema + SECURE("customers") + SECURE("orders") }, GLOBAL);
    assert.deepEqual(verdicts(result), { customers: "isolated", orders: "isolated" });
    assert.deepEqual(result.findings, []);
  });

  test("policies for the app's role apply to the test role, which is made a member", async () => {
    const result = await embedded(
      {
        "1.sql":
          TENANTS +
          TABLE("notes") +
          "CREATE ROLE app_user NOLOGIN;\n" +
          SECURE("notes").replace("ON notes USING", "ON notes TO app_user USING"),
      },
      GLOBAL,
    );
    assert.deepEqual(verdicts(result), { notes: "isolated" });
  });

  test("not verifiable: a required column of a type it cannot generate, and no tenant setting anywhere", async () => {
    const odd =
      "CREATE TABLE shapes (id serial PRIMARY KEY, tenant_id uuid NOT NULL REFERENCES tenants (id), area polygon NOT NULL);\n";
    const seeded = await embedded({ "1.sql": TENANTS + odd + SECURE("shapes") }, GLOBAL);
    assert.match(
      verdicts(seeded).shapes,
      /^not-verifiable: could not seed rows as the owner: no value of type polygon for shapes.area$/,
    );
    const noSetting = await embedded(
      {
        "1.sql":
          TENANTS + TABLE("notes") + SECURE("notes", "tenant_id = (SELECT id FROM tenants WHERE name = current_user)"),
      },
      GLOBAL,
    );
    assert.match(verdicts(noSetting).notes, /^not-verifiable: no tenant setting found/);
  });

  test("a policy that reads right but leaks through a function: only the policy test catches it", async () => {
    const fn =
      "CREATE FUNCTION visible_tenants() RETURNS uuid[] LANGUAGE sql STABLE AS $$ SELECT array_agg(id) FROM tenants WHERE current_setting('app.tenant_id', true) IS NOT NULL $$;\n";
    const result = await embedded(
      {
        "1.sql":
          TENANTS +
          TABLE("docs") +
          fn +
          SECURE("docs", "tenant_id = ANY (visible_tenants())", `tenant_id = ${SETTING}`),
      },
      GLOBAL,
    );
    assert.deepEqual(rules(result), ["rls-policy-leak@1.sql:2"]);
    assert.match(verdicts(result).docs, /^leaking: read 1 row\(s\) of other tenants; deleted tenant B's row/);
  });
});

describe("db-check (embedded PGlite): the catalog", () => {
  test("a DO block's generated policies are judged like written ones", async () => {
    const doBlock =
      "DO $$ BEGIN EXECUTE 'ALTER TABLE notes ENABLE ROW LEVEL SECURITY'; EXECUTE 'ALTER TABLE notes FORCE ROW LEVEL SECURITY';\n" +
      "EXECUTE 'CREATE POLICY notes_all ON notes USING (true)'; END $$;\n";
    const result = await embedded({ "1.sql": TENANTS + TABLE("notes"), "2.sql": doBlock }, GLOBAL);
    assert.deepEqual(rules(result), [
      "rls-missing@1.sql:2",
      "rls-policy-leak@1.sql:2",
      "rls-policy-without-tenant@2.sql:2",
    ]);
  });

  test("a later migration that fixes an earlier one clears it", async () => {
    const result = await embedded({ "001.sql": TENANTS + TABLE("notes"), "002.sql": SECURE("notes") }, GLOBAL);
    assert.deepEqual(result.findings, []);
    assert.deepEqual(verdicts(result), { notes: "isolated" });
  });

  test("roles with BYPASSRLS, views without security_invoker, SECURITY DEFINER functions", async () => {
    const extra =
      "CREATE ROLE reporting BYPASSRLS;\n" +
      "CREATE VIEW note_counts AS SELECT tenant_id, count(*) FROM notes GROUP BY tenant_id;\n" +
      "CREATE VIEW my_notes WITH (security_invoker = true) AS SELECT * FROM notes;\n" +
      "CREATE FUNCTION all_notes() RETURNS SETOF notes LANGUAGE sql SECURITY DEFINER AS $$ SELECT * FROM notes $$;\n";
    const result = await embedded({ "1.sql": TENANTS + TABLE("notes") + SECURE("notes") + extra }, GLOBAL);
    assert.deepEqual(rules(result), [
      "rls-bypass-role@1.sql:6",
      "rls-security-definer@1.sql:9",
      "rls-view-bypass@1.sql:7",
    ]);
  });

  test("a -- tenantguard-ignore comment before the CREATE TABLE suppresses the catalog and policy-test findings", async () => {
    const ignore = "-- tenantguard-ignore rls-missing, rls-policy-leak -- public catalogue, readable by every tenant\n";
    const result = await embedded({ "1.sql": TENANTS + ignore + TABLE("catalogue") }, GLOBAL);
    assert.deepEqual(
      result.findings.map((f) => [f.ruleId, f.suppressed?.reason]),
      [
        ["rls-missing", "public catalogue, readable by every tenant"],
        ["rls-policy-leak", "public catalogue, readable by every tenant"],
      ],
    );
  });

  test("CREATE EXTENSION pgcrypto and uuid-ossp load PGlite's contrib modules", async () => {
    const ext = 'CREATE EXTENSION IF NOT EXISTS pgcrypto;\nCREATE EXTENSION IF NOT EXISTS "uuid-ossp";\n';
    const table =
      "CREATE TABLE keys (id uuid PRIMARY KEY DEFAULT uuid_generate_v4(), tenant_id uuid NOT NULL REFERENCES tenants (id), digest bytea NOT NULL DEFAULT digest('x', 'sha256'));\n";
    const result = await embedded({ "1.sql": ext + TENANTS + table + SECURE("keys") }, GLOBAL);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(verdicts(result), { keys: "isolated" });
  });

  test('isolation "row": tables without RLS show their verdict, with a note instead of findings', async () => {
    const result = await embedded(
      { "1.sql": TENANTS + TABLE("notes") },
      { isolation: "row", globalTables: ["tenants"] },
    );
    assert.deepEqual(result.findings, []);
    assert.match(verdicts(result).notes, /^leaking: read 1 row\(s\) of other tenants/);
    assert.match(
      result.notes.join("\n"),
      /isolation is "row": 1 table\(s\) without row-level security are reachable across tenants/,
    );
  });

  test("a migration that fails to apply is reported with its file, and nothing is judged", async () => {
    const result = await embedded(
      { "1.sql": TENANTS, "2.sql": "CREATE TABLE x (tenant_id uuid REFERENCES nowhere (id));" },
      GLOBAL,
    );
    assert.equal(result.errors.length, 1);
    assert.match(result.errors[0].file, /2\.sql$/);
    assert.match(result.errors[0].message, /migration failed: relation "nowhere" does not exist/);
    assert.deepEqual(result.tables, []);
  });
});

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { compareNatural, readMigrations, type MigrationTable } from "../../server/src/analyzer/model/migrations";
import { loadSqlParser, type SqlParser } from "../../server/src/analyzer/sql/parse";
import { createMemoryFs } from "../helpers/memory-fs";

let parser: SqlParser;
before(async () => {
  parser = await loadSqlParser();
});

/** Applies the files (in natural path order) and returns `schema.name -> columns` plus errors. */
function migrate(files: Record<string, string>) {
  const { tables, errors } = readMigrations(createMemoryFs(files), Object.keys(files), parser);
  const byName = Object.fromEntries(tables.map((t) => [t.schema ? `${t.schema}.${t.name}` : t.name, t]));
  return { byName, columns: Object.fromEntries(Object.entries(byName).map(([k, t]) => [k, t.columns])), errors };
}

describe("readMigrations", () => {
  test("CREATE TABLE, then ALTER TABLE adds, drops and renames columns", () => {
    const { columns, errors } = migrate({
      "/m/1_init.sql": "CREATE TABLE orders (id bigint PRIMARY KEY, total numeric, CONSTRAINT pos CHECK (total >= 0));",
      "/m/2_tenant.sql": `
        ALTER TABLE orders ADD COLUMN org uuid NOT NULL, DROP COLUMN total;
        ALTER TABLE orders ADD COLUMN IF NOT EXISTS org uuid;
        ALTER TABLE orders RENAME COLUMN org TO org_id;`,
    });
    assert.deepEqual(errors, []);
    assert.deepEqual(columns, { orders: ["id", "org_id"] });
  });

  test("RENAME TO, SET SCHEMA and DROP TABLE", () => {
    const { columns } = migrate({
      "/m/1.sql": "CREATE TABLE a (x int); CREATE TABLE b (y int); CREATE TABLE c (z int);",
      "/m/2.sql":
        "ALTER TABLE a RENAME TO accounts; ALTER TABLE b SET SCHEMA billing; DROP TABLE IF EXISTS c, missing CASCADE;",
    });
    assert.deepEqual(columns, { accounts: ["x"], "billing.b": ["y"] });
  });

  test("schema-qualified names keep their schema; unqualified references find them", () => {
    const { byName, columns } = migrate({
      "/m/1.sql": "CREATE SCHEMA billing; CREATE TABLE billing.invoices (id int);",
      "/m/2.sql": "ALTER TABLE invoices ADD COLUMN tenant_id uuid; ALTER TABLE public.invoices ADD COLUMN ignored int;",
    });
    assert.deepEqual(columns, { "billing.invoices": ["id", "tenant_id"] });
    assert.equal(byName["billing.invoices"].schema, "billing");
  });

  test('quoted identifiers keep their case ("Orders"); unquoted ones fold to lower case', () => {
    const { columns } = migrate({
      "/prisma/migrations/20240101000000_init/migration.sql":
        'CREATE TABLE "Orders" ("id" TEXT NOT NULL, "tenantId" TEXT NOT NULL);\nCREATE TABLE Customers (Id int, TenantId int);',
    });
    assert.deepEqual(columns, { Orders: ["id", "tenantId"], customers: ["id", "tenantid"] });
  });

  test("inherited, partition and LIKE columns are copied from known tables", () => {
    const { columns } = migrate({
      "/m/1.sql": `
        CREATE TABLE events (id int, tenant_id uuid) PARTITION BY LIST (tenant_id);
        CREATE TABLE events_a PARTITION OF events FOR VALUES IN ('a');
        CREATE TABLE archived_events (LIKE events, archived_at timestamptz);
        CREATE TABLE special_events (note text) INHERITS (events);`,
    });
    assert.deepEqual(columns, {
      events: ["id", "tenant_id"],
      events_a: ["id", "tenant_id"],
      archived_events: ["id", "tenant_id", "archived_at"],
      special_events: ["id", "tenant_id", "note"],
    });
  });

  test("files apply in natural path order: 2_x.sql before 10_x.sql", () => {
    const { columns } = migrate({
      "/m/10_rename.sql": "ALTER TABLE t RENAME COLUMN a TO b;",
      "/m/2_create.sql": "CREATE TABLE t (a int);",
    });
    assert.deepEqual(columns, { t: ["b"] });
  });

  test("each table remembers where its CREATE statement is (1-based, after non-ASCII text)", () => {
    const { byName } = migrate({
      "/m/1.sql": "-- Bestellungen für Kunden: 😀\nCREATE TABLE a (x int);\n\n  /* next */ CREATE TABLE b (y int);",
    });
    const at = (t: MigrationTable) => ({
      file: t.source.file,
      line: t.source.line,
      column: t.source.column,
      kind: t.source.kind,
    });
    assert.deepEqual(at(byName.a), { file: "/m/1.sql", line: 2, column: 1, kind: "migration" });
    assert.deepEqual(at(byName.b), { file: "/m/1.sql", line: 4, column: 14, kind: "migration" });
  });

  test("records ENABLE/FORCE ROW LEVEL SECURITY and policies", () => {
    const { byName } = migrate({
      "/m/1.sql": "CREATE TABLE notes (id int, tenant_id uuid); CREATE TABLE plain (id int);",
      "/m/2.sql": `
        ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
        ALTER TABLE notes FORCE ROW LEVEL SECURITY;
        CREATE POLICY tenant_isolation ON notes USING (tenant_id = current_setting('app.tenant_id')::uuid);
        CREATE POLICY strict ON notes AS RESTRICTIVE FOR INSERT TO app_user WITH CHECK (true);
        CREATE POLICY gone ON notes USING (true);
        DROP POLICY gone ON notes;`,
    });
    const notes = byName.notes;
    assert.deepEqual(notes.rls, { enabled: true, forced: true });
    assert.deepEqual(
      notes.policies.map(({ name, command, permissive, roles }) => ({ name, command, permissive, roles })),
      [
        { name: "tenant_isolation", command: "all", permissive: true, roles: ["public"] },
        { name: "strict", command: "insert", permissive: false, roles: ["app_user"] },
      ],
    );
    assert.ok(notes.policies[0].using && "A_Expr" in notes.policies[0].using);
    assert.equal(notes.policies[1].using, undefined);
    assert.ok(notes.policies[1].withCheck);
    assert.equal(notes.policies[0].source.line, 4);
    assert.deepEqual(byName.plain.rls, { enabled: false, forced: false });
    assert.deepEqual(byName.plain.policies, []);
  });

  test("a migration that does not parse is reported with the parser's position; the others still count", () => {
    const { columns, errors } = migrate({
      "/m/1.sql": "CREATE TABLE a (x int);",
      "/m/2.sql": "\\connect app\nCREATE TABLE b (y int);",
      "/m/3.sql": "CREATE TABLE c (z int);",
    });
    assert.deepEqual(columns, { a: ["x"], c: ["z"] });
    assert.deepEqual(errors, [
      { file: "/m/2.sql", message: 'SQL syntax error: syntax error at or near "\\"', line: 1, column: 1 },
    ]);
  });

  test("a syntax error in the middle of a file points at the offending token", () => {
    const { errors } = migrate({ "/m/1.sql": "CREATE TABLE a (x int);\nCREATE TABLE b (y int,);" });
    assert.deepEqual(errors, [
      { file: "/m/1.sql", message: 'SQL syntax error: syntax error at or near ")"', line: 2, column: 23 },
    ]);
  });

  test("empty and comment-only migrations are fine", () => {
    assert.deepEqual(migrate({ "/m/1.sql": "", "/m/2.sql": "-- nothing yet\n" }).errors, []);
  });

  test("a file that cannot be read is reported", () => {
    const { errors } = readMigrations(createMemoryFs({}), ["/m/gone.sql"], parser);
    assert.deepEqual(errors, [{ file: "/m/gone.sql", message: "cannot read migration /m/gone.sql" }]);
  });
});

test("compareNatural orders numbers numerically and Prisma timestamps chronologically", () => {
  const sorted = [
    "/m/10_x.sql",
    "/m/2_x.sql",
    "/m/1_x.sql",
    "/prisma/migrations/20240301120000_b/migration.sql",
    "/prisma/migrations/20231201120000_a/migration.sql",
  ].sort(compareNatural);
  assert.deepEqual(sorted, [
    "/m/1_x.sql",
    "/m/2_x.sql",
    "/m/10_x.sql",
    "/prisma/migrations/20231201120000_a/migration.sql",
    "/prisma/migrations/20240301120000_b/migration.sql",
  ]);
});

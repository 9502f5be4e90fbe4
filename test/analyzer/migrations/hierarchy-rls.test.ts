// Isolation "rls" for a table owned through its parent: its policy ties each row to its parent
// row (whose own policy limits what the subquery sees), not to a tenant column it does not have.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { resolveConfig } from "../../../server/src/analyzer/config/load";
import { checkMigrations, readMigrationHistory } from "../../../server/src/analyzer/migrations";
import { discoverTenantModel } from "../../../server/src/analyzer/model/discover";
import { loadSqlParser, type SqlParser } from "../../../server/src/analyzer/sql/parse";
import { createMemoryFs } from "../../helpers/memory-fs";

let parser: SqlParser;
before(async () => {
  parser = await loadSqlParser();
});

const SCHEMA = `
CREATE TABLE invoices (id uuid PRIMARY KEY, tenant_id uuid NOT NULL);
ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
ALTER TABLE invoices FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON invoices USING (tenant_id = (SELECT current_setting('app.tenant_id', true)::uuid));
CREATE TABLE invoice_items (id uuid PRIMARY KEY, invoice_id uuid NOT NULL REFERENCES invoices (id));
ALTER TABLE invoice_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE invoice_items FORCE ROW LEVEL SECURITY;
`;

function messages(policy: string): string[] {
  const fs = createMemoryFs({ "/p/db/migrations/1.sql": SCHEMA + policy });
  const config = resolveConfig(
    { tenantColumns: ["tenant_id"], isolation: "rls", schema: { migrations: ["db/migrations/*.sql"] } },
    "/p",
    undefined,
  );
  const { model } = discoverTenantModel(fs, config, parser);
  const history = readMigrationHistory(fs, ["/p/db/migrations/1.sql"], parser);
  return checkMigrations(history, model, config).map((f) => `${f.ruleId}: ${f.message}`);
}

test("a child policy that reads its parent through the owning key is a tenant policy", () => {
  assert.deepEqual(
    messages("CREATE POLICY tenant ON invoice_items USING (invoice_id IN (SELECT id FROM invoices));"),
    [],
  );
  assert.deepEqual(
    messages(
      "CREATE POLICY tenant ON invoice_items USING (EXISTS (SELECT 1 FROM invoices i WHERE i.id = invoice_items.invoice_id));",
    ),
    [],
  );
});

test("no policy, or one that does not follow the key: the finding names the parent, not a tenant column", () => {
  assert.deepEqual(messages(""), [
    "rls-missing: tenant-owned table invoice_items lacks a policy tying each row to its invoices row (invoice_id IN (SELECT id FROM invoices)): it is tenant-owned through invoices",
  ]);
  const loose = messages("CREATE POLICY tenant ON invoice_items USING (EXISTS (SELECT 1 FROM invoices));");
  assert.ok(loose.some((m) => m.startsWith("rls-missing: tenant-owned table invoice_items lacks a policy tying")));
  assert.ok(
    loose.some((m) => m.includes("its USING does not tie the row to its invoices row (invoice_id)")),
    loose.join("\n"),
  );
});

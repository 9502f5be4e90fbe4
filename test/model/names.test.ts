import assert from "node:assert/strict";
import { test } from "node:test";
import { normalizeColumnName, splitQualifiedName, tenantColumnMatches } from "../../server/src/analyzer/model/names";

test("a tenant column matches its SQL, ORM and folded spellings, both ways", () => {
  for (const [column, tenantColumn] of [
    ["tenant_id", "tenant_id"],
    ["tenantId", "tenant_id"],
    ["tenant_id", "tenantId"],
    ["TenantId", "tenant_id"],
    ["tenantid", "tenantId"], // Postgres folds an unquoted tenantId
  ]) {
    assert.ok(tenantColumnMatches(column, tenantColumn), `${column} ~ ${tenantColumn}`);
  }
  assert.ok(!tenantColumnMatches("tenant", "tenant_id"));
  assert.ok(!tenantColumnMatches("org_id", "tenant_id"));
  assert.equal(normalizeColumnName("organization_Id"), "organizationid");
});

test("config table keys may be schema-qualified", () => {
  assert.deepEqual(splitQualifiedName("invoices"), { name: "invoices" });
  assert.deepEqual(splitQualifiedName("billing.invoices"), { schema: "billing", name: "invoices" });
});

import type { RuleMeta } from "./meta";

export const rule: RuleMeta = {
  id: "weak-tenant-filter",
  defaultSeverity: "error",
  title: "Tenant predicate that does not hold for every row",
  description:
    "The tenant predicate sits inside OR, NOT or CASE, or is guarded by an optional parameter (OR $1 IS NULL), so some rows from other tenants still match. Only tenant_col IS NULL OR tenant_col = value (shared rows no tenant owns) is accepted.",
};

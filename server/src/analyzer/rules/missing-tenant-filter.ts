import type { RuleMeta } from "./meta";

export const rule: RuleMeta = {
  id: "missing-tenant-filter",
  defaultSeverity: "error",
  title: "Query on a tenant-owned table without a tenant predicate",
  description:
    "A SELECT, UPDATE or DELETE reads or changes a tenant-owned table without a top-level tenant predicate (tenant_col = value, IN, = ANY) in its WHERE or inner-join ON clause, so it returns or touches every tenant's rows.",
};

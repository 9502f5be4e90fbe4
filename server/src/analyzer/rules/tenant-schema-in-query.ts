import type { RuleMeta } from "./meta";

export const rule: RuleMeta = {
  id: "tenant-schema-in-query",
  defaultSeverity: "error",
  title: "Tenant schema named in a query",
  description:
    'With isolation "schema": a query names a tenant\'s schema itself (tenant_42.orders, "${schema}".orders) instead of running through the scoped client that sets search_path. One wrong value reads another tenant\'s schema.',
};

import type { RuleMeta } from "./meta";

export const rule: RuleMeta = {
  id: "rls-policy-without-tenant",
  defaultSeverity: "error",
  title: "Row-level security policy that does not constrain the tenant",
  description:
    "A permissive policy on a tenant-owned table whose USING does not compare the tenant column with the tenant setting (USING (true), a policy on another column, tenant_id = tenant_id). Permissive policies are combined with OR, so this one lets every tenant's rows through.",
};

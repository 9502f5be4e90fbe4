import type { RuleMeta } from "./meta";

export const rule: RuleMeta = {
  id: "rls-policy-leak",
  defaultSeverity: "error",
  title: "Policy test: a tenant's session reached another tenant's rows",
  description:
    "Reported by tenantguard db-check: with the tenant setting set to tenant A, a non-owner session read, updated, deleted or inserted rows of tenant B, whatever the static reading of the policy says.",
};

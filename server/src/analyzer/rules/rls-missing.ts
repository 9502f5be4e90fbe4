import type { RuleMeta } from "./meta";

export const rule: RuleMeta = {
  id: "rls-missing",
  defaultSeverity: "error",
  title: "Tenant-owned table without row-level security",
  description:
    'With isolation "rls", every tenant-owned table must have row-level security enabled and forced, and a policy that compares the tenant column with the tenant setting.',
};

import type { RuleMeta } from "./meta";

export const rule: RuleMeta = {
  id: "rls-policy-fails-open",
  defaultSeverity: "error",
  title: "Row-level security policy that fails open when the tenant setting is missing",
  description:
    "A policy that tests whether the tenant setting is missing and then allows rows (current_setting(...) IS NULL OR ..., = '' OR ..., CASE on it, COALESCE back to the tenant column). A connection that forgot to set the tenant then sees every tenant's rows instead of none.",
};

import type { RuleMeta } from "./meta";

export const rule: RuleMeta = {
  id: "rls-unchecked-write",
  defaultSeverity: "error",
  title: "Row-level security policy that lets rows be written for another tenant",
  description:
    "A permissive policy for INSERT, UPDATE or ALL whose WITH CHECK does not compare the tenant column with the tenant setting, so a tenant's session can insert rows into, or move rows to, another tenant.",
};

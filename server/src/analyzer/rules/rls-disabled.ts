import type { RuleMeta } from "./meta";

export const rule: RuleMeta = {
  id: "rls-disabled",
  defaultSeverity: "error",
  title: "Row-level security switched off after it was on",
  description:
    "DISABLE ROW LEVEL SECURITY or NO FORCE ROW LEVEL SECURITY on a tenant-owned table that had it, left so by the last migration: the policies no longer apply (or no longer apply to the table owner).",
};

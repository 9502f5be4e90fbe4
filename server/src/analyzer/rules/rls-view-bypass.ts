import type { RuleMeta } from "./meta";

export const rule: RuleMeta = {
  id: "rls-view-bypass",
  defaultSeverity: "error",
  title: "View that bypasses row-level security",
  description:
    "A view over a tenant-owned table runs with its owner's rights unless it is created WITH (security_invoker = true) (Postgres 15+), so row-level security is bypassed for everyone who can read the view. A materialized view stores every tenant's rows and has no row-level security at all.",
};

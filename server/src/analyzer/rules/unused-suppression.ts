import type { RuleMeta } from "./meta";

export const rule: RuleMeta = {
  id: "unused-suppression",
  defaultSeverity: "warning",
  title: "Suppression that no longer suppresses anything",
  description:
    "A tenantguard-ignore comment matches no finding any more. Remove it so the audit trail of intentional cross-tenant access stays true.",
};

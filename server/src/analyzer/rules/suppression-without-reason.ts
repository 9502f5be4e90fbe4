import type { RuleMeta } from "./meta";

export const rule: RuleMeta = {
  id: "suppression-without-reason",
  defaultSeverity: "warning",
  title: "Suppression comment without a reason",
  description:
    "A tenantguard-ignore comment has no reason after --. Intentional cross-tenant access must say why, so the list of suppressions is an audit trail.",
};

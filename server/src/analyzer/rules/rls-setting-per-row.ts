import type { RuleMeta } from "./meta";

export const rule: RuleMeta = {
  id: "rls-setting-per-row",
  defaultSeverity: "info",
  title: "Tenant setting read once per row in a policy",
  description:
    "current_setting(...) written bare in a policy is evaluated for every row the policy filters; (SELECT current_setting(...)) is evaluated once per statement (an InitPlan). Performance advice only.",
};

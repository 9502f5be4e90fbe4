import type { RuleMeta } from "./meta";

export const rule: RuleMeta = {
  id: "rls-bypass-role",
  defaultSeverity: "error",
  title: "Role that bypasses row-level security",
  description:
    "A role created or altered with BYPASSRLS or SUPERUSER (and not taken back by a later migration). Every query such a role runs skips row-level security, forced or not; the application's role must have neither.",
};

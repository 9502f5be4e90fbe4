import type { RuleMeta } from "./meta";

export const rule: RuleMeta = {
  id: "row-security-off",
  defaultSeverity: "warning",
  title: "row_security turned off",
  description:
    "SET row_security = off (for a session, a role or a database). For a role without BYPASSRLS, queries on RLS tables then fail instead of being filtered; for a role with it, every tenant's rows are read silently. Either way the code expects to go around row-level security.",
};

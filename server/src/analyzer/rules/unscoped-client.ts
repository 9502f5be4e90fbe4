import type { RuleMeta } from "./meta";

export const rule: RuleMeta = {
  id: "unscoped-client",
  defaultSeverity: "error",
  title: "Tenant-owned data through an unscoped client",
  description:
    "Tenant-owned data is read or written through the root database client instead of the tenant-scoped one, outside the paths listed in clients.allowUnscopedIn. It goes around the isolation boundary the team relies on, even when the query carries a predicate.",
};

import type { RuleMeta } from "./meta";

export const rule: RuleMeta = {
  id: "shared-connection",
  defaultSeverity: "error",
  title: "Shared connection used for tenant-owned data",
  description:
    'With isolation "database": a pool or client shared by every tenant is used for tenant-owned tables instead of the tenant\'s connection from the per-tenant factory.',
};

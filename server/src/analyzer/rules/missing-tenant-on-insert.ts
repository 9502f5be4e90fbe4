import type { RuleMeta } from "./meta";

export const rule: RuleMeta = {
  id: "missing-tenant-on-insert",
  defaultSeverity: "error",
  title: "Insert without the tenant column",
  description:
    "An INSERT into a tenant-owned table does not set the tenant column, or INSERT ... SELECT reads from an unscoped source, so the row is written without an owner or copied from another tenant.",
};

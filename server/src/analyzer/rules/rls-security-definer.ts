import type { RuleMeta } from "./meta";

export const rule: RuleMeta = {
  id: "rls-security-definer",
  defaultSeverity: "error",
  title: "SECURITY DEFINER function that reads tenant data without a tenant predicate",
  description:
    "A SECURITY DEFINER function runs as its owner. When the owner is a superuser, has BYPASSRLS, or owns an unforced table, row-level security does not restrict it, so a body that reads a tenant-owned table with no tenant predicate returns every tenant's rows to any caller.",
};

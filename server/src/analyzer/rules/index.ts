import type { ResolvedConfig } from "../config/types";
import type { RuleId, Severity } from "../types";
import { rule as dynamicSql } from "./dynamic-sql";
import type { RuleMeta } from "./meta";
import { rule as missingTenantFilter } from "./missing-tenant-filter";
import { rule as missingTenantOnInsert } from "./missing-tenant-on-insert";
import { rule as rlsMissing } from "./rls-missing";
import { rule as rlsPolicyWithoutTenant } from "./rls-policy-without-tenant";
import { rule as rlsUncheckedWrite } from "./rls-unchecked-write";
import { rule as rlsDisabled } from "./rls-disabled";
import { rule as rlsBypassRole } from "./rls-bypass-role";
import { rule as rowSecurityOff } from "./row-security-off";
import { rule as rlsSecurityDefiner } from "./rls-security-definer";
import { rule as rlsPolicyFailsOpen } from "./rls-policy-fails-open";
import { rule as rlsViewBypass } from "./rls-view-bypass";
import { rule as rlsSettingPerRow } from "./rls-setting-per-row";
import { rule as rlsPolicyLeak } from "./rls-policy-leak";
import { rule as rlsContextLeak } from "./tenant-context-leak";
import { rule as tenantSchemaInQuery } from "./tenant-schema-in-query";
import { rule as unquotedSchemaIdentifier } from "./unquoted-schema-identifier";
import { rule as searchPathOutsideScopedClient } from "./search-path-outside-scoped-client";
import { rule as sharedConnection } from "./shared-connection";
import { rule as suppressionWithoutReason } from "./suppression-without-reason";
import { rule as unscopedClient } from "./unscoped-client";
import { rule as unusedSuppression } from "./unused-suppression";
import { rule as weakTenantFilter } from "./weak-tenant-filter";

export { ruleDocsUrl, type RuleMeta } from "./meta";

export const RULES: Readonly<Record<RuleId, RuleMeta>> = {
  "missing-tenant-filter": missingTenantFilter,
  "weak-tenant-filter": weakTenantFilter,
  "missing-tenant-on-insert": missingTenantOnInsert,
  "unscoped-client": unscopedClient,
  "dynamic-sql": dynamicSql,
  "rls-missing": rlsMissing,
  "rls-policy-without-tenant": rlsPolicyWithoutTenant,
  "rls-unchecked-write": rlsUncheckedWrite,
  "rls-disabled": rlsDisabled,
  "rls-bypass-role": rlsBypassRole,
  "row-security-off": rowSecurityOff,
  "rls-security-definer": rlsSecurityDefiner,
  "rls-policy-fails-open": rlsPolicyFailsOpen,
  "rls-view-bypass": rlsViewBypass,
  "rls-setting-per-row": rlsSettingPerRow,
  "rls-policy-leak": rlsPolicyLeak,
  "tenant-context-leak": rlsContextLeak,
  "tenant-schema-in-query": tenantSchemaInQuery,
  "unquoted-schema-identifier": unquotedSchemaIdentifier,
  "search-path-outside-scoped-client": searchPathOutsideScopedClient,
  "shared-connection": sharedConnection,
  "suppression-without-reason": suppressionWithoutReason,
  "unused-suppression": unusedSuppression,
};

/** The severity a rule runs at under this config, or undefined when it is off. */
export function effectiveSeverity(config: ResolvedConfig, id: RuleId): Severity | undefined {
  const setting = config.rules[id] ?? RULES[id].defaultSeverity;
  return setting === "off" ? undefined : setting;
}

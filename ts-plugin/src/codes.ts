// tsserver diagnostics carry a number, not a string id: one fixed number per rule. The
// table is part of the public contract (ts-plugin/README.md); a new rule takes the next
// free number and a number never changes meaning.
import type { RuleId } from "../../server/src/analyzer";

export const DIAGNOSTIC_CODES: Readonly<Record<RuleId, number>> = {
  "missing-tenant-filter": 98001,
  "weak-tenant-filter": 98002,
  "missing-tenant-on-insert": 98003,
  "unscoped-client": 98004,
  "dynamic-sql": 98005,
  "rls-missing": 98006,
  "suppression-without-reason": 98007,
  "unused-suppression": 98008,
  "rls-policy-without-tenant": 98009,
  "rls-unchecked-write": 98010,
  "rls-disabled": 98011,
  "rls-bypass-role": 98012,
  "row-security-off": 98013,
  "rls-security-definer": 98014,
  "rls-policy-fails-open": 98015,
  "rls-view-bypass": 98016,
  "rls-setting-per-row": 98017,
  "rls-policy-leak": 98018,
  "tenant-context-leak": 98019,
  "tenant-schema-in-query": 98020,
  "unquoted-schema-identifier": 98021,
  "search-path-outside-scoped-client": 98022,
  "shared-connection": 98023,
};

const RULE_BY_CODE = new Map<number, RuleId>(
  Object.entries(DIAGNOSTIC_CODES).map(([id, code]) => [code, id as RuleId]),
);

/** The codes as tsserver's `getSupportedCodeFixes` lists them (strings). */
export const SUPPORTED_CODES: readonly string[] = [...RULE_BY_CODE.keys()].map(String);

/** The fixId of "fix all safe tenantguard issues in this file". */
export const FIX_ALL_ID = "tenantguard-fix-all";

export function ruleOfCode(code: number): RuleId | undefined {
  return RULE_BY_CODE.get(code);
}

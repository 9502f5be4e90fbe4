import type { RuleId, Severity } from "../types";

/** What every front end shows about a rule: SARIF `rules[]`, hover text, docs links. */
export interface RuleMeta {
  id: RuleId;
  defaultSeverity: Severity;
  /** One line, sentence case, no period. */
  title: string;
  /** What leaks and why; used as SARIF `fullDescription` and help text. */
  description: string;
}

export const DOCS_BASE = "https://github.com/tenantguard/tenantguard/blob/main/docs/rules/";

export function ruleDocsUrl(id: RuleId): string {
  return `${DOCS_BASE}${id}.md`;
}

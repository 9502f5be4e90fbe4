// Suppression comments: the audit trail of intentional cross-tenant access.
//   // tenantguard-ignore-next-line missing-tenant-filter -- billing job reads all tenants
//   -- tenantguard-ignore missing-tenant-filter -- billing job reads all tenants   (inside SQL)
// The reason after `--` is required; a comment that no longer suppresses anything is reported.
import { RULE_IDS, type RuleId } from "./types";

export interface SuppressionComment {
  /** Offsets of the directive text (from `tenantguard-ignore` to the end of the line). */
  start: number;
  end: number;
  /** 0-based line of the comment. */
  line: number;
  /** `next-line`: a TS comment covering the next line (and the statement that starts there); `sql`: inside a SQL string. */
  form: "next-line" | "sql";
  /** Rule ids named; empty means every rule. */
  rules: string[];
  reason: string;
  used: boolean;
}

const DIRECTIVE = /tenantguard-ignore(-next-line)?\b([^\r\n]*)/g;

/** Finds every suppression directive in a file's text. `lineOf` maps an offset to its 0-based line. */
export function findSuppressions(text: string, lineOf: (offset: number) => number): SuppressionComment[] {
  if (!text.includes("tenantguard-ignore")) return [];
  const out: SuppressionComment[] = [];
  for (const match of text.matchAll(DIRECTIVE)) {
    const start = match.index ?? 0;
    const lineStart = text.lastIndexOf("\n", start) + 1;
    const before = text.slice(lineStart, start);
    const nextLine = !!match[1];
    // A TS comment (`//`, `/*`, `*`) for the next-line form; a SQL `--` comment for the in-SQL form.
    if (nextLine ? !/(\/\/|\/\*|^\s*\*)\s*$/.test(before) : !/--\s*$/.test(before)) continue;
    let rest = match[2].replace(/\*\/.*$/, "").replace(/[`'"]\s*[,)]*\s*;?\s*$/, "");
    const separator = rest.indexOf("--");
    const reason = separator >= 0 ? rest.slice(separator + 2).trim() : "";
    rest = separator >= 0 ? rest.slice(0, separator) : rest;
    const rules = rest
      .split(/[\s,]+/)
      .map((r) => r.trim())
      .filter(Boolean);
    out.push({
      start,
      end: start + match[0].length,
      line: lineOf(start),
      form: nextLine ? "next-line" : "sql",
      rules,
      reason,
      used: false,
    });
  }
  return out;
}

/** Rule ids a directive names that tenantguard does not know. */
export function unknownRules(comment: SuppressionComment): string[] {
  return comment.rules.filter((r) => !(RULE_IDS as readonly string[]).includes(r));
}

export function suppressesRule(comment: SuppressionComment, ruleId: RuleId): boolean {
  return comment.rules.length === 0 || comment.rules.includes(ruleId);
}

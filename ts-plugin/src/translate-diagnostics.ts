// Findings as tsserver diagnostics. Suppressed findings are the audit trail, not problems:
// they are not shown.
import type ts from "typescript";
import type { Finding, Severity } from "../../server/src/analyzer";
import { DIAGNOSTIC_CODES } from "./codes";

export const DIAGNOSTIC_SOURCE = "tenantguard";

export function findingsToDiagnostics(
  tsm: typeof ts,
  sourceFile: ts.SourceFile,
  findings: readonly Finding[],
): ts.Diagnostic[] {
  return findings
    .filter((f) => !f.suppressed)
    .map((f) => ({
      file: sourceFile,
      start: f.start,
      length: Math.max(0, f.end - f.start),
      messageText: `[${f.ruleId}] ${f.message}`,
      category: categoryOf(tsm, f.severity),
      code: DIAGNOSTIC_CODES[f.ruleId],
      source: DIAGNOSTIC_SOURCE,
      ...(f.related?.length && {
        relatedInformation: f.related.map((r) => ({
          file: sourceFile,
          start: r.start,
          length: Math.max(0, r.end - r.start),
          messageText: r.message,
          category: tsm.DiagnosticCategory.Message,
          code: DIAGNOSTIC_CODES[f.ruleId],
        })),
      }),
    }));
}

/**
 * `info` maps to Message, not Suggestion: editors render tsserver suggestions as faint hints
 * that never reach the Problems list, and `dynamic-sql` exists so unanalyzable SQL is never
 * silent. Message shows as an information-level diagnostic in VS Code and LSP bridges.
 */
function categoryOf(tsm: typeof ts, severity: Severity): ts.DiagnosticCategory {
  switch (severity) {
    case "error":
      return tsm.DiagnosticCategory.Error;
    case "warning":
      return tsm.DiagnosticCategory.Warning;
    case "info":
      return tsm.DiagnosticCategory.Message;
  }
}

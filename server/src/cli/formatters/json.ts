// `--format json`: the shape DESIGN.md documents, one object, stable key order.
import type { Report } from "../report";

export function formatJson(report: Report): string {
  const output = {
    version: 1,
    findings: report.findings.map((f) => ({
      ruleId: f.ruleId,
      severity: f.severity,
      file: f.file,
      line: f.line,
      column: f.column,
      endLine: f.endLine,
      endColumn: f.endColumn,
      message: f.message,
      table: f.table ?? null,
      fixes: f.fixes.map((fix) => ({ title: fix.title, edits: fix.edits })),
      suppressed: f.suppressed ? { reason: f.suppressed.reason } : null,
    })),
    // `--explain` only: a run without it prints exactly the documented shape.
    ...(report.proofs && {
      proofs: report.proofs.map((p) => ({
        file: p.file,
        line: p.line,
        column: p.column,
        endLine: p.endLine,
        endColumn: p.endColumn,
        table: p.table,
        kind: p.kind,
        message: p.message,
        evidence: p.evidence,
      })),
    }),
    summary: report.summary,
    // What the run inferred for the user to confirm (stylish prints these on stderr); only when there are any.
    ...(report.notes?.length && { notes: report.notes }),
  };
  return JSON.stringify(output, null, 2) + "\n";
}

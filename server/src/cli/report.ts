// What every formatter receives: findings with their file and 1-based positions resolved
// once, plus the run's summary. Formatters only render; they compute nothing about findings.
import type { Finding, Proof, ProofKind, RuleId, Severity } from "../analyzer";
import type { FileText } from "./analysis";
import { positionAt } from "../analyzer/text-position";

export interface ReportedEdit {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  newText: string;
}

export interface ReportedFix {
  title: string;
  safe: boolean;
  edits: ReportedEdit[];
}

export interface ReportedFinding {
  ruleId: RuleId;
  severity: Severity;
  /** Relative to the working directory, forward slashes. */
  file: string;
  /** 1-based; `endColumn` is the column just after the last character (as in SARIF). */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  message: string;
  table: string | undefined;
  fixes: ReportedFix[];
  suppressed: { reason: string } | null;
  fingerprint: string;
}

/** How one safe query was proven (`--explain`). */
export interface ReportedProof {
  file: string;
  /** 1-based, of the query (the table reference in SQL, the ORM call). */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  table: string;
  kind: ProofKind;
  message: string;
  /** Where the evidence starts (the predicate, the scoped client), when there is one. */
  evidence: { line: number; column: number } | null;
}

export interface Summary {
  files: number;
  errors: number;
  warnings: number;
  infos: number;
  suppressed: number;
  /** Present only when a baseline was in use. */
  baselined?: number;
  durationMs: number;
}

export interface Report {
  /** Sorted by file, then position. Suppressed findings included; baselined ones are not. */
  findings: ReportedFinding[];
  summary: Summary;
  /** Absolute working directory the `file` paths are relative to (SARIF `%SRCROOT%`). */
  cwd: string;
  toolVersion: string;
  /** What the run inferred or decided for the user to confirm (the tenant column it inferred, clients it detected). */
  notes?: string[];
  /** Present only with `--explain`: every safe query's proof, sorted like the findings. */
  proofs?: ReportedProof[];
}

export interface FormatOptions {
  color: boolean;
}

export type Formatter = (report: Report, options: FormatOptions) => string;

/** Resolves a finding's offsets against the file it came from. */
export function toReportedFinding(finding: Finding, sourceFile: FileText, file: string): ReportedFinding {
  const range = toRange(sourceFile, finding.start, finding.end);
  return {
    ruleId: finding.ruleId,
    severity: finding.severity,
    file,
    ...range,
    message: finding.message,
    table: finding.table,
    fixes: finding.fixes.map((fix) => ({
      title: fix.title,
      safe: fix.safe,
      edits: fix.edits.map((edit) => ({ ...toRange(sourceFile, edit.start, edit.end), newText: edit.newText })),
    })),
    suppressed: finding.suppressed ? { reason: finding.suppressed.reason } : null,
    fingerprint: finding.fingerprint,
  };
}

export function toReportedProof(proof: Proof, sourceFile: FileText, file: string): ReportedProof {
  const evidence = proof.evidence && positionAt(sourceFile.lineStarts, proof.evidence.start);
  return {
    file,
    ...toRange(sourceFile, proof.start, proof.end),
    table: proof.table,
    kind: proof.kind,
    message: proof.message,
    evidence: evidence ? { line: evidence.line, column: evidence.column } : null,
  };
}

export function compareProofs(a: ReportedProof, b: ReportedProof): number {
  return (
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
    a.line - b.line ||
    a.column - b.column ||
    a.table.localeCompare(b.table)
  );
}

/** Counts for the summary line and the exit code: suppressed findings count only as suppressed. */
export function summarize(findings: readonly ReportedFinding[]): Omit<Summary, "files" | "durationMs"> {
  const counts = { errors: 0, warnings: 0, infos: 0, suppressed: 0 };
  for (const f of findings) {
    if (f.suppressed) counts.suppressed++;
    else if (f.severity === "error") counts.errors++;
    else if (f.severity === "warning") counts.warnings++;
    else counts.infos++;
  }
  return counts;
}

export function compareFindings(a: ReportedFinding, b: ReportedFinding): number {
  return (
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
    a.line - b.line ||
    a.column - b.column ||
    a.ruleId.localeCompare(b.ruleId)
  );
}

function toRange(sourceFile: FileText, start: number, end: number) {
  const s = positionAt(sourceFile.lineStarts, start);
  const e = positionAt(sourceFile.lineStarts, Math.max(start, end));
  return { line: s.line, column: s.column, endLine: e.line, endColumn: e.column };
}

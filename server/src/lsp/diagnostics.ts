// Findings and input errors as LSP diagnostics. Ranges come from the document's own
// offset mapping, so they are exact in UTF-16 whatever the line endings.
import { findNodeAtOffset, parseTree } from "jsonc-parser";
import { TextDocument } from "vscode-languageserver-textdocument";
import { DiagnosticSeverity, type Diagnostic, type DiagnosticRelatedInformation } from "vscode-languageserver/node";
import type { Finding, InputError, Severity, TenantModel } from "../analyzer";
import { lookupTenantEntity, lookupTenantTable } from "../analyzer/model/types";
import { ruleDocsUrl } from "../analyzer/rules";
import type { ReportedFinding } from "../cli/report";
import { pathToUri } from "./workspace";

export const SOURCE = "tenantguard";

/** What a diagnostic carries back to the server in code action requests. */
export interface DiagnosticData {
  fingerprint: string;
}

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

/** Diagnostics for the findings of one document; suppressed findings are not shown. */
export function findingsToDiagnostics(
  findings: readonly Finding[],
  document: TextDocument,
  model: TenantModel,
): Diagnostic[] {
  return findings.filter((f) => !f.suppressed).map((f) => findingToDiagnostic(f, document, model));
}

export function findingToDiagnostic(finding: Finding, document: TextDocument, model: TenantModel): Diagnostic {
  // ORM findings may name the entity (`Order`) rather than the table.
  const table = finding.table
    ? (lookupTenantTable(model, finding.table) ?? lookupTenantEntity(model, finding.table))
    : undefined;
  const diagnostic: Diagnostic = {
    range: { start: document.positionAt(finding.start), end: document.positionAt(finding.end) },
    severity: SEVERITY[finding.severity],
    code: finding.ruleId,
    codeDescription: { href: ruleDocsUrl(finding.ruleId) },
    source: SOURCE,
    message:
      finding.table && !mentions(finding.message, finding.table)
        ? `${finding.message} (table ${finding.table})`
        : finding.message,
    data: { fingerprint: finding.fingerprint } satisfies DiagnosticData,
  };
  if (table) {
    const related: DiagnosticRelatedInformation = {
      location: {
        uri: pathToUri(table.source.file),
        range: {
          start: { line: table.source.line - 1, character: table.source.column - 1 },
          end: { line: table.source.line - 1, character: table.source.column - 1 },
        },
      },
      message: table.owner
        ? `${table.name} is tenant-owned through ${table.owner.parent} (${table.owner.column} -> ${table.owner.parent}.${table.owner.parentColumn}) here`
        : `${table.name} is tenant-owned (${(table.tenantColumns ?? [table.tenantColumn]).join(", ")}) here`,
    };
    diagnostic.relatedInformation = [related];
  }
  // In the same document: the ownership check that falls through.
  for (const span of finding.related ?? []) {
    (diagnostic.relatedInformation ??= []).push({
      location: {
        uri: document.uri,
        range: { start: document.positionAt(span.start), end: document.positionAt(span.end) },
      },
      message: span.message,
    });
  }
  return diagnostic;
}

/** A finding of the migration checks (1-based, end column just past the last character) on its migration file. */
export function migrationFindingToDiagnostic(finding: ReportedFinding): Diagnostic {
  return {
    range: {
      start: { line: finding.line - 1, character: finding.column - 1 },
      end: { line: finding.endLine - 1, character: finding.endColumn - 1 },
    },
    severity: SEVERITY[finding.severity],
    code: finding.ruleId,
    codeDescription: { href: ruleDocsUrl(finding.ruleId) },
    source: SOURCE,
    message: finding.message,
    data: { fingerprint: finding.fingerprint } satisfies DiagnosticData,
  };
}

/**
 * A config or schema error as a diagnostic on the file it is about: at its line and column,
 * spanning the JSON value or key there when the file is JSON, else the rest of the line.
 */
export function inputErrorToDiagnostic(error: InputError, text: string | undefined): Diagnostic {
  const document = TextDocument.create(pathToUri(error.file), "plaintext", 0, text ?? "");
  const start = { line: Math.max(0, (error.line ?? 1) - 1), character: Math.max(0, (error.column ?? 1) - 1) };
  const offset = document.offsetAt(start);
  const lineEnd = document.offsetAt({ line: start.line + 1, character: 0 });
  let end = Math.max(offset + 1, document.getText().slice(0, lineEnd).trimEnd().length);
  // Without a position the error is about the whole file: mark its first line, not every line.
  if (text !== undefined && error.line !== undefined && error.file.endsWith(".json")) {
    const root = parseTree(text);
    const node = root && findNodeAtOffset(root, offset, false);
    if (node && node.offset === offset && node.length > 0) end = node.offset + node.length;
  }
  return {
    range: { start: document.positionAt(offset), end: document.positionAt(end) },
    severity: DiagnosticSeverity.Error,
    source: SOURCE,
    message: error.message,
  };
}

function mentions(message: string, table: string): boolean {
  return message.toLowerCase().includes(table.toLowerCase());
}

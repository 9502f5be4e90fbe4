// `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
// Stable result identity comes from the analyzer's fingerprint, never the line number,
// so code scanning tracks an alert across unrelated edits.
import { pathToFileURL } from "node:url";
import type * as sarif from "sarif";
import { RULES, ruleDocsUrl } from "../../analyzer/rules";
import type { RuleId, Severity } from "../../analyzer";
import type { Report, ReportedFinding } from "../report";

export const SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json";
export const FINGERPRINT_KEY = "tenantguard/v1";
const SRCROOT = "%SRCROOT%";
const INFORMATION_URI = "https://github.com/tenantguard/tenantguard";

const LEVEL: Record<Severity, sarif.Result.level> = { error: "error", warning: "warning", info: "note" };

export function formatSarif(report: Report): string {
  const ruleIds = Object.keys(RULES) as RuleId[];
  const log: sarif.Log = {
    $schema: SARIF_SCHEMA_URI,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "tenantguard",
            version: report.toolVersion,
            semanticVersion: report.toolVersion,
            informationUri: INFORMATION_URI,
            rules: ruleIds.map(toDescriptor),
          },
        },
        // TypeScript positions count UTF-16 code units; say so, or viewers may assume code points.
        columnKind: "utf16CodeUnits",
        originalUriBaseIds: { [SRCROOT]: { uri: directoryUri(report.cwd) } },
        results: report.findings.map((f) => toResult(f, ruleIds.indexOf(f.ruleId))),
        // What the run inferred (the tenant column, detected clients): notes for whoever reads the log.
        ...(report.notes?.length && {
          invocations: [
            {
              executionSuccessful: true,
              toolExecutionNotifications: report.notes.map((text) => ({ level: "note" as const, message: { text } })),
            },
          ],
        }),
      },
    ],
  };
  return JSON.stringify(log, null, 2) + "\n";
}

function toDescriptor(id: RuleId): sarif.ReportingDescriptor {
  const meta = RULES[id];
  const url = ruleDocsUrl(id);
  return {
    id,
    name: pascalCase(id),
    shortDescription: { text: meta.title },
    fullDescription: { text: meta.description },
    helpUri: url,
    help: {
      text: `${meta.description} See ${url}`,
      markdown: `${meta.description}\n\n[Rule documentation](${url})`,
    },
    defaultConfiguration: { level: LEVEL[meta.defaultSeverity] },
  };
}

function toResult(f: ReportedFinding, ruleIndex: number): sarif.Result {
  const artifactLocation: sarif.ArtifactLocation = { uri: relativeUri(f.file), uriBaseId: SRCROOT };
  const result: sarif.Result = {
    ruleId: f.ruleId,
    ruleIndex,
    level: LEVEL[f.severity],
    message: { text: f.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation,
          region: { startLine: f.line, startColumn: f.column, endLine: f.endLine, endColumn: f.endColumn },
        },
      },
    ],
    partialFingerprints: { [FINGERPRINT_KEY]: f.fingerprint },
  };
  if (f.suppressed) result.suppressions = [{ kind: "inSource", justification: f.suppressed.reason }];
  if (f.fixes.length) {
    result.fixes = f.fixes.map((fix) => ({
      description: { text: fix.title },
      artifactChanges: [
        {
          artifactLocation,
          replacements: fix.edits.map((edit) => ({
            deletedRegion: {
              startLine: edit.line,
              startColumn: edit.column,
              endLine: edit.endLine,
              endColumn: edit.endColumn,
            },
            insertedContent: { text: edit.newText },
          })),
        },
      ],
    }));
  }
  return result;
}

/** `missing-tenant-filter` → `MissingTenantFilter` (SARIF's readable rule name). */
function pascalCase(id: string): string {
  return id.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

// SARIF URIs are URI references: encode each segment but keep the slashes.
function relativeUri(file: string): string {
  return file.split("/").map(encodeURIComponent).join("/");
}

function directoryUri(dir: string): string {
  const href = pathToFileURL(dir).href;
  return href.endsWith("/") ? href : href + "/";
}

// `--format github`: GitHub Actions workflow commands, which become annotations on the
// pull request diff. Suppressed findings are left out: they are decisions, not problems.
import type { Severity } from "../../analyzer";
import type { Report } from "../report";

const COMMAND: Record<Severity, string> = { error: "error", warning: "warning", info: "notice" };

export function formatGithub(report: Report): string {
  const lines = report.findings
    .filter((f) => !f.suppressed)
    .map((f) => {
      const properties = [
        `file=${escapeProperty(f.file)}`,
        `line=${f.line}`,
        `col=${f.column}`,
        `endLine=${f.endLine}`,
        `endColumn=${f.endColumn}`,
        `title=${escapeProperty(`tenantguard ${f.ruleId}`)}`,
      ].join(",");
      return `::${COMMAND[f.severity]} ${properties}::${escapeData(f.message)}`;
    });
  return lines.length ? lines.join("\n") + "\n" : "";
}

/** The message part of a workflow command: `%`, CR and LF must be encoded (GitHub's toolkit rules). */
export function escapeData(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** A property value additionally cannot hold `:` or `,`, which delimit the properties. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

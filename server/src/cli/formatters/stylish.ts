// Human output in the shape ESLint users read without thinking: findings grouped per file,
// `line:col  severity  message  rule-id` aligned, then one summary line.
import type { Severity } from "../../analyzer";
import type { FormatOptions, Report, ReportedFinding } from "../report";

export function formatStylish(report: Report, options: FormatOptions): string {
  const paint = painter(options.color);
  const visible = report.findings.filter((f) => !f.suppressed);
  const lines: string[] = [];

  for (const [file, findings] of groupByFile(visible)) {
    lines.push("", paint.underline(file));
    const rows = findings.map((f) => [`${f.line}:${f.column}`, f.severity, oneLine(f.message), f.ruleId] as const);
    const width = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
    for (const [position, severity, message, ruleId] of rows) {
      lines.push(
        "  " +
          paint.dim(position.padEnd(width[0])) +
          "  " +
          paint.severity(severity as Severity, severity.padEnd(width[1])) +
          "  " +
          message.padEnd(width[2]) +
          "  " +
          paint.dim(ruleId),
      );
    }
  }

  const { summary } = report;
  const problems = summary.errors + summary.warnings + summary.infos;
  const extras = [
    summary.suppressed ? `${summary.suppressed} suppressed` : "",
    summary.baselined ? `${summary.baselined} baselined` : "",
  ].filter(Boolean);
  const tail = extras.length ? `, ${extras.join(", ")}` : "";

  if (problems === 0) {
    lines.push(paint.green(`✔ No problems (${plural(summary.files, "file")} checked)`) + tail);
    return lines.join("\n") + "\n";
  }

  const counts = [plural(summary.errors, "error"), plural(summary.warnings, "warning")];
  if (summary.infos) counts.push(plural(summary.infos, "info"));
  const headline = `✖ ${plural(problems, "problem")} (${counts.join(", ")})`;
  lines.push("", (summary.errors ? paint.redBold : paint.yellowBold)(headline) + tail);

  const fixable = visible.filter((f) => f.fixes.some((fix) => fix.safe));
  if (fixable.length) {
    const errors = fixable.filter((f) => f.severity === "error").length;
    const warnings = fixable.filter((f) => f.severity === "warning").length;
    lines.push(
      `  ${plural(errors, "error")} and ${plural(warnings, "warning")} potentially fixable with the \`--fix\` option.`,
    );
  }
  return lines.join("\n") + "\n";
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function groupByFile(findings: readonly ReportedFinding[]): Map<string, ReportedFinding[]> {
  const groups = new Map<string, ReportedFinding[]>();
  for (const f of findings) {
    const group = groups.get(f.file);
    if (group) group.push(f);
    else groups.set(f.file, [f]);
  }
  return groups;
}

// A message spanning lines would break the table's alignment.
function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, " ");
}

function painter(enabled: boolean) {
  const wrap = (open: string) => (text: string) => (enabled ? `\x1b[${open}m${text}\x1b[0m` : text);
  const colors: Record<Severity, (t: string) => string> = { error: wrap("31"), warning: wrap("33"), info: wrap("36") };
  return {
    underline: wrap("4"),
    dim: wrap("2"),
    green: wrap("32"),
    redBold: wrap("1;31"),
    yellowBold: wrap("1;33"),
    severity: (severity: Severity, text: string) => colors[severity](text),
  };
}

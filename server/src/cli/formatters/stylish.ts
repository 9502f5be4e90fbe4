// Human output in the shape ESLint users read without thinking: findings grouped per file,
// `line:col  severity  message  rule-id` aligned, then one summary line.
import type { Severity } from "../../analyzer";
import type { FormatOptions, Report } from "../report";

export function formatStylish(report: Report, options: FormatOptions): string {
  const paint = painter(options.color);
  const visible = report.findings.filter((f) => !f.suppressed);
  const lines: string[] = [];

  const findingsByFile = groupByFile(visible);
  const proofsByFile = groupByFile(report.proofs ?? []);
  const files = [...new Set([...findingsByFile.keys(), ...proofsByFile.keys()])].sort();
  for (const file of files) {
    lines.push("", paint.underline(file));
    // With --explain, each safe query's proof sits among the findings in line order.
    const rows: Row[] = [
      ...(findingsByFile.get(file) ?? []).map((f) => ({
        line: f.line,
        column: f.column,
        cells: [`${f.line}:${f.column}`, f.severity, oneLine(f.message), f.ruleId] as const,
      })),
      ...(proofsByFile.get(file) ?? []).map((p) => ({
        line: p.line,
        column: p.column,
        cells: [`${p.line}:${p.column}`, PROVEN, `${p.table}  ${oneLine(p.message)}`, ""] as const,
      })),
    ].sort((a, b) => a.line - b.line || a.column - b.column);
    const width = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r.cells[i].length)));
    for (const { cells } of rows) {
      const [position, label, message, ruleId] = cells;
      const head = "  " + paint.dim(position.padEnd(width[0])) + "  ";
      if (label === PROVEN) {
        lines.push(head + paint.green(label.padEnd(width[1])) + "  " + message);
        continue;
      }
      lines.push(
        head +
          paint.severity(label as Severity, label.padEnd(width[1])) +
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
    report.proofs ? `${plural(report.proofs.length, "query", "queries")} proven` : "",
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

export function plural(n: number, word: string, plural = `${word}s`): string {
  return `${n} ${n === 1 ? word : plural}`;
}

const PROVEN = "proven";

interface Row {
  line: number;
  column: number;
  cells: readonly [position: string, label: string, message: string, ruleId: string];
}

function groupByFile<T extends { file: string }>(findings: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
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

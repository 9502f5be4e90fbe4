// Runs the whole analyzer on TypeScript text, and applies fixes the way every front end does.
import ts from "typescript";
import { analyzeSourceFile } from "../../server/src/analyzer/analyze";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import { applyTextEdits } from "../../server/src/analyzer/fixes/select";
import type { ConfigFile } from "../../server/src/analyzer/config/types";
import type { Finding, TextEdit } from "../../server/src/analyzer/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { testModel } from "./sql";

export function analyzeText(
  parser: SqlParser,
  text: string,
  config: ConfigFile = {},
  fileName = "/p/src/file.ts",
  model = testModel(),
): Finding[] {
  const sourceFile = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  return analyzeSourceFile({
    ts,
    sourceFile,
    config: resolveConfig(config, "/p", undefined),
    model,
    parser,
    relativePath: "src/file.ts",
  });
}

/** Applies edits (non-overlapping, as the analyzer produces them for one fix) to a text. */
export const applyEdits = (text: string, edits: readonly TextEdit[]): string => applyTextEdits(text, edits);

/** TypeScript's own syntax errors for a text (a fix must never introduce one). */
export function syntaxErrors(text: string): string[] {
  const out = ts.transpileModule(text, {
    reportDiagnostics: true,
    compilerOptions: { target: ts.ScriptTarget.ES2022 },
  });
  return (out.diagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
}

export interface Summary {
  rule: string;
  line: number;
  at: string;
  suppressed?: string;
}

export function summarizeFindings(text: string, findings: Finding[]): Summary[] {
  return findings.map((f) => {
    const line = text.slice(0, f.start).split("\n").length;
    const s: Summary = { rule: f.ruleId, line, at: text.slice(f.start, f.end) };
    if (f.suppressed) s.suppressed = f.suppressed.reason;
    return s;
  });
}

// Analyzer fixes as tsserver code fixes, the "suppress with a reason" action, and the
// file-wide "fix all safe tenantguard issues" combined fix.
import type ts from "typescript";
import type { Finding, RuleId, TextEdit } from "../../server/src/analyzer";
import { FIX_ALL_ID } from "./codes";
import { selectSafeFixEdits } from "../../server/src/analyzer/fixes/select";
import { statementStartAt } from "../../server/src/analyzer/statements";

/** Rules about suppression comments themselves: suppressing them would be circular. */
const NOT_SUPPRESSIBLE: ReadonlySet<RuleId> = new Set(["suppression-without-reason", "unused-suppression"]);

const DIRECTIVE = "tenantguard-ignore-next-line";

/** Code fixes for the shown findings of `rules` that touch [start, end]. */
export function codeFixesAt(
  tsm: typeof ts,
  sourceFile: ts.SourceFile,
  findings: readonly Finding[],
  span: { start: number; end: number },
  rules: ReadonlySet<RuleId>,
  newLine: string,
): ts.CodeFixAction[] {
  const actions: ts.CodeFixAction[] = [];
  const suppressions = new Set<string>();
  for (const finding of findings) {
    if (finding.suppressed || !rules.has(finding.ruleId)) continue;
    if (finding.start > span.end || finding.end < span.start) continue;
    for (const fix of finding.fixes) {
      actions.push({
        fixName: `tenantguard-${finding.ruleId}`,
        description: fix.title,
        changes: [fileChanges(sourceFile.fileName, fix.edits)],
        ...(fix.safe ? { fixId: FIX_ALL_ID, fixAllDescription: "Apply all safe tenantguard fixes in this file" } : {}),
      });
    }
    if (NOT_SUPPRESSIBLE.has(finding.ruleId)) continue;
    const edit = suppressionEdit(tsm, sourceFile, finding, newLine);
    const key = `${finding.ruleId}@${edit.start}`;
    if (suppressions.has(key)) continue;
    suppressions.add(key);
    actions.push({
      fixName: "tenantguard-suppress",
      description: `Suppress ${finding.ruleId} with a reason (write it after "--")`,
      changes: [fileChanges(sourceFile.fileName, [edit])],
    });
  }
  return actions;
}

/** Every safe fix of the file's shown findings that does not collide with an earlier one. */
export function fixAllInFile(sourceFile: ts.SourceFile, findings: readonly Finding[]): ts.CombinedCodeActions {
  const { edits } = selectSafeFixEdits(sourceFile.text.length, findings);
  if (edits.length === 0) return { changes: [] };
  return { changes: [fileChanges(sourceFile.fileName, edits)] };
}

/**
 * `// tenantguard-ignore-next-line <rule> -- ` on its own line above the statement that runs
 * the query, indented like it. The reason is left for the user to write: until they do,
 * `suppression-without-reason` points at the comment. A `//` directive already on the line
 * above gets the rule added instead (a second comment line would separate it from its statement).
 */
export function suppressionEdit(
  tsm: typeof ts,
  sourceFile: ts.SourceFile,
  finding: Finding,
  newLine: string,
): TextEdit {
  const text = sourceFile.text;
  const anchor = statementStartAt(tsm, sourceFile, finding.start);
  const line = sourceFile.getLineAndCharacterOfPosition(anchor).line;
  const lineStart = sourceFile.getPositionOfLineAndCharacter(line, 0);
  const indent = /^[ \t]*/.exec(text.slice(lineStart))![0];

  if (line > 0) {
    const previousStart = sourceFile.getPositionOfLineAndCharacter(line - 1, 0);
    const previous = text.slice(previousStart, lineStart).replace(/\r?\n$/, "");
    const existing = new RegExp(`^\\s*//\\s*${DIRECTIVE}\\b([^\\n]*)$`).exec(previous);
    if (existing) {
      const afterDirective = previous.indexOf(DIRECTIVE) + DIRECTIVE.length;
      const rest = previous.slice(afterDirective);
      const separator = rest.indexOf("--");
      const rulesText = (separator >= 0 ? rest.slice(0, separator) : rest).trimEnd();
      if (rulesText.trim()) {
        const at = previousStart + afterDirective + rulesText.length;
        return { start: at, end: at, newText: `, ${finding.ruleId}` };
      }
    }
  }
  return { start: lineStart, end: lineStart, newText: `${indent}// ${DIRECTIVE} ${finding.ruleId} -- ${newLine}` };
}

function fileChanges(fileName: string, edits: readonly TextEdit[]): ts.FileTextChanges {
  const ordered = edits.map((e, i) => ({ e, i })).sort((a, b) => a.e.start - b.e.start || a.i - b.i);
  return {
    fileName,
    textChanges: ordered.map(({ e }) => ({ span: { start: e.start, length: e.end - e.start }, newText: e.newText })),
  };
}

// The commands the extension adds next to the server's `tenantguard.scanWorkspace`
// (which vscode-languageclient registers from the server's executeCommandProvider).
import {
  CodeActionKind,
  commands,
  env,
  languages,
  Position,
  Range,
  Selection,
  TextEditorRevealType,
  Uri,
  window,
  workspace,
  type CodeAction,
  type Diagnostic,
  type OutputChannel,
} from "vscode";
import { RULES, ruleDocsUrl } from "../../server/src/analyzer/rules";
import type { RuleId } from "../../server/src/analyzer/types";
import { ruleOfCode } from "../../ts-plugin/src/codes";
import { DIAGNOSTIC_SOURCE } from "./status-bar";

export const COMMANDS = {
  scanWorkspace: "tenantguard.scanWorkspace",
  fixAllInFile: "tenantguard.fixAllInFile",
  openRuleDocumentation: "tenantguard.openRuleDocumentation",
  showOutput: "tenantguard.showOutput",
  /** Sent by the server with a suppression's code action (server/src/lsp/code-actions.ts REVEAL_REASON_COMMAND). */
  revealReason: "tenantguard.revealReason",
} as const;

/** The kind of the server's fix-all action (server/src/lsp/code-actions.ts FIX_ALL_KIND). */
export const FIX_ALL_KIND = CodeActionKind.SourceFixAll.append("tenantguard");

/**
 * Applies the server's "Fix all tenantguard issues in file" action to the active editor.
 * Returns the number of edits applied (0: nothing to fix, or no editor).
 */
export async function fixAllInFile(): Promise<number> {
  const editor = window.activeTextEditor;
  if (!editor) {
    void window.showInformationMessage("tenantguard: open a file to fix.");
    return 0;
  }
  const { document } = editor;
  const whole = new Range(document.positionAt(0), document.positionAt(document.getText().length));
  const actions = await commands.executeCommand<CodeAction[] | undefined>(
    "vscode.executeCodeActionProvider",
    document.uri,
    whole,
    FIX_ALL_KIND.value,
  );
  const fixAll = actions?.find((action) => action.kind && FIX_ALL_KIND.contains(action.kind) && action.edit);
  const edits = fixAll?.edit?.get(document.uri).length ?? 0;
  if (!fixAll?.edit || edits === 0) {
    void window.showInformationMessage("tenantguard: no safe fixes in this file.");
    return 0;
  }
  if (!(await workspace.applyEdit(fixAll.edit))) throw new Error("tenantguard: the editor refused the fix-all edit");
  return edits;
}

/**
 * Opens a rule's page. Without an argument: the rule of the tenantguard diagnostic under the
 * cursor, or a pick from every rule. Returns the URL opened, if any.
 */
export async function openRuleDocumentation(ruleId?: unknown): Promise<string | undefined> {
  let id = typeof ruleId === "string" && ruleId in RULES ? (ruleId as RuleId) : undefined;
  id ??= ruleAtCursor();
  id ??= await pickRule();
  if (!id) return undefined;
  const url = ruleDocsUrl(id);
  await env.openExternal(Uri.parse(url));
  return url;
}

/**
 * After "Suppress with a reason": puts the cursor where the reason goes, selecting the placeholder
 * reason (the rest of the line) so typing replaces it. Arguments: the document uri and an LSP position.
 */
export async function revealReason(uri: unknown, position: unknown): Promise<boolean> {
  if (typeof uri !== "string" || !isPosition(position)) return false;
  const editor =
    window.visibleTextEditors.find((e) => e.document.uri.toString() === uri) ??
    (await window.showTextDocument(Uri.parse(uri)));
  const start = new Position(position.line, position.character);
  const lineEnd = editor.document.lineAt(Math.min(position.line, editor.document.lineCount - 1)).range.end;
  const end = lineEnd.isAfter(start) ? lineEnd : start;
  editor.selection = new Selection(start, end);
  editor.revealRange(new Range(start, end), TextEditorRevealType.InCenterIfOutsideViewport);
  return true;
}

function isPosition(value: unknown): value is { line: number; character: number } {
  const p = value as { line?: unknown; character?: unknown } | undefined;
  return typeof p?.line === "number" && typeof p.character === "number";
}

export function showOutput(channel: OutputChannel): void {
  channel.show(true);
}

/** The rule id of a diagnostic from either engine: the language server sends the id, the tsserver plugin a number. */
export function ruleIdOf(diagnostic: Diagnostic): RuleId | undefined {
  if (diagnostic.source !== DIAGNOSTIC_SOURCE) return undefined;
  const code = typeof diagnostic.code === "object" ? diagnostic.code.value : diagnostic.code;
  if (typeof code === "string" && code in RULES) return code as RuleId;
  return typeof code === "number" ? ruleOfCode(code) : undefined;
}

function ruleAtCursor(): RuleId | undefined {
  const editor = window.activeTextEditor;
  if (!editor) return undefined;
  const position = editor.selection.active;
  return languages
    .getDiagnostics(editor.document.uri)
    .filter((d) => d.range.contains(position))
    .map(ruleIdOf)
    .find((id) => id !== undefined);
}

async function pickRule(): Promise<RuleId | undefined> {
  const picked = await window.showQuickPick(
    Object.values(RULES).map((rule) => ({ label: rule.id, description: rule.title, id: rule.id })),
    { placeHolder: "Open the documentation of a tenantguard rule" },
  );
  return picked?.id;
}

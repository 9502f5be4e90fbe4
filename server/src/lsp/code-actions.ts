// Code actions for findings: the analyzer's fixes as quick fixes, a suppression with a
// reason, "add the table to globalTables" in the config, and fix-all for the file.
import { modify, parseTree, findNodeAtLocation } from "jsonc-parser";
import type ts from "typescript";
import { TextDocument } from "vscode-languageserver-textdocument";
import {
  CodeActionKind,
  type CodeAction,
  type Command,
  type Diagnostic,
  type Position,
  type Range,
  type TextEdit as LspTextEdit,
} from "vscode-languageserver/node";
import type { Finding, TextEdit } from "../analyzer";
import { CONFIG_FILE_NAME } from "../analyzer/config/load";
import { selectSafeFixEdits } from "../analyzer/fixes/select";
import { statementStartAt } from "../analyzer/statements";
import type { DiagnosticData } from "./diagnostics";
import { pathToUri } from "./workspace";

export const FIX_ALL_KIND = `${CodeActionKind.SourceFixAll}.tenantguard`;
export const CODE_ACTION_KINDS = [CodeActionKind.QuickFix, FIX_ALL_KIND];

/**
 * Run by the client after a suppression's edit, with the document uri and the position of the
 * reason: the VS Code client moves the cursor there. The server does not offer it in
 * executeCommandProvider, so other clients never see it as theirs; the edit alone is the fix.
 */
export const REVEAL_REASON_COMMAND = "tenantguard.revealReason";

/** Where the reason goes: the user replaces it with why the cross-tenant access is intended. */
export const REASON_PLACEHOLDER = "TODO: say why this access is intentionally cross-tenant";

export interface CodeActionInput {
  document: TextDocument;
  /** The findings of exactly this document version. */
  findings: readonly Finding[];
  sourceFile: ts.SourceFile;
  tsm: typeof ts;
  range: Range;
  /** Diagnostics the client sent with the request: actions attach to these. */
  diagnostics: readonly Diagnostic[];
  only: readonly string[] | undefined;
  /** The config file that governs the document and its current text, when there is one. */
  config: { file: string; text: string } | undefined;
}

export function codeActionsFor(input: CodeActionInput): CodeAction[] {
  const actions: CodeAction[] = [];
  const { document } = input;
  const open = input.findings.filter((f) => !f.suppressed);
  if (wants(input.only, CodeActionKind.QuickFix)) {
    for (const finding of open) {
      const range = { start: document.positionAt(finding.start), end: document.positionAt(finding.end) };
      if (!intersects(range, input.range)) continue;
      const diagnostic = input.diagnostics.find((d) => matches(d, finding, document));
      const diagnostics = diagnostic ? [diagnostic] : undefined;
      finding.fixes.forEach((fix, i) => {
        const edits = fix.edits.map((e) => toLspEdit(e, document));
        actions.push({
          title: fix.title,
          kind: CodeActionKind.QuickFix,
          diagnostics,
          isPreferred: i === 0,
          edit: { changes: { [document.uri]: edits } },
          ...(fix.cursor === undefined ? {} : { command: revealCommand(document, edits, fix.cursor) }),
        });
      });
      if (finding.ruleId === "unused-suppression") {
        const remove = removeCommentLine(finding, document);
        if (remove) actions.push({ ...remove, diagnostics, isPreferred: true });
        continue;
      }
      if (finding.ruleId === "suppression-without-reason") continue;
      // A fix with a cursor is the analyzer's own "suppress with a reason": do not offer it twice.
      if (finding.fixes.some((fix) => fix.cursor !== undefined)) continue;
      actions.push(suppressAction(finding, input, diagnostics));
      const addGlobal = finding.table && input.config ? addToGlobalTables(finding.table, input.config) : undefined;
      if (addGlobal) actions.push({ ...addGlobal, diagnostics });
    }
  }
  if (wants(input.only, FIX_ALL_KIND)) {
    const edits = safeFixEdits(input.document.getText().length, open);
    if (edits.length > 0) {
      actions.push({
        title: "Fix all tenantguard issues in file",
        kind: FIX_ALL_KIND,
        edit: { changes: { [document.uri]: edits.map((e) => toLspEdit(e, document)) } },
      });
    }
  }
  return actions;
}

/**
 * The edits of every safe fix of the unsuppressed findings that overlaps no fix already
 * taken (earliest first); a fix's edits go in together or not at all. The rest show up
 * again after the edit, as in the CLI's `--fix` passes.
 */
export function safeFixEdits(textLength: number, findings: readonly Finding[]): TextEdit[] {
  return selectSafeFixEdits(textLength, findings).edits;
}

function suppressAction(finding: Finding, input: CodeActionInput, diagnostics: Diagnostic[] | undefined): CodeAction {
  const { document } = input;
  const anchor = statementStartAt(input.tsm, input.sourceFile, finding.start);
  const line = document.positionAt(anchor).line;
  const lineStart = document.offsetAt({ line, character: 0 });
  const indent = /^[ \t]*/.exec(document.getText().slice(lineStart, anchor))![0];
  const eol = document.getText().includes("\r\n") ? "\r\n" : "\n";
  const directive = `${indent}// tenantguard-ignore-next-line ${finding.ruleId} -- `;
  const comment = `${directive}${REASON_PLACEHOLDER}${eol}`;
  // The comment becomes line `line`; the reason starts right after its `-- `.
  const reason: Position = { line, character: directive.length };
  return {
    title: `Suppress ${finding.ruleId} with a reason`,
    kind: CodeActionKind.QuickFix,
    diagnostics,
    edit: {
      changes: {
        [document.uri]: [{ range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: comment }],
      },
    },
    command: { title: "Go to the reason", command: REVEAL_REASON_COMMAND, arguments: [document.uri, reason] },
  };
}

/** The reveal command for a fix's cursor, an offset in the text after `edits`. */
function revealCommand(document: TextDocument, edits: LspTextEdit[], cursor: number): Command {
  const after = TextDocument.create(
    document.uri,
    document.languageId,
    document.version + 1,
    TextDocument.applyEdits(document, edits),
  );
  return {
    title: "Go to the reason",
    command: REVEAL_REASON_COMMAND,
    arguments: [document.uri, after.positionAt(cursor)],
  };
}

/** Deletes a `// tenantguard-ignore-next-line ...` comment that is alone on its line. */
function removeCommentLine(finding: Finding, document: TextDocument): CodeAction | undefined {
  const { line } = document.positionAt(finding.start);
  const lineText = document.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } });
  if (!/^\s*\/\/\s*tenantguard-ignore/.test(lineText)) return undefined;
  return {
    title: "Remove the unused tenantguard-ignore comment",
    kind: CodeActionKind.QuickFix,
    edit: {
      changes: {
        [document.uri]: [
          { range: { start: { line, character: 0 }, end: { line: line + 1, character: 0 } }, newText: "" },
        ],
      },
    },
  };
}

/** Edits tenantguard.config.json so `table` is global; undefined when it already is listed. */
function addToGlobalTables(table: string, config: { file: string; text: string }): CodeAction | undefined {
  const root = parseTree(config.text);
  if (!root || root.type !== "object") return undefined;
  const existing = findNodeAtLocation(root, ["globalTables"]);
  if (existing?.children?.some((c) => typeof c.value === "string" && c.value.toLowerCase() === table.toLowerCase()))
    return undefined;
  let edits;
  if (existing?.type === "array") {
    edits = modify(config.text, ["globalTables", -1], table, { isArrayInsertion: true }).map((e) => ({
      ...e,
      content: e.content.replace(/^,/, ", "),
    }));
  } else {
    // Without formatting options jsonc-parser touches only the insertion; put it on its own line.
    const indent = /\n([ \t]+)"/.exec(config.text)?.[1] ?? "  ";
    edits = modify(config.text, ["globalTables"], [table], {}).map((e) => ({
      ...e,
      content: e.content.replace(/^,"globalTables": \[/, `,\n${indent}"globalTables": [`),
    }));
  }
  const document = TextDocument.create(pathToUri(config.file), "json", 0, config.text);
  return {
    title: `Add \`${table}\` to globalTables in ${CONFIG_FILE_NAME}`,
    kind: CodeActionKind.QuickFix,
    edit: {
      changes: {
        [document.uri]: edits.map((e) =>
          toLspEdit({ start: e.offset, end: e.offset + e.length, newText: e.content }, document),
        ),
      },
    },
  };
}

function wants(only: readonly string[] | undefined, kind: string): boolean {
  return !only || only.some((o) => kind === o || kind.startsWith(`${o}.`));
}

// Clients that drop `data` (older Neovim) still send the code and the range.
function matches(diagnostic: Diagnostic, finding: Finding, document: TextDocument): boolean {
  if (diagnostic.code !== finding.ruleId) return false;
  const fingerprint = (diagnostic.data as DiagnosticData | undefined)?.fingerprint;
  if (fingerprint !== undefined) return fingerprint === finding.fingerprint;
  return (
    document.offsetAt(diagnostic.range.start) === finding.start &&
    document.offsetAt(diagnostic.range.end) === finding.end
  );
}

function intersects(a: Range, b: Range): boolean {
  const before = (p: { line: number; character: number }, q: { line: number; character: number }) =>
    p.line < q.line || (p.line === q.line && p.character < q.character);
  return !before(a.end, b.start) && !before(b.end, a.start);
}

function toLspEdit(edit: TextEdit, document: TextDocument): LspTextEdit {
  return {
    range: { start: document.positionAt(edit.start), end: document.positionAt(edit.end) },
    newText: edit.newText,
  };
}

// textDocument/hover: on a query tenantguard proved safe, say how (the `--explain` proof).
import type { TextDocument } from "vscode-languageserver-textdocument";
import { MarkupKind, type Hover } from "vscode-languageserver/node";
import { proofHoverText, proofsAt } from "../analyzer/explain";
import type { Proof } from "../analyzer";

/** The hover for `offset`, or null when no proven query is under it. */
export function proofHover(document: TextDocument, proofs: readonly Proof[], offset: number): Hover | null {
  const here = proofsAt(proofs, offset);
  if (!here.length) return null;
  const lines = [...new Set(here.map(proofHoverText))];
  const innermost = here[0];
  return {
    contents: { kind: MarkupKind.Markdown, value: lines.join("\n\n") },
    range: { start: document.positionAt(innermost.start), end: document.positionAt(innermost.end) },
  };
}

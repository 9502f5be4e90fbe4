// textDocument/hover: on a query tenantguard proved safe, say how (the `--explain` proof).
import type { TextDocument } from "vscode-languageserver-textdocument";
import { MarkupKind, type Hover } from "vscode-languageserver/node";
import { proofHoverAt } from "../analyzer/explain";
import type { Proof } from "../analyzer";

/** The hover for `offset`, or null when no proven query is under it. */
export function proofHover(document: TextDocument, proofs: readonly Proof[], offset: number): Hover | null {
  const hover = proofHoverAt(proofs, offset);
  if (!hover) return null;
  return {
    contents: { kind: MarkupKind.Markdown, value: hover.text },
    range: { start: document.positionAt(hover.start), end: document.positionAt(hover.end) },
  };
}

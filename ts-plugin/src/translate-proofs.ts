// Proofs to quick info: the hover on a query tenantguard proved safe gains one line per proof,
// after TypeScript's own documentation (or alone, inside a SQL string TypeScript says nothing about).
import type ts from "typescript";
import type { Proof } from "../../server/src/analyzer";
import { proofHoverAt } from "../../server/src/analyzer/explain";

export function withProofs(
  tsm: typeof ts,
  original: ts.QuickInfo | undefined,
  proofs: readonly Proof[],
  position: number,
): ts.QuickInfo | undefined {
  const hover = proofHoverAt(proofs, position);
  if (!hover) return original;
  const { text } = hover;
  if (!original) {
    return {
      kind: tsm.ScriptElementKind.unknown,
      kindModifiers: "",
      textSpan: { start: hover.start, length: hover.end - hover.start },
      displayParts: [],
      documentation: [{ kind: "text", text }],
    };
  }
  const documentation = original.documentation ?? [];
  const separator: ts.SymbolDisplayPart[] = documentation.length ? [{ kind: "lineBreak", text: "\n\n" }] : [];
  return { ...original, documentation: [...documentation, ...separator, { kind: "text", text }] };
}

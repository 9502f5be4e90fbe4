// Proofs to quick info: the hover on a query tenantguard proved safe gains one line per proof,
// after TypeScript's own documentation (or alone, inside a SQL string TypeScript says nothing about).
import type ts from "typescript";
import type { Proof } from "../../server/src/analyzer";
import { proofHoverText, proofsAt } from "../../server/src/analyzer/explain";

export function withProofs(
  tsm: typeof ts,
  original: ts.QuickInfo | undefined,
  proofs: readonly Proof[],
  position: number,
): ts.QuickInfo | undefined {
  const here = proofsAt(proofs, position);
  if (!here.length) return original;
  const text = [...new Set(here.map(proofHoverText))].join("\n\n");
  if (!original) {
    const innermost = here[0];
    return {
      kind: tsm.ScriptElementKind.unknown,
      kindModifiers: "",
      textSpan: { start: innermost.start, length: innermost.end - innermost.start },
      displayParts: [],
      documentation: [{ kind: "text", text }],
    };
  }
  const documentation = original.documentation ?? [];
  const separator: ts.SymbolDisplayPart[] = documentation.length ? [{ kind: "lineBreak", text: "\n\n" }] : [];
  return { ...original, documentation: [...documentation, ...separator, { kind: "text", text }] };
}

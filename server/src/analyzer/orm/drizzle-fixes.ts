// Edits of Drizzle's fixes: a predicate joined into an existing `and(...)` (or the where wrapped
// in one), and the `and`/`eq` import from drizzle-orm when the file lacks it.
import type ts from "typescript";
import type { TextEdit } from "../types";
import { insertAfter } from "./builder-syntax";
import { skipOuter } from "./chain";
import type { OrmContext } from "./types";

/** `and(x, y)` gains an argument; any other expression is wrapped in `and(<it>, predicate)`. */
export function conjoin(ctx: OrmContext, target: ts.Expression, predicate: string): TextEdit[] {
  const tsm = ctx.ts;
  const e = skipOuter(tsm, target);
  if (tsm.isCallExpression(e) && tsm.isIdentifier(e.expression) && e.expression.text === "and") {
    const args = e.arguments;
    return args.length
      ? [insertAfter(args[args.length - 1], `, ${predicate}`)]
      : [{ start: args.pos, end: args.end, newText: predicate }];
  }
  return [
    { start: target.getStart(ctx.sourceFile), end: target.getStart(ctx.sourceFile), newText: "and(" },
    insertAfter(target, `, ${predicate})`),
  ];
}

/** Imports `names` from drizzle-orm when the file does not have them yet. */
export function importEdits(ctx: OrmContext, names: string[]): TextEdit[] {
  const tsm = ctx.ts;
  const sf = ctx.sourceFile;
  let existing: ts.NamedImports | undefined;
  const have = new Set<string>();
  let lastImport: ts.ImportDeclaration | undefined;
  for (const s of sf.statements) {
    if (!tsm.isImportDeclaration(s)) continue;
    lastImport = s;
    const bindings = s.importClause?.namedBindings;
    if (!bindings || !tsm.isNamedImports(bindings)) continue;
    for (const el of bindings.elements) have.add(el.name.text);
    if (
      tsm.isStringLiteral(s.moduleSpecifier) &&
      s.moduleSpecifier.text === "drizzle-orm" &&
      !s.importClause?.isTypeOnly
    )
      existing = bindings;
  }
  const missing = names.filter((n) => !have.has(n));
  if (missing.length === 0) return [];
  if (existing && existing.elements.length)
    return [insertAfter(existing.elements[existing.elements.length - 1], `, ${missing.join(", ")}`)];
  const at = lastImport ? lastImport.getEnd() : 0;
  return [
    {
      start: at,
      end: at,
      newText: lastImport
        ? `\nimport { ${missing.join(", ")} } from "drizzle-orm";`
        : `import { ${missing.join(", ")} } from "drizzle-orm";\n`,
    },
  ];
}

// Small syntax helpers the query builders share: literal values, object keys, imports, and
// the text edits their fixes are made of.
import type ts from "typescript";
import type { TextEdit } from "../types";
import { skipOuter } from "./chain";

/** Text of a string literal or a no-substitution template. */
export function stringValue(tsm: typeof ts, node: ts.Node | undefined): string | undefined {
  if (!node) return undefined;
  const e = tsm.isExpression(node) ? skipOuter(tsm, node) : node;
  return tsm.isStringLiteralLike(e) ? e.text : undefined;
}

/** A property's key as written (`tenantId`, `'tenant_id'`, `"o.tenant_id"`). */
export function propertyKey(tsm: typeof ts, p: ts.ObjectLiteralElementLike): string | undefined {
  if (tsm.isShorthandPropertyAssignment(p)) return p.name.text;
  if (!tsm.isPropertyAssignment(p)) return undefined;
  if (tsm.isIdentifier(p.name) || tsm.isStringLiteralLike(p.name) || tsm.isNumericLiteral(p.name)) return p.name.text;
  return undefined;
}

/** `undefined`, `void 0`: what a skipped predicate looks like. */
export function isUndefinedLike(tsm: typeof ts, node: ts.Expression): boolean {
  const e = skipOuter(tsm, node);
  return (tsm.isIdentifier(e) && e.text === "undefined") || tsm.isVoidExpression(e);
}

/** Whether a file imports `module` (or a subpath of it). */
export function importsModule(tsm: typeof ts, sourceFile: ts.SourceFile, test: (from: string) => boolean): boolean {
  return sourceFile.statements.some(
    (s) => tsm.isImportDeclaration(s) && tsm.isStringLiteral(s.moduleSpecifier) && test(s.moduleSpecifier.text),
  );
}

/** The original exported name of an imported identifier (`import { orders as o }` -> `orders`). */
export function importedName(tsm: typeof ts, sourceFile: ts.SourceFile, local: string): string | undefined {
  for (const s of sourceFile.statements) {
    const named = tsm.isImportDeclaration(s) ? s.importClause?.namedBindings : undefined;
    if (!named || !tsm.isNamedImports(named)) continue;
    for (const el of named.elements) if (el.name.text === local) return (el.propertyName ?? el.name).text;
  }
  return undefined;
}

/** Inserts `text` right after `node`. */
export function insertAfter(node: ts.Node, text: string): TextEdit {
  return { start: node.getEnd(), end: node.getEnd(), newText: text };
}

/**
 * An edit adding `property` to an object literal, after its last property (keeping a
 * trailing comma and the literal's one-line or multi-line layout).
 */
export function addProperty(sourceFile: ts.SourceFile, object: ts.ObjectLiteralExpression, property: string): TextEdit {
  const props = object.properties;
  if (props.length === 0)
    return { start: object.getStart(sourceFile), end: object.getEnd(), newText: `{ ${property} }` };
  const last = props[props.length - 1];
  const multiline =
    sourceFile.getLineAndCharacterOfPosition(object.getStart(sourceFile)).line !==
    sourceFile.getLineAndCharacterOfPosition(last.getStart(sourceFile)).line;
  if (multiline) {
    const lineStart = sourceFile.text.lastIndexOf("\n", last.getStart(sourceFile)) + 1;
    const indent = /^[ \t]*/.exec(sourceFile.text.slice(lineStart))![0];
    const trailing = props.hasTrailingComma;
    return trailing
      ? { start: props.end, end: props.end, newText: `\n${indent}${property},` }
      : { start: last.getEnd(), end: last.getEnd(), newText: `,\n${indent}${property}` };
  }
  return { start: last.getEnd(), end: last.getEnd(), newText: `, ${property}` };
}

// A by-id query whose key is a parameter trusts its callers: `deleteTag(tagId)` in the data layer
// is safe when every call passes a key the caller proved (an authorization check on it, a scoped
// query's row, a verified key), and a leak when one call passes request input nothing checked.
// This file finds which parameter a key is and the calls that reach the function; flow/ownership.ts
// judges each call with the caller's own flow.
import type ts from "typescript";
import { strip } from "../orm/prisma-syntax";
import { WeakCache } from "../weak-cache";
import { binds, calleeName, constInitializer } from "./authorizers";
import { functionNameOf, type FunctionResolver, type FunctionWithBody } from "./functions";

/** A key that is (a field of) a parameter: `tagId`, `input.id`, `{ id }` destructured from parameter 0. */
export interface ParameterKey {
  fn: FunctionWithBody;
  /** The name callers use: `deleteTag`. */
  name: string;
  index: number;
  /** The field path within the argument: "" or ".id" or ".input.id". */
  path: string;
}

/** Which parameter (and field of it) `expr` reads, through consts; undefined when it is not one of a named function. */
export function parameterKey(tsm: typeof ts, expr: ts.Expression, depth = 0): ParameterKey | undefined {
  let e = strip(tsm, expr);
  let path = "";
  while (tsm.isPropertyAccessExpression(e) || tsm.isNonNullExpression(e)) {
    if (tsm.isPropertyAccessExpression(e)) path = `.${e.name.text}${path}`;
    e = strip(tsm, e.expression);
  }
  if (!tsm.isIdentifier(e)) return undefined;
  const id = e;
  for (let cur: ts.Node | undefined = id.parent; cur; cur = cur.parent) {
    if (!tsm.isFunctionLike(cur)) continue;
    const index = cur.parameters.findIndex((p) => binds(tsm, p.name, id.text));
    if (index < 0) {
      // `const id = input.id` inside this function: follow it (a let or anything else proves nothing).
      const init = depth < 3 ? constInitializer(tsm, id, expr) : undefined;
      if (init && init.pos > cur.pos && init.end <= cur.end) {
        const inner = parameterKey(tsm, init, depth + 1);
        return inner && { ...inner, path: inner.path + path };
      }
      continue;
    }
    const fn = cur as ts.FunctionLikeDeclaration;
    const param = fn.parameters[index]!;
    // A rest parameter takes any number of arguments; a reassigned one holds what the body put there.
    if (!fn.body || param.dotDotDotToken || isAssigned(tsm, fn.body, id.text)) return undefined;
    const name = functionNameOf(tsm, fn as FunctionWithBody);
    if (!name) return undefined;
    const prefix = bindingPath(tsm, param.name, id.text);
    return prefix === undefined ? undefined : { fn: fn as FunctionWithBody, name, index, path: prefix + path };
  }
  return undefined;
}

/** Where `text` sits in a parameter's binding: "" for the parameter itself, ".input.id" for `{ input: { id } }`. */
function bindingPath(tsm: typeof ts, name: ts.BindingName, text: string): string | undefined {
  if (tsm.isIdentifier(name)) return name.text === text ? "" : undefined;
  if (!tsm.isObjectBindingPattern(name)) return undefined;
  for (const el of name.elements) {
    if (el.dotDotDotToken) continue;
    const prop = el.propertyName ?? el.name;
    if (!tsm.isIdentifier(prop)) continue;
    const inner = bindingPath(tsm, el.name, text);
    if (inner !== undefined) return `.${prop.text}${inner}`;
  }
  return undefined;
}

/** The expression a call passes for a parameter path: `{ id: doc.id }` for ".id" gives `doc.id`; else the argument and the path left. */
export function argumentAt(
  tsm: typeof ts,
  call: ts.CallExpression,
  index: number,
  path: string,
): { expr: ts.Expression; path: string } | undefined {
  const arg = call.arguments[index];
  if (!arg || tsm.isSpreadElement(arg) || call.arguments.slice(0, index).some((a) => tsm.isSpreadElement(a)))
    return undefined;
  let expr: ts.Expression = arg;
  let rest = path;
  while (rest) {
    const literal = strip(tsm, expr);
    if (!tsm.isObjectLiteralExpression(literal)) break;
    const [, field, more] = /^\.([^.]+)(.*)$/.exec(rest) ?? [];
    let found: ts.Expression | undefined;
    for (const p of literal.properties) {
      if (tsm.isPropertyAssignment(p) && tsm.isIdentifier(p.name) && p.name.text === field) found = p.initializer;
      if (tsm.isShorthandPropertyAssignment(p) && p.name.text === field) found = p.name;
    }
    // A spread could hold the field too, or override it when it comes after: nothing is known then.
    const spreadAfter = found && literal.properties.some((p) => tsm.isSpreadAssignment(p) && p.pos > found!.pos);
    if (!found || spreadAfter) return undefined;
    expr = found;
    rest = more ?? "";
  }
  return { expr, path: rest };
}

const callsByFile = new WeakCache<Map<string, ts.CallExpression[]>>();

/** The calls in `file` whose callee is named `name` (`name(...)`, `x.name(...)`), indexed once per file. */
function callsNamed(tsm: typeof ts, file: ts.SourceFile, name: string): readonly ts.CallExpression[] {
  const index = callsByFile.get([file], () => {
    const map = new Map<string, ts.CallExpression[]>();
    const visit = (n: ts.Node): void => {
      if (tsm.isCallExpression(n)) {
        const callee = calleeName(tsm, n);
        if (callee) {
          const list = map.get(callee);
          if (list) list.push(n);
          else map.set(callee, [n]);
        }
      }
      tsm.forEachChild(n, visit);
    };
    visit(file);
    return map;
  });
  return index.get(name) ?? [];
}

/**
 * The calls that run `fn` among `files`: resolved to it by the checker, the file's own names or its
 * imports. `unresolved`: some call of an imported `name` (or `ns.name` on a namespace import)
 * could not be resolved at all, so it may be a call of `fn` no one can judge.
 */
export function callSitesOf(
  tsm: typeof ts,
  pk: ParameterKey,
  files: readonly ts.SourceFile[],
  resolver: FunctionResolver,
): { calls: ts.CallExpression[]; unresolved: boolean } {
  const target = normalizePath(pk.fn.getSourceFile().fileName);
  const topLevel = isTopLevel(tsm, pk.fn);
  const calls: ts.CallExpression[] = [];
  let unresolved = false;
  const used: { file: ts.SourceFile; names: string[] }[] = [];
  for (const file of files) {
    // Tests call with fixtures of their own: they are no evidence of how the product calls it.
    if (TEST_FILE.test(file.fileName)) continue;
    const names = [pk.name, ...importedAs(tsm, file, pk.name)];
    // Its own file names it once, in the declaration: nothing there calls it or passes it on.
    if (normalizePath(file.fileName) === target && names.length === 1 && wordCount(file.text, pk.name) <= 1) continue;
    used.push({ file, names });
    for (const call of names.flatMap((n) => callsNamed(tsm, file, n))) {
      const fn = resolver.resolve(call);
      if (!fn) {
        // `f(...)` that no import or local function explains, `ns.f(...)`, or any call of a method's name.
        unresolved ||= !topLevel || isImportedCall(tsm, call) || tsm.isIdentifier(strip(tsm, call.expression));
        continue;
      }
      if (fn.pos !== pk.fn.pos || normalizePath(fn.getSourceFile().fileName) !== target) continue;
      // A call inside the function itself (recursion) proves nothing about the outside.
      if (normalizePath(call.getSourceFile().fileName) === target && call.pos >= fn.pos && call.end <= fn.end) continue;
      calls.push(call);
    }
  }
  // `ids.map(deleteTag)`, `router.post(path, deleteTag)`, `{ deleteTag }`: called where no one can
  // judge the argument. Only worth a walk when there are calls to judge.
  if (calls.length && !unresolved)
    unresolved = used.some(({ file, names }) => names.some((n) => passedAround(tsm, file, n)));
  return { calls, unresolved };
}

function wordCount(text: string, name: string): number {
  return text.match(new RegExp(`(?<![\\w$])${name.replace(/\$/g, "\\$")}(?![\\w$])`, "g"))?.length ?? 0;
}

function normalizePath(file: string): string {
  return file.replace(/\\/g, "/");
}

/**
 * Whether `name` is used in `file` other than by calling it: passed as a value, put in an object,
 * re-exported under another name. Imports, re-exports by the same name, declarations, property
 * names and type positions are not uses. One walk per file finds every such name.
 */
function passedAround(tsm: typeof ts, file: ts.SourceFile, name: string): boolean {
  if (!file.text.includes(name)) return false;
  return valueUsesByFile
    .get([file], () => {
      const names = new Set<string>();
      const visit = (n: ts.Node): void => {
        if (tsm.isTypeNode(n) || tsm.isImportDeclaration(n)) return;
        if (tsm.isIdentifier(n) && isValueUse(tsm, n)) names.add(n.text);
        tsm.forEachChild(n, visit);
      };
      visit(file);
      return names;
    })
    .has(name);
}

const valueUsesByFile = new WeakCache<Set<string>>();

function isValueUse(tsm: typeof ts, n: ts.Identifier): boolean {
  const p = n.parent;
  if (tsm.isCallExpression(p) && p.expression === n) return false;
  if ((tsm.isPropertyAccessExpression(p) || tsm.isPropertyAssignment(p) || tsm.isMethodDeclaration(p)) && p.name === n)
    return false;
  if (
    (tsm.isFunctionDeclaration(p) || tsm.isVariableDeclaration(p) || tsm.isParameter(p) || tsm.isBindingElement(p)) &&
    p.name === n
  )
    return false;
  // `export { f }` and `export { f } from "./x"` keep the name; `export { f as g }` does not.
  if (tsm.isExportSpecifier(p)) return !!p.propertyName && p.propertyName.text !== p.name.text;
  return !tsm.isExportAssignment(p);
}

const importsByFile = new WeakCache<{ named: Set<string>; namespaces: Set<string>; aliases: Map<string, string[]> }>();

/** The file's imports: named bindings, namespace names, and local aliases by imported name. */
function importsOf(tsm: typeof ts, file: ts.SourceFile) {
  return importsByFile.get([file], () => {
    const named = new Set<string>();
    const namespaces = new Set<string>();
    const aliases = new Map<string, string[]>();
    for (const st of file.statements) {
      const bindings = tsm.isImportDeclaration(st) ? st.importClause?.namedBindings : undefined;
      if (bindings && tsm.isNamespaceImport(bindings)) namespaces.add(bindings.name.text);
      if (bindings && tsm.isNamedImports(bindings))
        for (const el of bindings.elements) {
          named.add(el.name.text);
          if (el.propertyName)
            aliases.set(el.propertyName.text, [...(aliases.get(el.propertyName.text) ?? []), el.name.text]);
        }
    }
    return { named, namespaces, aliases };
  });
}

/** `fetchOrder` for `import { getOrder as fetchOrder }`: the names a file calls `name` by. */
function importedAs(tsm: typeof ts, file: ts.SourceFile, name: string): string[] {
  return importsOf(tsm, file).aliases.get(name) ?? [];
}

/** `name(...)` with `name` imported, or `ns.name(...)` with `ns` a namespace import: a call of another module's function. */
function isImportedCall(tsm: typeof ts, call: ts.CallExpression): boolean {
  const imports = importsOf(tsm, call.getSourceFile());
  const callee = strip(tsm, call.expression);
  if (tsm.isIdentifier(callee)) return imports.named.has(callee.text);
  if (!tsm.isPropertyAccessExpression(callee)) return false;
  const owner = strip(tsm, callee.expression);
  return tsm.isIdentifier(owner) && imports.namespaces.has(owner.text);
}

/** Whether `name` is written anywhere in `body`: `x = ...`, `x += ...`, `({ x } = ...)`, `x++`, `for (x of ...)`. */
export function isAssigned(tsm: typeof ts, body: ts.Node, name: string): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (tsm.isBinaryExpression(n) && isAssignmentOperator(tsm, n.operatorToken.kind) && targets(tsm, n.left, name))
      found = true;
    else if (
      (tsm.isPrefixUnaryExpression(n) || tsm.isPostfixUnaryExpression(n)) &&
      (n.operator === tsm.SyntaxKind.PlusPlusToken || n.operator === tsm.SyntaxKind.MinusMinusToken) &&
      targets(tsm, n.operand, name)
    )
      found = true;
    else if ((tsm.isForOfStatement(n) || tsm.isForInStatement(n)) && !tsm.isVariableDeclarationList(n.initializer))
      found = targets(tsm, n.initializer as ts.Expression, name);
    tsm.forEachChild(n, visit);
  };
  visit(body);
  return found;
}

export function isAssignmentOperator(tsm: typeof ts, kind: ts.SyntaxKind): boolean {
  return kind >= tsm.SyntaxKind.FirstAssignment && kind <= tsm.SyntaxKind.LastAssignment;
}

/** Whether an assignment target writes `name`: the identifier itself, or inside a destructuring pattern. */
function targets(tsm: typeof ts, target: ts.Expression, name: string): boolean {
  const t = strip(tsm, target);
  if (tsm.isIdentifier(t)) return t.text === name;
  if (tsm.isObjectLiteralExpression(t))
    return t.properties.some((p) =>
      tsm.isShorthandPropertyAssignment(p)
        ? p.name.text === name
        : tsm.isPropertyAssignment(p)
          ? targets(tsm, p.initializer, name)
          : tsm.isSpreadAssignment(p) && targets(tsm, p.expression, name),
    );
  if (tsm.isArrayLiteralExpression(t))
    return t.elements.some((e) => targets(tsm, tsm.isSpreadElement(e) ? e.expression : e, name));
  if (tsm.isBinaryExpression(t) && t.operatorToken.kind === tsm.SyntaxKind.EqualsToken)
    return targets(tsm, t.left, name);
  return false;
}

const TEST_FILE = /(?:\.(?:test|spec)\.[cm]?[jt]sx?$|[\\/]__tests__[\\/]|[\\/]__mocks__[\\/])/;
const HTTP_METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]);

/**
 * Whether any client can call the function directly, whatever the code's own calls pass: a
 * server action (`"use server"` in its file or body), a route handler (`export async function
 * DELETE`), a default export under `pages/api`. Its callers prove nothing about its parameters.
 */
export function isEntryPoint(tsm: typeof ts, pk: ParameterKey): boolean {
  const file = pk.fn.getSourceFile();
  if (HTTP_METHODS.has(pk.name)) return true;
  if (hasUseServer(tsm, file.statements)) return true;
  if (pk.fn.body && tsm.isBlock(pk.fn.body) && hasUseServer(tsm, pk.fn.body.statements)) return true;
  return /[\\/]pages[\\/]api[\\/]/.test(file.fileName) && isDefaultExport(tsm, pk);
}

function hasUseServer(tsm: typeof ts, statements: ts.NodeArray<ts.Statement>): boolean {
  for (const st of statements) {
    if (!tsm.isExpressionStatement(st) || !tsm.isStringLiteral(st.expression)) return false;
    if (st.expression.text === "use server") return true;
  }
  return false;
}

/** `export default function f`, `export default f`: callers import it under any name. */
export function isDefaultExport(tsm: typeof ts, pk: ParameterKey): boolean {
  const fn = pk.fn;
  if (tsm.isFunctionDeclaration(fn) && fn.modifiers?.some((m) => m.kind === tsm.SyntaxKind.DefaultKeyword)) return true;
  return fn
    .getSourceFile()
    .statements.some(
      (st) => tsm.isExportAssignment(st) && tsm.isIdentifier(st.expression) && st.expression.text === pk.name,
    );
}

/** Whether the function is a top-level function or const of its file (not a method, not nested in a factory). */
export function isTopLevel(tsm: typeof ts, fn: FunctionWithBody): boolean {
  let node: ts.Node = fn;
  while (node.parent && (tsm.isCallExpression(node.parent) || tsm.isParenthesizedExpression(node.parent)))
    node = node.parent;
  const holder = tsm.isFunctionDeclaration(fn) ? fn : node.parent;
  if (tsm.isFunctionDeclaration(holder)) return tsm.isSourceFile(holder.parent);
  return (
    !!holder &&
    tsm.isVariableDeclaration(holder) &&
    tsm.isVariableDeclarationList(holder.parent) &&
    tsm.isVariableStatement(holder.parent.parent) &&
    tsm.isSourceFile(holder.parent.parent.parent)
  );
}

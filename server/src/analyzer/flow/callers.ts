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
    if (!fn.body) return undefined;
    const name = functionNameOf(tsm, fn as FunctionWithBody);
    if (!name) return undefined;
    const prefix = bindingPath(tsm, fn.parameters[index]!.name, id.text);
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
    // A spread could hold the field too: nothing is known about it then.
    if (!found) return undefined;
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
  const target = pk.fn.getSourceFile().fileName.replace(/\\/g, "/");
  const calls: ts.CallExpression[] = [];
  let unresolved = false;
  for (const file of files) {
    const names = [pk.name, ...importedAs(tsm, file, pk.name)];
    for (const call of names.flatMap((n) => callsNamed(tsm, file, n))) {
      const fn = resolver.resolve(call);
      if (!fn) {
        unresolved ||= isImportedCall(tsm, call);
        continue;
      }
      if (fn.pos !== pk.fn.pos || fn.getSourceFile().fileName.replace(/\\/g, "/") !== target) continue;
      // A call inside the function itself (recursion) proves nothing about the outside.
      if (call.getSourceFile().fileName.replace(/\\/g, "/") === target && call.pos >= fn.pos && call.end <= fn.end)
        continue;
      calls.push(call);
    }
  }
  return { calls, unresolved };
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

// A by-id query whose key is a parameter trusts its callers: `deleteTag(tagId)` in the data layer
// is safe when every call passes a key the caller proved (an authorization check on it, a scoped
// query's row, a verified key), and a leak when one call passes request input nothing checked.
// This file finds which parameter a key is and the calls that reach the function; flow/ownership.ts
// judges each call with the caller's own flow.
import type ts from "typescript";
import { strip, UNIQUE_READS } from "../orm/prisma-syntax";
import { WeakCache } from "../weak-cache";
import { calleeName } from "./authorizers";
import { enclosingFunction, isWriteTarget, mayChangeHeld } from "../statements";
import { bindingPath, binds, constDeclarationOf, declaresName, writes } from "./bindings";
import {
  curriedOuter,
  factoryMethodOf,
  functionNameOf,
  type FunctionResolver,
  type FunctionWithBody,
} from "./functions";
import { mapsToId } from "./values";
import { propertyValue } from "../sql/extract-source";

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
  if (e.kind === tsm.SyntaxKind.ThisKeyword) return constructorFieldKey(tsm, e, path);
  if (!tsm.isIdentifier(e)) return undefined;
  const id = e;
  for (let cur: ts.Node | undefined = id.parent; cur; cur = cur.parent) {
    // `for (const row of rows) update({ where: { id: row.id } })`: the id of one of the rows, as in `rows.map`.
    if (tsm.isForOfStatement(cur) && declaresLoopName(tsm, cur, id.text)) {
      if (path !== ".id" || depth >= 3 || isAssigned(tsm, cur.statement, id.text)) return undefined;
      // The loop's own row, unchanged: not a name a block inside declares again, not written to,
      // from a list nothing adds to or writes into.
      if (declaresName(tsm, cur.statement, id.text) || changesHeld(tsm, cur.statement, id.text)) return undefined;
      const list = subsetOf(tsm, cur.expression);
      const fn = enclosingFunction(tsm, cur);
      if (tsm.isIdentifier(list) && fn?.body && changesHeld(tsm, fn.body, list.text)) return undefined;
      const inner = parameterKey(tsm, subsetOf(tsm, cur.expression), depth + 1);
      return inner && { ...inner, path: inner.path + IDS_OF_ROWS };
    }
    if (!tsm.isFunctionLike(cur)) continue;
    const index = cur.parameters.findIndex((p) => binds(tsm, p.name, id.text));
    if (index < 0) {
      // `const id = input.id`, `const { id } = args` inside this function: follow it (a let or anything else proves nothing).
      const d = depth < 3 ? constDeclarationOf(tsm, id, expr) : undefined;
      const init = d?.initializer;
      const within = d && bindingPath(tsm, d.name, id.text);
      if (init && within && init.pos > cur.pos && init.end <= cur.end) {
        // `const ids = rows.map((r) => r.id)` with `rows` a parameter: the ids of the rows each call passes.
        const mapped = idsOf(tsm, init);
        const inner = parameterKey(tsm, mapped ?? subsetOf(tsm, init), depth + 1);
        const ids = mapped ? IDS_OF_ROWS : "";
        return inner && { ...inner, path: inner.path + ids + within.map((p) => `.${p}`).join("") + path };
      }
      continue;
    }
    const fn = cur as ts.FunctionLikeDeclaration;
    const param = fn.parameters[index]!;
    // `rows.map((r) => db.x.update({ where: { id: r.id } }))`: the id of one of the rows.
    const rows = index === 0 && path === ".id" && depth < 3 ? elementsOf(tsm, fn) : undefined;
    if (rows && tsm.isIdentifier(param.name)) {
      const inner = parameterKey(tsm, rows, depth + 1);
      return inner && { ...inner, path: inner.path + IDS_OF_ROWS };
    }
    // A rest parameter takes any number of arguments; a reassigned one holds what the body put there.
    if (!fn.body || param.dotDotDotToken) return undefined;
    // `row = await tx.x.findUnique({ where: { id: row.id } })` reads the row again by its own
    // key: `row.id` holds the argument's id after it too.
    if (isAssigned(tsm, fn.body, id.text, path === ".id" ? rereadsItself : undefined)) return undefined;
    // `request.id = other` (or `input.id = ...` under a path `.id`), also through another name
    // (`const r = request; r.id = other`): the field holds another key.
    if (path && [id.text, ...aliasesOf(tsm, fn.body, id.text)].some((n) => writesField(tsm, fn.body!, n, path)))
      return undefined;
    const name = functionNameOf(tsm, fn as FunctionWithBody);
    if (!name) return undefined;
    const prefix = bindingPath(tsm, param.name, id.text);
    return prefix && { fn: fn as FunctionWithBody, name, index, path: prefix.map((p) => `.${p}`).join("") + path };
  }
  return undefined;
}

/**
 * NestJS CQRS: `execute(command)` of a class decorated `@CommandHandler(DeleteSlotCommand)` (or
 * `@QueryHandler`, `@EventsHandler`) runs with each `new DeleteSlotCommand(...)` a caller hands to
 * the bus. The command's field the key is read from (`command.slot.id`) is the constructor's
 * parameter property of that name: its argument index, and the path left inside it.
 */
export function commandOfHandler(
  tsm: typeof ts,
  pk: ParameterKey,
  classNamed: (file: ts.SourceFile, name: string) => ts.ClassDeclaration | undefined,
): { name: string; index: number; path: string; file: string } | undefined {
  const fn = pk.fn;
  if (pk.index !== 0 || !tsm.isMethodDeclaration(fn) || !["execute", "handle"].includes(pk.name)) return undefined;
  const cls = fn.parent;
  if (!tsm.isClassDeclaration(cls)) return undefined;
  const decorator = (tsm.getDecorators(cls) ?? []).find((d) => {
    const callee = tsm.isCallExpression(d.expression) ? d.expression.expression : undefined;
    return !!callee && tsm.isIdentifier(callee) && /^(?:Command|Query|Events)Handler$/.test(callee.text);
  });
  const arg = decorator && (decorator.expression as ts.CallExpression).arguments;
  const command = arg?.length === 1 && tsm.isIdentifier(arg[0]!) ? arg[0].text : undefined;
  const [, field, rest = ""] = /^\.([A-Za-z_$][\w$]*)(.*)$/.exec(pk.path) ?? [];
  const commandClass = command && field ? classNamed(fn.getSourceFile(), command) : undefined;
  const ctor = commandClass?.members.find((m): m is ts.ConstructorDeclaration => tsm.isConstructorDeclaration(m));
  const index = ctor ? parameterPropertyIndex(tsm, ctor, field) : -1;
  return command && index >= 0
    ? { name: command, index, path: rest, file: commandClass!.getSourceFile().fileName }
    : undefined;
}

/**
 * `new DeleteSlotCommand(...)` in these files, and whether that is all the command is made or the
 * handler run by: an aliased or namespaced import, the class handed around as a value
 * (`plainToInstance(DeleteSlotCommand, body)`), or the handler injected somewhere (to call its
 * `execute` directly) make other calls possible, which are not followed (`unresolved`).
 */
export function constructionsOf(
  tsm: typeof ts,
  name: string,
  handler: string | undefined,
  files: readonly ts.SourceFile[],
): { calls: ts.NewExpression[]; unresolved: boolean } {
  const calls: ts.NewExpression[] = [];
  let unresolved = false;
  const visit = (node: ts.Node): void => {
    if (tsm.isIdentifier(node) && node.text === name) {
      const p = node.parent;
      if (tsm.isNewExpression(p) && p.expression === node) calls.push(p);
      else if (!isDeclarationOrType(tsm, node)) unresolved = true;
    }
    // `constructor(private handler: DeleteSlotHandler)`: someone may call `handler.execute(...)`.
    if (handler && tsm.isTypeReferenceNode(node) && node.typeName.getText() === handler) unresolved = true;
    tsm.forEachChild(node, visit);
  };
  for (const file of files) if (file.text.includes(name) || (handler && file.text.includes(handler))) visit(file);
  return { calls, unresolved };
}

/** A mention that makes nothing: an import or export of the name itself, its declaration, a type, the handler's decorator. */
function isDeclarationOrType(tsm: typeof ts, id: ts.Identifier): boolean {
  const p = id.parent;
  if (tsm.isImportSpecifier(p) || tsm.isExportSpecifier(p)) return !p.propertyName; // `{ X as Y }`: made as Y
  if (tsm.isClassDeclaration(p) && p.name === id) return true;
  if (tsm.isTypeReferenceNode(p) || tsm.isExpressionWithTypeArguments(p)) return true;
  // `@CommandHandler(DeleteSlotCommand)`.
  return tsm.isCallExpression(p) && tsm.isDecorator(p.parent);
}

/**
 * `this.note.id` in an instance method of `class Note { private constructor(ctx, private note: Row) }`
 * (karakeep's models): the field a constructor parameter property holds, judged at each
 * `new Note(...)` of the class's own file, which a private constructor (or a protected one no
 * class of the file extends) makes all of them. A field
 * assigned anywhere else, or a constructor others may call, is no parameter of anything.
 */
function constructorFieldKey(tsm: typeof ts, self: ts.Expression, path: string): ParameterKey | undefined {
  const [, field, rest = ""] = /^\.([A-Za-z_$][\w$]*)(.*)$/.exec(path) ?? [];
  if (!field) return undefined;
  // The method `this` is the instance of: no `function` (or static member) in between.
  let method: ts.Node | undefined = self.parent;
  while (method && !(tsm.isClassLike(method.parent ?? method) && tsm.isClassElement(method))) {
    if (tsm.isFunctionLike(method) && !tsm.isArrowFunction(method)) break;
    method = method.parent;
  }
  const cls = method?.parent;
  if (!method || !cls || !tsm.isClassDeclaration(cls) || !cls.name) return undefined;
  if ((method as ts.MethodDeclaration).modifiers?.some((m) => m.kind === tsm.SyntaxKind.StaticKeyword))
    return undefined;
  const ctor = cls.members.find((m): m is ts.ConstructorDeclaration => tsm.isConstructorDeclaration(m) && !!m.body);
  // `protected` too (karakeep's models), when no class in the file extends it.
  const extended = cls
    .getSourceFile()
    .statements.some(
      (st) =>
        tsm.isClassDeclaration(st) &&
        st.heritageClauses?.some((h) => h.types.some((t) => t.expression.getText() === cls.name!.text)),
    );
  const isPrivate = ctor?.modifiers?.some(
    (m) => m.kind === tsm.SyntaxKind.PrivateKeyword || (m.kind === tsm.SyntaxKind.ProtectedKeyword && !extended),
  );
  const index = ctor && parameterPropertyIndex(tsm, ctor, field);
  if (!ctor || !isPrivate || index === undefined || index < 0) return undefined;
  // Written after construction (`this.note = other`): the constructor's argument no longer says what it holds.
  let written = false;
  const visit = (n: ts.Node): void => {
    if (
      tsm.isBinaryExpression(n) &&
      n.operatorToken.kind >= tsm.SyntaxKind.FirstAssignment &&
      n.operatorToken.kind <= tsm.SyntaxKind.LastAssignment &&
      tsm.isPropertyAccessExpression(n.left) &&
      n.left.name.text === field
    )
      written = true;
    tsm.forEachChild(n, visit);
  };
  visit(cls);
  if (written) return undefined;
  return { fn: ctor as FunctionWithBody, name: cls.name.text, index, path: rest };
}

/** The index of the constructor's parameter property (`private note: Row`) named `field`, or -1. */
function parameterPropertyIndex(tsm: typeof ts, ctor: ts.ConstructorDeclaration, field: string): number {
  return ctor.parameters.findIndex(
    (p) => tsm.isIdentifier(p.name) && p.name.text === field && !!tsm.getModifiers(p)?.length,
  );
}

/** The path step for "the ids of these rows" (`rows.map((r) => r.id)`): FunctionFlow's member reads it. */
export const IDS_OF_ROWS = ".map(id)";

const ELEMENT_METHODS = new Set(["map", "forEach", "flatMap", "filter", "some", "every", "find"]);

/** `rows` of `rows.map(fn)` (or forEach, filter...) for the callback `fn`, whose first parameter is each row. */
function elementsOf(tsm: typeof ts, fn: ts.FunctionLikeDeclaration): ts.Expression | undefined {
  const call = fn.parent;
  if (!(tsm.isArrowFunction(fn) || tsm.isFunctionExpression(fn)) || !tsm.isCallExpression(call)) return undefined;
  if (call.arguments[0] !== fn || !tsm.isPropertyAccessExpression(call.expression)) return undefined;
  return ELEMENT_METHODS.has(call.expression.name.text) ? subsetOf(tsm, call.expression.expression) : undefined;
}

/** Whether `body` has a use of the name that may change what it holds (statements.ts mayChangeHeld). */
function changesHeld(tsm: typeof ts, body: ts.Node, name: string): boolean {
  let changed = false;
  const visit = (n: ts.Node): void => {
    if (changed) return;
    if (tsm.isIdentifier(n) && n.text === name && mayChangeHeld(tsm, n, true)) changed = true;
    else tsm.forEachChild(n, visit);
  };
  visit(body);
  return changed;
}

/** Whether `for (const name of ...)` (or `let`) binds `name` itself, not inside a pattern. */
function declaresLoopName(tsm: typeof ts, loop: ts.ForOfStatement, name: string): boolean {
  const init = loop.initializer;
  return (
    tsm.isVariableDeclarationList(init) &&
    init.declarations.length === 1 &&
    tsm.isIdentifier(init.declarations[0]!.name) &&
    init.declarations[0]!.name.text === name
  );
}

/** `rows.filter(...)` (or `.slice(...)`): some of `rows`, each one of them. */
function subsetOf(tsm: typeof ts, e: ts.Expression): ts.Expression {
  let x = strip(tsm, e);
  while (
    tsm.isCallExpression(x) &&
    tsm.isPropertyAccessExpression(x.expression) &&
    ["filter", "slice"].includes(x.expression.name.text)
  )
    x = strip(tsm, x.expression.expression);
  return x;
}

/** `rows.map((r) => r.id)`: `rows`. */
function idsOf(tsm: typeof ts, e: ts.Expression): ts.Expression | undefined {
  const x = strip(tsm, e);
  if (!tsm.isCallExpression(x) || !tsm.isPropertyAccessExpression(x.expression) || x.expression.name.text !== "map")
    return undefined;
  return mapsToId(tsm, x.arguments[0]) ? x.expression.expression : undefined;
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
 * could not be resolved at all, so it may be a call of `fn` no one can judge. `isModel` names the
 * ORM's models: `this.prisma.localization.delete(...)` is a query, never a call of a `delete` method.
 */
export function callSitesOf(
  tsm: typeof ts,
  pk: ParameterKey,
  files: readonly ts.SourceFile[],
  resolver: FunctionResolver,
  isModel: (name: string) => boolean = () => false,
): { calls: ts.CallExpression[]; unresolved: boolean } {
  const target = normalizePath(pk.fn.getSourceFile().fileName);
  const topLevel = isTopLevel(tsm, pk.fn);
  const calls: ts.CallExpression[] = [];
  let unresolved = false;
  const used: { file: ts.SourceFile; names: string[] }[] = [];
  for (const file of files) {
    // Tests call with fixtures of their own: they are no evidence of how the product calls it.
    if (TEST_FILE.test(file.fileName)) continue;
    const names = [pk.name, ...importedAs(resolver, file, pk.name)];
    // Its own file names it once, in the declaration: nothing there calls it or passes it on.
    if (normalizePath(file.fileName) === target && names.length === 1 && wordCount(file.text, pk.name) <= 1) continue;
    used.push({ file, names });
    for (const call of names.flatMap((n) => callsNamed(tsm, file, n))) {
      const fn = resolver.resolve(call);
      if (!fn) {
        const callee = strip(tsm, call.expression);
        const on = tsm.isPropertyAccessExpression(callee) ? strip(tsm, callee.expression) : undefined;
        if (on && tsm.isPropertyAccessExpression(on) && isModel(on.name.text)) continue;
        // `f(...)` that no import or local function explains, `ns.f(...)`, or any call of a method's name.
        // `tldts.getDomain(name)` of a package in node_modules is no call of the project's `getDomain`.
        const from = isImportedCall(tsm, resolver, call) ? importedFrom(tsm, resolver, call) : undefined;
        // Only `ns.f()` on a package's namespace: `import { getDoc } from "db"` may be a workspace package's own.
        const onNamespace = tsm.isPropertyAccessExpression(strip(tsm, call.expression));
        if (from !== undefined && onNamespace && !resolver.mayNameFile(file.fileName, from, target)) continue;
        unresolved ||= !topLevel || from !== undefined || tsm.isIdentifier(strip(tsm, call.expression));
        continue;
      }
      // A curried function's inner one runs at the call of the call: `archiveResults(prisma)({ ... })`.
      const outer = curriedOuter(tsm, pk.fn);
      const runs = outer
        ? tsm.isCallExpression(call.parent) && call.parent.expression === call
          ? call.parent
          : undefined
        : call;
      if ((outer ?? pk.fn).pos !== fn.pos || normalizePath(fn.getSourceFile().fileName) !== target) continue;
      // Called once and kept (`const archive = archiveResults(prisma)`): run where no one follows.
      if (!runs) {
        unresolved = true;
        continue;
      }
      // A call inside the function itself (recursion) proves nothing about the outside.
      if (normalizePath(call.getSourceFile().fileName) === target && call.pos >= fn.pos && call.end <= fn.end) continue;
      calls.push(runs);
    }
  }
  // `ids.map(deleteTag)`, `router.post(path, deleteTag)`, `{ deleteTag }`: called where no one can
  // judge the argument. Only worth a walk when there are calls to judge. A factory's method is put
  // in the object it returns, and called through it: taken from that object as a value, it is passed around.
  const returned = calls.length && !unresolved ? factoryMethodOf(tsm, pk.fn) : undefined;
  if (returned)
    unresolved = used.some(({ file }) => methodTaken(tsm, file, pk.name) || usedBesides(tsm, file, pk.name, returned));
  else if (calls.length && !unresolved)
    unresolved = used.some(({ file, names }) => names.some((n) => passedAround(tsm, file, n, ownerOf(tsm, pk.fn))));
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
function passedAround(tsm: typeof ts, file: ts.SourceFile, name: string, owner: string | undefined): boolean {
  if (!file.text.includes(name)) return false;
  const uses = valueUsesByFile.get([file], () => {
    const names = { bare: new Set<string>(), members: new Set<string>() };
    // A class imported under any name (`import Repo from "./repo"`, the default export of crowd.dev's repositories).
    const imported = new Set<string>();
    for (const st of file.statements) {
      const clause = tsm.isImportDeclaration(st) ? st.importClause : undefined;
      if (clause?.name) imported.add(clause.name.text);
      const b = clause?.namedBindings;
      if (b && tsm.isNamespaceImport(b)) imported.add(b.name.text);
      if (b && tsm.isNamedImports(b)) for (const el of b.elements) imported.add(el.name.text);
    }
    const member = (on: ts.Expression, name: string) => {
      const by = on.kind === tsm.SyntaxKind.ThisKeyword ? "this" : tsm.isIdentifier(on) ? on.text : undefined;
      if (by) names.members.add(`${by}.${name}`);
      if (by && imported.has(by)) names.members.add(`<import>.${name}`);
    };
    const visit = (n: ts.Node): void => {
      if (tsm.isTypeNode(n) || tsm.isImportDeclaration(n)) return;
      if (tsm.isIdentifier(n) && isValueUse(tsm, n)) names.bare.add(n.text);
      // `ids.map(DomainService.byId)`, `{ run: this.process }`: a method taken as a value.
      if (tsm.isPropertyAccessExpression(n) && !(tsm.isCallExpression(n.parent) && n.parent.expression === n))
        member(strip(tsm, n.expression), n.name.text);
      // `Repo["findById"](id)`: called, or taken, by a name no call site search reads.
      if (tsm.isElementAccessExpression(n) && tsm.isStringLiteralLike(n.argumentExpression))
        member(strip(tsm, n.expression), n.argumentExpression.text);
      tsm.forEachChild(n, visit);
    };
    visit(file);
    return names;
  });
  // A method is reached through its class or `this`: a bare `id`, or `req.params.id`, is some other value.
  if (!owner) return uses.bare.has(name);
  return (
    uses.members.has(`${owner}.${name}`) || uses.members.has(`this.${name}`) || uses.members.has(`<import>.${name}`)
  );
}

/** `ids.map(tokenDAL.findById)`, `{ run: dal.findById }`: a method of that name taken as a value, on any receiver. */
function methodTaken(tsm: typeof ts, file: ts.SourceFile, name: string): boolean {
  if (!file.text.includes(name)) return false;
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || tsm.isTypeNode(n) || tsm.isImportDeclaration(n)) return;
    if (tsm.isPropertyAccessExpression(n) && n.name.text === name && !isWriteTarget(tsm, n))
      found = !(tsm.isCallExpression(n.parent) && n.parent.expression === n);
    else if (tsm.isElementAccessExpression(n) && tsm.isStringLiteralLike(n.argumentExpression))
      found = n.argumentExpression.text === name;
    tsm.forEachChild(n, visit);
  };
  visit(file);
  return found;
}

/** A bare value use of `name` besides the factory's returned objects that hold it (and its own declaration). */
function usedBesides(
  tsm: typeof ts,
  file: ts.SourceFile,
  name: string,
  returned: readonly ts.ObjectLiteralExpression[],
): boolean {
  if (!file.text.includes(name)) return false;
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || tsm.isTypeNode(n) || tsm.isImportDeclaration(n) || returned.includes(n as ts.ObjectLiteralExpression))
      return;
    if (tsm.isIdentifier(n) && n.text === name && isValueUse(tsm, n)) found = true;
    tsm.forEachChild(n, visit);
  };
  visit(file);
  return found;
}

/** The class a method belongs to, by name; undefined for a function of its own. */
export function ownerOf(tsm: typeof ts, fn: ts.Node): string | undefined {
  if (!tsm.isMethodDeclaration(fn) && !tsm.isPropertyDeclaration(fn.parent)) return undefined;
  const cls = tsm.isMethodDeclaration(fn) ? fn.parent : fn.parent.parent;
  return tsm.isClassLike(cls) ? (cls.name?.text ?? "") : undefined;
}

const valueUsesByFile = new WeakCache<{ bare: Set<string>; members: Set<string> }>();

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

/** `fetchOrder` for `import { getOrder as fetchOrder }`: the other names a file calls `name` by. */
function importedAs(resolver: FunctionResolver, file: ts.SourceFile, name: string): string[] {
  const out: string[] = [];
  for (const [local, binding] of resolver.importsOf(file)) if (binding.name === name && local !== name) out.push(local);
  return out;
}

/** `name(...)` with `name` imported, or `ns.name(...)` with `ns` a namespace import: a call of another module's function. */
/** The module specifier the callee of an imported call comes from (`tldts` of `tldts.getDomain(...)`). */
function importedFrom(tsm: typeof ts, resolver: FunctionResolver, call: ts.CallExpression): string | undefined {
  const imports = resolver.importsOf(call.getSourceFile());
  const callee = strip(tsm, call.expression);
  const owner = tsm.isPropertyAccessExpression(callee) ? strip(tsm, callee.expression) : callee;
  return tsm.isIdentifier(owner) ? imports.get(owner.text)?.from : undefined;
}

function isImportedCall(tsm: typeof ts, resolver: FunctionResolver, call: ts.CallExpression): boolean {
  const imports = resolver.importsOf(call.getSourceFile());
  const callee = strip(tsm, call.expression);
  if (tsm.isIdentifier(callee)) return imports.has(callee.text);
  if (!tsm.isPropertyAccessExpression(callee)) return false;
  const owner = strip(tsm, callee.expression);
  return tsm.isIdentifier(owner) && imports.get(owner.text)?.name === "*";
}

/**
 * Whether `name` is written anywhere in `body`: `x = ...`, `x += ...`, `({ x } = ...)`, `x++`,
 * `for (x of ...)`; a plain `x = value` that `keeps` accepts does not count.
 */
export function isAssigned(
  tsm: typeof ts,
  body: ts.Node,
  name: string,
  keeps?: (tsm: typeof ts, value: ts.Expression, name: string) => boolean,
): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (writes(tsm, n)?.targets.some((t) => tsm.isIdentifier(t) && t.text === name)) {
      const kept =
        keeps &&
        tsm.isBinaryExpression(n) &&
        n.operatorToken.kind === tsm.SyntaxKind.EqualsToken &&
        tsm.isIdentifier(n.left) &&
        keeps(tsm, n.right, name);
      if (!kept) found = true;
    }
    tsm.forEachChild(n, visit);
  };
  visit(body);
  return found;
}

/**
 * `await tx.x.findUnique({ where: { id: row.id } })`: the row read again by its own id, so `row.id`
 * is unchanged wherever `row` is not null.
 */
function rereadsItself(tsm: typeof ts, value: ts.Expression, name: string): boolean {
  // (Not `row ? await ... : null`: a row that may be null is an `undefined` key, which a where drops.)
  let e = strip(tsm, value);
  if (tsm.isAwaitExpression(e)) e = strip(tsm, e.expression);
  if (!tsm.isCallExpression(e) || !tsm.isPropertyAccessExpression(e.expression)) return false;
  if (!UNIQUE_READS.has(e.expression.name.text) || e.arguments.length !== 1) return false;
  const args = strip(tsm, e.arguments[0]!);
  const where = tsm.isObjectLiteralExpression(args) ? propertyValue(tsm, args, "where") : undefined;
  if (!where || !tsm.isObjectLiteralExpression(where) || where.properties.length !== 1) return false;
  const key = propertyValue(tsm, where, "id");
  const held = key && strip(tsm, key);
  return (
    !!held &&
    tsm.isPropertyAccessExpression(held) &&
    !held.questionDotToken &&
    held.name.text === "id" &&
    tsm.isIdentifier(strip(tsm, held.expression)) &&
    (strip(tsm, held.expression) as ts.Identifier).text === name
  );
}

/** The names `const r = name` (or `let`) gives the same object in `body`. */
function aliasesOf(tsm: typeof ts, body: ts.Node, name: string): string[] {
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if (tsm.isVariableDeclaration(n) && tsm.isIdentifier(n.name) && n.initializer) {
      const init = strip(tsm, n.initializer);
      if (tsm.isIdentifier(init) && init.text === name) out.push(n.name.text);
    }
    tsm.forEachChild(n, visit);
  };
  visit(body);
  return out;
}

/** Whether `body` writes `name` plus a prefix of `path` (`request.id = x` for `.id`, `input.data = x` for `.data.id`). */
function writesField(tsm: typeof ts, body: ts.Node, name: string, path: string): boolean {
  const written = (t: ts.Expression): boolean => {
    let e = strip(tsm, t);
    let fields = "";
    while (tsm.isPropertyAccessExpression(e) || tsm.isNonNullExpression(e)) {
      if (tsm.isPropertyAccessExpression(e)) fields = `.${e.name.text}${fields}`;
      e = strip(tsm, e.expression);
    }
    return tsm.isIdentifier(e) && e.text === name && !!fields && (path === fields || path.startsWith(`${fields}.`));
  };
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (writes(tsm, n)?.targets.some(written)) found = true;
    tsm.forEachChild(n, visit);
  };
  visit(body);
  return found;
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
  // A `"use server"` file's exports are its server actions; a function it keeps to itself is not one.
  if (hasUseServer(tsm, file.statements)) return !privateToFile(tsm, pk.fn, pk.name);
  if (pk.fn.body && tsm.isBlock(pk.fn.body) && hasUseServer(tsm, pk.fn.body.statements)) return true;
  return /[\\/]pages[\\/]api[\\/]/.test(file.fileName) && isDefaultExport(tsm, pk);
}

/**
 * A top-level `function f` or `const f = async () => ...` with no `export` on it and no
 * `export { f }` / `export default f` in its file: only the file's own code can call it.
 */
function privateToFile(tsm: typeof ts, fn: FunctionWithBody, name: string): boolean {
  const file = fn.getSourceFile();
  const exportsOf = (n: ts.Node) =>
    tsm.canHaveModifiers(n) && !!tsm.getModifiers(n)?.some((m) => m.kind === tsm.SyntaxKind.ExportKeyword);
  let statement: ts.Node | undefined;
  if (tsm.isFunctionDeclaration(fn) && fn.parent === file) statement = fn;
  else if (
    (tsm.isArrowFunction(fn) || tsm.isFunctionExpression(fn)) &&
    tsm.isVariableDeclaration(fn.parent) &&
    fn.parent.initializer === fn &&
    tsm.isVariableStatement(fn.parent.parent.parent) &&
    fn.parent.parent.parent.parent === file
  )
    statement = fn.parent.parent.parent;
  if (!statement || exportsOf(statement)) return false;
  return !file.statements.some(
    (st) =>
      (tsm.isExportDeclaration(st) &&
        !!st.exportClause &&
        tsm.isNamedExports(st.exportClause) &&
        st.exportClause.elements.some((el) => (el.propertyName ?? el.name).text === name)) ||
      (tsm.isExportAssignment(st) && tsm.isIdentifier(st.expression) && st.expression.text === name),
  );
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

/** Whether `calls` holds `call`, though its file may be another parse of the same text. */
export function hasCall(calls: ReadonlySet<ts.Node>, call: ts.Node): boolean {
  if (calls.has(call)) return true;
  const file = call.getSourceFile().fileName;
  for (const c of calls)
    if (c.pos === call.pos && c.end === call.end && c.getSourceFile().fileName === file) return true;
  return false;
}

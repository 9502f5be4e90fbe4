// Method chains of query builders (Drizzle, Kysely, Knex; TypeORM's query builder later):
// from the call that ends a chain back to its root receiver, across variables that carry a
// half-built query (`let q = db.selectFrom('orders'); if (x) q = q.where(...)`).
import type ts from "typescript";

/** One `.name(args)` link of a chain; `name` is "" for a callable root (`knex('orders')`). */
export interface ChainCall {
  name: string;
  call: ts.CallExpression;
  args: readonly ts.Expression[];
  /** Why the call may not run, when it comes from a statement inside an `if`, a loop, ... */
  conditional?: string;
}

export interface Chain {
  /** The receiver the chain starts from: `db`, `this.db`, `knex`, `db.query.orders`. */
  root: ts.Expression;
  /** Calls in execution order, the variable's initializer and later `q = q.where(...)` included. */
  calls: ChainCall[];
  /** The outermost call: the whole query, for suppressions and identities. */
  top: ts.CallExpression;
}

/** Parens, `!`, `as`, `satisfies` do not change what a chain is. */
export function skipOuter(tsm: typeof ts, node: ts.Expression): ts.Expression {
  let e = node;
  while (tsm.isParenthesizedExpression(e) || tsm.isNonNullExpression(e) || tsm.isAsExpression(e) || tsm.isSatisfiesExpression(e) || tsm.isTypeAssertionExpression(e)) e = e.expression;
  return e;
}

/** The calls of one chain written in one expression, root first. */
export function chainOf(tsm: typeof ts, top: ts.CallExpression): Chain {
  const calls: ChainCall[] = [];
  let e: ts.Expression = top;
  for (;;) {
    e = skipOuter(tsm, e);
    if (!tsm.isCallExpression(e)) break;
    const callee = skipOuter(tsm, e.expression);
    if (tsm.isPropertyAccessExpression(callee)) {
      calls.unshift({ name: callee.name.text, call: e, args: e.arguments });
      e = callee.expression;
      continue;
    }
    calls.unshift({ name: "", call: e, args: e.arguments });
    e = callee;
    break;
  }
  return { root: e, calls, top };
}

/** Calls that end a chain: not the object of a further `.method(...)`. */
export function chainTops(tsm: typeof ts, sourceFile: ts.SourceFile): ts.CallExpression[] {
  const out: ts.CallExpression[] = [];
  const visit = (node: ts.Node): void => {
    if (tsm.isCallExpression(node) && !continuesChain(tsm, node)) out.push(node);
    tsm.forEachChild(node, visit);
  };
  visit(sourceFile);
  return out;
}

function continuesChain(tsm: typeof ts, call: ts.CallExpression): boolean {
  let child: ts.Node = call;
  let parent = call.parent;
  while (parent && (tsm.isParenthesizedExpression(parent) || tsm.isNonNullExpression(parent) || tsm.isAsExpression(parent))) {
    child = parent;
    parent = parent.parent;
  }
  return !!parent && tsm.isPropertyAccessExpression(parent) && parent.expression === child && tsm.isCallExpression(parent.parent) && parent.parent.expression === parent;
}

/** A chain, with the query a variable root carries prepended. */
export type ExpandedChain = Chain;

/**
 * Every query chain of the file, once. A half-built query kept in a variable is followed:
 * `const q = db('orders')` then `q.where(...)` (Knex mutates) or `q = q.where(...)` (Kysely,
 * Drizzle `$dynamic`) up to the call that uses it (`q.execute()`), or to the end of its block
 * when it is returned as it is. Calls from statements inside a branch are marked conditional.
 */
export function queryChains(tsm: typeof ts, sourceFile: ts.SourceFile, isClient: (root: ts.Expression) => boolean): ExpandedChain[] {
  const tops = chainTops(tsm, sourceFile);
  const info = tops.map((top) => ({ top, chain: chainOf(tsm, top), carrier: carrierOf(tsm, top), side: false, rootDecl: undefined as ts.VariableDeclaration | undefined }));
  const carried = (root: ts.Expression) => (tsm.isIdentifier(root) && !isClient(root) ? localDeclaration(tsm, root) : undefined);
  for (const i of info) {
    i.rootDecl = carried(i.chain.root);
    i.side = !!i.rootDecl && isSideStatement(tsm, i.top, i.chain.root as ts.Identifier);
  }
  const usedAsRoot = new Set(info.filter((i) => !i.side && i.rootDecl).map((i) => i.rootDecl));
  const out: ExpandedChain[] = [];
  for (const i of info) {
    if (i.side || (i.carrier && usedAsRoot.has(i.carrier))) continue;
    const own = i.carrier ? { ...i.chain, calls: [...i.chain.calls, ...sideCalls(tsm, i.carrier, undefined)] } : i.chain;
    out.push(expand(tsm, own, i.rootDecl, carried, 0));
  }
  return out;
}

function expand(tsm: typeof ts, chain: Chain, decl: ts.VariableDeclaration | undefined, carried: (root: ts.Expression) => ts.VariableDeclaration | undefined, depth: number): Chain {
  if (!decl?.initializer || depth > 5) return chain;
  const init = skipOuter(tsm, decl.initializer);
  if (!tsm.isCallExpression(init)) return chain;
  const base = chainOf(tsm, init);
  const expanded = expand(tsm, base, carried(base.root), carried, depth + 1);
  return { root: expanded.root, calls: [...expanded.calls, ...sideCalls(tsm, decl, chain.top), ...chain.calls], top: chain.top };
}

/** The variable a chain is stored in as its initializer (`const q = db.selectFrom('orders')`). */
function carrierOf(tsm: typeof ts, top: ts.CallExpression): ts.VariableDeclaration | undefined {
  let node: ts.Node = top;
  while (node.parent && (tsm.isParenthesizedExpression(node.parent) || tsm.isAsExpression(node.parent) || tsm.isNonNullExpression(node.parent))) node = node.parent;
  const parent = node.parent;
  return parent && tsm.isVariableDeclaration(parent) && parent.initializer === node && tsm.isIdentifier(parent.name) ? parent : undefined;
}

/** `q.where(...);` or `q = q.where(...);` as a statement of its own. */
function isSideStatement(tsm: typeof ts, top: ts.CallExpression, root: ts.Identifier): boolean {
  let node: ts.Node = top;
  while (node.parent && tsm.isParenthesizedExpression(node.parent)) node = node.parent;
  const parent = node.parent;
  if (parent && tsm.isExpressionStatement(parent)) return true;
  return !!parent && tsm.isBinaryExpression(parent) && parent.operatorToken.kind === tsm.SyntaxKind.EqualsToken && parent.right === node && tsm.isIdentifier(parent.left) && parent.left.text === root.text && tsm.isExpressionStatement(parent.parent);
}

/** The side statements' calls on `decl`'s variable after it and before `end` (or to the end of its block). */
function sideCalls(tsm: typeof ts, decl: ts.VariableDeclaration, end: ts.Node | undefined): ChainCall[] {
  const scope = decl.parent.parent.parent;
  const name = (decl.name as ts.Identifier).text;
  const out: ChainCall[] = [];
  const visit = (node: ts.Node): void => {
    if (node.end <= decl.end || (end && node.pos >= end.pos)) return;
    if (tsm.isFunctionLike(node)) return; // a callback runs who knows when
    if (tsm.isExpressionStatement(node) && (!end || node.end <= end.pos)) {
      let e = skipOuter(tsm, node.expression);
      if (tsm.isBinaryExpression(e) && e.operatorToken.kind === tsm.SyntaxKind.EqualsToken && tsm.isIdentifier(e.left) && e.left.text === name) e = skipOuter(tsm, e.right);
      if (tsm.isCallExpression(e)) {
        const side = chainOf(tsm, e);
        if (tsm.isIdentifier(side.root) && side.root.text === name) {
          const reason = conditionalReason(tsm, node, scope);
          for (const call of side.calls) out.push(reason ? { ...call, conditional: reason } : call);
          return;
        }
      }
    }
    tsm.forEachChild(node, visit);
  };
  tsm.forEachChild(scope, visit);
  return out;
}

/** Why a statement below `scope` may not run: the first branch construct between them. */
export function conditionalReason(tsm: typeof ts, node: ts.Node, scope: ts.Node): string | undefined {
  for (let child = node, parent = node.parent; parent && child !== scope && parent !== scope; child = parent, parent = parent.parent) {
    if (tsm.isIfStatement(parent) && child !== parent.expression) return "is added only when an `if` branch runs";
    if (tsm.isConditionalExpression(parent) && child !== parent.condition) return "is added only when a `? :` branch is taken";
    if (tsm.isBinaryExpression(parent) && child === parent.right && isShortCircuit(tsm, parent.operatorToken.kind)) return "is added only when a `&&`/`||` lets it run";
    if (tsm.isIterationStatement(parent, false) || tsm.isCaseClause(parent) || tsm.isDefaultClause(parent) || tsm.isCatchClause(parent)) return "is added only on some paths (a loop, switch or catch)";
  }
  return undefined;
}

function isShortCircuit(tsm: typeof ts, kind: ts.SyntaxKind): boolean {
  return kind === tsm.SyntaxKind.AmpersandAmpersandToken || kind === tsm.SyntaxKind.BarBarToken || kind === tsm.SyntaxKind.QuestionQuestionToken;
}

/** The `const`/`let` an identifier names, found by scope walk (no checker needed). */
export function localDeclaration(tsm: typeof ts, id: ts.Identifier): ts.VariableDeclaration | undefined {
  for (let scope: ts.Node | undefined = id.parent; scope; scope = scope.parent) {
    if (tsm.isFunctionLike(scope) && scope.parameters.some((p) => bindsName(tsm, p.name, id.text))) return undefined; // shadowed by a parameter
    if (!(tsm.isBlock(scope) || tsm.isSourceFile(scope) || tsm.isModuleBlock(scope) || tsm.isCaseClause(scope))) continue;
    for (const statement of scope.statements) {
      if (!tsm.isVariableStatement(statement)) continue;
      for (const decl of statement.declarationList.declarations) if (tsm.isIdentifier(decl.name) && decl.name.text === id.text) return decl;
    }
  }
  return undefined;
}

function bindsName(tsm: typeof ts, name: ts.BindingName, text: string): boolean {
  if (tsm.isIdentifier(name)) return name.text === text;
  return name.elements.some((el) => !tsm.isOmittedExpression(el) && bindsName(tsm, el.name, text));
}

/** The parameter an identifier names, when it is one of an enclosing function. */
export function parameterOf(tsm: typeof ts, id: ts.Identifier): ts.ParameterDeclaration | undefined {
  for (let scope: ts.Node | undefined = id.parent; scope; scope = scope.parent) {
    if (!tsm.isFunctionLike(scope)) continue;
    for (const p of scope.parameters) if (tsm.isIdentifier(p.name) && p.name.text === id.text) return p;
  }
  return undefined;
}

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
  return sourceFile.statements.some((s) => tsm.isImportDeclaration(s) && tsm.isStringLiteral(s.moduleSpecifier) && test(s.moduleSpecifier.text));
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

/** How to recognise one builder's client without and with a type checker. */
export interface ClientShape {
  /** Calls whose result is the client: `drizzle(...)`, `knex(...)`. */
  factories: ReadonlySet<string>;
  /** Classes whose instance is the client: `new Kysely(...)`. */
  classes: ReadonlySet<string>;
  /** Type names of the client and its transactions, as written (`Knex.Transaction`) or as the symbol is named. */
  typeNames: ReadonlySet<string>;
  /** Where those types are declared: a file path or `declare module`/namespace name. */
  typeModule: RegExp;
}

/** Receivers any builder's client is conventionally called; the chain's shape then says which builder. */
export const CLIENT_NAMES: ReadonlySet<string> = new Set(["db", "trx", "tx", "knex", "kysely", "database"]);

/**
 * Whether `expr` is a client of the builder: a conventional name (`db`, `this.db`, a `trx`
 * parameter), a variable holding a factory's result, a parameter typed as the client, or with
 * a checker, a value whose type is the client's.
 */
export function isClientOf(tsm: typeof ts, expr: ts.Expression, shape: ClientShape, checker?: ts.TypeChecker, depth = 0): boolean {
  const e = skipOuter(tsm, expr);
  if (tsm.isPropertyAccessExpression(e)) return CLIENT_NAMES.has(e.name.text) || (!!checker && hasClientType(tsm, checker, e, shape));
  if (!tsm.isIdentifier(e)) return false;
  if (CLIENT_NAMES.has(e.text)) return true;
  const decl = localDeclaration(tsm, e);
  if (decl?.initializer && depth < 3) {
    const init = skipOuter(tsm, tsm.isAwaitExpression(decl.initializer) ? decl.initializer.expression : decl.initializer);
    if (isFactoryCall(tsm, init, shape)) return true;
    if (tsm.isIdentifier(init) || tsm.isPropertyAccessExpression(init)) if (isClientOf(tsm, init, shape, checker, depth + 1)) return true;
  }
  const typeNode = decl?.type ?? parameterOf(tsm, e)?.type;
  if (typeNode && tsm.isTypeReferenceNode(typeNode) && shape.typeNames.has(typeNode.typeName.getText())) return true;
  return !!checker && hasClientType(tsm, checker, e, shape);
}

export function isFactoryCall(tsm: typeof ts, e: ts.Expression, shape: ClientShape): boolean {
  if (tsm.isNewExpression(e)) return tsm.isIdentifier(e.expression) && shape.classes.has(e.expression.text);
  if (!tsm.isCallExpression(e)) return false;
  const callee = skipOuter(tsm, e.expression);
  if (tsm.isIdentifier(callee)) return shape.factories.has(callee.text) || isDefaultImportFrom(tsm, callee, shape.typeModule);
  // require('knex')({ ... })
  return tsm.isCallExpression(callee) && tsm.isIdentifier(callee.expression) && callee.expression.text === "require" && shape.factories.has(stringValue(tsm, callee.arguments[0]) ?? "");
}

/** `import makeKnex from "knex"`: the package's default export is its factory. */
function isDefaultImportFrom(tsm: typeof ts, id: ts.Identifier, module: RegExp): boolean {
  return id.getSourceFile().statements.some((s) => tsm.isImportDeclaration(s) && s.importClause?.name?.text === id.text && tsm.isStringLiteral(s.moduleSpecifier) && module.test(s.moduleSpecifier.text));
}

function hasClientType(tsm: typeof ts, checker: ts.TypeChecker, node: ts.Node, shape: ClientShape): boolean {
  let type: ts.Type;
  try {
    type = checker.getTypeAtLocation(node);
  } catch {
    return false;
  }
  const types = type.isUnion() ? type.types : [type];
  return types.some((t) => [t.aliasSymbol, t.getSymbol()].some((s) => !!s && shape.typeNames.has(s.name) && declaredIn(tsm, s, shape.typeModule)));
}

function declaredIn(tsm: typeof ts, symbol: ts.Symbol, module: RegExp): boolean {
  for (const decl of symbol.declarations ?? []) {
    if (module.test(decl.getSourceFile().fileName)) return true;
    for (let n: ts.Node | undefined = decl.parent; n; n = n.parent) if (tsm.isModuleDeclaration(n) && module.test(n.name.text)) return true;
  }
  return false;
}

/** The initializer of a `const` an identifier names (what a builder can see through). */
export function constInitializer(tsm: typeof ts, id: ts.Identifier): ts.Expression | undefined {
  const decl = localDeclaration(tsm, id);
  if (!decl?.initializer || !(decl.parent.flags & tsm.NodeFlags.Const)) return undefined;
  return decl.initializer;
}

/**
 * The elements an array variable holds when `before` runs: its literal initializer and the
 * arguments of `arr.push(...)` statements in between, each with why it may be missing.
 */
export function arrayElements(tsm: typeof ts, id: ts.Identifier, before: ts.Node): { expr: ts.Expression; conditional?: string }[] | undefined {
  const decl = localDeclaration(tsm, id);
  const init = decl?.initializer && skipOuter(tsm, decl.initializer);
  if (!decl || !init || !tsm.isArrayLiteralExpression(init)) return undefined;
  const out: { expr: ts.Expression; conditional?: string }[] = init.elements.map((expr) => ({ expr }));
  const scope = decl.parent.parent.parent;
  const visit = (node: ts.Node): void => {
    if (node.end <= decl.end || node.pos >= before.pos || tsm.isFunctionLike(node)) return;
    if (tsm.isExpressionStatement(node)) {
      const e = skipOuter(tsm, node.expression);
      if (tsm.isCallExpression(e) && tsm.isPropertyAccessExpression(e.expression) && e.expression.name.text === "push" && tsm.isIdentifier(e.expression.expression) && e.expression.expression.text === id.text) {
        const conditional = conditionalReason(tsm, node, scope);
        for (const expr of e.arguments) out.push({ expr, conditional });
        return;
      }
    }
    tsm.forEachChild(node, visit);
  };
  tsm.forEachChild(scope, visit);
  return out;
}

/** Inserts `text` right after `node`. */
export function insertAfter(node: ts.Node, text: string): { start: number; end: number; newText: string } {
  return { start: node.getEnd(), end: node.getEnd(), newText: text };
}

/**
 * An edit adding `property` to an object literal, after its last property (keeping a
 * trailing comma and the literal's one-line or multi-line layout).
 */
export function addProperty(sourceFile: ts.SourceFile, object: ts.ObjectLiteralExpression, property: string): { start: number; end: number; newText: string } {
  const props = object.properties;
  if (props.length === 0) return { start: object.getStart(sourceFile), end: object.getEnd(), newText: `{ ${property} }` };
  const last = props[props.length - 1];
  const multiline = sourceFile.getLineAndCharacterOfPosition(object.getStart(sourceFile)).line !== sourceFile.getLineAndCharacterOfPosition(last.getStart(sourceFile)).line;
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

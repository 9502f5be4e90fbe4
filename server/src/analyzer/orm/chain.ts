// Method chains of query builders (Drizzle, Kysely, Knex; TypeORM's query builder later):
// from the call that ends a chain back to its root receiver, across variables that carry a
// half-built query (`let q = db.selectFrom('orders'); if (x) q = q.where(...)`).
import type ts from "typescript";
import { enclosingClass, mayChangeHeld, outermostExpression, returnedExpressions, skipOuter } from "../statements";

export { skipOuter };
import { WeakCache } from "../weak-cache";
import { fileCalls } from "./file-calls";

/** One `.name(args)` link of a chain; `name` is "" for a callable root (`knex('orders')`). */
export interface ChainCall {
  name: string;
  call: ts.CallExpression;
  args: readonly ts.Expression[];
  /** Why the call may not run, when it comes from a statement inside an `if`, a loop, ... */
  conditional?: string;
  /** The `if` (with an `else`, itself run every time) whose one branch the call sits in, directly. */
  branch?: { of: ts.IfStatement; then: boolean };
}

export interface Chain {
  /** The receiver the chain starts from: `db`, `this.db`, `knex`, `db.query.orders`. */
  root: ts.Expression;
  /** Calls in execution order, the variable's initializer and later `q = q.where(...)` included. */
  calls: ChainCall[];
  /** The outermost call: the whole query, for suppressions and identities. */
  top: ts.CallExpression;
}

/** Receivers any builder's client is conventionally called; the chain's shape then says which builder. */
export const CLIENT_NAMES: ReadonlySet<string> = new Set(["db", "trx", "tx", "knex", "kysely", "database"]);

/** The calls of one chain written in one expression, root first. */
export function chainOf(tsm: typeof ts, top: ts.CallExpression): Chain {
  const calls: ChainCall[] = [];
  let e: ts.Expression = top;
  for (;;) {
    e = skipOuter(tsm, e);
    if (!tsm.isCallExpression(e)) break;
    const callee = skipOuter(tsm, e.expression);
    // `this.database('spaces')`: a client held in a field, called as `knex('spaces')` is; so is a
    // knex instance another object holds (nocodb's `ncMeta.knex(MetaTable.COMMENTS)`).
    const fieldClient =
      tsm.isPropertyAccessExpression(callee) &&
      CLIENT_NAMES.has(callee.name.text) &&
      (callee.expression.kind === tsm.SyntaxKind.ThisKeyword ||
        (callee.name.text === "knex" && e.arguments.length > 0));
    if (tsm.isPropertyAccessExpression(callee) && !fieldClient) {
      calls.unshift({ name: callee.name.text, call: e, args: e.arguments });
      e = callee.expression;
      continue;
    }
    // `db().select().from(t)`: a client a function hands out is the chain's root, as `db` would be.
    if (calls.length > 0 && e.arguments.length === 0 && tsm.isIdentifier(callee)) break;
    calls.unshift({ name: "", call: e, args: e.arguments });
    e = callee;
    break;
  }
  return { root: e, calls, top };
}

/**
 * `.then(...)`, `.catch(...)`, `.finally(...)` run the query (a builder is a thenable) and handle
 * its result: no query builder's step. The chain ends below them, so
 * `await db.query.keys.findFirst({ where }).catch(onError)` is the `findFirst` query.
 */
const PROMISE_METHODS = new Set(["then", "catch", "finally"]);

/** A call that is the object of a further `.method(...)`: not the end of its chain. */
function continuesChain(tsm: typeof ts, call: ts.CallExpression): boolean {
  let child: ts.Node = call;
  let parent = call.parent;
  while (
    parent &&
    (tsm.isParenthesizedExpression(parent) || tsm.isNonNullExpression(parent) || tsm.isAsExpression(parent))
  ) {
    child = parent;
    parent = parent.parent;
  }
  return (
    !!parent &&
    tsm.isPropertyAccessExpression(parent) &&
    parent.expression === child &&
    tsm.isCallExpression(parent.parent) &&
    parent.parent.expression === parent &&
    !PROMISE_METHODS.has(parent.name.text)
  );
}

/** `q.then(...)`, `q.catch(...)`: a promise's handler, not a chain of its own. */
function handlesPromise(tsm: typeof ts, call: ts.CallExpression): boolean {
  const callee = skipOuter(tsm, call.expression);
  return tsm.isPropertyAccessExpression(callee) && PROMISE_METHODS.has(callee.name.text);
}

/** A chain, with the query a variable root carries prepended. */
export type ExpandedChain = Chain;

/**
 * Every query chain of the file, once. A half-built query kept in a variable is followed:
 * `const q = db('orders')` then `q.where(...)` (Knex mutates) or `q = q.where(...)` (Kysely,
 * Drizzle `$dynamic`) up to the call that uses it (`q.execute()`), or to the end of its block
 * when it is returned as it is. Calls from statements inside a branch are marked conditional.
 */
export function queryChains(
  tsm: typeof ts,
  sourceFile: ts.SourceFile,
  isClient: (root: ts.Expression) => boolean,
  /**
   * What `isClient` depends on besides the file (the client shape, the checker): with it, the
   * chains are computed once per file and key, though `check` and `queries` both ask.
   */
  cacheKey?: readonly object[],
): ExpandedChain[] {
  if (!cacheKey) return computeQueryChains(tsm, sourceFile, isClient);
  return chainsByFile.get([sourceFile, ...cacheKey], () => computeQueryChains(tsm, sourceFile, isClient));
}

const chainsByFile = new WeakCache<ExpandedChain[]>();

function computeQueryChains(
  tsm: typeof ts,
  sourceFile: ts.SourceFile,
  isClient: (root: ts.Expression) => boolean,
): ExpandedChain[] {
  const { shapes, callVariables } = shapesOf(tsm, sourceFile);
  const info = shapes.map((shape) => ({
    ...shape,
    side: false,
    rootDecl: undefined as ts.VariableDeclaration | undefined,
  }));
  // Only a variable initialized with a call can carry a half-built query: other roots skip the
  // client test and the scope walk (most chains of a file are `console.log(...)`, `res.json(...)`).
  const carried = (root: ts.Expression) =>
    tsm.isIdentifier(root) && callVariables.has(root.text) && !isClient(root) ? localDeclaration(tsm, root) : undefined;
  for (const i of info) {
    i.rootDecl = carried(i.chain.root);
    i.side = !!i.rootDecl && isSideStatement(tsm, i.top, i.chain.root as ts.Identifier);
  }
  // `const scoped = q.clone().where(...)` builds another query: `q` itself may still run as it is.
  const usedAsRoot = new Set(
    info.filter((i) => !i.side && i.rootDecl && !DETACHING.has(i.chain.calls[0]?.name ?? "")).map((i) => i.rootDecl),
  );
  const out: ExpandedChain[] = [];
  for (const i of info) {
    if (i.side || (i.carrier && usedAsRoot.has(i.carrier))) continue;
    const own = i.carrier
      ? { ...i.chain, calls: [...i.chain.calls, ...sideCalls(tsm, i.carrier, undefined)] }
      : i.chain;
    out.push(expand(tsm, own, i.rootDecl, carried, 0));
  }
  return out;
}

// Drizzle, Kysely and Knex all ask for the same file's chains: walk the tree once per file.
// Keyed by the SourceFile, so it lives exactly as long as the tree.
interface FileShapes {
  shapes: { top: ts.CallExpression; chain: Chain; carrier: ts.VariableDeclaration | undefined }[];
  /** Names of the variables whose initializer is a call (`const q = db.selectFrom('t')`). */
  callVariables: ReadonlySet<string>;
}

const shapesByFile = new WeakMap<ts.SourceFile, FileShapes>();

function shapesOf(tsm: typeof ts, sourceFile: ts.SourceFile): FileShapes {
  let found = shapesByFile.get(sourceFile);
  if (!found) {
    const { calls, callVariables } = fileCalls(tsm, sourceFile);
    const shapes = calls
      .filter((call) => !continuesChain(tsm, call) && !handlesPromise(tsm, call))
      .map((top) => ({ top, chain: chainOf(tsm, top), carrier: carrierOf(tsm, top) }));
    shapesByFile.set(sourceFile, (found = { shapes, callVariables }));
  }
  return found;
}

function expand(
  tsm: typeof ts,
  chain: Chain,
  decl: ts.VariableDeclaration | undefined,
  carried: (root: ts.Expression) => ts.VariableDeclaration | undefined,
  depth: number,
): Chain {
  if (!decl?.initializer || depth > 5) return chain;
  const init = skipOuter(tsm, decl.initializer);
  if (!tsm.isCallExpression(init)) return chain;
  const base = chainOf(tsm, init);
  const expanded = expand(tsm, base, carried(base.root), carried, depth + 1);
  return {
    root: expanded.root,
    calls: [...expanded.calls, ...sideCalls(tsm, decl, chain.top), ...chain.calls],
    top: chain.top,
  };
}

/** The variable a chain is stored in as its initializer (`const q = db.selectFrom('orders')`). */
function carrierOf(tsm: typeof ts, top: ts.CallExpression): ts.VariableDeclaration | undefined {
  const node = outermostExpression(tsm, top);
  const parent = node.parent;
  return parent && tsm.isVariableDeclaration(parent) && parent.initializer === node && tsm.isIdentifier(parent.name)
    ? parent
    : undefined;
}

/**
 * `q.where(...);`, `void q.where(...);` or `q = q.where(...);` as a statement of its own; also a
 * branch of one: `asc ? q.orderBy(a) : q.orderBy(b);`, `cond && q.where(...);` (midday's sorting).
 */
function isSideStatement(tsm: typeof ts, top: ts.CallExpression, root: ts.Identifier): boolean {
  let node: ts.Node = top;
  for (;;) {
    const up = node.parent;
    if (!up) break;
    if (tsm.isParenthesizedExpression(up) || tsm.isVoidExpression(up)) node = up;
    else if (tsm.isConditionalExpression(up) && up.condition !== node) node = up;
    else if (tsm.isBinaryExpression(up) && up.right === node && isShortCircuit(tsm, up.operatorToken.kind)) node = up;
    else break;
  }
  const parent = node.parent;
  if (parent && tsm.isExpressionStatement(parent)) return true;
  return (
    !!parent &&
    tsm.isBinaryExpression(parent) &&
    parent.operatorToken.kind === tsm.SyntaxKind.EqualsToken &&
    parent.right === node &&
    tsm.isIdentifier(parent.left) &&
    parent.left.text === root.text &&
    tsm.isExpressionStatement(parent.parent)
  );
}

/** Calls that hand back another builder (Knex's `clone()`), or the query's text, leaving the one they are called on as it was. */
const DETACHING = new Set(["clone", "toSQL", "toString", "toQuery", "compile"]);

/** The side statements' calls on `decl`'s variable after it and before `end` (or to the end of its block). */
function sideCalls(tsm: typeof ts, decl: ts.VariableDeclaration, end: ts.Node | undefined): ChainCall[] {
  const scope = decl.parent.parent.parent;
  const name = (decl.name as ts.Identifier).text;
  const out: ChainCall[] = [];
  const visit = (node: ts.Node): void => {
    if (node.end <= decl.end || (end && node.pos >= end.pos)) return;
    if (tsm.isFunctionLike(node)) return; // a callback runs who knows when
    // A block that declares the name again (`const q = knex('customers')`) builds another query.
    if (node !== scope && tsm.isBlock(node) && declarationsOf(tsm, node).has(name)) return;
    if (tsm.isExpressionStatement(node) && (!end || node.end <= end.pos)) {
      let e = skipOuter(tsm, node.expression);
      // `void query.where(...)` (lightdash): the call's promise left alone, its change to the builder made.
      if (tsm.isVoidExpression(e)) e = skipOuter(tsm, e.expression);
      if (
        tsm.isBinaryExpression(e) &&
        e.operatorToken.kind === tsm.SyntaxKind.EqualsToken &&
        tsm.isIdentifier(e.left) &&
        e.left.text === name
      )
        e = skipOuter(tsm, e.right);
      const assigned = e !== skipOuter(tsm, node.expression);
      if (tsm.isCallExpression(e)) {
        const side = chainOf(tsm, e);
        if (tsm.isIdentifier(side.root) && side.root.text === name) {
          const reason = conditionalReason(tsm, node, scope);
          const branch = reason ? ifElseBranch(tsm, node, scope) : undefined;
          for (const call of side.calls) {
            // `q.clone().where(...)` left alone builds another query: this one gets nothing past the clone.
            if (!assigned && DETACHING.has(call.name)) break;
            out.push(reason ? { ...call, conditional: reason, ...(branch && { branch }) } : call);
          }
          return;
        }
      }
      // `asc ? q.orderBy(a) : q.orderBy(b);`: each branch's calls, added only when it is taken.
      const branches = branchCalls(tsm, e);
      const mine = branches.map((b) => ({ b, side: chainOf(tsm, b) }));
      if (branches.length && mine.some(({ side }) => tsm.isIdentifier(side.root) && side.root.text === name)) {
        for (const { b, side } of mine) {
          if (!tsm.isIdentifier(side.root) || side.root.text !== name) continue;
          const reason = conditionalReason(tsm, b, scope) ?? "is added only when a `? :` branch is taken";
          for (const call of side.calls) out.push({ ...call, conditional: reason });
        }
        return;
      }
    }
    tsm.forEachChild(node, visit);
  };
  tsm.forEachChild(scope, visit);
  return out;
}

/** The calls a `? :` or `&&`/`||` statement's branches make (not its conditions); none for any other expression. */
function branchCalls(tsm: typeof ts, e: ts.Expression): ts.CallExpression[] {
  const x = skipOuter(tsm, e);
  if (tsm.isConditionalExpression(x))
    return [
      ...branchCalls(tsm, x.whenTrue),
      ...branchCalls(tsm, x.whenFalse),
      ...leaf(x.whenTrue),
      ...leaf(x.whenFalse),
    ];
  if (tsm.isBinaryExpression(x) && isShortCircuit(tsm, x.operatorToken.kind))
    return [...branchCalls(tsm, x.right), ...leaf(x.right)];
  return [];
  function leaf(b: ts.Expression): ts.CallExpression[] {
    let y = skipOuter(tsm, b);
    if (tsm.isVoidExpression(y)) y = skipOuter(tsm, y.expression);
    return tsm.isCallExpression(y) ? [y] : [];
  }
}

/**
 * `if (c) { q.whereIn(...) } else { q.where(...) }`: the `if` whose then or else branch holds `node`
 * with no other branch construct between, when that `if` has an `else` and runs whenever `scope` does.
 */
function ifElseBranch(
  tsm: typeof ts,
  node: ts.Node,
  scope: ts.Node,
): { of: ts.IfStatement; then: boolean } | undefined {
  for (let child = node, parent = node.parent; parent && parent !== scope; child = parent, parent = parent.parent) {
    if (tsm.isIfStatement(parent)) {
      if (!parent.elseStatement || child === parent.expression || conditionalReason(tsm, parent, scope))
        return undefined;
      // A branch that may leave before the call (`if (fast) return q;` first) does not always add it.
      if (mayLeave(tsm, parent.thenStatement) || mayLeave(tsm, parent.elseStatement)) return undefined;
      return { of: parent, then: child === parent.thenStatement };
    }
    if (tsm.isBlock(child) || tsm.isExpressionStatement(child)) continue;
    if (conditionalReason(tsm, child, parent) !== undefined) return undefined;
  }
  return undefined;
}

/** A `return`, `throw`, `break` or `continue` anywhere in `st` (not in a function inside it). */
function mayLeave(tsm: typeof ts, st: ts.Node): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || tsm.isFunctionLike(n)) return;
    if (tsm.isReturnStatement(n) || tsm.isThrowStatement(n) || tsm.isBreakStatement(n) || tsm.isContinueStatement(n))
      found = true;
    else tsm.forEachChild(n, visit);
  };
  visit(st);
  return found;
}

/** Why a statement below `scope` may not run: the first branch construct between them. */
export function conditionalReason(tsm: typeof ts, node: ts.Node, scope: ts.Node): string | undefined {
  for (
    let child = node, parent = node.parent;
    parent && child !== scope && parent !== scope;
    child = parent, parent = parent.parent
  ) {
    if (tsm.isIfStatement(parent) && child !== parent.expression) return "is added only when an `if` branch runs";
    if (tsm.isConditionalExpression(parent) && child !== parent.condition)
      return "is added only when a `? :` branch is taken";
    if (tsm.isBinaryExpression(parent) && child === parent.right && isShortCircuit(tsm, parent.operatorToken.kind))
      return "is added only when a `&&`/`||` lets it run";
    if (
      tsm.isIterationStatement(parent, false) ||
      tsm.isCaseClause(parent) ||
      tsm.isDefaultClause(parent) ||
      tsm.isCatchClause(parent)
    )
      return "is added only on some paths (a loop, switch or catch)";
  }
  return undefined;
}

function isShortCircuit(tsm: typeof ts, kind: ts.SyntaxKind): boolean {
  return (
    kind === tsm.SyntaxKind.AmpersandAmpersandToken ||
    kind === tsm.SyntaxKind.BarBarToken ||
    kind === tsm.SyntaxKind.QuestionQuestionToken
  );
}

/** The `const`/`let` an identifier names, found by scope walk (no checker needed). */
export function localDeclaration(tsm: typeof ts, id: ts.Identifier): ts.VariableDeclaration | undefined {
  for (let scope: ts.Node | undefined = id.parent; scope; scope = scope.parent) {
    if (tsm.isFunctionLike(scope) && scope.parameters.some((p) => bindsName(tsm, p.name, id.text))) return undefined; // shadowed by a parameter
    if (!(tsm.isBlock(scope) || tsm.isSourceFile(scope) || tsm.isModuleBlock(scope) || tsm.isCaseClause(scope)))
      continue;
    const decl = declarationsOf(tsm, scope).get(id.text);
    if (decl) return decl;
  }
  return undefined;
}

// The `const`/`let` names a block declares, built once per block: lookups run for every
// receiver of every chain, and rescanning a 3,000-line module each time is quadratic.
// Keyed by the AST node, so it lives exactly as long as the file's tree.
const declarationsByScope = new WeakMap<ts.Node, Map<string, ts.VariableDeclaration>>();

function declarationsOf(
  tsm: typeof ts,
  scope: ts.Block | ts.SourceFile | ts.ModuleBlock | ts.CaseClause,
): Map<string, ts.VariableDeclaration> {
  let map = declarationsByScope.get(scope);
  if (!map) {
    map = new Map();
    for (const statement of scope.statements) {
      if (!tsm.isVariableStatement(statement)) continue;
      for (const decl of statement.declarationList.declarations)
        if (tsm.isIdentifier(decl.name) && !map.has(decl.name.text)) map.set(decl.name.text, decl);
    }
    declarationsByScope.set(scope, map);
  }
  return map;
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

/** The initializer of a `const` an identifier names (what a builder can see through). */
/**
 * What `this.name` holds, when the enclosing class says: a property's initializer, or the one
 * value a getter returns (`get scopeFilter() { return eq(t.workspaceId, this.workspaceId) }`).
 */
export function thisMemberValue(tsm: typeof ts, e: ts.Expression): ts.Expression | undefined {
  if (!tsm.isPropertyAccessExpression(e) || e.expression.kind !== tsm.SyntaxKind.ThisKeyword) return undefined;
  for (const member of enclosingClass(tsm, e)?.members ?? []) {
    if (!member.name || !tsm.isIdentifier(member.name) || member.name.text !== e.name.text) continue;
    if (tsm.isPropertyDeclaration(member)) return member.initializer;
    if (tsm.isGetAccessorDeclaration(member)) {
      const returned = returnedExpressions(tsm, member);
      return returned.length === 1 ? returned[0] : undefined;
    }
  }
  return undefined;
}

export function constInitializer(tsm: typeof ts, id: ts.Identifier): ts.Expression | undefined {
  const decl = localDeclaration(tsm, id);
  if (!decl?.initializer || !(decl.parent.flags & tsm.NodeFlags.Const)) return undefined;
  return decl.initializer;
}

/**
 * The elements an array variable holds when `before` runs: its literal initializer and the
 * arguments of `arr.push(...)` statements in between, each with why it may be missing.
 */
export function arrayElements(
  tsm: typeof ts,
  id: ts.Identifier,
  before: ts.Node,
): { expr: ts.Expression; conditional?: string }[] | undefined {
  const decl = localDeclaration(tsm, id);
  const init = decl?.initializer && skipOuter(tsm, decl.initializer);
  if (!decl || !init || !tsm.isArrayLiteralExpression(init)) return undefined;
  const out: { expr: ts.Expression; conditional?: string }[] = init.elements.map((expr) => ({ expr }));
  const scope = decl.parent.parent.parent;
  // Any other change (reassigned, an element written, spliced or sorted, handed to a call, pushed
  // to inside a callback) leaves what it holds unknown.
  let unknown = false;
  const visit = (node: ts.Node, nested: boolean): void => {
    if (unknown || node.end <= decl.end || node.pos >= before.pos) return;
    if (tsm.isExpressionStatement(node) && !nested) {
      const e = skipOuter(tsm, node.expression);
      if (
        tsm.isCallExpression(e) &&
        tsm.isPropertyAccessExpression(e.expression) &&
        ADDS.has(e.expression.name.text) &&
        tsm.isIdentifier(e.expression.expression) &&
        e.expression.expression.text === id.text
      ) {
        const conditional = conditionalReason(tsm, node, scope);
        for (const expr of e.arguments) out.push({ expr, conditional });
        e.arguments.forEach((a) => visit(a, nested));
        return;
      }
    }
    if (tsm.isIdentifier(node) && node.text === id.text && node !== decl.name && mayChangeHeld(tsm, node, true))
      unknown = true;
    tsm.forEachChild(node, (c) => visit(c, nested || tsm.isFunctionLike(node)));
  };
  tsm.forEachChild(scope, (c) => visit(c, false));
  return unknown ? undefined : out;
}

/** `filters.push(x)`, `filters.unshift(x)` as statements: elements added. */
const ADDS = new Set(["push", "unshift"]);

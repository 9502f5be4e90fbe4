// Small syntax helpers the Prisma checks share: seeing through parentheses and type
// assertions, and following a `const` to the object it holds.
import type ts from "typescript";
import { outermostExpression } from "../statements";
import type { FieldTypes } from "./declared-fields";

export interface SyntaxContext {
  ts: typeof ts;
  sourceFile: ts.SourceFile;
  checker?: ts.TypeChecker;
  /** Per-file index of each block's declarations, owned by one check of one file (keeps lookups linear). */
  declarations?: Map<ts.Node, Map<string, { pos: number; decl?: ts.VariableDeclaration }>>;
  /** The function a call runs, when its body can be seen (a helper that builds a where, in this file or another). */
  resolveFunction?(call: ts.CallExpression): ts.FunctionLikeDeclaration | undefined;
  typeNamed?: FieldTypes["typeNamed"];
  /** Reading a helper's returned where: the call that ran it, and the caller's context, for its parameters' values. */
  helperCall?: { call: ts.CallExpression; fn: ts.FunctionLikeDeclaration; caller: SyntaxContext };
}

/** `(x)`, `x as T`, `<T>x`, `x satisfies T` -> `x`. A non-null assertion stays: it says something about the value. */
export function strip(tsm: typeof ts, e: ts.Expression): ts.Expression {
  while (
    tsm.isParenthesizedExpression(e) ||
    tsm.isAsExpression(e) ||
    tsm.isTypeAssertionExpression(e) ||
    tsm.isSatisfiesExpression(e)
  )
    e = e.expression;
  return e;
}

/**
 * A `const` identifier's initializer (one the file declares before use), else `e` itself. An
 * object that is mutated after its declaration (`where.tenantId = t`) is not followed: its
 * literal does not say what the query receives.
 */
export function followConst(ctx: SyntaxContext, e: ts.Expression, depth = 0): ts.Expression {
  const tsm = ctx.ts;
  if (!tsm.isIdentifier(e) || depth > 4) return e;
  const decl = constDeclaration(ctx, e);
  if (!decl?.initializer) return e;
  const init = strip(tsm, decl.initializer);
  if ((tsm.isObjectLiteralExpression(init) || tsm.isArrayLiteralExpression(init)) && isMutated(tsm, e.text, decl))
    return e;
  return followConst(ctx, init, depth + 1);
}

/** The `const` declaration `id` refers to: through the checker when there is one, else by scope. */
export function constDeclaration(ctx: SyntaxContext, id: ts.Identifier): ts.VariableDeclaration | undefined {
  const tsm = ctx.ts;
  const isConst = (d: ts.Node | undefined): d is ts.VariableDeclaration =>
    !!d &&
    tsm.isVariableDeclaration(d) &&
    tsm.isIdentifier(d.name) &&
    !!(tsm.getCombinedNodeFlags(d) & tsm.NodeFlags.Const);
  if (ctx.checker) {
    const symbol = ctx.checker.getSymbolAtLocation(id);
    const d = symbol?.valueDeclaration;
    if (d) return isConst(d) && d.getSourceFile() === ctx.sourceFile ? d : undefined;
  }
  for (let cur: ts.Node | undefined = id.parent; cur; cur = cur.parent) {
    if (tsm.isFunctionLike(cur) && cur.parameters.some((p) => bindsName(tsm, p.name, id.text))) return undefined;
    if (!(tsm.isBlock(cur) || tsm.isSourceFile(cur) || tsm.isModuleBlock(cur))) continue;
    const found = blockDeclarations(ctx, cur).get(id.text);
    if (found && found.pos < id.pos) return found.decl && isConst(found.decl) ? found.decl : undefined;
  }
  return undefined;
}

/** The first declaration of each name among a block's statements (destructured names have no `decl`). */
function blockDeclarations(ctx: SyntaxContext, block: ts.Block | ts.SourceFile | ts.ModuleBlock) {
  const tsm = ctx.ts;
  const cached = ctx.declarations?.get(block);
  if (cached) return cached;
  const index = new Map<string, { pos: number; decl?: ts.VariableDeclaration }>();
  const add = (name: ts.BindingName, pos: number, decl: ts.VariableDeclaration | undefined) => {
    if (tsm.isIdentifier(name)) {
      if (!index.has(name.text)) index.set(name.text, { pos, decl });
      return;
    }
    for (const el of name.elements) if (!tsm.isOmittedExpression(el)) add(el.name, pos, undefined);
  };
  for (const st of block.statements) {
    if (!tsm.isVariableStatement(st)) continue;
    for (const d of st.declarationList.declarations) add(d.name, st.pos, tsm.isIdentifier(d.name) ? d : undefined);
  }
  ctx.declarations?.set(block, index);
  return index;
}

export function bindsName(tsm: typeof ts, name: ts.BindingName, wanted: string): boolean {
  if (tsm.isIdentifier(name)) return name.text === wanted;
  return name.elements.some((el) => !tsm.isOmittedExpression(el) && bindsName(tsm, el.name, wanted));
}

/** `name.x = ...`, `name[k] = ...`, `delete name.x`, `Object.assign(name, ...)`, `name.push(...)` after the declaration. */
export function isMutated(tsm: typeof ts, name: string, decl: ts.VariableDeclaration): boolean {
  let scope: ts.Node = decl;
  while (scope.parent && !(tsm.isBlock(scope) || tsm.isSourceFile(scope) || tsm.isModuleBlock(scope)))
    scope = scope.parent;
  let mutated = false;
  const visit = (node: ts.Node): void => {
    if (mutated) return;
    if (tsm.isDeleteExpression(node) && rootName(tsm, node.expression) === name) mutated = true;
    if (
      tsm.isBinaryExpression(node) &&
      node.operatorToken.kind >= tsm.SyntaxKind.FirstAssignment &&
      node.operatorToken.kind <= tsm.SyntaxKind.LastAssignment
    ) {
      const target = node.left;
      if (
        (tsm.isPropertyAccessExpression(target) || tsm.isElementAccessExpression(target)) &&
        rootName(tsm, target) === name
      )
        mutated = true;
    }
    if (tsm.isCallExpression(node)) {
      const callee = node.expression;
      if (
        tsm.isPropertyAccessExpression(callee) &&
        callee.getText() === "Object.assign" &&
        node.arguments[0] &&
        rootName(tsm, node.arguments[0]) === name
      )
        mutated = true;
      if (
        tsm.isPropertyAccessExpression(callee) &&
        ["push", "unshift", "splice"].includes(callee.name.text) &&
        rootName(tsm, callee.expression) === name
      )
        mutated = true;
    }
    if (tsm.isDeleteExpression(node) && rootName(tsm, node.expression) === name) mutated = true;
    // Handed to a function (`applyFilters(where, input)`) or held under another name (`const w = where`):
    // anything may change it there. Logging reads it.
    if (tsm.isIdentifier(node) && node.text === name && node.pos > decl.end) {
      const top = outermostExpression(tsm, node);
      const p = top.parent;
      if (
        tsm.isCallExpression(p) &&
        p.arguments.includes(top as ts.Expression) &&
        !LOGGING.test(p.expression.getText())
      )
        mutated = true;
      if (tsm.isVariableDeclaration(p) && p.initializer === top) mutated = true;
    }
    tsm.forEachChild(node, visit);
  };
  visit(scope);
  return mutated;
}

/**
 * `const where = { organizationId }; if (search) where.name = { contains: search }`: the const's
 * object literal when every later change only adds a key it does not hold and `guarded` does not
 * name (Prisma ANDs a where's keys, so an added key only narrows). Undefined when any change could
 * replace or remove a key, or is made another way (`Object.assign`, `where[key] =`, `delete`).
 */
export function grownObject(
  ctx: SyntaxContext,
  id: ts.Identifier,
  guarded: (key: string) => boolean,
): ts.ObjectLiteralExpression | undefined {
  const tsm = ctx.ts;
  const decl = constDeclaration(ctx, id);
  const init = decl?.initializer && strip(tsm, decl.initializer);
  if (!decl || !init || !tsm.isObjectLiteralExpression(init)) return undefined;
  if (init.properties.some((p) => tsm.isSpreadAssignment(p) || !p.name || tsm.isComputedPropertyName(p.name)))
    return undefined;
  const held = new Set(init.properties.map((p) => p.name!.getText()));
  let scope: ts.Node = decl;
  while (scope.parent && !(tsm.isBlock(scope) || tsm.isSourceFile(scope) || tsm.isModuleBlock(scope)))
    scope = scope.parent;
  let safe = true;
  const visit = (node: ts.Node): void => {
    if (!safe) return;
    if (tsm.isIdentifier(node) && node.text === id.text && node !== decl.name && node.pos > decl.end) {
      // `where!.x`, `(where as any).x`: the object itself under a cast.
      const top = outermostExpression(tsm, node) as ts.Expression;
      const parent = top.parent;
      if (tsm.isPropertyAccessExpression(parent) && parent.expression === top) {
        const key = parent.name.text;
        const assigned = assignmentTo(tsm, parent);
        if (assigned === "other" || (assigned && (held.has(key) || guarded(key)))) safe = false;
        if (!assigned && writesThrough(tsm, parent)) safe = false;
      } else if (!isPlainRead(tsm, top)) safe = false;
    }
    tsm.forEachChild(node, visit);
  };
  visit(scope);
  return safe ? init : undefined;
}

/** `x.key = v` (plain `=`): "plain"; `x.key += v`, `delete x.key`, `x.key++`: "other"; a read: undefined. */
function assignmentTo(tsm: typeof ts, access: ts.PropertyAccessExpression): "plain" | "other" | undefined {
  const p = access.parent;
  if (tsm.isBinaryExpression(p) && p.left === access) {
    if (p.operatorToken.kind === tsm.SyntaxKind.EqualsToken) return "plain";
    if (p.operatorToken.kind >= tsm.SyntaxKind.FirstAssignment && p.operatorToken.kind <= tsm.SyntaxKind.LastAssignment)
      return "other";
  }
  if (tsm.isDeleteExpression(p) || tsm.isPrefixUnaryExpression(p) || tsm.isPostfixUnaryExpression(p)) return "other";
  return undefined;
}

/** `where.organization.id = x`, `where.AND.push(x)`: a change deeper inside the key read here. */
function writesThrough(tsm: typeof ts, access: ts.PropertyAccessExpression): boolean {
  let top: ts.Expression = access;
  while (
    (tsm.isPropertyAccessExpression(top.parent) || tsm.isElementAccessExpression(top.parent)) &&
    top.parent.expression === top
  )
    top = top.parent;
  if (top === access && !tsm.isCallExpression(top.parent)) return false;
  const p = top.parent;
  if (tsm.isCallExpression(p) && p.expression === top) return true; // `where.AND.push(...)`, a method of the key
  if (top === access) return false;
  return (
    (tsm.isBinaryExpression(p) &&
      p.left === top &&
      p.operatorToken.kind >= tsm.SyntaxKind.FirstAssignment &&
      p.operatorToken.kind <= tsm.SyntaxKind.LastAssignment) ||
    tsm.isDeleteExpression(p)
  );
}

/**
 * `where` only read where it stands: a property of an object (`findMany({ where })`, `{ where: w }`),
 * spread into one, or compared. Handed to a call (`applyFilters(where, input)`, `Object.assign`),
 * held under another name (`const w = where`), indexed or assigned: anything may change it.
 */
function isPlainRead(tsm: typeof ts, e: ts.Expression): boolean {
  const p = e.parent;
  if (tsm.isShorthandPropertyAssignment(p) || tsm.isSpreadAssignment(p)) return true;
  if (tsm.isPropertyAssignment(p) && p.initializer === e) return true;
  if (tsm.isBinaryExpression(p) && p.left !== e && isComparison(tsm, p.operatorToken.kind)) return true;
  return tsm.isBinaryExpression(p) && p.right === e && isComparison(tsm, p.operatorToken.kind);
}

function isComparison(tsm: typeof ts, kind: ts.SyntaxKind): boolean {
  return (
    kind === tsm.SyntaxKind.EqualsEqualsEqualsToken ||
    kind === tsm.SyntaxKind.ExclamationEqualsEqualsToken ||
    kind === tsm.SyntaxKind.EqualsEqualsToken ||
    kind === tsm.SyntaxKind.ExclamationEqualsToken
  );
}

/** `console.log(where)`, `JSON.stringify(...)`, the query itself (`prisma.x.findMany(args)`): calls that only read what they are handed. */
const LOGGING =
  /^(?:console|logger|log|this\.logger|JSON)\.\w+$|\.(?:find\w*|count|aggregate|groupBy|create\w*|update\w*|delete\w*|upsert)$/;

function rootName(tsm: typeof ts, e: ts.Expression): string | undefined {
  let cur = e;
  while (
    tsm.isPropertyAccessExpression(cur) ||
    tsm.isElementAccessExpression(cur) ||
    tsm.isNonNullExpression(cur) ||
    tsm.isParenthesizedExpression(cur) ||
    tsm.isAsExpression(cur) ||
    tsm.isSatisfiesExpression(cur) ||
    tsm.isTypeAssertionExpression(cur)
  )
    cur = cur.expression;
  return tsm.isIdentifier(cur) ? cur.text : undefined;
}

/** `T | undefined`, `T | void`: a type that admits undefined. */
export function mayBeUndefinedType(tsm: typeof ts, type: ts.TypeNode): boolean {
  const isUndefined = (t: ts.TypeNode) =>
    t.kind === tsm.SyntaxKind.UndefinedKeyword ||
    t.kind === tsm.SyntaxKind.VoidKeyword ||
    (tsm.isLiteralTypeNode(t) && t.literal.kind === tsm.SyntaxKind.UndefinedKeyword);
  return tsm.isUnionTypeNode(type) && type.types.some(isUndefined);
}

/** `x?: T`, `x: T | undefined`: a parameter a call may leave undefined. */
export function isOptionalParameter(tsm: typeof ts, p: ts.ParameterDeclaration): boolean {
  return !!p.questionToken || (!!p.type && mayBeUndefinedType(tsm, p.type));
}

/** `a?.b`, `a?.[k]`, `f?.()` anywhere along the chain. */
export function hasOptionalChain(tsm: typeof ts, e: ts.Expression): boolean {
  for (let cur: ts.Node = e; ;) {
    if (
      (tsm.isPropertyAccessExpression(cur) || tsm.isElementAccessExpression(cur) || tsm.isCallExpression(cur)) &&
      cur.questionDotToken
    )
      return true;
    if (tsm.isPropertyAccessExpression(cur) || tsm.isElementAccessExpression(cur) || tsm.isCallExpression(cur))
      cur = cur.expression;
    else return false;
  }
}

/** The parameter `id` names, in the nearest function that declares one of that name. */
export function parameterOf(tsm: typeof ts, id: ts.Identifier): ts.ParameterDeclaration | undefined {
  for (let cur: ts.Node | undefined = id.parent; cur; cur = cur.parent) {
    if (tsm.isFunctionLike(cur)) {
      const p = cur.parameters.find((q) => tsm.isIdentifier(q.name) && q.name.text === id.text);
      if (p) return p;
    }
  }
  return undefined;
}

/**
 * Prisma reads by a unique key: an `undefined` key makes them throw (a `findFirst` by one reads
 * whatever row comes first), so the row they return is the key's.
 */
export const UNIQUE_READS: ReadonlySet<string> = new Set(["findUnique", "findUniqueOrThrow"]);

// Which receivers are a query builder's client: conventional names, factory results, parameters
// typed as the client, and with a checker the client's types; and which of them the config says
// are scoped (they add the tenant themselves).
import type ts from "typescript";
import { CLIENT_NAMES, localDeclaration, parameterOf, skipOuter } from "./chain";
import { stringValue } from "./builder-syntax";
import { returnedExpressions } from "../statements";
import type { OrmContext } from "./types";

/** The connections a client holds (read replicas, the primary): Drizzle's `$primary`, unkey's `db.readonly`. */
const CONNECTION_NAMES = /^\$?(?:primary|readonly|readOnly|replica|readReplica|reader|writer|read|write|master|main)$/;

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

/**
 * Whether `expr` is a client of the builder: a conventional name (`db`, `this.db`, a `trx`
 * parameter), a variable holding a factory's result, a parameter typed as the client, or with
 * a checker, a value whose type is the client's.
 */
export function isClientOf(
  tsm: typeof ts,
  expr: ts.Expression,
  shape: ClientShape,
  checker?: ts.TypeChecker,
  depth = 0,
): boolean {
  const e = skipOuter(tsm, expr);
  if (tsm.isPropertyAccessExpression(e))
    return (
      CLIENT_NAMES.has(e.name.text) ||
      // `db.primary`, `db.readonly`, `db.$replica`: one of a client's connections is a client too.
      (CONNECTION_NAMES.test(e.name.text) && depth < 3 && isClientOf(tsm, e.expression, shape, checker, depth + 1)) ||
      (!!checker && hasClientType(tsm, checker, e, shape))
    );
  // `(tx || db)('orders')`, `(trx ?? knex)`, `(inTx ? trx : db)`: either side is the client.
  if (
    tsm.isBinaryExpression(e) &&
    (e.operatorToken.kind === tsm.SyntaxKind.BarBarToken ||
      e.operatorToken.kind === tsm.SyntaxKind.QuestionQuestionToken)
  )
    return isClientOf(tsm, e.left, shape, checker, depth) || isClientOf(tsm, e.right, shape, checker, depth);
  if (tsm.isConditionalExpression(e))
    return isClientOf(tsm, e.whenTrue, shape, checker, depth) || isClientOf(tsm, e.whenFalse, shape, checker, depth);
  if (handsOutClient(tsm, e, shape, depth)) return true;
  if (!tsm.isIdentifier(e)) return !!checker && tsm.isCallExpression(e) && hasClientType(tsm, checker, e, shape);
  if (CLIENT_NAMES.has(e.text)) return true;
  const decl = localDeclaration(tsm, e);
  if (decl?.initializer && depth < 3) {
    const init = skipOuter(
      tsm,
      tsm.isAwaitExpression(decl.initializer) ? decl.initializer.expression : decl.initializer,
    );
    if (isFactoryCall(tsm, init, shape)) return true;
    if (tsm.isIdentifier(init) || tsm.isPropertyAccessExpression(init))
      if (isClientOf(tsm, init, shape, checker, depth + 1)) return true;
  }
  const typeNode = decl?.type ?? parameterOf(tsm, e)?.type;
  if (typeNode && tsm.isTypeReferenceNode(typeNode) && shape.typeNames.has(typeNode.typeName.getText())) return true;
  return !!checker && hasClientType(tsm, checker, e, shape);
}

/**
 * `db()`, `getPrisma()`, `connection()`: a call without arguments of a function that may hand out a
 * client. The name it goes by without a `get`/`use` prefix (`Prisma` of `getPrisma`), and what the
 * function of that name declared in the file returns (none when the file declares no such function).
 * Each ORM judges both (Prisma in prisma-clients.ts, the builders below).
 */
export function clientFunction(
  tsm: typeof ts,
  e: ts.Expression,
): { name: string; returns: ts.Expression[] } | undefined {
  if (!tsm.isCallExpression(e) || e.arguments.length !== 0) return undefined;
  const fn = skipOuter(tsm, e.expression);
  if (!tsm.isIdentifier(fn)) return undefined;
  const decl = fn
    .getSourceFile()
    .statements.find((s): s is ts.FunctionDeclaration => tsm.isFunctionDeclaration(s) && s.name?.text === fn.text);
  return {
    name: fn.text.replace(/^(?:get|use)(?=[A-Z])/, ""),
    returns: decl ? returnedExpressions(tsm, decl).map((r) => skipOuter(tsm, r)) : [],
  };
}

/** `db()`, `getDb()`, or `connection()` whose every return is the builder's client. */
function handsOutClient(tsm: typeof ts, call: ts.Expression, shape: ClientShape, depth: number): boolean {
  const fn = clientFunction(tsm, call);
  if (!fn) return false;
  if (CLIENT_NAMES.has(fn.name.toLowerCase())) return true;
  return (
    depth < 3 &&
    fn.returns.length > 0 &&
    fn.returns.every((r) => isFactoryCall(tsm, r, shape) || isClientOf(tsm, r, shape, undefined, depth + 1))
  );
}

export function isFactoryCall(tsm: typeof ts, e: ts.Expression, shape: ClientShape): boolean {
  if (tsm.isNewExpression(e)) return tsm.isIdentifier(e.expression) && shape.classes.has(e.expression.text);
  if (!tsm.isCallExpression(e)) return false;
  const callee = skipOuter(tsm, e.expression);
  if (tsm.isIdentifier(callee))
    return shape.factories.has(callee.text) || isDefaultImportFrom(tsm, callee, shape.typeModule);
  // require('knex')({ ... })
  return (
    tsm.isCallExpression(callee) &&
    tsm.isIdentifier(callee.expression) &&
    callee.expression.text === "require" &&
    shape.factories.has(stringValue(tsm, callee.arguments[0]) ?? "")
  );
}

/** `import makeKnex from "knex"`: the package's default export is its factory. */
function isDefaultImportFrom(tsm: typeof ts, id: ts.Identifier, module: RegExp): boolean {
  return id
    .getSourceFile()
    .statements.some(
      (s) =>
        tsm.isImportDeclaration(s) &&
        s.importClause?.name?.text === id.text &&
        tsm.isStringLiteral(s.moduleSpecifier) &&
        module.test(s.moduleSpecifier.text),
    );
}

function hasClientType(tsm: typeof ts, checker: ts.TypeChecker, node: ts.Node, shape: ClientShape): boolean {
  let type: ts.Type;
  try {
    type = checker.getTypeAtLocation(node);
  } catch {
    return false;
  }
  const types = type.isUnion() ? type.types : [type];
  return types.some((t) =>
    [t.aliasSymbol, t.getSymbol()].some(
      (s) => !!s && shape.typeNames.has(s.name) && declaredIn(tsm, s, shape.typeModule),
    ),
  );
}

function declaredIn(tsm: typeof ts, symbol: ts.Symbol, module: RegExp): boolean {
  for (const decl of symbol.declarations ?? []) {
    if (module.test(decl.getSourceFile().fileName)) return true;
    for (let n: ts.Node | undefined = decl.parent; n; n = n.parent)
      if (tsm.isModuleDeclaration(n) && module.test(n.name.text)) return true;
  }
  return false;
}

/**
 * Whether a query's receiver is one of the config's scoped clients (`clients.scoped`), which set
 * the tenant themselves: `tenantDb`, `this.tenantDb`, `getTenantDb(ctx)`, a variable holding one,
 * or the callback parameter of `withTenant(id, (tx) => ...)` / `tenantDb.transaction((tx) => ...)`.
 */
export function isScopedClient(ctx: OrmContext, expr: ts.Expression, depth = 0): boolean {
  const scoped = ctx.config.clients.scoped;
  if (!scoped.length || depth > 4) return false;
  const tsm = ctx.ts;
  const e = skipOuter(tsm, expr);
  const callee = tsm.isCallExpression(e) ? skipOuter(tsm, e.expression) : e;
  const name = tsm.isPropertyAccessExpression(callee)
    ? callee.name.text
    : tsm.isIdentifier(callee)
      ? callee.text
      : undefined;
  if ((name && scoped.includes(name)) || scoped.includes(callee.getText(ctx.sourceFile))) return true;
  if (!tsm.isIdentifier(e)) return false;
  const init = localDeclaration(tsm, e)?.initializer;
  if (init) return isScopedClient(ctx, tsm.isAwaitExpression(init) ? init.expression : init, depth + 1);
  const param = parameterOf(tsm, e);
  const fn = param?.parent;
  const call = fn?.parent;
  if (!fn || !call || !tsm.isCallExpression(call) || !call.arguments.includes(fn as ts.Expression)) return false;
  const outer = skipOuter(tsm, call.expression);
  // `tenantDb.transaction((tx) => ...)`: the transaction of a scoped client is scoped.
  if (tsm.isPropertyAccessExpression(outer) && outer.name.text === "transaction")
    return isScopedClient(ctx, outer.expression, depth + 1);
  return isScopedClient(ctx, call, depth + 1);
}

import type ts from "typescript";

/** The class a node sits in (a method's, a property's, a nested function's), if any. */
export function enclosingClass(tsm: typeof ts, node: ts.Node): ts.ClassLikeDeclaration | undefined {
  for (let cur: ts.Node | undefined = node.parent; cur; cur = cur.parent) if (tsm.isClassLike(cur)) return cur;
  return undefined;
}

/**
 * The statement that holds `node`: climbs until the parent is a block, a file, a module or a
 * case clause. A next-line suppression goes above it, and covers what it runs.
 */
export function enclosingStatement(tsm: typeof ts, node: ts.Node): ts.Node {
  let current = node;
  while (
    current.parent &&
    !(
      tsm.isBlock(current.parent) ||
      tsm.isSourceFile(current.parent) ||
      tsm.isModuleBlock(current.parent) ||
      tsm.isCaseOrDefaultClause(current.parent)
    )
  ) {
    current = current.parent;
  }
  return current;
}

/** Where the statement holding `offset` starts (the offset itself when it lies in no statement). */
export function statementStartAt(tsm: typeof ts, sourceFile: ts.SourceFile, offset: number): number {
  let node: ts.Node = sourceFile;
  for (;;) {
    const child: ts.Node | undefined = tsm.forEachChild(node, (c) =>
      c.getStart(sourceFile) <= offset && offset < c.getEnd() ? c : undefined,
    );
    if (!child) break;
    node = child;
  }
  const statement = enclosingStatement(tsm, node);
  return statement === sourceFile ? offset : statement.getStart(sourceFile);
}

/** A function's own return statements (not those of functions or classes nested in it). */
export function returnStatements(tsm: typeof ts, fn: ts.FunctionLikeDeclaration): ts.ReturnStatement[] {
  const out: ts.ReturnStatement[] = [];
  const visit = (n: ts.Node): void => {
    if (tsm.isReturnStatement(n)) out.push(n);
    if (tsm.isFunctionLike(n) || tsm.isClassLike(n)) return;
    tsm.forEachChild(n, visit);
  };
  if (fn.body && tsm.isBlock(fn.body)) tsm.forEachChild(fn.body, visit);
  return out;
}

/** What a function hands back: an arrow's expression body, or the value of each of its own `return`s. */
export function returnedExpressions(tsm: typeof ts, fn: ts.FunctionLikeDeclaration): ts.Expression[] {
  if (fn.body && !tsm.isBlock(fn.body)) return [fn.body];
  return returnStatements(tsm, fn).flatMap((r) => (r.expression ? [r.expression] : []));
}

/**
 * The object literals a function returns (every return, or its expression body, through parentheses,
 * `as` and `satisfies`); undefined when one return is anything else, or has no value.
 */
export function returnedObjects(
  tsm: typeof ts,
  fn: ts.FunctionLikeDeclaration,
): ts.ObjectLiteralExpression[] | undefined {
  const body = fn.body;
  if (!body) return undefined;
  const exprs = tsm.isBlock(body) ? returnStatements(tsm, fn).map((r) => r.expression) : [body as ts.Expression];
  const objects: ts.ObjectLiteralExpression[] = [];
  for (const returned of exprs) {
    const e = returned && skipOuter(tsm, returned);
    if (!e || !tsm.isObjectLiteralExpression(e)) return undefined;
    objects.push(e);
  }
  return objects;
}

/** Parens, `!`, `as`, `satisfies` and `<T>` casts do not change what an expression is. */
export function skipOuter(tsm: typeof ts, node: ts.Expression): ts.Expression {
  let e = node;
  while (
    tsm.isParenthesizedExpression(e) ||
    tsm.isNonNullExpression(e) ||
    tsm.isAsExpression(e) ||
    tsm.isSatisfiesExpression(e) ||
    tsm.isTypeAssertionExpression(e)
  )
    e = e.expression;
  return e;
}

/** The other way: the outermost of the parens, `!`, `as`, `satisfies` and `<T>` casts around `node`. */
export function outermostExpression(tsm: typeof ts, node: ts.Node): ts.Node {
  let e = node;
  while (
    tsm.isParenthesizedExpression(e.parent) ||
    tsm.isNonNullExpression(e.parent) ||
    tsm.isAsExpression(e.parent) ||
    tsm.isSatisfiesExpression(e.parent) ||
    tsm.isTypeAssertionExpression(e.parent)
  )
    e = e.parent;
  return e;
}

/**
 * What a transaction is run by, handing back its callback's answer: the ORMs' `$transaction`,
 * `transaction` (Prisma, Drizzle, Knex, TypeORM, Sequelize), and the project wrappers named for it
 * (`dbTransactionWrap`, `withTransaction`, `runInTransaction`); not any name that mentions one
 * (`enqueueTransaction` may only queue the callback).
 */
const TRANSACTION_RUNNER = /^(?:\$|db|with|run|runIn|in|use|exec|execute)?_?transaction(?:al|wrap(?:per)?)?$/i;

/** The transaction callback `node` runs in directly (not through a function nested in it), if any. */
export function enclosingTransaction(
  tsm: typeof ts,
  node: ts.Node,
): ts.ArrowFunction | ts.FunctionExpression | undefined {
  let cur = node.parent;
  while (cur && !tsm.isFunctionLike(cur)) cur = cur.parent;
  if (!cur || !(tsm.isArrowFunction(cur) || tsm.isFunctionExpression(cur))) return undefined;
  let call: ts.Node = cur;
  while (tsm.isParenthesizedExpression(call.parent)) call = call.parent;
  return tsm.isCallExpression(call.parent) && transactionCallback(tsm, call.parent) === cur ? cur : undefined;
}

/**
 * The function literal a transaction runs and answers with: `prisma.$transaction(async (tx) => ...)`,
 * `dbTransactionWrap(async (manager) => ...)`, `manager.transaction("SERIALIZABLE", async (m) => ...)`.
 */
function transactionCallback(
  tsm: typeof ts,
  call: ts.CallExpression,
): ts.ArrowFunction | ts.FunctionExpression | undefined {
  const runner = lastName(tsm, call.expression);
  if (!runner || !TRANSACTION_RUNNER.test(runner)) return undefined;
  for (const a of call.arguments) {
    const f = skipOuter(tsm, a);
    if (tsm.isArrowFunction(f) || tsm.isFunctionExpression(f)) return f;
  }
  return undefined;
}

/**
 * The function literal a call runs at once and answers with: a transaction's callback
 * (`transactionCallback`), or `(async () => { ... })()`.
 */
export function runLiteral(
  tsm: typeof ts,
  call: ts.CallExpression,
): ts.ArrowFunction | ts.FunctionExpression | undefined {
  const ran = transactionCallback(tsm, call);
  if (ran || call.arguments.length) return ran;
  const f = skipOuter(tsm, call.expression);
  return (tsm.isArrowFunction(f) || tsm.isFunctionExpression(f)) && !f.parameters.length ? f : undefined;
}

/** `skipOuter`, and the `await`s around what is awaited: the call or value a client is read from. */
export function skipOuterAndAwait(tsm: typeof ts, node: ts.Expression): ts.Expression {
  let e = skipOuter(tsm, node);
  while (tsm.isAwaitExpression(e)) e = skipOuter(tsm, e.expression);
  return e;
}

/** The name an expression ends in: `ability` -> `ability`, `ctx.userAbility` -> `userAbility`; undefined for anything else. */
export function lastName(tsm: typeof ts, expr: ts.Expression): string | undefined {
  const e = skipOuter(tsm, expr);
  if (tsm.isIdentifier(e)) return e.text;
  if (tsm.isPropertyAccessExpression(e) && tsm.isIdentifier(e.name)) return e.name.text;
  return undefined;
}

/** The callee's last name: `checkAuthorization`, `permissionService.assertProjectAccess` -> `assertProjectAccess`. */
export function calleeName(tsm: typeof ts, call: ts.CallExpression): string | undefined {
  return lastName(tsm, call.expression);
}

/** `call` and the calls chained on it (`a.b()` then `.c()` then `.d()`), innermost first; the last is the whole chain. */
export function callsChainedOn(tsm: typeof ts, call: ts.CallExpression): ts.CallExpression[] {
  const out = [call];
  let current = call;
  while (
    tsm.isPropertyAccessExpression(current.parent) &&
    current.parent.expression === current &&
    tsm.isCallExpression(current.parent.parent) &&
    current.parent.parent.expression === current.parent
  ) {
    current = current.parent.parent;
    out.push(current);
  }
  return out;
}

/** `x = ...`, `x += ...`, `x++`, `({ x } = ...)`, `[x] = ...`: whether `node` is written. */
export function isWriteTarget(tsm: typeof ts, node: ts.Node): boolean {
  let cur: ts.Node = node;
  while (
    tsm.isParenthesizedExpression(cur.parent) ||
    tsm.isShorthandPropertyAssignment(cur.parent) ||
    tsm.isPropertyAssignment(cur.parent) ||
    tsm.isObjectLiteralExpression(cur.parent) ||
    tsm.isArrayLiteralExpression(cur.parent) ||
    tsm.isSpreadAssignment(cur.parent) ||
    tsm.isSpreadElement(cur.parent)
  ) {
    if (tsm.isPropertyAssignment(cur.parent) && cur.parent.name === cur) return false;
    cur = cur.parent;
  }
  const p = cur.parent;
  if (tsm.isBinaryExpression(p) && p.left === cur)
    return (
      p.operatorToken.kind >= tsm.SyntaxKind.FirstAssignment && p.operatorToken.kind <= tsm.SyntaxKind.LastAssignment
    );
  if ((tsm.isPrefixUnaryExpression(p) || tsm.isPostfixUnaryExpression(p)) && p.operand === cur)
    return p.operator === tsm.SyntaxKind.PlusPlusToken || p.operator === tsm.SyntaxKind.MinusMinusToken;
  return (tsm.isForOfStatement(p) || tsm.isForInStatement(p)) && p.initializer === cur;
}

/** What a constructor's body assigns to `this.<name>` (`this.table = orders`), each right-hand side. */
export function thisAssignments(tsm: typeof ts, body: ts.Node | undefined, name: string): ts.Expression[] {
  const out: ts.Expression[] = [];
  const visit = (n: ts.Node): void => {
    if (
      tsm.isBinaryExpression(n) &&
      n.operatorToken.kind === tsm.SyntaxKind.EqualsToken &&
      tsm.isPropertyAccessExpression(n.left) &&
      n.left.expression.kind === tsm.SyntaxKind.ThisKeyword &&
      n.left.name.text === name
    )
      out.push(n.right);
    tsm.forEachChild(n, visit);
  };
  if (body) visit(body);
  return out;
}

/** The function (or method, arrow, accessor) a node sits in, if any. */
export function enclosingFunction(tsm: typeof ts, node: ts.Node): ts.FunctionLikeDeclaration | undefined {
  for (let n = node.parent; n; n = n.parent) if (tsm.isFunctionLike(n)) return n as ts.FunctionLikeDeclaration;
  return undefined;
}

/** Methods that put something new into the array or Map they are called on. */
const ADDS_TO_HELD = /^(?:push|unshift|splice|fill|copyWithin|set)$/;
/** ...and those that only take out or reorder what it holds. */
const TAKES_FROM_HELD = /^(?:pop|shift|reverse|sort|delete|clear)$/;

/**
 * Whether this use of a name may change the list, Map or object it holds: written to (`x = ...`,
 * `x.id = ...`, `x[0] = ...`), a changing method (`x.push(...)`, `x.set(...)`), assigned into
 * (`Object.assign(x, ...)`, `Object.assign(x[0], ...)`); with `handed`, also handed to a call
 * (`fill(x)`) or kept under another name (`const y = x`), which may change it later. `removals`:
 * taking out or reordering counts too (a list of where terms may lose its tenant term; a list of
 * rows that loses some still holds only the tenant's).
 */
export function mayChangeHeld(tsm: typeof ts, n: ts.Identifier, handed: boolean, removals = true): boolean {
  const p = n.parent;
  if (isWriteTarget(tsm, n)) return true;
  const member = (tsm.isPropertyAccessExpression(p) || tsm.isElementAccessExpression(p)) && p.expression === n;
  if (member) {
    if (isWriteTarget(tsm, p)) return true;
    if (
      tsm.isPropertyAccessExpression(p) &&
      (ADDS_TO_HELD.test(p.name.text) || (removals && TAKES_FROM_HELD.test(p.name.text)))
    ) {
      return tsm.isCallExpression(p.parent) && p.parent.expression === p;
    }
    const call = p.parent;
    return tsm.isCallExpression(call) && call.arguments[0] === p && call.expression.getText() === "Object.assign";
  }
  if (tsm.isCallExpression(p) && p.arguments[0] === n && p.expression.getText() === "Object.assign") return true;
  if (!handed) return false;
  if ((tsm.isCallExpression(p) || tsm.isNewExpression(p)) && p.expression !== n) return true;
  if (tsm.isVariableDeclaration(p) && p.initializer === n) return true;
  return tsm.isBinaryExpression(p) && p.right === n && p.operatorToken.kind === tsm.SyntaxKind.EqualsToken;
}

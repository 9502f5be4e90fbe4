// Where a TypeORM query builder goes besides its own chain: returned by a helper to the calls that
// run it (each judged with the conditions it adds), or handed to a function of the project that adds
// conditions to it (`applyFilters(qb, filter)`), which this check does not read.
import type ts from "typescript";
import { fileCalls } from "./file-calls";
import { skipOuter } from "./object-where";
import { builderCalls, TERMINALS, type ChainCall } from "./typeorm-builder-chain";
import type { OrmContext } from "./types";

/**
 * `private build(ids) { const q = repo.createQueryBuilder("o").where(...); return q; }` and, in the
 * same file, `this.build(ids).andWhere(...).getMany()`: each call of the helper, with the builder
 * calls chained on it (or on the variable holding it). The helper's own call is left out.
 */
export function runningCallers(
  ctx: OrmContext,
  start: ts.CallExpression,
  calls: readonly ChainCall[],
): { call: ts.CallExpression; calls: ChainCall[]; handedTo: ts.CallExpression[] }[] {
  const { ts: tsm, sourceFile } = ctx;
  let fn: ts.Node | undefined = start.parent;
  while (fn && !tsm.isFunctionLike(fn)) fn = fn.parent;
  if (!fn || !tsm.isFunctionLike(fn)) return [];
  const name =
    (tsm.isMethodDeclaration(fn) || tsm.isFunctionDeclaration(fn)) && fn.name && tsm.isIdentifier(fn.name)
      ? fn.name.text
      : tsm.isArrowFunction(fn) && tsm.isVariableDeclaration(fn.parent) && tsm.isIdentifier(fn.parent.name)
        ? fn.parent.name.text
        : undefined;
  if (!name || !returnsBuilder(tsm, fn, calls)) return [];
  const out: { call: ts.CallExpression; calls: ChainCall[]; handedTo: ts.CallExpression[] }[] = [];
  // The file's call index, not another walk of the tree; calls inside the helper itself are not its callers.
  for (const n of fileCalls(tsm, sourceFile).calls) {
    if (n.pos >= fn.pos && n.end <= fn.end) continue;
    const callee = skipOuter(tsm, n.expression);
    const called =
      (tsm.isIdentifier(callee) && callee.text === name && !tsm.isMethodDeclaration(fn)) ||
      (tsm.isPropertyAccessExpression(callee) &&
        callee.name.text === name &&
        callee.expression.kind === tsm.SyntaxKind.ThisKeyword &&
        tsm.isMethodDeclaration(fn));
    if (!called) continue;
    const handed: ts.Identifier[] = [];
    const chained = builderCalls(ctx, n, handed).filter((c) => c.call !== n);
    out.push({ call: n, calls: chained, handedTo: addingConditions(ctx, handed, [...calls, ...chained]) });
  }
  return out;
}

/**
 * The calls a builder is handed to that add conditions to it before it runs: a function of the
 * project whose body calls `where`/`andWhere`/`orWhere` or a join on that parameter
 * (`applyFilters(qb, filter)`). A logger, `console.log(qb)`, a paging helper that only calls
 * `skip`/`take`, or a call after the query ran adds nothing, and the builder is judged as written.
 */
export function addingConditions(
  ctx: OrmContext,
  handed: readonly ts.Identifier[],
  calls: readonly ChainCall[],
): ts.CallExpression[] {
  const ran = calls.filter((c) => TERMINALS.has(c.method)).map((c) => c.call.getStart(ctx.sourceFile));
  const lastRun = ran.length ? Math.max(...ran) : Infinity;
  const out: ts.CallExpression[] = [];
  for (const id of handed) {
    const call = id.parent as ts.CallExpression;
    if (call.getStart(ctx.sourceFile) <= lastRun && addsConditions(ctx, call, call.arguments.indexOf(id), 0))
      out.push(call);
  }
  return out;
}

/**
 * Whether the function `call` runs adds a where or a join to the builder it is handed as argument
 * `index`: on that parameter itself, or through a function it hands the parameter on to
 * (`applyFilters(query)` calling `applyBasicFilters(query)`), a few calls deep.
 */
function addsConditions(ctx: OrmContext, call: ts.CallExpression, index: number, depth: number): boolean {
  const { ts: tsm } = ctx;
  const fn = depth < 3 ? ctx.resolveFunction?.(call) : undefined;
  const body = fn && (fn as ts.FunctionLikeDeclaration).body;
  const param = fn?.parameters[index];
  if (!body || !param || !tsm.isIdentifier(param.name)) return false;
  const name = param.name.text;
  let adds = false;
  const visit = (n: ts.Node): void => {
    if (adds || !tsm.isCallExpression(n)) {
      if (!adds) tsm.forEachChild(n, visit);
      return;
    }
    if (
      tsm.isPropertyAccessExpression(n.expression) &&
      /^(?:where|andWhere|orWhere|(?:inner|left)Join\w*)$/.test(n.expression.name.text)
    ) {
      let base: ts.Expression = n.expression.expression;
      while (tsm.isCallExpression(base) && tsm.isPropertyAccessExpression(base.expression))
        base = base.expression.expression;
      if (tsm.isIdentifier(base) && base.text === name) adds = true;
    }
    const passed = n.arguments.findIndex((a) => {
      const x = skipOuter(tsm, a);
      return tsm.isIdentifier(x) && x.text === name;
    });
    if (!adds && passed >= 0 && addsConditions(ctx, n, passed, depth + 1)) adds = true;
    tsm.forEachChild(n, visit);
  };
  visit(body);
  return adds;
}

/** Whether `fn` returns the builder `calls` make: the chain itself, or the variable holding it. */
function returnsBuilder(tsm: typeof ts, fn: ts.SignatureDeclaration, calls: readonly ChainCall[]): boolean {
  const body = (fn as ts.FunctionLikeDeclaration).body;
  if (!body) return false;
  const isChain = (e: ts.Node) => calls.some((c) => c.call === e);
  if (!tsm.isBlock(body)) return isChain(skipOuter(tsm, body as ts.Expression));
  // `const query = repo.createQueryBuilder(...)...;` then `return query`.
  let holder: string | undefined;
  for (const c of calls) {
    let n: ts.Node = c.call;
    while (tsm.isParenthesizedExpression(n.parent) || tsm.isAwaitExpression(n.parent)) n = n.parent;
    if (tsm.isVariableDeclaration(n.parent) && tsm.isIdentifier(n.parent.name)) holder = n.parent.name.text;
  }
  let returned = false;
  const visit = (n: ts.Node): void => {
    if (returned || (tsm.isFunctionLike(n) && n !== fn)) return;
    if (tsm.isReturnStatement(n) && n.expression) {
      const e = skipOuter(tsm, n.expression);
      returned = isChain(e) || (!!holder && tsm.isIdentifier(e) && e.text === holder);
    }
    tsm.forEachChild(n, visit);
  };
  visit(body);
  return returned;
}

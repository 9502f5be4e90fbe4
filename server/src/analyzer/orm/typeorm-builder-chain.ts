// The calls made on one TypeORM query builder: the chain written on it, and the calls made later
// on a variable that holds it (`const qb = ...; if (x) qb.andWhere(...); return qb.getMany()`),
// each marked conditional when an `if`, a loop, `?:` or `&&` decides whether it runs.
import type ts from "typescript";
import type { OrmContext } from "./types";
import { callsChainedOn } from "../statements";

export interface ChainCall {
  call: ts.CallExpression;
  method: string;
  /** Inside an `if`, a loop, `?:` or `&&`: it may not run. */
  conditional: boolean;
}

/** The calls that run a builder's query (or hand back its rows): the chain's end. */
export const TERMINALS = new Set([
  "getMany",
  "getOne",
  "getOneOrFail",
  "getManyAndCount",
  "getRawMany",
  "getRawOne",
  "getRawAndEntities",
  "getCount",
  "getExists",
  "execute",
  "stream",
]);

/** The calls chained on the builder, through a variable it is stored in, in source order. */
export function builderCalls(
  ctx: OrmContext,
  start: ts.CallExpression,
  /** Filled with the held builder's name where it is handed to a call (`applyFilters(qb, filter)`), which may add conditions. */
  handedTo?: ts.Identifier[],
): ChainCall[] {
  const { ts: tsm } = ctx;
  const calls: ChainCall[] = [];
  const top = chainUp(tsm, start, false, calls);
  // `const qb = repo.createQueryBuilder("o")...;` then `qb.andWhere(...)`, `await qb.getMany()`.
  let holder: ts.Node = top;
  while (tsm.isParenthesizedExpression(holder.parent) || tsm.isAwaitExpression(holder.parent)) holder = holder.parent;
  const decl = holder.parent;
  if (!tsm.isVariableDeclaration(decl) || !tsm.isIdentifier(decl.name)) return calls;
  const name = decl.name.text;
  const scope = enclosingBody(tsm, decl);
  if (!scope) return calls;
  // Conditional relative to where the builder lives: one made inside an `if` runs its calls whenever it runs.
  const statement = decl.parent.parent;
  const home = tsm.isVariableStatement(statement) ? statement.parent : scope;
  const visit = (node: ts.Node): void => {
    if (
      node.pos >= decl.end &&
      tsm.isIdentifier(node) &&
      node.text === name &&
      tsm.isPropertyAccessExpression(node.parent) &&
      node.parent.expression === node &&
      tsm.isCallExpression(node.parent.parent) &&
      // `qb.clone().andWhere(...)` builds another query; `qb.getQuery()` only reads this one.
      !DETACHING.has(node.parent.name.text)
    ) {
      chainUp(tsm, node.parent.parent, isConditional(tsm, node, home), calls);
    }
    if (
      handedTo &&
      node.pos >= decl.end &&
      tsm.isIdentifier(node) &&
      node.text === name &&
      tsm.isCallExpression(node.parent) &&
      node.parent.arguments.includes(node)
    )
      handedTo.push(node);
    if (!tsm.isFunctionLike(node) || node === scope) tsm.forEachChild(node, visit);
  };
  tsm.forEachChild(scope, visit);
  return calls;
}

/** Calls on a held builder whose chain is no longer that builder: a copy, a subquery, its SQL text. */
const DETACHING = new Set(["clone", "subQuery", "getQuery", "getSql", "getQueryAndParameters", "getParameters"]);

/** Collects `call` and the calls chained on it; returns the outermost. */
function chainUp(tsm: typeof ts, call: ts.CallExpression, conditional: boolean, out: ChainCall[]): ts.Expression {
  const calls = callsChainedOn(tsm, call);
  for (const c of calls) out.push({ call: c, method: methodOf(tsm, c), conditional });
  return calls[calls.length - 1]!;
}

function methodOf(tsm: typeof ts, call: ts.CallExpression): string {
  return tsm.isPropertyAccessExpression(call.expression) ? call.expression.name.text : "";
}

function enclosingBody(tsm: typeof ts, node: ts.Node): ts.Node | undefined {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent)
    if (tsm.isFunctionLike(n) || tsm.isSourceFile(n)) return n;
  return undefined;
}

/** Whether something between `node` and the function body makes it run only sometimes. */
export function isConditional(tsm: typeof ts, node: ts.Node, scope: ts.Node): boolean {
  for (let n: ts.Node = node; n.parent && n !== scope; n = n.parent) {
    const p = n.parent;
    if (tsm.isIfStatement(p) && p.expression !== n) return true;
    if (tsm.isConditionalExpression(p) && p.condition !== n) return true;
    if (tsm.isIterationStatement(p, false) || tsm.isCaseClause(p) || tsm.isCatchClause(p)) return true;
    if (
      tsm.isBinaryExpression(p) &&
      p.right === n &&
      [
        tsm.SyntaxKind.AmpersandAmpersandToken,
        tsm.SyntaxKind.BarBarToken,
        tsm.SyntaxKind.QuestionQuestionToken,
      ].includes(p.operatorToken.kind)
    )
      return true;
  }
  return false;
}

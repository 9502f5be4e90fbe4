// Drizzle's `$dynamic()` queries, built in one place and narrowed in another:
//
//   get scope() { return this.db.select().from(triggers).where(eq(triggers.workspaceId, this.workspaceId)).$dynamic() }
//   findByUuid(uuid) { return this.scope.where(eq(triggers.documentUuid, uuid)) }
//
// `.where()` on a dynamic query replaces its where (Drizzle keeps the last one), so the second
// query reads every tenant's triggers with that uuid. The query a use runs is the builder's calls
// followed by the use's: this file finds the builder a chain starts from.
import type ts from "typescript";
import { returnedExpressions } from "../statements";
import { chainOf, constInitializer, skipOuter, thisMemberValue, type Chain, type ChainCall } from "./chain";
import type { OrmContext } from "./types";

export interface DynamicQuery {
  /** The chain that built the query (`this.db.select().from(triggers).where(...).$dynamic()`). */
  base: Chain;
  /** The builder's calls without `$dynamic()`, then the use's: the query that runs. */
  calls: ChainCall[];
}

/**
 * The dynamic query a chain starts from, when its root is one this file can see built: a getter
 * or property of the enclosing class (`this.scope`), a function or method call whose one return
 * builds it (`this.scope()`, `scoped()`), or a const.
 */
export function dynamicQueryOf(ctx: OrmContext, chain: Chain): DynamicQuery | undefined {
  const built = builtBy(ctx, chain.root);
  // Built in this file: its text and positions are this file's.
  if (!built || !ctx.ts.isCallExpression(built) || built.getSourceFile() !== ctx.sourceFile) return undefined;
  const base = chainOf(ctx.ts, built);
  if (base.calls[base.calls.length - 1]?.name !== "$dynamic") return undefined;
  return { base, calls: [...base.calls.slice(0, -1), ...chain.calls] };
}

/**
 * A subquery a query reads from: `this.scope` or `scoped` holding `db.select(...).from(projects)
 * .where(...).as("projectsScope")`, with the chain that builds it and its `from` argument.
 */
export function drizzleSubquery(ctx: OrmContext, expr: ts.Expression): { chain: Chain; from: ChainCall } | undefined {
  const tsm = ctx.ts;
  const e = skipOuter(tsm, expr);
  const value = tsm.isIdentifier(e) ? constInitializer(tsm, e) : thisMemberValue(tsm, e);
  const built = value && skipOuter(tsm, value);
  if (!built || !tsm.isCallExpression(built)) return undefined;
  const callee = skipOuter(tsm, built.expression);
  if (!tsm.isPropertyAccessExpression(callee) || callee.name.text !== "as") return undefined;
  const chain = chainOf(tsm, built);
  const from = chain.calls.find((c) => c.name === "from");
  return from ? { chain, from } : undefined;
}

function builtBy(ctx: OrmContext, root: ts.Expression): ts.Expression | undefined {
  const tsm = ctx.ts;
  const e = skipOuter(tsm, root);
  if (tsm.isIdentifier(e)) return constInitializer(tsm, e);
  if (tsm.isCallExpression(e)) {
    const fn = ctx.resolveFunction?.(e);
    const returned = fn ? returnedExpressions(tsm, fn) : [];
    return returned.length === 1 ? returned[0] : undefined;
  }
  return thisMemberValue(tsm, e);
}

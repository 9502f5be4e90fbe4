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
import { writes } from "../flow/bindings";
import {
  chainOf,
  constInitializer,
  localDeclaration,
  skipOuter,
  thisMemberValue,
  type Chain,
  type ChainCall,
} from "./chain";
import { strip } from "./prisma-syntax";
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
 * The subqueries a query may read from: `this.scope` or `scoped` holding `db.select(...)
 * .from(projects).where(...).as("projectsScope")` (or the CTE `db.$with("s").as(...)` of that
 * query), each with the chain that builds it and its `from` argument. A `let` gives every value it
 * is assigned in its function (`if (listId) sq = ...; else sq = ...`); undefined when any of them
 * is no subquery, or the name is written any other way.
 */
export function drizzleSubqueries(
  ctx: OrmContext,
  expr: ts.Expression,
): { chain: Chain; from: ChainCall }[] | undefined {
  const tsm = ctx.ts;
  const e = skipOuter(tsm, expr);
  const values = tsm.isIdentifier(e) ? heldValues(tsm, e) : [thisMemberValue(tsm, e)];
  const out: { chain: Chain; from: ChainCall }[] = [];
  for (const value of values ?? []) {
    const sub = value && subqueryOf(tsm, value);
    if (!sub) return undefined;
    out.push(sub);
  }
  return out.length ? out : undefined;
}

function subqueryOf(tsm: typeof ts, value: ts.Expression): { chain: Chain; from: ChainCall } | undefined {
  const built = skipOuter(tsm, value);
  if (!tsm.isCallExpression(built)) return undefined;
  const callee = skipOuter(tsm, built.expression);
  if (!tsm.isPropertyAccessExpression(callee) || callee.name.text !== "as") return undefined;
  let chain = chainOf(tsm, built);
  // A CTE, `db.$with("s").as(db.select().from(projects).where(...))`: its query is the argument.
  if (chain.calls.length === 2 && chain.calls[0].name === "$with") {
    const query = built.arguments[0] && skipOuter(tsm, built.arguments[0]);
    if (!query || !tsm.isCallExpression(query)) return undefined;
    chain = chainOf(tsm, query);
  }
  const from = chain.calls.find((c) => c.name === "from");
  // Its columns are the table's only when it selects them under their own names: `select()`,
  // `select({ id: projects.id })`; `select({ id: sql\`${input.id}\` })` names no row of it.
  const select = chain.calls.find((c) => c.name.startsWith("select"));
  // `selectDistinctOn(on, fields)` takes its fields second; any other select call is not read.
  const fields =
    select?.name === "select" || select?.name === "selectDistinct"
      ? select.args[0]
      : select?.name === "selectDistinctOn"
        ? select.args[1]
        : undefined;
  if (!from || (select && !["select", "selectDistinct", "selectDistinctOn"].includes(select.name))) return undefined;
  if (fields && !ownColumns(tsm, fields, from.args[0])) return undefined;
  return { chain, from };
}

/** `{ id: t.id, name: t.name, ...getTableColumns(t) }` with `t` the table read: each field its own column. */
function ownColumns(tsm: typeof ts, selection: ts.Expression, table: ts.Expression | undefined): boolean {
  let s = skipOuter(tsm, selection);
  const name = table && skipOuter(tsm, table).getText();
  // `const tt = getTableColumns(projects)`, then `select(tt)` (latitude's repositories).
  const held = tsm.isIdentifier(s) ? constInitializer(tsm, s) : undefined;
  if (held) s = skipOuter(tsm, held);
  const allOf = (x: ts.Expression) => {
    const e = skipOuter(tsm, x);
    return (
      tsm.isCallExpression(e) &&
      skipOuter(tsm, e.expression).getText() === "getTableColumns" &&
      e.arguments.length === 1 &&
      skipOuter(tsm, e.arguments[0]!).getText() === name
    );
  };
  if (name && allOf(s)) return true;
  if (!name || !tsm.isObjectLiteralExpression(s)) return false;
  return s.properties.every((p) => {
    if (tsm.isSpreadAssignment(p)) return allOf(p.expression);
    if (!tsm.isPropertyAssignment(p) || !tsm.isIdentifier(p.name)) return false;
    const v = skipOuter(tsm, p.initializer);
    return (
      tsm.isPropertyAccessExpression(v) &&
      v.name.text === p.name.text &&
      skipOuter(tsm, v.expression).getText() === name
    );
  });
}

/** A const's initializer; every value a `let` is given in the block that declares it (only `=` writes). */
function heldValues(tsm: typeof ts, id: ts.Identifier): ts.Expression[] | undefined {
  const decl = localDeclaration(tsm, id);
  if (!decl || !tsm.isIdentifier(decl.name)) return undefined;
  if (decl.parent.flags & tsm.NodeFlags.Const) return decl.initializer ? [decl.initializer] : undefined;
  if (!(decl.parent.flags & tsm.NodeFlags.Let)) return undefined;
  const values = decl.initializer ? [decl.initializer] : [];
  let other = false;
  const visit = (n: ts.Node): void => {
    if (other) return;
    const written = writes(tsm, n);
    if (written?.targets.some((t) => tsm.isIdentifier(t) && t.text === id.text)) {
      const plain =
        tsm.isBinaryExpression(n) &&
        n.operatorToken.kind === tsm.SyntaxKind.EqualsToken &&
        tsm.isIdentifier(strip(tsm, n.left));
      if (plain) values.push(n.right);
      else other = true;
    }
    tsm.forEachChild(n, visit);
  };
  visit(decl.parent.parent.parent);
  return other ? undefined : values;
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

// Drizzle query builder calls: `db.select().from(t).where(...)`, joins, `update`/`delete`/
// `insert`, and the relational API `db.query.t.findMany({ where })` in its callback and object forms.
import type ts from "typescript";
import type { TenantTable } from "../model/types";
import { callsChainedOn, thisAssignments } from "../statements";
import type { Fix, TextEdit } from "../types";
import { isClientOf, isScopedClient, type ClientShape } from "./builder-clients";
import { insertFindings } from "./builder-insert";
import {
  calleeNameStart,
  chainLabel,
  finding,
  handedTableFinding,
  OTHER,
  queryFindings,
  verdicts,
  type Pred,
  type TableRef,
} from "./builder-scope";
import { callNamesTable } from "../prefilter";
import { importsModule, insertAfter, propertyKey } from "./builder-syntax";
import { parameterOf } from "./prisma-syntax";
import { chainOf, queryChains, skipOuter, type Chain, type ChainCall } from "./chain";
import { drizzleSubqueries, dynamicQueryOf } from "./drizzle-dynamic";
import { lineOf } from "../flow/values";
import { conjoin, importEdits } from "./drizzle-fixes";
import { rqbFindings } from "./drizzle-rqb";
import {
  DrizzlePredicates,
  drizzleTableOf,
  drizzleTenantKey,
  isTenantKey,
  mayNameDrizzleTable,
} from "./drizzle-tables";
import { drizzleQueries } from "./builder-queries";
import type { OrmContext, OrmFinding, OrmModule } from "./types";

export const DRIZZLE_CLIENT: ClientShape = {
  factories: new Set(["drizzle"]),
  classes: new Set(),
  typeNames: new Set([
    "NodePgDatabase",
    "PgDatabase",
    "PostgresJsDatabase",
    "NeonHttpDatabase",
    "NeonDatabase",
    "VercelPgDatabase",
    "PgliteDatabase",
    "MySql2Database",
    "MySqlDatabase",
    "BetterSQLite3Database",
    "BaseSQLiteDatabase",
    "LibSQLDatabase",
    "PgTransaction",
    "MySqlTransaction",
    "SQLiteTransaction",
  ]),
  typeModule: /drizzle-orm/,
};

const SELECTS = new Set(["select", "selectDistinct", "selectDistinctOn"]);
const JOINS: Record<string, "inner" | "outer"> = {
  innerJoin: "inner",
  leftJoin: "outer",
  rightJoin: "outer",
  fullJoin: "outer",
  crossJoin: "inner",
};

/** `import { orders as o }`: a table under a name the text alone cannot map back. */
const ALIASED_IMPORT = /\bimport\s+(?:type\s+)?\{[^}]*\bas\s/;
const DRIZZLE_TABLE_CALL = /\.(?:from|insert|update|delete)\s*\(\s*([A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*)*)/g;

export const drizzleModule: OrmModule = {
  name: "drizzle",
  appliesTo: (ctx) =>
    importsModule(ctx.ts, ctx.sourceFile, (m) => m === "drizzle-orm" || m.startsWith("drizzle-orm/")) ||
    // Drizzle passes table objects (`db.update(orders)`), not object literals as Prisma does
    // (`prisma.order.update({ ... })`); its relational API goes through `db.query.<table>`.
    // The table argument must be a tenant-owned table's name: `cache.delete(key)` is no query.
    /\.query\.\w+\.find(Many|First)\s*\(/.test(ctx.sourceFile.text) ||
    ALIASED_IMPORT.test(ctx.sourceFile.text) ||
    callNamesTable(ctx.sourceFile.text, DRIZZLE_TABLE_CALL, (name) => mayNameDrizzleTable(ctx, name)),
  check(ctx) {
    const out: OrmFinding[] = [];
    const isClient = (e: ts.Expression) => isClientOf(ctx.ts, e, DRIZZLE_CLIENT, ctx.checker);
    for (const chain of queryChains(ctx.ts, ctx.sourceFile, isClient, [
      DRIZZLE_CLIENT,
      ctx.checker ?? DRIZZLE_CLIENT,
    ])) {
      try {
        // A scoped client (config `clients.scoped`) adds the tenant itself: no predicate needed.
        if (isScopedClient(ctx, chain.root)) continue;
        const rqb = rqbFindings(ctx, chain, isClient);
        if (rqb) {
          out.push(...rqb);
          continue;
        }
        if (!isClient(chain.root)) {
          out.push(...dynamicWhereFindings(ctx, chain, isClient));
          continue;
        }
        const first = chain.calls.findIndex((c) => c.name !== "with" && c.name !== "$with");
        const calls = chain.calls.slice(first);
        const head = calls[0];
        // Drizzle names the table alone (`db.delete(t)`): `trx.delete(Entity, criteria)` is TypeORM's.
        if (!head || (/^(?:insert|update|delete)$/.test(head.name) && head.args.length !== 1)) continue;
        if (head.name === "insert") out.push(...insertQuery(ctx, chain.root, chain.top, calls));
        else if (SELECTS.has(head.name) || head.name === "update" || head.name === "delete")
          out.push(...builderFindings(ctx, chain.root, chain.top, calls));
      } catch {
        // Never throw on odd input: an unrecognised shape is simply not checked.
      }
    }
    return out;
  },
  queries: (ctx) => drizzleQueries(ctx),
};

/**
 * `this.scope.where(...)` on a `$dynamic()` query built elsewhere in the file (drizzle-dynamic.ts):
 * the use's where replaces the builder's, so the query that runs is judged, and reported at the use.
 */
function dynamicWhereFindings(ctx: OrmContext, chain: Chain, isClient: (e: ts.Expression) => boolean): OrmFinding[] {
  const where = chain.calls.find((c) => c.name === "where");
  const dynamic = where && dynamicQueryOf(ctx, chain);
  if (!where || !dynamic || !isClient(dynamic.base.root) || isScopedClient(ctx, dynamic.base.root)) return [];
  const head = dynamic.calls[0];
  if (!head || !(SELECTS.has(head.name) || head.name === "update" || head.name === "delete")) return [];
  const replaced = dynamic.base.calls.find((c) => c.name === "where");
  const root = skipOuter(ctx.ts, chain.root).getText(ctx.sourceFile);
  const why = replaced
    ? ` \`.where()\` on the \`$dynamic()\` query \`${root}\` replaces the where it was built with on line ${lineOf(ctx.sourceFile, replaced.call)}, tenant predicate included: Drizzle keeps only the last \`.where()\`. Repeat the tenant predicate in this one.`
    : "";
  return builderFindings(ctx, dynamic.base.root, chain.top, dynamic.calls).map((f) => ({
    ...f,
    start: calleeNameStart(ctx.ts, where.call, ctx.sourceFile),
    end: where.call.getEnd(),
    message: f.message + why,
    // The builder's fix would edit the builder, which every other use shares.
    fixes: [],
  }));
}

/** `db.insert(t).values(row | rows)`. */
function insertQuery(ctx: OrmContext, root: ts.Expression, top: ts.CallExpression, calls: ChainCall[]): OrmFinding[] {
  const head = calls[0];
  const table = drizzleTableOf(ctx, head.args[0]);
  const values = calls.find((c) => c.name === "values");
  if (!table || !values) return [];
  const { key, known } = drizzleTenantKey(table);
  const label = chainLabel(ctx.sourceFile, root, [head, values]);
  const conflict = calls.find((c) => c.name === "onConflictDoUpdate");
  const upsert = conflict ? conflictUpdate(ctx, root, top, head, table, conflict) : [];
  return [
    ...upsert,
    ...insertFindings(
      ctx,
      {
        table,
        node: head.call,
        rows: values.args[0],
        key,
        isTenantKey: (k) => isTenantKey(table, k, true),
        label,
        keyCertain: known,
      },
      top,
      root,
    ),
  ];
}

/**
 * `.onConflictDoUpdate({ target: t.id, set })`: an insert that meets another tenant's row with the
 * same key updates that row, unless the conflict target holds the tenant column or `setWhere`
 * (`where`) scopes the update.
 */
function conflictUpdate(
  ctx: OrmContext,
  root: ts.Expression,
  top: ts.CallExpression,
  head: ChainCall,
  table: TenantTable,
  conflict: ChainCall,
): OrmFinding[] {
  const tsm = ctx.ts;
  if (table.owner) return [];
  const options = conflict.args[0] && skipOuter(tsm, conflict.args[0]);
  if (!options || !tsm.isObjectLiteralExpression(options)) return [];
  const value = (name: string) => {
    const p = options.properties.find((x) => propertyKey(tsm, x) === name);
    return p && tsm.isPropertyAssignment(p) ? skipOuter(tsm, p.initializer) : undefined;
  };
  const target = value("target");
  if (!target) return [];
  const columns = tsm.isArrayLiteralExpression(target) ? [...target.elements] : [target];
  const ref: TableRef = { table, qualifier: qualifierOf(ctx, head.args[0]), node: head.call };
  const scope = new DrizzlePredicates(ctx, [ref], false);
  // A target or a where the analyzer cannot read is not taken for a leak.
  const named = columns.map((c) => scope.column(c));
  if (named.some((c) => !c || c.tenant)) return [];
  for (const name of ["setWhere", "where"]) {
    const where = value(name);
    if (where && verdicts([ref], scope.translate(where)).get(ref)?.kind !== "none") return [];
  }
  const { key } = drizzleTenantKey(table);
  const written = named.map((c) => c!.column).join(", ");
  const message = `${chainLabel(ctx.sourceFile, root, [head, conflict])} updates the row that already holds the same ${written} on conflict, whichever tenant owns it. Add ${ref.qualifier}.${key} to the conflict target, or a setWhere with eq(${ref.qualifier}.${key}, ...).`;
  return [finding(ctx, "missing-tenant-filter", conflict.call, table.name, message, undefined, top, root)];
}

/** select / update / delete chains. */
function builderFindings(
  ctx: OrmContext,
  root: ts.Expression,
  top: ts.CallExpression,
  calls: ChainCall[],
): OrmFinding[] {
  const query = builderQuery(ctx, calls, correlatedRefs(ctx, top));
  if (!query) return handedInTable(ctx, root, top, calls);
  const { head, verb, tableCall, refs, where, wheres } = query;
  const label = chainLabel(ctx.sourceFile, root, calls.slice(0, calls.indexOf(tableCall) + 1));
  const only = wheres.length === 1 && !wheres[0].conditional ? wheres[0] : undefined;
  const anchor = [...calls]
    .reverse()
    .find((c) => c.name === "from" || c.name in JOINS || c.name === "set" || c === head)!;
  return queryFindings(ctx, top, root, {
    verb,
    refs,
    where,
    label,
    conjunction: "as a top-level and(...) term",
    hint: (ref) =>
      ref.join && refs[0] !== ref && !refs[0].table.owner
        ? `eq(${ref.qualifier}.${drizzleTenantKey(ref.table).key}, ${refs[0].qualifier}.${drizzleTenantKey(refs[0].table).key})`
        : `eq(${ref.qualifier}.${drizzleTenantKey(ref.table).key}, ...)`,
    fix: (ref, _verdict, baseScoped) => predicateFix(ctx, refs, ref, wheres.length > 0, only, anchor, top, baseScoped),
  });
}

/**
 * A query on a table the code is handed (a parameter, or `this.table` that a constructor, a
 * subclass or a caller fills in: latitude's base repositories' `from(this.scope)`): which table
 * it reads is decided at run time, so it is reported as dynamic-sql, not skipped. Not when its
 * where names a tenant column of that table (`eq(table.workspaceId, ...)`), as a generic helper does.
 */
function handedInTable(ctx: OrmContext, root: ts.Expression, top: ts.CallExpression, calls: ChainCall[]): OrmFinding[] {
  const tsm = ctx.ts;
  const head = calls[0]!;
  const tableCall = SELECTS.has(head.name) ? calls.find((c) => c.name === "from") : head;
  const arg = tableCall?.args[0] && skipOuter(tsm, tableCall.args[0]);
  if (!tableCall || !arg || !isHandedIn(tsm, arg)) return [];
  const label = chainLabel(ctx.sourceFile, root, calls.slice(0, calls.indexOf(tableCall) + 1));
  return handedTableFinding(
    ctx,
    arg,
    calls.filter((c) => c.name === "where"),
    { label, node: tableCall.call, top, root },
    (t: TenantTable) => [t.tenantColumn, drizzleTenantKey(t).key],
    true,
  );
}

/** A parameter, or a member of `this` the class leaves to its constructor's caller or a subclass. */
function isHandedIn(tsm: typeof ts, e: ts.Expression): boolean {
  if (tsm.isIdentifier(e)) return !!parameterOf(tsm, e);
  if (!tsm.isPropertyAccessExpression(e) || e.expression.kind !== tsm.SyntaxKind.ThisKeyword) return false;
  let cls: ts.Node | undefined = e.parent;
  while (cls && !tsm.isClassLike(cls)) cls = cls.parent;
  if (!cls || !tsm.isClassLike(cls)) return false;
  const name = e.name.text;
  const members = cls.members.filter((m) => m.name && tsm.isIdentifier(m.name) && m.name.text === name);
  const ctor = cls.members.find(tsm.isConstructorDeclaration);
  const byParameter = ctor?.parameters.some(
    (p) => tsm.isIdentifier(p.name) && p.name.text === name && !!tsm.getModifiers(p)?.length,
  );
  if (byParameter) return true;
  // None here: a base class's or a subclass's; abstract, or declared without a value.
  if (!members.length) return !!cls.heritageClauses?.length || hasAbstract(tsm, cls);
  return members.every(
    (m) =>
      (tsm.canHaveModifiers(m) ? (tsm.getModifiers(m) ?? []) : []).some(
        (x) => x.kind === tsm.SyntaxKind.AbstractKeyword,
      ) ||
      (tsm.isPropertyDeclaration(m) && !m.initializer && !assignedInConstructor(tsm, ctor, name)),
  );
}

function hasAbstract(tsm: typeof ts, cls: ts.ClassLikeDeclaration): boolean {
  return (tsm.getModifiers(cls) ?? []).some((x) => x.kind === tsm.SyntaxKind.AbstractKeyword);
}

/** `this.table = orders` in the constructor: a value the class gives itself. */
function assignedInConstructor(tsm: typeof ts, ctor: ts.ConstructorDeclaration | undefined, name: string): boolean {
  // `this.table = table` of a constructor parameter is still handed in.
  return thisAssignments(tsm, ctor?.body, name).some((value) => {
    const right = skipOuter(tsm, value);
    return !(tsm.isIdentifier(right) && !!parameterOf(tsm, right));
  });
}

interface BuilderQueryShape {
  head: ChainCall;
  verb: "select" | "update" | "delete";
  tableCall: ChainCall;
  /** The query's tables (`from`, joins), then the scoped tables of the query it is correlated with. */
  refs: TableRef[];
  where: Pred;
  wheres: ChainCall[];
}

/** A select, update or delete chain's tables and where, as the scope rules read them. */
function builderQuery(ctx: OrmContext, calls: ChainCall[], outer: TableRef[] = []): BuilderQueryShape | undefined {
  const head = calls[0];
  const verb = head.name === "update" ? "update" : head.name === "delete" ? "delete" : "select";
  const tableCall = verb === "select" ? calls.find((c) => c.name === "from") : head;
  const table = tableCall && drizzleTableOf(ctx, tableCall.args[0]);
  const refs: TableRef[] = [];
  if (tableCall && table)
    refs.push({
      table,
      qualifier: qualifierOf(ctx, tableCall.args[0]),
      node: tableCall.call,
      ...(verb === "select" && scopedSubquery(ctx, tableCall.args[0]) && { prescoped: true }),
    });
  const named = calls.filter((c) => c === tableCall || c.name in JOINS).map((c) => qualifierOf(ctx, c.args[0]));
  const scope = new DrizzlePredicates(ctx, refs, verb === "select", new Set(named));
  for (const c of calls) {
    const kind = JOINS[c.name];
    if (!kind) continue;
    const joined = drizzleTableOf(ctx, c.args[0]);
    if (!joined) continue;
    const ref: TableRef = {
      table: joined,
      qualifier: qualifierOf(ctx, c.args[0]),
      node: c.call,
      join: { kind, on: OTHER },
      ...(scopedSubquery(ctx, c.args[0]) && { prescoped: true }),
    };
    refs.push(ref);
    scope.refs.push(ref);
  }
  for (const ref of refs) if (ref.join) ref.join.on = scope.translate(calls.find((c) => c.call === ref.node)!.args[1]);
  if (refs.length === 0 || !tableCall) return undefined;
  // The outer query's columns (`notes.id` in its `exists(...)`) read its rows: under names this query does not use.
  for (const o of outer.filter((r) => !named.includes(r.qualifier))) {
    scope.refs.push(o);
    refs.push(o);
  }
  // Drizzle's `.where()` replaces an earlier one: the last to run is the where.
  let where: Pred = OTHER;
  const wheres = calls.filter((c) => c.name === "where");
  for (const w of wheres) {
    const p = scope.translate(w.args[0]);
    where = w.conditional ? { kind: "or", items: [p, where], why: w.conditional } : p;
  }
  return { head, verb, tableCall, refs, where, wheres };
}

/**
 * A subquery written inside another query's where (`exists(db.select().from(noteTexts).where(eq(
 * noteTexts.id, notes.id)))`) is correlated with that query's rows: the outer query's tables its
 * own where scopes, as scoped tables this one may be tied to. Its result only filters those rows.
 */
function correlatedRefs(ctx: OrmContext, top: ts.CallExpression): TableRef[] {
  const tsm = ctx.ts;
  let where: ts.CallExpression | undefined;
  for (let n: ts.Node = top; n.parent && !tsm.isStatement(n.parent) && !tsm.isFunctionLike(n.parent); n = n.parent) {
    const p = n.parent;
    if (
      tsm.isCallExpression(p) &&
      p.arguments.includes(n as ts.Expression) &&
      tsm.isPropertyAccessExpression(p.expression) &&
      p.expression.name.text === "where"
    ) {
      where = p;
      break;
    }
  }
  if (!where) return [];
  const chained = callsChainedOn(tsm, where);
  const chain = chainOf(tsm, chained[chained.length - 1]!);
  const first = chain.calls.findIndex((c) => c.name !== "with" && c.name !== "$with");
  const calls = chain.calls.slice(first);
  const head = calls[0];
  if (!head || !(SELECTS.has(head.name) || head.name === "update" || head.name === "delete")) return [];
  if (isScopedClient(ctx, chain.root)) return [];
  const outer = builderQuery(ctx, calls);
  if (!outer) return [];
  const verdict = verdicts(outer.refs, outer.where);
  return outer.refs
    .filter((r) => verdict.get(r)?.kind === "scoped")
    .map((r) => ({ table: r.table, qualifier: r.qualifier, node: r.node, prescoped: true }));
}

/**
 * A subquery (`this.scope`, drizzle-dynamic.ts) whose own where scopes its table: reading from it
 * reads one tenant's rows. A `let` holding one of several is scoped when each of them is.
 */
function scopedSubquery(ctx: OrmContext, expr: ts.Expression | undefined): boolean {
  // A table named as itself (`from(orders)`), the common case, is no subquery: no declaration to look up.
  if (!expr || mayNameDrizzleTable(ctx, qualifierOf(ctx, expr))) return false;
  const subs = drizzleSubqueries(ctx, expr);
  return !!subs?.every((sub) => {
    const table = drizzleTableOf(ctx, sub.from.args[0]);
    if (!table) return false;
    const ref: TableRef = { table, qualifier: qualifierOf(ctx, sub.from.args[0]), node: sub.from.call };
    const wheres = sub.chain.calls.filter((c) => c.name === "where");
    const last = wheres[wheres.length - 1];
    if (!last || last.conditional) return false;
    const where = new DrizzlePredicates(ctx, [ref], true).translate(last.args[0]);
    return verdicts([ref], where).get(ref)?.kind === "scoped";
  });
}

function qualifierOf(ctx: OrmContext, expr: ts.Expression | undefined): string {
  return expr ? skipOuter(ctx.ts, expr).getText(ctx.sourceFile) : "";
}

/** Adds `eq(t.tenantId, value)`: into the where's `and(...)`, wrapping the where, or as a new `.where(...)`. */
function predicateFix(
  ctx: OrmContext,
  refs: TableRef[],
  ref: TableRef,
  hasWhere: boolean,
  where: ChainCall | undefined,
  anchor: ChainCall,
  top: ts.Node,
  baseScoped: boolean,
): Fix | undefined {
  const { key, known } = drizzleTenantKey(ref.table);
  const main = refs[0];
  const joinToMain = !!ref.join && ref !== main;
  if (!joinToMain && hasWhere && !where) return undefined; // several or conditional wheres: no one place to add it
  // The join's tenant equal to the first table's scopes it only when that table is scoped; else
  // the join gets the tenant value itself (and the first table keeps its own finding and fix).
  // Only a first table with a tenant column of its own has one to compare with (not a child owned through its parent).
  const mainKey = !main.table.owner ? drizzleTenantKey(main.table) : undefined;
  const value = !joinToMain
    ? ctx.tenantValueAt(top, key)
    : baseScoped && mainKey?.known
      ? { text: `${main.qualifier}.${mainKey.key}`, resolved: true }
      : ctx.tenantValueAt(top, key);
  const predicate = `eq(${ref.qualifier}.${key}, ${value.text})`;
  const target = joinToMain ? ref.node.arguments[1] : where ? where.args[0] : undefined;
  const edits: TextEdit[] = [];
  if (target) edits.push(...conjoin(ctx, target, predicate));
  else if (joinToMain) return undefined;
  else edits.push(insertAfter(anchor.call, `.where(${predicate})`));
  edits.push(...importEdits(ctx, edits.some((e) => e.newText.startsWith("and(")) ? ["and", "eq"] : ["eq"]));
  return { title: `Add ${predicate} to the ${joinToMain ? "join" : "where"}`, edits, safe: value.resolved && known };
}

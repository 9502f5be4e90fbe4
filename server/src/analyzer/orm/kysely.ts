// Kysely query builder calls: `selectFrom` / `updateTable` / `deleteFrom` / `insertInto`, `where` in
// its 3-argument and expression-builder forms (`eb(...)`, `eb.and([...])`, `eb.or([...])`), joins, aliases.
import type ts from "typescript";
import { insertTenantColumnsOf } from "../model/types";
import { tenantColumnMatches } from "../model/names";
import type { Fix } from "../types";
import { conflictFindings, insertFindings } from "./builder-insert";
import {
  and,
  chainLabel,
  OTHER,
  queryFindings,
  verdicts,
  type Pred,
  type TableRef,
  type Verdict,
} from "./builder-scope";
import { isClientOf, isScopedClient, type ClientShape } from "./builder-clients";
import { importsModule, insertAfter, isUndefinedLike, propertyKey, stringValue } from "./builder-syntax";
import { arrayElements, chainOf, constInitializer, queryChains, skipOuter, type Chain, type ChainCall } from "./chain";
import { enclosingClass } from "../statements";
import {
  combineTerms,
  comparisonPred,
  literalText,
  rawSqlPred,
  stringTableRef,
  type SubqueryReader,
  ColumnPredicates,
} from "./string-builder";
import { kyselyQueries } from "./builder-queries";
import type { OrmContext, OrmFinding, OrmModule } from "./types";

export const KYSELY_CLIENT: ClientShape = {
  factories: new Set(),
  classes: new Set(["Kysely"]),
  typeNames: new Set(["Kysely", "Transaction", "ControlledTransaction"]),
  typeModule: /kysely/i,
};

export const KYSELY_TABLE_CALLS: Record<string, "select" | "update" | "delete" | "insert"> = {
  selectFrom: "select",
  updateTable: "update",
  deleteFrom: "delete",
  insertInto: "insert",
  replaceInto: "insert",
};
export const KYSELY_JOINS: Record<string, "inner" | "outer"> = {
  innerJoin: "inner",
  leftJoin: "outer",
  rightJoin: "outer",
  fullJoin: "outer",
  crossJoin: "inner",
  innerJoinLateral: "inner",
  leftJoinLateral: "outer",
};

export const kyselyModule: OrmModule = {
  name: "kysely",
  appliesTo: (ctx) =>
    importsModule(ctx.ts, ctx.sourceFile, (m) => m === "kysely") ||
    /\b(selectFrom|updateTable|deleteFrom|insertInto)\s*\(/.test(ctx.sourceFile.text),
  check(ctx) {
    const out: OrmFinding[] = [];
    const isClient = (e: ts.Expression) => isClientOf(ctx.ts, e, KYSELY_CLIENT, ctx.checker);
    const chains = queryChains(ctx.ts, ctx.sourceFile, isClient, [KYSELY_CLIENT, ctx.checker ?? KYSELY_CLIENT]);
    for (const chain of chains) {
      try {
        const index = chain.calls.findIndex((c) => c.name in KYSELY_TABLE_CALLS);
        if (index < 0 || isScopedClient(ctx, chain.root)) continue;
        // The method names are Kysely's own; a subquery's `eb.selectFrom(...)` has no client root.
        const outer = correlatedOuter(ctx, chain, chains);
        out.push(...kyselyQuery(ctx, chain.root, chain.top, chain.calls.slice(index), outer));
      } catch {
        // An unrecognised shape is simply not checked.
      }
    }
    return out;
  },
  queries: (ctx) => kyselyQueries(ctx),
};

/**
 * `eb.selectFrom('memory_asset').whereRef('memory_asset.memoriesId', '=', 'memory.id')` inside a
 * query on `memory` (`jsonArrayFrom(...)`, `eb.exists(...)`): the tables of the enclosing query its
 * own query scopes, which the subquery may name (a correlated subquery). Prescoped: a parent link
 * to one scopes the subquery's table as a join to a scoped parent would.
 */
function correlatedOuter(ctx: OrmContext, chain: Chain, chains: readonly Chain[]): TableRef[] {
  const tsm = ctx.ts;
  const root = skipOuter(tsm, chain.root);
  if (!tsm.isIdentifier(root)) return [];
  const enclosing = enclosingQuery(chain.top, chains, chain);
  if (enclosing) return scopedRefsOf(ctx, enclosing);
  // A client handed in (`(db: Kysely<DB>) => db.selectFrom(...)`) runs a query of its own.
  if (isClientOf(tsm, root, KYSELY_CLIENT, ctx.checker)) return [];
  const sites = helperSites(tsm, root);
  if (!sites || sites.length === 0) return [];
  // Every query the helper is called from must scope the table the subquery names.
  let common: TableRef[] | undefined;
  for (const site of sites) {
    const outer = enclosingQuery(site, chains, chain);
    const refs = outer ? scopedRefsOf(ctx, outer) : [];
    // A table one caller leaves unscoped is reported there; the subquery's rows follow it.
    common = common
      ? common.flatMap((c) => {
          const r = refs.find((x) => sameRef(x, c));
          return !r ? [] : c.prescoped && r.prescoped ? [c] : [{ ...c, prescoped: false, enclosing: true }];
        })
      : refs;
    if (common.length === 0) return [];
  }
  return common ?? [];
}

function sameRef(a: TableRef, b: TableRef): boolean {
  return a.qualifier === b.qualifier && a.table.name === b.table.name;
}

/**
 * The query chain (with a table call) one of whose calls holds `node` most closely, other than
 * `self`: a call of a `let`/`const` initializer counts for the chain that runs it.
 */
function enclosingQuery(node: ts.Node, chains: readonly Chain[], self: Chain): Chain | undefined {
  let best: Chain | undefined;
  let size = Infinity;
  for (const outer of chains) {
    if (outer === self || tableCallIndex(outer) < 0) continue;
    for (const { call } of outer.calls) {
      if (call.pos > node.pos || node.end > call.end || call.end - call.pos >= size) continue;
      best = outer;
      size = call.end - call.pos;
    }
  }
  return best;
}

function tableCallIndex(c: Chain): number {
  return c.calls.findIndex((x) => x.name in KYSELY_TABLE_CALLS);
}

/**
 * The tables of an enclosing query a correlated subquery may name: prescoped where that query's own
 * where scopes them, else `enclosing` (that query reports them; the subquery's rows follow).
 */
function scopedRefsOf(ctx: OrmContext, enclosing: Chain): TableRef[] {
  const index = tableCallIndex(enclosing);
  if (KYSELY_TABLE_CALLS[enclosing.calls[index]!.name] === "insert") return [];
  const calls = enclosing.calls.slice(index);
  const flagged = new Set(
    kyselyQuery(ctx, enclosing.root, enclosing.top, calls).flatMap((f) => (f.table ? [f.table] : [])),
  );
  return chainRefs(ctx, calls)
    .filter((r) => !r.join)
    .map((r) => (flagged.has(r.table.name) ? { ...r, enclosing: true } : { ...r, prescoped: true }));
}

/**
 * A subquery built in a helper from its expression-builder parameter (`withCreator(eb) { return
 * jsonObjectFrom(eb.selectFrom('users')...whereRef('users.id', '=', 'comments.creatorId')) }`):
 * where the file calls or passes the helper (`this.withCreator(eb)`, `.select(this.withCreator)`,
 * `withCreator(eb)`). Undefined when `root` is not such a parameter.
 */
function helperSites(tsm: typeof ts, root: ts.Identifier): ts.Node[] | undefined {
  let fn: ts.Node | undefined = root.parent;
  while (fn && !tsm.isFunctionLike(fn)) fn = fn.parent;
  if (!fn || !tsm.isFunctionLike(fn)) return undefined;
  if (!fn.parameters.some((p) => tsm.isIdentifier(p.name) && p.name.text === root.text)) return undefined;
  const named = (n: ts.Node | undefined) => (n && tsm.isIdentifier(n) ? n.text : undefined);
  const method = tsm.isMethodDeclaration(fn) || tsm.isPropertyDeclaration(fn.parent);
  const name =
    tsm.isMethodDeclaration(fn) || tsm.isFunctionDeclaration(fn)
      ? named(fn.name)
      : tsm.isVariableDeclaration(fn.parent) || tsm.isPropertyDeclaration(fn.parent)
        ? named(fn.parent.name)
        : undefined;
  if (!name) return undefined;
  const scope = method ? enclosingClass(tsm, fn) : fn.getSourceFile();
  if (!scope) return undefined;
  const sites: ts.Node[] = [];
  const visit = (n: ts.Node): void => {
    if (method) {
      if (tsm.isPropertyAccessExpression(n) && n.name.text === name && n.expression.kind === tsm.SyntaxKind.ThisKeyword)
        sites.push(n);
    } else if (tsm.isIdentifier(n) && n.text === name && n.parent !== fn.parent && n.parent !== fn) sites.push(n);
    tsm.forEachChild(n, visit);
  };
  visit(scope);
  return sites;
}

/** The tables a chain's head (`selectFrom('a')`, `selectFrom(['a', 'b'])`) names. */
function chainRefs(ctx: OrmContext, calls: ChainCall[]): TableRef[] {
  const head = calls[0]!;
  const refs: TableRef[] = [];
  const heads =
    head.args[0] && ctx.ts.isArrayLiteralExpression(skipOuter(ctx.ts, head.args[0]))
      ? (skipOuter(ctx.ts, head.args[0]) as ts.ArrayLiteralExpression).elements
      : [head.args[0]];
  for (const arg of heads) {
    const ref = stringTableRef(ctx, arg, head.call);
    if (ref) refs.push(ref);
  }
  return refs;
}

function kyselyQuery(
  ctx: OrmContext,
  root: ts.Expression,
  top: ts.CallExpression,
  calls: ChainCall[],
  outer: readonly TableRef[] = [],
): OrmFinding[] {
  const head = calls[0];
  const verb = KYSELY_TABLE_CALLS[head.name];
  const refs = chainRefs(ctx, calls);
  if (verb === "insert") {
    const ref = refs[0];
    const values = calls.find((c) => c.name === "values");
    if (!ref || !values) return [];
    const key = ref.table.tenantColumn;
    const label = chainLabel(ctx.sourceFile, root, [head, values]);
    const isTenantKey = (k: string) => insertTenantColumnsOf(ref.table).some((c) => tenantColumnMatches(k, c));
    const conflict = calls.find((c) => c.name === "onConflict");
    return [
      ...(conflict
        ? kyselyConflict(ctx, ref.table, conflict, chainLabel(ctx.sourceFile, root, [head]), isTenantKey, top, root)
        : []),
      ...insertFindings(
        ctx,
        { table: ref.table, node: head.call, rows: values.args[0], key, isTenantKey, label, keyCertain: true },
        top,
        root,
      ),
    ];
  }
  const joinCalls = calls.filter((c) => c.name in KYSELY_JOINS);
  for (const c of joinCalls) {
    const ref = stringTableRef(ctx, c.args[0], c.call, { kind: KYSELY_JOINS[c.name], on: OTHER });
    if (ref) refs.push(ref);
  }
  if (refs.length === 0) return [];
  // The enclosing query's scoped tables, for the columns a correlated subquery names of them.
  refs.push(...outer.filter((o) => !refs.some((r) => r.qualifier === o.qualifier)));
  const preds = new KyselyPredicates(ctx, refs, verb === "select");
  for (const ref of refs) {
    if (!ref.join) continue;
    const call = joinCalls.find((c) => c.call === ref.node)!;
    ref.join.on =
      call.args.length >= 3
        ? comparisonPred(
            ctx,
            refs,
            stringValue(ctx.ts, call.args[1]),
            "=",
            undefined,
            stringValue(ctx.ts, call.args[2]) ?? "",
          )
        : preds.joinCallback(call.args[1]);
  }
  const where = preds.chainWhere(calls);
  const main = refs[0];
  const column = (ref: TableRef) =>
    ref.qualifier !== ref.table.name || refs.length > 1
      ? `${ref.qualifier}.${ref.table.tenantColumn}`
      : ref.table.tenantColumn;
  const anchor = [...calls].reverse().find((c) => c === head || c.name in KYSELY_JOINS || c.name === "set")!;
  const hasOrWhere = calls.some((c) => /^or/.test(c.name));
  return queryFindings(ctx, top, root, {
    verb,
    refs,
    where,
    label: chainLabel(ctx.sourceFile, root, [head]),
    conjunction: "in its own .where(...) call",
    hint: (ref) =>
      // Joined on the tenant column both rows have; with a hierarchy (tasks by project_id, projects by org_id) a where.
      ref.join && ref !== main && !main.table.owner && ref.table.tenantColumn === main.table.tenantColumn
        ? `.onRef('${column(ref)}', '=', '${column(main)}')`
        : `.where('${column(ref)}', '=', ...)`,
    fix: (ref, verdict) => whereFix(ctx, ref, verdict, column(ref), anchor, top, hasOrWhere),
  });
}

/**
 * `.onConflict((oc) => oc.column('id').doUpdateSet({...}))`, `oc.columns([...])`, with
 * `.where(...)` after `doUpdateSet` filtering the update; `doNothing()` updates nothing and
 * `oc.constraint('name')` names columns the code does not show.
 */
function kyselyConflict(
  ctx: OrmContext,
  table: TableRef["table"],
  conflict: ChainCall,
  label: string,
  isTenantKey: (key: string) => boolean,
  top: ts.CallExpression,
  root: ts.Expression,
): OrmFinding[] {
  const tsm = ctx.ts;
  const fn = conflict.args[0] && skipOuter(tsm, conflict.args[0]);
  if (!fn || !(tsm.isArrowFunction(fn) || tsm.isFunctionExpression(fn))) return [];
  const body = tsBlock(tsm, fn.body) ? returned(tsm, fn.body as ts.Block) : (fn.body as ts.Expression);
  const built = body && skipOuter(tsm, body);
  if (!built || !tsm.isCallExpression(built)) return [];
  const calls = chainOf(tsm, built).calls;
  const update = calls.findIndex((c) => c.name === "doUpdateSet");
  if (update < 0) return [];
  const columns: (string | undefined)[] = [];
  for (const c of calls.slice(0, update)) {
    if (c.name === "column") columns.push(stringValue(tsm, c.args[0]));
    else if (c.name === "columns") {
      const list = c.args[0] && skipOuter(tsm, c.args[0]);
      if (list && tsm.isArrayLiteralExpression(list)) columns.push(...list.elements.map((e) => stringValue(tsm, e)));
      else columns.push(undefined);
    } else if (c.name === "constraint" || c.name === "expression") columns.push(undefined);
  }
  return conflictFindings(
    ctx,
    {
      table,
      node: conflict.call,
      columns: columns.every((n): n is string => n !== undefined) ? columns : undefined,
      wheres: calls.slice(update + 1),
      isTenantKey,
      label: `${label}.onConflict(...)`,
    },
    top,
    root,
  );
}

function whereFix(
  ctx: OrmContext,
  ref: TableRef,
  _verdict: Verdict,
  column: string,
  anchor: ChainCall,
  top: ts.Node,
  hasOrWhere: boolean,
): Fix | undefined {
  if (hasOrWhere || ref.join?.kind === "outer") return undefined; // a where would not close it (OR precedence) or would change the join
  const value = ctx.tenantValueAt(top, ref.table.tenantColumn);
  const call = `.where('${column}', '=', ${value.text})`;
  return { title: `Add ${call}`, edits: [insertAfter(anchor.call, call)], safe: value.resolved };
}

const WHERE_AND = new Set(["where", "whereRef", "having"]);
const WHERE_OR = new Set(["orWhere", "orWhereRef"]);

/** Translates Kysely filters into the shared predicate tree. */
class KyselyPredicates extends ColumnPredicates {
  /** Every `where`/`orWhere`/`$if` of the chain. */
  chainWhere(calls: readonly ChainCall[]): Pred {
    const terms: { or: boolean; pred: Pred }[] = [];
    for (const c of calls) {
      let pred: Pred | undefined;
      if (WHERE_AND.has(c.name) || WHERE_OR.has(c.name))
        pred = c.name.endsWith("Ref") ? this.refComparison(c.args) : this.whereArgs(c.args);
      else if (c.name === "$if" && c.args[1])
        pred = { kind: "weak", item: this.callbackChain(c.args[1]), why: "is added only when $if's condition holds" };
      if (!pred) continue;
      terms.push({
        or: WHERE_OR.has(c.name),
        pred: c.conditional ? { kind: "weak", item: pred, why: c.conditional } : pred,
      });
    }
    return combineTerms(terms);
  }

  /** `db.selectFrom('invoices').select('id').where('tenant_id', '=', t)` given as an `in` value. */
  private subquery(value: ts.Expression): ReturnType<SubqueryReader> {
    const tsm = this.ctx.ts;
    const e = skipOuter(tsm, value);
    if (!tsm.isCallExpression(e)) return undefined;
    const calls = chainOf(tsm, e).calls;
    const from = calls.find((c) => c.name === "selectFrom");
    const parent = from && stringTableRef(this.ctx, from.args[0], from.call);
    const selected = calls.find((c) => c.name === "select")?.args;
    const column = selected?.length === 1 ? stringValue(tsm, selected[0]) : undefined;
    if (!parent || !column) return undefined;
    const where = new KyselyPredicates(this.ctx, [parent]).chainWhere(calls);
    return {
      parent: parent.table,
      column: column.split(".").pop()!,
      scoped: verdicts([parent], where).get(parent)?.kind === "scoped",
    };
  }

  /** `$if(cond, (qb) => qb.where(...))`: the wheres the callback adds. */
  private callbackChain(fn: ts.Expression): Pred {
    const tsm = this.ctx.ts;
    const f = skipOuter(tsm, fn);
    if (!(tsm.isArrowFunction(f) || tsm.isFunctionExpression(f)) || tsBlock(tsm, f.body)) return OTHER;
    const body = skipOuter(tsm, f.body as ts.Expression);
    return tsm.isCallExpression(body) ? this.chainWhere(chainOf(tsm, body).calls) : OTHER;
  }

  private refComparison(args: readonly ts.Expression[]): Pred {
    const tsm = this.ctx.ts;
    return comparisonPred(
      this.ctx,
      this.refs,
      stringValue(tsm, args[0]),
      stringValue(tsm, args[1]) ?? "=",
      undefined,
      stringValue(tsm, args[2]) ?? "",
    );
  }

  whereArgs(args: readonly ts.Expression[]): Pred {
    const tsm = this.ctx.ts;
    if (args.length >= 3) {
      const op = stringValue(tsm, args[1]);
      return op === undefined
        ? OTHER
        : this.cmp(stringValue(tsm, args[0]), op, args[2], undefined, (v) => this.subquery(v));
    }
    return this.expression(args[0], undefined, 0);
  }

  /** `(join) => join.onRef(...).on(...)` */
  joinCallback(fn: ts.Expression | undefined): Pred {
    const tsm = this.ctx.ts;
    const f = fn && skipOuter(tsm, fn);
    if (!f || !(tsm.isArrowFunction(f) || tsm.isFunctionExpression(f)) || tsBlock(tsm, f.body)) return OTHER;
    const body = skipOuter(tsm, f.body as ts.Expression);
    if (!tsm.isCallExpression(body)) return OTHER;
    const terms = chainOf(tsm, body).calls.map((c) => ({
      or: false,
      pred: c.name === "onRef" ? this.refComparison(c.args) : c.name === "on" ? this.whereArgs(c.args) : OTHER,
    }));
    return combineTerms(terms);
  }

  /** An expression-builder expression; `eb` is the callback's parameter name (or destructured helpers). */
  private expression(expr: ts.Expression | undefined, eb: string | undefined, depth: number): Pred {
    const tsm = this.ctx.ts;
    if (!expr || depth > 8) return OTHER;
    const e = skipOuter(tsm, expr);
    if (isUndefinedLike(tsm, e)) return OTHER;
    if (tsm.isArrowFunction(e) || tsm.isFunctionExpression(e)) {
      const p = e.parameters[0];
      const name = p && tsm.isIdentifier(p.name) ? p.name.text : undefined;
      const body = tsBlock(tsm, e.body) ? returned(tsm, e.body as ts.Block) : (e.body as ts.Expression);
      return this.expression(body, name, depth + 1);
    }
    if (tsm.isConditionalExpression(e)) {
      const [a, b] = [e.whenTrue, e.whenFalse];
      if (isUndefinedLike(tsm, a) || isUndefinedLike(tsm, b))
        return {
          kind: "weak",
          item: this.expression(isUndefinedLike(tsm, a) ? b : a, eb, depth + 1),
          why: "is skipped when its condition is false",
        };
      return {
        kind: "or",
        items: [this.expression(a, eb, depth + 1), this.expression(b, eb, depth + 1)],
        why: "is in only one branch of a `? :`",
      };
    }
    if (tsm.isIdentifier(e)) {
      const init = constInitializer(tsm, e);
      return init
        ? this.expression(init, eb, depth + 1)
        : { kind: "dynamic", node: e, why: `is built from \`${e.text}\` at run time` };
    }
    if (tsm.isTaggedTemplateExpression(e)) return rawSqlPred(this.refs, literalText(tsm, e.template) ?? "");
    if (!tsm.isCallExpression(e)) return OTHER;
    const callee = skipOuter(tsm, e.expression);
    const name = tsm.isIdentifier(callee)
      ? callee.text === eb
        ? "eb"
        : callee.text
      : tsm.isPropertyAccessExpression(callee)
        ? callee.name.text
        : "";
    const args = e.arguments;
    switch (name) {
      case "eb":
      case "cmpr":
      case "cmp": {
        const op = stringValue(tsm, args[1]);
        return op === undefined ? OTHER : this.cmp(stringValue(tsm, args[0]), op, args[2], refArgument(tsm, args[2]));
      }
      case "and":
      case "or": {
        const items = this.listItems(e, args[0], eb, depth);
        return name === "and" ? and(items) : { kind: "or", items, why: "is inside eb.or(...)" };
      }
      case "not":
        return { kind: "weak", item: this.expression(args[0], eb, depth + 1), why: "is negated by eb.not(...)" };
      case "exists":
      case "selectFrom":
        return OTHER; // a subquery is checked as its own chain
      default:
        return { kind: "dynamic", node: e, why: `is built by \`${callee.getText(this.ctx.sourceFile)}(...)\`` };
    }
  }

  /** `and([a, b])`, `and(filters)` (a local array and its pushes), `and({ tenant_id: v, id })`. */
  private listItems(
    call: ts.CallExpression,
    arg: ts.Expression | undefined,
    eb: string | undefined,
    depth: number,
  ): Pred[] {
    const tsm = this.ctx.ts;
    const e = arg && skipOuter(tsm, arg);
    if (!e) return [];
    if (tsm.isArrayLiteralExpression(e))
      return e.elements.map((el) => this.expression(tsm.isSpreadElement(el) ? el.expression : el, eb, depth + 1));
    if (tsm.isObjectLiteralExpression(e)) {
      return e.properties.map((p) => {
        const key = propertyKey(tsm, p);
        const value = tsm.isPropertyAssignment(p) ? p.initializer : undefined;
        return key ? this.cmp(key, "=", value) : OTHER;
      });
    }
    if (tsm.isIdentifier(e)) {
      const elements = arrayElements(tsm, e, call);
      if (elements)
        return elements.map((el) =>
          el.conditional
            ? {
                kind: "weak",
                item: this.expression(el.expr, eb, depth + 1),
                why: el.conditional.replace("is added", "is pushed"),
              }
            : this.expression(el.expr, eb, depth + 1),
        );
    }
    return [{ kind: "dynamic", node: e, why: `is built from \`${e.getText(this.ctx.sourceFile)}\` at run time` }];
  }
}

/** `eb.ref('c.tenant_id')` as the right side: a column, not a value. */
function refArgument(tsm: typeof ts, arg: ts.Expression | undefined): string | undefined {
  const e = arg && skipOuter(tsm, arg);
  if (!e || !tsm.isCallExpression(e)) return undefined;
  const callee = e.expression;
  const name = tsm.isPropertyAccessExpression(callee) ? callee.name.text : tsm.isIdentifier(callee) ? callee.text : "";
  return name === "ref" ? stringValue(tsm, e.arguments[0]) : undefined;
}

function tsBlock(tsm: typeof ts, body: ts.Node): boolean {
  return tsm.isBlock(body);
}

function returned(tsm: typeof ts, block: ts.Block): ts.Expression | undefined {
  for (const s of block.statements) if (tsm.isReturnStatement(s)) return s.expression;
  return undefined;
}

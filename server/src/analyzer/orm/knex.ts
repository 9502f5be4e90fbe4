// Knex query builder calls: `knex('orders')` / `knex.from('orders')` / `trx('orders')` chains with
// `where` (object, 2- and 3-argument, callback groups), `orWhere`, `whereIn`, joins, `update`,
// `del`/`delete` and `insert`.
import type ts from "typescript";
import { escapeRegExp } from "../escape-regexp";
import { tenantColumnMatches } from "../model/names";
import { insertTenantColumnsOf, type TenantTable } from "../model/types";
import { callNamesTable } from "../prefilter";
import type { Fix } from "../types";
import { conflictFindings, insertFindings } from "./builder-insert";
import {
  and,
  chainLabel,
  handedTableFinding,
  OTHER,
  queryFindings,
  verdicts,
  type Pred,
  type TableRef,
} from "./builder-scope";
import { isClientOf, isScopedClient, type ClientShape } from "./builder-clients";
import { importsModule, insertAfter, isUndefinedLike, propertyKey, stringValue } from "./builder-syntax";
import {
  chainOf,
  conditionalReason,
  constInitializer,
  parameterOf,
  queryChains,
  skipOuter,
  type ChainCall,
} from "./chain";
import {
  builderTable,
  combineTerms,
  literalText,
  rawSqlPred,
  stringTableRef,
  columnText,
  type SubqueryReader,
  ColumnPredicates,
} from "./string-builder";
import { knexQueries } from "./builder-queries";
import type { OrmContext, OrmFinding, OrmModule } from "./types";

export const KNEX_CLIENT: ClientShape = {
  factories: new Set(["knex", "Knex"]),
  classes: new Set(),
  typeNames: new Set(["Knex", "Knex.Transaction", "Transaction", "QueryBuilder"]),
  typeModule: /knex/i,
};

export const KNEX_TABLE_CALLS = new Set(["", "from", "table", "into"]);
export const NOT_KNEX = new Set(["selectFrom", "updateTable", "deleteFrom", "insertInto", "query", "values"]);
export const KNEX_JOINS: Record<string, "inner" | "outer"> = {
  join: "inner",
  innerJoin: "inner",
  crossJoin: "inner",
  leftJoin: "outer",
  leftOuterJoin: "outer",
  rightJoin: "outer",
  rightOuterJoin: "outer",
  fullOuterJoin: "outer",
};

// `knex(...)`, `(tx || db)(...)`, `.from(...)`, `.join(...)`, typed or not (`db<Row>(...)`): the table as a string
// (group 1), an object (`{ o: 'orders' }`), a constant's member (`TableName.Orders`, read through
// the checker or the file's own enum) or a constant (`TABLE`, `GroupsTableName`): the last three count.
const KNEX_TABLE_CALL =
  /(?:\b(?:knex|db|trx|tx|database)|\)|(?<!\b(?:Buffer|Array)\s*)\.(?:from|table|into|(?:inner|left|right|full|cross)?[jJ]oin))\s*(?:<[^<>()]*>\s*)?\(\s*(?:\{|['"`]([^'"`]*)|[A-Za-z_$][\w$]*\.[A-Za-z_$][\w$]*\s*[),]|[A-Za-z_$][\w$]*\s*[),])/g;

export const knexModule: OrmModule = {
  name: "knex",
  appliesTo: (ctx) =>
    importsModule(ctx.ts, ctx.sourceFile, (m) => m === "knex") ||
    // A knex query starts with a table: `knex('t')`, `db('t')`, `trx.from('t')`, `.into('t')`
    // (a tenant-owned one, or one the text does not spell out: `${schema}.t`, `{ o: 't' }`).
    callNamesTable(ctx.sourceFile.text, KNEX_TABLE_CALL, (name) => {
      const written = name.replace(/\$\{[^}]*\}/g, "").trim();
      if (!written) return name !== ""; // the whole table interpolated: cannot tell
      const table = written.split(/\s+/)[0].split(".").pop()!;
      return !!builderTable(ctx.model, table.replace(/"/g, ""));
    }),
  check(ctx) {
    const out: OrmFinding[] = [];
    const isClient = (e: ts.Expression) => isClientOf(ctx.ts, e, KNEX_CLIENT, ctx.checker);
    for (const chain of queryChains(ctx.ts, ctx.sourceFile, isClient, [KNEX_CLIENT, ctx.checker ?? KNEX_CLIENT])) {
      try {
        if (chain.calls.some((c) => NOT_KNEX.has(c.name)) || !isClient(chain.root) || isScopedClient(ctx, chain.root))
          continue;
        const tableCall = chain.calls.find((c) => KNEX_TABLE_CALLS.has(c.name) && c.args.length > 0);
        if (tableCall) out.push(...knexQuery(ctx, chain.root, chain.top, chain.calls, tableCall));
      } catch {
        // An unrecognised shape is simply not checked.
      }
    }
    return out;
  },
  queries: (ctx) => knexQueries(ctx),
};

function knexQuery(
  ctx: OrmContext,
  root: ts.Expression,
  top: ts.CallExpression,
  calls: ChainCall[],
  tableCall: ChainCall,
): OrmFinding[] {
  // A table no tenant owns may still join one (`db('space_group_access').join('groups', ...)`).
  const main = stringTableRef(ctx, tableCall.args[0], tableCall.call);
  const names = new Set(calls.map((c) => c.name));
  const label = chainLabel(ctx.sourceFile, root, calls.slice(0, calls.indexOf(tableCall) + 1));
  // `db(tableName)` with `tableName` a parameter (infisical's `ormify(db, tableName)`): any table.
  // Only the client called on it (`db(tableName)`): `.from(table)` is Drizzle's too, which reports it itself.
  const handed = !main && tableCall.name === "" && tableCall.args[0] ? skipOuter(ctx.ts, tableCall.args[0]) : undefined;
  if (handed && ctx.ts.isIdentifier(handed) && parameterOf(ctx.ts, handed))
    return handedTableFinding(
      ctx,
      handed,
      calls.filter((c) => /^(?:where|andWhere)$/.test(c.name)),
      { label, node: tableCall.call, top, root },
      (t) => [t.tenantColumn],
      false,
    );
  if (names.has("insert") || names.has("upsert")) {
    if (!main) return [];
    const insert = calls.find((c) => c.name === "insert" || c.name === "upsert")!;
    const key = main.table.tenantColumn;
    const isTenantKey = (k: string) => insertTenantColumnsOf(main.table).some((c) => tenantColumnMatches(k, c));
    return [
      ...knexConflict(ctx, main.table, calls, `${label}.${insert.name}(...)`, isTenantKey, top, root),
      ...insertFindings(
        ctx,
        {
          table: main.table,
          node: tableCall.call,
          rows: insert.args[0],
          key,
          isTenantKey,
          label: `${label}.${insert.name}(...)`,
          keyCertain: true,
        },
        top,
        root,
      ),
    ];
  }
  const verb =
    names.has("update") || names.has("increment") || names.has("decrement")
      ? "update"
      : names.has("del") || names.has("delete")
        ? "delete"
        : "select";
  const refs: TableRef[] = main ? [main] : [];
  const joinCalls = calls.filter((c) => c.name in KNEX_JOINS);
  for (const c of joinCalls) {
    const ref = stringTableRef(ctx, c.args[0], c.call, { kind: KNEX_JOINS[c.name], on: OTHER });
    if (ref) refs.push(ref);
  }
  if (!refs.length) return [];
  // `leftJoin('view as v', ...)` only to drop rows whose view is gone: nothing of it is read.
  if (verb === "select")
    for (const ref of [...refs])
      if (ref !== main && existenceOnlyJoin(ctx, ref, calls, joinCalls)) refs.splice(refs.indexOf(ref), 1);
  if (!refs.length) return [];
  const preds = new KnexPredicates(ctx, refs, verb === "select");
  for (const ref of refs) if (ref.join) ref.join.on = preds.joinOn(joinCalls.find((c) => c.call === ref.node)!.args);
  const where = preds.chain(calls);
  const column = (ref: TableRef) =>
    ref.qualifier !== ref.table.name || refs.length > 1 || joinCalls.length > 0
      ? `${ref.qualifier}.${ref.table.tenantColumn}`
      : ref.table.tenantColumn;
  return queryFindings(ctx, top, root, {
    verb,
    refs,
    where,
    label,
    conjunction: "in its own .where(...), outside any orWhere",
    // Joined on the same tenant column as the base table: equal there. Another level's column
    // (`organization_uuid` beside `project_id`, lightdash) holds another value: a where of its own.
    hint: (ref) =>
      ref.join &&
      main &&
      ref !== main &&
      !main.table.owner &&
      tenantColumnMatches(ref.table.tenantColumn, main.table.tenantColumn)
        ? `.andOn('${column(ref)}', '=', '${column(main)}')`
        : `.where({ ${objectKey(column(ref))}: ... })`,
    fix: (ref) => whereFix(ctx, ref, column(ref), tableCall, calls, top),
  });
}

/**
 * A table joined (inner or left) on its own `id` only to test that a row is there (teable's
 * last-visit lookups: `leftJoin('view as v', ...)` then `whereNotNull('v.id')`): the select list
 * names its columns nowhere, no where, order or group names them but a null test, and its join
 * compares columns only (no value the caller could probe with). It answers whether the row
 * exists, nothing of it, as an existence check does.
 */
function existenceOnlyJoin(
  ctx: OrmContext,
  ref: TableRef,
  calls: readonly ChainCall[],
  joinCalls: readonly ChainCall[],
): boolean {
  const join = joinCalls.find((c) => c.call === ref.node);
  if (!join || !/^(?:join|innerJoin|leftJoin|leftOuterJoin)$/.test(join.name)) return false;
  const q = escapeRegExp(ref.qualifier);
  // Any mention of its columns, in a string or in raw SQL (`whereRaw('lower(v.email) = ?')`).
  // SQL folds case and may quote the name: `"c"."email"`, `C.email` are `c.email` too.
  const column = `(?<![\\w$."])"?${q}"?\\s*\\.`;
  const names = new RegExp(column, "gi");
  const text = (n: ts.Node) => n.getText(ctx.sourceFile);
  // Columns built at run time (`${C}.email`) may name it under any spelling.
  if (calls.some((c) => c !== join && /\$\{/.test(c.args.map(text).join(" ")))) return false;
  // The join: `('v.id', 'ulv.resource_id')`, or a callback of `on`/`andOn` and null tests; its own
  // columns named only as `v.id` (compared with a column) or under a null test (`andOnNull('v.deleted_time')`).
  const on = join.args
    .slice(1)
    .map(text)
    .join(" ")
    .replace(/\b(?:on|andOn|orOn)(?:Not)?Null\(\s*["'`][^"'`]*["'`]\s*\)/g, "");
  const own = on.match(names) ?? [];
  if (
    !new RegExp(`["'\`]${q}\\.id["'\`]`).test(on) ||
    own.length !== (on.match(new RegExp(`${column}\\s*"?id"?(?![\\w$])`, "gi")) ?? []).length ||
    /\b(?:on|andOn|orOn)(?:Val|In|NotIn|Between|Exists)\b|\borOn\b|raw\(|\$\{/.test(on)
  )
    return false;
  const selects = calls.filter((c) => /^(?:select|first|column|columns|distinct|pluck)$/.test(c.name));
  if (!selects.length || selects.some((c) => !c.args.length)) return false;
  for (const c of calls) {
    if (c === join) continue;
    const args = c.args.map(text).join(" ");
    if (selects.includes(c)) {
      // Every column qualified by another table: `'ulv.resource_id'`, `{ resourceId: 'ulv.resource_id' }`.
      const columns = [...args.matchAll(/["'`]([^"'`]*)["'`]/g)].map((m) => m[1]!);
      if (!columns.length || columns.some((col) => !/^\w+\.\w+$/.test(col) || col.startsWith(`${ref.qualifier}.`)))
        return false;
      if (c.args.some((a) => !isLiteralColumns(ctx.ts, a))) return false;
      continue;
    }
    if (!(args.match(names) ?? []).length) continue;
    // `whereNotNull('v.id')`: a column named as written, not raw SQL (`knex.raw('nullif(v.email, ?)')`).
    if (/^(?:whereNull|whereNotNull|andWhereNull|andWhereNotNull)$/.test(c.name)) {
      const [arg] = c.args;
      if (c.args.length !== 1 || !arg || !ctx.ts.isStringLiteral(skipOuter(ctx.ts, arg))) return false;
      continue;
    }
    // Raw SQL that names it only in null tests (`whereRaw('(ulv.resource_id IS NULL OR v.id IS NOT NULL)')`).
    const nullTests = new RegExp(`${column}\\s*"?\\w+"?\\s+IS\\s+(?:NOT\\s+)?NULL\\b`, "gi");
    if (!/^(?:and|or)?[wW]hereRaw$/.test(c.name) || (args.replace(nullTests, "").match(names) ?? []).length)
      return false;
  }
  return true;
}

/** `'ulv.resource_id'`, `{ resourceId: 'ulv.resource_id' }`: columns written out, nothing built at run time. */
function isLiteralColumns(tsm: typeof ts, arg: ts.Expression): boolean {
  const a = skipOuter(tsm, arg);
  if (tsm.isStringLiteral(a) || tsm.isNoSubstitutionTemplateLiteral(a)) return true;
  return (
    tsm.isObjectLiteralExpression(a) &&
    a.properties.every(
      (p) =>
        tsm.isPropertyAssignment(p) &&
        tsm.isIdentifier(p.name) &&
        (tsm.isStringLiteral(skipOuter(tsm, p.initializer)) ||
          tsm.isNoSubstitutionTemplateLiteral(skipOuter(tsm, p.initializer))),
    )
  );
}

/** `.onConflict('id').merge()` (and `.merge().where(...)`): the upsert's conflict target and the where filtering its update. */
function knexConflict(
  ctx: OrmContext,
  table: TenantTable,
  calls: readonly ChainCall[],
  label: string,
  isTenantKey: (key: string) => boolean,
  top: ts.CallExpression,
  root: ts.Expression,
): OrmFinding[] {
  const at = calls.findIndex((c) => c.name === "onConflict");
  const merge = calls.findIndex((c, i) => i > at && c.name === "merge");
  if (at < 0 || merge < 0) return [];
  const conflict = calls[at];
  const target = conflict.args[0] && skipOuter(ctx.ts, conflict.args[0]);
  const names = !target
    ? undefined
    : ctx.ts.isArrayLiteralExpression(target)
      ? target.elements.map((e) => stringValue(ctx.ts, e))
      : [stringValue(ctx.ts, target)];
  const columns = names?.every((n): n is string => n !== undefined) ? names : undefined;
  return conflictFindings(
    ctx,
    {
      table,
      node: conflict.call,
      columns,
      wheres: calls.slice(merge + 1),
      isTenantKey,
      label: `${label}.onConflict(...)`,
    },
    top,
    root,
  );
}

function objectKey(column: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(column) ? column : `'${column}'`;
}

/**
 * `.where({ tenant_id: v })` after the table call. With a top-level `orWhere`, AND binds tighter
 * than OR, so the existing where calls are grouped first: `.where({ tenant_id: v }).where((q) =>
 * q.where(a).orWhere(b))` (when they are contiguous in one expression; else no fix).
 */
function whereFix(
  ctx: OrmContext,
  ref: TableRef,
  column: string,
  tableCall: ChainCall,
  calls: readonly ChainCall[],
  top: ts.Node,
): Fix | undefined {
  if (ref.join?.kind === "outer") return undefined; // a where on the joined table would turn the outer join inner
  const value = ctx.tenantValueAt(top, ref.table.tenantColumn);
  const call = `.where({ ${objectKey(column)}: ${value.text} })`;
  if (!calls.some((c) => /^or[A-Z]/.test(c.name)))
    return { title: `Add ${call}`, edits: [insertAfter(tableCall.call, call)], safe: value.resolved };
  const indexes = calls.map((c, i) => (/^(or|and)?[wW]here/.test(c.name) ? i : -1)).filter((i) => i >= 0);
  const [first, last] = [indexes[0], indexes[indexes.length - 1]];
  const group = calls.slice(first, last + 1);
  if (group.length !== indexes.length || group.some((c) => c.conditional || c.call.getSourceFile() !== ctx.sourceFile))
    return undefined;
  const firstCallee = group[0].call.expression;
  if (!ctx.ts.isPropertyAccessExpression(firstCallee) || !isInside(group[group.length - 1].call, top)) return undefined;
  const start = firstCallee.expression.getEnd();
  const end = group[group.length - 1].call.getEnd();
  const segment = ctx.sourceFile.text.slice(start, end);
  const newText = `${call}.where((q) => q${segment.replace(/^\s+/, "")})`;
  return { title: `Add ${call} and group the orWhere`, edits: [{ start, end, newText }], safe: value.resolved };
}

function isInside(node: ts.Node, outer: ts.Node): boolean {
  return node.pos >= outer.pos && node.end <= outer.end;
}

/** Translates Knex filters into the shared predicate tree. */
class KnexPredicates extends ColumnPredicates {
  /** The chain's where-family calls with SQL precedence (`where(a).orWhere(b)` is `a OR b`). */
  chain(calls: readonly ChainCall[]): Pred {
    const terms: { or: boolean; pred: Pred }[] = [];
    // `if (ids.length) q.whereIn(col, ids) else q.where(col, id)`: one of the two always runs.
    const paired = calls.some((c) => /^or[A-Z]/.test(c.name)) ? undefined : new Map<ts.IfStatement, Pred[][]>();
    for (const c of calls) {
      // `q.clearWhere()` drops every where before it (when it runs at all, some of them).
      if (
        c.name === "clearWhere" ||
        (c.name === "clear" && c.args[0] && /^["'`]where["'`]$/.test(c.args[0].getText(this.ctx.sourceFile)))
      ) {
        if (!c.conditional) {
          terms.length = 0;
          paired?.clear();
        } else terms.push({ or: false, pred: { kind: "weak", item: OTHER, why: c.conditional } });
        continue;
      }
      const pred =
        c.name === "modify"
          ? this.group(c.args[0])
          : /^(or|and)?[wW]here/.test(c.name)
            ? this.whereCall(c.name, c.args)
            : undefined;
      if (!pred) continue;
      if (paired && c.branch) {
        const sides = paired.get(c.branch.of) ?? [[], []];
        paired.set(c.branch.of, sides);
        sides[c.branch.then ? 0 : 1]!.push(pred);
        continue;
      }
      terms.push({
        or: /^or[A-Z]/.test(c.name),
        pred: c.conditional ? { kind: "weak", item: pred, why: c.conditional } : pred,
      });
    }
    for (const [, [then, otherwise]] of paired ?? []) {
      const why = "is added only when an `if` branch runs";
      if (then!.length && otherwise!.length)
        terms.push({ or: false, pred: { kind: "or", items: [and(then!), and(otherwise!)], why } });
      else
        for (const pred of [...then!, ...otherwise!])
          terms.push({ or: false, pred: { kind: "weak", item: pred, why } });
    }
    return combineTerms(terms);
  }

  private whereCall(name: string, args: readonly ts.Expression[]): Pred {
    const tsm = this.ctx.ts;
    const base = name.replace(/^(or|and)(?=[A-Z])/, "").replace(/^W/, "w");
    const col = columnText(this.ctx, args[0]);
    switch (base) {
      case "where":
        if (args.length >= 3) return this.cmp(col, stringValue(tsm, args[1]) ?? "?", args[2]);
        if (args.length === 2 && col !== undefined) {
          const v = skipOuter(tsm, args[1]);
          return v.kind === tsm.SyntaxKind.NullKeyword ? this.cmp(col, "is", v) : this.cmp(col, "=", args[1]);
        }
        return this.single(args[0], 0);
      case "whereIn":
        return this.cmp(col, "in", args[1], undefined, (v) => this.subquery(v));
      case "whereNot":
      case "whereNotIn":
        return {
          kind: "weak",
          item: this.whereCall(base === "whereNot" ? "where" : "whereIn", args),
          why: `is negated by ${name}(...)`,
        };
      case "whereNull":
        return this.cmp(col, "is", tsm.factory.createNull());
      case "whereRaw":
        return rawSqlPred(this.refs, (args[0] && literalText(tsm, args[0])) ?? "");
      case "whereExists":
      case "whereNotExists":
        return OTHER;
      default:
        return col !== undefined ? this.cmp(col, base, undefined) : OTHER;
    }
  }

  /** `knex('invoices').select('id').where('tenant_id', t)` (or `knex.select('id').from(...)`) given as a `whereIn` value. */
  private subquery(value: ts.Expression): ReturnType<SubqueryReader> {
    const tsm = this.ctx.ts;
    const e = skipOuter(tsm, value);
    if (!tsm.isCallExpression(e)) return undefined;
    const calls = chainOf(tsm, e).calls;
    const tableCall = calls.find((c) => KNEX_TABLE_CALLS.has(c.name) && c.args.length > 0);
    const parent = tableCall && stringTableRef(this.ctx, tableCall.args[0], tableCall.call);
    const selected = calls.find((c) => c.name === "select" || c.name === "pluck" || c.name === "column")?.args;
    const column = selected?.length === 1 ? stringValue(tsm, selected[0]) : undefined;
    if (!parent || !column) return undefined;
    const where = new KnexPredicates(this.ctx, [parent]).chain(calls);
    return {
      parent: parent.table,
      column: column.split(".").pop()!,
      scoped: verdicts([parent], where).get(parent)?.kind === "scoped",
    };
  }

  /** The one-argument `where(x)`: an object, a callback group, a `knex.raw`, a variable. */
  private single(arg: ts.Expression | undefined, depth: number): Pred {
    const tsm = this.ctx.ts;
    if (!arg || depth > 6) return OTHER;
    const e = skipOuter(tsm, arg);
    if (isUndefinedLike(tsm, e)) return OTHER;
    if (tsm.isObjectLiteralExpression(e)) {
      // `{ projectId, ...filter }`: a spread after a property may replace it.
      const lastSpread = e.properties.map((p) => tsm.isSpreadAssignment(p)).lastIndexOf(true);
      return and(
        e.properties.map((p, i) => {
          if (tsm.isSpreadAssignment(p) || i < lastSpread)
            return {
              kind: "dynamic",
              node: p,
              why: `spreads \`${(e.properties[lastSpread] as ts.SpreadAssignment).expression.getText(this.ctx.sourceFile)}\` into it${tsm.isSpreadAssignment(p) ? "" : ", which may replace the properties before it"}`,
            };
          const key = propertyKey(tsm, p);
          const value = tsm.isPropertyAssignment(p) ? p.initializer : undefined;
          if (value && skipOuter(tsm, value).kind === tsm.SyntaxKind.NullKeyword) return this.cmp(key, "is", value);
          return key ? this.cmp(key, "=", value) : OTHER;
        }),
      );
    }
    if (tsm.isArrowFunction(e) || tsm.isFunctionExpression(e)) return this.group(e);
    if (tsm.isConditionalExpression(e)) {
      const [a, b] = [e.whenTrue, e.whenFalse];
      if (isUndefinedLike(tsm, a) || isUndefinedLike(tsm, b) || isEmptyObject(tsm, a) || isEmptyObject(tsm, b)) {
        const kept = isUndefinedLike(tsm, a) || isEmptyObject(tsm, a) ? b : a;
        return { kind: "weak", item: this.single(kept, depth + 1), why: "is skipped when its condition is false" };
      }
      return {
        kind: "or",
        items: [this.single(a, depth + 1), this.single(b, depth + 1)],
        why: "is in only one branch of a `? :`",
      };
    }
    if (tsm.isIdentifier(e)) {
      const init = constInitializer(tsm, e);
      return init
        ? this.single(init, depth + 1)
        : { kind: "dynamic", node: e, why: `is built from \`${e.text}\` at run time` };
    }
    if (tsm.isCallExpression(e) && tsm.isPropertyAccessExpression(e.expression) && e.expression.name.text === "raw")
      return rawSqlPred(this.refs, (e.arguments[0] && literalText(tsm, e.arguments[0])) ?? "");
    if (tsm.isCallExpression(e))
      return { kind: "dynamic", node: e, why: `is built by \`${e.expression.getText(this.ctx.sourceFile)}(...)\`` };
    return OTHER;
  }

  /** `where((q) => q.where(...).orWhere(...))`, `where(function () { this.where(...) })`, `modify((qb) => { if (x) qb.where(...) })`. */
  group(fn: ts.Expression | undefined): Pred {
    const tsm = this.ctx.ts;
    const f = fn && skipOuter(tsm, fn);
    if (!f || !(tsm.isArrowFunction(f) || tsm.isFunctionExpression(f))) return OTHER;
    const p = f.parameters[0];
    const self = p && tsm.isIdentifier(p.name) ? p.name.text : "this";
    const calls: ChainCall[] = [];
    const take = (expr: ts.Expression, conditional?: string) => {
      const e = skipOuter(tsm, expr);
      if (!tsm.isCallExpression(e)) return;
      const chain = chainOf(tsm, e);
      if (chain.root.getText(this.ctx.sourceFile) !== self) return;
      for (const c of chain.calls) calls.push(conditional ? { ...c, conditional } : c);
    };
    if (!tsm.isBlock(f.body)) take(f.body);
    else {
      const visit = (node: ts.Node): void => {
        if (tsm.isFunctionLike(node)) return;
        if (tsm.isExpressionStatement(node)) take(node.expression, conditionalReason(tsm, node, f.body));
        else if (tsm.isReturnStatement(node) && node.expression)
          take(node.expression, conditionalReason(tsm, node, f.body));
        else tsm.forEachChild(node, visit);
      };
      tsm.forEachChild(f.body, visit);
    }
    return this.chain(calls);
  }

  /** A join's condition: `('c.id', 'o.customer_id')`, `('c.id', '=', 'o.customer_id')` or a callback of `on`/`andOn`/`onVal`. */
  joinOn(args: readonly ts.Expression[]): Pred {
    const tsm = this.ctx.ts;
    if (args.length >= 3) {
      const [a, op, b] =
        args.length >= 4 ? [args[1], stringValue(tsm, args[2]) ?? "=", args[3]] : [args[1], "=", args[2]];
      return this.cmp(columnText(this.ctx, a), op, undefined, columnText(this.ctx, b) ?? "");
    }
    const f = args[1] && skipOuter(tsm, args[1]);
    if (!f || !(tsm.isArrowFunction(f) || tsm.isFunctionExpression(f))) return OTHER;
    const body = tsm.isBlock(f.body) ? f.body.statements.find(tsm.isExpressionStatement)?.expression : f.body;
    const e = body && skipOuter(tsm, body);
    if (!e || !tsm.isCallExpression(e)) return OTHER;
    const terms = chainOf(tsm, e).calls.map((c) => {
      const base = c.name.replace(/^(or|and)(?=[A-Z])/, "").replace(/^O/, "o");
      const three = c.args.length >= 3;
      const [a, op, b] = three
        ? [c.args[0], stringValue(tsm, c.args[1]) ?? "=", c.args[2]]
        : [c.args[0], "=", c.args[1]];
      let pred: Pred = OTHER;
      if (base === "on") pred = this.cmp(columnText(this.ctx, a), op, undefined, columnText(this.ctx, b) ?? "");
      else if (base === "onVal") pred = this.cmp(columnText(this.ctx, a), op, b);
      else if (base === "onIn") pred = this.cmp(columnText(this.ctx, a), "in", c.args[1]);
      return { or: /^or[A-Z]/.test(c.name), pred };
    });
    return combineTerms(terms);
  }
}

function isEmptyObject(tsm: typeof ts, e: ts.Expression): boolean {
  const x = skipOuter(tsm, e);
  return tsm.isObjectLiteralExpression(x) && x.properties.length === 0;
}

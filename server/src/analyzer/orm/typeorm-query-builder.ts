// TypeORM query builders: `repo.createQueryBuilder("o").where(...).andWhere(...).getMany()`,
// also continued through a variable (`const qb = ...; if (x) qb.andWhere(...); qb.getMany()`).
// The where conditions are SQL fragments, so they go through the SQL scope checker as
// `SELECT 1 FROM <table> "<alias>" WHERE <where> AND <andWhere> OR <orWhere>`: TypeORM joins
// string conditions without parentheses, so `.where("a OR b").andWhere(t)` is `a OR (b AND t)`.
import type ts from "typescript";
import { isReservedWord } from "../sql/ast";
import { ClauseTokens } from "../sql/clauses";
import { checkSqlScoping } from "../sql/scope";
import type { SqlParser } from "../sql/parse";
import type { Fix, RuleId } from "../types";
import { ownedThroughAdvice } from "../model/types";
import {
  addPropertyEdit,
  evaluateWhere,
  propertyText,
  resolveConst,
  setsField,
  skipOuter,
  writtenObjects,
} from "./object-where";
import { tenantFields, typeormDialect } from "./typeorm-where";
import { entityArgument, repositoryEntity, typeormEntity, type EntityTarget } from "./typeorm-receivers";
import { builderCalls, TERMINALS, type ChainCall } from "./typeorm-builder-chain";
import { addingConditions, runningCallers } from "./typeorm-builder-handoffs";
import type { OrmContext, OrmFinding } from "./types";

const WHERES = new Set(["where", "andWhere", "orWhere", "whereInIds", "andWhereInIds", "orWhereInIds"]);

/** Checks the builder started by a `createQueryBuilder(...)` call. */
export function checkQueryBuilder(
  ctx: OrmContext,
  start: ts.CallExpression,
  /** `repo.createQueryBuilder`; none for TypeORM 0.2's `createQueryBuilder(Entity, "e")` imported from typeorm. */
  callee: ts.PropertyAccessExpression | undefined,
): OrmFinding[] {
  const { ts: tsm } = ctx;
  const handed: ts.Identifier[] = [];
  const calls = builderCalls(ctx, start, handed);
  const handedTo = addingConditions(ctx, handed, calls);
  let target: EntityTarget | undefined;
  let alias: string | undefined;
  let named: ts.CallExpression = start;
  const [a0, a1] = start.arguments;
  // `repo.createQueryBuilder("chat_flow")`, `Order.createQueryBuilder("o")`: the argument is the alias,
  // even when it spells the table; `manager.createQueryBuilder(Order, "o")` names the entity first.
  const receiver = callee && skipOuter(tsm, callee.expression);
  const own =
    callee &&
    ((receiver && tsm.isIdentifier(receiver) ? typeormEntity(ctx, receiver.text) : undefined) ??
      repositoryEntity(ctx, callee.expression));
  if (own) [target, alias] = [own, a0 && literal(tsm, a0)];
  else {
    const byArgument = entityArgument(ctx, a0);
    if (byArgument) [target, alias] = [byArgument, a1 && literal(tsm, a1)];
  }
  // `dataSource.createQueryBuilder().from(Order, "o")`, `.update(Order)`, `.delete().from(Order)`, `.insert().into(Order)`.
  for (const c of calls) {
    if (target) break;
    if (c.method === "from" || c.method === "update" || c.method === "into" || c.method === "softDelete") {
      const hit = entityArgument(ctx, c.call.arguments[0]);
      if (hit) [target, alias, named] = [hit, c.call.arguments[1] && literal(tsm, c.call.arguments[1]), c.call];
    }
  }
  if (!target) return [];
  alias ??= target.name;
  if (!calls.some((c) => TERMINALS.has(c.method))) {
    // Built and returned by a helper: judged at each call of it in this file that runs it, with
    // the conditions that call adds. A builder handed on any other way is judged nowhere here.
    ctx.judged?.handedOn?.add(start);
    const out: OrmFinding[] = [];
    for (const run of runningCallers(ctx, start, calls))
      out.push(...judge(ctx, [...calls, ...run.calls], target, alias, run.call, [...handedTo, ...run.handedTo]));
    return out;
  }
  return judge(ctx, calls, target, alias, named, handedTo);
}

function judge(
  ctx: OrmContext,
  calls: ChainCall[],
  target: EntityTarget,
  alias: string,
  named: ts.CallExpression,
  /** Calls the builder was handed to: they may add conditions this check cannot see. */
  handedTo: readonly ts.CallExpression[] = [],
): OrmFinding[] {
  if (!calls.some((c) => TERMINALS.has(c.method))) return [];
  const kind = calls.some((c) => c.method === "insert")
    ? "insert"
    : calls.some((c) => c.method === "update")
      ? "update"
      : calls.some((c) => ["delete", "softDelete", "restore"].includes(c.method))
        ? "delete"
        : "read";
  if (kind === "insert") return insertValues(ctx, calls, target, named);
  return checkConditions(ctx, ctx.parser, calls, target, alias, named, kind, handedTo);
}

function checkConditions(
  ctx: OrmContext,
  parser: SqlParser,
  calls: ChainCall[],
  target: EntityTarget,
  alias: string,
  named: ts.CallExpression,
  kind: "read" | "update" | "delete",
  handedTo: readonly ts.CallExpression[] = [],
): OrmFinding[] {
  // TypeORM writes an update or a delete without its joins: only a read is filtered by them.
  const joins = kind === "read" ? innerJoins(ctx, calls, target, alias) : [];
  const all = whereClauses(ctx, calls, target, alias, true, joins);
  const certain = whereClauses(ctx, calls, target, alias, false, joins);
  const table = target.table;
  const issue = sqlIssue(parser, ctx, target, alias, certain, joins);
  if (!issue) return [];
  // `this.applyFilters(query, filter)`: conditions may be added where tenantguard does not look.
  if (handedTo.length) {
    const via = handedTo[0]!.expression.getText(ctx.sourceFile).replace(/\s+/g, " ");
    return [
      {
        ruleId: "dynamic-sql",
        start: spanStart(ctx, named),
        end: named.getEnd(),
        message: `This query builder on "${target.table.name}" is handed to \`${via}(...)\`, which may add its conditions, so tenantguard cannot tell whether it holds the tenant predicate. Add the tenant condition where the builder is made, or where it runs.`,
        fixes: [],
        table: target.table.name,
        call: named,
        identity: `dynamic-sql|${target.table.name}|${named.getText(ctx.sourceFile).replace(/\s+/g, " ")}|handed`,
      },
    ];
  }
  const tenant = tenantFields(table, target.entity);
  const field = tenant.primary;
  const where = `${alias}.${field} = :${field}`;
  const base = {
    table: table.name,
    call: named,
    identity: `${table.name}|${named.getText(ctx.sourceFile).replace(/\s+/g, " ")}|${calls.map((c) => c.method).join(".")}`,
  };
  const span = { start: spanStart(ctx, named), end: named.getEnd() };
  const make = (ruleId: RuleId, message: string, fixes: Fix[] = []): OrmFinding[] => [
    { ruleId, ...span, message, fixes, ...base, identity: `${ruleId}|${base.identity}` },
  ];
  if (
    issue.ruleId === "missing-tenant-filter" &&
    certain.length !== all.length &&
    !sqlIssue(parser, ctx, target, alias, all, joins)
  ) {
    return make(
      "weak-tenant-filter",
      `The tenant predicate of this query builder on "${table.name}" is added only under a condition (inside an if or a loop): some queries run without it. Add .andWhere("${where}", ...) unconditionally.`,
    );
  }
  if (issue.ruleId === "weak-tenant-filter") {
    const reason = calls.some((c) => c.method.startsWith("or"))
      ? "is combined with orWhere, so rows matching the other condition leak"
      : issue.reason;
    return make(
      "weak-tenant-filter",
      `The tenant predicate of this query builder on "${table.name}" ${reason}: it does not hold for every row. Require "${where}" as a top-level AND condition (andWhere, never orWhere).`,
    );
  }
  if (issue.ruleId === "dynamic-sql") {
    return make(
      "dynamic-sql",
      `A where condition of this query builder on "${table.name}" is built at run time (a variable, or a callback that branches or calls something besides where, andWhere and orWhere), so tenantguard cannot tell whether it holds the tenant predicate. Add .andWhere("${where}", ...) as a string.`,
    );
  }
  const verb = kind === "update" ? "updates" : kind === "delete" ? "deletes from" : "reads";
  const effect =
    kind === "update"
      ? "it changes every tenant's matching rows"
      : kind === "delete"
        ? "it removes every tenant's matching rows"
        : "it returns every tenant's rows";
  // Owned through its parent: no tenant column of its own to add; say how to reach a scoped parent.
  if (table.owner)
    return make(
      "missing-tenant-filter",
      `This query builder ${verb} "${table.name}" without tying it to a tenant: ${effect}. ${ownedThroughAdvice(ctx.model, { ...table, owner: table.owner })}.`,
    );
  const value = ctx.tenantValueAt(named, tenant.valueName);
  const terminal = [...calls].reverse().find((c) => TERMINALS.has(c.method))!;
  const at = (terminal.call.expression as ts.PropertyAccessExpression).expression.getEnd();
  const fix: Fix = {
    title: `Add .andWhere("${where}")`,
    edits: [{ start: at, end: at, newText: `.andWhere("${where}", { ${propertyText(field, value.text)} })` }],
    safe: value.resolved,
  };
  return make(
    "missing-tenant-filter",
    `This query builder ${verb} "${table.name}" without a tenant predicate: ${effect}. Add .andWhere("${where}", { ${field} }).`,
    [fix],
  );
}

/** `.insert().into(Order).values({...} | [...])`: every row must set the tenant field. */
function insertValues(
  ctx: OrmContext,
  calls: ChainCall[],
  target: EntityTarget,
  named: ts.CallExpression,
): OrmFinding[] {
  const { ts: tsm, sourceFile } = ctx;
  const values = calls.find((c) => c.method === "values");
  const data = values?.call.arguments[0];
  if (!values || !data) return [];
  const keys = tenantFields(target.table, target.entity);
  const rows = writtenObjects(tsm, data);
  const out: OrmFinding[] = [];
  for (const row of rows) {
    const object = resolveConst(tsm, row);
    if (!tsm.isObjectLiteralExpression(object) || setsField(tsm, object, (k) => keys.all.has(k)) !== "no") continue;
    const value = ctx.tenantValueAt(named, keys.valueName);
    out.push({
      ruleId: "missing-tenant-on-insert",
      start: (values.call.expression as ts.PropertyAccessExpression).name.getStart(sourceFile),
      end: values.call.getEnd(),
      message: `This query builder inserts a "${target.table.name}" row without ${keys.primary}: the row is stored without an owning tenant. Add ${keys.primary} to the values.`,
      table: target.table.name,
      fixes: [
        {
          title: `Add ${keys.primary} to the values`,
          edits: [addPropertyEdit(tsm, sourceFile, object, keys.property(value.text))],
          safe: value.resolved,
        },
      ],
      call: named,
      identity: `missing-tenant-on-insert|${target.table.name}|${values.call.getText(sourceFile).replace(/\s+/g, " ")}`,
    });
  }
  return out;
}

/** The SQL the builder's where conditions make, in the order TypeORM joins them. */
function whereClauses(
  ctx: OrmContext,
  calls: ChainCall[],
  target: EntityTarget,
  alias: string,
  withConditional: boolean,
  joins: readonly BuilderJoin[] = [],
): string[] {
  const { ts: tsm } = ctx;
  let clauses: string[] = [];
  let params = 0;
  const param = () => `$${++params}`;
  const column = columnOf(target, alias);
  const joined = new Map(joins.map((j) => [j.alias, columnOf(j.target, j.alias)]));
  // `${query.alias}`, `${qb.alias}`: the alias of this builder, by the names it is called through.
  const own = new Set<string>();
  for (const c of calls) {
    const receiver = tsm.isPropertyAccessExpression(c.call.expression) && skipOuter(tsm, c.call.expression.expression);
    if (receiver && tsm.isIdentifier(receiver)) own.add(receiver.text);
  }
  const add = (method: string, arg: ts.Expression | undefined): void => {
    let text: string;
    if (method.endsWith("InIds")) text = `${column(target.entity.uniques?.[0]?.[0] ?? "id")} = ${param()}`;
    else if (!arg) return;
    else {
      // `where((qb) => { qb.andWhere(a); qb.orWhere(b); })`: TypeORM hands the callback this builder,
      // so its calls join the builder's own conditions in order (only Brackets group them).
      const inner = plainCallback(tsm, arg);
      const innerCalls = inner && callbackCalls(tsm, inner);
      if (innerCalls) {
        if (method === "where") clauses = [];
        own.add(inner.parameters[0]!.name.getText());
        for (const ic of innerCalls) add(ic.method, ic.arg);
        return;
      }
      text = conditionSql(ctx, arg, target, alias, column, param, own, joined);
    }
    const op = method.startsWith("or") ? "OR" : "AND";
    if (method === "where" || method === "whereInIds") clauses = [text];
    else clauses.push(clauses.length ? `${op} ${text}` : text);
  };
  for (const c of calls) {
    if (!WHERES.has(c.method) || (c.conditional && !withConditional)) continue;
    add(c.method, c.call.arguments[0]);
  }
  return clauses;
}

/** One where argument as SQL: a string condition rewritten to columns and `$n`, an object where, or an opaque `$n`. */
function conditionSql(
  ctx: OrmContext,
  arg: ts.Expression,
  target: EntityTarget,
  alias: string,
  column: (prop: string) => string,
  param: () => string,
  /** The names the builder is reached by (its variable, a callback's parameter): `${name.alias}` is its alias. */
  own: ReadonlySet<string>,
  /** Joined entities' aliases, and how each writes its columns. */
  joined: ReadonlyMap<string, (prop: string) => string> = new Map(),
): string {
  const { ts: tsm } = ctx;
  const node = resolveConst(tsm, arg);
  if (tsm.isObjectLiteralExpression(node) || tsm.isArrayLiteralExpression(node)) {
    const verdict = evaluateWhere(node, typeormDialect(ctx, target.table, target.entity));
    const tenant = column(tenantFields(target.table, target.entity).primary);
    if (verdict.kind === "scoped" || verdict.kind === "shared") return `${tenant} = ${param()}`;
    if (verdict.kind === "weak") return `(${tenant} = ${param()} OR ${param()} IS NULL)`;
    return verdict.kind === "missing" ? "TRUE" : param();
  }
  let text: string;
  if (tsm.isStringLiteral(node) || tsm.isNoSubstitutionTemplateLiteral(node)) text = node.text;
  else if (tsm.isTemplateExpression(node))
    // `"${qb.alias}"."tenantId"`: the builder's alias, as TypeORM fills it in.
    text =
      node.head.text +
      node.templateSpans
        .map((s) => {
          const hole = skipOuter(tsm, s.expression);
          const isAlias =
            tsm.isPropertyAccessExpression(hole) &&
            hole.name.text === "alias" &&
            tsm.isIdentifier(hole.expression) &&
            own.has(hole.expression.text);
          return `${isAlias ? alias : ":__hole"}${s.literal.text}`;
        })
        .join("");
  else {
    // `where((qb) => { qb.andWhere(...) })`, `new Brackets((qb) => ...)`: the conditions it adds, grouped.
    const grouped = bracketsSql(
      ctx,
      node,
      (a, names) => conditionSql(ctx, a, target, alias, column, param, names, joined),
      own,
    );
    return grouped ?? param(); // a value built elsewhere
  }
  // `:name` and `:...names` are TypeORM parameters; `::uuid` is a cast. String literals are left alone.
  // TypeORM quotes the aliases it fills in: `user.status` of a join aliased `user` (a reserved word) runs.
  const rewritten = text
    .split(/('(?:[^']|'')*')/)
    .map((part, i) =>
      i % 2
        ? part
        : part
            .replace(/(?<![:\w]):(?:\.\.\.)?[A-Za-z_]\w*/g, () => param())
            .replace(/(?<![\w."$])([A-Za-z_]+)(?=\.[A-Za-z_"])/g, (word: string) =>
              isReservedWord(word) ? `"${word}"` : word,
            ),
    )
    .join("");
  // No parentheses: TypeORM joins string conditions as written (QueryBuilder.createWhereClausesExpression).
  let out = rewritten;
  for (const [name, columnFn] of [[alias, column] as const, ...joined]) {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    out = out.replace(
      new RegExp(`(?<![\\w."])"?${escaped}"?\\.(?:"([^"]+)"|([A-Za-z_]\\w*))`, "g"),
      (_m, quoted: string | undefined, bare: string | undefined) => columnFn(quoted ?? bare!),
    );
  }
  return out;
}

/** How TypeORM writes `alias.property`: the column, and for a relation its join column. */
function columnOf(target: EntityTarget, alias: string): (prop: string) => string {
  const quotedAlias = `"${alias.replace(/"/g, '""')}"`;
  const joinColumn = (prop: string) => target.entity.relations?.find((r) => r.field === prop)?.fields?.[0];
  return (prop) => {
    const name = target.entity.fields[prop] ?? target.entity.fields[joinColumn(prop) ?? ""] ?? joinColumn(prop) ?? prop;
    return `${quotedAlias}."${name.replace(/"/g, '""')}"`;
  };
}

/** An inner join of the builder to an entity the model knows, with its ON condition as SQL. */
interface BuilderJoin {
  alias: string;
  target: EntityTarget;
  on: string;
}

const INNER_JOINS = /^innerJoin(?:AndSelect|AndMapOne|AndMapMany)?$/;

/**
 * `.innerJoin(GroupPermissions, "group", "group.id = groupUser.groupId")`, `.innerJoin("apps",
 * "a", ...)`, `.innerJoin("groupUser.group", "group")` (a relation path: joined on its key): the
 * joins that keep only rows with a match, so a scoped parent scopes the rows owned through it.
 * Left joins keep the rest, and joins under a condition may not run: neither is read.
 */
function innerJoins(ctx: OrmContext, calls: readonly ChainCall[], target: EntityTarget, alias: string): BuilderJoin[] {
  const { ts: tsm } = ctx;
  const out: BuilderJoin[] = [];
  const own = new Set<string>();
  let params = 100;
  const param = () => `$${++params}`;
  for (const c of calls) {
    if (c.conditional || !INNER_JOINS.test(c.method)) continue;
    const [what, aliasArg, condition] = c.call.arguments;
    const joinAlias = aliasArg && literal(tsm, aliasArg);
    if (!what || !joinAlias) continue;
    const path = literal(tsm, what);
    const relation = path?.startsWith(`${alias}.`)
      ? target.entity.relations?.find((r) => r.field === path.slice(alias.length + 1))
      : undefined;
    const joined = relation ? typeormEntity(ctx, relation.target) : entityArgument(ctx, what);
    if (!joined) continue;
    const conditions: string[] = [];
    if (relation) conditions.push(`${columnOf(target, alias)(relation.field)} = ${columnOf(joined, joinAlias)("id")}`);
    const others = new Map([
      ...out.map((j) => [j.alias, columnOf(j.target, j.alias)] as const),
      [joinAlias, columnOf(joined, joinAlias)],
    ]);
    if (condition)
      conditions.push(conditionSql(ctx, condition, target, alias, columnOf(target, alias), param, own, others));
    out.push({ alias: joinAlias, target: joined, on: conditions.length ? conditions.join(" AND ") : "TRUE" });
  }
  return out;
}

/**
 * `new Brackets((qb) => { qb.where(a).orWhere(b) })` (or `NotBrackets`): the conditions it adds to
 * the builder it is handed, as one parenthesised SQL condition; undefined for anything else, or a
 * body that does anything but add conditions (a branch, a loop).
 */
function bracketsSql(
  ctx: OrmContext,
  node: ts.Expression,
  condition: (arg: ts.Expression, own: ReadonlySet<string>) => string,
  own: ReadonlySet<string>,
): string | undefined {
  const { ts: tsm } = ctx;
  if (!tsm.isNewExpression(node) || !tsm.isIdentifier(node.expression)) return undefined;
  if (!/^(?:Not)?Brackets$/.test(node.expression.text)) return undefined;
  const fn = node.arguments?.[0] && plainCallback(tsm, node.arguments[0]);
  const calls = fn && callbackCalls(tsm, fn);
  if (!calls) return undefined;
  const names = new Set([...own, fn.parameters[0]!.name.getText()]);
  const clauses: string[] = [];
  for (const { method, arg } of calls) {
    const text = condition(arg, names);
    if (method === "where" || !clauses.length) clauses.splice(0, clauses.length, text);
    else clauses.push(`${method === "orWhere" ? "OR" : "AND"} ${text}`);
  }
  // An empty group adds no condition (TypeORM leaves it out).
  if (!clauses.length) return "TRUE";
  return `${node.expression.text === "NotBrackets" ? "NOT " : ""}(${clauses.join(" ")})`;
}

/** `(qb) => ...` or `function (qb) {...}` with one plain parameter. */
function plainCallback(tsm: typeof ts, e: ts.Expression): (ts.ArrowFunction | ts.FunctionExpression) | undefined {
  const fn = skipOuter(tsm, e);
  return (tsm.isArrowFunction(fn) || tsm.isFunctionExpression(fn)) &&
    fn.parameters.length === 1 &&
    tsm.isIdentifier(fn.parameters[0]!.name)
    ? fn
    : undefined;
}

/**
 * The `where`/`andWhere`/`orWhere` calls a callback makes on its parameter, first to last
 * (`qb.where(a).andWhere(b)`, statement after statement); undefined when it does anything else.
 */
function callbackCalls(
  tsm: typeof ts,
  fn: ts.ArrowFunction | ts.FunctionExpression,
): { method: string; arg: ts.Expression }[] | undefined {
  const param = (fn.parameters[0]!.name as ts.Identifier).text;
  const bodies = tsm.isBlock(fn.body)
    ? fn.body.statements.map((st) => (tsm.isExpressionStatement(st) ? st.expression : undefined))
    : [fn.body];
  const out: { method: string; arg: ts.Expression }[] = [];
  for (const body of bodies) {
    const chain: ts.CallExpression[] = [];
    let e: ts.Expression | undefined = body && skipOuter(tsm, body);
    while (e && tsm.isCallExpression(e) && tsm.isPropertyAccessExpression(e.expression)) {
      chain.unshift(e);
      e = skipOuter(tsm, e.expression.expression);
    }
    if (!e || !tsm.isIdentifier(e) || e.text !== param || !chain.length) return undefined;
    for (const call of chain) {
      const method = (call.expression as ts.PropertyAccessExpression).name.text;
      const arg = call.arguments[0];
      if (!["where", "andWhere", "orWhere"].includes(method) || !arg) return undefined;
      out.push({ method, arg });
    }
  }
  return out;
}

interface BuilderIssue {
  ruleId: "missing-tenant-filter" | "weak-tenant-filter" | "dynamic-sql";
  reason: string;
}

/** Runs the SQL scope checker on the builder's conditions; undefined when the table is scoped. */
function sqlIssue(
  parser: SqlParser,
  ctx: OrmContext,
  target: EntityTarget,
  alias: string,
  clauses: string[],
  joins: readonly BuilderJoin[] = [],
): BuilderIssue | undefined {
  const table = target.table;
  const name = (t: EntityTarget, a: string) =>
    `${t.table.schema ? `"${t.table.schema}".` : ""}"${t.table.name.replace(/"/g, '""')}" "${a.replace(/"/g, '""')}"`;
  const from = [name(target, alias), ...joins.map((j) => `JOIN ${name(j.target, j.alias)} ON ${j.on}`)].join(" ");
  const sql = `SELECT 1 FROM ${from}${clauses.length ? ` WHERE ${clauses.join(" ")}` : ""}`;
  const parsed = parser.parse(sql);
  if ("error" in parsed) return { ruleId: "dynamic-sql", reason: parsed.error.message };
  const issues = checkSqlScoping(sql, parsed, new ClauseTokens(() => parser.scan(sql)), { model: ctx.model });
  const issue = issues.find((i) => i.table?.toLowerCase() === table.name.toLowerCase());
  if (!issue || issue.ruleId === "missing-tenant-on-insert") return undefined;
  const reason =
    /predicate on "[^"]*" (.*?): it does not hold/.exec(issue.message)?.[1] ?? "does not hold for every row";
  return { ruleId: issue.ruleId, reason };
}

function spanStart(ctx: OrmContext, call: ts.CallExpression): number {
  return ctx.ts.isPropertyAccessExpression(call.expression)
    ? call.expression.name.getStart(ctx.sourceFile)
    : call.getStart(ctx.sourceFile);
}

function literal(tsm: typeof ts, expr: ts.Expression): string | undefined {
  return tsm.isStringLiteral(expr) || tsm.isNoSubstitutionTemplateLiteral(expr) ? expr.text : undefined;
}

// Which WHERE/ON terms scope a table reference, and which only look like they do.
// DESIGN.md "When is a query scoped": a top-level AND term `ref.tenant_col = v`,
// `IN (...)`, `= ANY(v)`; an equality to an already-scoped reference; an OR only when
// every branch scopes, or the shared-rows form `tenant_col IS NULL OR tenant_col = v`.
import { isCredentialField, isPublicFlag } from "../credentials";
import { as, columnRef, containsNode, list, names, stripCasts, walk } from "./ast";

/** A reference (table, CTE, subquery) as the predicate classifier sees it. */
export interface PredicateRef {
  /** The column that carries the tenant for this reference, if any. */
  tenantColumn?: string;
  /** Every column that carries a tenant, broad to narrow (a hierarchy: org_id, project_id); else `[tenantColumn]`. */
  tenantColumns?: readonly string[];
}

/** Whether `column` carries the tenant for `ref`: its tenant column, or any level of a hierarchy it has. */
export function isTenantColumnOf(ref: PredicateRef, column: string): boolean {
  return ref.tenantColumns ? ref.tenantColumns.includes(column) : ref.tenantColumn === column;
}

/** Resolves a column reference to the FROM item it belongs to (this level or an outer one). */
export type ColumnResolver<R extends PredicateRef> = (qualifier: string[], column: string) => R | undefined;

export type TermMeaning<R extends PredicateRef> =
  /** `shared`: the shared-or-owned form `tenant_col IS NULL OR tenant_col = v`. */
  /** `credential`: a lookup by a secret or its hash (`token_hash = $1`), authentication. */
  /** `shareLink`: a read by a share link the config declares (`poll_id = $1` with `shareKeys`). */
  /** `own`: the signed-in user's own rows (`owner_id = ${ctx.user.id}`), or their memberships. */
  | {
      kind: "scopes";
      refs: R[];
      shared?: boolean;
      credential?: boolean;
      shareLink?: boolean;
      published?: boolean;
      own?: "membership" | "own-rows";
    }
  | { kind: "joins"; a: R; b: R }
  | { kind: "other" };

export interface ClassifyContext<R extends PredicateRef> {
  resolve: ColumnResolver<R>;
  /** Qualifiers whose columns count as values (`excluded` in ON CONFLICT DO UPDATE). */
  valueQualifiers?: ReadonlySet<string>;
  /** The one reference of the query level, when it has one: what an unqualified column that is not a tenant column belongs to. */
  soleRef?(): R | undefined;
  /** Whether `column` of `ref` is a share key (`tables.<t>.shareKeys`); only where the level reads. */
  isShareKey?(ref: R, column: string): boolean;
  /** The level only reads: a public flag required true (`is_public = true`) scopes its reference. */
  reads?: boolean;
  /** What `column` of `ref` compared with parameter `$param` proves when that parameter is the signed-in user's id. */
  ownRows?(ref: R, column: string, param: number): "membership" | "own-rows" | undefined;
}

/** Splits a boolean expression into its top-level AND terms. */
export function andTerms(expr: unknown): unknown[] {
  if (expr === undefined || expr === null) return [];
  const bool = as<{ boolop?: string; args?: unknown[] }>(expr, "BoolExpr");
  if (bool && bool.boolop === "AND_EXPR") return list(bool.args).flatMap(andTerms);
  return [expr];
}

/** What one top-level AND term does for the references it mentions. */
export function classifyTerm<R extends PredicateRef>(term: unknown, ctx: ClassifyContext<R>): TermMeaning<R> {
  const direct = directPredicateRef(term, ctx);
  if (direct) return { kind: "scopes", refs: [direct] };
  const credential = keyLookupRef(term, ctx, (column) => isCredentialField(column));
  if (credential) return { kind: "scopes", refs: [credential], credential: true };
  const isShareKey = ctx.isShareKey;
  const link = isShareKey && keyLookupRef(term, ctx, (column, ref) => isShareKey(ref, column));
  if (link) return { kind: "scopes", refs: [link], shareLink: true };
  const published = ctx.reads ? publicFlagRef(term, ctx) : undefined;
  if (published) return { kind: "scopes", refs: [published], published: true };
  const own = ctx.ownRows && ownRowsRef(term, ctx);
  if (own) return { kind: "scopes", refs: [own.ref], own: own.kind };

  const join = tenantJoin(term, ctx);
  if (join) return { kind: "joins", a: join[0], b: join[1] };

  const bool = as<{ boolop?: string; args?: unknown[] }>(term, "BoolExpr");
  if (bool?.boolop === "OR_EXPR") {
    const shared = sharedRowsRef(bool.args ?? [], ctx);
    if (shared) return { kind: "scopes", refs: [shared], shared: true };
    // An OR scopes a reference only when every branch does.
    const perBranch = list(bool.args).map((branch) => new Set(scopedByAll(branch, ctx)));
    const common = [...perBranch[0]].filter((ref) => perBranch.every((s) => s.has(ref)));
    if (common.length) return { kind: "scopes", refs: common };
  }
  return { kind: "other" };
}

/**
 * Why a term mentions a reference's tenant column without scoping it, or undefined
 * when it does not mention it. Used to tell `weak-tenant-filter` from `missing-tenant-filter`.
 */
export function weakMention<R extends PredicateRef>(
  term: unknown,
  ref: R,
  ctx: ClassifyContext<R>,
): string | undefined {
  let mentioned = false;
  walk(term, (type, _fields, node) => {
    if (mentioned) return false;
    if (type === "SubLink") return false; // a subquery's columns are its own level's business
    if (type !== "ColumnRef") return;
    const c = columnRef(node);
    if (c && isTenantColumnOf(ref, c.column) && ctx.resolve(c.qualifier, c.column) === ref) {
      mentioned = true;
    }
  });
  if (!mentioned) return undefined;
  const bool = as<{ boolop?: string; args?: unknown[] }>(term, "BoolExpr");
  if (bool?.boolop === "OR_EXPR") {
    const otherLevel = otherLevelNullTest(list(bool.args), ref, ctx);
    if (otherLevel) return otherLevel;
    const optional = list(bool.args).some((branch) => isParamNullTest(branch));
    return optional
      ? "is optional (`OR $n IS NULL` disables it)"
      : "sits inside OR, so rows matching another branch leak";
  }
  if (bool?.boolop === "NOT_EXPR") return "sits inside NOT";
  if (containsNode(term, "CaseExpr")) return "sits inside CASE";
  return "is not an equality with a tenant value";
}

/** `ref.tenant_col = v`, `v = ref.tenant_col`, `IN (...)`, `= ANY(v)`, `IS NOT DISTINCT FROM v`, `IN (SELECT ...)`. */
function directPredicateRef<R extends PredicateRef>(term: unknown, ctx: ClassifyContext<R>): R | undefined {
  const expr = as<{ kind?: string; name?: unknown[]; lexpr?: unknown; rexpr?: unknown }>(term, "A_Expr");
  if (expr) {
    const op = names(expr.name)[0];
    const kind = expr.kind;
    if (kind === "AEXPR_OP" && op === "=") {
      return tenantColumnOf(expr.lexpr, ctx, expr.rexpr) ?? tenantColumnOf(expr.rexpr, ctx, expr.lexpr);
    }
    if (kind === "AEXPR_NOT_DISTINCT") {
      return tenantColumnOf(expr.lexpr, ctx, expr.rexpr) ?? tenantColumnOf(expr.rexpr, ctx, expr.lexpr);
    }
    if (kind === "AEXPR_OP_ANY" && op === "=") return tenantColumnOf(expr.lexpr, ctx, expr.rexpr);
    if (kind === "AEXPR_IN" && op === "=") {
      const values = list(as<{ items?: unknown[] }>(expr.rexpr, "List")?.items ?? expr.rexpr);
      const ref = tenantColumnRef(expr.lexpr, ctx);
      return ref && values.length > 0 && values.every((v) => isTenantValue(v, ctx)) ? ref : undefined;
    }
    return undefined;
  }
  const sub = as<{ subLinkType?: string; testexpr?: unknown; operName?: unknown[] }>(term, "SubLink");
  if (sub && sub.subLinkType === "ANY_SUBLINK") {
    // `ref.tenant_col IN (SELECT ...)`: the subquery is checked as its own level.
    return tenantColumnRef(sub.testexpr, ctx);
  }
  return undefined;
}

/**
 * `key_hash = $1`, `s.token = $1`, `key_hash = encode(sha256($1), 'hex')`: a credential column (or
 * a share key) compared with a value the query is given (a parameter or an interpolated value).
 * Not with a constant (`token_type = 'refresh'`, `token = ''`): no one was given a secret there.
 */
function keyLookupRef<R extends PredicateRef>(
  term: unknown,
  ctx: ClassifyContext<R>,
  isKey: (column: string, ref: R) => boolean,
): R | undefined {
  return columnEqualities(term, ctx).find(
    (e) => !containsNode(e.other, "ColumnRef") && containsNode(e.other, "ParamRef") && isKey(e.column, e.ref),
  )?.ref;
}

/** `owner_id = $1` with `$1` the signed-in user's id: the reference and what it proves. */
function ownRowsRef<R extends PredicateRef>(
  term: unknown,
  ctx: ClassifyContext<R>,
): { ref: R; kind: "membership" | "own-rows" } | undefined {
  for (const e of columnEqualities(term, ctx)) {
    const param = as<{ number?: number }>(stripCasts(e.other), "ParamRef")?.number;
    const kind = param === undefined ? undefined : ctx.ownRows!(e.ref, e.column, param);
    if (kind) return { ref: e.ref, kind };
  }
  return undefined;
}

/** `col = <other>` (either order): each column side with the reference it resolves to (an unqualified one: the level's one reference). */
export function columnEqualities<R extends PredicateRef>(
  term: unknown,
  ctx: ClassifyContext<R>,
): { ref: R; column: string; other: unknown }[] {
  const expr = as<{ kind?: string; name?: unknown[]; lexpr?: unknown; rexpr?: unknown }>(term, "A_Expr");
  if (!expr || expr.kind !== "AEXPR_OP" || names(expr.name)[0] !== "=") return [];
  const out: { ref: R; column: string; other: unknown }[] = [];
  for (const [side, other] of [
    [expr.lexpr, expr.rexpr],
    [expr.rexpr, expr.lexpr],
  ]) {
    const c = columnRef(stripCasts(side));
    const ref = c && (ctx.resolve(c.qualifier, c.column) ?? (c.qualifier.length ? undefined : ctx.soleRef?.()));
    if (ref) out.push({ ref, column: c!.column, other });
  }
  return out;
}

/**
 * `is_public = true`, `c.is_public`, `is_public IS TRUE`: a flag the row's tenant set to publish
 * it (credentials.ts isPublicFlag), required true. Its reference reads only public rows.
 */
function publicFlagRef<R extends PredicateRef>(term: unknown, ctx: ClassifyContext<R>): R | undefined {
  let flag: unknown;
  if (columnRef(stripCasts(term))) flag = term;
  const test = as<{ arg?: unknown; booltesttype?: string }>(term, "BooleanTest");
  if (test?.booltesttype === "IS_TRUE") flag = test.arg;
  const expr = as<{ kind?: string; name?: unknown[]; lexpr?: unknown; rexpr?: unknown }>(term, "A_Expr");
  if (expr?.kind === "AEXPR_OP" && names(expr.name)[0] === "=") {
    const isTrue = (e: unknown) =>
      as<{ boolval?: { boolval?: boolean } }>(stripCasts(e), "A_Const")?.boolval?.boolval === true;
    flag = isTrue(expr.rexpr) ? expr.lexpr : isTrue(expr.lexpr) ? expr.rexpr : undefined;
  }
  const c = flag === undefined ? undefined : columnRef(stripCasts(flag));
  if (!c || !isPublicFlag(c.column)) return undefined;
  return ctx.resolve(c.qualifier, c.column) ?? (c.qualifier.length ? undefined : ctx.soleRef?.());
}

/** `tenant_col IS NULL OR tenant_col = v`: the shared-rows form, which adds only rows no tenant owns. */
function sharedRowsRef<R extends PredicateRef>(branches: unknown[], ctx: ClassifyContext<R>): R | undefined {
  if (branches.length !== 2) return undefined;
  for (const [a, b] of [
    [branches[0], branches[1]],
    [branches[1], branches[0]],
  ]) {
    const nullTest = as<{ arg?: unknown; nulltesttype?: string }>(a, "NullTest");
    if (!nullTest || nullTest.nulltesttype !== "IS_NULL") continue;
    const nullRef = tenantColumnRef(nullTest.arg, ctx);
    const column = columnRef(stripCasts(nullTest.arg))?.column;
    // In a hierarchy a row with this column null can be owned at another level: not a shared row.
    if (nullRef && (nullRef.tenantColumns?.length ?? 1) > 1) continue;
    if (nullRef && directPredicateRef(b, ctx) === nullRef && comparedColumn(b) === column) return nullRef;
  }
  return undefined;
}

/** The column a predicate compares (`t.tenant_id = $1`, `tenant_id IN (...)`, `$1 = tenant_id`). */
function comparedColumn(term: unknown): string | undefined {
  const expr = as<{ lexpr?: unknown; rexpr?: unknown }>(term, "A_Expr");
  const sub = as<{ testexpr?: unknown }>(term, "SubLink");
  const sides = expr ? [expr.lexpr, expr.rexpr] : sub ? [sub.testexpr] : [];
  for (const side of sides) {
    const c = columnRef(stripCasts(side));
    if (c) return c.column;
  }
  return undefined;
}

/** `team_id IS NULL` in an OR on a table owned at several levels: the rows owned at the others match it. */
function otherLevelNullTest<R extends PredicateRef>(branches: unknown[], ref: R, ctx: ClassifyContext<R>) {
  if ((ref.tenantColumns?.length ?? 1) < 2) return undefined;
  for (const branch of branches) {
    const nullTest = as<{ arg?: unknown; nulltesttype?: string }>(branch, "NullTest");
    const c = nullTest?.nulltesttype === "IS_NULL" ? columnRef(stripCasts(nullTest.arg)) : undefined;
    if (c && isTenantColumnOf(ref, c.column) && ctx.resolve(c.qualifier, c.column) === ref) {
      const others = ref.tenantColumns!.filter((l) => l !== c.column);
      return `admits \`${c.column} IS NULL\`, which matches every row owned at another level (${others.join(", ")}), not only rows no tenant owns`;
    }
  }
  return undefined;
}

/** References scoped by every path through `expr` (its AND terms, recursively through ORs). */
function scopedByAll<R extends PredicateRef>(expr: unknown, ctx: ClassifyContext<R>): R[] {
  const out: R[] = [];
  for (const term of andTerms(expr)) {
    const meaning = classifyTerm(term, ctx);
    if (meaning.kind === "scopes") out.push(...meaning.refs);
  }
  return out;
}

/** `a.tenant_col = b.tenant_col` between two different references. */
function tenantJoin<R extends PredicateRef>(term: unknown, ctx: ClassifyContext<R>): [R, R] | undefined {
  const expr = as<{ kind?: string; name?: unknown[]; lexpr?: unknown; rexpr?: unknown }>(term, "A_Expr");
  if (!expr || !(expr.kind === "AEXPR_OP" || expr.kind === "AEXPR_NOT_DISTINCT") || names(expr.name)[0] !== "=") {
    return undefined;
  }
  const a = tenantColumnRef(expr.lexpr, ctx);
  const b = tenantColumnRef(expr.rexpr, ctx);
  // `t.tenant_id = t.tenant_id` is always true: it scopes nothing.
  return a && b && a !== b ? [a, b] : undefined;
}

/** The reference whose tenant column `expr` is, when `other` is a tenant value. */
function tenantColumnOf<R extends PredicateRef>(expr: unknown, ctx: ClassifyContext<R>, other: unknown): R | undefined {
  const ref = tenantColumnRef(expr, ctx);
  return ref && isTenantValue(other, ctx) ? ref : undefined;
}

function tenantColumnRef<R extends PredicateRef>(expr: unknown, ctx: ClassifyContext<R>): R | undefined {
  const c = columnRef(stripCasts(expr));
  if (!c || c.column === "*") return undefined;
  if (c.qualifier.length && ctx.valueQualifiers?.has(c.qualifier[c.qualifier.length - 1])) return undefined;
  const ref = ctx.resolve(c.qualifier, c.column);
  return ref && isTenantColumnOf(ref, c.column) ? ref : undefined;
}

/**
 * A value that names one tenant: a parameter, an interpolated value, a constant, a
 * function such as `current_setting('app.tenant_id')`, a scalar subquery; never a
 * column of the query itself (that would compare rows with rows).
 */
export function isTenantValue<R extends PredicateRef>(expr: unknown, ctx: ClassifyContext<R>): boolean {
  const node = stripCasts(expr);
  const u = node && typeof node === "object" ? Object.keys(node as object)[0] : undefined;
  switch (u) {
    case "ParamRef":
      return true;
    case "A_Const":
      return !(as<{ isnull?: boolean }>(node, "A_Const")?.isnull ?? false);
    case "SubLink":
      return as<{ subLinkType?: string }>(node, "SubLink")?.subLinkType === "EXPR_SUBLINK";
    case "ColumnRef": {
      const c = columnRef(node);
      return !!c && c.qualifier.length > 0 && !!ctx.valueQualifiers?.has(c.qualifier[c.qualifier.length - 1]);
    }
    case "FuncCall":
    case "A_ArrayExpr":
    case "CoalesceExpr":
    case "A_Expr": {
      // A computed value is a tenant value when it reads no column of the query.
      let readsColumn = false;
      walk(node, (type, _fields, n) => {
        if (type === "SubLink") return false;
        if (type === "ColumnRef" && !isTenantValue(n, ctx)) readsColumn = true;
      });
      return !readsColumn;
    }
    default:
      return false;
  }
}

/** `$1 IS NULL` / `$1::uuid IS NULL`: the guard that makes a predicate optional. */
function isParamNullTest(expr: unknown): boolean {
  const test = as<{ arg?: unknown; nulltesttype?: string }>(expr, "NullTest");
  return !!test && test.nulltesttype === "IS_NULL" && !!as(stripCasts(test.arg), "ParamRef");
}

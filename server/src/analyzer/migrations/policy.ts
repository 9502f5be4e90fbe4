// What a policy expression does with the tenant: shared by the static checks (trees from
// CREATE POLICY) and db-check (pg_policies text, parsed again). Postgres combines permissive
// policies with OR and restrictive ones with AND, so one permissive policy that does not
// constrain the tenant opens the table, unless a restrictive tenant policy also applies.
import { as, columnRef, list, names, walk } from "../sql/ast";
import type { TenantOwner } from "../model/types";
import { andTerms, classifyTerm, type ClassifyContext, type PredicateRef } from "../sql/predicates";

export interface PolicyShape {
  name: string;
  /** `all`, `select`, `insert`, `update`, `delete`. */
  command: string;
  permissive: boolean;
  using?: unknown;
  withCheck?: unknown;
}

/**
 * True when `expr` holds only for rows whose tenant column equals a tenant value (a setting, a
 * function, a subquery). For a table owned through its parent (`owner`), when it ties the row to a
 * parent row through the owning key (`invoice_id IN (SELECT id FROM invoices)`, `EXISTS (SELECT 1
 * FROM invoices i WHERE i.id = invoice_id)`): the parent's own policies limit what that subquery sees.
 */
export function constrainsTenant(expr: unknown, table: string, tenantColumn: string, owner?: TenantOwner): boolean {
  if (expr === undefined || expr === null) return false;
  if (owner) return andTerms(expr).some((term) => readsOwningParent(term, table, owner));
  const ref: PredicateRef = { tenantColumn };
  const ctx: ClassifyContext<PredicateRef> = {
    resolve: (qualifier, column) =>
      (qualifier.length === 0 || qualifier[qualifier.length - 1] === table) && column === tenantColumn
        ? ref
        : undefined,
  };
  return andTerms(expr).some((term) => {
    const meaning = classifyTerm(term, ctx);
    return meaning.kind === "scopes" && !comparesWithConstantOnly(term);
  });
}

/** Commands whose reads a policy filters with USING. */
export function readsWith(policy: PolicyShape): boolean {
  return policy.command !== "insert";
}

/** Commands whose new rows a policy checks (WITH CHECK, or USING when ALL/UPDATE has no WITH CHECK). */
export function writesWith(policy: PolicyShape): boolean {
  return policy.command === "all" || policy.command === "insert" || policy.command === "update";
}

/** The expression Postgres checks new rows against, or undefined when the policy adds no check (INSERT without WITH CHECK denies). */
export function effectiveCheck(policy: PolicyShape): unknown {
  if (policy.withCheck) return policy.withCheck;
  return policy.command === "all" || policy.command === "update" ? policy.using : undefined;
}

/** Does a restrictive tenant policy cover `command`? Then permissive policies can only narrow within the tenant. */
export function restrictedByTenant(
  policies: readonly PolicyShape[],
  command: string,
  side: "using" | "check",
  table: string,
  tenantColumn: string,
  owner?: TenantOwner,
): boolean {
  return policies.some(
    (p) =>
      !p.permissive &&
      (p.command === "all" || p.command === command) &&
      constrainsTenant(side === "using" ? p.using : effectiveCheck(p), table, tenantColumn, owner),
  );
}

/** `fk IN (SELECT pk FROM parent ...)` or `EXISTS (SELECT ... FROM parent p WHERE p.pk = fk ...)`. */
function readsOwningParent(term: unknown, table: string, owner: TenantOwner): boolean {
  const sub = as<{ subLinkType?: string; testexpr?: unknown; subselect?: unknown }>(term, "SubLink");
  const select = as<{ fromClause?: unknown[]; targetList?: unknown[]; whereClause?: unknown }>(
    sub?.subselect,
    "SelectStmt",
  );
  if (!sub || !select) return false;
  const parent = list(select.fromClause)
    .map((f) => as<{ relname?: string; alias?: { aliasname?: string } }>(f, "RangeVar"))
    .find((rv) => rv?.relname?.toLowerCase() === owner.parent.toLowerCase());
  if (!parent) return false;
  const exposed = parent.alias?.aliasname ?? parent.relname!;
  const isKey = (c: ReturnType<typeof columnRef>) =>
    !!c && c.column === owner.column && (c.qualifier.length === 0 || c.qualifier[c.qualifier.length - 1] === table);
  const isParentKey = (c: ReturnType<typeof columnRef>, qualified: boolean) =>
    !!c &&
    c.column === owner.parentColumn &&
    (qualified
      ? c.qualifier[c.qualifier.length - 1] === exposed
      : c.qualifier.length === 0 || c.qualifier[c.qualifier.length - 1] === exposed);
  if (sub.subLinkType === "ANY_SUBLINK") {
    const target = list(select.targetList).map((t) => columnRef(as<{ val?: unknown }>(t, "ResTarget")?.val));
    return isKey(columnRef(sub.testexpr)) && target.length === 1 && isParentKey(target[0], false);
  }
  if (sub.subLinkType !== "EXISTS_SUBLINK") return false;
  return andTerms(select.whereClause).some((t) => {
    const e = as<{ kind?: string; name?: unknown[]; lexpr?: unknown; rexpr?: unknown }>(t, "A_Expr");
    if (!e || e.kind !== "AEXPR_OP" || names(e.name)[0] !== "=") return false;
    const [l, r] = [columnRef(e.lexpr), columnRef(e.rexpr)];
    return (isParentKey(l, true) && isKey(r)) || (isParentKey(r, true) && isKey(l));
  });
}

/**
 * Why the expression lets rows through when the tenant setting is missing, or undefined.
 * `current_setting('x', true)` is NULL when unset and `tenant_id = NULL` holds for no row
 * (fails closed); `current_setting('x')` raises an error when unset (fails closed) and is ''
 * on a pooled connection after a transaction-local set (''::uuid raises; '' = text matches
 * nothing). What fails open is code that tests for the missing setting and then allows:
 * `... IS NULL OR`, `= '' OR`, CASE on it, or COALESCE back to the column itself.
 */
export function failsOpen(expr: unknown, tenantColumn: string): string | undefined {
  let reason: string | undefined;
  walk(expr, (type, fields) => {
    if (reason) return false;
    if (type === "BoolExpr" && fields.boolop === "OR_EXPR" && list(fields.args).some(testsMissingSetting)) {
      reason = "an OR branch that holds when the tenant setting is missing lets every row through";
    } else if (
      type === "CaseExpr" &&
      list(fields.args).some((w) => testsMissingSetting(as<{ expr?: unknown }>(w, "CaseWhen")?.expr))
    ) {
      reason = "a CASE on the missing tenant setting decides the rows when the setting is missing";
    } else if (type === "CoalesceExpr") {
      const args = list(fields.args);
      if (
        args.some(readsSetting) &&
        args.slice(1).some((a) => columnRef(stripAll(a))?.column === tenantColumn || isTrue(a))
      ) {
        reason = `COALESCE falls back to ${tenantColumn} itself when the tenant setting is missing, so every row matches`;
      }
    }
  });
  return reason;
}

/** `current_setting(...)` calls outside a scalar subquery: evaluated per row instead of once. */
export function bareSettingCalls(expr: unknown): number[] {
  const out: number[] = [];
  walk(expr, (type, fields) => {
    if (type === "SubLink") return false;
    if (type === "FuncCall" && isSettingCall(fields))
      out.push(typeof fields.location === "number" ? fields.location : 0);
  });
  return out;
}

/** Setting names read with `current_setting('name'...)` anywhere in the expression. */
export function settingNames(expr: unknown): string[] {
  const out: string[] = [];
  walk(expr, (type, fields) => {
    if (type !== "FuncCall" || !isSettingCall(fields)) return;
    const name = as<{ sval?: { sval?: string } }>(stripAll(list(fields.args)[0]), "A_Const")?.sval?.sval;
    if (name) out.push(name);
  });
  return out;
}

function isSettingCall(fields: Record<string, unknown>): boolean {
  const fn = names(fields.funcname);
  return fn[fn.length - 1]?.toLowerCase() === "current_setting";
}

function readsSetting(expr: unknown): boolean {
  let found = false;
  walk(expr, (type, fields) => {
    if (type === "FuncCall" && isSettingCall(fields)) found = true;
  });
  return found;
}

/** `<setting> IS NULL`, `<setting> = ''`, `NULLIF(<setting>, '') IS NULL`. */
function testsMissingSetting(expr: unknown): boolean {
  const test = as<{ arg?: unknown; nulltesttype?: string }>(expr, "NullTest");
  if (test) return test.nulltesttype === "IS_NULL" && readsSetting(test.arg);
  const cmp = as<{ kind?: string; name?: unknown; lexpr?: unknown; rexpr?: unknown }>(expr, "A_Expr");
  if (cmp && cmp.kind === "AEXPR_OP" && names(cmp.name)[0] === "=") {
    const empty = (e: unknown) => as<{ sval?: { sval?: string } }>(stripAll(e), "A_Const")?.sval?.sval === "";
    return (readsSetting(cmp.lexpr) && empty(cmp.rexpr)) || (readsSetting(cmp.rexpr) && empty(cmp.lexpr));
  }
  return false;
}

/** `tenant_id = 42`: a fixed tenant is not the current tenant. */
function comparesWithConstantOnly(term: unknown): boolean {
  const expr = as<{ lexpr?: unknown; rexpr?: unknown }>(term, "A_Expr");
  if (!expr) return false;
  return [expr.lexpr, expr.rexpr].some((side) => !!as(stripAll(side), "A_Const"));
}

function isTrue(expr: unknown): boolean {
  return !!as<{ boolval?: { boolval?: boolean } }>(stripAll(expr), "A_Const")?.boolval?.boolval;
}

function stripAll(node: unknown): unknown {
  let current = node;
  for (;;) {
    const cast = as<{ arg?: unknown }>(current, "TypeCast");
    if (!cast) return current;
    current = cast.arg;
  }
}

// Ownership through a parent, on SQL: which term ties a reference to a table with no tenant
// column (owned through `invoice_items.invoice_id -> invoices.id`) to a reference of its parent,
// and what to tell the author when nothing does. scope.ts decides whether that parent is scoped.
import { ownedThroughText, type TenantModel, type TenantOwner, type TenantTable } from "../model/types";
import { as, columnRef, list, names, qualifiedColumn, sqlIdentifier, stripCasts, type ColumnRefInfo } from "./ast";
import { andTerms } from "./predicates";

/** A FROM reference as the parent links see it. */
export interface LinkRef {
  /** Name used to qualify columns: the alias, else the table name. */
  exposed: string;
  table?: string;
  tenant?: TenantTable;
  /** A derived table's or CTE's own parent keys (what its owned-through rows carry out). */
  links?: readonly TenantOwner[];
}

export interface LinkLevel<R extends LinkRef> {
  refs: R[];
  outer?: LinkLevel<R>;
}

/** `child.fk = parent.pk` (either order) on the child's owning (or hierarchy) key; the parent may be an outer level's. */
export function foreignKeyJoin<R extends LinkRef>(
  expr: unknown,
  level: LinkLevel<R>,
): { child: R; parent: R } | undefined {
  const e = equality(expr);
  if (!e) return undefined;
  for (const [c, p] of [
    [e.l, e.r],
    [e.r, e.l],
  ]) {
    const child = childRefOf(level, c);
    const link = child && childLink(child, c.column);
    if (!child || !link) continue;
    const parent = parentRefOf(level, p, link);
    if (parent && parent !== child) return { child, parent };
  }
  return undefined;
}

/**
 * `parent.pk = row.fk` (either order) on one of the row's other foreign keys to a tenant-owned
 * table (`TenantTable.references`): the parent row a scoped row names is its tenant's. The row may
 * be an outer level's (`(SELECT u.name FROM users u WHERE u.id = c.creator_id)`).
 */
export function referenceJoin<R extends LinkRef>(
  expr: unknown,
  level: LinkLevel<R>,
): { row: R; parent: R } | undefined {
  const e = equality(expr);
  if (!e) return undefined;
  for (const [c, p] of [
    [e.l, e.r],
    [e.r, e.l],
  ]) {
    if (!c.qualifier.length) continue;
    const q = c.qualifier[c.qualifier.length - 1];
    let row: R | undefined;
    for (let l: LinkLevel<R> | undefined = level; l && !row; l = l.outer) row = l.refs.find((r) => r.exposed === q);
    const link = row?.tenant?.references?.find((l) => sameName(l.column, c.column));
    const parent = link && parentRefOf(level, p, link);
    if (row && parent && parent !== row) return { row, parent };
  }
  return undefined;
}

/**
 * `c.fk IN (SELECT pk FROM parent ...)` or `EXISTS (SELECT ... FROM parent p WHERE p.pk = c.fk ...)`:
 * the child reference of this level the subquery ties to a parent row, and the parent table it
 * reads. Whether the subquery scopes that parent is for the caller to check.
 */
export function parentSubquery<R extends LinkRef>(
  expr: unknown,
  level: LinkLevel<R>,
): { child: R; parent: string; subselect: unknown } | undefined {
  const sub = as<{ subLinkType?: string; testexpr?: unknown; subselect?: unknown }>(expr, "SubLink");
  const select = as<Record<string, unknown>>(sub?.subselect, "SelectStmt");
  if (!sub || !select || (select.op && select.op !== "SETOP_NONE")) return undefined;
  const from = list(select.fromClause);
  const rv =
    from.length === 1 ? as<{ relname?: string; alias?: { aliasname?: string } }>(from[0], "RangeVar") : undefined;
  if (!rv?.relname) return undefined;
  const parent = rv.relname;
  const fits = (link: TenantOwner | undefined, parentColumn: string | undefined) =>
    !!link && sameName(link.parent, parent) && sameName(parentColumn, link.parentColumn);
  if (sub.subLinkType === "ANY_SUBLINK") {
    const c = columnRef(stripCasts(sub.testexpr));
    const target = list(select.targetList).map((t) => columnRef(as<{ val?: unknown }>(t, "ResTarget")?.val));
    const child = c && childRefOf(level, c);
    if (child && c && target.length === 1 && fits(childLink(child, c.column), target[0]?.column))
      return { child, parent, subselect: sub.subselect };
  } else if (sub.subLinkType === "EXISTS_SUBLINK") {
    const exposed = rv.alias?.aliasname ?? parent;
    for (const term of andTerms(select.whereClause)) {
      const e = equality(term);
      if (!e) continue;
      for (const [p, c] of [
        [e.l, e.r],
        [e.r, e.l],
      ]) {
        // The child is this level's, named by its qualifier (the subquery's own columns shadow the rest).
        const child =
          p.qualifier[p.qualifier.length - 1] === exposed && c.qualifier.length ? childRefOf(level, c) : undefined;
        if (child && fits(childLink(child, c.column), p.column)) return { child, parent, subselect: sub.subselect };
      }
    }
  }
  return undefined;
}

export type OwnedThroughVerb = "SELECT" | "UPDATE" | "DELETE" | "insert-select";

/**
 * The finding for a reference to a table owned through its parent that reaches no scoped parent:
 * name the parent and the key, and say how to reach it. `joined`: the parent reference it is
 * joined to on its key, when there is one (unscoped, or scoped but outer-joined).
 */
export function ownedThroughFinding(
  model: TenantModel,
  table: TenantTable & { owner: TenantOwner },
  exposed: string,
  verb: OwnedThroughVerb,
  joined: { exposed: string; scoped: boolean } | undefined,
  interpolated: boolean,
): { ruleId: "missing-tenant-filter" | "missing-tenant-on-insert" | "dynamic-sql"; message: string } {
  const owner = table.owner;
  const parent = model.tables.get(owner.parent.toLowerCase());
  const key = qualifiedColumn(exposed, owner.column);
  const parentKey = qualifiedColumn(owner.parent, owner.parentColumn);
  const scopeParent = parent?.owner
    ? `scope ${owner.parent} through its own parent ${parent.owner.parent}`
    : `scope ${owner.parent} by ${parent?.tenantColumn ?? "its tenant column"}`;
  const through = ownedThroughText(table);
  if (interpolated) {
    return {
      ruleId: "dynamic-sql",
      message: `The WHERE clause on "${table.name}" is interpolated at run time, so tenantguard cannot tell whether it reaches a scoped parent. ${through}: write the join to ${owner.parent} and its tenant predicate in the SQL text.`,
    };
  }
  const what =
    verb === "UPDATE"
      ? `UPDATE of "${table.name}" is not tied to a tenant: it changes every tenant's matching rows.`
      : verb === "DELETE"
        ? `DELETE from "${table.name}" is not tied to a tenant: it removes every tenant's matching rows.`
        : verb === "insert-select"
          ? `INSERT ... SELECT reads "${table.name}" without tying it to a tenant: it copies every tenant's rows.`
          : `Query reads "${table.name}" without tying it to a tenant: it returns every tenant's rows.`;
  const joinedName = joined && `${owner.parent}${joined.exposed !== owner.parent ? ` ${joined.exposed}` : ""}`;
  const advice = joined?.scoped
    ? `it is outer-joined to ${joinedName}, so its rows without a matching ${owner.parent} row come back too: use an inner join, or put the tenant predicate on ${owner.parent} in WHERE.`
    : joined
      ? `it is joined to ${joinedName}, which is not scoped itself: ${scopeParent}.`
      : parent && !parent.owner
        ? `join it to ${owner.parent} on ${key} = ${parentKey} and ${scopeParent}, or filter \`${key} IN (SELECT ${sqlIdentifier(owner.parentColumn)} FROM ${sqlIdentifier(owner.parent)} WHERE ${sqlIdentifier(parent.tenantColumn)} = <tenant>)\`.`
        : `join it to ${owner.parent} on ${key} = ${parentKey} and ${scopeParent}.`;
  return {
    ruleId: verb === "insert-select" ? "missing-tenant-on-insert" : "missing-tenant-filter",
    message: `${what} ${through}; ${advice}`,
  };
}

function equality(expr: unknown): { l: ColumnRefInfo; r: ColumnRefInfo } | undefined {
  const e = as<{ kind?: string; name?: unknown[]; lexpr?: unknown; rexpr?: unknown }>(expr, "A_Expr");
  if (!e || e.kind !== "AEXPR_OP" || names(e.name)[0] !== "=") return undefined;
  const l = columnRef(stripCasts(e.lexpr));
  const r = columnRef(stripCasts(e.rexpr));
  return l && r ? { l, r } : undefined;
}

function sameName(a: string | undefined, b: string | undefined): boolean {
  return !!a && !!b && a.toLowerCase() === b.toLowerCase();
}

/** The owning (or hierarchy) foreign key of `ref` whose child column is `column`. */
function childLink(ref: LinkRef, column: string): TenantOwner | undefined {
  // A table owned through a parent is the tenant's under any tenant-owned row it names too; one
  // with its own tenant column, under a parent it requires (a NOT NULL key: the app files such rows
  // under their parent, as the flow's checks of a required parent take them).
  const references = ref.tenant?.references ?? [];
  const links = ref.links ?? [
    ...(ref.tenant?.parents ?? []),
    ...(ref.tenant?.owner ? references : references.filter((r) => r.required)),
  ];
  return links.find((p) => sameName(p.column, column));
}

/** The reference of this level a child-side column belongs to: qualified by its alias, or the one table with that key. */
function childRefOf<R extends LinkRef>(level: LinkLevel<R>, c: ColumnRefInfo): R | undefined {
  if (c.qualifier.length) {
    const q = c.qualifier[c.qualifier.length - 1];
    return level.refs.find((r) => r.exposed === q);
  }
  const candidates = level.refs.filter((r) => childLink(r, c.column));
  return candidates.length === 1 ? candidates[0] : undefined;
}

/** The parent-side reference (this level, else an outer one) of `link`'s parent table for column `c`. */
function parentRefOf<R extends LinkRef>(level: LinkLevel<R>, c: ColumnRefInfo, link: TenantOwner): R | undefined {
  if (!sameName(c.column, link.parentColumn)) return undefined;
  for (let l: LinkLevel<R> | undefined = level; l; l = l.outer) {
    const hits = l.refs.filter(
      (r) =>
        sameName(r.table, link.parent) && (!c.qualifier.length || r.exposed === c.qualifier[c.qualifier.length - 1]),
    );
    if (hits.length === 1) return hits[0];
    if (hits.length > 1) return undefined;
  }
  return undefined;
}

// The row-level scoping rules (DESIGN.md "When is a query scoped") for query builders, over a
// small predicate tree each builder (Drizzle, Kysely, Knex) translates its own syntax into.
import type ts from "typescript";
import { isParentLink, isReferenceLink, ownedThroughAdvice, tenantColumnsOf, type TenantTable } from "../model/types";
import { escapeRegExp } from "../escape-regexp";
import type { Fix } from "../types";
import type { ChainCall } from "./chain";
import type { OrmContext, OrmFinding } from "./types";

/** One reference to a tenant-owned table in a query: the FROM/target table or a join. */
export interface TableRef {
  table: TenantTable;
  /** How predicates name it: alias or table name (Kysely, Knex), the table variable (Drizzle). */
  qualifier: string;
  /** The call a finding underlines: `from(orders)`, `selectFrom('orders')`, `knex('orders')`, `innerJoin(...)`. */
  node: ts.CallExpression;
  /** What to underline when not the call from its method name (`orders.findMany` of `db.query.orders.findMany(...)`). */
  span?: { start: number; end: number };
  join?: { kind: "inner" | "outer"; on: Pred };
  /** A subquery that scopes its table itself (`from(this.scope)`, the scope filtered by the tenant). */
  prescoped?: boolean;
  /**
   * A table of the enclosing query that a correlated subquery may name and that query leaves
   * unscoped: that query reports it, this one never does; a row of this one it names follows it.
   */
  enclosing?: boolean;
}

/** A predicate, reduced to what matters for the tenant column. */
export type Pred =
  | { kind: "and"; items: Pred[] }
  | { kind: "or"; items: Pred[]; why: string }
  /** Holds only sometimes: negated, optional, conditional. */
  | { kind: "weak"; item: Pred; why: string }
  /**
   * `ref.tenant = value` or `ref.tenant IN (...)`; `credential`: a read by a secret (`ref.token = $1`),
   * which decides the tenant; `membership`: the signed-in user's own memberships (membership.ts).
   */
  | { kind: "tenant"; ref: TableRef; credential?: boolean; membership?: boolean }
  | { kind: "null"; ref: TableRef }
  /** `a.tenant = b.tenant`. */
  | { kind: "join"; a: TableRef; b: TableRef }
  /** `child.invoice_id = parent.id` on the child's owning (or hierarchy) foreign key: a scoped parent scopes it. */
  | { kind: "parent"; child: TableRef; parent: TableRef }
  /**
   * `users.id = comments.creator_id` on one of the row's other foreign keys (`TenantTable.references`):
   * the parent row a scoped row names is its tenant's, as raw SQL and a Prisma relation take it.
   */
  | { kind: "reference"; row: TableRef; parent: TableRef }
  /** The tenant column compared in a way that does not scope (`ne`, `!=`, `>`). */
  | { kind: "mention"; ref: TableRef; why: string }
  | { kind: "dynamic"; node: ts.Node; why: string }
  | { kind: "other" };

export type Verdict =
  | { kind: "scoped" }
  | { kind: "weak"; why: string }
  | { kind: "dynamic"; node: ts.Node; why: string }
  | { kind: "none" };

export const OTHER: Pred = { kind: "other" };

export function and(items: Pred[]): Pred {
  return items.length === 1 ? items[0] : { kind: "and", items };
}

/** A child joined on one of its own tenant columns (not a table owned only through its parent). */
function isHierarchyKeyChild(child: TableRef): boolean {
  return !child.table.owner;
}

/** Whether each table reference of a query is scoped by its where (and the ON of inner joins). */
export function verdicts(refs: readonly TableRef[], where: Pred): Map<TableRef, Verdict> {
  const whereTerms = topTerms(where);
  // An outer join whose table the where scopes is an inner one: the tenant equality rejects the
  // rows the join filled with NULLs, so every row returned met the join's ON.
  const inner = (r: TableRef) =>
    r.join?.kind === "inner" ||
    (r.join?.kind === "outer" && whereTerms.some((t) => t.kind === "tenant" && t.ref === r));
  const shared = [...whereTerms, ...refs.flatMap((r) => (r.join && inner(r) ? topTerms(r.join.on) : []))];
  const termsOf = (r: TableRef) => (r.join?.kind === "outer" ? [...shared, ...topTerms(r.join.on)] : shared);
  const scoped = new Set(refs.filter((r) => r.prescoped || termsOf(r).some((t) => scopes(t, r))));
  for (let changed = true; changed;) {
    changed = false;
    for (const r of refs) {
      if (scoped.has(r)) continue;
      const joined = termsOf(r).some(
        (t) =>
          (t.kind === "join" && ((t.a === r && scoped.has(t.b)) || (t.b === r && scoped.has(t.a)))) ||
          (t.kind === "parent" && t.child === r && scoped.has(t.parent)) ||
          // The other way: `projects.id = environments.project_id` with the environments scoped pins
          // the project to the environments' tenant; `documents.id = documentsTags.documentId` with
          // the tag links scoped (through the tenant's tags) reads the documents they point at, as
          // `doc.collectionId` of a scoped row is the tenant's key.
          (t.kind === "parent" && t.parent === r && scoped.has(t.child)) ||
          (t.kind === "reference" && t.parent === r && scoped.has(t.row)),
      );
      if (joined) {
        scoped.add(r);
        changed = true;
      }
    }
  }
  // A parent joined on an unscoped child's own tenant key follows the child, a child joined on
  // its owning key to an unscoped parent follows the parent, and the row an unscoped row's other
  // foreign key names follows that row: one finding covers both, and scoping the one it names
  // scopes the other.
  // The one it names must be reported itself: a reference covered already covers nothing, so two
  // rows that name each other (`u.id = t.owner_id AND t.id = u.team_id`) are not both silent.
  const coveredSet = new Set<TableRef>();
  const reported = (c: TableRef) => !scoped.has(c) && !coveredSet.has(c);
  const covered = (r: TableRef) =>
    termsOf(r).some(
      (t) =>
        (t.kind === "parent" &&
          ((t.parent === r && isHierarchyKeyChild(t.child) && reported(t.child)) ||
            (t.child === r && t.parent !== r && !isHierarchyKeyChild(r) && reported(t.parent)))) ||
        (t.kind === "reference" && t.parent === r && t.row !== r && reported(t.row)),
    );
  const out = new Map<TableRef, Verdict>();
  for (const r of refs) {
    if (!scoped.has(r) && covered(r)) coveredSet.add(r);
    if (scoped.has(r) || coveredSet.has(r)) {
      out.set(r, { kind: "scoped" });
      continue;
    }
    const trees = [where, ...(r.join ? [r.join.on] : [])];
    const why = trees.map((p) => weakMention(p, r, undefined)).find(Boolean);
    const dynamic = trees.map(firstDynamic).find(Boolean);
    out.set(
      r,
      why
        ? { kind: "weak", why }
        : dynamic
          ? { kind: "dynamic", node: dynamic.node, why: dynamic.why }
          : { kind: "none" },
    );
  }
  return out;
}

function topTerms(p: Pred): Pred[] {
  return p.kind === "and" ? p.items.flatMap(topTerms) : [p];
}

/** A term scopes `r` when it is its tenant equality, or an OR every branch of which scopes it. */
function scopes(p: Pred, r: TableRef): boolean {
  if (p.kind === "tenant") return p.ref === r;
  if (p.kind === "and") return p.items.some((i) => scopes(i, r));
  if (p.kind === "or") {
    // `tenant IS NULL OR tenant = v` adds only rows no tenant owns; on a table with several tenant
    // columns a row with this one null is some other level's (a user's own rows beside a workspace's).
    const shared = tenantColumnsOf(r.table).length <= 1;
    const branches = p.items.filter((i) => !(shared && i.kind === "null" && i.ref === r));
    return branches.length > 0 && branches.every((i) => scopes(i, r));
  }
  return false;
}

function weakMention(p: Pred, r: TableRef, why: string | undefined): string | undefined {
  switch (p.kind) {
    case "and":
      return p.items.map((i) => weakMention(i, r, why)).find(Boolean);
    case "or":
      return p.items.map((i) => weakMention(i, r, why ?? p.why)).find(Boolean);
    case "weak":
      return weakMention(p.item, r, why ?? p.why);
    case "tenant":
    case "null":
      return p.ref === r
        ? (why ?? (p.kind === "null" ? "only tests that the tenant column IS NULL" : undefined))
        : undefined;
    case "mention":
      return p.ref === r ? (why ?? p.why) : undefined;
    default:
      return undefined;
  }
}

function firstDynamic(p: Pred): { node: ts.Node; why: string } | undefined {
  if (p.kind === "dynamic") return p;
  if (p.kind === "and" || p.kind === "or") return p.items.map(firstDynamic).find(Boolean);
  if (p.kind === "weak") return firstDynamic(p.item);
  return undefined;
}

export type Verb = "select" | "update" | "delete";

const EFFECT: Record<Verb, string> = {
  select: "it returns every tenant's rows",
  update: "it changes every tenant's rows",
  delete: "it removes every tenant's rows",
};

/** What a builder tells the shared findings code about one query. */
export interface BuilderQuery {
  verb: Verb;
  refs: TableRef[];
  where: Pred;
  /** The chain up to its table reference, as the user wrote it: `db.select().from(orders)`. */
  label: string;
  /** The predicate to suggest for a reference, in the builder's idiom: `eq(orders.tenantId, ...)`. */
  hint(ref: TableRef): string;
  /** Where a predicate must stand to hold for every row: `as a top-level and(...) term`. */
  conjunction: string;
  /** `baseScoped`: whether the query's first table is scoped (a join equality to it then scopes the join). */
  fix(ref: TableRef, verdict: Verdict, baseScoped: boolean): Fix | undefined;
}

/** The findings of one query: one per tenant-owned reference it does not scope. */
export function queryFindings(
  ctx: OrmContext,
  chainTop: ts.Node,
  receiver: ts.Expression,
  q: BuilderQuery,
): OrmFinding[] {
  const out: OrmFinding[] = [];
  const all = verdicts(q.refs, q.where);
  const baseScoped = !!q.refs[0] && all.get(q.refs[0])?.kind === "scoped";
  for (const [ref, verdict] of all) {
    if (verdict.kind === "scoped" || ref.enclosing) continue;
    const table = ref.table.name;
    const owned = ref.table.owner && { ...ref.table, owner: ref.table.owner };
    if (owned && verdict.kind !== "dynamic") {
      // No tenant column to add: name the parent that owns the rows, and offer no fix.
      const message = `${q.label} does not tie "${table}" to a tenant: ${EFFECT[q.verb]}. ${ownedThroughAdvice(ctx.model, owned)}.`;
      const f = finding(ctx, "missing-tenant-filter", ref.node, table, message, undefined, chainTop, receiver);
      out.push(ref.span ? { ...f, ...ref.span } : f);
      continue;
    }
    const hint = q.hint(ref);
    let message: string;
    if (verdict.kind === "weak") {
      message = `The tenant predicate on ${table} in ${q.label} ${verdict.why}: it does not hold for every row. Require ${hint} ${q.conjunction}.`;
    } else if (verdict.kind === "dynamic") {
      message = `The where of ${q.label} ${verdict.why}, so tenantguard cannot tell whether it holds the tenant predicate on ${table}. Write ${hint} in the call.`;
    } else if (ref.join) {
      message = `${q.label} joins ${table} without a tenant predicate: it returns every tenant's matching ${table} rows. Add ${hint} to the join's on or the where.`;
    } else {
      message = `${q.label} has no tenant predicate: ${EFFECT[q.verb]}. Add ${hint} to its where.`;
    }
    const ruleId =
      verdict.kind === "weak"
        ? "weak-tenant-filter"
        : verdict.kind === "dynamic"
          ? "dynamic-sql"
          : "missing-tenant-filter";
    const fix = verdict.kind === "dynamic" ? undefined : q.fix(ref, verdict, baseScoped);
    const f = finding(ctx, ruleId, ref.node, table, message, fix, chainTop, receiver);
    out.push(ref.span ? { ...f, ...ref.span } : f);
  }
  return out;
}

/** A finding underlining `node` from its method name (`from(orders)`, not `db.select().from(orders)`). */
export function finding(
  ctx: OrmContext,
  ruleId: OrmFinding["ruleId"],
  node: ts.CallExpression,
  table: string,
  message: string,
  fix: Fix | undefined,
  call: ts.Node,
  receiver: ts.Expression,
): OrmFinding {
  const start = calleeNameStart(ctx.ts, node, ctx.sourceFile);
  const end = node.getEnd();
  const normalized = call.getText(ctx.sourceFile).replace(/\s+/g, " ");
  return {
    ruleId,
    start,
    end,
    message,
    table,
    fixes: fix ? [fix] : [],
    call,
    receiver,
    identity: `${ruleId}|${table}|${normalized}`,
  };
}

/** Where the method name of a call starts: `from` in `db.select().from(orders)`. */
export function calleeNameStart(tsm: typeof ts, call: ts.CallExpression, sourceFile: ts.SourceFile): number {
  const callee = call.expression;
  return tsm.isPropertyAccessExpression(callee) ? callee.name.getStart(sourceFile) : callee.getStart(sourceFile);
}

/** A chain from its root up to its table call, as the user wrote it: `db.select().from(orders)`. */
/**
 * A query on a table the code is handed (a parameter, `this.scope` a subclass fills in, Knex's
 * `db(tableName)`): dynamic-sql, not silence, unless a where names a tenant column (as written in
 * `wheres`, spelled `column`, `key` or `handed.column`): a generic helper's own scope.
 */
export function handedTableFinding(
  ctx: OrmContext,
  handed: ts.Expression,
  wheres: readonly ChainCall[],
  at: { label: string; node: ts.CallExpression; top: ts.Node; root: ts.Expression },
  spellings: (table: TenantTable) => readonly string[],
  /** Drizzle names a column through its table (`table.tenantId`); Knex by itself (`{ tenant_id }`). */
  qualified: boolean,
): OrmFinding[] {
  const text = handed.getText(ctx.sourceFile);
  // The tenant columns as configured or inferred (not a hierarchy level's own `id`).
  const columns = [...new Set([...ctx.model.tables.values()].flatMap(spellings))].filter((c) => c !== "id");
  const named = (w: ChainCall) =>
    w.args.some((a) => {
      const where = a.getText(ctx.sourceFile);
      return columns.some((c) =>
        qualified ? where.includes(`${text}.${c}`) : new RegExp(`(?<![\\w$])${escapeRegExp(c)}(?![\\w$])`).test(where),
      );
    });
  if (wheres.some(named)) return [];
  const message = `${at.label} reads a table it is handed (\`${text}\`), so tenantguard cannot tell which table it reads or whether the tenant predicate is there. If a tenant-owned table can be passed, filter by its tenant column here, or write the query where the table is named.`;
  return [finding(ctx, "dynamic-sql", at.node, "", message, undefined, at.top, at.root)];
}

export function chainLabel(sourceFile: ts.SourceFile, root: ts.Node, calls: readonly ChainCall[]): string {
  // `ncMeta\n  .knex(...)` written over lines reads as `ncMeta.knex(...)`.
  let text = root.getText(sourceFile).replace(/\s*\n\s*/g, "");
  for (const c of calls) {
    const args = c.args.map((a) => a.getText(sourceFile)).join(", ");
    text += `${c.name ? `.${c.name}` : ""}(${args.length > 30 || args.includes("\n") ? "..." : args})`;
  }
  return text;
}

/** `a = b` on the child's owning foreign key to its parent, or on another of its foreign keys (either order); undefined otherwise. */
export function linkPred(a: { ref: TableRef; column: string }, b: { ref: TableRef; column: string }): Pred | undefined {
  if (a.ref === b.ref) return undefined;
  const pairs = [
    [a, b],
    [b, a],
  ] as const;
  for (const [x, y] of pairs)
    if (isParentLink(x.ref.table, x.column, y.ref.table, y.column))
      return { kind: "parent", child: x.ref, parent: y.ref };
  for (const [x, y] of pairs)
    if (isReferenceLink(x.ref.table, x.column, y.ref.table, y.column))
      return { kind: "reference", row: x.ref, parent: y.ref };
  return undefined;
}

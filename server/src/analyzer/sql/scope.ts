// The row-level scoping semantics of DESIGN.md, applied to one parsed SQL text.
// Every reference to a tenant-owned table, in every statement, CTE, subquery and
// set-operation branch, must be scoped by its own level's WHERE/ON, by a join
// equality to a scoped reference, or (for subqueries and CTEs that pass the tenant
// column through) by the level that reads them.
import type { TenantModel, TenantOwner, TenantTable } from "../model/types";
import { insertTenantColumnsOf, isShareKey, lookupTenantTable, tenantColumnsOf } from "../model/types";
import { tenantColumnMatches } from "../model/names";
import type { ProofKind } from "../types";
import { identifiesOwnRows, userKeyOf, type UserKey } from "../membership";
import { as, columnRef, firstLocation, list, names, qualifiedColumn, sqlIdentifier, stripCasts, walk } from "./ast";
import { clauseInsertion, type ClauseTokens } from "./clauses";
import type { ParsedSql } from "./parse";
import { foreignKeyJoin, ownedThroughFinding, parentSubquery, referenceJoin, type OwnedThroughVerb } from "./parents";
import {
  andTerms,
  classifyTerm,
  columnEqualities,
  isTenantColumnOf,
  weakMention,
  type ClassifyContext,
  type TermMeaning,
} from "./predicates";

export type SqlRuleId = "missing-tenant-filter" | "weak-tenant-filter" | "missing-tenant-on-insert" | "dynamic-sql";

/** How to repair an issue, in SQL offsets; `fixes/` turns it into file edits. */
export type SqlFixPlan =
  | {
      kind: "add-predicate";
      /** `alias.tenant_col`, ready to be followed by ` = <value>`. */
      column: string;
      /** Insert ` AND <column> = <value>` (or ` WHERE ...` when `createWhere`) at this offset. */
      insertAt: number;
      createWhere: boolean;
      /** When set, wrap the existing WHERE in parentheses: it is an OR and AND binds tighter. */
      wrap?: { start: number; end: number };
    }
  | {
      kind: "add-insert-column";
      column: string;
      /** Offset of the `)` closing the column list. */
      columnsEnd: number;
      /** Offset of the `)` closing each VALUES row. */
      rowEnds: number[];
    };

export interface SqlIssue {
  ruleId: SqlRuleId;
  /** UTF-16 range in the SQL text. */
  start: number;
  end: number;
  table?: string;
  message: string;
  /** Index of the statement in a multi-statement text, for fingerprints. */
  statementIndex: number;
  fix?: SqlFixPlan;
}

export interface ScopeOptions {
  model: TenantModel;
  /** When given, receives one proof per tenant-owned table reference found scoped (`--explain`, hovers). */
  proofs?: SqlProof[];
  /**
   * Called when a reference is read by a share link or a public flag: its rows are anyone's who
   * holds the link or finds the page, not the tenant's.
   */
  onShareLink?(): void;
  /** Whether parameter `$n` holds the signed-in user's id or email (`${ctx.user.id}`): the user's own rows then scope. */
  sessionUser?(param: number, key: UserKey): boolean;
}

/** How one reference to a tenant-owned table was found scoped; offsets are into the SQL text. */
export interface SqlProof {
  table: string;
  refStart: number;
  refEnd: number;
  kind: Extract<
    ProofKind,
    | "predicate"
    | "shared-or-owned"
    | "credential"
    | "membership"
    | "own-rows"
    | "share-link"
    | "public-rows"
    | "join"
    | "parent"
  >;
  evidenceStart: number;
  evidenceEnd: number;
  /** The predicate or join as written (`o.tenant_id = $1`), or for a parent how it is scoped. */
  text: string;
  /** A `parent` proof the other way: the row a scoped row's foreign key names (`hd.id = hdr.dataset_id`). */
  named?: boolean;
}

/** Checks every statement of a parsed SQL text. */
export function checkSqlScoping(
  sql: string,
  parsed: ParsedSql,
  tokens: ClauseTokens,
  options: ScopeOptions,
): SqlIssue[] {
  const checker = new ScopeChecker(sql, parsed, tokens, options);
  list(parsed.tree.stmts).forEach((raw, index) => {
    const stmt = (raw as { stmt?: unknown }).stmt;
    checker.statementIndex = index;
    checker.statement(stmt, undefined, new Map(), "top");
  });
  return checker.issues;
}

interface Ref {
  /** Name used to qualify columns: the alias, else the table name. */
  exposed: string;
  table?: string;
  schema?: string;
  tenant?: TenantTable;
  /** Column carrying the tenant: the table's tenant column, or the one a derived table passes through. */
  tenantColumn?: string;
  /** Every tenant column of the table (a hierarchy); none for a table owned through its parent. */
  tenantColumns?: readonly string[];
  /** For a derived table or CTE: the parent key its owned-through rows carry out. */
  links?: TenantOwner[];
  /** A parent reference this one is joined to by its owning foreign key, whether or not that parent is scoped. */
  joinedParent?: Ref;
  /** How this reference was found scoped, in words, for a child's proof (only kept when proofs are wanted). */
  how?: string;
  /**
   * An unscoped child this parent is joined to on the child's own tenant key: the child's finding
   * covers both (scoping the child scopes the parent), so the parent reports nothing of its own.
   */
  coveredBy?: Ref;
  start: number;
  end: number;
  /** Unscoped inner references a derived table hands to the level that reads it. */
  pending: SqlIssue[];
  scoped: boolean;
  level: Level;
}

interface Level {
  refs: Ref[];
  /** A SELECT: share keys (`tables.<t>.shareKeys`) scope its reads; a write needs the tenant. */
  reads?: boolean;
  outer?: Level;
  /** WHERE clause and where a new one would go, for the add-predicate fix. */
  fixAnchor?: { where?: unknown; anchor: number };
}

interface Cte {
  /** Issues waiting for the reading level's predicate, and the column that carries the tenant. */
  pending: SqlIssue[];
  tenantColumn?: string;
  /** Or the parent key its owned-through rows carry out (`invoice_id -> invoices.id`), for the reader to join on. */
  parentLink?: TenantOwner;
  consumed: boolean;
}

type Context = "top" | "derived" | "insert-select";

/** What a level hands to the level that reads it (a derived table or CTE). */
interface LevelResult {
  pending: SqlIssue[];
  tenantColumn?: string;
  /** The parent key its pending owned-through rows carry out, when that is what they wait for. */
  parentLink?: TenantOwner;
}

/** Terms with the references they may scope: ON of a LEFT JOIN filters only its nullable side. */
interface Term {
  expr: unknown;
  appliesTo?: ReadonlySet<Ref>;
}

/** A tenant-column equality that `JOIN ... USING (tenant_col)` or NATURAL JOIN implies. */
interface ImpliedJoin {
  a: Ref;
  b: Ref;
  appliesTo: ReadonlySet<Ref>;
}

interface FromClause {
  terms: Term[];
  implied: ImpliedJoin[];
}

class ScopeChecker {
  issues: SqlIssue[] = [];
  statementIndex = 0;

  constructor(
    private readonly sql: string,
    private readonly parsed: ParsedSql,
    private readonly tokens: ClauseTokens,
    private readonly options: ScopeOptions,
  ) {}

  /** Checks one statement node; returns the issues a reading level may still resolve. */
  statement(node: unknown, outer: Level | undefined, ctes: Map<string, Cte>, context: Context): LevelResult {
    const select = as<Record<string, unknown>>(node, "SelectStmt");
    if (select) return this.select(select, outer, ctes, context);
    const update = as<Record<string, unknown>>(node, "UpdateStmt");
    if (update) return (this.modify("UPDATE", update, update.fromClause, outer, ctes), { pending: [] });
    const del = as<Record<string, unknown>>(node, "DeleteStmt");
    if (del) return (this.modify("DELETE", del, del.usingClause, outer, ctes), { pending: [] });
    const insert = as<Record<string, unknown>>(node, "InsertStmt");
    if (insert) return (this.insert(insert, outer, ctes), { pending: [] });
    const explain = as<{ query?: unknown }>(node, "ExplainStmt");
    if (explain) return this.statement(explain.query, outer, ctes, context);
    return { pending: [] };
  }

  private select(
    stmt: Record<string, unknown>,
    outer: Level | undefined,
    parentCtes: Map<string, Cte>,
    context: Context,
  ): LevelResult {
    const ctes = this.withClause(stmt.withClause, outer, parentCtes);
    if (stmt.op && stmt.op !== "SETOP_NONE") {
      // Every branch of UNION / INTERSECT / EXCEPT is checked on its own.
      const left = this.select(stmt.larg as Record<string, unknown>, outer, ctes, context);
      const right = this.select(stmt.rarg as Record<string, unknown>, outer, ctes, context);
      this.flushCtes(ctes, parentCtes);
      return { pending: [...left.pending, ...right.pending], tenantColumn: left.tenantColumn ?? right.tenantColumn };
    }
    const level: Level = { refs: [], outer, reads: context !== "insert-select" };
    const from: FromClause = { terms: [], implied: [] };
    for (const item of list(stmt.fromClause)) this.fromItem(item, level, ctes, from);
    const terms = from.terms;
    for (const t of andTerms(stmt.whereClause)) terms.push({ expr: t });
    const anchorRef = level.refs[0];
    level.fixAnchor = { where: stmt.whereClause, anchor: anchorRef ? anchorRef.start : -1 };
    this.resolveScoping(level, terms, from.implied, ctes);
    this.subqueries(
      [
        stmt.targetList,
        stmt.whereClause,
        stmt.havingClause,
        stmt.groupClause,
        stmt.sortClause,
        stmt.limitCount,
        stmt.limitOffset,
        stmt.valuesLists,
      ],
      level,
      ctes,
    );
    for (const t of terms) if (t.appliesTo) this.subqueries([t.expr], level, ctes);

    const carried = context === "derived" ? projectedTenantColumn(stmt.targetList, level) : undefined;
    // Owned-through rows that pass their parent key out wait for the reader to join it to a scoped parent.
    const linked = context === "derived" && !carried?.name ? projectedParentKey(stmt.targetList, level) : undefined;
    const pending: SqlIssue[] = [];
    for (const ref of level.refs) {
      if (ref.scoped || ref.coveredBy) continue;
      const issues = ref.tenant
        ? [this.unscopedIssue(ref, level, terms, context === "insert-select" ? "insert-select" : "SELECT")]
        : ref.pending;
      if (carried?.name !== undefined && ref.tenantColumn === carried.source.get(ref)) pending.push(...issues);
      else if (linked?.source.has(ref)) pending.push(...issues);
      else this.issues.push(...issues);
    }
    this.flushCtes(ctes, parentCtes);
    return {
      pending,
      tenantColumn: carried?.name ?? (pending.length ? undefined : carried?.scopedName),
      ...(linked && pending.length ? { parentLink: linked.link } : {}),
    };
  }

  private modify(
    verb: "UPDATE" | "DELETE",
    stmt: Record<string, unknown>,
    joined: unknown,
    outer: Level | undefined,
    parentCtes: Map<string, Cte>,
  ) {
    const ctes = this.withClause(stmt.withClause, outer, parentCtes);
    const level: Level = { refs: [], outer };
    const from: FromClause = { terms: [], implied: [] };
    const target = this.tableRef(stmt.relation, level, ctes);
    for (const item of list(joined)) this.fromItem(item, level, ctes, from);
    const terms = from.terms;
    for (const t of andTerms(stmt.whereClause)) terms.push({ expr: t });
    level.fixAnchor = { where: stmt.whereClause, anchor: target ? target.start : -1 };
    this.resolveScoping(level, terms, from.implied, ctes);
    this.subqueries(
      [stmt.targetList, stmt.whereClause, stmt.returningList, (stmt.returningClause as { exprs?: unknown })?.exprs],
      level,
      ctes,
    );
    for (const ref of level.refs) {
      if (ref.scoped || (ref.coveredBy && ref !== target)) continue;
      if (ref.tenant) this.issues.push(this.unscopedIssue(ref, level, terms, ref === target ? verb : "SELECT"));
      else this.issues.push(...ref.pending);
    }
    this.flushCtes(ctes, parentCtes);
  }

  private insert(stmt: Record<string, unknown>, outer: Level | undefined, parentCtes: Map<string, Cte>) {
    const ctes = this.withClause(stmt.withClause, outer, parentCtes);
    const relation =
      as<{ relname?: string; schemaname?: string; location?: number }>(stmt.relation, "RangeVar") ??
      (stmt.relation as { relname?: string; schemaname?: string; location?: number });
    const tenant = relation?.relname
      ? lookupTenantTable(this.options.model, relation.relname, relation.schemaname)
      : undefined;
    const select = as<Record<string, unknown>>(stmt.selectStmt, "SelectStmt");
    const cols = list(stmt.cols).map((c) => as<{ name?: string }>(c, "ResTarget")?.name ?? "");
    const [start, end] = this.refSpan(relation?.location ?? 0);

    // A table owned through its parent has no tenant column: the parent key it must carry ties the row.
    // In a hierarchy any level the table has will do (as in every ORM), never a level table's own key.
    const setsTenant =
      !!tenant && insertTenantColumnsOf(tenant).some((c) => cols.some((col) => tenantColumnMatches(col, c)));
    if (tenant && !tenant.owner && (!select || (cols.length > 0 && !setsTenant))) {
      this.issues.push({
        ruleId: "missing-tenant-on-insert",
        start,
        end,
        table: tenant.name,
        message: `INSERT into "${tenant.name}" does not set ${tenant.tenantColumn}: the row is written without an owning tenant. Add ${sqlIdentifier(tenant.tenantColumn)} to the column list and its value.`,
        statementIndex: this.statementIndex,
        fix:
          select && select.valuesLists
            ? this.insertColumnFix(
                sqlIdentifier(tenant.tenantColumn),
                relation?.location ?? 0,
                list(select.valuesLists),
              )
            : undefined,
      });
    }
    if (select) {
      // INSERT ... SELECT must read only the current tenant's rows.
      if (select.valuesLists) this.subqueries([select.valuesLists], undefined, ctes);
      else this.statement(stmt.selectStmt, outer, ctes, "insert-select");
    }
    if (tenant && !tenant.owner)
      this.onConflict(stmt.onConflictClause, tenant, relation?.relname ?? tenant.name, start, end);
    this.subqueries([stmt.returningList, (stmt.returningClause as { exprs?: unknown })?.exprs], undefined, ctes);
    this.flushCtes(ctes, parentCtes);
  }

  /** `ON CONFLICT (id) DO UPDATE` can overwrite another tenant's row unless the target or its WHERE involves the tenant. */
  private onConflict(clause: unknown, tenant: TenantTable, exposed: string, start: number, end: number) {
    const c =
      as<{ action?: string; infer?: unknown; whereClause?: unknown; location?: number }>(clause, "OnConflictClause") ??
      (clause as { action?: string; infer?: unknown; whereClause?: unknown; location?: number } | undefined);
    if (!c || c.action !== "ONCONFLICT_UPDATE") return;
    const infer = (as<{ indexElems?: unknown[]; conname?: string }>(c.infer, "InferClause") ?? c.infer) as
      { indexElems?: unknown[]; conname?: string } | undefined;
    if (infer?.conname) return; // a named constraint: its columns are not visible here
    const targetCols = list(infer?.indexElems).map((e) => as<{ name?: string }>(e, "IndexElem")?.name);
    if (targetCols.includes(tenant.tenantColumn)) return;
    const ref: Ref = {
      exposed,
      tenant,
      tenantColumn: tenant.tenantColumn,
      start,
      end,
      pending: [],
      scoped: false,
      level: { refs: [] },
    };
    ref.level.refs.push(ref);
    const ctx: ClassifyContext<Ref> = {
      resolve: (q, col) => resolveColumn(ref.level, q, col),
      valueQualifiers: new Set(["excluded"]),
    };
    for (const term of andTerms(c.whereClause)) {
      const meaning = classifyTerm(term, ctx);
      if (meaning.kind === "scopes" && meaning.refs.includes(ref)) return;
    }
    const at = this.parsed.toCharOffset(c.location ?? 0);
    this.issues.push({
      ruleId: "missing-tenant-filter",
      start: at,
      end: this.tokenEndAt(at, 2),
      table: tenant.name,
      message: `ON CONFLICT DO UPDATE on "${tenant.name}" can overwrite another tenant's row: the conflict target does not include ${tenant.tenantColumn} and the DO UPDATE has no tenant predicate. Add ${sqlIdentifier(tenant.tenantColumn)} to the conflict target or \`WHERE ${qualifiedColumn(exposed, tenant.tenantColumn)} = EXCLUDED.${sqlIdentifier(tenant.tenantColumn)}\`.`,
      statementIndex: this.statementIndex,
    });
  }

  private withClause(withClause: unknown, outer: Level | undefined, parent: Map<string, Cte>): Map<string, Cte> {
    const ctes = list(
      (as<{ ctes?: unknown[] }>(withClause, "WithClause") ?? (withClause as { ctes?: unknown[] }))?.ctes,
    );
    if (ctes.length === 0) return parent;
    const scope = new Map(parent);
    for (const raw of ctes) {
      const cte = as<{ ctename?: string; ctequery?: unknown }>(raw, "CommonTableExpr");
      if (!cte?.ctename) continue;
      const isSelect = !!as(cte.ctequery, "SelectStmt");
      // A data-modifying CTE runs whatever reads it: its own issues stand on their own.
      const result = this.statement(cte.ctequery, outer, scope, isSelect ? "derived" : "top");
      scope.set(cte.ctename, {
        pending: result.pending,
        tenantColumn: result.tenantColumn,
        parentLink: result.parentLink,
        consumed: false,
      });
    }
    return scope;
  }

  /** A CTE nobody read with a predicate still reads every tenant's rows: report what it held back. */
  private flushCtes(ctes: Map<string, Cte>, parent: Map<string, Cte>) {
    if (ctes === parent) return;
    for (const [name, cte] of ctes) {
      if (parent.get(name) === cte) continue;
      if (!cte.consumed) this.issues.push(...cte.pending);
      cte.pending = [];
    }
  }

  private fromItem(item: unknown, level: Level, ctes: Map<string, Cte>, from: FromClause): Ref[] {
    const rangeVar = as(item, "RangeVar");
    if (rangeVar) {
      const ref = this.tableRef(item, level, ctes);
      return ref ? [ref] : [];
    }
    const sub = as<{ subquery?: unknown; alias?: { aliasname?: string }; location?: number }>(item, "RangeSubselect");
    if (sub) {
      const result = this.statement(sub.subquery, level.outer, ctes, "derived");
      const start = firstLocation(sub.subquery) ?? 0;
      const ref: Ref = {
        exposed: sub.alias?.aliasname ?? "",
        // Scoped, the column that carries the tenant holds the tenant's value: a join on it scopes the other side.
        tenantColumn: result.tenantColumn,
        ...(result.pending.length && result.parentLink ? { links: [result.parentLink] } : {}),
        start: this.parsed.toCharOffset(start),
        end: this.parsed.toCharOffset(start),
        pending: result.pending,
        scoped: result.pending.length === 0,
        level,
      };
      level.refs.push(ref);
      return [ref];
    }
    const join = as<{
      jointype?: string;
      larg?: unknown;
      rarg?: unknown;
      quals?: unknown;
      usingClause?: unknown[];
      isNatural?: boolean;
    }>(item, "JoinExpr");
    if (join) {
      const left = this.fromItem(join.larg, level, ctes, from);
      const right = this.fromItem(join.rarg, level, ctes, from);
      // Postgres: the ON of an outer join filters only the rows of its nullable side.
      const type = join.jointype ?? "JOIN_INNER";
      const appliesTo =
        type === "JOIN_LEFT"
          ? new Set(right)
          : type === "JOIN_RIGHT"
            ? new Set(left)
            : type === "JOIN_FULL"
              ? new Set<Ref>()
              : new Set([...left, ...right]);
      for (const t of andTerms(join.quals)) from.terms.push({ expr: t, appliesTo });
      const using = names(join.usingClause);
      for (const l of left) {
        for (const r of right) {
          const shared = join.isNatural
            ? l.tenantColumn !== undefined && l.tenantColumn === r.tenantColumn
            : !!l.tenantColumn && using.includes(l.tenantColumn) && l.tenantColumn === r.tenantColumn;
          if (shared) from.implied.push({ a: l, b: r, appliesTo });
        }
      }
      return [...left, ...right];
    }
    return [];
  }

  private tableRef(node: unknown, level: Level, ctes: Map<string, Cte>): Ref | undefined {
    const rv = (as<{ relname?: string; schemaname?: string; alias?: { aliasname?: string }; location?: number }>(
      node,
      "RangeVar",
    ) ?? node) as
      { relname?: string; schemaname?: string; alias?: { aliasname?: string }; location?: number } | undefined;
    if (!rv?.relname) return undefined;
    const [start, end] = this.refSpan(rv.location ?? 0);
    const cte = !rv.schemaname ? ctes.get(rv.relname) : undefined;
    const base = { exposed: rv.alias?.aliasname ?? rv.relname, start, end, level };
    let ref: Ref;
    if (cte) {
      ref = {
        ...base,
        tenantColumn: cte.tenantColumn,
        ...(cte.pending.length && cte.parentLink ? { links: [cte.parentLink] } : {}),
        pending: cte.pending,
        scoped: cte.pending.length === 0,
      };
      cte.consumed = true;
    } else {
      const tenant = lookupTenantTable(this.options.model, rv.relname, rv.schemaname);
      ref = {
        ...base,
        table: rv.relname,
        schema: rv.schemaname,
        tenant,
        tenantColumn: tenant && !tenant.owner ? tenant.tenantColumn : undefined,
        ...(tenant ? { tenantColumns: tenantColumnsOf(tenant) } : {}),
        pending: [],
        scoped: !tenant,
      };
    }
    level.refs.push(ref);
    return ref;
  }

  /**
   * Marks references scoped by direct predicates (and parent subqueries), then by tenant-column
   * join equalities and owning foreign-key joins to scoped parents, until nothing changes.
   */
  private resolveScoping(level: Level, terms: Term[], implied: ImpliedJoin[], ctes: Map<string, Cte>) {
    const ctx: ClassifyContext<Ref> = {
      resolve: (q, col) => resolveColumn(level, q, col),
      soleRef: () => (level.refs.length === 1 ? level.refs[0] : undefined),
      reads: !!level.reads,
      ...(level.reads
        ? { isShareKey: (ref: Ref, column: string) => !!ref.tenant && isShareKey(ref.tenant, column) }
        : {}),
      ...(this.options.sessionUser && {
        ownRows: (ref: Ref, column: string, param: number) =>
          ref.tenant && this.options.sessionUser!(param, userKeyOf(column))
            ? ownRowsOf(ref.tenant, column, !!level.reads)
            : undefined,
      }),
    };
    const meanings = terms.map((t) => classifyTerm(t.expr, ctx));
    // Postgres: a strict WHERE predicate on the nullable side of an outer join drops the rows the
    // join padded with NULLs, so every row left satisfies that join's ON: it applies to both sides.
    const nullRejected = new Set<Ref>();
    meanings.forEach((m, i) => {
      if (!terms[i].appliesTo && m.kind === "scopes" && !m.shared) for (const r of m.refs) nullRejected.add(r);
    });
    // And down a chain of outer joins: `LEFT JOIN d ON dp.dataset_id = d.id` with d null-rejected
    // keeps only rows where the equality held, so dp was matched too (`LEFT JOIN dp ON ...`).
    for (let grew = true; grew;) {
      grew = false;
      for (const t of terms) {
        if (!t.appliesTo || ![...t.appliesTo].some((r) => nullRejected.has(r))) continue;
        for (const r of equalityRefs(t.expr, ctx))
          if (!nullRejected.has(r)) {
            nullRejected.add(r);
            grew = true;
          }
      }
    }
    const appliesTo = (t: Term) =>
      t.appliesTo && ![...t.appliesTo].some((r) => nullRejected.has(r)) ? t.appliesTo : undefined;
    const applies = (t: Term, ref: Ref) => !appliesTo(t) || appliesTo(t)!.has(ref);

    const joins: { a: Ref; b: Ref; appliesTo?: ReadonlySet<Ref>; expr?: unknown }[] = [...implied];
    const parents: { child: Ref; parent: Ref; term: Term }[] = [];
    const references: { row: Ref; parent: Ref; term: Term }[] = [];
    const direct = new Map<Ref, { kind: SqlProof["kind"]; expr: unknown; text?: string }>();
    terms.forEach((term, i) => {
      const meaning = meanings[i];
      if (meaning.kind === "scopes") {
        for (const ref of meaning.refs) {
          if (applies(term, ref) && !direct.has(ref))
            direct.set(ref, {
              kind: proofKindOf(meaning),
              expr: term.expr,
            });
        }
      } else if (meaning.kind === "joins") {
        joins.push({ a: meaning.a, b: meaning.b, appliesTo: appliesTo(term), expr: term.expr });
      } else {
        const fk = foreignKeyJoin(term.expr, level);
        if (fk) {
          parents.push({ ...fk, term });
          fk.child.joinedParent ??= fk.parent;
        }
        const reference = fk ? undefined : referenceJoin(term.expr, level);
        if (reference) references.push({ ...reference, term });
        const sub = this.parentSubquery(term.expr, level, ctes);
        if (sub && applies(term, sub.child) && !direct.has(sub.child))
          direct.set(sub.child, { kind: "parent", expr: term.expr, text: sub.text });
      }
    });
    // A derived table whose pending issues are all resolved counts as scoped already.
    const isScoped = (r: Ref) => r.scoped || direct.has(r);
    for (const [ref, how] of direct) {
      ref.scoped = true;
      if (how.kind === "share-link" || how.kind === "public-rows") this.options.onShareLink?.();
      this.prove(ref, how.kind, how.expr, how.text);
    }
    let changed = true;
    while (changed) {
      changed = false;
      for (const { a, b, appliesTo: only, expr } of joins) {
        for (const [from, to] of [
          [a, b],
          [b, a],
        ]) {
          if (isScoped(from) && !to.scoped && to.level === level && (!only || only.has(to))) {
            to.scoped = true;
            changed = true;
            this.prove(to, "join", expr, undefined, from);
          }
        }
      }
      for (const { child, parent, term } of parents) {
        if (isScoped(parent) && parent.tenant && !child.scoped && child.level === level && applies(term, child)) {
          child.scoped = true;
          changed = true;
          this.prove(child, "parent", term.expr, undefined, parent);
        } else if (
          // The other way on a hierarchy key (`p.id = e.project_id`, e scoped): the parent row is
          // the one the scoped child's own tenant column names. Not for a table owned only
          // through its parent: its scope comes from the parent, not the reverse.
          child.tenant &&
          !child.tenant.owner &&
          isScoped(child) &&
          parent.tenant &&
          !parent.scoped &&
          parent.level === level &&
          applies(term, parent)
        ) {
          parent.scoped = true;
          changed = true;
          this.prove(parent, "parent", term.expr, undefined, child);
        }
      }
      // `JOIN datasets hd ON hd.id = hdr.dataset_id` with hdr scoped: the dataset its row names.
      for (const { row, parent, term } of references) {
        if (isScoped(row) && parent.tenant && !parent.scoped && parent.level === level && applies(term, parent)) {
          parent.scoped = true;
          changed = true;
          this.prove(parent, "parent", term.expr, undefined, row, true);
        }
      }
    }
    // A row covered already covers nothing, and is covered once: rows that name each other
    // (`p.id = t.project_id AND p.last_task_id = t.id`) are never all silent.
    const cover = (row: Ref, by: Ref) => {
      if (!row.scoped && !row.coveredBy && !by.coveredBy && by !== row) row.coveredBy = by;
    };
    for (const { child, parent, term } of parents)
      if (child.tenant && !child.tenant.owner && !isScoped(child) && applies(term, parent)) cover(parent, child);
    // The row an unscoped row's foreign key names follows that row: its finding covers both.
    for (const { row, parent, term } of references)
      if (row.tenant && !isScoped(row) && parent.level === level && applies(term, parent)) cover(parent, row);
    // The same when the key is also a tenant-column join (the level table's own key, `p.id`).
    for (const { expr, appliesTo: only } of joins) {
      const fk = foreignKeyJoin(expr, level);
      if (!fk || !fk.child.tenant || fk.child.tenant.owner || isScoped(fk.child)) continue;
      if (!only || only.has(fk.parent)) cover(fk.parent, fk.child);
    }
  }

  /** Records how a tenant-owned reference was found scoped, when the caller asked for proofs. */
  private prove(ref: Ref, kind: SqlProof["kind"], expr: unknown, text?: string, from?: Ref, named?: boolean) {
    const proofs = this.options.proofs;
    if (!proofs || !ref.tenant) return;
    const [evidenceStart, evidenceEnd] =
      expr === undefined ? [from?.start ?? ref.start, from?.end ?? ref.end] : this.exprSpan(expr);
    const written = expr === undefined ? `USING (${ref.tenantColumn})` : this.sql.slice(evidenceStart, evidenceEnd);
    const alias = (r: Ref) => (r.table && r.exposed !== r.table ? `${r.table} ${r.exposed}` : r.exposed);
    const described =
      text ??
      (kind === "parent" && from
        ? `joined to ${alias(from)} on ${written}, ${from.how ? `scoped by ${from.how}` : "which is scoped"}`
        : written);
    ref.how =
      kind === "predicate" ||
      kind === "shared-or-owned" ||
      kind === "credential" ||
      kind === "membership" ||
      kind === "own-rows" ||
      kind === "share-link" ||
      kind === "public-rows"
        ? written
        : `${alias(ref)} ${described}`;
    proofs.push({
      table: ref.tenant.name,
      refStart: ref.start,
      refEnd: ref.end,
      kind,
      evidenceStart,
      evidenceEnd,
      text: described,
      ...(named && { named }),
    });
  }

  /** The written span of an expression: its first token to its last, with the parentheses it closes. */
  private exprSpan(expr: unknown): [number, number] {
    let min: number | undefined;
    let max: number | undefined;
    walk(expr, (_type, fields) => {
      const loc = fields.location;
      if (typeof loc !== "number" || loc < 0) return;
      if (min === undefined || loc < min) min = loc;
      if (max === undefined || loc > max) max = loc;
    });
    if (min === undefined || max === undefined) return [0, 0];
    const start = this.parsed.toCharOffset(min);
    const tokens = this.tokens.tokens;
    let last = this.tokens.indexAt(this.parsed.toCharOffset(max));
    // The last node starts inside `ANY($1)` or `current_setting('x')`: close what the expression opened.
    let open = 0;
    for (let i = this.tokens.indexAt(start); i <= last && i < tokens.length; i++)
      open += tokens[i].text === "(" ? 1 : tokens[i].text === ")" ? -1 : 0;
    for (;;) {
      const next = tokens[last + 1]?.text;
      if (next === undefined) break;
      // Inside what the expression opened, or the rest of its last node: `ii.invoice_id`, `::uuid[]`.
      const continues =
        open > 0 ||
        next === "." ||
        next === "::" ||
        next === "[" ||
        next === "]" ||
        tokens[last].text === "." ||
        tokens[last].text === "::";
      if (!continues) break;
      last++;
      open += next === "(" ? 1 : next === ")" ? -1 : 0;
    }
    return [start, tokens[last]?.end ?? start];
  }

  /**
   * `c.fk IN (SELECT pk FROM parent WHERE <scoped>)`, `EXISTS (SELECT 1 FROM parent p WHERE
   * p.pk = c.fk AND <scoped>)`: the child's rows all belong to a scoped parent.
   */
  private parentSubquery(
    expr: unknown,
    level: Level,
    ctes: Map<string, Cte>,
  ): { child: Ref; text: string } | undefined {
    const link = parentSubquery(expr, level);
    if (!link) return undefined;
    // The subquery must scope the parent itself; it is checked (and reported) on its own later.
    const probe = new ScopeChecker(this.sql, this.parsed, this.tokens, { model: this.options.model });
    probe.statement(link.subselect, level, ctes, "top");
    const parentName = link.parent.toLowerCase();
    if (probe.issues.some((i) => i.table?.toLowerCase() === parentName)) return undefined;
    return { child: link.child, text: `its ${link.parent} row is read by a subquery scoped to the tenant` };
  }

  /** Checks every subquery (SubLink) in the given expressions as its own level. */
  private subqueries(exprs: unknown[], level: Level | undefined, ctes: Map<string, Cte>) {
    walk(exprs, (type, fields) => {
      if (type !== "SubLink") return;
      this.statement(fields.subselect, level, ctes, "top");
      if (fields.testexpr) this.subqueries([fields.testexpr], level, ctes);
      return false;
    });
  }

  private unscopedIssue(
    ref: Ref,
    level: Level,
    terms: Term[],
    verb: "SELECT" | "UPDATE" | "DELETE" | "insert-select",
  ): SqlIssue {
    const tenant = ref.tenant!;
    const ctx: ClassifyContext<Ref> = { resolve: (q, col) => resolveColumn(level, q, col) };
    const column = qualifiedColumn(ref.exposed, tenant.tenantColumn);
    const interpolated = terms.find((t) => !t.appliesTo && as(stripCasts(t.expr), "ParamRef"));
    if (tenant.owner) return this.ownedThroughIssue(ref, tenant, tenant.owner, verb, !!interpolated);
    if (interpolated) {
      // `WHERE ${condition}`: the predicate may be in the interpolated text; say so instead of guessing.
      return {
        ruleId: "dynamic-sql",
        start: ref.start,
        end: ref.end,
        table: tenant.name,
        message: `The WHERE clause on "${tenant.name}" is interpolated at run time, so tenantguard cannot tell whether it holds the tenant predicate. Write \`${column} = <tenant>\` in the SQL text.`,
        statementIndex: this.statementIndex,
      };
    }
    const weak = terms
      // A join equality (on the tenant column, or a hierarchy key to its parent) is not a weak filter.
      .filter((t) => classifyTerm(t.expr, ctx).kind !== "joins" && !foreignKeyJoin(t.expr, level))
      .map((t) =>
        t.appliesTo && !t.appliesTo.has(ref) ? outerJoinMention(t.expr, ref, ctx) : weakMention(t.expr, ref, ctx),
      )
      .find(Boolean);
    const fix = this.predicateFix(level, column);
    if (weak) {
      return {
        ruleId: "weak-tenant-filter",
        start: ref.start,
        end: ref.end,
        table: tenant.name,
        message: `The tenant predicate on "${tenant.name}" ${weak}: it does not hold for every row. Require \`${column} = <tenant>\` as a top-level AND term.`,
        statementIndex: this.statementIndex,
        fix,
      };
    }
    const what =
      verb === "UPDATE"
        ? `UPDATE of "${tenant.name}" has no tenant predicate: it changes every tenant's matching rows.`
        : verb === "DELETE"
          ? `DELETE from "${tenant.name}" has no tenant predicate: it removes every tenant's matching rows.`
          : verb === "insert-select"
            ? `INSERT ... SELECT reads "${tenant.name}" without a tenant predicate: it copies every tenant's rows.`
            : `Query reads "${tenant.name}" without a tenant predicate: it returns every tenant's rows.`;
    return {
      ruleId: verb === "insert-select" ? "missing-tenant-on-insert" : "missing-tenant-filter",
      start: ref.start,
      end: ref.end,
      table: tenant.name,
      message: `${what} Add \`${column} = <tenant>\` to its WHERE clause.`,
      statementIndex: this.statementIndex,
      fix,
    };
  }

  /** A table owned through its parent that reaches no scoped parent. No fix: which join fits is the author's call. */
  private ownedThroughIssue(
    ref: Ref,
    tenant: TenantTable,
    owner: TenantOwner,
    verb: OwnedThroughVerb,
    interpolated: boolean,
  ): SqlIssue {
    const joined = ref.joinedParent && { exposed: ref.joinedParent.exposed, scoped: ref.joinedParent.scoped };
    const { ruleId, message } = ownedThroughFinding(
      this.options.model,
      { ...tenant, owner },
      ref.exposed,
      verb,
      joined,
      interpolated,
    );
    return { ruleId, message, start: ref.start, end: ref.end, table: tenant.name, statementIndex: this.statementIndex };
  }

  private predicateFix(level: Level, column: string): SqlFixPlan | undefined {
    const anchor = level.fixAnchor;
    if (!anchor || anchor.anchor < 0) return undefined;
    const whereStart = anchor.where ? firstLocation(anchor.where) : undefined;
    const place = clauseInsertion(
      this.tokens,
      anchor.where ? this.parsed.toCharOffset(whereStart ?? 0) : anchor.anchor,
      !!anchor.where,
    );
    if (!place) return undefined;
    const isOr = as<{ boolop?: string }>(anchor.where, "BoolExpr")?.boolop === "OR_EXPR";
    return {
      kind: "add-predicate",
      column,
      insertAt: place.end,
      createWhere: !anchor.where,
      wrap: isOr && place.exprStart !== undefined ? { start: place.exprStart, end: place.end } : undefined,
    };
  }

  private insertColumnFix(column: string, relationLocation: number, rows: unknown[]): SqlFixPlan | undefined {
    const at = this.parsed.toCharOffset(relationLocation);
    const columnsEnd = this.tokens.closingParenAfter(at);
    if (columnsEnd === undefined) return undefined;
    const rowEnds: number[] = [];
    for (const row of rows) {
      const first = firstLocation(row);
      if (first === undefined) return undefined;
      const end = this.tokens.enclosingClose(this.parsed.toCharOffset(first));
      if (end === undefined) return undefined;
      rowEnds.push(end);
    }
    return { kind: "add-insert-column", column, columnsEnd, rowEnds };
  }

  /** The written span of a table reference (`public."Orders"`), from its parser location. */
  private refSpan(byteLocation: number): [number, number] {
    const start = this.parsed.toCharOffset(byteLocation);
    return [start, qualifiedNameEnd(this.sql, start)];
  }

  private tokenEndAt(start: number, count: number): number {
    return this.tokens.endAfterTokens(start, count) ?? Math.min(this.sql.length, start + 1);
  }
}

/** End of a possibly schema-qualified, possibly quoted name (`public."Orders"`) starting at `start`. */
export function qualifiedNameEnd(sql: string, start: number): number {
  let i = start;
  for (;;) {
    if (sql[i] === '"') {
      i++;
      while (i < sql.length && !(sql[i] === '"' && sql[i + 1] !== '"')) i += sql[i] === '"' ? 2 : 1;
      i++;
    } else {
      while (i < sql.length && isIdentifierChar(sql.charCodeAt(i))) i++;
    }
    if (sql[i] === "." && i + 1 < sql.length && (sql[i + 1] === '"' || isIdentifierChar(sql.charCodeAt(i + 1)))) i++;
    else return Math.min(i, sql.length);
  }
}

/** Letters, digits, `_`, `$` and anything non-ASCII (Postgres accepts those in identifiers). */
function isIdentifierChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36 || c > 127;
}

/** A predicate on `ref` in the ON of an outer join that does not filter `ref`'s side. */
function outerJoinMention(expr: unknown, ref: Ref, ctx: ClassifyContext<Ref>): string | undefined {
  const meaning = classifyTerm(expr, ctx);
  if (meaning.kind === "scopes" && meaning.refs.includes(ref)) {
    return "sits in the ON clause of an outer join, which does not filter the preserved side";
  }
  return weakMention(expr, ref, ctx);
}

/** Resolves `qualifier.column` to a reference of this level, else of an outer level. */
function resolveColumn(level: Level, qualifier: string[], column: string): Ref | undefined {
  for (let l: Level | undefined = level; l; l = l.outer) {
    if (qualifier.length) {
      const q = qualifier[qualifier.length - 1];
      const schema = qualifier.length > 1 ? qualifier[qualifier.length - 2] : undefined;
      const hit = l.refs.find((r) => r.exposed === q && (!schema || r.schema === schema));
      if (hit) return hit;
      continue;
    }
    // An unqualified column belongs to the single reference that can have it.
    const candidates = l.refs.filter((r) => isTenantColumnOf(r, column));
    if (candidates.length === 1) return candidates[0];
    if (candidates.length > 1) return undefined;
  }
  return undefined;
}

/**
 * The output column that carries the parent key of this level's unscoped owned-through references
 * (`SELECT * FROM invoice_items`, `SELECT ii.invoice_id AS inv ...`), when they all have the same parent.
 */
function projectedParentKey(targetList: unknown, level: Level): { link: TenantOwner; source: Set<Ref> } | undefined {
  const unscoped = level.refs.filter((r) => !r.scoped);
  const children = unscoped.filter((r) => r.tenant?.owner);
  // Anything else unscoped here does not wait for a parent join: keep the simple cases only.
  if (!children.length || children.length !== unscoped.length) return undefined;
  const owner = children[0].tenant!.owner!;
  let out: string | undefined;
  for (const raw of list(targetList)) {
    const target = as<{ name?: string; val?: unknown }>(raw, "ResTarget");
    const c = columnRef(target?.val);
    if (!c) continue;
    const ref = c.qualifier.length
      ? level.refs.find((r) => r.exposed === c.qualifier[c.qualifier.length - 1])
      : undefined;
    if (c.column === "*" && (!c.qualifier.length || ref === children[0])) out ??= owner.column;
    else if (c.column === owner.column && (ref === children[0] || (!c.qualifier.length && children.length === 1)))
      out ??= target?.name ?? c.column;
  }
  const sameParent = children.every(
    (r) => r.tenant!.owner!.parent === owner.parent && r.tenant!.owner!.column === owner.column,
  );
  if (!out || !sameParent || children.length !== 1) return undefined;
  return { link: { column: out, parent: owner.parent, parentColumn: owner.parentColumn }, source: new Set(children) };
}

/** The output column that carries the tenant of this level's unscoped references, if it passes one through. */
function projectedTenantColumn(
  targetList: unknown,
  level: Level,
): { name?: string; source: Map<Ref, string>; scopedName?: string } | undefined {
  const source = new Map<Ref, string>();
  let name: string | undefined;
  // A scoped reference's tenant column passed out: it holds the tenant's value (`WITH docs AS
  // (SELECT s.workspace_id ... WHERE s.workspace_id = $1)`), so a join on it scopes the reader's table.
  let scopedName: string | undefined;
  for (const raw of list(targetList)) {
    const target = as<{ name?: string; val?: unknown }>(raw, "ResTarget");
    const c = columnRef(target?.val);
    if (!c) continue;
    const refs =
      c.column === "*"
        ? c.qualifier.length
          ? level.refs.filter((r) => r.exposed === c.qualifier[c.qualifier.length - 1])
          : level.refs
        : [resolveColumn(level, c.qualifier, c.column)].filter((r): r is Ref => !!r && r.tenantColumn === c.column);
    for (const ref of refs) {
      if (!ref.tenantColumn) continue;
      const outName = c.column === "*" ? ref.tenantColumn : (target?.name ?? c.column);
      if (ref.scoped) {
        scopedName ??= outName;
        continue;
      }
      name ??= outName;
      if (outName === name) source.set(ref, ref.tenantColumn);
    }
  }
  return name || scopedName ? { name, source, scopedName } : undefined;
}

/**
 * What a column of `table` equal to the signed-in user's id proves (membership.ts): a membership's
 * user column in a read, an owner column, or the users table's own key (`users.id`, `account.id`:
 * the user's own row).
 */
function ownRowsOf(table: TenantTable, column: string, reads: boolean): "membership" | "own-rows" | undefined {
  const own = identifiesOwnRows(table, column, reads);
  if (own) return own;
  return column === "id" && USERS_TABLE.test(table.name) ? "own-rows" : undefined;
}

/** `users`, `user`, `accounts`, `account`: where each row is a user (not `org_users`, `billing_accounts`). */
const USERS_TABLE = /^(?:users?|accounts?)$/i;

/** `a.x = b.y`: the two references a plain column equality compares (strict: NULL on either side fails it). */
function equalityRefs(expr: unknown, ctx: ClassifyContext<Ref>): Ref[] {
  const sides = columnEqualities(expr, ctx);
  return sides.length === 2 ? sides.map((e) => e.ref) : [];
}

/** How a term that scopes its references proves them, as `--explain` names it. */
function proofKindOf(m: Extract<TermMeaning<Ref>, { kind: "scopes" }>): SqlProof["kind"] {
  if (m.shared) return "shared-or-owned";
  if (m.own) return m.own;
  if (m.credential) return "credential";
  if (m.shareLink) return "share-link";
  return m.published ? "public-rows" : "predicate";
}

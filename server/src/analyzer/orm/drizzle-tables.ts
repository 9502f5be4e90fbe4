// Drizzle tables and filters: which tenant-owned table a table object is, the key of its tenant
// column, and `and`/`or`/`eq`/`inArray`/sql`` filters translated into the shared predicate tree.
import type ts from "typescript";
import { isCredentialField, isLiteral, isPublicFlag } from "../credentials";
import { identifiesOwnRows, isSessionUser, userKeyOf } from "../membership";
import { snakeCase, tenantColumnMatches } from "../model/names";
import {
  isParentLink,
  isShareKey,
  lookupTenantTable,
  tenantColumnsOf,
  insertTenantColumnsOf,
  tenantFieldOf,
  type TenantModel,
  type TenantTable,
} from "../model/types";
import { and, linkPred, OTHER, verdicts, type Pred, type TableRef } from "./builder-scope";
import { importedName, isUndefinedLike } from "./builder-syntax";
import { arrayElements, constInitializer, skipOuter, thisMemberValue } from "./chain";
import { drizzleSubqueries } from "./drizzle-dynamic";
import type { OrmContext } from "./types";
import { sqlFragment } from "./sql-fragment";
import { constDeclarationOf } from "../flow/bindings";
import { escapeRegExp } from "../escape-regexp";

/** The tenant-owned table a drizzle table expression names (`orders`, `schema.orders`, an `alias(orders, "o")`). */
export function drizzleTableOf(ctx: OrmContext, expr: ts.Expression | undefined, depth = 0): TenantTable | undefined {
  if (!expr) return undefined;
  const tsm = ctx.ts;
  const e = skipOuter(ctx.ts, expr);
  if (tsm.isIdentifier(e)) {
    const init = constInitializer(tsm, e);
    const aliased = init && skipOuter(tsm, init);
    if (
      aliased &&
      tsm.isCallExpression(aliased) &&
      tsm.isIdentifier(aliased.expression) &&
      aliased.expression.text === "alias"
    )
      return drizzleTableOf(ctx, aliased.arguments[0]);
  }
  let name: string | undefined;
  // `const { journey: dbJourney } = schema`: the schema's table under another name (dittofeed).
  if (tsm.isIdentifier(e)) name = destructuredTable(tsm, e) ?? importedName(tsm, ctx.sourceFile, e.text) ?? e.text;
  else if (tsm.isPropertyAccessExpression(e)) name = e.name.text;
  const table = name ? drizzleTableNamed(ctx.model, name) : undefined;
  if (table || depth > 2) return table;
  // A subquery of the table (`from(this.scope)`, `scope = db.select().from(projects)....as("s")`).
  // Every subquery a `let` may hold reads the same table, or the name reads none known.
  const tables = new Set(drizzleSubqueries(ctx, e)?.map((sub) => drizzleTableOf(ctx, sub.from.args[0], depth + 1)));
  const [only] = tables;
  return tables.size === 1 ? only : undefined;
}

/** The property a const destructures `id` from an object by (`const { journey: dbJourney } = schema` -> `journey`). */
function destructuredTable(tsm: typeof ts, id: ts.Identifier): string | undefined {
  const d = constDeclarationOf(tsm, id, id);
  const from = d?.initializer && skipOuter(tsm, d.initializer);
  if (!d || !tsm.isObjectBindingPattern(d.name) || !from) return undefined;
  if (!tsm.isIdentifier(from) && !tsm.isPropertyAccessExpression(from)) return undefined;
  const el = d.name.elements.find((e) => !e.dotDotDotToken && tsm.isIdentifier(e.name) && e.name.text === id.text);
  const key = el && (el.propertyName ?? el.name);
  return key && (tsm.isIdentifier(key) || tsm.isStringLiteral(key)) ? key.text : undefined;
}

/**
 * Whether a table argument as written (`orders`, `schema.orders`) may be a tenant-owned
 * Drizzle table, by its last name, as `drizzleTableOf` resolves it. (A table imported under
 * another name is for the caller to allow: the text alone cannot follow the alias.)
 */
export function mayNameDrizzleTable(ctx: OrmContext, written: string): boolean {
  return !!drizzleTableNamed(ctx.model, written.split(".").pop()!.trim());
}

/**
 * The tenant-owned table a Drizzle table variable names: by the schema's variable names when a
 * Drizzle schema is known (another variable is then not tenant-owned), else by the table's name.
 */
function drizzleTableNamed(model: TenantModel, name: string): TenantTable | undefined {
  const index = drizzleIndex(model);
  if (index.any) return index.byVariable.get(name);
  return lookupTenantTable(model, name) ?? lookupTenantTable(model, snakeCase(name));
}

/** Per model, once: the Drizzle variable names of tenant-owned tables. */
function drizzleIndex(model: TenantModel): { any: boolean; byVariable: ReadonlyMap<string, TenantTable> } {
  let index = drizzleIndexes.get(model);
  if (!index) {
    const byVariable = new Map<string, TenantTable>();
    for (const table of model.tables.values())
      for (const entity of table.entities ?? [])
        if (entity.orm === "drizzle") for (const n of entity.names) if (!byVariable.has(n)) byVariable.set(n, table);
    drizzleIndexes.set(model, (index = { any: byVariable.size > 0, byVariable }));
  }
  return index;
}

const drizzleIndexes = new WeakMap<TenantModel, { any: boolean; byVariable: ReadonlyMap<string, TenantTable> }>();

/** The key of the tenant column on the drizzle table object (`tenantId`). */
export function drizzleTenantKey(table: TenantTable): { key: string; known: boolean } {
  const known = !!table.entities?.some((e) => e.orm === "drizzle");
  const field = tenantFieldOf(table, "drizzle");
  return { key: known ? field : field.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()), known };
}

const WEAK_COMPARISONS = new Set([
  "ne",
  "notInArray",
  "gt",
  "gte",
  "lt",
  "lte",
  "like",
  "ilike",
  "notLike",
  "notIlike",
  "between",
  "notBetween",
  "isNotNull",
]);

/** Translates drizzle filter expressions (`and`, `or`, `eq`, `inArray`, ...) into the shared predicate tree. */
export class DrizzlePredicates {
  constructor(
    private readonly ctx: OrmContext,
    readonly refs: TableRef[],
    /** A read: `eq(invitation.token, token)` looks a row up by a secret the caller was given (authentication). */
    private readonly reads = false,
    /** Every table the query names (`from`, joins), tenant-owned or not, as written: their columns are no tenant values. */
    private readonly queryTables: ReadonlySet<string> = new Set(),
  ) {}

  translate(expr: ts.Expression | undefined, depth = 0): Pred {
    const tsm = this.ctx.ts;
    if (!expr || depth > 8) return OTHER;
    const e = skipOuter(tsm, expr);
    if (isUndefinedLike(tsm, e)) return OTHER;
    if (tsm.isConditionalExpression(e)) {
      const [a, b] = [e.whenTrue, e.whenFalse];
      if (isUndefinedLike(tsm, a) || isUndefinedLike(tsm, b))
        return {
          kind: "weak",
          item: this.translate(isUndefinedLike(tsm, a) ? b : a, depth + 1),
          why: "is skipped when its condition is false (`? : undefined`)",
        };
      return {
        kind: "or",
        items: [this.translate(a, depth + 1), this.translate(b, depth + 1)],
        why: "is in only one branch of a `? :`",
      };
    }
    if (tsm.isBinaryExpression(e) && e.operatorToken.kind === tsm.SyntaxKind.AmpersandAmpersandToken)
      return {
        kind: "weak",
        item: this.translate(e.right, depth + 1),
        why: "is skipped when the `&&` condition is false",
      };
    if (tsm.isIdentifier(e)) {
      const init = constInitializer(tsm, e);
      return init
        ? this.translate(init, depth + 1)
        : { kind: "dynamic", node: e, why: `is built from \`${e.text}\` at run time` };
    }
    if (tsm.isTaggedTemplateExpression(e)) return this.sqlTemplate(e);
    // `.where(this.scopeFilter)` with `get scopeFilter() { return eq(t.workspaceId, this.workspaceId) }`.
    const member = thisMemberValue(tsm, e);
    if (member) return this.translate(member, depth + 1);
    if (!tsm.isCallExpression(e)) return OTHER;
    const callee = skipOuter(tsm, e.expression);
    const name = tsm.isIdentifier(callee)
      ? callee.text
      : tsm.isPropertyAccessExpression(callee)
        ? callee.name.text
        : "";
    const args = this.arguments(e, depth, name === "or");
    switch (name) {
      case "and":
        return and(args);
      case "or": {
        const or: Pred = { kind: "or", items: args, why: "is inside or(...)" };
        // Every branch pushed under a condition: `or()` of none filters nothing.
        return this.noneSure.has(e)
          ? { kind: "weak", item: or, why: "may be or() of no branch, which filters nothing" }
          : or;
      }
      case "not":
        return { kind: "weak", item: and(args), why: "is negated by not(...)" };
      case "eq":
      case "inArray":
      case "isNull":
        return this.comparison(name, e.arguments);
      default: {
        if (WEAK_COMPARISONS.has(name)) {
          const col = this.column(e.arguments[0]);
          return col?.tenant
            ? { kind: "mention", ref: col.ref, why: `compares the tenant column with ${name}(...)` }
            : OTHER;
        }
        if (name === "exists" || name === "notExists") return OTHER; // a subquery is its own chain
        return { kind: "dynamic", node: e, why: `is built by \`${callee.getText(this.ctx.sourceFile)}(...)\`` };
      }
    }
  }

  /** `or(...)` calls every argument of which may be missing (`noneSure`). */
  private readonly noneSure = new Set<ts.CallExpression>();

  /**
   * Arguments of `and`/`or`, with `...filters` spread from a local array and its `push`es. A
   * conditional push weakens an `and` (the term may be missing); in an `or` it is one branch fewer,
   * which narrows it, so long as some branch is always there.
   */
  private arguments(call: ts.CallExpression, depth: number, or = false): Pred[] {
    const tsm = this.ctx.ts;
    const out: Pred[] = [];
    let sure = false;
    for (const arg of call.arguments) {
      if (!tsm.isSpreadElement(arg)) {
        out.push(this.translate(arg, depth + 1));
        sure = true;
        continue;
      }
      const inner = skipOuter(tsm, arg.expression);
      const elements = tsm.isIdentifier(inner)
        ? arrayElements(tsm, inner, call)
        : tsm.isArrayLiteralExpression(inner)
          ? inner.elements.map((expr) => ({ expr, conditional: undefined }))
          : undefined;
      if (!elements) {
        out.push({
          kind: "dynamic",
          node: arg,
          why: `is built from \`${inner.getText(this.ctx.sourceFile)}\` at run time`,
        });
        continue;
      }
      for (const el of elements) {
        const p = this.translate(el.expr, depth + 1);
        sure ||= !el.conditional;
        out.push(
          el.conditional && !or
            ? { kind: "weak", item: p, why: `${el.conditional.replace("is added", "is pushed")}` }
            : p,
        );
      }
    }
    if (or && !sure) this.noneSure.add(call);
    return out;
  }

  private comparison(name: string, args: readonly ts.Expression[]): Pred {
    const left = this.column(args[0]);
    const right = this.column(args[1]);
    // `eq(invoiceItems.invoiceId, invoices.id)` on the child's owning foreign key, or another of a row's foreign keys.
    const link = name === "eq" && left && right ? linkPred(left, right) : undefined;
    if (link) return link;
    if (name === "eq" && left?.tenant && right?.tenant) return { kind: "join", a: left.ref, b: right.ref };
    const secret = name === "eq" && this.reads ? this.secretLookup(left, args[1]) : undefined;
    if (secret) return { kind: "tenant", ref: secret, credential: true };
    // `eq(collections.isPublic, true)`: a read of rows their tenant made public.
    const flag = args[1] && skipOuter(this.ctx.ts, args[1]);
    if (
      name === "eq" &&
      this.reads &&
      left &&
      isPublicFlag(left.column) &&
      flag?.kind === this.ctx.ts.SyntaxKind.TrueKeyword
    )
      return { kind: "tenant", ref: left.ref };
    const own = name === "eq" ? this.ownRows(left, args[1]) : undefined;
    if (own) return { kind: "tenant", ref: own, membership: true };
    if (name === "inArray" && left && !left.tenant && this.scopedParentSubquery(left, args[1]))
      return { kind: "tenant", ref: left.ref };
    const col = left?.tenant ? left : name === "eq" && right?.tenant ? right : undefined;
    if (!col) return OTHER;
    if (name === "isNull") return { kind: "null", ref: col.ref };
    const value = col === left ? args[1] : args[0];
    // `eq(projects.workspaceId, workspaces.id)`: a column of another table of the query (the
    // tenants table, unfiltered) is no tenant value, as in SQL.
    if (value && this.columnOfQueryTable(value))
      return {
        kind: "mention",
        ref: col.ref,
        why: "is compared with a column of another table, not with a tenant value",
      };
    if (
      value &&
      (isUndefinedLike(this.ctx.ts, value) || this.ctx.ts.isConditionalExpression(skipOuter(this.ctx.ts, value)))
    )
      return {
        kind: "weak",
        item: { kind: "tenant", ref: col.ref },
        why: "compares with a value that may be undefined",
      };
    return { kind: "tenant", ref: col.ref };
  }

  /**
   * `eq(invitation.token, input.token)`: a credential column (or a share key, `eq(polls.id, id)`
   * with `tables.polls.shareKeys`) compared with a value the caller brought, not a literal
   * (`eq(t.token, "")` is no secret anyone was given) nor another column.
   */
  private secretLookup(
    col: { ref: TableRef; tenant: boolean; column: string } | undefined,
    value: ts.Expression | undefined,
  ): TableRef | undefined {
    if (!col || col.tenant || !value) return undefined;
    if (!isCredentialField(col.column) && !isShareKey(col.ref.table, col.column)) return undefined;
    const v = skipOuter(this.ctx.ts, value);
    if (this.column(v) || isLiteral(this.ctx.ts, v)) return undefined;
    return col.ref;
  }

  /**
   * `eq(usersToWorkspaces.userId, ctx.user.id)`: the signed-in user's own memberships;
   * `eq(videos.ownerId, user.id)`: their own rows (membership.ts).
   */
  private ownRows(
    col: { ref: TableRef; tenant: boolean; column: string } | undefined,
    value: ts.Expression | undefined,
  ): TableRef | undefined {
    if (!col || col.tenant || !value || !identifiesOwnRows(col.ref.table, col.column, this.reads)) return undefined;
    return isSessionUser(this.ctx.ts, skipOuter(this.ctx.ts, value), userKeyOf(col.column)) ? col.ref : undefined;
  }

  /**
   * `inArray(invoiceItems.invoiceId, db.select({ id: invoices.id }).from(invoices).where(eq(invoices.tenantId, t)))`:
   * the child's owning key among the ids of a subquery that scopes its parent.
   */
  private scopedParentSubquery(child: { ref: TableRef; column: string }, expr: ts.Expression | undefined): boolean {
    const tsm = this.ctx.ts;
    const calls: Record<string, ts.CallExpression> = {};
    for (
      let e = expr && skipOuter(tsm, expr);
      e && tsm.isCallExpression(e) && tsm.isPropertyAccessExpression(e.expression);
    ) {
      calls[e.expression.name.text] ??= e;
      e = skipOuter(tsm, e.expression.expression);
    }
    const parent = drizzleTableOf(this.ctx, calls.from?.arguments[0]);
    const projection = calls.select?.arguments[0] && skipOuter(tsm, calls.select.arguments[0]);
    if (!parent || !calls.from || !calls.where || !projection || !tsm.isObjectLiteralExpression(projection))
      return false;
    const parentRef: TableRef = {
      table: parent,
      qualifier: calls.from.arguments[0].getText(this.ctx.sourceFile),
      node: calls.from,
    };
    const sub = new DrizzlePredicates(this.ctx, [parentRef]);
    const [selected] = projection.properties.map((p) =>
      tsm.isPropertyAssignment(p) ? sub.column(p.initializer) : undefined,
    );
    if (projection.properties.length !== 1 || !selected) return false;
    if (!isParentLink(child.ref.table, child.column, parent, selected.column)) return false;
    return verdicts([parentRef], sub.translate(calls.where.arguments[0])).get(parentRef)?.kind === "scoped";
  }

  /** `orders.tenantId` (or `o.tenantId` for a callback parameter) -> the reference and whether it is the tenant column. */
  column(expr: ts.Expression | undefined): { ref: TableRef; tenant: boolean; column: string } | undefined {
    const tsm = this.ctx.ts;
    if (!expr) return undefined;
    const e = skipOuter(tsm, expr);
    if (!tsm.isPropertyAccessExpression(e)) return undefined;
    const qualifier = skipOuter(tsm, e.expression).getText(this.ctx.sourceFile);
    const ref = this.refs.find((r) => r.qualifier === qualifier) ?? this.sameTable(e.expression);
    if (!ref) return undefined;
    const column = ref.table.entities?.find((en) => en.orm === "drizzle")?.fields[e.name.text] ?? e.name.text;
    return { ref, tenant: isTenantKey(ref.table, e.name.text), column };
  }

  private columnOfQueryTable(expr: ts.Expression): boolean {
    const e = skipOuter(this.ctx.ts, expr);
    if (!this.ctx.ts.isPropertyAccessExpression(e)) return false;
    return !!this.column(e) || this.queryTables.has(skipOuter(this.ctx.ts, e.expression).getText(this.ctx.sourceFile));
  }

  /**
   * The one reference to the table `expr` names when it is written another way than the query
   * wrote it: `schema.keys` or an import alias (`secret as dbSecret`) in `db.query.keys`'s where.
   * Undefined when two references share the table (a self-join tells them apart by name only).
   */
  private sameTable(expr: ts.Expression): TableRef | undefined {
    const table = drizzleTableOf(this.ctx, expr);
    const refs = table ? this.refs.filter((r) => r.table === table) : [];
    return refs.length === 1 ? refs[0] : undefined;
  }

  /** sql`${orders.tenantId} = ${id}`: scoped when a tenant column is compared with `=` or `in`. */
  private sqlTemplate(e: ts.TaggedTemplateExpression): Pred {
    const tsm = this.ctx.ts;
    if (tsm.isTemplateExpression(e.template)) {
      const text = e.template.getText(this.ctx.sourceFile);
      for (const span of e.template.templateSpans) {
        const col = this.column(span.expression);
        if (!col?.tenant) continue;
        if (/\bor\b|\bnot\b/i.test(text))
          return { kind: "mention", ref: col.ref, why: "is inside an OR or NOT of a sql`` fragment" };
        if (/^\s*(=|in\b)/i.test(span.literal.text)) return { kind: "tenant", ref: col.ref };
        return { kind: "mention", ref: col.ref, why: "is not compared with `=` in the sql`` fragment" };
      }
    }
    // The tenant column written into the SQL itself (`sql\`workspace_id = ${id} AND ...\``), read by the parser.
    const fragment = sqlFragment(tsm, this.ctx.parser, e);
    if (!fragment) return OTHER;
    for (const term of fragment.terms) {
      const ref = this.fragmentRef(term.qualifier, term.column);
      // `workspace_id = ${page.id}`: a column, not a tenant value.
      if (ref && !this.column(term.value)) return { kind: "tenant", ref };
    }
    const named = this.refs.find((r) =>
      tenantColumnsOf(r.table).some((c) => new RegExp(`\\b${escapeRegExp(c)}\\b`, "i").test(fragment.text)),
    );
    if (named && fragment.error)
      return { kind: "dynamic", node: e, why: `is a sql\`\` fragment the SQL parser cannot read (${fragment.error})` };
    return named ? { kind: "mention", ref: named, why: "is in no top-level `=` term of the sql`` fragment" } : OTHER;
  }

  /** The query's table a fragment's tenant column belongs to: by its qualifier, else the one table with that tenant column. */
  private fragmentRef(qualifier: readonly string[], column: string): TableRef | undefined {
    const owns = (r: TableRef) => tenantColumnsOf(r.table).some((c) => c.toLowerCase() === column.toLowerCase());
    const q = qualifier[qualifier.length - 1]?.toLowerCase();
    const candidates = this.refs.filter(
      (r) => owns(r) && (!q || r.table.name.toLowerCase() === q || r.qualifier.toLowerCase() === q),
    );
    return candidates.length === 1 ? candidates[0] : undefined;
  }
}

export function isTenantKey(table: TenantTable, key: string, forInsert = false): boolean {
  const entity = table.entities?.find((en) => en.orm === "drizzle");
  const column = entity?.fields[key];
  // A hierarchy: any level the table has (`orgId`, `projectId`); an insert never sets the tenant
  // through a level table's own key.
  const columns = forInsert ? insertTenantColumnsOf(table) : tenantColumnsOf(table);
  if (column) return columns.includes(column);
  return columns.some((c) => tenantColumnMatches(key, c));
}

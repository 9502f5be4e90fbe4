// What Kysely and Knex share: tables and columns named by SQL strings (`'orders as o'`,
// `'o.tenant_id'`), comparison operators as strings, raw SQL fragments, and `where`/`orWhere`
// sequences whose precedence is SQL's (`a AND b OR c` is `(a AND b) OR c`).
import type ts from "typescript";
import { pluralize, snakeCase } from "../model/names";
import { identityDecides } from "../membership";
import { hasTenantColumn, isParentLink, lookupTenantTable, type TenantModel, type TenantTable } from "../model/types";
import { and, linkPred, OTHER, type Pred, type TableRef } from "./builder-scope";
import { isUndefinedLike, propertyKey, stringValue } from "./builder-syntax";
import { constInitializer, skipOuter } from "./chain";
import type { OrmContext } from "./types";

/** `'orders as o'`, `'billing.orders'`, `'orders o'` -> name, schema, alias. */
export function parseTableSpec(text: string): { name: string; schema?: string; alias?: string } {
  const m = /^\s*(?:"?(\w+)"?\.)?"?(\w+)"?(?:\s+(?:as\s+)?"?(\w+)"?)?\s*$/i.exec(text);
  if (!m) return { name: text.trim() };
  return { schema: m[1], name: m[2], alias: m[3] };
}

/** A tenant-owned table reference from a string (or Knex `{ o: 'orders' }`) argument. */
export function stringTableRef(
  ctx: OrmContext,
  arg: ts.Expression | undefined,
  node: ts.CallExpression,
  join?: TableRef["join"],
): TableRef | undefined {
  if (!arg) return undefined;
  const tsm = ctx.ts;
  const e = skipOuter(tsm, arg);
  let spec: { name: string; schema?: string; alias?: string } | undefined;
  // `${GroupTableName}` (lightdash's joins): a template of const names.
  const text = stringValue(tsm, e) ?? tableNameConstant(ctx, e) ?? columnText(ctx, e);
  if (text !== undefined) spec = parseTableSpec(text);
  else if (tsm.isObjectLiteralExpression(e) && e.properties.length === 1 && tsm.isPropertyAssignment(e.properties[0])) {
    const table = stringValue(tsm, e.properties[0].initializer);
    const alias = propertyKey(tsm, e.properties[0]);
    if (table) spec = { ...parseTableSpec(table), alias };
  }
  if (!spec) {
    const prefixed = prefixedTable(ctx, e);
    return prefixed && { table: prefixed, qualifier: prefixed.name, node, join };
  }
  const table = builderTable(ctx.model, spec.name, spec.schema);
  return table ? { table, qualifier: spec.alias ?? spec.name, node, join } : undefined;
}

/**
 * The tenant table a Kysely or Knex call names by string: as written, or in camelCase for a
 * snake_case table (Kysely's CamelCasePlugin and Knex's snake-case mappers write `page_history` as
 * `pageHistory`). SQL itself folds an unquoted `pageHistory` to `pagehistory`: not there.
 */
export function builderTable(model: TenantModel, name: string, schema?: string): TenantTable | undefined {
  return lookupTenantTable(model, name, schema) ?? lookupTenantTable(model, snakeCase(name), schema);
}

/**
 * A table name built from a prefix the file cannot read and a literal end (nango's
 * `dbNamespace + "sync_configs"`, `${prefix}orders`): the one tenant-owned table whose name is
 * that end, or ends with it after a prefix (`_nango_sync_configs`).
 */
function prefixedTable(ctx: OrmContext, arg: ts.Expression): TenantTable | undefined {
  const tsm = ctx.ts;
  let e = skipOuter(tsm, arg);
  if (tsm.isIdentifier(e)) e = skipOuter(tsm, constInitializer(tsm, e) ?? e);
  const end =
    tsm.isBinaryExpression(e) && e.operatorToken.kind === tsm.SyntaxKind.PlusToken
      ? stringValue(tsm, skipOuter(tsm, e.right))
      : tsm.isTemplateExpression(e)
        ? e.templateSpans[e.templateSpans.length - 1]!.literal.text
        : undefined;
  const name = end?.replace(/^\./, "");
  if (!name || !/^\w+$/.test(name)) return undefined;
  const exact = lookupTenantTable(ctx.model, name);
  if (exact) return exact;
  const ending = [...ctx.model.tables.values()].filter((t) => t.name.endsWith(`_${name.toLowerCase()}`));
  return ending.length === 1 ? ending[0] : undefined;
}

/**
 * A table name kept in a constant: `db(TableName.Webhook)`, `db(TABLES.orders)`, `db(ORDERS)`.
 * With a checker, any constant whose type is one string (a string enum member, an `as const`
 * property); without, a string enum or `const` object declared in this file.
 */
function tableNameConstant(ctx: OrmContext, e: ts.Expression): string | undefined {
  const tsm = ctx.ts;
  if (ctx.checker) {
    try {
      if (tsm.isPropertyAccessExpression(e) || tsm.isElementAccessExpression(e)) {
        const value = ctx.checker.getConstantValue(e);
        if (typeof value === "string") return value;
      }
      const type = ctx.checker.getTypeAtLocation(e);
      if (type.isStringLiteral()) return type.value;
    } catch {
      // A checker that cannot say: fall back to the file's own declarations.
    }
  }
  // A const of the file, or one a module of the project exports (`import { UserAttributesTable } from "./entities"`).
  if (tsm.isIdentifier(e)) return stringValue(tsm, constInitializer(tsm, e) ?? ctx.constValue?.(e));
  if (!tsm.isPropertyAccessExpression(e) || !tsm.isIdentifier(e.expression)) return undefined;
  const owner = e.expression.text;
  const member = e.name.text;
  // A string enum of the file, or one it imports (infisical's `TableName` of `@app/db/schemas`).
  const declared =
    ctx.sourceFile.statements.find(
      (st): st is ts.EnumDeclaration => tsm.isEnumDeclaration(st) && st.name.text === owner,
    ) ?? ctx.enumNamed?.(ctx.sourceFile, owner);
  if (declared) {
    const m = declared.members.find((x) => tsm.isIdentifier(x.name) && x.name.text === member);
    return stringValue(tsm, m?.initializer);
  }
  const init = constInitializer(tsm, e.expression);
  const object = init && skipOuter(tsm, init);
  if (object && tsm.isObjectLiteralExpression(object)) {
    const property = object.properties.find((p) => propertyKey(tsm, p) === member);
    return property && tsm.isPropertyAssignment(property) ? stringValue(tsm, property.initializer) : undefined;
  }
  // Imported from elsewhere with no checker to read it: a table-name registry's member names
  // its table (`TableName.Webhook` -> webhooks, `Tables.OrderItem` -> order_items).
  return /table/i.test(owner) && !init ? tableNamed(ctx, member) : undefined;
}

function tableNamed(ctx: OrmContext, member: string): string | undefined {
  const snake = snakeCase(member);
  const candidates = [member, snake, pluralize(snake)];
  return candidates.find((name) => lookupTenantTable(ctx.model, name) || ctx.model.globalTables.has(name));
}

export type ColumnRef = { ref: TableRef; tenant: boolean } | { outer: true; tenant: boolean };

/** `'o.tenant_id'` -> the reference `o` and whether it is its tenant column; unqualified counts for the query's table. */
export function columnRef(refs: readonly TableRef[], text: string | undefined): ColumnRef | undefined {
  if (!text) return undefined;
  const clean = text.replace(/"/g, "").trim();
  const dot = clean.lastIndexOf(".");
  const column = clean.slice(dot + 1);
  // Unqualified: the query's table, or in a join the one table that has that tenant column (the
  // database resolves the name so: `secret_folders` joined to `project_environments`, `projectId`).
  if (dot < 0) {
    const having = refs.filter((r) => hasTenantColumn(r.table, column));
    const ref = refs[0] && having.includes(refs[0]) ? refs[0] : having.length === 1 ? having[0] : refs[0];
    return ref ? { ref, tenant: hasTenantColumn(ref.table, column) } : undefined;
  }
  const qualifier = clean.slice(0, dot).split(".").pop()!;
  const ref = refs.find((r) => r.qualifier === qualifier) ?? refs.find((r) => r.table.name === qualifier);
  if (ref) return { ref, tenant: hasTenantColumn(ref.table, column) };
  // A correlated subquery's outer table: its tenant column compared with ours joins to it.
  return { outer: true, tenant: refs.some((r) => hasTenantColumn(r.table, column)) };
}

const SCOPING_OPS = new Set(["=", "==", "in"]);

/** `column op value` (Kysely `where`, Knex 3-argument `where`). `valueColumn` when the right side is a column. */
export function comparisonPred(
  ctx: OrmContext,
  refs: readonly TableRef[],
  columnText: string | undefined,
  op: string,
  value: ts.Expression | undefined,
  valueColumn?: string,
  /** Reads `value` as a subquery, for `invoice_id IN (<ids of a scoped parent>)`. */
  subquery?: SubqueryReader,
  /** The query reads rows: a secret or a public flag then decides whose they are. */
  reads = false,
): Pred {
  const opLower = op.trim().toLowerCase();
  const identity =
    value && !valueColumn && (opLower === "=" || opLower === "==") && identityPred(ctx, refs, columnText, value, reads);
  if (identity) return identity;
  const col = columnRef(refs, columnText);
  const other = valueColumn !== undefined ? columnRef(refs, valueColumn) : undefined;
  const link = opLower === "=" && valueColumn ? parentLinkPred(refs, columnText, valueColumn) : undefined;
  if (link) return link;
  const child = opLower === "in" && value && subquery ? qualifiedColumn(refs, columnText) : undefined;
  const sub = child && value && subquery?.(value);
  if (child && sub?.scoped && isParentLink(child.ref.table, child.column, sub.parent, sub.column))
    return { kind: "tenant", ref: child.ref };
  if (col?.tenant && other?.tenant && opLower === "=") {
    if ("ref" in col && "ref" in other) return { kind: "join", a: col.ref, b: other.ref };
    const inner = "ref" in col ? col.ref : "ref" in other ? other.ref : undefined;
    return inner ? { kind: "tenant", ref: inner } : OTHER;
  }
  if (!col?.tenant || !("ref" in col)) return OTHER;
  if (valueColumn)
    return {
      kind: "mention",
      ref: col.ref,
      why: "compares the tenant column with a column that is not a tenant column",
    };
  if (opLower === "is" && value && skipOuter(ctx.ts, value).kind === ctx.ts.SyntaxKind.NullKeyword)
    return { kind: "null", ref: col.ref };
  if (!SCOPING_OPS.has(opLower))
    return { kind: "mention", ref: col.ref, why: `compares the tenant column with \`${op}\`` };
  if (value && (isUndefinedLike(ctx.ts, value) || ctx.ts.isConditionalExpression(skipOuter(ctx.ts, value))))
    return { kind: "weak", item: { kind: "tenant", ref: col.ref }, why: "compares with a value that may be undefined" };
  return { kind: "tenant", ref: col.ref };
}

/**
 * What Kysely's and Knex's predicate readers share: the query's references, whether it reads
 * (a secret or public flag then decides whose rows, identityPred), and `column op value` read so.
 */
export abstract class ColumnPredicates {
  constructor(
    protected readonly ctx: OrmContext,
    protected readonly refs: TableRef[],
    protected readonly reads = false,
  ) {}

  protected cmp(
    column: string | undefined,
    op: string,
    value: ts.Expression | undefined,
    valueColumn?: string,
    subquery?: SubqueryReader,
  ): Pred {
    return comparisonPred(this.ctx, this.refs, column, op, value, valueColumn, subquery, this.reads);
  }
}

/** A column that decides whose rows these are without the tenant column (membership.ts identityDecides). */
function identityPred(
  ctx: OrmContext,
  refs: readonly TableRef[],
  columnText: string | undefined,
  value: ts.Expression,
  reads: boolean,
): Pred | undefined {
  const target = qualifiedColumn(refs, columnText);
  if (!target || hasTenantColumn(target.ref.table, target.column)) return undefined;
  const { ref, column } = target;
  const decides = identityDecides(ctx.ts, ref.table, column, value, reads);
  if (decides === "credential") return { kind: "tenant", ref, credential: true };
  if (decides === "own") return { kind: "tenant", ref, membership: true };
  return decides === "public" ? { kind: "tenant", ref } : undefined;
}

/**
 * What a subquery given as a value reads: the table, the one column it selects, and whether its
 * where scopes that table (`knex('invoices').select('id').where('tenant_id', t)`).
 */
export type SubqueryReader = (
  value: ts.Expression,
) => { parent: TenantTable; column: string; scoped: boolean } | undefined;

/** `'ii.invoice_id'` -> its reference and column; unqualified (`'invoice_id'`) only with `unqualified`, for the query's table. */
function qualifiedColumn(
  refs: readonly TableRef[],
  text: string | undefined,
  unqualified = true,
): { ref: TableRef; column: string } | undefined {
  const clean = (text ?? "").replace(/"/g, "").trim();
  if (!clean) return undefined;
  const dot = clean.lastIndexOf(".");
  const qualifier = dot < 0 ? undefined : clean.slice(0, dot).split(".").pop()!;
  const ref = qualifier
    ? (refs.find((r) => r.qualifier === qualifier) ?? refs.find((r) => r.table.name === qualifier))
    : unqualified
      ? refs[0]
      : undefined;
  return ref && { ref, column: clean.slice(dot + 1) };
}

/** `'ii.invoice_id' = 'i.id'` (either order) on the child's owning foreign key. */
function parentLinkPred(refs: readonly TableRef[], a: string | undefined, b: string): Pred | undefined {
  const l = qualifiedColumn(refs, a, false);
  const r = qualifiedColumn(refs, b, false);
  return l && r ? linkPred(l, r) : undefined;
}

/** A raw SQL fragment (`whereRaw('tenant_id = ?', [t])`, sql`...`): scoped when it compares the tenant column with `=`/IN and holds no OR/NOT. */
export function rawSqlPred(refs: readonly TableRef[], text: string): Pred {
  const re = /((?:"?\w+"?\.)?"?\w+"?)\s*(=|\bin\b)\s*(?:\(|\?|\$|:|\$\{|[\w'"])/gi;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const col = columnRef(refs, m[1]);
    if (!col?.tenant || !("ref" in col)) continue;
    if (/\b(or|not)\b/i.test(text))
      return { kind: "mention", ref: col.ref, why: "is inside an OR or NOT of a raw SQL fragment" };
    return { kind: "tenant", ref: col.ref };
  }
  return OTHER;
}

/** Chain-level `where` / `orWhere` terms with SQL's precedence: AND binds tighter than OR. */
export function combineTerms(terms: readonly { or: boolean; pred: Pred }[]): Pred {
  const groups: Pred[][] = [[]];
  for (const t of terms) {
    if (t.or && groups[groups.length - 1].length > 0) groups.push([]);
    groups[groups.length - 1].push(t.pred);
  }
  const anded = groups.filter((g) => g.length).map((g) => and(g));
  if (anded.length === 0) return OTHER;
  return anded.length === 1 ? anded[0] : { kind: "or", items: anded, why: "is combined with orWhere(...)" };
}

/** The text of a string or template literal, holes shown as `?`. */
export function literalText(tsm: typeof ts, e: ts.Expression): string | undefined {
  const x = skipOuter(tsm, e);
  if (tsm.isStringLiteralLike(x)) return x.text;
  if (tsm.isTemplateExpression(x)) return x.head.text + x.templateSpans.map((s) => `?${s.literal.text}`).join("");
  return undefined;
}

/**
 * A column name as written: a string, or a template of const names (`${ProjectTableName}.project_uuid`,
 * lightdash) in the file or exported by a module of the project. Undefined for anything else.
 */
export function columnText(ctx: OrmContext, node: ts.Expression | undefined): string | undefined {
  const tsm = ctx.ts;
  if (!node) return undefined;
  const e = skipOuter(tsm, node);
  const plain = stringValue(tsm, e);
  if (plain !== undefined || !tsm.isTemplateExpression(e)) return plain;
  let text = e.head.text;
  for (const span of e.templateSpans) {
    const x = skipOuter(tsm, span.expression);
    // `${TableName.Environment}.projectId`: a table name kept in a constant (infisical's DALs).
    const part = tsm.isIdentifier(x)
      ? constString(ctx, x)
      : tsm.isPropertyAccessExpression(x)
        ? tableNameConstant(ctx, x)
        : undefined;
    if (part === undefined) return undefined;
    text += part + span.literal.text;
  }
  return text;
}

/** The string a const holds: of the file, exported by a module of the project, or its literal type (`--project`). */
function constString(ctx: OrmContext, id: ts.Identifier): string | undefined {
  const tsm = ctx.ts;
  const own = stringValue(tsm, constInitializer(tsm, id) ?? ctx.constValue?.(id));
  if (own !== undefined || !ctx.checker) return own;
  try {
    const type = ctx.checker.getTypeAtLocation(id);
    return type.isStringLiteral() ? type.value : undefined;
  } catch {
    return undefined;
  }
}

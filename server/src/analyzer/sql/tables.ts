// Which tenant-owned tables a parsed SQL text reads or writes, whatever its predicates: what
// `unscoped-client` and the isolation checks need (a query that is scoped by its WHERE still goes
// around a scoped client).
import { lookupTenantTable, type TenantModel } from "../model/types";
import { as, columnRef, list, stripCasts, walk } from "./ast";
import type { ParsedSql } from "./parse";

export interface TableTouch {
  /** The tenant-owned table's name in the model. */
  table: string;
  /** Schema as written (`tenant_42` of `tenant_42.orders`), when there is one. */
  schema?: string;
  /** UTF-16 offset of the reference in the SQL text. */
  start: number;
  statementIndex: number;
}

/** Every reference to a tenant-owned table, in every statement, CTE and subquery; CTE names are not tables. */
export function tenantTablesIn(parsed: ParsedSql, model: TenantModel): TableTouch[] {
  const out: TableTouch[] = [];
  list(parsed.tree.stmts).forEach((raw, statementIndex) => {
    const stmt = (raw as { stmt?: unknown }).stmt;
    // One walk: the CTE names (a WITH may come after the references in the tree), then the tables.
    const cteNames = new Set<string>();
    const rangeVars: { relname?: string; schemaname?: string; location?: number }[] = [];
    walk(stmt, (type, fields) => {
      if (type === "CommonTableExpr" && typeof fields.ctename === "string") cteNames.add(fields.ctename.toLowerCase());
      else if (type === "RangeVar") rangeVars.push(fields);
    });
    for (const rv of rangeVars) {
      if (!rv.relname) continue;
      if (!rv.schemaname && cteNames.has(rv.relname.toLowerCase())) continue;
      const table = lookupTenantTable(model, rv.relname, rv.schemaname);
      if (!table) continue;
      out.push({
        table: table.name,
        schema: rv.schemaname,
        start: parsed.toCharOffset(rv.location ?? 0),
        statementIndex,
      });
    }
  });
  return out;
}

/**
 * At isolation "database" every table in a tenant's database is the tenant's, whether or not it
 * has a tenant column: the tables a statement touches, minus the ones the config calls global
 * (discovery's "global" means "no tenant column", which says nothing here) and the catalogs.
 */
export function tenantDatabaseTablesIn(parsed: ParsedSql, isGlobal: (table: string) => boolean): TableTouch[] {
  const out: TableTouch[] = [];
  list(parsed.tree.stmts).forEach((raw, statementIndex) => {
    const stmt = (raw as { stmt?: unknown }).stmt;
    const cteNames = new Set<string>();
    walk(stmt, (type, fields) => {
      if (type === "CommonTableExpr" && typeof fields.ctename === "string") cteNames.add(fields.ctename.toLowerCase());
    });
    walk(stmt, (type, fields) => {
      if (type !== "RangeVar") return;
      const rv = fields as { relname?: string; schemaname?: string; location?: number };
      const name = rv.relname?.toLowerCase();
      if (!name || (!rv.schemaname && cteNames.has(name)) || isGlobal(name)) return;
      if (rv.schemaname && /^(pg_catalog|information_schema)$/i.test(rv.schemaname)) return;
      out.push({ table: name, schema: rv.schemaname, start: parsed.toCharOffset(rv.location ?? 0), statementIndex });
    });
  });
  return out;
}

/** Every `RangeVar` with a schema, tenant-owned or not (for the schema-per-tenant checks). */
export function qualifiedTablesIn(parsed: ParsedSql): { schema: string; table: string; start: number }[] {
  const out: { schema: string; table: string; start: number }[] = [];
  for (const raw of list(parsed.tree.stmts)) {
    walk((raw as { stmt?: unknown }).stmt, (type, _fields, node) => {
      const rv = as<{ relname?: string; schemaname?: string; location?: number }>(node, "RangeVar");
      if (type !== "RangeVar" || !rv?.schemaname || !rv.relname) return;
      out.push({ schema: rv.schemaname, table: rv.relname, start: parsed.toCharOffset(rv.location ?? 0) });
    });
  }
  return out;
}

/**
 * What each output column of a one-table SELECT holds, when the select renames one
 * (`SELECT c."segmentId" AS id FROM campaigns c`): `id` holds the row's `segmentId`, a key of the
 * segment it points at, not the campaign's own id. Columns of the table map to `{ column, field }`;
 * anything else (`count(*) AS n`) to no table, and no key is read from it. Undefined when no
 * output is renamed (each field then is the column of its name), for a `*`, a join, a set operation
 * or several statements.
 */
export function selectProjection(
  parsed: ParsedSql,
  table: string,
): Map<string, { table: string; column?: string; field?: string }> | undefined {
  const stmts = list(parsed.tree.stmts);
  const select = stmts.length === 1 ? as<SelectFields>((stmts[0] as { stmt?: unknown }).stmt, "SelectStmt") : undefined;
  if (!select || select.op !== "SETOP_NONE" || select.withClause || list(select.fromClause).length !== 1)
    return undefined;
  const from = as<{ relname?: string; alias?: { aliasname?: string } }>(list(select.fromClause)[0], "RangeVar");
  if (!from?.relname || from.relname.toLowerCase() !== table.toLowerCase()) return undefined;
  const own = new Set([from.relname, from.alias?.aliasname].filter(Boolean).map((n) => n!.toLowerCase()));
  const out = new Map<string, { table: string; column?: string; field?: string }>();
  let renamed = false;
  for (const target of list(select.targetList)) {
    const t = as<{ name?: string; val?: unknown }>(target, "ResTarget");
    const ref = t && columnRef(stripCasts(t.val));
    if (!t || ref?.column === "*") return undefined;
    const ofTable =
      ref && (ref.qualifier.length === 0 || own.has(ref.qualifier[ref.qualifier.length - 1]!.toLowerCase()));
    const name = t.name ?? ref?.column;
    if (!name) continue;
    // Anything else (`count(*) AS n`, `${x}::jsonb AS target`) holds no field of the row: no table.
    out.set(name, ofTable ? { table, column: ref.column, field: ref.column } : { table: "" });
    if (name !== ref?.column) renamed = true;
  }
  return renamed ? out : undefined;
}

interface SelectFields {
  op?: string;
  withClause?: unknown;
  fromClause?: unknown[];
  targetList?: unknown[];
}

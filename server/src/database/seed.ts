// Generated rows for the policy test: every NOT NULL column without a default gets a value
// of its type, and each foreign key gets a parent row seeded first (same tenant), so a
// schema's constraints hold without knowing anything about the app.
import { randomUUID } from "node:crypto";
import type { Catalog, CatalogColumn, CatalogTable } from "./catalog";
import type { SqlSession } from "./types";

const MAX_DEPTH = 6;

export type Row = Record<string, string | null>;

export class Seeder {
  private counter = 10_000_000 + Math.floor(Math.random() * 10_000_000);

  constructor(
    private readonly session: SqlSession,
    private readonly catalog: Catalog,
    /** Tenant column per tenant-owned table (`schema.name`). */
    private readonly tenantColumns: ReadonlyMap<string, string>,
    /** Sets the tenant for the owner's session (a forced table applies its policies to the owner too). */
    private readonly setTenant: (value: string) => Promise<void>,
  ) {}

  /** A value for the tenant column's type that no existing row is likely to hold. */
  tenantValue(column: CatalogColumn, label: "a" | "b"): string | undefined {
    const type = column.type;
    if (type === "uuid") return randomUUID();
    if (type === "smallint") return String(label === "a" ? 32001 : 32002);
    if (column.typeCategory === "N") return String(this.next());
    if (column.typeCategory === "S") return `tenantguard-${label}-${this.next()}`;
    return undefined;
  }

  /** Inserts a row into `table` (as the current role) with `fixed` values; returns its values as text. */
  async insert(table: CatalogTable, fixed: Row, tenant: string, depth = 0): Promise<Row> {
    if (depth > MAX_DEPTH) throw new Error(`foreign keys nest deeper than ${MAX_DEPTH} tables from ${table.name}`);
    const values: Row = { ...fixed };
    const tenantColumn = this.tenantColumns.get(`${table.schema}.${table.name}`);
    if (tenantColumn && values[tenantColumn] === undefined) values[tenantColumn] = tenant;

    for (const fk of table.foreignKeys) {
      const needed = fk.columns.some((c) => values[c] !== undefined || isRequired(column(table, c)));
      if (!needed) continue;
      const parent = this.catalog.tables.find((t) => t.schema === fk.refSchema && t.name === fk.refTable);
      if (!parent) throw new Error(`${table.name} references ${fk.refTable}, which is not a table here`);
      if (parent === table) continue; // a self-reference is nullable in any schema that can hold a first row
      const parentFixed: Row = {};
      fk.columns.forEach((c, i) => {
        if (values[c] !== undefined) parentFixed[fk.refColumns[i]] = values[c];
      });
      if (fk.columns.every((c) => values[c] !== undefined) && (await this.exists(parent, parentFixed))) continue;
      const parentRow = await this.insert(parent, parentFixed, tenant, depth + 1);
      fk.columns.forEach((c, i) => (values[c] = parentRow[fk.refColumns[i]]));
    }
    for (const col of table.columns) {
      if (values[col.name] !== undefined || !isRequired(col)) continue;
      const value = this.valueFor(col);
      if (value === undefined) throw new Error(`no value of type ${col.type} for ${table.name}.${col.name}`);
      values[col.name] = value;
    }
    return this.write(table, values, tenant);
  }

  /** Values for a new row like `like`: its foreign keys and tenant, fresh values for the other required columns. */
  freshValues(table: CatalogTable, like: Row): Row {
    const keep = new Set(table.foreignKeys.flatMap((fk) => fk.columns));
    const tenantColumn = this.tenantColumns.get(`${table.schema}.${table.name}`);
    if (tenantColumn) keep.add(tenantColumn);
    const out: Row = {};
    for (const col of table.columns) {
      if (keep.has(col.name) && like[col.name] !== undefined) out[col.name] = like[col.name];
      else if (isRequired(col)) out[col.name] = this.valueFor(col) ?? like[col.name] ?? null;
    }
    return out;
  }

  /** `INSERT ... VALUES (...)` with each value cast from text to the column's type. */
  insertStatement(table: CatalogTable, values: Row, returning = true): { sql: string; params: (string | null)[] } {
    const names = Object.keys(values);
    const identityAlways = table.columns.some((c) => c.identity === "a" && names.includes(c.name));
    const casts = names.map((n, i) => `$${i + 1}::text::${column(table, n)?.type ?? "text"}`);
    return {
      sql:
        `INSERT INTO ${qualified(table)} AS r (${names.map(quoteIdent).join(", ")})` +
        `${identityAlways ? " OVERRIDING SYSTEM VALUE" : ""} VALUES (${casts.join(", ")})` +
        (returning ? " RETURNING row_to_json(r)::text AS row" : ""),
      params: names.map((n) => values[n]),
    };
  }

  private async write(table: CatalogTable, values: Row, tenant: string): Promise<Row> {
    await this.setTenant(tenant);
    const { sql, params } = this.insertStatement(table, values);
    const result = await this.session.query<{ row: string }>(sql, params);
    const json = JSON.parse(result.rows[0].row) as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(json).map(([k, v]) => [
        k,
        v === null ? null : typeof v === "object" ? JSON.stringify(v) : String(v),
      ]),
    );
  }

  private async exists(table: CatalogTable, values: Row): Promise<boolean> {
    const names = Object.keys(values);
    const where = names
      .map((n, i) => `${quoteIdent(n)} = $${i + 1}::text::${column(table, n)?.type ?? "text"}`)
      .join(" AND ");
    const result = await this.session.query(
      `SELECT 1 FROM ${qualified(table)} WHERE ${where} LIMIT 1`,
      names.map((n) => values[n]),
    );
    return result.rows.length > 0;
  }

  private valueFor(col: CatalogColumn): string | undefined {
    const n = this.next();
    if (col.enumLabels?.length) return col.enumLabels[0];
    if (col.type.endsWith("[]")) return "{}";
    const varchar = /^character(?: varying)?\((\d+)\)$/.exec(col.type);
    if (varchar) return `t${n}`.slice(-Number(varchar[1]));
    switch (col.type) {
      case "uuid":
        return randomUUID();
      case "boolean":
        return "false";
      case "smallint":
        return String(n % 30000);
      case "json":
      case "jsonb":
        return "{}";
      case "bytea":
        return "\\x00";
      case "inet":
      case "cidr":
        return "127.0.0.1";
      case "interval":
        return "1 day";
      case "time without time zone":
      case "time with time zone":
        return "12:00";
      case "tsvector":
        return "";
    }
    const numeric = /^numeric\((\d+),(\d+)\)$/.exec(col.type);
    if (numeric) return String(n % 10 ** Math.max(0, Number(numeric[1]) - Number(numeric[2])));
    if (col.typeCategory === "N") return String(n);
    if (col.typeCategory === "S") return `tenantguard-${n}`;
    if (col.typeCategory === "D") return "2024-01-01";
    return undefined;
  }

  private next(): number {
    return ++this.counter;
  }
}

export function qualified(table: { schema: string; name: string }): string {
  return `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function column(table: CatalogTable, name: string): CatalogColumn | undefined {
  return table.columns.find((c) => c.name === name);
}

function isRequired(col: CatalogColumn | undefined): boolean {
  return !!col && col.notNull && !col.hasDefault && !col.identity && !col.generated;
}

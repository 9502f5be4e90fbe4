/** Where a fact about the tenant model came from, so findings can point at it. */
export interface ModelSource {
  /** Absolute path of the migration, schema or config file. */
  file: string;
  /** 1-based line and column of the statement/definition. */
  line: number;
  column: number;
  kind: "migration" | "prisma" | "drizzle" | "typeorm" | "sequelize" | "config";
}

export interface TenantTable {
  /** Unqualified table name, lower-cased as Postgres folds unquoted identifiers. */
  name: string;
  /** Schema when the definition named one (`billing.invoices`). */
  schema?: string;
  /** The column (SQL spelling) that holds the tenant. */
  tenantColumn: string;
  source: ModelSource;
}

/**
 * Which tables are tenant-owned and by which column. Built once per config by
 * model discovery, shared by every file's analysis.
 */
export interface TenantModel {
  /** Tenant-owned tables by lower-cased unqualified name. */
  tables: ReadonlyMap<string, TenantTable>;
  /** Tables known to exist and not tenant-owned (global), lower-cased. */
  globalTables: ReadonlySet<string>;
  /** How the tenant column was chosen, for the "inferred ..." line of a zero-config run. */
  inference?: { column: string; tablesWithColumn: number; tablesTotal: number; from: string[] };
}

/** Look a table reference up; `name` may be schema-qualified and is matched case-insensitively. */
export function lookupTenantTable(model: TenantModel, name: string, schema?: string): TenantTable | undefined {
  const table = model.tables.get(name.toLowerCase());
  if (!table) return undefined;
  if (schema && table.schema && table.schema.toLowerCase() !== schema.toLowerCase()) return undefined;
  return table;
}

/** Where a fact about the tenant model came from, so findings can point at it. */
export interface ModelSource {
  /** Absolute path of the migration, schema or config file. */
  file: string;
  /** 1-based line and column of the statement/definition. */
  line: number;
  column: number;
  kind: "migration" | "prisma" | "drizzle" | "typeorm" | "sequelize" | "config";
}

export type OrmName = "prisma" | "drizzle" | "kysely" | "knex" | "typeorm" | "sequelize";

/** How an ORM's schema names a table, so calls like `prisma.order.findMany` map to `orders`. */
export interface EntityInfo {
  orm: OrmName;
  /**
   * Names code uses for the table: the Prisma model (`Order`; its client accessor is `order`),
   * the Drizzle table variable (`orders`), the TypeORM entity class, the Sequelize model.
   */
  names: string[];
  /** ORM field name -> SQL column (`tenantId` -> `tenant_id`). */
  fields: Record<string, string>;
  /** Compound unique/id keys as field lists (Prisma `@@unique([id, tenantId])` -> `id_tenantId`). */
  uniques?: string[][];
  /** Relation fields: the target entity, whether required, and the local foreign-key fields. */
  relations?: { field: string; target: string; required: boolean; fields?: string[] }[];
}

export interface TenantTable {
  /** Unqualified table name, lower-cased as Postgres folds unquoted identifiers. */
  name: string;
  /** Schema when the definition named one (`billing.invoices`). */
  schema?: string;
  /** The column (SQL spelling) that holds the tenant. */
  tenantColumn: string;
  source: ModelSource;
  /** The ORM definitions of this table, when a schema reader found them. */
  entities?: EntityInfo[];
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
  /** Tenant-owned tables by lower-cased entity name (every name in `EntityInfo.names`). */
  entities?: ReadonlyMap<string, TenantTable>;
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

/** Look an ORM entity (model class, Prisma accessor, Drizzle variable) up, case-insensitively. */
export function lookupTenantEntity(model: TenantModel, name: string): TenantTable | undefined {
  return model.entities?.get(name.toLowerCase());
}

/** The ORM field that holds the tenant for `table` in `orm`'s spelling (`tenantId`), falling back to the column. */
export function tenantFieldOf(table: TenantTable, orm: OrmName): string {
  const entity = table.entities?.find((e) => e.orm === orm);
  if (entity) {
    for (const [field, column] of Object.entries(entity.fields)) if (column === table.tenantColumn) return field;
  }
  return table.tenantColumn;
}

import { normalizeColumnName, tenantColumnMatches } from "./names";

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
  /** Fields unique on their own (Prisma `@id`, `@unique`): each names one row (`Team.slug`). */
  uniqueFields?: string[];
  /** Relation fields: the target entity, whether required, and the local foreign-key fields. */
  relations?: {
    field: string;
    target: string;
    required: boolean;
    fields?: string[];
    list?: boolean;
    /** Prisma's relation name (`@relation("cc")`), which pairs the two sides. */
    name?: string;
  }[];
}

/** A foreign key as a schema source declares it (migrations, a Prisma relation, a Drizzle `.references`). */
export interface ForeignKey {
  /** The referencing columns, SQL spelling. */
  columns: string[];
  /** The referenced table (unqualified, as written) and its schema when the source named one. */
  parent: string;
  parentSchema?: string;
  /** The referenced columns; empty when left implicit (`REFERENCES invoices`: the parent's primary key). */
  parentColumns: string[];
  /** Every referencing column is NOT NULL: only then does every child row have a parent. */
  required: boolean;
}

/**
 * How a table with no tenant column of its own is tenant-owned: through a required foreign
 * key to a tenant-owned parent (`invoice_items.invoice_id -> invoices.id`).
 */
export interface TenantOwner {
  /** The child's column holding the parent's key (SQL spelling). */
  column: string;
  /** The parent table's name in the model (itself tenant-owned, possibly through its own parent). */
  parent: string;
  /** The parent's referenced column (SQL spelling), usually its primary key. */
  parentColumn: string;
  /** For `references`: the key is NOT NULL, so every row has that parent. */
  required?: true;
}

export interface TenantTable {
  /** Unqualified table name, lower-cased as Postgres folds unquoted identifiers. */
  name: string;
  /** Schema when the definition named one (`billing.invoices`). */
  schema?: string;
  /**
   * The column (SQL spelling) that holds the tenant at the table's own level: of the configured
   * tenant columns it has, the narrowest (last in `tenantColumns`). Fixes add this one. For a
   * table owned through its parent (`owner`), the parent's tenant column, which the table lacks.
   */
  tenantColumn: string;
  /**
   * Every configured tenant column the table has (SQL spelling), broad to narrow; a predicate on
   * any of them scopes it. Empty for a table owned through its parent; absent means `[tenantColumn]`.
   */
  tenantColumns?: string[];
  /** Set when the table has no tenant column and is owned through a required foreign key to its parent. */
  owner?: TenantOwner;
  /** Required foreign keys to tenant-owned parents (joins on them carry the parent's scope to this table). */
  parents?: TenantOwner[];
  /**
   * Its other foreign keys to tenant-owned tables (`dataset_rows.dataset_id -> datasets.id` beside
   * its own tenant column): a scoped row's key names a row of its own tenant, so a join on one from
   * a scoped row reads only that tenant's rows, as a Prisma relation's key does in the flow.
   */
  references?: TenantOwner[];
  /**
   * Set when a narrower level's key points at this table (`builds.project_id -> projects.id`): its
   * own key, listed in `tenantColumns` so a predicate on it scopes, but never what an insert must set.
   */
  levelKey?: string;
  /**
   * Columns (SQL spelling) whose value is a share link anyone holding it may use to read the row:
   * the config's `tables.<t>.shareKeys`, and a child's required key to a parent's share key
   * (`participants.poll_id -> polls.id`). A read keyed by one needs no tenant filter; a write does.
   */
  shareKeys?: string[];
  source: ModelSource;
  /** The ORM definitions of this table, when a schema reader found them. */
  entities?: EntityInfo[];
  /** A one-column primary key a migration declares under another name than `id` (`group_uuid`). */
  rowKey?: string;
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
  /** The global tables' entity names (a Drizzle `plans` variable), lower-cased -> the table's name. */
  globalEntities?: ReadonlyMap<string, string>;
  /** Every Prisma model the schema defines, tenant-owned or not, by lower-cased accessor (`invoice`). */
  prismaModels?: ReadonlySet<string>;
  /** How the tenant column was chosen, for the "inferred ..." line of a zero-config run. */
  inference?: { column: string; tablesWithColumn: number; tablesTotal: number; from: string[] };
  /** The tenants' own tables (`teams`, which `documents.team_id` points at), by lower-cased name and entity name. */
  roots?: ReadonlyMap<string, TenantRoot>;
}

/**
 * A tenant's own table: the table a tenant column points at (`documents.team_id -> teams.id`).
 * It is not tenant-owned (listing teams is no leak of one team's rows), but the row whose key is
 * the tenant value is the tenant itself, and the rows its back-relations hold are the tenant's.
 */
export interface TenantRoot {
  name: string;
  /** The referenced column (SQL spelling), usually `id`. */
  keyColumn: string;
  /** The tenant column that points at it (SQL spelling), whose value is this table's key. */
  tenantColumn: string;
  entities?: EntityInfo[];
}

/** The tenant root a table or entity name (`Team`, `team`, `teams`) names, case-insensitively. */
export function lookupTenantRoot(model: TenantModel, name: string): TenantRoot | undefined {
  return model.roots?.get(name.toLowerCase());
}

/** Whether a column (SQL or ORM spelling) is one of the table's share keys (`tables.<t>.shareKeys`, or a child's key to one). */
export function isShareKey(table: TenantTable, column: string): boolean {
  return !!table.shareKeys?.some((k) => tenantColumnMatches(k, column));
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

/** The tenant columns a predicate on the table itself may use (none for a table owned through its parent). */
export function tenantColumnsOf(table: TenantTable): readonly string[] {
  if (table.owner) return [];
  return table.tenantColumns ?? [table.tenantColumn];
}

/** The tenant columns an insert may set: every level but the table's own level key (`projects.id`). */
export function insertTenantColumnsOf(table: TenantTable): readonly string[] {
  return tenantColumnsOf(table).filter((c) => c !== table.levelKey);
}

/** Whether `column` (SQL or ORM spelling) is one of the table's own tenant columns (any level of a hierarchy). */
export function hasTenantColumn(table: TenantTable, column: string): boolean {
  return tenantColumnsOf(table).some((c) => tenantColumnMatches(column, c));
}

/** An ORM entity's fields that hold a broader level of a tenant hierarchy (`orgId` beside `projectId`): they scope too. */
export function broaderTenantFields(table: TenantTable, entity: EntityInfo): string[] {
  return Object.entries(entity.fields)
    .filter(
      ([, column]) =>
        hasTenantColumn(table, column) &&
        !tenantColumnMatches(column, table.tenantColumn) &&
        // TypeORM and Sequelize use these for creates too: a level key is no tenant to set.
        !(table.levelKey && tenantColumnMatches(column, table.levelKey)),
    )
    .map(([field]) => field);
}

/** Whether `child.column = parent.parentColumn` is one of the child's owning (or hierarchy) foreign keys; either spelling. */
export function isParentLink(child: TenantTable, column: string, parent: TenantTable, parentColumn: string): boolean {
  return linksTo(child.parents, column, parent, parentColumn);
}

/** `row.column -> parent.parentColumn` is one of the row's other foreign keys to a tenant-owned table (`references`). */
export function isReferenceLink(row: TenantTable, column: string, parent: TenantTable, parentColumn: string): boolean {
  return linksTo(row.references, column, parent, parentColumn);
}

function linksTo(
  links: readonly TenantOwner[] | undefined,
  column: string,
  parent: TenantTable,
  parentColumn: string,
): boolean {
  return !!links?.some(
    (p) =>
      normalizeColumnName(p.column) === normalizeColumnName(column) &&
      p.parent.toLowerCase() === parent.name.toLowerCase() &&
      normalizeColumnName(p.parentColumn) === normalizeColumnName(parentColumn),
  );
}

/** `"invoice_items" is tenant-owned through "invoices" (invoice_items.invoice_id -> invoices.id)`, for messages. */
export function ownedThroughText(table: TenantTable & { owner: TenantOwner }): string {
  const o = table.owner;
  return `"${table.name}" is tenant-owned through "${o.parent}" (${table.name}.${o.column} -> ${o.parent}.${o.parentColumn})`;
}

/**
 * How to tie a query on a table owned through its parent to a tenant, for an ORM finding that
 * reaches no scoped parent: name the parent, the key, and the two ways to reach a scoped parent.
 */
export function ownedThroughAdvice(model: TenantModel, table: TenantTable & { owner: TenantOwner }): string {
  const o = table.owner;
  const parent = model.tables.get(o.parent.toLowerCase());
  const scoped = parent?.owner
    ? `from a query scoped through its own parent ${parent.owner.parent}`
    : `from a query scoped by ${parent?.tenantColumn ?? "its tenant column"}`;
  return `${ownedThroughText(table)}: filter ${o.column} by ${o.parent} ids ${scoped}, or join it to ${o.parent} and scope ${o.parent}`;
}

/** The ORM field that holds the tenant for `table` in `orm`'s spelling (`tenantId`), falling back to the column. */
export function tenantFieldOf(table: TenantTable, orm: OrmName): string {
  const entity = table.entities?.find((e) => e.orm === orm);
  if (entity) {
    for (const [field, column] of Object.entries(entity.fields)) if (column === table.tenantColumn) return field;
  }
  return table.tenantColumn;
}

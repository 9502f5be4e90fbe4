// Builds the TenantModel: tables from every schema source, then the tenant column (from
// config, or inferred), then the config's per-table overrides and global tables.
import { join, posix, relative } from "node:path";
import { CONFIG_FILE_NAME, DEFAULT_SCHEMA_GLOBS } from "../config/load";
import type { ResolvedConfig } from "../config/types";
import { configKeyPosition } from "../config/validate";
import type ts from "typescript";
import type { SqlParser } from "../sql/parse";
import { drizzleReader } from "./drizzle";
import { prismaReader } from "./prisma";
import { sequelizeReader } from "./sequelize";
import { typeormReader } from "./typeorm";
import type { AnalyzerFileSystem, InputError } from "../types";
import { listMigrationFiles } from "../migrations/ts-migrations";
import { migrationSql } from "../migrations/history";
import { readMigrations } from "./migrations";
import { splitQualifiedName, TENANT_COLUMN_CANDIDATES, tenantColumnMatches } from "./names";
import type { EntityInfo, ForeignKey, ModelSource, TenantModel, TenantOwner, TenantRoot, TenantTable } from "./types";

/** A table as a schema source sees it, before tenant ownership is decided. */
export interface DiscoveredTable {
  name: string;
  schema?: string;
  columns: string[];
  source: ModelSource;
  /** ORM definitions of the table (Prisma model, Drizzle table, TypeORM entity, Sequelize model). */
  entities?: EntityInfo[];
  /** Foreign keys the source declares, for ownership through a parent. */
  foreignKeys?: ForeignKey[];
  /** Primary key columns a migration declares (`group_uuid uuid PRIMARY KEY`). */
  primaryKey?: string[];
}

/** A migration table's one-column primary key under another name than `id` (lightdash's `group_uuid`). */
function rowKeyOf(table: DiscoveredTable): { rowKey?: string } {
  const pk = table.primaryKey;
  return pk?.length === 1 && pk[0] !== "id" ? { rowKey: pk[0] } : {};
}

/**
 * One kind of schema definition (SQL migrations, Prisma, Drizzle, ...), each implemented in its
 * own file under model/. Readers report what they found; ownership is decided here, once.
 */
export interface SchemaSourceReader {
  read(
    fs: AnalyzerFileSystem,
    config: ResolvedConfig,
    parser: SqlParser,
    tsModule: typeof ts,
  ): { tables: DiscoveredTable[]; errors: InputError[] };
}

const migrationsReader: SchemaSourceReader = {
  read(fs, config, parser, tsModule) {
    // SQL files, and script migrations (knex, Kysely, TypeORM) as the SQL their `up` runs: its
    // SQL strings and its schema builder's tables (migrations/builder-ddl.ts).
    const files = listMigrationFiles(fs, config);
    const sqlOf: AnalyzerFileSystem = Object.assign(Object.create(fs) as AnalyzerFileSystem, {
      readFile: (file: string) => migrationSql(fs, file, tsModule),
    });
    return readMigrations(sqlOf, files, parser);
  },
};

/**
 * The schema sources, in precedence order: the first to define a table gives its position.
 * Each reads the files its `config.schema` key names.
 */
const SCHEMA_KINDS = ["migrations", "prisma", "drizzle", "typeorm", "sequelize"] as const;

export const SCHEMA_SOURCE_READERS: readonly SchemaSourceReader[] = [
  migrationsReader,
  prismaReader,
  drizzleReader,
  typeormReader,
  sequelizeReader,
];

/**
 * Where discovery looked, for the note that it found nothing: the globs the config set, and the
 * default places only by name (docs/configuration.md lists them), so the note stays one line.
 */
function searchedSchemaGlobs(config: ResolvedConfig): string {
  const globs = (kind: (typeof SCHEMA_KINDS)[number]) => config.schema[kind];
  const isDefault = (kind: (typeof SCHEMA_KINDS)[number]) =>
    globs(kind).join("\n") === DEFAULT_SCHEMA_GLOBS[kind].join("\n");
  const set = SCHEMA_KINDS.filter((kind) => !isDefault(kind)).map(
    (kind) => `schema.${kind}: ${globs(kind).join(", ") || "none"}`,
  );
  const defaults = SCHEMA_KINDS.filter(isDefault).map((kind) => `schema.${kind}`);
  if (defaults.length) set.push(`the default places of ${defaults.join(", ")}`);
  return `searched ${set.join("; ")}`;
}

export function discoverTenantModel(
  fs: AnalyzerFileSystem,
  config: ResolvedConfig,
  parser: SqlParser,
  /** The TypeScript module for readers that parse TS schema files; the plugin passes tsserver's. */
  tsModule?: typeof ts,
): {
  model: TenantModel;
  errors: InputError[];
  notes: string[];
  /** Nothing defines a table and the config lists none: no query can be checked. */
  nothingToCheck?: string;
} {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tsm = tsModule ?? (require("typescript") as typeof ts);
  const errors: InputError[] = [...unmatchedSchemaGlobs(fs, config)];
  const notes: string[] = [];
  const discovered = mergeTables(
    SCHEMA_SOURCE_READERS.flatMap((reader) => {
      const result = reader.read(fs, config, parser, tsm);
      errors.push(...result.errors);
      return result.tables;
    }),
  );

  let tenantColumns = config.tenantColumns;
  let inference: TenantModel["inference"];
  const listed = Object.keys(config.tables).length;
  let nothingToCheck: string | undefined;
  if (discovered.length === 0) {
    const where = searchedSchemaGlobs(config);
    if (listed)
      notes.push(
        `tenantguard: no schema file defines a table (${where}): only the ${listed} table(s) listed in "tables" of ${CONFIG_FILE_NAME} are checked, by raw SQL and by query builders that name them; point "schema" at your migrations or ORM schema for the rest`,
      );
    else {
      nothingToCheck = `tenantguard: no tables found, so no query can be checked (${where}); point "schema" in ${CONFIG_FILE_NAME} at your migrations or ORM schema, or list tables in "tables"`;
      notes.push(nothingToCheck);
    }
  } else if (tenantColumns.length === 0) {
    inference = inferTenantColumn(discovered, config.rootDir);
    tenantColumns = inference ? [inference.column] : [];
    notes.push(inferenceNote(config, discovered, inference));
  }

  const tables = new Map<string, TenantTable>();
  const globalTables = new Set<string>();
  for (const table of discovered) {
    // Hierarchy: every configured column the table has scopes it; its own level is the narrowest.
    const owned = tenantColumnsOf(table, tenantColumns);
    if (owned.length && !tables.has(table.name.toLowerCase())) {
      tables.set(table.name.toLowerCase(), {
        name: table.name,
        schema: table.schema,
        tenantColumn: owned[owned.length - 1],
        ...(owned.length > 1 ? { tenantColumns: owned } : {}),
        source: table.source,
        ...(table.entities ? { entities: table.entities } : {}),
        ...rowKeyOf(table),
      });
    } else if (!owned.length) globalTables.add(table.name.toLowerCase());
  }

  applyTableOverrides(fs, config, discovered, tenantColumns, tables, globalTables, notes);
  const prismaModels = new Set(
    discovered.flatMap((t) =>
      (t.entities ?? []).filter((e) => e.orm === "prisma").map((e) => e.names[1]!.toLowerCase()),
    ),
  );
  for (const entry of config.globalTables) {
    const { schema, name } = splitQualifiedName(entry);
    const owned = tables.get(name.toLowerCase());
    if (owned && (!schema || !owned.schema || owned.schema.toLowerCase() === schema.toLowerCase()))
      tables.delete(name.toLowerCase());
    globalTables.add(name.toLowerCase());
  }
  const listedGlobal = new Set([
    ...config.globalTables.map((entry) => splitQualifiedName(entry).name.toLowerCase()),
    ...Object.entries(config.tables)
      .filter(([, override]) => override.global)
      .map(([key]) => splitQualifiedName(key).name.toLowerCase()),
  ]);
  ownThroughForeignKeys(withConfiguredReferences(discovered, config, tables), tables, listedGlobal, tenantColumns);
  applyShareKeys(config, discovered, tables, notes);
  // Tables the config lists own their tenant column: only a model with no tenant-owned table at all is a mistake.
  if (discovered.length && tenantColumns.length && !inference && tables.size === 0)
    notes.push(
      `tenantguard: none of the ${discovered.length} tables has a tenant column (${tenantColumns.join(", ")}); check "tenantColumns" in ${CONFIG_FILE_NAME}`,
    );
  // Inferred ownership says where it came from, so the user can confirm it.
  const throughParent = [...tables.values()].filter((t) => t.owner);
  if (inference && throughParent.length) notes.push(ownedThroughNote(throughParent));
  const levels = inference && nestedLevelsNote(inference.column, throughParent, tables);
  if (levels) notes.push(levels);
  // A name may be tenant-owned in one schema and global in another; the model keys by name alone.
  for (const name of tables.keys()) globalTables.delete(name);

  const roots = tenantRoots(discovered, tables);
  const globalEntities = new Map(
    discovered
      .filter((t) => globalTables.has(t.name.toLowerCase()))
      .flatMap((t) => (t.entities ?? []).flatMap((e) => e.names.map((n) => [n.toLowerCase(), t.name] as const))),
  );
  return {
    model: {
      tables,
      globalTables,
      inference,
      entities: entityIndex(tables),
      ...(roots.size ? { roots } : {}),
      ...(globalEntities.size ? { globalEntities } : {}),
      ...(prismaModels.size ? { prismaModels } : {}),
    },
    errors,
    notes,
    ...(nothingToCheck ? { nothingToCheck } : {}),
  };
}

/**
 * The tables a tenant column points at (`documents.team_id -> teams.id`) that are not tenant-owned
 * themselves: the tenants' own tables, by name and by every entity name.
 */
function tenantRoots(discovered: DiscoveredTable[], tables: ReadonlyMap<string, TenantTable>): Map<string, TenantRoot> {
  const byName = new Map(discovered.map((t) => [t.name.toLowerCase(), t]));
  const roots = new Map<string, TenantRoot>();
  for (const table of discovered) {
    const owned = tables.get(table.name.toLowerCase());
    if (!owned || owned.owner) continue;
    const columns = owned.tenantColumns ?? [owned.tenantColumn];
    for (const fk of table.foreignKeys ?? []) {
      const parent = byName.get(fk.parent.toLowerCase());
      if (fk.columns.length !== 1 || !parent || tables.has(parent.name.toLowerCase())) continue;
      if (!columns.some((c) => tenantColumnMatches(fk.columns[0], c))) continue;
      const root: TenantRoot = {
        name: parent.name,
        keyColumn: fk.parentColumns[0] ?? "id",
        tenantColumn: fk.columns[0],
        ...(parent.entities ? { entities: parent.entities } : {}),
      };
      for (const name of [parent.name, ...(parent.entities ?? []).flatMap((e) => e.names)])
        if (!roots.has(name.toLowerCase())) roots.set(name.toLowerCase(), root);
    }
  }
  return roots;
}

/** Same table from several sources (migrations and Prisma): one entry, the columns of all. */
function mergeTables(tables: DiscoveredTable[]): DiscoveredTable[] {
  const byName = new Map<string, DiscoveredTable>();
  for (const table of tables) {
    const key = `${(table.schema ?? "public").toLowerCase()}.${table.name.toLowerCase()}`;
    const seen = byName.get(key);
    if (seen) {
      seen.columns = [...new Set([...seen.columns, ...table.columns])];
      if (table.entities) seen.entities = [...(seen.entities ?? []), ...table.entities];
      if (table.foreignKeys) seen.foreignKeys = [...(seen.foreignKeys ?? []), ...table.foreignKeys];
    } else byName.set(key, { ...table, columns: [...table.columns] });
  }
  return [...byName.values()];
}

/** The table's own spelling of the first tenant column it has, in the order the columns are listed. */
function tenantColumnOf(table: DiscoveredTable, tenantColumns: readonly string[]): string | undefined {
  return tenantColumnsOf(table, tenantColumns)[0];
}

/** The table's own spellings of every tenant column it has, in the configured order (broad to narrow). */
function tenantColumnsOf(table: DiscoveredTable, tenantColumns: readonly string[]): string[] {
  const out: string[] = [];
  for (const tenantColumn of tenantColumns) {
    // The configured name may be the ORM's field (`orgId` mapped to `organization_id` by `@map`).
    const column =
      table.columns.find((c) => tenantColumnMatches(c, tenantColumn)) ??
      (table.entities ?? [])
        .flatMap((e) => Object.entries(e.fields))
        .find(([field, sql]) => tenantColumnMatches(field, tenantColumn) && table.columns.includes(sql))?.[1];
    if (column && !out.includes(column)) out.push(column);
  }
  return out;
}

/**
 * Ownership through a parent: a table with no tenant column of its own and a required (NOT NULL)
 * foreign key to a tenant-owned table is owned through it, to any depth (items -> invoices ->
 * tenant). A nullable key proves nothing: a row without a parent belongs to no tenant. Tables the
 * config calls global stay global. Then every owned table records the required keys that carry a
 * parent's scope: the child's only link for an owned-through child, or a key that is itself a
 * tenant column (`tasks.project_id -> projects.id` when `project_id` is a tenant column).
 */
function ownThroughForeignKeys(
  discovered: DiscoveredTable[],
  tables: Map<string, TenantTable>,
  listedGlobal: ReadonlySet<string>,
  tenantColumns: readonly string[],
): void {
  const ownerOf = (table: DiscoveredTable, fk: ForeignKey): TenantOwner | undefined => {
    const parent = tables.get(fk.parent.toLowerCase());
    if (!fk.required || !parent || parent.name.toLowerCase() === table.name.toLowerCase()) return undefined;
    return { column: fk.columns[0], parent: parent.name, parentColumn: fk.parentColumns[0] ?? "id" };
  };
  // Any one-column key to another tenant-owned table, required or not.
  const referenceOf = (table: DiscoveredTable, fk: ForeignKey) =>
    fk.columns.length === 1 ? ownerOf(table, { ...fk, required: true }) : undefined;
  const same = (a: TenantOwner, b: TenantOwner) => JSON.stringify(a) === JSON.stringify(b);
  for (let changed = true; changed;) {
    changed = false;
    for (const table of discovered) {
      const key = table.name.toLowerCase();
      const known = tables.get(key);
      if (listedGlobal.has(key) || known?.owner || (known && tenantColumnsOf(table, [known.tenantColumn]).length))
        continue;
      const owner = (table.foreignKeys ?? []).map((fk) => ownerOf(table, fk)).find(Boolean);
      if (!owner) continue;
      tables.set(key, {
        name: table.name,
        schema: table.schema,
        tenantColumn: tables.get(owner.parent.toLowerCase())!.tenantColumn,
        tenantColumns: [],
        owner,
        source: known?.source ?? table.source,
        ...(table.entities ? { entities: table.entities } : {}),
        ...rowKeyOf(table),
      });
      changed = true;
    }
  }
  for (const table of discovered) {
    const owned = tables.get(table.name.toLowerCase());
    if (!owned) continue;
    const own = owned.owner ? [] : tenantColumnsOf(table, [...tenantColumns, owned.tenantColumn]);
    const parents = (table.foreignKeys ?? [])
      .filter((fk) => owned.owner || own.includes(fk.columns[0]))
      .map((fk) => ownerOf(table, fk))
      .filter((o): o is TenantOwner => !!o)
      // The same key from migrations and from an ORM schema counts once.
      .filter((o, i, all) => all.findIndex((p) => same(p, o)) === i);
    if (parents.length) owned.parents = parents;
    const references = (table.foreignKeys ?? [])
      .map((fk) => referenceOf(table, fk))
      .filter(
        (o): o is TenantOwner => !!o && !parents.some((p) => same(p, o)) && !(owned.owner && same(owned.owner, o)),
      )
      .filter((o, i, all) => all.findIndex((p) => same(p, o)) === i)
      // A NOT NULL key (from any source that declares it so): every row has that parent.
      .map((o) =>
        (table.foreignKeys ?? []).some((fk) => fk.required && fk.columns.length === 1 && fk.columns[0] === o.column)
          ? { ...o, required: true as const }
          : o,
      );
    if (references.length) owned.references = references;
  }
  // A narrower level's key names a row of the table it points to (`builds.project_id ->
  // projects.id`): that table is the level, and its own key scopes it at that level, as
  // `project_id = v` scopes builds. Fixes still add its own tenant column.
  for (const child of tables.values()) {
    if (child.owner) continue;
    for (const link of child.parents ?? []) {
      const level = tables.get(link.parent.toLowerCase());
      if (!level || level.owner) continue;
      const columns = level.tenantColumns ?? [level.tenantColumn];
      if (!columns.some((c) => tenantColumnMatches(c, link.parentColumn))) {
        level.tenantColumns = [...columns, link.parentColumn];
        level.levelKey = link.parentColumn;
      }
    }
  }
}

/**
 * The config's share keys (`tables.polls.shareKeys: ["id"]`) in the table's own spelling, and each
 * child's required key to one (`participants.poll_id -> polls.id`): a read by the link's value
 * reads the children of the shared row too. A key naming no owned table or no column is a note.
 */
function applyShareKeys(
  config: ResolvedConfig,
  discovered: DiscoveredTable[],
  tables: ReadonlyMap<string, TenantTable>,
  notes: string[],
): void {
  for (const [key, override] of Object.entries(config.tables)) {
    if (!override.shareKeys?.length) continue;
    const name = splitQualifiedName(key).name.toLowerCase();
    // The table's name, or a name code uses for it (the Prisma model `Poll`, the Drizzle variable `polls`).
    const table =
      tables.get(name) ??
      [...tables.values()].find((t) => t.entities?.some((e) => e.names.some((n) => n.toLowerCase() === name)));
    if (!table) {
      notes.push(
        `tenantguard: tables.${key}.shareKeys: "${key}" is not a tenant-owned table, so it needs no share key`,
      );
      continue;
    }
    const columns = discovered.find((t) => t.name.toLowerCase() === table.name.toLowerCase())?.columns;
    for (const wanted of override.shareKeys) {
      const column = columns ? columns.find((c) => tenantColumnMatches(c, wanted)) : wanted;
      if (column) table.shareKeys = [...(table.shareKeys ?? []), column];
      else notes.push(`tenantguard: tables.${key}.shareKeys: "${wanted}" is not a column of ${table.name}`);
    }
  }
  for (const child of tables.values()) {
    for (const link of [...(child.owner ? [child.owner] : []), ...(child.parents ?? [])]) {
      const parent = tables.get(link.parent.toLowerCase());
      if (parent?.shareKeys?.some((c) => tenantColumnMatches(c, link.parentColumn)))
        child.shareKeys = [...new Set([...(child.shareKeys ?? []), link.column])];
    }
  }
}

/** The candidate most tables share; ties go to the earlier candidate (`tenant_id` first). */
function inferTenantColumn(tables: DiscoveredTable[], rootDir: string): TenantModel["inference"] {
  let best: { column: string; owners: DiscoveredTable[] } | undefined;
  for (const candidate of TENANT_COLUMN_CANDIDATES) {
    const owners = tables.filter((t) => tenantColumnOf(t, [candidate]));
    if (owners.length > (best?.owners.length ?? 0)) best = { column: candidate, owners };
  }
  if (!best) return undefined;
  // Report the spelling the schema uses (`orgId` in a Prisma-generated migration), not ours.
  const spellings = best.owners.map((t) => tenantColumnOf(t, [best.column])!);
  const column = mostCommon(spellings);
  return {
    column,
    tablesWithColumn: best.owners.length,
    tablesTotal: tables.length,
    from: sourceLocations(best.owners, rootDir),
  };
}

function inferenceNote(config: ResolvedConfig, tables: DiscoveredTable[], inference: TenantModel["inference"]): string {
  const missing = config.configFile ? `no "tenantColumns" in ${CONFIG_FILE_NAME}` : `no ${CONFIG_FILE_NAME}`;
  const confirm = config.configFile
    ? `confirm it with "tenantColumns" in ${CONFIG_FILE_NAME}`
    : `confirm it in ${CONFIG_FILE_NAME}`;
  if (inference) {
    const { column, tablesWithColumn, tablesTotal, from } = inference;
    return `tenantguard: ${missing}; inferred tenant column "${column}" from ${tablesWithColumn} of ${tablesTotal} tables in ${from.join(", ")} (${confirm})`;
  }
  return (
    `tenantguard: ${missing}; none of ${TENANT_COLUMN_CANDIDATES.join(", ")} appears in the ${tables.length} tables ` +
    `in ${sourceLocations(tables, config.rootDir).join(", ")}, ` +
    `so no table is treated as tenant-owned (set "tenantColumns" in ${CONFIG_FILE_NAME})`
  );
}

/** `tables` in the config: a different tenant column, `global: true`, or a table no source defines. */
function applyTableOverrides(
  fs: AnalyzerFileSystem,
  config: ResolvedConfig,
  discovered: DiscoveredTable[],
  tenantColumns: readonly string[],
  tables: Map<string, TenantTable>,
  globalTables: Set<string>,
  notes: string[],
): void {
  const configText = config.configFile ? fs.readFile(config.configFile) : undefined;
  for (const [key, override] of Object.entries(config.tables)) {
    const { schema, name } = splitQualifiedName(key);
    const lower = name.toLowerCase();
    if (override.global) {
      tables.delete(lower);
      globalTables.add(lower);
      continue;
    }
    // Share keys alone say nothing of ownership: applyShareKeys reads them once owners are known.
    if (override.shareKeys && !override.tenantColumn && !override.references) continue;
    const table = discovered.find(
      (t) =>
        t.name.toLowerCase() === lower && (!schema || (t.schema ?? "public").toLowerCase() === schema.toLowerCase()),
    );
    const wanted = override.tenantColumn ? [override.tenantColumn] : tenantColumns;
    // Keys declared without a tenant column: the table is owned through them (ownThroughForeignKeys).
    const throughKeys = !override.tenantColumn && !!override.references;
    if (table) {
      const had = tenantColumnsOf(table, wanted);
      if (throughKeys && !had.length) continue;
      const column = had[had.length - 1];
      if (!column && override.tenantColumn) {
        const where = relative(config.rootDir, table.source.file).replace(/\\/g, "/");
        notes.push(
          `tenantguard: tables.${key}.tenantColumn "${override.tenantColumn}" is not a column of ${name} in ${where}`,
        );
      }
      const tenantColumn = column ?? wanted[0];
      if (tenantColumn)
        tables.set(lower, {
          name: table.name,
          schema: table.schema,
          tenantColumn,
          ...(had.length > 1 ? { tenantColumns: had } : {}),
          source: table.source,
          ...(table.entities ? { entities: table.entities } : {}),
        });
      continue;
    }
    if (throughKeys) continue;
    if (!wanted[0]) {
      notes.push(
        `tenantguard: tables.${key} names no tenantColumn and none is configured or inferred; it is not treated as tenant-owned`,
      );
      continue;
    }
    const file = config.configFile ?? join(config.rootDir, CONFIG_FILE_NAME);
    const position = (configText !== undefined && configKeyPosition(configText, ["tables", key])) || {
      line: 1,
      column: 1,
    };
    tables.set(lower, { name, schema, tenantColumn: wanted[0], source: { file, kind: "config", ...position } });
  }
}

/**
 * The tables with the foreign keys the config declares (`tables.<t>.references`) added, as
 * NOT NULL keys; a table only the config knows gets an entry of its own for them.
 */
function withConfiguredReferences(
  discovered: DiscoveredTable[],
  config: ResolvedConfig,
  tables: ReadonlyMap<string, TenantTable>,
): DiscoveredTable[] {
  const extra = new Map<string, ForeignKey[]>();
  for (const [key, override] of Object.entries(config.tables)) {
    if (!override.references) continue;
    const keys = Object.entries(override.references).map(([column, target]): ForeignKey => {
      const parts = target.split(".");
      const parentColumn = parts.pop()!;
      const parent = parts.pop()!;
      return { columns: [column], parent, parentSchema: parts.pop(), parentColumns: [parentColumn], required: true };
    });
    extra.set(splitQualifiedName(key).name.toLowerCase(), keys);
  }
  if (!extra.size) return discovered;
  const out = discovered.map((t) => {
    const keys = extra.get(t.name.toLowerCase());
    return keys ? { ...t, foreignKeys: [...(t.foreignKeys ?? []), ...keys] } : t;
  });
  for (const [name, keys] of extra) {
    if (out.some((t) => t.name.toLowerCase() === name)) continue;
    const known = tables.get(name);
    const columns = [...new Set([...keys.map((k) => k.columns[0]), ...(known ? [known.tenantColumn] : [])])];
    out.push({
      name: known?.name ?? name,
      columns: known?.owner ? keys.map((k) => k.columns[0]) : columns,
      source: known?.source ?? {
        file: config.configFile ?? join(config.rootDir, CONFIG_FILE_NAME),
        line: 1,
        column: 1,
        kind: "config",
      },
      foreignKeys: keys,
    });
  }
  return out;
}

/**
 * A schema glob the config spells out and that matches no file is a broken config, not a quiet
 * run that finds nothing: the user believes those tables are checked. (The default globs may
 * match nothing: they only try the usual layouts.)
 */
function unmatchedSchemaGlobs(fs: AnalyzerFileSystem, config: ResolvedConfig): InputError[] {
  if (!config.configFile) return [];
  const errors: InputError[] = [];
  let configText: string | undefined;
  for (const kind of SCHEMA_KINDS) {
    const globs = config.schema[kind];
    if (globs.join("\n") === DEFAULT_SCHEMA_GLOBS[kind].join("\n")) continue;
    globs.forEach((glob, i) => {
      if (fs.glob([glob], config.rootDir).length) return;
      configText ??= fs.readFile(config.configFile!) ?? "";
      errors.push({
        file: config.configFile!,
        message: `"${glob}" matches no file under ${config.rootDir}`,
        key: `schema.${kind}[${i}]`,
        ...configKeyPosition(configText, ["schema", kind, i]),
      });
    });
  }
  return errors;
}

function ownedThroughNote(tables: TenantTable[]): string {
  const shown = tables.slice(0, 5).map((t) => `${t.name} -> ${t.owner!.parent}`);
  const more = tables.length > shown.length ? `, and ${tables.length - shown.length} more` : "";
  return `tenantguard: ${tables.length} ${tables.length === 1 ? "table is" : "tables are"} tenant-owned through a NOT NULL foreign key to a tenant-owned parent (${shown.join(", ")}${more}); list any that are shared in "globalTables" in ${CONFIG_FILE_NAME}`;
}

/**
 * Inferred with one level, while many tables hang off a parent that is itself owned through its
 * own parent (formbricks: 11 tables by `environmentId` -> Environment -> Project -> Organization):
 * the levels a team whose tenants nest would list, broad to narrow, so a query filtered by a
 * narrower key is proven by that key directly.
 */
function nestedLevelsNote(
  column: string,
  throughParent: readonly TenantTable[],
  tables: ReadonlyMap<string, TenantTable>,
): string | undefined {
  const byParent = new Map<string, TenantTable[]>();
  for (const t of throughParent) {
    const key = t.owner!.parent.toLowerCase();
    byParent.set(key, [...(byParent.get(key) ?? []), t]);
  }
  const [top] = [...byParent].filter(([parent]) => tables.get(parent)?.owner).sort((a, b) => b[1].length - a[1].length);
  if (!top || top[1].length < 3) return undefined;
  const [parentKey, children] = top;
  // Up from the parent to the table that holds the tenant column: each step's owning key is a level.
  const levels = [mostCommon(children.map((c) => c.owner!.column))];
  const chain: string[] = [];
  for (
    let t = tables.get(parentKey), depth = 0;
    t?.owner && depth < 5;
    t = tables.get(t.owner.parent.toLowerCase()), depth++
  ) {
    levels.unshift(t.owner.column);
    chain.push(`"${t.owner.parent}"`);
  }
  const parent = tables.get(parentKey)!.name;
  const list = [column, ...levels].map((c) => `"${c}"`).join(", ");
  return `tenantguard: ${children.length} tables are owned through "${parent}" (by ${levels[levels.length - 1]}), itself owned through ${chain.join(" and ")}; if tenants nest, list the levels broad to narrow so a query filtered by a narrower key is proven by it directly: "tenantColumns": [${list}] in ${CONFIG_FILE_NAME}`;
}

/** Where tables came from, relative to rootDir: the common directory of their files, per source kind. */
function sourceLocations(tables: DiscoveredTable[], rootDir: string): string[] {
  const byKind = new Map<string, Set<string>>();
  for (const t of tables) {
    const file = relative(rootDir, t.source.file).replace(/\\/g, "/") || ".";
    byKind.set(t.source.kind, (byKind.get(t.source.kind) ?? new Set()).add(file));
  }
  return [...byKind.values()].map((set) => {
    const files = [...set];
    if (files.length === 1) return files[0];
    let common = posix.dirname(files[0]);
    while (common !== "." && !files.every((f) => f.startsWith(`${common}/`))) common = posix.dirname(common);
    return common;
  });
}

function mostCommon(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
}

/** Every entity name of every tenant-owned table, lower-cased, for ORM call lookup. */
function entityIndex(tables: ReadonlyMap<string, TenantTable>): Map<string, TenantTable> {
  const index = new Map<string, TenantTable>();
  for (const table of tables.values()) {
    for (const entity of table.entities ?? []) for (const name of entity.names) index.set(name.toLowerCase(), table);
  }
  return index;
}

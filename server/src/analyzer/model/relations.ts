// A tenant-owned table's links to other tenant-owned tables, as the flow follows them: the
// foreign keys it holds (a Prisma relation's one local field, or a parent key the schema
// declares) and the Prisma back-relations whose key sits on the other side. Computed once per
// model and table.
import { isMembershipTable, isOwnerColumn } from "../membership";
import { normalizeColumnName, tenantColumnMatches } from "./names";
import { lookupTenantRoot, lookupTenantTable, tenantColumnsOf, type TenantModel, type TenantTable } from "./types";

export interface TableRelations {
  /** Prisma relation fields with one local key field -> the tenant-owned table it points at (`surveyId` -> "surveys"). */
  prismaKeys: ReadonlyMap<string, string>;
  /** The same relations by the relation's own name (`survey` -> "surveys"): `where: { survey: { id } }`. */
  prismaRelations: ReadonlyMap<string, string>;
  /** Foreign keys the schema declares to tenant-owned tables, by normalized column -> that table (`invoice_id` -> "invoices"). */
  parentKeys: ReadonlyMap<string, string>;
  /** Back-relations (`documents Document[]`) -> the related table and whether it is a list. */
  backRelations: ReadonlyMap<string, { table: string; many: boolean; name?: string }>;
}

const byModel = new WeakMap<TenantModel, Map<string, TableRelations>>();

export function relationsOf(model: TenantModel, table: string): TableRelations {
  let byTable = byModel.get(model);
  if (!byTable) byModel.set(model, (byTable = new Map()));
  let relations = byTable.get(table);
  if (relations) return relations;
  const owned = lookupTenantTable(model, table);
  // A tenant's own table (`Team`) has back-relations too: `team.documents` are the team's rows.
  const root = owned ? undefined : lookupTenantRoot(model, table);
  const prismaKeys = new Map<string, string>();
  const prismaRelations = new Map<string, string>();
  const backRelations = new Map<string, { table: string; many: boolean; name?: string }>();
  for (const e of (owned ?? root)?.entities ?? [])
    for (const r of e.relations ?? []) {
      const target = model.entities?.get(r.target.toLowerCase());
      if (!target) continue;
      if (r.fields?.length === 1) {
        prismaKeys.set(r.fields[0]!, target.name);
        prismaRelations.set(r.field, target.name);
      } else if (!r.fields?.length && (!root || heldByTenantColumn(target, e.names[0]!, r.name)))
        backRelations.set(r.field, { table: target.name, many: !!r.list, ...(r.name && { name: r.name }) });
    }
  const parentKeys = new Map<string, string>();
  for (const p of [...(owned?.parents ?? []), ...(owned?.owner ? [owned.owner] : []), ...(owned?.references ?? [])]) {
    const parent = model.tables.get(p.parent.toLowerCase());
    if (parent) parentKeys.set(normalizeColumnName(p.column), parent.name);
  }
  byTable.set(table, (relations = { prismaKeys, prismaRelations, parentKeys, backRelations }));
  return relations;
}

/**
 * Whether the rows of `target` a tenant's back-relation holds are the tenant's: the target's one
 * relation to the tenant model is keyed by its tenant column (a second relation, `sharedWithTeam`,
 * may be the one the back-relation pairs with).
 */
function heldByTenantColumn(target: TenantTable, rootModel: string, name: string | undefined): boolean {
  // Named (`@relation("owner")`, Drizzle's `relationName`): the one relation of that name pairs with it.
  const links = (target.entities ?? []).flatMap((e) =>
    (e.relations ?? []).filter((r) => r.target === rootModel && (!name || r.name === name)).map((r) => ({ e, r })),
  );
  if (links.length !== 1 || links[0]!.r.fields?.length !== 1) return false;
  const { e, r } = links[0]!;
  const column = e.fields[r.fields![0]!] ?? r.fields![0]!;
  return tenantColumnsOf(target).some((c) => tenantColumnMatches(column, c));
}

/** The tenant-owned table a foreign-key field or column of `table` points at. */
export function referencedTable(model: TenantModel, table: string, field: string): string | undefined {
  const r = relationsOf(model, table);
  return r.prismaKeys.get(field) ?? r.parentKeys.get(normalizeColumnName(field));
}

/**
 * The parent `table` is owned through, by the name of the relation to it: a Prisma relation with
 * one local key (`invoice` of `invoiceId`), or the name of the owning key without its `Id`
 * (`statusReport` for `statusReportId`, as Drizzle's `with: { statusReport: true }` calls it).
 */
export function relationParent(model: TenantModel, table: string, relation: string): string | undefined {
  // Only the parent the table is owned through: a row with its own tenant column (or another key
  // to a parent) is not tied to that parent's tenant.
  const owner = lookupTenantTable(model, table)?.owner;
  if (!owner) return undefined;
  const isOwner = (column: string, parent: string | undefined) =>
    !!parent &&
    parent.toLowerCase() === owner.parent.toLowerCase() &&
    normalizeColumnName(column) === normalizeColumnName(owner.column);
  for (const e of lookupTenantTable(model, table)?.entities ?? []) {
    const r = e.relations?.find((x) => x.field === relation);
    if (!r) continue;
    const parent = r.fields?.length === 1 ? model.entities?.get(r.target.toLowerCase())?.name : undefined;
    return parent && isOwner(e.fields[r.fields![0]!] ?? r.fields![0]!, parent) ? parent : undefined;
  }
  const column = `${relation}Id`;
  const parent = relationsOf(model, table).parentKeys.get(normalizeColumnName(column));
  return isOwner(column, parent) ? parent : undefined;
}

/**
 * Whether `row.<relation>.<members>` lists the members of the row's tenant: `relation` leads from
 * `table` to the tenant's own table by the table's tenant column (`document.team`), and `members`
 * is that table's back-relation to a membership table (`team.users` of `UserTeam`).
 */
export function tenantMembersOf(model: TenantModel, table: string, relation: string, members: string): boolean {
  const target = tenantRootRelation(model, table, relation);
  const root = target && lookupTenantRoot(model, target);
  const held = root && relationsOf(model, root.name).backRelations.get(members);
  const membership = held && lookupTenantTable(model, held.table);
  return !!membership && held!.many && isMembershipTable(membership);
}

/**
 * Whether `relation` leads from `table` to the tenant's own row by the table's tenant column
 * (`key.workspace` by `workspaceId`): the model it names (a Prisma relation), or the relation's own
 * name (Drizzle's `with: { workspace: true }`, named after its key). Undefined for any other relation.
 */
export function tenantRootRelation(model: TenantModel, table: string, relation: string): string | undefined {
  const owned = lookupTenantTable(model, table);
  if (!owned || owned.owner) return undefined;
  const byTenantColumn = (column: string) => tenantColumnsOf(owned).some((c) => tenantColumnMatches(column, c));
  for (const e of owned.entities ?? []) {
    const r = e.relations?.find((x) => x.field === relation);
    if (!r) continue;
    return r.fields?.length === 1 && byTenantColumn(e.fields[r.fields[0]!] ?? r.fields[0]!) ? r.target : undefined;
  }
  return byTenantColumn(`${relation}Id`) ? relation : undefined;
}

/** How the flow follows rows through the model (flow/flow-values.ts), bound to one model. */
export interface ModelLinks {
  /** The tenant-owned table a row's foreign-key field points at (`response.surveyId` -> "surveys"). */
  referencedTable(table: string, field: string): string | undefined;
  /** The parent a row is owned through, by the relation's name (`update.statusReport`): its tenant checks the row's. */
  parentOf(table: string, relation: string): string | undefined;
  /** Whether `row.<relation>.<members>` lists the members of the row's tenant (`document.team.users`). */
  tenantMembers(table: string, relation: string, members: string): boolean;
  /** Whether `row.<relation>` is the tenant's own row, by the row's tenant column (`key.workspace`). */
  isTenantRow(table: string, relation: string): boolean;
  /**
   * The rows a row's relation holds, read with `include`: a back-relation's (`team.documents`) and
   * the parent row its own key points at (`version.content`); their table, and whether a list.
   */
  relatedRows(table: string, field: string): { table: string; many: boolean } | undefined;
  /** The tenant-owned table a model class (`class Document extends Model`) is the entity of. */
  entityTable(className: string): string | undefined;
  /** The tenant-owned table a required to-one relation of `table` leads to by `table`'s own foreign key (`namespace` of `namespaceId`). */
  keyedParent(table: string, relation: string): string | undefined;
  /** Whether `field` is the table's primary key: `id`, or the one column its schema declares (`sshKeyId`). */
  isPrimaryKey(table: string, field: string): boolean;
  /** Whether `field` is the row's own primary key (`id`, a declared one-column primary key), not a unique column. */
  isRowKey(table: string, field: string): boolean;
  /** Whether `field` is a Prisma `@unique` field other than `id` (`slug`): a row's value of it names that row. */
  isUniqueField(table: string, field: string): boolean;
  /** Whether `field` is the key a table owned through its parent holds (`comment.pollId` of comments -> polls). */
  ownerKey(table: string, field: string): boolean;
}

export function modelLinks(model: TenantModel): ModelLinks {
  return {
    referencedTable: (table, field) => referencedTable(model, table, field),
    parentOf: (table, relation) => relationParent(model, table, relation),
    tenantMembers: (table, relation, members) => tenantMembersOf(model, table, relation, members),
    isTenantRow: (table, relation) => tenantRootRelation(model, table, relation) !== undefined,
    relatedRows: (table, field) => {
      const r = relationsOf(model, table);
      const parent = r.prismaRelations.get(field);
      return r.backRelations.get(field) ?? (parent ? { table: parent, many: false } : undefined);
    },
    entityTable: (className) => model.entities?.get(className.toLowerCase())?.name,
    keyedParent: (table, relation) => {
      // Only a required relation: a row may point at another tenant's row by an optional link.
      const declared = (lookupTenantTable(model, table)?.entities ?? []).some((e) =>
        e.relations?.some((r) => r.field === relation && r.required && r.fields?.length),
      );
      const parent = declared ? relationsOf(model, table).prismaRelations.get(relation) : undefined;
      return parent && lookupTenantTable(model, parent) ? parent : undefined;
    },
    isPrimaryKey: (table, field) => primaryKeyFields(model, table).has(field),
    isRowKey: (table, field) => rowKeyFields(model, table).has(field),
    isUniqueField: (table, field) => prismaUniqueFields(model, table).has(field),
    ownerKey: (table, field) => {
      const owner = lookupTenantTable(model, table)?.owner;
      if (!owner) return false;
      const fields = (lookupTenantTable(model, table)?.entities ?? []).flatMap((e) =>
        Object.entries(e.fields)
          .filter(([, column]) => column === owner.column)
          .map(([f]) => f),
      );
      return normalizeColumnName(field) === normalizeColumnName(owner.column) || fields.includes(field);
    },
  };
}

/**
 * The fields that name one row of a table by its primary key: `id`, and a single-column primary
 * key its ORM schema declares under another name (Drizzle `.primaryKey()`, TypeORM
 * `@PrimaryColumn`, Sequelize `primaryKey: true`): `sshKeyId`, `uuid`; and a Drizzle column
 * declared `.unique()` (`publicId`), which names one row as well.
 */
export function primaryKeyFields(model: TenantModel, table: string): ReadonlySet<string> {
  const t = lookupTenantTable(model, table);
  const out = new Set(["id", ...(t?.rowKey ? [t.rowKey] : [])]);
  for (const e of t?.entities ?? []) {
    if (e.orm === "prisma") continue;
    const primary = e.uniques?.[0];
    if (primary?.length === 1) out.add(primary[0]!);
    for (const field of e.uniqueFields ?? []) out.add(field);
  }
  return out;
}

/** The fields that are a row's own key: `id`, and a one-column primary key its ORM schema declares (`sshKeyId`). */
export function rowKeyFields(model: TenantModel, table: string): ReadonlySet<string> {
  const t = lookupTenantTable(model, table);
  const out = new Set(["id", ...(t?.rowKey ? [t.rowKey] : [])]);
  for (const e of t?.entities ?? []) {
    const primary = e.orm === "prisma" ? undefined : e.uniques?.[0];
    if (primary?.length === 1) out.add(primary[0]!);
  }
  return out;
}

/** A Prisma model's single-field `@unique` (and `@id` other than `id`) fields: each names one row. */
export function prismaUniqueFields(model: TenantModel, table: string): ReadonlySet<string> {
  const entities = lookupTenantTable(model, table)?.entities ?? [];
  return new Set(entities.flatMap((e) => (e.orm === "prisma" ? (e.uniqueFields ?? []) : [])).filter((f) => f !== "id"));
}

export const USERS_TABLE = /^(?:app_?)?users?$/i;

/**
 * The Prisma relations of a table owned through its parent to its other tenant-owned parents
 * (`tag` of `LinkTag`, owned through `link`): a row names each, and each must be the tenant's.
 */
export function otherParentRelations(
  owned: TenantTable,
): { field: string; fields?: readonly string[]; parent: string }[] {
  const owner = owned.owner;
  if (!owner) return [];
  const out: { field: string; fields?: readonly string[]; parent: string }[] = [];
  for (const ref of [...(owned.parents ?? []), ...(owned.references ?? [])]) {
    // A comment's author (`authorId -> users`) is who wrote it, not a row it files data under.
    if (ref.column === owner.column || isOwnerColumn(ref.column) || USERS_TABLE.test(ref.parent)) continue;
    for (const e of owned.entities ?? []) {
      if (e.orm !== "prisma") continue;
      const r = e.relations?.find(
        (x) => x.fields?.length === 1 && (e.fields[x.fields[0]!] ?? x.fields[0]) === ref.column,
      );
      if (r && !out.some((o) => o.field === r.field))
        out.push({ field: r.field, fields: r.fields, parent: ref.parent });
    }
  }
  return out;
}

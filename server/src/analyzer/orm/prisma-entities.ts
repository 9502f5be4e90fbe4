// The tenant model seen from Prisma: which client accessors (`prisma.invoice`) are
// tenant-owned models, their tenant field, compound uniques and relations.
//
// Ownership: a model is tenant-owned when it has the tenant field (either spelling); discovery
// decides that. A model without it (InvoiceLine, reached through Invoice) is global unless the
// config lists it in `tables`; then it is owned through its first required relation to a
// tenant-owned parent, and its queries must filter through that relation
// (`where: { invoice: { tenantId } }`). Its creates are not checked: the parent's key ties them.
import { isMembershipTable, isOwnerColumn } from "../membership";
import { relationsOf } from "../model/relations";
import {
  lookupTenantEntity,
  lookupTenantRoot,
  lookupTenantTable,
  tenantColumnsOf,
  tenantFieldOf,
  type EntityInfo,
  type TenantModel,
  type TenantTable,
} from "../model/types";
import type { ScopeEntity, ScopeRelation } from "./prisma-where";

export interface PrismaEntity extends ScopeEntity {
  table: TenantTable;
  info: EntityInfo;
  /** Compound unique keys that include the tenant field, by Prisma's name (`id_tenantId`). */
  compoundKeys: ReadonlyMap<string, readonly string[]>;
  /** The relation field whose foreign key is exactly the tenant field (`tenant`), for `connect` fixes. */
  tenantRelation?: string;
  /**
   * Set when the model has no tenant field of its own (listed as tenant-owned in config `tables`):
   * the required relation to a tenant-owned parent its queries must filter through.
   */
  through?: { field: string; parent: PrismaEntity };
  /** Whether a nested create of this model through `parentModel` gets the tenant from the parent's foreign key. */
  inheritsTenantFrom(parentModel: string): boolean;
  relation(field: string): (ScopeRelation & { target?: PrismaEntity }) | undefined;
}

/** Looks Prisma entities up by client accessor or model name; one view per model, built on first use. */
export class PrismaEntities {
  private readonly views = new Map<string, PrismaEntity | null>();
  constructor(private readonly model: TenantModel) {}

  /** The back-relations of the tenant's own model `name` whose rows are memberships (`members`, `users`). */
  private readonly memberships = new Map<string, Set<string>>();

  /** The fields of the tenant's own model `name` that name one tenant: `id` and its `@unique` fields. */
  private tenantKeysOf(name: string): ReadonlySet<string> | undefined {
    const root = lookupTenantRoot(this.model, name);
    const unique = root?.entities?.find((e) => e.orm === "prisma")?.uniqueFields;
    return unique?.length ? new Set(["id", ...unique]) : undefined;
  }

  /** The tenant-owned model the tenant's own model `name` holds by its back-relation `field` (`projects`). */
  private heldBy(name: string, field: string): PrismaEntity | undefined {
    const root = lookupTenantRoot(this.model, name);
    const held = root && relationsOf(this.model, root.name).backRelations.get(field);
    const table = held && lookupTenantTable(this.model, held.table);
    const entity = table?.entities?.find((e) => e.orm === "prisma")?.names[0];
    return entity ? this.byName(entity) : undefined;
  }

  private membershipsOf(name: string): Set<string> {
    const known = this.memberships.get(name);
    if (known) return known;
    const root = lookupTenantRoot(this.model, name);
    const out = new Set<string>();
    this.memberships.set(name, out);
    if (!root) return out;
    for (const [field, held] of relationsOf(this.model, root.name).backRelations) {
      const table = held.many ? lookupTenantTable(this.model, held.table) : undefined;
      if (table && isMembershipTable(table)) out.add(field);
    }
    return out;
  }

  /** Any tenant-owned table with a Prisma entity? (Cheap gate for the whole module.) */
  get any(): boolean {
    for (const table of this.model.tables.values()) if (table.entities?.some((e) => e.orm === "prisma")) return true;
    return false;
  }

  /** `invoice` (accessor) or `Invoice` (model name) -> the entity, when it is tenant-owned. */
  byName(name: string): PrismaEntity | undefined {
    const cached = this.views.get(name);
    if (cached !== undefined) return cached ?? undefined;
    const table = lookupTenantEntity(this.model, name);
    const info = table?.entities?.find((e) => e.orm === "prisma" && e.names.includes(name));
    this.views.set(name, null); // a relation cycle back to this model sees it as not (yet) owned
    const view = table && info ? this.build(table, info) : null;
    this.views.set(name, view);
    return view ?? undefined;
  }

  private build(table: TenantTable, info: EntityInfo): PrismaEntity {
    const tenantField = tenantFieldOf(table, "prisma");
    const fieldOf = (column: string) => Object.entries(info.fields).find(([, c]) => c === column)?.[0] ?? column;
    // A hierarchy (orgId, projectId): a filter on any level the model has scopes it.
    const tenantFields = tenantColumnsOf(table).map(fieldOf);
    const compoundKeys = new Map(
      (info.uniques ?? [])
        .filter((u) => u.includes(tenantField) || u.some((f) => tenantFields.includes(f)))
        .map((u) => [u.join("_"), u] as const),
    );
    const relations = info.relations ?? [];
    // A relation keyed by a tenant field at any level the model has (`team` by teamId beside userId).
    const carries = (r: (typeof relations)[number]) =>
      !!r.fields?.some((f) => f === tenantField || tenantFields.includes(f));
    const ownsField = !table.owner && Object.values(info.fields).includes(table.tenantColumn);
    // Owned through a parent: the relation whose key is the owning foreign key, else the first required one.
    const ownerField = table.owner && fieldOf(table.owner.column);
    const required = relations.filter((r) => r.required && r.fields?.length);
    const parent = ownsField
      ? undefined
      : (required.find((r) => ownerField && r.fields?.includes(ownerField) && this.byName(r.target)) ??
        required.find((r) => this.byName(r.target)));
    const through = parent && { field: parent.field, parent: this.byName(parent.target)! };
    return {
      name: info.names[0],
      through,
      table,
      info,
      tenantField,
      ...(tenantFields.length > 1 ? { tenantFields } : {}),
      compoundKeys,
      ...(isMembershipTable(table)
        ? {}
        : { ownerFields: new Set(Object.keys(info.fields).filter((f) => isOwnerColumn(info.fields[f] ?? f))) }),
      tenantRelation: relations.find((r) => r.fields?.length === 1 && r.fields[0] === tenantField)?.field,
      // A model owned through its parent has no tenant field to set: its parent key ties it.
      inheritsTenantFrom: (parentModel) => !!through || relations.some((r) => r.target === parentModel && carries(r)),
      relation: (field) => {
        const r = relations.find((x) => x.field === field);
        if (!r) return undefined;
        const target = this.byName(r.target);
        // The tenant's own model (`organization` by organizationId): its back-relations to membership tables.
        const memberships = !target && carries(r) ? this.membershipsOf(r.target) : undefined;
        const tenantKeys = !target && carries(r) ? this.tenantKeysOf(r.target) : undefined;
        return {
          target,
          // Keyed by a tenant column, to the tenant's own model (not another table the column happens to key).
          carriesTenant: carries(r) && (!!target || !!lookupTenantRoot(this.model, r.target)),
          ...(memberships?.size && { memberships }),
          ...(tenantKeys && { tenantKeys }),
          ...(!target && carries(r) && { holds: (held: string) => this.heldBy(r.target, held) }),
        };
      },
    };
  }
}

/** Whether `field` is a relation field of the entity (tenant-owned target or not). */
export function isRelationField(entity: PrismaEntity, field: string): boolean {
  return !!entity.info.relations?.some((r) => r.field === field);
}

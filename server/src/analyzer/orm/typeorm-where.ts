// The TypeORM where dialect: which properties hold the tenant, what a FindOperator does to the
// tenant filter (`Not(x)`, `Like(x)` do not pin one tenant; `IsNull()` reads only unowned rows),
// and TypeORM's habit of dropping `undefined`/`null` properties, which removes the filter.
import type ts from "typescript";
import { identityDecides } from "../membership";
import { returnedObjects } from "../statements";
import { tenantColumnMatches } from "../model/names";
import { broaderTenantFields, type EntityInfo, type TenantTable } from "../model/types";
import {
  evaluateWhere,
  isNullish,
  levelNull,
  propertyText,
  skipOuter,
  type WhereDialect,
  type WhereVerdict,
} from "./object-where";
import { mayBeUndefined } from "./prisma-where";
import { typeormEntity } from "./typeorm-receivers";
import type { OrmContext } from "./types";

/** The where dialect of one entity: an array is an OR; FindOperators say how a value compares. */
export function typeormDialect(
  ctx: OrmContext,
  table: TenantTable,
  entity: EntityInfo,
  depth = 0,
  /** A find: a secret, a public flag or the signed-in user may decide whose rows (membership.ts identityDecides). */
  reads = false,
): WhereDialect {
  const keys = tenantFields(table, entity);
  return {
    ts: ctx.ts,
    arrayMeans: "or",
    combinator: () => undefined,
    built: (call) => {
      const fn = ctx.resolveFunction?.(call);
      return fn && returnedObjects(ctx.ts, fn);
    },
    field(name, value) {
      if (keys.relations.has(name))
        return isNullish(ctx.ts, value)
          ? { kind: "weak", reason: "is null or undefined, and TypeORM drops those from a where" }
          : { kind: "scoped" };
      // A filter through a relation to a tenant-owned parent (`customer: { tenantId }`) scopes by that parent.
      const relation = entity.relations?.find((r) => r.field === name);
      const parent = relation && depth < 3 ? typeormEntity(ctx, relation.target) : undefined;
      if (parent && ctx.ts.isObjectLiteralExpression(skipOuter(ctx.ts, value))) {
        const inner = evaluateWhere(value, typeormDialect(ctx, parent.table, parent.entity, depth + 1));
        return inner.kind === "unknown" ? { kind: "missing" } : inner;
      }
      if (keys.all.has(name)) return levelNull(tenantValue(ctx, value), name, table, entity);
      return identityDecides(ctx.ts, table, name, value, reads) ? { kind: "scoped" } : { kind: "missing" };
    },
  };
}

const NON_EQUALITY_OPERATORS = new Set([
  "Or",
  "And",
  "Raw",
  "Like",
  "ILike",
  "MoreThan",
  "MoreThanOrEqual",
  "LessThan",
  "LessThanOrEqual",
  "Between",
  "ArrayContains",
  "ArrayContainedBy",
  "ArrayOverlap",
  "JsonContains",
]);

/** What a value given to the tenant field does: `Not(x)` and `Like(x)` do not pin one tenant; undefined drops the filter. */
function tenantValue(ctx: OrmContext, value: ts.Expression): WhereVerdict {
  const { ts: tsm, checker } = ctx;
  const node = skipOuter(tsm, value);
  if (isNullish(tsm, node))
    return {
      kind: "weak",
      reason: "is null or undefined, and TypeORM drops those from a where (the filter disappears)",
    };
  if (tsm.isCallExpression(node) && tsm.isIdentifier(node.expression)) {
    const op = node.expression.text;
    if (op === "IsNull") return { kind: "shared" };
    if (op === "Not") return { kind: "weak", reason: "sits inside Not()" };
    if (NON_EQUALITY_OPERATORS.has(op))
      return { kind: "weak", reason: `uses ${op}(), which is not an equality with one tenant` };
  }
  if (!checker) {
    // Without the checker: an optional parameter or field, an optional chain (prisma-where's reading).
    const undefinedBy = mayBeUndefined(ctx, value);
    if (undefinedBy)
      return {
        kind: "weak",
        reason: `can be undefined (${undefinedBy}), and TypeORM drops undefined from a where (the filter disappears)`,
      };
  } else {
    const type = checker.getTypeAtLocation(node);
    const parts = type.isUnion() ? type.types : [type];
    if (
      parts.some((t) => t.flags & (tsm.TypeFlags.Undefined | tsm.TypeFlags.Null)) &&
      !(type.flags & tsm.TypeFlags.Any)
    ) {
      return {
        kind: "weak",
        reason: `may be undefined (\`${node.getText()}\` is optional), and TypeORM drops undefined from a where (the filter disappears)`,
      };
    }
  }
  return { kind: "scoped" };
}

export interface TenantFields {
  /** What messages name and fixes write: the tenant property, else a relation to the tenant (`tenant`). */
  primary: string;
  /** The name whose variants `tenantValueAt` looks for (`tenantId` finds `tenantId` and `tenant_id`). */
  valueName: string;
  /** Every key that sets the tenant in a where or a written object. */
  all: ReadonlySet<string>;
  /** Relations whose join column is the tenant column. */
  relations: ReadonlySet<string>;
  /** The property a fix adds: `tenantId: v`, or `tenant: { id: v }` for a relation-only entity. */
  property(value: string): string;
}

/** The entity's properties that hold the tenant, and relations whose join column is the tenant column. */
export function tenantFields(table: TenantTable, entity: EntityInfo): TenantFields {
  const props = Object.entries(entity.fields)
    .filter(([, column]) => tenantColumnMatches(column, table.tenantColumn))
    .map(([prop]) => prop);
  const relations = (entity.relations ?? [])
    .filter((r) => r.fields?.some((f) => tenantColumnMatches(entity.fields[f] ?? f, table.tenantColumn)))
    .map((r) => r.field);
  const relation = props.length ? undefined : relations[0];
  const primary = props[0] ?? relation ?? table.tenantColumn;
  return {
    primary,
    valueName: props[0] ?? table.tenantColumn,
    all: new Set([
      ...(props.length ? props : relation ? [] : [table.tenantColumn]),
      ...relations,
      ...broaderTenantFields(table, entity),
    ]),
    relations: new Set(relations),
    property: (value) => (relation ? `${relation}: { id: ${value} }` : propertyText(primary, value)),
  };
}

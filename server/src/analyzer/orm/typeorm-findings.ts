// One recognised TypeORM call and how a finding about it reads: the messages (in the words of
// the SQL rules), the fix wrapper, and what counts as looking a row up by id.
import type ts from "typescript";
import type { EntityInfo } from "../model/types";
import type { EntityTarget } from "./typeorm-receivers";
import type { TenantFields } from "./typeorm-where";
import { calleeText } from "./method-call";
import type { OrmContext } from "./types";

/** One recognised call: the entity it is about and its arguments after the entity. */
export interface Call {
  ctx: OrmContext;
  call: ts.CallExpression;
  callee: ts.PropertyAccessExpression;
  method: string;
  args: readonly ts.Expression[];
  target: EntityTarget;
  /** The tenant field in TypeORM's spelling (`tenantId`, or the relation `tenant`). */
  field: string;
  tenant: TenantFields;
}

export function primaryKeyOf(entity: EntityInfo): string {
  return entity.uniques?.find((u) => u.length === 1)?.[0] ?? "id";
}

/** A where that names only the primary key: `{ id }`. */
export function isIdOnly(c: Call, obj: ts.Expression): boolean {
  const { ts: tsm, sourceFile } = c.ctx;
  if (!tsm.isObjectLiteralExpression(obj) || obj.properties.length !== 1) return false;
  const name = obj.properties[0].name?.getText(sourceFile);
  return name === primaryKeyOf(c.target.entity) || name === "id";
}

/** An id or ids passed as update/delete criteria: a literal, an array, or a value named like an id. */
export function isIdLike(ctx: OrmContext, node: ts.Expression): boolean {
  const { ts: tsm, checker } = ctx;
  if (
    tsm.isStringLiteral(node) ||
    tsm.isNumericLiteral(node) ||
    tsm.isNoSubstitutionTemplateLiteral(node) ||
    tsm.isArrayLiteralExpression(node)
  )
    return true;
  if (checker) {
    const type = checker.getTypeAtLocation(node);
    if (type.flags & (tsm.TypeFlags.StringLike | tsm.TypeFlags.NumberLike)) return true;
  }
  const name = tsm.isIdentifier(node) ? node.text : tsm.isPropertyAccessExpression(node) ? node.name.text : "";
  return /(^id|Id|ID|_id|Ids|ids)$/.test(name);
}

export function byIdMessage(c: Call): string {
  return `${calleeText(c)} looks "${c.target.table.name}" up by id only: it returns another tenant's row. Add ${c.field} to the where.`;
}

export function missingMessage(c: Call, verb: "read" | "update" | "delete"): string {
  const t = `"${c.target.table.name}"`;
  const what =
    verb === "update"
      ? `updates ${t} without a tenant predicate: it changes every tenant's matching rows`
      : verb === "delete"
        ? `deletes from ${t} without a tenant predicate: it removes every tenant's matching rows`
        : `reads ${t} without a tenant predicate: it returns every tenant's rows`;
  return `${calleeText(c)} ${what}. Add ${c.field} to the where.`;
}

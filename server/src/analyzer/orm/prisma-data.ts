// Whether create `data` sets the tenant: the tenant field, or a relation whose foreign key
// carries it (`tenant: { connect: ... }`), in every element for createMany, and in nested
// creates of tenant-owned models that do not take the tenant from their parent's key.
import type ts from "typescript";
import { isRelationField, type PrismaEntity } from "./prisma-entities";
import { insertTenantColumnsOf } from "../model/types";
import { tenantColumnMatches } from "../model/names";
import { followConst, strip } from "./prisma-syntax";
import {
  allOf,
  anyOf,
  propertyName,
  propertyValue,
  short,
  tenantValueScope,
  typeRequires,
  type Scope,
  type ScopeContext,
} from "./prisma-where";

export interface DataCheck {
  /** The combined scope of every element (`none`: some element lacks the tenant). */
  scope: Scope;
  /** The data object literals that lack the tenant, when every such element is one (for the fix). */
  missing: ts.ObjectLiteralExpression[] | undefined;
  nested: NestedCreate[];
}

export interface NestedCreate {
  entity: PrismaEntity;
  /** The relation field of the parent the rows are created through. */
  through: string;
  scope: Scope;
}

const WORST_FIRST: Scope["kind"][] = ["none", "weak", "dynamic"];

/** Checks `data` (one object, or the array/`.map(...)` of createMany) for `entity`. */
export function checkCreateData(ctx: ScopeContext, data: ts.Expression, entity: PrismaEntity): DataCheck {
  const elements = elementsOf(ctx, data);
  const scopes = elements.map((el) => dataScope(ctx, el, entity, 0));
  const scope = WORST_FIRST.map((k) => scopes.find((s) => s.kind === k)).find(Boolean) ?? { kind: "scoped" };
  const literals = elements.map((el) => followConst(ctx, strip(ctx.ts, el)));
  const lacking = literals.filter((_, i) => scopes[i].kind === "none");
  const missing = lacking.every((l) => ctx.ts.isObjectLiteralExpression(l))
    ? (lacking as ts.ObjectLiteralExpression[])
    : undefined;
  const nested = literals.flatMap((l) => (ctx.ts.isObjectLiteralExpression(l) ? nestedCreates(ctx, l, entity, 0) : []));
  return { scope, missing, nested };
}

/** Nested creates in any data object (also update data): `tasks: { create: [...] }`, createMany, connectOrCreate, upsert. */
export function nestedCreates(
  ctx: ScopeContext,
  data: ts.ObjectLiteralExpression,
  entity: PrismaEntity,
  depth: number,
): NestedCreate[] {
  const tsm = ctx.ts;
  if (depth > 5) return [];
  const out: NestedCreate[] = [];
  for (const p of data.properties) {
    const field = propertyName(tsm, p);
    const value = propertyValue(tsm, p);
    if (!field || !value) continue;
    const target = entity.relation(field)?.target;
    const write = followConst(ctx, strip(tsm, value));
    if (!target || !tsm.isObjectLiteralExpression(write)) continue;
    for (const created of createdData(ctx, write)) {
      for (const el of elementsOf(ctx, created)) {
        if (!target.inheritsTenantFrom(entity.name))
          out.push({ entity: target, through: field, scope: dataScope(ctx, el, target, 0) });
        const obj = followConst(ctx, strip(tsm, el));
        if (tsm.isObjectLiteralExpression(obj)) out.push(...nestedCreates(ctx, obj, target, depth + 1));
      }
    }
  }
  return out.filter((n) => n.scope.kind !== "scoped");
}

/** The scope of one data object: does it set the tenant? */
function dataScope(ctx: ScopeContext, expr: ts.Expression, entity: PrismaEntity, depth: number): Scope {
  const tsm = ctx.ts;
  const e = followConst(ctx, strip(tsm, expr));
  if (tsm.isConditionalExpression(e) && depth < 4) {
    return anyOf(
      [dataScope(ctx, e.whenTrue, entity, depth + 1), dataScope(ctx, e.whenFalse, entity, depth + 1)],
      e,
      `sets ${entity.tenantField} in only one branch of the conditional`,
    );
  }
  if (!tsm.isObjectLiteralExpression(e)) {
    if (typeRequires(ctx, e, entity.tenantField)) return { kind: "scoped" };
    return { kind: "dynamic", reason: `is built at run time (\`${short(e.getText(ctx.sourceFile))}\`)`, node: e };
  }
  const terms: Scope[] = [];
  for (const p of e.properties) {
    if (tsm.isSpreadAssignment(p)) {
      terms.push(
        depth < 4
          ? spreadScope(ctx, p, entity, depth)
          : { kind: "dynamic", reason: "is nested too deeply to follow", node: p },
      );
      continue;
    }
    const name = propertyName(tsm, p);
    const value = propertyValue(tsm, p);
    if (!name || !value) continue;
    // Any level of a hierarchy the model has owns the row, as any level's predicate scopes it (and the
    // other query builders' inserts): `userId` of an `ApiKey` whose `emailAccountId` is optional.
    if (name === entity.tenantField || isInsertLevel(entity, name)) {
      const s = tenantValueScope(ctx, value, name);
      terms.push(s.kind === "shared" ? { kind: "weak", reason: `sets ${name} to null`, node: value } : s);
    } else if (entity.relation(name)?.carriesTenant && isRelationField(entity, name)) {
      const write = followConst(ctx, strip(tsm, value));
      const connects =
        tsm.isObjectLiteralExpression(write) &&
        write.properties.some((q) => ["connect", "create", "connectOrCreate"].includes(propertyName(tsm, q) ?? ""));
      terms.push(
        connects
          ? { kind: "scoped" }
          : { kind: "dynamic", reason: `sets the \`${name}\` relation in a way that cannot be followed`, node: p },
      );
    }
  }
  const scope = allOf(terms);
  return scope.kind === "shared" ? { kind: "none" } : scope;
}

function spreadScope(ctx: ScopeContext, p: ts.SpreadAssignment, entity: PrismaEntity, depth: number): Scope {
  const spread = followConst(ctx, strip(ctx.ts, p.expression));
  if (ctx.ts.isObjectLiteralExpression(spread)) return dataScope(ctx, spread, entity, depth + 1);
  if (typeRequires(ctx, p.expression, entity.tenantField)) return { kind: "scoped" };
  return { kind: "dynamic", reason: `spreads \`${short(p.expression.getText(ctx.sourceFile))}\` into it`, node: p };
}

/** `create`, `createMany.data`, `connectOrCreate.create`, `upsert.create` of a nested write (each may be an array). */
function createdData(ctx: ScopeContext, write: ts.ObjectLiteralExpression): ts.Expression[] {
  const tsm = ctx.ts;
  const get = (obj: ts.Expression, key: string): ts.Expression | undefined => {
    const o = followConst(ctx, strip(tsm, obj));
    if (!tsm.isObjectLiteralExpression(o)) return undefined;
    const p = o.properties.find((q) => propertyName(tsm, q) === key);
    return p && propertyValue(tsm, p);
  };
  const each = (e: ts.Expression | undefined): ts.Expression[] => {
    if (!e) return [];
    const v = followConst(ctx, strip(tsm, e));
    return tsm.isArrayLiteralExpression(v) ? [...v.elements] : [v];
  };
  return [
    ...each(get(write, "create")),
    ...each(get(write, "createMany")).flatMap((m) => each(get(m, "data"))),
    ...each(get(write, "connectOrCreate")).flatMap((c) => each(get(c, "create"))),
    ...each(get(write, "upsert")).flatMap((u) => each(get(u, "create"))),
  ];
}

/** The rows of createMany's data: array elements, the object a `.map(...)` callback returns, or the value itself. */
function elementsOf(ctx: ScopeContext, data: ts.Expression): ts.Expression[] {
  const tsm = ctx.ts;
  const d = followConst(ctx, strip(tsm, data));
  if (tsm.isArrayLiteralExpression(d))
    return d.elements.flatMap((el) => (tsm.isSpreadElement(el) ? elementsOf(ctx, el.expression) : [el]));
  if (
    tsm.isCallExpression(d) &&
    tsm.isPropertyAccessExpression(d.expression) &&
    ["map", "flatMap"].includes(d.expression.name.text)
  ) {
    const fn = d.arguments[0];
    if (fn && (tsm.isArrowFunction(fn) || tsm.isFunctionExpression(fn))) {
      if (!tsm.isBlock(fn.body)) return [fn.body];
      const returns: ts.Expression[] = [];
      const visit = (n: ts.Node): void => {
        if (tsm.isReturnStatement(n) && n.expression) returns.push(n.expression);
        else if (!tsm.isFunctionLike(n)) tsm.forEachChild(n, visit);
      };
      tsm.forEachChild(fn.body, visit);
      if (returns.length) return returns;
    }
  }
  return [d];
}

/** A broader level of the model's hierarchy an insert may set (not a level table's own key, `projects.id`). */
function isInsertLevel(entity: PrismaEntity, field: string): boolean {
  if (!entity.tenantFields?.includes(field)) return false;
  const column = entity.info.fields[field] ?? field;
  return insertTenantColumnsOf(entity.table).some((c) => tenantColumnMatches(column, c));
}

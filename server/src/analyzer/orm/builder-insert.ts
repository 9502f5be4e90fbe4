// Inserts through a query builder: every row object must set the tenant key (DESIGN.md
// `missing-tenant-on-insert`). Shared by Drizzle `values(...)`, Kysely `values(...)`, Knex `insert(...)`.
import type ts from "typescript";
import { normalizeColumnName } from "../model/names";
import type { TenantTable } from "../model/types";
import { finding } from "./builder-scope";
import { addProperty, propertyKey, stringValue } from "./builder-syntax";
import { constInitializer, localDeclaration, skipOuter, type ChainCall } from "./chain";
import { isMutated } from "./prisma-syntax";
import { returnedObjects } from "../statements";
import type { OrmContext, OrmFinding } from "./types";

export interface InsertCheck {
  table: TenantTable;
  /** The call a finding underlines: `insert(orders)`, `insertInto('orders')`, `knex('orders')`. */
  node: ts.CallExpression;
  /** The rows argument: an object, an array of objects, a variable. */
  rows: ts.Expression | undefined;
  /** The key every row must have, in the builder's spelling (`tenantId`, `tenant_id`). */
  key: string;
  isTenantKey(key: string): boolean;
  /** `db.insert(orders).values(...)`, for messages. */
  label: string;
  /** Whether the fix may be applied unattended besides the value being resolved (the key spelling is certain). */
  keyCertain: boolean;
}

/** The finding for an insert whose rows do not all set the tenant key, with the fix adding it. */
export function insertFindings(
  ctx: OrmContext,
  check: InsertCheck,
  top: ts.Node,
  receiver: ts.Expression,
): OrmFinding[] {
  if (!check.rows) return [];
  // A table owned through its parent has no tenant key: the parent key its rows carry ties them.
  if (check.table.owner) return parentKeyFindings(ctx, check, check.rows, top, receiver);
  const rows = rowObjects(ctx, check, check.rows, 0);
  const objects = rows.objects;
  const states = objects.map((o) => tenantState(ctx, check, o));
  const lacking = objects.filter((_o, i) => states[i] === "no");
  const opaque = rows.opaque ?? states.find((s): s is ts.Expression => typeof s === "object");
  const table = check.table.name;
  if (lacking.length > 0) {
    const value = ctx.tenantValueAt(top, check.key);
    const property = value.text === check.key ? check.key : `${check.key}: ${value.text}`;
    const edits = lacking.map((o) => addProperty(ctx.sourceFile, o, property));
    const where = objects.length > 1 ? "every row object" : "the row object";
    const message = `${check.label} does not set ${check.key}: the row is written without an owning tenant. Add ${check.key} to ${where}.`;
    return [
      finding(
        ctx,
        "missing-tenant-on-insert",
        check.node,
        table,
        message,
        {
          title: `Add ${property} to the inserted row${lacking.length > 1 ? "s" : ""}`,
          edits,
          safe: value.resolved && check.keyCertain,
        },
        top,
        receiver,
      ),
    ];
  }
  if (opaque) {
    const message = `The rows of ${check.label} come from \`${opaque.getText(ctx.sourceFile)}\`, so tenantguard cannot tell whether they set ${check.key}. Set ${check.key} in the inserted object.`;
    return [finding(ctx, "dynamic-sql", check.node, table, message, undefined, top, receiver)];
  }
  return [];
}

export interface ConflictCheck {
  table: TenantTable;
  /** The conflict clause a finding underlines: `onConflict('id')`, `onConflict((oc) => ...)`. */
  node: ts.CallExpression;
  /** The conflict target's columns as written; undefined when they cannot be read (a constraint name, raw SQL). */
  columns: readonly string[] | undefined;
  /** The where calls that filter the update (`.merge().where(...)`, `.doUpdateSet(...).where(...)`). */
  wheres: readonly ChainCall[];
  isTenantKey(key: string): boolean;
  /** `db.insertInto('orders').onConflict(...)`, for messages. */
  label: string;
}

/**
 * An upsert (Knex `onConflict('id').merge()`, Kysely `onConflict((oc) => oc.column('id').doUpdateSet(...))`)
 * that meets another tenant's row with the same key updates that row: the conflict target must hold
 * the tenant column, or the update's own where must name it, as for SQL's ON CONFLICT DO UPDATE.
 * A target or a where that cannot be read is not taken for a leak.
 */
export function conflictFindings(
  ctx: OrmContext,
  check: ConflictCheck,
  top: ts.Node,
  receiver: ts.Expression,
): OrmFinding[] {
  const { table, columns } = check;
  if (table.owner || !columns || columns.length === 0) return [];
  if (columns.some((c) => check.isTenantKey(lastSegment(c)))) return [];
  // An `orWhere` lets the update through on its own condition: the where then scopes nothing.
  const either = check.wheres.some((w) => /^or/.test(w.name));
  if (!either && check.wheres.some((w) => conflictWhereScopes(ctx.ts, w, check.isTenantKey))) return [];
  const key = table.tenantColumn;
  const message = `${check.label} updates the "${table.name}" row that already holds the same ${columns.join(", ")} on conflict, whichever tenant owns it. Add ${key} to the conflict target, or a where on ${key} after the update.`;
  return [finding(ctx, "missing-tenant-filter", check.node, table.name, message, undefined, top, receiver)];
}

/** `where('tenant_id', v)`, `where('t.tenant_id', '=', v)`, `where({ tenant_id: v })`, `whereRef(...)`; raw SQL or a callback is not read. */
function conflictWhereScopes(tsm: typeof ts, where: ChainCall, isTenantKey: (key: string) => boolean): boolean {
  if (where.name === "whereRaw") return true;
  if (where.name !== "where" && where.name !== "andWhere" && where.name !== "whereRef") return false;
  const first = where.args[0] && skipOuter(tsm, where.args[0]);
  if (!first) return false;
  // `excluded.tenant_id` is the row being inserted, not the one the update meets.
  const existing = (column: string) => !/^excluded\./i.test(column) && isTenantKey(lastSegment(column));
  const column = stringValue(tsm, first);
  if (column !== undefined) {
    const op = where.args.length >= 3 ? stringValue(tsm, where.args[1]) : "=";
    return op === "=" && existing(column);
  }
  if (tsm.isObjectLiteralExpression(first))
    return first.properties.some((p) => {
      const k = propertyKey(tsm, p);
      return k !== undefined && existing(k);
    });
  return true;
}

function lastSegment(column: string): string {
  return column.slice(column.lastIndexOf(".") + 1);
}

/**
 * An insert into a table owned through its parent files each row under the parent its owning key
 * names (`values({ spaceId, userId })` into `space_members`): that key must be the tenant's, or the
 * row joins whichever tenant owns that parent. Reported unless the key is a literal; the data flow
 * drops the finding where it proves the key (flow/orm-queries.ts `insertedUnder`).
 */
function parentKeyFindings(
  ctx: OrmContext,
  check: InsertCheck,
  rowsArg: ts.Expression,
  top: ts.Node,
  receiver: ts.Expression,
): OrmFinding[] {
  const tsm = ctx.ts;
  const owner = check.table.owner!;
  const rows = rowObjects(ctx, check, rowsArg, 0);
  const parent = `"${owner.parent}"`;
  const table = check.table.name;
  let unread: ts.Expression | undefined = rows.opaque;
  const keys: ts.Expression[] = [];
  for (const object of rows.objects) {
    const key = owningKey(tsm, object, owner.column);
    unread ??= key.unread;
    if (key.value && !isLiteralValue(tsm, key.value)) keys.push(key.value);
  }
  if (keys.length > 0) {
    const named = keys.map((k) => `\`${k.getText(ctx.sourceFile)}\``).join(", ");
    const message = `${check.label} creates "${table}" under the ${parent} row ${named}, which nothing ties to the tenant: the row joins whichever tenant owns that ${parent} row, and that tenant reads it. Look the ${parent} row up scoped to the tenant first (ending the path when it is missing), or take its key from a scoped query.`;
    return [finding(ctx, "missing-tenant-on-insert", check.node, table, message, undefined, top, receiver)];
  }
  if (unread) {
    const message = `The rows of ${check.label} come from \`${unread.getText(ctx.sourceFile)}\`, so tenantguard cannot tell which ${parent} row each "${table}" row is created under. Write ${owner.column} in the inserted object itself.`;
    return [finding(ctx, "dynamic-sql", check.node, table, message, undefined, top, receiver)];
  }
  return [];
}

/**
 * The value a row object gives its owning key `column` (`{ spaceId: x }`, `{ space_id }`,
 * `{ ["space_id"]: x }`), and what may give it instead: a spread after it, a computed name.
 */
export function owningKey(
  tsm: typeof ts,
  object: ts.ObjectLiteralExpression,
  column: string,
): { value?: ts.Expression; unread?: ts.Expression } {
  let value: ts.Expression | undefined;
  let unread: ts.Expression | undefined;
  for (const p of object.properties) {
    if (tsm.isSpreadAssignment(p)) {
      value = undefined;
      unread ??= p.expression;
      continue;
    }
    // `{ ["space_id"]: x }` names its key; `{ [SPACE_ID]: x }` may name any.
    const computed = p.name && tsm.isComputedPropertyName(p.name) ? skipOuter(tsm, p.name.expression) : undefined;
    if (computed && !tsm.isStringLiteralLike(computed)) {
      value = undefined;
      unread ??= computed;
      continue;
    }
    const label = computed ?? p.name;
    const name = label && (tsm.isIdentifier(label) || tsm.isStringLiteralLike(label)) ? label.text : undefined;
    if (name && normalizeColumnName(name) === normalizeColumnName(column)) {
      value = tsm.isShorthandPropertyAssignment(p) ? p.name : tsm.isPropertyAssignment(p) ? p.initializer : undefined;
      // `{ ...input, reportId: report.id }`: a key written after a spread wins over what it held.
      if (value) unread = undefined;
    }
  }
  return { ...(value && { value }), ...(unread && { unread }) };
}

/** A literal key (`1`, `"system"`) names a fixed row, chosen by the code: nothing the client can aim. */
export function isLiteralValue(tsm: typeof ts, e: ts.Expression): boolean {
  const s = skipOuter(tsm, e);
  return tsm.isStringLiteralLike(s) || tsm.isNumericLiteral(s) || s.kind === tsm.SyntaxKind.NullKeyword;
}

function rowObjects(
  ctx: OrmContext,
  check: InsertCheck,
  expr: ts.Expression,
  depth: number,
): { objects: ts.ObjectLiteralExpression[]; opaque?: ts.Expression } {
  const tsm = ctx.ts;
  const e = skipOuter(tsm, expr);
  if (tsm.isObjectLiteralExpression(e)) return { objects: [e] };
  if (tsm.isArrayLiteralExpression(e)) {
    const objects: ts.ObjectLiteralExpression[] = [];
    let opaque: ts.Expression | undefined;
    for (const el of e.elements) {
      const inner = rowObjects(ctx, check, tsm.isSpreadElement(el) ? el.expression : el, depth + 1);
      objects.push(...inner.objects);
      opaque ??= inner.opaque;
    }
    return { objects, opaque };
  }
  if (tsm.isIdentifier(e) && depth < 4) {
    const init = constInitializer(tsm, e);
    if (init) return rowObjects(ctx, check, init, depth + 1);
  }
  // rows.map((r) => ({ ... })), or a block that returns object literals.
  const mapped = mappedRows(tsm, e);
  if (mapped) {
    if (!tsm.isBlock(mapped.fn.body)) return rowObjects(ctx, check, mapped.fn.body, depth + 1);
    if (mapped.objects) return { objects: mapped.objects };
  }
  if (typeHasTenant(ctx, check, e)) return { objects: [] };
  return { objects: [], opaque: e };
}

/**
 * `list.map((x) => ({ ... }))`, or `list.map((x) => { ...; return { ... }; })`: the callback and
 * the object literals it returns (undefined when a return is anything else).
 */
export function mappedRows(
  tsm: typeof ts,
  expr: ts.Expression,
):
  | { list: ts.Expression; fn: ts.ArrowFunction | ts.FunctionExpression; objects?: ts.ObjectLiteralExpression[] }
  | undefined {
  const e = skipOuter(tsm, expr);
  if (!tsm.isCallExpression(e) || !tsm.isPropertyAccessExpression(e.expression) || e.expression.name.text !== "map")
    return undefined;
  const fn = e.arguments[0] && skipOuter(tsm, e.arguments[0]);
  if (!fn || !(tsm.isArrowFunction(fn) || tsm.isFunctionExpression(fn))) return undefined;
  return { list: e.expression.expression, fn, objects: returnedObjects(tsm, fn) };
}

/** "yes", "no", or the spread that may hold the key (`{ ...input }` without a checker to say). */
function tenantState(
  ctx: OrmContext,
  check: InsertCheck,
  object: ts.ObjectLiteralExpression,
  depth = 0,
): "yes" | "no" | ts.Expression {
  const tsm = ctx.ts;
  let maybe: ts.Expression | undefined;
  for (const p of object.properties) {
    if (tsm.isSpreadAssignment(p)) {
      if (typeHasTenant(ctx, check, p.expression)) return "yes";
      // `const tuple = { workspaceId, roleId }; ...values({ ...tuple, createdAt })`: the literal says.
      const spread = skipOuter(tsm, p.expression);
      const decl = tsm.isIdentifier(spread) && depth < 3 ? localDeclaration(tsm, spread) : undefined;
      const init =
        decl && !isMutated(tsm, spread.getText(), decl) ? constInitializer(tsm, spread as ts.Identifier) : undefined;
      const literal = init && skipOuter(tsm, init);
      if (literal && tsm.isObjectLiteralExpression(literal)) {
        const inner = tenantState(ctx, check, literal, depth + 1);
        if (inner === "yes") return "yes";
        if (inner !== "no") maybe ??= inner;
        continue;
      }
      maybe ??= p.expression;
      continue;
    }
    const name = p.name && (tsm.isIdentifier(p.name) || tsm.isStringLiteralLike(p.name)) ? p.name.text : undefined;
    if (name && check.isTenantKey(name)) return "yes";
  }
  return maybe && !ctx.checker ? maybe : "no";
}

/** With a checker: the value's type (or its array element type) has the tenant property. */
function typeHasTenant(ctx: OrmContext, check: InsertCheck, node: ts.Expression): boolean {
  if (!ctx.checker) return false;
  try {
    let type = ctx.checker.getTypeAtLocation(node);
    type = type.getNumberIndexType() ?? type;
    return type.getProperties().some((p) => check.isTenantKey(p.name));
  } catch {
    return false;
  }
}

// TypeORM repository, entity-manager and Active Record calls: `find({ where })`, `findOneBy(where)`,
// `update(criteria, ...)`, `insert/save(data)`, `manager.find(Order, ...)`; query builders are in
// typeorm-query-builder.ts. TypeORM reads an array `where` as an OR of its elements, and drops
// `undefined`/`null` properties from a where: `findOneBy({ tenantId: undefined })` has no filter.
import type ts from "typescript";
import type { EntityInfo } from "../model/types";
import type { Fix, RuleId, TextEdit } from "../types";
import { addPropertyEdit, evaluateWhere, propertyText, resolveConst, setsField, skipOuter, writtenObjects } from "./object-where";
import { checkQueryBuilder } from "./typeorm-query-builder";
import { entityArgument, repositoryEntity, typeormEntity, type EntityTarget } from "./typeorm-receivers";
import { tenantFields, typeormDialect, type TenantFields } from "./typeorm-where";
import type { OrmContext, OrmFinding, OrmModule } from "./types";

export const typeormModule: OrmModule = {
  name: "typeorm",
  appliesTo: (ctx) =>
    [...(ctx.model.entities?.values() ?? [])].some((t) => t.entities?.some((e) => e.orm === "typeorm")) && MAY_USE_TYPEORM.test(ctx.sourceFile.text),
  check(ctx) {
    const out: OrmFinding[] = [];
    const visit = (node: ts.Node): void => {
      if (ctx.ts.isCallExpression(node) && ctx.ts.isPropertyAccessExpression(node.expression)) {
        try {
          out.push(...checkCall(ctx, node, node.expression));
        } catch {
          // Never throw on odd input: a call we cannot read is a call we skip.
        }
      }
      ctx.ts.forEachChild(node, visit);
    };
    visit(ctx.sourceFile);
    return out;
  },
};

const MAY_USE_TYPEORM = /typeorm|Repository|getRepository|createQueryBuilder|manager|\b[A-Z]\w*\.(find|count|exist|update|delete|insert|save)/;

/** How a method reads its arguments (after the entity argument of an EntityManager call). */
type Shape = "options" | "where" | "criteria" | "data" | "aggregate";

const METHODS: Record<string, Shape> = {
  find: "options",
  findOne: "options",
  findOneOrFail: "options",
  findAndCount: "options",
  count: "options",
  exist: "options",
  exists: "options",
  findBy: "where",
  findOneBy: "where",
  findOneByOrFail: "where",
  findAndCountBy: "where",
  countBy: "where",
  existsBy: "where",
  increment: "where",
  decrement: "where",
  update: "criteria",
  delete: "criteria",
  softDelete: "criteria",
  restore: "criteria",
  insert: "data",
  save: "data",
  upsert: "data",
  sum: "aggregate",
  average: "aggregate",
  minimum: "aggregate",
  maximum: "aggregate",
};

const OPTIONAL_OPTIONS = new Set(["find", "findAndCount", "count", "exist", "exists"]);

/** One recognised call: the entity it is about and its arguments after the entity. */
interface Call {
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

function checkCall(ctx: OrmContext, call: ts.CallExpression, callee: ts.PropertyAccessExpression): OrmFinding[] {
  const method = callee.name.text;
  if (method === "createQueryBuilder") return checkQueryBuilder(ctx, call, callee);
  const shape = METHODS[method];
  if (!shape) return [];
  const receiver = skipOuter(ctx.ts, callee.expression);
  // Active Record (`Order.find(...)`) first: the receiver is the entity class itself.
  const active = ctx.ts.isIdentifier(receiver) ? typeormEntity(ctx, receiver.text) : undefined;
  const managed = active ? undefined : entityArgument(ctx, call.arguments[0]);
  const target = active ?? managed ?? repositoryEntity(ctx, callee.expression);
  if (!target) return [];
  const args = managed ? call.arguments.slice(1) : call.arguments;
  const tenant = tenantFields(target.table, target.entity);
  const c: Call = { ctx, call, callee, method, args, target, field: tenant.primary, tenant };
  switch (shape) {
    case "options":
      return checkOptions(c);
    case "where":
      return checkWhere(c, args[0], "read");
    case "aggregate":
      return checkWhere(c, args[1], "read");
    case "criteria":
      return checkCriteria(c);
    case "data":
      return checkData(c);
  }
}

/** `find({ where, ... })`: no options or no `where` reads every tenant's rows. */
function checkOptions(c: Call): OrmFinding[] {
  const { ts: tsm, sourceFile } = c.ctx;
  const options = c.args[0];
  if (!options) {
    if (!OPTIONAL_OPTIONS.has(c.method)) return [];
    const open = c.call.arguments.hasTrailingComma ? c.call.arguments.end : c.call.getEnd() - 1;
    const value = c.ctx.tenantValueAt(c.call, c.tenant.valueName);
    const prefix = c.call.arguments.length ? ", " : "";
    return [finding(c, "missing-tenant-filter", missingMessage(c, "read"), [fixOf(c, [{ start: open, end: open, newText: `${prefix}{ where: { ${c.tenant.property(value.text)} } }` }], value.resolved)])];
  }
  const resolved = resolveConst(tsm, options);
  if (!tsm.isObjectLiteralExpression(resolved)) return [finding(c, "dynamic-sql", unknownMessage(c, options), [])];
  const where = resolved.properties.find((p) => (tsm.isPropertyAssignment(p) || tsm.isShorthandPropertyAssignment(p)) && p.name.getText(sourceFile) === "where");
  if (!where) {
    const value = c.ctx.tenantValueAt(c.call, c.tenant.valueName);
    const edits = skipOuter(tsm, options) === resolved ? [addPropertyEdit(tsm, sourceFile, resolved, `where: { ${c.tenant.property(value.text)} }`, true)] : [];
    return [finding(c, "missing-tenant-filter", missingMessage(c, "read"), edits.length ? [fixOf(c, edits, value.resolved)] : [])];
  }
  return checkWhere(c, tsm.isPropertyAssignment(where) ? where.initializer : (where as ts.ShorthandPropertyAssignment).name, "read");
}

/** `update(criteria, data)` / `delete(criteria)`: a bare id (or ids) reaches any tenant's row. */
function checkCriteria(c: Call): OrmFinding[] {
  const { ts: tsm } = c.ctx;
  const criteria = c.args[0];
  if (!criteria) return [];
  const verb = c.method === "update" ? "update" : "delete";
  const resolved = resolveConst(tsm, criteria);
  if (tsm.isObjectLiteralExpression(resolved)) return checkWhere(c, criteria, verb);
  if (!isIdLike(c.ctx, resolved)) return [finding(c, "dynamic-sql", unknownMessage(c, criteria), [])];
  const key = primaryKeyOf(c.target.entity);
  const value = c.ctx.tenantValueAt(c.call, c.tenant.valueName);
  const idText = criteria.getText(c.ctx.sourceFile);
  const fixable = !tsm.isArrayLiteralExpression(resolved);
  const fix = fixable ? [fixOf(c, [{ start: criteria.getStart(c.ctx.sourceFile), end: criteria.getEnd(), newText: `{ ${propertyText(key, idText)}, ${c.tenant.property(value.text)} }` }], value.resolved)] : [];
  const does = verb === "update" ? "it can change another tenant's row" : "it can remove another tenant's row";
  return [finding(c, "missing-tenant-filter", `${calleeText(c)} ${verb === "update" ? "updates" : "deletes from"} "${c.target.table.name}" by id only: ${does}. Add ${c.field} to the criteria.`, fix)];
}

/** `insert/save/upsert(data)`: every object literal written must set the tenant field. */
function checkData(c: Call): OrmFinding[] {
  const { ts: tsm } = c.ctx;
  const data = c.args[0];
  if (!data) return [];
  const rows = writtenObjects(tsm, data);
  const keys = c.tenant;
  const out: OrmFinding[] = [];
  for (const row of rows) {
    const object = dataObject(c.ctx, row);
    if (!object || setsField(tsm, object, (k) => keys.all.has(k)) !== "no") continue;
    const value = c.ctx.tenantValueAt(c.call, c.tenant.valueName);
    const inline = tsm.isObjectLiteralExpression(object) && object.pos >= 0 && object.getSourceFile() === c.ctx.sourceFile;
    const edits = inline ? [addPropertyEdit(tsm, c.ctx.sourceFile, object as ts.ObjectLiteralExpression, c.tenant.property(value.text))] : [];
    const message = `${calleeText(c)} writes a row to "${c.target.table.name}" without ${c.field}: the row is stored without an owning tenant. Add ${c.field} to the object.`;
    out.push(finding(c, "missing-tenant-on-insert", message, edits.length ? [fixOf(c, edits, value.resolved)] : []));
  }
  return out;
}

/** The object a row is written from: a literal, or `repo.create({...})` / `manager.create(Order, {...})`. */
function dataObject(ctx: OrmContext, row: ts.Expression): ts.ObjectLiteralExpression | undefined {
  const { ts: tsm } = ctx;
  const node = resolveConst(tsm, row);
  if (tsm.isObjectLiteralExpression(node)) return node;
  if (tsm.isCallExpression(node) && tsm.isPropertyAccessExpression(node.expression) && node.expression.name.text === "create") {
    const last = node.arguments[node.arguments.length - 1];
    const inner = last && resolveConst(tsm, last);
    return inner && tsm.isObjectLiteralExpression(inner) ? inner : undefined;
  }
  return undefined;
}

function checkWhere(c: Call, where: ts.Expression | undefined, verb: "read" | "update" | "delete"): OrmFinding[] {
  const { ts: tsm, sourceFile } = c.ctx;
  if (!where) return [];
  const verdict = evaluateWhere(where, typeormDialect(c.ctx, c.target.table, c.target.entity));
  if (verdict.kind === "scoped" || verdict.kind === "shared") return [];
  if (verdict.kind === "unknown") return [finding(c, "dynamic-sql", unknownMessage(c, verdict.node), [])];
  const value = c.ctx.tenantValueAt(c.call, c.tenant.valueName);
  const keys = c.tenant.all;
  const inline = skipOuter(tsm, where);
  // Add the field to the where object, or to every element of an OR array that lacks it.
  const objects = tsm.isObjectLiteralExpression(inline) ? [inline] : tsm.isArrayLiteralExpression(inline) ? inline.elements.map((e) => skipOuter(tsm, e)) : [];
  const edits: TextEdit[] = [];
  let fixable = objects.length > 0;
  for (const obj of objects) {
    if (!tsm.isObjectLiteralExpression(obj)) fixable = false;
    else if (obj.properties.some((p) => p.name && keys.has(p.name.getText(sourceFile)))) {
      const alone = evaluateWhere(obj, typeormDialect(c.ctx, c.target.table, c.target.entity));
      if (alone.kind !== "scoped" && alone.kind !== "shared") fixable = false;
    } else edits.push(addPropertyEdit(tsm, sourceFile, obj, c.tenant.property(value.text)));
  }
  const fixes = fixable && edits.length ? [fixOf(c, edits, value.resolved)] : [];
  if (verdict.kind === "weak") {
    const message = `The tenant filter of ${calleeText(c)} on "${c.target.table.name}" ${verdict.reason}: it does not hold for every row. Require ${c.field} in every branch of the where.`;
    return [finding(c, "weak-tenant-filter", message, fixes)];
  }
  const byIdOnly = verb === "read" && objects.length === 1 && isIdOnly(c, objects[0]);
  const message = byIdOnly
    ? `${calleeText(c)} looks "${c.target.table.name}" up by id only: it returns another tenant's row. Add ${c.field} to the where.`
    : missingMessage(c, verb);
  return [finding(c, "missing-tenant-filter", message, fixes)];
}

function primaryKeyOf(entity: EntityInfo): string {
  return entity.uniques?.find((u) => u.length === 1)?.[0] ?? "id";
}

/** A where that names only the primary key: `{ id }`. */
function isIdOnly(c: Call, obj: ts.Expression): boolean {
  const { ts: tsm, sourceFile } = c.ctx;
  if (!tsm.isObjectLiteralExpression(obj) || obj.properties.length !== 1) return false;
  const name = obj.properties[0].name?.getText(sourceFile);
  return name === primaryKeyOf(c.target.entity) || name === "id";
}

/** An id or ids passed as update/delete criteria: a literal, an array, or a value named like an id. */
function isIdLike(ctx: OrmContext, node: ts.Expression): boolean {
  const { ts: tsm, checker } = ctx;
  if (tsm.isStringLiteral(node) || tsm.isNumericLiteral(node) || tsm.isNoSubstitutionTemplateLiteral(node) || tsm.isArrayLiteralExpression(node)) return true;
  if (checker) {
    const type = checker.getTypeAtLocation(node);
    if (type.flags & (tsm.TypeFlags.StringLike | tsm.TypeFlags.NumberLike)) return true;
  }
  const name = tsm.isIdentifier(node) ? node.text : tsm.isPropertyAccessExpression(node) ? node.name.text : "";
  return /(^id|Id|ID|_id|Ids|ids)$/.test(name);
}

function missingMessage(c: Call, verb: "read" | "update" | "delete"): string {
  const t = `"${c.target.table.name}"`;
  const what =
    verb === "update"
      ? `updates ${t} without a tenant predicate: it changes every tenant's matching rows`
      : verb === "delete"
        ? `deletes from ${t} without a tenant predicate: it removes every tenant's matching rows`
        : `reads ${t} without a tenant predicate: it returns every tenant's rows`;
  return `${calleeText(c)} ${what}. Add ${c.field} to the where.`;
}

function unknownMessage(c: Call, node: ts.Node): string {
  return `The where of ${calleeText(c)} on "${c.target.table.name}" is built elsewhere (\`${shorten(node.getText(c.ctx.sourceFile))}\`), so tenantguard cannot tell whether it holds the tenant predicate. Write ${c.field} in the where object.`;
}

function calleeText(c: Call): string {
  return shorten(c.callee.getText(c.ctx.sourceFile));
}

function shorten(text: string): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > 60 ? `${flat.slice(0, 57)}...` : flat;
}

function fixOf(c: Call, edits: TextEdit[], safe: boolean): Fix {
  return { title: `Add ${c.field} to ${c.method}`, edits, safe };
}

function finding(c: Call, ruleId: RuleId, message: string, fixes: Fix[]): OrmFinding {
  const { sourceFile } = c.ctx;
  return {
    ruleId,
    start: c.callee.name.getStart(sourceFile),
    end: c.call.getEnd(),
    message,
    table: c.target.table.name,
    fixes,
    call: c.call,
    receiver: c.callee.expression,
    identity: `${ruleId}|${c.target.table.name}|${c.call.getText(sourceFile).replace(/\s+/g, " ")}`,
  };
}

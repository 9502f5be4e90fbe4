// Sequelize model calls: `findAll/findOne/count({ where })`, `update(values, { where })`,
// `destroy({ where })`, `create/bulkCreate/upsert(data)`. `findByPk(id)` is always a leak in a
// shared table: Sequelize builds its where from the primary key alone and drops any `where`
// passed beside it, so the fix is `findOne({ where: { id, tenantId } })`.
import type ts from "typescript";
import type { Fix, TextEdit } from "../types";
import { methodCalls } from "./file-calls";
import {
  addPropertyEdit,
  evaluateWhere,
  lastPropertyIndex,
  lastWhere,
  propertyText,
  replacedBy,
  resolveConst,
  setsField,
  skipOuter,
  spreadWhereVerdict,
  writtenObjects,
} from "./object-where";
import { calleeText, changedOptionsFindings, finding, fixOf, spreadNote, unknownMessage } from "./method-call";
import { sequelizeQueries } from "./sequelize-queries";
import { identityDecides } from "../membership";
import {
  modelOf,
  primaryKeyOf,
  rowInstanceCall,
  sequelizeDialect,
  tenantAttributes,
  type ModelTarget,
} from "./sequelize-where";
import type { OrmContext, OrmFinding, OrmModule } from "./types";

export const sequelizeModule: OrmModule = {
  name: "sequelize",
  appliesTo: (ctx) =>
    [...(ctx.model.entities?.values() ?? [])].some((t) => t.entities?.some((e) => e.orm === "sequelize")) &&
    MAY_USE_SEQUELIZE.test(ctx.sourceFile.text),
  check(ctx) {
    const out: OrmFinding[] = [];
    for (const node of methodCalls(ctx.ts, ctx.sourceFile)) {
      if (!SEQUELIZE_METHODS[node.expression.name.text]) continue;
      try {
        out.push(...checkCall(ctx, node, node.expression));
      } catch {
        // Never throw on odd input: a call we cannot read is a call we skip.
      }
    }
    return out;
  },
  queries: (ctx) => sequelizeQueries(ctx),
};

/** Where the options (with `where`) are among the arguments, or what else the method takes. */
type Shape = { options: number; optional: boolean } | "byPk" | "data" | "rows";

export const SEQUELIZE_METHODS: Record<string, Shape> = {
  findAll: { options: 0, optional: true },
  findOne: { options: 0, optional: true },
  findAndCountAll: { options: 0, optional: true },
  count: { options: 0, optional: true },
  findOrCreate: { options: 0, optional: false },
  destroy: { options: 0, optional: true },
  restore: { options: 0, optional: true },
  update: { options: 1, optional: true },
  increment: { options: 1, optional: true },
  decrement: { options: 1, optional: true },
  max: { options: 1, optional: true },
  min: { options: 1, optional: true },
  sum: { options: 1, optional: true },
  findByPk: "byPk",
  create: "data",
  upsert: "data",
  bulkCreate: "rows",
};

const MAY_USE_SEQUELIZE = new RegExp(`\\.(${Object.keys(SEQUELIZE_METHODS).join("|")})\\(`);

interface Call {
  ctx: OrmContext;
  call: ts.CallExpression;
  callee: ts.PropertyAccessExpression;
  method: string;
  target: ModelTarget;
  field: string;
}

function checkCall(ctx: OrmContext, call: ts.CallExpression, callee: ts.PropertyAccessExpression): OrmFinding[] {
  const method = callee.name.text;
  if (rowInstanceCall(ctx.ts, call, callee)) return [];
  const target = modelOf(ctx, callee.expression);
  if (!target) return [];
  const c: Call = { ctx, call, callee, method, target, field: tenantAttributes(target.table, target.entity).primary };
  const shape = SEQUELIZE_METHODS[method];
  if (shape === "byPk") return findByPk(c);
  if (shape === "data") return checkRows(c, call.arguments[0] ? [call.arguments[0]] : []);
  if (shape === "rows") return call.arguments[0] ? checkRows(c, writtenObjects(ctx.ts, call.arguments[0])) : [];
  return checkOptions(c, shape.options, shape.optional);
}

function checkOptions(c: Call, index: number, optional: boolean): OrmFinding[] {
  const { ts: tsm, sourceFile } = c.ctx;
  const options = c.call.arguments[index];
  const value = c.ctx.tenantValueAt(c.call, c.field);
  const whereText = `where: { ${propertyText(c.field, value.text)} }`;
  if (!options) {
    if (!optional || c.call.arguments.length < index) return [];
    const at = c.call.arguments.hasTrailingComma ? c.call.arguments.end : c.call.getEnd() - 1;
    const edit = { start: at, end: at, newText: `${index > 0 ? ", " : ""}{ ${whereText} }` };
    return [finding(c, "missing-tenant-filter", missingMessage(c), [fixOf(c, [edit], value.resolved)])];
  }
  const resolved = resolveConst(tsm, options);
  if (!tsm.isObjectLiteralExpression(resolved)) return [finding(c, "dynamic-sql", unknownMessage(c, options), [])];
  // `{ where: { tenantId }, ...opts }`, `{ ...(q.where ? { where: q.where } : {}) }`: a spread may hold the where.
  const replacing = replacedBy(tsm, resolved, lastPropertyIndex(tsm, resolved, "where"), "where");
  // `const opts = { where: { id, tenantId } }; if (admin) opts.where = { id }`: set again before the query.
  const reads = /^(?:find|count|max|min|sum)/.test(c.method) && c.method !== "findOrCreate";
  const changed = changedOptionsFindings(
    c,
    options,
    resolved,
    replacing,
    () => sequelizeDialect(c.ctx, c.target.table, c.target.entity, reads),
    missingMessage(c),
  );
  if (changed) return changed;
  if (replacing) {
    const dialect = sequelizeDialect(c.ctx, c.target.table, c.target.entity, reads);
    const verdict = spreadWhereVerdict(tsm, resolved, replacing, dialect);
    if (verdict === "dynamic") return [finding(c, "dynamic-sql", unknownMessage(c, replacing), [])];
    if (verdict === "scoped") return [];
    // No fix: a where written before the spread is replaced by the one it brings.
    return [finding(c, "missing-tenant-filter", `${missingMessage(c)} ${spreadNote(c, replacing)}`, [])];
  }
  const where = lastWhere(tsm, resolved);
  if (!where) {
    const edits =
      skipOuter(tsm, options) === resolved ? [addPropertyEdit(tsm, sourceFile, resolved, whereText, true)] : [];
    return [
      finding(c, "missing-tenant-filter", missingMessage(c), edits.length ? [fixOf(c, edits, value.resolved)] : []),
    ];
  }
  const whereExpr = tsm.isPropertyAssignment(where)
    ? where.initializer
    : (where as ts.ShorthandPropertyAssignment).name;
  const verdict = evaluateWhere(whereExpr, sequelizeDialect(c.ctx, c.target.table, c.target.entity, reads));
  if (verdict.kind === "scoped" || verdict.kind === "shared") return [];
  if (verdict.kind === "unknown") return [finding(c, "dynamic-sql", unknownMessage(c, verdict.node), [])];
  // AND-ing the tenant at the top level fixes both a missing and an OR-only tenant.
  const inline = skipOuter(tsm, whereExpr);
  const keys = tenantAttributes(c.target.table, c.target.entity).all;
  const hasKey =
    tsm.isObjectLiteralExpression(inline) &&
    inline.properties.some((p) => p.name && keys.has(p.name.getText(sourceFile)));
  const fixes =
    tsm.isObjectLiteralExpression(inline) && !hasKey
      ? [fixOf(c, [addPropertyEdit(tsm, sourceFile, inline, propertyText(c.field, value.text))], value.resolved)]
      : [];
  if (verdict.kind === "weak") {
    return [
      finding(
        c,
        "weak-tenant-filter",
        `The tenant filter of ${calleeText(c)} on "${c.target.table.name}" ${verdict.reason}: it does not hold for every row. Require ${c.field} at the top level of the where.`,
        fixes,
      ),
    ];
  }
  const byId =
    c.method === "findOne" &&
    tsm.isObjectLiteralExpression(inline) &&
    inline.properties.length === 1 &&
    inline.properties[0].name?.getText(sourceFile) === primaryKeyOf(c.target.entity);
  const message = byId
    ? `${calleeText(c)} looks "${c.target.table.name}" up by id only: it returns another tenant's row. Add ${c.field} to the where.`
    : missingMessage(c);
  return [finding(c, "missing-tenant-filter", message, fixes)];
}

/** `findByPk(id)` -> `findOne({ where: { id, tenantId } })`, keeping any other options. */
function findByPk(c: Call): OrmFinding[] {
  const { ts: tsm, sourceFile } = c.ctx;
  const [id, options] = c.call.arguments;
  const value = c.ctx.tenantValueAt(c.call, c.field);
  const key = primaryKeyOf(c.target.entity);
  // `User.findByPk(ctx.user.id)`: the signed-in user's own row; a share link's key the config declares.
  // To read: a row then changed through itself (`user.update(body)`) needs the tenant as a write does.
  if (
    id &&
    !tsm.isSpreadElement(id) &&
    identityDecides(tsm, c.target.table, key, id, true) &&
    !changedLater(tsm, c.call)
  )
    return [];
  const fixes: Fix[] = [];
  if (id) {
    const where = `where: { ${propertyText(key, id.getText(sourceFile))}, ${propertyText(c.field, value.text)} }`;
    let rest = "";
    const opts = options && skipOuter(tsm, options);
    if (opts && tsm.isObjectLiteralExpression(opts)) {
      const props = opts.properties.filter((p) => p.name?.getText(sourceFile) !== "where");
      rest = props.map((p) => `, ${p.getText(sourceFile)}`).join("");
    } else if (options) rest = `, ...${options.getText(sourceFile)}`;
    const edit: TextEdit = {
      start: c.callee.name.getStart(sourceFile),
      end: c.call.getEnd(),
      newText: `findOne({ ${where}${rest} })`,
    };
    fixes.push({ title: `Use findOne with ${c.field}`, edits: [edit], safe: value.resolved });
  }
  const message = `${calleeText(c)} looks "${c.target.table.name}" up by id only: it returns another tenant's row. Use findOne({ where: { ${key}, ${c.field} } }).`;
  return [finding(c, "missing-tenant-filter", message, fixes)];
}

/** `const user = await User.findByPk(...)` then `user.update(...)`, `user.destroy()`, `user.save()`: the row read is written. */
function changedLater(tsm: typeof ts, call: ts.CallExpression): boolean {
  let e: ts.Node = call;
  while (tsm.isAwaitExpression(e.parent) || tsm.isParenthesizedExpression(e.parent)) e = e.parent;
  const decl = e.parent;
  if (!tsm.isVariableDeclaration(decl) || decl.initializer !== e) return false;
  if (!tsm.isIdentifier(decl.name)) return true;
  const name = decl.name.text;
  let body: ts.Node | undefined = decl;
  while (body && !tsm.isFunctionLike(body) && !tsm.isSourceFile(body)) body = body.parent;
  // Any use but reading a field (`me.email`) or handing the row back (`return me`) may change it
  // (`me.update(...)`, an alias, `me["update"]`, a helper it is passed to).
  const isCalled = (p: ts.PropertyAccessExpression) => tsm.isCallExpression(p.parent) && p.parent.expression === p;
  let changed = false;
  const visit = (n: ts.Node): void => {
    if (changed) return;
    if (tsm.isIdentifier(n) && n.text === name && n !== decl.name) {
      let use: ts.Node = n;
      while (tsm.isNonNullExpression(use.parent) || tsm.isParenthesizedExpression(use.parent)) use = use.parent;
      const p = use.parent;
      const fieldRead =
        tsm.isPropertyAccessExpression(p) && p.expression === use && !INSTANCE_WRITES.has(p.name.text) && !isCalled(p);
      const handedBack =
        tsm.isReturnStatement(p) ||
        (tsm.isPropertyAssignment(p) && p.initializer === use) ||
        (tsm.isShorthandPropertyAssignment(p) && tsm.isObjectLiteralExpression(p.parent));
      if (!fieldRead && !handedBack) changed = true;
    }
    tsm.forEachChild(n, visit);
  };
  if (body) visit(body);
  return changed;
}

const INSTANCE_WRITES = new Set(["update", "destroy", "save", "set", "increment", "decrement", "restore"]);

/** `create/upsert(data)`, `bulkCreate([...])`: every object literal must set the tenant attribute. */
function checkRows(c: Call, rows: readonly ts.Expression[]): OrmFinding[] {
  if (c.target.table.owner) return []; // owned through its parent: the parent key ties the row
  const { ts: tsm, sourceFile } = c.ctx;
  const keys = tenantAttributes(c.target.table, c.target.entity).all;
  const out: OrmFinding[] = [];
  for (const row of rows) {
    const object = resolveConst(tsm, row);
    if (!tsm.isObjectLiteralExpression(object) || setsField(tsm, object, (k) => keys.has(k)) !== "no") continue;
    const value = c.ctx.tenantValueAt(c.call, c.field);
    const message = `${calleeText(c)} writes a row to "${c.target.table.name}" without ${c.field}: the row is stored without an owning tenant. Add ${c.field} to the object.`;
    out.push(
      finding(c, "missing-tenant-on-insert", message, [
        fixOf(c, [addPropertyEdit(tsm, sourceFile, object, propertyText(c.field, value.text))], value.resolved),
      ]),
    );
  }
  return out;
}

function missingMessage(c: Call): string {
  const t = `"${c.target.table.name}"`;
  const what =
    c.method === "update" || c.method === "increment" || c.method === "decrement"
      ? `updates ${t} without a tenant predicate: it changes every tenant's matching rows`
      : c.method === "destroy" || c.method === "restore"
        ? `${c.method === "destroy" ? "deletes from" : "restores"} ${t} without a tenant predicate: it ${c.method === "destroy" ? "removes" : "restores"} every tenant's matching rows`
        : `reads ${t} without a tenant predicate: it returns every tenant's rows`;
  return `${calleeText(c)} ${what}. Add ${c.field} to the where.`;
}

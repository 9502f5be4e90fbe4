// TypeORM writes: `insert/save/upsert(data)` must set the tenant on every row they write, and an
// `upsert` whose conflict paths leave the tenant out overwrites whichever tenant's row holds the key.
import type ts from "typescript";
import { addPropertyEdit, resolveConst, setsField, writtenObjects } from "./object-where";
import { calleeText, finding, fixOf } from "./method-call";
import type { Call } from "./typeorm-findings";
import type { OrmContext, OrmFinding } from "./types";

/** `insert/save/upsert(data)`: every object literal written must set the tenant field. */
export function checkData(c: Call): OrmFinding[] {
  const { ts: tsm } = c.ctx;
  const data = c.args[0];
  if (!data || c.target.table.owner) return []; // owned through its parent: the parent key ties the row
  const rows = writtenObjects(tsm, data);
  const keys = c.tenant;
  const out: OrmFinding[] = [];
  for (const row of rows) {
    const object = dataObject(c.ctx, row);
    if (!object || setsField(tsm, object, (k) => keys.all.has(k)) !== "no") continue;
    const value = c.ctx.tenantValueAt(c.call, c.tenant.valueName);
    const inline =
      tsm.isObjectLiteralExpression(object) && object.pos >= 0 && object.getSourceFile() === c.ctx.sourceFile;
    const edits = inline
      ? [addPropertyEdit(tsm, c.ctx.sourceFile, object as ts.ObjectLiteralExpression, c.tenant.property(value.text))]
      : [];
    const message = `${calleeText(c)} writes a row to "${c.target.table.name}" without ${c.field}: the row is stored without an owning tenant. Add ${c.field} to the object.`;
    out.push(finding(c, "missing-tenant-on-insert", message, edits.length ? [fixOf(c, edits, value.resolved)] : []));
  }
  if (c.method === "upsert") out.push(...conflictPaths(c, c.args[1]));
  return out;
}

/** `upsert(data, ["id"])`: a conflict on a key without the tenant updates whichever tenant's row holds that key. */
function conflictPaths(c: Call, arg: ts.Expression | undefined): OrmFinding[] {
  const { ts: tsm, sourceFile } = c.ctx;
  const node = arg && resolveConst(tsm, arg);
  const options = node && tsm.isObjectLiteralExpression(node) ? node : undefined;
  const pathsProp = options?.properties.find(
    (p) => tsm.isPropertyAssignment(p) && p.name.getText(sourceFile) === "conflictPaths",
  );
  const paths = pathsProp && tsm.isPropertyAssignment(pathsProp) ? resolveConst(tsm, pathsProp.initializer) : node;
  if (!paths || !tsm.isArrayLiteralExpression(paths) || paths.elements.length === 0) return [];
  const names = paths.elements.map((e) => (tsm.isStringLiteral(e) ? e.text : undefined));
  if (names.some((n) => n === undefined || c.tenant.all.has(n))) return [];
  const last = paths.elements[paths.elements.length - 1];
  const fix = fixOf(c, [{ start: last.getEnd(), end: last.getEnd(), newText: `, ${JSON.stringify(c.field)}` }], true);
  const message = `${calleeText(c)} upserts into "${c.target.table.name}" on conflict with (${names.join(", ")}) only: it can overwrite another tenant's row that holds the same key. Add "${c.field}" to the conflict paths.`;
  return [finding(c, "missing-tenant-filter", message, c.tenant.relations.has(c.field) ? [] : [fix])];
}

/** The object a row is written from: a literal, or `repo.create({...})` / `manager.create(Order, {...})`. */
function dataObject(ctx: OrmContext, row: ts.Expression): ts.ObjectLiteralExpression | undefined {
  const { ts: tsm } = ctx;
  const node = resolveConst(tsm, row);
  if (tsm.isObjectLiteralExpression(node)) return node;
  if (
    tsm.isCallExpression(node) &&
    tsm.isPropertyAccessExpression(node.expression) &&
    node.expression.name.text === "create"
  ) {
    const last = node.arguments[node.arguments.length - 1];
    const inner = last && resolveConst(tsm, last);
    return inner && tsm.isObjectLiteralExpression(inner) ? inner : undefined;
  }
  return undefined;
}

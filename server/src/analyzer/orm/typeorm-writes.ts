// TypeORM writes: `insert/save/upsert(data)` must set the tenant on every row they write, and an
// `upsert` whose conflict paths leave the tenant out overwrites whichever tenant's row holds the key.
import type ts from "typescript";
import { constInitializer, skipOuter } from "./chain";
import { addPropertyEdit, mappedRows, resolveConst, setsField, writtenObjects } from "./object-where";
import { carriedField, type FieldTypes } from "./declared-fields";
import { calleeText, finding, fixOf } from "./method-call";
import { propertyName, propertyValue, short } from "./prisma-where";
import { primaryKeyOf, type Call } from "./typeorm-findings";
import type { OrmContext, OrmFinding } from "./types";

/**
 * The key of the row `save(data)` updates: TypeORM's save loads the row that holds the object's
 * primary key, by that key alone, and updates it. A literal null or undefined key, or one made
 * here (`randomUUID()`), inserts. A spread whose declared type holds the key
 * (`save({ ...input, workspaceId })` with `input: UpdateDomainInput`) may carry one the client
 * sent: the spread is the key. Undefined for an array, or an object without a key it can see.
 */
export function savedKey(
  ctx: FieldTypes,
  data: ts.Expression,
  keys: ReadonlySet<string>,
): { expr: ts.Expression; field?: string; list?: boolean } | undefined {
  const tsm = ctx.ts;
  const fields = [...keys].sort((a, b) => (a === "id" ? 1 : b === "id" ? -1 : 0)); // the entity's own key first
  const object = resolveConst(tsm, data);
  const mapped = mappedRows(tsm, object);
  if (mapped) {
    // Every return decides: one that keys a row by anything but the element's own key is that key.
    const each = (mapped.rows ?? []).map((row) => mappedKey(ctx, mapped.receiver, mapped.element, row, keys));
    return each.find((k) => k && k.expr !== mapped.receiver) ?? each.find((k) => k);
  }
  // `save(repo.merge(row, patch))`, `save(repo.create(input))`, `Object.assign(new Thing(), input)`:
  // the entity those hand back holds the key of what they were given.
  const built = builtEntitySources(tsm, data);
  if (built) {
    for (const source of built) {
      const key = tsm.isNewExpression(skipOuter(tsm, source)) ? undefined : savedKey(ctx, source, keys);
      if (key) return key;
    }
    return undefined;
  }
  // `save(entity)` with `entity: Domain`: whatever key the object holds.
  if (!tsm.isObjectLiteralExpression(object)) {
    const id = skipOuter(tsm, data);
    if (!tsm.isIdentifier(id)) return undefined;
    const field = carriedField(ctx, data, fields);
    if (field) return { expr: data, field };
    // `save(items)` with `items: UpdateInput[]`: each by whatever key it holds.
    const each = carriedField(ctx, data, fields, true);
    if (each) return { expr: data, field: each, list: true };
    // Without a type to read: a row (or rows) a repository read, saved back, holds its key.
    const read = field === undefined ? repositoryRead(tsm, id) : undefined;
    return read ? { expr: data, field: fields[0], ...(read === "rows" && { list: true }) } : undefined;
  }
  // The last property that names the key, or the last spread that may hold one, decides it. A
  // spread of a type that cannot be read after it may replace it with any key: then that spread is the key.
  let unread: ts.Expression | undefined;
  for (let at = object.properties.length - 1; at >= 0; at--) {
    const p = object.properties[at]!;
    if (tsm.isSpreadAssignment(p)) {
      const field = carriedField(ctx, p.expression, fields);
      if (field) return { expr: unread ?? p.expression, field };
      if (field === undefined) unread ??= p.expression;
      continue;
    }
    if (!keys.has(propertyName(tsm, p) ?? "")) continue;
    const value = propertyValue(tsm, p);
    const v = value && skipOuter(tsm, value);
    if (!v || v.kind === tsm.SyntaxKind.NullKeyword || (tsm.isIdentifier(v) && v.text === "undefined"))
      return undefined;
    // `id: randomUUID()`, `const id = uuidv4()`: a key made here names no row yet: an insert.
    if (newKey(tsm, v)) return undefined;
    return unread ? { expr: unread, field: fields[0] } : { expr: v };
  }
  return undefined;
}

/**
 * `save(rows.map((r) => ({ id: r.id, status })))`, `({ id }) => ({ id, ... })`, `(r) => ({ ...r, status })`:
 * each row by the key its element carries, so the key is the mapped list's, each by that field, and
 * the list's own proof (rows of a scoped read) covers it. Any other key is each row's own.
 */
function mappedKey(
  ctx: FieldTypes,
  receiver: ts.Expression,
  element: ts.ParameterDeclaration | undefined,
  row: ts.Expression,
  keys: ReadonlySet<string>,
): { expr: ts.Expression; field?: string; list: true } | undefined {
  const tsm = ctx.ts;
  const key = savedKey(ctx, row, keys);
  if (!key) return undefined;
  const v = skipOuter(tsm, key.expr);
  const name = element && tsm.isIdentifier(element.name) ? element.name.text : undefined;
  // `r.id`, or `r` spread with its key field: the element's own key.
  if (name && tsm.isPropertyAccessExpression(v) && tsm.isIdentifier(v.expression) && v.expression.text === name)
    return { expr: receiver, field: v.name.text, list: true };
  if (name && key.field && tsm.isIdentifier(v) && v.text === name)
    return { expr: receiver, field: key.field, list: true };
  // `({ id }) => ({ id, ... })`: the key destructured from the element.
  if (element && tsm.isObjectBindingPattern(element.name) && tsm.isIdentifier(v)) {
    const bound = element.name.elements.find((b) => tsm.isIdentifier(b.name) && b.name.text === v.text);
    const field =
      bound && (bound.propertyName && tsm.isIdentifier(bound.propertyName) ? bound.propertyName.text : v.text);
    if (bound && !bound.dotDotDotToken && field) return { expr: receiver, field, list: true };
  }
  return { ...key, list: true };
}

/**
 * What an entity built from others takes its key from, the one that decides first: `repo.merge(row,
 * patch)` and `Object.assign(target, ...sources)` copy each source over the target in turn (the
 * last source holding a key wins, else the target's own), `repo.create(input)` takes the input's.
 * Read through a const holding the call. Undefined for anything else.
 */
function builtEntitySources(tsm: typeof ts, data: ts.Expression, depth = 0): ts.Expression[] | undefined {
  let e = skipOuter(tsm, data);
  if (tsm.isIdentifier(e) && depth < 3) {
    const init = constInitializer(tsm, e);
    if (!init) return undefined;
    e = skipOuter(tsm, init);
  }
  while (tsm.isAwaitExpression(e)) e = skipOuter(tsm, e.expression);
  if (!tsm.isCallExpression(e) || !e.arguments.length || e.arguments.some((a) => tsm.isSpreadElement(a)))
    return undefined;
  const callee = skipOuter(tsm, e.expression);
  if (!tsm.isPropertyAccessExpression(callee)) return undefined;
  const method = callee.name.text;
  const assign = method === "assign" && tsm.isIdentifier(callee.expression) && callee.expression.text === "Object";
  if (method === "create") return e.arguments.length === 1 ? [e.arguments[0]!] : undefined;
  if (method !== "merge" && !assign) return undefined;
  const [target, ...sources] = e.arguments;
  // `Object.assign(new Thing(), input)` / `merge(repo.create(), patch)`: the target holds what it was built from.
  const inner = builtEntitySources(tsm, target!, depth + 1);
  return [...sources.reverse(), ...(inner ?? [target!])];
}

/** `const row = await repo.findOneBy(...)` (`find`, `findBy`: rows): what the const holds, read from a repository. */
function repositoryRead(tsm: typeof ts, id: ts.Identifier): "row" | "rows" | undefined {
  const init = constInitializer(tsm, id);
  let e = init && skipOuter(tsm, init);
  while (e && tsm.isAwaitExpression(e)) e = skipOuter(tsm, e.expression);
  const callee = e && tsm.isCallExpression(e) ? skipOuter(tsm, e.expression) : undefined;
  const method = callee && tsm.isPropertyAccessExpression(callee) ? callee.name.text : "";
  if (/^findOne(?:By)?(?:OrFail)?$/.test(method)) return "row";
  return /^find(?:By)?$/.test(method) ? "rows" : undefined;
}

/**
 * A key an id generator made here, which holds no row yet: `randomUUID()`, `apId()`, `cuid()`,
 * `nanoid()`, `uuidv4()`, or a const holding one. Not any call with no arguments: `currentOrderId()`
 * may well name an existing row.
 */
function newKey(tsm: typeof ts, v: ts.Expression): boolean {
  const x = resolveConst(tsm, v);
  if (!tsm.isCallExpression(x) || x.arguments.length) return false;
  const callee = skipOuter(tsm, x.expression);
  const name = tsm.isIdentifier(callee) ? callee.text : tsm.isPropertyAccessExpression(callee) ? callee.name.text : "";
  return ID_GENERATOR.test(name);
}

// The id libraries (`randomUUID`, `cuid`, `nanoid`, `ulid`, uuid's `v4`), short project wrappers
// (`apId`), and names that say they make one (`generateNanoId`, `createId`, `newId`).
const ID_GENERATOR =
  /^(?:[a-z]{0,3}id|uuid(?:v\d)?|randomuuid|cuid2?|nanoid|ulid|v[1-7]|(?:generate|create|make|new|gen|random)\w*(?:id|uuid))$/i;

/** `insert/save/upsert(data)`: every object literal written must set the tenant field. */
export function checkData(c: Call): OrmFinding[] {
  const { ts: tsm } = c.ctx;
  const data = c.args[0];
  if (!data) return [];
  const key = c.method === "save" ? savedKey(c.ctx, data, new Set(["id", primaryKeyOf(c.target.entity)])) : undefined;
  if (key) {
    // Writing the tenant does not help: it moves the other tenant's row into this one.
    const keyText = short(key.expr.getText(c.ctx.sourceFile));
    const whole = c.ctx.ts.isSpreadAssignment(key.expr.parent) ? `\`...${keyText}\`` : `\`${keyText}\``;
    const by = key.field ? `with ${whole}, whose type has its key field` : `by its key \`${keyText}\``;
    const message = `${calleeText(c)} saves "${c.target.table.name}" ${by}: TypeORM loads the row that holds that key, whichever tenant's it is, and overwrites it. Load the row with ${c.field} in the where first (findOneBy({ id, ${c.field} })) and save that, or prove the key owned.`;
    return [finding(c, "missing-tenant-filter", message, [])];
  }
  if (c.target.table.owner) return []; // owned through its parent: the parent key ties the row
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
  // `upsert({ id: apId(), ... }, ["id"])`: a key every row makes fresh holds no row yet, so no conflict.
  const rows = c.args[0] ? writtenObjects(tsm, c.args[0]).map((r) => dataObject(c.ctx, r)) : [];
  const fresh = (row: ts.ObjectLiteralExpression | undefined, name: string) => {
    const p = row?.properties.find((x) => propertyName(tsm, x) === name);
    const value =
      p && (tsm.isPropertyAssignment(p) ? p.initializer : tsm.isShorthandPropertyAssignment(p) ? p.name : undefined);
    return !!value && newKey(tsm, value);
  };
  if (rows.length && rows.every((row) => names.some((n) => fresh(row, n!)))) return [];
  const last = paths.elements[paths.elements.length - 1];
  // Not applied unattended: the database needs a unique constraint on the new paths, or the upsert fails.
  const fix = fixOf(c, [{ start: last.getEnd(), end: last.getEnd(), newText: `, ${JSON.stringify(c.field)}` }], false);
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

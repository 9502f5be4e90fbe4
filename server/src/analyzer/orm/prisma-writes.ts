// Writes: create/createMany/upsert data must set the tenant, and nested creates inside any
// write must set it for tenant-owned models that do not take it from their parent's key.
import type ts from "typescript";
import { isLiteral } from "../credentials";
import { checkCreateData, nestedCreates, type NestedCreate } from "./prisma-data";
import { carriedField, type FieldTypes } from "./declared-fields";
import { isRelationField } from "./prisma-entities";
import { otherParentRelations } from "../model/relations";
import { addToDataFix } from "./prisma-fixes";
import { finding, isInCall, type CallSite } from "./prisma-site";
import { followConst, strip } from "./prisma-syntax";
import { propertyName, propertyValue, short } from "./prisma-where";
import type { OrmFinding } from "./types";

export function checkData(site: CallSite, creates: "one" | "many" | "upsert"): OrmFinding[] {
  const { ctx, entity, args } = site;
  const tsm = ctx.ts;
  const key = creates === "upsert" ? "create" : "data";
  const found = args && argument(site, args, key);
  const data = found === "unknown" ? undefined : found;
  const out: OrmFinding[] = [];
  const field = entity.tenantField;
  const table = entity.table.name;
  if (!data) {
    // `create({ ...args })` with `args` from elsewhere: its data cannot be seen, which is not "no data".
    if (found === "unknown")
      out.push(
        finding(
          site,
          "dynamic-sql",
          `The arguments of ${site.label} are spread from a value tenantguard cannot follow, so it cannot tell whether the row gets ${field}. Write the ${key} object in the call.`,
        ),
      );
    else if (args)
      out.push(
        finding(
          site,
          "missing-tenant-on-insert",
          `${site.label} writes "${table}" without ${key}: the row is created without an owning tenant. Add ${field} to its ${key}.`,
        ),
      );
  } else {
    const check = checkCreateData(ctx, data, entity);
    const rows = creates === "many" ? `"${table}" rows` : `"${table}"`;
    const s = check.scope;
    if (s.kind === "none" || s.kind === "weak") {
      const objects = check.missing;
      const editable = s.kind === "none" && objects?.length && objects.every((o) => isInCall(o, site.call));
      const fix = editable
        ? addToDataFix(
            {
              ts: tsm,
              sourceFile: ctx.sourceFile,
              call: site.call,
              method: site.method,
              tenantField: field,
              value: ctx.tenantValueAt(site.call, field),
            },
            objects,
            entity.tenantRelation,
            (f) => isRelationField(entity, f),
          )
        : undefined;
      const why = s.kind === "none" ? `without ${field}` : `with a ${field} that ${s.reason}`;
      const outcome =
        creates === "many"
          ? "the rows are created without an owning tenant"
          : "the row is created without an owning tenant";
      out.push(
        finding(
          site,
          "missing-tenant-on-insert",
          `${site.label} writes ${rows} ${why}: ${outcome}. Add ${field}${entity.tenantRelation ? ` (or ${entity.tenantRelation}: { connect: ... })` : ""} to ${creates === "many" ? "every element of its data" : `its ${key}`}.`,
          fix,
        ),
      );
    } else if (s.kind === "dynamic") {
      out.push(
        finding(
          site,
          "dynamic-sql",
          `The ${key} of ${site.label} ${s.reason}, so tenantguard cannot tell whether it sets ${field} on "${table}". Write ${field} in the ${key} object itself.`,
        ),
      );
    }
    out.push(...check.nested.map((n) => nestedFinding(site, n)));
  }
  return out;
}

/** Nested creates inside update data (`update({ data: { tasks: { create: {...} } } })`). */
export function updateNested(site: CallSite): OrmFinding[] {
  const tsm = site.ctx.ts;
  const prop = site.args?.properties.find(
    (p) => propertyName(tsm, p) === (site.method.text === "upsert" ? "update" : "data"),
  );
  const value = prop && propertyValue(tsm, prop);
  const obj = value && followConst(site.ctx, strip(tsm, value));
  if (!obj || !tsm.isObjectLiteralExpression(obj)) return [];
  return nestedCreates(site.ctx, obj, site.entity, 0).map((n) => nestedFinding(site, n));
}

function nestedFinding(site: CallSite, n: NestedCreate): OrmFinding {
  const field = n.entity.tenantField;
  const table = n.entity.table.name;
  if (n.scope.kind === "dynamic") {
    return finding(
      site,
      "dynamic-sql",
      `The nested create of "${table}" through ${n.through} in ${site.label} ${n.scope.reason}, so tenantguard cannot tell whether it sets ${field}. Write ${field} in the nested data object itself.`,
      undefined,
      table,
    );
  }
  const why = n.scope.kind === "weak" ? `with a ${field} that ${n.scope.reason}` : `without ${field}`;
  return finding(
    site,
    "missing-tenant-on-insert",
    `${site.label} creates "${table}" rows through ${n.through} ${why}: they are written without an owning tenant. Add ${field} to the nested create data.`,
    undefined,
    table,
  );
}

/**
 * The parent key a create of a model owned through its parent writes: `bookingId: x` or
 * `booking: { connect: { id: x } }` in `data`. "unknown" when the data cannot be seen or a spread
 * after the key may replace it; undefined when it names no parent this way (`connectOrCreate`, or
 * a parent created in the same call, which sets its own tenant).
 */
export function createdUnderKey(
  tsm: typeof ts,
  data: ts.Expression | undefined,
  relation: { field: string; fields?: readonly string[] },
  follow: (e: ts.Expression) => ts.Expression,
  /** The declared types a spread may be read through (`...data` with `data: { label: string }` holds no key). */
  types?: FieldTypes,
): ts.Expression | "unknown" | undefined {
  const object = data && follow(strip(tsm, data));
  if (!object || !tsm.isObjectLiteralExpression(object)) return "unknown";
  const names = [relation.field, ...(relation.fields?.length === 1 ? relation.fields : [])];
  let at = object.properties.length - 1;
  while (at >= 0 && !names.includes(propertyName(tsm, object.properties[at]!) ?? "")) at--;
  // `{ bookingId: b.id, ...body }`: the spread may carry a bookingId of its own; one written here
  // (`...(userId && { user: { connect: { id: userId } } })`) shows it does not.
  const mayReplace = (e: ts.Expression): boolean => {
    const x = follow(strip(tsm, e));
    if (tsm.isObjectLiteralExpression(x))
      return x.properties.some((q) => tsm.isSpreadAssignment(q) || names.includes(propertyName(tsm, q) ?? ""));
    if (tsm.isConditionalExpression(x)) return mayReplace(x.whenTrue) || mayReplace(x.whenFalse);
    if (tsm.isBinaryExpression(x) && x.operatorToken.kind === tsm.SyntaxKind.AmpersandAmpersandToken)
      return mayReplace(x.right);
    return !types || carriedField(types, e, names) !== false;
  };
  if (object.properties.slice(at + 1).some((p) => tsm.isSpreadAssignment(p) && mayReplace(p.expression)))
    return "unknown";
  if (at < 0) return undefined;
  const p = object.properties[at]!;
  const value = propertyValue(tsm, p);
  if (!value) return "unknown";
  if (propertyName(tsm, p) !== relation.field) return strip(tsm, value);
  const nested = follow(strip(tsm, value));
  if (!tsm.isObjectLiteralExpression(nested)) return "unknown";
  const connect = nested.properties.find((q) => propertyName(tsm, q) === "connect");
  const target = connect && propertyValue(tsm, connect);
  const to = target && follow(strip(tsm, target));
  if (!to) return undefined;
  if (!tsm.isObjectLiteralExpression(to)) return "unknown";
  const id = to.properties.find((q) => propertyName(tsm, q) === "id");
  const idValue = id && propertyValue(tsm, id);
  return idValue ? strip(tsm, idValue) : "unknown";
}

/**
 * `bookingNote.create({ data: { bookingId: params.bookingId } })`: a row owned through its parent
 * belongs to whichever tenant owns the parent it names. A parent key the flow does not prove
 * (analyze.ts asks it) files the row under another tenant's booking, where that tenant reads it.
 */
export function checkParentKey(site: CallSite): OrmFinding[] {
  const { entity, args } = site;
  const through = entity.through;
  const relation = through && entity.info.relations?.find((r) => r.field === through.field);
  if (!relation || !args || !CREATES_UNDER.test(site.method.text)) return [];
  const data = argument(site, args, "data");
  // createMany: each row written (an array literal, or what `list.map((x) => ({ ... }))` returns).
  const rows =
    data === "unknown"
      ? undefined
      : site.method.text === "create"
        ? [data]
        : createdRows(site.ctx.ts, data, (e) => followConst(site.ctx, e));
  const found = rows?.length === 1 ? rows[0] : "unknown";
  if (rows && rows.length > 1) {
    // Several rows: one finding naming every parent key they are filed under (the flow proves it
    // only when it proves each); a row it cannot read makes the whole call unreadable.
    const findings = rows.map((row) => checkParentKeyOf(site, relation, row));
    const unreadable = findings.find((f) => f.some((x) => x.ruleId === "dynamic-sql"));
    if (unreadable) return unreadable;
    const tsm = site.ctx.ts;
    const keys = [
      ...new Set(
        rows.flatMap((row) => {
          const k = createdUnderKey(tsm, row, relation, (e) => followConst(site.ctx, e), site.ctx);
          return k && k !== "unknown" && !isLiteral(tsm, k) ? [short(k.getText(site.ctx.sourceFile))] : [];
        }),
      ),
    ];
    const first = findings.find((f) => f.length);
    if (!first || keys.length < 2) return first ?? [];
    const parent = `"${site.entity.through!.parent.table.name}"`;
    const message = `${site.label} creates "${site.entity.table.name}" rows under the ${parent} rows ${keys.map((k) => `\`${k}\``).join(", ")}: unless each is the tenant's, a row joins whichever tenant owns its ${parent} row, and that tenant reads it. Look each ${parent} row up scoped to the tenant first (ending the path when it is missing), or take its key from a scoped query.`;
    return [finding(site, "missing-tenant-on-insert", message)];
  }
  return checkParentKeyOf(site, relation, found);
}

/** create, createMany, createManyAndReturn: the calls that write rows under a parent. */
const CREATES_UNDER = /^create(?:Many(?:AndReturn)?)?$/;

/**
 * The rows a createMany writes: the objects of an array literal (through consts), or the object
 * a `.map` callback returns (`value.map((p) => ({ integrationId, value: p }))`). Undefined when
 * they cannot be read.
 */
export function createdRows(
  tsm: typeof ts,
  data: ts.Expression | undefined,
  follow: (e: ts.Expression) => ts.Expression,
): (ts.Expression | undefined)[] | undefined {
  const list = data && follow(strip(tsm, data));
  if (!list) return undefined;
  if (tsm.isArrayLiteralExpression(list))
    return list.elements.some((e) => tsm.isSpreadElement(e)) ? undefined : [...list.elements];
  if (tsm.isObjectLiteralExpression(list)) return [list];
  if (!tsm.isCallExpression(list) || !tsm.isPropertyAccessExpression(list.expression)) return undefined;
  if (list.expression.name.text !== "map") return undefined;
  const fn = list.arguments[0] && strip(tsm, list.arguments[0]);
  if (!fn || !(tsm.isArrowFunction(fn) || tsm.isFunctionExpression(fn))) return undefined;
  if (!tsm.isBlock(fn.body)) return [strip(tsm, fn.body)];
  // Every return of the callback, nested ones too (`if (it.parent) return { postId: it.parent }`).
  const returns: ts.ReturnStatement[] = [];
  const visit = (n: ts.Node): void => {
    if (tsm.isReturnStatement(n)) returns.push(n);
    if (!tsm.isFunctionLike(n)) tsm.forEachChild(n, visit);
  };
  fn.body.statements.forEach(visit);
  return returns.length && returns.every((r) => r.expression)
    ? returns.map((r) => strip(tsm, r.expression!))
    : undefined;
}

function checkParentKeyOf(
  site: CallSite,
  relation: NonNullable<CallSite["entity"]["info"]["relations"]>[number],
  found: ts.Expression | "unknown" | undefined,
): OrmFinding[] {
  const { ctx, entity } = site;
  const tsm = ctx.ts;
  const through = entity.through!;
  const key = found === "unknown" ? "unknown" : createdUnderKey(tsm, found, relation, (e) => followConst(ctx, e), ctx);
  const parent = `"${through.parent.table.name}"`;
  if (key === "unknown")
    return [
      finding(
        site,
        "dynamic-sql",
        `The data of ${site.label} is built at run time, so tenantguard cannot tell which ${parent} row the "${entity.table.name}" row is created under. Write \`${relation.fields?.[0] ?? through.field}\` in the data object itself.`,
      ),
    ];
  // The other tenant-owned rows it names (`tagId` of a LinkTag filed under its link): a key the
  // data cannot show is left alone; one it shows must be the tenant's as the owner's must.
  const others = otherParentRelations(entity.table).flatMap((other) => {
    const k = found === "unknown" ? undefined : createdUnderKey(tsm, found, other, (e) => followConst(ctx, e), ctx);
    return k && k !== "unknown" && !isLiteral(tsm, k) ? [{ parent: `"${other.parent}"`, key: k }] : [];
  });
  const owned = key && !isLiteral(tsm, key) ? [{ parent, key }] : [];
  if (!owned.length && !others.length) return [];
  const named = (rows: { parent: string; key: ts.Expression }[]) =>
    rows.map((r) => `the ${r.parent} row \`${short(r.key.getText(ctx.sourceFile))}\``).join(" and ");
  const lookUp = (rows: string) =>
    `Look ${rows} up scoped to the tenant first (ending the path when it is missing), or take its key from a scoped query.`;
  const message = !others.length
    ? `${site.label} creates "${entity.table.name}" under ${named(owned)}, which nothing ties to the tenant: the row joins whichever tenant owns that ${parent} row, and that tenant reads it. ${lookUp(`the ${parent} row`)}`
    : `${site.label} creates "${entity.table.name}" ${owned.length ? `under ${named(owned)}, ` : ""}naming ${named(others)}; unless each is the tenant's, the row ties the tenant's data to another tenant's, which each then reads. ${lookUp("each row")}`;
  return [finding(site, "missing-tenant-on-insert", message)];
}

/**
 * An argument's property, also through spreads of objects held in consts
 * (`const args = { data }; create({ ...args })`); "unknown" when a spread cannot be followed.
 */
function argument(
  site: CallSite,
  args: ts.ObjectLiteralExpression,
  key: string,
): ts.Expression | "unknown" | undefined {
  const tsm = site.ctx.ts;
  let found: ts.Expression | "unknown" | undefined;
  for (const p of args.properties) {
    if (tsm.isSpreadAssignment(p)) {
      const spread = followConst(site.ctx, strip(tsm, p.expression));
      found = tsm.isObjectLiteralExpression(spread) ? (argument(site, spread, key) ?? found) : "unknown";
      continue;
    }
    if (propertyName(tsm, p) === key) found = propertyValue(tsm, p);
  }
  return found;
}

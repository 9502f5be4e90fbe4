// Quick fixes in Prisma's idiom: `tenantId: <value>` in the where (creating it when missing),
// the compound unique (`id_tenantId: { id, tenantId }`) or findFirst for findUnique, and the
// tenant field in create data (every element for createMany).
import type ts from "typescript";
import type { TenantValue } from "../fixes/tenant-value";
import type { Fix, TextEdit } from "../types";
import { propertyName, propertyValue } from "./prisma-where";

export interface FixSite {
  ts: typeof ts;
  sourceFile: ts.SourceFile;
  call: ts.CallExpression;
  /** The method name (`findUnique`). */
  method: ts.Identifier;
  /** The first argument when it is an object literal. */
  args?: ts.ObjectLiteralExpression;
  /** The `where` when it is an object literal. */
  where?: ts.ObjectLiteralExpression;
  tenantField: string;
  value: TenantValue;
  /** For a model owned through a parent: the relation to filter through (`invoice: { tenantId }`). */
  via?: string;
}

/** Adds the tenant field to the where, creating `where` (and the argument object) when missing. */
export function addToWhereFix(site: FixSite): Fix | undefined {
  const edit = addToWhereEdit(site);
  const title = site.via ? `Filter through ${site.via} by ${site.tenantField}` : `Add ${site.tenantField} to the where`;
  return edit && { title, edits: [edit], safe: site.value.resolved };
}

/**
 * For a unique lookup (`findUnique({ where: { id } })`): the compound unique that includes the
 * tenant field when the where names its other fields, else (findUnique only) findFirst.
 */
export function uniqueLookupFix(
  site: FixSite,
  compoundKeys: ReadonlyMap<string, readonly string[]>,
  /** The where selects by another compound unique (`domain_key`): findFirst does not accept it. */
  byCompound = false,
): Fix | undefined {
  const { ts: tsm, where } = site;
  if (where) {
    for (const [key, fields] of compoundKeys) {
      const others = fields.filter((f) => f !== site.tenantField);
      const props = others.map((f) =>
        where.properties.find((p) => propertyName(tsm, p) === f && propertyValue(tsm, p)),
      );
      if (props.some((p) => !p)) continue;
      const rest = where.properties.filter((p) => !props.includes(p)).map((p) => p.getText(site.sourceFile));
      const inner = [...props.map((p) => p!.getText(site.sourceFile)), property(site)].join(", ");
      const text = `{ ${[`${key}: { ${inner} }`, ...rest].join(", ")} }`;
      return {
        title: `Use the ${key} unique`,
        edits: [{ start: where.getStart(site.sourceFile), end: where.getEnd(), newText: text }],
        safe: site.value.resolved,
      };
    }
  }
  const first = site.method.text.replace(/^findUnique/, "findFirst");
  // `findUnique({ where: { domain_key: {...} } })`: Prisma 5 takes the tenant beside the compound; findFirst would not compile.
  if (first === site.method.text || byCompound) return addToWhereFix(site);
  const edit = addToWhereEdit(site);
  if (!edit) return undefined;
  const rename = { start: site.method.getStart(site.sourceFile), end: site.method.getEnd(), newText: first };
  return {
    title: `Use ${first} with ${site.tenantField} in the where`,
    edits: [rename, edit],
    safe: site.value.resolved,
  };
}

/** Adds the tenant (field, or `tenant: { connect }` when the data uses relation inputs) to every data object. */
export function addToDataFix(
  site: Omit<FixSite, "where" | "args">,
  data: ts.ObjectLiteralExpression[],
  tenantRelation: string | undefined,
  isRelation: (field: string) => boolean,
): Fix | undefined {
  if (!data.length) return undefined;
  const { ts: tsm } = site;
  const edits: TextEdit[] = [];
  for (const obj of data) {
    // Prisma's checked inputs (relations through connect/create) do not take the scalar foreign key.
    const checked = obj.properties.some((p) => {
      const name = propertyName(tsm, p);
      return name !== undefined && isRelation(name);
    });
    const text =
      checked && tenantRelation ? `${tenantRelation}: { connect: { id: ${site.value.text} } }` : property(site);
    edits.push(insertProperty(site.sourceFile, obj, text));
  }
  return { title: `Add ${site.tenantField} to the data`, edits, safe: site.value.resolved };
}

function addToWhereEdit(site: FixSite): TextEdit | undefined {
  const { ts: tsm, call, args, where, sourceFile } = site;
  if (where) {
    // A key written twice does not compile, and in JavaScript the last one wins: the filter it replaced is lost.
    const existing = where.properties.find((p) => propertyName(tsm, p) === (site.via ?? site.tenantField));
    if (!existing) return insertProperty(sourceFile, where, property(site));
    // `post: { id: postId }` already filters through the relation: the tenant goes inside it (`is: {...}` too).
    let inner = site.via ? propertyValue(tsm, existing) : undefined;
    const is =
      inner && tsm.isObjectLiteralExpression(inner)
        ? inner.properties.find((p) => propertyName(tsm, p) === "is")
        : undefined;
    if (is) inner = propertyValue(tsm, is);
    if (!inner || !tsm.isObjectLiteralExpression(inner)) return undefined;
    if (inner.properties.some((p) => ["isNot", site.tenantField].includes(propertyName(tsm, p) ?? "")))
      return undefined;
    return insertProperty(sourceFile, inner, property({ ...site, via: undefined }));
  }
  if (args) {
    if (args.properties.some((p) => propertyName(tsm, p) === "where")) return undefined; // a where we cannot edit
    return insertProperty(sourceFile, args, `where: { ${property(site)} }`, true);
  }
  if (call.arguments.length === 0)
    return { start: call.arguments.pos, end: call.arguments.pos, newText: `{ where: { ${property(site)} } }` };
  return undefined;
}

function property(site: Pick<FixSite, "tenantField" | "value" | "via">): string {
  const own = site.value.text === site.tenantField ? site.tenantField : `${site.tenantField}: ${site.value.text}`;
  return site.via ? `${site.via}: { ${own} }` : own;
}

/** Inserts `text` as a property of `obj` in the object's own layout (one line or one property per line). */
export function insertProperty(
  sourceFile: ts.SourceFile,
  obj: ts.ObjectLiteralExpression,
  text: string,
  first = false,
): TextEdit {
  const props = obj.properties;
  const open = obj.getStart(sourceFile);
  if (props.length === 0) return { start: open, end: obj.getEnd(), newText: `{ ${text} }` };
  const source = sourceFile.text;
  const multiLine = source.slice(open, obj.getEnd()).includes("\n");
  if (first) {
    const at = props[0].getStart(sourceFile);
    return { start: at, end: at, newText: multiLine ? `${text},\n${indentOf(source, at)}` : `${text}, ` };
  }
  const last = props[props.length - 1];
  let at = last.getEnd();
  let trailing = false;
  if (props.hasTrailingComma) {
    at = source.indexOf(",", at) + 1;
    trailing = true;
  }
  if (multiLine)
    return {
      start: at,
      end: at,
      newText: `${trailing ? "" : ","}\n${indentOf(source, last.getStart(sourceFile))}${text}${trailing ? "," : ""}`,
    };
  return { start: at, end: at, newText: trailing ? ` ${text},` : `, ${text}` };
}

function indentOf(text: string, offset: number): string {
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart, offset))![0];
}

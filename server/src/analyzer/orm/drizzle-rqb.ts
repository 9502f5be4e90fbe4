// Drizzle's relational queries: `db.query.orders.findMany({ where })`, with `where` as a callback
// `(t, { eq }) => eq(t.tenantId, v)` (RQB v1) or an object `{ tenantId: v }` (RQB v2).
import type ts from "typescript";
import type { Fix, TextEdit } from "../types";
import { and, OTHER, queryFindings, type Pred, type TableRef } from "./builder-scope";
import { addProperty, insertAfter, isUndefinedLike, propertyKey } from "./builder-syntax";
import { constInitializer, skipOuter, type Chain } from "./chain";
import { conjoin } from "./drizzle-fixes";
import { DrizzlePredicates, drizzleTableOf, drizzleTenantKey, isTenantKey } from "./drizzle-tables";
import { isScopedClient } from "./builder-clients";
import type { OrmContext, OrmFinding } from "./types";

const METHODS = new Set(["findMany", "findFirst"]);

/** Findings of a relational query chain; undefined when the chain is not one. */
export function rqbFindings(
  ctx: OrmContext,
  chain: Chain,
  isClient: (e: ts.Expression) => boolean,
): OrmFinding[] | undefined {
  const tsm = ctx.ts;
  const root = skipOuter(tsm, chain.root);
  if (
    !tsm.isPropertyAccessExpression(root) ||
    !tsm.isPropertyAccessExpression(root.expression) ||
    root.expression.name.text !== "query"
  )
    return undefined;
  const client = root.expression.expression;
  if (!isClient(client)) return undefined;
  if (isScopedClient(ctx, client)) return [];
  const call = chain.calls[0];
  const table = drizzleTableOf(ctx, root);
  if (!call || !METHODS.has(call.name) || !table) return [];
  const ref: TableRef = {
    table,
    qualifier: root.name.text,
    node: call.call,
    span: {
      start: root.name.getStart(ctx.sourceFile),
      end: (call.call.expression as ts.PropertyAccessExpression).name.getEnd(),
    },
  };
  const options = objectArgument(ctx, call.args[0]);
  const whereProp = options?.properties.find((p) => propertyKey(tsm, p) === "where");
  const whereValue =
    whereProp &&
    (tsm.isPropertyAssignment(whereProp)
      ? whereProp.initializer
      : tsm.isShorthandPropertyAssignment(whereProp)
        ? whereProp.name
        : undefined);
  const where = whereValue
    ? rqbWhere(ctx, ref, whereValue)
    : options || !call.args[0]
      ? OTHER
      : ({
          kind: "dynamic",
          node: call.args[0],
          why: `takes its options from \`${call.args[0].getText(ctx.sourceFile)}\` at run time`,
        } as Pred);
  const { key } = drizzleTenantKey(table);
  return queryFindings(ctx, chain.top, client, {
    verb: "select",
    refs: [ref],
    where,
    label: `${client.getText(ctx.sourceFile)}.query.${root.name.text}.${call.name}`,
    conjunction: "as a top-level where term",
    hint: () => (whereValue && !isCallback(ctx, whereValue) ? `{ ${key}: ... }` : `eq(${root.name.text}.${key}, ...)`),
    fix: () => rqbFix(ctx, ref, call.call, options, whereValue),
  });
}

function objectArgument(ctx: OrmContext, arg: ts.Expression | undefined): ts.ObjectLiteralExpression | undefined {
  const tsm = ctx.ts;
  let e = arg && skipOuter(tsm, arg);
  if (e && tsm.isIdentifier(e)) e = constInitializer(tsm, e);
  e = e && skipOuter(tsm, e);
  return e && tsm.isObjectLiteralExpression(e) ? e : undefined;
}

function isCallback(ctx: OrmContext, e: ts.Expression): e is ts.ArrowFunction | ts.FunctionExpression {
  const x = skipOuter(ctx.ts, e);
  return ctx.ts.isArrowFunction(x) || ctx.ts.isFunctionExpression(x);
}

function callbackBody(ctx: OrmContext, fn: ts.ArrowFunction | ts.FunctionExpression): ts.Expression | undefined {
  if (!ctx.ts.isBlock(fn.body)) return fn.body;
  for (const s of fn.body.statements) if (ctx.ts.isReturnStatement(s)) return s.expression;
  return undefined;
}

function rqbWhere(ctx: OrmContext, ref: TableRef, value: ts.Expression): Pred {
  const tsm = ctx.ts;
  const e = skipOuter(tsm, value);
  if (isCallback(ctx, e)) {
    const param = e.parameters[0];
    const scoped: TableRef = { ...ref, qualifier: param && tsm.isIdentifier(param.name) ? param.name.text : "\0" };
    const pred = new DrizzlePredicates(ctx, [scoped], true).translate(callbackBody(ctx, e));
    return retarget(pred, scoped, ref);
  }
  if (tsm.isObjectLiteralExpression(e)) return objectWhere(ctx, ref, e);
  return new DrizzlePredicates(ctx, [ref], true).translate(e);
}

/** The callback's own reference stands for the query's. */
function retarget(p: Pred, from: TableRef, to: TableRef): Pred {
  switch (p.kind) {
    case "and":
    case "or":
      return { ...p, items: p.items.map((i) => retarget(i, from, to)) };
    case "weak":
      return { ...p, item: retarget(p.item, from, to) };
    case "tenant":
    case "null":
    case "mention":
      return p.ref === from ? { ...p, ref: to } : p;
    default:
      return p;
  }
}

/** RQB v2 object filters: `{ tenantId: v, OR: [...], AND: [...], NOT: {...}, RAW: (t) => ... }`. */
function objectWhere(ctx: OrmContext, ref: TableRef, object: ts.ObjectLiteralExpression): Pred {
  const tsm = ctx.ts;
  const items: Pred[] = [];
  for (const p of object.properties) {
    if (tsm.isSpreadAssignment(p)) {
      items.push({ kind: "dynamic", node: p, why: `spreads \`${p.expression.getText(ctx.sourceFile)}\` into it` });
      continue;
    }
    const key = propertyKey(tsm, p);
    const value = tsm.isPropertyAssignment(p) ? skipOuter(tsm, p.initializer) : undefined;
    if (key === "AND" || key === "OR") {
      const parts =
        value && tsm.isArrayLiteralExpression(value) ? value.elements.map((el) => nested(ctx, ref, el)) : [];
      items.push(key === "AND" ? and(parts) : { kind: "or", items: parts, why: "is inside OR: [...]" });
    } else if (key === "NOT")
      items.push({ kind: "weak", item: value ? nested(ctx, ref, value) : OTHER, why: "is negated by NOT" });
    else if (key === "RAW" && value) items.push(rqbWhere(ctx, ref, value));
    else if (key && isTenantKey(ref.table, key)) items.push(tenantValue(ctx, ref, value));
  }
  return and(items);
}

function nested(ctx: OrmContext, ref: TableRef, e: ts.Expression): Pred {
  const x = skipOuter(ctx.ts, e);
  return ctx.ts.isObjectLiteralExpression(x) ? objectWhere(ctx, ref, x) : rqbWhere(ctx, ref, x);
}

/** `tenantId: v`, `tenantId: { eq: v }`, `{ in: [...] }`; RQB ignores an undefined value. */
function tenantValue(ctx: OrmContext, ref: TableRef, value: ts.Expression | undefined): Pred {
  const tsm = ctx.ts;
  if (!value) return { kind: "tenant", ref }; // shorthand `{ tenantId }`
  if (isUndefinedLike(tsm, value) || tsm.isConditionalExpression(value))
    return { kind: "weak", item: { kind: "tenant", ref }, why: "is dropped when its value is undefined" };
  if (!tsm.isObjectLiteralExpression(value)) return { kind: "tenant", ref };
  const ops = value.properties.map((p) => propertyKey(tsm, p));
  if (ops.includes("eq") || ops.includes("in")) return { kind: "tenant", ref };
  if (ops.includes("isNull")) return { kind: "null", ref };
  return {
    kind: "mention",
    ref,
    why: `compares the tenant column with ${ops.filter(Boolean).join(", ") || "an operator"}`,
  };
}

/** Adds the tenant filter in the form the query already uses. */
function rqbFix(
  ctx: OrmContext,
  ref: TableRef,
  call: ts.CallExpression,
  options: ts.ObjectLiteralExpression | undefined,
  whereValue: ts.Expression | undefined,
): Fix | undefined {
  const tsm = ctx.ts;
  const { key, known } = drizzleTenantKey(ref.table);
  const value = ctx.tenantValueAt(call, key);
  const edits: TextEdit[] = [];
  const where = whereValue && skipOuter(tsm, whereValue);
  if (where && tsm.isObjectLiteralExpression(where)) {
    if (where.properties.some((p) => propertyKey(tsm, p) === key)) return undefined;
    edits.push(addProperty(ctx.sourceFile, where, value.text === key ? key : `${key}: ${value.text}`));
  } else if (where && isCallback(ctx, where)) {
    const param = where.parameters[0];
    const body = callbackBody(ctx, where);
    if (!param || !tsm.isIdentifier(param.name) || !body) return undefined;
    const ops = where.parameters[1];
    let prefix = "";
    if (!ops) edits.push(insertAfter(param, ", { and, eq }"));
    else if (tsm.isIdentifier(ops.name)) prefix = `${ops.name.text}.`;
    else if (tsm.isObjectBindingPattern(ops.name)) {
      const have = new Set(ops.name.elements.map((el) => el.name.getText(ctx.sourceFile)));
      const missing = ["and", "eq"].filter((n) => !have.has(n));
      if (missing.length)
        edits.push(
          ops.name.elements.length
            ? insertAfter(ops.name.elements[ops.name.elements.length - 1], `, ${missing.join(", ")}`)
            : {
                start: ops.name.getStart(ctx.sourceFile),
                end: ops.name.getEnd(),
                newText: `{ ${missing.join(", ")} }`,
              },
        );
    }
    const predicate = `${prefix}eq(${param.name.text}.${key}, ${value.text})`;
    const conj = conjoin(ctx, body, predicate);
    if (prefix) for (const e of conj) e.newText = e.newText.replace(/^and\(/, `${prefix}and(`);
    edits.push(...conj);
  } else if (where) return undefined;
  else {
    const form = usesObjectWhere(ctx)
      ? `where: { ${key}: ${value.text} }`
      : `where: (t, { eq }) => eq(t.${key}, ${value.text})`;
    if (options) edits.push(addProperty(ctx.sourceFile, options, form));
    else if (call.arguments.length === 0)
      edits.push({ start: call.arguments.pos, end: call.arguments.end, newText: `{ ${form} }` });
    else return undefined;
  }
  return { title: `Add the ${key} filter to the where`, edits, safe: value.resolved && known };
}

/** Whether the file's relational queries use RQB v2 object filters (`where: { ... }`). */
function usesObjectWhere(ctx: OrmContext): boolean {
  return /\.query\.\w+\.find(Many|First)\(\s*\{[^}]*?\bwhere:\s*\{/s.test(ctx.sourceFile.text);
}

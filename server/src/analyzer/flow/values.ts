// What an expression holds, as far as ownership goes: a row, rows, a node-postgres result, a key
// or keys of a table, tied to the tenant (with the reason why) or read unchecked by key.
import type ts from "typescript";
import { strip } from "../orm/prisma-syntax";
import { returnedExpressions } from "../statements";
import type { ProofKind } from "../types";
import type { FlowQuery } from "./queries";

/** Why a value is the tenant's: for `--explain` and hovers. */
export interface Reason {
  proof: ProofKind;
  /** The earlier query, the check, or the helper call, in the analysed file. */
  evidence: ts.Node;
  /** The sentence, given the by-id query's key as a Markdown code span. */
  say(key: string): string;
}

/** What an expression holds, as far as ownership goes. */
export interface Value {
  /** `object`: what a helper returns as `{ team, document }`, by field (`fields`). */
  kind: "row" | "rows" | "result" | "key" | "keys" | "object";
  table: string;
  /** The query the value came from. */
  source?: FlowQuery;
  /** From an unscoped by-id read whose tenant has not been checked yet. */
  unchecked?: boolean;
  /** Why it is the tenant's (absent while `unchecked`). */
  reason?: Reason;
  /**
   * A key proven only when present: checked inside `if (docId) { ... }`, so a missing one (null,
   * undefined) was never checked. It proves a query that rejects or matches nothing on a missing
   * key (`QueryKey.rejectsMissing`), not one that drops it from the filter (Prisma `findFirst`).
   */
  present?: boolean;
  /** For `object`: the fields the flow knows to be the tenant's. */
  fields?: ReadonlyMap<string, Value>;
  /** What every field holds: the request arguments a guard checked whole (`data.contentId`). */
  anyField?: Value;
  /**
   * Checked as shared-or-owned (`row.t && row.t !== tenant`): it may be a shared row, every
   * tenant's. It proves reads, never a write by its key.
   */
  shared?: boolean;
  /** An object literal the function built (`{ docId: d.id }`): a call handed it may change its fields. */
  literal?: boolean;
  /**
   * For a key: the unique field it is a value of (`slug`), when not the primary key. It proves a
   * query by that field only (`where: { slug }`): another field's value names another row.
   */
  uniqueField?: string;
}

/** Whether a proven key and a query's key name rows by the same field (the primary key when neither says). */
export function sameKeyField(value: Value, key: { uniqueField?: string }): boolean {
  return value.uniqueField === key.uniqueField;
}

/** Whether a proven value may stand for a query: a shared row's key proves reads only. */
export function sharedEnough(value: Value, query: { readOnly?: boolean }): boolean {
  return !value.shared || !!query.readOnly;
}

/** Whether a proven key `value` may stand as `key` of a query: a key proven only when present needs a query a missing key cannot widen. */
export function presentEnough(value: Value, key: { rejectsMissing?: boolean }): boolean {
  return !value.present || !!key.rejectsMissing;
}

export function lineOf(sourceFile: ts.SourceFile, node: ts.Node): number {
  return sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line + 1;
}

export function queryValue(sourceFile: ts.SourceFile, q: FlowQuery): Value | undefined {
  if (q.returns === "none") return undefined;
  // An unscoped read is worth following when a check of its tenant can prove it: one row, or a
  // list each of whose rows a check covers (`if (rows.some((r) => r.orgId !== orgId)) throw`).
  if (!q.scoped)
    return (q.key && !q.key.list) || q.returns === "row" || q.returns === "rows" || q.returns === "result"
      ? { kind: q.returns, table: q.table, source: q, unchecked: true }
      : undefined;
  const line = lineOf(sourceFile, q.call);
  const reason: Reason = {
    proof: "owned-key",
    evidence: q.call,
    say: (key) =>
      q.creates
        ? `key ${key} is the id of the row created with the tenant on line ${line}`
        : `key ${key} comes from the scoped query on line ${line}`,
  };
  return { kind: q.returns, table: q.table, source: q, reason, ...(q.sharedRows && { shared: true }) };
}

/**
 * A read of a list of rows by no one key: a check of one of its rows (`rows[0].orgId !== orgId`,
 * or inside a callback run for each) says nothing of the others. Only a check of every row counts.
 */
export function listRead(q: FlowQuery): boolean {
  return q.returns !== "row" && !(q.key && !q.key.list);
}

export function member(v: Value | undefined, name: string): Value | undefined {
  if (v?.anyField) return v.anyField;
  if (v?.kind === "object") return v.fields?.get(name);
  if (v?.kind === "row" && name === "id" && !v.unchecked) return { ...v, kind: "key" };
  if (v?.kind === "result" && name === "rows") return { ...v, kind: "rows" };
  // `rows.map((r) => r.id)` as a parameter path (flow/callers.ts IDS_OF_ROWS).
  if (v?.kind === "rows" && name === "map(id)") return { ...v, kind: "keys" };
  return undefined;
}

export function element(v: Value | undefined): Value | undefined {
  if (v?.kind === "rows") return { ...v, kind: "row" };
  if (v?.kind === "keys") return { ...v, kind: "key" };
  return undefined;
}

/** A one-expression callback (`(r) => r.id`, `function (r) { return r.id; }`): its first parameter and the expression. */
export function callback(
  tsm: typeof ts,
  fn: ts.Expression | undefined,
): { param: ts.BindingName; body: ts.Expression } | undefined {
  const f = fn && strip(tsm, fn);
  if (!f || !(tsm.isArrowFunction(f) || tsm.isFunctionExpression(f)) || f.parameters.length < 1) return undefined;
  let body: ts.Node = f.body;
  if (tsm.isBlock(body)) {
    const only = body.statements.length === 1 ? body.statements[0] : undefined;
    if (!only || !tsm.isReturnStatement(only) || !only.expression) return undefined;
    body = only.expression;
  }
  return { param: f.parameters[0]!.name, body: strip(tsm, body as ts.Expression) };
}

/** Whether `e` is the id of the callback's row: `r.id` for `(r) => ...`, `id` for `({ id }) => ...`. */
function isRowId(tsm: typeof ts, param: ts.BindingName, e: ts.Expression): boolean {
  const s = strip(tsm, e);
  if (tsm.isIdentifier(param))
    return (
      tsm.isPropertyAccessExpression(s) &&
      s.name.text === "id" &&
      tsm.isIdentifier(s.expression) &&
      s.expression.text === param.text
    );
  return (
    tsm.isObjectBindingPattern(param) &&
    tsm.isIdentifier(s) &&
    param.elements.some(
      (el) => tsm.isIdentifier(el.name) && el.name.text === s.text && (el.propertyName ?? el.name).getText() === "id",
    )
  );
}

/** `r => r.id`, `({ id }) => id`. */
export function mapsToId(tsm: typeof ts, fn: ts.Expression | undefined): boolean {
  const cb = callback(tsm, fn);
  return !!cb && isRowId(tsm, cb.param, cb.body);
}

/** `(d) => d.id === key` (or `key === d.id`, `==`), `({ id }) => id === key`: the key, when it does not read the row. */
export function matchedId(tsm: typeof ts, fn: ts.Expression | undefined): ts.Expression | undefined {
  const cb = callback(tsm, fn);
  const b = cb?.body;
  if (!cb || !b || !tsm.isBinaryExpression(b)) return undefined;
  const op = b.operatorToken.kind;
  if (op !== tsm.SyntaxKind.EqualsEqualsEqualsToken && op !== tsm.SyntaxKind.EqualsEqualsToken) return undefined;
  const key = isRowId(tsm, cb.param, b.left) ? b.right : isRowId(tsm, cb.param, b.right) ? b.left : undefined;
  if (!key) return undefined;
  // `d.id === d.parentId` matches the row against itself.
  const bound = new Set<string>();
  const collect = (n: ts.Node): void => {
    if (tsm.isIdentifier(n)) bound.add(n.text);
    tsm.forEachChild(n, collect);
  };
  collect(cb.param);
  let readsRow = false;
  const visit = (n: ts.Node): void => {
    if (tsm.isIdentifier(n) && bound.has(n.text) && !(tsm.isPropertyAccessExpression(n.parent) && n.parent.name === n))
      readsRow = true;
    tsm.forEachChild(n, visit);
  };
  visit(key);
  return readsRow ? undefined : strip(tsm, key);
}

export function isNothing(tsm: typeof ts, e: ts.Expression): boolean {
  const s = strip(tsm, e);
  return s.kind === tsm.SyntaxKind.NullKeyword || (tsm.isIdentifier(s) && s.text === "undefined");
}

/**
 * `read.catch((e) => { throw new TRPCError(...) })`, `read.catch(() => null)`: the promise the
 * handler guards, when the handler hands back no row of its own (it throws, or returns nothing);
 * the awaited value is then the read's row or nothing. Undefined for any other expression.
 */
export function caughtPromise(tsm: typeof ts, e: ts.Expression): ts.Expression | undefined {
  if (!tsm.isCallExpression(e) || e.arguments.length !== 1) return undefined;
  const callee = e.expression;
  if (!tsm.isPropertyAccessExpression(callee) || callee.name.text !== "catch") return undefined;
  const handler = strip(tsm, e.arguments[0]!);
  if (!tsm.isArrowFunction(handler) && !tsm.isFunctionExpression(handler)) return undefined;
  return returnedExpressions(tsm, handler).every((r) => holdsNothing(tsm, r)) ? callee.expression : undefined;
}

/**
 * `query.then((rows) => rows[0])`, `.then((rows) => rows.at(0))`, `.then((r) => r)`: the promise's
 * rows, and whether the callback picks the first of them.
 */
export function thenPicks(
  tsm: typeof ts,
  e: ts.Expression,
): { of: ts.Expression; first: boolean; unwraps?: boolean } | undefined {
  if (!tsm.isCallExpression(e) || e.arguments.length !== 1) return undefined;
  const callee = e.expression;
  if (!tsm.isPropertyAccessExpression(callee) || callee.name.text !== "then") return undefined;
  const cb = callback(tsm, e.arguments[0]);
  if (!cb || !tsm.isIdentifier(cb.param)) return undefined;
  const rows = cb.param.text;
  const isRows = (x: ts.Expression) =>
    tsm.isIdentifier(strip(tsm, x)) && (strip(tsm, x) as ts.Identifier).text === rows;
  const body = cb.body;
  if (isRows(body)) return { of: callee.expression, first: false };
  // `.then((r) => r.unwrap())`: the value the result holds.
  if (isUnwrap(tsm, body) && isRows(body.expression.expression))
    return { of: callee.expression, first: false, unwraps: true };
  const zero = (x: ts.Expression | undefined) =>
    !!x && tsm.isNumericLiteral(strip(tsm, x)) && strip(tsm, x).getText() === "0";
  if (tsm.isElementAccessExpression(body) && isRows(body.expression) && zero(body.argumentExpression))
    return { of: callee.expression, first: true };
  const at = tsm.isCallExpression(body) ? strip(tsm, body.expression) : undefined;
  if (
    at &&
    tsm.isPropertyAccessExpression(at) &&
    at.name.text === "at" &&
    isRows(at.expression) &&
    zero((body as ts.CallExpression).arguments[0])
  )
    return { of: callee.expression, first: true };
  return undefined;
}

/**
 * Result wrappers: fp-ts `E.right(x)` (read back as `.right`), `O.some(x)`, neverthrow `ok(x)`
 * (`.value`), and an app's own `ok(x)` building `{ ok: true, data: x }` (formbricks): `|` separates
 * the fields a wrapper may be read back from.
 */
const WRAPS: Record<string, string> = { right: "right", some: "value", ok: "value|data", okAsync: "value" };
/** Their empty or failed twins: `E.left(e)`, `O.none`, `err(e)`, which hold no row. */
const NOTHING = /^(?:left|none|err|errAsync)$/;

/** `E.right(row)`: the field the wrapped value is read back from, and the value; undefined for anything else. */
export function wrapped(tsm: typeof ts, e: ts.Expression): { field: string; inner: ts.Expression } | undefined {
  if (!tsm.isCallExpression(e) || e.arguments.length !== 1) return undefined;
  const callee = strip(tsm, e.expression);
  const name = tsm.isIdentifier(callee) ? callee.text : tsm.isPropertyAccessExpression(callee) ? callee.name.text : "";
  const field = Object.hasOwn(WRAPS, name) ? WRAPS[name] : undefined;
  return field ? { field, inner: e.arguments[0]! } : undefined;
}

/** `E.left(...)`, `O.none`, `err(...)`, `null`, `undefined`: a return that hands back no row. */
export function holdsNothing(tsm: typeof ts, e: ts.Expression): boolean {
  const s = strip(tsm, e);
  if (isNothing(tsm, s)) return true;
  const callee = tsm.isCallExpression(s) ? strip(tsm, s.expression) : s;
  const name = tsm.isIdentifier(callee) ? callee.text : tsm.isPropertyAccessExpression(callee) ? callee.name.text : "";
  // An app's own `Result.error(e)`, `Result.fail(e)` (latitude's): a method of the wrapper's class, no row.
  return NOTHING.test(name) || (tsm.isCallExpression(s) && tsm.isPropertyAccessExpression(callee) && FAILED.test(name));
}

const FAILED = /^(?:error|fail|failure)$/;

/** `result.unwrap()`, neverthrow's `_unsafeUnwrap()`, `getOrThrow()`: the wrapped value, or a throw when it holds none. */
export function isUnwrap(
  tsm: typeof ts,
  e: ts.Expression,
): e is ts.CallExpression & { expression: ts.PropertyAccessExpression } {
  return (
    tsm.isCallExpression(e) &&
    e.arguments.length === 0 &&
    tsm.isPropertyAccessExpression(e.expression) &&
    UNWRAP.test(e.expression.name.text)
  );
}

const UNWRAP = /^(?:unwrap|_unsafeUnwrap|unwrapOrThrow|getOrThrow|orThrow)$/;

/** The value a wrapper (`wrapValue`) holds; undefined for anything else. */
export function unwrapped(v: Value | undefined): Value | undefined {
  // A helper's summary rebuilds each field (`value`, `data`) apart: alike is enough there.
  const values = v?.kind === "object" && v.fields ? [...v.fields.values()] : [];
  const [first] = values;
  return first && values.every((x) => x.kind === first.kind && x.table === first.table) ? first : undefined;
}

/** A wrapper around a value: the object whose one field holds it, keeping its row's source and proof. */
export function wrapValue(field: string, inner: Value): Value {
  return { ...inner, kind: "object", fields: new Map(field.split("|").map((f) => [f, inner])) };
}

/** The fields (`"value|data"`) of a wrapper whose every field holds the one wrapped value; undefined for any other value. */
export function wrapperField(v: Value | undefined): string | undefined {
  const values = v?.kind === "object" && v.fields ? [...v.fields.values()] : [];
  return values.length && values.every((x) => x === values[0]) ? [...v!.fields!.keys()].join("|") : undefined;
}

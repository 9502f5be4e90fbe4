// What an expression holds, as far as ownership goes: a row, rows, a node-postgres result, a key
// or keys of a table, tied to the tenant (with the reason why) or read unchecked by key.
import type ts from "typescript";
import { strip } from "../orm/prisma-syntax";
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
  // An unscoped read is only worth following when it reads one row: a check of its tenant can prove it.
  if (!q.scoped)
    return (q.key && !q.key.list) || q.returns === "row"
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
  return { kind: q.returns, table: q.table, source: q, reason };
}

export function member(v: Value | undefined, name: string): Value | undefined {
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

/** `r => r.id`, `({ id }) => id`. */
export function mapsToId(tsm: typeof ts, fn: ts.Expression | undefined): boolean {
  if (!fn || !(tsm.isArrowFunction(fn) || tsm.isFunctionExpression(fn)) || fn.parameters.length < 1) return false;
  const param = fn.parameters[0].name;
  let body: ts.Node = fn.body;
  if (tsm.isBlock(body)) {
    const only = body.statements.length === 1 ? body.statements[0] : undefined;
    if (!only || !tsm.isReturnStatement(only) || !only.expression) return false;
    body = only.expression;
  }
  const b = strip(tsm, body as ts.Expression);
  if (tsm.isIdentifier(param))
    return (
      tsm.isPropertyAccessExpression(b) &&
      b.name.text === "id" &&
      tsm.isIdentifier(b.expression) &&
      b.expression.text === param.text
    );
  return (
    tsm.isObjectBindingPattern(param) &&
    tsm.isIdentifier(b) &&
    param.elements.some(
      (el) => tsm.isIdentifier(el.name) && el.name.text === b.text && (el.propertyName ?? el.name).getText() === "id",
    )
  );
}

export function isNothing(tsm: typeof ts, e: ts.Expression): boolean {
  const s = strip(tsm, e);
  return s.kind === tsm.SyntaxKind.NullKeyword || (tsm.isIdentifier(s) && s.text === "undefined");
}

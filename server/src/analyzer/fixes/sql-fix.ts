// Turns a SQL fix plan into edits of the TypeScript file, in the idiom of the driver:
// `$N` plus a value appended to the values array for node-postgres and *Unsafe calls,
// `${expr}` for tagged templates, `?` plus a binding for knex.raw.
import type ts from "typescript";
import type { SqlFixPlan } from "../sql/scope";
import type { SqlSite } from "../sql/site";
import type { TextEdit } from "../types";
import type { TenantValue } from "./tenant-value";

/** An edit in SQL-text offsets, applied to `site.sql` for verification and mapped to the file for the fix. */
export interface SqlEdit {
  at: number;
  text: string;
}

export interface PlannedSqlFix {
  title: string;
  /** Edits of the SQL text as the parser sees it (for re-checking that the fix closes the hole). */
  sqlEdits: SqlEdit[];
  /** The same change as edits of the file. */
  fileEdits: TextEdit[];
}

/** Builds the fix for `plan`, or undefined when this driver shape cannot take it mechanically. */
export function planSqlFix(
  tsm: typeof ts,
  site: SqlSite,
  plan: SqlFixPlan,
  value: TenantValue,
): PlannedSqlFix | undefined {
  const parameter = parameterFor(
    tsm,
    site,
    value,
    plan.kind === "add-predicate" ? plan.insertAt : Math.min(...plan.rowEnds),
  );
  if (!parameter) return undefined;
  // The same edits twice: with the value as written in the file, and as the parser sees a placeholder.
  const written = editsFor(plan, parameter.sqlText);
  const sqlEdits = editsFor(plan, parameter.parsedText);
  const title =
    plan.kind === "add-predicate"
      ? `Add tenant predicate \`${plan.column} = ${value.text}\``
      : `Set ${plan.column} to \`${value.text}\` in the INSERT`;
  const fileEdits: TextEdit[] = written.map((e) => {
    const at = mapInsertion(site, e.at);
    return { start: at, end: at, newText: e.text };
  });
  fileEdits.push(...parameter.fileEdits);
  return { title, sqlEdits, fileEdits };
}

function editsFor(plan: SqlFixPlan, value: string): SqlEdit[] {
  if (plan.kind === "add-insert-column") {
    return [
      { at: plan.columnsEnd, text: `, ${plan.column}` },
      ...plan.rowEnds.map((at) => ({ at, text: `, ${value}` })),
    ];
  }
  const predicate = `${plan.column} = ${value}`;
  if (plan.wrap)
    return [
      { at: plan.wrap.start, text: "(" },
      { at: plan.insertAt, text: `) AND ${predicate}` },
    ];
  return [{ at: plan.insertAt, text: plan.createWhere ? ` WHERE ${predicate}` : ` AND ${predicate}` }];
}

/** Applies SQL edits (insertions) to a SQL text. */
export function applySqlEdits(sql: string, edits: readonly SqlEdit[]): string {
  const sorted = [...edits].map((e, i) => ({ ...e, i })).sort((a, b) => b.at - a.at || b.i - a.i);
  let out = sql;
  for (const e of sorted) out = out.slice(0, e.at) + e.text + out.slice(e.at);
  return out;
}

/** An insertion before SQL offset `at`, as a file offset (the end of the text maps to the closing delimiter). */
function mapInsertion(site: SqlSite, at: number): number {
  if (at < site.sql.length) return site.toFileOffset(at);
  return site.toFileOffset(site.sql.length);
}

interface Parameter {
  /** How the value appears in the SQL text of the file. */
  sqlText: string;
  /** How it appears to the parser (an interpolation becomes a placeholder). */
  parsedText: string;
  /** Edits outside the SQL text that pass the value (values array, bindings). */
  fileEdits: TextEdit[];
}

function parameterFor(tsm: typeof ts, site: SqlSite, value: TenantValue, insertAt: number): Parameter | undefined {
  switch (site.parameterStyle) {
    case "template":
      // A tagged template sends `${...}` as a bound parameter: safe to interpolate.
      return {
        sqlText: `\${${value.text}}`,
        parsedText: `$${site.maxParameter + site.holes.length + 1}`,
        fileEdits: [],
      };
    case "pgp":
    case "numbered": {
      // pg-promise's named variables take their values from an object: no `$N` to append to.
      if (site.parameterStyle === "pgp" && site.namedValues) return undefined;
      const values = valuesEdit(tsm, site, value);
      return values
        ? { sqlText: `$${site.maxParameter + 1}`, parsedText: `$${site.maxParameter + 1}`, fileEdits: [values] }
        : undefined;
    }
    case "question": {
      // knex binds `?` in order: only append when no binding follows the insertion point.
      if (/\?|\$\d/.test(site.sql.slice(insertAt))) return undefined;
      const values = valuesEdit(tsm, site, value);
      return values
        ? { sqlText: "?", parsedText: `$${site.maxParameter + site.holes.length + 1}`, fileEdits: [values] }
        : undefined;
    }
  }
}

/** Adds the value to the values array, the rest arguments, or a new values argument. */
function valuesEdit(tsm: typeof ts, site: SqlSite, value: TenantValue): TextEdit | undefined {
  if (site.valuesArray) {
    const arr = site.valuesArray;
    const close = arr.end - 1; // the `]`
    if (arr.elements.length === 0) return { start: close, end: close, newText: value.text };
    const last = arr.elements[arr.elements.length - 1];
    return { start: last.end, end: last.end, newText: `, ${value.text}` };
  }
  if (site.restValuesCall) {
    const args = site.restValuesCall.arguments;
    const last = args[args.length - 1];
    return { start: last.end, end: last.end, newText: `, ${value.text}` };
  }
  // `pool.query(text)` with no values: pass them as the second argument.
  const call = site.node;
  if (tsm.isCallExpression(call) && call.arguments.length === 1 && !tsm.isObjectLiteralExpression(call.arguments[0])) {
    const arg = call.arguments[0];
    return { start: arg.end, end: arg.end, newText: `, [${value.text}]` };
  }
  return undefined;
}

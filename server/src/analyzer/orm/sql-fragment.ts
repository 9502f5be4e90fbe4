// A `sql` fragment a query builder's where is written in (`.where(sql`workspace_id = ${id} AND
// name = ${name}`)`), read by the real PostgreSQL parser: its top-level AND terms that compare a
// column with one interpolated value. Each interpolation becomes a parameter, so the parser
// accepts the text; a term's value is the interpolated expression it was.
import type ts from "typescript";
import { andTerms } from "../sql/predicates";
import { as, columnRef, names, stripCasts } from "../sql/ast";
import type { SqlParser } from "../sql/parse";
import { WeakCache } from "../weak-cache";

export interface FragmentTerm {
  /** The column's qualifier (`[]`, `["t"]`) and name, as written in the SQL. */
  qualifier: string[];
  column: string;
  /** The interpolated value it is compared with. */
  value: ts.Expression;
  /** `= ANY(${ids})`: one of a list. */
  list: boolean;
}

export interface SqlFragment {
  terms: FragmentTerm[];
  /** The fragment's text with each interpolation as `$n`. */
  text: string;
  /** The parser's message when the text does not parse as a condition (no terms then). */
  error?: string;
}

const FRAGMENTS = new WeakCache<SqlFragment | null>();

/** The fragment's top-level column-to-value terms; undefined without a parser or for a statement that is no condition. */
export function sqlFragment(
  tsm: typeof ts,
  parser: SqlParser | undefined,
  tpl: ts.TaggedTemplateExpression,
): SqlFragment | undefined {
  if (!parser) return undefined;
  return FRAGMENTS.get([tpl], () => readFragment(tsm, parser, tpl) ?? null) ?? undefined;
}

function readFragment(tsm: typeof ts, parser: SqlParser, tpl: ts.TaggedTemplateExpression): SqlFragment | undefined {
  const t = tpl.template;
  const values: ts.Expression[] = [];
  let text: string;
  if (tsm.isNoSubstitutionTemplateLiteral(t)) text = t.text;
  else {
    text = t.head.text;
    for (const span of t.templateSpans) {
      values.push(span.expression);
      text += `$${values.length}${span.literal.text}`;
    }
  }
  // `IN ${ids}`: Drizzle writes an array as a parenthesized list; `= ANY($n)` is the same test.
  text = text.replace(/\bnot\s+in\s+\$(\d+)/gi, "<> ALL($$$1)").replace(/\bin\s+\$(\d+)/gi, "= ANY($$$1)");
  const parsed = parser.parse(`SELECT 1 WHERE ${text}`);
  if ("error" in parsed) return { terms: [], text, error: parsed.error.message };
  const stmt = parsed.tree.stmts?.[0]?.stmt;
  const where = as<{ whereClause?: unknown }>(stmt, "SelectStmt")?.whereClause;
  if (!where) return undefined;
  const terms: FragmentTerm[] = [];
  for (const term of andTerms(where)) {
    const e = as<{ kind?: string; name?: unknown[]; lexpr?: unknown; rexpr?: unknown }>(term, "A_Expr");
    if (!e || names(e.name)[0] !== "=" || (e.kind !== "AEXPR_OP" && e.kind !== "AEXPR_OP_ANY")) continue;
    const sides = [stripCasts(e.lexpr), stripCasts(e.rexpr)];
    const column = sides.map(columnRef).find(Boolean);
    const param = sides.map((s) => as<{ number?: number }>(s, "ParamRef")?.number).find((n) => n !== undefined);
    const value = param !== undefined ? values[param - 1] : undefined;
    // `${sql`workspace_id`}`, `${sql.raw(...)}`: SQL spliced in, no value.
    if (column && value && !splicesSql(tsm, value))
      terms.push({ qualifier: column.qualifier, column: column.column, value, list: e.kind === "AEXPR_OP_ANY" });
  }
  return { terms, text };
}

/** An interpolation that is SQL text rather than a bound value: a nested `sql` tag, `sql.raw(...)`, `sql.identifier(...)`. */
function splicesSql(tsm: typeof ts, value: ts.Expression): boolean {
  let e = value;
  while (tsm.isParenthesizedExpression(e) || tsm.isAsExpression(e)) e = e.expression;
  if (tsm.isTaggedTemplateExpression(e)) return true;
  const callee = tsm.isCallExpression(e) ? e.expression : undefined;
  return (
    !!callee &&
    tsm.isPropertyAccessExpression(callee) &&
    /^(?:raw|identifier|join|empty|placeholder)$/.test(callee.name.text)
  );
}

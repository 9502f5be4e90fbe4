// `... ${input.limit ? Prisma.sql`LIMIT ${input.limit}` : Prisma.empty}`: a fragment the code
// splices in or leaves out. With a placeholder there the statement does not parse; written out
// each way it does. The statement is checked once per choice, each conditional hole holding one
// branch's text (its own interpolations as fresh parameters), and what any choice finds stands.
import type ts from "typescript";
import type { SqlHole, SqlSite } from "./site";
import { withHoleTexts } from "./set-list";
import { constInitializer } from "../orm/chain";

/** At most this many conditional holes per statement (2^n choices). */
const MAX_CONDITIONALS = 3;

/** The site written out once per choice of its conditional fragments; undefined when it has none, or one cannot be read. */
export function conditionalVariants(tsm: typeof ts, site: SqlSite): SqlSite[] | undefined {
  const holes = site.holes.filter((h) => h.kind === "raw" && tsm.isConditionalExpression(unwrap(tsm, h.expr)));
  if (!holes.length || holes.length > MAX_CONDITIONALS) return undefined;
  let next = highestParameter(site.sql) + 1;
  const choices: [SqlHole, string[]][] = [];
  for (const h of holes) {
    const cond = unwrap(tsm, h.expr) as ts.ConditionalExpression;
    const texts: string[] = [];
    for (const branch of [cond.whenTrue, cond.whenFalse]) {
      const text = branchText(tsm, branch, () => `$${next++}`);
      if (text === undefined) return undefined;
      texts.push(` ${text} `);
    }
    choices.push([h, texts]);
  }
  let variants: Map<SqlHole, string>[] = [new Map()];
  for (const [h, texts] of choices) variants = variants.flatMap((v) => texts.map((t) => new Map([...v, [h, t]])));
  return variants.map((texts) => withHoleTexts(site, texts));
}

/** The SQL a branch splices in: a SQL tag's text (its `${}`s as parameters), or nothing (`Prisma.empty`, `sql```, `""`). */
function branchText(tsm: typeof ts, branch: ts.Expression, parameter: () => string): string | undefined {
  const e = unwrap(tsm, branch);
  if (tsm.isPropertyAccessExpression(e) && e.name.text === "empty") return "";
  if (tsm.isStringLiteral(e) || tsm.isNoSubstitutionTemplateLiteral(e)) return e.text === "" ? "" : undefined;
  if (!tsm.isTaggedTemplateExpression(e) || !/(?:^|\.)(?:sql|fragment)$/.test(e.tag.getText())) return undefined;
  const t = e.template;
  if (tsm.isNoSubstitutionTemplateLiteral(t)) return t.text;
  // Each `${}` must be a bound value: a nested fragment, a `Prisma.join`/`raw`, or a choice may be any SQL.
  if (!t.templateSpans.every((span) => boundValue(tsm, span.expression))) return undefined;
  let text = t.head.text;
  for (const span of t.templateSpans) text += `${parameter()}${span.literal.text}`;
  return text;
}

/** Whether an interpolation is a value the driver binds, not SQL text: not a tag, a builder call, a choice, or a const holding one. */
function boundValue(tsm: typeof ts, expr: ts.Expression, depth = 0): boolean {
  const e = unwrap(tsm, expr);
  if (tsm.isTaggedTemplateExpression(e) || tsm.isConditionalExpression(e) || tsm.isBinaryExpression(e)) return false;
  if (tsm.isCallExpression(e)) {
    const callee = unwrap(tsm, e.expression);
    const name = tsm.isPropertyAccessExpression(callee)
      ? callee.name.text
      : tsm.isIdentifier(callee)
        ? callee.text
        : "";
    return !/^(?:sql|raw|join|identifier|unsafe|fragment|empty)$/i.test(name);
  }
  if (tsm.isPropertyAccessExpression(e) && e.name.text === "empty") return false;
  if (tsm.isIdentifier(e) && depth < 3) {
    const init = constInitializer(tsm, e);
    return init ? boundValue(tsm, init, depth + 1) : true;
  }
  return true;
}

function highestParameter(sql: string): number {
  let max = 0;
  for (const m of sql.matchAll(/\$(\d+)/g)) max = Math.max(max, Number(m[1]));
  return max;
}

function unwrap(tsm: typeof ts, e: ts.Expression): ts.Expression {
  let x = e;
  while (tsm.isParenthesizedExpression(x) || tsm.isAsExpression(x) || tsm.isNonNullExpression(x)) x = x.expression;
  return x;
}

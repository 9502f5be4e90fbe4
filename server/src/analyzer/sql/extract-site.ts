// Builds `SqlSite`s from what the walk recognized: the SQL source of a call or a template,
// rendered with its placeholders, or a `dynamic` reason when it cannot be read.
import type ts from "typescript";
import { looksLikeSql, renderSql, type QuestionBindings, type RenderedSql } from "./extract-render";
import {
  propertyValue,
  shortText,
  stringSource,
  taggedTemplateParts,
  unwrap,
  type SourceContext,
  type SqlSource,
} from "./extract-source";
import type { ParameterStyle, SqlDriver, SqlHole, SqlSite } from "./site";

type TypeScript = typeof ts;

export interface TextSiteOptions {
  /** The expression holding the text (default: the first argument) and the scope depth to read it at. */
  text?: ts.Expression;
  values?: ts.Expression;
  bindings?: ts.Expression;
  restValuesCall?: ts.CallExpression;
  depth?: number;
  /**
   * `sql-looking`: a generic method (`query`, `raw`): report static text only when it looks
   * like SQL, and unreadable text only with evidence that the receiver runs SQL.
   * `static-sql`: report only static SQL-looking text. Default: always a site.
   */
  gate?: "sql-looking" | "static-sql";
}

/** A site whose SQL is a plain string (by default the call's first argument). */
export function textSite(
  ctx: SourceContext,
  call: ts.CallExpression,
  receiver: ts.Expression,
  driver: SqlDriver,
  style: ParameterStyle,
  options: TextSiteOptions,
): SqlSite | undefined {
  const ts = ctx.ts;
  const values = options.values && unwrap(ts, options.values);
  const extra = {
    valuesArray: values && ts.isArrayLiteralExpression(values) ? values : undefined,
    restValuesCall: options.restValuesCall,
  };
  const source = stringSource(ctx, options.text ?? call.arguments[0], options.depth ?? ctx.scopes.depth);
  if (source.kind === "dynamic") {
    if (options.gate === "static-sql") return undefined;
    if (options.gate === "sql-looking" && !runsSql(ctx, call, receiver, source.sqlLooking)) return undefined;
    return { ...dynamicSite(ctx, source, call, receiver, driver, style), ...extra };
  }
  const bindings =
    style === "question" || style === "pgp" ? questionBindings(ts, options.bindings, source.literal) : undefined;
  const rendered = renderSql(
    source.parts,
    style,
    source.literal.getStart(ctx.sourceFile),
    bindings,
    ctx.tableName,
    ctx.identifier,
  );
  if (!options.gate || looksLikeSql(rendered.sql)) {
    return { driver, node: call, receiver, literal: source.literal, ...rendered, parameterStyle: style, ...extra };
  }
  // `${base} WHERE ...`: text that starts with something we cannot read is still SQL to flag.
  // Not for knex: `?? = ?` is a query-builder fragment, not a statement.
  const lead = options.gate === "sql-looking" && style !== "question" ? leadingHole(rendered) : undefined;
  if (!lead || !runsSql(ctx, call, receiver, false)) return undefined;
  const reason = `SQL starts with ${shortText(ctx, lead.expr)}, which tenantguard cannot follow`;
  const dynamic = { kind: "dynamic", literal: source.literal, reason, node: lead.expr, sqlLooking: false } as const;
  return { ...dynamicSite(ctx, dynamic, call, receiver, driver, style), ...extra };
}

/** A site whose SQL is a tagged template (`sql`...``, `prisma.$queryRaw`...``). */
export function templateSite(
  ctx: SourceContext,
  template: ts.TaggedTemplateExpression,
  driver: SqlDriver,
  node: ts.Node,
  receiver: ts.Expression | undefined,
  depth: number,
): SqlSite {
  const parts = taggedTemplateParts(ctx, template, depth);
  const rendered = renderSql(
    parts,
    "template",
    template.template.getStart(ctx.sourceFile),
    undefined,
    ctx.tableName,
    ctx.identifier,
  );
  return { driver, node, receiver, literal: template.template, ...rendered, parameterStyle: "template" };
}

/** A site whose SQL cannot be read: one `dynamic-sql` finding, at the expression that holds it. */
export function dynamicSite(
  ctx: SourceContext,
  source: Extract<SqlSource, { kind: "dynamic" }>,
  call: ts.CallExpression,
  receiver: ts.Expression,
  driver: SqlDriver,
  style: ParameterStyle,
): SqlSite {
  const at = source.node.getStart(ctx.sourceFile);
  return {
    driver,
    node: call,
    receiver,
    literal: source.literal,
    sql: "",
    toFileOffset: () => at,
    holes: [],
    parameterStyle: style,
    maxParameter: 0,
    dynamic: { reason: source.reason, node: source.node },
  };
}

// ---------------------------------------------------------------------------------------

/** Last words of receiver names that say "database client": `pool`, `tenantDb`, `trx`, `queryRunner`. */
const DB_RECEIVER_WORDS = new Set([
  "pool",
  "pg",
  "db",
  "database",
  "knex",
  "conn",
  "connection",
  "trx",
  "tx",
  "transaction",
  "sql",
  "client",
  "manager",
  "runner",
  "sequelize",
]);

/**
 * Evidence that a generic `.query(x)` / `.raw(x)` whose text we cannot read runs SQL: the
 * text visibly starts like SQL, values are passed beside it, the file imports a SQL client,
 * or the receiver is named like one. A GraphQL client import vetoes all but the first.
 */
function runsSql(ctx: SourceContext, call: ts.CallExpression, receiver: ts.Expression, sqlLooking: boolean): boolean {
  if (sqlLooking) return true;
  if (ctx.drivers.importsGraphqlClient) return false;
  // `jp.query(obj, path)` with `import jp from "jsonpath"`: another package's `query`.
  const base = unwrap(ctx.ts, receiver);
  if (ctx.ts.isIdentifier(base) && ctx.drivers.otherPackages.has(base.text)) return false;
  if (ctx.drivers.importsSqlLibrary) return true;
  const callee = unwrap(ctx.ts, call.expression);
  const method = ctx.ts.isPropertyAccessExpression(callee) ? callee.name.text : "";
  if (method === "query" && call.arguments.length >= 2) return true;
  const name = receiverName(ctx.ts, receiver);
  const lastWord = name
    ?.split(/(?=[A-Z])|_/)
    .pop()
    ?.toLowerCase();
  return !!lastWord && DB_RECEIVER_WORDS.has(lastWord);
}

/** The first hole, when nothing but whitespace comes before it. */
function leadingHole(rendered: RenderedSql): SqlHole | undefined {
  const lead = rendered.holes.find((h) => h.kind !== "fragment");
  return lead && rendered.sql.slice(0, lead.sqlStart).trim() === "" ? lead : undefined;
}

function receiverName(ts: TypeScript, receiver: ts.Expression): string | undefined {
  const e = unwrap(ts, receiver);
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  return undefined;
}

/** How knex (or Sequelize) bindings supply `?`/`??` or `:name`/`:name:`, for the identifier holes' expressions. */
function questionBindings(
  ts: TypeScript,
  bindings: ts.Expression | undefined,
  literal: ts.Expression,
): QuestionBindings {
  const value = bindings && unwrap(ts, bindings);
  const fallback = bindings ?? literal;
  if (value && ts.isObjectLiteralExpression(value)) {
    const keys = new Set<string>();
    for (const p of value.properties)
      if (p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) keys.add(p.name.text);
    // A spread or a computed key (`[q.k]: q.v`) may put any name there.
    const hasSpread = value.properties.some(
      (p) => ts.isSpreadAssignment(p) || (p.name !== undefined && ts.isComputedPropertyName(p.name)),
    );
    return {
      named: true,
      keys: hasSpread ? undefined : keys,
      bindingExpr: (name) => (typeof name === "string" && propertyValue(ts, value, name)) || fallback,
    };
  }
  const array = value && ts.isArrayLiteralExpression(value) ? value : undefined;
  return {
    named: false,
    bindingExpr: (index) => {
      const element = typeof index === "number" && array?.elements[index];
      return element && !ts.isSpreadElement(element) && !ts.isOmittedExpression(element) ? element : fallback;
    },
  };
}

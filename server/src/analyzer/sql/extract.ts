// Finds the SQL a TypeScript file sends to Postgres, in every shape backends write it,
// and turns each into a `SqlSite` the parser and the scope checker can read.
//
// One iterative walk over the tree (a deep `+` chain must not overflow the stack). Calls
// are seen before their arguments, so a call that runs a SQL template (`db.execute(sql`...`)`,
// `pool.one(sql.type(x)`...`)`) claims it and the template is not reported a second time.
import type ts from "typescript";
import { lastName } from "../statements";
import { fileDrivers, isViewDefinition, sqlTagDriver, sqlTagOf } from "./extract-drivers";
import { ScopeStack } from "./extract-scope";
import { templateSite, textSite, dynamicSite } from "./extract-site";
import { followConst, propertyValue, stringSource, unwrap, type SourceContext } from "./extract-source";
import type { SqlSite } from "./site";

type TypeScript = typeof ts;

/**
 * Every SQL site in `sourceFile`, in source order. `ts` is the TypeScript module to use
 * (tsserver's own in the plugin). Pure and total: any file, however broken, gives an array.
 *
 * Offsets: `toFileOffset` maps each SQL char to the file char it came from; a char cooked
 * from an escape maps to its backslash, and every char of a placeholder maps to the start
 * of the hole's source (the `$` of `${`, the first char of a concatenated operand, the `?`
 * of a knex binding). For an end offset use `toFileOffset(end - 1) + 1`.
 */
/**
 * `modelTable`: the table a table object spliced into the SQL names (`${orders}` of a Drizzle
 * schema), from the tenant model; slonik's `sql.identifier(["roles"])` is read here.
 */
export function extractSqlSites(
  ts: TypeScript,
  sourceFile: ts.SourceFile,
  modelTable?: (name: string) => string | undefined,
): SqlSite[] {
  const ctx: SourceContext = {
    ts,
    sourceFile,
    drivers: fileDrivers(ts, sourceFile),
    scopes: new ScopeStack(ts),
    claimed: new Set(),
    inlineBudget: 0,
    tableName: (expr) => slonikIdentifier(ts, sourceFile, expr) ?? modelEntityTable(ts, expr, modelTable),
    identifier: (expr) => slonikIdentifier(ts, sourceFile, expr),
  };
  const found: { site: SqlSite; standalone?: ts.Node }[] = [];
  const report = (site: SqlSite | undefined) => site && found.push({ site });

  const { CallExpression, Decorator, TaggedTemplateExpression } = ts.SyntaxKind;
  const EXIT_SCOPE = {} as ts.Node;
  const EXIT_TEMPLATE = {} as ts.Node;
  let templateDepth = 0; // > 0 inside a SQL template: nested tags are its fragments, not sites
  const stack: ts.Node[] = [sourceFile];
  const pushChild = (child: ts.Node) => {
    stack.push(child);
  };

  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node === EXIT_SCOPE) {
      ctx.scopes.exit();
      continue;
    }
    if (node === EXIT_TEMPLATE) {
      templateDepth--;
      continue;
    }
    // `@Query("refresh") refresh: string` (NestJS's query-string key), `@ViewEntity({ expression })`:
    // a decorator runs no SQL.
    if (node.kind === Decorator) {
      // Its literal arguments are no SQL; a function handed to it (`@UseBefore(async (req) => ...)`) may run some.
      const call = (node as ts.Decorator).expression;
      if (ts.isCallExpression(call))
        for (const arg of call.arguments)
          if (!ts.isStringLiteralLike(arg) && !ts.isNumericLiteral(arg)) stack.push(arg);
      continue;
    }
    if (node.kind === CallExpression) {
      // A view's definition in a schema file is DDL the database keeps, not a query the app runs.
      if (isViewDefinition(ts, node as ts.CallExpression)) continue;
      report(callSite(ctx, node as ts.CallExpression));
    } else if (node.kind === TaggedTemplateExpression) {
      const tagged = node as ts.TaggedTemplateExpression;
      const tag = sqlTagOf(ts, ctx.drivers, tagged.tag);
      if (tag) {
        if (tag.runs && templateDepth === 0 && !ctx.claimed.has(tagged)) {
          found.push({
            site: templateSite(ctx, tagged, tag.driver, tagged, tag.receiver, ctx.scopes.depth),
            standalone: tagged,
          });
        }
        templateDepth++;
        stack.push(EXIT_TEMPLATE);
      }
    }
    if (ctx.scopes.enter(node)) stack.push(EXIT_SCOPE);
    const first = stack.length;
    ts.forEachChild(node, pushChild);
    reverse(stack, first);
  }

  // A `const` template run by a call further down was reported on its own before the call claimed it.
  return found.filter((f) => !f.standalone || !ctx.claimed.has(f.standalone)).map((f) => f.site);
}

// ---------------------------------------------------------------------------------------

/** Methods that run a SQL template passed as their first argument (slonik, node-postgres, Drizzle, Prisma). */
const RUNNER_METHODS = new Set([
  "query",
  "any",
  "anyFirst",
  "exists",
  "many",
  "manyFirst",
  "maybeOne",
  "maybeOneFirst",
  "one",
  "oneFirst",
  "stream",
  "execute",
  "$queryRaw",
  "$executeRaw",
]);

/** pg-promise's query methods: `db.oneOrNone("SELECT ... WHERE id = $(id)", { id })`. */
const PGP_METHODS = new Set([
  "none",
  "one",
  "oneOrNone",
  "many",
  "manyOrNone",
  "any",
  "result",
  "multi",
  "multiResult",
]);

/** Every method name a SQL site can be called by: a cheap first test for each call in the file. */
const SQL_METHODS = new Set([
  ...RUNNER_METHODS,
  ...PGP_METHODS,
  "raw",
  "unsafe",
  "$queryRawUnsafe",
  "$executeRawUnsafe",
]);

/** The site a method call runs, if it is one of the SQL-running shapes. */
function callSite(ctx: SourceContext, call: ts.CallExpression): SqlSite | undefined {
  const ts = ctx.ts;
  const callee = unwrap(ts, call.expression);
  if (!ts.isPropertyAccessExpression(callee) || !SQL_METHODS.has(callee.name.text))
    return helperSite(ctx, call, callee);
  const method = callee.name.text;
  const object = callee.expression;

  // Kysely: sql`...`.execute(db)
  const template = method === "execute" ? unwrap(ts, object) : undefined;
  if (template && ts.isTaggedTemplateExpression(template)) {
    const tag = sqlTagOf(ts, ctx.drivers, template.tag);
    if (tag) {
      ctx.claimed.add(template);
      return templateSite(ctx, template, tag.driver, call, call.arguments[0], ctx.scopes.depth);
    }
  }
  if (RUNNER_METHODS.has(method)) {
    const site = runnerSite(ctx, call, method, object);
    if (site) return site;
    if (method === "query") return querySite(ctx, call, object);
  }
  // pg-promise: the text itself (slonik's `one`/`many`/`any` take a tagged template, read above).
  if (PGP_METHODS.has(method))
    return call.arguments.length === 0
      ? undefined
      : textSite(ctx, call, object, "pg", "pgp", {
          values: call.arguments[1],
          bindings: call.arguments[1],
          gate: "sql-looking",
        });
  if (RUNNER_METHODS.has(method)) return undefined;
  switch (method) {
    case "raw":
      return rawSite(ctx, call, object);
    case "unsafe": {
      // postgres.js sql.unsafe(text, values)
      if (sqlTagDriver(ts, ctx.drivers, object) !== "postgres" || call.arguments.length === 0) return undefined;
      return textSite(ctx, call, object, "postgres", "numbered", { values: call.arguments[1] });
    }
    case "$queryRawUnsafe":
    case "$executeRawUnsafe":
      if (call.arguments.length === 0) return undefined;
      return textSite(ctx, call, object, "prisma", "numbered", { restValuesCall: call });
  }
  return undefined;
}

/**
 * A project's own helper that runs the statement it is handed: `query("SELECT ... WHERE id = $1",
 * [id])` (node-postgres's suggested `export const query = (text, params) => pool.query(text,
 * params)`), `dbExecute(...)`, `this.runQuery(...)`. Only by such a name, and only with SQL written
 * at the call: a statement whose text the call builds or takes from elsewhere stays the helper's.
 */
const SQL_HELPER = /^(?:db|sql|pg)?_?(?:query|exec|execute|run)(?:_?(?:query|sql|statement|db))?$/i;

function helperSite(ctx: SourceContext, call: ts.CallExpression, callee: ts.Expression): SqlSite | undefined {
  const ts = ctx.ts;
  const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : "";
  const first = call.arguments[0];
  if (!first || !SQL_HELPER.test(name)) return undefined;
  const source = stringSource(ctx, first, ctx.scopes.depth);
  if (source.kind === "dynamic") return undefined;
  // Its placeholders say how it binds: `$1` as node-postgres, else `?` as mysql-style helpers.
  const style =
    /\$\d/.test(source.literal.getText(ctx.sourceFile)) || !source.literal.getText(ctx.sourceFile).includes("?")
      ? "numbered"
      : "question";
  return textSite(ctx, call, callee, "unknown", style, {
    values: call.arguments[1],
    bindings: call.arguments[1],
    gate: "static-sql",
  });
}

/** `pool.one(sql.type(x)`...`)`, `db.execute(sql`...`)`, `prisma.$queryRaw(Prisma.sql`...`)`, also through a `const`. */
function runnerSite(
  ctx: SourceContext,
  call: ts.CallExpression,
  method: string,
  object: ts.Expression,
): SqlSite | undefined {
  const ts = ctx.ts;
  const arg = call.arguments[0];
  if (!arg) return undefined;
  const isPrisma = method === "$queryRaw" || method === "$executeRaw";
  const followed = followConst(ctx, arg, ctx.scopes.depth);
  if (followed.resolved && ts.isTaggedTemplateExpression(followed.expr)) {
    const tag = sqlTagOf(ts, ctx.drivers, followed.expr.tag);
    if (!tag) return undefined;
    ctx.claimed.add(followed.expr);
    return templateSite(ctx, followed.expr, isPrisma ? "prisma" : tag.driver, call, object, followed.depth);
  }
  if (!isPrisma) return undefined;
  // $queryRaw(x) with x we cannot read: a Prisma.Sql built elsewhere.
  const source = stringSource(ctx, arg, ctx.scopes.depth);
  if (source.kind === "static") return undefined; // $queryRaw("...") is a type error: not SQL Prisma runs
  return dynamicSite(ctx, source, call, object, "prisma", "template");
}

/** node-postgres (and TypeORM, Sequelize) `x.query(text | { text, values }, values?)`. */
function querySite(ctx: SourceContext, call: ts.CallExpression, object: ts.Expression): SqlSite | undefined {
  const ts = ctx.ts;
  const arg = call.arguments[0];
  if (!arg) return undefined;
  let text: ts.Expression = arg;
  let values: ts.Expression | undefined = call.arguments[1];
  let depth = ctx.scopes.depth;
  const followed = followConst(ctx, arg, depth);
  if (followed.resolved && ts.isTaggedTemplateExpression(followed.expr)) return undefined; // gql`...`: not SQL
  // tRPC's `procedure.query(async ({ input, ctx }) => ...)`: a resolver, never SQL text.
  if (followed.resolved && (ts.isArrowFunction(followed.expr) || ts.isFunctionExpression(followed.expr)))
    return undefined;
  if (followed.resolved && ts.isObjectLiteralExpression(followed.expr)) {
    // pg's query config object; without `text` it is someone else's `query` (GraphQL clients).
    const textValue = propertyValue(ts, followed.expr, "text");
    if (!textValue) return undefined;
    text = textValue;
    values = propertyValue(ts, followed.expr, "values");
    depth = followed.depth;
  }
  // Sequelize: query(text, { replacements }) uses knex-like `?` / `:name` bindings.
  const options = values && unwrap(ts, values);
  const replacements =
    options && ts.isObjectLiteralExpression(options) ? propertyValue(ts, options, "replacements") : undefined;
  if (replacements) {
    return textSite(ctx, call, object, "unknown", "question", {
      text,
      bindings: replacements,
      depth,
      gate: "sql-looking",
    });
  }
  return textSite(ctx, call, object, "pg", "numbered", { text, values, depth, gate: "sql-looking" });
}

/** knex `x.raw(text, bindings)`; Drizzle and Kysely `sql.raw(text)`. */
function rawSite(ctx: SourceContext, call: ts.CallExpression, object: ts.Expression): SqlSite | undefined {
  if (call.arguments.length === 0) return undefined;
  const tagDriver = sqlTagDriver(ctx.ts, ctx.drivers, object);
  if (tagDriver === "drizzle" || tagDriver === "kysely") {
    return textSite(ctx, call, object, tagDriver, "numbered", { gate: "static-sql" });
  }
  const owner = unwrap(ctx.ts, object);
  if (tagDriver || (ctx.ts.isIdentifier(owner) && ctx.drivers.prismaNamespaces.has(owner.text))) {
    return undefined; // `Prisma.raw(x)`, slonik/postgres.js helpers: text spliced into a template, not run
  }
  // knex.raw('?? = ?', [...]) builds a fragment for the query builder: only whole statements are sites.
  return textSite(ctx, call, object, "knex", "question", { bindings: call.arguments[1], gate: "sql-looking" });
}

/** Reverses `array[from..]` in place (children were pushed in source order; the stack pops the last first). */
function reverse(array: unknown[], from: number): void {
  for (let i = from, j = array.length - 1; i < j; i++, j--) {
    const t = array[i];
    array[i] = array[j];
    array[j] = t;
  }
}

/**
 * slonik's `sql.identifier(["roles"])` (`["billing", "invoices"]` -> `billing.invoices`), directly,
 * through a const of the file, or a field of a const object of them (`fields.tenantId` of
 * `const fields = { tenantId: sql.identifier(["tenant_id"]) }`).
 */
function slonikIdentifier(ts: TypeScript, sourceFile: ts.SourceFile, expr: ts.Expression): string | undefined {
  let e = unwrap(ts, expr);
  if (ts.isIdentifier(e)) e = unwrap(ts, constInitializerIn(ts, sourceFile, e.text) ?? e);
  else if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression)) {
    const holder = constInitializerIn(ts, sourceFile, e.expression.text);
    const obj = holder && unwrap(ts, holder);
    const value = obj && ts.isObjectLiteralExpression(obj) ? propertyValue(ts, obj, e.name.text) : undefined;
    if (value) e = unwrap(ts, value);
  }
  if (!ts.isCallExpression(e) || !ts.isPropertyAccessExpression(e.expression)) return undefined;
  if (e.expression.name.text !== "identifier") return undefined;
  const list = e.arguments[0] && unwrap(ts, e.arguments[0]);
  const names =
    list && ts.isArrayLiteralExpression(list)
      ? list.elements.map((n) => (ts.isStringLiteralLike(n) ? n.text : undefined))
      : [];
  return names.length && names.every((n) => n) ? names.join(".") : undefined;
}

/** A table object the model knows by name (`${orders}`, `${schema.orders}` of a Drizzle schema). */
function modelEntityTable(
  ts: TypeScript,
  expr: ts.Expression,
  modelTable: ((name: string) => string | undefined) | undefined,
): string | undefined {
  const name = lastName(ts, unwrap(ts, expr));
  return name ? modelTable?.(name) : undefined;
}

/** What a top-level `const name = ...` of the file is initialised with. */
function constInitializerIn(ts: TypeScript, sourceFile: ts.SourceFile, name: string): ts.Expression | undefined {
  for (const st of sourceFile.statements) {
    if (!ts.isVariableStatement(st) || !(st.declarationList.flags & ts.NodeFlags.Const)) continue;
    for (const d of st.declarationList.declarations)
      if (ts.isIdentifier(d.name) && d.name.text === name) return d.initializer;
  }
  return undefined;
}

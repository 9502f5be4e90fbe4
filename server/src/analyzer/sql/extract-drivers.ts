// Which SQL library a tag or call belongs to. Decided from the file's imports, because the
// same `sql\`...\`` means postgres.js, Drizzle, Kysely, slonik or Prisma depending on them.
import type ts from "typescript";
import type { SqlDriver } from "./site";

type TypeScript = typeof ts;

/** What the file's top-level imports say about its SQL libraries. */
export interface FileDrivers {
  /** Local names bound to an imported `sql` tag (aliases included) and its library. */
  sqlTags: Map<string, SqlDriver>;
  /** Namespace imports (`import * as s from "slonik"`) whose `.sql` is a tag. */
  namespaces: Map<string, SqlDriver>;
  /** Local names of Prisma's `Prisma` namespace (`Prisma.sql`, `Prisma.raw`). */
  prismaNamespaces: Set<string>;
  /** The library of a `sql` tag the imports say nothing about (a client built in another file). */
  defaultSqlDriver: SqlDriver;
  /** The file imports a SQL client library: evidence that `.query(x)` runs SQL. */
  importsSqlLibrary: boolean;
  /** Default and namespace imports of packages that name no database (`import jp from "jsonpath"`): no SQL client. */
  otherPackages: Set<string>;
  /** The file imports a GraphQL client: `.query(x)` there is GraphQL. */
  importsGraphqlClient: boolean;
}

/** A tagged template's tag, when it is a SQL tag. */
export interface SqlTag {
  driver: SqlDriver;
  /** The client the SQL runs through: `sql`, `prisma` for `prisma.$queryRaw`. */
  receiver: ts.Expression;
  /** False for Prisma's `Prisma.sql`, a fragment that only `$queryRaw`/`$executeRaw` run. */
  runs: boolean;
}

/** What a call inside a `${}` hole makes of it. */
export type BuilderCall =
  { kind: "identifier"; names: ts.StringLiteralLike[]; splitDots: boolean } | { kind: "value" } | { kind: "raw" };

export function fileDrivers(ts: TypeScript, sourceFile: ts.SourceFile): FileDrivers {
  const drivers: FileDrivers = {
    sqlTags: new Map(),
    namespaces: new Map(),
    prismaNamespaces: new Set(["Prisma"]),
    defaultSqlDriver: "postgres",
    importsSqlLibrary: false,
    importsGraphqlClient: false,
    otherPackages: new Set(),
  };
  for (const statement of sourceFile.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const from = statement.moduleSpecifier.text;
    const driver = moduleDriver(from);
    if (driver || SQL_CLIENT_MODULES.has(from)) drivers.importsSqlLibrary = true;
    if (GRAPHQL_MODULES.test(from)) drivers.importsGraphqlClient = true;
    if (driver === "slonik") drivers.defaultSqlDriver = "slonik"; // `const sql = createSqlTag(...)`
    const named = statement.importClause?.namedBindings;
    if (named && ts.isNamespaceImport(named) && driver) drivers.namespaces.set(named.name.text, driver);
    if (!driver && !SQL_CLIENT_MODULES.has(from) && NON_DATABASE_PACKAGE.test(from)) {
      const local = statement.importClause?.name ?? (named && ts.isNamespaceImport(named) ? named.name : undefined);
      if (local) drivers.otherPackages.add(local.text);
    }
    if (!named || !ts.isNamedImports(named)) continue;
    for (const el of named.elements) {
      const imported = (el.propertyName ?? el.name).text;
      if (imported === "sql" && driver) drivers.sqlTags.set(el.name.text, driver);
      if (imported === "Prisma") drivers.prismaNamespaces.add(el.name.text);
    }
  }
  return drivers;
}

/** The SQL tag a tagged template is written with, or undefined for any other tag (`gql`, `css`). */
export function sqlTagOf(ts: TypeScript, drivers: FileDrivers, tag: ts.Expression): SqlTag | undefined {
  if (ts.isIdentifier(tag)) {
    const driver = sqlTagDriver(ts, drivers, tag);
    return driver && { driver, receiver: tag, runs: driver !== "prisma" };
  }
  if (ts.isPropertyAccessExpression(tag)) {
    const name = tag.name.text;
    if (name === "$queryRaw" || name === "$executeRaw")
      return { driver: "prisma", receiver: tag.expression, runs: true };
    if ((name === "unsafe" || name === "fragment") && sqlTagDriver(ts, drivers, tag.expression)) {
      return { driver: "slonik", receiver: tag.expression, runs: true };
    }
    const driver = sqlTagDriver(ts, drivers, tag);
    return driver && { driver, receiver: tag, runs: driver !== "prisma" };
  }
  if (ts.isCallExpression(tag) && ts.isPropertyAccessExpression(tag.expression)) {
    const callee = tag.expression;
    const name = callee.name.text;
    if ((name === "type" || name === "typeAlias") && sqlTagDriver(ts, drivers, callee.expression)) {
      return { driver: "slonik", receiver: callee.expression, runs: true };
    }
  }
  return undefined;
}

/** The library of an expression that names a SQL tag: `sql`, an imported alias, `x.sql`, `Prisma.sql`. */
export function sqlTagDriver(ts: TypeScript, drivers: FileDrivers, expr: ts.Expression): SqlDriver | undefined {
  if (ts.isIdentifier(expr)) {
    return drivers.sqlTags.get(expr.text) ?? (expr.text === "sql" ? drivers.defaultSqlDriver : undefined);
  }
  if (ts.isPropertyAccessExpression(expr) && expr.name.text === "sql") {
    const owner = expr.expression;
    if (ts.isIdentifier(owner)) {
      if (drivers.prismaNamespaces.has(owner.text)) return "prisma";
      const driver = drivers.namespaces.get(owner.text);
      if (driver) return driver;
    }
    return drivers.defaultSqlDriver; // `this.sql`, `ctx.sql`
  }
  return undefined;
}

/**
 * What a call interpolated into a SQL tag produces: a quoted identifier (slonik
 * `sql.identifier(['a','b'])`, Kysely `sql.ref('a.b')`, Drizzle `sql.identifier('a')`,
 * postgres.js `sql('a')`), a bound value (`sql.array`, `sql.json`, `sql.val`...), raw text
 * (`sql.join`, `sql.raw`, `Prisma.raw`, `Prisma.join`...), or undefined for an ordinary call.
 */
export function builderCall(ts: TypeScript, drivers: FileDrivers, call: ts.CallExpression): BuilderCall | undefined {
  const callee = call.expression;
  if (ts.isIdentifier(callee)) {
    if (!sqlTagDriver(ts, drivers, callee)) return undefined;
    const names = literalNames(ts, call.arguments);
    return names?.length === 1 ? { kind: "identifier", names, splitDots: false } : { kind: "raw" };
  }
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const owner = callee.expression;
  const isPrisma = ts.isIdentifier(owner) && drivers.prismaNamespaces.has(owner.text);
  if (!isPrisma && !sqlTagDriver(ts, drivers, owner)) return undefined;
  const method = callee.name.text;
  if (IDENTIFIER_BUILDERS.has(method)) {
    const names = literalNames(ts, call.arguments);
    return names?.length
      ? { kind: "identifier", names, splitDots: method === "ref" || method === "table" }
      : { kind: "raw" };
  }
  return VALUE_BUILDERS.has(method) ? { kind: "value" } : { kind: "raw" };
}

// ---------------------------------------------------------------------------------------

const IDENTIFIER_BUILDERS = new Set(["identifier", "id", "ref", "table"]);
const VALUE_BUILDERS = new Set([
  "val",
  "value",
  "param",
  "placeholder",
  "lit",
  "literalValue",
  "array",
  "json",
  "jsonb",
  "binary",
  "date",
  "timestamp",
  "interval",
  "uuid",
]);

/** A bare npm package (not a project path or alias) whose name says nothing of a database. */
const NON_DATABASE_PACKAGE =
  /^(?![.~#/]|@\/)(?!.*(?:db|sql|pg|postgres|database|prisma|knex|drizzle|kysely|mysql|sqlite|sequelize|typeorm|mongo|redis|supabase|neon|planetscale|turso|libsql))/i;

const SQL_CLIENT_MODULES = new Set([
  "pg",
  "pg-pool",
  "pg-promise",
  "knex",
  "postgres",
  "sequelize",
  "typeorm",
  "mysql2",
]);
const GRAPHQL_MODULES = /^(?:@apollo\/client|apollo-|graphql-request|graphql-tag|@urql\/|urql$|graphql$)/;

function moduleDriver(from: string): SqlDriver | undefined {
  if (from === "drizzle-orm" || from.startsWith("drizzle-orm/")) return "drizzle";
  if (from === "kysely") return "kysely";
  if (from === "slonik") return "slonik";
  if (from.startsWith("@prisma/client")) return "prisma";
  if (from === "postgres" || from === "@vercel/postgres" || from === "@neondatabase/serverless") return "postgres";
  return undefined;
}

/** The string literals among the arguments (an array argument contributes its elements); undefined if any is not one. */
function literalNames(ts: TypeScript, args: readonly ts.Expression[]): ts.StringLiteralLike[] | undefined {
  const names: ts.StringLiteralLike[] = [];
  for (const arg of args) {
    const items = ts.isArrayLiteralExpression(arg) ? arg.elements : [arg];
    for (const item of items) {
      if (!ts.isStringLiteralLike(item) || item.text.includes('"')) return undefined;
      names.push(item);
    }
  }
  return names;
}

const VIEW_FACTORY = /^(?:pg|mysql|sqlite|singlestore)(?:Materialized)?View$/;

/** `pgMaterializedView("team_limits", {...}).as(sql\`SELECT ...\`)`: Drizzle's view definition. */
export function isViewDefinition(tsm: TypeScript, call: ts.CallExpression): boolean {
  const callee = call.expression;
  if (!tsm.isPropertyAccessExpression(callee) || callee.name.text !== "as") return false;
  let view = callee.expression;
  while (tsm.isCallExpression(view) && tsm.isPropertyAccessExpression(view.expression))
    view = view.expression.expression;
  return tsm.isCallExpression(view) && tsm.isIdentifier(view.expression) && VIEW_FACTORY.test(view.expression.text);
}

import type ts from "typescript";

/** The library a piece of SQL is handed to; decides placeholder syntax and fix idiom. */
export type SqlDriver =
  | "pg" // node-postgres pool/client.query(text | {text}, values)
  | "postgres" // postgres.js sql`...` and sql.unsafe(text, values)
  | "slonik" // sql.type(...)`...`, sql.unsafe`...`, sql.fragment`...`
  | "prisma" // $queryRaw`...`, Prisma.sql`...`, $queryRawUnsafe(text, ...values)
  | "knex" // knex.raw(text, bindings)
  | "drizzle" // sql`...` from drizzle-orm
  | "kysely" // sql`...` from kysely
  | "unknown";

/**
 * How interpolated or bound values appear to the database:
 * - `template`: `${v}` in a tagged template, sent as a bound parameter;
 * - `numbered`: `$1, $2` in the text, values passed beside it;
 * - `question`: knex `?` / `:name` bindings;
 * - `pgp`: pg-promise's `$1` and named `$(name)`, `${name}`, `$<name>`, `$[name]`, `$/name/`,
 *   with its modifiers (`:raw`/`^` text spliced in, `:name`/`~` an identifier, `:csv` a list).
 */
export type ParameterStyle = "template" | "numbered" | "question" | "pgp";

/** One `${...}` (or concatenated operand) inside the SQL text. */
export interface SqlHole {
  /** UTF-16 range of the placeholder in `SqlSite.sql`. */
  sqlStart: number;
  sqlEnd: number;
  /** The interpolated expression in the TS source. */
  expr: ts.Expression;
  /**
   * `value`: bound as a parameter (tagged template) or a plain value spliced in;
   * `fragment`: a nested SQL fragment whose text was inlined (slonik/postgres.js/Prisma.sql);
   * `raw`: text spliced in whose content is unknown (a clause, an identifier, `Prisma.raw`).
   */
  kind: "value" | "fragment" | "raw";
  /** A value spliced in where a table name goes that names no table tenantguard can tell (`FROM ${table}`). */
  unknownTable?: boolean;
  /** `$${i++}`: the number of a parameter the code counts at run time; which value it names is unknown. */
  counted?: boolean;
}

/** A SQL string found in a TypeScript file, ready for the parser. */
export interface SqlSite {
  driver: SqlDriver;
  /** The call or tagged-template expression that runs the SQL (where "unscoped client" points). */
  node: ts.Node;
  /** The client expression the SQL is sent through (`pool`, `prisma`, `sql`), when there is one. */
  receiver?: ts.Expression;
  /** The string or template node that holds the SQL text (may be a `const` initializer elsewhere in the file). */
  literal: ts.Node;
  /** SQL text with every hole replaced by a placeholder the parser accepts in value position. */
  sql: string;
  /** Maps a UTF-16 offset in `sql` to the UTF-16 offset in the file's text. Offsets inside a placeholder map to the hole's expression. */
  toFileOffset(sqlOffset: number): number;
  holes: SqlHole[];
  /** pg-promise: the value each named variable's `$N` stands for. */
  namedValues?: ReadonlyMap<number, ts.Expression>;
  parameterStyle: ParameterStyle;
  /** For `numbered`/`question`: the highest `$n` written in the text (0 when none). */
  maxParameter: number;
  /** The array literal holding the bound values (pg `values`, knex bindings), when it is one. */
  valuesArray?: ts.ArrayLiteralExpression;
  /** The call's argument list when values are passed as rest arguments (`$queryRawUnsafe(text, a, b)`). */
  restValuesCall?: ts.CallExpression;
  /**
   * Set when the SQL cannot be analyzed statically (built at run time, a variable we cannot
   * follow): the site becomes one `dynamic-sql` finding at `node` with this reason.
   */
  dynamic?: { reason: string; node: ts.Node };
}

// Schema-builder migrations as SQL: what Kysely's `db.schema.createTable("pages").addColumn(...)`
// and Knex's `knex.schema.createTable("pages", (t) => { t.uuid("workspace_id").references(...) })`
// leave behind, written as the CREATE TABLE / ALTER TABLE / DROP TABLE the database runs, so the
// migrations reader applies them like any SQL migration. Only what the tenant model needs is
// kept: tables, columns, NOT NULL, primary keys, foreign keys, renames and drops; types are the
// builder's when it names one plainly, `text` otherwise.
import type ts from "typescript";
import { constInitializer } from "../orm/chain";
import { callsChainedOn } from "../statements";

/** One statement: its SQL tokens and the span of the builder code it stands for. */
export interface BuilderStatement {
  start: number;
  end: number;
  tokens: string[];
}

interface Column {
  name: string;
  type: string;
  notNull?: boolean;
  primaryKey?: boolean;
  references?: { table: string; column?: string };
}

const KNEX_TYPES: Readonly<Record<string, string>> = {
  increments: "serial",
  bigIncrements: "bigserial",
  uuid: "uuid",
  string: "varchar",
  text: "text",
  integer: "int",
  bigInteger: "bigint",
  tinyint: "smallint",
  smallint: "smallint",
  boolean: "boolean",
  timestamp: "timestamptz",
  datetime: "timestamptz",
  date: "date",
  time: "time",
  json: "json",
  jsonb: "jsonb",
  float: "float8",
  double: "float8",
  decimal: "numeric",
  binary: "bytea",
  enu: "text",
  enum: "text",
  specificType: "text",
};

/** The schema-builder statements written in `body` (an `up` migration), in order. */
export function builderStatements(tsm: typeof ts, body: ts.Node): BuilderStatement[] {
  const out: BuilderStatement[] = [];
  const visit = (node: ts.Node): void => {
    const made = tsm.isCallExpression(node) ? statementAt(tsm, node) : undefined;
    if (made) {
      out.push(...made);
      return;
    }
    tsm.forEachChild(node, visit);
  };
  visit(body);
  return out;
}

/** Schema-builder calls that name a table and begin a statement (Knex chains several: `.createTable(a, ...).createTable(b, ...)`). */
const VERBS = new Set([
  "createTable",
  "createTableIfNotExists",
  "alterTable",
  "table",
  "dropTable",
  "dropTableIfExists",
  "renameTable",
]);

/** `x.schema.createTable(...)` (after `withSchema(...)` too) and every call chained on it. */
function statementAt(tsm: typeof ts, call: ts.CallExpression): BuilderStatement[] | undefined {
  const callee = call.expression;
  if (!tsm.isPropertyAccessExpression(callee) || !isSchema(tsm, callee.expression)) return undefined;
  const calls = callsChainedOn(tsm, call);
  const span = { start: call.getStart(), end: calls[calls.length - 1]!.getEnd() };
  const statements: BuilderStatement[] = [];
  let schema: string | undefined;
  // Each verb with the calls after it up to the next verb (Kysely's `.addColumn(...)`).
  for (let i = 0; i < calls.length; i++) {
    const c = calls[i]!;
    const method = (c.expression as ts.PropertyAccessExpression).name.text;
    if (method === "withSchema") schema = literal(tsm, c.arguments[0]);
    const table = VERBS.has(method) ? literal(tsm, c.arguments[0]) : undefined;
    if (!table) continue;
    let next = i + 1;
    while (next < calls.length && !VERBS.has((calls[next]!.expression as ts.PropertyAccessExpression).name.text))
      next++;
    const name = ident(schema ? `${schema}.${table}` : table);
    const tokens = tableStatements(tsm, method, name, c, calls.slice(i + 1, next));
    for (const t of tokens) statements.push({ ...span, tokens: t });
    i = next - 1;
  }
  return statements.length ? statements : undefined;
}

/** One verb's statements: CREATE TABLE, ALTER TABLE (several for renames), DROP TABLE. */
function tableStatements(
  tsm: typeof ts,
  verb: string,
  name: string,
  call: ts.CallExpression,
  modifiers: ts.CallExpression[],
): string[][] {
  if (verb === "dropTable" || verb === "dropTableIfExists") return [["DROP", "TABLE", name]];
  if (verb === "renameTable") {
    const to = literal(tsm, call.arguments[1]);
    return to ? [["ALTER", "TABLE", name, "RENAME", "TO", ident(to)]] : [];
  }
  const callback = call.arguments[1];
  const knex = callback && (tsm.isArrowFunction(callback) || tsm.isFunctionExpression(callback)) ? callback : undefined;
  const { columns, constraints, alterations } = knex ? knexTable(tsm, knex) : kyselyTable(tsm, modifiers);
  if (verb === "createTable" || verb === "createTableIfNotExists") {
    const parts = [...columns.map(columnTokens), ...constraints];
    return parts.length ? [["CREATE", "TABLE", name, "(", ...joinParts(parts), ")"]] : [];
  }
  const actions = [
    ...columns.map((c) => ["ADD", "COLUMN", ...columnTokens(c)]),
    ...constraints.map((c) => ["ADD", ...c]),
    ...alterations.filter((a) => a[0] === "DROP"),
  ];
  return [
    ...(actions.length ? [["ALTER", "TABLE", name, ...joinParts(actions)]] : []),
    ...alterations.filter((a) => a[0] === "RENAME").map((a) => ["ALTER", "TABLE", name, ...a]),
  ];
}

/** `db.schema`, `knex.schema`, `this.schema`, `trx.schema`. */
function isSchema(tsm: typeof ts, e: ts.Expression): boolean {
  return tsm.isPropertyAccessExpression(e) && e.name.text === "schema";
}

interface TableParts {
  columns: Column[];
  /** Table constraints as tokens (`PRIMARY KEY (a, b)`, `FOREIGN KEY (c) REFERENCES p (id)`). */
  constraints: string[][];
  /** `DROP COLUMN x`, `RENAME COLUMN a TO b`, `RENAME TO t`. */
  alterations: string[][];
}

/** Kysely: `.addColumn(name, type, (col) => col.references("p.id").notNull())`, `.addPrimaryKeyConstraint(...)`. */
function kyselyTable(tsm: typeof ts, chain: ts.CallExpression[]): TableParts {
  const parts: TableParts = { columns: [], constraints: [], alterations: [] };
  for (const call of chain) {
    const method = (call.expression as ts.PropertyAccessExpression).name.text;
    const [a, b, c, d] = call.arguments;
    if (method === "addColumn") {
      const name = literal(tsm, a);
      if (!name) continue;
      const column: Column = { name, type: plainType(literal(tsm, b)) };
      const build = c && (tsm.isArrowFunction(c) || tsm.isFunctionExpression(c)) ? c : undefined;
      if (build) for (const m of modifierCalls(tsm, bodyExpression(tsm, build))) applyModifier(tsm, column, m);
      parts.columns.push(column);
    } else if (method === "addPrimaryKeyConstraint") {
      const cols = literalList(tsm, b);
      if (cols) parts.constraints.push(["PRIMARY", "KEY", "(", ...joinNames(cols), ")"]);
    } else if (method === "addForeignKeyConstraint") {
      const cols = literalList(tsm, b);
      const parent = literal(tsm, c);
      const parentCols = literalList(tsm, d);
      if (cols && parent && parentCols)
        parts.constraints.push([
          "FOREIGN", "KEY", "(", ...joinNames(cols), ")", "REFERENCES", ident(parent), "(", ...joinNames(parentCols), ")",
        ]); // prettier-ignore
    } else if (method === "dropColumn") {
      const name = literal(tsm, a);
      if (name) parts.alterations.push(["DROP", "COLUMN", ident(name)]);
    } else if (method === "renameColumn") {
      const [from, to] = [literal(tsm, a), literal(tsm, b)];
      if (from && to) parts.alterations.push(["RENAME", "COLUMN", ident(from), "TO", ident(to)]);
    } else if (method === "renameTo") {
      const to = literal(tsm, a);
      if (to) parts.alterations.push(["RENAME", "TO", ident(to)]);
    }
  }
  return parts;
}

/** Knex: `(t) => { t.uuid("workspace_id").notNullable().references("id").inTable("workspaces"); t.primary([...]) }`. */
function knexTable(tsm: typeof ts, callback: ts.ArrowFunction | ts.FunctionExpression): TableParts {
  const parts: TableParts = { columns: [], constraints: [], alterations: [] };
  const param = callback.parameters[0]?.name;
  if (!param || !tsm.isIdentifier(param)) return parts;
  const statements = tsm.isBlock(callback.body) ? callback.body.statements.map((s) => s) : [callback.body];
  for (const st of statements) {
    const e = tsm.isExpressionStatement(st)
      ? st.expression
      : tsm.isExpression(st as ts.Node)
        ? (st as ts.Expression)
        : undefined;
    const calls = e ? modifierCalls(tsm, e) : [];
    const head = calls[0];
    // The chain must start at the table parameter: `t.uuid(...)`.
    if (!head || !tsm.isPropertyAccessExpression(head.expression)) continue;
    const root = head.expression.expression;
    if (!tsm.isIdentifier(root) || root.text !== param.text) continue;
    const method = head.expression.name.text;
    const first = literal(tsm, head.arguments[0]);
    if (method === "primary") {
      const cols = literalList(tsm, head.arguments[0]) ?? (first ? [first] : undefined);
      if (cols) parts.constraints.push(["PRIMARY", "KEY", "(", ...joinNames(cols), ")"]);
    } else if (method === "foreign") {
      const cols = literalList(tsm, head.arguments[0]) ?? (first ? [first] : undefined);
      const target: Column = { name: "", type: "" };
      for (const m of calls.slice(1)) applyModifier(tsm, target, m);
      if (cols && target.references)
        parts.constraints.push([
          "FOREIGN", "KEY", "(", ...joinNames(cols), ")", "REFERENCES", ident(target.references.table),
          ...(target.references.column ? ["(", ident(target.references.column), ")"] : []),
        ]); // prettier-ignore
    } else if (method === "dropColumn" && first) {
      parts.alterations.push(["DROP", "COLUMN", ident(first)]);
    } else if (method === "renameColumn" && first) {
      const to = literal(tsm, head.arguments[1]);
      if (to) parts.alterations.push(["RENAME", "COLUMN", ident(first), "TO", ident(to)]);
    } else if (method === "timestamps") {
      parts.columns.push({ name: "created_at", type: "timestamptz" }, { name: "updated_at", type: "timestamptz" });
    } else if (method in KNEX_TYPES) {
      const increments = method === "increments" || method === "bigIncrements";
      // `t.increments()` names its column `id`.
      const name = first ?? (increments ? "id" : undefined);
      // `.alter()` changes a column that is there already.
      if (!name || calls.some((m) => (m.expression as ts.PropertyAccessExpression).name.text === "alter")) continue;
      const column: Column = { name, type: KNEX_TYPES[method]!, ...(increments && { primaryKey: true }) };
      for (const m of calls.slice(1)) applyModifier(tsm, column, m);
      parts.columns.push(column);
    }
  }
  return parts;
}

/** `col.references("pages.id").onDelete("cascade").notNull()`: the calls in order, innermost first. */
function modifierCalls(tsm: typeof ts, e: ts.Expression | undefined): ts.CallExpression[] {
  const calls: ts.CallExpression[] = [];
  let cur = e;
  while (cur && tsm.isCallExpression(cur) && tsm.isPropertyAccessExpression(cur.expression)) {
    calls.unshift(cur);
    cur = cur.expression.expression;
  }
  return calls;
}

function applyModifier(tsm: typeof ts, column: Column, call: ts.CallExpression): void {
  const method = (call.expression as ts.PropertyAccessExpression).name.text;
  const arg = literal(tsm, call.arguments[0]);
  if (method === "notNull" || method === "notNullable") column.notNull = true;
  else if (method === "primaryKey" || method === "primary") column.primaryKey = true;
  else if (method === "references" && arg) {
    // `references("pages.id")`, or Knex's `references("id").inTable("pages")`.
    const dot = arg.lastIndexOf(".");
    column.references = dot > 0 ? { table: arg.slice(0, dot), column: arg.slice(dot + 1) } : { table: "", column: arg };
  } else if (method === "inTable" && arg && column.references) column.references.table = arg;
}

function columnTokens(c: Column): string[] {
  const refs = c.references?.table
    ? ["REFERENCES", ident(c.references.table), ...(c.references.column ? ["(", ident(c.references.column), ")"] : [])]
    : [];
  return [
    ident(c.name),
    ...c.type.split(" "),
    ...(c.primaryKey ? ["PRIMARY", "KEY"] : []),
    ...(c.notNull ? ["NOT", "NULL"] : []),
    ...refs,
  ];
}

function bodyExpression(tsm: typeof ts, fn: ts.ArrowFunction | ts.FunctionExpression): ts.Expression | undefined {
  if (!tsm.isBlock(fn.body)) return fn.body;
  const ret = fn.body.statements.find(tsm.isReturnStatement);
  return ret?.expression;
}

/**
 * Per migration file, the string enum members it may name tables by (`TableName.Webhook`:
 * "webhooks"), its own or imported; filled by the caller before the builder is read.
 */
export const enumStrings = new WeakMap<ts.SourceFile, ReadonlyMap<string, string>>();

/**
 * A string literal, or a name for one: `const ValidationTableName = "validations"` in the file
 * (lightdash), a string enum member (`TableName.Webhook`, infisical).
 */
function literal(tsm: typeof ts, e: ts.Expression | undefined): string | undefined {
  if (e && tsm.isPropertyAccessExpression(e) && tsm.isIdentifier(e.expression))
    return enumStrings.get(e.getSourceFile())?.get(`${e.expression.text}.${e.name.text}`);
  const x = e && tsm.isIdentifier(e) ? constInitializer(tsm, e) : e;
  return x && (tsm.isStringLiteral(x) || tsm.isNoSubstitutionTemplateLiteral(x)) ? x.text : undefined;
}

function literalList(tsm: typeof ts, e: ts.Expression | undefined): string[] | undefined {
  if (!e || !tsm.isArrayLiteralExpression(e)) return undefined;
  const out = e.elements.map((x) => literal(tsm, x));
  return out.every((x): x is string => x !== undefined) && out.length ? out : undefined;
}

/** A type the builder names plainly (`uuid`, `varchar(255)`, `double precision`); `text` for anything else. */
function plainType(type: string | undefined): string {
  return type && /^[a-z][a-z0-9_]*(?: [a-z][a-z0-9_]*)?(?:\(\d+(?:,\d+)?\))?$/i.test(type) ? type : "text";
}

/**
 * A name as SQL: bare when Postgres would keep it as written and it is no keyword a column cannot
 * be named without quotes (`order`, `user`), quoted otherwise; `schema.table` per part.
 */
function ident(name: string): string {
  return name
    .split(".")
    .map((part) => (/^[a-z_][a-z0-9_]*$/.test(part) && !RESERVED.has(part) ? part : `"${part.replace(/"/g, '""')}"`))
    .join(".");
}

/** Postgres's reserved and type/function-name keywords: no bare column or table name. */
const RESERVED = new Set(
  (
    "all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create " +
    "current_catalog current_date current_role current_time current_timestamp current_user default deferrable desc " +
    "distinct do else end except false fetch for foreign from grant group having in initially intersect into lateral " +
    "leading limit localtime localtimestamp not null offset on only or order placing primary references returning " +
    "select session_user some symmetric system_user table then to trailing true union unique user using variadic when " +
    "where window with authorization binary collation concurrently cross current_schema freeze full ilike inner is " +
    "isnull join left like natural notnull outer overlaps right similar tablesample verbose"
  ).split(" "),
);

function joinNames(names: string[]): string[] {
  return joinParts(names.map((n) => [ident(n)]));
}

function joinParts(parts: string[][]): string[] {
  return parts.flatMap((p, i) => (i === 0 ? p : [",", ...p]));
}

/** Punctuation needs no space around it: `CREATE TABLE d(id serial,org_id uuid)`. */
const PUNCTUATION = new Set(["(", ")", ",", ";"]);

/**
 * Writes `tokens` into `out` (the blanked migration text, one character per slot) from `start`
 * on: each token whole on one line, in blank slots, and no text of another statement (a kept SQL
 * literal) between its first token and its last, so line numbers stay the file's and statements
 * stay apart. The builder's own code is usually room enough; a terse one (`createTable("d", (t) =>
 * { t.timestamps(); })`) runs on into the blank text after it. When the file has no such room
 * left, the statement is appended after its last line. Returns where the next statement may start.
 */
export function layTokens(out: string[], start: number, tokens: readonly string[]): number {
  for (let begin = start; begin < out.length;) {
    const placed = place(out, begin, tokens);
    if (typeof placed !== "number") {
      for (const [pos, token] of placed.tokens) for (let i = 0; i < token.length; i++) out[pos + i] = token[i]!;
      return placed.end;
    }
    begin = placed; // past the text in the way: start the whole statement again after it
  }
  // No room left in the file: after its last line, where nothing follows.
  const end = out.length;
  out.push(" ", tokens.join(" "));
  return end;
}

/**
 * The token positions from `begin`, or where to start again when text that is not blank (not
 * this statement's) stands in the way.
 */
function place(
  out: readonly string[],
  begin: number,
  tokens: readonly string[],
): { tokens: [number, string][]; end: number } | number {
  const placed: [number, string][] = [];
  let at = begin;
  let glued = true; // no space needed before the first token
  for (const token of tokens) {
    if (!glued && !PUNCTUATION.has(token)) at++;
    for (;;) {
      if (at + token.length > out.length) return out.length;
      const slot = out.slice(at, at + token.length + 1);
      const text = slot.findIndex((c) => c !== " " && c !== "\n");
      if (text >= 0) return at + text + 1; // another statement's text: this one may not straddle it
      const newline = slot.indexOf("\n");
      if (newline < 0 || newline === token.length) break;
      at += newline + 1; // a token never spans lines
    }
    placed.push([at, token]);
    at += token.length;
    glued = PUNCTUATION.has(token);
  }
  return { tokens: placed, end: at };
}

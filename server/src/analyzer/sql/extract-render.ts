// A site's SQL as the parser will see it: its parts joined, every hole replaced by a
// placeholder the Postgres grammar accepts there, and the parameters it already has counted.
import type ts from "typescript";
import { mappedOffset, MappedTextBuilder, type MappedText } from "./extract-text";
import type { ParameterStyle, SqlHole } from "./site";

/** A piece of a site's SQL before placeholders are numbered. */
export type SqlPart =
  | { kind: "text"; text: MappedText }
  /** `fileStart..fileEnd` is the source of the hole: `${expr}` with its braces, or a concatenated operand. */
  | { kind: "hole"; hole: "value" | "raw"; expr: ts.Expression; fileStart: number; fileEnd: number }
  /** `after`: the file offset past the `${...}`, where what follows the fragment goes (a fix's new predicate). */
  | { kind: "fragment"; expr: ts.Expression; parts: SqlPart[]; after?: number };

/** knex / Sequelize bindings, for `question` style. */
export interface QuestionBindings {
  /** Named (`:name`, `:name:`) when the bindings are an object; positional (`?`, `??`) otherwise. */
  named: boolean;
  /** The keys of a bindings object literal; undefined when unknown (every `:name` then counts). */
  keys?: ReadonlySet<string>;
  /** The expression that supplies a binding (0-based position or name), for identifier holes. */
  bindingExpr(binding: number | string): ts.Expression;
}

export interface RenderedSql {
  sql: string;
  toFileOffset(sqlOffset: number): number;
  holes: SqlHole[];
  maxParameter: number;
  /** pg-promise: the value each named variable's `$N` stands for (`id` of `{ id }` for `$(id)`). */
  namedValues?: Map<number, ts.Expression>;
}

/**
 * Numbers the placeholders and produces the site's SQL. Holes become `$N` with N from
 * `maxParameter + 1`, `($N)` right after `IN` and the quoted identifier `"$N"` where a
 * table name is expected (`FROM ${table}`), so the statement still parses. Every char of a
 * placeholder maps to the start of the hole's source (the `$` of `${`).
 */
export function renderSql(
  parts: SqlPart[],
  style: ParameterStyle,
  fallbackOffset: number,
  bindings?: QuestionBindings,
  /** The table a value spliced in where a table name goes names (`${orders}`, `${sql.identifier(["roles"])}`). */
  tableName?: (expr: ts.Expression) => string | undefined,
  /** The name a value spliced in elsewhere is an identifier of (`${sql.identifier(["tenant_id"])}`). */
  identifier?: (expr: ts.Expression) => string | undefined,
): RenderedSql {
  const numbered = style !== "question" && hasDollar(parts) ? highestDollarParameter(skeletonOf(parts)) : 0;
  const maxParameter =
    style === "question"
      ? countQuestionBindings(parts, bindings)
      : style === "pgp"
        ? numbered + countPgpNames(parts)
        : numbered;
  const out = new MappedTextBuilder();
  const holes: SqlHole[] = [];
  let nextHole = maxParameter + 1;
  let positional = 0;
  const named = new Map<string, number>();
  const namedValues = new Map<number, ts.Expression>();

  const emitHole = (
    expr: ts.Expression,
    kind: SqlHole["kind"],
    fileStart: number,
    fileEnd: number,
    shape?: "identifier",
  ) => {
    const tail = out.tail();
    let placeholder = `$${nextHole++}`;
    let unknownTable = false;
    // `$${i++}`: a parameter whose number the code counts at run time; the `$` is written, the hole is its number.
    const counted = style !== "question" && /(?<![$\w])\$$/.test(tail);
    if (counted) {
      placeholder = placeholder.slice(1);
      kind = "value";
    } else if (shape === "identifier" || (TABLE_POSITION.test(tail) && !DISTINCT_FROM.test(tail))) {
      // A value where a table name goes is a spliced identifier (a Drizzle table object): its
      // table when it can be told, else `"$N"`, which names no table (analyze.ts notes it).
      const tablePosition = TABLE_POSITION.test(tail);
      const table = tablePosition ? tableName?.(expr) : undefined;
      placeholder = table ? quoteIdentifier(table) : `"${placeholder}"`;
      unknownTable = tablePosition && !table;
      kind = "raw";
    } else if (identifier?.(expr)) {
      // `${fields.tenantId}` of slonik's `sql.identifier(["tenant_id"])`: the column, as written.
      placeholder = quoteIdentifier(identifier(expr)!);
      kind = "raw";
    } else if (IN_POSITION.test(tail)) {
      placeholder = `(${placeholder})`;
    }
    // `"... FROM invoices" + where`: glued to a word, `$N` would become part of the identifier
    // (`invoices$1`); a space keeps it a separate token, as the spliced text would have to be.
    if (!counted && /[\p{L}\p{N}_$]$/u.test(tail)) out.appendPoint(" ", fileStart, fileStart);
    const sqlStart = out.text.length;
    out.appendPoint(placeholder, fileStart, fileEnd);
    holes.push({
      sqlStart,
      sqlEnd: out.text.length,
      expr,
      kind,
      ...(unknownTable && { unknownTable }),
      ...(counted && { counted }),
    });
  };

  const emitQuestionText = (text: MappedText) => {
    let done = 0;
    for (const token of questionTokens(text.text, bindings)) {
      out.append(text, done, token.start);
      done = token.end;
      const fileStart = mappedOffset(text, token.start);
      const fileEnd = mappedOffset(text, token.end - 1) + 1;
      if (token.kind === "escape") {
        done = token.start + 1; // knex drops the backslash and keeps the `?` / `:` as text
      } else if (token.kind === "identifier") {
        const key = token.name ?? positional++;
        emitHole(bindings!.bindingExpr(key), "raw", fileStart, fileEnd, "identifier");
      } else if (token.name === undefined) {
        out.appendPoint(`$${++positional}`, fileStart, fileEnd);
      } else {
        if (!named.has(token.name)) {
          named.set(token.name, named.size + 1);
          // Sequelize's `:taskId` with `replacements: { taskId: record.id }`: the value the flow follows.
          if (bindings?.keys?.has(token.name)) namedValues.set(named.size, bindings.bindingExpr(token.name));
        }
        out.appendPoint(`$${named.get(token.name)}`, fileStart, fileEnd);
      }
    }
    out.append(text, done);
  };

  // pg-promise: a named value is `$N` after the numbered ones; `:raw` text and `:name` identifiers are holes.
  const emitPgpText = (text: MappedText) => {
    let done = 0;
    for (const token of pgpTokens(text.text)) {
      out.append(text, done, token.start);
      done = token.end;
      const fileStart = mappedOffset(text, token.start);
      const fileEnd = mappedOffset(text, token.end - 1) + 1;
      const binding = typeof token.key === "number" ? token.key - 1 : token.key;
      if (token.kind === "identifier")
        emitHole(bindings!.bindingExpr(binding), "raw", fileStart, fileEnd, "identifier");
      else if (token.kind === "raw") emitHole(bindings!.bindingExpr(binding), "raw", fileStart, fileEnd);
      else if (typeof token.key === "number") out.appendPoint(`$${token.key}`, fileStart, fileEnd);
      else {
        if (!named.has(token.key)) {
          named.set(token.key, numbered + named.size + 1);
          namedValues.set(numbered + named.size, bindings!.bindingExpr(token.key));
        }
        out.appendPoint(`$${named.get(token.key)}`, fileStart, fileEnd);
      }
    }
    out.append(text, done);
  };

  const emit = (list: SqlPart[]) => {
    for (const part of list) {
      if (part.kind === "text") {
        if (style === "question") emitQuestionText(part.text);
        else if (style === "pgp") emitPgpText(part.text);
        else out.append(part.text);
      } else if (part.kind === "hole") {
        emitHole(part.expr, part.hole, part.fileStart, part.fileEnd);
      } else {
        const hole: SqlHole = { sqlStart: out.text.length, sqlEnd: 0, expr: part.expr, kind: "fragment" };
        holes.push(hole); // before its nested holes, so `holes` stays sorted by position
        emit(part.parts);
        hole.sqlEnd = out.text.length;
        // A space that stands for the `}`: text added after the fragment lands beside the call, not in the function.
        if (part.after !== undefined) out.appendPoint(" ", part.after, part.after);
      }
    }
  };
  emit(parts);
  return {
    sql: out.text,
    toFileOffset: out.mapper(fallbackOffset),
    holes,
    maxParameter,
    ...(namedValues.size && { namedValues }),
  };
}
const SQL_START =
  /^(?:select|insert|update|delete|with|merge|values|table|create|alter|drop|set|reset|show|begin|start|commit|rollback|savepoint|release|truncate|grant|revoke|call|do|explain|analyze|vacuum|refresh|lock|copy|notify|listen|declare|fetch|prepare|deallocate|discard|comment)\b/i;

/** SQL-looking: after whitespace and comments, it starts with a statement keyword or `(`. */
export function looksLikeSql(sql: string): boolean {
  const i = skipSpaceAndComments(sql, 0);
  return sql.charCodeAt(i) === 0x28 /* ( */ || SQL_START.test(sql.slice(i, i + 12));
}

// ---------------------------------------------------------------------------------------

/** `billing.invoices` -> `"billing"."invoices"`. */
function quoteIdentifier(name: string): string {
  return name.replace(/[^.]+/g, (n) => `"${n.replace(/"/g, '""')}"`);
}

const TABLE_POSITION = /\b(?:from|join|into|update|table|only|truncate)\s*$/i;
const IN_POSITION = /\bin\s*$/i;
const DISTINCT_FROM = /\bdistinct\s+from\s*$/i; // `IS DISTINCT FROM ${v}` compares a value
function hasDollar(parts: SqlPart[]): boolean {
  return parts.some((p) =>
    p.kind === "text" ? p.text.text.includes("$") : p.kind === "fragment" && hasDollar(p.parts),
  );
}

/** Text parts joined, each hole as ` 0 `: enough to find `$n` and quotes across holes. */
function skeletonOf(parts: SqlPart[]): string {
  let s = "";
  for (const part of parts) {
    if (part.kind === "text") s += part.text.text;
    else if (part.kind === "hole") s += " 0 ";
    else s += skeletonOf(part.parts);
  }
  return s;
}

/** The highest `$n` outside quotes, comments and dollar-quoted bodies (0 when none). */
function highestDollarParameter(sql: string): number {
  let max = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      const close = sql.indexOf(c, i + 1);
      i = close < 0 ? sql.length : close + 1; // a doubled quote just reopens: same result
    } else if ((c === "-" && sql[i + 1] === "-") || (c === "/" && sql[i + 1] === "*")) {
      i = skipSpaceAndComments(sql, i);
    } else if (c === "$" && !isIdentChar(sql.charCodeAt(i - 1))) {
      let j = i + 1;
      while (j < sql.length && isDigit(sql.charCodeAt(j))) j++;
      if (j > i + 1) {
        if (j - i <= 10) max = Math.max(max, parseInt(sql.slice(i + 1, j), 10));
        i = j;
        continue;
      }
      while (j < sql.length && isIdentChar(sql.charCodeAt(j)) && sql[j] !== "$") j++;
      if (sql[j] === "$") {
        const tag = sql.slice(i, j + 1); // `$$` or `$tag$`: skip the dollar-quoted body
        const close = sql.indexOf(tag, j + 1);
        i = close < 0 ? sql.length : close + tag.length;
      } else {
        i = j;
      }
    } else {
      i++;
    }
  }
  return max;
}

function countQuestionBindings(parts: SqlPart[], bindings: QuestionBindings | undefined): number {
  let positional = 0;
  const names = new Set<string>();
  const visit = (list: SqlPart[]) => {
    for (const part of list) {
      if (part.kind === "fragment") visit(part.parts);
      if (part.kind !== "text") continue;
      for (const token of questionTokens(part.text.text, bindings)) {
        if (token.kind === "escape") continue;
        if (token.name === undefined) positional++;
        else if (token.kind === "value") names.add(token.name);
      }
    }
  };
  visit(parts);
  return bindings?.named ? names.size : positional;
}

function countPgpNames(parts: SqlPart[]): number {
  const names = new Set<string>();
  const visit = (list: SqlPart[]) => {
    for (const part of list) {
      if (part.kind === "fragment") visit(part.parts);
      if (part.kind !== "text") continue;
      for (const token of pgpTokens(part.text.text))
        if (token.kind === "value" && typeof token.key === "string") names.add(token.key);
    }
  };
  visit(parts);
  return names.size;
}

interface PgpToken {
  start: number;
  end: number;
  kind: "value" | "identifier" | "raw";
  /** The property name (`$(id)`) or the 1-based position (`$1:raw`). */
  key: string | number;
}

/** `$(name)`, `${name}`, `$<name>`, `$[name]`, `$/name/` with an optional modifier; `$1` only with one. */
const PGP_VARIABLE =
  /\$(?:\(\s*([\w$.]+)\s*(\^|~|:\w+)?\s*\)|\{\s*([\w$.]+)\s*(\^|~|:\w+)?\s*\}|<\s*([\w$.]+)\s*(\^|~|:\w+)?\s*>|\[\s*([\w$.]+)\s*(\^|~|:\w+)?\s*\]|\/\s*([\w$.]+)\s*(\^|~|:\w+)?\s*\/|(\d+)(\^|~|:\w+))/g;

/** pg-promise's formatting variables: modifiers decide what reaches the SQL text. */
function pgpTokens(text: string): PgpToken[] {
  const tokens: PgpToken[] = [];
  if (!text.includes("$")) return tokens;
  PGP_VARIABLE.lastIndex = 0;
  for (let m = PGP_VARIABLE.exec(text); m; m = PGP_VARIABLE.exec(text)) {
    const groups = m.slice(1);
    let name: string | undefined;
    let modifier: string | undefined;
    for (let i = 0; i < groups.length; i += 2)
      if (groups[i] !== undefined) {
        name = groups[i];
        modifier = groups[i + 1];
        break;
      }
    if (name === undefined) continue;
    const kind =
      modifier === "^" || modifier === ":raw" || modifier === ":value"
        ? "raw"
        : modifier === "~" || modifier === ":name" || modifier === ":alias"
          ? "identifier"
          : "value";
    const key = /^\d+$/.test(name) ? Number(name) : name;
    tokens.push({ start: m.index, end: m.index + m[0].length, kind, key });
  }
  return tokens;
}

interface QuestionToken {
  start: number;
  end: number;
  kind: "value" | "identifier" | "escape";
  /** The binding name for named bindings. */
  name?: string;
}

/**
 * knex's binding syntax: positional `?` (value) and `??` (identifier), or with an object
 * `:name` (value) and `:name:` (identifier); a backslash escapes either. Like knex, `?`
 * inside quotes counts too, while `::type` casts are not bindings.
 */
function questionTokens(text: string, bindings: QuestionBindings | undefined): QuestionToken[] {
  const tokens: QuestionToken[] = [];
  if (!bindings?.named) {
    for (let i = text.indexOf("?"); i >= 0; i = text.indexOf("?", i)) {
      if (text[i - 1] === "\\") {
        tokens.push({ start: i - 1, end: i + 1, kind: "escape" });
        i++;
      } else if (text[i + 1] === "?") {
        tokens.push({ start: i, end: i + 2, kind: "identifier" });
        i += 2;
      } else {
        tokens.push({ start: i, end: i + 1, kind: "value" });
        i++;
      }
    }
    return tokens;
  }
  const re = /:(\w+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const start = m.index;
    if (text[start - 1] === ":") continue; // `::type`
    if (bindings.keys && !bindings.keys.has(m[1])) continue; // knex leaves unknown keys as text
    if (text[start - 1] === "\\") {
      tokens.push({ start: start - 1, end: start + 1, kind: "escape" });
      continue;
    }
    let end = re.lastIndex;
    const identifier = text[end] === ":" && (text[end + 1] !== ":" || text.startsWith(":::", end));
    if (identifier) end++;
    re.lastIndex = end;
    tokens.push({ start, end, kind: identifier ? "identifier" : "value", name: m[1] });
  }
  return tokens;
}

/** Skips whitespace, `-- line` and (nested) `/* block *\/` comments from `i`. */
function skipSpaceAndComments(sql: string, i: number): number {
  for (;;) {
    while (i < sql.length && /\s/.test(sql[i])) i++;
    if (sql.startsWith("--", i)) {
      const nl = sql.indexOf("\n", i);
      i = nl < 0 ? sql.length : nl + 1;
    } else if (sql.startsWith("/*", i)) {
      let depth = 1;
      i += 2;
      while (i < sql.length && depth > 0) {
        if (sql.startsWith("/*", i)) {
          depth++;
          i += 2;
        } else if (sql.startsWith("*/", i)) {
          depth--;
          i += 2;
        } else {
          i++;
        }
      }
    } else {
      return i;
    }
  }
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isIdentChar(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x24 || c > 0x7f;
}

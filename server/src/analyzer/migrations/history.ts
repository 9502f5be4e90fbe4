// The migration state the RLS checks judge: the tables of model/migrations.ts (columns, RLS
// flags, policies), plus what the tenant model does not keep: roles, row_security settings,
// SECURITY DEFINER functions, views, and where RLS was switched off after being on. Statements
// are applied in order, so a later migration that fixes an earlier one clears it.
import type { Node } from "@pgsql/types";
import { applyStatement, compareNatural, type MigrationState, type MigrationTable } from "../model/migrations";
import type { ModelSource } from "../model/types";
import { as, list, names, walk } from "../sql/ast";
import { ClauseTokens } from "../sql/clauses";
import type { ParsedSql, SqlParser } from "../sql/parse";
import type ts from "typescript";
import type { AnalyzerFileSystem, InputError } from "../types";
import { isScriptMigration, sqlOfScriptMigration } from "./ts-migrations";

/** Where a statement is: its first line, 1-based, end column just after the last character. */
export interface StatementSite {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface RoleState {
  name: string;
  bypassRls: boolean;
  superuser: boolean;
  /** The last statement that gave the role BYPASSRLS or SUPERUSER. */
  site: StatementSite;
}

export interface RowSecurityOff {
  /** `session` (SET), `role` (ALTER ROLE ... SET), `database` (ALTER DATABASE ... SET). */
  scope: "session" | "role" | "database";
  target?: string;
  site: StatementSite;
}

/** A statement of a function body, parsed, for the scope checker. */
export interface BodyStatement {
  sql: string;
  parsed: ParsedSql;
  tokens: ClauseTokens;
}

export interface DefinerFunction {
  name: string;
  language: string;
  /** The body statements that parsed; plpgsql bodies are read statement by statement. */
  body: BodyStatement[];
  site: StatementSite;
}

export interface ViewState {
  name: string;
  schema?: string;
  materialized: boolean;
  securityInvoker: boolean;
  /** Relations the view's query reads (unqualified, as written). */
  reads: string[];
  site: StatementSite;
}

export interface MigrationHistory {
  /** Each file's text, for suppression comments. */
  files: Map<string, string>;
  tables: MigrationState;
  /** Table key -> the DISABLE ROW LEVEL SECURITY that left an enabled table disabled. */
  disabledAfterEnable: Map<string, StatementSite>;
  /** Table key -> the NO FORCE ROW LEVEL SECURITY that left a forced table unforced. */
  unforcedAfterForce: Map<string, StatementSite>;
  /** Roles whose final attributes include BYPASSRLS or SUPERUSER. */
  roles: Map<string, RoleState>;
  rowSecurityOff: RowSecurityOff[];
  definerFunctions: Map<string, DefinerFunction>;
  views: Map<string, ViewState>;
  /** Every statement's site by `file:line:column` of its start (how ModelSource points at it). */
  sites: Map<string, StatementSite>;
  /** DO blocks and other statements static reading cannot follow (db-check can). */
  opaque: StatementSite[];
  errors: InputError[];
}

/**
 * Reads the files in natural path order (as readMigrations does) into a history. `.ts`/`.js`
 * migrations contribute the SQL literals of their `up` migration (ts-migrations.ts).
 */
export function readMigrationHistory(
  fs: AnalyzerFileSystem,
  files: readonly string[],
  parser: SqlParser,
  tsModule?: typeof ts,
): MigrationHistory {
  const history = emptyHistory();
  for (const file of [...files].sort(compareNatural)) {
    const text = migrationSql(fs, file, tsModule);
    if (text === undefined) history.errors.push({ file, message: `cannot read migration ${file}` });
    else applyMigrationText(history, parser, file, text);
  }
  return history;
}

/** A migration's SQL: the file itself, or for a script migration its `up` SQL at the same offsets. */
export function migrationSql(fs: AnalyzerFileSystem, file: string, tsModule?: typeof ts): string | undefined {
  const text = fs.readFile(file);
  if (text === undefined || !isScriptMigration(file)) return text;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return sqlOfScriptMigration(text, file, tsModule ?? (require("typescript") as typeof ts));
}

export function emptyHistory(): MigrationHistory {
  return {
    files: new Map(),
    tables: new Map(),
    disabledAfterEnable: new Map(),
    unforcedAfterForce: new Map(),
    roles: new Map(),
    rowSecurityOff: [],
    definerFunctions: new Map(),
    views: new Map(),
    sites: new Map(),
    opaque: [],
    errors: [],
  };
}

/** Applies one file; a file that does not parse is reported and left out whole. */
export function applyMigrationText(history: MigrationHistory, parser: SqlParser, file: string, text: string): void {
  history.files.set(file, text);
  if (text.trim() === "") return;
  const parsed = parser.parse(text);
  const lines = lineStarts(text);
  if ("error" in parsed) {
    history.errors.push({
      file,
      message: `SQL syntax error: ${parsed.error.message}`,
      ...position(lines, parsed.error.position),
    });
    return;
  }
  for (const raw of parsed.tree.stmts ?? []) {
    if (!raw.stmt) continue;
    const start = parsed.toCharOffset(raw.stmt_location ?? 0);
    const end = raw.stmt_len === undefined ? text.length : parsed.toCharOffset((raw.stmt_location ?? 0) + raw.stmt_len);
    const site = siteOf(file, text, lines, start, end);
    history.sites.set(`${file}:${site.line}:${site.column}`, site);
    const source = (): ModelSource => ({ file, kind: "migration", line: site.line, column: site.column });
    const before = snapshotRls(history.tables);
    applyStatement(history.tables, raw.stmt, source);
    trackRlsChanges(history, before, site);
    applyExtra(history, parser, raw.stmt, site);
  }
}

/** `schema.name` key of a table, as model/migrations.ts keys its state. */
export function tableKey(table: Pick<MigrationTable, "schema" | "name">): string {
  return `${table.schema ?? "public"}.${table.name}`;
}

function snapshotRls(tables: MigrationState): Map<string, { enabled: boolean; forced: boolean }> {
  return new Map([...tables].map(([key, t]) => [key, { ...t.rls }]));
}

function trackRlsChanges(
  history: MigrationHistory,
  before: Map<string, { enabled: boolean; forced: boolean }>,
  site: StatementSite,
): void {
  for (const [key, table] of history.tables) {
    const was = before.get(key);
    if (!was) continue;
    if (was.enabled && !table.rls.enabled) history.disabledAfterEnable.set(key, site);
    if (table.rls.enabled) history.disabledAfterEnable.delete(key);
    if (was.forced && !table.rls.forced) history.unforcedAfterForce.set(key, site);
    if (table.rls.forced) history.unforcedAfterForce.delete(key);
  }
  for (const key of [...history.disabledAfterEnable.keys()])
    if (!history.tables.has(key)) history.disabledAfterEnable.delete(key);
  for (const key of [...history.unforcedAfterForce.keys()])
    if (!history.tables.has(key)) history.unforcedAfterForce.delete(key);
}

function applyExtra(history: MigrationHistory, parser: SqlParser, stmt: Node, site: StatementSite): void {
  const [type, fields] = Object.entries(stmt)[0] as [string, Record<string, unknown>];
  switch (type) {
    case "CreateRoleStmt":
      setRole(history, String(fields.role ?? ""), fields.options, site);
      break;
    case "AlterRoleStmt":
      setRole(history, roleSpecName(fields.role), fields.options, site);
      break;
    case "DropRoleStmt":
      for (const role of list(fields.roles)) history.roles.delete(roleSpecName(role));
      break;
    case "VariableSetStmt":
      rowSecurity(history, fields, "session", undefined, site);
      break;
    case "AlterRoleSetStmt":
      rowSecurity(history, fields.setstmt as Record<string, unknown>, "role", roleSpecName(fields.role), site);
      break;
    case "AlterDatabaseSetStmt":
      rowSecurity(history, fields.setstmt as Record<string, unknown>, "database", String(fields.dbname ?? ""), site);
      break;
    case "CreateFunctionStmt":
      createFunction(history, parser, fields, site);
      break;
    case "AlterFunctionStmt": {
      const name = names((fields.func as { objname?: unknown })?.objname).join(".");
      const security = list(fields.actions)
        .map((a) => as<{ defname?: string; arg?: unknown }>(a, "DefElem"))
        .find((d) => d?.defname === "security");
      if (security && !as<{ boolval?: boolean }>(security.arg, "Boolean")?.boolval)
        history.definerFunctions.delete(name);
      break;
    }
    case "DropStmt":
      drop(history, fields);
      break;
    case "ViewStmt": {
      const view = fields.view as { relname?: string; schemaname?: string };
      if (!view?.relname) break;
      history.views.set(viewKey(view.schemaname, view.relname), {
        name: view.relname,
        schema: view.schemaname,
        materialized: false,
        securityInvoker: relOption(fields.options, "security_invoker") ?? false,
        reads: readRelations(fields.query),
        site,
      });
      break;
    }
    case "CreateTableAsStmt": {
      const rel = (fields.into as { rel?: { relname?: string; schemaname?: string } })?.rel;
      if (fields.objtype !== "OBJECT_MATVIEW" || !rel?.relname) break;
      history.views.set(viewKey(rel.schemaname, rel.relname), {
        name: rel.relname,
        schema: rel.schemaname,
        materialized: true,
        securityInvoker: false,
        reads: readRelations(fields.query),
        site,
      });
      break;
    }
    case "AlterTableStmt": {
      if (fields.objtype !== "OBJECT_VIEW") break;
      const rel = fields.relation as { relname?: string; schemaname?: string };
      const view = rel?.relname ? history.views.get(viewKey(rel.schemaname, rel.relname)) : undefined;
      if (!view) break;
      for (const cmd of list(fields.cmds)) {
        const c = as<{ subtype?: string; def?: unknown }>(cmd, "AlterTableCmd");
        const options = as<{ items?: unknown[] }>(c?.def, "List")?.items;
        const invoker = relOption(options, "security_invoker");
        if (c?.subtype === "AT_SetRelOptions" && invoker !== undefined) view.securityInvoker = invoker;
        if (c?.subtype === "AT_ResetRelOptions" && relOption(options, "security_invoker", true) !== undefined)
          view.securityInvoker = false;
      }
      break;
    }
    case "DoStmt":
      history.opaque.push(site);
      break;
  }
}

function setRole(history: MigrationHistory, name: string, options: unknown, site: StatementSite): void {
  if (!name) return;
  const previous = history.roles.get(name);
  let bypassRls = previous?.bypassRls ?? false;
  let superuser = previous?.superuser ?? false;
  let granted = false;
  for (const option of list(options)) {
    const d = as<{ defname?: string; arg?: unknown }>(option, "DefElem");
    const on = !!as<{ boolval?: boolean }>(d?.arg, "Boolean")?.boolval;
    if (d?.defname === "bypassrls") [bypassRls, granted] = [on, granted || on];
    if (d?.defname === "superuser") [superuser, granted] = [on, granted || on];
  }
  if (bypassRls || superuser)
    history.roles.set(name, { name, bypassRls, superuser, site: granted || !previous ? site : previous.site });
  else history.roles.delete(name);
}

function rowSecurity(
  history: MigrationHistory,
  set: Record<string, unknown> | undefined,
  scope: RowSecurityOff["scope"],
  target: string | undefined,
  site: StatementSite,
): void {
  if (!set || String(set.name ?? "").toLowerCase() !== "row_security") return;
  const value = list(set.args)
    .map((a) => as<{ sval?: { sval?: string }; boolval?: { boolval?: boolean } }>(a, "A_Const"))
    .map((c) => c?.sval?.sval ?? (c?.boolval ? String(!!c.boolval.boolval) : ""))[0];
  // A later `SET ... = on` or `RESET` for the same scope and target undoes an earlier off.
  history.rowSecurityOff = history.rowSecurityOff.filter((o) => !(o.scope === scope && o.target === target));
  const off = set.kind === "VAR_SET_VALUE" && /^(off|false|0|no)$/i.test(value ?? "");
  if (off) history.rowSecurityOff.push({ scope, target, site });
}

function createFunction(
  history: MigrationHistory,
  parser: SqlParser,
  fields: Record<string, unknown>,
  site: StatementSite,
): void {
  const name = names(fields.funcname).join(".");
  const options = list(fields.options).map((o) => as<{ defname?: string; arg?: unknown }>(o, "DefElem"));
  const definer = !!as<{ boolval?: boolean }>(options.find((o) => o?.defname === "security")?.arg, "Boolean")?.boolval;
  if (!definer) {
    history.definerFunctions.delete(name); // CREATE OR REPLACE without SECURITY DEFINER runs as the caller
    return;
  }
  const language = as<{ sval?: string }>(options.find((o) => o?.defname === "language")?.arg, "String")?.sval ?? "sql";
  const asItems = as<{ items?: unknown[] }>(options.find((o) => o?.defname === "as")?.arg, "List")?.items;
  const bodyText = as<{ sval?: string }>(asItems?.[0], "String")?.sval ?? "";
  const statements = language.toLowerCase() === "plpgsql" ? plpgsqlStatements(bodyText) : [bodyText];
  const body: BodyStatement[] = [];
  for (const sql of statements) {
    if (!sql.trim()) continue;
    const parsed = parser.parse(sql);
    if (!("error" in parsed)) body.push({ sql, parsed, tokens: new ClauseTokens(() => parser.scan(sql)) });
  }
  history.definerFunctions.set(name, { name, language, body, site });
}

/**
 * The SQL statements of a plpgsql body, read the simple way: split on `;`, keep what
 * starts like a query once plpgsql's own words (RETURN QUERY, PERFORM, ...) are removed.
 */
function plpgsqlStatements(body: string): string[] {
  const out: string[] = [];
  for (let piece of body.replace(/--[^\n]*/g, " ").split(";")) {
    piece = piece
      .replace(/^\s*(declare\b[\s\S]*?\bbegin\b|begin\b|end\b\s*(if|loop)?)/i, " ")
      .replace(/\breturn\s+query\s+(execute\b)?/i, " ")
      .replace(/\bperform\b/i, "SELECT")
      .replace(/^[\s\S]*?\b(then|else|loop)\b(?=\s*(select|with|update|delete|insert)\b)/i, " ");
    const start = piece.search(/\b(select|with|update|delete|insert)\b/i);
    if (start >= 0 && /^\s*$/.test(piece.slice(0, start).replace(/\breturn\b/i, ""))) {
      // `SELECT ... INTO var FROM`: plpgsql's INTO names variables; drop it so the SQL parses.
      out.push(piece.slice(start).replace(/\binto\s+(strict\s+)?[\w.,\s]+?(?=\bfrom\b)/i, ""));
    }
  }
  return out;
}

function drop(history: MigrationHistory, fields: Record<string, unknown>): void {
  for (const object of list(fields.objects)) {
    if (fields.removeType === "OBJECT_FUNCTION" || fields.removeType === "OBJECT_PROCEDURE") {
      const objname = as<{ objname?: unknown }>(object, "ObjectWithArgs")?.objname;
      history.definerFunctions.delete(names(objname).join("."));
    } else if (fields.removeType === "OBJECT_VIEW" || fields.removeType === "OBJECT_MATVIEW") {
      const parts = names(as<{ items?: unknown[] }>(object, "List")?.items);
      const name = parts[parts.length - 1];
      history.views.delete(viewKey(parts.length > 1 ? parts[parts.length - 2] : undefined, name));
    }
  }
}

/** `security_invoker = true|on|1` in a WITH (...) list; `reset` reports presence only. */
function relOption(options: unknown, name: string, reset = false): boolean | undefined {
  for (const option of list(options)) {
    const d = as<{ defname?: string; arg?: unknown }>(option, "DefElem");
    if (d?.defname !== name) continue;
    if (reset || d.arg === undefined) return true;
    const s = as<{ sval?: string }>(d.arg, "String")?.sval;
    const b = as<{ boolval?: boolean }>(d.arg, "Boolean")?.boolval;
    const i = as<{ ival?: number }>(d.arg, "Integer")?.ival;
    return s !== undefined ? /^(true|on|1|yes)$/i.test(s) : b !== undefined ? b : i !== undefined ? i !== 0 : true;
  }
  return undefined;
}

function readRelations(query: unknown): string[] {
  const out = new Set<string>();
  walk(query, (type, fields) => {
    if (type === "RangeVar" && typeof fields.relname === "string") out.add(fields.relname);
  });
  return [...out];
}

function viewKey(schema: string | undefined, name: string): string {
  return `${schema ?? "public"}.${name}`;
}

function roleSpecName(node: unknown): string {
  const spec = (as<{ rolename?: string }>(node, "RoleSpec") ?? (node as { rolename?: string })) || {};
  return spec.rolename ?? "";
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") starts.push(i + 1);
  return starts;
}

function position(starts: number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo] + 1 };
}

/** The statement's first line: a diagnostic on a 40-line CREATE TABLE would cover the whole file. */
function siteOf(file: string, text: string, starts: number[], start: number, end: number): StatementSite {
  const lineEnd = text.indexOf("\n", start);
  let stop = Math.min(end, lineEnd < 0 ? text.length : lineEnd);
  while (stop > start && /[\s;]/.test(text[stop - 1])) stop--;
  const from = position(starts, start);
  const to = position(starts, Math.max(stop, start + 1));
  return { file, line: from.line, column: from.column, endLine: to.line, endColumn: to.column };
}

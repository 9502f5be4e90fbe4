// The migration state the RLS checks judge: the tables of model/migrations.ts (columns, RLS
// flags, policies), plus what the tenant model does not keep: roles, row_security settings,
// SECURITY DEFINER functions, views, and where RLS was switched off after being on. Statements
// are applied in order, so a later migration that fixes an earlier one clears it.
import { applyStatement, compareNatural, type MigrationState, type MigrationTable } from "../model/migrations";
import type { ModelSource } from "../model/types";
import type { ClauseTokens } from "../sql/clauses";
import type { ParsedSql, SqlParser } from "../sql/parse";
import type ts from "typescript";
import type { AnalyzerFileSystem, InputError } from "../types";
import { applyRlsStatement } from "./statements";
import { isScriptMigration, sqlOfScriptMigration } from "./ts-migrations";
import { lineStarts, positionAt } from "../text-position";

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

/**
 * Script migrations converted so far, by file, with the text they were converted from: a run reads
 * each twice (the tenant model, then the migration checks), and an editor on every change of one.
 */
const convertedScripts = new Map<string, { text: string; sql: string }>();
const CONVERTED_KEPT = 512;

/** A migration's SQL: the file itself, or for a script migration its `up` SQL at the same offsets. */
export function migrationSql(fs: AnalyzerFileSystem, file: string, tsModule?: typeof ts): string | undefined {
  const text = fs.readFile(file);
  if (text === undefined || !isScriptMigration(file)) return text;
  const known = convertedScripts.get(file);
  if (known?.text === text) return known.sql;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sql = sqlOfScriptMigration(text, file, tsModule ?? (require("typescript") as typeof ts), (path) =>
    fs.readFile(path),
  );
  convertedScripts.delete(file);
  if (convertedScripts.size >= CONVERTED_KEPT) convertedScripts.delete(convertedScripts.keys().next().value!);
  convertedScripts.set(file, { text, sql });
  return sql;
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
      ...positionAt(lines, parsed.error.position),
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
    applyRlsStatement(history, parser, raw.stmt, site);
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

/** The statement's first line: a diagnostic on a 40-line CREATE TABLE would cover the whole file. */
function siteOf(file: string, text: string, starts: number[], start: number, end: number): StatementSite {
  const lineEnd = text.indexOf("\n", start);
  let stop = Math.min(end, lineEnd < 0 ? text.length : lineEnd);
  while (stop > start && /[\s;]/.test(text[stop - 1])) stop--;
  const from = positionAt(starts, start);
  const to = positionAt(starts, Math.max(stop, start + 1));
  return { file, line: from.line, column: from.column, endLine: to.line, endColumn: to.column };
}

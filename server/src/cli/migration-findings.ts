// The main command's share of the database layer: the static RLS checks on the migration
// files (`tenantguard` reports them on the `.sql` line, like the language server does).
// No database code here: the language server bundles this file.
import { isAbsolute, relative, resolve } from "node:path";
import type { ResolvedConfig } from "../analyzer/config/types";
import {
  checkMigrations,
  listMigrationFiles,
  readMigrationHistory,
  type MigrationFinding,
} from "../analyzer/migrations";
import type { TenantModel } from "../analyzer/model/types";
import type { SqlParser } from "../analyzer/sql/parse";
import type { AnalyzerFileSystem } from "../analyzer/types";
import type { ReportedFinding } from "./report";

/** Findings on the migrations that lie within the checked paths (`tenantguard src` leaves db/ out). */
export function migrationFindings(
  fs: AnalyzerFileSystem,
  config: ResolvedConfig,
  model: TenantModel,
  parser: SqlParser,
  paths: readonly string[],
  cwd: string,
  show: (file: string) => string,
): { findings: ReportedFinding[]; files: number } {
  const files = listMigrationFiles(fs, config);
  const within = underPaths(paths, cwd);
  const checked = files.filter(within);
  if (!checked.length) return { findings: [], files: 0 };
  // The whole history is read (a later file can fix an earlier one); only findings in checked files are shown.
  const history = readMigrationHistory(fs, files, parser);
  const findings = checkMigrations(history, model, config).filter((f) => within(f.file));
  return { findings: findings.map((f) => toReported(f, show)), files: checked.length };
}

/** Whether a file is one of `paths` or under one of them. */
function underPaths(paths: readonly string[], cwd: string): (file: string) => boolean {
  const roots = paths.map((p) => resolve(cwd, p));
  return (file) =>
    roots.some((root) => {
      const rel = relative(root, file);
      return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
    });
}

/** The migration files (of the config's `schema.migrations`) that are, or are under, `path`. */
export function migrationsUnder(fs: AnalyzerFileSystem, config: ResolvedConfig, path: string, cwd: string): string[] {
  return listMigrationFiles(fs, config).filter(underPaths([path], cwd));
}

export function toReported(f: MigrationFinding, show: (file: string) => string): ReportedFinding {
  return {
    ruleId: f.ruleId,
    severity: f.severity,
    file: show(f.file),
    line: f.line,
    column: f.column,
    endLine: f.endLine,
    endColumn: f.endColumn,
    message: f.message,
    table: f.table,
    fixes: [],
    suppressed: f.suppressed,
    fingerprint: f.fingerprint,
  };
}

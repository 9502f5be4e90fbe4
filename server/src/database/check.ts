// db-check end to end: get a database (the project's migrations applied to an in-process
// PGlite, or a live server read in one transaction that is rolled back), read its catalog,
// judge it with the static rules, and prove the policies with the policy test.
import { join } from "node:path";
import type { ResolvedConfig } from "../analyzer/config/types";
import {
  checkMigrations,
  migrationSql,
  suppressMigrationFindings,
  type MigrationFinding,
  type MigrationHistory,
  type StatementSite,
} from "../analyzer/migrations";
import { settingNames } from "../analyzer/migrations/policy";
import { tenantColumnMatches } from "../analyzer/model/names";
import type { TenantModel, TenantTable } from "../analyzer/model/types";
import type { SqlParser } from "../analyzer/sql/parse";
import type { AnalyzerFileSystem } from "../analyzer/types";
import { fingerprintOf } from "../analyzer/fingerprint";
import { effectiveSeverity } from "../analyzer/rules/index";
import { catalogToHistory, readCatalog, type Catalog, type CatalogTable, type Locate } from "./catalog";
import { locateInFile, objectKey, objectKeys, staticLocator } from "./locate";
import { openPglite, type PgliteFactory } from "./pglite";
import { runPolicyTests, type PolicyTestTarget } from "./policy-test";
import { errorOf, type DbCheckResult, type PolicyTestResult, type SqlSession, type TableVerdict } from "./types";

export interface DbCheckInput {
  config: ResolvedConfig;
  /** The tenant model from the project's schema sources (tenant columns, global tables). */
  model: TenantModel;
  parser: SqlParser;
  fs: AnalyzerFileSystem;
  /** Migration files in the order they apply. */
  migrationFiles: readonly string[];
  /** The static reading of the same migrations, for positions when the database is live. */
  staticHistory: MigrationHistory;
  /** The setting the policies compare with, when it cannot be read from them (`--tenant-setting`). */
  tenantSetting?: string;
}

/** Applies the migrations to a fresh in-process PGlite and checks what they leave behind. */
export async function checkEmbedded(input: DbCheckInput, factory?: PgliteFactory): Promise<DbCheckResult> {
  const texts = input.migrationFiles.map((file) => migrationSql(input.fs, file) ?? "");
  const t0 = performance.now();
  const session = await openPglite(factory, texts);
  const startMs = performance.now() - t0;
  try {
    const knownRoles = new Set(
      (await session.query<{ name: string }>("SELECT rolname AS name FROM pg_roles")).rows.map((r) => r.name),
    );
    const t1 = performance.now();
    const origins = new Map<string, StatementSite>();
    let seen = await objectKeys(session);
    for (const file of input.migrationFiles) {
      const text = migrationSql(input.fs, file) ?? "";
      if (!text.trim()) continue;
      try {
        await session.exec(text);
      } catch (e) {
        const error = errorOf(e);
        const position = Number(error.position);
        const at = Number.isFinite(position) && position > 0 ? lineColumn(text, position - 1) : {};
        return emptyResult({ startMs, migrateMs: performance.now() - t1 }, [
          { file, ...at, message: `migration failed: ${error.message}` },
        ]);
      }
      const now = await objectKeys(session);
      for (const key of now) if (!seen.has(key)) origins.set(key, locateInFile(file, text, key, input.staticHistory));
      seen = now;
    }
    const migrateMs = performance.now() - t1;
    const fallbackFile =
      input.migrationFiles[input.migrationFiles.length - 1] ?? join(input.config.rootDir, "(database)");
    const locate: Locate = (kind, name, table) => origins.get(objectKey(kind, name, table));
    const t2 = performance.now();
    await session.exec("BEGIN");
    try {
      const result = await judge(
        session,
        input,
        { roleFilter: "created", knownRoles },
        locate,
        site(fallbackFile, 1),
        true,
      );
      return { ...result, timings: { startMs, migrateMs, checkMs: performance.now() - t2 } };
    } finally {
      await session.exec("ROLLBACK");
    }
  } finally {
    await session.close();
  }
}

/**
 * Checks a live database in one transaction that is rolled back: read-only (catalog only)
 * unless `allowWrites`, which also runs the policy test (scratch databases only).
 */
export async function checkLive(
  input: DbCheckInput,
  session: SqlSession,
  allowWrites: boolean,
): Promise<DbCheckResult> {
  const t0 = performance.now();
  // Sequences are not transactional: nextval during the policy test survives the rollback.
  const restoreSequences = allowWrites ? await saveSequences(session) : async () => undefined;
  await session.exec(allowWrites ? "BEGIN" : "BEGIN TRANSACTION READ ONLY");
  try {
    const locate = staticLocator(input.staticHistory);
    const fallback = site(join(input.config.rootDir, "(database)"), 1);
    const result = await judge(session, input, { roleFilter: "all" }, locate, fallback, allowWrites);
    return { ...result, timings: { startMs: 0, migrateMs: 0, checkMs: performance.now() - t0 } };
  } finally {
    await session.exec("ROLLBACK").catch(() => undefined);
    await restoreSequences();
  }
}

/** Reads every user sequence's position; the returned function puts them back. */
async function saveSequences(session: SqlSession): Promise<() => Promise<void>> {
  const names = await session.query<{ name: string }>(
    `SELECT format('%I.%I', schemaname, sequencename) AS name FROM pg_sequences
      WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND has_sequence_privilege(format('%I.%I', schemaname, sequencename), 'SELECT, UPDATE')`,
  );
  const saved: { name: string; last: string; called: boolean }[] = [];
  for (const { name } of names.rows) {
    const row = (
      await session.query<{ last: string; called: boolean }>(
        `SELECT last_value::text AS last, is_called AS called FROM ${name}`,
      )
    ).rows[0];
    if (row) saved.push({ name, ...row });
  }
  return async () => {
    for (const s of saved)
      await session
        .query("SELECT setval($1::regclass, $2::bigint, $3)", [s.name, s.last, s.called])
        .catch(() => undefined);
  };
}

async function judge(
  session: SqlSession,
  input: DbCheckInput,
  roles: { roleFilter: "all" | "created"; knownRoles?: Set<string> },
  locate: Locate,
  fallback: StatementSite,
  policyTest: boolean,
): Promise<Omit<DbCheckResult, "timings">> {
  const catalog = await readCatalog(session, roles);
  const owned = tenantOwnedTables(catalog, input);
  const model: TenantModel = {
    tables: new Map(
      owned.map(({ table, tenantColumn }): [string, TenantTable] => {
        const at = locate("table", table.name) ?? fallback;
        return [
          table.name.toLowerCase(),
          {
            name: table.name,
            schema: table.schema === "public" ? undefined : table.schema,
            tenantColumn,
            source: { ...at, kind: "migration" },
          },
        ];
      }),
    ),
    globalTables: input.model.globalTables,
  };
  const history = catalogToHistory(catalog, input.parser, locate, fallback);
  const findings = checkMigrations(history, model, input.config);
  const notes: string[] = [];

  let tested = new Map<CatalogTable, PolicyTestResult>();
  const targets: PolicyTestTarget[] = owned.map(({ table, tenantColumn }) => ({
    table,
    tenantColumn,
    setting: tenantSetting(table, catalog, input),
  }));
  if (policyTest && targets.length) {
    await session.exec("SAVEPOINT tenantguard_policy_test");
    tested = await runPolicyTests(session, catalog, targets);
    await session.exec("ROLLBACK TO SAVEPOINT tenantguard_policy_test");
  }
  const tables: TableVerdict[] = owned.map(({ table, tenantColumn }) => ({
    schema: table.schema,
    name: table.name,
    tenantColumn,
    rlsEnabled: table.rlsEnabled,
    rlsForced: table.rlsForced,
    policies: table.policies.map((p) => p.name),
    policyTest: tested.get(table) ?? {
      status: "not-run",
      reason: "read-only run: pass --allow-writes (scratch databases only) to run the policy test",
    },
    site: locate("table", table.name),
  }));
  for (const verdict of tables) {
    const rlsInPlay = input.config.isolation === "rls" || verdict.rlsEnabled;
    const severity = effectiveSeverity(input.config, "rls-policy-leak");
    if (verdict.policyTest.status !== "leaking" || !rlsInPlay || !severity) continue;
    const leaks = verdict.policyTest.leaks;
    const message = `policy test on ${verdict.name}: tenant A's session ${leaks.map((l) => l.what).join("; ")} (first: ${leaks[0].statement})`;
    findings.push(leakFinding(verdict.site ?? fallback, severity, message, verdict.name));
  }
  const unreported = tables.filter(
    (t) => t.policyTest.status === "leaking" && !t.rlsEnabled && input.config.isolation !== "rls",
  );
  if (unreported.length) {
    notes.push(
      `isolation is "${input.config.isolation}": ${unreported.length} table(s) without row-level security are reachable across tenants in the database; ` +
        `that is not reported as a finding, because this project relies on its queries, not on RLS`,
    );
  }
  if (policyTest) {
    const unverifiable = tables.filter((t) => t.policyTest.status === "not-verifiable");
    if (unverifiable.length)
      notes.push(`${unverifiable.length} table(s) could not be verified by the policy test; see the table below`);
  }
  const texts = new Map(input.migrationFiles.map((file) => [file, migrationSql(input.fs, file) ?? ""]));
  return { tables, findings: suppressMigrationFindings(texts, findings), notes, errors: [] };
}

function leakFinding(
  at: StatementSite,
  severity: MigrationFinding["severity"],
  message: string,
  table: string,
): MigrationFinding {
  return {
    ...at,
    ruleId: "rls-policy-leak",
    severity,
    message,
    table,
    suppressed: null,
    fingerprint: fingerprintOf(`rls-policy-leak|${table}|${message}`),
  };
}

/** Tenant-owned tables as the database has them: the model's, plus tables with a tenant column only the catalog knows. */
function tenantOwnedTables(catalog: Catalog, input: DbCheckInput): { table: CatalogTable; tenantColumn: string }[] {
  const columns = new Set([
    ...input.config.tenantColumns,
    ...(input.model.inference ? [input.model.inference.column] : []),
    ...[...input.model.tables.values()].map((t) => t.tenantColumn),
  ]);
  const global = new Set([...input.model.globalTables, ...input.config.globalTables.map((g) => g.toLowerCase())]);
  const out: { table: CatalogTable; tenantColumn: string }[] = [];
  for (const table of catalog.tables) {
    const known = input.model.tables.get(table.name.toLowerCase());
    const fromModel = known && table.columns.find((c) => c.name === known.tenantColumn)?.name;
    const fromColumns = table.columns.find((c) => [...columns].some((t) => tenantColumnMatches(c.name, t)))?.name;
    const tenantColumn = fromModel ?? (global.has(table.name.toLowerCase()) ? undefined : fromColumns);
    if (tenantColumn) out.push({ table, tenantColumn });
  }
  return out;
}

/**
 * `--tenant-setting`, else the setting the table's policies read, else the one the other
 * tables' policies read most (a table without policies is tested with the project's setting),
 * else one the functions read.
 */
function tenantSetting(table: CatalogTable, catalog: Catalog, input: DbCheckInput): string | undefined {
  if (input.tenantSetting) return input.tenantSetting;
  const settingsOf = (t: CatalogTable) =>
    t.policies
      .flatMap((p) => [p.qual, p.withCheck])
      .flatMap((text) => {
        if (!text) return [];
        const parsed = input.parser.parse(`SELECT ${text}`);
        return "error" in parsed ? [] : settingNames(parsed.tree);
      });
  const counts = new Map<string, number>();
  for (const other of catalog.tables) for (const s of settingsOf(other)) counts.set(s, (counts.get(s) ?? 0) + 1);
  const project = [...counts].sort((x, y) => y[1] - x[1]).map(([s]) => s);
  const tenantLike = (list: string[]) => list.find((s) => TENANT_SETTING.test(s)) ?? list[0];
  return tenantLike(settingsOf(table)) ?? tenantLike(project) ?? tenantLike(catalog.functionSettings);
}

const TENANT_SETTING = /tenant|org|account|workspace|team|company|project/i;

function site(file: string, line: number, column = 1, endColumn?: number): StatementSite {
  return { file, line, column, endLine: line, endColumn: endColumn ?? column + 1 };
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - before.lastIndexOf("\n") };
}

function emptyResult(timings: { startMs: number; migrateMs: number }, errors: DbCheckResult["errors"]): DbCheckResult {
  return { tables: [], findings: [], notes: [], errors, timings: { ...timings, checkMs: 0 } };
}

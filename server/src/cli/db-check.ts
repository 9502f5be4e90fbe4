// `tenantguard db-check [dir]`: the database layer. Applies the project's migrations to an
// embedded PGlite (or reads --database-url in a rolled-back transaction), judges the catalog
// with the RLS rules, runs the policy test, and reports in every CLI format.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { loadSqlParser } from "../analyzer";
import { findConfigFile, loadConfig } from "../analyzer/config/load";
import { listMigrationFiles, readMigrationHistory } from "../analyzer/migrations";
import { discoverTenantModel } from "../analyzer/model/discover";
import { RULE_IDS, type RuleId, type SeveritySetting } from "../analyzer/types";
import { checkEmbedded, checkLive, type DbCheckInput } from "../database/check";
import { formatVerdictTable } from "../database/format-table";
import { openLive, secretScrubber } from "../database/live";
import type { PgliteFactory } from "../database/pglite";
import type { DbCheckResult } from "../database/types";
import { FORMATS, FORMATTERS, type FormatName } from "./formatters";
import { createNodeFileSystem } from "./node-fs";
import { toPosix } from "./paths";
import { redactSecrets } from "./redact";
import { toReported } from "./migration-findings";
import { compareFindings, summarize, type Report } from "./report";
import { useColor, type CliIo, type ExitCode } from "./run";

export interface DbCheckOptions {
  dir: string;
  databaseUrl?: string;
  allowWrites: boolean;
  format: FormatName;
  output?: string;
  config?: string;
  tenantSetting?: string;
  rules: Partial<Record<RuleId, SeveritySetting>>;
}

export async function dbCheckMain(
  argv: readonly string[],
  io: CliIo,
  version: string,
  pglite?: PgliteFactory,
): Promise<{ exitCode: ExitCode; result?: DbCheckResult }> {
  const parsed = parseDbCheckArgs(argv);
  if ("exitCode" in parsed) {
    io.stdout.write(parsed.stdout);
    io.stderr.write(parsed.stderr);
    return { exitCode: parsed.exitCode };
  }
  return runDbCheck(parsed, io, version, pglite);
}

export async function runDbCheck(
  options: DbCheckOptions,
  io: CliIo,
  version: string,
  pglite?: PgliteFactory,
): Promise<{ exitCode: ExitCode; result?: DbCheckResult }> {
  const started = performance.now();
  const scrub = (text: string) => redactSecrets(options.databaseUrl ? secretScrubber(options.databaseUrl)(text) : text);
  const warn = (message: string) => io.stderr.write(`tenantguard: ${scrub(message)}\n`);
  const show = (file: string) => toPosix(relative(io.cwd, resolve(io.cwd, file))) || ".";
  const fs = createNodeFileSystem();

  const dir = resolve(io.cwd, options.dir);
  if (!existsSync(dir)) {
    warn(`no such directory: ${options.dir}`);
    return { exitCode: 2 };
  }
  const configPath = options.config === undefined ? findConfigFile(fs, dir) : resolve(io.cwd, options.config);
  const loaded = loadConfig(fs, { cwd: dir, configPath });
  if (loaded.errors.length) {
    for (const e of loaded.errors) warn(`${show(e.file)}${e.line ? `:${e.line}` : ""}: ${e.message}`);
    return { exitCode: 2 };
  }
  const config = { ...loaded.config, rules: { ...loaded.config.rules, ...options.rules } };
  const parser = await loadSqlParser();
  const discovered = discoverTenantModel(fs, config, parser);
  if (discovered.errors.length) {
    for (const e of discovered.errors)
      warn(`${show(e.file)}${e.line ? `:${e.line}:${e.column ?? 1}` : ""}: ${e.message}`);
    return { exitCode: 2 };
  }
  if (options.format === "stylish") for (const note of discovered.notes) io.stderr.write(scrub(note) + "\n");
  const migrationFiles = listMigrationFiles(fs, config);
  const staticHistory = readMigrationHistory(fs, migrationFiles, parser);
  const input: DbCheckInput = {
    config,
    model: discovered.model,
    parser,
    fs,
    migrationFiles,
    staticHistory,
    tenantSetting: options.tenantSetting,
  };

  let result: DbCheckResult;
  if (options.databaseUrl) {
    let session;
    try {
      session = await openLive(options.databaseUrl);
    } catch (e) {
      warn(e instanceof Error ? e.message : String(e));
      return { exitCode: 2 };
    }
    try {
      result = await checkLive(input, session, options.allowWrites);
    } catch (e) {
      warn(`database check failed: ${e instanceof Error ? e.message : String(e)}`);
      return { exitCode: 2 };
    } finally {
      await session.close().catch(() => undefined);
    }
  } else {
    if (!migrationFiles.length) {
      warn(
        `no migrations found (schema.migrations: ${config.schema.migrations.join(", ") || "none"}); nothing to apply`,
      );
      return { exitCode: 2 };
    }
    result = await checkEmbedded(input, pglite);
  }
  if (result.errors.length) {
    for (const e of result.errors) warn(`${show(e.file)}${e.line ? `:${e.line}:${e.column ?? 1}` : ""}: ${e.message}`);
    return { exitCode: 2, result };
  }

  const findings = result.findings.map((f) => toReported(f, show)).sort(compareFindings);
  const report: Report = {
    findings,
    summary: {
      files: migrationFiles.length,
      ...summarize(findings),
      durationMs: Math.round(performance.now() - started),
    },
    cwd: io.cwd,
    toolVersion: version,
  };
  const target = options.output === undefined ? io.stdout : undefined;
  const color = !!target && useColor(target, io.env);
  let text = FORMATTERS[options.format](report, { color });
  if (options.format === "stylish") {
    text += formatVerdictTable(result.tables, color);
    for (const note of result.notes) text += `${note}\n`;
  } else if (options.format === "json") {
    const json = JSON.parse(text) as Record<string, unknown>;
    json.database = {
      mode: options.databaseUrl ? (options.allowWrites ? "live, policy test" : "live, read-only") : "embedded",
      tables: result.tables.map((t) => ({
        ...t,
        site: undefined,
        file: t.site ? show(t.site.file) : null,
        line: t.site?.line ?? null,
      })),
      notes: result.notes,
      timings: Object.fromEntries(Object.entries(result.timings).map(([k, v]) => [k, Math.round(v)])),
    };
    text = JSON.stringify(json, null, 2) + "\n";
  }
  text = scrub(text);
  if (target) target.write(text);
  else {
    const file = resolve(io.cwd, options.output!);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return { exitCode: report.summary.errors > 0 ? 1 : 0, result };
}

export function parseDbCheckArgs(
  argv: readonly string[],
): DbCheckOptions | { exitCode: 0 | 2; stdout: string; stderr: string } {
  let stdout = "";
  let stderr = "";
  const program = new Command()
    .name("tenantguard db-check")
    .description(
      "Prove row-level security in a real Postgres: apply the migrations to an embedded PGlite (or read --database-url), check the catalog, and run the policy test.",
    )
    .argument("[dir]", "project directory (default: .)")
    .option(
      "--database-url <url>",
      "check a live database instead (catalog only, in a transaction that is rolled back)",
    )
    .option(
      "--allow-writes",
      "with --database-url: also run the policy test (scratch databases only; still rolled back)",
    )
    .option(
      "--tenant-setting <name>",
      "the setting the policies compare with, when it cannot be read from them (e.g. app.tenant_id)",
    )
    .addOption(new Option("--format <format>", "output format").choices(FORMATS).default("stylish"))
    .option("--output <file>", "write the report to a file instead of stdout")
    .option("--config <file>", "config file (default: nearest tenantguard.config.json)")
    .option("--rule <id=level>", "set a rule's level (repeatable)", collectRule)
    .helpOption("-h, --help", "show this help")
    .addHelpText(
      "after",
      "\nExit codes: 0 nothing at error level; 1 findings at error level (a leaking policy included); 2 usage, config, migration or connection error.\nThe connection string is never printed.",
    )
    .exitOverride()
    .configureOutput({ writeOut: (s) => void (stdout += s), writeErr: (s) => void (stderr += s) });
  try {
    program.parse([...argv], { from: "user" });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    return { exitCode: e.exitCode === 0 ? 0 : 2, stdout, stderr: redactSecrets(stderr) };
  }
  const raw = program.opts<{
    databaseUrl?: string;
    allowWrites?: boolean;
    tenantSetting?: string;
    format: FormatName;
    output?: string;
    config?: string;
    rule?: [RuleId, SeveritySetting][];
  }>();
  if (raw.allowWrites && !raw.databaseUrl) {
    return {
      exitCode: 2,
      stdout: "",
      stderr: "error: --allow-writes only applies with --database-url (the embedded database is always scratch)\n",
    };
  }
  return {
    dir: program.args[0] ?? ".",
    databaseUrl: raw.databaseUrl,
    allowWrites: !!raw.allowWrites,
    format: raw.format,
    output: raw.output,
    config: raw.config,
    tenantSetting: raw.tenantSetting,
    rules: Object.fromEntries(raw.rule ?? []),
  };
}

/** A static or catalog finding as every formatter takes it: relative file, no fixes. */
function collectRule(value: string, previous: [RuleId, SeveritySetting][] = []): [RuleId, SeveritySetting][] {
  const [id, level] = value.split("=").map((s) => s.trim());
  if (!(RULE_IDS as readonly string[]).includes(id)) throw new InvalidArgumentError(`Unknown rule "${id}".`);
  if (!["off", "info", "warning", "error"].includes(level))
    throw new InvalidArgumentError(`Unknown level "${level}" for ${id}.`);
  return [...previous, [id as RuleId, level as SeveritySetting]];
}

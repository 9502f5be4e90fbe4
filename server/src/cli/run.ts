// One CLI run, in-process: config → tenant model → files → findings → (fixes) →
// baseline → report. Returns the exit code instead of exiting so tests can call it.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import {
  loadSqlParser,
  type AnalyzerFileSystem,
  type InputError,
  type ResolvedConfig,
  type SqlParser,
} from "../analyzer";
import { findConfigFile, loadConfig } from "../analyzer/config/load";
import { discoverTenantModel } from "../analyzer/model/discover";
import { isScriptMigration, listMigrationFiles, looksLikeMigration } from "../analyzer/migrations";
import type { CliOptions } from "./args";
import { createAnalysisSession, type FileAnalysis } from "./analysis";
import { migrationFindings, migrationsUnder } from "./migration-findings";
import { applyBaseline } from "./apply-baseline";
import { fixFiles } from "./fix";
import { collectFiles } from "./files";
import { FORMATTERS } from "./formatters";
import { plural } from "./formatters/stylish";
import { createNodeFileSystem } from "./node-fs";
import { detectRunClients } from "./detect-clients";
import { toPosix } from "./paths";
import { analyzeFiles, threadCount } from "./parallel";
import { createProgress } from "./progress";
import { redactSecrets } from "./redact";
import {
  compareFindings,
  compareProofs,
  summarize,
  toReportedFinding,
  toReportedProof,
  type Report,
  type ReportedFinding,
  type ReportedProof,
} from "./report";

export interface OutputStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface CliIo {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: OutputStream;
  stderr: OutputStream;
}

export type ExitCode = 0 | 1 | 2;

/** The bundled CLI starts its own analysis threads; run from TypeScript sources (tests), one thread. */
const WORKER_SCRIPT = /\.c?js$/.test(__filename) ? __filename : undefined;

export interface RunResult {
  exitCode: ExitCode;
  /** Absent when the run stopped before analysis (config or usage error). */
  report?: Report;
}

export async function run(options: CliOptions, io: CliIo, toolVersion: string): Promise<RunResult> {
  const started = performance.now();
  const warn = (message: string) => io.stderr.write(`tenantguard: ${redactSecrets(message)}\n`);
  const fs = createNodeFileSystem();
  const show = (file: string) => toPosix(relative(io.cwd, resolve(io.cwd, file))) || ".";

  let parserLoads = 0;
  const loadParser = (): Promise<SqlParser> => {
    parserLoads++;
    return loadSqlParser();
  };

  const missing = options.paths.filter((path) => !existsSync(resolve(io.cwd, path)));
  if (missing.length) {
    for (const path of missing) warn(`no such file or directory: ${path}`);
    return { exitCode: 2 };
  }

  // One config per run, found by walking up from the first path (the current directory by default).
  const firstPath = resolve(io.cwd, options.paths[0]);
  const startDir = fs.fileExists(firstPath) ? dirname(firstPath) : firstPath;
  const configPath = options.config === undefined ? findConfigFile(fs, startDir) : resolve(io.cwd, options.config);
  // Zero-config, the project root (where db/migrations and prisma/ sit) is the working directory,
  // not the `src` the user pointed at; unless the paths lie outside it.
  const root = isWithin(startDir, io.cwd) ? io.cwd : startDir;
  const loaded = loadConfig(fs, { cwd: root, configPath });
  if (loaded.errors.length) return inputErrors(loaded.errors, io, show);
  // Found by walking up above the working directory: say which, or a stray file decides the run unseen.
  if (
    options.config === undefined &&
    configPath &&
    !isWithin(dirname(configPath), io.cwd) &&
    options.format === "stylish"
  )
    io.stderr.write(`tenantguard: using ${redactSecrets(configPath)} (found above the working directory)\n`);
  let config = { ...loaded.config, rules: { ...loaded.config.rules, ...options.rules } };

  const parser = await loadParser();
  let discovered = discoverTenantModel(fs, config, parser);
  // Nothing there, and no config file: `tenantguard kan` from the folder above the project (or
  // `tenantguard apps/api` of a monorepo) looks from the nearest package.json on the way to the
  // path, then from the path itself.
  const fallbacks = config.configFile ? [] : [packageRoot(fs, startDir, root), startDir];
  for (const dir of fallbacks) {
    if (!discovered.nothingToCheck || !dir || dir === config.rootDir) continue;
    const retried = loadConfig(fs, { cwd: dir });
    const found = retried.errors.length ? undefined : discoverTenantModel(fs, retried.config, parser);
    if (!found || found.nothingToCheck) continue;
    config = { ...retried.config, rules: { ...retried.config.rules, ...options.rules } };
    discovered = found;
  }
  if (discovered.errors.length) return inputErrors(discovered.errors, io, show);
  // A run that can check nothing must not pass: in CI it would be a green check that means nothing.
  if (discovered.nothingToCheck) {
    io.stderr.write(redactSecrets(discovered.nothingToCheck) + "\n");
    return { exitCode: 2 };
  }
  // Inference notes are for people: on stderr with stylish; machine formats keep stderr quiet and
  // carry them in the report (JSON `notes`, SARIF tool execution notifications).
  // The model's notes carry their own "tenantguard:" prefix.
  const notes = discovered.notes.map((note) => redactSecrets(note).replace(/^tenantguard: /, ""));
  if (options.format === "stylish") for (const note of notes) io.stderr.write(`tenantguard: ${note}\n`);

  const collected = collectFiles(options.paths, {
    cwd: io.cwd,
    rootDir: config.rootDir,
    ignore: config.ignore,
    ...(config.configFile && { configFile: config.configFile }),
  });
  if (collected.missing.length) {
    for (const path of collected.missing) warn(`no such file or directory: ${path}`);
    return { exitCode: 2 };
  }
  // A script migration (knex, Kysely, TypeORM) is the schema the model reads and the RLS checks
  // judge, run once at deploy: its data backfills go over every tenant on purpose, and are no
  // request's queries (lightdash's `knex('organizations').select(...)` in a migration).
  // Only files shaped as migrations (an exported `up`), and never a file named on the command line.
  const scriptMigrations = new Set(listMigrationFiles(fs, config).filter(isScriptMigration));
  const named = new Set(options.paths.map((path) => resolve(io.cwd, path)));
  collected.files = collected.files.filter(
    (file) => !scriptMigrations.has(file) || named.has(file) || !looksLikeMigration(fs.readFile(file) ?? ""),
  );
  // A path of migrations and no sources holds what the RLS checks read (migration-findings.ts);
  // one whose sources were all ignored checks only those, and says so.
  const migrationPaths = options.paths.filter(
    (path) =>
      !collected.empty.some((e) => e.path === path && e.ignored) &&
      migrationsUnder(fs, config, path, io.cwd).length > 0,
  );
  for (const { path, reason } of collected.empty)
    if (!migrationPaths.includes(path)) warn(`nothing to check in ${path}: ${reason}`);
  // As for a model with no table: a run that checks no file must not pass in CI.
  if (collected.files.length === 0 && migrationPaths.length === 0) {
    warn("no file to check, so nothing was checked (exit 2); name a path that holds sources, or adjust the ignores");
    return { exitCode: 2 };
  }

  const callerUniverse = callerFilesOf(
    options.paths.map((path) => resolve(io.cwd, path)),
    collected.files,
    config,
  );
  const clients = detectRunClients(config, collected.files);
  const clientNotes = clients.notes.map((note) => redactSecrets(note));
  notes.push(...clientNotes);
  if (options.format === "stylish") for (const note of clientNotes) io.stderr.write(`tenantguard: ${note}\n`);

  const created = createAnalysisSession({
    config: clients.config,
    model: discovered.model,
    parser,
    project: options.project === undefined ? undefined : resolve(io.cwd, options.project),
    explain: options.explain,
    files: callerUniverse,
  });
  if ("errors" in created) {
    for (const error of created.errors) warn(`--project: ${error}`);
    return { exitCode: 2 };
  }
  const { session } = created;

  const progress = createProgress(io.stderr, collected.files.length, io.env);
  // Type-aware runs share one program and checker: those stay on one thread.
  const threads = options.project === undefined ? threadCount(collected.files.length, options.threads) : 1;
  const parallel = await analyzeFiles({
    files: collected.files,
    threads,
    config: clients.config,
    model: discovered.model,
    explain: !!options.explain,
    callerFiles: callerUniverse,
    session,
    workerScript: WORKER_SCRIPT,
    onProgress: (done) => progress.tick(done),
    warn,
  });
  let analyses: FileAnalysis[] = parallel.analyses;
  progress.finish();

  let failed = false;
  if (options.fix) {
    const outcome = fixFiles(session, analyses);
    analyses = outcome.analyses;
    for (const error of outcome.writeErrors) warn(`cannot write fixes: ${error}`);
    failed ||= outcome.writeErrors.length > 0;
    if (options.format === "stylish" && outcome.fixesApplied) {
      warn(`fixed ${plural(outcome.fixesApplied, "problem")} in ${plural(outcome.filesChanged, "file")}`);
    }
  }

  let findings: ReportedFinding[] = [];
  const proofs: ReportedProof[] = [];
  for (const analysis of analyses) {
    if (analysis.kind === "skipped") warn(`skipping ${show(analysis.file)}: ${analysis.reason}`);
    if (analysis.kind === "crashed") {
      warn(`internal error analyzing ${show(analysis.file)}: ${analysis.message}`);
      failed = true;
    }
    if (analysis.kind !== "ok") continue;
    const file = show(analysis.file);
    for (const finding of analysis.findings) findings.push(toReportedFinding(finding, analysis.sourceFile, file));
    for (const proof of analysis.proofs ?? []) proofs.push(toReportedProof(proof, analysis.sourceFile, file));
  }
  const migrations = migrationFindings(fs, config, discovered.model, parser, options.paths, io.cwd, show);
  findings.push(...migrations.findings);
  findings.sort(compareFindings);

  let baselined: number | undefined;
  if (options.baseline) {
    const outcome = applyBaseline(findings, { ...options, baseline: resolve(io.cwd, options.baseline) }, io.cwd);
    if (outcome.error) {
      warn(outcome.error);
      return { exitCode: 2 };
    }
    for (const message of outcome.messages) warn(message);
    findings = outcome.findings;
    baselined = outcome.baselined;
    failed ||= outcome.refused;
  }

  const report: Report = {
    findings,
    summary: {
      files: collected.files.length,
      ...summarize(findings),
      ...(baselined === undefined ? {} : { baselined }),
      durationMs: Math.round(performance.now() - started),
    },
    cwd: io.cwd,
    toolVersion,
    notes,
    ...(options.explain && { proofs: proofs.sort(compareProofs) }),
  };
  const target = options.output === undefined ? io.stdout : undefined;
  const text = FORMATTERS[options.format](report, { color: !!target && useColor(target, io.env) });
  if (target) {
    target.write(text);
  } else {
    const outputFile = resolve(io.cwd, options.output!);
    mkdirSync(dirname(outputFile), { recursive: true });
    writeFileSync(outputFile, text);
  }

  if (io.env.TENANTGUARD_DEBUG_STATS === "1") {
    io.stderr.write(
      JSON.stringify({
        parserLoads,
        threads,
        filesPerThread: parallel.filesPerThread,
        workerParserLoads: parallel.workerParserLoads,
        files: report.summary.files,
        durationMs: report.summary.durationMs,
      }) + "\n",
    );
  }

  const { errors, warnings } = report.summary;
  const overWarnings = options.maxWarnings !== undefined && warnings > options.maxWarnings;
  if (overWarnings && options.format === "stylish") {
    warn(`${plural(warnings, "warning")} found; --max-warnings allows ${options.maxWarnings}`);
  }
  const exitCode: ExitCode = failed ? 2 : errors > 0 || overWarnings ? 1 : 0;
  return { exitCode, report };
}

/** Colour only for a terminal; FORCE_COLOR and NO_COLOR (https://no-color.org) override. */
export function useColor(stream: OutputStream, env: NodeJS.ProcessEnv): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== "") return force !== "0" && force.toLowerCase() !== "false";
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  return !!stream.isTTY && env.TERM !== "dumb";
}

/** `file:line:column: message (key)`, the shape editors and terminals turn into links. */
export function formatInputError(error: InputError, show: (file: string) => string): string {
  const position =
    error.line === undefined ? "" : `:${error.line}` + (error.column === undefined ? "" : `:${error.column}`);
  const key = error.key ? ` (${error.key})` : "";
  return `${show(error.file)}${position}: ${error.message}${key}`;
}

/**
 * Where the calls that judge a by-id query on a parameter are looked for: every source file of
 * the config root, not only the files analyzed (`tenantguard src/lib/tags.ts` still sees the
 * route that calls it), plus any analyzed file outside the root.
 */
function callerFilesOf(paths: readonly string[], analyzed: readonly string[], config: ResolvedConfig): string[] {
  // `tenantguard .` at the root: the files analyzed are the root's already. Without a config file
  // the root is only the working directory, not a known project: the files named are the project.
  if (!config.configFile || paths.some((path) => resolve(path) === resolve(config.rootDir))) return [...analyzed];
  const root = collectFiles([config.rootDir], { cwd: config.rootDir, rootDir: config.rootDir, ignore: config.ignore });
  const files = new Set(root.files);
  for (const file of analyzed) files.add(file);
  return [...files];
}

/** The nearest folder from `dir` up to `stop` (both included) that holds a package.json. */
function packageRoot(fs: AnalyzerFileSystem, dir: string, stop: string): string | undefined {
  for (let d = dir; isWithin(d, stop); d = dirname(d)) {
    if (fs.fileExists(join(d, "package.json"))) return d;
    if (d === stop || dirname(d) === d) break;
  }
  return undefined;
}

function isWithin(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

function inputErrors(errors: readonly InputError[], io: CliIo, show: (file: string) => string): RunResult {
  for (const error of errors) io.stderr.write(redactSecrets(formatInputError(error, show)) + "\n");
  return { exitCode: 2 };
}

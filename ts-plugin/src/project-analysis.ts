// Everything one tsserver project needs to answer "what does tenantguard find in this
// file": the SQL parser (loaded once, asynchronously), the config and tenant model (loaded
// lazily, cached, reloaded when a watched source changes) and the findings per SourceFile.
//
// Findings are cached by SourceFile identity: tsserver keeps the same SourceFile object for
// a file until its text changes, so repeated requests on an unchanged file cost a lookup.
import { dirname, isAbsolute, join, relative } from "node:path";
import type ts from "typescript";
import {
  analyzeSourceFile,
  loadSqlParser,
  type AnalyzerFileSystem,
  type Finding,
  type InputError,
  type Proof,
  type ResolvedConfig,
  type SqlParser,
  type TenantModel,
} from "../../server/src/analyzer";
import { CONFIG_FILE_NAME, findConfigFile, loadConfig } from "../../server/src/analyzer/config/load";
import {
  detectClients,
  MAY_BUILD_ROOT_CLIENT,
  withDetectedClients as applyDetectedClients,
} from "../../server/src/analyzer/clients/detect";
import { discoverTenantModel } from "../../server/src/analyzer/model/discover";
import { isScriptMigration, listMigrationFiles, looksLikeMigration } from "../../server/src/analyzer/migrations";
import { createHostFileSystem, isIgnoredByConfig } from "./host-fs";
import type { PluginOptions } from "./plugin-options";
import { schemaWatchTargets, type WatchTarget } from "./watch-targets";

/**
 * Used when the host polls (a file that does not exist yet): the interval tsserver gives its
 * own config-file watchers (its internal `PollingInterval.High`). Node requires one.
 */
const POLLING_INTERVAL_MS = 2000;

/**
 * By program and name: its own files whose text names it. A program is immutable (tsserver
 * builds a new one after an edit), so the answers hold for its lifetime and every analysis
 * against it shares them, instead of scanning every file's text per name each time.
 */
const filesNamingByProgram = new WeakMap<ts.Program, Map<string, ts.SourceFile[]>>();

function programFilesNaming(program: ts.Program, name: string): ts.SourceFile[] {
  let byName = filesNamingByProgram.get(program);
  if (!byName) filesNamingByProgram.set(program, (byName = new Map()));
  let files = byName.get(name);
  if (!files) {
    files = program
      .getSourceFiles()
      .filter((f) => !f.isDeclarationFile && !/[\\/]node_modules[\\/]/.test(f.fileName) && f.text.includes(name));
    byName.set(name, files);
  }
  return files;
}

export interface FileFindings {
  sourceFile: ts.SourceFile;
  /** Every finding, suppressed ones included (with `suppressed` set). */
  findings: readonly Finding[];
}

export interface FileProofs {
  sourceFile: ts.SourceFile;
  /** How each safe query was proven (quick info). */
  proofs: readonly Proof[];
}

/** One config file (or the zero-config default) with the model built from it. */
interface TenantContext {
  config: ResolvedConfig;
  model: TenantModel;
  /** Per file (relative to rootDir): excluded by the config's `ignore` globs. */
  ignored: Map<string, boolean>;
  /** Script migrations the model reads: schema run at deploy, not checked as a request's queries. */
  migrations: ReadonlySet<string>;
}

export class ProjectAnalysis {
  private readonly fs: AnalyzerFileSystem;
  private parser: SqlParser | undefined;
  private options: PluginOptions;
  /** Config file path (or `zero-config:<project dir>`) -> context. */
  private readonly contexts = new Map<string, TenantContext>();
  /** Directory -> the config file found walking up from it (undefined: none). */
  private readonly configByDir = new Map<string, string | undefined>();
  // Per file and program: a by-id query's proof may sit in another file (a helper, a caller), so an
  // edit anywhere asks again. The program is held weakly: an unchanged file must not keep old programs alive.
  private findingsCache = new WeakMap<
    ts.SourceFile,
    { context: TenantContext; program: WeakRef<ts.Program>; findings: readonly Finding[] }
  >();
  /** Filled only when quick info asks: proofs cost a little more than findings. */
  private proofsCache = new WeakMap<
    ts.SourceFile,
    { context: TenantContext; program: WeakRef<ts.Program>; proofs: readonly Proof[] }
  >();
  private readonly watchers = new Map<string, ts.FileWatcher>();
  private refreshQueued = false;
  private disposed = false;

  constructor(
    private readonly tsm: typeof ts,
    private readonly info: ts.server.PluginCreateInfo,
    options: PluginOptions,
    private readonly log: (message: string) => void,
  ) {
    this.fs = createHostFileSystem(info.serverHost);
    this.options = options;
  }

  /** Starts loading the WASM parser; until it is ready the plugin adds nothing. */
  start(): void {
    loadSqlParser().then(
      (parser) => {
        if (this.disposed) return;
        this.parser = parser;
        this.log(`SQL parser ready for ${this.info.project.getProjectName()}`);
        this.refreshDiagnostics();
      },
      (error: unknown) => this.log(`cannot load the SQL parser, tenantguard is off: ${describe(error)}`),
    );
  }

  get enabled(): boolean {
    return this.options.enable;
  }

  /** New plugin options (tsconfig entry plus editor settings): everything is reloaded. */
  setOptions(options: PluginOptions): void {
    this.options = options;
    this.invalidate("plugin options changed");
  }

  /** The file's findings, or undefined when tenantguard cannot say yet (parser loading, disabled, unknown file). */
  findingsFor(fileName: string): FileFindings | undefined {
    const target = this.target(fileName);
    if (!target) return undefined;
    const { program, sourceFile } = target;
    if (!program) return { sourceFile, findings: [] };

    const context = this.contextFor(fileName);
    const cached = this.findingsCache.get(sourceFile);
    if (cached && cached.context === context && cached.program.deref() === program)
      return { sourceFile, findings: cached.findings };
    return { sourceFile, findings: this.analyze(fileName, program, sourceFile, context).findings };
  }

  /** How each safe query of the file was proven; analyzes the file once more the first time it is asked. */
  proofsFor(fileName: string): FileProofs | undefined {
    const target = this.target(fileName);
    if (!target) return undefined;
    const { program, sourceFile } = target;
    if (!program) return { sourceFile, proofs: [] };

    const context = this.contextFor(fileName);
    const cached = this.proofsCache.get(sourceFile);
    if (cached && cached.context === context && cached.program.deref() === program)
      return { sourceFile, proofs: cached.proofs };
    return { sourceFile, proofs: this.analyze(fileName, program, sourceFile, context, []).proofs ?? [] };
  }

  dispose(): void {
    this.disposed = true;
    this.closeWatchers();
  }

  /** The file's SourceFile and program; no program for files that run no queries; undefined when not ready. */
  private target(fileName: string): { program?: ts.Program; sourceFile: ts.SourceFile } | undefined {
    if (!this.options.enable || !this.parser) return undefined;
    const program = this.info.languageService.getProgram();
    const sourceFile = program?.getSourceFile(fileName);
    if (!program || !sourceFile) return undefined;
    // Declarations, dependencies and JSON modules run no queries.
    if (sourceFile.isDeclarationFile || /[\\/]node_modules[\\/]|\.json$/i.test(fileName)) return { sourceFile };
    return { program, sourceFile };
  }

  /** Analyzes one file and caches its findings (and its proofs, when a sink is passed). */
  private analyze(
    fileName: string,
    program: ts.Program,
    sourceFile: ts.SourceFile,
    context: TenantContext,
    proofs?: Proof[],
  ): { findings: readonly Finding[]; proofs?: readonly Proof[] } {
    const started = performance.now();
    const relativePath = relative(context.config.rootDir, fileName).replace(/\\/g, "/");
    let ignored = context.ignored.get(relativePath);
    if (ignored === undefined) {
      ignored =
        isIgnoredByConfig(relativePath, context.config.rootDir, context.config.ignore) ||
        (context.migrations.has(fileName.replace(/\\/g, "/")) && looksLikeMigration(sourceFile.text));
      context.ignored.set(relativePath, ignored);
    }
    const findings = ignored
      ? []
      : analyzeSourceFile({
          ts: this.tsm,
          sourceFile,
          checker: program.getTypeChecker(),
          config: context.config,
          model: context.model,
          parser: this.parser!,
          relativePath,
          proofs,
          // The program's own files that name a function: a by-id query on its parameter is judged at its calls.
          callerFiles: (name) => programFilesNaming(program, name),
        });
    const programRef = new WeakRef(program);
    this.findingsCache.set(sourceFile, { context, program: programRef, findings });
    if (proofs) this.proofsCache.set(sourceFile, { context, program: programRef, proofs });
    if (this.verbose()) {
      const explained = proofs ? `, ${proofs.length} proofs` : "";
      this.log(
        `analyzed ${fileName} in ${(performance.now() - started).toFixed(1)} ms: ${findings.length} findings${explained}`,
      );
    }
    return { findings, proofs };
  }

  private contextFor(fileName: string): TenantContext {
    const projectDir = this.projectDirectory();
    let configFile: string | undefined;
    if (this.options.configPath) {
      configFile = isAbsolute(this.options.configPath)
        ? this.options.configPath
        : join(projectDir, this.options.configPath);
    } else {
      // Walked up from the file (DESIGN: the nearest config to the analyzed file), cached per directory.
      const dir = dirname(fileName);
      if (!this.configByDir.has(dir)) this.configByDir.set(dir, findConfigFile(this.fs, dir));
      configFile = this.configByDir.get(dir);
    }
    const key = configFile ?? `zero-config:${projectDir}`;
    let context = this.contexts.get(key);
    if (!context) {
      context = this.loadContext(configFile, projectDir);
      this.contexts.set(key, context);
    }
    return context;
  }

  private loadContext(configFile: string | undefined, projectDir: string): TenantContext {
    const loaded = loadConfig(
      this.fs,
      configFile ? { cwd: dirname(configFile), configPath: configFile } : { cwd: projectDir },
    );
    this.reportInputErrors(loaded.errors, "config");
    // tsserver's TypeScript for the readers that parse TS schema files (Drizzle, TypeORM, Sequelize).
    const discovered = discoverTenantModel(this.fs, loaded.config, this.parser!, this.tsm);
    this.reportInputErrors(discovered.errors, "schema");
    // The model's notes carry their own "tenantguard:" prefix.
    for (const note of discovered.notes) this.log(note.replace(/^tenantguard:\s*/, ""));
    this.log(
      `loaded ${loaded.config.configFile ?? `zero-config defaults for ${projectDir}`}: ` +
        `${discovered.model.tables.size} tenant-owned tables (${[...discovered.model.tables.keys()].join(", ") || "none"})`,
    );
    this.watch(loaded.config, projectDir);
    const migrations = new Set(listMigrationFiles(this.fs, loaded.config).filter(isScriptMigration));
    return {
      config: this.withDetectedClients(loaded.config),
      model: discovered.model,
      ignored: new Map(),
      migrations,
    };
  }

  /**
   * As the CLI and the language server do: with no clients configured, the project's root client
   * and its tenant wrapper are detected from the files tsserver already parsed.
   */
  private withDetectedClients(config: ResolvedConfig): ResolvedConfig {
    if (config.clients.scoped.length || config.clients.unscoped.length) return config;
    const files = (this.info.languageService.getProgram()?.getSourceFiles() ?? []).filter(
      (f) => !f.isDeclarationFile && !f.fileName.includes("/node_modules/") && MAY_BUILD_ROOT_CLIENT.test(f.text),
    );
    if (files.length === 0) return config;
    const detected = detectClients(this.tsm, files, config.rootDir);
    for (const note of detected.notes) this.log(note);
    return applyDetectedClients(config, detected);
  }

  private reportInputErrors(errors: readonly InputError[], what: string): void {
    for (const e of errors) {
      const at = e.line ? `:${e.line}${e.column ? `:${e.column}` : ""}` : "";
      this.log(`${what} error in ${e.file}${at}: ${e.message}${e.key ? ` (${e.key})` : ""}; using what could be read`);
    }
  }

  private watch(config: ResolvedConfig, projectDir: string): void {
    const targets: WatchTarget[] = schemaWatchTargets(
      [...config.schema.migrations, ...config.schema.prisma, ...config.schema.drizzle],
      config.rootDir,
    );
    if (config.configFile) targets.push({ kind: "file", path: config.configFile });
    // A config created next to tsconfig.json later (the common place) takes over from zero-config.
    if (!this.options.configPath) {
      targets.push({
        kind: "directory",
        path: projectDir,
        recursive: false,
        accepts: (f) => f.endsWith(CONFIG_FILE_NAME),
      });
    }
    const host = this.info.serverHost;
    for (const target of targets) {
      const key = `${target.kind}:${target.path}:${target.kind === "directory" && target.recursive}`;
      if (this.watchers.has(key)) continue;
      try {
        if (target.kind === "file") {
          const onChange = () => this.invalidate(`${target.path} changed`);
          this.watchers.set(key, host.watchFile(target.path, onChange, POLLING_INTERVAL_MS));
        } else if (host.directoryExists(target.path)) {
          // A schema directory created later is picked up on the next reload (or a tsserver restart).
          const onChange = (fileName: string) => {
            if (target.accepts(fileName)) this.invalidate(`${fileName} changed`);
          };
          this.watchers.set(key, host.watchDirectory(target.path, onChange, target.recursive));
        }
      } catch (error) {
        this.log(`cannot watch ${target.path}: ${describe(error)}`);
      }
    }
  }

  /** Drops config, model and findings; the next request reloads them and the editor is told to ask again. */
  private invalidate(reason: string): void {
    if (this.disposed) return;
    this.log(`reloading config and tenant model: ${reason}`);
    this.contexts.clear();
    this.configByDir.clear();
    this.findingsCache = new WeakMap();
    this.proofsCache = new WeakMap();
    this.closeWatchers();
    this.refreshDiagnostics();
  }

  private closeWatchers(): void {
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }

  /**
   * Asks the editor to request diagnostics again. `refreshDiagnostics` (TS 5.x and 6) makes
   * tsserver emit `projectsUpdatedInBackground` and queue a `geterr` for the open files;
   * older servers only get the project marked dirty. Bursts of watcher events coalesce.
   */
  private refreshDiagnostics(): void {
    if (this.refreshQueued) return;
    this.refreshQueued = true;
    this.info.serverHost.setTimeout(() => {
      this.refreshQueued = false;
      if (this.disposed) return;
      const project = this.info.project;
      if (typeof project.refreshDiagnostics === "function") project.refreshDiagnostics();
      else (project as { markAsDirty?: () => void }).markAsDirty?.();
    }, 25);
  }

  private projectDirectory(): string {
    return this.info.project.getCurrentDirectory();
  }

  private verbose(): boolean {
    const logger = this.info.project.projectService.logger;
    return logger.hasLevel(this.tsm.server.LogLevel.verbose);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

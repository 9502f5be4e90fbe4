// What the language server knows about the workspace: which config governs a file, and
// that config's tenant model. Both are loaded lazily, cached per config root, and dropped
// when a config, migration or Prisma schema changes; loading one also runs the static RLS
// checks on its migrations. Open documents win over the disk, so an unsaved edit of
// tenantguard.config.json takes effect while the user types.
import { dirname, relative, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { AnalyzerFileSystem, InputError, ResolvedConfig, SqlParser, TenantModel } from "../analyzer";
import { CONFIG_FILE_NAME, findConfigFile, loadConfig } from "../analyzer/config/load";
import { listMigrationFiles } from "../analyzer/migrations";
import { discoverTenantModel } from "../analyzer/model/discover";
import { detectRunClients } from "../cli/detect-clients";
import { collectFiles } from "../cli/files";
import { migrationFindings } from "../cli/migration-findings";
import { createNodeFileSystem } from "../cli/node-fs";
import { toPosix } from "../cli/paths";
import type { ReportedFinding } from "../cli/report";

/** The config and tenant model one group of files is analyzed with. */
export interface ConfigContext {
  /** Cache key: the config file, or the workspace folder when running zero-config. */
  key: string;
  config: ResolvedConfig;
  model: TenantModel;
  /** Config and schema problems, each carrying the file it is about. */
  errors: InputError[];
  notes: string[];
  /** The migrations the RLS checks read, SQL and TS ones. */
  migrationFiles: ReadonlySet<string>;
  /** The RLS checks on the migrations under the config root, `file` absolute (suppressed ones included). */
  migrationFindings: ReportedFinding[];
}

/** Reads the text of an open document by absolute path, or undefined when it is not open. */
export type OpenTextLookup = (path: string) => string | undefined;

export class WorkspaceModel {
  private readonly fs: AnalyzerFileSystem;
  private readonly contexts = new Map<string, ConfigContext>();
  private readonly ignoredVerdicts = new Map<string, boolean>();
  private folders: string[] = [];

  constructor(
    private readonly parser: SqlParser,
    openText: OpenTextLookup,
    private readonly onError: (message: string) => void = () => {},
  ) {
    const disk = createNodeFileSystem();
    this.fs = {
      readFile: (path) => openText(path) ?? disk.readFile(path),
      fileExists: (path) => openText(path) !== undefined || disk.fileExists(path),
      glob: (patterns, cwd) => disk.glob(patterns, cwd),
    };
  }

  setFolders(folders: readonly string[]): void {
    this.folders = [...folders];
    this.invalidate();
  }

  get workspaceFolders(): readonly string[] {
    return this.folders;
  }

  /** Drops every cached config and model: the next request loads them afresh. */
  invalidate(): void {
    this.contexts.clear();
    this.ignoredVerdicts.clear();
  }

  /**
   * Drops every cached config and model and loads again the contexts that were loaded, so
   * their diagnostics are replaced rather than cleared until the next scan reaches them.
   */
  reload(): void {
    const directories = [...this.contexts.values()]
      .map((c) => (c.config.configFile ? dirname(c.key) : c.key))
      .filter((dir) => this.folderOf(dir) !== undefined); // not a removed folder's
    this.invalidate();
    for (const dir of new Set([...this.folders, ...directories])) this.contextForDirectory(dir);
  }

  /**
   * Runs the migration checks of every loaded context again, with the same models: a TS
   * migration changed, whose SQL the checks read but the tenant model does not.
   */
  recheckMigrations(): void {
    for (const context of this.contexts.values())
      Object.assign(context, this.checkMigrations(context.config, context.model));
  }

  /** True when a loaded context's migration checks read the file. */
  isMigrationFile(file: string): boolean {
    return [...this.contexts.values()].some((context) => context.migrationFiles.has(file));
  }

  /** Every context loaded so far (for publishing their config errors). */
  loadedContexts(): ConfigContext[] {
    return [...this.contexts.values()];
  }

  /** The context governing `file` (absolute path): the nearest config up the tree, else zero-config at its folder. */
  contextFor(file: string): ConfigContext {
    return this.contextForDirectory(dirname(file));
  }

  contextForDirectory(dir: string): ConfigContext {
    const configFile = findConfigFile(this.fs, dir);
    const key = configFile ?? this.folderOf(dir) ?? dir;
    const cached = this.contexts.get(key);
    if (cached) return cached;
    const loaded = configFile
      ? loadConfig(this.fs, { cwd: dirname(configFile), configPath: configFile })
      : loadConfig(this.fs, { cwd: key });
    const discovered = discoverTenantModel(this.fs, loaded.config, this.parser);
    // As the CLI does: with no clients configured, the root client and its tenant wrapper are detected.
    const clients = detectRunClients(
      loaded.config,
      collectFiles([loaded.config.rootDir], {
        cwd: loaded.config.rootDir,
        rootDir: loaded.config.rootDir,
        ignore: loaded.config.ignore,
      }).files,
    );
    const context: ConfigContext = {
      key,
      config: clients.config,
      model: discovered.model,
      errors: [...loaded.errors, ...discovered.errors],
      notes: [...discovered.notes, ...clients.notes.map((n) => `tenantguard: ${n}`)],
      ...this.checkMigrations(loaded.config, discovered.model),
    };
    this.contexts.set(key, context);
    return context;
  }

  /** True when the config's `ignore` globs, the default excludes or a .gitignore exclude the file. */
  isIgnored(file: string, context: ConfigContext): boolean {
    const cacheKey = `${context.key}\0${file}`;
    const cached = this.ignoredVerdicts.get(cacheKey);
    if (cached !== undefined) return cached;
    // The CLI's walker decides for files on disk; an unsaved new file has only its path to go by.
    const { config } = context;
    const collected = collectFiles([file], { cwd: dirname(file), rootDir: config.rootDir, ignore: config.ignore });
    const ignored = collected.missing.length === 0 && collected.files.length === 0;
    this.ignoredVerdicts.set(cacheKey, ignored);
    return ignored;
  }

  /** Source files of one workspace folder the way the CLI walks them, with the folder's config. */
  sourceFilesOf(folder: string): string[] {
    const { config } = this.contextForDirectory(folder);
    return collectFiles([folder], { cwd: folder, rootDir: config.rootDir, ignore: config.ignore }).files;
  }

  relativePath(file: string, context: ConfigContext): string {
    return toPosix(relative(context.config.rootDir, file));
  }

  private checkMigrations(
    config: ResolvedConfig,
    model: TenantModel,
  ): Pick<ConfigContext, "migrationFiles" | "migrationFindings"> {
    try {
      // Like `tenantguard .` at the config root: migrations outside it are another project's.
      const findings = migrationFindings(
        this.fs,
        config,
        model,
        this.parser,
        [config.rootDir],
        config.rootDir,
        (f) => f,
      );
      return { migrationFiles: new Set(listMigrationFiles(this.fs, config)), migrationFindings: findings.findings };
    } catch (e) {
      // A bug in the checks must not cost the TS files their diagnostics: the server logs it and carries on.
      this.onError(`internal error checking the migrations of ${config.rootDir}: ${(e as Error).stack ?? String(e)}`);
      return { migrationFiles: new Set(), migrationFindings: [] };
    }
  }

  private folderOf(path: string): string | undefined {
    return this.folders
      .filter((folder) => path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep))
      .sort((a, b) => b.length - a.length)[0];
  }
}

/** `file://` URIs only: other schemes (untitled:, git:) have no place on disk to look for a config. */
export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith("file:")) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export function pathToUri(path: string): string {
  return pathToFileURL(path).href;
}

/** Files whose change alters configs or tenant models. */
export function isModelInput(path: string): boolean {
  const name = path.slice(path.lastIndexOf(sep) + 1);
  return name === CONFIG_FILE_NAME || name.endsWith(".sql") || name.endsWith(".prisma");
}

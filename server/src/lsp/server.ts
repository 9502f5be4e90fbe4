// Wires the LSP connection to the analyzer: documents in, diagnostics and code actions
// out. Every handler is guarded: a failure is logged and the server keeps serving.
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, relative } from "node:path";
import ts from "typescript";
import { TextDocument } from "vscode-languageserver-textdocument";
import {
  CodeActionParams,
  HoverParams,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  TextDocuments,
  TextDocumentSyncKind,
  type ClientCapabilities,
  type Connection,
  type InitializeParams,
  type InitializeResult,
  type WorkDoneProgressReporter,
} from "vscode-languageserver/node";
import { loadSqlParser, type SqlParser } from "../analyzer";
import { isScriptMigration } from "../analyzer/migrations";
import packageJson from "../../../package.json";
import { OtherFiles } from "../cli/analysis";
import { CallerFiles } from "../cli/caller-files";
import { hasSourceExtension } from "../cli/files";
import { redactSecrets } from "../cli/redact";
import { CODE_ACTION_KINDS, codeActionsFor, REVEAL_REASON_COMMAND } from "./code-actions";
import { DiagnosticStore } from "./diagnostic-store";
import { findingsToDiagnostics } from "./diagnostics";
import { analyzeText, type DocumentAnalysis } from "./document-analysis";
import { proofHover } from "./hover";
import { scanWorkspace, type ScanResult } from "./scan";
import { TypedPrograms } from "./typed-programs";
import { isModelInput, pathToUri, uriToPath, WorkspaceModel } from "./workspace";

export const SCAN_COMMAND = "tenantguard.scanWorkspace";
/** Quiet time after the last keystroke before a document is checked. */
export const CHECK_DELAY_MS = 150;
/**
 * Quiet time before the other open documents are checked again after an edit: their data-layer
 * queries may be judged at calls in the edited one. Longer, so the edited document's own check
 * runs first and keeps its latency.
 */
export const DEPENDENT_CHECK_DELAY_MS = 600;
const RELOAD_DELAY_MS = 100;

const WATCHED_GLOBS = [
  "**/tenantguard.config.json",
  "**/*.sql",
  "**/schema.prisma",
  "**/*.prisma",
  "**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}",
  "**/tsconfig*.json",
];

/** What the client may pass as `initializationOptions`. */
export interface InitializationOptions {
  /**
   * Give the analyzer a TypeChecker for open documents in a tsconfig project, like the CLI's
   * `--project` (default false). Building a project's program blocks the server for a while
   * on first use (about 2.5 s for this repository), so it is opt-in.
   */
  typeAware?: boolean;
  /**
   * Which engine reports findings in open TypeScript and JavaScript files (default "languageServer").
   * With "tsserver" the tsserver plugin reports them and this server publishes none for those
   * files while they are open (it still does for closed ones, which tsserver does not check),
   * but still answers code actions there (VS Code shows no tsserver plugin quick fixes).
   * Also read from `workspace/didChangeConfiguration` (`settings.tenantguard.engine`).
   */
  engine?: Engine;
}

export type Engine = "languageServer" | "tsserver";

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const openPaths = new Map<string, string>(); // absolute path -> uri, for open documents
  // Files whose helpers the open documents import (the data flow, untyped): open texts first.
  const openText = (file: string) => {
    const uri = openPaths.get(file);
    return uri === undefined ? undefined : documents.get(uri)?.getText();
  };
  const others = new OtherFiles(openText);
  // Per config root: the files that name a function, whose calls judge a by-id query on its parameter.
  const callerIndexes = new Map<string, CallerFiles>();
  const callers = (rootDir: string) => {
    let index = callerIndexes.get(rootDir);
    if (!index)
      callerIndexes.set(
        rootDir,
        (index = new CallerFiles(workspace.sourceFilesOf(rootDir), openText, () => openPaths.keys())),
      );
    return index;
  };
  const analyses = new Map<string, { version: number; analysis: DocumentAnalysis }>();
  // The version lets a client drop diagnostics that arrive after a newer edit.
  const store = new DiagnosticStore(
    (uri, diagnostics) => void connection.sendDiagnostics({ uri, version: documents.get(uri)?.version, diagnostics }),
  );
  const timers = new Map<string, NodeJS.Timeout>();
  /** Documents whose pending check is a dependent's (DEPENDENT_CHECK_DELAY_MS): another edit postpones it. */
  const dependentChecks = new Set<string>();
  let reloadTimer: NodeJS.Timeout | undefined;
  let parser: SqlParser;
  let workspace: WorkspaceModel;
  let programs: TypedPrograms | undefined;
  let capabilities: ClientCapabilities = {};
  let scanRan = false;
  let currentScan: { cancelled: boolean } | undefined;
  let engine: Engine = "languageServer";

  const log = (message: string) => connection.console.log(redactSecrets(message));
  const logError = (message: string) => connection.console.error(redactSecrets(message));
  const guard =
    <A extends unknown[], R>(name: string, handler: (...args: A) => R, fallback: Awaited<R> | undefined = undefined) =>
    async (...args: A): Promise<Awaited<R> | undefined> => {
      try {
        return await handler(...args);
      } catch (e) {
        logError(`tenantguard: ${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        return fallback;
      }
    };

  /** Records one file's analysis as its diagnostics; a crash or skip leaves it with none. */
  const record = (file: string, uri: string, text: string, analysis: DocumentAnalysis, always = false) => {
    if (analysis.kind === "crashed") logError(`tenantguard: internal error analyzing ${file}: ${analysis.message}`);
    if (analysis.kind === "skipped" && !analysis.reason.startsWith("not a TypeScript"))
      log(`tenantguard: skipping ${file}: ${analysis.reason}`);
    // With the tsserver engine the plugin reports open TS/JS files: publishing them too would duplicate.
    const tsserverReports = engine === "tsserver" && hasSourceExtension(file) && openPaths.has(file);
    const diagnostics =
      analysis.kind === "ok" && !tsserverReports
        ? findingsToDiagnostics(
            analysis.findings,
            TextDocument.create(uri, "typescript", 0, text),
            analysis.context.model,
          )
        : [];
    store.setFindings(uri, diagnostics, always);
  };

  /** A file that is not open, from its disk text: helpers and callers are followed as for open ones. */
  const analyzeClosed = (file: string, text: string) =>
    analyzeText(file, text, workspace, parser, undefined, undefined, false, others, callers);

  /** Cached per version; `explain` (hovers) analyzes the version once more, with its proofs, when they are missing. */
  const analyzeDocument = (document: TextDocument, explain = false): DocumentAnalysis | undefined => {
    const file = uriToPath(document.uri);
    if (!file) return undefined;
    const cached = analyses.get(document.uri);
    const sameVersion = cached?.version === document.version;
    if (sameVersion && (!explain || cached.analysis.kind !== "ok" || cached.analysis.proofs)) return cached.analysis;
    // The same text again is parsed afresh: an incremental reparse would invalidate the tree in use.
    const previous = !sameVersion && cached?.analysis.kind === "ok" ? cached.analysis.sourceFile : undefined;
    const analysis = analyzeText(
      file,
      document.getText(),
      workspace,
      parser,
      programs,
      previous,
      explain,
      others,
      callers,
    );
    analyses.set(document.uri, { version: document.version, analysis });
    return analysis;
  };

  const check = (document: TextDocument) => {
    const file = uriToPath(document.uri);
    const analysis = analyzeDocument(document);
    if (!file || !analysis) return;
    // Published even when nothing is found: the client learns this version is clean.
    record(file, document.uri, document.getText(), analysis, true);
    publishModelDiagnostics();
  };

  /** Debounced: a newer version arriving before the timer fires replaces the older check. */
  const scheduleCheck = (document: TextDocument, delay = CHECK_DELAY_MS) => {
    clearTimeout(timers.get(document.uri));
    const { uri, version } = document;
    if (delay === DEPENDENT_CHECK_DELAY_MS) dependentChecks.add(uri);
    else dependentChecks.delete(uri);
    timers.set(
      uri,
      setTimeout(
        guard("check", () => {
          timers.delete(uri);
          dependentChecks.delete(uri);
          const current = documents.get(uri);
          if (current && current.version === version) check(current);
        }),
        delay,
      ),
    );
  };

  /**
   * A file other than these documents changed (an edit, a close, the disk): a data-layer query in
   * one of them may be judged at calls in it, so their analyses are stale and they are checked again.
   */
  const recheckDependents = (changedUri: string | undefined) => {
    for (const document of documents.all()) {
      if (document.uri === changedUri) continue;
      const cached = analyses.get(document.uri);
      // A text that cannot hold a query was never parsed: no call elsewhere changes its findings.
      if (cached?.analysis.kind === "ok" && !cached.analysis.sourceFile) continue;
      analyses.delete(document.uri);
      // A check of its own edit, already pending, analyzes afresh: it keeps its shorter delay.
      if (!timers.has(document.uri) || dependentChecks.has(document.uri))
        scheduleCheck(document, DEPENDENT_CHECK_DELAY_MS);
    }
  };

  /** A file changed, was created or deleted on disk: the caller index of each root holding it reads it again. */
  const refreshCallers = (path: string) => {
    if (!hasSourceExtension(path) || path.split(/[\\/]/).includes("node_modules")) return;
    // A file the config's ignore globs (or .gitignore) leave out is no caller, as in the CLI.
    if (existsSync(path) && workspace.isIgnored(path, workspace.contextFor(path))) return;
    for (const [rootDir, index] of callerIndexes) if (isWithin(path, rootDir)) index.refresh(path);
  };

  // Each model's notes ("inferred tenant column ... from ...") go to the output log once per load.
  const notedContexts = new Set<string>();
  /** Config and schema errors and migration findings of every loaded context, on the files they are about. */
  const publishModelDiagnostics = () => {
    const contexts = workspace.loadedContexts();
    for (const context of contexts) {
      if (notedContexts.has(context.key)) continue;
      notedContexts.add(context.key);
      for (const note of context.notes) log(note);
    }
    store.setInputErrors(
      contexts.flatMap((context) => context.errors),
      (file) => openText(file) ?? readText(file),
    );
    store.setMigrationFindings(contexts.flatMap((context) => context.migrationFindings));
  };

  /** A config, migration or Prisma schema changed: new models, every open file checked again. */
  const scheduleReload = () => {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(
      guard("reload", () => {
        workspace.reload();
        notedContexts.clear();
        analyses.clear();
        // An open config, migration or schema has no findings of its own: publishing it here would
        // send its old model diagnostics once more before publishModelDiagnostics sends the new ones.
        for (const document of documents.all()) if (!isModelInput(uriToPath(document.uri) ?? "")) check(document);
        publishModelDiagnostics();
        if (scanRan) void runScan(undefined);
      }),
      RELOAD_DELAY_MS,
    );
  };

  /** A TS migration changed: its SQL feeds the migration checks only, not the tenant model, so no reload. */
  let migrationTimer: NodeJS.Timeout | undefined;
  const scheduleMigrationCheck = () => {
    clearTimeout(migrationTimer);
    migrationTimer = setTimeout(
      guard("migration check", () => {
        workspace.recheckMigrations();
        publishModelDiagnostics();
      }),
      RELOAD_DELAY_MS,
    );
  };

  /** Files edited outside the editor (git checkout, codegen) after a scan: checked again, a few at a time. */
  const changedOnDisk = new Map<string, string>(); // path -> uri
  let recheckRunning = false;
  const recheckChangedFiles = guard("recheck", async () => {
    if (recheckRunning) return;
    recheckRunning = true;
    try {
      while (changedOnDisk.size > 0) {
        const [path, uri] = changedOnDisk.entries().next().value!;
        changedOnDisk.delete(path);
        if (openPaths.has(path)) continue;
        const text = readText(path);
        if (text === undefined) store.setFindings(uri, []);
        else record(path, uri, text, analyzeClosed(path, text));
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      recheckRunning = false;
    }
  });

  const openDocument = (path: string) => {
    const uri = openPaths.get(path);
    const document = uri === undefined ? undefined : documents.get(uri);
    return document && { text: document.getText(), version: document.version };
  };

  /** The client's token when it sent one, else a server-created one; a client that refuses gets none. */
  const progressReporter = async (
    workDoneToken: string | number | undefined,
  ): Promise<WorkDoneProgressReporter & { token?: { isCancellationRequested: boolean } }> => {
    if (workDoneToken !== undefined) return connection.window.attachWorkDoneProgress(workDoneToken);
    if (capabilities.window?.workDoneProgress) {
      try {
        return await connection.window.createWorkDoneProgress();
      } catch (e) {
        logError(`tenantguard: the client refused a progress token: ${(e as Error).message}`);
      }
    }
    return connection.window.attachWorkDoneProgress(undefined);
  };

  const runScan = async (workDoneToken: string | number | undefined): Promise<ScanResult | undefined> => {
    if (currentScan) currentScan.cancelled = true;
    const own = { cancelled: false };
    currentScan = own;
    const progress = await progressReporter(workDoneToken);
    const token = {
      get isCancellationRequested() {
        return own.cancelled || !!progress.token?.isCancellationRequested;
      },
    };
    const visited = new Set<string>();
    const result = await scanWorkspace(workspace, parser, progress, token, {
      isOpen: (file) => openPaths.has(file),
      onFile: (file, text, analysis) => {
        visited.add(pathToUri(file));
        record(file, pathToUri(file), text, analysis);
      },
      log: logError,
      analyze: (file, text) => analyzeClosed(file, text),
    });
    if (!result.cancelled) {
      // Files deleted or newly ignored since the last scan keep no diagnostics.
      for (const uri of store.urisWithFindings()) {
        if (!visited.has(uri) && !documents.get(uri)) store.setFindings(uri, []);
      }
    }
    if (currentScan === own) currentScan = undefined;
    scanRan = true;
    publishModelDiagnostics();
    log(`tenantguard: checked ${result.files} files${result.cancelled ? " (cancelled)" : ""}`);
    return result;
  };

  connection.onInitialize(async (params: InitializeParams): Promise<InitializeResult> => {
    capabilities = params.capabilities;
    parser = await loadSqlParser();
    workspace = new WorkspaceModel(parser, openText, (message) => logError(`tenantguard: ${message}`));
    const options = (params.initializationOptions ?? {}) as InitializationOptions;
    engine = engineOf(options.engine) ?? engine;
    if (options.typeAware === true) programs = new TypedPrograms(openDocument, log);
    workspace.setFolders(workspaceFoldersOf(params));
    return {
      capabilities: {
        // `save`: a saved text is the disk's now (the caller index reads it), with or without file watchers.
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        codeActionProvider: { codeActionKinds: CODE_ACTION_KINDS, resolveProvider: false },
        hoverProvider: true,
        executeCommandProvider: { commands: [SCAN_COMMAND] },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: "tenantguard-language-server", version: packageJson.version },
    };
  });

  connection.onInitialized(
    guard("initialized", async () => {
      if (capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration) {
        await connection.client.register(DidChangeWatchedFilesNotification.type, {
          watchers: WATCHED_GLOBS.map((globPattern) => ({ globPattern })),
        });
      }
      if (capabilities.workspace?.workspaceFolders) {
        connection.workspace.onDidChangeWorkspaceFolders(
          guard("workspace folders", (event) => {
            const removed = new Set(event.removed.map((f) => uriToPath(f.uri)));
            const added = event.added.map((f) => uriToPath(f.uri)).filter((p): p is string => !!p);
            workspace.setFolders([...workspace.workspaceFolders.filter((f) => !removed.has(f)), ...added]);
            scheduleReload();
          }),
        );
      }
      await runScan(undefined);
    }),
  );

  documents.onDidOpen(
    guard("open", (event) => {
      const path = uriToPath(event.document.uri);
      if (path) openPaths.set(path, event.document.uri);
    }),
  );
  documents.onDidChangeContent(
    guard("change", (event) => {
      const path = uriToPath(event.document.uri);
      if (path) others.forget([path]);
      for (const index of callerIndexes.values()) index.changed();
      if (path && isModelInput(path)) return scheduleReload();
      scheduleCheck(event.document);
      if (path && hasSourceExtension(path)) recheckDependents(event.document.uri);
      if (path && workspace.isMigrationFile(path)) scheduleMigrationCheck();
    }),
  );
  documents.onDidClose(
    guard("close", (event) => {
      const { uri } = event.document;
      clearTimeout(timers.get(uri));
      timers.delete(uri);
      dependentChecks.delete(uri);
      analyses.delete(uri);
      const path = uriToPath(uri);
      if (path) openPaths.delete(path);
      for (const index of callerIndexes.values()) index.changed();
      // Its unsaved text may be gone with it: helpers and calls are read from the disk again.
      if (path) others.forget([path]);
      if (path) refreshCallers(path);
      if (path && hasSourceExtension(path)) recheckDependents(uri);
      if (path && isModelInput(path)) return scheduleReload();
      if (path && workspace.isMigrationFile(path)) scheduleMigrationCheck(); // back to the disk text
      // After a workspace scan the file keeps its diagnostics, now from the disk text.
      const text = path && scanRan ? readText(path) : undefined;
      if (path && text !== undefined) return record(path, uri, text, analyzeClosed(path, text));
      store.setFindings(uri, []);
    }),
  );

  // Clients without file watchers still tell the server a saved text is now the disk's.
  documents.onDidSave(
    guard("save", (event) => {
      const path = uriToPath(event.document.uri);
      if (path) refreshCallers(path);
    }),
  );

  connection.onDidChangeWatchedFiles(
    guard("watched files", (params) => {
      let reload = false;
      let migrationsChanged = false;
      let projectsChanged = false;
      let closedSourceChanged = false;
      for (const change of params.changes) {
        const path = uriToPath(change.uri);
        if (!path) continue;
        others.forget([path]);
        // One file read again, not the whole workspace on the next analysis.
        refreshCallers(path);
        if (!openPaths.has(path) && hasSourceExtension(path)) closedSourceChanged = true;
        // A tsconfig edit, or a file added or removed, changes which files a program holds.
        if (/[\\/]tsconfig[^\\/]*\.json$/.test(path) || change.type !== FileChangeType.Changed) projectsChanged = true;
        if (isModelInput(path)) reload = true;
        else if (scanRan && !openPaths.has(path) && hasSourceExtension(path)) changedOnDisk.set(path, change.uri);
        // A new TS file may be a new migration: listing the migrations again is cheap.
        if (workspace.isMigrationFile(path) || (change.type === FileChangeType.Created && isScriptMigration(path)))
          migrationsChanged = true;
      }
      if (projectsChanged && programs) {
        programs.invalidate();
        analyses.clear();
        for (const document of documents.all()) scheduleCheck(document);
      } else if (closedSourceChanged) {
        // An open document's queries may be judged at calls in the changed file.
        recheckDependents(undefined);
      }
      // A reload re-scans everything anyway.
      if (reload) return scheduleReload();
      if (changedOnDisk.size > 0) void recheckChangedFiles();
      if (migrationsChanged) scheduleMigrationCheck();
    }),
  );

  connection.onDidChangeConfiguration(
    guard("configuration", (params) => {
      const settings = (params.settings as { tenantguard?: { engine?: unknown } } | null)?.tenantguard;
      const next = engineOf(settings?.engine);
      if (!next || next === engine) return;
      engine = next;
      // Every file's diagnostics appear or go away with the engine.
      for (const document of documents.all()) check(document);
      if (scanRan) void runScan(undefined);
    }),
  );

  connection.onCodeAction(
    guard(
      "code action",
      (params: CodeActionParams) => {
        const document = documents.get(params.textDocument.uri);
        const analysis = document && analyzeDocument(document);
        if (!document || analysis?.kind !== "ok" || !analysis.sourceFile) return [];
        const configFile = analysis.context.config.configFile;
        const configText = configFile ? (openText(configFile) ?? readText(configFile)) : undefined;
        return codeActionsFor({
          document,
          findings: analysis.findings,
          sourceFile: analysis.sourceFile,
          tsm: ts,
          range: params.range,
          diagnostics: params.context.diagnostics,
          only: params.context.only,
          config: configFile && configText !== undefined ? { file: configFile, text: configText } : undefined,
        });
      },
      [],
    ),
  );

  connection.onHover(
    guard(
      "hover",
      (params: HoverParams) => {
        const document = documents.get(params.textDocument.uri);
        const file = uriToPath(params.textDocument.uri);
        // With the tsserver engine the plugin's quick info says it for open TS/JS files.
        if (!document || !file || (engine === "tsserver" && hasSourceExtension(file))) return null;
        const analysis = analyzeDocument(document, true);
        if (analysis?.kind !== "ok" || !analysis.proofs?.length) return null;
        return proofHover(document, analysis.proofs, document.offsetAt(params.position));
      },
      null,
    ),
  );

  connection.onExecuteCommand(
    guard("command", async (params) => {
      if (params.command === SCAN_COMMAND) return runScan(params.workDoneToken);
      // A client without its own handler forwards the cursor move of a suppression: nothing to do here.
      if (params.command === REVEAL_REASON_COMMAND) return undefined;
      logError(`tenantguard: unknown command ${params.command}`);
      return undefined;
    }),
  );

  documents.listen(connection);
  connection.listen();
}

function engineOf(value: unknown): Engine | undefined {
  return value === "tsserver" || value === "languageServer" ? value : undefined;
}

function workspaceFoldersOf(params: InitializeParams): string[] {
  const uris = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
  const paths = uris.map(uriToPath).filter((p): p is string => !!p);
  if (paths.length === 0 && params.rootPath) paths.push(params.rootPath);
  return paths;
}

function isWithin(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

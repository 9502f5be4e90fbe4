// The VS Code extension: starts the bundled language server (dist/server.js), tells the
// tsserver plugin (contributed through `typescriptServerPlugins`) whether to report, and adds
// the commands and the status-bar count. Findings, quick fixes and fix-all come from the
// server; the extension never runs workspace code (safe in untrusted workspaces).
//
// Engines (`tenantguard.engine`): exactly one reports findings in TS/JS files.
//   languageServer (default): the server publishes them; the plugin is told `enable: false`.
//   tsserver: the plugin reports them; the server publishes none for TS/JS files but still
//   answers code actions there (VS Code never shows a tsserver plugin's own quick fixes).
import { commands, window, workspace, type ExtensionContext, type LogOutputChannel } from "vscode";
import {
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from "vscode-languageclient/node";
import { COMMANDS, fixAllInFile, openRuleDocumentation, revealReason, showOutput } from "./commands";
import { readSettings, SECTION, type Settings } from "./settings";
import { FindingsStatus } from "./status-bar";
import { configureTsPlugin, tsPluginConfiguration } from "./ts-plugin-config";

/** What `activate` returns: for tests and other extensions, not a stable API. */
export interface TenantguardApi {
  /** Resolves when the language server has started (or immediately when disabled). */
  ready(): Promise<void>;
  findingsCount(): number;
  settings(): Settings;
}

let client: LanguageClient | undefined;
let starting: Promise<void> = Promise.resolve();
/** One channel for the extension and every server it starts, so it outlives restarts. */
let output: LogOutputChannel;

export async function activate(context: ExtensionContext): Promise<TenantguardApi> {
  output = window.createOutputChannel("tenantguard", { log: true });
  const status = new FindingsStatus();
  context.subscriptions.push(
    output,
    status,
    commands.registerCommand(COMMANDS.fixAllInFile, fixAllInFile),
    commands.registerCommand(COMMANDS.openRuleDocumentation, openRuleDocumentation),
    commands.registerCommand(COMMANDS.showOutput, () => showOutput(output)),
    commands.registerCommand(COMMANDS.revealReason, revealReason),
    workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration(SECTION)) return;
      void configureTsPluginLogged(readSettings());
      // The server reads typeAware once, at initialize; `engine` reaches it through
      // workspace/didChangeConfiguration (synchronize.configurationSection) without a restart.
      const restart = ["enable", "typeAware"].some((key) => event.affectsConfiguration(`${SECTION}.${key}`));
      if (restart) starting = starting.then(() => restartServer(context)).catch(reportStartFailure);
    }),
  );
  const settings = readSettings();
  await configureTsPluginLogged(settings);
  starting = settings.enable ? start(context, settings).catch(reportStartFailure) : Promise.resolve();
  await starting;
  return {
    ready: () => starting,
    findingsCount: () => status.count,
    settings: readSettings,
  };
}

export function deactivate(): Promise<void> | undefined {
  return stop();
}

async function restartServer(context: ExtensionContext): Promise<void> {
  await stop();
  const settings = readSettings();
  if (settings.enable) await start(context, settings);
}

async function start(context: ExtensionContext, settings: Settings): Promise<void> {
  if (client) return;
  const module = context.asAbsolutePath("dist/server.js");
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ["--nolazy", "--inspect=6009"] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "typescript" },
      { scheme: "file", language: "typescriptreact" },
      { scheme: "file", language: "javascript" },
      { scheme: "file", language: "javascriptreact" },
      // The server reads open configs and schemas from the editor, unsaved edits included.
      { scheme: "file", pattern: "**/tenantguard.config.json" },
      { scheme: "file", pattern: "**/*.sql" },
      { scheme: "file", pattern: "**/*.prisma" },
    ],
    // Sends `{ tenantguard: {...} }` at start and on every change: the server reads `engine` there.
    synchronize: { configurationSection: SECTION },
    outputChannel: output,
    initializationOptions: { typeAware: settings.typeAware, engine: settings.engine },
  };
  // The client id is the settings section: vscode-languageclient reads `tenantguard.trace.server`.
  client = new LanguageClient(SECTION, "tenantguard", serverOptions, clientOptions);
  await client.start();
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) await running.stop();
}

function reportStartFailure(e: unknown): void {
  const message = `tenantguard: the language server did not start: ${e instanceof Error ? e.message : String(e)}`;
  output.error(message);
  void window.showErrorMessage(message, "Show Output").then((choice) => choice && output.show(true));
}

async function configureTsPluginLogged(settings: Settings): Promise<void> {
  try {
    const configured = await configureTsPlugin(tsPluginConfiguration(settings));
    if (!configured && settings.engine === "tsserver")
      output.warn(
        "tenantguard: engine is tsserver but VS Code's TypeScript extension is not available; no findings in TS/JS files",
      );
  } catch (e) {
    output.error(`tenantguard: could not configure the tsserver plugin: ${(e as Error).message}`);
  }
}

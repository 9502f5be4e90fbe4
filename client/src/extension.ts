// The VS Code extension: starts the bundled language server (dist/server.js) and wires the
// `tenantguard.*` settings (enable, typeAware, trace.server). Diagnostics, quick fixes,
// fix-all and the `tenantguard.scanWorkspace` command all come from the server;
// vscode-languageclient registers the command and reads `tenantguard.trace.server` itself
// (the client id is the settings section).
import { workspace, type ExtensionContext } from "vscode";
import {
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from "vscode-languageclient/node";

const SECTION = "tenantguard";

let client: LanguageClient | undefined;

export async function activate(context: ExtensionContext): Promise<void> {
  context.subscriptions.push(
    workspace.onDidChangeConfiguration(async (event) => {
      // The server reads typeAware once, at initialize: a change needs a restart too.
      const relevant = ["enable", "typeAware"].some((key) => event.affectsConfiguration(`${SECTION}.${key}`));
      if (!relevant) return;
      await stop();
      if (isEnabled()) await start(context);
    }),
  );
  if (isEnabled()) await start(context);
}

export function deactivate(): Promise<void> | undefined {
  return stop();
}

function isEnabled(): boolean {
  return workspace.getConfiguration(SECTION).get<boolean>("enable", true);
}

async function start(context: ExtensionContext): Promise<void> {
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
    initializationOptions: { typeAware: workspace.getConfiguration(SECTION).get<boolean>("typeAware", false) },
  };
  client = new LanguageClient(SECTION, "tenantguard", serverOptions, clientOptions);
  await client.start();
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) await running.stop();
}

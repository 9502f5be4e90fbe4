// Tells the tsserver plugin (contributed through `typescriptServerPlugins`) whether to report.
// VS Code's TypeScript extension keeps the last configuration per plugin and hands it to every
// tsserver it starts, so one call covers restarts and TypeScript version switches too.
import { commands, extensions } from "vscode";
import type { Settings } from "./settings";

export const TS_PLUGIN_ID = "tenantguard/ts-plugin";
const TYPESCRIPT_EXTENSION = "vscode.typescript-language-features";

/** The plugin's `onConfigurationChanged` options (ts-plugin/src/plugin-options.ts). */
export interface TsPluginConfiguration {
  enable: boolean;
  configPath: string;
}

export function tsPluginConfiguration(settings: Settings): TsPluginConfiguration {
  return { enable: settings.enable && settings.engine === "tsserver", configPath: settings.configPath };
}

/** Returns false when VS Code's TypeScript extension is missing or disabled (nothing to configure). */
export async function configureTsPlugin(configuration: TsPluginConfiguration): Promise<boolean> {
  const typescript = extensions.getExtension(TYPESCRIPT_EXTENSION);
  if (!typescript) return false;
  // `_typescript.configurePlugin` exists once the TypeScript extension has activated.
  if (!typescript.isActive) await typescript.activate();
  await commands.executeCommand("_typescript.configurePlugin", TS_PLUGIN_ID, configuration);
  return true;
}

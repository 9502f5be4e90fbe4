// The plugin's own options: the tsconfig `plugins` entry, overridden key by key by what
// the editor pushes through `onConfigurationChanged` (VS Code settings).
//   { "name": "tenantguard/ts-plugin", "configPath": "config/tenantguard.config.json", "enable": true }

export interface PluginOptions {
  /** false: the plugin passes everything through untouched. */
  enable: boolean;
  /** A tenantguard.config.json to use instead of the nearest one; relative to the project directory. */
  configPath: string | undefined;
}

/** Reads the options from untyped JSON; wrong types are reported and ignored, never thrown. */
export function readPluginOptions(raw: unknown, problems: string[]): Partial<PluginOptions> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== "object") {
    problems.push(`plugin options must be an object, got ${typeof raw}`);
    return {};
  }
  const options: Partial<PluginOptions> = {};
  const { enable, configPath } = raw as Record<string, unknown>;
  if (typeof enable === "boolean") options.enable = enable;
  else if (enable !== undefined) problems.push(`"enable" must be true or false, got ${JSON.stringify(enable)}`);
  // An empty string is an editor setting left at its default: it does not override the tsconfig.
  if (typeof configPath === "string") {
    if (configPath.trim()) options.configPath = configPath.trim();
  } else if (configPath !== undefined && configPath !== null)
    problems.push(`"configPath" must be a string, got ${JSON.stringify(configPath)}`);
  return options;
}

/** Later layers win; a key a layer does not set keeps the earlier value. */
export function mergePluginOptions(...layers: Partial<PluginOptions>[]): PluginOptions {
  const merged: PluginOptions = { enable: true, configPath: undefined };
  for (const layer of layers) {
    if (layer.enable !== undefined) merged.enable = layer.enable;
    if (layer.configPath !== undefined) merged.configPath = layer.configPath;
  }
  return merged;
}

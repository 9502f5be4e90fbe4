// The `tenantguard.*` settings as the extension reads them; package.json `contributes.configuration`
// documents each one. Shared by the language client and the tsserver plugin wiring.
import { workspace } from "vscode";

export const SECTION = "tenantguard";

/**
 * Which engine reports findings in TypeScript and JavaScript files. Exactly one does, so the
 * Problems panel never lists a finding twice; quick fixes always come from the language server.
 */
export type Engine = "languageServer" | "tsserver";
export const DEFAULT_ENGINE: Engine = "languageServer";

export interface Settings {
  enable: boolean;
  engine: Engine;
  /** Handed to the tsserver plugin; empty means the nearest tenantguard.config.json. */
  configPath: string;
  typeAware: boolean;
}

export function readSettings(): Settings {
  const config = workspace.getConfiguration(SECTION);
  const engine = config.get<string>("engine", DEFAULT_ENGINE);
  return {
    enable: config.get<boolean>("enable", true),
    engine: engine === "tsserver" || engine === "languageServer" ? engine : DEFAULT_ENGINE,
    configPath: config.get<string>("configPath", "").trim(),
    typeAware: config.get<boolean>("typeAware", false),
  };
}

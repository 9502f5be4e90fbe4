// Zero-config scoped/unscoped clients for a CLI run: only when the config names none.
import { readFileSync } from "node:fs";
import ts from "typescript";
import { detectClients, MAY_BUILD_ROOT_CLIENT, withDetectedClients } from "../analyzer/clients/detect";
import type { ResolvedConfig } from "../analyzer";
import { parseFile } from "./analysis";

/** The config with detected clients filled in, and one note per detection. */
export function detectRunClients(
  config: ResolvedConfig,
  files: readonly string[],
): { config: ResolvedConfig; notes: string[] } {
  if (config.clients.scoped.length || config.clients.unscoped.length) return { config, notes: [] };
  const sources: ts.SourceFile[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    if (!MAY_BUILD_ROOT_CLIENT.test(text)) continue;
    sources.push(parseFile(file, text));
  }
  if (sources.length === 0) return { config, notes: [] };
  const detected = detectClients(ts, sources, config.rootDir);
  return { config: withDetectedClients(config, detected), notes: detected.notes };
}

import type ts from "typescript";
import type { ResolvedConfig } from "./config/types";
import type { TenantModel } from "./model/types";
import type { SqlParser } from "./sql/parse";
import type { Finding } from "./types";

export interface AnalyzeOptions {
  /** The TypeScript module to use: tsserver's own in the plugin, the bundled TS 6 elsewhere. */
  ts: typeof ts;
  sourceFile: ts.SourceFile;
  /** Present in type-aware mode (`--project`, tsserver, language server with a tsconfig). */
  checker?: ts.TypeChecker;
  config: ResolvedConfig;
  model: TenantModel;
  parser: SqlParser;
  /** The file's path relative to `config.rootDir`, with forward slashes (for `allowUnscopedIn`). */
  relativePath: string;
}

/** Every finding in one file, suppressed ones included (with `suppressed` set), sorted by position. */
export function analyzeSourceFile(_options: AnalyzeOptions): Finding[] {
  return []; // filled in by the SQL checker (in progress)
}

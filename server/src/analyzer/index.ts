// The analyzer's entry point: one file in, findings out. Pure: everything it needs is passed.
export type {
  Finding,
  Fix,
  TextEdit,
  RuleId,
  Severity,
  SeveritySetting,
  InputError,
  AnalyzerFileSystem,
  Proof,
  ProofKind,
  RelatedSpan,
} from "./types";
export type { ResolvedConfig, ConfigFile, IsolationLevel } from "./config/types";
export type { TenantModel, TenantTable, ModelSource } from "./model/types";
export type { SqlParser } from "./sql/parse";
export { loadSqlParser } from "./sql/parse";
export { analyzeSourceFile, type AnalyzeOptions } from "./analyze";
export { mayHaveFindings } from "./prefilter";

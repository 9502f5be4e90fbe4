// The analyzer's public vocabulary. Front ends translate these; nothing here knows
// about LSP, tsserver, vscode or the process.

export const RULE_IDS = [
  "missing-tenant-filter",
  "weak-tenant-filter",
  "missing-tenant-on-insert",
  "unscoped-client",
  "dynamic-sql",
  "rls-missing",
  "rls-policy-without-tenant",
  "rls-unchecked-write",
  "rls-disabled",
  "rls-bypass-role",
  "row-security-off",
  "rls-security-definer",
  "rls-policy-fails-open",
  "rls-view-bypass",
  "rls-setting-per-row",
  "rls-policy-leak",
  "tenant-context-leak",
  "tenant-schema-in-query",
  "unquoted-schema-identifier",
  "search-path-outside-scoped-client",
  "shared-connection",
  "suppression-without-reason",
  "unused-suppression",
] as const;

export type RuleId = (typeof RULE_IDS)[number];

export type Severity = "error" | "warning" | "info";
export type SeveritySetting = Severity | "off";

/** A replacement in one file's text; offsets are UTF-16 indices into that text. */
export interface TextEdit {
  start: number;
  end: number;
  newText: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
  /** Safe to apply unattended (`--fix`, "fix all"). Placeholder-producing fixes are not. */
  safe: boolean;
  /**
   * Where an editor should put the cursor once the edits are applied: an offset in the text
   * after the edits (the reason of "Suppress with a reason"). Absent: leave the cursor alone.
   */
  cursor?: number;
}

export interface Suppression {
  reason: string;
  /** Offsets of the suppression comment in the file text. */
  start: number;
  end: number;
}

export interface Finding {
  ruleId: RuleId;
  severity: Severity;
  /** UTF-16 offsets into the analyzed file's text. */
  start: number;
  end: number;
  message: string;
  /** The tenant-owned table or model the finding is about, when there is one. */
  table?: string;
  fixes: Fix[];
  suppressed: Suppression | null;
  /**
   * Stable identity for baselines and SARIF partialFingerprints: rule, table and the
   * normalized statement, not the line, so it survives unrelated edits.
   */
  fingerprint: string;
}

/** A problem with an input file that is not a finding (broken config, unreadable schema). */
export interface InputError {
  file: string;
  message: string;
  /** 1-based, when known. */
  line?: number;
  column?: number;
  /** The config key path, e.g. `clients.scoped[2]`, when the error is about one. */
  key?: string;
}

/** The little the analyzer needs from a file system. Callers decide what it is. */
export interface AnalyzerFileSystem {
  readFile(path: string): string | undefined;
  fileExists(path: string): boolean;
  /** Files matching the globs, relative to `cwd`, as absolute paths, sorted. */
  glob(patterns: readonly string[], cwd: string): string[];
}

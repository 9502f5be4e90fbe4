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
  /** Other places in the same file the finding is about (an ownership check that falls through). */
  related?: RelatedSpan[];
}

/** A span of the analyzed file's text with a note for people (LSP/tsserver related information). */
export interface RelatedSpan {
  start: number;
  end: number;
  message: string;
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

/** How a query on a tenant-owned table was proven to stay inside one tenant (`--explain`, hovers). */
export type ProofKind =
  /** A tenant predicate on the table itself (`o.tenant_id = $1`, `where: { tenantId }`). */
  | "predicate"
  /** Shared-or-owned rows: `tenant_id IS NULL OR tenant_id = v`. */
  | "shared-or-owned"
  /** Looked up by a secret or its hash (`token_hash = $1`): authentication decides the tenant. */
  | "credential"
  /** The signed-in user's own memberships (`user_id = ctx.user.id` on a membership table): identity decides the tenants. */
  | "membership"
  /** The signed-in user's own rows (`owner_id = ctx.user.id`, `if (row.ownerId !== user.id) throw`): identity decides. */
  | "own-rows"
  /** Read by a share link (`tables.<t>.shareKeys`): anyone holding the link's value may read the row and its children. */
  | "share-link"
  /** Reads only rows their tenant made public (`isPublic: true`, `is_public = true`): anyone may read those. */
  | "public-rows"
  /** Reads only which tenant owns the row (`select: { projectId: true }`): the first step of an authorization check. */
  | "owner-lookup"
  /** A join equality on the tenant column to a reference that is already scoped. */
  | "join"
  /** Owned through a parent: a join, foreign key or relation filter to a scoped parent. */
  | "parent"
  /** Run through a scoped client (the client or RLS adds the tenant). */
  | "scoped-client"
  /** The key comes from a row or id the flow already tied to the tenant (a scoped query, a create). */
  | "owned-key"
  /** The row read by id is compared with the tenant before it is used, and the check ends the path. */
  | "ownership-check"
  /** The key is built from the tenant value (`${projectId}-${name}`). */
  | "built-from-tenant"
  /** A helper function whose returned rows or ids come from a scoped query. */
  | "helper"
  /** The key (or the row's tenant) is handed to an authorization check that throws or ends the path. */
  | "authorized"
  /** The key is a parameter, and every call of the function passes a key its caller proved. */
  | "callers";

export interface Proof {
  kind: ProofKind;
  /** The tenant-owned table (SQL name) the proof is about. */
  table: string;
  /** UTF-16 offsets of the query (the table reference in SQL, the ORM call) in the file's text. */
  start: number;
  end: number;
  /** One sentence for people: "tenant predicate `o.tenant_id = $1`", "key `doc.id` from the scoped query on line 12". */
  message: string;
  /** Where the evidence is (the predicate, the earlier query, the check), for related information. */
  evidence?: { start: number; end: number };
}

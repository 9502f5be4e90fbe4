// db-check's vocabulary: a SQL session (PGlite or node-postgres behind one interface), the
// verdict per tenant-owned table, and the run's result. Findings reuse MigrationFinding so
// every CLI format reports them like the static checks, on the migration line.
import type { MigrationFinding, StatementSite } from "../analyzer/migrations";

export interface QueryResult<T> {
  rows: T[];
  /** Rows inserted, updated or deleted, for data-changing statements. */
  affectedRows: number;
}

/** One connection; statements run in order. Errors are thrown as `SqlError`-shaped objects. */
export interface SqlSession {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
  /** Runs a script of several statements (a migration file). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

/** What a driver error carries that db-check uses. */
export interface SqlErrorLike {
  message: string;
  /** SQLSTATE, e.g. 42501 for "new row violates row-level security policy". */
  code?: string;
  /** 1-based character position in the statement, when Postgres reports one. */
  position?: string | number;
}

export interface Leak {
  /** The statement that reached tenant B (as tenant A's session), as run. */
  statement: string;
  /** Rows it read or changed that belong to another tenant. */
  rows: number;
  what: string;
}

export type PolicyTestResult =
  | { status: "isolated" }
  | { status: "leaking"; leaks: Leak[] }
  | { status: "not-verifiable"; reason: string }
  | { status: "not-run"; reason: string };

export interface TableVerdict {
  schema: string;
  name: string;
  tenantColumn: string;
  rlsEnabled: boolean;
  rlsForced: boolean;
  policies: string[];
  policyTest: PolicyTestResult;
  /** The migration statement that created the table, when known. */
  site?: StatementSite;
}

export interface DbCheckResult {
  tables: TableVerdict[];
  findings: MigrationFinding[];
  /** Things the user should know that are not findings (no tenant setting found, ...). */
  notes: string[];
  /** Migrations that failed to apply: the run could not judge the final state. */
  errors: { file: string; line?: number; column?: number; message: string }[];
  timings: { startMs: number; migrateMs: number; checkMs: number };
}

export function errorOf(e: unknown): SqlErrorLike {
  if (e && typeof e === "object" && "message" in e) return e as SqlErrorLike;
  return { message: String(e) };
}

// Runs the SQL scope checker on a SQL text with a small tenant model, for table-driven tests.
import { ClauseTokens } from "../../server/src/analyzer/sql/clauses";
import { loadSqlParser, type SqlParser } from "../../server/src/analyzer/sql/parse";
import { checkSqlScoping, type SqlIssue } from "../../server/src/analyzer/sql/scope";
import type { TenantModel, TenantTable } from "../../server/src/analyzer/model/types";

/** orders, order_items, invoices, users, projects: tenant_id; documents: org_id; plans, countries: global. */
export function testModel(extra: Record<string, string> = {}): TenantModel {
  const source = { file: "/p/db/migrations/001.sql", line: 1, column: 1, kind: "migration" as const };
  const owned: Record<string, string> = {
    orders: "tenant_id",
    order_items: "tenant_id",
    invoices: "tenant_id",
    users: "tenant_id",
    projects: "tenant_id",
    documents: "org_id",
    ...extra,
  };
  const tables = new Map<string, TenantTable>(
    Object.entries(owned).map(([name, tenantColumn]) => [name, { name, tenantColumn, source }]),
  );
  return { tables, globalTables: new Set(["plans", "countries"]) };
}

let parser: SqlParser | undefined;
export async function sqlParser(): Promise<SqlParser> {
  parser ??= await loadSqlParser();
  return parser;
}

export interface IssueSummary {
  rule: string;
  table?: string;
  /** The SQL text the issue underlines. */
  at: string;
}

export function issuesOf(p: SqlParser, sql: string, model = testModel()): SqlIssue[] {
  const parsed = p.parse(sql);
  if ("error" in parsed) throw new Error(`test SQL does not parse: ${parsed.error.message}: ${sql}`);
  return checkSqlScoping(sql, parsed, new ClauseTokens(() => p.scan(sql)), { model });
}

export function summarize(sql: string, issues: SqlIssue[]): IssueSummary[] {
  return issues.map((i) => ({ rule: i.ruleId, table: i.table, at: sql.slice(i.start, i.end) }));
}

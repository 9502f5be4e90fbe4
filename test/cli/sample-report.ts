// Hand-built findings shared by the formatter tests: one file with an error (fixable) and
// a warning, a suppressed cross-tenant read, and an info. Already sorted, as run.ts sorts.
import type { Report, ReportedFinding } from "../../server/src/cli/report";

export const leak: ReportedFinding = {
  ruleId: "missing-tenant-filter",
  severity: "error",
  file: "src/orders.ts",
  line: 10,
  column: 35,
  endLine: 10,
  endColumn: 41,
  message: "orders is tenant-owned (tenant_id) but this query has no tenant predicate",
  table: "orders",
  fixes: [
    {
      title: "Add tenant_id = $2",
      safe: true,
      edits: [{ line: 10, column: 55, endLine: 10, endColumn: 55, newText: " AND tenant_id = $2" }],
    },
  ],
  suppressed: null,
  fingerprint: "mtf:orders:3f2a",
};

export const unusedSuppression: ReportedFinding = {
  ruleId: "unused-suppression",
  severity: "warning",
  file: "src/orders.ts",
  line: 14,
  column: 3,
  endLine: 14,
  endColumn: 60,
  message: "This suppression no longer suppresses anything",
  table: undefined,
  fixes: [],
  suppressed: null,
  fingerprint: "us:1",
};

export const billingJob: ReportedFinding = {
  ruleId: "missing-tenant-filter",
  severity: "error",
  file: "src/billing.ts",
  line: 4,
  column: 22,
  endLine: 4,
  endColumn: 28,
  message: "orders is tenant-owned (tenant_id) but this query has no tenant predicate",
  table: "orders",
  fixes: [],
  suppressed: { reason: "billing job reads all tenants" },
  fingerprint: "mtf:orders:99aa",
};

export const dynamicSql: ReportedFinding = {
  ruleId: "dynamic-sql",
  severity: "info",
  file: "src/reports.ts",
  line: 5,
  column: 9,
  endLine: 5,
  endColumn: 30,
  message: "SQL built at run time cannot be checked",
  table: undefined,
  fixes: [],
  suppressed: null,
  fingerprint: "ds:1",
};

export function sampleReport(findings: ReportedFinding[] = [billingJob, leak, unusedSuppression, dynamicSql]): Report {
  const counts = { errors: 0, warnings: 0, infos: 0, suppressed: 0 };
  for (const f of findings) {
    if (f.suppressed) counts.suppressed++;
    else counts[`${f.severity}s` as "errors" | "warnings" | "infos"]++;
  }
  return { findings, summary: { files: 3, ...counts, durationMs: 12 }, cwd: "/work/app", toolVersion: "0.1.0" };
}

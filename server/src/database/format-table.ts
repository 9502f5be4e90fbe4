// The stylish table of db-check: one row per tenant-owned table, then what leaked and why a
// table could not be verified, in words a reviewer can act on.
import type { TableVerdict } from "./types";

export function formatVerdictTable(tables: readonly TableVerdict[], color: boolean): string {
  if (!tables.length) return "No tenant-owned tables in the database.\n";
  const paint = (code: string, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const header = ["table", "tenant column", "RLS enabled", "forced", "policies", "policy test"];
  const rows = tables.map((t) => [
    t.schema === "public" ? t.name : `${t.schema}.${t.name}`,
    t.tenantColumn,
    t.rlsEnabled ? "yes" : "no",
    t.rlsForced ? "yes" : "no",
    t.policies.length ? t.policies.join(", ") : "-",
    t.policyTest.status,
  ]);
  const width = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(width[i]))
      .join("  ")
      .trimEnd();
  const statusColor: Record<string, string> = {
    isolated: "32",
    leaking: "1;31",
    "not-verifiable": "33",
    "not-run": "2",
  };
  const out = [line(header), width.map((w) => "-".repeat(w)).join("  ")];
  rows.forEach((r, i) => {
    const text = line(r);
    const status = tables[i].policyTest.status;
    out.push(text.slice(0, text.length - status.length) + paint(statusColor[status], status));
  });
  const details: string[] = [];
  for (const t of tables) {
    const test = t.policyTest;
    if (test.status === "leaking" && !t.rlsEnabled) {
      details.push(
        `  ${t.name}: row-level security is not enabled: tenant A's session ${test.leaks.map((l) => l.what).join("; ")}`,
      );
    } else if (test.status === "leaking") {
      for (const leak of test.leaks) details.push(`  ${t.name}: ${leak.what}: ${leak.statement}`);
    } else if (test.status === "not-verifiable" || test.status === "not-run") {
      details.push(`  ${t.name}: ${test.reason}`);
    }
  }
  return ["", ...out, ...(details.length ? ["", ...details] : []), ""].join("\n");
}

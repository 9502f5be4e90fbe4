// Static RLS checks on migrations: pure, over the state left after the last migration
// (readMigrationHistory), so a later migration that fixes an earlier one clears it. The
// language server calls checkMigrations for `.sql` files; the CLI reports the same findings.
import type { ResolvedConfig } from "../config/types";
import { lookupTenantTable, type TenantModel, type TenantTable } from "../model/types";
import { tenantColumnMatches } from "../model/names";
import type { MigrationTable } from "../model/migrations";
import { effectiveSeverity } from "../rules/index";
import { checkSqlScoping } from "../sql/scope";
import { fingerprintOf } from "../fingerprint";
import { findSuppressions, suppressesRule } from "../suppressions";
import type { RuleId, Severity } from "../types";
import { tableKey, type MigrationHistory, type StatementSite } from "./history";
import {
  bareSettingCalls,
  constrainsTenant,
  effectiveCheck,
  failsOpen,
  readsWith,
  restrictedByTenant,
  writesWith,
  type PolicyShape,
} from "./policy";

export {
  readMigrationHistory,
  applyMigrationText,
  emptyHistory,
  migrationSql,
  type MigrationHistory,
  type StatementSite,
} from "./history";
export { TS_MIGRATION_GLOBS, isScriptMigration, listMigrationFiles, looksLikeMigration } from "./ts-migrations";

export interface MigrationFinding {
  /** Absolute path of the migration file. */
  file: string;
  /** 1-based; `endColumn` is just after the last character (as in SARIF). */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  ruleId: RuleId;
  severity: Severity;
  message: string;
  table?: string;
  /** A `-- tenantguard-ignore <rule> -- <reason>` comment right before the statement. */
  suppressed: { reason: string } | null;
  fingerprint: string;
}

export function checkMigrations(
  state: MigrationHistory,
  model: TenantModel,
  config: ResolvedConfig,
): MigrationFinding[] {
  const out: MigrationFinding[] = [];
  const report = (ruleId: RuleId, site: StatementSite, message: string, table?: string) => {
    const severity = effectiveSeverity(config, ruleId);
    if (!severity) return;
    out.push({
      ...site,
      ruleId,
      severity,
      message,
      table,
      suppressed: null,
      fingerprint: fingerprintOf(`${ruleId}|${table ?? ""}|${message}`),
    });
  };

  const owned = [...state.tables.values()].flatMap((table) => {
    const tenant = lookupTenantTable(model, table.name, table.schema) ?? tenantByColumn(table, model, config);
    return tenant ? [{ table, tenant }] : [];
  });
  const rlsTables = owned.filter(
    ({ table }) => config.isolation === "rls" || table.rls.enabled || state.disabledAfterEnable.has(tableKey(table)),
  );
  const rlsInPlay = rlsTables.length > 0;

  const siteOf = (source: { file: string; line: number; column: number }): StatementSite =>
    state.sites.get(`${source.file}:${source.line}:${source.column}`) ?? {
      ...source,
      endLine: source.line,
      endColumn: source.column + 1,
    };
  for (const { table, tenant } of owned) {
    const key = tableKey(table);
    const disabled = state.disabledAfterEnable.get(key);
    const unforced = state.unforcedAfterForce.get(key);
    if (disabled)
      report(
        "rls-disabled",
        disabled,
        `DISABLE ROW LEVEL SECURITY on ${table.name} after it was enabled: its policies no longer apply and every tenant's rows are readable`,
        table.name,
      );
    if (unforced && table.rls.enabled)
      report(
        "rls-disabled",
        unforced,
        `NO FORCE ROW LEVEL SECURITY on ${table.name} after it was forced: the table owner (often the app's role) bypasses its policies again`,
        table.name,
      );
    if (config.isolation === "rls")
      checkRlsMissing(table, tenant, !!disabled, !!unforced && table.rls.enabled, siteOf, report);
  }
  for (const { table, tenant } of rlsTables) checkPolicies(table, tenant, siteOf, report);

  if (rlsInPlay) {
    for (const role of state.roles.values()) {
      const attrs = [role.superuser && "SUPERUSER", role.bypassRls && "BYPASSRLS"].filter(Boolean).join(" and ");
      report(
        "rls-bypass-role",
        role.site,
        `role ${role.name} has ${attrs}: every query it runs skips row-level security, even on forced tables`,
      );
    }
    for (const off of state.rowSecurityOff) {
      const where = off.scope === "session" ? "for this session" : `for ${off.scope} ${off.target}`;
      report(
        "row-security-off",
        off.site,
        `row_security = off ${where}: a role without BYPASSRLS gets errors instead of filtered rows, and one with BYPASSRLS silently reads every tenant`,
      );
    }
    for (const fn of state.definerFunctions.values()) {
      const tables = new Set<string>();
      for (const statement of fn.body) {
        for (const issue of checkSqlScoping(statement.sql, statement.parsed, statement.tokens, { model })) {
          if (issue.table && issue.ruleId !== "dynamic-sql") tables.add(issue.table);
        }
      }
      if (tables.size) {
        const list = [...tables].join(", ");
        report(
          "rls-security-definer",
          fn.site,
          `SECURITY DEFINER function ${fn.name} reads ${list} with no tenant predicate: it runs as its owner, whom row-level security does not restrict when the owner is a superuser, has BYPASSRLS, or owns an unforced table`,
          [...tables][0],
        );
      }
    }
  }
  for (const view of state.views.values()) {
    const reads = view.reads.filter((name) => rlsTables.some(({ table }) => table.name === name));
    if (!reads.length || view.securityInvoker) continue;
    const message = view.materialized
      ? `materialized view ${view.name} stores rows of ${reads.join(", ")} for every tenant; row-level security does not apply to it`
      : `view ${view.name} reads ${reads.join(", ")} with its owner's rights, so row-level security is bypassed for everyone who can read the view; create it WITH (security_invoker = true) (Postgres 15+)`;
    report("rls-view-bypass", view.site, message, reads[0]);
  }
  return suppressMigrationFindings(state.files, out);
}

/**
 * A table the model does not know (created by SQL in a TS migration, which the model does not
 * read) is tenant-owned when it has one of the model's tenant columns and is not global.
 */
function tenantByColumn(table: MigrationTable, model: TenantModel, config: ResolvedConfig): TenantTable | undefined {
  const name = table.name.toLowerCase();
  if (
    model.tables.has(name) ||
    model.globalTables.has(name) ||
    config.globalTables.some((g) => g.toLowerCase() === name)
  )
    return undefined;
  const candidates = new Set([
    ...config.tenantColumns,
    ...(model.inference ? [model.inference.column] : []),
    ...[...model.tables.values()].map((t) => t.tenantColumn),
  ]);
  const tenantColumn = table.columns.find((c) => [...candidates].some((t) => tenantColumnMatches(c, t)));
  return tenantColumn ? { name: table.name, schema: table.schema, tenantColumn, source: table.source } : undefined;
}

type Report = (ruleId: RuleId, site: StatementSite, message: string, table?: string) => void;

type SiteOf = (source: { file: string; line: number; column: number }) => StatementSite;

function checkRlsMissing(
  table: MigrationTable,
  tenant: TenantTable,
  disabledLater: boolean,
  unforcedLater: boolean,
  siteOf: SiteOf,
  report: Report,
): void {
  const missing: string[] = [];
  if (!table.rls.enabled && !disabledLater) missing.push("ENABLE ROW LEVEL SECURITY");
  if (!table.rls.forced && !unforcedLater)
    missing.push("FORCE ROW LEVEL SECURITY (the table owner bypasses RLS otherwise)");
  const tenantPolicy = table.policies.some(
    (p) => readsWith(p) && constrainsTenant(p.using, table.name, tenant.tenantColumn, tenant.owner),
  );
  const owner = tenant.owner;
  if (!tenantPolicy)
    missing.push(
      owner
        ? `a policy tying each row to its ${owner.parent} row (${owner.column} IN (SELECT ${owner.parentColumn} FROM ${owner.parent})): it is tenant-owned through ${owner.parent}`
        : `a policy comparing ${tenant.tenantColumn} with the tenant setting`,
    );
  if (missing.length)
    report(
      "rls-missing",
      siteOf(table.source),
      `tenant-owned table ${table.name} lacks ${missing.join("; ")}`,
      table.name,
    );
}

function checkPolicies(table: MigrationTable, tenant: TenantTable, siteOf: SiteOf, report: Report): void {
  const column = tenant.tenantColumn;
  for (const policy of table.policies) {
    const site = siteOf(policy.source);
    const shape: PolicyShape = policy;
    const openWhenMissing = failsOpen(policy.using, column) ?? failsOpen(policy.withCheck, column);
    if (openWhenMissing)
      report("rls-policy-fails-open", site, `policy ${policy.name} on ${table.name}: ${openWhenMissing}`, table.name);
    const command = policy.command === "all" ? "select" : policy.command;
    if (
      policy.permissive &&
      !openWhenMissing &&
      readsWith(shape) &&
      !constrainsTenant(policy.using, table.name, column, tenant.owner) &&
      !restrictedByTenant(table.policies, command, "using", table.name, column, tenant.owner)
    ) {
      const compares = tenant.owner
        ? `tie the row to its ${tenant.owner.parent} row (${tenant.owner.column})`
        : `compare ${column} with the tenant setting`;
      const what = policy.using ? `its USING does not ${compares}` : "it has no USING";
      report(
        "rls-policy-without-tenant",
        site,
        `permissive policy ${policy.name} on ${table.name} lets every tenant's rows through: ${what}, and permissive policies are combined with OR`,
        table.name,
      );
    }
    const check = effectiveCheck(shape);
    const writeCommand = policy.command === "all" ? "insert" : policy.command;
    if (
      policy.permissive &&
      !openWhenMissing &&
      writesWith(shape) &&
      check !== undefined &&
      (policy.withCheck !== undefined || policy.command === "insert") && // an inherited USING is rls-policy-without-tenant's
      !constrainsTenant(check, table.name, column, tenant.owner) &&
      !restrictedByTenant(table.policies, writeCommand, "check", table.name, column, tenant.owner)
    ) {
      report(
        "rls-unchecked-write",
        site,
        `permissive policy ${policy.name} on ${table.name} allows ${policy.command === "all" ? "inserts and updates" : policy.command + "s"} of rows for another tenant: its WITH CHECK does not ${tenant.owner ? `tie the row to its ${tenant.owner.parent} row (${tenant.owner.column})` : `compare ${column} with the tenant setting`}`,
        table.name,
      );
    }
    if (bareSettingCalls(policy.using).length + bareSettingCalls(policy.withCheck).length > 0) {
      report(
        "rls-setting-per-row",
        site,
        `policy ${policy.name} on ${table.name} calls current_setting(...) for every row; (SELECT current_setting(...)) is evaluated once per statement`,
        table.name,
      );
    }
  }
}

/**
 * Marks findings suppressed by a `-- tenantguard-ignore` comment on the statement's line or in the
 * comment block right above it. `files` holds each migration's text (db-check passes them too).
 */
export function suppressMigrationFindings(
  files: ReadonlyMap<string, string>,
  findings: MigrationFinding[],
): MigrationFinding[] {
  const byFile = new Map<string, { comments: ReturnType<typeof findSuppressions>; lines: string[] }>();
  for (const finding of findings) {
    let entry = byFile.get(finding.file);
    if (!entry) {
      const text = files.get(finding.file) ?? "";
      const lines = text.split("\n");
      const starts = [0];
      for (let i = 0; i < text.length; i++) if (text[i] === "\n") starts.push(i + 1);
      const lineOf = (offset: number) => starts.filter((s) => s <= offset).length - 1;
      entry = { comments: findSuppressions(text, lineOf), lines };
      byFile.set(finding.file, entry);
    }
    const target = finding.line - 1;
    for (const comment of entry.comments) {
      if (comment.form !== "sql" || comment.line > target || !suppressesRule(comment, finding.ruleId)) continue;
      const between = entry.lines.slice(comment.line + 1, target);
      if (between.every((l) => /^\s*(--.*)?$/.test(l)) && comment.reason) {
        finding.suppressed = { reason: comment.reason };
        break;
      }
    }
  }
  return findings;
}

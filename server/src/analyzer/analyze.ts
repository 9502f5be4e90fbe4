import type ts from "typescript";
import { checkBoundary, type BoundaryContext, type BoundaryQuery } from "./clients/boundary";
import { checkIsolation } from "./clients/isolation";
import type { ResolvedConfig } from "./config/types";
import { applySqlEdits, planSqlFix } from "./fixes/sql-fix";
import { tenantValueAt } from "./fixes/tenant-value";
import { fingerprintOf } from "./fingerprint";
import { tenantNames } from "./flow/conditions";
import { fallsThroughNote, OwnershipFlow, type FlowQuery } from "./flow/ownership";
import { prismaFlowQuery, sqlFlowQuery, writeTarget } from "./flow/queries";
import type { TenantModel } from "./model/types";
import { lookupTenantTable, tenantFieldOf } from "./model/types";
import { MAY_HOLD_SQL } from "./prefilter";
import { enclosingStatement } from "./statements";
import { ORM_MODULES, type OrmContext, type OrmFinding, type OrmQuery } from "./orm";
import { effectiveSeverity } from "./rules";
import { ClauseTokens } from "./sql/clauses";
import { extractSqlSites } from "./sql/extract";
import type { SqlParser } from "./sql/parse";
import { checkSqlScoping, type SqlIssue } from "./sql/scope";
import type { SqlSite } from "./sql/site";
import { tenantDatabaseTablesIn, tenantTablesIn } from "./sql/tables";
import { findSuppressions, suppressesRule, unknownRules, type SuppressionComment } from "./suppressions";
import type { Finding, Fix, RuleId } from "./types";

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

/** A finding before suppressions, severities and fingerprints are applied. */
interface RawFinding {
  ruleId: RuleId;
  start: number;
  end: number;
  message: string;
  table?: string;
  fixes: Fix[];
  /** Offset where the statement running the query starts: a next-line suppression above it covers the finding. */
  anchor: number;
  /** The SQL literal the finding sits in, for `-- tenantguard-ignore` inside SQL. */
  literal?: { start: number; end: number };
  /** What identifies the finding across unrelated edits. */
  identity: string;
  /** The Prisma call or raw SQL site the finding is about, for ownership proven earlier in the flow. */
  call?: ts.Node;
}

// A tagged template that does not start like a statement is a fragment (`sql\`AND x = ${y}\``),
// checked where it is inlined, not on its own.
const STATEMENT_START =
  /^\s*(?:(?:--[^\n]*\n|\/\*[\s\S]*?\*\/)\s*)*(?:select|insert|update|delete|with|merge|values|table|explain|\()/i;

/** Every finding in one file, suppressed ones included (with `suppressed` set), sorted by position. */
export function analyzeSourceFile(options: AnalyzeOptions): Finding[] {
  const { sourceFile } = options;
  const raw: RawFinding[] = [];
  const queries = new Map<ts.Node, FlowQuery>();
  if (MAY_HOLD_SQL.test(sourceFile.text)) {
    for (const site of extractSqlSites(options.ts, sourceFile)) raw.push(...checkSite(site, options, queries));
  }
  if (options.model.entities?.size || options.model.tables.size) raw.push(...checkOrmCalls(options, queries));
  return finalize(withOwnership(raw, queries, options), options);
}

/**
 * Drops a missing-tenant-filter whose by-id query uses a key the same function has already tied
 * to the tenant (flow/ownership.ts); only functions holding such a finding are analysed.
 */
function withOwnership(raw: RawFinding[], queries: ReadonlyMap<ts.Node, FlowQuery>, options: AnalyzeOptions) {
  if (!raw.some((f) => f.ruleId === "missing-tenant-filter" && f.call)) return raw;
  const { model, config } = options;
  const flow = new OwnershipFlow({
    ts: options.ts,
    sourceFile: options.sourceFile,
    queries,
    tenantOf: (name) => {
      const table = model.tables.get(name);
      const columns = table ? [table.tenantColumn, tenantFieldOf(table, "prisma")] : [];
      return tenantNames(columns, config.tenantExpression);
    },
  });
  const out: RawFinding[] = [];
  for (const f of raw) {
    const verdict =
      f.ruleId === "missing-tenant-filter" && f.call && f.table ? flow.verdict(f.call, f.table) : undefined;
    if (verdict?.kind === "owned") continue;
    out.push(verdict ? { ...f, message: `${f.message} ${fallsThroughNote(options.sourceFile, verdict.check)}` } : f);
  }
  return out;
}

function checkOrmCalls(options: AnalyzeOptions, flowQueries: Map<ts.Node, FlowQuery>): RawFinding[] {
  const ctx: OrmContext = {
    ts: options.ts,
    sourceFile: options.sourceFile,
    checker: options.checker,
    model: options.model,
    config: options.config,
    parser: options.parser,
    tenantValueAt: (node, field) => tenantValueAt(options.ts, node, field, options.config.tenantExpression),
  };
  const boundary = boundaryContext(options);
  const out: RawFinding[] = [];
  for (const orm of ORM_MODULES) {
    if (!orm.appliesTo(ctx)) continue;
    const checked = orm.check(ctx);
    const queries: readonly OrmQuery[] = orm.queries?.(ctx) ?? queriesOfFindings(checked);
    if (orm.name === "prisma") {
      const flagged = new Set(checked.map((f) => f.call));
      for (const q of queries) {
        const flowQuery = prismaFlowQuery(options.ts, q.call, q.table, !flagged.has(q.call));
        if (flowQuery) flowQueries.set(q.call, flowQuery);
      }
    }
    const byCall = new Map<ts.Node, BoundaryQuery & { tables: string[] }>();
    for (const q of queries) {
      const entry = byCall.get(q.call) ?? { call: q.call, receiver: q.receiver, tables: [] };
      entry.tables.push(q.table);
      byCall.set(q.call, entry);
    }
    const waived = new Set<ts.Node>();
    for (const query of byCall.values()) {
      const result = checkBoundary(boundary, query);
      if (result.waivesPredicate) waived.add(query.call);
      for (const b of result.findings)
        out.push({
          ...b,
          anchor: enclosingStatement(options.ts, query.call).getStart(options.sourceFile),
          identity: `${orm.name}|${b.ruleId}|${b.table}|${normalizeSql(query.call.getText(options.sourceFile))}`,
        });
    }
    // A query through a scoped client needs no predicate (the ORM modules mostly skip them already).
    const kept = checked.filter(
      (f) => !waived.has(f.call) && !(f.receiver && !byCall.has(f.call) && scopedReceiver(boundary, f)),
    );
    for (const f of kept) {
      out.push({
        ruleId: f.ruleId,
        start: f.start,
        end: f.end,
        message: f.message,
        table: f.table,
        fixes: f.fixes,
        anchor: enclosingStatement(options.ts, f.call).getStart(options.sourceFile),
        identity: `${orm.name}|${f.identity}`,
        call: orm.name === "prisma" ? f.call : undefined,
      });
    }
  }
  return out;
}

function checkSite(site: SqlSite, options: AnalyzeOptions, flowQueries: Map<ts.Node, FlowQuery>): RawFinding[] {
  const { ts: tsm, sourceFile, parser, model } = options;
  const anchor = enclosingStatement(tsm, site.node).getStart(sourceFile);
  const literal = { start: site.literal.getStart(sourceFile), end: site.literal.getEnd() };
  if (site.dynamic) {
    const node = site.dynamic.node;
    return [
      {
        ruleId: "dynamic-sql",
        start: node.getStart(sourceFile),
        end: node.getEnd(),
        message: `${site.dynamic.reason}. tenantguard cannot check SQL built at run time for the tenant predicate: review it, or write it as one static statement.`,
        fixes: [],
        anchor,
        literal,
        identity: `dynamic|${normalizeSql(node.getText(sourceFile))}`,
      },
    ];
  }
  const parsed = parser.parse(site.sql);
  if ("error" in parsed && site.parameterStyle === "template" && !STATEMENT_START.test(site.sql)) return [];
  if ("error" in parsed) {
    // At isolation "schema", a schema name spliced in is both why it does not parse and the finding.
    const isolation = checkIsolation(boundaryContext(options), site, undefined);
    const explained = isolation.findings.map((f) => ({
      ruleId: f.ruleId,
      start: f.start,
      end: f.end,
      message: f.message,
      fixes: f.fixes,
      anchor,
      literal,
      identity: `${f.ruleId}|${f.key}|${normalizeSql(site.sql)}`,
    }));
    if (isolation.explainsParseError) return explained;
    const at = parsed.error.position;
    const hole =
      site.holes.find((h) => h.kind !== "value" && at >= h.sqlStart - 1 && at <= h.sqlEnd + 1) ??
      site.holes.find((h) => at >= h.sqlStart - 1 && at <= h.sqlEnd + 1);
    // Underline the interpolation that broke the statement, else the token the parser stopped at.
    const start = hole
      ? hole.expr.getStart(sourceFile)
      : site.toFileOffset(Math.min(at, Math.max(0, site.sql.length - 1)));
    const wordEnd = at + Math.max(1, /^[^\s,;()]*/.exec(site.sql.slice(at))![0].length);
    const end = hole ? hole.expr.getEnd() : mapEnd(site, wordEnd);
    const message = hole
      ? `SQL is assembled at run time (\`${hole.expr.getText(sourceFile)}\` splices in part of the statement), so it cannot be checked for the tenant predicate. Parser: ${parsed.error.message}.`
      : `SQL does not parse, so it cannot be checked for the tenant predicate. Parser: ${parsed.error.message}.`;
    return [
      {
        ruleId: "dynamic-sql",
        start,
        end: Math.max(start + 1, end),
        message,
        fixes: [],
        anchor,
        literal,
        identity: `parse|${normalizeSql(site.sql)}`,
      },
      ...explained,
    ];
  }
  const tokens = new ClauseTokens(() => parser.scan(site.sql));
  const boundaryCtx = boundaryContext(options);
  const boundary = checkBoundary(boundaryCtx, {
    call: site.node,
    receiver: site.receiver,
    tables:
      options.config.isolation === "database"
        ? tenantDatabaseTablesIn(parsed, (t) => isConfiguredGlobal(options.config, t)).map((t) => t.table)
        : tenantTablesIn(parsed, model).map((t) => t.table),
  });
  // A query through a scoped client needs no predicate: the client adds the tenant (or RLS enforces it).
  const issues = boundary.waivesPredicate ? [] : checkSqlScoping(site.sql, parsed, tokens, { model });
  // The flow reasons about statements on one tenant-owned table only.
  const target = writeTarget(site.sql);
  const touched = new Set([
    ...tenantTablesIn(parsed, model).map((t) => t.table),
    ...(target ? [lookupTenantTable(model, target.table, target.schema)?.name] : []),
  ]);
  touched.delete(undefined);
  if (touched.size === 1 && options.config.isolation !== "database") {
    const [table] = touched as Set<string>;
    const scoped = !issues.length && !boundary.findings.length;
    flowQueries.set(site.node, sqlFlowQuery(options.ts, site, table, scoped));
  }
  const normalized = normalizeSql(site.sql);
  const extra: RawFinding[] = [
    ...boundary.findings.map((b) => ({ ...b, anchor, literal, identity: `${b.ruleId}|${b.table}|${normalized}` })),
    ...checkIsolation(boundaryCtx, site, parsed).findings.map((f) => ({
      ruleId: f.ruleId,
      start: f.start,
      end: f.end,
      message: f.message,
      fixes: f.fixes,
      anchor: f.anchorNode ? enclosingStatement(options.ts, f.anchorNode).getStart(options.sourceFile) : anchor,
      literal: f.anchorNode ? undefined : literal,
      identity: `${f.ruleId}|${f.key}|${normalized}`,
    })),
  ];
  return [
    ...extra,
    ...issues.map((issue) => ({
      ruleId: issue.ruleId,
      start: site.toFileOffset(issue.start),
      end: Math.max(site.toFileOffset(issue.start) + 1, mapEnd(site, issue.end)),
      message: issue.message,
      table: issue.table,
      fixes: fixesFor(site, issue, issues, options),
      anchor,
      literal,
      identity: `${issue.ruleId}|${issue.table ?? ""}|${issue.statementIndex}|${normalizeSql(site.sql)}`,
      call: site.node,
    })),
  ];
}

function isConfiguredGlobal(config: ResolvedConfig, table: string): boolean {
  const name = table.toLowerCase();
  return (
    config.globalTables.some((g) => g.toLowerCase().split(".").pop() === name) ||
    Object.entries(config.tables).some(([key, t]) => t.global && key.toLowerCase().split(".").pop() === name)
  );
}

function boundaryContext(options: AnalyzeOptions): BoundaryContext {
  const { ts: tsm, sourceFile, checker, config, relativePath } = options;
  return { ts: tsm, sourceFile, checker, config, relativePath };
}

/** For an ORM module without `queries`: the queries its findings are about (those without a predicate). */
function queriesOfFindings(findings: readonly OrmFinding[]): OrmQuery[] {
  const out: OrmQuery[] = [];
  for (const f of findings)
    if (f.receiver && f.table) out.push({ call: f.call, receiver: f.receiver, table: f.table, kind: "read" });
  return out;
}

function scopedReceiver(ctx: BoundaryContext, f: OrmFinding): boolean {
  return checkBoundary(ctx, { call: f.call, receiver: f.receiver, tables: [] }).waivesPredicate;
}

/** The analyzer's fix for a SQL issue, kept only when re-checking the fixed SQL shows the hole closed. */
function fixesFor(site: SqlSite, issue: SqlIssue, all: SqlIssue[], options: AnalyzeOptions): Fix[] {
  if (!issue.fix || !issue.table) return [];
  const table = options.model.tables.get(issue.table);
  if (!table) return [];
  const value = tenantValueAt(options.ts, site.node, table.tenantColumn, options.config.tenantExpression);
  const planned = planSqlFix(options.ts, site, issue.fix, value);
  if (!planned) return [];
  const fixedSql = applySqlEdits(site.sql, planned.sqlEdits);
  const reparsed = options.parser.parse(fixedSql);
  if ("error" in reparsed) return [];
  const after = checkSqlScoping(fixedSql, reparsed, new ClauseTokens(() => options.parser.scan(fixedSql)), {
    model: options.model,
  });
  const count = (list: SqlIssue[]) =>
    list.filter((i) => i.table === issue.table && i.statementIndex === issue.statementIndex).length;
  if (count(after) >= count(all)) return [];
  return [{ title: planned.title, edits: planned.fileEdits, safe: value.resolved }];
}

/** Applies suppressions, severities and fingerprints; adds the suppression rules' own findings. */
function finalize(raw: RawFinding[], options: AnalyzeOptions): Finding[] {
  const { sourceFile, config } = options;
  const lineOf = (offset: number) => sourceFile.getLineAndCharacterOfPosition(offset).line;
  const comments = findSuppressions(sourceFile.text, lineOf);
  const seen = new Map<string, number>();
  const findings: Finding[] = [];
  for (const f of raw.sort((a, b) => a.start - b.start)) {
    const comment = comments.find((c) => covers(c, f, lineOf));
    if (comment) comment.used = true;
    const severity = effectiveSeverity(config, f.ruleId);
    if (!severity) continue;
    const occurrence = seen.get(f.identity) ?? 0;
    seen.set(f.identity, occurrence + 1);
    findings.push({
      ruleId: f.ruleId,
      severity,
      start: f.start,
      end: f.end,
      message: f.message,
      table: f.table,
      fixes: f.fixes,
      suppressed: comment ? { reason: comment.reason, start: comment.start, end: comment.end } : null,
      fingerprint: fingerprintOf(`${f.identity}|${occurrence}`),
    });
  }
  for (const c of comments) findings.push(...suppressionFindings(c, options, sourceFile.text));
  return findings.sort((a, b) => a.start - b.start || a.ruleId.localeCompare(b.ruleId));
}

function covers(c: SuppressionComment, f: RawFinding, lineOf: (offset: number) => number): boolean {
  if (!suppressesRule(c, f.ruleId)) return false;
  if (c.form === "next-line") return c.line + 1 === lineOf(f.start) || c.line + 1 === lineOf(f.anchor);
  // Inside SQL: covers what follows the comment in the same SQL text.
  return !!f.literal && c.start >= f.literal.start && c.end <= f.literal.end && c.start < f.start;
}

function suppressionFindings(c: SuppressionComment, options: AnalyzeOptions, text: string): Finding[] {
  const out: Finding[] = [];
  const add = (ruleId: RuleId, message: string) => {
    const severity = effectiveSeverity(options.config, ruleId);
    if (!severity) return;
    out.push({
      ruleId,
      severity,
      start: c.start,
      end: c.end,
      message,
      fixes: [],
      suppressed: null,
      fingerprint: fingerprintOf(`${ruleId}|${text.slice(c.start, c.end)}`),
    });
  };
  const unknown = unknownRules(c);
  if (!c.reason)
    add(
      "suppression-without-reason",
      "This tenantguard-ignore comment gives no reason. Say why the cross-tenant access is intended after `--`, so the suppression is part of the audit trail.",
    );
  if (unknown.length)
    add(
      "unused-suppression",
      `This tenantguard-ignore comment names unknown rule${unknown.length > 1 ? "s" : ""} ${unknown.map((r) => `"${r}"`).join(", ")}.`,
    );
  else if (!c.used)
    add(
      "unused-suppression",
      "This tenantguard-ignore comment suppresses nothing any more. Remove it so the audit trail stays true.",
    );
  return out;
}

/** Maps an exclusive SQL end offset into the file. */
function mapEnd(site: SqlSite, end: number): number {
  if (end <= 0) return site.toFileOffset(0);
  return site.toFileOffset(Math.min(end, site.sql.length) - 1) + 1;
}

/** Whitespace and placeholder numbering do not change what a statement is. */
function normalizeSql(sql: string): string {
  return sql.replace(/\s+/g, " ").replace(/\$\d+/g, "$?").trim();
}

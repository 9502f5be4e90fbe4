import type ts from "typescript";
import { checkBoundary, type BoundaryContext, type BoundaryQuery } from "./clients/boundary";
import { checkIsolation } from "./clients/isolation";
import type { ResolvedConfig } from "./config/types";
import { applySqlEdits, planSqlFix } from "./fixes/sql-fix";
import { tenantValueAt } from "./fixes/tenant-value";
import { fingerprintOf } from "./fingerprint";
import { WeakCache } from "./weak-cache";
import { tenantNames, type TenantNames } from "./flow/conditions";
import { addRootFlowQueries, ormFlowQuery } from "./flow/orm-queries";
import {
  fallsThroughNote,
  OwnershipFlow,
  type CallerAccess,
  type CallerBudget,
  type FlowQuery,
} from "./flow/ownership";
import { selectedRowsOf, sqlFlowQuery, writeTarget } from "./flow/queries";
import { FunctionResolver } from "./flow/functions";
import { withSetListStubs } from "./sql/set-list";
import { isSessionUser, isUsersTable } from "./membership";
import { argumentAt, callSitesOf, isDefaultExport, isEntryPoint, ownerOf, parameterKey } from "./flow/callers";
import { modelLinks } from "./model/relations";
import {
  insertTenantColumnsOf,
  lookupTenantEntity,
  lookupTenantTable,
  type TenantModel,
  type TenantTable,
} from "./model/types";
import { MAY_HOLD_SQL } from "./prefilter";
import { calleeName, enclosingStatement } from "./statements";
import { fallsThroughSpan, ormProofs, sqlProofs, withProofHint } from "./explain";
import {
  decisionOnly,
  findIdentityEvidence,
  findTenantEvidence,
  keyUsedAfter,
  tenantSpellings,
} from "./explain-evidence";
import { escapeRegExp } from "./escape-regexp";
import { ORM_MODULES, type OrmContext, type OrmFinding, type OrmModule, type OrmQuery } from "./orm";
import { drizzleRelationalQueries } from "./orm/builder-queries";
import { effectiveSeverity } from "./rules";
import { ClauseTokens } from "./sql/clauses";
import { extractSqlSites } from "./sql/extract";
import { conditionalVariants } from "./sql/variants";
import type { ParsedSql, SqlParser } from "./sql/parse";
import { constInitializer } from "./flow/bindings";
import { normalize } from "./flow/flow-values";
import { checkSqlScoping, type SqlIssue, type SqlProof } from "./sql/scope";
import type { SqlSite } from "./sql/site";
import { selectProjection, tenantDatabaseTablesIn, tenantTablesIn } from "./sql/tables";
import { findSuppressions, suppressesRule, unknownRules, type SuppressionComment } from "./suppressions";
import type { Finding, Fix, Proof, RelatedSpan, RuleId } from "./types";

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
  /**
   * Without a checker: another project file by absolute path, parsed once by the caller, so that
   * helpers imported from it (`import { getDoc } from "./repo"`) prove ownership for this file's
   * by-id queries. Absent: only helpers in this file are followed (with a checker, every file is).
   */
  sourceFileOf?(fileName: string): ts.SourceFile | undefined;
  /**
   * Where a bare module specifier may point (tsconfig `paths`/`baseUrl`: `@gitroom/lib/x` ->
   * `libraries/lib/src/x`), as candidate paths without extension, best first; the resolver's own
   * guesses (`@/`, workspace packages) follow.
   */
  moduleCandidates?(from: string, specifier: string): readonly string[];
  /** When set, how each safe query was proven is pushed here (`--explain`, hovers); absent, nothing extra is computed. */
  proofs?: Proof[];
  /**
   * Parsed project files that may call a function named `name` (whose text holds the name), the
   * analysed file included: a by-id query whose key is a parameter is judged at its calls.
   * Absent: such a key stays unproven.
   */
  callerFiles?(name: string, definedIn: string, owner?: string): readonly ts.SourceFile[];
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
  /** The ORM call or raw SQL site the finding is about, for ownership proven earlier in the flow. */
  call?: ts.Node;
  related?: RelatedSpan[];
}

// A tagged template that does not start like a statement is a fragment (`sql\`AND x = ${y}\``),
// checked where it is inlined, not on its own.
const STATEMENT_START =
  /^\s*(?:(?:--[^\n]*\n|\/\*[\s\S]*?\*\/)\s*)*(?:select|insert|update|delete|with|merge|values|table|explain|\()/i;

// `knex.raw('(SELECT COUNT(*) FROM charts WHERE ...) as chart_count')` in a builder's select.
const SELECT_COLUMN = /^\s*\([\s\S]*\)\s+as\s+"?\w+"?\s*$/i;

/** Every finding in one file, suppressed ones included (with `suppressed` set), sorted by position. */
export function analyzeSourceFile(options: AnalyzeOptions): Finding[] {
  const { sourceFile } = options;
  const raw: RawFinding[] = [];
  const queries = new Map<ts.Node, FlowQuery>();
  if (MAY_HOLD_SQL.test(sourceFile.text)) {
    for (const site of extractSqlSites(options.ts, sourceFile, modelTableOf(options.model)))
      raw.push(...checkSite(site, options, queries));
  }
  if (options.model.entities?.size || options.model.tables.size) raw.push(...checkOrmCalls(options, queries));
  return finalize(withOwnership(raw, queries, options), options);
}

/**
 * The rules a later proof can answer: a missing filter (by the key, a check of the row); a weak one
 * (`...(ext ? { projectId_externalId } : { id })`) only by a check of the row it read.
 */
const OWNERSHIP_RULES = new Set<RuleId>(["missing-tenant-filter", "weak-tenant-filter"]);

/**
 * Drops a missing-tenant-filter whose by-id query uses a key the same function has already tied
 * to the tenant (flow/ownership.ts), and records how in `options.proofs`; only functions holding
 * such a finding are analysed. With a checker (or `sourceFileOf`), helpers in other files
 * count: their file's queries are computed once per file (flowQueriesOf).
 */
function withOwnership(raw: RawFinding[], queries: ReadonlyMap<ts.Node, FlowQuery>, options: AnalyzeOptions) {
  const { model, config, sourceFile } = options;
  // A row created under a parent (prisma-writes.ts checkParentKey) is the tenant's when the flow proves the parent.
  const judged = (f: RawFinding) =>
    !!f.call &&
    (OWNERSHIP_RULES.has(f.ruleId) ||
      (f.ruleId === "missing-tenant-on-insert" &&
        !!queries.get(f.call)?.creates &&
        !!f.table &&
        !!lookupTenantTable(model, f.table)?.owner));
  if (!raw.some(judged)) return raw;
  const namesByTable = new Map<string, TenantNames>();
  const tenantOf = (name: string) => {
    let names = namesByTable.get(name);
    if (!names) namesByTable.set(name, (names = tenantNamesOf(lookupTenantTable(model, name), config)));
    return names;
  };
  const authorizers = { configured: new Set(config.authorizers ?? []) };
  const budget: CallerBudget = { nested: 0, truncated: 0 };
  // Other files' flows, for the calls of a function whose parameter is a by-id query's key.
  const flows = new Map<ts.SourceFile, OwnershipFlow>();
  const callers: CallerAccess | undefined = options.callerFiles && {
    filesMentioning: options.callerFiles,
    flowOf: (file) => {
      let other = flows.get(file);
      if (!other) flows.set(file, (other = flowOf(file, flowQueriesOf(options, file))));
      return other;
    },
  };
  const flowOf = (file: ts.SourceFile, fileQueries: ReadonlyMap<ts.Node, FlowQuery>) =>
    new OwnershipFlow({
      ts: options.ts,
      sourceFile: file,
      queries: fileQueries,
      checker: options.checker,
      sourceFileOf: options.checker ? undefined : options.sourceFileOf,
      moduleCandidates: options.moduleCandidates,
      queriesOf: options.checker || options.sourceFileOf ? (other) => flowQueriesOf(options, other) : undefined,
      tenantOf,
      authorizers,
      callers,
      links: modelLinks(model),
      budget,
    });
  const flow = flowOf(sourceFile, queries);
  flows.set(sourceFile, flow);
  const out: RawFinding[] = [];
  for (const f of raw) {
    const verdict =
      judged(f) && f.table ? flow.verdict(f.call!, f.table, f.ruleId === "weak-tenant-filter") : undefined;
    if (verdict?.kind === "owned") {
      // SQL: the table reference the finding underlined; ORM: the whole call.
      const [start, end] = f.literal ? [f.start, f.end] : [f.call!.getStart(sourceFile), f.call!.getEnd()];
      const evidence = { start: verdict.evidence.getStart(sourceFile), end: verdict.evidence.getEnd() };
      options.proofs?.push({ kind: verdict.proof, table: f.table!, start, end, message: verdict.message, evidence });
      continue;
    }
    const decides = f.ruleId === "missing-tenant-filter" && decidingRead(options.ts, f.call, queries);
    if (decides) {
      const start = f.call!.getStart(sourceFile);
      const end = f.call!.getEnd();
      const message = "reads the row only to decide conditions; nothing of it is handed on";
      options.proofs?.push({ kind: "owner-lookup", table: f.table!, start, end, message, evidence: { start, end } });
      continue;
    }
    if (verdict?.kind === "unproven-call") out.push({ ...f, message: `${f.message} ${verdict.note}` });
    else
      out.push(
        verdict
          ? {
              ...f,
              message: `${f.message} ${fallsThroughNote(sourceFile, verdict.check, verdict.branch)}`,
              related: [fallsThroughSpan(sourceFile, verdict.check)],
            }
          : f,
      );
  }
  return out;
}

/**
 * A by-key read whose row only decides conditions (explain-evidence.ts decisionOnly) and whose key
 * the function does not use again: it hands nothing of another tenant's row on. When the key is
 * used later (a query by it, a call handed it, a message), the read is that use's check, and a
 * check that falls through or only tests that some tenant's row exists stays flagged.
 */
function decidingRead(tsm: typeof ts, call: ts.Node | undefined, queries: ReadonlyMap<ts.Node, FlowQuery>): boolean {
  const q = call && queries.get(call);
  if (!q?.readOnly || !q.key || q.key.list || !call || !tsm.isCallExpression(call) || !decisionOnly(tsm, call))
    return false;
  // The key used again after the read (a later query, a call, a message): the read is its check.
  return !keyUsedAfter(tsm, call, normalize(q.key.expr.getText()));
}

/**
 * What each call of a function passes for the parameter (path) `expr` reads: `{ where }` of
 * `this.orders({ where })` for `const { where } = params`. Undefined for an entry point (any client
 * calls it), when nothing calls it, or when a call cannot be followed.
 */
function passedAtCalls(
  options: AnalyzeOptions,
  expr: ts.Expression,
  resolver: FunctionResolver,
): { call: ts.CallExpression; passed: ts.Expression }[] | undefined {
  const tsm = options.ts;
  const pk = options.callerFiles && parameterKey(tsm, expr);
  if (!pk || isEntryPoint(tsm, pk) || isDefaultExport(tsm, pk)) return undefined;
  const files = options.callerFiles!(pk.name, pk.fn.getSourceFile().fileName, ownerOf(tsm, pk.fn) || undefined);
  const isModel = (name: string) => !!lookupTenantEntity(options.model, name);
  const { calls, unresolved } = callSitesOf(tsm, pk, files, resolver, isModel);
  if (!calls.length || unresolved) return undefined;
  const out: { call: ts.CallExpression; passed: ts.Expression }[] = [];
  for (const call of calls) {
    const at = argumentAt(tsm, call, pk.index, pk.path);
    if (!at || at.path) return undefined;
    out.push({ call, passed: at.expr });
  }
  return out;
}

/** Finds the function a call runs: through the checker, else this file and the files its imports name. */
function functionResolver(options: AnalyzeOptions): FunctionResolver {
  return new FunctionResolver(
    options.ts,
    options.checker,
    options.checker ? undefined : options.sourceFileOf,
    options.moduleCandidates,
  );
}

/**
 * How code names a table's tenant, for ownership checks: its tenant columns at every level (not a
 * level table's own key: `row.id !== id` checks nothing) and every ORM field holding one.
 */
function tenantNamesOf(table: TenantTable | undefined, config: ResolvedConfig): TenantNames {
  if (!table) return tenantNames([], config.tenantExpression);
  const columns = [...new Set([table.tenantColumn, ...insertTenantColumnsOf(table)])];
  const fields = (table.entities ?? []).flatMap((e) =>
    Object.entries(e.fields)
      .filter(([, column]) => columns.includes(column))
      .map(([field]) => field),
  );
  return tenantNames([...columns, ...fields], config.tenantExpression);
}

/** Another file's flow queries (a helper's file), computed once per file, model, config and checker. */
function flowQueriesOf(options: AnalyzeOptions, file: ts.SourceFile): ReadonlyMap<ts.Node, FlowQuery> {
  return flowQueriesByFile.get(flowQueryKeys(options, file), () => computeFlowQueries(options, file));
}

function flowQueryKeys(options: AnalyzeOptions, file: ts.SourceFile): [object, ...object[]] {
  return [file, options.model, options.config, options.checker ?? options.model];
}

function computeFlowQueries(options: AnalyzeOptions, file: ts.SourceFile): Map<ts.Node, FlowQuery> {
  const queries = new Map<ts.Node, FlowQuery>();
  const root = options.config.rootDir.replace(/\\/g, "/").replace(/\/?$/, "/");
  const path = file.fileName.replace(/\\/g, "/");
  const other: AnalyzeOptions = {
    ...options,
    sourceFile: file,
    relativePath: path.startsWith(root) ? path.slice(root.length) : path,
    proofs: undefined,
  };
  if (MAY_HOLD_SQL.test(file.text))
    for (const site of extractSqlSites(options.ts, file, modelTableOf(options.model))) checkSite(site, other, queries);
  if (options.model.entities?.size || options.model.tables.size) checkOrmCalls(other, queries);
  return queries;
}

const flowQueriesByFile = new WeakCache<Map<ts.Node, FlowQuery>>();

function checkOrmCalls(options: AnalyzeOptions, flowQueries: Map<ts.Node, FlowQuery>): RawFinding[] {
  const ctx: OrmContext = {
    ts: options.ts,
    sourceFile: options.sourceFile,
    checker: options.checker,
    model: options.model,
    config: options.config,
    parser: options.parser,
    tenantValueAt: (node, field) => tenantValueAt(options.ts, node, field, options.config.tenantExpression),
    resolveFunction: (call) => (resolver ??= functionResolver(options)).resolve(call),
    constValue: (id) => (resolver ??= functionResolver(options)).constValue(id),
    typeNamed: (file, name) => (resolver ??= functionResolver(options)).typeNamed(file, name),
    enumNamed: (file, name) => (resolver ??= functionResolver(options)).enumNamed(file, name),
    passedAtCalls: options.callerFiles
      ? (expr) => passedAtCalls(options, expr, (resolver ??= functionResolver(options)))
      : undefined,
    judged: { settled: new Map(), lookups: new Set(), handedOn: new Set() },
  };
  let resolver: FunctionResolver | undefined;
  const boundary = boundaryContext(options);
  const out: RawFinding[] = [];
  for (const orm of ORM_MODULES) {
    if (!orm.appliesTo(ctx)) continue;
    const checked = orm.check(ctx);
    const queries: readonly OrmQuery[] = orm.queries?.(ctx) ?? queriesOfFindings(checked);
    // Drizzle's relational queries carry no root client: not among its `queries`, followed and proven all the same.
    const relational = orm.name === "drizzle" ? drizzleRelationalQueries(ctx) : [];
    addFlowQueries(ctx, orm.name, queries, relational, checked, flowQueries);
    addRootFlowQueries(orm.name, ctx, flowQueries);
    const byCall = new Map<ts.Node, BoundaryQuery & { tables: string[] }>();
    for (const q of queries) {
      const entry = byCall.get(q.call) ?? { call: q.call, receiver: q.receiver, tables: [] };
      entry.tables.push(q.table);
      byCall.set(q.call, entry);
    }
    const waived = new Set<ts.Node>();
    const crossing = new Set<ts.Node>();
    for (const query of byCall.values()) {
      const result = checkBoundary(boundary, query);
      if (result.waivesPredicate) waived.add(query.call);
      if (result.findings.length) crossing.add(query.call);
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
        call: f.call,
      });
    }
    if (options.proofs) {
      const flagged = new Set([...crossing, ...kept.map((f) => f.call)]);
      options.proofs.push(...ormProofs({ ...ctx, queries: [...queries, ...relational], waived, flagged }));
    }
  }
  return out;
}

/**
 * What the ownership flow sees of this ORM's calls: each call on one tenant-owned table, scoped
 * when the module found nothing wrong with it. Drizzle's relational queries are not among its
 * `queries` (they carry no root client to check), so they are added here.
 */
function addFlowQueries(
  ctx: OrmContext,
  orm: OrmModule["name"],
  queries: readonly OrmQuery[],
  relational: readonly OrmQuery[],
  checked: readonly OrmFinding[],
  flowQueries: Map<ts.Node, FlowQuery>,
): void {
  const flagged = new Set(checked.map((f) => f.call));
  const tables = new Map<ts.Node, Set<string>>();
  const add = (call: ts.Node, table: string) => tables.set(call, (tables.get(call) ?? new Set()).add(table));
  for (const q of queries) add(q.call, q.table);
  for (const f of checked) if (f.table && !tables.has(f.call)) add(f.call, f.table);
  for (const q of relational) if (!tables.has(q.call)) add(q.call, q.table);
  for (const [call, names] of tables) {
    // The flow reasons about calls on one tenant-owned table, or on a row joined to its parents.
    const scoped =
      !flagged.has(call) &&
      !readByAnyone(ctx, call, names) &&
      !ctx.judged?.lookups.has(call) &&
      !ctx.judged?.handedOn?.has(call);
    const found = ormFlowQuery(orm, ctx, call, names, scoped);
    const flowQuery =
      found && scoped && admitsSharedRows(call, found.table, ctx.model) ? { ...found, sharedRows: true } : found;
    const settled = ctx.judged?.settled.get(call);
    if (flowQuery) flowQueries.set(call, settled ? { ...flowQuery, settledCalls: settled } : flowQuery);
  }
}

/** The table an entity name (a Drizzle table variable) names in the model, tenant-owned or global. */
function modelTableOf(model: TenantModel): (name: string) => string | undefined {
  return (name) => lookupTenantEntity(model, name)?.name ?? model.globalEntities?.get(name.toLowerCase());
}

/**
 * A read that only a share link scopes (`poll.findUnique({ where: { id } })` with `shareKeys`), or
 * only a public flag (`where: { id, isPublic: true }`): its rows are anyone's who holds the link
 * or finds the page, so a key taken from them proves no later write.
 */
const SAVEPOINT_STATEMENT =
  /^\s*(?:SAVEPOINT|RELEASE(?:\s+SAVEPOINT)?|ROLLBACK(?:\s+(?:WORK|TRANSACTION))?\s+TO(?:\s+SAVEPOINT)?)\s+"?\w*\s?\$\d+\s?\w*"?\s*;?\s*$/i;

function readByAnyone(ctx: OrmContext, call: ts.Node, tables: ReadonlySet<string>): boolean {
  for (const name of tables) {
    const table = lookupTenantTable(ctx.model, name);
    // Cheap gates first: no share key declared and no flag named in the call.
    const users = !!table && isUsersTable(table);
    if (!table || (!table.shareKeys && !users && !/public/i.test(ctx.sourceFile.text.slice(call.pos, call.end))))
      continue;
    if (findTenantEvidence(ctx.ts, ctx.sourceFile, call, tenantSpellings(table))) continue;
    const kind = findIdentityEvidence(ctx.ts, ctx.sourceFile, call, table)?.kind;
    if (kind === "share-link" || kind === "public-rows") return true;
    // `User.findByPk(ctx.user.id)`: the user's own row, to read; its key proves no write (one may move it into any tenant).
    if (users && kind === "own-rows") return true;
  }
  return false;
}

/** The expression a site's `$n` stands for: the template hole, or the bound value (numbered, pg-promise). */
function parameterValue(tsm: typeof ts, site: SqlSite, n: number): ts.Expression | undefined {
  // `$${i}`: the number was rendered for the parser; the value it binds is whatever `i` is then.
  if (site.holes.some((h) => h.counted && site.sql.slice(h.sqlStart, h.sqlEnd) === String(n))) return undefined;
  if (site.parameterStyle === "template" || n > site.maxParameter) {
    const hole = site.holes.find((h) => h.kind === "value" && site.sql.slice(h.sqlStart, h.sqlEnd) === `$${n}`);
    if (hole) return hole.expr;
  }
  const element = site.namedValues?.get(n) ?? site.valuesArray?.elements[n - 1];
  return element && !tsm.isSpreadElement(element) ? element : undefined;
}

/** Where a SQL issue lands in the file: the table object itself when a hole spliced the table in (`${orders}`). */
function issueSpan(site: SqlSite, issue: SqlIssue): { start: number; end: number } {
  const hole = site.holes.find((h) => h.kind === "raw" && issue.start >= h.sqlStart && issue.end <= h.sqlEnd);
  if (hole) return { start: hole.expr.getStart(), end: hole.expr.getEnd() };
  const start = site.toFileOffset(issue.start);
  return { start, end: Math.max(start + 1, mapEnd(site, issue.end)) };
}

/**
 * `delete from ${table} where ...` with a table value tenantguard cannot name (slonik's
 * `convertToIdentifiers(Roles).table`, a parameter): which table the statement reads or writes
 * is decided at run time, so it is a `dynamic-sql` note, never silence.
 */
function unknownTables(
  site: SqlSite,
  sourceFile: ts.SourceFile,
  anchor: number,
  literal: { start: number; end: number },
): RawFinding[] {
  const out: RawFinding[] = [];
  for (const hole of site.holes) {
    // `FROM ${schema}.plans`: the value is the schema (isolation "schema" has rules for it).
    if (!hole.unknownTable || site.sql[hole.sqlEnd] === ".") continue;
    const text = hole.expr.getText(sourceFile);
    out.push({
      ruleId: "dynamic-sql",
      start: hole.expr.getStart(sourceFile),
      end: hole.expr.getEnd(),
      message: `The table name comes from \`${text.length > 60 ? `${text.slice(0, 57)}...` : text}\` at run time, so tenantguard cannot tell which table this statement reads or writes, nor check it for the tenant predicate. Write the table name in the SQL text (or \`sql.identifier(["name"])\` in the same file).`,
      fixes: [],
      anchor,
      literal,
      identity: `dynamic-table|${normalizeSql(text)}|${normalizeSql(site.sql)}`,
    });
  }
  return out;
}

/**
 * What any written-out choice of a statement's conditional fragments finds, once per place and
 * rule. No fix: each was written for one choice's text.
 */
function eachVariant(findings: RawFinding[]): RawFinding[] {
  const seen = new Set<string>();
  return findings.flatMap((f) => {
    const key = `${f.ruleId}|${f.start}|${f.end}`;
    if (seen.has(key)) return [];
    seen.add(key);
    return [{ ...f, fixes: [] }];
  });
}

/**
 * `${Prisma.raw(extra)}`, `${sql.unsafe(text)}`, `${Prisma.sql([text])}` (or a const holding one):
 * text spliced in as SQL on purpose, where a placeholder reads as a value (`AND ${Prisma.raw(extra)}`):
 * it may be `1=1 OR true`. Not where it picks no rows: `ORDER BY`, `GROUP BY`, `LIMIT`, `OFFSET`
 * of the statement, read from the parse tree (a subquery's `LIMIT` or a word in a string is no clause).
 */
function rawSqlHole(tsm: typeof ts, parsed: ParsedSql, site: SqlSite): SqlSite["holes"][number] | undefined {
  const raw = new Map(
    site.holes.filter((h) => h.kind === "raw" && isRawSqlBuilder(tsm, h.expr)).map((h) => [h.sqlStart, h]),
  );
  if (!raw.size) return undefined;
  let found: SqlSite["holes"][number] | undefined;
  const visit = (node: unknown, clause: string | undefined): void => {
    if (found || !node || typeof node !== "object") return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item, clause);
      return;
    }
    const param = (node as { ParamRef?: { location?: number } }).ParamRef?.location;
    if (param !== undefined && !PICKS_NO_ROWS.has(clause ?? "")) found = raw.get(parsed.toCharOffset(param));
    for (const [key, value] of Object.entries(node)) visit(value, CLAUSE_KEYS.has(key) ? key : clause);
  };
  visit(parsed.tree, undefined);
  return found;
}

const CLAUSE_KEYS = new Set([
  "whereClause",
  "quals",
  "havingClause",
  "targetList",
  "fromClause",
  "sortClause",
  "groupClause",
  "limitCount",
  "limitOffset",
  "valuesLists",
  "returningList",
]);
const PICKS_NO_ROWS = new Set(["sortClause", "groupClause", "limitCount", "limitOffset"]);

/** `Prisma.raw(x)`, `sql.unsafe(x)`, `Prisma.sql([x])`, or a const of the file holding one. */
function isRawSqlBuilder(tsm: typeof ts, expr: ts.Expression, depth = 0): boolean {
  let e: ts.Node = expr;
  while (tsm.isParenthesizedExpression(e) || tsm.isAsExpression(e) || tsm.isNonNullExpression(e)) e = e.expression;
  if (tsm.isIdentifier(e) && depth < 2) {
    const init = constInitializer(tsm, e, e);
    return !!init && isRawSqlBuilder(tsm, init, depth + 1);
  }
  if (!tsm.isCallExpression(e)) return false;
  const callee = e.expression;
  const name = tsm.isPropertyAccessExpression(callee) ? callee.name.text : tsm.isIdentifier(callee) ? callee.text : "";
  if (/^(?:raw|unsafe)$/.test(name)) return true;
  // `Prisma.sql([text])`: the strings array form, its text taken as SQL.
  return name === "sql" && !!e.arguments[0] && tsm.isArrayLiteralExpression(e.arguments[0]);
}

/** A template written on its own (a const, a where's term), not handed to a call that runs it (`db.execute(sql`...`)`). */
function notRunHere(tsm: typeof ts, site: SqlSite): boolean {
  const node = site.node;
  if (!tsm.isTaggedTemplateExpression(node) || runsAsWritten(tsm, site)) return false;
  let top: ts.Node = node;
  while (tsm.isParenthesizedExpression(top.parent) || tsm.isAwaitExpression(top.parent)) top = top.parent;
  const p = top.parent;
  return !(
    tsm.isCallExpression(p) &&
    p.arguments.includes(top as ts.Expression) &&
    /^(?:execute|query|run|all|get|values|executeOnReplica)$/.test(calleeName(tsm, p) ?? "")
  );
}

/** `prisma.$queryRaw`...``, `$executeRaw`: a template that runs where it is written, never a fragment of another. */
function runsAsWritten(tsm: typeof ts, site: SqlSite): boolean {
  const node = site.node;
  // `prisma.$queryRaw(Prisma.sql`...`)`: the call form runs the fragment it is handed.
  const runner = tsm.isTaggedTemplateExpression(node)
    ? node.tag
    : tsm.isCallExpression(node)
      ? node.expression
      : undefined;
  return !!runner && tsm.isPropertyAccessExpression(runner) && /^\$(?:query|execute)Raw$/.test(runner.name.text);
}

/** The raw hole the SQL starts with (nothing but whitespace and comments before it). */
function leadingRawHole(site: SqlSite): SqlSite["holes"][number] | undefined {
  const lead = site.holes.find((h) => h.kind !== "fragment");
  const before = site.sql.slice(0, lead?.sqlStart ?? 0).replace(/--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\//g, "");
  return lead?.kind === "raw" && before.trim() === "" ? lead : undefined;
}

/** A raw hole whose placeholder the parser took as the value of a type named just before it (`t.id $3`). */
function gluedRawHole(parsed: ParsedSql, site: SqlSite): SqlSite["holes"][number] | undefined {
  const raw = new Map(site.holes.filter((h) => h.kind === "raw").map((h) => [h.sqlStart, h]));
  if (!raw.size) return undefined;
  let found: SqlSite["holes"][number] | undefined;
  const visit = (node: unknown): void => {
    if (found || !node || typeof node !== "object") return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    const cast = (
      node as { TypeCast?: { arg?: { ParamRef?: { location?: number } }; typeName?: { location?: number } } }
    ).TypeCast;
    const param = cast?.arg?.ParamRef?.location;
    const type = cast?.typeName?.location;
    if (param !== undefined && type !== undefined && type >= 0 && type < param)
      found = raw.get(parsed.toCharOffset(param));
    for (const value of Object.values(node)) visit(value);
  };
  visit(parsed.tree);
  return found;
}

function checkSite(
  site: SqlSite,
  options: AnalyzeOptions,
  flowQueries: Map<ts.Node, FlowQuery>,
  /** The site's SQL already parsed (a SET-list stub's). */
  parsedSql?: ReturnType<SqlParser["parse"]>,
): RawFinding[] {
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
  const parsed = parsedSql ?? parser.parse(site.sql);
  // `sql`(to_tsquery(...) @@ ${t.fts} OR ...)``, a policy's `using: sql`(team_id IN (SELECT ...))``: a
  // condition written for a where, not a statement; it reads as one after SELECT.
  if ("error" in parsed && site.parameterStyle === "template" && /^\s*\(/.test(site.sql) && notRunHere(tsm, site)) {
    const asCondition = parser.parse(`SELECT ${site.sql}`);
    if (!("error" in asCondition)) return [];
  }
  if ("error" in parsed && site.parameterStyle === "template" && !STATEMENT_START.test(site.sql)) {
    // `prisma.$queryRaw`${Prisma.raw(text)}``: run as written, and its statement is whatever the text holds.
    const lead = runsAsWritten(tsm, site) ? leadingRawHole(site) : undefined;
    if (!lead) return [];
    return [
      {
        ruleId: "dynamic-sql",
        start: lead.expr.getStart(sourceFile),
        end: lead.expr.getEnd(),
        message: `SQL starts with \`${lead.expr.getText(sourceFile).slice(0, 80)}\`, text spliced in at run time, so tenantguard cannot tell which statement runs or whether it holds the tenant predicate: review it, or write the statement into the template.`,
        fixes: [],
        anchor,
        literal,
        identity: `parse|${normalizeSql(site.sql)}`,
      },
    ];
  }
  // `UPDATE t SET ${updates.join(", ")} WHERE ...`: the WHERE decides the rows, whatever the assignments.
  const stubbed = "error" in parsed ? withSetListStubs(site) : undefined;
  const stubParsed = stubbed && parser.parse(stubbed.sql);
  if (stubbed && stubParsed && !("error" in stubParsed)) return checkSite(stubbed, options, flowQueries, stubParsed);
  // `${limit ? Prisma.sql`LIMIT ${limit}` : Prisma.empty}`: checked written out each way.
  const variants = "error" in parsed ? conditionalVariants(tsm, site) : undefined;
  const variantsParsed = variants?.map((v) => [v, parser.parse(v.sql)] as const);
  if (variantsParsed?.every(([, p]) => !("error" in p))) {
    const proofsBefore = options.proofs?.length ?? 0;
    const findings = eachVariant(variantsParsed.flatMap(([v, p]) => checkSite(v, options, flowQueries, p)));
    // A reference is proven when every way proves it: once, and not where any way found a leak.
    if (options.proofs) {
      const flagged = new Set(findings.map((f) => `${f.start}|${f.end}`));
      const seen = new Set<string>();
      for (const proof of options.proofs.splice(proofsBefore)) {
        const key = `${proof.start}|${proof.end}|${proof.table}`;
        if (seen.has(key) || flagged.has(`${proof.start}|${proof.end}`)) continue;
        seen.add(key);
        options.proofs.push(proof);
      }
    }
    return findings;
  }
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
    // `SAVEPOINT ${name}`, `RELEASE SAVEPOINT ${name}`, `ROLLBACK TO SAVEPOINT ${name}` (nocodb's meta
    // service): one savepoint name spliced in, in a statement that reads and writes no table.
    if (SAVEPOINT_STATEMENT.test(site.sql)) return explained;
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
      ? `SQL is assembled at run time (\`${hole.expr.getText(sourceFile)}\` splices in part of the statement), so it cannot be checked for the tenant predicate: with a placeholder where that text goes, the statement does not parse.`
      : SELECT_COLUMN.test(site.sql)
        ? "This SQL is a column of a builder's select (`(SELECT ...) as name`), not a statement, so the tables its subquery reads are not checked for the tenant predicate: review it, or write the subquery into a statement tenantguard can read."
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
  // `ON s."tenantId" = t.id ${searchQuery}`: Postgres reads a name before `$N` as a type (`t.id
  // '...'`), so raw text spliced after a column parses as a typed value; it is SQL, not a value.
  const gluedToName = site.holes.length ? gluedRawHole(parsed, site) : undefined;
  const glued = gluedToName ?? (site.holes.length ? rawSqlHole(tsm, parsed, site) : undefined);
  if (glued)
    return [
      {
        ruleId: "dynamic-sql",
        start: glued.expr.getStart(sourceFile),
        end: glued.expr.getEnd(),
        message: `SQL is assembled at run time (\`${glued.expr.getText(sourceFile)}\` splices in part of the statement${gluedToName ? " right after a name" : " as raw SQL"}), so it cannot be checked for the tenant predicate: ${gluedToName ? "with a placeholder there, Postgres would read the name as a type and the text as its value" : "its text may hold any condition (`1=1 OR true`)"}.`,
        fixes: [],
        anchor,
        literal,
        identity: `parse|${normalizeSql(site.sql)}`,
      },
    ];
  const tokens = new ClauseTokens(() => parser.scan(site.sql));
  const boundaryCtx = boundaryContext(options);
  const tenantTables = tenantTablesIn(parsed, model).map((t) => t.table);
  const boundary = checkBoundary(boundaryCtx, {
    call: site.node,
    receiver: site.receiver,
    tables:
      options.config.isolation === "database"
        ? tenantDatabaseTablesIn(parsed, (t) => isConfiguredGlobal(options.config, t)).map((t) => t.table)
        : tenantTables,
  });
  // A query through a scoped client needs no predicate: the client adds the tenant (or RLS enforces it).
  const evidence: SqlProof[] | undefined = options.proofs && [];
  // Rows read by a share link are anyone's who holds it: no key taken from them is the tenant's.
  let shareLink = false;
  const issues = boundary.waivesPredicate
    ? []
    : checkSqlScoping(site.sql, parsed, tokens, {
        model,
        proofs: evidence,
        onShareLink: () => (shareLink = true),
        sessionUser: (n, key) => {
          const value = parameterValue(tsm, site, n);
          return !!value && isSessionUser(tsm, value, key);
        },
      });
  if (options.proofs)
    options.proofs.push(...sqlProofs(site, boundary, evidence ?? [], () => tenantTablesIn(parsed, model), sourceFile));
  // The flow reasons about statements on one tenant-owned table only.
  const target = writeTarget(site.sql);
  const touched = new Set([
    ...tenantTables,
    ...(target ? [lookupTenantTable(model, target.table, target.schema)?.name] : []),
  ]);
  touched.delete(undefined);
  const scoped = !issues.length && !boundary.findings.length && !shareLink;
  if (touched.size === 1 && options.config.isolation !== "database") {
    const [table] = touched as Set<string>;
    const owned = lookupTenantTable(model, table);
    const q = sqlFlowQuery(options.ts, site, table, scoped, owned, undefined, selectProjection(parsed, table));
    flowQueries.set(site.node, scoped && q && sqlAdmitsShared(site.sql, table, model) ? { ...q, sharedRows: true } : q);
  } else if (touched.size > 1 && scoped && options.config.isolation !== "database") {
    // `SELECT dp.* FROM dataset_prompt dp JOIN dataset d ... WHERE d.project_id = $2`: the tenant's
    // rows of the table it returns, keyed by the terms on that table.
    const rows = selectedRowsOf(site.sql);
    const owned = rows && lookupTenantTable(model, rows.table);
    if (owned && touched.has(owned.name))
      flowQueries.set(site.node, sqlFlowQuery(options.ts, site, owned.name, true, owned, rows.alias));
  }
  const normalized = normalizeSql(site.sql);
  const extra: RawFinding[] = [
    ...unknownTables(site, sourceFile, anchor, literal),
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
      ...issueSpan(site, issue),
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
  const table = lookupTenantTable(options.model, issue.table);
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
  // Two routes to the same finding (a query builder kept in a variable and extended in several
  // statements) report it once.
  const reported = new Set<string>();
  const findings: Finding[] = [];
  for (const f of raw.sort((a, b) => a.start - b.start)) {
    const key = `${f.ruleId}|${f.start}|${f.end}|${f.message}`;
    if (reported.has(key)) continue;
    reported.add(key);
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
      message: withProofHint(f.ruleId, f.message),
      table: f.table,
      fixes: f.fixes,
      suppressed: comment ? { reason: comment.reason, start: comment.start, end: comment.end } : null,
      fingerprint: fingerprintOf(`${f.identity}|${occurrence}`),
      ...(f.related && { related: f.related }),
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

/**
 * Whether a scoped ORM call's text tests a tenant field of `table` for null (`tenantId: null`,
 * `{ equals: null }`, `IsNull()`): its where admits rows no tenant owns. A text test, so a mention
 * anywhere in the call counts: it only takes proofs away.
 */
function admitsSharedRows(call: ts.Node, table: string, model: TenantModel): boolean {
  return nullTests(model, table)?.orm.test(call.getText()) ?? false;
}

/** Whether SQL tests a tenant column of `table` for null (`tenant_id IS NULL OR tenant_id = $1`). */
function sqlAdmitsShared(sql: string, table: string, model: TenantModel): boolean {
  return nullTests(model, table)?.sql.test(sql) ?? false;
}

/** Per tenant-owned table, the patterns that find a null test of its tenant fields: made once, not per query. */
const NULL_TESTS = new WeakMap<TenantTable, { orm: RegExp; sql: RegExp }>();

function nullTests(model: TenantModel, table: string): { orm: RegExp; sql: RegExp } | undefined {
  const t = lookupTenantTable(model, table);
  if (!t) return undefined;
  let tests = NULL_TESTS.get(t);
  if (!tests) {
    const names = [...tenantSpellings(t)].map(escapeRegExp).join("|");
    tests = {
      orm: new RegExp(`\\b(?:${names})\\s*:\\s*(?:null\\b|IsNull\\(|\\{\\s*equals\\s*:\\s*null\\b)`),
      sql: new RegExp(`\\b"?(?:${names})"?\\s+IS\\s+NULL\\b`, "i"),
    };
    NULL_TESTS.set(t, tests);
  }
  return tests;
}

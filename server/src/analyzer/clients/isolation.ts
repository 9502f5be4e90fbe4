// The checks each isolation level adds on SQL text, beyond the row-level predicate:
//   rls:    the tenant setting must live exactly as long as the transaction that uses it
//           (`SET LOCAL` / `set_config(..., true)` inside one), on the connection the queries use;
//   schema: the tenant's schema is chosen once, by the scoped client's search_path, never written
//           into a query, and never spliced in unquoted.
import type ts from "typescript";
import { as, list, names, walk } from "../sql/ast";
import type { ParsedSql } from "../sql/parse";
import type { SqlSite } from "../sql/site";
import { qualifiedTablesIn } from "../sql/tables";
import type { Fix, RuleId } from "../types";
import type { BoundaryContext } from "./boundary";
import { classifyReceiver } from "./resolve";
import { checkWrapperHandOut } from "./wrapper";

export interface IsolationFinding {
  ruleId: RuleId;
  /** File offsets. */
  start: number;
  end: number;
  message: string;
  fixes: Fix[];
  /** Stable part of the identity (what the finding is about, not where). */
  key: string;
  /** Set when the finding is outside the SQL site: the node a next-line suppression sits above. */
  anchorNode?: ts.Node;
}

export interface IsolationResult {
  findings: IsolationFinding[];
  /** The schema checks explained why the SQL could not be parsed: its `dynamic-sql` finding adds nothing. */
  explainsParseError: boolean;
}

/** The rls and schema checks on one SQL site; `parsed` is undefined when the SQL does not parse. */
export function checkIsolation(ctx: BoundaryContext, site: SqlSite, parsed: ParsedSql | undefined): IsolationResult {
  const result: IsolationResult = { findings: [], explainsParseError: false };
  if (site.dynamic) return result;
  if (ctx.config.isolation === "rls" && parsed) result.findings.push(...tenantSettings(ctx, site, parsed));
  if (ctx.config.isolation === "schema") {
    const holes = schemaHoles(site, ctx.sourceFile);
    result.findings.push(...holes);
    result.explainsParseError = !parsed && holes.length > 0;
    if (parsed) result.findings.push(...schemaNames(site, parsed), ...searchPath(ctx, site, parsed));
  }
  return result;
}

// ---------------------------------------------------------------------------------------- rls

interface SettingWrite {
  setting: string;
  /** true: SET LOCAL / set_config(..., true); false: for the session; undefined: unknown (a parameter). */
  local: boolean | undefined;
  /** SQL offset of what to underline, and of the `false` to replace for a fix. */
  at: number;
  falseAt?: number;
  form: "set" | "set_config";
}

function tenantSettings(ctx: BoundaryContext, site: SqlSite, parsed: ParsedSql): IsolationFinding[] {
  const out: IsolationFinding[] = [];
  const statements = list(parsed.tree.stmts) as { stmt?: unknown; stmt_location?: number }[];
  const beginsInSql = statements.some((s) => !!as(s.stmt, "TransactionStmt"));
  const inTransaction = beginsInSql || inTransactionScope(ctx, site.node);
  const writes = settingWrites(site.sql, parsed, statements);
  // The scoped wrapper around the setting must hand out the connection it set it on.
  if (writes.length)
    for (const { at, ...f } of checkWrapperHandOut(ctx, site, writes[0].setting))
      out.push({ ruleId: "tenant-context-leak", ...f, fixes: [], anchorNode: at });
  for (const w of writes) {
    const start = site.toFileOffset(w.at);
    const end = Math.max(start + 1, site.toFileOffset(Math.min(site.sql.length, w.at + w.setting.length) - 1) + 1);
    const written = w.form === "set" ? `SET ${w.setting}` : `set_config('${w.setting}', ..., false)`;
    if (w.local === false) {
      const fixes: Fix[] = [];
      if (w.form === "set_config" && w.falseAt !== undefined && inTransaction) {
        const fStart = site.toFileOffset(w.falseAt);
        const fEnd = site.toFileOffset(w.falseAt + 4) + 1;
        if (ctx.sourceFile.text.slice(fStart, fEnd).toLowerCase() === "false")
          fixes.push({
            title: "Set it for this transaction only (is_local = true)",
            edits: [{ start: fStart, end: fEnd, newText: "true" }],
            safe: true,
          });
      }
      out.push({
        ruleId: "tenant-context-leak",
        start,
        end,
        key: `session|${w.setting}`,
        fixes,
        message: `${written} sets the tenant for the whole session: it stays on the pooled connection after this request, and the next request that gets the connection runs as this tenant. Use ${w.form === "set" ? `SET LOCAL ${w.setting}` : `set_config('${w.setting}', ..., true)`} inside the transaction that runs the queries.`,
      });
      continue;
    }
    if (w.local === true && !inTransaction) {
      out.push({
        ruleId: "tenant-context-leak",
        start,
        end,
        key: `outside|${w.setting}`,
        fixes: [],
        message: `${w.form === "set" ? `SET LOCAL ${w.setting}` : `set_config('${w.setting}', ..., true)`} runs outside a transaction: the setting ends with this statement, so the queries after it run without the tenant (or, with a session value left over, as another tenant). Run BEGIN, the setting and the queries on one connection, or use the ORM's transaction.`,
      });
      continue;
    }
    if (w.local === true && onPool(ctx, site)) {
      out.push({
        ruleId: "tenant-context-leak",
        start,
        end,
        key: `pool|${w.setting}`,
        fixes: [],
        message: `The tenant setting is sent through \`${site.receiver!.getText(ctx.sourceFile)}\`, a pool: each query may run on a different connection, so the setting, the transaction and the queries that should see it are not on the same connection. Check a client out (\`await pool.connect()\`) and run BEGIN, the setting and the queries on it.`,
      });
    }
  }
  return out;
}

function settingWrites(
  sql: string,
  parsed: ParsedSql,
  statements: { stmt?: unknown; stmt_location?: number }[],
): SettingWrite[] {
  const out: SettingWrite[] = [];
  for (const s of statements) {
    const set = as<{ name?: string; is_local?: boolean; kind?: string; location?: number }>(s.stmt, "VariableSetStmt");
    if (set?.name && isTenantSetting(set.name) && set.kind === "VAR_SET_VALUE") {
      const from = parsed.toCharOffset(s.stmt_location ?? 0);
      const at = sql.toLowerCase().indexOf(set.name.toLowerCase(), from);
      out.push({ setting: set.name, local: !!set.is_local, at: at >= 0 ? at : from, form: "set" });
      continue;
    }
    walk(s.stmt, (type, fields) => {
      if (type !== "FuncCall") return;
      const fn = names(fields.funcname);
      if (fn[fn.length - 1]?.toLowerCase() !== "set_config") return;
      const args = list(fields.args);
      const name = as<{ sval?: { sval?: string }; location?: number }>(args[0], "A_Const");
      const setting = name?.sval?.sval;
      if (!setting || !isTenantSetting(setting)) return;
      const flag = as<{ boolval?: { boolval?: boolean }; sval?: { sval?: string }; location?: number }>(
        args[2],
        "A_Const",
      );
      const local = flag?.boolval
        ? !!flag.boolval.boolval
        : flag?.sval?.sval !== undefined
          ? /^(t|true|on|yes|1)$/i.test(flag.sval.sval)
          : undefined;
      out.push({
        setting,
        local,
        at: parsed.toCharOffset((name?.location ?? 0) + 1),
        falseAt: local === false && flag?.location !== undefined ? parsed.toCharOffset(flag.location) : undefined,
        form: "set_config",
      });
    });
  }
  return out;
}

/** A custom setting (`app.tenant_id`, `myapp.current_org`): policies read it with current_setting. */
function isTenantSetting(name: string): boolean {
  return name.includes(".") && !/^(pg_|plpgsql\.)/i.test(name);
}

const TRANSACTION_CALLS = new Set(["$transaction", "transaction", "begin", "transact", "withTransaction"]);

/**
 * Inside a transaction as the code is written: the callback of `x.$transaction(...)` /
 * `db.transaction(...)` / `sql.begin(...)` or of a scoped wrapper, or after a `BEGIN` sent
 * earlier in the same function.
 */
function inTransactionScope(ctx: BoundaryContext, node: ts.Node): boolean {
  const tsm = ctx.ts;
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (!tsm.isFunctionLike(n)) continue;
    const call = n.parent;
    if (call && tsm.isCallExpression(call) && call.arguments.includes(n as unknown as ts.Expression)) {
      const callee = call.expression;
      const name = tsm.isPropertyAccessExpression(callee)
        ? callee.name.text
        : tsm.isIdentifier(callee)
          ? callee.text
          : "";
      if (TRANSACTION_CALLS.has(name) || ctx.config.clients.scoped.includes(name)) return true;
    }
    const body = (n as ts.FunctionLikeDeclaration).body;
    if (body && beginsBefore(tsm, body, node.getStart(ctx.sourceFile))) return true;
  }
  return false;
}

function beginsBefore(tsm: typeof ts, body: ts.Node, before: number): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || n.pos >= before) return;
    if (
      (tsm.isStringLiteral(n) || tsm.isNoSubstitutionTemplateLiteral(n)) &&
      /^\s*(begin|start\s+transaction)\b/i.test(n.text) &&
      n.getEnd() <= before
    )
      found = true;
    else tsm.forEachChild(n, visit);
  };
  visit(body);
  return found;
}

/** node-postgres: the setting goes through a `Pool` (each query may take another connection). */
function onPool(ctx: BoundaryContext, site: SqlSite): boolean {
  const tsm = ctx.ts;
  const r = site.receiver;
  if (site.driver !== "pg" || !r || !tsm.isIdentifier(r)) return false;
  if (/pool/i.test(r.text)) return true;
  for (const s of ctx.sourceFile.statements) {
    if (!tsm.isVariableStatement(s)) continue;
    for (const d of s.declarationList.declarations)
      if (tsm.isIdentifier(d.name) && d.name.text === r.text && d.initializer && tsm.isNewExpression(d.initializer))
        return /Pool$/.test(d.initializer.expression.getText(ctx.sourceFile));
  }
  return false;
}

// ------------------------------------------------------------------------------------- schema

// `tenant_42`, `t_acme1`, `org_9f3a`, `customer_17`, or any schema with "tenant" in it.
const TENANT_SCHEMA = /tenant|^(?:t|org|organization|customer|client|account|workspace|team|company)[_-]?[0-9a-z_]*\d/i;

/** Interpolated schema names: `${schema}.orders` (unquoted) and `"${schema}".orders`, `SET search_path TO ${s}`. */
function schemaHoles(site: SqlSite, sourceFile: ts.SourceFile): IsolationFinding[] {
  const out: IsolationFinding[] = [];
  const sql = site.sql;
  const inside = (inner: SqlSite["holes"][number], outer: SqlSite["holes"][number]) =>
    inner !== outer && inner.sqlStart >= outer.sqlStart && inner.sqlEnd <= outer.sqlEnd;
  const positioned = site.holes.filter((hole) => {
    const after = sql.slice(hole.sqlEnd);
    const before = sql.slice(0, hole.sqlStart);
    return /^"?\s*\.\s*["A-Za-z_]/.test(after) || /search_path\s*(?:to|=)\s*(?:[\w"]+\s*,\s*)*[^\s,;]*$/i.test(before);
  });
  const unquoted = positioned.filter(
    (hole) =>
      hole.kind === "raw" &&
      !insideDoubleQuotes(sql, hole.sqlStart) &&
      !isIdentifierQuoting(hole.expr) &&
      !positioned.some((inner) => inside(inner, hole)),
  );
  for (const hole of unquoted) {
    const text = hole.expr.getText(sourceFile);
    const asSchema = /^"?\s*\./.test(sql.slice(hole.sqlEnd));
    out.push({
      ruleId: "unquoted-schema-identifier",
      start: hole.expr.getStart(sourceFile),
      end: hole.expr.getEnd(),
      key: `unquoted|${text}`,
      fixes: [],
      message: `\`${text}\` is spliced into the SQL as ${asSchema ? "a schema name" : "the search_path"} without identifier quoting: a crafted value (\`x; DROP SCHEMA ...\`, \`public, tenant_2\`) reaches every tenant's schema. Quote it as an identifier (pg's \`escapeIdentifier\`, pg-format \`%I\`, postgres.js \`sql(name)\`), and choose the schema in the scoped client.`,
    });
  }
  for (const hole of positioned) {
    // Once per schema position: the outermost interpolation, unless an unquoted one inside it is already reported.
    if (!/^"?\s*\./.test(sql.slice(hole.sqlEnd)) || positioned.some((outer) => inside(hole, outer))) continue;
    if (unquoted.some((u) => u === hole || inside(u, hole))) continue;
    const text = hole.expr.getText(sourceFile);
    out.push({
      ruleId: "tenant-schema-in-query",
      start: hole.expr.getStart(sourceFile),
      end: hole.expr.getEnd(),
      key: `hole|${text}`,
      fixes: [],
      message: `The schema of this query comes from \`${text}\`: each query picks its tenant's schema itself, and one wrong value reads another tenant's tables. Leave the table unqualified and run the query through the scoped client, which sets search_path for the tenant.`,
    });
  }
  return out;
}

/** Whether `pos` in `sql` is inside a double-quoted identifier (single-quoted strings skipped). */
function insideDoubleQuotes(sql: string, pos: number): boolean {
  let single = false;
  let double = false;
  for (let i = 0; i < pos; i++) {
    const c = sql[i];
    if (c === "'" && !double) single = !single;
    else if (c === '"' && !single) double = !double;
  }
  return double;
}

/** `client.escapeIdentifier(s)`, `format("%I", s)`, `quoteIdent(s)`: the value arrives quoted. */
function isIdentifierQuoting(expr: ts.Expression): boolean {
  const text = expr.getText();
  return (
    /^[\w$.]*(escapeIdentifier|quoteIdent(ifier)?|quote_ident|ident)\s*\(/i.test(text) ||
    /^[\w$.]*format\s*\(\s*["'`][^"'`]*%I/.test(text)
  );
}

/** Hard-coded tenant schemas: `FROM tenant_42.orders`. */
function schemaNames(site: SqlSite, parsed: ParsedSql): IsolationFinding[] {
  const out: IsolationFinding[] = [];
  for (const ref of qualifiedTablesIn(parsed)) {
    if (!TENANT_SCHEMA.test(ref.schema)) continue;
    if (site.holes.some((h) => h.sqlStart < ref.start + ref.schema.length + 2 && h.sqlEnd > ref.start)) continue;
    const start = site.toFileOffset(ref.start);
    out.push({
      ruleId: "tenant-schema-in-query",
      start,
      end: Math.max(start + 1, site.toFileOffset(ref.start + ref.schema.length - 1) + 1),
      key: `name|${ref.schema}.${ref.table}`,
      fixes: [],
      message: `"${ref.schema}.${ref.table}" names one tenant's schema in the query: the code reads that tenant's rows whoever the request is for. Leave the table unqualified and run the query through the scoped client, which sets search_path for the tenant.`,
    });
  }
  return out;
}

/** `SET search_path` / `set_config('search_path', ...)` outside the scoped client's own code. */
function searchPath(ctx: BoundaryContext, site: SqlSite, parsed: ParsedSql): IsolationFinding[] {
  let sets = false;
  for (const s of list(parsed.tree.stmts) as { stmt?: unknown }[]) {
    const set = as<{ name?: string }>(s.stmt, "VariableSetStmt");
    if (set?.name?.toLowerCase() === "search_path") sets = true;
    walk(s.stmt, (type, fields) => {
      if (type !== "FuncCall" || names(fields.funcname).pop()?.toLowerCase() !== "set_config") return;
      const name = as<{ sval?: { sval?: string } }>(list(fields.args)[0], "A_Const");
      if (name?.sval?.sval?.toLowerCase() === "search_path") sets = true;
    });
  }
  if (!sets || insideScopedDefinition(ctx, site.node)) return [];
  if (site.receiver && classifyReceiver(ctx, site.receiver).kind === "scoped") return [];
  const node = site.literal;
  return [
    {
      ruleId: "search-path-outside-scoped-client",
      start: node.getStart(ctx.sourceFile),
      end: node.getEnd(),
      key: "search_path",
      fixes: [],
      message: `search_path is set here, outside the scoped client${ctx.config.clients.scoped.length ? ` (${ctx.config.clients.scoped.map((s) => `\`${s}\``).join(", ")})` : ""}: which tenant's schema a connection points at now depends on which code touched it last, and on a pooled connection it carries over to the next request. Let the scoped client set it (with SET LOCAL inside its transaction).`,
    },
  ];
}

/** Inside the definition of a configured scoped client (`function withTenant`, `const getTenantDb = ...`, a method). */
function insideScopedDefinition(ctx: BoundaryContext, node: ts.Node): boolean {
  const tsm = ctx.ts;
  const scoped = ctx.config.clients.scoped;
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    const name =
      tsm.isFunctionDeclaration(n) ||
      tsm.isMethodDeclaration(n) ||
      tsm.isClassDeclaration(n) ||
      tsm.isVariableDeclaration(n) ||
      tsm.isPropertyAssignment(n) ||
      tsm.isPropertyDeclaration(n)
        ? n.name?.getText(ctx.sourceFile)
        : undefined;
    if (name && scoped.includes(name)) return true;
  }
  return false;
}

// The statements the tenant model ignores but row-level security depends on: roles and their
// BYPASSRLS/SUPERUSER, row_security settings, SECURITY DEFINER functions (bodies parsed for
// the scope checker), views and their security_invoker option. Each updates the history in
// place, so a later statement undoes an earlier one as Postgres would.
import type { Node } from "@pgsql/types";
import { as, list, names, walk } from "../sql/ast";
import { ClauseTokens } from "../sql/clauses";
import type { SqlParser } from "../sql/parse";
import type { BodyStatement, MigrationHistory, RowSecurityOff, StatementSite } from "./history";

export function applyRlsStatement(history: MigrationHistory, parser: SqlParser, stmt: Node, site: StatementSite): void {
  const [type, fields] = Object.entries(stmt)[0] as [string, Record<string, unknown>];
  switch (type) {
    case "CreateRoleStmt":
      setRole(history, String(fields.role ?? ""), fields.options, site);
      break;
    case "AlterRoleStmt":
      setRole(history, roleSpecName(fields.role), fields.options, site);
      break;
    case "DropRoleStmt":
      for (const role of list(fields.roles)) history.roles.delete(roleSpecName(role));
      break;
    case "VariableSetStmt":
      rowSecurity(history, fields, "session", undefined, site);
      break;
    case "AlterRoleSetStmt":
      rowSecurity(history, fields.setstmt as Record<string, unknown>, "role", roleSpecName(fields.role), site);
      break;
    case "AlterDatabaseSetStmt":
      rowSecurity(history, fields.setstmt as Record<string, unknown>, "database", String(fields.dbname ?? ""), site);
      break;
    case "CreateFunctionStmt":
      createFunction(history, parser, fields, site);
      break;
    case "AlterFunctionStmt": {
      const name = names((fields.func as { objname?: unknown })?.objname).join(".");
      const security = list(fields.actions)
        .map((a) => as<{ defname?: string; arg?: unknown }>(a, "DefElem"))
        .find((d) => d?.defname === "security");
      if (security && !as<{ boolval?: boolean }>(security.arg, "Boolean")?.boolval)
        history.definerFunctions.delete(name);
      break;
    }
    case "DropStmt":
      drop(history, fields);
      break;
    case "ViewStmt": {
      const view = fields.view as { relname?: string; schemaname?: string };
      if (!view?.relname) break;
      history.views.set(viewKey(view.schemaname, view.relname), {
        name: view.relname,
        schema: view.schemaname,
        materialized: false,
        securityInvoker: relOption(fields.options, "security_invoker") ?? false,
        reads: readRelations(fields.query),
        site,
      });
      break;
    }
    case "CreateTableAsStmt": {
      const rel = (fields.into as { rel?: { relname?: string; schemaname?: string } })?.rel;
      if (fields.objtype !== "OBJECT_MATVIEW" || !rel?.relname) break;
      history.views.set(viewKey(rel.schemaname, rel.relname), {
        name: rel.relname,
        schema: rel.schemaname,
        materialized: true,
        securityInvoker: false,
        reads: readRelations(fields.query),
        site,
      });
      break;
    }
    case "AlterTableStmt": {
      if (fields.objtype !== "OBJECT_VIEW") break;
      const rel = fields.relation as { relname?: string; schemaname?: string };
      const view = rel?.relname ? history.views.get(viewKey(rel.schemaname, rel.relname)) : undefined;
      if (!view) break;
      for (const cmd of list(fields.cmds)) {
        const c = as<{ subtype?: string; def?: unknown }>(cmd, "AlterTableCmd");
        const options = as<{ items?: unknown[] }>(c?.def, "List")?.items;
        const invoker = relOption(options, "security_invoker");
        if (c?.subtype === "AT_SetRelOptions" && invoker !== undefined) view.securityInvoker = invoker;
        if (c?.subtype === "AT_ResetRelOptions" && relOption(options, "security_invoker", true) !== undefined)
          view.securityInvoker = false;
      }
      break;
    }
    case "DoStmt":
      history.opaque.push(site);
      break;
  }
}

function setRole(history: MigrationHistory, name: string, options: unknown, site: StatementSite): void {
  if (!name) return;
  const previous = history.roles.get(name);
  let bypassRls = previous?.bypassRls ?? false;
  let superuser = previous?.superuser ?? false;
  let granted = false;
  for (const option of list(options)) {
    const d = as<{ defname?: string; arg?: unknown }>(option, "DefElem");
    const on = !!as<{ boolval?: boolean }>(d?.arg, "Boolean")?.boolval;
    if (d?.defname === "bypassrls") [bypassRls, granted] = [on, granted || on];
    if (d?.defname === "superuser") [superuser, granted] = [on, granted || on];
  }
  if (bypassRls || superuser)
    history.roles.set(name, { name, bypassRls, superuser, site: granted || !previous ? site : previous.site });
  else history.roles.delete(name);
}

function rowSecurity(
  history: MigrationHistory,
  set: Record<string, unknown> | undefined,
  scope: RowSecurityOff["scope"],
  target: string | undefined,
  site: StatementSite,
): void {
  if (!set || String(set.name ?? "").toLowerCase() !== "row_security") return;
  const value = list(set.args)
    .map((a) => as<{ sval?: { sval?: string }; boolval?: { boolval?: boolean } }>(a, "A_Const"))
    .map((c) => c?.sval?.sval ?? (c?.boolval ? String(!!c.boolval.boolval) : ""))[0];
  // A later `SET ... = on` or `RESET` for the same scope and target undoes an earlier off.
  history.rowSecurityOff = history.rowSecurityOff.filter((o) => !(o.scope === scope && o.target === target));
  const off = set.kind === "VAR_SET_VALUE" && /^(off|false|0|no)$/i.test(value ?? "");
  if (off) history.rowSecurityOff.push({ scope, target, site });
}

function createFunction(
  history: MigrationHistory,
  parser: SqlParser,
  fields: Record<string, unknown>,
  site: StatementSite,
): void {
  const name = names(fields.funcname).join(".");
  const options = list(fields.options).map((o) => as<{ defname?: string; arg?: unknown }>(o, "DefElem"));
  const definer = !!as<{ boolval?: boolean }>(options.find((o) => o?.defname === "security")?.arg, "Boolean")?.boolval;
  if (!definer) {
    history.definerFunctions.delete(name); // CREATE OR REPLACE without SECURITY DEFINER runs as the caller
    return;
  }
  const language = as<{ sval?: string }>(options.find((o) => o?.defname === "language")?.arg, "String")?.sval ?? "sql";
  const asItems = as<{ items?: unknown[] }>(options.find((o) => o?.defname === "as")?.arg, "List")?.items;
  const bodyText = as<{ sval?: string }>(asItems?.[0], "String")?.sval ?? "";
  const statements = language.toLowerCase() === "plpgsql" ? plpgsqlStatements(bodyText) : [bodyText];
  const body: BodyStatement[] = [];
  for (const sql of statements) {
    if (!sql.trim()) continue;
    const parsed = parser.parse(sql);
    if (!("error" in parsed)) body.push({ sql, parsed, tokens: new ClauseTokens(() => parser.scan(sql)) });
  }
  history.definerFunctions.set(name, { name, language, body, site });
}

/**
 * The SQL statements of a plpgsql body, read the simple way: split on `;`, keep what
 * starts like a query once plpgsql's own words (RETURN QUERY, PERFORM, ...) are removed.
 */
function plpgsqlStatements(body: string): string[] {
  const out: string[] = [];
  for (let piece of body.replace(/--[^\n]*/g, " ").split(";")) {
    piece = piece
      .replace(/^\s*(declare\b[\s\S]*?\bbegin\b|begin\b|end\b\s*(if|loop)?)/i, " ")
      .replace(/\breturn\s+query\s+(execute\b)?/i, " ")
      .replace(/\bperform\b/i, "SELECT")
      .replace(/^[\s\S]*?\b(then|else|loop)\b(?=\s*(select|with|update|delete|insert)\b)/i, " ");
    const start = piece.search(/\b(select|with|update|delete|insert)\b/i);
    if (start >= 0 && /^\s*$/.test(piece.slice(0, start).replace(/\breturn\b/i, ""))) {
      // `SELECT ... INTO var FROM`: plpgsql's INTO names variables; drop it so the SQL parses.
      out.push(piece.slice(start).replace(/\binto\s+(strict\s+)?[\w.,\s]+?(?=\bfrom\b)/i, ""));
    }
  }
  return out;
}

function drop(history: MigrationHistory, fields: Record<string, unknown>): void {
  for (const object of list(fields.objects)) {
    if (fields.removeType === "OBJECT_FUNCTION" || fields.removeType === "OBJECT_PROCEDURE") {
      const objname = as<{ objname?: unknown }>(object, "ObjectWithArgs")?.objname;
      history.definerFunctions.delete(names(objname).join("."));
    } else if (fields.removeType === "OBJECT_VIEW" || fields.removeType === "OBJECT_MATVIEW") {
      const parts = names(as<{ items?: unknown[] }>(object, "List")?.items);
      const name = parts[parts.length - 1];
      history.views.delete(viewKey(parts.length > 1 ? parts[parts.length - 2] : undefined, name));
    }
  }
}

/** `security_invoker = true|on|1` in a WITH (...) list; `reset` reports presence only. */
function relOption(options: unknown, name: string, reset = false): boolean | undefined {
  for (const option of list(options)) {
    const d = as<{ defname?: string; arg?: unknown }>(option, "DefElem");
    if (d?.defname !== name) continue;
    if (reset || d.arg === undefined) return true;
    const s = as<{ sval?: string }>(d.arg, "String")?.sval;
    const b = as<{ boolval?: boolean }>(d.arg, "Boolean")?.boolval;
    const i = as<{ ival?: number }>(d.arg, "Integer")?.ival;
    return s !== undefined ? /^(true|on|1|yes)$/i.test(s) : b !== undefined ? b : i !== undefined ? i !== 0 : true;
  }
  return undefined;
}

function readRelations(query: unknown): string[] {
  const out = new Set<string>();
  walk(query, (type, fields) => {
    if (type === "RangeVar" && typeof fields.relname === "string") out.add(fields.relname);
  });
  return [...out];
}

function viewKey(schema: string | undefined, name: string): string {
  return `${schema ?? "public"}.${name}`;
}

function roleSpecName(node: unknown): string {
  const spec = (as<{ rolename?: string }>(node, "RoleSpec") ?? (node as { rolename?: string })) || {};
  return spec.rolename ?? "";
}

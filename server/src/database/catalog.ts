// Reads what the database actually holds (pg_class, pg_policy, pg_roles, views, SECURITY
// DEFINER functions) and turns it into the same MigrationHistory the static checks judge,
// so a DO block or a generated statement is judged exactly like a plain CREATE POLICY.
import { emptyHistory, applyMigrationText, type MigrationHistory, type StatementSite } from "../analyzer/migrations";
import type { MigrationPolicy } from "../analyzer/model/migrations";
import type { SqlParser } from "../analyzer/sql/parse";
import type { SqlSession } from "./types";

export interface CatalogColumn {
  name: string;
  /** `format_type` spelling, e.g. `character varying(20)`, `uuid`, `public.status`. */
  type: string;
  typeCategory: string;
  notNull: boolean;
  hasDefault: boolean;
  /** `a` (ALWAYS), `d` (BY DEFAULT) or "". */
  identity: string;
  generated: boolean;
  enumLabels: string[] | null;
}

export interface CatalogForeignKey {
  columns: string[];
  refSchema: string;
  refTable: string;
  refColumns: string[];
}

export interface CatalogPolicy {
  name: string;
  permissive: boolean;
  roles: string[];
  command: string;
  qual: string | null;
  withCheck: string | null;
}

export interface CatalogTable {
  schema: string;
  name: string;
  owner: string;
  rlsEnabled: boolean;
  rlsForced: boolean;
  columns: CatalogColumn[];
  foreignKeys: CatalogForeignKey[];
  policies: CatalogPolicy[];
}

export interface Catalog {
  tables: CatalogTable[];
  roles: { name: string; superuser: boolean; bypassRls: boolean }[];
  views: { schema: string; name: string; materialized: boolean; securityInvoker: boolean; reads: string[] }[];
  definerFunctions: { schema: string; name: string; language: string; source: string }[];
  /** `ALTER ROLE/DATABASE ... SET row_security = off`. */
  rowSecurityOff: { scope: "role" | "database"; target: string }[];
  /** Setting names any user function reads with current_setting('...'). */
  functionSettings: string[];
}

const USER_SCHEMAS =
  "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'";

export async function readCatalog(
  session: SqlSession,
  options: { roleFilter: "all" | "created"; knownRoles?: Set<string> },
): Promise<Catalog> {
  const tables = await session.query<{
    oid: number;
    schema: string;
    name: string;
    owner: string;
    rls: boolean;
    forced: boolean;
  }>(
    `SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name, pg_get_userbyid(c.relowner) AS owner,
            c.relrowsecurity AS rls, c.relforcerowsecurity AS forced
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND ${USER_SCHEMAS}
      ORDER BY n.nspname, c.relname`,
  );
  const columns = await session.query<
    { oid: number } & Omit<CatalogColumn, "enumLabels"> & { enumLabels: string[] | null }
  >(
    `SELECT a.attrelid::int AS oid, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            t.typcategory AS "typeCategory", a.attnotnull AS "notNull", a.atthasdef AS "hasDefault",
            a.attidentity::text AS identity, a.attgenerated <> '' AS generated,
            (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) AS "enumLabels"
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
       JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') AND ${USER_SCHEMAS}
      ORDER BY a.attrelid, a.attnum`,
  );
  const keys = await session.query<{
    oid: number;
    columns: string[];
    refSchema: string;
    refTable: string;
    refColumns: string[];
  }>(
    `SELECT k.conrelid::int AS oid,
            ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(n, i) JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i) AS columns,
            rn.nspname AS "refSchema", r.relname AS "refTable",
            ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(n, i) JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.i) AS "refColumns"
       FROM pg_constraint k JOIN pg_class r ON r.oid = k.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
      WHERE k.contype = 'f'`,
  );
  const policies = await session.query<{
    oid: number;
    name: string;
    permissive: boolean;
    roles: string[];
    command: string;
    qual: string | null;
    withCheck: string | null;
  }>(
    `SELECT p.polrelid::int AS oid, p.polname AS name, p.polpermissive AS permissive,
            CASE WHEN p.polroles = '{0}' THEN ARRAY['public'] ELSE ARRAY(SELECT rolname::text FROM pg_roles WHERE oid = ANY(p.polroles)) END AS roles,
            CASE p.polcmd WHEN 'r' THEN 'select' WHEN 'a' THEN 'insert' WHEN 'w' THEN 'update' WHEN 'd' THEN 'delete' ELSE 'all' END AS command,
            pg_get_expr(p.polqual, p.polrelid) AS qual, pg_get_expr(p.polwithcheck, p.polrelid) AS "withCheck"
       FROM pg_policy p ORDER BY p.polrelid, p.polname`,
  );
  const roles = await session.query<{ name: string; superuser: boolean; bypassRls: boolean }>(
    `SELECT rolname AS name, rolsuper AS superuser, rolbypassrls AS "bypassRls" FROM pg_roles
      WHERE (rolsuper OR rolbypassrls) AND oid <> 10 AND rolname NOT LIKE 'pg\\_%' ORDER BY rolname`,
  );
  const views = await session.query<{
    schema: string;
    name: string;
    materialized: boolean;
    securityInvoker: boolean;
    reads: string[];
  }>(
    `SELECT n.nspname AS schema, v.relname AS name, v.relkind = 'm' AS materialized,
            coalesce((SELECT option_value::bool FROM pg_options_to_table(v.reloptions) WHERE option_name = 'security_invoker'), false) AS "securityInvoker",
            ARRAY(SELECT DISTINCT t.relname::text FROM pg_rewrite w JOIN pg_depend d ON d.objid = w.oid AND d.classid = 'pg_rewrite'::regclass
                    JOIN pg_class t ON t.oid = d.refobjid WHERE w.ev_class = v.oid AND t.oid <> v.oid AND t.relkind IN ('r', 'p')) AS reads
       FROM pg_class v JOIN pg_namespace n ON n.oid = v.relnamespace
      WHERE v.relkind IN ('v', 'm') AND ${USER_SCHEMAS}
      ORDER BY n.nspname, v.relname`,
  );
  const functions = await session.query<{
    schema: string;
    name: string;
    language: string;
    source: string;
    definer: boolean;
  }>(
    `SELECT n.nspname AS schema, p.proname AS name, l.lanname AS language, p.prosrc AS source, p.prosecdef AS definer
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
      WHERE ${USER_SCHEMAS} AND l.lanname IN ('sql', 'plpgsql') ORDER BY n.nspname, p.proname`,
  );
  const settings = await session.query<{ scope: "role" | "database"; target: string; config: string[] }>(
    `SELECT CASE WHEN s.setrole = 0 THEN 'database' ELSE 'role' END AS scope,
            coalesce((SELECT rolname FROM pg_roles WHERE oid = s.setrole), (SELECT datname FROM pg_database WHERE oid = s.setdatabase)) AS target,
            s.setconfig AS config
       FROM pg_db_role_setting s`,
  );

  const byOid = <T extends { oid: number }>(rows: T[]) => {
    const map = new Map<number, T[]>();
    for (const row of rows) map.set(row.oid, [...(map.get(row.oid) ?? []), row]);
    return map;
  };
  const columnsOf = byOid(columns.rows);
  const keysOf = byOid(keys.rows);
  const policiesOf = byOid(policies.rows);
  const knownRoles = options.knownRoles;
  return {
    tables: tables.rows.map((t) => ({
      schema: t.schema,
      name: t.name,
      owner: t.owner,
      rlsEnabled: t.rls,
      rlsForced: t.forced,
      columns: (columnsOf.get(t.oid) ?? []).map(({ oid: _, ...c }) => c),
      foreignKeys: (keysOf.get(t.oid) ?? []).map(({ oid: _, ...k }) => k),
      policies: (policiesOf.get(t.oid) ?? []).map(({ oid: _, ...p }) => p),
    })),
    roles: roles.rows.filter((r) => options.roleFilter === "all" || !knownRoles?.has(r.name)),
    views: views.rows,
    definerFunctions: functions.rows.filter((f) => f.definer),
    rowSecurityOff: settings.rows
      .filter((s) => (s.config ?? []).some((c) => /^row_security=(off|false|0|no)$/i.test(c)))
      .map(({ scope, target }) => ({ scope, target })),
    functionSettings: [
      ...new Set(
        functions.rows.flatMap((f) => [...f.source.matchAll(/current_setting\s*\(\s*'([^']+)'/gi)].map((m) => m[1])),
      ),
    ],
  };
}

/** Where a catalog object came from: a migration statement, or undefined when unknown. */
export type Locate = (
  kind: "table" | "policy" | "role" | "view" | "function",
  name: string,
  table?: string,
) => StatementSite | undefined;

/**
 * The catalog as a MigrationHistory: tables with their RLS flags and policies (expressions
 * parsed from pg_get_expr text), roles, views, SECURITY DEFINER functions (bodies read as the
 * static check reads them), role and database row_security settings.
 */
export function catalogToHistory(
  catalog: Catalog,
  parser: SqlParser,
  locate: Locate,
  fallback: StatementSite,
): MigrationHistory {
  const history = emptyHistory();
  const site = (s: StatementSite | undefined) => s ?? fallback;
  for (const table of catalog.tables) {
    const tableSite = site(locate("table", table.name));
    history.sites.set(key(tableSite), tableSite);
    history.tables.set(`${table.schema}.${table.name}`, {
      name: table.name,
      schema: table.schema === "public" ? undefined : table.schema,
      columns: table.columns.map((c) => c.name),
      rls: { enabled: table.rlsEnabled, forced: table.rlsForced },
      policies: table.policies.map((p): MigrationPolicy => {
        const policySite = site(locate("policy", p.name, table.name) ?? locate("table", table.name));
        history.sites.set(key(policySite), policySite);
        return {
          name: p.name,
          command: p.command,
          permissive: p.permissive,
          roles: p.roles,
          using: parseExpression(parser, p.qual) as MigrationPolicy["using"],
          withCheck: parseExpression(parser, p.withCheck) as MigrationPolicy["withCheck"],
          source: { file: policySite.file, line: policySite.line, column: policySite.column, kind: "migration" },
        };
      }),
      source: { file: tableSite.file, line: tableSite.line, column: tableSite.column, kind: "migration" },
    });
  }
  for (const role of catalog.roles) history.roles.set(role.name, { ...role, site: site(locate("role", role.name)) });
  for (const view of catalog.views) {
    history.views.set(`${view.schema}.${view.name}`, {
      ...view,
      schema: view.schema,
      site: site(locate("view", view.name)),
    });
  }
  for (const off of catalog.rowSecurityOff)
    history.rowSecurityOff.push({ ...off, site: site(locate("role", off.target)) });
  for (const fn of catalog.definerFunctions) {
    // Re-read through the static path so plpgsql bodies are split exactly as in migrations.
    const scratch = emptyHistory();
    const quote = "$tenantguard$";
    applyMigrationText(
      scratch,
      parser,
      "<catalog>",
      `CREATE FUNCTION f() RETURNS void LANGUAGE ${fn.language} SECURITY DEFINER AS ${quote}${fn.source}${quote}`,
    );
    const read = scratch.definerFunctions.get("f");
    if (read)
      history.definerFunctions.set(`${fn.schema}.${fn.name}`, {
        ...read,
        name: fn.name,
        site: site(locate("function", fn.name)),
      });
  }
  return history;
}

function parseExpression(parser: SqlParser, text: string | null): unknown {
  if (!text) return undefined;
  const parsed = parser.parse(`SELECT 1 WHERE ${text}`);
  if ("error" in parsed) return undefined;
  const stmt = parsed.tree.stmts?.[0]?.stmt as { SelectStmt?: { whereClause?: unknown } } | undefined;
  return stmt?.SelectStmt?.whereClause;
}

function key(site: StatementSite): string {
  return `${site.file}:${site.line}:${site.column}`;
}

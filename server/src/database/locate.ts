// Where a catalog object came from. With the embedded database each migration file is applied
// alone, and the objects that appear after it are its own; a live database is located through
// the static reading of the migrations, when the project has them.
import type { MigrationHistory, StatementSite } from "../analyzer/migrations";
import type { Locate } from "./catalog";
import type { SqlSession } from "./types";

/** Names of the objects migrations create, to attribute each to the file that created it. */
export async function objectKeys(session: SqlSession): Promise<Set<string>> {
  const rows = await session.query<{
    kind: "table" | "policy" | "role" | "view" | "function";
    name: string;
    tbl: string | null;
  }>(
    `SELECT 'table' AS kind, c.relname AS name, NULL AS tbl FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
     UNION ALL SELECT 'view', c.relname, NULL FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('v', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
     UNION ALL SELECT 'policy', p.polname, c.relname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
     UNION ALL SELECT 'role', rolname, NULL FROM pg_roles
     UNION ALL SELECT 'function', p.proname, NULL FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')`,
  );
  return new Set(rows.rows.map((r) => objectKey(r.kind, r.name, r.tbl ?? undefined)));
}

export function objectKey(kind: string, name: string, table?: string): string {
  return `${kind}:${table ? `${table}.` : ""}${name}`;
}

/** The static reading's site when it saw the object in this file; else the first line naming it. */
export function locateInFile(file: string, text: string, key: string, history: MigrationHistory): StatementSite {
  const [kind, rest] = [key.slice(0, key.indexOf(":")), key.slice(key.indexOf(":") + 1)];
  const fromStatic = staticLocator(history)(
    kind as Parameters<Locate>[0],
    rest.split(".").pop()!,
    rest.includes(".") ? rest.split(".")[0] : undefined,
  );
  if (fromStatic?.file === file) return fromStatic;
  const name = rest
    .split(".")
    .pop()!
    .replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const lines = text.split("\n");
  const word = new RegExp(`(^|[^\\w$])"?${name}"?($|[^\\w$])`, "i");
  const index = lines.findIndex((l) => word.test(l) && !/^\s*--/.test(l));
  return site(
    file,
    index < 0 ? 1 : index + 1,
    index < 0 ? 1 : lines[index].search(/\S/) + 1,
    index < 0 ? undefined : lines[index].trimEnd().length + 1,
  );
}

export function staticLocator(history: MigrationHistory): Locate {
  return (kind, name, table) => {
    const siteOf = (s: { file: string; line: number; column: number }) =>
      history.sites.get(`${s.file}:${s.line}:${s.column}`);
    const findTable = (n: string) => [...history.tables.values()].find((t) => t.name === n);
    switch (kind) {
      case "table": {
        const t = findTable(name);
        return t && siteOf(t.source);
      }
      case "policy": {
        const p = table ? findTable(table)?.policies.find((x) => x.name === name) : undefined;
        return p && siteOf(p.source);
      }
      case "role":
        return history.roles.get(name)?.site;
      case "view":
        return [...history.views.values()].find((v) => v.name === name)?.site;
      case "function":
        return [...history.definerFunctions.values()].find((f) => f.name.split(".").pop() === name)?.site;
    }
  };
}

function site(file: string, line: number, column = 1, endColumn?: number): StatementSite {
  return { file, line, column, endLine: line, endColumn: endColumn ?? column + 1 };
}

// The embedded database: PGlite is real Postgres compiled to WASM, in-process, no server.
// Loaded lazily (it is large and only db-check needs it) and kept out of the bundle: it finds
// its WASM and data files next to its own module.
import type { SqlSession } from "./types";

/** The part of PGlite's API db-check uses. */
export interface PgliteLike {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[]; affectedRows?: number }>;
  exec(sql: string): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * Creates a fresh database with the named contrib extensions available (`pgcrypto`, ...); tests
 * pass one that restores a saved data directory (faster than initdb).
 */
export type PgliteFactory = (extensions: Record<string, unknown>) => Promise<PgliteLike>;

export async function openPglite(
  factory: PgliteFactory | undefined,
  migrationTexts: readonly string[],
): Promise<SqlSession> {
  const db = await (factory ?? defaultFactory)(contribExtensions(migrationTexts));
  return pgliteSession(db);
}

/** PGlite ships contrib extensions as separate modules; load the ones the migrations CREATE EXTENSION. */
export function contribExtensions(migrationTexts: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const text of migrationTexts) {
    for (const match of text.matchAll(/create\s+extension\s+(?:if\s+not\s+exists\s+)?"?([\w-]+)"?/gi)) {
      const name = match[1].toLowerCase().replace(/-/g, "_");
      if (out[name] || !/^[a-z_]+$/.test(name)) continue;
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const module = require(`@electric-sql/pglite/contrib/${name}`) as Record<string, unknown>;
        if (module[name]) out[name] = module[name];
      } catch {
        // not shipped with PGlite: CREATE EXTENSION reports it, with the migration's name
      }
    }
  }
  return out;
}

export function pgliteSession(db: PgliteLike): SqlSession {
  return {
    async query<T>(sql: string, params?: unknown[]) {
      const result = await db.query<T>(sql, params);
      return { rows: result.rows, affectedRows: result.affectedRows ?? 0 };
    },
    async exec(sql) {
      await db.exec(sql);
    },
    close: () => db.close(),
  };
}

const defaultFactory: PgliteFactory = async (extensions) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PGlite } = require("@electric-sql/pglite") as typeof import("@electric-sql/pglite");
  return (await PGlite.create({ extensions: extensions as never })) as unknown as PgliteLike;
};

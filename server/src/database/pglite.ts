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

/** Creates a fresh database; tests pass one that restores a saved data directory (faster than initdb). */
export type PgliteFactory = () => Promise<PgliteLike>;

export async function openPglite(factory?: PgliteFactory): Promise<SqlSession> {
  const db = await (factory ?? defaultFactory)();
  return pgliteSession(db);
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

const defaultFactory: PgliteFactory = async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PGlite } = require("@electric-sql/pglite") as typeof import("@electric-sql/pglite");
  return (await PGlite.create()) as unknown as PgliteLike;
};

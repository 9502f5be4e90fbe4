// A live database through node-postgres. The connection string is the user's secret: it is
// never printed, and driver errors are scrubbed of it (and of its user, password and host)
// before anyone sees them.
import type { SqlSession } from "./types";

export async function openLive(url: string): Promise<SqlSession> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Client } = require("pg") as typeof import("pg");
  const client = new Client({ connectionString: url, application_name: "tenantguard db-check" });
  const scrub = secretScrubber(url);
  client.on("error", () => undefined); // a dropped connection surfaces on the next query
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    // No `cause`: the driver's error can carry connection details, and nothing may print them.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`cannot connect to --database-url: ${scrub(e instanceof Error ? e.message : String(e))}`);
  }
  const rethrow = (e: unknown): never => {
    const error = e as { message?: string; code?: string; position?: string };
    throw Object.assign(new Error(scrub(error.message ?? String(e))), { code: error.code, position: error.position });
  };
  return {
    async query<T>(sql: string, params?: unknown[]) {
      try {
        const result = await client.query(sql, params as unknown[]);
        return { rows: result.rows as T[], affectedRows: result.rowCount ?? 0 };
      } catch (e) {
        return rethrow(e);
      }
    },
    async exec(sql) {
      try {
        await client.query(sql);
      } catch (e) {
        rethrow(e);
      }
    },
    close: () => client.end(),
  };
}

/** Replaces the URL and its user, password and host wherever they appear in a message. */
export function secretScrubber(url: string): (text: string) => string {
  const secrets = [url];
  try {
    const parsed = new URL(url);
    for (const part of [parsed.password, decodeURIComponent(parsed.password), parsed.username, parsed.hostname]) {
      if (part && part.length >= 3) secrets.push(part);
    }
  } catch {
    // not a URL (a libpq key=value string): only the whole string is known to be secret
  }
  return (text) => secrets.reduce((t, s) => t.split(s).join("***"), text);
}

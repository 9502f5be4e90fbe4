import { Pool, type PoolClient } from "pg";
import postgres from "postgres";

const connectionString = process.env.DATABASE_URL ?? "postgres://localhost:5432/saas";

/** node-postgres: most services use it with `$1` parameters. */
export const pool = new Pool({ connectionString, max: 10 });

/** postgres.js: newer code (reports, projects) uses tagged templates. */
export const sql = postgres(connectionString, { max: 5 });

/**
 * Runs `fn` in a transaction with `app.tenant_id` set, so the statements inside can
 * read the tenant with `current_setting('app.tenant_id')`.
 */
export async function withTenantSetting<T>(tenantId: string, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  } finally {
    client.release();
  }
}

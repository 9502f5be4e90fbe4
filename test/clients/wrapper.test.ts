// At isolation "rls", a scoped wrapper must hand its callers the connection it set the tenant on:
// `tenant-context-leak` on what it passes to its callback (or returns) when that is a pool or another
// receiver than the one the setting went through.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import ts from "typescript";
import { analyzeSourceFile } from "../../server/src/analyzer/analyze";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { summarizeFindings } from "../helpers/analyze";
import { sqlParser, testModel } from "../helpers/sql";

let parser: SqlParser;
before(async () => {
  parser = await sqlParser();
});

const clients = { scoped: ["withTenant", "getTenantDb"], unscoped: ["pool"], allowUnscopedIn: [] as string[] };
const PG = `import { Pool, type PoolClient } from "pg";\nconst pool = new Pool();\n`;
const SET = `"SELECT set_config('app.tenant_id', $1, true)", [tenantId]`;

function leaks(text: string) {
  const sourceFile = ts.createSourceFile("/p/src/db.ts", text, ts.ScriptTarget.Latest, true);
  const findings = analyzeSourceFile({
    ts,
    sourceFile,
    config: resolveConfig({ clients, isolation: "rls" }, "/p", undefined),
    model: testModel(),
    parser,
    relativePath: "src/db.ts",
  });
  return summarizeFindings(text, findings)
    .filter((f) => f.rule === "tenant-context-leak")
    .map(({ at }) => at);
}

const CASES: { name: string; body: string; leaks: string[] }[] = [
  {
    name: "the setting on the pool, the pool to the callback: outside a transaction, and a pool handed out",
    body: `export async function withTenant<T>(tenantId: string, fn: (db: Pool) => Promise<T>) {
  await pool.query(${SET});
  return fn(pool);
}`,
    leaks: ["app.tenant_id", "pool"],
  },
  {
    name: "the setting on a checked-out client, the pool to the callback",
    body: `export async function withTenant<T>(tenantId: string, fn: (db: Pool) => Promise<T>) {
  const client = await pool.connect();
  await client.query("BEGIN");
  await client.query(${SET});
  return fn(pool);
}`,
    leaks: ["pool"],
  },
  {
    name: "the setting on one client, another client to the callback",
    body: `export async function withTenant<T>(tenantId: string, fn: (db: PoolClient) => Promise<T>) {
  const client = await pool.connect();
  const other = await pool.connect();
  await client.query("BEGIN");
  await client.query(${SET});
  return fn(other);
}`,
    leaks: ["other"],
  },
  {
    name: "a returning wrapper that returns the pool",
    body: `export const getTenantDb = async (tenantId: string) => {
  const client = await pool.connect();
  await client.query("BEGIN");
  await client.query(${SET});
  return pool;
};`,
    leaks: ["pool"],
  },
  {
    name: "the correct form: BEGIN, the setting and the callback on one checked-out client",
    body: `export async function withTenant<T>(tenantId: string, fn: (db: PoolClient) => Promise<T>) {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query(${SET});
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } finally {
    client.release();
  }
}`,
    leaks: [],
  },
  {
    name: "the correct returning form",
    body: `export const getTenantDb = async (tenantId: string) => {
  const client = await pool.connect();
  await client.query("BEGIN");
  await client.query(${SET});
  return client;
};`,
    leaks: [],
  },
  {
    name: "Drizzle: the setting on the transaction, the root client to the callback",
    body: `import { drizzle } from "drizzle-orm/node-postgres";
import { sql } from "drizzle-orm";
const db = drizzle(pool);
export const withTenant = <T>(tenantId: string, fn: (tx: unknown) => Promise<T>) =>
  db.transaction(async (tx) => {
    await tx.execute(sql\`select set_config('app.tenant_id', \${tenantId}, true)\`);
    return fn(db);
  });`,
    leaks: ["db"],
  },
  {
    name: "Drizzle: the correct form hands over the transaction",
    body: `import { drizzle } from "drizzle-orm/node-postgres";
import { sql } from "drizzle-orm";
const db = drizzle(pool);
export const withTenant = <T>(tenantId: string, fn: (tx: unknown) => Promise<T>) =>
  db.transaction(async (tx) => {
    await tx.execute(sql\`select set_config('app.tenant_id', \${tenantId}, true)\`);
    return fn(tx);
  });`,
    leaks: [],
  },
  {
    name: "the tenant id beside the client in the callback's arguments is not a hand-out",
    body: `export async function withTenant<T>(tenantId: string, fn: (id: string, db: PoolClient) => Promise<T>) {
  const client = await pool.connect();
  await client.query("BEGIN");
  await client.query(${SET});
  return fn(tenantId, client);
}`,
    leaks: [],
  },
  {
    name: "a function that is not a configured scoped client is not a wrapper",
    body: `export async function report(tenantId: string, fn: (db: PoolClient) => Promise<void>) {
  const client = await pool.connect();
  await client.query("BEGIN");
  await client.query(${SET});
  return fn(pool);
}`,
    leaks: [],
  },
];

describe("scoped wrapper hands out the connection it set the tenant on", () => {
  for (const c of CASES) it(c.name, () => assert.deepEqual(leaks(`${PG}${c.body}\n`), c.leaks));
});

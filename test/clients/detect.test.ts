// Zero-config clients: a module-level root client that a tenant wrapper also wraps.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import ts from "typescript";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import { detectClients, MAY_BUILD_ROOT_CLIENT, withDetectedClients } from "../../server/src/analyzer/clients/detect";

const parse = (name: string, text: string) => ts.createSourceFile(`/p/${name}`, text, ts.ScriptTarget.Latest, true);
const detect = (text: string) => {
  const { scoped, unscoped } = detectClients(ts, [parse("src/db.ts", text)], "/p");
  return { scoped, unscoped };
};

describe("detectClients", () => {
  const cases: [name: string, text: string, expected: { scoped: string[]; unscoped: string[] }][] = [
    [
      "Prisma $extends in a function taking the tenant id",
      `import { PrismaClient } from "@prisma/client";
       export const prisma = new PrismaClient();
       export function forTenant(tenantId: string) { return prisma.$extends({ query: {} }); }`,
      { scoped: ["forTenant"], unscoped: ["prisma"] },
    ],
    [
      "a module-level $extends result",
      `const base = new PrismaClient();
       export const tenantPrisma = base.$extends(tenantExtension);`,
      { scoped: ["tenantPrisma"], unscoped: ["base"] },
    ],
    [
      "a wrapper that sets app.tenant_id",
      `import { Pool } from "pg";
       export const pool = new Pool();
       export async function withTenant(id: string, fn: (c: unknown) => Promise<void>) {
         const client = await pool.connect();
         await client.query("BEGIN");
         await client.query("SELECT set_config('app.tenant_id', $1, true)", [id]);
         return fn(client);
       }`,
      { scoped: ["withTenant"], unscoped: ["pool"] },
    ],
    [
      "a factory taking a tenant id and returning a client",
      `const db = drizzle(pool);
       export const getTenantDb = async (orgId: string) => { const conn = await db.acquire(); return conn; };`,
      { scoped: ["getTenantDb"], unscoped: ["db"] },
    ],
    [
      "a function that only queries through the root client is not a wrapper",
      `export const pool = new Pool();
       export async function ordersOf(tenantId: string) { const { rows } = await pool.query("SELECT 1"); return rows; }`,
      { scoped: [], unscoped: [] },
    ],
    ["a root client alone", `export const prisma = new PrismaClient();`, { scoped: [], unscoped: [] }],
    [
      "a root client whose name starts with $",
      `export const $db = new PrismaClient();
       export function forTenant(tenantId: string) { return $db.$extends({ query: {} }); }`,
      { scoped: ["forTenant"], unscoped: ["$db"] },
    ],
  ];
  for (const [name, text, expected] of cases) it(name, () => assert.deepEqual(detect(text), expected));

  it("the CLI's text prefilter lets every file with a root client through, and skips queries", () => {
    for (const [name, text, expected] of cases)
      if (expected.unscoped.length) assert.ok(MAY_BUILD_ROOT_CLIENT.test(text), name);
    for (const text of [
      "export const db: Knex = knex(config);",
      "const db = drizzle<typeof schema>(pool, { schema });",
      "export const prisma = (new PrismaClient());",
    ])
      assert.ok(MAY_BUILD_ROOT_CLIENT.test(text), text);
    for (const text of [
      "const rows = await knex('orders').where({ tenant_id: t });",
      "return db.select().from(orders);",
      "await knex.raw('select 1');",
    ])
      assert.ok(!MAY_BUILD_ROOT_CLIENT.test(text), text);
  });

  it("says what it detected and where", () => {
    const { notes } = detectClients(
      ts,
      [
        parse(
          "src/db.ts",
          `export const prisma = new PrismaClient();\nexport function forTenant(tenantId: string) {\n  return prisma.$extends({});\n}`,
        ),
      ],
      "/p",
    );
    assert.deepEqual(notes, [
      'detected root client "prisma" (src/db.ts:1) wrapped by tenant client "forTenant" (src/db.ts:2, prisma.$extends): queries through "forTenant" need no predicate, and with isolation rls, schema or database queries through "prisma" are unscoped-client; confirm with "clients" in tenantguard.config.json',
    ]);
  });

  it("fills the config only when it names no clients", () => {
    const detected = { scoped: ["forTenant"], unscoped: ["prisma"], notes: [] };
    const empty = resolveConfig({ isolation: "rls" }, "/p", undefined);
    assert.deepEqual(withDetectedClients(empty, detected).clients, {
      scoped: ["forTenant"],
      unscoped: ["prisma"],
      allowUnscopedIn: [],
    });
    // At row level predicates are the boundary: the root client stays unknown, the wrapper trusted.
    assert.deepEqual(withDetectedClients(resolveConfig({}, "/p", undefined), detected).clients, {
      scoped: ["forTenant"],
      unscoped: [],
      allowUnscopedIn: [],
    });
    const named = resolveConfig({ clients: { scoped: ["tenantDb"] } }, "/p", undefined);
    assert.equal(withDetectedClients(named, detected), named);
  });
});

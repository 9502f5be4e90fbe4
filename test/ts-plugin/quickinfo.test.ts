// Quick info on a query tenantguard proved safe: the built plugin in a real tsserver, once per
// installed TypeScript. Inside a SQL string TypeScript has nothing to say, so the proof stands
// alone; on an identifier TypeScript's own quick info comes first and the proof follows.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fromTenantguard, PluginProject, REPO_ROOT, typescriptVariants } from "./plugin-project";
import { toLocation, type TsDiagnostic } from "./tsserver-client";

const SERVICE = `import knex from "knex";
import { pool, tenantDb } from "./db";

const db = knex({ client: "pg" });

export async function listOrders(tenantId: string) {
  return pool.query("SELECT * FROM orders o WHERE o.tenant_id = $1", [tenantId]);
}

export async function getOrder(id: string) {
  return tenantDb.query("SELECT * FROM orders WHERE id = $1", [id]);
}

export async function findOrder(tenantId: string, id: string) {
  return db("orders").where({ tenant_id: tenantId, id }).first();
}

export async function allOrders() {
  return pool.query("SELECT * FROM orders");
}

export async function loggedOrder(tenantId: string, id: string) {
  const { rows: [o] } = await pool.query("SELECT * FROM orders WHERE id = $1", [id]);
  if (!o || o.tenant_id !== tenantId) console.error("forbidden");
  return o;
}
`;

const DB = `export interface QueryResult {
  rows: { tenant_id: string }[];
}

export interface Pool {
  query(text: string, values?: unknown[]): Promise<QueryResult>;
}

export declare const pool: Pool;
export declare const tenantDb: Pool;
`;

interface QuickInfo {
  displayString: string;
  documentation: string | { text: string }[];
  start: { line: number; offset: number };
  end: { line: number; offset: number };
}

before(() => {
  execFileSync(process.execPath, [join(REPO_ROOT, "scripts", "build.mjs")], { cwd: REPO_ROOT, stdio: "inherit" });
});

for (const variant of typescriptVariants()) {
  if (variant.skip) {
    describe(`quick info on ${variant.label}`, { skip: variant.skip }, () => {});
    continue;
  }
  describe(`quick info on ${variant.label}`, { timeout: 120_000 }, () => {
    let project: PluginProject;

    before(async () => {
      project = new PluginProject({
        fixture: "project",
        tsserverPath: variant.tsserverPath!,
        files: {
          "src/service.ts": SERVICE,
          "src/db.ts": DB,
          "tenantguard.config.json": JSON.stringify({
            tenantColumns: ["tenant_id"],
            globalTables: ["plans"],
            clients: { scoped: ["tenantDb"] },
          }),
        },
      });
      await project.open("src/service.ts");
      // The SQL parser loads asynchronously: the leak's finding says it is ready.
      await project.diagnosticsUntil("src/service.ts", (ds: TsDiagnostic[]) => fromTenantguard(ds).length > 0);
    });
    after(() => project?.dispose());

    const quickInfo = (needle: string, shift: number) => {
      const offset = SERVICE.indexOf(needle) + shift;
      return project.server.request<QuickInfo | undefined>("quickinfo", {
        file: project.path("src/service.ts"),
        ...toLocation(SERVICE, offset),
      });
    };
    const documentation = (info: QuickInfo | undefined) =>
      typeof info?.documentation === "string"
        ? info.documentation
        : (info?.documentation ?? []).map((p) => p.text).join("");

    test("inside a SQL string: the tenant predicate alone, spanning the table reference", async () => {
      const info = await quickInfo("orders o WHERE", 2);
      assert.equal(documentation(info), "tenantguard: scoped — tenant predicate `o.tenant_id = $1` (orders)");
      const at = SERVICE.indexOf("orders o WHERE");
      assert.deepEqual([info?.start, info?.end], [toLocation(SERVICE, at), toLocation(SERVICE, at + "orders".length)]);
    });

    test("inside a SQL string run through a scoped client: the client", async () => {
      const info = await quickInfo("orders WHERE id", 1);
      assert.equal(documentation(info), "tenantguard: scoped — runs through the scoped client `tenantDb` (orders)");
    });

    test("on an ORM call: TypeScript's quick info first, then the tenant predicate", async () => {
      const info = await quickInfo("tenantId, id }).first", 0);
      assert.match(info?.displayString ?? "", /tenantId: string/);
      assert.equal(documentation(info), "tenantguard: scoped — tenant predicate `tenant_id: tenantId` (orders)");
    });

    test("nothing added on the leak, and TypeScript's own quick info elsewhere unchanged", async () => {
      // TypeScript has nothing to say inside a string: tsserver answers "No content available".
      await assert.rejects(quickInfo('orders");', 1), /No content available/);
      const fn = await quickInfo("allOrders", 1);
      assert.match(fn?.displayString ?? "", /function allOrders\(\): Promise<QueryResult>/);
      assert.ok(!documentation(fn).includes("tenantguard"));
    });

    test("a leak's diagnostic points at the ownership check that falls through", async () => {
      const diagnostics = fromTenantguard(await project.semanticDiagnostics("src/service.ts"));
      const at = SERVICE.indexOf("orders WHERE id", SERVICE.indexOf("loggedOrder"));
      const leak = diagnostics.find((d) => d.start.line === toLocation(SERVICE, at).line);
      assert.ok(leak, JSON.stringify(diagnostics));
      const check = SERVICE.indexOf("if (!o ||");
      const head = "if (!o || o.tenant_id !== tenantId)";
      assert.deepEqual(
        leak.relatedInformation?.map((r) => [r.span?.start, r.span?.end, r.message]),
        [
          [
            toLocation(SERVICE, check),
            toLocation(SERVICE, check + head.length),
            "This ownership check falls through: its branch neither throws nor returns.",
          ],
        ],
      );
    });
  });
}

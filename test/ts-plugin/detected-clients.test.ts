// The tsserver plugin detects the root client and its tenant wrapper from the program tsserver
// built, as the CLI and the language server do: the same `unscoped-client` finding in every front end.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fromTenantguard, PluginProject, REPO_ROOT, typescriptVariants } from "./plugin-project";

const UNSCOPED_CLIENT = 98004;

const TENANT_DB = `declare class Pool {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
  connect(): Promise<Pool & { release(): void }>;
}
export const root = new Pool();
export async function withTenant<T>(tenantId: string, fn: (c: Pool) => Promise<T>): Promise<T> {
  const client = await root.connect();
  await client.query("BEGIN");
  await client.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
  try {
    return await fn(client);
  } finally {
    await client.query("COMMIT");
    client.release();
  }
}
`;

const REPORT = `import { root, withTenant } from "./tenant-db";
export async function report(tenantId: string) {
  await root.query("SELECT * FROM orders WHERE tenant_id = $1", [tenantId]);
  return withTenant(tenantId, (tx) => tx.query("SELECT * FROM orders"));
}
`;

const variant = typescriptVariants()[0];
let project: PluginProject;

before(() => {
  execFileSync(process.execPath, [join(REPO_ROOT, "scripts", "build.mjs")], { cwd: REPO_ROOT, stdio: "inherit" });
  project = new PluginProject({
    fixture: "project",
    tsserverPath: variant.tsserverPath!,
    files: {
      "src/tenant-db.ts": TENANT_DB,
      "src/report.ts": REPORT,
      // The root client is a boundary when the team relies on the wrapper (here: RLS).
      "tenantguard.config.json": JSON.stringify({
        tenantColumns: ["tenant_id"],
        globalTables: ["plans"],
        isolation: "rls",
      }),
    },
  });
});
after(() => project?.dispose());

test(
  "a query through the detected root client is unscoped-client; the wrapper's is not",
  { timeout: 60_000 },
  async () => {
    await project.open("src/report.ts");
    const diagnostics = await project.diagnosticsUntil("src/report.ts", (ds) => fromTenantguard(ds).length > 0);
    const ours = fromTenantguard(diagnostics);
    assert.deepEqual(
      ours.map((d) => [d.code, d.start.line]),
      [[UNSCOPED_CLIENT, 3]],
    );
    assert.ok(project.logLines(/detected root client "root"/).length > 0, "the detection is logged");
  },
);

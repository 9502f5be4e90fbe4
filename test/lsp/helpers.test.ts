// Helpers imported from other files prove ownership in the editor too (untyped mode): the
// bundled server over stdio, with a real JSON-RPC client. The helper lives on disk; when the
// user edits it in an open document, the open text is what counts.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Diagnostic } from "vscode-languageserver-protocol";
import { copyFixture, LspClient, REPO, uri } from "./lsp-client";

const REPOSITORY = `import { pool } from "./db";

export async function getOrder(id: string, tenantId: string) {
  const { rows: [order] } = await pool.query("SELECT * FROM orders WHERE id = $1 AND tenant_id = $2", [id, tenantId]);
  if (!order) throw new Error("not found");
  return order;
}
`;

const UNSCOPED_REPOSITORY = REPOSITORY.replace(" AND tenant_id = $2", "");

const ROUTE = `import { pool } from "./db";
import { getOrder } from "./orders-repository";

export async function cancelOrder(id: string, tenantId: string) {
  const order = await getOrder(id, tenantId);
  await pool.query("UPDATE orders SET status = 'cancelled' WHERE id = $1", [order.id]);
}

export async function allOrders() {
  return pool.query("SELECT * FROM orders");
}
`;

const UPDATE_LINE = 5;
/** A leak that is always there: diagnostics holding it are the analysis of this text. */
const LEAK_LINE = 9;
const analyzed = (diagnostics: Diagnostic[]) => diagnostics.some((d) => d.range.start.line === LEAK_LINE);

before(() => {
  const built = spawnSync(process.execPath, [join(REPO, "scripts", "build.mjs")], { cwd: REPO, encoding: "utf8" });
  assert.equal(built.status, 0, `build failed:\n${built.stdout}${built.stderr}`);
});

describe("language server: helpers imported from other files", () => {
  let client: LspClient;
  let workspace: ReturnType<typeof copyFixture>;
  let routeUri: string;
  let repositoryUri: string;

  before(async () => {
    workspace = copyFixture();
    writeFileSync(join(workspace.dir, "tenantguard.config.json"), JSON.stringify({ tenantColumns: ["tenant_id"] }));
    writeFileSync(join(workspace.dir, "src", "orders-repository.ts"), REPOSITORY);
    routeUri = uri(join(workspace.dir, "src", "orders-route.ts"));
    repositoryUri = uri(join(workspace.dir, "src", "orders-repository.ts"));
    ({ client } = await LspClient.start(workspace.dir));
  });
  after(async () => {
    await client?.stop();
    workspace?.remove();
  });

  const onUpdate = (diagnostics: Diagnostic[]) => diagnostics.filter((d) => d.range.start.line === UPDATE_LINE);

  it("an update by the id of a row the helper read with the tenant is not flagged", async () => {
    await client.open(routeUri, ROUTE);
    const diagnostics = await client.diagnostics(routeUri, 0, analyzed);
    assert.deepEqual(onUpdate(diagnostics), []);
  });

  it("once the open helper drops its tenant predicate, the update is flagged", async () => {
    await client.open(repositoryUri, REPOSITORY);
    await client.change(repositoryUri, UNSCOPED_REPOSITORY, 2);
    // The route is checked again on its next change; the helper's open text is what it sees.
    const since = client.mark();
    await client.change(routeUri, ROUTE + "\n", 2);
    const diagnostics = await client.diagnostics(routeUri, since, analyzed);
    assert.deepEqual(
      onUpdate(diagnostics).map((d) => d.code),
      ["missing-tenant-filter"],
    );
  });
});

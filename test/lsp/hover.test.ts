// Hover on a query tenantguard proved safe: the bundled server (`dist/server.js --stdio`) and a
// real JSON-RPC client, on a copy of the fixture app with a scoped client configured.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Hover, InitializeResult } from "vscode-languageserver-protocol";
import { copyFixture, LspClient, REPO, uri } from "./lsp-client";

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

export async function checkedOrder(tenantId: string, id: string) {
  const { rows: [o] } = await pool.query("SELECT * FROM orders WHERE id = $1", [id]);
  if (!o || o.tenant_id !== tenantId) throw new Error("forbidden");
  return o;
}

export async function loggedOrder(tenantId: string, id: string) {
  const { rows: [o] } = await pool.query("SELECT * FROM orders WHERE id = $1", [id]);
  if (!o || o.tenant_id !== tenantId) console.error("forbidden");
  return o;
}
`;

/** The 0-based position of the `nth` occurrence of `needle` in SERVICE, plus `shift` characters. */
function at(needle: string, nth = 0, shift = 0): { line: number; character: number } {
  let offset = -1;
  for (let i = 0; i <= nth; i++) offset = SERVICE.indexOf(needle, offset + 1);
  assert.ok(offset >= 0, needle);
  const before = SERVICE.slice(0, offset + shift).split("\n");
  return { line: before.length - 1, character: before[before.length - 1].length };
}

before(() => {
  const built = spawnSync(process.execPath, [join(REPO, "scripts", "build.mjs")], { cwd: REPO, encoding: "utf8" });
  assert.equal(built.status, 0, `build failed:\n${built.stdout}${built.stderr}`);
});

describe("language server: hover on proven queries", () => {
  let client: LspClient;
  let initialize: InitializeResult;
  let workspace: ReturnType<typeof copyFixture>;
  let serviceUri: string;

  before(async () => {
    workspace = copyFixture();
    writeFileSync(
      join(workspace.dir, "tenantguard.config.json"),
      JSON.stringify({ tenantColumns: ["tenant_id"], clients: { scoped: ["tenantDb"] } }),
    );
    serviceUri = uri(join(workspace.dir, "src", "service.ts"));
    ({ client, initialize } = await LspClient.start(workspace.dir));
    await client.open(serviceUri, SERVICE);
  });
  after(async () => {
    await client?.stop();
    workspace?.remove();
  });

  const hover = (position: { line: number; character: number }) =>
    client.request<Hover | null>("textDocument/hover", { textDocument: { uri: serviceUri }, position });

  it("announces hovers", () => {
    assert.equal(initialize.capabilities.hoverProvider, true);
  });

  it("says which scoped client proves a SQL query, on its table reference", async () => {
    const result = await hover(at("orders WHERE id", 0, 2));
    assert.deepEqual(result, {
      contents: {
        kind: "markdown",
        value: "tenantguard: scoped — runs through the scoped client `tenantDb` (orders)",
      },
      range: { start: at("orders WHERE id"), end: at("orders WHERE id", 0, "orders".length) },
    });
  });

  it("shows an ORM query's tenant predicate anywhere on the call", async () => {
    const result = await hover(at(".where({ tenant_id", 0, 2));
    assert.equal(
      (result?.contents as { value: string }).value,
      "tenantguard: scoped — tenant predicate `tenant_id: tenantId` (orders)",
    );
    assert.deepEqual(result?.range?.start, at('db("orders")'));
  });

  it("shows a SQL query's tenant predicate", async () => {
    const result = await hover(at("orders o WHERE", 0, 1));
    assert.equal(
      (result?.contents as { value: string }).value,
      "tenantguard: scoped — tenant predicate `o.tenant_id = $1` (orders)",
    );
  });

  it("says nothing on the leak or outside queries", async () => {
    assert.equal(await hover(at('orders");', 0, 1)), null);
    assert.equal(await hover(at("export async function allOrders", 0, 3)), null);
  });

  it("shows the ownership check that proves a by-id read", async () => {
    const result = await hover(at("orders WHERE id", 1, 1));
    assert.equal(
      (result?.contents as { value: string }).value,
      "tenantguard: scoped — the row's tenant_id is checked against the tenant on line 24 (orders)",
    );
  });

  it("points a leak's related information at the ownership check that falls through", async () => {
    const diagnostics = await client.diagnostics(serviceUri, 0, (d) => d.length > 0);
    const leak = diagnostics.find((d) => d.range.start.line === at("orders WHERE id", 2).line);
    assert.ok(leak, JSON.stringify(diagnostics));
    const check = at("if (!o || o.tenant_id !== tenantId) console");
    assert.deepEqual(leak.relatedInformation?.slice(1), [
      {
        location: {
          uri: serviceUri,
          range: {
            start: check,
            end: at("if (!o || o.tenant_id !== tenantId) console", 0, "if (!o || o.tenant_id !== tenantId)".length),
          },
        },
        message: "This ownership check falls through: its branch neither throws nor returns.",
      },
    ]);
  });

  it("answers for the current version after an edit", async () => {
    // A line inserted above: a hover answered from the old version would sit one line up.
    await client.change(serviceUri, "\n" + SERVICE, 2);
    const moved = (p: { line: number; character: number }) => ({ ...p, line: p.line + 1 });
    const result = await hover(moved(at("orders WHERE id", 0, 2)));
    assert.match((result?.contents as { value: string }).value, /scoped client `tenantDb`/);
    assert.deepEqual(result?.range?.start, moved(at("orders WHERE id")));
  });
});

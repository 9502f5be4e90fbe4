// tsserver with and without the tenantguard plugin, on a generated 3,000-line file holding
// ~100 queries: the median `semanticDiagnosticsSync` time over 50 requests after warm-up
// (the file is edited before each request, so both servers re-check it and the plugin
// re-analyzes it), and each server's memory. The plugin's budget is 1.20x tsserver alone.
//
//   node bench/tsserver.mjs            (after `npm run build`; or as a step of bench/run.mjs)
//
// Both servers run side by side and are asked in turn, so drift in machine load hits both.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tsImport } from "tsx/esm/api";

const root = fileURLToPath(new URL("..", import.meta.url));
const PLUGIN_BUNDLE = join(root, "dist", "ts-plugin.js");
const TSSERVER = join(root, "node_modules", "typescript", "lib", "tsserver.js");
const FUNCTIONS = 100;
const WARMUP = 10;
const SAMPLES = 50;
const RATIO_TARGET = 1.2;

/** The bench/run.mjs step: prints its rows, records the numbers in `state.tsserver`. */
export async function measureTsserver(state = {}) {
  if (!existsSync(PLUGIN_BUNDLE)) {
    row("result", "not run: dist/ts-plugin.js does not exist (npm run build)");
    return;
  }
  const { TsserverClient } = await tsImport("../test/ts-plugin/tsserver-client.ts", import.meta.url);
  const dir = mkdtempSync(join(tmpdir(), "tenantguard-bench-tsserver-"));
  const servers = [];
  try {
    const { text, lines, queries, unscoped } = generateProject(dir);
    row("file", `src/orders.ts: ${lines} lines, ${queries} queries (${unscoped} without the tenant predicate)`);
    const modes = [
      { name: "tsserver", project: join(dir, "bare") },
      { name: "with plugin", project: join(dir, "plugin") },
    ];
    for (const mode of modes) {
      const server = new TsserverClient({
        tsserverPath: TSSERVER,
        cwd: mode.project,
        args: ["--pluginProbeLocations", mode.project],
        timeoutMs: 60_000,
      });
      servers.push(server);
      Object.assign(mode, { server, file: join(mode.project, "src", "orders.ts"), times: [], revision: 0 });
      await server.request("updateOpen", {
        openFiles: [{ file: mode.file, fileContent: text, projectRootPath: mode.project }],
      });
    }
    // Ready: the plugin's parser has loaded and its findings are in the answer.
    const plugin = modes[1];
    const deadline = Date.now() + 30_000;
    for (;;) {
      const mark = plugin.server.events.length;
      const found = (await diagnostics(plugin)).filter((d) => d.source === "tenantguard").length;
      if (found === unscoped) break;
      if (Date.now() > deadline) throw new Error(`the plugin reported ${found} findings, expected ${unscoped}`);
      await plugin.server.waitForEvent("projectsUpdatedInBackground", { from: mark, timeoutMs: deadline - Date.now() });
    }

    for (const mode of modes) mode.rssReady = rssOf(mode.server.pid);
    for (let i = 0; i < WARMUP + SAMPLES; i++) {
      for (const mode of modes) {
        await bumpRevision(mode);
        globalThis.gc?.();
        const t0 = performance.now();
        await diagnostics(mode);
        if (i >= WARMUP) mode.times.push(performance.now() - t0);
      }
    }
    const [bare, withPlugin] = modes.map((m) => ({
      median: median(m.times),
      rss: rssOf(m.server.pid),
      ready: m.rssReady,
    }));
    const ratio = withPlugin.median / bare.median;
    const memory = (m) => `RSS ${mb(m.ready)} after open, ${mb(m.rss)} after ${WARMUP + SAMPLES} edits`;
    row("tsserver", `median ${ms(bare.median)} (${SAMPLES} requests), ${memory(bare)}`);
    row("with plugin", `median ${ms(withPlugin.median)} (${SAMPLES} requests), ${memory(withPlugin)}`);
    row(
      "memory",
      `+${mb(withPlugin.ready - bare.ready)} after open, +${mb(withPlugin.rss - bare.rss)} after the edits`,
    );
    row("ratio", `${ratio.toFixed(2)}x (target <= ${RATIO_TARGET}x) ${ratio <= RATIO_TARGET ? "PASS" : "OVER"}`);
    state.tsserver = {
      bareMs: bare.median,
      pluginMs: withPlugin.median,
      ratio,
      bareRss: bare.rss,
      pluginRss: withPlugin.rss,
    };
  } finally {
    await Promise.all(servers.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}

function diagnostics(mode) {
  return mode.server.request("semanticDiagnosticsSync", { file: mode.file });
}

/** `const revision = N;` on line 2 changes, so tsserver builds a new program and re-checks the file. */
async function bumpRevision(mode) {
  const before = `const revision = ${mode.revision};`;
  mode.revision++;
  const after = `const revision = ${mode.revision};`;
  await mode.server.request("updateOpen", {
    changedFiles: [
      {
        fileName: mode.file,
        textChanges: [{ start: { line: 2, offset: 1 }, end: { line: 2, offset: before.length + 1 }, newText: after }],
      },
    ],
  });
}

/** Two copies of one project, with and without the plugin in tsconfig.json. */
export function generateProject(dir) {
  const text = generateOrdersFile();
  for (const [name, plugins] of [
    ["bare", []],
    ["plugin", [{ name: "tenantguard/ts-plugin" }]],
  ]) {
    const project = join(dir, name);
    mkdirSync(join(project, "src"), { recursive: true });
    mkdirSync(join(project, "db", "migrations"), { recursive: true });
    mkdirSync(join(project, "node_modules"));
    symlinkSync(root, join(project, "node_modules", "tenantguard"), "junction");
    const compilerOptions = {
      target: "ES2022",
      module: "preserve",
      lib: ["ES2022"],
      types: [],
      strict: true,
      noEmit: true,
      plugins,
    };
    writeFileSync(join(project, "tsconfig.json"), JSON.stringify({ compilerOptions, include: ["src"] }, null, 2));
    writeFileSync(
      join(project, "tenantguard.config.json"),
      JSON.stringify({ tenantColumns: ["tenant_id"], globalTables: ["plans", "countries"] }, null, 2),
    );
    writeFileSync(join(project, "db", "migrations", "001_init.sql"), MIGRATION);
    writeFileSync(join(project, "src", "db.ts"), DB_MODULE);
    writeFileSync(join(project, "src", "orders.ts"), text);
  }
  const lines = text.split("\n").length;
  const queries = (text.match(/pool\.query[<(]/g) ?? []).length;
  const unscoped = (text.match(/\/\* unscoped \*\//g) ?? []).length;
  return { text, lines, queries, unscoped };
}

const MIGRATION = `
CREATE TABLE plans (id serial PRIMARY KEY, name text NOT NULL);
CREATE TABLE countries (code text PRIMARY KEY, name text NOT NULL);
CREATE TABLE customers (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, name text NOT NULL, country text REFERENCES countries (code));
CREATE TABLE orders (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, customer_id uuid REFERENCES customers (id), plan_id integer REFERENCES plans (id), total_cents integer NOT NULL, status text NOT NULL);
CREATE TABLE line_items (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, order_id uuid REFERENCES orders (id), sku text NOT NULL, quantity integer NOT NULL);
`;

const DB_MODULE = `export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
}

export interface Pool {
  query<Row = Record<string, unknown>>(text: string, values?: unknown[]): Promise<QueryResult<Row>>;
}

export declare const pool: Pool;
`;

/** ~30 lines per function: typed TypeScript around one query, every fifth query unscoped. */
function generateOrdersFile() {
  const out = ['import { pool, type QueryResult } from "./db";', "const revision = 0;", ""];
  out.push(
    "export interface Money { cents: number; currency: string }",
    "export type Status = 'open' | 'paid' | 'void';",
    "export interface OrderRow { id: string; total_cents: number; status: Status; customer_id: string }",
    "function money(cents: number, currency = 'EUR'): Money { return { cents: cents + revision * 0, currency }; }",
    "",
  );
  const queries = [
    (s) =>
      `"SELECT o.id, o.total_cents, o.status, o.customer_id FROM orders o WHERE o.id = $1${s ? " AND o.tenant_id = $2" : ""}"`,
    (s) =>
      `"UPDATE orders SET status = 'paid' WHERE id = $1${s ? " AND tenant_id = $2" : ""} RETURNING id, total_cents, status, customer_id"`,
    (s) =>
      `"SELECT o.id, o.total_cents, o.status, o.customer_id FROM orders o JOIN line_items li ON li.order_id = o.id AND li.tenant_id = o.tenant_id WHERE li.sku = $1${s ? " AND o.tenant_id = $2" : ""}"`,
    (s) =>
      `"SELECT o.id, o.total_cents, o.status, o.customer_id FROM orders o JOIN plans p ON p.id = o.plan_id WHERE o.customer_id = $1${s ? " AND o.tenant_id = $2" : ""}"`,
    (s) =>
      `"DELETE FROM line_items WHERE order_id = $1${s ? " AND tenant_id = $2" : ""} RETURNING order_id AS id, quantity AS total_cents, 'void' AS status, sku AS customer_id"`,
  ];
  for (let i = 0; i < FUNCTIONS; i++) {
    const scoped = i % 5 !== 4;
    const sql = queries[i % queries.length](scoped);
    const values = scoped ? "[key, tenantId]" : "[key]";
    out.push(
      `export interface Summary${i} {`,
      `  id: string;`,
      `  total: Money;`,
      `  status: Status;`,
      `  weight: number;`,
      `}`,
      ``,
      `export async function query${i}(tenantId: string, key: string, factors: readonly number[]): Promise<Summary${i}[]> {`,
      `  const started = Date.now();`,
      `  const weights = factors.map((f, index) => f * ${i + 1} + index);`,
      `  const weight = weights.reduce((sum, w) => sum + w, 0) / Math.max(1, weights.length);`,
      `  ${scoped ? "" : "/* unscoped */ "}const result: QueryResult<OrderRow> = await pool.query<OrderRow>(`,
      `    ${sql},`,
      `    ${values},`,
      `  );`,
      `  const summaries = result.rows.map((row): Summary${i} => ({`,
      `    id: row.id,`,
      `    total: money(row.total_cents),`,
      `    status: row.status,`,
      `    weight,`,
      `  }));`,
      `  const byStatus = new Map<Status, number>();`,
      `  for (const s of summaries) byStatus.set(s.status, (byStatus.get(s.status) ?? 0) + s.total.cents);`,
      `  if (byStatus.size > 3) throw new Error(\`unexpected statuses after \${Date.now() - started} ms\`);`,
      `  return summaries.filter((s) => s.weight >= 0 && s.total.currency === "EUR");`,
      `}`,
      ``,
      `export const label${i} = (s: Summary${i}): string => \`\${s.id}: \${(s.total.cents / 100).toFixed(2)} \${s.total.currency}\`;`,
      ``,
      ``,
    );
  }
  return out.join("\n");
}

/** Resident memory now, from /proc (Linux) or ps elsewhere. */
function rssOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
  } catch {
    return NaN;
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function row(label, value) {
  console.log(`  ${label.padEnd(13)} ${value}`);
}

function ms(value) {
  return `${value.toFixed(1)} ms`;
}

function mb(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log("## tsserver: semanticDiagnosticsSync with and without the plugin");
  await measureTsserver();
}

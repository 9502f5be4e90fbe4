// Memory of the language server (`node dist/server.js --stdio`) on a large workspace: a generated
// git repository of 5,000 TypeScript files holding raw SQL (one query in five without the tenant
// predicate). The server's RSS (VmRSS) and peak (VmHWM) from /proc/<pid>/status are read once
// `initialize` is answered, after the start-up scan ends (`$/progress` end), and after each of two
// more `tenantguard.scanWorkspace` runs. Closed files keep only their diagnostics, so repeated
// scans must not grow the server: the budget is RSS after the last scan <= 1.10x after the first.
//
//   node bench/lsp-memory.mjs [files]     (after `npm run build`; or as a step of bench/run.mjs)
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tsImport } from "tsx/esm/api";

const root = fileURLToPath(new URL("..", import.meta.url));
const SERVER = join(root, "dist", "server.js");
const DEFAULT_FILES = 5000;
const FILES_PER_FOLDER = 100;
const EXTRA_SCANS = 2;
const GROWTH_TARGET = 1.1;
const SCAN_TIMEOUT_MS = 600_000;

/** The bench/run.mjs step: prints its rows, records the numbers in `state.lspMemory`. */
export async function measureLspMemory(state = {}, files = DEFAULT_FILES) {
  if (!existsSync(SERVER)) {
    row("result", "not run: dist/server.js does not exist (npm run build)");
    return;
  }
  if (!existsSync("/proc/self/status")) {
    row("result", "not run: no /proc/<pid>/status to read the server's memory from (Linux only)");
    return;
  }
  const { LspClient } = await tsImport("../test/lsp/lsp-client.ts", import.meta.url);
  const dir = mkdtempSync(join(tmpdir(), "tenantguard-bench-lsp-memory-"));
  let client;
  try {
    const { unscoped } = writeWorkspace(dir, files);
    row("workspace", `${files} files in git, ${files} queries (${unscoped} without the tenant predicate)`);

    const started = performance.now();
    ({ client } = await LspClient.start(dir));
    const pid = client.process.pid;
    const samples = [{ when: "after initialize", ...readMemory(pid) }];
    await client.waitFor(
      (n) => n.method === "$/progress" && n.params.value?.kind === "end",
      0,
      "the start-up scan to end",
      SCAN_TIMEOUT_MS,
    );
    const scanMs = performance.now() - started;
    samples.push({ when: "after the start-up scan", ...readMemory(pid) });
    for (let i = 1; i <= EXTRA_SCANS; i++) {
      const result = await client.request("workspace/executeCommand", { command: "tenantguard.scanWorkspace" });
      // The modules and db.ts.
      if (result?.files !== files + 1)
        throw new Error(`scan ${i} checked ${result?.files} files, expected ${files + 1}`);
      samples.push({ when: `after scan ${i + 1}`, ...readMemory(pid) });
    }
    const published = new Set(
      client.notifications
        .filter((n) => n.method === "textDocument/publishDiagnostics" && n.params.diagnostics.length > 0)
        .map((n) => n.params.uri),
    );
    row("start-up scan", `${(scanMs / 1000).toFixed(1)} s, ${published.size} files with diagnostics`);
    for (const s of samples) row(s.when, `RSS ${mb(s.rss)}, peak ${mb(s.hwm)}`);

    const first = samples[1].rss;
    const last = samples[samples.length - 1].rss;
    const ratio = last / first;
    const ok = ratio <= GROWTH_TARGET;
    row(
      "growth",
      `${ratio.toFixed(2)}x from the first scan to the last (target <= ${GROWTH_TARGET}x) ${ok ? "PASS" : "OVER"}`,
    );
    state.lspMemory = { files, scanMs, samples, ratio, ok };
  } finally {
    await client?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The workspace: a config, one migration, `files` modules of one query each, as a git repository. */
export function writeWorkspace(dir, files) {
  writeFileSync(join(dir, "tenantguard.config.json"), '{\n  "tenantColumns": ["tenant_id"]\n}\n');
  mkdirSync(join(dir, "db", "migrations"), { recursive: true });
  writeFileSync(
    join(dir, "db", "migrations", "001_init.sql"),
    "CREATE TABLE orders (\n  id uuid PRIMARY KEY,\n  tenant_id uuid NOT NULL,\n  total numeric NOT NULL\n);\n",
  );
  writeFileSync(join(dir, "db.ts"), 'import { Pool } from "pg";\n\nexport const pool = new Pool();\n');
  let unscoped = 0;
  for (let i = 0; i < files; i++) {
    const folder = join(dir, "src", `module-${Math.floor(i / FILES_PER_FOLDER)}`);
    if (i % FILES_PER_FOLDER === 0) mkdirSync(folder, { recursive: true });
    const leaks = i % 5 === 4;
    if (leaks) unscoped++;
    const where = leaks ? "id = $1" : "tenant_id = $2 AND id = $1";
    writeFileSync(
      join(folder, `orders-${i}.ts`),
      [
        'import { pool } from "../../db";',
        "",
        `/** Order ${i}, with a padding comment so the file is the size of an ordinary module. ${"x".repeat(200)} */`,
        `export async function getOrder${i}(id: string, tenantId: string) {`,
        `  const result = await pool.query("SELECT id, total FROM orders WHERE ${where}", [id, tenantId]);`,
        "  return result.rows[0];",
        "}",
        "",
      ].join("\n"),
    );
  }
  const git = spawnSync("git", ["init", "-q"], { cwd: dir, encoding: "utf8" });
  if (git.status !== 0) throw new Error(`git init failed: ${git.stderr}`);
  return { unscoped };
}

/** VmRSS and VmHWM of a process, in bytes. */
function readMemory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

function row(label, value) {
  console.log(`  ${label.padEnd(26)} ${value}`);
}

function mb(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = Number(process.argv[2] ?? DEFAULT_FILES);
  console.log(`## language server: memory on a ${files}-file workspace`);
  await measureLspMemory({}, files);
}

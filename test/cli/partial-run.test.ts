// A run over some files of a project (`tenantguard src/orders-data.ts`) still judges a by-id
// query on a parameter at its calls anywhere under the config root, not only among the files
// it was given.
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadSqlParser } from "../../server/src/analyzer";
import { loadConfig } from "../../server/src/analyzer/config/load";
import { discoverTenantModel } from "../../server/src/analyzer/model/discover";
import { createAnalysisSession } from "../../server/src/cli/analysis";
import { parseArgs, type CliOptions } from "../../server/src/cli/args";
import { createNodeFileSystem } from "../../server/src/cli/node-fs";
import { analyzeFiles } from "../../server/src/cli/parallel";
import { run } from "../../server/src/cli/run";
import { memoryIo, REPO_ROOT } from "./helpers";

/** The worker script: the bundled CLI (built by `node scripts/build.mjs`). */
const CLI = join(REPO_ROOT, "dist", "cli.js");

const APP = join(import.meta.dirname, "..", "lsp", "fixtures", "app");

const DATA = `import { pool } from "./db";

export async function cancelOrder(orderId: string) {
  await pool.query("UPDATE orders SET status = 'cancelled' WHERE id = $1", [orderId]);
}
`;

const ACTION = `import { cancelOrder } from "./orders-data";

export async function cancelAction(user: { id: string }, input: { orderId: string }) {
  await cancelOrder(input.orderId);
}
`;

function cli(argv: string[]): CliOptions {
  const parsed = parseArgs(argv, "0.0.0-test");
  assert.equal(parsed.kind, "run");
  return (parsed as { options: CliOptions }).options;
}

describe("a run over some files of the project", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "tenantguard-partial-"));
    cpSync(APP, dir, { recursive: true });
    writeFileSync(join(dir, "src", "orders-data.ts"), DATA);
    writeFileSync(join(dir, "src", "orders-action.ts"), ACTION);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("judges the data file's query at a caller it was not given", async () => {
    const io = memoryIo(dir);
    const result = await run(cli(["src/orders-data.ts", "--format", "json"]), io, "0.0.0-test");
    assert.equal(result.exitCode, 1, io.err());
    const report = JSON.parse(io.out()) as {
      summary: { files: number };
      findings: { file: string; line: number; message: string }[];
    };
    // Only the named file is analyzed.
    assert.equal(report.summary.files, 1);
    const update = report.findings.filter((f) => f.file === "src/orders-data.ts" && f.line === 4);
    assert.equal(update.length, 1);
    assert.match(
      update[0]!.message,
      /Its key `orderId` is a parameter of `cancelOrder`: the call on orders-action\.ts line 4 passes `input\.orderId`/,
    );
  });

  it("worker threads look for calls among the same files as the main thread", async (t) => {
    if (!existsSync(CLI)) return t.skip("needs the bundled CLI (node scripts/build.mjs)");
    const fs = createNodeFileSystem();
    const parser = await loadSqlParser();
    const { config } = loadConfig(fs, { cwd: dir, configPath: join(dir, "tenantguard.config.json") });
    const { model } = discoverTenantModel(fs, config, parser);
    const data = join(dir, "src", "orders-data.ts");
    const callerFiles = [join(dir, "src", "db.ts"), join(dir, "src", "orders-action.ts"), data];
    const created = createAnalysisSession({ config, model, parser, files: callerFiles });
    assert.ok("session" in created);
    const { session } = created;
    // The main thread takes the first file and stays busy: a worker, once up, takes the data file.
    const busy = new Int32Array(new SharedArrayBuffer(4));
    const slowMain = { ...session, analyze: (file: string) => (Atomics.wait(busy, 0, 0, 3000), session.analyze(file)) };
    const result = await analyzeFiles({
      files: [join(dir, "src", "db.ts"), data],
      callerFiles,
      threads: 2,
      config,
      model,
      explain: false,
      session: slowMain,
      workerScript: CLI,
      onProgress: () => {},
      warn: (message) => assert.fail(message),
    });
    assert.deepEqual(result.filesPerThread, [1, 1]);
    const analysis = result.analyses[1]!;
    assert.equal(analysis.kind, "ok");
    if (analysis.kind !== "ok") return;
    assert.deepEqual(
      analysis.findings.map((f) => f.ruleId),
      ["missing-tenant-filter"],
    );
    assert.match(analysis.findings[0]!.message, /the call on orders-action\.ts line 4 passes `input\.orderId`/);
  });
});

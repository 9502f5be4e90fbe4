// Large runs analyze on several threads (server/src/cli/parallel.ts). Whatever the thread count,
// a user sees the same report: the same findings, in the same order, with the same fixes.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadSqlParser } from "../../server/src/analyzer";
import { loadConfig } from "../../server/src/analyzer/config/load";
import { discoverTenantModel } from "../../server/src/analyzer/model/discover";
import { createAnalysisSession, type FileAnalysis } from "../../server/src/cli/analysis";
import { createNodeFileSystem } from "../../server/src/cli/node-fs";
import { analyzeFiles, MIN_FILES_PER_THREAD, threadCount } from "../../server/src/cli/parallel";
import { REPO_ROOT } from "./helpers";

const CLI = join(REPO_ROOT, "dist", "cli.js");

describe("threadCount", () => {
  it("uses one thread for small runs and below four cores, one per core for large ones", () => {
    assert.equal(threadCount(10, undefined, 8), 1);
    assert.equal(threadCount(MIN_FILES_PER_THREAD + 1, undefined, 8), 2);
    assert.equal(threadCount(100_000, undefined, 2), 1, "two cores: one thread");
    assert.equal(threadCount(100_000, undefined, 3), 1);
    assert.equal(threadCount(100_000, undefined, 4), 4);
    assert.equal(threadCount(100_000, undefined, 64), 8, "at most 8 by default");
    assert.equal(threadCount(100_000, undefined, 1), 1);
  });

  it("takes --threads as asked, but never more threads than files", () => {
    assert.equal(threadCount(10, 4, 2), 4);
    assert.equal(threadCount(3, 8, 2), 3);
    assert.equal(threadCount(100_000, 1, 8), 1);
  });
});

describe("tenantguard --threads (bundled CLI)", () => {
  let dir: string;

  before(() => {
    if (!existsSync(CLI)) {
      const build = spawnSync(process.execPath, ["scripts/build.mjs"], { cwd: REPO_ROOT, encoding: "utf8" });
      assert.equal(build.status, 0, build.stderr);
    }
    // 60 files: leaks, safe queries, a parse error, a suppression, and files with no query at all.
    dir = mkdtempSync(join(tmpdir(), "tenantguard-threads-"));
    mkdirSync(join(dir, "db", "migrations"), { recursive: true });
    mkdirSync(join(dir, "src"), { recursive: true });
    writeFileSync(
      join(dir, "db", "migrations", "001_init.sql"),
      "CREATE TABLE orders (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, total int);\n" +
        "CREATE TABLE plans (id uuid PRIMARY KEY, name text);\n",
    );
    writeFileSync(join(dir, "tenantguard.config.json"), JSON.stringify({ tenantColumns: ["tenant_id"] }));
    for (let i = 0; i < 60; i++) {
      const body = [
        `import { pool } from "./db";`,
        `export async function safe${i}(tenantId: string, id: string) {`,
        `  return pool.query("SELECT * FROM orders WHERE id = $1 AND tenant_id = $2", [id, tenantId]);`,
        `}`,
        i % 3 === 0
          ? `export const leak${i} = (id: string) => pool.query("SELECT * FROM orders WHERE id = $1", [id]);`
          : "",
        i % 7 === 0 ? `export const broken${i} = () => pool.query("SELECT FROM WHERE orders");` : "",
        i % 11 === 0
          ? `// tenantguard-ignore-next-line missing-tenant-filter -- nightly report across tenants\nexport const report${i} = () => pool.query("SELECT count(*) FROM orders");`
          : "",
        i % 5 === 0 ? `export const plans${i} = () => pool.query("SELECT * FROM plans");` : "",
      ];
      writeFileSync(join(dir, "src", `module-${String(i).padStart(2, "0")}.ts`), body.join("\n") + "\n");
      writeFileSync(join(dir, "src", `util-${i}.ts`), `export const double${i} = (n: number) => n * 2;\n`);
    }
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  function scan(threads: number, extra: string[] = []) {
    const out = join(dir, `report-${threads}.json`);
    const result = spawnSync(
      process.execPath,
      [CLI, ".", "--format", "json", "--output", out, "--threads", String(threads), ...extra],
      {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, CI: "true", TENANTGUARD_DEBUG_STATS: "1" },
        timeout: 60_000,
      },
    );
    assert.doesNotMatch(result.stderr, /analysis thread failed/);
    const stats = JSON.parse(result.stderr.trim().split("\n").at(-1)!);
    const report = JSON.parse(readFileSync(out, "utf8"));
    delete report.summary.durationMs;
    return { code: result.status, stats, report };
  }

  it("reports exactly what one thread reports, in the same order", () => {
    const one = scan(1);
    const three = scan(3);
    assert.equal(one.stats.threads, 1);
    assert.equal(three.stats.threads, 3);
    // Every file analyzed exactly once, by one of the three threads; each worker loaded its parser once.
    assert.equal(three.stats.filesPerThread.length, 3);
    assert.equal(
      three.stats.filesPerThread.reduce((a: number, b: number) => a + b, 0),
      120,
    );
    assert.deepEqual(three.stats.workerParserLoads, [1, 1]);
    assert.equal(one.code, 1);
    assert.equal(three.code, 1);
    assert.deepEqual(three.report, one.report);
    const byRule = (r: { findings: { ruleId: string; suppressed?: unknown }[] }) =>
      r.findings.reduce<Record<string, number>>((acc, f) => ((acc[f.ruleId] = (acc[f.ruleId] ?? 0) + 1), acc), {});
    // 20 leaks (i % 3) + 6 suppressed reports (i % 11); 9 unparsable statements (i % 7).
    assert.deepEqual(byRule(one.report), { "missing-tenant-filter": 26, "dynamic-sql": 9 });
    assert.equal(one.report.findings.filter((f: { suppressed?: unknown }) => f.suppressed).length, 6);
    assert.equal(one.report.summary.files, 120);
  });

  it("worker threads take the files a busy main thread leaves, and find what one thread finds", async () => {
    const fs = createNodeFileSystem();
    const parser = await loadSqlParser();
    const { config } = loadConfig(fs, { cwd: dir, configPath: join(dir, "tenantguard.config.json") });
    const { model } = discoverTenantModel(fs, config, parser);
    const created = createAnalysisSession({ config, model, parser });
    assert.ok("session" in created);
    const { session } = created;
    // The main thread takes 25 ms a file: the workers, up after a few hundred, must take the rest.
    const busy = new Int32Array(new SharedArrayBuffer(4));
    const slowMain = { ...session, analyze: (file: string) => (Atomics.wait(busy, 0, 0, 25), session.analyze(file)) };
    const files = readdirSync(join(dir, "src"))
      .sort()
      .map((name) => join(dir, "src", name));
    const warnings: string[] = [];
    const result = await analyzeFiles({
      files,
      threads: 3,
      config,
      model,
      explain: false,
      session: slowMain,
      workerScript: CLI,
      onProgress: () => {},
      warn: (message) => warnings.push(message),
    });
    assert.deepEqual(warnings, []);
    assert.deepEqual(result.workerParserLoads, [1, 1]);
    assert.ok(result.filesPerThread[1] + result.filesPerThread[2] > 0, JSON.stringify(result.filesPerThread));
    const brief = (a: FileAnalysis) => (a.kind === "ok" ? a.findings.map((f) => `${f.ruleId}@${f.start}`) : a.kind);
    assert.deepEqual(
      result.analyses.map(brief),
      files.map((f) => brief(session.analyze(f))),
    );
  });

  it("explains the same proofs whatever the thread count", () => {
    const one = scan(1, ["--explain"]);
    const three = scan(3, ["--explain"]);
    assert.equal(three.stats.threads, 3);
    assert.deepEqual(three.report, one.report);
    // One proof per module: its safe query on orders (the plans queries are on a global table).
    assert.equal(one.report.proofs.length, 60);
    assert.ok(one.report.proofs.every((p: { kind: string }) => p.kind === "predicate"));
  });
});

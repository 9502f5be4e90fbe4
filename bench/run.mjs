// tenantguard benchmark: `npm run bench` (builds dist/, then runs this with --expose-gc).
//
// MEASUREMENTS is a list of named steps run in order; each gets the shared `state` (what earlier
// steps found) and prints its own lines. Later sections (ORM corpus, editor latency, tsserver)
// are appended there. A step that throws is reported and the rest still run. Targets are
// printed as PASS/OVER and never change the exit code; only a bug in the bench itself does.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureCorpus } from "./corpus.mjs";
import { checkOrmFindings, prepareOrmCorpus } from "./corpus-orm.mjs";
import { measureEditorLatency } from "./editor-latency.mjs";
import { measureLspMemory } from "./lsp-memory.mjs";
import { measureTsserver } from "./tsserver.mjs";
import { measureDbCheck } from "./db-check.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const require = createRequire(import.meta.url);
// TENANTGUARD_BENCH_CLI points at another build, to compare two versions on the same corpus.
const CLI = process.env.TENANTGUARD_BENCH_CLI ?? join(root, "dist", "cli.js");
const RAW_SQL_CORPUS = join(root, "bench", ".corpus", "raw-sql");
const RUNS = 3;
const CLI_TIMEOUT_MS = 10 * 60 * 1000;
const FULL_OVER_BARE_TARGET = 1.5;

/** Child-side peak memory when GNU time is missing: prints maxRSS (KiB) to stderr at exit. */
const EXIT_HOOK =
  "data:text/javascript," +
  encodeURIComponent(
    'import { writeSync } from "node:fs";' +
      'process.on("exit", () => { try { writeSync(2, "\\n" + JSON.stringify({ benchMaxRssKb: process.resourceUsage().maxRSS }) + "\\n"); } catch {} });',
  );

const MEASUREMENTS = [
  { name: "raw-sql corpus", run: prepareRawSqlCorpus },
  { name: "raw-sql: bare parse floor (read + ts.createSourceFile)", run: measureParseFloor },
  {
    name: "raw-sql: cold floor (a fresh node process: load TypeScript, read + parse each file once)",
    run: measureColdFloor,
  },
  { name: "raw-sql: full CLI scan (node dist/cli.js)", run: measureCliScan },
  { name: "raw-sql: full / bare", run: compareCliToFloor },
  { name: "raw-sql: CLI output check (one more run, untimed)", run: checkCliOutput },
  { name: "raw-sql: parse split over threads (can --threads help on this machine?)", run: measureParallelParse },
  // The ORM corpus keeps its own state (`state.orm`): the same floor, scan and ratio steps run on it.
  { name: "orm corpus", run: (state) => prepareOrmCorpus((state.orm = {})) },
  { name: "orm: bare parse floor (read + ts.createSourceFile)", run: (state) => measureParseFloor(state.orm) },
  {
    name: "orm: cold floor (a fresh node process: load TypeScript, read + parse each file once)",
    run: (state) => measureColdFloor(state.orm),
  },
  { name: "orm: full CLI scan (node dist/cli.js)", run: (state) => measureCliScan(state.orm) },
  { name: "orm: full / bare", run: (state) => compareCliToFloor(state.orm) },
  { name: "orm: findings by ORM (one more run, untimed)", run: (state) => checkOrmFindings(state.orm) },
  { name: "editor latency: didChange -> publishDiagnostics (language server)", run: measureEditorLatency },
  { name: "language server: memory on a 5,000-file workspace, over three scans", run: measureLspMemory },
  { name: "tsserver: semanticDiagnosticsSync with and without the plugin", run: measureTsserver },
  {
    name: "db-check: 50-table schema, migrations to verdict (PGlite start included) vs applying alone",
    run: measureDbCheck,
  },
];

await main();

async function main() {
  const cpu = cpus();
  const load = loadavg().map((l) => l.toFixed(2));
  const machine = `${process.platform}-${process.arch}, ${cpu.length} x ${cpu[0]?.model ?? "cpu"}, load ${load.join(" ")}`;
  console.log(`tenantguard bench: node ${process.version}, ${machine}`);
  if (typeof globalThis.gc !== "function")
    console.log("(no --expose-gc: run through `npm run bench` for steadier numbers)");
  const state = {};
  // `node bench/run.mjs raw-sql orm` runs only the steps whose names start with those words.
  const only = process.argv.slice(2);
  for (const m of MEASUREMENTS.filter((m) => !only.length || only.some((w) => m.name.startsWith(w)))) {
    console.log(`\n## ${m.name}`);
    try {
      await m.run(state);
    } catch (error) {
      process.exitCode = 1;
      console.log(`  bench error: ${error?.stack ?? error}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// raw-sql corpus

async function prepareRawSqlCorpus(state) {
  const started = performance.now();
  const stamp = ensureCorpus(RAW_SQL_CORPUS);
  const files = listFiles(RAW_SQL_CORPUS).filter((f) => f.endsWith(".ts"));
  let lines = 0;
  let bytes = 0;
  for (const f of files) {
    const text = readFileSync(f, "utf8");
    bytes += Buffer.byteLength(text);
    lines += countLines(text);
  }
  state.corpus = { dir: RAW_SQL_CORPUS, files, lines, bytes, injected: stamp.injected ?? {} };
  const how = stamp.generated
    ? `generated in ${ms(performance.now() - started)}`
    : "reused (delete bench/.corpus to regenerate)";
  row(
    "corpus",
    `${relative(root, RAW_SQL_CORPUS)}: ${files.length} TS files, ${fmt(lines)} lines, ${mb(bytes)}; ${how}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Floor: the least any TypeScript-based scan must do — read each file and parse it. Default
// createSourceFile arguments (no parent pointers), the same TypeScript the CLI bundles.

async function measureParseFloor(state) {
  const ts = require("typescript");
  const { files, lines } = state.corpus;
  const times = [];
  let statements = 0;
  for (let i = 0; i < RUNS; i++) {
    globalThis.gc?.();
    const t0 = performance.now();
    statements = 0;
    for (const file of files) {
      const sourceFile = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest);
      statements += sourceFile.statements.length; // use the result so the work is not skipped
    }
    times.push(performance.now() - t0);
  }
  const best = Math.min(...times);
  state.floor = { bestMs: best };
  row("typescript", `${ts.version}, ${fmt(statements)} top-level statements`);
  row("runs", times.map(ms).join(", "));
  row("best", `${ms(best)}  ${fmt(Math.round(lines / (best / 1000)))} lines/s`);
}

// ---------------------------------------------------------------------------------------------
// Cold floor: the warm floor above runs in this process, best of three, with TypeScript loaded
// and its parser already optimized by the JIT; a CLI run is a fresh process that pays for both.
// The cold floor pays them too (bench/parse-floor.cjs, spawn to exit, best of three), so the
// ratio to it compares like with like. Both ratios are printed; the target is judged on this one.

async function measureColdFloor(state) {
  const script = join(root, "bench", "parse-floor.cjs");
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    globalThis.gc?.();
    const run = await runNode([script, state.corpus.dir], { kind: "none" });
    if (run.status !== 0) {
      row("result", `failed: exit code ${run.status}`);
      printTail("stderr", run.stderr);
      return;
    }
    runs.push(run.ms);
  }
  const best = Math.min(...runs);
  state.coldFloor = { bestMs: best };
  row("command", `node bench/parse-floor.cjs ${relative(root, state.corpus.dir)}`);
  row("runs", runs.map(ms).join(", "));
  row("best", `${ms(best)}  ${fmt(Math.round(state.corpus.lines / (best / 1000)))} lines/s`);
}

// ---------------------------------------------------------------------------------------------
// The CLI analyzes large runs on one thread per core. Parsing allocates heavily; where memory
// bandwidth, not cores, is the limit, two threads parsing half the files each take as long as
// one thread parsing all of them, and threads cannot help. This step shows which case applies.

async function measureParallelParse(state) {
  const script = join(root, "bench", "parallel-parse.cjs");
  const cores = cpus().length;
  const counts = [...new Set([1, 2, Math.min(cores, 4)])].filter((n) => n <= Math.max(2, cores));
  const results = [];
  for (const threads of counts) {
    const times = [];
    for (let i = 0; i < RUNS; i++) {
      const run = await runNode([script, state.corpus.dir, String(threads)], { kind: "none" });
      if (run.status !== 0) {
        row("result", `failed with ${threads} threads: exit code ${run.status}`);
        printTail("stderr", run.stderr);
        return;
      }
      times.push(Number(run.stdout.trim()));
    }
    results.push([threads, Math.min(...times)]);
  }
  const [, one] = results[0];
  for (const [threads, best] of results)
    row(`${threads} thread${threads === 1 ? "" : "s"}`, `${ms(best)} (speed-up ${(one / best).toFixed(2)}x)`);
}

// ---------------------------------------------------------------------------------------------
// Full CLI scan, as users run it: a fresh process per run, wall time from spawn to exit.

async function measureCliScan(state) {
  const target = relative(root, state.corpus.dir);
  const args = [CLI, target, "--format", "json", "--output", "/dev/null"];
  row("command", `node ${relative(root, CLI)} ${args.slice(1).join(" ")}`);
  state.cli = { ok: false };
  if (!existsSync(CLI)) {
    row(
      "result",
      `not run: ${relative(root, CLI)} does not exist (npm run build builds it from server/src/cli/main.ts)`,
    );
    return;
  }
  const memory = peakMemoryMethod();
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    globalThis.gc?.();
    const run = await runNode(args, memory);
    runs.push(run);
    // 0: no error-level findings; 1: error-level findings (the corpus has leaks). Anything else failed.
    if (run.status !== 0 && run.status !== 1) {
      row(
        "result",
        `failed on run ${i + 1}: ${run.signal ? `killed by ${run.signal}` : `exit code ${run.status}`} after ${ms(run.ms)}`,
      );
      printTail("stderr", run.stderr);
      printTail("stdout", run.stdout);
      return;
    }
  }
  const best = Math.min(...runs.map((r) => r.ms));
  const peakKb = Math.max(...runs.map((r) => r.maxRssKb ?? 0));
  const stats = runs.at(-1).stats;
  state.cli = { ok: true, bestMs: best };
  row("runs", runs.map((r) => ms(r.ms)).join(", "));
  row("best", `${ms(best)}  ${fmt(Math.round(state.corpus.lines / (best / 1000)))} lines/s`);
  row(
    "exit code",
    `${runs.at(-1).status}${runs.at(-1).status === 1 ? " (error-level findings: expected, the corpus has leaks)" : ""}`,
  );
  row("peak RSS", peakKb ? `${mb(peakKb * 1024)} (${memory.label})` : `n/a (${memory.label} reported nothing)`);
  row(
    "parser loads",
    stats && "parserLoads" in stats
      ? `${stats.parserLoads} in the main thread; in the worker threads: ${JSON.stringify(stats.workerParserLoads ?? [])}`
      : "n/a (no TENANTGUARD_DEBUG_STATS line on stderr)",
  );
  if (stats) row("debug stats", JSON.stringify(stats));
}

async function compareCliToFloor(state) {
  if (!state.floor || !state.cli?.ok) {
    row(
      "full / bare",
      `n/a (${state.floor ? "the CLI scan did not complete" : "no floor"}); target <= ${FULL_OVER_BARE_TARGET}x`,
    );
    return;
  }
  const warm = state.cli.bestMs / state.floor.bestMs;
  row("full / bare (warm)", `${warm.toFixed(2)}x (CLI process vs parse in this process, JIT warm)`);
  if (!state.coldFloor) {
    row("full / bare (cold)", `n/a (no cold floor); target <= ${FULL_OVER_BARE_TARGET}x`);
    return;
  }
  const ratio = state.cli.bestMs / state.coldFloor.bestMs;
  const verdict = ratio <= FULL_OVER_BARE_TARGET ? "PASS" : "OVER";
  row(
    "full / bare (cold)",
    `${ratio.toFixed(2)}x (CLI process vs parse-only process; target <= ${FULL_OVER_BARE_TARGET}x) ${verdict}`,
  );
}

/** A fast scan that reports nothing is not a result: run once more to a file and show the summary. */
async function checkCliOutput(state) {
  if (!state.cli?.ok) {
    row("summary", "n/a (the CLI scan did not complete)");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "tenantguard-bench-"));
  try {
    const out = join(dir, "report.json");
    const run = await runNode([CLI, relative(root, state.corpus.dir), "--format", "json", "--output", out], {
      kind: "none",
    });
    if (!existsSync(out)) {
      row("summary", `n/a (exit code ${run.status}, no report written)`);
      printTail("stderr", run.stderr);
      return;
    }
    const report = JSON.parse(readFileSync(out, "utf8"));
    const byRule = {};
    for (const f of report.findings ?? []) byRule[f.ruleId] = (byRule[f.ruleId] ?? 0) + 1;
    const s = report.summary ?? {};
    row(
      "summary",
      `files ${s.files}, errors ${s.errors}, warnings ${s.warnings}, infos ${s.infos}, suppressed ${s.suppressed}, durationMs ${s.durationMs}`,
    );
    row("by rule", Object.keys(byRule).length ? JSON.stringify(byRule) : "no findings");
    // A statement can yield more than one finding (a join or CTE with several unscoped tables).
    row("injected", `${JSON.stringify(state.corpus.injected)} (statements generated with a leak)`);
    const missed = Object.entries(state.corpus.injected).filter(([rule, n]) => (byRule[rule] ?? 0) < n);
    if (missed.length > 0) {
      row("missed", missed.map(([rule, n]) => `${rule}: ${byRule[rule] ?? 0} found < ${n} injected`).join("; "));
    }
    if (s.files !== undefined && s.files < state.corpus.files.length) {
      row(
        "warning",
        `the CLI analyzed ${s.files} files, the corpus has ${state.corpus.files.length}: the timing above covers less than the corpus`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Child processes and peak memory

/**
 * How the child's peak RSS is measured. GNU time (`/usr/bin/time -v`) when it works: it reads
 * the kernel's rusage for the child and adds nothing inside the measured process. Otherwise a
 * `--import` hook that prints `process.resourceUsage().maxRSS` from the child at exit.
 */
function peakMemoryMethod() {
  const probe = spawnSync("/usr/bin/time", ["-v", "true"], { encoding: "utf8" });
  if (probe.status === 0 && /Maximum resident set size/.test(probe.stderr ?? "")) {
    return { kind: "gnu-time", label: "/usr/bin/time -v, maximum resident set size" };
  }
  return { kind: "exit-hook", label: "process.resourceUsage().maxRSS in the child at exit" };
}

function runNode(nodeArgs, memory) {
  const env = { ...process.env, TENANTGUARD_DEBUG_STATS: "1" };
  let command = process.execPath;
  let args = nodeArgs;
  if (memory.kind === "gnu-time") [command, args] = ["/usr/bin/time", ["-v", process.execPath, ...nodeArgs]];
  if (memory.kind === "exit-hook") args = ["--import", EXIT_HOOK, ...nodeArgs];
  return new Promise((resolve) => {
    const t0 = performance.now();
    // Own process group, so a timeout also stops the CLI under /usr/bin/time.
    const child = spawn(command, args, { cwd: root, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const stdout = [];
    const stderr = [];
    child.stdout.on("data", (d) => stdout.push(d));
    child.stderr.on("data", (d) => stderr.push(d));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }, CLI_TIMEOUT_MS);
    const finish = (status, signal, error) => {
      const elapsed = performance.now() - t0;
      clearTimeout(timer);
      const err = Buffer.concat(stderr).toString("utf8") + (error ? `\n${error.message}` : "");
      resolve({
        status,
        signal,
        ms: elapsed,
        stdout: Buffer.concat(stdout).toString("utf8"),
        ...parseStderr(err, memory),
      });
    };
    child.on("error", (error) => finish(null, null, error));
    child.on("close", (status, signal) => finish(status, signal));
  });
}

/** Splits the measuring tool's lines and the CLI's debug stats out of the child's stderr. */
function parseStderr(text, memory) {
  let maxRssKb;
  let stats;
  const rest = [];
  let inTimeReport = false;
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    if (
      memory.kind === "gnu-time" &&
      /^(Command being timed|Command exited with non-zero status|Command terminated by signal)/.test(trimmed)
    ) {
      inTimeReport = true;
    }
    if (inTimeReport) {
      const m = /^Maximum resident set size \(kbytes\): (\d+)/.exec(trimmed);
      if (m) maxRssKb = Number(m[1]);
      continue;
    }
    if (trimmed.startsWith("{") && trimmed.endsWith("}")) {
      try {
        const json = JSON.parse(trimmed);
        if ("benchMaxRssKb" in json) {
          maxRssKb = json.benchMaxRssKb;
          continue;
        }
        if ("parserLoads" in json) {
          stats = json;
          continue;
        }
      } catch {
        // not JSON: an ordinary line
      }
    }
    rest.push(line);
  }
  return { maxRssKb, stats, stderr: rest.join("\n").trim() };
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Files below `dir`, skipping dot-directories (the corpus's own `.git`). */
function listFiles(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? (e.name.startsWith(".") ? [] : listFiles(join(dir, e.name))) : [join(dir, e.name)],
    )
    .sort();
}

function countLines(text) {
  let n = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

function row(label, value) {
  console.log(`  ${label.padEnd(13)} ${value}`);
}

function printTail(label, text, maxLines = 20) {
  const lines = text.trim().split("\n").filter(Boolean);
  if (lines.length === 0) return;
  row(label, lines.length > maxLines ? `(last ${maxLines} of ${lines.length} lines)` : "");
  for (const line of lines.slice(-maxLines)) console.log(`    ${line}`);
}

function ms(value) {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

function mb(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function fmt(n) {
  return n.toLocaleString("en-US");
}

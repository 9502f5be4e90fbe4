// The bin (dist/cli.js) loads the CLI bundle through V8's code cache (server/src/cli/compile-cache.ts).
// A user sees the same report with or without a cache, a broken or foreign cache is never a
// failure, and only a directory private to the user is ever read.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { FIXTURES, REPO_ROOT } from "./helpers";

const CLI = join(REPO_ROOT, "dist", "cli.js");
const BASIC = join(FIXTURES, "basic");

describe("tenantguard bin: compile cache", () => {
  let tmp: string;
  const cacheDir = () => join(tmp, `tenantguard-compile-cache-${process.getuid?.() ?? "user"}`);
  const cacheFiles = () => (existsSync(cacheDir()) ? readdirSync(cacheDir()).map((f) => join(cacheDir(), f)) : []);

  function tenantguard(args: string[], env: NodeJS.ProcessEnv = {}) {
    const { FORCE_COLOR: _forced, NODE_DISABLE_COMPILE_CACHE: _off, ...inherited } = process.env;
    const result = spawnSync(process.execPath, [CLI, ...args], {
      cwd: BASIC,
      encoding: "utf8",
      // The cache lives under os.tmpdir(): TMPDIR moves it into this test's directory.
      env: { ...inherited, NO_COLOR: "1", CI: "true", TMPDIR: tmp, ...env },
      timeout: 60_000,
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  before(() => {
    const build = spawnSync(process.execPath, ["scripts/build.mjs"], { cwd: REPO_ROOT, encoding: "utf8" });
    assert.equal(build.status, 0, `node scripts/build.mjs failed:\n${build.stdout}\n${build.stderr}`);
  });
  beforeEach(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    tmp = mkdtempSync(join(tmpdir(), "tg-compile-cache-"));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("keeps an analysis run's compiled code, and the next run uses it without writing it again", () => {
    const first = tenantguard([".", "--format", "json"]);
    assert.equal(first.code, 1, first.stderr);
    const [cache, ...more] = cacheFiles();
    assert.ok(cache, "an analysis run writes the cache");
    assert.deepEqual(more, [], "one cache file, no partial files left behind");
    // A cache of the analyzer's compiled code, not only the bundle's top level.
    assert.ok(statSync(cache).size > 1_000_000, `cache of ${statSync(cache).size} bytes`);
    assert.equal(statSync(cacheDir()).mode & 0o777, 0o700, "the directory is private to the user");
    const written = statSync(cache).mtimeMs;

    const second = tenantguard([".", "--format", "json"]);
    assert.equal(second.code, 1, second.stderr);
    assert.deepEqual(JSON.parse(second.stdout).findings, JSON.parse(first.stdout).findings);
    assert.equal(statSync(cache).mtimeMs, written, "V8 accepted the cache: nothing to write again");
  });

  it("writes no cache for --version or a broken command line, which compile almost nothing", () => {
    assert.equal(tenantguard(["--version"]).code, 0);
    assert.equal(tenantguard(["--no-such-option"]).code, 2);
    assert.deepEqual(cacheFiles(), []);
  });

  it("runs as usual on a corrupt cache and replaces it", () => {
    const clean = tenantguard([".", "--format", "json"]);
    const [cache] = cacheFiles();
    assert.ok(cache);
    writeFileSync(cache, "not V8 code cache data");
    const run = tenantguard([".", "--format", "json"]);
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stderr, clean.stderr);
    assert.deepEqual(JSON.parse(run.stdout).findings, JSON.parse(clean.stdout).findings);
    assert.ok(statSync(cache).size > 1_000_000, "the rejected cache was written again");
  });

  it("never reads or writes a cache directory other users can write to", { skip: !process.getuid }, () => {
    mkdirSync(cacheDir(), { mode: 0o700 });
    chmodSync(cacheDir(), 0o777);
    const run = tenantguard([".", "--format", "json"]);
    assert.equal(run.code, 1, run.stderr);
    assert.deepEqual(cacheFiles(), [], "nothing written into a world-writable directory");
    const planted = join(cacheDir(), "planted.bin");
    writeFileSync(planted, "x");
    assert.equal(tenantguard([".", "--format", "json"]).code, 1);
    assert.deepEqual(cacheFiles(), [planted]);
  });

  it("is off with NODE_DISABLE_COMPILE_CACHE, Node's own switch", () => {
    const run = tenantguard([".", "--format", "json"], { NODE_DISABLE_COMPILE_CACHE: "1" });
    assert.equal(run.code, 1, run.stderr);
    assert.equal(existsSync(cacheDir()), false);
  });
});

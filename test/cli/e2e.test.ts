// The bundled CLI (dist/cli.js) as users run it: a child process on fixture projects.
// Tests marked [analyzer] need the SQL checker to report the leak in basic/src/orders.ts.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { copyFixture, FIXTURES, REPO_ROOT } from "./helpers";
import { loadSarifValidator } from "./sarif-schema";

const CLI = join(REPO_ROOT, "dist", "cli.js");
const BASIC = join(FIXTURES, "basic");
const CLEAN = join(FIXTURES, "clean");

// The leak: `orders` inside the string on line 10 of basic/src/orders.ts.
const LEAK_LINE = 10;
const leakLineText = () => readFileSync(join(BASIC, "src", "orders.ts"), "utf8").split("\n")[LEAK_LINE - 1];
const LEAK_COLUMN = leakLineText().indexOf("orders WHERE id = $1") + 1;

function tenantguard(args: string[], cwd = BASIC, env: NodeJS.ProcessEnv = {}) {
  const { FORCE_COLOR: _forced, ...inherited } = process.env;
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...inherited, NO_COLOR: "1", CI: "true", ...env },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function json(args: string[], cwd = BASIC) {
  const result = tenantguard([...args, "--format", "json"], cwd);
  return { ...result, output: JSON.parse(result.stdout) };
}

describe("tenantguard (bundled CLI)", () => {
  before(() => {
    const build = spawnSync(process.execPath, ["scripts/build.mjs"], { cwd: REPO_ROOT, encoding: "utf8" });
    assert.equal(build.status, 0, `node scripts/build.mjs failed:\n${build.stdout}\n${build.stderr}`);
  });

  it("prints help and version", () => {
    const help = tenantguard(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: tenantguard \[options\] \[paths\.\.\.\]/);
    const version = tenantguard(["--version"]);
    assert.equal(version.code, 0);
    assert.equal(version.stdout.trim(), JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")).version);
  });

  it("exits 2 on an unknown flag or rule id", () => {
    const flag = tenantguard(["--frobnicate"]);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /unknown option '--frobnicate'/);
    const rule = tenantguard(["--rule", "no-such-rule=off"]);
    assert.equal(rule.code, 2);
    assert.match(rule.stderr, /Unknown rule "no-such-rule"/);
  });

  it("exits 2 on broken config JSON, naming line and column", () => {
    const result = tenantguard([], join(FIXTURES, "broken-config"));
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^tenantguard\.config\.json:4:1: /m);
    assert.equal(result.stdout, "");
  });

  it("exits 0 on a clean project", () => {
    const result = tenantguard([], CLEAN);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "✔ No problems (1 file checked)\n");
  });

  it("writes --output and nothing to stdout", () => {
    const project = copyFixture("clean");
    try {
      const result = tenantguard(["--format", "json", "--output", "out/report.json"], project.dir);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, "");
      assert.equal(JSON.parse(readFileSync(join(project.dir, "out/report.json"), "utf8")).version, 1);
    } finally {
      project.remove();
    }
  });

  it("loads the SQL parser once per run", () => {
    const result = tenantguard(["--format", "json"], BASIC, { TENANTGUARD_DEBUG_STATS: "1" });
    const stats = JSON.parse(result.stderr.trim().split("\n").at(-1)!);
    assert.equal(stats.parserLoads, 1);
    assert.equal(stats.files, 2);
  });

  it("[analyzer] exits 1 on the leak and reports it in stylish", () => {
    const result = tenantguard([]);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(
      result.stdout,
      new RegExp(`^src/orders\\.ts\\n {2}${LEAK_LINE}:${LEAK_COLUMN} +error +.+missing-tenant-filter$`, "m"),
    );
    assert.match(result.stdout, /✖ 1 problem \(1 error, 0 warnings\), 1 suppressed/);
  });

  it("[analyzer] prints DESIGN.md's JSON: the leak at the table reference, the suppression with its reason", () => {
    const { code, output } = json([]);
    assert.equal(code, 1);
    assert.equal(output.version, 1);
    const [suppressed, leak, ...rest] = output.findings;
    assert.deepEqual(rest, [], "the scoped query and the global table are not findings");
    assert.deepEqual(
      { ...leak, message: typeof leak.message, fixes: Array.isArray(leak.fixes) },
      {
        ruleId: "missing-tenant-filter",
        severity: "error",
        file: "src/orders.ts",
        line: LEAK_LINE,
        column: LEAK_COLUMN,
        endLine: LEAK_LINE,
        endColumn: LEAK_COLUMN + "orders".length,
        message: "string",
        table: "orders",
        fixes: true,
        suppressed: null,
      },
    );
    assert.equal(suppressed.file, "src/billing.ts");
    assert.deepEqual(suppressed.suppressed, { reason: "billing job reads all tenants" });
    assert.deepEqual(output.summary, { ...output.summary, files: 2, errors: 1, warnings: 0, infos: 0, suppressed: 1 });
  });

  it("[analyzer] reports paths relative to the working directory", () => {
    const { output } = json(["test/fixtures/cli/basic"], REPO_ROOT);
    assert.deepEqual(
      output.findings.map((f: { file: string }) => f.file),
      ["test/fixtures/cli/basic/src/billing.ts", "test/fixtures/cli/basic/src/orders.ts"],
    );
  });

  it("[analyzer] --rule missing-tenant-filter=off exits 0", () => {
    const result = tenantguard(["--rule", "missing-tenant-filter=off"]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
  });

  it("[analyzer] --max-warnings counts warnings", () => {
    assert.equal(tenantguard(["--rule", "missing-tenant-filter=warning", "--max-warnings", "0"]).code, 1);
    assert.equal(tenantguard(["--rule", "missing-tenant-filter=warning", "--max-warnings", "1"]).code, 0);
    assert.equal(tenantguard(["--rule", "missing-tenant-filter=warning"]).code, 0);
  });

  it("[analyzer] --format github annotates the leak", () => {
    const result = tenantguard(["--format", "github"]);
    assert.equal(result.code, 1);
    assert.match(
      result.stdout,
      new RegExp(
        `^::error file=src/orders\\.ts,line=${LEAK_LINE},col=${LEAK_COLUMN},endLine=${LEAK_LINE},` +
          `endColumn=${LEAK_COLUMN + 6},title=tenantguard missing-tenant-filter::.+$`,
        "m",
      ),
    );
    assert.equal(result.stdout.trim().split("\n").length, 1, "suppressed findings are not annotated");
  });

  it("[analyzer] --format sarif is valid SARIF and carries the fingerprint and the suppression", () => {
    const result = tenantguard(["--format", "sarif"]);
    const run = JSON.parse(result.stdout).runs[0];
    assert.equal(run.results.length, 2);
    const validate = loadSarifValidator();
    assert.ok(validate(JSON.parse(result.stdout)), JSON.stringify(validate.errors, null, 2));
    for (const r of run.results) assert.equal(typeof r.partialFingerprints["tenantguard/v1"], "string");
    assert.deepEqual(run.results.find((r: { suppressions?: unknown }) => r.suppressions).suppressions, [
      { kind: "inSource", justification: "billing job reads all tenants" },
    ]);
  });

  it("[analyzer] --project runs type-aware and finds the same leak", () => {
    const { code, output } = json(["--project", "tsconfig.json"]);
    assert.equal(code, 1);
    assert.deepEqual(
      output.findings.map((f: { ruleId: string; line: number; file: string }) => [f.file, f.line, f.ruleId]),
      [
        ["src/billing.ts", 8, "missing-tenant-filter"],
        ["src/orders.ts", LEAK_LINE, "missing-tenant-filter"],
      ],
    );
  });

  it("[analyzer] --fix rewrites the query in place and leaves nothing at error level", () => {
    const project = copyFixture("basic");
    try {
      const file = join(project.dir, "src", "orders.ts");
      const before = readFileSync(file, "utf8").split("\n");
      const result = tenantguard(["--fix"], project.dir);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      const after = readFileSync(file, "utf8").split("\n");
      assert.match(after[LEAK_LINE - 1], /tenant_id = \$2/);
      assert.match(after[LEAK_LINE - 1], /ctx\.tenantId/);
      assert.deepEqual(
        after.filter((_, i) => i !== LEAK_LINE - 1),
        before.filter((_, i) => i !== LEAK_LINE - 1),
        "only the leaking query changes",
      );
      assert.equal(tenantguard([], project.dir).code, 0);
    } finally {
      project.remove();
    }
  });

  it("[analyzer] a baseline hides known findings across edits and refuses new ones", () => {
    const project = copyFixture("basic");
    try {
      const args = ["--baseline", "tenantguard-baseline.json"];
      assert.equal(tenantguard([...args, "--update-baseline"], project.dir).code, 0);
      const baseline = JSON.parse(readFileSync(join(project.dir, "tenantguard-baseline.json"), "utf8"));
      assert.deepEqual(
        baseline.entries.map((e: { ruleId: string; file: string }) => [e.ruleId, e.file]),
        [["missing-tenant-filter", "src/orders.ts"]],
      );

      const { code, output } = json(args, project.dir);
      assert.equal(code, 0);
      assert.equal(output.summary.baselined, 1);

      // Lines inserted above the finding: still the same finding (fingerprint, not line).
      const file = join(project.dir, "src", "orders.ts");
      writeFileSync(file, "// one\n// two\n// three\n" + readFileSync(file, "utf8"));
      assert.equal(tenantguard(args, project.dir).code, 0);

      writeFileSync(
        file,
        readFileSync(file, "utf8") +
          '\nexport async function deleteOrder(id: string) {\n  return pool.query("DELETE FROM orders WHERE id = $1", [id]);\n}\n',
      );
      assert.equal(tenantguard(args, project.dir).code, 1);
      const refused = tenantguard([...args, "--update-baseline"], project.dir);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /1 new finding not in the baseline .*use --allow-new to accept them/);
      assert.equal(tenantguard([...args, "--update-baseline", "--allow-new"], project.dir).code, 0);
      assert.equal(tenantguard(args, project.dir).code, 0);
    } finally {
      project.remove();
    }
  });
});

// `--explain`: each safe query's proof, per file, in stylish and JSON; SARIF and GitHub
// output and the exit code do not change.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseArgs, type CliOptions } from "../../server/src/cli/args";
import { run } from "../../server/src/cli/run";
import { FIXTURES, memoryIo, REPO_ROOT } from "./helpers";

const EXPLAIN = join(FIXTURES, "explain");
const HINT =
  "Other proofs of ownership: a scoped client, a key from a scoped query, an ownership or authorization check that throws.";

function cli(argv: string[]): CliOptions {
  const parsed = parseArgs(argv, "0.0.0-test");
  assert.equal(parsed.kind, "run");
  return (parsed as { options: CliOptions }).options;
}

async function runIn(dir: string, argv: string[]) {
  const io = memoryIo(dir);
  const result = await run(cli(argv), io, "0.0.0-test");
  return { exitCode: result.exitCode, out: io.out(), err: io.err() };
}

describe("--explain", () => {
  it("prints each safe query's proof among the findings, in line order: predicate, scoped client, ORM predicate, owned key", async () => {
    const { exitCode, out, err } = await runIn(EXPLAIN, ["--explain", "src"]);
    assert.equal(exitCode, 1, err);
    assert.equal(
      out,
      [
        "",
        "src/billing.ts",
        "  7:36   proven  invoices  tenant predicate `i.tenant_id = $2`",
        "  11:40  proven  orders  runs through the scoped client `tenantDb`",
        "  15:10  proven  projects  tenant predicate `tenant_id: tenantId`",
        `  19:36  error   Query reads "invoices" without a tenant predicate: it returns every tenant's rows. Add \`invoices.tenant_id = <tenant>\` to its WHERE clause. ${HINT}  missing-tenant-filter`,
        "  23:53  proven  invoices  tenant predicate `tenant_id = $2`",
        "  25:28  proven  invoices  key `rows[0].id` comes from the scoped query on line 23",
        "",
        "✖ 1 problem (1 error, 0 warnings), 5 queries proven",
        "",
      ].join("\n"),
    );
  });

  it("adds a top-level proofs array to the JSON report", async () => {
    const { exitCode, out } = await runIn(EXPLAIN, ["--explain", "--format", "json", "src"]);
    assert.equal(exitCode, 1);
    const report = JSON.parse(out);
    assert.deepEqual(Object.keys(report), ["version", "findings", "proofs", "summary"]);
    assert.deepEqual(report.proofs, [
      {
        file: "src/billing.ts",
        line: 7,
        column: 36,
        endLine: 7,
        endColumn: 44,
        table: "invoices",
        kind: "predicate",
        message: "tenant predicate `i.tenant_id = $2`",
        evidence: { line: 7, column: 67 },
      },
      {
        file: "src/billing.ts",
        line: 11,
        column: 40,
        endLine: 11,
        endColumn: 46,
        table: "orders",
        kind: "scoped-client",
        message: "runs through the scoped client `tenantDb`",
        evidence: { line: 11, column: 10 },
      },
      {
        file: "src/billing.ts",
        line: 15,
        column: 10,
        endLine: 15,
        endColumn: 67,
        table: "projects",
        kind: "predicate",
        message: "tenant predicate `tenant_id: tenantId`",
        evidence: { line: 15, column: 33 },
      },
      {
        file: "src/billing.ts",
        line: 23,
        column: 53,
        endLine: 23,
        endColumn: 61,
        table: "invoices",
        kind: "predicate",
        message: "tenant predicate `tenant_id = $2`",
        evidence: { line: 23, column: 80 },
      },
      {
        file: "src/billing.ts",
        line: 25,
        column: 28,
        endLine: 25,
        endColumn: 36,
        table: "invoices",
        kind: "owned-key",
        message: "key `rows[0].id` comes from the scoped query on line 23",
        evidence: { line: 23, column: 26 },
      },
    ]);
    assert.deepEqual(
      report.findings.map((f: { ruleId: string; line: number }) => `${f.ruleId}@${f.line}`),
      ["missing-tenant-filter@19"],
    );
  });

  it("changes nothing without the flag: no proofs key, no proven rows", async () => {
    const json = JSON.parse((await runIn(EXPLAIN, ["--format", "json", "src"])).out);
    assert.deepEqual(Object.keys(json), ["version", "findings", "summary"]);
    const stylish = await runIn(EXPLAIN, ["src"]);
    assert.equal(stylish.exitCode, 1);
    assert.doesNotMatch(stylish.out, /proven/);
  });

  it("leaves SARIF and GitHub output as they are", async () => {
    for (const format of ["sarif", "github"]) {
      const plain = await runIn(EXPLAIN, ["--format", format, "src"]);
      const explained = await runIn(EXPLAIN, ["--format", format, "--explain", "src"]);
      assert.equal(explained.exitCode, plain.exitCode);
      assert.equal(explained.out, plain.out, format);
    }
  });

  it("is documented in --help", () => {
    const help = parseArgs(["--help"], "0.0.0-test");
    assert.match((help as { stdout: string }).stdout, /--explain +also show how each safe query was proven/);
  });

  it("works the same in the bundled CLI, with colour only on the proven label and the position", () => {
    const build = spawnSync(process.execPath, ["scripts/build.mjs"], { cwd: REPO_ROOT, encoding: "utf8" });
    assert.equal(build.status, 0, build.stderr);
    const result = spawnSync(process.execPath, [join(REPO_ROOT, "dist", "cli.js"), "--explain", "src"], {
      cwd: EXPLAIN,
      encoding: "utf8",
      env: { ...process.env, FORCE_COLOR: "1", CI: "true" },
    });
    assert.equal(result.status, 1, result.stderr);
    assert.ok(
      result.stdout.includes(
        "  \x1b[2m7:36 \x1b[0m  \x1b[32mproven\x1b[0m  invoices  tenant predicate `i.tenant_id = $2`\n",
      ),
      JSON.stringify(result.stdout),
    );
    assert.match(result.stdout, /5 queries proven/);
  });
});

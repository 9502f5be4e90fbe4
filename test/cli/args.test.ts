import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseArgs, type CliOptions, type ParsedArgs } from "../../server/src/cli/args";

function options(parsed: ParsedArgs): CliOptions {
  assert.equal(parsed.kind, "run", parsed.kind === "exit" ? parsed.stderr : "");
  return (parsed as { options: CliOptions }).options;
}

function usageError(argv: string[]): string {
  const parsed = parseArgs(argv, "1.2.3");
  assert.equal(parsed.kind, "exit");
  assert.equal((parsed as { exitCode: number }).exitCode, 2);
  return (parsed as { stderr: string }).stderr;
}

describe("parseArgs", () => {
  it("defaults to the current directory and stylish output", () => {
    assert.deepEqual(options(parseArgs([], "1.2.3")), {
      paths: ["."],
      config: undefined,
      project: undefined,
      format: "stylish",
      output: undefined,
      fix: false,
      baseline: undefined,
      updateBaseline: false,
      allowNew: false,
      maxWarnings: undefined,
      rules: {},
      explain: false,
      threads: undefined,
    });
  });

  it("reads every option", () => {
    const parsed = options(
      parseArgs(
        [
          "src",
          "scripts/job.ts",
          "--config",
          "tg.json",
          "--project",
          "tsconfig.json",
          "--format",
          "sarif",
          "--output",
          "out/tg.sarif",
          "--fix",
          "--baseline",
          "b.json",
          "--update-baseline",
          "--allow-new",
          "--max-warnings",
          "0",
          "--rule",
          "dynamic-sql=off",
          "--rule",
          "missing-tenant-filter=warning",
          "--explain",
          "--threads",
          "3",
        ],
        "1.2.3",
      ),
    );
    assert.deepEqual(parsed, {
      paths: ["src", "scripts/job.ts"],
      config: "tg.json",
      project: "tsconfig.json",
      format: "sarif",
      output: "out/tg.sarif",
      fix: true,
      baseline: "b.json",
      updateBaseline: true,
      allowNew: true,
      maxWarnings: 0,
      rules: { "dynamic-sql": "off", "missing-tenant-filter": "warning" },
      explain: true,
      threads: 3,
    });
  });

  it("prints the version and the help with exit 0", () => {
    assert.deepEqual(parseArgs(["--version"], "1.2.3"), { kind: "exit", exitCode: 0, stdout: "1.2.3\n", stderr: "" });
    const help = parseArgs(["--help"], "1.2.3");
    assert.equal(help.kind === "exit" && help.exitCode, 0);
    assert.match((help as { stdout: string }).stdout, /Usage: tenantguard \[options\] \[paths\.\.\.\]/);
    assert.match((help as { stdout: string }).stdout, /2 {2}usage, config or internal error/);
  });

  const errors: [string, string[], RegExp][] = [
    ["unknown flag", ["--frobnicate"], /unknown option '--frobnicate'/],
    ["unknown rule id", ["--rule", "no-such-rule=off"], /Unknown rule "no-such-rule"\. Rules: missing-tenant-filter, /],
    [
      "unknown level",
      ["--rule", "dynamic-sql=loud"],
      /Unknown level "loud" for dynamic-sql\. Levels: off, info, warning, error/,
    ],
    ["rule without level", ["--rule", "dynamic-sql"], /Expected <rule-id>=<level>/],
    ["unknown format", ["--format", "xml"], /Allowed choices are stylish, json, sarif, github/],
    ["bad --max-warnings", ["--max-warnings", "-1"], /--max-warnings/],
    ["non-numeric --max-warnings", ["--max-warnings", "ten"], /Expected a whole number/],
    ["--update-baseline alone", ["--update-baseline"], /--update-baseline needs --baseline <file>/],
    ["--allow-new alone", ["--baseline", "b.json", "--allow-new"], /--allow-new only applies with --update-baseline/],
    ["missing option value", ["--output"], /argument missing/],
    ["--threads 0", ["--threads", "0"], /--threads.*Expected a whole number from 1 to 64/],
    ["non-numeric --threads", ["--threads", "all"], /Expected a whole number from 1 to 64/],
  ];
  for (const [name, argv, message] of errors) {
    it(`exits 2 on ${name}`, () => {
      const stderr = usageError(argv);
      assert.match(stderr, message);
      assert.match(stderr, /Run `tenantguard --help` for usage\./);
    });
  }
});

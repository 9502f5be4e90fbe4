// The ownership fixture app (test/fixtures/ownership-app: routers, services, repositories and
// helpers across files, written like a product) through the bundled CLI, as a user runs it:
// with --project (helpers found through the checker) and without (helpers found through the
// files' relative imports), the findings are exactly EXPECTED.json.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { REPO_ROOT } from "./helpers";

const CLI = join(REPO_ROOT, "dist", "cli.js");
const APP = join(REPO_ROOT, "test", "fixtures", "ownership-app");

interface Expected {
  file: string;
  line: number;
  ruleId: string;
}

function findings(args: string[]): string[] {
  const result = spawnSync(process.execPath, [CLI, ".", "--format", "json", ...args], {
    cwd: APP,
    encoding: "utf8",
    env: { ...process.env, CI: "true" },
    timeout: 60_000,
  });
  assert.equal(result.status, 1, result.stderr);
  const report = JSON.parse(result.stdout) as { findings: (Expected & { suppressed: unknown })[] };
  return report.findings.filter((f) => !f.suppressed).map((f) => `${f.file}:${f.line} ${f.ruleId}`);
}

describe("ownership app through the CLI", () => {
  const expected = (JSON.parse(readFileSync(join(APP, "EXPECTED.json"), "utf8")) as Expected[])
    .map((f) => `${f.file}:${f.line} ${f.ruleId}`)
    .sort();

  before(() => {
    if (!existsSync(CLI)) {
      const build = spawnSync(process.execPath, ["scripts/build.mjs"], { cwd: REPO_ROOT, encoding: "utf8" });
      assert.equal(build.status, 0, build.stderr);
    }
  });

  it("type-aware (--project): exactly the expected findings", () => {
    assert.deepEqual(findings(["--project", "tsconfig.json"]).sort(), expected);
  });

  it("without types: helpers imported from other files still prove ownership", () => {
    assert.deepEqual(findings([]).sort(), expected);
  });
});

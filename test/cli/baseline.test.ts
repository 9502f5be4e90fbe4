import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { applyBaseline } from "../../server/src/cli/apply-baseline";
import {
  matchBaseline,
  parseBaseline,
  serializeBaseline,
  updateBaseline,
  type BaselineEntry,
} from "../../server/src/cli/baseline";
import { billingJob, leak, unusedSuppression } from "./sample-report";

const entry = (file: string, fingerprint: string, ruleId = "missing-tenant-filter"): BaselineEntry => ({
  ruleId,
  file,
  fingerprint,
  message: "m",
});

describe("baseline matching", () => {
  it("matches as a multiset: two identical entries cover two findings, not three", () => {
    const findings = [entry("a.ts", "f1"), entry("a.ts", "f1"), entry("a.ts", "f1")];
    const result = matchBaseline(findings, [entry("a.ts", "f1"), entry("a.ts", "f1")], (f) => f);
    assert.equal(result.matched.length, 2);
    assert.equal(result.unmatched.length, 1);
    assert.deepEqual(result.stale, []);
  });

  it("matches on rule, file and fingerprint, never on line or message", () => {
    const moved = { ...leak, line: leak.line + 25, endLine: leak.endLine + 25, message: "reworded" };
    const keyOf = (f: typeof leak) => ({ ruleId: f.ruleId, file: f.file, fingerprint: f.fingerprint });
    const baseline = [entry("src/orders.ts", leak.fingerprint)];
    assert.equal(matchBaseline([moved], baseline, keyOf).matched.length, 1);
    assert.equal(matchBaseline([{ ...leak, file: "src/other.ts" }], baseline, keyOf).matched.length, 0);
    assert.equal(
      matchBaseline([{ ...leak, ruleId: "weak-tenant-filter" as const }], baseline, keyOf).matched.length,
      0,
    );
  });

  it("reports entries nothing matches any more as stale", () => {
    const result = matchBaseline([entry("a.ts", "f1")], [entry("a.ts", "f1"), entry("b.ts", "f2")], (f) => f);
    assert.deepEqual(result.stale, [entry("b.ts", "f2")]);
  });
});

describe("baseline update", () => {
  const existing = { version: 1 as const, entries: [entry("a.ts", "f1"), entry("b.ts", "fixed")] };

  it("creates the baseline from every finding when there is none (adoption)", () => {
    const result = updateBaseline(undefined, [entry("b.ts", "f2"), entry("a.ts", "f1")], false);
    assert.ok(result.ok);
    assert.deepEqual(result.baseline.entries, [entry("a.ts", "f1"), entry("b.ts", "f2")]);
  });

  it("drops entries that were fixed", () => {
    const result = updateBaseline(existing, [entry("a.ts", "f1")], false);
    assert.ok(result.ok);
    assert.deepEqual(result.baseline.entries, [entry("a.ts", "f1")]);
    assert.equal(result.dropped, 1);
    assert.equal(result.added, 0);
  });

  it("refuses new findings without --allow-new", () => {
    const result = updateBaseline(existing, [entry("a.ts", "f1"), entry("c.ts", "new")], false);
    assert.deepEqual(result, { ok: false, newFindings: 1 });
  });

  it("accepts new findings with --allow-new", () => {
    const result = updateBaseline(existing, [entry("a.ts", "f1"), entry("c.ts", "new")], true);
    assert.ok(result.ok);
    assert.deepEqual(result.baseline.entries, [entry("a.ts", "f1"), entry("c.ts", "new")]);
    assert.equal(result.added, 1);
  });

  it("serializes sorted, with a stable key order", () => {
    const text = serializeBaseline({
      version: 1,
      entries: [{ message: "m", fingerprint: "f", file: "a.ts", ruleId: "r" }],
    });
    assert.equal(
      text,
      '{\n  "version": 1,\n  "entries": [\n    {\n      "ruleId": "r",\n      "file": "a.ts",\n      "fingerprint": "f",\n      "message": "m"\n    }\n  ]\n}\n',
    );
  });

  it("rejects files that are not baselines", () => {
    assert.match((parseBaseline("{", "b.json") as { error: string }).error, /not valid JSON/);
    assert.match(
      (parseBaseline('{"version":2,"entries":[]}', "b.json") as { error: string }).error,
      /not a tenantguard baseline/,
    );
    assert.match(
      (parseBaseline('{"version":1,"entries":[{"ruleId":1}]}', "b.json") as { error: string }).error,
      /entries\[0\]/,
    );
  });
});

describe("applyBaseline (the run's view)", () => {
  const dir = mkdtempSync(join(tmpdir(), "tenantguard-baseline-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "nested", "baseline.json");
  const options = { baseline: path, updateBaseline: false, allowNew: false };

  it("asks for --update-baseline when the file does not exist", () => {
    const outcome = applyBaseline([leak], options, dir);
    assert.match(outcome.error!, /does not exist; create it with --update-baseline/);
  });

  it("creates the file, keeps suppressed findings out of it, then hides what it holds", () => {
    const created = applyBaseline([billingJob, leak, unusedSuppression], { ...options, updateBaseline: true }, dir);
    assert.equal(created.error, undefined);
    assert.equal(created.baselined, 2);
    assert.deepEqual(created.findings, [billingJob]);
    const written = JSON.parse(readFileSync(path, "utf8"));
    // Paths are relative to the baseline's own directory.
    assert.deepEqual(
      written.entries.map((e: BaselineEntry) => [e.file, e.ruleId]),
      [
        ["../src/orders.ts", "missing-tenant-filter"],
        ["../src/orders.ts", "unused-suppression"],
      ],
    );

    const moved = { ...leak, line: 40, endLine: 40 };
    const next = applyBaseline([billingJob, moved, unusedSuppression], options, dir);
    assert.deepEqual(next.findings, [billingJob]);
    assert.equal(next.baselined, 2);
  });

  it("refuses a new finding on update, and shows it", () => {
    const fresh = { ...leak, fingerprint: "new-leak" };
    const outcome = applyBaseline([leak, fresh, unusedSuppression], { ...options, updateBaseline: true }, dir);
    assert.equal(outcome.refused, true);
    assert.deepEqual(outcome.findings, [fresh]);
    assert.match(outcome.messages[0], /1 new finding not in the baseline .*use --allow-new to accept them/);
    assert.equal(JSON.parse(readFileSync(path, "utf8")).entries.length, 2, "the file is left alone");
  });

  it("says when entries went stale and drops them on update", () => {
    const stale = applyBaseline([leak], options, dir);
    assert.match(stale.messages[0], /1 entry in the baseline matches no finding any more/);
    const updated = applyBaseline([leak], { ...options, updateBaseline: true }, dir);
    assert.equal(updated.refused, false);
    assert.equal(JSON.parse(readFileSync(path, "utf8")).entries.length, 1);
  });

  it("reports an unreadable baseline as an error", () => {
    writeFileSync(path, "not json");
    assert.match(applyBaseline([leak], options, dir).error!, /not valid JSON/);
  });
});

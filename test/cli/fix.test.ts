import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { Finding, Fix } from "../../server/src/analyzer";
import type { AnalysisSession, FileAnalysis } from "../../server/src/cli/analysis";
import { applySafeFixes, fixFiles } from "../../server/src/cli/fix";

const finding = (fixes: Fix[], suppressed = false): Finding => ({
  ruleId: "missing-tenant-filter",
  severity: "error",
  start: 0,
  end: 1,
  message: "m",
  fixes,
  suppressed: suppressed ? { reason: "r", start: 0, end: 0 } : null,
  fingerprint: "f",
});
const insert = (at: number, newText: string, safe = true): Fix => ({
  title: "t",
  safe,
  edits: [{ start: at, end: at, newText }],
});

const replace = (start: number, end: number, newText: string): Fix => ({
  title: "t",
  safe: true,
  edits: [{ start, end, newText }],
});

describe("applySafeFixes", () => {
  const sql = "SELECT * FROM orders WHERE id = $1";

  it("applies safe fixes right to left so offsets stay valid", () => {
    const result = applySafeFixes(sql, [
      finding([insert(sql.length, " AND tenant_id = $2")]),
      finding([insert(0, "/* a */ ")]),
    ]);
    assert.deepEqual(result, { text: "/* a */ SELECT * FROM orders WHERE id = $1 AND tenant_id = $2", applied: 2 });
  });

  it("skips unsafe fixes and suppressed findings", () => {
    const result = applySafeFixes(sql, [finding([insert(0, "x", false)]), finding([insert(0, "y")], true)]);
    assert.deepEqual(result, { text: sql, applied: 0 });
  });

  it("takes the earliest of two overlapping fixes and leaves the other for the next pass", () => {
    const result = applySafeFixes(sql, [finding([replace(14, 20, "tenant_orders")]), finding([replace(9, 20, "x")])]);
    assert.deepEqual(result, { text: "SELECT * x WHERE id = $1", applied: 1 });
  });

  it("two fixes that make one same edit (the import both need) both go in, the shared edit once", () => {
    const withImport = (at: number, text: string): Fix => ({
      title: "t",
      safe: true,
      edits: [
        { start: 0, end: 0, newText: "/* import and */ " },
        { start: at, end: at, newText: text },
      ],
    });
    const result = applySafeFixes(sql, [finding([withImport(sql.length, " AND a")]), finding([withImport(14, "x.")])]);
    assert.deepEqual(result, { text: "/* import and */ SELECT * FROM x.orders WHERE id = $1 AND a", applied: 2 });
  });

  it("applies all edits of a fix or none", () => {
    const twoEdits: Fix = {
      title: "t",
      safe: true,
      edits: [
        { start: 3, end: 3, newText: "X" },
        { start: 14, end: 20, newText: "o" },
      ],
    };
    const result = applySafeFixes(sql, [finding([twoEdits]), finding([replace(0, 6, "select")])]);
    assert.deepEqual(result, { text: "select * FROM orders WHERE id = $1", applied: 1 });
  });

  it("ignores edits outside the text", () => {
    assert.deepEqual(applySafeFixes(sql, [finding([insert(sql.length + 5, "x")])]), { text: sql, applied: 0 });
  });
});

describe("fixFiles", () => {
  it("never applies the same fix twice when it does not close its finding", () => {
    const dir = mkdtempSync(join(tmpdir(), "tg-fix-"));
    const file = join(dir, "a.ts");
    const original = "query()";
    writeFileSync(file, original);
    let text = original;
    // Every analysis still reports the finding, with the same fix at the end of the current text.
    const analyze = (): FileAnalysis => ({
      kind: "ok",
      file,
      sourceFile: { text, lineStarts: [0] },
      findings: [
        finding([
          {
            title: "Add the tenant",
            safe: true,
            edits: [{ start: text.length, end: text.length, newText: " /*tenant*/" }],
          },
        ]),
      ],
    });
    const session: AnalysisSession = {
      analyze,
      update: (texts) => {
        text = texts.get(file) ?? text;
      },
    };
    const outcome = fixFiles(session, [analyze()]);
    assert.equal(outcome.fixesApplied, 1);
    assert.equal(readFileSync(file, "utf8"), "query() /*tenant*/");
    rmSync(dir, { recursive: true, force: true });
  });
});

// The fix-fixture contract for the query builders: the fixed text is exactly the expected one,
// still parses as TypeScript, and re-analysis no longer reports the finding.
import assert from "node:assert/strict";
import type { TenantModel } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { applyEdits, syntaxErrors } from "../helpers/analyze";
import { analyzeBuilder, type FixCase } from "./builders";

const FIXABLE = new Set(["missing-tenant-filter", "weak-tenant-filter", "missing-tenant-on-insert"]);

export function checkFix(parser: SqlParser, c: FixCase, model?: TenantModel): void {
  const before = analyzeBuilder(parser, c.code, { model }).filter((f) => FIXABLE.has(f.ruleId));
  assert.ok(before.length > 0, "a finding before the fix");
  const [fix] = before[0].fixes;
  assert.ok(fix, "the finding offers a fix");
  assert.equal(fix.safe, c.safe ?? true);
  const fixed = applyEdits(c.code, fix.edits);
  assert.equal(fixed, c.expected);
  assert.deepEqual(syntaxErrors(fixed), []);
  const after = analyzeBuilder(parser, fixed, { model }).filter((f) => FIXABLE.has(f.ruleId));
  assert.ok(after.length < before.length, "re-analysis shows the finding gone");
  assert.ok(
    !after.some((f) => f.message === before[0].message && f.ruleId === before[0].ruleId),
    "re-analysis shows the finding gone",
  );
}

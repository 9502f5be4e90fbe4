// The analyzer's "Suppress with a reason" fix: the comment above the statement, and the cursor
// (an offset in the text after the edit) right where the reason goes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import ts from "typescript";
import { suppressFix } from "../../server/src/analyzer/clients/fixes";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import type { TextEdit } from "../../server/src/analyzer/types";

function apply(text: string, edits: TextEdit[]): string {
  return [...edits]
    .sort((a, b) => b.start - a.start)
    .reduce((t, e) => t.slice(0, e.start) + e.newText + t.slice(e.end), text);
}

describe("suppressFix", () => {
  const cases = [
    { name: "at the top level", text: 'pool.query("SELECT 1");\n', call: "pool.query" },
    {
      name: "indented, in a nested block, after other lines",
      text: 'function f() {\n  if (x) {\n    return pool.query(\n      "SELECT 1",\n    );\n  }\n}\n',
      call: "pool.query",
    },
  ];
  for (const c of cases)
    it(`${c.name}: the cursor is at the end of the new comment, where the reason goes`, () => {
      const sourceFile = ts.createSourceFile("/p/src/a.ts", c.text, ts.ScriptTarget.Latest, true);
      let call: ts.Node | undefined;
      const visit = (n: ts.Node): void => {
        if (!call && ts.isCallExpression(n) && n.expression.getText(sourceFile) === c.call) call = n;
        ts.forEachChild(n, visit);
      };
      visit(sourceFile);
      const config = resolveConfig({}, "/p", undefined);
      const fix = suppressFix({ ts, sourceFile, config }, call!, "unscoped-client");
      const after = apply(c.text, fix.edits);
      assert.ok(fix.cursor !== undefined);
      assert.match(after.slice(0, fix.cursor), /\/\/ tenantguard-ignore-next-line unscoped-client -- $/);
      assert.equal(after[fix.cursor], "\n");
    });
});

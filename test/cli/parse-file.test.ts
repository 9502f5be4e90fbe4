// parseFile sets parent pointers with its own walk: every node must get the parent TypeScript's
// own `setParentNodes` gives it, on every fixture of the repository (TS, TSX, JS, decorators).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import fg from "fast-glob";
import ts from "typescript";
import { PARSE_OPTIONS, parseFile, scriptKindOf } from "../../server/src/cli/analysis";
import { REPO_ROOT } from "./helpers";

/** Each node's kind, position and its parent's kind and position, in walk order. */
function parents(sourceFile: ts.SourceFile): string[] {
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    out.push(`${node.kind}@${node.pos}-${node.end} in ${node.parent?.kind}@${node.parent?.pos}`);
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(sourceFile, visit);
  return out;
}

describe("parseFile", () => {
  const files = fg.sync(["test/fixtures/**/*.{ts,tsx,js,jsx,mts,cts}", "examples/**/*.ts"], {
    cwd: REPO_ROOT,
    absolute: true,
    ignore: ["**/node_modules/**"],
  });

  it("gives every node of every fixture the parent TypeScript's setParentNodes gives it", () => {
    assert.ok(files.length > 50, `fixtures found: ${files.length}`);
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      const expected = ts.createSourceFile(file, text, PARSE_OPTIONS, true, scriptKindOf(file));
      const actual = parseFile(file, text);
      assert.deepEqual(parents(actual), parents(expected), file);
      assert.equal(actual.statements[0]?.parent, actual, `${file}: a statement's parent is the file`);
    }
  });

  it("walks a 20,000-term expression without running out of stack", () => {
    const text = `const s = ${Array.from({ length: 20_000 }, (_, i) => `"p${i}"`).join(" + ")};\n`;
    const sourceFile = parseFile(join(REPO_ROOT, "deep.ts"), text);
    let node: ts.Node = sourceFile.statements[0];
    while (ts.isVariableStatement(node) || ts.isVariableDeclarationList(node)) {
      node = ts.isVariableStatement(node) ? node.declarationList : node.declarations[0];
    }
    let depth = 0;
    for (let e = (node as ts.VariableDeclaration).initializer!; ts.isBinaryExpression(e); e = e.left) {
      assert.equal(e.left.parent, e);
      depth++;
    }
    assert.equal(depth, 19_999);
  });
});

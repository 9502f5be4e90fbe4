// A function imported through a barrel that re-exports many modules (dokploy's packages/server
// src/index.ts: ~130 `export * from "./services/..."`) resolves to its module, and each module of
// the barrel is looked at once per run, not once per call: a file with many calls through such a
// barrel took seconds, re-reading and re-parsing the barrel's modules for every call.
import assert from "node:assert/strict";
import { test } from "node:test";
import ts from "typescript";
import { FunctionResolver } from "../../server/src/analyzer/flow/functions";

const MODULES = 150;
const files = new Map<string, string>();
files.set("/p/src/index.ts", Array.from({ length: MODULES }, (_, i) => `export * from "./services/m${i}";`).join("\n"));
for (let i = 0; i < MODULES; i++)
  files.set(`/p/src/services/m${i}.ts`, `export async function helper${i}(id: string) { return id; }\n`);

const CALLS = 40;
const caller = `import { helper${MODULES - 1}, helper0 } from "../index";
export async function route(id: string) {
${Array.from({ length: CALLS }, () => `  await helper${MODULES - 1}(id);\n  await helper0(id);`).join("\n")}
}
`;

test("calls through a barrel of many `export *` resolve to their module, each module asked for once", () => {
  const trees = new Map<string, ts.SourceFile>();
  const asked = new Map<string, number>();
  const sourceFileOf = (file: string) => {
    asked.set(file, (asked.get(file) ?? 0) + 1);
    const text = files.get(file);
    if (text === undefined) return undefined;
    // A fresh tree each time, as a bounded cache that dropped it would hand back.
    const tree = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    trees.set(file, tree);
    return tree;
  };
  const sourceFile = ts.createSourceFile("/p/src/routes/route.ts", caller, ts.ScriptTarget.Latest, true);
  const resolver = new FunctionResolver(ts, undefined, sourceFileOf);
  const calls: ts.CallExpression[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression)) calls.push(n);
    ts.forEachChild(n, visit);
  };
  visit(sourceFile);
  assert.equal(calls.length, CALLS * 2);
  const names = calls.map((c) => {
    const fn = resolver.resolve(c);
    return fn && ts.isFunctionDeclaration(fn) ? `${fn.getSourceFile().fileName}:${fn.name?.text}` : undefined;
  });
  assert.deepEqual(
    new Set(names),
    new Set([`/p/src/services/m${MODULES - 1}.ts:helper${MODULES - 1}`, "/p/src/services/m0.ts:helper0"]),
  );
  // Each module's candidate paths (x.ts, x.tsx, x/index.ts, x) are tried a bounded number of times,
  // whatever the number of calls; the barrel itself is handed over once per call.
  const modules = [...asked].filter(([file]) => file.includes("/services/"));
  assert.ok(Math.max(...modules.map(([, n]) => n)) <= 2, JSON.stringify(modules.filter(([, n]) => n > 2).slice(0, 3)));
  const total = [...asked.values()].reduce((a, b) => a + b, 0);
  assert.ok(total <= 4 * MODULES + 4 * CALLS, `${total} files asked for`);
});

// The cold floor: what any TypeScript-based CLI must do in a fresh process. Load TypeScript,
// read each file and parse it once (default createSourceFile arguments), then exit. The bench
// times this script the same way it times the CLI, spawn to exit.
//
//   node bench/parse-floor.cjs <dir>
"use strict";
const { readFileSync, readdirSync } = require("node:fs");
const { join } = require("node:path");
const ts = require("typescript");

function list(dir, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) list(path, out);
    else if (entry.name.endsWith(".ts")) out.push(path);
  }
  return out;
}

let statements = 0;
for (const file of list(process.argv[2], [])) {
  statements += ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest).statements.length;
}
process.stdout.write(`${statements}\n`);

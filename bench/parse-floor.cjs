// The cold floor: what any TypeScript-based CLI must do in a fresh process. Load TypeScript,
// read each file and parse it once (default createSourceFile arguments), then exit. The bench
// times this script the same way it times the CLI, spawn to exit.
//
//   node bench/parse-floor.cjs <dir>
"use strict";
const { listTsFiles } = require("./ts-files.cjs");
const { readFileSync } = require("node:fs");
const ts = require("typescript");

let statements = 0;
for (const file of listTsFiles(process.argv[2])) {
  statements += ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest).statements.length;
}
process.stdout.write(`${statements}\n`);

// The corpus's TypeScript files, for the bench's child-process scripts.
"use strict";
const { readdirSync } = require("node:fs");
const { join } = require("node:path");

/** Every `.ts` file below `dir`, depth first. */
function listTsFiles(dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) listTsFiles(path, out);
    else if (entry.name.endsWith(".ts")) out.push(path);
  }
  return out;
}

module.exports = { listTsFiles };

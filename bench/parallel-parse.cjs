// Does parsing scale across threads on this machine? Splits the corpus's files over N worker
// threads, each loading TypeScript and parsing its share once, and prints the wall time from the
// first worker's start to the last one's end. The CLI's analysis threads can only help where this
// does.
//
//   node bench/parallel-parse.cjs <dir> <threads>
"use strict";
const { listTsFiles } = require("./ts-files.cjs");
const { readFileSync } = require("node:fs");
const { Worker, isMainThread, parentPort, workerData } = require("node:worker_threads");

if (isMainThread) {
  const files = listTsFiles(process.argv[2]);
  const threads = Number(process.argv[3]);
  const started = performance.now();
  let finished = 0;
  for (let i = 0; i < threads; i++) {
    const share = files.filter((_, j) => j % threads === i);
    new Worker(__filename, { workerData: share }).on("message", () => {
      if (++finished === threads) process.stdout.write(`${Math.round(performance.now() - started)}\n`);
    });
  }
} else {
  const ts = require("typescript");
  for (const file of workerData) ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  parentPort.postMessage("done");
}

// Runs the test tiers with Node's own test runner. `npm test` runs all of them;
// `npm test -- unit` (or any tier name) runs one. A tier whose system dependency is
// missing says so loudly inside its own tests and skips them; it never fails silently.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const tiers = {
  unit: ["test/analyzer", "test/orm", "test/flow", "test/clients", "test/config", "test/model", "test/cli"],
  database: ["test/database"],
  tsserver: ["test/ts-plugin"],
  lsp: ["test/lsp"],
  editors: ["test/editors"],
  vscode: ["test/vscode"],
};

// The unit tier's files are independent processes that only compute: one per core, and two even
// on a 2-core machine (Node's default there is one), which takes it from about 117 s to 83 s. The
// other tiers drive editors and servers with their own timing, so they keep the default.
const concurrency = { unit: Math.max(2, availableParallelism()) };

const wanted = process.argv.slice(2);
const selected = wanted.length ? wanted : Object.keys(tiers);
let failed = false;
const failedTiers = [];
for (const tier of selected) {
  if (!tiers[tier]) {
    console.error(`unknown test tier "${tier}"; tiers: ${Object.keys(tiers).join(", ")}`);
    process.exit(2);
  }
  const files = tiers[tier].flatMap((dir) => findTests(join(root, dir))).map((f) => relative(root, f));
  if (files.length === 0) continue;
  console.log(`\n# tier ${tier}: ${files.length} test files`);
  const parallel = concurrency[tier] ? [`--test-concurrency=${concurrency[tier]}`] : [];
  const args = ["--import", "tsx", "--test", "--test-reporter=spec", ...parallel, ...files];
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    failed = true;
    failedTiers.push(tier);
  }
}
console.log(failed ? `\ntest tiers failed: ${failedTiers.join(", ")}` : "\nall test tiers passed");
process.exit(failed ? 1 : 0);

function findTests(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries
    .flatMap((name) => {
      const full = join(dir, name);
      if (name === "fixtures" || name === "node_modules") return [];
      if (statSync(full).isDirectory()) return findTests(full);
      return name.endsWith(".test.ts") ? [full] : [];
    })
    .sort();
}

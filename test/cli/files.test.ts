import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { after, before, describe, it } from "node:test";
import { collectFiles } from "../../server/src/cli/files";

// Built in a temp dir, not committed: a fixture's .gitignore would change what git commits.
const layout: Record<string, string> = {
  ".git/HEAD": "ref: refs/heads/main\n",
  ".gitignore": "generated/\n*.local.ts\n",
  "src/orders.ts": "",
  "src/view.tsx": "",
  "src/legacy.js": "",
  "src/esm.mjs": "",
  "src/cjs.cts": "",
  "src/types.d.ts": "",
  "src/notes.md": "",
  "src/dev.local.ts": "",
  "src/orders.test.ts": "",
  "src/generated/client.ts": "",
  "src/vendor/.gitignore": "*.ts\n!keep.ts\n",
  "src/vendor/lib.ts": "",
  "src/vendor/keep.ts": "",
  "node_modules/pg/index.js": "",
  "packages/a/node_modules/x/index.ts": "",
  "dist/cli.js": "",
  "build/out.js": "",
  "out/x.ts": "",
  "coverage/lcov.js": "",
  ".next/server.js": "",
  "scripts/job.ts": "",
};

describe("collectFiles", () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), "tenantguard-files-"));
    for (const [file, text] of Object.entries(layout)) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), text);
    }
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const collect = (paths: string[], ignore: string[] = []) => {
    const result = collectFiles(paths, { cwd: root, rootDir: root, ignore });
    return { ...result, files: result.files.map((f) => relative(root, f)) };
  };

  it("walks sources, skipping dependencies, build output, declarations and .gitignore'd files", () => {
    assert.deepEqual(collect(["."]).files, [
      "scripts/job.ts",
      "src/cjs.cts",
      "src/esm.mjs",
      "src/legacy.js",
      "src/orders.test.ts",
      "src/orders.ts",
      "src/vendor/keep.ts",
      "src/view.tsx",
    ]);
  });

  it("applies the config's ignore globs relative to the config root", () => {
    assert.deepEqual(collect(["src"], ["**/*.test.ts", "src/*.js"]).files, [
      "src/cjs.cts",
      "src/esm.mjs",
      "src/orders.ts",
      "src/vendor/keep.ts",
      "src/view.tsx",
    ]);
  });

  it("keeps ignored files ignored even when named explicitly", () => {
    const result = collect(["src/dev.local.ts", "src/generated/client.ts", "src/types.d.ts", "src/orders.ts"]);
    assert.deepEqual(result.files, ["src/orders.ts"]);
    assert.deepEqual(
      result.empty.map((e) => e.path),
      ["src/dev.local.ts", "src/generated/client.ts", "src/types.d.ts"],
    );
  });

  it("analyzes an explicit file once even when a directory holds it too", () => {
    assert.deepEqual(collect(["scripts/job.ts", "scripts"]).files, ["scripts/job.ts"]);
  });

  it("says why a path holds nothing: which ignore globs of which config, .gitignore, build output, no sources", () => {
    const result = collectFiles(["src/vendor", "src/orders.ts", "src/generated", "node_modules/pg", "src/notes.md"], {
      cwd: root,
      rootDir: root,
      ignore: ["**/*.test.ts", "src/vendor/**", "src/orders.ts"],
      configFile: "/repo/tenantguard.config.json",
    });
    assert.deepEqual(result.files, []);
    assert.deepEqual(result.empty, [
      {
        path: "src/vendor",
        reason: 'its 1 source file is matched by "ignore" in /repo/tenantguard.config.json ("src/vendor/**")',
        ignored: true,
      },
      {
        path: "src/orders.ts",
        reason: 'it is matched by "ignore" in /repo/tenantguard.config.json ("src/orders.ts")',
        ignored: true,
      },
      { path: "src/generated", reason: "its 1 source file is ignored by .gitignore", ignored: true },
      {
        path: "node_modules/pg",
        reason:
          "only build output, dependencies or declaration files (node_modules, dist, build, *.d.ts), which are never analyzed",
        ignored: true,
      },
      { path: "src/notes.md", reason: "not a TypeScript or JavaScript file" },
    ]);
  });

  it("reports paths that do not exist and files that are not sources", () => {
    const result = collect(["nope", "src/notes.md"]);
    assert.deepEqual(result.missing, ["nope"]);
    assert.deepEqual(result.empty, [{ path: "src/notes.md", reason: "not a TypeScript or JavaScript file" }]);
  });
});

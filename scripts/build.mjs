// Bundles each entry point into dist/ with esbuild and copies the SQL parser's WASM
// beside the bundles (esbuild does not copy it; libpg-query loads it from __dirname).
import { build } from "esbuild";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const require = createRequire(import.meta.url);
const outdir = join(root, "dist");
mkdirSync(outdir, { recursive: true });

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  sourcemap: "linked",
  logLevel: "warning",
  absWorkingDir: root,
  // jsonc-parser's UMD main uses a dynamic require esbuild cannot follow; its ESM build bundles.
  mainFields: ["module", "main"],
};

const entries = [
  // PGlite loads its data files from its own package directory: keep it (and pg) external.
  {
    in: "server/src/cli/main.ts",
    out: "cli-main.js",
    external: ["@electric-sql/pglite", "pg"],
  },
  // The bin: a few lines that load cli-main.js through V8's code cache (compile-cache.ts).
  { in: "server/src/cli/bin.ts", out: "cli.js", banner: "#!/usr/bin/env node" },
  { in: "server/src/lsp/main.ts", out: "server.js", banner: "#!/usr/bin/env node" },
  // tsserver hands the plugin its own `typescript`: never bundle a second copy.
  { in: "ts-plugin/src/index.ts", out: "ts-plugin.js", external: ["typescript"] },
  { in: "client/src/extension.ts", out: "extension.js", external: ["vscode"] },
  // The VS Code extension tests, loaded by the extension host as `extensionTestsPath`.
  { in: "test/vscode/suite/index.ts", out: "test/suite.js", external: ["vscode"] },
];

// Test files build before they run, several at a time: a file whose bytes did not change is left
// alone, and one that did is written beside it and renamed over it, so a process that is running
// or starting dist/cli.js meanwhile never reads half a file.
const results = await Promise.all(
  entries
    .filter((e) => existsSync(join(root, e.in)))
    .map((e) =>
      build({
        ...common,
        entryPoints: [e.in],
        outfile: join(outdir, e.out),
        external: e.external ?? [],
        banner: e.banner ? { js: e.banner } : undefined,
        write: false,
      }),
    ),
);
for (const file of results.flatMap((r) => r.outputFiles)) writeIfChanged(file.path, file.contents);

const wasm = join(dirname(require.resolve("libpg-query")), "libpg-query.wasm");
writeIfChanged(join(outdir, "libpg-query.wasm"), readFileSync(wasm));

function writeIfChanged(path, contents) {
  mkdirSync(dirname(path), { recursive: true });
  if (existsSync(path) && Buffer.compare(readFileSync(path), contents) === 0) return;
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}
console.log(
  `built ${entries
    .filter((e) => existsSync(join(root, e.in)))
    .map((e) => e.out)
    .join(", ")} into dist/`,
);

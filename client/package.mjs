// `npm run package`: writes tenantguard-<version>.vsix with @vscode/vsce's packaging code.
//
// Two things the `vsce package` command cannot do here:
// - package.json has a `files` list (what npm publishes) and the extension has its own
//   .vscodeignore; the vsce command refuses the two together, its `collect` step reads the
//   .vscodeignore and ignores `files`.
// - VS Code tells tsserver to look for `typescriptServerPlugins` in <extension>/node_modules,
//   and vsce never packs a top-level node_modules without npm dependencies. The plugin entry
//   `tenantguard/ts-plugin` is two small files pointing at the bundle, added here.
import { createWriteStream, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const require = createRequire(import.meta.url);
const vscePackage = require("@vscode/vsce/out/package");
// yazl writes the zip; it is @vscode/vsce's own zip library.
const yazl = createRequire(require.resolve("@vscode/vsce/package.json"))("yazl");

export const TS_PLUGIN_ENTRY = [
  {
    path: "extension/node_modules/tenantguard/ts-plugin/index.js",
    contents: Buffer.from(
      '// tsserver resolves the plugin `tenantguard/ts-plugin` here; the bundle lives in dist/.\nmodule.exports = require("../../../dist/ts-plugin.js");\n',
    ),
  },
  {
    path: "extension/node_modules/tenantguard/ts-plugin/package.json",
    contents: Buffer.from('{ "name": "tenantguard-ts-plugin-entry", "private": true, "main": "index.js" }\n'),
  },
];

const outArg = process.argv.indexOf("--out");
const manifest = await vscePackage.readManifest(root);
const out = outArg > 0 ? process.argv[outArg + 1] : join(root, `${manifest.name}-${manifest.version}.vsix`);
const hasLicense = ["LICENSE", "LICENSE.md", "LICENSE.txt"].some((f) => existsSync(join(root, f)));
if (!hasLicense) console.warn("WARNING: no LICENSE file at the repository root: the .vsix ships without one");

const files = await vscePackage.collect(manifest, {
  cwd: root,
  dependencies: false,
  skipLicense: !hasLicense,
  ignoreFile: join(root, ".vscodeignore"),
});
files.push(...TS_PLUGIN_ENTRY);
for (const required of [
  "extension/dist/extension.js",
  "extension/dist/server.js",
  "extension/dist/ts-plugin.js",
  "extension/dist/libpg-query.wasm",
  "extension/schema.json",
]) {
  if (!files.some((f) => f.path === required)) throw new Error(`package: ${required} is missing (run npm run build)`);
}

mkdirSync(join(out, ".."), { recursive: true });
await new Promise((resolve, reject) => {
  const zip = new yazl.ZipFile();
  for (const f of files) {
    if (f.contents !== undefined)
      zip.addBuffer(Buffer.isBuffer(f.contents) ? f.contents : Buffer.from(f.contents), f.path);
    // Read whole, not streamed: a build running meanwhile must not leave a short entry.
    else zip.addBuffer(readFileSync(f.localPath), f.path, { mode: statSync(f.localPath).mode });
  }
  zip.end();
  zip.outputStream.pipe(createWriteStream(out)).on("finish", resolve).on("error", reject);
});

for (const f of files) console.log(`  ${f.path}`);
const size = statSync(out).size;
console.log(
  `packaged ${relative(process.cwd(), out)}: ${files.length} files, ${(size / 1024 / 1024).toFixed(2)} MB (${size} bytes)`,
);

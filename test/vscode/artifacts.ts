// Shared by the VS Code runners: build the bundles, package the .vsix the way `npm run package`
// does, and copy the fixture workspace (the tests edit it) into a scratch directory.
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  watch,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export const REPO = join(import.meta.dirname, "..", "..");
const SUITE = join(REPO, "dist", "test", "suite.js");
export const FIXTURE = join(import.meta.dirname, "fixtures", "workspace");
export const ARTIFACTS = join(REPO, "test-results", "vscode");

export function scratchDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `tenantguard-${prefix}-`));
}

/**
 * Builds dist/ (extension, server, plugin, test suite) and packages it into `outDir`, with a copy
 * of the test suite bundle beside it (dist/ may be rebuilt by another test file meanwhile).
 */
export function buildAndPackage(outDir: string): Promise<{ vsix: string; suite: string }> {
  const vsix = join(outDir, "tenantguard.vsix");
  const suite = join(outDir, "suite.js");
  return withDistLock(async () => {
    build();
    run(["client/package.mjs", "--out", vsix]);
    copyFileSync(SUITE, suite);
    return { vsix, suite };
  });
}

const { readZip } = createRequire(import.meta.url)("@vscode/vsce/out/zip") as {
  readZip(path: string, filter: (name: string) => boolean): Promise<Map<string, Buffer>>;
};

/** Every entry of the .vsix (names lower-cased, as vsce reads them), also written under `dir`. */
export async function unpackVsix(vsix: string, dir: string): Promise<Map<string, Buffer>> {
  const files = await readZip(vsix, () => true);
  for (const [name, contents] of files) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), contents);
  }
  return files;
}

export function build(): void {
  run(["scripts/build.mjs"]);
}

const LOCK = join(REPO, "dist", ".test-lock");

/**
 * Runs `fn` while no other test process rebuilds dist/: test files may run in parallel, and a
 * bundle read (packaged, spawned) while esbuild rewrites it comes out truncated. Waits for the
 * holder's lock directory to go away; a lock whose process is gone is taken over.
 */
export async function withDistLock<T>(fn: () => Promise<T>): Promise<T> {
  mkdirSync(join(REPO, "dist"), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // Watch first, then look: a release between the two still wakes us.
      const watcher = watch(join(REPO, "dist"));
      const changed = new Promise<void>((resolve) => watcher.once("change", () => resolve()));
      if (!existsSync(LOCK) || holderGone()) rmSync(LOCK, { recursive: true, force: true });
      else await changed;
      watcher.close();
    }
  }
  writeFileSync(join(LOCK, "pid"), String(process.pid));
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function holderGone(): boolean {
  try {
    process.kill(Number(readFileSync(join(LOCK, "pid"), "utf8")), 0);
    return false;
  } catch (e) {
    // No pid file yet: the holder is between mkdir and writing it.
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
}

function run(args: string[]): void {
  const result = spawnSync(process.execPath, args, { cwd: REPO, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`node ${args.join(" ")} failed:\n${result.stdout}${result.stderr}`);
}

export function copyWorkspace(scratch: string): string {
  const dir = join(scratch, "workspace");
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

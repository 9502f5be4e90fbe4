// Shared by the VS Code runners: build the bundles, package the .vsix the way `npm run package`
// does, and copy the fixture workspace (the tests edit it) into a scratch directory.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const REPO = join(import.meta.dirname, "..", "..");
export const SUITE = join(REPO, "dist", "test", "suite.js");
export const FIXTURE = join(import.meta.dirname, "fixtures", "workspace");
export const ARTIFACTS = join(REPO, "test-results", "vscode");

export function scratchDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `tenantguard-${prefix}-`));
}

/** Builds dist/ (extension, server, plugin, test suite) and packages it; returns the .vsix path. */
export function buildAndPackage(outDir: string): string {
  const vsix = join(outDir, "tenantguard.vsix");
  for (const args of [["scripts/build.mjs"], ["client/package.mjs", "--out", vsix]]) {
    const run = spawnSync(process.execPath, args, { cwd: REPO, encoding: "utf8" });
    if (run.status !== 0) throw new Error(`node ${args.join(" ")} failed:\n${run.stdout}${run.stderr}`);
  }
  return vsix;
}

export function copyWorkspace(scratch: string): string {
  const dir = join(scratch, "workspace");
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

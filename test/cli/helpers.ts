// Shared by the CLI tests: fixture paths, throwaway copies, and an in-memory CliIo.
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CliIo } from "../../server/src/cli/run";

export const REPO_ROOT = join(__dirname, "..", "..");
export const FIXTURES = join(REPO_ROOT, "test", "fixtures", "cli");

/** A copy of a fixture project in a temp dir, for runs that write (--fix, baselines) or must not see the repo. */
export function copyFixture(name: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `tenantguard-${name}-`));
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface MemoryIo extends CliIo {
  out(): string;
  err(): string;
}

export function memoryIo(cwd: string, env: NodeJS.ProcessEnv = {}): MemoryIo {
  let stdout = "";
  let stderr = "";
  return {
    cwd,
    env,
    stdout: { isTTY: false, write: (s: string) => (stdout += s) },
    stderr: { isTTY: false, write: (s: string) => (stderr += s) },
    out: () => stdout,
    err: () => stderr,
  };
}

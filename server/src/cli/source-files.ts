// Reading a source file for analysis: only regular files up to MAX_FILE_BYTES, and a reason
// (for the report) instead of an exception when one cannot be read.
import { readFileSync, statSync } from "node:fs";

export const MAX_FILE_BYTES = 5 * 1024 * 1024;

/** Why a file is not read: not a regular file, too large, unreadable; undefined when it can be. */
export function checkSize(file: string): string | undefined {
  try {
    const stat = statSync(file);
    if (!stat.isFile()) return "not a regular file";
    if (stat.size > MAX_FILE_BYTES) return `larger than ${MAX_FILE_BYTES / 1024 / 1024} MB`;
    return undefined;
  } catch (e) {
    return `cannot read: ${(e as Error).message}`;
  }
}

export function readText(file: string): string | { error: string } {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    return { error: `cannot read: ${(e as Error).message}` };
  }
}

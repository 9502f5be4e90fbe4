// What to watch so the tenant model follows its sources: the config file, and the schema
// globs turned into the few directories (or files) they can match in. Watching through
// tsserver's host means the editor's watch strategy applies (VS Code may do the watching
// itself with `--canUseWatchEvents`), and nothing is polled per diagnostics request.
import { join } from "node:path";

export type WatchTarget =
  | { kind: "file"; path: string }
  | { kind: "directory"; path: string; recursive: boolean; accepts: (fileName: string) => boolean };

const GLOB_CHARS = /[*?[\]{}()!]/;

/**
 * Watch targets for glob patterns relative to `rootDir`. A static pattern is one file; a
 * dynamic one is the directory before its first glob segment, recursive when more than one
 * segment follows, accepting changed files that end like the pattern (`*.sql` -> `.sql`).
 */
export function schemaWatchTargets(patterns: readonly string[], rootDir: string): WatchTarget[] {
  const targets: WatchTarget[] = [];
  for (const pattern of patterns) {
    const segments = pattern.replace(/\\/g, "/").split("/").filter(Boolean);
    const firstDynamic = segments.findIndex((s) => GLOB_CHARS.test(s));
    if (firstDynamic < 0) {
      targets.push({ kind: "file", path: join(rootDir, ...segments) });
      continue;
    }
    const last = segments[segments.length - 1];
    const suffix = GLOB_CHARS.test(last) ? last.slice(last.lastIndexOf("*") + 1) : last;
    const plainSuffix = GLOB_CHARS.test(suffix) ? "" : suffix;
    targets.push({
      kind: "directory",
      path: join(rootDir, ...segments.slice(0, firstDynamic)),
      recursive: segments.length - firstDynamic > 1,
      accepts: (fileName) => fileName.endsWith(plainSuffix),
    });
  }
  return targets;
}

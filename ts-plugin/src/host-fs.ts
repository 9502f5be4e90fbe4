// The analyzer's file-system interface inside tsserver. Reads go through tsserver's own
// host (the one that reads the project's sources); globs use fast-glob, as the CLI does,
// so a migrations pattern selects the same files in the editor and in CI. tsserver plugins
// always run in Node, where fast-glob's default `fs` is the real disk the host reads.
import fg from "fast-glob";
import type ts from "typescript";
import type { AnalyzerFileSystem } from "../../server/src/analyzer";

export function createHostFileSystem(host: ts.server.ServerHost): AnalyzerFileSystem {
  return {
    readFile(path) {
      try {
        return host.readFile(path);
      } catch {
        return undefined; // the analyzer reports an unreadable config or schema as an InputError
      }
    },
    fileExists(path) {
      return host.fileExists(path);
    },
    glob(patterns, cwd) {
      // Symlinks are not followed: a link cycle in a project must not hang the editor.
      return fg.sync([...patterns], { cwd, absolute: true, onlyFiles: true, followSymbolicLinks: false }).sort();
    },
  };
}

/**
 * Whether `relativePath` (to `rootDir`, forward slashes) is excluded by the config's `ignore`
 * globs, with the CLI's semantics: the CLI globs the file by its escaped path with `ignore`
 * set, so doing the same here makes the two agree on every pattern. A file not on disk yet
 * (never saved) is not ignored.
 */
export function isIgnoredByConfig(relativePath: string, rootDir: string, ignore: readonly string[]): boolean {
  if (ignore.length === 0 || relativePath.startsWith("../")) return false;
  const pattern = fg.escapePath(relativePath);
  const options = { cwd: rootDir, onlyFiles: true, dot: true, followSymbolicLinks: false };
  if (fg.sync(pattern, { ...options, ignore: [...ignore] }).length > 0) return false;
  return fg.sync(pattern, options).length > 0;
}

// The analyzer's file-system interface, backed by Node's fs and fast-glob.
import fg from "fast-glob";
import { readFileSync, statSync } from "node:fs";
import type { AnalyzerFileSystem } from "../analyzer";

export function createNodeFileSystem(): AnalyzerFileSystem {
  return {
    readFile(path) {
      try {
        return readFileSync(path, "utf8");
      } catch {
        return undefined; // the caller reports a missing schema or config as an InputError
      }
    },
    fileExists(path) {
      try {
        return statSync(path).isFile();
      } catch {
        return false;
      }
    },
    glob(patterns, cwd) {
      // Symlinks are not followed: a link cycle in a project must not hang a run.
      // Dependencies are no schema source: `packages/**/src` must not walk their node_modules.
      return fg
        .sync([...patterns], {
          cwd,
          absolute: true,
          onlyFiles: true,
          followSymbolicLinks: false,
          ignore: ["**/node_modules/**"],
        })
        .sort();
    },
  };
}

// An in-memory AnalyzerFileSystem for tests. glob runs the real fast-glob (what the CLI
// uses) over the in-memory tree through fast-glob's `fs` adapter option, so patterns
// behave here exactly as they do on disk.
import fastGlob from "fast-glob";
import { posix } from "node:path";
import type { AnalyzerFileSystem } from "../../server/src/analyzer/types";

/**
 * `files` maps paths to contents. Paths are POSIX; relative ones are taken from `/`.
 * Directories exist implicitly as parents of files.
 */
export function createMemoryFs(files: Record<string, string>): AnalyzerFileSystem {
  const contents = new Map<string, string>();
  const children = new Map<string, Set<string>>();
  for (const [path, text] of Object.entries(files)) {
    const absolute = posix.resolve("/", path);
    contents.set(absolute, text);
    for (let child = absolute, dir = posix.dirname(child); child !== dir; child = dir, dir = posix.dirname(dir)) {
      if (!children.has(dir)) children.set(dir, new Set());
      children.get(dir)!.add(posix.basename(child));
    }
  }

  const kindOf = (path: string): "file" | "directory" | undefined => {
    const absolute = posix.resolve("/", path);
    if (contents.has(absolute)) return "file";
    if (children.has(absolute)) return "directory";
    return undefined;
  };
  const stat = (path: string) => {
    const kind = kindOf(path);
    if (!kind)
      throw Object.assign(new Error(`ENOENT: no such file or directory, stat '${path}'`), { code: "ENOENT", path });
    return fakeStats(kind);
  };
  const readdir = (path: string, options?: { withFileTypes?: boolean }) => {
    const names = [...(children.get(posix.resolve("/", path)) ?? [])].sort();
    if (!options?.withFileTypes) return names;
    return names.map((name) => Object.assign(fakeStats(kindOf(posix.join(path, name))!), { name }));
  };
  const callbackStyle =
    <A extends unknown[], R>(f: (...args: A) => R) =>
    (...args: [...A, (error: unknown, result?: R) => void]) => {
      const callback = args.pop() as (error: unknown, result?: R) => void;
      try {
        callback(null, f(...(args as unknown as A)));
      } catch (error) {
        callback(error);
      }
    };
  const adapter = {
    lstatSync: stat,
    statSync: stat,
    readdirSync: readdir,
    lstat: callbackStyle(stat),
    stat: callbackStyle(stat),
    readdir: callbackStyle(readdir),
  };

  return {
    readFile: (path) => contents.get(posix.resolve("/", path)),
    fileExists: (path) => contents.has(posix.resolve("/", path)),
    glob: (patterns, cwd) =>
      fastGlob
        .sync([...patterns], {
          cwd,
          absolute: true,
          onlyFiles: true,
          fs: adapter as unknown as fastGlob.FileSystemAdapter,
        })
        .sort(),
  };
}

function fakeStats(kind: "file" | "directory") {
  return {
    isFile: () => kind === "file",
    isDirectory: () => kind === "directory",
    isSymbolicLink: () => false,
    isBlockDevice: () => false,
    isCharacterDevice: () => false,
    isFIFO: () => false,
    isSocket: () => false,
  };
}

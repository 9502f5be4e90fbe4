// Loads the CLI bundle through V8's code cache. Compiling the 11 MB bundle (TypeScript inside it)
// is a tenth of a typical run; a run's compiled code, kept for the next run, saves most of that.
// Node 22 has this built in (`module.enableCompileCache`); Node 20, which tenantguard supports,
// has only the V8 primitive under it: `vm.Script` with `cachedData`.
//
// The cache is best effort: any trouble reading or writing it, or V8 rejecting it (another Node
// version, a changed bundle), and the bundle loads as it would without one.
import { createHash } from "node:crypto";
import {
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import Module, { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import vm from "node:vm";

export interface CachedLoad {
  /** The bundle's `module.exports`. */
  exports: unknown;
  /** Writes the code compiled so far for the next run, when this run had no usable cache. */
  save(): void;
}

/**
 * Runs the CommonJS file `file` as `require` would, with its compiled code read from (and saved
 * to) a cache file in a directory only this user can write. `NODE_DISABLE_COMPILE_CACHE=1` (Node's
 * own switch) turns the cache off.
 */
export function loadWithCompileCache(file: string, env: NodeJS.ProcessEnv = process.env): CachedLoad {
  const source = readFileSync(file, "utf8");
  const cacheFile = env.NODE_DISABLE_COMPILE_CACHE ? undefined : cacheFileFor(file, source);
  const cachedData = cacheFile ? readCache(cacheFile) : undefined;
  // The shebang line stays as a comment: offsets in stack traces and the source map still match.
  const script = new vm.Script(Module.wrap(source.replace(/^#!/, "//")), {
    filename: file,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const module = { exports: {} as unknown, filename: file, id: file, loaded: false };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  module.loaded = true;
  const stale = !cachedData || script.cachedDataRejected === true;
  return {
    exports: module.exports,
    save() {
      if (cacheFile && stale) writeCache(cacheFile, script.createCachedData());
    },
  };
}

/**
 * `<tmp>/tenantguard-compile-cache-<uid>/<key>`, the key naming the bundle's text and the Node
 * build. Undefined when the directory cannot be made private to this user: code read from a
 * directory someone else can write to would run as this user.
 */
function cacheFileFor(file: string, source: string): string | undefined {
  const uid = process.getuid?.() ?? -1;
  const dir = join(tmpdir(), `tenantguard-compile-cache-${uid < 0 ? "user" : uid}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = lstatSync(dir);
    if (!stat.isDirectory()) return undefined;
    if (uid >= 0 && (stat.uid !== uid || (stat.mode & 0o022) !== 0)) return undefined;
  } catch {
    return undefined;
  }
  const { size, mtimeMs } = statSync(file);
  const key = createHash("sha256")
    .update(`${file}\0${size}\0${mtimeMs}\0${source.length}\0${process.version}\0${process.arch}`)
    .digest("hex")
    .slice(0, 24);
  return join(dir, `${key}.bin`);
}

function readCache(cacheFile: string): Buffer | undefined {
  try {
    return readFileSync(cacheFile);
  } catch {
    return undefined;
  }
}

/** Written whole under a private name, then renamed: a concurrent run reads the old cache or the new one, never half. */
function writeCache(cacheFile: string, data: Buffer): void {
  const partial = `${cacheFile}.${process.pid}.tmp`;
  try {
    const fd = openSync(partial, "w", 0o600);
    try {
      writeSync(fd, data);
    } finally {
      closeSync(fd);
    }
    renameSync(partial, cacheFile);
  } catch {
    // Best effort: the next run compiles again.
    rmSync(partial, { force: true });
  }
}

// Which files a run analyzes: the TypeScript/JavaScript sources under the given paths,
// minus build output, dependencies, declaration files, .gitignore'd files and the
// config's `ignore` globs. An ignored file stays ignored even when named explicitly.
import fg from "fast-glob";
import ignore, { type Ignore } from "ignore";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { toPosix } from "./paths";

export const SOURCE_EXTENSIONS = ["ts", "tsx", "mts", "cts", "js", "jsx", "mjs", "cjs"] as const;

export const DEFAULT_EXCLUDES = [
  "**/node_modules/**",
  "**/dist/**",
  "**/build/**",
  "**/out/**",
  "**/coverage/**",
  "**/.next/**",
  "**/*.d.ts",
  "**/*.d.mts",
  "**/*.d.cts",
];

export interface CollectFilesOptions {
  /** Where relative `paths` are resolved from. */
  cwd: string;
  /** The config's root: its `ignore` globs are relative to it and apply only below it. */
  rootDir: string;
  ignore: readonly string[];
  /** The config file the `ignore` globs come from, for messages. */
  configFile?: string;
}

export interface CollectedFiles {
  /** Absolute, sorted, without duplicates. */
  files: string[];
  /** Paths given on the command line that do not exist (a usage error). */
  missing: string[];
  /**
   * Paths that exist but produced no file to analyze, with why (printed as warnings); `ignored`:
   * it holds sources that the ignores, .gitignore or the build folders took.
   */
  empty: { path: string; reason: string; ignored?: boolean }[];
}

export function collectFiles(paths: readonly string[], options: CollectFilesOptions): CollectedFiles {
  const result: CollectedFiles = { files: [], missing: [], empty: [] };
  const gitignore = new GitignoreRules();
  const seen = new Set<string>();

  for (const given of paths) {
    const absolute = resolve(options.cwd, given);
    const kind = pathKind(absolute);
    if (!kind) {
      result.missing.push(given);
      continue;
    }
    if (kind === "file" && !hasSourceExtension(absolute)) {
      result.empty.push({ path: given, reason: "not a TypeScript or JavaScript file" });
      continue;
    }
    const found = globPath(absolute, kind, options).filter((file) => !gitignore.ignores(file));
    if (found.length === 0) {
      const reason = whyNothing(absolute, kind, options, gitignore);
      result.empty.push({ path: given, reason, ...(reason !== NO_SOURCES && { ignored: true }) });
    }
    for (const file of found) {
      if (!seen.has(file)) {
        seen.add(file);
        result.files.push(file);
      }
    }
  }
  result.files.sort();
  return result;
}

export function hasSourceExtension(file: string): boolean {
  const ext = file.slice(file.lastIndexOf(".") + 1);
  return (SOURCE_EXTENSIONS as readonly string[]).includes(ext);
}

/**
 * Why a path holds nothing to analyze, naming what skipped its sources: the config's `ignore`
 * patterns (which of them), `.gitignore`, or the build-output and dependency folders skipped always.
 */
function whyNothing(
  absolute: string,
  kind: "file" | "dir",
  options: CollectFilesOptions,
  gitignore: GitignoreRules,
): string {
  const count = (ignore: readonly string[], excludes = DEFAULT_EXCLUDES, git = true) =>
    globPath(absolute, kind, { ...options, ignore }, excludes).filter((f) => !git || !gitignore.ignores(f)).length;
  const sources = (n: number) =>
    kind === "file" ? "it is" : n === 1 ? "its 1 source file is" : `its ${n} source files are`;
  const unignored = options.ignore.length ? count([]) : 0;
  if (unignored) {
    const patterns = options.ignore.filter((p) => count([p]) < unignored);
    const named = (patterns.length ? patterns : options.ignore)
      .slice(0, 3)
      .map((p) => `"${p}"`)
      .join(", ");
    return `${sources(unignored)} matched by "ignore" in ${options.configFile ?? "the config"} (${named})`;
  }
  const tracked = count([], DEFAULT_EXCLUDES, false);
  if (tracked) return `${sources(tracked)} ignored by .gitignore`;
  const any = count([], []);
  if (any)
    return kind === "file"
      ? "build output, a dependency or a declaration file, which are never analyzed"
      : "only build output, dependencies or declaration files (node_modules, dist, build, *.d.ts), which are never analyzed";
  return NO_SOURCES;
}

const NO_SOURCES = "no TypeScript or JavaScript files";

function globPath(
  absolute: string,
  kind: "file" | "dir",
  options: CollectFilesOptions,
  excludes: readonly string[] = DEFAULT_EXCLUDES,
): string[] {
  const sourceGlob = `**/*.{${SOURCE_EXTENSIONS.join(",")}}`;
  const fromRoot = relative(options.rootDir, absolute);
  const insideRoot = fromRoot === "" || (!fromRoot.startsWith("..") && !isAbsolute(fromRoot));
  // Below the config root the glob runs from the root, so the config's globs mean what they say.
  const cwd = insideRoot ? options.rootDir : kind === "dir" ? absolute : dirname(absolute);
  const rel = toPosix(relative(cwd, absolute));
  const pattern =
    kind === "file" ? fg.escapePath(rel) : rel === "" ? sourceGlob : `${fg.escapePath(rel)}/${sourceGlob}`;
  const ignored = insideRoot ? [...excludes, ...options.ignore] : [...excludes];
  return fg
    .sync(pattern, {
      cwd,
      absolute: true,
      onlyFiles: true,
      ignore: ignored,
      // A symlink cycle must not hang the run; linked sources are analyzed where they live.
      followSymbolicLinks: false,
    })
    .map((file) => resolve(file));
}

/**
 * `.gitignore` files from the repository root (the nearest directory holding `.git`)
 * down to each file's directory, applied outermost first so a nested file can re-include.
 */
class GitignoreRules {
  private readonly byDir = new Map<string, { dir: string; rules: Ignore }[]>();

  ignores(file: string): boolean {
    let ignored = false;
    for (const level of this.levels(dirname(file))) {
      const verdict = level.rules.test(toPosix(relative(level.dir, file)));
      if (verdict.ignored) ignored = true;
      else if (verdict.unignored) ignored = false;
    }
    return ignored;
  }

  private levels(dir: string): { dir: string; rules: Ignore }[] {
    const cached = this.byDir.get(dir);
    if (cached) return cached;
    const parent = dirname(dir);
    const atTop = parent === dir || existsSync(join(dir, ".git"));
    const levels = atTop ? [] : [...this.levels(parent)];
    const own = readGitignore(join(dir, ".gitignore"));
    if (own) levels.push({ dir, rules: ignore().add(own) });
    this.byDir.set(dir, levels);
    return levels;
  }
}

function readGitignore(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

function pathKind(path: string): "file" | "dir" | undefined {
  try {
    const stat = statSync(path);
    return stat.isDirectory() ? "dir" : stat.isFile() ? "file" : undefined;
  } catch {
    return undefined;
  }
}

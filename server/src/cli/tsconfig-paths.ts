// Where a bare import specifier points in the project: the `paths` (and `baseUrl`) of the nearest
// tsconfig.json above the importing file, through its `extends` chain (Nx and other monorepos map
// `@gitroom/nestjs-libraries/*` to `libraries/nestjs-libraries/src/*` there). Read as JSON with
// TypeScript's own config reader; nothing of the project runs.
import { dirname, isAbsolute, join, resolve } from "node:path";
import ts from "typescript";

interface PathMapping {
  /** The folder `paths` targets are relative to (baseUrl, else the folder of the config declaring them). */
  base: string;
  paths: [pattern: string, targets: string[]][];
  /** `baseUrl` alone also resolves bare specifiers against it. */
  baseUrl?: string;
}

/** How deep `extends` is followed; a longer chain (or a cycle) stops there. */
const MAX_EXTENDS = 5;

export function createModuleMapper(
  readFile: (path: string) => string | undefined,
): (from: string, specifier: string) => readonly string[] {
  const configByDir = new Map<string, string | null>();
  const mappingByConfig = new Map<string, PathMapping | null>();

  const nearestConfig = (dir: string): string | null => {
    const known = configByDir.get(dir);
    if (known !== undefined) return known;
    // A folder's tsconfig.json; an Nx workspace root may hold only tsconfig.base.json, which its projects extend.
    const here = [join(dir, "tsconfig.json"), join(dir, "tsconfig.base.json")].find((f) => readFile(f) !== undefined);
    const parent = dirname(dir);
    const found = here ?? (parent === dir ? null : nearestConfig(parent));
    configByDir.set(dir, found);
    return found;
  };

  const mappingOf = (config: string): PathMapping | null => {
    const known = mappingByConfig.get(config);
    if (known !== undefined) return known;
    mappingByConfig.set(config, null); // a cycle in `extends` ends here
    const mapping = readMapping(config, readFile, 0);
    mappingByConfig.set(config, mapping);
    return mapping;
  };

  return (from, specifier) => {
    if (specifier.startsWith(".") || isAbsolute(specifier)) return [];
    const config = nearestConfig(dirname(resolve(from)));
    const mapping = config ? mappingOf(config) : null;
    return mapping ? candidates(mapping, specifier) : [];
  };
}

function readMapping(
  config: string,
  readFile: (path: string) => string | undefined,
  depth: number,
): PathMapping | null {
  const text = readFile(config);
  if (text === undefined || depth > MAX_EXTENDS) return null;
  const { config: json } = ts.parseConfigFileTextToJson(config, text);
  if (!json || typeof json !== "object") return null;
  const dir = dirname(config);
  // What this config inherits first, then its own settings over it (TypeScript's order).
  let inherited: PathMapping | null = null;
  const parents = Array.isArray(json.extends) ? json.extends : json.extends ? [json.extends] : [];
  for (const parent of parents) {
    if (typeof parent !== "string" || !(parent.startsWith(".") || isAbsolute(parent))) continue; // a package's config: not read
    const path = resolve(dir, parent.endsWith(".json") ? parent : `${parent}.json`);
    inherited = readMapping(path, readFile, depth + 1) ?? inherited;
  }
  const options = json.compilerOptions ?? {};
  const baseUrl = typeof options.baseUrl === "string" ? resolve(dir, options.baseUrl) : inherited?.baseUrl;
  const ownPaths =
    options.paths && typeof options.paths === "object"
      ? Object.entries(options.paths as Record<string, unknown>).flatMap(([pattern, targets]) =>
          Array.isArray(targets)
            ? [[pattern, targets.filter((t): t is string => typeof t === "string")] as [string, string[]]]
            : [],
        )
      : undefined;
  if (!ownPaths && !inherited && !baseUrl) return null;
  return {
    // `paths` resolve against baseUrl when there is one, else against the config that declares them.
    base: baseUrl ?? (ownPaths ? dir : (inherited?.base ?? dir)),
    paths: ownPaths ?? inherited?.paths ?? [],
    ...(baseUrl && { baseUrl }),
  };
}

/** The paths a specifier maps to, best first: exact patterns, then `*` patterns by longest prefix, then baseUrl. */
function candidates(mapping: PathMapping, specifier: string): string[] {
  const matches: { prefix: number; paths: string[] }[] = [];
  for (const [pattern, targets] of mapping.paths) {
    const star = pattern.indexOf("*");
    if (star < 0) {
      if (pattern === specifier)
        matches.push({ prefix: Infinity, paths: targets.map((t) => resolve(mapping.base, t)) });
      continue;
    }
    const prefix = pattern.slice(0, star);
    const suffix = pattern.slice(star + 1);
    if (
      !specifier.startsWith(prefix) ||
      !specifier.endsWith(suffix) ||
      specifier.length < prefix.length + suffix.length
    )
      continue;
    const matched = specifier.slice(prefix.length, specifier.length - suffix.length);
    matches.push({ prefix: prefix.length, paths: targets.map((t) => resolve(mapping.base, t.replace("*", matched))) });
  }
  matches.sort((a, b) => b.prefix - a.prefix);
  const out = matches.flatMap((m) => m.paths);
  if (mapping.baseUrl) out.push(resolve(mapping.baseUrl, specifier));
  // `@acme/lib/x.js` in ESM sources names `x.ts`: the resolver strips the extension itself.
  return [...new Set(out)];
}

import { sep } from "node:path";

/** Report paths, globs and baselines use forward slashes on every platform. */
export function toPosix(path: string): string {
  return sep === "/" ? path : path.split(sep).join("/");
}

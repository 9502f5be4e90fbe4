// `clients.allowUnscopedIn` globs matched against a file's path relative to the config root.
// A small translation of the glob syntax the config documents (`**`, `*`, `?`, `{a,b}`), so the
// analyzer needs no matcher package.

/** Whether `relativePath` (forward slashes) matches any of `globs`. */
export function matchesAnyGlob(relativePath: string, globs: readonly string[]): boolean {
  const path = relativePath.replace(/\\/g, "/").replace(/^\.\//, "");
  return globs.some((g) => globToRegExp(g).test(path));
}

/** `src/admin/**` -> a RegExp over the whole relative path. */
export function globToRegExp(glob: string): RegExp {
  const g = glob.replace(/\\/g, "/").replace(/^\.\//, "");
  let out = "";
  let braces = 0;
  for (let i = 0; i < g.length; i++) {
    const c = g[i];
    if (c === "*" && g[i + 1] === "*") {
      const slashAfter = g[i + 2] === "/";
      // `**/` matches zero or more whole directories; a trailing `**` matches everything below.
      out += slashAfter ? "(?:[^/]+/)*" : ".*";
      i += slashAfter ? 2 : 1;
    } else if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "{") {
      braces++;
      out += "(?:";
    } else if (c === "}" && braces > 0) {
      braces--;
      out += ")";
    } else if (c === "," && braces > 0) out += "|";
    else out += c.replace(/[.+^$()|[\]\\]/g, "\\$&");
  }
  // `scripts/` and `scripts` name the directory: everything below it matches.
  const dir = /\/$/.test(g) ? ".*" : "(?:/.*)?";
  return new RegExp(`^${out}${g.includes("*") && !g.endsWith("/") ? "" : dir}$`);
}

// Which of a project's files may call a data-layer function (flow/callers.ts judges a by-id
// query on a parameter at those calls): an index of called and imported names over the files,
// read once, with newer texts (the CLI's fixed files, the editor's open documents) on top.
import { resolve } from "node:path";
import { escapeRegExp } from "../analyzer/escape-regexp";
import { checkSize, readText } from "./source-files";
import { toPosix } from "./paths";

/**
 * Which of the project's files may call a function: those that call something of its name and
 * are its own file or name its module in their text (an import of `./tags`, `@/lib/tags`, a
 * folder's `index`). Disk texts are read and indexed once, on the first question; `textOf` (the
 * CLI's fixed texts, the editor's open documents) wins over them.
 */
export class CallerFiles {
  private disk?: CallIndex;
  /** By name, from the disk texts: files that call it, or import it under another name. Kept until `forget`. */
  private readonly diskCandidates = new Map<string, number[]>();
  private readonly found = new Map<string, string[]>();

  private readonly files: string[];

  constructor(
    files: readonly string[],
    /** A newer text than the disk's (the CLI's fixed texts, the editor's open documents). */
    private readonly textOf: (file: string) => string | undefined,
    /** The files `textOf` answers for, when cheap to list: an edit then costs those, not a pass over every file. */
    private readonly openFiles?: () => Iterable<string>,
  ) {
    this.files = [...files];
  }

  /** `owner`: the class a method belongs to, whose instances services hold in properties named for it. */
  mentioning(name: string, definedIn: string, owner?: string): string[] {
    const target = resolve(definedIn);
    const key = `${name}\0${target}\0${owner ?? ""}`;
    let found = this.found.get(key);
    if (found) return found;
    const disk = (this.disk ??= indexCalls(this.files));
    let fromDisk = this.diskCandidates.get(name);
    if (!fromDisk) {
      // A file that imports it may call it under another name (`import { getOrder as fetchOrder }`).
      const calling = new Set([...(disk.calls.get(name) ?? []), ...(disk.imports.get(name) ?? [])]);
      this.diskCandidates.set(name, (fromDisk = [...calling]));
    }
    const candidates = new Set(fromDisk);
    // Open or fixed texts may call it where the disk text did not.
    const newer = this.openFiles ? [...this.openFiles()].map((f) => disk.byFile.get(resolve(f))) : disk.files.keys();
    for (const i of newer) if (i !== undefined && this.textOf(disk.files[i]!)?.includes(name)) candidates.add(i);
    const module = moduleNameOf(target);
    found = [];
    for (const i of candidates) {
      const file = disk.files[i]!;
      const text = this.textOf(file) ?? disk.texts[i]!;
      if (
        file === target ||
        (text.includes(name) && (module.test(text) || importsName(text, name) || injectedCall(text, name, owner)))
      )
        found.push(file);
    }
    if (!found.includes(target)) found.push(target);
    this.found.set(key, found);
    return found;
  }

  /** The disk text of a file, when the index has read it already (undefined before the first question). */
  diskText(fileName: string): string | undefined {
    const i = this.disk?.byFile.get(resolve(fileName));
    return i === undefined ? undefined : this.disk!.texts[i];
  }

  /** A text `textOf` answers for changed: the names are looked up again. */
  changed(): void {
    this.found.clear();
  }

  /**
   * One file changed, was created or deleted on disk (the editor saved it, a checkout): only its
   * text is read again. Names it no longer calls keep it as a candidate: candidates are only a
   * superset, checked against the text before they are answered.
   */
  refresh(fileName: string): void {
    const file = resolve(fileName);
    this.found.clear();
    const disk = this.disk;
    if (!disk) {
      // Not indexed yet: the first question reads every file, this one included.
      if (!this.files.some((f) => resolve(f) === file)) this.files.push(file);
      return;
    }
    const read = checkSize(file) ? undefined : readText(file);
    // A deleted or unreadable file calls nothing.
    const text = typeof read === "string" ? read : "";
    let i = disk.byFile.get(file);
    if (i === undefined) {
      if (!text) return;
      i = disk.files.push(file) - 1;
      disk.byFile.set(file, i);
      this.files.push(file);
    }
    disk.texts[i] = text;
    const names = new Set([...calledNames(text), ...importedNames(text)]);
    for (const name of names) {
      const list = disk.calls.get(name);
      if (!list) disk.calls.set(name, [i]);
      else if (!list.includes(i)) list.push(i);
    }
    for (const [name, list] of this.diskCandidates) if (!list.includes(i) && names.has(name)) list.push(i);
  }
}

interface CallIndex {
  files: string[];
  texts: string[];
  /** By name: the files that call something of that name. */
  calls: Map<string, number[]>;
  /** By name: the files that import something of that name (under any local name). */
  imports: Map<string, number[]>;
  byFile: Map<string, number>;
}

/** Every file's text and, by name, the files that call something of that name (`name(`, `.name(`, `name<T>(`). */
function indexCalls(files: readonly string[]): CallIndex {
  const out: CallIndex = { files: [], texts: [], calls: new Map(), imports: new Map(), byFile: new Map() };
  for (const file of files) {
    const text = checkSize(file) ? undefined : readText(file);
    if (typeof text !== "string") continue;
    const i = out.files.push(resolve(file)) - 1;
    out.byFile.set(out.files[i]!, i);
    out.texts.push(text);
    // Files come in order: `i` is new to every list.
    for (const [names, map] of [
      [calledNames(text), out.calls],
      [importedNames(text), out.imports],
    ] as const)
      for (const name of names) {
        const list = map.get(name);
        if (list) list.push(i);
        else map.set(name, [i]);
      }
  }
  return out;
}

/**
 * The names a text calls: `name(`, `.name(`, `name<T>(`, `name?.(`, `name!(`. The lookbehind
 * starts a name only at the start of an identifier: without it, a long identifier-like run (a
 * base64 literal, minified code) is tried from each of its characters, each try scanning the
 * rest of the run, which takes time quadratic in its length.
 */
function calledNames(text: string): Set<string> {
  const call = /(?<![\w$])([A-Za-z_$][\w$]*)\s*(?:!\s*)?(?:\?\.\s*)?(?:<[^<>()]*>\s*)?\(/g;
  const names = new Set<string>();
  for (let m = call.exec(text); m; m = call.exec(text)) names.add(m[1]!);
  // A method taken as a value, or called by a name no call shows: `ids.map(Repo.findById)`,
  // `{ run: Repo.findById }`, `Repo.findById.bind(Repo)`, `Repo["findById"](id)`.
  const taken =
    /\.\s*([A-Za-z_$][\w$]*)(?=\s*(?:[,)\];}]|\.(?:bind|call|apply)\b))|\[\s*["']([A-Za-z_$][\w$]*)["']\s*\]/g;
  for (let m = taken.exec(text); m; m = taken.exec(text)) names.add((m[1] ?? m[2])!);
  return names;
}

/** The names a text imports, as their module exports them: `a` and `b` of `import { a, b as c } from "..."`. */
function importedNames(text: string): Set<string> {
  const names = new Set<string>();
  const clause = /\bimport\s+(?:type\s+)?(?:[\w$]+\s*,\s*)?\{([^}]{0,4000})\}\s*from\s*["']/g;
  for (let m = clause.exec(text); m; m = clause.exec(text))
    for (const part of m[1]!.split(",")) {
      const imported = /^\s*(?:type\s+)?([A-Za-z_$][\w$]*)/.exec(part)?.[1];
      if (imported) names.add(imported);
    }
  return names;
}

/**
 * Whether a text imports `name` (`import { name } from`, `import { x as name }`) or has a
 * namespace import and calls `.name(`: it may call the function through a path the module
 * name does not show (a barrel higher up), so it must be parsed and its calls resolved.
 */
function importsName(text: string, name: string): boolean {
  const escaped = escapeRegExp(name);
  if (new RegExp(`\\bimport\\s[^;]{0,2000}?\\b${escaped}\\b[^;]{0,2000}?\\bfrom\\s*["']`).test(text)) return true;
  return /\bimport\s+\*\s+as\s/.test(text) && text.includes(`.${name}(`);
}

/**
 * How an import may name a file's module, in a quoted specifier: `tags` for `.../tags.ts`, and its
 * folder (`.../lib/tags` for `.../lib/tags/index.ts`, or a barrel beside `.../lib/links/delete.ts`).
 */
function moduleNameOf(file: string): RegExp {
  const parts = toPosix(file).split("/");
  const base = parts.pop()!.replace(/\.[cm]?[jt]sx?$/i, "");
  const names = [base.toLowerCase() === "index" ? undefined : base, parts.pop()].filter((n): n is string => !!n);
  // `./tags/index.js`: the folder's index comes before the extension. Case-insensitive: file
  // systems on macOS and Windows are, and so are the imports that work there.
  return new RegExp(`["'/](?:${names.map(escapeRegExp).join("|")})(?:/index)?(?:\\.[cm]?[jt]sx?)?["']`, "i");
}

/**
 * `this.memoryRepository.removeMemory(id)` in a service whose repository a base class injects: a
 * method call on a property of `this` the file need not import to call. By a name of two words or
 * more (`removeMemory`), or on a property named for the method's class (`this.memoryRepository
 * .delete(id)` of `MemoryRepository`); not `this.cache.delete(key)`.
 */
function injectedCall(text: string, name: string, owner: string | undefined): boolean {
  const call = (property: string) => new RegExp(`\\bthis\\.${property}\\.${escapeRegExp(name)}\\s*\\(`, "i");
  if (owner && call(escapeRegExp(owner)).test(text)) return true;
  return /[a-z][A-Z]/.test(name) && call("[\\w$]+").test(text);
}

// Runs the analyzer over files for one CLI run: reads (or takes the fixed text of) each
// file, picks the program's SourceFile and TypeChecker in type-aware mode, applies the
// run's rule levels, and turns per-file trouble into values the caller reports.
import { readFileSync, statSync } from "node:fs";
import { dirname, extname, join, relative, resolve } from "node:path";
import ts from "typescript";
import {
  analyzeSourceFile,
  mayHaveFindings,
  type Finding,
  type Proof,
  type ResolvedConfig,
  type SqlParser,
  type TenantModel,
} from "../analyzer";
import { effectiveSeverity } from "../analyzer/rules";
import { escapeRegExp } from "../analyzer/escape-regexp";
import { toPosix } from "./paths";
import { typescriptLibDir } from "./typescript-lib";

export const MAX_FILE_BYTES = 5 * 1024 * 1024;

/** The analyzer reads no JSDoc (suppressions are found in the text): skip parsing it. */
export const PARSE_OPTIONS: ts.CreateSourceFileOptions = {
  languageVersion: ts.ScriptTarget.Latest,
  jsDocParsingMode: ts.JSDocParsingMode.ParseNone,
};

export type FileAnalysis =
  /** Keeps only the text and its line starts: a whole run must not hold every file's AST. */
  | { kind: "ok"; file: string; sourceFile: FileText; findings: Finding[]; proofs?: Proof[] }
  | { kind: "skipped"; file: string; reason: string }
  | { kind: "crashed"; file: string; message: string };

/** What reporting needs of an analyzed file. */
export interface FileText {
  text: string;
  lineStarts: readonly number[];
}

export interface AnalysisSession {
  analyze(file: string): FileAnalysis;
  /** New texts for files (after `--fix`): later `analyze` calls see them; the program is rebuilt once. */
  update(texts: ReadonlyMap<string, string>): void;
}

export interface SessionOptions {
  config: ResolvedConfig;
  model: TenantModel;
  parser: SqlParser;
  /** Absolute path of the tsconfig.json for type-aware mode. */
  project?: string;
  /** Collect how each safe query was proven (`--explain`). */
  explain?: boolean;
  /**
   * Every file of the run: a by-id query whose key is a parameter is judged at the calls of its
   * function found among them. Absent: such keys stay unproven.
   */
  files?: readonly string[];
  /** The analyzer entry point; tests pass one that throws to check a crash stays per file. */
  analyzeSourceFile?: typeof analyzeSourceFile;
}

export function createAnalysisSession(options: SessionOptions): { session: AnalysisSession } | { errors: string[] } {
  const texts = new Map<string, string>();
  let program: ts.Program | undefined;
  let parsedProject: ts.ParsedCommandLine | undefined;
  if (options.project) {
    const loaded = loadProject(options.project);
    if ("errors" in loaded) return loaded;
    parsedProject = loaded.parsed;
    program = createProgram(parsedProject, texts, undefined);
  }
  const analyze = options.analyzeSourceFile ?? analyzeSourceFile;
  // One checker for the whole run: creating it binds and checks lazily, once.
  let checker = program?.getTypeChecker();
  // Without a checker, the data flow follows helpers imported from other files through these.
  const others = new OtherFiles((file) => texts.get(file));
  const callers =
    options.files &&
    new CallerFiles(
      options.files,
      (file) => texts.get(file),
      () => texts.keys(),
    );
  // The analysed file's own tree is handed back for itself: parsing it again would cost a parse per file.
  const callerFiles = (analysed: ts.SourceFile) =>
    callers &&
    ((name: string, definedIn: string) =>
      callers
        .mentioning(name, definedIn)
        .map((file) =>
          file === resolve(analysed.fileName) ? analysed : (program?.getSourceFile(file) ?? others.get(file)),
        )
        .filter((f): f is ts.SourceFile => !!f));

  const session: AnalysisSession = {
    analyze(file) {
      const fromProgram = program?.getSourceFile(file);
      const sizeProblem = texts.has(file) ? undefined : checkSize(file);
      if (sizeProblem) return { kind: "skipped", file, reason: sizeProblem };
      let sourceFile = fromProgram;
      if (!sourceFile) {
        const text = texts.get(file) ?? readText(file);
        if (typeof text !== "string") return { kind: "skipped", file, reason: text.error };
        // Most files of a backend hold no query: those need no parse at all.
        if (!mayHaveFindings(text)) return { kind: "ok", file, sourceFile: { text, lineStarts: [0] }, findings: [] };
        // One tree per file and text: a helper file a caller already needed is not parsed again.
        sourceFile = others.parse(file, text);
      }
      try {
        const proofs: Proof[] | undefined = options.explain ? [] : undefined;
        const findings = analyze({
          ts,
          sourceFile,
          checker: fromProgram ? checker : undefined,
          config: options.config,
          model: options.model,
          parser: options.parser,
          relativePath: toPosix(relative(options.config.rootDir, file)),
          proofs,
          sourceFileOf: fromProgram ? undefined : (other) => others.get(other),
          callerFiles: callerFiles(sourceFile),
        });
        const text: FileText = { text: sourceFile.text, lineStarts: sourceFile.getLineStarts() };
        const kept = applyRuleLevels(options.config, findings);
        return { kind: "ok", file, sourceFile: text, findings: kept, ...(proofs && { proofs }) };
      } catch (e) {
        return { kind: "crashed", file, message: e instanceof Error ? e.message : String(e) };
      }
    },
    update(changed) {
      for (const [file, text] of changed) texts.set(file, text);
      others.forget(changed.keys());
      // The fixed texts reach the index through `textOf`: only the answers are stale, not the disk texts.
      callers?.changed();
      if (parsedProject) {
        program = createProgram(parsedProject, texts, program);
        checker = program.getTypeChecker();
      }
    },
  };
  return { session };
}

/**
 * Files another file's helpers live in (the data flow's `sourceFileOf`), parsed on first use and kept for the next callers (the
 * most recent OTHER_FILES_KEPT of them). Only regular files of the project: never node_modules,
 * never over the size limit.
 */
const OTHER_FILES_KEPT = 256;

export class OtherFiles {
  private readonly parsed = new Map<string, ts.SourceFile | null>();
  /** `textOf`: a newer text than the disk's (the CLI's fixed texts, the editor's open documents). */
  constructor(private readonly textOf: (file: string) => string | undefined) {}

  get(fileName: string): ts.SourceFile | undefined {
    const file = resolve(fileName);
    const hit = this.parsed.get(file);
    if (hit !== undefined) {
      this.parsed.delete(file);
      this.parsed.set(file, hit);
      return hit ?? undefined;
    }
    let sourceFile: ts.SourceFile | null = null;
    if (!file.split(/[\\/]/).includes("node_modules")) {
      const text = this.textOf(file) ?? (checkSize(file) ? undefined : readText(file));
      if (typeof text === "string")
        sourceFile = ts.createSourceFile(file, text, PARSE_OPTIONS, true, scriptKindOf(file));
    }
    this.keep(file, sourceFile);
    return sourceFile ?? undefined;
  }

  /**
   * The tree of `file` with exactly `text`: the one kept for a caller, else a fresh parse. A fresh
   * tree is not kept: holding every analyzed file's tree would cost a run far more memory than
   * the helper files it saves parsing again.
   */
  parse(fileName: string, text: string): ts.SourceFile {
    const file = resolve(fileName);
    const kept = this.parsed.get(file);
    if (kept && kept.text === text) return kept;
    return ts.createSourceFile(file, text, PARSE_OPTIONS, true, scriptKindOf(file));
  }

  private keep(file: string, sourceFile: ts.SourceFile | null): void {
    this.parsed.delete(file);
    if (this.parsed.size >= OTHER_FILES_KEPT) this.parsed.delete(this.parsed.keys().next().value!);
    this.parsed.set(file, sourceFile);
  }

  /** After `--fix` rewrote files, their old trees are stale. */
  forget(files: Iterable<string>): void {
    for (const file of files) this.parsed.delete(resolve(file));
  }
}

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

  mentioning(name: string, definedIn: string): string[] {
    const target = resolve(definedIn);
    const key = `${name}\0${target}`;
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
      if (file === target || (text.includes(name) && (module.test(text) || importsName(text, name)))) found.push(file);
    }
    if (!found.includes(target)) found.push(target);
    this.found.set(key, found);
    return found;
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
 * The run's `rules` levels (config plus `--rule`) decide severity, whatever the analyzer
 * reported, so `--rule x=warning` works for every rule; findings of rules set to off go.
 */
export function applyRuleLevels(config: ResolvedConfig, findings: readonly Finding[]): Finding[] {
  const result: Finding[] = [];
  for (const finding of findings) {
    const severity = effectiveSeverity(config, finding.ruleId);
    if (severity) result.push(severity === finding.severity ? finding : { ...finding, severity });
  }
  return result;
}

export function scriptKindOf(file: string): ts.ScriptKind {
  switch (extname(file).toLowerCase()) {
    case ".tsx":
      return ts.ScriptKind.TSX;
    case ".js":
    case ".mjs":
    case ".cjs":
      return ts.ScriptKind.JS;
    case ".jsx":
      return ts.ScriptKind.JSX;
    default:
      return ts.ScriptKind.TS;
  }
}

function loadProject(tsconfig: string): { parsed: ts.ParsedCommandLine } | { errors: string[] } {
  const read = ts.readConfigFile(tsconfig, ts.sys.readFile);
  if (read.error) return { errors: [formatDiagnostic(read.error)] };
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(tsconfig), undefined, tsconfig);
  // 18003 "No inputs were found": the walked paths decide what is analyzed, not `include`.
  const errors = parsed.errors.filter((d) => d.category === ts.DiagnosticCategory.Error && d.code !== 18003);
  if (errors.length) return { errors: errors.map(formatDiagnostic) };
  return { parsed };
}

/** After fixes, unchanged files are handed back from the old program so TypeScript reuses them. */
function createProgram(
  parsed: ts.ParsedCommandLine,
  texts: ReadonlyMap<string, string>,
  oldProgram: ts.Program | undefined,
): ts.Program {
  const host = ts.createCompilerHost(parsed.options, true);
  const libDir = typescriptLibDir();
  host.getDefaultLibLocation = () => libDir;
  host.getDefaultLibFileName = (options) => join(libDir, ts.getDefaultLibFileName(options));
  const readFromDisk = host.getSourceFile.bind(host);
  const readFile = host.readFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const text = texts.get(resolve(fileName));
    if (text !== undefined) return ts.createSourceFile(fileName, text, languageVersion, true, scriptKindOf(fileName));
    return oldProgram?.getSourceFile(fileName) ?? readFromDisk(fileName, languageVersion, onError, shouldCreate);
  };
  host.readFile = (fileName) => texts.get(resolve(fileName)) ?? readFile(fileName);
  return ts.createProgram({
    rootNames: parsed.fileNames,
    options: parsed.options,
    projectReferences: parsed.projectReferences,
    host,
    oldProgram,
  });
}

function formatDiagnostic(d: ts.Diagnostic): string {
  const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
  if (!d.file || d.start === undefined) return `${message} (TS${d.code})`;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return `${d.file.fileName}:${line + 1}:${character + 1}: ${message} (TS${d.code})`;
}

// Generated bundles and minified vendor files are megabytes of one line: not worth the time.
function checkSize(file: string): string | undefined {
  try {
    const stat = statSync(file);
    if (!stat.isFile()) return "not a regular file";
    if (stat.size > MAX_FILE_BYTES) return `larger than ${MAX_FILE_BYTES / 1024 / 1024} MB`;
    return undefined;
  } catch (e) {
    return `cannot read: ${(e as Error).message}`;
  }
}

function readText(file: string): string | { error: string } {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    return { error: `cannot read: ${(e as Error).message}` };
  }
}

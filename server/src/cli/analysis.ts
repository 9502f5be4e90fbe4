// Runs the analyzer over files for one CLI run: reads (or takes the fixed text of) each
// file, picks the program's SourceFile and TypeChecker in type-aware mode, applies the
// run's rule levels, and turns per-file trouble into values the caller reports.
import { readFileSync } from "node:fs";
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
import { CallerFiles } from "./caller-files";
import { createModuleMapper } from "./tsconfig-paths";
import { checkSize, readText } from "./source-files";
import { toPosix } from "./paths";
import { typescriptLibDir } from "./typescript-lib";

/** The analyzer reads no JSDoc (suppressions are found in the text): skip parsing it. */
export const PARSE_OPTIONS: ts.CreateSourceFileOptions = {
  languageVersion: ts.ScriptTarget.Latest,
  jsDocParsingMode: ts.JSDocParsingMode.ParseNone,
};

/**
 * The analyzer's tree of a file, with parent pointers. TypeScript's own `setParentNodes` walk
 * allocates a work list per node (a third of all a parse allocates, and the collector's time
 * with it); this walk sets the same pointers from one reused stack.
 */
export function parseFile(file: string, text: string): ts.SourceFile {
  const sourceFile = ts.createSourceFile(file, text, PARSE_OPTIONS, false, scriptKindOf(file));
  pending.push(sourceFile);
  while (pending.length > 0) {
    parent = pending.pop()!;
    ts.forEachChild(parent, adopt);
  }
  return sourceFile;
}

const pending: ts.Node[] = [];
let parent: ts.Node;
function adopt(child: ts.Node): undefined {
  (child as { parent: ts.Node }).parent = parent;
  pending.push(child);
  return undefined;
}

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
    ((name: string, definedIn: string, owner?: string) =>
      callers
        .mentioning(name, definedIn, owner)
        .map((file) =>
          file === resolve(analysed.fileName) ? analysed : (program?.getSourceFile(file) ?? others.get(file)),
        )
        .filter((f): f is ts.SourceFile => !!f));

  const session: AnalysisSession = {
    analyze(file) {
      const fromProgram = program?.getSourceFile(file);
      // The callers' index read every file once already (a text within the size limit): not again.
      const known = texts.get(file) ?? callers?.diskText(file);
      const sizeProblem = known === undefined ? checkSize(file) : undefined;
      if (sizeProblem) return { kind: "skipped", file, reason: sizeProblem };
      let sourceFile = fromProgram;
      if (!sourceFile) {
        const text = known ?? readText(file);
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
          moduleCandidates: fromProgram ? undefined : (from, specifier) => others.moduleCandidates(from, specifier),
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
  /**
   * Paths that hold no file to read, kept apart from the trees: resolving an import tries several
   * (`x.ts`, `x.tsx`, `x/index.ts`), and a barrel of a hundred `export *` would push every tree out.
   */
  private readonly absent = new Set<string>();
  /** Where bare import specifiers point, from the tsconfig.json files above each importer (`paths`, `baseUrl`). */
  private mapper = createModuleMapper(readConfigText);
  /** `textOf`: a newer text than the disk's (the CLI's fixed texts, the editor's open documents). */
  constructor(private readonly textOf: (file: string) => string | undefined) {}

  /** Candidate paths (no extension) a bare specifier imported by `from` maps to in the project's tsconfig. */
  moduleCandidates(from: string, specifier: string): readonly string[] {
    return this.mapper(from, specifier);
  }

  get(fileName: string): ts.SourceFile | undefined {
    const file = resolve(fileName);
    const hit = this.parsed.get(file);
    if (hit !== undefined) {
      this.parsed.delete(file);
      this.parsed.set(file, hit);
      return hit ?? undefined;
    }
    const open = this.textOf(file);
    if (open === undefined && this.absent.has(file)) return undefined;
    let sourceFile: ts.SourceFile | null = null;
    if (!file.split(/[\\/]/).includes("node_modules")) {
      const text = open ?? (checkSize(file) ? undefined : readText(file));
      if (typeof text === "string") sourceFile = parseFile(file, text);
    }
    if (sourceFile) this.keep(file, sourceFile);
    else if (open === undefined) this.absent.add(file);
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
    return parseFile(file, text);
  }

  private keep(file: string, sourceFile: ts.SourceFile | null): void {
    this.parsed.delete(file);
    if (this.parsed.size >= OTHER_FILES_KEPT) this.parsed.delete(this.parsed.keys().next().value!);
    this.parsed.set(file, sourceFile);
  }

  /** After `--fix` rewrote files, their old trees are stale. */
  forget(files: Iterable<string>): void {
    for (const file of files) {
      this.parsed.delete(resolve(file));
      this.absent.delete(resolve(file));
      if (/(?:^|[\\/])tsconfig[^\\/]*\.json$/.test(file)) this.mapper = createModuleMapper(readConfigText);
    }
  }
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

/** A tsconfig's text, or undefined when there is none to read. */
function readConfigText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

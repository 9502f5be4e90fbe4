// One document's text through the analyzer, with the bundled TypeScript. Trouble stays
// per file: a crash or an oversized file is reported to the caller, never thrown.
import { dirname, resolve } from "node:path";
import ts from "typescript";
import { analyzeSourceFile, mayHaveFindings, type Finding, type Proof, type SqlParser } from "../analyzer";
import { isScriptMigration, looksLikeMigration } from "../analyzer/migrations";
import { applyRuleLevels, parseFile, type OtherFiles } from "../cli/analysis";
import type { CallerFiles } from "../cli/caller-files";
import { hasSourceExtension } from "../cli/files";
import type { TypedPrograms } from "./typed-programs";
import type { ConfigContext, WorkspaceModel } from "./workspace";

/**
 * Larger files are not checked in the editor. The analyzer is synchronous and takes about
 * 2.5 s per MB of dense SQL, which would stall every request meanwhile; the CLI's limit
 * (5 MB) suits a batch run, not a message loop.
 */
export const MAX_EDITOR_FILE_CHARS = 1024 * 1024;

export type DocumentAnalysis =
  /**
   * `sourceFile` is absent when the text cannot hold a query: it was never parsed. `proofs` is
   * present when they were asked for (hovers).
   */
  | { kind: "ok"; findings: Finding[]; sourceFile: ts.SourceFile | undefined; context: ConfigContext; proofs?: Proof[] }
  | { kind: "skipped"; reason: string }
  | { kind: "crashed"; message: string };

/**
 * The trees of the files that name a function: in type-aware mode those of the analysed file's
 * own program, else (and for files outside that program) parsed once by `others`. A tree of
 * another tsconfig's program would be resolved with this program's checker, which knows
 * nothing of its nodes. A file's program is that of its nearest tsconfig.json (TypedPrograms).
 */
function callerTreesOf(
  programs: TypedPrograms | undefined,
  others: OtherFiles | undefined,
  typed: { file: string; checker: ts.TypeChecker } | undefined,
  /** The analysed document's own tree: handed back for itself, never parsed again. */
  analysed: ts.SourceFile,
): (index: CallerFiles | undefined, name: string, definedIn: string, owner?: string) => ts.SourceFile[] {
  const analysedFile = resolve(analysed.fileName);
  const byDir = new Map<string, string | undefined>();
  const tsconfigOf = (file: string) => {
    const dir = dirname(file);
    if (!byDir.has(dir)) byDir.set(dir, ts.findConfigFile(dir, ts.sys.fileExists));
    return byDir.get(dir);
  };
  const tsconfig = typed && tsconfigOf(typed.file);
  return (index, name, definedIn, owner) =>
    (index?.mentioning(name, definedIn, owner) ?? []).flatMap((file) => {
      if (resolve(file) === analysedFile) return [analysed];
      // Another tsconfig's file is not looked up at all: that would build its project.
      const own = typed && tsconfigOf(file) === tsconfig ? programs?.typedSource(file) : undefined;
      const tree = own?.checker === typed?.checker && own ? own.sourceFile : others?.get(file);
      return tree ? [tree] : [];
    });
}

export function analyzeText(
  file: string,
  text: string,
  workspace: WorkspaceModel,
  parser: SqlParser,
  programs?: TypedPrograms,
  /** The tree of this document's previous version: reparsed incrementally, as tsserver does. */
  previous?: ts.SourceFile,
  /** Also collect how each safe query was proven (for hovers); costs a little more. */
  explain = false,
  /** Other files of the workspace, for helpers imported from them (untyped mode). */
  others?: OtherFiles,
  /** The files of a config root that may call a function: a by-id query on a parameter is judged at its calls. */
  callers?: (rootDir: string) => CallerFiles | undefined,
): DocumentAnalysis {
  if (!hasSourceExtension(file)) return { kind: "skipped", reason: "not a TypeScript or JavaScript file" };
  // Generated bundles and minified vendor files, mostly: megabytes not worth blocking the editor for.
  if (text.length > MAX_EDITOR_FILE_CHARS)
    return { kind: "skipped", reason: `larger than ${MAX_EDITOR_FILE_CHARS / 1024 / 1024} MB` };
  try {
    const context = workspace.contextFor(file);
    if (workspace.isIgnored(file, context))
      return { kind: "skipped", reason: "ignored by the config, the default excludes or .gitignore" };
    // Most files hold no query: skipping their parse is most of the speed of a workspace scan. A
    // script migration is schema, run once at deploy (its backfills go over every tenant on purpose).
    if (
      !mayHaveFindings(text) ||
      (context.migrationFiles.has(file) && isScriptMigration(file) && looksLikeMigration(text))
    )
      return { kind: "ok", findings: [], sourceFile: undefined, context, ...(explain && { proofs: [] }) };
    // The program's SourceFile is used only when it holds exactly this text.
    const typed = programs?.typedSource(file);
    const sourceFile =
      typed?.sourceFile.text === text
        ? typed.sourceFile
        : // A program's tree is shared with its language service: never reparse one in place.
          reparse(file, text, programs ? undefined : previous);
    const proofs: Proof[] | undefined = explain ? [] : undefined;
    const callerTrees = callerTreesOf(
      programs,
      others,
      typed?.sourceFile === sourceFile ? { file, checker: typed.checker } : undefined,
      sourceFile,
    );
    const findings = analyzeSourceFile({
      ts,
      sourceFile,
      checker: typed?.sourceFile === sourceFile ? typed.checker : undefined,
      config: context.config,
      model: context.model,
      parser,
      relativePath: workspace.relativePath(file, context),
      proofs,
      sourceFileOf: others && sourceFile !== typed?.sourceFile ? (other) => others.get(other) : undefined,
      moduleCandidates:
        others && sourceFile !== typed?.sourceFile
          ? (from, specifier) => others.moduleCandidates(from, specifier)
          : undefined,
      callerFiles:
        callers && ((name, definedIn, owner) => callerTrees(callers(context.config.rootDir), name, definedIn, owner)),
    });
    return {
      kind: "ok",
      findings: applyRuleLevels(context.config, findings),
      sourceFile,
      context,
      ...(proofs && { proofs }),
    };
  } catch (e) {
    return { kind: "crashed", message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
}

/**
 * A keystroke changes a few characters of a 3,000-line file: TypeScript's incremental parser
 * reuses every node outside the changed span. The span is the text between the common prefix
 * and suffix of the two versions (the client sends whole texts).
 */
function reparse(file: string, text: string, previous: ts.SourceFile | undefined): ts.SourceFile {
  if (!previous || previous.fileName !== file) {
    return parseFile(file, text);
  }
  const old = previous.text;
  let prefix = 0;
  const max = Math.min(old.length, text.length);
  while (prefix < max && old.charCodeAt(prefix) === text.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < max - prefix && old.charCodeAt(old.length - 1 - suffix) === text.charCodeAt(text.length - 1 - suffix))
    suffix++;
  const span = ts.createTextSpan(prefix, old.length - prefix - suffix);
  return ts.updateSourceFile(previous, text, ts.createTextChangeRange(span, text.length - prefix - suffix));
}

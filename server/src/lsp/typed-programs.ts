// Type-aware mode: one ts.LanguageService per tsconfig.json, fed the editor's open texts,
// so the analyzer gets a TypeChecker for open documents (a Prisma client known by its type
// whatever its name). Files no tsconfig includes are analyzed syntactically, as before.
// Workspace code is only parsed and type-checked, never run.
import { statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import ts from "typescript";
import { typescriptLibDir } from "../cli/typescript-lib";

export interface TypedSource {
  sourceFile: ts.SourceFile;
  checker: ts.TypeChecker;
}

/** An open document's text and version, by absolute path; undefined when not open. */
export type OpenDocumentLookup = (path: string) => { text: string; version: number } | undefined;

interface Project {
  service: ts.LanguageService;
  fileNames: Set<string>;
}

export class TypedPrograms {
  /** By tsconfig path; null when the tsconfig cannot be used (it is not retried until invalidated). */
  private readonly projects = new Map<string, Project | null>();
  private readonly registry = ts.createDocumentRegistry();
  private readonly libDir = typescriptLibDir();

  constructor(
    private readonly openDocument: OpenDocumentLookup,
    private readonly log: (message: string) => void,
  ) {}

  /** The file's SourceFile and checker from the program of the nearest tsconfig.json that includes it. */
  typedSource(file: string): TypedSource | undefined {
    const tsconfig = ts.findConfigFile(dirname(file), ts.sys.fileExists);
    if (!tsconfig) return undefined;
    const project = this.projectFor(resolve(tsconfig));
    if (!project?.fileNames.has(resolve(file))) return undefined;
    const program = project.service.getProgram();
    const sourceFile = program?.getSourceFile(file);
    return program && sourceFile ? { sourceFile, checker: program.getTypeChecker() } : undefined;
  }

  /** A tsconfig changed or files were added: projects are rebuilt on next use. */
  invalidate(): void {
    for (const project of this.projects.values()) project?.service.dispose();
    this.projects.clear();
  }

  private projectFor(tsconfig: string): Project | null {
    const known = this.projects.get(tsconfig);
    if (known !== undefined) return known;
    let project: Project | null = null;
    try {
      project = this.createProject(tsconfig);
    } catch (e) {
      this.log(`tenantguard: cannot use ${tsconfig} for type-aware checks: ${(e as Error).message}`);
    }
    this.projects.set(tsconfig, project);
    return project;
  }

  private createProject(tsconfig: string): Project | null {
    const parsed = ts.getParsedCommandLineOfConfigFile(
      tsconfig,
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) =>
          this.log(`tenantguard: ${tsconfig}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`),
      },
    );
    if (!parsed) return null;
    const fileNames = parsed.fileNames.map((f) => resolve(f));
    const host: ts.LanguageServiceHost = {
      getScriptFileNames: () => fileNames,
      getScriptVersion: (f) => {
        const open = this.openDocument(resolve(f));
        if (open) return `open:${open.version}`;
        try {
          return `disk:${statSync(f).mtimeMs}`;
        } catch {
          return "missing";
        }
      },
      getScriptSnapshot: (f) => {
        const text = this.openDocument(resolve(f))?.text ?? ts.sys.readFile(f);
        return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      },
      getCurrentDirectory: () => dirname(tsconfig),
      getCompilationSettings: () => parsed.options,
      getDefaultLibFileName: (options) => join(this.libDir, ts.getDefaultLibFileName(options)),
      getProjectReferences: () => parsed.projectReferences,
      fileExists: ts.sys.fileExists,
      readFile: ts.sys.readFile,
      readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
      realpath: ts.sys.realpath,
    };
    return { service: ts.createLanguageService(host, this.registry), fileNames: new Set(fileNames) };
  }
}

// A TypeScript program over in-memory files (type-aware mode in tests): no lib, bundler resolution.
import ts from "typescript";

export function memoryProgram(files: Record<string, string>): ts.Program {
  const options: ts.CompilerOptions = {
    noLib: true,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
  };
  const host = ts.createCompilerHost(options, true);
  host.fileExists = (f) => f in files;
  host.readFile = (f) => files[f];
  host.directoryExists = () => true;
  host.realpath = (f) => f;
  host.getSourceFile = (f, lang) => (f in files ? ts.createSourceFile(f, files[f], lang, true) : undefined);
  return ts.createProgram(Object.keys(files), options, host);
}

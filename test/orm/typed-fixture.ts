// A fixture project type-checked against the real ORM package installed in node_modules (its
// tsconfig.json says how, as a user of that ORM configures it), then analyzed file by file twice:
// with the program's TypeChecker and without one, the way the CLI runs with and without types.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { analyzeSourceFile } from "../../server/src/analyzer/analyze";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import type { ConfigFile } from "../../server/src/analyzer/config/types";
import { discoverTenantModel } from "../../server/src/analyzer/model/discover";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { createMemoryFs } from "../helpers/memory-fs";

/** One finding as the tests state it: where, which rule, and the text it underlines. */
export interface FixtureFinding {
  file: string;
  line: number;
  ruleId: string;
  at: string;
}

export interface TypedFixtureRun {
  /** The program's diagnostics: [] proves the fixture is valid code against the real types. */
  diagnostics: string[];
  /** Where each of the packages asked for resolved from: the real declarations in node_modules. */
  resolved: Record<string, string | undefined>;
  typed: FixtureFinding[];
  untyped: FixtureFinding[];
}

export function runTypedFixture(parser: SqlParser, dir: string, packages: readonly string[]): TypedFixtureRun {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(dir, "tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      },
    },
  )!;
  const program = ts.createProgram(parsed.fileNames, parsed.options);
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file
      ? `${relative(dir, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start!).line + 1} `
      : "";
    return where + ts.flattenDiagnosticMessageText(d.messageText, "\n");
  });

  const files = readTree(dir);
  const configPath = join(dir, "tenantguard.config.json");
  const config = resolveConfig(JSON.parse(files[configPath]) as ConfigFile, dir, configPath);
  const { model, errors } = discoverTenantModel(createMemoryFs(files), config, parser, ts);
  if (errors.length) throw new Error(`model errors: ${JSON.stringify(errors)}`);

  const checker = program.getTypeChecker();
  // Without a checker, the other files by path, as the CLI hands them over.
  const trees = new Map<string, ts.SourceFile>();
  const tree = (file: string) => {
    if (!(file in files)) return undefined;
    let t = trees.get(file);
    if (!t) trees.set(file, (t = ts.createSourceFile(file, files[file], ts.ScriptTarget.Latest, true)));
    return t;
  };
  const run = (typed: boolean): FixtureFinding[] =>
    [...parsed.fileNames].sort().flatMap((file) => {
      const sourceFile = typed ? program.getSourceFile(file)! : tree(file)!;
      const relativePath = relative(dir, file);
      return analyzeSourceFile({
        ts,
        sourceFile,
        checker: typed ? checker : undefined,
        sourceFileOf: typed ? undefined : tree,
        config,
        model,
        parser,
        relativePath,
      }).map((f) => ({
        file: relativePath,
        line: sourceFile.getLineAndCharacterOfPosition(f.start).line + 1,
        ruleId: f.ruleId,
        at: sourceFile.text.slice(f.start, f.end),
      }));
    });
  const from = join(dir, "src", "index.ts");
  const resolved = Object.fromEntries(
    packages.map((name) => [
      name,
      ts.resolveModuleName(name, from, parsed.options, ts.sys).resolvedModule?.resolvedFileName,
    ]),
  );
  return { diagnostics, resolved, typed: run(true), untyped: run(false) };
}

function readTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else out[full] = readFileSync(full, "utf8");
    }
  };
  walk(root);
  return out;
}

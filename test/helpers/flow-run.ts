// Runs the analyzer over a few files under /p/src the way the CLI does: other files by path
// (`sourceFileOf`) and the files whose text names a function (`callerFiles`), or through a
// program's checker (`typed`). What the flow tests assert: each missing-tenant-filter as
// `file:line: underlined text`, its message, and the proofs `--explain` would show.
import ts from "typescript";
import { analyzeSourceFile } from "../../server/src/analyzer/analyze";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import type { ConfigFile } from "../../server/src/analyzer/config/types";
import type { TenantModel } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import type { Proof } from "../../server/src/analyzer/types";
import { before } from "node:test";
import { prismaModel } from "../orm/prisma-harness";
import { memoryProgram } from "./memory-program";
import { modelOf } from "./model";
import { sqlParser } from "./sql";

export interface FlowRun {
  /** `file:line: underlined text` of each missing-tenant-filter (or `rules`) finding (file relative to /p/src). */
  flagged: string[];
  messages: string[];
  /** `file:line kind: message` of each proof kept by `options.proofs`. */
  proofs: string[];
}

export interface FlowRunOptions {
  /** Through a program and its checker; else other files by path. */
  typed?: boolean;
  /** `false`: no caller files are handed over (an editor without a workspace). */
  callers?: boolean;
  config?: ConfigFile;
  /** Which rules' findings to report; missing-tenant-filter by default. */
  rules?: readonly string[];
  /** Which proofs to report; all by default. */
  proofs?: (proof: Proof) => boolean;
}

export function runFlow(
  parser: SqlParser,
  model: TenantModel,
  files: Record<string, string>,
  options: FlowRunOptions = {},
): FlowRun {
  const program = options.typed ? memoryProgram(files) : undefined;
  const trees = new Map<string, ts.SourceFile>();
  const tree = (f: string) => {
    const fromProgram = program?.getSourceFile(f);
    if (fromProgram) return fromProgram;
    if (!(f in files)) return undefined;
    let t = trees.get(f);
    if (!t) trees.set(f, (t = ts.createSourceFile(f, files[f], ts.ScriptTarget.Latest, true)));
    return t;
  };
  const config = resolveConfig({ tenantColumns: ["tenant_id"], ...options.config }, "/p", undefined);
  const out: FlowRun = { flagged: [], messages: [], proofs: [] };
  for (const file of Object.keys(files).sort()) {
    const sourceFile = tree(file)!;
    const proofs: Proof[] = [];
    const findings = analyzeSourceFile({
      ts,
      sourceFile,
      checker: program?.getTypeChecker(),
      config,
      model,
      parser,
      relativePath: file.slice(3),
      proofs,
      sourceFileOf: program ? undefined : tree,
      callerFiles:
        options.callers === false
          ? undefined
          : (name) =>
              Object.keys(files)
                .filter((f) => files[f].includes(name))
                .map((f) => tree(f)!),
    }).filter((f) => (options.rules ?? ["missing-tenant-filter"]).includes(f.ruleId));
    const text = sourceFile.text;
    const at = (offset: number) => `${file.slice(7)}:${text.slice(0, offset).split("\n").length}`;
    for (const f of findings) {
      out.flagged.push(`${at(f.start)}: ${text.slice(f.start, f.end)}`);
      out.messages.push(f.message);
    }
    for (const p of proofs)
      if (!options.proofs || options.proofs(p)) out.proofs.push(`${at(p.start)} ${p.kind}: ${p.message}`);
  }
  return out;
}

/** A Prisma client in a file of its own, as the flow tests' files start. */
export const PRISMA_CLIENT = `import { PrismaClient } from "@prisma/client";\nexport const prisma = new PrismaClient();\n`;

/**
 * The flow tests' usual setup: the real SQL parser and a model, loaded once before the file's
 * tests run (prisma-harness's, or the one `schema` files give under `config`); `run` analyses files
 * with them, under that config unless the options say otherwise.
 */
export function harness(schema?: { files: Record<string, string>; config: ConfigFile }): {
  readonly parser: SqlParser;
  readonly model: TenantModel;
  run(files: Record<string, string>, options?: FlowRunOptions): FlowRun;
} {
  let parser: SqlParser | undefined;
  let model: TenantModel | undefined;
  before(async () => {
    parser = await sqlParser();
    model = schema ? modelOf(parser, schema.files, schema.config) : prismaModel(parser);
  });
  return {
    get parser() {
      return parser!;
    },
    get model() {
      return model!;
    },
    run: (files, options) => runFlow(parser!, model!, files, schema ? { config: schema.config, ...options } : options),
  };
}

// Loads a fixture app of test/fixtures/isolation/ into an in-memory file system and analyzes it
// the way the CLI does: config and tenant model from its files, every source file through
// analyzeSourceFile.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { analyzeSourceFile } from "../../server/src/analyzer/analyze";
import { loadConfig } from "../../server/src/analyzer/config/load";
import { discoverTenantModel } from "../../server/src/analyzer/model/discover";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { createMemoryFs } from "../helpers/memory-fs";

export const APPS = join(__dirname, "../fixtures/isolation");
const ROOT = "/app";

export interface Expected {
  file: string;
  line: number;
  ruleId: string;
  table: string;
  suppressed?: string;
}

function filesOf(dir: string, base = dir): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) Object.assign(out, filesOf(full, base));
    else if (name !== "EXPECTED.json") out[`${ROOT}/${relative(base, full)}`] = readFileSync(full, "utf8");
  }
  return out;
}

export function analyzeApp(parser: SqlParser, level: string) {
  const files = filesOf(join(APPS, level));
  const fs = createMemoryFs(files);
  const { config, errors: configErrors } = loadConfig(fs, { cwd: ROOT });
  const { model, errors } = discoverTenantModel(fs, config, parser, ts);
  const findings: Expected[] = [];
  for (const file of fs.glob(["src/**/*.ts"], ROOT)) {
    const sourceFile = ts.createSourceFile(file, fs.readFile(file)!, ts.ScriptTarget.Latest, true);
    const relativePath = file.slice(ROOT.length + 1);
    for (const f of analyzeSourceFile({ ts, sourceFile, config, model, parser, relativePath })) {
      findings.push({
        file: relativePath,
        line: sourceFile.getLineAndCharacterOfPosition(f.start).line + 1,
        ruleId: f.ruleId,
        table: f.table ?? "",
        ...(f.suppressed ? { suppressed: f.suppressed.reason } : {}),
      });
    }
  }
  return { config, model, findings, errors: [...configErrors, ...errors] };
}

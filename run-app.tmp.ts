import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { analyzeSourceFile } from "./server/src/analyzer/analyze";
import { resolveConfig } from "./server/src/analyzer/config/load";
import { discoverTenantModel } from "./server/src/analyzer/model/discover";
import { loadSqlParser } from "./server/src/analyzer/sql/parse";
import { createMemoryFs } from "./test/helpers/memory-fs";
const dir = process.argv[2];
const files: Record<string, string> = {};
const walk = (d: string) => { for (const n of readdirSync(d)) { const f = join(d, n); if (statSync(f).isDirectory()) walk(f); else files["/app/" + relative(dir, f)] = readFileSync(f, "utf8"); } };
walk(dir);
(async () => {
  const parser = await loadSqlParser();
  const fs = createMemoryFs(files);
  const config = resolveConfig(undefined, "/app", undefined);
  const { model, notes } = discoverTenantModel(fs, config, parser, ts);
  console.log(notes, [...model.tables.keys()], [...model.globalTables]);
  for (const file of Object.keys(files).filter((f) => f.endsWith(".ts")).sort()) {
    const sf = ts.createSourceFile(file, files[file], ts.ScriptTarget.Latest, true);
    for (const f of analyzeSourceFile({ ts, sourceFile: sf, config, model, parser, relativePath: file.slice(5) })) {
      console.log(file.slice(5), sf.getLineAndCharacterOfPosition(f.start).line + 1, f.ruleId, f.table, f.suppressed ? "SUPPRESSED" : "", f.message);
    }
  }
})();

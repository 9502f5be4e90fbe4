// A fixture app analyzed the way the CLI does it: the tenant model discovered zero-config from
// its schema, every source file through the real analyzer. EXPECTED.json lists every finding
// (file, line, rule, table); anything else is a false positive.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { analyzeSourceFile } from "../../server/src/analyzer/analyze";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import { discoverTenantModel } from "../../server/src/analyzer/model/discover";
import { createMemoryFs } from "../helpers/memory-fs";
import { sqlParser } from "../helpers/sql";

export async function checkFixtureApp(
  app: string,
  expectedModel: { tables: string[]; globalTables: string[] },
): Promise<void> {
  const parser = await sqlParser();
  const files = readTree(app);
  const fs = createMemoryFs(Object.fromEntries(Object.entries(files).map(([f, text]) => [`/app/${f}`, text])));
  const config = resolveConfig(undefined, "/app", undefined);
  const { model, errors } = discoverTenantModel(fs, config, parser, ts);
  assert.deepEqual(errors, []);
  assert.deepEqual([...model.tables.keys()].sort(), expectedModel.tables);
  assert.deepEqual([...model.globalTables].sort(), expectedModel.globalTables);

  const found = Object.keys(files)
    .filter((f) => f.endsWith(".ts"))
    .sort()
    .flatMap((file) => {
      const sourceFile = ts.createSourceFile(`/app/${file}`, files[file], ts.ScriptTarget.Latest, true);
      return analyzeSourceFile({ ts, sourceFile, config, model, parser, relativePath: file }).map((f) => ({
        file,
        line: sourceFile.getLineAndCharacterOfPosition(f.start).line + 1,
        ruleId: f.ruleId,
        table: f.table,
        ...(f.suppressed ? { suppressed: true } : {}),
      }));
    });
  assert.deepEqual(found, JSON.parse(files["EXPECTED.json"]));
}

function readTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[relative(root, full).replace(/\\/g, "/")] = readFileSync(full, "utf8");
    }
  };
  walk(root);
  return out;
}

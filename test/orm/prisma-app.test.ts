// A small SaaS backend written the way real ones are (services, routes, a shared client
// module, a schema with global models), analyzed the way the CLI does it: config and tenant
// model from the files on disk, every source file through analyzeSourceFile. EXPECTED.json
// lists every finding (file, line, rule, table); suppressed ones carry their reason.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { before, test } from "node:test";
import ts from "typescript";
import { analyzeSourceFile } from "../../server/src/analyzer/analyze";
import { loadConfig } from "../../server/src/analyzer/config/load";
import { discoverTenantModel } from "../../server/src/analyzer/model/discover";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { createNodeFileSystem } from "../../server/src/cli/node-fs";
import { sqlParser } from "../helpers/sql";

const APP = join(__dirname, "../fixtures/orm/prisma/app");

interface Expected {
  file: string;
  line: number;
  ruleId: string;
  table: string;
  suppressed?: string;
}

let parser: SqlParser;
before(async () => {
  parser = await sqlParser();
});

function analyzeApp() {
  const fs = createNodeFileSystem();
  const { config, errors: configErrors } = loadConfig(fs, { cwd: APP });
  const { model, errors, notes } = discoverTenantModel(fs, config, parser, ts);
  const findings: Expected[] = [];
  for (const file of fs.glob(["src/**/*.ts"], APP)) {
    const sourceFile = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    const relativePath = relative(APP, file).replace(/\\/g, "/");
    for (const f of analyzeSourceFile({ ts, sourceFile, config, model, parser, relativePath })) {
      const line = sourceFile.getLineAndCharacterOfPosition(f.start).line + 1;
      findings.push({
        file: relativePath,
        line,
        ruleId: f.ruleId,
        table: f.table ?? "",
        ...(f.suppressed ? { suppressed: f.suppressed.reason } : {}),
      });
    }
  }
  return { findings, model, errors: [...configErrors, ...errors], notes };
}

test("the tenant model comes from schema.prisma: owned by organization_id, the tenant and lookups global", () => {
  const { model, errors } = analyzeApp();
  assert.deepEqual(errors, []);
  assert.deepEqual([...model.tables.keys()].sort(), ["audit_logs", "invoices", "memberships", "projects", "tasks"]);
  assert.deepEqual([...model.globalTables].sort(), ["organizations", "plans", "users"]);
});

test("every finding in the app is the one EXPECTED.json lists", () => {
  const expected = JSON.parse(readFileSync(join(APP, "EXPECTED.json"), "utf8")) as Expected[];
  assert.deepEqual(analyzeApp().findings, expected);
});

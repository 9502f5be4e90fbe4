// A documents workspace (teams are the tenants; Prisma documents, Drizzle comments, raw SQL jobs, pins
// found among the team's own documents),
// with routers, a service class, repositories and helper functions across files: every way the
// flow proves ownership, each beside an unsafe twin. Analysed the way the CLI does it, with the
// program's checker (`--project`): EXPECTED.json lists every finding (file, line, rule, table);
// anything else is a false positive, anything missing a false negative. Without a checker the
// same holds when the caller hands over the other files (`sourceFileOf`); with neither, helpers
// imported from another file are not followed, so their callers' by-id calls stay flagged.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { before, test } from "node:test";
import ts from "typescript";
import { analyzeSourceFile } from "../../server/src/analyzer/analyze";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import type { ConfigFile } from "../../server/src/analyzer/config/types";
import { discoverTenantModel } from "../../server/src/analyzer/model/discover";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import type { Proof } from "../../server/src/analyzer/types";
import { createMemoryFs } from "../helpers/memory-fs";
import { sqlParser } from "../helpers/sql";

const APP = join(__dirname, "..", "fixtures", "ownership-app");

interface Found {
  file: string;
  line: number;
  ruleId: string;
  table?: string;
  message?: string;
}

let parser: SqlParser;
before(async () => {
  parser = await sqlParser();
});

/** `typed`: through a program and its checker; `imports`: no checker, other files handed over by path. */
function analyzeApp(mode: "typed" | "untyped" | "imports"): { findings: Found[]; proofs: string[] } {
  const typed = mode === "typed";
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else files[full] = readFileSync(full, "utf8");
    }
  };
  walk(APP);
  const configPath = join(APP, "tenantguard.config.json");
  const config = resolveConfig(JSON.parse(files[configPath]) as ConfigFile, APP, configPath);
  const { model, errors } = discoverTenantModel(createMemoryFs(files), config, parser, ts);
  assert.deepEqual(errors, []);
  assert.deepEqual([...model.tables.keys()].sort(), ["comments", "documents", "folders"]);

  const sources = Object.keys(files)
    .filter((f) => relative(APP, f).startsWith("src/") && f.endsWith(".ts"))
    .sort();
  const program = typed ? memoryProgram(files, sources) : undefined;
  const findings: Found[] = [];
  const proofs: string[] = [];
  for (const file of sources) {
    const rel = relative(APP, file);
    const sourceFile =
      program?.getSourceFile(file) ?? ts.createSourceFile(file, files[file], ts.ScriptTarget.Latest, true);
    const sink: Proof[] = [];
    const checker = program?.getTypeChecker();
    const sourceFileOf = mode === "imports" ? (f: string) => parsed(files, f) : undefined;
    // The CLI hands over the run's files that name a function, to judge its calls.
    const callerFiles =
      mode === "untyped"
        ? undefined
        : (name: string) =>
            sources.filter((f) => files[f].includes(name)).map((f) => program?.getSourceFile(f) ?? parsed(files, f)!);
    for (const f of analyzeSourceFile({
      ts,
      sourceFile,
      checker,
      config,
      model,
      parser,
      relativePath: rel,
      proofs: sink,
      sourceFileOf,
      callerFiles,
    }).filter((f) => !f.suppressed))
      findings.push({
        file: rel,
        line: lineOf(sourceFile, f.start),
        ruleId: f.ruleId,
        table: f.table,
        message: f.message,
      });
    for (const p of sink)
      if (["owned-key", "ownership-check", "built-from-tenant", "helper", "authorized", "callers"].includes(p.kind))
        proofs.push(`${rel}:${lineOf(sourceFile, p.start)} ${p.kind}: ${p.message}`);
  }
  return { findings, proofs };
}

/** The app's own files as one program; packages it imports do not resolve (their values are `any`). */
function memoryProgram(files: Record<string, string>, roots: string[]): ts.Program {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    noLib: true,
    noEmit: true,
  };
  const host = ts.createCompilerHost(options, true);
  host.fileExists = (f) => f in files;
  host.readFile = (f) => files[f];
  host.directoryExists = (d) => APP.startsWith(d) || d.startsWith(APP);
  host.getSourceFile = (f, lang) => (f in files ? ts.createSourceFile(f, files[f], lang, true) : undefined);
  return ts.createProgram(roots, options, host);
}

const parsedFiles = new Map<string, ts.SourceFile>();

/** Each file parsed once, the way a CLI run would share them. */
function parsed(files: Record<string, string>, fileName: string): ts.SourceFile | undefined {
  if (!(fileName in files)) return undefined;
  let sf = parsedFiles.get(fileName);
  if (!sf)
    parsedFiles.set(fileName, (sf = ts.createSourceFile(fileName, files[fileName], ts.ScriptTarget.Latest, true)));
  return sf;
}

function lineOf(sourceFile: ts.SourceFile, offset: number): number {
  return sourceFile.getLineAndCharacterOfPosition(offset).line + 1;
}

const expected = () => JSON.parse(readFileSync(join(APP, "EXPECTED.json"), "utf8")) as Found[];
const brief = (list: Found[]) => list.map(({ file, line, ruleId, table }) => ({ file, line, ruleId, table }));

test("with the checker: exactly the findings in EXPECTED.json", () => {
  assert.deepEqual(brief(analyzeApp("typed").findings), expected());
});

test("without a checker or other files: also the by-id calls whose proof is a helper or a caller in another file", () => {
  const at = (file: string, line: number): Found => ({ file, line, ruleId: "missing-tenant-filter" });
  const extra = [
    { ...at("src/jobs/purge.ts", 19), table: "documents" },
    { ...at("src/repositories/document-writes.ts", 7), table: "documents" },
    { ...at("src/repositories/document-writes.ts", 17), table: "documents" },
    { ...at("src/routes/comments.ts", 23), table: "comments" },
    { ...at("src/routes/comments.ts", 52), table: "comments" },
    { ...at("src/routes/documents.ts", 13), table: "documents" },
    { ...at("src/routes/documents.ts", 24), table: "documents" },
    { ...at("src/services/documents.service.ts", 14), table: "documents" },
    { ...at("src/services/folders.service.ts", 12), table: "folders" },
  ];
  const key = (f: Found) => `${f.file}:${String(f.line).padStart(4)}`;
  assert.deepEqual(
    brief(analyzeApp("untyped").findings),
    [...expected(), ...extra].sort((a, b) => key(a).localeCompare(key(b))),
  );
});

test("without a checker, handed the other files: relative imports of helpers are followed", () => {
  assert.deepEqual(brief(analyzeApp("imports").findings), expected());
});

test("a check that falls through and a check that only logs say why they do not count", () => {
  const { findings } = analyzeApp("typed");
  const message = (line: number) =>
    findings.find((f) => f.file === "src/routes/documents.ts" && f.line === line)?.message;
  assert.match(message(48)!, /ownership check on line 49 falls through: its branch neither throws nor returns/);
  assert.match(message(56)!, /ownership check on line 57 falls through/);
});

test("a data-layer finding names the call that passes an unproven key", () => {
  const { findings } = analyzeApp("typed");
  const restore = findings.find((f) => f.file === "src/repositories/document-writes.ts" && f.line === 12);
  assert.match(
    restore?.message ?? "",
    /Its key `id` is a parameter of `restoreDocument`: the call on documents\.actions\.ts line 21 passes `input\.documentId`, which nothing there ties to the tenant\./,
  );
});

test("every finding the flow dropped is explained", () => {
  assert.deepEqual(analyzeApp("typed").proofs, [
    "src/jobs/purge.ts:9 owned-key: key `ids` comes from the scoped query on line 6",
    "src/jobs/purge.ts:19 helper: key `ids` comes from `archivedDocumentIds` (documents.ts line 11), which returns ids of rows of a scoped query",
    "src/jobs/purge.ts:25 ownership-check: the row's team_id is checked against the tenant on line 26",
    "src/jobs/purge.ts:27 ownership-check: the row's team_id is checked against the tenant on line 26",
    "src/jobs/purge.ts:40 owned-key: key `row.id` comes from the scoped query on line 38",
    "src/repositories/document-writes.ts:7 callers: key `id` is a parameter of `archiveDocument`, and every call passes a proven key: documents.actions.ts line 8: key `input.documentId` is passed to the authorization check `checkTeamAccess` on line 7 (and 1 more call)",
    "src/repositories/document-writes.ts:17 callers: key `id` is a parameter of `retitleDocument`, and every call passes a proven key: documents.actions.ts line 26: key `input.documentId` is passed to the authorization check `canEditDocument` on line 25",
    "src/routes/comments.ts:23 helper: key `comment.id` comes from `getComment` (comments.ts line 7), which returns a row of a scoped query",
    "src/routes/comments.ts:34 helper: key `open.map((c) => c.id)` comes from `openComments` (line 13), which returns rows of a scoped query",
    "src/routes/comments.ts:47 owned-key: key `created.id` is the id of the row created with the tenant on line 43",
    "src/routes/comments.ts:52 helper: `assertSameTeam` (context.ts line 11) checks the row's teamId against the tenant and throws otherwise",
    "src/routes/documents.ts:13 helper: key `doc.id` comes from `getDocumentById` (documents.ts line 6), which returns a row of a scoped query",
    "src/routes/documents.ts:24 helper: key `req.params.id` is verified by `requireDocument` (documents.ts line 17), which throws unless a scoped query finds it",
    "src/routes/documents.ts:42 ownership-check: the row's teamId is checked against the tenant on line 43",
    "src/routes/documents.ts:63 built-from-tenant: key `` `${ctx.teamId}:welcome` `` is built from the tenant value",
    "src/routes/pins.ts:19 helper: key `docId` is verified by `getTeamAndDocument` (line 5), which throws unless a scoped query finds it (when one is given; without one this query fails or matches nothing)",
    "src/routes/pins.ts:25 helper: key `document!.id` comes from `getTeamAndDocument` (line 5), which returns a row of a scoped query",
    "src/services/documents.service.ts:9 helper: key `doc.id` comes from `owned` (line 30), which returns a row whose tenant it checks",
    "src/services/documents.service.ts:14 helper: key `id` is verified by `requireDocument` (documents.ts line 17), which throws unless a scoped query finds it",
    "src/services/documents.service.ts:27 owned-key: key `copy.id` is the id of the row created with the tenant on line 24",
    "src/services/documents.service.ts:31 ownership-check: the row's teamId is checked against the tenant on line 33",
    "src/services/folders.service.ts:12 helper: key `folder.id` comes from `byId` (folders.repository.ts line 6), which returns a row of a scoped query",
  ]);
});

// Type-aware mode against the real Prisma 7 client: the test runs `prisma generate` on the
// fixture's schema, type-checks the fixture (which imports PrismaClient and the Prisma namespace
// from the generated client, as Prisma 7 apps do) without errors, and analyzes it with that
// program's TypeChecker and without one. Clients are recognised by type through parameters,
// fields, imports and `$extends` results of any name, a tenant value whose type includes
// undefined is weak, non-Prisma objects with a Prisma-like name are left alone, a client typed as
// what a configured scoped factory returns is scoped, and every fix leaves the program type-correct.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { before, describe, test } from "node:test";
import ts from "typescript";
import type { TenantModel } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { applyEdits } from "../helpers/analyze";
import { sqlParser } from "../helpers/sql";
import { generatePrismaClient } from "./prisma-generate";
import { analyzePrisma, prismaModel } from "./prisma-harness";

const DIR = join(__dirname, "../fixtures/orm/prisma/typed");
const SERVICE = join(DIR, "src/invoices.ts");

/** [line, rule, underlined text] with the generated client's types. */
const TYPED: [number, string, string][] = [
  [6, "missing-tenant-filter", "findUnique({ where: { id } })"], // `store: PrismaClient`
  [10, "weak-tenant-filter", "findMany({ where: { tenantId } })"], // tenantId: string | undefined
  [18, "missing-tenant-filter", "delete({ where: { id } })"], // the tx of $transaction
  [22, "missing-tenant-filter", "findFirst({ where: { status } })"], // `t: Prisma.TransactionClient`
  [29, "missing-tenant-filter", "findUnique({ where: { id } })"], // the field `this.store`
  // 35, 40: the where's and the data's types require tenantId
  // 48, 49: `db: Models` is not a Prisma client
  [63, "missing-tenant-filter", 'findMany({ orderBy: { number: "desc" }, take: 20 })'],
  [67, "missing-tenant-filter", 'deleteMany({ where: { id, status: "draft" } })'],
  [75, "missing-tenant-filter", "count({ where: { status } })"], // NestJS-style `this.db`
  [86, "missing-tenant-filter", "findFirst({ where: { id } })"], // an `$extends` client
  [91, "missing-tenant-filter", 'findMany({ where: { status: "archived" } })'], // imported `database`
  // 99: `session?.tenantId` with `session: Session`
  [100, "weak-tenant-filter", "findMany({ where: { tenantId: maybe?.tenantId } })"], // `maybe: Session | null`
];

/** [line, rule] from syntax alone. */
const UNTYPED: [number, string][] = [
  [6, "missing-tenant-filter"], // `store: PrismaClient` by its annotation
  [10, "weak-tenant-filter"], // `tenantId: string | undefined` by its annotation
  // line 29: `this.store` is not a client name
  [18, "missing-tenant-filter"], // the tx of $transaction
  [22, "missing-tenant-filter"], // `t: Prisma.TransactionClient` by its annotation
  [35, "dynamic-sql"], // the where's type is what proves it scoped
  [40, "dynamic-sql"],
  [48, "missing-tenant-on-insert"], // `db` looks like a Prisma client by name alone
  [49, "missing-tenant-filter"],
  [63, "missing-tenant-filter"],
  [67, "missing-tenant-filter"],
  [75, "missing-tenant-filter"], // `this.db` by its name
  // line 86: `ledger: AuditedClient` says Prisma only by type
  [91, "missing-tenant-filter"], // the imported `database`, by its name
  // 99: `session?.tenantId` with `session: Session`, by its annotation
  [100, "weak-tenant-filter"], // `maybe: Session | null`
];

let parser: SqlParser;
let model: TenantModel;
let fixture: ts.Program;
before(async () => {
  generatePrismaClient(DIR);
  parser = await sqlParser();
  model = prismaModel(parser, readFileSync(join(DIR, "prisma/schema.prisma"), "utf8"));
  fixture = program();
});

const parsed = () =>
  ts.getParsedCommandLineOfConfigFile(
    join(DIR, "tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(ts.flattenDiagnosticMessageText(d.messageText, "\n")),
    },
  )!;

// Parsed files are shared by every program the tests build: the generated client is parsed once.
const sourceFiles = new Map<string, ts.SourceFile>();

/** The fixture's program, with `overrides` replacing file texts (for checking a fix). */
function program(overrides: Record<string, string> = {}): ts.Program {
  const { fileNames, options } = parsed();
  const host = ts.createCompilerHost(options, true);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, language, onError) => {
    if (overrides[fileName] !== undefined) return ts.createSourceFile(fileName, overrides[fileName], language, true);
    let file = sourceFiles.get(fileName);
    if (!file) {
      file = read(fileName, language, onError);
      if (file) sourceFiles.set(fileName, file);
    }
    return file;
  };
  return ts.createProgram({ rootNames: fileNames, options, host });
}

function typeErrors(p: ts.Program): string[] {
  return ts.getPreEmitDiagnostics(p).map((d) => {
    const where = d.file
      ? `${relative(DIR, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start!).line + 1} `
      : "";
    return where + ts.flattenDiagnosticMessageText(d.messageText, "\n");
  });
}

function findings(p: ts.Program | undefined, text = fixture.getSourceFile(SERVICE)!.text) {
  return analyzePrisma(parser, text, { program: p, fileName: SERVICE, model });
}

function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split("\n").length;
}

describe("type-aware Prisma against the generated Prisma 7 client", () => {
  test("the fixture imports the client prisma generate just wrote, and type-checks against it", () => {
    const { options } = parsed();
    const resolve = (name: string, from: string) =>
      ts.resolveModuleName(name, from, options, ts.sys).resolvedModule?.resolvedFileName;
    const client = resolve("../generated/prisma/client", SERVICE);
    assert.equal(client, join(DIR, "generated/prisma/client.ts"));
    assert.match(readFileSync(client!, "utf8"), /code generated by Prisma/);
    assert.match(resolve("@prisma/client/runtime/client", client!) ?? "", /\/node_modules\/@prisma\/client\/runtime\//);
    assert.deepEqual(typeErrors(fixture), []);
  });

  test("findings by type: clients of any name, weak by type, not-Prisma by type", () => {
    const text = fixture.getSourceFile(SERVICE)!.text;
    assert.deepEqual(
      findings(fixture).map((f) => [lineOf(text, f.start), f.ruleId, text.slice(f.start, f.end)]),
      TYPED,
    );
  });

  test("the weak finding names the type that includes undefined", () => {
    const weak = findings(fixture).find((f) => f.ruleId === "weak-tenant-filter")!;
    assert.match(weak.message, /its type is `string \| undefined`/);
  });

  test("the same code without a checker: what syntax alone can and cannot tell", () => {
    const text = fixture.getSourceFile(SERVICE)!.text;
    assert.deepEqual(
      findings(undefined).map((f) => [lineOf(text, f.start), f.ruleId]),
      UNTYPED,
    );
  });

  test("a client typed as what a configured scoped factory returns needs no tenant filter", () => {
    const file = join(DIR, "src/tenant-scoped.ts");
    const text = fixture.getSourceFile(file)!.text;
    const run = (p?: ts.Program) =>
      analyzePrisma(parser, text, {
        program: p,
        fileName: file,
        model,
        config: { clients: { scoped: ["forTenant"] } },
      }).map((f) => [lineOf(text, f.start), f.ruleId]);
    // An imported `TenantClient = ReturnType<typeof forTenant>`, that type inline, a local alias, `forTenant(id)`
    assert.deepEqual(run(fixture), []);
    // Without types the imported alias says nothing (the local one does), and `db` is a client's name.
    assert.deepEqual(run(undefined), [[5, "missing-tenant-filter"]]);
  });

  test("the safe fixes keep the program type-correct and remove their findings", () => {
    const text = fixture.getSourceFile(SERVICE)!.text;
    const all = findings(fixture);
    const safe = all.filter((f) => f.fixes[0]?.safe);
    assert.deepEqual(
      safe.map((f) => [lineOf(text, f.start), f.fixes[0].title]),
      [
        [6, "Use the id_tenantId unique"],
        [63, "Add tenantId to the where"],
        [67, "Add tenantId to the where"],
      ],
    );
    const fixed = applyEdits(
      text,
      safe.flatMap((f) => f.fixes[0].edits),
    );
    assert.match(fixed, /store\.invoice\.findUnique\(\{ where: \{ id_tenantId: \{ id, tenantId \} \} \}\)/);
    const after = program({ [SERVICE]: fixed });
    assert.deepEqual(typeErrors(after), []);
    assert.deepEqual(
      findings(after, fixed).map((f) => lineOf(fixed, f.start)),
      all.filter((f) => !safe.includes(f)).map((f) => lineOf(text, f.start)),
    );
  });

  test("the other fixes are right against the real types but for the tenant value they ask for", () => {
    const text = fixture.getSourceFile(SERVICE)!.text;
    const unsafe = findings(fixture).filter((f) => f.fixes[0] && !f.fixes[0].safe);
    // The fixture's six placeholder fixes (the tenant value is not in scope there).
    assert.equal(unsafe.length, 6);
    const fixed = applyEdits(
      text,
      unsafe.flatMap((f) => f.fixes[0].edits),
    );
    assert.deepEqual(
      typeErrors(program({ [SERVICE]: fixed })),
      unsafe.map((f) => `src/invoices.ts:${lineOf(text, f.start)} Cannot find name 'tenantId'.`),
    );
  });
});

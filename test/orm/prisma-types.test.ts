// Type-aware mode: a program over a fixture with hand-written declarations in the shape
// `prisma generate` emits. Clients are recognised by type through parameters and fields of
// any name, a tenant value whose type includes undefined is weak, non-Prisma objects with a
// Prisma-like name are left alone, and a fix leaves the program type-correct.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { join } from "node:path";
import ts from "typescript";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { applyEdits } from "../helpers/analyze";
import { sqlParser } from "../helpers/sql";
import { analyzePrisma, prismaModel } from "./prisma-harness";

const DIR = join(__dirname, "../fixtures/orm/prisma/typed");
const SERVICE = join(DIR, "src/invoices.ts");
const SCHEMA = `model Tenant {\n  id String @id\n  invoices Invoice[]\n}\nmodel Plan {\n  id String @id\n  name String\n}\nmodel Invoice {\n  id String @id\n  tenantId String\n  tenant Tenant @relation(fields: [tenantId], references: [id])\n  number String\n  status String\n  total Int\n  @@unique([id, tenantId])\n}\n`;

let parser: SqlParser;
before(async () => {
  parser = await sqlParser();
});

/** The fixture's program, with `overrides` replacing file texts (for checking a fix). */
function program(overrides: Record<string, string> = {}): ts.Program {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(DIR, "tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(ts.flattenDiagnosticMessageText(d.messageText, "\n")),
    },
  )!;
  const host = ts.createCompilerHost(parsed.options, true);
  const original = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, language, onError) =>
    overrides[fileName] !== undefined
      ? ts.createSourceFile(fileName, overrides[fileName], language, true)
      : original(fileName, language, onError);
  return ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, host });
}

function typeErrors(p: ts.Program): string[] {
  return ts
    .getPreEmitDiagnostics(p)
    .map((d) => `${d.file?.fileName.slice(DIR.length)}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
}

function findings(p: ts.Program) {
  const text = p.getSourceFile(SERVICE)!.text;
  return analyzePrisma(parser, text, { program: p, fileName: SERVICE, model: prismaModel(parser, SCHEMA) });
}

describe("type-aware Prisma", () => {
  test("the fixture's declarations are honest: the fixture type-checks", () => {
    assert.deepEqual(typeErrors(program()), []);
  });

  test("findings by type: clients of any name, weak by type, not-Prisma by type", () => {
    const p = program();
    const text = p.getSourceFile(SERVICE)!.text;
    const lineOf = (offset: number) => text.slice(0, offset).split("\n").length;
    assert.deepEqual(
      findings(p).map((f) => [lineOf(f.start), f.ruleId, text.slice(f.start, f.end)]),
      [
        [5, "missing-tenant-filter", "findUnique({ where: { id } })"],
        [9, "weak-tenant-filter", "findMany({ where: { tenantId } })"],
        [17, "missing-tenant-filter", "delete({ where: { id } })"],
        [21, "missing-tenant-filter", "findFirst({ where: { status } })"],
        [28, "missing-tenant-filter", "findUnique({ where: { id } })"],
        [62, "missing-tenant-filter", 'findMany({ orderBy: { number: "desc" }, take: 20 })'],
        [66, "missing-tenant-filter", 'deleteMany({ where: { id, status: "draft" } })'],
      ],
    );
  });

  test("the weak finding names the type that includes undefined", () => {
    const weak = findings(program()).find((f) => f.ruleId === "weak-tenant-filter")!;
    assert.match(weak.message, /its type is `string \| undefined`/);
  });

  test("the same code without a checker: what syntax alone can and cannot tell", () => {
    const text = program().getSourceFile(SERVICE)!.text;
    const lineOf = (offset: number) => text.slice(0, offset).split("\n").length;
    const found = analyzePrisma(parser, text, { fileName: SERVICE, model: prismaModel(parser, SCHEMA) }).map((f) => [
      lineOf(f.start),
      f.ruleId,
    ]);
    assert.deepEqual(found, [
      [5, "missing-tenant-filter"], // `store: PrismaClient` by its annotation
      // line 9: `string | undefined` is invisible without types; line 28: `this.store` is not a client name
      [17, "missing-tenant-filter"], // the tx of $transaction
      [21, "missing-tenant-filter"], // `t: Prisma.TransactionClient` by its annotation
      [34, "dynamic-sql"], // the where's type is what proves it scoped
      [39, "dynamic-sql"],
      [47, "missing-tenant-on-insert"], // `db` looks like a Prisma client by name alone
      [48, "missing-tenant-filter"],
      [62, "missing-tenant-filter"],
      [66, "missing-tenant-filter"],
    ]);
  });

  test("the fix for findUnique by id keeps the program type-correct", () => {
    const p = program();
    const text = p.getSourceFile(SERVICE)!.text;
    const first = findings(p)[0];
    assert.equal(first.fixes[0].title, "Use the id_tenantId unique");
    const fixed = applyEdits(text, first.fixes[0].edits);
    assert.match(fixed, /store\.invoice\.findUnique\(\{ where: \{ id_tenantId: \{ id, tenantId \} \} \}\)/);
    const after = program({ [SERVICE]: fixed });
    assert.deepEqual(typeErrors(after), []);
    assert.equal(findings(after).length, findings(p).length - 1);
  });

  test("every safe fix in the fixture keeps the program type-correct and removes its finding", () => {
    const p = program();
    const text = p.getSourceFile(SERVICE)!.text;
    const safe = findings(p).filter((f) => f.fixes[0]?.safe);
    assert.equal(safe.length, 3);
    for (const f of safe) {
      const after = program({ [SERVICE]: applyEdits(text, f.fixes[0].edits) });
      assert.deepEqual(typeErrors(after), [], f.fixes[0].title);
      assert.equal(findings(after).length, findings(p).length - 1, f.fixes[0].title);
    }
  });
});

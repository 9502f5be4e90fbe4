// Every Prisma fix fixture: the text after the fix, the file still parses, and re-analysis
// shows the finding gone.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import type { ConfigFile } from "../../server/src/analyzer/config/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { applyEdits, syntaxErrors } from "../helpers/analyze";
import { sqlParser } from "../helpers/sql";
import { analyzePrisma, prismaModel, SCHEMA } from "./prisma-harness";

let parser: SqlParser;
before(async () => {
  parser = await sqlParser();
});

interface FixCase {
  name: string;
  code: string;
  expected: string;
  config?: ConfigFile;
  safe?: boolean;
  title?: string;
}

const HEADER = `import { PrismaClient } from "@prisma/client";\nconst prisma = new PrismaClient();\n`;
const fn = (body: string, params = "id: string, tenantId: string") =>
  `${HEADER}export async function f(${params}) {\n  ${body}\n}\n`;

const cases: FixCase[] = [
  {
    name: "findUnique by id: the compound unique",
    code: fn("return prisma.invoice.findUnique({ where: { id } });"),
    expected: fn("return prisma.invoice.findUnique({ where: { id_tenantId: { id, tenantId } } });"),
    title: "Use the id_tenantId unique",
  },
  {
    name: "findUniqueOrThrow keeps the other where keys beside the compound unique",
    code: fn("return prisma.invoice.findUniqueOrThrow({ where: { id: id, status: 'open' } });"),
    expected: fn(
      "return prisma.invoice.findUniqueOrThrow({ where: { id_tenantId: { id: id, tenantId }, status: 'open' } });",
    ),
  },
  {
    name: "findUnique without a compound unique: findFirst with the tenant",
    code: fn("return prisma.note.findUnique({ where: { id } });"),
    expected: fn("return prisma.note.findFirst({ where: { id, tenantId } });"),
    title: "Use findFirst with tenantId in the where",
  },
  {
    name: "findUniqueOrThrow without a compound unique: findFirstOrThrow",
    code: fn("return prisma.note.findUniqueOrThrow({ where: { id } });"),
    expected: fn("return prisma.note.findFirstOrThrow({ where: { id, tenantId } });"),
  },
  {
    name: "delete by id: the compound unique",
    code: fn("await prisma.invoice.delete({ where: { id } });"),
    expected: fn("await prisma.invoice.delete({ where: { id_tenantId: { id, tenantId } } });"),
  },
  {
    name: "update of a model without a compound unique: the tenant in the where (Prisma 5 where-unique)",
    code: fn("await prisma.note.update({ where: { id }, data: { body: 'x' } });"),
    expected: fn("await prisma.note.update({ where: { id, tenantId }, data: { body: 'x' } });"),
  },
  {
    name: "findMany with no arguments: creates the argument and the where",
    code: fn("return prisma.invoice.findMany();"),
    expected: fn("return prisma.invoice.findMany({ where: { tenantId } });"),
    title: "Add tenantId to the where",
  },
  {
    name: "findMany without a where: creates it first in the arguments",
    code: fn("return prisma.invoice.findMany({ orderBy: { number: 'asc' } });"),
    expected: fn("return prisma.invoice.findMany({ where: { tenantId }, orderBy: { number: 'asc' } });"),
  },
  {
    name: "a multi-line where gets its own line in the same indentation",
    code: fn("return prisma.invoice.findMany({\n    where: {\n      status: 'open',\n    },\n  });"),
    expected: fn(
      "return prisma.invoice.findMany({\n    where: {\n      status: 'open',\n      tenantId,\n    },\n  });",
    ),
  },
  {
    name: "a multi-line argument object gets where on its own line",
    code: fn("return prisma.invoice.findMany({\n    orderBy: { number: 'asc' },\n    take: 10,\n  });"),
    expected: fn(
      "return prisma.invoice.findMany({\n    where: { tenantId },\n    orderBy: { number: 'asc' },\n    take: 10,\n  });",
    ),
  },
  {
    name: "an empty where",
    code: fn("return prisma.invoice.count({ where: {} });"),
    expected: fn("return prisma.invoice.count({ where: { tenantId } });"),
  },
  {
    name: "updateMany",
    code: fn("await prisma.invoice.updateMany({ where: { status: 'draft' }, data: { status: 'void' } });"),
    expected: fn(
      "await prisma.invoice.updateMany({ where: { status: 'draft', tenantId }, data: { status: 'void' } });",
    ),
  },
  {
    name: "an OR that scopes only one branch: the tenant at the top level",
    code: fn("return prisma.invoice.findMany({ where: { OR: [{ tenantId }, { status: 'public' }] } });"),
    expected: fn("return prisma.invoice.findMany({ where: { OR: [{ tenantId }, { status: 'public' }], tenantId } });"),
  },
  {
    name: "the tenant value under another name: tenantId: <value>",
    code: fn("return prisma.invoice.findMany();", "orgTenant: string, ctx: Ctx"),
    expected: fn(
      "return prisma.invoice.findMany({ where: { tenantId: ctx.tenantId } });",
      "orgTenant: string, ctx: Ctx",
    ),
    config: { tenantExpression: "ctx.tenantId" },
  },
  {
    name: "tenantExpression whose first name is not in scope: inserted, not safe (it would not compile)",
    code: fn("return prisma.invoice.findMany();", "orgTenant: string"),
    expected: fn("return prisma.invoice.findMany({ where: { tenantId: ctx.tenantId } });", "orgTenant: string"),
    config: { tenantExpression: "ctx.tenantId" },
    safe: false,
  },
  {
    name: "tenantExpression through a destructured handler parameter (unsend's `({ ctx: { db, team } })`): team.id",
    code: fn("return prisma.invoice.findMany();", "{ ctx: { db, tenant } }: any"),
    expected: fn("return prisma.invoice.findMany({ where: { tenantId: tenant.id } });", "{ ctx: { db, tenant } }: any"),
    config: { tenantExpression: "ctx.tenant.id" },
  },
  {
    name: "tenantExpression through a renamed destructured parameter (`{ ctx: c }`): c.tenant.id",
    code: fn("return prisma.invoice.findMany();", "{ ctx: c }: any"),
    expected: fn("return prisma.invoice.findMany({ where: { tenantId: c.tenant.id } });", "{ ctx: c }: any"),
    config: { tenantExpression: "ctx.tenant.id" },
  },
  {
    name: "tenantExpression through a destructured parameter the query's loop shadows: not that name, not safe",
    code: fn(
      "for (const tenant of list) { await prisma.invoice.findMany(); }",
      "{ ctx: { tenant } }: any, list: any[]",
    ),
    expected: fn(
      "for (const tenant of list) { await prisma.invoice.findMany({ where: { tenantId: ctx.tenant.id } }); }",
      "{ ctx: { tenant } }: any, list: any[]",
    ),
    config: { tenantExpression: "ctx.tenant.id" },
    safe: false,
  },
  {
    name: "the tenant value an optional parameter: offered, never applied unattended (Prisma drops undefined)",
    code: fn("return prisma.invoice.findMany();", "tenantId?: string"),
    expected: fn("return prisma.invoice.findMany({ where: { tenantId } });", "tenantId?: string"),
    safe: false,
  },
  {
    name: "the tenant value an optional member destructured from a parameter (midday's `const { id, teamId } = params`): not safe",
    code: fn(
      "const { tenantId } = params;\n  return prisma.invoice.findMany();",
      "params: { id: string; tenantId?: string }",
    ),
    expected: fn(
      "const { tenantId } = params;\n  return prisma.invoice.findMany({ where: { tenantId } });",
      "params: { id: string; tenantId?: string }",
    ),
    safe: false,
  },
  {
    name: "the same destructured from a parameter pattern (`{ tenantId }: { tenantId?: string }`): not safe",
    code: fn("return prisma.invoice.findMany();", "{ tenantId }: { tenantId?: string }"),
    expected: fn("return prisma.invoice.findMany({ where: { tenantId } });", "{ tenantId }: { tenantId?: string }"),
    safe: false,
  },
  {
    name: "the same through a type alias or an interface of the file (midday's UpdateBankAccountParams): not safe",
    code: `type Params = { id: string; tenantId?: string };\n${fn("const { tenantId } = params;\n  return prisma.invoice.findMany();", "params: Params")}`,
    expected: `type Params = { id: string; tenantId?: string };\n${fn("const { tenantId } = params;\n  return prisma.invoice.findMany({ where: { tenantId } });", "params: Params")}`,
    safe: false,
  },
  {
    name: "an interface: not safe",
    code: `interface Params { tenantId?: string }\n${fn("return prisma.invoice.findMany();", "{ tenantId }: Params")}`,
    expected: `interface Params { tenantId?: string }\n${fn("return prisma.invoice.findMany({ where: { tenantId } });", "{ tenantId }: Params")}`,
    safe: false,
  },
  {
    name: "twin: a required member destructured from a parameter: safe",
    code: fn("const { tenantId } = params;\n  return prisma.invoice.findMany();", "params: { tenantId: string }"),
    expected: fn(
      "const { tenantId } = params;\n  return prisma.invoice.findMany({ where: { tenantId } });",
      "params: { tenantId: string }",
    ),
  },
  {
    name: "no tenant value in scope: a placeholder, never applied unattended",
    code: fn("return prisma.invoice.findMany();", "id: string"),
    expected: fn(
      "return prisma.invoice.findMany({ where: { tenantId: tenantId /* TODO: tenant id */ } });",
      "id: string",
    ),
    safe: false,
  },
  {
    name: "create: the tenant field in data",
    code: fn("return prisma.invoice.create({ data: { number: '1', status: 'open', total: 0 } });"),
    expected: fn("return prisma.invoice.create({ data: { number: '1', status: 'open', total: 0, tenantId } });"),
    title: "Add tenantId to the data",
  },
  {
    name: "create data that connects relations: tenant: { connect } (Prisma does not mix the two input kinds)",
    code: fn("return prisma.project.create({ data: { name: 'p', tasks: { connect: [{ id }] } } });"),
    expected: fn(
      "return prisma.project.create({ data: { name: 'p', tasks: { connect: [{ id }] }, tenant: { connect: { id: tenantId } } } });",
    ),
  },
  {
    name: "createMany: every element that lacks it",
    code: fn(
      "await prisma.invoice.createMany({ data: [{ tenantId, number: '1' }, { number: '2' }, { number: '3' }] });",
    ),
    expected: fn(
      "await prisma.invoice.createMany({ data: [{ tenantId, number: '1' }, { number: '2', tenantId }, { number: '3', tenantId }] });",
    ),
  },
  {
    name: "createMany from .map: the returned object",
    code: fn(
      "await prisma.project.createMany({ data: names.map((name) => ({ name })) });",
      "tenantId: string, names: string[]",
    ),
    expected: fn(
      "await prisma.project.createMany({ data: names.map((name) => ({ name, tenantId })) });",
      "tenantId: string, names: string[]",
    ),
  },
  {
    name: "upsert's create",
    code: fn(
      "await prisma.invoice.upsert({ where: { id_tenantId: { id, tenantId } }, create: { id, number: '1', status: 'x', total: 0 }, update: {} });",
    ),
    expected: fn(
      "await prisma.invoice.upsert({ where: { id_tenantId: { id, tenantId } }, create: { id, number: '1', status: 'x', total: 0, tenantId }, update: {} });",
    ),
  },
  {
    name: "the tx of $transaction",
    code: fn("await prisma.$transaction(async (tx) => {\n    await tx.invoice.delete({ where: { id } });\n  });"),
    expected: fn(
      "await prisma.$transaction(async (tx) => {\n    await tx.invoice.delete({ where: { id_tenantId: { id, tenantId } } });\n  });",
    ),
  },
];

for (const c of cases) {
  test(`fix: ${c.name}`, () => {
    const findings = analyzePrisma(parser, c.code, { config: c.config });
    const fixable = findings.filter((f) => f.fixes.length > 0);
    assert.equal(fixable.length, 1, JSON.stringify(findings.map((f) => f.message)));
    const [fix] = fixable[0].fixes;
    if (c.title) assert.equal(fix.title, c.title);
    assert.equal(fix.safe, c.safe ?? true);
    const fixed = applyEdits(c.code, fix.edits);
    assert.equal(fixed, c.expected);
    assert.deepEqual(syntaxErrors(fixed), []);
    const after = analyzePrisma(parser, fixed, { config: c.config }).filter(
      (f) => f.ruleId === fixable[0].ruleId && f.table === fixable[0].table,
    );
    assert.deepEqual(
      after.map((f) => f.message),
      [],
    );
  });
}

test("fix: findUnique by another compound unique keeps findUnique and adds the tenant beside it (findFirst would not compile)", () => {
  const model = prismaModel(
    parser,
    SCHEMA.replace("  body      String\n", "  body      String\n\n  @@unique([invoiceId, body])\n"),
  );
  const code = fn("return prisma.note.findUnique({ where: { invoiceId_body: { invoiceId: id, body: 'b' } } });");
  const [finding] = analyzePrisma(parser, code, { model }).filter((f) => f.ruleId === "missing-tenant-filter");
  assert.match(finding!.message, /Add tenantId to the where\./);
  const [fix] = finding!.fixes;
  assert.equal(fix!.title, "Add tenantId to the where");
  assert.equal(
    applyEdits(code, fix!.edits),
    fn("return prisma.note.findUnique({ where: { invoiceId_body: { invoiceId: id, body: 'b' }, tenantId } });"),
  );
});

test("no fix where the fix would be a guess: an undefined tenant value, a dynamic where", () => {
  for (const body of [
    "return prisma.invoice.findMany({ where: { tenantId: s?.tenantId } });",
    "return prisma.invoice.findMany({ where: { ...w } });",
  ]) {
    const findings = analyzePrisma(parser, fn(body));
    assert.equal(findings.length, 1);
    assert.deepEqual(findings[0].fixes, []);
  }
});

test("no fix edits a where or arguments object held in a const (it may serve other calls)", () => {
  for (const body of [
    "const where = { status: 'x' };\n  return prisma.invoice.findMany({ where });",
    "const args = { take: 1 };\n  return prisma.invoice.findMany(args);",
  ]) {
    const findings = analyzePrisma(parser, fn(body));
    assert.deepEqual(
      findings.map((f) => [f.ruleId, f.fixes]),
      [["missing-tenant-filter", []]],
    );
  }
});

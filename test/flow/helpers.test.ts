// Helper functions prove ownership for their callers: a helper that returns rows or ids of a
// scoped query, one that throws unless a scoped read finds the key, one that throws unless the
// row's tenant is the caller's. Same file without a checker; across files with one. Each safe
// pattern sits beside its unsafe twin, and every dropped finding leaves a proof for --explain.
// Prisma model: prisma-harness's SCHEMA (Invoice, Project: tenantId).
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import ts from "typescript";
import { analyzeSourceFile } from "../../server/src/analyzer/analyze";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import { HelperSummaries } from "../../server/src/analyzer/flow/helpers";
import type { TenantModel } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import type { Proof } from "../../server/src/analyzer/types";
import { memoryProgram } from "../helpers/memory-program";
import { sqlParser } from "../helpers/sql";
import { prismaModel } from "../orm/prisma-harness";

let parser: SqlParser;
let model: TenantModel;
before(async () => {
  parser = await sqlParser();
  model = prismaModel(parser);
});

const PRISMA = `import { PrismaClient } from "@prisma/client";\nconst prisma = new PrismaClient();\n`;
const HANDLER =
  "export async function handler(id: string, tenantId: string, input: { id: string; tenantId: string }) {";

interface Run {
  /** `line: underlined text` of each missing-tenant-filter. */
  flagged: string[];
  proofs: string[];
  messages: string[];
}

/** Analyses `files[entry]`; with `typed`, through a program over every file (type-aware mode). */
function run(
  files: Record<string, string>,
  entry: string,
  typed = false,
  sourceFileOf?: (fileName: string) => ts.SourceFile | undefined,
): Run {
  const proofs: Proof[] = [];
  const program = typed ? memoryProgram(files) : undefined;
  const sourceFile =
    program?.getSourceFile(entry) ?? ts.createSourceFile(entry, files[entry], ts.ScriptTarget.Latest, true);
  const findings = analyzeSourceFile({
    ts,
    sourceFile,
    checker: program?.getTypeChecker(),
    config: resolveConfig({ tenantColumns: ["tenant_id"] }, "/p", undefined),
    model,
    parser,
    relativePath: entry.slice(3),
    proofs,
    sourceFileOf,
  }).filter((f) => f.ruleId === "missing-tenant-filter");
  const text = sourceFile.text;
  const line = (offset: number) => text.slice(0, offset).split("\n").length;
  return {
    flagged: findings.map((f) => `${line(f.start)}: ${text.slice(f.start, f.end)}`),
    messages: findings.map((f) => f.message),
    proofs: proofs
      .filter((p) => ["owned-key", "ownership-check", "built-from-tenant", "helper"].includes(p.kind))
      .map((p) => `${line(p.start)} ${p.kind}: ${p.message}`),
  };
}

const one = (body: string) => run({ "/p/src/file.ts": `${PRISMA}${body}` }, "/p/src/file.ts");

type Case = [name: string, code: string, flagged: string[]];

describe("same-file helpers", () => {
  const cases: Case[] = [
    [
      "a function returning the row of a scoped query",
      `async function getInvoice(id: string, tenantId: string) {
  const inv = await prisma.invoice.findFirst({ where: { id, tenantId } });
  if (!inv) throw new Error("not found");
  return inv;
}
${HANDLER}
  const inv = await getInvoice(id, tenantId);
  await prisma.invoice.delete({ where: { id: inv.id } });
}`,
      [],
    ],
    [
      "twin: a function returning the row of an unscoped read",
      `async function getInvoice(id: string) {
  return prisma.invoice.findUnique({ where: { id } });
}
${HANDLER}
  const inv = await getInvoice(id);
  await prisma.invoice.delete({ where: { id: inv!.id } });
}`,
      ["4: findUnique({ where: { id } })", "8: delete({ where: { id: inv!.id } })"],
    ],
    [
      "a const arrow returning ids of a scoped findMany",
      `const draftIds = async (tenantId: string) =>
  (await prisma.invoice.findMany({ where: { tenantId, status: "draft" } })).map((i) => i.id);
${HANDLER}
  const ids = await draftIds(tenantId);
  await prisma.invoice.deleteMany({ where: { id: { in: ids } } });
}`,
      [],
    ],
    [
      "a verifying helper: requireInvoice(input.id, tenantId) throws unless a scoped read finds it",
      `async function requireInvoice(id: string, tenantId: string) {
  const found = await prisma.invoice.findFirst({ where: { id, tenantId }, select: { id: true } });
  if (!found) throw new Error("not found");
}
${HANDLER}
  await requireInvoice(input.id, tenantId);
  await prisma.invoice.delete({ where: { id: input.id } });
}`,
      [],
    ],
    [
      "a verifying helper that reads by key, then throws unless the row's tenant is the caller's",
      `async function assertOwnsInvoice(id: string, tenantId: string) {
  const found = await prisma.invoice.findUnique({ where: { id } });
  if (!found || found.tenantId !== tenantId) throw new Error("forbidden");
}
${HANDLER}
  await assertOwnsInvoice(input.id, tenantId);
  await prisma.invoice.delete({ where: { id: input.id } });
}`,
      [],
    ],
    [
      "twins: the row's tenant checked by a helper that returns false, or lets a public row through",
      `async function ownsInvoice(id: string, tenantId: string) {
  const found = await prisma.invoice.findUnique({ where: { id } });
  if (!found || found.tenantId !== tenantId) return false;
  return true;
}
async function assertCanSee(id: string, tenantId: string) {
  const found = await prisma.invoice.findUnique({ where: { id } });
  if (!found || (!found.isPublic && found.tenantId !== tenantId)) throw new Error("forbidden");
}
${HANDLER}
  await ownsInvoice(input.id, tenantId);
  await prisma.invoice.delete({ where: { id: input.id } });
  await assertCanSee(input.id, tenantId);
  await prisma.invoice.update({ where: { id: input.id }, data: { status: "void" } });
}`,
      ["14: delete({ where: { id: input.id } })", '16: update({ where: { id: input.id }, data: { status: "void" } })'],
    ],
    [
      "verifying helpers awaited together in Promise.all([...]): each key is verified after it",
      `async function requireInvoice(id: string, tenantId: string) {
  const found = await prisma.invoice.findFirst({ where: { id, tenantId }, select: { id: true } });
  if (!found) throw new Error("not found");
}
${HANDLER}
  await Promise.all([requireInvoice(input.id, tenantId), requireInvoice(id, tenantId)]);
  await prisma.invoice.delete({ where: { id: input.id } });
  const [, own] = await Promise.all([requireInvoice(id, tenantId), prisma.invoice.findFirstOrThrow({ where: { id: input.tenantId, tenantId } })]);
  await prisma.invoice.delete({ where: { id } });
}`,
      [],
    ],
    [
      "twins: Promise.allSettled (never rejects), Promise.all not awaited, the write run beside the check",
      `async function requireInvoice(id: string, tenantId: string) {
  const found = await prisma.invoice.findFirst({ where: { id, tenantId }, select: { id: true } });
  if (!found) throw new Error("not found");
}
${HANDLER}
  await Promise.allSettled([requireInvoice(input.id, tenantId)]);
  await prisma.invoice.delete({ where: { id: input.id } });
  void Promise.all([requireInvoice(id, tenantId)]);
  await prisma.invoice.delete({ where: { id } });
  await Promise.all([requireInvoice(input.tenantId, tenantId), prisma.invoice.delete({ where: { id: input.tenantId } })]);
}`,
      [
        "9: delete({ where: { id: input.id } })",
        "11: delete({ where: { id } })",
        "12: delete({ where: { id: input.tenantId } })",
      ],
    ],
    [
      "twins: a verifying helper handed the request's tenant, or a constant, as the tenant",
      `async function requireInvoice(id: string, tenantId: string) {
  const found = await prisma.invoice.findFirst({ where: { id, tenantId }, select: { id: true } });
  if (!found) throw new Error("not found");
}
${HANDLER}
  await requireInvoice(input.id, input.tenantId);
  await prisma.invoice.delete({ where: { id: input.id } });
  await requireInvoice(id, "acme");
  await prisma.invoice.delete({ where: { id } });
}`,
      ["9: delete({ where: { id: input.id } })", "11: delete({ where: { id } })"],
    ],
    [
      "a verifying helper taking an object: the tenant handed in its field; twins: the request's tenant there",
      `async function requireByArgs(args: { id: string; tenantId: string }) {
  const found = await prisma.invoice.findFirst({ where: { id: args.id, tenantId: args.tenantId } });
  if (!found) throw new Error("not found");
}
async function requireByFields({ id, tenantId }: { id: string; tenantId: string }) {
  const found = await prisma.invoice.findFirst({ where: { id, tenantId } });
  if (!found) throw new Error("not found");
}
${HANDLER}
  await requireByFields({ id, tenantId });
  await prisma.invoice.delete({ where: { id } });
  await requireByArgs({ id: input.id, tenantId: input.tenantId });
  await prisma.invoice.delete({ where: { id: input.id } });
  await requireByFields({ id: input.tenantId, tenantId: input.tenantId });
  await prisma.invoice.delete({ where: { id: input.tenantId } });
}`,
      ["15: delete({ where: { id: input.id } })", "17: delete({ where: { id: input.tenantId } })"],
    ],
    [
      "twin: a helper whose empty result only returns false",
      `async function invoiceExists(id: string, tenantId: string) {
  const found = await prisma.invoice.findFirst({ where: { id, tenantId } });
  if (!found) return false;
  return true;
}
${HANDLER}
  await invoiceExists(input.id, tenantId);
  await prisma.invoice.delete({ where: { id: input.id } });
}`,
      ["10: delete({ where: { id: input.id } })"],
    ],
    [
      "twin: a verifying helper for projects, then an invoice by the same key",
      `async function requireProject(id: string, tenantId: string) {
  const found = await prisma.project.findFirst({ where: { id, tenantId } });
  if (!found) throw new Error("not found");
}
${HANDLER}
  await requireProject(input.id, tenantId);
  await prisma.invoice.delete({ where: { id: input.id } });
}`,
      ["9: delete({ where: { id: input.id } })"],
    ],
    [
      "assertOwned(row, tenantId) throws unless the row's tenant is the caller's",
      `function assertOwned(row: { tenantId: string } | null, tenantId: string) {
  if (!row || row.tenantId !== tenantId) throw new Error("forbidden");
}
${HANDLER}
  const inv = await prisma.invoice.findUnique({ where: { id } });
  assertOwned(inv, tenantId);
  return inv;
}`,
      [],
    ],
    [
      "twin: assertOwned with the tenant from request input",
      `function assertOwned(row: { tenantId: string } | null, tenantId: string) {
  if (!row || row.tenantId !== tenantId) throw new Error("forbidden");
}
${HANDLER}
  const inv = await prisma.invoice.findUnique({ where: { id } });
  assertOwned(inv, input.tenantId);
  return inv;
}`,
      ["7: findUnique({ where: { id } })"],
    ],
    [
      "twin: a check helper that only logs",
      `function warnIfForeign(row: { tenantId: string } | null, tenantId: string) {
  if (!row || row.tenantId !== tenantId) console.warn("forbidden");
}
${HANDLER}
  const inv = await prisma.invoice.findUnique({ where: { id } });
  warnIfForeign(inv, tenantId);
  return inv;
}`,
      ["7: findUnique({ where: { id } })"],
    ],
    [
      "a class method through this, calling a method that returns a checked row",
      `export class InvoiceService {
  private async owned(id: string, tenantId: string) {
    const inv = await prisma.invoice.findUnique({ where: { id } });
    if (!inv || inv.tenantId !== tenantId) throw new Error("forbidden");
    return inv;
  }
  async archive(id: string, tenantId: string) {
    const inv = await this.owned(id, tenantId);
    await prisma.invoice.update({ where: { id: inv.id }, data: { status: "archived" } });
  }
}`,
      [],
    ],
    [
      // activepieces' services: \`flowService = (log) => ({ async getOneOrThrow(...) {...}, async delete(...) {...} })\`.
      "a method of an object literal through this, calling a sibling method that throws unless a scoped read finds the key",
      `export const invoiceService = (log: unknown) => ({
  async getOneOrThrow({ id, tenantId }: { id: string; tenantId: string }) {
    const inv = await prisma.invoice.findFirst({ where: { id, tenantId } });
    if (!inv) throw new Error("not found");
    return inv;
  },
  async remove({ id, tenantId }: { id: string; tenantId: string }) {
    await this.getOneOrThrow({ id, tenantId });
    await prisma.invoice.delete({ where: { id } });
  },
  async move({ id, tenantId }: { id: string; tenantId: string }) {
    const inv = await this.getOneOrThrow({ id, tenantId });
    await prisma.invoice.update({ where: { id: inv.id }, data: { status: "moved" } });
  },
  async removeUnchecked({ id }: { id: string }) {
    await prisma.invoice.delete({ where: { id } });
  },
  notAMethod: async ({ id, tenantId }: { id: string; tenantId: string }) => {
    await this.getOneOrThrow({ id, tenantId });
    await prisma.invoice.delete({ where: { id } });
  },
});`,
      // Twins: no check at all; an arrow function's \`this\` is not the object's.
      ["18: delete({ where: { id } })", "22: delete({ where: { id } })"],
    ],
    [
      // ToolJet's repositories: \`return await dbTransactionWrap(async (manager) => manager.findOneOrFail(...), manager)\`.
      "a helper returning what its transaction callback returns",
      `async function dbTransactionWrap<T>(fn: (m: unknown) => Promise<T>, m?: unknown): Promise<T> {
  return fn(m);
}
async function byId(id: string, tenantId: string) {
  return await dbTransactionWrap(async (manager) => {
    return await prisma.invoice.findFirst({ where: { id, tenantId } });
  });
}
async function byIdTx(id: string, tenantId: string) {
  return prisma.$transaction(async (tx) => tx.invoice.findFirst({ where: { id, tenantId } }));
}
async function anyById(id: string) {
  return await enqueueTransaction(async (manager) => prisma.invoice.findFirst({ where: { id, tenantId: "t" } }));
}
${HANDLER}
  const inv = await byId(id, tenantId);
  if (!inv) return;
  await prisma.invoice.delete({ where: { id } });
  const other = await byIdTx(input.id, tenantId);
  if (!other) return;
  await prisma.invoice.delete({ where: { id: input.id } });
  const third = await anyById(input.tenantId);
  if (!third) return;
  await prisma.invoice.delete({ where: { id: input.tenantId } });
}`,
      // Twin: a wrapper only named for a transaction (\`enqueueTransaction\` may queue the callback) hands back nothing of it.
      ["26: delete({ where: { id: input.tenantId } })"],
    ],
    [
      // activepieces: \`getOneOrThrow(params) { const flow = await this.getOne(params); ... }\` with \`getOne({ id, projectId })\`.
      "a helper handed its caller's argument whole, destructuring the key: the key is that argument's field",
      `async function getOne({ id, tenantId }: { id: string; tenantId: string }) {
  return prisma.invoice.findFirst({ where: { id, tenantId } });
}
async function getOneOrThrow(params: { id: string; tenantId: string }) {
  const inv = await getOne(params);
  if (!inv) throw new Error("not found");
  return inv;
}
${HANDLER}
  await getOneOrThrow({ id, tenantId });
  await prisma.invoice.delete({ where: { id } });
  await getOneOrThrow({ id: input.id, tenantId });
  await prisma.invoice.delete({ where: { id: input.tenantId } });
}`,
      // Twin: the key verified is \`input.id\`, the delete's is another.
      ["15: delete({ where: { id: input.tenantId } })"],
    ],
    [
      "the same through one more helper that returns what it was handed: the read keeps the field",
      `async function getOne({ id, tenantId }: { id: string; tenantId: string }) {
  return prisma.invoice.findFirst({ where: { id, tenantId } });
}
async function getWrap(params: { id: string; tenantId: string }) {
  return getOne(params);
}
${HANDLER}
  const inv = await getWrap({ id: input.id, tenantId });
  if (!inv) throw new Error("not found");
  await prisma.invoice.delete({ where: { id: input.id } });
  await prisma.invoice.delete({ where: { id: input.tenantId } });
}`,
      ["13: delete({ where: { id: input.tenantId } })"],
    ],
    [
      // The helper reads scoped by the tenant it is handed: the request's own (`input.tenantId`) proves nothing.
      "twin: the same helper handed a route handler's request body, its tenant the request's",
      `async function getOne({ id, tenantId }: { id: string; tenantId: string }) {
  return prisma.invoice.findFirst({ where: { id, tenantId } });
}
async function getWrap(params: { id: string; tenantId: string }) {
  return getOne(params);
}
export async function POST(req: { body: { id: string; tenantId: string } }) {
  const inv = await getWrap(req.body);
  if (!inv) throw new Error("not found");
  await prisma.invoice.delete({ where: { id: req.body.id } });
}`,
      ["12: delete({ where: { id: req.body.id } })"],
    ],
    [
      // A default holds another value when the call passes none: what the helper proves of it is not the caller's value.
      "twin: a helper's key parameter with a default proves nothing of the caller's value",
      `async function getOneOrThrow({ id = "inv_default", tenantId }: { id?: string; tenantId: string }) {
  const inv = await prisma.invoice.findFirst({ where: { id, tenantId } });
  if (!inv) throw new Error("not found");
  return inv;
}
async function byId(id = "inv_default", tenantId: string) {
  const inv = await prisma.invoice.findFirst({ where: { id, tenantId } });
  if (!inv) throw new Error("not found");
  return inv;
}
${HANDLER}
  await getOneOrThrow({ id: input.id, tenantId });
  await prisma.invoice.deleteMany({ where: { id: input.id } });
  await byId(input.tenantId, tenantId);
  await prisma.invoice.deleteMany({ where: { id: input.tenantId } });
}`,
      ["15: deleteMany({ where: { id: input.id } })", "17: deleteMany({ where: { id: input.tenantId } })"],
    ],
    [
      // n8n's findFolderInProjectOrFail: \`return repo.findOneOrFail({ where: { id, homeProject: { id: projectId } } })\`.
      "a helper that returns a scoped read that throws when it finds nothing",
      `async function getOrFail(id: string, tenantId: string) {
  return prisma.invoice.findFirstOrThrow({ where: { id, tenantId } });
}
async function getAnyOrFail(id: string) {
  return prisma.invoice.findFirstOrThrow({ where: { id } });
}
${HANDLER}
  await getOrFail(id, tenantId);
  await prisma.invoice.delete({ where: { id } });
  await getAnyOrFail(input.id);
  await prisma.invoice.delete({ where: { id: input.id } });
}`,
      // Twin: the helper's read has no tenant (flagged itself, and it proves nothing).
      ["7: findFirstOrThrow({ where: { id } })", "13: delete({ where: { id: input.id } })"],
    ],
    [
      "twin: a throwing check nobody awaits stops nothing (its rejection comes after the delete ran)",
      `async function getOrFail(id: string, tenantId: string) {
  return prisma.invoice.findFirstOrThrow({ where: { id, tenantId } });
}
${HANDLER}
  getOrFail(id, tenantId);
  await prisma.invoice.delete({ where: { id } });
  prisma.invoice.findFirstOrThrow({ where: { id: input.id, tenantId } });
  await prisma.invoice.delete({ where: { id: input.id } });
  await Promise.all([getOrFail(input.tenantId, tenantId)]);
  await prisma.invoice.delete({ where: { id: input.tenantId } });
}`,
      ["8: delete({ where: { id } })", "10: delete({ where: { id: input.id } })"],
    ],
    [
      "an injected repository's method: this.invoices.byId(...) with invoices: InvoiceRepository",
      `class InvoiceRepository {
  async byId(id: string, tenantId: string) {
    return prisma.invoice.findFirst({ where: { id, tenantId } });
  }
}
export class BillingService {
  constructor(private readonly invoices: InvoiceRepository) {}
  async void(id: string, tenantId: string) {
    const inv = await this.invoices.byId(id, tenantId);
    if (!inv) throw new Error("not found");
    await prisma.invoice.update({ where: { id: inv.id }, data: { status: "void" } });
  }
}`,
      [],
    ],
    [
      "a repository made for the tenant: new InvoiceRepository(tenantId).byId(...), directly or through a const",
      `class InvoiceRepository {
  constructor(private readonly tenantId: string) {}
  async byId(id: string) {
    return prisma.invoice.findFirst({ where: { id, tenantId: this.tenantId } });
  }
  async anyById(id: string) {
    return prisma.invoice.findUnique({ where: { id } });
  }
}
${HANDLER}
  const invoices = new InvoiceRepository(tenantId);
  const inv = await invoices.byId(id);
  if (!inv) throw new Error("not found");
  await prisma.invoice.update({ where: { id: inv.id }, data: { status: "void" } });
  const again = await new InvoiceRepository(tenantId).byId(input.id);
  await prisma.invoice.delete({ where: { id: again!.id } });
  const other = await invoices.anyById(input.id);
  await prisma.invoice.delete({ where: { id: other!.id } });
}`,
      ["9: findUnique({ where: { id } })", "20: delete({ where: { id: other!.id } })"],
    ],
    [
      "a helper returning its fields under a cast (`satisfies`, `as const`: rallly's createSpaceDTO)",
      `async function owned(id: string, tenantId: string) {
  const inv = await prisma.invoice.findFirst({ where: { id, tenantId } });
  if (!inv) throw new Error("not found");
  return { invoice: inv } satisfies { invoice: unknown };
}
${HANDLER}
  const { invoice } = await owned(id, tenantId);
  await prisma.invoice.delete({ where: { id: invoice.id } });
}`,
      [],
    ],
    [
      "a const object's method",
      `export const invoices = {
  async byId(id: string, tenantId: string) {
    return prisma.invoice.findFirstOrThrow({ where: { id, tenantId } });
  },
};
${HANDLER}
  const { id: invoiceId } = await invoices.byId(id, tenantId);
  await prisma.invoice.delete({ where: { id: invoiceId } });
}`,
      [],
    ],
    [
      "twin: a helper that returns a scoped row on one path and an unscoped one on another",
      `async function find(id: string, tenantId: string, any: boolean) {
  if (any) return prisma.invoice.findUnique({ where: { id } });
  return prisma.invoice.findFirst({ where: { id, tenantId } });
}
${HANDLER}
  const inv = await find(id, tenantId, false);
  await prisma.invoice.delete({ where: { id: inv!.id } });
}`,
      ["4: findUnique({ where: { id } })", "9: delete({ where: { id: inv!.id } })"],
    ],
    [
      "twin: a verifying helper that can return before it verifies",
      `const seen = new Set<string>();
async function requireInvoice(id: string, tenantId: string) {
  if (seen.has(id)) return;
  const found = await prisma.invoice.findFirst({ where: { id, tenantId } });
  if (!found) throw new Error("not found");
}
${HANDLER}
  await requireInvoice(input.id, tenantId);
  await prisma.invoice.delete({ where: { id: input.id } });
}`,
      ["11: delete({ where: { id: input.id } })"],
    ],
    [
      "twin: the row is used before assertOwned checks it",
      `function assertOwned(row: { tenantId: string } | null, tenantId: string) {
  if (!row || row.tenantId !== tenantId) throw new Error("forbidden");
}
${HANDLER}
  const inv = await prisma.invoice.findUnique({ where: { id } });
  console.log(inv);
  assertOwned(inv, tenantId);
  return inv;
}`,
      ["7: findUnique({ where: { id } })"],
    ],
    [
      "a helper of a helper: the service returns what the repository returned",
      `async function getInvoice(id: string, tenantId: string) {
  return prisma.invoice.findFirstOrThrow({ where: { id, tenantId } });
}
async function loadForEdit(id: string, tenantId: string) {
  const inv = await getInvoice(id, tenantId);
  return inv;
}
${HANDLER}
  const inv = await loadForEdit(id, tenantId);
  await prisma.invoice.update({ where: { id: inv.id }, data: { status: "draft" } });
}`,
      [],
    ],
    [
      "a recursive helper proves nothing and does not loop",
      `async function walk(id: string): Promise<{ id: string }> {
  return walk(id);
}
${HANDLER}
  const inv = await walk(id);
  await prisma.invoice.delete({ where: { id: inv.id } });
}`,
      ["8: delete({ where: { id: inv.id } })"],
    ],
  ];
  for (const [name, code, flagged] of cases) test(name, () => assert.deepEqual(one(code).flagged, flagged));
});

describe("helpers in other files", () => {
  const repo = `${PRISMA}export async function getInvoiceById(id: string, tenantId: string) {
  return prisma.invoice.findFirst({ where: { id, tenantId } });
}
export async function getInvoiceUnscoped(id: string) {
  return prisma.invoice.findUnique({ where: { id } });
}
export async function requireInvoice(id: string, ctx: { tenantId: string }) {
  const found = await prisma.invoice.findFirst({ where: { id, tenantId: ctx.tenantId } });
  if (!found) throw new Error("not found");
  return found;
}
`;
  const routes = `${PRISMA}import { getInvoiceById, getInvoiceUnscoped, requireInvoice } from "./repo";
${HANDLER}
  const inv = await getInvoiceById(id, tenantId);
  if (!inv) throw new Error("not found");
  await prisma.invoice.delete({ where: { id: inv.id } });
  await requireInvoice(input.id, { tenantId });
  await prisma.invoice.update({ where: { id: input.id }, data: { status: "paid" } });
}
export async function leaky(id: string) {
  const inv = await getInvoiceUnscoped(id);
  await prisma.invoice.delete({ where: { id: inv!.id } });
}
`;
  const files = { "/p/src/repo.ts": repo, "/p/src/routes.ts": routes };

  test("with a checker: imported helpers prove ownership; the unscoped one does not", () => {
    assert.deepEqual(run(files, "/p/src/routes.ts", true).flagged, ["13: delete({ where: { id: inv!.id } })"]);
  });

  test("without a checker or other files, imports are not followed: the by-id calls stay flagged", () => {
    assert.deepEqual(run(files, "/p/src/routes.ts").flagged, [
      "7: delete({ where: { id: inv.id } })",
      '9: update({ where: { id: input.id }, data: { status: "paid" } })',
      "13: delete({ where: { id: inv!.id } })",
    ]);
  });

  test("without a checker, handed the other files by path: relative imports are followed", () => {
    const sources = new Map(
      Object.entries(files).map(([name, text]) => [
        name,
        ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true),
      ]),
    );
    assert.deepEqual(run(files, "/p/src/routes.ts", false, (f) => sources.get(f)).flagged, [
      "13: delete({ where: { id: inv!.id } })",
    ]);
  });

  test("proofs name the helper and its file", () => {
    assert.deepEqual(run(files, "/p/src/routes.ts", true).proofs, [
      "7 helper: key `inv.id` comes from `getInvoiceById` (repo.ts line 3), which returns a row of a scoped query",
      "9 helper: key `input.id` is verified by `requireInvoice` (repo.ts line 9), which throws unless a scoped query finds it",
    ]);
  });
});

test("a helper that checks the row it read by the key says so in --explain", () => {
  const r = one(`async function assertOwnsInvoice(id: string, tenantId: string) {
  const found = await prisma.invoice.findUnique({ where: { id } });
  if (!found || found.tenantId !== tenantId) throw new Error("forbidden");
}
${HANDLER}
  await assertOwnsInvoice(input.id, tenantId);
  await prisma.invoice.delete({ where: { id: input.id } });
}`);
  assert.deepEqual(r.flagged, []);
  assert.ok(
    r.proofs.includes(
      "9 helper: key `input.id` is verified by `assertOwnsInvoice` (line 3), which throws unless the row it reads by it is the tenant's",
    ),
    r.proofs.join("\n"),
  );
});

describe("proofs for --explain", () => {
  test("each dropped finding leaves one proof with its kind and sentence", () => {
    const r = one(`function assertOwned(row: { tenantId: string } | null, tenantId: string) {
  if (!row || row.tenantId !== tenantId) throw new Error("forbidden");
}
${HANDLER}
  const doc = await prisma.invoice.findFirst({ where: { id, tenantId } });
  if (!doc) throw new Error("not found");
  await prisma.invoice.delete({ where: { id: doc.id } });
  const created = await prisma.invoice.create({ data: { tenantId, number: "1", status: "draft", total: 0 } });
  await prisma.invoice.update({ where: { id: created.id }, data: { status: "sent" } });
  const m = await prisma.invoice.findUnique({ where: { id: input.id } });
  if (!m || m.tenantId !== tenantId) throw new Error("forbidden");
  const n = await prisma.invoice.findUnique({ where: { id: \`\${tenantId}-n\` } });
  const o = await prisma.invoice.findUnique({ where: { id: input.id.trim() } });
  assertOwned(o, tenantId);
  return [m, n, o];
}`);
    assert.deepEqual(r.flagged, []);
    assert.deepEqual(r.proofs, [
      "9 owned-key: key `doc.id` comes from the scoped query on line 7",
      "11 owned-key: key `created.id` is the id of the row created with the tenant on line 10",
      "12 ownership-check: the row's tenantId is checked against the tenant on line 13",
      "14 built-from-tenant: key `` `${tenantId}-n` `` is built from the tenant value",
      "15 helper: `assertOwned` (line 3) checks the row's tenantId against the tenant and throws otherwise",
    ]);
  });

  test("nothing is pushed for a finding that stays", () => {
    const r = one(`${HANDLER}
  await prisma.invoice.delete({ where: { id: input.id } });
}`);
    assert.deepEqual(r.proofs, []);
    assert.equal(r.flagged.length, 1);
  });
});

test("a helper is summarised once per file, however many callers it has", () => {
  const proto = HelperSummaries.prototype as unknown as { summarize(fn: ts.Node): unknown };
  const summarize = proto.summarize;
  const summarised: string[] = [];
  proto.summarize = function (this: unknown, fn: ts.Node) {
    summarised.push(fn.getText().slice(0, 30));
    return summarize.call(this, fn);
  };
  try {
    const callers = [1, 2, 3]
      .map(
        (n) => `export async function caller${n}(id: string, tenantId: string) {
  const inv = await getInvoice(id, tenantId);
  await prisma.invoice.delete({ where: { id: inv.id } });
}`,
      )
      .join("\n");
    const r = one(`async function getInvoice(id: string, tenantId: string) {
  return prisma.invoice.findFirstOrThrow({ where: { id, tenantId } });
}
${callers}`);
    assert.deepEqual(r.flagged, []);
    assert.deepEqual(summarised, ["async function getInvoice(id: "]);
  } finally {
    proto.summarize = summarize;
  }
});

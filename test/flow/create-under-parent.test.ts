// A Prisma create of a model owned through its parent (shelf.nu's BookingNote under Booking) files
// the row under the parent its owning key names: proven when the flow proves that key, whatever
// another parent key says; a spread after the key, or data built elsewhere, cannot be read.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { TenantModel } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { analyzePrisma } from "../orm/prisma-harness";
import { sqlParser } from "../helpers/sql";
import { prismaModel } from "../orm/prisma-harness";

const SCHEMA = `datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}
model Booking {
  id    String        @id
  orgId String
  notes BookingNote[]
}
model Asset {
  id    String        @id
  orgId String
  notes BookingNote[]
}
model BookingNote {
  id        String  @id
  content   String
  bookingId String
  booking   Booking @relation(fields: [bookingId], references: [id])
  assetId   String?
  asset     Asset?  @relation(fields: [assetId], references: [id])
}
`;
const CONFIG = { tenantColumns: ["orgId"] };

let parser: SqlParser;
let model: TenantModel;
before(async () => {
  parser = await sqlParser();
  model = prismaModel(parser, SCHEMA, CONFIG);
});

const rules = (body: string) => {
  const code = `import { PrismaClient } from "@prisma/client";
const prisma = new PrismaClient();
export async function action(orgId: string, params: { bookingId: string; assetId: string }, body: any) {
${body}
}`;
  return analyzePrisma(parser, code, { config: CONFIG, model }).map(
    (f) => `${f.ruleId}:${code.slice(f.start, f.end).split("(")[0]}`,
  );
};

describe("a create filed under the parent its owning key names", () => {
  test("the booking looked up scoped first: proven, also beside a conditional spread that names no booking", () => {
    assert.deepEqual(
      rules(`  const b = await prisma.booking.findFirst({ where: { id: params.bookingId, orgId } });
  if (!b) throw new Error("not found");
  await prisma.bookingNote.create({ data: { content: "x", bookingId: b.id } });
  await prisma.bookingNote.create({ data: { content: "x", bookingId: b.id, ...(params.assetId && { assetId: params.assetId }) } });`),
      [],
    );
  });

  test("twin: another parent's key is proven, the booking's is the URL's: still flagged", () => {
    assert.deepEqual(
      rules(`  const a = await prisma.asset.findFirst({ where: { id: params.assetId, orgId } });
  if (!a) throw new Error("not found");
  await prisma.bookingNote.create({ data: { bookingId: params.bookingId, assetId: a.id, content: "x" } });`),
      ["missing-tenant-on-insert:create"],
    );
  });

  test("a spread after the key, or data built elsewhere, cannot be read: dynamic-sql", () => {
    assert.deepEqual(
      rules(`  const b = await prisma.booking.findFirst({ where: { id: params.bookingId, orgId } });
  if (!b) throw new Error("not found");
  await prisma.bookingNote.create({ data: { bookingId: b.id, ...body } });
  await prisma.bookingNote.create({ data: body });`),
      ["dynamic-sql:create", "dynamic-sql:create"],
    );
  });
});

describe("createMany files every row it writes under the parent each names (postiz's saveExisingData)", () => {
  test("the booking proven first: a list mapped to rows, or an array of rows, under it is proven", () => {
    assert.deepEqual(
      rules(`  const b = await prisma.booking.findFirst({ where: { id: params.bookingId, orgId } });
  if (!b) throw new Error("not found");
  await prisma.bookingNote.createMany({ data: body.lines.map((line: string) => ({ bookingId: b.id, content: line })) });
  await prisma.bookingNote.createMany({ data: [{ bookingId: b.id, content: "a" }, { bookingId: params.bookingId, content: "b", ...{} }].slice(0, 1) });
  await prisma.bookingNote.createMany({ data: [{ bookingId: b.id, content: "a" }, { bookingId: b.id, content: "b" }] });`),
      ["dynamic-sql:createMany"],
    );
  });

  test("twins: rows under the URL's booking, one row of several, or each element's own key", () => {
    assert.deepEqual(
      rules(
        `  await prisma.bookingNote.createMany({ data: body.lines.map((line: string) => ({ bookingId: params.bookingId, content: line })) });`,
      ),
      ["missing-tenant-on-insert:createMany"],
    );
    assert.deepEqual(
      rules(`  const b = await prisma.booking.findFirst({ where: { id: params.bookingId, orgId } });
  if (!b) throw new Error("not found");
  await prisma.bookingNote.createMany({ data: [{ bookingId: b.id, content: "a" }, { bookingId: body.other, content: "b" }] });
  await prisma.bookingNote.createMany({ data: body.notes.map((n: any) => ({ bookingId: n.bookingId, content: n.text })) });`),
      ["missing-tenant-on-insert:createMany", "missing-tenant-on-insert:createMany"],
    );
    // A nested return in the callback writes a row under another booking.
    assert.deepEqual(
      rules(`  const b = await prisma.booking.findFirst({ where: { id: params.bookingId, orgId } });
  if (!b) throw new Error("not found");
  await prisma.bookingNote.createMany({ data: body.notes.map((n: any) => { if (n.other) return { bookingId: n.other, content: "x" }; return { bookingId: b.id, content: "y" }; }) });`),
      ["missing-tenant-on-insert:createMany"],
    );
  });
});

test("a createMany over rows under different bookings names every booking key, not only the first row's", () => {
  const code = `import { PrismaClient } from "@prisma/client";
const prisma = new PrismaClient();
export async function action(orgId: string, params: { bookingId: string; assetId: string }, body: any) {
  const b = await prisma.booking.findFirst({ where: { id: params.bookingId, orgId } });
  if (!b) throw new Error("not found");
  await prisma.bookingNote.createMany({ data: [{ bookingId: b.id, content: "a" }, { bookingId: body.other, content: "b" }] });
}`;
  const [f, ...rest] = analyzePrisma(parser, code, { config: CONFIG, model });
  assert.deepEqual(rest, []);
  assert.match(
    f!.message,
    /creates "BookingNote" rows under the "Booking" rows `b\.id`, `body\.other`: unless each is the tenant's/,
  );
});

// plunk's validateStepTemplate: the helper returns early when no key is given, else throws unless it finds it.
describe("a helper that returns early when the key is missing, and verifies it otherwise", () => {
  const run = (guard: string, call: string) => {
    const code = `import { PrismaClient } from "@prisma/client";
const prisma = new PrismaClient();
async function assertAsset(orgId: string, assetId?: string | null, skip?: boolean) {
  ${guard}
  const a = await prisma.asset.findFirst({ where: { id: assetId!, orgId } });
  if (!a) throw new Error("not found");
}
export async function action(orgId: string, params: { bookingId: string; assetId?: string }) {
  const b = await prisma.booking.findFirst({ where: { id: params.bookingId, orgId } });
  if (!b) throw new Error("not found");
  ${call}
  await prisma.bookingNote.create({ data: { content: "x", bookingId: b.id, assetId: params.assetId } });
}`;
    return analyzePrisma(parser, code, { config: CONFIG, model }).map(
      (f) => `${f.ruleId}:${code.slice(f.start, f.end).split("(")[0]}`,
    );
  };

  test("the key it names is proven when one is given: the create naming it is proven", () => {
    for (const guard of [
      "if (assetId === undefined || assetId === null) return;",
      "if (!assetId) return;",
      "if (assetId == null) { return; }",
    ])
      assert.deepEqual(run(guard, "await assertAsset(orgId, params.assetId);"), [], guard);
  });

  test("twins: an early return on something else, or the helper never called", () => {
    assert.deepEqual(run("if (skip) return;", "await assertAsset(orgId, params.assetId, true);"), [
      "missing-tenant-on-insert:create",
    ]);
    assert.deepEqual(run("if (assetId === undefined) return;", ""), ["missing-tenant-on-insert:create"]);
  });
});

// What a transaction hands back is what its callback returns: `await prisma.$transaction(async (tx)
// => { const d = await tx.doc.create({ data: { teamId } }); return d })` is the row created with
// the tenant (dokploy's security service returns `{ securityId }` out of `db.transaction`), and a
// batch `prisma.$transaction([a, b])` hands each query's result to its place, as Promise.all does.
// An object literal's fields hold what their expressions do, until a field is written again. Each
// safe case beside its unsafe twin.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { TenantModel } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { runFlow } from "../helpers/flow-run";
import { modelOf } from "../helpers/model";
import { sqlParser } from "../helpers/sql";
import { prismaModel } from "../orm/prisma-harness";

const PRISMA_SCHEMA = `model Team {
  id   String @id
  docs Doc[]
}
model Doc {
  id     String @id
  teamId String
  team   Team   @relation(fields: [teamId], references: [id])
  name   String
}
`;
const DRIZZLE_SCHEMA = `import { pgTable, text } from "drizzle-orm/pg-core";
export const teams = pgTable("teams", { id: text("id").primaryKey() });
export const docs = pgTable("docs", {
  id: text("id").primaryKey(),
  teamId: text("team_id").notNull().references(() => teams.id),
  name: text("name"),
});
`;
const CONFIG = { tenantColumns: ["teamId"] };

let parser: SqlParser;
let prisma: TenantModel;
let drizzle: TenantModel;
before(async () => {
  parser = await sqlParser();
  prisma = prismaModel(parser, PRISMA_SCHEMA, CONFIG);
  drizzle = modelOf(
    parser,
    { "/p/src/db/schema.ts": DRIZZLE_SCHEMA },
    { ...CONFIG, schema: { drizzle: ["src/db/schema.ts"] } },
  );
});

const flagged = (body: string) =>
  runFlow(
    parser,
    prisma,
    {
      "/p/src/docs.ts": `import { PrismaClient } from "@prisma/client";
const db = new PrismaClient();
export async function handler(teamId: string, input: { id: string; name: string; other: string }) {
${body}
}`,
    },
    { config: CONFIG },
  ).flagged;

const flaggedDrizzle = (body: string) =>
  runFlow(
    parser,
    drizzle,
    {
      "/p/src/docs.ts": `import { eq } from "drizzle-orm";
import { db } from "./db";
import { docs } from "./db/schema";
export async function handler(teamId: string, input: { id: string; name: string; other: string }) {
${body}
}`,
    },
    { config: { ...CONFIG, schema: { drizzle: ["src/db/schema.ts"] } } },
  ).flagged;

describe("a transaction's result is what its callback returns", () => {
  test("the row created with the tenant inside the transaction: its id is owned", () => {
    assert.deepEqual(
      flagged(`  const doc = await db.$transaction(async (tx) => {
    const d = await tx.doc.create({ data: { teamId, name: input.name } });
    return d;
  });
  await db.doc.update({ where: { id: doc.id }, data: { name: "x" } });`),
      [],
    );
  });

  test("twin: the callback returns a row read by the request's id alone", () => {
    assert.deepEqual(
      flagged(`  const doc = await db.$transaction(async (tx) => {
    const d = await tx.doc.findUnique({ where: { id: input.id } });
    return d;
  });
  if (!doc) throw new Error("not found");
  await db.doc.update({ where: { id: doc.id }, data: { name: "x" } });`),
      [
        "docs.ts:5: findUnique({ where: { id: input.id } })",
        'docs.ts:9: update({ where: { id: doc.id }, data: { name: "x" } })',
      ],
    );
  });

  test("an expression-bodied callback returning a scoped read, its emptiness guarded", () => {
    assert.deepEqual(
      flagged(`  const doc = await db.$transaction((tx) => tx.doc.findFirst({ where: { id: input.id, teamId } }));
  if (!doc) throw new Error("not found");
  await db.doc.delete({ where: { id: doc.id } });`),
      [],
    );
  });

  test("the id handed out in an object and destructured (dokploy's `{ securityId }`)", () => {
    assert.deepEqual(
      flagged(`  const { docId } = await db.$transaction(async (tx) => {
    const d = await tx.doc.create({ data: { teamId, name: input.name } });
    return { docId: d.id, name: input.name };
  });
  await db.doc.delete({ where: { id: docId } });`),
      [],
    );
  });

  test("twin: one return hands out the request's id under the same field", () => {
    assert.deepEqual(
      flagged(`  const { docId } = await db.$transaction(async (tx) => {
    const d = await tx.doc.create({ data: { teamId, name: input.name } });
    if (input.other) return { docId: input.other };
    return { docId: d.id };
  });
  await db.doc.delete({ where: { id: docId } });`),
      ["docs.ts:9: delete({ where: { id: docId } })"],
    );
  });

  test("a function run at once, `(async () => { ... })()`, is its return too", () => {
    assert.deepEqual(
      flagged(`  const doc = await (async () => {
    return db.doc.create({ data: { teamId, name: input.name } });
  })();
  await db.doc.delete({ where: { id: doc.id } });`),
      [],
    );
  });

  test("twin: a transaction runner's callback that returns nothing proves nothing", () => {
    assert.deepEqual(
      flagged(`  const doc = await db.$transaction(async (tx) => {
    await tx.doc.create({ data: { teamId, name: input.name } });
  });
  await db.doc.delete({ where: { id: input.id } });`),
      ["docs.ts:7: delete({ where: { id: input.id } })"],
    );
  });

  test("Drizzle: the row inserted with the tenant and returned from `db.transaction`", () => {
    assert.deepEqual(
      flaggedDrizzle(`  const row = await db.transaction(async (tx) => {
    const [created] = await tx.insert(docs).values({ id: input.id, teamId, name: input.name }).returning();
    return created;
  });
  await db.delete(docs).where(eq(docs.id, row.id));`),
      [],
    );
  });

  test("twin (Drizzle): the returned row was read by the request's id alone", () => {
    assert.deepEqual(
      flaggedDrizzle(`  const row = await db.transaction(async (tx) => {
    const [found] = await tx.select().from(docs).where(eq(docs.id, input.id));
    return found;
  });
  await db.delete(docs).where(eq(docs.id, row.id));`),
      ["docs.ts:6: from(docs)", "docs.ts:9: delete(docs)"],
    );
  });
});

describe("a batch transaction hands each query's result to its place", () => {
  test("`const [doc] = await db.$transaction([scoped read])`, guarded: owned", () => {
    assert.deepEqual(
      flagged(`  const [doc, count] = await db.$transaction([
    db.doc.findFirst({ where: { id: input.id, teamId } }),
    db.doc.count({ where: { teamId } }),
  ]);
  if (!doc) throw new Error("not found");
  await db.doc.delete({ where: { id: doc.id } });`),
      [],
    );
  });

  test("twin: the batch's read is by id alone", () => {
    assert.deepEqual(
      flagged(`  const [doc] = await db.$transaction([db.doc.findUnique({ where: { id: input.id } })]);
  if (!doc) throw new Error("not found");
  await db.doc.delete({ where: { id: doc.id } });`),
      ["docs.ts:4: findUnique({ where: { id: input.id } })", "docs.ts:6: delete({ where: { id: doc.id } })"],
    );
  });
});

describe("an object's fields hold their values until written", () => {
  test("`const ids = { docId: d.id }`, then `ids.docId`: owned", () => {
    assert.deepEqual(
      flagged(`  const d = await db.doc.create({ data: { teamId, name: input.name } });
  const ids = { docId: d.id };
  await db.doc.delete({ where: { id: ids.docId } });`),
      [],
    );
  });

  test("twin: the field is assigned the request's id first", () => {
    assert.deepEqual(
      flagged(`  const d = await db.doc.create({ data: { teamId, name: input.name } });
  const ids = { docId: d.id };
  ids.docId = input.other;
  await db.doc.delete({ where: { id: ids.docId } });`),
      ["docs.ts:7: delete({ where: { id: ids.docId } })"],
    );
  });

  test("twin: `Object.assign(ids, patch)` may replace any field", () => {
    assert.deepEqual(
      flagged(`  const d = await db.doc.create({ data: { teamId, name: input.name } });
  const ids = { docId: d.id };
  Object.assign(ids, { docId: input.other });
  await db.doc.delete({ where: { id: ids.docId } });`),
      ["docs.ts:7: delete({ where: { id: ids.docId } })"],
    );
  });

  test("twin: a later spread may replace the field (`{ docId: d.id, ...input }`)", () => {
    assert.deepEqual(
      flagged(`  const d = await db.doc.create({ data: { teamId, name: input.name } });
  const ids = { docId: d.id, ...input };
  await db.doc.delete({ where: { id: ids.docId } });`),
      ["docs.ts:6: delete({ where: { id: ids.docId } })"],
    );
  });

  test("twin: a scoped row's id overwritten before the write (`d.id = input.other`)", () => {
    assert.deepEqual(
      flagged(`  const d = await db.doc.create({ data: { teamId, name: input.name } });
  d.id = input.other;
  await db.doc.delete({ where: { id: d.id } });`),
      ["docs.ts:6: delete({ where: { id: d.id } })"],
    );
  });
});

// A list the function fills with keys it proved (`ids.push(created.id)` in a loop), then a bulk write by it.
describe("a list filled by push with proven keys", () => {
  test("every push hands the id of a row created with the tenant: the bulk write is proven", () => {
    assert.deepEqual(
      flagged(`  const ids: string[] = [];
  for (const name of [input.name, "copy"]) {
    const d = await db.doc.create({ data: { teamId, name } });
    ids.push(d.id);
  }
  await db.doc.updateMany({ where: { id: { in: ids } }, data: { name: "x" } });`),
      [],
    );
  });

  test("twins: one push hands the request's id (even after the write, in a loop); the list handed to a call", () => {
    const twins = [
      `  const ids: string[] = [];
  const d = await db.doc.create({ data: { teamId, name: input.name } });
  ids.push(d.id);
  if (input.other) ids.push(input.other);
  await db.doc.deleteMany({ where: { id: { in: ids } } });`,
      `  const ids: string[] = [];
  for (const name of [input.name]) {
    await db.doc.deleteMany({ where: { id: { in: ids } } });
    ids.push(input.other);
  }`,
      `  const ids: string[] = [];
  const d = await db.doc.create({ data: { teamId, name: input.name } });
  ids.push(d.id);
  addMore(ids);
  await db.doc.deleteMany({ where: { id: { in: ids } } });`,
    ];
    for (const body of twins)
      assert.ok(
        flagged(body).some((f) => f.includes("deleteMany")),
        body,
      );
  });
});

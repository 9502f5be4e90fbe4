// Share links: a public poll, booking page or shared document is read by an unguessable key that
// its owner hands out (`/poll/<id>`). The config declares such keys (`tables.<t>.shareKeys`); a
// read by one, or by a child's required key to one (`participants.poll_id -> polls.id`), needs
// no tenant filter. Writes still do, and so does a read by anything else. Prisma, raw SQL and
// Drizzle, each safe case beside its unsafe twin; the model comes from the schema and config.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { ConfigFile } from "../../server/src/analyzer/config/types";
import { discoverTenantModel } from "../../server/src/analyzer/model/discover";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import ts from "typescript";
import { runFlow, PRISMA_CLIENT } from "../helpers/flow-run";
import { createMemoryFs } from "../helpers/memory-fs";
import { sqlParser } from "../helpers/sql";

const PRISMA_SCHEMA = `
model Space {
  id    String @id
  polls Poll[]
}
model Poll {
  id           String        @id
  spaceId      String
  space        Space         @relation(fields: [spaceId], references: [id])
  title        String
  participants Participant[]
  @@map("polls")
}
model Participant {
  id     String @id
  pollId String @map("poll_id")
  poll   Poll   @relation(fields: [pollId], references: [id])
  name   String
  token  String
  @@map("participants")
}
`;

const DRIZZLE_SCHEMA = `import { pgTable, text } from "drizzle-orm/pg-core";
export const polls = pgTable("polls", {
  id: text("id").primaryKey(),
  spaceId: text("space_id").notNull(),
  title: text("title").notNull(),
});
export const participants = pgTable("participants", {
  id: text("id").primaryKey(),
  pollId: text("poll_id").notNull().references(() => polls.id),
  name: text("name").notNull(),
});
`;

const SHARED: ConfigFile = { tenantColumns: ["spaceId"], tables: { polls: { shareKeys: ["id"] } } };

let parser: SqlParser;
before(async () => {
  parser = await sqlParser();
});

function discover(files: Record<string, string>, config: ConfigFile) {
  return discoverTenantModel(createMemoryFs(files), resolveConfig(config, "/p", undefined), parser, ts);
}

function prismaRun(body: string, config: ConfigFile = SHARED) {
  const model = discover({ "/p/prisma/schema.prisma": PRISMA_SCHEMA }, config).model;
  return runFlow(
    parser,
    model,
    { "/p/src/polls.ts": `${PRISMA_CLIENT}export async function handler(pollId: string, title: string) {\n${body}\n}` },
    { config },
  );
}

describe("the model", () => {
  test("a share key is kept in the table's spelling, and a child's required key to it is one too", () => {
    const { model, notes } = discover({ "/p/prisma/schema.prisma": PRISMA_SCHEMA }, SHARED);
    assert.deepEqual(model.tables.get("polls")?.shareKeys, ["id"]);
    assert.deepEqual(model.tables.get("participants")?.shareKeys, ["poll_id"]);
    assert.deepEqual(notes, []);
  });

  test("a share key alone does not change who owns the table", () => {
    const { model } = discover(
      { "/p/prisma/schema.prisma": PRISMA_SCHEMA },
      {
        tenantColumns: ["spaceId"],
        tables: { participants: { shareKeys: ["id"] } },
      },
    );
    assert.equal(model.tables.get("participants")?.owner?.parent, "polls");
    assert.equal(model.tables.get("participants")?.tenantColumns?.length, 0);
  });

  test("a table or column that is not there is a note, not a silent no-op", () => {
    const { notes } = discover(
      { "/p/prisma/schema.prisma": PRISMA_SCHEMA },
      {
        tenantColumns: ["spaceId"],
        tables: { poll: { shareKeys: ["slug"] }, spaces: { shareKeys: ["id"] } },
      },
    );
    assert.deepEqual(notes, [
      'tenantguard: tables.poll.shareKeys: "slug" is not a column of polls',
      'tenantguard: tables.spaces.shareKeys: "spaces" is not a tenant-owned table, so it needs no share key',
    ]);
  });
});

describe("Prisma", () => {
  const reads = `  const poll = await prisma.poll.findUnique({ where: { id: pollId } });
  const people = await prisma.participant.findMany({ where: { pollId } });
  return { poll, people };`;

  test("a read by the share key, and of the children by their key to it, is proven", () => {
    const r = prismaRun(reads);
    assert.deepEqual(r.flagged, []);
    assert.deepEqual(r.proofs, [
      "polls.ts:4 share-link: read by a share link the config declares (shareKeys): `id: pollId`",
      "polls.ts:5 share-link: read by a share link the config declares (shareKeys): `pollId`",
    ]);
  });

  test("twin: without the declaration the same reads are leaks", () => {
    const r = prismaRun(reads, { tenantColumns: ["spaceId"] });
    assert.deepEqual(r.flagged, [
      "polls.ts:4: findUnique({ where: { id: pollId } })",
      "polls.ts:5: findMany({ where: { pollId } })",
    ]);
  });

  test("twin: a write by the share key, or a read by another column, still needs the tenant", () => {
    const r = prismaRun(`  await prisma.poll.update({ where: { id: pollId }, data: { title } });
  await prisma.participant.deleteMany({ where: { pollId } });
  return prisma.poll.findFirst({ where: { title } });`);
    assert.deepEqual(r.flagged, [
      "polls.ts:4: update({ where: { id: pollId }, data: { title } })",
      "polls.ts:5: deleteMany({ where: { pollId } })",
      "polls.ts:6: findFirst({ where: { title } })",
    ]);
  });

  test("twin: a row read by the link proves no later write: whoever holds the link is anyone", () => {
    const r = prismaRun(`  const poll = await prisma.poll.findUnique({ where: { id: pollId } });
  if (!poll) throw new Error("no poll");
  await prisma.poll.delete({ where: { id: poll.id } });
  await prisma.poll.update({ where: { id: pollId }, data: { title } });
  const people = await prisma.participant.findMany({ where: { pollId } });
  await prisma.participant.deleteMany({ where: { id: { in: people.map((p) => p.id) } } });`);
    assert.deepEqual(r.flagged, [
      "polls.ts:6: delete({ where: { id: poll.id } })",
      "polls.ts:7: update({ where: { id: pollId }, data: { title } })",
      "polls.ts:9: deleteMany({ where: { id: { in: people.map((p) => p.id) } } })",
    ]);
  });

  test("a key from a read by the tenant still proves a write, with a share key declared", () => {
    const r = prismaRun(`  const poll = await prisma.poll.findFirst({ where: { id: pollId, spaceId: "s1" } });
  if (!poll) throw new Error("no poll");
  await prisma.poll.delete({ where: { id: poll.id } });`);
    assert.deepEqual(r.flagged, []);
  });

  test("a credential beside the link decides: a key from that read proves a write", () => {
    const r = prismaRun(`  const me = await prisma.participant.findFirst({ where: { pollId, token: sha256(title) } });
  if (!me) throw new Error("not yours");
  await prisma.participant.update({ where: { id: me.id }, data: { name: title } });`);
    assert.deepEqual(r.flagged, []);
    assert.match(r.proofs[0]!, /^polls\.ts:4 credential: /);
  });

  test("twin: a key that may be undefined, or a literal, is no link anyone was given", () => {
    const model = discover({ "/p/prisma/schema.prisma": PRISMA_SCHEMA }, SHARED).model;
    const r = runFlow(
      parser,
      model,
      {
        "/p/src/polls.ts": `${PRISMA_CLIENT}export async function handler(pollId?: string) {
  await prisma.participant.findMany({ where: { pollId } });
  await prisma.poll.findFirst({ where: { id: "demo" } });
}`,
      },
      { config: SHARED },
    );
    assert.deepEqual(r.flagged, [
      "polls.ts:4: findMany({ where: { pollId } })",
      'polls.ts:5: findFirst({ where: { id: "demo" } })',
    ]);
  });
});

describe("raw SQL", () => {
  const run = (body: string, config: ConfigFile = SHARED) => prismaRun(body.replace(/^/gm, "  "), config);

  test("a SELECT by the share key, or of the children by their key to it, is proven", () => {
    const r = run(`const poll = await prisma.$queryRaw\`SELECT * FROM polls WHERE id = \${pollId}\`;
return prisma.$queryRaw\`SELECT p.name FROM participants p WHERE p.poll_id = \${pollId}\`;`);
    assert.deepEqual(r.flagged, []);
    assert.deepEqual(r.proofs, [
      "polls.ts:4 share-link: read by a share link the config declares (shareKeys): `id = ${pollId}`",
      "polls.ts:5 share-link: read by a share link the config declares (shareKeys): `p.poll_id = ${pollId}`",
    ]);
  });

  test("twin: an UPDATE or DELETE by it, and a SELECT without the declaration, are leaks", () => {
    const writes = run(`await prisma.$executeRaw\`UPDATE polls SET title = \${title} WHERE id = \${pollId}\`;
await prisma.$executeRaw\`DELETE FROM participants WHERE poll_id = \${pollId}\`;`);
    assert.deepEqual(writes.flagged, ["polls.ts:4: polls", "polls.ts:5: participants"]);
    const keyed =
      run(`const [poll] = await prisma.$queryRaw<{ id: string }[]>\`SELECT id FROM polls WHERE id = \${pollId}\`;
if (!poll) throw new Error("no poll");
await prisma.$executeRaw\`DELETE FROM polls WHERE id = \${poll.id}\`;`);
    assert.deepEqual(keyed.flagged, ["polls.ts:6: polls"], "a row read by the link proves no write");
    const undeclared = run(`return prisma.$queryRaw\`SELECT * FROM polls WHERE id = \${pollId}\`;`, {
      tenantColumns: ["spaceId"],
    });
    assert.deepEqual(undeclared.flagged, ["polls.ts:4: polls"]);
  });
});

describe("Drizzle", () => {
  const config: ConfigFile = { ...SHARED, tenantColumns: ["space_id"], schema: { drizzle: ["src/schema.ts"] } };
  const run = (body: string, cfg: ConfigFile = config) => {
    const files = { "/p/src/schema.ts": DRIZZLE_SCHEMA };
    const model = discover(files, cfg).model;
    return runFlow(
      parser,
      model,
      {
        "/p/src/polls.ts": `import { drizzle } from "drizzle-orm/node-postgres";
import { eq } from "drizzle-orm";
import { polls, participants } from "./schema";
const db = drizzle(process.env.DATABASE_URL!);
export async function handler(pollId: string, title: string) {
${body}
}`,
      },
      { config: cfg },
    );
  };

  test("a select by the share key, or of the children by their key to it, is proven", () => {
    const r = run(`  const [poll] = await db.select().from(polls).where(eq(polls.id, pollId));
  return db.select().from(participants).where(eq(participants.pollId, pollId));`);
    assert.deepEqual(r.flagged, []);
    assert.equal(r.proofs.filter((p) => p.includes(" share-link: ")).length, 2);
  });

  test("twin: an update or delete by it, and a select without the declaration, are leaks", () => {
    const r = run(`  await db.update(polls).set({ title }).where(eq(polls.id, pollId));
  await db.delete(participants).where(eq(participants.pollId, pollId));`);
    assert.deepEqual(r.flagged, ["polls.ts:6: update(polls)", "polls.ts:7: delete(participants)"]);
    const keyed = run(`  const [poll] = await db.select().from(polls).where(eq(polls.id, pollId));
  if (!poll) throw new Error("no poll");
  await db.delete(polls).where(eq(polls.id, poll.id));`);
    assert.deepEqual(keyed.flagged, ["polls.ts:8: delete(polls)"], "a row read by the link proves no write");
    const undeclared = run(`  return db.select().from(polls).where(eq(polls.id, pollId));`, {
      ...config,
      tables: {},
    });
    assert.deepEqual(undeclared.flagged, ["polls.ts:6: from(polls)"]);
  });
});

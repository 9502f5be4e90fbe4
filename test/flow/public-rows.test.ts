// Public rows: a collection, page or poll its tenant chose to publish (`isPublic: true`) is
// anyone's to read. A read that requires the flag true, on the row or through the parent it is
// owned through, needs no tenant filter; a write still does, and a row read so proves no later
// write. Prisma, raw SQL and Drizzle, each safe case beside its unsafe twin, with no config.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import ts from "typescript";
import type { ConfigFile } from "../../server/src/analyzer/config/types";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import { discoverTenantModel } from "../../server/src/analyzer/model/discover";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { PRISMA_CLIENT, runFlow } from "../helpers/flow-run";
import { createMemoryFs } from "../helpers/memory-fs";
import { sqlParser } from "../helpers/sql";

const PRISMA_SCHEMA = `
model Space {
  id          String       @id
  collections Collection[]
}
model Collection {
  id       String  @id
  spaceId  String  @map("space_id")
  space    Space   @relation(fields: [spaceId], references: [id])
  name     String
  isPublic Boolean @map("is_public")
  links    Link[]
  @@map("collections")
}
model Link {
  id           String     @id
  collectionId String     @map("collection_id")
  collection   Collection @relation(fields: [collectionId], references: [id])
  url          String
  @@map("links")
}
`;

const DRIZZLE_SCHEMA = `import { boolean, pgTable, text } from "drizzle-orm/pg-core";
export const collections = pgTable("collections", {
  id: text("id").primaryKey(),
  spaceId: text("space_id").notNull(),
  name: text("name").notNull(),
  isPublic: boolean("is_public").notNull(),
});
`;

const CONFIG: ConfigFile = { tenantColumns: ["space_id"] };

let parser: SqlParser;
before(async () => {
  parser = await sqlParser();
});

function prismaRun(body: string) {
  const files = { "/p/prisma/schema.prisma": PRISMA_SCHEMA };
  const { model } = discoverTenantModel(createMemoryFs(files), resolveConfig(CONFIG, "/p", undefined), parser, ts);
  return runFlow(
    parser,
    model,
    {
      "/p/src/public.ts": `${PRISMA_CLIENT}export async function handler(id: string, name: string, flag: boolean, spaceId: string) {\n${body}\n}`,
    },
    { config: CONFIG },
  );
}

describe("Prisma", () => {
  test("a read that requires the flag, on the row or through its parent, is proven as public rows", () => {
    const r = prismaRun(`  const c = await prisma.collection.findFirst({ where: { id, isPublic: true } });
  return prisma.link.findMany({ where: { collectionId: id, collection: { isPublic: true } } });`);
    assert.deepEqual(r.flagged, []);
    assert.deepEqual(r.proofs, [
      "public.ts:4 public-rows: reads only rows their tenant made public: `isPublic: true`",
      "public.ts:5 public-rows: reads only rows their tenant made public: `isPublic: true`",
    ]);
  });

  test("twin: a write, the flag false or a variable, or inside OR, still needs the tenant", () => {
    const r = prismaRun(`  await prisma.collection.update({ where: { id, isPublic: true }, data: { name } });
  await prisma.collection.findFirst({ where: { id, isPublic: false } });
  await prisma.collection.findFirst({ where: { id, isPublic: flag } });
  await prisma.collection.findMany({ where: { OR: [{ isPublic: true }, { name }] } });`);
    assert.equal(r.flagged.length, 4, r.flagged.join("\n"));
  });

  test("a row read by id and checked to be public or the tenant's before use; its key proves no write", () => {
    const r = prismaRun(`  const c = await prisma.collection.findUnique({ where: { id } });
  if (!c || (!c.isPublic && c.spaceId !== spaceId)) throw new Error("not found");
  const d = await prisma.collection.findUnique({ where: { id: name } });
  if (d?.isPublic === false && d.spaceId !== spaceId) throw new Error("not found");
  await prisma.collection.update({ where: { id: c.id }, data: { name } });
  return [c, d];`);
    assert.deepEqual(r.flagged, ["public.ts:8: update({ where: { id: c.id }, data: { name } })"]);
  });

  // outline's attachments: `if (attachment.isPrivate && attachment.teamId !== user?.teamId) throw`.
  test("the same check written with a private flag (`c.isPrivate && ...`, `c.isPrivate === true && ...`)", () => {
    for (const test of ["c.isPrivate", "c.isPrivate === true", "c.is_private !== false"]) {
      const r = prismaRun(`  const c = await prisma.collection.findUnique({ where: { id } });
  if (!c || (${test} && c.spaceId !== spaceId)) throw new Error("not found");
  return c;`);
      assert.deepEqual(r.flagged, [], test);
    }
  });

  test("a private flag tested on its own: no public check (a null flag passes), and no trouble for the checks around it", () => {
    const r = prismaRun(`  const c = await prisma.collection.findUnique({ where: { id } });
  if (!c || c.spaceId !== spaceId) throw new Error("not found");
  if (c.isPrivate) console.log("private");
  await prisma.collection.update({ where: { id: c.id }, data: { name } });
  const d = await prisma.collection.findUnique({ where: { id: name } });
  if (!d || d.isPrivate) throw new Error("not found");
  return d;`);
    assert.deepEqual(r.flagged, ["public.ts:8: findUnique({ where: { id: name } })"]);
  });

  test("twins: the private flag negated or false, another flag", () => {
    for (const test of ["!c.isPrivate", "c.isPrivate === false", "c.isArchived"]) {
      const r = prismaRun(`  const c = await prisma.collection.findUnique({ where: { id } });
  if (!c || (${test} && c.spaceId !== spaceId)) throw new Error("not found");
  return c;`);
      assert.equal(r.flagged.length, 1, test);
    }
  });

  test("twin: the public test on another row, or public without the tenant check", () => {
    const r = prismaRun(`  const c = await prisma.collection.findUnique({ where: { id } });
  const other = await prisma.collection.findFirst({ where: { spaceId } });
  if (!other?.isPublic && c?.spaceId !== spaceId) throw new Error("not found");
  const d = await prisma.collection.findUnique({ where: { id: name } });
  if (!d?.isPublic && d?.name !== name) throw new Error("not found");
  const e = await prisma.collection.findUnique({ where: { id: flag ? id : name } });
  if (e?.visibility === "private" && e.spaceId !== spaceId) throw new Error("not found");
  return [c, d, e];`);
    // The third: not private is not public (an "internal" row of another tenant passes).
    assert.equal(r.flagged.length, 3, r.flagged.join("\n"));
  });

  test("a row read by id and checked to be public alone before use (Flowise's public chatbot config)", () => {
    const r = prismaRun(`  const c = await prisma.collection.findUnique({ where: { id } });
  if (!c || !c.isPublic) throw new Error("not found");
  const d = await prisma.collection.findUnique({ where: { id: name } });
  if (d?.isPublic !== true) throw new Error("not found");
  return [c, d];`);
    assert.deepEqual(r.flagged, []);
    assert.match(
      r.proofs[0]!,
      /public-rows: the row's isPublic is checked to be public on line 5, and a row that is not ends the path/,
    );
  });

  test("twins: a public check that only logs, another flag, `=== false` (a null flag passes), a write or a child read by the public row's key", () => {
    const r = prismaRun(`  const c = await prisma.collection.findUnique({ where: { id } });
  if (!c || !c.isPublic) console.warn("not public");
  const d = await prisma.collection.findUnique({ where: { id: name } });
  if (!d || !d.isArchived) throw new Error("gone");
  const e = await prisma.collection.findUnique({ where: { id: spaceId } });
  if (!e || !e.isPublic) throw new Error("not found");
  await prisma.collection.update({ where: { id: e.id }, data: { name } });
  const f = await prisma.collection.findUnique({ where: { id: name + "f" } });
  if (!f || f.isPublic === false) throw new Error("not found");
  await prisma.link.findMany({ where: { collectionId: e.id } });
  return [c, d, e, f];`);
    assert.deepEqual(r.flagged, [
      "public.ts:4: findUnique({ where: { id } })",
      "public.ts:6: findUnique({ where: { id: name } })",
      "public.ts:10: update({ where: { id: e.id }, data: { name } })",
      'public.ts:11: findUnique({ where: { id: name + "f" } })',
      "public.ts:13: findMany({ where: { collectionId: e.id } })",
    ]);
  });

  test("a row whose visibility field is checked to say public before use (openstatus's `accessType`); twins: another value, the test inverted", () => {
    const r = prismaRun(`  const c = await prisma.collection.findUnique({ where: { id } });
  if (!c) return null;
  if (c.accessType !== "public") return null;
  return c;`);
    assert.deepEqual(r.flagged, []);
    const twins = prismaRun(`  const c = await prisma.collection.findUnique({ where: { id } });
  if (!c || c.accessType !== "private") return null;
  const d = await prisma.collection.findUnique({ where: { id: name } });
  if (!d || d.accessType === "public") return null;
  return [c, d];`);
    assert.deepEqual(twins.flagged, [
      "public.ts:4: findUnique({ where: { id } })",
      "public.ts:6: findUnique({ where: { id: name } })",
    ]);
  });

  test("twin: a row read because it is public proves no later write", () => {
    const r = prismaRun(`  const c = await prisma.collection.findFirst({ where: { id, isPublic: true } });
  if (!c) throw new Error("not found");
  await prisma.collection.delete({ where: { id: c.id } });`);
    assert.deepEqual(r.flagged, ["public.ts:6: delete({ where: { id: c.id } })"]);
  });
});

describe("raw SQL", () => {
  test("`is_public = true`, `is_public` or `is_public IS TRUE` in a SELECT is proven", () => {
    const r = prismaRun(`  await prisma.$queryRaw\`SELECT * FROM collections WHERE id = \${id} AND is_public = true\`;
  await prisma.$queryRaw\`SELECT * FROM collections c WHERE c.id = \${id} AND c.is_public\`;
  await prisma.$queryRaw\`SELECT * FROM collections WHERE id = \${id} AND is_public IS TRUE\`;`);
    assert.deepEqual(r.flagged, []);
    assert.equal(r.proofs.filter((p) => p.includes(" public-rows: ")).length, 3, r.proofs.join("\n"));
  });

  test("twin: an UPDATE, the flag false, or the flag in an OR, still needs the tenant", () => {
    const r =
      prismaRun(`  await prisma.$executeRaw\`UPDATE collections SET name = \${name} WHERE id = \${id} AND is_public\`;
  await prisma.$queryRaw\`SELECT * FROM collections WHERE id = \${id} AND is_public = false\`;
  await prisma.$queryRaw\`SELECT * FROM collections WHERE id = \${id} OR is_public\`;`);
    assert.equal(r.flagged.length, 3, r.flagged.join("\n"));
  });
});

describe("Drizzle", () => {
  const config: ConfigFile = { ...CONFIG, schema: { drizzle: ["src/schema.ts"] } };
  const run = (body: string) => {
    const files = { "/p/src/schema.ts": DRIZZLE_SCHEMA };
    const { model } = discoverTenantModel(createMemoryFs(files), resolveConfig(config, "/p", undefined), parser, ts);
    return runFlow(
      parser,
      model,
      {
        "/p/src/public.ts": `import { drizzle } from "drizzle-orm/node-postgres";
import { and, eq } from "drizzle-orm";
import { collections } from "./schema";
const db = drizzle(process.env.DATABASE_URL!);
export async function handler(id: string, name: string) {
${body}
}`,
      },
      { config },
    );
  };

  test("a select that requires the flag is proven; an update with it, or the flag false, is not", () => {
    const r =
      run(`  await db.select().from(collections).where(and(eq(collections.id, id), eq(collections.isPublic, true)));
  await db.update(collections).set({ name }).where(and(eq(collections.id, id), eq(collections.isPublic, true)));
  await db.select().from(collections).where(and(eq(collections.id, id), eq(collections.isPublic, false)));`);
    assert.deepEqual(r.flagged, ["public.ts:7: update(collections)", "public.ts:8: from(collections)"]);
    assert.equal(r.proofs.filter((p) => p.includes(" public-rows: ")).length, 1, r.proofs.join("\n"));
  });
});

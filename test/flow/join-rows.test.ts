// A row owned through one parent that names another tenant-owned row (`LinkTag` of a link and a
// tag, dub's link tags): both keys must be the tenant's, or the tenant's link is tied to another
// tenant's tag, whose name the link's readers then see (and that tenant sees the link).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { harness, PRISMA_CLIENT } from "../helpers/flow-run";

const SCHEMA = `
model Link {
  id        String    @id
  projectId String
  tags      LinkTag[]
}

model Tag {
  id        String    @id
  projectId String
  links     LinkTag[]
}

model LinkTag {
  id       String @id
  linkId   String
  link     Link   @relation(fields: [linkId], references: [id])
  tagId    String
  tag      Tag    @relation(fields: [tagId], references: [id])
  authorId String
  author   User   @relation(fields: [authorId], references: [id])
}

model User {
  id        String    @id
  projectId String
  linkTags  LinkTag[]
}
`;

const h = harness({ files: { "/p/prisma/schema.prisma": SCHEMA }, config: { tenantColumns: ["projectId"] } });

const run = (body: string) =>
  h.run(
    {
      "/p/src/routes/tags.ts": `${PRISMA_CLIENT}export async function tag(projectId: string, body: { linkId: string; tagId: string; authorId: string }) {
  const link = await prisma.link.findFirst({ where: { id: body.linkId, projectId } });
  if (!link) throw new Error("not found");
${body}
}
`,
    },
    { proofs: () => false, rules: ["missing-tenant-filter", "missing-tenant-on-insert"] },
  );

describe("a join row naming two tenant-owned parents", () => {
  test("both keys proven: the link's from its scoped read, the tag's looked up scoped (or a literal)", () => {
    const r = run(`  const tag = await prisma.tag.findFirst({ where: { id: body.tagId, projectId } });
  if (!tag) throw new Error("not found");
  await prisma.linkTag.create({ data: { linkId: link.id, tagId: tag.id } });
  await prisma.linkTag.create({ data: { linkId: link.id, tagId: body.tagId } });
  await prisma.linkTag.create({ data: { link: { connect: { id: link.id } }, tag: { connect: { id: tag.id } } } });
  await prisma.linkTag.create({ data: { linkId: link.id, tagId: undefined, authorId: body.authorId } });`);
    assert.deepEqual(r.flagged, []);
  });

  test("twin: the tag's key from the request, nothing tying it to the tenant", () => {
    const r = run(`  await prisma.linkTag.create({ data: { linkId: link.id, tagId: body.tagId } });`);
    assert.deepEqual(r.flagged, ["routes/tags.ts:6: create({ data: { linkId: link.id, tagId: body.tagId } })"]);
    assert.match(r.messages[0]!, /naming the "Tag" row `body\.tagId`/);
    // Through `connect`, and with the link's key from the request as well.
    const both =
      run(`  await prisma.linkTag.create({ data: { link: { connect: { id: body.linkId } }, tag: { connect: { id: body.tagId } } } });
  const tag = await prisma.tag.findFirst({ where: { id: body.tagId, projectId } });
  if (!tag) throw new Error("not found");
  await prisma.linkTag.create({ data: { linkId: body.linkId, tagId: tag.id } });`);
    assert.equal(both.flagged.length, 1, both.flagged.join("\n"));
    assert.match(both.messages[0]!, /under the "Link" row `body\.linkId`, naming the "Tag" row `body\.tagId`/);
  });

  test("a read of the rows joined to a proven row through a join row (`tags: { some: { tagId } }`, formbricks' tagged responses)", () => {
    const r = run(`  const tag = await prisma.tag.findFirst({ where: { id: body.tagId, projectId } });
  if (!tag) throw new Error("not found");
  await prisma.link.findMany({ where: { tags: { some: { tagId: tag.id } } } });
  await prisma.link.findMany({ where: { tags: { some: { tagId: { in: [body.tagId] } } } } });
  await prisma.link.findMany({ where: { AND: [{ tags: { some: { tagId: tag.id } } }, { id: { not: "x" } }] } });`);
    assert.deepEqual(r.flagged, []);
  });

  test("twin: joined to a tag nothing ties to the tenant, through every/none (which a row with no join row meets), or in one branch of an OR", () => {
    const r = run(`  await prisma.link.findMany({ where: { tags: { some: { tagId: body.tagId } } } });
  const tag = await prisma.tag.findFirst({ where: { id: body.tagId, projectId } });
  if (!tag) throw new Error("not found");
  await prisma.link.findMany({ where: { tags: { every: { tagId: tag.id } } } });
  await prisma.link.findMany({ where: { tags: { none: { tagId: tag.id } } } });
  await prisma.link.findMany({ where: { OR: [{ tags: { some: { tagId: tag.id } } }, { id: { not: "x" } }] } });`);
    assert.deepEqual(r.flagged, [
      "routes/tags.ts:6: findMany({ where: { tags: { some: { tagId: body.tagId } } } })",
      "routes/tags.ts:9: findMany({ where: { tags: { every: { tagId: tag.id } } } })",
      "routes/tags.ts:10: findMany({ where: { tags: { none: { tagId: tag.id } } } })",
      'routes/tags.ts:11: findMany({ where: { OR: [{ tags: { some: { tagId: tag.id } } }, { id: { not: "x" } }] } })',
    ]);
  });

  // formbricks' mergeTags: the responses tagged `{ in: [originalTagId] }`, each re-tagged with the new tag.
  test("the rows read through a literal list of proven keys are the tenant's: their keys file new join rows", () => {
    const r = run(`  const tag = await prisma.tag.findFirst({ where: { id: body.tagId, projectId } });
  if (!tag) throw new Error("not found");
  const links = await prisma.link.findMany({ where: { tags: { some: { tagId: { in: [tag.id, body.tagId] } } } } });
  for (const l of links) await prisma.linkTag.create({ data: { linkId: l.id, tagId: tag.id } });`);
    assert.deepEqual(r.flagged, []);
  });

  test("twin: a list holding one key nothing ties to the tenant", () => {
    const r = run(`  const tag = await prisma.tag.findFirst({ where: { id: body.tagId, projectId } });
  if (!tag) throw new Error("not found");
  const links = await prisma.link.findMany({ where: { tags: { some: { tagId: { in: [tag.id, body.authorId] } } } } });
  for (const l of links) await prisma.linkTag.create({ data: { linkId: l.id, tagId: tag.id } });`);
    assert.deepEqual(r.flagged, [
      "routes/tags.ts:8: findMany({ where: { tags: { some: { tagId: { in: [tag.id, body.authorId] } } } } })",
      "routes/tags.ts:9: create({ data: { linkId: l.id, tagId: tag.id } })",
    ]);
  });
});

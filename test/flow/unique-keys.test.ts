// A Prisma `@unique` field other than `id` names one row as the id does (dub's domains by `slug`):
// its value from a scoped row, or looked up by a scoped read that ends the path when empty,
// proves a later where-unique by that same field, and never one by another field.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { harness, PRISMA_CLIENT } from "../helpers/flow-run";

const SCHEMA = `
model Project {
  id      String   @id
  domains Domain[]
}

model Domain {
  id        String  @id
  slug      String  @unique
  projectId String
  project   Project @relation(fields: [projectId], references: [id])
  verified  Boolean
}
`;

const h = harness({ files: { "/p/prisma/schema.prisma": SCHEMA }, config: { tenantColumns: ["projectId"] } });

const run = (body: string, lib = "") =>
  h.run({
    "/p/src/lib/domains.ts": `${PRISMA_CLIENT}${lib}`,
    "/p/src/routes/domains.ts": `${PRISMA_CLIENT}import { getDomainOrThrow, requireDomain } from "../lib/domains";
export async function handler(projectId: string, domain: string) {
${body}
}
`,
  }).flagged;

const LIB = `export async function getDomainOrThrow({ projectId, domain }: { projectId: string; domain: string }) {
  const found = await prisma.domain.findFirst({ where: { slug: domain, projectId } });
  if (!found) throw new Error("not found");
  return found;
}
export async function requireDomain(projectId: string, domain: string) {
  const found = await prisma.domain.findFirst({ where: { slug: domain, projectId } });
  if (!found) throw new Error("not found");
}
`;

describe("a key by a unique field other than id", () => {
  test("a scoped row's slug, a slug the flow looked up scoped, destructured, from a helper's row or check: proven", () => {
    assert.deepEqual(
      run(
        `  const d = await prisma.domain.findFirst({ where: { slug: domain, projectId } });
  if (!d) throw new Error("not found");
  await prisma.domain.update({ where: { slug: d.slug }, data: { verified: true } });
  await prisma.domain.update({ where: { slug: domain }, data: { verified: true } });
  const { slug } = await getDomainOrThrow({ projectId, domain });
  await prisma.domain.delete({ where: { slug } });
  await requireDomain(projectId, domain);
  await prisma.domain.delete({ where: { slug: domain } });`,
        LIB,
      ),
      [],
    );
  });

  test("twins: a slug used as an id, an id used as a slug, a slug a helper checked used as an id", () => {
    assert.deepEqual(
      run(
        `  const d = await prisma.domain.findFirst({ where: { slug: domain, projectId } });
  if (!d) throw new Error("not found");
  await prisma.domain.update({ where: { id: d.slug }, data: { verified: true } });
  await prisma.domain.update({ where: { id: domain }, data: { verified: true } });
  const e = await prisma.domain.findFirst({ where: { id: domain, projectId } });
  if (!e) throw new Error("not found");
  await prisma.domain.update({ where: { slug: e.id }, data: { verified: true } });
  await requireDomain(projectId, domain);
  await prisma.domain.delete({ where: { id: domain } });
  const r = await prisma.domain.findUnique({ where: { id: d.slug } });
  if (!r) throw new Error("not found");
  await prisma.domain.delete({ where: { id: r.id } });`,
        LIB,
      ),
      [
        "routes/domains.ts:7: update({ where: { id: d.slug }, data: { verified: true } })",
        "routes/domains.ts:8: update({ where: { id: domain }, data: { verified: true } })",
        "routes/domains.ts:11: update({ where: { slug: e.id }, data: { verified: true } })",
        "routes/domains.ts:13: delete({ where: { id: domain } })",
        "routes/domains.ts:14: findUnique({ where: { id: d.slug } })",
        "routes/domains.ts:16: delete({ where: { id: r.id } })",
      ],
    );
  });

  // langfuse's API keys: the row read by its unique public key, then its secret verified.
  test("a row read by a unique field and then checked proves that field's value, as that field", () => {
    assert.deepEqual(
      run(`  const d = await prisma.domain.findUnique({ where: { slug: domain } });
  if (!d || d.projectId !== projectId) throw new Error("not found");
  await prisma.domain.update({ where: { slug: domain }, data: { verified: true } });`),
      [],
    );
  });

  test("twin: the same value used as an id", () => {
    assert.deepEqual(
      run(`  const d = await prisma.domain.findUnique({ where: { slug: domain } });
  if (!d || d.projectId !== projectId) throw new Error("not found");
  await prisma.domain.update({ where: { id: domain }, data: { verified: true } });`),
      ["routes/domains.ts:7: update({ where: { id: domain }, data: { verified: true } })"],
    );
  });
});

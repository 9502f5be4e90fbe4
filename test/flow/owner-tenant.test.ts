// A tenant that is a user: linkwarden's collections and tags belong to their `ownerId`. The
// owner is then the tenant, called `userId` or `user.id` wherever the code holds it; a row's
// owner compared with it (`if (tag?.ownerId !== userId) return`) checks the row, and an optional
// chain in the comparison ends the path on a missing row too. A permission helper that returns
// the one scoped read keyed by its argument (`getPermission({ userId, collectionId })`) verifies
// that key for a caller whose path ends on an empty answer, imported by name or as the module's
// default export.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { TenantModel } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { runFlow } from "../helpers/flow-run";
import { sqlParser } from "../helpers/sql";
import { prismaModel } from "../orm/prisma-harness";

const SCHEMA = `model User {
  id          Int          @id
  collections Collection[]
  tags        Tag[]
}
model Collection {
  id      Int    @id
  name    String
  ownerId Int
  owner   User   @relation(fields: [ownerId], references: [id])
  members Member[]
}
model Member {
  userId       Int
  collectionId Int
  collection   Collection @relation(fields: [collectionId], references: [id])
  @@id([userId, collectionId])
}
model Tag {
  id      Int    @id
  name    String
  ownerId Int
  owner   User   @relation(fields: [ownerId], references: [id])
}
`;
const CONFIG = { tenantColumns: ["ownerId"], globalTables: ["User"] };

let parser: SqlParser;
let model: TenantModel;
before(async () => {
  parser = await sqlParser();
  model = prismaModel(parser, SCHEMA, CONFIG);
});

const PRISMA = `import { PrismaClient } from "@prisma/client";\nconst prisma = new PrismaClient();\n`;
const run = (files: Record<string, string>) => runFlow(parser, model, files, { config: CONFIG });

describe("the owner compared with the user", () => {
  const tags = (check: string) =>
    run({
      "/p/src/tags.ts": `${PRISMA}export async function deleteTag(userId: number, tagId: number) {
  const tag = await prisma.tag.findUnique({ where: { id: tagId } });
  ${check}
  return prisma.tag.delete({ where: { id: tagId } });
}
`,
    });

  test("`userId` (or `user.id`) is the tenant when the tenant column names the owner: the comparison checks the row", () => {
    assert.deepEqual(tags("if (!tag || tag.ownerId !== userId) return { status: 401 };").flagged, []);
    assert.deepEqual(tags("if (tag?.ownerId !== userId) return { status: 401 };").flagged, []);
    assert.deepEqual(tags("if (!tag || tag.ownerId !== caller.user.id) throw new Error('forbidden');").flagged, []);
  });

  test("twin: only a test that the row exists, or the owner compared with what the client sent", () => {
    // Only tested for presence, the read is an existence check: the write after it is the finding.
    assert.equal(tags("if (!tag) return { status: 404 };").flagged.length, 1);
    assert.equal(tags("if (!tag || tag.ownerId !== req.body.userId) return { status: 401 };").flagged.length, 2);
    assert.equal(tags("if (!tag || tag.ownerId !== input.user.id) return { status: 401 };").flagged.length, 2);
  });

  test("twin: `!=` with nothing, or a comparison that only logs, does not end the path on a missing row", () => {
    assert.equal(tags("if (tag?.ownerId != undefined) console.log(tag);").flagged.length, 2);
    assert.equal(tags("if (tag?.ownerId !== userId) console.warn('not yours');").flagged.length, 2);
  });
});

describe("a permission helper returning the one scoped read keyed by its argument", () => {
  const helper = (
    exported: string,
  ) => `${PRISMA}${exported} async function getPermission({ userId, collectionId }: { userId: number; collectionId: number }) {
  return prisma.collection.findFirst({
    where: { id: collectionId, ownerId: userId },
    include: { members: true },
  });
}
`;
  const files = (exported: string, imported: string, check: string) => ({
    "/p/src/permissions.ts": helper(exported),
    "/p/src/collections.ts": `import { PrismaClient } from "@prisma/client";
import ${imported} from "./permissions";
const prisma = new PrismaClient();
export async function deleteCollection(userId: number, collectionId: number) {
  const c = await getPermission({ userId, collectionId });
  ${check}
  return prisma.collection.delete({ where: { id: collectionId } });
}
`,
  });

  test("a caller whose path ends on an empty answer has the key verified, by name or as the default export", () => {
    const named = run(files("export", "{ getPermission }", "if (!c) return { status: 401 };"));
    assert.deepEqual(named.flagged, []);
    assert.ok(
      named.proofs.some((p) =>
        p.includes(
          "key `collectionId` was looked up by the scoped query on line 5, and the path ends when it finds nothing",
        ),
      ),
      named.proofs.join("\n"),
    );
    assert.deepEqual(
      run(files("export default", "getPermission", "if (c?.ownerId !== userId) return { status: 401 };")).flagged,
      [],
    );
  });

  test("twin: an answer never tested, or a key other than the one the helper read by", () => {
    assert.deepEqual(run(files("export", "{ getPermission }", "console.log(c);")).flagged, [
      "collections.ts:7: delete({ where: { id: collectionId } })",
    ]);
    const other = files("export default", "getPermission", "if (!c) return { status: 401 };");
    other["/p/src/collections.ts"] = other["/p/src/collections.ts"].replace(
      "where: { id: collectionId } })",
      "where: { id: collectionId + 1 } })",
    );
    assert.deepEqual(run(other).flagged, ["collections.ts:7: delete({ where: { id: collectionId + 1 } })"]);
  });
});

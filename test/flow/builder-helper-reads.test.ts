// A data-layer method that returns a by-key read of a query builder or repository, unchecked
// (`findById(id) { return db.selectFrom("pages")...executeTakeFirst() }`), is proven by its callers
// when each checks the row it gets back before using it (docmost's page repository and CASL);
// a caller that uses the row unchecked leaves the read flagged.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { harness } from "../helpers/flow-run";

const MIGRATION = `CREATE TABLE pages (id uuid PRIMARY KEY, workspace_id uuid NOT NULL, title text);`;
const h = harness({
  files: { "/p/db/001.sql": MIGRATION },
  config: { tenantColumns: ["workspace_id"], schema: { migrations: ["db/*.sql"] } },
});

/** The repository's read of one page by its id, in each query builder the migrations' tables serve. */
const READS: [string, string, string][] = [
  [
    "kysely",
    `import { db } from "./db";`,
    `return db.selectFrom("pages").selectAll().where("id", "=", pageId).executeTakeFirst();`,
  ],
  ["knex", `import { knex } from "./db";`, `return knex("pages").where({ id: pageId }).first();`],
];

const files = (imports: string, read: string, handler: string) => ({
  "/p/src/page.repo.ts": `${imports}
export class PageRepo {
  async findById(pageId: string) {
    ${read}
  }
}
`,
  "/p/src/page.controller.ts": `import { PageRepo } from "./page.repo";
import { ForbiddenException, NotFoundException } from "@nestjs/common";
import { ForbiddenError } from "@casl/ability";
export class PageController {
  constructor(private readonly pageRepo: PageRepo, private readonly ability: { createForUser(u: unknown, id: string): Promise<{ cannot(a: string, s: string): boolean }> }) {}
  async getPage(dto: { pageId: string }, user: { id: string; workspaceId: string }) {
    const page = await this.pageRepo.findById(dto.pageId);
    if (!page) throw new NotFoundException();
${handler}
    return page;
  }
}
`,
});

describe("a repository's unchecked by-key read, proven by what its callers check", () => {
  for (const [orm, imports, read] of READS) {
    test(`${orm}: the caller compares the row's tenant, or hands it to an authorization check that throws`, () => {
      for (const check of [
        `    if (page.workspace_id !== user.workspaceId) throw new ForbiddenException();`,
        `    const ability = await this.ability.createForUser(user, page.workspace_id);
    if (ability.cannot("read", "Page")) throw new ForbiddenException();`,
        // CASL's own throwing form (infisical's services).
        `    const { permission } = await this.ability.createForUser(user, page.workspace_id);
    ForbiddenError.from(permission).throwUnlessCan("read", "Page");`,
      ])
        assert.deepEqual(h.run(files(imports, read, check)).flagged, [], check);
    });

    test(`twin, ${orm}: CASL's throwUnlessCan on an ability made for the request's workspace, or only asked`, () => {
      for (const check of [
        `    const { permission } = await this.ability.createForUser(user, dto.pageId);
    ForbiddenError.from(permission).throwUnlessCan("read", "Page");`,
        `    const { permission } = await this.ability.createForUser(user, page.workspace_id);
    ForbiddenError.from(permission).can("read", "Page");`,
        // Only under a condition, or with its throw swallowed: the row goes back either way.
        `    const { permission } = await this.ability.createForUser(user, page.workspace_id);
    if (dto.pageId.length > 3) ForbiddenError.from(permission).throwUnlessCan("read", "Page");`,
        `    const { permission } = await this.ability.createForUser(user, page.workspace_id);
    try { ForbiddenError.from(permission).throwUnlessCan("read", "Page"); } catch (e) { console.warn(e); }`,
      ]) {
        const flagged = h.run(files(imports, read, check)).flagged;
        assert.equal(flagged.length, 1, `${check}: ${flagged.join("\n")}`);
      }
    });

    test(`twin, ${orm}: the caller returns the row unchecked, or only logs a mismatch`, () => {
      for (const check of [
        "",
        `    if (page.workspace_id !== user.workspaceId) console.warn("another workspace's page");`,
      ]) {
        const flagged = h.run(files(imports, read, check)).flagged;
        assert.equal(flagged.length, 1, `${check}: ${flagged.join("\n")}`);
        assert.match(flagged[0]!, /^page\.repo\.ts:4: /);
      }
    });
  }
});

// Query builders on a project shaped like docmost (Kysely, workspace_id): table names written in
// camelCase (Kysely's CamelCasePlugin, Knex's snake-case mappers) are the snake_case tables; a
// join on a scoped row's other foreign key (`users.id = comments.creator_id`) scopes the joined
// table, as raw SQL takes it.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { TenantModel } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { modelOf } from "../helpers/model";
import { sqlParser } from "../helpers/sql";
import { analyzeBuilder, brief, caseModule } from "./builders";

const MIGRATION = `
CREATE TABLE workspaces (id uuid PRIMARY KEY);
CREATE TABLE users (id uuid PRIMARY KEY, name text, workspace_id uuid NOT NULL REFERENCES workspaces (id));
CREATE TABLE comments (id uuid PRIMARY KEY, creator_id uuid REFERENCES users (id), workspace_id uuid NOT NULL REFERENCES workspaces (id));
CREATE TABLE page_history (id uuid PRIMARY KEY, workspace_id uuid NOT NULL REFERENCES workspaces (id));
ALTER TABLE users ADD COLUMN pinned_comment_id uuid REFERENCES comments (id);
`;
const SCHEMA = `import { pgTable, text, uuid } from "drizzle-orm/pg-core";
export const users = pgTable("users", { id: uuid("id").primaryKey(), name: text("name"), workspaceId: uuid("workspace_id").notNull() });
export const comments = pgTable("comments", { id: uuid("id").primaryKey(), creatorId: uuid("creator_id").references(() => users.id), workspaceId: uuid("workspace_id").notNull() });`;

let parser: SqlParser;
let model: TenantModel;
before(async () => {
  parser = await sqlParser();
  model = modelOf(
    parser,
    { "/p/db/migrations/001.sql": MIGRATION, "/p/src/db/schema.ts": SCHEMA },
    { tenantColumns: ["workspace_id"], schema: { migrations: ["db/migrations/*.sql"] } },
  );
});

const KYSELY = `import { jsonObjectFrom } from "kysely/helpers/postgres";\nimport { db } from "../db";`;
const DRIZZLE = `import { and, eq } from "drizzle-orm";\nimport { db } from "../db";\nimport { comments, users } from "../db/schema";`;

const run = (prelude: string, body: string) => {
  const code = caseModule(prelude, body, "id: string, workspaceId: string");
  return brief(code, analyzeBuilder(parser, code, { model, config: { tenantColumns: ["workspace_id"] } }));
};

describe("a row named by a scoped row's other foreign key is that row's tenant's, as in raw SQL and a Prisma relation", () => {
  test("kysely and drizzle: joined on that key to a scoped row, the joined table is scoped", () => {
    assert.deepEqual(
      run(
        KYSELY,
        `await db.selectFrom("comments").innerJoin("users", "users.id", "comments.creator_id").where("comments.workspace_id", "=", workspaceId).selectAll().execute();
  return db.selectFrom("comments").select((eb) => jsonObjectFrom(eb.selectFrom("users").select(["users.name"]).whereRef("users.id", "=", "comments.creatorId")).as("creator")).where("workspaceId", "=", workspaceId).execute();`,
      ),
      [],
    );
    assert.deepEqual(
      run(
        DRIZZLE,
        `return db.select().from(comments).leftJoin(users, eq(users.id, comments.creatorId)).where(eq(comments.workspaceId, workspaceId));`,
      ),
      [],
    );
  });

  test("two rows that name each other, neither scoped: one is still reported (no circle of covers)", () => {
    assert.deepEqual(
      run(
        KYSELY,
        `return db.selectFrom("comments").innerJoin("users", "users.id", "comments.creator_id").whereRef("comments.id", "=", "users.pinned_comment_id").where("comments.id", "=", id).selectAll().execute();`,
      ),
      ['missing-tenant-filter innerJoin("users", "users.id", "comments.creator_id")'],
    );
  });

  test("twins: the row is not scoped, or the join is on a column that is not a foreign key to the table", () => {
    assert.deepEqual(
      run(
        KYSELY,
        `await db.selectFrom("comments").innerJoin("users", "users.id", "comments.creator_id").where("comments.id", "=", id).selectAll().execute();
  return db.selectFrom("comments").innerJoin("users", "users.id", "comments.editor_id").where("comments.workspace_id", "=", workspaceId).selectAll().execute();`,
      ),
      [
        // Joined to the unscoped comments, users follows them: one finding, on comments.
        'missing-tenant-filter selectFrom("comments")',
        'missing-tenant-filter innerJoin("users", "users.id", "comments.editor_id")',
      ],
    );
    assert.deepEqual(
      run(
        DRIZZLE,
        `return db.select().from(comments).leftJoin(users, eq(users.id, comments.creatorId)).where(eq(comments.id, id));`,
      ),
      ["missing-tenant-filter from(comments)"],
    );
  });
});

describe("a correlated subquery a helper builds from its expression builder (docmost's withCreator)", () => {
  const repo = (calls: string) => `${KYSELY}
import type { ExpressionBuilder } from "kysely";

export class CommentRepo {
  withCreator(eb: ExpressionBuilder<DB, "comments">) {
    return jsonObjectFrom(eb.selectFrom("users").select(["users.name"]).whereRef("users.id", "=", "comments.creatorId")).as("creator");
  }
${calls}
}

export function withEditor(eb: ExpressionBuilder<DB, "comments">) {
  return jsonObjectFrom(eb.selectFrom("users").select(["users.name"]).whereRef("users.id", "=", "comments.creatorId")).as("editor");
}
`;
  const check = (code: string) =>
    brief(code, analyzeBuilder(parser, code, { model, config: { tenantColumns: ["workspace_id"] } }));
  const scoped = `  page(pageId: string, workspaceId: string) {
    return db.selectFrom("comments").selectAll("comments").select((eb) => this.withCreator(eb)).select(withEditor).where("pageId", "=", pageId).where("workspaceId", "=", workspaceId).execute();
  }
  async held(workspaceId: string) {
    const query = db.selectFrom("comments").select((eb) => this.withCreator(eb)).where("workspaceId", "=", workspaceId);
    return query.execute();
  }
  one(id: string, workspaceId: string) {
    return db.selectFrom("comments").select(this.withCreator).where("id", "=", id).where("workspaceId", "=", workspaceId).executeTakeFirst();
  }`;

  test("every query that calls or passes the helper scopes the outer table: the subquery is scoped", () => {
    assert.deepEqual(check(repo(scoped)), []);
  });

  test("twins: one caller does not scope the outer table; the helper is never called from a query", () => {
    const unscoped = `${scoped}
  byId(id: string) {
    return db.selectFrom("comments").select((eb) => this.withCreator(eb)).where("id", "=", id).executeTakeFirst();
  }`;
    // The caller that leaves comments unscoped is reported; the subquery's users follow it.
    assert.deepEqual(check(repo(unscoped)), ['missing-tenant-filter selectFrom("comments")']);
    const code = repo("").replace(/export function withEditor[\s\S]*$/, "");
    assert.deepEqual(check(code), ['missing-tenant-filter selectFrom("users")']);
  });
});

describe("camelCase table names (Kysely's CamelCasePlugin, Knex's snake-case mappers)", () => {
  test("knex: a file whose only table call names pageHistory is checked", () => {
    assert.deepEqual(
      run(
        `import { db } from "../db";`,
        `await db("pageHistory").where("id", id).del();
  return db("pageHistory").where({ workspaceId }).select("*");`,
      ),
      ['missing-tenant-filter db("pageHistory")'],
    );
  });

  test("pageHistory is page_history: unscoped flagged, scoped by workspaceId quiet", () => {
    assert.deepEqual(
      run(
        KYSELY,
        `await db.deleteFrom("pageHistory").where("id", "=", id).execute();
  return db.selectFrom("pageHistory").where("workspaceId", "=", workspaceId).selectAll().execute();`,
      ),
      ['missing-tenant-filter deleteFrom("pageHistory")'],
    );
  });
});

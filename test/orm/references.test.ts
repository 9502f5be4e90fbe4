// Query builders on a project shaped like docmost (Kysely, workspace_id): table names written in
// camelCase (Kysely's CamelCasePlugin, Knex's snake-case mappers) are the snake_case tables; a
// join on a scoped row's other foreign key alone (`users.id = comments.creator_id`) does not scope
// the joined table (DESIGN.md: a tenant equality does).
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

describe("a row named by a scoped row's other foreign key (DESIGN.md: only a tenant equality ties a join)", () => {
  test("kysely and drizzle: joined on that key alone, the joined table is still flagged", () => {
    assert.deepEqual(
      run(
        KYSELY,
        `await db.selectFrom("comments").innerJoin("users", "users.id", "comments.creator_id").where("comments.workspace_id", "=", workspaceId).selectAll().execute();
  return db.selectFrom("comments").innerJoin("users", "users.id", "comments.creator_id").whereRef("users.workspace_id", "=", "comments.workspace_id").where("comments.workspace_id", "=", workspaceId).selectAll().execute();`,
      ),
      ['missing-tenant-filter innerJoin("users", "users.id", "comments.creator_id")'],
    );
    assert.deepEqual(
      run(
        DRIZZLE,
        `return db.select().from(comments).leftJoin(users, eq(users.id, comments.creatorId)).where(eq(comments.workspaceId, workspaceId));`,
      ),
      ["missing-tenant-filter leftJoin(users, eq(users.id, comments.creatorId))"],
    );
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

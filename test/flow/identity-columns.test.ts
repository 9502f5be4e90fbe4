// Kysely, Knex, TypeORM and Sequelize name columns one by one; the reads that identity or a
// flag decides read the same there as in Prisma and Drizzle: a lookup by a secret (`where('token_hash', '=', hash)`), a read
// of rows their tenant made public (`where('is_public', '=', true)`), the signed-in user's own
// rows (`where('owner_id', '=', ctx.user.id)`). Each beside its twin: a literal, a write, the flag
// false, a filter many rows match, a user the client names.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { ConfigFile } from "../../server/src/analyzer/config/types";
import type { TenantModel } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { runFlow } from "../helpers/flow-run";
import { modelOf } from "../helpers/model";
import { sqlParser } from "../helpers/sql";

const MIGRATION = `
CREATE TABLE sessions (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, token_hash text NOT NULL, user_id uuid);
CREATE TABLE collections (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, name text, is_public boolean NOT NULL);
CREATE TABLE videos (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, owner_id uuid NOT NULL, name text);
CREATE TABLE users (id uuid PRIMARY KEY, tenant_id uuid, email text);
`;
const CONFIG: ConfigFile = { tenantColumns: ["tenant_id"], schema: { migrations: ["db/*.sql"] } };

let parser: SqlParser;
let model: TenantModel;
before(async () => {
  parser = await sqlParser();
  model = modelOf(parser, { "/p/db/001.sql": MIGRATION }, CONFIG);
});

const PRELUDE = {
  kysely: `import { db } from "../db";\n`,
  knex: `import { knex } from "../db";\n`,
};

function run(orm: keyof typeof PRELUDE, body: string) {
  const code = `${PRELUDE[orm]}export async function handler(id: string, hash: string, name: string, ctx: any, input: any) {\n${body}\n}\n`;
  return runFlow(parser, model, { "/p/src/h.ts": code }, { config: CONFIG });
}

const kinds = (proofs: string[]) => proofs.map((p) => p.replace(/^h\.ts:(\d+) ([\w-]+):.*$/, "$1 $2"));

describe("Kysely", () => {
  test("a secret, a public flag, the signed-in user's own rows: proven, each by its kind", () => {
    const r = run(
      "kysely",
      `  await db.selectFrom('sessions').selectAll().where('sessions.token_hash', '=', hash).executeTakeFirst();
  await db.selectFrom('collections').selectAll().where('id', '=', id).where('is_public', '=', true).execute();
  await db.selectFrom('videos').selectAll().where('owner_id', '=', ctx.user.id).execute();
  await db.deleteFrom('videos').where('id', '=', id).where('owner_id', '=', ctx.user.id).execute();`,
    );
    assert.deepEqual(r.flagged, []);
    assert.deepEqual(kinds(r.proofs), ["3 credential", "4 public-rows", "5 own-rows", "6 own-rows"]);
  });

  test("twins: a literal token, a write by the token or the flag, the flag false, a user the client names", () => {
    const r = run(
      "kysely",
      `  await db.selectFrom('sessions').selectAll().where('token_hash', '=', 'x').execute();
  await db.deleteFrom('sessions').where('token_hash', '=', hash).execute();
  await db.updateTable('collections').set({ name }).where('id', '=', id).where('is_public', '=', true).execute();
  await db.selectFrom('collections').selectAll().where('id', '=', id).where('is_public', '=', false).execute();
  await db.selectFrom('videos').selectAll().where('owner_id', '=', input.userId).execute();`,
    );
    assert.deepEqual(r.flagged, [
      "h.ts:3: selectFrom('sessions')",
      "h.ts:4: deleteFrom('sessions')",
      "h.ts:5: updateTable('collections')",
      "h.ts:6: selectFrom('collections')",
      "h.ts:7: selectFrom('videos')",
    ]);
  });

  test("a row read because it is public proves no later write by its key", () => {
    const r = run(
      "kysely",
      `  const c = await db.selectFrom('collections').selectAll().where('id', '=', id).where('is_public', '=', true).executeTakeFirstOrThrow();
  await db.deleteFrom('collections').where('id', '=', c.id).execute();`,
    );
    assert.deepEqual(r.flagged, ["h.ts:4: deleteFrom('collections')"]);
  });
});

describe("Knex", () => {
  test("a secret, a public flag, the signed-in user's own rows: proven, each by its kind", () => {
    const r = run(
      "knex",
      `  await knex('sessions').where('token_hash', hash).first();
  await knex('collections').where({ id, is_public: true });
  await knex('videos').where('owner_id', '=', ctx.user.id);`,
    );
    assert.deepEqual(r.flagged, []);
    assert.deepEqual(kinds(r.proofs), ["3 credential", "4 public-rows", "5 own-rows"]);
  });

  test("twins: a literal token, a write by the token, the flag false, a user the client names", () => {
    const r = run(
      "knex",
      `  await knex('sessions').where('token_hash', 'x');
  await knex('sessions').where('token_hash', hash).del();
  await knex('collections').where({ id, is_public: false });
  await knex('videos').where('owner_id', input.userId);`,
    );
    assert.deepEqual(r.flagged, [
      "h.ts:3: knex('sessions')",
      "h.ts:4: knex('sessions')",
      "h.ts:5: knex('collections')",
      "h.ts:6: knex('videos')",
    ]);
  });
});

const ENTITY = (
  name: string,
  table: string,
  columns: string,
) => `import { Column, Entity, PrimaryColumn } from "typeorm";
@Entity("${table}")
export class ${name} {
  @PrimaryColumn() id: string;
  @Column() tenantId: string;
${columns}
}
`;
const DEFINE = (name: string, table: string, columns: string) => `import { DataTypes } from "sequelize";
import { sequelize } from "../db";
export const ${name} = sequelize.define("${name}", {
  id: { type: DataTypes.UUID, primaryKey: true },
  tenantId: DataTypes.UUID,
${columns}
}, { tableName: "${table}" });
`;

function runEntities(schema: Record<string, string>, prelude: string, body: string, config: ConfigFile) {
  const entityModel = modelOf(parser, schema, config);
  const code = `${prelude}export async function handler(id: string, hash: string, name: string, ctx: any, input: any) {\n${body}\n}\n`;
  return runFlow(parser, entityModel, { "/p/src/h.ts": code }, { config });
}

describe("TypeORM", () => {
  const schema = {
    "/p/src/entities/session.entity.ts": ENTITY("Session", "sessions", "  @Column() tokenHash: string;"),
    "/p/src/entities/collection.entity.ts": ENTITY("Collection", "collections", "  @Column() isPublic: boolean;"),
    "/p/src/entities/video.entity.ts": ENTITY("Video", "videos", "  @Column() ownerId: string;"),
  };
  const config: ConfigFile = { tenantColumns: ["tenantId"], schema: { typeorm: ["src/entities/*.ts"] } };
  const prelude = `import { AppDataSource } from "../data-source";
import { Session } from "../entities/session.entity";
import { Collection } from "../entities/collection.entity";
import { Video } from "../entities/video.entity";
`;
  const run = (body: string) => runEntities(schema, prelude, body, config);

  test("a secret, a public flag, the signed-in user's own rows: proven, each by its kind", () => {
    const r = run(`  await AppDataSource.getRepository(Session).findOneBy({ tokenHash: hash });
  await AppDataSource.getRepository(Collection).findOne({ where: { id, isPublic: true } });
  await AppDataSource.getRepository(Video).find({ where: { ownerId: ctx.user.id } });`);
    assert.deepEqual(r.flagged, []);
    assert.deepEqual(kinds(r.proofs), ["6 credential", "7 public-rows", "8 own-rows"]);
  });

  test("twins: a literal token, an operator many rows match, a write by the token, the flag false, a user the client names", () => {
    const r = run(`  await AppDataSource.getRepository(Session).findOneBy({ tokenHash: input.headers["x-token"] });
  await AppDataSource.getRepository(Video).find({ where: { ownerId: ctx.user?.id } });
  await AppDataSource.getRepository(Session).findOneBy({ tokenHash: "x" });
  await AppDataSource.getRepository(Session).findBy({ tokenHash: Not(IsNull()) });
  await AppDataSource.getRepository(Session).delete({ tokenHash: hash });
  await AppDataSource.getRepository(Collection).findOne({ where: { id, isPublic: false } });
  await AppDataSource.getRepository(Video).find({ where: { ownerId: input.userId } });`);
    assert.equal(r.flagged.length, 7, r.flagged.join("\n"));
  });
});

describe("Sequelize", () => {
  const schema = {
    "/p/src/models/session.model.ts": DEFINE("Session", "sessions", "  tokenHash: DataTypes.STRING,"),
    "/p/src/models/collection.model.ts": DEFINE("Collection", "collections", "  isPublic: DataTypes.BOOLEAN,"),
    "/p/src/models/video.model.ts": DEFINE("Video", "videos", "  ownerId: DataTypes.UUID,"),
  };
  const config: ConfigFile = { tenantColumns: ["tenantId"], schema: { sequelize: ["src/models/*.ts"] } };
  const prelude = `import { Op } from "sequelize";
import { Session } from "../models/session.model";
import { Collection } from "../models/collection.model";
import { Video } from "../models/video.model";
`;
  const run = (body: string) => runEntities(schema, prelude, body, config);

  test("a secret, a public flag, the signed-in user's own rows: proven, each by its kind", () => {
    const r = run(`  await Session.findOne({ where: { tokenHash: hash } });
  await Collection.findAll({ where: { id, isPublic: true } });
  await Video.count({ where: { ownerId: ctx.user.id } });`);
    assert.deepEqual(r.flagged, []);
    assert.deepEqual(kinds(r.proofs), ["6 credential", "7 public-rows", "8 own-rows"]);
  });

  test("twins: a literal token, an operator many rows match, a write by the token, the flag false, a user the client names", () => {
    const r = run(`  await Session.findOne({ where: { tokenHash: "x" } });
  await Session.findAll({ where: { tokenHash: { [Op.ne]: null } } });
  await Session.destroy({ where: { tokenHash: hash } });
  await Collection.findAll({ where: { id, isPublic: false } });
  await Video.findAll({ where: { ownerId: input.userId } });`);
    assert.equal(r.flagged.length, 5, r.flagged.join("\n"));
  });
});

// midday's users: `team_id` is only the team the user is looking at; the user's own row is theirs.
describe("the signed-in user's own row of the users table", () => {
  test("read by the session's user id: own rows", () => {
    const r = run("knex", `  await knex('users').where('id', ctx.user.id).first();`);
    assert.deepEqual(r.flagged, []);
    assert.deepEqual(kinds(r.proofs), ["3 own-rows"]);
  });

  test("twins: by a user id the client names, by another column, a write (it may set the user's tenant to any team)", () => {
    const r = run(
      "knex",
      `  await knex('users').where('id', input.userId).first();
  await knex('users').where('email', ctx.user.id).first();
  await knex('users').where({ id: ctx.user.id }).update({ tenant_id: input.teamId });`,
    );
    assert.deepEqual(r.flagged, ["h.ts:3: knex('users')", "h.ts:4: knex('users')", "h.ts:5: knex('users')"]);
  });
});

// A table whose migration names its primary key otherwise than `id` (lightdash's `groups.group_uuid`):
// the flow reads that column as the row's key, in Knex chains and raw SQL, as it reads `id`.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { ConfigFile } from "../../server/src/analyzer/config/types";
import type { TenantModel } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { runFlow } from "../helpers/flow-run";
import { modelOf } from "../helpers/model";
import { sqlParser } from "../helpers/sql";

const MIGRATION = `
CREATE TABLE organizations (organization_id serial PRIMARY KEY, name text);
CREATE TABLE groups (group_uuid uuid PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations (organization_id), name text);
`;
const CONFIG: ConfigFile = { tenantColumns: ["organization_id"], schema: { migrations: ["db/*.sql"] } };

let parser: SqlParser;
let model: TenantModel;
before(async () => {
  parser = await sqlParser();
  model = modelOf(parser, { "/p/db/001.sql": MIGRATION }, CONFIG);
});

function run(body: string) {
  const code = `import { knex } from "../db";\nimport { pool } from "../pool";\nexport async function handler(groupUuid: string, orgId: number, input: any) {\n${body}\n}\n`;
  return runFlow(parser, model, { "/p/src/h.ts": code }, { config: CONFIG });
}

describe("a primary key the migration names otherwise than id", () => {
  test("read by it, the row's tenant checked, then changed by the same key (Knex and raw SQL): proven", () => {
    const r = run(`  const group = await knex("groups").where("group_uuid", groupUuid).first();
  if (!group || group.organization_id !== orgId) throw new Error("forbidden");
  await knex("groups").where("group_uuid", groupUuid).del();
  await pool.query("UPDATE groups SET name = $1 WHERE group_uuid = $2", ["x", groupUuid]);
  const scoped = await knex("groups").where({ group_uuid: input.id, organization_id: orgId }).first();
  if (!scoped) throw new Error("not found");
  await knex("groups").where({ group_uuid: scoped.group_uuid }).update({ name: "y" });`);
    assert.deepEqual(r.flagged, []);
  });

  test("twins: the key from the request unchecked, another column of the row as the key", () => {
    const r = run(`  await knex("groups").where("group_uuid", input.other).del();
  const scoped = await knex("groups").where({ group_uuid: input.id, organization_id: orgId }).first();
  if (!scoped) throw new Error("not found");
  await knex("groups").where({ name: scoped.name }).update({ name: "y" });`);
    assert.deepEqual(
      r.flagged.map((f) => f.split(": ")[0]),
      ["h.ts:4", "h.ts:7"],
    );
  });
});

describe("table and column names held in consts another module exports (lightdash's entities files)", () => {
  const ENTITIES = `export const GroupsTableName = "groups";\nexport const OrganizationTableName = "organizations";\n`;
  const files = (body: string) => ({
    "/p/src/entities.ts": ENTITIES,
    "/p/src/h.ts": `import { knex } from "../db";\nimport { GroupsTableName, OrganizationTableName } from "./entities";\nexport async function handler(groupUuid: string, orgUuid: string, input: any) {\n${body}\n}\n`,
  });

  test("an imported table name is read (the delete by any id is reported); a template column scopes", () => {
    const r = runFlow(
      parser,
      model,
      files(`  await knex(GroupsTableName).where("group_uuid", input.id).del();
  return knex(GroupsTableName).where(\`\${GroupsTableName}.organization_id\`, input.org).select("*");`),
      { config: CONFIG },
    );
    assert.deepEqual(
      r.flagged.map((f) => f.split(": ")[0]),
      ["h.ts:4"],
    );
  });

  test("the same read through the type checker (--project), and a table joined by a template of a const", () => {
    const typed = runFlow(
      parser,
      model,
      files(`  await knex(GroupsTableName).where("group_uuid", input.id).del();
  await knex(OrganizationTableName).leftJoin(\`\${GroupsTableName}\`, "groups.organization_id", "organizations.organization_id").select("groups.name");
  return knex(GroupsTableName).where(\`\${GroupsTableName}.organization_id\`, input.org).select("*");`),
      { config: CONFIG, typed: true },
    );
    assert.deepEqual(
      typed.flagged.map((f) => f.split(": ")[0]),
      // Line 5: the organizations read and the groups it joins, both without a predicate.
      ["h.ts:4", "h.ts:5", "h.ts:5"],
    );
  });

  test("twin: a template column of another table's const does not scope this one", () => {
    const r = runFlow(
      parser,
      model,
      files(`  return knex(GroupsTableName).where(\`\${OrganizationTableName}.name\`, input.org).select("*");`),
      { config: CONFIG },
    );
    assert.deepEqual(
      r.flagged.map((f) => f.split(": ")[0]),
      ["h.ts:4"],
    );
  });
});

// A null tenant level on a table owned at several levels (a row owned by a team or by a user, as
// cal.com's are) is no shared row: `teamId: IsNull()` (TypeORM) or `teamId: null` (Sequelize)
// matches every user's personal rows. On a table with one tenant column it stays the
// shared-or-owned form DESIGN.md allows.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import ts from "typescript";
import { analyzeSourceFile } from "../../server/src/analyzer/analyze";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import type { TenantModel } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { modelOf } from "../helpers/model";
import { sqlParser } from "../helpers/sql";

const FILES: Record<string, string> = {
  "/p/src/entities/email.entity.ts": `
import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";
@Entity("emails")
export class Email {
  @PrimaryGeneratedColumn() id: number;
  @Column({ nullable: true }) teamId: number | null;
  @Column({ nullable: true }) userId: number | null;
  @Column() address: string;
}`,
  "/p/src/entities/template.entity.ts": `
import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";
@Entity("templates")
export class Template {
  @PrimaryGeneratedColumn() id: number;
  @Column({ nullable: true }) teamId: number | null;
  @Column() name: string;
}`,
  "/p/src/models/note.model.ts": `
import { DataTypes, Model } from "sequelize";
import { sequelize } from "../db";
export class Note extends Model {}
Note.init(
  { id: { type: DataTypes.INTEGER, primaryKey: true }, teamId: DataTypes.INTEGER, userId: DataTypes.INTEGER, body: DataTypes.TEXT },
  { sequelize, tableName: "notes" },
);`,
};
const CONFIG = { tenantColumns: ["teamId", "userId"] };

let parser: SqlParser;
let model: TenantModel;
before(async () => {
  parser = await sqlParser();
  model = modelOf(parser, FILES, CONFIG);
});

const PRELUDE = `import { IsNull } from "typeorm";
import { Op } from "sequelize";
import { AppDataSource } from "../db";
import { Email } from "../entities/email.entity";
import { Template } from "../entities/template.entity";
import { Note } from "../models/note.model";
const emails = AppDataSource.getRepository(Email);
const templates = AppDataSource.getRepository(Template);
`;

function run(body: string) {
  const code = `${PRELUDE}export async function f(address: string, teamId: number, userId: number) {\n  ${body}\n}\n`;
  const sourceFile = ts.createSourceFile("/p/src/service.ts", code, ts.ScriptTarget.Latest, true);
  return analyzeSourceFile({
    ts,
    sourceFile,
    config: resolveConfig(CONFIG, "/p", undefined),
    model,
    parser,
    relativePath: "src/service.ts",
  }).map((f) => ({ rule: f.ruleId, message: f.message }));
}

describe("TypeORM: IsNull() on one level of a table owned at two", () => {
  test("alone, or as an OR branch beside the user's rows: weak, naming the other level", () => {
    const [alone] = run("return emails.find({ where: { address, teamId: IsNull() } });");
    assert.equal(alone?.rule, "weak-tenant-filter");
    assert.match(alone.message, /tests teamId for null, which matches every row owned at another level \(userId\)/);
    const branch = run("return emails.find({ where: [{ address, userId }, { address, teamId: IsNull() }] });");
    assert.deepEqual(
      branch.map((f) => f.rule),
      ["weak-tenant-filter"],
    );
    assert.match(branch[0]!.message, /tests teamId for null, which matches every row owned at another level/);
  });

  test("twins: both branches compare a level with a value; a one-level table's IsNull() is a shared row", () => {
    assert.deepEqual(run("return emails.find({ where: [{ address, userId }, { address, teamId }] });"), []);
    // Every level null: a row no tenant owns.
    assert.deepEqual(
      run("return emails.find({ where: [{ address, teamId: IsNull(), userId: IsNull() }, { address, teamId }] });"),
      [],
    );
    assert.deepEqual(run("return templates.find({ where: [{ name: address, teamId: IsNull() }, { teamId }] });"), []);
  });
});

describe("Sequelize: null on one level of a table owned at two", () => {
  test("alone, or in an Op.or beside the user's rows: weak", () => {
    assert.deepEqual(
      run("return Note.findAll({ where: { teamId: null } });").map((f) => f.rule),
      ["weak-tenant-filter"],
    );
    assert.deepEqual(
      run("return Note.findAll({ where: { [Op.or]: [{ userId }, { teamId: null }] } });").map((f) => f.rule),
      ["weak-tenant-filter"],
    );
  });

  test("twin: every branch compares a level with a value", () => {
    assert.deepEqual(run("return Note.findAll({ where: { [Op.or]: [{ userId }, { teamId }] } });"), []);
  });
});

// TypeORM entities defined without decorators (`new EntitySchema({...})`, as activepieces defines
// every table) and the repositories code gets for them: `getRepository(FlowEntity)`,
// `getRepository("flow")`, and a getter a factory makes (`const flowRepo = repoFactory(FlowEntity)`).
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import ts from "typescript";
import { analyzeSourceFile } from "../../server/src/analyzer/analyze";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import type { TenantModel } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { readTypeormEntities } from "../../server/src/analyzer/model/typeorm";
import { createMemoryFs } from "../helpers/memory-fs";
import { modelOf } from "../helpers/model";
import { sqlParser } from "../helpers/sql";

const ENTITIES: Record<string, string> = {
  // The default globs: `*-entity.ts` as well as `*.entity.ts`.
  "/p/src/flows/flow-entity.ts": `
import { EntitySchema } from "typeorm";
import { BaseColumnSchemaPart } from "../database/common";
export const FlowEntity = new EntitySchema<FlowSchema>({
  name: "flow",
  columns: {
    ...BaseColumnSchemaPart,
    projectId: { type: String, nullable: false },
    folderId: { type: String, nullable: true },
    displayName: { type: String, name: "display_name" },
  },
  relations: {
    runs: { type: "one-to-many", target: "flow_run", inverseSide: "flow" },
    folder: { type: "many-to-one", target: "folder", nullable: true, joinColumn: { name: "folderId" } },
    project: { type: "many-to-one", target: "project", nullable: false, joinColumn: { name: "projectId" } },
  },
});`,
  "/p/src/flows/flow-run.entity.ts": `
import { EntitySchema } from "typeorm";
export const FlowRunEntity = new EntitySchema({
  name: "flow_run",
  tableName: "flow_runs",
  columns: { id: { type: String, primary: true }, flowId: { type: String } },
  relations: { flow: { type: "many-to-one", target: "flow", nullable: false } },
});`,
  "/p/src/projects/project.entity.ts": `
import { EntitySchema } from "typeorm";
export const ProjectEntity = new EntitySchema({ name: "project", columns: { id: { type: String, primary: true } } });`,
  // activepieces: a column declared with a shared options const (\`projectId: ApIdSchema\`), and a
  // relation joining on it.
  "/p/src/store/store-entry-entity.ts": `
import { EntitySchema } from "typeorm";
import { ApIdSchema, BaseColumnSchemaPart } from "../database/common";
export const StoreEntryEntity = new EntitySchema({
  name: "store-entry",
  columns: { ...BaseColumnSchemaPart, key: { type: String }, projectId: ApIdSchema, value: { type: "jsonb" } },
  relations: { project: { type: "many-to-one", target: "project", joinColumn: { name: "projectId" } } },
});`,
  "/p/src/folders/folder.entity.ts": `
import { EntitySchema } from "typeorm";
export const FolderEntity = new EntitySchema({ name: "folder", columns: { id: { type: String, primary: true }, projectId: { type: String } } });`,
};

const REPO_FACTORY = `
import { EntityManager, EntitySchema, Repository } from "typeorm";
import { databaseConnection } from "../database";
export const repoFactory = <T>(entity: EntitySchema<T>) => (manager?: EntityManager) =>
  (manager ?? databaseConnection()).getRepository(entity.options.name) as Repository<T>;
`;

let parser: SqlParser;
let model: TenantModel;
before(async () => {
  parser = await sqlParser();
  model = modelOf(parser, ENTITIES, { tenantColumns: ["projectId"] });
});

function run(code: string, others: Record<string, string> = {}) {
  const parsed = new Map(
    Object.entries(others).map(([f, t]) => [f, ts.createSourceFile(f, t, ts.ScriptTarget.Latest, true)]),
  );
  const sourceFile = ts.createSourceFile("/p/src/flows/flow.service.ts", code, ts.ScriptTarget.Latest, true);
  return analyzeSourceFile({
    ts,
    sourceFile,
    config: resolveConfig({ tenantColumns: ["projectId"] }, "/p", undefined),
    model,
    parser,
    relativePath: "src/flows/flow.service.ts",
    sourceFileOf: (file) => parsed.get(file),
  }).map((f) => [f.ruleId, code.slice(f.start, f.end)]);
}

describe("TypeORM EntitySchema: the model", () => {
  test("a schema's table, columns and owning relations", () => {
    const flow = model.tables.get("flow");
    assert.equal(flow?.tenantColumn, "projectId");
    assert.deepEqual(flow?.entities?.[0]?.names, ["FlowEntity", "flow"]);
    assert.deepEqual(flow?.entities?.[0]?.fields, {
      projectId: "projectId",
      folderId: "folderId",
      displayName: "display_name",
    });
    // many-to-one only: the one-to-many `runs` has no column here.
    const read = readTypeormEntities(createMemoryFs(ENTITIES), Object.keys(ENTITIES), ts).tables;
    assert.deepEqual(
      read.find((t) => t.name === "flow")?.foreignKeys?.map((k) => [k.columns.join(), k.parent, k.required]),
      [
        ["folderId", "folder", false],
        ["projectId", "project", true],
      ],
    );
  });

  test("a column declared with a shared options const is a column (activepieces' `projectId: ApIdSchema`)", () => {
    const entry = model.tables.get("store-entry");
    assert.equal(entry?.tenantColumn, "projectId");
    assert.deepEqual(entry?.entities?.[0]?.fields, { key: "key", projectId: "projectId", value: "value" });
    const code = `import { StoreEntryEntity } from "../store/store-entry-entity";
export async function f(ds, key: string, projectId: string) {
  await ds.getRepository(StoreEntryEntity).findOneBy({ key, projectId });
  await ds.getRepository(StoreEntryEntity).delete({ key });
}
`;
    assert.deepEqual(run(code), [["missing-tenant-filter", "delete({ key })"]]);
  });

  test("tableName names the table; a required relation to a tenant-owned parent makes the child owned through it", () => {
    const run = model.tables.get("flow_runs");
    assert.deepEqual(run?.entities?.[0]?.names, ["FlowRunEntity", "flow_run"]);
    assert.equal(run?.owner?.parent, "flow");
    assert.equal(model.tables.get("project")?.tenantColumn, undefined);
  });
});

describe("TypeORM EntitySchema: repositories", () => {
  test("getRepository(FlowEntity) and getRepository('flow'): by id alone leaks, with the project is safe", () => {
    const code = `import { FlowEntity } from "./flow-entity";
export async function f(ds, id: string, projectId: string) {
  await ds.getRepository(FlowEntity).findOneBy({ id });
  await ds.getRepository("flow").findOneBy({ id });
  await ds.getRepository(FlowEntity).findOneBy({ id, projectId });
  await ds.getRepository("flow").findOneBy({ id, projectId });
}
`;
    assert.deepEqual(run(code), [
      ["missing-tenant-filter", "findOneBy({ id })"],
      ["missing-tenant-filter", "findOneBy({ id })"],
    ]);
  });

  test("a string naming the table of a decorated entity", () => {
    const decorated = modelOf(
      parser,
      {
        "/p/src/flow.entity.ts": `import { Column, Entity, PrimaryColumn } from "typeorm";
@Entity("flow") export class Flow { @PrimaryColumn() id!: string; @Column() projectId!: string; }`,
      },
      { tenantColumns: ["projectId"] },
    );
    const code = `export const f = (ds, id: string, projectId: string) => [ds.getRepository("flow").findOneBy({ id }), ds.getRepository("Flow").findOneBy({ id, projectId })];\n`;
    const sourceFile = ts.createSourceFile("/p/src/a.ts", code, ts.ScriptTarget.Latest, true);
    const findings = analyzeSourceFile({
      ts,
      sourceFile,
      config: resolveConfig({ tenantColumns: ["projectId"] }, "/p", undefined),
      model: decorated,
      parser,
      relativePath: "src/a.ts",
    });
    assert.deepEqual(
      findings.map((f) => [f.ruleId, code.slice(f.start, f.end)]),
      [["missing-tenant-filter", "findOneBy({ id })"]],
    );
  });

  test("a getter a factory made for the entity, in the same file", () => {
    const code = `import { FlowEntity } from "./flow-entity";
import { repoFactory } from "../core/repo-factory";
const flowRepo = repoFactory(FlowEntity);
export async function f(id: string, projectId: string, manager) {
  await flowRepo().findOneBy({ id });
  await flowRepo(manager).delete({ id });
  await repoFactory(FlowEntity)().update(id, { status: "ENABLED" });
  await flowRepo().findOneBy({ id, projectId });
  await flowRepo(manager).delete({ id, projectId });
}
`;
    assert.deepEqual(run(code), [
      ["missing-tenant-filter", "findOneBy({ id })"],
      ["missing-tenant-filter", "delete({ id })"],
      ["missing-tenant-filter", 'update(id, { status: "ENABLED" })'],
    ]);
  });

  test("a getter imported from the module that makes it (flow.repo.ts)", () => {
    const code = `import { flowRepo } from "./flow.repo";
export async function f(id: string, projectId: string) {
  await flowRepo().findOneBy({ id });
  await flowRepo().countBy({ projectId });
}
`;
    const others = {
      "/p/src/flows/flow.repo.ts": `import { repoFactory } from "../core/repo-factory";\nimport { FlowEntity } from "./flow-entity";\nexport const flowRepo = repoFactory(FlowEntity);\n`,
      "/p/src/core/repo-factory.ts": REPO_FACTORY,
    };
    assert.deepEqual(run(code, others), [["missing-tenant-filter", "findOneBy({ id })"]]);
    assert.deepEqual(run(code), [], "without the other file the getter names no entity: nothing is claimed");
  });

  test("twins: a factory given something that is not a tenant-owned entity names no repository", () => {
    const code = `import { ProjectEntity } from "../projects/project.entity";
const projectRepo = repoFactory(ProjectEntity);
const cache = makeCache(settings);
export async function f(id: string) {
  await projectRepo().findOneBy({ id });
  await cache().delete({ id });
}
`;
    assert.deepEqual(run(code), []);
  });
});

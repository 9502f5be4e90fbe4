// TypeORM query builders that reach the tenant through an inner join: a row owned through its
// parent (`group_users` of a `permission_groups` row) joined to that parent, the parent's tenant in
// the where (ToolJet's getGroupUsers: `.innerJoin(GroupPermissions, "group", "group.id =
// groupUser.groupId").andWhere("group.organizationId = :organizationId")`), or through a relation
// path (`.innerJoin("groupUser.group", "group")`). A left join keeps rows without the parent, and
// a join with no tenant in the where scopes nothing. Each safe case beside its unsafe twin.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import ts from "typescript";
import { analyzeSourceFile } from "../../server/src/analyzer/analyze";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import type { TenantModel } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { modelOf } from "../helpers/model";
import { sqlParser } from "../helpers/sql";

const ENTITIES: Record<string, string> = {
  "/p/src/entities/group_permissions.entity.ts": `import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";
@Entity({ name: "permission_groups" })
export class GroupPermissions {
  @PrimaryGeneratedColumn("uuid") id!: string;
  @Column({ name: "organization_id" }) organizationId!: string;
  @Column() name!: string;
}`,
  "/p/src/entities/group_users.entity.ts": `import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from "typeorm";
import { GroupPermissions } from "./group_permissions.entity";
@Entity({ name: "group_users" })
export class GroupUsers {
  @PrimaryGeneratedColumn("uuid") id!: string;
  @Column({ name: "group_id", nullable: false }) groupId!: string;
  @Column({ name: "user_id" }) userId!: string;
  @ManyToOne(() => GroupPermissions, { nullable: false })
  @JoinColumn({ name: "group_id" })
  group!: GroupPermissions;
}`,
};

let parser: SqlParser;
let model: TenantModel;
before(async () => {
  parser = await sqlParser();
  model = modelOf(parser, ENTITIES, { tenantColumns: ["organization_id"] });
});

/** `[rule, underlined text]` of each finding in `code`, analysed as a file of the project. */
function analyze(code: string, file = "/p/src/groups/service.ts"): [string, string][] {
  const sourceFile = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true);
  return analyzeSourceFile({
    ts,
    sourceFile,
    config: resolveConfig({ tenantColumns: ["organization_id"] }, "/p", undefined),
    model,
    parser,
    relativePath: file.slice(3),
  }).map((f) => [f.ruleId, code.slice(f.start, f.end)]);
}

function run(chain: string): [string, string][] {
  return analyze(`import { EntityManager } from "typeorm";
import { GroupPermissions } from "../entities/group_permissions.entity";
import { GroupUsers } from "../entities/group_users.entity";
export async function getGroupUsers(manager: EntityManager, groupIds: string[], organizationId: string) {
  return manager
    .createQueryBuilder(GroupUsers, "groupUser")
${chain}
    .getRawMany();
}
`);
}

describe("TypeORM query builders joined to a scoped parent", () => {
  test("the model: group_users is owned through permission_groups", () => {
    assert.equal(model.tables.get("group_users")?.owner?.parent, "permission_groups");
  });

  test("an inner join to the parent entity, the parent's tenant in the where: scoped", () => {
    assert.deepEqual(
      run(`    .innerJoin(GroupPermissions, "group", "group.id = groupUser.groupId")
    .where("group.id IN (:...groupIds)", { groupIds })
    .andWhere("group.organizationId = :organizationId", { organizationId })`),
      [],
    );
  });

  test("an inner join through the relation path, the tenant in the join condition: scoped", () => {
    assert.deepEqual(
      run(`    .innerJoin("groupUser.group", "g", "g.organizationId = :organizationId", { organizationId })
    .where("g.id IN (:...groupIds)", { groupIds })`),
      [],
    );
  });

  test("twins: a left join, a join with no tenant, the tenant only under OR", () => {
    assert.deepEqual(
      run(`    .leftJoin(GroupPermissions, "group", "group.id = groupUser.groupId")
    .where("group.organizationId = :organizationId", { organizationId })`).map(([rule]) => rule),
      ["missing-tenant-filter"],
    );
    assert.deepEqual(
      run(`    .innerJoin(GroupPermissions, "group", "group.id = groupUser.groupId")
    .where("group.id IN (:...groupIds)", { groupIds })`).map(([rule]) => rule),
      ["missing-tenant-filter"],
    );
    assert.deepEqual(
      run(`    .innerJoin(GroupPermissions, "group", "group.id = groupUser.groupId")
    .where("group.id IN (:...groupIds)", { groupIds })
    .orWhere("group.organizationId = :organizationId", { organizationId })`).map(([rule]) => rule),
      // The parent is scoped only under OR: the rows owned through it reach no scoped parent.
      ["missing-tenant-filter"],
    );
  });

  test("twin: an update or a delete builder: TypeORM writes it without its joins", () => {
    const code = (write: string) => `import { EntityManager } from "typeorm";
import { GroupPermissions } from "../entities/group_permissions.entity";
import { GroupUsers } from "../entities/group_users.entity";
export async function f(manager: EntityManager, id: string, organizationId: string) {
  await manager
    .createQueryBuilder(GroupUsers, "groupUser")
    .innerJoin("groupUser.group", "g", "g.organizationId = :organizationId", { organizationId })
    ${write}
    .where("id = :id", { id })
    .execute();
}
`;
    for (const write of [`.update().set({ userId: "x" })`, `.delete()`])
      assert.deepEqual(
        analyze(code(write), "/p/src/groups/w.ts").map(([rule]) => rule),
        ["missing-tenant-filter"],
        write,
      );
  });
});

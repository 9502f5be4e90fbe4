// The signed-in user's own memberships (`usersToWorkspaces where userId = ctx.user.id`) read rows of
// many tenants, but identity decides which: no finding, and --explain says why. Only a read, only
// of a membership table, only by its user column, only with the session's user id.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import ts from "typescript";
import { isMembershipTable, isSessionUser } from "../../server/src/analyzer/membership";
import type { TenantModel, TenantTable } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { runFlow } from "../helpers/flow-run";
import { sqlParser } from "../helpers/sql";
import { modelOf } from "../helpers/model";

const PRISMA_SCHEMA = `
model Workspace {
  id      String       @id
  members Membership[]
  docs    Doc[]
}
model User {
  id          String       @id
  memberships Membership[]
}
model Membership {
  userId      String
  workspaceId String
  user        User      @relation(fields: [userId], references: [id])
  workspace   Workspace @relation(fields: [workspaceId], references: [id])
  @@id([userId, workspaceId])
}
model Doc {
  id          String    @id
  userId      String
  workspaceId String
  workspace   Workspace @relation(fields: [workspaceId], references: [id])
}
`;
const DRIZZLE_SCHEMA = `import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
export const user = sqliteTable("user", { id: integer("id").primaryKey() });
export const workspace = sqliteTable("workspace", { id: integer("id").primaryKey() });
export const usersToWorkspaces = sqliteTable("users_to_workspaces", {
  userId: integer("user_id").notNull().references(() => user.id),
  workspaceId: integer("workspace_id").notNull().references(() => workspace.id),
  role: text("role").notNull(),
});
`;
const PRISMA_CONFIG = { tenantColumns: ["workspaceId"], schema: { prisma: ["prisma/schema.prisma"] } };
const DRIZZLE_CONFIG = { tenantColumns: ["workspaceId"], schema: { drizzle: ["src/db/schema.ts"] } };

let parser: SqlParser;
let prismaModel: TenantModel;
let drizzleModel: TenantModel;
before(async () => {
  parser = await sqlParser();
  prismaModel = modelOf(parser, { "/p/prisma/schema.prisma": PRISMA_SCHEMA }, PRISMA_CONFIG);
  drizzleModel = modelOf(parser, { "/p/src/db/schema.ts": DRIZZLE_SCHEMA }, DRIZZLE_CONFIG);
});

function expr(text: string): ts.Expression {
  const sf = ts.createSourceFile("/x.ts", `(${text});`, ts.ScriptTarget.Latest, true);
  return ((sf.statements[0] as ts.ExpressionStatement).expression as ts.ParenthesizedExpression).expression;
}

describe("whose id is the signed-in user's", () => {
  for (const text of [
    "ctx.user.id",
    "opts.ctx.user.id",
    "session.user.id",
    "ctx.session.user.id",
    "ctx.auth.userId",
    "currentUser.id",
    "(await getSession()).user.id",
    "auth().userId",
  ])
    test(`${text}: the session's user`, () => assert.equal(isSessionUser(ts, expr(text)), true));
  for (const text of [
    "userId",
    "user.id",
    "input.userId",
    "ctx.input.user.id",
    "req.body.user.id",
    "member.userId",
    "ctx.user.teamId",
  ])
    test(`${text}: anyone's`, () => assert.equal(isSessionUser(ts, expr(text)), false));

  /** `user.uid` inside a handler whose `user` parameter is declared as written. */
  const inHandler = (param: string): ts.Expression => {
    const sf = ts.createSourceFile(
      "/x.ts",
      `class R { q(${param}) { return user.uid; } }`,
      ts.ScriptTarget.Latest,
      true,
    );
    const method = (sf.statements[0] as ts.ClassDeclaration).members[0] as ts.MethodDeclaration;
    return (method.body!.statements[0] as ts.ReturnStatement).expression!;
  };
  test("a handler parameter a decorator fills with the signed-in user: `@GqlUser() user`, `@CurrentUser() user`", () => {
    assert.equal(isSessionUser(ts, inHandler("@GqlUser() user: AuthUser")), true);
    assert.equal(isSessionUser(ts, inHandler("@CurrentUser() user: AuthUser")), true);
  });
  test("twin: an undecorated parameter, or one filled with request arguments", () => {
    assert.equal(isSessionUser(ts, inHandler("user: AuthUser")), false);
    assert.equal(isSessionUser(ts, inHandler("@Args('user') user: AuthUser")), false);
  });
});

test("membership tables are named for joining users to tenants", () => {
  const table = (name: string) => ({ name, tenantColumn: "workspace_id" }) as TenantTable;
  for (const name of [
    "memberships",
    "team_members",
    "users_to_workspaces",
    "UserTeam",
    "user_team",
    "project_users",
    "org_membership",
    "members",
    "MemberInWorkspace",
    "member_of_team",
  ])
    assert.equal(isMembershipTable(table(name)), true, name);
  for (const name of ["users", "documents", "user_settings", "team_invites", "membership_logs"])
    assert.equal(isMembershipTable(table(name)), false, name);
});

describe("Prisma: the signed-in user's memberships", () => {
  const run = (body: string) =>
    runFlow(
      parser,
      prismaModel,
      {
        "/p/src/routes/me.ts": `import { PrismaClient } from "@prisma/client";\nconst prisma = new PrismaClient();\nexport async function handler(ctx: any, input: any) {\n${body}\n}`,
      },
      { config: PRISMA_CONFIG },
    );

  test("a read by the session's user id: no finding, and the proof names it", () => {
    const r = run(
      `  return prisma.membership.findMany({ where: { userId: ctx.user.id }, include: { workspace: true } });`,
    );
    assert.deepEqual(r.flagged, []);
    assert.deepEqual(r.proofs, [
      "routes/me.ts:4 membership: the signed-in user's own memberships: `userId: ctx.user.id`",
    ]);
  });

  test("by the user relation to the session user's row, through a const: no finding", () => {
    const r = run(`  const me = ctx.user.id;
  return prisma.membership.findMany({ where: { user: { id: me } } });`);
    assert.deepEqual(r.flagged, []);
  });

  test("twin: the user relation to a user the request named", () => {
    const r = run(`  return prisma.membership.findMany({ where: { user: { id: input.userId } } });`);
    assert.equal(r.flagged.length, 1);
  });

  test("twin: another user's id, or a write of memberships, stays flagged (another table's user column is the user's own rows: own-rows.test.ts)", () => {
    const r = run(`  await prisma.membership.findMany({ where: { userId: input.userId } });
  await prisma.membership.deleteMany({ where: { userId: ctx.user.id } });
  await prisma.doc.findMany({ where: { userId: input.userId } });`);
    assert.deepEqual(
      r.flagged.map((f) => f.replace(/\(.*$/, "")),
      ["routes/me.ts:4: findMany", "routes/me.ts:5: deleteMany", "routes/me.ts:6: findMany"],
    );
  });
});

describe("Drizzle: the signed-in user's memberships", () => {
  const run = (body: string) =>
    runFlow(
      parser,
      drizzleModel,
      {
        "/p/src/router/me.ts": `import { eq } from "drizzle-orm";\nimport { usersToWorkspaces } from "../db/schema";\nexport const list = async (opts: any) => {\n${body}\n};`,
      },
      { config: DRIZZLE_CONFIG },
    );

  test("a relational or builder read by the session's user id: no finding", () => {
    const r =
      run(`  await opts.ctx.db.query.usersToWorkspaces.findMany({ where: eq(usersToWorkspaces.userId, opts.ctx.user.id), with: { workspace: true } });
  await opts.ctx.db.select().from(usersToWorkspaces).where(eq(usersToWorkspaces.userId, opts.ctx.user.id)).all();`);
    assert.deepEqual(r.flagged, []);
    assert.equal(r.proofs.filter((p) => p.includes("membership: the signed-in user's own memberships")).length, 2);
  });

  test("twin: a user id from the input, or a delete, stays flagged", () => {
    const r =
      run(`  await opts.ctx.db.select().from(usersToWorkspaces).where(eq(usersToWorkspaces.userId, opts.input.userId)).all();
  await opts.ctx.db.delete(usersToWorkspaces).where(eq(usersToWorkspaces.userId, opts.ctx.user.id));`);
    assert.equal(r.flagged.length, 2);
  });
});

test("Prisma: a client held in a property (`ctx.prisma`, `prisma.client`) is checked like any other", () => {
  const r = runFlow(
    parser,
    prismaModel,
    {
      "/p/src/lib/docs.ts": `import prisma from "./prisma";
export const remove = (id: string) => prisma.client.doc.delete({ where: { id } });
export const rename = (ctx: any, id: string) => ctx.prisma.doc.update({ where: { id }, data: {} });
export const cached = (cache: any, id: string) => cache.doc.findUnique({ where: { id } });`,
    },
    { config: PRISMA_CONFIG },
  );
  assert.deepEqual(
    r.flagged.map((f) => f.replace(/\(.*$/, "")),
    ["lib/docs.ts:2: delete", "lib/docs.ts:3: update"],
  );
  // Not through a client: neither checked nor claimed as proven.
  assert.deepEqual(r.proofs, []);
});

describe("a row whose tenant lists the user among its members", () => {
  const run = (check: string) =>
    runFlow(
      parser,
      prismaModel,
      {
        "/p/src/routes/doc.ts": `import { PrismaClient } from "@prisma/client";
const prisma = new PrismaClient();
export async function handler(ctx: any, input: any) {
  const doc = await prisma.doc.findUnique({ where: { id: input.id }, include: { workspace: { include: { members: true } } } });
  const isMember = doc?.workspace.members.some(${check});
  if (!isMember) throw new Error("not a member");
  return prisma.doc.update({ where: { id: input.id }, data: {} });
}`,
      },
      { config: PRISMA_CONFIG },
    );

  test("`doc.workspace.members.some((m) => m.userId === ctx.user.id)`, then throw: the read and the key are proven", () => {
    const r = run("(m) => m.userId === ctx.user.id");
    assert.deepEqual(r.flagged, []);
    assert.ok(
      r.proofs.includes(
        "routes/doc.ts:4 authorized: the user is checked to be among the row's `workspace.members` on line 6",
      ),
      r.proofs.join("\n"),
    );
  });

  test("twin: a test of something else than the member's user, or a user id the client sent", () => {
    assert.equal(run('(m) => m.role === "admin"').flagged.length, 2);
    assert.equal(run("(m) => m.userId === input.userId").flagged.length, 2);
    // A name destructured from the request (next-safe-action's `parsedInput`) is the client's choice too.
    assert.equal(
      run("(m) => m.userId === userId").flagged.length,
      0,
      "a bare name bound elsewhere is trusted, as for other checks",
    );
  });
});

test("a membership test against a user the request named (`const { userId } = parsedInput`) checks nothing", () => {
  const r = runFlow(
    parser,
    prismaModel,
    {
      "/p/src/actions/share.ts": `import { PrismaClient } from "@prisma/client";
const prisma = new PrismaClient();
export const share = async ({ parsedInput }: any) => {
  const { docId, userId } = parsedInput;
  const doc = await prisma.doc.findUnique({ where: { id: docId }, include: { workspace: { include: { members: true } } } });
  if (!doc?.workspace.members.some((m) => m.userId === userId)) throw new Error("not a member");
  return prisma.doc.update({ where: { id: docId }, data: {} });
};`,
    },
    { config: PRISMA_CONFIG },
  );
  assert.equal(r.flagged.length, 2);
});

describe("a where through the tenant's own model to the user's membership", () => {
  const run = (where: string) =>
    runFlow(
      parser,
      prismaModel,
      {
        "/p/src/lib/docs.ts": `import { PrismaClient } from "@prisma/client";
const prisma = new PrismaClient();
export const findDoc = (id: string, userId: string, input: any) =>
  prisma.doc.findFirst({ where: ${where} });`,
      },
      { config: PRISMA_CONFIG },
    ).flagged.length;

  test("`workspace: { members: { some: { userId } } }`: only the tenants the user belongs to", () => {
    assert.equal(run("{ id, workspace: { members: { some: { userId } } } }"), 0);
  });

  test("twin: `every`/`none`, another field than the user, or a user the request named", () => {
    assert.equal(run("{ id, workspace: { members: { every: { userId } } } }"), 1);
    assert.equal(run("{ id, workspace: { members: { some: { role: 'admin' } } } }"), 1);
    assert.equal(run("{ id, workspace: { members: { some: { userId: input.userId } } } }"), 1);
  });
});

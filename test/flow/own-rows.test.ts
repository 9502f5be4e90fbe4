// The signed-in user's own rows: a row whose owner column (`ownerId`, `userId`, `createdById`,
// `authorId`, `recipientId`) is the session's user belongs to that user, whichever tenant it sits
// in, as the user's own memberships do (membership.ts). A query filtered so, or a row checked so
// before use, proves its key; the same with a user the client names stays flagged. Cap's server
// actions (Drizzle, `const user = await getCurrentUser()`) and teable's comments (Prisma).
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import ts from "typescript";
import { analyzeSourceFile } from "../../server/src/analyzer/analyze";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import { identifiesOwnRows, isOwnerColumn, isSessionUser } from "../../server/src/analyzer/membership";
import type { TenantModel, TenantTable } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { runFlow } from "../helpers/flow-run";
import { modelOf } from "../helpers/model";
import { sqlParser } from "../helpers/sql";
import { prismaModel } from "../orm/prisma-harness";

/** Whether the expression the (last) `return` of `code` hands back is the signed-in user's id. */
function sessionUserIn(code: string): boolean {
  const file = ts.createSourceFile("/p/a.ts", code, ts.ScriptTarget.Latest, true);
  let found: ts.Expression | undefined;
  const visit = (n: ts.Node): void => {
    if (ts.isReturnStatement(n)) found = n.expression;
    ts.forEachChild(n, visit);
  };
  visit(file);
  return isSessionUser(ts, found!);
}

const DRIZZLE_SCHEMA = `import { mysqlTable, varchar } from "drizzle-orm/mysql-core";
export const videos = mysqlTable("videos", {
  id: varchar("id", { length: 15 }).primaryKey(),
  ownerId: varchar("ownerId", { length: 15 }).notNull(),
  orgId: varchar("orgId", { length: 15 }).notNull(),
  name: varchar("name", { length: 255 }),
});
export const organizationMembers = mysqlTable("organization_members", {
  id: varchar("id", { length: 15 }).primaryKey(),
  userId: varchar("userId", { length: 15 }).notNull(),
  organizationId: varchar("organizationId", { length: 15 }).notNull(),
  role: varchar("role", { length: 15 }),
});
`;
const DRIZZLE_CONFIG = { tenantColumns: ["orgId", "organizationId"], schema: { drizzle: ["src/db/schema.ts"] } };

const PRISMA_SCHEMA = `datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}
model Comment {
  id        String @id
  tableId   String
  createdBy String
  body      String
}
`;

let parser: SqlParser;
let drizzleModel: TenantModel;
let commentModel: TenantModel;
before(async () => {
  parser = await sqlParser();
  drizzleModel = modelOf(parser, { "/p/src/db/schema.ts": DRIZZLE_SCHEMA }, DRIZZLE_CONFIG);
  commentModel = prismaModel(parser, PRISMA_SCHEMA, { tenantColumns: ["tableId"] });
});

const action = (body: string) => `import { eq, and } from "drizzle-orm";
import { db } from "../db";
import { videos, organizationMembers } from "../db/schema";
import { getCurrentUser } from "../session";
export async function action(videoId: string, input: { userId: string; name: string }) {
  const user = await getCurrentUser();
  if (!user) throw new Error("Unauthorized");
${body}
}`;
const flagged = (body: string) =>
  runFlow(parser, drizzleModel, { "/p/src/actions/videos.ts": action(body) }, { config: DRIZZLE_CONFIG });

describe("the owner column and the session's user", () => {
  test("owner columns in either spelling; a membership table's user column only for reads", () => {
    for (const c of [
      "ownerId",
      "owner_id",
      "userId",
      "user_id",
      "createdById",
      "created_by",
      "authorId",
      "recipientId",
      "inviter",
      "inviter_id",
    ])
      assert.equal(isOwnerColumn(c), true, c);
    for (const c of ["id", "orgId", "name", "ownerName", "userEmail", "updatedBy", "invitee", "inviteeId"])
      assert.equal(isOwnerColumn(c), false, c);
    const table = (name: string) => ({ name, tenantColumn: "org_id" }) as TenantTable;
    assert.equal(identifiesOwnRows(table("videos"), "ownerId", false), "own-rows");
    assert.equal(identifiesOwnRows(table("memberships"), "userId", true), "membership");
    assert.equal(identifiesOwnRows(table("memberships"), "userId", false), undefined, "a role change in every tenant");
    // Invitations addressed to the user by email are theirs to read, not to change (an update may move
    // one into any tenant); users by email may be one row per tenant the person is in.
    assert.equal(identifiesOwnRows(table("TeamInvitation"), "inviteeEmail", true), "own-rows");
    assert.equal(identifiesOwnRows(table("user_invites"), "email", false), undefined);
    assert.equal(identifiesOwnRows(table("users"), "email", true), undefined);
    assert.equal(identifiesOwnRows(table("customers"), "email", true), undefined);
    // A row shared with the user, or handed to them, is theirs to read, not to change.
    for (const c of ["granteeUserId", "sharedWithId", "assignee_id"]) {
      assert.equal(identifiesOwnRows(table("accesses"), c, true), "own-rows", c);
      assert.equal(identifiesOwnRows(table("accesses"), c, false), undefined, c);
    }
  });

  test("`user.id` of a const holding `await getCurrentUser()` is the session's; of `getUser(input.id)` it is not", () => {
    const idOf = (decl: string) => sessionUserIn(`async function f(input: any) { ${decl}; return user.id; }`);
    assert.equal(idOf("const user = await getCurrentUser()"), true);
    assert.equal(idOf("const user = await auth.getSessionUser()"), true);
    assert.equal(idOf("const user = await getUser(input.id)"), false);
    assert.equal(idOf("const user = input.user"), false);
    assert.equal(idOf("const user = await requireUser()"), true);
    assert.equal(idOf("const { user } = ctx"), true, "destructured from the context");
    assert.equal(idOf("const { user } = input"), false, "destructured from the request");
    // Another name for the session's user object (rallly's `const actor = ctx.user`).
    assert.equal(idOf("const user = ctx.user"), true);
    assert.equal(idOf("const user = ctx.user!"), true);
    assert.equal(idOf("const user = ctx.input.user"), false, "a user the request names");
    // Remix: the session is read from the request (trigger.dev's `requireUser(request)`).
    assert.equal(idOf("const user = await requireUser(request)"), true);
    assert.equal(idOf("const user = await requireUser(input.userId)"), false);
    assert.equal(idOf("const user = await getUser(userId)"), false);
    // (review) a call that returns nothing when no one is signed in: its `undefined` drops the where's key.
    assert.equal(idOf("const user = await getUser(request)"), false);
    // nestjs-cls: the user the auth guard put in the request's store (teable's `this.cls.get("user.id")`).
    assert.equal(idOf('const user = { id: this.cls.get("user.id") }'), false, "an object literal is no session");
    const clsOf = (expr: string) => sessionUserIn(`class S { f() { return ${expr}; } }`);
    assert.equal(clsOf('this.cls.get("user.id")'), true);
    assert.equal(clsOf("this.clsService.get('user.id')"), true);
    assert.equal(clsOf('this.cls.get("tx.id")'), false);
    assert.equal(clsOf('this.cache.get("user.id")'), false);
    assert.equal(clsOf('this.cls.get("user.name")'), false);
    // (review) a file that sets the store's user itself may have put anyone there.
    assert.equal(clsOf('(this.cls.set("user.id", dto.userId), this.cls.get("user.id"))'), false);
    // The user row read by the session's user id (`requireUserId(request)`) is theirs.
    const ownRow = "const userId = await requireUserId(request); const user = await prisma.user.findUnique";
    assert.equal(idOf(`${ownRow}({ where: { id: userId } })`), true);
    assert.equal(idOf(`${ownRow}({ where: { id: input.userId } })`), false);
    assert.equal(idOf(`${ownRow}({ where: { email: input.email } })`), false);
    assert.equal(
      idOf(
        "const userId = await getUserId(input.id); const user = await prisma.user.findUnique({ where: { id: userId } })",
      ),
      false,
    );
    // (review) `getUserId(request)` may be `undefined`; `findFirst` by an undefined id is any user's row.
    assert.equal(
      idOf(
        "const userId = await getUserId(request); const user = await prisma.user.findUnique({ where: { id: userId } })",
      ),
      false,
    );
    assert.equal(idOf(`${ownRow.replace("findUnique", "findFirst")}({ where: { id: userId } })`), false);
  });

  // inbox-zero's next-safe-action handlers: `async ({ ctx: { userId }, parsedInput }) => ...`.
  test("a user id destructured from the context parameter (`{ ctx: { userId } }`), not from the input", () => {
    const ownerOf = (params: string, body = "") =>
      sessionUserIn(`client.action(async (${params}) => { ${body} return userId; });`);
    assert.equal(ownerOf("{ ctx: { userId } }: any"), true);
    assert.equal(ownerOf("{ parsedInput: { userId } }: any"), false);
    assert.equal(ownerOf("userId: string"), false);
    assert.equal(ownerOf("{ userId }: any"), false);
    // (review) a default from the input, the name written or declared again, a function the project calls itself.
    assert.equal(ownerOf("{ ctx: { userId = parsedInput.userId }, parsedInput }: any"), false);
    assert.equal(
      ownerOf("{ ctx: { userId }, parsedInput }: any", "if (parsedInput.userId) userId = parsedInput.userId;"),
      false,
    );
    assert.equal(
      ownerOf("{ ctx: { userId }, parsedInput }: any", "try { f(); } catch (userId) { return userId; }"),
      false,
    );
    assert.equal(
      ownerOf("{ ctx: { userId }, parsedInput }: any", "for (const userId of parsedInput.ids) g(userId);"),
      false,
    );
    assert.equal(sessionUserIn("export async function update({ ctx: { userId } }: any) { return userId; }"), false);
  });

  test("`user.id` of a handler parameter destructured from the context (`{ ctx: { user } }`), not from the input", () => {
    const idIn = (params: string) => sessionUserIn(`const h = async (${params}) => { return user.id; };`);
    assert.equal(idIn("{ ctx: { user } }: any"), true);
    assert.equal(idIn("{ input: { user } }: any"), false);
    assert.equal(idIn("user: any"), false);
  });
});

describe("Drizzle: the user's own rows", () => {
  test("a row checked to be the user's before use; its id keys the write", () => {
    const r = flagged(`  const [video] = await db().select().from(videos).where(eq(videos.id, videoId));
  if (!video || video.ownerId !== user.id) throw new Error("Forbidden");
  await db().update(videos).set({ name: input.name }).where(eq(videos.id, videoId));`);
    assert.deepEqual(r.flagged, []);
    assert.ok(
      r.proofs.some((p) => p.includes("the row's ownerId is checked to be the signed-in user on line 9")),
      r.proofs.join("\n"),
    );
  });

  test("the rows' first row under another name, the user's id in a const (Cap's edit-title)", () => {
    const r = flagged(`  const userId = user.id;
  const query = await db().select().from(videos).where(eq(videos.id, videoId)).limit(1);
  if (query.length === 0) throw new Error("Video not found");
  const video = query[0];
  if (!video || video.ownerId !== userId) throw new Error("Forbidden");
  await db().update(videos).set({ name: input.name }).where(eq(videos.id, videoId));`);
    assert.deepEqual(r.flagged, []);
  });

  test("twin: the row used before the check (its name returned) proves nothing for that use", () => {
    const r = flagged(`  const query = await db().select().from(videos).where(eq(videos.id, videoId)).limit(1);
  const video = query[0];
  console.log(video.name);
  if (!video || video.ownerId !== user.id) throw new Error("Forbidden");`);
    assert.equal(r.flagged.length, 1);
  });

  test("twins: the owner compared with a user the client names, or a check that only logs", () => {
    assert.equal(
      flagged(`  const [video] = await db().select().from(videos).where(eq(videos.id, videoId));
  if (!video || video.ownerId !== input.userId) throw new Error("Forbidden");
  await db().update(videos).set({ name: input.name }).where(eq(videos.id, videoId));`).flagged.length,
      2,
    );
    assert.equal(
      flagged(`  const [video] = await db().select().from(videos).where(eq(videos.id, videoId));
  if (video.ownerId !== user.id) console.warn("not the owner");
  await db().update(videos).set({ name: input.name }).where(eq(videos.id, videoId));`).flagged.length,
      2,
    );
  });

  test("a query filtered by the owner column with the session's user; twins: the client's user, a membership write", () => {
    const r =
      flagged(`  await db().update(videos).set({ name: input.name }).where(and(eq(videos.id, videoId), eq(videos.ownerId, user.id)));
  await db().update(videos).set({ name: input.name }).where(and(eq(videos.id, videoId), eq(videos.ownerId, input.userId)));
  await db().select().from(organizationMembers).where(eq(organizationMembers.userId, user.id));
  await db().update(organizationMembers).set({ role: "owner" }).where(eq(organizationMembers.userId, user.id));`);
    assert.deepEqual(r.flagged, [
      "actions/videos.ts:9: update(videos)",
      "actions/videos.ts:11: update(organizationMembers)",
    ]);
    assert.ok(
      r.proofs.includes("actions/videos.ts:8 own-rows: the signed-in user's own rows: `eq(videos.ownerId, user.id)`"),
      r.proofs.join("\n"),
    );
  });
});

// midday's getTeamsByUserId and revokeUserApplicationTokens: the user passed as a parameter of the data layer.
describe("Drizzle: a data-layer function whose where pins an owner column to its parameter", () => {
  const run = (caller: string) =>
    runFlow(
      parser,
      drizzleModel,
      {
        "/p/src/queries.ts": `import { and, eq } from "drizzle-orm";
import { organizationMembers, videos } from "./db/schema";
export async function renameVideos(db: any, userId: string, name: string) {
  await db.update(videos).set({ name }).where(eq(videos.ownerId, userId));
}
export async function membershipsOf(db: any, userId: string) {
  return db.select().from(organizationMembers).where(eq(organizationMembers.userId, userId));
}
`,
        "/p/src/router.ts": `import { membershipsOf, renameVideos } from "./queries";
export async function handler(ctx: any, input: any) {
  ${caller}
}
`,
      },
      { config: DRIZZLE_CONFIG },
    );

  test("every call passes the session's user: proven at the calls", () => {
    const r = run(`await renameVideos(ctx.db, ctx.session.user.id, input.name);
  return membershipsOf(ctx.db, ctx.session.user.id);`);
    assert.deepEqual(r.flagged, []);
  });

  test("twin: a call passes a user the client names", () => {
    const r = run(`await renameVideos(ctx.db, input.userId, input.name);
  return membershipsOf(ctx.db, input.userId);`);
    assert.deepEqual(
      r.flagged.map((f) => f.split(": ")[0]),
      ["queries.ts:4", "queries.ts:7"],
    );
  });
});

/** A handler of the comments model (tenant column `tableId`), with `ctx` and `input` in scope. */
const commentHandler = (body: string) => `import { PrismaClient } from "@prisma/client";
const prisma = new PrismaClient();
export async function handler(ctx: any, input: any) {
${body}
}`;
const runComments = (body: string) =>
  runFlow(
    parser,
    commentModel,
    { "/p/src/comments.ts": commentHandler(body) },
    { config: { tenantColumns: ["tableId"] } },
  );

/** Every finding of a comments handler (whatever its rule), as [rule, line]. */
const rulesByLine = (code: string) =>
  analyzeSourceFile({
    ts,
    sourceFile: ts.createSourceFile("/p/src/comments.ts", code, ts.ScriptTarget.Latest, true),
    config: resolveConfig({ tenantColumns: ["tableId"] }, "/p", undefined),
    model: commentModel,
    parser,
    relativePath: "src/comments.ts",
  }).map((f) => [f.ruleId, code.slice(0, f.start).split("\n").length]);

describe("Prisma: the user's own rows", () => {
  const run = runComments;

  test("an update by id and author, the author the session's user; twin: the author from the request", () => {
    const r =
      run(`  await prisma.comment.update({ where: { id: input.id, createdBy: ctx.user.id }, data: { body: input.body } });
  await prisma.comment.update({ where: { id: input.id, createdBy: input.userId }, data: { body: input.body } });
  await prisma.comment.create({ data: { id: input.id, createdBy: ctx.user.id, body: input.body } });`);
    assert.deepEqual(r.flagged, [
      "comments.ts:5: update({ where: { id: input.id, createdBy: input.userId }, data: { body: input.body } })",
    ]);
  });

  test("in every branch of an OR: the user's own rows or the tenant's (cal.com's personal or team rows); twin: a branch with neither", () => {
    const code =
      commentHandler(`  await prisma.comment.findMany({ where: { OR: [{ createdBy: ctx.user.id }, { tableId: ctx.tableId }] } });
  await prisma.comment.findMany({ where: { OR: [{ createdBy: ctx.user.id }, { body: input.body }] } });`);
    assert.deepEqual(rulesByLine(code), [["weak-tenant-filter", 5]]);
  });

  test("a NOT on the tenant beside the user's own rows only narrows them (rallly's other spaces); twin: the client's user", () => {
    const code =
      commentHandler(`  await prisma.comment.findMany({ where: { createdBy: ctx.user.id, NOT: { tableId: ctx.tableId } } });
  await prisma.comment.findMany({ where: { createdBy: input.userId, NOT: { tableId: ctx.tableId } } });`);
    assert.deepEqual(rulesByLine(code), [["weak-tenant-filter", 5]]);
  });
});

describe("Prisma: the user's own rows through a helper's parameter, the session from Remix's context (shelf.nu's notes)", () => {
  const LIB = `import { PrismaClient } from "@prisma/client";
const prisma = new PrismaClient();
export async function deleteComment({ id, createdBy }: { id: string; createdBy: string }) {
  return prisma.comment.deleteMany({ where: { id, createdBy } });
}
export async function commentsBy(createdBy: string) {
  return prisma.comment.findMany({ where: { createdBy } });
}
`;
  const run = (route: string) =>
    runFlow(
      parser,
      commentModel,
      {
        "/p/src/lib/comments.ts": LIB,
        "/p/src/routes/comment.ts": `import { deleteComment, commentsBy } from "../lib/comments";
export async function action({ context, request }: { context: { getSession(): { userId: string } }; request: Request }) {
  const form = await request.formData();
${route}
}`,
      },
      { config: { tenantColumns: ["tableId"] } },
    );

  test("every call passes the id of `context.getSession()`'s user: the rows are theirs", () => {
    const r = run(`  const authSession = context.getSession();
  const { userId } = authSession;
  await deleteComment({ id: String(form.get("id")), createdBy: authSession.userId });
  return commentsBy(userId);`);
    assert.deepEqual(r.flagged, []);
    assert.ok(
      r.proofs.some((p) =>
        /user `createdBy` is a parameter of `deleteComment`, and every call passes the signed-in user's id/.test(p),
      ),
      r.proofs.join("\n"),
    );
  });

  test("twins: a user the form names, the result of a call that is no session", () => {
    const r = run(`  const authSession = context.getSession();
  const other = await fetch("/x").then((x) => x.json());
  await deleteComment({ id: String(form.get("id")), createdBy: String(form.get("userId")) });
  return commentsBy(other.userId);`);
    assert.deepEqual(r.flagged, [
      "lib/comments.ts:4: deleteMany({ where: { id, createdBy } })",
      "lib/comments.ts:7: findMany({ where: { createdBy } })",
    ]);
  });
});

describe("the tenant's id read off the object its column is named for", () => {
  test("`row.tableId !== ctx.table.id` for the tenant column `tableId` checks the row; twin: the request's table", () => {
    const run = (other: string) =>
      runComments(`  const comment = await prisma.comment.findUnique({ where: { id: input.id } });
  if (!comment || comment.tableId !== ${other}) throw new Error("forbidden");
  await prisma.comment.delete({ where: { id: input.id } });`).flagged;
    assert.deepEqual(run("ctx.table.id"), []);
    assert.equal(run("input.table.id").length, 2);
  });
});

describe("either the row's owner or an authorization check of its tenant (rallly's comment delete)", () => {
  const guarded = (condition: string, after = `throw new Error("forbidden");`) =>
    runComments(`  const c = await prisma.comment.findUnique({ where: { id: input.id } });
  if (!c) throw new Error("not found");
  const isAuthor = c.createdBy === ctx.user.id;
  if (${condition}) {
    ${after}
  }
  await prisma.comment.delete({ where: { id: input.id } });`);

  test("the path goes on only when one of them passed: the row is checked", () => {
    const r = guarded("!isAuthor && !(await canManageTable(c.tableId, ctx.user.id))");
    assert.deepEqual(r.flagged, []);
    assert.match(
      r.proofs.at(-1)!,
      /the row's createdBy is the signed-in user, or the row's tableId is passed to `canManageTable` on line 7; the path ends otherwise$/,
    );
  });

  test("twins: a conjunct that checks nothing, a check of another table's key, a refusal that only logs", () => {
    for (const [condition, after] of [
      ["!isAuthor && !input.force", undefined],
      ["!isAuthor && !(await canManageTable(input.tableId, ctx.user.id))", undefined],
      ["!isAuthor && !(await canManageTable(c.tableId, ctx.user.id))", `console.warn("not allowed");`],
    ] as const) {
      const r = guarded(condition, after);
      assert.deepEqual(
        r.flagged,
        [
          "comments.ts:4: findUnique({ where: { id: input.id } })",
          "comments.ts:10: delete({ where: { id: input.id } })",
        ],
        condition,
      );
    }
  });
});

describe("an access decision kept in a flag, then refused unless it is set (sim's webhooks)", () => {
  const flagged = (grants: string, refusal = `if (!canDelete) throw new Error("forbidden");`) =>
    runComments(`  const c = await prisma.comment.findUnique({ where: { id: input.id } });
  if (!c) throw new Error("not found");
  let canDelete = false;
${grants}
  ${refusal}
  await prisma.comment.delete({ where: { id: c.id } });`).flagged;
  const OWNER = `  if (c.createdBy === ctx.user.id) {
    canDelete = true;
  }`;
  const ROLE = `  if (!canDelete && c.tableId) {
    const role = await getTableAccess(ctx.user.id, c.tableId);
    if (role === "owner" || role === "editor") {
      canDelete = true;
    }
  }`;
  const BOTH = [
    "comments.ts:4: findUnique({ where: { id: input.id } })",
    "comments.ts:%: delete({ where: { id: c.id } })",
  ];
  const both = (line: number) => BOTH.map((f) => f.replace("%", String(line)));

  test("set only by the owner's check or an authorization check of the row's tenant: the row is checked", () => {
    assert.deepEqual(flagged(`${OWNER}\n${ROLE}`), []);
    assert.deepEqual(flagged(OWNER), []);
    assert.deepEqual(flagged(`  if (c.tableId === ctx.tableId) canDelete = true;`), []);
    // Any answer at all from the authorization check of the row's tenant.
    const answered = `  const role = await getTableAccess(ctx.user.id, c.tableId);
  if (role !== null) canDelete = true;`;
    assert.deepEqual(flagged(answered), []);
    assert.deepEqual(flagged(answered.replace("c.tableId", "input.tableId")), both(10));
  });

  test("twins: a flag never refused, a grant that checks nothing, a grant in a callback, set from another value, set after the refusal", () => {
    assert.deepEqual(flagged(OWNER, "console.log(canDelete);"), both(11));
    assert.deepEqual(flagged(`${OWNER}\n  if (input.force) canDelete = true;`), both(12));
    assert.deepEqual(flagged(`${OWNER}\n  [1].forEach(() => { canDelete = true; });`), both(12));
    assert.deepEqual(flagged(`${OWNER}\n  canDelete = input.force;`), both(12));
    assert.deepEqual(flagged(OWNER, `if (!canDelete) throw new Error("forbidden");\n  canDelete = true;`), both(12));
    assert.deepEqual(flagged(`  if (c.createdBy === input.userId) canDelete = true;`), both(9));
  });
});

describe("the row checked in each branch of an if/else (sim's custom tools: a workspace tool or a personal one)", () => {
  const run = (personal: string) =>
    runComments(`  const c = await prisma.comment.findUnique({ where: { id: input.id } });
  if (!c) throw new Error("not found");
  if (c.tableId) {
    if (c.tableId !== ctx.tableId) throw new Error("forbidden");
  } else {
    ${personal}
  }
  await prisma.comment.delete({ where: { id: input.id } });`).flagged;

  test("both branches check the row: the key is the tenant's past the if", () => {
    assert.deepEqual(run(`if (c.createdBy !== ctx.user.id) throw new Error("forbidden");`), []);
  });

  test("twins: a branch that checks nothing, or only logs", () => {
    const BOTH = [
      "comments.ts:4: findUnique({ where: { id: input.id } })",
      "comments.ts:11: delete({ where: { id: input.id } })",
    ];
    assert.deepEqual(run(`console.log(c.body);`), BOTH);
    assert.deepEqual(run(`if (c.createdBy !== ctx.user.id) console.warn("not yours");`), BOTH);
  });
});

describe("the row used only inside a branch whose condition checks it (sim's checkKnowledgeBaseAccess)", () => {
  const run = (branch: string, after = "return { allowed: false };") =>
    runComments(`  const c = await prisma.comment.findUnique({ where: { id: input.id } });
  if (!c) return null;
  ${branch}
  ${after}`).flagged;
  const READ = ["comments.ts:4: findUnique({ where: { id: input.id } })"];

  test("the owner's check or the tenant's, the row handed out only inside it", () => {
    assert.deepEqual(run(`if (c.createdBy === ctx.user.id) {\n    return { allowed: true, comment: c };\n  }`), []);
    assert.deepEqual(
      run(`if (c.tableId === ctx.tableId && !c.body.startsWith("#")) return { allowed: true, comment: c };`),
      [],
    );
  });

  test("twins: the row also handed out past the branch or in its else, a condition that checks nothing", () => {
    assert.deepEqual(
      run(
        `if (c.createdBy === ctx.user.id) {\n    return { allowed: true, comment: c };\n  }`,
        "return { allowed: false, comment: c };",
      ),
      READ,
    );
    assert.deepEqual(
      run(`if (c.createdBy === ctx.user.id) return { allowed: true, comment: c };\n  else console.log(c.body);`),
      READ,
    );
    assert.deepEqual(run(`if (c.createdBy === input.userId) {\n    return { allowed: true, comment: c };\n  }`), READ);
  });
});

describe("CASL: the ability made for the signed-in user, asked about the row (rallly's space members)", () => {
  const guarded = (check: string, after = `throw new Error("forbidden");`) =>
    runComments(`  const c = await prisma.comment.findUnique({ where: { id: input.id } });
  if (!c) throw new Error("not found");
  const ability = defineAbilityFor(ctx.user);
  if (${check}) {
    ${after}
  }
  await prisma.comment.delete({ where: { id: input.id } });`);

  test("ability.cannot(..., subject(type, row)) or !ability.can(..., row) that throws checks the row", () => {
    for (const check of [`ability.cannot("delete", subject("Comment", c))`, `!ability.can("delete", c)`])
      assert.deepEqual(guarded(check).flagged, [], check);
  });

  test("the row spread into the subject beside other keys (lightdash's `{ ...space, access }`) checks the row", () => {
    assert.deepEqual(
      guarded(`ability.cannot("delete", subject("Comment", { ...c, access: [ctx.user.id] }))`).flagged,
      [],
    );
  });

  test("twins: a refusal negated, a check that only logs, the subject's tenant replaced after the spread", () => {
    for (const [check, after] of [
      [`!ability.cannot("delete", subject("Comment", c))`, undefined],
      [`ability.cannot("delete", subject("Comment", c))`, `console.warn("not allowed");`],
      [`ability.cannot("delete", subject("Comment", { ...c, tableId: input.tableId }))`, undefined],
    ] as const)
      assert.deepEqual(
        guarded(check, after).flagged,
        [
          "comments.ts:4: findUnique({ where: { id: input.id } })",
          "comments.ts:10: delete({ where: { id: input.id } })",
        ],
        check,
      );
  });
});

describe("CASL: an ability made for the row's tenant, asked a throwing question (docmost's createForUser(user, page.spaceId))", () => {
  const guarded = (
    made: string,
    check = `ability.cannot("manage", "Comment")`,
    after = `throw new Error("forbidden");`,
  ) =>
    runComments(`  const c = await prisma.comment.findUnique({ where: { id: input.id } });
  if (!c) throw new Error("not found");
  const ability = await ${made};
  if (${check}) {
    ${after}
  }
  await prisma.comment.delete({ where: { id: input.id } });`);

  test("the row's tenant handed to the ability's factory, then ability.cannot(...) or !ability.can(...) that throws: the row is checked", () => {
    for (const check of [`ability.cannot("manage", "Comment")`, `!ability.can("manage", "Comment")`])
      assert.deepEqual(guarded("spaceAbility.createForUser(ctx.user, c.tableId)", check).flagged, [], check);
  });

  test("twins: the ability made for a value the client sent, for nothing of the row, or a check that only logs", () => {
    for (const [made, after] of [
      ["spaceAbility.createForUser(ctx.user, input.tableId)", undefined],
      ["spaceAbility.createForUser(ctx.user, ctx.user.homeTableId)", undefined],
      ["spaceAbility.createForUser(ctx.user, c.tableId)", `console.warn("not allowed");`],
    ] as const)
      assert.deepEqual(
        guarded(made, undefined, after).flagged,
        [
          // Where nothing of the row is used, its read is only an existence check; the delete stays flagged.
          ...(made.includes("c.tableId") ? ["comments.ts:4: findUnique({ where: { id: input.id } })"] : []),
          "comments.ts:10: delete({ where: { id: input.id } })",
        ],
        made,
      );
  });
});

describe("rows shared with the user (ghostfolio's access grants); the user Passport or NestJS's REQUEST holds", () => {
  const ACCESS_SCHEMA = `datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}
model User {
  id         String   @id
  AccessGive Access[] @relation("accessGive")
  AccessGet  Access[] @relation("accessGet")
}
model Access {
  id            String  @id
  alias         String?
  granteeUserId String?
  userId        String
  GranteeUser   User?   @relation("accessGet", fields: [granteeUserId], references: [id])
  User          User    @relation("accessGive", fields: [userId], references: [id])
}
`;
  const config = { tenantColumns: ["userId"], globalTables: ["User"] };
  const run = (body: string) =>
    runFlow(
      parser,
      prismaModel(parser, ACCESS_SCHEMA, config),
      {
        "/p/src/access.ts": `import { PrismaClient } from "@prisma/client";
const prisma = new PrismaClient();
export class AccessService {
  constructor(private readonly request: any) {}
  async handler(req: any, id: string, alias: string) {
${body}
  }
}`,
      },
      { config },
    );

  test("the grantee column, the grantee relation, both sides in an OR; the user of `this.request` or `req`", () => {
    const r = run(`    await prisma.access.findFirst({ where: { id, granteeUserId: this.request.user.id } });
    await prisma.access.findMany({ where: { GranteeUser: { id: req.user.id } } });
    await prisma.access.deleteMany({ where: { OR: [{ userId: req.user.id }, { userId: this.request.user.id }] } });`);
    assert.deepEqual(r.flagged, []);
    assert.deepEqual(
      r.proofs.map((p) => p.replace(/^access\.ts:(\d+) ([\w-]+):.*$/, "$1 $2")),
      ["6 own-rows", "7 own-rows", "8 predicate"],
    );
  });

  test("twins: a grantee the request names, a relation to the client's user, an OR with another column", () => {
    const r = run(`    await prisma.access.findFirst({ where: { id, granteeUserId: req.body.userId } });
    await prisma.access.findMany({ where: { GranteeUser: { id: this.request.params.id } } });
    await prisma.access.findFirst({ where: { id, alias } });`);
    assert.equal(r.flagged.length, 3, r.flagged.join("\n"));
    const code = `import { PrismaClient } from "@prisma/client";
const prisma = new PrismaClient();
export async function f(req: any, alias: string) {
  await prisma.access.deleteMany({ where: { OR: [{ alias }, { userId: req.user.id }] } });
  await prisma.access.deleteMany({ where: { OR: [{ granteeUserId: req.user.id }, { userId: req.user.id }] } });
}`;
    const found = analyzeSourceFile({
      ts,
      sourceFile: ts.createSourceFile("/p/src/a.ts", code, ts.ScriptTarget.Latest, true),
      config: resolveConfig(config, "/p", undefined),
      model: prismaModel(parser, ACCESS_SCHEMA, config),
      parser,
      relativePath: "src/a.ts",
    });
    // The second: a write by the grantee changes rows another tenant owns.
    assert.deepEqual(
      found.map((f) => f.ruleId),
      ["weak-tenant-filter", "weak-tenant-filter"],
    );
  });
});

describe("raw SQL: the signed-in user's own rows and memberships", () => {
  const MIGRATION = `
CREATE TABLE orgs (id uuid PRIMARY KEY);
CREATE TABLE users (id uuid PRIMARY KEY, org_id uuid REFERENCES orgs (id), email text);
CREATE TABLE memberships (user_id uuid NOT NULL, org_id uuid NOT NULL, role text);
CREATE TABLE videos (id uuid PRIMARY KEY, org_id uuid NOT NULL, owner_id uuid NOT NULL, name text);
`;
  const run = (body: string) =>
    runFlow(
      parser,
      modelOf(
        parser,
        { "/p/db/migrations/001.sql": MIGRATION },
        { tenantColumns: ["org_id"], schema: { migrations: ["db/migrations/*.sql"] } },
      ),
      {
        "/p/src/me.ts": `import postgres from "postgres";
import { Pool } from "pg";
const sql = postgres();
const pool = new Pool();
export async function me(ctx: any, input: any) {
${body}
}`,
      },
      { config: { tenantColumns: ["org_id"] } },
    );

  test("a membership by its user, the user's own row, an owner column, the id destructured from the session", () => {
    const r = run(`  await sql\`SELECT org_id FROM memberships WHERE user_id = \${ctx.user.id}\`;
  await sql\`SELECT * FROM users WHERE id = \${ctx.user.id}\`;
  await pool.query("UPDATE videos SET name = $1 WHERE id = $2 AND owner_id = $3", [input.name, input.id, ctx.user.id]);
  const { userId } = ctx.state;
  await sql\`SELECT * FROM videos WHERE owner_id = \${userId}\`;`);
    assert.deepEqual(r.flagged, []);
    assert.deepEqual(
      r.proofs.map((p) => p.replace(/^me\.ts:(\d+) ([\w-]+):.*$/, "$1 $2")),
      ["6 membership", "7 own-rows", "8 own-rows", "10 own-rows"],
    );
  });

  test("twins: a user the request names, the request's params destructured, a membership write", () => {
    const r = run(`  await sql\`SELECT org_id FROM memberships WHERE user_id = \${input.userId}\`;
  const { userId } = ctx.params;
  await sql\`SELECT * FROM videos WHERE owner_id = \${userId}\`;
  await sql\`SELECT * FROM users WHERE email = \${ctx.user.id}\`;
  await sql\`DELETE FROM memberships WHERE user_id = \${ctx.user.id}\`;
  let i = 2;
  await pool.query(\`SELECT * FROM videos WHERE owner_id = $\${i}\`, [ctx.user.id, input.ownerId]);
  const { body: { userId: claimed } } = ctx.request;
  await sql\`SELECT * FROM videos WHERE owner_id = \${claimed}\`;`);
    assert.deepEqual(r.flagged, [
      "me.ts:6: memberships",
      "me.ts:8: videos",
      "me.ts:9: users",
      "me.ts:10: memberships",
      "me.ts:12: videos",
      "me.ts:14: videos",
    ]);
  });
});

/** Users, and invitations addressed to an email, owned by a team. */
const INVITES_SCHEMA = `datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}
model User {
  id    String @id
  email String @unique
}
model Invite {
  id     String @id
  teamId String
  email  String
}
`;

/** A Prisma file `/p/src/invites.ts` over INVITES_SCHEMA, team-owned. */
function runInvites(text: string) {
  const config = { tenantColumns: ["teamId"] };
  return runFlow(parser, prismaModel(parser, INVITES_SCHEMA, config), { "/p/src/invites.ts": text }, { config });
}

describe("invitations addressed to the signed-in user's email (midday's user invites)", () => {
  const SCHEMA = `import { pgTable, text, uuid } from "drizzle-orm/pg-core";
export const teams = pgTable("teams", { id: uuid().primaryKey(), name: text() });
export const users = pgTable("users", { id: uuid().primaryKey(), email: text(), teamId: uuid("team_id").references(() => teams.id) });
export const userInvites = pgTable("user_invites", {
  id: uuid().primaryKey(),
  teamId: uuid("team_id").notNull().references(() => teams.id),
  email: text(),
  role: text(),
});
`;
  const CONFIG = { tenantColumns: ["team_id"], schema: { drizzle: ["src/db/schema.ts"] } };
  const QUERIES = `import { and, eq } from "drizzle-orm";
import { userInvites } from "./db/schema";
export async function invitesTo(db: any, email: string) {
  return db.query.userInvites.findMany({ where: eq(userInvites.email, email) });
}
export async function declineInvite(db: any, params: { id: string; email: string }) {
  return db.delete(userInvites).where(and(eq(userInvites.id, params.id), eq(userInvites.email, params.email)));
}
`;
  const run = (router: string) =>
    runFlow(
      parser,
      modelOf(parser, { "/p/src/db/schema.ts": SCHEMA }, CONFIG),
      {
        "/p/src/queries.ts": QUERIES,
        "/p/src/router.ts": `import { and, eq } from "drizzle-orm";
import { userInvites, users } from "./db/schema";
import { declineInvite, invitesTo } from "./queries";
type Ctx = { db: any; session: { user: { id: string; email: string } } };
export async function handler(ctx: Ctx, input: { id: string; email: string }) {
${router}
}`,
      },
      { config: CONFIG },
    );

  test("read through a helper every call hands the session's email, read inline, accepted by the id of the invite found so", () => {
    const r = run(`  await invitesTo(ctx.db, ctx.session.user.email);
  await ctx.db.select().from(userInvites).where(eq(userInvites.email, ctx.session.user.email));
  const invite = await ctx.db.query.userInvites.findFirst({
    where: and(eq(userInvites.id, input.id), eq(userInvites.email, ctx.session.user.email)),
  });
  if (!invite) throw new Error("Invite not found");
  await ctx.db.delete(userInvites).where(eq(userInvites.id, invite.id));`);
    // The decline helper deletes by the email alone: a write, which the email does not prove.
    assert.deepEqual(r.flagged, ["queries.ts:7: delete(userInvites)"]);
    assert.ok(
      r.proofs.some((p) => /queries\.ts:4 .*every call passes the signed-in user's email/.test(p)),
      r.proofs.join("\n"),
    );
  });

  test("twins: an email the client sends, the session's id where the email goes, the email beside an id column, writes by the session's email, users by email", () => {
    const r = run(`  await invitesTo(ctx.db, input.email);
  await declineInvite(ctx.db, { id: input.id, email: ctx.session.user.email });
  await ctx.db.select().from(userInvites).where(eq(userInvites.id, ctx.session.user.email));
  await ctx.db.update(userInvites).set({ teamId: input.id, role: "owner" }).where(eq(userInvites.email, ctx.session.user.email));
  await ctx.db.select().from(userInvites).where(eq(userInvites.email, ctx.session.user.id));
  await ctx.db.select().from(users).where(eq(users.email, ctx.session.user.email));`);
    assert.deepEqual(
      r.flagged.map((f) => f.split(": ")[0]),
      ["queries.ts:4", "queries.ts:7", "router.ts:8", "router.ts:9", "router.ts:10", "router.ts:11"],
    );
  });

  test("raw SQL and Prisma: the invitee's email column with the session's email; twins: the client's, or the session's id", () => {
    const sql = runFlow(
      parser,
      modelOf(
        parser,
        {
          "/p/db/migrations/001.sql": `CREATE TABLE teams (id uuid PRIMARY KEY);
CREATE TABLE team_invitations (id uuid PRIMARY KEY, team_id uuid NOT NULL REFERENCES teams (id), invitee_email text);`,
        },
        { tenantColumns: ["team_id"], schema: { migrations: ["db/migrations/*.sql"] } },
      ),
      {
        "/p/src/invites.ts": `import postgres from "postgres";
const sql = postgres();
export async function mine(ctx: any, input: any) {
  await sql\`SELECT * FROM team_invitations WHERE invitee_email = \${ctx.user.email}\`;
  await sql\`SELECT * FROM team_invitations WHERE id = \${input.id} AND invitee_email = \${ctx.user.email}\`;
  await sql\`SELECT * FROM team_invitations WHERE invitee_email = \${input.email}\`;
  await sql\`SELECT * FROM team_invitations WHERE invitee_email = \${ctx.user.id}\`;
}`,
      },
      { config: { tenantColumns: ["team_id"] } },
    );
    assert.deepEqual(sql.flagged, ["invites.ts:6: team_invitations", "invites.ts:7: team_invitations"]);
    const prisma = runInvites(`import { PrismaClient } from "@prisma/client";
const prisma = new PrismaClient();
export async function mine(ctx: any, input: any) {
  await prisma.invite.findMany({ where: { email: ctx.user.email } });
  await prisma.invite.deleteMany({ where: { id: input.id, email: ctx.user.email } });
  await prisma.invite.findMany({ where: { email: input.email } });
}`);
    assert.deepEqual(prisma.flagged, [
      "invites.ts:5: deleteMany({ where: { id: input.id, email: ctx.user.email } })",
      "invites.ts:6: findMany({ where: { email: input.email } })",
    ]);
  });

  // trigger.dev's invites: `requireUser(request)` in a Remix loader, the user row read by `requireUserId(request)`.
  test("Remix: the email of `await requireUser(request)`, or of the user row read by `await requireUserId(request)`; twins: the form's email, a user row by the form's id", () => {
    const r = runInvites(`import { PrismaClient } from "@prisma/client";
import { requireUser, requireUserId } from "./session";
const prisma = new PrismaClient();
export async function loader({ request }: { request: Request }) {
  const user = await requireUser(request);
  return prisma.invite.findMany({ where: { email: user.email } });
}
export async function remaining(request: Request) {
  const userId = await requireUserId(request);
  const user = await prisma.user.findUnique({ where: { id: userId } });
  return prisma.invite.findMany({ where: { email: user!.email } });
}
export async function posted(request: Request) {
  const maybe = await prisma.user.findUnique({ where: { id: await requireUserId(request) } });
  await prisma.invite.findMany({ where: { email: maybe?.email } });
  await requireUserId(request);
  const form = await request.formData();
  const other = await prisma.user.findUnique({ where: { id: String(form.get("userId")) } });
  await prisma.invite.findMany({ where: { email: other!.email } });
  return prisma.invite.findMany({ where: { email: String(form.get("email")) } });
}`);
    assert.deepEqual(
      r.flagged.map((f) => f.split(": ")[0]),
      ["invites.ts:15", "invites.ts:19", "invites.ts:20"],
    );
  });
});

// A review of the session that added the proofs above wrote these leaks, each accepted by one of them at first.
describe("unsafe twins of the branch, flag and branch-join proofs", () => {
  const BOTH = (a: number, b: number) => [
    `comments.ts:${a}: findUnique({ where: { id: input.id } })`,
    `comments.ts:${b}: delete({ where: { id: c.id } })`,
  ];

  test("each branch proves its own `const id`: the outer id past the if is another variable", () => {
    const r = runComments(`  const id = input.id;
  if (input.a) {
    const id = input.x;
    const c = await prisma.comment.findFirst({ where: { id, tableId: ctx.tableId } });
    if (!c) throw new Error("nf");
  } else {
    const id = input.y;
    const c = await prisma.comment.findFirst({ where: { id, tableId: ctx.tableId } });
    if (!c) throw new Error("nf");
  }
  await prisma.comment.delete({ where: { id } });`).flagged;
    assert.deepEqual(r, ["comments.ts:14: delete({ where: { id } })"]);
  });

  test("a flag refused only inside a branch, the row used past it", () => {
    const r = runComments(`  const c = await prisma.comment.findUnique({ where: { id: input.id } });
  if (!c) throw new Error("not found");
  let ok = false;
  if (c.createdBy === ctx.user.id) ok = true;
  if (input.strict) {
    if (!ok) throw new Error("forbidden");
  }
  await prisma.comment.delete({ where: { id: c.id } });`).flagged;
    assert.deepEqual(r, BOTH(4, 11));
  });

  test("a boolean check's false is an answer too: `allowed !== null` grants nothing", () => {
    const r = runComments(`  const c = await prisma.comment.findUnique({ where: { id: input.id } });
  if (!c) throw new Error("not found");
  let ok = false;
  const allowed = await canEditTable(ctx.user.id, c.tableId);
  if (allowed !== null) ok = true;
  if (!ok) throw new Error("forbidden");
  await prisma.comment.delete({ where: { id: c.id } });`).flagged;
    assert.deepEqual(r, BOTH(4, 10));
  });

  test("the row handed on in the granting condition itself, before the check", () => {
    const r = runComments(`  const c = await prisma.comment.findUnique({ where: { id: input.id } });
  if (!c) return null;
  if ((await send(c)) && c.createdBy === ctx.user.id) {
    return { allowed: true, c };
  }
  return { allowed: false };`).flagged;
    assert.deepEqual(r, ["comments.ts:4: findUnique({ where: { id: input.id } })"]);
  });
});

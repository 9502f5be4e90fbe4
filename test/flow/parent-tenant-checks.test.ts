// kan's tRPC routers: a row owned through its parents (card -> list -> board, the board holding
// the workspace) is checked by handing the parents' tenant to an authorization check, inline
// (`card.list.board.workspaceId`) or through a repository helper that hands the row back
// reshaped (`{ id: r.id, workspaceId: r.board.workspaceId }`) or spread (`{ ...r, url }`).
// Each safe case beside its unsafe twin.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { harness } from "../helpers/flow-run";

const SCHEMA = `import { bigint, bigserial, pgTable, text, varchar } from "drizzle-orm/pg-core";
export const workspaces = pgTable("workspace", { id: bigserial("id", { mode: "number" }).primaryKey() });
export const workspaceMembers = pgTable("workspace_members", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  userId: text("userId"),
  workspaceId: bigint("workspaceId", { mode: "number" }).notNull().references(() => workspaces.id),
});
export const boards = pgTable("board", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  name: text("name"),
  workspaceId: bigint("workspaceId", { mode: "number" }).notNull().references(() => workspaces.id),
});
export const lists = pgTable("list", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  publicId: varchar("publicId", { length: 12 }).notNull().unique(),
  name: text("name"),
  boardId: bigint("boardId", { mode: "number" }).notNull().references(() => boards.id),
});
export const cards = pgTable("card", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  publicId: varchar("publicId", { length: 12 }).notNull().unique(),
  title: text("title"),
  listId: bigint("listId", { mode: "number" }).notNull().references(() => lists.id),
});
export const webhooks = pgTable("webhook", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  publicId: varchar("publicId", { length: 12 }).notNull().unique(),
  url: text("url"),
  workspaceId: bigint("workspaceId", { mode: "number" }).notNull().references(() => workspaces.id),
});`;
const CONFIG = { tenantColumns: ["workspaceId"], schema: { drizzle: ["src/db/schema.ts"] } };

const PERMISSIONS = `import { and, eq } from "drizzle-orm";
import { workspaceMembers } from "../db/schema";
export async function assertPermission(db: any, userId: string, workspaceId: number, permission: string) {
  const member = await db.query.workspaceMembers.findFirst({
    where: and(eq(workspaceMembers.userId, userId), eq(workspaceMembers.workspaceId, workspaceId)),
  });
  if (!member) throw new Error("FORBIDDEN " + permission);
}`;

const h = harness({ files: { "/p/src/db/schema.ts": SCHEMA }, config: CONFIG });

const run = (files: Record<string, string>) =>
  h
    .run({ "/p/src/db/schema.ts": SCHEMA, "/p/src/utils/permissions.ts": PERMISSIONS, ...files })
    .flagged.filter((f) => !f.startsWith("utils/"));

describe("the tenant of the parents a row is owned through, handed to an authorization check", () => {
  const route = (field: string) => ({
    "/p/src/routers/card.ts": `import { eq } from "drizzle-orm";
import { cards } from "../db/schema";
import { assertPermission } from "../utils/permissions";
export async function rename(db: any, userId: string, input: { cardPublicId: string; title: string }) {
  const card = await db.query.cards.findFirst({
    where: eq(cards.publicId, input.cardPublicId),
    with: { list: { with: { board: { columns: { workspaceId: true, name: true } } } } },
  });
  if (!card) throw new Error("NOT_FOUND");
  await assertPermission(db, userId, ${field}, "card:edit");
  await db.update(cards).set({ title: input.title }).where(eq(cards.id, card.id));
}`,
  });

  test("`card.list.board.workspaceId`: the card read and its write are proven", () => {
    assert.deepEqual(run(route("card.list.board.workspaceId")), []);
  });

  test("twin: another field of the board is no tenant", () => {
    assert.deepEqual(run(route("card.list.board.name as unknown as number")), [
      "routers/card.ts:5: cards.findFirst",
      "routers/card.ts:11: update(cards)",
    ]);
  });
});

describe("a repository helper that hands the row back reshaped or spread, checked by the router", () => {
  const HEAD = `import { eq } from "drizzle-orm";
import { lists, webhooks } from "../db/schema";
export const renameList = (db: any, listId: number, name: string) =>
  db.update(lists).set({ name }).where(eq(lists.id, listId));
export const deleteWebhook = (db: any, publicId: string) => db.delete(webhooks).where(eq(webhooks.publicId, publicId));
`;
  // The list's board tenant under another name; the row spread with a field added.
  const SAFE = `${HEAD}export const getList = async (db: any, listPublicId: string) => {
  const result = await db.query.lists.findFirst({
    columns: { id: true },
    where: eq(lists.publicId, listPublicId),
    with: { board: { columns: { workspaceId: true, name: true } } },
  });
  return result ? { id: result.id, workspaceId: result.board.workspaceId } : null;
};
export const getWebhook = async (db: any, publicId: string) => {
  const result = await db.query.webhooks.findFirst({ where: eq(webhooks.publicId, publicId) });
  return result ? { ...result, url: result.url?.trim() } : null;
};`;
  // Twins: the board's name under the tenant's name; the spread's tenant replaced.
  const TWIN = `${HEAD}export const getList = async (db: any, listPublicId: string) => {
  const result = await db.query.lists.findFirst({ where: eq(lists.publicId, listPublicId), with: { board: true } });
  return result ? { id: result.id, workspaceId: result.board.name } : null;
};
export const getWebhook = async (db: any, publicId: string, workspaceId: number) => {
  const result = await db.query.webhooks.findFirst({ where: eq(webhooks.publicId, publicId) });
  return result ? { ...result, workspaceId } : null;
};
export const getWebhookRekeyed = async (db: any, publicId: string, otherPublicId: string) => {
  const result = await db.query.webhooks.findFirst({ where: eq(webhooks.publicId, publicId) });
  return result ? { ...result, publicId: otherPublicId } : null;
};`;
  const BODY = `  const list = await repo.getList(db, input.listId, workspace.id);
  if (!list) throw new Error("NOT_FOUND");
  await assertPermission(db, userId, list.workspaceId as unknown as number, "list:edit");
  await repo.renameList(db, list.id, input.name);
  const hook = await repo.getWebhook(db, input.hookId, workspace.id);
  if (!hook || hook.workspaceId !== workspace.id) throw new Error("NOT_FOUND");
  await repo.deleteWebhook(db, input.hookId);`;
  const router = (repo: string, body = BODY) => ({
    "/p/src/repository/repo.ts": repo,
    "/p/src/routers/router.ts": `import * as repo from "../repository/repo";
import { assertPermission } from "../utils/permissions";
export async function route(db: any, userId: string, input: { listId: string; hookId: string; otherId: string; name: string }, workspace: { id: number }) {
${body}
}`,
  });

  test("`{ id: r.id, workspaceId: r.board.workspaceId }` authorized, `{ ...r, url }` compared: proven", () => {
    assert.deepEqual(run(router(SAFE)), []);
  });

  test("twins: a reshaped field that is no tenant, a spread that replaces the tenant", () => {
    assert.deepEqual(run(router(TWIN)), [
      "repository/repo.ts:4: update(lists)",
      "repository/repo.ts:5: delete(webhooks)",
      "repository/repo.ts:7: lists.findFirst",
      "repository/repo.ts:11: webhooks.findFirst",
      "repository/repo.ts:15: webhooks.findFirst",
    ]);
  });

  test("twin: a spread that replaces the row's unique key, then a write by that key", () => {
    const body = `  const hook = await repo.getWebhookRekeyed(db, input.hookId, input.otherId);
  if (!hook || hook.workspaceId !== workspace.id) throw new Error("NOT_FOUND");
  await repo.deleteWebhook(db, hook.publicId);`;
    const flagged = run(router(TWIN, body));
    assert.ok(flagged.includes("repository/repo.ts:5: delete(webhooks)"), flagged.join("\n"));
  });
});

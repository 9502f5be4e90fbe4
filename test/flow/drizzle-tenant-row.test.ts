// Drizzle's relational read of the tenant's own row (`db.query.workspaces.findFirst({ where: eq(t.id,
// ctx.workspace.id), with: { keySpaces: true } })`, or by the field naming its tenant above it,
// `eq(t.tenantId, ctx.tenant.id)`): the rows its `many(...)` relations hold are the tenant's, and one
// found among them (`workspace.keySpaces.at(0)`, `.find(...)`, then a guard) proves its key (unkey).
// Each safe case sits beside its unsafe twin.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { TenantModel } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { runFlow } from "../helpers/flow-run";
import { modelOf } from "../helpers/model";
import { sqlParser } from "../helpers/sql";

const SCHEMA = `import { relations } from "drizzle-orm";
import { mysqlTable, varchar } from "drizzle-orm/mysql-core";
export const workspaces = mysqlTable("workspaces", {
  id: varchar("id", { length: 64 }).primaryKey(),
  tenantId: varchar("tenant_id", { length: 64 }).notNull(),
});
export const keyAuth = mysqlTable("key_auth", {
  id: varchar("id", { length: 64 }).primaryKey(),
  workspaceId: varchar("workspace_id", { length: 64 }).notNull().references(() => workspaces.id),
  sharedWithId: varchar("shared_with_id", { length: 64 }),
  prefix: varchar("prefix", { length: 64 }),
});
export const keys = mysqlTable("keys", {
  id: varchar("id", { length: 64 }).primaryKey(),
  workspaceId: varchar("workspace_id", { length: 64 }).notNull().references(() => workspaces.id),
  keyAuthId: varchar("key_auth_id", { length: 64 }).notNull().references(() => keyAuth.id),
  backupId: varchar("backup_id", { length: 64 }).references(() => keyAuth.id),
  name: varchar("name", { length: 64 }),
});
export const keysRelations = relations(keys, ({ one }) => ({
  keyAuth: one(keyAuth, { fields: [keys.keyAuthId], references: [keyAuth.id] }),
  backup: one(keyAuth, { fields: [keys.backupId], references: [keyAuth.id] }),
}));
export const workspacesRelations = relations(workspaces, ({ many }) => ({
  keySpaces: many(keyAuth, { relationName: "owner" }),
  shared: many(keyAuth, { relationName: "shared" }),
}));
export const keyAuthRelations = relations(keyAuth, ({ one }) => ({
  workspace: one(workspaces, { fields: [keyAuth.workspaceId], references: [workspaces.id], relationName: "owner" }),
  sharedWith: one(workspaces, { fields: [keyAuth.sharedWithId], references: [workspaces.id], relationName: "shared" }),
}));
`;
const CONFIG = { tenantColumns: ["workspace_id"], schema: { drizzle: ["src/db/schema.ts"] } };

let parser: SqlParser;
let model: TenantModel;
before(async () => {
  parser = await sqlParser();
  model = modelOf(parser, { "/p/src/db/schema.ts": SCHEMA }, CONFIG);
});

function flagged(body: string): string[] {
  const text = `import { and, eq } from "drizzle-orm";
import { db } from "../db";
import { keyAuth, keys, workspaces } from "../db/schema";
export const procedure = async ({ ctx, input }: any) => {
${body}
};`;
  return runFlow(parser, model, { "/p/src/router/a.ts": text }, { config: CONFIG }).flagged.map((f) =>
    f.replace(/^\S+ /, ""),
  );
}

const UPDATE = "  await db.update(keyAuth).set({ prefix: input.prefix }).where(eq(keyAuth.id, found.id));";

describe("a child found among the rows of the tenant's own row", () => {
  test("read by the tenant value or by its tenant above it, with the children, the one found guarded", () => {
    for (const where of [
      "(t, { eq }) => eq(t.id, ctx.workspace.id)",
      "(t, { eq }) => eq(t.tenantId, ctx.tenant.id)",
      "eq(workspaces.id, ctx.workspace.id)",
      "{ id: ctx.workspace.id }",
    ]) {
      const body = `  const workspace = await db.query.workspaces.findFirst({
    where: ${where},
    with: { keySpaces: { where: (t, { eq }) => eq(t.id, input.keyAuthId) } },
  });
  if (!workspace) throw new Error("not found");
  const found = workspace.keySpaces.at(0);
  if (!found) throw new Error("not found");
${UPDATE}`;
      assert.deepEqual(flagged(body), [], where);
    }
  });

  test("twins: the workspace from the request, read under OR, the child from the request, a relation not held by the tenant column", () => {
    const read = (where: string, relation = "keySpaces") => `  const workspace = await db.query.workspaces.findFirst({
    where: ${where},
    with: { ${relation}: true },
  });
  if (!workspace) throw new Error("not found");
  const found = workspace.${relation}.find((k) => k.id === input.keyAuthId);
  if (!found) throw new Error("not found");
${UPDATE}`;
    const updated = ["update(keyAuth)"];
    assert.deepEqual(flagged(read("(t, { eq }) => eq(t.id, input.workspaceId)")), updated);
    assert.deepEqual(
      flagged(read("(t, { eq, or }) => or(eq(t.id, ctx.workspace.id), eq(t.tenantId, input.tenantId))")),
      updated,
    );
    assert.deepEqual(flagged(read("(t, { eq }) => eq(t.id, ctx.workspace.id)", "shared")), updated);
    assert.deepEqual(
      flagged(`  const workspace = await db.query.workspaces.findFirst({ where: (t, { eq }) => eq(t.id, ctx.workspace.id) });
  if (!workspace) throw new Error("not found");
  await db.update(keyAuth).set({ prefix: input.prefix }).where(eq(keyAuth.id, input.keyAuthId));`),
      updated,
    );
  });
});

// unkey's updateRole: the workspace read with its roles filtered by the id, then `if (workspace.roles.length === 0) throw`.
describe("a key the tenant row's included rows were filtered by, when the path ends on none", () => {
  const run = (filter: string, guard: string, where = "(t, { eq }) => eq(t.id, ctx.workspace.id)") =>
    flagged(`  const workspace = await db.query.workspaces.findFirst({
    where: ${where},
    with: { keySpaces: { where: ${filter} } },
  });
  if (!workspace) throw new Error("not found");
  ${guard}
  await db.update(keyAuth).set({ prefix: input.prefix }).where(eq(keyAuth.id, input.keyAuthId));`);
  const BY_ID = "(t, { eq }) => eq(t.id, input.keyAuthId)";

  test("`.length === 0`, `!...length` then throw", () => {
    assert.deepEqual(run(BY_ID, 'if (workspace.keySpaces.length === 0) throw new Error("not found");'), []);
    assert.deepEqual(run(BY_ID, 'if (!workspace.keySpaces.length) throw new Error("not found");'), []);
  });

  test("twins: no guard, a guard that only logs, another column, a workspace the request names", () => {
    const updated = ["update(keyAuth)"];
    assert.deepEqual(run(BY_ID, ""), updated);
    assert.deepEqual(run(BY_ID, 'if (workspace.keySpaces.length === 0) console.warn("none");'), updated);
    assert.deepEqual(
      run("(t, { eq }) => eq(t.prefix, input.keyAuthId)", 'if (!workspace.keySpaces.length) throw new Error("x");'),
      updated,
    );
    assert.deepEqual(
      run(
        BY_ID,
        'if (!workspace.keySpaces.length) throw new Error("x");',
        "(t, { eq }) => eq(t.id, input.workspaceId)",
      ),
      updated,
    );
  });
});

// unkey's namespaces: the workspace read by the id the request names, then checked against the session's tenant.
describe("some tenant's own row read by its key, then checked to be the tenant's", () => {
  const run = (check: string) =>
    flagged(`  const ws = await db.query.workspaces.findFirst({
    where: (t, { eq }) => eq(t.id, input.workspaceId),
    with: { keySpaces: true },
  });
  if (${check}) throw new Error("not found");
  const found = ws.keySpaces.find((k) => k.id === input.keyAuthId);
  if (!found) throw new Error("not found");
${UPDATE}`);

  test("by the field naming its tenant above it, or by its own id", () => {
    assert.deepEqual(run("!ws || ws.tenantId !== ctx.tenant.id"), []);
    assert.deepEqual(run("!ws || ws.id !== ctx.workspace.id"), []);
  });

  test("twins: no check, a check against the request, a check that names no tenant", () => {
    const updated = ["update(keyAuth)"];
    assert.deepEqual(run("!ws"), updated);
    assert.deepEqual(run("!ws || ws.tenantId !== input.tenantId"), updated);
    assert.deepEqual(run("!ws || ws.name !== ctx.tenant.id"), updated);
  });
});

// unkey's overrides: `if (!override || override.namespace.workspace.tenantId !== ctx.tenant.id) throw`.
// Only through required relations (a NOT NULL key): the row is taken to be its parent's tenant's.
describe("a check of the tenant of a parent the row requires, or of the tenant's own row above it", () => {
  const run = (check: string, relation = "keyAuth") =>
    flagged(`  const key = await db.query.keys.findFirst({
    where: (t, { eq }) => eq(t.id, input.keyId),
    with: { ${relation}: { with: { workspace: true, sharedWith: true } } },
  });
  if (!key || ${check}) throw new Error("not found");
  await db.update(keys).set({ name: input.name }).where(eq(keys.id, key.id));`);

  test("the parent's tenant column, or the tenant's own row above the parent, against the tenant", () => {
    assert.deepEqual(run("key.keyAuth.workspace.tenantId !== ctx.tenant.id"), [], "root");
    assert.deepEqual(run("key.keyAuth.workspaceId !== ctx.workspace.id"), [], "column");
  });

  test("twins: against request input, a field that names no tenant, a relation not by the tenant column", () => {
    const both = ["keys.findFirst", "update(keys)"];
    assert.deepEqual(run("key.keyAuth.workspace.tenantId !== input.tenantId"), both);
    assert.deepEqual(run("key.keyAuth.prefix !== ctx.workspace.id"), both);
    assert.deepEqual(run("key.keyAuth.sharedWith.tenantId !== ctx.tenant.id"), both);
    // An optional link may point at another tenant's row: the row's own tenant column says whose it is.
    assert.deepEqual(run("key.backup?.workspaceId !== ctx.workspace.id", "backup"), both);
    assert.deepEqual(run("key.backup?.workspace.tenantId !== ctx.tenant.id", "backup"), both);
  });
});

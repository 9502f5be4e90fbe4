// A scoped read that finds a row under a parent key (`invoiceLine.findFirst({ where: { invoiceId,
// invoice: { tenantId } } })`, the signed-in user's own `space_members` row with `spaceId = id`),
// and a path that ends when it finds none: the parent key is the tenant's (or the user's) from
// there on, as the key a scoped read looked up is. Cap's update-space (Drizzle) and a Prisma
// child; each safe case beside its unsafe twin.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { harness, PRISMA_CLIENT } from "../helpers/flow-run";

const h = harness();

describe("Prisma: a child found under the parent key by a scoped read", () => {
  const run = (body: string) =>
    h.run({
      "/p/src/invoices.ts": `${PRISMA_CLIENT}export async function handler(tenantId: string, input: { invoiceId: string; otherId: string }) {\n${body}\n}`,
    });

  test("proves the parent key for a by-id write of the parent", () => {
    const r =
      run(`  const line = await prisma.invoiceLine.findFirst({ where: { invoiceId: input.invoiceId, invoice: { tenantId } } });
  if (!line) throw new Error("not this tenant's invoice");
  await prisma.invoice.delete({ where: { id: input.invoiceId } });`);
    assert.deepEqual(r.flagged, []);
    assert.match(
      r.proofs.at(-1)!,
      /^invoices\.ts:6 owned-key: key `input\.invoiceId` has a row of invoice_lines under it, found by the scoped query on line 4, and the path ends when it finds nothing$/,
    );
  });

  test("twins: a child found under another key, a check that only logs, an unscoped child read", () => {
    const r =
      run(`  const a = await prisma.invoiceLine.findFirst({ where: { invoiceId: input.otherId, invoice: { tenantId } } });
  if (!a) throw new Error("no");
  await prisma.invoice.delete({ where: { id: input.invoiceId } });
  const b = await prisma.invoiceLine.findFirst({ where: { invoiceId: input.invoiceId, invoice: { tenantId } } });
  if (!b) console.warn("no line");
  await prisma.invoice.update({ where: { id: input.invoiceId }, data: { status: "void" } });`);
    assert.deepEqual(r.flagged, [
      "invoices.ts:6: delete({ where: { id: input.invoiceId } })",
      'invoices.ts:9: update({ where: { id: input.invoiceId }, data: { status: "void" } })',
    ]);
  });
});

// teable: `plugin_install.position_id` names the dashboard (or panel) it sits on, a link no @relation
// declares; the config's `tables.plugin_install.references` says what it points at.
describe("Prisma: a child read by a parent key the config declares (no @relation)", () => {
  const CONFIG = {
    tenantColumns: ["base_id"],
    schema: { prisma: ["prisma/schema.prisma"] },
    tables: { plugin_install: { references: { position_id: "dashboard.id" } } },
  };
  const ph = harness({
    files: {
      "/p/prisma/schema.prisma": `datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}
model Dashboard {
  id     String @id
  baseId String @map("base_id")
  @@map("dashboard")
}
model PluginInstall {
  id         String @id
  baseId     String @map("base_id")
  positionId String @map("position_id")
  @@map("plugin_install")
}
`,
    },
    config: CONFIG,
  });
  const run = (body: string) =>
    ph.run({
      "/p/src/dashboards.ts": `${PRISMA_CLIENT}export async function handler(baseId: string, input: { id: string }) {\n${body}\n}`,
    });

  test("the parent found with the tenant: its plugin installs by its id are proven", () => {
    const r = run(`  const dashboard = await prisma.dashboard.findFirstOrThrow({ where: { id: input.id, baseId } });
  return prisma.pluginInstall.findMany({ where: { positionId: dashboard.id } });`);
    assert.deepEqual(r.flagged, []);
    assert.match(r.proofs.at(-1)!, /its rows hang off the "dashboard" row it filters by \(positionId\)/);
  });

  test("twins: the parent key from the request, a parent read without the tenant", () => {
    const r = run(`  await prisma.pluginInstall.findMany({ where: { positionId: input.id } });
  const dashboard = await prisma.dashboard.findFirstOrThrow({ where: { id: input.id } });
  return prisma.pluginInstall.findMany({ where: { positionId: dashboard.id } });`);
    assert.deepEqual(
      r.flagged.map((f) => f.split(": ")[0]),
      ["dashboards.ts:4", "dashboards.ts:5", "dashboards.ts:6"],
    );
  });
});

const DRIZZLE_SCHEMA = `import { mysqlTable, varchar } from "drizzle-orm/mysql-core";
export const spaces = mysqlTable("spaces", {
  id: varchar("id", { length: 15 }).primaryKey(),
  organizationId: varchar("organizationId", { length: 15 }).notNull(),
  name: varchar("name", { length: 255 }).notNull(),
});
export const spaceMembers = mysqlTable("space_members", {
  id: varchar("id", { length: 15 }).primaryKey(),
  spaceId: varchar("spaceId", { length: 15 }).notNull(),
  userId: varchar("userId", { length: 15 }).notNull(),
});
`;
// Cap's schema declares no `.references()`: the config says what space_members.spaceId points at.
const CONFIG = {
  tenantColumns: ["organization_id"],
  schema: { drizzle: ["src/db/schema.ts"] },
  tables: { space_members: { references: { spaceId: "spaces.id" } } },
};

describe("Drizzle: the signed-in user's membership of the row, looked up inline (Cap's update-space)", () => {
  const cap = harness({ files: { "/p/src/db/schema.ts": DRIZZLE_SCHEMA }, config: CONFIG });
  const run = (checked: string) =>
    cap.run({
      "/p/src/actions/update-space.ts": `import { and, eq } from "drizzle-orm";
import { db } from "../db";
import { spaceMembers, spaces } from "../db/schema";
import { getCurrentUser } from "../session";
export async function updateSpace(id: string, otherId: string, name: string) {
  const user = await getCurrentUser();
  if (!user) return { success: false };
  const [membership] = await db.select().from(spaceMembers).where(and(eq(spaceMembers.spaceId, ${checked}), eq(spaceMembers.userId, user.id)));
  if (!membership) return { success: false };
  await db.update(spaces).set({ name }).where(eq(spaces.id, id));
  return { success: true };
}`,
    });

  test("the user's membership of the space proves the space's key", () => {
    assert.deepEqual(run("id").flagged, []);
  });

  test("twin: the membership of another space proves nothing for this one", () => {
    assert.deepEqual(run("otherId").flagged, ["actions/update-space.ts:10: update(spaces)"]);
  });
});

describe("a scoped write whose changed-row count ends the path (karakeep's rules: `if (res.changes === 0) throw`)", () => {
  const run = (body: string) =>
    h.run({
      "/p/src/invoices.ts": `${PRISMA_CLIENT}export async function handler(tenantId: string, input: { invoiceId: string; otherId: string }) {\n${body}\n}`,
    }).flagged;

  test("proves its key: the count of a result, a destructured count", () => {
    assert.deepEqual(
      run(`  const res = await prisma.invoice.updateMany({ where: { id: input.invoiceId, tenantId }, data: { status: "void" } });
  if (res.count === 0) throw new Error("not found");
  await prisma.invoiceLine.deleteMany({ where: { invoiceId: input.invoiceId } });
  const { count } = await prisma.invoice.deleteMany({ where: { id: input.otherId, tenantId } });
  if (!count) throw new Error("not found");
  await prisma.invoiceLine.deleteMany({ where: { invoiceId: input.otherId } });`),
      [],
    );
  });

  test("twins: the result object tested (always there), an unscoped write, a count that does not end the path", () => {
    assert.deepEqual(
      run(`  const res = await prisma.invoice.updateMany({ where: { id: input.invoiceId, tenantId }, data: { status: "void" } });
  if (!res) throw new Error("not found");
  await prisma.invoiceLine.deleteMany({ where: { invoiceId: input.invoiceId } });
  const loose = await prisma.invoice.updateMany({ where: { id: input.otherId }, data: { status: "void" } });
  if (loose.count === 0) throw new Error("not found");
  await prisma.invoiceLine.deleteMany({ where: { invoiceId: input.otherId } });
  const again = await prisma.invoice.updateMany({ where: { id: input.otherId, tenantId }, data: { status: "void" } });
  if (again.count === 0) console.warn("nothing changed");
  await prisma.invoiceLine.deleteMany({ where: { invoiceId: input.otherId } });`),
      [
        "invoices.ts:6: deleteMany({ where: { invoiceId: input.invoiceId } })",
        'invoices.ts:7: updateMany({ where: { id: input.otherId }, data: { status: "void" } })',
        "invoices.ts:9: deleteMany({ where: { invoiceId: input.otherId } })",
        "invoices.ts:12: deleteMany({ where: { invoiceId: input.otherId } })",
      ],
    );
  });
});

describe("Kysely and Knex: a child filtered by a parent key the flow proved (docmost's space members)", () => {
  const MIGRATION = `CREATE TABLE spaces (id uuid PRIMARY KEY, workspace_id uuid NOT NULL);
CREATE TABLE space_members (id uuid PRIMARY KEY, space_id uuid NOT NULL REFERENCES spaces (id), user_id uuid);`;
  const CONFIG = { tenantColumns: ["workspace_id"], schema: { migrations: ["db/*.sql"] } };
  const docmost = harness({ files: { "/p/db/001.sql": MIGRATION }, config: CONFIG });
  const run = (body: string) =>
    docmost.run({
      "/p/src/members.ts": `import { db, knex } from "./db";
export async function remove(dto: { spaceId: string; otherId: string; userId: string }, workspaceId: string) {
  const space = await db.selectFrom("spaces").selectAll().where("id", "=", dto.spaceId).where("workspaceId", "=", workspaceId).executeTakeFirst();
  if (!space) throw new Error("not found");
${body}
}`,
    }).flagged;

  test("the proven key or the scoped row's id, by a 3-argument, 2-argument or object where", () => {
    assert.deepEqual(
      run(`  await db.deleteFrom("spaceMembers").where("spaceId", "=", dto.spaceId).where("userId", "=", dto.userId).execute();
  await db.deleteFrom("space_members").where("space_members.space_id", "=", space.id).execute();
  await knex("space_members").where("space_id", dto.spaceId).del();
  await knex("space_members").where({ space_id: space.id, user_id: dto.userId }).del();`),
      [],
    );
  });

  test("a Kysely write's bigint count from executeTakeFirst: 0n, loose 0, !count, Number(...) === 0", () => {
    const write = (n: number) =>
      `const r${n} = await db.updateTable("spaces").set({ name: "x" }).where("id", "=", dto.otherId).where("workspaceId", "=", workspaceId).executeTakeFirst();`;
    assert.deepEqual(
      run(`  ${write(1)}
  if (r1.numUpdatedRows === 0n) throw new Error("none");
  ${write(2)}
  if (r2.numUpdatedRows == 0) throw new Error("none");
  ${write(3)}
  if (!r3.numUpdatedRows) throw new Error("none");
  ${write(4)}
  if (Number(r4.numUpdatedRows) === 0) throw new Error("none");
  await db.deleteFrom("spaceMembers").where("spaceId", "=", dto.otherId).execute();`),
      [],
    );
  });

  test("twins: a bigint count compared strictly with the number 0 (never equal), a count read off execute()'s array", () => {
    assert.deepEqual(
      run(`  const r1 = await db.updateTable("spaces").set({ name: "x" }).where("id", "=", dto.otherId).where("workspaceId", "=", workspaceId).executeTakeFirst();
  if (r1.numUpdatedRows === 0) throw new Error("none");
  await db.deleteFrom("spaceMembers").where("spaceId", "=", dto.otherId).execute();
  const r2 = await db.updateTable("spaces").set({ name: "x" }).where("id", "=", dto.userId).where("workspaceId", "=", workspaceId).execute();
  if (r2.numUpdatedRows === 0n) throw new Error("none");
  await db.deleteFrom("spaceMembers").where("spaceId", "=", dto.userId).execute();`),
      ['members.ts:7: deleteFrom("spaceMembers")', 'members.ts:10: deleteFrom("spaceMembers")'],
    );
  });

  test("twins: another key, and the key only inside an orWhere", () => {
    assert.deepEqual(
      run(`  await db.deleteFrom("spaceMembers").where("spaceId", "=", dto.otherId).execute();
  await knex("space_members").where("space_id", dto.spaceId).orWhere("user_id", dto.userId).del();`),
      ['members.ts:5: deleteFrom("spaceMembers")', 'members.ts:6: knex("space_members")'],
    );
  });
});

const campaigns = harness({
  files: {
    "/p/prisma/schema.prisma": `datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}
model Segment {
  id        String     @id
  tenantId  String     @map("tenant_id")
  campaigns Campaign[]
  @@map("segments")
}
model Campaign {
  id        String  @id
  tenantId  String  @map("tenant_id")
  segmentId String  @map("segment_id")
  segment   Segment @relation(fields: [segmentId], references: [id])
  @@map("campaigns")
}
`,
  },
  config: { tenantColumns: ["tenant_id"], schema: { prisma: ["prisma/schema.prisma"] } },
});

describe('raw SQL: a select that renames a column (plunk\'s `SELECT e."templateId" AS id`)', () => {
  const run = (body: string) =>
    campaigns.run({
      "/p/src/tasks.ts": `${PRISMA_CLIENT}export async function handler(tenantId: string, input: { id: string }) {\n${body}\n}`,
    });

  test("the field holds the column it names: a segment key under `id`, the campaign's own key under its name", () => {
    const r =
      run(`  const rows = await prisma.$queryRaw<{ id: string }[]>\`SELECT t.segment_id AS id FROM campaigns t WHERE t.tenant_id = \${tenantId}\`;
  await prisma.segment.deleteMany({ where: { id: { in: rows.map((r) => r.id) } } });
  const both = await prisma.$queryRaw<{ id: string; pid: string }[]>\`SELECT t.id AS id, t.segment_id AS pid FROM campaigns t WHERE t.tenant_id = \${tenantId}\`;
  await prisma.segment.deleteMany({ where: { id: { in: both.map((r) => r.pid) } } });
  await prisma.campaign.deleteMany({ where: { id: { in: both.map((r) => r.id) } } });`);
    assert.deepEqual(r.flagged, []);
  });

  test("twins: the renamed `id` is no key of the campaign, listed or found", () => {
    const r =
      run(`  const rows = await prisma.$queryRaw<{ id: string }[]>\`SELECT t.segment_id AS id FROM campaigns t WHERE t.tenant_id = \${tenantId}\`;
  await prisma.campaign.deleteMany({ where: { id: { in: rows.map((r) => r.id) } } });
  if (!rows.find((r) => r.id === input.id)) throw new Error("not found");
  await prisma.campaign.delete({ where: { id: input.id } });
  const counted = await prisma.$queryRaw<{ id: string }[]>\`SELECT count(*) AS id FROM campaigns t WHERE t.tenant_id = \${tenantId}\`;
  await prisma.campaign.deleteMany({ where: { id: { in: counted.map((r) => r.id) } } });
  const [one] = await prisma.$queryRaw<any[]>\`SELECT t.id, \${input.id}::jsonb AS target FROM campaigns t WHERE t.tenant_id = \${tenantId}\`;
  await prisma.campaign.delete({ where: { id: one.target.id } });`);
    assert.deepEqual(
      r.flagged.map((f) => f.split(": ")[0]),
      ["tasks.ts:5", "tasks.ts:7", "tasks.ts:9", "tasks.ts:11"],
    );
  });
});

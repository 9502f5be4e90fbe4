// Model discovery for tenant hierarchies and ownership through a parent: from SQL migrations,
// Prisma relations and Drizzle `.references`, each owned child next to its nullable twin.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import ts from "typescript";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import type { ConfigFile } from "../../server/src/analyzer/config/types";
import { discoverTenantModel } from "../../server/src/analyzer/model/discover";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { createMemoryFs } from "../helpers/memory-fs";
import { sqlParser } from "../helpers/sql";

let parser: SqlParser;
before(async () => {
  parser = await sqlParser();
});

function discover(files: Record<string, string>, config: ConfigFile = { tenantColumns: ["tenant_id"] }) {
  const result = discoverTenantModel(createMemoryFs(files), resolveConfig(config, "/repo", undefined), parser, ts);
  const tables = result.model.tables;
  /** name -> owner as `child.col -> parent.col`, or its tenant columns. */
  const owned = Object.fromEntries(
    [...tables].map(([key, t]) => [
      key,
      t.owner
        ? `${t.name}.${t.owner.column} -> ${t.owner.parent}.${t.owner.parentColumn}`
        : (t.tenantColumns ?? [t.tenantColumn]).join(", "),
    ]),
  );
  return { ...result, owned, global: [...result.model.globalTables].sort() };
}

const MIGRATIONS = { schema: { migrations: ["db/*.sql"] } };

describe("tenantColumns as a hierarchy (broad to narrow)", () => {
  test("every configured column a table has scopes it; its own level (tenantColumn) is the narrowest", () => {
    const { owned, model } = discover(
      {
        "/repo/db/1.sql": `
          CREATE TABLE projects (id uuid PRIMARY KEY, org_id uuid NOT NULL);
          CREATE TABLE tasks (id uuid PRIMARY KEY, org_id uuid NOT NULL, project_id uuid NOT NULL);
          CREATE TABLE builds (id uuid PRIMARY KEY, project_id uuid NOT NULL);
          CREATE TABLE plans (id uuid PRIMARY KEY);`,
      },
      { tenantColumns: ["org_id", "project_id"], ...MIGRATIONS },
    );
    assert.deepEqual(owned, { projects: "org_id", tasks: "org_id, project_id", builds: "project_id" });
    assert.equal(model.tables.get("tasks")?.tenantColumn, "project_id");
  });

  test('a tenant column named as the ORM spells it: a Prisma field mapped to another column (`orgId @map("organization_id")`)', () => {
    const { owned, model } = discover(
      {
        "/repo/prisma/schema.prisma": `
model ApiKey {
  id        String  @id
  projectId String? @map("project_id")
  orgId     String? @map("organization_id")
  @@map("api_keys")
}
model Team {
  id    String @id
  orgId String @map("org_id")
}
model Plan {
  id        String @id
  orgnumber String
}`,
      },
      { tenantColumns: ["orgId", "projectId"], schema: { prisma: ["prisma/schema.prisma"] } },
    );
    assert.deepEqual(owned, { api_keys: "organization_id, project_id", team: "org_id" });
    assert.equal(model.tables.get("api_keys")?.tenantColumn, "project_id");
  });

  test("zero-config still infers one column: a table with only another candidate is not owned", () => {
    const { owned, notes } = discover(
      {
        "/repo/db/1.sql": `
          CREATE TABLE a (id int, tenant_id int); CREATE TABLE b (id int, tenant_id int);
          CREATE TABLE c (id int, project_id int);`,
      },
      MIGRATIONS,
    );
    assert.deepEqual(owned, { a: "tenant_id", b: "tenant_id" });
    assert.match(notes[0], /inferred tenant column "tenant_id" from 2 of 3 tables/);
  });
});

describe("ownership through a foreign key: SQL migrations", () => {
  test("REFERENCES on a NOT NULL column, FOREIGN KEY table constraints, ALTER TABLE ADD CONSTRAINT", () => {
    const { owned, global } = discover(
      {
        "/repo/db/1.sql": `
          CREATE TABLE invoices (id uuid PRIMARY KEY, tenant_id uuid NOT NULL);
          CREATE TABLE invoice_items (id uuid PRIMARY KEY, invoice_id uuid NOT NULL REFERENCES invoices, amount int);
          CREATE TABLE payments (id uuid, invoice_ref uuid NOT NULL, FOREIGN KEY (invoice_ref) REFERENCES invoices (id));
          CREATE TABLE refunds (id uuid, payment uuid NOT NULL);
          CREATE TABLE notes (id uuid, invoice_id uuid REFERENCES invoices (id));`,
        "/repo/db/2.sql": `ALTER TABLE refunds ADD CONSTRAINT refunds_payment FOREIGN KEY (payment) REFERENCES payments (id);`,
      },
      MIGRATIONS,
    );
    assert.deepEqual(owned, {
      invoices: "tenant_id",
      invoice_items: "invoice_items.invoice_id -> invoices.id",
      payments: "payments.invoice_ref -> invoices.id",
      refunds: "refunds.payment -> payments.id",
    });
    // A nullable key cannot prove ownership: a note with no invoice belongs to no tenant.
    assert.deepEqual(global, ["notes"]);
  });

  test("a key made NOT NULL later counts; one made nullable later does not", () => {
    const { owned } = discover(
      {
        "/repo/db/1.sql": `
          CREATE TABLE invoices (id uuid PRIMARY KEY, tenant_id uuid NOT NULL);
          CREATE TABLE a (id uuid, invoice_id uuid REFERENCES invoices (id));
          CREATE TABLE b (id uuid, invoice_id uuid NOT NULL REFERENCES invoices (id));`,
        "/repo/db/2.sql": `
          ALTER TABLE a ALTER COLUMN invoice_id SET NOT NULL;
          ALTER TABLE b ALTER COLUMN invoice_id DROP NOT NULL;`,
      },
      MIGRATIONS,
    );
    assert.deepEqual(owned, { invoices: "tenant_id", a: "a.invoice_id -> invoices.id" });
  });

  test("renames follow the key; a parent in globalTables owns nothing; a child in globalTables stays global", () => {
    const files = {
      "/repo/db/1.sql": `
        CREATE TABLE bills (id uuid PRIMARY KEY, tenant_id uuid NOT NULL);
        CREATE TABLE lines (id uuid, bill uuid NOT NULL REFERENCES bills (id));
        CREATE TABLE audit (id uuid, bill uuid NOT NULL REFERENCES bills (id));`,
      "/repo/db/2.sql": `ALTER TABLE bills RENAME TO invoices; ALTER TABLE lines RENAME COLUMN bill TO invoice_id;`,
    };
    assert.deepEqual(discover(files, { tenantColumns: ["tenant_id"], globalTables: ["audit"], ...MIGRATIONS }).owned, {
      invoices: "tenant_id",
      lines: "lines.invoice_id -> invoices.id",
    });
    assert.deepEqual(
      discover(files, { tenantColumns: ["tenant_id"], globalTables: ["invoices"], ...MIGRATIONS }).owned,
      {},
    );
  });

  test("a child with a tenant column of its own is owned by it, not through its parent", () => {
    const { model } = discover(
      {
        "/repo/db/1.sql": `
          CREATE TABLE invoices (id uuid PRIMARY KEY, tenant_id uuid NOT NULL);
          CREATE TABLE items (id uuid, tenant_id uuid NOT NULL, invoice_id uuid NOT NULL REFERENCES invoices (id));`,
      },
      MIGRATIONS,
    );
    assert.equal(model.tables.get("items")?.owner, undefined);
    assert.equal(model.tables.get("items")?.tenantColumn, "tenant_id");
    // Its key to invoices is not a tenant column: a join on it does not carry the invoice's scope.
    assert.equal(model.tables.get("items")?.parents, undefined);
  });

  test("zero-config: many tables under a parent that is owned through its own parent suggest the nested levels", () => {
    const schema = (children: number) => `
          CREATE TABLE organizations (id uuid PRIMARY KEY);
          CREATE TABLE projects (id uuid PRIMARY KEY, org_id uuid NOT NULL REFERENCES organizations (id));
          CREATE TABLE environments (id uuid PRIMARY KEY, project_id uuid NOT NULL REFERENCES projects (id));
          ${["surveys", "tags", "webhooks"]
            .slice(0, children)
            .map(
              (t) =>
                `CREATE TABLE ${t} (id uuid PRIMARY KEY, environment_id uuid NOT NULL REFERENCES environments (id));`,
            )
            .join("\n")}`;
    const levels = (notes: string[]) => notes.filter((n) => n.includes("if tenants nest"));
    assert.deepEqual(levels(discover({ "/repo/db/1.sql": schema(3) }, MIGRATIONS).notes), [
      'tenantguard: 3 tables are owned through "environments" (by environment_id), itself owned through "projects"; if tenants nest, list the levels broad to narrow so a query filtered by a narrower key is proven by it directly: "tenantColumns": ["org_id", "project_id", "environment_id"] in tenantguard.config.json',
    ]);
    // Twin: two tables under it are no pattern worth a note.
    assert.deepEqual(levels(discover({ "/repo/db/1.sql": schema(2) }, MIGRATIONS).notes), []);
  });

  test("zero-config: children of the inferred owners are owned through them, and a note says so", () => {
    const { owned, notes } = discover(
      {
        "/repo/db/1.sql": `
          CREATE TABLE invoices (id uuid PRIMARY KEY, tenant_id uuid NOT NULL);
          CREATE TABLE invoice_items (id uuid, invoice_id uuid NOT NULL REFERENCES invoices (id));`,
      },
      MIGRATIONS,
    );
    assert.deepEqual(owned, { invoices: "tenant_id", invoice_items: "invoice_items.invoice_id -> invoices.id" });
    assert.deepEqual(notes, [
      'tenantguard: no tenantguard.config.json; inferred tenant column "tenant_id" from 1 of 2 tables in db/1.sql (confirm it in tenantguard.config.json)',
      'tenantguard: 1 table is tenant-owned through a NOT NULL foreign key to a tenant-owned parent (invoice_items -> invoices); list any that are shared in "globalTables" in tenantguard.config.json',
    ]);
  });
});

describe("ownership through a foreign key: Prisma relations", () => {
  const schema = `
model Invoice {
  id       String        @id
  tenantId String        @map("tenant_id")
  lines    InvoiceLine[]
  notes    Note[]
  @@map("invoices")
}
model InvoiceLine {
  id        String  @id
  invoiceId String  @map("invoice_id")
  invoice   Invoice @relation(fields: [invoiceId], references: [id])
  remarks   Remark[]
  @@map("invoice_lines")
}
model Remark {
  id     String      @id
  lineId String
  line   InvoiceLine @relation(fields: [lineId], references: [id])
}
model Note {
  id        String   @id
  invoiceId String?
  invoice   Invoice? @relation(fields: [invoiceId], references: [id])
}`;

  test("a required relation owns the child (to any depth); an optional one does not", () => {
    const { owned, global } = discover(
      { "/repo/prisma/schema.prisma": schema },
      { tenantColumns: ["tenant_id"], schema: { prisma: ["prisma/schema.prisma"] } },
    );
    assert.deepEqual(owned, {
      invoices: "tenant_id",
      invoice_lines: "invoice_lines.invoice_id -> invoices.id",
      remark: "Remark.lineId -> invoice_lines.id",
    });
    assert.deepEqual(global, ["note"]);
  });
});

describe("ownership through a foreign key: Drizzle .references", () => {
  test("`.notNull().references(() => parent.id)` owns the child, across files; a nullable reference does not", () => {
    const { owned, global } = discover(
      {
        "/repo/src/db/invoices.ts": `
import { pgTable, uuid, integer } from "drizzle-orm/pg-core";
export const invoices = pgTable("invoices", { id: uuid("id").primaryKey(), tenantId: uuid("tenant_id").notNull() });`,
        "/repo/src/db/items.ts": `
import { pgTable, uuid, integer, text } from "drizzle-orm/pg-core";
import { invoices } from "./invoices";
export const invoiceItems = pgTable("invoice_items", {
  id: uuid("id").primaryKey(),
  invoiceId: uuid("invoice_id").notNull().references(() => invoices.id, { onDelete: "cascade" }),
  amount: integer("amount"),
});
export const itemNotes = pgTable("item_notes", {
  id: uuid("id").primaryKey(),
  itemId: uuid("item_id").references(() => invoiceItems.id).notNull(),
});
export const attachments = pgTable("attachments", {
  id: uuid("id").primaryKey(),
  invoiceId: uuid("invoice_id").references(() => invoices.id),
  url: text("url"),
});`,
      },
      { tenantColumns: ["tenant_id"], schema: { drizzle: ["src/db/*.ts"] } },
    );
    assert.deepEqual(owned, {
      invoices: "tenant_id",
      invoice_items: "invoice_items.invoice_id -> invoices.id",
      item_notes: "item_notes.item_id -> invoice_items.id",
    });
    assert.deepEqual(global, ["attachments"]);
  });
});

describe("ownership through a foreign key: Drizzle foreignKey() in the table's extras", () => {
  test("a single-column foreignKey on a NOT NULL column owns the child; on a nullable one it does not", () => {
    const { owned, global } = discover(
      {
        "/repo/src/db/schema.ts": `
import { foreignKey, pgTable, uuid } from "drizzle-orm/pg-core";
export const invoices = pgTable("invoices", { id: uuid("id").primaryKey(), tenantId: uuid("tenant_id").notNull() });
export const lines = pgTable(
  "lines",
  { id: uuid("id").primaryKey(), invoiceId: uuid("invoice_id").notNull() },
  (t) => [foreignKey({ columns: [t.invoiceId], foreignColumns: [invoices.id], name: "lines_invoice" })],
);
export const notes = pgTable(
  "notes",
  { id: uuid("id").primaryKey(), invoiceId: uuid("invoice_id") },
  (t) => ({ invoice: foreignKey({ columns: [t.invoiceId], foreignColumns: [invoices.id] }) }),
);`,
      },
      { tenantColumns: ["tenant_id"], schema: { drizzle: ["src/db/schema.ts"] } },
    );
    assert.deepEqual(owned, { invoices: "tenant_id", lines: "lines.invoice_id -> invoices.id" });
    assert.deepEqual(global, ["notes"]);
  });
});

describe("Drizzle's relations(): a foreign key declared only there (kan's member permissions)", () => {
  test("`one(parent, { fields, references })` on a NOT NULL column owns the child, across files; on a nullable one it does not", () => {
    const { owned, global } = discover(
      {
        "/repo/src/db/schema/members.ts": `
import { pgTable, uuid } from "drizzle-orm/pg-core";
export const members = pgTable("members", { id: uuid("id").primaryKey(), tenantId: uuid("tenant_id").notNull() });`,
        "/repo/src/db/schema/permissions.ts": `
import { relations } from "drizzle-orm";
import { pgTable, uuid, text } from "drizzle-orm/pg-core";
import { members } from "./members";
export const permissions = pgTable("permissions", { id: uuid("id").primaryKey(), memberId: uuid("member_id").notNull(), name: text("name") });
export const notes = pgTable("notes", { id: uuid("id").primaryKey(), memberId: uuid("member_id") });
export const permissionsRelations = relations(permissions, ({ one }) => ({
  member: one(members, { fields: [permissions.memberId], references: [members.id] }),
}));
export const notesRelations = relations(notes, ({ one }) => ({
  member: one(members, { fields: [notes.memberId], references: [members.id] }),
}));
export const membersRelations = relations(members, ({ many }) => ({ permissions: many(permissions) }));`,
      },
      { tenantColumns: ["tenant_id"], schema: { drizzle: ["src/db/schema/*.ts"] } },
    );
    assert.deepEqual(owned, { members: "tenant_id", permissions: "permissions.member_id -> members.id" });
    assert.deepEqual(global, ["notes"]);
  });
});

describe("foreign keys declared in the config (tables.<t>.references)", () => {
  const CONFIG: ConfigFile = {
    tenantColumns: ["org_id", "project_id", "env_id"],
    tables: {
      projects: { tenantColumn: "org_id" },
      environments: { tenantColumn: "project_id", references: { project_id: "projects.id" } },
      webhooks: { tenantColumn: "env_id", references: { env_id: "environments.id" } },
      webhook_events: { references: { webhook_id: "webhooks.id" } },
    },
  };

  test("tables only the config knows: hierarchy keys carry the parent's scope, a table with no tenant column is owned through its key", () => {
    const { owned, model } = discover({}, CONFIG);
    assert.deepEqual(owned, {
      // A level's own key scopes it at that level (environments.id for env_id).
      projects: "org_id, id",
      environments: "project_id, id",
      webhooks: "env_id",
      webhook_events: "webhook_events.webhook_id -> webhooks.id",
    });
    assert.deepEqual(model.tables.get("webhooks")?.parents, [
      { column: "env_id", parent: "environments", parentColumn: "id" },
    ]);
    assert.deepEqual(model.tables.get("environments")?.parents, [
      { column: "project_id", parent: "projects", parentColumn: "id" },
    ]);
  });

  test("a key declared for a table a migration defines is added to the migration's own", () => {
    const { owned, model } = discover(
      {
        "/repo/db/1.sql": `
          CREATE TABLE environments (id uuid PRIMARY KEY, project_id uuid NOT NULL);
          CREATE TABLE deploys (id uuid PRIMARY KEY, env_ref uuid);`,
      },
      {
        ...MIGRATIONS,
        tenantColumns: ["project_id"],
        tables: { deploys: { references: { env_ref: "environments.id" } } },
      },
    );
    assert.equal(owned.deploys, "deploys.env_ref -> environments.id");
    assert.deepEqual(model.tables.get("deploys")?.owner, {
      column: "env_ref",
      parent: "environments",
      parentColumn: "id",
    });
  });

  test("without the declaration, the same table stays global (its key is nullable in the migration)", () => {
    const { owned, global } = discover(
      {
        "/repo/db/1.sql": `
          CREATE TABLE environments (id uuid PRIMARY KEY, project_id uuid NOT NULL);
          CREATE TABLE deploys (id uuid PRIMARY KEY, env_ref uuid REFERENCES environments (id));`,
      },
      { ...MIGRATIONS, tenantColumns: ["project_id"] },
    );
    assert.equal(owned.deploys, undefined);
    assert.ok(global.includes("deploys"));
  });
});

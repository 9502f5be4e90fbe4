// Query builders on a table owned through its parent (invoice_items.invoice_id -> invoices.id):
// a join on the owning key to a scoped parent scopes it; otherwise the finding names the parent
// and offers no fix (there is no tenant column to add); inserts need no tenant key.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import ts from "typescript";
import { analyzeSourceFile } from "../../server/src/analyzer/analyze";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import type { ConfigFile } from "../../server/src/analyzer/config/types";
import { discoverTenantModel } from "../../server/src/analyzer/model/discover";
import type { TenantModel } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { createMemoryFs } from "../helpers/memory-fs";
import { sqlParser } from "../helpers/sql";
import { modelOf } from "../helpers/model";
import { analyzeBuilder, brief, caseModule } from "./builders";

const MIGRATION = `
CREATE TABLE invoices (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, total int);
CREATE TABLE invoice_items (id uuid PRIMARY KEY, invoice_id uuid NOT NULL REFERENCES invoices (id), amount int);
`;
const DRIZZLE_SCHEMA = `
import { integer, pgTable, uuid } from "drizzle-orm/pg-core";
export const invoices = pgTable("invoices", { id: uuid("id").primaryKey(), tenantId: uuid("tenant_id").notNull(), total: integer("total") });
export const invoiceItems = pgTable("invoice_items", {
  id: uuid("id").primaryKey(),
  invoiceId: uuid("invoice_id").notNull().references(() => invoices.id),
  amount: integer("amount"),
});
`;

let parser: SqlParser;
let model: TenantModel;
before(async () => {
  parser = await sqlParser();
  const files = { "/p/db/migrations/001.sql": MIGRATION, "/p/src/db/schema.ts": DRIZZLE_SCHEMA };
  const config = resolveConfig(
    { tenantColumns: ["tenant_id"], schema: { migrations: ["db/migrations/*.sql"] } },
    "/p",
    undefined,
  );
  model = discoverTenantModel(createMemoryFs(files), config, parser, ts).model;
});

/** The model of a project with these migrations (or only its config), as discovery builds it. */
function migratedModel(migration: string | undefined, config: ConfigFile): TenantModel {
  const files: Record<string, string> = migration === undefined ? {} : { "/p/db/migrations/001.sql": migration };
  return modelOf(parser, files, { schema: { migrations: ["db/migrations/*.sql"] }, ...config });
}

const KNEX = `import { knex } from "../db";`;
const KYSELY = `import { db } from "../db";`;
const DRIZZLE = `import { eq } from "drizzle-orm";
import { db } from "../db";
import { invoiceItems, invoices } from "../db/schema";`;

const run = (prelude: string, body: string) => {
  const code = caseModule(prelude, body);
  return { code, findings: analyzeBuilder(parser, code, { model }) };
};

const cases: [string, string, string, string[]][] = [
  [
    "knex: no join",
    KNEX,
    "return knex('invoice_items').where({ id });",
    ["missing-tenant-filter knex('invoice_items')"],
  ],
  [
    "knex: joined on the owning key to a scoped parent",
    KNEX,
    "return knex('invoice_items as ii').join('invoices as i', 'i.id', 'ii.invoice_id').where('i.tenant_id', tenantId);",
    [],
  ],
  [
    // infisical's secret-folder-dal: an unqualified column names the one table of the join that has it.
    "knex: joined to its parent, the parent scoped by an unqualified tenant column (object and 2-argument where)",
    KNEX,
    "await knex('invoice_items').join('invoices', 'invoice_items.invoice_id', 'invoices.id').where({ tenant_id: tenantId });\nreturn knex('invoice_items').join('invoices', 'invoice_items.invoice_id', 'invoices.id').where('tenant_id', tenantId).del();",
    [],
  ],
  [
    "knex: twin: the unqualified column is no tenant column",
    KNEX,
    "return knex('invoice_items').join('invoices', 'invoice_items.invoice_id', 'invoices.id').where({ amount });",
    ["missing-tenant-filter join('invoices', 'invoice_items.invoice_id', 'invoices.id')"],
  ],
  [
    // One finding: the items joined on their owning key follow the invoices it names.
    "knex: joined to an unscoped parent",
    KNEX,
    "return knex('invoice_items as ii').join('invoices as i', 'ii.invoice_id', 'i.id').where('ii.id', id);",
    ["missing-tenant-filter join('invoices as i', 'ii.invoice_id', 'i.id')"],
  ],
  [
    "knex: left-joined to an unscoped parent, the items are not narrowed by it",
    KNEX,
    "return knex('invoice_items as ii').leftJoin('invoices as i', 'ii.invoice_id', 'i.id').where('ii.id', id);",
    [
      "missing-tenant-filter knex('invoice_items as ii')",
      "missing-tenant-filter leftJoin('invoices as i', 'ii.invoice_id', 'i.id')",
    ],
  ],
  [
    // The where's tenant equality rejects the rows the LEFT JOIN fills with NULLs: every item
    // returned met the ON, so it belongs to a scoped invoice.
    "knex: left-joined to a parent the where scopes",
    KNEX,
    "return knex('invoice_items as ii').leftJoin('invoices as i', 'ii.invoice_id', 'i.id').where('ii.id', id).where('i.tenant_id', tenantId);",
    [],
  ],
  [
    "kysely: left-joined to a parent the where scopes (callback ON)",
    KYSELY,
    "return db.selectFrom('invoice_items').leftJoin('invoices', (join) => join.onRef('invoices.id', '=', 'invoice_items.invoice_id').on('invoices.total', '>', 0)).where('invoice_items.id', 'in', ids).where('invoices.tenant_id', '=', tenantId).execute();",
    [],
  ],
  [
    "kysely: left-joined to a parent the where scopes only in an OR",
    KYSELY,
    "return db.selectFrom('invoice_items').leftJoin('invoices', 'invoices.id', 'invoice_items.invoice_id').where((eb) => eb.or([eb('invoices.tenant_id', '=', tenantId), eb('invoice_items.amount', '>', 0)])).execute();",
    [
      "missing-tenant-filter selectFrom('invoice_items')",
      "weak-tenant-filter leftJoin('invoices', 'invoices.id', 'invoice_items.invoice_id')",
    ],
  ],
  [
    "drizzle: left-joined to a parent the where scopes",
    DRIZZLE,
    "return db.select().from(invoiceItems).leftJoin(invoices, eq(invoices.id, invoiceItems.invoiceId)).where(eq(invoices.tenantId, tenantId));",
    [],
  ],
  // An insert files its row under the parent its owning key names: that key must be the tenant's.
  [
    "knex: insert under a parent key nothing proves",
    KNEX,
    "return knex('invoice_items').insert({ id, invoice_id: id });",
    ["missing-tenant-on-insert knex('invoice_items')"],
  ],
  [
    "knex: insert under the parent a scoped read found",
    KNEX,
    `const inv = await knex('invoices').where({ id, tenant_id: tenantId }).first();
  if (!inv) throw new Error("not found");
  return knex('invoice_items').insert({ id: status, invoice_id: inv.id });`,
    [],
  ],
  [
    "knex: whereIn the ids of a scoped parent subquery",
    KNEX,
    "return knex('invoice_items').whereIn('invoice_id', knex('invoices').select('id').where('tenant_id', tenantId));",
    [],
  ],
  [
    "knex: whereIn the ids of an unscoped parent subquery",
    KNEX,
    "return knex('invoice_items').whereIn('invoice_id', knex('invoices').select('id').where('total', 0));",
    ["missing-tenant-filter knex('invoice_items')", "missing-tenant-filter knex('invoices')"],
  ],
  [
    "kysely: in the ids of a scoped parent subquery",
    KYSELY,
    "return db.selectFrom('invoice_items').where('invoice_id', 'in', db.selectFrom('invoices').select('id').where('tenant_id', '=', tenantId)).selectAll().execute();",
    [],
  ],
  [
    "kysely: in a subquery that selects another column",
    KYSELY,
    "return db.selectFrom('invoice_items').where('invoice_id', 'in', db.selectFrom('invoices').select('total').where('tenant_id', '=', tenantId)).selectAll().execute();",
    ["missing-tenant-filter selectFrom('invoice_items')"],
  ],
  [
    "kysely: joined on the owning key to a scoped parent",
    KYSELY,
    "return db.selectFrom('invoice_items as ii').innerJoin('invoices as i', 'i.id', 'ii.invoice_id').where('i.tenant_id', '=', tenantId).selectAll().execute();",
    [],
  ],
  [
    "kysely: a correlated subquery on the owning key to the enclosing query's scoped parent",
    KYSELY,
    "return db.selectFrom('invoices').selectAll('invoices').select((eb) => jsonArrayFrom(eb.selectFrom('invoice_items').select('invoice_items.amount').whereRef('invoice_items.invoice_id', '=', 'invoices.id')).as('items')).where('invoices.tenant_id', '=', tenantId).execute();",
    [],
  ],
  [
    "kysely: the same subquery under an unscoped parent (one finding, on the parent), or correlated on another column",
    KYSELY,
    "await db.selectFrom('invoices').selectAll('invoices').select((eb) => jsonArrayFrom(eb.selectFrom('invoice_items').select('invoice_items.amount').whereRef('invoice_items.invoice_id', '=', 'invoices.id')).as('items')).where('invoices.id', '=', id).execute();\n  return db.selectFrom('invoices').selectAll('invoices').select((eb) => jsonArrayFrom(eb.selectFrom('invoice_items').select('invoice_items.amount').whereRef('invoice_items.amount', '=', 'invoices.total')).as('items')).where('invoices.tenant_id', '=', tenantId).execute();",
    // Under the unscoped parent the items follow it: the parent's finding covers both.
    ["missing-tenant-filter selectFrom('invoices')", "missing-tenant-filter selectFrom('invoice_items')"],
  ],
  [
    "kysely: no join",
    KYSELY,
    "return db.selectFrom('invoice_items').where('id', '=', id).selectAll().execute();",
    ["missing-tenant-filter selectFrom('invoice_items')"],
  ],
  [
    "kysely: insert under a parent key nothing proves; one under a literal parent is the code's choice",
    KYSELY,
    `await db.insertInto('invoice_items').values({ id: status, invoice_id: "00000000-0000-0000-0000-000000000000" }).execute();
  return db.insertInto('invoice_items').values({ id, invoice_id: id }).execute();`,
    ["missing-tenant-on-insert insertInto('invoice_items')"],
  ],
  [
    "knex: a computed key names the parent: a literal name is read, any other may name it",
    KNEX,
    `const COLUMN = status;
  await knex('invoice_items').insert({ id: status, ["invoice_id"]: id });
  return knex('invoice_items').insert({ id: status, [COLUMN]: id });`,
    ["missing-tenant-on-insert knex('invoice_items')", "dynamic-sql knex('invoice_items')"],
  ],
  [
    "kysely: insert under the parent key a scoped read found; rows of no readable shape are reported as such",
    KYSELY,
    `const inv = await db.selectFrom('invoices').selectAll().where('id', '=', id).where('tenant_id', '=', tenantId).executeTakeFirst();
  if (!inv) throw new Error("not found");
  await db.insertInto('invoice_items').values({ id: status, invoiceId: id }).execute();
  return db.insertInto('invoice_items').values(JSON.parse(status)).execute();`,
    ["dynamic-sql insertInto('invoice_items')"],
  ],
  [
    "drizzle: joined on the owning key to a scoped parent",
    DRIZZLE,
    "return db.select().from(invoiceItems).innerJoin(invoices, eq(invoiceItems.invoiceId, invoices.id)).where(eq(invoices.tenantId, tenantId));",
    [],
  ],
  [
    "drizzle: the child on the nullable side of a LEFT JOIN from a scoped parent",
    DRIZZLE,
    "return db.select().from(invoices).leftJoin(invoiceItems, eq(invoiceItems.invoiceId, invoices.id)).where(eq(invoices.tenantId, tenantId));",
    [],
  ],
  [
    "drizzle: joined on another column",
    DRIZZLE,
    "return db.select().from(invoiceItems).innerJoin(invoices, eq(invoiceItems.id, invoices.id)).where(eq(invoices.tenantId, tenantId));",
    ["missing-tenant-filter from(invoiceItems)"],
  ],
  [
    "drizzle: no join",
    DRIZZLE,
    "return db.select().from(invoiceItems).where(eq(invoiceItems.id, id));",
    ["missing-tenant-filter from(invoiceItems)"],
  ],
  [
    "drizzle: insert under a parent key nothing proves; twin: under the key a scoped read found",
    DRIZZLE,
    `await db.insert(invoiceItems).values({ id, invoiceId: id });
  const [inv] = await db.select().from(invoices).where(eq(invoices.tenantId, tenantId)).limit(1);
  if (!inv) throw new Error("none");
  return db.insert(invoiceItems).values({ id: status, invoiceId: inv.id });`,
    ["missing-tenant-on-insert insert(invoiceItems)"],
  ],
  [
    "drizzle: inArray of the ids a scoped subquery reads from the parent",
    `import { eq, inArray } from "drizzle-orm";
import { db } from "../db";
import { invoiceItems, invoices } from "../db/schema";`,
    "return db.select().from(invoiceItems).where(inArray(invoiceItems.invoiceId, db.select({ id: invoices.id }).from(invoices).where(eq(invoices.tenantId, tenantId))));",
    [],
  ],
  [
    "drizzle: inArray of an unscoped subquery",
    `import { eq, inArray } from "drizzle-orm";
import { db } from "../db";
import { invoiceItems, invoices } from "../db/schema";`,
    "return db.select().from(invoiceItems).where(inArray(invoiceItems.invoiceId, db.select({ id: invoices.id }).from(invoices).where(eq(invoices.total, 1))));",
    ["missing-tenant-filter from(invoiceItems)", "missing-tenant-filter from(invoices)"],
  ],
  [
    "drizzle: inArray of a subquery that selects another column",
    `import { eq, inArray } from "drizzle-orm";
import { db } from "../db";
import { invoiceItems, invoices } from "../db/schema";`,
    "return db.select().from(invoiceItems).where(inArray(invoiceItems.invoiceId, db.select({ id: invoices.total }).from(invoices).where(eq(invoices.tenantId, tenantId))));",
    ["missing-tenant-filter from(invoiceItems)"],
  ],
  [
    "drizzle: a child left-joined on its owning key to a CTE that scopes the parent ($with)",
    DRIZZLE,
    `const sq = db.$with("sq").as(db.select().from(invoices).where(eq(invoices.tenantId, tenantId)));
  return db.with(sq).select().from(sq).leftJoin(invoiceItems, eq(invoiceItems.invoiceId, sq.id));`,
    [],
  ],
  [
    "drizzle: twin: the CTE does not scope the parent",
    DRIZZLE,
    `const sq = db.$with("sq").as(db.select().from(invoices).where(eq(invoices.total, 1)));
  return db.with(sq).select().from(sq).leftJoin(invoiceItems, eq(invoiceItems.invoiceId, sq.id));`,
    ["missing-tenant-filter from(invoices)", "missing-tenant-filter from(sq)"],
  ],
  [
    "drizzle: a CTE that selects the parent's columns under their own names",
    `import { eq, getTableColumns } from "drizzle-orm";
import { db } from "../db";
import { invoiceItems, invoices } from "../db/schema";`,
    `const a = db.$with("a").as(db.select({ id: invoices.id }).from(invoices).where(eq(invoices.tenantId, tenantId)));
  await db.with(a).select().from(a).leftJoin(invoiceItems, eq(invoiceItems.invoiceId, a.id));
  const b = db.$with("b").as(db.select({ ...getTableColumns(invoices) }).from(invoices).where(eq(invoices.tenantId, tenantId)));
  return db.with(b).select().from(b).leftJoin(invoiceItems, eq(invoiceItems.invoiceId, b.id));`,
    [],
  ],
  [
    "drizzle: a subquery that selects getTableColumns(parent), written there or held in a const (latitude's projects scope)",
    `import { eq, getTableColumns } from "drizzle-orm";
import { db } from "../db";
import { invoiceItems, invoices } from "../db/schema";
const columns = getTableColumns(invoices);`,
    `const a = db.select(getTableColumns(invoices)).from(invoices).where(eq(invoices.tenantId, tenantId)).as("a");
  await db.select().from(a).innerJoin(invoiceItems, eq(invoiceItems.invoiceId, a.id));
  const b = db.select(columns).from(invoices).where(eq(invoices.tenantId, tenantId)).as("b");
  return db.select().from(b).innerJoin(invoiceItems, eq(invoiceItems.invoiceId, b.id));`,
    [],
  ],
  [
    "drizzle: twins: getTableColumns of another table, a const of something else",
    `import { eq, getTableColumns } from "drizzle-orm";
import { db } from "../db";
import { invoiceItems, invoices } from "../db/schema";
const itemColumns = getTableColumns(invoiceItems);
const picked = { id: invoices.total };`,
    `const a = db.select(itemColumns).from(invoices).where(eq(invoices.tenantId, tenantId)).as("a");
  await db.select().from(a).innerJoin(invoiceItems, eq(invoiceItems.invoiceId, a.id));
  const b = db.select(picked).from(invoices).where(eq(invoices.tenantId, tenantId)).as("b");
  return db.select().from(b).innerJoin(invoiceItems, eq(invoiceItems.invoiceId, b.id));`,
    [
      "missing-tenant-filter innerJoin(invoiceItems, eq(invoiceItems.invoiceId, a.id))",
      "missing-tenant-filter innerJoin(invoiceItems, eq(invoiceItems.invoiceId, b.id))",
    ],
  ],
  [
    "drizzle: twins: a CTE or subquery whose id is another column, or a value of the caller's",
    `import { eq, sql } from "drizzle-orm";
import { db } from "../db";
import { invoiceItems, invoices } from "../db/schema";`,
    `const a = db.$with("a").as(db.select({ id: invoices.total }).from(invoices).where(eq(invoices.tenantId, tenantId)));
  await db.with(a).select().from(a).leftJoin(invoiceItems, eq(invoiceItems.invoiceId, a.id));
  const b = db.select({ id: sql<string>\`\${id}\`.as("id") }).from(invoices).where(eq(invoices.tenantId, tenantId)).as("b");
  await db.select().from(b).leftJoin(invoiceItems, eq(invoiceItems.invoiceId, b.id));
  const c = db.selectDistinctOn([invoices.id], { id: sql<string>\`\${id}\`.as("id") }).from(invoices).where(eq(invoices.tenantId, tenantId)).as("c");
  return db.select().from(c).leftJoin(invoiceItems, eq(invoiceItems.invoiceId, c.id));`,
    [
      "missing-tenant-filter leftJoin(invoiceItems, eq(invoiceItems.invoiceId, a.id))",
      "missing-tenant-filter leftJoin(invoiceItems, eq(invoiceItems.invoiceId, b.id))",
      "missing-tenant-filter leftJoin(invoiceItems, eq(invoiceItems.invoiceId, c.id))",
    ],
  ],
  [
    "drizzle: a let given a scoped CTE in every branch (karakeep's bookmarksSq)",
    DRIZZLE,
    `let sq;
  if (id) sq = db.$with("sq").as(db.select().from(invoices).where(eq(invoices.tenantId, tenantId)));
  else sq = db.$with("sq").as(db.select().from(invoices).where(eq(invoices.tenantId, tenantId)).limit(10));
  return db.with(sq).select().from(sq).leftJoin(invoiceItems, eq(invoiceItems.invoiceId, sq.id));`,
    [],
  ],
  [
    "drizzle: twins: a let whose one branch does not scope, or that is also written otherwise",
    DRIZZLE,
    `let sq;
  if (id) sq = db.$with("sq").as(db.select().from(invoices).where(eq(invoices.tenantId, tenantId)));
  else sq = db.$with("sq").as(db.select().from(invoices));
  let other = db.select().from(invoices).where(eq(invoices.tenantId, tenantId)).as("o");
  [other] = [db.select().from(invoices).as("o")];
  return Promise.all([
    db.with(sq).select().from(sq).leftJoin(invoiceItems, eq(invoiceItems.invoiceId, sq.id)),
    db.select().from(other).leftJoin(invoiceItems, eq(invoiceItems.invoiceId, other.id)),
  ]);`,
    [
      "missing-tenant-filter from(invoices)",
      "missing-tenant-filter from(invoices)",
      "missing-tenant-filter from(sq)",
      // Written by a destructuring too: `other` names no known table, and nothing ties the child to a scoped one.
      "missing-tenant-filter leftJoin(invoiceItems, eq(invoiceItems.invoiceId, other.id))",
    ],
  ],
  [
    "drizzle: a correlated exists(...) on the child's owning key, in the where of a query that scopes the parent",
    `import { and, eq, exists, notExists } from "drizzle-orm";
import { db } from "../db";
import { invoiceItems, invoices } from "../db/schema";`,
    `await db.delete(invoices).where(and(eq(invoices.tenantId, tenantId), notExists(db.select().from(invoiceItems).where(eq(invoiceItems.invoiceId, invoices.id)))));
  return db.select().from(invoices).where(and(eq(invoices.tenantId, tenantId), exists(db.select().from(invoiceItems).where(eq(invoiceItems.invoiceId, invoices.id)))));`,
    [],
  ],
  [
    "drizzle: twins: exists(...) under an unscoped query, not correlated, or correlated on another column",
    `import { and, eq, exists } from "drizzle-orm";
import { db } from "../db";
import { invoiceItems, invoices } from "../db/schema";`,
    `await db.select().from(invoices).where(exists(db.select().from(invoiceItems).where(eq(invoiceItems.invoiceId, invoices.id))));
  await db.select().from(invoices).where(and(eq(invoices.tenantId, tenantId), exists(db.select().from(invoiceItems).where(eq(invoiceItems.amount, 1)))));
  return db.select().from(invoices).where(and(eq(invoices.tenantId, tenantId), exists(db.select().from(invoiceItems).where(eq(invoiceItems.id, invoices.id)))));`,
    [
      "missing-tenant-filter from(invoices)",
      "missing-tenant-filter from(invoiceItems)",
      "missing-tenant-filter from(invoiceItems)",
      "missing-tenant-filter from(invoiceItems)",
    ],
  ],
];

describe("query builders on a table owned through its parent", () => {
  for (const [name, prelude, body, expected] of cases)
    test(name, () => {
      const { code, findings } = run(prelude, body);
      assert.deepEqual(brief(code, findings), expected);
    });

  test("the message names the parent and the key, and there is no fix", () => {
    const { findings } = run(DRIZZLE, "return db.select().from(invoiceItems).where(eq(invoiceItems.id, id));");
    assert.equal(findings.length, 1);
    assert.match(
      findings[0].message,
      /^db\.select\(\)\.from\(invoiceItems\) does not tie "invoice_items" to a tenant: it returns every tenant's rows\. "invoice_items" is tenant-owned through "invoices" \(invoice_items\.invoice_id -> invoices\.id\): filter invoice_id by invoices ids from a query scoped by tenant_id, or join it to invoices and scope invoices\./,
    );
    assert.deepEqual(findings[0].fixes, []);
    assert.doesNotMatch(findings[0].message, /Add .*tenant_id/);
  });

  test("a parent joined to the child is told to filter by its own tenant column, which the child lacks", () => {
    const { findings } = run(
      KYSELY,
      "return db.selectFrom('invoice_items').leftJoin('invoices', 'invoices.id', 'invoice_items.invoice_id').where('invoice_items.id', 'in', ids).execute();",
    );
    const join = findings.find((f) => f.message.includes("joins invoices"));
    assert.ok(join, findings.map((f) => f.message).join("\n"));
    assert.match(join.message, /Add \.where\('invoices\.tenant_id', '=', \.\.\.\)/);
    assert.doesNotMatch(join.message, /invoice_items\.tenant_id/);
  });
});

describe("query builders on a hierarchy (org_id > project_id)", () => {
  const HIERARCHY = `
CREATE TABLE projects (id uuid PRIMARY KEY, org_id uuid NOT NULL);
CREATE TABLE tasks (id uuid PRIMARY KEY, org_id uuid NOT NULL, project_id uuid NOT NULL, title text);
CREATE TABLE builds (id uuid PRIMARY KEY, project_id uuid NOT NULL REFERENCES projects (id), status text);
`;
  let hierarchy: TenantModel;
  before(() => {
    hierarchy = migratedModel(HIERARCHY, { tenantColumns: ["org_id", "project_id"] });
  });
  const cases: [string, string, string, string[]][] = [
    ["knex: the broad level", KNEX, "return knex('tasks').where({ org_id: tenantId });", []],
    ["knex: the narrow level", KNEX, "return knex('tasks').where('project_id', tenantId);", []],
    ["knex: neither", KNEX, "return knex('tasks').where({ id });", ["missing-tenant-filter knex('tasks')"]],
    [
      "kysely: a project-level table through its scoped project",
      KYSELY,
      "return db.selectFrom('builds as b').innerJoin('projects as p', 'p.id', 'b.project_id').where('p.org_id', '=', tenantId).selectAll().execute();",
      [],
    ],
    [
      "knex: shared rows (`project_id IS NULL OR project_id = v`) on a table with two tenant columns: the null rows are another level's",
      KNEX,
      "return knex('tasks').where((q) => q.whereNull('project_id').orWhere('project_id', tenantId));",
      ["weak-tenant-filter knex('tasks')"],
    ],
    [
      "knex: twin: the null branch tied to the other level",
      KNEX,
      "return knex('tasks').where('org_id', orgId).where((q) => q.whereNull('project_id').orWhere('project_id', tenantId));",
      [],
    ],
    [
      "kysely: a project-level table by id only",
      KYSELY,
      "return db.selectFrom('builds').where('id', '=', id).selectAll().execute();",
      ["missing-tenant-filter selectFrom('builds')"],
    ],
  ];
  for (const [name, prelude, body, expected] of cases)
    test(name, () => {
      const code = caseModule(prelude, body);
      assert.deepEqual(brief(code, analyzeBuilder(parser, code, { model: hierarchy })), expected);
    });

  test("kysely: a joined row at another level is told to filter by its own column, not joined on a different one", () => {
    const code = caseModule(
      KYSELY,
      "return db.selectFrom('tasks').innerJoin('projects', 'projects.last_task', 'tasks.title').where('tasks.title', '=', title).selectAll().execute();",
    );
    const messages = analyzeBuilder(parser, code, { model: hierarchy }).map((f) => f.message);
    const join = messages.find((m) => m.includes("joins projects"));
    assert.ok(join, messages.join("\n"));
    assert.match(join, /Add \.where\('projects\.org_id', '=', \.\.\.\)/);
    assert.doesNotMatch(join, /onRef\('projects\.org_id', '=', 'tasks\.project_id'\)/);
  });
});

describe("TypeORM and Sequelize: a table owned through its parent (from migrations), and hierarchy levels", () => {
  // invoice_items has no tenant column and a NOT NULL key to invoices; tasks has org_id and project_id.
  const SQL = `
CREATE TABLE invoices (id uuid PRIMARY KEY, org_id uuid NOT NULL);
CREATE TABLE invoice_items (id uuid PRIMARY KEY, invoice_id uuid NOT NULL REFERENCES invoices (id), amount int);
CREATE TABLE tasks (id uuid PRIMARY KEY, org_id uuid NOT NULL, project_id uuid NOT NULL, title text);
`;
  const FILES: Record<string, string> = {
    "/p/db/migrations/001.sql": SQL,
    "/p/src/entities/invoice-item.entity.ts": `
import { Column, Entity, PrimaryColumn } from "typeorm";
@Entity("invoice_items")
export class InvoiceItem {
  @PrimaryColumn() id!: string;
  @Column({ name: "invoice_id" }) invoiceId!: string;
  @Column() amount!: number;
}`,
    "/p/src/entities/task.entity.ts": `
import { Column, Entity, PrimaryColumn } from "typeorm";
@Entity("tasks")
export class Task {
  @PrimaryColumn() id!: string;
  @Column({ name: "org_id" }) orgId!: string;
  @Column({ name: "project_id" }) projectId!: string;
  @Column() title!: string;
}`,
    "/p/src/models/item.model.ts": `
import { DataTypes, Model } from "sequelize";
import { sequelize } from "../db";
export class Item extends Model {}
Item.init(
  { id: { type: DataTypes.UUID, primaryKey: true }, invoiceId: { type: DataTypes.UUID, field: "invoice_id" }, amount: DataTypes.INTEGER },
  { sequelize, tableName: "invoice_items" },
);`,
    "/p/src/models/job.model.ts": `
import { DataTypes, Model } from "sequelize";
import { sequelize } from "../db";
export class Job extends Model {}
Job.init(
  { id: { type: DataTypes.UUID, primaryKey: true }, orgId: { type: DataTypes.UUID, field: "org_id" }, projectId: { type: DataTypes.UUID, field: "project_id" } },
  { sequelize, tableName: "tasks" },
);`,
  };
  const config = { tenantColumns: ["org_id", "project_id"], schema: { migrations: ["db/migrations/*.sql"] } };
  let entities: TenantModel;
  before(() => {
    entities = discoverTenantModel(createMemoryFs(FILES), resolveConfig(config, "/p", undefined), parser, ts).model;
  });
  const PRELUDE = `import { AppDataSource } from "../data-source";
import { InvoiceItem, Task } from "../entities";
import { Item, Job } from "../models";
const items = AppDataSource.getRepository(InvoiceItem);
const tasks = AppDataSource.getRepository(Task);
`;
  const run = (body: string) => {
    const code = `${PRELUDE}export async function f(id: string, orgId: string, projectId: string) {\n  ${body}\n}\n`;
    const sourceFile = ts.createSourceFile("/p/src/service.ts", code, ts.ScriptTarget.Latest, true);
    return analyzeSourceFile({
      ts,
      sourceFile,
      config: resolveConfig(config, "/p", undefined),
      model: entities,
      parser,
      relativePath: "src/service.ts",
    }).map((f) => ({ rule: f.ruleId, at: code.slice(f.start, f.end), message: f.message, fixes: f.fixes.length }));
  };

  test("TypeORM: a query names the parent, no fix; an insert needs no tenant field", () => {
    const found = run("return items.findOneBy({ id });");
    assert.deepEqual(
      found.map((f) => [f.rule, f.at, f.fixes]),
      [["missing-tenant-filter", "findOneBy({ id })", 0]],
    );
    assert.ok(
      found[0].message.startsWith(
        'items.findOneBy does not tie "invoice_items" to a tenant. "invoice_items" is tenant-owned through "invoices" (invoice_items.invoice_id -> invoices.id): filter invoice_id by invoices ids from a query scoped by org_id, or join it to invoices and scope invoices.',
      ),
      found[0].message,
    );
    assert.deepEqual(run("return items.insert({ id, invoiceId: id, amount: 1 });"), []);
  });

  test("Sequelize: the same", () => {
    const [found] = run("return Item.findByPk(id);");
    assert.equal(found.rule, "missing-tenant-filter");
    assert.match(
      found.message,
      /"invoice_items" is tenant-owned through "invoices" \(invoice_items\.invoice_id -> invoices\.id\)/,
    );
    assert.equal(found.fixes, 0);
    assert.deepEqual(run("return Item.create({ id, invoiceId: id, amount: 1 });"), []);
  });

  test("TypeORM and Sequelize: either level of the hierarchy scopes; neither is flagged", () => {
    assert.deepEqual(run("return tasks.find({ where: { orgId } });"), []);
    assert.deepEqual(run("return tasks.find({ where: { projectId } });"), []);
    assert.deepEqual(run("return Job.findAll({ where: { orgId } });"), []);
    assert.deepEqual(
      run("return tasks.find({ where: { title: 'x' } });").map((f) => f.rule),
      ["missing-tenant-filter"],
    );
  });
});

describe("TypeORM: ownership through a required @ManyToOne, and the relation filter that scopes it", () => {
  const FILES: Record<string, string> = {
    "/p/src/entities/invoice.entity.ts": `
import { Column, Entity, PrimaryColumn } from "typeorm";
@Entity("invoices")
export class Invoice {
  @PrimaryColumn() id!: string;
  @Column({ name: "tenant_id" }) tenantId!: string;
}`,
    "/p/src/entities/line.entity.ts": `
import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from "typeorm";
import { Invoice } from "./invoice.entity";
@Entity("lines")
export class Line {
  @PrimaryColumn() id!: string;
  @Column() amount!: number;
  @ManyToOne(() => Invoice, { nullable: false })
  @JoinColumn({ name: "invoice_id" })
  invoice!: Invoice;
}`,
    "/p/src/entities/note.entity.ts": `
import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from "typeorm";
import { Invoice } from "./invoice.entity";
@Entity("notes")
export class Note {
  @PrimaryColumn() id!: string;
  @ManyToOne(() => Invoice)
  @JoinColumn({ name: "invoice_id" })
  invoice!: Invoice;
}`,
  };
  let typeorm: TenantModel;
  before(() => {
    const config = resolveConfig({ tenantColumns: ["tenant_id"] }, "/p", undefined);
    typeorm = discoverTenantModel(createMemoryFs(FILES), config, parser, ts).model;
  });
  const run = (body: string) => {
    const code = `import { AppDataSource } from "../data-source";
import { Line, Note } from "../entities";
const lines = AppDataSource.getRepository(Line);
const notes = AppDataSource.getRepository(Note);
export async function f(id: string, tenantId: string) {\n  ${body}\n}\n`;
    const sourceFile = ts.createSourceFile("/p/src/service.ts", code, ts.ScriptTarget.Latest, true);
    const config = resolveConfig({ tenantColumns: ["tenant_id"] }, "/p", undefined);
    return analyzeSourceFile({ ts, sourceFile, config, model: typeorm, parser, relativePath: "src/service.ts" }).map(
      (f) => `${f.ruleId} ${code.slice(f.start, f.end)}`,
    );
  };

  test("a required relation owns the child; an optional one does not", () => {
    assert.deepEqual(typeorm.tables.get("lines")?.owner, {
      column: "invoice_id",
      parent: "invoices",
      parentColumn: "id",
    });
    assert.equal(typeorm.tables.get("notes"), undefined);
  });

  test("filtered through the relation to the scoped parent is scoped; by id alone it is flagged", () => {
    assert.deepEqual(run("return lines.find({ where: { invoice: { tenantId } } });"), []);
    assert.deepEqual(run("return lines.findOneBy({ id });"), ["missing-tenant-filter findOneBy({ id })"]);
    assert.deepEqual(run("return lines.find({ where: { invoice: { id } } });"), [
      "missing-tenant-filter find({ where: { invoice: { id } } })",
    ]);
    assert.deepEqual(run("return notes.findOneBy({ id });"), []);
  });
});

describe("query builders: a scoped child pins the parent its tenant key names", () => {
  const HIERARCHY = `
CREATE TABLE projects (id uuid PRIMARY KEY, org_id uuid NOT NULL, name text);
CREATE TABLE environments (id uuid PRIMARY KEY, project_id uuid NOT NULL REFERENCES projects (id), slug text);
`;
  let hierarchy: TenantModel;
  before(() => {
    hierarchy = migratedModel(HIERARCHY, { tenantColumns: ["org_id", "project_id"] });
  });
  const found = (body: string) => {
    const code = caseModule(KNEX, body);
    return brief(
      code,
      analyzeBuilder(parser, code, { model: hierarchy, config: { tenantColumns: ["org_id", "project_id"] } }),
    );
  };

  test("knex: environments scoped by project_id, joined to their project", () => {
    assert.deepEqual(
      found(
        "return knex('environments').where('environments.project_id', projectId).join('projects', 'projects.id', 'environments.project_id');",
      ),
      [],
    );
  });

  test("twin: the environments unscoped: one finding, on them (scoping them scopes the project)", () => {
    assert.deepEqual(
      found(
        "return knex('environments').where('environments.slug', slug).join('projects', 'projects.id', 'environments.project_id');",
      ),
      ["missing-tenant-filter knex('environments')"],
    );
  });
});

describe("query builders: foreign keys only the config declares (Knex TypeScript migrations)", () => {
  const CONFIG = {
    tenantColumns: ["org_id", "project_id", "env_id"],
    tables: {
      projects: { tenantColumn: "org_id" },
      environments: { tenantColumn: "project_id", references: { project_id: "projects.id" } },
      webhooks: { tenantColumn: "env_id", references: { env_id: "environments.id" } },
    },
  };
  let declared: TenantModel;
  before(() => {
    declared = migratedModel(undefined, CONFIG);
  });
  const found = (body: string) => {
    const code = caseModule(KNEX, body);
    return brief(code, analyzeBuilder(parser, code, { model: declared, config: CONFIG }));
  };

  test("webhooks joined to their scoped environment", () => {
    assert.deepEqual(
      found(
        "return knex('webhooks').join('environments', 'environments.id', 'webhooks.env_id').where('environments.project_id', projectId);",
      ),
      [],
    );
  });

  test("twin: joined to an unscoped environment", () => {
    assert.deepEqual(
      found(
        "return knex('webhooks').join('environments', 'environments.id', 'webhooks.env_id').where('webhooks.id', id);",
      ),
      ["missing-tenant-filter knex('webhooks')"],
    );
  });
});

describe("a level table's own key scopes a query on it but is no tenant to set on insert", () => {
  const CONFIG: ConfigFile = {
    tenantColumns: ["org_id", "project_id"],
    schema: { migrations: [], drizzle: ["src/db/schema.ts"] },
  };
  const SCHEMA = `import { pgTable, text, uuid } from "drizzle-orm/pg-core";
export const projects = pgTable("projects", { id: uuid("id").primaryKey(), orgId: uuid("org_id").notNull(), name: text("name") });
export const builds = pgTable("builds", { id: uuid("id").primaryKey(), projectId: uuid("project_id").notNull().references(() => projects.id) });`;
  let levels: TenantModel;
  before(() => {
    levels = modelOf(parser, { "/p/src/db/schema.ts": SCHEMA }, CONFIG);
  });
  const found = (prelude: string, body: string) => {
    const code = caseModule(prelude, body);
    return brief(code, analyzeBuilder(parser, code, { model: levels, config: CONFIG }));
  };
  const DRIZZLE_LEVELS = `import { eq } from "drizzle-orm";\nimport { db } from "../db";\nimport { projects } from "../db/schema";`;

  test("drizzle: select by the level key is scoped", () => {
    assert.deepEqual(found(DRIZZLE_LEVELS, "return db.select().from(projects).where(eq(projects.id, projectId));"), []);
  });
  test("drizzle: an insert that sets only the level key is missing its tenant", () => {
    assert.deepEqual(found(DRIZZLE_LEVELS, "return db.insert(projects).values({ id, name: 'x' });"), [
      "missing-tenant-on-insert insert(projects)",
    ]);
  });
  test("knex: the same insert, and the same select", () => {
    assert.deepEqual(found(KNEX, "return knex('projects').insert({ id, name: 'x' });"), [
      "missing-tenant-on-insert knex('projects')",
    ]);
    assert.deepEqual(found(KNEX, "return knex('projects').where({ id: projectId }).first();"), []);
  });
});

describe("the fix for a join from a child owned through its parent", () => {
  test("compares the joined table's tenant with the tenant value, not with a tenant column the child does not have", () => {
    const { code, findings } = run(
      DRIZZLE,
      "return db.select().from(invoiceItems).innerJoin(invoices, eq(invoiceItems.invoiceId, invoices.id)).where(eq(invoiceItems.invoiceId, id));",
    );
    const texts = findings.flatMap((f) => f.fixes.flatMap((fix) => fix.edits.map((e) => e.newText)));
    assert.ok(findings.length > 0, "the join stays reported");
    assert.ok(!texts.some((t) => /invoiceItems\.(?:tenantId|tenant_id)/.test(t)), texts.join("\n"));
    assert.ok(
      texts.some((t) => t.includes("eq(invoices.tenantId, tenantId)")),
      `${texts.join("\n")}\n${code}`,
    );
  });
});

// Drizzle on SQLite/libSQL, as a status-page SaaS writes it (tRPC procedures on `opts.ctx.db`):
// `.get()` returns one row and `.all()` rows, a child table filtered by a proven parent key
// (`eq(pageSubscriber.pageId, _page.id)`) is scoped through the parent, and a row whose parent's
// tenant is checked (`update?.statusReport.workspaceId !== workspaceId`, then throw) is checked.
// Each safe case beside its unsafe twin.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { TenantModel } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { runFlow } from "../helpers/flow-run";
import { sqlParser } from "../helpers/sql";
import { modelOf } from "../helpers/model";

const SCHEMA = `import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
export const workspace = sqliteTable("workspace", { id: integer("id").primaryKey() });
export const page = sqliteTable("page", {
  id: integer("id").primaryKey(),
  slug: text("slug").notNull().unique(),
  workspaceId: integer("workspace_id").notNull().references(() => workspace.id),
});
export const pageSubscriber = sqliteTable("page_subscriber", {
  id: integer("id").primaryKey(),
  email: text("email").notNull(),
  pageId: integer("page_id").notNull().references(() => page.id),
});
export const subscriberNote = sqliteTable("subscriber_note", {
  id: integer("id").primaryKey(),
  position: integer("position"),
  subscriberId: integer("subscriber_id").notNull().references(() => pageSubscriber.id),
});
export const statusReport = sqliteTable("status_report", {
  id: integer("id").primaryKey(),
  workspaceId: integer("workspace_id").notNull().references(() => workspace.id),
  pageId: integer("page_id").unique().references(() => page.id),
});
export const statusReportUpdate = sqliteTable("status_report_update", {
  id: integer("id").primaryKey(),
  message: text("message").notNull(),
  statusReportId: integer("status_report_id").notNull().references(() => statusReport.id),
});
export const pageMeta = sqliteTable("page_meta", {
  pageId: integer("page_id").primaryKey().references(() => page.id),
  workspaceId: integer("workspace_id").notNull().references(() => workspace.id),
  title: text("title"),
});
export const invitation = sqliteTable("invitation", {
  id: integer("id").primaryKey(),
  email: text("email").notNull(),
  token: text("token").notNull(),
  workspaceId: integer("workspace_id").notNull().references(() => workspace.id),
});
export const reportToPage = sqliteTable("report_to_page", {
  statusReportId: integer("status_report_id").notNull().references(() => statusReport.id),
  pageId: integer("page_id").notNull().references(() => page.id),
});
`;
const CONFIG = { tenantColumns: ["workspaceId"], schema: { drizzle: ["src/db/schema.ts"] } };

let parser: SqlParser;
let model: TenantModel;
before(async () => {
  parser = await sqlParser();
  model = modelOf(parser, { "/p/src/db/schema.ts": SCHEMA }, CONFIG);
});

const IMPORTS = `import { and, eq, inArray, sql } from "drizzle-orm";
import { invitation, page, pageMeta, pageSubscriber, reportToPage, statusReport, statusReportUpdate, subscriberNote } from "../db/schema";
`;

function procedure(body: string) {
  const text = `${IMPORTS}export const procedure = async (opts: any, id: number, workspaceId: number) => {\n${body}\n};`;
  return runFlow(parser, model, { "/p/src/router/a.ts": text }, { config: CONFIG });
}

/** The underlined text of each missing-tenant-filter in a procedure body run on `opts.ctx.db`. */
function flagged(body: string): string[] {
  return procedure(body).flagged.map((f) => f.replace(/^\S+ /, ""));
}

describe("Drizzle's SQLite terminals", () => {
  test("`.get()` of a scoped select is a row of it; its id proves the delete", () => {
    assert.deepEqual(
      flagged(`  const existing = await opts.ctx.db.select().from(page)
    .where(and(eq(page.id, id), eq(page.workspaceId, workspaceId))).get();
  if (!existing) throw new Error("not found");
  await opts.ctx.db.delete(page).where(eq(page.id, existing.id));`),
      [],
    );
  });

  test("`.returning().get()` of a scoped update is the row it changed", () => {
    assert.deepEqual(
      flagged(`  const row = await opts.ctx.db.update(page).set({ id })
    .where(and(eq(page.id, id), eq(page.workspaceId, workspaceId))).returning().get();
  await opts.ctx.db.delete(page).where(eq(page.id, row.id));`),
      [],
    );
  });

  test("twin: `.get()` of a select by id alone proves nothing", () => {
    assert.deepEqual(
      flagged(`  const existing = await opts.ctx.db.select().from(page).where(eq(page.id, id)).get();
  await opts.ctx.db.delete(page).where(eq(page.id, existing.id));`),
      ["from(page)", "delete(page)"],
    );
  });
});

describe("a check of the tenant's own row, reached by the row's tenant column", () => {
  test("`row.workspace.id` or the organisation above it (`row.workspace.orgId`) against the session's", () => {
    assert.deepEqual(
      flagged(`  const report = await opts.ctx.db.query.statusReport.findFirst({ where: eq(statusReport.id, id), with: { workspace: true } });
  if (!report || report.workspace.id !== workspaceId) throw new Error("not found");
  await opts.ctx.db.delete(statusReport).where(eq(statusReport.id, report.id));
  const other = await opts.ctx.db.query.statusReport.findFirst({ where: eq(statusReport.id, id), with: { workspace: true } });
  if (!other || other.workspace.orgId !== opts.ctx.session.orgId) throw new Error("not found");
  await opts.ctx.db.delete(statusReport).where(eq(statusReport.id, other.id));`),
      [],
    );
  });

  test("twins: against request input, or a field that names no tenant", () => {
    assert.deepEqual(
      flagged(`  const report = await opts.ctx.db.query.statusReport.findFirst({ where: eq(statusReport.id, id), with: { workspace: true } });
  if (!report || report.workspace.orgId !== opts.input.orgId) throw new Error("not found");
  await opts.ctx.db.delete(statusReport).where(eq(statusReport.id, report.id));
  const other = await opts.ctx.db.query.statusReport.findFirst({ where: eq(statusReport.id, id), with: { workspace: true } });
  if (!other || other.workspace.name !== opts.ctx.session.workspaceName) throw new Error("not found");
  await opts.ctx.db.delete(statusReport).where(eq(statusReport.id, other.id));`),
      ["statusReport.findFirst", "delete(statusReport)", "statusReport.findFirst", "delete(statusReport)"],
    );
  });
});

describe("a where whose terms are a const array spread into and(...)", () => {
  test("the key among them is looked up by the scoped read; its empty result throwing proves it", () => {
    assert.deepEqual(
      flagged(`  const conditions = [eq(page.id, id), eq(page.workspaceId, workspaceId)];
  const existing = await opts.ctx.db.query.page.findFirst({ where: and(...conditions) });
  if (!existing) throw new Error("not found");
  await opts.ctx.db.delete(page).where(eq(page.id, id));`),
      [],
    );
  });

  test("twin: the same terms without the tenant prove nothing", () => {
    assert.deepEqual(
      flagged(`  const conditions = [eq(page.id, id)];
  const existing = await opts.ctx.db.query.page.findFirst({ where: and(...conditions) });
  if (!existing) throw new Error("not found");
  await opts.ctx.db.delete(page).where(eq(page.id, id));`),
      ["page.findFirst", "delete(page)"],
    );
  });
});

describe("raw SQL by a list of ids a scoped read returned", () => {
  test("`id IN (${sql.join(ids, ...)})` and `id IN ${ids}` with ids mapped from scoped rows", () => {
    assert.deepEqual(
      flagged(`  const rows = await opts.ctx.db.select({ id: page.id }).from(page).where(eq(page.workspaceId, workspaceId)).all();
  const ids = rows.map((r) => r.id);
  await opts.ctx.db.run(sql\`UPDATE page SET workspace_id = workspace_id WHERE id IN (\${sql.join(ids, sql\`, \`)})\`);
  await opts.ctx.db.run(sql\`DELETE FROM page WHERE id IN \${ids}\`);`),
      [],
    );
  });

  test("twin: a list the request sent", () => {
    assert.deepEqual(
      flagged(`  const ids: number[] = opts.input.ids;
  await opts.ctx.db.run(sql\`DELETE FROM page WHERE id IN (\${sql.join(ids, sql\`, \`)})\`);`),
      ["page"],
    );
  });
});

describe("a read whose errors are caught", () => {
  test("`.catch` that throws or gives nothing keeps the scoped read's row: its id proves the update", () => {
    assert.deepEqual(
      flagged(`  const existing = await opts.ctx.db.query.page
    .findFirst({ where: and(eq(page.id, id), eq(page.workspaceId, workspaceId)) })
    .catch((e: unknown) => { throw new Error("database error"); });
  if (!existing) throw new Error("not found");
  await opts.ctx.db.update(page).set({ id }).where(eq(page.id, existing.id));
  const other = await opts.ctx.db.query.page
    .findFirst({ where: and(eq(page.id, id), eq(page.workspaceId, workspaceId)) })
    .catch(() => null);
  if (!other) throw new Error("not found");
  await opts.ctx.db.delete(page).where(eq(page.id, other.id));`),
      [],
    );
  });

  test("twins: a read by id alone, or a handler that hands back a row of its own, proves nothing", () => {
    assert.deepEqual(
      flagged(`  const existing = await opts.ctx.db.query.page
    .findFirst({ where: eq(page.id, id) })
    .catch(() => { throw new Error("database error"); });
  if (!existing) throw new Error("not found");
  await opts.ctx.db.update(page).set({ id }).where(eq(page.id, existing.id));
  const other = await opts.ctx.db.query.page
    .findFirst({ where: and(eq(page.id, id), eq(page.workspaceId, workspaceId)) })
    .catch(() => { return opts.fallbackPage; });
  if (!other) throw new Error("not found");
  await opts.ctx.db.delete(page).where(eq(page.id, other.id));`),
      ["page\n    .findFirst", "update(page)", "delete(page)"],
    );
  });
});

describe("a child table filtered by a proven parent key", () => {
  const PAGE = `  const _page = await opts.ctx.db.query.page.findFirst({
    where: and(eq(page.workspaceId, workspaceId), eq(page.id, opts.input.pageId)) });
  if (!_page) throw new Error("Page not found");
`;

  test("by the parent row's id, or the key the parent was looked up by, through the builder or `db.query`", () => {
    assert.deepEqual(
      flagged(`${PAGE}  await opts.ctx.db.query.pageSubscriber.findMany({ where: eq(pageSubscriber.pageId, _page.id) });
  await opts.ctx.db.select().from(pageSubscriber).where(eq(pageSubscriber.pageId, _page.id)).all();
  await opts.ctx.db.delete(pageSubscriber)
    .where(and(eq(pageSubscriber.id, id), eq(pageSubscriber.pageId, opts.input.pageId)));`),
      [],
    );
  });

  test("twin: a parent key from the request, or the parent key only in an `or`, leaves the child flagged", () => {
    assert.deepEqual(
      flagged(`${PAGE}  await opts.ctx.db.delete(pageSubscriber).where(eq(pageSubscriber.pageId, opts.input.otherPageId));
  await opts.ctx.db.delete(pageSubscriber).where(or(eq(pageSubscriber.pageId, _page.id), eq(pageSubscriber.id, id)));`),
      ["delete(pageSubscriber)", "delete(pageSubscriber)"],
    );
  });
});

describe("an ownership check on the parent's tenant", () => {
  const READ = `  const update = await opts.ctx.db.query.statusReportUpdate.findFirst({
    where: eq(statusReportUpdate.id, id), with: { statusReport: true } });
`;

  test("`update?.statusReport.workspaceId !== workspaceId` then throw checks the row", () => {
    assert.deepEqual(
      flagged(`${READ}  if (update?.statusReport.workspaceId !== workspaceId) throw new Error("forbidden");
  await opts.ctx.db.delete(statusReportUpdate).where(eq(statusReportUpdate.id, id));
  return update;`),
      [],
    );
  });

  test("twin: a check on another field of the parent, or one that only logs, checks nothing", () => {
    assert.deepEqual(
      flagged(`${READ}  if (update?.statusReport.id !== workspaceId) throw new Error("forbidden");
  await opts.ctx.db.delete(statusReportUpdate).where(eq(statusReportUpdate.id, id));`),
      ["statusReportUpdate.findFirst", "delete(statusReportUpdate)"],
    );
    assert.deepEqual(
      flagged(`${READ}  if (update?.statusReport.workspaceId !== workspaceId) console.warn("forbidden");
  await opts.ctx.db.delete(statusReportUpdate).where(eq(statusReportUpdate.id, id));`),
      ["statusReportUpdate.findFirst", "delete(statusReportUpdate)"],
    );
  });
});

describe("a read by a secret the caller was given (an invitation token)", () => {
  test("the token decides the tenant: no finding, and the proof says so", () => {
    const r = procedure(`  const inv = await opts.ctx.db.query.invitation.findFirst({
    where: and(eq(invitation.token, opts.input.token), isNull(invitation.acceptedAt)) });
  const row = await opts.ctx.db.select().from(invitation).where(eq(invitation.token, opts.input.token)).get();
  return [inv, row];`);
    assert.deepEqual(r.flagged, []);
    assert.ok(
      r.proofs.includes(
        "router/a.ts:6 credential: looked up by a credential, which decides the tenant: `eq(invitation.token, opts.input.token)`",
      ),
      r.proofs.join("\n"),
    );
  });

  test("twin: a literal, another column, or a write by the token is no lookup by a secret", () => {
    assert.deepEqual(
      flagged(`  await opts.ctx.db.select().from(invitation).where(eq(invitation.token, ""));
  await opts.ctx.db.select().from(invitation).where(eq(invitation.token, invitation.email));
  await opts.ctx.db.delete(invitation).where(eq(invitation.token, opts.input.token));`),
      ["from(invitation)", "from(invitation)", "delete(invitation)"],
    );
  });
});

describe("a row joined to its parent, the parent's tenant selected beside it and checked", () => {
  const read = (join: string, alias: string) => `  const row = await opts.ctx.db
    .select({ update: statusReportUpdate, reportWorkspaceId: ${alias} })
    .from(statusReportUpdate)
    .${join}(statusReport, eq(statusReportUpdate.statusReportId, statusReport.id))
    .where(eq(statusReportUpdate.id, id))
    .get();
`;
  const check = `  if (!row) throw new Error("not found");
  if (row.reportWorkspaceId !== workspaceId) throw new Error("forbidden");
  await opts.ctx.db.delete(statusReportUpdate).where(eq(statusReportUpdate.id, row.update.id));
  await opts.ctx.db.delete(statusReportUpdate).where(eq(statusReportUpdate.id, id));`;

  test("the check answers the row, its join and its key; `row.update` is the row", () => {
    const r = procedure(read("innerJoin", "statusReport.workspaceId") + check);
    assert.deepEqual(r.flagged, []);
    const said = "ownership-check: the row's reportWorkspaceId is checked against the tenant on line 11";
    // The select (its join: the row joined on its owning key follows it), the delete by `row.update.id`, the delete by `id`.
    assert.deepEqual(
      r.proofs,
      [4, 12, 13].map((line) => `router/a.ts:${line} ${said}`),
    );
  });

  test("twin: an outer join, another column of the parent, or a check that does not end the path proves nothing", () => {
    const all = [
      "from(statusReportUpdate)",
      "leftJoin(statusReport, eq(statusReportUpdate.statusReportId, statusReport.id))",
    ];
    assert.deepEqual(flagged(read("leftJoin", "statusReport.workspaceId") + check).slice(0, 2), all);
    assert.equal(flagged(read("innerJoin", "statusReport.id") + check).length, 3);
    assert.equal(
      flagged(
        read("innerJoin", "statusReport.workspaceId") +
          check.replace('throw new Error("forbidden")', 'console.warn("forbidden")'),
      ).length,
      3,
    );
  });
});

describe("rows handed to a function, their ids used there", () => {
  const lib = (call: string) => `${IMPORTS}
async function updatesOf(db: any, reports: { id: number }[]) {
  const ids = reports.map((r) => r.id);
  return db.select().from(statusReportUpdate).where(inArray(statusReportUpdate.statusReportId, ids)).all();
}
export async function listReports(opts: any, workspaceId: number) {
  const report = await opts.ctx.db.select().from(statusReport)
    .where(and(eq(statusReport.id, opts.input.id), eq(statusReport.workspaceId, workspaceId))).get();
  if (!report) throw new Error("not found");
  const all = await opts.ctx.db.select().from(statusReport).where(eq(statusReport.workspaceId, workspaceId)).all();
  return [await updatesOf(opts.ctx.db, all), ${call}];
}`;
  const run = (call: string) =>
    runFlow(parser, model, { "/p/src/router/reports.ts": lib(call) }, { config: CONFIG }).flagged;

  test("every call passes owned rows (a scoped read's rows, `[report]` of an owned row): the ids are proven", () => {
    assert.deepEqual(run("await updatesOf(opts.ctx.db, [report])"), []);
  });

  test("twin: one call passes rows from the request", () => {
    assert.deepEqual(run("await updatesOf(opts.ctx.db, opts.input.reports)"), [
      "router/reports.ts:6: from(statusReportUpdate)",
    ]);
  });

  // shelf.nu's fixTeamMembersNames: each row of the list, filtered, written by its id.
  const each = (call: string) =>
    runFlow(
      parser,
      model,
      {
        "/p/src/router/fix.ts": `${IMPORTS}
async function touchAll(db: any, reports: { id: number; done: boolean }[]) {
  const open = reports.filter((r) => !r.done);
  await Promise.all(open.map((r) => db.delete(statusReport).where(eq(statusReport.id, r.id))));
}
export async function fix(opts: any, workspaceId: number) {
  const all = await opts.ctx.db.select().from(statusReport).where(eq(statusReport.workspaceId, workspaceId)).all();
  ${call};
}`,
      },
      { config: CONFIG },
    ).flagged;

  test("each of the rows a call passes, written by its id inside map (after a filter): proven", () => {
    assert.deepEqual(each("await touchAll(opts.ctx.db, all)"), []);
  });

  test("twin: the rows come from the request", () => {
    assert.deepEqual(each("await touchAll(opts.ctx.db, opts.input.reports)"), [
      "router/fix.ts:6: delete(statusReport)",
    ]);
  });
});

describe("a repository made for the workspace, reading from its scoped subquery", () => {
  const repo = (scope: string) => `${IMPORTS}
export class PagesRepository {
  constructor(private workspaceId: number, private db: any) {}
  get scope() {
    return this.db.select().from(page)${scope}.as("pagesScope");
  }
  async find(id: number) {
    const rows = await this.db.select().from(this.scope).where(eq(this.scope.id, id)).limit(1);
    if (!rows[0]) throw new Error("not found");
    return rows[0];
  }
}
export const rename = async (opts: any, id: number) => {
  const found = await new PagesRepository(opts.ctx.workspace.id, opts.ctx.db).find(id);
  await opts.ctx.db.delete(page).where(eq(page.id, found.id));
};`;
  const run = (scope: string) => runFlow(parser, model, { "/p/src/router/pages.ts": repo(scope) }, { config: CONFIG });

  test("its rows are the workspace's: a write by their id is proven", () => {
    const r = run(".where(eq(page.workspaceId, this.workspaceId))");
    assert.deepEqual(r.flagged, []);
    assert.ok(
      r.proofs.some((p) =>
        /key `found.id` comes from `find` \(line 9\), which returns a row of a scoped query/.test(p),
      ),
      r.proofs.join("\n"),
    );
  });

  test("twin: a subquery without the workspace: the reads and the write stay flagged", () => {
    assert.deepEqual(run("").flagged, [
      "router/pages.ts:7: from(page)",
      "router/pages.ts:10: from(this.scope)",
      "router/pages.ts:17: delete(page)",
    ]);
  });
});

// latitude's repositories: the base class's `find` reads `from(this.scope)`, which each subclass
// gives (in its own file, selecting a const `getTableColumns(t)`); callers import the subclass
// through a barrel and run the inherited `find`.
describe("a base repository's method, run by a subclass that gives the scope", () => {
  const BASE = `import { eq } from "drizzle-orm";
import { db } from "../db";
export default abstract class Repository {
  protected db = db;
  constructor(protected workspaceId: number) {}
  abstract get scope(): any;
  async find(id: number) {
    const rows = await this.db.select().from(this.scope).where(eq(this.scope.id, id)).limit(1);
    if (!rows[0]) throw new Error(\`Record with id \${id} not found\`);
    return rows[0];
  }
  async findUnscoped(id: number) {
    const rows = await this.db.select().from(page).where(eq(page.id, id));
    return rows[0];
  }
}
import { page } from "../db/schema";
`;
  const SUB = (scope: string) => `import { eq, getTableColumns } from "drizzle-orm";
import { page } from "../db/schema";
import Repository from "./repository";
const tt = getTableColumns(page);
export class PagesRepository extends Repository {
  get scope() {
    return this.db.select(tt).from(page)${scope}.as("pagesScope");
  }
}
`;
  const CALLER = (method: string) => `import { eq } from "drizzle-orm";
import { db } from "../db";
import { page } from "../db/schema";
import { PagesRepository } from "../repositories";
export async function renamePage(ctx: { workspace: { id: number } }, input: { id: number }) {
  const repo = new PagesRepository(ctx.workspace.id);
  const found = await repo.${method}(input.id);
  await db.update(page).set({ slug: "x" }).where(eq(page.id, found.id));
}
`;
  const run = (scope: string, method = "find") =>
    runFlow(
      parser,
      model,
      {
        "/p/src/repositories/repository.ts": BASE,
        "/p/src/repositories/pagesRepository.ts": SUB(scope),
        "/p/src/repositories/index.ts": `export * from "./pagesRepository";\n`,
        "/p/src/router/pages.ts": CALLER(method),
      },
      { config: CONFIG },
    );

  test("the subclass's scope is the workspace's: the write by the row's id is proven", () => {
    const r = run(".where(eq(page.workspaceId, this.workspaceId))");
    assert.deepEqual(r.flagged, ["repositories/repository.ts:13: from(page)"]);
    assert.ok(
      r.proofs.some((p) => /^router\/pages.ts:8 .*key `found.id` comes from `find` \(repository.ts line 7\)/.test(p)),
      r.proofs.join("\n"),
    );
  });

  test("twins: the subclass's scope without the workspace, or a base method that reads the table itself", () => {
    assert.deepEqual(run("").flagged, [
      "repositories/pagesRepository.ts:7: from(page)",
      "repositories/repository.ts:13: from(page)",
      "router/pages.ts:8: update(page)",
    ]);
    assert.deepEqual(run(".where(eq(page.workspaceId, this.workspaceId))", "findUnscoped").flagged, [
      "repositories/repository.ts:13: from(page)",
      "router/pages.ts:8: update(page)",
    ]);
  });
});

// latitude's newer repositories: the subclass gives a `$dynamic()` scope and its filter; the
// base's `find` narrows the scope with a `.where()` that must repeat the filter (Drizzle keeps
// only the last `.where()`).
describe("a base repository's method narrowing the subclass's $dynamic() scope", () => {
  const BASE = (where: string) => `import { and, eq } from "drizzle-orm";
import { db } from "../db";
export abstract class Repository {
  protected db = db;
  constructor(protected workspaceId: number) {}
  abstract get scopeFilter(): any;
  abstract get scope(): any;
  async find(id: number) {
    const rows = await this.scope.where(${where}).limit(1);
    if (!rows[0]) throw new Error("not found");
    return rows[0];
  }
}
`;
  const SUB = `import { eq } from "drizzle-orm";
import { page } from "../db/schema";
import { Repository } from "./repository";
export class PagesRepository extends Repository {
  get scopeFilter() {
    return eq(page.workspaceId, this.workspaceId);
  }
  get scope() {
    return this.db.select().from(page).where(this.scopeFilter).$dynamic();
  }
}
`;
  const CALLER = `import { eq } from "drizzle-orm";
import { db } from "../db";
import { page } from "../db/schema";
import { PagesRepository } from "../repositories/pages";
export async function renamePage(ctx: { workspace: { id: number } }, input: { id: number }) {
  const found = await new PagesRepository(ctx.workspace.id).find(input.id);
  await db.update(page).set({ slug: "x" }).where(eq(page.id, found.id));
}
`;
  const run = (where: string) =>
    runFlow(
      parser,
      model,
      {
        "/p/src/repositories/repository.ts": BASE(where),
        "/p/src/repositories/pages.ts": SUB,
        "/p/src/router/pages.ts": CALLER,
      },
      { config: CONFIG },
    );

  test("the base's where repeats the subclass's filter: the write by the row's id is proven", () => {
    const r = run("and(this.scopeFilter, eq(this.scope._.selectedFields.id, id))");
    assert.deepEqual(r.flagged, []);
    assert.ok(
      r.proofs.some((p) => /^router\/pages.ts:7 .*key `found.id` comes from `find` \(repository.ts line 8\)/.test(p)),
      r.proofs.join("\n"),
    );
  });

  test("twin: the base's where replaces the filter, so the row may be any workspace's", () => {
    assert.deepEqual(run("eq(this.scope._.selectedFields.id, id)").flagged, ["router/pages.ts:7: update(page)"]);
  });
});

describe("a primary key not named id (dokploy's sshKeyId)", () => {
  const PK_SCHEMA = `import { pgTable, text } from "drizzle-orm/pg-core";
export const sshKeys = pgTable("ssh_key", {
  sshKeyId: text("sshKeyId").notNull().primaryKey(),
  name: text("name").notNull(),
  organizationId: text("organizationId").notNull(),
});
`;
  const PK_CONFIG = { tenantColumns: ["organizationId"], schema: { drizzle: ["src/db/schema.ts"] } };
  const run = (router: string) => {
    const pkModel = modelOf(parser, { "/p/src/db/schema.ts": PK_SCHEMA }, PK_CONFIG);
    return runFlow(
      parser,
      pkModel,
      {
        "/p/src/services/ssh-key.ts": `import { eq } from "drizzle-orm";
import { db } from "../db";
import { sshKeys } from "../db/schema";
export const findSSHKeyById = async (sshKeyId: string) => {
  const key = await db.query.sshKeys.findFirst({ where: eq(sshKeys.sshKeyId, sshKeyId) });
  if (!key) throw new Error("not found");
  return key;
};
export const removeSSHKeyById = (sshKeyId: string) => db.delete(sshKeys).where(eq(sshKeys.sshKeyId, sshKeyId));
`,
        "/p/src/routers/ssh-key.ts": `import { findSSHKeyById, removeSSHKeyById } from "../services/ssh-key";
export async function remove({ ctx, input }: any) {
  const key = await findSSHKeyById(input.sshKeyId);
  ${router}
  return removeSSHKeyById(input.sshKeyId);
}
`,
      },
      { config: PK_CONFIG },
    );
  };

  test("a read by it, checked by the caller, proves the key: as for `id`", () => {
    const r = run(`if (key.organizationId !== ctx.session.activeOrganizationId) throw new Error("forbidden");`);
    assert.deepEqual(r.flagged, []);
  });

  test("twin: a check that only logs proves nothing", () => {
    const r = run(`if (key.organizationId !== ctx.session.activeOrganizationId) console.warn("other org");`);
    assert.deepEqual(r.flagged, ["services/ssh-key.ts:5: sshKeys.findFirst", "services/ssh-key.ts:9: delete(sshKeys)"]);
  });
});

describe("a row joined through its parent to its grandparent, which is scoped (kan's card, list, board)", () => {
  const run = (secondJoin: string) =>
    flagged(`  const [note] = await opts.ctx.db
    .select({ id: subscriberNote.id, subscriberId: subscriberNote.subscriberId })
    .from(subscriberNote)
    .innerJoin(pageSubscriber, eq(subscriberNote.subscriberId, pageSubscriber.id))
    .${secondJoin}
    .where(and(eq(subscriberNote.id, id), eq(page.workspaceId, workspaceId)));
  if (!note) throw new Error("NOT_FOUND");
  await opts.ctx.db.update(subscriberNote).set({ position: 0 }).where(eq(subscriberNote.subscriberId, note.subscriberId));`);

  test("the row's foreign key is a proven key of its parent: its siblings' write is proven", () => {
    assert.deepEqual(run("innerJoin(page, eq(pageSubscriber.pageId, page.id))"), []);
  });

  test("twins: the grandparent outer-joined, or joined on a column that is no key", () => {
    assert.deepEqual(run("leftJoin(page, eq(pageSubscriber.pageId, page.id))"), ["update(subscriberNote)"]);
    // On a column that is no key, the read itself leaves the subscriber unscoped.
    assert.deepEqual(run("innerJoin(page, eq(pageSubscriber.email, page.slug))"), [
      "innerJoin(pageSubscriber, eq(subscriberNote.subscriberId, pageSubscriber.id))",
      "update(subscriberNote)",
    ]);
  });
});

describe("a column declared `.unique()` names one row, as the primary key does (kan's publicId)", () => {
  const run = (check: string, key = "slug") =>
    flagged(`  const found = await opts.ctx.db.query.page.findFirst({ where: eq(page.${key}, opts.input.${key}) });
  ${check}
  await opts.ctx.db.delete(page).where(eq(page.${key}, opts.input.${key}));`);

  test("a read by it, the row checked against the tenant: the write by the same value is proven", () => {
    assert.deepEqual(run(`if (!found || found.workspaceId !== workspaceId) throw new Error("NOT_FOUND");`), []);
  });

  test("twin: the value a read by the unique column checked, used as the id", () => {
    assert.deepEqual(
      flagged(`  const found = await opts.ctx.db.query.page.findFirst({ where: eq(page.slug, opts.input.slug) });
  if (!found || found.workspaceId !== workspaceId) throw new Error("NOT_FOUND");
  await opts.ctx.db.delete(page).where(eq(page.id, opts.input.slug));`),
      ["delete(page)"],
    );
  });

  test("twins: no check, a check that only logs, or a column that is not unique", () => {
    const both = ["page.findFirst", "delete(page)"];
    assert.deepEqual(run(`if (!found) throw new Error("NOT_FOUND");`), both);
    assert.deepEqual(run(`if (!found || found.workspaceId !== workspaceId) console.log("NOT_FOUND");`), both);
    const email =
      flagged(`  const found = await opts.ctx.db.query.invitation.findFirst({ where: eq(invitation.email, opts.input.email) });
  if (!found || found.workspaceId !== workspaceId) throw new Error("NOT_FOUND");
  await opts.ctx.db.delete(invitation).where(eq(invitation.email, opts.input.email));`);
    assert.deepEqual(email, ["delete(invitation)"]);
  });
});

describe("a unique foreign key (1:1) of a proven row is a key of the row it points at (unkey's apis.keyAuthId)", () => {
  const run = (key: string) =>
    flagged(`  const report = await opts.ctx.db.query.statusReport.findFirst({
    where: and(eq(statusReport.id, id), eq(statusReport.workspaceId, workspaceId)),
  });
  if (!report) throw new Error("NOT_FOUND");
  await opts.ctx.db.delete(pageSubscriber).where(eq(pageSubscriber.pageId, ${key}));`);

  test("the page the scoped report points at: its subscribers are the tenant's", () => {
    assert.deepEqual(run("report.pageId!"), []);
  });

  test("twin: the page from the request", () => {
    assert.deepEqual(run("opts.input.pageId"), ["delete(pageSubscriber)"]);
  });

  test("a primary key that is also a foreign key (1:1) is the row's own key", () => {
    const meta = (key: string) =>
      flagged(`  const meta = await opts.ctx.db.query.pageMeta.findFirst({
    where: and(eq(pageMeta.pageId, opts.input.pageId), eq(pageMeta.workspaceId, workspaceId)),
  });
  if (!meta) throw new Error("NOT_FOUND");
  await opts.ctx.db.update(pageMeta).set({ title: "x" }).where(eq(pageMeta.pageId, ${key}));`);
    assert.deepEqual(meta("meta.pageId"), []);
    assert.deepEqual(meta("opts.input.otherPageId"), ["update(pageMeta)"]);
  });
});

describe("a parent key written into a sql`` fragment's SQL (unkey's `sql`namespace_id = ${namespace.id} AND ...``)", () => {
  const run = (where: string) =>
    flagged(`  const p = await opts.ctx.db.query.page.findFirst({ where: and(eq(page.id, id), eq(page.workspaceId, workspaceId)) });
  if (!p) throw new Error("NOT_FOUND");
  await opts.ctx.db.delete(pageSubscriber).where(${where});`);

  test("the scoped page's key: its subscribers are the tenant's", () => {
    assert.deepEqual(run("sql`page_id = ${p.id} AND email = ${opts.input.email}`"), []);
  });

  test("the parent key beside other top-level terms (`AND email IS NOT NULL`), qualified by its own table", () => {
    assert.deepEqual(run("sql`page_subscriber.page_id = ${p.id} AND email IS NOT NULL`"), []);
  });

  test("twins: the key from the request, or the parent key in one branch of an OR", () => {
    assert.deepEqual(run("sql`page_id = ${opts.input.pageId}`"), ["delete(pageSubscriber)"]);
    assert.deepEqual(run("sql`page_id = ${p.id} OR email = ${opts.input.email}`"), ["delete(pageSubscriber)"]);
  });
});

describe("the tenant the request was authorized for, by its name (unkey's `auth.authorizedWorkspaceId`)", () => {
  const run = (check: string) =>
    flagged(`  const auth = await rootKeyAuth(opts.ctx);
  const found = await opts.ctx.db.query.page.findFirst({ where: eq(page.slug, opts.input.slug) });
  ${check}
  await opts.ctx.db.delete(page).where(eq(page.slug, opts.input.slug));`);

  test("a row checked against `auth.authorizedWorkspaceId` or `currentWorkspaceId` is checked", () => {
    assert.deepEqual(
      run(`if (!found || found.workspaceId !== auth.authorizedWorkspaceId) throw new Error("NOT_FOUND");`),
      [],
    );
    assert.deepEqual(
      run(`if (!found || found.workspaceId !== auth.currentWorkspaceId) throw new Error("NOT_FOUND");`),
      [],
    );
  });

  test("twin: a bare name destructured from the request body is the request's, whatever it is called", () => {
    assert.deepEqual(
      flagged(`  const { authorizedWorkspaceId } = schema.parse(await opts.req.json());
  const found = await opts.ctx.db.query.page.findFirst({ where: eq(page.slug, opts.input.slug) });
  if (!found || found.workspaceId !== authorizedWorkspaceId) throw new Error("NOT_FOUND");
  await opts.ctx.db.delete(page).where(eq(page.slug, opts.input.slug));`),
      ["page.findFirst", "delete(page)"],
    );
  });

  test("twins: another word before the tenant's name, or the request's own", () => {
    const both = ["page.findFirst", "delete(page)"];
    assert.deepEqual(
      run(`if (!found || found.workspaceId !== auth.targetWorkspaceId) throw new Error("NOT_FOUND");`),
      both,
    );
    assert.deepEqual(
      run(`if (!found || found.workspaceId !== opts.input.authorizedWorkspaceId) throw new Error("NOT_FOUND");`),
      both,
    );
  });
});

describe("a parent joined by the key a scoped child row holds (papra's tags with their documents)", () => {
  const LINK_SCHEMA = `import { sqliteTable, text } from "drizzle-orm/sqlite-core";
export const orgs = sqliteTable("orgs", { id: text("id").primaryKey() });
export const tags = sqliteTable("tags", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  organizationId: text("organization_id").notNull().references(() => orgs.id),
});
export const documents = sqliteTable("documents", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  organizationId: text("organization_id").notNull().references(() => orgs.id),
});
export const documentsTags = sqliteTable("documents_tags", {
  documentId: text("document_id").notNull().references(() => documents.id),
  tagId: text("tag_id").notNull().references(() => tags.id),
});
`;
  const LINK_CONFIG = { tenantColumns: ["organization_id"], schema: { drizzle: ["src/db/schema.ts"] } };
  const run = (join: string) => {
    const linkModel = modelOf(parser, { "/p/src/db/schema.ts": LINK_SCHEMA }, LINK_CONFIG);
    return runFlow(
      parser,
      linkModel,
      {
        "/p/src/tags.repository.ts": `import { eq } from "drizzle-orm";
import { documents, documentsTags, tags } from "./db/schema";
export async function getOrganizationTags(db: any, organizationId: string) {
  return db.select().from(tags)
    .leftJoin(documentsTags, eq(tags.id, documentsTags.tagId))
    .leftJoin(documents, ${join})
    .where(eq(tags.organizationId, organizationId));
}
`,
      },
      { config: LINK_CONFIG },
    );
  };

  test("the tag links are the organization's through its tags, and the documents they point at are too", () => {
    assert.deepEqual(run("eq(documentsTags.documentId, documents.id)").flagged, []);
  });

  test("twin: documents joined on a column that is no key of the links", () => {
    assert.deepEqual(run("eq(documents.name, tags.name)").flagged, [
      "tags.repository.ts:6: leftJoin(documents, eq(documents.name, tags.name))",
    ]);
  });
});

describe("a row picked with `.then((rows) => rows[0])`", () => {
  const body = (
    check: string,
  ) => `  const report = await opts.ctx.db.select().from(statusReport).where(eq(statusReport.id, id)).then((rows) => rows[0]);
  if (!report) throw new Error("not found");
  ${check}
  await opts.ctx.db.update(statusReport).set({ id }).where(eq(statusReport.id, id));`;

  test("is the query's row: its tenant handed to a check, or compared, checks the read and its key", () => {
    assert.deepEqual(flagged(body("await assertWorkspaceAccess(opts.ctx.user, report.workspaceId);")), []);
    assert.deepEqual(flagged(body("if (report.workspaceId !== workspaceId) throw new Error('forbidden');")), []);
  });

  test("twin: a check of a workspace the request named leaves both flagged", () => {
    assert.equal(flagged(body("await assertWorkspaceAccess(opts.ctx.user, opts.input.workspaceId);")).length, 2);
  });
});

describe("a row joined to its parent, the parent's key selected beside it and handed to a check", () => {
  const read = (join: string) => `  const rows = await opts.ctx.db
    .select({ update: statusReportUpdate, report: { id: statusReport.id, workspaceId: statusReport.workspaceId } })
    .from(statusReportUpdate)
    .${join}(statusReport, eq(statusReportUpdate.statusReportId, statusReport.id))
    .where(eq(statusReportUpdate.id, id));
  if (rows.length === 0) throw new Error("not found");
  const row = rows[0];
`;
  const check = (key: string) => `  await assertReportAccess(opts.ctx.user, ${key});
  await opts.ctx.db.delete(statusReportUpdate).where(eq(statusReportUpdate.id, id));`;

  test("`row.report.id` (or `row.report.workspaceId`) of the joined parent checks the row and its key", () => {
    assert.deepEqual(flagged(read("innerJoin") + check("row.report.id")), []);
    assert.deepEqual(flagged(read("innerJoin") + check("row.report.workspaceId")), []);
  });

  test("twin: an outer join, or a key the client sent, proves nothing", () => {
    assert.equal(flagged(read("leftJoin") + check("row.report.id")).length, 3);
    assert.deepEqual(flagged(read("innerJoin") + check("opts.input.reportId")), [
      "innerJoin(statusReport, eq(statusReportUpdate.statusReportId, statusReport.id))",
      "delete(statusReportUpdate)",
    ]);
  });
});

// midday's validateAccessToken and getTrackerProjects: a scoped read that left-joins other tables
// (its user, its application) hands back its own rows, by the fields its select names of its table.
describe("a scoped read with left joins to other tables", () => {
  test("the id its select takes of its own table proves a write by it", () => {
    assert.deepEqual(
      flagged(`  const [row] = await opts.ctx.db
    .select({ id: statusReport.id, pageSlug: page.slug })
    .from(statusReport)
    .leftJoin(page, eq(statusReport.pageId, page.id))
    .where(and(eq(statusReport.id, id), eq(statusReport.workspaceId, workspaceId)));
  if (!row) throw new Error("not found");
  await opts.ctx.db.delete(statusReport).where(eq(statusReport.id, row.id));`),
      [],
    );
  });

  test("a child's rows by a proven parent key, with other tables joined (midday's tags of a project): the read itself proven", () => {
    assert.deepEqual(
      flagged(`  const [report] = await opts.ctx.db.select({ id: statusReport.id }).from(statusReport)
    .where(and(eq(statusReport.id, id), eq(statusReport.workspaceId, workspaceId)));
  if (!report) throw new Error("not found");
  return opts.ctx.db.select({ id: statusReportUpdate.id, slug: page.slug }).from(statusReportUpdate)
    .leftJoin(statusReport, eq(statusReportUpdate.statusReportId, statusReport.id))
    .leftJoin(page, eq(statusReport.pageId, page.id))
    .where(eq(statusReportUpdate.statusReportId, id));`).filter((f) => f.startsWith("from(")),
      [],
    );
    // Twin: by a parent key the request names.
    assert.deepEqual(
      flagged(`  return opts.ctx.db.select({ id: statusReportUpdate.id, slug: page.slug }).from(statusReportUpdate)
    .leftJoin(statusReport, eq(statusReportUpdate.statusReportId, statusReport.id))
    .leftJoin(page, eq(statusReport.pageId, page.id))
    .where(eq(statusReportUpdate.statusReportId, opts.input.reportId));`).filter((f) => f.startsWith("from(")),
      ["from(statusReportUpdate)"],
    );
  });

  test("twins: an id the select takes from a sql expression or another column of the table (review: row.id is no key then)", () => {
    assert.deepEqual(
      flagged(`  const [row] = await opts.ctx.db
    .select({ id: sql\`\${opts.input.id}\`, slug: page.slug })
    .from(statusReport)
    .leftJoin(page, eq(statusReport.pageId, page.id))
    .where(eq(statusReport.workspaceId, workspaceId));
  if (!row) throw new Error("not found");
  await opts.ctx.db.delete(statusReport).where(eq(statusReport.id, row.id));
  const [other] = await opts.ctx.db
    .select({ id: statusReport.pageId, slug: page.slug })
    .from(statusReport)
    .leftJoin(page, eq(statusReport.pageId, page.id))
    .where(eq(statusReport.workspaceId, workspaceId));
  if (!other) throw new Error("not found");
  await opts.ctx.db.delete(statusReport).where(eq(statusReport.id, other.id));`),
      ["delete(statusReport)", "delete(statusReport)"],
    );
  });

  test("a builder held in a const, sorted in a `? :` statement, then awaited (midday's getTrackerProjects): its rows' ids are the tenant's", () => {
    const body = (
      where: string,
    ) => `  const query = opts.ctx.db.select({ id: statusReport.id }).from(statusReport).where(${where});
  opts.input.asc ? query.orderBy(statusReport.id) : query.orderBy(statusReport.pageId);
  const rows = await query;
  await opts.ctx.db.delete(statusReportUpdate).where(inArray(statusReportUpdate.statusReportId, rows.map((r) => r.id)));`;
    assert.deepEqual(flagged(body("eq(statusReport.workspaceId, workspaceId)")), []);
    assert.deepEqual(flagged(body("eq(statusReport.pageId, opts.input.pageId)")), [
      "from(statusReport)",
      "delete(statusReportUpdate)",
    ]);
  });

  test("the joined parent's fields nested under a name (`report: { id: statusReport.id, ... }`): once the row is checked, `row.report.id` is the tenant's", () => {
    const body = (check: string) => `  const rows = await opts.ctx.db
    .select({ update: statusReportUpdate, report: { id: statusReport.id, workspaceId: statusReport.workspaceId } })
    .from(statusReportUpdate)
    .innerJoin(statusReport, eq(statusReportUpdate.statusReportId, statusReport.id))
    .where(eq(statusReportUpdate.id, id));
  const row = rows[0];
  if (${check}) throw new Error("not found");
  await opts.ctx.db.delete(statusReport).where(eq(statusReport.id, row.report.id));`;
    assert.deepEqual(flagged(body("!row || row.report.workspaceId !== workspaceId")), []);
    assert.deepEqual(flagged(body("!row")), [
      "innerJoin(statusReport, eq(statusReportUpdate.statusReportId, statusReport.id))",
      "delete(statusReport)",
    ]);
  });

  test("a Map built from a scoped read's rows (sim's tag definitions by name): what `.get` finds is one of them", () => {
    const body = (
      entries: string,
    ) => `  const reports = await opts.ctx.db.select().from(statusReport).where(eq(statusReport.workspaceId, workspaceId));
  const byPage = new Map(${entries});
  const found = byPage.get(opts.input.pageId);
  if (!found) throw new Error("not found");
  await opts.ctx.db.delete(statusReport).where(eq(statusReport.id, found.id));`;
    assert.deepEqual(flagged(body("reports.map((r) => [r.pageId, r])")), []);
    // Twins: a Map of what the request sent, a Map whose values are not the rows.
    assert.deepEqual(flagged(body("opts.input.reports.map((r: any) => [r.pageId, r])")), ["delete(statusReport)"]);
    assert.deepEqual(flagged(body("reports.map((r) => [r.pageId, opts.input.report])")), ["delete(statusReport)"]);
  });

  test("twins: a scoped list or a Map of its rows added to after the read holds more than the tenant's rows", () => {
    const read = `  const rows = await opts.ctx.db.select().from(statusReport).where(eq(statusReport.workspaceId, workspaceId));`;
    const byIds = `  await opts.ctx.db.delete(statusReport).where(inArray(statusReport.id, rows.map((r) => r.id)));`;
    assert.deepEqual(flagged(`${read}\n${byIds}`), []);
    // Handing an element to a call reads it; assigning into one changes it.
    assert.deepEqual(flagged(`${read}\n  console.log(rows[0]);\n${byIds}`), []);
    assert.deepEqual(flagged(`${read}\n  Object.assign(rows[0], opts.input.report);\n${byIds}`), [
      "delete(statusReport)",
    ]);
    assert.deepEqual(flagged(`${read}\n  rows.push(opts.input.report);\n${byIds}`), ["delete(statusReport)"]);
    assert.deepEqual(flagged(`${read}\n  rows[0] = opts.input.report;\n${byIds}`), ["delete(statusReport)"]);
    assert.deepEqual(
      flagged(`${read}
  const byPage = new Map(rows.map((r) => [r.pageId, r]));
  byPage.set(opts.input.pageId, opts.input.report);
  const found = byPage.get(opts.input.pageId);
  if (!found) throw new Error("not found");
  await opts.ctx.db.delete(statusReport).where(eq(statusReport.id, found.id));`),
      ["delete(statusReport)"],
    );
  });

  test("a where chosen by a `? :` whose branches select by the same key (sim's getWorkflowById)", () => {
    const body = (other: string) => `  const [report] = await opts.ctx.db.select().from(statusReport)
    .where(and(eq(statusReport.id, id), eq(statusReport.workspaceId, workspaceId)));
  if (!report) throw new Error("not found");
  await opts.ctx.db.delete(statusReport)
    .where(opts.input.all ? eq(statusReport.id, report.id) : and(eq(statusReport.id, ${other}), eq(statusReport.pageId, 1)));`;
    assert.deepEqual(flagged(body("report.id")), []);
    assert.deepEqual(flagged(body("opts.input.id")), ["delete(statusReport)"]);
  });

  test("a child by a proven parent key, joined back to that parent on its owning key (sim's webhooks of a workflow): the join is proven", () => {
    const body = (key: string) => `  const [report] = await opts.ctx.db.select().from(statusReport)
    .where(and(eq(statusReport.id, id), eq(statusReport.workspaceId, workspaceId)));
  if (!report) throw new Error("not found");
  return opts.ctx.db.select().from(statusReportUpdate)
    .innerJoin(statusReport, eq(statusReportUpdate.statusReportId, statusReport.id))
    .where(eq(statusReportUpdate.statusReportId, ${key}));`;
    assert.deepEqual(flagged(body("report.id")), []);
    assert.deepEqual(flagged(body("opts.input.reportId")), [
      "innerJoin(statusReport, eq(statusReportUpdate.statusReportId, statusReport.id))",
    ]);
  });

  test("twin: a `$dynamic()` query, whose where a later `.where()` replaces: the key in the first proves nothing", () => {
    const r = flagged(`  const [report] = await opts.ctx.db.select().from(statusReport)
    .where(and(eq(statusReport.id, id), eq(statusReport.workspaceId, workspaceId)));
  if (!report) throw new Error("not found");
  const joined = opts.ctx.db.select().from(statusReportUpdate)
    .innerJoin(statusReport, eq(statusReportUpdate.statusReportId, statusReport.id))
    .where(eq(statusReportUpdate.statusReportId, report.id)).$dynamic();
  joined.where(eq(statusReportUpdate.id, opts.input.id));
  const alone = opts.ctx.db.select().from(statusReportUpdate).where(eq(statusReportUpdate.statusReportId, report.id)).$dynamic();
  alone.where(eq(statusReportUpdate.id, opts.input.id));
  return Promise.all([joined, alone]);`);
    assert.deepEqual(r, [
      "innerJoin(statusReport, eq(statusReportUpdate.statusReportId, statusReport.id))",
      "from(statusReportUpdate)",
    ]);
  });

  test("one table, a column under another name (`select({ id: statusReport.pageId })`): `r.id` is a page key, no report key", () => {
    assert.deepEqual(
      flagged(`  const rows = await opts.ctx.db.select({ id: statusReport.pageId }).from(statusReport)
    .where(eq(statusReport.workspaceId, workspaceId));
  await opts.ctx.db.delete(page).where(inArray(page.id, rows.map((r) => r.id)));
  await opts.ctx.db.delete(statusReport).where(inArray(statusReport.id, rows.map((r) => r.id)));`),
      ["delete(statusReport)"],
    );
  });

  test("twins: the id taken of the joined table, the read not scoped", () => {
    assert.deepEqual(
      flagged(`  const [row] = await opts.ctx.db
    .select({ id: page.id })
    .from(statusReport)
    .leftJoin(page, eq(statusReport.pageId, page.id))
    .where(and(eq(statusReport.id, id), eq(statusReport.workspaceId, workspaceId)));
  if (!row) throw new Error("not found");
  await opts.ctx.db.delete(statusReport).where(eq(statusReport.id, row.id));
  const [other] = await opts.ctx.db
    .select({ id: statusReport.id, pageSlug: page.slug })
    .from(statusReport)
    .leftJoin(page, eq(statusReport.pageId, page.id))
    .where(eq(statusReport.id, opts.input.other));
  if (!other) throw new Error("not found");
  await opts.ctx.db.delete(statusReport).where(eq(statusReport.id, other.id));`),
      ["delete(statusReport)", "from(statusReport)", "delete(statusReport)"],
    );
  });
});

// sim's createTagDefinition: the row to insert built in a const first, its parent key from a parameter.
describe("an insert of a row built in a const, its parent key judged at the calls", () => {
  const run = (lib: string, caller: string) =>
    runFlow(
      parser,
      model,
      {
        "/p/src/lib/updates.ts": `import { statusReportUpdate } from "../db/schema";
import { db } from "../db";
export async function addUpdate(data: { statusReportId: number; message: string }) {
  const row = { statusReportId: data.statusReportId, message: data.message };
${lib}
  await db.insert(statusReportUpdate).values(row);
}
`,
        "/p/src/router/a.ts": `${IMPORTS}import { addUpdate } from "../lib/updates";
export const procedure = async (opts: any, id: number, workspaceId: number) => {
  const [report] = await opts.ctx.db.select().from(statusReport)
    .where(and(eq(statusReport.id, id), eq(statusReport.workspaceId, workspaceId)));
  if (!report) throw new Error("not found");
  await addUpdate({ statusReportId: ${caller}, message: "x" });
};`,
      },
      { config: CONFIG, rules: ["missing-tenant-on-insert"] },
    ).flagged.map((f) => f.split(": ")[0]);

  test("every call passes a proven report key: the insert is proven", () => {
    assert.deepEqual(run("", "report.id"), []);
  });

  test("a const made anew each time round a loop, kept in a Map after its insert (sim's bulk definitions): still read", () => {
    const r = runFlow(
      parser,
      model,
      {
        "/p/src/router/a.ts": `${IMPORTS}import { db } from "../db";
export const procedure = async (opts: any, id: number, workspaceId: number) => {
  const [report] = await db.select().from(statusReport).where(and(eq(statusReport.id, id), eq(statusReport.workspaceId, workspaceId)));
  if (!report) throw new Error("not found");
  const seen = new Map();
  for (const message of opts.input.messages) {
    const row = { statusReportId: report.id, message };
    await db.insert(statusReportUpdate).values(row);
    seen.set(message, row);
  }
  const shared = { statusReportId: report.id, message: "x" };
  for (const message of opts.input.messages) {
    await db.insert(statusReportUpdate).values(shared);
    Object.assign(shared, opts.input.patch);
  }
};`,
      },
      { config: CONFIG, rules: ["missing-tenant-on-insert"] },
    );
    // The const declared outside the loop is changed before the next time round: not read.
    assert.deepEqual(
      r.flagged.map((f) => f.split(": ")[0]),
      ["router/a.ts:15"],
    );
  });

  test("twins: a call passes the request's key, or the const's key is changed before the insert", () => {
    assert.deepEqual(run("", "opts.input.reportId"), ["lib/updates.ts:6"]);
    assert.deepEqual(run("  row.statusReportId = Number(process.env.REPORT);", "report.id"), ["lib/updates.ts:6"]);
  });
});

// openstatus's statusReport router: `values(list.map((x) => ({ statusReportId: report.id, ... })))`,
// the parent key a proven row's id, or each element of a list whose every key was found.
describe("an insert of rows built by `.map`, each under a proven parent", () => {
  const run = (body: string) =>
    runFlow(
      parser,
      model,
      {
        "/p/src/router/a.ts": `${IMPORTS}import { db } from "../db";
export const procedure = async (opts: any, id: number, workspaceId: number, ids: number[]) => {
  const [report] = await db.select().from(statusReport).where(and(eq(statusReport.id, id), eq(statusReport.workspaceId, workspaceId)));
  if (!report) throw new Error("not found");
${body}
};`,
      },
      { config: CONFIG, rules: ["missing-tenant-on-insert"] },
    ).flagged.map((f) => f.split(": ")[0]);
  const FOUND = `  const found = await db.select().from(statusReport).where(and(inArray(statusReport.id, ids), eq(statusReport.workspaceId, workspaceId)));
  if (found.length !== ids.length) throw new Error("not found");`;

  test("the proven row's id in every row, with an expression body or a block that returns the object: proven", () => {
    assert.deepEqual(
      run(`  await db.insert(statusReportUpdate).values(opts.input.messages.map((message: string) => ({ statusReportId: report.id, message })));
  await db.insert(statusReportUpdate).values(opts.input.messages.map((message: string) => {
    const text = message.trim();
    return { statusReportId: report.id, message: text };
  }));`),
      [],
    );
  });

  test("each element of a list whose every key was found in the tenant: proven", () => {
    assert.deepEqual(
      run(`${FOUND}
  await db.insert(statusReportUpdate).values(ids.map((statusReportId) => ({ statusReportId, message: "x" })));`),
      [],
    );
  });

  test("a spread of the request before the proven key: the key written after it wins (openstatus's status report updates)", () => {
    assert.deepEqual(
      run(`  await db.insert(statusReportUpdate).values({ ...opts.input, statusReportId: report.id });`),
      [],
    );
    // Twins: the spread after the key may replace it; the request's own key after the spread.
    assert.deepEqual(
      run(`  await db.insert(statusReportUpdate).values({ ...opts.input, statusReportId: opts.input.reportId });`),
      ["router/a.ts:7"],
    );
  });

  test("a row with two tenant-owned parents: each key it names must be proven (openstatus's status report to page component rows)", () => {
    const PAGES = `  const pages = await db.select().from(page).where(and(inArray(page.id, ids), eq(page.workspaceId, workspaceId)));
  const valid = new Set(pages.map((p) => p.id));
  const invalid = ids.filter((id) => !valid.has(id));`;
    assert.deepEqual(
      run(`${PAGES}
  if (invalid.length > 0) throw new Error("invalid pages");
  await db.insert(reportToPage).values(ids.map((pageId) => ({ statusReportId: report.id, pageId })));
  await db.insert(reportToPage).values({ statusReportId: report.id, pageId: ids[0] });`),
      [],
    );
    // Twins: a request value added to the set before the check, a request id pushed after it.
    assert.deepEqual(
      run(`${PAGES.replace("const invalid", "valid.add(opts.input.extra);\n  const invalid")}
  if (invalid.length > 0) throw new Error("invalid pages");
  await db.insert(reportToPage).values(ids.map((pageId) => ({ statusReportId: report.id, pageId })));`),
      ["router/a.ts:12"],
    );
    assert.deepEqual(
      run(`${PAGES}
  if (invalid.length > 0) throw new Error("invalid pages");
  ids.push(opts.input.extra);
  await db.insert(reportToPage).values(ids.map((pageId) => ({ statusReportId: report.id, pageId })));`),
      ["router/a.ts:12"],
    );
    // Twins: the page list never checked, only its first element looked at.
    assert.deepEqual(
      run(`${PAGES}
  await db.insert(reportToPage).values(ids.map((pageId) => ({ statusReportId: report.id, pageId })));
  if (invalid[0]) throw new Error("invalid page");
  await db.insert(reportToPage).values(ids.map((pageId) => ({ statusReportId: report.id, pageId })));`),
      ["router/a.ts:10", "router/a.ts:12"],
    );
  });

  test("twins: the request's key in every row, a list never checked, a key the callback computes", () => {
    assert.deepEqual(
      run(`  await db.insert(statusReportUpdate).values(opts.input.messages.map((message: string) => ({ statusReportId: opts.input.reportId, message })));
  await db.insert(statusReportUpdate).values(ids.map((statusReportId) => ({ statusReportId, message: "x" })));
  await db.insert(statusReportUpdate).values(opts.input.rows.map((r: any) => {
    const statusReportId = r.reportId;
    return { statusReportId, message: "x" };
  }));
  await db.insert(statusReportUpdate).values(opts.input.rows.map((r: any) => ({ statusReportId: r.reportId ?? report.id, message: "x" })));`),
      ["router/a.ts:7", "router/a.ts:8", "router/a.ts:9", "router/a.ts:13"],
    );
    // Only the first key found: the others may be any tenant's.
    assert.deepEqual(
      run(`${FOUND.replace("found.length !== ids.length", "!found.length")}
  await db.insert(statusReportUpdate).values(ids.map((statusReportId) => ({ statusReportId, message: "x" })));`),
      ["router/a.ts:9"],
    );
  });
});

// sim's cleanupUnusedTagDefinitions: the rows a list helper reads under one parent key, the key proven by the caller.
describe("the rows a data-layer function lists under the parent key it is handed", () => {
  const run = (reportKey: string, returned = "rows") =>
    runFlow(
      parser,
      model,
      {
        "/p/src/lib/updates.ts": `import { eq } from "drizzle-orm";
import { statusReportUpdate } from "../db/schema";
import { db } from "../db";
export async function updatesOf(reportId: number) {
  const rows = await db.select().from(statusReportUpdate).where(eq(statusReportUpdate.statusReportId, reportId));
  return ${returned};
}
`,
        "/p/src/router/a.ts": `${IMPORTS}import { db } from "../db";
import { updatesOf } from "../lib/updates";
export const procedure = async (opts: any, id: number, workspaceId: number) => {
  const [report] = await db.select().from(statusReport).where(and(eq(statusReport.id, id), eq(statusReport.workspaceId, workspaceId)));
  if (!report) throw new Error("not found");
  const updates = await updatesOf(${reportKey});
  for (const u of updates) await db.delete(statusReportUpdate).where(eq(statusReportUpdate.id, u.id));
};`,
      },
      { config: CONFIG },
    ).flagged.map((f) => f.split(": ")[0]);

  test("a proven parent key handed to the helper: its rows' ids are the tenant's", () => {
    assert.deepEqual(run("report.id"), []);
  });

  test("twin: the request's key handed to it", () => {
    assert.deepEqual(run("opts.input.reportId"), ["lib/updates.ts:5", "router/a.ts:9"]);
  });

  test("the rows handed back reshaped with fields that are no key (`rows.map((r) => ({ ...r, label }))`); twin: an id replaced", () => {
    assert.deepEqual(run("report.id", "rows.map((r) => ({ ...r, label: String(r.message) }))"), []);
    assert.deepEqual(run("report.id", "rows.map((r) => ({ ...r, id: Number(r.message) }))"), ["router/a.ts:9"]);
  });
});

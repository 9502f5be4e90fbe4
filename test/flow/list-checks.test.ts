// A list read by a parent key alone, each of whose rows is then checked to be the tenant's
// (dokploy's environments by project: `if (envs.some((e) => e.project.organizationId !== orgId))
// throw`), is the tenant's: an empty list holds no other tenant's row. In the same function, or
// handed back by a data-layer helper and checked at every call. A check of one row of the list
// (the first, or each row inside a callback that may only skip it) proves nothing of the others.
// Each safe case beside its unsafe twin.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { TenantModel } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { runFlow } from "../helpers/flow-run";
import { modelOf } from "../helpers/model";
import { sqlParser } from "../helpers/sql";

const SCHEMA = `import { pgTable, text } from "drizzle-orm/pg-core";
export const organization = pgTable("organization", { id: text("id").primaryKey() });
export const projects = pgTable("project", {
  projectId: text("projectId").notNull().primaryKey(),
  organizationId: text("organizationId").notNull().references(() => organization.id),
});
export const environments = pgTable("environment", {
  environmentId: text("environmentId").notNull().primaryKey(),
  name: text("name").notNull(),
  projectId: text("projectId").notNull().references(() => projects.projectId),
});
`;
const CONFIG = { tenantColumns: ["organizationId"], schema: { drizzle: ["src/db/schema.ts"] } };

let parser: SqlParser;
let model: TenantModel;
before(async () => {
  parser = await sqlParser();
  model = modelOf(parser, { "/p/src/db/schema.ts": SCHEMA }, CONFIG);
});

const HEAD = `import { eq, inArray } from "drizzle-orm";
import { db } from "./db";
import { environments } from "./db/schema";
type Ctx = { session: { activeOrganizationId: string } };
`;
const READ = `  const envs = await db.query.environments.findMany({
    where: eq(environments.projectId, input.projectId),
    with: { project: true },
  });`;
const ORG = "ctx.session.activeOrganizationId";

const run = (files: Record<string, string>) => runFlow(parser, model, files, { config: CONFIG });
const handler = (body: string) =>
  run({
    "/p/src/envs.ts": `${HEAD}declare function send(x: unknown): Promise<void>;
export async function byProject(ctx: Ctx, input: { projectId: string }) {
${body}
}`,
  });

describe("every row of a list checked in the same function", () => {
  test("`if (envs.some((e) => e.project.organizationId !== org)) throw`: the list is the tenant's", () => {
    const r = handler(`${READ}
  if (envs.some((e) => e.project.organizationId !== ${ORG})) throw new Error("forbidden");
  return envs;`);
    assert.deepEqual(r.flagged, []);
    assert.ok(
      r.proofs.some((p) =>
        /every row's project\.organizationId is checked against the tenant on line 11, and the path ends when one is not/.test(
          p,
        ),
      ),
      r.proofs.join("\n"),
    );
  });

  test("a loop that checks each row first and leaves on a foreign one: the list is the tenant's after it", () => {
    const r = handler(`${READ}
  for (const e of envs) {
    if (e.project.organizationId !== ${ORG}) throw new Error("forbidden");
    await send(e.name);
  }
  return envs;`);
    assert.deepEqual(r.flagged, []);
    assert.ok(
      r.proofs.some((p) =>
        /every row's project\.organizationId is checked against the tenant in the loop on line 12/.test(p),
      ),
      r.proofs.join("\n"),
    );
  });

  test("twins: a loop that may skip a row, one that reads the row before its check", () => {
    const twins = [
      `  for (const e of envs) {
    if (e.name === "skip") continue;
    if (e.project.organizationId !== ${ORG}) throw new Error("forbidden");
  }`,
      `  for (const e of envs) {
    await send(e.name);
    if (e.project.organizationId !== ${ORG}) throw new Error("forbidden");
  }`,
    ];
    for (const twin of twins) {
      const r = handler(`${READ}\n${twin}\n  return envs;`);
      assert.deepEqual(r.flagged, ["envs.ts:7: environments.findMany"], twin);
    }
  });

  test("the keys of the checked rows prove a write by them", () => {
    const r = handler(`${READ}
  if (envs.some((e) => e.project.organizationId !== ${ORG})) throw new Error("forbidden");
  await db.delete(environments).where(inArray(environments.environmentId, envs.map((e) => e.environmentId)));`);
    assert.deepEqual(r.flagged, []);
    // teable: the key destructured in the callback (\`({ environmentId }) => environmentId\`), renamed or not.
    for (const map of ["({ environmentId }) => environmentId", "({ environmentId: id }) => id"]) {
      const d = handler(`${READ}
  if (envs.some((e) => e.project.organizationId !== ${ORG})) throw new Error("forbidden");
  await db.delete(environments).where(inArray(environments.environmentId, envs.map(${map})));`);
      assert.deepEqual(d.flagged, [], map);
    }
  });

  test("twins: a destructured field handed back with a default, another field, or another name", () => {
    for (const map of [
      "({ environmentId = input.id }) => environmentId",
      "({ name }) => name",
      "({ environmentId }) => input.id",
    ]) {
      const d = handler(`${READ}
  if (envs.some((e) => e.project.organizationId !== ${ORG})) throw new Error("forbidden");
  await db.delete(environments).where(inArray(environments.environmentId, envs.map(${map})));`);
      assert.deepEqual(d.flagged, ["envs.ts:12: delete(environments)"], map);
    }
  });

  test("twins (review): a row's key written before the keys are collected, by index or in a loop", () => {
    for (const write of [
      "envs[0]!.environmentId = input.id;",
      "for (const e of envs) e.environmentId = input.id;",
      "envs.forEach((e) => Object.assign(e, { environmentId: input.id }));",
      // (review, round 2) through another name for one of the rows.
      "const first = envs[0]!; first.environmentId = input.id;",
      "const [head] = envs; head!.environmentId = input.id;",
      "const hit = envs.find((e) => e.name === input.id)!; hit.environmentId = input.id;",
    ])
      for (const map of ["({ environmentId }) => environmentId", "(e) => e.environmentId"]) {
        const d = handler(`${READ}
  if (envs.some((e) => e.project.organizationId !== ${ORG})) throw new Error("forbidden");
  ${write}
  await db.delete(environments).where(inArray(environments.environmentId, envs.map(${map})));`);
        assert.ok(d.flagged.includes("envs.ts:13: delete(environments)"), `${write} ${map}: ${d.flagged.join(", ")}`);
      }
  });

  test("twins: only the first row checked, a callback that only skips a row, a check that logs, `===`, the list sent first", () => {
    const twins = [
      `  if (envs[0] && envs[0].project.organizationId !== ${ORG}) throw new Error("forbidden");`,
      `  envs.forEach((e) => { if (e.project.organizationId !== ${ORG}) return; });`,
      `  for (const e of envs) { if (e.project.organizationId !== ${ORG}) continue; }`,
      `  if (envs.some((e) => e.project.organizationId !== ${ORG})) console.warn("forbidden");`,
      `  if (envs.some((e) => e.project.organizationId === ${ORG})) throw new Error("forbidden");`,
      `  await send(envs);
  if (envs.some((e) => e.project.organizationId !== ${ORG})) throw new Error("forbidden");`,
      `  if (envs.some((e) => e.project.organizationId !== input.projectId)) throw new Error("forbidden");`,
    ];
    for (const twin of twins) {
      const r = handler(`${READ}\n${twin}\n  return envs;`);
      assert.deepEqual(r.flagged, ["envs.ts:7: environments.findMany"], twin);
    }
  });
});

describe("a helper's list checked at every call", () => {
  const SERVICE = `${HEAD}export const findEnvironmentsByProjectId = async (projectId: string) => {
  return db.query.environments.findMany({ where: eq(environments.projectId, projectId), with: { project: true } });
};
`;
  const router = (body: string) => `import { findEnvironmentsByProjectId } from "./service";
type Ctx = { session: { activeOrganizationId: string } };
export async function byProject(ctx: Ctx, input: { projectId: string }) {
  const envs = await findEnvironmentsByProjectId(input.projectId);
${body}
  return envs;
}`;

  test("each caller checks every row it gets: the helper's read is proven", () => {
    const r = run({
      "/p/src/service.ts": SERVICE,
      "/p/src/router.ts": router(
        `  if (envs.some((e) => e.project.organizationId !== ${ORG})) throw new Error("forbidden");`,
      ),
    });
    assert.deepEqual(r.flagged, []);
  });

  test("twin: a caller that checks only the first row", () => {
    const r = run({
      "/p/src/service.ts": SERVICE,
      "/p/src/router.ts": router(
        `  if (envs[0] && envs[0].project.organizationId !== ${ORG}) throw new Error("forbidden");`,
      ),
    });
    assert.deepEqual(r.flagged, ["service.ts:6: environments.findMany"]);
  });
});

// openstatus's monitor deletes: a Drizzle select of one table by `inArray(id, ids)` and the
// tenant, then `if (existing.length !== ids.length) throw`: every id was found in the tenant.
describe("every key of a list found by a Drizzle select of one table", () => {
  const bulk = (read: string, check = '  if (existing.length !== ids.length) throw new Error("not found");') =>
    run({
      "/p/src/projects.ts": `import { and, eq, inArray } from "drizzle-orm";
import { db } from "./db";
import { environments, projects } from "./db/schema";
export async function removeProjects(organizationId: string, input: string[]) {
  const ids = Array.from(new Set(input));
  const existing = await ${read};
${check}
  await db.delete(projects).where(inArray(projects.projectId, ids));
}`,
    });
  const SCOPED = "and(inArray(projects.projectId, ids), eq(projects.organizationId, organizationId))";

  test("`db.select().from(t).where(...)` (and `.all()`) then a count check: the deletes by the list are proven", () => {
    for (const read of [
      `db.select().from(projects).where(${SCOPED})`,
      `db.select().from(projects).where(${SCOPED}).all()`,
    ]) {
      const r = bulk(read);
      assert.deepEqual(r.flagged, [], read);
      assert.ok(
        r.proofs.some((p) =>
          /^projects.ts:8 owned-key: every key of `ids` was found by the scoped query on line 6, and the path ends on line 7/.test(
            p,
          ),
        ),
        r.proofs.join("\n"),
      );
    }
  });

  test("twins: a join that may repeat a row, a count never checked", () => {
    assert.deepEqual(
      bulk(
        `db.select().from(projects).innerJoin(environments, eq(environments.projectId, projects.projectId)).where(${SCOPED})`,
      ).flagged,
      ["projects.ts:8: delete(projects)"],
    );
    assert.deepEqual(bulk(`db.select().from(projects).where(${SCOPED})`, "").flagged, [
      "projects.ts:8: delete(projects)",
    ]);
  });
});

// openstatus's maintenance router: the count check sits in `if (input.monitors?.length) { ... }`,
// the writes by the list come after it; the list is handed to a sync helper after the writes.
describe("a count check under `if (list.length)`, the list used past it", () => {
  const flow = (body: string) =>
    run({
      "/p/src/projects.ts": `import { and, eq, inArray } from "drizzle-orm";
import { db } from "./db";
import { projects } from "./db/schema";
declare function sync(ids: string[]): Promise<void>;
export async function archive(organizationId: string, input: { ids?: string[]; strict: boolean }) {
${body}
}`,
    }).flagged;
  const check = (condition: string) => `  if (${condition}) {
    const found = await db.select().from(projects).where(and(inArray(projects.projectId, input.ids), eq(projects.organizationId, organizationId)));
    if (found.length !== input.ids.length) throw new Error("not found");
  }`;
  const WRITE = `  if (input.ids?.length) await db.delete(projects).where(inArray(projects.projectId, input.ids));`;

  test("`if (list?.length)`, `list.length > 0`: past the if every key was found, or there is none; a call after the write changes nothing", () => {
    for (const condition of ["input.ids?.length", "input.ids.length > 0"])
      assert.deepEqual(flow(`${check(condition)}\n${WRITE}\n  await sync(input.ids);`), [], condition);
  });

  test("twins: a condition with another term, the list handed to a call before the write", () => {
    assert.deepEqual(flow(`${check("input.ids?.length && input.strict")}\n${WRITE}`), [
      "projects.ts:10: delete(projects)",
    ]);
    assert.deepEqual(flow(`${check("input.ids?.length")}\n  await sync(input.ids);\n${WRITE}`), [
      "projects.ts:11: delete(projects)",
    ]);
  });
});

// openstatus's validateMonitorIds: checks every id of the list in the tenant (throwing otherwise)
// and hands the list back, `[]` when it was empty.
describe("a helper that checks every key of a list and hands the list back", () => {
  const flow = (check: string) =>
    run({
      "/p/src/projects.ts": `import { and, eq, inArray } from "drizzle-orm";
import { db } from "./db";
import { projects } from "./db/schema";
async function validated(organizationId: string, input: string[]): Promise<string[]> {
  if (input.length === 0) return [];
  const ids = Array.from(new Set(input));
  const rows = await db.select({ projectId: projects.projectId }).from(projects).where(and(inArray(projects.projectId, ids), eq(projects.organizationId, organizationId)));
  const valid = new Set(rows.map((r) => r.projectId));
${check}
  return ids;
}
export async function archive(organizationId: string, input: string[]) {
  const ids = await validated(organizationId, input);
  await db.delete(projects).where(inArray(projects.projectId, ids));
}`,
    }).flagged;

  test("every id looked up in the loop, the path ending on a miss: the delete by the list it returns is proven", () => {
    assert.deepEqual(flow('  for (const id of ids) if (!valid.has(id)) throw new Error("not found");'), []);
  });

  test("twins: a loop that only logs a miss, no check at all", () => {
    for (const check of ['  for (const id of ids) if (!valid.has(id)) console.warn("not found", id);', ""])
      assert.deepEqual(flow(check), ["projects.ts:14: delete(projects)"], check);
  });

  test("twin: the helper handed a tenant a route handler's request names, or a constant, instead of the caller's", () => {
    const CHECK = '  for (const id of ids) if (!valid.has(id)) throw new Error("not found");';
    const r = run({
      "/p/src/projects.ts": `import { and, eq, inArray } from "drizzle-orm";
import { db } from "./db";
import { projects } from "./db/schema";
async function validated(args: { organizationId: string; input: string[] }): Promise<string[]> {
  const { organizationId, input } = args;
  const ids = Array.from(new Set(input));
  const rows = await db.select({ projectId: projects.projectId }).from(projects).where(and(inArray(projects.projectId, ids), eq(projects.organizationId, organizationId)));
  const valid = new Set(rows.map((r) => r.projectId));
${CHECK}
  return ids;
}
export async function POST(req: { body: { organizationId: string; ids: string[] } }) {
  const ids = await validated({ organizationId: req.body.organizationId, input: req.body.ids });
  await db.delete(projects).where(inArray(projects.projectId, ids));
}
export async function fromConstant(ids: string[]) {
  const kept = await validated({ organizationId: "org_1", input: ids });
  await db.delete(projects).where(inArray(projects.projectId, kept));
}
export async function fromTenant(organizationId: string, ids: string[]) {
  const kept = await validated({ organizationId, input: ids });
  await db.delete(projects).where(inArray(projects.projectId, kept));
}`,
    });
    assert.deepEqual(r.flagged, ["projects.ts:14: delete(projects)", "projects.ts:18: delete(projects)"]);
  });
});

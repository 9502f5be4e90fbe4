// A row read by id, then the asking user's membership in the row's tenant looked up (inline, or
// through a helper that returns the lookup), and a missing membership ends the path: the row is
// checked, as a comparison with the tenant would check it. Each safe case beside its unsafe twin.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { TenantModel } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { runFlow } from "../helpers/flow-run";
import { sqlParser } from "../helpers/sql";
import { prismaModel } from "../orm/prisma-harness";

const SCHEMA = `
datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}
model Team {
  id          String           @id
  members     TeamMember[]
  collections TeamCollection[]
}
model User {
  uid     String       @id
  members TeamMember[]
}
model TeamMember {
  id      String @id
  teamID  String
  userUid String
  team    Team   @relation(fields: [teamID], references: [id])
  user    User   @relation(fields: [userUid], references: [uid])
  @@unique([teamID, userUid])
}
model TeamCollection {
  id       String           @id
  title    String
  teamID   String
  team     Team             @relation(fields: [teamID], references: [id])
  parentID String?
  parent   TeamCollection?  @relation("Parent", fields: [parentID], references: [id])
  children TeamCollection[] @relation("Parent")
}
`;
const CONFIG = { tenantColumns: ["teamID"], schema: { prisma: ["prisma/schema.prisma"] } };

let parser: SqlParser;
let model: TenantModel;
before(async () => {
  parser = await sqlParser();
  model = prismaModel(parser, SCHEMA, CONFIG);
});

const service = (body: string) => `import { PrismaClient } from "@prisma/client";
const prisma = new PrismaClient();
export class CollectionService {
  async getTeamMember(teamID: string, userUid: string) {
    return prisma.teamMember.findUnique({ where: { teamID_userUid: { teamID, userUid } } });
  }
${body}
}
`;

function flagged(body: string): string[] {
  return runFlow(parser, model, { "/p/src/collection.service.ts": service(body) }, { config: CONFIG }).flagged.map(
    (f) => f.replace(/^collection\.service\.ts:/, ""),
  );
}

describe("the user's membership in a row's tenant", () => {
  test("looked up inline or through a helper, a missing one throwing or returning: the row is checked", () => {
    assert.deepEqual(
      flagged(`  async inline(collectionID: string, userUid: string) {
    const collection = await prisma.teamCollection.findUniqueOrThrow({ where: { id: collectionID } });
    const member = await prisma.teamMember.findUnique({
      where: { teamID_userUid: { teamID: collection.teamID, userUid } },
    });
    if (!member) throw new Error("forbidden");
    await prisma.teamCollection.update({ where: { id: collection.id }, data: { title: "x" } });
    return collection;
  }
  async helper(collectionID: string, userUid: string) {
    const collection = await prisma.teamCollection.findUniqueOrThrow({ where: { id: collectionID } });
    const member = await this.getTeamMember(collection.teamID, userUid);
    if (!member) return { error: "TEAM_MEMBER_NOT_FOUND" };
    return { collection };
  }`),
      [],
    );
  });

  test("twins: a user the client named, the row's own user, a check that falls through, a list, a use before the check", () => {
    assert.deepEqual(
      flagged(`  async named(collectionID: string, input: { userUid: string }) {
    const collection = await prisma.teamCollection.findUniqueOrThrow({ where: { id: collectionID } });
    const member = await this.getTeamMember(collection.teamID, input.userUid);
    if (!member) throw new Error("forbidden");
    return collection;
  }
  async own(collectionID: string) {
    const collection = await prisma.teamCollection.findUniqueOrThrow({ where: { id: collectionID } });
    const member = await this.getTeamMember(collection.teamID, collection.title);
    if (!member) throw new Error("forbidden");
    return collection;
  }
  async logs(collectionID: string, userUid: string) {
    const collection = await prisma.teamCollection.findUniqueOrThrow({ where: { id: collectionID } });
    const member = await this.getTeamMember(collection.teamID, userUid);
    if (!member) console.warn("not a member");
    return collection;
  }
  async list(collectionID: string, userUid: string) {
    const collection = await prisma.teamCollection.findUniqueOrThrow({ where: { id: collectionID } });
    const members = await prisma.teamMember.findMany({ where: { teamID: collection.teamID, userUid } });
    if (!members) throw new Error("forbidden");
    return collection;
  }
  async usedFirst(collectionID: string, userUid: string) {
    const collection = await prisma.teamCollection.findUniqueOrThrow({ where: { id: collectionID } });
    console.log(collection.title);
    const member = await this.getTeamMember(collection.teamID, userUid);
    if (!member) throw new Error("forbidden");
    return collection;
  }`),
      [
        "8: findUniqueOrThrow({ where: { id: collectionID } })",
        "14: findUniqueOrThrow({ where: { id: collectionID } })",
        "20: findUniqueOrThrow({ where: { id: collectionID } })",
        "26: findUniqueOrThrow({ where: { id: collectionID } })",
        "32: findUniqueOrThrow({ where: { id: collectionID } })",
      ],
    );
  });
});

describe("a membership helper's row is still the scoped row it read", () => {
  test("its id, from a lookup by the tenant the caller holds, is an owned key", () => {
    assert.deepEqual(
      flagged(`  async promote(teamID: string, userUid: string) {
    const m = await this.getTeamMember(teamID, userUid);
    if (!m) throw new Error("not a member");
    await prisma.teamMember.update({ where: { id: m.id }, data: { teamID } });
  }`),
      [],
    );
  });
});

describe("the user's own memberships, by a user column named userUid", () => {
  test("read by the session's user: no finding; by a user the client named: flagged", () => {
    assert.deepEqual(
      flagged(`  async mine(ctx: { user: { id: string } }, input: { userUid: string }) {
    await prisma.teamMember.findMany({ where: { userUid: ctx.user.id } });
    return prisma.teamMember.findMany({ where: { userUid: input.userUid } });
  }`),
      ["9: findMany({ where: { userUid: input.userUid } })"],
    );
  });
});

describe("a membership helper in another file, imported by a path from the project's baseUrl", () => {
  const TEAM = `import { PrismaClient } from "@prisma/client";
const prisma = new PrismaClient();
export class TeamService {
  async getTeamMember(teamID: string, userUid: string) {
    try {
      const member = await prisma.teamMember.findUnique({ where: { teamID_userUid: { teamID, userUid } } });
      if (!member) return null;
      return { membershipID: member.id, userUid };
    } catch (e) {
      return null;
    }
  }
  async anyMember(teamID: string, userUid: string) {
    const member = await prisma.teamMember.findUnique({ where: { teamID_userUid: { teamID, userUid } } });
    return { membershipID: member?.id, userUid };
  }
}
`;
  const collection = (helper: string) => `import { PrismaClient } from "@prisma/client";
import { TeamService } from "src/team/team.service";
const prisma = new PrismaClient();
export class CollectionService {
  constructor(private readonly teamService: TeamService) {}
  async getCollectionForCLI(collectionID: string, userUid: string) {
    const collection = await prisma.teamCollection.findUniqueOrThrow({ where: { id: collectionID } });
    const member = await this.teamService.${helper}(collection.teamID, userUid);
    if (!member) return { error: "TEAM_MEMBER_NOT_FOUND" };
    return { collection };
  }
}
`;
  const run = (helper: string) =>
    runFlow(
      parser,
      model,
      { "/p/src/team/team.service.ts": TEAM, "/p/src/collection/collection.service.ts": collection(helper) },
      { config: CONFIG },
    ).flagged;

  test("a helper that returns something only once the lookup found a row checks the caller's row", () => {
    assert.deepEqual(run("getTeamMember"), []);
  });

  test("twin: a helper that returns something whether or not the user is a member", () => {
    assert.deepEqual(run("anyMember"), [
      "collection/collection.service.ts:7: findUniqueOrThrow({ where: { id: collectionID } })",
    ]);
  });
});

describe("an access helper that looks up a project, then the user's membership in its organisation", () => {
  const HIERARCHY = `
datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}
model Organization {
  id       String    @id
  members  Member[]
  projects Project[]
}
model Member {
  id             String       @id
  userId         String
  organizationId String
  organization   Organization @relation(fields: [organizationId], references: [id])
}
model Project {
  id             String       @id
  organizationId String
  organization   Organization @relation(fields: [organizationId], references: [id])
  dashboards     Dashboard[]
}
model Dashboard {
  id        String  @id
  name      String
  projectId String
  project   Project @relation(fields: [projectId], references: [id])
}
`;
  const HCONFIG = { tenantColumns: ["organizationId", "projectId"], schema: { prisma: ["prisma/schema.prisma"] } };
  let hmodel: TenantModel;
  before(() => {
    hmodel = prismaModel(parser, HIERARCHY, HCONFIG);
  });

  const ACCESS = `import { PrismaClient } from "@prisma/client";
const db = new PrismaClient();
export async function projectAccess({ userId, projectId }: { userId: string; projectId: string }) {
  const project = await db.project.findUnique({ where: { id: projectId } });
  if (!project) return false;
  return db.member.findFirst({ where: { userId, organizationId: project.organizationId } });
}
export async function dashboardAccess({ userId, dashboardId }: { userId: string; dashboardId: string }) {
  const dashboard = await db.dashboard.findFirst({ where: { id: dashboardId } });
  if (!dashboard) return false;
  return projectAccess({ userId, projectId: dashboard.projectId });
}
`;
  const router = (body: string) => `import { PrismaClient } from "@prisma/client";
import { dashboardAccess, projectAccess } from "./access";
const db = new PrismaClient();
export async function handler(ctx: { userId: string }, input: { id: string; projectId: string; name: string }) {
${body}
}
`;
  const run = (body: string) =>
    runFlow(parser, hmodel, { "/p/src/access.ts": ACCESS, "/p/src/router.ts": router(body) }, { config: HCONFIG })
      .flagged;

  test("the row's project, or the key itself, handed to the helper and a missing answer throwing: proven", () => {
    assert.deepEqual(
      run(`  const dashboard = await db.dashboard.findUniqueOrThrow({ where: { id: input.id } });
  const access = await projectAccess({ userId: ctx.userId, projectId: dashboard.projectId });
  if (!access) throw new Error("forbidden");
  await db.dashboard.update({ where: { id: input.id }, data: { name: input.name } });
  const other = await dashboardAccess({ userId: ctx.userId, dashboardId: input.id });
  if (!other) throw new Error("forbidden");
  await db.dashboard.delete({ where: { id: input.id } });`),
      [],
    );
  });

  test("twins: the answer only logged, or the check made on a project the client named", () => {
    assert.deepEqual(
      run(`  const dashboard = await db.dashboard.findUniqueOrThrow({ where: { id: input.id } });
  const access = await projectAccess({ userId: ctx.userId, projectId: dashboard.projectId });
  console.log(access);
  await db.dashboard.update({ where: { id: input.id }, data: { name: input.name } });
  const other = await projectAccess({ userId: ctx.userId, projectId: input.projectId });
  if (!other) throw new Error("forbidden");
  await db.dashboard.delete({ where: { id: input.id } });`),
      [
        "router.ts:5: findUniqueOrThrow({ where: { id: input.id } })",
        "router.ts:8: update({ where: { id: input.id }, data: { name: input.name } })",
        "router.ts:11: delete({ where: { id: input.id } })",
      ],
    );
  });

  test("inside the helper, a row read only for the tenant of the lookup it returns is no leak", () => {
    const r = runFlow(parser, hmodel, { "/p/src/access.ts": ACCESS }, { config: HCONFIG });
    assert.deepEqual(r.flagged, []);
    assert.ok(
      r.proofs.some((p) =>
        p.includes("only the row's projectId is read, for the membership lookup returned on line 11"),
      ),
      r.proofs.join("\n"),
    );
  });
});

describe("a data-layer read of a user's memberships, judged at its calls", () => {
  const LIB = `import { PrismaClient } from "@prisma/client";
const prisma = new PrismaClient();
export async function teamsOf(userUid: string) {
  return prisma.teamMember.findMany({ where: { userUid } });
}
`;
  const run = (caller: string) =>
    runFlow(
      parser,
      model,
      {
        "/p/src/lib/teams.ts": LIB,
        "/p/src/routes/me.ts": `import { teamsOf } from "../lib/teams";\n${caller}`,
      },
      { config: CONFIG },
    ).flagged;

  test("every call passes the signed-in user's id: no finding", () => {
    assert.deepEqual(
      run(`export const mine = (ctx: { user: { id: string } }) => teamsOf(ctx.user.id);
export async function viaSession(session: { user: { id: string } }) {
  return teamsOf(session.user.id);
}`),
      [],
    );
  });

  test("twin: one call passes a user the request named", () => {
    assert.deepEqual(
      run(`export const mine = (ctx: { user: { id: string } }) => teamsOf(ctx.user.id);
export const theirs = (input: { userUid: string }) => teamsOf(input.userUid);`),
      ["lib/teams.ts:4: findMany({ where: { userUid } })"],
    );
  });
});

// hoppscotch's getTeamOfCollection / getTeamOfRequestFromID: a helper reads a row by id with its
// `team` and hands back only the team (`return c?.team ?? null`, `E.right(c.team)`); the caller
// checks that team (the asking user's membership in it, or its id against the tenant).
describe("a row's tenant row (`row.team`), handed back by a helper and checked by the caller", () => {
  const helpers = `  async teamOf(collectionID: string) {
    const c = await prisma.teamCollection.findUnique({ where: { id: collectionID }, include: { team: true } });
    return c?.team ?? null;
  }
  async teamOrLeft(collectionID: string) {
    const c = await prisma.teamCollection.findUnique({ where: { id: collectionID }, include: { team: true } });
    if (!c) return E.left("not_found");
    return E.right(c.team);
  }
`;
  const run = (body: string) => flagged(helpers + body).map((f) => f.replace(/: .*/, ""));

  test("the membership looked up in `row.team.id` inline, or in the helper's team; the team's id compared with the tenant", () => {
    assert.deepEqual(
      run(`  async inline(collectionID: string, userUid: string) {
    const c = await prisma.teamCollection.findUniqueOrThrow({ where: { id: collectionID }, include: { team: true } });
    const member = await this.getTeamMember(c.team.id, userUid);
    if (!member) throw new Error("forbidden");
    return c;
  }
  async byHelper(collectionID: string, userUid: string) {
    const team = await this.teamOf(collectionID);
    if (!team) throw new Error("not found");
    const member = await this.getTeamMember(team.id, userUid);
    if (!member) throw new Error("forbidden");
    return prisma.teamCollection.update({ where: { id: collectionID }, data: { title: "x" } });
  }
  async either(teamID: string, collectionID: string) {
    const team = await this.teamOrLeft(collectionID);
    if (E.isLeft(team)) return team;
    if (team.right.id !== teamID) return E.left("forbidden");
    return prisma.teamCollection.delete({ where: { id: collectionID } });
  }`),
      [],
    );
  });

  test("twins: a call that never checks the team, a relation that is not the tenant, the membership of a user the client named", () => {
    assert.deepEqual(
      run(`  async parentOf(collectionID: string) {
    const c = await prisma.teamCollection.findUnique({ where: { id: collectionID }, include: { parent: true } });
    return c?.parent ?? null;
  }
  async unchecked(collectionID: string) {
    const team = await this.teamOf(collectionID);
    return team?.id;
  }
  async parent(teamID: string, collectionID: string) {
    const parent = await this.parentOf(collectionID);
    if (!parent || parent.id !== teamID) throw new Error("forbidden");
    return prisma.teamCollection.delete({ where: { id: collectionID } });
  }
  async named(collectionID: string, input: { userUid: string }) {
    const c = await prisma.teamCollection.findUniqueOrThrow({ where: { id: collectionID }, include: { team: true } });
    const member = await this.getTeamMember(c.team.id, input.userUid);
    if (!member) throw new Error("forbidden");
    return c;
  }`),
      ["8", "12", "17", "27", "30"],
    );
  });
});

// hoppscotch's findRequestAndNextRequest: a validator reads the parent with the tenant and returns
// `E.left(...)` when it is missing, `E.right(row)` otherwise; the caller's `if (E.isLeft(r)) return`.
describe("a scoped read handed back as an Either: a Left that ends the path proves the key handed in", () => {
  const run = (test: string, missing = 'if (!c) return E.left("not_found");') =>
    flagged(`  async check(teamID: string, collectionID: string) {
    const c = await prisma.teamCollection.findFirst({ where: { id: collectionID, teamID } });
    ${missing}
    return E.right(c);
  }
  async rename(teamID: string, collectionID: string) {
    const ok = await this.check(teamID, collectionID);
    ${test}
    return prisma.teamCollection.update({ where: { id: collectionID }, data: { title: "x" } });
  }`).map((f) => f.replace(/: .*/, ""));

  test('`E.isLeft(ok)`, `isLeft(ok)`, `ok._tag === "Left"` ending the path: proven', () => {
    assert.deepEqual(run("if (E.isLeft(ok)) return ok;"), []);
    assert.deepEqual(run("if (isLeft(ok)) return null;"), []);
    assert.deepEqual(run('if (ok._tag === "Left") throw new Error("not found");'), []);
  });

  test("twins: the result ignored, tested with `!ok` (a Left is an object too), only on a Right, or only logged", () => {
    assert.deepEqual(run(""), ["15"]);
    assert.deepEqual(run("if (!ok) return null;"), ["15"]);
    assert.deepEqual(run("if (E.isRight(ok)) return ok;"), ["15"]);
    assert.deepEqual(run('if (E.isLeft(ok)) console.warn("missing");'), ["15"]);
    // (review) a validator whose Right may wrap nothing: `isLeft` is false for `E.right(null)`.
    assert.deepEqual(run("if (E.isLeft(ok)) return ok;", ""), ["15"]);
    assert.deepEqual(run("if (E.isLeft(ok)) return ok;", 'if (!teamID) return E.left("no team");'), ["15"]);
  });
});

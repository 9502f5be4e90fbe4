// The signed-in user's own membership in a team (`TeamUser`, owned through `Team`, no tenant field):
// a lookup by the compound `teamId_userId` with the session's user id, inline or through a helper
// every call hands the session's user, reads only that user's row (formbricks' team roles).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { harness, PRISMA_CLIENT } from "../helpers/flow-run";

const SCHEMA = `
model Organization {
  id    String @id
  teams Team[]
}

model Team {
  id             String       @id
  organizationId String
  organization   Organization @relation(fields: [organizationId], references: [id])
  teamUsers      TeamUser[]
}

model TeamUser {
  teamId String
  team   Team   @relation(fields: [teamId], references: [id])
  userId String
  role   String

  @@id([teamId, userId])
}
`;

const h = harness({ files: { "/p/prisma/schema.prisma": SCHEMA }, config: { tenantColumns: ["organizationId"] } });

const LIB = `${PRISMA_CLIENT}export const getTeamRole = async (teamId: string, userId: string) => {
  const teamUser = await prisma.teamUser.findUnique({ where: { teamId_userId: { teamId, userId } } });
  return teamUser?.role ?? null;
};
`;

describe("the signed-in user's own membership, by a compound key", () => {
  test("inline with ctx.user.id, or through a helper every call hands the session's user", () => {
    const r = h.run({
      "/p/src/lib/roles.ts": LIB,
      "/p/src/actions/teams.ts": `${PRISMA_CLIENT}import { getTeamRole } from "../lib/roles";
export async function role(ctx: { user: { id: string } }, input: { teamId: string }) {
  await prisma.teamUser.findUnique({ where: { teamId_userId: { teamId: input.teamId, userId: ctx.user.id } } });
  return getTeamRole(input.teamId, ctx.user.id);
}
`,
    });
    assert.deepEqual(r.flagged, []);
  });

  test("twin: a user id from the request, inline or handed to the helper", () => {
    const r = h.run({
      "/p/src/lib/roles.ts": LIB,
      "/p/src/actions/teams.ts": `${PRISMA_CLIENT}import { getTeamRole } from "../lib/roles";
export async function role(ctx: { user: { id: string } }, input: { teamId: string; userId: string }) {
  await prisma.teamUser.findUnique({ where: { teamId_userId: { teamId: input.teamId, userId: input.userId } } });
  return getTeamRole(input.teamId, input.userId);
}
`,
    });
    assert.deepEqual(r.flagged, [
      "actions/teams.ts:5: findUnique({ where: { teamId_userId: { teamId: input.teamId, userId: input.userId } } })",
      "lib/roles.ts:4: findUnique({ where: { teamId_userId: { teamId, userId } } })",
    ]);
  });
});

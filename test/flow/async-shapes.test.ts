// jitsu's console: a lookup guarded without await (the promise is always truthy, so the guard
// ends no path), a row picked by `?:` between two scoped reads or by `x && (await read)`, and the
// client a method named for it hands out (`db.prisma().link`). Each safe case beside its twin.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { TenantModel } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { runFlow } from "../helpers/flow-run";
import { sqlParser } from "../helpers/sql";
import { prismaModel } from "../orm/prisma-harness";

const SCHEMA = `datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}
model Link {
  id          String      @id
  workspaceId String
  data        String
  states      LinkState[]
}
model LinkState {
  id     String @id
  linkId String
  link   Link   @relation(fields: [linkId], references: [id])
}
`;
const CONFIG = { tenantColumns: ["workspaceId"] };

let parser: SqlParser;
let model: TenantModel;
before(async () => {
  parser = await sqlParser();
  model = prismaModel(parser, SCHEMA, CONFIG);
});

const flagged = (body: string, client = "prisma") =>
  runFlow(
    parser,
    model,
    {
      "/p/src/links.ts": `import { PrismaClient } from "@prisma/client";
import { db } from "./db";
const prisma = new PrismaClient();
export async function handler(workspaceId: string, body: { id?: string; toId: string; type: string; data: string }) {
${body.replaceAll("CLIENT", client)}
}`,
    },
    { config: CONFIG },
  ).flagged;

describe("a lookup that guards a path only when awaited", () => {
  test("awaited: its key is looked up by the scoped read, and the child read by it is proven", () => {
    assert.deepEqual(
      flagged(`  const sync = await CLIENT.link.findFirst({ where: { workspaceId, id: body.toId } });
  if (!sync) throw new Error("sync not found");
  return CLIENT.linkState.findMany({ where: { linkId: body.toId } });`),
      [],
    );
  });

  test("twin: without await the guard tests a promise, which is never empty", () => {
    assert.deepEqual(
      flagged(`  const sync = CLIENT.link.findFirst({ where: { workspaceId, id: body.toId } });
  if (!sync) throw new Error("sync not found");
  return CLIENT.linkState.findMany({ where: { linkId: body.toId } });`),
      ["links.ts:7: findMany({ where: { linkId: body.toId } })"],
    );
  });
});

describe("a row picked between scoped reads", () => {
  const pick = (second: string) => `  const existing = body.type === "push"
    ? await CLIENT.link.findFirst({ where: { workspaceId, id: body.toId } })
    : ${second};
  if (existing) await CLIENT.link.update({ where: { id: existing.id }, data: { data: body.data } });`;

  test("`?:` of two scoped reads: the row is the tenant's", () => {
    assert.deepEqual(flagged(pick(`await CLIENT.link.findFirst({ where: { workspaceId, id: body.id } })`)), []);
  });

  test("`x && (await scoped read)` is not followed: with `x` an empty string the row's `id` is undefined, and Prisma drops the filter", () => {
    assert.deepEqual(
      flagged(`  const existing: any = body.id && (await CLIENT.link.findFirst({ where: { id: body.id, workspaceId } }));
  await CLIENT.link.deleteMany({ where: { id: existing.id } });`),
      ["links.ts:6: deleteMany({ where: { id: existing.id } })"],
    );
  });

  test("twins: one branch unscoped, or `x && (await read by id only)`", () => {
    assert.deepEqual(flagged(pick(`await CLIENT.link.findFirst({ where: { id: body.id } })`)), [
      "links.ts:7: findFirst({ where: { id: body.id } })",
      "links.ts:8: update({ where: { id: existing.id }, data: { data: body.data } })",
    ]);
    assert.deepEqual(
      flagged(`  const existing = body.id && (await CLIENT.link.findFirst({ where: { id: body.id } }));
  if (existing) await CLIENT.link.update({ where: { id: existing.id }, data: { data: body.data } });`),
      [
        "links.ts:5: findFirst({ where: { id: body.id } })",
        "links.ts:6: update({ where: { id: existing.id }, data: { data: body.data } })",
      ],
    );
  });
});

describe("the client a method named for it hands out (`db.prisma()`)", () => {
  test("is checked as the client: a read by id only is flagged, a scoped one is not", () => {
    assert.deepEqual(
      flagged(
        `  await CLIENT.link.findFirst({ where: { id: body.toId } });
  await CLIENT.link.findFirst({ where: { id: body.toId, workspaceId } });`,
        "db.prisma()",
      ),
      ["links.ts:5: findFirst({ where: { id: body.toId } })"],
    );
  });
});

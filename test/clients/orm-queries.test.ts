// unscoped-client on ORM queries that carry the tenant predicate (so no predicate finding would
// point at them): Drizzle, Kysely and Knex here, Prisma in the row-level fixture app.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import ts from "typescript";
import { analyzeSourceFile } from "../../server/src/analyzer/analyze";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { summarizeFindings } from "../helpers/analyze";
import { sqlParser, testModel } from "../helpers/sql";

let parser: SqlParser;
before(async () => {
  parser = await sqlParser();
});

const clients = { scoped: ["tenantDb", "withTenant"], unscoped: ["db"], allowUnscopedIn: [] };

function rules(text: string, isolation: "row" | "rls" = "row") {
  const sourceFile = ts.createSourceFile("/p/src/orders.ts", text, ts.ScriptTarget.Latest, true);
  const findings = analyzeSourceFile({
    ts,
    sourceFile,
    config: resolveConfig({ clients, isolation }, "/p", undefined),
    model: testModel(),
    parser,
    relativePath: "src/orders.ts",
  });
  return summarizeFindings(text, findings).map(({ rule, at }) => ({ rule, at }));
}

const DRIZZLE = `import { drizzle } from "drizzle-orm/node-postgres";\nimport { and, eq } from "drizzle-orm";\nimport { orders } from "./schema";\nconst db = drizzle(process.env.DATABASE_URL!);\n`;
const KYSELY = `import { Kysely } from "kysely";\nconst db = new Kysely<DB>({ dialect });\n`;

describe("Drizzle", () => {
  it("the root client with a tenant predicate is unscoped-client", () =>
    assert.deepEqual(
      rules(
        `${DRIZZLE}export const list = (tenantId: string) => db.select().from(orders).where(eq(orders.tenantId, tenantId));`,
      ),
      [{ rule: "unscoped-client", at: "db" }],
    ));
  it("the root client without one gets both", () =>
    assert.deepEqual(
      rules(`${DRIZZLE}export const list = () => db.select().from(orders);`).map((f) => f.rule),
      ["unscoped-client", "missing-tenant-filter"],
    ));
  it("the tx of a scoped wrapper needs nothing", () =>
    assert.deepEqual(
      rules(`${DRIZZLE}export const list = (id: string) => withTenant(id, (tx) => tx.select().from(orders));`),
      [],
    ));
});

describe("Kysely", () => {
  it("the root client with a tenant predicate is unscoped-client", () =>
    assert.deepEqual(
      rules(
        `${KYSELY}export const list = (tenantId: string) => db.selectFrom("orders").where("tenant_id", "=", tenantId).selectAll().execute();`,
      ),
      [{ rule: "unscoped-client", at: "db" }],
    ));
  it("a global table is fine", () =>
    assert.deepEqual(rules(`${KYSELY}export const plans = () => db.selectFrom("plans").selectAll().execute();`), []));
});

describe("Knex", () => {
  const KNEX = `import knex from "knex";\nconst db = knex({ client: "pg" });\n`;
  it("the root client with a tenant predicate is unscoped-client", () =>
    assert.deepEqual(
      rules(`${KNEX}export const list = (tenantId: string) => db("orders").where({ tenant_id: tenantId });`),
      [{ rule: "unscoped-client", at: "db" }],
    ));
  it("a scoped client needs nothing", () =>
    assert.deepEqual(rules(`${KNEX}export const list = () => tenantDb("orders").select("id");`), []));
});

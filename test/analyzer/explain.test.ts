// How a safe query was proven (explain.ts): the proof kind, its words and its evidence, for
// each ORM's predicate shape, a scoped client and raw SQL; and the hint on missing-tenant-filter.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import ts from "typescript";
import { analyzeSourceFile } from "../../server/src/analyzer/analyze";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import type { ConfigFile } from "../../server/src/analyzer/config/types";
import { PROOF_HINT, proofHoverText, proofsAt, withProofHint } from "../../server/src/analyzer/explain";
import type { TenantModel } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import type { Finding, Proof } from "../../server/src/analyzer/types";
import { discoverTenantModel } from "../../server/src/analyzer/model/discover";
import { createMemoryFs } from "../helpers/memory-fs";
import { sqlParser } from "../helpers/sql";
import { builderModel } from "../orm/builders";
import { prismaModel } from "../orm/prisma-harness";

let parser: SqlParser;
before(async () => {
  parser = await sqlParser();
});

function explain(text: string, model: TenantModel, config: ConfigFile = {}): { proofs: Proof[]; findings: Finding[] } {
  const sourceFile = ts.createSourceFile("/p/src/file.ts", text, ts.ScriptTarget.Latest, true);
  const proofs: Proof[] = [];
  const findings = analyzeSourceFile({
    ts,
    sourceFile,
    config: resolveConfig({ tenantColumns: ["tenant_id"], ...config }, "/p", undefined),
    model,
    parser,
    relativePath: "src/file.ts",
    proofs,
  });
  return { proofs, findings };
}

/** `kind table: message [evidence text]` per proof, and the text the proof sits on. */
function brief(text: string, proofs: readonly Proof[]): string[] {
  return proofs.map((p) => {
    const evidence = p.evidence ? ` [${text.slice(p.evidence.start, p.evidence.end)}]` : "";
    return `${p.kind} ${p.table} @${text.slice(p.start, p.end).split("(")[0]}: ${p.message}${evidence}`;
  });
}

const ORDER_ENTITY = `import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";
@Entity("orders")
export class Order {
  @PrimaryGeneratedColumn("uuid") id!: string;
  @Column({ name: "tenant_id" }) tenantId!: string;
}`;

/** orders (TypeORM entity Order, tenantId -> tenant_id). */
function typeormModel(): TenantModel {
  const fs = createMemoryFs({ "/p/src/entities/order.entity.ts": ORDER_ENTITY });
  return discoverTenantModel(fs, resolveConfig({ tenantColumns: ["tenant_id"] }, "/p", undefined), parser, ts).model;
}

const PRISMA = `import { PrismaClient } from "@prisma/client";\nconst prisma = new PrismaClient();\n`;
const DRIZZLE = `import { and, eq } from "drizzle-orm";\nimport { db } from "../db";\nimport { orders } from "../db/schema";\n`;
const KYSELY = `import { Kysely } from "kysely";\nimport { db } from "../db";\n`;
const KNEX = `import knex from "knex";\nconst db = knex({});\n`;
const PG = `import { Pool } from "pg";\nconst pool = new Pool();\n`;

interface Case {
  name: string;
  code: string;
  orm: "prisma" | "builder" | "typeorm";
  config?: ConfigFile;
  expect: string[];
  /** The rules of the findings the query gets (default: none: a proven query has no finding). */
  findings?: string[];
}

const cases: Case[] = [
  {
    name: "Prisma: the compound unique",
    orm: "prisma",
    code: `${PRISMA}export const f = (id: string, tenantId: string) => prisma.project.findUnique({ where: { id_tenantId: { id, tenantId } } });`,
    expect: [
      "predicate projects @prisma.project.findUnique: tenant predicate `id_tenantId: { id, tenantId }` [id_tenantId: { id, tenantId }]",
    ],
  },
  {
    name: "Prisma: a where held in a const",
    orm: "prisma",
    code: `${PRISMA}export function f(tenantId: string) {\n  const where = { tenantId, name: "a" };\n  return prisma.project.findMany({ where });\n}`,
    expect: ["predicate projects @prisma.project.findMany: tenant predicate `tenantId` [tenantId]"],
  },
  {
    name: "Prisma: a lookup of which tenant owns a row",
    orm: "prisma",
    code: `${PRISMA}export const f = (id: string) => prisma.invoice.findUnique({ where: { id }, select: { tenantId: true } });`,
    expect: [
      "owner-lookup invoices @prisma.invoice.findUnique: reads only which tenant owns the row: `select: { tenantId: true }` [select: { tenantId: true }]",
    ],
  },
  {
    name: "Prisma: an existence check (a slug free across tenants): only the id selected, only its presence tested",
    orm: "prisma",
    code: `${PRISMA}export async function f(number: string) {\n  const taken = await prisma.invoice.findFirst({ where: { number }, select: { id: true } });\n  if (taken) throw new Error("number in use");\n  return Boolean(await prisma.invoice.findUnique({ where: { id: number }, select: { id: true } }));\n}`,
    expect: [
      "owner-lookup invoices @prisma.invoice.findFirst: reads only whether a row exists: `select: { id: true }` [select: { id: true }]",
      "owner-lookup invoices @prisma.invoice.findUnique: reads only whether a row exists: `select: { id: true }` [select: { id: true }]",
    ],
  },
  {
    name: "Prisma: an existence check that selects the whole row, only its presence tested (papermark's slug check)",
    orm: "prisma",
    code: `${PRISMA}export async function f(number: string) {\n  const taken = await prisma.invoice.findFirst({ where: { number } });\n  if (taken) throw new Error("number in use");\n  if (await prisma.invoice.findUnique({ where: { id: number }, include: { lines: true } })) return 409;\n}`,
    expect: [
      "owner-lookup invoices @prisma.invoice.findFirst: reads only whether a row exists: `prisma.invoice.findFirst({ where: { number } })` [prisma.invoice.findFirst({ where: { number } })]",
      "owner-lookup invoices @prisma.invoice.findUnique: reads only whether a row exists: `prisma.invoice.findUnique({ where: { id: number }, include: { lines: true } })` [prisma.invoice.findUnique({ where: { id: number }, include: { lines: true } })]",
    ],
  },
  {
    name: "Prisma: a count only compared with zero is an existence check (typebot's publicId availability)",
    orm: "prisma",
    code: `${PRISMA}export async function f(number: string) {\n  const same = await prisma.invoice.count({ where: { number } });\n  return same > 0;\n}\nexport async function g(number: string) {\n  if ((await prisma.invoice.count({ where: { number } })) === 0) return "free";\n}`,
    expect: [
      "owner-lookup invoices @prisma.invoice.count: reads only whether a row exists: `prisma.invoice.count({ where: { number } })` [prisma.invoice.count({ where: { number } })]",
      "owner-lookup invoices @prisma.invoice.count: reads only whether a row exists: `prisma.invoice.count({ where: { number } })` [prisma.invoice.count({ where: { number } })]",
    ],
  },
  {
    name: "twins: a count handed back or compared with another number; a write by the key it tested keeps its own finding",
    orm: "prisma",
    code: `${PRISMA}export async function f(number: string) {\n  return prisma.invoice.count({ where: { number } });\n}\nexport async function g(status: string) {\n  const n = await prisma.invoice.count({ where: { status } });\n  return n > 10;\n}\nexport async function h(id: string) {\n  if ((await prisma.invoice.count({ where: { id } })) === 0) throw new Error("not found");\n  await prisma.invoice.delete({ where: { id } });\n}`,
    expect: [
      "owner-lookup invoices @prisma.invoice.count: reads only whether a row exists: `prisma.invoice.count({ where: { id } })` [prisma.invoice.count({ where: { id } })]",
    ],
    findings: ["missing-tenant-filter", "missing-tenant-filter", "missing-tenant-filter"],
  },
  {
    name: "an existence check whose where holds the tenant only under OR says it is one, not a tenant predicate",
    orm: "prisma",
    code: `${PRISMA}export async function f(id: string, tenantId: string) {\n  const found = await prisma.invoice.findFirst({ where: { id, OR: [{ tenantId }, { number: "shared" }] } });\n  if (found) return true;\n  return false;\n}`,
    expect: [
      'owner-lookup invoices @prisma.invoice.findFirst: reads only whether a row exists: `prisma.invoice.findFirst({ where: { id, OR: [{ tenantId }, { number: "shared" }] } })` [prisma.invoice.findFirst({ where: { id, OR: [{ tenantId }, { number: "shared" }] } })]',
    ],
  },
  {
    name: "twin: the whole row handed back through `||` (another tenant's row escapes)",
    orm: "prisma",
    code: `${PRISMA}export async function f(id: string) {\n  const invoice = await prisma.invoice.findFirst({ where: { id } });\n  return invoice || null;\n}\nexport async function g(number: string) {\n  return (await prisma.invoice.findFirst({ where: { number }, include: { lines: true } })) || undefined;\n}\nexport async function h(number: string) {\n  if ((await prisma.invoice.findFirst({ where: { number } })) || number === "x") throw new Error("taken");\n}`,
    expect: [
      "owner-lookup invoices @prisma.invoice.findFirst: reads only whether a row exists: `prisma.invoice.findFirst({ where: { number } })` [prisma.invoice.findFirst({ where: { number } })]",
    ],
    findings: ["missing-tenant-filter", "missing-tenant-filter"],
  },
  {
    name: "twin: the whole row tested for presence and then handed back",
    orm: "prisma",
    code: `${PRISMA}export async function f(number: string) {\n  const row = await prisma.invoice.findFirst({ where: { number } });\n  if (!row) throw new Error("not found");\n  return row;\n}`,
    expect: [],
    findings: ["missing-tenant-filter"],
  },
  {
    name: "twin: an existence check proves no key: a delete by the id it looked up stays flagged",
    orm: "prisma",
    code: `${PRISMA}export async function f(id: string) {\n  const found = await prisma.invoice.findUnique({ where: { id }, select: { id: true } });\n  if (!found) throw new Error("not found");\n  await prisma.invoice.delete({ where: { id } });\n}`,
    expect: [
      "owner-lookup invoices @prisma.invoice.findUnique: reads only whether a row exists: `select: { id: true }` [select: { id: true }]",
    ],
    findings: ["missing-tenant-filter"],
  },
  {
    name: "twin: the id handed back, used as a key, or more than the id selected",
    orm: "prisma",
    code: `${PRISMA}export async function f(number: string) {\n  const taken = await prisma.invoice.findFirst({ where: { number }, select: { id: true } });\n  if (!taken) return null;\n  await audit(taken);\n  const row = await prisma.invoice.findFirst({ where: { number }, select: { id: true } });\n  console.log(row.id);\n  return prisma.invoice.findFirst({ where: { number }, select: { id: true, total: true } });\n}`,
    expect: [],
    findings: ["missing-tenant-filter", "missing-tenant-filter", "missing-tenant-filter"],
  },
  {
    name: "Prisma: a relation filter to the scoped parent",
    orm: "prisma",
    code: `${PRISMA}export const f = (tenantId: string) => prisma.task.findMany({ where: { project: { tenantId } } });`,
    expect: [
      "parent tasks @prisma.task.findMany: owned through its scoped parent `project: { tenantId }` [project: { tenantId }]",
    ],
  },
  {
    name: "Prisma: shared or owned rows",
    orm: "prisma",
    code: `${PRISMA}export const f = (tenantId: string) => prisma.note.findMany({ where: { OR: [{ tenantId: null }, { tenantId }] } });`,
    expect: [
      "shared-or-owned notes @prisma.note.findMany: shared or owned rows only `OR: [{ tenantId: null }, { tenantId }]` [OR: [{ tenantId: null }, { tenantId }]]",
    ],
  },
  {
    name: "Prisma: a create sets the tenant",
    orm: "prisma",
    code: `${PRISMA}export const f = (tenantId: string) => prisma.project.create({ data: { name: "x", tenantId } });`,
    expect: ["predicate projects @prisma.project.create: tenant set on write `tenantId` [tenantId]"],
  },
  {
    name: "Prisma: a select of the tenant field is not the evidence",
    orm: "prisma",
    code: `${PRISMA}export const f = (id: string, tenantId: string) => prisma.project.findFirst({ select: { tenantId: true }, where: { id, tenantId } });`,
    expect: ["predicate projects @prisma.project.findFirst: tenant predicate `tenantId` [tenantId]"],
  },
  {
    name: "Drizzle: eq on the tenant column",
    orm: "builder",
    code: `${DRIZZLE}export const f = (id: string, tenantId: string) => db.select().from(orders).where(and(eq(orders.id, id), eq(orders.tenantId, tenantId)));`,
    expect: [
      "predicate orders @db.select: tenant predicate `eq(orders.tenantId, tenantId)` [eq(orders.tenantId, tenantId)]",
    ],
  },
  {
    name: "Kysely: where('tenant_id', ...), from the method name on",
    orm: "builder",
    code: `${KYSELY}export const f = (id: string, tenantId: string) => db.selectFrom('orders').select(['id', 'tenant_id']).where('tenant_id', '=', tenantId).where('id', '=', id).execute();`,
    expect: [
      "predicate orders @db.selectFrom: tenant predicate `where('tenant_id', '=', tenantId)` [where('tenant_id', '=', tenantId)]",
    ],
  },
  {
    name: "Kysely: a chain continued from a variable",
    orm: "builder",
    code: `${KYSELY}export async function f(tenantId: string, status?: string) {\n  let q = db.selectFrom("orders").selectAll().where("tenant_id", "=", tenantId);\n  if (status) q = q.where("status", "=", status);\n  return q.orderBy("id").execute();\n}`,
    expect: [
      'predicate orders @q.orderBy: tenant predicate `where("tenant_id", "=", tenantId)` [where("tenant_id", "=", tenantId)]',
    ],
  },
  {
    name: "TypeORM: the query builder's where, around the createQueryBuilder call",
    orm: "typeorm",
    code: `import { AppDataSource } from "../data-source";\nimport { Order } from "../entities";\nexport const f = (tenantId: string) =>\n  AppDataSource.getRepository(Order).createQueryBuilder("o").where("o.tenantId = :tenantId", { tenantId }).getMany();`,
    expect: [
      'predicate orders @AppDataSource.getRepository: tenant predicate `where("o.tenantId = :tenantId", { tenantId })` [where("o.tenantId = :tenantId", { tenantId })]',
    ],
  },
  {
    name: "TypeORM: a query builder handed on (returned to another file) runs nowhere here: no proof is claimed for it",
    orm: "typeorm",
    code: `import { AppDataSource } from "../data-source";\nimport { Order } from "../entities";\nexport const byIds = (ids: string[]) =>\n  AppDataSource.getRepository(Order).createQueryBuilder("o").where("o.id IN (:...ids)", { ids });`,
    expect: [],
  },
  {
    name: "TypeORM: find with the tenant in where",
    orm: "typeorm",
    code: `import { AppDataSource } from "../data-source";\nimport { Order } from "../entities";\nconst orders = AppDataSource.getRepository(Order);\nexport const f = (id: string, tenantId: string) => orders.findOne({ where: { id, tenantId } });`,
    expect: ["predicate orders @orders.findOne: tenant predicate `tenantId` [tenantId]"],
  },
  {
    name: "Knex: where({ tenant_id })",
    orm: "builder",
    code: `${KNEX}export const f = (id: string, tenant_id: string) => db('orders').where({ tenant_id, id });`,
    expect: ["predicate orders @db: tenant predicate `tenant_id` [tenant_id]"],
  },
  {
    name: "SQL: a predicate and a join on the tenant column, each at its table reference",
    orm: "builder",
    code: `${PG}export const f = (tenantId: string) =>\n  pool.query(\`\n    SELECT * FROM orders o\n    JOIN order_items i ON i.order_id = o.id AND i.tenant_id = o.tenant_id\n    WHERE o.tenant_id = \${tenantId}\`);`,
    expect: [
      "predicate orders @orders: tenant predicate `o.tenant_id = ${tenantId}` [o.tenant_id = ${tenantId}]",
      "join order_items @order_items: joined on the tenant column to a scoped table `i.tenant_id = o.tenant_id` [i.tenant_id = o.tenant_id]",
    ],
  },
  {
    name: "SQL: shared or owned rows",
    orm: "builder",
    code: `${PG}export const f = (tenantId: string) => pool.query("SELECT * FROM customers c WHERE c.tenant_id IS NULL OR c.tenant_id = $1", [tenantId]);`,
    expect: [
      "shared-or-owned customers @customers: shared or owned rows only `c.tenant_id IS NULL OR c.tenant_id = $1` [c.tenant_id IS NULL OR c.tenant_id = $1]",
    ],
  },
  {
    name: "SQL through a scoped client: at the table reference, naming the client",
    orm: "builder",
    config: { clients: { scoped: ["tenantDb"] } },
    code: `import { tenantDb } from "./db";\nexport const f = (id: string) => tenantDb.query("SELECT * FROM orders WHERE id = $1", [id]);`,
    expect: ["scoped-client orders @orders: runs through the scoped client `tenantDb` [tenantDb]"],
  },
  {
    name: "a query with a finding has no proof",
    orm: "prisma",
    code: `${PRISMA}export const f = (id: string) => prisma.project.findUnique({ where: { id } });`,
    expect: [],
    findings: ["missing-tenant-filter"],
  },
  {
    name: "a query through an unscoped client has no proof, predicate or not",
    orm: "builder",
    config: { clients: { scoped: ["tenantDb"], unscoped: ["pool"] } },
    code: `${PG}export const f = (tenantId: string) => pool.query("SELECT * FROM orders WHERE tenant_id = $1", [tenantId]);`,
    expect: [],
    findings: ["unscoped-client"],
  },
];

describe("proofs of safe ORM and SQL queries", () => {
  for (const c of cases) {
    test(c.name, () => {
      const model =
        c.orm === "prisma" ? prismaModel(parser) : c.orm === "typeorm" ? typeormModel() : builderModel(parser);
      const { proofs, findings } = explain(c.code, model, c.config);
      assert.deepEqual(brief(c.code, proofs), c.expect);
      assert.deepEqual(
        findings.map((f) => f.ruleId),
        c.findings ?? [],
      );
    });
  }

  test("without a sink nothing changes: the same findings", () => {
    const code = `${PRISMA}export const f = (id: string) => prisma.project.findUnique({ where: { id } });\nexport const g = (tenantId: string) => prisma.project.findMany({ where: { tenantId } });`;
    const model = prismaModel(parser);
    const sourceFile = ts.createSourceFile("/p/src/file.ts", code, ts.ScriptTarget.Latest, true);
    const plain = analyzeSourceFile({
      ts,
      sourceFile,
      config: resolveConfig({ tenantColumns: ["tenant_id"] }, "/p", undefined),
      model,
      parser,
      relativePath: "src/file.ts",
    });
    assert.deepEqual(plain, explain(code, model).findings);
  });
});

describe("the hint on missing-tenant-filter", () => {
  test("says which ways to prove ownership exist, once, on that rule only", () => {
    const { findings } = explain(
      `${PG}export const f = () => pool.query("SELECT * FROM orders");`,
      builderModel(parser),
    );
    assert.equal(findings.length, 1);
    assert.ok(findings[0].message.endsWith(` ${PROOF_HINT}`), findings[0].message);
    assert.equal(withProofHint("missing-tenant-filter", findings[0].message), findings[0].message);
    assert.equal(withProofHint("weak-tenant-filter", "Weak."), "Weak.");
  });
});

describe("hover text", () => {
  test("the innermost proof under the offset first, in the same words everywhere", () => {
    const outer: Proof = {
      kind: "scoped-client",
      table: "orders",
      start: 0,
      end: 50,
      message: "runs through the scoped client `tx`",
    };
    const inner: Proof = {
      kind: "predicate",
      table: "orders",
      start: 10,
      end: 16,
      message: "tenant predicate `o.tenant_id = $1`",
    };
    assert.deepEqual(proofsAt([outer, inner], 12), [inner, outer]);
    assert.deepEqual(proofsAt([outer, inner], 16), [outer]);
    assert.deepEqual(proofsAt([outer, inner], 50), []);
    assert.equal(proofHoverText(inner), "tenantguard: scoped — tenant predicate `o.tenant_id = $1` (orders)");
  });
});

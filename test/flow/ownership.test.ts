// Ownership proven earlier in the same function: by-id queries whose key the flow has already
// tied to the tenant are not leaks; each safe pattern sits beside the unsafe twin that stays flagged.
// Prisma cases use prisma-harness's SCHEMA (Invoice, Project: tenantId); SQL cases use
// helpers/sql's testModel (orders: tenant_id, documents: org_id).
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { analyzeText, summarizeFindings } from "../helpers/analyze";
import { sqlParser } from "../helpers/sql";
import { analyzePrisma, prismaModel } from "../orm/prisma-harness";
import { runFlow } from "../helpers/flow-run";
import { modelOf } from "../helpers/model";

let parser: SqlParser;
before(async () => {
  parser = await sqlParser();
});

const PRISMA = `import { PrismaClient } from "@prisma/client";\nconst prisma = new PrismaClient();\n`;
const PG = `import { Pool } from "pg";\nconst pool = new Pool();\n`;
const PARAMS =
  "id: string, tenantId: string, input: { id: string; name: string; tenantId: string }, res: any, ctx: any";
const fn = (header: string, body: string) => `${header}export async function f(${PARAMS}) {\n${body}\n}\n`;

/** The missing-tenant-filter findings, by the text they underline. */
function prisma(body: string): string[] {
  const code = fn(PRISMA + PG, body);
  return missing(code, analyzePrisma(parser, code));
}
function sql(body: string): string[] {
  const code = fn(PG, body);
  return missing(code, analyzeText(parser, code));
}
function missing(code: string, findings: Parameters<typeof summarizeFindings>[1]): string[] {
  const all = summarizeFindings(code, findings);
  // A safe case must be safe because the flow proved it, not because another rule took over.
  assert.deepEqual(
    all.filter((f) => f.rule === "weak-tenant-filter" || f.rule === "dynamic-sql").map((f) => `${f.rule} ${f.at}`),
    [],
  );
  return all.filter((f) => f.rule === "missing-tenant-filter").map((f) => f.at);
}

type Case = [name: string, body: string, flagged: string[]];

const DELETE = "delete({ where: { id: doc.id } })";

describe("Prisma: a model without @@map (its table is the model name, any case)", () => {
  const schema = `model Doc {\n  id String @id\n  tenantId String\n  title String\n}\n`;
  const run = (body: string) => {
    const code = fn(PRISMA, body);
    return missing(code, analyzePrisma(parser, code, { model: prismaModel(parser, schema) }));
  };
  test("an ownership check that throws proves the row and its key", () => {
    assert.deepEqual(
      run(`const doc = await prisma.doc.findUnique({ where: { id } });
if (!doc || doc.tenantId !== tenantId) throw new Error("forbidden");
await prisma.doc.update({ where: { id: doc.id }, data: { title: "x" } });
await prisma.doc.delete({ where: { id } });`),
      [],
    );
  });
  test("twin: without the check, both stay flagged", () => {
    assert.deepEqual(
      run(`const doc = await prisma.doc.findUnique({ where: { id } });
await prisma.doc.delete({ where: { id } });`),
      ["findUnique({ where: { id } })", "delete({ where: { id } })"],
    );
  });
});

describe("Prisma: ownership proven earlier in the flow", () => {
  const cases: Case[] = [
    [
      "id of a row a scoped read returned",
      `const doc = await prisma.invoice.findFirst({ where: { id, tenantId } });
if (!doc) throw new Error("not found");
await prisma.invoice.delete({ where: { id: doc.id } });`,
      [],
    ],
    [
      "the key a scoped read found, used inside the branch that runs when it found the row",
      `const doc = await prisma.invoice.findFirst({ where: { id, tenantId } });
if (doc && input.name) {
  await prisma.invoice.delete({ where: { id } });
}`,
      [],
    ],
    [
      "twin: the same key after the branch, in its else, or behind an OR",
      `const doc = await prisma.invoice.findFirst({ where: { id, tenantId } });
if (doc) {
  console.log("found");
} else {
  await prisma.invoice.update({ where: { id }, data: { status: "new" } });
}
if (doc || input.name) await prisma.invoice.update({ where: { id }, data: { status: "x" } });
await prisma.invoice.delete({ where: { id } });`,
      [
        'update({ where: { id }, data: { status: "new" } })',
        'update({ where: { id }, data: { status: "x" } })',
        "delete({ where: { id } })",
      ],
    ],
    [
      "every element of a list checked in a loop that leaves on a miss: the list is the tenant's keys",
      `const ids = input.ids as string[];
for (const one of ids) {
  const doc = await prisma.invoice.findFirst({ where: { id: one, tenantId } });
  if (!doc) throw new Error("not found");
}
await prisma.invoice.deleteMany({ where: { id: { in: ids } } });`,
      [],
    ],
    [
      "twin: a loop that can skip an element, or only logs a miss",
      `const ids = input.ids as string[];
for (const one of ids) {
  if (one === input.name) continue;
  const doc = await prisma.invoice.findFirst({ where: { id: one, tenantId } });
  if (!doc) throw new Error("not found");
}
await prisma.invoice.deleteMany({ where: { id: { in: ids } } });
for (const one of input.others) {
  const doc = await prisma.invoice.findFirst({ where: { id: one, tenantId } });
  if (!doc) console.warn("not found");
}
await prisma.invoice.deleteMany({ where: { id: { in: input.others } } });`,
      ["deleteMany({ where: { id: { in: ids } } })", "deleteMany({ where: { id: { in: input.others } } })"],
    ],
    [
      "checks in an if / else-if chain whose branches each end the path hold after it",
      `const doc = await prisma.invoice.findUnique({ where: { id } });
if (!doc) return res.status(404);
else if (doc.tenantId !== tenantId) return res.status(403);
await prisma.invoice.delete({ where: { id } });
const other = await prisma.invoice.findFirst({ where: { id: input.id, tenantId } });
if (!other) {
  throw new Error("not found");
} else {
  console.log("found");
}
await prisma.invoice.delete({ where: { id: input.id } });`,
      [],
    ],
    [
      "twin: an else-if that only logs, or a check inside an else-if after a branch that goes on",
      `const doc = await prisma.invoice.findUnique({ where: { id } });
if (!doc) return res.status(404);
else if (doc.tenantId !== tenantId) console.warn("other tenant");
await prisma.invoice.delete({ where: { id } });
const other = await prisma.invoice.findUnique({ where: { id: input.id } });
if (input.name) console.log(input.name);
else if (other?.tenantId !== tenantId) return res.status(403);
await prisma.invoice.delete({ where: { id: input.id } });`,
      ["findUnique({ where: { id } })", "delete({ where: { id } })", "delete({ where: { id: input.id } })"],
    ],
    [
      "twin: id of a row an unscoped read returned",
      `const doc = await prisma.invoice.findFirst({ where: { id } });
if (!doc) throw new Error("not found");
await prisma.invoice.delete({ where: { id: doc.id } });`,
      ["findFirst({ where: { id } })", DELETE],
    ],
    [
      "twin: id proven for projects used on invoices",
      `const doc = await prisma.project.findFirst({ where: { id, tenantId } });
if (!doc) throw new Error("not found");
await prisma.invoice.delete({ where: { id: doc.id } });`,
      [DELETE],
    ],
    [
      "every key checked against a Set of a scoped read's ids, a stranger throwing",
      `const mine = await prisma.invoice.findMany({ where: { tenantId } });
const allowed = new Set(mine.map((m) => m.id));
if (input.ids.some((key) => !allowed.has(key))) throw new Error("forbidden");
await Promise.all(input.ids.map((key) => prisma.invoice.delete({ where: { id: key } })));`,
      [],
    ],
    [
      "one key checked with has, or includes on the ids, or every",
      `const mine = await prisma.invoice.findMany({ where: { tenantId } });
const ids = mine.map((m) => m.id);
if (!new Set(ids).has(id)) throw new Error("forbidden");
await prisma.invoice.delete({ where: { id } });
if (!ids.includes(input.id)) throw new Error("forbidden");
await prisma.invoice.delete({ where: { id: input.id } });
if (!input.ids.every((key) => ids.includes(key))) throw new Error("forbidden");
await prisma.invoice.deleteMany({ where: { id: { in: input.ids } } });`,
      [],
    ],
    [
      "twins: a check that only logs, the wrong polarity, a Set of an unscoped read's ids",
      `const mine = await prisma.invoice.findMany({ where: { tenantId } });
const allowed = new Set(mine.map((m) => m.id));
if (input.ids.some((key) => !allowed.has(key))) console.warn("forbidden");
await prisma.invoice.deleteMany({ where: { id: { in: input.ids } } });
if (input.ids.some((key) => allowed.has(key))) throw new Error("taken");
await prisma.invoice.delete({ where: { id: input.id } });
const any = await prisma.invoice.findMany({ where: { status: "open" } });
if (!new Set(any.map((m) => m.id)).has(id)) throw new Error("forbidden");
await prisma.invoice.delete({ where: { id } });`,
      [
        "deleteMany({ where: { id: { in: input.ids } } })",
        "delete({ where: { id: input.id } })",
        'findMany({ where: { status: "open" } })',
        "delete({ where: { id } })",
      ],
    ],
    [
      "ids of one group of a scoped list (lodash groupBy, Object.groupBy); the twin groups an unscoped list",
      `const mine = await prisma.invoice.findMany({ where: { tenantId } });
const groups = groupBy(mine, (m) => m.status);
await prisma.invoice.updateMany({ where: { id: { in: groups.open.map((m) => m.id) } }, data: { status: "paid" } });
const byStatus = Object.groupBy(mine, (m) => m.status);
await prisma.invoice.delete({ where: { id: byStatus.void![0].id } });
const any = await prisma.invoice.findMany({ where: { status: "open" } });
const theirs = groupBy(any, (m) => m.status);
await prisma.invoice.deleteMany({ where: { id: { in: theirs.open.map((m) => m.id) } } });`,
      [
        'findMany({ where: { status: "open" } })',
        "deleteMany({ where: { id: { in: theirs.open.map((m) => m.id) } } })",
      ],
    ],
    [
      "a scoped list by the key found non-empty: the key is proven",
      `const rows = await prisma.invoice.findMany({ where: { id, tenantId } });
if (!rows.length) throw new Error("not found");
await prisma.invoice.delete({ where: { id } });`,
      [],
    ],
    [
      "twin: a scoped list tested for truth only (an empty list is truthy)",
      `const rows = await prisma.invoice.findMany({ where: { id, tenantId } });
if (!rows) throw new Error("not found");
await prisma.invoice.delete({ where: { id } });`,
      ["delete({ where: { id } })"],
    ],
    [
      "a scoped read run only when a key is given: the row or nothing",
      `const doc = input.name ? await prisma.invoice.findFirst({ where: { number: input.name, tenantId } }) : undefined;
if (doc) await prisma.invoice.delete({ where: { id: doc.id } });`,
      [],
    ],
    [
      "twin: an unscoped read run only when a key is given",
      `const doc = input.name ? await prisma.invoice.findFirst({ where: { number: input.name } }) : null;
if (doc) await prisma.invoice.delete({ where: { id: doc.id } });`,
      ["findFirst({ where: { number: input.name } })", DELETE],
    ],
    [
      "the row a scoped read's promise resolves to, in then",
      `await prisma.invoice.findFirstOrThrow({ where: { id, tenantId } }).then((doc) => prisma.invoice.delete({ where: { id: doc.id } }));`,
      [],
    ],
    [
      "twin: the row an unscoped read's promise resolves to",
      `await prisma.invoice.findFirstOrThrow({ where: { id } }).then((doc) => prisma.invoice.delete({ where: { id: doc.id } }));`,
      ["findFirstOrThrow({ where: { id } })", DELETE],
    ],
    [
      "destructured id of a scoped read",
      `const { id: invoiceId } = await prisma.invoice.findFirstOrThrow({ where: { id, tenantId } });
await prisma.invoice.update({ where: { id: invoiceId }, data: { status: "paid" } });`,
      [],
    ],
    [
      "ids collected from a scoped findMany",
      `const rows = await prisma.invoice.findMany({ where: { tenantId, status: "draft" } });
const ids = rows.map((r) => r.id);
await prisma.invoice.deleteMany({ where: { id: { in: ids } } });`,
      [],
    ],
    [
      "twin: ids collected from an unscoped findMany",
      `const rows = await prisma.invoice.findMany({ where: { status: "draft" } });
const ids = rows.map((r) => r.id);
await prisma.invoice.deleteMany({ where: { id: { in: ids } } });`,
      ['findMany({ where: { status: "draft" } })', "deleteMany({ where: { id: { in: ids } } })"],
    ],
    [
      "key verified by a scoped read whose empty result throws",
      `const e = await prisma.invoice.findFirst({ where: { id: input.id, tenantId } });
if (!e) throw new Error("not found");
await prisma.invoice.delete({ where: { id: input.id } });`,
      [],
    ],
    [
      "twin: key from request input, never verified",
      `await prisma.invoice.delete({ where: { id: input.id } });`,
      ["delete({ where: { id: input.id } })"],
    ],
    [
      "twin: scoped read of the key without a guard",
      `const e = await prisma.invoice.findFirst({ where: { id: input.id, tenantId } });
await prisma.invoice.delete({ where: { id: input.id } });`,
      ["delete({ where: { id: input.id } })"],
    ],
    [
      "twin: guard that only logs",
      `const e = await prisma.invoice.findFirst({ where: { id: input.id, tenantId } });
if (!e) console.warn("not found");
await prisma.invoice.delete({ where: { id: input.id } });`,
      ["delete({ where: { id: input.id } })"],
    ],
    [
      "twin: key verified only inside a branch",
      `if (input.name) {
  const e = await prisma.invoice.findFirst({ where: { id: input.id, tenantId } });
  if (!e) throw new Error("not found");
}
await prisma.invoice.delete({ where: { id: input.id } });`,
      ["delete({ where: { id: input.id } })"],
    ],
    [
      "an upsert by a key a scoped read verified (openpanel's rename after an owner check)",
      `const e = await prisma.invoice.findFirst({ where: { id: input.id, tenantId } });
if (!e) throw new Error("not found");
await prisma.invoice.upsert({ where: { id: input.id }, update: { status: "x" }, create: { tenantId, number: "1", status: "x", total: 0 } });`,
      [],
    ],
    [
      "twins: an upsert by the request's key; a check of the row an update, delete or upsert returns comes after the write",
      `await prisma.invoice.upsert({ where: { id: input.id }, update: { status: "x" }, create: { tenantId, number: "1", status: "x", total: 0 } });
const a = await prisma.invoice.update({ where: { id: input.a }, data: { status: "x" } });
if (a.tenantId !== tenantId) throw new Error("forbidden");
const b = await prisma.invoice.delete({ where: { id: input.b } });
if (b.tenantId !== tenantId) throw new Error("forbidden");
const c = await prisma.invoice.upsert({ where: { id: input.c }, update: {}, create: { tenantId, number: "1", status: "x", total: 0 } });
if (c.tenantId !== tenantId) throw new Error("forbidden");`,
      [
        'upsert({ where: { id: input.id }, update: { status: "x" }, create: { tenantId, number: "1", status: "x", total: 0 } })',
        'update({ where: { id: input.a }, data: { status: "x" } })',
        "delete({ where: { id: input.b } })",
        'upsert({ where: { id: input.c }, update: {}, create: { tenantId, number: "1", status: "x", total: 0 } })',
      ],
    ],
    [
      "a transaction's write whose row a throw inside it checks: the throw rolls the write back",
      `await prisma.$transaction(async (tx) => {
  const a = await tx.invoice.update({ where: { id: input.a }, data: { status: "x" } });
  if (a.tenantId !== tenantId) throw new Error("forbidden");
});`,
      [],
    ],
    [
      "twins: the check returns (the write commits), a try catches the throw, the check after the transaction",
      `await prisma.$transaction(async (tx) => {
  const a = await tx.invoice.update({ where: { id: input.a }, data: { status: "x" } });
  if (a.tenantId !== tenantId) return null;
});
await prisma.$transaction(async (tx) => {
  const b = await tx.invoice.update({ where: { id: input.b }, data: { status: "x" } });
  try {
    if (b.tenantId !== tenantId) throw new Error("forbidden");
  } catch {}
});
const c = await prisma.$transaction(async (tx) => tx.invoice.update({ where: { id: input.c }, data: { status: "x" } }));
if (c.tenantId !== tenantId) throw new Error("forbidden");`,
      [
        'update({ where: { id: input.a }, data: { status: "x" } })',
        'update({ where: { id: input.b }, data: { status: "x" } })',
        'update({ where: { id: input.c }, data: { status: "x" } })',
      ],
    ],
    [
      "the rows of a scoped list cut into batches (plunk's `segments.slice(i, i + BATCH)`), or sorted",
      `const all = await prisma.invoice.findMany({ where: { tenantId } });
for (let i = 0; i < all.length; i += 10) {
  const batch = all.slice(i, i + 10);
  await Promise.all(batch.map((inv) => prisma.invoice.update({ where: { id: inv.id }, data: { status: "x" } })));
}
for (const inv of all.toSorted((a, b) => a.total - b.total)) await prisma.invoice.delete({ where: { id: inv.id } });`,
      [],
    ],
    [
      "twin: a batch of an unscoped list",
      `const all = await prisma.invoice.findMany({ where: { status: "open" } });
const batch = all.slice(0, 10);
await Promise.all(batch.map((inv) => prisma.invoice.update({ where: { id: inv.id }, data: { status: "x" } })));`,
      ['findMany({ where: { status: "open" } })', 'update({ where: { id: inv.id }, data: { status: "x" } })'],
    ],
    [
      "control: the same check of a row read first, then the write",
      `const a = await prisma.invoice.findUnique({ where: { id: input.a } });
if (!a || a.tenantId !== tenantId) throw new Error("forbidden");
await prisma.invoice.update({ where: { id: a.id }, data: { status: "x" } });`,
      [],
    ],
    [
      "owned id used inside a $transaction callback",
      `const doc = await prisma.invoice.findFirst({ where: { id, tenantId } });
if (!doc) throw new Error("not found");
await prisma.$transaction(async (tx) => {
  await tx.invoice.delete({ where: { id: doc.id } });
});`,
      [],
    ],
    [
      "id of a row this flow created with the tenant",
      `const created = await prisma.invoice.create({ data: { tenantId, number: "1", status: "draft", total: 0 } });
await prisma.invoice.update({ where: { id: created.id }, data: { status: "sent" } });`,
      [],
    ],
    [
      "by-id read followed by an ownership check that throws",
      `const m = await prisma.invoice.findUnique({ where: { id } });
if (!m || m.tenantId !== tenantId) throw new Error("forbidden");
await prisma.invoice.update({ where: { id: m.id }, data: { status: "paid" } });
return m;`,
      [],
    ],
    [
      "the key a checked row was read by, used after the check",
      `const m = await prisma.invoice.findUnique({ where: { id } });
if (!m || m.tenantId !== tenantId) throw new Error("forbidden");
await prisma.invoice.delete({ where: { id } });`,
      [],
    ],
    [
      "twin: the same key used before the check",
      `const m = await prisma.invoice.findUnique({ where: { id } });
await prisma.invoice.delete({ where: { id } });
if (!m || m.tenantId !== tenantId) throw new Error("forbidden");`,
      // The read itself is fine: its row is checked before anything uses it.
      ["delete({ where: { id } })"],
    ],
    [
      "twin: the key of a row whose check falls through",
      `const m = await prisma.invoice.findUnique({ where: { id } });
if (!m || m.tenantId !== tenantId) console.warn("cross-tenant");
await prisma.invoice.delete({ where: { id } });`,
      ["findUnique({ where: { id } })", "delete({ where: { id } })"],
    ],
    [
      "ownership check that returns a 403",
      `const m = await prisma.invoice.findUnique({ where: { id } });
if (m?.tenantId !== tenantId) {
  return res.status(403).end();
}
return m;`,
      [],
    ],
    [
      "twin: ownership check that falls through",
      `const m = await prisma.invoice.findUnique({ where: { id } });
if (m?.tenantId !== tenantId) {
  res.status(403);
}
return m;`,
      ["findUnique({ where: { id } })"],
    ],
    [
      "twin: row compared with a tenant id from request input",
      `const m = await prisma.invoice.findUnique({ where: { id } });
if (m?.tenantId !== input.tenantId) throw new Error("forbidden");
return m;`,
      ["findUnique({ where: { id } })"],
    ],
    [
      "twin: row used before its check",
      `const m = await prisma.invoice.findUnique({ where: { id } });
res.json(m);
if (m?.tenantId !== tenantId) throw new Error("forbidden");`,
      ["findUnique({ where: { id } })"],
    ],
    [
      "key built from the tenant value",
      "await prisma.invoice.findUnique({ where: { id: `${tenantId}-${input.name}` } });",
      [],
    ],
    [
      "twin: key built from request input only",
      "await prisma.invoice.findUnique({ where: { id: `inv-${input.name}` } });",
      ["findUnique({ where: { id: `inv-${input.name}` } })"],
    ],
    [
      "raw SQL row of a scoped select, then Prisma by id",
      `const { rows: [doc] } = await pool.query("SELECT id FROM invoices WHERE id = $1 AND tenant_id = $2", [id, tenantId]);
await prisma.invoice.delete({ where: { id: doc.id } });`,
      [],
    ],
    [
      "twin: raw SQL row of an unscoped select, then Prisma by id",
      `const { rows: [doc] } = await pool.query("SELECT id FROM invoices WHERE number = $1", [id]);
await prisma.invoice.delete({ where: { id: doc.id } });`,
      ["invoices", DELETE],
    ],
  ];
  for (const [name, body, flagged] of cases) test(name, () => assert.deepEqual(prisma(body), flagged));
});

describe("raw SQL: ownership proven earlier in the flow", () => {
  const cases: Case[] = [
    [
      "rows[0].id of a scoped select",
      `const { rows } = await pool.query("SELECT id FROM orders WHERE id = $1 AND tenant_id = $2", [id, tenantId]);
if (rows.length === 0) throw new Error("not found");
await pool.query("DELETE FROM orders WHERE id = $1", [rows[0].id]);`,
      [],
    ],
    [
      "twin: rows[0].id of an unscoped select",
      `const { rows } = await pool.query("SELECT id FROM orders WHERE status = $1", [input.name]);
await pool.query("DELETE FROM orders WHERE id = $1", [rows[0].id]);`,
      ["orders", "orders"],
    ],
    [
      "a row locked by the id of a scoped select (`FOR UPDATE`, `FOR NO KEY UPDATE`)",
      `const { rows } = await pool.query("SELECT id FROM orders WHERE id = $1 AND tenant_id = $2", [id, tenantId]);
if (rows.length === 0) throw new Error("not found");
await pool.query("SELECT id FROM orders WHERE id = $1 FOR UPDATE", [rows[0].id]);
await pool.query("SELECT id FROM orders WHERE id = $1 FOR NO KEY UPDATE SKIP LOCKED", [rows[0].id]);`,
      [],
    ],
    [
      "a row locked by the request's id and checked before any use: the lock changed nothing",
      `const { rows } = await pool.query("SELECT id, tenant_id FROM orders WHERE id = $1 FOR UPDATE", [input.id]);
if (rows[0].tenant_id !== tenantId) throw new Error("forbidden");`,
      [],
    ],
    [
      "twin: a row an UPDATE ... RETURNING changed, checked after the change",
      `const { rows } = await pool.query("UPDATE orders SET status = 'x' WHERE id = $1 RETURNING id, tenant_id", [input.id]);
if (rows[0].tenant_id !== tenantId) throw new Error("forbidden");`,
      ["orders"],
    ],
    [
      "twin: a row locked by the request's id",
      `await pool.query("SELECT id FROM orders WHERE id = $1 FOR UPDATE", [input.id]);`,
      ["orders"],
    ],
    [
      "pg-promise: the row of a scoped oneOrNone keys a later none by a named variable",
      `const doc = await pool.oneOrNone("SELECT id FROM orders WHERE id = $(id) AND tenant_id = $(tenantId)", { id, tenantId });
if (!doc) throw new Error("not found");
await pool.none("DELETE FROM orders WHERE id = $(id)", { id: doc.id });`,
      [],
    ],
    [
      "twin: pg-promise, the key from the request",
      `await pool.none("DELETE FROM orders WHERE id = $(id)", { id: input.id });`,
      ["orders"],
    ],
    [
      "destructured row of INSERT ... RETURNING with the tenant",
      `const { rows: [doc] } = await pool.query("INSERT INTO orders (tenant_id, total) VALUES ($1, 0) RETURNING id", [tenantId]);
await pool.query("UPDATE orders SET total = 1 WHERE id = $1", [doc.id]);`,
      [],
    ],
    [
      "twin: the row of an upsert that may update an existing row",
      `const { rows: [doc] } = await pool.query("INSERT INTO orders (id, tenant_id, total) VALUES ($1, $2, 0) ON CONFLICT (id) DO UPDATE SET total = 0 RETURNING id", [input.id, tenantId]);
await pool.query("UPDATE orders SET total = 1 WHERE id = $1", [doc.id]);`,
      ["ON CONFLICT", "orders"],
    ],
    [
      "result.rows ids with ANY",
      `const result = await pool.query("SELECT id FROM orders WHERE tenant_id = $1", [tenantId]);
const ids = result.rows.map((r) => r.id);
await pool.query("DELETE FROM orders WHERE id = ANY($1)", [ids]);`,
      [],
    ],
    [
      "key verified by a scoped select whose empty result returns",
      `const found = await pool.query("SELECT 1 FROM documents WHERE id = $1 AND org_id = $2", [input.id, tenantId]);
if (found.rowCount === 0) return;
await pool.query("DELETE FROM documents WHERE id = $1", [input.id]);`,
      [],
    ],
    [
      "twin: request key, no scoped source",
      `await pool.query("DELETE FROM documents WHERE id = $1", [input.id]);`,
      ["documents"],
    ],
    [
      "twin: id proven for orders used on documents",
      `const { rows: [o] } = await pool.query("SELECT id FROM orders WHERE id = $1 AND tenant_id = $2", [id, tenantId]);
await pool.query("DELETE FROM documents WHERE id = $1", [o.id]);`,
      ["documents"],
    ],
    [
      "twin: OR widens the by-id delete",
      `const { rows: [o] } = await pool.query("SELECT id FROM orders WHERE id = $1 AND tenant_id = $2", [id, tenantId]);
await pool.query("DELETE FROM orders WHERE id = $1 OR total = 0", [o.id]);`,
      ["orders"],
    ],
    [
      "twin: owned id, but a subquery reads orders unscoped",
      `const { rows: [o] } = await pool.query("SELECT id FROM orders WHERE id = $1 AND tenant_id = $2", [id, tenantId]);
await pool.query("DELETE FROM orders WHERE id = $1 AND total > (SELECT avg(total) FROM orders)", [o.id]);`,
      ["orders", "orders"],
    ],
    [
      "by-id select followed by an ownership check",
      `const { rows: [o] } = await pool.query("SELECT * FROM orders WHERE id = $1", [id]);
if (!o || o.tenant_id !== tenantId) throw new Error("forbidden");
return o;`,
      [],
    ],
    [
      "twin: ownership check that only logs",
      `const { rows: [o] } = await pool.query("SELECT * FROM orders WHERE id = $1", [id]);
if (!o || o.tenant_id !== tenantId) console.error("forbidden");
return o;`,
      ["orders"],
    ],
    [
      "key built from the tenant value",
      'await pool.query("SELECT * FROM orders WHERE id = $1", [`${tenantId}:${input.name}`]);',
      [],
    ],
  ];
  for (const [name, body, flagged] of cases) test(name, () => assert.deepEqual(sql(body), flagged));
});

test("a check that falls through says so", () => {
  const code = fn(
    PRISMA,
    `const m = await prisma.invoice.findUnique({ where: { id } });
if (m?.tenantId !== tenantId) {
  res.status(403);
}
return m;`,
  );
  const [f] = analyzePrisma(parser, code).filter((x) => x.ruleId === "missing-tenant-filter");
  assert.match(f.message, /ownership check on line 5 falls through: its branch neither throws nor returns/);
});

describe("raw SQL: a scoped row's other foreign key names a row of its tenant", () => {
  const MIGRATION = `
CREATE TABLE invoices (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, total int);
CREATE TABLE payments (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, invoice_id uuid REFERENCES invoices (id), label text);
CREATE TABLE receipts (id uuid PRIMARY KEY, payment_id uuid NOT NULL REFERENCES payments (id), invoice_id uuid REFERENCES invoices (id));
`;
  const run = (body: string) =>
    runFlow(
      parser,
      modelOf(parser, { "/p/db/migrations/001.sql": MIGRATION }, { schema: { migrations: ["db/migrations/*.sql"] } }),
      { "/p/src/pay.ts": fn(PG, body) },
    ).flagged;

  test("the payment's invoice_id keys a write of the invoice; twins: another column, an unscoped payment", () => {
    assert.deepEqual(
      run(`const { rows: [p] } = await pool.query("SELECT * FROM payments WHERE id = $1 AND tenant_id = $2", [id, tenantId]);
if (!p) throw new Error("not found");
await pool.query("UPDATE invoices SET total = 0 WHERE id = $1", [p.invoice_id]);
await pool.query("UPDATE invoices SET total = 0 WHERE id = $1", [p.label]);
const { rows: [q] } = await pool.query("SELECT * FROM payments WHERE id = $1", [input.name]);
await pool.query("UPDATE invoices SET total = 0 WHERE id = $1", [q.invoice_id]);`),
      ["pay.ts:7: invoices", "pay.ts:8: payments", "pay.ts:9: invoices"],
    );
  });

  test("rows that name a proven invoice by their other key hang off it; twin: a key from the request", () => {
    assert.deepEqual(
      run(`const { rows: [inv] } = await pool.query("SELECT id FROM invoices WHERE id = $1 AND tenant_id = $2", [id, tenantId]);
if (!inv) throw new Error("not found");
await pool.query("DELETE FROM receipts WHERE invoice_id = $1", [inv.id]);
await pool.query("DELETE FROM receipts WHERE invoice_id = $1", [input.name]);`),
      ["pay.ts:7: receipts"],
    );
  });

  test("a scoped read on two tables that returns one's rows (`SELECT p.*`) proves their ids; twins: `SELECT *`, the other table's rows", () => {
    assert.deepEqual(
      run(`const { rows: [p] } = await pool.query("SELECT p.* FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE p.id = $1 AND i.tenant_id = $2 AND p.tenant_id = $2", [id, tenantId]);
if (!p) throw new Error("not found");
await pool.query("DELETE FROM payments WHERE id = $1", [p.id]);
const { rows: [any] } = await pool.query("SELECT * FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE p.tenant_id = $1", [tenantId]);
await pool.query("DELETE FROM payments WHERE id = $1", [any.id]);
const { rows: [inv] } = await pool.query("SELECT i.* FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE p.tenant_id = $1 AND i.tenant_id = $1", [tenantId]);
await pool.query("DELETE FROM payments WHERE id = $1", [inv.id]);`),
      ["pay.ts:8: payments", "pay.ts:10: payments"],
    );
  });
});

describe("Koa: ctx.throw ends the path as a throw does", () => {
  test("a scoped read found empty throws through ctx.throw; the key is proven. Twin: ctx.status = 404 falls through", () => {
    const body = (
      exit: string,
    ) => `const { rows: [o] } = await pool.query("SELECT * FROM orders WHERE id = $1 AND tenant_id = $2", [id, tenantId]);
if (!o) {
  ${exit};
}
await pool.query("DELETE FROM orders WHERE id = $1", [id]);`;
    assert.deepEqual(sql(body(`ctx.throw(404, "not found")`)), []);
    assert.deepEqual(sql(body(`this.ctx.throw(404)`)), []);
    assert.deepEqual(sql(body(`ctx.status = 404`)), ["orders"]);
    assert.deepEqual(sql(body(`logger.throw(404)`)), ["orders"]);
  });
});

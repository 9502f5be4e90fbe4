// A bulk ownership check: one scoped read of a list of keys, then `if (owned.length !==
// ids.length) throw` (cal.com's validateOptionsBelongToAttribute). Every key of the list was
// found in the tenant, so writes by the list (or by any of its elements) are the tenant's. A
// test that only one row came back (`!owned.length`), or a count compared with another list,
// proves nothing. Each safe case beside its unsafe twin.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { harness, PRISMA_CLIENT } from "../helpers/flow-run";

const h = harness();

const run = (body: string, prelude = "") =>
  h.run({
    "/p/src/invoices.ts": `${PRISMA_CLIENT}${prelude}export async function handler(tenantId: string, ids: string[], other: string[]) {\n${body}\n}`,
  });

const READ = `  const owned = await prisma.invoice.findMany({ where: { id: { in: ids }, tenantId }, select: { id: true } });`;
const DELETE = `  await prisma.invoice.deleteMany({ where: { id: { in: ids } } });`;

describe("every key of a list found by a scoped read", () => {
  test("`owned.length !== ids.length` (and `<`, `>`, `!=`) ends the path: the list's writes are the tenant's", () => {
    for (const check of [
      "owned.length !== ids.length",
      "ids.length !== owned.length",
      "owned.length < ids.length",
      "ids.length > owned.length",
      "owned.length != ids.length",
    ]) {
      const r = run(`${READ}\n  if (${check}) throw new Error("not found");\n${DELETE}`);
      assert.deepEqual(r.flagged, [], check);
      assert.match(
        r.proofs.at(-1)!,
        /every key of `ids` was found by the scoped query on line \d+, and the path ends on line \d+ when one is missing$/,
      );
    }
  });

  test("each element of the list, in a loop", () => {
    const r = run(
      `${READ}\n  if (owned.length !== ids.length) throw new Error("not found");\n  for (const id of ids) await prisma.invoice.update({ where: { id }, data: { status: "paid" } });`,
    );
    assert.deepEqual(r.flagged, []);
  });

  test("through a helper that throws unless every key is found", () => {
    const helper = `async function assertOwned(ids: string[], tenantId: string) {
  const owned = await prisma.invoice.findMany({ where: { id: { in: ids }, tenantId } });
  if (owned.length !== ids.length) throw new Error("forbidden");
}
`;
    const r = run(`  await assertOwned(ids, tenantId);\n${DELETE}`, helper);
    assert.deepEqual(r.flagged, []);
    assert.match(
      r.proofs.at(-1)!,
      /verified by `assertOwned` \(line \d+\), which throws unless a scoped query finds every one/,
    );
  });

  test("twins: one row found, a count compared with another list, an unscoped read, a check that falls through", () => {
    const twins = [
      `${READ}\n  if (!owned.length) throw new Error("not found");\n${DELETE}`,
      `${READ}\n  if (owned.length !== other.length) throw new Error("not found");\n${DELETE}`,
      `  const owned = await prisma.invoice.findMany({ where: { id: { in: ids } } });\n  if (owned.length !== ids.length) throw new Error("not found");\n${DELETE}`,
      `${READ}\n  if (owned.length !== ids.length) console.warn("some not found");\n${DELETE}`,
      `${READ}\n  if (owned.length === ids.length) throw new Error("all found");\n${DELETE}`,
      // Either list changed: a key added after the check, rows padded before it.
      `${READ}\n  if (owned.length !== ids.length) throw new Error("not found");\n  ids.push(other[0]!);\n${DELETE}`,
      `${READ}\n  owned.push(...other.map((id) => ({ id })));\n  if (owned.length !== ids.length) throw new Error("not found");\n${DELETE}`,
      // Another name for the list, taken before the read; raw SQL (a join or UNION may return a key twice).
      `  const list = ids;\n${READ}\n  if (owned.length !== ids.length) throw new Error("not found");\n  list.push(other[0]!);\n${DELETE}`,
      `  const owned = await prisma.$queryRaw<{ id: string }[]>\`SELECT i.id FROM invoices i WHERE i.id = ANY(\${ids}) AND i.tenant_id = \${tenantId} UNION ALL SELECT i.id FROM invoices i WHERE i.id = ANY(\${ids}) AND i.tenant_id = \${tenantId}\`;\n  if (owned.length !== ids.length) throw new Error("not found");\n${DELETE}`,
    ];
    for (const body of twins) {
      const r = run(body);
      assert.ok(
        r.flagged.some((f) => f.includes("deleteMany")),
        `${body}\n${JSON.stringify(r.flagged)}`,
      );
    }
  });

  test("twin: a helper that checks only that some key was found", () => {
    const helper = `async function assertSome(ids: string[], tenantId: string) {
  const owned = await prisma.invoice.findMany({ where: { id: { in: ids }, tenantId } });
  if (owned.length === 0) throw new Error("forbidden");
}
`;
    const r = run(`  await assertSome(ids, tenantId);\n${DELETE}`, helper);
    assert.ok(
      r.flagged.some((f) => f.includes("deleteMany")),
      JSON.stringify(r.flagged),
    );
  });
});

describe("a data-layer function that loops over the rows it is given (latitude's dataset rows)", () => {
  const LIB = `${PRISMA_CLIENT}export async function voidAll(rows: { id: string }[]) {
  for (const row of rows) {
    await prisma.invoice.update({ where: { id: row.id }, data: { status: "void" } });
  }
}
`;
  const caller = (rows: string) => `import { voidAll } from "./lib";
${PRISMA_CLIENT}export async function handler(tenantId: string, input: { ids: string[] }) {
  const rows = await prisma.invoice.findMany({ where: { id: { in: input.ids }, tenantId } });
  return voidAll(${rows});
}
`;

  test("`for (const row of rows)` keyed by `row.id`: judged at the calls, which pass a scoped read's rows", () => {
    const r = h.run({ "/p/src/lib.ts": LIB, "/p/src/handler.ts": caller("rows") });
    assert.deepEqual(r.flagged, []);
  });

  test("twins: a call that passes the request's ids, a loop over another field of the row", () => {
    const r = h.run({ "/p/src/lib.ts": LIB, "/p/src/handler.ts": caller("input.ids.map((id) => ({ id }))") });
    assert.deepEqual(
      r.flagged.map((f) => f.split(": ")[0]),
      ["lib.ts:5"],
    );
    // The loop's row written to, the list added to, a block's own `row`, an element changed by a call.
    for (const change of [
      ["for (const row of rows) {", "for (const row of rows) {\n    row.id = String(Date.now());"],
      ["for (const row of rows) {", "rows.push({ id: String(Date.now()) });\n  for (const row of rows) {"],
      ["for (const row of rows) {", "Object.assign(rows[0], { id: String(Date.now()) });\n  for (const row of rows) {"],
      [
        '    await prisma.invoice.update({ where: { id: row.id }, data: { status: "void" } });',
        '    {\n      const row = { id: String(Date.now()) };\n      await prisma.invoice.update({ where: { id: row.id }, data: { status: "void" } });\n    }',
      ],
    ] as const) {
      const changed = h.run({
        "/p/src/lib.ts": LIB.replace(change[0], change[1]),
        "/p/src/handler.ts": caller("rows"),
      });
      assert.equal(changed.flagged.length, 1, change[1]);
    }
    const other = h.run({
      "/p/src/lib.ts": LIB.replace("{ id: row.id }", "{ id: row.tenantId }"),
      "/p/src/handler.ts": caller("rows"),
    });
    assert.deepEqual(
      other.flagged.map((f) => f.split(": ")[0]),
      ["lib.ts:5"],
    );
  });
});

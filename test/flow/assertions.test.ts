// Checks written as assertion calls instead of an `if (...) throw`: `invariant(row, "not found")`
// (tiny-invariant), node's `assert(row)` / `assert.ok(row)`, and a function whose return type
// asserts its argument (`function assertFound<T>(row: T | null): asserts row is T`, activepieces'
// assertFlowIsNotNull). Each throws unless its condition holds, as `if (!(cond)) throw` does; a
// call that only logs (`console.assert`) checks nothing. Each safe case beside its unsafe twin.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { harness, PRISMA_CLIENT } from "../helpers/flow-run";

const h = harness();

const ASSERT_FOUND = `function assertFound<T>(row: T | null | undefined, what: string): asserts row is T {
  if (row == null) throw new Error(what + " not found");
}
`;

const run = (body: string, prelude = "") =>
  h.run({
    "/p/src/invoices.ts": `${PRISMA_CLIENT}import invariant from "tiny-invariant";\nimport assert from "node:assert";\n${prelude}export async function handler(tenantId: string, id: string, input: any) {\n${body}\n}`,
  });

const READ = `  const found = await prisma.invoice.findFirst({ where: { id, tenantId } });`;
const DELETE = `  await prisma.invoice.delete({ where: { id } });`;

describe("assertion calls as checks", () => {
  test("invariant(row), assert(row), assert.ok(row): the path ends when the scoped read finds nothing", () => {
    for (const check of [`invariant(found, "not found");`, `assert(found);`, `assert.ok(found, "no invoice");`]) {
      const r = run(`${READ}\n  ${check}\n${DELETE}`);
      assert.deepEqual(r.flagged, [], check);
      assert.match(
        r.proofs.at(-1)!,
        /key `id` was looked up by the scoped query on line 6, and the path ends when it finds nothing$/,
      );
    }
  });

  test("a function whose return type asserts its argument", () => {
    const r = run(`${READ}\n  assertFound(found, "invoice");\n${DELETE}`, ASSERT_FOUND);
    assert.deepEqual(r.flagged, []);
    // activepieces: the assertion in a const's declared type, the function an arrow.
    const typedConst = `const assertFound: <T>(row: T | null) => asserts row is T = <T>(row: T | null) => {
  if (row == null) throw new Error("not found");
};
`;
    assert.deepEqual(run(`${READ}\n  assertFound(found);\n${DELETE}`, typedConst).flagged, []);
  });

  test("an ownership comparison asserted: invariant(row.tenantId === tenantId)", () => {
    const r = run(`  const inv = await prisma.invoice.findUnique({ where: { id } });
  invariant(inv && inv.tenantId === tenantId, "forbidden");
  await prisma.invoice.update({ where: { id: inv.id }, data: { status: "paid" } });
  return inv;`);
    assert.deepEqual(r.flagged, []);
  });

  test("twin: a project's own assert or invariant, imported from nowhere that throws, checks nothing", () => {
    const local = (name: string) =>
      h.run({
        "/p/src/invoices.ts": `${PRISMA_CLIENT}function ${name}(v: unknown, msg?: string) {\n  if (!v) console.warn(msg);\n}\nexport async function handler(tenantId: string, id: string) {\n${READ}\n  ${name}(found, "not found");\n${DELETE}\n}`,
      });
    for (const name of ["assert", "invariant"])
      assert.deepEqual(local(name).flagged, ["invoices.ts:9: delete({ where: { id } })"], name);
    // Imported from a module of the project: not the library's.
    const imported = h.run({
      "/p/src/invoices.ts": `${PRISMA_CLIENT}import { assert } from "./util";\nexport async function handler(tenantId: string, id: string) {\n${READ}\n  assert(found);\n${DELETE}\n}`,
    });
    assert.deepEqual(imported.flagged, ["invoices.ts:7: delete({ where: { id } })"]);
  });

  test("twins: console.assert logs, a function that asserts nothing, an unscoped read, the wrong comparison", () => {
    const logs = run(`${READ}\n  console.assert(found, "not found");\n${DELETE}`);
    assert.deepEqual(logs.flagged, ["invoices.ts:8: delete({ where: { id } })"]);
    const plain = run(
      `${READ}\n  checkFound(found);\n${DELETE}`,
      `function checkFound(row: unknown): boolean {\n  return row != null;\n}\n`,
    );
    assert.deepEqual(plain.flagged, ["invoices.ts:11: delete({ where: { id } })"]);
    const unscoped = run(`  const found = await prisma.invoice.findFirst({ where: { id: input.id } });
  invariant(found, "not found");
  await prisma.invoice.delete({ where: { id: input.id } });`);
    assert.deepEqual(unscoped.flagged, [
      "invoices.ts:6: findFirst({ where: { id: input.id } })",
      "invoices.ts:8: delete({ where: { id: input.id } })",
    ]);
    const wrong = run(`  const inv = await prisma.invoice.findUnique({ where: { id } });
  invariant(inv && inv.tenantId === input.tenantId, "forbidden");
  await prisma.invoice.update({ where: { id: inv.id }, data: { status: "paid" } });
  return inv;`);
    assert.equal(wrong.flagged.length, 2);
  });
});

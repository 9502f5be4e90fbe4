// A check inside a `try` (papermark's link handlers: the scoped read and its `if (!row) return 404`
// in a try whose catch answers 500): code after the try runs only when the try completed, or a
// catch fell through. When every catch ends the path (or there is none), what the try block proved
// holds after it; a catch that logs and carries on keeps it inside. Each safe case beside its twin.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { harness, PRISMA_CLIENT } from "../helpers/flow-run";

const h = harness();

const run = (body: string) =>
  h.run({
    "/p/src/invoices.ts": `${PRISMA_CLIENT}export async function handler(tenantId: string, id: string) {\n${body}\n}`,
  });

const GUARDED_READ = `    const found = await prisma.invoice.findFirst({ where: { id, tenantId } });
    if (!found) return { status: 404 };`;

describe("a check inside a try block", () => {
  test("holds after the try when every catch ends the path", () => {
    const r = run(`  try {
${GUARDED_READ}
  } catch (error) {
    return { status: 500 };
  }
  await prisma.invoice.delete({ where: { id } });`);
    assert.deepEqual(r.flagged, []);
    assert.match(
      r.proofs.at(-1)!,
      /^invoices\.ts:10 owned-key: key `id` was looked up by the scoped query on line 5, and the path ends when it finds nothing$/,
    );
  });

  test("holds after a try with only a finally, and after a catch that rethrows on every path", () => {
    const finallyOnly = run(`  try {
${GUARDED_READ}
  } finally {
    console.log("done");
  }
  await prisma.invoice.delete({ where: { id } });`);
    assert.deepEqual(finallyOnly.flagged, []);
    const rethrows = run(`  try {
${GUARDED_READ}
  } catch (error) {
    if (error instanceof TypeError) return { status: 400 };
    throw error;
  }
  await prisma.invoice.delete({ where: { id } });`);
    assert.deepEqual(rethrows.flagged, []);
  });

  test("twin: a catch that can fall through keeps the check inside the try", () => {
    const r = run(`  try {
${GUARDED_READ}
  } catch (error) {
    console.error(error);
  }
  await prisma.invoice.delete({ where: { id } });
  try {
${GUARDED_READ}
  } catch (error) {
    if (error instanceof TypeError) return { status: 400 };
  }
  await prisma.invoice.update({ where: { id }, data: { status: "void" } });`);
    assert.deepEqual(r.flagged, [
      "invoices.ts:10: delete({ where: { id } })",
      'invoices.ts:17: update({ where: { id }, data: { status: "void" } })',
    ]);
  });

  test("twin: a name the try block declares is another variable after it", () => {
    // The `id` checked inside is the try block's own; the outer `id` after it is unproven.
    const r = run(`  try {
    const id = "inv_1";
${GUARDED_READ}
  } catch (error) {
    return { status: 500 };
  }
  await prisma.invoice.delete({ where: { id } });`);
    assert.deepEqual(r.flagged, ["invoices.ts:11: delete({ where: { id } })"]);
  });

  test("twin: a check in the catch block proves nothing after the try", () => {
    const r = run(`  try {
    await prisma.plan.findMany();
  } catch (error) {
${GUARDED_READ}
  }
  await prisma.invoice.delete({ where: { id } });`);
    assert.deepEqual(r.flagged, ["invoices.ts:10: delete({ where: { id } })"]);
  });

  test("twin: a helper whose catch returns does not throw for its callers", () => {
    const r = h.run({
      "/p/src/invoices.ts": `${PRISMA_CLIENT}async function getInvoiceOrNull(id: string, tenantId: string) {
  try {
    const inv = await prisma.invoice.findFirst({ where: { id, tenantId } });
    if (!inv) throw new Error("not found");
    return inv;
  } catch (error) {
    return null;
  }
}
async function getInvoiceOrThrow(id: string, tenantId: string) {
  try {
    const inv = await prisma.invoice.findFirst({ where: { id, tenantId } });
    if (!inv) throw new Error("not found");
    return inv;
  } catch (error) {
    throw new Error("lookup failed");
  }
}
export async function handler(tenantId: string, id: string, other: string) {
  await getInvoiceOrNull(other, tenantId);
  await prisma.invoice.delete({ where: { id: other } });
  await getInvoiceOrThrow(id, tenantId);
  await prisma.invoice.delete({ where: { id } });
}`,
    });
    assert.deepEqual(r.flagged, ["invoices.ts:23: delete({ where: { id: other } })"]);
  });
});

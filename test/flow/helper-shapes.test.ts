// Shapes of real helpers (openpanel): a check wrapped in a cache (`cacheable(getProjectAccess, ttl)`,
// `cacheable("name", async (...) => ..., ttl)`), a getter with one read per branch whose row each
// caller checks, and a guard that checks the row only when it is there (`if (conv && conv.tenantId
// !== tenantId) return`). Each safe case beside its unsafe twin. Prisma model: prisma-harness's
// SCHEMA (Invoice: tenantId).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { harness, PRISMA_CLIENT } from "../helpers/flow-run";

const h = harness();

describe("a check wrapped in a cache", () => {
  const ACCESS = `${PRISMA_CLIENT}declare function cacheable<T>(...args: unknown[]): T;
export async function getTenantAccess({ tenantId, userId }: { tenantId: string; userId: string }) {
  return userId === tenantId;
}
export const getTenantAccessCached = cacheable(getTenantAccess, 300);
export const getOrganizationAccess = cacheable("getTenantAccess", async ({ tenantId, userId }: { tenantId: string; userId: string }) => userId === tenantId, 300);
`;
  const route = (check: string, guard = true) => `${PRISMA_CLIENT}import { ${check} } from "../lib/access";
export async function remove(id: string, userId: string) {
  const invoice = await prisma.invoice.findUniqueOrThrow({ where: { id } });
  const access = await ${check}({ tenantId: invoice.tenantId, userId });
  ${guard ? "if (!access) throw new Error('forbidden');" : ""}
  return prisma.invoice.delete({ where: { id } });
}
`;

  test("the cached alias of a check, either form, checks the row whose tenant it is handed", () => {
    for (const check of ["getTenantAccessCached", "getOrganizationAccess"]) {
      const r = h.run({ "/p/src/lib/access.ts": ACCESS, "/p/src/routes/remove.ts": route(check) });
      assert.deepEqual(r.flagged, [], check);
    }
  });

  test("twin: the cached check's answer never tested", () => {
    const r = h.run({
      "/p/src/lib/access.ts": ACCESS,
      "/p/src/routes/remove.ts": route("getTenantAccessCached", false),
    });
    assert.deepEqual(r.flagged, [
      "routes/remove.ts:5: findUniqueOrThrow({ where: { id } })",
      "routes/remove.ts:8: delete({ where: { id } })",
    ]);
  });
});

describe("a getter with one read per branch, its row checked by each caller", () => {
  const LIB = `${PRISMA_CLIENT}export async function getInvoiceById(id: string, withLines = false) {
  if (withLines) {
    return prisma.invoice.findUnique({ where: { id }, include: { lines: true } });
  }
  return prisma.invoice.findUnique({ where: { id } });
}
`;
  const route = (check: string) => `import { getInvoiceById } from "../lib/invoices";
export async function show(id: string, tenantId: string) {
  const invoice = await getInvoiceById(id, true);
  ${check}
  return invoice;
}
`;

  test("both reads are proven by the caller's check", () => {
    const r = h.run({
      "/p/src/lib/invoices.ts": LIB,
      "/p/src/routes/show.ts": route("if (!invoice || invoice.tenantId !== tenantId) throw new Error('not found');"),
    });
    assert.deepEqual(r.flagged, []);
  });

  test("twins: a caller that does not check; reads by different keys in the branches", () => {
    const unchecked = h.run({ "/p/src/lib/invoices.ts": LIB, "/p/src/routes/show.ts": route("") });
    assert.deepEqual(unchecked.flagged, [
      "lib/invoices.ts:5: findUnique({ where: { id }, include: { lines: true } })",
      "lib/invoices.ts:7: findUnique({ where: { id } })",
    ]);
    const twoKeys = LIB.replace("withLines = false", "withLines = false, other = id").replace(
      "return prisma.invoice.findUnique({ where: { id } });",
      "return prisma.invoice.findUnique({ where: { id: other } });",
    );
    const r = h.run({
      "/p/src/lib/invoices.ts": twoKeys,
      "/p/src/routes/show.ts": route("if (!invoice || invoice.tenantId !== tenantId) throw new Error('not found');"),
    });
    assert.ok(r.flagged.includes("lib/invoices.ts:7: findUnique({ where: { id: other } })"), r.flagged.join("\n"));
  });
});

describe("a check of a row only when it is there", () => {
  const run = (body: string) =>
    h.run({
      "/p/src/h.ts": `${PRISMA_CLIENT}export async function handler(id: string, tenantId: string) {\n${body}\n}`,
    });

  test("`if (invoice && invoice.tenantId !== tenantId) return`: the row is missing or the tenant's", () => {
    const r = run(`  const invoice = await prisma.invoice.findUnique({ where: { id } });
  if (invoice && invoice.tenantId !== tenantId) return null;
  return invoice;`);
    assert.deepEqual(r.flagged, []);
  });

  test("twins: the check only logs; another row tested for presence; its key then used for a write", () => {
    const twins = [
      `  const invoice = await prisma.invoice.findUnique({ where: { id } });
  if (invoice && invoice.tenantId !== tenantId) console.warn("not yours");
  return invoice;`,
      `  const invoice = await prisma.invoice.findUnique({ where: { id } });
  const other = await prisma.invoice.findFirst({ where: { tenantId } });
  if (other && invoice!.tenantId !== tenantId) return null;
  return invoice;`,
    ];
    for (const body of twins) assert.ok(run(body).flagged.length > 0, body);
    // The key of a row that may be missing names nobody's row yet: a write by it stays flagged.
    const r = run(`  const invoice = await prisma.invoice.findUnique({ where: { id } });
  if (invoice && invoice.tenantId !== tenantId) return null;
  await prisma.invoice.update({ where: { id }, data: { status: "void" } });`);
    assert.deepEqual(r.flagged, ['h.ts:6: update({ where: { id }, data: { status: "void" } })']);
  });
});

// sim's getAccessibleCopilotChatAuth: `return authorizeCopilotChatRow(chat, ...)`, which hands back its row or null.
describe("a helper that returns its scoped read through a pass-through check", () => {
  const LIB = (
    through: string,
  ) => `${PRISMA_CLIENT}function authorizeRow<T>(row: T | null, why: string, other?: T): T | null {
  if (!row) return null;
  if (!why) return ${through};
  return row;
}
export async function findInvoice(id: string, tenantId: string) {
  const inv = await prisma.invoice.findFirst({ where: { id, tenantId } });
  return authorizeRow(inv, "read");
}
`;
  const ROUTE = `${PRISMA_CLIENT}import { findInvoice } from "../lib/invoices";
export async function handler(tenantId: string, input: { id: string }) {
  const inv = await findInvoice(input.id, tenantId);
  if (!inv) throw new Error("not found");
  await prisma.invoice.delete({ where: { id: input.id } });
}
`;
  const run = (through: string) =>
    h.run({ "/p/src/lib/invoices.ts": LIB(through), "/p/src/routes/invoices.ts": ROUTE }).flagged;

  test("every return hands back the row or nothing: the key is proven as if the row were returned", () => {
    assert.deepEqual(run("null"), []);
  });

  test("twin: one return hands back another value", () => {
    assert.deepEqual(run("other ?? null"), ["routes/invoices.ts:7: delete({ where: { id: input.id } })"]);
  });

  test("twins: the row changed on its way through (a field written, handed to Object.assign)", () => {
    for (const change of ["row.id = why;", "Object.assign(row, { id: why });"]) {
      const r = h.run({
        "/p/src/lib/invoices.ts": LIB("null").replace("  return row;\n}", `  ${change}\n  return row;\n}`),
        "/p/src/routes/invoices.ts": ROUTE.replace("{ id: input.id }", "{ id: inv.id }"),
      }).flagged;
      assert.deepEqual(r, ["routes/invoices.ts:7: delete({ where: { id: inv.id } })"], change);
    }
  });
});

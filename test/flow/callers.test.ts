// A by-id query whose key is a parameter is judged at the calls of its function: safe when every
// call passes a key its caller proved (an authorization check handed the key or a tenant id
// resolved from it, a scoped query's row, a verified key), flagged (naming the call) when one
// call passes input nothing checked. Authorization checks prove keys inside one function too.
// Files are analysed the way the CLI does it: other files by path (`sourceFileOf`) and the files
// whose text names the function (`callerFiles`); a few cases again through a program's checker.
// Prisma model: prisma-harness's SCHEMA (Invoice, Project: tenantId).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import ts from "typescript";
import { analyzeSourceFile } from "../../server/src/analyzer/analyze";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import type { Proof } from "../../server/src/analyzer/types";
import { harness, PRISMA_CLIENT, runFlow, type FlowRun, type FlowRunOptions } from "../helpers/flow-run";
import { prismaModel } from "../orm/prisma-harness";

const h = harness();

const PRISMA = PRISMA_CLIENT;

/** The proofs these cases are about: the call sites', authorization checks', parent keys'. */
const CALLER_PROOFS = (p: Proof) => p.kind === "callers" || p.kind === "authorized" || p.message.includes("hang off");

function run(files: Record<string, string>, options: FlowRunOptions = {}): FlowRun {
  return h.run(files, { proofs: CALLER_PROOFS, ...options });
}

/** The data layer every case below calls: by-id queries on a parameter. */
const LIB = `${PRISMA}
export const deleteInvoice = async (invoiceId: string) => {
  return prisma.invoice.delete({ where: { id: invoiceId } });
};
export async function renameInvoice({ id, name }: { id: string; name: string }) {
  return prisma.invoice.update({ where: { id }, data: { name } });
}
`;
const DELETE = "lib/invoices.ts:5: delete({ where: { id: invoiceId } })";
const RENAME = "lib/invoices.ts:8: update({ where: { id }, data: { name } })";

const AUTH = `import { checkAuthorization, hasPermission, tenantOfInvoice } from "../auth";
import { deleteInvoice, renameInvoice } from "../lib/invoices";
`;

const app = (actions: string, more: Record<string, string> = {}) => ({
  "/p/src/lib/invoices.ts": LIB,
  "/p/src/actions/invoices.ts": `${AUTH}${actions}`,
  ...more,
});

describe("a key that is a parameter, judged at its calls", () => {
  test("an authorization check handed a tenant id resolved from the key proves it at the call", () => {
    const r = run(
      app(`export const deleteAction = async ({ ctx, input }: any) => {
  await checkAuthorization({ userId: ctx.user.id, tenantId: await tenantOfInvoice(input.invoiceId) });
  return deleteInvoice(input.invoiceId);
};`),
    );
    assert.deepEqual(r.flagged, [RENAME]);
    assert.deepEqual(r.proofs, [
      "lib/invoices.ts:5 callers: key `invoiceId` is a parameter of `deleteInvoice`, and every call passes a proven key: invoices.ts line 5: key `input.invoiceId` is passed to the authorization check `checkAuthorization` on line 4",
    ]);
  });

  test("twin: the check authorizes a tenant the client sent, never tied to the key: flagged, naming the call", () => {
    const r = run(
      app(`export const deleteAction = async ({ ctx, input }: any) => {
  await checkAuthorization({ userId: ctx.user.id, tenantId: input.tenantId });
  return deleteInvoice(input.invoiceId);
};`),
    );
    assert.deepEqual(r.flagged, [DELETE, RENAME]);
    assert.match(
      r.messages[0],
      /Its key `invoiceId` is a parameter of `deleteInvoice`: the call on invoices\.ts line 5 passes `input\.invoiceId`, which nothing there ties to the tenant\./,
    );
    assert.deepEqual(r.proofs, []);
  });

  test("a guard that returns unless a boolean check passes, through consts and a destructured resolver result", () => {
    const r = run(
      app(`export async function PUT(req: any, { params }: any) {
  const { data: tenantId } = await tenantOfInvoice(params.invoiceId);
  const allowed = await hasPermission(req.auth, tenantId, "PUT");
  if (!allowed) return new Response(null, { status: 401 });
  return renameInvoice({ id: params.invoiceId, name: req.body.name });
}`),
    );
    assert.deepEqual(r.flagged, [DELETE]);
    assert.match(r.proofs[0]!, /^lib\/invoices\.ts:8 callers: key `id` is a parameter of `renameInvoice`/);
    assert.match(
      r.proofs[0]!,
      /key `params\.invoiceId` is passed to the authorization check `hasPermission` on line 5/,
    );
  });

  test("twin: a boolean check whose answer is thrown away, or whose branch falls through, proves nothing", () => {
    const discarded = run(
      app(`export async function PUT(req: any, { params }: any) {
  hasPermission(req.auth, await tenantOfInvoice(params.invoiceId), "PUT");
  return renameInvoice({ id: params.invoiceId, name: req.body.name });
}`),
    );
    assert.deepEqual(discarded.flagged, [DELETE, RENAME]);
    const fallsThrough = run(
      app(`export async function PUT(req: any, { params }: any) {
  if (!hasPermission(req.auth, await tenantOfInvoice(params.invoiceId), "PUT")) console.warn("denied");
  return renameInvoice({ id: params.invoiceId, name: req.body.name });
}`),
    );
    assert.deepEqual(fallsThrough.flagged, [DELETE, RENAME]);
  });

  test("a check of the key's tenant against the one authorized (`if (a !== b) throw`) ties them together", () => {
    const r = run(
      app(`export const deleteAction = async ({ ctx, input }: any) => {
  const invoiceTenant = await tenantOfInvoice(input.invoiceId);
  if (invoiceTenant !== input.tenantId) throw new Error("not this tenant's invoice");
  await checkAuthorization({ userId: ctx.user.id, tenantId: input.tenantId });
  return deleteInvoice(input.invoiceId);
};`),
    );
    assert.deepEqual(r.flagged, [RENAME]);
    assert.match(
      r.proofs[0]!,
      /key `input\.invoiceId` is passed to the authorization check `checkAuthorization` on line 6/,
    );
  });

  test("twin: the same comparison that only logs leaves the key unproven", () => {
    const r = run(
      app(`export const deleteAction = async ({ ctx, input }: any) => {
  const invoiceTenant = await tenantOfInvoice(input.invoiceId);
  if (invoiceTenant !== input.tenantId) console.warn("mismatch");
  await checkAuthorization({ userId: ctx.user.id, tenantId: input.tenantId });
  return deleteInvoice(input.invoiceId);
};`),
    );
    assert.deepEqual(r.flagged, [DELETE, RENAME]);
  });

  test("a key from the rows of a scoped query in the caller proves it", () => {
    const r = run(
      app(`import { prisma } from "../lib/invoices";
export async function purgeDrafts(tenantId: string) {
  const drafts = await prisma.invoice.findMany({ where: { tenantId, status: "draft" } });
  for (const d of drafts) await deleteInvoice(d.id);
  const first = drafts[0];
  if (first) await renameInvoice({ id: first.id, name: "first" });
}`),
    );
    assert.deepEqual(r.flagged, []);
    assert.match(r.proofs[0]!, /^lib\/invoices\.ts:5 callers: .*comes from the scoped query on line 5/);
  });

  test("every call must prove it: one unproven call among proven ones keeps the finding", () => {
    const r = run(
      app(`export const deleteAction = async ({ ctx, input }: any) => {
  await checkAuthorization({ userId: ctx.user.id, tenantId: await tenantOfInvoice(input.invoiceId) });
  return deleteInvoice(input.invoiceId);
};
export const bulkDelete = async ({ input }: any) => {
  for (const id of input.ids) await deleteInvoice(id);
};`),
    );
    assert.deepEqual(r.flagged, [DELETE, RENAME]);
    assert.match(r.messages[0]!, /the call on invoices\.ts line 8 passes `id`, which nothing there ties to the tenant/);
  });

  test("a caller passing its own parameter is judged by its callers in turn", () => {
    const service = `import { deleteInvoice } from "../lib/invoices";
export async function removeInvoice(invoiceId: string) {
  await deleteInvoice(invoiceId);
}
`;
    const safe = run(
      app(
        `import { removeInvoice } from "../services/invoices";
export const deleteAction = async ({ ctx, input }: any) => {
  await checkAuthorization({ userId: ctx.user.id, tenantId: await tenantOfInvoice(input.invoiceId) });
  await removeInvoice(input.invoiceId);
};`,
        { "/p/src/services/invoices.ts": service },
      ),
    );
    assert.deepEqual(safe.flagged, [RENAME]);
    assert.match(safe.proofs[0]!, /invoices\.ts line 3: `invoiceId` is a parameter of `removeInvoice`, and every call/);
    const unsafe = run(
      app(
        `import { removeInvoice } from "../services/invoices";
export const deleteAction = async ({ input }: any) => {
  await removeInvoice(input.invoiceId);
};`,
        { "/p/src/services/invoices.ts": service },
      ),
    );
    assert.deepEqual(unsafe.flagged, [DELETE, RENAME]);
    assert.match(
      unsafe.messages[0]!,
      /the call on invoices\.ts line 3 passes `invoiceId`, which is a parameter of `removeInvoice`: the call on invoices\.ts line 5 passes `input\.invoiceId`/,
    );
  });

  test("an aliased import is a call too; a call no one can resolve leaves the key unproven", () => {
    const aliased = run(
      app(
        `export const deleteAction = async ({ ctx, input }: any) => {
  await checkAuthorization({ userId: ctx.user.id, tenantId: await tenantOfInvoice(input.invoiceId) });
  return deleteInvoice(input.invoiceId);
};`,
        {
          "/p/src/actions/unsafe.ts": `import { deleteInvoice as removeInvoice } from "../lib/invoices";
export const unsafe = async ({ input }: any) => removeInvoice(input.invoiceId);`,
        },
      ),
    );
    assert.deepEqual(aliased.flagged, [DELETE, RENAME]);
    assert.match(aliased.messages[0]!, /the call on unsafe\.ts line 2 passes `input\.invoiceId`/);
    const unresolvable = run(
      app(
        `export const deleteAction = async ({ ctx, input }: any) => {
  await checkAuthorization({ userId: ctx.user.id, tenantId: await tenantOfInvoice(input.invoiceId) });
  return deleteInvoice(input.invoiceId);
};`,
        {
          "/p/src/actions/elsewhere.ts": `import { deleteInvoice } from "@/somewhere/else";
export const unsafe = async ({ input }: any) => deleteInvoice(input.invoiceId);`,
        },
      ),
    );
    assert.deepEqual(unresolvable.flagged, [DELETE, RENAME]);
  });

  test("a function no file calls stays flagged as written, saying so; without caller files nothing is looked up", () => {
    const r = run({ "/p/src/lib/invoices.ts": LIB });
    assert.deepEqual(r.flagged, [DELETE, RENAME]);
    assert.match(
      r.messages[0]!,
      /Its key `invoiceId` is a parameter of `deleteInvoice`: no call of it was found among the files scanned\./,
    );
    const noCallers = run(
      app(`export const deleteAction = async ({ ctx, input }: any) => {
  await checkAuthorization({ userId: ctx.user.id, tenantId: await tenantOfInvoice(input.invoiceId) });
  return deleteInvoice(input.invoiceId);
};`),
      { callers: false },
    );
    assert.deepEqual(noCallers.flagged, [DELETE, RENAME]);
  });

  test("a memoizing wrapper and a project alias import (`@/lib/...`) are followed", () => {
    const r = run({
      "/p/src/lib/invoices.ts": `${PRISMA}
export const getInvoice = cache(async (id: string) => prisma.invoice.findUnique({ where: { id } }));
`,
      "/p/src/actions/invoices.ts": `import { getInvoice } from "@/lib/invoices";
export const showAction = async ({ ctx, input }: any) => {
  await assertInvoiceAccess(ctx.user, input.id);
  return getInvoice(input.id);
};`,
    });
    assert.deepEqual(r.flagged, []);
    assert.match(r.proofs[0]!, /callers: key `id` is a parameter of `getInvoice`.*`assertInvoiceAccess`/);
  });

  test("the same through a program's checker (type-aware mode)", () => {
    const files = app(`export const deleteAction = async ({ ctx, input }: any) => {
  await checkAuthorization({ userId: ctx.user.id, tenantId: await tenantOfInvoice(input.invoiceId) });
  return deleteInvoice(input.invoiceId);
};
export const renameAction = async ({ input }: any) => renameInvoice({ id: input.id, name: input.name });`);
    const r = run(files, { typed: true });
    assert.deepEqual(r.flagged, [RENAME]);
    assert.match(r.messages[0]!, /parameter of `renameInvoice`: the call on invoices\.ts line 7 passes `input\.id`/);
  });

  test("raw SQL: a by-id statement on a parameter is judged at its calls the same way", () => {
    const r = run({
      "/p/src/lib/invoices.ts": `import { pool } from "./db";
export async function voidInvoice(id: string) {
  await pool.query("UPDATE invoices SET status = 'void' WHERE id = $1", [id]);
}`,
      "/p/src/routes/invoices.ts": `import { voidInvoice } from "../lib/invoices";
export async function handler(req: any) {
  await requireInvoiceAccess(req.user, req.params.id);
  await voidInvoice(req.params.id);
}
export async function unsafe(req: any) {
  await voidInvoice(req.body.id);
}`,
    });
    assert.equal(r.flagged.length, 1);
    assert.match(
      r.messages[0]!,
      /the call on invoices\.ts line 7 passes `req\.body\.id`, which nothing there ties to the tenant/,
    );
  });
});

describe("messages name a caller's file so it can be found", () => {
  test("a route handler's file is named with the directories that tell it from every other `route.ts`", () => {
    const r = run({
      "/p/src/lib/invoices.ts": LIB,
      "/p/src/app/api/invoices/[invoiceId]/route.ts": `import { deleteInvoice } from "../../../../lib/invoices";
export async function DELETE(req: any, { params }: any) {
  await deleteInvoice(params.invoiceId);
}`,
    });
    assert.match(
      r.messages[0]!,
      /the call on invoices\/\[invoiceId\]\/route\.ts line 3 passes `params\.invoiceId`, which nothing there ties to the tenant/,
    );
  });
});

describe("authorization checks in one function", () => {
  const SAME = (body: string) =>
    run({ "/p/src/routes/invoices.ts": `${PRISMA}export async function handler(ctx: any, input: any) {\n${body}\n}` });

  test("a throwing check handed the key proves the by-id call after it, not before it", () => {
    const r = SAME(`  await prisma.invoice.findUnique({ where: { id: input.id } });
  await assertInvoiceAccess(ctx.user, input.id);
  await prisma.invoice.delete({ where: { id: input.id } });`);
    assert.deepEqual(r.flagged, ["routes/invoices.ts:4: findUnique({ where: { id: input.id } })"]);
    assert.deepEqual(r.proofs, [
      "routes/invoices.ts:6 authorized: key `input.id` is passed to the authorization check `assertInvoiceAccess` on line 5",
    ]);
  });

  test("a row's tenant handed to a check before use: the row is checked, its id owned", () => {
    const r = SAME(`  const inv = await prisma.invoice.findUnique({ where: { id: input.id } });
  if (!inv) throw new Error("not found");
  await permissions.assertTenantAccess(ctx.user, inv.tenantId);
  await prisma.invoice.update({ where: { id: inv.id }, data: { paid: true } });`);
    assert.deepEqual(r.flagged, []);
    assert.equal(r.proofs.length, 2);
    assert.match(
      r.proofs[0]!,
      /the row's tenantId is passed to the authorization check `assertTenantAccess` on line 6/,
    );
  });

  test("twin: a field that is not the tenant handed to the check proves nothing", () => {
    const r = SAME(`  const inv = await prisma.invoice.findUnique({ where: { id: input.id } });
  if (!inv) throw new Error("not found");
  await permissions.assertTenantAccess(ctx.user, inv.name);
  await prisma.invoice.update({ where: { id: inv.id }, data: { paid: true } });`);
    assert.equal(r.flagged.length, 2);
  });

  test("a permit check by name (webstudio's hasProjectPermit) in an if that throws; twin: its answer only logged", () => {
    const checked =
      SAME(`  if (!(await hasProjectPermit({ projectId: input.id, permit: "edit" }, ctx))) throw new Error("forbidden");
  await prisma.invoice.delete({ where: { id: input.id } });`);
    assert.deepEqual(checked.flagged, []);
    const logged =
      SAME(`  if (!(await hasProjectPermit({ projectId: input.id, permit: "edit" }, ctx))) console.warn("denied");
  await prisma.invoice.delete({ where: { id: input.id } });`);
    assert.equal(logged.flagged.length, 1);
  });

  test("names that act on permissions are not checks; the config's authorizers are, whatever their name", () => {
    const body = `  await getPermissions(ctx.user, input.id);
  await ensureCan(ctx.user, input.id);
  await prisma.invoice.delete({ where: { id: input.id } });`;
    assert.equal(SAME(body).flagged.length, 1);
    const configured = run(
      { "/p/src/routes/invoices.ts": `${PRISMA}export async function handler(ctx: any, input: any) {\n${body}\n}` },
      { config: { authorizers: ["ensureCan"] } },
    );
    assert.deepEqual(configured.flagged, []);
    assert.match(configured.proofs[0]!, /`ensureCan` on line 5/);
  });

  test("a listed check whose answer is kept and never tested proves nothing; tested in an if, it does", () => {
    const kept = `  const access = await lookupAccess(ctx.user, input.id);
  console.log(access);
  await prisma.invoice.delete({ where: { id: input.id } });`;
    const tested = `  const access = await lookupAccess(ctx.user, input.id);
  if (!access) throw new Error("forbidden");
  await prisma.invoice.delete({ where: { id: input.id } });`;
    const config = { authorizers: ["lookupAccess"] };
    const file = (body: string) => ({
      "/p/src/routes/invoices.ts": `${PRISMA}export async function handler(ctx: any, input: any) {\n${body}\n}`,
    });
    assert.deepEqual(run(file(kept), { config }).flagged, [
      "routes/invoices.ts:6: delete({ where: { id: input.id } })",
    ]);
    assert.deepEqual(run(file(tested), { config }).flagged, []);
  });

  test("`get…Access` answers whether the user may: its answer tested in an if checks the row's tenant it was handed", () => {
    const r = SAME(`  const inv = await prisma.invoice.findUnique({ where: { id: input.id } });
  if (!inv) throw new Error("not found");
  const access = await getTenantAccess({ userId: ctx.user.id, tenantId: inv.tenantId });
  if (!access) throw new Error("forbidden");
  await prisma.invoice.update({ where: { id: inv.id }, data: { paid: true } });`);
    assert.deepEqual(r.flagged, []);
    assert.match(r.proofs[0]!, /the row's tenantId is passed to the authorization check `getTenantAccess` on line 6/);
    // The same for the user's permissions or role on what it is given (`null` when none).
    const permissions = SAME(`  const inv = await prisma.invoice.findUnique({ where: { id: input.id } });
  if (!inv) throw new Error("not found");
  const level = await getUserEntityPermissions(ctx.user.id, "tenant", inv.tenantId);
  if (!level || level === "read") return { status: 403 };
  await prisma.invoice.update({ where: { id: inv.id }, data: { paid: true } });`);
    assert.deepEqual(permissions.flagged, []);
    // Only one answer passing (`!== "admin"`) rules out no answer too.
    assert.deepEqual(
      SAME(`  const inv = await prisma.invoice.findUnique({ where: { id: input.id } });
  if (!inv) throw new Error("not found");
  const level = await getUserEntityPermissions(ctx.user.id, "tenant", inv.tenantId);
  if (level !== "admin") return { status: 403 };
  await prisma.invoice.delete({ where: { id: inv.id } });`).flagged,
      [],
    );
  });

  test("a check whose `true` refuses (`isReadInvoiceForbidden(inv, user)`), thrown on: the row and its id are the user's", () => {
    const r =
      SAME(`  const inv = await prisma.invoice.findFirst({ where: { id: input.id }, include: { tenant: { include: { members: true } } } });
  if (!inv || isReadInvoiceForbidden(inv, ctx.user)) throw new Error("not found");
  await prisma.invoice.update({ where: { id: inv.id }, data: { paid: true } });
  await prisma.invoice.delete({ where: { id: input.id } });`);
    assert.deepEqual(r.flagged, []);
    assert.match(r.proofs[0]!, /the row is passed to the authorization check `isReadInvoiceForbidden` on line 5/);
  });

  test("twins: a refusing check only logged, or negated (`!isForbidden` throws when allowed), checks nothing", () => {
    const logged = SAME(`  const inv = await prisma.invoice.findFirst({ where: { id: input.id } });
  if (!inv) throw new Error("not found");
  if (await isReadInvoiceForbidden(inv, ctx.user)) console.warn("forbidden read", input.id);
  return inv;`);
    assert.deepEqual(logged.flagged, ["routes/invoices.ts:4: findFirst({ where: { id: input.id } })"]);
    const negated = SAME(`  const inv = await prisma.invoice.findFirst({ where: { id: input.id } });
  if (!inv || !isReadInvoiceForbidden(inv, ctx.user)) throw new Error("not found");
  return inv;`);
    assert.deepEqual(negated.flagged, ["routes/invoices.ts:4: findFirst({ where: { id: input.id } })"]);
    const acting = SAME(`  const inv = await prisma.invoice.findFirst({ where: { id: input.id } });
  if (!inv || updateForbidden(inv, ctx.user)) throw new Error("not found");
  return inv;`);
    assert.deepEqual(acting.flagged, ["routes/invoices.ts:4: findFirst({ where: { id: input.id } })"]);
  });

  test("twin: `get…Access` whose answer is only logged, or kept, checks nothing", () => {
    const r = SAME(`  const inv = await prisma.invoice.findUnique({ where: { id: input.id } });
  if (!inv) throw new Error("not found");
  const access = await getTenantAccess({ userId: ctx.user.id, tenantId: inv.tenantId });
  console.log(access);
  await prisma.invoice.update({ where: { id: inv.id }, data: { paid: true } });`);
    assert.equal(r.flagged.length, 2);
    const role = SAME(`  const inv = await prisma.invoice.findUnique({ where: { id: input.id } });
  if (!inv) throw new Error("not found");
  const role = await getMemberRole(ctx.user.id, inv.tenantId);
  console.log(role);
  await prisma.invoice.update({ where: { id: inv.id }, data: { paid: true } });`);
    assert.equal(role.flagged.length, 2);
    // `=== "viewer"` then return lets every other answer through, nothing included.
    const viewer = SAME(`  const inv = await prisma.invoice.findUnique({ where: { id: input.id } });
  if (!inv) throw new Error("not found");
  const role = await getMemberRole(ctx.user.id, inv.tenantId);
  if (role === "viewer") return { status: 403 };
  await prisma.invoice.delete({ where: { id: inv.id } });`);
    assert.equal(viewer.flagged.length, 2);
  });
});

describe("filtered by the key of an owned parent row", () => {
  // InvoiceLine has no tenant column: it is owned through its required relation to Invoice.
  const LINES = (body: string) =>
    run({
      "/p/src/routes/lines.ts": `${PRISMA}export async function handler(tenantId: string, input: any) {\n${body}\n}`,
    });

  test("lines filtered by the id of a scoped invoice are that invoice's", () => {
    const r = LINES(`  const inv = await prisma.invoice.findFirst({ where: { id: input.id, tenantId } });
  if (!inv) throw new Error("not found");
  await prisma.invoiceLine.deleteMany({ where: { invoiceId: inv.id } });
  await prisma.invoiceLine.updateMany({ where: { invoiceId: { in: [inv.id] }, amount: 0 }, data: { amount: 1 } });`);
    assert.deepEqual(r.flagged, []);
    assert.deepEqual(r.proofs, [
      'routes/lines.ts:6 parent: its rows hang off the "invoices" row it filters by (invoiceId): key `inv.id` comes from the scoped query on line 4',
      'routes/lines.ts:7 parent: its rows hang off the "invoices" row it filters by (invoiceId): key `inv.id` comes from the scoped query on line 4',
    ]);
  });

  test("raw SQL on the lines by the parent key: after the invoice was checked, or by a scoped invoice's id; twins unchecked", () => {
    const r = LINES(`  const inv = await prisma.invoice.findFirst({ where: { id: input.id, tenantId } });
  if (!inv) throw new Error("not found");
  await prisma.$queryRaw\`SELECT * FROM invoice_lines WHERE invoice_id = \${inv.id}\`;
  await prisma.$executeRaw\`DELETE FROM invoice_lines WHERE invoice_id = \${input.id} AND amount = 0\`;
  await prisma.$queryRaw\`SELECT * FROM invoice_lines WHERE invoice_id = \${input.otherId}\`;
  await prisma.$queryRaw\`SELECT * FROM invoice_lines WHERE invoice_id = \${inv.id} OR amount = 0\`;`);
    assert.deepEqual(r.flagged, ["routes/lines.ts:8: invoice_lines", "routes/lines.ts:9: invoice_lines"]);
    assert.deepEqual(
      r.proofs.map((p) => p.replace(/: key .*$/, "")),
      [
        'routes/lines.ts:6 parent: its rows hang off the "invoices" row it filters by (invoice_id)',
        'routes/lines.ts:7 parent: its rows hang off the "invoices" row it filters by (invoice_id)',
      ],
    );
  });

  test("the same through the relation: where: { invoice: { id } }; twin: the id from the request", () => {
    const r = LINES(`  const inv = await prisma.invoice.findFirst({ where: { id: input.id, tenantId } });
  if (!inv) throw new Error("not found");
  await prisma.invoiceLine.deleteMany({ where: { invoice: { id: inv.id } } });
  await prisma.invoiceLine.deleteMany({ where: { invoice: { id: input.otherId } } });`);
    assert.deepEqual(r.flagged, ["routes/lines.ts:7: deleteMany({ where: { invoice: { id: input.otherId } } })"]);
    assert.deepEqual(r.proofs, [
      'routes/lines.ts:6 parent: its rows hang off the "invoices" row it filters by (invoice.id): key `inv.id` comes from the scoped query on line 4',
    ]);
  });

  test("through the parent to the grandparent's key: logs whose result's typebot is a checked one (typebot)", () => {
    const schema = `datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}
model Workspace {
  id       String    @id
  typebots Typebot[]
}
model Typebot {
  id          String    @id
  workspaceId String
  workspace   Workspace @relation(fields: [workspaceId], references: [id])
  results     Result[]
}
model Result {
  id        String  @id
  typebotId String
  typebot   Typebot @relation(fields: [typebotId], references: [id])
  logs      Log[]
}
model Log {
  id       String @id
  resultId String
  result   Result @relation(fields: [resultId], references: [id])
}
`;
    const model = prismaModel(h.parser, schema, { tenantColumns: ["workspaceId"] });
    const handler = (key: string) => `${PRISMA}export async function handler(workspaceId: string, input: any) {
  const typebot = await prisma.typebot.findFirst({ where: { id: input.typebotId, workspaceId } });
  if (!typebot) throw new Error("not found");
  return prisma.log.findMany({ where: { result: { typebotId: ${key}, id: input.resultId } } });
}`;
    const runWith = (key: string) =>
      runFlow(
        h.parser,
        model,
        { "/p/src/routes/logs.ts": handler(key) },
        { config: { tenantColumns: ["workspaceId"] } },
      );
    assert.deepEqual(runWith("typebot.id").flagged, []);
    assert.deepEqual(runWith("input.otherTypebotId").flagged, [
      "routes/logs.ts:6: findMany({ where: { result: { typebotId: input.otherTypebotId, id: input.resultId } } })",
    ]);
  });

  test("twin: an invoice id from the request, or one unproven id in a list, leaves the lines flagged", () => {
    const r = LINES(`  const inv = await prisma.invoice.findFirst({ where: { id: input.id, tenantId } });
  if (!inv) throw new Error("not found");
  await prisma.invoiceLine.deleteMany({ where: { invoiceId: input.otherId } });
  await prisma.invoiceLine.deleteMany({ where: { invoiceId: { in: [inv.id, input.otherId] } } });`);
    assert.deepEqual(r.flagged, [
      "routes/lines.ts:6: deleteMany({ where: { invoiceId: input.otherId } })",
      "routes/lines.ts:7: deleteMany({ where: { invoiceId: { in: [inv.id, input.otherId] } } })",
    ]);
  });

  test("a row found through a proven parent key proves its own key and is the tenant's", () => {
    const body = (
      guard: string,
    ) => `  const inv = await prisma.invoice.findFirst({ where: { id: input.id, tenantId } });
  if (!inv) throw new Error("not found");
  const line = await prisma.invoiceLine.findFirst({ where: { id: input.lineId, invoiceId: input.id } });
${guard}
  await prisma.invoiceLine.update({ where: { id: input.lineId }, data: { amount: 1 } });`;
    assert.deepEqual(LINES(body(`  if (!line) throw new Error("not found");`)).flagged, []);
    // Twin: without the guard the line may be missing and the update by the request's id runs anyway.
    assert.deepEqual(LINES(body("")).flagged, [
      "routes/lines.ts:8: update({ where: { id: input.lineId }, data: { amount: 1 } })",
    ]);
  });

  test("a scoped read of the invoice requiring a line with that id (`lines: { some: { id } }`) proves the line's key (documenso's recipients)", () => {
    const body = (where: string, guard = `  if (!inv) throw new Error("not found");`) =>
      `  const inv = await prisma.invoice.findFirst({ where: ${where} });
${guard}
  await prisma.invoiceLine.delete({ where: { id: input.lineId } });`;
    const r = run(
      {
        "/p/src/routes/lines.ts": `${PRISMA}export async function handler(tenantId: string, input: any) {\n${body("{ tenantId, lines: { some: { id: input.lineId } } }")}\n}`,
      },
      { proofs: () => true },
    );
    assert.deepEqual(r.flagged, []);
    assert.match(
      r.proofs.at(-1)!,
      /key `input\.lineId` is a row under the invoices row found by the scoped query on line 4 \(`lines: \{ some: \.\.\. \}`\)/,
    );
    // Twins: the invoice unscoped, a line the read does not require (`every`, `none`), or no guard.
    const twin = "routes/lines.ts:6: delete({ where: { id: input.lineId } })";
    // The unscoped invoice read is only tested for presence: an existence check, not itself a finding.
    assert.deepEqual(LINES(body("{ id: input.id, lines: { some: { id: input.lineId } } }")).flagged, [twin]);
    assert.deepEqual(LINES(body("{ tenantId, lines: { every: { id: input.lineId } } }")).flagged, [twin]);
    assert.deepEqual(LINES(body("{ tenantId, lines: { none: { id: input.lineId } } }")).flagged, [twin]);
    assert.deepEqual(LINES(body("{ tenantId, lines: { some: { id: input.lineId } } }", "")).flagged, [twin]);
  });

  test("rows included through an owned row (`include: { lines: true }`, then `.find`) are the tenant's", () => {
    const body = (read: string) => `  const inv = await prisma.invoice.${read};
  if (!inv) throw new Error("not found");
  const line = inv.lines.find((l) => l.id === input.lineId);
  if (!line) throw new Error("not found");
  await prisma.invoiceLine.update({ where: { id: line.id }, data: { amount: 1 } });`;
    assert.deepEqual(
      LINES(body("findFirst({ where: { id: input.id, tenantId }, include: { lines: true } })")).flagged,
      [],
    );
    // Twin: the invoice itself read by the request's id alone: its lines prove nothing.
    assert.equal(LINES(body("findUnique({ where: { id: input.id }, include: { lines: true } })")).flagged.length, 2);
  });

  test("the parent row included through an owned row (`include: { invoice: true }`) is the tenant's", () => {
    const body = (read: string) => `  const line = await prisma.invoiceLine.${read};
  if (!line) throw new Error("not found");
  const invoiceId = line.invoice.id;
  await prisma.invoice.update({ where: { id: invoiceId }, data: { status: "paid" } });`;
    assert.deepEqual(
      LINES(body("findFirst({ where: { id: input.lineId, invoice: { tenantId } }, include: { invoice: true } })"))
        .flagged,
      [],
    );
    // Twin: the line itself read by the request's id alone: the invoice it points at proves nothing.
    assert.deepEqual(LINES(body("findUnique({ where: { id: input.lineId }, include: { invoice: true } })")).flagged, [
      "routes/lines.ts:4: findUnique({ where: { id: input.lineId }, include: { invoice: true } })",
      'routes/lines.ts:7: update({ where: { id: invoiceId }, data: { status: "paid" } })',
    ]);
  });

  test("a parent key that is a parameter is judged at the calls", () => {
    const files = {
      "/p/src/lib/lines.ts": `${PRISMA}export const clearLines = (invoiceId: string) =>
  prisma.invoiceLine.deleteMany({ where: { invoiceId } });
`,
      "/p/src/actions/lines.ts": `import { clearLines } from "../lib/lines";
export const clearAction = async ({ ctx, input }: any) => {
  await assertInvoiceAccess(ctx.user, input.invoiceId);
  await clearLines(input.invoiceId);
};
export const unsafeClear = async ({ input }: any) => clearLines(input.invoiceId);`,
    };
    const r = run(files);
    assert.deepEqual(r.flagged, ["lib/lines.ts:4: deleteMany({ where: { invoiceId } })"]);
    assert.deepEqual(r.proofs, []);
    const safe = run({
      ...files,
      "/p/src/actions/lines.ts": files["/p/src/actions/lines.ts"].replace(/export const unsafeClear.*/, ""),
    });
    assert.deepEqual(safe.flagged, []);
    assert.match(
      safe.proofs[0]!,
      /^lib\/lines\.ts:4 parent: its rows hang off the "invoices" row it filters by \(invoiceId\): key `invoiceId` is a parameter of `clearLines`/,
    );
  });
});

test("rows found by a parent key every call proves are the tenant's: their ids prove later writes", () => {
  const files = (call: string) => ({
    "/p/src/lib/lines.ts": `${PRISMA}export async function resetLines(invoiceId: string) {
  const lines = await prisma.invoiceLine.findMany({ where: { invoiceId } });
  await prisma.invoiceLine.deleteMany({ where: { id: { in: lines.map((l) => l.id) } } });
}
`,
    "/p/src/actions/lines.ts": `import { PrismaClient } from "@prisma/client";
import { resetLines } from "../lib/lines";
const prisma = new PrismaClient();
export const reset = async ({ ctx, input }: any) => {
  const inv = await prisma.invoice.findFirst({ where: { id: input.invoiceId, tenantId: ctx.tenantId } });
  if (!inv) throw new Error("not found");
  await resetLines(${call});
};`,
  });
  assert.deepEqual(run(files("inv.id")).flagged, []);
  // Twin: the request's id, checked by nothing: the rows and the ids read off them are anyone's.
  assert.deepEqual(run(files("input.otherId")).flagged, [
    "lib/lines.ts:4: findMany({ where: { invoiceId } })",
    "lib/lines.ts:5: deleteMany({ where: { id: { in: lines.map((l) => l.id) } } })",
  ]);
});

test("a row a helper reads by the key it is handed is the tenant's when the caller's key is proven", () => {
  const files = (call: string) => ({
    "/p/src/lib/invoices.ts": `${PRISMA}export async function getInvoice(id: string) {
  return prisma.invoice.findUnique({ where: { id } });
}
export async function publish(invoiceId: string) {
  const inv = await getInvoice(invoiceId);
  if (!inv) throw new Error("not found");
  await prisma.invoiceLine.deleteMany({ where: { invoiceId: inv.id } });
}
`,
    "/p/src/actions/publish.ts": `import { PrismaClient } from "@prisma/client";
import { publish } from "../lib/invoices";
const prisma = new PrismaClient();
export const run = async ({ ctx, input }: any) => {
  const inv = await prisma.invoice.findFirst({ where: { id: input.invoiceId, tenantId: ctx.tenantId } });
  if (!inv) throw new Error("not found");
  await publish(${call});
};`,
  });
  assert.deepEqual(run(files("inv.id")).flagged, []);
  // Twin: the request's id: the helper's read and the lines hanging off its row are anyone's.
  assert.deepEqual(run(files("input.otherId")).flagged, [
    "lib/invoices.ts:4: findUnique({ where: { id } })",
    "lib/invoices.ts:9: deleteMany({ where: { invoiceId: inv.id } })",
  ]);
});

describe("a row read by a proven key is the tenant's, and so are the keys it points at", () => {
  test("the invoice a note points at, read by the note's proven id", () => {
    const r = run({
      "/p/src/routes/notes.ts": `${PRISMA}export async function handler(tenantId: string, input: any) {
  const note = await prisma.note.findFirst({ where: { id: input.id, tenantId } });
  if (!note) throw new Error("not found");
  const again = await prisma.note.findUnique({ where: { id: note.id } });
  await prisma.invoice.update({ where: { id: again!.invoiceId! }, data: { status: "seen" } });
  await prisma.invoice.update({ where: { id: input.invoiceId }, data: { status: "seen" } });
}`,
    });
    assert.deepEqual(r.flagged, [
      'routes/notes.ts:8: update({ where: { id: input.invoiceId }, data: { status: "seen" } })',
    ]);
  });

  test("a row deleted by a parameter every call proves: its foreign key is proven at a further call", () => {
    const files = {
      "/p/src/lib/notes.ts": `${PRISMA}import { closeInvoice } from "./invoices";
export async function deleteNote(noteId: string) {
  const note = await prisma.note.delete({ where: { id: noteId } });
  if (note.invoiceId) await closeInvoice(note.invoiceId);
}`,
      "/p/src/lib/invoices.ts": `${PRISMA}export async function closeInvoice(invoiceId: string) {
  return prisma.invoice.update({ where: { id: invoiceId }, data: { status: "closed" } });
}`,
      "/p/src/actions/notes.ts": `import { deleteNote } from "../lib/notes";
export const deleteNoteAction = async ({ ctx, input }: any) => {
  await assertNoteAccess(ctx.user, input.noteId);
  await deleteNote(input.noteId);
};`,
    };
    const r = run(files);
    assert.deepEqual(r.flagged, []);
    assert.match(
      r.proofs.find((p) => p.startsWith("lib/invoices.ts"))!,
      /key `invoiceId` is a parameter of `closeInvoice`, and every call passes a proven key: notes\.ts line 6: key `note\.invoiceId` comes from the row read on line 5 by a proven key: key `noteId` is a parameter of `deleteNote`/,
    );
    const unchecked = run({
      ...files,
      "/p/src/actions/notes.ts": files["/p/src/actions/notes.ts"].replace(
        "  await assertNoteAccess(ctx.user, input.noteId);\n",
        "",
      ),
    });
    assert.deepEqual(unchecked.flagged, [
      'lib/invoices.ts:4: update({ where: { id: invoiceId }, data: { status: "closed" } })',
      "lib/notes.ts:5: delete({ where: { id: noteId } })",
    ]);
  });
});

/** Every rule a handler body draws, in order (not only missing-tenant-filter). */
function rulesOf(body: string): string[] {
  const text = `${PRISMA}export async function handler(invoiceId: string, tenantId: string, input: any) {\n${body}\n}`;
  return analyzeSourceFile({
    ts,
    sourceFile: ts.createSourceFile("/p/src/a.ts", text, ts.ScriptTarget.Latest, true),
    config: resolveConfig({ tenantColumns: ["tenant_id"] }, "/p", undefined),
    model: h.model,
    parser: h.parser,
    relativePath: "src/a.ts",
  }).map((f) => f.ruleId);
}

describe("how real code names and shapes its checks", () => {
  const ONE = (body: string, params = "invoiceId: string, tenantId: string, input: any") =>
    run({
      "/p/src/routes/invoices.ts": `${PRISMA}export async function handler(${params}) {\n${body}\n}`,
    });

  test("the tenant under another name: `workspace.id`, `workspaceId`, `ctx.org.id`", () => {
    for (const tenant of ["workspace.id", "workspaceId", "ctx.org.id", "session.activeOrganizationId"]) {
      const r = ONE(
        `  const inv = await prisma.invoice.findUnique({ where: { id: invoiceId } });
  if (!inv || inv.tenantId !== ${tenant}) throw new Error("not found");
  await prisma.invoice.delete({ where: { id: inv.id } });`,
        "invoiceId: string, workspace: any, workspaceId: string, ctx: any, session: any",
      );
      assert.deepEqual(r.flagged, [], tenant);
    }
  });

  test("twin: compared with request input, or with an id that names no tenant, the row stays unchecked", () => {
    for (const other of ["input.workspaceId", "folderId", "user.id"]) {
      const r = ONE(
        `  const inv = await prisma.invoice.findUnique({ where: { id: invoiceId } });
  if (!inv || inv.tenantId !== ${other}) throw new Error("not found");
  await prisma.invoice.delete({ where: { id: inv.id } });`,
        "invoiceId: string, input: any, folderId: string, user: any",
      );
      assert.equal(r.flagged.length, 2, other);
    }
  });

  test("a row read by another unique key (`{ number }`, a compound) and then checked", () => {
    const r = ONE(`  const inv = await prisma.invoice.findUnique({ where: { number: input.number } });
  if (!inv || inv.tenantId !== tenantId) throw new Error("not found");
  const other = await prisma.invoice.findUnique({ where: { number_series: { number: input.number, series: "A" } } });
  if (!other || other.tenantId !== tenantId) throw new Error("not found");
  return [inv, other];`);
    assert.deepEqual(r.flagged, []);
  });

  test("conditional spreads of known objects are read, not given up on", () => {
    const scoped =
      ONE(`  await prisma.invoice.findMany({ where: { tenantId, ...(input.q ? { status: input.q } : {}) } });
  await prisma.invoice.findMany({ where: { tenantId, ...(input.q && { status: input.q }) } });`);
    assert.deepEqual(scoped.flagged, []);
    assert.deepEqual(
      rulesOf(`  await prisma.invoice.findMany({ where: { tenantId, ...(input.q ? { status: input.q } : {}) } });`),
      [],
    );
    const unscoped = ONE(`  await prisma.invoice.findMany({ where: { ...(input.q ? { status: input.q } : {}) } });`);
    assert.deepEqual(unscoped.flagged, [
      "routes/invoices.ts:4: findMany({ where: { ...(input.q ? { status: input.q } : {}) } })",
    ]);
  });

  test("a tenant filter in one branch of a spread is weak, unless the row it read is checked after", () => {
    const read = `const inv = await prisma.invoice.findUnique({
    where: { ...(input.ext ? { id_tenantId: { id: invoiceId, tenantId } } : { id: invoiceId }) },
  });`;
    const checked = ONE(`  ${read}
  if (!inv || inv.tenantId !== tenantId) throw new Error("not found");
  return inv;`);
    assert.deepEqual(checked.flagged, []);
    assert.deepEqual(rulesOf(`  ${read}\n  return inv;`), ["weak-tenant-filter"]);
  });

  test("a `let` assigned by one of two reads, then checked: both reads are checked", () => {
    const body = (check: string) => `  let inv = null;
  if (input.number) {
    inv = await prisma.invoice.findUnique({ where: { number: input.number } });
  } else {
    inv = await prisma.invoice.findUnique({ where: { id: invoiceId } });
  }
  if (!inv) throw new Error("not found");
${check}
  return inv;`;
    assert.deepEqual(ONE(body(`  if (inv.tenantId !== tenantId) throw new Error("forbidden");`)).flagged, []);
    // Twin: a check that only logs proves neither read.
    assert.equal(ONE(body(`  if (inv.tenantId !== tenantId) console.warn("other tenant");`)).flagged.length, 2);
    // Twin: the row is used before the check.
    const used = ONE(`  let inv = null;
  inv = await prisma.invoice.findUnique({ where: { id: invoiceId } });
  await audit(inv);
  if (!inv || inv.tenantId !== tenantId) throw new Error("forbidden");`);
    assert.equal(used.flagged.length, 1);
  });

  test("a function re-exported by a barrel (`export * from`, `export { x } from`) is judged at its calls", () => {
    const files = {
      "/p/src/lib/invoices/delete-invoice.ts": `${PRISMA}export async function deleteInvoice(id: string) {
  return prisma.invoice.delete({ where: { id } });
}`,
      "/p/src/lib/invoices/index.ts": `export * from "./delete-invoice";`,
      "/p/src/routes/invoices.ts": `import { deleteInvoice } from "../lib/invoices";
export async function handler(ctx: any, input: any) {
  await assertInvoiceAccess(ctx.user, input.id);
  await deleteInvoice(input.id);
}`,
    };
    assert.deepEqual(run(files).flagged, []);
    const named = run({
      ...files,
      "/p/src/lib/invoices/index.ts": `export { deleteInvoice } from "./delete-invoice";`,
    });
    assert.deepEqual(named.flagged, []);
    const unsafe = run({
      ...files,
      "/p/src/routes/invoices.ts": files["/p/src/routes/invoices.ts"].replace(
        "  await assertInvoiceAccess(ctx.user, input.id);\n",
        "",
      ),
    });
    assert.match(unsafe.messages[0]!, /the call on invoices\.ts line 3 passes `input\.id`/);
  });

  test("a where object held in a const: its key is verified like an inline one", () => {
    const body = (where: string) => `  const where = ${where};
  const inv = await prisma.invoice.findFirst({ where });
  if (!inv) throw new Error("not found");
  await prisma.invoice.update({ where: { id: input.id }, data: { status: "paid" } });`;
    assert.deepEqual(ONE(body("{ id: input.id, tenantId }")).flagged, []);
    // Twin: the update stays flagged (the read, only tested for presence, is an existence check).
    assert.deepEqual(ONE(body("{ id: input.id }")).flagged, [
      'routes/invoices.ts:7: update({ where: { id: input.id }, data: { status: "paid" } })',
    ]);
  });

  test("a throwing check whose result is kept (`const { folder } = await throwIf...Denied(...)`)", () => {
    const r = ONE(`  const { invoice } = await throwIfInvoiceActionDenied({ invoiceId, tenantId });
  await prisma.invoice.update({ where: { id: invoiceId }, data: { status: "paid" } });
  const allowed = await hasInvoiceAccess(invoiceId);
  await prisma.invoice.delete({ where: { id: input.otherId } });`);
    assert.deepEqual(r.flagged, ["routes/invoices.ts:7: delete({ where: { id: input.otherId } })"]);
    assert.match(
      r.proofs[0]!,
      /key `invoiceId` is passed to the authorization check `throwIfInvoiceActionDenied` on line 4/,
    );
  });

  test("a check's kept answer tested by its word for yes (`if (!authorization.allowed) return`)", () => {
    const body = (
      test: string,
    ) => `  const authorization = await authorizeInvoiceAccess({ invoiceId, userId: input.userId });
  ${test}
  await prisma.invoice.update({ where: { id: invoiceId }, data: { status: "paid" } });`;
    assert.deepEqual(ONE(body("if (!authorization.allowed) return { status: 403 };")).flagged, []);
    assert.deepEqual(
      ONE(body("const canModify = authorization.allowed;\n  if (!canModify) return { status: 403 };")).flagged,
      [],
    );
    // Twins: a field that is no yes (the row it found), or a yes that only logs.
    assert.equal(ONE(body("if (!authorization.invoice) return { status: 404 };")).flagged.length, 1);
    assert.equal(ONE(body("if (!authorization.allowed) console.warn('denied');")).flagged.length, 1);
  });

  test("a fluent access controller's chain handed the row's tenant, ending in a throwing check, checks the row", () => {
    const body = (check: string) => `  const inv = await prisma.invoice.findUnique({ where: { id: invoiceId } });
  if (!inv) throw new Error("not found");
  ${check};
  await prisma.invoice.update({ where: { id: invoiceId }, data: { status: "paid" } });`;
    assert.deepEqual(
      ONE(body(`await this.ac.user(input.user.id).workspace(inv.tenantId).assert("Invoice.Update")`)).flagged,
      [],
    );
    // Listing the check's name in the config keeps the chain's arguments what it checks.
    const listed = (check: string) =>
      run(
        {
          "/p/src/routes/invoices.ts": `${PRISMA}export async function handler(invoiceId: string, input: any) {\n${body(check)}\n}`,
        },
        { config: { tenantColumns: ["tenant_id"], authorizers: ["assert"] } },
      ).flagged;
    assert.deepEqual(listed(`await this.ac.user(input.user.id).workspace(inv.tenantId).assert("Invoice.Update")`), []);
    // The read is only tested for presence there (an existence check): the update is the finding.
    assert.equal(
      listed(`await this.ac.user(input.user.id).workspace(input.tenantId).assert("Invoice.Update")`).length,
      1,
    );
    // Twins: a yes-or-no nobody reads, another receiver, or a tenant the client sent.
    assert.equal(
      ONE(body(`await this.ac.user(input.user.id).workspace(inv.tenantId).can("Invoice.Update")`)).flagged.length,
      2,
    );
    assert.equal(
      ONE(body(`await this.logger.user(input.user.id).workspace(inv.tenantId).assert("x")`)).flagged.length,
      2,
    );
    assert.equal(
      ONE(body(`await this.ac.user(input.user.id).workspace(input.tenantId).assert("Invoice.Update")`)).flagged.length,
      1,
    );
  });

  test("a row whose parent key (the one it is owned through) is handed to a check is checked", () => {
    const body = (key: string) => `  const line = await prisma.invoiceLine.findUnique({ where: { id: input.lineId } });
  if (!line) throw new Error("not found");
  await assertInvoiceAccess(input.user, ${key});
  await prisma.invoiceLine.update({ where: { id: input.lineId }, data: { amount: 1 } });`;
    assert.deepEqual(ONE(body("line.invoiceId")).flagged, []);
    // Twin: the invoice the client named, not the one the line hangs off.
    assert.deepEqual(ONE(body("input.invoiceId")).flagged, [
      "routes/invoices.ts:7: update({ where: { id: input.lineId }, data: { amount: 1 } })",
    ]);
  });
});

describe("unsafe code the flow must not take for proven (review cases)", () => {
  const HANDLER = (body: string, params = "ctx: any, req: any, input: any") =>
    run({ "/p/src/routes/invoices.ts": `${PRISMA}export async function handler(${params}) {\n${body}\n}` }).flagged
      .length;

  test("entry points: a route handler called only by a test, a server action called with a proven key", () => {
    const route = run({
      "/p/src/app/api/invoices/route.ts": `${PRISMA}export async function DELETE(req: any, { params }: any) {
  return prisma.invoice.delete({ where: { id: params.id } });
}`,
      "/p/src/app/api/invoices/route.test.ts": `import { DELETE } from "./route";
import { prisma } from "../../../lib/db";
test("x", async () => {
  const inv = await prisma.invoice.create({ data: { tenantId: "t1", number: "1" } });
  await DELETE({}, { params: { id: inv.id } });
});`,
    });
    assert.equal(route.flagged.length, 1);
    assert.match(route.messages[0]!, /is a parameter of `DELETE`: any client can call it with any argument\./);
    const action = run({
      "/p/src/actions/invoices.ts": `"use server";
${PRISMA}export async function deleteInvoiceAction(invoiceId: string) {
  return prisma.invoice.delete({ where: { id: invoiceId } });
}`,
      "/p/src/routes/purge.ts": `import { deleteInvoiceAction } from "../actions/invoices";
import { prisma } from "../actions/invoices";
export async function purge(tenantId: string) {
  const inv = await prisma.invoice.findFirst({ where: { tenantId } });
  if (inv) await deleteInvoiceAction(inv.id);
}`,
    });
    assert.equal(action.flagged.length, 1);
  });

  // inbox-zero's booking actions: a `"use server"` file's helper it does not export is no server action.
  test('a function a `"use server"` file keeps to itself is judged at its calls; an exported one (any form) is not', () => {
    const file = (helper: string, more = "") => `"use server";
${PRISMA}export async function action(tenantId: string, input: { id: string }) {
  const inv = await prisma.invoice.findFirst({ where: { id: input.id, tenantId } });
  if (!inv) throw new Error("not found");
  return remove(inv.id);
}
${helper} {
  return prisma.invoice.delete({ where: { id: invoiceId } });
}
${more}`;
    const flaggedIn = (text: string) => run({ "/p/src/actions/invoices.ts": text }).flagged.length;
    assert.equal(flaggedIn(file("async function remove(invoiceId: string)")), 0);
    assert.equal(flaggedIn(file("const remove = async (invoiceId: string) =>")), 0);
    assert.equal(flaggedIn(file("export async function remove(invoiceId: string)")), 1);
    assert.equal(flaggedIn(file("async function remove(invoiceId: string)", "export { remove };")), 1);
    assert.equal(flaggedIn(file("async function remove(invoiceId: string)", "export { remove as purge };")), 1);
  });

  test("a function passed around, called through a wrapper that is no memoizer, or as an untyped method", () => {
    assert.equal(
      run(
        app(`export const deleteAction = async ({ ctx, input }: any) => {
  await checkAuthorization({ userId: ctx.user.id, tenantId: await tenantOfInvoice(input.invoiceId) });
  await deleteInvoice(input.invoiceId);
  return Promise.all(input.ids.map(deleteInvoice));
};`),
      ).flagged.includes(DELETE),
      true,
    );
    const wrapped = run({
      "/p/src/lib/invoices.ts": `${PRISMA}export const deleteInvoice = withUser(async (invoiceId: string) =>
  prisma.invoice.delete({ where: { id: invoiceId } }));`,
      "/p/src/actions/invoices.ts": `import { deleteInvoice } from "../lib/invoices";
export const a = async ({ ctx, input }: any) => {
  await assertInvoiceAccess(ctx.user, input.invoiceId);
  return deleteInvoice(ctx.user, input.invoiceId);
};`,
    });
    assert.equal(wrapped.flagged.length, 1);
    const method = run({
      "/p/src/lib/invoices.ts": `${PRISMA}export class InvoiceService {
  async remove(invoiceId: string) { return prisma.invoice.delete({ where: { id: invoiceId } }); }
  async purge(tenantId: string) {
    const inv = await prisma.invoice.findFirst({ where: { tenantId } });
    if (inv) await this.remove(inv.id);
  }
}`,
      "/p/src/routes/invoices.ts": `import { InvoiceService } from "../lib/invoices";
export const h = async ({ input }: any) => new InvoiceService().remove(input.invoiceId);`,
    });
    assert.equal(method.flagged.length, 1);
  });

  test("a parameter the callee reassigns, a rest parameter, a spread that overrides the field", () => {
    const reassigned = run({
      "/p/src/lib/invoices.ts": `${PRISMA}export async function deleteInvoice(invoiceId: string, opts: any) {
  if (opts.override) invoiceId = opts.override;
  return prisma.invoice.delete({ where: { id: invoiceId } });
}`,
      "/p/src/actions/invoices.ts": `import { deleteInvoice } from "../lib/invoices";
export const a = async ({ ctx, input }: any) => {
  await assertInvoiceAccess(ctx.user, input.invoiceId);
  return deleteInvoice(input.invoiceId, input);
};`,
    });
    assert.equal(reassigned.flagged.length, 1);
    const rest = run({
      "/p/src/lib/invoices.ts": `${PRISMA}export async function deleteInvoices(...ids: string[]) {
  return prisma.invoice.deleteMany({ where: { id: { in: ids } } });
}`,
      "/p/src/actions/invoices.ts": `import { deleteInvoices } from "../lib/invoices";
export const a = async ({ ctx, input }: any) => {
  await assertInvoiceAccess(ctx.user, input.invoiceId);
  return deleteInvoices(input.invoiceId, input.otherId);
};`,
    });
    assert.equal(rest.flagged.length, 1);
    const spread = run(
      app(`export const a = async ({ ctx, input }: any) => {
  await assertInvoiceAccess(ctx.user, input.invoiceId);
  return renameInvoice({ id: input.invoiceId, ...input });
};`),
    );
    assert.ok(spread.flagged.includes(RENAME));
  });

  test("writes after a proof: a reassigned key, a let assigned in branches, a for-of over request input", () => {
    assert.equal(
      HANDLER(`  let invoiceId = req.body.invoiceId;
  await assertInvoiceAccess(req.user, invoiceId);
  invoiceId = req.body.otherId;
  await prisma.invoice.delete({ where: { id: invoiceId } });`),
      1,
    );
    assert.equal(
      HANDLER(`  let invoiceId: string;
  if (req.body.invoiceId) invoiceId = req.body.invoiceId;
  else invoiceId = (await prisma.invoice.findFirstOrThrow({ where: { number: req.body.number, tenantId: ctx.tenantId } })).id;
  await prisma.invoice.delete({ where: { id: invoiceId } });`),
      1,
    );
    assert.equal(
      HANDLER(`  let inv;
  if (req.body.number) inv = await prisma.invoice.findUnique({ where: { number: req.body.number } });
  else inv = await prisma.invoice.findUnique({ where: { id: req.body.id } });
  if (!inv || inv.tenantId !== ctx.tenantId) throw new Error();
  await prisma.invoice.delete({ where: { id: req.body.id } });`),
      1,
    );
    assert.equal(
      HANDLER(`  let inv = await prisma.invoice.findFirst({ where: { tenantId: ctx.tenantId } });
  for (inv of input.invoices) await prisma.invoice.delete({ where: { id: inv.id } });`),
      1,
    );
  });

  test("checks that are not checks: actions on owners and members, a kept boolean, a check without braces' reach", () => {
    for (const call of [
      "await transferOwnership(input.invoiceId, input.newOwnerId);",
      "await notifyMembers(input.invoiceId, 'deleted');",
      "const allowed = await checkPermission(ctx.user, input.invoiceId);",
      "const visible = await filterAccessible(ctx.user, input.invoiceId);",
      "if (input.notify) await assertInvoiceAccess(ctx.user, input.invoiceId);",
    ])
      assert.equal(HANDLER(`  ${call}\n  await prisma.invoice.delete({ where: { id: input.invoiceId } });`), 1, call);
    assert.equal(
      HANDLER(`  const [org, inv] = await Promise.all([loadOrg(req.session.orgId), loadInvoice(req.body.invoiceId)]);
  await checkAuthorization({ userId: req.user.id, organizationId: org.id });
  await prisma.invoice.delete({ where: { id: req.body.invoiceId } });`),
      1,
    );
  });

  test("a tenant-looking name that came from the client, or names no tenant", () => {
    const check = (declare: string, tenant: string) =>
      HANDLER(`  ${declare}
  const inv = await prisma.invoice.findUnique({ where: { id: req.params.id } });
  if (!inv || inv.tenantId !== ${tenant}) throw new Error("forbidden");
  await prisma.invoice.delete({ where: { id: inv.id } });`);
    assert.equal(check("const { workspaceId } = input;", "workspaceId"), 2);
    assert.equal(check("const teamMemberId = ctx.member.id;", "teamMemberId"), 2);
    assert.equal(check("const bankAccountId = ctx.bank.id;", "bankAccountId"), 2);
    assert.equal(check("const workspaceId = ctx.workspace.id;", "workspaceId"), 0);
  });
});

describe("a where built by a helper function", () => {
  const rules = (files: Record<string, string>) => run(files).flagged.map((f) => f.replace(/^.*?: /, ""));

  test("a helper returning the tenant filter, in the same file, another file, or a workspace package", () => {
    const same = `${PRISMA}const tenantWhere = (tenantId: string) => ({ id: tenantId });
function scopedWhere(tenantId: string, status: string) {
  if (status) return { tenantId, status };
  return { tenantId };
}
export async function handler(tenantId: string, input: any) {
  await prisma.invoice.findMany({ where: { tenant: tenantWhere(tenantId) } });
  await prisma.invoice.findMany({ where: scopedWhere(tenantId, input.status) });
}`;
    assert.deepEqual(rules({ "/p/src/routes/a.ts": same }), []);
    const lib = `export const tenantWhere = (tenantId: string) => ({ id: tenantId });`;
    const route = (from: string) => `${PRISMA}import { tenantWhere } from "${from}";
export async function handler(tenantId: string) {
  return prisma.invoice.findMany({ where: { tenant: tenantWhere(tenantId) } });
}`;
    assert.deepEqual(rules({ "/p/src/lib/where.ts": lib, "/p/src/routes/a.ts": route("../lib/where") }), []);
    assert.deepEqual(
      rules({ "/p/packages/lib/utils/where.ts": lib, "/p/apps/web/src/routes/a.ts": route("@acme/lib/utils/where") }),
      [],
    );
  });

  test("a helper's tenant parameter typed as possibly undefined is judged by what each call passes (documenso's buildTeamWhereQuery)", () => {
    const code = `${PRISMA}type Options = { tenantId: string | undefined; userId: string };
const teamWhere = ({ tenantId, userId }: Options) => ({ id: tenantId, ownerId: userId });
const byId = (tenantId: string | undefined) => ({ id: tenantId });
export async function handler(tenantId: string, maybe?: string) {
  await prisma.invoice.findMany({ where: { tenant: teamWhere({ tenantId, userId: "u" }) } });
  await prisma.invoice.findMany({ where: { tenant: byId(tenantId) } });
  await prisma.invoice.findMany({ where: { tenant: teamWhere({ tenantId: maybe, userId: "u" }) } });
  await prisma.invoice.findMany({ where: { tenant: teamWhere({ userId: "u" } as Options) } });
  await prisma.invoice.findMany({ where: { tenant: byId(maybe) } });
}`;
    assert.deepEqual(rules({ "/p/src/routes/a.ts": code }), [
      'findMany({ where: { tenant: teamWhere({ tenantId: maybe, userId: "u" }) } })',
      'findMany({ where: { tenant: teamWhere({ userId: "u" } as Options) } })',
      "findMany({ where: { tenant: byId(maybe) } })",
    ]);
  });

  test("a helper's optional tenant parameter handed what cannot be read, or a spread, keeps its declared type (flagged); a required field is there", () => {
    const code = `${PRISMA}const byId = (tenantId: string | undefined) => ({ id: tenantId });
export async function handler(req: any, args: [string | undefined], ctx: { tenantId: string }, input: { tenantId?: string }, session: ImportedSession) {
  await prisma.invoice.findMany({ where: { tenant: byId(req.body.tenantId) } });
  await prisma.invoice.findMany({ where: { tenant: byId(...args) } });
  await prisma.invoice.findMany({ where: { tenant: byId(input.tenantId) } });
  await prisma.invoice.findMany({ where: { tenant: byId(ctx.tenantId) } });
  await prisma.invoice.findMany({ where: { tenant: byId(req.body.tenantId!) } });
  await prisma.invoice.findMany({ where: { tenant: byId(session.user.tenantId) } });
}`;
    assert.deepEqual(rules({ "/p/src/routes/a.ts": code }), [
      "findMany({ where: { tenant: byId(req.body.tenantId) } })",
      "findMany({ where: { tenant: byId(...args) } })",
      "findMany({ where: { tenant: byId(input.tenantId) } })",
    ]);
  });

  test("twin: a helper that returns a where without the tenant in any branch leaves the query flagged", () => {
    const code = `${PRISMA}function statusWhere(tenantId: string, status: string) {
  if (status) return { tenantId, status };
  return { status: "open" };
}
const nameWhere = (name: string) => ({ name });
export async function handler(tenantId: string, input: any) {
  await prisma.invoice.findMany({ where: statusWhere(tenantId, input.status) });
  await prisma.invoice.findMany({ where: { tenant: nameWhere(input.name) } });
}`;
    assert.equal(rules({ "/p/src/routes/a.ts": code }).length, 2);
  });
});

describe("a class's static data-layer method, named like a common field", () => {
  const SERVICE = `${PRISMA}
export class InvoiceService {
  static async id(id: string) {
    return prisma.invoice.findUnique({ where: { id } });
  }
}
`;
  const files = (route: string) => ({
    "/p/src/lib/invoice-service.ts": SERVICE,
    "/p/src/routes/invoices.ts": `import { InvoiceService } from "../lib/invoice-service";\n${route}`,
  });

  test("its calls are found, and a caller's check of the row it returns proves the read; `req.params.id` is no use of it", () => {
    const r = run(
      files(`export async function get(req: { params: { id: string } }, tenantId: string) {
  const inv = await InvoiceService.id(req.params.id);
  if (!inv || inv.tenantId !== tenantId) throw new Error("not found");
  return inv;
}`),
    );
    assert.deepEqual(r.flagged, []);
  });

  test("twin: the method passed around as a value (`ids.map(InvoiceService.id)`) may be called with anything", () => {
    const r = run(
      files(`export async function get(req: { params: { id: string } }, tenantId: string) {
  const inv = await InvoiceService.id(req.params.id);
  if (!inv || inv.tenantId !== tenantId) throw new Error("not found");
  return inv;
}
export const all = (ids: string[]) => Promise.all(ids.map(InvoiceService.id));`),
    );
    assert.deepEqual(r.flagged, ["lib/invoice-service.ts:6: findUnique({ where: { id } })"]);
  });
});

describe("a service method named like a query (`delete`, `update`)", () => {
  const files = (handler: string) => ({
    "/p/src/invoices.service.ts": `import { PrismaClient } from "@prisma/client";
export class InvoicesService {
  constructor(private readonly prisma: PrismaClient) {}
  async delete(id: string) {
    await this.prisma.invoiceLine.deleteMany({ where: { invoice: { id, tenantId: "x" } } });
    return this.prisma.invoice.delete({ where: { id } });
  }
}
`,
    "/p/src/invoices.controller.ts": `import { PrismaClient } from "@prisma/client";
import { InvoicesService } from "./invoices.service";
const prisma = new PrismaClient();
export class InvoicesController {
  constructor(private readonly invoices: InvoicesService, private readonly cache: Map<string, string>) {}
  async remove(tenantId: string, id: string) {
${handler}
  }
}
`,
  });

  test("the ORM's own `.delete` calls beside its calls are queries, not calls of it: the calls decide", () => {
    const r = run(
      files(`    const inv = await prisma.invoice.findFirst({ where: { id, tenantId } });
    if (!inv) throw new Error("not found");
    await prisma.note.delete({ where: { id: "n" } });
    return this.invoices.delete(inv.id);`),
    );
    assert.deepEqual(r.flagged, ['invoices.controller.ts:9: delete({ where: { id: "n" } })']);
  });

  test("twin: a call with the request's id, or a `.delete` on something that may be the service, keeps it flagged", () => {
    const unchecked = run(files(`    return this.invoices.delete(id);`));
    assert.deepEqual(unchecked.flagged, ["invoices.service.ts:6: delete({ where: { id } })"]);
    const unknown = run(
      files(`    const inv = await prisma.invoice.findFirst({ where: { id, tenantId } });
    if (!inv) throw new Error("not found");
    this.cache.delete(id);
    return this.invoices.delete(inv.id);`),
    );
    assert.deepEqual(unknown.flagged, ["invoices.service.ts:6: delete({ where: { id } })"]);
  });
});

describe("a service whose repository and access check a base class declares", () => {
  const files = (extra: string) => ({
    "/p/src/repositories/invoice.repository.ts": `${PRISMA}export class InvoiceRepository {
  async removeInvoice(id: string) {
    return prisma.invoice.delete({ where: { id } });
  }
}
`,
    "/p/src/services/base.service.ts": `import { InvoiceRepository } from "../repositories/invoice.repository";
export class BaseService {
  constructor(protected invoiceRepository: InvoiceRepository, protected access: any) {}
  async requireInvoiceAccess(auth: any, id: string) {
    if (!(await this.access.ownsInvoice(auth.user.id, id))) throw new Error("forbidden");
  }
}
`,
    "/p/src/services/invoice.service.ts": `import { BaseService } from "./base.service";
export class InvoiceService extends BaseService {
  async remove(auth: any, id: string) {
    await this.requireInvoiceAccess(auth, id);
    return this.invoiceRepository.removeInvoice(id);
  }
${extra}}
`,
  });

  test("the base class's check and the base class's repository are followed: the call proves the key", () => {
    const r = run(files(""));
    assert.deepEqual(r.flagged, []);
    assert.match(
      r.proofs.join("\n"),
      /invoice\.service\.ts line 5: key `id` is passed to the authorization check `requireInvoiceAccess`/,
    );
  });

  test("twin: another method calls it with an unchecked id", () => {
    const r = run(files("  async purge(id: string) {\n    return this.invoiceRepository.removeInvoice(id);\n  }\n"));
    assert.deepEqual(r.flagged, ["repositories/invoice.repository.ts:5: delete({ where: { id } })"]);
  });

  test("a base class exported as the module's default is followed too", () => {
    const f = files("");
    f["/p/src/services/base.service.ts"] = f["/p/src/services/base.service.ts"].replace(
      "export class BaseService",
      "export default class BaseService",
    );
    f["/p/src/services/invoice.service.ts"] = f["/p/src/services/invoice.service.ts"]
      .replace('import { BaseService } from "./base.service";', 'import Base from "./base.service";')
      .replace("extends BaseService", "extends Base");
    assert.deepEqual(run(f).flagged, []);
  });
});

describe("a repository that hands the where on whole (NestJS's Prisma recipe, ghostfolio's services)", () => {
  const SERVICE = `${PRISMA}export class InvoiceService {
  invoice(where: { id?: string; tenantId?: string; number?: string }) {
    return prisma.invoice.findUnique({ where });
  }
  deleteInvoice(where: { id: string }) {
    return prisma.invoice.delete({ where });
  }
}
`;
  const controller = (body: string) => `import { InvoiceService } from "../lib/invoice.service";
export class InvoiceController {
  constructor(private readonly invoiceService: InvoiceService, private readonly request: any) {}
  async remove(id: string) {
${body}
  }
}
`;
  const runWith = (body: string) =>
    run({ "/p/src/lib/invoice.service.ts": SERVICE, "/p/src/routes/invoices.ts": controller(body) });

  test("read through it, the row checked, then deleted through it: both proven at their calls", () => {
    const r = runWith(`    const invoice = await this.invoiceService.invoice({ id });
    if (!invoice || invoice.tenantId !== this.request.user.tenantId) throw new Error("forbidden");
    return this.invoiceService.deleteInvoice({ id });`);
    assert.deepEqual(r.flagged, []);
    assert.equal(r.proofs.length, 2, r.proofs.join("\n"));
    assert.match(
      r.proofs[0]!,
      /^lib\/invoice\.service\.ts:5 callers: key `where\.id` is a parameter of `invoice`, and every call passes a proven key or checks the row it returns: invoices\.ts line 5: the row's tenantId is checked against the tenant on line 6$/,
    );
  });

  test("read through it with the tenant in the where it passes, found, then deleted by the key", () => {
    const r =
      runWith(`    const invoice = await this.invoiceService.invoice({ id, tenantId: this.request.user.tenantId });
    if (!invoice) throw new Error("not found");
    return this.invoiceService.deleteInvoice({ id });`);
    assert.deepEqual(r.flagged, []);
  });

  test("calls of both kinds: one passes the tenant in its where, the other checks the row it gets back", () => {
    const r = runWith(`    const mine = await this.invoiceService.invoice({ id, tenantId: this.request.user.tenantId });
    if (!mine) throw new Error("not found");
    const other = await this.invoiceService.invoice({ id: mine.number });
    if (!other || other.tenantId !== this.request.user.tenantId) throw new Error("forbidden");
    return other;`);
    assert.deepEqual(r.flagged, []);
    assert.match(r.proofs[0]!, /invoices\.ts line 5: the where it passes scopes the query \(and 1 more call\)$/);
  });

  test("twin: deleted through it by the route's id with no check: the wrapper's query is flagged, naming the call", () => {
    const r = runWith(`    return this.invoiceService.deleteInvoice({ id });`);
    assert.deepEqual(r.flagged, ["lib/invoice.service.ts:8: delete({ where })"]);
    assert.match(
      r.messages[0]!,
      /^prisma\.invoice\.delete deletes "invoices" by the where its callers pass: the call on invoices\.ts line 5 passes `\{ id \}`, which has no tenant filter\. Require `tenantId: <tenant>` in the where that call passes\./,
    );
  });

  test("twin: of two calls passing no tenant, one proven by its check: the finding names both, and says which nothing proves", () => {
    const r = run({
      "/p/src/lib/invoice.service.ts": SERVICE,
      "/p/src/routes/invoices.ts": `import { InvoiceService } from "../lib/invoice.service";
export class InvoiceController {
  constructor(private readonly invoiceService: InvoiceService, private readonly request: any) {}
  async remove(id: string) {
    const invoice = await this.invoiceService.invoice({ id, tenantId: this.request.user.tenantId });
    if (!invoice) throw new Error("not found");
    return this.invoiceService.deleteInvoice({ id });
  }
  async purge(other: string) {
    return this.invoiceService.deleteInvoice({ id: other });
  }
}
`,
    });
    assert.deepEqual(r.flagged, ["lib/invoice.service.ts:8: delete({ where })"]);
    assert.match(
      r.messages[0]!,
      /the call on invoices\.ts line 7 passes `\{ id \}`, which has no tenant filter; the call on invoices\.ts line 10 passes `\{ id: other \}`, which has no tenant filter\. Require `tenantId: <tenant>` in the where each of those calls passes, or prove the key there\. Its key `where\.id` is a parameter of `deleteInvoice`: the call on invoices\.ts line 10 passes `other`, a parameter of `purge` there, and no call of it was found among the files scanned\./,
    );
  });

  test("twin: a where with no `id` (`{ number }`): the finding names the call, and no key it cannot follow", () => {
    const r = run({
      "/p/src/lib/invoice.service.ts": SERVICE,
      "/p/src/routes/invoices.ts": controller(`    return this.invoiceService.invoice({ number: id });`),
    });
    assert.deepEqual(r.flagged, ["lib/invoice.service.ts:5: findUnique({ where })"]);
    assert.match(
      r.messages[0]!,
      /the call on invoices\.ts line 5 passes `\{ number: id \}`, which has no tenant filter/,
    );
    assert.doesNotMatch(r.messages[0]!, /Its key|cannot be followed/);
  });

  test("twin: the tenant in the where it passes may be undefined (Prisma drops it)", () => {
    const r = run({
      "/p/src/lib/invoice.service.ts": SERVICE,
      "/p/src/routes/invoices.ts": `import { InvoiceService } from "../lib/invoice.service";
export class InvoiceController {
  constructor(private readonly invoiceService: InvoiceService) {}
  async remove(id: string, maybe?: string) {
    const invoice = await this.invoiceService.invoice({ id, tenantId: maybe });
    if (!invoice) throw new Error("not found");
    return this.invoiceService.deleteInvoice({ id });
  }
}
`,
    });
    assert.deepEqual(r.flagged, [
      "lib/invoice.service.ts:5: findUnique({ where })",
      "lib/invoice.service.ts:8: delete({ where })",
    ]);
  });

  test("twin: a check that only logs before the delete", () => {
    const r = runWith(`    const invoice = await this.invoiceService.invoice({ id });
    if (!invoice || invoice.tenantId !== this.request.user.tenantId) console.warn("forbidden");
    return this.invoiceService.deleteInvoice({ id });`);
    assert.deepEqual(r.flagged.sort(), [
      "lib/invoice.service.ts:5: findUnique({ where })",
      "lib/invoice.service.ts:8: delete({ where })",
    ]);
  });

  test("no call of the wrapper to judge: the where stays one tenantguard cannot read", () => {
    const r = run({ "/p/src/lib/invoice.service.ts": SERVICE });
    assert.deepEqual(r.flagged, []);
    const rules = analyzeSourceFile({
      ts,
      sourceFile: ts.createSourceFile("/p/src/lib/invoice.service.ts", SERVICE, ts.ScriptTarget.Latest, true),
      config: resolveConfig({ tenantColumns: ["tenant_id"] }, "/p", undefined),
      model: h.model,
      parser: h.parser,
      relativePath: "src/lib/invoice.service.ts",
      callerFiles: () => [],
    }).map((f) => f.ruleId);
    assert.deepEqual(rules, ["dynamic-sql", "dynamic-sql"]);
  });
});

// unsend's domain service: `tldts.getDomain(name)`, a package's function of the same name as the
// service's `getDomain(id)`, was taken for a call of it that cannot be followed.
describe("a call of a package's function that shares the name", () => {
  const SERVICE = `${PRISMA}import * as tldts from "tldts";
import * as other from "./other";
export async function getInvoice(id: string) {
  return prisma.invoice.findUnique({ where: { id } });
}
export function domainOf(name: string) {
  return tldts.getInvoice(name);
}
`;
  const ROUTE = `import { getInvoice } from "../lib/service";
export async function show(tenantId: string, id: string) {
  const owned = await prisma.invoice.findFirst({ where: { id, tenantId } });
  if (!owned) throw new Error("not found");
  return getInvoice(owned.id);
}
`;
  test("a namespace import from node_modules names no project file: the one real call is judged", () => {
    const r = run({ "/p/src/lib/service.ts": SERVICE, "/p/src/routes/show.ts": `${PRISMA}${ROUTE}` });
    assert.deepEqual(r.flagged, []);
  });

  test("twins: the same name through a project module that cannot be read, a workspace package (scoped, or a bare name its folder has)", () => {
    for (const from of ["./other", "@acme/lib", "@acme/anything", "lib"]) {
      const service = SERVICE.replace('import * as tldts from "tldts";', `import * as tldts from "${from}";`).replace(
        'import * as other from "./other";\n',
        "",
      );
      const r = run({ "/p/src/lib/service.ts": service, "/p/src/routes/show.ts": `${PRISMA}${ROUTE}` });
      assert.deepEqual(r.flagged, ["lib/service.ts:5: findUnique({ where: { id } })"], from);
    }
  });
});

// crowd.dev's repositories: `class TenantUserRepository { static async ...(id, options) }` with
// `export default TenantUserRepository`, imported under that name and called on it.
describe("a named import from a bare package name", () => {
  test('twin: `import { getInvoice } from "db"` may be a workspace package in any folder: its call counts', () => {
    const r = run({
      "/p/packages/database/src/index.ts": `${PRISMA}export async function getInvoice(id: string) {
  return prisma.invoice.findUnique({ where: { id } });
}
export async function ownInvoice(id: string, tenantId: string) {
  const mine = await prisma.invoice.findFirst({ where: { id, tenantId } });
  if (!mine) throw new Error("nf");
  return getInvoice(mine.id);
}
`,
      "/p/apps/api/src/handler.ts": `import { getInvoice } from "db";
export async function handler(req: { params: { id: string } }) {
  return getInvoice(req.params.id);
}
`,
    });
    assert.ok(
      r.flagged.some((f) => f.includes("findUnique")),
      r.flagged.join("\n"),
    );
  });
});

describe("static methods of a default-exported class", () => {
  const REPO = `${PRISMA}class InvoiceRepository {
  static async rename(invoiceId: string, number: string) {
    return prisma.invoice.update({ where: { id: invoiceId }, data: { number } });
  }
}
export default InvoiceRepository;
`;
  const service = (key: string) => `${PRISMA}import Invoices from "../repos/invoice";
export async function rename(id: string, tenantId: string, body: { id: string }) {
  const owned = await prisma.invoice.findFirst({ where: { id, tenantId } });
  if (!owned) throw new Error("not found");
  return Invoices.rename(${key}, "x");
}
`;
  test("every call passes a proven key: proven at its calls", () => {
    const r = run({ "/p/src/repos/invoice.ts": REPO, "/p/src/services/invoice.ts": service("owned.id") });
    assert.deepEqual(r.flagged, []);
  });

  test("twin: a call passes the request's id: flagged, naming the call", () => {
    const r = run({ "/p/src/repos/invoice.ts": REPO, "/p/src/services/invoice.ts": service("body.id") });
    assert.deepEqual(r.flagged, ["repos/invoice.ts:5: update({ where: { id: invoiceId }, data: { number } })"]);
    assert.match(r.messages[0]!, /the call on invoice\.ts line 7 passes `body\.id`/);
  });
});

// infisical's data layer: each DAL is a factory returning its methods (`return { ...orm, findById }`),
// each service takes it injected (`{ tokenDAL }: { tokenDAL: ReturnType<typeof tokenDALFactory> }`,
// or a `Pick<...>` of it) and calls `tokenDAL.findById(id)`.
describe("a method of a factory-made data layer, called through the object injected into a service", () => {
  const DAL = `${PRISMA}
const ormify = (table: string) => ({
  findById: async (id: string) => ({ id, table }),
});
export type TInvoiceDAL = ReturnType<typeof invoiceDALFactory>;
export const invoiceDALFactory = () => {
  const orm = ormify("invoices");
  const findById = async (id: string) => prisma.invoice.findUnique({ where: { id } });
  return { ...orm, findById };
};
export type TNoteDAL = ReturnType<typeof noteDALFactory>;
export const noteDALFactory = () => ({ ...ormify("notes") });
`;
  const service = (check: string, dep = "TInvoiceDAL") => `import type { TInvoiceDAL, TNoteDAL } from "../dal/invoice";
type Deps = { invoiceDAL: ${dep}; other: TNoteDAL };
export const invoiceServiceFactory = ({ invoiceDAL, other }: Deps) => {
  const getInvoice = async ({ id, tenantId }: { id: string; tenantId: string }) => {
    await other.findById(id);
    const invoice = await invoiceDAL.findById(id);
${check}
    return invoice;
  };
  return { getInvoice };
};
`;
  const CHECK = `    if (!invoice || invoice.tenantId !== tenantId) throw new Error("not found");`;
  const files = (svc: string, dal = DAL) => ({ "/p/src/dal/invoice.ts": dal, "/p/src/services/invoice.ts": svc });

  test("every call checks the row's tenant: the DAL's read is proven (the type also as Pick<...>)", () => {
    for (const dep of ["TInvoiceDAL", 'Pick<TInvoiceDAL, "findById">']) {
      const r = run(files(service(CHECK, dep)));
      assert.deepEqual(r.flagged, [], dep);
      assert.ok(
        r.proofs.some((p) =>
          /^dal\/invoice.ts:10 callers: key `id` is a parameter of `findById`, .*invoice.ts line 6: the row.s tenantId is checked/.test(
            p,
          ),
        ),
        r.proofs.join("\n"),
      );
    }
  });

  test("twins: a call that does not check, the method taken off the object as a value", () => {
    assert.deepEqual(run(files(service(""))).flagged, ["dal/invoice.ts:10: findUnique({ where: { id } })"]);
    const taken = run(
      files(
        service(CHECK).replace(
          "  return { getInvoice };",
          "  const load = invoiceDAL.findById;\n  return { getInvoice, load };",
        ),
      ),
    );
    assert.deepEqual(taken.flagged, ["dal/invoice.ts:10: findUnique({ where: { id } })"]);
  });
});

// typebot's publish flow: a created version row handed on through `typebotVersionSchema.parse(row)` (zod).
describe("a proven row validated by a schema's parse() is still the tenant's row", () => {
  const body = (parse: string) => `${PRISMA}
import { z } from "zod";
const invoiceSchema = z.object({ id: z.string(), tenantId: z.string() });
const movingSchema = invoiceSchema.transform((i) => ({ ...i, id: String(Date.now()) }));
const fieldSchema = z.object({ id: z.string().transform((s) => s.slice(1)), tenantId: z.string() });
declare const parser: { parse<T>(x: T): T };
export async function voidInvoice(tenantId: string, input: { id: string }) {
  const invoice = await prisma.invoice.findFirst({ where: { id: input.id, tenantId } });
  if (!invoice) throw new Error("not found");
  const parsed = ${parse};
  await prisma.invoice.update({ where: { id: parsed.id }, data: { status: "void" } });
}
`;

  test("`schema.parse(row)`: the write by its id is proven", () => {
    assert.deepEqual(run({ "/p/src/void.ts": body("invoiceSchema.parse(invoice)") }).flagged, []);
  });

  test("twins: the request parsed, a parse() of no zod schema, a schema that transforms the row or its key", () => {
    for (const parse of [
      "invoiceSchema.parse(input)",
      "parser.parse(invoice)",
      "movingSchema.parse(invoice)",
      "fieldSchema.parse(invoice)",
    ])
      assert.deepEqual(
        run({ "/p/src/void.ts": body(parse) }).flagged.map((f) => f.split(": ")[0]),
        ["void.ts:13"],
        parse,
      );
  });
});

// typebot's archiveResults: `(prisma) => async ({ resultsFilter }) => findMany({ where: { ...resultsFilter, OR } })`,
// called `archiveResults(prisma)({ resultsFilter: { typebotId } })` after the typebot was checked.
describe("a curried data-layer function whose where spreads the filter it is handed", () => {
  const LIB = (where = "{ ...filter, OR: [{ amount: 0 }, { amount: null }] }") => `${PRISMA}
export const archiveLines =
  (opts: { dryRun: boolean }) =>
  async ({ filter }: { filter: { invoiceId: string; amount?: number } }) => {
    const rows = await prisma.invoiceLine.findMany({ where: ${where}, select: { id: true } });
    const ids = rows.map((r) => r.id);
    if (!opts.dryRun) await prisma.invoiceLine.deleteMany({ where: { id: { in: ids } } });
  };
`;
  const ROUTE = (call: string) => `${PRISMA}
import { archiveLines } from "../lib/lines";
export async function clear(tenantId: string, input: { invoiceId: string }) {
  const invoice = await prisma.invoice.findFirst({ where: { id: input.invoiceId, tenantId } });
  if (!invoice) throw new Error("not found");
${call}
}
`;
  const flagged = (lib: string, call: string) =>
    run({ "/p/src/lib/lines.ts": lib, "/p/src/routes/clear.ts": ROUTE(call) }).flagged.map((f) => f.split(": ")[0]);

  test("every call hands it a filter keyed by a proven parent: the deletes by the rows it read are proven", () => {
    assert.deepEqual(
      flagged(LIB(), "  await archiveLines({ dryRun: false })({ filter: { invoiceId: invoice.id } });"),
      [],
    );
  });

  test("twins: an unchecked key handed in, the spread's key replaced after it, the curried function kept and called later", () => {
    assert.deepEqual(
      flagged(LIB(), "  await archiveLines({ dryRun: false })({ filter: { invoiceId: input.invoiceId + '' } });"),
      ["lib/lines.ts:9"],
    );
    assert.deepEqual(
      flagged(
        LIB("{ ...filter, invoiceId: undefined }"),
        "  await archiveLines({ dryRun: false })({ filter: { invoiceId: invoice.id } });",
      ),
      ["lib/lines.ts:9"],
    );
    assert.deepEqual(
      flagged(
        LIB(),
        "  const archive = archiveLines({ dryRun: false });\n  await archive({ filter: { invoiceId: invoice.id } });",
      ),
      ["lib/lines.ts:9"],
    );
  });
});

// hoppscotch's findRequestAndNextRequest: `request.teamID !== nextRequest.teamID`, the proven row on the left.
describe("a row's tenant compared with a proven row's, either side of !==", () => {
  const body = (test: string, current = "{ id: input.id, tenantId }") => `${PRISMA}
export async function move(tenantId: string, input: { id: string; nextId: string }) {
  const current = await prisma.invoice.findFirst({ where: ${current} });
  if (!current) throw new Error("not found");
  const next = await prisma.invoice.findFirst({ where: { id: input.nextId } });
  if (!next || ${test}) throw new Error("not found");
  await prisma.invoice.update({ where: { id: next.id }, data: { status: "moved" } });
}
`;
  const flagged = (test: string, current?: string) =>
    run({ "/p/src/move.ts": body(test, current) }).flagged.map((f) => f.split(": ")[0]);

  test("`current.tenantId !== next.tenantId` and `next.tenantId !== current.tenantId`: proven", () => {
    assert.deepEqual(flagged("current.tenantId !== next.tenantId"), []);
    assert.deepEqual(flagged("next.tenantId !== current.tenantId"), []);
  });

  test("twin: the row compared with one read by the request's id only", () => {
    // (`current` only decides the test: its own read hands nothing on.)
    assert.deepEqual(flagged("current.tenantId !== next.tenantId", "{ id: input.id }"), ["move.ts:7", "move.ts:9"]);
  });
});

// hoppscotch: `if (!member) throwErr(TEAM_MEMBER_NOT_FOUND)`, with `throwErr(msg): never`.
describe("a check that ends the path by calling a function named for throwing", () => {
  const body = (end: string) => `${PRISMA}
declare function ${end.split("(")[0]}(message: string): never;
export async function remove(tenantId: string, input: { id: string }) {
  const invoice = await prisma.invoice.findUnique({ where: { id: input.id } });
  if (!invoice || invoice.tenantId !== tenantId) ${end};
  await prisma.invoice.delete({ where: { id: invoice.id } });
}
`;
  const flagged = (end: string) => run({ "/p/src/remove.ts": body(end) }).flagged.map((f) => f.split(": ")[0]);

  test("`throwErr(...)`, `throwNotFound(...)`: the path ends there", () => {
    assert.deepEqual(flagged('throwErr("not found")'), []);
    assert.deepEqual(flagged('throwNotFound("invoice")'), []);
  });

  test("twins: a function that throws only sometimes by its name, or only logs", () => {
    assert.deepEqual(flagged('throwIfDebug("not found")'), ["remove.ts:6", "remove.ts:8"]);
    assert.deepEqual(flagged('logErr("not found")'), ["remove.ts:6", "remove.ts:8"]);
  });
});

// hoppscotch's getCollection: `return E.right(row)` of a read by the id it is handed, `E.left(...)` otherwise.
describe("a by-id read handed back wrapped (fp-ts E.right), read by a key the caller proved", () => {
  const body = (key: string) => `${PRISMA}
import * as E from "fp-ts/Either";
async function getInvoice(id: string) {
  const invoice = await prisma.invoice.findUnique({ where: { id } });
  if (!invoice) return E.left("not_found");
  return E.right(invoice);
}
export async function remove(tenantId: string, input: { id: string; other: string }) {
  const owned = await prisma.invoice.findFirst({ where: { id: input.id, tenantId } });
  if (!owned) throw new Error("not found");
  const found = await getInvoice(${key});
  if (E.isLeft(found)) return;
  await prisma.invoice.delete({ where: { id: found.right.id } });
}
`;
  const flagged = (key: string) => run({ "/p/src/remove.ts": body(key) }).flagged.map((f) => f.split(": ")[0]);

  test("the key proven before the call: the wrapped row's id is the tenant's", () => {
    assert.deepEqual(flagged("input.id"), []);
  });

  test("twin: another key from the request", () => {
    assert.deepEqual(flagged("input.other"), ["remove.ts:6", "remove.ts:15"]);
  });
});

// hoppscotch's reorderRequests: `request = await tx.teamRequest.findUnique({ where: { id: request.id } })`
// inside the transaction, then an update by `request.id`.
describe("a row parameter read again by its own id keeps its key", () => {
  const body = (reread: string, caller = "{ id: input.id, tenantId }") => `${PRISMA}
import type { Invoice } from "@prisma/client";
async function bump(invoice: Invoice | null, other: string) {
  return prisma.$transaction(async (tx) => {
    invoice = ${reread};
    if (!invoice) return null;
    return tx.invoice.update({ where: { id: invoice.id }, data: { status: "bumped" } });
  });
}
export async function bumpAction(tenantId: string, input: { id: string; other: string }) {
  const invoice = await prisma.invoice.findFirst({ where: ${caller} });
  if (!invoice) throw new Error("not found");
  return bump(invoice, input.other);
}
`;
  const flagged = (reread: string, caller?: string) =>
    run({ "/p/src/bump.ts": body(reread, caller) }).flagged.map((f) => f.split(": ")[0]);

  test("`row = await tx.x.findUnique({ where: { id: row.id } })`: proven at the call", () => {
    assert.deepEqual(flagged("await tx.invoice.findUnique({ where: { id: invoice.id } })"), []);
    assert.deepEqual(flagged("await tx.invoice.findUniqueOrThrow({ where: { id: invoice.id } })"), []);
  });

  test("twins (review): a re-read that may leave the row null, a findFirst by an optional id, the id written", () => {
    // A null row makes `invoice?.id` undefined, and `findFirst` by an undefined id reads any row.
    assert.deepEqual(flagged("invoice ? await tx.invoice.findUnique({ where: { id: invoice.id } }) : null"), [
      "bump.ts:7",
      "bump.ts:9",
    ]);
    assert.deepEqual(flagged("await tx.invoice.findFirst({ where: { id: invoice?.id } })"), ["bump.ts:7", "bump.ts:9"]);
    assert.deepEqual(
      flagged(
        "await tx.invoice.findUnique({ where: { id: invoice.id } });\n    invoice.id = other as any;\n    if (!invoice) return null",
      ),
      ["bump.ts:7", "bump.ts:11"],
    );
    // (review, round 2) the same write through another name for the row.
    assert.deepEqual(
      flagged(
        "await tx.invoice.findUnique({ where: { id: invoice.id } });\n    const r = invoice;\n    r!.id = other as any;\n    if (!invoice) return null",
      ),
      ["bump.ts:7", "bump.ts:12"],
    );
  });

  test("twins: the caller's row unscoped, the row replaced by one read by another key or by more than its id", () => {
    assert.deepEqual(flagged("await tx.invoice.findUnique({ where: { id: invoice.id } })", "{ id: input.id }"), [
      "bump.ts:7",
      "bump.ts:9",
      "bump.ts:13",
    ]);
    assert.deepEqual(flagged("await tx.invoice.findUnique({ where: { id: other } })"), ["bump.ts:7", "bump.ts:9"]);
    assert.deepEqual(flagged("await tx.invoice.findFirst({ where: { id: invoice.id, ...{ id: other } } })"), [
      "bump.ts:7",
      "bump.ts:9",
    ]);
  });
});

// inbox-zero's rule actions: `rule = rule || (await toggleRule(...))`, the found row or one just made for the tenant.
describe("a row found, or else made, for the tenant (`a || b`, `a ?? b`)", () => {
  const body = (other: string) => `${PRISMA}
export async function reset(tenantId: string, input: { number: string; other: string }) {
  let inv = await prisma.invoice.findFirst({ where: { number: input.number, tenantId } });
  inv = ${other};
  await prisma.invoice.delete({ where: { id: inv.id } });
}
`;
  const flagged = (other: string) => run({ "/p/src/reset.ts": body(other) }).flagged.map((f) => f.split(": ")[0]);

  test("either side the tenant's row: the write by its id is proven", () => {
    assert.deepEqual(flagged("inv || (await prisma.invoice.create({ data: { tenantId, number: input.number } }))"), []);
    assert.deepEqual(flagged("inv ?? (await prisma.invoice.findFirstOrThrow({ where: { tenantId } }))"), []);
  });

  test("twins: the other side read by a key from the request, or handed in", () => {
    assert.deepEqual(flagged("inv || (await prisma.invoice.findUnique({ where: { id: input.other } }))"), [
      "reset.ts:6",
      "reset.ts:7",
    ]);
    assert.deepEqual(flagged("inv ?? (input as any).row"), ["reset.ts:7"]);
  });
});

// outline's `authorize(user, "read", folder)` (policies.ts: `if (!can(actor, action, target)) throw`), then
// a query by `folder.id`: the checked row's id is the tenant's, as the key it was read by is.
describe("the id of a row handed whole to an imported authorization check", () => {
  const POLICIES = `export function authorize(actor: any, action: string, target: any): asserts target {
  if (!can(actor, action, target)) throw new Error("forbidden");
}
export function can(actor: any, action: string, target: any): boolean {
  return !!target && actor.tenantId === target.tenantId;
}
`;
  const body = (key: string) => `${PRISMA}
import { authorize } from "./policies";
export async function show(user: any, input: { id: string; other: string }) {
  const inv = await prisma.invoice.findUnique({ where: { id: input.id } });
  authorize(user, "read", inv);
  return prisma.invoice.findFirst({ where: { id: ${key} } });
}
`;
  const flagged = (key: string) =>
    run({ "/p/src/policies.ts": POLICIES, "/p/src/show.ts": body(key) }).flagged.map((f) => f.split(": ")[0]);

  test("`inv.id` after `authorize(user, 'read', inv)`: proven", () => {
    assert.deepEqual(flagged("inv.id"), []);
    assert.deepEqual(flagged("input.id"), []);
  });

  test("twin: another id from the request", () => {
    assert.deepEqual(flagged("input.other"), ["show.ts:8"]);
  });

  // outline's shareLoader: `authorize(user, "read", share.document)`, then `share.document.collectionId`.
  test("a related row of a scoped row handed to the check keeps its keys; of an unscoped row it proves none", () => {
    const related = (where: string) => `${PRISMA}
import { authorize } from "./policies";
export async function lines(user: any, tenantId: string, input: { id: string }) {
  const line = await prisma.invoiceLine.findFirst({ where: ${where}, include: { invoice: true } });
  if (!line) throw new Error("not found");
  authorize(user, "read", line.invoice);
  return prisma.invoice.findFirst({ where: { id: line.invoice.id } });
}
`;
    const flaggedIn = (where: string) =>
      run({ "/p/src/policies.ts": POLICIES, "/p/src/lines.ts": related(where) }).flagged.map((f) => f.split(": ")[0]);
    assert.deepEqual(flaggedIn("{ id: input.id, invoice: { tenantId } }"), []);
    assert.deepEqual(flaggedIn("{ id: input.id }"), ["lines.ts:6", "lines.ts:9"]);
  });
});

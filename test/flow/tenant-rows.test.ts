// The tenant's own row: `prisma.tenant.findUnique({ where: { id: tenantId }, include: { invoices:
// true } })` reads the tenant itself, so the rows it includes are the tenant's, and a key found
// among them (`.find((i) => i.id === key)` or `.some(...)`, then a guard that ends the path) is
// proven. A helper that checks a key only when one is given (`if (invoiceId) { ... }`) proves it
// for a query a missing key cannot widen (update/delete by id), not for one that drops a missing
// key from its filter (updateMany, findFirst). Each safe case sits beside its unsafe twin.
// Prisma model: prisma-harness's SCHEMA (Tenant is what `tenantId` points at).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { harness, PRISMA_CLIENT, runFlow, type FlowRun } from "../helpers/flow-run";
import { prismaModel, SCHEMA } from "../orm/prisma-harness";

const h = harness();

const PRISMA = PRISMA_CLIENT;

function handler(body: string): FlowRun {
  return h.run({
    "/p/src/routes/invoices.ts": `${PRISMA}export async function handler(tenantId: string, input: any) {\n${body}\n}`,
  });
}

describe("the tenant's own table", () => {
  test("is what a tenant column points at, with the back-relations that hold its rows", () => {
    assert.equal(h.model.roots?.get("tenant")?.name, "tenants");
    assert.equal(h.model.roots?.get("tenants")?.keyColumn, "id");
    assert.equal(h.model.tables.has("tenants"), false, "the tenants table itself stays global");
    // A table nothing tenant-owned points at by its tenant column is no tenant's own table.
    assert.equal(h.model.roots?.get("plan"), undefined);
  });
});

describe("rows included by the tenant's own row", () => {
  const read = (
    where: string,
    guard: string,
  ) => `  const t = await prisma.tenant.findUnique({ where: ${where}, include: { invoices: true } });
  if (!t) throw new Error("no tenant");
  const inv = t.invoices.find((i) => i.id === input.id);
${guard}
  await prisma.invoice.update({ where: { id: inv.id }, data: { status: "paid" } });
  await prisma.invoice.delete({ where: { id: input.id } });`;

  test("a row found among them, and the key it was found by, are the tenant's", () => {
    const r = handler(read("{ id: tenantId }", `  if (!inv) throw new Error("not this tenant's");`));
    assert.deepEqual(r.flagged, []);
    assert.deepEqual(
      r.proofs.map((p) => p.replace(/^(\S+ \S+).*$/, "$1")),
      ["routes/invoices.ts:8 owned-key:", "routes/invoices.ts:9 owned-key:"],
    );
    assert.match(
      r.proofs[1]!,
      /key `input\.id` must match a row of `t\.invoices` \(the path ends on line 7 otherwise\), and key `t\.invoices` comes from the scoped query on line 4$/,
    );
  });

  test("the key the included rows were filtered by, once the path ends on none (`!t.invoices.length`)", () => {
    const body = (
      filter: string,
      guard: string,
    ) => `  const t = await prisma.tenant.findUnique({ where: { id: tenantId }, include: { invoices: { where: ${filter} } } });
  if (!t) throw new Error("no tenant");
${guard}
  await prisma.invoice.delete({ where: { id: input.id } });`;
    assert.deepEqual(handler(body("{ id: input.id }", '  if (!t.invoices.length) throw new Error("no");')).flagged, []);
    // Twins: no guard on the count, a filter on another field, a guard on the list (an empty list is truthy).
    const flagged = ["routes/invoices.ts:7: delete({ where: { id: input.id } })"];
    assert.deepEqual(handler(body("{ id: input.id }", "")).flagged, flagged);
    assert.deepEqual(
      handler(body("{ number: input.id }", '  if (!t.invoices.length) throw new Error("no");')).flagged,
      flagged,
    );
    assert.deepEqual(handler(body("{ id: input.id }", '  if (!t.invoices) throw new Error("no");')).flagged, flagged);
  });

  test("twin: without the guard, the key the match was tried on proves nothing", () => {
    const r = handler(read("{ id: tenantId }", ""));
    assert.deepEqual(r.flagged, ["routes/invoices.ts:9: delete({ where: { id: input.id } })"]);
  });

  test("twin: a tenant row read by an id from the request, or where an OR may widen it, is no proof", () => {
    for (const where of ["{ id: input.tenantId }", "{ OR: [{ id: tenantId }, { name: input.name }] }"]) {
      const r = handler(read(where, `  if (!inv) throw new Error("not this tenant's");`));
      assert.equal(r.flagged.length, 2, where);
    }
  });

  test("`.some` on the included rows, then a guard, proves the key; a match on another field does not", () => {
    const body = (
      match: string,
    ) => `  const t = await prisma.tenant.findFirstOrThrow({ where: { id: tenantId, name: "x" }, include: { invoices: true } });
  if (!t.invoices.some(${match})) throw new Error("not this tenant's");
  await prisma.invoice.delete({ where: { id: input.id } });`;
    assert.deepEqual(handler(body("(i) => i.id === input.id")).flagged, []);
    assert.deepEqual(handler(body("({ id }) => input.id === id")).flagged, []);
    assert.deepEqual(handler(body("(i) => i.number === input.id")).flagged, [
      "routes/invoices.ts:6: delete({ where: { id: input.id } })",
    ]);
    // The matched value must not come from the row itself.
    assert.deepEqual(handler(body("(i) => i.id === i.number")).flagged.length, 1);
  });

  test("a `let` that may hold another row at the guard proves nothing", () => {
    const r =
      handler(`  const t = await prisma.tenant.findUnique({ where: { id: tenantId }, include: { invoices: true } });
  if (!t) throw new Error("no tenant");
  let inv = input.fallback;
  if (input.pick) inv = t.invoices.find((i) => i.id === input.id);
  if (!inv) throw new Error("missing");
  await prisma.invoice.delete({ where: { id: input.id } });`);
    assert.deepEqual(r.flagged, ["routes/invoices.ts:9: delete({ where: { id: input.id } })"]);
  });
});

describe("a helper that finds the key among the tenant's rows, only when one is given", () => {
  const LIB = `${PRISMA}
export async function getTenantAndInvoice({ tenantId, invoiceId }: { tenantId: string; invoiceId?: string }) {
  const tenant = await prisma.tenant.findUnique({ where: { id: tenantId }, include: { invoices: true } });
  if (!tenant) throw new Error("no tenant");
  let invoice;
  if (invoiceId) {
    invoice = tenant.invoices.find((i) => i.id === invoiceId);
    if (!invoice) throw new Error("not this tenant's invoice");
  }
  return { tenant, invoice };
}
`;
  const ROUTE = `import { prisma, getTenantAndInvoice } from "../lib/tenant";
export async function pin(tenantId: string, req: any) {
  const { id } = req.query;
  const { invoice } = await getTenantAndInvoice({ tenantId, invoiceId: id });
  await prisma.invoice.update({ where: { id }, data: { status: "pinned" } });
  await prisma.invoice.delete({ where: { id: invoice.id } });
  await prisma.invoice.updateMany({ where: { id }, data: { status: "pinned" } });
  await prisma.invoiceLine.deleteMany({ where: { invoiceId: id } });
}
`;

  test("proves it for an update or delete by id, and returns the row it found", () => {
    const r = h.run({ "/p/src/lib/tenant.ts": LIB, "/p/src/routes/pin.ts": ROUTE });
    assert.deepEqual(r.flagged, [
      // A missing id drops the condition from updateMany's and deleteMany's where: every tenant's rows.
      'routes/pin.ts:7: updateMany({ where: { id }, data: { status: "pinned" } })',
      "routes/pin.ts:8: deleteMany({ where: { invoiceId: id } })",
    ]);
    const proofs = r.proofs.filter((p) => p.startsWith("routes/"));
    assert.match(
      proofs[0]!,
      /^routes\/pin\.ts:5 helper: key `id` is verified by `getTenantAndInvoice` \(tenant\.ts line 4\), which throws unless a scoped query finds it \(when one is given; without one this query fails or matches nothing\)$/,
    );
    assert.match(proofs[1]!, /^routes\/pin\.ts:6 helper: key `invoice\.id` comes from `getTenantAndInvoice`/);
  });

  test("twin: a helper that reads the invoice by id alone proves neither", () => {
    const lib = LIB.replace(
      "invoice = tenant.invoices.find((i) => i.id === invoiceId);",
      "invoice = await prisma.invoice.findUnique({ where: { id: invoiceId } });",
    );
    const r = h.run({ "/p/src/lib/tenant.ts": lib, "/p/src/routes/pin.ts": ROUTE });
    assert.deepEqual(
      r.flagged.filter((f) => f.startsWith("routes/")),
      [
        'routes/pin.ts:5: update({ where: { id }, data: { status: "pinned" } })',
        "routes/pin.ts:6: delete({ where: { id: invoice.id } })",
        'routes/pin.ts:7: updateMany({ where: { id }, data: { status: "pinned" } })',
        "routes/pin.ts:8: deleteMany({ where: { invoiceId: id } })",
      ],
    );
  });

  test("twin: with an else branch, or a check that does not end the path, nothing carries past the if", () => {
    const withElse = LIB.replace(
      '    if (!invoice) throw new Error("not this tenant\'s invoice");\n  }',
      '    if (!invoice) throw new Error("not this tenant\'s invoice");\n  } else {\n    invoice = undefined;\n  }',
    );
    const r = h.run({ "/p/src/lib/tenant.ts": withElse, "/p/src/routes/pin.ts": ROUTE });
    assert.ok(r.flagged.includes('routes/pin.ts:5: update({ where: { id }, data: { status: "pinned" } })'));
    const logs = LIB.replace(
      'if (!invoice) throw new Error("not this tenant\'s invoice");',
      'if (!invoice) console.warn("not this tenant\'s invoice");',
    );
    const s = h.run({ "/p/src/lib/tenant.ts": logs, "/p/src/routes/pin.ts": ROUTE });
    assert.ok(s.flagged.includes('routes/pin.ts:5: update({ where: { id }, data: { status: "pinned" } })'));
  });
});

test("a back-relation of the tenant's table that pairs with another relation holds no tenant's rows", () => {
  // Invoice has two relations to Tenant: the owner (tenantId) and the one it is shared with.
  const schema = SCHEMA.replace(
    '  invoices Invoice[]\n  @@map("tenants")',
    '  invoices Invoice[] @relation("owner")\n  shared   Invoice[] @relation("shared")\n  @@map("tenants")',
  ).replace(
    "  tenant   Tenant        @relation(fields: [tenantId], references: [id])\n  number",
    '  tenant   Tenant        @relation("owner", fields: [tenantId], references: [id])\n  sharedWithId String?\n  sharedWith Tenant? @relation("shared", fields: [sharedWithId], references: [id])\n  number',
  );
  const shared = prismaModel(h.parser, schema);
  const r = runFlow(h.parser, shared, {
    "/p/src/routes/invoices.ts": `${PRISMA}export async function handler(tenantId: string, input: any) {
  const t = await prisma.tenant.findUnique({ where: { id: tenantId }, include: { shared: true } });
  if (!t) throw new Error("no tenant");
  const inv = t.shared.find((i) => i.id === input.id);
  if (!inv) throw new Error("not shared");
  await prisma.invoice.delete({ where: { id: input.id } });
}`,
  });
  assert.deepEqual(r.flagged, ["routes/invoices.ts:8: delete({ where: { id: input.id } })"]);
});

describe("a row checked through its parent's tenant (Prisma relation)", () => {
  const body = (
    check: string,
  ) => `  const line = await prisma.invoiceLine.findUnique({ where: { id: input.id }, include: { invoice: true } });
  if (!line || ${check}) throw new Error("forbidden");
  await prisma.invoiceLine.delete({ where: { id: input.id } });`;

  test("`line.invoice.tenantId !== tenantId`, then throw, checks the line and its key", () => {
    const r = handler(body("line.invoice.tenantId !== tenantId"));
    assert.deepEqual(r.flagged, []);
    assert.match(r.proofs[0]!, /the row's invoice\.tenantId is checked against the tenant on line 5$/);
  });

  test("twin: another field of the parent checks nothing", () => {
    assert.equal(handler(body("line.invoice.number !== tenantId")).flagged.length, 2);
  });
});

describe("queries run together with Promise.all", () => {
  const body = (names: string) => `  const [${names}] = await Promise.all([
    prisma.invoice.count({ where: { tenantId } }),
    prisma.invoice.findMany({ where: { tenantId, status: "open" } }),
  ]);
  await prisma.invoice.update({ where: { id: open[0].id }, data: { status: "paid" } });`;

  test("each name holds the result of the query at its place", () => {
    assert.deepEqual(handler(body("count, open")).flagged, []);
  });

  test("twin: the name at the count's place holds no rows", () => {
    assert.deepEqual(handler(body("open, count")).flagged, [
      'routes/invoices.ts:8: update({ where: { id: open[0].id }, data: { status: "paid" } })',
    ]);
  });
});

describe("more ways a row read by its key is checked", () => {
  test("shared-or-owned: `note.tenantId && note.tenantId !== tenantId`, then throw, checks the read; the key proves no write", () => {
    const body = (check: string) => `  const note = await prisma.note.findUnique({ where: { id: input.id } });
  if (!note || ${check}) throw new Error("not found");
  await prisma.note.update({ where: { id: input.id }, data: { body: "x" } });
  return note.body;`;
    // A shared note (no tenant) passes the check: readable, but the update by its id would change every tenant's note.
    assert.deepEqual(handler(body("(note.tenantId && note.tenantId !== tenantId)")).flagged, [
      'routes/invoices.ts:6: update({ where: { id: input.id }, data: { body: "x" } })',
    ]);
    // Twin: a test of another field before the comparison is no shared-or-owned check.
    assert.equal(handler(body("(note.body && note.tenantId !== tenantId)")).flagged.length, 2);
  });

  test("a row whose secret the caller proved to hold: `!(await verifySecret(secret, key.secretHash))`, then throw", () => {
    const body = (
      verify: string,
    ) => `  const key = await prisma.invoice.findUnique({ where: { number: input.number } });
  if (!key) throw new Error("no such key");
  if (!(await ${verify})) throw new Error("bad credentials");
  await prisma.invoice.update({ where: { number: input.number }, data: { status: "used" } });`;
    const safe = handler(body("verifySecret(input.secret, key.secretHash)"));
    assert.deepEqual(safe.flagged, []);
    assert.match(
      safe.proofs[0]!,
      /credential: the caller proved to hold the row's secret \(`secretHash` is verified on line 6\)$/,
    );
    // Twins: a field that is no secret, a call that verifies something else.
    assert.equal(handler(body("verifySecret(input.secret, key.number)")).flagged.length, 2);
    assert.equal(handler(body("sendReceipt(input.secret, key.secretHash)")).flagged.length, 2);
  });

  test("a proven parent key inside a compound unique selector scopes the child", () => {
    const body = (key: string) => `  const inv = await prisma.invoice.findFirst({ where: { id: input.id, tenantId } });
  if (!inv) throw new Error("not found");
  await prisma.invoiceLine.delete({ where: { invoiceId_position: { invoiceId: ${key}, position: 1 } } });`;
    assert.deepEqual(handler(body("input.id")).flagged, []);
    assert.equal(handler(body("input.otherId")).flagged.length, 1);
  });
});

describe("a row a data-layer function reads by its parameter, checked by each caller", () => {
  const LIB = `${PRISMA}
export async function findInvoice(id: string) {
  return prisma.invoice.findUnique({ where: { id } });
}
export async function removeInvoice(id: string) {
  return prisma.invoice.delete({ where: { id } });
}
`;
  const caller = (fn: string, check: string) => `import { prisma, findInvoice, removeInvoice } from "../lib/invoices";
export async function show(tenantId: string, input: any) {
  const inv = await ${fn}(input.id);
  if (!inv || ${check}) throw new Error("not found");
  await prisma.invoice.update({ where: { id: input.id }, data: { status: "seen" } });
  return inv;
}
`;
  const run = (routes: string) => h.run({ "/p/src/lib/invoices.ts": LIB, "/p/src/routes/show.ts": routes });

  test("every caller checks the row before use: the read is proven, and so is the key it was read by", () => {
    const r = run(caller("findInvoice", "inv.tenantId !== tenantId"));
    // `removeInvoice` is never called here: its delete stays flagged.
    assert.deepEqual(r.flagged, ["lib/invoices.ts:8: delete({ where: { id } })"]);
    assert.ok(
      r.proofs.includes(
        "lib/invoices.ts:5 callers: key `id` is a parameter of `findInvoice`, and every call passes a proven key or checks the row it returns: routes/show.ts line 3: the row's tenantId is checked against the tenant on line 4",
      ),
      r.proofs.join("\n"),
    );
  });

  test("a caller that hands the whole row to an authorization check checks it", () => {
    const routes = `import { findInvoice } from "../lib/invoices";
export async function show(user: any, input: any) {
  const inv = await findInvoice(input.id);
  await assertInvoiceAccess(user, inv);
  return inv;
}
`;
    const r = run(routes);
    assert.ok(!r.flagged.includes("lib/invoices.ts:5: findUnique({ where: { id } })"), r.flagged.join("\n"));
    assert.ok(
      r.proofs.some((p) =>
        p.endsWith("show.ts line 3: the row is passed to the authorization check `assertInvoiceAccess` on line 4"),
      ),
      r.proofs.join("\n"),
    );
    // Twin: a call that is no check (by its name) proves nothing.
    const logged = run(routes.replace("assertInvoiceAccess", "logInvoiceAccess"));
    assert.ok(logged.flagged.includes("lib/invoices.ts:5: findUnique({ where: { id } })"), logged.flagged.join("\n"));
  });

  test("twin: a caller that does not check the row, or a check of a write that already ran", () => {
    const unchecked = run(caller("findInvoice", "inv.status === 'void'"));
    assert.deepEqual(unchecked.flagged, [
      "lib/invoices.ts:5: findUnique({ where: { id } })",
      "lib/invoices.ts:8: delete({ where: { id } })",
      'routes/show.ts:5: update({ where: { id: input.id }, data: { status: "seen" } })',
    ]);
    assert.match(
      unchecked.messages[0]!,
      /the call on routes\/show\.ts line 3 passes `input\.id`, which nothing there ties to the tenant/,
    );
    // The delete ran before its row was checked: too late.
    const late = run(caller("removeInvoice", "inv.tenantId !== tenantId"));
    assert.ok(late.flagged.includes("lib/invoices.ts:8: delete({ where: { id } })"), late.flagged.join("\n"));
  });
});

describe("rows in callbacks, by index, and in result wrappers", () => {
  test("`rows.map((row) => update({ where: { id: row.id } }))` and `rows[i].id` of a scoped read are owned keys", () => {
    const r = handler(`  const open = await prisma.invoice.findMany({ where: { tenantId, status: "open" } });
  await Promise.all(open.map((inv, i) => prisma.invoice.update({ where: { id: inv.id }, data: { number: String(i) } })));
  for (let i = 0; i < open.length; i++) await prisma.invoice.delete({ where: { id: open[i].id } });`);
    assert.deepEqual(r.flagged, []);
  });

  test("twin: the same over rows read without the tenant", () => {
    const r = handler(`  const open = await prisma.invoice.findMany({ where: { status: "open" } });
  await Promise.all(open.map((inv) => prisma.invoice.update({ where: { id: inv.id }, data: { number: "1" } })));
  for (let i = 0; i < open.length; i++) await prisma.invoice.delete({ where: { id: open[i].id } });`);
    assert.equal(r.flagged.length, 3);
  });

  const LIB = (ret: string) => `${PRISMA}
import * as E from "fp-ts/Either";
export async function getInvoiceE(id: string) {
  const inv = await prisma.invoice.findUnique({ where: { id } });
  if (!inv) return E.left("NOT_FOUND");
  return ${ret};
}
`;
  const CALLER = `import * as E from "fp-ts/Either";
import { getInvoiceE } from "../lib/invoices";
export async function rename(tenantId: string, input: any) {
  const res = await getInvoiceE(input.id);
  if (E.isLeft(res)) return E.left(res.left);
  if (res.right.tenantId !== tenantId) return E.left("FORBIDDEN");
  return E.right(res.right.number);
}
`;

  test("a row returned in `E.right(row)` and checked by every caller as `res.right`", () => {
    const r = h.run({
      "/p/src/lib/invoices.ts": LIB("E.right(inv)"),
      "/p/src/routes/rename.ts": CALLER,
    });
    assert.deepEqual(r.flagged, []);
  });

  test("twin: a caller that checks another field of the wrapped row", () => {
    const r = h.run({
      "/p/src/lib/invoices.ts": LIB("E.right(inv)"),
      "/p/src/routes/rename.ts": CALLER.replace("res.right.tenantId !== tenantId", "res.right.status !== 'open'"),
    });
    assert.deepEqual(r.flagged, ["lib/invoices.ts:6: findUnique({ where: { id } })"]);
  });

  // An app's own Result: `ok(row)` builds `{ ok: true, data: row }` (formbricks' webhooks).
  const OWN_LIB = `${PRISMA}
import { err, ok } from "./result";
export async function getWebhook(id: string) {
  const inv = await prisma.invoice.findUnique({ where: { id } });
  if (!inv) return err({ type: "not_found" });
  return ok(inv);
}
`;
  const OWN_CALLER = (check: string) => `import { getWebhook } from "../lib/invoices";
export async function GET(tenantId: string, input: any) {
  const res = await getWebhook(input.id);
  if (!res.ok) return new Response("not found", { status: 404 });
  if (${check}) return new Response("forbidden", { status: 403 });
  return Response.json(res.data);
}
`;

  test("a row returned in an app's own `ok(row)` and checked by every caller as `res.data`", () => {
    const files = (check: string) => ({
      "/p/src/lib/invoices.ts": OWN_LIB,
      "/p/src/routes/webhooks.ts": OWN_CALLER(check),
    });
    assert.deepEqual(h.run(files("res.data.tenantId !== tenantId")).flagged, []);
    // Twin: the caller checks another field.
    assert.deepEqual(h.run(files("res.data.status !== 'open'")).flagged, [
      "lib/invoices.ts:6: findUnique({ where: { id } })",
    ]);
  });

  // formbricks' services: `cache(async () => { ... }, [key], { tags })()`, run at once.
  const CACHED_LIB = (call: string) => `${PRISMA}
import { err, ok } from "./result";
import { cache } from "./cache";
export const getWebhook = async (id: string) =>
  ${call.replace(
    "BODY",
    `async () => {
      const inv = await prisma.invoice.findUnique({ where: { id } });
      if (!inv) return err({ type: "not_found" });
      return ok(inv);
    }`,
  )};
`;

  test("a cache shared across requests keyed without the parameter the read uses may answer with another call's row", () => {
    const files = (keys: string) => ({
      "/p/src/lib/invoices.ts": CACHED_LIB(`unstable_cache(BODY, ${keys})()`),
      "/p/src/routes/webhooks.ts": OWN_CALLER("res.data.tenantId !== tenantId"),
    });
    assert.deepEqual(h.run(files("[`webhook-${id}`]")).flagged, []);
    assert.deepEqual(h.run(files('["webhook"]')).flagged, ["lib/invoices.ts:8: findUnique({ where: { id } })"]);
    assert.deepEqual(h.run(files("keysOf(id)")).flagged, ["lib/invoices.ts:8: findUnique({ where: { id } })"]);
  });

  test("a row a cached or immediately invoked function returns is checked by every caller", () => {
    for (const call of ["cache(BODY, [`webhook-${id}`], { tags: [] })()", "await (BODY)()"]) {
      const files = (check: string) => ({
        "/p/src/lib/invoices.ts": CACHED_LIB(call),
        "/p/src/routes/webhooks.ts": OWN_CALLER(check),
      });
      assert.deepEqual(h.run(files("res.data.tenantId !== tenantId")).flagged, [], call);
      // Twin: the caller checks another field.
      assert.deepEqual(
        h.run(files("res.data.status !== 'open'")).flagged,
        ["lib/invoices.ts:8: findUnique({ where: { id } })"],
        call,
      );
    }
  });
});

describe("a check of the tenant's own row a row includes", () => {
  test("`project.tenant.id !== tenantId` after a by-id read checks the row; its id proves the write", () => {
    assert.deepEqual(
      handler(`  const project = await prisma.project.findUnique({ where: { id: input.id }, include: { tenant: true } });
  if (!project || project.tenant.id !== tenantId) throw new Error("not found");
  await prisma.project.delete({ where: { id: project.id } });`).flagged,
      [],
    );
  });

  test("twins: checked against request input, or through a relation that is not the tenant's", () => {
    assert.deepEqual(
      handler(`  const project = await prisma.project.findUnique({ where: { id: input.id }, include: { tenant: true } });
  if (!project || project.tenant.id !== input.tenantId) throw new Error("not found");
  await prisma.project.delete({ where: { id: project.id } });
  const task = await prisma.task.findUnique({ where: { id: input.taskId }, include: { project: true } });
  if (!task || task.project.id !== tenantId) throw new Error("not found");
  await prisma.task.delete({ where: { id: task.id } });`).flagged,
      [
        "routes/invoices.ts:4: findUnique({ where: { id: input.id }, include: { tenant: true } })",
        "routes/invoices.ts:6: delete({ where: { id: project.id } })",
        "routes/invoices.ts:7: findUnique({ where: { id: input.taskId }, include: { project: true } })",
        "routes/invoices.ts:9: delete({ where: { id: task.id } })",
      ],
    );
  });
});

// langfuse's automations: `return { id: a.id, trigger: convertTriggerToDomain(a.trigger) }`.
describe("a scoped row handed back reshaped: a converter or a spread that keeps its key fields", () => {
  const LIB = (shape: string) => `${PRISMA}
const toDomain = (i: { id: string; number: string }) => ({ id: i.id, label: i.number.toUpperCase() });
const toSummary = (i: { id: string; number: string }) => ({ ...i, label: i.number });
const toOther = (i: { id: string; number: string }) => ({ id: i.number });
const toTenantless = (i: { id: string; tenantId: string }) => ({ id: i.id, tenantId: "shared" });
export async function getLine(tenantId: string, id: string) {
  const l = await prisma.invoiceLine.findFirst({ where: { id, invoice: { tenantId } }, include: { invoice: true } });
  if (!l) return null;
  return { id: l.id, invoice: ${shape} };
}
`;
  const CALLER = `import { getLine } from "../lib/lines";
export async function handler(tenantId: string, input: any) {
  const line = await getLine(tenantId, input.id);
  if (!line) throw new Error("not found");
  await prisma.invoice.delete({ where: { id: line.invoice.id } });
}
`;
  const run = (shape: string) =>
    h.run({ "/p/src/lib/lines.ts": LIB(shape), "/p/src/routes/lines.ts": `${PRISMA}${CALLER}` }).flagged;

  test("the related row through a converter that copies its id, a spread of it, or itself", () => {
    for (const shape of ["toDomain(l.invoice)", "toSummary(l.invoice)", "{ ...l.invoice, label: 'x' }", "l.invoice"])
      assert.deepEqual(run(shape), [], shape);
  });

  test("twins: a converter that puts another field under id, a spread whose id is replaced", () => {
    const flagged = ["routes/lines.ts:7: delete({ where: { id: line.invoice.id } })"];
    assert.deepEqual(run("toOther(l.invoice)"), flagged);
    assert.deepEqual(run("{ ...l.invoice, id: input.other }".replace("input.other", "l.invoice.number")), flagged);
    // A converter or spread that sets what the row is known by (its tenant, a relation) hands back no row.
    assert.deepEqual(run("{ ...l.invoice, tenantId: l.id }"), flagged);
    assert.deepEqual(run("toTenantless(l.invoice)"), flagged);
    assert.deepEqual(run("{ ...l.invoice, tenant: null }"), flagged);
  });
});

describe("the tenant's own row required to hold a row (papermark's document duplicate)", () => {
  test("`invoices: { some: { id } }` on the tenant's row, then a guard that ends the path, proves the key", () => {
    const r = handler(`  const t = await prisma.tenant.findUnique({
    where: { id: tenantId, invoices: { some: { id: { equals: input.id } } } },
    select: { id: true },
  });
  if (!t) throw new Error("not this tenant's invoice");
  await prisma.invoice.delete({ where: { id: input.id } });`);
    assert.deepEqual(r.flagged, []);
    assert.match(
      r.proofs.at(-1)!,
      /^routes\/invoices\.ts:9 owned-key: key `input\.id` is a row under the tenants row found by the scoped query on line 4 \(`invoices: \{ some: \.\.\. \}`\), and the path ends when it finds nothing$/,
    );
  });

  test("twins: another tenant's row, `none` or `every`, a guard that falls through", () => {
    const r =
      handler(`  const a = await prisma.tenant.findUnique({ where: { id: input.parentId, invoices: { some: { id: input.id } } } });
  if (!a) throw new Error("no");
  await prisma.invoice.delete({ where: { id: input.id } });
  const b = await prisma.tenant.findUnique({ where: { id: tenantId, invoices: { none: { id: input.otherId } } } });
  if (!b) throw new Error("no");
  await prisma.invoice.delete({ where: { id: input.otherId } });
  const c = await prisma.tenant.findUnique({ where: { id: tenantId, invoices: { some: { id: input.thirdId } } } });
  if (!c) console.warn("no");
  await prisma.invoice.delete({ where: { id: input.thirdId } });`);
    assert.deepEqual(r.flagged, [
      "routes/invoices.ts:6: delete({ where: { id: input.id } })",
      "routes/invoices.ts:9: delete({ where: { id: input.otherId } })",
      "routes/invoices.ts:12: delete({ where: { id: input.thirdId } })",
    ]);
  });
});

// latitude's repositories: `Result.ok(row)` or `Result.error(e)` of the app's own Result class,
// unwrapped by the caller (`unwrap()` throws on an error), the row's id then keying a write.
describe("an app's own Result class, unwrapped by the caller", () => {
  const LIB = (where: string) => `${PRISMA}
import { Result } from "./result";
export class InvoicesRepository {
  constructor(private tenantId: string) {}
  async find(id: string) {
    const inv = await prisma.invoice.findFirst({ where: ${where} });
    if (!inv) return Result.error(new Error("not found"));
    return Result.ok(inv);
  }
}
`;
  const CALLER = `${PRISMA}
import { InvoicesRepository } from "../lib/invoices";
export async function voidInvoice(ctx: { tenantId: string }, input: { id: string }) {
  const result = await new InvoicesRepository(ctx.tenantId).find(input.id);
  const inv = result.unwrap();
  await prisma.invoice.update({ where: { id: inv.id }, data: { status: "void" } });
}
export async function payInvoice(ctx: { tenantId: string }, input: { id: string }) {
  const inv = await new InvoicesRepository(ctx.tenantId).find(input.id).then((r) => r.unwrap());
  await prisma.invoice.update({ where: { id: inv.id }, data: { status: "paid" } });
}
`;

  test("`result.unwrap()` and `.then((r) => r.unwrap())` of a scoped read's Result.ok(row): the row's id is the tenant's", () => {
    const r = h.run({
      "/p/src/lib/invoices.ts": LIB("{ id, tenantId: this.tenantId }"),
      "/p/src/routes/invoices.ts": CALLER,
    });
    assert.deepEqual(r.flagged, []);
  });

  test("twins: the read not scoped, or the id read off the Result itself", () => {
    const r = h.run({
      "/p/src/lib/invoices.ts": LIB("{ id }"),
      "/p/src/routes/invoices.ts": CALLER,
    });
    assert.deepEqual(
      r.flagged.map((f) => f.split(": ")[0]),
      ["lib/invoices.ts:8", "routes/invoices.ts:8", "routes/invoices.ts:12"],
    );
    const unwrappedNot = h.run({
      "/p/src/lib/invoices.ts": LIB("{ id, tenantId: this.tenantId }"),
      "/p/src/routes/invoices.ts": CALLER.replace(
        "const inv = result.unwrap();",
        "const inv = result.value ?? { id: input.id };",
      ),
    });
    assert.deepEqual(
      unwrappedNot.flagged.map((f) => f.split(": ")[0]),
      ["routes/invoices.ts:8"],
    );
  });
});

// Unsafe twins a soundness review found for this session's proofs: each was accepted once, and each
// must stay flagged. Prisma model: prisma-harness's SCHEMA (Tenant is what tenantId points at;
// InvoiceLine is owned through Invoice; Note has its own tenantId and an optional invoice).
import assert from "node:assert/strict";
import { test } from "node:test";
import { harness, PRISMA_CLIENT } from "../helpers/flow-run";

const h = harness();

const PRISMA = PRISMA_CLIENT;
const flagged = (body: string, extra: Record<string, string> = {}) =>
  h
    .run({
      "/p/src/routes/a.ts": `${PRISMA}export async function handler(tenantId: string, input: any, parsedInput: any) {\n${body}\n}`,
      ...extra,
    })
    .flagged.map((f) => f.replace(/^routes\/a\.ts:/, ""));

test("a shared-or-owned row's id, and rows filtered by it, prove no write", () => {
  assert.deepEqual(
    flagged(`  const note = await prisma.note.findUnique({ where: { id: input.id } });
  if (!note || (note.tenantId && note.tenantId !== tenantId)) throw new Error("not found");
  await prisma.note.update({ where: { id: note.id }, data: { body: "x" } });
  return prisma.note.findUnique({ where: { id: note.id } });`),
    ['6: update({ where: { id: note.id }, data: { body: "x" } })'],
  );
});

test("a key checked under `if (id && other)` is not proven after the if: the key may be present and unchecked", () => {
  assert.deepEqual(
    flagged(`  const t = await prisma.tenant.findUnique({ where: { id: tenantId }, include: { invoices: true } });
  if (!t) throw new Error("no tenant");
  if (input.id && !input.bulk) {
    const inv = t.invoices.find((i) => i.id === input.id);
    if (!inv) throw new Error("not yours");
  }
  await prisma.invoice.update({ where: { id: input.id }, data: { status: "x" } });`),
    ['10: update({ where: { id: input.id }, data: { status: "x" } })'],
  );
});

test("a parent's tenant checks a row with its own tenant column only through a required relation, not an optional link", () => {
  assert.deepEqual(
    flagged(`  const note = await prisma.note.findUnique({ where: { id: input.id }, include: { invoice: true } });
  if (!note || note.invoice?.tenantId !== tenantId) throw new Error("forbidden");
  await prisma.note.delete({ where: { id: input.id } });`),
    [
      "4: findUnique({ where: { id: input.id }, include: { invoice: true } })",
      "6: delete({ where: { id: input.id } })",
    ],
  );
});

test("the tenant's own row read by a field of a row nothing proved is no tenant's own row", () => {
  assert.deepEqual(
    flagged(`  const src = await prisma.invoice.findUnique({ where: { id: input.id } });
  const t = await prisma.tenant.findUnique({ where: { id: src!.tenantId }, include: { invoices: true } });
  if (!t?.invoices.some((i) => i.id === input.otherId)) throw new Error("no");
  await prisma.invoice.delete({ where: { id: input.otherId } });`),
    ["4: findUnique({ where: { id: input.id } })", "7: delete({ where: { id: input.otherId } })"],
  );
});

test("a verified secret counts only when the caller's secret is handed over and the check is awaited", () => {
  const body = (verify: string) => `  const key = await prisma.invoice.findUnique({ where: { number: input.number } });
  if (!key) throw new Error("no such key");
  if (!(${verify})) throw new Error("bad credentials");
  await prisma.invoice.delete({ where: { number: input.number } });`;
  assert.deepEqual(flagged(body("await verifySecret(input.secret, key.secretHash)")), []);
  assert.deepEqual(flagged(body("verifySecretSync(input.secret, key.secretHash)")), []);
  // The row's own fields only; a promise is always truthy.
  assert.equal(flagged(body("await verifySecret(key.status, key.secretHash)")).length, 2);
  assert.equal(flagged(body("bcrypt.compare(input.secret, key.secretHash)")).length, 2);
});

test("a row handed alone to a check names no one who asks: the read stays unchecked", () => {
  const body = (check: string) => `  const inv = await prisma.invoice.findUnique({ where: { id: input.id } });
  if (!inv) throw new Error("not found");
  await ${check};
  return inv;`;
  assert.deepEqual(flagged(body("assertInvoiceAccess(inv)")), ["4: findUnique({ where: { id: input.id } })"]);
  assert.deepEqual(flagged(body("assertInvoiceAccess(input.user, inv)")), []);
});

test("a check named like one whose body never throws, its answer thrown away, authorizes nothing (rallly)", () => {
  const helpers = `async function authorizeInvoiceEdit(id: string, userId: string) {
  const inv = await prisma.invoice.findFirst({ where: { id, tenantId: "t" } });
  return inv?.ownerId === userId;
}
async function authorizeInvoiceDelete(id: string) {
  const inv = await prisma.invoice.findFirst({ where: { id } });
  if (!inv) throw new Error("forbidden");
}
`;
  const r = h.run({
    "/p/src/routes/a.ts": `${PRISMA}${helpers}export async function handler(input: any) {
  await authorizeInvoiceEdit(input.id, input.userId);
  await prisma.invoice.update({ where: { id: input.id }, data: { status: "x" } });
  await authorizeInvoiceDelete(input.other);
  await prisma.invoice.delete({ where: { id: input.other } });
}`,
  });
  // The second helper throws: a check by its name, whatever its own query proves.
  assert.deepEqual(
    r.flagged.filter((f) => !f.includes("findFirst")),
    ['routes/a.ts:13: update({ where: { id: input.id }, data: { status: "x" } })'],
  );
});

test("a check's kept answer counts when its body throws on a decision, not only on a missing row (rallly)", () => {
  const helpers = `async function authorizeInvoiceEdit(id: string, userId: string) {
  const invoice = await prisma.invoice.findFirst({ where: { id } });
  if (!invoice) throw new Error("not found");
  const allowed = invoice.ownerId === userId || (await hasInvoiceAccess(invoice.id, userId));
  if (!allowed) throw new Error("forbidden");
  return { invoice };
}
async function authorizeInvoiceView(id: string, userId: string) {
  const invoice = await prisma.invoice.findFirst({ where: { id } });
  if (!invoice) throw new Error("not found");
  return { invoice, allowed: invoice.ownerId === userId };
}
`;
  const r = h.run({
    "/p/src/routes/a.ts": `${PRISMA}${helpers}export async function handler(input: any) {
  const { invoice } = await authorizeInvoiceEdit(input.id, input.userId);
  await prisma.invoice.update({ where: { id: input.id }, data: { status: "x" } });
  const { allowed } = await authorizeInvoiceView(input.other, input.userId);
  await prisma.invoice.delete({ where: { id: input.other } });
}`,
  });
  assert.deepEqual(
    r.flagged.filter((f) => !f.includes("findFirst")),
    ["routes/a.ts:19: delete({ where: { id: input.other } })"],
  );
});

test("`isNil(row)` that throws is an emptiness test like `!row` (papra); one that only logs proves nothing", () => {
  const body = (guard: string) => `  const inv = await prisma.invoice.findFirst({ where: { id: input.id, tenantId } });
  ${guard}
  await prisma.invoice.delete({ where: { id: input.id } });`;
  assert.deepEqual(flagged(body(`if (isNil(inv)) throw new Error("not found");`)), []);
  assert.deepEqual(flagged(body(`if (_.isNil(inv)) throw new Error("not found");`)), []);
  assert.deepEqual(flagged(body(`if (isNil(inv)) console.warn("not found");`)), [
    "6: delete({ where: { id: input.id } })",
  ]);
});

test("an ownership check inside a branch the read is not in proves nothing for the row's uses past it", () => {
  assert.deepEqual(
    flagged(`  const inv = await prisma.invoice.findUnique({ where: { id: input.id } });
  if (input.strict) {
    if (!inv || inv.tenantId !== tenantId) throw new Error("forbidden");
  }
  return inv;`),
    ["4: findUnique({ where: { id: input.id } })"],
  );
  const messages = h.run({
    "/p/src/routes/a.ts": `${PRISMA}export async function handler(tenantId: string, input: any) {\n  const inv = await prisma.invoice.findUnique({ where: { id: input.id } });\n  if (input.strict) {\n    if (!inv || inv.tenantId !== tenantId) throw new Error("forbidden");\n  }\n  return inv;\n}`,
  }).messages;
  assert.match(
    messages[0]!,
    /The ownership check on line 6 runs only on one path \(inside a branch the read is not in\)/,
  );
  // Twin: the row is used only inside the branch that checked it.
  assert.deepEqual(
    flagged(`  const inv = await prisma.invoice.findUnique({ where: { id: input.id } });
  if (input.strict) {
    if (!inv || inv.tenantId !== tenantId) throw new Error("forbidden");
    return inv;
  }
  return null;`),
    [],
  );
});

// outline's shares.create: `const document = documentId ? await Document.findByPk(documentId) : null;
// if (document) authorize(user, "read", document)`.
test("a check inside `if (row)` holds wherever the row is there; inside another condition it does not", () => {
  const body = (
    test: string,
  ) => `  const inv = input.id ? await prisma.invoice.findUnique({ where: { id: input.id } }) : null;
  const other = await prisma.invoice.findFirst({ where: { tenantId } });
  if (${test}) {
    if (inv!.tenantId !== tenantId) throw new Error("forbidden");
  }
  return inv;`;
  assert.deepEqual(flagged(body("inv")), []);
  for (const twin of ["input.strict", "other", "!inv", "inv || input.strict", "inv && input.strict"])
    assert.deepEqual(flagged(body(twin)), ["4: findUnique({ where: { id: input.id } })"], twin);
});

test("a key found by a read that also returns shared rows (tenant null) proves reads, never a write", () => {
  assert.deepEqual(
    flagged(`  const note = await prisma.note.findFirst({ where: { id: input.id, OR: [{ tenantId }, { tenantId: null }] } });
  if (!note) throw new Error("not found");
  await prisma.note.delete({ where: { id: input.id } });
  const rows = await prisma.note.findMany({ where: { id: { in: input.ids }, OR: [{ tenantId }, { tenantId: null }] } });
  if (rows.length !== input.ids.length) throw new Error("not found");
  await prisma.note.deleteMany({ where: { id: { in: input.ids } } });
  const [row] = await prisma.$queryRaw<{ id: string }[]>\`SELECT id FROM notes WHERE id = \${input.other} AND (tenant_id IS NULL OR tenant_id = \${tenantId})\`;
  if (!row) throw new Error("not found");
  await prisma.$executeRaw\`DELETE FROM notes WHERE id = \${row.id}\`;
  return prisma.note.findUnique({ where: { id: input.id } });`),
    ["6: delete({ where: { id: input.id } })", "9: deleteMany({ where: { id: { in: input.ids } } })", "12: notes"],
  );
});

test("a row handed to a call that acts inside an earlier if condition is used before its check", () => {
  assert.deepEqual(
    flagged(`  const inv = await prisma.invoice.findUnique({ where: { id: input.id } });
  if (!(await notify(inv!.number))) throw new Error("not sent");
  if (!inv || inv.tenantId !== tenantId) throw new Error("forbidden");
  return inv;`),
    ["4: findUnique({ where: { id: input.id } })"],
  );
  // Twin: earlier conditions that only test the row, or hand it to a check.
  assert.deepEqual(
    flagged(`  const inv = await prisma.invoice.findUnique({ where: { id: input.id } });
  if (!inv) throw new Error("not found");
  if (!isValidNumber(inv.number)) throw new Error("bad");
  if (inv.tenantId !== tenantId) throw new Error("forbidden");
  return inv;`),
    [],
  );
});

test("fields destructured from a row and used before its check are uses of the row", () => {
  assert.deepEqual(
    flagged(`  const inv = await prisma.invoice.findUnique({ where: { id: input.id } });
  if (!inv) throw new Error("not found");
  const { number } = inv;
  await notify(number);
  if (inv.tenantId !== tenantId) throw new Error("forbidden");
  return inv;`),
    ["4: findUnique({ where: { id: input.id } })"],
  );
  // Twin: destructured, and only tested before the check.
  assert.deepEqual(
    flagged(`  const inv = await prisma.invoice.findUnique({ where: { id: input.id } });
  if (!inv) throw new Error("not found");
  const { number } = inv;
  if (!number) throw new Error("no number");
  if (inv.tenantId !== tenantId) throw new Error("forbidden");
  return inv;`),
    [],
  );
});

test("the keys of scoped rows, then a key pushed onto the list, prove nothing for the list", () => {
  assert.deepEqual(
    flagged(`  const rows = await prisma.invoice.findMany({ where: { tenantId } });
  const ids = rows.map((r) => r.id);
  ids.push(input.id);
  await prisma.invoice.deleteMany({ where: { id: { in: ids } } });`),
    ["7: deleteMany({ where: { id: { in: ids } } })"],
  );
  // Twin: the list as the scoped rows gave it.
  assert.deepEqual(
    flagged(`  const rows = await prisma.invoice.findMany({ where: { tenantId } });
  const ids = rows.map((r) => r.id);
  await prisma.invoice.deleteMany({ where: { id: { in: ids } } });`),
    [],
  );
});

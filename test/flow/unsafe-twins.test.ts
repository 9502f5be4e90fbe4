// Leaks that look like the safe shapes the flow accepts, found by a review of those rules: each
// must stay flagged. An object whose field a computed key, an alias, a call or `delete` may
// change; a helper handed the row's own tenant; a row used beside its check; a list whose subset,
// or whose agreement with another row, is all that was checked, or which the loop hands on before
// every row is checked, or which grows after the check; a helper's branches reading by a key of the
// same text that names another variable; a method taken as a value. Prisma model: prisma-harness's
// SCHEMA (Invoice: tenantId; InvoiceLine owned through Invoice).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { harness, PRISMA_CLIENT } from "../helpers/flow-run";

const h = harness();

const run = (body: string, extra = "") =>
  h.run({
    "/p/src/h.ts": `${PRISMA_CLIENT}declare function publish(x: unknown): Promise<void>;
declare function setIt(o: any, v: string): void;
${extra}export async function handler(id: string, tenantId: string, input: { other: string; invoiceId: string; lineId: string }) {
${body}
}`,
  });

const flaggedSome = (body: string, extra = "") => {
  const r = run(body, extra);
  assert.ok(r.flagged.length > 0, `expected a finding:\n${body}`);
};

const OWNED = `  const d = await prisma.invoice.findFirst({ where: { id, tenantId } });
  if (!d) throw new Error("not found");`;

describe("an object whose field may have changed", () => {
  test("control: `const ids = { invoiceId: d.id }` read unchanged proves the child read", () => {
    assert.deepEqual(
      run(`${OWNED}
  const ids = { invoiceId: d.id };
  return prisma.invoiceLine.findMany({ where: { invoiceId: ids.invoiceId } });`).flagged,
      [],
    );
  });

  test("a computed key, an alias written through, a call handed the object, a deleted field", () => {
    for (const change of [
      `const ids = { invoiceId: d.id, ["invoiceId"]: input.other };`,
      `const ids = { invoiceId: d.id };\n  const other = ids;\n  other.invoiceId = input.other;`,
      `const ids = { invoiceId: d.id };\n  setIt(ids, input.other);`,
      `const ids: { invoiceId?: string } = { invoiceId: d.id };\n  delete ids.invoiceId;`,
    ])
      flaggedSome(`${OWNED}
  ${change}
  return prisma.invoiceLine.findMany({ where: { invoiceId: ids.invoiceId } });`);
  });
});

/** A helper that throws unless the invoice is the tenant's, and a line read by id with its invoice. */
const ASSERT = `async function assertInvoice(invoiceId: string, tenantId: string) {
  const inv = await prisma.invoice.findFirst({ where: { id: invoiceId, tenantId } });
  if (!inv) throw new Error("forbidden");
}
`;
const LINE = `  const line = await prisma.invoiceLine.findUnique({ where: { id: input.lineId }, include: { invoice: true } });
  if (!line) throw new Error("not found");`;

describe("a helper that verifies the parent key", () => {
  test("control: handed the row's parent key and the tenant, before the row is used", () => {
    assert.deepEqual(
      run(`${LINE}\n  await assertInvoice(line.invoiceId, tenantId);\n  return line;`, ASSERT).flagged,
      [],
    );
  });

  test("twins: handed the row's own tenant as the tenant; the row used beside the check", () => {
    flaggedSome(`${LINE}\n  await assertInvoice(line.invoiceId, line.invoice.tenantId);\n  return line;`, ASSERT);
    flaggedSome(
      `${LINE}\n  await Promise.all([assertInvoice(line.invoiceId, tenantId), publish(line)]);\n  return line;`,
      ASSERT,
    );
  });
});

describe("a list read by its parent key, its rows checked", () => {
  const LIST = `  const lines = await prisma.invoiceLine.findMany({ where: { invoiceId: input.invoiceId }, include: { invoice: true } });`;

  test("control: every row compared with the tenant", () => {
    assert.deepEqual(
      run(
        `${LIST}\n  if (lines.some((l) => l.invoice.tenantId !== tenantId)) throw new Error("forbidden");\n  return lines;`,
      ).flagged,
      [],
    );
  });

  test("twins: a filtered subset checked, rows compared with one another, the list handed on in the loop, grown after", () => {
    const twins = [
      `  if (lines.filter((l) => l.amount > 0).some((l) => l.invoice.tenantId !== tenantId)) throw new Error("x");\n  return lines;`,
      `  for (const l of lines.filter((x) => x.amount > 0)) { if (l.invoice.tenantId !== tenantId) throw new Error("x"); }\n  return lines;`,
      `  const first = lines[0];\n  if (lines.some((l) => l.invoice.tenantId !== first!.invoice.tenantId)) throw new Error("x");\n  return lines;`,
      `  for (const l of lines) { if (input.other) return lines; if (l.invoice.tenantId !== tenantId) throw new Error("x"); }\n  return lines;`,
      `  for (const l of lines) { await publish(lines); if (l.invoice.tenantId !== tenantId) throw new Error("x"); }\n  return lines;`,
      `  if (lines.some((l) => l.invoice.tenantId !== tenantId)) throw new Error("x");\n  lines.push({ id: input.other } as any);\n  return lines;`,
    ];
    for (const twin of twins) flaggedSome(`${LIST}\n${twin}`);
  });
});

describe("a getter with one read per branch", () => {
  test("twin: the branch's key has the parameter's text but names another variable", () => {
    const extra = `async function getInvoice(id: string, alt?: string) {
  if (alt) {
    const id = alt;
    return prisma.invoice.findUnique({ where: { id } });
  }
  return prisma.invoice.findUnique({ where: { id } });
}
`;
    const r = run(
      `  const inv = await getInvoice(id, input.other);
  if (!inv || inv.tenantId !== tenantId) throw new Error("not found");
  return prisma.invoiceLine.deleteMany({ where: { invoiceId: id } });`,
      extra,
    );
    assert.ok(r.flagged.length > 0, r.flagged.join("\n"));
  });
});

describe("a static method of a default-exported class taken as a value", () => {
  const REPO = `${PRISMA_CLIENT}class InvoiceRepository {
  static async byId(id: string) {
    return prisma.invoice.findUnique({ where: { id } });
  }
}
export default InvoiceRepository;
`;
  const SERVICE = `${PRISMA_CLIENT}import Repo from "./repo";
export async function owned(id: string, tenantId: string) {
  const d = await prisma.invoice.findFirst({ where: { id, tenantId } });
  if (!d) throw new Error("nf");
  return Repo.byId(d.id);
}
`;
  test("control: its one call passes a proven key", () => {
    assert.deepEqual(h.run({ "/p/src/repo.ts": REPO, "/p/src/service.ts": SERVICE }).flagged, []);
  });

  test('twins: `ids.map(Repo.byId)`, `Repo["byId"](id)`: calls nothing can judge', () => {
    for (const use of ["return Promise.all(ids.map(Repo.byId));", 'return Repo["byId"](ids[0]!);']) {
      const r = h.run({
        "/p/src/repo.ts": REPO,
        "/p/src/service.ts": SERVICE,
        "/p/src/api.ts": `import Repo from "./repo";\nexport async function all(ids: string[]) {\n  ${use}\n}\n`,
      });
      assert.deepEqual(r.flagged, ["repo.ts:5: findUnique({ where: { id } })"], use);
    }
  });
});

// A second review of the same rules.
describe("more shapes that must stay flagged", () => {
  test("a key list handed to a callback with the array, or boxed, or pushed from a `let` a loop reassigns", () => {
    const twins = [
      `  const ids: string[] = [];
  const d = await prisma.invoice.create({ data: { tenantId, number: "1", status: "x", total: 0 } });
  ids.push(d.id);
  ids.forEach((_, i, a) => { a[i] = input.other; });
  return prisma.invoiceLine.deleteMany({ where: { invoiceId: { in: ids } } });`,
      `  const ids: string[] = [];
  const d = await prisma.invoice.create({ data: { tenantId, number: "1", status: "x", total: 0 } });
  ids.push(d.id);
  const box = { list: ids };
  box.list.push(input.other);
  return prisma.invoiceLine.deleteMany({ where: { invoiceId: { in: ids } } });`,
      `  const ids: string[] = [];
  const d = await prisma.invoice.create({ data: { tenantId, number: "1", status: "x", total: 0 } });
  let key = d.id;
  for (const x of [input.other]) { ids.push(key); key = x; }
  return prisma.invoiceLine.deleteMany({ where: { invoiceId: { in: ids } } });`,
    ];
    for (const body of twins) flaggedSome(body);
  });

  test("checked rows changed in place after the check (control: unchanged, their keys prove the delete)", () => {
    const body = (
      change: string,
    ) => `  const lines = await prisma.invoiceLine.findMany({ where: { invoiceId: input.invoiceId }, include: { invoice: true } });
  if (lines.some((l) => l.invoice.tenantId !== tenantId)) throw new Error("x");
  ${change}
  return prisma.invoiceLine.deleteMany({ where: { id: { in: lines.map((l) => l.id) } } });`;
    assert.deepEqual(run(body("")).flagged, []);
    flaggedSome(body("for (const l of lines) l.id = input.other;"));
    flaggedSome(body("lines.forEach((l, i, all) => { all[i] = { ...l, id: input.other }; });"));
  });

  test("a helper handed a tenant destructured from the row, or the row under another name beside the check", () => {
    flaggedSome(
      `${LINE}\n  const { invoice: { tenantId: t } } = line;\n  await assertInvoice(line.invoiceId, t);\n  return line;`,
      ASSERT,
    );
    flaggedSome(
      `${LINE}\n  const copy = line;\n  await Promise.all([assertInvoice(line.invoiceId, tenantId), publish(copy)]);\n  return line;`,
      ASSERT,
    );
  });

  test("an existence read gated by a call that never returns, a ternary, or handed on through `??`", () => {
    const twins = [
      `  const inv = await prisma.invoice.findUnique({ where: { id: input.invoiceId } });
  if (!inv) notFound();
  await prisma.note.create({ data: { body: "x", invoiceId: input.invoiceId, tenantId } });`,
      `  const inv = await prisma.invoice.findUnique({ where: { id: input.invoiceId } });
  return inv ? prisma.note.create({ data: { body: "x", invoiceId: input.invoiceId, tenantId } }) : null;`,
      `  const inv = await prisma.invoice.findUnique({ where: { id: input.invoiceId } });
  if (!inv) throw new Error("nf");
  await prisma.note.create({ data: { body: "x", invoiceId: input.invoiceId ?? "", tenantId } });`,
    ];
    for (const body of twins) flaggedSome(`${body}`, "declare function notFound(): never;\n");
  });

  test("a getter's branch rebinding the key in a loop or a catch", () => {
    for (const branch of [
      `for (const id of [alt]) return prisma.invoice.findUnique({ where: { id } });`,
      `try { throw alt; } catch (id) { return prisma.invoice.findUnique({ where: { id: id as string } }); }`,
    ]) {
      const extra = `async function getInvoice(id: string, alt?: string) {
  if (alt) { ${branch} }
  return prisma.invoice.findUnique({ where: { id } });
}
`;
      const r = run(
        `  const inv = await getInvoice(id, input.other);
  if (!inv || inv.tenantId !== tenantId) throw new Error("not found");
  return prisma.invoiceLine.deleteMany({ where: { invoiceId: id } });`,
        extra,
      );
      assert.ok(r.flagged.length > 0, branch);
    }
  });
});

// A row read by id whose owning key names a parent that is then read and checked to be the
// tenant's is the tenant's too (dokploy's redirect and security routers: `findRedirectById(id)`,
// `findApplicationById(redirect.applicationId)`, then `if (app.project.organizationId !== org)
// throw`), and so is the key it was read by. Each safe case beside its unsafe twin.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { harness, PRISMA_CLIENT } from "../helpers/flow-run";

const h = harness();
const run = (body: string) =>
  h.run({
    "/p/src/lines.ts": `${PRISMA_CLIENT}export async function handler(tenantId: string, id: string, input: { invoiceId: string }) {\n${body}\n}`,
  });

const LINE = `  const line = await prisma.invoiceLine.findUnique({ where: { id } });
  if (!line) throw new Error("not found");`;

describe("a child row whose owning key names a checked parent", () => {
  test("the line, and its key, are the tenant's once its invoice is checked", () => {
    const r = run(`${LINE}
  const invoice = await prisma.invoice.findUnique({ where: { id: line.invoiceId } });
  if (!invoice || invoice.tenantId !== tenantId) throw new Error("forbidden");
  await prisma.invoiceLine.delete({ where: { id } });
  return line;`);
    assert.deepEqual(r.flagged, []);
    assert.ok(
      r.proofs.some((p) =>
        /its invoiceId names the invoices row read on line 6, which is checked to be the tenant's/.test(p),
      ),
      r.proofs.join("\n"),
    );
  });

  test("twins: another invoice checked, a check that only logs, the line used before the check", () => {
    const twins = [
      `${LINE}
  const invoice = await prisma.invoice.findUnique({ where: { id: input.invoiceId } });
  if (!invoice || invoice.tenantId !== tenantId) throw new Error("forbidden");
  await prisma.invoiceLine.delete({ where: { id } });
  return line;`,
      `${LINE}
  const invoice = await prisma.invoice.findUnique({ where: { id: line.invoiceId } });
  if (!invoice || invoice.tenantId !== tenantId) console.warn("forbidden");
  await prisma.invoiceLine.delete({ where: { id } });
  return line;`,
      `${LINE}
  await audit(line.amount);
  const invoice = await prisma.invoice.findUnique({ where: { id: line.invoiceId } });
  if (!invoice || invoice.tenantId !== tenantId) throw new Error("forbidden");
  return line;`,
      // The check in one branch only; the name reassigned to another read before the check; a write, not a read.
      `${LINE}
  if (input.invoiceId) {
    const invoice = await prisma.invoice.findUnique({ where: { id: line.invoiceId } });
    if (!invoice || invoice.tenantId !== tenantId) throw new Error("forbidden");
  }
  return line;`,
      `  let line = await prisma.invoiceLine.findUnique({ where: { id } });
  const invoice = await prisma.invoice.findUnique({ where: { id: line!.invoiceId } });
  line = await prisma.invoiceLine.findUnique({ where: { id: input.invoiceId } });
  if (!invoice || invoice.tenantId !== tenantId) throw new Error("forbidden");
  return line;`,
      `  const line = await prisma.invoiceLine.delete({ where: { id } });
  const invoice = await prisma.invoice.findUnique({ where: { id: line.invoiceId } });
  if (!invoice || invoice.tenantId !== tenantId) throw new Error("forbidden");
  return line;`,
    ];
    for (const body of twins) {
      const r = run(body);
      assert.ok(
        r.flagged.some(
          (f) =>
            f.includes("findUnique({ where: { id } })") ||
            f.includes("findUnique({ where: { id: input.invoiceId } })") ||
            f.includes("delete({ where: { id } })"),
        ),
        `${body}\n${r.flagged.join("\n")}`,
      );
    }
  });
});

// Flowise's dataset rows: `const item = await repo.findOneBy({ id })`, then
// `await changeUpdateOnDataset(item.datasetId, workspaceId)`, a helper whose name says nothing of a
// check but which throws unless a scoped read finds the dataset.
describe("a child row whose owning key a helper verifies", () => {
  const TOUCH = `async function touchInvoice(invoiceId: string, tenantId: string) {
  const invoice = await prisma.invoice.findFirst({ where: { id: invoiceId, tenantId } });
  if (!invoice) throw new Error("invoice not found");
  await prisma.invoice.update({ where: { id: invoice.id }, data: { updatedAt: new Date() } });
}
`;
  const runWith = (helper: string, body: string) =>
    h.run({
      "/p/src/lines.ts": `${PRISMA_CLIENT}${helper}export async function handler(tenantId: string, id: string, input: { invoiceId: string }) {\n${body}\n}`,
    });

  test("the line is the tenant's once the helper has found its invoice in the tenant", () => {
    const r = runWith(
      TOUCH,
      `${LINE}
  await touchInvoice(line.invoiceId, tenantId);
  await prisma.invoiceLine.update({ where: { id: line.id }, data: { amount: 0 } });
  return line;`,
    );
    assert.deepEqual(r.flagged, []);
    assert.ok(
      r.proofs.some((p) =>
        /its invoiceId names a invoices row of the tenant's: key `line.invoiceId` is verified by `touchInvoice`/.test(
          p,
        ),
      ),
      r.proofs.join("\n"),
    );
  });

  test("twins: the helper handed the request's invoice, the line used first, a helper that only logs, no await", () => {
    const twins: [string, string][] = [
      [
        TOUCH,
        `${LINE}
  await touchInvoice(input.invoiceId, tenantId);
  await prisma.invoiceLine.update({ where: { id: line.id }, data: { amount: 0 } });`,
      ],
      [
        TOUCH,
        `${LINE}
  await audit(line.amount);
  await touchInvoice(line.invoiceId, tenantId);
  return line;`,
      ],
      [
        TOUCH.replace(`throw new Error("invoice not found")`, `console.warn("invoice not found")`),
        `${LINE}
  await touchInvoice(line.invoiceId, tenantId);
  return line;`,
      ],
      [
        TOUCH,
        `${LINE}
  touchInvoice(line.invoiceId, tenantId);
  return line;`,
      ],
    ];
    for (const [helper, body] of twins) {
      const r = runWith(helper, body);
      assert.ok(
        r.flagged.some((f) => f.includes("findUnique({ where: { id } })")),
        `${body}\n${r.flagged.join("\n")}`,
      );
    }
  });
});

// plunk's workflow steps: the workflow is read scoped first, then a step by id is compared with it.
describe("a child row whose owning key is compared with a parent key proven before", () => {
  test("`if (line?.invoiceId !== invoice.id) throw` after a scoped read of the invoice: the line is the tenant's", () => {
    const r = run(`  const invoice = await prisma.invoice.findFirst({ where: { id: input.invoiceId, tenantId } });
  if (!invoice) throw new Error("not found");
  const line = await prisma.invoiceLine.findUnique({ where: { id } });
  if (line?.invoiceId !== invoice.id) throw new Error("not found");
  await prisma.invoiceLine.delete({ where: { id } });
  return line;`);
    assert.deepEqual(r.flagged, []);
    assert.ok(
      r.proofs.some((p) => /invoiceId is checked on line 7 against a key of the invoices row proven/.test(p)),
      r.proofs.join("\n"),
    );
  });

  test("twin: the failing branch returns the row (review): no check", () => {
    const r = run(`  const invoice = await prisma.invoice.findFirst({ where: { id: input.invoiceId, tenantId } });
  if (!invoice) throw new Error("not found");
  const line = await prisma.invoiceLine.findUnique({ where: { id } });
  if (line?.invoiceId !== invoice.id) return line;
  return null;`);
    assert.deepEqual(
      r.flagged.map((f) => f.split(": ")[0]),
      ["lines.ts:6"],
    );
  });

  test("twins: compared with a key nothing proved, or the check only logs", () => {
    const r = run(`  const line = await prisma.invoiceLine.findUnique({ where: { id } });
  if (line?.invoiceId !== input.invoiceId) throw new Error("not found");
  await prisma.invoiceLine.delete({ where: { id } });
  const invoice = await prisma.invoice.findFirst({ where: { id: input.invoiceId, tenantId } });
  if (!invoice) throw new Error("not found");
  const other = await prisma.invoiceLine.findUnique({ where: { id: input.invoiceId } });
  if (other?.invoiceId !== invoice.id) console.warn("mismatch");
  return other;`);
    assert.deepEqual(
      r.flagged.map((f) => f.split(": ")[0]),
      ["lines.ts:4", "lines.ts:6", "lines.ts:9"],
    );
  });
});

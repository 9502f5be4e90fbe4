// A helper that answers a failed check with a result instead of a throw: `return { error:
// forbidden() }` on every failure, `return { invoice }` once its checks passed (formbricks'
// fetchAndAuthorizeSurvey). What it verified holds for a caller only once that caller stops on
// the error (`if (result.error) return result.error`), not for one that reads on regardless.
// Prisma model: prisma-harness's SCHEMA (Invoice: tenantId).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { harness, PRISMA_CLIENT } from "../helpers/flow-run";

const h = harness();

const LIB = `${PRISMA_CLIENT}
export const getInvoice = async (id: string) => prisma.invoice.findUnique({ where: { id } });
export const deleteInvoice = async (id: string) => prisma.invoice.delete({ where: { id } });
`;

const AUTHORIZE = (checks = DEFAULT_CHECKS) => `import { getInvoice } from "./invoices";
export const fetchAndAuthorize = async (invoiceId: string, auth: { tenantId: string }) => {
  const invoice = await getInvoice(invoiceId);
${checks}
  return { invoice };
};
`;
const DEFAULT_CHECKS = `  if (!invoice) {
    return { error: notFound("Invoice", invoiceId) };
  }
  if (invoice.tenantId !== auth.tenantId) {
    return { error: forbidden() };
  }`;

const ROUTE = (gate: string, bind = "const result") => `import { fetchAndAuthorize } from "../lib/authorize";
import { deleteInvoice } from "../lib/invoices";
export async function DELETE(auth: { tenantId: string }, params: { invoiceId: string }) {
  ${bind} = await fetchAndAuthorize(params.invoiceId, auth);
${gate}
  return Response.json(await deleteInvoice(params.invoiceId));
}
`;

const run = (route: string, authorize = AUTHORIZE()) =>
  h.run({
    "/p/src/lib/invoices.ts": LIB,
    "/p/src/lib/authorize.ts": authorize,
    "/p/src/routes/invoices.ts": route,
  });

const DELETE_FLAGGED = ["lib/invoices.ts:5: delete({ where: { id } })"];

describe("a helper that returns { error } unless the row is the tenant's", () => {
  test("verifies the key for a caller that stops on `result.error`", () => {
    for (const gate of [
      "  if (result.error) return result.error;",
      "  if (!auth || result.error) { return new Response(null, { status: 403 }); }",
      '  if ("error" in result) throw new Error("denied");',
      "  if (result.error !== undefined) return result.error;",
    ]) {
      const r = run(ROUTE(gate));
      assert.deepEqual(r.flagged, [], gate);
    }
  });

  test("the proof names the helper and the caller's stop", () => {
    const r = run(ROUTE("  if (result.error) return result.error;"));
    const proof = r.proofs.find((p) => p.startsWith("lib/invoices.ts:5"));
    assert.match(
      proof ?? "",
      /verified by `fetchAndAuthorize` \(authorize\.ts line 2\), which returns an error unless/,
    );
    assert.match(proof ?? "", /the caller stops when `result\.error` is set \(line 5\)/);
  });

  test("destructured: `const { error } = ...` then `if (error) return`", () => {
    assert.deepEqual(run(ROUTE("  if (error) return error;", "const { invoice, error }")).flagged, []);
    assert.deepEqual(run(ROUTE("  if (failure) return failure;", "const { error: failure }")).flagged, []);
  });

  test("twins: a caller that does not stop on the error, or tests something else", () => {
    for (const gate of [
      "",
      '  if (result.error) console.warn("denied");',
      "  if (!result.error) return null;",
      "  if (result.invoice) return null;",
      "  if (other.error) return other.error;",
    ])
      assert.deepEqual(run(ROUTE(gate)).flagged, DELETE_FLAGGED, JSON.stringify(gate));
  });

  test("a gate proves the key its own call was handed, and no other", () => {
    const route = ROUTE("").replace(
      "  const result = await",
      "  const earlier = await fetchAndAuthorize(params.invoiceId, auth);\n  if (earlier.error) return earlier.error;\n  const result = await",
    );
    // The later result is never tested, but the earlier call verified the same key.
    assert.deepEqual(run(route).flagged, []);
    const unrelated = ROUTE("  if (result.error) return result.error;").replace(
      "fetchAndAuthorize(params.invoiceId, auth)",
      "fetchAndAuthorize(params.otherId, auth)",
    );
    assert.deepEqual(run(unrelated).flagged, DELETE_FLAGGED);
  });

  test("twins: a failed check that answers without an error, or a success returned before the check", () => {
    const gate = "  if (result.error) return result.error;";
    // `{ invoice: null }` is no error: the caller's guard never sees this failure.
    const noError = AUTHORIZE(DEFAULT_CHECKS.replace("return { error: forbidden() };", "return { invoice: null };"));
    assert.deepEqual(run(ROUTE(gate), noError).flagged, DELETE_FLAGGED);
    // `error: undefined` is no error either.
    const undefinedError = AUTHORIZE(DEFAULT_CHECKS.replace("error: forbidden()", "error: undefined"));
    assert.deepEqual(run(ROUTE(gate), undefinedError).flagged, DELETE_FLAGGED);
    // A success returned before the tenant check: that path never checked.
    const early = AUTHORIZE(`  if (!invoice) {
    return { error: notFound("Invoice", invoiceId) };
  }
  if (invoice.status === "draft") return { invoice };
  if (invoice.tenantId !== auth.tenantId) {
    return { error: forbidden() };
  }`);
    // (the row it returns is then unchecked too)
    assert.deepEqual(run(ROUTE(gate), early).flagged, [
      "lib/invoices.ts:4: findUnique({ where: { id } })",
      ...DELETE_FLAGGED,
    ]);
  });

  test("twins: a gate on another variable of the same name (a callback's own `result`, an inner `{ error }`)", () => {
    const shadowed = ROUTE("")
      .replace(
        "  return Response.json(await deleteInvoice(params.invoiceId));",
        `  await Promise.all(params.items.map(async (item) => {
    const result = await validate(item);
    if (result.error) return;
    await deleteInvoice(params.invoiceId);
  }));`,
      )
      .replace("params: { invoiceId: string }", "params: { invoiceId: string; items: string[] }");
    assert.deepEqual(run(shadowed).flagged, ["lib/invoices.ts:5: delete({ where: { id } })"]);
    const inner = ROUTE("", "const { error }").replace(
      "  return Response.json(await deleteInvoice(params.invoiceId));",
      `  {
    const { error } = await validate(params);
    if (error) return error;
    return Response.json(await deleteInvoice(params.invoiceId));
  }`,
    );
    assert.deepEqual(run(inner).flagged, DELETE_FLAGGED);
  });

  test("twins: a failure whose error may be undefined (`{ error }`, `error: message`) is no failure the caller sees", () => {
    const gate = "  if (result.error) return result.error;";
    for (const failure of [
      "const error = auth.support ? undefined : forbidden();\n    return { error };",
      "return { error: auth.message };",
    ]) {
      const authorize = AUTHORIZE(DEFAULT_CHECKS.replace("return { error: forbidden() };", failure));
      assert.deepEqual(run(ROUTE(gate), authorize).flagged, DELETE_FLAGGED, failure);
    }
  });
});

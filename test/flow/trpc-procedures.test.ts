// tRPC handlers on a procedure whose middleware (`.use(...)`) read an input key with the tenant
// and threw when it found nothing: that key is verified in every handler built on the procedure,
// in the same file or imported, through procedures built on procedures. Each safe case beside its
// unsafe twin. Prisma model: prisma-harness's SCHEMA (Invoice: tenantId).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { harness } from "../helpers/flow-run";

const h = harness();

const TRPC = `import { initTRPC, TRPCError } from "@trpc/server";
import { z } from "zod";
import { PrismaClient } from "@prisma/client";
export const prisma = new PrismaClient();
const t = initTRPC.context<{ tenantId: string }>().create();
export const tenantProcedure = t.procedure;
export const invoiceProcedure = tenantProcedure
  .input(z.object({ invoiceId: z.string() }))
  .use(async ({ ctx, next, input }) => {
    const invoice = await prisma.invoice.findFirst({ where: { id: input.invoiceId, tenantId: ctx.tenantId } });
    if (!invoice) throw new TRPCError({ code: "NOT_FOUND" });
    return next({ ctx: { ...ctx, invoice } });
  });
export const paidInvoiceProcedure = invoiceProcedure.use(async ({ next }) => next());
export const unscopedProcedure = tenantProcedure
  .input(z.object({ invoiceId: z.string() }))
  .use(async ({ ctx, next, input }) => {
    const invoice = await prisma.invoice.findFirst({ where: { id: input.invoiceId } });
    if (!invoice) throw new TRPCError({ code: "NOT_FOUND" });
    return next({ ctx: { ...ctx, invoice } });
  });
export const looseProcedure = tenantProcedure
  .input(z.object({ invoiceId: z.string() }))
  .use(async ({ ctx, next, input }) => {
    const invoice = await prisma.invoice.findFirst({ where: { id: input.invoiceId, tenantId: ctx.tenantId } });
    return next({ ctx: { ...ctx, invoice } });
  });
`;

const run = (router: string) =>
  h
    .run({
      "/p/src/trpc.ts": TRPC,
      "/p/src/router.ts": `import { invoiceProcedure, looseProcedure, paidInvoiceProcedure, prisma, unscopedProcedure } from "./trpc";\n${router}`,
    })
    .flagged.filter((f) => f.startsWith("router.ts"));

describe("a tRPC procedure's middleware", () => {
  test("verified the input key: handlers on it (or on a procedure built on it) use the key freely", () => {
    assert.deepEqual(
      run(`export const router = {
  pay: invoiceProcedure.mutation(async ({ input }) => prisma.invoice.update({ where: { id: input.invoiceId }, data: { status: "paid" } })),
  remove: paidInvoiceProcedure.mutation(async (opts) => prisma.invoice.delete({ where: { id: opts.input.invoiceId } })),
};`),
      [],
    );
  });

  test("the verified input destructured in the handler (unsend's `const { campaignId, ...data } = input`)", () => {
    assert.deepEqual(
      run(`export const router = {
  pay: invoiceProcedure.mutation(async ({ input }) => {
    const { invoiceId, ...data } = input;
    return prisma.invoice.update({ where: { id: invoiceId }, data });
  }),
  rename: invoiceProcedure.mutation(async (opts) => {
    const { input: { invoiceId: id } } = opts;
    return prisma.invoice.update({ where: { id }, data: { number: "x" } });
  }),
};`),
      [],
    );
  });

  test("twins: destructured on a procedure nothing verified, or after the field was written", () => {
    assert.deepEqual(
      run(`export const router = {
  pay: unscopedProcedure.mutation(async ({ input }) => {
    const { invoiceId, ...data } = input;
    return prisma.invoice.update({ where: { id: invoiceId }, data });
  }),
  move: invoiceProcedure.mutation(async ({ input }) => {
    input.invoiceId = "other";
    const { invoiceId } = input;
    return prisma.invoice.delete({ where: { id: invoiceId } });
  }),
  withDefault: invoiceProcedure.mutation(async ({ input }: any) => {
    const { invoiceId = input.otherId } = input;
    return prisma.invoice.delete({ where: { id: invoiceId } });
  }),
  inner: invoiceProcedure.mutation(async ({ input }: any) =>
    Promise.all(input.others.map(async (input: any) => {
      const { invoiceId } = input;
      return prisma.invoice.delete({ where: { id: invoiceId } });
    })),
  ),
  shadowed: invoiceProcedure.mutation(async ({ input, ctx }: any) => {
    {
      const input = { invoiceId: ctx.otherId };
      const { invoiceId } = input;
      return prisma.invoice.delete({ where: { id: invoiceId } });
    }
  }),
};`),
      [
        "router.ts:5: update({ where: { id: invoiceId }, data })",
        "router.ts:10: delete({ where: { id: invoiceId } })",
        "router.ts:14: delete({ where: { id: invoiceId } })",
        "router.ts:19: delete({ where: { id: invoiceId } })",
        "router.ts:26: delete({ where: { id: invoiceId } })",
      ],
    );
  });

  test("put a row it read for the tenant on ctx: its id is an owned key in the handlers", () => {
    assert.deepEqual(
      run(`export const router = {
  archive: invoiceProcedure.mutation(async ({ ctx: { invoice } }) => prisma.invoice.delete({ where: { id: invoice.id } })),
  close: invoiceProcedure.mutation(async ({ ctx }) => prisma.invoice.update({ where: { id: ctx.invoice.id }, data: { status: "closed" } })),
};`),
      [],
    );
  });

  test("twin: a row read without the tenant and put on ctx proves nothing", () => {
    assert.deepEqual(
      run(`export const router = {
  archive: unscopedProcedure.mutation(async ({ ctx: { invoice } }) => prisma.invoice.delete({ where: { id: invoice.id } })),
};`),
      ["router.ts:3: delete({ where: { id: invoice.id } })"],
    );
  });

  test("twins: a middleware whose empty read does not throw, another input key, a handler that does not read the input", () => {
    assert.deepEqual(
      run(`export const router = {
  pay: looseProcedure.mutation(async ({ input }) => prisma.invoice.update({ where: { id: input.invoiceId }, data: { status: "paid" } })),
  other: invoiceProcedure.mutation(async ({ input }: { input: { invoiceId: string; otherId: string } }) =>
    prisma.invoice.delete({ where: { id: input.otherId } })),
};`),
      [
        'router.ts:3: update({ where: { id: input.invoiceId }, data: { status: "paid" } })',
        "router.ts:5: delete({ where: { id: input.otherId } })",
      ],
    );
  });
});

// Named middlewares (karakeep's `ensureBookmarkOwnership`): `.use(isOwner)` with the middleware a
// const of the file or imported, built by `t.middleware(fn)` or `experimental_trpcMiddleware().create(fn)`,
// and a check after the read (`if (!row || row.tenantId !== ctx.tenantId) throw`).
const MIDDLEWARES = `import { experimental_trpcMiddleware, initTRPC, TRPCError } from "@trpc/server";
import { PrismaClient } from "@prisma/client";
export const prisma = new PrismaClient();
const t = initTRPC.context<{ tenantId: string }>().create();
export const procedure = t.procedure;
export const ensureInvoiceOwnership = experimental_trpcMiddleware<{ ctx: { tenantId: string }; input: { invoiceId: string } }>().create(
  async (opts) => {
    const invoice = await prisma.invoice.findFirst({ where: { id: opts.input.invoiceId } });
    if (!invoice || invoice.tenantId !== opts.ctx.tenantId) throw new TRPCError({ code: "FORBIDDEN" });
    return opts.next();
  },
);
export const isOwner = t.middleware(async ({ ctx, input, next }) => {
  const invoice = await prisma.invoice.findFirst({ where: { id: input.invoiceId, tenantId: ctx.tenantId } });
  if (!invoice) throw new TRPCError({ code: "NOT_FOUND" });
  return next();
});
export const ensureReadable = t.middleware(async ({ ctx, input, next }) => {
  const invoice = await prisma.invoice.findFirst({ where: { id: input.invoiceId } });
  if (!invoice || (!invoice.isPublic && invoice.tenantId !== ctx.tenantId)) throw new TRPCError({ code: "FORBIDDEN" });
  return next();
});
export const logsOnly = t.middleware(async ({ ctx, input, next }) => {
  const invoice = await prisma.invoice.findFirst({ where: { id: input.invoiceId } });
  if (!invoice || invoice.tenantId !== ctx.tenantId) console.warn("not the tenant's invoice");
  return next();
});
export const piped = isOwner.unstable_pipe(async ({ next }) => next());
export const lateCheck = t.middleware(async (opts) => {
  const result = await opts.next();
  const invoice = await prisma.invoice.findFirst({ where: { id: opts.input.invoiceId } });
  if (!invoice || invoice.tenantId !== opts.ctx.tenantId) throw new TRPCError({ code: "FORBIDDEN" });
  return result;
});
export const notMiddleware = cache.create(async (opts) => {
  const invoice = await prisma.invoice.findFirst({ where: { id: opts.input.invoiceId, tenantId: opts.ctx.tenantId } });
  if (!invoice) throw new TRPCError({ code: "NOT_FOUND" });
  return opts.next();
});
`;

const runNamed = (router: string) =>
  h
    .run({
      "/p/src/middlewares.ts": MIDDLEWARES,
      "/p/src/router.ts": `import { z } from "zod";
import { ensureInvoiceOwnership, ensureReadable, isOwner, lateCheck, logsOnly, notMiddleware, piped, prisma, procedure } from "./middlewares";
const input = z.object({ invoiceId: z.string() });
${router}`,
    })
    .flagged.filter((f) => f.startsWith("router.ts"));

describe("a tRPC middleware named in .use(...)", () => {
  test("imported, checking the row after its read or reading it with the tenant: the input key is verified", () => {
    assert.deepEqual(
      runNamed(`export const router = {
  pay: procedure.input(input).use(ensureInvoiceOwnership).mutation(async ({ input }) =>
    prisma.invoice.update({ where: { id: input.invoiceId }, data: { status: "paid" } })),
  remove: procedure.input(input).use(isOwner).mutation(async ({ input }) => prisma.invoice.delete({ where: { id: input.invoiceId } })),
};`),
      [],
    );
  });

  test("twins: not applied, a check that only logs, a public-or-own check before a write, a piped middleware, a check after next(), no tRPC middleware", () => {
    assert.deepEqual(
      runNamed(`export const router = {
  late: procedure.input(input).use(lateCheck).mutation(async ({ input }) => prisma.invoice.delete({ where: { id: input.invoiceId } })),
  other: procedure.input(input).use(notMiddleware).mutation(async ({ input }) => prisma.invoice.delete({ where: { id: input.invoiceId } })),
  pay: procedure.input(input).mutation(async ({ input }) => prisma.invoice.update({ where: { id: input.invoiceId }, data: { status: "paid" } })),
  log: procedure.input(input).use(logsOnly).mutation(async ({ input }) => prisma.invoice.delete({ where: { id: input.invoiceId } })),
  edit: procedure.input(input).use(ensureReadable).mutation(async ({ input }) => prisma.invoice.delete({ where: { id: input.invoiceId } })),
  pipe: procedure.input(input).use(piped).mutation(async ({ input }) => prisma.invoice.delete({ where: { id: input.invoiceId } })),
};`),
      [
        "router.ts:5: delete({ where: { id: input.invoiceId } })",
        "router.ts:6: delete({ where: { id: input.invoiceId } })",
        'router.ts:7: update({ where: { id: input.invoiceId }, data: { status: "paid" } })',
        "router.ts:8: delete({ where: { id: input.invoiceId } })",
        "router.ts:9: delete({ where: { id: input.invoiceId } })",
        "router.ts:10: delete({ where: { id: input.invoiceId } })",
      ],
    );
  });

  test("in the router's own file, built by t.middleware", () => {
    assert.deepEqual(
      h
        .run({
          "/p/src/router.ts": `import { initTRPC, TRPCError } from "@trpc/server";
import { PrismaClient } from "@prisma/client";
const prisma = new PrismaClient();
const t = initTRPC.context<{ tenantId: string }>().create();
const owns = t.middleware(async (opts) => {
  const invoice = await prisma.invoice.findFirst({ where: { id: opts.input.invoiceId } });
  if (!invoice || invoice.tenantId !== opts.ctx.tenantId) throw new TRPCError({ code: "FORBIDDEN" });
  return opts.next();
});
export const router = {
  pay: t.procedure.use(owns).mutation(async ({ input }) => prisma.invoice.delete({ where: { id: input.invoiceId } })),
};`,
        })
        .flagged.filter((f) => f.startsWith("router.ts")),
      [],
    );
  });
});

describe('a handler the router loads with a dynamic import (cal.com: `const { deleteHandler } = await import("./delete.handler")`)', () => {
  const HANDLER = `import { prisma } from "./trpc";
export const deleteHandler = async ({ input }: { input: { invoiceId: string } }) => {
  await prisma.invoice.delete({ where: { id: input.invoiceId } });
};
`;
  const runWith = (procedure: string, load: string, call: string) =>
    h
      .run({
        "/p/src/trpc.ts": TRPC,
        "/p/src/delete.handler.ts": HANDLER,
        "/p/src/router.ts": `import { invoiceProcedure, unscopedProcedure } from "./trpc";
export const router = {
  remove: ${procedure}.mutation(async ({ ctx, input }) => {
    ${load}
    return ${call}({ ctx, input });
  }),
};`,
      })
      .flagged.filter((f) => f.startsWith("delete.handler.ts"));

  test("destructured or held whole, on a procedure whose middleware verified the key: the handler's delete is proven", () => {
    assert.deepEqual(
      runWith("invoiceProcedure", `const { deleteHandler } = await import("./delete.handler");`, "deleteHandler"),
      [],
    );
    assert.deepEqual(
      runWith("invoiceProcedure", `const handlers = await import("./delete.handler");`, "handlers.deleteHandler"),
      [],
    );
  });

  test("twins: loaded through .then on an unchecked procedure, a let that may be reassigned, a nearer binding of the name", () => {
    const flagged = ["delete.handler.ts:3: delete({ where: { id: input.invoiceId } })"];
    // The checked procedure's call proves the key; the `.then` call on the unchecked one does not.
    const viaThen = h
      .run({
        "/p/src/trpc.ts": TRPC,
        "/p/src/delete.handler.ts": HANDLER,
        "/p/src/router.ts": `import { invoiceProcedure, unscopedProcedure } from "./trpc";
export const router = {
  remove: invoiceProcedure.mutation(async ({ ctx, input }) => {
    const { deleteHandler } = await import("./delete.handler");
    return deleteHandler({ ctx, input });
  }),
  removeAny: unscopedProcedure.mutation(({ ctx, input }) => import("./delete.handler").then((m) => m.deleteHandler({ ctx, input }))),
};`,
      })
      .flagged.filter((f) => f.startsWith("delete.handler.ts"));
    assert.deepEqual(viaThen, flagged);
    assert.deepEqual(
      runWith(
        "invoiceProcedure",
        `let { deleteHandler } = await import("./delete.handler");\n    if (input.skip) deleteHandler = async () => {};`,
        "deleteHandler",
      ),
      flagged,
      "a let",
    );
  });

  test("twin: the same on a procedure whose middleware read without the tenant", () => {
    assert.deepEqual(
      runWith("unscopedProcedure", `const { deleteHandler } = await import("./delete.handler");`, "deleteHandler"),
      ["delete.handler.ts:3: delete({ where: { id: input.invoiceId } })"],
    );
  });
});

// openpanel's enforceAccess: `if (has("projectId", rawInput)) { const access = await
// getProjectAccess({ userId, projectId: rawInput.projectId }); if (!access) throw ... }` on every
// protected procedure; a handler whose input schema requires projectId hands it on as the tenant.
describe("a middleware that checks access to a field of the raw input when it is given", () => {
  const files = (input: string, condition = 'has("projectId", rawInput)') => ({
    "/p/src/trpc.ts": `import { initTRPC, TRPCError } from "@trpc/server";
import { PrismaClient } from "@prisma/client";
export const prisma = new PrismaClient();
declare function has(key: string, o: unknown): o is Record<string, unknown>;
declare function getProjectAccess(a: { userId: string; projectId: string }): Promise<boolean>;
const t = initTRPC.context<{ userId: string }>().create();
const enforceAccess = t.middleware(async ({ ctx, next, rawInput }) => {
  if (${condition}) {
    const access = await getProjectAccess({ userId: ctx.userId, projectId: rawInput.projectId as string });
    if (!access) throw new TRPCError({ code: "FORBIDDEN" });
  }
  return next();
});
export const protectedProcedure = t.procedure.use(enforceAccess);
`,
    "/p/src/router.ts": `import { z } from "zod";
import { prisma, protectedProcedure } from "./trpc";
async function findWidget(tenantId: string, type: string) {
  return prisma.invoice.findFirst({ where: { tenantId, number: type } });
}
export const toggle = protectedProcedure
  .input(z.object({ ${input}, type: z.string() }))
  .mutation(async ({ input }) => {
    const existing = await findWidget(input.projectId, input.type);
    if (existing) return prisma.invoice.update({ where: { id: existing.id }, data: { status: "x" } });
  });
`,
  });
  const flagged = (input: string, condition?: string) =>
    h.run(files(input, condition)).flagged.filter((f) => f.startsWith("router.ts"));

  test("the schema requires projectId: the helper handed input.projectId returns the tenant's row", () => {
    assert.deepEqual(flagged("projectId: z.string()"), []);
    assert.deepEqual(flagged("projectId: z.string()", '"projectId" in (rawInput as object)'), []);
  });

  test("twins: projectId optional in the schema (the check may not have run), the middleware checking another field", () => {
    assert.deepEqual(flagged("projectId: z.string().optional()"), [
      'router.ts:10: update({ where: { id: existing.id }, data: { status: "x" } })',
    ]);
    assert.deepEqual(flagged("projectId: z.string()", 'has("organizationId", rawInput)'), [
      'router.ts:10: update({ where: { id: existing.id }, data: { status: "x" } })',
    ]);
  });
});

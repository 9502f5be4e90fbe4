// A by-id read whose row only decides conditions hands nothing of the row on (cal.com's access
// checks: `if (et && et.userId !== me) { if (!isAdmin(et.team?.members)) throw ... }`, an
// immediately invoked function over the row whose answer an `if` tests, a loop that returns false
// on a stranger's row). Any other use hands the row on: returned, passed to a call outside a
// condition, thrown in a message, logged, assigned. Each safe case beside its unsafe twin.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { harness, PRISMA_CLIENT } from "../helpers/flow-run";

const h = harness();

const run = (body: string) =>
  h.run({
    "/p/src/invoices.ts": `${PRISMA_CLIENT}const isAdmin = (members?: { userId: string }[]) => !!members?.some((m) => m.userId === "x");
export async function handler(me: string, id: string, ids: string[]) {
${body}
}`,
  });

const READ = `  const inv = await prisma.invoice.findUnique({ where: { id }, include: { team: { include: { members: true } } } });`;

describe("a by-id read whose row only decides conditions", () => {
  test("tested in nested ifs, handed to a check inside the condition: no finding, and --explain says why", () => {
    const r = run(`${READ}
  if (inv && inv.ownerId !== me) {
    if (!isAdmin(inv.team?.members)) throw new Error("forbidden");
  }`);
    assert.deepEqual(r.flagged, []);
    assert.match(r.proofs.at(-1)!, /owner-lookup: reads the row only to decide conditions; nothing of it is handed on/);
  });

  test("an immediately invoked function over the row, its answer tested", () => {
    const r = run(`${READ}
  if (!inv) throw new Error("not found");
  const allowed = (function () {
    if (inv.team) return inv.team.members.map((m) => m.userId).includes(me);
    return inv.ownerId === me;
  })();
  if (!allowed) throw new Error("forbidden");`);
    assert.deepEqual(r.flagged, []);
  });

  test("the same name read in two branches; a list derived from the row tested through an array method", () => {
    // cal.com's webhook middleware reads `const eventType` in two branches; its event type check
    // derives the team's members and asks `input.users.every((u) => members.includes(u))`.
    const r = run(`  if (ids.length) {
    const inv = await prisma.invoice.findFirst({ where: { id: ids[0] }, include: { team: { include: { members: true } } } });
    if (inv && inv.ownerId !== me && !isAdmin(inv.team?.members)) throw new Error("forbidden");
  } else {
    const inv = await prisma.invoice.findFirst({ where: { id }, include: { team: { include: { members: true } } } });
    if (!inv) throw new Error("not found");
    const allowed = (function () {
      const members = inv.team.members.map((m) => m.userId);
      return ids.every((u) => members.includes(u));
    })();
    if (!allowed) throw new Error("forbidden");
  }`);
    assert.deepEqual(r.flagged, []);
  });

  test("a loop that answers false on a stranger's row", () => {
    const r = run(`  for (const key of ids) {
    const inv = await prisma.invoice.findFirst({ where: { id: key } });
    if (!inv || inv.ownerId !== me) return false;
  }
  return true;`);
    assert.deepEqual(r.flagged, []);
  });

  test("twins: the row returned, logged, thrown in a message, passed on, or its IIFE answer kept and returned", () => {
    const twins = [
      `${READ}\n  if (inv && inv.ownerId !== me) console.warn("not yours");\n  return inv;`,
      `${READ}\n  if (inv && inv.ownerId !== me) throw new Error("owned by " + inv.ownerId);`,
      `${READ}\n  console.log(inv);\n  if (!inv) throw new Error("not found");`,
      `${READ}\n  if (inv) await notify(inv.ownerId);`,
      `${READ}\n  const view = (function () { return inv?.ownerId; })();\n  return view;`,
      `${READ}\n  const total = inv ? inv.total : 0;\n  return { total };`,
      `${READ}\n  let held;\n  if (inv) held = inv;\n  return held;`,
    ];
    // The key handed on after the read (Flowise: an existence check of the request's credential id,
    // which a runner then uses): the read is that use's check, and it proves no tenant.
    twins.push(`${READ}\n  if (!inv || inv.status === "void") throw new Error("no invoice");\n  await runWith(id);`);
    // The key used again by a later query: the read is that query's ownership check, and one that only logs is no check.
    twins.push(
      `${READ}\n  if (inv && inv.ownerId !== me) console.warn("not yours");\n  await prisma.invoice.findFirst({ where: { id } });`,
    );
    // Inside a condition: a call that does something with the row, a compound assignment, a loop condition.
    twins.unshift(
      // A method run on the row, a callback that does something, a call named like a check that acts.
      `${READ}\n  if (inv && (await inv.destroy())) return;`,
      `${READ}\n  if (inv && inv.team.members.some((m) => void notify(m.userId))) return;`,
      `${READ}\n  if (inv && checkAndPublish(inv)) return;`,
      `${READ}\n  if (!(await sendMail(me, inv!.number))) throw new Error("mail");`,
      `${READ}\n  let out = "";\n  if ((out += inv!.number)) {}\n  return out;`,
      `${READ}\n  let n = 0;\n  while (inv!.number.charCodeAt(n) > 0) n++;\n  return n;`,
    );
    for (const body of twins.slice(0, -1)) {
      const r = run(body);
      assert.equal(r.flagged.length, 1, `${body}\n${JSON.stringify(r.flagged)}`);
    }
    assert.equal(run(twins.at(-1)!).flagged.length, 2);
    // Handed to a query whose answer then decides: the row's data went on into that query.
    const handed = run(
      `${READ}\n  const other = await prisma.invoice.findFirst({ where: { number: inv!.number, tenantId: me } });\n  if (!other) throw new Error("no");`,
    );
    assert.ok(
      handed.flagged.some((f) => f.includes("findUnique({ where: { id }")),
      JSON.stringify(handed.flagged),
    );
  });
});

// boxyhq's invitations: a read by the unguessable invite token that only tests whether a row came
// back, then the delete by that token. The token decides the tenant (a credential lookup); that the
// read only tests presence does not take that away.
describe("a credential read that only tests presence", () => {
  const inv = harness({
    files: {
      "/p/prisma/schema.prisma": `model Team {
  id          String       @id
  invitations Invitation[]
}
model Invitation {
  id     String @id
  teamId String
  token  String @unique
  team   Team   @relation(fields: [teamId], references: [id])
}
`,
    },
    config: { tenantColumns: ["teamId"], schema: { prisma: ["prisma/schema.prisma"] } },
  });
  const consume = (body: string) =>
    inv.run({
      "/p/src/accept.ts": `${PRISMA_CLIENT}export async function accept(req: { body: { inviteToken: string } }, other: string) {\n  const inviteToken = req.body.inviteToken;\n${body}\n}`,
    });

  test("found by the token, then deleted by the same token: proven", () => {
    const r = consume(`  const invitation = await prisma.invitation.findUnique({ where: { token: inviteToken } });
  if (!invitation) throw new Error("not found");
  await prisma.invitation.delete({ where: { token: inviteToken } });`);
    assert.deepEqual(r.flagged, []);
    assert.ok(
      r.proofs.some((p) =>
        /accept\.ts:7 owned-key: key `inviteToken` was looked up by the scoped query on line 5/.test(p),
      ),
      r.proofs.join("\n"),
    );
  });

  test("twins: deleted by another key; found by its id, not its token", () => {
    const twins = [
      `  const invitation = await prisma.invitation.findUnique({ where: { token: inviteToken } });
  if (!invitation) throw new Error("not found");
  await prisma.invitation.delete({ where: { id: other } });`,
      `  const invitation = await prisma.invitation.findUnique({ where: { id: other } });
  if (!invitation) throw new Error("not found");
  await prisma.invitation.delete({ where: { id: other } });`,
    ];
    for (const body of twins)
      assert.ok(
        consume(body).flagged.some((f) => f.includes("delete(")),
        `${body}\n${consume(body).flagged.join("\n")}`,
      );
  });
});

// unsend's campaigns: `findUnique({ where: { id: data.contactBookId } })` only to throw when no
// book has that id, then `data` written into the campaign: the read is the check of a key the path
// goes on to use, and it checks no tenant. A read that must find nothing (a number that must be
// free) checks no key for later use.
describe("a read only tested for presence", () => {
  const runIn = (body: string) =>
    h.run({
      "/p/src/lines.ts": `${PRISMA_CLIENT}export async function handler(tenantId: string, data: { invoiceId: string; number: string }) {\n${body}\n}`,
    });

  test("a number that must be free across tenants, then used in the create: no finding", () => {
    const r = runIn(`  const taken = await prisma.invoice.findFirst({ where: { number: data.number } });
  if (taken) throw new Error("number taken");
  await prisma.invoice.create({ data: { number: data.number, status: "draft", tenantId } });`);
    assert.deepEqual(r.flagged, []);
  });

  test("a read whose absence only picks what else to do (the path goes on either way), or a cache cleared by the key: no finding", () => {
    assert.deepEqual(
      runIn(`  const inv = await prisma.invoice.findFirst({ where: { id: data.invoiceId } });
  if (!inv) await log("first");
  await prisma.note.create({ data: { body: "x", invoiceId: data.invoiceId, tenantId } });`).flagged.filter((f) =>
        f.includes("findFirst"),
      ),
      [],
    );
    assert.deepEqual(
      runIn(`  const inv = await prisma.invoice.findUnique({ where: { id: data.invoiceId } });
  if (!inv) throw new Error("no such invoice");
  cache.clear(data.invoiceId);
  await revalidateTag(data.invoiceId);`).flagged,
      [],
    );
  });

  test("an existence test whose key is never used again: no finding", () => {
    const r = runIn(`  const inv = await prisma.invoice.findUnique({ where: { id: data.invoiceId } });
  if (!inv) throw new Error("no such invoice");
  return { ok: true };`);
    assert.deepEqual(r.flagged, []);
  });

  test("twins: the key written into another row after the test, itself or in the object holding it", () => {
    const twins = [
      `  const inv = await prisma.invoice.findUnique({ where: { id: data.invoiceId } });
  if (!inv) throw new Error("no such invoice");
  await prisma.note.create({ data: { body: "x", invoiceId: data.invoiceId, tenantId } });`,
      `  const inv = await prisma.invoice.findUnique({ where: { id: data.invoiceId } });
  if (!inv) throw new Error("no such invoice");
  await save(data);`,
      `  if (!(await prisma.invoice.findUnique({ where: { id: data.invoiceId } }))) throw new Error("no such invoice");
  await save(data);`,
      // Copied on first: destructured, held in a const, spliced into a URL.
      `  const inv = await prisma.invoice.findUnique({ where: { id: data.invoiceId } });
  if (!inv) throw new Error("no such invoice");
  const { invoiceId } = data;
  await prisma.note.create({ data: { body: "x", invoiceId, tenantId } });`,
      `  const inv = await prisma.invoice.findUnique({ where: { id: data.invoiceId } });
  if (!inv) throw new Error("no such invoice");
  const iid = data.invoiceId;
  await prisma.note.create({ data: { body: "x", invoiceId: iid, tenantId } });`,
      `  const inv = await prisma.invoice.findUnique({ where: { id: data.invoiceId } });
  if (!inv) throw new Error("no such invoice");
  await fetch(\`https://export.example/invoices/\${data.invoiceId}\`);`,
    ];
    for (const body of twins)
      assert.ok(
        runIn(body).flagged.some((f) => f.includes("findUnique({ where: { id: data.invoiceId } })")),
        `${body}\n${runIn(body).flagged.join("\n")}`,
      );
  });
});

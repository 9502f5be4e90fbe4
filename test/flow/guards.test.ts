// NestJS handlers behind an access guard (`@UseGuards(TeamEnvGuard)`): the guard's `canActivate`
// read the request arguments it checks (`const { id } = ctx.getArgs()`) and threw before the
// handler ran, so those arguments are authorized keys in the handler; the arguments it does not
// read, and guards that only sign the user in, prove nothing.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { harness } from "../helpers/flow-run";

const h = harness();

const GUARD = `import { CanActivate, ExecutionContext, Injectable } from "@nestjs/common";
import { GqlExecutionContext } from "@nestjs/graphql";
@Injectable()
export class InvoiceTeamGuard implements CanActivate {
  async canActivate(context: ExecutionContext): Promise<boolean> {
    const ctx = GqlExecutionContext.create(context);
    const { user } = ctx.getContext().req;
    const { id } = ctx.getArgs<{ id: string }>();
    return this.invoices.isInTeamOf(id, user);
  }
}
`;

const resolver = (guards: string) => `import { UseGuards } from "@nestjs/common";
import { Args, Mutation, Resolver } from "@nestjs/graphql";
import { PrismaClient } from "@prisma/client";
import { InvoiceTeamGuard } from "./invoice.guard";
const prisma = new PrismaClient();
@Resolver()
export class InvoiceResolver {
  @Mutation(() => Boolean)
  @UseGuards(${guards})
  async payInvoice(@Args({ name: "id" }) invoiceId: string, @Args("targetId") targetId: string) {
    await prisma.invoice.update({ where: { id: invoiceId }, data: { status: "paid" } });
    await prisma.invoice.update({ where: { id: targetId }, data: { status: "merged" } });
    return true;
  }
}
`;

const run = (guards: string, guardFile = GUARD) =>
  h.run({ "/p/src/invoice.guard.ts": guardFile, "/p/src/invoice.resolver.ts": resolver(guards) });

describe("handlers behind a guard", () => {
  test("the argument the guard reads is authorized in the handler; another argument is not", () => {
    const r = run("GqlAuthGuard, InvoiceTeamGuard");
    assert.deepEqual(r.flagged, [
      'invoice.resolver.ts:12: update({ where: { id: targetId }, data: { status: "merged" } })',
    ]);
    assert.ok(
      r.proofs.includes(
        "invoice.resolver.ts:11 authorized: key `invoiceId` is checked by the guard `InvoiceTeamGuard` before the handler on line 10 runs",
      ),
      r.proofs.join("\n"),
    );
  });

  test("the arguments taken whole into a DTO (`@Args() args: PayArgs`): the field the guard read is authorized, another is not", () => {
    const dto = resolver("InvoiceTeamGuard").replace(
      `async payInvoice(@Args({ name: "id" }) invoiceId: string, @Args("targetId") targetId: string) {
    await prisma.invoice.update({ where: { id: invoiceId }, data: { status: "paid" } });
    await prisma.invoice.update({ where: { id: targetId }, data: { status: "merged" } });`,
      `async payInvoice(@Args() args: { id: string; targetId: string }) {
    await prisma.invoice.update({ where: { id: args.id }, data: { status: "paid" } });
    await prisma.invoice.update({ where: { id: args.targetId }, data: { status: "merged" } });`,
    );
    const r = h.run({ "/p/src/invoice.guard.ts": GUARD, "/p/src/invoice.resolver.ts": dto });
    assert.deepEqual(r.flagged, [
      'invoice.resolver.ts:12: update({ where: { id: args.targetId }, data: { status: "merged" } })',
    ]);
  });

  test("twin: a guard that only signs the user in, or one that reads no arguments, proves nothing", () => {
    assert.equal(run("GqlAuthGuard").flagged.length, 2);
    const blind = GUARD.replace("const { id } = ctx.getArgs<{ id: string }>();", "const id = user.defaultInvoice;");
    assert.equal(run("InvoiceTeamGuard", blind).flagged.length, 2);
  });

  test("a guard that cannot be read counts when its name says it checks access, for the arguments it is named for", () => {
    const r = h.run({
      "/p/src/invoice.resolver.ts": resolver("InvoiceMemberGuard").replace(
        'import { InvoiceTeamGuard } from "./invoice.guard";',
        'import { InvoiceMemberGuard } from "@app/guards";',
      ),
    });
    // `invoiceId` is what an Invoice…Guard checks; `targetId` is not.
    assert.deepEqual(r.flagged, [
      'invoice.resolver.ts:12: update({ where: { id: targetId }, data: { status: "merged" } })',
    ]);
    // The words for how a guard checks name no resource: a `TeamMemberGuard` covers `teamId`, not `memberId`.
    const members = h.run({
      "/p/src/members.controller.ts": `import { UseGuards } from "@nestjs/common";
import { PrismaClient } from "@prisma/client";
import { TeamMemberGuard } from "src/guards/team-member.guard";
const prisma = new PrismaClient();
export class MembersController {
  @UseGuards(TeamMemberGuard)
  async remove(teamId: string, memberId: string) {
    await prisma.invoice.deleteMany({ where: { tenantId: teamId } });
    return prisma.invoice.delete({ where: { id: memberId } });
  }
}`,
    });
    assert.deepEqual(members.flagged, ["members.controller.ts:9: delete({ where: { id: memberId } })"]);
  });
});

test("a query through `(tx || this.prisma)` is checked like one through either client", () => {
  const r = h.run({
    "/p/src/invoices.service.ts": `import { PrismaClient } from "@prisma/client";
export class InvoicesService {
  constructor(private readonly prisma: PrismaClient) {}
  async get(id: string, tx?: any) {
    return (tx || this.prisma).invoice.findUniqueOrThrow({ where: { id } });
  }
}`,
  });
  assert.deepEqual(r.flagged, ["invoices.service.ts:5: findUniqueOrThrow({ where: { id } })"]);
});

test("two rows read by request ids compared with each other prove nothing about the caller's tenant", () => {
  const body = (check: string) => `import { PrismaClient } from "@prisma/client";
const prisma = new PrismaClient();
export async function move(tenantId: string, input: any) {
  const a = await prisma.invoice.findFirst({ where: { id: input.id } });
  const b = await prisma.invoice.findFirst({ where: { id: input.nextId } });
  if (!a || !b || ${check}) throw new Error("forbidden");
  return [a, b];
}`;
  assert.equal(h.run({ "/p/src/move.ts": body("a.tenantId !== b.tenantId") }).flagged.length, 2);
  // Control: each compared with the caller's tenant.
  assert.deepEqual(h.run({ "/p/src/move.ts": body("a.tenantId !== tenantId || b.tenantId !== tenantId") }).flagged, []);
});

describe("a guard that hands the request arguments whole to its check", () => {
  // usertour's PermissionGuard: a resolver picked by scope derives the project from whatever id
  // the request carries, and the guard throws unless the user is a member of it.
  const guard = (handOver: string) => `import { CanActivate, ExecutionContext } from "@nestjs/common";
import { GqlExecutionContext } from "@nestjs/graphql";
export class PermissionGuard implements CanActivate {
  async canActivate(context: ExecutionContext): Promise<boolean> {
    const ctx = GqlExecutionContext.create(context);
    const { req } = ctx.getContext();
    const args = ctx.getArgs();
    const resolver = this.resolvers[this.scopeOf(context)];
    ${handOver}
    if (!(await this.isMember(req.user.id, tenantId))) throw new Error("forbidden");
    return true;
  }
}
`;
  const files = (handOver: string) => ({
    "/p/src/permission.guard.ts": guard(handOver),
    "/p/src/invoices.resolver.ts": `import { UseGuards } from "@nestjs/common";
import { Args, Mutation, Resolver } from "@nestjs/graphql";
import { PermissionGuard } from "./permission.guard";
import { InvoicesService } from "./invoices.service";
@Resolver()
@UseGuards(PermissionGuard)
export class InvoicesResolver {
  constructor(private readonly invoices: InvoicesService) {}
  @Mutation(() => Boolean)
  async payInvoice(@Args("data") data: PayInvoiceInput, @CurrentUser() user: User) {
    await this.invoices.pay(data.invoiceId);
    await this.invoices.pay(user.lastInvoiceId);
    return true;
  }
  @Mutation(() => Boolean)
  async voidInvoice(@Args() { invoiceId }: InvoiceIdArgs) {
    return this.invoices.void(invoiceId);
  }
}
`,
    "/p/src/invoices.service.ts": `import { PrismaClient } from "@prisma/client";
export class InvoicesService {
  constructor(private readonly prisma: PrismaClient) {}
  async pay(id: string) {
    return this.prisma.invoice.update({ where: { id }, data: { status: "paid" } });
  }
  async void(id: string) {
    return this.prisma.invoice.delete({ where: { id } });
  }
}
`,
  });

  test("every request argument of a handler behind it is checked, down to the service; other parameters are not", () => {
    const r = h.run(files("const tenantId = resolver ? await resolver(args) : null;"));
    // `pay` is also called with the signed-in user's own field, which no request argument checked.
    assert.deepEqual(r.flagged, ['invoices.service.ts:5: update({ where: { id }, data: { status: "paid" } })']);
    assert.match(r.messages[0]!, /passes `user\.lastInvoiceId`/);
    assert.ok(
      r.proofs.some((p) =>
        p.includes(
          "key `invoiceId` is a request argument the guard `PermissionGuard` hands whole to its check before the handler on line 16 runs",
        ),
      ),
      r.proofs.join("\n"),
    );
  });

  test("twin: arguments the guard only logs, validates, or never hands on, are not checked", () => {
    const logged = h.run(files("this.logger.debug(args);\n    const tenantId = req.user.tenantId;"));
    assert.equal(logged.flagged.length, 2, logged.flagged.join("\n"));
    const unused = h.run(files("const tenantId = resolver ? await resolver({ id: req.user.id }) : null;"));
    assert.equal(unused.flagged.length, 2, unused.flagged.join("\n"));
    // Validated, not checked: the answer decides nothing.
    const parsed = h.run(files("const input = schema.parse(args);\n    const tenantId = req.user.tenantId;"));
    assert.equal(parsed.flagged.length, 2, parsed.flagged.join("\n"));
  });
});

test("a GraphQL field resolver's `@Parent()` row is the one the query above it returned: its keys are its tenant's", () => {
  const r = h.run({
    "/p/src/notes.resolver.ts": `import { Args, Parent, Query, ResolveField, Resolver } from "@nestjs/graphql";
import { PrismaClient } from "@prisma/client";
const prisma = new PrismaClient();
@Resolver(() => Note)
export class NotesResolver {
  @ResolveField("invoice")
  invoice(@Parent() note: Note) {
    return prisma.invoice.findUnique({ where: { id: note.invoiceId! } });
  }
  @ResolveField("other")
  other(@Parent() note: Note, @Args("invoiceId") invoiceId: string) {
    return prisma.invoice.findUnique({ where: { id: invoiceId } });
  }
  @Query(() => Invoice)
  byNote(@Args("note") note: Note) {
    return prisma.invoice.findUnique({ where: { id: note.invoiceId! } });
  }
}
`,
  });
  // Twins: an argument beside the parent, and a query (not a field) handed a note by the client.
  assert.deepEqual(r.flagged, [
    "notes.resolver.ts:12: findUnique({ where: { id: invoiceId } })",
    "notes.resolver.ts:16: findUnique({ where: { id: note.invoiceId! } })",
  ]);
  assert.ok(
    r.proofs.some((p) =>
      p.includes("key `note.invoiceId!` is read off the Note row GraphQL resolved before this field"),
    ),
    r.proofs.join("\n"),
  );
});

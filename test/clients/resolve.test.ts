// classifyReceiver: every way a query's receiver reaches a configured client. The expression
// classified is the argument of `check(...)` in each snippet.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import ts from "typescript";
import { classifyReceiver, type ReceiverKind } from "../../server/src/analyzer/clients/resolve";
import { typedProgram } from "../orm/builders";

const clients = {
  scoped: ["tenantDb", "getTenantDb", "withTenant", "forTenant", "tenantPrisma", "TenantPrisma"],
  unscoped: ["prisma", "pool", "db"],
  allowUnscopedIn: [],
};

function checkedArgument(sourceFile: ts.SourceFile): ts.Expression {
  let found: ts.Expression | undefined;
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === "check")
      found = n.arguments[0];
    ts.forEachChild(n, visit);
  };
  visit(sourceFile);
  assert.ok(found, "snippet has no check(...)");
  return found;
}

function kindOf(text: string): ReceiverKind {
  const sourceFile = ts.createSourceFile("/p/src/file.ts", text, ts.ScriptTarget.Latest, true);
  return classifyReceiver({ ts, sourceFile, config: { clients } }, checkedArgument(sourceFile)).kind;
}

const cases: [string, string, ReceiverKind][] = [
  ["a configured scoped name", "check(tenantDb)", "scoped"],
  ["a configured unscoped name", "check(prisma)", "unscoped"],
  ["a call of a scoped factory", "check(getTenantDb(ctx))", "scoped"],
  ["a property named like a client", "check(ctx.db)", "unscoped"],
  ["this.<scoped name>", "class S { m() { check(this.tenantDb) } }", "scoped"],
  ["a local alias of the root client", "const client = prisma; check(client)", "unscoped"],
  ["a local alias of the scoped client", "const client = tenantDb; check(client)", "scoped"],
  ["a variable holding a factory result", "const client = await getTenantDb(ctx); check(client)", "scoped"],
  ["destructuring by property name", "const { tenantDb: client } = ctx; check(client)", "scoped"],
  ["destructuring the root client", "const { prisma: client } = deps; check(client)", "unscoped"],
  ["an import under another name", 'import { tenantDb as client } from "./db"; check(client)', "scoped"],
  ["an import of the root client", 'import { prisma as client } from "./db"; check(client)', "unscoped"],
  ["a class field initializer", "class S { private client = prisma; m() { check(this.client) } }", "unscoped"],
  [
    "a constructor assignment",
    "class S { client: any; constructor(ctx) { this.client = getTenantDb(ctx) } m() { check(this.client) } }",
    "scoped",
  ],
  [
    "a constructor parameter property typed scoped",
    "class S { constructor(private readonly client: TenantPrisma) {} m() { check(this.client) } }",
    "scoped",
  ],
  ["a parameter typed scoped", "function f(client: TenantPrisma) { check(client) }", "scoped"],
  [
    "a parameter typed scoped but named like the root client",
    "function f(prisma: TenantPrisma) { check(prisma) }",
    "scoped",
  ],
  ["the tx of the root client's $transaction", "prisma.$transaction(async (tx) => check(tx))", "unscoped"],
  ["the tx of the scoped client's $transaction", "tenantDb.$transaction(async (tx) => check(tx))", "scoped"],
  ["the callback parameter of a scoped wrapper", "withTenant(tenantId, async (tx) => check(tx))", "scoped"],
  [
    "a destructured callback parameter of a scoped wrapper",
    "withTenant(tenantId, async ({ client }) => check(client))",
    "scoped",
  ],
  ["$extends with a scoped extension", "const x = prisma.$extends(forTenant(tenantId)); check(x)", "scoped"],
  ["an $extends result the config names", "const tenantPrisma = prisma.$extends(ext); check(tenantPrisma)", "scoped"],
  ["a connection checked out of the root pool", "const client = await pool.connect(); check(client)", "unscoped"],
  ["parentheses, await and assertions", "async function f() { check((await (tenantDb as any))!) }", "scoped"],
  ["an unknown receiver", "check(somethingElse)", "unknown"],
  ["an unknown parameter", "function f(client) { check(client) }", "unknown"],
  ["an $extends of the root client with an unknown extension", "const x = prisma.$extends(ext); check(x)", "unknown"],
];

describe("classifyReceiver, syntactic", () => {
  for (const [name, text, expected] of cases) it(name, () => assert.equal(kindOf(text), expected));

  it("is unknown for every receiver when the config names no clients", () => {
    const sourceFile = ts.createSourceFile("/p/a.ts", "check(prisma)", ts.ScriptTarget.Latest, true);
    const none = { scoped: [], unscoped: [], allowUnscopedIn: [] };
    assert.equal(
      classifyReceiver({ ts, sourceFile, config: { clients: none } }, checkedArgument(sourceFile)).kind,
      "unknown",
    );
  });

  it("says how it got there", () => {
    const sourceFile = ts.createSourceFile(
      "/p/a.ts",
      "prisma.$transaction(async (tx) => check(tx))",
      ts.ScriptTarget.Latest,
      true,
    );
    const r = classifyReceiver({ ts, sourceFile, config: { clients } }, checkedArgument(sourceFile));
    assert.deepEqual(r, { kind: "unscoped", name: "prisma", via: "tx of prisma.$transaction" });
  });
});

describe("classifyReceiver with a TypeChecker", () => {
  const { program, path } = typedProgram({
    "db.ts": `
      declare class PrismaClient { $extends(x: unknown): TenantPrisma }
      export type TenantPrisma = { readonly __tenant: true; order: unknown };
      export const prisma = new PrismaClient();
      export function tenantClient(id: string): TenantPrisma { return prisma.$extends(id); }`,
    "index.ts": `export { prisma as database } from "./db";`,
    "reexported.ts": `
      import { database } from "./index";
      declare function check(x: unknown): void;
      check(database);`,
    "by-type.ts": `
      import { tenantClient } from "./db";
      declare function check(x: unknown): void;
      const client = tenantClient("t1");
      check(client);`,
    "inferred.ts": `
      import { tenantClient } from "./db";
      declare function check(x: unknown): void;
      export function handler(c = tenantClient("t1")) { check(c); }`,
  });
  const checker = program.getTypeChecker();
  const classify = (rel: string) => {
    const sourceFile = program.getSourceFile(path(rel))!;
    return classifyReceiver({ ts, sourceFile, checker, config: { clients } }, checkedArgument(sourceFile)).kind;
  };

  it("follows an import through a renaming re-export to the root client", () =>
    assert.equal(classify("reexported.ts"), "unscoped"));
  it("a value whose type is the scoped client's type is scoped wherever it came from", () =>
    assert.equal(classify("by-type.ts"), "scoped"));
  it("an untyped parameter whose inferred type is the scoped client's", () =>
    assert.equal(classify("inferred.ts"), "scoped"));
});

// Prisma Client calls on tenant-owned models: what leaks (with the rule and the text the
// finding underlines) and the safe twins a naive check gets wrong. The model comes from
// prisma-harness's SCHEMA: Project/Invoice/Task/Note tenant-owned, InvoiceLine owned through Invoice
// (its required relation), Tenant/Plan global.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { applyEdits, summarizeFindings } from "../helpers/analyze";
import { sqlParser } from "../helpers/sql";
import { analyzePrisma, prismaModel, SCHEMA } from "./prisma-harness";
import type { ConfigFile } from "../../server/src/analyzer/config/types";

let parser: SqlParser;
before(async () => {
  parser = await sqlParser();
});

const HEADER = `import { PrismaClient } from "@prisma/client";\nconst prisma = new PrismaClient();\n`;
const fn = (body: string, params = "id: string, tenantId: string, status: string") =>
  `${HEADER}export async function f(${params}) {\n  ${body}\n}\n`;

function found(body: string, config?: ConfigFile, params?: string) {
  const code = fn(body, params);
  return summarizeFindings(code, analyzePrisma(parser, code, { config })).map(({ rule, at, suppressed }) =>
    suppressed ? { rule, at, suppressed } : { rule, at },
  );
}

type Case = [name: string, body: string, expected: { rule: string; at: string }[]];
const missing = (at: string) => ({ rule: "missing-tenant-filter", at });
const weak = (at: string) => ({ rule: "weak-tenant-filter", at });
const insert = (at: string) => ({ rule: "missing-tenant-on-insert", at });
const dynamic = (at: string) => ({ rule: "dynamic-sql", at });

describe("every operation without the tenant", () => {
  const cases: Case[] = [
    [
      "findUnique by id alone",
      "await prisma.invoice.findUnique({ where: { id } });",
      [missing("findUnique({ where: { id } })")],
    ],
    [
      "findUniqueOrThrow by id alone",
      "await prisma.invoice.findUniqueOrThrow({ where: { id } });",
      [missing("findUniqueOrThrow({ where: { id } })")],
    ],
    [
      "findFirst by another field",
      "await prisma.invoice.findFirst({ where: { status } });",
      [missing("findFirst({ where: { status } })")],
    ],
    [
      "by a content hash or an id of a token: not authentication",
      "await prisma.project.findFirst({ where: { contentHash } });\n  await prisma.project.findUnique({ where: { tokenId } });",
      [missing("findFirst({ where: { contentHash } })"), missing("findUnique({ where: { tokenId } })")],
    ],
    [
      "by a field that only names a credential: a count, a type, a flag, a hash key",
      "await prisma.project.findFirst({ where: { token_count: n, tokenizer: t, max_tokens: m, token_type: k } });\n  await prisma.project.findFirst({ where: { tokenExpiresAt: at, is_secret: s, secret_name: n, secretVersion: v, hashKey: h } });",
      [
        missing("findFirst({ where: { token_count: n, tokenizer: t, max_tokens: m, token_type: k } })"),
        missing(
          "findFirst({ where: { tokenExpiresAt: at, is_secret: s, secret_name: n, secretVersion: v, hashKey: h } })",
        ),
      ],
    ],
    [
      "by a credential field compared with a literal or a filter: no secret anyone was given",
      "await prisma.project.findFirst({ where: { shareToken: '' } });\n  await prisma.project.findFirst({ where: { shareToken: null } });\n  await prisma.project.findFirst({ where: { shareToken: { not: null } } });\n  await prisma.project.findFirst({ where: { lookupHash: { contains: status } } });",
      [
        missing("findFirst({ where: { shareToken: '' } })"),
        missing("findFirst({ where: { shareToken: null } })"),
        missing("findFirst({ where: { shareToken: { not: null } } })"),
        missing("findFirst({ where: { lookupHash: { contains: status } } })"),
      ],
    ],
    [
      "findFirst by a secret that may be missing: Prisma drops `token: undefined` and returns any tenant's row",
      "await prisma.project.findFirst({ where: { shareToken: req.headers.token } });\n  await prisma.project.findFirst({ where: { lookupHash: digest } });",
      [
        missing("findFirst({ where: { shareToken: req.headers.token } })"),
        missing("findFirst({ where: { lookupHash: digest } })"),
      ],
    ],
    [
      "many rows by a credential, or a write by one that may be missing (Prisma drops it): not a lookup",
      "await prisma.project.findMany({ where: { shareToken: token } });\n  await prisma.project.deleteMany({ where: { lookupHash: hash } });",
      [missing("findMany({ where: { shareToken: token } })"), missing("deleteMany({ where: { lookupHash: hash } })")],
    ],
    [
      "create arguments spread from a const without the tenant; or from a value that cannot be followed",
      "const args = { data: { number: '1', status, total: 0 } };\n  await prisma.invoice.create({ ...args });\n  await prisma.invoice.create({ ...input });",
      [insert("create({ ...args })"), dynamic("create({ ...input })")],
    ],
    ["findFirstOrThrow with no arguments", "await prisma.invoice.findFirstOrThrow();", [missing("findFirstOrThrow()")]],
    ["findMany with no arguments", "await prisma.invoice.findMany();", [missing("findMany()")]],
    [
      "findMany with no where",
      "await prisma.invoice.findMany({ orderBy: { number: 'asc' }, take: 10 });",
      [missing("findMany({ orderBy: { number: 'asc' }, take: 10 })")],
    ],
    ["count", "await prisma.invoice.count({ where: { status } });", [missing("count({ where: { status } })")]],
    [
      "aggregate",
      "await prisma.invoice.aggregate({ _sum: { total: true } });",
      [missing("aggregate({ _sum: { total: true } })")],
    ],
    [
      "groupBy",
      'await prisma.invoice.groupBy({ by: ["status"], _count: true });',
      [missing('groupBy({ by: ["status"], _count: true })')],
    ],
    [
      "update by id",
      'await prisma.invoice.update({ where: { id }, data: { status: "paid" } });',
      [missing('update({ where: { id }, data: { status: "paid" } })')],
    ],
    [
      "updateMany",
      'await prisma.invoice.updateMany({ where: { status }, data: { status: "void" } });',
      [missing('updateMany({ where: { status }, data: { status: "void" } })')],
    ],
    [
      "updateManyAndReturn",
      "await prisma.invoice.updateManyAndReturn({ data: { total: 0 } });",
      [missing("updateManyAndReturn({ data: { total: 0 } })")],
    ],
    ["delete by id", "await prisma.invoice.delete({ where: { id } });", [missing("delete({ where: { id } })")]],
    ["deleteMany with no where", "await prisma.invoice.deleteMany();", [missing("deleteMany()")]],
    [
      "upsert by id (its create sets the tenant)",
      'await prisma.invoice.upsert({ where: { id }, create: { id, tenantId, number: "1", status, total: 0 }, update: { total: 1 } });',
      [
        missing(
          'upsert({ where: { id }, create: { id, tenantId, number: "1", status, total: 0 }, update: { total: 1 } })',
        ),
      ],
    ],
    [
      "upsert whose create lacks the tenant",
      'await prisma.invoice.upsert({ where: { id_tenantId: { id, tenantId } }, create: { id, number: "1", status, total: 0 }, update: {} });',
      [
        insert(
          'upsert({ where: { id_tenantId: { id, tenantId } }, create: { id, number: "1", status, total: 0 }, update: {} })',
        ),
      ],
    ],
    [
      "create",
      'await prisma.invoice.create({ data: { number: "1", status, total: 0 } });',
      [insert('create({ data: { number: "1", status, total: 0 } })')],
    ],
    ["create with no data", "await prisma.invoice.create({});", [insert("create({})")]],
    [
      "createMany: one element lacks it",
      'await prisma.invoice.createMany({ data: [{ tenantId, number: "1" }, { number: "2" }] });',
      [insert('createMany({ data: [{ tenantId, number: "1" }, { number: "2" }] })')],
    ],
    [
      "createManyAndReturn",
      "await prisma.project.createManyAndReturn({ data: [{ name: 'a' }] });",
      [insert("createManyAndReturn({ data: [{ name: 'a' }] })")],
    ],
    [
      "createMany from .map without the tenant",
      "await prisma.project.createMany({ data: names.map((name) => ({ name })) });",
      [insert("createMany({ data: names.map((name) => ({ name })) })")],
    ],
    [
      "create with the tenant set to null",
      "await prisma.project.create({ data: { name: 'a', tenantId: null } });",
      [insert("create({ data: { name: 'a', tenantId: null } })")],
    ],
    [
      "a nested create of a model that does not inherit the tenant from its parent",
      "await prisma.invoice.create({ data: { tenantId, number: '1', status, total: 0, notes: { create: [{ body: 'x' }] } } });",
      [insert("create({ data: { tenantId, number: '1', status, total: 0, notes: { create: [{ body: 'x' }] } } })")],
    ],
    [
      "a nested create inside update data",
      "await prisma.invoice.update({ where: { id_tenantId: { id, tenantId } }, data: { notes: { create: { body: 'x' } } } });",
      [insert("update({ where: { id_tenantId: { id, tenantId } }, data: { notes: { create: { body: 'x' } } } })")],
    ],
    [
      "a relation filter on a parent field that is not the tenant",
      "await prisma.task.findMany({ where: { project: { name: 'x' } } });",
      [missing("findMany({ where: { project: { name: 'x' } } })")],
    ],
    [
      "the tenant relation by a field other tenants may share",
      "await prisma.invoice.findMany({ where: { tenant: { name: status } } });",
      [missing("findMany({ where: { tenant: { name: status } } })")],
    ],
    [
      "`every` holds for a parent with no related rows",
      "await prisma.project.findMany({ where: { tasks: { every: { tenantId } } } });",
      [missing("findMany({ where: { tasks: { every: { tenantId } } } })")],
    ],
  ];
  for (const [name, body, expected] of cases) test(name, () => assert.deepEqual(found(body), expected));
});

describe("a tenant filter that does not hold for every row", () => {
  const cases: Case[] = [
    [
      "tenantId: undefined",
      "await prisma.invoice.findMany({ where: { tenantId: undefined } });",
      [weak("findMany({ where: { tenantId: undefined } })")],
    ],
    [
      "an optional chain",
      "await prisma.invoice.findMany({ where: { tenantId: session?.tenantId } });",
      [weak("findMany({ where: { tenantId: session?.tenantId } })")],
    ],
    [
      "a const holding an optional chain",
      "const t = req.user?.tenantId;\n  await prisma.invoice.findMany({ where: { tenantId: t } });",
      [weak("findMany({ where: { tenantId: t } })")],
    ],
    [
      "an optional chain in the shorthand's const",
      "const tenantId = req.user?.tenantId;\n  await prisma.invoice.findMany({ where: { tenantId } });",
      [weak("findMany({ where: { tenantId } })")],
    ],
    [
      "only in one branch of OR",
      "await prisma.invoice.findMany({ where: { OR: [{ tenantId }, { status: 'public' }] } });",
      [weak("findMany({ where: { OR: [{ tenantId }, { status: 'public' }] } })")],
    ],
    [
      "under NOT",
      "await prisma.invoice.findMany({ where: { NOT: { tenantId } } });",
      [weak("findMany({ where: { NOT: { tenantId } } })")],
    ],
    [
      "a not filter",
      "await prisma.invoice.findMany({ where: { tenantId: { not: tenantId } } });",
      [weak("findMany({ where: { tenantId: { not: tenantId } } })")],
    ],
    [
      "a conditional where with one branch unscoped",
      "await prisma.invoice.findMany({ where: admin ? {} : { tenantId } });",
      [weak("findMany({ where: admin ? {} : { tenantId } })")],
    ],
    [
      "a relation filter to a parent with an undefined tenant",
      "await prisma.task.findMany({ where: { project: { tenantId: undefined } } });",
      [weak("findMany({ where: { project: { tenantId: undefined } } })")],
    ],
  ];
  for (const [name, body, expected] of cases) test(name, () => assert.deepEqual(found(body), expected));

  test("an optional parameter", () => {
    assert.deepEqual(found("await prisma.invoice.findMany({ where: { tenantId } });", undefined, "tenantId?: string"), [
      weak("findMany({ where: { tenantId } })"),
    ]);
  });

  test("an optional parameter the flow has narrowed where it is used: inside `if (tenantId)`, after `if (!tenantId) throw`", () => {
    const q = "await prisma.invoice.findMany({ where: { tenantId } });";
    const optional = "tenantId?: string";
    for (const body of [
      `if (tenantId) {\n    ${q}\n  }`,
      `if (!tenantId) throw new Error("signed out");\n  ${q}`,
      `if (tenantId === undefined || !admin) return;\n  ${q}`,
      `if (tenantId != null && admin) ${q}`,
      `if (!tenantId) {\n    return;\n  } else {\n    ${q}\n  }`,
      `if (tenantId) {\n    await cache.get("k", () => ${q.replace("await ", "")});\n  }`,
    ])
      assert.deepEqual(found(body, undefined, optional), [], body);
    // Twins: the test on another name, a test that does not end the path, the use before the test.
    for (const body of [
      `if (!admin) throw new Error("x");\n  ${q}`,
      `if (!tenantId) console.warn("signed out");\n  ${q}`,
      `${q}\n  if (!tenantId) throw new Error("signed out");`,
      `if (tenantId || admin) {\n    ${q}\n  }`,
      `if (tenantId !== null) {\n    ${q}\n  }`,
      `if (tenantId) {\n    await cache.get("k", (tenantId?: string) => ${q.replace("await ", "")});\n  }`,
    ])
      assert.deepEqual(found(body, undefined, optional), [weak("findMany({ where: { tenantId } })")], body);
  });

  test("a tenant destructured from an options parameter whose type makes it optional (documenso's folders)", () => {
    const q = "await prisma.invoice.findMany({ where: { id, tenantId } });";
    for (const params of [
      "{ id, tenantId }: { id: string; tenantId?: string }",
      "{ id, tenantId: tenantId }: { id: string; tenantId: string | undefined }",
      "{ id, tenantId }: Opts",
      "{ id, tenantId }: Opts & { extra: number }",
      "{ id, tenantId }: Wider",
      "{ id, tenantId }: Partial<Required>",
    ]) {
      const code = `${HEADER}interface Opts { id: string; tenantId?: string }\ninterface Wider extends Opts { extra: number }\ninterface Required { id: string; tenantId: string }\nexport async function f(${params}) {\n  ${q}\n}\n`;
      const got = summarizeFindings(code, analyzePrisma(parser, code)).map(({ rule, at }) => ({ rule, at }));
      assert.deepEqual(got, [weak("findMany({ where: { id, tenantId } })")], params);
    }
    // Twins: declared required, given a default, narrowed before the query, shadowed by a local const.
    for (const [params, body] of [
      ["{ id, tenantId }: { id: string; tenantId: string }", q],
      ["{ id, tenantId }: Opts, s: { tenantId: string }", `if (id) {\n    const tenantId = s.tenantId;\n    ${q}\n  }`],
      ["{ id, tenantId }: Required", q],
      ["{ id, tenantId = 't1' }: { id: string; tenantId?: string }", q],
      ["{ id, tenantId }: Opts", `if (!tenantId) throw new Error("signed out");\n  ${q}`],
    ]) {
      const code = `${HEADER}interface Opts { id: string; tenantId?: string }\ninterface Required { id: string; tenantId: string }\nexport async function f(${params}) {\n  ${body}\n}\n`;
      const got = summarizeFindings(code, analyzePrisma(parser, code)).map(({ rule, at }) => ({ rule, at }));
      assert.deepEqual(got, [], params);
    }
  });

  test("a spread of a helper's object beside the tenant (plunk's `{ projectId, ...this.buildConditionClause(c) }`): it cannot replace a key its returns lack", () => {
    const code = `${HEADER}class Segments {
  static conditions(logic: string, groups: any[]) {
    if (logic === "AND") return { AND: groups.map((g) => ({ [g.field]: g.value })) };
    return { OR: groups };
  }
  static loose(groups: any[]) {
    return { [groups[0].field]: groups[0].value };
  }
  static built(tenantId: string, groups: any[]) {
    return { tenantId, ...unknownHelper(groups) };
  }
  static async count(tenantId: string, logic: string, groups: any[]) {
    await prisma.invoice.count({ where: { tenantId, ...this.conditions(logic, groups) } });
    await prisma.invoice.count({ where: { tenantId, ...Segments.conditions(logic, groups) } });
    await prisma.invoice.count({ where: { tenantId, ...this.loose(groups) } });
    await prisma.invoice.count({ where: { tenantId, ...unknownHelper(groups) } });
    const where = Segments.built(tenantId, groups);
    await prisma.invoice.count({ where });
  }
}
class Base {
  build(c: any) { return { status: c.status }; }
  async list(tenantId: string, c: any) { return prisma.invoice.findMany({ where: { tenantId, ...this.build(c) } }); }
}
class Sub extends Base {
  build(c: any) { return { tenantId: c.tenantId }; }
  scoped(tenantId: string) { return {}; }
}
class Scoped {
  scoped(tenantId: string) { return { tenantId }; }
  async all(tenantId: string) { return prisma.invoice.findMany({ where: this.scoped(tenantId) }); }
}
class Unscoping extends Scoped {
  scoped(tenantId: string) { return { status: tenantId }; }
}
`;
    assert.deepEqual(
      summarizeFindings(code, analyzePrisma(parser, code)).map(({ rule, at }) => ({ rule, at })),
      [
        { rule: "dynamic-sql", at: "count({ where: { tenantId, ...this.loose(groups) } })" },
        { rule: "dynamic-sql", at: "count({ where: { tenantId, ...unknownHelper(groups) } })" },
        // A helper's where this file cannot read whole: dynamic-sql, not "without a tenant filter".
        { rule: "dynamic-sql", at: "count({ where })" },
        // `this.build(c)` a subclass overrides (review): its returns are not Base's.
        { rule: "dynamic-sql", at: "findMany({ where: { tenantId, ...this.build(c) } })" },
        // The same for a where the method builds whole: which class's runs is not known here.
        { rule: "dynamic-sql", at: "findMany({ where: this.scoped(tenantId) })" },
      ],
    );
  });

  test("a where a helper returns inside an object, destructured or read off the result (documenso's getEnvelopeWhereInput)", () => {
    const helpers = `async function scopedWhere(id: string, tenantId: string) {
  const where = { id, tenantId };
  return { where, label: "invoice" };
}
async function unscopedWhere(id: string) {
  return { where: { id } };
}
`;
    const run = (body: string) => {
      const code = `${HEADER}${helpers}export async function f(id: string, tenantId: string) {\n  ${body}\n}\n`;
      return summarizeFindings(code, analyzePrisma(parser, code)).map(({ rule, at }) => ({ rule, at }));
    };
    assert.deepEqual(
      run(`const { where } = await scopedWhere(id, tenantId);
  await prisma.invoice.findFirst({ where });
  const built = await scopedWhere(id, tenantId);
  await prisma.invoice.findFirst({ where: built.where });`),
      [],
    );
    // Twins: the helper's where holds no tenant; a field the helper does not return is not read.
    assert.deepEqual(
      run(`const { where } = await unscopedWhere(id);
  await prisma.invoice.findFirst({ where });`),
      [missing("findFirst({ where })")],
    );
    // Changed after the call: not what the helper built (dynamic-sql, as a changed const where is).
    assert.deepEqual(
      run(`const built = await scopedWhere(id, tenantId);
  built.where = { id } as any;
  await prisma.invoice.findFirst({ where: built.where });
  const { where } = await scopedWhere(id, tenantId);
  delete (where as any).tenantId;
  await prisma.invoice.findFirst({ where });`).map((f) => f.rule),
      ["dynamic-sql", "dynamic-sql"],
    );
    assert.deepEqual(
      run(`const { label } = await scopedWhere(id, tenantId);
  await prisma.invoice.findFirst({ where: label });`),
      [missing("findFirst({ where: label })")],
    );
  });

  test("an optional chain on a name that holds a value (declared neither optional nor nullable, or tested first) is a plain read", () => {
    const q = "await prisma.invoice.findMany({ where: { tenantId: session?.tenantId } });";
    const flagged = [weak("findMany({ where: { tenantId: session?.tenantId } })")];
    const decls = `interface Session { tenantId: string }
type SessionAlias = Session;
type MaybeSession = Session | null;
type Maybe<T> = T | undefined;
`;
    const declared = (params: string, body: string) => {
      const code = `${HEADER}${decls}export async function f(${params}) {\n  ${body}\n}\n`;
      return summarizeFindings(code, analyzePrisma(parser, code)).map(({ rule, at }) => ({ rule, at }));
    };
    for (const [params, body] of [
      ["session: Session", q],
      ["session: SessionAlias", q],
      ["session: Readonly<Session>", q],
      ["{ session }: { session: Session }", q],
      ["session: Session | null", `if (!session) throw new Error("signed out");\n  ${q}`],
    ])
      assert.deepEqual(declared(params, body), [], params);
    // An alias or type it cannot read may be null: `MaybeSession`, `Maybe<Session>`, next-auth's session.
    for (const params of [
      "session: MaybeSession",
      "session: Maybe<Session>",
      "session: Awaited<ReturnType<typeof getServerSession>>",
      "session: ImportedSession",
    ])
      assert.deepEqual(declared(params, q), flagged, params);
    // A handler's parameter typed by the wrapper it is handed to (a call signature, a function type).
    const wrapped = (type: string) => {
      const code = `${HEADER}interface Session { tenantId: string }
interface Handler { ({ session }: { session: ${type} }): Promise<unknown> }
type Fn = (args: { session: ${type} }) => Promise<unknown>;
const withSession = (handler: Handler) => handler;
function withFn(handler: Fn) { return handler; }
export const a = withSession(async ({ session }) => prisma.invoice.findMany({ where: { tenantId: session?.tenantId } }));
export const b = withFn(async ({ session }) => prisma.invoice.findMany({ where: { tenantId: session?.tenantId } }));
`;
      return summarizeFindings(code, analyzePrisma(parser, code)).map(({ rule }) => rule);
    };
    assert.deepEqual(wrapped("Session"), []);
    assert.deepEqual(wrapped("Session | null"), ["weak-tenant-filter", "weak-tenant-filter"]);
    // Twins: nullable, optional, untyped, or `any`: the chain may end in undefined.
    for (const params of [
      "session: Session | null",
      "session?: Session",
      "session: Session | undefined",
      "session: any",
      "session",
      "{ session }: { session?: Session }",
    ])
      assert.deepEqual(found(q, undefined, params), flagged, params);
  });

  test("a tenant read from an options parameter whose type makes the field optional (input.tenantId)", () => {
    const decls =
      "interface Opts { id: string; tenantId?: string }\ninterface Required { id: string; tenantId: string }\n";
    const run = (params: string, body: string) => {
      const code = `${HEADER}${decls}export async function f(${params}) {\n  ${body}\n}\n`;
      const findings = analyzePrisma(parser, code);
      return summarizeFindings(code, findings).map(({ rule, at }, i) => ({ rule, at, message: findings[i]!.message }));
    };
    const q = (v: string) => `await prisma.invoice.findMany({ where: { id: input.id, tenantId: ${v} } });`;
    for (const [params, value] of [
      ["input: { id: string; tenantId?: string }", "input.tenantId"],
      ["input: Opts", "input.tenantId"],
      ["input: Opts & { extra: number }", "input.tenantId"],
      ["input: { id: string; tenantId: string | undefined }", "input.tenantId"],
      ["input: { id: string; scope: { tenantId?: string } }", "input.scope.tenantId"],
    ]) {
      const got = run(params, q(value));
      assert.deepEqual(
        got.map(({ rule, at }) => ({ rule, at })),
        [weak(`findMany({ where: { id: input.id, tenantId: ${value} } })`)],
        params,
      );
      assert.match(
        got[0]!.message,
        new RegExp(`\`${value.replace(/\./g, "\\.")}\` is optional in its parameter's type`),
      );
    }
    // Twins: declared required, asserted, narrowed before the query or around it.
    for (const [params, body] of [
      ["input: { id: string; tenantId: string }", q("input.tenantId")],
      ["input: Required", q("input.tenantId")],
      ["input: Opts", q("input.tenantId!")],
      ["input: Opts", `if (!input.tenantId) throw new Error("signed out");\n  ${q("input.tenantId")}`],
      ["input: Opts", `if (input.tenantId) {\n    ${q("input.tenantId")}\n  }`],
    ]) {
      assert.deepEqual(run(params, body), [], `${params}: ${body}`);
    }
  });

  test("a tenant destructured from an options parameter into a const (`const { tenantId } = input`)", () => {
    const run = (params: string, body: string) => {
      const code = `${HEADER}export async function f(${params}) {\n  ${body}\n}\n`;
      const findings = analyzePrisma(parser, code);
      return findings.map((f) => [f.ruleId, f.message] as const);
    };
    const body = "const { tenantId } = input;\n  await prisma.invoice.findMany({ where: { tenantId } });";
    const got = run("input: { id: string; tenantId?: string }", body);
    assert.deepEqual(
      got.map(([rule]) => rule),
      ["weak-tenant-filter"],
    );
    assert.match(got[0]![1], /`tenantId` is optional in its parameter's type/);
    // Twins: required in the type, a default, narrowed first.
    assert.deepEqual(run("input: { id: string; tenantId: string }", body), []);
    assert.deepEqual(
      run("input: { id: string; tenantId?: string }", body.replace("{ tenantId }", '{ tenantId = "t_1" }')),
      [],
    );
    assert.deepEqual(
      run(
        "input: { id: string; tenantId?: string }",
        body.replace("  await", '  if (!tenantId) throw new Error("no tenant");\n  await'),
      ),
      [],
    );
    // The object's field tested before, the object rewritten, or a nearer declaration of the name.
    const opt = "input: { id: string; tenantId?: string }";
    assert.deepEqual(run(opt, `if (!input.tenantId) throw new Error("no tenant");\n  ${body}`), []);
    assert.deepEqual(run(opt, `input = { ...input, tenantId: input.tenantId ?? "t_1" };\n  ${body}`), []);
    assert.deepEqual(
      run(
        opt,
        `const { tenantId } = input;\n  {\n    const tenantId = "t_1";\n    await prisma.invoice.findMany({ where: { tenantId } });\n  }`,
      ),
      [],
    );
  });

  test("a parameter typed with undefined in a union, as optional as `?`; twin: with null only", () => {
    const body = "await prisma.invoice.findMany({ where: { tenantId } });";
    assert.deepEqual(found(body, undefined, "tenantId: string | undefined"), [
      weak("findMany({ where: { tenantId } })"),
    ]);
    assert.deepEqual(found(body, undefined, "tenantId: string | null | undefined"), [
      weak("findMany({ where: { tenantId } })"),
    ]);
    assert.deepEqual(found(body, undefined, "tenantId: string"), []);
    assert.deepEqual(
      found(body, undefined, "tenantId: string | null"),
      [],
      "null matches rows without a tenant, it drops nothing",
    );
  });
});

describe("a where the analyzer cannot see through is dynamic-sql, not silence", () => {
  const cases: Case[] = [
    [
      "a spread",
      "await prisma.invoice.findMany({ where: { ...filters } });",
      [dynamic("findMany({ where: { ...filters } })")],
    ],
    [
      "a where built by a function",
      "await prisma.invoice.findMany({ where: buildWhere(input) });",
      [dynamic("findMany({ where: buildWhere(input) })")],
    ],
    ["arguments passed whole", "await prisma.invoice.findMany(args);", [dynamic("findMany(args)")]],
    [
      "an OR array built elsewhere",
      "await prisma.invoice.findMany({ where: { OR: branches } });",
      [dynamic("findMany({ where: { OR: branches } })")],
    ],
    [
      "a where object mutated after its declaration",
      "const where: any = {};\n  if (x) where.tenantId = tenantId;\n  await prisma.invoice.findMany({ where });",
      [dynamic("findMany({ where })")],
    ],
    [
      "create data from a parameter",
      "await prisma.invoice.create({ data: input });",
      [dynamic("create({ data: input })")],
    ],
    [
      "a where with the tenant whose change may drop or replace it: delete, the tenant or a held key set again, Object.assign, a computed key",
      [
        "const a: any = { tenantId };\n  delete a.tenantId;\n  await prisma.invoice.findMany({ where: a });",
        "const b: any = { tenantId };\n  if (status) b.tenantId = status;\n  await prisma.invoice.findMany({ where: b });",
        "const c: any = { tenantId, OR: [{ status }] };\n  c.OR = [];\n  await prisma.invoice.findMany({ where: c });",
        "const d: any = { tenantId };\n  Object.assign(d, input);\n  await prisma.invoice.findMany({ where: d });",
        "const e: any = { tenantId };\n  e[status] = 1;\n  await prisma.invoice.findMany({ where: e });",
        "const f: any = { tenantId };\n  (f as any).tenantId = status;\n  await prisma.invoice.findMany({ where: f });",
        "const g: any = { tenantId };\n  g!.tenantId = status;\n  await prisma.invoice.findMany({ where: g });",
        "const h: any = { tenantId };\n  applyFilters(h, status);\n  await prisma.invoice.findMany({ where: h });",
        "const k: any = { tenantId };\n  const alias = k;\n  alias.tenantId = status;\n  await prisma.invoice.findMany({ where: k });",
      ].join("\n  "),
      ["a", "b", "c", "d", "e", "f", "g", "h", "k"].map((w) => dynamic(`findMany({ where: ${w} })`)),
    ],
  ];
  for (const [name, body, expected] of cases) test(name, () => assert.deepEqual(found(body), expected));

  test("a spread after the where, or after the tenant inside it, may replace it (crowd.dev's query parser)", () => {
    assert.deepEqual(
      found(
        [
          "await prisma.invoice.findMany({ where: { tenantId }, ...args });",
          "await prisma.invoice.findMany({ where: { tenantId, ...filters } });",
          "await prisma.invoice.findMany({ where: { tenantId, ...(q ? { tenantId: q } : {}) } });",
        ].join("\n  "),
      ),
      [
        dynamic("findMany({ where: { tenantId }, ...args })"),
        dynamic("findMany({ where: { tenantId, ...filters } })"),
        // Its own tenantId only on one branch: the tenant filter does not hold for every row.
        weak("findMany({ where: { tenantId, ...(q ? { tenantId: q } : {}) } })"),
      ],
    );
  });

  test("a spread of a const object changed after it is written, a computed key after the where or the tenant", () => {
    assert.deepEqual(
      found(
        [
          "const paging: any = { take: 10 };\n  Object.assign(paging, input);\n  await prisma.invoice.findMany({ where: { tenantId }, ...paging });",
          "const extra: any = { status: 'x' };\n  extra.tenantId = status;\n  await prisma.invoice.findMany({ where: { tenantId, ...extra } });",
          "await prisma.invoice.findMany({ where: { tenantId }, ['where']: input.where } as any);",
          "await prisma.invoice.findMany({ where: { tenantId, [input.k]: input.v } });",
        ].join("\n  "),
        undefined,
        "id: string, tenantId: string, status: string, input: any",
      ).map((f) => f.rule),
      ["dynamic-sql", "dynamic-sql", "dynamic-sql", "dynamic-sql"],
    );
  });

  test("twins: the spread before the tenant, or of objects without it: scoped", () => {
    assert.deepEqual(
      found(
        [
          "await prisma.invoice.findMany({ ...args, where: { tenantId } });",
          "await prisma.invoice.findMany({ where: { ...filters, tenantId } });",
          "await prisma.invoice.findMany({ where: { tenantId, ...(q ? { status: q } : {}) }, ...(page && { take: 10 }) });",
        ].join("\n  "),
      ),
      [],
    );
  });

  test("a where with the tenant that later code only adds keys to is scoped (shelf.nu's list filters)", () => {
    assert.deepEqual(
      found(
        "const where: any = { tenantId };\n  if (status) where.status = status;\n  if (id) where.OR = [{ id }, { number: id }];\n  where.createdAt = { gte: new Date() };\n  await prisma.invoice.findMany({ where });\n  await prisma.invoice.count({ where });",
      ),
      [],
    );
  });
});

describe("safe twins a naive check gets wrong", () => {
  const clean: [string, string][] = [
    [
      "findFirst with tenantId on the next line",
      "await prisma.invoice.findFirst({\n    where: {\n      id,\n      tenantId,\n    },\n  });",
    ],
    [
      "findUnique through the compound unique",
      "await prisma.invoice.findUnique({ where: { id_tenantId: { id, tenantId } } });",
    ],
    [
      "a compound unique with its own name (@@unique(..., name:))",
      "await prisma.invoice.findUnique({ where: { numberPerTenant: { number: '1', tenantId } } });",
    ],
    [
      "findUnique with the tenant beside the unique (Prisma 5 extended where-unique)",
      "await prisma.invoice.findUnique({ where: { id, tenantId } });",
    ],
    ["a relation filter to a scoped parent", "await prisma.task.findMany({ where: { project: { tenantId } } });"],
    ["a relation filter with is", "await prisma.task.findMany({ where: { project: { is: { tenantId } } } });"],
    [
      "a to-many relation filter with some",
      "await prisma.project.findMany({ where: { tasks: { some: { tenantId } } } });",
    ],
    ["the tenant relation itself", "await prisma.invoice.findMany({ where: { tenant: { id: tenantId } } });"],
    [
      "the tenant relation by a field unique to one tenant",
      "await prisma.invoice.findMany({ where: { tenant: { slug: status } } });",
    ],
    ["the shared-rows OR", "await prisma.invoice.findMany({ where: { OR: [{ tenantId: null }, { tenantId }] } });"],
    [
      "an OR whose every branch is scoped",
      "await prisma.invoice.findMany({ where: { OR: [{ tenantId, status }, { tenantId, number: '1' }] } });",
    ],
    [
      "AND with the tenant in one term",
      "await prisma.invoice.findMany({ where: { AND: [{ tenantId }, { OR: [{ status }, { number: '1' }] }] } });",
    ],
    [
      "the tenant beside an OR",
      "await prisma.invoice.findMany({ where: { tenantId, OR: [{ status }, { number: '1' }] } });",
    ],
    [
      "equals and in filters",
      "await prisma.invoice.findMany({ where: { tenantId: { equals: tenantId } } });\n  await prisma.invoice.count({ where: { tenantId: { in: [tenantId] } } });",
    ],
    ["a where held in a const", "const where = { tenantId, status };\n  await prisma.invoice.findMany({ where });"],
    ["arguments held in a const", "const args = { where: { tenantId } };\n  await prisma.invoice.findMany(args);"],
    [
      "a spread of a scoped object",
      "const base = { tenantId };\n  await prisma.invoice.findMany({ where: { ...base, status } });",
    ],
    ["a non-null assertion", "await prisma.invoice.findMany({ where: { tenantId: session!.tenantId! } });"],
    [
      "a conditional where scoped in both branches",
      "await prisma.invoice.findMany({ where: admin ? { tenantId } : { tenantId, status } });",
    ],
    [
      "a tx from $transaction, scoped",
      "await prisma.$transaction(async (tx) => {\n    await tx.invoice.update({ where: { id_tenantId: { id, tenantId } }, data: { status } });\n  });",
    ],
    [
      "$transaction with an array of scoped queries",
      "await prisma.$transaction([prisma.invoice.findMany({ where: { tenantId } }), prisma.invoice.count({ where: { tenantId } })]);",
    ],
    [
      "create with the tenant field",
      "await prisma.invoice.create({ data: { tenantId, number: '1', status, total: 0 } });",
    ],
    [
      "create through tenant: { connect }",
      "await prisma.invoice.create({ data: { tenant: { connect: { id: tenantId } }, number: '1', status, total: 0 } });",
    ],
    [
      "createMany where every element has it",
      "await prisma.invoice.createMany({ data: [{ tenantId, number: '1' }, { tenantId, number: '2' }] });",
    ],
    [
      "createMany from .map that adds it",
      "await prisma.project.createMany({ data: rows.map((r) => ({ ...r, tenantId })) });",
    ],
    [
      "a nested create that inherits the tenant through a compound foreign key",
      "await prisma.project.create({ data: { tenantId, name: 'p', tasks: { create: [{ title: 't' }] } } });",
    ],
    [
      "create through a parent connected by a compound foreign key",
      "await prisma.task.create({ data: { title: 't', project: { connect: { id_tenantId: { id, tenantId } } } } });",
    ],
    ["a global model", "await prisma.plan.findMany();"],
    [
      "a child without a tenant field is owned through its required relation: filtered through the parent",
      "await prisma.invoiceLine.findMany({ where: { invoice: { tenantId } } });",
    ],
    [
      "a lookup by a secret or its hash: authentication, before any tenant is known",
      "await prisma.project.findUnique({ where: { shareToken: token } });\n  await prisma.project.findFirst({ where: { lookupHash: sha256(key) } });\n  await prisma.project.findUnique({ where: { hashed_key: digest, client_secret: secret } });\n  await prisma.project.findUniqueOrThrow({ where: { shareToken, status } });\n  await prisma.project.findFirstOrThrow({ where: { hashedToken: hash(token), apiKeyHash: k } });",
    ],
    [
      "the id of the row a credential lookup found",
      "const project = await prisma.project.findUnique({ where: { shareToken: token } });\n  if (!project) throw new Error('no such link');\n  await prisma.project.update({ where: { id: project.id }, data: { views: 1 } });",
    ],
    [
      "create arguments spread from a const that holds the tenant",
      "const args = { data: { tenantId, number: '1', status, total: 0 } };\n  await prisma.invoice.create({ ...args });",
    ],
    ["not a Prisma client", "await repo.invoice.findMany();\n  await models.invoice.findAll();"],
    ["not a model", "await prisma.$queryRawUnsafe('SELECT 1');"],
  ];
  for (const [name, body] of clean) test(name, () => assert.deepEqual(found(body), []));
});

describe("receivers", () => {
  const leaks: [string, string, string?][] = [
    ["this.prisma", "await this.prisma.invoice.findMany();"],
    ["a parameter named db", "await db.invoice.findMany();", "db: any"],
    ["a parameter named tx", "await tx.invoice.findMany();", "tx: any"],
    ["a parameter typed PrismaClient", "await client2.invoice.findMany();", "client2: PrismaClient"],
    ["a parameter typed Prisma.TransactionClient", "await t.invoice.findMany();", "t: Prisma.TransactionClient"],
    [
      "the tx of $transaction, whatever its name",
      "await prisma.$transaction(async (trans) => trans.invoice.findMany());",
    ],
    ["an extended client", "const xprisma = prisma.$extends({});\n  await xprisma.invoice.findMany();"],
    ["a new PrismaClient in a const of any name", "const c = new PrismaClient();\n  await c.invoice.findMany();"],
    ["a delegate held in a const", "const invoices = prisma.invoice;\n  await invoices.findMany();"],
    ["a client held in a property: ctx.prisma", "await ctx.prisma.invoice.findMany();"],
    ["a client held in a property: opts.ctx.db", "await opts.ctx.db.invoice.findMany();"],
    ["a read replica: $replica", "await $replica.invoice.findMany();"],
    ["a read replica: this._replica", "await this._replica.invoice.findMany();"],
    ["either of two clients: (tx || this.prisma)", "await (tx || this.prisma).invoice.findMany();", "tx: any"],
    ["a client a function named like one hands out: prisma()", "await prisma().invoice.findMany();"],
    ["the primary of a client with read replicas: prisma.$primary()", "await prisma.$primary().invoice.findMany();"],
    ["a replica of a client: prisma.$replica()", "await prisma.$replica().invoice.findMany();"],
    ["a client a function named like one hands out: getDb()", "await getDb().invoice.delete({ where: { id } });"],
    [
      "a client a client hands out: this.prismaService.txClient() (teable)",
      "await this.prismaService.txClient().invoice.findMany();",
    ],
  ];
  for (const [name, body, params] of leaks) {
    test(`${name} is a Prisma client`, () =>
      assert.deepEqual(
        found(body, undefined, params).map((f) => f.rule),
        ["missing-tenant-filter"],
      ));
  }

  test("twin: a getClient() of something that is no Prisma client names no client", () => {
    assert.deepEqual(found("await this.cache.getClient().invoice.findMany();"), []);
  });

  test("an import from a module that exports the client", () => {
    const code = `import { prisma } from "../lib/prisma";\nexport const list = () => prisma.invoice.findMany();\n`;
    assert.deepEqual(
      summarizeFindings(code, analyzePrisma(parser, code)).map((f) => f.rule),
      ["missing-tenant-filter"],
    );
  });

  test("a client a function of the file returns, whatever its name", () => {
    const code = `import { PrismaClient } from "@prisma/client";
const base = new PrismaClient();
function connection() {
  return base;
}
function settings() {
  return { invoice: { findMany: () => [] } };
}
export const list = () => connection().invoice.findMany();
export const notAClient = () => settings().invoice.findMany();
`;
    assert.deepEqual(
      summarizeFindings(code, analyzePrisma(parser, code)).map((f) => `${f.rule} ${f.at}`),
      ["missing-tenant-filter findMany()"],
    );
  });

  test("a wrapper typed for Prisma hands out its client: this._invoice.model of PrismaRepository<'invoice'> (postiz)", () => {
    const code = `import { PrismaRepository, PrismaService } from "../prisma/prisma.service";
export class InvoicesRepository {
  constructor(private _invoice: PrismaRepository<"invoice">, private settings: SettingsStore) {}
  byId(id: string) { return this._invoice.model.invoice.findUnique({ where: { id } }); }
  mine(id: string, tenantId: string) { return this._invoice.model.invoice.findFirst({ where: { id, tenantId } }); }
  cached(id: string) { return this.settings.model.invoice.findUnique({ where: { id } }); }
}
export const list = (repo: PrismaRepository<"invoice">, other: Cache) => [repo.model.invoice.findMany(), other.model.invoice.findMany()];
`;
    assert.deepEqual(
      summarizeFindings(code, analyzePrisma(parser, code)).map((f) => `${f.rule} ${f.at}`),
      ["missing-tenant-filter findUnique({ where: { id } })", "missing-tenant-filter findMany()"],
    );
  });

  const scoped = { clients: { scoped: ["tenantDb", "getTenantDb", "forTenant"] } };
  const scopedCases: [string, string][] = [
    ["a scoped client", "await tenantDb.invoice.findMany();"],
    ["a scoped client factory", "await getTenantDb(ctx).invoice.findMany();"],
    ["the tx of a scoped client's $transaction", "await tenantDb.$transaction(async (tx) => tx.invoice.findMany());"],
    [
      "a client extended with a scoped extension",
      "const db = prisma.$extends(forTenant(tenantId));\n  await db.invoice.findMany();",
    ],
  ];
  for (const [name, body] of scopedCases)
    test(`${name} needs no predicate`, () => assert.deepEqual(found(body, scoped), []));
});

/** `rule underlined-text` of each finding in `code`, and their messages. */
function ruleAt(code: string): { at: string[]; messages: string[] } {
  const findings = analyzePrisma(parser, code);
  return {
    at: summarizeFindings(code, findings).map((f) => `${f.rule} ${f.at}`),
    messages: findings.map((f) => f.message),
  };
}

describe("a model the schema does not define", () => {
  test("a call on a Prisma client is reported as not checked (dynamic-sql), naming the model", () => {
    const { at, messages } = ruleAt(fn("await prisma.form.findMany({ where: { id } });"));
    assert.deepEqual(at, ["dynamic-sql findMany({ where: { id } })"]);
    assert.match(messages[0]!, /model `form` that the Prisma schema tenantguard read does not define/);
  });

  test("twins: a global model, a scoped client, a $-method, an unknown receiver", () => {
    assert.deepEqual(
      found(
        `await prisma.plan.findMany();
  await tenantDb.form.findMany();
  await prisma.$transaction([]);
  await cache.form.findMany();`,
        { clients: { scoped: ["tenantDb"] } },
      ),
      [],
    );
  });
});

// umami's pagedQuery: `client[model].findMany({ where, ... })` serves every model.
describe("a model chosen at run time", () => {
  test("a call on a Prisma client's computed model is reported as not checked (dynamic-sql)", () => {
    const { at, messages } = ruleAt(fn("const model = pick(id);\n  await prisma[model].findMany({ where: { id } });"));
    assert.deepEqual(at, ["dynamic-sql prisma[model].findMany({ where: { id } })"]);
    assert.match(messages[0]!, /^prisma\[model\]\.findMany runs on a model chosen at run time/);
  });

  test("twins: a model named by a literal, a scoped client, a receiver that is no client", () => {
    assert.deepEqual(
      found(
        `await prisma["plan"].findMany();
  await tenantDb[model].findMany();
  await cache[model].findMany();`,
        { clients: { scoped: ["tenantDb"] } },
      ),
      [],
    );
  });
});

describe("findings", () => {
  test("say what leaks and how to fix it, in the SQL rules' words", () => {
    const code = fn(
      "await prisma.invoice.findUnique({ where: { id } });\n  await prisma.note.findUnique({ where: { id } });\n  await prisma.invoice.findMany();\n  await prisma.project.create({ data: { name: 'a' } });",
    );
    assert.deepEqual(
      analyzePrisma(parser, code).map((f) => [f.table, f.message]),
      [
        [
          "invoices",
          'prisma.invoice.findUnique looks "invoices" up by id only: it returns another tenant\'s row. Add tenantId to the where (or use the id_tenantId unique). Other proofs of ownership: a scoped client, a key from a scoped query, an ownership or authorization check that throws.',
        ],
        [
          "notes",
          'prisma.note.findUnique looks "notes" up by id only: it returns another tenant\'s row. Use findFirst with tenantId in the where. Other proofs of ownership: a scoped client, a key from a scoped query, an ownership or authorization check that throws.',
        ],
        [
          "invoices",
          'prisma.invoice.findMany reads "invoices" without a tenant filter: it returns every tenant\'s rows. Add tenantId to its where. Other proofs of ownership: a scoped client, a key from a scoped query, an ownership or authorization check that throws.',
        ],
        [
          "projects",
          'prisma.project.create writes "projects" without tenantId: the row is created without an owning tenant. Add tenantId (or tenant: { connect: ... }) to its data.',
        ],
      ],
    );
  });

  test("a weak filter says why", () => {
    const [f] = analyzePrisma(parser, fn("await prisma.invoice.findMany({ where: { tenantId: user?.tenantId } });"));
    assert.equal(
      f.message,
      'The tenant filter of prisma.invoice.findMany on "invoices" can be undefined (`user?.tenantId` is an optional chain), and Prisma drops `tenantId: undefined` from the filter: it does not hold for every row. Require `tenantId: <tenant>` (a value that is never undefined) at the top level of the where.',
    );
  });

  test("a next-line suppression above the statement covers a multi-line call", () => {
    const body =
      "// tenantguard-ignore-next-line missing-tenant-filter -- nightly billing job reads every tenant\n  const all = await prisma.invoice.findMany({\n    orderBy: { number: 'asc' },\n  });";
    assert.deepEqual(
      found(body).map((f) => [f.rule, f.suppressed]),
      [["missing-tenant-filter", "nightly billing job reads every tenant"]],
    );
  });

  test("fingerprints survive unrelated edits above the call", () => {
    const a = analyzePrisma(parser, fn("await prisma.invoice.findMany();"));
    const b = analyzePrisma(parser, `// a comment\n\n${fn("await prisma.invoice.findMany();")}`);
    assert.equal(a[0].fingerprint, b[0].fingerprint);
  });

  test("rule severities from config apply", () => {
    const code = fn("await prisma.invoice.findMany({ where: { ...f } });");
    assert.deepEqual(analyzePrisma(parser, code, { config: { rules: { "dynamic-sql": "off" } } }), []);
  });

  test("a file with no Prisma calls is skipped and nothing throws on odd syntax", () => {
    for (const code of [
      "",
      "prisma.invoice.findMany(",
      "prisma.invoice.findMany({ where: { [k]: v } })",
      "x.y.findMany({ where: { ...(a as any) } })",
    ]) {
      assert.doesNotThrow(() => analyzePrisma(parser, code));
    }
  });
});

describe("a model owned through its parent (no tenant field; listed in config `tables`)", () => {
  // InvoiceLine has no tenant field: by default it is global. Listed in `tables`, its queries
  // must filter through the required relation to its tenant-owned parent.
  const config = { tenantColumns: ["tenant_id"], tables: { invoice_lines: {} } };
  const run = (code: string) => analyzePrisma(parser, code, { model: prismaModel(parser, SCHEMA, config), config });

  test("a query without the parent filter leaks, and says which filter to add", () => {
    const code = fn("await prisma.invoiceLine.findMany({ where: { invoiceId: id } });");
    const found = run(code);
    assert.deepEqual(
      found.map((f) => [f.ruleId, f.message]),
      [
        [
          "missing-tenant-filter",
          'prisma.invoiceLine.findMany reads "invoice_lines" without a tenant filter: it returns every tenant\'s rows. "invoice_lines" is tenant-owned through "invoices" (invoice_lines.invoice_id -> invoices.id). Add `invoice: { tenantId: <tenant> }` to its where. Other proofs of ownership: a scoped client, a key from a scoped query, an ownership or authorization check that throws.',
        ],
      ],
    );
    assert.equal(
      applyEdits(code, found[0].fixes[0].edits),
      fn("await prisma.invoiceLine.findMany({ where: { invoiceId: id, invoice: { tenantId } } });"),
    );
  });

  test("findUnique by id becomes findFirst through the parent", () => {
    const code = fn("return prisma.invoiceLine.findUnique({ where: { id } });");
    const [f] = run(code);
    const fixed = applyEdits(code, f.fixes[0].edits);
    assert.equal(fixed, fn("return prisma.invoiceLine.findFirst({ where: { id, invoice: { tenantId } } });"));
    assert.deepEqual(run(fixed), []);
  });

  test("filtered through the parent is scoped; a create by a parent key nothing proves is flagged", () => {
    assert.deepEqual(run(fn("await prisma.invoiceLine.findMany({ where: { invoice: { tenantId } } });")), []);
    assert.deepEqual(
      run(fn("await prisma.invoiceLine.deleteMany({ where: { invoice: { is: { tenantId } }, amount: 0 } });")),
      [],
    );
    assert.deepEqual(
      run(fn("await prisma.invoiceLine.create({ data: { id, invoiceId: id, amount: 1 } });")).map((f) => f.ruleId),
      ["missing-tenant-on-insert"],
    );
  });
});

test("a write of the rows a computed secret, or one typed as always there, selects: its holder's (rallly's invite rollback)", () => {
  assert.deepEqual(
    found(
      "await prisma.project.deleteMany({ where: { id, shareToken: token } });\n  await prisma.project.update({ where: { id, lookupHash: sha256(key) }, data: { views: 1 } });",
      undefined,
      "id: string, token: string, key: string",
    ),
    [],
  );
  // Twins: a secret that may be missing, or a literal: Prisma drops the one, anyone knows the other.
  assert.deepEqual(
    found(
      "await prisma.project.deleteMany({ where: { id, shareToken: token } });\n  await prisma.project.updateMany({ where: { shareToken: '' }, data: { views: 1 } });",
      undefined,
      "id: string, token?: string",
    ),
    [
      missing("deleteMany({ where: { id, shareToken: token } })"),
      missing("updateMany({ where: { shareToken: '' }, data: { views: 1 } })"),
    ],
  );
});

test("findFirst by a credential held in a parameter typed as always there (`token: string`) is a lookup by it", () => {
  assert.deepEqual(
    found("await prisma.project.findFirst({ where: { shareToken: token } });", undefined, "token: string"),
    [],
  );
  assert.deepEqual(
    found(
      "await prisma.project.findFirst({ where: { shareToken: token } });",
      undefined,
      "{ token }: { token: string }",
    ),
    [],
  );
  // Inside a closure (the `tx` callback of `$transaction`), the outer function's parameter.
  assert.deepEqual(
    found(
      "await prisma.$transaction(async (tx) => tx.project.findFirst({ where: { shareToken: token } }));",
      undefined,
      "{ token }: { token: string }",
    ),
    [],
  );
  // Twins: optional, or possibly undefined by its type: Prisma would drop the condition.
  assert.deepEqual(
    found(
      "await prisma.$transaction(async (tx) => tx.project.findFirst({ where: { shareToken: token } }));",
      undefined,
      "{ token }: { token?: string }",
    ),
    [missing("findFirst({ where: { shareToken: token } })")],
  );
  for (const params of ["token?: string", "token: string | undefined", "{ token }: { token?: string }"])
    assert.deepEqual(
      found("await prisma.project.findFirst({ where: { shareToken: token } });", undefined, params),
      [missing("findFirst({ where: { shareToken: token } })")],
      params,
    );
});

describe("a lookup of which tenant owns a row", () => {
  const cases: Case[] = [
    [
      "one row by id, selecting only its tenant key (and its id), itself or through its parent",
      "await prisma.invoice.findUnique({ where: { id }, select: { tenantId: true } });\n  await prisma.invoice.findFirstOrThrow({ where: { id }, select: { id: true, tenantId: true } });\n  await prisma.note.findUnique({ where: { id }, select: { invoice: { select: { tenantId: true } } } });",
      [],
    ],
    [
      "twin: any other field, a parent's other field, many rows, a write, or no tenant key at all",
      "await prisma.invoice.findUnique({ where: { id }, select: { tenantId: true, total: true } });\n  await prisma.note.findUnique({ where: { id }, select: { invoice: { select: { tenantId: true, total: true } } } });\n  await prisma.invoice.findMany({ where: { status }, select: { tenantId: true } });\n  await prisma.invoice.update({ where: { id }, data: { status }, select: { tenantId: true } });\n  await prisma.invoice.findUnique({ where: { id }, select: { id: true } });",
      [
        missing("findUnique({ where: { id }, select: { tenantId: true, total: true } })"),
        missing("findUnique({ where: { id }, select: { invoice: { select: { tenantId: true, total: true } } } })"),
        missing("findMany({ where: { status }, select: { tenantId: true } })"),
        missing("update({ where: { id }, data: { status }, select: { tenantId: true } })"),
        missing("findUnique({ where: { id }, select: { id: true } })"),
      ],
    ],
    [
      "a row owned through its parent, selecting only its owning key (documenso's field -> envelopeId)",
      "await prisma.invoiceLine.findUnique({ where: { id }, select: { invoiceId: true } });\n  await prisma.invoiceLine.findFirst({ where: { id }, select: { id: true, invoiceId: true } });",
      [],
    ],
    [
      "twin: the owning key and another field, or a key that is no owning key",
      "await prisma.invoiceLine.findUnique({ where: { id }, select: { invoiceId: true, amount: true } });\n  await prisma.invoiceLine.findUnique({ where: { id }, select: { amount: true } });",
      [
        missing("findUnique({ where: { id }, select: { invoiceId: true, amount: true } })"),
        missing("findUnique({ where: { id }, select: { amount: true } })"),
      ],
    ],
  ];
  for (const [name, body, expected] of cases) test(name, () => assert.deepEqual(found(body), expected));
});

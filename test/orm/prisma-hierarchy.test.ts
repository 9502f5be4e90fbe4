// Prisma on tenant hierarchies and models owned through a parent: relation filters to a scoped
// parent (one level and a chain), a filter at any level of the hierarchy, shared-or-owned rows.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { ConfigFile } from "../../server/src/analyzer/config/types";
import type { TenantModel } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { applyEdits, summarizeFindings } from "../helpers/analyze";
import { sqlParser } from "../helpers/sql";
import { analyzePrisma, prismaModel } from "./prisma-harness";

/** Org > project; InvoiceLine owned through Invoice, Remark through InvoiceLine; Attachment's key is optional. */
const SCHEMA = `
model Org {
  id String @id
}
model Project {
  id    String @id
  orgId String @map("org_id")
  tasks Task[]
  @@map("projects")
}
model Task {
  id        String  @id
  orgId     String  @map("org_id")
  projectId String  @map("project_id")
  project   Project @relation(fields: [projectId], references: [id])
  title     String
  @@unique([id, projectId])
  @@map("tasks")
}
model Invoice {
  id          String        @id
  orgId       String        @map("org_id")
  total       Int
  lines       InvoiceLine[]
  attachments Attachment[]
  @@map("invoices")
}
model InvoiceLine {
  id        String   @id
  invoiceId String   @map("invoice_id")
  invoice   Invoice  @relation(fields: [invoiceId], references: [id])
  amount    Int
  remarks   Remark[]
  @@map("invoice_lines")
}
model Remark {
  id     String      @id
  lineId String      @map("line_id")
  line   InvoiceLine @relation(fields: [lineId], references: [id])
  body   String
  @@map("remarks")
}
model Template {
  id    String  @id
  orgId String? @map("org_id")
  name  String
  @@map("templates")
}
model Attachment {
  id        String   @id
  invoiceId String?  @map("invoice_id")
  invoice   Invoice? @relation(fields: [invoiceId], references: [id])
  @@map("attachments")
}
`;

const CONFIG: ConfigFile = { tenantColumns: ["org_id", "project_id"] };
let parser: SqlParser;
let model: TenantModel;
before(async () => {
  parser = await sqlParser();
  model = prismaModel(parser, SCHEMA, CONFIG);
});

const HEADER = `import { PrismaClient } from "@prisma/client";\nconst prisma = new PrismaClient();\n`;
const fn = (body: string) =>
  `${HEADER}export async function f(id: string, orgId: string, projectId: string, name: string) {\n  ${body}\n}\n`;
const run = (code: string) => analyzePrisma(parser, code, { model, config: CONFIG });
const found = (body: string) => {
  const code = fn(body);
  return summarizeFindings(code, run(code)).map(({ rule, at }) => ({ rule, at }));
};
const missing = (at: string) => ({ rule: "missing-tenant-filter", at });

describe("a model owned through its parent (discovered from the required relation)", () => {
  const cases: [string, string, { rule: string; at: string }[]][] = [
    ["filtered through the scoped parent", "await prisma.invoiceLine.findMany({ where: { invoice: { orgId } } });", []],
    ["through `is`", "await prisma.invoiceLine.findMany({ where: { invoice: { is: { orgId } }, amount: 1 } });", []],
    [
      "a relation filter that does not scope the parent",
      "await prisma.invoiceLine.findMany({ where: { invoice: { total: 1 } } });",
      [missing("findMany({ where: { invoice: { total: 1 } } })")],
    ],
    [
      "no relation filter",
      "await prisma.invoiceLine.findMany({ where: { amount: 1 } });",
      [missing("findMany({ where: { amount: 1 } })")],
    ],
    [
      "`isNot` holds for rows of every tenant",
      "await prisma.invoiceLine.findMany({ where: { invoice: { isNot: { orgId } } } });",
      [missing("findMany({ where: { invoice: { isNot: { orgId } } } })")],
    ],
    [
      "two levels down, through both relations",
      "await prisma.remark.findMany({ where: { line: { invoice: { orgId } } } });",
      [],
    ],
    [
      "two levels down, the middle relation only",
      "await prisma.remark.findMany({ where: { line: { amount: 1 } } });",
      [missing("findMany({ where: { line: { amount: 1 } } })")],
    ],
    [
      "a create is filed under the parent its key names: a key nothing proves files it under any tenant's invoice (shelf.nu's booking notes)",
      "await prisma.invoiceLine.create({ data: { id, invoiceId: id, amount: 1 } });\n  await prisma.invoiceLine.create({ data: { id, amount: 1, invoice: { connect: { id } } } });",
      [
        { rule: "missing-tenant-on-insert", at: "create({ data: { id, invoiceId: id, amount: 1 } })" },
        { rule: "missing-tenant-on-insert", at: "create({ data: { id, amount: 1, invoice: { connect: { id } } } })" },
      ],
    ],
    [
      "a create under a parent the flow proves: a scoped read's row, or a key it looked up before the path went on",
      "const invoice = await prisma.invoice.findFirst({ where: { id, orgId } });\n  if (!invoice) throw new Error();\n  await prisma.invoiceLine.create({ data: { id, invoiceId: invoice.id, amount: 1 } });\n  await prisma.invoiceLine.create({ data: { id, amount: 1, invoice: { connect: { id } } } });",
      [],
    ],
    [
      "a spread after the parent key whose declared type cannot hold it leaves the key read (documenso's attachments); one that may, or whose type is unknown, may replace it",
      "const add = (invoiceId: string, data: { amount: number }) => prisma.invoiceLine.create({ data: { invoiceId, ...data } });\n  const replace = (invoiceId: string, data: { amount: number; invoiceId?: string }) => prisma.invoiceLine.create({ data: { invoiceId, ...data } });\n  const unread = (invoiceId: string, data: LineInput) => prisma.invoiceLine.create({ data: { invoiceId, ...data } });",
      [
        { rule: "missing-tenant-on-insert", at: "create({ data: { invoiceId, ...data } })" },
        { rule: "dynamic-sql", at: "create({ data: { invoiceId, ...data } })" },
        { rule: "dynamic-sql", at: "create({ data: { invoiceId, ...data } })" },
      ],
    ],
    [
      "twin: a spread after the parent key whose type has an index signature, or is a Record of strings, may replace it",
      'const index = (invoiceId: string, data: { amount: number; [k: string]: unknown }) => prisma.invoiceLine.create({ data: { invoiceId, ...data } });\n  const record = (invoiceId: string, data: Record<string, number>) => prisma.invoiceLine.create({ data: { invoiceId, ...data } });\n  const listed = (invoiceId: string, data: Record<"amount", number>) => prisma.invoiceLine.create({ data: { invoiceId, ...data } });',
      [
        { rule: "dynamic-sql", at: "create({ data: { invoiceId, ...data } })" },
        { rule: "dynamic-sql", at: "create({ data: { invoiceId, ...data } })" },
        { rule: "missing-tenant-on-insert", at: "create({ data: { invoiceId, ...data } })" },
      ],
    ],
    [
      "a nested create under its parent needs no tenant field",
      "await prisma.invoice.create({ data: { id, orgId, total: 0, lines: { create: [{ id, amount: 1 }] } } });",
      [],
    ],
    ["an optional relation proves nothing: the model stays global", "await prisma.attachment.findMany();", []],
  ];
  for (const [name, body, expected] of cases) test(name, () => assert.deepEqual(found(body), expected));

  test("the message names the parent and the key; the fix filters through the relation", () => {
    const code = fn("await prisma.invoiceLine.findMany({ where: { amount: 1 } });");
    const [f] = run(code);
    assert.equal(f.ruleId, "missing-tenant-filter");
    assert.match(
      f.message,
      /^prisma\.invoiceLine\.findMany reads "invoice_lines" without a tenant filter: it returns every tenant's rows\. "invoice_lines" is tenant-owned through "invoices" \(invoice_lines\.invoice_id -> invoices\.id\)\. Add `invoice: \{ orgId: <tenant> \}` to its where\./,
    );
    assert.equal(
      applyEdits(code, f.fixes[0].edits),
      fn("await prisma.invoiceLine.findMany({ where: { amount: 1, invoice: { orgId } } });"),
    );
  });

  test("a where already filtering through the relation: the tenant goes inside it, never as a second key", () => {
    // postiz: `post: { id: postId }` got a second `post:` key, which does not compile, and in
    // JavaScript the last key wins: the id filter was lost and the delete widened.
    const code = fn("await prisma.invoiceLine.deleteMany({ where: { invoice: { id } } });");
    const [f] = run(code);
    const fixed = applyEdits(code, f.fixes[0].edits);
    assert.equal(fixed, fn("await prisma.invoiceLine.deleteMany({ where: { invoice: { id, orgId } } });"));
    assert.deepEqual(run(fixed), []);
    const is = fn("await prisma.invoiceLine.deleteMany({ where: { invoice: { is: { id } } } });");
    assert.equal(
      applyEdits(is, run(is)[0].fixes[0].edits),
      fn("await prisma.invoiceLine.deleteMany({ where: { invoice: { is: { id, orgId } } } });"),
    );
    // A relation filter held elsewhere, or `isNot`: no fix rather than a duplicate key.
    for (const where of ["{ invoice: byId }", "{ invoice: { isNot: { id } } }"]) {
      const [g] = run(fn(`const byId = { id };\n  await prisma.invoiceLine.deleteMany({ where: ${where} });`));
      assert.deepEqual(g.fixes, [], where);
    }
  });

  test("a chain: the message spells the whole relation path; no fix (it would be a guess)", () => {
    const [f] = run(fn("await prisma.remark.findMany({ where: { lineId: id } });"));
    assert.match(
      f.message,
      /"remarks" is tenant-owned through "invoice_lines" \(remarks\.line_id -> invoice_lines\.id\)\. Add `line: \{ invoice: \{ orgId: <tenant> \} \}` to its where\./,
    );
    assert.deepEqual(f.fixes, []);
  });

  test("findUnique by id becomes findFirst through the parent", () => {
    const code = fn("return prisma.invoiceLine.findUnique({ where: { id } });");
    const [f] = run(code);
    const fixed = applyEdits(code, f.fixes[0].edits);
    assert.equal(fixed, fn("return prisma.invoiceLine.findFirst({ where: { id, invoice: { orgId } } });"));
    assert.deepEqual(run(fixed), []);
  });
});

describe("a hierarchy: a filter on any level the model has scopes it", () => {
  const cases: [string, string, { rule: string; at: string }[]][] = [
    ["the broad level", "await prisma.task.findMany({ where: { orgId } });", []],
    ["the narrow level", "await prisma.task.findMany({ where: { projectId } });", []],
    [
      "the compound unique on the narrow level",
      "await prisma.task.findUnique({ where: { id_projectId: { id, projectId } } });",
      [],
    ],
    [
      "neither",
      "await prisma.task.findMany({ where: { title: name } });",
      [missing("findMany({ where: { title: name } })")],
    ],
    [
      "OR across levels with a branch that has neither is weak",
      "await prisma.task.findMany({ where: { OR: [{ orgId }, { title: name }] } });",
      [{ rule: "weak-tenant-filter", at: "findMany({ where: { OR: [{ orgId }, { title: name }] } })" }],
    ],
    [
      "a create that sets the broad level owns the row",
      "await prisma.task.create({ data: { id, orgId, title: name } });",
      [],
    ],
    [
      "a create that sets no level",
      "await prisma.task.create({ data: { id, title: name } });",
      [{ rule: "missing-tenant-on-insert", at: "create({ data: { id, title: name } })" }],
    ],
    [
      "a level table's create with its own key only (that key is no tenant to set)",
      "await prisma.project.create({ data: { id } });",
      [{ rule: "missing-tenant-on-insert", at: "create({ data: { id } })" }],
    ],
  ];
  for (const [name, body, expected] of cases) test(name, () => assert.deepEqual(found(body), expected));

  test("the advice names the model's own (narrowest) level", () => {
    const [f] = run(fn("await prisma.task.findMany({ where: { title: name } });"));
    assert.match(f.message, /Add projectId to its where\./);
  });
});

describe("shared-or-owned rows: `OR: [{ orgId: null }, { orgId }]` scopes", () => {
  const cases: [string, string, { rule: string; at: string }[]][] = [
    ["null or the tenant", "await prisma.template.findMany({ where: { OR: [{ orgId: null }, { orgId }] } });", []],
    [
      "the tenant or null, beside another filter",
      "await prisma.template.findMany({ where: { name, OR: [{ orgId }, { orgId: null }] } });",
      [],
    ],
    [
      "null or anything else is weak",
      "await prisma.template.findMany({ where: { OR: [{ orgId: null }, { name }] } });",
      [{ rule: "weak-tenant-filter", at: "findMany({ where: { OR: [{ orgId: null }, { name }] } })" }],
    ],
  ];
  for (const [name, body, expected] of cases) test(name, () => assert.deepEqual(found(body), expected));
});

describe("a level table (Task.projectId -> Project.id makes Project the project level)", () => {
  test("by its own id: scoped at its level", () => {
    assert.deepEqual(found("await prisma.project.findUnique({ where: { id: projectId } });"), []);
  });
  test("twin: by another field", () => {
    assert.deepEqual(found("await prisma.project.findFirst({ where: { name } });"), [
      missing("findFirst({ where: { name } })"),
    ]);
  });
  test("twin: a model no narrower level points to is not scoped by its id", () => {
    assert.deepEqual(found("await prisma.invoice.findUnique({ where: { id } });"), [
      missing("findUnique({ where: { id } })"),
    ]);
  });
});

// formbricks' hasUserEnvironmentAccess: a membership looked up through the organization that
// holds the environment, `organization: { projects: { some: { environments: { some: { id } } } } }`.
describe("the tenant's own row named through a row it holds at a narrower level", () => {
  const LEVELS = `
model Organization {
  id          String       @id
  projects    Project[]
  memberships Membership[]
}
model Membership {
  userId         String
  organizationId String
  organization   Organization @relation(fields: [organizationId], references: [id])
  role           String
  @@id([userId, organizationId])
}
model Project {
  id             String        @id
  organizationId String
  organization   Organization  @relation(fields: [organizationId], references: [id])
  environments   Environment[]
}
model Environment {
  id        String  @id
  projectId String
  project   Project @relation(fields: [projectId], references: [id])
  surveys   Survey[]
}
model Survey {
  id            String      @id
  environmentId String
  environment   Environment @relation(fields: [environmentId], references: [id])
}
`;
  const LEVEL_CONFIG: ConfigFile = { tenantColumns: ["organizationId", "projectId", "environmentId"] };
  let levels: TenantModel;
  before(() => {
    levels = prismaModel(parser, LEVELS, LEVEL_CONFIG);
  });
  const foundIn = (where: string) => {
    const code = `${HEADER}export async function f(userId: string, environmentId: string, projectId: string, surveyId: string, name: string) {
  return prisma.membership.findFirst({ where: ${where} });
}
`;
    return summarizeFindings(code, analyzePrisma(parser, code, { model: levels, config: LEVEL_CONFIG })).map(
      ({ rule }) => rule,
    );
  };

  test("the organization that holds the tenant's environment or project is the tenant's", () => {
    for (const where of [
      "{ userId, organization: { projects: { some: { environments: { some: { id: environmentId } } } } } }",
      "{ userId, organization: { projects: { some: { id: projectId } } } }",
      "{ userId, organization: { is: { projects: { some: { environments: { some: { id: environmentId } } } } } } }",
    ])
      assert.deepEqual(foundIn(where), [], where);
  });

  test("twins: held rows named by something other than their level's key, or only through every/none", () => {
    for (const where of [
      "{ userId, organization: { projects: { some: { environments: { some: { surveys: { some: { id: surveyId } } } } } } } }",
      "{ userId, organization: { projects: { some: { name } } } }",
      "{ userId, organization: { projects: { every: { id: projectId } } } }",
      "{ userId, organization: { projects: { none: { id: projectId } } } }",
    ])
      assert.deepEqual(foundIn(where), ["missing-tenant-filter"], where);
  });
});

describe("a relation filter to the tenant's own row at a broader level (cal.com's `team: { id: teamId }` on EventType)", () => {
  const LEVELS = `
model Team {
  id     String  @id
  events Event[]
}
model User {
  id     String  @id
  events Event[]
}
model Event {
  id     String  @id
  teamId String? @map("team_id")
  userId String? @map("user_id")
  team   Team?   @relation(fields: [teamId], references: [id])
  user   User?   @relation(fields: [userId], references: [id])
  title  String
  @@map("events")
}
`;
  const config: ConfigFile = { tenantColumns: ["team_id", "user_id"] };
  const code = (where: string) =>
    `${HEADER}export async function f(teamId: string, userId: string, name: string) {\n  return prisma.event.findMany({ where: ${where} });\n}\n`;
  const rules = (where: string) => run2(code(where)).map((f) => f.ruleId);
  let levels: TenantModel;
  const run2 = (text: string) => analyzePrisma(parser, text, { model: levels, config });
  before(() => {
    levels = prismaModel(parser, LEVELS, config);
  });

  test("names the level's row by its id at either level: scoped", () => {
    assert.deepEqual(rules("{ team: { id: teamId } }"), []);
    assert.deepEqual(rules("{ user: { id: userId } }"), []);
  });

  test("twin: by a field that is no key of the level's row", () => {
    assert.deepEqual(rules("{ team: { name } }"), ["missing-tenant-filter"]);
  });
});

describe("a null level is no shared row when the model is owned at several levels (cal.com's VerifiedEmail)", () => {
  const LEVELS = `
model Team {
  id     String  @id
}
model User {
  id     String  @id
}
model Email {
  id     String  @id
  teamId String? @map("team_id")
  userId String? @map("user_id")
  email  String
  @@map("emails")
}
`;
  const config: ConfigFile = { tenantColumns: ["team_id", "user_id"] };
  let levels: TenantModel;
  before(() => {
    levels = prismaModel(parser, LEVELS, config);
  });
  const findings = (params: string, body: string) =>
    analyzePrisma(parser, `${HEADER}export async function f(${params}) {\n  ${body}\n}\n`, {
      model: levels,
      config,
    }).map((f) => ({ rule: f.ruleId, message: f.message }));

  test("`teamId: null` alone matches every user's personal rows: weak, naming the other level", () => {
    const [f, ...rest] = findings("email: string", "return prisma.email.findMany({ where: { email, teamId: null } });");
    assert.equal(rest.length, 0);
    assert.equal(f.rule, "weak-tenant-filter");
    assert.match(f.message, /matches every row owned at another level \(userId\) with `teamId: null`/);
  });

  test("an OR branch `{ teamId: null }` beside the user's own rows: weak", () => {
    const rules = findings(
      "email: string, userId: string",
      "return prisma.email.findFirst({ where: { email, OR: [{ userId }, { teamId: null }] } });",
    ).map((f) => f.rule);
    assert.deepEqual(rules, ["weak-tenant-filter"]);
  });

  test("a level value declared nullable (`teamId: string | null`): weak, saying why", () => {
    const [f] = findings(
      "email: string, userId: string, teamId: string | null",
      "return prisma.email.findFirst({ where: { email, OR: [{ userId }, { teamId }] } });",
    );
    assert.equal(f?.rule, "weak-tenant-filter");
    assert.match(
      f.message,
      /can be null \(`teamId` is declared `string \| null`\), and Prisma reads `teamId: null` as IS NULL/,
    );
  });

  test("twins that scope: a non-null value, a value tested first, every level null (a row nobody owns)", () => {
    assert.deepEqual(
      findings(
        "email: string, userId: string, teamId: string",
        "return prisma.email.findFirst({ where: { email, OR: [{ userId }, { teamId }] } });",
      ),
      [],
    );
    assert.deepEqual(
      findings(
        "email: string, teamId: string | null",
        'if (!teamId) throw new Error("no team");\n  return prisma.email.findFirst({ where: { email, teamId } });',
      ),
      [],
    );
    assert.deepEqual(
      findings("email: string", "return prisma.email.findMany({ where: { email, teamId: null, userId: null } });"),
      [],
    );
  });
});

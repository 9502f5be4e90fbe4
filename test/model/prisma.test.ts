// The Prisma schema reader: which tables, columns, entity names, relations and compound keys
// a schema.prisma defines, syntax errors with positions, and the tenant model built from it.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import ts from "typescript";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import type { ConfigFile } from "../../server/src/analyzer/config/types";
import { discoverTenantModel } from "../../server/src/analyzer/model/discover";
import { parsePrismaSchema, readPrismaSchema } from "../../server/src/analyzer/model/prisma";
import { loadSqlParser, type SqlParser } from "../../server/src/analyzer/sql/parse";
import { createMemoryFs } from "../helpers/memory-fs";

let parser: SqlParser;
before(async () => {
  parser = await loadSqlParser();
});

const read = (files: Record<string, string>) => readPrismaSchema(createMemoryFs(files), Object.keys(files));

function discover(files: Record<string, string>, config?: ConfigFile) {
  const result = discoverTenantModel(createMemoryFs(files), resolveConfig(config, "/repo", undefined), parser, ts);
  const owned = Object.fromEntries([...result.model.tables].map(([key, t]) => [key, t.tenantColumn]));
  return { ...result, owned, global: [...result.model.globalTables].sort() };
}

describe("readPrismaSchema", () => {
  test("a model: table from @@map, columns from @map, relation fields have no column", () => {
    const { tables, errors } = read({
      "/repo/prisma/schema.prisma": `
// The billing side.
model Invoice {
  id       String   @id @default(dbgenerated("gen_random_uuid()")) @db.Uuid
  tenantId String   @map("tenant_id") /// the owner
  tenant   Tenant   @relation(fields: [tenantId], references: [id], onDelete: Cascade)
  lines    Line[]
  total    Decimal  @db.Decimal(10, 2)
  tags     String[]
  note     String?
  status   Status   @default(DRAFT)

  @@unique([id, tenantId])
  @@index([tenantId, status(sort: Desc)])
  @@map("invoices")
}
model Tenant {
  id String @id
}
model Line {
  id        Int     @id @default(autoincrement())
  invoiceId String
  invoice   Invoice @relation(fields: [invoiceId], references: [id])
}
enum Status {
  DRAFT
  PAID
}`,
    });
    assert.deepEqual(errors, []);
    assert.deepEqual(
      tables.map((t) => [t.name, t.columns]),
      [
        ["invoices", ["id", "tenant_id", "total", "tags", "note", "status"]],
        ["Tenant", ["id"]],
        ["Line", ["id", "invoiceId"]],
      ],
    );
    assert.deepEqual(tables[0].source, { file: "/repo/prisma/schema.prisma", line: 3, column: 1, kind: "prisma" });
    assert.deepEqual(tables[0].entities, [
      {
        orm: "prisma",
        names: ["Invoice", "invoice"],
        fields: { id: "id", tenantId: "tenant_id", total: "total", tags: "tags", note: "note", status: "status" },
        uniques: [["id", "tenantId"]],
        uniqueFields: ["id"],
        relations: [
          { field: "tenant", target: "Tenant", required: true, fields: ["tenantId"] },
          { field: "lines", target: "Line", required: false, list: true },
        ],
      },
    ]);
  });

  test("@@id and @@unique(fields:) compound keys; single-field keys are not compound but unique fields", () => {
    const { tables } = read({
      "/s.prisma": `model Membership {
  userId   String
  tenantId String
  email    String @unique
  @@id([userId, tenantId])
  @@unique(fields: [email, tenantId], name: "emailPerTenant")
}`,
    });
    assert.deepEqual(tables[0].entities![0].uniques, [
      ["userId", "tenantId"],
      ["email", "tenantId"],
    ]);
    assert.deepEqual(tables[0].entities![0].uniqueFields, ["email"], "each field unique on its own");
  });

  test("a multi-file schema resolves relations across files; views count, @@ignore models do not", () => {
    const { tables, errors } = read({
      "/repo/prisma/schema/base.prisma":
        'generator client {\n  provider = "prisma-client-js"\n  previewFeatures = ["prismaSchemaFolder"]\n}\nmodel Org {\n  id String @id\n}',
      "/repo/prisma/schema/projects.prisma":
        "model Project {\n  id    String @id\n  orgId String\n  org   Org    @relation(fields: [orgId], references: [id])\n}\nview ProjectStats {\n  orgId String @unique\n  count Int\n}\nmodel Legacy {\n  id Int @id\n  @@ignore\n}",
    });
    assert.deepEqual(errors, []);
    assert.deepEqual(
      tables.map((t) => t.name),
      ["Org", "Project", "ProjectStats"],
    );
    assert.deepEqual(tables[1].entities![0].relations, [
      { field: "org", target: "Org", required: true, fields: ["orgId"] },
    ]);
    assert.equal(tables[1].source.file, "/repo/prisma/schema/projects.prisma");
  });

  test("@@schema (multiSchema) gives the table's schema", () => {
    const { tables } = read({ "/s.prisma": 'model Invoice {\n  id Int @id\n  @@schema("billing")\n}' });
    assert.equal(tables[0].schema, "billing");
  });

  const broken: [string, string, { line: number; column: number; message: RegExp }][] = [
    [
      "a field without a type",
      "model A {\n  id Int @id\n  name\n}",
      { line: 3, column: 7, message: /expected the type of field name/ },
    ],
    [
      "an unterminated string",
      'model A {\n  id Int @id @map("id)\n}',
      { line: 2, column: 19, message: /unterminated string/ },
    ],
    ["an unclosed model", "model A {\n  id Int @id\n", { line: 3, column: 1, message: /model A is not closed/ }],
    ["a stray top-level word", "modle A {\n}", { line: 1, column: 1, message: /expected "model"/ }],
    ["an unclosed attribute", "model A {\n  id Int @default(\n}", { line: 3, column: 1, message: /expected a value/ }],
  ];
  for (const [name, text, expected] of broken) {
    test(`syntax error with a position: ${name}`, () => {
      const { errors } = parsePrismaSchema(text);
      assert.ok(errors.length >= 1, "expected an error");
      assert.equal(errors[0].line, expected.line, errors[0].message);
      assert.equal(errors[0].column, expected.column, errors[0].message);
      assert.match(errors[0].message, expected.message);
    });
  }

  test("parsing carries on after an error: later models are still read", () => {
    const { models, errors } = parsePrismaSchema(
      "model A {\n  id Int @id\n  broken @@\n  name String\n}\nmodel B {\n  id Int @id\n}",
    );
    assert.equal(errors.length, 1);
    assert.deepEqual(
      models.map((m) => [m.name, m.fields.map((f) => f.name)]),
      [
        ["A", ["id", "name"]],
        ["B", ["id"]],
      ],
    );
  });

  test("errors name the file; an unreadable file is an error, not a crash", () => {
    const fs = createMemoryFs({ "/a.prisma": "model {" });
    const { errors } = readPrismaSchema(fs, ["/a.prisma", "/missing.prisma"]);
    assert.deepEqual(
      errors.map((e) => [e.file, e.line]),
      [
        ["/a.prisma", 1],
        ["/missing.prisma", undefined],
      ],
    );
  });
});

describe("discoverTenantModel from schema.prisma", () => {
  const schema = `model Tenant {
  id String @id
  @@map("tenants")
}
model Invoice {
  id       String @id
  tenantId String @map("tenant_id")
  @@map("invoices")
}
model Project {
  id       String @id
  tenantId String
}
model Plan {
  id String @id
}`;

  test("the default globs find prisma/schema.prisma; the tenant field matches in either spelling", () => {
    const { owned, global, model } = discover(
      { "/repo/prisma/schema.prisma": schema },
      { tenantColumns: ["tenant_id"] },
    );
    assert.deepEqual(owned, { invoices: "tenant_id", project: "tenantId" });
    assert.deepEqual(global, ["plan", "tenants"]);
    assert.equal(model.entities?.get("invoice")?.name, "invoices");
    assert.equal(model.entities?.get("project")?.name, "Project");
  });

  test("zero-config infers the tenant column from the Prisma models and says where from", () => {
    const { owned, notes } = discover({ "/repo/prisma/schema.prisma": schema });
    assert.deepEqual(Object.keys(owned).sort(), ["invoices", "project"]);
    assert.match(notes[0], /inferred tenant column "(tenant_id|tenantId)" from 2 of 4 tables in prisma\/schema.prisma/);
  });

  test("the multi-file default glob prisma/schema/*.prisma", () => {
    const { owned } = discover(
      {
        "/repo/prisma/schema/tenant.prisma": "model Tenant {\n  id String @id\n}",
        "/repo/prisma/schema/invoice.prisma":
          "model Invoice {\n  id String @id\n  tenantId String\n  tenant Tenant @relation(fields: [tenantId], references: [id])\n}",
      },
      { tenantColumns: ["tenant_id"] },
    );
    assert.deepEqual(owned, { invoice: "tenantId" });
  });

  test("a table from migrations and from Prisma is one table with the Prisma entity attached", () => {
    const { model } = discover(
      {
        "/repo/prisma/migrations/1_init/migration.sql": 'CREATE TABLE "invoices" ("id" TEXT, "tenant_id" TEXT);',
        "/repo/prisma/schema.prisma": schema,
      },
      { tenantColumns: ["tenant_id"] },
    );
    const invoices = model.tables.get("invoices")!;
    assert.equal(invoices.source.kind, "migration");
    assert.deepEqual(
      invoices.entities?.map((e) => e.names),
      [["Invoice", "invoice"]],
    );
  });

  test("schema errors are reported with their file and position", () => {
    const { errors } = discover(
      { "/repo/prisma/schema.prisma": "model Invoice {\n  id String @id\n  tenantId\n}" },
      { tenantColumns: ["tenant_id"] },
    );
    assert.deepEqual(
      errors.map((e) => [e.file, e.line, e.column]),
      [["/repo/prisma/schema.prisma", 3, 11]],
    );
  });
});

// Runs the analyzer on TypeScript text with a tenant model read from a Prisma schema, the
// way the CLI does: schema files -> discoverTenantModel -> analyzeSourceFile.
import ts from "typescript";
import { analyzeSourceFile } from "../../server/src/analyzer/analyze";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import type { ConfigFile } from "../../server/src/analyzer/config/types";
import type { TenantModel } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import type { Finding } from "../../server/src/analyzer/types";
import { modelOf } from "../helpers/model";

/**
 * Tenant, Plan: global. Project and Invoice: tenant_id with an id_tenantId unique. Task: a
 * compound foreign key to Project that carries the tenant. Note: an optional tenant field and
 * no compound unique. InvoiceLine: a child of Invoice without a tenant field, owned through its
 * required relation to Invoice.
 */
export const SCHEMA = `
generator client {
  provider = "prisma-client-js"
}

datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}

model Tenant {
  id       String    @id @default(uuid())
  name     String
  slug     String    @unique
  projects Project[]
  invoices Invoice[]
  @@map("tenants")
}

model Plan {
  id   String @id
  name String
  @@map("plans")
}

model Project {
  id       String @id @default(uuid())
  tenantId String @map("tenant_id")
  tenant   Tenant @relation(fields: [tenantId], references: [id])
  name     String
  tasks    Task[]

  @@unique([id, tenantId])
  @@map("projects")
}

model Task {
  id        String  @id @default(uuid())
  tenantId  String  @map("tenant_id")
  projectId String  @map("project_id")
  project   Project @relation(fields: [projectId, tenantId], references: [id, tenantId])
  title     String
  done      Boolean @default(false)

  @@map("tasks")
}

model Invoice {
  id       String        @id @default(uuid())
  tenantId String        @map("tenant_id")
  tenant   Tenant        @relation(fields: [tenantId], references: [id])
  number   String
  status   String
  total    Int
  lines    InvoiceLine[]
  notes    Note[]

  @@unique([id, tenantId])
  @@map("invoices")
}

model InvoiceLine {
  id        String  @id
  invoiceId String  @map("invoice_id")
  invoice   Invoice @relation(fields: [invoiceId], references: [id])
  amount    Int

  @@map("invoice_lines")
}

model Note {
  id        String   @id
  tenantId  String?  @map("tenant_id")
  invoiceId String?
  invoice   Invoice? @relation(fields: [invoiceId], references: [id])
  body      String

  @@map("notes")
}
`;

export function prismaModel(
  parser: SqlParser,
  schema = SCHEMA,
  config: ConfigFile = { tenantColumns: ["tenant_id"] },
): TenantModel {
  return modelOf(parser, { "/p/prisma/schema.prisma": schema }, config);
}

export interface PrismaRun {
  config?: ConfigFile;
  model?: TenantModel;
  fileName?: string;
  /** A program to take the source file and checker from (type-aware mode). */
  program?: ts.Program;
}

export function analyzePrisma(parser: SqlParser, text: string, run: PrismaRun = {}): Finding[] {
  const fileName = run.fileName ?? "/p/src/file.ts";
  const sourceFile =
    run.program?.getSourceFile(fileName) ?? ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  return analyzeSourceFile({
    ts,
    sourceFile,
    checker: run.program?.getTypeChecker(),
    config: resolveConfig({ tenantColumns: ["tenant_id"], ...run.config }, "/p", undefined),
    model: run.model ?? prismaModel(parser),
    parser,
    relativePath: "src/file.ts",
  });
}

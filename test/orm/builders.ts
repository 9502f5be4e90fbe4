// Shared by the Drizzle, Kysely and Knex tests: a small project's tenant model (SQL migrations
// and a Drizzle schema, discovered the way the CLI does), and the analyzer run on a snippet.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { analyzeSourceFile } from "../../server/src/analyzer/analyze";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import type { ConfigFile } from "../../server/src/analyzer/config/types";
import { discoverTenantModel } from "../../server/src/analyzer/model/discover";
import type { TenantModel } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import type { Finding } from "../../server/src/analyzer/types";
import { createMemoryFs } from "../helpers/memory-fs";

export const MIGRATION = `
CREATE TABLE tenants (id uuid PRIMARY KEY, name text);
CREATE TABLE plans (id uuid PRIMARY KEY, name text);
CREATE TABLE customers (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, name text);
CREATE TABLE orders (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, customer_id uuid, status text, total int);
CREATE TABLE order_items (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, order_id uuid, sku text);
`;

export const DRIZZLE_SCHEMA = `
import { integer, pgTable, text, uuid } from "drizzle-orm/pg-core";
export const tenants = pgTable("tenants", { id: uuid("id").primaryKey(), name: text("name") });
export const plans = pgTable("plans", { id: uuid("id").primaryKey(), name: text("name") });
export const customers = pgTable("customers", { id: uuid("id").primaryKey(), tenantId: uuid("tenant_id").notNull(), name: text("name") });
export const orders = pgTable("orders", {
  id: uuid("id").primaryKey(),
  tenantId: uuid("tenant_id").notNull(),
  customerId: uuid("customer_id"),
  status: text("status"),
  total: integer("total"),
});
export const orderItems = pgTable("order_items", { id: uuid("id").primaryKey(), tenantId: uuid("tenant_id").notNull(), orderId: uuid("order_id"), sku: text("sku") });
`;

const models = new Map<string, TenantModel>();

/** customers, orders, order_items: tenant_id (Drizzle key tenantId); tenants, plans: global. */
export function builderModel(parser: SqlParser, withDrizzle = true): TenantModel {
  const key = String(withDrizzle);
  let model = models.get(key);
  if (!model) {
    const files: Record<string, string> = { "/p/db/migrations/001.sql": MIGRATION };
    if (withDrizzle) files["/p/src/db/schema.ts"] = DRIZZLE_SCHEMA;
    const config = resolveConfig(
      { tenantColumns: ["tenant_id"], schema: { migrations: ["db/migrations/*.sql"] } },
      "/p",
      undefined,
    );
    model = discoverTenantModel(createMemoryFs(files), config, parser, ts).model;
    models.set(key, model);
  }
  return model;
}

export function analyzeBuilder(
  parser: SqlParser,
  text: string,
  options: { config?: ConfigFile; model?: TenantModel; checker?: ts.TypeChecker; sourceFile?: ts.SourceFile } = {},
): Finding[] {
  const sourceFile = options.sourceFile ?? ts.createSourceFile("/p/src/file.ts", text, ts.ScriptTarget.Latest, true);
  return analyzeSourceFile({
    ts,
    sourceFile,
    checker: options.checker,
    config: resolveConfig({ tenantColumns: ["tenant_id"], ...options.config }, "/p", undefined),
    model: options.model ?? builderModel(parser),
    parser,
    relativePath: "src/file.ts",
  });
}

/** `rule at-text` per finding, the way the table-driven tests state expectations. */
export function brief(text: string, findings: readonly Finding[]): string[] {
  return findings.map((f) => `${f.ruleId} ${text.slice(f.start, f.end)}`);
}

export interface BuilderCase {
  name: string;
  /** Statements of an async function with `id`, `tenantId`, `status` in scope. */
  body: string;
  /** `rule underlined-text`, in order; [] for a safe query. */
  expect: string[];
}

/** A module around a case body: the builder's imports, a client and a function. */
export function caseModule(
  prelude: string,
  body: string,
  params = "id: string, tenantId: string, status?: string",
): string {
  return `${prelude}\n\nexport async function handler(${params}) {\n  ${body.trim().split("\n").join("\n  ")}\n}\n`;
}

export interface FixCase {
  name: string;
  code: string;
  expected: string;
  /** The fix may be applied unattended (default true). */
  safe?: boolean;
}

/** Where the type-aware tests' virtual projects live: inside the repo, so real packages resolve when installed. */
const TYPED_ROOT = join(__dirname, "..", "fixtures", "orm", "typed");
const REPO = join(__dirname, "..", "..");

/** Whether the real package is installed (then its own declarations are used, not the hand-written ones). */
export function hasPackage(name: string): boolean {
  return existsSync(join(REPO, "node_modules", name, "package.json"));
}

/**
 * A type-checked program over in-memory files (paths relative to a virtual project dir),
 * resolving everything else (lib files, installed packages) from disk.
 */
export function typedProgram(files: Record<string, string>): { program: ts.Program; path: (rel: string) => string } {
  const path = (rel: string) => join(TYPED_ROOT, rel);
  const virtual = new Map(Object.entries(files).map(([rel, text]) => [path(rel), text]));
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: [],
  };
  const host = ts.createCompilerHost(options, true);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => virtual.has(f) || fileExists.call(host, f);
  host.readFile = (f) => virtual.get(f) ?? readFile.call(host, f);
  host.directoryExists = (d) => d === TYPED_ROOT || TYPED_ROOT.startsWith(`${d}/`) || existsSync(d);
  host.getSourceFile = (f, lang, onError, create) =>
    virtual.has(f)
      ? ts.createSourceFile(f, virtual.get(f)!, lang, true)
      : getSourceFile.call(host, f, lang, onError, create);
  return { program: ts.createProgram([...virtual.keys()], options, host), path };
}

/** Runs the analyzer on one file of a typed program, with and without its checker. */
export function analyzeTyped(
  parser: SqlParser,
  files: Record<string, string>,
  entry: string,
  model?: TenantModel,
): { typed: Finding[]; untyped: Finding[]; text: string; diagnostics: string[] } {
  const { program, path } = typedProgram(files);
  const sourceFile = program.getSourceFile(path(entry))!;
  const diagnostics = ts
    .getPreEmitDiagnostics(program, sourceFile)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  const typed = analyzeBuilder(parser, sourceFile.text, { sourceFile, checker: program.getTypeChecker(), model });
  const untyped = analyzeBuilder(parser, sourceFile.text, { model });
  return { typed, untyped, text: sourceFile.text, diagnostics };
}

export interface ExpectedFinding {
  file: string;
  line: number;
  ruleId: string;
  table?: string;
  /** The suppression's reason, when the finding is suppressed. */
  suppressed?: string;
}

/**
 * Runs the analyzer over a fixture app the way the CLI does: its config, the model discovered
 * from its migrations / Drizzle schema, every `src/**\/*.ts` file.
 */
export function fixtureAppFindings(parser: SqlParser, appDir: string): ExpectedFinding[] {
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else files[full] = readFileSync(full, "utf8");
    }
  };
  walk(appDir);
  const configPath = join(appDir, "tenantguard.config.json");
  const config = resolveConfig(JSON.parse(files[configPath]) as ConfigFile, appDir, configPath);
  const { model, errors } = discoverTenantModel(createMemoryFs(files), config, parser, ts);
  if (errors.length) throw new Error(`model errors: ${JSON.stringify(errors)}`);
  const out: ExpectedFinding[] = [];
  for (const file of Object.keys(files).sort()) {
    const rel = relative(appDir, file);
    if (!rel.startsWith("src/") || !file.endsWith(".ts")) continue;
    const sourceFile = ts.createSourceFile(file, files[file], ts.ScriptTarget.Latest, true);
    for (const f of analyzeSourceFile({ ts, sourceFile, config, model, parser, relativePath: rel })) {
      const e: ExpectedFinding = {
        file: rel,
        line: sourceFile.getLineAndCharacterOfPosition(f.start).line + 1,
        ruleId: f.ruleId,
        table: f.table,
      };
      if (f.suppressed) e.suppressed = f.suppressed.reason;
      out.push(e);
    }
  }
  return out;
}

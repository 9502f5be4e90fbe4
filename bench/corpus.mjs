// Generates the synthetic raw-SQL backend the benchmark scans: ~2,000 TypeScript files of
// repositories, services, routes and jobs over ~60 tables, with node-postgres, postgres.js,
// knex.raw and Prisma $queryRaw, mostly safe with some leaks, and plenty of code with no SQL.
// Deterministic: the same seed gives the same bytes, so numbers compare across machines and commits.
//
//   node bench/corpus.mjs [outDir]     default: bench/.corpus/raw-sql
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Bump when the generator's output changes, so stale corpora are regenerated. */
export const CORPUS_VERSION = 5;
export const DEFAULT_SEED = 20240611;
export const DEFAULT_FILES = 2000;
const STAMP = ".corpus-stamp.json";

/** Generates the corpus into `outDir` unless a corpus of this version and seed is already there. */
export function ensureCorpus(outDir, { seed = DEFAULT_SEED, files = DEFAULT_FILES } = {}) {
  const stampPath = join(outDir, STAMP);
  const wanted = { version: CORPUS_VERSION, seed, files };
  if (existsSync(stampPath)) {
    try {
      const stamp = JSON.parse(readFileSync(stampPath, "utf8"));
      if (stamp.version === wanted.version && stamp.seed === wanted.seed && stamp.files === wanted.files) {
        return { generated: false, ...stamp };
      }
    } catch {
      // unreadable stamp: regenerate
    }
  }
  return { generated: true, ...generateCorpus(outDir, { seed, files }) };
}

export function generateCorpus(outDir, { seed = DEFAULT_SEED, files = DEFAULT_FILES } = {}) {
  rmSync(outDir, { recursive: true, force: true });
  const rng = createRng(seed);
  const schema = buildSchema(rng);
  let written = 0;
  let lines = 0;
  let tsFiles = 0;
  let tsLines = 0;
  const write = (relPath, text) => {
    const full = join(outDir, relPath);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
    const n = text.split("\n").length - 1;
    written++;
    lines += n;
    if (relPath.endsWith(".ts")) {
      tsFiles++;
      tsLines += n;
    }
  };

  for (const [name, text] of renderMigrations(schema, rng)) write(join("db", "migrations", name), text);
  write("tenantguard.config.json", renderConfig(schema));
  write(
    "tsconfig.json",
    JSON.stringify({ compilerOptions: { strict: true, target: "ES2022" }, include: ["src"] }, null, 2) + "\n",
  );
  for (const [path, text] of renderSupportFiles()) write(path, text);

  const used = new Set();
  /** Statements generated with a leak, by the rule that should report them (at least once each). */
  const injected = {};
  for (let i = 0; i < files; i++) {
    const table = rng.pick(schema.tenantTables);
    const kind = rng.weighted(FILE_KINDS);
    const feature = rng.pick(FEATURES);
    let path = `src/${table.domain}/${kebab(table.name)}-${feature}.${kind}.ts`;
    for (let n = 2; used.has(path); n++) path = `src/${table.domain}/${kebab(table.name)}-${feature}-${n}.${kind}.ts`;
    used.add(path);
    write(path, renderFile(rng, schema, table, kind, feature, injected));
  }

  markAsRepository(outDir);
  const stamp = {
    version: CORPUS_VERSION,
    seed,
    files,
    tsFiles,
    tsLines,
    totalFiles: written,
    totalLines: lines,
    injected,
  };
  writeFileSync(join(outDir, STAMP), JSON.stringify(stamp, null, 2) + "\n");
  return stamp;
}

/**
 * The corpus is a project of its own, as a scanned backend is: its own repository root. Without
 * that, the CLI reads this repository's .gitignore (which lists bench/.corpus/) and skips every file.
 */
function markAsRepository(outDir) {
  const git = spawnSync("git", ["init", "--quiet", outDir], { stdio: "ignore" });
  if (git.status !== 0) mkdirSync(join(outDir, ".git"), { recursive: true });
}

// ---------------------------------------------------------------------------------------------
// Randomness: mulberry32, seeded. Never Math.random.

function createRng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (list) => list[Math.floor(next() * list.length)],
    weighted(entries) {
      const total = entries.reduce((sum, [, w]) => sum + w, 0);
      let r = next() * total;
      for (const [value, w] of entries) if ((r -= w) < 0) return value;
      return entries[entries.length - 1][0];
    },
    sample(list, n) {
      const copy = [...list];
      const out = [];
      while (out.length < n && copy.length > 0) out.push(copy.splice(Math.floor(next() * copy.length), 1)[0]);
      return out;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Schema: 48 tenant-owned tables in domains, 12 global ones.

const TENANT_TABLES = {
  crm: ["customers", "contacts", "companies", "deals", "pipelines", "stages"],
  commerce: ["orders", "order_items", "products", "product_variants", "carts", "cart_items", "coupons"],
  inventory: ["warehouses", "inventory_levels", "shipments", "shipment_items"],
  billing: ["invoices", "invoice_items", "payments", "refunds", "subscriptions", "subscription_items"],
  support: ["tickets", "ticket_comments", "attachments", "notes"],
  work: ["projects", "milestones", "tasks", "time_entries", "documents", "document_versions", "folders"],
  platform: ["users", "teams", "team_members", "invitations", "api_keys", "webhooks", "webhook_deliveries"],
  insights: ["notifications", "audit_events", "integrations", "reports", "dashboards", "tags", "taggings"],
};
const GLOBAL_TABLES = [
  ["plans", ["name text NOT NULL", "price_cents integer NOT NULL", "max_seats integer"]],
  ["features", ["key text NOT NULL UNIQUE", "description text"]],
  ["plan_features", ["plan_id uuid NOT NULL", "feature_id uuid NOT NULL"]],
  ["countries", ["code char(2) NOT NULL UNIQUE", "name text NOT NULL"]],
  ["currencies", ["code char(3) NOT NULL UNIQUE", "symbol text NOT NULL", "decimals integer NOT NULL DEFAULT 2"]],
  [
    "exchange_rates",
    ["base char(3) NOT NULL", "quote char(3) NOT NULL", "rate numeric(18, 8) NOT NULL", "day date NOT NULL"],
  ],
  ["timezones", ["name text NOT NULL UNIQUE", "utc_offset_minutes integer NOT NULL"]],
  ["languages", ["code text NOT NULL UNIQUE", "name text NOT NULL"]],
  ["industries", ["name text NOT NULL", "parent_id uuid"]],
  ["tax_rates", ["country_code char(2) NOT NULL", "rate numeric(5, 2) NOT NULL"]],
  ["feature_flags", ["key text NOT NULL UNIQUE", "enabled boolean NOT NULL DEFAULT false"]],
  ["tenants", ["name text NOT NULL", "slug text NOT NULL UNIQUE", "plan_id uuid NOT NULL"]],
];
const EXTRA_COLUMNS = [
  ["description", "text", "string"],
  ["amount_cents", "bigint NOT NULL DEFAULT 0", "number"],
  ["currency", "char(3) NOT NULL DEFAULT 'USD'", "string"],
  ["due_at", "timestamptz", "Date | null"],
  ["owner_id", "uuid", "string | null"],
  ["external_ref", "text", "string | null"],
  ["priority", "integer NOT NULL DEFAULT 0", "number"],
  ["archived_at", "timestamptz", "Date | null"],
  ["metadata", "jsonb NOT NULL DEFAULT '{}'", "Record<string, unknown>"],
  ["position", "integer NOT NULL DEFAULT 0", "number"],
  ["email", "text", "string | null"],
  ["title", "text", "string | null"],
  ["quantity", "integer NOT NULL DEFAULT 1", "number"],
  ["is_public", "boolean NOT NULL DEFAULT false", "boolean"],
];
const STATUSES = ["draft", "active", "pending", "closed", "archived", "failed"];

function buildSchema(rng) {
  const tenantTables = [];
  for (const [domain, names] of Object.entries(TENANT_TABLES)) {
    for (const name of names) {
      const extras = rng.sample(EXTRA_COLUMNS, rng.int(2, 6));
      const parent = tenantTables.length > 0 && rng.chance(0.7) ? rng.pick(tenantTables) : undefined;
      tenantTables.push({ name, domain, extras, parent, parentColumn: parent && `${singular(parent.name)}_id` });
    }
  }
  return { tenantTables, globalTables: GLOBAL_TABLES.map(([name, columns]) => ({ name, columns })) };
}

function renderMigrations(schema, rng) {
  const files = [];
  let n = 1;
  const name = (label) => `${String(n++).padStart(4, "0")}_${label}.sql`;
  files.push([
    name("reference_data"),
    schema.globalTables
      .map(
        (t) =>
          `CREATE TABLE ${t.name} (\n  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),\n  ${t.columns.join(",\n  ")}\n);\n`,
      )
      .join("\n"),
  ]);
  const byDomain = new Map();
  for (const t of schema.tenantTables) byDomain.set(t.domain, [...(byDomain.get(t.domain) ?? []), t]);
  const later = [];
  for (const [domain, tables] of byDomain) {
    const statements = tables.map((t) => {
      const columns = [
        "id uuid PRIMARY KEY DEFAULT gen_random_uuid()",
        "tenant_id uuid NOT NULL REFERENCES tenants (id)",
        "name text NOT NULL",
        `status text NOT NULL DEFAULT 'active'`,
      ];
      if (t.parent) columns.push(`${t.parentColumn} uuid REFERENCES ${t.parent.name} (id)`);
      // Some columns arrive in a later migration, as in a real schema's history.
      const [now, afterwards] = rng.chance(0.3) ? [t.extras.slice(0, -1), t.extras.slice(-1)] : [t.extras, []];
      for (const [col, type] of now) columns.push(`${col} ${type}`);
      columns.push("created_at timestamptz NOT NULL DEFAULT now()", "updated_at timestamptz NOT NULL DEFAULT now()");
      for (const [col, type] of afterwards) later.push(`ALTER TABLE ${t.name} ADD COLUMN ${col} ${type};`);
      return (
        `CREATE TABLE ${t.name} (\n  ${columns.join(",\n  ")}\n);\n` +
        `CREATE INDEX ${t.name}_tenant_idx ON ${t.name} (tenant_id, created_at DESC);\n`
      );
    });
    files.push([name(domain), statements.join("\n")]);
  }
  files.push([name("later_columns"), later.join("\n") + "\n"]);
  return files;
}

function renderConfig(schema) {
  const config = {
    $schema: "../../../schema.json",
    tenantColumns: ["tenant_id"],
    schema: { migrations: ["db/migrations/*.sql"] },
    globalTables: schema.globalTables.map((t) => t.name),
    tenantExpression: "ctx.tenantId",
  };
  return JSON.stringify(config, null, 2) + "\n";
}

function renderSupportFiles() {
  return [
    [
      "src/db/clients.ts",
      `import { Pool } from "pg";
import postgres from "postgres";
import knexFactory from "knex";
import { PrismaClient } from "@prisma/client";

const url = process.env.DATABASE_URL ?? "postgres://localhost/app";

export const pool = new Pool({ connectionString: url, max: 20 });
export const sql = postgres(url, { max: 10 });
export const knex = knexFactory({ client: "pg", connection: url });
export const prisma = new PrismaClient();
`,
    ],
    [
      "src/context.ts",
      `export interface TenantContext {
  tenantId: string;
  userId: string;
  role: "owner" | "admin" | "member";
}

export class NotFoundError extends Error {}
export class ValidationError extends Error {}
`,
    ],
  ];
}

// ---------------------------------------------------------------------------------------------
// Files. Kinds weighted roughly like a real backend: SQL lives in repositories and jobs, some
// in services; routes, types and utilities have none.

const FILE_KINDS = [
  ["repository", 30],
  ["service", 22],
  ["routes", 16],
  ["job", 7],
  ["types", 12],
  ["util", 8],
  ["test-helpers", 5],
];
const FEATURES = [
  "core",
  "search",
  "export",
  "import",
  "sync",
  "admin",
  "reports",
  "cleanup",
  "notifications",
  "billing",
  "audit",
  "bulk",
  "webhooks",
  "stats",
  "archive",
  "public-api",
  "v2",
  "legacy",
  "integration",
  "scheduler",
];
const DRIVERS = [
  ["pg", 45],
  ["postgres", 25],
  ["knex", 15],
  ["prisma", 15],
];
/** Share of SQL blocks that carry a leak; the rest are safe (many in the forms naive tools get wrong). */
const UNSAFE_RATE = 0.08;

function renderFile(rng, schema, table, kind, feature, injected) {
  // Blocks are added until the file reaches the target; the last one may run over by a few lines.
  const target = rng.int(40, 185);
  const ent = entityNames(table);
  let lastId = 0;
  const uid = () => ++lastId;
  const out = [];
  const imports = new Set(['import type { TenantContext } from "../context";']);
  const body = [];
  const count = () => body.reduce((n, block) => n + block.split("\n").length + 1, 0) + imports.size + 2;

  if (kind === "types") {
    body.push(typesBlock(table, ent));
    while (count() < target) body.push(rng.chance(0.5) ? dtoBlock(rng, table, ent, uid()) : enumBlock(rng, ent, uid()));
  } else if (kind === "util" || kind === "test-helpers") {
    imports.add('import { ValidationError } from "../context";');
    while (count() < target) body.push(rng.pick(UTIL_BLOCKS)(rng, ent, uid()));
  } else if (kind === "routes") {
    imports.add('import { Router } from "express";');
    imports.add(`import * as ${ent.camelPlural}Service from "./${kebab(table.name)}-${feature}.service";`);
    body.push(`export const ${ent.camelPlural}Routes = Router();`);
    while (count() < target) body.push(routeBlock(rng, ent));
  } else {
    const driver = rng.weighted(DRIVERS);
    body.push(typesBlock(table, ent));
    const sqlShare = kind === "service" ? 0.45 : 0.8;
    while (count() < target) {
      // Services also write by id after proving the row is the tenant's (the data-flow analysis).
      if (kind === "service" && rng.chance(0.15)) body.push(ownedFlowFunction(rng, table, ent, uid(), injected));
      else if (rng.chance(sqlShare))
        body.push(
          sqlFunction(rng, schema, table, ent, rng.chance(0.9) ? driver : rng.weighted(DRIVERS), uid(), injected),
        );
      else body.push(rng.pick(UTIL_BLOCKS)(rng, ent, uid()));
    }
    const clients = new Set(body.flatMap((b) => [...b.matchAll(/\b(pool|sql|knex|prisma)[.`<]/g)].map((m) => m[1])));
    imports.add(`import { ${[...clients].sort().join(", ")} } from "../db/clients";`);
    const errors = ["NotFoundError", "ValidationError"].filter((e) => body.some((b) => b.includes(e)));
    if (errors.length > 0) imports.add(`import { ${errors.join(", ")} } from "../context";`);
  }
  out.push(`// ${table.domain}/${table.name}: ${kind} (${feature})`, ...[...imports].sort(), "", body.join("\n\n"), "");
  return out.join("\n");
}

function entityNames(table) {
  const one = singular(table.name);
  return {
    table: table.name,
    type: pascal(one),
    camel: camel(one),
    camelPlural: camel(table.name),
    pascalPlural: pascal(table.name),
    alias: table.name
      .split("_")
      .map((w) => w[0])
      .join(""),
  };
}

function typesBlock(table, ent) {
  const fields = [
    "  id: string;",
    "  tenant_id: string;",
    "  name: string;",
    "  status: string;",
    ...(table.parent ? [`  ${table.parentColumn}: string | null;`] : []),
    ...table.extras.map(([col, , ts]) => `  ${col}: ${ts};`),
    "  created_at: Date;",
    "  updated_at: Date;",
  ];
  return `export interface ${ent.type}Row {\n${fields.join("\n")}\n}`;
}

function dtoBlock(rng, table, ent, id) {
  const verb = rng.pick(["Create", "Update", "Patch", "Import", "Export"]) + (id > 1 ? id : "");
  const fields = table.extras.map(([col, , ts]) => `  ${camel(col)}${rng.chance(0.4) ? "?" : ""}: ${ts};`);
  return `/** Payload for ${verb.toLowerCase()} requests on ${table.name}. */\nexport interface ${verb}${ent.type}Input {\n  name: string;\n${fields.join("\n")}\n}`;
}

function enumBlock(rng, ent, id) {
  const values = rng.sample(STATUSES, rng.int(3, 6));
  return `export const ${ent.type.toUpperCase()}_${rng.pick(["STATUSES", "STATES", "FILTERS"])}_${id} = [\n${values
    .map((v) => `  "${v}",`)
    .join(
      "\n",
    )}\n] as const;\n\nexport function is${ent.type}Status${id}(value: string): boolean {\n  return (${JSON.stringify(values)} as string[]).includes(value);\n}`;
}

const UTIL_BLOCKS = [
  (rng, ent, id) => `export function validate${ent.type}Name${id}(name: unknown): string {
  if (typeof name !== "string") throw new ValidationError("name must be a string");
  const trimmed = name.trim();
  if (trimmed.length === 0) throw new ValidationError("name is required");
  if (trimmed.length > ${rng.int(60, 255)}) throw new ValidationError("name is too long");
  return trimmed;
}`,
  (
    rng,
    ent,
    id,
  ) => `export function to${ent.type}Dto${id}(row: { id: string; name: string; status: string; created_at: Date; updated_at: Date }) {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}`,
  (rng, ent, id) => `/** Cursor pagination: the cursor is base64 of the last row's created_at and id. */
export function encode${ent.type}Cursor${id}(createdAt: Date, id: string): string {
  return Buffer.from(\`\${createdAt.toISOString()}|\${id}\`).toString("base64url");
}

export function decode${ent.type}Cursor${id}(cursor: string): { createdAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  const createdAt = new Date(at);
  if (!id || Number.isNaN(createdAt.getTime())) throw new ValidationError("bad cursor");
  return { createdAt, id };
}`,
  (rng, ent, id) => `export function ${ent.camelPlural}Csv${id}(rows: Array<Record<string, unknown>>): string {
  if (rows.length === 0) return "";
  const headers = Object.keys(rows[0]);
  const cell = (v: unknown) => {
    const s = v instanceof Date ? v.toISOString() : String(v ?? "");
    return /[",\\n]/.test(s) ? \`"\${s.replace(/"/g, '""')}"\` : s;
  };
  return [headers.join(","), ...rows.map((r) => headers.map((h) => cell(r[h])).join(","))].join("\\n");
}`,
  (rng, ent, id) => `// Retries transient failures (serialization, deadlock) with jittered backoff.
export async function retry${ent.type}${id}<T>(fn: () => Promise<T>, attempts = ${rng.int(2, 5)}): Promise<T> {
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await fn();
    } catch (error) {
      lastError = error;
      const code = (error as { code?: string }).code;
      if (code !== "40001" && code !== "40P01") throw error;
      await new Promise((r) => setTimeout(r, 2 ** i * ${rng.int(10, 50)} + Math.random() * 10));
    }
  }
  throw lastError;
}`,
  (
    rng,
    ent,
    id,
  ) => `export function diff${ent.type}${id}(before: Record<string, unknown>, after: Record<string, unknown>) {
  const changes: Array<{ field: string; from: unknown; to: unknown }> = [];
  for (const field of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (JSON.stringify(before[field]) !== JSON.stringify(after[field])) {
      changes.push({ field, from: before[field], to: after[field] });
    }
  }
  return changes;
}`,
];

function routeBlock(rng, ent) {
  const method = rng.pick(["get", "get", "post", "patch", "delete"]);
  const path = rng.pick(["/", "/:id", "/:id/archive", "/search", "/export", "/:id/history", "/bulk"]);
  const fn = rng.pick(["list", "get", "update", "remove", "search", "exportAll", "archive"]);
  return `${ent.camelPlural}Routes.${method}("${path}", async (req, res) => {
  const ctx = (req as unknown as { ctx: TenantContext }).ctx;
  const limit = Math.min(Number(req.query.limit ?? ${rng.pick([20, 50, 100])}), 500);
  const result = await ${ent.camelPlural}Service.${fn}${ent.type}(ctx, req.params.id, { limit });
  if (result === undefined) {
    res.status(404).json({ error: "${ent.camel} not found" });
    return;
  }
  res.json(result);
});`;
}

// ---------------------------------------------------------------------------------------------
// SQL functions. A statement is a list of text and parameter parts; each driver renders the
// parameters its own way ($n with a values array, ${...} in a template, ? with bindings).

const SHAPES = [
  ["byId", 14],
  ["list", 14],
  ["join", 10],
  ["count", 6],
  ["update", 10],
  ["delete", 6],
  ["insert", 10],
  ["cte", 5],
  ["subquery", 5],
  ["global", 6],
  ["shared", 3],
  ["any", 3],
  ["union", 3],
  ["insertSelect", 3],
];
const LEAKS = [
  ["missing", 5],
  ["weak", 2],
  ["insertMissing", 1],
  ["dynamic", 2],
];

function sqlFunction(rng, schema, table, ent, driver, id, injected) {
  let shape = rng.weighted(SHAPES);
  let leak = rng.chance(UNSAFE_RATE) ? rng.weighted(LEAKS) : undefined;
  if (leak === "insertMissing") shape = "insert";
  if (leak === "weak" && shape === "insertSelect") shape = "update"; // keep each leak's rule unambiguous
  if (shape === "global" || (shape === "insert" && leak !== "insertMissing")) leak = undefined; // no predicate to drop
  if (leak) {
    const rule = expectedRule(shape, leak);
    injected[rule] = (injected[rule] ?? 0) + 1;
  }
  if (leak === "dynamic") return dynamicFunction(table, ent, driver, id, rng.chance(0.5));
  const stmt = buildStatement(rng, schema, table, ent, shape, leak);
  const fnName = `${stmt.verb}${ent.type}${stmt.suffix}${id}`;
  const call = renderCall(driver, stmt.parts, `${ent.type}Row`, rng);
  const returns = stmt.returnsRows ? "rows" : "rows.length";
  const check =
    stmt.verb === "get" && rng.chance(0.5)
      ? `\n  if (rows.length === 0) throw new NotFoundError("${ent.camel} not found");`
      : "";
  return `${rng.chance(0.3) ? `/** ${stmt.doc} */\n` : ""}export async function ${fnName}(ctx: TenantContext, id: string, opts: { limit?: number; q?: string; status?: string } = {}) {
  const rows = ${call};${check}
  return ${returns};
}`;
}

/**
 * A write by id that is safe because the same function proved the row is the tenant's first
 * (a scoped read whose empty result throws, a row a scoped query returned, a row created with
 * the tenant), or, at the leak rate, the twin whose key comes straight from the caller.
 */
function ownedFlowFunction(rng, table, ent, id, injected) {
  const t = table.name;
  const head = `export async function archive${ent.type}Checked${id}(ctx: TenantContext, id: string) {`;
  if (rng.chance(UNSAFE_RATE)) {
    // Two findings: the read by id, and the write by the key that read returned.
    injected["missing-tenant-filter"] = (injected["missing-tenant-filter"] ?? 0) + 2;
    return `${head}
  const { rows: [found] } = await pool.query("SELECT id, status FROM ${t} WHERE id = $1", [id]);
  if (!found) throw new NotFoundError("${ent.camel} not found");
  await pool.query("UPDATE ${t} SET status = 'archived' WHERE id = $1", [found.id]);
  return found;
}`;
  }
  switch (rng.int(0, 2)) {
    case 0:
      return `${head}
  const { rows: [found] } = await pool.query(
    "SELECT id, status FROM ${t} WHERE id = $1 AND tenant_id = $2",
    [id, ctx.tenantId],
  );
  if (!found) throw new NotFoundError("${ent.camel} not found");
  await pool.query("UPDATE ${t} SET status = 'archived', updated_at = now() WHERE id = $1", [found.id]);
  return found;
}`;
    case 1:
      return `${head}
  const stale = await pool.query("SELECT id FROM ${t} WHERE tenant_id = $1 AND status = 'closed'", [ctx.tenantId]);
  const ids = stale.rows.map((r) => r.id);
  await pool.query("DELETE FROM ${t} WHERE id = ANY($1)", [ids]);
  return ids.length + id.length;
}`;
    default:
      return `${head}
  const { rows: [created] } = await pool.query(
    "INSERT INTO ${t} (tenant_id, name) VALUES ($1, $2) RETURNING id",
    [ctx.tenantId, id],
  );
  await pool.query("UPDATE ${t} SET status = 'active' WHERE id = $1", [created.id]);
  return created;
}`;
  }
}

function expectedRule(shape, leak) {
  if (leak === "dynamic") return "dynamic-sql";
  if (leak === "insertMissing" || shape === "insertSelect") return "missing-tenant-on-insert";
  // shared/any drop the predicate whatever the leak kind
  if (leak === "weak" && shape !== "shared" && shape !== "any") return "weak-tenant-filter";
  return "missing-tenant-filter";
}

const P = (expr) => ({ param: expr });

function buildStatement(rng, schema, table, ent, shape, leak) {
  const t = table.name;
  const a = ent.alias;
  const cols = ["id", "name", "status", ...table.extras.slice(0, 3).map(([c]) => c), "created_at"];
  const qcols = cols.map((c) => `${a}.${c}`).join(", ");
  const nl = rng.chance(0.6) ? "\n    " : " ";
  const tenant = (alias) =>
    leak === "missing"
      ? []
      : leak === "weak"
        ? weak(rng, alias, nl)
        : [`${nl}AND ${alias ? alias + "." : ""}tenant_id = `, P("ctx.tenantId")];
  switch (shape) {
    case "byId":
      return {
        verb: "get",
        suffix: "ById",
        returnsRows: true,
        doc: `One ${ent.camel} by id, within the caller's tenant.`,
        parts: [`SELECT ${cols.join(", ")}${nl}FROM ${t}${nl}WHERE id = `, P("id"), ...tenant("")],
      };
    case "list":
      return {
        verb: "list",
        suffix: "Page",
        returnsRows: true,
        doc: `A page of ${t}, newest first.`,
        parts: [
          `SELECT ${qcols}${nl}FROM ${t} ${a}${nl}WHERE ${a}.status <> 'archived'`,
          ...tenant(a),
          `${nl}ORDER BY ${a}.created_at DESC${nl}LIMIT `,
          P("opts.limit ?? 50"),
        ],
      };
    case "join": {
      if (!table.parent) return buildStatement(rng, schema, table, ent, "list", leak);
      const pa = `${entityNames(table.parent).alias}p`;
      return {
        verb: "list",
        suffix: "WithParent",
        returnsRows: true,
        doc: `${t} with their ${singular(table.parent.name)}.`,
        parts: [
          `SELECT ${qcols}, ${pa}.name AS parent_name${nl}FROM ${t} ${a}${nl}JOIN ${table.parent.name} ${pa} ON ${pa}.id = ${a}.${table.parentColumn} AND ${pa}.tenant_id = ${a}.tenant_id${nl}WHERE ${a}.status = `,
          P("opts.status ?? 'active'"),
          ...tenant(a),
        ],
      };
    }
    case "count":
      return {
        verb: "count",
        suffix: "ByStatus",
        returnsRows: true,
        doc: `Counts of ${t} per status for the dashboard.`,
        parts: [
          `SELECT status, count(*)::int AS n${nl}FROM ${t}${nl}WHERE created_at > now() - interval '30 days'`,
          ...tenant(""),
          `${nl}GROUP BY status`,
        ],
      };
    case "update":
      return {
        verb: "update",
        suffix: "Status",
        returnsRows: false,
        doc: `Moves a ${ent.camel} to another status.`,
        parts: [
          `UPDATE ${t}${nl}SET status = `,
          P("opts.status ?? 'active'"),
          `, updated_at = now()${nl}WHERE id = `,
          P("id"),
          ...tenant(""),
        ],
      };
    case "delete":
      return {
        verb: "delete",
        suffix: "",
        returnsRows: false,
        doc: `Deletes a ${ent.camel}.`,
        parts: [`DELETE FROM ${t}${nl}WHERE id = `, P("id"), ...tenant("")],
      };
    case "insert": {
      const withTenant = leak !== "insertMissing";
      return {
        verb: "create",
        suffix: "",
        returnsRows: true,
        doc: `Creates a ${ent.camel}.`,
        parts: [
          `INSERT INTO ${t} (${withTenant ? "tenant_id, " : ""}name, status)${nl}VALUES (`,
          ...(withTenant ? [P("ctx.tenantId"), ", "] : []),
          P("opts.q ?? 'untitled'"),
          ", ",
          P("opts.status ?? 'draft'"),
          `)${nl}RETURNING id`,
        ],
      };
    }
    case "cte":
      return {
        verb: "report",
        suffix: "Monthly",
        returnsRows: true,
        doc: `Monthly ${t} created, for the reports page.`,
        parts: [
          `WITH recent AS (\n      SELECT id, status, created_at FROM ${t}\n       WHERE created_at > now() - interval '1 year'`,
          ...tenant(""),
          `\n    )\n    SELECT date_trunc('month', created_at) AS month, status, count(*)::int AS n\n      FROM recent\n     GROUP BY 1, 2\n     ORDER BY 1`,
        ],
      };
    case "subquery": {
      if (!table.parent) return buildStatement(rng, schema, table, ent, "byId", leak);
      return {
        verb: "list",
        suffix: "OfActiveParents",
        returnsRows: true,
        doc: `${t} whose ${singular(table.parent.name)} is active.`,
        parts: [
          `SELECT ${cols.join(", ")}${nl}FROM ${t}${nl}WHERE ${table.parentColumn} IN (SELECT id FROM ${table.parent.name} WHERE status = 'active' AND tenant_id = `,
          P("ctx.tenantId"),
          ")",
          ...tenant(""),
        ],
      };
    }
    case "global": {
      const g = rng.pick(schema.globalTables);
      return {
        verb: "list",
        suffix: `Ref${pascal(g.name)}`,
        returnsRows: true,
        doc: `Reference data: ${g.name} (global).`,
        parts: [`SELECT * FROM ${g.name}${nl}ORDER BY 1${nl}LIMIT 500`],
      };
    }
    case "shared":
      return {
        verb: "list",
        suffix: "WithShared",
        returnsRows: true,
        doc: `${t} of this tenant plus the built-in ones (tenant_id NULL).`,
        parts: [
          `SELECT ${cols.join(", ")}${nl}FROM ${t}${nl}WHERE `,
          ...(leak ? ["status = 'active'"] : ["(tenant_id IS NULL OR tenant_id = ", P("ctx.tenantId"), ")"]),
        ],
      };
    case "any":
      return {
        verb: "count",
        suffix: "ForWorkspaces",
        returnsRows: true,
        doc: `Per-workspace counts for an agency user.`,
        parts: [
          `SELECT tenant_id, count(*)::int AS n${nl}FROM ${t}${nl}WHERE `,
          ...(leak ? ["true"] : ["tenant_id = ANY(", P("[ctx.tenantId]"), ")"]),
          `${nl}GROUP BY tenant_id`,
        ],
      };
    case "union":
      return {
        verb: "list",
        suffix: "Timeline",
        returnsRows: true,
        doc: `Created and updated events for the timeline.`,
        parts: [
          `SELECT id, 'created' AS kind, created_at AS at FROM ${t} WHERE tenant_id = `,
          P("ctx.tenantId"),
          `\n    UNION ALL\n    SELECT id, 'updated', updated_at FROM ${t} WHERE updated_at > created_at`,
          ...tenant(""),
          `\n    ORDER BY at DESC LIMIT 100`,
        ],
      };
    case "insertSelect":
      return {
        verb: "copy",
        suffix: "",
        returnsRows: false,
        doc: `Duplicates a ${ent.camel} as a draft.`,
        parts: [
          `INSERT INTO ${t} (tenant_id, name, status)\n    SELECT tenant_id, name || ' (copy)', 'draft'\n      FROM ${t}\n     WHERE id = `,
          P("id"),
          ...tenant(""),
        ],
      };
    default:
      throw new Error(`unknown shape ${shape}`);
  }
}

function weak(rng, alias, nl) {
  const col = `${alias ? alias + "." : ""}tenant_id`;
  return rng.weighted([
    [[`${nl}AND (`, P("ctx.tenantId"), `::uuid IS NULL OR ${col} = `, P("ctx.tenantId"), ")"], 3],
    [[`${nl}AND ${col} = `, P("ctx.tenantId"), ` OR ${alias ? alias + "." : ""}status = 'public'`], 2],
    [[`${nl}AND NOT (${col} <> `, P("ctx.tenantId"), ")"], 1],
  ]);
}

function renderCall(driver, parts, rowType, rng) {
  const text = (style) => {
    let n = 0;
    const values = [];
    const sql = parts
      .map((p) => {
        if (typeof p === "string") return p;
        values.push(p.param);
        if (style === "numbered") return `$${++n}`;
        if (style === "question") return "?";
        return `\${${p.param}}`;
      })
      .join("");
    return { sql, values };
  };
  switch (driver) {
    case "pg": {
      const { sql, values } = text("numbered");
      const quoted = sql.includes("\n") || rng.chance(0.5) ? `\`${sql}\`` : JSON.stringify(sql);
      return `(await pool.query<${rowType}>(\n    ${quoted},\n    [${values.join(", ")}],\n  )).rows`;
    }
    case "postgres":
      return `await sql<${rowType}[]>\`\n    ${text("template").sql}\``;
    case "knex": {
      const { sql, values } = text("question");
      return `(await knex.raw<{ rows: ${rowType}[] }>(\n    \`${sql}\`,\n    [${values.join(", ")}],\n  )).rows`;
    }
    case "prisma":
      return `await prisma.$queryRaw<${rowType}[]>\`\n    ${text("template").sql}\``;
    default:
      throw new Error(`unknown driver ${driver}`);
  }
}

/** A filter builder that forgets the tenant: the text built in a `let`, or concatenated in the call. */
function dynamicFunction(table, ent, driver, n, inline) {
  const client =
    driver === "knex"
      ? "knex.raw"
      : driver === "prisma"
        ? "prisma.$queryRawUnsafe"
        : driver === "postgres"
          ? "sql.unsafe"
          : "pool.query";
  const values = driver === "prisma" ? "...values" : "values";
  // Generated code: a template literal per condition, `$n` or knex's `?`.
  const placeholder = driver === "knex" ? "?" : "$${values.length}";
  const head = `/** Filter bar search over ${table.name}; filters are optional. */
export async function search${ent.pascalPlural}${n}(_ctx: TenantContext, filters: Record<string, string | undefined>) {
  const values: unknown[] = [];
  const where: string[] = [];
  for (const [column, value] of Object.entries(filters)) {
    if (value === undefined || !/^[a-z_]+$/.test(column)) continue;
    values.push(value);
    where.push(\`\${column} = ${placeholder}\`);
  }`;
  if (inline) {
    return `${head}
  const clause = where.length > 0 ? " WHERE " + where.join(" AND ") : "";
  return ${client}("SELECT id, name, status FROM ${table.name}" + clause + " ORDER BY created_at DESC LIMIT 100", ${values});
}`;
  }
  return `${head}
  let sqlText = "SELECT id, name, status FROM ${table.name}";
  if (where.length > 0) sqlText += " WHERE " + where.join(" AND ");
  sqlText += " ORDER BY created_at DESC LIMIT 100";
  return ${client}(sqlText, ${values});
}`;
}

// ---------------------------------------------------------------------------------------------
// Names

function singular(name) {
  if (name.endsWith("ies")) return name.slice(0, -3) + "y";
  if (name.endsWith("s")) return name.slice(0, -1);
  return name;
}
function pascal(snake) {
  return snake
    .split(/[_-]/)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join("");
}
function camel(snake) {
  const p = pascal(snake);
  return p[0].toLowerCase() + p.slice(1);
}
function kebab(snake) {
  return snake.replace(/_/g, "-");
}

// ---------------------------------------------------------------------------------------------

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const outDir = resolve(process.argv[2] ?? join(root, "bench", ".corpus", "raw-sql"));
  const started = performance.now();
  const stamp = generateCorpus(outDir);
  console.log(
    `generated ${stamp.tsFiles} TS files (${stamp.tsLines} lines), ${stamp.totalFiles} files in all, into ${outDir} in ${Math.round(performance.now() - started)} ms`,
  );
}

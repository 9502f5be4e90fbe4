// Generates the synthetic ORM-heavy backend the benchmark scans: ~1,500 TypeScript files of
// services, repositories and routes over six ORMs (Prisma mostly, then Drizzle, Kysely, Knex,
// TypeORM, Sequelize), with their schemas (schema.prisma, a Drizzle pgTable file, TypeORM
// entities, Sequelize models, SQL migrations for the Kysely and Knex tables). Most calls are
// scoped, some leak, and plenty of files hold no query. Each ORM owns its own tables, as each
// would own its own service in a real monorepo, so one ORM's findings never come from another's.
// Deterministic: the same seed gives the same bytes.
//
//   node bench/corpus-orm.mjs [outDir]     default: bench/.corpus/orm
//
// Also the bench/run.mjs steps that prepare the corpus and count the CLI's findings per ORM.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Bump when the generator's output changes, so stale corpora are regenerated. */
export const ORM_CORPUS_VERSION = 2;
export const ORM_DEFAULT_SEED = 20251127;
export const ORM_DEFAULT_FILES = 1500;
export const ORMS = ["prisma", "drizzle", "kysely", "knex", "typeorm", "sequelize"];
const STAMP = ".corpus-stamp.json";
const root = fileURLToPath(new URL("..", import.meta.url));
export const ORM_CORPUS_DIR = join(root, "bench", ".corpus", "orm");
const CLI = process.env.TENANTGUARD_BENCH_CLI ?? join(root, "dist", "cli.js");

// ---------------------------------------------------------------------------------------------
// bench/run.mjs steps. Each works on its own state object (`state.orm`), which the shared
// measuring steps of run.mjs (floor, CLI scan, ratio) accept in place of the raw-SQL one.

/** Generates or reuses the corpus and records it as `state.corpus`, as the raw-SQL step does. */
export async function prepareOrmCorpus(state) {
  const started = performance.now();
  const stamp = ensureOrmCorpus(ORM_CORPUS_DIR);
  const files = listFiles(ORM_CORPUS_DIR).filter((f) => f.endsWith(".ts"));
  let lines = 0;
  let bytes = 0;
  for (const f of files) {
    const text = readFileSync(f, "utf8");
    bytes += Buffer.byteLength(text);
    lines += text.split("\n").length - 1;
  }
  state.corpus = { dir: ORM_CORPUS_DIR, files, lines, bytes, injected: stamp.injectedByRule ?? {} };
  state.injectedByOrm = stamp.injectedByOrm ?? {};
  const how = stamp.generated
    ? `generated in ${Math.round(performance.now() - started)} ms`
    : "reused (delete bench/.corpus to regenerate)";
  row(
    "corpus",
    `${relative(root, ORM_CORPUS_DIR)}: ${files.length} TS files, ${lines.toLocaleString("en-US")} lines, ${(bytes / 1024 / 1024).toFixed(1)} MB; ${how}`,
  );
  row("files by ORM", JSON.stringify(stamp.filesByOrm ?? {}));
}

/**
 * A fast scan that reports nothing is not a result: one more (untimed) CLI run, its findings
 * counted per ORM by file prefix (src/<orm>/) and compared with the leaks the generator wrote.
 */
export async function checkOrmFindings(state) {
  if (!state.corpus) throw new Error("no ORM corpus (the corpus step failed)");
  const dir = mkdtempSync(join(tmpdir(), "tenantguard-bench-orm-"));
  try {
    const out = join(dir, "report.json");
    const run = spawnSync(
      process.execPath,
      [CLI, relative(root, state.corpus.dir), "--format", "json", "--output", out],
      { cwd: root, encoding: "utf8", timeout: 10 * 60 * 1000, maxBuffer: 64 * 1024 * 1024 },
    );
    if (!existsSync(out)) {
      row("summary", `n/a (exit code ${run.status}${run.signal ? `, ${run.signal}` : ""}, no report written)`);
      for (const line of (run.stderr ?? "").trim().split("\n").slice(-20)) console.log(`    ${line}`);
      return;
    }
    const report = JSON.parse(readFileSync(out, "utf8"));
    const s = report.summary ?? {};
    row(
      "summary",
      `files ${s.files}, errors ${s.errors}, warnings ${s.warnings}, infos ${s.infos}, suppressed ${s.suppressed}, durationMs ${s.durationMs}`,
    );
    const prefix = relative(root, state.corpus.dir).split("\\").join("/") + "/";
    const found = {};
    for (const f of report.findings ?? []) {
      const file = String(f.file ?? "").replace(prefix, "");
      const parts = file.split("/");
      const orm = parts[0] === "src" && ORMS.includes(parts[1]) ? parts[1] : `other (${parts.slice(0, 2).join("/")})`;
      found[orm] ??= {};
      found[orm][f.ruleId] = (found[orm][f.ruleId] ?? 0) + 1;
    }
    const total = (counts) => Object.values(counts ?? {}).reduce((a, b) => a + b, 0);
    const silent = [];
    for (const orm of [...ORMS, ...Object.keys(found).filter((k) => !ORMS.includes(k))]) {
      const injected = state.injectedByOrm?.[orm] ?? {};
      row(
        orm,
        `${total(found[orm])} findings ${JSON.stringify(found[orm] ?? {})}; injected leaks ${total(injected)} ${JSON.stringify(injected)}`,
      );
      const missed = Object.entries(injected).filter(([rule, n]) => (found[orm]?.[rule] ?? 0) < n);
      if (missed.length > 0)
        row("  missed", missed.map(([rule, n]) => `${rule}: ${found[orm]?.[rule] ?? 0} found < ${n}`).join("; "));
      if (ORMS.includes(orm) && total(found[orm]) === 0) silent.push(orm);
    }
    row("every ORM", silent.length === 0 ? "reports findings: yes" : `NO findings from ${silent.join(", ")}`);
    if (run.stderr?.trim()) {
      const lines = run.stderr.trim().split("\n");
      row("stderr", `${lines.length} lines, first: ${lines[0]}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Generation

/** Generates the corpus into `outDir` unless one of this version, seed and size is already there. */
export function ensureOrmCorpus(outDir, { seed = ORM_DEFAULT_SEED, files = ORM_DEFAULT_FILES } = {}) {
  const stampPath = join(outDir, STAMP);
  if (existsSync(stampPath)) {
    try {
      const stamp = JSON.parse(readFileSync(stampPath, "utf8"));
      if (stamp.version === ORM_CORPUS_VERSION && stamp.seed === seed && stamp.files === files)
        return { generated: false, ...stamp };
    } catch {
      // unreadable stamp: regenerate
    }
  }
  return { generated: true, ...generateOrmCorpus(outDir, { seed, files }) };
}

export function generateOrmCorpus(outDir, { seed = ORM_DEFAULT_SEED, files = ORM_DEFAULT_FILES } = {}) {
  rmSync(outDir, { recursive: true, force: true });
  const rng = createRng(seed);
  const schema = buildSchema(rng);
  let tsFiles = 0;
  let tsLines = 0;
  const write = (relPath, text) => {
    const full = join(outDir, relPath);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
    if (relPath.endsWith(".ts")) {
      tsFiles++;
      tsLines += text.split("\n").length - 1;
    }
  };

  write("tenantguard.config.json", renderConfig(schema));
  write(
    "tsconfig.json",
    JSON.stringify(
      { compilerOptions: { strict: true, target: "ES2022", experimentalDecorators: true }, include: ["src"] },
      null,
      2,
    ) + "\n",
  );
  write("prisma/schema.prisma", renderPrismaSchema(schema.prisma));
  write("src/drizzle/schema.ts", renderDrizzleSchema(schema.drizzle));
  write("db/migrations/0001_ledger.sql", renderMigration(schema.kysely));
  write("db/migrations/0002_files.sql", renderMigration(schema.knex));
  write("src/typeorm/entities/tenant-scoped.entity.ts", TENANT_SCOPED_ENTITY);
  for (const t of [...schema.typeorm.tenant, ...schema.typeorm.global])
    write(`src/typeorm/entities/${kebab(t.type)}.entity.ts`, renderTypeormEntity(t));
  for (const t of [...schema.sequelize.tenant, ...schema.sequelize.global])
    write(`src/sequelize/models/${kebab(t.type)}.model.ts`, renderSequelizeModel(t));
  for (const [path, text] of SUPPORT_FILES) write(path, text);

  const used = new Set();
  const injectedByOrm = {};
  const injectedByRule = {};
  const filesByOrm = {};
  const inject = (orm, rule) => {
    injectedByOrm[orm] ??= {};
    injectedByOrm[orm][rule] = (injectedByOrm[orm][rule] ?? 0) + 1;
    injectedByRule[rule] = (injectedByRule[rule] ?? 0) + 1;
  };
  for (let i = 0; i < files; i++) {
    const orm = rng.weighted(ORM_WEIGHTS);
    const table = rng.pick(schema[orm].tenant);
    const kind = rng.weighted(FILE_KINDS);
    const feature = rng.pick(FEATURES);
    const base = `src/${orm}/${KIND_DIRS[kind]}/${kebab(table.table)}-${feature}`;
    let path = `${base}.${kind}.ts`;
    for (let n = 2; used.has(path); n++) path = `${base}-${n}.${kind}.ts`;
    used.add(path);
    filesByOrm[orm] = (filesByOrm[orm] ?? 0) + 1;
    write(
      path,
      renderFile(rng, schema, orm, table, kind, (rule) => inject(orm, rule)),
    );
  }

  markAsRepository(outDir);
  const stamp = {
    version: ORM_CORPUS_VERSION,
    seed,
    files,
    tsFiles,
    tsLines,
    filesByOrm,
    injectedByOrm,
    injectedByRule,
  };
  writeFileSync(join(outDir, STAMP), JSON.stringify(stamp, null, 2) + "\n");
  return stamp;
}

/** Its own repository root, so the CLI does not apply this repository's .gitignore (bench/.corpus/). */
function markAsRepository(outDir) {
  const git = spawnSync("git", ["init", "--quiet", outDir], { stdio: "ignore" });
  if (git.status !== 0) mkdirSync(join(outDir, ".git"), { recursive: true });
}

// ---------------------------------------------------------------------------------------------
// Schema: each ORM's tenant-owned tables and a global one or more.

const ORM_WEIGHTS = [
  ["prisma", 40],
  ["drizzle", 15],
  ["kysely", 12],
  ["knex", 12],
  ["typeorm", 11],
  ["sequelize", 10],
];
const TABLES = {
  prisma: {
    tenant: [
      ...["customers", "contacts", "companies", "deals", "pipelines", "stages"],
      ...["orders", "order_items", "products", "product_variants", "carts", "cart_items", "coupons"],
      ...["invoices", "invoice_items", "payments", "refunds", "subscriptions"],
      ...["tickets", "ticket_comments", "attachments", "notes"],
      ...["projects", "milestones", "tasks", "time_entries", "documents", "folders"],
      ...["users", "teams", "team_members", "invitations", "api_keys", "webhooks"],
      ...["notifications", "reports"],
    ],
    global: ["plans", "countries", "currencies", "feature_flags"],
  },
  drizzle: {
    tenant: ["events", "sessions", "page_views", "funnels", "cohorts", "experiments", "variants", "segments"],
    global: ["regions"],
  },
  kysely: {
    tenant: [
      ...["ledger_accounts", "journal_entries", "journal_lines", "budgets"],
      ...["cost_centers", "vendors", "purchase_orders", "expenses"],
    ],
    global: ["fiscal_calendars"],
  },
  knex: {
    tenant: ["files", "file_versions", "shares", "share_links", "labels", "file_labels", "comments", "uploads"],
    global: ["mime_types"],
  },
  typeorm: {
    tenant: ["shipments", "parcels", "pickups", "returns", "warehouses", "stock_moves", "carrier_accounts", "slots"],
    global: ["carriers"],
  },
  sequelize: {
    tenant: ["appointments", "calendars", "rooms", "bookings", "availabilities", "reminders", "resources", "waitlists"],
    global: ["holidays"],
  },
};
/** Extra columns: SQL name, SQL type, Prisma type, TS type. */
const EXTRA_COLUMNS = [
  ["description", "text", "String?", "string | null"],
  ["amount_cents", "integer NOT NULL DEFAULT 0", "Int", "number"],
  ["owner_id", "uuid", "String?", "string | null"],
  ["priority", "integer NOT NULL DEFAULT 0", "Int", "number"],
  ["external_ref", "text", "String?", "string | null"],
  ["position", "integer NOT NULL DEFAULT 0", "Int", "number"],
];

function buildSchema(rng) {
  const schema = {};
  for (const [orm, { tenant, global }] of Object.entries(TABLES)) {
    const make = (table, owned) => ({
      table,
      type: pascal(singular(table)),
      camel: camel(singular(table)),
      variable: camel(table),
      owned,
      extras: owned ? rng.sample(EXTRA_COLUMNS, rng.int(1, 4)) : [],
    });
    schema[orm] = { tenant: tenant.map((t) => make(t, true)), global: global.map((t) => make(t, false)) };
  }
  return schema;
}

function renderConfig(schema) {
  const config = {
    tenantColumns: ["tenant_id"],
    schema: {
      migrations: ["db/migrations/*.sql"],
      prisma: ["prisma/schema.prisma"],
      drizzle: ["src/drizzle/schema.ts"],
    },
    globalTables: Object.values(schema).flatMap((s) => s.global.map((t) => t.table)),
    tenantExpression: "ctx.tenantId",
  };
  return JSON.stringify(config, null, 2) + "\n";
}

function renderPrismaSchema({ tenant, global }) {
  const out = [
    "// The core SaaS: every tenant-owned model carries tenantId (tenant_id).",
    "",
    'generator client {\n  provider = "prisma-client-js"\n}',
    "",
    'datasource db {\n  provider = "postgresql"\n  url      = env("DATABASE_URL")\n}',
    "",
  ];
  for (const t of global) {
    out.push(
      `/// Shared by every tenant.\nmodel ${t.type} {\n  id   String @id @default(uuid()) @db.Uuid\n  name String\n  code String @unique\n\n  @@map("${t.table}")\n}`,
      "",
    );
  }
  for (const t of tenant) {
    const fields = [
      ["id", "String   @id @default(uuid()) @db.Uuid"],
      ["tenantId", 'String   @map("tenant_id") @db.Uuid'],
      ["name", "String"],
      ["status", 'String   @default("active")'],
      ...t.extras.map(([col, , prismaType]) => [
        camel(col),
        `${prismaType.padEnd(8)} ${col.includes("_") ? `@map("${col}")` : ""}`.trimEnd(),
      ]),
      ["createdAt", 'DateTime @default(now()) @map("created_at")'],
    ];
    const width = Math.max(...fields.map(([f]) => f.length));
    out.push(
      `model ${t.type} {\n${fields.map(([f, d]) => `  ${f.padEnd(width)} ${d}`).join("\n")}\n\n  @@unique([id, tenantId])\n  @@index([tenantId, createdAt])\n  @@map("${t.table}")\n}`,
      "",
    );
  }
  return out.join("\n");
}

function renderDrizzleSchema({ tenant, global }) {
  const out = ['import { integer, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";', ""];
  for (const t of global) {
    out.push(
      `export const ${t.variable} = pgTable("${t.table}", {\n  id: uuid("id").primaryKey().defaultRandom(),\n  name: text("name").notNull(),\n});`,
      "",
    );
  }
  const column = ([col, sql]) =>
    `  ${camel(col)}: ${sql.startsWith("integer") ? "integer" : sql.startsWith("uuid") ? "uuid" : "text"}("${col}")${sql.includes("NOT NULL") ? ".notNull()" : ""},`;
  for (const t of tenant) {
    out.push(
      `export const ${t.variable} = pgTable("${t.table}", {
  id: uuid("id").primaryKey().defaultRandom(),
  tenantId: uuid("tenant_id").notNull(),
  name: text("name").notNull(),
  status: text("status").notNull().default("active"),
${t.extras.map(column).join("\n")}
  createdAt: timestamp("created_at").notNull().defaultNow(),
});`,
      "",
    );
  }
  return out.join("\n");
}

function renderMigration({ tenant, global }) {
  const out = [];
  for (const t of global) out.push(`CREATE TABLE ${t.table} (\n  id uuid PRIMARY KEY,\n  name text NOT NULL\n);\n`);
  for (const t of tenant) {
    const columns = [
      "id uuid PRIMARY KEY DEFAULT gen_random_uuid()",
      "tenant_id uuid NOT NULL",
      "name text NOT NULL",
      "status text NOT NULL DEFAULT 'active'",
      ...t.extras.map(([col, sql]) => `${col} ${sql}`),
      "created_at timestamptz NOT NULL DEFAULT now()",
    ];
    out.push(
      `CREATE TABLE ${t.table} (\n  ${columns.join(",\n  ")}\n);\nCREATE INDEX ${t.table}_tenant_idx ON ${t.table} (tenant_id, created_at DESC);\n`,
    );
  }
  return out.join("\n");
}

const TENANT_SCOPED_ENTITY = `import { Column, CreateDateColumn, PrimaryGeneratedColumn } from "typeorm";

/** Every tenant-owned table has these columns. */
export abstract class TenantScopedEntity {
  @PrimaryGeneratedColumn("uuid")
  id!: string;

  @Column({ name: "tenant_id", type: "uuid" })
  tenantId!: string;

  @CreateDateColumn({ name: "created_at" })
  createdAt!: Date;
}
`;

function renderTypeormEntity(t) {
  if (!t.owned) {
    return `import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";

/** Shared by every tenant. */
@Entity("${t.table}")
export class ${t.type} {
  @PrimaryGeneratedColumn("uuid")
  id!: string;

  @Column()
  name!: string;
}
`;
  }
  const extras = t.extras.map(
    ([col, , , tsType]) =>
      `  @Column({ name: "${col}", nullable: ${tsType.includes("null")} })\n  ${camel(col)}!: ${tsType};`,
  );
  return `import { Column, Entity } from "typeorm";
import { TenantScopedEntity } from "./tenant-scoped.entity";

@Entity("${t.table}")
export class ${t.type} extends TenantScopedEntity {
  @Column()
  name!: string;

  @Column({ default: "active" })
  status!: string;

${extras.join("\n\n")}
}
`;
}

function renderSequelizeModel(t) {
  const sequelizeType = (tsType) => (tsType === "number" ? "DataTypes.INTEGER" : "DataTypes.STRING");
  const extras = t.extras.map(
    ([col, , , tsType]) => `    ${camel(col)}: { type: ${sequelizeType(tsType)}, field: "${col}" },`,
  );
  return `import { DataTypes, Model } from "sequelize";
import { sequelize } from "../../db/sequelize";

${t.owned ? "" : "// Shared by every tenant.\n"}export class ${t.type} extends Model {
  declare id: string;
${t.owned ? "  declare tenantId: string;\n" : ""}  declare name: string;
  declare status: string;
}

${t.type}.init(
  {
    id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
${t.owned ? '    tenantId: { type: DataTypes.UUID, allowNull: false, field: "tenant_id" },\n' : ""}    name: { type: DataTypes.STRING, allowNull: false },
    status: { type: DataTypes.STRING, defaultValue: "active" },
${extras.join("\n")}
  },
  { sequelize, tableName: "${t.table}", underscored: true },
);
`;
}

const SUPPORT_FILES = [
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
  ["src/db/prisma.ts", `import { PrismaClient } from "@prisma/client";\n\nexport const prisma = new PrismaClient();\n`],
  [
    "src/db/drizzle.ts",
    `import { drizzle } from "drizzle-orm/node-postgres";
import { Pool } from "pg";
import * as schema from "../drizzle/schema";

export const db = drizzle(new Pool({ connectionString: process.env.DATABASE_URL }), { schema });
`,
  ],
  [
    "src/db/kysely.ts",
    `import { Kysely, PostgresDialect } from "kysely";
import { Pool } from "pg";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const database = new Kysely<any>({
  dialect: new PostgresDialect({ pool: new Pool({ connectionString: process.env.DATABASE_URL }) }),
});
`,
  ],
  [
    "src/db/knex.ts",
    `import Knex from "knex";

export const knex = Knex({ client: "pg", connection: process.env.DATABASE_URL, pool: { min: 0, max: 10 } });
`,
  ],
  [
    "src/db/sequelize.ts",
    `import { Sequelize } from "sequelize";

export const sequelize = new Sequelize(process.env.DATABASE_URL ?? "postgres://localhost/app", { logging: false });
`,
  ],
  [
    "src/db/data-source.ts",
    `import { DataSource } from "typeorm";

export const AppDataSource = new DataSource({
  type: "postgres",
  url: process.env.DATABASE_URL,
  entities: [__dirname + "/../typeorm/entities/*.entity.ts"],
});
`,
  ],
];

// ---------------------------------------------------------------------------------------------
// Files: services and repositories hold the queries, routes call services (a few query inline),
// types and utilities hold none.

const FILE_KINDS = [
  ["service", 30],
  ["repository", 25],
  ["routes", 20],
  ["types", 13],
  ["util", 12],
];
const KIND_DIRS = { service: "services", repository: "repositories", routes: "routes", types: "types", util: "utils" };
const FEATURES = [
  ...["core", "search", "export", "import", "sync", "admin", "reports", "cleanup", "notifications"],
  ...["billing", "audit", "bulk", "webhooks", "stats", "archive", "public-api", "v2", "integration"],
];
/** Share of query functions that carry a leak; the rest are scoped. */
const UNSAFE_RATE = 0.1;

function renderFile(rng, schema, orm, table, kind, inject) {
  const target = rng.int(40, 180);
  const dialect = DIALECTS[orm];
  let lastId = 0;
  const uid = () => ++lastId;
  const imports = new Set();
  const body = [];
  const count = () => body.reduce((n, block) => n + block.split("\n").length + 1, 0) + imports.size + 2;
  const queryBlock = () => {
    const unsafe = rng.chance(UNSAFE_RATE);
    const globalTable = schema[orm].global[0];
    if (!unsafe && rng.chance(0.08)) return dialect.global(globalTable, uid());
    const [rule, render] = rng.pick(unsafe ? dialect.unsafe : dialect.safe);
    if (rule) inject(rule);
    return render(table, uid());
  };

  if (kind === "types") {
    body.push(rowInterface(table));
    while (count() < target) body.push(rng.chance(0.5) ? dtoBlock(rng, table, uid()) : enumBlock(rng, table, uid()));
  } else if (kind === "util") {
    imports.add('import { ValidationError } from "../../context";');
    while (count() < target) body.push(rng.pick(UTIL_BLOCKS)(rng, table, uid()));
  } else {
    imports.add('import type { TenantContext } from "../../context";');
    if (kind === "routes") {
      imports.add('import { Router } from "express";');
      body.push(`export const ${table.variable}Routes = Router();`);
    }
    const queryShare = kind === "routes" ? 0.15 : kind === "service" ? 0.55 : 0.85;
    while (count() < target) {
      if (rng.chance(queryShare)) body.push(queryBlock());
      else if (kind === "routes") body.push(routeBlock(rng, table));
      else body.push(rng.pick(UTIL_BLOCKS)(rng, table, uid()));
    }
    const text = body.join("\n");
    for (const line of dialect.imports(text, schema[orm], table)) imports.add(line);
    if (text.includes("ValidationError")) imports.add('import { ValidationError } from "../../context";');
  }
  return [`// ${orm}/${table.table}: ${kind}`, ...[...imports].sort(), "", body.join("\n\n"), ""].join("\n");
}

// Each dialect: safe and unsafe query functions (the unsafe ones with the rule that should report
// them), a query on a global table, and the imports a file's text needs.
const fn = (t, id, params, lines) =>
  `export async function ${lines.name ?? "query"}${t.type}${id}(ctx: TenantContext${params ? `, ${params}` : ""}) {\n${lines.body}\n}`;

const DIALECTS = {
  prisma: {
    imports: () => ['import { prisma } from "../../db/prisma";'],
    global: (g, id) =>
      fn(g, id, "", {
        name: "list",
        body: `  void ctx;\n  return prisma.${g.camel}.findMany({ orderBy: { name: "asc" } });`,
      }),
    safe: [
      [
        null,
        (t, id) =>
          fn(t, id, "status?: string", {
            name: "list",
            body: `  const rows = await prisma.${t.camel}.findMany({\n    where: { tenantId: ctx.tenantId, status: status ?? "active" },\n    orderBy: { createdAt: "desc" },\n    take: 50,\n  });\n  return rows.map((row) => ({ ...row, label: \`\${row.name} (\${row.status})\` }));`,
          }),
      ],
      [
        null,
        (t, id) =>
          fn(t, id, "id: string", {
            name: "get",
            body: `  return prisma.${t.camel}.findUnique({\n    where: { id_tenantId: { id, tenantId: ctx.tenantId } },\n  });`,
          }),
      ],
      [
        null,
        (t, id) =>
          fn(t, id, "id: string", {
            name: "find",
            body: `  const found = await prisma.${t.camel}.findFirst({ where: { id, tenantId: ctx.tenantId } });\n  if (!found) throw new Error("${t.camel} not found");\n  return found;`,
          }),
      ],
      [
        null,
        (t, id) =>
          fn(t, id, "name: string", {
            name: "create",
            body: `  return prisma.${t.camel}.create({ data: { tenantId: ctx.tenantId, name } });`,
          }),
      ],
      [
        null,
        (t, id) =>
          fn(t, id, "id: string, status: string", {
            name: "setStatus",
            body: `  const { count } = await prisma.${t.camel}.updateMany({\n    where: { id, tenantId: ctx.tenantId },\n    data: { status },\n  });\n  return count === 1;`,
          }),
      ],
      [
        null,
        (t, id) =>
          fn(t, id, "status: string", {
            name: "count",
            body: `  return prisma.${t.camel}.count({ where: { tenantId: ctx.tenantId, status } });`,
          }),
      ],
      [
        null,
        (t, id) =>
          fn(t, id, "ids: string[]", {
            name: "remove",
            body: `  return prisma.$transaction(async (tx) => {\n    return tx.${t.camel}.deleteMany({ where: { id: { in: ids }, tenantId: ctx.tenantId } });\n  });`,
          }),
      ],
      // Ownership proven earlier in the function (the data-flow analysis): a row a scoped read
      // returned, and a by-id read whose tenant is checked before the row is used.
      [
        null,
        (t, id) =>
          fn(t, id, "id: string", {
            name: "archive",
            body: `  const found = await prisma.${t.camel}.findFirst({ where: { id, tenantId: ctx.tenantId } });\n  if (!found) throw new Error("${t.camel} not found");\n  return prisma.${t.camel}.update({ where: { id: found.id }, data: { status: "archived" } });`,
          }),
      ],
      [
        null,
        (t, id) =>
          fn(t, id, "id: string", {
            name: "checked",
            body: `  const row = await prisma.${t.camel}.findUnique({ where: { id } });\n  if (!row || row.tenantId !== ctx.tenantId) throw new Error("${t.camel} not found");\n  return row;`,
          }),
      ],
    ],
    unsafe: [
      [
        "missing-tenant-filter",
        (t, id) =>
          fn(t, id, "id: string", {
            name: "looselyChecked",
            body: `  const row = await prisma.${t.camel}.findUnique({ where: { id } });\n  if (row && row.tenantId !== ctx.tenantId) console.warn("cross-tenant read of ${t.camel}", id);\n  return row;`,
          }),
      ],
      [
        "missing-tenant-filter",
        (t, id) =>
          fn(t, id, "id: string", {
            name: "byId",
            body: `  void ctx;\n  return prisma.${t.camel}.findUnique({ where: { id } });`,
          }),
      ],
      [
        "missing-tenant-filter",
        (t, id) =>
          fn(t, id, "id: string, status: string", {
            name: "update",
            body: `  void ctx;\n  return prisma.${t.camel}.update({ where: { id }, data: { status } });`,
          }),
      ],
      [
        "missing-tenant-filter",
        (t, id) =>
          fn(t, id, "status: string", {
            name: "countAll",
            body: `  void ctx;\n  return prisma.${t.camel}.count({ where: { status } });`,
          }),
      ],
      [
        "missing-tenant-on-insert",
        (t, id) =>
          fn(t, id, "name: string", {
            name: "quickAdd",
            body: `  void ctx;\n  return prisma.${t.camel}.create({ data: { name } });`,
          }),
      ],
      [
        "weak-tenant-filter",
        (t, id) =>
          fn(t, id, "admin: boolean", {
            name: "recent",
            body: `  return prisma.${t.camel}.findMany({ where: admin ? {} : { tenantId: ctx.tenantId } });`,
          }),
      ],
    ],
  },
  drizzle: {
    imports: (text, { tenant, global }) => {
      const ops = ["and", "eq", "or"].filter((op) => new RegExp(`\\b${op}\\(`).test(text));
      const tables = [...tenant, ...global].map((t) => t.variable).filter((v) => new RegExp(`\\b${v}\\b`).test(text));
      return [
        ...(ops.length ? [`import { ${ops.join(", ")} } from "drizzle-orm";`] : []),
        'import { db } from "../../db/drizzle";',
        ...(tables.length ? [`import { ${tables.sort().join(", ")} } from "../schema";`] : []),
      ];
    },
    global: (g, id) => fn(g, id, "", { name: "list", body: `  void ctx;\n  return db.select().from(${g.variable});` }),
    safe: [
      [
        null,
        (t, id) =>
          fn(t, id, "status: string", {
            name: "list",
            body: `  return db\n    .select()\n    .from(${t.variable})\n    .where(and(eq(${t.variable}.tenantId, ctx.tenantId), eq(${t.variable}.status, status)));`,
          }),
      ],
      [
        null,
        (t, id) =>
          fn(t, id, "id: string", {
            name: "get",
            body: `  const [row] = await db\n    .select()\n    .from(${t.variable})\n    .where(and(eq(${t.variable}.id, id), eq(${t.variable}.tenantId, ctx.tenantId)))\n    .limit(1);\n  return row;`,
          }),
      ],
      [
        null,
        (t, id) =>
          fn(t, id, "name: string", {
            name: "create",
            body: `  const [row] = await db.insert(${t.variable}).values({ tenantId: ctx.tenantId, name }).returning();\n  return row;`,
          }),
      ],
      [
        null,
        (t, id) =>
          fn(t, id, "id: string, status: string", {
            name: "setStatus",
            body: `  await db\n    .update(${t.variable})\n    .set({ status })\n    .where(and(eq(${t.variable}.id, id), eq(${t.variable}.tenantId, ctx.tenantId)));`,
          }),
      ],
      [
        null,
        (t, id) =>
          fn(t, id, "id: string", {
            name: "remove",
            body: `  await db.delete(${t.variable}).where(and(eq(${t.variable}.id, id), eq(${t.variable}.tenantId, ctx.tenantId)));`,
          }),
      ],
    ],
    unsafe: [
      [
        "missing-tenant-filter",
        (t, id) =>
          fn(t, id, "id: string", {
            name: "byId",
            body: `  void ctx;\n  const [row] = await db.select().from(${t.variable}).where(eq(${t.variable}.id, id)).limit(1);\n  return row;`,
          }),
      ],
      [
        "missing-tenant-filter",
        (t, id) =>
          fn(t, id, "id: string", {
            name: "purge",
            body: `  void ctx;\n  await db.delete(${t.variable}).where(eq(${t.variable}.id, id));`,
          }),
      ],
      [
        "missing-tenant-on-insert",
        (t, id) =>
          fn(t, id, "name: string", {
            name: "quickAdd",
            body: `  void ctx;\n  await db.insert(${t.variable}).values({ name });`,
          }),
      ],
      [
        "weak-tenant-filter",
        (t, id) =>
          fn(t, id, "name: string", {
            name: "findByName",
            body: `  return db\n    .select()\n    .from(${t.variable})\n    .where(or(eq(${t.variable}.tenantId, ctx.tenantId), eq(${t.variable}.name, name)));`,
          }),
      ],
    ],
  },
  kysely: {
    imports: () => ['import { database } from "../../db/kysely";'],
    global: (g, id) =>
      fn(g, id, "", {
        name: "list",
        body: `  void ctx;\n  return database.selectFrom("${g.table}").selectAll().execute();`,
      }),
    safe: [
      [
        null,
        (t, id) =>
          fn(t, id, "status?: string", {
            name: "list",
            body: `  let q = database.selectFrom("${t.table}").selectAll().where("tenant_id", "=", ctx.tenantId);\n  if (status) q = q.where("status", "=", status);\n  return q.orderBy("created_at", "desc").execute();`,
          }),
      ],
      [
        null,
        (t, id) =>
          fn(t, id, "id: string", {
            name: "get",
            body: `  return database\n    .selectFrom("${t.table}")\n    .selectAll()\n    .where("id", "=", id)\n    .where("tenant_id", "=", ctx.tenantId)\n    .executeTakeFirst();`,
          }),
      ],
      [
        null,
        (t, id) =>
          fn(t, id, "name: string", {
            name: "create",
            body: `  return database\n    .insertInto("${t.table}")\n    .values({ id: crypto.randomUUID(), tenant_id: ctx.tenantId, name })\n    .returningAll()\n    .executeTakeFirstOrThrow();`,
          }),
      ],
      [
        null,
        (t, id) =>
          fn(t, id, "id: string, status: string", {
            name: "setStatus",
            body: `  await database\n    .updateTable("${t.table}")\n    .set({ status })\n    .where("id", "=", id)\n    .where("tenant_id", "=", ctx.tenantId)\n    .execute();`,
          }),
      ],
      [
        null,
        (t, id) =>
          fn(t, id, "id: string", {
            name: "remove",
            body: `  await database.deleteFrom("${t.table}").where("id", "=", id).where("tenant_id", "=", ctx.tenantId).execute();`,
          }),
      ],
    ],
    unsafe: [
      [
        "missing-tenant-filter",
        (t, id) =>
          fn(t, id, "id: string", {
            name: "byId",
            body: `  void ctx;\n  return database.selectFrom("${t.table}").selectAll().where("id", "=", id).executeTakeFirst();`,
          }),
      ],
      [
        "missing-tenant-filter",
        (t, id) =>
          fn(t, id, "id: string", {
            name: "purge",
            body: `  void ctx;\n  await database.deleteFrom("${t.table}").where("id", "=", id).execute();`,
          }),
      ],
      [
        "missing-tenant-on-insert",
        (t, id) =>
          fn(t, id, "name: string", {
            name: "quickAdd",
            body: `  void ctx;\n  await database.insertInto("${t.table}").values({ id: crypto.randomUUID(), name }).execute();`,
          }),
      ],
      [
        "weak-tenant-filter",
        (t, id) =>
          fn(t, id, "status: string", {
            name: "search",
            body: `  return database\n    .selectFrom("${t.table}")\n    .selectAll()\n    .where((eb) => eb.or([eb("tenant_id", "=", ctx.tenantId), eb("status", "=", status)]))\n    .execute();`,
          }),
      ],
    ],
  },
  knex: {
    imports: () => ['import { knex } from "../../db/knex";'],
    global: (g, id) =>
      fn(g, id, "", { name: "list", body: `  void ctx;\n  return knex("${g.table}").select("id", "name");` }),
    safe: [
      [
        null,
        (t, id) =>
          fn(t, id, "status: string", {
            name: "list",
            body: `  return knex("${t.table}").where({ tenant_id: ctx.tenantId, status }).orderBy("created_at", "desc").limit(50);`,
          }),
      ],
      [
        null,
        (t, id) =>
          fn(t, id, "id: string", {
            name: "get",
            body: `  const row = await knex("${t.table}").where({ id, tenant_id: ctx.tenantId }).first();\n  if (!row) throw new Error("${t.camel} not found");\n  return row;`,
          }),
      ],
      [
        null,
        (t, id) =>
          fn(t, id, "name: string", {
            name: "create",
            body: `  const [row] = await knex("${t.table}").insert({ tenant_id: ctx.tenantId, name }).returning("*");\n  return row;`,
          }),
      ],
      [
        null,
        (t, id) =>
          fn(t, id, "id: string, status: string", {
            name: "setStatus",
            body: `  return knex("${t.table}").where({ id, tenant_id: ctx.tenantId }).update({ status });`,
          }),
      ],
      [
        null,
        (t, id) =>
          fn(t, id, "id: string", {
            name: "remove",
            body: `  return knex("${t.table}").where("tenant_id", ctx.tenantId).andWhere("id", id).del();`,
          }),
      ],
    ],
    unsafe: [
      [
        "missing-tenant-filter",
        (t, id) =>
          fn(t, id, "id: string", {
            name: "byId",
            body: `  void ctx;\n  return knex("${t.table}").where({ id }).first();`,
          }),
      ],
      [
        "missing-tenant-filter",
        (t, id) =>
          fn(t, id, "id: string, status: string", {
            name: "update",
            body: `  void ctx;\n  return knex("${t.table}").where("id", id).update({ status });`,
          }),
      ],
      [
        "missing-tenant-on-insert",
        (t, id) =>
          fn(t, id, "name: string", {
            name: "quickAdd",
            body: `  void ctx;\n  await knex("${t.table}").insert({ name });`,
          }),
      ],
      [
        "weak-tenant-filter",
        (t, id) =>
          fn(t, id, "status: string", {
            name: "visible",
            body: `  return knex("${t.table}").where("tenant_id", ctx.tenantId).orWhere("status", status);`,
          }),
      ],
    ],
  },
  typeorm: {
    imports: (text, { tenant, global }) => {
      const used = [...tenant, ...global].filter((t) => text.includes(`getRepository(${t.type})`));
      return [
        'import { AppDataSource } from "../../db/data-source";',
        ...used.map((t) => `import { ${t.type} } from "../entities/${kebab(t.type)}.entity";`),
      ];
    },
    global: (g, id) =>
      fn(g, id, "", {
        name: "list",
        body: `  void ctx;\n  return AppDataSource.getRepository(${g.type}).find({ order: { name: "ASC" } });`,
      }),
    safe: [
      [
        null,
        (t, id) =>
          fn(t, id, "status: string", {
            name: "list",
            body: `  return AppDataSource.getRepository(${t.type}).find({\n    where: { tenantId: ctx.tenantId, status },\n    order: { createdAt: "DESC" },\n    take: 50,\n  });`,
          }),
      ],
      [
        null,
        (t, id) =>
          fn(t, id, "id: string", {
            name: "get",
            body: `  const found = await AppDataSource.getRepository(${t.type}).findOne({ where: { id, tenantId: ctx.tenantId } });\n  if (!found) throw new Error("${t.camel} not found");\n  return found;`,
          }),
      ],
      [
        null,
        (t, id) =>
          fn(t, id, "id: string, status: string", {
            name: "setStatus",
            body: `  await AppDataSource.getRepository(${t.type}).update({ id, tenantId: ctx.tenantId }, { status });`,
          }),
      ],
      [
        null,
        (t, id) =>
          fn(t, id, "status: string", {
            name: "count",
            body: `  return AppDataSource.getRepository(${t.type}).countBy({ tenantId: ctx.tenantId, status });`,
          }),
      ],
      [
        null,
        (t, id) =>
          fn(t, id, "status: string", {
            name: "byStatus",
            body: `  return AppDataSource.getRepository(${t.type})\n    .createQueryBuilder("x")\n    .where("x.tenantId = :tenantId", { tenantId: ctx.tenantId })\n    .andWhere("x.status = :status", { status })\n    .getMany();`,
          }),
      ],
    ],
    unsafe: [
      [
        "missing-tenant-filter",
        (t, id) =>
          fn(t, id, "id: string", {
            name: "byId",
            body: `  void ctx;\n  return AppDataSource.getRepository(${t.type}).findOneBy({ id });`,
          }),
      ],
      [
        "missing-tenant-filter",
        (t, id) =>
          fn(t, id, "id: string", {
            name: "purge",
            body: `  void ctx;\n  await AppDataSource.getRepository(${t.type}).delete(id);`,
          }),
      ],
      [
        "missing-tenant-on-insert",
        (t, id) =>
          fn(t, id, "name: string", {
            name: "quickAdd",
            body: `  void ctx;\n  await AppDataSource.getRepository(${t.type}).insert({ name });`,
          }),
      ],
      [
        "weak-tenant-filter",
        (t, id) =>
          fn(t, id, "status: string", {
            name: "openOr",
            body: `  return AppDataSource.getRepository(${t.type})\n    .createQueryBuilder("x")\n    .where("x.tenantId = :tenantId", { tenantId: ctx.tenantId })\n    .orWhere("x.status = :status", { status })\n    .getMany();`,
          }),
      ],
    ],
  },
  sequelize: {
    imports: (text, { tenant, global }) => {
      const used = [...tenant, ...global].filter((t) => new RegExp(`\\b${t.type}\\.\\w+\\(`).test(text));
      return [
        ...(text.includes("Op.") ? ['import { Op } from "sequelize";'] : []),
        ...used.map((t) => `import { ${t.type} } from "../models/${kebab(t.type)}.model";`),
      ];
    },
    global: (g, id) =>
      fn(g, id, "", { name: "list", body: `  void ctx;\n  return ${g.type}.findAll({ order: [["name", "ASC"]] });` }),
    safe: [
      [
        null,
        (t, id) =>
          fn(t, id, "status: string", {
            name: "list",
            body: `  return ${t.type}.findAll({ where: { tenantId: ctx.tenantId, status }, order: [["createdAt", "DESC"]], limit: 50 });`,
          }),
      ],
      [
        null,
        (t, id) =>
          fn(t, id, "id: string", {
            name: "get",
            body: `  const found = await ${t.type}.findOne({ where: { id, tenantId: ctx.tenantId } });\n  if (!found) throw new Error("${t.camel} not found");\n  return found;`,
          }),
      ],
      [
        null,
        (t, id) =>
          fn(t, id, "name: string", {
            name: "create",
            body: `  return ${t.type}.create({ tenantId: ctx.tenantId, name });`,
          }),
      ],
      [
        null,
        (t, id) =>
          fn(t, id, "id: string, status: string", {
            name: "setStatus",
            body: `  await ${t.type}.update({ status }, { where: { id, tenantId: ctx.tenantId } });`,
          }),
      ],
      [
        null,
        (t, id) =>
          fn(t, id, "id: string", {
            name: "remove",
            body: `  return ${t.type}.destroy({ where: { id, tenantId: ctx.tenantId } });`,
          }),
      ],
    ],
    unsafe: [
      [
        "missing-tenant-filter",
        (t, id) => fn(t, id, "id: string", { name: "byId", body: `  void ctx;\n  return ${t.type}.findByPk(id);` }),
      ],
      [
        "missing-tenant-filter",
        (t, id) =>
          fn(t, id, "id: string, status: string", {
            name: "update",
            body: `  void ctx;\n  await ${t.type}.update({ status }, { where: { id } });`,
          }),
      ],
      [
        "missing-tenant-on-insert",
        (t, id) =>
          fn(t, id, "name: string", { name: "quickAdd", body: `  void ctx;\n  return ${t.type}.create({ name });` }),
      ],
      [
        "weak-tenant-filter",
        (t, id) =>
          fn(t, id, "status: string", {
            name: "search",
            body: `  return ${t.type}.findAll({ where: { [Op.or]: [{ tenantId: ctx.tenantId }, { status }] } });`,
          }),
      ],
    ],
  },
};

function rowInterface(t) {
  const extras = t.extras.map(([col, , , tsType]) => `  ${camel(col)}: ${tsType};`);
  return `export interface ${t.type}Record {\n  id: string;\n  tenantId: string;\n  name: string;\n  status: string;\n${extras.join("\n")}\n  createdAt: Date;\n}`;
}

function dtoBlock(rng, t, id) {
  const verb = rng.pick(["Create", "Update", "Patch", "Import", "Export"]);
  const fields = t.extras.map(([col, , , tsType]) => `  ${camel(col)}${rng.chance(0.4) ? "?" : ""}: ${tsType};`);
  return `/** Payload for ${verb.toLowerCase()} requests on ${t.table}. */\nexport interface ${verb}${t.type}Input${id} {\n  name: string;\n${fields.join("\n")}\n}`;
}

function enumBlock(rng, t, id) {
  const values = rng.sample(["draft", "active", "pending", "closed", "archived", "failed"], rng.int(3, 6));
  return `export const ${t.type.toUpperCase()}_STATUSES_${id} = [\n${values.map((v) => `  "${v}",`).join("\n")}\n] as const;\n\nexport function is${t.type}Status${id}(value: string): boolean {\n  return (${JSON.stringify(values)} as string[]).includes(value);\n}`;
}

const UTIL_BLOCKS = [
  (rng, t, id) => `export function validate${t.type}Name${id}(name: unknown): string {
  if (typeof name !== "string") throw new ValidationError("name must be a string");
  const trimmed = name.trim();
  if (trimmed.length === 0) throw new ValidationError("name is required");
  if (trimmed.length > ${rng.int(60, 255)}) throw new ValidationError("name is too long");
  return trimmed;
}`,
  (
    rng,
    t,
    id,
  ) => `export function to${t.type}Dto${id}(row: { id: string; name: string; status: string; createdAt: Date }) {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    createdAt: row.createdAt.toISOString(),
  };
}`,
  (rng, t, id) => `/** Cursor pagination: the cursor is base64 of the last row's createdAt and id. */
export function encode${t.type}Cursor${id}(createdAt: Date, id: string): string {
  return Buffer.from(\`\${createdAt.toISOString()}|\${id}\`).toString("base64url");
}

export function decode${t.type}Cursor${id}(cursor: string): { createdAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  const createdAt = new Date(at);
  if (!id || Number.isNaN(createdAt.getTime())) throw new ValidationError("bad cursor");
  return { createdAt, id };
}`,
  (rng, t, id) => `export function ${t.variable}Csv${id}(rows: Array<Record<string, unknown>>): string {
  if (rows.length === 0) return "";
  const headers = Object.keys(rows[0]);
  const cell = (v: unknown) => {
    const s = v instanceof Date ? v.toISOString() : String(v ?? "");
    return /[",\\n]/.test(s) ? \`"\${s.replace(/"/g, '""')}"\` : s;
  };
  return [headers.join(","), ...rows.map((r) => headers.map((h) => cell(r[h])).join(","))].join("\\n");
}`,
  (rng, t, id) => `export function diff${t.type}${id}(before: Record<string, unknown>, after: Record<string, unknown>) {
  const changes: Array<{ field: string; from: unknown; to: unknown }> = [];
  for (const field of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (JSON.stringify(before[field]) !== JSON.stringify(after[field])) {
      changes.push({ field, from: before[field], to: after[field] });
    }
  }
  return changes;
}`,
];

function routeBlock(rng, t) {
  const method = rng.pick(["get", "get", "post", "patch", "delete"]);
  const path = rng.pick(["/", "/:id", "/:id/archive", "/search", "/export", "/:id/history", "/bulk"]);
  return `${t.variable}Routes.${method}("${path}", async (req, res) => {
  const ctx = (req as unknown as { ctx: TenantContext }).ctx;
  const limit = Math.min(Number(req.query.limit ?? ${rng.pick([20, 50, 100])}), 500);
  const handler = (req.app.locals.handlers as Record<string, (c: TenantContext, id: string, o: object) => Promise<unknown>>)["${t.camel}"];
  const result = await handler(ctx, req.params.id, { limit });
  if (result === undefined) {
    res.status(404).json({ error: "${t.camel} not found" });
    return;
  }
  res.json(result);
});`;
}

// ---------------------------------------------------------------------------------------------
// Randomness: mulberry32, seeded (as in corpus.mjs). Never Math.random.

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
// Helpers

function singular(name) {
  if (name.endsWith("ies")) return name.slice(0, -3) + "y";
  if (name.endsWith("sses") || name.endsWith("xes")) return name.slice(0, -2);
  if (name.endsWith("s")) return name.slice(0, -1);
  return name;
}

function pascal(snake) {
  return snake
    .split("_")
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join("");
}

function camel(snake) {
  const p = pascal(snake);
  return p[0].toLowerCase() + p.slice(1);
}

function kebab(name) {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/_/g, "-")
    .toLowerCase();
}

function listFiles(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? (e.name.startsWith(".") ? [] : listFiles(join(dir, e.name))) : [join(dir, e.name)],
    )
    .sort();
}

function row(label, value) {
  console.log(`  ${label.padEnd(13)} ${value}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outDir = resolve(process.argv[2] ?? ORM_CORPUS_DIR);
  const stamp = generateOrmCorpus(outDir);
  console.log(`${relative(process.cwd(), outDir)}: ${stamp.tsFiles} TS files, ${stamp.tsLines} lines`);
  console.log(`files by ORM: ${JSON.stringify(stamp.filesByOrm)}`);
  console.log(`injected leaks: ${JSON.stringify(stamp.injectedByOrm)}`);
}

// One document through the analyzer as the language server runs it: trouble is a value.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { before, describe, it } from "node:test";
import { loadSqlParser, type SqlParser } from "../../server/src/analyzer";
import { TextDocument } from "vscode-languageserver-textdocument";
import { findingsToDiagnostics } from "../../server/src/lsp/diagnostics";
import { analyzeText, MAX_EDITOR_FILE_CHARS } from "../../server/src/lsp/document-analysis";
import { OtherFiles } from "../../server/src/cli/analysis";
import { CallerFiles } from "../../server/src/cli/caller-files";
import { TypedPrograms } from "../../server/src/lsp/typed-programs";
import { pathToUri } from "../../server/src/lsp/workspace";
import { WorkspaceModel } from "../../server/src/lsp/workspace";
import { copyFixture, FIXTURE_APP } from "./lsp-client";

const ORDERS = join(FIXTURE_APP, "src", "orders.ts");
const ORDERS_TEXT = readFileSync(ORDERS, "utf8");

describe("analyzeText", () => {
  let parser: SqlParser;
  let workspace: WorkspaceModel;
  before(async () => {
    parser = await loadSqlParser();
    workspace = new WorkspaceModel(parser, () => undefined);
    workspace.setFolders([FIXTURE_APP]);
  });

  it("finds the leak with the config and model of the file's folder", () => {
    const result = analyzeText(ORDERS, ORDERS_TEXT, workspace, parser);
    assert.equal(result.kind, "ok");
    if (result.kind !== "ok") return;
    assert.deepEqual(
      result.findings.map((f) => [f.ruleId, f.table]),
      [["missing-tenant-filter", "orders"]],
    );
    assert.equal(result.context.config.configFile, join(FIXTURE_APP, "tenantguard.config.json"));
  });

  it("reparses an edited document incrementally to the same findings as a fresh parse", () => {
    const first = analyzeText(ORDERS, ORDERS_TEXT, workspace, parser);
    assert.equal(first.kind, "ok");
    if (first.kind !== "ok") return;
    // Fix the leak, then put it back: each step from the previous version's tree.
    const fixed = ORDERS_TEXT.replace("WHERE id = $1", "WHERE id = $1 AND tenant_id = $2");
    assert.notEqual(fixed, ORDERS_TEXT);
    const second = analyzeText(ORDERS, fixed, workspace, parser, undefined, first.sourceFile);
    assert.equal(second.kind, "ok");
    if (second.kind !== "ok") return;
    assert.equal(second.sourceFile?.text, fixed);
    assert.deepEqual(second.findings, []);
    const third = analyzeText(ORDERS, ORDERS_TEXT, workspace, parser, undefined, second.sourceFile);
    const fresh = analyzeText(ORDERS, ORDERS_TEXT, workspace, parser);
    assert.ok(third.kind === "ok" && fresh.kind === "ok");
    assert.deepEqual(
      third.findings.map((f) => [f.ruleId, f.start, f.end, f.fingerprint]),
      fresh.findings.map((f) => [f.ruleId, f.start, f.end, f.fingerprint]),
    );
  });

  it("skips files that are not TypeScript or JavaScript, and files over the editor limit", () => {
    assert.equal(analyzeText(join(FIXTURE_APP, "README.md"), "SELECT 1", workspace, parser).kind, "skipped");
    const huge = "// x\n".repeat(MAX_EDITOR_FILE_CHARS / 5 + 1);
    assert.deepEqual(analyzeText(ORDERS, huge, workspace, parser), { kind: "skipped", reason: "larger than 1 MB" });
  });

  it("skips files the CLI would not check: default excludes and the config's ignore globs", () => {
    const copy = copyFixture();
    try {
      writeFileSync(
        join(copy.dir, "tenantguard.config.json"),
        '{ "tenantColumns": ["tenant_id"], "ignore": ["src/legacy/**"] }',
      );
      const own = new WorkspaceModel(parser, () => undefined);
      own.setFolders([copy.dir]);
      for (const file of [join(copy.dir, "dist", "orders.ts"), join(copy.dir, "src", "legacy", "orders.ts")]) {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, ORDERS_TEXT);
        assert.equal(analyzeText(file, ORDERS_TEXT, own, parser).kind, "skipped", file);
      }
      assert.equal(analyzeText(join(copy.dir, "src", "orders.ts"), ORDERS_TEXT, own, parser).kind, "ok");
    } finally {
      copy.remove();
    }
  });

  it("turns an exception into a crash value instead of throwing", () => {
    const failing = new WorkspaceModel(parser, () => undefined);
    failing.contextFor = () => {
      throw new Error("model exploded");
    };
    const result = analyzeText(ORDERS, ORDERS_TEXT, failing, parser);
    assert.equal(result.kind, "crashed");
    assert.match(result.kind === "crashed" ? result.message : "", /model exploded/);
  });
});

describe("findingsToDiagnostics: where the table is tenant-owned", () => {
  it("names the parent for a table owned through it, and every level for a hierarchy", async () => {
    const parser = await loadSqlParser();
    const project = copyFixture();
    try {
      mkdirSync(join(project.dir, "db", "migrations"), { recursive: true });
      writeFileSync(
        join(project.dir, "db", "migrations", "001_hierarchy.sql"),
        `CREATE TABLE invoices (id uuid PRIMARY KEY, org_id uuid NOT NULL, project_id uuid NOT NULL);
CREATE TABLE invoice_items (id uuid PRIMARY KEY, invoice_id uuid NOT NULL REFERENCES invoices (id));\n`,
      );
      writeFileSync(
        join(project.dir, "tenantguard.config.json"),
        JSON.stringify({ tenantColumns: ["org_id", "project_id"], schema: { migrations: ["db/migrations/*.sql"] } }),
      );
      const file = join(project.dir, "src", "items.ts");
      const text = `import { pool } from "./db";
export const items = () => pool.query("SELECT * FROM invoice_items");
export const invoices = () => pool.query("SELECT * FROM invoices");
`;
      const workspace = new WorkspaceModel(parser, () => undefined);
      workspace.setFolders([project.dir]);
      const result = analyzeText(file, text, workspace, parser);
      assert.equal(result.kind, "ok");
      if (result.kind !== "ok") return;
      const document = TextDocument.create(pathToUri(file), "typescript", 1, text);
      const related = findingsToDiagnostics(result.findings, document, result.context.model).map(
        (d) => d.relatedInformation?.[0]?.message,
      );
      assert.deepEqual(related, [
        "invoice_items is tenant-owned through invoices (invoice_id -> invoices.id) here",
        "invoices is tenant-owned (org_id, project_id) here",
      ]);
    } finally {
      project.remove();
    }
  });

  it("a knex migration's backfill has no diagnostics (schema run at deploy); the same query in a source file has", async () => {
    const parser = await loadSqlParser();
    const project = copyFixture();
    try {
      mkdirSync(join(project.dir, "migrations"), { recursive: true });
      const migration = join(project.dir, "migrations", "001_init.ts");
      const text = `export async function up(knex) {
  await knex.schema.createTable("docs", (t) => { t.uuid("id").primary(); t.uuid("org_id").notNullable(); });
  await knex("docs").select("org_id");
}
`;
      writeFileSync(migration, text);
      writeFileSync(join(project.dir, "tenantguard.config.json"), JSON.stringify({ tenantColumns: ["org_id"] }));
      const workspace = new WorkspaceModel(parser, () => undefined);
      workspace.setFolders([project.dir]);
      const inMigration = analyzeText(migration, text, workspace, parser);
      assert.equal(inMigration.kind, "ok");
      assert.deepEqual(inMigration.kind === "ok" ? inMigration.findings : undefined, []);
      const source = analyzeText(join(project.dir, "src", "docs.ts"), text, workspace, parser);
      assert.deepEqual(source.kind === "ok" ? source.findings.map((f) => f.ruleId) : undefined, [
        "missing-tenant-filter",
      ]);
    } finally {
      project.remove();
    }
  });

  it("type-aware: a caller in another tsconfig's program is not taken from that program", async () => {
    const parser = await loadSqlParser();
    const project = copyFixture();
    try {
      writeFileSync(
        join(project.dir, "tsconfig.json"),
        JSON.stringify({ compilerOptions: { strict: true, noEmit: true }, include: ["src"] }),
      );
      mkdirSync(join(project.dir, "tools"));
      writeFileSync(
        join(project.dir, "tools", "tsconfig.json"),
        JSON.stringify({ compilerOptions: { strict: true, noEmit: true }, include: ["."] }),
      );
      const data = join(project.dir, "src", "orders-data.ts");
      const text = `import { pool } from "./db";

export async function cancelOrder(orderId: string) {
  await pool.query("UPDATE orders SET status = 'cancelled' WHERE id = $1", [orderId]);
}
`;
      writeFileSync(data, text);
      writeFileSync(
        join(project.dir, "tools", "cancel.ts"),
        `import { cancelOrder } from "../src/orders-data";

export async function cancelFromCli(input: { orderId: string }) {
  await cancelOrder(input.orderId);
}
`,
      );
      const workspace = new WorkspaceModel(parser, () => undefined);
      workspace.setFolders([project.dir]);
      const typed = new TypedPrograms(
        () => undefined,
        () => {},
      );
      // Which files the analysis asks a program for.
      const asked: string[] = [];
      const programs = {
        typedSource: (file: string) => (asked.push(file), typed.typedSource(file)),
      } as unknown as TypedPrograms;
      const others = new OtherFiles(() => undefined);
      const callers = new CallerFiles(workspace.sourceFilesOf(project.dir), () => undefined);
      const result = analyzeText(data, text, workspace, parser, programs, undefined, false, others, () => callers);
      assert.equal(result.kind, "ok", result.kind === "crashed" ? result.message : undefined);
      if (result.kind !== "ok") return;
      assert.equal(result.sourceFile, typed.typedSource(data)?.sourceFile, "analyzed with its program's tree");
      assert.deepEqual(
        result.findings.map((f) => f.ruleId),
        ["missing-tenant-filter"],
      );
      // The caller's own program is neither built nor asked for its tree: its nodes are not this checker's.
      assert.deepEqual(
        asked.filter((file) => file.includes("tools")),
        [],
      );
    } finally {
      project.remove();
    }
  });
});

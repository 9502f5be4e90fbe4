// The CLI in-process: everything that does not depend on what the analyzer finds.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadSqlParser } from "../../server/src/analyzer";
import { createAnalysisSession } from "../../server/src/cli/analysis";
import { parseArgs, type CliOptions } from "../../server/src/cli/args";
import { main } from "../../server/src/cli/main";
import { run, useColor } from "../../server/src/cli/run";
import { copyFixture, FIXTURES, memoryIo } from "./helpers";
import { resolveConfig } from "../../server/src/analyzer/config/load";

function cli(argv: string[]): CliOptions {
  const parsed = parseArgs(argv, "0.0.0-test");
  assert.equal(parsed.kind, "run");
  return (parsed as { options: CliOptions }).options;
}

describe("run", () => {
  it("exits 0 on a clean project and counts its files", async () => {
    const io = memoryIo(join(FIXTURES, "clean"));
    const result = await run(cli(["--format", "json"]), io, "0.0.0-test");
    assert.equal(result.exitCode, 0, io.err());
    const output = JSON.parse(io.out());
    assert.equal(output.version, 1);
    assert.deepEqual(Object.keys(output.summary), ["files", "errors", "warnings", "infos", "suppressed", "durationMs"]);
    assert.equal(output.summary.files, 1);
  });

  it("prints config errors as file:line:column: message and exits 2", async () => {
    const io = memoryIo(join(FIXTURES, "broken-config"));
    const result = await run(cli([]), io, "0.0.0-test");
    assert.equal(result.exitCode, 2);
    assert.match(io.err(), /^tenantguard\.config\.json:\d+:\d+: .+/m);
    assert.equal(io.out(), "");
  });

  it("detects the root client and its tenant wrapper when the config names no clients", async () => {
    const io = memoryIo(join(FIXTURES, "detected-clients"));
    const result = await run(cli([]), io, "0.0.0-test");
    assert.equal(result.exitCode, 1, io.err());
    assert.match(io.err(), /detected root client "pool" \(src\/db\.ts:2\) wrapped by tenant client "withTenant"/);
    // The query through `pool` carries its predicate and is still reported; the one through the wrapper is not.
    assert.match(io.out(), /3:9 +error +`pool` is an unscoped client.*unscoped-client/);
    assert.doesNotMatch(io.out(), /4:\d+ +error/);
  });

  it("exits 2 when no schema defines a table, instead of a pass that checked nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tenantguard-no-tables-"));
    try {
      writeFileSync(join(dir, "app.ts"), 'await prisma.note.deleteMany({ where: { id: "x" } });\n');
      const io = memoryIo(dir);
      const result = await run(cli([]), io, "0.0.0-test");
      assert.equal(result.exitCode, 2);
      assert.match(io.err(), /^tenantguard: no tables found, so no query can be checked \(searched the default places/);
      assert.equal(io.out(), "");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a knex migration's data backfill is schema run at deploy, not checked as a query; the app's same query is", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tenantguard-migration-backfill-"));
    try {
      mkdirSync(join(dir, "migrations"));
      mkdirSync(join(dir, "src"));
      writeFileSync(
        join(dir, "migrations", "001_init.ts"),
        `export async function up(knex) {
  await knex.schema.createTable("orgs", (t) => { t.uuid("org_id").primary(); });
  await knex.schema.createTable("docs", (t) => { t.uuid("id").primary(); t.uuid("org_id").notNullable(); });
  const orgs = await knex("docs").select("org_id");
}
`,
      );
      writeFileSync(join(dir, "src", "docs.ts"), `export const all = (knex) => knex("docs").select("org_id");\n`);
      writeFileSync(join(dir, "tenantguard.config.json"), JSON.stringify({ tenantColumns: ["org_id"] }));
      // Request code under a migrations folder (no `up`) is checked.
      mkdirSync(join(dir, "src", "migrations"));
      writeFileSync(
        join(dir, "src", "migrations", "import-docs.ts"),
        `export const importDocs = (knex) => knex("docs").select("org_id");\n`,
      );
      const io = memoryIo(dir);
      const result = await run(cli(["--format", "json"]), io, "0.0.0-test");
      assert.equal(result.exitCode, 1, io.err());
      const output = JSON.parse(io.out());
      assert.deepEqual(output.findings.map((f: { file: string; ruleId: string }) => `${f.file} ${f.ruleId}`).sort(), [
        "src/docs.ts missing-tenant-filter",
        "src/migrations/import-docs.ts missing-tenant-filter",
      ]);
      // A migration named on the command line is checked as asked.
      const named = memoryIo(dir);
      await run(cli(["migrations/001_init.ts", "--format", "json"]), named, "0.0.0-test");
      assert.deepEqual(
        JSON.parse(named.out()).findings.map((f: { file: string }) => f.file),
        ["migrations/001_init.ts"],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("zero config, `tenantguard kan` from the folder above finds the project's schema under the path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tenantguard-root-"));
    try {
      mkdirSync(join(dir, "kan", "packages", "db", "prisma"), { recursive: true });
      writeFileSync(
        join(dir, "kan", "packages", "db", "prisma", "schema.prisma"),
        "model Board {\n  id String @id\n  workspaceId String\n}\n",
      );
      writeFileSync(
        join(dir, "kan", "app.ts"),
        "export const f = (id: string) => prisma.board.delete({ where: { id } });\n",
      );
      const io = memoryIo(dir);
      const result = await run(cli(["kan"]), io, "0.0.0-test");
      assert.equal(result.exitCode, 1, io.err());
      assert.match(
        io.err(),
        /inferred tenant column "workspaceId" from 1 of 1 tables in packages\/db\/prisma\/schema\.prisma/,
      );
      assert.match(io.out(), /1:\d+ +error +prisma\.board\.delete deletes "Board" by id only/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("says which config it uses when it found one above the working directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tenantguard-above-"));
    try {
      mkdirSync(join(dir, "app", "prisma"), { recursive: true });
      writeFileSync(join(dir, "tenantguard.config.json"), JSON.stringify({ tenantColumns: ["workspaceId"] }));
      writeFileSync(
        join(dir, "app", "prisma", "schema.prisma"),
        "model Board {\n  id String @id\n  workspaceId String\n}\n",
      );
      writeFileSync(join(dir, "app", "a.ts"), "export const f = () => 1;\n");
      const above = memoryIo(join(dir, "app"));
      await run(cli([]), above, "0.0.0-test");
      assert.match(
        above.err(),
        /^tenantguard: using .*tenantguard\.config\.json \(found above the working directory\)$/m,
      );
      const here = memoryIo(dir);
      await run(cli(["app"]), here, "0.0.0-test");
      assert.doesNotMatch(here.err(), /found above/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("exits 2 when --config names a missing file", async () => {
    const io = memoryIo(join(FIXTURES, "clean"));
    assert.equal((await run(cli(["--config", "nope.json"]), io, "0.0.0-test")).exitCode, 2);
    assert.match(io.err(), /config file not found/);
  });

  it("exits 2 on a path that does not exist, without echoing a password", async () => {
    const io = memoryIo(join(FIXTURES, "clean"));
    const result = await run(cli(["src", "postgres://app:s3cret@db/prod"]), io, "0.0.0-test");
    assert.equal(result.exitCode, 2);
    assert.equal(io.err(), "tenantguard: no such file or directory: postgres://app:***@db/prod\n");
  });

  it("exits 2 when no file is left to check, saying which ignore pattern of which config took them", async () => {
    const project = copyFixture("clean");
    try {
      const config = JSON.parse(readFileSync(join(project.dir, "tenantguard.config.json"), "utf8"));
      writeFileSync(join(project.dir, "tenantguard.config.json"), JSON.stringify({ ...config, ignore: ["src/**"] }));
      const io = memoryIo(project.dir);
      const result = await run(cli(["src"]), io, "0.0.0-test");
      assert.equal(result.exitCode, 2);
      assert.match(
        io.err(),
        /nothing to check in src: its 1 source file is matched by "ignore" in .*tenantguard\.config\.json \("src\/\*\*"\)/,
      );
      assert.match(io.err(), /no file to check, so nothing was checked \(exit 2\)/);
      assert.equal(io.out(), "");
      // The project root, whose migrations the RLS checks would read: its sources ignored, it says so.
      const root = memoryIo(project.dir);
      assert.equal((await run(cli([]), root, "0.0.0-test")).exitCode, 2);
      assert.match(root.err(), /nothing to check in \.: its 1 source file is matched by "ignore"/);
      // An empty folder checks nothing either.
      mkdirSync(join(project.dir, "empty"));
      assert.equal((await run(cli(["empty"]), memoryIo(project.dir), "0.0.0-test")).exitCode, 2);
    } finally {
      project.remove();
    }
  });

  it("writes --output (creating directories) and leaves stdout empty", async () => {
    const project = copyFixture("clean");
    try {
      const io = memoryIo(project.dir);
      const result = await run(cli(["--format", "sarif", "--output", "reports/deep/tg.sarif"]), io, "0.0.0-test");
      assert.equal(result.exitCode, 0, io.err());
      assert.equal(io.out(), "");
      const log = JSON.parse(readFileSync(join(project.dir, "reports/deep/tg.sarif"), "utf8"));
      assert.equal(log.version, "2.1.0");
    } finally {
      project.remove();
    }
  });

  it("prints zero-config inference notes on stderr for stylish output only", async () => {
    const project = copyFixture("zero-config");
    try {
      const stylish = memoryIo(project.dir);
      await run(cli([]), stylish, "0.0.0-test");
      assert.match(stylish.err(), /inferred tenant column "tenant_id"/);
      // Pointed at src/, zero-config still reads the schema from the project root (the working directory).
      const pointed = memoryIo(project.dir);
      await run(cli(["src"]), pointed, "0.0.0-test");
      assert.match(pointed.err(), /inferred tenant column "tenant_id" from 1 of 3 tables in db\/migrations\/001\.sql/);
      // Machine formats keep stderr quiet and carry the notes in the report.
      const json = memoryIo(project.dir);
      await run(cli(["--format", "json"]), json, "0.0.0-test");
      assert.doesNotMatch(json.err(), /inferred/);
      const notes: string[] = JSON.parse(json.out()).notes;
      assert.deepEqual(notes, [
        'no tenantguard.config.json; inferred tenant column "tenant_id" from 1 of 3 tables in db/migrations/001.sql (confirm it in tenantguard.config.json)',
      ]);
      const sarif = memoryIo(project.dir);
      await run(cli(["--format", "sarif"]), sarif, "0.0.0-test");
      assert.doesNotMatch(sarif.err(), /inferred/);
      const notifications = JSON.parse(sarif.out()).runs[0].invocations[0].toolExecutionNotifications;
      assert.ok(
        notifications.some(
          (n: { level: string; message: { text: string } }) =>
            n.level === "note" && /inferred tenant column/.test(n.message.text),
        ),
      );
    } finally {
      project.remove();
    }
  });

  it("prints one stats line with TENANTGUARD_DEBUG_STATS=1, loading the parser once", async () => {
    const io = memoryIo(join(FIXTURES, "clean"), { TENANTGUARD_DEBUG_STATS: "1" });
    await run(cli(["--format", "json"]), io, "0.0.0-test");
    const stats = JSON.parse(io.err().trim().split("\n").at(-1)!);
    assert.deepEqual(Object.keys(stats), [
      "parserLoads",
      "threads",
      "filesPerThread",
      "workerParserLoads",
      "files",
      "durationMs",
    ]);
    assert.equal(stats.parserLoads, 1);
    assert.equal(stats.threads, 1, "one file is no reason for a second thread");
    assert.equal(stats.files, 1);
  });

  it("creates a baseline with --update-baseline, then uses it", async () => {
    const project = copyFixture("clean");
    try {
      const io = memoryIo(project.dir);
      const created = await run(cli(["--baseline", "tg-baseline.json", "--update-baseline"]), io, "0.0.0-test");
      assert.equal(created.exitCode, 0, io.err());
      assert.match(io.err(), /baseline .*tg-baseline\.json created/);
      assert.deepEqual(JSON.parse(readFileSync(join(project.dir, "tg-baseline.json"), "utf8")), {
        version: 1,
        entries: [],
      });
      const again = memoryIo(project.dir);
      const used = await run(cli(["--baseline", "tg-baseline.json", "--format", "json"]), again, "0.0.0-test");
      assert.equal(used.exitCode, 0);
      assert.equal(JSON.parse(again.out()).summary.baselined, 0);
    } finally {
      project.remove();
    }
  });

  it("exits 2 when --baseline names a missing file (a typo must not pass CI)", async () => {
    const io = memoryIo(join(FIXTURES, "clean"));
    assert.equal((await run(cli(["--baseline", "missing.json"]), io, "0.0.0-test")).exitCode, 2);
    assert.match(io.err(), /does not exist; create it with --update-baseline/);
  });

  it("skips a file over 5 MB with a warning", async () => {
    const project = copyFixture("clean");
    try {
      writeFileSync(join(project.dir, "src", "bundle.js"), "x".repeat(5 * 1024 * 1024 + 1));
      const io = memoryIo(project.dir);
      const result = await run(cli(["--format", "json"]), io, "0.0.0-test");
      assert.equal(result.exitCode, 0);
      assert.match(io.err(), /tenantguard: skipping src\/bundle\.js: larger than 5 MB/);
    } finally {
      project.remove();
    }
  });

  it("exits 2 when --project names a missing tsconfig", async () => {
    const io = memoryIo(join(FIXTURES, "clean"));
    assert.equal((await run(cli(["--project", "nope/tsconfig.json"]), io, "0.0.0-test")).exitCode, 2);
    assert.match(io.err(), /--project: .*nope\/tsconfig\.json/);
  });

  it("runs type-aware with --project", async () => {
    const io = memoryIo(join(FIXTURES, "clean"));
    const result = await run(cli(["--project", "tsconfig.json"]), io, "0.0.0-test");
    assert.equal(result.exitCode, 0, io.err());
  });
});

describe("analysis session", () => {
  it("turns an analyzer exception into a per-file result", async () => {
    const created = createAnalysisSession({
      config: resolveConfig(undefined, FIXTURES, undefined),
      model: { tables: new Map(), globalTables: new Set() },
      parser: await loadSqlParser(),
      analyzeSourceFile: () => {
        throw new Error("boom");
      },
    });
    assert.ok("session" in created);
    const file = join(FIXTURES, "clean", "src", "orders.ts");
    assert.deepEqual(created.session.analyze(file), { kind: "crashed", file, message: "boom" });
  });
});

describe("main", () => {
  it("turns a crash into a short message and exit 2, without a stack trace", async () => {
    const io = memoryIo(join(FIXTURES, "clean"));
    io.stdout.write = () => {
      throw new Error("EPIPE while writing to postgres://app:pw@db/prod");
    };
    const code = await main([], io);
    assert.equal(code, 2);
    assert.match(io.err(), /^tenantguard: internal error: EPIPE while writing to postgres:\/\/app:\*\*\*@db\/prod\n/);
    assert.match(io.err(), /please report/);
    assert.doesNotMatch(io.err(), /\n\s+at /);
  });

  it("prints the stack with TENANTGUARD_DEBUG=1", async () => {
    const io = memoryIo(join(FIXTURES, "clean"), { TENANTGUARD_DEBUG: "1" });
    io.stdout.write = () => {
      throw new Error("boom");
    };
    assert.equal(await main([], io), 2);
    assert.match(io.err(), /Error: boom\n\s+at /);
  });

  it("exits 2 on a usage error", async () => {
    const io = memoryIo(FIXTURES);
    assert.equal(await main(["--rule", "nope=off"], io), 2);
    assert.match(io.err(), /Unknown rule "nope"/);
  });
});

describe("useColor", () => {
  it("colours a terminal unless NO_COLOR; FORCE_COLOR wins", () => {
    assert.equal(useColor({ isTTY: true, write() {} }, {}), true);
    assert.equal(useColor({ isTTY: false, write() {} }, {}), false);
    assert.equal(useColor({ isTTY: true, write() {} }, { NO_COLOR: "1" }), false);
    assert.equal(useColor({ isTTY: false, write() {} }, { FORCE_COLOR: "1" }), true);
    assert.equal(useColor({ isTTY: true, write() {} }, { FORCE_COLOR: "0" }), false);
  });
});

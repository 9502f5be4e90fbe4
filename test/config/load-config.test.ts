import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CONFIG_FILE_NAME, findConfigFile, loadConfig, resolveConfig } from "../../server/src/analyzer/config/load";
import { RULES } from "../../server/src/analyzer/rules/index";
import { RULE_IDS } from "../../server/src/analyzer/types";
import { createMemoryFs } from "../helpers/memory-fs";

/** Where entity and model classes are looked for by default: under src/, in packages and apps. */
const ORM_GLOBS = ["src", "*/src", "packages/**/src", "apps/*/src", "app", "server"].flatMap((dir) =>
  [
    "**/*.entity.ts",
    "**/*-entity.ts",
    "**/entities/**/*.ts",
    "**/entity/*.ts",
    "**/models/**/*.ts",
    "**/*.model.ts",
  ].map((g) => `${dir}/${g}`),
);

describe("findConfigFile", () => {
  const fs = createMemoryFs({
    "/repo/tenantguard.config.json": "{}",
    "/repo/packages/api/src/orders.ts": "",
    "/repo/packages/web/tenantguard.config.json": "{}",
  });

  test("walks up from the start directory to the nearest config", () => {
    assert.equal(findConfigFile(fs, "/repo/packages/api/src"), "/repo/tenantguard.config.json");
    assert.equal(findConfigFile(fs, "/repo/packages/web/src"), "/repo/packages/web/tenantguard.config.json");
    assert.equal(findConfigFile(fs, "/repo"), "/repo/tenantguard.config.json");
  });

  test("returns undefined when no directory up to the root has one", () => {
    assert.equal(findConfigFile(fs, "/elsewhere/src"), undefined);
  });
});

describe("resolveConfig", () => {
  test("fills every default when there is no config", () => {
    assert.deepEqual(resolveConfig(undefined, "/repo", undefined), {
      configFile: undefined,
      rootDir: "/repo",
      tenantColumns: [],
      isolation: "row",
      schema: {
        migrations: [
          "db/migrations/**/*.sql",
          "migrations/**/*.sql",
          "prisma/migrations/**/migration.sql",
          "supabase/migrations/**/*.sql",
          "drizzle/**/*.sql",
          "sql/**/*.sql",
          "schema.sql",
          "db/schema.sql",
        ],
        prisma: [
          "prisma/schema.prisma",
          "prisma/schema/*.prisma",
          "schema.prisma",
          "packages/*/schema.prisma",
          "packages/*/prisma/schema.prisma",
          "packages/*/prisma/schema/*.prisma",
          "apps/*/prisma/schema.prisma",
        ],
        drizzle: [],
        typeorm: ORM_GLOBS,
        sequelize: ORM_GLOBS,
      },
      tables: {},
      globalTables: [],
      clients: { scoped: [], unscoped: [], allowUnscopedIn: [] },
      tenantExpression: undefined,
      authorizers: [],
      rules: {
        "missing-tenant-filter": "error",
        "weak-tenant-filter": "error",
        "missing-tenant-on-insert": "error",
        "unscoped-client": "error",
        "dynamic-sql": "info",
        "rls-missing": "error",
        "rls-policy-without-tenant": "error",
        "rls-unchecked-write": "error",
        "rls-disabled": "error",
        "rls-bypass-role": "error",
        "row-security-off": "warning",
        "rls-security-definer": "error",
        "rls-policy-fails-open": "error",
        "rls-view-bypass": "error",
        "rls-setting-per-row": "info",
        "rls-policy-leak": "error",
        "tenant-context-leak": "error",
        "tenant-schema-in-query": "error",
        "unquoted-schema-identifier": "error",
        "search-path-outside-scoped-client": "error",
        "shared-connection": "error",
        "suppression-without-reason": "warning",
        "unused-suppression": "warning",
      },
      ignore: [],
    });
  });

  test("every rule gets its default severity from the rule metadata", () => {
    const { rules } = resolveConfig(undefined, "/repo", undefined);
    assert.deepEqual(Object.keys(rules), [...RULE_IDS]);
    for (const id of RULE_IDS) assert.equal(rules[id], RULES[id].defaultSeverity);
  });

  test("config values win; a schema source left out keeps its defaults; an empty list turns it off", () => {
    const config = resolveConfig(
      {
        tenantColumns: ["org_id"],
        isolation: "rls",
        schema: { migrations: ["sql/*.sql"], drizzle: [] },
        rules: { "dynamic-sql": "off" },
      },
      "/repo",
      "/repo/tenantguard.config.json",
    );
    assert.deepEqual(config.tenantColumns, ["org_id"]);
    assert.equal(config.isolation, "rls");
    assert.deepEqual(config.schema, {
      migrations: ["sql/*.sql"],
      prisma: [
        "prisma/schema.prisma",
        "prisma/schema/*.prisma",
        "schema.prisma",
        "packages/*/schema.prisma",
        "packages/*/prisma/schema.prisma",
        "packages/*/prisma/schema/*.prisma",
        "apps/*/prisma/schema.prisma",
      ],
      drizzle: [],
      typeorm: ORM_GLOBS,
      sequelize: ORM_GLOBS,
    });
    assert.equal(config.rules["dynamic-sql"], "off");
    assert.equal(config.rules["missing-tenant-filter"], "error");
  });

  test("does not share arrays with the defaults or the input", () => {
    const input = { globalTables: ["plans"] };
    const a = resolveConfig(input, "/repo", undefined);
    a.schema.migrations.push("mutated");
    a.globalTables.push("mutated");
    assert.deepEqual(input.globalTables, ["plans"]);
    assert.ok(!resolveConfig(undefined, "/repo", undefined).schema.migrations.includes("mutated"));
  });
});

describe("loadConfig", () => {
  test("zero-config: no file is not an error, rootDir is cwd", () => {
    const { config, errors } = loadConfig(createMemoryFs({ "/repo/src/a.ts": "" }), { cwd: "/repo/src" });
    assert.deepEqual(errors, []);
    assert.equal(config.configFile, undefined);
    assert.equal(config.rootDir, "/repo/src");
  });

  test("finds the nearest config up from cwd; rootDir is its directory", () => {
    const fs = createMemoryFs({ [`/repo/${CONFIG_FILE_NAME}`]: '{ "tenantColumns": ["org_id"] }' });
    const { config, errors } = loadConfig(fs, { cwd: "/repo/src/routes" });
    assert.deepEqual(errors, []);
    assert.equal(config.configFile, "/repo/tenantguard.config.json");
    assert.equal(config.rootDir, "/repo");
    assert.deepEqual(config.tenantColumns, ["org_id"]);
  });

  test("--config relative to cwd", () => {
    const fs = createMemoryFs({ "/repo/config/tg.json": '{ "isolation": "schema" }' });
    const { config, errors } = loadConfig(fs, { cwd: "/repo", configPath: "config/tg.json" });
    assert.deepEqual(errors, []);
    assert.equal(config.configFile, "/repo/config/tg.json");
    assert.equal(config.rootDir, "/repo/config");
    assert.equal(config.isolation, "schema");
  });

  test("--config pointing at a missing file is an error", () => {
    const { errors } = loadConfig(createMemoryFs({}), { cwd: "/repo", configPath: "/repo/missing.json" });
    assert.deepEqual(errors, [{ file: "/repo/missing.json", message: "config file not found: /repo/missing.json" }]);
  });

  test("an invalid config reports its errors and still resolves the defaults", () => {
    const fs = createMemoryFs({ "/repo/tenantguard.config.json": '{\n  "isolation": "rows"\n}' });
    const { config, errors } = loadConfig(fs, { cwd: "/repo" });
    assert.deepEqual(errors, [
      {
        file: "/repo/tenantguard.config.json",
        key: "isolation",
        message: 'isolation must be one of "row", "rls", "schema", "database" (got "rows")',
        line: 2,
        column: 16,
      },
    ]);
    assert.equal(config.isolation, "row");
    assert.equal(config.configFile, "/repo/tenantguard.config.json");
  });
});

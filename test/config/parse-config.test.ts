import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseConfig } from "../../server/src/analyzer/config/load";

const FILE = "/repo/tenantguard.config.json";

/** The one error a config text produces, without the file (always FILE). */
function onlyError(text: string) {
  const { config, errors } = parseConfig(text, FILE);
  assert.equal(config, undefined);
  assert.equal(errors.length, 1, JSON.stringify(errors, null, 2));
  assert.equal(errors[0].file, FILE);
  const { message, key, line, column } = errors[0];
  return { message, key, line, column };
}

describe("parseConfig", () => {
  test("accepts the example from DESIGN.md", () => {
    const text = JSON.stringify(
      {
        $schema: "./node_modules/tenantguard/schema.json",
        tenantColumns: ["tenant_id"],
        isolation: "row",
        schema: {
          migrations: ["db/migrations/**/*.sql"],
          prisma: ["prisma/schema.prisma"],
          drizzle: ["src/db/schema.ts"],
        },
        tables: { invoices: { tenantColumn: "org_id" } },
        globalTables: ["plans", "countries"],
        clients: {
          scoped: ["tenantDb", "getTenantDb", "withTenant"],
          unscoped: ["prisma", "pool", "db"],
          allowUnscopedIn: ["scripts/**", "src/admin/**"],
        },
        tenantExpression: "ctx.tenantId",
        rules: { "dynamic-sql": "off" },
        ignore: ["**/*.test.ts"],
      },
      null,
      2,
    );
    const { config, errors } = parseConfig(text, FILE);
    assert.deepEqual(errors, []);
    assert.deepEqual(config?.tables, { invoices: { tenantColumn: "org_id" } });
    assert.equal(config?.rules?.["dynamic-sql"], "off");
  });

  test("accepts an empty object, with or without a byte order mark", () => {
    assert.deepEqual(parseConfig("{}", FILE), { config: {}, errors: [] });
    assert.deepEqual(parseConfig("\uFEFF{}\n", FILE), { config: {}, errors: [] });
  });

  const cases: { name: string; text: string; expected: ReturnType<typeof onlyError> }[] = [
    {
      name: "JSON syntax error (missing comma) with its position",
      text: '{\n  "isolation": "row"\n  "ignore": []\n}',
      expected: { message: "JSON syntax error: comma expected", key: undefined, line: 3, column: 3 },
    },
    {
      name: "trailing comma",
      text: '{\n  "ignore": ["a",]\n}',
      expected: {
        message: "JSON syntax error: value expected (trailing commas are not allowed)",
        key: undefined,
        line: 2,
        column: 18,
      },
    },
    {
      name: "comments (the config is plain JSON)",
      text: '{\n  // why\n  "isolation": "row"\n}',
      expected: {
        message: "JSON syntax error: comments are not allowed in tenantguard.config.json (it is plain JSON)",
        key: undefined,
        line: 2,
        column: 3,
      },
    },
    {
      name: "empty file",
      text: "",
      expected: { message: "the config file is empty; it must hold a JSON object", key: undefined, line: 1, column: 1 },
    },
    {
      name: "a trailing comma in an object",
      text: '{\n  "isolation": "row",\n}',
      expected: {
        message: "JSON syntax error: property name expected (trailing commas are not allowed)",
        key: undefined,
        line: 3,
        column: 1,
      },
    },
    {
      name: "not an object",
      text: '["tenant_id"]',
      expected: { message: "the config must be an object", key: undefined, line: 1, column: 1 },
    },
    {
      name: "wrong type inside an array",
      text: '{\n  "clients": {\n    "scoped": ["tenantDb", 42]\n  }\n}',
      expected: { message: "clients.scoped[1] must be a string", key: "clients.scoped[1]", line: 3, column: 28 },
    },
    {
      name: "wrong type for a whole key",
      text: '{ "tenantColumns": "tenant_id" }',
      expected: { message: "tenantColumns must be an array", key: "tenantColumns", line: 1, column: 20 },
    },
    {
      name: "empty tenantColumns",
      text: '{ "tenantColumns": [] }',
      expected: { message: "tenantColumns must not be empty", key: "tenantColumns", line: 1, column: 20 },
    },
    {
      name: "unknown key with a suggestion, pointing at the key",
      text: '{\n  "tenantColumn": ["tenant_id"]\n}',
      expected: {
        message: 'unknown key "tenantColumn" — did you mean "tenantColumns"?',
        key: "tenantColumn",
        line: 2,
        column: 3,
      },
    },
    {
      name: "unknown nested key",
      text: '{\n  "clients": { "scopd": [] }\n}',
      expected: {
        message: 'unknown key "scopd" in clients — did you mean "scoped"?',
        key: "clients.scopd",
        line: 2,
        column: 16,
      },
    },
    {
      name: "unknown key in a table override",
      text: '{ "tables": { "billing.invoices": { "column": "org_id" } } }',
      expected: {
        message:
          'unknown key "column" in tables["billing.invoices"]; known keys: tenantColumn, global, shareKeys, references',
        key: 'tables["billing.invoices"].column',
        line: 1,
        column: 37,
      },
    },
    {
      name: "bad enum",
      text: '{\n  "isolation": "tenant"\n}',
      expected: {
        message: 'isolation must be one of "row", "rls", "schema", "database" (got "tenant")',
        key: "isolation",
        line: 2,
        column: 16,
      },
    },
    {
      name: "bad rule id",
      text: '{ "rules": { "dynamic-sqll": "off" } }',
      expected: {
        message: 'unknown rule "dynamic-sqll" in rules — did you mean "dynamic-sql"?',
        key: "rules.dynamic-sqll",
        line: 1,
        column: 14,
      },
    },
    {
      name: "bad rule severity",
      text: '{ "rules": { "dynamic-sql": "warn" } }',
      expected: {
        message: 'rules.dynamic-sql must be one of "off", "info", "warning", "error" (got "warn")',
        key: "rules.dynamic-sql",
        line: 1,
        column: 29,
      },
    },
    {
      name: "duplicate key",
      text: '{\n  "isolation": "row",\n  "isolation": "rls"\n}',
      expected: {
        message: 'duplicate key "isolation": the last one would silently win',
        key: "isolation",
        line: 3,
        column: 3,
      },
    },
  ];
  for (const { name, text, expected } of cases) {
    test(`reports ${name}`, () => assert.deepEqual(onlyError(text), expected));
  }

  test("reports every error at once, each at its own position", () => {
    const { errors } = parseConfig('{\n  "isolation": 1,\n  "ignore": [true]\n}', FILE);
    assert.deepEqual(
      errors.map(({ key, line, column }) => ({ key, line, column })),
      [
        { key: "isolation", line: 2, column: 16 },
        { key: "ignore[0]", line: 3, column: 14 },
      ],
    );
  });
});

describe("tables.<t>.references", () => {
  test("declared foreign keys are accepted", () => {
    const { errors } = parseConfig(
      JSON.stringify({ tables: { webhooks: { tenantColumn: "env_id", references: { env_id: "environments.id" } } } }),
      FILE,
    );
    assert.deepEqual(errors, []);
  });

  test("a reference that names no column is an error at its key", () => {
    const error = onlyError(`{
  "tables": {
    "webhooks": { "references": { "env_id": "environments" } }
  }
}`);
    assert.equal(error.key, "tables.webhooks.references.env_id");
    assert.equal(error.line, 3);
  });
});

describe("tables.<t>.shareKeys", () => {
  test("a list of columns is accepted", () => {
    const { errors } = parseConfig(JSON.stringify({ tables: { polls: { shareKeys: ["id", "url_id"] } } }), FILE);
    assert.deepEqual(errors, []);
  });

  test("a single string, or an empty name, is an error at its key", () => {
    assert.equal(onlyError(`{ "tables": { "polls": { "shareKeys": "id" } } }`).key, "tables.polls.shareKeys");
    const error = onlyError(`{
  "tables": {
    "polls": { "shareKeys": ["id", ""] }
  }
}`);
    assert.equal(error.key, "tables.polls.shareKeys[1]");
    assert.equal(error.line, 3);
  });
});

// Code actions and config-error ranges of the language server, from the sources: a snippet
// in, the edited text out.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import ts from "typescript";
import { TextDocument } from "vscode-languageserver-textdocument";
import type { CodeAction } from "vscode-languageserver/node";
import { analyzeSourceFile, type SqlParser } from "../../server/src/analyzer";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import { codeActionsFor, REASON_PLACEHOLDER, REVEAL_REASON_COMMAND } from "../../server/src/lsp/code-actions";
import { inputErrorToDiagnostic } from "../../server/src/lsp/diagnostics";
import { sqlParser, testModel } from "../helpers/sql";

const FILE = "/p/src/orders.ts";
const URI = "file:///p/src/orders.ts";
const CONFIG = "/p/tenantguard.config.json";
const CONFIG_URI = "file:///p/tenantguard.config.json";

let parser: SqlParser;
before(async () => {
  parser = await sqlParser();
});

function actionsFor(
  text: string,
  configText = '{\n  "tenantColumns": ["tenant_id"]\n}\n',
  only?: string[],
  clients?: { scoped: string[]; unscoped: string[]; allowUnscopedIn: string[] },
): { actions: CodeAction[]; document: TextDocument } {
  const document = TextDocument.create(URI, "typescript", 1, text);
  const sourceFile = ts.createSourceFile(FILE, text, ts.ScriptTarget.Latest, true);
  const config = resolveConfig({ tenantColumns: ["tenant_id"], ...(clients ? { clients } : {}) }, "/p", CONFIG);
  const findings = analyzeSourceFile({
    ts,
    sourceFile,
    config,
    model: testModel(),
    parser,
    relativePath: "src/orders.ts",
  });
  const actions = codeActionsFor({
    document,
    findings,
    sourceFile,
    tsm: ts,
    range: { start: { line: 0, character: 0 }, end: document.positionAt(text.length) },
    diagnostics: [],
    only,
    config: { file: CONFIG, text: configText },
  });
  return { actions, document };
}

function applied(text: string, action: CodeAction | undefined, uri = URI): string {
  assert.ok(action, "the action is offered");
  return TextDocument.applyEdits(TextDocument.create(uri, "typescript", 1, text), action.edit!.changes![uri]);
}

describe("suppress with a reason", () => {
  const cases = [
    {
      name: "goes above the statement, indented like it, inside nested blocks",
      text: 'async function f(id: string) {\n  if (id) {\n    const rows = await pool.query(\n      "SELECT * FROM orders WHERE id = $1",\n      [id],\n    );\n  }\n}\n',
      line: 2,
      expected: `    // tenantguard-ignore-next-line missing-tenant-filter -- ${REASON_PLACEHOLDER}`,
    },
    {
      name: "keeps CRLF line endings",
      text: 'async function f(id: string) {\r\n\treturn pool.query("SELECT * FROM orders WHERE id = $1", [id]);\r\n}\r\n',
      line: 1,
      expected: `\t// tenantguard-ignore-next-line missing-tenant-filter -- ${REASON_PLACEHOLDER}\r`,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { actions } = actionsFor(c.text);
      const suppress = actions.find((a) => a.title === "Suppress missing-tenant-filter with a reason");
      assert.equal(applied(c.text, suppress).split("\n")[c.line], c.expected);
    });
    it(`${c.name}: the command puts the cursor on the reason`, () => {
      const { actions } = actionsFor(c.text);
      const suppress = actions.find((a) => a.title === "Suppress missing-tenant-filter with a reason");
      assert.equal(suppress?.command?.command, REVEAL_REASON_COMMAND);
      const [uri, position] = suppress!.command!.arguments as [string, { line: number; character: number }];
      assert.equal(uri, URI);
      const after = TextDocument.create(URI, "typescript", 2, applied(c.text, suppress));
      assert.ok(after.getText().slice(after.offsetAt(position)).startsWith(REASON_PLACEHOLDER));
    });
  }
  it("the analyzer's suppression fix (unscoped-client) carries the command at the end of its comment", () => {
    const text =
      'import { Pool } from "pg";\nconst pool = new Pool();\nexport async function f(tenantId: string) {\n  return pool.query("SELECT * FROM orders WHERE tenant_id = $1", [tenantId]);\n}\n';
    const { actions } = actionsFor(text, undefined, undefined, {
      scoped: ["withTenant"],
      unscoped: ["pool"],
      allowUnscopedIn: [],
    });
    const suppress = actions.filter((a) => a.title === "Suppress unscoped-client with a reason");
    assert.ok(suppress.length > 0, "offered");
    for (const action of suppress) {
      const [, position] = action.command!.arguments as [string, { line: number; character: number }];
      const line = applied(text, action).split("\n")[position.line];
      assert.match(line.slice(0, position.character), /^ {2}\/\/ tenantguard-ignore-next-line unscoped-client -- $/);
    }
  });
});

describe("unused suppressions", () => {
  it("offers to delete the comment line", () => {
    const text = [
      "async function f(tenantId: string) {",
      "  // tenantguard-ignore-next-line missing-tenant-filter -- nothing here leaks any more",
      '  return pool.query("SELECT * FROM orders WHERE tenant_id = $1", [tenantId]);',
      "}",
      "",
    ].join("\n");
    const { actions } = actionsFor(text);
    const remove = actions.find((a) => a.title === "Remove the unused tenantguard-ignore comment");
    assert.equal(remove?.isPreferred, true);
    assert.equal(applied(text, remove), text.replace(/ {2}\/\/ tenantguard-ignore[^\n]*\n/, ""));
  });
});

describe("add the table to globalTables", () => {
  const text = 'const q = (id: string) => pool.query("SELECT * FROM orders WHERE id = $1", [id]);\n';
  const cases = [
    {
      name: "adds the key on its own line when the config has none",
      config: '{\n  "tenantColumns": ["tenant_id"]\n}\n',
      expected: '{\n  "tenantColumns": ["tenant_id"],\n  "globalTables": ["orders"]\n}\n',
    },
    {
      name: "appends to an existing list",
      config: '{\n    "tenantColumns": ["tenant_id"],\n    "globalTables": ["plans"]\n}\n',
      expected: '{\n    "tenantColumns": ["tenant_id"],\n    "globalTables": ["plans", "orders"]\n}\n',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { actions } = actionsFor(text, c.config);
      const add = actions.find((a) => a.title === "Add `orders` to globalTables in tenantguard.config.json");
      assert.equal(applied(c.config, add, CONFIG_URI), c.expected);
    });
  }

  it("is not offered when the table is listed already", () => {
    const { actions } = actionsFor(text, '{ "globalTables": ["ORDERS"] }');
    assert.equal(actions.filter((a) => a.title.startsWith("Add `orders`")).length, 0);
  });
});

describe("fix all", () => {
  it("applies every safe fix in the file in one edit", () => {
    const text = [
      "async function a(id: string, tenantId: string) {",
      '  return pool.query("SELECT * FROM orders WHERE id = $1", [id]);',
      "}",
      "async function b(id: string, tenantId: string) {",
      '  return pool.query("DELETE FROM invoices WHERE id = $1", [id]);',
      "}",
      "",
    ].join("\n");
    const { actions } = actionsFor(text, undefined, ["source.fixAll"]);
    assert.deepEqual(
      actions.map((a) => a.title),
      ["Fix all tenantguard issues in file"],
    );
    assert.deepEqual(
      applied(text, actions[0])
        .split("\n")
        .filter((l) => l.includes("pool.query")),
      [
        '  return pool.query("SELECT * FROM orders WHERE id = $1 AND orders.tenant_id = $2", [id, tenantId]);',
        '  return pool.query("DELETE FROM invoices WHERE id = $1 AND invoices.tenant_id = $2", [id, tenantId]);',
      ],
    );
  });

  it("is not offered when no fix is safe", () => {
    const { actions } = actionsFor('pool.query("SELECT * FROM orders");\n', undefined, ["source.fixAll"]);
    assert.deepEqual(actions, []);
  });
});

describe("config errors as diagnostics", () => {
  const config = '{\n  "tenantColumns": ["tenant_id"],\n  "globalTables": [1],\n  "bogus": true\n}\n';
  const cases = [
    {
      name: "a wrong value spans the value",
      error: { line: 3, column: 20, message: "globalTables[0] must be a string" },
      range: [2, 19, 2, 20],
    },
    {
      name: "an unknown key spans the key",
      error: { line: 4, column: 3, message: 'unknown key "bogus"' },
      range: [3, 2, 3, 9],
    },
    { name: "an error without a position sits at the start", error: { message: "cannot read" }, range: [0, 0, 0, 1] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { range, message, severity } = inputErrorToDiagnostic({ file: CONFIG, ...c.error }, config);
      assert.deepEqual([range.start.line, range.start.character, range.end.line, range.end.character], c.range);
      assert.equal(message, c.error.message);
      assert.equal(severity, 1);
    });
  }

  it("a schema error in a migration spans the rest of its line", () => {
    const sql = "CREATE TABLE orders (\n  id uuid,,\n);\n";
    const { range } = inputErrorToDiagnostic(
      { file: "/p/db/migrations/001.sql", line: 2, column: 10, message: "syntax error" },
      sql,
    );
    assert.deepEqual(range, { start: { line: 1, character: 9 }, end: { line: 1, character: 11 } });
  });
});

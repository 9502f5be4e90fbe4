// Tenant hierarchies and ownership through a parent, on SQL: every leak next to its safe twin.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import ts from "typescript";
import { resolveConfig } from "../../../server/src/analyzer/config/load";
import { discoverTenantModel } from "../../../server/src/analyzer/model/discover";
import type { TenantModel } from "../../../server/src/analyzer/model/types";
import { ClauseTokens } from "../../../server/src/analyzer/sql/clauses";
import type { SqlParser } from "../../../server/src/analyzer/sql/parse";
import { checkSqlScoping, type SqlIssue, type SqlProof } from "../../../server/src/analyzer/sql/scope";
import { createMemoryFs } from "../../helpers/memory-fs";
import { sqlParser } from "../../helpers/sql";

/** Organisation > project; invoice_items owned through invoices, item_notes through invoice_items. */
const MIGRATION = `
CREATE TABLE orgs (id uuid PRIMARY KEY, name text);
CREATE TABLE projects (id uuid PRIMARY KEY, org_id uuid NOT NULL REFERENCES orgs (id), name text);
CREATE TABLE tasks (id uuid PRIMARY KEY, org_id uuid NOT NULL, project_id uuid NOT NULL REFERENCES projects (id), title text);
CREATE TABLE builds (id uuid PRIMARY KEY, project_id uuid NOT NULL REFERENCES projects, status text);
CREATE TABLE invoices (id uuid PRIMARY KEY, org_id uuid NOT NULL, total int);
CREATE TABLE invoice_items (id uuid PRIMARY KEY, invoice_id uuid NOT NULL, amount int);
ALTER TABLE invoice_items ADD CONSTRAINT items_invoice FOREIGN KEY (invoice_id) REFERENCES invoices (id);
CREATE TABLE item_notes (id uuid PRIMARY KEY, item_id uuid NOT NULL REFERENCES invoice_items (id), body text);
CREATE TABLE attachments (id uuid PRIMARY KEY, invoice_id uuid REFERENCES invoices (id), url text);
ALTER TABLE projects ADD COLUMN last_task_id uuid REFERENCES tasks (id);
`;

let parser: SqlParser;
let model: TenantModel;
before(async () => {
  parser = await sqlParser();
  const fs = createMemoryFs({ "/p/db/migrations/001.sql": MIGRATION });
  const config = resolveConfig(
    { tenantColumns: ["org_id", "project_id"], schema: { migrations: ["db/migrations/*.sql"] } },
    "/p",
    undefined,
  );
  model = discoverTenantModel(fs, config, parser, ts).model;
});

function check(sql: string, proofs?: SqlProof[]): SqlIssue[] {
  const parsed = parser.parse(sql);
  if ("error" in parsed) throw new Error(`test SQL does not parse: ${parsed.error.message}: ${sql}`);
  return checkSqlScoping(sql, parsed, new ClauseTokens(() => parser.scan(sql)), {
    model,
    ...(proofs ? { proofs } : {}),
  });
}

/** rule, table, the underlined text. */
const found = (sql: string) => check(sql).map((i) => [i.ruleId, i.table, sql.slice(i.start, i.end)]);

describe("the model: hierarchy columns and ownership through a parent", () => {
  test("a table's tenant columns are every configured column it has; its own level is the narrowest", () => {
    const t = (name: string) => model.tables.get(name);
    assert.deepEqual([t("tasks")?.tenantColumn, t("tasks")?.tenantColumns], ["project_id", ["org_id", "project_id"]]);
    assert.deepEqual([t("builds")?.tenantColumn, t("builds")?.tenantColumns], ["project_id", undefined]);
    assert.equal(t("projects")?.tenantColumn, "org_id");
  });

  test("a child with no tenant column and a NOT NULL foreign key is owned through its parent, to any depth", () => {
    assert.deepEqual(model.tables.get("invoice_items")?.owner, {
      column: "invoice_id",
      parent: "invoices",
      parentColumn: "id",
    });
    assert.deepEqual(model.tables.get("item_notes")?.owner, {
      column: "item_id",
      parent: "invoice_items",
      parentColumn: "id",
    });
  });

  test("a nullable foreign key proves nothing: the child stays global; a global parent owns nothing", () => {
    assert.equal(model.tables.get("attachments"), undefined);
    assert.ok(model.globalTables.has("attachments"));
    assert.ok(model.globalTables.has("orgs"));
  });

  test("a hierarchy key that is a foreign key carries the parent's scope (builds.project_id -> projects.id)", () => {
    assert.deepEqual(model.tables.get("builds")?.parents, [
      { column: "project_id", parent: "projects", parentColumn: "id" },
    ]);
    assert.equal(model.tables.get("tasks")?.parents?.[0]?.parent, "projects");
  });
});

describe("hierarchy: a predicate at any level the table has scopes it", () => {
  const cases: [string, string, string[][]][] = [
    ["project-level table by project_id", "SELECT * FROM builds WHERE project_id = $1", []],
    [
      "project-level table by id only",
      "SELECT * FROM builds WHERE id = $1",
      [["missing-tenant-filter", "builds", "builds"]],
    ],
    ["two-level table by the broad column", "SELECT * FROM tasks WHERE org_id = $1", []],
    ["two-level table by the narrow column", "SELECT * FROM tasks t WHERE t.project_id = $1", []],
    [
      "two-level table by neither",
      "SELECT * FROM tasks t WHERE t.title = $1",
      [["missing-tenant-filter", "tasks", "tasks"]],
    ],
    [
      "a project-level table through its scoped project",
      "SELECT b.* FROM builds b JOIN projects p ON p.id = b.project_id WHERE p.org_id = $1",
      [],
    ],
    [
      // Each row names the other (a hierarchy key and a plain foreign key): one is still reported.
      "a task and its project naming each other, neither scoped",
      "SELECT * FROM tasks t JOIN projects p ON p.id = t.project_id AND p.last_task_id = t.id WHERE t.title = $1",
      [["missing-tenant-filter", "projects", "projects"]],
    ],
    [
      // One finding: scoping builds (its project_id) scopes the project it names too.
      "an unscoped project-level table joined to its project",
      "SELECT b.* FROM builds b JOIN projects p ON p.id = b.project_id WHERE b.status = 'ok'",
      [["missing-tenant-filter", "builds", "builds"]],
    ],
    [
      // builds.project_id -> projects.id makes projects the project level: its id scopes it there.
      "a level table by its own key",
      "SELECT * FROM projects WHERE id = $1",
      [],
    ],
    [
      "twin: a level table by another column",
      "SELECT * FROM projects WHERE name = $1",
      [["missing-tenant-filter", "projects", "projects"]],
    ],
    [
      "twin: a table no narrower level points to is not scoped by its id",
      "SELECT * FROM invoices WHERE id = $1",
      [["missing-tenant-filter", "invoices", "invoices"]],
    ],
    [
      "a scoped child pins the parent its own tenant column names",
      "SELECT * FROM builds b JOIN projects p ON p.id = b.project_id WHERE b.project_id = $1",
      [],
    ],
    [
      "the same through a two-level child scoped by its broad column",
      "SELECT t.title, p.name FROM tasks t JOIN projects p ON p.id = t.project_id WHERE t.org_id = $1",
      [],
    ],
    [
      "twin: a parent joined on a column that is no tenant key",
      "SELECT * FROM tasks t JOIN projects p ON p.name = t.title WHERE t.project_id = $1",
      [["missing-tenant-filter", "projects", "projects"]],
    ],
    [
      "twin: a child scoped only through its parent does not scope that parent in return",
      "SELECT * FROM invoice_items ii JOIN invoices i ON i.id = ii.invoice_id WHERE ii.amount > 0",
      [
        ["missing-tenant-filter", "invoice_items", "invoice_items"],
        ["missing-tenant-filter", "invoices", "invoices"],
      ],
    ],
    [
      "a tenant-column join between levels",
      "SELECT * FROM tasks t JOIN projects p ON p.org_id = t.org_id WHERE p.org_id = $1",
      [],
    ],
    [
      "OR of levels is weak",
      "SELECT * FROM tasks WHERE org_id = $1 OR title = 'x'",
      [["weak-tenant-filter", "tasks", "tasks"]],
    ],
  ];
  for (const [name, sql, expected] of cases) test(name, () => assert.deepEqual(found(sql), expected));

  test("the fix adds the table's own (narrowest) column", () => {
    const [issue] = check("SELECT * FROM tasks t WHERE t.title = $1");
    assert.equal(
      issue.message,
      'Query reads "tasks" without a tenant predicate: it returns every tenant\'s rows. Add `t.project_id = <tenant>` to its WHERE clause.',
    );
    assert.equal(issue.fix?.kind === "add-predicate" && issue.fix.column, "t.project_id");
  });
});

describe("a child owned through its parent: scoped only through a scoped parent", () => {
  const ITEMS = ["missing-tenant-filter", "invoice_items", "invoice_items"];
  const INVOICES = ["missing-tenant-filter", "invoices", "invoices"];
  const cases: [string, string, string[][]][] = [
    [
      "joined to its scoped parent (ON)",
      "SELECT ii.* FROM invoice_items ii JOIN invoices i ON i.id = ii.invoice_id WHERE i.org_id = $1",
      [],
    ],
    [
      "joined to its scoped parent, the equality written the other way round",
      "SELECT ii.* FROM invoice_items ii JOIN invoices i ON ii.invoice_id = i.id AND i.org_id = $1",
      [],
    ],
    [
      "joined in WHERE (comma join)",
      "SELECT ii.* FROM invoice_items ii, invoices i WHERE ii.invoice_id = i.id AND i.org_id = $1",
      [],
    ],
    [
      "joined to an unscoped parent",
      "SELECT ii.* FROM invoice_items ii JOIN invoices i ON i.id = ii.invoice_id WHERE ii.amount > 0",
      [ITEMS, INVOICES],
    ],
    [
      "joined on the wrong column",
      "SELECT ii.* FROM invoice_items ii JOIN invoices i ON i.id = ii.id WHERE i.org_id = $1",
      [ITEMS],
    ],
    ["not joined at all", "SELECT * FROM invoice_items WHERE id = $1", [ITEMS]],
    [
      "IN a subquery on the scoped parent",
      "SELECT * FROM invoice_items WHERE invoice_id IN (SELECT id FROM invoices WHERE org_id = $1)",
      [],
    ],
    [
      "IN a subquery on an unscoped parent",
      "SELECT * FROM invoice_items WHERE invoice_id IN (SELECT id FROM invoices WHERE total > 0)",
      [INVOICES, ITEMS],
    ],
    [
      "IN a subquery that selects another column",
      "SELECT * FROM invoice_items WHERE invoice_id IN (SELECT org_id FROM invoices WHERE org_id = $1)",
      [ITEMS],
    ],
    [
      "EXISTS on the scoped parent",
      "SELECT * FROM invoice_items ii WHERE EXISTS (SELECT 1 FROM invoices i WHERE i.id = ii.invoice_id AND i.org_id = $1)",
      [],
    ],
    [
      "EXISTS on an unscoped parent",
      "SELECT * FROM invoice_items ii WHERE EXISTS (SELECT 1 FROM invoices i WHERE i.id = ii.invoice_id)",
      [INVOICES, ITEMS],
    ],
    [
      "a correlated subquery reads the children of an outer scoped parent",
      "SELECT i.id, (SELECT sum(ii.amount) FROM invoice_items ii WHERE ii.invoice_id = i.id) FROM invoices i WHERE i.org_id = $1",
      [],
    ],
    [
      "two levels down, through both parents",
      "SELECT n.* FROM item_notes n JOIN invoice_items ii ON ii.id = n.item_id JOIN invoices i ON i.id = ii.invoice_id WHERE i.org_id = $1",
      [],
    ],
    [
      "two levels down, the middle parent not tied to a tenant",
      "SELECT n.* FROM item_notes n JOIN invoice_items ii ON ii.id = n.item_id WHERE n.body = $1",
      [["missing-tenant-filter", "item_notes", "item_notes"], ITEMS],
    ],
  ];
  for (const [name, sql, expected] of cases) test(name, () => assert.deepEqual(found(sql), expected));
});

describe("a child read through a CTE or derived table that passes its parent key out", () => {
  const ITEMS = ["missing-tenant-filter", "invoice_items", "invoice_items"];
  const INVOICES = ["missing-tenant-filter", "invoices", "invoices"];
  const cases: [string, string, string[][]][] = [
    [
      "a CTE joined on the key to a scoped parent",
      "WITH items AS (SELECT * FROM invoice_items WHERE amount > 0) SELECT * FROM items JOIN invoices i ON i.id = items.invoice_id WHERE i.org_id = $1",
      [],
    ],
    [
      "a derived table passing the key out under another name",
      "SELECT * FROM (SELECT ii.invoice_id AS inv, ii.amount FROM invoice_items ii) x JOIN invoices i ON i.id = x.inv WHERE i.org_id = $1",
      [],
    ],
    [
      "a CTE joined to an unscoped parent",
      "WITH items AS (SELECT * FROM invoice_items) SELECT * FROM items JOIN invoices i ON i.id = items.invoice_id",
      [ITEMS, INVOICES],
    ],
    ["a CTE read without a parent", "WITH items AS (SELECT * FROM invoice_items) SELECT * FROM items", [ITEMS]],
    [
      "a CTE that does not pass the key out",
      "WITH items AS (SELECT amount FROM invoice_items) SELECT * FROM items, invoices i WHERE i.org_id = $1",
      [ITEMS],
    ],
  ];
  for (const [name, sql, expected] of cases) test(name, () => assert.deepEqual(found(sql), expected));
});

describe("outer joins: a LEFT JOIN scopes the child when the parent's WHERE predicate drops NULL rows", () => {
  const ITEMS = ["missing-tenant-filter", "invoice_items", "invoice_items"];
  const cases: [string, string, string[][]][] = [
    [
      "parent preserved, child on the nullable side",
      "SELECT * FROM invoices i LEFT JOIN invoice_items ii ON ii.invoice_id = i.id WHERE i.org_id = $1",
      [],
    ],
    [
      "child preserved, the parent's strict WHERE predicate rejects the NULL-padded rows",
      "SELECT * FROM invoice_items ii LEFT JOIN invoices i ON ii.invoice_id = i.id WHERE i.org_id = $1",
      [],
    ],
    [
      "child preserved, the parent's predicate only in ON: unmatched children come back",
      "SELECT * FROM invoice_items ii LEFT JOIN invoices i ON ii.invoice_id = i.id AND i.org_id = $1",
      [ITEMS],
    ],
    [
      "child preserved, shared-or-owned in WHERE keeps NULL-padded rows",
      "SELECT * FROM invoice_items ii LEFT JOIN invoices i ON ii.invoice_id = i.id WHERE i.org_id IS NULL OR i.org_id = $1",
      [ITEMS],
    ],
    [
      "two hops: the grandparent's strict WHERE predicate rejects rows down the chain of LEFT JOINs",
      "SELECT n.* FROM item_notes n LEFT JOIN invoice_items ii ON n.item_id = ii.id LEFT JOIN invoices i ON ii.invoice_id = i.id WHERE n.id = $1 AND i.org_id = $2",
      [],
    ],
    [
      "two hops, the grandparent's predicate only in ON: the chain's unmatched rows come back",
      "SELECT n.* FROM item_notes n LEFT JOIN invoice_items ii ON n.item_id = ii.id LEFT JOIN invoices i ON ii.invoice_id = i.id AND i.org_id = $2 WHERE n.id = $1",
      [
        ["missing-tenant-filter", "item_notes", "item_notes"],
        ["missing-tenant-filter", "invoice_items", "invoice_items"],
      ],
    ],
    [
      "FULL JOIN never carries the parent's scope",
      "SELECT * FROM invoice_items ii FULL JOIN invoices i ON ii.invoice_id = i.id WHERE i.org_id = $1",
      [ITEMS],
    ],
  ];
  for (const [name, sql, expected] of cases) test(name, () => assert.deepEqual(found(sql), expected));
});

describe("messages name the parent; writes to a child", () => {
  test("not joined: the parent, the key, and two ways to reach a scoped parent", () => {
    const sql = "SELECT * FROM invoice_items WHERE id = $1";
    const [issue] = check(sql);
    assert.equal(
      issue.message,
      'Query reads "invoice_items" without tying it to a tenant: it returns every tenant\'s rows. "invoice_items" is tenant-owned through "invoices" (invoice_items.invoice_id -> invoices.id); join it to invoices on invoice_items.invoice_id = invoices.id and scope invoices by org_id, or filter `invoice_items.invoice_id IN (SELECT id FROM invoices WHERE org_id = <tenant>)`.',
    );
    assert.equal(issue.fix, undefined);
  });

  test("joined to an unscoped parent: says the parent is the one to scope", () => {
    const sql = "SELECT ii.* FROM invoice_items ii JOIN invoices i ON i.id = ii.invoice_id";
    const items = check(sql).find((i) => i.table === "invoice_items")!;
    assert.equal(
      items.message,
      'Query reads "invoice_items" without tying it to a tenant: it returns every tenant\'s rows. "invoice_items" is tenant-owned through "invoices" (invoice_items.invoice_id -> invoices.id); it is joined to invoices i, which is not scoped itself: scope invoices by org_id.',
    );
  });

  test("outer-joined to a parent scoped only in ON: says why the scope does not carry over", () => {
    const sql = "SELECT * FROM invoice_items ii LEFT JOIN invoices i ON ii.invoice_id = i.id AND i.org_id = $1";
    const [issue] = check(sql);
    assert.equal(sql.slice(issue.start, issue.end), "invoice_items");
    assert.match(
      issue.message,
      /it is outer-joined to invoices i, so its rows without a matching invoices row come back too: use an inner join, or put the tenant predicate on invoices in WHERE\.$/,
    );
  });

  test("two levels: scope the middle parent through its own parent", () => {
    const [issue] = check("SELECT * FROM item_notes WHERE id = $1");
    assert.match(
      issue.message,
      /"item_notes" is tenant-owned through "invoice_items" \(item_notes\.item_id -> invoice_items\.id\); join it to invoice_items on item_notes\.item_id = invoice_items\.id and scope invoice_items through its own parent invoices\.$/,
    );
  });

  test("UPDATE ... FROM and DELETE ... USING a scoped parent; without it, the write is flagged", () => {
    assert.deepEqual(
      found("UPDATE invoice_items ii SET amount = 0 FROM invoices i WHERE ii.invoice_id = i.id AND i.org_id = $1"),
      [],
    );
    assert.deepEqual(
      found("DELETE FROM invoice_items ii USING invoices i WHERE ii.invoice_id = i.id AND i.org_id = $1"),
      [],
    );
    const [update] = check("UPDATE invoice_items SET amount = 0 WHERE id = $1");
    assert.equal(update.ruleId, "missing-tenant-filter");
    assert.match(
      update.message,
      /^UPDATE of "invoice_items" is not tied to a tenant: it changes every tenant's matching rows\. "invoice_items" is tenant-owned through "invoices"/,
    );
  });

  test("INSERT into a child sets its parent key, not a tenant column it does not have", () => {
    assert.deepEqual(found("INSERT INTO invoice_items (id, invoice_id, amount) VALUES ($1, $2, $3)"), []);
    assert.deepEqual(found("INSERT INTO builds (id, status) VALUES ($1, $2)"), [
      ["missing-tenant-on-insert", "builds", "builds"],
    ]);
    assert.deepEqual(found("INSERT INTO builds (id, project_id, status) VALUES ($1, $2, $3)"), []);
  });

  test("INSERT sets any level the table has (as every ORM accepts), never a level table's own key", () => {
    assert.deepEqual(found("INSERT INTO tasks (id, org_id, title) VALUES ($1, $2, $3)"), []);
    assert.deepEqual(found("INSERT INTO tasks (id, title) VALUES ($1, $2)"), [
      ["missing-tenant-on-insert", "tasks", "tasks"],
    ]);
    assert.deepEqual(found("INSERT INTO projects (id, name) VALUES ($1, $2)"), [
      ["missing-tenant-on-insert", "projects", "projects"],
    ]);
  });

  test("a nullable foreign key's child is global: no finding", () => {
    assert.deepEqual(found("SELECT * FROM attachments WHERE id = $1"), []);
  });
});

describe("shared-or-owned rows", () => {
  const cases: [string, string, string[][]][] = [
    ["IS NULL OR = v", "SELECT * FROM invoices WHERE org_id IS NULL OR org_id = $1", []],
    [
      "= v OR IS NULL, qualified",
      "SELECT * FROM invoices i WHERE (i.org_id = $1 OR i.org_id IS NULL) AND i.total > 0",
      [],
    ],
    // A task with no project can be an org-level task of any org: only a row with every level null is shared.
    [
      "at a hierarchy level: a null level matches the rows owned at the other",
      "SELECT * FROM tasks t WHERE t.project_id IS NULL OR t.project_id = $1",
      [["weak-tenant-filter", "tasks", "tasks"]],
    ],
    [
      "one level null, the other compared",
      "SELECT * FROM tasks t WHERE t.org_id IS NULL OR t.project_id = $1",
      [["weak-tenant-filter", "tasks", "tasks"]],
    ],
    [
      "twin: the null level beside a predicate on the other level",
      "SELECT * FROM tasks t WHERE t.org_id = $2 AND (t.project_id IS NULL OR t.project_id = $1)",
      [],
    ],
    [
      "IS NOT NULL OR = v is weak",
      "SELECT * FROM invoices WHERE org_id IS NOT NULL OR org_id = $1",
      [["weak-tenant-filter", "invoices", "invoices"]],
    ],
    [
      "$1 IS NULL OR = v is weak",
      "SELECT * FROM invoices WHERE $1 IS NULL OR org_id = $1",
      [["weak-tenant-filter", "invoices", "invoices"]],
    ],
  ];
  for (const [name, sql, expected] of cases) test(name, () => assert.deepEqual(found(sql), expected));

  test("the message says why a null level is no shared row", () => {
    const [issue] = check("SELECT * FROM tasks t WHERE t.project_id IS NULL OR t.project_id = $1");
    assert.match(
      issue.message,
      /admits `project_id IS NULL`, which matches every row owned at another level \(org_id\)/,
    );
  });
});

describe("proofs: how each tenant-owned reference was found scoped", () => {
  const proofsOf = (sql: string) => {
    const proofs: SqlProof[] = [];
    check(sql, proofs);
    return proofs.map((p) => ({
      kind: p.kind,
      table: p.table,
      ref: sql.slice(p.refStart, p.refEnd),
      evidence: sql.slice(p.evidenceStart, p.evidenceEnd),
      text: p.text,
    }));
  };

  test("predicate", () => {
    assert.deepEqual(proofsOf("SELECT * FROM invoices o WHERE o.org_id = $1 AND o.total > 0"), [
      { kind: "predicate", table: "invoices", ref: "invoices", evidence: "o.org_id = $1", text: "o.org_id = $1" },
    ]);
    assert.deepEqual(proofsOf("SELECT * FROM invoices WHERE org_id = ANY($1::uuid[])"), [
      {
        kind: "predicate",
        table: "invoices",
        ref: "invoices",
        evidence: "org_id = ANY($1::uuid[])",
        text: "org_id = ANY($1::uuid[])",
      },
    ]);
    assert.deepEqual(proofsOf("SELECT * FROM tasks WHERE project_id = current_setting('app.project_id')::uuid"), [
      {
        kind: "predicate",
        table: "tasks",
        ref: "tasks",
        evidence: "project_id = current_setting('app.project_id')::uuid",
        text: "project_id = current_setting('app.project_id')::uuid",
      },
    ]);
  });

  test("shared-or-owned", () => {
    assert.deepEqual(proofsOf("SELECT * FROM invoices i WHERE (i.org_id IS NULL OR i.org_id = $1)"), [
      {
        kind: "shared-or-owned",
        table: "invoices",
        ref: "invoices",
        evidence: "i.org_id IS NULL OR i.org_id = $1",
        text: "i.org_id IS NULL OR i.org_id = $1",
      },
    ]);
  });

  test("join on a tenant column to a scoped reference", () => {
    assert.deepEqual(proofsOf("SELECT * FROM tasks t JOIN projects p ON p.org_id = t.org_id WHERE p.org_id = $1"), [
      { kind: "predicate", table: "projects", ref: "projects", evidence: "p.org_id = $1", text: "p.org_id = $1" },
      { kind: "join", table: "tasks", ref: "tasks", evidence: "p.org_id = t.org_id", text: "p.org_id = t.org_id" },
    ]);
  });

  test("parent: joined by the owning key, or read through a scoped subquery", () => {
    assert.deepEqual(
      proofsOf("SELECT ii.* FROM invoice_items ii JOIN invoices i ON i.id = ii.invoice_id WHERE i.org_id = $1"),
      [
        { kind: "predicate", table: "invoices", ref: "invoices", evidence: "i.org_id = $1", text: "i.org_id = $1" },
        {
          kind: "parent",
          table: "invoice_items",
          ref: "invoice_items",
          evidence: "i.id = ii.invoice_id",
          text: "joined to invoices i on i.id = ii.invoice_id, scoped by i.org_id = $1",
        },
      ],
    );
    const sql = "SELECT * FROM invoice_items WHERE invoice_id IN (SELECT id FROM invoices WHERE org_id = $1)";
    const proofs = proofsOf(sql);
    assert.deepEqual(proofs[0], {
      kind: "parent",
      table: "invoice_items",
      ref: "invoice_items",
      evidence: "invoice_id IN (SELECT id FROM invoices WHERE org_id = $1)",
      text: "its invoices row is read by a subquery scoped to the tenant",
    });
    assert.equal(proofs[1].kind, "predicate");
  });

  test("two levels: the child's proof says how its parent was scoped", () => {
    const proofs = proofsOf(
      "SELECT n.* FROM item_notes n JOIN invoice_items ii ON ii.id = n.item_id JOIN invoices i ON i.id = ii.invoice_id WHERE i.org_id = $1",
    );
    assert.deepEqual(
      proofs.map((p) => [p.kind, p.table, p.text]),
      [
        ["predicate", "invoices", "i.org_id = $1"],
        ["parent", "invoice_items", "joined to invoices i on i.id = ii.invoice_id, scoped by i.org_id = $1"],
        [
          "parent",
          "item_notes",
          "joined to invoice_items ii on ii.id = n.item_id, scoped by invoice_items ii joined to invoices i on i.id = ii.invoice_id, scoped by i.org_id = $1",
        ],
      ],
    );
  });

  test("no sink, no proofs; an unscoped reference gets none", () => {
    assert.doesNotThrow(() => check("SELECT * FROM invoices WHERE org_id = $1"));
    assert.deepEqual(proofsOf("SELECT * FROM invoices WHERE total > 0"), []);
  });
});

describe("a row's other foreign key to a tenant-owned table (helicone's dataset rows)", () => {
  // Both tables hold the tenant; payments.invoice_id is no owning or hierarchy key, only a reference.
  const REFERENCES = `
CREATE TABLE invoices (id uuid PRIMARY KEY, org_id uuid NOT NULL, total int);
CREATE TABLE payments (id uuid PRIMARY KEY, org_id uuid NOT NULL, invoice_id uuid REFERENCES invoices (id), label text);
CREATE TABLE receipts (id uuid PRIMARY KEY, payment_id uuid NOT NULL REFERENCES payments (id), invoice_id uuid REFERENCES invoices (id));
CREATE TABLE refunds (id uuid PRIMARY KEY, org_id uuid NOT NULL, invoice_id uuid NOT NULL REFERENCES invoices (id), amount int);
ALTER TABLE invoices ADD COLUMN last_payment_id uuid REFERENCES payments (id);
`;
  let refModel: TenantModel;
  before(() => {
    const fs = createMemoryFs({ "/p/db/migrations/001.sql": REFERENCES });
    const config = resolveConfig(
      { tenantColumns: ["org_id"], schema: { migrations: ["db/migrations/*.sql"] } },
      "/p",
      undefined,
    );
    refModel = discoverTenantModel(fs, config, parser, ts).model;
  });
  const issues = (sql: string, proofs?: SqlProof[]) => {
    const parsed = parser.parse(sql);
    if ("error" in parsed) throw new Error(parsed.error.message);
    return checkSqlScoping(sql, parsed, new ClauseTokens(() => parser.scan(sql)), {
      model: refModel,
      ...(proofs ? { proofs } : {}),
    }).map((i) => [i.table, sql.slice(i.start, i.end)]);
  };

  test("the model keeps the key as a reference, not a parent", () => {
    const payments = refModel.tables.get("payments");
    assert.deepEqual(payments?.references, [{ column: "invoice_id", parent: "invoices", parentColumn: "id" }]);
    assert.equal(payments?.parents, undefined);
    assert.equal(payments?.owner, undefined);
  });

  test("the invoice a scoped payment names is the tenant's, in either order; the proof says so", () => {
    const proofs: SqlProof[] = [];
    assert.deepEqual(
      issues(
        "SELECT p.label, i.total FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE p.org_id = $1",
        proofs,
      ),
      [],
    );
    assert.deepEqual(
      issues(
        "SELECT p.label FROM payments p JOIN invoices i ON p.invoice_id = i.id WHERE p.org_id = $1 AND i.total > 0",
      ),
      [],
    );
    assert.match(
      proofs.find((p) => p.table === "invoices")!.text,
      /^joined to payments p on i\.id = p\.invoice_id, scoped by p\.org_id = \$1$/,
    );
    assert.equal(proofs.find((p) => p.table === "invoices")!.named, true);
  });

  test("a table owned through one parent, joined by its other key to a scoped row, is that row's; twin: not joined", () => {
    assert.deepEqual(
      issues("SELECT r.* FROM invoices i LEFT JOIN receipts r ON r.invoice_id = i.id WHERE i.org_id = $1"),
      [],
    );
    assert.deepEqual(issues("SELECT * FROM receipts r WHERE r.invoice_id = $1"), [["receipts", "receipts"]]);
  });

  // umami's cleanup of event data whose own website_id drifted from its event's.
  test("a row with its own tenant column under a parent it requires (NOT NULL key) is scoped through that parent", () => {
    assert.deepEqual(
      issues("DELETE FROM refunds USING invoices i WHERE refunds.invoice_id = i.id AND i.org_id = $1"),
      [],
    );
    assert.deepEqual(
      issues("SELECT r.amount FROM refunds r JOIN invoices i ON i.id = r.invoice_id WHERE i.org_id = $1"),
      [],
    );
    assert.equal(refModel.tables.get("refunds")?.references?.[0]?.required, true);
  });

  test("twins: a parent not scoped, or the required key compared with another column", () => {
    // The refunds' finding covers the invoices they name.
    assert.deepEqual(issues("DELETE FROM refunds USING invoices i WHERE refunds.invoice_id = i.id AND i.total > $1"), [
      ["refunds", "refunds"],
    ]);
    assert.deepEqual(
      issues("SELECT r.amount FROM refunds r JOIN invoices i ON i.total = r.amount WHERE i.org_id = $1"),
      [["refunds", "refunds"]],
    );
  });

  test("a payment and an invoice that name each other, neither scoped: one is still reported", () => {
    assert.deepEqual(
      issues(
        "SELECT * FROM payments p JOIN invoices i ON i.id = p.invoice_id AND p.id = i.last_payment_id WHERE p.label = $1",
      ).length,
      1,
    );
  });

  test("a correlated subquery reading the invoice a scoped payment names (docmost's withCreator, in SQL)", () => {
    assert.deepEqual(
      issues(
        "SELECT p.label, (SELECT i.total FROM invoices i WHERE i.id = p.invoice_id) FROM payments p WHERE p.org_id = $1",
      ),
      [],
    );
    assert.deepEqual(
      issues("SELECT p.label, (SELECT i.total FROM invoices i WHERE i.id = p.id) FROM payments p WHERE p.org_id = $1"),
      [["invoices", "invoices"]],
    );
  });

  test("twins: the payment unscoped (its finding covers the invoice it names), joined on another column, or the invoices scoping the payments the other way", () => {
    assert.deepEqual(issues("SELECT * FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE p.id = $1"), [
      ["payments", "payments"],
    ]);
    assert.deepEqual(
      issues(
        "SELECT p.label, (SELECT i.total FROM invoices i WHERE i.id = p.invoice_id) FROM payments p WHERE p.id = $1",
      ),
      [["payments", "payments"]],
    );
    assert.deepEqual(issues("SELECT * FROM payments p JOIN invoices i ON i.total = p.label::int WHERE p.org_id = $1"), [
      ["invoices", "invoices"],
    ]);
    assert.deepEqual(issues("SELECT * FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE i.org_id = $1"), [
      ["payments", "payments"],
    ]);
  });
});

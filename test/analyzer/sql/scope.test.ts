// The row-level scoping semantics of DESIGN.md, case by case: each leak beside the
// safe twin a naive tool gets wrong. `at` is the SQL text the finding underlines.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { SqlParser } from "../../../server/src/analyzer/sql/parse";
import { issuesOf, sqlParser, summarize, type IssueSummary } from "../../helpers/sql";

let parser: SqlParser;
before(async () => {
  parser = await sqlParser();
});

const MISSING = "missing-tenant-filter";
const WEAK = "weak-tenant-filter";
const INSERT = "missing-tenant-on-insert";
const DYNAMIC = "dynamic-sql";

type Case = [name: string, sql: string, expected: IssueSummary[]];

function run(cases: Case[]) {
  for (const [name, sql, expected] of cases) {
    test(name, () => {
      assert.deepEqual(summarize(sql, issuesOf(parser, sql)), expected);
    });
  }
}

describe("SELECT", () => {
  run([
    [
      "by-id lookup without tenant leaks",
      "SELECT * FROM orders WHERE id = $1",
      [{ rule: MISSING, table: "orders", at: "orders" }],
    ],
    [
      "no WHERE at all leaks",
      "SELECT id, total FROM orders ORDER BY id LIMIT 10",
      [{ rule: MISSING, table: "orders", at: "orders" }],
    ],
    ["tenant predicate scopes", "SELECT * FROM orders WHERE id = $1 AND tenant_id = $2", []],
    ["reversed operands scope", "SELECT * FROM orders WHERE $1 = tenant_id", []],
    ["alias-qualified predicate scopes", "SELECT o.id FROM orders o WHERE o.tenant_id = $1", []],
    ["predicate on the next line scopes", "SELECT o.id\nFROM orders o\nWHERE o.id = $1\n  AND o.tenant_id = $2", []],
    [
      "schema-qualified table is the same table",
      "SELECT * FROM public.orders WHERE id = $1",
      [{ rule: MISSING, table: "orders", at: "public.orders" }],
    ],
    ["schema-qualified table scoped", "SELECT * FROM public.orders o WHERE o.tenant_id = $1", []],
    ["global table needs no predicate", "SELECT * FROM plans WHERE id = $1", []],
    ["unknown table needs no predicate", "SELECT * FROM feature_flags", []],
    ["IN list scopes", "SELECT * FROM orders WHERE tenant_id IN ($1, $2)", []],
    ["= ANY scopes", "SELECT * FROM orders WHERE tenant_id = ANY($1)", []],
    [
      "IN subquery scopes (the subquery is checked on its own)",
      "SELECT * FROM orders WHERE tenant_id IN (SELECT tenant_id FROM users WHERE users.id = $1 AND users.tenant_id = $2)",
      [],
    ],
    [
      "a lookup by a secret or its hash is authentication: the secret decides the tenant",
      "SELECT o.* FROM orders o WHERE o.share_token = $1 AND o.status = 'open'",
      [],
    ],
    [
      "a credential hash compared with a value",
      "UPDATE orders SET viewed = true WHERE key_hash = encode(sha256($1), 'hex')",
      [],
    ],
    [
      "twin: a credential column compared with a constant, a flag or a name that only contains the word",
      "SELECT * FROM orders o WHERE o.token_type = 'refresh' AND o.is_secret = false AND o.token = '' AND o.token_count = $1 AND o.secret_name = $2 AND o.hash_key = $3",
      [{ rule: MISSING, table: "orders", at: "orders" }],
    ],
    [
      "a credential whose name ends in the word, compared with a parameter",
      "SELECT * FROM orders o WHERE o.refresh_token = $1 AND o.hashed_key = $2",
      [],
    ],
    [
      "twin: a content hash, an id of a token, a credential compared with another column",
      "SELECT * FROM orders o JOIN links l ON l.share_token = o.share_token WHERE o.content_hash = $1 OR o.token_id = $2",
      [{ rule: MISSING, table: "orders", at: "orders" }],
    ],
    ["current_setting scopes", "SELECT * FROM orders WHERE tenant_id = current_setting('app.tenant_id')::uuid", []],
    ["cast parameter scopes", "SELECT * FROM orders WHERE tenant_id = $1::uuid", []],
    ["IS NOT DISTINCT FROM scopes", "SELECT * FROM orders WHERE tenant_id IS NOT DISTINCT FROM $1", []],
    ["tenant column of another spelling on its table", "SELECT * FROM documents WHERE org_id = $1", []],
    [
      "tenant_id on a table owned by org_id does not scope",
      "SELECT * FROM documents d WHERE d.tenant_id = $1",
      [{ rule: MISSING, table: "documents", at: "documents" }],
    ],
    [
      "comparing the column with itself scopes nothing",
      "SELECT * FROM orders WHERE tenant_id = tenant_id",
      [{ rule: WEAK, table: "orders", at: "orders" }],
    ],
    [
      "a column of the same row is not a tenant value",
      "SELECT * FROM orders WHERE tenant_id = created_by",
      [{ rule: WEAK, table: "orders", at: "orders" }],
    ],
    [
      "multiple statements are each checked",
      "SELECT * FROM orders WHERE tenant_id = $1; SELECT * FROM invoices",
      [{ rule: MISSING, table: "invoices", at: "invoices" }],
    ],
    [
      "quoted identifiers",
      'SELECT * FROM "orders" WHERE "id" = $1',
      [{ rule: MISSING, table: "orders", at: '"orders"' }],
    ],
  ]);
});

describe("weak predicates", () => {
  run([
    [
      "OR with another condition is weak",
      "SELECT * FROM orders WHERE status = 'open' OR tenant_id = $1",
      [{ rule: WEAK, table: "orders", at: "orders" }],
    ],
    [
      "optional filter OR $1 IS NULL is weak",
      "SELECT * FROM orders WHERE ($1::uuid IS NULL OR tenant_id = $1)",
      [{ rule: WEAK, table: "orders", at: "orders" }],
    ],
    [
      "NOT is weak",
      "SELECT * FROM orders WHERE NOT (tenant_id <> $1)",
      [{ rule: WEAK, table: "orders", at: "orders" }],
    ],
    [
      "CASE is weak",
      "SELECT * FROM orders WHERE CASE WHEN $2 THEN tenant_id = $1 ELSE true END",
      [{ rule: WEAK, table: "orders", at: "orders" }],
    ],
    ["<> is weak", "SELECT * FROM orders WHERE tenant_id <> $1", [{ rule: WEAK, table: "orders", at: "orders" }]],
    ["shared rows: IS NULL OR = scopes", "SELECT * FROM orders WHERE tenant_id IS NULL OR tenant_id = $1", []],
    ["shared rows reversed scopes", "SELECT * FROM orders WHERE (tenant_id = $1 OR tenant_id IS NULL) AND id = $2", []],
    [
      "OR where every branch scopes is fine",
      "SELECT * FROM orders WHERE (tenant_id = $1 AND status = 'a') OR (tenant_id = $1 AND status = 'b')",
      [],
    ],
    [
      "OR with the predicate in only one branch",
      "SELECT * FROM orders WHERE (tenant_id = $1 AND status = 'a') OR status = 'b'",
      [{ rule: WEAK, table: "orders", at: "orders" }],
    ],
    [
      "weak OR beside a real predicate is scoped",
      "SELECT * FROM orders WHERE tenant_id = $1 AND (status = 'a' OR tenant_id = $2)",
      [],
    ],
  ]);
});

describe("joins", () => {
  run([
    [
      "inner join: second table unscoped leaks",
      "SELECT * FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.tenant_id = $1",
      [{ rule: MISSING, table: "order_items", at: "order_items" }],
    ],
    [
      "inner join scoped through tenant equality in ON",
      "SELECT * FROM orders o JOIN order_items i ON i.order_id = o.id AND i.tenant_id = o.tenant_id WHERE o.tenant_id = $1",
      [],
    ],
    [
      "inner join scoped through tenant equality in WHERE",
      "SELECT * FROM orders o, order_items i WHERE i.order_id = o.id AND i.tenant_id = o.tenant_id AND o.tenant_id = $1",
      [],
    ],
    [
      "predicate in inner join ON scopes",
      "SELECT * FROM orders o JOIN order_items i ON i.order_id = o.id AND i.tenant_id = $1 WHERE o.tenant_id = $1",
      [],
    ],
    [
      "chain of equalities scopes",
      "SELECT * FROM orders o JOIN order_items i ON i.tenant_id = o.tenant_id JOIN invoices v ON v.tenant_id = i.tenant_id WHERE o.tenant_id = $1",
      [],
    ],
    [
      "equality between two unscoped tables scopes neither",
      "SELECT * FROM orders o JOIN order_items i ON i.tenant_id = o.tenant_id",
      [
        { rule: MISSING, table: "orders", at: "orders" },
        { rule: MISSING, table: "order_items", at: "order_items" },
      ],
    ],
    [
      "JOIN USING (tenant_id) scopes",
      "SELECT * FROM orders o JOIN order_items i USING (tenant_id) WHERE o.tenant_id = $1",
      [],
    ],
    [
      "NATURAL JOIN shares the tenant column",
      "SELECT * FROM orders NATURAL JOIN order_items WHERE orders.tenant_id = $1",
      [],
    ],
    [
      "LEFT JOIN: ON predicate scopes the nullable side",
      "SELECT * FROM orders o LEFT JOIN order_items i ON i.order_id = o.id AND i.tenant_id = o.tenant_id WHERE o.tenant_id = $1",
      [],
    ],
    [
      "LEFT JOIN: ON predicate does not filter the preserved side",
      "SELECT * FROM orders o LEFT JOIN order_items i ON i.order_id = o.id AND o.tenant_id = $1 AND i.tenant_id = $1",
      [{ rule: WEAK, table: "orders", at: "orders" }],
    ],
    [
      "RIGHT JOIN: ON filters the left side only",
      "SELECT * FROM order_items i RIGHT JOIN orders o ON i.order_id = o.id AND i.tenant_id = $1 WHERE o.tenant_id = $1",
      [],
    ],
    [
      "FULL JOIN: ON filters neither side",
      "SELECT * FROM orders o FULL JOIN order_items i ON i.order_id = o.id AND i.tenant_id = $1 WHERE o.tenant_id = $1",
      [{ rule: WEAK, table: "order_items", at: "order_items" }],
    ],
    ["join to a global table", "SELECT * FROM orders o JOIN plans p ON p.id = o.plan_id WHERE o.tenant_id = $1", []],
    [
      "unqualified tenant column with one tenant table",
      "SELECT * FROM orders o JOIN plans p ON p.id = o.plan_id WHERE tenant_id = $1",
      [],
    ],
    [
      "unqualified tenant column with two tenant tables is ambiguous",
      "SELECT * FROM orders o JOIN order_items i ON i.order_id = o.id WHERE tenant_id = $1",
      [
        { rule: MISSING, table: "orders", at: "orders" },
        { rule: MISSING, table: "order_items", at: "order_items" },
      ],
    ],
  ]);
});

describe("subqueries, CTEs and set operations", () => {
  run([
    [
      "unscoped subquery in WHERE leaks",
      "SELECT * FROM orders o WHERE o.tenant_id = $1 AND o.id IN (SELECT order_id FROM order_items WHERE sku = $2)",
      [{ rule: MISSING, table: "order_items", at: "order_items" }],
    ],
    [
      "correlated EXISTS scoped through the outer row",
      "SELECT * FROM orders o WHERE o.tenant_id = $1 AND EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id AND i.tenant_id = o.tenant_id)",
      [],
    ],
    [
      "scalar subquery in SELECT list leaks",
      "SELECT o.id, (SELECT count(*) FROM order_items i WHERE i.order_id = o.id) FROM orders o WHERE o.tenant_id = $1",
      [{ rule: MISSING, table: "order_items", at: "order_items" }],
    ],
    [
      "subquery in FROM scoped by the outer predicate",
      "SELECT * FROM (SELECT * FROM orders WHERE status = 'open') s WHERE s.tenant_id = $1",
      [],
    ],
    ["subquery in FROM scoped inside", "SELECT * FROM (SELECT id FROM orders WHERE tenant_id = $1) s", []],
    [
      "subquery in FROM that drops the tenant column leaks",
      "SELECT * FROM (SELECT id FROM orders) s",
      [{ rule: MISSING, table: "orders", at: "orders" }],
    ],
    [
      "subquery in FROM never filtered leaks",
      "SELECT * FROM (SELECT * FROM orders) s WHERE s.id = $1",
      [{ rule: MISSING, table: "orders", at: "orders" }],
    ],
    ["CTE scoped inside", "WITH open AS (SELECT * FROM orders WHERE tenant_id = $1) SELECT * FROM open", []],
    [
      "CTE scoped by its reader",
      "WITH open AS (SELECT * FROM orders WHERE status = 'open') SELECT * FROM open WHERE open.tenant_id = $1",
      [],
    ],
    [
      "a table joined on its tenant column to a scoped CTE's tenant column, or to a scoped subquery's",
      "WITH open AS (SELECT o.tenant_id, o.id FROM orders o WHERE o.tenant_id = $1) SELECT i.* FROM open LEFT JOIN order_items i ON i.tenant_id = open.tenant_id AND i.order_id = open.id WHERE i.sku IS NULL OR i.sku = $2; SELECT i.* FROM (SELECT tenant_id FROM orders WHERE tenant_id = $1) s JOIN order_items i ON i.tenant_id = s.tenant_id",
      [],
    ],
    [
      "twin: joined to a scoped CTE on another column, or to a CTE that drops the tenant column",
      "WITH open AS (SELECT o.tenant_id, o.id FROM orders o WHERE o.tenant_id = $1) SELECT i.* FROM open JOIN order_items i ON i.order_id = open.id; WITH ids AS (SELECT o.id AS tenant_id FROM orders o WHERE o.tenant_id = $1) SELECT i.* FROM ids JOIN order_items i ON i.tenant_id = ids.tenant_id",
      [
        { rule: MISSING, table: "order_items", at: "order_items" },
        { rule: WEAK, table: "order_items", at: "order_items" },
      ],
    ],
    [
      "CTE unscoped leaks",
      "WITH open AS (SELECT id FROM orders WHERE status = 'open') SELECT * FROM open",
      [{ rule: MISSING, table: "orders", at: "orders" }],
    ],
    [
      "CTE never read still reported",
      "WITH x AS (SELECT * FROM orders) SELECT 1",
      [{ rule: MISSING, table: "orders", at: "orders" }],
    ],
    [
      "data-modifying CTE is checked as a statement",
      "WITH gone AS (DELETE FROM orders WHERE id = $1 RETURNING *) SELECT * FROM gone",
      [{ rule: MISSING, table: "orders", at: "orders" }],
    ],
    [
      "data-modifying CTE scoped",
      "WITH gone AS (DELETE FROM orders WHERE id = $1 AND tenant_id = $2 RETURNING id) SELECT * FROM gone",
      [],
    ],
    [
      "UNION: every branch needs the predicate",
      "SELECT id FROM orders WHERE tenant_id = $1 UNION ALL SELECT id FROM invoices",
      [{ rule: MISSING, table: "invoices", at: "invoices" }],
    ],
    [
      "UNION: both branches scoped",
      "SELECT id FROM orders WHERE tenant_id = $1 UNION SELECT id FROM invoices WHERE tenant_id = $1",
      [],
    ],
    [
      "INTERSECT and EXCEPT branches are checked",
      "SELECT id FROM orders WHERE tenant_id = $1 EXCEPT SELECT order_id FROM order_items",
      [{ rule: MISSING, table: "order_items", at: "order_items" }],
    ],
    ["a CTE name shadows a table", "WITH orders AS (SELECT 1 AS id) SELECT * FROM orders", []],
  ]);
});

describe("UPDATE and DELETE", () => {
  run([
    [
      "UPDATE by id leaks",
      "UPDATE orders SET status = $2 WHERE id = $1",
      [{ rule: MISSING, table: "orders", at: "orders" }],
    ],
    ["UPDATE scoped", "UPDATE orders SET status = $2 WHERE id = $1 AND tenant_id = $3 RETURNING *", []],
    [
      "UPDATE without WHERE leaks",
      "UPDATE orders SET archived = true",
      [{ rule: MISSING, table: "orders", at: "orders" }],
    ],
    [
      "UPDATE ... FROM scoped through the target",
      "UPDATE orders o SET total = s.total FROM order_items s WHERE s.order_id = o.id AND s.tenant_id = o.tenant_id AND o.tenant_id = $1",
      [],
    ],
    [
      "UPDATE ... FROM with unscoped source leaks",
      "UPDATE orders o SET total = s.total FROM order_items s WHERE s.order_id = o.id AND o.tenant_id = $1",
      [{ rule: MISSING, table: "order_items", at: "order_items" }],
    ],
    [
      "UPDATE with a subquery in SET",
      "UPDATE orders SET total = (SELECT sum(amount) FROM order_items WHERE order_id = $1) WHERE id = $1 AND tenant_id = $2",
      [{ rule: MISSING, table: "order_items", at: "order_items" }],
    ],
    ["DELETE by id leaks", "DELETE FROM orders WHERE id = $1", [{ rule: MISSING, table: "orders", at: "orders" }]],
    ["DELETE scoped", "DELETE FROM orders WHERE id = $1 AND tenant_id = $2", []],
    [
      "DELETE ... USING scopes one table only",
      "DELETE FROM orders o USING order_items i WHERE i.order_id = o.id AND o.tenant_id = $1",
      [{ rule: MISSING, table: "order_items", at: "order_items" }],
    ],
    [
      "DELETE ... USING scoped through equality",
      "DELETE FROM orders o USING order_items i WHERE i.order_id = o.id AND i.tenant_id = o.tenant_id AND o.tenant_id = $1",
      [],
    ],
  ]);
});

describe("INSERT", () => {
  run([
    [
      "INSERT without the tenant column",
      "INSERT INTO orders (id, total) VALUES ($1, $2)",
      [{ rule: INSERT, table: "orders", at: "orders" }],
    ],
    ["INSERT with the tenant column", "INSERT INTO orders (id, tenant_id, total) VALUES ($1, $2, $3) RETURNING id", []],
    ["INSERT into a global table", "INSERT INTO plans (id, name) VALUES ($1, $2)", []],
    ["INSERT DEFAULT VALUES", "INSERT INTO orders DEFAULT VALUES", [{ rule: INSERT, table: "orders", at: "orders" }]],
    [
      "INSERT ... SELECT from an unscoped source",
      "INSERT INTO invoices (tenant_id, order_id) SELECT tenant_id, id FROM orders WHERE status = 'done'",
      [{ rule: INSERT, table: "orders", at: "orders" }],
    ],
    [
      "INSERT ... SELECT from a scoped source",
      "INSERT INTO invoices (tenant_id, order_id) SELECT tenant_id, id FROM orders WHERE status = 'done' AND tenant_id = $1",
      [],
    ],
    [
      "ON CONFLICT DO UPDATE on a non-tenant key can overwrite another tenant's row",
      "INSERT INTO orders (id, tenant_id, total) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET total = EXCLUDED.total",
      [{ rule: MISSING, table: "orders", at: "ON CONFLICT" }],
    ],
    [
      "ON CONFLICT target with the tenant column",
      "INSERT INTO orders (id, tenant_id, total) VALUES ($1, $2, $3) ON CONFLICT (tenant_id, id) DO UPDATE SET total = EXCLUDED.total",
      [],
    ],
    [
      "ON CONFLICT DO UPDATE guarded by the tenant",
      "INSERT INTO orders (id, tenant_id, total) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET total = EXCLUDED.total WHERE orders.tenant_id = EXCLUDED.tenant_id",
      [],
    ],
    ["ON CONFLICT DO NOTHING", "INSERT INTO orders (id, tenant_id) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING", []],
    [
      "subquery in VALUES is checked",
      "INSERT INTO orders (id, tenant_id, total) VALUES ($1, $2, (SELECT max(total) FROM orders))",
      [{ rule: MISSING, table: "orders", at: "orders" }],
    ],
  ]);
});

describe("interpolated clauses", () => {
  run([
    [
      "WHERE made of one interpolated condition is dynamic",
      "SELECT * FROM orders WHERE $1 ORDER BY id",
      [{ rule: DYNAMIC, table: "orders", at: "orders" }],
    ],
    [
      "an interpolated condition beside a tenant predicate is fine",
      "SELECT * FROM orders WHERE tenant_id = $1 AND $2",
      [],
    ],
  ]);
});

test("issue locations are UTF-16 offsets even after non-ASCII text", () => {
  const sql = "SELECT 'Ünïcødé 🚀' AS label, id FROM orders WHERE id = $1";
  const issues = issuesOf(parser, sql);
  assert.equal(issues.length, 1);
  assert.equal(sql.slice(issues[0].start, issues[0].end), "orders");
});

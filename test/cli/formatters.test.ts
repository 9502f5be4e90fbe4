import assert from "node:assert/strict";
import { describe, it } from "node:test";
import ts from "typescript";
import { escapeData, escapeProperty, formatGithub } from "../../server/src/cli/formatters/github";
import { formatJson } from "../../server/src/cli/formatters/json";
import { formatStylish } from "../../server/src/cli/formatters/stylish";
import { toReportedFinding } from "../../server/src/cli/report";
import { billingJob, dynamicSql, leak, sampleReport, unusedSuppression } from "./sample-report";

describe("stylish", () => {
  it("groups per file, aligns columns, hides suppressed findings and counts them", () => {
    assert.equal(
      formatStylish(sampleReport(), { color: false }),
      [
        "",
        "src/orders.ts",
        "  10:35  error    orders is tenant-owned (tenant_id) but this query has no tenant predicate  missing-tenant-filter",
        "  14:3   warning  This suppression no longer suppresses anything                             unused-suppression",
        "",
        "src/reports.ts",
        "  5:9  info  SQL built at run time cannot be checked  dynamic-sql",
        "",
        "✖ 3 problems (1 error, 1 warning, 1 info), 1 suppressed",
        "  1 error and 0 warnings potentially fixable with the `--fix` option.",
        "",
      ].join("\n"),
    );
  });

  it("says so when there is nothing to report", () => {
    assert.equal(
      formatStylish(sampleReport([billingJob]), { color: false }),
      "✔ No problems (3 files checked), 1 suppressed\n",
    );
    assert.equal(formatStylish(sampleReport([]), { color: false }), "✔ No problems (3 files checked)\n");
  });

  it("mentions baselined findings and leaves out the fix hint when nothing is fixable", () => {
    const report = sampleReport([unusedSuppression]);
    report.summary.baselined = 4;
    assert.equal(
      formatStylish(report, { color: false }),
      [
        "",
        "src/orders.ts",
        "  14:3  warning  This suppression no longer suppresses anything  unused-suppression",
        "",
        "✖ 1 problem (0 errors, 1 warning), 4 baselined",
        "",
      ].join("\n"),
    );
  });

  it("colours only when asked", () => {
    const colored = formatStylish(sampleReport([leak]), { color: true });
    /* eslint-disable no-control-regex -- ANSI colour escapes are what this test is about */
    assert.match(colored, /\x1b\[31merror\x1b\[0m/);
    assert.match(colored, /\x1b\[1;31m✖ 1 problem \(1 error, 0 warnings\)\x1b\[0m/);
    assert.doesNotMatch(formatStylish(sampleReport([leak]), { color: false }), /\x1b/);
    /* eslint-enable no-control-regex */
  });
});

describe("json", () => {
  it("prints DESIGN.md's shape, suppressed findings included", () => {
    const output = JSON.parse(formatJson(sampleReport([billingJob, leak])));
    assert.deepEqual(output, {
      version: 1,
      findings: [
        {
          ruleId: "missing-tenant-filter",
          severity: "error",
          file: "src/billing.ts",
          line: 4,
          column: 22,
          endLine: 4,
          endColumn: 28,
          message: "orders is tenant-owned (tenant_id) but this query has no tenant predicate",
          table: "orders",
          fixes: [],
          suppressed: { reason: "billing job reads all tenants" },
        },
        {
          ruleId: "missing-tenant-filter",
          severity: "error",
          file: "src/orders.ts",
          line: 10,
          column: 35,
          endLine: 10,
          endColumn: 41,
          message: "orders is tenant-owned (tenant_id) but this query has no tenant predicate",
          table: "orders",
          fixes: [
            {
              title: "Add tenant_id = $2",
              edits: [{ line: 10, column: 55, endLine: 10, endColumn: 55, newText: " AND tenant_id = $2" }],
            },
          ],
          suppressed: null,
        },
      ],
      summary: { files: 3, errors: 1, warnings: 0, infos: 0, suppressed: 1, durationMs: 12 },
    });
  });

  it("gives findings without a table `table: null`", () => {
    const output = JSON.parse(formatJson(sampleReport([dynamicSql])));
    assert.equal(output.findings[0].table, null);
  });
});

describe("github", () => {
  it("prints one workflow command per unsuppressed finding", () => {
    assert.equal(
      formatGithub(sampleReport()),
      [
        "::error file=src/orders.ts,line=10,col=35,endLine=10,endColumn=41,title=tenantguard missing-tenant-filter::orders is tenant-owned (tenant_id) but this query has no tenant predicate",
        "::warning file=src/orders.ts,line=14,col=3,endLine=14,endColumn=60,title=tenantguard unused-suppression::This suppression no longer suppresses anything",
        "::notice file=src/reports.ts,line=5,col=9,endLine=5,endColumn=30,title=tenantguard dynamic-sql::SQL built at run time cannot be checked",
        "",
      ].join("\n"),
    );
  });

  it("escapes per GitHub's rules: %, CR, LF everywhere; also : and , in properties", () => {
    assert.equal(escapeData("100% of rows\r\nleak: a, b"), "100%25 of rows%0D%0Aleak: a, b");
    assert.equal(escapeProperty("src/a,b:c%.ts"), "src/a%2Cb%3Ac%25.ts");
    const odd = { ...leak, file: "src/a,b.ts", message: "line one\nline two: 50%" };
    assert.equal(
      formatGithub(sampleReport([odd])),
      "::error file=src/a%2Cb.ts,line=10,col=35,endLine=10,endColumn=41,title=tenantguard missing-tenant-filter::line one%0Aline two: 50%25\n",
    );
  });

  it("prints nothing when there is nothing to annotate", () => {
    assert.equal(formatGithub(sampleReport([billingJob])), "");
  });
});

describe("positions", () => {
  it("converts UTF-16 offsets to 1-based lines and columns, end exclusive", () => {
    const text = 'const a = 1;\nconst q = "SELECT * FROM órders";\n';
    const sourceFile = ts.createSourceFile("x.ts", text, ts.ScriptTarget.Latest, true);
    const start = text.indexOf("órders");
    const reported = toReportedFinding(
      {
        ruleId: "missing-tenant-filter",
        severity: "error",
        start,
        end: start + "órders".length,
        message: "m",
        table: "órders",
        fixes: [{ title: "t", safe: true, edits: [{ start: text.length - 1, end: text.length - 1, newText: ";" }] }],
        suppressed: null,
        fingerprint: "f",
      },
      { text, lineStarts: sourceFile.getLineStarts() },
      "src/x.ts",
    );
    assert.deepEqual(
      { line: reported.line, column: reported.column, endLine: reported.endLine, endColumn: reported.endColumn },
      { line: 2, column: 26, endLine: 2, endColumn: 32 },
    );
    assert.deepEqual(reported.fixes[0].edits[0], { line: 2, column: 34, endLine: 2, endColumn: 34, newText: ";" });
  });
});

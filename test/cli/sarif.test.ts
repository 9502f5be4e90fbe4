import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type * as sarif from "sarif";
import { RULES, ruleDocsUrl } from "../../server/src/analyzer/rules";
import { FINGERPRINT_KEY, formatSarif } from "../../server/src/cli/formatters/sarif";
import { loadSarifValidator } from "./sarif-schema";
import { billingJob, leak, sampleReport } from "./sample-report";

describe("sarif", () => {
  const log = JSON.parse(formatSarif(sampleReport())) as sarif.Log;
  const run = log.runs[0];

  it("is valid against the official SARIF 2.1.0 JSON schema", () => {
    const validate = loadSarifValidator();
    const valid = validate(log);
    assert.ok(valid, JSON.stringify(validate.errors, null, 2));
    // With the run's notes as tool execution notifications too.
    const noted = JSON.parse(formatSarif({ ...sampleReport(), notes: ['inferred tenant column "tenant_id"'] }));
    assert.ok(validate(noted), JSON.stringify(validate.errors, null, 2));
    assert.deepEqual(noted.runs[0].invocations, [
      {
        executionSuccessful: true,
        toolExecutionNotifications: [{ level: "note", message: { text: 'inferred tenant column "tenant_id"' } }],
      },
    ]);
  });

  it("describes every rule with its docs link and default level", () => {
    const rules = run.tool.driver.rules!;
    assert.deepEqual(
      rules.map((r) => r.id),
      Object.keys(RULES),
    );
    const mtf = rules.find((r) => r.id === "missing-tenant-filter")!;
    assert.equal(mtf.name, "MissingTenantFilter");
    assert.equal(mtf.helpUri, ruleDocsUrl("missing-tenant-filter"));
    assert.equal(mtf.shortDescription?.text, RULES["missing-tenant-filter"].title);
    assert.equal(mtf.fullDescription?.text, RULES["missing-tenant-filter"].description);
    assert.equal(mtf.defaultConfiguration?.level, "error");
    assert.equal(rules.find((r) => r.id === "dynamic-sql")!.defaultConfiguration?.level, "note");
    assert.equal(run.tool.driver.name, "tenantguard");
    assert.equal(run.tool.driver.version, "0.1.0");
  });

  it("locates results relative to %SRCROOT% with 1-based regions and a line-independent fingerprint", () => {
    const result = run.results!.find(
      (r) => r.locations![0].physicalLocation!.artifactLocation!.uri === "src/orders.ts",
    )!;
    assert.equal(result.ruleId, "missing-tenant-filter");
    assert.equal(run.tool.driver.rules![result.ruleIndex!].id, "missing-tenant-filter");
    assert.equal(result.level, "error");
    assert.deepEqual(result.locations![0].physicalLocation, {
      artifactLocation: { uri: "src/orders.ts", uriBaseId: "%SRCROOT%" },
      region: { startLine: 10, startColumn: 35, endLine: 10, endColumn: 41 },
    });
    assert.deepEqual(result.partialFingerprints, { [FINGERPRINT_KEY]: leak.fingerprint });
    assert.deepEqual(run.originalUriBaseIds, { "%SRCROOT%": { uri: "file:///work/app/" } });
    assert.equal(run.columnKind, "utf16CodeUnits");
  });

  it("carries fixes as replacements", () => {
    const result = run.results!.find((r) => r.fixes)!;
    assert.deepEqual(result.fixes, [
      {
        description: { text: "Add tenant_id = $2" },
        artifactChanges: [
          {
            artifactLocation: { uri: "src/orders.ts", uriBaseId: "%SRCROOT%" },
            replacements: [
              {
                deletedRegion: { startLine: 10, startColumn: 55, endLine: 10, endColumn: 55 },
                insertedContent: { text: " AND tenant_id = $2" },
              },
            ],
          },
        ],
      },
    ]);
  });

  it("records in-source suppressions with their justification", () => {
    const suppressed = run.results!.filter((r) => r.suppressions);
    assert.equal(suppressed.length, 1);
    assert.deepEqual(suppressed[0].suppressions, [{ kind: "inSource", justification: billingJob.suppressed!.reason }]);
    assert.equal(suppressed[0].level, "error");
  });

  it("maps info to note and encodes URIs", () => {
    const odd = JSON.parse(
      formatSarif(sampleReport([{ ...leak, severity: "info", file: "src/my orders.ts" }])),
    ) as sarif.Log;
    const result = odd.runs[0].results![0];
    assert.equal(result.level, "note");
    assert.equal(result.locations![0].physicalLocation!.artifactLocation!.uri, "src/my%20orders.ts");
  });
});

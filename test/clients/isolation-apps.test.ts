// One small service per isolation level (test/fixtures/isolation/<level>/), written the way real
// ones are. EXPECTED.json lists every finding (file, line, rule, table); suppressed ones carry
// their reason.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { sqlParser } from "../helpers/sql";
import { analyzeApp, APPS, type Expected } from "./apps";

let parser: SqlParser;
before(async () => {
  parser = await sqlParser();
});

describe("isolation fixture apps: findings match EXPECTED.json", () => {
  for (const level of ["row", "rls", "schema", "database"]) {
    it(`${level}`, () => {
      const { config, findings, errors } = analyzeApp(parser, level);
      assert.deepEqual(errors, []);
      assert.equal(config.isolation, level);
      const expected = JSON.parse(readFileSync(join(APPS, level, "EXPECTED.json"), "utf8")) as Expected[];
      assert.deepEqual(findings, expected);
    });
  }
});

// A kysely backend written like a real one (schema, services, routes, a job): the analyzer over the
// whole app, with the model discovered from its own schema, finds exactly the planted leaks.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { sqlParser } from "../helpers/sql";
import { fixtureAppFindings, type ExpectedFinding } from "./builders";

let parser: SqlParser;
before(async () => {
  parser = await sqlParser();
});

const APP = join(__dirname, "..", "fixtures", "orm", "kysely", "app");

test("kysely fixture app: findings match EXPECTED.json", () => {
  const expected = JSON.parse(readFileSync(join(APP, "EXPECTED.json"), "utf8")) as ExpectedFinding[];
  assert.deepEqual(fixtureAppFindings(parser, APP), expected);
});

// Type-aware mode against the real sequelize package: a fixture project (Model.init and
// sequelize.define models typed with InferAttributes, NestJS-style services) that type-checks
// without errors against node_modules/sequelize, analyzed with its TypeChecker and without one.
// What the syntax names a model both paths find alike; the rest only the type says is one.
import assert from "node:assert/strict";
import { join } from "node:path";
import { before, test } from "node:test";
import { sqlParser } from "../helpers/sql";
import { runTypedFixture, type FixtureFinding, type TypedFixtureRun } from "./typed-fixture";

const APP = join(__dirname, "..", "fixtures", "orm", "sequelize", "typed");

/** [file, line, rule, underlined text, which paths find it]. */
const EXPECTED: [string, number, string, string, "both" | "types"][] = [
  ["src/handlers-by-type.ts", 10, "missing-tenant-filter", "findByPk(id)", "types"],
  ["src/handlers-by-type.ts", 15, "missing-tenant-filter", "findAll({ where: { status } })", "types"],
  ["src/handlers-by-type.ts", 20, "missing-tenant-filter", "findOne({ where: { invoiceId } })", "types"],
  ["src/handlers-by-type.ts", 25, "missing-tenant-filter", "findAll({ where: { invoiceId } })", "types"],
  ["src/handlers-by-type.ts", 30, "missing-tenant-filter", "count()", "types"],
  ["src/handlers-by-type.ts", 35, "missing-tenant-filter", "count()", "types"],
  ["src/handlers-by-type.ts", 44, "missing-tenant-filter", 'update({ status: "sent" }, { where: { id } })', "types"],
  ["src/invoices.service.ts", 13, "missing-tenant-filter", "findByPk(id)", "both"],
  ["src/invoices.service.ts", 22, "missing-tenant-filter", "findAll({ where: { invoiceId } })", "both"],
  ["src/invoices.service.ts", 28, "missing-tenant-filter", "findAll()", "both"],
  ["src/invoices.service.ts", 33, "missing-tenant-filter", 'destroy({ where: { status: "draft" } })', "both"],
  ["src/invoices.service.ts", 38, "missing-tenant-on-insert", "create({ invoiceId })", "both"],
];

const rows = (findings: FixtureFinding[]) => findings.map((f) => [f.file, f.line, f.ruleId, f.at]);
const expected = (paths: "both" | "types") =>
  EXPECTED.filter((e) => paths === "types" || e[4] === "both").map((e) => e.slice(0, 4));

let run: TypedFixtureRun;
before(async () => {
  run = runTypedFixture(await sqlParser(), APP, ["sequelize"]);
});

test("the fixture type-checks against the real sequelize declarations", () => {
  assert.match(run.resolved.sequelize ?? "", /\/node_modules\/sequelize\/types\/index\.d\.ts$/);
  assert.deepEqual(run.diagnostics, []);
});

test("without a TypeChecker: the models the syntax names", () => {
  assert.deepEqual(rows(run.untyped), expected("both"));
});

test("with the real types: the same findings, plus models only the type names", () => {
  assert.deepEqual(rows(run.typed), expected("types"));
});

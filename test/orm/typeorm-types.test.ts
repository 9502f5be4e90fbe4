// Type-aware mode against the real typeorm package: a fixture project (decorated entities, a data
// source, repositories, NestJS-style services) that type-checks without errors against
// node_modules/typeorm, analyzed with its TypeChecker and without one. What the syntax names a
// repository both paths find alike; the rest only the type says is one.
import assert from "node:assert/strict";
import { join } from "node:path";
import { before, test } from "node:test";
import { sqlParser } from "../helpers/sql";
import { runTypedFixture, type FixtureFinding, type TypedFixtureRun } from "./typed-fixture";

const APP = join(__dirname, "..", "fixtures", "orm", "typeorm", "typed");

/** [file, line, rule, underlined text, which paths find it]. */
const EXPECTED: [string, number, string, string, "both" | "types"][] = [
  ["src/handlers-by-type.ts", 8, "missing-tenant-filter", "delete(id)", "types"],
  ["src/handlers-by-type.ts", 13, "missing-tenant-filter", "findOneBy({ id })", "types"],
  ["src/handlers-by-type.ts", 18, "missing-tenant-filter", "findBy({ status })", "types"],
  ["src/handlers-by-type.ts", 23, "missing-tenant-filter", "findOneBy(Bill, { id })", "types"],
  ["src/handlers-by-type.ts", 28, "missing-tenant-filter", "find()", "types"],
  ["src/handlers-by-type.ts", 33, "missing-tenant-filter", "findOneBy({ id })", "types"],
  ["src/handlers-by-type.ts", 38, "missing-tenant-filter", "findOneBy({ id })", "types"],
  ["src/handlers-by-type.ts", 43, "weak-tenant-filter", "findOneBy({ id, tenantId })", "types"],
  ["src/handlers-by-type.ts", 52, "missing-tenant-filter", 'createQueryBuilder("i")', "types"],
  ["src/handlers-by-type.ts", 61, "missing-tenant-filter", 'update(id, { status: "sent" })', "types"],
  ["src/handlers.ts", 7, "missing-tenant-filter", "findOneBy({ id })", "both"],
  ["src/handlers.ts", 12, "missing-tenant-filter", "findBy({ status })", "both"],
  ["src/handlers.ts", 17, "missing-tenant-filter", "findOneBy(Invoice, { id })", "both"],
  ["src/handlers.ts", 22, "missing-tenant-on-insert", 'insert({ status: "draft", amountCents })', "both"],
  ["src/invoices.service.ts", 13, "missing-tenant-filter", "findOneBy({ id })", "both"],
  ["src/invoices.service.ts", 22, "missing-tenant-filter", "delete(Invoice, id)", "both"],
  ["src/repositories.ts", 16, "missing-tenant-filter", "findBy({ status })", "types"],
  ["src/saves.ts", 7, "missing-tenant-filter", "save({ ...input, tenantId })", "both"],
  ["src/saves.ts", 12, "missing-tenant-filter", "save({ ...patch, tenantId })", "both"],
  ["src/saves.ts", 30, "missing-tenant-filter", "save({ ...input, tenantId })", "both"],
  ["src/saves.ts", 35, "missing-tenant-filter", "save({ ...input, tenantId })", "both"],
  ["src/saves.ts", 41, "missing-tenant-filter", "save({ ...row, ...body })", "types"],
  ["src/saves.ts", 48, "missing-tenant-filter", "save(row)", "both"],
  ["src/saves.ts", 55, "missing-tenant-filter", "save(row)", "both"],
  ["src/saves.ts", 67, "missing-tenant-filter", "save(items)", "both"],
  ["src/saves.ts", 81, "missing-tenant-filter", "save(rows)", "both"],
  ["src/saves.ts", 87, "missing-tenant-filter", "save(rows)", "both"],
  ["src/saves.ts", 94, "missing-tenant-filter", "save(row)", "both"],
  ["src/saves.ts", 104, "missing-tenant-filter", "save(row)", "both"],
  ["src/saves.ts", 112, "missing-tenant-filter", "save(row)", "both"],
  ["src/saves.ts", 118, "missing-tenant-filter", "save(row)", "both"],
];

const rows = (findings: FixtureFinding[]) => findings.map((f) => [f.file, f.line, f.ruleId, f.at]);
const expected = (paths: "both" | "types") =>
  EXPECTED.filter((e) => paths === "types" || e[4] === "both").map((e) => e.slice(0, 4));

let run: TypedFixtureRun;
before(async () => {
  run = runTypedFixture(await sqlParser(), APP, ["typeorm", "reflect-metadata"]);
});

test("the fixture type-checks against the real typeorm declarations", () => {
  assert.match(run.resolved.typeorm ?? "", /\/node_modules\/typeorm\/index\.d\.ts$/);
  assert.match(run.resolved["reflect-metadata"] ?? "", /\/node_modules\/reflect-metadata\/index\.d\.ts$/);
  assert.deepEqual(run.diagnostics, []);
});

test("without a TypeChecker: the repositories the syntax names", () => {
  assert.deepEqual(rows(run.untyped), expected("both"));
});

test("with the real types: the same findings, plus repositories only the type names", () => {
  assert.deepEqual(rows(run.typed), expected("types"));
});

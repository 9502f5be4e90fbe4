// The Sequelize fixture app: models, services, routes; EXPECTED.json is the answer key.
import { join } from "node:path";
import { test } from "node:test";
import { checkFixtureApp } from "./fixture-app";

test("sequelize app: every finding is in EXPECTED.json and nothing else", () =>
  checkFixtureApp(join(__dirname, "../fixtures/orm/sequelize/app"), {
    tables: ["comments", "projects", "tasks"],
    globalTables: ["feature_flags", "tenants"],
  }));

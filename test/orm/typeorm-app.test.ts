// The TypeORM fixture app: entities, services, routes; EXPECTED.json is the answer key.
import { join } from "node:path";
import { test } from "node:test";
import { checkFixtureApp } from "./fixture-app";

test("typeorm app: every finding is in EXPECTED.json and nothing else", () =>
  checkFixtureApp(join(__dirname, "../fixtures/orm/typeorm/app"), {
    tables: ["customers", "order_item", "orders"],
    globalTables: ["plans", "tenants"],
  }));

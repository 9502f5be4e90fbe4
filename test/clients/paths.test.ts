// clients.allowUnscopedIn globs, matched against paths relative to the config root.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { matchesAnyGlob } from "../../server/src/analyzer/clients/paths";

const cases: [path: string, glob: string, matches: boolean][] = [
  ["scripts/backfill.ts", "scripts/**", true],
  ["scripts/once/2024-01-fix.ts", "scripts/**", true],
  ["src/admin/users.ts", "src/admin/**", true],
  ["src/admin.ts", "src/admin/**", false],
  ["src/administration/x.ts", "src/admin/**", false],
  ["src/orders.test.ts", "**/*.test.ts", true],
  ["orders.test.ts", "**/*.test.ts", true],
  ["src/jobs/billing.ts", "src/jobs/*.ts", true],
  ["src/jobs/nested/billing.ts", "src/jobs/*.ts", false],
  ["scripts/seed.ts", "scripts", true],
  ["scripts/seed.ts", "scripts/", true],
  ["src/a/b/worker.ts", "src/**/worker.ts", true],
  ["src/worker.ts", "src/**/worker.ts", true],
  ["src/jobs/a.js", "src/jobs/*.{ts,js}", true],
  ["src/jobs/a.tsx", "src/jobs/*.{ts,js}", false],
  ["src/db.ts", "src/db.ts", true],
  ["src/db.tsx", "src/db.ts", false],
  ["src/jobs/x.ts", "./src/jobs/**", true],
  ["src/a+b.ts", "src/a+b.ts", true],
  ["src/ab.ts", "src/a?.ts", true],
];

describe("allowUnscopedIn globs", () => {
  for (const [path, glob, matches] of cases)
    it(`${glob} ${matches ? "matches" : "does not match"} ${path}`, () =>
      assert.equal(matchesAnyGlob(path, [glob]), matches));

  it("no globs match nothing", () => assert.equal(matchesAnyGlob("scripts/a.ts", []), false));
});

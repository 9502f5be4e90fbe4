import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createProgress } from "../../server/src/cli/progress";
import { redactSecrets } from "../../server/src/cli/redact";

describe("redactSecrets", () => {
  const cases: [string, string][] = [
    ["connect ECONNREFUSED postgres://app:s3cr3t@db:5432/prod", "connect ECONNREFUSED postgres://app:***@db:5432/prod"],
    ["postgresql://app:p%40ss@localhost/db?sslmode=require", "postgresql://app:***@localhost/db?sslmode=require"],
    ["host=db user=app password=hunter2 dbname=prod", "host=db user=app password=*** dbname=prod"],
    ["PGPASSWORD='x y' psql", "PGPASSWORD=*** psql"],
    ["postgres://app@db/prod has no password", "postgres://app@db/prod has no password"],
    ["nothing secret here: a:b@c", "nothing secret here: a:b@c"],
  ];
  for (const [input, expected] of cases)
    it(`redacts ${JSON.stringify(input)}`, () => assert.equal(redactSecrets(input), expected));
});

describe("progress", () => {
  function stream(isTTY: boolean) {
    const writes: string[] = [];
    return { isTTY, writes, write: (s: string) => writes.push(s) };
  }

  it("draws one updating line after a second on a terminal, and clears it", () => {
    let now = 0;
    const s = stream(true);
    const progress = createProgress(s, 3400, {}, () => now);
    progress.tick(10);
    now = 1200;
    progress.tick(1200);
    now = 1250;
    progress.tick(1250); // throttled
    progress.finish();
    assert.deepEqual(s.writes, ["\r\x1b[Ktenantguard: 1200/3400 files", "\r\x1b[K"]);
  });

  it("stays silent when piped or on CI", () => {
    for (const [isTTY, env] of [
      [false, {}],
      [true, { CI: "true" }],
    ] as const) {
      let now = 0;
      const s = stream(isTTY);
      const progress = createProgress(s, 10, env, () => now);
      now = 5000;
      progress.tick(5);
      progress.finish();
      assert.deepEqual(s.writes, []);
    }
  });

  it("draws nothing for a fast run", () => {
    const s = stream(true);
    const progress = createProgress(s, 10, {}, () => 0);
    progress.tick(9);
    progress.finish();
    assert.deepEqual(s.writes, []);
  });
});

// Sequelize's raw queries (crowd.dev's repositories): `sequelize.query(text, { replacements, type:
// QueryTypes.SELECT })` hands back the rows themselves, and a named replacement (`:taskId` with
// `replacements: { taskId: record.id }`) is the value the flow follows, as `$1` with a values array
// is. Each safe case beside its unsafe twin.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { harness } from "../helpers/flow-run";

const MIGRATION = `
CREATE TABLE tasks (id uuid PRIMARY KEY, "tenantId" uuid NOT NULL, title text);
CREATE TABLE "activityTasks" ("activityId" uuid NOT NULL, "taskId" uuid NOT NULL REFERENCES tasks(id));
`;
const h = harness({
  files: { "/p/db/migrations/001.sql": MIGRATION },
  config: { tenantColumns: ["tenantId"], schema: { migrations: ["db/migrations/*.sql"] } },
});

const run = (body: string) =>
  h.run({
    "/p/src/tasks.ts": `import { QueryTypes } from "sequelize";
export async function activityIds(id: string, options: any, req: any) {
  const seq = options.database.sequelize;
${body}
}`,
  });

const SCOPED_READ = `  const rows = await seq.query(\`select * from tasks where id = :id and "tenantId" = :tenantId\`, {
    replacements: { id, tenantId: options.currentTenant.id },
    type: QueryTypes.SELECT,
  });
  const record = rows[0];
  if (!record) throw new Error("404");`;

describe("a key bound by a Sequelize named replacement", () => {
  test("the id of a row a scoped SELECT returned, bound as :taskId: the child read is proven", () => {
    const r = run(`${SCOPED_READ}
  return seq.query(\`select "activityId" from "activityTasks" where "taskId" = :taskId\`, {
    replacements: { taskId: record.id },
    type: QueryTypes.SELECT,
  });`);
    assert.deepEqual(r.flagged, []);
  });

  test("twins: the request's id bound; the row's id from a read without the tenant", () => {
    const twins = [
      `  return seq.query(\`select "activityId" from "activityTasks" where "taskId" = :taskId\`, {
    replacements: { taskId: req.params.taskId },
    type: QueryTypes.SELECT,
  });`,
      `  const rows = await seq.query(\`select * from tasks where id = :id\`, { replacements: { id }, type: QueryTypes.SELECT });
  const record = rows[0];
  if (!record) throw new Error("404");
  return seq.query(\`select "activityId" from "activityTasks" where "taskId" = :taskId\`, {
    replacements: { taskId: record.id },
    type: QueryTypes.SELECT,
  });`,
    ];
    // A later computed or repeated key may replace the followed value.
    twins.push(
      `${SCOPED_READ}
  return seq.query(\`select "activityId" from "activityTasks" where "taskId" = :taskId\`, {
    replacements: { taskId: record.id, [req.k]: req.v },
    type: QueryTypes.SELECT,
  });`,
      `${SCOPED_READ}
  return seq.query(\`select "activityId" from "activityTasks" where "taskId" = :taskId\`, {
    replacements: { taskId: record.id, "taskId": req.params.taskId },
    type: QueryTypes.SELECT,
  });`,
    );
    for (const body of twins) {
      const r = run(body);
      assert.ok(
        r.flagged.some((f) => f.includes('"activityTasks"')),
        `${body}\n${r.flagged.join("\n")}`,
      );
    }
  });
});

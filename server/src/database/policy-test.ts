// The policy test: proof, not reading. For each tenant-owned table, the owner seeds one row
// for tenant A and one for tenant B; then a fresh non-owner role with the tenant setting set
// to A tries to read, update, delete and insert B's rows. Everything runs in the caller's
// transaction, each table under its own savepoint, and the caller rolls it all back.
import { randomBytes } from "node:crypto";
import type { Catalog, CatalogTable } from "./catalog";
import { qualified, quoteIdent, Seeder, type Row } from "./seed";
import { errorOf, type Leak, type PolicyTestResult, type SqlSession } from "./types";

export interface PolicyTestTarget {
  table: CatalogTable;
  tenantColumn: string;
  /** The setting the policies read (`app.tenant_id`), or undefined when none was found. */
  setting: string | undefined;
}

export async function runPolicyTests(
  session: SqlSession,
  catalog: Catalog,
  targets: readonly PolicyTestTarget[],
): Promise<Map<CatalogTable, PolicyTestResult>> {
  const results = new Map<CatalogTable, PolicyTestResult>();
  const probe = `tenantguard_probe_${randomBytes(4).toString("hex")}`;
  try {
    await session.exec(`CREATE ROLE ${probe} NOLOGIN NOSUPERUSER NOBYPASSRLS`);
    // A non-superuser creator may hold only ADMIN on the new role (Postgres 16+); it needs SET to become it.
    await session.exec(`GRANT ${probe} TO CURRENT_USER`).catch(() => undefined);
  } catch (e) {
    for (const t of targets)
      results.set(t.table, { status: "not-verifiable", reason: `cannot create a test role: ${errorOf(e).message}` });
    return results;
  }
  const schemas = [...new Set(catalog.tables.map((t) => t.schema))];
  for (const schema of schemas) {
    const s = quoteIdent(schema);
    await session
      .exec(
        `GRANT USAGE ON SCHEMA ${s} TO ${probe}; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s} TO ${probe}; ` +
          `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${s} TO ${probe}`,
      )
      .catch(() => undefined);
  }
  // Policies written for the app's role (`TO app_user`) apply to its members too.
  const policyRoles = new Set(targets.flatMap((t) => t.table.policies.flatMap((p) => p.roles)));
  for (const role of policyRoles) {
    if (["public", "current_user", "session_user", "current_role"].includes(role)) continue;
    await session.exec(`GRANT ${quoteIdent(role)} TO ${probe}`).catch(() => undefined);
  }

  const tenantColumns = new Map(targets.map((t) => [`${t.table.schema}.${t.table.name}`, t.tenantColumn]));
  for (const target of targets) {
    results.set(target.table, await testTable(session, catalog, tenantColumns, target, probe));
  }
  return results;
}

async function testTable(
  session: SqlSession,
  catalog: Catalog,
  tenantColumns: ReadonlyMap<string, string>,
  target: PolicyTestTarget,
  probe: string,
): Promise<PolicyTestResult> {
  const { table, tenantColumn } = target;
  // Without a setting the test still runs (under a name no policy reads): a leak is a leak either way.
  const setting = target.setting ?? "tenantguard.no_tenant_setting";
  const noSetting =
    "no tenant setting found (no current_setting('...') in its policies or functions; pass --tenant-setting)";
  const column = table.columns.find((c) => c.name === tenantColumn);
  const setTenant = (value: string) =>
    session.query("SELECT set_config($1, $2, true)", [setting, value]).then(() => undefined);
  const seeder = new Seeder(session, catalog, tenantColumns, setTenant);
  const a = column && seeder.tenantValue(column, "a");
  const b = column && seeder.tenantValue(column, "b");
  if (!column || !a || !b)
    return {
      status: "not-verifiable",
      reason: `no test values for a tenant column of type ${column?.type ?? "unknown"}`,
    };

  await session.exec("SAVEPOINT tenantguard_table");
  try {
    let rowB: Row;
    try {
      await seeder.insert(table, {}, a);
      rowB = await seeder.insert(table, {}, b);
    } catch (e) {
      return { status: "not-verifiable", reason: `could not seed rows as the owner: ${errorOf(e).message}` };
    }
    await session.exec(`SET ROLE ${probe}`);
    await setTenant(a);
    const t = qualified(table);
    const col = quoteIdent(tenantColumn);
    const ty = column.type;
    const leaks: Leak[] = [];

    const read = `SELECT count(*) FILTER (WHERE ${col} = $1::text::${ty})::int AS own, count(*) FILTER (WHERE ${col} <> $1::text::${ty})::int AS other FROM ${t}`;
    let counts: { own: number; other: number };
    try {
      counts = (await session.query<{ own: number; other: number }>(read, [a])).rows[0];
    } catch (e) {
      return {
        status: "not-verifiable",
        reason: `tenant A's session cannot read ${table.name}: ${errorOf(e).message}`,
      };
    }
    if (counts.other > 0)
      leaks.push({
        statement: `SELECT * FROM ${t}`,
        rows: counts.other,
        what: `read ${counts.other} row(s) of other tenants`,
      });
    if (counts.own === 0 && leaks.length === 0) {
      if (!target.setting) return { status: "not-verifiable", reason: noSetting };
      return {
        status: "not-verifiable",
        reason: `tenant A's own row is not visible with ${setting} = A; is ${setting} the setting the policies compare with?`,
      };
    }

    const attempts: { what: string; sql: string; params: unknown[] }[] = [
      {
        what: "updated tenant B's row",
        sql: `UPDATE ${t} SET ${col} = ${col} WHERE ${col} = $1::text::${ty}`,
        params: [b],
      },
      { what: "deleted tenant B's row", sql: `DELETE FROM ${t} WHERE ${col} = $1::text::${ty}`, params: [b] },
      // No WHERE and no RETURNING: with either, Postgres also checks the new row against the
      // SELECT policies, which hides a missing WITH CHECK from the test but not from an app.
      { what: "moved tenant A's row to tenant B", sql: `UPDATE ${t} SET ${col} = $1::text::${ty}`, params: [b] },
    ];
    const insert = seeder.insertStatement(table, seeder.freshValues(table, rowB), false);
    attempts.push({ what: "inserted a row for tenant B", sql: insert.sql, params: insert.params });
    for (const attempt of attempts) {
      await session.exec("SAVEPOINT tenantguard_attempt");
      try {
        const result = await session.query(attempt.sql, attempt.params);
        if (result.affectedRows > 0)
          leaks.push({ statement: display(attempt.sql), rows: result.affectedRows, what: attempt.what });
      } catch {
        // An RLS or privilege error (42501) is the policy doing its job; a constraint error proves nothing either way.
      }
      await session.exec("ROLLBACK TO SAVEPOINT tenantguard_attempt");
    }

    // With the setting empty (a pooled connection after a transaction-local set), a policy must show nothing.
    if (target.setting) leaks.push(...(await emptySettingLeaks(session, setTenant, t, col, setting)));
    if (leaks.length) return { status: "leaking", leaks };
    return target.setting ? { status: "isolated" } : { status: "not-verifiable", reason: noSetting };
  } finally {
    await session.exec("ROLLBACK TO SAVEPOINT tenantguard_table");
    await session.exec("RESET ROLE").catch(() => undefined);
  }
}

async function emptySettingLeaks(
  session: SqlSession,
  setTenant: (value: string) => Promise<void>,
  t: string,
  col: string,
  setting: string,
): Promise<Leak[]> {
  await session.exec("SAVEPOINT tenantguard_attempt");
  try {
    await setTenant("");
    const open = (await session.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t} WHERE ${col} IS NOT NULL`))
      .rows[0].n;
    const what = `read ${open} row(s) with the tenant setting empty (fails open)`;
    return open > 0 ? [{ statement: `SELECT * FROM ${t} -- ${setting} = ''`, rows: open, what }] : [];
  } catch {
    return []; // an error on the empty setting fails closed
  } finally {
    await session.exec("ROLLBACK TO SAVEPOINT tenantguard_attempt");
  }
}

function display(sql: string): string {
  return sql.replace(/\$\d+::text::/g, "<value>::").replace(/ RETURNING .*$/, "");
}

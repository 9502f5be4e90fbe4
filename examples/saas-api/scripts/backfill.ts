/**
 * Nightly job (cron, 02:00 UTC): marks sent invoices past their due date as
 * overdue and recomputes draft totals from their line items. It runs with the root
 * pool and walks every tenant, one tenant at a time for the writes.
 */
import { pool } from "../src/db";

type DueInvoice = { id: string; tenant_id: string };

async function markOverdue(): Promise<Map<string, string[]>> {
  // tenantguard-ignore-next-line missing-tenant-filter -- nightly backfill reads every tenant by design
  const { rows } = await pool.query("SELECT id, tenant_id FROM invoices WHERE status = 'sent' AND due_at < now()");

  const byTenant = new Map<string, string[]>();
  for (const row of rows as DueInvoice[]) {
    const ids = byTenant.get(row.tenant_id) ?? [];
    ids.push(row.id);
    byTenant.set(row.tenant_id, ids);
  }

  for (const [tenantId, ids] of byTenant) {
    await pool.query(
      "UPDATE invoices SET status = 'overdue' WHERE tenant_id = $1 AND id = ANY($2) AND status = 'sent'",
      [tenantId, ids],
    );
    await pool.query("INSERT INTO audit_log (tenant_id, action, subject) VALUES ($1, 'invoice.overdue', $2)", [
      tenantId,
      `${ids.length} invoice(s)`,
    ]);
  }
  return byTenant;
}

async function recomputeDraftTotals(tenantId: string): Promise<number> {
  const { rowCount } = await pool.query(
    `UPDATE invoices inv
        SET total_cents = t.total
       FROM (SELECT invoice_id, sum(quantity * unit_price_cents) AS total
               FROM invoice_items
              WHERE tenant_id = $1
              GROUP BY invoice_id) t
      WHERE t.invoice_id = inv.id
        AND inv.tenant_id = $1
        AND inv.status = 'draft'
        AND inv.total_cents <> t.total`,
    [tenantId],
  );
  return rowCount ?? 0;
}

async function main(): Promise<void> {
  const started = Date.now();
  const overdue = await markOverdue();
  const { rows: tenants } = await pool.query<{ id: string }>("SELECT id FROM tenants ORDER BY created_at");
  let recomputed = 0;
  for (const tenant of tenants) recomputed += await recomputeDraftTotals(tenant.id);
  const marked = [...overdue.values()].reduce((n, ids) => n + ids.length, 0);
  console.log(`backfill: ${marked} invoices overdue, ${recomputed} draft totals fixed, ${Date.now() - started} ms`);
  await pool.end();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

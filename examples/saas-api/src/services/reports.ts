import type { TenantContext } from "../context";
import { pool, sql } from "../db";

export interface ProjectRevenue {
  id: string;
  name: string;
  revenue_cents: string;
  invoices: number;
}

/** Revenue per active project in a period; projects without paid invoices show 0. */
export async function revenueByProject(ctx: TenantContext, from: Date, to: Date): Promise<ProjectRevenue[]> {
  return sql<ProjectRevenue[]>`
    WITH paid AS (
      SELECT project_id, sum(total_cents) AS revenue_cents, count(*)::int AS invoices
        FROM invoices
       WHERE tenant_id = ${ctx.tenantId}
         AND paid_at >= ${from} AND paid_at < ${to}
       GROUP BY project_id
    ),
    active AS (
      SELECT id, name
        FROM projects
       WHERE archived_at IS NULL
    )
    SELECT a.id, a.name, coalesce(p.revenue_cents, 0) AS revenue_cents, coalesce(p.invoices, 0) AS invoices
      FROM active a
      LEFT JOIN paid p ON p.project_id = a.id
     ORDER BY revenue_cents DESC, a.name`;
}

/** VAT summary by customer country, for the accountant's quarterly export. */
export async function vatByCountry(ctx: TenantContext, from: Date, to: Date) {
  const { rows } = await pool.query<{ country: string; vat_rate: string; net_cents: string }>(
    `SELECT c.name AS country, c.vat_rate, sum(inv.total_cents) AS net_cents
       FROM invoices inv
       JOIN countries c ON c.code = inv.customer_country
      WHERE inv.tenant_id = $1
        AND inv.paid_at >= $2 AND inv.paid_at < $3
      GROUP BY c.name, c.vat_rate
      ORDER BY c.name`,
    [ctx.tenantId, from, to],
  );
  return rows;
}

/** The "money in flight" tile: sent but unpaid invoices, plus line items still in drafts. */
export async function outstanding(ctx: TenantContext): Promise<{ kind: string; cents: string }[]> {
  const { rows } = await pool.query<{ kind: string; cents: string }>(
    `SELECT 'invoiced' AS kind, coalesce(sum(total_cents), 0) AS cents
       FROM invoices
      WHERE tenant_id = $1 AND status IN ('sent', 'overdue')
     UNION ALL
     SELECT 'drafts', coalesce(sum(ii.quantity * ii.unit_price_cents), 0)
       FROM invoice_items ii
       JOIN invoices inv ON inv.id = ii.invoice_id AND inv.tenant_id = ii.tenant_id
      WHERE ii.tenant_id = $1 AND inv.status = 'draft'`,
    [ctx.tenantId],
  );
  return rows;
}

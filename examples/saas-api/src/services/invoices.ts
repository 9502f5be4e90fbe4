import type { TenantContext } from "../context";
import { pool } from "../db";
import { recordEvent } from "./audit";

export type InvoiceStatus = "draft" | "sent" | "overdue" | "paid" | "void";

export interface InvoiceSummary {
  id: string;
  number: string;
  customer_name: string;
  status: InvoiceStatus;
  total_cents: string;
  due_at: Date | null;
}

export interface InvoiceItem {
  item_id: string;
  description: string;
  quantity: number;
  unit_price_cents: string;
}

export interface InvoiceFilter {
  status?: string;
  projectId?: string;
  customer?: string;
}

const SUMMARY_COLUMNS = "id, number, customer_name, status, total_cents, due_at";

export async function listInvoices(ctx: TenantContext, status?: InvoiceStatus, limit = 50): Promise<InvoiceSummary[]> {
  const { rows } = await pool.query<InvoiceSummary>(
    `SELECT inv.id, inv.number, inv.customer_name, inv.status, inv.total_cents, inv.due_at
       FROM invoices inv
      WHERE inv.tenant_id = $1
        AND ($2::text IS NULL OR inv.status = $2)
      ORDER BY inv.issued_at DESC NULLS FIRST
      LIMIT $3`,
    [ctx.tenantId, status ?? null, limit],
  );
  return rows;
}

/** Filtered list behind the invoice table's filter bar. */
export async function findInvoices(filter: InvoiceFilter): Promise<InvoiceSummary[]> {
  const values: unknown[] = [];
  const conditions: string[] = [];
  if (filter.status) {
    values.push(filter.status);
    conditions.push(`status = $${values.length}`);
  }
  if (filter.projectId) {
    values.push(filter.projectId);
    conditions.push(`project_id = $${values.length}`);
  }
  if (filter.customer) {
    values.push(`%${filter.customer}%`);
    conditions.push(`customer_name ILIKE $${values.length}`);
  }
  const where = conditions.length > 0 ? " WHERE " + conditions.join(" AND ") : "";
  const { rows } = await pool.query<InvoiceSummary>(
    "SELECT " + SUMMARY_COLUMNS + " FROM invoices" + where + " ORDER BY due_at NULLS LAST",
    values,
  );
  return rows;
}

export async function getInvoice(id: string): Promise<InvoiceSummary | undefined> {
  const { rows } = await pool.query<InvoiceSummary>(
    "SELECT id, number, customer_name, status, total_cents, due_at FROM invoices WHERE id = $1",
    [id],
  );
  return rows[0];
}

// Payment links in customer emails carry the invoice number, and the old handler ran
//   SELECT * FROM invoices WHERE number = $1
// which matched the same number in every workspace. Numbers are unique per tenant only.
export async function getInvoiceByNumber(ctx: TenantContext, number: string): Promise<InvoiceSummary | undefined> {
  const { rows } = await pool.query<InvoiceSummary>(
    "SELECT id, number, customer_name, status, total_cents, due_at FROM invoices WHERE tenant_id = $1 AND number = $2",
    [ctx.tenantId, number],
  );
  return rows[0];
}

export async function getInvoiceWithItems(ctx: TenantContext, id: string) {
  const { rows } = await pool.query<InvoiceSummary & InvoiceItem>(
    `SELECT inv.id, inv.number, inv.customer_name, inv.status, inv.total_cents, inv.due_at,
            i.id AS item_id, i.description, i.quantity, i.unit_price_cents
       FROM invoices inv
       JOIN invoice_items i ON i.invoice_id = inv.id AND i.tenant_id = inv.tenant_id
      WHERE inv.id = $1 AND inv.tenant_id = $2
      ORDER BY i.id`,
    [id, ctx.tenantId],
  );
  if (rows.length === 0) return undefined;
  const { id: invoiceId, number, customer_name, status, total_cents, due_at } = rows[0];
  const items = rows.map(({ item_id, description, quantity, unit_price_cents }) => ({
    item_id,
    description,
    quantity,
    unit_price_cents,
  }));
  return { id: invoiceId, number, customer_name, status, total_cents, due_at, items };
}

export async function addItem(
  ctx: TenantContext,
  invoiceId: string,
  item: { description: string; quantity: number; unitPriceCents: number },
): Promise<string | undefined> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO invoice_items (tenant_id, invoice_id, description, quantity, unit_price_cents)
     SELECT $1, inv.id, $3::text, $4::int, $5::bigint
       FROM invoices inv
      WHERE inv.id = $2 AND inv.tenant_id = $1 AND inv.status = 'draft'
     RETURNING id`,
    [ctx.tenantId, invoiceId, item.description, item.quantity, item.unitPriceCents],
  );
  return rows[0]?.id;
}

export async function removeItem(ctx: TenantContext, invoiceId: string, itemId: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    `DELETE FROM invoice_items ii
      USING invoices inv
      WHERE inv.id = $1
        AND inv.tenant_id = $2
        AND inv.status = 'draft'
        AND ii.id = $3`,
    [invoiceId, ctx.tenantId, itemId],
  );
  return rowCount === 1;
}

export async function markPaid(ctx: TenantContext, id: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    "UPDATE invoices AS inv SET status = 'paid', paid_at = now() WHERE inv.id = $1 AND inv.tenant_id = $2 AND inv.status IN ('sent', 'overdue')",
    [id, ctx.tenantId],
  );
  if (rowCount) await recordEvent(ctx, "invoice.paid", id);
  return rowCount === 1;
}

/** "Duplicate" in the invoice menu: a new draft with the same customer and line items. */
export async function duplicateInvoice(ctx: TenantContext, sourceId: string): Promise<string | undefined> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO invoices (tenant_id, project_id, number, customer_name, customer_country, status, total_cents)
     SELECT tenant_id, project_id, number || '-copy', customer_name, customer_country, 'draft', total_cents
       FROM invoices
      WHERE id = $1 AND tenant_id = $2
     RETURNING id`,
    [sourceId, ctx.tenantId],
  );
  const copy = rows[0];
  if (!copy) return undefined;
  await pool.query(
    `INSERT INTO invoice_items (tenant_id, invoice_id, description, quantity, unit_price_cents)
     SELECT tenant_id, $1::uuid, description, quantity, unit_price_cents
       FROM invoice_items
      WHERE invoice_id = $2
        AND tenant_id = $3`,
    [copy.id, sourceId, ctx.tenantId],
  );
  await recordEvent(ctx, "invoice.duplicated", sourceId);
  return copy.id;
}

import type { TenantContext } from "../context";
import { pool, withTenantSetting } from "../db";

export interface AuditEntry {
  id: string;
  actor_id: string | null;
  action: string;
  subject: string | null;
  created_at: Date;
}

interface AuditExportRow {
  created_at: Date;
  action: string;
  subject: string | null;
  actor_email: string;
}

export async function recordEvent(ctx: TenantContext, action: string, subject: string): Promise<void> {
  await pool.query("INSERT INTO audit_log (actor_id, action, subject) VALUES ($1, $2, $3)", [
    ctx.userId,
    action,
    subject,
  ]);
}

/** The activity feed: this workspace's events plus platform-wide notices (tenant_id NULL). */
export async function activityFeed(ctx: TenantContext, since: Date): Promise<AuditEntry[]> {
  const { rows } = await pool.query<AuditEntry>(
    `SELECT id, actor_id, action, subject, created_at
       FROM audit_log
      WHERE (tenant_id IS NULL OR tenant_id = $1)
        AND created_at > $2
      ORDER BY created_at DESC
      LIMIT 100`,
    [ctx.tenantId, since],
  );
  return rows;
}

/** Compliance export (CSV download for admins), one consistent snapshot in a transaction. */
export async function exportAuditLog(ctx: TenantContext): Promise<string> {
  const rows = await withTenantSetting(ctx.tenantId, async (client) => {
    const result = await client.query<AuditExportRow>(
      `SELECT a.created_at, a.action, a.subject, u.email AS actor_email
         FROM audit_log a
         JOIN users u ON u.id = a.actor_id AND u.tenant_id = a.tenant_id
        WHERE a.tenant_id = current_setting('app.tenant_id')::uuid
        ORDER BY a.created_at`,
    );
    return result.rows;
  });
  const lines = rows.map((r) =>
    [r.created_at.toISOString(), r.action, r.subject ?? "", r.actor_email].map(csvCell).join(","),
  );
  return ["created_at,action,subject,actor_email", ...lines].join("\n");
}

function csvCell(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

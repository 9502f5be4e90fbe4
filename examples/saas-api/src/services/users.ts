import type { TenantContext } from "../context";
import { HttpError } from "../context";
import { pool, sql } from "../db";
import { recordEvent } from "./audit";
import { getPlanLimits } from "./billing";

export interface User {
  id: string;
  tenant_id: string;
  email: string;
  name: string;
  role: "owner" | "admin" | "member";
  created_at: Date;
}

/**
 * Members of a workspace, for the settings page. The staff console calls it with
 * `null` to list users across workspaces.
 */
export async function listUsers(tenantId: string | null, includeDeleted = false): Promise<User[]> {
  const { rows } = await pool.query<User>(
    `SELECT id, tenant_id, email, name, role, created_at
       FROM users
      WHERE ($1::boolean OR deleted_at IS NULL)
        AND ($2::uuid IS NULL OR tenant_id = $2)
      ORDER BY email`,
    [includeDeleted, tenantId],
  );
  return rows;
}

export async function getUser(ctx: TenantContext, id: string): Promise<User | undefined> {
  const [user] = await sql<User[]>`
    SELECT id, tenant_id, email, name, role, created_at
      FROM users
     WHERE tenant_id = ${ctx.tenantId} AND id = ${id} AND deleted_at IS NULL`;
  return user;
}

export async function inviteUser(ctx: TenantContext, email: string, name: string): Promise<User> {
  const limits = await getPlanLimits(ctx);
  const [{ seats }] = await seatUsage([ctx.tenantId]);
  if (limits.maxSeats !== null && seats >= limits.maxSeats) {
    throw new HttpError(402, `the ${limits.planId} plan includes ${limits.maxSeats} seats`);
  }
  const [user] = await sql<User[]>`
    INSERT INTO users (tenant_id, email, name, role)
    VALUES (${ctx.tenantId}, ${email.toLowerCase()}, ${name}, 'member')
    RETURNING id, tenant_id, email, name, role, created_at`;
  await recordEvent(ctx, "user.invited", email);
  return user;
}

export async function removeUser(ctx: TenantContext, id: string): Promise<void> {
  await sql`UPDATE users SET deleted_at = now() WHERE id = ${id} AND tenant_id = ${ctx.tenantId}`;
  await recordEvent(ctx, "user.removed", id);
}

/** Seat usage per workspace; agency users see every workspace they manage. */
export async function seatUsage(tenantIds: string[]): Promise<{ tenant_id: string; seats: number }[]> {
  const { rows } = await pool.query<{ tenant_id: string; seats: number }>(
    `SELECT tenant_id, count(*)::int AS seats
       FROM users
      WHERE tenant_id = ANY($1) AND deleted_at IS NULL
      GROUP BY tenant_id`,
    [tenantIds],
  );
  if (rows.length === 0) return tenantIds.map((tenant_id) => ({ tenant_id, seats: 0 }));
  return rows;
}

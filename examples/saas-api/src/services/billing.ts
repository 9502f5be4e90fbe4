import type { TenantContext } from "../context";
import { pool, sql } from "../db";

export interface Plan {
  id: string;
  name: string;
  price_cents: number;
  max_projects: number | null;
  max_seats: number | null;
}

export interface Country {
  code: string;
  name: string;
  vat_rate: string;
}

export interface PlanLimits {
  planId: string;
  maxProjects: number | null;
  maxSeats: number | null;
}

/** The public pricing page; plans are the same for everyone. */
export async function listPlans(): Promise<Plan[]> {
  const { rows } = await pool.query<Plan>(
    "SELECT id, name, price_cents, max_projects, max_seats FROM plans ORDER BY price_cents",
  );
  return rows;
}

export async function listCountries(): Promise<Country[]> {
  return sql<Country[]>`SELECT code, name, vat_rate FROM countries ORDER BY name`;
}

export async function getPlanLimits(ctx: TenantContext): Promise<PlanLimits> {
  const [row] = await sql<{ id: string; max_projects: number | null; max_seats: number | null }[]>`
    SELECT p.id, p.max_projects, p.max_seats
      FROM tenants t
      JOIN plans p ON p.id = t.plan_id
     WHERE t.id = ${ctx.tenantId}`;
  return { planId: row.id, maxProjects: row.max_projects, maxSeats: row.max_seats };
}

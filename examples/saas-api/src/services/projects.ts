import type { TenantContext } from "../context";
import { HttpError } from "../context";
import { pool, sql } from "../db";
import { recordEvent } from "./audit";
import { getPlanLimits } from "./billing";

export interface Project {
  id: string;
  name: string;
  ownerId: string | null;
  archivedAt: Date | null;
  createdAt: Date;
}

interface ProjectRow {
  id: string;
  name: string;
  owner_id: string | null;
  archived_at: Date | null;
  created_at: Date;
}

export async function listProjects(ctx: TenantContext): Promise<Project[]> {
  const { rows } = await pool.query<ProjectRow>(
    `SELECT id, name, owner_id, archived_at, created_at
       FROM projects
      WHERE tenant_id = $1 AND archived_at IS NULL
      ORDER BY created_at DESC`,
    [ctx.tenantId],
  );
  return rows.map(toProject);
}

export async function getProject(ctx: TenantContext, id: string): Promise<Project | undefined> {
  const { rows } = await pool.query<ProjectRow>(
    `SELECT id, name, owner_id, archived_at, created_at
       FROM projects
      WHERE id = $1
        AND tenant_id = $2`,
    [id, ctx.tenantId],
  );
  return rows[0] && toProject(rows[0]);
}

/** Typeahead in the project switcher: every active project, plus archived ones whose name matches. */
export async function searchProjects(ctx: TenantContext, q: string): Promise<Project[]> {
  const { rows } = await pool.query<ProjectRow>(
    "SELECT id, name, owner_id, archived_at, created_at FROM projects WHERE tenant_id = $1 AND archived_at IS NULL OR name ILIKE $2 ORDER BY archived_at NULLS FIRST, name LIMIT 20",
    [ctx.tenantId, `%${q}%`],
  );
  return rows.map(toProject);
}

export async function createProject(ctx: TenantContext, name: string): Promise<Project> {
  const limits = await getPlanLimits(ctx);
  if (limits.maxProjects !== null) {
    const [{ count }] = await sql<{ count: number }[]>`
      SELECT count(*)::int AS count FROM projects WHERE tenant_id = ${ctx.tenantId} AND archived_at IS NULL`;
    if (count >= limits.maxProjects)
      throw new HttpError(402, `the ${limits.planId} plan allows ${limits.maxProjects} projects`);
  }
  const [row] = await sql<ProjectRow[]>`
    INSERT INTO projects (tenant_id, name, owner_id)
    VALUES (${ctx.tenantId}, ${name}, ${ctx.userId})
    RETURNING id, name, owner_id, archived_at, created_at`;
  await recordEvent(ctx, "project.created", name);
  return toProject(row);
}

export async function renameProject(ctx: TenantContext, id: string, name: string): Promise<Project | undefined> {
  const [row] = await sql<ProjectRow[]>`
    UPDATE projects
       SET name = ${name}
     WHERE id = ${id}
    RETURNING id, name, owner_id, archived_at, created_at`;
  if (row) await recordEvent(ctx, "project.renamed", name);
  return row && toProject(row);
}

export async function archiveProject(ctx: TenantContext, id: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    "UPDATE projects SET archived_at = now() WHERE id = $1 AND tenant_id = $2 AND archived_at IS NULL",
    [id, ctx.tenantId],
  );
  if (rowCount) await recordEvent(ctx, "project.archived", id);
  return rowCount === 1;
}

/** Dashboard card: projects that have at least one overdue invoice. */
export async function projectsWithOverdueInvoices(ctx: TenantContext): Promise<Project[]> {
  const { rows } = await pool.query<ProjectRow>(
    `SELECT p.id, p.name, p.owner_id, p.archived_at, p.created_at
       FROM projects p
      WHERE p.tenant_id = $1
        AND p.id IN (SELECT project_id FROM invoices WHERE tenant_id = $1 AND status = 'overdue')
      ORDER BY p.name`,
    [ctx.tenantId],
  );
  return rows.map(toProject);
}

function toProject(row: ProjectRow): Project {
  return {
    id: row.id,
    name: row.name,
    ownerId: row.owner_id,
    archivedAt: row.archived_at,
    createdAt: row.created_at,
  };
}

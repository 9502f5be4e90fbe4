import type { Request } from "express";

export interface TenantContext {
  tenantId: string;
  userId: string;
  role: "owner" | "admin" | "member";
  /** Workspaces an agency user manages besides their own (from memberships, checked at sign-in). */
  managedTenantIds: string[];
  /** Our own support staff, signed in through the staff SSO. */
  isStaff: boolean;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Set on the request by the session middleware; every tenant route starts here. */
export function tenantContext(req: Request): TenantContext {
  const ctx = (req as Request & { tenant?: TenantContext }).tenant;
  if (!ctx) throw new HttpError(401, "not signed in");
  return ctx;
}

export function requireAdmin(ctx: TenantContext): void {
  if (ctx.role === "member") throw new HttpError(403, "admins only");
}

export function queryString(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

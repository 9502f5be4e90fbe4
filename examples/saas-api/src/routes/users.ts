import { Router } from "express";
import { HttpError, queryString, requireAdmin, tenantContext } from "../context";
import * as users from "../services/users";

export const userRoutes = Router();

userRoutes.get("/", async (req, res) => {
  const ctx = tenantContext(req);
  // Staff can look across workspaces from the support console with ?all=1.
  const tenantId = ctx.isStaff && req.query.all === "1" ? null : ctx.tenantId;
  res.json(await users.listUsers(tenantId, req.query.deleted === "1"));
});

userRoutes.get("/seats", async (req, res) => {
  const ctx = tenantContext(req);
  res.json(await users.seatUsage([ctx.tenantId, ...ctx.managedTenantIds]));
});

userRoutes.get("/:id", async (req, res) => {
  const user = await users.getUser(tenantContext(req), req.params.id);
  if (!user) throw new HttpError(404, "user not found");
  res.json(user);
});

userRoutes.post("/invitations", async (req, res) => {
  const ctx = tenantContext(req);
  requireAdmin(ctx);
  const email = queryString(req.body?.email);
  const name = queryString(req.body?.name);
  if (!email || !email.includes("@") || !name) throw new HttpError(400, "email and name are required");
  res.status(201).json(await users.inviteUser(ctx, email, name));
});

userRoutes.delete("/:id", async (req, res) => {
  const ctx = tenantContext(req);
  requireAdmin(ctx);
  if (req.params.id === ctx.userId) throw new HttpError(409, "you cannot remove yourself");
  await users.removeUser(ctx, req.params.id);
  res.status(204).end();
});

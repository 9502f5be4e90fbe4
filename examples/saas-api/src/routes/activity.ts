import { Router } from "express";
import { queryString, requireAdmin, tenantContext } from "../context";
import { activityFeed, exportAuditLog } from "../services/audit";

export const activityRoutes = Router();

activityRoutes.get("/", async (req, res) => {
  const since = new Date(queryString(req.query.since) ?? Date.now() - 7 * 24 * 3600 * 1000);
  res.json(await activityFeed(tenantContext(req), since));
});

activityRoutes.get("/export.csv", async (req, res) => {
  const ctx = tenantContext(req);
  requireAdmin(ctx);
  res.type("text/csv").send(await exportAuditLog(ctx));
});

import { Router } from "express";
import { HttpError, queryString, requireAdmin, tenantContext } from "../context";
import * as projects from "../services/projects";

export const projectRoutes = Router();

projectRoutes.get("/", async (req, res) => {
  const ctx = tenantContext(req);
  const q = queryString(req.query.q);
  res.json(q ? await projects.searchProjects(ctx, q) : await projects.listProjects(ctx));
});

projectRoutes.get("/overdue", async (req, res) => {
  res.json(await projects.projectsWithOverdueInvoices(tenantContext(req)));
});

projectRoutes.get("/:id", async (req, res) => {
  const project = await projects.getProject(tenantContext(req), req.params.id);
  if (!project) throw new HttpError(404, "project not found");
  res.json(project);
});

projectRoutes.post("/", async (req, res) => {
  const name = String(req.body?.name ?? "").trim();
  if (!name) throw new HttpError(400, "name is required");
  res.status(201).json(await projects.createProject(tenantContext(req), name));
});

projectRoutes.patch("/:id", async (req, res) => {
  const name = String(req.body?.name ?? "").trim();
  if (!name) throw new HttpError(400, "name is required");
  const project = await projects.renameProject(tenantContext(req), req.params.id, name);
  if (!project) throw new HttpError(404, "project not found");
  res.json(project);
});

projectRoutes.delete("/:id", async (req, res) => {
  const ctx = tenantContext(req);
  requireAdmin(ctx);
  if (!(await projects.archiveProject(ctx, req.params.id))) throw new HttpError(404, "project not found");
  res.status(204).end();
});

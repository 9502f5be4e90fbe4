import { Router } from "express";
import { HttpError, queryString, tenantContext } from "../context";
import * as reports from "../services/reports";

export const reportRoutes = Router();

function period(query: Record<string, unknown>): { from: Date; to: Date } {
  const now = new Date();
  const from = new Date(queryString(query.from) ?? new Date(now.getFullYear(), now.getMonth(), 1).toISOString());
  const to = new Date(queryString(query.to) ?? now.toISOString());
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from >= to) {
    throw new HttpError(400, "from and to must be dates, from before to");
  }
  return { from, to };
}

reportRoutes.get("/revenue", async (req, res) => {
  const { from, to } = period(req.query);
  res.json(await reports.revenueByProject(tenantContext(req), from, to));
});

reportRoutes.get("/vat", async (req, res) => {
  const { from, to } = period(req.query);
  res.json(await reports.vatByCountry(tenantContext(req), from, to));
});

reportRoutes.get("/outstanding", async (req, res) => {
  res.json(await reports.outstanding(tenantContext(req)));
});

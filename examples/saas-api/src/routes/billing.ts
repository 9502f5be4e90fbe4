import { Router } from "express";
import { tenantContext } from "../context";
import { getPlanLimits, listCountries, listPlans } from "../services/billing";

export const billingRoutes = Router();

// Public: the pricing page and the billing address form read reference data.
billingRoutes.get("/plans", async (_req, res) => {
  res.set("Cache-Control", "public, max-age=300").json(await listPlans());
});

billingRoutes.get("/countries", async (_req, res) => {
  res.set("Cache-Control", "public, max-age=86400").json(await listCountries());
});

billingRoutes.get("/limits", async (req, res) => {
  res.json(await getPlanLimits(tenantContext(req)));
});

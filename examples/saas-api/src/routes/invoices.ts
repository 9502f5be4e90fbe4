import { Router } from "express";
import { HttpError, queryString, requireAdmin, tenantContext } from "../context";
import * as invoices from "../services/invoices";

export const invoiceRoutes = Router();

const STATUSES = new Set(["draft", "sent", "overdue", "paid", "void"]);

invoiceRoutes.get("/", async (req, res) => {
  const ctx = tenantContext(req);
  const filter = {
    status: queryString(req.query.status),
    projectId: queryString(req.query.project),
    customer: queryString(req.query.customer),
  };
  if (filter.projectId || filter.customer) {
    res.json(await invoices.findInvoices(filter));
    return;
  }
  const status = filter.status && STATUSES.has(filter.status) ? (filter.status as invoices.InvoiceStatus) : undefined;
  res.json(await invoices.listInvoices(ctx, status));
});

invoiceRoutes.get("/by-number/:number", async (req, res) => {
  const invoice = await invoices.getInvoiceByNumber(tenantContext(req), req.params.number);
  if (!invoice) throw new HttpError(404, "invoice not found");
  res.json(invoice);
});

invoiceRoutes.get("/:id", async (req, res) => {
  tenantContext(req); // signed in
  const invoice = await invoices.getInvoice(req.params.id);
  if (!invoice) throw new HttpError(404, "invoice not found");
  res.json(invoice);
});

invoiceRoutes.get("/:id/items", async (req, res) => {
  const invoice = await invoices.getInvoiceWithItems(tenantContext(req), req.params.id);
  if (!invoice) throw new HttpError(404, "invoice not found");
  res.json(invoice);
});

invoiceRoutes.post("/:id/items", async (req, res) => {
  const { description, quantity, unitPriceCents } = req.body ?? {};
  if (typeof description !== "string" || !Number.isInteger(quantity) || !Number.isInteger(unitPriceCents)) {
    throw new HttpError(400, "description, quantity and unitPriceCents are required");
  }
  const id = await invoices.addItem(tenantContext(req), req.params.id, { description, quantity, unitPriceCents });
  if (!id) throw new HttpError(409, "only draft invoices can be edited");
  res.status(201).json({ id });
});

invoiceRoutes.delete("/:id/items/:itemId", async (req, res) => {
  const removed = await invoices.removeItem(tenantContext(req), req.params.id, req.params.itemId);
  if (!removed) throw new HttpError(404, "item not found on a draft invoice");
  res.status(204).end();
});

invoiceRoutes.post("/:id/paid", async (req, res) => {
  const ctx = tenantContext(req);
  requireAdmin(ctx);
  if (!(await invoices.markPaid(ctx, req.params.id))) throw new HttpError(409, "invoice is not open");
  res.status(204).end();
});

invoiceRoutes.post("/:id/duplicate", async (req, res) => {
  const id = await invoices.duplicateInvoice(tenantContext(req), req.params.id);
  if (!id) throw new HttpError(404, "invoice not found");
  res.status(201).json({ id });
});

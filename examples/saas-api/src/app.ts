import express, { type NextFunction, type Request, type Response } from "express";
import { HttpError } from "./context";
import { activityRoutes } from "./routes/activity";
import { billingRoutes } from "./routes/billing";
import { invoiceRoutes } from "./routes/invoices";
import { projectRoutes } from "./routes/projects";
import { reportRoutes } from "./routes/reports";
import { userRoutes } from "./routes/users";

export const app = express();

app.use(express.json());
app.use("/projects", projectRoutes);
app.use("/invoices", invoiceRoutes);
app.use("/users", userRoutes);
app.use("/reports", reportRoutes);
app.use("/activity", activityRoutes);
app.use("/billing", billingRoutes);

app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
  if (error instanceof HttpError) {
    res.status(error.status).json({ error: error.message });
    return;
  }
  console.error(error);
  res.status(500).json({ error: "internal error" });
});

if (require.main === module) {
  const port = Number(process.env.PORT ?? 3000);
  app.listen(port, () => console.log(`saas-api listening on :${port}`));
}

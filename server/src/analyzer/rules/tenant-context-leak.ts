import type { RuleMeta } from "./meta";

export const rule: RuleMeta = {
  id: "tenant-context-leak",
  defaultSeverity: "error",
  title: "Tenant setting that outlives or misses its transaction",
  description:
    'With isolation "rls": app.tenant_id set for the session (SET without LOCAL, set_config(..., false)) stays on a pooled connection and the next request runs as this tenant; SET LOCAL / set_config(..., true) outside a transaction, or on a pool where each query may take another connection, does not reach the queries that follow.',
};

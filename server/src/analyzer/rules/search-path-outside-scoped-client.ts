import type { RuleMeta } from "./meta";

export const rule: RuleMeta = {
  id: "search-path-outside-scoped-client",
  defaultSeverity: "error",
  title: "search_path set outside the scoped client",
  description:
    'With isolation "schema": search_path is set by code other than the scoped client, so the schema a connection points at depends on which code touched it last, and it can stay on a pooled connection.',
};

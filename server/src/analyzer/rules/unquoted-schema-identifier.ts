import type { RuleMeta } from "./meta";

export const rule: RuleMeta = {
  id: "unquoted-schema-identifier",
  defaultSeverity: "error",
  title: "Schema name interpolated into SQL without quoting",
  description:
    'With isolation "schema": a schema name is spliced into SQL text without identifier quoting. A crafted tenant slug injects SQL that crosses every tenant\'s schema.',
};

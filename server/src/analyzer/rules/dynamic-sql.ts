import type { RuleMeta } from "./meta";

export const rule: RuleMeta = {
  id: "dynamic-sql",
  defaultSeverity: "info",
  title: "SQL that cannot be analyzed statically",
  description:
    "The SQL is assembled at run time (concatenation, a whole clause interpolated, a variable that cannot be followed) or does not parse, so tenantguard cannot prove it is scoped. Review it by hand or restructure it into a static statement.",
};

// Column and table name matching across SQL and ORM spellings.

/**
 * The columns zero-config inference considers, in order of preference: on a tie in how
 * many tables have them, the earlier one wins (so `tenant_id` beats everything).
 */
export const TENANT_COLUMN_CANDIDATES = [
  "tenant_id",
  "org_id",
  "organization_id",
  "organisation_id",
  "workspace_id",
  "team_id",
  "account_id",
  "company_id",
  "project_id",
] as const;

/**
 * One key for every spelling of a column name: `tenant_id`, `tenantId`, `TenantId` and
 * `tenantid` (what Postgres makes of an unquoted `tenantId`) all become `tenantid`.
 */
export function normalizeColumnName(name: string): string {
  return name.replace(/_/g, "").toLowerCase();
}

/** Whether a column (SQL or ORM spelling) is the tenant column: `tenant_id` matches `tenantId` and the reverse. */
export function tenantColumnMatches(column: string, tenantColumn: string): boolean {
  return normalizeColumnName(column) === normalizeColumnName(tenantColumn);
}

/** `tenantId` -> `tenant_id`, `OrderItems` -> `order_items` (Drizzle's and Sequelize's rule). */
export function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

/**
 * English plurals as Sequelize makes table names (the `inflection` package's rules, first match
 * wins): `Order` -> `Orders`, `Company` -> `Companies`, `Address` -> `Addresses`; a name that already
 * ends in `s` stays (`settings`, `memberAttributeSettings`), but for the few the rules name
 * (`status` -> `statuses`, `bus` -> `buses`); uncountable words stay too.
 */
export function pluralize(name: string): string {
  if (UNCOUNTABLE.test(name)) return name;
  for (const [pattern, replacement] of PLURAL_RULES) if (pattern.test(name)) return name.replace(pattern, replacement);
  return `${name}s`;
}

const UNCOUNTABLE = /^(?:equipment|information|rice|money|species|series|fish|sheep|moose|deer|news)$/i;

const PLURAL_RULES: [RegExp, string][] = [
  // Already plural: kept as they are.
  [/(m)en$/i, "$1en"],
  [/(pe)ople$/i, "$1ople"],
  [/(child)ren$/i, "$1ren"],
  [/([ti])a$/i, "$1a"],
  [/([ml])ice$/i, "$1ice"],
  [/(octop|vir)i$/i, "$1i"],
  [/(m)an$/i, "$1en"],
  [/(pe)rson$/i, "$1ople"],
  [/(child)$/i, "$1ren"],
  [/^(ox)$/i, "$1en"],
  [/(ax|test)is$/i, "$1es"],
  [/(octop|vir)us$/i, "$1i"],
  [/(alias|status|canvas|campus)$/i, "$1es"],
  [/(bu)s$/i, "$1ses"],
  [/(buffal|tomat|potat)o$/i, "$1oes"],
  [/([ti])um$/i, "$1a"],
  [/sis$/i, "ses"],
  [/(?:([^f])fe|([lr])f)$/i, "$1$2ves"],
  [/(hive)$/i, "$1s"],
  [/([^aeiouy]|qu)y$/i, "$1ies"],
  [/(x|ch|ss|sh)$/i, "$1es"],
  [/(matr|vert|ind)(?:ix|ex)$/i, "$1ices"],
  [/([ml])ouse$/i, "$1ice"],
  [/(quiz)$/i, "$1zes"],
  [/s$/i, "s"],
];

/** Splits a config table key, `billing.invoices` or `invoices`, into schema and name. */
export function splitQualifiedName(qualified: string): { schema?: string; name: string } {
  const dot = qualified.lastIndexOf(".");
  return dot < 0 ? { name: qualified } : { schema: qualified.slice(0, dot), name: qualified.slice(dot + 1) };
}

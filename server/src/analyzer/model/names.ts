// Column and table name matching across SQL and ORM spellings.
import inflection from "inflection";

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
 * The table name Sequelize derives from a model name: its own `Utils.pluralize`, which is the
 * `inflection` package's (`Order` -> `Orders`, `Company` -> `Companies`, `settings` stays,
 * `Bonus` -> `Bonuses`, `Evidence` stays).
 */
export function pluralize(name: string): string {
  return inflection.pluralize(name);
}

/**
 * The snake_case name Sequelize gives a model's table and attributes under `underscored: true`:
 * its own `Utils.underscore`, which is the `inflection` package's (`LineItem` -> `line_item`,
 * `userID` -> `user_i_d`, as the database then really spells it).
 */
export function sequelizeUnderscore(name: string): string {
  return inflection.underscore(name);
}

/** Splits a config table key, `billing.invoices` or `invoices`, into schema and name. */
export function splitQualifiedName(qualified: string): { schema?: string; name: string } {
  const dot = qualified.lastIndexOf(".");
  return dot < 0 ? { name: qualified } : { schema: qualified.slice(0, dot), name: qualified.slice(dot + 1) };
}

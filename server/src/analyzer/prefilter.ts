// A text-only test a front end runs before parsing a file: most files of a backend hold no
// query at all, and skipping their parse is most of the speed of a full scan.

/** SQL keywords or a query call: the SQL checker may find something. */
export const MAY_HOLD_SQL = /\b(select|insert|update|delete|with|merge)\b|\.(query|raw|unsafe)\s*\(/i;

/** An ORM import or a call shaped like an ORM query method. */
const MAY_HOLD_ORM =
  /@prisma\/client|drizzle-orm|kysely|knex|typeorm|sequelize|\.(find|create|update|upsert|delete|destroy|count|aggregate|groupBy|insert|select|save|bulkCreate|softDelete|restore|increment|decrement|from|where|exist|sum|average|minimum|maximum|max|min|getRepository|\$transaction)\w*\s*[(<]|\.(del|first|pluck|modify)\s*\(/;

/** False only when the analyzer cannot report anything for this text. */
export function mayHaveFindings(text: string): boolean {
  return MAY_HOLD_SQL.test(text) || MAY_HOLD_ORM.test(text) || text.includes("tenantguard-ignore");
}

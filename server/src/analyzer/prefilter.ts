// A text-only test a front end runs before parsing a file: most files of a backend hold no
// query at all, and skipping their parse is most of the speed of a full scan.

/**
 * SQL keywords or a query call: the SQL checker may find something. (No `with`: a CTE always
 * has a SELECT, INSERT, UPDATE or DELETE after it, and "with" is in half the comments written.)
 */
export const MAY_HOLD_SQL = /\b(select|insert|update|delete|merge)\b|\.(query|raw|unsafe)\s*\(/i;

/**
 * An ORM import or a call shaped like an ORM query method. Not `Buffer.from(...)`,
 * `Array.from(...)` or `Math.min(...)`: aggregates count only with a column name
 * (`.max('total')`), which is how every ORM here calls them.
 */
const MAY_HOLD_ORM =
  /@prisma\/client|drizzle-orm|kysely|knex|typeorm|sequelize|\.(find|create|update|upsert|delete|destroy|count|aggregate|groupBy|insert|select|save|bulkCreate|softDelete|restore|increment|decrement|where|exist|getRepository|\$transaction)\w*\s*[(<]|(?<!\b(?:Buffer|Array)\s*)\.from\w*\s*[(<]|\.(sum|average|minimum|maximum|max|min)\s*\(\s*['"`]|\.(del|first|pluck|modify)\s*\(/;

/** False only when the analyzer cannot report anything for this text. */
export function mayHaveFindings(text: string): boolean {
  return MAY_HOLD_SQL.test(text) || MAY_HOLD_ORM.test(text) || text.includes("tenantguard-ignore");
}

/**
 * Whether `text` holds a call matching `pattern` (a global regex; group 1, when it matched, is
 * the table argument's text) whose table `isTable` accepts. A call whose argument the pattern
 * could not read (group 1 absent) counts. Keeps `Buffer.from(...)` and `cache.delete(key)` from
 * waking a query-builder module up.
 */
export function callNamesTable(text: string, pattern: RegExp, isTable: (name: string) => boolean): boolean {
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    if (m[1] === undefined || isTable(m[1])) return true;
  }
  return false;
}

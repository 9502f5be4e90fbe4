// `UPDATE projects SET ${updates.join(", ")} WHERE id = $1 AND org_id = $2`: the assignments are
// built at run time, but they cannot change which rows the statement touches. Each such hole (right
// after SET, or after a comma of the SET list) stands for one assignment, so the rest parses and
// its WHERE is checked like any other.
import type { SqlHole, SqlSite } from "./site";

/** What stands for the assignments a hole splices in: one assignment the parser accepts. */
const STUB = '"tenantguard_set" = NULL';

/** The site with its SET-list holes standing for one assignment each; undefined when it has none. */
export function withSetListStubs(site: SqlSite): SqlSite | undefined {
  const stubbed = site.holes.filter((h) => h.kind !== "value" && inSetList(site.sql, h));
  if (!stubbed.length) return undefined;
  return withHoleTexts(site, new Map(stubbed.map((h) => [h, STUB])));
}

/**
 * The site with each of `texts`' holes replaced by its text. Offsets in the new text map back
 * through the old: inside a replaced hole, to the hole's expression.
 */
export function withHoleTexts(site: SqlSite, texts: ReadonlyMap<SqlHole, string>): SqlSite {
  // Rebuild the text, and for each replacement where it now starts and how far later text moved.
  let sql = "";
  let from = 0;
  let shift = 0;
  const moved: { oldStart: number; oldEnd: number; newStart: number; length: number; shiftAfter: number }[] = [];
  for (const [h, text] of [...texts].sort(([a], [b]) => a.sqlStart - b.sqlStart)) {
    sql += site.sql.slice(from, h.sqlStart);
    const newStart = h.sqlStart + shift;
    sql += text;
    shift += text.length - (h.sqlEnd - h.sqlStart);
    moved.push({ oldStart: h.sqlStart, oldEnd: h.sqlEnd, newStart, length: text.length, shiftAfter: shift });
    from = h.sqlEnd;
  }
  sql += site.sql.slice(from);
  const toOld = (n: number): number => {
    let before = 0;
    for (const m of moved) {
      if (n < m.newStart) return n - before;
      if (n < m.newStart + m.length) return m.oldStart;
      before = m.shiftAfter;
    }
    return n - before;
  };
  const toNew = (o: number): number => {
    let before = 0;
    for (const m of moved) {
      if (o < m.oldStart) return o + before;
      if (o < m.oldEnd) return m.newStart;
      before = m.shiftAfter;
    }
    return o + before;
  };
  const holes: SqlHole[] = site.holes.map((h) => {
    const text = texts.get(h);
    return text !== undefined
      ? { ...h, sqlStart: toNew(h.sqlStart), sqlEnd: toNew(h.sqlStart) + text.length }
      : { ...h, sqlStart: toNew(h.sqlStart), sqlEnd: toNew(h.sqlEnd) };
  });
  return { ...site, sql, holes, toFileOffset: (n) => site.toFileOffset(toOld(n)) };
}

/** `SET <hole>` or `SET a = 1, <hole>` of an UPDATE, the hole followed by the end of the list. */
function inSetList(sql: string, h: SqlHole): boolean {
  const before = sql.slice(0, h.sqlStart);
  const after = sql.slice(h.sqlEnd);
  if (!/^\s*(?:,|where\b|from\b|returning\b|;|$)/i.test(after)) return false;
  const set = /\bupdate\b[\s\S]*\bset\b([\s\S]*)$/i.exec(before);
  if (!set) return false;
  const list = set[1]!;
  return /^\s*$/.test(list) || (/,\s*$/.test(list) && !/\b(?:where|from|returning)\b/i.test(list));
}

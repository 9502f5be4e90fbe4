// Clause boundaries from the real Postgres scanner's tokens. The parse tree has start
// locations only; fixes need ends ("after the last term of this WHERE"), which depend
// on parenthesis depth and on the keywords that start the next clause.
import type { SqlToken } from "./parse";

/** Keywords that end a FROM or WHERE clause at the same parenthesis depth. */
const CLAUSE_END = new Set([
  "WHERE",
  "GROUP",
  "HAVING",
  "WINDOW",
  "ORDER",
  "LIMIT",
  "OFFSET",
  "FETCH",
  "FOR",
  "RETURNING",
  "UNION",
  "INTERSECT",
  "EXCEPT",
  "ON",
]);

/** The scanner's tokens with their parenthesis depths, scanned on first use (only fixes need them). */
export class ClauseTokens {
  private scanned: readonly SqlToken[] | undefined;
  /** Parenthesis depth of each token; `(` and `)` carry the depth outside them. */
  private readonly depth: number[] = [];

  constructor(private readonly scan: () => readonly SqlToken[]) {}

  get tokens(): readonly SqlToken[] {
    if (!this.scanned) {
      this.scanned = this.scan();
      let d = 0;
      for (const t of this.scanned) {
        if (t.text === ")") d = Math.max(0, d - 1);
        this.depth.push(d);
        if (t.text === "(") d++;
      }
    }
    return this.scanned;
  }

  /** Index of the first token starting at or after `offset`. */
  indexAt(offset: number): number {
    let lo = 0;
    let hi = this.tokens.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.tokens[mid].start < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Start of the `)` matching the first `(` at or after `offset`. */
  closingParenAfter(offset: number): number | undefined {
    for (let i = this.indexAt(offset); i < this.tokens.length; i++) {
      if (this.tokens[i].text === "(") return this.matchingClose(i);
    }
    return undefined;
  }

  /** Start of the `)` that closes the innermost parenthesis around `offset`. */
  enclosingClose(offset: number): number | undefined {
    const i = this.indexAt(offset);
    if (i >= this.tokens.length) return undefined;
    const d = this.depth[i];
    for (let k = i; k < this.tokens.length; k++) {
      if (this.tokens[k].text === ")" && this.depth[k] < d) return this.tokens[k].start;
    }
    return undefined;
  }

  /** End of the `count`-th token from the one at `offset`. */
  endAfterTokens(offset: number, count: number): number | undefined {
    const i = this.indexAt(offset);
    const last = Math.min(this.tokens.length - 1, i + count - 1);
    return last >= i ? this.tokens[last].end : undefined;
  }

  depthAt(index: number): number {
    void this.tokens;
    return this.depth[index] ?? 0;
  }

  private matchingClose(open: number): number | undefined {
    const d = this.depth[open];
    for (let k = open + 1; k < this.tokens.length; k++) {
      if (this.tokens[k].text === ")" && this.depth[k] === d) return this.tokens[k].start;
    }
    return undefined;
  }
}

/**
 * Where an added tenant predicate goes. With `hasWhere`, `offset` is where the WHERE
 * expression starts and the result is the end of its last token (plus the expression's
 * start, for wrapping an OR in parentheses). Without, `offset` is the first FROM item
 * (or the UPDATE/DELETE target) and the result is the end of the clause a new WHERE follows.
 */
export function clauseInsertion(
  tokens: ClauseTokens,
  offset: number,
  hasWhere: boolean,
): { end: number; exprStart?: number } | undefined {
  const list = tokens.tokens;
  let i = tokens.indexAt(offset);
  if (i >= list.length) return undefined;
  let depth = tokens.depthAt(i);
  let exprStart: number | undefined;
  if (hasWhere) {
    // The WHERE keyword of this level: the nearest one before the expression, not deeper.
    let w = i;
    while (w >= 0 && !(list[w].keyword === "WHERE" && tokens.depthAt(w) <= depth)) w--;
    if (w < 0) return undefined;
    depth = tokens.depthAt(w);
    i = w + 1;
    if (i >= list.length) return undefined;
    exprStart = list[i].start;
  } else {
    // The FROM / UPDATE / DELETE keyword of this level fixes the depth (a FROM item may sit in parentheses).
    let k = i;
    while (k >= 0 && !(["FROM", "UPDATE", "DELETE"].includes(list[k].keyword) && tokens.depthAt(k) <= depth)) k--;
    if (k >= 0) depth = tokens.depthAt(k);
  }
  let last = i;
  for (let k = i; k < list.length; k++) {
    const t = list[k];
    const d = tokens.depthAt(k);
    if (d < depth || t.text === ";") break;
    if (d === depth && k > i && CLAUSE_END.has(t.keyword) && !(t.keyword === "ON" && !hasWhere && isJoinOn(list, k))) {
      if (t.keyword !== "WHERE" || !hasWhere) break;
    }
    last = k;
  }
  return { end: list[last].end, exprStart };
}

/** `ON` of a JOIN belongs to the FROM clause; `ON CONFLICT` ends it. */
function isJoinOn(list: readonly SqlToken[], index: number): boolean {
  return list[index + 1]?.keyword !== "CONFLICT";
}

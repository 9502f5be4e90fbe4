// Small accessors over libpg-query's JSON tree. The tree wraps every node as
// `{ NodeType: { ...fields } }`; these helpers keep that noise out of the semantics.

/** A node of the parse tree in libpg-query's wrapped form, e.g. `{ ColumnRef: {...} }`. */
export type PgNode = Record<string, unknown>;

/** Returns the node's type name and its fields, or undefined for a non-node. */
export function unwrap(node: unknown): [string, Record<string, unknown>] | undefined {
  const key = soleKey(node);
  if (key === undefined) return undefined;
  const inner = (node as PgNode)[key];
  if (!inner || typeof inner !== "object") return undefined;
  return [key, inner as Record<string, unknown>];
}

/** The one key of a wrapped node (`ColumnRef` of `{ ColumnRef: {...} }`), read without allocating (the tree walks call this for every node). */
function soleKey(node: unknown): string | undefined {
  if (!node || typeof node !== "object" || Array.isArray(node)) return undefined;
  let key: string | undefined;
  for (const k in node) {
    if (key !== undefined) return undefined;
    key = k;
  }
  return key;
}

/** The fields of `node` when it is of `type`. */
export function as<T = Record<string, unknown>>(node: unknown, type: string): T | undefined {
  const u = unwrap(node);
  return u && u[0] === type ? (u[1] as T) : undefined;
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** `String` nodes inside a name list (`[{String:{sval:"="}}]`) as plain strings; `*` for A_Star. */
export function names(value: unknown): string[] {
  return list(value).map((n) => {
    const s = as<{ sval?: string }>(n, "String");
    if (s) return s.sval ?? "";
    return as(n, "A_Star") ? "*" : "";
  });
}

export interface ColumnRefInfo {
  /** Qualifier parts before the column (`[]`, `[alias]`, `[schema, table]`). */
  qualifier: string[];
  /** Column name, or `*`. */
  column: string;
  location: number;
}

export function columnRef(node: unknown): ColumnRefInfo | undefined {
  const c = as<{ fields?: unknown[]; location?: number }>(node, "ColumnRef");
  if (!c) return undefined;
  const parts = names(c.fields);
  if (parts.length === 0) return undefined;
  return { qualifier: parts.slice(0, -1), column: parts[parts.length - 1], location: c.location ?? 0 };
}

/** Strips `::type` casts, which do not change whether an expression is a tenant column or value. */
export function stripCasts(node: unknown): unknown {
  let current = node;
  for (;;) {
    const cast = as<{ arg?: unknown }>(current, "TypeCast");
    if (!cast) return current;
    current = cast.arg;
  }
}

/**
 * Calls `visit` on `node` and every node below it in document order.
 * `visit` returns false to skip a node's children.
 */
export function walk(
  node: unknown,
  visit: (type: string, fields: Record<string, unknown>, node: unknown) => boolean | void,
): void {
  // A stack, not recursion: a long `a || b || ...` nests as deep as it is long.
  const stack: unknown[] = [node];
  while (stack.length) {
    const current = stack.pop();
    if (!current || typeof current !== "object") continue;
    let fields = current as Record<string, unknown>;
    if (!Array.isArray(current)) {
      const key = soleKey(current);
      const inner = key === undefined ? undefined : (current as PgNode)[key];
      if (inner && typeof inner === "object") {
        fields = inner as Record<string, unknown>;
        if (visit(key!, fields, current) === false) continue;
      }
    }
    // Children pushed in order, then that run reversed, so they pop in document order.
    const base = stack.length;
    for (const k in fields) {
      const v = fields[k];
      if (v && typeof v === "object") stack.push(v);
    }
    for (let i = base, j = stack.length - 1; i < j; i++, j--) {
      const t = stack[i];
      stack[i] = stack[j];
      stack[j] = t;
    }
  }
}

/** Whether a subtree holds a node of `type` (`ColumnRef`, `ParamRef`, `CaseExpr`). */
export function containsNode(node: unknown, type: string): boolean {
  let found = false;
  walk(node, (t) => {
    if (t === type) found = true;
    return found ? false : undefined;
  });
  return found;
}

/** The smallest `location` found in a subtree: where an expression starts in the SQL text. */
export function firstLocation(node: unknown): number | undefined {
  let min: number | undefined;
  const consider = (fields: Record<string, unknown>) => {
    const loc = fields.location;
    if (typeof loc === "number" && loc >= 0 && (min === undefined || loc < min)) min = loc;
  };
  walk(node, (_t, fields) => {
    consider(fields);
  });
  return min;
}

/**
 * A name as SQL text must write it: bare when PostgreSQL reads it back unchanged (lower case, not
 * a reserved word), else double-quoted (`"teamId"`: unquoted, Postgres folds it to `teamid`).
 */
export function sqlIdentifier(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) && !RESERVED_WORDS.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** Whether PostgreSQL never reads `word` (any case) as a bare name: `user`, `group`, `order`. */
export function isReservedWord(word: string): boolean {
  return RESERVED_WORDS.has(word.toLowerCase());
}

/** `qualifier.column`, each part written as SQL text must write it. */
export function qualifiedColumn(qualifier: string, column: string): string {
  return `${sqlIdentifier(qualifier)}.${sqlIdentifier(column)}`;
}

/** PostgreSQL's reserved key words (those it never reads as a bare name). */
const RESERVED_WORDS = new Set(
  (
    "all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create " +
    "current_catalog current_date current_role current_time current_timestamp current_user default deferrable desc " +
    "distinct do else end except false fetch for foreign from grant group having in initially intersect into lateral " +
    "leading limit localtime localtimestamp not null offset on only or order placing primary references returning " +
    "select session_user some symmetric system_user table then to trailing true union unique user using variadic " +
    "when where window with"
  ).split(" "),
);

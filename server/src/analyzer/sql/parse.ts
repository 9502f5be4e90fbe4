// The real PostgreSQL parser (libpg-query, WASM). Loaded once per process by the front
// end and passed in: the analyzer itself holds no module state.
import type { ParseResult } from "@pgsql/types";

export interface SqlParseError {
  message: string;
  /** UTF-16 offset into the SQL text where the parser stopped. */
  position: number;
}

export interface ParsedSql {
  tree: ParseResult;
  /** Converts a parser `location` (UTF-8 byte offset) to a UTF-16 offset in the SQL text. */
  toCharOffset(byteOffset: number): number;
}

/** One lexical token of the SQL text, offsets already converted to UTF-16. */
export interface SqlToken {
  start: number;
  end: number;
  text: string;
  /** Upper-cased keyword text for keywords, "" otherwise. */
  keyword: string;
}

export interface SqlParser {
  parse(sql: string): ParsedSql | { error: SqlParseError };
  /** The real Postgres scanner: comments and whitespace are not tokens. Never throws. */
  scan(sql: string): SqlToken[];
}

interface LibPgQuery {
  loadModule(): Promise<void>;
  parseSync(sql: string): ParseResult;
  scanSync(sql: string): {
    tokens: { start: number; end: number; text: string; keywordName: string }[];
  };
}

let loading: Promise<SqlParser> | undefined;

/**
 * Loads the WASM module (about 40 ms) the first time and returns the same parser
 * afterwards. Front ends call this once at start-up.
 */
export function loadSqlParser(): Promise<SqlParser> {
  loading ??= (async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const lib = require("libpg-query") as LibPgQuery;
    await lib.loadModule();
    return createSqlParser(lib);
  })();
  return loading;
}

/**
 * Parses kept per statement text, most recent last. An editor re-analyzes a file on every
 * keystroke with nearly all of its SQL unchanged, and a codebase repeats statements: the same
 * text is parsed once. Trees are shared, so nothing may modify them.
 */
const CACHE_SIZE = 2000;

function cached<T>(compute: (sql: string) => T): (sql: string) => T {
  const cache = new Map<string, T>();
  return (sql) => {
    const hit = cache.get(sql);
    if (hit !== undefined) {
      cache.delete(sql);
      cache.set(sql, hit);
      return hit;
    }
    const value = compute(sql);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(sql, value);
    return value;
  };
}

function createSqlParser(lib: LibPgQuery): SqlParser {
  const parser = createUncachedSqlParser(lib);
  return { parse: cached(parser.parse), scan: cached(parser.scan) };
}

function createUncachedSqlParser(lib: LibPgQuery): SqlParser {
  return {
    parse(sql) {
      const toCharOffset = byteToCharMapper(sql);
      try {
        return { tree: lib.parseSync(sql), toCharOffset };
      } catch (e) {
        const err = e as { message?: string; sqlDetails?: { message: string; cursorPosition: number } };
        const details = err.sqlDetails;
        const message = details?.message ?? err.message ?? String(e);
        // libpg-query reports the cursor 0-based and in code points, not UTF-16 units.
        const codePoints = details?.cursorPosition ?? 0;
        let position = 0;
        for (let n = 0; n < codePoints && position < sql.length; n++)
          position += sql.codePointAt(position)! > 0xffff ? 2 : 1;
        return { error: { message, position: Math.min(position, sql.length) } };
      }
    },
    scan(sql) {
      const toCharOffset = byteToCharMapper(sql);
      try {
        return lib.scanSync(sql).tokens.map((t) => ({
          start: toCharOffset(t.start),
          end: toCharOffset(t.end),
          text: t.text,
          keyword: t.keywordName === "NO_KEYWORD" ? "" : t.text.toUpperCase(),
        }));
      } catch {
        return [];
      }
    },
  };
}

/** Postgres reports UTF-8 byte offsets; TypeScript works in UTF-16 code units. */
export function byteToCharMapper(text: string): (byteOffset: number) => number {
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(text)) return (b) => b;
  const charAtByte: number[] = [];
  let byte = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i)!;
    const bytes = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    for (let k = 0; k < bytes; k++) charAtByte[byte + k] = i;
    byte += bytes;
    if (code >= 0x10000) i++; // surrogate pair: two UTF-16 units
  }
  return (b) => (b >= byte ? text.length : charAtByte[b]);
}

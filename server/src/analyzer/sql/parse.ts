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

export interface SqlParser {
  parse(sql: string): ParsedSql | { error: SqlParseError };
}

interface LibPgQuery {
  loadModule(): Promise<void>;
  parseSync(sql: string): ParseResult;
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

function createSqlParser(lib: LibPgQuery): SqlParser {
  return {
    parse(sql) {
      const toCharOffset = byteToCharMapper(sql);
      try {
        return { tree: lib.parseSync(sql), toCharOffset };
      } catch (e) {
        const err = e as { message?: string; sqlDetails?: { message: string; cursorPosition: number } };
        const details = err.sqlDetails;
        const message = details?.message ?? err.message ?? String(e);
        // cursorPosition is 1-based in bytes (0 when unknown).
        const cursor = details && details.cursorPosition > 0 ? details.cursorPosition - 1 : 0;
        return { error: { message, position: Math.min(toCharOffset(cursor), sql.length) } };
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

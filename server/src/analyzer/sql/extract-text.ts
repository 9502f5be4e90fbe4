// Cooked literal text with an exact map back to the TypeScript file. String and template
// literals are cooked the way JavaScript cooks them, and every char remembers the file
// offset it came from, so a parser location lands on the right character in the editor
// (`\n` escapes, emoji and CRLF line ends included).

/** A run of SQL characters and where they come from in the file. */
export interface Segment {
  sqlStart: number;
  sqlEnd: number;
  fileStart: number;
  /** Where the source of the run ends in the file (used for an offset at the very end of the SQL). */
  fileEnd: number;
  /** Linear: the i-th char maps to `fileStart + i`. Otherwise every char maps to `fileStart` (an escape, a placeholder). */
  linear: boolean;
}

/** Text plus, for each of its chars, the file offset it came from. */
export interface MappedText {
  text: string;
  segments: Segment[];
}
/**
 * Cooks the source text of a string or template literal between `start` and `end` (the
 * quotes excluded). A cooked char produced by an escape maps to its backslash; a template's
 * CRLF, cooked to `\n`, maps to the `\r`.
 */
export function cookLiteral(fileText: string, start: number, end: number, isTemplate: boolean): MappedText {
  const raw = fileText.slice(start, end);
  if (!raw.includes("\\") && !(isTemplate && raw.includes("\r"))) {
    // The common case: the SQL is the source text, one to one.
    const segments = raw ? [{ sqlStart: 0, sqlEnd: raw.length, fileStart: start, fileEnd: end, linear: true }] : [];
    return { text: raw, segments };
  }
  const out = new MappedTextBuilder();
  let run = start;
  let i = start;
  while (i < end) {
    const c = fileText.charCodeAt(i);
    if (c === 0x5c /* \ */) {
      out.appendRun(fileText, run, i);
      const [cooked, next] = decodeEscape(fileText, i, end);
      out.appendPoint(cooked, i, next);
      i = run = next;
    } else if (c === 0x0d /* \r */ && isTemplate) {
      out.appendRun(fileText, run, i);
      const next = fileText.charCodeAt(i + 1) === 0x0a && i + 1 < end ? i + 2 : i + 1;
      out.appendPoint("\n", i, next);
      i = run = next;
    } else {
      i++;
    }
  }
  out.appendRun(fileText, run, end);
  return out.result();
}

/** Synthetic text (a quote, a dot) attributed to one place in the file. */
export function pointText(text: string, fileStart: number, fileEnd: number): MappedText {
  const out = new MappedTextBuilder();
  out.appendPoint(text, fileStart, fileEnd);
  return out.result();
}

/** `text.slice(from, to)` with its map. */
export function sliceMapped(text: MappedText, from: number, to: number): MappedText {
  const out = new MappedTextBuilder();
  out.append(text, from, to);
  return out.result();
}

/** The file offset of char `i` of a mapped text. */
export function mappedOffset(text: MappedText, i: number): number {
  const segs = text.segments;
  if (segs.length === 0) return 0;
  if (i >= text.text.length) return segs[segs.length - 1].fileEnd;
  const seg = segs[Math.max(0, segmentAt(segs, i))];
  return seg.linear ? seg.fileStart + Math.max(0, i - seg.sqlStart) : seg.fileStart;
}

/** Builds a `MappedText` piece by piece, merging runs that stay contiguous in the file. */
export class MappedTextBuilder {
  text = "";
  private readonly segments: Segment[] = [];
  private lastChars = "";

  /** The last few chars, without slicing `text` (a long rope: slicing it on every hole is quadratic). */
  tail(): string {
    return this.lastChars;
  }

  /** Appends `fileText.slice(from, to)`, which maps one to one. */
  appendRun(fileText: string, from: number, to: number): void {
    if (to <= from) return;
    this.push(this.text.length, to - from, from, to, true);
    this.add(fileText.slice(from, to));
  }

  appendPoint(text: string, fileStart: number, fileEnd: number): void {
    if (text.length === 0) return;
    this.push(this.text.length, text.length, fileStart, fileEnd, false);
    this.add(text);
  }

  /** Appends `source.text.slice(from, to)` with its map. */
  append(source: MappedText, from = 0, to = source.text.length): void {
    if (to <= from) return;
    const segs = source.segments;
    const base = this.text.length - from;
    for (let k = Math.max(0, segmentAt(segs, from)); k < segs.length && segs[k].sqlStart < to; k++) {
      const seg = segs[k];
      const a = Math.max(seg.sqlStart, from);
      const b = Math.min(seg.sqlEnd, to);
      if (b <= a) continue;
      if (seg.linear) {
        const fileStart = seg.fileStart + (a - seg.sqlStart);
        this.push(base + a, b - a, fileStart, fileStart + (b - a), true);
      } else {
        this.push(base + a, b - a, seg.fileStart, seg.fileEnd, false);
      }
    }
    this.add(source.text.slice(from, to));
  }

  result(): MappedText {
    return { text: this.text, segments: this.segments };
  }

  mapper(fallback: number): (sqlOffset: number) => number {
    const { text, segments } = this.result();
    if (segments.length === 0) return () => fallback;
    return (sqlOffset) => {
      if (!(sqlOffset > 0)) return segments[0].fileStart; // also NaN
      return mappedOffset({ text, segments }, Math.floor(sqlOffset));
    };
  }

  private add(text: string): void {
    this.text += text;
    this.lastChars = text.length >= 24 ? text.slice(-24) : (this.lastChars + text).slice(-24);
  }

  private push(sqlStart: number, length: number, fileStart: number, fileEnd: number, linear: boolean): void {
    const last = this.segments[this.segments.length - 1];
    if (linear && last?.linear && last.sqlEnd === sqlStart && last.fileEnd === fileStart) {
      last.sqlEnd += length;
      last.fileEnd = fileEnd;
      return;
    }
    this.segments.push({ sqlStart, sqlEnd: sqlStart + length, fileStart, fileEnd, linear });
  }
}

// ---------------------------------------------------------------------------------------

/** Index of the segment holding char `i`, or -1. */
function segmentAt(segs: Segment[], i: number): number {
  let lo = 0;
  let hi = segs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (segs[mid].sqlEnd <= i) lo = mid + 1;
    else if (segs[mid].sqlStart > i) hi = mid - 1;
    else return mid;
  }
  return -1;
}

/** Decodes the escape at `i` (a backslash); returns the cooked text and the offset after it. */
function decodeEscape(s: string, i: number, end: number): [string, number] {
  const j = i + 1;
  if (j >= end) return ["", end];
  const c = s[j];
  switch (c) {
    case "n":
      return ["\n", j + 1];
    case "t":
      return ["\t", j + 1];
    case "r":
      return ["\r", j + 1];
    case "b":
      return ["\b", j + 1];
    case "f":
      return ["\f", j + 1];
    case "v":
      return ["\v", j + 1];
    case "x": {
      const hex = s.slice(j + 1, Math.min(j + 3, end));
      return /^[0-9a-f]{2}$/i.test(hex) ? [String.fromCharCode(parseInt(hex, 16)), j + 3] : ["x", j + 1];
    }
    case "u": {
      if (s[j + 1] === "{") {
        const close = s.indexOf("}", j + 2);
        const hex = close > 0 && close < end ? s.slice(j + 2, close) : "";
        const code = /^[0-9a-f]{1,8}$/i.test(hex) ? parseInt(hex, 16) : NaN;
        return code <= 0x10ffff ? [String.fromCodePoint(code), close + 1] : ["u", j + 1];
      }
      const hex = s.slice(j + 1, Math.min(j + 5, end));
      return /^[0-9a-f]{4}$/i.test(hex) ? [String.fromCharCode(parseInt(hex, 16)), j + 5] : ["u", j + 1];
    }
    case "\r": // line continuation
      return ["", s[j + 1] === "\n" && j + 1 < end ? j + 2 : j + 1];
    case "\n":
    case "\u2028":
    case "\u2029":
      return ["", j + 1];
  }
  if (c >= "0" && c <= "7") {
    // Legacy octal (`\0` alone is NUL): up to three digits while the value stays below 0o400.
    let k = j + 1;
    const limit = c <= "3" ? j + 3 : j + 2;
    while (k < limit && k < end && s[k] >= "0" && s[k] <= "7") k++;
    return [String.fromCharCode(parseInt(s.slice(j, k), 8)), k];
  }
  return [c, j + 1]; // \' \" \\ \` \$ and every other identity escape
}

/** Text parts joined, each hole as ` 0 `: enough to find `$n` and quotes across holes. */

// "Fix all": which fixes can be applied together, shared by `--fix`, the language server's
// source action and the tsserver plugin's combined fix.
import type { Finding, Fix, TextEdit } from "../types";

/**
 * The edits of the first safe fix of every unsuppressed finding, skipping any fix that
 * touches one already taken. Two fixes of one query both append to its values array and
 * number the same `$N`: the first wins, and another pass against the new text takes the rest.
 */
export function selectSafeFixEdits(
  textLength: number,
  findings: readonly Finding[],
): { edits: TextEdit[]; fixes: number; applied: { finding: Finding; fix: Fix }[] } {
  const candidates = findings
    .filter((f) => !f.suppressed)
    .map((finding) => ({
      finding,
      fix: finding.fixes.find((fix) => fix.safe && fix.edits.length > 0 && editsValid(fix, textLength)),
    }))
    .filter((c): c is { finding: Finding; fix: Fix } => c.fix !== undefined)
    .sort((a, b) => firstStart(a.fix) - firstStart(b.fix));
  const taken: TextEdit[] = [];
  const applied: { finding: Finding; fix: Fix }[] = [];
  for (const c of candidates) {
    // An edit another fix makes too (the same import added by two fixes) is shared, not a clash.
    const own = c.fix.edits.filter((edit) => !taken.some((other) => same(edit, other)));
    if (own.some((edit) => taken.some((other) => overlaps(edit, other)))) continue;
    taken.push(...own);
    applied.push(c);
  }
  return { edits: taken, fixes: applied.length, applied };
}

/** Applies non-overlapping edits, right to left so earlier offsets stay valid. */
export function applyTextEdits(text: string, edits: readonly TextEdit[]): string {
  const ordered = edits
    .map((e, i) => ({ e, i }))
    .sort((a, b) => b.e.start - a.e.start || b.e.end - a.e.end || b.i - a.i);
  let result = text;
  for (const { e } of ordered) result = result.slice(0, e.start) + e.newText + result.slice(e.end);
  return result;
}

function same(a: TextEdit, b: TextEdit): boolean {
  return a.start === b.start && a.end === b.end && a.newText === b.newText;
}

// Two insertions at the same offset overlap too: their order would be a guess.
function overlaps(a: TextEdit, b: TextEdit): boolean {
  return (a.start < b.end && b.start < a.end) || a.start === b.start;
}

function editsValid(fix: Fix, length: number): boolean {
  const sorted = [...fix.edits].sort((a, b) => a.start - b.start);
  return sorted.every(
    (edit, i) =>
      edit.start >= 0 && edit.start <= edit.end && edit.end <= length && (i === 0 || sorted[i - 1].end <= edit.start),
  );
}

function firstStart(fix: Fix): number {
  return Math.min(...fix.edits.map((e) => e.start));
}

// `--fix`: apply the analyzer's safe fixes in place. Fixes that overlap are left for the
// next pass (the re-analysis offers them again against the new text), up to MAX_FIX_PASSES.
import { writeFileSync } from "node:fs";
import type { Finding, Fix, TextEdit } from "../analyzer";
import type { AnalysisSession, FileAnalysis } from "./analysis";

export const MAX_FIX_PASSES = 10;

export interface FixOutcome {
  /** The analyses after the last pass, in the order given. */
  analyses: FileAnalysis[];
  fixesApplied: number;
  filesChanged: number;
  /** Files whose fixed text could not be written: `file: message`. */
  writeErrors: string[];
}

export function fixFiles(session: AnalysisSession, analyses: readonly FileAnalysis[]): FixOutcome {
  const current = new Map(analyses.map((a) => [a.file, a]));
  const finalTexts = new Map<string, string>();
  let fixesApplied = 0;

  for (let pass = 0; pass < MAX_FIX_PASSES; pass++) {
    const changed = new Map<string, string>();
    for (const analysis of current.values()) {
      if (analysis.kind !== "ok") continue;
      const result = applySafeFixes(analysis.sourceFile.text, analysis.findings);
      if (result.applied === 0) continue;
      changed.set(analysis.file, result.text);
      fixesApplied += result.applied;
    }
    if (changed.size === 0) break;
    session.update(changed);
    for (const [file, text] of changed) {
      finalTexts.set(file, text);
      current.set(file, session.analyze(file));
    }
  }

  const writeErrors: string[] = [];
  for (const [file, text] of finalTexts) {
    try {
      writeFileSync(file, text);
    } catch (e) {
      writeErrors.push(`${file}: ${(e as Error).message}`);
    }
  }
  return { analyses: [...current.values()], fixesApplied, filesChanged: finalTexts.size, writeErrors };
}

/**
 * Applies every safe fix of the unsuppressed findings that does not overlap a fix already
 * taken (earliest first). A fix's edits go in together or not at all.
 */
export function applySafeFixes(text: string, findings: readonly Finding[]): { text: string; applied: number } {
  const candidates = findings
    .filter((f) => !f.suppressed)
    .map((f) => f.fixes.find((fix) => fix.safe && fix.edits.length > 0 && editsValid(fix, text.length)))
    .filter((fix): fix is Fix => fix !== undefined)
    .sort((a, b) => firstStart(a) - firstStart(b));

  const taken: TextEdit[] = [];
  let applied = 0;
  for (const fix of candidates) {
    if (fix.edits.some((edit) => taken.some((other) => overlaps(edit, other)))) continue;
    taken.push(...fix.edits);
    applied++;
  }
  // Right to left, so earlier offsets stay valid while later text changes.
  taken.sort((a, b) => b.start - a.start || b.end - a.end);
  let result = text;
  for (const edit of taken) result = result.slice(0, edit.start) + edit.newText + result.slice(edit.end);
  return { text: result, applied };
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

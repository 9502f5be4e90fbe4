// `--fix`: apply the analyzer's safe fixes in place. Fixes that overlap are left for the
// next pass (the re-analysis offers them again against the new text), up to MAX_FIX_PASSES.
import { writeFileSync } from "node:fs";
import type { Finding } from "../analyzer";
import type { AnalysisSession, FileAnalysis } from "./analysis";
import { applyTextEdits, selectSafeFixEdits } from "../analyzer/fixes/select";

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
  // A fix offered again after it went in did not close its finding: it is not applied twice.
  const tried = new Map<string, Set<string>>();

  for (let pass = 0; pass < MAX_FIX_PASSES; pass++) {
    const changed = new Map<string, string>();
    for (const analysis of current.values()) {
      if (analysis.kind !== "ok") continue;
      const done = tried.get(analysis.file) ?? new Set<string>();
      tried.set(analysis.file, done);
      const fresh = analysis.findings.filter((f) => !f.fixes.some((fix) => done.has(fixKey(f, fix))));
      const result = applySafeFixes(analysis.sourceFile.text, fresh, done);
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
export function applySafeFixes(
  text: string,
  findings: readonly Finding[],
  /** Records each applied fix (`fixKey`). */
  applied?: Set<string>,
): { text: string; applied: number } {
  const selected = selectSafeFixEdits(text.length, findings);
  for (const { finding, fix } of selected.applied) applied?.add(fixKey(finding, fix));
  return { text: applyTextEdits(text, selected.edits), applied: selected.fixes };
}

/** A fix by what it does, whatever line it lands on after earlier fixes: its rule, table and title. */
function fixKey(finding: Finding, fix: { title: string }): string {
  return `${finding.ruleId}\0${finding.table ?? ""}\0${fix.title}`;
}

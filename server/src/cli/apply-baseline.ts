// `--baseline` / `--update-baseline` for a run's findings: which are hidden, and what the
// baseline file becomes. Suppressed findings never enter a baseline: they already carry a reason.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { toPosix } from "./paths";
import { matchBaseline, readBaseline, serializeBaseline, updateBaseline, type BaselineEntry } from "./baseline";
import { plural } from "./formatters/stylish";
import type { ReportedFinding } from "./report";

export interface BaselineOptions {
  /** Absolute path of the baseline file. */
  baseline: string;
  updateBaseline: boolean;
  allowNew: boolean;
}

export interface BaselineOutcome {
  /** The findings still to report. */
  findings: ReportedFinding[];
  baselined: number;
  /** Lines for stderr. */
  messages: string[];
  /** `--update-baseline` refused new findings: the run exits 2. */
  refused: boolean;
  /** The baseline could not be read or written: the run stops with exit 2. */
  error?: string;
}

export function applyBaseline(findings: ReportedFinding[], options: BaselineOptions, cwd: string): BaselineOutcome {
  const path = options.baseline;
  const read = readBaseline(path);
  if ("error" in read) return failure(findings, read.error);
  if ("missing" in read && !options.updateBaseline) {
    return failure(findings, `baseline ${path} does not exist; create it with --update-baseline`);
  }
  const existing = "baseline" in read ? read.baseline : undefined;

  const baseDir = dirname(path);
  const toEntry = (f: ReportedFinding): BaselineEntry => ({
    ruleId: f.ruleId,
    file: toPosix(relative(baseDir, resolve(cwd, f.file))),
    fingerprint: f.fingerprint,
    message: f.message,
  });
  const suppressed = findings.filter((f) => f.suppressed);
  const candidates = findings.filter((f) => !f.suppressed);

  if (options.updateBaseline) {
    const update = updateBaseline(existing, candidates.map(toEntry), options.allowNew);
    if (!update.ok) {
      const shown = existing ? matchBaseline(candidates, existing.entries, toEntry) : undefined;
      return {
        findings: keepOrder(findings, [...suppressed, ...(shown?.unmatched ?? candidates)]),
        baselined: shown?.matched.length ?? 0,
        messages: [
          `${plural(update.newFindings, "new finding")} not in the baseline ${path}: fix them, or use --allow-new to accept them`,
        ],
        refused: true,
      };
    }
    try {
      mkdirSync(baseDir, { recursive: true });
      writeFileSync(path, serializeBaseline(update.baseline));
    } catch (e) {
      return failure(findings, `cannot write baseline ${path}: ${(e as Error).message}`);
    }
    const message = `baseline ${path} ${existing ? "updated" : "created"}: ${entries(update.baseline.entries.length)} (${update.added} added, ${update.dropped} dropped)`;
    return { findings: suppressed, baselined: candidates.length, messages: [message], refused: false };
  }

  const match = matchBaseline(candidates, existing!.entries, toEntry);
  const messages = match.stale.length
    ? [
        `${entries(match.stale.length)} in the baseline ${match.stale.length === 1 ? "matches" : "match"} no finding any more (fixed?); --update-baseline drops them`,
      ]
    : [];
  return {
    findings: keepOrder(findings, [...suppressed, ...match.unmatched]),
    baselined: match.matched.length,
    messages,
    refused: false,
  };
}

function failure(findings: ReportedFinding[], error: string): BaselineOutcome {
  return { findings, baselined: 0, messages: [], refused: false, error };
}

// The report is sorted; keep that order for the subset that survives.
function keepOrder(all: readonly ReportedFinding[], kept: readonly ReportedFinding[]): ReportedFinding[] {
  const set = new Set(kept);
  return all.filter((f) => set.has(f));
}

function entries(n: number): string {
  return `${n} ${n === 1 ? "entry" : "entries"}`;
}

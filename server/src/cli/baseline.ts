// Baselines let a team adopt tenantguard on an existing codebase: known findings are
// recorded once and hidden, new ones fail the build. Entries match on rule, file and the
// analyzer's fingerprint (never the line), so edits above a finding do not resurrect it.
import { readFileSync } from "node:fs";

export interface BaselineEntry {
  ruleId: string;
  /** Relative to the baseline file's directory, forward slashes: the baseline moves with the repo. */
  file: string;
  fingerprint: string;
  /** For the humans reviewing the baseline diff; not used for matching. */
  message: string;
}

export interface Baseline {
  version: 1;
  entries: BaselineEntry[];
}

export type BaselineRead = { baseline: Baseline } | { missing: true } | { error: string };

export function readBaseline(path: string): BaselineRead {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { missing: true };
    return { error: `cannot read baseline ${path}: ${(e as Error).message}` };
  }
  return parseBaseline(text, path);
}

export function parseBaseline(text: string, path: string): BaselineRead {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { error: `baseline ${path} is not valid JSON: ${(e as Error).message}` };
  }
  const record = data as { version?: unknown; entries?: unknown };
  if (!record || typeof record !== "object" || record.version !== 1 || !Array.isArray(record.entries)) {
    return { error: `baseline ${path} is not a tenantguard baseline (expected { "version": 1, "entries": [...] })` };
  }
  const bad = record.entries.findIndex((e) => !isEntry(e));
  if (bad >= 0)
    return { error: `baseline ${path}: entries[${bad}] needs string ruleId, file, fingerprint and message` };
  return { baseline: { version: 1, entries: record.entries as BaselineEntry[] } };
}

export interface BaselineMatch<T> {
  /** Findings not covered by the baseline: reported as usual. */
  unmatched: T[];
  /** Findings covered by an entry: hidden, counted as `baselined`. */
  matched: T[];
  /** Entries no finding matched any more: the code was fixed (or moved to another file). */
  stale: BaselineEntry[];
}

/**
 * Multiset matching: each entry absorbs at most one finding, so two identical entries
 * cover two identical findings and a third identical finding is new.
 */
export function matchBaseline<T>(
  findings: readonly T[],
  entries: readonly BaselineEntry[],
  keyOf: (finding: T) => Omit<BaselineEntry, "message">,
): BaselineMatch<T> {
  const available = new Map<string, BaselineEntry[]>();
  for (const entry of entries) {
    const key = entryKey(entry);
    const list = available.get(key);
    if (list) list.push(entry);
    else available.set(key, [entry]);
  }
  const matched: T[] = [];
  const unmatched: T[] = [];
  for (const finding of findings) {
    const list = available.get(entryKey(keyOf(finding)));
    if (list?.length) {
      list.pop();
      matched.push(finding);
    } else {
      unmatched.push(finding);
    }
  }
  return { matched, unmatched, stale: [...available.values()].flat() };
}

export type BaselineUpdate =
  { ok: true; baseline: Baseline; added: number; dropped: number } | { ok: false; newFindings: number };

/**
 * The next baseline for `--update-baseline`: entries that still match are kept, fixed ones
 * dropped, and new findings are refused unless `allowNew`. With no existing baseline every
 * finding is accepted: creating the file is how a team adopts tenantguard, so it needs no flag.
 */
export function updateBaseline(
  existing: Baseline | undefined,
  current: readonly BaselineEntry[],
  allowNew: boolean,
): BaselineUpdate {
  if (!existing) return { ok: true, baseline: sortedBaseline(current), added: current.length, dropped: 0 };
  const { matched, unmatched, stale } = matchBaseline(current, existing.entries, (e) => e);
  if (unmatched.length && !allowNew) return { ok: false, newFindings: unmatched.length };
  return {
    ok: true,
    baseline: sortedBaseline([...matched, ...unmatched]),
    added: unmatched.length,
    dropped: stale.length,
  };
}

export function serializeBaseline(baseline: Baseline): string {
  const entries = baseline.entries.map((e) => ({
    ruleId: e.ruleId,
    file: e.file,
    fingerprint: e.fingerprint,
    message: e.message,
  }));
  return JSON.stringify({ version: 1, entries }, null, 2) + "\n";
}

// Sorted so the file diffs cleanly in review whatever order the files were analyzed in.
function sortedBaseline(entries: readonly BaselineEntry[]): Baseline {
  const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const sorted = [...entries].sort(
    (a, b) =>
      compare(a.file, b.file) ||
      compare(a.ruleId, b.ruleId) ||
      compare(a.fingerprint, b.fingerprint) ||
      compare(a.message, b.message),
  );
  return { version: 1, entries: sorted };
}

function entryKey(e: Omit<BaselineEntry, "message">): string {
  return JSON.stringify([e.ruleId, e.file, e.fingerprint]);
}

function isEntry(e: unknown): e is BaselineEntry {
  const r = e as Record<string, unknown>;
  return (
    !!r &&
    typeof r === "object" &&
    typeof r.ruleId === "string" &&
    typeof r.file === "string" &&
    typeof r.fingerprint === "string" &&
    typeof r.message === "string"
  );
}

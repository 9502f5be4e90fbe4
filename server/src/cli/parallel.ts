// Analysis on several threads for large runs. The main thread and N-1 worker threads take
// files from one shared counter (so a thread that drew large files simply takes fewer), each
// with its own SQL parser and its own parse of the files it took; the workers send their
// analyses back once, at the end. Results keep the order of `files`. The bundled CLI is its own
// worker script (main.ts starts `runAnalysisWorker` when it is loaded as a worker).
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { loadSqlParser, type ResolvedConfig, type TenantModel } from "../analyzer";
import { createAnalysisSession, type AnalysisSession, type FileAnalysis } from "./analysis";

export const ANALYSIS_WORKER = "tenantguard-analysis-worker";

/** Below this many files a second thread costs more (its start-up) than it saves. */
export const MIN_FILES_PER_THREAD = 150;
const MAX_THREADS = 8;
/**
 * Below this many cores the run stays on one thread unless `--threads` asks: on a 2-core machine
 * a worker's start-up (loading the bundle and the SQL parser again) and the two threads' contention
 * for memory bandwidth cost more than the second thread brings (`npm run bench`: the ORM corpus
 * took 3.1-3.3 s on two threads, 2.9 s on one).
 */
const MIN_CORES_FOR_THREADS = 4;

export interface WorkerInput {
  kind: typeof ANALYSIS_WORKER;
  files: readonly string[];
  /** Where calls are looked for (the session's `files`): the config root's files, not only those analyzed. */
  callerFiles: readonly string[];
  config: ResolvedConfig;
  model: TenantModel;
  /** `--explain`: collect proofs too. */
  explain: boolean;
  /** [0]: next file index to take; [1]: files done (for the progress line). */
  counters: Int32Array;
}

type WorkerMessage =
  | { kind: "done"; results: [number, FileAnalysis][]; parserLoads: number }
  | { kind: "failed"; message: string; results: [number, FileAnalysis][]; parserLoads: number };

export interface ParallelResult {
  /** One per file, in the order of `files`. */
  analyses: FileAnalysis[];
  /** Files each thread analyzed, the main thread first (debug stats, and tests that threads took part). */
  filesPerThread: number[];
  /** SQL parser loads in each worker thread (one each). */
  workerParserLoads: number[];
}

/**
 * How many threads a run of `fileCount` files uses: `requested` when given (`--threads`), up to
 * one per file; else one per core (at most MAX_THREADS) on a machine of MIN_CORES_FOR_THREADS cores
 * or more, and one per MIN_FILES_PER_THREAD files.
 */
export function threadCount(fileCount: number, requested: number | undefined, cores = availableParallelism()): number {
  if (requested !== undefined) return Math.max(1, Math.min(requested, fileCount));
  if (cores < MIN_CORES_FOR_THREADS) return 1;
  return Math.max(1, Math.min(cores, MAX_THREADS, Math.ceil(fileCount / MIN_FILES_PER_THREAD)));
}

export interface ParallelOptions {
  files: readonly string[];
  /** Where the workers' sessions look for calls, like the main thread's; `files` when absent. */
  callerFiles?: readonly string[];
  threads: number;
  config: ResolvedConfig;
  model: TenantModel;
  explain: boolean;
  /** The main thread's own session: it analyzes files too, and re-analyzes any a worker lost. */
  session: AnalysisSession;
  /** The script a worker runs (the bundled CLI); undefined: analyze on this thread only. */
  workerScript: string | undefined;
  onProgress(done: number): void;
  warn(message: string): void;
}

export async function analyzeFiles(options: ParallelOptions): Promise<ParallelResult> {
  const { files, session } = options;
  const results: (FileAnalysis | undefined)[] = new Array(files.length);
  const filesPerThread = [0];
  const workerParserLoads: number[] = [];
  const counters = new Int32Array(new SharedArrayBuffer(8));
  const workers =
    options.threads > 1 && options.workerScript
      ? startWorkers(options.threads - 1, options.workerScript, {
          kind: ANALYSIS_WORKER,
          files,
          callerFiles: options.callerFiles ?? files,
          config: options.config,
          model: options.model,
          explain: options.explain,
          counters,
        })
      : [];
  const finished = workers.map((worker, w) =>
    collect(worker, results, options.warn, (count, loads) => {
      filesPerThread[w + 1] = count;
      workerParserLoads[w] = loads;
    }),
  );

  for (let i = Atomics.add(counters, 0, 1); i < files.length; i = Atomics.add(counters, 0, 1)) {
    results[i] = session.analyze(files[i]);
    filesPerThread[0]++;
    options.onProgress(Atomics.add(counters, 1, 1) + 1);
  }
  await Promise.all(finished);
  // A worker that died took its claimed files with it: analyze those here.
  for (let i = 0; i < files.length; i++) {
    if (results[i]) continue;
    results[i] = session.analyze(files[i]);
    filesPerThread[0]++;
  }
  return { analyses: results as FileAnalysis[], filesPerThread, workerParserLoads };
}

function startWorkers(count: number, script: string, input: WorkerInput): Worker[] {
  const workers: Worker[] = [];
  for (let i = 0; i < count; i++) workers.push(new Worker(script, { workerData: input, stdout: false }));
  return workers;
}

function collect(
  worker: Worker,
  results: (FileAnalysis | undefined)[],
  warn: (m: string) => void,
  report: (files: number, parserLoads: number) => void,
): Promise<void> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      resolve();
    };
    worker.on("message", (message: WorkerMessage) => {
      for (const [i, analysis] of message.results) results[i] = analysis;
      report(message.results.length, message.parserLoads);
      if (message.kind === "failed") warn(`analysis thread failed (its files are analyzed again): ${message.message}`);
      settle();
    });
    worker.on("error", (e) => {
      warn(`analysis thread failed (its files are analyzed again): ${e.message}`);
      settle();
    });
    worker.on("exit", settle);
  });
}

/** The worker side: same session as the main thread, files taken from the shared counter. */
export async function runAnalysisWorker(input: WorkerInput, post: (message: WorkerMessage) => void): Promise<void> {
  const results: [number, FileAnalysis][] = [];
  let parserLoads = 0;
  try {
    const parser = await loadSqlParser();
    parserLoads++;
    const created = createAnalysisSession({
      config: input.config,
      model: input.model,
      parser,
      explain: input.explain,
      files: input.callerFiles,
    });
    if ("errors" in created) throw new Error(created.errors.join("; "));
    const { files, counters } = input;
    for (let i = Atomics.add(counters, 0, 1); i < files.length; i = Atomics.add(counters, 0, 1)) {
      results.push([i, slim(created.session.analyze(files[i]))]);
      Atomics.add(counters, 1, 1);
    }
    post({ kind: "done", results, parserLoads });
  } catch (e) {
    post({ kind: "failed", message: e instanceof Error ? e.message : String(e), results, parserLoads });
  }
}

/** Reporting needs a file's text only to place findings and proofs: a clean file goes back without it. */
function slim(analysis: FileAnalysis): FileAnalysis {
  if (analysis.kind !== "ok" || analysis.findings.length || analysis.proofs?.length) return analysis;
  return { ...analysis, sourceFile: { text: "", lineStarts: [0] } };
}

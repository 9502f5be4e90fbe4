// The `tenantguard` bin: argv in, exit code out. Nothing escapes as a raw stack trace
// unless TENANTGUARD_DEBUG=1: a crash is a short message and exit 2.
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import packageJson from "../../../package.json";
import { parseArgs } from "./args";
import { dbCheckMain } from "./db-check";
import { ANALYSIS_WORKER, runAnalysisWorker, type WorkerInput } from "./parallel";
import { redactSecrets } from "./redact";
import { run, type CliIo } from "./run";

export const VERSION: string = packageJson.version;

/**
 * Runs the CLI. `onAnalyzed`: called when a run analyzed files (not `--help`, not a config
 * error): the bin then keeps the code compiled by then for the next run (compile-cache.ts).
 */
export async function main(argv: readonly string[], io: CliIo, onAnalyzed?: () => void): Promise<number> {
  try {
    if (argv[0] === "db-check") return (await dbCheckMain(argv.slice(1), io, VERSION)).exitCode;
    const parsed = parseArgs(argv, VERSION);
    if (parsed.kind === "exit") {
      io.stdout.write(parsed.stdout);
      io.stderr.write(redactSecrets(parsed.stderr));
      return parsed.exitCode;
    }
    const { exitCode } = await run(parsed.options, io, VERSION);
    if (exitCode <= 1) onAnalyzed?.();
    return exitCode;
  } catch (e) {
    io.stderr.write(describeCrash(e, io.env));
    return 2;
  }
}

function describeCrash(e: unknown, env: NodeJS.ProcessEnv): string {
  const message = redactSecrets(e instanceof Error ? e.message : String(e));
  if (env.TENANTGUARD_DEBUG === "1" && e instanceof Error && e.stack) return redactSecrets(e.stack) + "\n";
  return (
    `tenantguard: internal error: ${message}\n` +
    `This is a bug in tenantguard; please report it with the command you ran ` +
    `(set TENANTGUARD_DEBUG=1 for the stack trace): https://github.com/tenantguard/tenantguard/issues\n`
  );
}

// Loaded as an analysis thread of a large run (parallel.ts), or run directly (`node
// dist/cli-main.js`); the bin (bin.ts) loads it and calls `start` itself, a test only imports `main`.
if (!isMainThread && (workerData as WorkerInput | undefined)?.kind === ANALYSIS_WORKER) {
  void runAnalysisWorker(workerData as WorkerInput, (message) => parentPort!.postMessage(message));
} else if (require.main === module) {
  start();
}

/** The process's CLI run: argv, stdio and exit code (the bin, bin.ts, calls it after loading this bundle). */
export function start(onAnalyzed?: () => void): void {
  // `tenantguard | head` closes the pipe early: that is the reader's choice, not a crash.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") process.stderr.write(`tenantguard: cannot write output: ${redactSecrets(e.message)}\n`);
    process.exit(e.code === "EPIPE" ? Number(process.exitCode) || 0 : 2);
  });
  const io: CliIo = { cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr };
  // exitCode, not process.exit(): a large report piped to another process must finish flushing.
  main(process.argv.slice(2), io, onAnalyzed).then(
    (code) => (process.exitCode = code),
    () => (process.exitCode = 2),
  );
}

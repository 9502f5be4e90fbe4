// A single updating "tenantguard: 1200/3400 files" line on stderr for long runs in a
// terminal. The scan is synchronous, so no timer could fire during it: each tick checks
// the clock itself. Silent when stderr is piped or on CI, where it would only litter logs.

export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface Progress {
  tick(done: number): void;
  /** Clears the line if one was drawn. */
  finish(): void;
}

const DELAY_MS = 1000;
const REDRAW_MS = 100;

export function createProgress(
  stream: ProgressStream,
  total: number,
  env: NodeJS.ProcessEnv,
  now: () => number = Date.now,
): Progress {
  if (!stream.isTTY || isCi(env)) return { tick() {}, finish() {} };
  const start = now();
  let lastDraw = 0;
  let drawn = false;
  return {
    tick(done) {
      const t = now();
      if (t - start < DELAY_MS || t - lastDraw < REDRAW_MS) return;
      lastDraw = t;
      drawn = true;
      stream.write(`\r\x1b[Ktenantguard: ${done}/${total} files`);
    },
    finish() {
      if (drawn) stream.write("\r\x1b[K");
    },
  };
}

function isCi(env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== "" && ci !== "0" && ci.toLowerCase() !== "false";
}

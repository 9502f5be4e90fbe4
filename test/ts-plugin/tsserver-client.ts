// A small client for a real tsserver process, speaking the protocol editors speak:
// requests in as one JSON object per line, responses and events out as
// `Content-Length: N\r\n\r\n{json}` messages. Used by the plugin tests and the bench.
import { spawn, type ChildProcess } from "node:child_process";
import type ts from "typescript";

export type Protocol = typeof ts.server.protocol;
export type TsDiagnostic = ts.server.protocol.Diagnostic;
export type TsCodeFixAction = ts.server.protocol.CodeFixAction;
export type TsCodeEdit = ts.server.protocol.CodeEdit;
export type TsFileCodeEdits = ts.server.protocol.FileCodeEdits;

export interface TsserverEvent {
  event: string;
  body?: unknown;
}

export interface StartOptions {
  /** Absolute path of `lib/tsserver.js` of the TypeScript to run. */
  tsserverPath: string;
  cwd: string;
  /** Extra tsserver arguments (`--pluginProbeLocations`, `--allowLocalPluginLoads`, ...). */
  args?: string[];
  /** Node options before the script (`-r hook.cjs`). */
  nodeArgs?: string[];
  /** tsserver's own log (`--logFile`), where plugins log too. */
  logFile?: string;
  logVerbosity?: "terse" | "normal" | "verbose";
  /** Per request, unless the request says otherwise. */
  timeoutMs?: number;
}

interface Pending {
  command: string;
  resolve(body: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

interface EventWaiter {
  from: number;
  match(event: TsserverEvent): boolean;
  resolve(event: TsserverEvent): void;
}

export class TsserverClient {
  /** Every event received, in order (index them with `events.length` before a request). */
  readonly events: TsserverEvent[] = [];
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private readonly waiters = new Set<EventWaiter>();
  private readonly timeoutMs: number;
  private seq = 0;
  private buffer = Buffer.alloc(0);
  private stderr = "";
  private exited: string | undefined;

  constructor(options: StartOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    const args = [
      options.tsserverPath,
      "--disableAutomaticTypingAcquisition",
      "--locale",
      "en",
      ...(options.args ?? []),
    ];
    if (options.logFile) args.push("--logFile", options.logFile, "--logVerbosity", options.logVerbosity ?? "normal");
    this.child = spawn(process.execPath, args, { cwd: options.cwd, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdout!.on("data", (chunk: Buffer) => this.onData(chunk));
    this.child.stderr!.on("data", (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString("utf8")).slice(-4000);
    });
    this.child.on("exit", (code, signal) => {
      this.exited = `tsserver exited (code ${code}, signal ${signal})${this.stderr ? `; stderr:\n${this.stderr}` : ""}`;
      for (const [seq, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(new Error(`${this.exited}\nwhile waiting for "${p.command}" (seq ${seq})`));
      }
      this.pending.clear();
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sends a request and resolves with the response body; rejects on failure or timeout. */
  request<T = unknown>(command: string, args?: unknown, timeoutMs = this.timeoutMs): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.exited}\ncannot send "${command}"`));
    const seq = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        reject(
          new Error(
            `tsserver did not answer "${command}" (seq ${seq}) within ${timeoutMs} ms` +
              (this.stderr ? `; stderr:\n${this.stderr}` : ""),
          ),
        );
      }, timeoutMs);
      this.pending.set(seq, { command, resolve: resolve as (body: unknown) => void, reject, timer });
      this.write({ seq, type: "request", command, arguments: args });
    });
  }

  /** A command tsserver does not answer (`open`, `change`, `close`): ordered before any later request. */
  notify(command: string, args?: unknown): void {
    this.write({ seq: ++this.seq, type: "request", command, arguments: args });
  }

  /** The first event named `name` received at index `from` or later that `match`es; rejects after the timeout. */
  waitForEvent(
    name: string,
    options: { from?: number; match?: (body: unknown) => boolean; timeoutMs?: number } = {},
  ): Promise<TsserverEvent> {
    const from = options.from ?? this.events.length;
    const match = (e: TsserverEvent) => e.event === name && (!options.match || options.match(e.body));
    const seen = this.events.slice(from).find(match);
    if (seen) return Promise.resolve(seen);
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return new Promise((resolve, reject) => {
      const waiter: EventWaiter = {
        from,
        match,
        resolve: (event) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(event);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no "${name}" event from tsserver within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Asks tsserver to exit, and kills it if it has not within a second. */
  async close(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    try {
      this.notify("exit");
    } catch {
      // stdin already closed: the kill below ends it
    }
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 1000);
    await exited;
    clearTimeout(timer);
  }

  private write(message: unknown): void {
    this.child.stdin!.write(`${JSON.stringify(message)}\n`);
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf("\r\n\r\n");
      if (headerEnd < 0) return;
      const header = this.buffer.subarray(0, headerEnd).toString("ascii");
      const length = /Content-Length:\s*(\d+)/i.exec(header);
      if (!length) throw new Error(`unexpected tsserver output: ${header}`);
      const bodyStart = headerEnd + 4;
      const bodyEnd = bodyStart + Number(length[1]);
      if (this.buffer.length < bodyEnd) return;
      const body = this.buffer.subarray(bodyStart, bodyEnd).toString("utf8");
      this.buffer = this.buffer.subarray(bodyEnd);
      this.dispatch(JSON.parse(body) as Message);
    }
  }

  private dispatch(message: Message): void {
    if (message.type === "event") {
      const event = { event: message.event, body: message.body };
      this.events.push(event);
      const index = this.events.length - 1;
      for (const w of [...this.waiters]) if (index >= w.from && w.match(event)) w.resolve(event);
      return;
    }
    if (message.type !== "response") return;
    const pending = this.pending.get(message.request_seq);
    if (!pending) return;
    this.pending.delete(message.request_seq);
    clearTimeout(pending.timer);
    if (message.success) pending.resolve(message.body);
    else pending.reject(new Error(`tsserver "${message.command}" failed: ${message.message ?? "no message"}`));
  }
}

type Message =
  | { type: "event"; event: string; body?: unknown }
  | { type: "response"; request_seq: number; command: string; success: boolean; body?: unknown; message?: string }
  | { type: "request" };

/** 1-based line and offset of a UTF-16 position, as the protocol counts them. */
export function toLocation(text: string, position: number): { line: number; offset: number } {
  const before = text.slice(0, position);
  const line = before.split("\n").length;
  return { line, offset: position - (before.lastIndexOf("\n") + 1) + 1 };
}

export function toPosition(text: string, location: { line: number; offset: number }): number {
  let position = 0;
  for (let line = 1; line < location.line; line++) position = text.indexOf("\n", position) + 1;
  return position + location.offset - 1;
}

/** Applies protocol edits (all relative to `text`), as an editor applies a workspace edit. */
export function applyCodeEdits(text: string, edits: readonly TsCodeEdit[]): string {
  const resolved = edits
    .map((e, i) => ({ start: toPosition(text, e.start), end: toPosition(text, e.end), newText: e.newText, i }))
    .sort((a, b) => b.start - a.start || b.i - a.i);
  let out = text;
  for (const e of resolved) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}

// A real LSP client for the tests: spawns the bundled server (`dist/server.js --stdio`)
// and speaks JSON-RPC to it with vscode-jsonrpc. Notifications are recorded in order, so a
// test takes a mark before it acts and waits for what arrives after it: no sleeps.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from "vscode-jsonrpc/node";
import {
  WorkDoneProgress,
  type Diagnostic,
  type InitializeResult,
  type PublishDiagnosticsParams,
} from "vscode-languageserver-protocol";

export const REPO = join(import.meta.dirname, "..", "..");
export const SERVER = join(REPO, "dist", "server.js");
export const FIXTURE_APP = join(import.meta.dirname, "fixtures", "app");
const DEFAULT_TIMEOUT_MS = 15_000;

/** Message params as JSON: each test knows the shape of the method it looks at. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Params = any;

export interface Notification {
  method: string;
  params: Params;
}

export class LspClient {
  readonly notifications: Notification[] = [];
  readonly stderr: string[] = [];
  readonly serverRequests: { method: string; params: Params }[] = [];
  private readonly waiters = new Set<() => void>();
  private exited = false;

  private constructor(
    readonly process: ChildProcessWithoutNullStreams,
    readonly connection: MessageConnection,
  ) {}

  /** Starts the server and runs initialize/initialized with the capabilities VS Code sends. */
  static async start(
    rootDir: string,
    initializationOptions?: object,
  ): Promise<{ client: LspClient; initialize: InitializeResult }> {
    const child = spawn(process.execPath, [SERVER, "--stdio"], { stdio: "pipe" });
    const connection = createMessageConnection(
      new StreamMessageReader(child.stdout),
      new StreamMessageWriter(child.stdin),
    );
    const client = new LspClient(child, connection);
    child.stderr.on("data", (chunk) => client.stderr.push(String(chunk)));
    child.on("exit", () => {
      client.exited = true;
      client.wake();
    });
    connection.onNotification((method, params) => {
      client.notifications.push({ method, params });
      client.wake();
    });
    connection.onRequest((method, params: Params) => {
      client.serverRequests.push({ method, params });
      // vscode-jsonrpc routes `$/progress` to per-token handlers only, never to onNotification.
      if (method === "window/workDoneProgress/create") {
        connection.onProgress(WorkDoneProgress.type, params.token, (value) => {
          client.notifications.push({ method: "$/progress", params: { token: params.token, value } });
          client.wake();
        });
      }
      client.wake();
      return null; // window/workDoneProgress/create, client/registerCapability: accepted
    });
    connection.listen();
    const rootUri = uri(rootDir);
    const initialize = (await connection.sendRequest("initialize", {
      processId: process.pid,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: "app" }],
      initializationOptions,
      capabilities: {
        window: { workDoneProgress: true },
        workspace: {
          didChangeWatchedFiles: { dynamicRegistration: true },
          workspaceFolders: true,
          workspaceEdit: { documentChanges: true },
        },
        textDocument: {
          publishDiagnostics: { relatedInformation: true, codeDescriptionSupport: true, dataSupport: true },
          codeAction: {
            codeActionLiteralSupport: { codeActionKind: { valueSet: ["quickfix", "source", "source.fixAll"] } },
            isPreferredSupport: true,
          },
        },
      },
    })) as InitializeResult;
    await connection.sendNotification("initialized", {});
    return { client, initialize };
  }

  /** Index of the next notification: `waitFor` with it sees only what arrives later. */
  mark(): number {
    return this.notifications.length;
  }

  /** The first notification from `since` on that satisfies `accept`. */
  waitFor(
    accept: (n: Notification) => boolean,
    since = 0,
    what = "notification",
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<Notification> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.notifications.slice(since).find(accept);
        if (found) {
          done();
          resolve(found);
        } else if (this.exited) {
          done();
          reject(new Error(`server exited while waiting for ${what}; stderr:\n${this.stderr.join("")}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** The next diagnostics published for `fileUri` after `since` that satisfy `accept`. */
  async diagnostics(
    fileUri: string,
    since: number,
    accept: (d: Diagnostic[]) => boolean = () => true,
  ): Promise<Diagnostic[]> {
    const n = await this.waitFor(
      (n) =>
        n.method === "textDocument/publishDiagnostics" &&
        (n.params as PublishDiagnosticsParams).uri === fileUri &&
        accept(n.params.diagnostics),
      since,
      `diagnostics for ${fileUri}`,
    );
    return (n.params as PublishDiagnosticsParams).diagnostics;
  }

  open(fileUri: string, text: string, version = 1, languageId = "typescript"): Promise<void> {
    return this.connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri: fileUri, languageId, version, text },
    });
  }

  change(fileUri: string, text: string, version: number): Promise<void> {
    return this.connection.sendNotification("textDocument/didChange", {
      textDocument: { uri: fileUri, version },
      contentChanges: [{ text }],
    });
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.connection.sendRequest(method, params) as Promise<R>;
  }

  async stop(): Promise<void> {
    if (!this.exited) {
      const exited = new Promise<void>((resolve) => this.process.once("exit", () => resolve()));
      try {
        await this.connection.sendRequest("shutdown");
        await this.connection.sendNotification("exit");
      } catch {
        this.process.kill();
      }
      const timer = setTimeout(() => this.process.kill(), 5000);
      await exited;
      clearTimeout(timer);
    }
    this.connection.dispose();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

export function uri(path: string): string {
  return pathToFileURL(path).href;
}

/** A private copy of the fixture workspace, for tests that change files. */
export function copyFixture(fixture = FIXTURE_APP): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "tenantguard-lsp-"));
  cpSync(fixture, dir, { recursive: true });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

// A tiny test harness for the extension host (no mocha: the suite is one bundle with `vscode`
// external, run the same way by @vscode/test-electron and by code-server's browser-test
// payload). Cases run in order and share the editor; every wait listens for an event.
import { appendFileSync } from "node:fs";
import { Disposable, languages, workspace, type Diagnostic, type Event, type TextDocument, type Uri } from "vscode";

export interface Case {
  name: string;
  run(): Promise<void>;
}

/** How long any single wait may take before the case fails with what it saw. */
export const WAIT_MS = Number(process.env.TENANTGUARD_VSCODE_WAIT_MS ?? 60_000);

export async function runCases(cases: readonly Case[]): Promise<void> {
  let failed = 0;
  for (const c of cases) {
    const started = Date.now();
    try {
      await c.run();
      report(`ok - ${c.name} (${Date.now() - started} ms)`);
    } catch (e) {
      failed++;
      report(
        `not ok - ${c.name} (${Date.now() - started} ms)\n  ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
      );
    }
  }
  report(`# ${cases.length - failed}/${cases.length} passed`);
  if (failed > 0) throw new Error(`${failed} of ${cases.length} VS Code extension tests failed`);
}

/** To the extension host's console and, when the runner asked for it, to a file it prints. */
export function report(line: string): void {
  console.log(line);
  const file = process.env.TENANTGUARD_VSCODE_REPORT;
  if (file) appendFileSync(file, line + "\n");
}

/** Resolves when `predicate` holds for the diagnostics of `uri` (checked now and on every change). */
export function waitForDiagnostics(
  uri: Uri,
  predicate: (diagnostics: Diagnostic[]) => boolean,
  what: string,
): Promise<Diagnostic[]> {
  return waitFor(
    languages.onDidChangeDiagnostics,
    () => {
      const diagnostics = languages.getDiagnostics(uri);
      return predicate(diagnostics) ? diagnostics : undefined;
    },
    () => `${what}; diagnostics now: ${describe(languages.getDiagnostics(uri))}`,
  );
}

/** Resolves when `predicate` holds for the document's text (checked now and on every edit). */
export function waitForText(
  document: TextDocument,
  predicate: (text: string) => boolean,
  what: string,
): Promise<string> {
  return waitFor(
    workspace.onDidChangeTextDocument,
    () => (predicate(document.getText()) ? document.getText() : undefined),
    () => `${what}; text now:\n${document.getText()}`,
  );
}

/** Checks `probe` now and after every `event`; fails after WAIT_MS with `explain()`. */
export function waitFor<E, T>(event: Event<E>, probe: () => T | undefined, explain: () => string): Promise<T> {
  const now = probe();
  if (now !== undefined) return Promise.resolve(now);
  return new Promise<T>((resolve, reject) => {
    const subscriptions: Disposable[] = [];
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      Disposable.from(...subscriptions).dispose();
      settle();
    };
    const timer = setTimeout(
      () => finish(() => reject(new Error(`timed out after ${WAIT_MS} ms: ${explain()}`))),
      WAIT_MS,
    );
    subscriptions.push(
      event(() => {
        const value = probe();
        if (value !== undefined) finish(() => resolve(value));
      }),
    );
  });
}

export function describe(diagnostics: readonly Diagnostic[]): string {
  if (diagnostics.length === 0) return "(none)";
  return diagnostics
    .map((d) => {
      const code = typeof d.code === "object" ? d.code.value : d.code;
      return `[${d.source ?? "?"} ${code ?? ""}] ${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message.split("\n")[0]}`;
    })
    .join(" | ");
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

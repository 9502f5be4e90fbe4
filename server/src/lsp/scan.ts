// The workspace scan: every source file the CLI would check, analyzed from disk, with
// `$/progress` and cancellation. It yields to the message loop every few files so the
// server keeps answering while it runs.
import { readFileSync, statSync } from "node:fs";
import type { WorkDoneProgressReporter } from "vscode-languageserver/node";
import type { SqlParser } from "../analyzer";
import { analyzeText, MAX_EDITOR_FILE_CHARS, type DocumentAnalysis } from "./document-analysis";
import type { WorkspaceModel } from "./workspace";

const FILES_PER_SLICE = 8;

export interface ScanCallbacks {
  /** Open documents are checked from their editor text: the scan leaves them alone. */
  isOpen(file: string): boolean;
  onFile(file: string, text: string, analysis: DocumentAnalysis): void;
  log(message: string): void;
  /** How a file is analyzed (the server's, with the files helpers and callers live in); default: on its own. */
  analyze?(file: string, text: string): DocumentAnalysis;
}

export interface ScanResult {
  files: number;
  cancelled: boolean;
}

export async function scanWorkspace(
  workspace: WorkspaceModel,
  parser: SqlParser,
  progress: WorkDoneProgressReporter,
  token: { readonly isCancellationRequested: boolean } | undefined,
  callbacks: ScanCallbacks,
): Promise<ScanResult> {
  progress.begin("tenantguard: checking workspace", 0, "finding files", true);
  try {
    const files: string[] = [];
    for (const folder of workspace.workspaceFolders) {
      try {
        files.push(...workspace.sourceFilesOf(folder));
      } catch (e) {
        callbacks.log(`cannot list files in ${folder}: ${(e as Error).message}`);
      }
    }
    let done = 0;
    for (const file of files) {
      if (token?.isCancellationRequested) return { files: done, cancelled: true };
      if (done % FILES_PER_SLICE === 0) {
        await yieldToMessageLoop();
        progress.report(Math.floor((done / files.length) * 100), `${done}/${files.length} files`);
      }
      done++;
      if (callbacks.isOpen(file)) continue;
      let text: string;
      try {
        // Skip reading what analyzeText would refuse anyway (UTF-8: at most 3 bytes per UTF-16 unit).
        if (statSync(file).size > MAX_EDITOR_FILE_CHARS * 3) continue;
        text = readFileSync(file, "utf8");
      } catch (e) {
        callbacks.log(`cannot read ${file}: ${(e as Error).message}`);
        continue;
      }
      callbacks.onFile(file, text, callbacks.analyze?.(file, text) ?? analyzeText(file, text, workspace, parser));
    }
    progress.report(100, `${files.length}/${files.length} files`);
    return { files: files.length, cancelled: false };
  } finally {
    progress.done();
  }
}

function yieldToMessageLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

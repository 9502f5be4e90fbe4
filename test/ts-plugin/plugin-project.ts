// A fixture project in a temp directory with `node_modules/tenantguard` linked to this
// repository (so `tenantguard/ts-plugin` resolves as it does for a user who installed
// the package), and a real tsserver working on it.
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { TsserverClient, type TsDiagnostic } from "./tsserver-client";

export const REPO_ROOT = realpathSync(join(dirname(fileURLToPath(import.meta.url)), "..", ".."));
export const FIXTURES = join(REPO_ROOT, "test", "ts-plugin", "fixtures");

export interface TypeScriptVariant {
  label: string;
  tsserverPath: string | undefined;
  /** Why the variant cannot run here (printed loudly), when it cannot. */
  skip?: string;
}

/** TS 6 always; TS 5.x when `typescript5` (npm alias of typescript@5.9.3) is installed. */
export function typescriptVariants(): TypeScriptVariant[] {
  const ts6 = join(REPO_ROOT, "node_modules", "typescript", "lib", "tsserver.js");
  const ts5 =
    process.env.TENANTGUARD_TS5_TSSERVER ?? join(REPO_ROOT, "node_modules", "typescript5", "lib", "tsserver.js");
  return [
    { label: `typescript@${versionOf(ts6)}`, tsserverPath: ts6 },
    existsSync(ts5)
      ? { label: `typescript@${versionOf(ts5)}`, tsserverPath: ts5 }
      : {
          label: "typescript@5.x",
          tsserverPath: undefined,
          skip: "SKIP: typescript 5.x not installed (npm i -D typescript5@npm:typescript@5.9.3)",
        },
  ];
}

export interface PluginProjectOptions {
  fixture: string;
  tsserverPath: string;
  /** How tsserver finds the plugin: the editor's probe location (default) or the project's own node_modules. */
  resolution?: "probe" | "local";
  /** Files to write over the fixture's before tsserver starts (relative path -> text). */
  files?: Record<string, string>;
  logVerbosity?: "normal" | "verbose";
}

export class PluginProject {
  readonly dir: string;
  readonly logFile: string;
  readonly server: TsserverClient;
  private readonly openTexts = new Map<string, string>();

  constructor(options: PluginProjectOptions) {
    this.dir = realpathSync(mkdtempSync(join(tmpdir(), "tenantguard-tsserver-")));
    cpSync(join(FIXTURES, options.fixture), this.dir, { recursive: true });
    for (const [path, text] of Object.entries(options.files ?? {})) this.write(path, text);
    mkdirSync(join(this.dir, "node_modules"));
    symlinkSync(REPO_ROOT, join(this.dir, "node_modules", "tenantguard"), "junction");
    this.logFile = join(this.dir, "tsserver.log");
    const args =
      (options.resolution ?? "probe") === "probe" ? ["--pluginProbeLocations", this.dir] : ["--allowLocalPluginLoads"];
    this.server = new TsserverClient({
      tsserverPath: options.tsserverPath,
      cwd: this.dir,
      args,
      // The plugin must run on tsserver's TypeScript alone: a require of its own throws.
      nodeArgs: ["-r", join(FIXTURES, "forbid-own-typescript.cjs")],
      logFile: this.logFile,
      logVerbosity: options.logVerbosity ?? "verbose",
    });
  }

  path(relativePath: string): string {
    return join(this.dir, relativePath);
  }

  read(relativePath: string): string {
    return readFileSync(this.path(relativePath), "utf8");
  }

  write(relativePath: string, text: string): void {
    mkdirSync(dirname(this.path(relativePath)), { recursive: true });
    writeFileSync(this.path(relativePath), text);
  }

  /** Opens a file (with unsaved content when given) the way VS Code does, and waits for tsserver. */
  async open(relativePath: string, content?: string): Promise<void> {
    const text = content ?? this.read(relativePath);
    await this.server.request("updateOpen", {
      openFiles: [{ file: this.path(relativePath), fileContent: text, projectRootPath: this.dir }],
    });
    this.openTexts.set(relativePath, text);
  }

  /** The text tsserver has for an open file (unsaved edits included). */
  text(relativePath: string): string {
    const text = this.openTexts.get(relativePath);
    if (text === undefined) throw new Error(`${relativePath} is not open`);
    return text;
  }

  /** Replaces an open file's whole text, as an editor sends a change. */
  async edit(relativePath: string, newText: string): Promise<void> {
    const lines = this.text(relativePath).split("\n");
    const end = { line: lines.length, offset: lines[lines.length - 1].length + 1 };
    await this.server.request("updateOpen", {
      changedFiles: [
        { fileName: this.path(relativePath), textChanges: [{ start: { line: 1, offset: 1 }, end, newText }] },
      ],
    });
    this.openTexts.set(relativePath, newText);
  }

  semanticDiagnostics(relativePath: string): Promise<TsDiagnostic[]> {
    return this.server.request<TsDiagnostic[]>("semanticDiagnosticsSync", { file: this.path(relativePath) });
  }

  /**
   * Requests semantic diagnostics until `until` holds: the SQL parser loads asynchronously,
   * so the first answers after open may lack tenantguard's findings. Between requests it
   * waits for the plugin's `projectsUpdatedInBackground` (sent when it becomes ready or its
   * config changes), never a blind sleep.
   */
  async diagnosticsUntil(
    relativePath: string,
    until: (diagnostics: TsDiagnostic[]) => boolean,
    timeoutMs = 10_000,
  ): Promise<TsDiagnostic[]> {
    const deadline = Date.now() + timeoutMs;
    let last: TsDiagnostic[];
    for (;;) {
      const mark = this.server.events.length;
      last = await this.semanticDiagnostics(relativePath);
      if (until(last)) return last;
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      try {
        await this.server.waitForEvent("projectsUpdatedInBackground", { from: mark, timeoutMs: remaining });
      } catch {
        break;
      }
    }
    throw new Error(
      `diagnostics of ${relativePath} did not reach the expected state within ${timeoutMs} ms.\n` +
        `last diagnostics: ${JSON.stringify(last, null, 2)}\n` +
        `plugin lines in the tsserver log:\n${this.logLines(/plugin|tenantguard/i).join("\n")}`,
    );
  }

  logLines(pattern: RegExp): string[] {
    if (!existsSync(this.logFile)) return [];
    return readFileSync(this.logFile, "utf8")
      .split("\n")
      .filter((line) => pattern.test(line));
  }

  async dispose(): Promise<void> {
    await this.server.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function fromTenantguard(diagnostics: readonly TsDiagnostic[]): TsDiagnostic[] {
  return diagnostics.filter((d) => d.source === "tenantguard");
}

function versionOf(tsserverPath: string): string {
  try {
    const pkg = JSON.parse(readFileSync(join(dirname(tsserverPath), "..", "package.json"), "utf8")) as {
      version: string;
    };
    return pkg.version;
  } catch {
    return "?";
  }
}

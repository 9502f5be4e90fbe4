// The extension's behaviour in real VS Code, through the public `vscode` API only: activation
// and contributions, the language server's diagnostics, a quick fix applied by the editor's
// own code-action command, fix-all, the tsserver engine (plugin reports, server stays quiet
// but still supplies the fix), the commands, and the config file's schema validation.
// The workspace is a copy of test/vscode/fixtures/workspace: src/orders.ts holds one
// `missing-tenant-filter` finding (line 4) and an unused `tenantId` parameter; src/reports.ts,
// never opened, holds another (found by the server's workspace scan).
import {
  commands,
  ConfigurationTarget,
  extensions,
  languages,
  Position,
  Range,
  Selection,
  Uri,
  window,
  workspace,
  type CodeAction,
  type Diagnostic,
  type TextDocument,
} from "vscode";
import { assert, describe, report, waitForDiagnostics, waitForText, type Case } from "./harness";
import { requestScreenshot } from "./screenshot";

const EXTENSION_ID = "tenantguard.tenantguard";
const RULE = "missing-tenant-filter";
const TS_PLUGIN_CODE = 98001; // ts-plugin/src/codes.ts: the tsserver plugin's number for RULE
const UNUSED_PARAMETER = 6133; // TypeScript's "'tenantId' is declared but its value is never read"
const FIXED_QUERY = '"SELECT * FROM orders WHERE id = $1 AND orders.tenant_id = $2", [id, tenantId]';

interface TenantguardApi {
  ready(): Promise<void>;
  findingsCount(): number;
}

let api: TenantguardApi;
let orders: TextDocument;
let reports: Uri;

const isOurs = (d: Diagnostic) => d.source === "tenantguard";
const codeOf = (d: Diagnostic) => (typeof d.code === "object" ? d.code.value : d.code);
/** From the language server: the rule id as the code, with the docs link. */
const fromServer = (d: Diagnostic) => isOurs(d) && codeOf(d) === RULE;
/** From the tsserver plugin: its numeric code (VS Code's TypeScript extension keeps numbers). */
const fromTsserver = (d: Diagnostic) => isOurs(d) && Number(codeOf(d)) === TS_PLUGIN_CODE;
/** tsserver answered for the file: its suggestion diagnostics come after the semantic ones (plugin's included). */
const tsserverAnswered = (ds: Diagnostic[]) =>
  ds.some((d) => d.source === "ts" && Number(codeOf(d)) === UNUSED_PARAMETER);

export const cases: Case[] = [
  {
    name: "activates in a TypeScript workspace and contributes commands, settings, schema validation and the tsserver plugin",
    async run() {
      const extension = extensions.getExtension<TenantguardApi>(EXTENSION_ID);
      assert(extension, `extension ${EXTENSION_ID} is not installed`);
      api = await extension.activate();
      await api.ready();
      assert(extension.isActive, "extension did not activate");
      const all = await commands.getCommands(true);
      for (const id of [
        "tenantguard.scanWorkspace",
        "tenantguard.fixAllInFile",
        "tenantguard.openRuleDocumentation",
        "tenantguard.showOutput",
      ])
        assert(all.includes(id), `command ${id} is not registered`);
      const manifest = extension.packageJSON;
      assert(manifest.capabilities?.untrustedWorkspaces?.supported === true, "untrusted workspaces not declared");
      assert(
        manifest.contributes.jsonValidation.some((v: { url: string }) => v.url === "./schema.json"),
        "no jsonValidation for the config",
      );
      assert(
        manifest.contributes.typescriptServerPlugins.some((p: { name: string }) => p.name === "tenantguard/ts-plugin"),
        "no typescriptServerPlugins entry",
      );
      const engine = workspace.getConfiguration("tenantguard").inspect<string>("engine");
      assert(engine?.defaultValue === "languageServer", `default engine is ${engine?.defaultValue}`);
    },
  },
  {
    name: "engine languageServer: the server reports the finding once, with its rule id and docs link; the plugin stays quiet",
    async run() {
      orders = await openFixture("src/orders.ts");
      const diagnostics = await waitForDiagnostics(
        orders.uri,
        (ds) => ds.some(fromServer) && tsserverAnswered(ds),
        "a language-server diagnostic and tsserver's own answer",
      );
      const ours = diagnostics.filter(isOurs);
      assert(ours.length === 1, `expected exactly one tenantguard diagnostic, got ${describe(ours)}`);
      const [finding] = ours;
      assert(finding.range.start.line === 3, `finding on line ${finding.range.start.line + 1}, expected 4`);
      const target = typeof finding.code === "object" ? finding.code.target.toString() : "";
      assert(target.endsWith(`docs/rules/${RULE}.md`), `docs link is ${target}`);
      reports = Uri.joinPath(orders.uri, "..", "reports.ts");
      await waitForDiagnostics(reports, (ds) => ds.some(fromServer), "the scan's finding in the closed src/reports.ts");
      assert(api.findingsCount() === 2, `status bar shows ${api.findingsCount()} findings, expected 2`);
      await showForScreenshot(finding);
    },
  },
  {
    name: "quick fix from the server, applied through editor.action.codeAction, clears the finding",
    async run() {
      await applyPreferredQuickFix(fromServer);
      await waitForDiagnostics(orders.uri, (ds) => !ds.some(isOurs), "the finding gone after the fix");
      await undoUntil((ds) => ds.some(fromServer));
    },
  },
  {
    name: "tenantguard.fixAllInFile applies the server's fix-all action",
    async run() {
      const edits = await commands.executeCommand<number>("tenantguard.fixAllInFile");
      assert(edits > 0, `fix-all applied ${edits} edits`);
      await waitForText(orders, (text) => text.includes(FIXED_QUERY), "the fixed query");
      await waitForDiagnostics(orders.uri, (ds) => !ds.some(isOurs), "no finding after fix-all");
      await undoUntil((ds) => ds.some(fromServer));
    },
  },
  {
    name: "engine tsserver: the plugin reports the finding, the server publishes none, the fix still comes from the server",
    async run() {
      await workspace.getConfiguration("tenantguard").update("engine", "tsserver", ConfigurationTarget.Workspace);
      try {
        const diagnostics = await waitForDiagnostics(
          orders.uri,
          (ds) => ds.filter(isOurs).length === 1 && ds.some(fromTsserver),
          "exactly one tenantguard diagnostic, from the tsserver plugin",
        );
        report(`  tsserver engine diagnostics: ${describe(diagnostics.filter(isOurs))}`);
        // tsserver checks open files only: the closed file keeps the server's finding.
        const closed = languages.getDiagnostics(reports).filter(isOurs);
        assert(closed.length === 1 && fromServer(closed[0]), `closed file: ${describe(closed)}`);
        assert(api.findingsCount() === 2, `status bar shows ${api.findingsCount()} findings, expected 2`);
        await applyPreferredQuickFix(fromTsserver);
        await waitForDiagnostics(orders.uri, (ds) => !ds.some(isOurs), "the plugin's finding gone after the fix");
        await undoUntil((ds) => ds.filter(isOurs).length === 1 && ds.some(fromTsserver));
      } finally {
        await workspace.getConfiguration("tenantguard").update("engine", undefined, ConfigurationTarget.Workspace);
      }
      await waitForDiagnostics(
        orders.uri,
        (ds) => ds.filter(isOurs).length === 1 && ds.some(fromServer),
        "back to one language-server diagnostic",
      );
    },
  },
  {
    name: "tenantguard.scanWorkspace and tenantguard.showOutput run",
    async run() {
      const result = await commands.executeCommand<{ files: number; cancelled: boolean }>("tenantguard.scanWorkspace");
      assert(result && result.files >= 2 && !result.cancelled, `scan result ${JSON.stringify(result)}`);
      await commands.executeCommand("tenantguard.showOutput");
    },
  },
  {
    name: "tenantguard.config.json is validated against the shipped schema (jsonValidation)",
    async run() {
      const config = await openFixture("tenantguard.config.json");
      const editor = await window.showTextDocument(config);
      const start = config.getText().indexOf('"tenantColumns"');
      await editor.edit((edit) => edit.insert(config.positionAt(start), '"isolation": "per-tenant",\n  '));
      const diagnostics = await waitForDiagnostics(
        config.uri,
        (ds) => ds.some((d) => !isOurs(d) && d.message.includes("row")),
        "a JSON schema error naming the allowed isolation values",
      );
      report(`  schema diagnostics: ${describe(diagnostics)}`);
      await commands.executeCommand("workbench.action.files.revert");
    },
  },
];

async function openFixture(relativePath: string): Promise<TextDocument> {
  const folder = workspace.workspaceFolders?.[0];
  assert(folder, "no workspace folder open");
  const document = await workspace.openTextDocument(Uri.joinPath(folder.uri, relativePath));
  await window.showTextDocument(document);
  return document;
}

/** Puts the cursor on the finding and runs the editor's quick-fix command, as a keybinding would. */
async function applyPreferredQuickFix(isFinding: (d: Diagnostic) => boolean): Promise<void> {
  const editor = await window.showTextDocument(orders);
  const finding = languages.getDiagnostics(orders.uri).find(isFinding);
  assert(finding, `no finding to fix: ${describe(languages.getDiagnostics(orders.uri))}`);
  editor.selection = new Selection(finding.range.start, finding.range.start);
  const actions = await commands.executeCommand<CodeAction[]>(
    "vscode.executeCodeActionProvider",
    orders.uri,
    new Range(finding.range.start, finding.range.start),
    "quickfix",
  );
  const titles = actions.map((a) => a.title);
  assert(
    titles.some((t) => t.startsWith("Add tenant predicate")),
    `no tenant-predicate fix offered: ${titles.join(" | ")}`,
  );
  await commands.executeCommand("editor.action.codeAction", { kind: "quickfix", preferred: true, apply: "first" });
  await waitForText(orders, (text) => text.includes(FIXED_QUERY), "the quick fix's edit");
}

async function undoUntil(predicate: (ds: Diagnostic[]) => boolean): Promise<void> {
  await window.showTextDocument(orders);
  while (orders.isDirty) {
    const version = orders.version;
    await commands.executeCommand("undo");
    await waitForText(orders, () => orders.version !== version || !orders.isDirty, "undo to take effect");
  }
  await waitForDiagnostics(orders.uri, predicate, "the finding back after undo");
}

/** The finding in the editor with its hover-like marker widget and the Problems panel open. */
async function showForScreenshot(finding: Diagnostic): Promise<void> {
  const editor = await window.showTextDocument(orders);
  editor.selection = new Selection(finding.range.start, finding.range.start);
  editor.revealRange(new Range(new Position(0, 0), finding.range.end));
  await commands.executeCommand("workbench.actions.view.problems");
  await window.showTextDocument(orders);
  await commands.executeCommand("editor.action.marker.next");
  await requestScreenshot("diagnostic");
  await commands.executeCommand("closeMarkersNavigation");
  await commands.executeCommand("workbench.action.closePanel");
}

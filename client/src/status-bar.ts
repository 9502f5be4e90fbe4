// A status-bar item with the number of tenantguard findings in the workspace, whichever engine
// reports them (both use the diagnostic source "tenantguard"). Clicking it opens the Problems panel.
import { Disposable, languages, StatusBarAlignment, window, type Diagnostic } from "vscode";

export const DIAGNOSTIC_SOURCE = "tenantguard";

export class FindingsStatus implements Disposable {
  private readonly item = window.createStatusBarItem("tenantguard.findings", StatusBarAlignment.Left, 10);
  private readonly listener: Disposable;
  /** The number the item shows; tests read it. */
  count = 0;

  constructor() {
    this.item.name = "tenantguard findings";
    this.item.command = "workbench.actions.view.problems";
    this.listener = languages.onDidChangeDiagnostics(() => this.update());
    this.update();
    this.item.show();
  }

  update(): void {
    this.count = countFindings(languages.getDiagnostics().flatMap(([, diagnostics]) => diagnostics));
    this.item.text = `$(shield) ${this.count}`;
    this.item.tooltip =
      this.count === 0
        ? "tenantguard: no tenant-isolation findings"
        : `tenantguard: ${this.count} tenant-isolation finding${this.count === 1 ? "" : "s"} (click for the Problems panel)`;
  }

  dispose(): void {
    this.listener.dispose();
    this.item.dispose();
  }
}

export function countFindings(diagnostics: readonly Diagnostic[]): number {
  return diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE).length;
}

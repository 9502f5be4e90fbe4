// What the server has published, per URI: the findings of the file's last analysis, the
// migration checks' findings on it, and the config and schema errors about it. A publish
// replaces all of a URI's diagnostics, so the three kinds always go out together.
import type { Diagnostic } from "vscode-languageserver/node";
import type { InputError } from "../analyzer";
import type { ReportedFinding } from "../cli/report";
import { inputErrorToDiagnostic, migrationFindingToDiagnostic } from "./diagnostics";
import { pathToUri } from "./workspace";

/** Diagnostics replaced all at once per model load, with what they were made from to skip unchanged files. */
type ModelLayer = Map<string, { key: string; diagnostics: Diagnostic[] }>;

export class DiagnosticStore {
  private readonly findings = new Map<string, Diagnostic[]>();
  private readonly migrationFindings: ModelLayer = new Map();
  private readonly inputErrors: ModelLayer = new Map();

  constructor(private readonly send: (uri: string, diagnostics: Diagnostic[]) => void) {}

  /**
   * A file's finding diagnostics. Published when there are some or there were some before;
   * `always` publishes an empty list too (an open document's check must answer every edit).
   */
  setFindings(uri: string, diagnostics: Diagnostic[], always = false): void {
    const had = this.findings.has(uri);
    if (diagnostics.length) this.findings.set(uri, diagnostics);
    else this.findings.delete(uri);
    if (always || had || diagnostics.length) this.publish(uri);
  }

  urisWithFindings(): string[] {
    return [...this.findings.keys()];
  }

  /** Replaces every config and schema error; publishes the files whose errors changed. */
  setInputErrors(errors: readonly InputError[], textOf: (file: string) => string | undefined): void {
    this.replace(this.inputErrors, errors, (fileErrors) => {
      const text = textOf(fileErrors[0].file);
      return fileErrors.map((e) => inputErrorToDiagnostic(e, text));
    });
  }

  /**
   * Replaces every migration finding (`file` absolute); suppressed ones are not shown. Nested
   * configs may check the same migrations: a finding reported twice is shown once.
   */
  setMigrationFindings(findings: readonly ReportedFinding[]): void {
    const seen = new Set<string>();
    const shown = findings.filter((f) => {
      const key = `${f.file}:${f.line}:${f.column}:${f.ruleId}:${f.message}`;
      if (f.suppressed || seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    this.replace(this.migrationFindings, shown, (fileFindings) => fileFindings.map(migrationFindingToDiagnostic));
  }

  /** Swaps a layer's content; publishes the files whose items changed. */
  private replace<T extends { file: string }>(
    layer: ModelLayer,
    items: readonly T[],
    toDiagnostics: (fileItems: T[]) => Diagnostic[],
  ): void {
    const byUri = new Map<string, T[]>();
    for (const item of items) {
      const uri = pathToUri(item.file);
      byUri.set(uri, [...(byUri.get(uri) ?? []), item]);
    }
    for (const uri of new Set([...layer.keys(), ...byUri.keys()])) {
      const fileItems = byUri.get(uri) ?? [];
      // Compared as items, not ranges: the file may already hold newer text than the items came from.
      const key = JSON.stringify(fileItems);
      if (key === (layer.get(uri)?.key ?? "[]")) continue;
      if (fileItems.length) layer.set(uri, { key, diagnostics: toDiagnostics(fileItems) });
      else layer.delete(uri);
      this.publish(uri);
    }
  }

  private publish(uri: string): void {
    this.send(uri, [
      ...(this.findings.get(uri) ?? []),
      ...(this.migrationFindings.get(uri)?.diagnostics ?? []),
      ...(this.inputErrors.get(uri)?.diagnostics ?? []),
    ]);
  }
}

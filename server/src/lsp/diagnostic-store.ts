// What the server has published, per URI: the findings of the file's last analysis plus
// the config and schema errors about it. A publish replaces all of a URI's diagnostics,
// so both kinds always go out together.
import type { Diagnostic } from "vscode-languageserver/node";
import type { InputError } from "../analyzer";
import { inputErrorToDiagnostic } from "./diagnostics";
import { pathToUri } from "./workspace";

export class DiagnosticStore {
  private readonly findings = new Map<string, Diagnostic[]>();
  private readonly inputErrors = new Map<string, { key: string; diagnostics: Diagnostic[] }>();

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
    const byUri = new Map<string, InputError[]>();
    for (const error of errors) {
      const uri = pathToUri(error.file);
      byUri.set(uri, [...(byUri.get(uri) ?? []), error]);
    }
    for (const uri of new Set([...this.inputErrors.keys(), ...byUri.keys()])) {
      const fileErrors = byUri.get(uri) ?? [];
      // Compared as errors, not ranges: the file may already hold newer text than the errors came from.
      const key = JSON.stringify(fileErrors);
      if (key === (this.inputErrors.get(uri)?.key ?? "[]")) continue;
      if (fileErrors.length) {
        const text = textOf(fileErrors[0].file);
        this.inputErrors.set(uri, { key, diagnostics: fileErrors.map((e) => inputErrorToDiagnostic(e, text)) });
      } else this.inputErrors.delete(uri);
      this.publish(uri);
    }
  }

  private publish(uri: string): void {
    this.send(uri, [...(this.findings.get(uri) ?? []), ...(this.inputErrors.get(uri)?.diagnostics ?? [])]);
  }
}

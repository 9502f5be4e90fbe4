// Compiles the official SARIF 2.1.0 JSON schema from the package that ships it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import Ajv from "ajv";
import Ajv2020 from "ajv/dist/2020";
import AjvDraft04 from "ajv-draft-04";

/**
 * The official schema as a package ships it; never a hand-written copy. SARIF 2.1.0's
 * published schema is draft-04 (rtm.5) or draft-07 (errata01): pick the matching Ajv.
 */
export function loadSarifValidator() {
  const candidates = [
    "@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json",
    "@microsoft/sarif-multitool-linux/sarif-2.1.0.json",
  ];
  const path = candidates.map(tryResolve).find((p) => p !== undefined);
  if (!path) {
    assert.fail(
      "The official SARIF 2.1.0 schema is not installed. Add the devDependencies " +
        "@microsoft/jest-sarif (ships lib/schemas/sarif-2.1.0-rtm.5.json, draft-04) and ajv-draft-04.",
    );
  }
  const schema = JSON.parse(readFileSync(path, "utf8")) as { $schema?: string };
  const draft = schema.$schema ?? "";
  const module = draft.includes("draft-04") ? AjvDraft04 : draft.includes("2020-12") ? Ajv2020 : Ajv;
  const AjvClass = module;
  // unicodeRegExp off: the rtm.5 schema has a `pattern` that is valid only without the `u` flag.
  const ajv = new AjvClass({ allErrors: true, strict: false, unicodeRegExp: false });
  // The schema's formats, checked for real (ajv-formats is not a dependency).
  ajv.addFormat("uri", (s: string) => URL.canParse(s));
  ajv.addFormat("uri-reference", (s: string) => URL.canParse(s, "file:///base/"));
  ajv.addFormat("date-time", (s: string) => !Number.isNaN(Date.parse(s)));
  return ajv.compile(schema) as ((data: unknown) => boolean) & { errors?: unknown };
}

function tryResolve(id: string): string | undefined {
  try {
    return require.resolve(id);
  } catch {
    return undefined;
  }
}

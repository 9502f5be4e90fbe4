// How a finding names another file: enough of its path to tell it from the project's other files
// of the same name (every handler's `route.ts`, every operation's `destroy.ts`), and no more.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fileLabel } from "../../server/src/analyzer/text-position";

describe("fileLabel", () => {
  test("a name that says what it is stands alone", () => {
    assert.equal(fileLabel("/p/src/services/invoices.ts"), "invoices.ts");
    assert.equal(fileLabel("C:\\p\\src\\repositories\\projectsRepository.ts"), "projectsRepository.ts");
  });

  test("a framework's file name or an operation's takes the folders above it", () => {
    assert.equal(fileLabel("/p/app/api/links/[linkId]/route.ts"), "links/[linkId]/route.ts");
    assert.equal(fileLabel("/p/packages/core/src/services/apiKeys/destroy.ts"), "apiKeys/destroy.ts");
    assert.equal(fileLabel("/p/apps/web/src/actions/datasetRows/update.ts"), "datasetRows/update.ts");
    assert.equal(fileLabel("/p/src/index.ts"), "src/index.ts");
  });
});

// The language server detects the root client and its tenant wrapper as the CLI does, so the
// editor and CI report the same `unscoped-client` findings on a zero-config project.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { copyFixture, LspClient, REPO, uri } from "./lsp-client";

const FIXTURE = join(REPO, "test", "fixtures", "cli", "detected-clients");

before(() => {
  const built = spawnSync(process.execPath, [join(REPO, "scripts", "build.mjs")], { cwd: REPO, encoding: "utf8" });
  assert.equal(built.status, 0, `build failed:\n${built.stdout}${built.stderr}`);
});

describe("language server: detected clients", () => {
  let client: LspClient;
  let workspace: ReturnType<typeof copyFixture>;

  before(async () => {
    workspace = copyFixture(FIXTURE);
    ({ client } = await LspClient.start(workspace.dir));
  });
  after(async () => {
    await client.stop();
    workspace.remove();
  });

  it("reports the query through the root pool and not the one through the wrapper", async () => {
    const file = join(workspace.dir, "src", "orders.ts");
    await client.open(uri(file), readFileSync(file, "utf8"));
    const diagnostics = await client.diagnostics(uri(file), 0, (d) => d.length > 0);
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.range.start.line]),
      [["unscoped-client", 2]],
    );
  });
});

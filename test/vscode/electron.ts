// `npm run test:electron`: the same extension test suite (test/vscode/suite) in desktop VS Code,
// downloaded by @vscode/test-electron. Needs network access to update.code.visualstudio.com,
// so `npm test` does not run it; here the suite runs in code-server instead
// (test/vscode/code-server.test.ts). Like that runner it tests the packaged .vsix: the
// package is unpacked and loaded as the development extension.
//   TENANTGUARD_VSCODE_VERSION  VS Code to download (default: the lowest engines.vscode allows)
import { join } from "node:path";
import { runTests } from "@vscode/test-electron";
import { buildAndPackage, copyWorkspace, scratchDir, unpackVsix } from "./artifacts";

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    console.error(`VS Code extension tests failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  },
);

async function main(): Promise<number> {
  const version = process.env.TENANTGUARD_VSCODE_VERSION ?? "1.100.3";
  const scratch = scratchDir("electron");
  const { vsix, suite } = await buildAndPackage(scratch);
  const extensionDir = join(scratch, "unpacked");
  await unpackVsix(vsix, extensionDir);
  const workspace = copyWorkspace(scratch);
  // Resolves with VS Code's exit code: 0 when every case passed.
  return runTests({
    version,
    extensionDevelopmentPath: join(extensionDir, "extension"),
    extensionTestsPath: suite,
    launchArgs: [
      workspace,
      "--disable-workspace-trust",
      "--disable-extensions", // other installed extensions stay out; built-ins (TypeScript, JSON) still load
      `--user-data-dir=${join(scratch, "user-data")}`,
      `--extensions-dir=${join(scratch, "extensions")}`,
    ],
  });
}

// Entry point of the extension test suite, bundled to dist/test/suite.js with `vscode` external.
// Both runners load it as `extensionTestsPath`: @vscode/test-electron (test/vscode/electron.ts)
// and VS Code's browser-test payload in code-server (test/vscode/code-server.test.ts).
import { cases } from "./cases";
import { runCases } from "./harness";

export function run(): Promise<void> {
  return runCases(cases);
}

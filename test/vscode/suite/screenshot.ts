// A handshake with the runner that drives the browser (code-server + Playwright): the suite
// writes `<name>.request` into TENANTGUARD_VSCODE_SCREENSHOT_DIR and waits until the runner
// has written `<name>.png`. Without the variable (e.g. @vscode/test-electron) it does nothing.
import { existsSync, watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import { WAIT_MS } from "./harness";

export async function requestScreenshot(name: string): Promise<void> {
  const dir = process.env.TENANTGUARD_VSCODE_SCREENSHOT_DIR;
  if (!dir) return;
  const png = join(dir, `${name}.png`);
  await new Promise<void>((resolve, reject) => {
    const watcher = watch(dir, () => {
      if (existsSync(png)) done(resolve);
    });
    const timer = setTimeout(() => done(() => reject(new Error(`no screenshot ${png} after ${WAIT_MS} ms`))), WAIT_MS);
    const done = (settle: () => void) => {
      clearTimeout(timer);
      watcher.close();
      settle();
    };
    writeFileSync(join(dir, `${name}.request`), "");
  });
}

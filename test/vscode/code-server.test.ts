// The VS Code extension as users get it, in two parts sharing one build (test files may run in
// parallel, and the build rewrites dist/):
//
// 1. The packaged .vsix (`npm run package`): only the bundles, the WASM parser, schema, README,
//    icon and the tsserver plugin entry; a manifest VS Code 1.100 loads; the plugin name
//    resolves the way tsserver resolves it (from <extension>/node_modules).
// 2. Real VS Code, here: code-server 4.100.3 (VS Code 1.100.3) with the .vsix installed, driven
//    by Playwright in Debian's Chromium. The page opens VS Code's own browser-test payload
//    (extensionDevelopmentPath + extensionTestsPath), so the extension host runs
//    test/vscode/suite against the installed extension and reports through
//    `codeAutomationExit`. The suite asks for a screenshot once the diagnostic shows.
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, watch, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import ts from "typescript";
import { ARTIFACTS, buildAndPackage, copyWorkspace, scratchDir, unpackVsix } from "./artifacts";

const CODE_SERVER_VERSION = "4.100.3";
const CODE_SERVER_DIR =
  process.env.TENANTGUARD_CODE_SERVER_DIR ?? join(homedir(), ".cache", "tenantguard", "code-server");
const ENTRY = join(CODE_SERVER_DIR, "node_modules", "code-server", "out", "node", "entry.js");
const CHROMIUM = process.env.TENANTGUARD_CHROMIUM ?? "/usr/bin/chromium";
/** The whole run: code-server start, workbench load, every case of the suite. */
const RUN_TIMEOUT_MS = 240_000;

const skip = !existsSync(join(CODE_SERVER_DIR, `.installed-${CODE_SERVER_VERSION}`))
  ? "SKIP: code-server not installed (bash scripts/install-code-server.sh)"
  : !existsSync(CHROMIUM)
    ? "SKIP: chromium not installed (apt-get install -y chromium)"
    : false;
if (skip) console.log(`\n  ${skip}\n`);

let scratch: string;
let vsix: string;
let suite: string;

before(async () => {
  scratch = scratchDir("vscode");
  ({ vsix, suite } = await buildAndPackage(scratch));
});

const require = createRequire(import.meta.url);
const { readVSIXPackage } = require("@vscode/vsce/out/zip") as {
  readVSIXPackage(path: string): Promise<{ manifest: Manifest }>;
};

interface Setting {
  default?: unknown;
  description?: string;
  markdownDescription?: string;
}
interface Manifest {
  main: string;
  engines: { vscode: string };
  activationEvents: string[];
  capabilities: { untrustedWorkspaces: { supported: boolean } };
  contributes: {
    configuration: { properties: Record<string, Setting | undefined> };
    jsonValidation: { fileMatch: string; url: string }[];
  };
}

/** Everything the extension needs at run time; the .vsix holds these and nothing else. */
const EXPECTED = [
  "[content_types].xml",
  "extension.vsixmanifest",
  "extension/package.json",
  "extension/readme.md",
  "extension/icon.png",
  "extension/schema.json",
  "extension/dist/extension.js",
  "extension/dist/server.js",
  "extension/dist/ts-plugin.js",
  "extension/dist/libpg-query.wasm",
  "extension/node_modules/tenantguard/ts-plugin/index.js",
  "extension/node_modules/tenantguard/ts-plugin/package.json",
];
const MAX_BYTES = 4 * 1024 * 1024;

describe("the packaged VS Code extension (.vsix)", () => {
  let files: Map<string, Buffer>;
  let unpacked: string;

  before(async () => {
    unpacked = join(scratch, "unpacked");
    files = await unpackVsix(vsix, unpacked);
  });

  it("holds only the bundles, the parser's WASM, schema, README, icon and the plugin entry", () => {
    const optional = /^extension\/licen[cs]e(\.(md|txt))?$/;
    assert.deepEqual([...files.keys()].filter((f) => !optional.test(f)).sort(), [...EXPECTED].sort());
  });

  it(`stays under ${MAX_BYTES / 1024 / 1024} MB`, () => {
    const size = statSync(vsix).size;
    console.log(`    .vsix size: ${(size / 1024 / 1024).toFixed(2)} MB (${size} bytes)`);
    assert.ok(size < MAX_BYTES, `${size} bytes`);
  });

  it("has a manifest VS Code 1.100 accepts: main, engine, activation, contributions, untrusted workspaces", async () => {
    const { manifest } = await readVSIXPackage(vsix);
    assert.equal(manifest.main, "./dist/extension.js");
    assert.equal(manifest.engines.vscode, "^1.100.0");
    assert.ok(manifest.activationEvents.includes("onLanguage:typescript"));
    assert.ok(manifest.activationEvents.includes("workspaceContains:**/tenantguard.config.json"));
    assert.equal(manifest.capabilities.untrustedWorkspaces.supported, true);
    assert.equal(manifest.contributes.configuration.properties["tenantguard.engine"]?.default, "languageServer");
    for (const key of ["enable", "engine", "configPath", "trace.server"]) {
      const setting = manifest.contributes.configuration.properties[`tenantguard.${key}`];
      assert.ok(setting?.description || setting?.markdownDescription, `tenantguard.${key} has no description`);
    }
    assert.deepEqual(manifest.contributes.jsonValidation, [
      { fileMatch: "tenantguard.config.json", url: "./schema.json" },
    ]);
  });

  it("resolves the tsserver plugin name from <extension>/node_modules, as tsserver does, to the bundled plugin", () => {
    const extension = join(unpacked, "extension");
    // tsserver resolves a global plugin from `<probe location>/node_modules` with node10 resolution.
    const { resolvedModule } = ts.resolveModuleName(
      "tenantguard/ts-plugin",
      join(extension, "node_modules", "probe.ts"),
      { moduleResolution: ts.ModuleResolutionKind.Node10, allowJs: true },
      ts.sys,
    );
    assert.equal(resolvedModule?.resolvedFileName, join(extension, "node_modules/tenantguard/ts-plugin/index.js"));
    const factory = require(resolvedModule.resolvedFileName);
    assert.equal(typeof factory, "function", "the plugin entry does not export the plugin factory");
  });
});

describe("VS Code (code-server + Chromium): the packaged extension", { skip }, () => {
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let exitCode: number;
  let report: string;
  const screenshots: string[] = [];

  before(async () => {
    const workspace = copyWorkspace(scratch);
    const dirs = {
      userData: join(scratch, "user-data"),
      extensions: join(scratch, "extensions"),
      shots: join(scratch, "shots"),
    };
    for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
    const common = [
      "--config", join(scratch, "code-server.yaml"),
      "--user-data-dir", dirs.userData,
      "--extensions-dir", dirs.extensions,
      "--disable-telemetry",
      "--disable-update-check",
    ]; // prettier-ignore

    const install = spawnSync(process.execPath, [ENTRY, ...common, "--install-extension", vsix], { encoding: "utf8" });
    assert.equal(install.status, 0, `--install-extension failed:\n${install.stdout}${install.stderr}`);
    const installed = readdirSync(dirs.extensions).find((name) => name.startsWith("tenantguard.tenantguard-"));
    assert.ok(installed, `the .vsix did not install:\n${install.stdout}${install.stderr}`);
    const extensionDir = join(dirs.extensions, installed);

    const reportFile = join(scratch, "report.txt");
    writeFileSync(reportFile, "");
    server = await startCodeServer(
      [...common, "--auth", "none", "--bind-addr", "127.0.0.1:0", "--disable-workspace-trust", workspace],
      {
        TENANTGUARD_VSCODE_SCREENSHOT_DIR: dirs.shots,
        TENANTGUARD_VSCODE_REPORT: reportFile,
      },
    );

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    let exit: (code: number) => void = () => undefined;
    const exited = new Promise<number>((resolve) => (exit = resolve));
    // VS Code's test runner in the page calls this with the suite's exit code.
    await page.exposeFunction("codeAutomationExit", (code: number) => exit(code));
    const stopScreenshots = serveScreenshots(page, dirs.shots, screenshots);
    const authority = `127.0.0.1:${server.port}`;
    const payload = [
      ["extensionDevelopmentPath", `vscode-remote://${authority}${extensionDir}`],
      ["extensionTestsPath", `vscode-remote://${authority}${suite}`],
    ];
    const url = `http://${authority}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    await page.goto(url);
    try {
      exitCode = await within(
        RUN_TIMEOUT_MS,
        exited,
        () =>
          `the suite did not finish; report so far:\n${readFileSync(reportFile, "utf8")}\ncode-server log:\n${server!.log()}`,
      );
    } finally {
      stopScreenshots();
      report = readFileSync(reportFile, "utf8");
      console.log(report.replace(/^/gm, "    "));
    }
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("runs the extension test suite in the extension host and every case passes", () => {
    assert.match(report, /^ok - activates/m, "the suite did not run");
    assert.doesNotMatch(report, /^not ok/m);
    assert.equal(exitCode, 0, `codeAutomationExit(${exitCode})`);
  });

  it("saves a screenshot of the editor with the diagnostic", () => {
    assert.ok(screenshots.length > 0 && screenshots.every(existsSync), `screenshots: ${screenshots.join(", ")}`);
    console.log(`    screenshot: ${screenshots.join(", ")}`);
  });
});

interface CodeServer {
  port: number;
  log(): string;
  stop(): Promise<void>;
}

/** Starts code-server on a free port; resolves once it listens. */
function startCodeServer(args: string[], env: Record<string, string>): Promise<CodeServer> {
  // Its own process group, so stopping it also ends the extension host and language server it started.
  const child: ChildProcess = spawn(process.execPath, [ENTRY, ...args], {
    env: { ...process.env, ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (listening) {
        child.stdout!.off("data", onData);
        child.stdout!.on("data", (more: Buffer) => (output += more.toString()));
        resolve({
          port: Number(listening[1]),
          log: () => output.slice(-8000),
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              child.once("exit", () => done());
              process.kill(-child.pid!, "SIGTERM");
            }),
        });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => reject(new Error(`code-server exited (${code}) before listening:\n${output}`)));
  });
}

/**
 * Answers the suite's `<name>.request` files: once the editor shows an error squiggle and the
 * marker widget, saves `<name>.png` (beside the request, and under test-results/vscode/).
 */
function serveScreenshots(page: Page, dir: string, saved: string[]): () => void {
  const handled = new Set<string>();
  const take = async (name: string) => {
    await page
      .locator(".squiggly-error")
      .first()
      .waitFor({ state: "visible", timeout: 30_000 })
      .catch(() => undefined);
    await page
      .locator(".marker-widget")
      .first()
      .waitFor({ state: "visible", timeout: 10_000 })
      .catch(() => undefined);
    mkdirSync(ARTIFACTS, { recursive: true });
    const artifact = join(ARTIFACTS, `${name}.png`);
    await page.screenshot({ path: artifact });
    saved.push(artifact);
    // Written under another name first: the suite must never see a half-written file.
    await page.screenshot({ path: join(dir, `${name}.tmp.png`) });
    renameSync(join(dir, `${name}.tmp.png`), join(dir, `${name}.png`));
  };
  const watcher = watch(dir, (_event, file) => {
    const name = file?.toString().match(/^(.+)\.request$/)?.[1];
    if (!name || handled.has(name)) return;
    handled.add(name);
    void take(name).catch((e) => console.error(`screenshot ${name} failed: ${(e as Error).message}`));
  });
  return () => watcher.close();
}

function within<T>(ms: number, promise: Promise<T>, explain: () => string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${explain()}`)), ms)),
    ),
  ]);
}

// The language server in a real LSP editor: Neovim's built-in client, headless. The Lua
// script in neovim/ opens the fixture's leaking file and writes what Neovim saw as JSON.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { copyFixture, REPO, SERVER } from "../lsp/lsp-client";

const NVIM = spawnSync("nvim", ["--version"], { encoding: "utf8" });
const HAVE_NVIM = NVIM.status === 0;
if (!HAVE_NVIM) console.log("\n  SKIP: neovim not installed (apt-get install -y neovim)\n");

interface NeovimResult {
  diagnostics: {
    lnum: number;
    col: number;
    end_lnum: number;
    end_col: number;
    severity: number;
    message: string;
    source: string;
    code: string;
  }[];
  actions: { title: string; kind: string; isPreferred: boolean }[];
  errors: string[];
  fixed_line?: string;
  cleared?: boolean;
}

describe(
  "Neovim (built-in LSP client)",
  { skip: HAVE_NVIM ? false : "SKIP: neovim not installed (apt-get install -y neovim)" },
  () => {
    let result: NeovimResult;
    let workspace: ReturnType<typeof copyFixture>;
    let scratch: string;

    before(() => {
      const built = spawnSync(process.execPath, [join(REPO, "scripts", "build.mjs")], { cwd: REPO, encoding: "utf8" });
      assert.equal(built.status, 0, `build failed:\n${built.stdout}${built.stderr}`);
      workspace = copyFixture();
      scratch = mkdtempSync(join(tmpdir(), "tenantguard-nvim-"));
      const resultPath = join(scratch, "result.json");
      const run = spawnSync(
        "nvim",
        [
          "--headless",
          "-n",
          "-i",
          "NONE",
          "-u",
          "NONE",
          "-c",
          `luafile ${join(import.meta.dirname, "neovim", "check-diagnostics.lua")}`,
        ],
        {
          encoding: "utf8",
          timeout: 60_000,
          // Neovim's LSP log and state go to the scratch directory, not the user's home.
          env: {
            ...process.env,
            TG_ROOT: workspace.dir,
            TG_SERVER: SERVER,
            TG_RESULT: resultPath,
            XDG_CACHE_HOME: scratch,
            XDG_STATE_HOME: scratch,
            XDG_DATA_HOME: scratch,
            XDG_CONFIG_HOME: scratch,
          },
        },
      );
      assert.equal(run.status, 0, `nvim failed (${run.status} ${run.signal}):\n${run.stdout}${run.stderr}`);
      result = JSON.parse(readFileSync(resultPath, "utf8"));
    });
    after(() => {
      workspace?.remove();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    });

    it("runs without errors", () => {
      assert.deepEqual(result.errors, []);
    });

    it("shows the missing-tenant-filter diagnostic on the table name", () => {
      const text = readFileSync(join(workspace.dir, "src", "orders.ts"), "utf8").split("\n");
      const column = text[3].indexOf("orders");
      assert.deepEqual(
        result.diagnostics.map((d) => [d.code, d.source, d.severity, d.lnum, d.col, d.end_lnum, d.end_col]),
        [["missing-tenant-filter", "tenantguard", 1, 3, column, 3, column + "orders".length]],
      );
      assert.match(result.diagnostics[0].message, /orders/);
    });

    it("offers the add-predicate quick fix, preferred", () => {
      assert.deepEqual(result.actions[0], {
        title: "Add tenant predicate `orders.tenant_id = tenantId`",
        kind: "quickfix",
        isPreferred: true,
      });
      assert.ok(result.actions.some((a) => a.kind === "source.fixAll.tenantguard"));
    });

    it("applies the fix through Neovim's own workspace-edit code, after which the diagnostic goes", () => {
      assert.equal(
        result.fixed_line,
        '  const result = await pool.query("SELECT * FROM orders WHERE id = $1 AND orders.tenant_id = $2", [id, tenantId]);',
      );
      assert.equal(result.cleared, true);
    });
  },
);

// Bare import specifiers mapped by the project's tsconfig (`paths`, `baseUrl`, through `extends`):
// an Nx-style monorepo imports its libraries as `@acme/lib/...`, and a by-id write in a library
// function whose every caller checks the key is proven only when that import is followed.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { parseArgs, type CliOptions } from "../../server/src/cli/args";
import { run } from "../../server/src/cli/run";
import { createModuleMapper } from "../../server/src/cli/tsconfig-paths";
import { memoryIo } from "./helpers";

describe("createModuleMapper", () => {
  const files = new Map<string, string>([
    [
      "/repo/tsconfig.base.json",
      `{
        // comments and trailing commas, as tsconfig files have them
        "compilerOptions": {
          "baseUrl": ".",
          "paths": {
            "@acme/lib/*": ["libraries/lib/src/*"],
            "@acme/lib/special": ["libraries/special/index"],
            "@acme/*": ["packages/*/src"],
          },
        },
      }`,
    ],
    [
      "/repo/apps/api/tsconfig.json",
      `{ "extends": "../../tsconfig.base.json", "compilerOptions": { "strict": true } }`,
    ],
    ["/repo/apps/web/tsconfig.json", `{ "compilerOptions": { "paths": { "~/*": ["./src/*"] } } }`],
    ["/repo/apps/loop/tsconfig.json", `{ "extends": "./tsconfig.json" }`],
  ]);
  const map = createModuleMapper((p) => files.get(p));

  it("maps through the nearest tsconfig's extends chain, exact and longest-prefix patterns first", () => {
    assert.deepEqual(map("/repo/apps/api/src/routes/x.ts", "@acme/lib/db/repo"), [
      "/repo/libraries/lib/src/db/repo",
      "/repo/packages/lib/db/repo/src",
      "/repo/@acme/lib/db/repo",
    ]);
    assert.deepEqual(map("/repo/apps/api/src/x.ts", "@acme/lib/special")[0], "/repo/libraries/special/index");
  });

  it("paths without baseUrl resolve against the config that declares them; relative and unmapped specifiers map to nothing", () => {
    assert.deepEqual(map("/repo/apps/web/src/pages/a.ts", "~/lib/db"), ["/repo/apps/web/src/lib/db"]);
    assert.deepEqual(map("/repo/apps/web/src/pages/a.ts", "./local"), []);
    assert.deepEqual(map("/repo/apps/web/src/pages/a.ts", "lodash"), []);
    assert.deepEqual(map("/elsewhere/a.ts", "@acme/lib/x"), []);
  });

  it("with no tsconfig.json above the importer, a workspace root's tsconfig.base.json maps it", () => {
    const only = createModuleMapper((p) =>
      p === "/ws/tsconfig.base.json" ? files.get("/repo/tsconfig.base.json") : undefined,
    );
    assert.equal(only("/ws/apps/api/src/a.ts", "@acme/lib/db")[0], "/ws/libraries/lib/src/db");
  });

  it("a config that extends itself ends instead of looping", () => {
    assert.deepEqual(map("/repo/apps/loop/a.ts", "@acme/lib/x"), []);
  });
});

describe("tsconfig paths in a run", () => {
  it("a library function behind a path alias, every caller checking the key, is proven; its twin is not", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tg-paths-"));
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    try {
      write(
        "tsconfig.json",
        `{ "compilerOptions": { "baseUrl": ".", "paths": { "@acme/data/*": ["libs/data/src/*"] } } }`,
      );
      write("prisma/schema.prisma", `model Doc {\n  id    String @id\n  orgId String\n  title String\n}\n`);
      write(
        "tenantguard.config.json",
        `{ "tenantColumns": ["orgId"], "schema": { "prisma": ["prisma/schema.prisma"] } }`,
      );
      write(
        "libs/data/src/docs.ts",
        `import { PrismaClient } from "@prisma/client";
const prisma = new PrismaClient();
export async function renameDoc(id: string, title: string) {
  return prisma.doc.update({ where: { id }, data: { title } });
}
export async function retitleDoc(id: string, title: string) {
  return prisma.doc.update({ where: { id }, data: { title } });
}
`,
      );
      write(
        "apps/api/src/routes.ts",
        `import { PrismaClient } from "@prisma/client";
import { renameDoc, retitleDoc } from "@acme/data/docs";
const prisma = new PrismaClient();
export async function rename(orgId: string, id: string, title: string) {
  const doc = await prisma.doc.findFirst({ where: { id, orgId } });
  if (!doc) throw new Error("not found");
  await renameDoc(id, title);
}
export async function retitle(orgId: string, id: string, title: string) {
  await retitleDoc(id, title);
}
`,
      );
      const io = memoryIo(dir);
      const parsed = parseArgs(["--format", "json", "."], "0.0.0-test") as { options: CliOptions };
      await run(parsed.options, io, "0.0.0-test");
      const report = JSON.parse(io.out());
      assert.deepEqual(
        report.findings.map((f: { file: string; line: number; ruleId: string }) => `${f.file}:${f.line} ${f.ruleId}`),
        ["libs/data/src/docs.ts:7 missing-tenant-filter"],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

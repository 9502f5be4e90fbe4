// Which files may call a data-layer function (the CLI's and the language server's CallerFiles):
// those that call something of its name and import its module, plus its own file; an open
// (or fixed) text counts over the disk's.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { CallerFiles } from "../../server/src/cli/caller-files";

describe("CallerFiles", () => {
  let dir: string;
  const files: Record<string, string> = {
    "lib/orders.ts":
      "export const getOrder = (id: string) => db.order.findUnique({ where: { id } });\nexport const again = () => getOrder('x');",
    "lib/invoices/index.ts": "export const getOrder = (id: string) => db.invoice.findUnique({ where: { id } });",
    "routes/orders.ts":
      'import { getOrder } from "../lib/orders";\nexport const show = (req: any) => getOrder(req.params.id);',
    "routes/aliased.ts":
      'import { getOrder } from "@/lib/orders";\nexport const show = (req: any) => getOrder(req.params.id);',
    "routes/invoices.ts":
      'import { getOrder } from "../lib/invoices";\nexport const show = (req: any) => getOrder(req.params.id);',
    "routes/mention.ts": 'import { x } from "../lib/orders";\n// getOrder is documented elsewhere\nexport const y = x;',
    "routes/barrel.ts": 'import { getOrder } from "@/lib";\nexport const show = (req: any) => getOrder(req.params.id);',
    "routes/other.ts":
      'import { getOrder as fetchOrder } from "@/api";\nexport const show = (req: any) => fetchOrder(req.params.id);',
    "lib/tags/index.ts": "export const getTag = (id: string) => db.tag.findUnique({ where: { id } });",
    "routes/tags.ts":
      'import { getTag } from "../lib/tags/index.js";\nexport const show = (req: any) => getTag(req.params.id);',
    "routes/tags-upper.ts":
      'import { getTag } from "../lib/Tags";\nexport const show = (req: any) => getTag(req.params.id);',
    "routes/optional.ts":
      'import * as lib from "../lib/Optional";\nimport { hook } from "./hook";\nexport const a = (req: any) => hook?.(req.params.id);\nexport const b = (req: any) => lib.getOne!(req.params.id);',
    "repositories/memory.repository.ts":
      "export class MemoryRepository { removeMemory(id: string) { return db.deleteFrom('memory').where('id', '=', id).execute(); } delete(id: string) { return 1; } }",
    // A base class injects the repository: the service calls it without importing its module.
    "services/memory.service.ts":
      'import { BaseService } from "./base.service";\nexport class MemoryService extends BaseService { remove(id: string) { this.memoryRepository.delete(id); return this.memoryRepository.removeMemory(id); } }',
    "services/other.ts": "export const x = (repo: any) => repo.removeMemory('a');",
    // An identifier-like run of 200k characters (a base64 literal, minified code) before a call.
    "routes/long.ts": `export const blob = "${"a".repeat(200_000)}";\nimport { getTag } from "../lib/tags";\nexport const show = (req: any) => getTag(req.params.id);`,
  };
  const path = (rel: string) => join(dir, rel);
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "tenantguard-callers-"));
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(join(dir, rel, ".."), { recursive: true });
      writeFileSync(path(rel), text);
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("a method called on an injected property by a name of two words, without an import of its module", () => {
    const index = new CallerFiles(Object.keys(files).map(path), () => undefined);
    const repo = path("repositories/memory.repository.ts");
    assert.deepEqual(index.mentioning("removeMemory", repo).sort(), [repo, path("services/memory.service.ts")]);
    // One word (`delete`) is every client's method: asked only on a property named for the class.
    assert.deepEqual(index.mentioning("delete", repo), [repo]);
    assert.deepEqual(index.mentioning("delete", repo, "MemoryRepository").sort(), [
      repo,
      path("services/memory.service.ts"),
    ]);
    assert.deepEqual(index.mentioning("delete", repo, "TagRepository"), [repo]);
  });

  test("the function's own file and the files that call the name and import its module", () => {
    const index = new CallerFiles(Object.keys(files).map(path), () => undefined);
    // A file that imports the name through a barrel higher up is a candidate too; its calls are resolved later.
    assert.deepEqual(index.mentioning("getOrder", path("lib/orders.ts")).sort(), [
      path("lib/orders.ts"),
      path("routes/aliased.ts"),
      path("routes/barrel.ts"),
      path("routes/invoices.ts"),
      path("routes/orders.ts"),
      path("routes/other.ts"),
    ]);
    // A folder's index module is imported by the folder's name.
    assert.deepEqual(index.mentioning("getOrder", path("lib/invoices/index.ts")).sort(), [
      path("lib/invoices/index.ts"),
      path("routes/aliased.ts"),
      path("routes/barrel.ts"),
      path("routes/invoices.ts"),
      path("routes/orders.ts"),
      path("routes/other.ts"),
    ]);
    // A file that only mentions the name in a comment, or calls its own function of that name, is not.
    assert.ok(!index.mentioning("getOrder", path("lib/orders.ts")).includes(path("routes/mention.ts")));
  });

  test("a folder's index imported as `./tags/index.js` or with another case, and a long identifier-like run", () => {
    const index = new CallerFiles(Object.keys(files).map(path), () => undefined);
    assert.deepEqual(index.mentioning("getTag", path("lib/tags/index.ts")).sort(), [
      path("lib/tags/index.ts"),
      path("routes/long.ts"),
      path("routes/tags-upper.ts"),
      path("routes/tags.ts"),
    ]);
  });

  test("`name?.(` and `name!(` are calls of the name", () => {
    const index = new CallerFiles(Object.keys(files).map(path), () => undefined);
    assert.ok(index.mentioning("hook", path("routes/hook.ts")).includes(path("routes/optional.ts")));
    assert.ok(index.mentioning("getOne", path("lib/Optional.ts")).includes(path("routes/optional.ts")));
  });

  test("refresh reads one changed, created or deleted file again", () => {
    const index = new CallerFiles(Object.keys(files).map(path), () => undefined);
    const target = path("lib/orders.ts");
    assert.ok(!index.mentioning("getOrder", target).includes(path("routes/mention.ts")));
    writeFileSync(
      path("routes/mention.ts"),
      'import { getOrder } from "../lib/orders";\nexport const y = () => getOrder("1");',
    );
    writeFileSync(
      path("routes/new.ts"),
      'import { getOrder as get } from "../lib/orders";\nexport const z = () => get("1");',
    );
    try {
      index.refresh(path("routes/mention.ts"));
      index.refresh(path("routes/new.ts"));
      assert.ok(index.mentioning("getOrder", target).includes(path("routes/mention.ts")));
      assert.ok(index.mentioning("getOrder", target).includes(path("routes/new.ts")));
      rmSync(path("routes/new.ts"));
      index.refresh(path("routes/new.ts"));
      assert.ok(!index.mentioning("getOrder", target).includes(path("routes/new.ts")));
    } finally {
      writeFileSync(path("routes/mention.ts"), files["routes/mention.ts"]!);
      rmSync(path("routes/new.ts"), { force: true });
    }
  });

  test("refresh before the first question adds a new file to those read", () => {
    const index = new CallerFiles(Object.keys(files).map(path), () => undefined);
    writeFileSync(
      path("routes/new.ts"),
      'import { getOrder } from "../lib/orders";\nexport const z = () => getOrder("1");',
    );
    try {
      index.refresh(path("routes/new.ts"));
      assert.ok(index.mentioning("getOrder", path("lib/orders.ts")).includes(path("routes/new.ts")));
    } finally {
      rmSync(path("routes/new.ts"), { force: true });
    }
  });

  test("an open text wins over the disk: a new call counts once the index is told", () => {
    const open = new Map<string, string>();
    const index = new CallerFiles(Object.keys(files).map(path), (f) => open.get(f));
    assert.ok(!index.mentioning("getOrder", path("lib/orders.ts")).includes(path("routes/mention.ts")));
    open.set(
      path("routes/mention.ts"),
      'import { getOrder } from "../lib/orders";\nexport const y = () => getOrder("1");',
    );
    index.changed();
    assert.ok(index.mentioning("getOrder", path("lib/orders.ts")).includes(path("routes/mention.ts")));
  });
});

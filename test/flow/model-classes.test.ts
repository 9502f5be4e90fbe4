// karakeep's models: a class whose private constructor is fed by a static `fromId` that reads the
// row scoped to the user, then methods that write by `this.note.id`. The field is judged at every
// `new Note(...)` of the class's file. Each safe case beside its unsafe twins.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { harness } from "../helpers/flow-run";

const SCHEMA = `import { sqliteTable, text } from "drizzle-orm/sqlite-core";
export const notes = sqliteTable("notes", {
  id: text("id").notNull().primaryKey(),
  status: text("status"),
  userId: text("userId").notNull(),
});`;
const CONFIG = { tenantColumns: ["userId"], schema: { drizzle: ["src/db/schema.ts"] } };

const h = harness({ files: { "/p/src/db/schema.ts": SCHEMA }, config: CONFIG });

const model_ = (opts: { ctor?: string; where?: string; extra?: string } = {}) => `import { and, eq } from "drizzle-orm";
import { notes } from "./db/schema";
interface Ctx { db: any; user: { id: string } }
export class Note {
  ${opts.ctor ?? "private constructor"}(private ctx: Ctx, private note: { id: string }) {}
  static async fromId(ctx: Ctx, id: string): Promise<Note> {
    const note = await ctx.db.query.notes.findFirst({ where: ${opts.where ?? "and(eq(notes.id, id), eq(notes.userId, ctx.user.id))"} });
    if (!note) throw new Error("not found");
    return new Note(ctx, note);
  }
  async archive(): Promise<void> {
    await this.ctx.db.update(notes).set({ status: "archived" }).where(eq(notes.id, this.note.id));
  }
${opts.extra ?? ""}
}`;

const run = (text: string) => h.run({ "/p/src/db/schema.ts": SCHEMA, "/p/src/note.ts": text }).flagged;

describe("a model class's row, judged where its private constructor is called", () => {
  test("every `new Note(...)` is handed a row read scoped to the user: the write by `this.note.id` is proven", () => {
    assert.deepEqual(run(model_()), []);
    assert.deepEqual(run(model_({ ctor: "protected constructor" })), []);
  });

  test("twins: the read unscoped, a public constructor, the field set again after construction", () => {
    assert.deepEqual(run(model_({ where: "eq(notes.id, id)" })), [
      "note.ts:7: notes.findFirst",
      "note.ts:12: update(notes)",
    ]);
    assert.deepEqual(run(model_({ ctor: "constructor" })), ["note.ts:12: update(notes)"]);
    const extended = `${model_({ ctor: "protected constructor" })}
export class Evil extends Note {}`;
    assert.deepEqual(run(extended), ["note.ts:12: update(notes)"]);
    assert.deepEqual(run(model_({ extra: "  retarget(other: { id: string }) { this.note = other; }" })), [
      "note.ts:12: update(notes)",
    ]);
  });
});

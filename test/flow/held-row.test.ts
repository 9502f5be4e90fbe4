// `this` in an instance method of a model class is the row the method runs on, which its caller
// holds: its own id and foreign keys (`Collection.findByPk(this.collectionId)`) stay inside that
// row's tenant. Outline's Document model (sequelize-typescript); a static method, a key the
// method wrote to `this` from its argument, and a parameter stay flagged.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { harness } from "../helpers/flow-run";

const MODELS = `import { Table, Column, Model, BelongsTo, ForeignKey, DataType } from "sequelize-typescript";
@Table({ tableName: "collections" })
export class Collection extends Model {
  @Column(DataType.UUID) teamId: string;
}
@Table({ tableName: "documents" })
export class Document extends Model {
  @Column(DataType.UUID) teamId: string;
  @BelongsTo(() => Collection, "collectionId")
  collection: Collection | null;
  @ForeignKey(() => Collection)
  @Column(DataType.UUID)
  collectionId: string | null;
`;
const CONFIG = { tenantColumns: ["teamId"], schema: { sequelize: ["src/models.ts"] } };

const h = harness({ files: { "/p/src/models.ts": `${MODELS}}\n` }, config: CONFIG });

const run = (members: string) => h.run({ "/p/src/models.ts": `${MODELS}${members}}\n` });

describe("the row a model method runs on", () => {
  test("its foreign key reads its own parent, in a method or an arrow-function field", () => {
    const r = run(`  async archive() {
    return Collection.findByPk(this.collectionId);
  }
  isDeleted = async () => Collection.findByPk(this.collectionId!, { paranoid: false });
`);
    assert.deepEqual(r.flagged, []);
    assert.match(
      r.proofs[0]!,
      /^models\.ts:15 owned-key: key `this\.collectionId` is read off the Document row this method runs on, which its caller holds$/,
    );
  });

  test("twins: a static method, a key written to `this` from the argument, a parameter", () => {
    const r = run(`  static async byId(id: string) {
    return Collection.findByPk(id);
  }
  async moveTo(collectionId: string) {
    this.collectionId = collectionId;
    return Collection.findByPk(this.collectionId);
  }
  async restoreTo(collectionId: string) {
    return Collection.findByPk(collectionId);
  }
`);
    assert.deepEqual(r.flagged, [
      "models.ts:15: findByPk(id)",
      "models.ts:19: findByPk(this.collectionId)",
      "models.ts:22: findByPk(collectionId)",
    ]);
  });
});

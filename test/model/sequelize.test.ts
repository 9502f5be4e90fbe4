// Sequelize define/init models as a tenant-model source: table and column names as
// Sequelize derives them (tableName, pluralized model name, `underscored`, `field`).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import ts from "typescript";
import { readSequelizeModels } from "../../server/src/analyzer/model/sequelize";
import { createMemoryFs } from "../helpers/memory-fs";

function read(text: string) {
  const file = "/p/src/models/x.model.ts";
  return readSequelizeModels(createMemoryFs({ [file]: text }), [file], ts).tables.map((t) => ({
    name: t.name,
    columns: t.columns,
    names: t.entities?.[0]?.names,
    fields: t.entities?.[0]?.fields,
  }));
}

describe("Sequelize model reader", () => {
  const cases: {
    name: string;
    code: string;
    expected: { name: string; columns: string[]; names: string[]; fields: Record<string, string> };
  }[] = [
    {
      name: "define with tableName and field",
      code: `const Order = sequelize.define("Order", { id: DataTypes.UUID, tenantId: { type: DataTypes.UUID, field: "tenant_id" } }, { tableName: "orders" });`,
      expected: {
        name: "orders",
        columns: ["id", "tenant_id"],
        names: ["Order"],
        fields: { id: "id", tenantId: "tenant_id" },
      },
    },
    {
      name: "define without options pluralizes the model name",
      code: `export const OrderModel = sequelize.define("Company", { tenantId: DataTypes.UUID });`,
      expected: {
        name: "Companies",
        columns: ["tenantId"],
        names: ["Company", "OrderModel"],
        fields: { tenantId: "tenantId" },
      },
    },
    {
      name: "a name that is already plural stays (crowd.dev's settings), as Sequelize's inflection keeps it",
      code: `const settings = sequelize.define("memberAttributeSettings", { tenantId: DataTypes.UUID });`,
      expected: {
        name: "memberAttributeSettings",
        columns: ["tenantId"],
        names: ["memberAttributeSettings", "settings"],
        fields: { tenantId: "tenantId" },
      },
    },
    {
      name: "belongsTo in an associate(models) hook (crowd.dev): models.note.belongsTo(models.tenant) adds tenantId",
      code: `const note = sequelize.define("note", { id: DataTypes.UUID });\nnote.associate = (models) => {\n  models.note.belongsTo(models.tenant, { as: "tenant", foreignKey: { allowNull: false } });\n};`,
      expected: {
        name: "notes",
        columns: ["id", "tenantId"],
        names: ["note"],
        fields: { id: "id", tenantId: "tenantId" },
      },
    },
    {
      name: "init with underscored snake_cases columns and the table",
      code: `class OrderItem extends Model {}\nOrderItem.init({ id: { type: DataTypes.INTEGER, primaryKey: true }, tenantId: DataTypes.UUID }, { sequelize, underscored: true });`,
      expected: {
        name: "order_items",
        columns: ["id", "tenant_id"],
        names: ["OrderItem"],
        fields: { id: "id", tenantId: "tenant_id" },
      },
    },
    {
      // Sequelize underscores with `inflection`: `tenantID` is stored as tenant_i_d, `APIKey`'s table is a_p_i_keys.
      name: "underscored names as Sequelize spells them, acronyms letter by letter",
      code: `class APIKey extends Model {}\nAPIKey.init({ id: { type: DataTypes.INTEGER, primaryKey: true }, tenantID: DataTypes.UUID }, { sequelize, underscored: true });`,
      expected: {
        name: "a_p_i_keys",
        columns: ["id", "tenant_i_d"],
        names: ["APIKey"],
        fields: { id: "id", tenantID: "tenant_i_d" },
      },
    },
    {
      name: "init with freezeTableName and modelName",
      code: `class Invoice extends Model {}\nInvoice.init({ orgId: { type: DataTypes.UUID, field: "org_id" } }, { sequelize, modelName: "invoice", freezeTableName: true });`,
      expected: { name: "invoice", columns: ["org_id"], names: ["Invoice", "invoice"], fields: { orgId: "org_id" } },
    },
    {
      name: "belongsTo adds the foreign key",
      code: `class Note extends Model {}\nNote.init({ id: DataTypes.INTEGER }, { sequelize, tableName: "notes", underscored: true });\nNote.belongsTo(Tenant);`,
      expected: {
        name: "notes",
        columns: ["id", "tenant_id"],
        names: ["Note"],
        fields: { id: "id", tenantId: "tenant_id" },
      },
    },
    {
      name: "belongsTo with a named foreign key",
      code: `class Note extends Model {}\nNote.init({ id: DataTypes.INTEGER }, { sequelize, tableName: "notes" });\nNote.belongsTo(Org, { foreignKey: { name: "orgId", field: "org_id" } });`,
      expected: { name: "notes", columns: ["id", "org_id"], names: ["Note"], fields: { id: "id", orgId: "org_id" } },
    },
    {
      name: "sequelize-typescript @Table and @Column",
      code: `@Table({ tableName: "orders", underscored: true })\nexport class Order extends Model {\n  @PrimaryKey @Column(DataType.UUID) id: string;\n  @ForeignKey(() => Tenant) @Column tenantId: string;\n  @Column({ field: "total_cents" }) total: number;\n  @BelongsTo(() => Tenant) tenant: Tenant;\n}`,
      expected: {
        name: "orders",
        columns: ["id", "tenant_id", "total_cents"],
        names: ["Order"],
        fields: { id: "id", tenantId: "tenant_id", total: "total_cents" },
      },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(read(c.code), [c.expected]);
    });
  }

  test("inflection's rules, as Sequelize names tables: address -> addresses, Human -> Humans, news stays", () => {
    const names = ["address", "status", "datum", "news", "company", "person", "Human", "Bonus", "Evidence"];
    const code = names.map((n) => `sequelize.define("${n}", { tenantId: DataTypes.UUID });`).join("\n");
    assert.deepEqual(
      read(code).map((t) => t.name),
      ["addresses", "statuses", "data", "news", "companies", "people", "Humans", "Bonuses", "Evidence"],
    );
  });

  test("init without a sequelize option is someone else's init", () => {
    assert.deepEqual(read(`app.init({ port: 1 }, { verbose: true });`), []);
  });

  test("the primary key is recorded as the single-field unique", () => {
    const file = "/p/src/models/o.ts";
    const [t] = readSequelizeModels(
      createMemoryFs({
        [file]: `class O extends Model {}\nO.init({ uuid: { type: DataTypes.UUID, primaryKey: true } }, { sequelize });`,
      }),
      [file],
      ts,
    ).tables;
    assert.deepEqual(t.entities?.[0]?.uniques, [["uuid"]]);
    assert.equal(t.source.kind, "sequelize");
  });

  test("a row's parents: @BelongsTo (its key given or by default), a bare @ForeignKey, belongsTo()", () => {
    const file = "/p/src/models/d.ts";
    const tables = readSequelizeModels(
      createMemoryFs({
        [file]: `@Table({ tableName: "documents" })
class Document extends Model {
  @BelongsTo(() => Collection, "collectionId") collection: Collection;
  @ForeignKey(() => Collection) @Column(DataType.UUID) collectionId: string;
  @BelongsTo(() => User) createdBy: User;
  @ForeignKey(() => Template) @Column(DataType.UUID) templateId: string;
  @Column(DataType.UUID) teamId: string;
}
class Order extends Model {}
Order.init({ tenantId: DataTypes.UUID }, { sequelize });
Order.belongsTo(Customer, { foreignKey: "buyerId" });`,
      }),
      [file],
      ts,
    ).tables;
    assert.deepEqual(
      tables.map((t) => t.entities?.[0]?.relations),
      [
        [
          { field: "collection", target: "Collection", required: false, fields: ["collectionId"] },
          { field: "createdBy", target: "User", required: false, fields: ["createdById"] },
          { field: "template", target: "Template", required: false, fields: ["templateId"] },
        ],
        [{ field: "customer", target: "Customer", required: false, fields: ["buyerId"] }],
      ],
    );
  });
});

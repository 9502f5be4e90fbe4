// Tables and models defined with Sequelize: `sequelize.define('Order', attributes, options)` and
// `class Order extends Model {}; Order.init(attributes, { sequelize, ... })`, plus the foreign
// key a `belongsTo` adds. Sequelize's naming: the table is `tableName`, else the model name
// (frozen, or pluralized and, with `underscored`, snake_cased); a column is the attribute's
// `field`, else the attribute name (snake_cased with `underscored`).
import type ts from "typescript";
import { pluralize, sequelizeUnderscore } from "./names";
import type { AnalyzerFileSystem, InputError } from "../types";
import type { DiscoveredTable, SchemaSourceReader } from "./discover";
import type { EntityInfo, ModelSource } from "./types";
import { decoratorsOf, outsideDependencies, stringProperty, stringValue } from "./typeorm";

export const sequelizeReader: SchemaSourceReader = {
  read(fs, config, _parser, tsModule) {
    const files = [...new Set(fs.glob(config.schema.sequelize, config.rootDir))].filter(outsideDependencies);
    return readSequelizeModels(fs, files, tsModule);
  },
};

interface SequelizeModel {
  modelName: string;
  names: string[];
  options?: ts.ObjectLiteralExpression;
  /** attribute -> column */
  fields: Record<string, string>;
  /** `@BelongsTo(() => Collection, "collectionId") collection`: the key attribute a row's parent is read by. */
  relations: NonNullable<EntityInfo["relations"]>;
  primary: string[];
  underscored: boolean;
  source: ModelSource;
}

export function readSequelizeModels(
  fs: AnalyzerFileSystem,
  files: readonly string[],
  tsm: typeof ts,
): { tables: DiscoveredTable[]; errors: InputError[] } {
  const models: SequelizeModel[] = [];
  const associations: { owner: string; target: string; options?: ts.ObjectLiteralExpression }[] = [];
  for (const file of files) {
    const text = fs.readFile(file);
    // Cheap: only files that define, initialise or decorate models are parsed.
    // `.define<PaymentInstance>(` is how typed code calls define.
    if (text === undefined || !(/\.define[(<]/.test(text) || text.includes(".init(") || text.includes("@Table")))
      continue;
    const sourceFile = tsm.createSourceFile(file, text, tsm.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (tsm.isClassDeclaration(node) && node.name) {
        const model = decoratedModel(tsm, node, sourceFile);
        if (model) models.push(model);
      }
      if (tsm.isCallExpression(node) && tsm.isPropertyAccessExpression(node.expression)) {
        const model = modelDefinition(tsm, node, node.expression, sourceFile);
        if (model) models.push(model);
        const method = node.expression.name.text;
        // `Note.belongsTo(Tenant)`, and in an `associate(models)` hook `models.note.belongsTo(models.tenant)`.
        const owner = modelReference(tsm, node.expression.expression);
        const target = node.arguments[0] && modelReference(tsm, node.arguments[0]);
        if (method === "belongsTo" && owner && target) {
          const options =
            node.arguments[1] && tsm.isObjectLiteralExpression(node.arguments[1]) ? node.arguments[1] : undefined;
          associations.push({ owner, target, options });
        }
      }
      tsm.forEachChild(node, visit);
    };
    visit(sourceFile);
  }
  for (const a of associations) {
    const model = models.find((m) => m.names.includes(a.owner));
    if (model) addForeignKey(tsm, model, a.target, a.options);
  }
  return {
    tables: models.map((m) => {
      const entity: EntityInfo = { orm: "sequelize", names: m.names, fields: m.fields };
      // One relation per key: `@BelongsTo` names it, a bare `@ForeignKey` only when nothing else does.
      const relations = m.relations.filter((r, i) => m.relations.findIndex((o) => o.fields![0] === r.fields![0]) === i);
      if (relations.length) entity.relations = relations;
      if (m.primary.length) entity.uniques = [m.primary];
      return {
        name: tableName(tsm, m),
        schema: m.options && stringProperty(tsm, m.options, "schema"),
        columns: [...new Set(Object.values(m.fields))],
        source: m.source,
        entities: [entity],
      };
    }),
    errors: [],
  };
}

/** `Tenant`, or `models.tenant` / `sequelize.models.tenant`: the name a model is referred to by. */
function modelReference(tsm: typeof ts, e: ts.Expression): string | undefined {
  if (tsm.isIdentifier(e)) return e.text;
  return tsm.isPropertyAccessExpression(e) && tsm.isIdentifier(e.name) ? e.name.text : undefined;
}

/** `x.define('Order', {...}, {...})` or `Order.init({...}, { sequelize })`. */
function modelDefinition(
  tsm: typeof ts,
  call: ts.CallExpression,
  callee: ts.PropertyAccessExpression,
  sourceFile: ts.SourceFile,
): SequelizeModel | undefined {
  const method = callee.name.text;
  const [a0, a1, a2] = call.arguments;
  let modelName: string | undefined;
  let attributes: ts.Expression | undefined;
  let options: ts.Expression | undefined;
  const names: string[] = [];
  if (method === "define" && a0 && stringValue(tsm, a0) !== undefined) {
    modelName = stringValue(tsm, a0)!;
    attributes = a1;
    options = a2;
    const declared = assignedName(tsm, call);
    names.push(modelName);
    if (declared && declared !== modelName) names.push(declared);
  } else if (
    method === "init" &&
    tsm.isIdentifier(callee.expression) &&
    a1 &&
    tsm.isObjectLiteralExpression(a1) &&
    hasKey(tsm, a1, "sequelize")
  ) {
    const cls = callee.expression.text;
    modelName = stringProperty(tsm, a1, "modelName") ?? cls;
    attributes = a0;
    options = a1;
    names.push(cls);
    if (modelName !== cls) names.push(modelName);
  }
  if (!modelName || !attributes || !tsm.isObjectLiteralExpression(attributes)) return undefined;
  const opts = options && tsm.isObjectLiteralExpression(options) ? options : undefined;
  const underscored = !!opts && booleanProperty(tsm, opts, "underscored");
  const model: SequelizeModel = {
    modelName,
    names,
    options: opts,
    fields: {},
    relations: [],
    primary: [],
    underscored,
    source: sourceOf(call, sourceFile),
  };
  for (const p of attributes.properties) {
    if (
      !(tsm.isPropertyAssignment(p) || tsm.isShorthandPropertyAssignment(p)) ||
      !(tsm.isIdentifier(p.name) || tsm.isStringLiteral(p.name))
    )
      continue;
    const attribute = p.name.text;
    const value = tsm.isPropertyAssignment(p) ? p.initializer : undefined;
    const spec = value && tsm.isObjectLiteralExpression(value) ? value : undefined;
    model.fields[attribute] =
      (spec && stringProperty(tsm, spec, "field")) ?? (underscored ? sequelizeUnderscore(attribute) : attribute);
    if (spec && booleanProperty(tsm, spec, "primaryKey")) model.primary.push(attribute);
  }
  return model;
}

/** sequelize-typescript: `@Table({ tableName }) class Order extends Model { @Column({ field }) tenantId }`. */
function decoratedModel(
  tsm: typeof ts,
  node: ts.ClassDeclaration,
  sourceFile: ts.SourceFile,
): SequelizeModel | undefined {
  const table = decoratorsOf(tsm, node).find((d) => d.name === "Table");
  if (!table) return undefined;
  const options = table.args[0] && tsm.isObjectLiteralExpression(table.args[0]) ? table.args[0] : undefined;
  const underscored = !!options && booleanProperty(tsm, options, "underscored");
  const name = node.name!.text;
  const model: SequelizeModel = {
    modelName: (options && stringProperty(tsm, options, "modelName")) ?? name,
    names: [name],
    options,
    fields: {},
    relations: [],
    primary: [],
    underscored,
    source: sourceOf(node, sourceFile),
  };
  for (const member of node.members) {
    if (tsm.isPropertyDeclaration(member) && tsm.isIdentifier(member.name)) {
      const relation = belongsTo(tsm, member.name.text, decoratorsOf(tsm, member));
      if (relation) model.relations.push(relation);
    }
    if (!tsm.isPropertyDeclaration(member) || !tsm.isIdentifier(member.name)) continue;
    const decorators = decoratorsOf(tsm, member);
    const column = decorators.find((d) => d.name === "Column");
    if (!column) continue;
    const attribute = member.name.text;
    const spec = column.args.find((a): a is ts.ObjectLiteralExpression => tsm.isObjectLiteralExpression(a));
    model.fields[attribute] =
      (spec && stringProperty(tsm, spec, "field")) ?? (underscored ? sequelizeUnderscore(attribute) : attribute);
    if (decorators.some((d) => d.name === "PrimaryKey") || (spec && booleanProperty(tsm, spec, "primaryKey")))
      model.primary.push(attribute);
  }
  return model;
}

/**
 * sequelize-typescript's `@BelongsTo(() => Collection, "collectionId") collection` (the key
 * defaults to the property's name plus `Id`), or `@ForeignKey(() => Collection) collectionId`.
 */
function belongsTo(
  tsm: typeof ts,
  property: string,
  decorators: { name: string; args: readonly ts.Expression[] }[],
): NonNullable<EntityInfo["relations"]>[number] | undefined {
  const target = (d: { args: readonly ts.Expression[] }) => {
    const f = d.args[0];
    const body = f && (tsm.isArrowFunction(f) ? f.body : f);
    return body && tsm.isIdentifier(body) ? body.text : undefined;
  };
  const parent = decorators.find((d) => d.name === "BelongsTo");
  const parentModel = parent && target(parent);
  if (parentModel) {
    const key = (parent.args[1] && stringValue(tsm, parent.args[1])) ?? `${property}Id`;
    return { field: property, target: parentModel, required: false, fields: [key] };
  }
  const key = decorators.find((d) => d.name === "ForeignKey");
  const keyModel = key && target(key);
  return keyModel
    ? { field: property.replace(/Id$/, ""), target: keyModel, required: false, fields: [property] }
    : undefined;
}

/**
 * `Order.belongsTo(Tenant, { foreignKey })` is a relation by the key attribute (default `tenantId`),
 * which it adds when the model does not declare it.
 */
function addForeignKey(
  tsm: typeof ts,
  model: SequelizeModel,
  target: string,
  options: ts.ObjectLiteralExpression | undefined,
): void {
  let attribute: string | undefined;
  let field: string | undefined;
  for (const p of options?.properties ?? []) {
    if (!tsm.isPropertyAssignment(p) || !tsm.isIdentifier(p.name) || p.name.text !== "foreignKey") continue;
    attribute = stringValue(tsm, p.initializer);
    if (tsm.isObjectLiteralExpression(p.initializer)) {
      attribute = stringProperty(tsm, p.initializer, "name");
      field = stringProperty(tsm, p.initializer, "field");
    }
  }
  const as = options && stringProperty(tsm, options, "as");
  attribute ??= `${lowerFirst(as ?? target)}Id`;
  model.relations.push({ field: as ?? lowerFirst(target), target, required: false, fields: [attribute] });
  if (model.fields[attribute]) return;
  model.fields[attribute] = field ?? (model.underscored ? sequelizeUnderscore(attribute) : attribute);
}

function tableName(tsm: typeof ts, m: SequelizeModel): string {
  const explicit = m.options && stringProperty(tsm, m.options, "tableName");
  if (explicit) return explicit;
  if (m.options && booleanProperty(tsm, m.options, "freezeTableName")) return m.modelName;
  const plural = pluralize(m.modelName);
  return m.underscored ? sequelizeUnderscore(plural) : plural;
}

/** The variable a call is assigned to: `const Order = sequelize.define(...)`. */
function assignedName(tsm: typeof ts, call: ts.CallExpression): string | undefined {
  let node: ts.Node = call;
  while (tsm.isAsExpression(node.parent) || tsm.isParenthesizedExpression(node.parent)) node = node.parent;
  const parent = node.parent;
  if (tsm.isVariableDeclaration(parent) && tsm.isIdentifier(parent.name)) return parent.name.text;
  if (tsm.isBinaryExpression(parent) && parent.right === node && tsm.isIdentifier(parent.left)) return parent.left.text;
  return undefined;
}

function hasKey(tsm: typeof ts, obj: ts.ObjectLiteralExpression, key: string): boolean {
  return obj.properties.some(
    (p) =>
      (tsm.isPropertyAssignment(p) || tsm.isShorthandPropertyAssignment(p)) &&
      tsm.isIdentifier(p.name) &&
      p.name.text === key,
  );
}

function booleanProperty(tsm: typeof ts, obj: ts.ObjectLiteralExpression, key: string): boolean {
  return obj.properties.some(
    (p) =>
      tsm.isPropertyAssignment(p) &&
      tsm.isIdentifier(p.name) &&
      p.name.text === key &&
      p.initializer.kind === tsm.SyntaxKind.TrueKeyword,
  );
}

function sourceOf(node: ts.Node, sourceFile: ts.SourceFile): ModelSource {
  const at = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile));
  return { file: sourceFile.fileName, line: at.line + 1, column: at.character + 1, kind: "sequelize" };
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

// Tables and entities defined by TypeORM `@Entity` classes. TypeORM's DefaultNamingStrategy:
// the table is the given name or the snake_cased class name (`OrderItem` -> `order_item`), a
// column is its `name` option or the property name, and a `@ManyToOne` join column is its
// `@JoinColumn({ name })` or `<relation>Id`. Columns declared on a base class (a shared
// `TenantScopedEntity` with `tenantId`) belong to every entity that extends it. The same entities
// defined without decorators, `const FlowEntity = new EntitySchema({ name, columns, relations })`,
// are named by the const and by the schema's `name` (`getRepository(FlowEntity)`, `getRepository("flow")`).
import type ts from "typescript";
import { lastName } from "../statements";
import type { AnalyzerFileSystem, InputError } from "../types";
import type { DiscoveredTable, SchemaSourceReader } from "./discover";
import type { EntityInfo, ForeignKey, ModelSource } from "./types";

/** A dependency's own entities (`packages/x/node_modules/...`) are not the project's tables. */
export function outsideDependencies(file: string): boolean {
  return !file.split(/[\\/]/).includes("node_modules");
}

export const typeormReader: SchemaSourceReader = {
  read(fs, config, _parser, tsModule) {
    const files = [...new Set(fs.glob(config.schema.typeorm, config.rootDir))].filter(outsideDependencies);
    return readTypeormEntities(fs, files, tsModule);
  },
};

export function readTypeormEntities(
  fs: AnalyzerFileSystem,
  files: readonly string[],
  tsm: typeof ts,
): { tables: DiscoveredTable[]; errors: InputError[] } {
  const classes = new Map<string, EntityClass>();
  for (const file of files) {
    const text = fs.readFile(file);
    // Cheap: only files that declare entities or columns (a base class) are parsed.
    if (text === undefined || !(text.includes("Entity") || text.includes("Column("))) continue;
    const sourceFile = tsm.createSourceFile(file, text, tsm.ScriptTarget.Latest, true);
    for (const statement of sourceFile.statements) {
      if (tsm.isClassDeclaration(statement) && statement.name) {
        const read = readClass(tsm, statement, sourceFile);
        if (read) classes.set(read.name, read);
      }
      if (tsm.isVariableStatement(statement))
        for (const read of readEntitySchemas(tsm, statement, sourceFile))
          for (const name of [read.name, ...(read.aliases ?? [])]) if (!classes.has(name)) classes.set(name, read);
    }
  }
  const tables: DiscoveredTable[] = [];
  for (const cls of new Set(classes.values())) {
    if (!cls.entity) continue;
    const fields: Record<string, string> = {};
    const relations: NonNullable<EntityInfo["relations"]> = [];
    const primary: string[] = [];
    // Base classes first, so a property the entity redeclares wins.
    for (const c of lineage(cls, classes).reverse()) {
      Object.assign(fields, c.fields);
      relations.push(...c.relations.map((r) => ({ ...r })));
      primary.push(...c.primary);
    }
    const joinColumns = relations.flatMap((r) => r.fields ?? []);
    const foreignKeys = relationKeys(cls, relations, classes);
    // A join column also declared as a @Column (`tenantId` beside `tenant`) is named by that field.
    const fieldOf = (column: string) => Object.keys(fields).find((f) => fields[f] === column) ?? column;
    for (const r of relations) r.fields = r.fields?.map(fieldOf);
    const entity: EntityInfo = { orm: "typeorm", names: [cls.name, ...(cls.aliases ?? [])], fields, relations };
    if (primary.length) entity.uniques = [primary];
    tables.push({
      name: cls.entity.table ?? snakeCase(cls.name),
      schema: cls.entity.schema,
      columns: [...new Set([...Object.values(fields), ...joinColumns])],
      source: cls.source,
      entities: [entity],
      ...(foreignKeys.length ? { foreignKeys } : {}),
    });
  }
  return { tables, errors: [] };
}

/** The owning side of each relation to another entity (`@ManyToOne(() => Invoice, { nullable: false })`) as a foreign key. */
function relationKeys(
  cls: EntityClass,
  relations: NonNullable<EntityInfo["relations"]>,
  classes: ReadonlyMap<string, EntityClass>,
): ForeignKey[] {
  const references = Object.assign(
    {},
    ...lineage(cls, classes)
      .reverse()
      .map((c) => c.references),
  ) as Record<string, string>;
  return relations.flatMap((r): ForeignKey[] => {
    const target = classes.get(r.target);
    if (!target?.entity || !r.fields?.length) return [];
    const targetFields = Object.assign(
      {},
      ...lineage(target, classes)
        .reverse()
        .map((c) => c.fields),
    ) as Record<string, string>;
    const referenced = references[r.field] ?? "id";
    return [
      {
        columns: r.fields,
        parent: target.entity.table ?? snakeCase(target.name),
        ...(target.entity.schema ? { parentSchema: target.entity.schema } : {}),
        parentColumns: [targetFields[referenced] ?? referenced],
        required: r.required,
      },
    ];
  });
}

interface EntityClass {
  name: string;
  /** Other names code uses for the entity: an EntitySchema's `name` (`getRepository("flow")`, a relation's `target`). */
  aliases?: string[];
  base?: string;
  /** Set when the class carries `@Entity`: the table name and schema it gives, if any. */
  entity?: { table?: string; schema?: string };
  fields: Record<string, string>;
  relations: NonNullable<EntityInfo["relations"]>;
  /** Relation property -> the target's referenced property (`@JoinColumn({ referencedColumnName })`, default `id`). */
  references: Record<string, string>;
  primary: string[];
  source: ModelSource;
}

/**
 * `@ManyToOne`, `@OneToOne`, and a project's own wrappers of them (ever-gauzy's `@MultiORMManyToOne`),
 * as `@MultiORMEntity` wraps `@Entity` and `@MultiORMColumn` `@Column`.
 */
const RELATION_DECORATOR = /(?:ManyToOne|OneToOne)$/;
const ENTITY_DECORATOR = /Entity$/;

function readClass(tsm: typeof ts, node: ts.ClassDeclaration, sourceFile: ts.SourceFile): EntityClass | undefined {
  const decorators = decoratorsOf(tsm, node);
  const entityDecorator = decorators.find((d) => ENTITY_DECORATOR.test(d.name));
  const heritage = node.heritageClauses?.find((h) => h.token === tsm.SyntaxKind.ExtendsKeyword)?.types[0]?.expression;
  const start = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile));
  const cls: EntityClass = {
    name: node.name!.text,
    base: heritage && tsm.isIdentifier(heritage) ? heritage.text : undefined,
    fields: {},
    relations: [],
    references: {},
    primary: [],
    source: { file: sourceFile.fileName, line: start.line + 1, column: start.character + 1, kind: "typeorm" },
  };
  if (entityDecorator) {
    const [first, second] = entityDecorator.args;
    const options =
      first && tsm.isObjectLiteralExpression(first)
        ? first
        : second && tsm.isObjectLiteralExpression(second)
          ? second
          : undefined;
    cls.entity = {
      table: (first && stringValue(tsm, first)) ?? (options && stringProperty(tsm, options, "name")),
      schema: options && stringProperty(tsm, options, "schema"),
    };
  }
  const notNull = new Set<string>();
  for (const member of node.members) {
    if (
      !tsm.isPropertyDeclaration(member) ||
      !member.name ||
      !(tsm.isIdentifier(member.name) || tsm.isStringLiteral(member.name))
    )
      continue;
    const property = member.name.text;
    const memberDecorators = decoratorsOf(tsm, member);
    const column = memberDecorators.find(
      (d) => d.name.endsWith("Column") && d.name !== "JoinColumn" && d.name !== "JoinTable",
    );
    if (column) {
      const options = column.args.find((a): a is ts.ObjectLiteralExpression => tsm.isObjectLiteralExpression(a));
      cls.fields[property] = (options && stringProperty(tsm, options, "name")) ?? property;
      if (column.name.startsWith("Primary")) cls.primary.push(property);
      // A column is NOT NULL unless `nullable: true` (TypeORM's default).
      if (!(options && booleanProperty(tsm, options, "nullable"))) notNull.add(cls.fields[property]);
    }
    const relation = memberDecorators.find((d) => RELATION_DECORATOR.test(d.name));
    if (relation) {
      const join = memberDecorators.find((d) => d.name === "JoinColumn");
      // Only the owning side (ManyToOne, or OneToOne with @JoinColumn) has a column in this table.
      if (relation.name === "OneToOne" && !join) continue;
      const joinOptions = join?.args.find((a): a is ts.ObjectLiteralExpression => tsm.isObjectLiteralExpression(a));
      const referenced = (joinOptions && stringProperty(tsm, joinOptions, "referencedColumnName")) ?? "id";
      const joinColumn =
        (joinOptions && stringProperty(tsm, joinOptions, "name")) ?? camelCase(`${property}_${referenced}`);
      const relOptions = relation.args.find((a): a is ts.ObjectLiteralExpression => tsm.isObjectLiteralExpression(a));
      // TypeORM relations are nullable unless `nullable: false`.
      const required = !!relOptions?.properties.some(
        (p) =>
          tsm.isPropertyAssignment(p) &&
          p.name.getText(sourceFile) === "nullable" &&
          p.initializer.kind === tsm.SyntaxKind.FalseKeyword,
      );
      cls.relations.push({
        field: property,
        target: relationTarget(tsm, relation.args[0]) ?? "",
        required,
        fields: [joinColumn],
      });
      cls.references[property] = referenced;
    }
  }
  // `@Column({ name: "folder_id" }) folderId` beside `@ManyToOne(...) @JoinColumn({ name: "folder_id" })`:
  // the key is the column, NOT NULL, so the relation is required though it does not say `nullable: false`.
  for (const r of cls.relations) if (!r.required && r.fields && notNull.has(r.fields[0]!)) r.required = true;
  return cls.entity || Object.keys(cls.fields).length || cls.relations.length ? cls : undefined;
}

/**
 * `const FlowEntity = new EntitySchema<Flow>({ name: "flow", tableName?, columns: { projectId: {...} },
 * relations: { project: { type: "many-to-one", target: "project", joinColumn: { name } } } })`.
 * A column may be declared with a shared options object (`projectId: ApIdSchema`); columns spread in
 * from one (`...BaseColumnSchemaPart`) are not followed.
 */
function readEntitySchemas(tsm: typeof ts, statement: ts.VariableStatement, sourceFile: ts.SourceFile): EntityClass[] {
  const out: EntityClass[] = [];
  for (const decl of statement.declarationList.declarations) {
    const init = decl.initializer && skipParentheses(tsm, decl.initializer);
    if (!tsm.isIdentifier(decl.name) || !init || !tsm.isNewExpression(init)) continue;
    const options = init.arguments?.[0];
    if (lastName(tsm, init.expression) !== "EntitySchema" || !options || !tsm.isObjectLiteralExpression(options))
      continue;
    const name = stringProperty(tsm, options, "name");
    const start = sourceFile.getLineAndCharacterOfPosition(decl.getStart(sourceFile));
    const cls: EntityClass = {
      name: decl.name.text,
      aliases: name && name !== decl.name.text ? [name] : undefined,
      entity: {
        table: stringProperty(tsm, options, "tableName") ?? name,
        schema: stringProperty(tsm, options, "schema"),
      },
      fields: {},
      relations: [],
      references: {},
      primary: [],
      source: { file: sourceFile.fileName, line: start.line + 1, column: start.character + 1, kind: "typeorm" },
    };
    for (const [property, column] of objectProperties(tsm, objectProperty(tsm, options, "columns"))) {
      cls.fields[property] = stringProperty(tsm, column, "name") ?? property;
      if (booleanProperty(tsm, column, "primary")) cls.primary.push(property);
    }
    // `projectId: ApIdSchema`: a column declared with a shared options object, named by its property.
    for (const p of objectProperty(tsm, options, "columns")?.properties ?? []) {
      if (!tsm.isPropertyAssignment(p) || !(tsm.isIdentifier(p.name) || tsm.isStringLiteral(p.name))) continue;
      const value = skipParentheses(tsm, p.initializer);
      if (tsm.isIdentifier(value) || tsm.isPropertyAccessExpression(value)) cls.fields[p.name.text] ??= p.name.text;
    }
    for (const [property, relation] of objectProperties(tsm, objectProperty(tsm, options, "relations"))) {
      const type = stringProperty(tsm, relation, "type");
      const joinColumn = objectProperty(tsm, relation, "joinColumn");
      const joined = !!joinColumn || booleanProperty(tsm, relation, "joinColumn") === true;
      // Only the owning side (many-to-one, or one-to-one with a join column) has a column in this table.
      if (type !== "many-to-one" && !(type === "one-to-one" && joined)) continue;
      const referenced = (joinColumn && stringProperty(tsm, joinColumn, "referencedColumnName")) ?? "id";
      const targetNode = objectPropertyValue(tsm, relation, "target");
      cls.relations.push({
        field: property,
        target: (targetNode && relationTarget(tsm, targetNode)) ?? "",
        // Relations are nullable unless `nullable: false`.
        required: booleanProperty(tsm, relation, "nullable") === false,
        fields: [(joinColumn && stringProperty(tsm, joinColumn, "name")) ?? camelCase(`${property}_${referenced}`)],
      });
      cls.references[property] = referenced;
    }
    out.push(cls);
  }
  return out;
}

function skipParentheses(tsm: typeof ts, expr: ts.Expression): ts.Expression {
  while (tsm.isParenthesizedExpression(expr) || tsm.isAsExpression(expr) || tsm.isSatisfiesExpression(expr))
    expr = expr.expression;
  return expr;
}

function objectPropertyValue(tsm: typeof ts, obj: ts.ObjectLiteralExpression, key: string): ts.Expression | undefined {
  for (const p of obj.properties)
    if (tsm.isPropertyAssignment(p) && (tsm.isIdentifier(p.name) || tsm.isStringLiteral(p.name)) && p.name.text === key)
      return skipParentheses(tsm, p.initializer);
  return undefined;
}

function objectProperty(
  tsm: typeof ts,
  obj: ts.ObjectLiteralExpression,
  key: string,
): ts.ObjectLiteralExpression | undefined {
  const value = objectPropertyValue(tsm, obj, key);
  return value && tsm.isObjectLiteralExpression(value) ? value : undefined;
}

function booleanProperty(tsm: typeof ts, obj: ts.ObjectLiteralExpression, key: string): boolean | undefined {
  const value = objectPropertyValue(tsm, obj, key);
  if (value?.kind === tsm.SyntaxKind.TrueKeyword) return true;
  if (value?.kind === tsm.SyntaxKind.FalseKeyword) return false;
  return undefined;
}

/** The `key: { ... }` entries of an object literal (spreads and other values skipped). */
function objectProperties(
  tsm: typeof ts,
  obj: ts.ObjectLiteralExpression | undefined,
): [string, ts.ObjectLiteralExpression][] {
  const out: [string, ts.ObjectLiteralExpression][] = [];
  for (const p of obj?.properties ?? []) {
    if (!tsm.isPropertyAssignment(p) || !(tsm.isIdentifier(p.name) || tsm.isStringLiteral(p.name))) continue;
    const value = skipParentheses(tsm, p.initializer);
    if (tsm.isObjectLiteralExpression(value)) out.push([p.name.text, value]);
  }
  return out;
}

/** The class and its base classes among the scanned files, nearest first. */
function lineage(cls: EntityClass, classes: ReadonlyMap<string, EntityClass>): EntityClass[] {
  const out: EntityClass[] = [];
  for (let c: EntityClass | undefined = cls; c && !out.includes(c); c = c.base ? classes.get(c.base) : undefined)
    out.push(c);
  return out;
}

/** `@ManyToOne(() => Tenant)` / `@ManyToOne("Tenant")` -> `Tenant`. */
function relationTarget(tsm: typeof ts, arg: ts.Expression | undefined): string | undefined {
  if (!arg) return undefined;
  if (tsm.isArrowFunction(arg) && tsm.isExpression(arg.body)) return relationTarget(tsm, arg.body);
  if (tsm.isIdentifier(arg)) return arg.text;
  return stringValue(tsm, arg);
}

export interface DecoratorCall {
  name: string;
  args: readonly ts.Expression[];
}

/** `@Name(args)` and `@Name` decorators of a node, by their last name segment. */
export function decoratorsOf(tsm: typeof ts, node: ts.HasDecorators): DecoratorCall[] {
  return (tsm.getDecorators(node) ?? []).flatMap((d) => {
    const expr = d.expression;
    const callee = tsm.isCallExpression(expr) ? expr.expression : expr;
    const name = tsm.isIdentifier(callee)
      ? callee.text
      : tsm.isPropertyAccessExpression(callee)
        ? callee.name.text
        : undefined;
    return name ? [{ name, args: tsm.isCallExpression(expr) ? expr.arguments : [] }] : [];
  });
}

export function stringValue(tsm: typeof ts, expr: ts.Expression): string | undefined {
  return tsm.isStringLiteral(expr) || tsm.isNoSubstitutionTemplateLiteral(expr) ? expr.text : undefined;
}

export function stringProperty(tsm: typeof ts, obj: ts.ObjectLiteralExpression, key: string): string | undefined {
  for (const p of obj.properties) {
    if (tsm.isPropertyAssignment(p) && (tsm.isIdentifier(p.name) || tsm.isStringLiteral(p.name)) && p.name.text === key)
      return stringValue(tsm, p.initializer);
  }
  return undefined;
}

/** TypeORM's snakeCase: `OrderItem` -> `order_item`, `HTTPLog` -> `http_log`. */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z])([A-Z][a-z])/g, "$1_$2")
    .toLowerCase();
}

/** TypeORM's camelCase of a join column: `tenant_id` -> `tenantId`. */
function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/gi, (_m, c: string) => c.toUpperCase());
}

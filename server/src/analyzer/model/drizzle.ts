// Tables defined with Drizzle's `pgTable` / `mysqlTable` / `sqliteTable` (and `pgSchema(...).table`):
// the SQL table and column names, and the table variable and column keys code uses.
import { dirname, join } from "node:path";
import type ts from "typescript";
import type { AnalyzerFileSystem, InputError } from "../types";
import type { DiscoveredTable, SchemaSourceReader } from "./discover";

/** Where drizzle schemas usually live, looked at when `schema.drizzle` is empty. */
export const DEFAULT_DRIZZLE_SCHEMAS = [
  "src/db/schema.ts",
  "src/db/schema/*.ts",
  "db/schema.ts",
  "drizzle/schema.ts",
  "src/schema.ts",
  "src/schema/*.ts",
  // Monorepos: a database package (kan's packages/db/src/schema/*.ts) or an app.
  ...["packages/*/src", "apps/*/src"].flatMap((dir) => [
    `${dir}/schema.ts`,
    `${dir}/schema/*.ts`,
    `${dir}/db/schema.ts`,
    `${dir}/db/schema/*.ts`,
  ]),
];

const TABLE_FACTORIES = new Set(["pgTable", "mysqlTable", "sqliteTable", "singlestoreTable"]);
const SCHEMA_FACTORIES = new Set(["pgSchema", "mysqlSchema"]);

export const drizzleReader: SchemaSourceReader = {
  read(fs, config, _parser, tsModule) {
    const patterns = config.schema.drizzle.length > 0 ? config.schema.drizzle : DEFAULT_DRIZZLE_SCHEMAS;
    const tables: DiscoveredTable[] = [];
    const errors: InputError[] = [];
    const references: DrizzleReference[] = [];
    const required = new Map<string, Set<string>>();
    const links: DrizzleRelation[] = [];
    for (const file of fs.glob(patterns, config.rootDir))
      tables.push(...readDrizzleSchema(tsModule, fs, file, errors, references, required, links));
    resolveDrizzleReferences(tables, references, required);
    resolveDrizzleRelations(tables, links, required);
    return { tables, errors };
  },
};

/**
 * `invoiceId: uuid("invoice_id").notNull().references(() => invoices.id)`, before the variable is
 * resolved; or `one(invoices, { fields: [items.invoiceId], references: [invoices.id] })` in a
 * `relations(items, ...)`, whose table may be defined in another file (`childVariable`, with the
 * column key in `column`).
 */
export interface DrizzleReference {
  table?: DiscoveredTable;
  childVariable?: string;
  column: string;
  /** The parent table's variable and column key (`invoices`, `id`). */
  parentVariable: string;
  parentKey: string;
  required: boolean;
}

/** Turns `.references(() => invoices.id)` into foreign keys once every schema file is read (a parent may live in another). */
function resolveDrizzleReferences(
  tables: DiscoveredTable[],
  references: DrizzleReference[],
  /** Each table variable's column keys declared `.notNull()` (or `.primaryKey()`). */
  required: ReadonlyMap<string, ReadonlySet<string>>,
): void {
  const byVariable = new Map<string, DiscoveredTable>();
  const fieldsOf = (t: DiscoveredTable) => t.entities?.find((e) => e.orm === "drizzle")?.fields ?? {};
  for (const t of tables) for (const e of t.entities ?? []) if (e.orm === "drizzle") byVariable.set(e.names[0], t);
  for (const r of references) {
    const parent = byVariable.get(r.parentVariable);
    const table = r.table ?? (r.childVariable ? byVariable.get(r.childVariable) : undefined);
    if (!parent || !table) continue;
    const fields = fieldsOf(parent);
    const column = r.table ? r.column : (fieldsOf(table)[r.column] ?? r.column);
    const isRequired = r.table ? r.required : !!required.get(r.childVariable!)?.has(r.column);
    // A relation that repeats a `.references(...)` adds nothing.
    if (
      table.foreignKeys?.some((fk) => fk.columns.length === 1 && fk.columns[0] === column && fk.parent === parent.name)
    )
      continue;
    (table.foreignKeys ??= []).push({
      columns: [column],
      parent: parent.name,
      ...(parent.schema ? { parentSchema: parent.schema } : {}),
      parentColumns: [fields[r.parentKey] ?? r.parentKey],
      required: isRequired,
    });
  }
}

/** The drizzle tables one schema file defines. */
export function readDrizzleSchema(
  tsm: typeof ts,
  fs: AnalyzerFileSystem,
  file: string,
  errors: InputError[],
  /** Collects `.references(...)` and `relations(...)`'s `one(...)` for `resolveDrizzleReferences`. */
  references: DrizzleReference[] = [],
  /** Collects each table variable's required column keys. */
  required = new Map<string, Set<string>>(),
  /** Collects the relations `relations(...)` declares, by name, for `resolveDrizzleRelations`. */
  links: DrizzleRelation[] = [],
): DiscoveredTable[] {
  const text = fs.readFile(file);
  if (text === undefined) {
    errors.push({ file, message: "cannot read the Drizzle schema file" });
    return [];
  }
  const sourceFile = tsm.createSourceFile(file, text, tsm.ScriptTarget.Latest, true);
  // `const billing = pgSchema("billing")` here, or imported from the module that defines it
  // (`import { latitudeSchema } from "../db-schema"`).
  const schemas = new Map([...schemaConsts(tsm, sourceFile), ...importedSchemas(tsm, fs, sourceFile)]);
  const out: DiscoveredTable[] = [];
  for (const statement of sourceFile.statements) {
    if (!tsm.isVariableStatement(statement)) continue;
    for (const decl of statement.declarationList.declarations) {
      if (!tsm.isIdentifier(decl.name) || !decl.initializer || !tsm.isCallExpression(decl.initializer)) continue;
      references.push(...relationReferences(tsm, decl.initializer));
      links.push(...relationFields(tsm, decl.initializer));
      let call = decl.initializer;
      // `pgTable("board", {...}).enableRLS()`: the definition under the chained modifiers.
      while (
        tableSchema(tsm, call.expression, schemas) === undefined &&
        tsm.isPropertyAccessExpression(call.expression) &&
        tsm.isCallExpression(call.expression.expression)
      )
        call = call.expression.expression;
      const schema = tableSchema(tsm, call.expression, schemas);
      if (schema === undefined) continue;
      const [nameArg, columnsArg, extrasArg] = call.arguments;
      if (!nameArg || !tsm.isStringLiteralLike(nameArg)) continue;
      const fields = columnFields(tsm, columnsArg);
      const position = sourceFile.getLineAndCharacterOfPosition(decl.getStart(sourceFile));
      const primary = chainedColumns(tsm, columnsArg, "primaryKey");
      // A column `.unique()` names one row as its primary key does (kan's `publicId`).
      const unique = chainedColumns(tsm, columnsArg, "unique");
      const table: DiscoveredTable = {
        name: nameArg.text,
        schema: schema || undefined,
        columns: Object.values(fields),
        source: { file, line: position.line + 1, column: position.character + 1, kind: "drizzle" },
        entities: [
          {
            orm: "drizzle",
            names: [decl.name.text],
            fields,
            ...(primary.length && { uniques: [primary] }),
            ...(unique.length && { uniqueFields: unique }),
          },
        ],
      };
      const columns = columnReferences(tsm, columnsArg, true);
      required.set(decl.name.text, new Set(columns.filter(([, c]) => c.required).map(([key]) => key)));
      for (const [key, reference] of [
        ...columnReferences(tsm, columnsArg),
        ...foreignKeyHelpers(tsm, extrasArg, columns),
      ])
        references.push({ table, column: fields[key] ?? key, ...reference });
      out.push(table);
    }
  }
  return out;
}

/** `const billing = pgSchema("billing")`: the schema each top-level const names. */
function schemaConsts(tsm: typeof ts, sourceFile: ts.SourceFile): Map<string, string> {
  const out = new Map<string, string>();
  for (const statement of sourceFile.statements) {
    if (!tsm.isVariableStatement(statement)) continue;
    for (const decl of statement.declarationList.declarations) {
      const call = decl.initializer;
      if (!tsm.isIdentifier(decl.name) || !call || !tsm.isCallExpression(call)) continue;
      const [name] = call.arguments;
      if (tsm.isIdentifier(call.expression) && SCHEMA_FACTORIES.has(call.expression.text) && name)
        if (tsm.isStringLiteralLike(name)) out.set(decl.name.text, name.text);
    }
  }
  return out;
}

/** Schema consts imported by name from a relative module: `import { latitudeSchema } from "../db-schema"`. */
function importedSchemas(tsm: typeof ts, fs: AnalyzerFileSystem, sourceFile: ts.SourceFile): Map<string, string> {
  const out = new Map<string, string>();
  for (const statement of sourceFile.statements) {
    if (!tsm.isImportDeclaration(statement) || !tsm.isStringLiteral(statement.moduleSpecifier)) continue;
    const bindings = statement.importClause?.namedBindings;
    const specifier = statement.moduleSpecifier.text;
    if (!bindings || !tsm.isNamedImports(bindings) || !specifier.startsWith(".")) continue;
    const base = join(dirname(sourceFile.fileName), specifier).replace(/\.[cm]?js$/, "");
    const module = MODULE_FILES.map((suffix) => base + suffix).find((f) => fs.fileExists(f));
    const text = module && fs.readFile(module);
    // A module tenantguard cannot read (generated, outside the project): its `x.table(...)`
    // calls define tables all the same, in a schema it cannot name.
    if (!text) for (const el of bindings.elements) out.set(el.name.text, UNKNOWN_SCHEMA);
    if (!text || !SCHEMA_FACTORY_CALL.test(text)) continue;
    const consts = schemaConsts(tsm, tsm.createSourceFile(module, text, tsm.ScriptTarget.Latest, true));
    for (const el of bindings.elements) {
      const schema = consts.get((el.propertyName ?? el.name).text);
      if (schema !== undefined) out.set(el.name.text, schema);
    }
  }
  return out;
}

/** A schema const whose definition is out of sight: its tables match a reference in any schema. */
const UNKNOWN_SCHEMA = "";
const MODULE_FILES = [".ts", ".tsx", ".mts", ".js", "/index.ts", "/index.js"];
const SCHEMA_FACTORY_CALL = /\b(?:pgSchema|mysqlSchema)\s*\(/;

/** "" for `pgTable(...)`, the schema for `billing.table(...)`, undefined when not a table definition. */
function tableSchema(tsm: typeof ts, callee: ts.Expression, schemas: Map<string, string>): string | undefined {
  if (tsm.isIdentifier(callee)) return TABLE_FACTORIES.has(callee.text) ? "" : undefined;
  if (tsm.isPropertyAccessExpression(callee) && callee.name.text === "table" && tsm.isIdentifier(callee.expression))
    return schemas.get(callee.expression.text);
  return undefined;
}

/** Column key -> SQL name from `{ tenantId: uuid("tenant_id").notNull() }` or `(t) => ({ ... })`. */
function columnFields(tsm: typeof ts, arg: ts.Expression | undefined): Record<string, string> {
  const columns = columnsObject(tsm, arg);
  const fields: Record<string, string> = {};
  if (!columns) return fields;
  for (const p of columns.properties) {
    if (!tsm.isPropertyAssignment(p) || !(tsm.isIdentifier(p.name) || tsm.isStringLiteralLike(p.name))) continue;
    // Drizzle takes the SQL name from the column builder's first argument, else the key.
    fields[p.name.text] = builderColumnName(tsm, p.initializer) ?? p.name.text;
  }
  return fields;
}

function columnsObject(tsm: typeof ts, arg: ts.Expression | undefined): ts.ObjectLiteralExpression | undefined {
  let columns = arg;
  if (columns && (tsm.isArrowFunction(columns) || tsm.isFunctionExpression(columns))) {
    const body = columns.body;
    columns = tsm.isBlock(body) ? returnedExpression(tsm, body) : body;
  }
  while (columns && tsm.isParenthesizedExpression(columns)) columns = columns.expression;
  return columns && tsm.isObjectLiteralExpression(columns) ? columns : undefined;
}

/** The column keys whose builder chain calls `method`: `.primaryKey()` (`sshKeyId: text("sshKeyId").primaryKey()`), `.unique()`. */
function chainedColumns(tsm: typeof ts, arg: ts.Expression | undefined, method: "primaryKey" | "unique"): string[] {
  const out: string[] = [];
  for (const p of columnsObject(tsm, arg)?.properties ?? []) {
    if (!tsm.isPropertyAssignment(p) || !(tsm.isIdentifier(p.name) || tsm.isStringLiteralLike(p.name))) continue;
    for (let e = p.initializer; tsm.isCallExpression(e) && tsm.isPropertyAccessExpression(e.expression);) {
      if (e.expression.name.text === method) out.push(p.name.text);
      e = e.expression.expression;
    }
  }
  return out;
}

/**
 * Column key -> `.references(() => parent.key)` in its builder chain, and whether the chain also
 * says `.notNull()` or `.primaryKey()` (a nullable reference cannot prove ownership).
 */
function columnReferences(
  tsm: typeof ts,
  arg: ts.Expression | undefined,
  /** List every column (with an empty parent), for its `required`. */
  all = false,
): [string, Pick<DrizzleReference, "parentVariable" | "parentKey" | "required">][] {
  const out: [string, Pick<DrizzleReference, "parentVariable" | "parentKey" | "required">][] = [];
  for (const p of columnsObject(tsm, arg)?.properties ?? []) {
    if (!tsm.isPropertyAssignment(p) || !(tsm.isIdentifier(p.name) || tsm.isStringLiteralLike(p.name))) continue;
    let parent: { parentVariable: string; parentKey: string } | undefined;
    let required = false;
    for (let e = p.initializer; tsm.isCallExpression(e) && tsm.isPropertyAccessExpression(e.expression);) {
      const method = e.expression.name.text;
      if (method === "notNull" || method === "primaryKey") required = true;
      if (method === "references") parent = referencedColumn(tsm, e.arguments[0]);
      e = e.expression.expression;
    }
    if (parent || all) out.push([p.name.text, { parentVariable: "", parentKey: "", ...parent, required }]);
  }
  return out;
}

/**
 * `foreignKey({ columns: [t.invoiceId], foreignColumns: [invoices.id] })` in the table's third
 * argument (`(t) => ({ ... })` or `(t) => [...]`): single-column keys, required when the column is.
 */
function foreignKeyHelpers(
  tsm: typeof ts,
  extras: ts.Expression | undefined,
  columns: [string, Pick<DrizzleReference, "required">][],
): [string, Pick<DrizzleReference, "parentVariable" | "parentKey" | "required">][] {
  const out: [string, Pick<DrizzleReference, "parentVariable" | "parentKey" | "required">][] = [];
  const visit = (node: ts.Node): void => {
    if (tsm.isCallExpression(node) && tsm.isIdentifier(node.expression) && node.expression.text === "foreignKey") {
      const options = node.arguments[0];
      const prop = (name: string) => optionValue(tsm, options, name);
      const [local] = accessList(tsm, prop("columns"));
      const [foreign] = accessList(tsm, prop("foreignColumns"));
      if (local && foreign) {
        const required = columns.find(([key]) => key === local.key)?.[1].required ?? false;
        out.push([local.key, { parentVariable: foreign.object, parentKey: foreign.key, required }]);
      }
      return;
    }
    tsm.forEachChild(node, visit);
  };
  if (extras) visit(extras);
  return out;
}

/**
 * `relations(items, ({ one }) => ({ invoice: one(invoices, { fields: [items.invoiceId], references:
 * [invoices.id] }) }))`: Drizzle's relational API declares the foreign key there when the column
 * says no `.references(...)` (kan's workspace member permissions).
 */
function relationReferences(tsm: typeof ts, call: ts.CallExpression): DrizzleReference[] {
  const [child, config] = call.arguments;
  if (!tsm.isIdentifier(call.expression) || call.expression.text !== "relations" || !child || !tsm.isIdentifier(child))
    return [];
  const out: DrizzleReference[] = [];
  const visit = (node: ts.Node): void => {
    if (tsm.isCallExpression(node) && tsm.isIdentifier(node.expression) && node.expression.text === "one") {
      const [parent, options] = node.arguments;
      const prop = (name: string) => optionValue(tsm, options, name);
      const [local] = accessList(tsm, prop("fields"));
      const [foreign] = accessList(tsm, prop("references"));
      if (parent && tsm.isIdentifier(parent) && local?.object === child.text && foreign?.object === parent.text)
        out.push({
          childVariable: child.text,
          column: local.key,
          parentVariable: foreign.object,
          parentKey: foreign.key,
          required: false,
        });
      return;
    }
    tsm.forEachChild(node, visit);
  };
  if (config) visit(config);
  return out;
}

/** One relation `relations(child, ...)` declares: `workspace: one(workspaces, { fields: [t.workspaceId] })`, `keys: many(keys)`. */
export interface DrizzleRelation {
  childVariable: string;
  field: string;
  parentVariable: string;
  list: boolean;
  /** `one(...)`'s local key, when it names one. */
  key?: string;
  /** `relationName`, which pairs a `many` with its `one`. */
  name?: string;
}

/** The relations of a `relations(child, ({ one, many }) => ({ ... }))` call, by their names. */
function relationFields(tsm: typeof ts, call: ts.CallExpression): DrizzleRelation[] {
  const [child, config] = call.arguments;
  if (!tsm.isIdentifier(call.expression) || call.expression.text !== "relations" || !child || !tsm.isIdentifier(child))
    return [];
  if (!config || !(tsm.isArrowFunction(config) || tsm.isFunctionExpression(config))) return [];
  let body: ts.Node | undefined = tsm.isBlock(config.body) ? returnedExpression(tsm, config.body) : config.body;
  while (body && tsm.isParenthesizedExpression(body)) body = body.expression;
  if (!body || !tsm.isObjectLiteralExpression(body)) return [];
  const out: DrizzleRelation[] = [];
  for (const p of body.properties) {
    if (!tsm.isPropertyAssignment(p) || !(tsm.isIdentifier(p.name) || tsm.isStringLiteral(p.name))) continue;
    const v = p.initializer;
    if (!tsm.isCallExpression(v) || !tsm.isIdentifier(v.expression)) continue;
    const kind = v.expression.text;
    const [parent, options] = v.arguments;
    if ((kind !== "one" && kind !== "many") || !parent || !tsm.isIdentifier(parent)) continue;
    const [local] = kind === "one" ? accessList(tsm, optionValue(tsm, options, "fields")) : [];
    const named = optionValue(tsm, options, "relationName");
    out.push({
      ...(named && tsm.isStringLiteralLike(named) && { name: named.text }),
      childVariable: child.text,
      field: p.name.text,
      parentVariable: parent.text,
      list: kind === "many",
      ...(local?.object === child.text && { key: local.key }),
    });
  }
  return out;
}

/** Gives each table the relations its `relations(...)` declares (the call may sit in another file than the table). */
function resolveDrizzleRelations(
  tables: DiscoveredTable[],
  links: readonly DrizzleRelation[],
  /** Each table variable's column keys declared `.notNull()` (or `.primaryKey()`). */
  required: ReadonlyMap<string, ReadonlySet<string>>,
): void {
  const byVariable = new Map<string, DiscoveredTable>();
  for (const t of tables) for (const e of t.entities ?? []) if (e.orm === "drizzle") byVariable.set(e.names[0]!, t);
  for (const link of links) {
    const entity = byVariable.get(link.childVariable)?.entities?.find((e) => e.orm === "drizzle");
    if (!entity || !byVariable.has(link.parentVariable)) continue;
    (entity.relations ??= []).push({
      field: link.field,
      target: link.parentVariable,
      // `one(...)` by a NOT NULL key: every row has its parent.
      required: !!link.key && !!required.get(link.childVariable)?.has(link.key),
      ...(link.list && { list: true }),
      ...(link.key && { fields: [link.key] }),
      ...(link.name && { name: link.name }),
    });
  }
}

/** The value of `name` in an options object literal (`foreignKey({ columns, foreignColumns })`, `one(t, { fields })`). */
function optionValue(tsm: typeof ts, options: ts.Expression | undefined, name: string): ts.Expression | undefined {
  if (!options || !tsm.isObjectLiteralExpression(options)) return undefined;
  return options.properties.find(
    (p): p is ts.PropertyAssignment => tsm.isPropertyAssignment(p) && tsm.isIdentifier(p.name) && p.name.text === name,
  )?.initializer;
}

/** `[t.invoiceId]` -> `[{ object: "t", key: "invoiceId" }]` (a one-element list: composite keys are not read). */
function accessList(tsm: typeof ts, expr: ts.Expression | undefined): { object: string; key: string }[] {
  if (!expr || !tsm.isArrayLiteralExpression(expr) || expr.elements.length !== 1) return [];
  const e = expr.elements[0];
  return tsm.isPropertyAccessExpression(e) && tsm.isIdentifier(e.expression)
    ? [{ object: e.expression.text, key: e.name.text }]
    : [];
}

/** `() => invoices.id` -> `{ invoices, id }`. */
function referencedColumn(
  tsm: typeof ts,
  arg: ts.Expression | undefined,
): { parentVariable: string; parentKey: string } | undefined {
  if (!arg || !(tsm.isArrowFunction(arg) || tsm.isFunctionExpression(arg))) return undefined;
  const body = tsm.isBlock(arg.body) ? returnedExpression(tsm, arg.body) : arg.body;
  if (!body || !tsm.isPropertyAccessExpression(body) || !tsm.isIdentifier(body.expression)) return undefined;
  return { parentVariable: body.expression.text, parentKey: body.name.text };
}

function builderColumnName(tsm: typeof ts, expr: ts.Expression): string | undefined {
  let e = expr;
  while (
    tsm.isCallExpression(e) &&
    tsm.isPropertyAccessExpression(e.expression) &&
    tsm.isCallExpression(e.expression.expression)
  )
    e = e.expression.expression;
  if (!tsm.isCallExpression(e)) return undefined;
  const first = e.arguments[0];
  return first && tsm.isStringLiteralLike(first) ? first.text : undefined;
}

function returnedExpression(tsm: typeof ts, body: ts.Block): ts.Expression | undefined {
  for (const s of body.statements) if (tsm.isReturnStatement(s)) return s.expression;
  return undefined;
}

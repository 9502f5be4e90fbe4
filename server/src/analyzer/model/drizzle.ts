// Tables defined with Drizzle's `pgTable` / `mysqlTable` / `sqliteTable` (and `pgSchema(...).table`):
// the SQL table and column names, and the table variable and column keys code uses.
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
];

const TABLE_FACTORIES = new Set(["pgTable", "mysqlTable", "sqliteTable", "singlestoreTable"]);
const SCHEMA_FACTORIES = new Set(["pgSchema", "mysqlSchema"]);

export const drizzleReader: SchemaSourceReader = {
  read(fs, config, _parser, tsModule) {
    const patterns = config.schema.drizzle.length > 0 ? config.schema.drizzle : DEFAULT_DRIZZLE_SCHEMAS;
    const tables: DiscoveredTable[] = [];
    const errors: InputError[] = [];
    for (const file of fs.glob(patterns, config.rootDir)) tables.push(...readDrizzleSchema(tsModule, fs, file, errors));
    return { tables, errors };
  },
};

/** The drizzle tables one schema file defines. */
export function readDrizzleSchema(
  tsm: typeof ts,
  fs: AnalyzerFileSystem,
  file: string,
  errors: InputError[],
): DiscoveredTable[] {
  const text = fs.readFile(file);
  if (text === undefined) {
    errors.push({ file, message: "cannot read the Drizzle schema file" });
    return [];
  }
  const sourceFile = tsm.createSourceFile(file, text, tsm.ScriptTarget.Latest, true);
  const schemas = new Map<string, string>(); // `const billing = pgSchema("billing")`
  const out: DiscoveredTable[] = [];
  for (const statement of sourceFile.statements) {
    if (!tsm.isVariableStatement(statement)) continue;
    for (const decl of statement.declarationList.declarations) {
      if (!tsm.isIdentifier(decl.name) || !decl.initializer || !tsm.isCallExpression(decl.initializer)) continue;
      const call = decl.initializer;
      const callee = call.expression;
      if (
        tsm.isIdentifier(callee) &&
        SCHEMA_FACTORIES.has(callee.text) &&
        call.arguments[0] &&
        tsm.isStringLiteralLike(call.arguments[0])
      ) {
        schemas.set(decl.name.text, call.arguments[0].text);
        continue;
      }
      const schema = tableSchema(tsm, callee, schemas);
      if (schema === undefined) continue;
      const [nameArg, columnsArg] = call.arguments;
      if (!nameArg || !tsm.isStringLiteralLike(nameArg)) continue;
      const fields = columnFields(tsm, columnsArg);
      const position = sourceFile.getLineAndCharacterOfPosition(decl.getStart(sourceFile));
      out.push({
        name: nameArg.text,
        schema: schema || undefined,
        columns: Object.values(fields),
        source: { file, line: position.line + 1, column: position.character + 1, kind: "drizzle" },
        entities: [{ orm: "drizzle", names: [decl.name.text], fields }],
      });
    }
  }
  return out;
}

/** "" for `pgTable(...)`, the schema for `billing.table(...)`, undefined when not a table definition. */
function tableSchema(tsm: typeof ts, callee: ts.Expression, schemas: Map<string, string>): string | undefined {
  if (tsm.isIdentifier(callee)) return TABLE_FACTORIES.has(callee.text) ? "" : undefined;
  if (tsm.isPropertyAccessExpression(callee) && callee.name.text === "table" && tsm.isIdentifier(callee.expression))
    return schemas.get(callee.expression.text);
  return undefined;
}

/** Column key -> SQL name from `{ tenantId: uuid("tenant_id").notNull() }` or `(t) => ({ ... })`. */
function columnFields(tsm: typeof ts, arg: ts.Expression | undefined): Record<string, string> {
  let columns = arg;
  if (columns && (tsm.isArrowFunction(columns) || tsm.isFunctionExpression(columns))) {
    const body = columns.body;
    columns = tsm.isBlock(body) ? returnedExpression(tsm, body) : body;
  }
  while (columns && tsm.isParenthesizedExpression(columns)) columns = columns.expression;
  const fields: Record<string, string> = {};
  if (!columns || !tsm.isObjectLiteralExpression(columns)) return fields;
  for (const p of columns.properties) {
    if (!tsm.isPropertyAssignment(p) || !(tsm.isIdentifier(p.name) || tsm.isStringLiteralLike(p.name))) continue;
    // Drizzle takes the SQL name from the column builder's first argument, else the key.
    fields[p.name.text] = builderColumnName(tsm, p.initializer) ?? p.name.text;
  }
  return fields;
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

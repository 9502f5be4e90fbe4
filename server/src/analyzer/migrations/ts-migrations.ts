// SQL inside TypeScript/JavaScript migration files (knex, Kysely, TypeORM, Drizzle custom
// migrations): the string literals an `up` migration hands to `knex.raw`, `knex.schema.raw`,
// `queryRunner.query`, `db.execute`, `sql\`...\``. They are laid out at their own offsets in a
// text that is otherwise blank, so statement positions are the TS file's lines and columns and
// the same text can be applied to a database. `down` migrations are left out: they undo.
import { posix } from "node:path";
import type ts from "typescript";
import type { ResolvedConfig } from "../config/types";
import { escapeRegExp } from "../escape-regexp";
import { compareNatural } from "../model/migrations";
import type { AnalyzerFileSystem } from "../types";
import { builderStatements, enumStrings, layTokens, type BuilderStatement } from "./builder-ddl";

/** Where TS migrations usually live, per tool. Used when `schema.migrations` names no .ts/.js file. */
export const TS_MIGRATION_GLOBS: readonly string[] = [
  "migrations/**/*.{ts,js,mjs,cjs}",
  "db/migrations/**/*.{ts,js,mjs,cjs}",
  "src/migrations/**/*.ts",
  "src/db/migrations/**/*.ts",
  "src/database/migrations/**/*.ts",
];

const SQL_CALLS = new Set(["raw", "query", "execute", "exec", "unsafe", "run", "executeSql"]);

/**
 * The migrations the RLS checks read, in the order they apply: `schema.migrations`, plus the
 * usual TS migration folders when `schema.migrations` is not turned off.
 */
export function listMigrationFiles(fs: AnalyzerFileSystem, config: ResolvedConfig): string[] {
  if (!config.schema.migrations.length) return [];
  const files = new Set(fs.glob(config.schema.migrations, config.rootDir));
  for (const file of fs.glob(TS_MIGRATION_GLOBS, config.rootDir)) if (isScriptMigration(file)) files.add(file);
  return [...files].sort(compareNatural);
}

/**
 * A migration by its shape, not its folder: an `up` it exports (`export async function up`,
 * `exports.up =`, `export const up =`) or a TypeORM `MigrationInterface` class. A request's code
 * that sits under `src/migrations/` (an "import my data" feature) is no migration.
 */
export function looksLikeMigration(text: string): boolean {
  return /\bexport\s+(?:async\s+)?function\s+up\s*\(|\bexport\s+const\s+up\s*=|\bexports\.up\s*=|\bimplements\s+MigrationInterface\b/.test(
    text,
  );
}

export function isScriptMigration(file: string): boolean {
  return /\.(c|m)?[jt]s$/.test(file) && !file.endsWith(".d.ts");
}

/**
 * The file's text with everything blanked (newlines kept) except the SQL of its `up`
 * migration; each SQL literal's closing quote becomes `;` so literals stay separate statements.
 * Literals with `${...}` substitutions are dynamic and left out.
 */
export function sqlOfScriptMigration(
  text: string,
  file: string,
  tsModule: typeof ts,
  /** Another file's text by path, to read the string enums a migration imports; none: its own only. */
  readFile?: (path: string) => string | undefined,
): string {
  const source = tsModule.createSourceFile(file, text, tsModule.ScriptTarget.Latest, true);
  enumStrings.set(source, enumsOf(tsModule, source, readFile));
  const keep: [number, number][] = [];
  const built: BuilderStatement[] = [];
  const visitUp = (node: ts.Node): void => {
    const literal = sqlLiteral(node, tsModule);
    // A `sql` fragment inside a schema builder (`defaultTo(sql\`now()\`)`), or handed to any call
    // (`defaultTo(knex.raw("uuid_generate_v4()"))` in a builder not read), is no statement.
    const argument = tsModule.isCallExpression(node.parent) && node.parent.arguments.includes(node as ts.Expression);
    if (literal && !argument && !built.some((b) => literal.pos >= b.start && literal.end <= b.end))
      keep.push([literal.getStart(source) + 1, literal.getEnd() - 1]);
    tsModule.forEachChild(node, visitUp);
  };
  const visit = (node: ts.Node): void => {
    const body = upBody(node, tsModule);
    if (body) {
      built.push(...builderStatements(tsModule, body));
      visitUp(body);
    } else tsModule.forEachChild(node, visit);
  };
  visit(source);
  const out = text.replace(/[^\n]/g, " ").split("");
  for (const [start, end] of keep) {
    for (let i = start; i < end; i++) out[i] = text[i];
    out[end] = ";";
  }
  // Schema-builder statements as the DDL they run, written over the builder code they stand for.
  // One chain may stand for several statements (`alterTable(...).renameColumn(...)`): each after the last.
  let next = 0;
  for (const b of built) next = layTokens(out, Math.max(b.start, next), [...b.tokens, ";"]);
  return out.join("");
}

/**
 * The string enums a migration may name tables by: `Owner.Member` -> value, for enums it declares
 * and enums it imports from a relative module (through `export *` barrels, a few levels deep).
 */
function enumsOf(
  tsm: typeof ts,
  source: ts.SourceFile,
  readFile: ((path: string) => string | undefined) | undefined,
): Map<string, string> {
  const out = new Map<string, string>();
  const add = (decl: ts.EnumDeclaration, as: string) => {
    for (const m of decl.members)
      if (tsm.isIdentifier(m.name) && m.initializer && tsm.isStringLiteral(m.initializer))
        out.set(`${as}.${m.name.text}`, m.initializer.text);
  };
  for (const st of source.statements) if (tsm.isEnumDeclaration(st)) add(st, st.name.text);
  if (!readFile) return out;
  const parse = (path: string): ts.SourceFile | undefined => {
    const stem = path.replace(/\.[cm]?js$/, "");
    for (const candidate of [`${stem}.ts`, `${stem}/index.ts`, path]) {
      const text = readFile(candidate);
      if (text !== undefined) return tsm.createSourceFile(candidate, text, tsm.ScriptTarget.Latest, true);
    }
    return undefined;
  };
  const find = (file: ts.SourceFile, name: string, depth: number): ts.EnumDeclaration | undefined => {
    for (const st of file.statements) if (tsm.isEnumDeclaration(st) && st.name.text === name) return st;
    if (depth >= 3) return undefined;
    for (const st of file.statements) {
      if (!tsm.isExportDeclaration(st) || !st.moduleSpecifier || !tsm.isStringLiteral(st.moduleSpecifier)) continue;
      if (!st.moduleSpecifier.text.startsWith(".")) continue;
      const clause = st.exportClause;
      const el = clause && tsm.isNamedExports(clause) ? clause.elements.find((e) => e.name.text === name) : undefined;
      if (clause && !el) continue;
      const next = parse(posix.join(posix.dirname(file.fileName), st.moduleSpecifier.text));
      const hit = next && find(next, el?.propertyName?.text ?? name, depth + 1);
      if (hit) return hit;
    }
    return undefined;
  };
  for (const st of source.statements) {
    const named = tsm.isImportDeclaration(st) ? st.importClause?.namedBindings : undefined;
    if (!named || !tsm.isNamedImports(named) || !tsm.isStringLiteral((st as ts.ImportDeclaration).moduleSpecifier))
      continue;
    const specifier = ((st as ts.ImportDeclaration).moduleSpecifier as ts.StringLiteral).text;
    if (!specifier.startsWith(".")) continue;
    let module: ts.SourceFile | undefined | null = null;
    for (const el of named.elements) {
      // Only names used as `Name.Member`: an enum, or nothing this reads.
      if (!new RegExp(`(?<![\\w$])${escapeRegExp(el.name.text)}\\s*\\.`).test(source.text)) continue;
      module ??= parse(posix.join(posix.dirname(source.fileName.replace(/\\/g, "/")), specifier));
      const decl = module && find(module, (el.propertyName ?? el.name).text, 0);
      if (decl) add(decl, el.name.text);
    }
  }
  return out;
}

/** The body of an `up` migration: function `up`, method `up`, `exports.up = ...`, `const up = ...`, `{ up: ... }`. */
function upBody(node: ts.Node, t: typeof ts): ts.Node | undefined {
  const named = (name: ts.Node | undefined) =>
    !!name && (t.isIdentifier(name) || t.isStringLiteral(name)) && name.text === "up";
  if ((t.isFunctionDeclaration(node) || t.isMethodDeclaration(node)) && named(node.name)) return node.body;
  if ((t.isPropertyAssignment(node) || t.isVariableDeclaration(node)) && named(node.name)) return node.initializer;
  if (t.isBinaryExpression(node) && node.operatorToken.kind === t.SyntaxKind.EqualsToken) {
    const left = node.left;
    if (t.isPropertyAccessExpression(left) && left.name.text === "up") return node.right;
  }
  return undefined;
}

/** A literal passed to a SQL-running call, or the template of a `sql` tag. */
function sqlLiteral(node: ts.Node, t: typeof ts): ts.StringLiteral | ts.NoSubstitutionTemplateLiteral | undefined {
  const isLiteral = (n: ts.Node | undefined): n is ts.StringLiteral | ts.NoSubstitutionTemplateLiteral =>
    !!n && (t.isStringLiteral(n) || t.isNoSubstitutionTemplateLiteral(n));
  if (t.isTaggedTemplateExpression(node)) {
    const tag = t.isPropertyAccessExpression(node.tag)
      ? node.tag.name.text
      : t.isIdentifier(node.tag)
        ? node.tag.text
        : "";
    if ((tag === "sql" || tag === "raw") && isLiteral(node.template)) return node.template;
  }
  if (t.isCallExpression(node) && isLiteral(node.arguments[0])) {
    const callee = node.expression;
    const name = t.isPropertyAccessExpression(callee) ? callee.name.text : t.isIdentifier(callee) ? callee.text : "";
    if (SQL_CALLS.has(name) || name === "sql") return node.arguments[0];
  }
  return undefined;
}

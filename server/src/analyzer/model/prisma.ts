// Tables and entities defined in Prisma schema files (`schema.prisma`, or every file of a
// multi-file `prisma/schema/` folder). A small reader for the part of the Prisma Schema
// Language that says which tables and columns exist: models and views, fields, `@map`,
// `@@map`, `@@schema`, `@relation`, `@@id`/`@@unique`. Enums, composite types,
// generators and datasources are skipped.
import { join } from "node:path";
import { DEFAULT_SCHEMA_GLOBS, FALLBACK_PRISMA_GLOBS } from "../config/load";
import type { AnalyzerFileSystem, InputError } from "../types";
import type { DiscoveredTable, SchemaSourceReader } from "./discover";
import type { EntityInfo, ForeignKey } from "./types";

export const prismaReader: SchemaSourceReader = {
  read(fs, config) {
    const globs = config.schema.prisma;
    // Without a config's say, the schema the Prisma CLI itself uses (package.json "prisma.schema") comes first.
    const isDefault = globs.join("\n") === DEFAULT_SCHEMA_GLOBS.prisma.join("\n");
    const fromPackage = isDefault ? packageJsonSchema(fs, config.rootDir) : [];
    let files = globs.length > 0 ? [...new Set(fs.glob([...fromPackage, ...globs], config.rootDir))] : [];
    // Deeper places only when the usual ones hold nothing: never a second schema beside the project's.
    if (isDefault && files.length === 0) {
      const deeper = fs.glob(FALLBACK_PRISMA_GLOBS, config.rootDir);
      // Several schemas down there (examples, fixtures): one whose folder says it is an example or test is no project's.
      files = deeper.filter(
        (f) => !/[\\/](?:examples?|fixtures?|tests?|__tests__|e2e)[\\/]/.test(f.slice(config.rootDir.length)),
      );
    }
    return readPrismaSchema(fs, files);
  },
};

/**
 * `"prisma": { "schema": "app/database/schema.prisma" }` in the root's package.json, as globs: a
 * file, or a folder of `.prisma` files (multi-file schemas). A package.json that does not parse
 * or says nothing adds nothing; it is JSON, read and never run.
 */
function packageJsonSchema(fs: AnalyzerFileSystem, rootDir: string): string[] {
  const text = fs.readFile(join(rootDir, "package.json"));
  if (text === undefined) return [];
  let schema: unknown;
  try {
    schema = (JSON.parse(text) as { prisma?: { schema?: unknown } } | null)?.prisma?.schema;
  } catch {
    return [];
  }
  if (typeof schema !== "string" || schema.trim() === "") return [];
  const path = schema.trim().replace(/^\.\//, "").replace(/\/+$/, "");
  return path.endsWith(".prisma") ? [path] : [`${path}/*.prisma`, `${path}/**/*.prisma`];
}

/** Reads the files as one schema: a relation may point at a model defined in another file. */
export function readPrismaSchema(
  fs: AnalyzerFileSystem,
  files: readonly string[],
): { tables: DiscoveredTable[]; errors: InputError[] } {
  const errors: InputError[] = [];
  const models: (PrismaModel & { file: string })[] = [];
  for (const file of files) {
    const text = fs.readFile(file);
    if (text === undefined) {
      errors.push({ file, message: "cannot read the Prisma schema file" });
      continue;
    }
    const parsed = parsePrismaSchema(text);
    models.push(...parsed.models.map((m) => ({ ...m, file })));
    errors.push(...parsed.errors.map((e) => ({ file, ...e })));
  }
  const tableNames = new Map(models.map((m) => [m.name, tableNameOf(m)]));
  const columnsOf = new Map(models.map((m) => [m.name, scalarColumns(m, tableNames)]));
  const tables = models
    .filter((m) => !m.blockAttributes.some((a) => a.name === "ignore"))
    .map((m) => toTable(m, m.file, tableNames, columnsOf));
  return { tables, errors };
}

/** Prisma's client accessor for a model: `InvoiceLine` -> `invoiceLine`. */
export function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

export interface PrismaAttribute {
  name: string;
  args: PrismaArg[];
}
export interface PrismaArg {
  name?: string;
  value: PrismaValue;
}
export type PrismaValue =
  | { kind: "string"; value: string }
  | { kind: "number"; value: string }
  | { kind: "ident"; name: string; args?: PrismaArg[] }
  | { kind: "array"; items: PrismaValue[] };

export interface PrismaField {
  name: string;
  type: string;
  optional: boolean;
  list: boolean;
  attributes: PrismaAttribute[];
}

export interface PrismaModel {
  name: string;
  line: number;
  column: number;
  fields: PrismaField[];
  blockAttributes: PrismaAttribute[];
}

/** Parses one schema file; syntax problems are errors with 1-based positions, and parsing carries on at the next line. */
export function parsePrismaSchema(text: string): { models: PrismaModel[]; errors: Omit<InputError, "file">[] } {
  const parser = new SchemaParser(tokenize(text));
  parser.schema();
  return { models: parser.models, errors: parser.errors };
}

/** The table a model maps to: `@@map("invoices")`, else the model name. */
function tableNameOf(model: PrismaModel): string {
  const mapAttr = model.blockAttributes.find((a) => a.name === "map");
  return stringValue(mapAttr && argument(mapAttr, "name", 0)) ?? model.name;
}

/** Scalar field -> SQL column (`tenantId` -> `tenant_id` through `@map`). */
function scalarColumns(model: PrismaModel, tableNames: ReadonlyMap<string, string>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const field of model.fields) {
    if (tableNames.has(field.type)) continue;
    const mapped = field.attributes.find((a) => a.name === "map");
    fields[field.name] = stringValue(mapped && argument(mapped, undefined, 0)) ?? field.name;
  }
  return fields;
}

function toTable(
  model: PrismaModel,
  file: string,
  tableNames: ReadonlyMap<string, string>,
  columnsOf: ReadonlyMap<string, Record<string, string>>,
): DiscoveredTable {
  const block = (name: string) => model.blockAttributes.find((a) => a.name === name);
  const fields = columnsOf.get(model.name) ?? {};
  const relations: NonNullable<EntityInfo["relations"]> = [];
  const foreignKeys: ForeignKey[] = [];
  for (const field of model.fields) {
    if (tableNames.has(field.type)) {
      const relation = field.attributes.find((a) => a.name === "relation");
      const local = relation && arrayOfNames(argument(relation, "fields"));
      const references = relation && arrayOfNames(argument(relation, "references"));
      const required = !field.optional && !field.list;
      // `@relation("cc", ...)`: pairs a back-relation with its side when a model names another twice.
      const name = relation && stringValue(argument(relation, "name", 0));
      relations.push({
        field: field.name,
        target: field.type,
        required,
        ...(name ? { name } : {}),
        ...(local ? { fields: local } : {}),
        ...(field.list ? { list: true } : {}),
      });
      // `invoice Invoice @relation(fields: [invoiceId], references: [id])`: the side that holds the key.
      if (local?.length && references?.length)
        foreignKeys.push({
          columns: local.map((f) => fields[f] ?? f),
          parent: tableNames.get(field.type) ?? field.type,
          parentColumns: references.map((f) => columnsOf.get(field.type)?.[f] ?? f),
          required,
        });
    }
  }
  const uniques = model.blockAttributes
    .filter((a) => a.name === "unique" || a.name === "id")
    .map((a) => arrayOfNames(argument(a, "fields", 0)))
    .filter((list): list is string[] => !!list && list.length > 1);
  const schemaAttr = block("schema");
  const uniqueFields = model.fields
    .filter((f) => f.attributes.some((a) => a.name === "unique" || a.name === "id"))
    .map((f) => f.name);
  const entity: EntityInfo = {
    orm: "prisma",
    names: [model.name, lowerFirst(model.name)],
    fields,
    uniques,
    uniqueFields,
    relations,
  };
  const schema = stringValue(schemaAttr && argument(schemaAttr, undefined, 0));
  return {
    name: tableNameOf(model),
    ...(schema ? { schema } : {}),
    columns: Object.values(fields),
    ...(foreignKeys.length ? { foreignKeys } : {}),
    source: { file, line: model.line, column: model.column, kind: "prisma" },
    entities: [entity],
  };
}

/** A named argument, or the positional one at `index`. */
function argument(attr: PrismaAttribute, name: string | undefined, index?: number): PrismaValue | undefined {
  const named = name && attr.args.find((a) => a.name === name);
  if (named) return named.value;
  if (index === undefined) return undefined;
  return attr.args.filter((a) => !a.name)[index]?.value;
}

function stringValue(value: PrismaValue | undefined): string | undefined {
  return value?.kind === "string" ? value.value : undefined;
}

/** `[id, tenantId]` or `[id(sort: Desc), tenantId]` -> field names. */
function arrayOfNames(value: PrismaValue | undefined): string[] | undefined {
  if (value?.kind !== "array") return undefined;
  return value.items.flatMap((item) => (item.kind === "ident" ? [item.name] : []));
}

// ---- tokens -----------------------------------------------------------------------------

interface Token {
  kind: "ident" | "string" | "number" | "punct" | "newline" | "eof";
  text: string;
  line: number;
  column: number;
  error?: string;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const push = (kind: Token["kind"], value: string, start: number, error?: string) =>
    tokens.push({ kind, text: value, line, column: start - lineStart + 1, ...(error ? { error } : {}) });
  while (i < text.length) {
    const c = text[i];
    if (c === "\n") {
      push("newline", "\n", i);
      i++;
      line++;
      lineStart = i;
    } else if (c === " " || c === "\t" || c === "\r" || c === "\uFEFF") i++;
    else if (c === "/" && text[i + 1] === "/") while (i < text.length && text[i] !== "\n") i++;
    else if (c === '"') {
      const start = i++;
      let value = "";
      while (i < text.length && text[i] !== '"' && text[i] !== "\n") {
        if (text[i] === "\\" && i + 1 < text.length) i++;
        value += text[i++];
      }
      if (text[i] !== '"') push("string", value, start, "unterminated string");
      else {
        i++;
        push("string", value, start);
      }
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < text.length && /[A-Za-z0-9_]/.test(text[i])) i++;
      push("ident", text.slice(start, i), start);
    } else if (/[0-9-]/.test(c)) {
      const start = i++;
      while (i < text.length && /[0-9.eE]/.test(text[i])) i++;
      push("number", text.slice(start, i), start);
    } else if ("{}()[],:?=.!".includes(c)) push("punct", text[i++], i - 1);
    else if (c === "@") {
      const start = i;
      i += text[i + 1] === "@" ? 2 : 1;
      push("punct", text.slice(start, i), start);
    } else push("punct", text[i++], i - 1, `unexpected character "${c}"`);
  }
  push("eof", "", i);
  return tokens;
}

// ---- parser -----------------------------------------------------------------------------

/** Thrown inside a line and caught by the block loop, which skips to the next line. */
class SyntaxProblem {
  constructor(
    readonly token: Token,
    readonly message: string,
  ) {}
}

const SKIPPED_BLOCKS = new Set(["enum", "type", "generator", "datasource"]);

class SchemaParser {
  models: PrismaModel[] = [];
  errors: Omit<InputError, "file">[] = [];
  private i = 0;

  constructor(private readonly tokens: Token[]) {}

  schema(): void {
    for (;;) {
      this.skipNewlines();
      const t = this.peek();
      if (t.kind === "eof") return;
      try {
        if (t.kind === "ident" && (t.text === "model" || t.text === "view")) this.model();
        else if (t.kind === "ident" && SKIPPED_BLOCKS.has(t.text)) this.skipBlock();
        else
          throw new SyntaxProblem(
            t,
            `expected "model", "view", "enum", "type", "generator" or "datasource", found ${describe(t)}`,
          );
      } catch (e) {
        if (!(e instanceof SyntaxProblem)) throw e;
        this.report(e);
        this.recoverToTopLevel();
      }
    }
  }

  private model(): void {
    const keyword = this.next();
    const name = this.expect("ident", "a model name");
    this.expectPunct("{");
    const model: PrismaModel = {
      name: name.text,
      line: keyword.line,
      column: keyword.column,
      fields: [],
      blockAttributes: [],
    };
    for (;;) {
      this.skipNewlines();
      const t = this.peek();
      if (t.kind === "punct" && t.text === "}") {
        this.next();
        break;
      }
      if (t.kind === "eof") throw new SyntaxProblem(t, `model ${model.name} is not closed with "}"`);
      try {
        if (t.kind === "punct" && t.text === "@@") {
          this.next();
          model.blockAttributes.push(this.attributeBody());
        } else model.fields.push(this.field());
        this.endOfLine();
      } catch (e) {
        if (!(e instanceof SyntaxProblem)) throw e;
        this.report(e);
        while (!["newline", "eof"].includes(this.peek().kind) && this.peek().text !== "}") this.next();
      }
    }
    this.models.push(model);
  }

  private field(): PrismaField {
    const name = this.expect("ident", "a field name");
    const type = this.expect("ident", `the type of field ${name.text}`);
    if (type.text === "Unsupported") this.args(); // Unsupported("polygon")
    const field: PrismaField = { name: name.text, type: type.text, optional: false, list: false, attributes: [] };
    if (this.atPunct("[")) {
      this.next();
      this.expectPunct("]");
      field.list = true;
    }
    if (this.atPunct("?")) {
      this.next();
      field.optional = true;
    }
    while (this.atPunct("@")) {
      this.next();
      field.attributes.push(this.attributeBody());
    }
    return field;
  }

  /** `map("x")`, `relation(fields: [a], references: [b])`, `db.VarChar(255)`, `id`. */
  private attributeBody(): PrismaAttribute {
    let name = this.expect("ident", "an attribute name").text;
    while (this.atPunct(".")) {
      this.next();
      name += `.${this.expect("ident", "an attribute name").text}`;
    }
    return { name, args: this.atPunct("(") ? this.args() : [] };
  }

  private args(): PrismaArg[] {
    this.expectPunct("(");
    const args: PrismaArg[] = [];
    while (!this.atPunct(")")) {
      this.skipNewlines();
      const t = this.peek();
      if (t.kind === "ident" && this.peek(1).text === ":") {
        this.next();
        this.next();
        args.push({ name: t.text, value: this.value() });
      } else args.push({ value: this.value() });
      this.skipNewlines();
      if (!this.atPunct(",")) break;
      this.next();
    }
    this.expectPunct(")");
    return args;
  }

  private value(): PrismaValue {
    this.skipNewlines();
    const t = this.next();
    if (t.error) throw new SyntaxProblem(t, t.error);
    if (t.kind === "string") return { kind: "string", value: t.text };
    if (t.kind === "number") return { kind: "number", value: t.text };
    if (t.kind === "ident") {
      let name = t.text;
      while (this.atPunct(".")) {
        this.next();
        name += `.${this.expect("ident", "a name").text}`;
      }
      return this.atPunct("(") ? { kind: "ident", name, args: this.args() } : { kind: "ident", name };
    }
    if (t.kind === "punct" && t.text === "[") {
      const items: PrismaValue[] = [];
      this.skipNewlines();
      while (!this.atPunct("]")) {
        items.push(this.value());
        this.skipNewlines();
        if (!this.atPunct(",")) break;
        this.next();
        this.skipNewlines();
      }
      this.expectPunct("]");
      return { kind: "array", items };
    }
    throw new SyntaxProblem(t, `expected a value, found ${describe(t)}`);
  }

  /** enum/type/generator/datasource: only their braces matter here. */
  private skipBlock(): void {
    const keyword = this.next();
    this.expect("ident", `a ${keyword.text} name`);
    this.expectPunct("{");
    let depth = 1;
    while (depth > 0) {
      const t = this.next();
      if (t.kind === "eof") throw new SyntaxProblem(keyword, `${keyword.text} block is not closed with "}"`);
      if (t.error) this.report(new SyntaxProblem(t, t.error));
      if (t.text === "{" && t.kind === "punct") depth++;
      if (t.text === "}" && t.kind === "punct") depth--;
    }
  }

  private endOfLine(): void {
    const t = this.peek();
    if (t.kind === "newline" || t.kind === "eof" || (t.kind === "punct" && t.text === "}")) return;
    throw new SyntaxProblem(t, `unexpected ${describe(t)}`);
  }

  private recoverToTopLevel(): void {
    // Skip to the next line that starts a top-level block.
    while (this.peek().kind !== "eof") {
      const t = this.next();
      if (t.kind === "newline" && this.peek().kind === "ident" && this.peek().column === 1) return;
    }
  }

  private report(problem: SyntaxProblem): void {
    this.errors.push({
      message: `Prisma schema: ${problem.message}`,
      line: problem.token.line,
      column: problem.token.column,
    });
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.i + ahead, this.tokens.length - 1)];
  }
  private next(): Token {
    const t = this.peek();
    if (t.kind !== "eof") this.i++;
    return t;
  }
  private atPunct(text: string): boolean {
    const t = this.peek();
    return t.kind === "punct" && t.text === text;
  }
  private expect(kind: Token["kind"], what: string): Token {
    const t = this.peek();
    if (t.kind !== kind || t.error) throw new SyntaxProblem(t, t.error ?? `expected ${what}, found ${describe(t)}`);
    return this.next();
  }
  private expectPunct(text: string): void {
    const t = this.peek();
    if (!(t.kind === "punct" && t.text === text))
      throw new SyntaxProblem(t, `expected "${text}", found ${describe(t)}`);
    this.next();
  }
  private skipNewlines(): void {
    while (this.peek().kind === "newline") this.i++;
  }
}

function describe(t: Token): string {
  if (t.kind === "eof") return "the end of the file";
  if (t.kind === "newline") return "the end of the line";
  if (t.kind === "string") return `"${t.text}"`;
  return `"${t.text}"`;
}

// Config text -> ConfigFile, or errors that name the key and point at the offending value.
// JSON syntax comes from jsonc-parser (it keeps offsets, JSON.parse does not); the shape is
// checked against the shipped schema.json so the editor and the tool agree on what is valid.
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import {
  findNodeAtLocation,
  parseTree,
  printParseErrorCode,
  type Node as JsonNode,
  type ParseError,
} from "jsonc-parser";
import schema from "../../../../schema.json";
import type { InputError } from "../types";
import type { ConfigFile } from "./types";
import { lineStarts, positionAt } from "../text-position";

export type JsonPath = (string | number)[];

export function validateConfigText(rawText: string, file: string): { config?: ConfigFile; errors: InputError[] } {
  // Editors on Windows may save a byte order mark; a space in its place keeps every offset.
  const text = rawText.replace(/^\uFEFF/, " ");
  const lines = lineStarts(text);
  const at = (offset: number) => positionAt(lines, offset);

  if (text.trim() === "")
    return { errors: [{ file, message: "the config file is empty; it must hold a JSON object", ...at(0) }] };
  const syntaxErrors: ParseError[] = [];
  // Strict JSON, as the design says: no comments, no trailing commas.
  const root = parseTree(text, syntaxErrors, { disallowComments: true, allowTrailingComma: false });
  if (syntaxErrors.length > 0 || !root) {
    // The parser may report one mistake twice at the same spot (a trailing comma: no name, no value).
    const first = syntaxErrors.filter((e, i) => syntaxErrors.findIndex((o) => o.offset === e.offset) === i);
    return {
      errors: first.map((e) => ({
        file,
        message: syntaxMessage(printParseErrorCode(e.error), text, e.offset),
        ...at(e.offset),
      })),
    };
  }

  const errors: InputError[] = duplicateKeys(root).map((key) => ({
    file,
    key: formatKeyPath(keyPathOf(key)),
    message: `duplicate key ${JSON.stringify(key.value)}: the last one would silently win`,
    ...at(key.offset),
  }));

  const data: unknown = JSON.parse(text); // not getNodeValue: JSON.parse keeps "__proto__" an own key
  const validate = configValidator();
  if (!validate(data)) {
    const seen = new Set<string>();
    for (const error of validate.errors ?? []) {
      const located = describeSchemaError(error, data, root);
      const id = `${located.offset}:${located.message}`;
      if (seen.has(id)) continue;
      seen.add(id);
      errors.push({ file, message: located.message, key: located.key, ...at(located.offset) });
    }
  }
  return errors.length > 0 ? { errors } : { config: data as ConfigFile, errors };
}

/** 1-based line and column of a config key (its name, not its value), for pointing findings at config entries. */
export function configKeyPosition(text: string, path: JsonPath): { line: number; column: number } | undefined {
  const root = parseTree(text.replace(/^\uFEFF/, " "), [], { disallowComments: true, allowTrailingComma: false });
  const value = root && findNodeAtLocation(root, path);
  if (!value) return undefined;
  const target = value.parent?.type === "property" ? value.parent.children![0] : value;
  return positionAt(lineStarts(text), target.offset);
}

/** `clients.scoped[1]`, `rules.dynamic-sql`, `tables["billing.invoices"].tenantColumn`. */
export function formatKeyPath(path: JsonPath): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

// Compiled once: the validator is a pure function of the shipped schema.
let compiled: ValidateFunction | undefined;
function configValidator(): ValidateFunction {
  if (compiled) return compiled;
  // verbose: errors carry their parent schema, which lists the known keys for "did you mean".
  const ajv = new Ajv({ allErrors: true, verbose: true });
  ajv.addVocabulary(["markdownEnumDescriptions"]); // VS Code's annotation; not a validation keyword
  compiled = ajv.compile(schema);
  return compiled;
}

interface LocatedError {
  message: string;
  key: string | undefined;
  offset: number;
}

function describeSchemaError(error: ErrorObject, data: unknown, root: JsonNode): LocatedError {
  const path = jsonPathOf(error.instancePath, data);
  const value = findNodeAtLocation(root, path) ?? root;
  const where = path.length > 0 ? formatKeyPath(path) : "the config";
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "additionalProperties": {
      const name = String(params.additionalProperty);
      const keyPath = [...path, name];
      const property = value.children?.find((p) => p.type === "property" && p.children![0].value === name);
      const known = Object.keys((error.parentSchema as { properties?: object }).properties ?? {});
      const what = path.length === 1 && path[0] === "rules" ? "rule" : "key";
      const inParent = path.length > 0 ? ` in ${where}` : "";
      const guess = closest(name, known);
      const hint = guess ? ` — did you mean ${JSON.stringify(guess)}?` : `; known ${what}s: ${known.join(", ")}`;
      return {
        message: `unknown ${what} ${JSON.stringify(name)}${inParent}${hint}`,
        key: formatKeyPath(keyPath),
        offset: (property ?? value).offset,
      };
    }
    case "type":
      return { message: `${where} must be ${article(String(params.type))}`, key: keyOf(path), offset: value.offset };
    case "enum": {
      const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ");
      return {
        message: `${where} must be one of ${allowed} (got ${JSON.stringify(valueAt(data, path))})`,
        key: keyOf(path),
        offset: value.offset,
      };
    }
    case "minItems":
      return { message: `${where} must not be empty`, key: keyOf(path), offset: value.offset };
    case "minLength":
      return { message: `${where} must not be empty`, key: keyOf(path), offset: value.offset };
    default:
      return { message: `${where} ${error.message ?? "is invalid"}`, key: keyOf(path), offset: value.offset };
  }
}

function keyOf(path: JsonPath): string | undefined {
  return path.length > 0 ? formatKeyPath(path) : undefined;
}

/** ajv reports JSON pointers; array indices become numbers so the path reads `scoped[1]`. */
function jsonPathOf(pointer: string, data: unknown): JsonPath {
  if (pointer === "") return [];
  const path: JsonPath = [];
  let current: unknown = data;
  for (const raw of pointer.slice(1).split("/")) {
    const segment = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    const next: string | number = Array.isArray(current) ? Number(segment) : segment;
    path.push(next);
    current = (current as Record<string | number, unknown> | undefined)?.[next];
  }
  return path;
}

function valueAt(data: unknown, path: JsonPath): unknown {
  return path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], data);
}

function keyPathOf(keyNode: JsonNode): JsonPath {
  const path: JsonPath = [];
  let node: JsonNode | undefined = keyNode.parent; // the property
  while (node?.parent) {
    const parent: JsonNode = node.parent;
    if (node.type === "property") path.unshift(node.children![0].value as string);
    else if (parent.type === "array") path.unshift(parent.children!.indexOf(node));
    node = parent;
  }
  return path;
}

/** Key nodes of every repeated property name within one object, anywhere in the tree. */
function duplicateKeys(node: JsonNode): JsonNode[] {
  const found: JsonNode[] = [];
  if (node.type === "object") {
    const names = new Set<string>();
    for (const property of node.children ?? []) {
      const key = property.children![0];
      if (names.has(key.value as string)) found.push(key);
      names.add(key.value as string);
    }
  }
  for (const child of node.children ?? []) found.push(...duplicateKeys(child));
  return found;
}

/** The known name within a small edit distance, for "did you mean". */
function closest(name: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of known) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length];
}

function article(type: string): string {
  return type === "array" || type === "object" ? `an ${type}` : `a ${type}`;
}

const SYNTAX_MESSAGES: Record<string, string> = {
  InvalidSymbol: "invalid symbol",
  InvalidNumberFormat: "invalid number",
  PropertyNameExpected: "property name expected",
  ValueExpected: "value expected",
  ColonExpected: "colon expected",
  CommaExpected: "comma expected",
  CloseBraceExpected: "closing brace expected",
  CloseBracketExpected: "closing bracket expected",
  EndOfFileExpected: "end of file expected",
  InvalidCommentToken: "comments are not allowed in tenantguard.config.json (it is plain JSON)",
  UnexpectedEndOfComment: "unterminated comment",
  UnexpectedEndOfString: "unterminated string",
  UnexpectedEndOfNumber: "unterminated number",
  InvalidUnicode: "invalid unicode escape",
  InvalidEscapeCharacter: "invalid escape character",
  InvalidCharacter: "invalid character in string",
};

function syntaxMessage(code: string, text: string, offset: number): string {
  // JSON allows no trailing comma, and people write them all the time: say so when that is it.
  const afterComma = /,\s*$/.test(text.slice(0, offset));
  const hint =
    afterComma && (code === "ValueExpected" || code === "PropertyNameExpected")
      ? " (trailing commas are not allowed)"
      : "";
  return `JSON syntax error: ${SYNTAX_MESSAGES[code] ?? code}${hint}`;
}

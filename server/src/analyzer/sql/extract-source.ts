// From the TypeScript expression that holds SQL to `SqlPart`s: literals, untagged and
// tagged templates, `+` concatenations, and `const`s in the same file that hold any of
// them. What cannot be followed becomes a reason for a `dynamic-sql` finding.
import type ts from "typescript";
import { builderCall, sqlTagOf, type FileDrivers } from "./extract-drivers";
import type { ScopeStack } from "./extract-scope";
import { looksLikeSql, type SqlPart } from "./extract-render";
import { cookLiteral, pointText, sliceMapped, type MappedText } from "./extract-text";
import { returnStatements } from "../statements";

type TypeScript = typeof ts;

export interface SourceContext {
  ts: TypeScript;
  sourceFile: ts.SourceFile;
  drivers: FileDrivers;
  scopes: ScopeStack;
  /** SQL tagged templates that became part of another site (run by a call, or inlined as a fragment). */
  claimed: Set<ts.Node>;
  /** Fragments the current site may still inline: `const a = sql`${b}${b}`` chains grow exponentially. */
  inlineBudget: number;
  /** The table a value spliced in where a table name goes names, when it can be told (extract.ts). */
  tableName?(expr: ts.Expression): string | undefined;
  /** The name a value spliced in is slonik's identifier of (`sql.identifier(["tenant_id"])`). */
  identifier?(expr: ts.Expression): string | undefined;
}

export type SqlSource =
  | { kind: "static"; literal: ts.Expression; parts: SqlPart[] }
  | {
      kind: "dynamic";
      literal: ts.Expression;
      reason: string;
      node: ts.Node;
      /** The text visibly starts like SQL (a `let` initializer, a `.join` of SQL lines). */
      sqlLooking: boolean;
    };

export type Followed =
  | { resolved: true; expr: ts.Expression; depth: number }
  | { resolved: false; name: string; detail?: string; sqlLooking: boolean };

/** Follows identifiers through same-file `const` initializers; `depth` is the scope depth to resolve at. */
export function followConst(ctx: SourceContext, expr: ts.Expression, depth: number): Followed {
  const ts = ctx.ts;
  let e = unwrap(ts, expr);
  for (let hops = 0; ts.isIdentifier(e); hops++) {
    const binding = ctx.scopes.lookup(e.text, depth);
    if (!binding || binding.kind !== "const" || !binding.init || hops > 8) {
      const detail = binding && BINDING_DETAIL[binding.kind];
      const sqlLooking = !!binding?.init && looksLikeSql(leadingText(ts, binding.init));
      return { resolved: false, name: e.text, detail, sqlLooking };
    }
    e = unwrap(ts, binding.init);
    depth = binding.depth;
  }
  return { resolved: true, expr: e, depth };
}

/** SQL held as a plain string: a literal, an untagged template, a `+` concatenation, or a `const` holding one. */
export function stringSource(ctx: SourceContext, expr: ts.Expression, depth: number): SqlSource {
  const ts = ctx.ts;
  const followed = followConst(ctx, expr, depth);
  if (!followed.resolved) {
    const reason = cannotFollow(followed.name, followed.detail);
    return { kind: "dynamic", literal: expr, reason, node: expr, sqlLooking: followed.sqlLooking };
  }
  const e = followed.expr;
  ctx.inlineBudget = MAX_INLINED;
  const parts = stringParts(ctx, e, followed.depth, 0);
  if (parts) return { kind: "static", literal: e, parts };
  // Name the `const` the user passed, not its initializer, when there is one.
  const written = unwrap(ts, expr);
  const name = ts.isIdentifier(written) ? written.text : undefined;
  const lines = arrayJoined(ts, e);
  if (lines) {
    const sqlLooking = lines.elements.length > 0 && looksLikeSql(leadingText(ts, lines.elements[0]));
    const reason = cannotFollow(name ?? "an array of lines", "it is assembled with .join() at run time");
    return { kind: "dynamic", literal: e, reason, node: expr, sqlLooking };
  }
  return {
    kind: "dynamic",
    literal: e,
    reason: cannotFollow(name ?? shortText(ctx, e)),
    node: expr,
    sqlLooking: false,
  };
}

/** The parts of a SQL tagged template: `${}` holes are bound values unless they are SQL fragments or identifiers. */
export function taggedTemplateParts(
  ctx: SourceContext,
  node: ts.TaggedTemplateExpression,
  depth: number,
  nesting = 0,
): SqlPart[] {
  if (nesting === 0) ctx.inlineBudget = MAX_INLINED;
  return templateParts(ctx, node.template, (expr, start, end, before) =>
    taggedHole(ctx, expr, start, end, depth, nesting, before),
  );
}

/** Removes what does not change the value: parentheses, `as`, `satisfies`, `!`, `<T>x`. */
export function unwrap(ts: TypeScript, expr: ts.Expression): ts.Expression {
  const k = ts.SyntaxKind;
  for (;;) {
    switch (expr.kind) {
      case k.ParenthesizedExpression:
      case k.AsExpression:
      case k.SatisfiesExpression:
      case k.NonNullExpression:
      case k.TypeAssertionExpression:
        expr = (expr as ts.ParenthesizedExpression).expression;
        break;
      default:
        return expr;
    }
  }
}

/** The first static text of a string expression (enough to tell whether it looks like SQL). */
export function leadingText(ts: TypeScript, expr: ts.Expression): string {
  for (let e = unwrap(ts, expr); ;) {
    if (ts.isStringLiteralLike(e)) return e.text;
    if (ts.isTemplateExpression(e)) return e.head.text;
    if (isConcatenation(ts, e)) e = unwrap(ts, e.left);
    else return "";
  }
}

/** The value of property `name` in an object literal (`{ name: v }` or `{ name }`). */
export function propertyValue(
  ts: TypeScript,
  object: ts.ObjectLiteralExpression,
  name: string,
): ts.Expression | undefined {
  // The last one holds (`{ id: a, "id": b }` is `b`).
  let found: ts.Expression | undefined;
  for (const p of object.properties) {
    if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) && p.name.text === name)
      found = p.initializer;
    if (ts.isShorthandPropertyAssignment(p) && p.name.text === name) found = p.name;
  }
  return found;
}

/** The source text of `e` on one line, shortened for a message. */
export function shortText(ctx: SourceContext, e: ts.Node): string {
  const text = ctx.sourceFile.text.slice(e.getStart(ctx.sourceFile), e.end).replace(/\s+/g, " ");
  return text.length > 40 ? text.slice(0, 37) + "..." : text;
}

// ---------------------------------------------------------------------------------------

/** Fragments nest (`${sql.fragment`...${...}`}`); past this depth, or this many per site, the rest are raw holes. */
const MAX_NESTING = 16;
const MAX_INLINED = 1000;

const BINDING_DETAIL: Record<string, string | undefined> = {
  let: "it is not a const and may change",
  parameter: "it is a parameter",
  import: "it is imported from another file",
};

function cannotFollow(name: string, detail?: string): string {
  return `SQL comes from ${name}, which tenantguard cannot follow` + (detail ? ` (${detail})` : "");
}

/** A string we can read: a literal, an untagged template or a `+` concatenation. */
function isStringExpression(ts: TypeScript, e: ts.Expression): boolean {
  return ts.isStringLiteralLike(e) || ts.isTemplateExpression(e) || isConcatenation(ts, e);
}

function isConcatenation(ts: TypeScript, e: ts.Expression): e is ts.BinaryExpression {
  return ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken;
}

/** Parts of a string-valued expression, or undefined when it is not one we can read. */
function stringParts(ctx: SourceContext, e: ts.Expression, depth: number, nesting: number): SqlPart[] | undefined {
  if (isConcatenation(ctx.ts, e)) return concatParts(ctx, e, depth, nesting);
  if (!isStringExpression(ctx.ts, e)) return undefined;
  return templateParts(ctx, e, (expr, start, end) => stringHole(ctx, expr, start, end, depth, nesting));
}

/** `'a' + b + \`c${d}\``: literals are text, other operands are raw holes (or a followed `const` string). */
function concatParts(ctx: SourceContext, e: ts.BinaryExpression, depth: number, nesting: number): SqlPart[] {
  const ts = ctx.ts;
  const operands: ts.Expression[] = [];
  const work: ts.Expression[] = [e]; // iterative: a long `+` chain is a deep tree
  while (work.length > 0) {
    const next = unwrap(ts, work.pop()!);
    if (isConcatenation(ts, next)) work.push(next.right, next.left);
    else operands.push(next);
  }
  const parts: SqlPart[] = [];
  for (const operand of operands) {
    if (ts.isStringLiteralLike(operand) || ts.isTemplateExpression(operand)) {
      for (const part of stringParts(ctx, operand, depth, nesting)!) parts.push(part); // no spread: may be huge
    } else {
      parts.push(stringHole(ctx, operand, operand.getStart(ctx.sourceFile), operand.end, depth, nesting));
    }
  }
  return parts;
}

/** `before`: the template's static text up to the hole (earlier holes as `?`). */
type HoleBuilder = (expr: ts.Expression, fileStart: number, fileEnd: number, before: string) => SqlPart;

/** Text and holes of a string literal or (untagged or tagged) template; `hole` decides what each `${}` is. */
function templateParts(ctx: SourceContext, literal: ts.Expression, hole: HoleBuilder): SqlPart[] {
  const ts = ctx.ts;
  const text = ctx.sourceFile.text;
  if (!ts.isTemplateExpression(literal)) return [{ kind: "text", text: stringLiteralText(ctx, literal) }];
  const parts: SqlPart[] = [{ kind: "text", text: literalText(ctx, literal.head, "${") }];
  let holeStart = literal.head.end - 2; // the `$` of `${`
  let before = literal.head.text;
  for (const span of literal.templateSpans) {
    const close = span.literal.getStart(ctx.sourceFile); // the `}`
    if (!text.startsWith("${", holeStart)) holeStart = span.expression.getStart(ctx.sourceFile); // malformed
    parts.push(hole(span.expression, holeStart, Math.min(close + 1, span.literal.end), before));
    before += `?${span.literal.text}`;
    parts.push({ kind: "text", text: literalText(ctx, span.literal, ts.isTemplateTail(span.literal) ? "`" : "${") });
    holeStart = span.literal.end - 2;
  }
  return parts;
}

/** The cooked text of a string or no-substitution template literal. */
function stringLiteralText(ctx: SourceContext, literal: ts.Node): MappedText {
  const opening = ctx.sourceFile.text[literal.getStart(ctx.sourceFile)];
  return literalText(ctx, literal, opening === "'" || opening === '"' ? opening : "`");
}

/** The cooked text of a literal token between its opening char and `close` (when the token is terminated). */
function literalText(ctx: SourceContext, node: ts.Node, close: string): MappedText {
  const text = ctx.sourceFile.text;
  const start = Math.min(node.getStart(ctx.sourceFile) + 1, node.end);
  const closeAt = node.end - close.length;
  const end = closeAt >= start && text.startsWith(close, closeAt) ? closeAt : node.end;
  return cookLiteral(text, start, end, close !== "'" && close !== '"');
}

/** A `${}` in an untagged template or a `+` operand: a same-file `const` string is inlined, anything else is raw. */
function stringHole(
  ctx: SourceContext,
  expr: ts.Expression,
  start: number,
  end: number,
  depth: number,
  nesting: number,
): SqlPart {
  const ts = ctx.ts;
  if (ts.isIdentifier(unwrap(ts, expr)) && nesting < MAX_NESTING && ctx.inlineBudget > 0) {
    const followed = followConst(ctx, expr, depth);
    if (followed.resolved && isStringExpression(ts, followed.expr)) {
      ctx.inlineBudget--;
      return { kind: "fragment", expr, parts: stringParts(ctx, followed.expr, followed.depth, nesting + 1)! };
    }
  }
  return { kind: "hole", hole: "raw", expr, fileStart: start, fileEnd: end };
}

/** A `${}` in a SQL tag: a nested SQL tag (or a `const` holding one) is inlined, builders decide, the rest is a value. */
function taggedHole(
  ctx: SourceContext,
  expr: ts.Expression,
  start: number,
  end: number,
  depth: number,
  nesting: number,
  before: string,
): SqlPart {
  const ts = ctx.ts;
  const hole = (kind: "value" | "raw"): SqlPart => ({ kind: "hole", hole: kind, expr, fileStart: start, fileEnd: end });
  let e = unwrap(ts, expr);
  let at = depth;
  if (ts.isIdentifier(e)) {
    const followed = followConst(ctx, e, depth);
    // `const cond = Prisma.raw(extra)`, then `${cond}`: the raw text, as if written at the hole.
    if (
      followed.resolved &&
      ts.isCallExpression(followed.expr) &&
      builderCall(ts, ctx.drivers, followed.expr)?.kind === "raw"
    ) {
      const text = rawTextParts(ctx, followed.expr, followed.depth, nesting);
      return text ? { kind: "fragment", expr, parts: text } : hole("raw");
    }
    if (!followed.resolved || !ts.isTaggedTemplateExpression(followed.expr)) return hole("value");
    e = followed.expr; // only a SQL tag is inlined: a `const` string in a tag is still a bound value
    at = followed.depth;
  }
  if (ts.isTaggedTemplateExpression(e)) {
    if (!sqlTagOf(ts, ctx.drivers, e.tag)) return hole("value");
    if (nesting >= MAX_NESTING || ctx.inlineBudget-- <= 0) return hole("raw");
    ctx.claimed.add(e);
    return { kind: "fragment", expr, parts: taggedTemplateParts(ctx, e, at, nesting + 1) };
  }
  if (ts.isCallExpression(e)) {
    const builder = builderCall(ts, ctx.drivers, e);
    if (!builder) {
      // `${emailScope(query)}` of a same-file function that returns one SQL tag: its text, as if
      // written here. Names inside it are the function's own, never the caller's: none is followed.
      const returned = nesting < MAX_NESTING ? helperFragment(ctx, e, depth) : undefined;
      if (!returned || ctx.inlineBudget-- <= 0) return hole("value");
      // Not claimed: the function's own template is still a statement of its own where it runs.
      return { kind: "fragment", expr, parts: taggedTemplateParts(ctx, returned, 0, nesting + 1), after: end };
    }
    const written =
      builder.kind === "raw"
        ? (rawTextParts(ctx, e, depth, nesting) ?? objectHelperParts(ctx, e, start, end, depth, before))
        : undefined;
    if (written) return { kind: "fragment", expr, parts: written };
    if (builder.kind !== "identifier") return hole(builder.kind);
    return { kind: "fragment", expr, parts: identifierParts(ctx, builder.names, builder.splitDots, start, end) };
  }
  if (
    ts.isPropertyAccessExpression(e) &&
    ts.isIdentifier(e.expression) &&
    ctx.drivers.prismaNamespaces.has(e.expression.text)
  ) {
    return hole("raw"); // `Prisma.empty`
  }
  if (ts.isConditionalExpression(e) || ts.isBinaryExpression(e)) return hole("raw"); // `${cond ? sql`AND ...` : sql``}`
  return hole("value");
}

/**
 * The SQL tag a call of a same-file function returns: `function scope(q) { const x = ...; return
 * Prisma.sql`...` }` or `const scope = (q) => sql`...``, with that one return. Undefined otherwise.
 */
function helperFragment(
  ctx: SourceContext,
  call: ts.CallExpression,
  depth: number,
): ts.TaggedTemplateExpression | undefined {
  const ts = ctx.ts;
  const callee = unwrap(ts, call.expression);
  if (!ts.isIdentifier(callee)) return undefined;
  const binding = ctx.scopes.lookup(callee.text, depth);
  const init = binding?.kind === "const" && binding.init ? unwrap(ts, binding.init) : undefined;
  const fn = binding?.fn ?? (init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) ? init : undefined);
  const body = fn?.body;
  if (!body) return undefined;
  let returned: ts.Expression | undefined;
  if (!ts.isBlock(body)) returned = body;
  else {
    const last = body.statements[body.statements.length - 1];
    const returns = returnStatements(ts, fn);
    if (returns.length !== 1 || returns[0] !== last) return undefined;
    returned = returns[0].expression;
  }
  const tagged = returned && unwrap(ts, returned);
  return tagged && ts.isTaggedTemplateExpression(tagged) && sqlTagOf(ts, ctx.drivers, tagged.tag) ? tagged : undefined;
}

/**
 * `Prisma.raw("ORDER BY id")`, `sql.unsafe(HEAD)` with `const HEAD = "SELECT ..."`: raw text the
 * file holds as a literal or a const string is read as written. Undefined for anything else.
 */
function rawTextParts(
  ctx: SourceContext,
  call: ts.CallExpression,
  depth: number,
  nesting: number,
): SqlPart[] | undefined {
  const ts = ctx.ts;
  const arg = call.arguments.length === 1 ? unwrap(ts, call.arguments[0]!) : undefined;
  if (!arg || nesting >= MAX_NESTING || ctx.inlineBudget <= 0) return undefined;
  const followed = ts.isIdentifier(arg) ? followConst(ctx, arg, depth) : { resolved: true, expr: arg, depth };
  if (!followed.resolved || !isStringExpression(ts, followed.expr)) return undefined;
  ctx.inlineBudget--;
  return stringParts(ctx, followed.expr, followed.depth, nesting + 1);
}

/**
 * postgres.js's object helper with an object written in the code: `insert into t ${sql({ a, b: x })}`
 * is `("a", "b") values ($1, $2)`, `update t set ${sql(row, "a")}` is `"a" = $1`; the columns
 * `sql(obj, "a", "b")` names, else every property. Undefined for any other shape (an array of
 * rows, a spread, an object built elsewhere) or position: it stays text spliced in.
 */
function objectHelperParts(
  ctx: SourceContext,
  call: ts.CallExpression,
  holeStart: number,
  holeEnd: number,
  depth: number,
  before: string,
): SqlPart[] | undefined {
  const ts = ctx.ts;
  if (!ts.isIdentifier(call.expression) || !call.arguments[0]) return undefined;
  const followed = followConst(ctx, call.arguments[0], depth);
  const object = followed.resolved ? unwrap(ts, followed.expr) : undefined;
  if (!object || !ts.isObjectLiteralExpression(object)) return undefined;
  const values = new Map<string, ts.Expression>();
  for (const p of object.properties) {
    const name = p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : undefined;
    if (!name || !(ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p))) return undefined;
    values.set(name, ts.isPropertyAssignment(p) ? p.initializer : p.name);
  }
  const listed = call.arguments.slice(1);
  const columns = listed.length ? listed.map((a) => (ts.isStringLiteralLike(a) ? a.text : "")) : [...values.keys()];
  if (!columns.length || columns.some((c) => !values.has(c))) return undefined;
  const insert = /\binsert\s+into\s+(?:"?\w+"?\.)?"?\w+"?\s*$/i.test(before);
  if (!insert && !/\bset\s*$/i.test(before)) return undefined;
  const punct = (text: string): SqlPart => ({ kind: "text", text: pointText(text, holeStart, holeEnd) });
  const value = (c: string): SqlPart => {
    const v = values.get(c)!;
    return { kind: "hole", hole: "value", expr: v, fileStart: v.getStart(ctx.sourceFile), fileEnd: v.end };
  };
  const parts: SqlPart[] = [];
  if (insert) {
    parts.push(punct(`(${columns.map((c) => `"${c}"`).join(", ")}) values (`));
    columns.forEach((c, i) => parts.push(...(i ? [punct(", ")] : []), value(c)));
    parts.push(punct(")"));
  } else columns.forEach((c, i) => parts.push(punct(`${i ? ", " : ""}"${c}" = `), value(c)));
  return parts;
}

/** `"a"."b"` for identifier builders; the names map onto their string literals, quotes and dots onto the hole. */
function identifierParts(
  ctx: SourceContext,
  names: ts.StringLiteralLike[],
  splitDots: boolean,
  holeStart: number,
  holeEnd: number,
): SqlPart[] {
  const parts: SqlPart[] = [];
  const punct = (s: string): SqlPart => ({ kind: "text", text: pointText(s, holeStart, holeEnd) });
  for (const literal of names) {
    const cooked = stringLiteralText(ctx, literal);
    const pieces = splitDots ? cooked.text.split(".") : [cooked.text];
    let at = 0;
    for (const piece of pieces) {
      if (parts.length > 0) parts.push(punct("."));
      parts.push(punct('"'), { kind: "text", text: sliceMapped(cooked, at, at + piece.length) }, punct('"'));
      at += piece.length + 1;
    }
  }
  return parts;
}

/** The array of `[...].join(sep)`, or undefined. */
function arrayJoined(ts: TypeScript, e: ts.Expression): ts.ArrayLiteralExpression | undefined {
  if (!ts.isCallExpression(e) || !ts.isPropertyAccessExpression(e.expression) || e.expression.name.text !== "join") {
    return undefined;
  }
  const array = unwrap(ts, e.expression.expression);
  return ts.isArrayLiteralExpression(array) ? array : undefined;
}

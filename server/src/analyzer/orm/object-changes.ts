// What happens to a const object between its declaration and a query that uses it: the
// `where` or options object a TypeORM or Sequelize call is handed (`const where = { id,
// tenantId }; if (admin) delete where.tenantId; Note.findAll({ where })`). Each key set or
// deleted is one change, in source order; any change this cannot read makes the object unknown.
import type ts from "typescript";
import { findVariable } from "./object-where";
import { isConditional } from "./typeorm-builder-chain";
import { outermostExpression, skipOuter } from "../statements";

export interface FieldChange {
  key: string;
  /** The value set (`x.key = value`); undefined for `delete x.key`. */
  value?: ts.Expression;
  /** Made only under a condition (an if, a loop, `&&`, a callback): the object may not have it when used. */
  conditional: boolean;
  node: ts.Node;
}

/** `console.log(x)`, `JSON.stringify(x)`, the query itself (`Note.findAll(x)`, `repo.find(x)`): calls that only read. */
const READS_ONLY =
  /^(?:console|logger|log|this\.logger|JSON)\.\w+$|\.(?:find\w*|count\w*|sum|max|min|exist\w*|update\w*|destroy|delete\w*|softDelete|restore)$/;

/**
 * The changes made to the object in the const `id` names between its declaration and `use` (a
 * node at or after which nothing counts): each `x.key = v` and `delete x.key`, in order. `{
 * unknown }` when the object may change another way: a computed key (`x[k] = v`), `x.key += v`,
 * handed to a call (`Object.assign(x, q)`, `applyFilters(x)`), held under another name, or a
 * write inside a key (`x.where.id = v`, `x.list.push(v)`) unless `inside(key)` allows it.
 * Undefined when `id` names no const declared with an initializer.
 */
export function fieldChanges(
  tsm: typeof ts,
  id: ts.Identifier,
  use: ts.Node,
  inside: (key: string) => boolean = () => false,
): FieldChange[] | { unknown: ts.Node } | undefined {
  const decl = findVariable(tsm, id);
  if (!decl?.initializer || !(tsm.getCombinedNodeFlags(decl) & tsm.NodeFlags.Const)) return undefined;
  let body: ts.Node | undefined = decl;
  while (body && !tsm.isFunctionLike(body) && !tsm.isSourceFile(body)) body = body.parent;
  if (!body) return undefined;
  const changes: FieldChange[] = [];
  let unknown: ts.Node | undefined;
  const visit = (n: ts.Node): void => {
    if (unknown || n.pos >= use.pos) return;
    if (tsm.isIdentifier(n) && n.text === id.text && n !== decl.name && n.pos >= decl.end) {
      const change = changeAt(tsm, n, inside);
      if (change === "unknown") unknown = wholeExpression(tsm, n);
      else if (change)
        changes.push({ ...change, conditional: isConditional(tsm, n, body!) || enclosedFunction(tsm, n, body!) });
    }
    tsm.forEachChild(n, visit);
  };
  tsm.forEachChild(body, visit);
  return unknown ? { unknown } : changes;
}

/** What one use of the name does to its object: a change, nothing (a read), or something unreadable. */
function changeAt(
  tsm: typeof ts,
  n: ts.Identifier,
  inside: (key: string) => boolean,
): Omit<FieldChange, "conditional"> | "unknown" | undefined {
  // `where!.x`, `(where as any).x`: the object itself under a cast.
  const top = outermostExpression(tsm, n) as ts.Expression;
  const p = top.parent;
  if ((tsm.isPropertyAccessExpression(p) || tsm.isElementAccessExpression(p)) && p.expression === top) {
    const key = tsm.isPropertyAccessExpression(p)
      ? p.name.text
      : tsm.isStringLiteralLike(p.argumentExpression)
        ? p.argumentExpression.text
        : undefined;
    const outer = p.parent;
    if (tsm.isDeleteExpression(outer)) return key === undefined ? "unknown" : { key, node: outer };
    if (tsm.isBinaryExpression(outer) && outer.left === p && isAssignment(tsm, outer.operatorToken.kind)) {
      if (key === undefined || outer.operatorToken.kind !== tsm.SyntaxKind.EqualsToken) return "unknown";
      return { key, value: outer.right, node: outer };
    }
    if (tsm.isPrefixUnaryExpression(outer) || tsm.isPostfixUnaryExpression(outer)) return "unknown";
    if (writesInside(tsm, p)) return key !== undefined && inside(key) ? undefined : "unknown";
    return undefined;
  }
  // Handed to a call that may change it, or held under another name that may.
  if ((tsm.isCallExpression(p) || tsm.isNewExpression(p)) && p.expression !== top)
    return READS_ONLY.test(p.expression.getText()) ? undefined : "unknown";
  if (tsm.isVariableDeclaration(p) && p.initializer === top) return "unknown";
  if (tsm.isBinaryExpression(p) && p.right === top && p.operatorToken.kind === tsm.SyntaxKind.EqualsToken)
    return "unknown";
  return undefined;
}

/** `x.where.id = v`, `x.list.push(v)`, `delete x.where.id`: a change made inside the key `access` reads. */
function writesInside(tsm: typeof ts, access: ts.Expression): boolean {
  let top = access;
  while (
    (tsm.isPropertyAccessExpression(top.parent) || tsm.isElementAccessExpression(top.parent)) &&
    top.parent.expression === top
  )
    top = top.parent;
  const p = top.parent;
  // `x.list.push(v)`; `x.where.id.toString()` only reads.
  if (tsm.isCallExpression(p) && p.expression === top)
    return tsm.isPropertyAccessExpression(top) && MUTATORS.has(top.name.text);
  // `Object.assign(x.where, q)`, `applyFilters(x.where)`: handed to a call that may change it.
  if (tsm.isCallExpression(p) && p.arguments.includes(top)) return !READS_ONLY.test(p.expression.getText());
  if (top === access) return false;
  return (
    (tsm.isBinaryExpression(p) && p.left === top && isAssignment(tsm, p.operatorToken.kind)) ||
    tsm.isDeleteExpression(p) ||
    tsm.isPrefixUnaryExpression(p) ||
    tsm.isPostfixUnaryExpression(p)
  );
}

const MUTATORS = new Set(["push", "unshift", "splice", "pop", "shift", "set", "add", "delete", "clear", "assign"]);

function isAssignment(tsm: typeof ts, kind: ts.SyntaxKind): boolean {
  return kind >= tsm.SyntaxKind.FirstAssignment && kind <= tsm.SyntaxKind.LastAssignment;
}

/** The expression a use of the name stands in, up to its statement (`Object.assign(where, q)`), for messages. */
function wholeExpression(tsm: typeof ts, n: ts.Node): ts.Node {
  let top = n;
  while (tsm.isExpression(top.parent) && !tsm.isFunctionLike(top.parent)) top = top.parent;
  return top;
}

/** Inside a function nested in `body` (a callback): it may run any number of times, or never. */
function enclosedFunction(tsm: typeof ts, n: ts.Node, body: ts.Node): boolean {
  for (let cur = n.parent; cur && cur !== body; cur = cur.parent) if (tsm.isFunctionLike(cur)) return true;
  return false;
}

/**
 * The ways the where of an options object held in a const may be when the query runs, after the
 * changes made to it before `use` (`const opts = { where: { id, tenantId } }; if (admin) opts.where
 * = { id }`): one entry per way (undefined: no where), and the last change. Undefined when no change
 * touches the where; `{ unknown }` when a change cannot be read (`opts.where.id = x`, `Object.assign(opts, q)`).
 */
export function changedWhere(
  tsm: typeof ts,
  options: ts.Expression,
  written: ts.Expression | undefined,
  use: ts.Node,
): { ways: (ts.Expression | undefined)[]; last: ts.Node } | { unknown: ts.Node } | undefined {
  const held = skipOuter(tsm, options);
  if (!tsm.isIdentifier(held)) return undefined;
  const changes = fieldChanges(tsm, held, use, (key) => key !== "where");
  if (!changes || "unknown" in changes) return changes;
  const onWhere = changes.filter((c) => c.key === "where");
  if (!onWhere.length) return undefined;
  let ways = [written];
  for (const c of onWhere) ways = c.conditional ? [...ways, c.value] : [c.value];
  return { ways, last: onWhere[onWhere.length - 1]!.node };
}

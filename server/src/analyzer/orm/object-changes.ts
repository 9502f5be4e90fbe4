// What happens to a const object between its declaration and a query that uses it: the
// `where` or options object a TypeORM or Sequelize call is handed (`const where = { id,
// tenantId }; if (admin) delete where.tenantId; Note.findAll({ where })`). Each key set or
// deleted is one change, in source order; any change this cannot read makes the object unknown.
import type ts from "typescript";
import { findVariable } from "./object-where";
import { isConditional } from "./typeorm-builder-chain";
import { isWriteTarget, outermostExpression, skipOuter } from "../statements";

export interface FieldChange {
  key: string;
  /** The value set (`x.key = value`); undefined for `delete x.key`. */
  value?: ts.Expression;
  /** Made only under a condition (an if, a loop, `&&`, a callback): the object may not have it when used. */
  conditional: boolean;
  node: ts.Node;
  /** A Sequelize combinator key (`where[Op.or] = [...]`): its value is a list of branches. */
  operator?: "and" | "or" | "not";
  /** `x.key ??= v`: the key keeps its value, or takes this one. */
  maybe?: boolean;
}

/**
 * Calls that only read what they are handed: a logger, `JSON.stringify(x)`, `Object.keys(x)`, the
 * query methods themselves (`Note.findAll(x)`, `repo.find(x)`, `repo.update(x, v)`), by exact name.
 */
const READS_ONLY =
  /^(?:console|logger|log|Logger|this\.logger|this\.log|JSON)\.\w+$|^Object\.(?:keys|values|entries)$|\.(?:find|findAll|findOne|findOneBy|findOneOrFail|findOneByOrFail|findBy|findAndCount|findAndCountBy|findAndCountAll|findByPk|count|countBy|sum|max|min|average|maximum|minimum|exist|exists|existsBy|update|destroy|delete|softDelete|restore|increment|decrement)$/;

/**
 * The changes made to the object in the const `id` names before `use` runs: each `x.key = v`
 * and `delete x.key`, in order (one before `use` in the text, or after it in a loop around it, or
 * anywhere for an object of the module or one held in another object: those may run first, so
 * they count as conditional). `{ unknown }` when the object may change another way: a computed key
 * (`x[k] = v`; Sequelize's `x[Op.or] = v` is a change of that key), `x.key += v`, a destructuring
 * write, handed to a call (`Object.assign(x, q)`, `applyFilters(x)`), held under another name, or
 * a write inside a key (`x.where.id = v`, `x.list.push(v)`) unless `inside(key)` allows it.
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
  // Where later text may still run before the use: a loop around it; for a module's object or one
  // stored in another (`const opts = { where }`), anywhere.
  const anywhere = tsm.isSourceFile(body) || heldInConst(tsm, use);
  const loop = enclosingLoop(tsm, use, decl);
  const changes: FieldChange[] = [];
  let unknown: ts.Node | undefined;
  const visit = (n: ts.Node): void => {
    if (unknown) return;
    const after = n.pos >= use.pos;
    if (after && !anywhere && !(loop && n.pos < loop.end)) return;
    if (tsm.isIdentifier(n) && n.text === id.text && n !== decl.name && n.pos >= decl.end && n !== use) {
      // `for (const where of others) delete where.tenantId`: another variable of the same name.
      if (!shadowed(tsm, n, decl)) {
        const change = changeAt(tsm, n, inside);
        if (change === "unknown") unknown = wholeExpression(tsm, n);
        else if (change)
          changes.push({
            ...change,
            conditional: after || isConditional(tsm, n, body!) || enclosedFunction(tsm, n, body!),
          });
      }
    }
    tsm.forEachChild(n, visit);
  };
  tsm.forEachChild(body, visit);
  return unknown ? { unknown } : changes;
}

/**
 * Whether `n` names another variable than `decl`'s: one declared between them by a block, a loop
 * head (`for (const where of others)`), a catch clause or a function's parameters.
 */
function shadowed(tsm: typeof ts, n: ts.Identifier, decl: ts.VariableDeclaration): boolean {
  if (findVariable(tsm, n) !== decl) return true;
  const binds = (name: ts.BindingName): boolean =>
    tsm.isIdentifier(name)
      ? name.text === n.text
      : name.elements.some((e) => !tsm.isOmittedExpression(e) && binds(e.name));
  for (
    let cur: ts.Node | undefined = n.parent;
    cur && !(decl.pos >= cur.pos && decl.end <= cur.end);
    cur = cur.parent
  ) {
    if (tsm.isFunctionLike(cur) && cur.parameters.some((p) => binds(p.name))) return true;
    if (tsm.isCatchClause(cur) && cur.variableDeclaration && binds(cur.variableDeclaration.name)) return true;
    if (
      (tsm.isForOfStatement(cur) || tsm.isForInStatement(cur) || tsm.isForStatement(cur)) &&
      cur.initializer &&
      tsm.isVariableDeclarationList(cur.initializer) &&
      cur.initializer.declarations.some((d) => binds(d.name))
    )
      return true;
  }
  return false;
}

/** `const opts = { where, limit: 5 }`: the name is held in an object another const keeps. */
function heldInConst(tsm: typeof ts, use: ts.Node): boolean {
  let n: ts.Node = use;
  while (
    tsm.isShorthandPropertyAssignment(n.parent) ||
    (tsm.isPropertyAssignment(n.parent) && n.parent.initializer === n) ||
    tsm.isObjectLiteralExpression(n.parent) ||
    tsm.isArrayLiteralExpression(n.parent)
  )
    n = n.parent;
  return n !== use && tsm.isVariableDeclaration(n.parent) && n.parent.initializer === n;
}

/**
 * The outermost loop around `use` that the const's declaration is not inside: its later statements
 * run before `use` runs again with the same object. A const declared in the loop's body is a new
 * object each time round (sim's `const newDefinition = {...}` inserted, then kept in a Map).
 */
function enclosingLoop(tsm: typeof ts, use: ts.Node, decl: ts.Node): ts.Node | undefined {
  let found: ts.Node | undefined;
  for (let cur = use.parent; cur && !(cur.pos <= decl.pos && decl.end <= cur.end); cur = cur.parent) {
    if (tsm.isFunctionLike(cur)) break;
    if (tsm.isIterationStatement(cur, false)) found = cur;
  }
  return found;
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
    const operator = tsm.isElementAccessExpression(p) ? operatorOf(tsm, p.argumentExpression) : undefined;
    const key = tsm.isPropertyAccessExpression(p)
      ? p.name.text
      : tsm.isStringLiteralLike(p.argumentExpression)
        ? p.argumentExpression.text
        : operator && `[Op.${operator}]`;
    const outer = p.parent;
    if (tsm.isDeleteExpression(outer)) return key === undefined ? "unknown" : { key, node: outer, operator };
    if (tsm.isBinaryExpression(outer) && outer.left === p && isAssignment(tsm, outer.operatorToken.kind)) {
      if (key === undefined) return "unknown";
      const kind = outer.operatorToken.kind;
      if (kind === tsm.SyntaxKind.EqualsToken) return { key, value: outer.right, node: outer, operator };
      // `where.tenantId ??= tenantId`: set only when it is missing, so it holds one or the other.
      if (
        kind === tsm.SyntaxKind.QuestionQuestionEqualsToken ||
        kind === tsm.SyntaxKind.BarBarEqualsToken ||
        kind === tsm.SyntaxKind.AmpersandAmpersandEqualsToken
      )
        return { key, value: outer.right, node: outer, operator, maybe: true };
      return "unknown";
    }
    if (tsm.isPrefixUnaryExpression(outer) || tsm.isPostfixUnaryExpression(outer)) return "unknown";
    // `({ tenantId: where.tenantId } = q)`, `for (where.id of ids)`: written by a destructuring.
    if (isWriteTarget(tsm, p)) return "unknown";
    if (writesInside(tsm, p)) return key !== undefined && inside(key) ? undefined : "unknown";
    return undefined;
  }
  // Handed to a call that may change it (`Object.assign(x, q)`; `Object.assign({}, x)` only copies),
  // or held under another name that may: `const w = x`, `w = x`, `c ? x : {}`, `[x]`, `{ w: x }`.
  if ((tsm.isCallExpression(p) || tsm.isNewExpression(p)) && p.expression !== top) {
    const callee = p.expression.getText();
    if (callee === "Object.assign") return p.arguments?.[0] === top ? "unknown" : undefined;
    return READS_ONLY.test(callee) ? undefined : "unknown";
  }
  if (tsm.isVariableDeclaration(p) && p.initializer === top) return "unknown";
  if (tsm.isBinaryExpression(p) && p.right === top && p.operatorToken.kind === tsm.SyntaxKind.EqualsToken)
    return "unknown";
  if (
    tsm.isConditionalExpression(p) ||
    tsm.isArrayLiteralExpression(p) ||
    (tsm.isBinaryExpression(p) &&
      [
        tsm.SyntaxKind.BarBarToken,
        tsm.SyntaxKind.QuestionQuestionToken,
        tsm.SyntaxKind.AmpersandAmpersandToken,
      ].includes(p.operatorToken.kind))
  )
    return aliased(tsm, p) ? "unknown" : undefined;
  if (tsm.isPropertyAssignment(p) || tsm.isShorthandPropertyAssignment(p))
    return aliased(tsm, p.parent) ? "unknown" : undefined;
  return undefined;
}

/**
 * Whether an expression holding the object (`c ? x : {}`, `[x]`, `{ w: x }`) is kept where it can
 * be changed later: a variable, another object, a call's argument. A query's own options
 * (`findAll({ where: x })`) or a comparison only read it.
 */
function aliased(tsm: typeof ts, e: ts.Node): boolean {
  let n = e;
  while (
    tsm.isParenthesizedExpression(n.parent) ||
    tsm.isConditionalExpression(n.parent) ||
    tsm.isArrayLiteralExpression(n.parent) ||
    tsm.isObjectLiteralExpression(n.parent) ||
    tsm.isPropertyAssignment(n.parent) ||
    tsm.isShorthandPropertyAssignment(n.parent)
  )
    n = n.parent;
  const p = n.parent;
  if (tsm.isCallExpression(p) || tsm.isNewExpression(p)) return !READS_ONLY.test(p.expression.getText());
  if (tsm.isPropertyAccessExpression(p) || tsm.isElementAccessExpression(p)) return true; // `[x].forEach(...)`
  if (tsm.isBinaryExpression(p)) return isAssignment(tsm, p.operatorToken.kind);
  return tsm.isVariableDeclaration(p) || tsm.isReturnStatement(p);
}

/** `Op.or`, `Sequelize.Op.and`, `Op.not` as a computed key: which combinator it is. */
function operatorOf(tsm: typeof ts, e: ts.Expression): "and" | "or" | "not" | undefined {
  const x = tsm.isParenthesizedExpression(e) ? e.expression : e;
  if (!tsm.isPropertyAccessExpression(x) || !/(?:^|\.)Op$/.test(x.expression.getText())) return undefined;
  const name = x.name.text;
  return name === "and" || name === "or" || name === "not" ? name : undefined;
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

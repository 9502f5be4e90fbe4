// The shapes of checks the flow credits, read from syntax alone: a NestJS handler's access guards
// and the request arguments they check, a membership test on a row's tenant
// (`doc.team.users.some((u) => u.userId === userId)`), and a key looked for among others
// (`!allowed.has(id)`), an assertion call read as the `if ... throw` it stands for. FunctionFlow
// decides what they prove.
import type ts from "typescript";
import { isUserColumn } from "../membership";
import { strip } from "../orm/prisma-syntax";
import { calleeName, guardsOf, type Authorizers } from "./authorizers";
import { fromRequest } from "./conditions";
import type { GuardArgs } from "./flow-values";
import { constInitializer } from "./bindings";
import { callback } from "./values";

/**
 * The parameters of a handler behind `@UseGuards(X)` that X checked before the body ran: the
 * request arguments X's `canActivate` reads (`read`: `const { collectionID } = ctx.getArgs()`),
 * by `@Args('id')`/`@Param('id')` name or the parameter's own; every request argument when X
 * hands them whole to a check whose answer it keeps (`await resolver(args)`). When X cannot be
 * read, a guard whose name says it checks access covers the arguments it is named for
 * (`collectionID` and `teamID` behind `CollectionTeamMemberGuard`), never `destCollectionID` beside them.
 */
export function guardedArguments(
  tsm: typeof ts,
  fn: ts.MethodDeclaration,
  authorizers: Authorizers | undefined,
  read: (guard: string) => GuardArgs | undefined,
): { guard: string; names: string[]; whole: boolean }[] {
  const names = (n: ts.BindingName): string[] =>
    tsm.isIdentifier(n) ? [n.text] : n.elements.flatMap((el) => (tsm.isOmittedExpression(el) ? [] : names(el.name)));
  const out: { guard: string; names: string[]; whole: boolean }[] = [];
  for (const guard of guardsOf(tsm, fn, authorizers)) {
    const args = read(guard.name);
    if (!args && !guard.named) continue;
    // What the guard is named for, without the words for how it checks (`TeamMemberGuard` -> `team`).
    const named = guard.name.replace(ROLE_WORDS, "").toLowerCase();
    const checks = (arg: string) => {
      if (args) return args.names.has(arg);
      const what = arg.replace(/(?:Id|ID|_id)$/, "").toLowerCase();
      return !!what && what !== arg.toLowerCase() && named.includes(what);
    };
    const covered: string[] = [];
    for (const p of fn.parameters) {
      const request = requestArg(tsm, p);
      const arg = tsm.isIdentifier(p.name) && typeof request === "string" ? request : undefined;
      for (const name of names(p.name))
        if ((args?.whole && request) || checks(arg ?? name) || (!args && checks(name))) covered.push(name);
      // `@Args() args: CreateChildArgs`: the fields the guard read (`args.collectionID`).
      if (request === true && tsm.isIdentifier(p.name) && args && !args.whole)
        for (const a of args.names) covered.push(`${p.name.text}.${a}`);
    }
    out.push({ guard: guard.name, names: covered, whole: !!args?.whole });
  }
  return out;
}

const ROLE_WORDS =
  /Gql|Guard|Members?|Owners?|Roles?|Access|Permissions?|Polic(?:y|ies)|Abilit(?:y|ies)|Authori[sz]\w*/g;

/**
 * `@Args('id') x`, `@Args({ name: 'id' }) x`, `@Param('id') x`: the request argument a handler's
 * parameter receives; `true` for one that receives them all (`@Args() args`, `@Body() body`).
 */
function requestArg(tsm: typeof ts, p: ts.ParameterDeclaration): string | true | undefined {
  for (const d of tsm.canHaveDecorators(p) ? (tsm.getDecorators(p) ?? []) : []) {
    const call = strip(tsm, d.expression);
    if (!tsm.isCallExpression(call) || !/^(?:Args|Param|Query|Body)$/.test(calleeName(tsm, call) ?? "")) continue;
    const first = call.arguments[0] && strip(tsm, call.arguments[0]);
    if (first && tsm.isStringLiteral(first)) return first.text;
    if (first && tsm.isObjectLiteralExpression(first)) {
      const name = first.properties.find((q) => q.name && tsm.isIdentifier(q.name) && q.name.text === "name");
      const v = name && tsm.isPropertyAssignment(name) ? strip(tsm, name.initializer) : undefined;
      if (v && tsm.isStringLiteral(v)) return v.text;
    }
    return true;
  }
  return undefined;
}

/**
 * `row.<relation>.<members>.some((m) => m.userId === user)`: the row, the two names, when the
 * member's user column is compared with a value that is neither the member's nor the client's.
 */
export function membershipTest(
  tsm: typeof ts,
  e: ts.Expression,
): { rowExpr: ts.Expression; relation: string; members: string } | undefined {
  if (!tsm.isCallExpression(e) || !tsm.isPropertyAccessExpression(e.expression) || e.expression.name.text !== "some")
    return undefined;
  const list = strip(tsm, e.expression.expression);
  const via = tsm.isPropertyAccessExpression(list) ? strip(tsm, list.expression) : undefined;
  if (!tsm.isPropertyAccessExpression(list) || !via || !tsm.isPropertyAccessExpression(via)) return undefined;
  const cb = callback(tsm, e.arguments[0]);
  const b = cb?.body;
  if (!cb || !tsm.isIdentifier(cb.param) || !b || !tsm.isBinaryExpression(b)) return undefined;
  const op = b.operatorToken.kind;
  if (op !== tsm.SyntaxKind.EqualsEqualsEqualsToken && op !== tsm.SyntaxKind.EqualsEqualsToken) return undefined;
  const param = cb.param.text;
  const isMemberUser = (x: ts.Expression) => {
    const s = strip(tsm, x);
    return tsm.isPropertyAccessExpression(s) && isUserColumn(s.name.text) && s.expression.getText() === param;
  };
  const user = isMemberUser(b.left) ? b.right : isMemberUser(b.right) ? b.left : undefined;
  let readsMember = false;
  const visit = (n: ts.Node): void => {
    if (tsm.isIdentifier(n) && n.text === param && !(tsm.isPropertyAccessExpression(n.parent) && n.parent.name === n))
      readsMember = true;
    tsm.forEachChild(n, visit);
  };
  if (user) visit(user);
  if (!user || readsMember || fromRequest(tsm, user)) return undefined;
  return { rowExpr: via.expression, relation: via.name.text, members: list.name.text };
}

/**
 * A test whose truth means a key is missing from a collection of keys: `!allowed.has(id)`,
 * `!ids.includes(id)` (one key); `ids.some((id) => !allowed.has(id))`, `!ids.every((id) =>
 * allowed.has(id))` (some key of a list). The collection, and the key or the list tested.
 */
export function containmentTest(
  tsm: typeof ts,
  term: ts.Expression,
): { keys: ts.Expression; key: ts.Expression } | { keys: ts.Expression; list: ts.Expression } | undefined {
  const contains = (e: ts.Expression) => {
    const c = strip(tsm, e);
    if (!tsm.isCallExpression(c) || !tsm.isPropertyAccessExpression(c.expression) || c.arguments.length !== 1)
      return undefined;
    return ["has", "includes"].includes(c.expression.name.text)
      ? { keys: c.expression.expression, asked: strip(tsm, c.arguments[0]!) }
      : undefined;
  };
  const negated = (e: ts.Expression) => {
    const n = strip(tsm, e);
    return tsm.isPrefixUnaryExpression(n) && n.operator === tsm.SyntaxKind.ExclamationToken ? n.operand : undefined;
  };
  const t = strip(tsm, term);
  const not = negated(t);
  const single = not && contains(not);
  if (single) return { keys: single.keys, key: single.asked };
  // `const invalid = ids.filter((id) => !valid.has(id)); if (invalid.length > 0) throw` (openstatus).
  const missing = missingOf(tsm, t);
  if (missing) {
    const cb = callback(tsm, missing.arguments[0]);
    const test = cb && negated(cb.body);
    const found = test && contains(test);
    if (
      found &&
      cb &&
      tsm.isIdentifier(cb.param) &&
      tsm.isIdentifier(found.asked) &&
      found.asked.text === cb.param.text
    )
      return { keys: found.keys, list: (missing.expression as ts.PropertyAccessExpression).expression };
  }
  const call = strip(tsm, not ?? t);
  if (!tsm.isCallExpression(call) || !tsm.isPropertyAccessExpression(call.expression)) return undefined;
  if (call.expression.name.text !== (not ? "every" : "some")) return undefined;
  const cb = callback(tsm, call.arguments[0]);
  const test = cb && (not ? cb.body : negated(cb.body));
  const found = test && contains(test);
  const asksEach =
    found && cb && tsm.isIdentifier(cb.param) && tsm.isIdentifier(found.asked) && found.asked.text === cb.param.text;
  return asksEach ? { keys: found.keys, list: call.expression.expression } : undefined;
}

/**
 * `invalid.length > 0` (or `invalid.length`, `!== 0`, `>= 1`) with `invalid` a const holding
 * `list.filter(cb)` (or that call written in place): the filter call.
 */
function missingOf(tsm: typeof ts, t: ts.Expression): ts.CallExpression | undefined {
  let e = t;
  if (tsm.isBinaryExpression(e)) {
    const K = tsm.SyntaxKind;
    const n = strip(tsm, e.right);
    const op = e.operatorToken.kind;
    const nonEmpty =
      tsm.isNumericLiteral(n) &&
      ((n.text === "0" &&
        (op === K.GreaterThanToken || op === K.ExclamationEqualsEqualsToken || op === K.ExclamationEqualsToken)) ||
        (n.text === "1" && op === K.GreaterThanEqualsToken));
    if (!nonEmpty) return undefined;
    e = strip(tsm, e.left);
  }
  if (!tsm.isPropertyAccessExpression(e) || e.name.text !== "length") return undefined;
  let list: ts.Expression = strip(tsm, e.expression);
  if (tsm.isIdentifier(list)) {
    const held = constInitializer(tsm, list, t);
    if (!held) return undefined;
    list = strip(tsm, held);
  }
  return tsm.isCallExpression(list) &&
    tsm.isPropertyAccessExpression(list.expression) &&
    list.expression.name.text === "filter" &&
    list.arguments.length === 1
    ? list
    : undefined;
}

/**
 * `if (!(cond)) throw` standing for an assertion call (`invariant(cond)`), spanning the call's
 * statement, so the guard's readers take it as one. The condition is negated as a reader of an
 * `if` expects it written: `invariant(a && b.t === t)` is `if (!a || b.t !== t) throw`.
 */
export function assertionGuard(tsm: typeof ts, st: ts.ExpressionStatement, cond: ts.Expression): ts.IfStatement {
  const f = tsm.factory;
  const K = tsm.SyntaxKind;
  const made = (node: ts.Node, range: ts.TextRange): void => void tsm.setTextRange(node, range);
  const adopt = (parent: ts.Node, ...children: ts.Node[]): void => {
    for (const c of children)
      if (c.pos === -1 || (c.flags & tsm.NodeFlags.Synthesized) !== 0) (c as { parent: ts.Node }).parent = parent;
  };
  const negate = (e: ts.Expression): ts.Expression => {
    let x = e;
    while (tsm.isParenthesizedExpression(x)) x = x.expression;
    let out: ts.Expression;
    if (tsm.isPrefixUnaryExpression(x) && x.operator === K.ExclamationToken) return x.operand;
    if (tsm.isBinaryExpression(x) && x.operatorToken.kind === K.AmpersandAmpersandToken) {
      const [l, r] = [negate(x.left), negate(x.right)];
      out = f.createBinaryExpression(l, K.BarBarToken, r);
      adopt(out, l, r);
    } else if (
      tsm.isBinaryExpression(x) &&
      (x.operatorToken.kind === K.EqualsEqualsEqualsToken || x.operatorToken.kind === K.EqualsEqualsToken)
    ) {
      const op =
        x.operatorToken.kind === K.EqualsEqualsEqualsToken ? K.ExclamationEqualsEqualsToken : K.ExclamationEqualsToken;
      out = f.createBinaryExpression(x.left, op, x.right);
    } else {
      const paren = f.createParenthesizedExpression(x);
      made(paren, x);
      out = f.createPrefixUnaryExpression(K.ExclamationToken, paren);
      adopt(out, paren);
    }
    made(out, x);
    return out;
  };
  const test = negate(cond);
  const thrown = f.createThrowStatement(f.createIdentifier("Error"));
  made(thrown, st);
  const guard = f.createIfStatement(test, thrown);
  made(guard, st);
  adopt(guard, test, thrown);
  (guard as { parent: ts.Node }).parent = st.parent;
  return guard;
}

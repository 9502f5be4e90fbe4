// Names and what binds or writes them, as the flow reads them: which const initialises a name
// (destructuring included), where a name sits in a parameter's binding pattern, and which names
// an assignment, an increment or a loop head writes.
import type ts from "typescript";
import { strip } from "../orm/prisma-syntax";

/**
 * The initializer of the const that binds `id` where `at` is (destructuring included:
 * `const { data } = await resolve(id)` gives `await resolve(id)`).
 */
export function constInitializer(tsm: typeof ts, id: ts.Identifier, at: ts.Node): ts.Expression | undefined {
  return constDeclarationOf(tsm, id, at)?.initializer;
}

/** The const declaration that binds `id` where `at` is; not an array pattern (which element holds what is not followed). */
export function constDeclarationOf(tsm: typeof ts, id: ts.Identifier, at: ts.Node): ts.VariableDeclaration | undefined {
  for (let cur: ts.Node | undefined = at.parent; cur; cur = cur.parent) {
    if (tsm.isFunctionLike(cur) && cur.parameters.some((p) => binds(tsm, p.name, id.text))) return undefined;
    if (!(tsm.isBlock(cur) || tsm.isSourceFile(cur) || tsm.isModuleBlock(cur))) continue;
    for (const st of cur.statements) {
      if (st.pos >= at.pos) break;
      if (!tsm.isVariableStatement(st) || !(tsm.getCombinedNodeFlags(st.declarationList) & tsm.NodeFlags.Const))
        continue;
      for (const d of st.declarationList.declarations) {
        if (!binds(tsm, d.name, id.text)) continue;
        // `const [org, doc] = await Promise.all([...])`: which element holds which value is not followed.
        return tsm.isArrayBindingPattern(d.name) ? undefined : d;
      }
    }
  }
  return undefined;
}

export function binds(tsm: typeof ts, name: ts.BindingName, text: string): boolean {
  if (tsm.isIdentifier(name)) return name.text === text;
  return name.elements.some((el) => !tsm.isOmittedExpression(el) && binds(tsm, el.name, text));
}

/**
 * The property names leading to `text` in an object binding pattern: [] for the name itself,
 * ["input", "id"] for `{ input: { id } }`, ["id"] for `{ id: docId }`. Not through rest elements
 * or array patterns (which element holds which value is not followed).
 */
export function bindingPath(tsm: typeof ts, name: ts.BindingName, text: string): string[] | undefined {
  if (tsm.isIdentifier(name)) return name.text === text ? [] : undefined;
  if (!tsm.isObjectBindingPattern(name)) return undefined;
  for (const el of name.elements) {
    if (el.dotDotDotToken) continue;
    const prop = el.propertyName ?? el.name;
    if (!tsm.isIdentifier(prop)) continue;
    const inner = bindingPath(tsm, el.name, text);
    if (inner) return [prop.text, ...inner];
  }
  return undefined;
}

/**
 * What `node` writes, and where the write takes effect: `x = ...`, `x += ...`, `({ x, y: z } =
 * ...)`, `x++`, `for (x of xs)` (before its body runs). Names and fields (`x.id`) as written.
 */
export function writes(tsm: typeof ts, node: ts.Node): { targets: ts.Expression[]; at: number } | undefined {
  if (tsm.isBinaryExpression(node) && isAssignmentOperator(tsm, node.operatorToken.kind))
    return { targets: writtenBy(tsm, node.left), at: node.end };
  if (
    (tsm.isPrefixUnaryExpression(node) || tsm.isPostfixUnaryExpression(node)) &&
    (node.operator === tsm.SyntaxKind.PlusPlusToken || node.operator === tsm.SyntaxKind.MinusMinusToken)
  )
    return { targets: writtenBy(tsm, node.operand), at: node.end };
  if ((tsm.isForOfStatement(node) || tsm.isForInStatement(node)) && !tsm.isVariableDeclarationList(node.initializer))
    return { targets: writtenBy(tsm, node.initializer as ts.Expression), at: node.initializer.end };
  // `Object.assign(ids, patch)`: any field of `ids` may hold another value after it.
  if (
    tsm.isCallExpression(node) &&
    node.arguments.length > 1 &&
    node.arguments[0] &&
    !tsm.isSpreadElement(node.arguments[0]) &&
    node.expression.getText() === "Object.assign"
  ) {
    const target = strip(tsm, node.arguments[0]);
    if (tsm.isIdentifier(target) || tsm.isPropertyAccessExpression(target)) return { targets: [target], at: node.end };
  }
  return undefined;
}

function isAssignmentOperator(tsm: typeof ts, kind: ts.SyntaxKind): boolean {
  return kind >= tsm.SyntaxKind.FirstAssignment && kind <= tsm.SyntaxKind.LastAssignment;
}

/** The names and fields an assignment target writes: `x`, `x.id`, each name of `({ x, y: z } = ...)`. */
function writtenBy(tsm: typeof ts, target: ts.Expression): ts.Expression[] {
  const t = strip(tsm, target);
  if (tsm.isIdentifier(t) || tsm.isPropertyAccessExpression(t)) return [t];
  if (tsm.isElementAccessExpression(t)) return writtenBy(tsm, t.expression);
  if (tsm.isObjectLiteralExpression(t))
    return t.properties.flatMap((p) =>
      tsm.isShorthandPropertyAssignment(p)
        ? [p.name]
        : tsm.isPropertyAssignment(p)
          ? writtenBy(tsm, p.initializer)
          : tsm.isSpreadAssignment(p)
            ? writtenBy(tsm, p.expression)
            : [],
    );
  if (tsm.isArrayLiteralExpression(t))
    return t.elements.flatMap((e) => writtenBy(tsm, tsm.isSpreadElement(e) ? e.expression : e));
  if (tsm.isBinaryExpression(t) && t.operatorToken.kind === tsm.SyntaxKind.EqualsToken) return writtenBy(tsm, t.left);
  return [];
}

/** Whether a variable declaration inside `node` declares `name` (`const id = input.x` in a branch). */
export function declaresName(tsm: typeof ts, node: ts.Node, name: string): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (tsm.isVariableDeclaration(n) && binds(tsm, n.name, name)) found = true;
    else tsm.forEachChild(n, visit);
  };
  visit(node);
  return found;
}

/**
 * Whether the rows of `list` may be changed in place somewhere in `root`: a loop over it, or a
 * callback run for each of them, that writes to an element (`for (const e of envs) e.id = x`), or a
 * callback handed the array itself (`envs.forEach((e, i, a) => { a[i] = x })`).
 */
export function elementsWritten(tsm: typeof ts, list: ts.Expression, root: ts.Node): boolean {
  const text = normalize(list.getText());
  const isList = (e: ts.Expression) => normalize(strip(tsm, e).getText()) === text;
  let found = false;
  const writesTo = (body: ts.Node, name: string): boolean => {
    let w = false;
    const visit = (n: ts.Node): void => {
      if (w) return;
      const written = writes(tsm, n);
      if (written?.targets.some((t) => /^[\w$]+/.exec(normalize(t.getText()))?.[0] === name)) w = true;
      else tsm.forEachChild(n, visit);
    };
    visit(body);
    return w;
  };
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (tsm.isForOfStatement(n) && isList(n.expression) && tsm.isVariableDeclarationList(n.initializer)) {
      const d = n.initializer.declarations[0];
      if (d && tsm.isIdentifier(d.name) && writesTo(n.statement, d.name.text)) found = true;
    }
    if (tsm.isCallExpression(n) && tsm.isPropertyAccessExpression(n.expression) && isList(n.expression.expression)) {
      for (const a of n.arguments) {
        const f = strip(tsm, a);
        if (!tsm.isArrowFunction(f) && !tsm.isFunctionExpression(f)) continue;
        if (f.parameters.length >= 3) found = true;
        const p = f.parameters[0];
        if (p && tsm.isIdentifier(p.name) && writesTo(f.body, p.name.text)) found = true;
      }
    }
    if (!found) tsm.forEachChild(n, visit);
  };
  visit(root);
  return found;
}

/** An expression's text compared as written, whatever its spacing, `?.` or `!`. */
export function normalize(text: string): string {
  return text.replace(/\s+/g, "").replace(/\?\./g, ".").replace(/!/g, "");
}

// One walk per file for every ORM module: the file's call expressions in source order, and the
// names of variables initialized with a call. Each module used to walk the whole tree itself,
// twice (check and queries); a walk costs about a fifth of the parse. Keyed by the SourceFile,
// so the index lives exactly as long as the tree.
import type ts from "typescript";
import { skipOuter } from "./chain";

export interface FileCalls {
  /** Every call expression, in pre-order (an outer call before the calls in its arguments). */
  calls: readonly ts.CallExpression[];
  /** Names of the variables whose initializer is a call (`const q = db.selectFrom('t')`). */
  callVariables: ReadonlySet<string>;
}

const byFile = new WeakMap<ts.SourceFile, FileCalls>();

export function fileCalls(tsm: typeof ts, sourceFile: ts.SourceFile): FileCalls {
  let found = byFile.get(sourceFile);
  if (found) return found;
  const calls: ts.CallExpression[] = [];
  const callVariables = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (tsm.isCallExpression(node)) calls.push(node);
    else if (
      tsm.isVariableDeclaration(node) &&
      node.initializer &&
      tsm.isIdentifier(node.name) &&
      tsm.isCallExpression(skipOuter(tsm, node.initializer))
    )
      callVariables.add(node.name.text);
    tsm.forEachChild(node, visit);
  };
  visit(sourceFile);
  byFile.set(sourceFile, (found = { calls, callVariables }));
  return found;
}

/** The calls of the file whose callee is `<expr>.<name>` (`db.user.findMany(...)`). */
export function methodCalls(
  tsm: typeof ts,
  sourceFile: ts.SourceFile,
): readonly (ts.CallExpression & { expression: ts.PropertyAccessExpression })[] {
  return fileCalls(tsm, sourceFile).calls.filter(
    (c): c is ts.CallExpression & { expression: ts.PropertyAccessExpression } =>
      tsm.isPropertyAccessExpression(c.expression),
  );
}

// Which declaration a name refers to, without a type checker: the extractor keeps a stack of
// the blocks and functions it is inside and what each declares, so `pool.query(SQL)` can be
// followed to `const SQL = "..."` in the same file, and a shadowing `let`, parameter or
// import stops it.
import type ts from "typescript";

type TypeScript = typeof ts;

export interface Binding {
  kind: "const" | "let" | "parameter" | "import" | "other";
  /** The initializer of a `const` or `let` declared with one. */
  init?: ts.Expression;
  /** The stack depth the declaration's own initializer resolves names at. */
  depth: number;
  /** A function declaration's node (`function scope(q) { return sql`...` }`). */
  fn?: ts.FunctionDeclaration;
}

/**
 * The scopes around the node being visited. Entering a scope only records its node: what
 * it declares is read the first time a name is looked up through it, so a file without
 * SQL pays almost nothing.
 */
export class ScopeStack {
  private readonly nodes: ts.Node[] = [];
  private readonly frames: (Map<string, Binding> | undefined)[] = [];
  private readonly isScope: Uint8Array;

  constructor(private readonly ts: TypeScript) {
    const k = ts.SyntaxKind;
    const kinds = [
      k.SourceFile,
      k.Block,
      k.ModuleBlock,
      k.CaseBlock,
      k.FunctionDeclaration,
      k.FunctionExpression,
      k.ArrowFunction,
      k.MethodDeclaration,
      k.Constructor,
      k.GetAccessor,
      k.SetAccessor,
      k.ForStatement,
      k.ForInStatement,
      k.ForOfStatement,
      k.CatchClause,
    ];
    this.isScope = new Uint8Array(Math.max(...kinds) + 1);
    for (const kind of kinds) this.isScope[kind] = 1;
  }

  get depth(): number {
    return this.nodes.length;
  }

  /** Pushes `node` when it declares names for its children; false (nothing pushed) otherwise. */
  enter(node: ts.Node): boolean {
    if (this.isScope[node.kind] !== 1) return false;
    this.nodes.push(node);
    this.frames.push(undefined);
    return true;
  }

  exit(): void {
    this.nodes.pop();
    this.frames.pop();
  }

  /** The innermost declaration of `name` visible at `depth` (default: here). */
  lookup(name: string, depth = this.nodes.length): Binding | undefined {
    for (let i = Math.min(depth, this.nodes.length) - 1; i >= 0; i--) {
      const frame = (this.frames[i] ??= declarations(this.ts, this.nodes[i], i + 1));
      const binding = frame.get(name);
      if (binding) return binding;
    }
    return undefined;
  }
}

/** The names a scope node declares for its children; `depth` is the scope's own depth. */
function declarations(ts: TypeScript, node: ts.Node, depth: number): Map<string, Binding> {
  const frame = new Map<string, Binding>();
  const add = (name: ts.BindingName | undefined, kind: Binding["kind"]) => {
    if (name) addBindingName(ts, frame, name, { kind, depth });
  };
  switch (node.kind) {
    case ts.SyntaxKind.SourceFile:
    case ts.SyntaxKind.Block:
    case ts.SyntaxKind.ModuleBlock:
      addStatements(ts, frame, (node as ts.Block).statements, depth);
      break;
    case ts.SyntaxKind.CaseBlock:
      for (const clause of (node as ts.CaseBlock).clauses) addStatements(ts, frame, clause.statements, depth);
      break;
    case ts.SyntaxKind.ForStatement:
    case ts.SyntaxKind.ForInStatement:
    case ts.SyntaxKind.ForOfStatement: {
      const init = (node as ts.ForStatement).initializer;
      if (init && ts.isVariableDeclarationList(init)) for (const d of init.declarations) add(d.name, "let");
      break;
    }
    case ts.SyntaxKind.CatchClause:
      add((node as ts.CatchClause).variableDeclaration?.name, "other");
      break;
    default: {
      const fn = node as ts.FunctionLikeDeclaration;
      if (ts.isFunctionExpression(fn)) add(fn.name, "other");
      for (const p of fn.parameters ?? []) add(p.name, "parameter");
    }
  }
  return frame;
}

function addStatements(
  ts: TypeScript,
  frame: Map<string, Binding>,
  statements: readonly ts.Statement[],
  depth: number,
) {
  for (const statement of statements) {
    if (ts.isVariableStatement(statement)) {
      const list = statement.declarationList;
      // `using` shares flag bits with `const`: only a plain `const` keeps its initializer.
      const isConst = (list.flags & ts.NodeFlags.BlockScoped) === ts.NodeFlags.Const;
      for (const d of list.declarations) {
        const kind = isConst ? "const" : "let";
        addBindingName(ts, frame, d.name, { kind, init: ts.isIdentifier(d.name) ? d.initializer : undefined, depth });
      }
    } else if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.name) frame.set(clause.name.text, { kind: "import", depth });
      const named = clause?.namedBindings;
      if (named && ts.isNamespaceImport(named)) frame.set(named.name.text, { kind: "import", depth });
      else if (named) for (const el of named.elements) frame.set(el.name.text, { kind: "import", depth });
    } else if (
      ts.isFunctionDeclaration(statement) ||
      ts.isClassDeclaration(statement) ||
      ts.isEnumDeclaration(statement) ||
      ts.isImportEqualsDeclaration(statement)
    ) {
      const fn = ts.isFunctionDeclaration(statement) ? statement : undefined;
      if (statement.name) frame.set(statement.name.text, { kind: "other", depth, ...(fn && { fn }) });
    } else if (ts.isModuleDeclaration(statement) && ts.isIdentifier(statement.name)) {
      frame.set(statement.name.text, { kind: "other", depth });
    }
  }
}

/** Adds every name a binding pattern (`{ a, b: [c] }`) declares; only a plain name keeps its initializer. */
function addBindingName(ts: TypeScript, frame: Map<string, Binding>, name: ts.BindingName, binding: Binding) {
  if (ts.isIdentifier(name)) {
    frame.set(name.text, binding);
    return;
  }
  const bare: Binding = { kind: binding.kind === "parameter" ? "parameter" : "other", depth: binding.depth };
  for (const el of name.elements) {
    if (!ts.isOmittedExpression(el)) addBindingName(ts, frame, el.name, bare);
  }
}

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
}

export class ScopeStack {
  private readonly frames: Map<string, Binding>[] = [];

  constructor(private readonly ts: TypeScript) {}

  get depth(): number {
    return this.frames.length;
  }

  /** Pushes what `node` declares for its children; false (nothing pushed) when it declares nothing. */
  enter(node: ts.Node): boolean {
    const frame = new Map<string, Binding>();
    const depth = this.frames.length + 1;
    const ts = this.ts;
    const add = (name: ts.BindingName | undefined, kind: Binding["kind"], init?: ts.Expression) => {
      if (name) addBindingName(ts, frame, name, { kind, init, depth });
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
      case ts.SyntaxKind.FunctionDeclaration:
      case ts.SyntaxKind.FunctionExpression:
      case ts.SyntaxKind.ArrowFunction:
      case ts.SyntaxKind.MethodDeclaration:
      case ts.SyntaxKind.Constructor:
      case ts.SyntaxKind.GetAccessor:
      case ts.SyntaxKind.SetAccessor: {
        const fn = node as ts.FunctionLikeDeclaration;
        if (ts.isFunctionExpression(fn)) add(fn.name, "other");
        for (const p of fn.parameters) add(p.name, "parameter");
        break;
      }
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
    }
    if (frame.size === 0) return false;
    this.frames.push(frame);
    return true;
  }

  exit(): void {
    this.frames.pop();
  }

  /** The innermost declaration of `name` visible at `depth` (default: here). */
  lookup(name: string, depth = this.frames.length): Binding | undefined {
    for (let i = Math.min(depth, this.frames.length) - 1; i >= 0; i--) {
      const binding = this.frames[i].get(name);
      if (binding) return binding;
    }
    return undefined;
  }
}

function addStatements(ts: TypeScript, frame: Map<string, Binding>, statements: readonly ts.Statement[], depth: number) {
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
      if (statement.name) frame.set(statement.name.text, { kind: "other", depth });
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

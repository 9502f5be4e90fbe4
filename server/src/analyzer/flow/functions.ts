// Which function a call runs, when the flow can see its body: through the checker (any file of
// the program, imports, methods of typed receivers), else by syntax: in the call's own file (a
// function, a const arrow, `this.method()`, a const object's method, a class's static method),
// or through a relative import to a file the caller can hand over (`sourceFileOf`).
import { posix } from "node:path";
import type ts from "typescript";
import { constInitializer } from "../orm/chain";
import { strip } from "../orm/prisma-syntax";
import { enclosingClass, returnedObjects } from "../statements";
import { binds } from "./bindings";

export type FunctionWithBody = ts.FunctionLikeDeclaration & { body: ts.ConciseBody };

export class FunctionResolver {
  /** Per file, its top-level functions by name; built on the first call that asks. */
  private readonly locals = new Map<ts.SourceFile, Map<string, FunctionWithBody>>();

  private readonly imports = new Map<ts.SourceFile, Map<string, { from: string; name: string }>>();

  /** What a module exports by a name, once per file, name and depth (a barrel re-exports a hundred modules). */
  private readonly exports = new Map<string, FunctionWithBody | null>();

  /** The file a specifier names from a folder, by path (its tree may be dropped and parsed again). */
  private readonly modules = new Map<string, string | null>();

  constructor(
    private readonly tsm: typeof ts,
    private readonly checker?: ts.TypeChecker,
    /** Another file of the project by path, when the caller has it parsed (untyped mode). */
    private readonly sourceFileOf?: (fileName: string) => ts.SourceFile | undefined,
    /** Where a bare specifier may point (tsconfig `paths`), candidate paths without extension. */
    private readonly moduleCandidates?: (from: string, specifier: string) => readonly string[],
  ) {}

  /** The function a call runs, when its body can be seen. */
  resolve(call: ts.CallExpression): FunctionWithBody | undefined {
    const tsm = this.tsm;
    const callee = strip(tsm, call.expression);
    const name = tsm.isIdentifier(callee) ? callee : tsm.isPropertyAccessExpression(callee) ? callee.name : undefined;
    if (!name || !tsm.isIdentifier(name)) return undefined;
    const checker = this.checker;
    if (checker) {
      let symbol = checker.getSymbolAtLocation(name);
      if (symbol && symbol.flags & tsm.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
      for (const d of symbol?.declarations ?? []) {
        const fn = functionOf(tsm, d);
        if (fn && !fn.getSourceFile().isDeclarationFile) return fn;
      }
    }
    const file = call.getSourceFile();
    const local = this.localFunctions(file);
    if (tsm.isIdentifier(callee))
      return local.get(callee.text) ?? this.imported(file, callee.text) ?? this.dynamicImported(call, callee.text);
    if (!tsm.isPropertyAccessExpression(callee)) return undefined;
    const owner = strip(tsm, callee.expression);
    const cls = enclosingClass(tsm, call);
    if (owner.kind === tsm.SyntaxKind.ThisKeyword) {
      // A method of an object literal calling a sibling (`({ async remove() { await this.getOneOrThrow(...) } })`).
      const object = thisObject(tsm, call);
      if (object) {
        const m = object.properties.find((p) => p.name && tsm.isIdentifier(p.name) && p.name.text === name.text);
        return m && functionOf(tsm, m);
      }
      // Its own method, or one its base classes declare (`this.requireAccess(...)` of `BaseService`).
      for (let c = cls, depth = 0; c && depth <= MAX_BASES; c = this.baseClass(c), depth++) {
        const m = c.members.find((x) => x.name && tsm.isIdentifier(x.name) && x.name.text === name.text);
        if (m) return functionOf(tsm, m);
      }
      return undefined;
    }
    // `this.documents.byId(...)` with `documents: DocumentsRepository` declared on the class, or on a
    // base class (NestJS services that inject every repository once, in `BaseService`).
    if (tsm.isPropertyAccessExpression(owner) && owner.expression.kind === tsm.SyntaxKind.ThisKeyword) {
      for (let c = cls, depth = 0; c && depth <= MAX_BASES; c = this.baseClass(c), depth++) {
        const type = propertyType(tsm, c, owner.name.text);
        if (!type) continue;
        const at = c.getSourceFile();
        return this.localFunctions(at).get(`${type}#${name.text}`) ?? this.imported(at, type, `#${name.text}`);
      }
      return undefined;
    }
    // `new ProjectsRepository(workspaceId).find(id)`, or through `const repo = new ProjectsRepository(...)`.
    const made = tsm.isIdentifier(owner) ? constNew(tsm, owner) : tsm.isNewExpression(owner) ? owner : undefined;
    if (made && tsm.isIdentifier(made.expression)) {
      const cls = made.expression.text;
      return (
        local.get(`${cls}#${name.text}`) ??
        this.imported(file, cls, `#${name.text}`) ??
        this.inherited(file, cls, name.text)
      );
    }
    if (!tsm.isIdentifier(owner)) return undefined;
    return (
      local.get(`${owner.text}.${name.text}`) ??
      this.imported(file, owner.text, `.${name.text}`) ??
      this.dynamicImported(call, owner.text, name.text) ??
      this.injected(owner, name.text)
    );
  }

  /**
   * `tokenDAL.findById(id)` with `tokenDAL` a parameter (or a field of one) typed as what a factory
   * returns (`{ tokenDAL }: { tokenDAL: ReturnType<typeof tokenDALFactory> }`, infisical's services):
   * the method of the object the factory returns.
   */
  private injected(owner: ts.Identifier, method: string): FunctionWithBody | undefined {
    const type = this.parameterType(owner);
    const factory = type && this.factoryOf(type, 0);
    return factory && this.returnedMethod(factory, method);
  }

  /** The type a parameter is declared with, or of the field a destructuring parameter takes (`{ tokenDAL }: Dep`). */
  private parameterType(id: ts.Identifier): ts.TypeNode | undefined {
    const tsm = this.tsm;
    for (let scope: ts.Node | undefined = id.parent; scope; scope = scope.parent) {
      if (!tsm.isFunctionLike(scope)) continue;
      for (const p of scope.parameters) {
        if (tsm.isIdentifier(p.name)) {
          if (p.name.text === id.text) return p.type;
          continue;
        }
        if (!tsm.isObjectBindingPattern(p.name)) continue;
        const el = p.name.elements.find((e) => tsm.isIdentifier(e.name) && e.name.text === id.text);
        if (!el) continue;
        const field = el.propertyName && tsm.isIdentifier(el.propertyName) ? el.propertyName.text : id.text;
        return p.type && this.memberType(p.type, field, 0);
      }
      // The nearest function that binds the name decides; one that does not passes on.
      if (declaresLocal(tsm, scope, id.text)) return undefined;
    }
    return undefined;
  }

  /** The type of the member `name` of a type literal, an interface or an alias of one (intersections too). */
  private memberType(type: ts.TypeNode, name: string, depth: number): ts.TypeNode | undefined {
    const tsm = this.tsm;
    if (depth > 3) return undefined;
    if (tsm.isTypeLiteralNode(type) || tsm.isInterfaceDeclaration(type.parent)) {
      const members = tsm.isTypeLiteralNode(type) ? type.members : [];
      for (const m of members)
        if (tsm.isPropertySignature(m) && m.name && tsm.isIdentifier(m.name) && m.name.text === name) return m.type;
      return undefined;
    }
    if (tsm.isIntersectionTypeNode(type)) {
      for (const t of type.types) {
        const found = this.memberType(t, name, depth + 1);
        if (found) return found;
      }
      return undefined;
    }
    if (!tsm.isTypeReferenceNode(type) || !tsm.isIdentifier(type.typeName)) return undefined;
    const decl = this.typeNamed(type.getSourceFile(), type.typeName.text);
    if (decl && tsm.isTypeAliasDeclaration(decl)) return this.memberType(decl.type, name, depth + 1);
    if (decl && tsm.isInterfaceDeclaration(decl))
      for (const m of decl.members)
        if (tsm.isPropertySignature(m) && m.name && tsm.isIdentifier(m.name) && m.name.text === name) return m.type;
    return undefined;
  }

  /** `ReturnType<typeof tokenDALFactory>`, or an alias of it: the factory function. */
  private factoryOf(type: ts.TypeNode, depth: number): FunctionWithBody | undefined {
    const tsm = this.tsm;
    if (depth > 3 || !tsm.isTypeReferenceNode(type) || !tsm.isIdentifier(type.typeName)) return undefined;
    const file = type.getSourceFile();
    const query = type.typeName.text === "ReturnType" ? type.typeArguments?.[0] : undefined;
    if (query && tsm.isTypeQueryNode(query) && tsm.isIdentifier(query.exprName))
      return this.localFunctions(file).get(query.exprName.text) ?? this.imported(file, query.exprName.text);
    // `Pick<TTokenDALFactory, "findById">`: the methods it keeps are the factory's.
    const inner = WRAPPING_TYPES.has(type.typeName.text) ? type.typeArguments?.[0] : undefined;
    if (inner) return this.factoryOf(inner, depth + 1);
    const alias = this.typeNamed(file, type.typeName.text);
    return alias && tsm.isTypeAliasDeclaration(alias) ? this.factoryOf(alias.type, depth + 1) : undefined;
  }

  /**
   * The function a factory's returned object holds under `method`: `return { findById }` of a local
   * const, or a method of what a spread holds (`...ormify(db, TableName.Webhook)`, held in a const).
   */
  private returnedMethod(factory: FunctionWithBody, method: string, depth = 0): FunctionWithBody | undefined {
    const tsm = this.tsm;
    for (const object of returnedObjects(tsm, factory) ?? []) {
      const p = object.properties.find((x) => x.name && tsm.isIdentifier(x.name) && x.name.text === method);
      if (!p) {
        // The last spread gives what no property names (a later property would have won).
        const spreads = object.properties.filter(tsm.isSpreadAssignment);
        for (const spread of spreads.reverse()) {
          let held = strip(tsm, spread.expression);
          if (tsm.isIdentifier(held)) held = constInitializer(tsm, held) ?? held;
          const call = strip(tsm, held);
          const made = depth < 2 && tsm.isCallExpression(call) ? this.resolve(call) : undefined;
          const found = made && this.returnedMethod(made, method, depth + 1);
          if (found) return found;
        }
        continue;
      }
      if (tsm.isPropertyAssignment(p) || tsm.isMethodDeclaration(p)) return functionOf(tsm, p);
      if (!tsm.isShorthandPropertyAssignment(p) || !tsm.isBlock(factory.body)) return undefined;
      for (const st of factory.body.statements) {
        if (tsm.isFunctionDeclaration(st) && st.name?.text === method) return functionOf(tsm, st);
        if (!tsm.isVariableStatement(st) || !(st.declarationList.flags & tsm.NodeFlags.Const)) continue;
        const d = st.declarationList.declarations.find((x) => tsm.isIdentifier(x.name) && x.name.text === method);
        if (d) return functionOf(tsm, d);
      }
      return undefined;
    }
    return undefined;
  }

  /**
   * `const { deleteHandler } = await import("./delete.handler")` (cal.com's tRPC routers load their
   * handlers so), or `const mod = await import("./x")` then `mod.fn(...)`: the export the local
   * name holds, declared in a block around the call.
   */
  private dynamicImported(call: ts.CallExpression, local: string, member?: string): FunctionWithBody | undefined {
    const tsm = this.tsm;
    if (!this.sourceFileOf) return undefined;
    const file = call.getSourceFile();
    const resolveIn = (spec: ts.Expression | undefined, exported: string | undefined) => {
      const other =
        spec && tsm.isStringLiteral(spec) && exported ? this.moduleFile(file.fileName, spec.text) : undefined;
      return other && this.exported(other, exported!);
    };
    for (let n: ts.Node | undefined = call.parent; n; n = n.parent) {
      // The nearest binding of the name decides: a parameter (`import("./x").then((m) => m.fn())`), or a declaration.
      if (tsm.isFunctionLike(n)) {
        const param = n.parameters.find((p) => binds(tsm, p.name, local));
        if (!param) continue;
        const then = member !== undefined && tsm.isIdentifier(param.name) ? thenOfImport(tsm, n) : undefined;
        return then ? resolveIn(then, member) : undefined;
      }
      if (!tsm.isBlock(n) && !tsm.isSourceFile(n)) continue;
      for (const st of n.statements) {
        if ((tsm.isFunctionDeclaration(st) || tsm.isClassDeclaration(st)) && st.name?.text === local) return undefined;
        if (!tsm.isVariableStatement(st)) continue;
        for (const d of st.declarationList.declarations) {
          if (!binds(tsm, d.name, local)) continue;
          // Only a const before the call, initialised by the import: a `let` may be reassigned.
          if (!(st.declarationList.flags & tsm.NodeFlags.Const) || st.pos > call.pos) return undefined;
          let init = d.initializer && strip(tsm, d.initializer);
          while (init && tsm.isAwaitExpression(init)) init = strip(tsm, init.expression);
          const spec =
            init && tsm.isCallExpression(init) && init.expression.kind === tsm.SyntaxKind.ImportKeyword
              ? init.arguments[0]
              : undefined;
          if (!spec) return undefined;
          if (member === undefined && tsm.isObjectBindingPattern(d.name)) {
            const el = d.name.elements.find((e) => tsm.isIdentifier(e.name) && e.name.text === local);
            const prop = el && (el.propertyName ?? el.name);
            return resolveIn(spec, prop && tsm.isIdentifier(prop) ? prop.text : undefined);
          }
          return member !== undefined && tsm.isIdentifier(d.name) ? resolveIn(spec, member) : undefined;
        }
      }
    }
    return undefined;
  }

  /**
   * `new ApiKeysRepository(id).find(key)` with `find` declared by the base class: the base's method,
   * as the subclass runs it. A template method reading a member the subclass gives
   * (`from(this.scope)`, latitude's repositories) is read with the subclass's member in place
   * (boundTo): the base alone says nothing about which table it reads.
   */
  private inherited(file: ts.SourceFile, className: string, method: string): FunctionWithBody | undefined {
    const tsm = this.tsm;
    const sub = this.classNamed(file, className);
    if (!sub) return undefined;
    for (let c = this.baseClass(sub), depth = 0; c && depth < MAX_BASES; c = this.baseClass(c), depth++) {
      const member = c.members.find((m) => m.name && tsm.isIdentifier(m.name) && m.name.text === method);
      if (!member) continue;
      const fn = functionOf(tsm, member);
      return fn && (this.boundTo(member, fn, sub) ?? fn);
    }
    return undefined;
  }

  /**
   * The base class's method `member` as `sub` runs it, when it reads `this.x` members `sub`
   * declares: a copy of the base's file in which the base class's own `x` (abstract, or a default)
   * gives way to the subclass's, with the subclass file's imports and top-level consts added at its
   * end, so the method keeps its place and its lines. Without a checker only: a copy is no file of
   * the program.
   */
  private boundTo(
    member: ts.ClassElement,
    fn: FunctionWithBody,
    sub: ts.ClassLikeDeclaration,
  ): FunctionWithBody | undefined {
    const tsm = this.tsm;
    if (this.checker || !member.name || !tsm.isIdentifier(member.name)) return undefined;
    const base = member.parent;
    if (!tsm.isClassDeclaration(base) || !base.name) return undefined;
    const method = member.name.text;
    // Once per subclass tree and base tree, whichever file's analysis asks: the copy's queries are
    // then worked out once too (they are cached by the copy's tree).
    let known = boundCopies.get(sub);
    if (!known) boundCopies.set(sub, (known = new Map()));
    const cached = known.get(method);
    if (cached && cached.base === base.getSourceFile()) return cached.fn ?? undefined;
    const read = thisMembersRead(tsm, fn);
    const given = sub.members.filter(
      (m) =>
        !tsm.isConstructorDeclaration(m) &&
        !(tsm.getCombinedModifierFlags(m as ts.Declaration) & tsm.ModifierFlags.Static) &&
        m.name &&
        tsm.isIdentifier(m.name) &&
        read.has(m.name.text),
    );
    let found: FunctionWithBody | undefined;
    if (given.length) {
      const names = new Set(given.map((m) => (m.name as ts.Identifier).text));
      const baseFile = base.getSourceFile();
      const subFile = sub.getSourceFile();
      // The base's own members of those names, blanked in place (newlines kept, so lines stay).
      const blanked = base.members
        .filter((m) => m.name && tsm.isIdentifier(m.name) && names.has(m.name.text))
        .sort((a, b) => b.getStart() - a.getStart());
      let text = baseFile.text;
      for (const m of blanked)
        text = text.slice(0, m.getStart()) + text.slice(m.getStart(), m.end).replace(/[^\n]/g, " ") + text.slice(m.end);
      const close = base.end - 1;
      text = `${text.slice(0, close)}\n${given.map((m) => m.getText(subFile)).join("\n")}\n${text.slice(close)}`;
      text += `\n${subDeclarations(tsm, subFile, baseFile).join("\n")}\n`;
      const copy = tsm.createSourceFile(baseFile.fileName, text, tsm.ScriptTarget.Latest, true);
      const cls = copy.statements.find(
        (st): st is ts.ClassDeclaration => tsm.isClassDeclaration(st) && st.name?.text === base.name!.text,
      );
      const m = cls?.members.find((x) => x.name && tsm.isIdentifier(x.name) && x.name.text === method);
      found = m && functionOf(tsm, m);
    }
    known.set(method, { base: base.getSourceFile(), fn: found ?? null });
    return found;
  }

  /** The class `cls` extends, declared in its file or imported from another one the caller handed over. */
  private baseClass(cls: ts.ClassLikeDeclaration): ts.ClassLikeDeclaration | undefined {
    const tsm = this.tsm;
    const clause = cls.heritageClauses?.find((h) => h.token === tsm.SyntaxKind.ExtendsKeyword);
    const base = clause?.types[0] && strip(tsm, clause.types[0].expression);
    if (!base || !tsm.isIdentifier(base)) return undefined;
    return this.classNamed(cls.getSourceFile(), base.text);
  }

  /** The class `name` names in `file`: declared there, or imported from a file the caller handed over. */
  classNamed(file: ts.SourceFile, name: string): ts.ClassDeclaration | undefined {
    return this.typeNamed(file, name, true) as ts.ClassDeclaration | undefined;
  }

  /** The class, interface or type alias `name` names in `file`: declared there, or imported from a file the caller handed over. */
  typeNamed(
    file: ts.SourceFile,
    name: string,
    classOnly = false,
  ): ts.ClassDeclaration | ts.InterfaceDeclaration | ts.TypeAliasDeclaration | undefined {
    const tsm = this.tsm;
    return this.declaredIn(
      file,
      name,
      (st): st is ts.ClassDeclaration | ts.InterfaceDeclaration | ts.TypeAliasDeclaration =>
        tsm.isClassDeclaration(st) ||
        (!classOnly && (tsm.isInterfaceDeclaration(st) || tsm.isTypeAliasDeclaration(st))),
    );
  }

  /** The enum `name` names in `file` (`TableName`): declared there, or imported (through barrels too). */
  enumNamed(file: ts.SourceFile, name: string): ts.EnumDeclaration | undefined {
    return this.declaredIn(file, name, this.tsm.isEnumDeclaration);
  }

  /** A declaration `match` accepts, by `name` in `file`, or in the module it is imported from, or a barrel's. */
  private declaredIn<T extends ts.DeclarationStatement>(
    file: ts.SourceFile,
    name: string,
    match: (st: ts.Statement) => st is T,
  ): T | undefined {
    const tsm = this.tsm;
    // By its name, or `export default class` for a default import.
    const declared = (f: ts.SourceFile, name: string) =>
      f.statements.find(
        (st): st is T =>
          match(st) &&
          (name === "default"
            ? !!(
                tsm.canHaveModifiers(st) && tsm.getModifiers(st)?.some((m) => m.kind === tsm.SyntaxKind.DefaultKeyword)
              )
            : !!st.name && tsm.isIdentifier(st.name) && st.name.text === name),
      );
    const own = declared(file, name);
    if (own) return own;
    const binding = this.sourceFileOf && this.importsOf(file).get(name);
    const other = binding && binding.name !== "*" ? this.moduleFile(file.fileName, binding.from) : undefined;
    // Declared there, or re-exported by a barrel (`export * from "./projectsRepository"`).
    const through = (f: ts.SourceFile, name: string, depth: number): T | undefined => {
      const found = declared(f, name);
      if (found || depth >= 3) return found;
      for (const r of this.reexports(f, name)) {
        const hit = through(r.file, r.name, depth + 1);
        if (hit) return hit;
      }
      return undefined;
    };
    return other && through(other, binding!.name, 0);
  }

  /**
   * What the top-level const `id` names is initialised with: in `id`'s own file, or exported by the
   * module it is imported from (`export const teamProcedure = t.procedure.use(...)`).
   */
  constValue(id: ts.Identifier): ts.Expression | undefined {
    const file = id.getSourceFile();
    const own = topLevelConst(this.tsm, file, id.text);
    if (own) return own;
    const binding = this.sourceFileOf && this.importsOf(file).get(id.text);
    const other = binding && binding.name !== "*" ? this.moduleFile(file.fileName, binding.from) : undefined;
    return other && topLevelConst(this.tsm, other, binding!.name);
  }

  /** A method of a class named where `at` sits, declared there or imported (`CollectionGuard#canActivate`). */
  method(at: ts.SourceFile, className: string, method: string): FunctionWithBody | undefined {
    return this.localFunctions(at).get(`${className}#${method}`) ?? this.imported(at, className, `#${method}`);
  }

  /** `import { getDoc } from "./repo"` then `getDoc()`, `import * as repo` then `repo.getDoc()`. */
  private imported(file: ts.SourceFile, local: string, member = ""): FunctionWithBody | undefined {
    const binding = this.sourceFileOf && this.importsOf(file).get(local);
    const other = binding && this.moduleFile(file.fileName, binding.from);
    if (!binding || !other) return undefined;
    if (binding.name === "*") return member.startsWith(".") ? this.exported(other, member.slice(1)) : undefined;
    return this.exported(other, binding.name, member);
  }

  /** A function a module exports: its own, or one a barrel re-exports (`export * from "./x"`, `export { a } from "./x"`). */
  private exported(file: ts.SourceFile, name: string, member = "", depth = 0): FunctionWithBody | undefined {
    const key = `${file.fileName}\0${name}\0${member}\0${depth}`;
    const known = this.exports.get(key);
    if (known !== undefined) return known ?? undefined;
    const found = this.exportedUncached(file, name, member, depth);
    this.exports.set(key, found ?? null);
    return found;
  }

  private exportedUncached(
    file: ts.SourceFile,
    name: string,
    member: string,
    depth: number,
  ): FunctionWithBody | undefined {
    const own = this.localFunctions(file).get(`${name}${member}`);
    if (own || depth >= 3) return own;
    for (const r of this.reexports(file, name)) {
      const found = this.exported(r.file, r.name, member, depth + 1);
      if (found) return found;
    }
    return undefined;
  }

  /**
   * Where a barrel sends `name`: each module an `export * from "./x"` or `export { a as name } from
   * "./x"` names, with the name it has there.
   */
  private reexports(file: ts.SourceFile, name: string): { file: ts.SourceFile; name: string }[] {
    const tsm = this.tsm;
    const out: { file: ts.SourceFile; name: string }[] = [];
    for (const st of file.statements) {
      if (!tsm.isExportDeclaration(st) || !st.moduleSpecifier || !tsm.isStringLiteral(st.moduleSpecifier)) continue;
      const clause = st.exportClause;
      const el = clause && tsm.isNamedExports(clause) ? clause.elements.find((e) => e.name.text === name) : undefined;
      if (clause && !el) continue;
      const target = this.moduleFile(file.fileName, st.moduleSpecifier.text);
      if (target) out.push({ file: target, name: el?.propertyName?.text ?? name });
    }
    return out;
  }

  /** A file's imports by local name: the module and the name it exports (`*` for a namespace import, `default`). */
  importsOf(file: ts.SourceFile): ReadonlyMap<string, { from: string; name: string }> {
    const tsm = this.tsm;
    let index = this.imports.get(file);
    if (index) return index;
    this.imports.set(file, (index = new Map()));
    for (const st of file.statements) {
      if (!tsm.isImportDeclaration(st) || !tsm.isStringLiteral(st.moduleSpecifier)) continue;
      const bindings = st.importClause?.namedBindings;
      const from = st.moduleSpecifier.text;
      // `import getPermission from "./permissions"`: the module's default export, under any name.
      if (st.importClause?.name) index.set(st.importClause.name.text, { from, name: "default" });
      if (bindings && tsm.isNamespaceImport(bindings)) index.set(bindings.name.text, { from, name: "*" });
      if (bindings && tsm.isNamedImports(bindings))
        for (const el of bindings.elements) index.set(el.name.text, { from, name: (el.propertyName ?? el.name).text });
    }
    return index;
  }

  /**
   * Whether `specifier`, imported by `from`, may name the project file `target`: a relative path,
   * one the project maps (tsconfig `paths`, `@/` aliases) or a scoped workspace package may; a bare
   * name (`tldts`, `aws-sdk/x`) only when `target` sits in a folder of that name (a workspace
   * package `db` in `packages/db`): else it is a dependency in node_modules.
   */
  mayNameFile(from: string, specifier: string, target: string): boolean {
    if (
      specifier.startsWith(".") ||
      specifier.startsWith("/") ||
      /^[@~#]\//.test(specifier) ||
      specifier.startsWith("#")
    )
      return true;
    if (this.moduleCandidates?.(from, specifier).length) return true;
    // A scoped name may be a workspace package in any folder (`@acme/db` in `packages/database`).
    if (specifier.startsWith("@")) return true;
    // `db` (a workspace package in `packages/db`), `src/team/team.service` from the project's
    // baseUrl: a folder of the project by its first segment.
    const path = `/${target.replace(/\\/g, "/")}`;
    const [first] = specifier.split("/");
    return path.includes(`/${first}/`);
  }

  /** The file a relative module specifier names (`./repo`, `../lib/repo.js`, `./repo/index`). */
  private moduleFile(from: string, specifier: string): ts.SourceFile | undefined {
    const folder = from.replace(/\\/g, "/").replace(/\/[^/]*$/, "");
    const key = `${folder}\0${specifier}`;
    const known = this.modules.get(key);
    if (known === null) return undefined;
    const hit = known !== undefined ? this.sourceFileOf!(known) : undefined;
    if (hit) return hit;
    const found = this.moduleFileUncached(from, specifier);
    this.modules.set(key, found ? found.fileName : null);
    return found;
  }

  private moduleFileUncached(from: string, specifier: string): ts.SourceFile | undefined {
    const dir = from.replace(/\\/g, "/").split("/").slice(0, -1);
    if (specifier.startsWith(".")) return this.fileAt(dir, specifier);
    // The project's own mapping first (tsconfig `paths`, `baseUrl`), then the guesses below.
    for (const candidate of this.moduleCandidates?.(from, specifier) ?? []) {
      const path = candidate.replace(/\\/g, "/");
      const found = this.fileAt(path.startsWith("/") ? [""] : [], path);
      if (found) return found;
    }
    // A project alias for its source root (`@/lib/tags`, `~/lib/tags`, tsconfig `"@/*": ["./*"]`):
    // the nearest folder above the importing file where the rest of the path is a file.
    const alias = /^[@~#]\//.exec(specifier);
    if (alias) {
      const rest = specifier.slice(alias[0].length);
      for (let up = dir.length; up > 0; up--) {
        const found = this.fileAt(dir.slice(0, up), rest);
        if (found) return found;
      }
      return undefined;
    }
    // A workspace package of a monorepo (`@acme/lib/utils/teams`): `packages/lib/utils/teams`, or
    // `lib/utils/teams`, or its `src/`, in a folder above the importing file.
    const pkg = /^@[\w.-]+\/([\w.-]+)(?:\/(.*))?$/.exec(specifier);
    if (!pkg) return this.fromBaseUrl(dir, specifier);
    const [, name, rest = "index"] = pkg;
    for (let up = dir.length; up > 0; up--)
      for (const base of [`packages/${name}`, `apps/${name}`, name!])
        for (const path of [`${base}/${rest}`, `${base}/src/${rest}`]) {
          const found = this.fileAt(dir.slice(0, up), path);
          if (found) return found;
        }
    return undefined;
  }

  /**
   * A path from the project's `baseUrl` (`import { TeamService } from "src/team/team.service"`): a
   * file under a folder above the importing file. Only paths of two segments or more: a bare
   * package name (`lodash`) is no file of the project.
   */
  private fromBaseUrl(dir: readonly string[], specifier: string): ts.SourceFile | undefined {
    if (!/^[\w-]+\/[\w./-]+$/.test(specifier)) return undefined;
    for (let up = dir.length; up > 0; up--) {
      const found = this.fileAt(dir.slice(0, up), specifier);
      if (found) return found;
    }
    return undefined;
  }

  private fileAt(dir: readonly string[], specifier: string): ts.SourceFile | undefined {
    const parts = [...dir];
    for (const segment of specifier.split("/")) {
      if (segment === "..") parts.pop();
      else if (segment !== "." && segment) parts.push(segment);
    }
    const base = parts.join("/");
    const stem = base.replace(/\.[cm]?js$/, "");
    for (const candidate of [`${stem}.ts`, `${stem}.tsx`, `${stem}/index.ts`, base]) {
      const found = this.sourceFileOf!(candidate);
      if (found) return found;
    }
    return undefined;
  }

  /**
   * A file's top-level functions and const arrows (`name`), const objects' methods and classes'
   * static methods (`Owner.name`), classes' instance methods (`Class#name`).
   */
  private localFunctions(file: ts.SourceFile): Map<string, FunctionWithBody> {
    const tsm = this.tsm;
    let index = this.locals.get(file);
    if (index) return index;
    this.locals.set(file, (index = new Map()));
    const add = (name: string, node: ts.Node) => {
      const fn = functionOf(tsm, node);
      if (fn && !index!.has(name)) index!.set(name, fn);
    };
    let exportedDefault: ts.Expression | undefined;
    let defaultClass: string | undefined;
    for (const st of file.statements) {
      if (tsm.isClassDeclaration(st) && st.name && st.modifiers?.some((m) => m.kind === tsm.SyntaxKind.DefaultKeyword))
        defaultClass = st.name.text;
      if (tsm.isFunctionDeclaration(st) && st.name) add(st.name.text, st);
      // `export default async function getPermission(...)`, named or not.
      if (tsm.isFunctionDeclaration(st) && st.modifiers?.some((m) => m.kind === tsm.SyntaxKind.DefaultKeyword))
        add("default", st);
      // `export default getPermission;`, `export default async (...) => {...}`.
      if (tsm.isExportAssignment(st) && !st.isExportEquals) exportedDefault = strip(tsm, st.expression);
      if (tsm.isClassDeclaration(st) && st.name)
        for (const m of st.members) {
          if (!m.name || !tsm.isIdentifier(m.name)) continue;
          const isStatic = tsm.getCombinedModifierFlags(m as ts.Declaration) & tsm.ModifierFlags.Static;
          add(`${st.name.text}${isStatic ? "." : "#"}${m.name.text}`, m);
        }
      if (!tsm.isVariableStatement(st) || !(tsm.getCombinedNodeFlags(st.declarationList) & tsm.NodeFlags.Const))
        continue;
      for (const d of st.declarationList.declarations) {
        if (!tsm.isIdentifier(d.name) || !d.initializer) continue;
        add(d.name.text, d);
        const init = strip(tsm, d.initializer);
        if (tsm.isObjectLiteralExpression(init))
          for (const p of init.properties)
            if (p.name && tsm.isIdentifier(p.name)) add(`${d.name.text}.${p.name.text}`, p);
      }
    }
    if (exportedDefault && tsm.isIdentifier(exportedDefault)) {
      const named = index.get(exportedDefault.text);
      if (named && !index.has("default")) index.set("default", named);
      defaultClass ??= exportedDefault.text;
    } else if (exportedDefault) add("default", exportedDefault);
    // `class TenantUserRepository { static ... }; export default TenantUserRepository` (crowd.dev): its
    // methods under the name importers give it, `default`.
    if (defaultClass)
      for (const [key, fn] of [...index])
        if (key.startsWith(`${defaultClass}.`) || key.startsWith(`${defaultClass}#`))
          if (!index.has(`default${key.slice(defaultClass.length)}`))
            index.set(`default${key.slice(defaultClass.length)}`, fn);
    return index;
  }
}

/** The members of `this` a method reads (`this.scope`, `this.scope.id`), not counting nested functions' own `this`. */
function thisMembersRead(tsm: typeof ts, fn: FunctionWithBody): Set<string> {
  const names = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (tsm.isPropertyAccessExpression(n) && n.expression.kind === tsm.SyntaxKind.ThisKeyword) names.add(n.name.text);
    if ((tsm.isFunctionLike(n) && !tsm.isArrowFunction(n)) || tsm.isClassLike(n)) return;
    tsm.forEachChild(n, visit);
  };
  tsm.forEachChild(fn.body, visit);
  return names;
}

/**
 * What a subclass's members may need from their own file, for a copy of the base's file: its
 * imports (relative paths rewritten for the base's folder) and top-level consts the base's file
 * does not declare itself (`const tt = getTableColumns(apiKeys)`).
 */
function subDeclarations(tsm: typeof ts, subFile: ts.SourceFile, baseFile: ts.SourceFile): string[] {
  if (subFile === baseFile) return [];
  const from = posix.dirname(subFile.fileName.replace(/\\/g, "/"));
  const to = posix.dirname(baseFile.fileName.replace(/\\/g, "/"));
  const declared = new Set<string>();
  for (const st of baseFile.statements)
    if (tsm.isVariableStatement(st))
      for (const d of st.declarationList.declarations) if (tsm.isIdentifier(d.name)) declared.add(d.name.text);
  const out: string[] = [];
  for (const st of subFile.statements) {
    if (tsm.isImportDeclaration(st) && tsm.isStringLiteral(st.moduleSpecifier)) {
      const spec = st.moduleSpecifier.text;
      if (!spec.startsWith(".") || from === to) {
        out.push(st.getText(subFile));
        continue;
      }
      let moved = posix.relative(to, posix.join(from, spec));
      if (!moved.startsWith(".")) moved = `./${moved}`;
      const at = st.moduleSpecifier.getStart(subFile) - st.getStart(subFile);
      const own = st.getText(subFile);
      out.push(`${own.slice(0, at)}${JSON.stringify(moved)}${own.slice(at + st.moduleSpecifier.getWidth(subFile))}`);
    } else if (
      tsm.isVariableStatement(st) &&
      st.declarationList.flags & tsm.NodeFlags.Const &&
      st.declarationList.declarations.every((d) => tsm.isIdentifier(d.name) && !declared.has(d.name.text))
    )
      out.push(st.getText(subFile));
  }
  return out;
}

/** Whether a function declares `name` itself (a variable of its body), hiding an outer binding. */
function declaresLocal(tsm: typeof ts, fn: ts.SignatureDeclaration, name: string): boolean {
  const body = (fn as ts.FunctionLikeDeclaration).body;
  if (!body || !tsm.isBlock(body)) return false;
  return body.statements.some(
    (st) => tsm.isVariableStatement(st) && st.declarationList.declarations.some((d) => binds(tsm, d.name, name)),
  );
}

/** Type wrappers that keep (some of) the members of their first argument. */
const WRAPPING_TYPES = new Set(["Pick", "Omit", "Partial", "Readonly", "Required"]);

/**
 * Whether `fn` is a method a factory returns: a const (or function) of a function's body that the
 * function's returned object holds (`const findById = ...; return { findById }`).
 */
export function factoryMethodOf(tsm: typeof ts, fn: FunctionWithBody): ts.ObjectLiteralExpression[] | undefined {
  const holder = tsm.isFunctionDeclaration(fn) ? fn : fn.parent;
  const name =
    holder && (tsm.isFunctionDeclaration(holder) || tsm.isVariableDeclaration(holder)) ? holder.name : undefined;
  if (!name || !tsm.isIdentifier(name)) return undefined;
  const block = tsm.isFunctionDeclaration(holder) ? holder.parent : holder.parent?.parent?.parent;
  const factory = block && tsm.isBlock(block) ? block.parent : undefined;
  if (!factory || !tsm.isFunctionLike(factory)) return undefined;
  const objects = (returnedObjects(tsm, factory as ts.FunctionLikeDeclaration) ?? []).filter((o) =>
    o.properties.some(
      (p) =>
        (tsm.isShorthandPropertyAssignment(p) && p.name.text === name.text) ||
        (tsm.isPropertyAssignment(p) &&
          tsm.isIdentifier(p.initializer) &&
          p.initializer.text === name.text &&
          tsm.isIdentifier(p.name) &&
          p.name.text === name.text),
    ),
  );
  return objects.length ? objects : undefined;
}

/** Per subclass and method, the base's method read with the subclass's members (null: it reads none of them). */
const boundCopies = new WeakMap<
  ts.ClassLikeDeclaration,
  Map<string, { base: ts.SourceFile; fn: FunctionWithBody | null }>
>();

/** How many base classes are searched for a method or an injected property. */
const MAX_BASES = 3;

export function functionOf(tsm: typeof ts, d: ts.Node): FunctionWithBody | undefined {
  let node: ts.Node | undefined = d;
  if (tsm.isVariableDeclaration(d) || tsm.isPropertyAssignment(d) || tsm.isPropertyDeclaration(d))
    node = d.initializer && strip(tsm, d.initializer);
  if (!node) return undefined;
  // `export const getTag = cache(async (id) => ...)`: a memoizing wrapper calls the function with its own
  // arguments (openpanel's `cacheable("getAccess", async (...) => ..., ttl)` names its cache first).
  if (tsm.isCallExpression(node) && isMemoizer(tsm, node.expression)) {
    const wrapped = memoizedFunction(tsm, node);
    // `cacheable(getProjectAccess, ttl)`: a function of the same file, by name.
    if (wrapped && tsm.isIdentifier(wrapped)) return namedFunction(tsm, wrapped.getSourceFile(), wrapped.text);
    if (wrapped) node = wrapped;
  }
  const isFn =
    tsm.isFunctionDeclaration(node) ||
    tsm.isMethodDeclaration(node) ||
    tsm.isArrowFunction(node) ||
    tsm.isFunctionExpression(node);
  return isFn && (node as ts.FunctionLikeDeclaration).body ? (node as FunctionWithBody) : undefined;
}

/** The type a class declares for a property (or a constructor parameter property), by name: `DocumentsRepository`. */
export function propertyType(tsm: typeof ts, cls: ts.ClassLikeDeclaration, name: string): string | undefined {
  const named = (n: ts.BindingName | ts.PropertyName) => tsm.isIdentifier(n) && n.text === name;
  let type: ts.TypeNode | undefined;
  for (const m of cls.members) {
    if (tsm.isPropertyDeclaration(m) && named(m.name)) type = m.type;
    if (tsm.isConstructorDeclaration(m))
      type ??= m.parameters.find(
        (p) => named(p.name) && tsm.getCombinedModifierFlags(p) & tsm.ModifierFlags.ParameterPropertyModifier,
      )?.type;
  }
  return type && tsm.isTypeReferenceNode(type) && tsm.isIdentifier(type.typeName) ? type.typeName.text : undefined;
}

/** The name callers use for a function: its own, the const or property it is assigned to (through a wrapper call). */
export function functionNameOf(tsm: typeof ts, fn: FunctionWithBody): string | undefined {
  if ((tsm.isFunctionDeclaration(fn) || tsm.isMethodDeclaration(fn)) && fn.name)
    return tsm.isIdentifier(fn.name) ? fn.name.text : undefined;
  // `archiveResults = (prisma) => async (args) => ...`: the inner function is called as `archiveResults(prisma)(args)`.
  const outer = curriedOuter(tsm, fn);
  if (outer) return functionNameOf(tsm, outer);
  let parent = fn.parent;
  if (tsm.isParenthesizedExpression(parent)) parent = parent.parent;
  if (tsm.isCallExpression(parent) && isMemoizer(tsm, parent.expression) && memoizedFunction(tsm, parent) === fn)
    parent = parent.parent;
  if (
    (tsm.isVariableDeclaration(parent) || tsm.isPropertyAssignment(parent) || tsm.isPropertyDeclaration(parent)) &&
    tsm.isIdentifier(parent.name)
  )
    return parent.name.text;
  return undefined;
}

/** The function whose expression body `fn` is (`(prisma) => async (args) => ...`, typebot's data layer). */
export function curriedOuter(tsm: typeof ts, fn: ts.Node): FunctionWithBody | undefined {
  let at: ts.Node = fn;
  while (tsm.isParenthesizedExpression(at.parent)) at = at.parent;
  const outer = at.parent;
  return outer && (tsm.isArrowFunction(outer) || tsm.isFunctionExpression(outer)) && outer.body === at
    ? (outer as FunctionWithBody)
    : undefined;
}

/**
 * Wrappers that return a function taking the same arguments (`cache`, `React.cache`,
 * `unstable_cache`, `memoize`): others (`withUser(fn)`) may pass the function anything.
 */
const MEMOIZERS = /^(?:cache|reactCache|unstable_cache|memoize|memoizeOne|memoizee|pMemoize|memo|once|cacheable)$/;

/** The function a memoizer wraps: its first argument, or the first after a cache name (`cacheable("name", fn, ttl)`). */
function memoizedFunction(tsm: typeof ts, call: ts.CallExpression): ts.Expression | undefined {
  const [first, second] = call.arguments.map((a) => strip(tsm, a));
  return first && tsm.isStringLiteralLike(first) ? second : first;
}

export function isMemoizer(tsm: typeof ts, callee: ts.Expression): boolean {
  const c = strip(tsm, callee);
  if (tsm.isIdentifier(c)) return MEMOIZERS.test(c.text);
  return tsm.isPropertyAccessExpression(c) && MEMOIZERS.test(c.name.text);
}

/** A top-level `function name() {}` or `const name = () => ...` of the file. */
function namedFunction(tsm: typeof ts, file: ts.SourceFile, name: string): FunctionWithBody | undefined {
  for (const st of file.statements)
    if (tsm.isFunctionDeclaration(st) && st.name?.text === name && st.body) return st as FunctionWithBody;
  const init = topLevelConst(tsm, file, name);
  const f = init && strip(tsm, init);
  return f && (tsm.isArrowFunction(f) || tsm.isFunctionExpression(f)) ? (f as FunctionWithBody) : undefined;
}

/** The initializer of a top-level `const name = ...` of the file. */
function topLevelConst(tsm: typeof ts, file: ts.SourceFile, name: string): ts.Expression | undefined {
  for (const st of file.statements) {
    if (!tsm.isVariableStatement(st) || !(tsm.getCombinedNodeFlags(st.declarationList) & tsm.NodeFlags.Const)) continue;
    for (const d of st.declarationList.declarations)
      if (tsm.isIdentifier(d.name) && d.name.text === name && d.initializer) return d.initializer;
  }
  return undefined;
}

/** `new C(...)` a const in scope is initialised with. */
function constNew(tsm: typeof ts, id: ts.Identifier): ts.NewExpression | undefined {
  const init = constInitializer(tsm, id);
  const e = init && strip(tsm, tsm.isAwaitExpression(init) ? init.expression : init);
  return e && tsm.isNewExpression(e) ? e : undefined;
}

/**
 * The object literal `this` is inside a method of (`{ async remove() { this.x() } }`, or a
 * `function` expression as a property's value); arrow functions take `this` from outside, so they
 * are passed through, and a class or another function in between means another `this`.
 */
function thisObject(tsm: typeof ts, at: ts.Node): ts.ObjectLiteralExpression | undefined {
  for (let n: ts.Node | undefined = at.parent; n; n = n.parent) {
    if (tsm.isArrowFunction(n)) continue;
    if (tsm.isMethodDeclaration(n) && tsm.isObjectLiteralExpression(n.parent)) return n.parent;
    if (
      tsm.isFunctionExpression(n) &&
      tsm.isPropertyAssignment(n.parent) &&
      tsm.isObjectLiteralExpression(n.parent.parent)
    )
      return n.parent.parent;
    if (tsm.isFunctionLike(n) || tsm.isClassLike(n)) return undefined;
  }
  return undefined;
}

/** `import("./x").then((m) => ...)`: the specifier of the import whose `.then` callback `fn` is. */
function thenOfImport(tsm: typeof ts, fn: ts.SignatureDeclaration): ts.Expression | undefined {
  let at: ts.Node = fn;
  while (tsm.isParenthesizedExpression(at.parent)) at = at.parent;
  const then = at.parent;
  if (!tsm.isCallExpression(then) || then.arguments[0] !== at || !tsm.isPropertyAccessExpression(then.expression))
    return undefined;
  if (then.expression.name.text !== "then") return undefined;
  const imported = strip(tsm, then.expression.expression);
  return tsm.isCallExpression(imported) && imported.expression.kind === tsm.SyntaxKind.ImportKeyword
    ? imported.arguments[0]
    : undefined;
}

// Which client a query runs through: one of the config's tenant-scoped clients (`clients.scoped`,
// which set the tenant themselves), one of its root clients (`clients.unscoped`, which reach every
// tenant), or neither. The receiver is followed through local aliases, destructuring, imports
// (across files and re-exports when a TypeChecker exists), `this.x` fields, parameters (by their
// type annotation, through type aliases and `ReturnType<typeof factory>`, or as the callback
// parameter of `withTenant(id, (tx) => ...)` and `x.$transaction((tx) => ...)`), and `$extends` results.
import type ts from "typescript";
import { enclosingClass, skipOuterAndAwait, thisAssignments } from "../statements";
import type { ResolvedConfig } from "../config/types";

export type ReceiverKind = "scoped" | "unscoped" | "unknown";

export interface ReceiverClass {
  kind: ReceiverKind;
  /** The configured name that decided it (`tenantDb`, `prisma`, `TenantPrisma`). */
  name?: string;
  /** How the receiver reached that name, for messages (`tx` of `prisma.$transaction`). */
  via?: string;
}

export interface ClientResolveContext {
  ts: typeof ts;
  sourceFile: ts.SourceFile;
  checker?: ts.TypeChecker;
  config: Pick<ResolvedConfig, "clients">;
}

const UNKNOWN: ReceiverClass = { kind: "unknown" };
const MAX_DEPTH = 8;

/** Classifies the client expression a query runs through. Never throws. */
export function classifyReceiver(ctx: ClientResolveContext, expr: ts.Expression): ReceiverClass {
  const { scoped, unscoped } = ctx.config.clients;
  if (!scoped.length && !unscoped.length) return UNKNOWN;
  try {
    return classify(ctx, expr, 0, new Set());
  } catch {
    return UNKNOWN;
  }
}

/** The name a configured list may hold for `e`: `tenantDb`, `this.db`, `getTenantDb` of `getTenantDb(ctx)`. */
export function matchConfigured(ctx: ClientResolveContext, e: ts.Node): ReceiverClass | undefined {
  const tsm = ctx.ts;
  const candidates: string[] = [];
  const target = tsm.isCallExpression(e) ? e.expression : e;
  if (tsm.isIdentifier(target)) candidates.push(target.text);
  else if (tsm.isPropertyAccessExpression(target)) candidates.push(textOf(target), target.name.text);
  for (const list of ["scoped", "unscoped"] as const) {
    const hit = candidates.find((c) => ctx.config.clients[list].includes(c));
    if (hit) return { kind: list, name: hit };
  }
  return undefined;
}

function classify(ctx: ClientResolveContext, expr: ts.Expression, depth: number, seen: Set<ts.Node>): ReceiverClass {
  const tsm = ctx.ts;
  const e = skipOuterAndAwait(tsm, expr);
  if (depth > MAX_DEPTH || seen.has(e)) return UNKNOWN;
  seen.add(e);
  // A declared type says what the value is, whatever the variable is called (`prisma: TenantPrisma`).
  if (tsm.isIdentifier(e)) {
    const b = findBinding(tsm, e);
    const type = b && b.kind !== "import" ? b.decl.type : undefined;
    const typed = type && typeNodeClass(ctx, type);
    if (typed) return { ...typed, via: typed.via ?? `${e.text}: ${textOf(type!)}` };
  }
  const direct = matchConfigured(ctx, e);
  if (direct) return direct;
  const next = (n: ts.Expression | undefined, via?: string): ReceiverClass => {
    if (!n) return UNKNOWN;
    const r = classify(ctx, n, depth + 1, seen);
    return r.kind !== "unknown" && via && !r.via ? { ...r, via } : r;
  };

  if (tsm.isCallExpression(e)) {
    const callee = skipOuterAndAwait(tsm, e.expression);
    // `prisma.$extends(forTenant(id))`: scoped when the extension is a scoped one; otherwise it is
    // the base client with behaviour added, which may or may not inject the tenant.
    if (tsm.isPropertyAccessExpression(callee) && callee.name.text === "$extends") {
      for (const arg of e.arguments) {
        const r = matchConfigured(ctx, skipOuterAndAwait(tsm, arg));
        if (r?.kind === "scoped") return { ...r, via: `${textOf(callee.expression)}.$extends(...)` };
      }
      return byType(ctx, e) ?? UNKNOWN;
    }
    // `await pool.connect()`: a connection checked out of a client is that client's kind; so is a
    // TypeORM repository taken from it (`AppDataSource.getRepository(Order)`).
    if (
      tsm.isPropertyAccessExpression(callee) &&
      (CHECKOUT_METHODS.has(callee.name.text) || REPOSITORY_GETTERS.has(callee.name.text))
    ) {
      const r = next(callee.expression);
      if (r.kind !== "unknown") return r;
    }
    return byType(ctx, e) ?? UNKNOWN;
  }

  if (tsm.isPropertyAccessExpression(e)) {
    // `AppDataSource.manager`: the entity manager runs on its data source's connections.
    if (e.name.text === "manager" && e.expression.kind !== tsm.SyntaxKind.ThisKeyword) {
      const r = next(e.expression);
      if (r.kind !== "unknown") return r;
    }
    if (e.expression.kind === tsm.SyntaxKind.ThisKeyword) {
      const field = thisField(tsm, e);
      for (const source of field) {
        const r = tsm.isTypeNode(source) ? typeNodeClass(ctx, source) : next(source as ts.Expression);
        if (r && r.kind !== "unknown") return { ...r, via: r.via ?? textOf(e) };
      }
    }
    return byType(ctx, e) ?? UNKNOWN;
  }

  if (!tsm.isIdentifier(e)) return byType(ctx, e) ?? UNKNOWN;

  const binding = findBinding(tsm, e);
  if (binding?.kind === "variable") {
    const decl = binding.decl;
    const fromType = decl.type && typeNodeClass(ctx, decl.type);
    if (fromType) return fromType;
    if (binding.property) {
      const byProp = configuredName(ctx, binding.property);
      if (byProp) return { ...byProp, via: `${binding.property} destructured` };
    }
    if (decl.initializer) {
      const init = skipOuterAndAwait(tsm, decl.initializer);
      if (binding.property) {
        // `const { db } = ctx`: what `ctx.db` is.
        const r = byType(ctx, e);
        if (r) return r;
      } else {
        const r = next(init, e.text);
        if (r.kind !== "unknown") return r;
      }
    }
    return byType(ctx, e) ?? UNKNOWN;
  }
  if (binding?.kind === "parameter") {
    const p = binding.decl;
    const fromType = p.type && typeNodeClass(ctx, p.type);
    if (fromType) return { ...fromType, via: `parameter ${e.text}: ${textOf(p.type!)}` };
    if (binding.property) {
      const byProp = configuredName(ctx, binding.property);
      if (byProp) return { ...byProp, via: `${binding.property} destructured` };
    }
    const cb = callbackOwner(tsm, p);
    if (cb) {
      // `tenantDb.$transaction((tx) => ...)`, `db.transaction(async (trx) => ...)`: the same client.
      if (tsm.isPropertyAccessExpression(cb.callee) && TRANSACTION_METHODS.has(cb.callee.name.text)) {
        const r = next(cb.callee.expression);
        if (r.kind !== "unknown") return { ...r, via: `${e.text} of ${textOf(cb.callee)}` };
      }
      // `withTenant(tenantId, async (tx) => ...)`: the callback of a scoped wrapper gets a scoped client.
      const owner = matchConfigured(ctx, cb.call);
      if (owner?.kind === "scoped") return { ...owner, via: `${e.text} of ${owner.name}(...)` };
    }
    return byType(ctx, e) ?? UNKNOWN;
  }
  // An import: by the name it is exported under, then (with a checker) by its declaration.
  if (binding?.kind === "import") {
    const byName = configuredName(ctx, binding.exported);
    if (byName) return { ...byName, via: `imported as ${e.text}` };
    const r = crossFile(ctx, e, depth, seen);
    if (r) return r;
    return byType(ctx, e) ?? UNKNOWN;
  }
  return byType(ctx, e) ?? UNKNOWN;
}

const CHECKOUT_METHODS = new Set(["connect", "getConnection", "acquire", "reserve", "createQueryRunner"]);
const REPOSITORY_GETTERS = new Set(["getRepository", "getTreeRepository", "getMongoRepository", "withRepository"]);
const TRANSACTION_METHODS = new Set(["$transaction", "transaction", "begin", "transact"]);

function configuredName(ctx: ClientResolveContext, name: string): ReceiverClass | undefined {
  for (const list of ["scoped", "unscoped"] as const)
    if (ctx.config.clients[list].includes(name)) return { kind: list, name };
  return undefined;
}

/**
 * A type annotation naming a configured type (`TenantPrisma`, `Prisma.TransactionClient`), or what
 * a configured factory returns: `ReturnType<typeof forTenant>`, directly or through a type alias
 * (Prisma's docs type `$extends` clients so).
 */
function typeNodeClass(ctx: ClientResolveContext, type: ts.TypeNode, depth = 0): ReceiverClass | undefined {
  const tsm = ctx.ts;
  if (depth > MAX_DEPTH) return undefined;
  const types = tsm.isUnionTypeNode(type) ? type.types : [type];
  for (const t of types) {
    if (tsm.isTypeQueryNode(t)) {
      const r = configuredName(ctx, textOf(t.exprName)) ?? configuredName(ctx, lastName(tsm, t.exprName));
      if (r) return r;
    }
    if (!tsm.isTypeReferenceNode(t)) continue;
    const full = textOf(t.typeName);
    const last = lastName(tsm, t.typeName);
    const r = configuredName(ctx, full) ?? configuredName(ctx, last);
    if (r) return r;
    const wrapped = last === "ReturnType" || last === "Awaited" ? t.typeArguments?.[0] : undefined;
    const inner = wrapped ?? typeAliasOf(ctx, t.typeName)?.type;
    const fromInner = inner && typeNodeClass(ctx, inner, depth + 1);
    if (fromInner) return fromInner;
  }
  return undefined;
}

function lastName(tsm: typeof ts, name: ts.EntityName): string {
  return tsm.isIdentifier(name) ? name.text : name.right.text;
}

/** The `type X = ...` a type name refers to: through the checker (imports too), else in the same file. */
function typeAliasOf(ctx: ClientResolveContext, name: ts.EntityName): ts.TypeAliasDeclaration | undefined {
  const { checker, ts: tsm } = ctx;
  if (checker) {
    const symbol = safe(() => checker.getSymbolAtLocation(name));
    const target =
      symbol && symbol.flags & tsm.SymbolFlags.Alias ? safe(() => checker.getAliasedSymbol(symbol)) : symbol;
    return target?.declarations?.find((d) => tsm.isTypeAliasDeclaration(d)) as ts.TypeAliasDeclaration | undefined;
  }
  if (!tsm.isIdentifier(name)) return undefined;
  return ctx.sourceFile.statements.find(
    (s): s is ts.TypeAliasDeclaration => tsm.isTypeAliasDeclaration(s) && s.name.text === name.text,
  );
}

/** Type-aware: the type's alias or symbol name is a configured one (a `TenantPrisma` from anywhere). */
function byType(ctx: ClientResolveContext, e: ts.Expression): ReceiverClass | undefined {
  const { checker, ts: tsm } = ctx;
  if (!checker) return undefined;
  let type: ts.Type;
  try {
    type = checker.getTypeAtLocation(e);
  } catch {
    return undefined;
  }
  if (type.flags & (tsm.TypeFlags.Any | tsm.TypeFlags.Unknown)) return undefined;
  for (const symbol of [type.aliasSymbol, type.getSymbol()]) {
    const r = symbol && configuredName(ctx, symbol.getName());
    if (r) return { ...r, via: `type ${symbol!.getName()}` };
  }
  // A declared type annotation the checker resolved through an alias chain.
  const symbol = safe(() => checker.getSymbolAtLocation(e));
  const decl = symbol?.valueDeclaration;
  if (
    decl &&
    (tsm.isVariableDeclaration(decl) || tsm.isParameter(decl) || tsm.isPropertyDeclaration(decl)) &&
    decl.type
  )
    return typeNodeClass(ctx, decl.type);
  return undefined;
}

/** Follows an import to the declaration it names (through re-exports) and classifies that. */
function crossFile(
  ctx: ClientResolveContext,
  id: ts.Identifier,
  depth: number,
  seen: Set<ts.Node>,
): ReceiverClass | undefined {
  const { checker, ts: tsm } = ctx;
  if (!checker) return undefined;
  const symbol = safe(() => checker.getSymbolAtLocation(id));
  if (!symbol) return undefined;
  const target = symbol.flags & tsm.SymbolFlags.Alias ? safe(() => checker.getAliasedSymbol(symbol)) : symbol;
  const decl = target?.valueDeclaration ?? target?.declarations?.[0];
  if (!decl) return undefined;
  const named = configuredName(ctx, target!.getName());
  if (named) return { ...named, via: `imported from ${shortFile(decl.getSourceFile().fileName)}` };
  if (tsm.isVariableDeclaration(decl)) {
    const fromType = decl.type && typeNodeClass(ctx, decl.type);
    if (fromType) return fromType;
    if (decl.initializer) {
      const r = classify(ctx, decl.initializer, depth + 1, seen);
      if (r.kind !== "unknown")
        return { ...r, via: r.via ?? `imported from ${shortFile(decl.getSourceFile().fileName)}` };
    }
  }
  return undefined;
}

type Binding =
  | { kind: "variable"; decl: ts.VariableDeclaration; property?: string }
  | { kind: "parameter"; decl: ts.ParameterDeclaration; property?: string }
  | { kind: "import"; exported: string };

/** The declaration an identifier names by scope walk: a variable, a parameter, or an import. */
function findBinding(tsm: typeof ts, id: ts.Identifier): Binding | undefined {
  for (let scope: ts.Node | undefined = id.parent; scope; scope = scope.parent) {
    if (tsm.isFunctionLike(scope)) {
      for (const p of scope.parameters) {
        const hit = bound(tsm, p.name, id.text);
        if (hit) return { kind: "parameter", decl: p, property: hit.property };
      }
    }
    if (!(tsm.isBlock(scope) || tsm.isSourceFile(scope) || tsm.isModuleBlock(scope) || tsm.isCaseClause(scope)))
      continue;
    for (const statement of scope.statements) {
      if (tsm.isVariableStatement(statement)) {
        for (const decl of statement.declarationList.declarations) {
          const hit = bound(tsm, decl.name, id.text);
          if (hit) return { kind: "variable", decl, property: hit.property };
        }
      } else if (tsm.isImportDeclaration(statement) && statement.importClause) {
        const clause = statement.importClause;
        if (clause.name?.text === id.text) return { kind: "import", exported: "default" };
        const bindings = clause.namedBindings;
        if (bindings && tsm.isNamedImports(bindings))
          for (const el of bindings.elements)
            if (el.name.text === id.text) return { kind: "import", exported: (el.propertyName ?? el.name).text };
      }
    }
  }
  return undefined;
}

/** Whether a binding pattern binds `text`; for an object pattern, the property it comes from. */
function bound(tsm: typeof ts, name: ts.BindingName, text: string): { property?: string } | undefined {
  if (tsm.isIdentifier(name)) return name.text === text ? {} : undefined;
  for (const el of name.elements) {
    if (tsm.isOmittedExpression(el)) continue;
    if (tsm.isIdentifier(el.name) && el.name.text === text) {
      const prop = el.propertyName && tsm.isIdentifier(el.propertyName) ? el.propertyName.text : el.name.text;
      return { property: tsm.isObjectBindingPattern(name) ? prop : undefined };
    }
    const inner = bound(tsm, el.name, text);
    if (inner) return inner;
  }
  return undefined;
}

/** For a parameter of a function passed as an argument: the call and its callee. */
function callbackOwner(
  tsm: typeof ts,
  p: ts.ParameterDeclaration,
): { call: ts.CallExpression; callee: ts.Expression } | undefined {
  const fn = p.parent;
  if (!(tsm.isArrowFunction(fn) || tsm.isFunctionExpression(fn))) return undefined;
  let arg: ts.Node = fn;
  while (tsm.isParenthesizedExpression(arg.parent)) arg = arg.parent;
  const call = arg.parent;
  if (!tsm.isCallExpression(call) || !call.arguments.includes(arg as ts.Expression)) return undefined;
  return { call, callee: skipOuterAndAwait(tsm, call.expression) };
}

/**
 * What `this.x` holds: its declared type or initializer, a constructor parameter property's
 * type, and every `this.x = ...` assignment in the class's constructor.
 */
function thisField(tsm: typeof ts, access: ts.PropertyAccessExpression): (ts.Expression | ts.TypeNode)[] {
  const cls = enclosingClass(tsm, access);
  if (!cls) return [];
  const name = access.name.text;
  const out: (ts.Expression | ts.TypeNode)[] = [];
  for (const member of cls.members) {
    if (tsm.isPropertyDeclaration(member) && member.name.getText() === name) {
      if (member.type) out.push(member.type);
      if (member.initializer) out.push(member.initializer);
    }
    if (tsm.isConstructorDeclaration(member)) {
      for (const p of member.parameters)
        if (tsm.isIdentifier(p.name) && p.name.text === name && p.type && tsm.getModifiers?.(p)?.length)
          out.push(p.type);
      out.push(...thisAssignments(tsm, member.body, name));
    }
  }
  return out;
}

function textOf(node: ts.Node): string {
  return node.getText();
}

function shortFile(path: string): string {
  return path.split("/").slice(-2).join("/");
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

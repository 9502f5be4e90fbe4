// Which expressions are Prisma clients. Without types: `new PrismaClient()` (and its
// `$extends`), names that say so (`prisma`, `db`, `tx`, `this.prisma`, an import such as
// `import { prisma } from "../lib/db"`), parameters typed `PrismaClient` /
// `Prisma.TransactionClient`, and the callback parameter of `$transaction`. With a
// TypeChecker, the type decides whenever it is known.
import type ts from "typescript";
import type { ResolvedConfig } from "../config/types";
import { constDeclaration, strip, type SyntaxContext } from "./prisma-syntax";
import { clientFunction } from "./builder-clients";
import { propertyType } from "../flow/functions";
import { enclosingClass } from "../statements";

export type ClientKind = "unscoped" | "scoped";

export interface ClientContext extends SyntaxContext {
  config: ResolvedConfig;
}

// `prisma`, `basePrisma`, `prismaClient`; `db` and `tx` are the other usual names for one.
// `$replica`, `this._replica`: a read replica of the same database; `database` as a client's name.
const CLIENT_NAME = /prisma|replica|^(db|tx|client|trx|database)$/i;
const CLIENT_TYPE = /^(PrismaClient|TransactionClient|DefaultPrismaClient)$/;

/** Whether `expr` is a Prisma client, and whether it is one of the config's scoped clients. */
export function clientKind(ctx: ClientContext, expr: ts.Expression, depth = 0): ClientKind | undefined {
  const tsm = ctx.ts;
  const e = strip(tsm, expr);
  if (depth > 4) return undefined;
  if (scopedName(ctx, e)) return "scoped";
  const extended =
    tsm.isCallExpression(e) && tsm.isPropertyAccessExpression(e.expression) && e.expression.name.text === "$extends"
      ? { call: e, base: e.expression.expression }
      : undefined;
  // `prisma.$extends(forTenant(tenantId))`: scoped when the extension is one of the config's scoped clients.
  if (extended?.call.arguments.some((a) => scopedName(ctx, strip(tsm, a)))) return "scoped";
  const decl = tsm.isIdentifier(e) ? constDeclaration(ctx, e) : undefined;
  const fromInit = decl?.initializer && clientKind(ctx, decl.initializer, depth + 1);
  if (fromInit === "scoped") return "scoped";
  const param = tsm.isIdentifier(e) ? parameterNamed(tsm, e) : undefined;
  // The `tx` of `$transaction` is the same kind of client as its receiver.
  const txOf = param && transactionReceiver(tsm, param);
  if (txOf) return clientKind(ctx, txOf, depth + 1);
  if (ctx.config.clients.unscoped.includes(e.getText(ctx.sourceFile))) return "unscoped";
  const byType = ctx.checker ? clientByType(ctx, e) : undefined;
  if (byType !== undefined) return byType ? "unscoped" : undefined;
  if (tsm.isNewExpression(e))
    return tsm.isIdentifier(e.expression) && e.expression.text === "PrismaClient" ? "unscoped" : undefined;
  if (extended) return clientKind(ctx, extended.base, depth + 1);
  // `(tx || this.prisma)`, `tx ?? prisma`, `inTx ? tx : prisma`: a client either way; unscoped when either may be.
  const either =
    tsm.isBinaryExpression(e) &&
    (e.operatorToken.kind === tsm.SyntaxKind.BarBarToken ||
      e.operatorToken.kind === tsm.SyntaxKind.QuestionQuestionToken)
      ? [e.left, e.right]
      : tsm.isConditionalExpression(e)
        ? [e.whenTrue, e.whenFalse]
        : undefined;
  if (either) {
    const kinds = either.map((x) => clientKind(ctx, x, depth + 1));
    return kinds.includes("unscoped") ? "unscoped" : kinds.find((k) => k !== undefined);
  }
  // `prisma()`, `getPrisma()`: a function that hands out the client, by its name or by what it returns.
  // `db.$primary()`, `db.$replica()` (the read-replicas extension): the same client's other connection.
  // `this.prismaService.txClient()` (teable), `prisma.getClient()`: a client's own method that hands out a client.
  if (tsm.isCallExpression(e) && e.arguments.length === 0) {
    const callee = strip(tsm, e.expression);
    if (tsm.isPropertyAccessExpression(callee) && /^\$(?:primary|replica)$|client$/i.test(callee.name.text)) {
      const owner = clientKind(ctx, callee.expression, depth + 1);
      if (owner) return owner;
    }
    // `db.prisma()` (jitsu's console): a method named for the client hands it out, unless what it returns says otherwise.
    const handed = handedOut(ctx, e, depth);
    if (handed === undefined && tsm.isPropertyAccessExpression(callee) && CLIENT_NAME.test(callee.name.text))
      return "unscoped";
    return handed;
  }
  // `this.prisma`, `ctx.prisma`, `opts.ctx.db`, `prisma.client` (a module that wraps the client), and
  // `this._post.model` of `_post: PrismaRepository<"post">` (postiz): a wrapper typed for Prisma hands it out.
  if (tsm.isPropertyAccessExpression(e))
    return CLIENT_NAME.test(e.name.text) || prismaWrapper(tsm, e.expression) ? "unscoped" : undefined;
  if (!tsm.isIdentifier(e)) return undefined;
  if (fromInit) return fromInit;
  if (param?.type && CLIENT_TYPE.test(typeName(tsm, param.type) ?? "")) return "unscoped";
  return CLIENT_NAME.test(e.text) ? "unscoped" : undefined;
}

/** The client a function without arguments returns: named like one, or each of its returns one (in this file). */
function handedOut(ctx: ClientContext, call: ts.CallExpression, depth: number): ClientKind | undefined {
  const fn = clientFunction(ctx.ts, call);
  if (!fn) return undefined;
  if (CLIENT_NAME.test(fn.name)) return "unscoped";
  const kinds = fn.returns.map((r) => clientKind(ctx, r, depth + 1));
  if (kinds.length === 0 || kinds.includes(undefined)) return undefined;
  return kinds.includes("unscoped") ? "unscoped" : "scoped";
}

/** Type-aware: true/false when the type says, undefined when it is unknown (any, error). */
function clientByType(ctx: ClientContext, e: ts.Expression): boolean | undefined {
  const { checker, ts: tsm } = ctx;
  const type = checker!.getTypeAtLocation(e);
  if (type.flags & (tsm.TypeFlags.Any | tsm.TypeFlags.Unknown)) return undefined;
  const name = (type.aliasSymbol ?? type.getSymbol())?.getName();
  if (name && CLIENT_TYPE.test(name)) return true;
  if (type.getProperty("$transaction") || type.getProperty("$queryRaw")) return true;
  return false;
}

/** The delegate type test: `x.invoice` has Prisma's delegate methods. Used when the receiver's own type is anonymous. */
export function isDelegateByType(ctx: ClientContext, accessor: ts.Expression): boolean | undefined {
  const { checker, ts: tsm } = ctx;
  if (!checker) return undefined;
  const type = checker.getTypeAtLocation(accessor);
  if (type.flags & (tsm.TypeFlags.Any | tsm.TypeFlags.Unknown)) return undefined;
  return !!(type.getProperty("findMany") && type.getProperty("findFirst"));
}

/** `tenantDb`, `getTenantDb(ctx)`, `this.tenantDb`: a client the config lists as scoped. */
function scopedName(ctx: ClientContext, e: ts.Expression): ClientKind | undefined {
  const tsm = ctx.ts;
  const scoped = ctx.config.clients.scoped;
  if (!scoped.length) return undefined;
  const callee = tsm.isCallExpression(e) ? e.expression : e;
  const last = tsm.isPropertyAccessExpression(callee)
    ? callee.name.text
    : tsm.isIdentifier(callee)
      ? callee.text
      : undefined;
  return (last && scoped.includes(last)) || scoped.includes(callee.getText(ctx.sourceFile)) ? "scoped" : undefined;
}

/** For `async (tx) => ...` passed to `x.$transaction(...)` (or `$transaction(fn, options)`): `x`. */
function transactionReceiver(tsm: typeof ts, param: ts.ParameterDeclaration): ts.Expression | undefined {
  const fn = param.parent;
  if (!(tsm.isArrowFunction(fn) || tsm.isFunctionExpression(fn)) || fn.parameters[0] !== param) return undefined;
  const call = fn.parent;
  if (!tsm.isCallExpression(call) || !call.arguments.includes(fn)) return undefined;
  const callee = call.expression;
  return tsm.isPropertyAccessExpression(callee) && callee.name.text === "$transaction" ? callee.expression : undefined;
}

function parameterNamed(tsm: typeof ts, id: ts.Identifier): ts.ParameterDeclaration | undefined {
  for (let cur: ts.Node | undefined = id.parent; cur; cur = cur.parent) {
    if (tsm.isFunctionLike(cur)) {
      const p = cur.parameters.find((q) => tsm.isIdentifier(q.name) && q.name.text === id.text);
      if (p) return p;
    }
  }
  return undefined;
}

/** A wrapper of the client (`PrismaRepository<"post">`, `PrismaService`), by the declared type of `this.x` or a parameter. */
const WRAPPER_TYPE = /^Prisma[A-Z]\w*$/;

function prismaWrapper(tsm: typeof ts, e: ts.Expression): boolean {
  const x = strip(tsm, e);
  let declared: string | undefined;
  if (tsm.isPropertyAccessExpression(x) && x.expression.kind === tsm.SyntaxKind.ThisKeyword) {
    const cls = enclosingClass(tsm, x);
    declared = cls && propertyType(tsm, cls, x.name.text);
  } else if (tsm.isIdentifier(x)) {
    const param = parameterNamed(tsm, x);
    declared = param?.type && typeName(tsm, param.type);
  }
  return !!declared && WRAPPER_TYPE.test(declared) && !CLIENT_TYPE.test(declared);
}

function typeName(tsm: typeof ts, type: ts.TypeNode): string | undefined {
  if (!tsm.isTypeReferenceNode(type)) return undefined;
  return tsm.isIdentifier(type.typeName) ? type.typeName.text : type.typeName.right.text;
}

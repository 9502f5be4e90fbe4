// At isolation `rls`, a scoped wrapper (`withTenant(tenantId, fn)`, `getTenantDb(tenantId)`) must
// hand its callers the very connection or transaction it set the tenant on. `set_config(..., true)`
// through `client` and then `fn(pool)`, or `fn(db)` after setting it on `tx`, runs the queries on
// whatever pooled connection comes next: one without the setting, or one left over from another tenant.
import type ts from "typescript";
import type { SqlSite } from "../sql/site";
import { skipOuterAndAwait } from "../statements";
import type { BoundaryContext } from "./boundary";

export interface WrapperFinding {
  start: number;
  end: number;
  message: string;
  /** Stable part of the identity. */
  key: string;
  /** The node whose statement a next-line suppression sits above. */
  at: ts.Node;
}

/** What the scoped wrapper around a tenant-setting SQL site hands out, when it is not the connection the setting went to. */
export function checkWrapperHandOut(ctx: BoundaryContext, site: SqlSite, setting: string): WrapperFinding[] {
  const tsm = ctx.ts;
  const wrapper = scopedWrapperOf(ctx, site.node);
  if (!wrapper?.body) return [];
  const sf = ctx.sourceFile;
  const receiver =
    site.receiver && tsm.isIdentifier(skipOuterAndAwait(tsm, site.receiver))
      ? skipOuterAndAwait(tsm, site.receiver)
      : undefined;
  const name = wrapper.name ?? "the scoped wrapper";
  const out: WrapperFinding[] = [];
  for (const handed of handOuts(tsm, wrapper, receiver?.getText(sf))) {
    const e = skipOuterAndAwait(tsm, handed.expr);
    if (!tsm.isIdentifier(e)) continue;
    const to = handed.via === "callback" ? "passes to its callback" : "returns";
    const base = { start: e.getStart(sf), end: e.getEnd(), at: e };
    if (isPool(ctx, e))
      out.push({
        ...base,
        key: `wrapper-pool|${name}|${e.text}`,
        message: `${name} ${to} \`${e.text}\`, a pool: each query may run on a different pooled connection, not the one ${setting} was set on (and not inside its transaction). Check a client out (\`await pool.connect()\`), run BEGIN and the setting on it, and hand that client over.`,
      });
    else if (receiver && tsm.isIdentifier(receiver) && receiver.text !== e.text)
      out.push({
        ...base,
        key: `wrapper-receiver|${name}|${receiver.text}|${e.text}`,
        message: `${name} sets ${setting} through \`${receiver.text}\` but ${to} \`${e.text}\`: the queries run on a connection that may not carry the setting. Hand over the same connection or transaction the setting was sent through.`,
      });
  }
  return out;
}

interface Wrapper {
  name?: string;
  params: readonly ts.ParameterDeclaration[];
  body?: ts.ConciseBody;
}

/** The configured (or detected) scoped wrapper whose body holds `node`: a function, method or const arrow. */
function scopedWrapperOf(ctx: BoundaryContext, node: ts.Node): Wrapper | undefined {
  const tsm = ctx.ts;
  const scoped = ctx.config.clients.scoped;
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (
      !tsm.isFunctionDeclaration(n) &&
      !tsm.isMethodDeclaration(n) &&
      !tsm.isArrowFunction(n) &&
      !tsm.isFunctionExpression(n)
    )
      continue;
    const named = tsm.isFunctionDeclaration(n) || tsm.isMethodDeclaration(n) ? n : n.parent;
    const name =
      tsm.isFunctionDeclaration(named) ||
      tsm.isMethodDeclaration(named) ||
      tsm.isVariableDeclaration(named) ||
      tsm.isPropertyAssignment(named) ||
      tsm.isPropertyDeclaration(named)
        ? named.name?.getText(ctx.sourceFile)
        : undefined;
    if (name && scoped.includes(name)) return { name: `\`${name}\``, params: n.parameters, body: n.body };
  }
  return undefined;
}

/** What every call to a parameter passes (`fn(client)`), else what the wrapper returns (`return client`). */
function handOuts(
  tsm: typeof ts,
  w: Wrapper,
  receiver: string | undefined,
): { expr: ts.Expression; via: "callback" | "return" }[] {
  const params = new Set(w.params.flatMap((p) => (tsm.isIdentifier(p.name) ? [p.name.text] : [])));
  const calls: { expr: ts.Expression; via: "callback" }[] = [];
  const returns: { expr: ts.Expression; via: "return" }[] = [];
  const body = w.body!;
  if (!tsm.isBlock(body)) returns.push({ expr: body, via: "return" });
  // The callback may be called inside a nested function (`db.transaction(async (tx) => fn(db))`);
  // a `return` there is the nested function's own.
  const visit = (n: ts.Node, nested: boolean): void => {
    if (tsm.isCallExpression(n) && tsm.isIdentifier(n.expression) && params.has(n.expression.text)) {
      const handed = callbackArgument(tsm, n.arguments, receiver);
      if (handed) calls.push({ expr: handed, via: "callback" });
    }
    if (!nested && tsm.isReturnStatement(n) && n.expression) returns.push({ expr: n.expression, via: "return" });
    tsm.forEachChild(n, (c) => visit(c, nested || (c !== body && tsm.isFunctionLike(c))));
  };
  visit(body, false);
  if (calls.length) return calls;
  // A returned value is a hand-out only when it reads as a client (`return client`, not `return rows`).
  return returns.filter((r) => {
    const e = skipOuterAndAwait(tsm, r.expr);
    return tsm.isIdentifier(e) && CLIENT_NAME.test(e.text);
  });
}

/** `fn(x)`: x; `fn(tenantId, client)`: the setting's receiver if passed, else the first client-like argument. */
function callbackArgument(
  tsm: typeof ts,
  args: readonly ts.Expression[],
  receiver: string | undefined,
): ts.Expression | undefined {
  if (args.length <= 1) return args[0];
  const ids = args.map((a) => skipOuterAndAwait(tsm, a)).filter(tsm.isIdentifier);
  return ids.find((id) => id.text === receiver) ?? ids.find((id) => CLIENT_NAME.test(id.text));
}

const CLIENT_NAME = /pool|client|conn|^db$|^tx$|^trx$|manager|transaction|^t$/i;

/** `pool`, or a module-level `const x = new Pool(...)` / `createPool(...)`. */
function isPool(ctx: BoundaryContext, id: ts.Identifier): boolean {
  const tsm = ctx.ts;
  if (/pool/i.test(id.text)) return true;
  for (const s of ctx.sourceFile.statements) {
    if (!tsm.isVariableStatement(s)) continue;
    for (const d of s.declarationList.declarations) {
      if (!tsm.isIdentifier(d.name) || d.name.text !== id.text || !d.initializer) continue;
      const init = skipOuterAndAwait(tsm, d.initializer);
      const callee =
        tsm.isNewExpression(init) || tsm.isCallExpression(init) ? init.expression.getText(ctx.sourceFile) : "";
      return /Pool$/i.test(callee);
    }
  }
  return false;
}

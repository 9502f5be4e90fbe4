// Ownership proven earlier in the same function: a by-id query is safe without the tenant
// predicate when its key is an "owned key" of its table, i.e. one the flow has already tied to
// the tenant: the id of a row a scoped query returned or created, a key a scoped read found
// (and whose empty result ends the path), a key built from the tenant value, or the row of an
// unscoped by-id read whose tenant is compared with the request's before the row is used.
// Syntactic and in statement order: a fact holds after the statement that proves it, inside
// the block that holds that statement.
import type ts from "typescript";
import { strip } from "../orm/prisma-syntax";
import {
  emptinessSubject,
  endsPath,
  isBuiltFromTenant,
  orTerms,
  tenantMismatchRow,
  type TenantNames,
} from "./conditions";
import type { FlowQuery } from "./queries";

export type { FlowQuery } from "./queries";

export type OwnershipVerdict =
  | { kind: "owned" }
  /** The row is compared with the tenant, but the check does not end the path. */
  | { kind: "falls-through"; check: ts.IfStatement };

export interface OwnershipContext {
  ts: typeof ts;
  sourceFile: ts.SourceFile;
  /** Every query of the file the flow may reason about, by call node. */
  queries: ReadonlyMap<ts.Node, FlowQuery>;
  /** The tenant's names for a table (its column's spellings, the config's tenantExpression). */
  tenantOf(table: string): TenantNames;
}

/** Per file: analyses each function once, on the first finding inside it. */
export class OwnershipFlow {
  private readonly flows = new Map<ts.Node, FunctionFlow>();
  constructor(private readonly ctx: OwnershipContext) {}

  /** Why the `missing-tenant-filter` on `call` (table `table`) is not a leak, or how its check fails. */
  verdict(call: ts.Node, table: string): OwnershipVerdict | undefined {
    const query = this.ctx.queries.get(call);
    if (!query || query.table !== table) return undefined;
    const root = outermostFunction(this.ctx.ts, call);
    let flow = this.flows.get(root);
    if (!flow) this.flows.set(root, (flow = new FunctionFlow(this.ctx, root)));
    const checked = flow.checks.get(query);
    if (checked === "checked") return { kind: "owned" };
    if (query.key) {
      const value = flow.valueOf(query.key.expr, query.key.expr);
      if (value?.kind === (query.key.list ? "keys" : "key") && value.table === table && !value.unchecked)
        return { kind: "owned" };
      if (!query.key.list && isBuiltFromTenant(this.ctx, query.key.expr, this.ctx.tenantOf(table)))
        return { kind: "owned" };
    }
    return checked ? { kind: "falls-through", check: checked } : undefined;
  }
}

/** The sentence a finding gets when its ownership check does not stop the flow. */
export function fallsThroughNote(sourceFile: ts.SourceFile, check: ts.IfStatement): string {
  const line = sourceFile.getLineAndCharacterOfPosition(check.getStart(sourceFile)).line + 1;
  return `The ownership check on line ${line} falls through: its branch neither throws nor returns, so the row is used even when it belongs to another tenant. End the branch with throw or return.`;
}

/** What an expression holds, as far as ownership goes. */
interface Value {
  kind: "row" | "rows" | "result" | "key" | "keys";
  table: string;
  /** The query the value came from. */
  source?: FlowQuery;
  /** From an unscoped by-id read whose tenant has not been checked yet. */
  unchecked?: boolean;
}

interface Binding {
  name: string;
  value: Value;
  /** Visible in this node, from `pos` on. */
  scope: ts.Node;
  pos: number;
}

class FunctionFlow {
  readonly checks = new Map<FlowQuery, "checked" | ts.IfStatement>();
  private readonly bindings: Binding[] = [];
  /** Key expressions proven by a guard, by their text. */
  private readonly facts: Binding[] = [];
  private readonly tsm: typeof ts;

  constructor(
    private readonly ctx: OwnershipContext,
    root: ts.Node,
  ) {
    this.tsm = ctx.ts;
    this.visit(root, root);
  }

  valueOf(expr: ts.Expression, at: ts.Node): Value | undefined {
    const tsm = this.tsm;
    let e = strip(tsm, expr);
    while (tsm.isAwaitExpression(e) || tsm.isNonNullExpression(e)) e = strip(tsm, e.expression);
    const fact = this.latest(this.facts, normalize(e.getText(this.ctx.sourceFile)), at);
    if (fact) return fact.value;
    const query = this.ctx.queries.get(e);
    if (query) return queryValue(query);
    if (tsm.isIdentifier(e)) return this.latest(this.bindings, e.text, at)?.value;
    if (tsm.isPropertyAccessExpression(e)) return member(this.valueOf(e.expression, at), e.name.text);
    if (tsm.isElementAccessExpression(e))
      return tsm.isNumericLiteral(e.argumentExpression) ? element(this.valueOf(e.expression, at)) : undefined;
    if (tsm.isCallExpression(e) && tsm.isPropertyAccessExpression(e.expression)) {
      const method = e.expression.name.text;
      const list = this.valueOf(e.expression.expression, at);
      if (["at", "find"].includes(method)) return element(list);
      if (method === "map" && list?.kind === "rows" && mapsToId(tsm, e.arguments[0])) return { ...list, kind: "keys" };
    }
    return undefined;
  }

  private visit(node: ts.Node, scope: ts.Node): void {
    const tsm = this.tsm;
    if (tsm.isBlock(node) || tsm.isSourceFile(node) || tsm.isModuleBlock(node) || tsm.isCaseOrDefaultClause(node)) {
      for (const st of node.statements) this.visit(st, node);
      return;
    }
    if (tsm.isVariableStatement(node) && tsm.getCombinedNodeFlags(node.declarationList) & tsm.NodeFlags.Const) {
      for (const d of node.declarationList.declarations) {
        tsm.forEachChild(d, (c) => this.visit(c, scope));
        if (d.initializer) this.declare(d, d.initializer, scope);
      }
      return;
    }
    if (tsm.isForOfStatement(node) && tsm.isVariableDeclarationList(node.initializer)) {
      const d = node.initializer.declarations[0];
      const list = this.valueOf(node.expression, node);
      if (d && tsm.getCombinedNodeFlags(node.initializer) & tsm.NodeFlags.Const)
        this.bind(d.name, element(list), node, node.initializer.end);
    }
    if (tsm.isIfStatement(node)) this.guard(node, scope);
    tsm.forEachChild(node, (c) => this.visit(c, scope));
  }

  private declare(d: ts.VariableDeclaration, init: ts.Expression, scope: ts.Node): void {
    const value = this.valueOf(init, d);
    this.bind(d.name, value, scope, d.end);
    const q = value?.source;
    // `findFirstOrThrow({ where: { id: input.id, tenantId } })`: the key is proven once it returns.
    if (q?.scoped && q.throwsWhenEmpty && q.key) this.prove(q, scope, d.end);
  }

  private bind(name: ts.BindingName, value: Value | undefined, scope: ts.Node, pos: number): void {
    const tsm = this.tsm;
    if (!value) return;
    if (tsm.isIdentifier(name)) {
      this.bindings.push({ name: name.text, value, scope, pos });
      return;
    }
    name.elements.forEach((el, i) => {
      if (tsm.isOmittedExpression(el) || el.dotDotDotToken) return;
      if (tsm.isArrayBindingPattern(name)) return this.bind(el.name, i === 0 ? element(value) : undefined, scope, pos);
      const prop = el.propertyName ?? el.name;
      if (tsm.isIdentifier(prop)) this.bind(el.name, member(value, prop.text), scope, pos);
    });
  }

  /** `if (!doc) throw`, `if (m.tenantId !== tenantId) return`: facts that hold after the if. */
  private guard(st: ts.IfStatement, scope: ts.Node): void {
    const tsm = this.tsm;
    const exits = !st.elseStatement && endsPath(tsm, st.thenStatement);
    for (const term of orTerms(tsm, st.expression)) {
      const empty = emptinessSubject(tsm, term);
      const emptyValue = empty && this.valueOf(empty, st);
      const q = emptyValue?.source;
      if (exits && q?.scoped && q.key && !q.key.list) this.prove(q, scope, st.end);
      const row = this.checkedRow(term, st);
      // A row already used before its check proves nothing about that use.
      if (!row?.source || this.checks.get(row.source) === "checked" || this.usedBefore(row.source, st, scope)) continue;
      if (!exits) {
        this.checks.set(row.source, st);
        continue;
      }
      this.checks.set(row.source, "checked");
      // From here on the row (and whatever was bound from it) is the tenant's.
      for (const b of [...this.bindings])
        if (b.value.source === row.source && b.value.unchecked)
          this.bindings.push({ ...b, value: { ...b.value, unchecked: false }, scope, pos: st.end });
    }
  }

  private checkedRow(term: ts.Expression, st: ts.IfStatement): Value | undefined {
    const tsm = this.tsm;
    const t = strip(tsm, term);
    if (!tsm.isBinaryExpression(t)) return undefined;
    for (const side of [t.left, t.right]) {
      const s = strip(tsm, side);
      if (!tsm.isPropertyAccessExpression(s)) continue;
      const value = this.valueOf(s.expression, st);
      if (value?.kind !== "row" || !value.unchecked) continue;
      const row = tenantMismatchRow(tsm, t, this.ctx.tenantOf(value.table));
      if (row && strip(tsm, row) === strip(tsm, s.expression)) return value;
    }
    return undefined;
  }

  /** Whether a name bound from `source` is read between the query and the check. */
  private usedBefore(source: FlowQuery, check: ts.IfStatement, scope: ts.Node): boolean {
    const tsm = this.tsm;
    const names = new Set(this.bindings.filter((b) => b.value.source === source).map((b) => b.name));
    let used = false;
    const visit = (n: ts.Node): void => {
      if (used || n.end <= source.call.end || n.pos >= check.pos) return;
      // Tests in earlier guards (`if (!m) throw`) read the row without using it.
      if (tsm.isIfStatement(n)) {
        tsm.forEachChild(n.thenStatement, visit);
        if (n.elseStatement) tsm.forEachChild(n.elseStatement, visit);
        return;
      }
      if (tsm.isIdentifier(n) && names.has(n.text) && n.pos >= source.call.end && !tsm.isBindingElement(n.parent))
        used = !(tsm.isVariableDeclaration(n.parent) && n.parent.name === n);
      tsm.forEachChild(n, visit);
    };
    visit(scope);
    return used;
  }

  /** The key `q` selected by is now an owned key of its table. */
  private prove(q: FlowQuery, scope: ts.Node, pos: number): void {
    const text = normalize(q.key!.expr.getText(this.ctx.sourceFile));
    this.facts.push({ name: text, value: { kind: "key", table: q.table }, scope, pos });
  }

  private latest(list: readonly Binding[], name: string, at: ts.Node): Binding | undefined {
    let best: Binding | undefined;
    for (const b of list)
      if (b.name === name && b.pos <= at.pos && within(at, b.scope) && (!best || b.pos >= best.pos)) best = b;
    return best;
  }
}

function queryValue(q: FlowQuery): Value | undefined {
  if (q.returns === "none") return undefined;
  // An unscoped read is only worth following when it reads one row by key: its check can prove it.
  if (!q.scoped && !(q.key && !q.key.list)) return undefined;
  return { kind: q.returns, table: q.table, source: q, unchecked: !q.scoped };
}

function member(v: Value | undefined, name: string): Value | undefined {
  if (v?.kind === "row" && name === "id" && !v.unchecked) return { ...v, kind: "key" };
  if (v?.kind === "result" && name === "rows") return { ...v, kind: "rows" };
  return undefined;
}

function element(v: Value | undefined): Value | undefined {
  if (v?.kind === "rows") return { ...v, kind: "row" };
  if (v?.kind === "keys") return { ...v, kind: "key" };
  return undefined;
}

/** `r => r.id`, `({ id }) => id`. */
function mapsToId(tsm: typeof ts, fn: ts.Expression | undefined): boolean {
  if (!fn || !(tsm.isArrowFunction(fn) || tsm.isFunctionExpression(fn)) || fn.parameters.length < 1) return false;
  const param = fn.parameters[0].name;
  let body: ts.Node = fn.body;
  if (tsm.isBlock(body)) {
    const only = body.statements.length === 1 ? body.statements[0] : undefined;
    if (!only || !tsm.isReturnStatement(only) || !only.expression) return false;
    body = only.expression;
  }
  const b = strip(tsm, body as ts.Expression);
  if (tsm.isIdentifier(param))
    return (
      tsm.isPropertyAccessExpression(b) &&
      b.name.text === "id" &&
      tsm.isIdentifier(b.expression) &&
      b.expression.text === param.text
    );
  return (
    tsm.isObjectBindingPattern(param) &&
    tsm.isIdentifier(b) &&
    param.elements.some(
      (el) => tsm.isIdentifier(el.name) && el.name.text === b.text && (el.propertyName ?? el.name).getText() === "id",
    )
  );
}

function outermostFunction(tsm: typeof ts, node: ts.Node): ts.Node {
  let found: ts.Node = node.getSourceFile();
  for (let cur: ts.Node | undefined = node.parent; cur; cur = cur.parent)
    if (tsm.isFunctionLike(cur) && "body" in cur && cur.body) found = cur.body as ts.Node;
  return found;
}

function within(node: ts.Node, scope: ts.Node): boolean {
  return node.pos >= scope.pos && node.end <= scope.end;
}

function normalize(text: string): string {
  return text.replace(/\s+/g, "").replace(/\?\./g, ".").replace(/!/g, "");
}

// One function's ownership facts, in statement order: it visits the function's statements and
// records what each name holds (flow/flow-values.ts); the checks it meets (a guard, an
// authorization call, a comparison with the tenant) are judged in flow/access-checks.ts.
import type ts from "typescript";
import { strip } from "../orm/prisma-syntax";
import { calleeName } from "../statements";
import { chainedCheckArguments, isAuthorizer } from "./authorizers";
import { bindingPath, binds, constDeclarationOf, declaresName, elementsWritten, writes } from "./bindings";
import { andTerms, countsRows, emptinessSubject, endsPath, failedResultSubject, orTerms } from "./conditions";
import {
  ELEMENT_CALLBACKS,
  enclosingStatementOf,
  isInequality,
  normalize,
  readsName,
  UNKNOWN,
  within,
  type Binding,
  type FlowContext,
} from "./flow-values";
import { AccessChecks, listChanged } from "./access-checks";
import { assertionGuard } from "./check-shapes";
import { element, isNothing, lineOf, listRead, wrapperField, type Reason, type Value } from "./values";
import type { FlowQuery } from "./queries";
import { relationalWhere, whereKey } from "./orm-queries";

export type { Check, FlowContext, HelperEffect, HelperEffects } from "./flow-values";
export type { Reason, Value } from "./values";
export { lineOf } from "./values";

export class FunctionFlow extends AccessChecks {
  /** A helper's verified keys that hold once the caller stops on its result's error (`if (r.error) return`). */
  private readonly errorGates: {
    tested: string;
    /** The declaration that keeps the result: a gate on another variable of the same name is no gate. */
    decl: ts.VariableDeclaration;
    fact: Binding;
    scope: ts.Node;
    pos: number;
  }[] = [];

  constructor(ctx: FlowContext, root: ts.Node) {
    super(ctx, root);
    this.guarded(root);
    this.visit(root, root);
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
    if (tsm.isVariableStatement(node)) {
      // `let link = null;` then `link = await db.link.findUnique(...)` in branches: followed per assignment.
      for (const d of node.declarationList.declarations) {
        tsm.forEachChild(d, (c) => this.visit(c, scope));
        if (!tsm.isIdentifier(d.name)) continue;
        this.lets.set(d.name.text, scope);
        // `let link;`, `let link = null`: nothing yet. A read of it would throw, so it never stands for another tenant's row.
        const empty = !d.initializer || isNothing(tsm, d.initializer);
        const value = d.initializer && !empty ? this.valueOf(d.initializer, d) : undefined;
        this.bindings.push({
          name: d.name.text,
          value: value ?? UNKNOWN,
          scope,
          pos: d.end,
          mutable: true,
          block: scope,
          empty,
        });
      }
      return;
    }
    if (tsm.isExpressionStatement(node)) {
      tsm.forEachChild(node, (c) => this.visit(c, scope));
      const assigned = strip(tsm, node.expression);
      if (
        tsm.isBinaryExpression(assigned) &&
        assigned.operatorToken.kind === tsm.SyntaxKind.EqualsToken &&
        tsm.isIdentifier(assigned.left) &&
        this.lets.has(assigned.left.text)
      ) {
        const name = assigned.left.text;
        const value = this.valueOf(assigned.right, node);
        const found = value && this.foundKey(assigned.right, node);
        this.writes.push({ name, scope: this.lets.get(name)!, pos: node.getStart(this.ctx.sourceFile) });
        this.bindings.push({
          name,
          value: value ?? UNKNOWN,
          scope: this.lets.get(name)!,
          pos: node.end,
          mutable: true,
          block: scope,
          ...(found && { found }),
        });
        return;
      }
      // `invariant(row, "not found")`, `assert.ok(row)`, `assertFound(row)`: an `if (!(row)) throw`.
      const asserted = this.assertedCondition(node.expression);
      if (asserted) this.guard(assertionGuard(tsm, node, asserted), scope);
      this.ran(node.expression, node, scope, "statement");
      return;
    }
    if (tsm.isForOfStatement(node) && tsm.isVariableDeclarationList(node.initializer)) {
      const d = node.initializer.declarations[0];
      const list = this.valueOf(node.expression, node);
      if (d && tsm.getCombinedNodeFlags(node.initializer) & tsm.NodeFlags.Const)
        this.bind(d.name, element(list), node, node.initializer.end);
    }
    if (tsm.isIfStatement(node)) this.guard(node, scope);
    if (tsm.isIfStatement(node)) this.foundInBranch(node);
    // `return getProjectAccess({ userId, projectId: dashboard.projectId })`: the row was read only
    // for the tenant the returned lookup asks about; its caller acts on the answer.
    if (tsm.isReturnStatement(node) && node.expression) {
      const q = this.valueOf(node.expression, node)?.source;
      if (q?.membership) this.memberOfRowTenant(q, node, scope, false, true);
      // `return repo.findOneOrFail({ where: { id, projectId } })`: the read throws before anything is
      // returned, so a caller learns the key (n8n's findFolderInProjectOrFail).
      let e = strip(tsm, node.expression);
      while (tsm.isAwaitExpression(e)) e = strip(tsm, e.expression);
      const read = this.ctx.queries.get(e);
      if (read && this.scopedInFlow(read) && read.throwsWhenEmpty && read.key && !read.key.list)
        this.prove(read, scope, node.pos, read.call, true);
    }
    if (tsm.isCallExpression(node)) this.callbackRows(node);
    this.noteWrites(node, scope);
    // `if (c) await assert(...)`: what a statement without braces proves holds inside it only.
    // An `else if` after a branch that ends the path is reached only past it: what it proves
    // holds after the whole chain.
    const elseIfPastExit = (c: ts.Node) =>
      tsm.isIfStatement(node) && c === node.elseStatement && tsm.isIfStatement(c) && endsPath(tsm, node.thenStatement);
    const own = (c: ts.Node) =>
      (tsm.isIfStatement(node) || tsm.isIterationStatement(node, false) || tsm.isLabeledStatement(node)) &&
      tsm.isStatement(c) &&
      !tsm.isBlock(c) &&
      !elseIfPastExit(c);
    const factsBefore = this.facts.length;
    const equalitiesBefore = this.equalities.length;
    tsm.forEachChild(node, (c) => this.visit(c, own(c) ? c : scope));
    if (tsm.isTryStatement(node)) this.pastTry(node, scope, factsBefore, equalitiesBefore);
    if (tsm.isIfStatement(node)) this.keepPresent(node, scope);
    if (tsm.isIfStatement(node)) this.keepWhenEmpty(node, scope);
    if (tsm.isIfStatement(node)) this.joinBranches(node, scope);
    if (tsm.isForOfStatement(node)) this.everyElementChecked(node, scope);
    if (tsm.isForOfStatement(node)) this.everyRowLooped(node, scope);
  }

  /**
   * `for (const e of envs) { if (e.project.organizationId !== orgId) throw ... }`: a loop over an
   * unscoped list read that checks each row before anything else reads it and leaves the function
   * on a foreign one, with no `continue` or `break` to skip one: once it completes, every row of
   * the list was checked, and the list is the tenant's.
   */
  private everyRowLooped(loop: ts.ForOfStatement, scope: ts.Node): void {
    const tsm = this.tsm;
    const d = tsm.isVariableDeclarationList(loop.initializer) ? loop.initializer.declarations[0] : undefined;
    if (!d || !tsm.isIdentifier(d.name) || !(tsm.getCombinedNodeFlags(loop.initializer) & tsm.NodeFlags.Const)) return;
    // The list itself, by its name: `for (const e of envs.filter(...))` checks only the rows the filter keeps.
    const listExpr = strip(tsm, loop.expression);
    if (!tsm.isIdentifier(listExpr) && !tsm.isPropertyAccessExpression(listExpr)) return;
    const list = this.valueOf(listExpr, loop);
    const q = list?.kind === "rows" && list.unchecked ? list.source : undefined;
    if (!q || !listRead(q) || !within(q.call, scope) || this.checks.get(q)?.state === "checked") return;
    if (
      skipsAny(tsm, loop.statement) ||
      this.usedBefore(q, loop, scope) ||
      listChanged(tsm, listExpr, q.call) ||
      elementsWritten(tsm, listExpr, this.root)
    )
      return;
    const name = d.name.text;
    const body = loop.statement;
    // The list read inside the loop (`await publish(envs)`), or the loop left early with something
    // (`if (flag) return envs`): rows not yet checked are handed on.
    const listName = /^[\w$]+/.exec(listExpr.getText(this.ctx.sourceFile))?.[0] ?? "";
    if (readsName(tsm, body, listName)) return;
    for (const st of tsm.isBlock(body) ? body.statements : [body]) {
      if (tsm.isIfStatement(st) && endsPath(tsm, st.thenStatement))
        for (const term of orTerms(tsm, st.expression)) {
          const checked = this.checkedRow(term, st);
          const row = checked && strip(tsm, checked.expr);
          if (!checked || checked.row.source !== q || checked.public || !row || !tsm.isIdentifier(row)) continue;
          if (row.text !== name || this.comparesWithUnchecked(term, name, st)) continue;
          if (returnsBesides(tsm, body, st.thenStatement)) return;
          const reason = this.everyRowReason(checked, st, " in the loop");
          const throws = throwsOnly(tsm, st.thenStatement);
          this.markChecked(q, reason, scope, loop.end, false, !!checked.shared, throws, true);
          return;
        }
      // The row read before its check (`await send(e)`, then the check): that use is unchecked.
      if (readsName(tsm, st, name)) return;
    }
  }

  /**
   * The condition an assertion call throws unless it holds: `invariant(c, msg)` (tiny-invariant),
   * node's `assert(c)` and `assert.ok(c)`, or the asserted argument of a function whose return type
   * says so (`asserts row is T`). Not `console.assert`, which only logs.
   */
  private assertedCondition(e: ts.Expression): ts.Expression | undefined {
    const tsm = this.tsm;
    let call = strip(tsm, e);
    if (tsm.isAwaitExpression(call)) call = strip(tsm, call.expression);
    if (!tsm.isCallExpression(call)) return undefined;
    const ability = caslThrowUnlessCan(tsm, call);
    if (ability) return ability;
    const index = this.ctx.helpers?.asserts?.(call);
    const arg = index === undefined ? undefined : call.arguments[index];
    return arg && !tsm.isSpreadElement(arg) ? arg : undefined;
  }

  /**
   * `try { const l = await db.link.findFirst({ where: { id, teamId } }); if (!l) return 404 } catch {
   * return 500 }`: the code after a try runs only when its block completed or a catch fell through.
   * When no catch can fall through, what the block's own statements proved holds after the try
   * too, except about names the block declares (another variable outside it).
   */
  private pastTry(st: ts.TryStatement, scope: ts.Node, factsFrom: number, equalitiesFrom: number): void {
    const tsm = this.tsm;
    if (st.catchClause && !endsPath(tsm, st.catchClause.block)) return;
    // `finally { return x }` swallows the block's throw: nothing after the try runs either way.
    if (st.finallyBlock && endsPath(tsm, st.finallyBlock)) return;
    // A catch that returns turns the block's throw into an answer: for a helper's callers it no longer throws.
    const rethrows = !st.catchClause || throwsOnly(tsm, st.catchClause.block);
    const block = st.tryBlock;
    const declared = (name: string) =>
      block.statements.some((inner) =>
        tsm.isVariableStatement(inner)
          ? inner.declarationList.declarations.some((d) => binds(tsm, d.name, name))
          : (tsm.isFunctionDeclaration(inner) || tsm.isClassDeclaration(inner)) && inner.name?.text === name,
      );
    const outer = (text: string) => !declared(/^[\w$]+/.exec(text)?.[0] ?? "");
    const text = (e: ts.Expression) => normalize(e.getText(this.ctx.sourceFile));
    for (const fact of this.facts.slice(factsFrom))
      if (fact.scope === block && outer(fact.name))
        this.facts.push({ ...fact, scope, throws: !!fact.throws && rethrows });
    for (const eq of this.equalities.slice(equalitiesFrom))
      if (eq.scope === block && outer(text(eq.a)) && outer(text(eq.b))) this.equalities.push({ ...eq, scope });
  }

  /**
   * `for (const id of ids) { const l = await db.link.findFirst({ where: { id, ownerId } }); if (!l)
   * return 401 }`: a loop that checks each element and leaves the function on a miss, with no
   * `continue` or `break` to skip one, has checked every element once it completes: `ids` are keys
   * of that table from there on.
   */
  private everyElementChecked(loop: ts.ForOfStatement, scope: ts.Node): void {
    const tsm = this.tsm;
    const d = tsm.isVariableDeclarationList(loop.initializer) ? loop.initializer.declarations[0] : undefined;
    const list = strip(tsm, loop.expression);
    if (!d || !tsm.isIdentifier(d.name) || !(tsm.isIdentifier(list) || tsm.isPropertyAccessExpression(list))) return;
    const body = loop.statement;
    if (skipsAny(tsm, body)) return;
    const name = d.name.text;
    const fact = this.facts.find(
      (f) => f.scope === body && f.name === name && f.value.kind === "key" && f.value.reason && !f.value.present,
    );
    if (!fact) return;
    const line = lineOf(this.ctx.sourceFile, loop);
    const inner = fact.value.reason!;
    const reason: Reason = {
      proof: inner.proof,
      evidence: inner.evidence,
      say: (key) => `every element of ${key} is checked in the loop on line ${line}: ${inner.say(`\`${name}\``)}`,
    };
    const value: Value = { kind: "keys", table: fact.value.table, reason };
    this.facts.push({ name: normalize(list.getText(this.ctx.sourceFile)), value, scope, pos: loop.end });
  }

  /**
   * `if (existing) { await db.update(t).set(...).where(eq(t.id, serverId)) }`: inside the branch
   * the scoped read found the row its key names, so the key is the tenant's there (`&&` terms too).
   */
  private foundInBranch(st: ts.IfStatement): void {
    const tsm = this.tsm;
    for (const term of andTerms(tsm, st.expression)) {
      if (!tsm.isIdentifier(term)) continue;
      const value = this.valueOf(term, st);
      const q = value?.kind === "row" ? value.source : undefined;
      if (q?.key && !q.key.list && this.scopedInFlow(q))
        this.prove(q, st.thenStatement, st.thenStatement.pos, q.call, false, true);
    }
  }

  /**
   * `if (docId) { ...docId proven... }` with no else: after the if, `docId` is proven or missing.
   * Facts about a tested name that hold at the end of the branch hold after it, marked `present`.
   */
  private keepPresent(st: ts.IfStatement, scope: ts.Node): void {
    const tsm = this.tsm;
    if (st.elseStatement) return;
    // Only `if (docId)` itself: with more terms (`docId && !bulk`) the key may be present and unchecked.
    const tested = new Set<string>();
    const x = strip(tsm, st.expression);
    if (tsm.isIdentifier(x) || tsm.isPropertyAccessExpression(x)) tested.add(normalize(x.getText(this.ctx.sourceFile)));
    // `if (has("projectId", rawInput))`, `if ("projectId" in rawInput)`: the field is there.
    const field = presentField(tsm, x);
    if (field) tested.add(normalize(`${field.object.getText(this.ctx.sourceFile)}.${field.name}`));
    const branch = st.thenStatement;
    for (const fact of [...this.facts]) {
      if (fact.scope !== branch || !tested.has(fact.name)) continue;
      const rewritten = this.writes.some(
        (w) => w.pos > fact.pos && w.pos <= branch.end && (w.name === fact.name || fact.name.startsWith(`${w.name}.`)),
      );
      if (!rewritten) this.facts.push({ ...fact, value: { ...fact.value, present: true }, scope, pos: st.end });
    }
  }

  /**
   * `if (input.monitorIds?.length) { ...every key of input.monitorIds found... }` with no else:
   * after the if the list's keys are all found, or it has none (openstatus's status reports).
   */
  private keepWhenEmpty(st: ts.IfStatement, scope: ts.Node): void {
    const tsm = this.tsm;
    if (st.elseStatement) return;
    let x = strip(tsm, st.expression);
    // `list.length > 0`, `list.length !== 0`
    if (
      tsm.isBinaryExpression(x) &&
      tsm.isNumericLiteral(strip(tsm, x.right)) &&
      (strip(tsm, x.right) as ts.NumericLiteral).text === "0" &&
      (x.operatorToken.kind === tsm.SyntaxKind.GreaterThanToken ||
        x.operatorToken.kind === tsm.SyntaxKind.ExclamationEqualsEqualsToken)
    )
      x = strip(tsm, x.left);
    if (!tsm.isPropertyAccessExpression(x) || x.name.text !== "length") return;
    const list = normalize(x.expression.getText(this.ctx.sourceFile));
    const branch = st.thenStatement;
    for (const fact of [...this.facts]) {
      if (fact.scope !== branch || fact.name !== list || fact.value.kind !== "keys" || fact.value.present) continue;
      const rewritten = this.writes.some(
        (w) => w.pos > fact.pos && w.pos <= branch.end && (w.name === fact.name || fact.name.startsWith(`${w.name}.`)),
      );
      if (!rewritten) this.facts.push({ ...fact, scope, pos: st.end });
    }
  }

  /**
   * `if (tool.workspaceId) { ...; if (tool.workspaceId !== workspaceId) return 404 } else { if
   * (tool.userId !== userId) return 403 }` (sim's custom tools): what both branches prove holds past
   * the `if`; what one proves holds past it when the other ends the path.
   */
  private joinBranches(st: ts.IfStatement, scope: ts.Node): void {
    const tsm = this.tsm;
    const other = st.elseStatement;
    if (!other || tsm.isIfStatement(other)) return;
    const [thenExits, elseExits] = [endsPath(tsm, st.thenStatement), endsPath(tsm, other)];
    if (thenExits && elseExits) return;
    // A name the branch declares itself (`const id = input.x`) is another variable past the `if`.
    const declaredIn = (branch: ts.Statement, name: string) =>
      declaresName(tsm, branch, /^[\w$]+/.exec(name)?.[0] ?? "");
    const held = (branch: ts.Statement) =>
      this.facts.filter(
        (f) =>
          f.scope === branch &&
          !declaredIn(branch, f.name) &&
          !!f.value.reason &&
          !f.value.unchecked &&
          !this.writes.some(
            (w) => w.pos > f.pos && w.pos <= branch.end && (w.name === f.name || f.name.startsWith(`${w.name}.`)),
          ),
      );
    const [inThen, inElse] = [held(st.thenStatement), held(other)];
    const joined = thenExits
      ? inElse
      : elseExits
        ? inThen
        : inThen.flatMap((f) => {
            const g = inElse.find(
              (x) =>
                x.name === f.name &&
                x.value.kind === f.value.kind &&
                x.value.table === f.value.table &&
                !x.value.shared === !f.value.shared &&
                !x.value.present === !f.value.present &&
                x.value.uniqueField === f.value.uniqueField,
            );
            if (!g) return [];
            const [a, b] = [f.value.reason!, g.value.reason!];
            const line = lineOf(this.ctx.sourceFile, st);
            const reason: Reason = {
              proof: a.proof,
              evidence: st,
              say: (k) => `${a.say(k)}; in the else branch of line ${line}, ${b.say(k)}`,
            };
            return [{ ...f, value: { ...f.value, reason } }];
          });
    for (const f of joined) this.facts.push({ ...f, scope, pos: st.end });
  }

  /**
   * `rows.map((row) => db.t.update({ where: { id: row.id } }))`, `.forEach`, `.flatMap`, `.filter`:
   * the callback's first parameter is each element of the rows, inside the callback.
   */
  private callbackRows(call: ts.CallExpression): void {
    const tsm = this.tsm;
    if (!tsm.isPropertyAccessExpression(call.expression)) return;
    const method = call.expression.name.text;
    if (!ELEMENT_CALLBACKS.has(method) && method !== "then") return;
    const fn = call.arguments[0] && strip(tsm, call.arguments[0]);
    if (!fn || !(tsm.isArrowFunction(fn) || tsm.isFunctionExpression(fn)) || !fn.parameters[0]) return;
    // `findCurrentWorker(env).then((current) => ...)`: what the promise resolves to.
    if (method === "then") {
      const resolved = this.valueOf(call.expression.expression, call);
      if (resolved) this.bind(fn.parameters[0].name, resolved, fn.body, fn.body.pos);
      return;
    }
    const list = this.valueOf(call.expression.expression, call);
    if (list?.kind !== "rows" && list?.kind !== "keys") return;
    this.bind(fn.parameters[0].name, element(list), fn.body, fn.body.pos);
  }

  /**
   * Writes the flow does not follow: `x += 1`, `({ x } = ...)`, `x = ...` inside an expression,
   * `x++`, `for (x of xs)`. A `let` then holds something unknown; facts about `x` end there.
   */
  private noteWrites(node: ts.Node, scope: ts.Node): void {
    const tsm = this.tsm;
    const written = writes(tsm, node);
    if (!written) return;
    const { targets, at } = written;
    // `link = await ...` as a statement of its own is followed (visit); anything else is a write.
    if (
      tsm.isBinaryExpression(node) &&
      tsm.isExpressionStatement(node.parent) &&
      node.operatorToken.kind === tsm.SyntaxKind.EqualsToken &&
      tsm.isIdentifier(node.left) &&
      this.lets.has(node.left.text)
    )
      return;
    for (const t of targets) {
      const name = normalize(t.getText(this.ctx.sourceFile));
      const root = name.split(".")[0]!;
      const declared = this.lets.get(root);
      this.writes.push({ name, scope: declared ?? this.root, pos: at });
      if (declared && name === root)
        this.bindings.push({ name, value: UNKNOWN, scope: declared, pos: at, mutable: true, block: scope });
    }
  }

  private declare(d: ts.VariableDeclaration, init: ts.Expression, scope: ts.Node): void {
    // `const sync = prisma.link.findFirst(...)` without await: a promise, always truthy, never the row;
    // a guard on it ends no path (jitsu's source state).
    const bare = strip(this.tsm, init);
    if (this.ctx.queries.has(bare) && isAsyncLookup(this.tsm, bare)) {
      this.bind(d.name, undefined, scope, d.end);
      return;
    }
    const all = this.promiseAll(d.name, init);
    if (all) all.forEach(([name, e]) => this.bind(name, this.valueOf(e, d), scope, d.end));
    else if (this.tsm.isObjectBindingPattern(d.name) && isPath(this.tsm, bare) && !this.shadowed(bare, d))
      // `const { campaignId, ...data } = input`: each name holds what `input.campaignId` does, a fact
      // on that text (a middleware's verified input) included.
      this.bindFields(d.name, bare, "", d, scope);
    else {
      const value = this.valueOf(init, d);
      // `const ids = rows.map((r) => r.id)`, then `ids.push(input.id)`: the list holds more than the rows' keys.
      const changed = value?.kind === "keys" && this.tsm.isIdentifier(d.name) && listChanged(this.tsm, d.name, d);
      this.bind(d.name, changed ? undefined : value, scope, d.end, this.foundKey(init, d));
    }
    this.ran(init, d, scope, "kept");
  }

  /**
   * Whether the first name of `path` (`input` of `input.docId`) is declared again in a block between
   * the function and `at`: facts about the outer name, kept by text, are not about it.
   */
  private shadowed(path: ts.Expression, at: ts.Node): boolean {
    const tsm = this.tsm;
    const root = /^[\w$]+/.exec(path.getText(this.ctx.sourceFile))?.[0];
    if (!root) return false;
    for (let n: ts.Node | undefined = at.parent; n; n = n.parent) {
      // The parameter that binds it: the name the facts are about only when it is the handler's own.
      if (tsm.isFunctionLike(n) && n.parameters.some((p) => binds(tsm, p.name, root))) return n !== this.root;
      if (n === this.root) return false;
      if (!tsm.isBlock(n) && !tsm.isCaseOrDefaultClause(n)) continue;
      for (const st of n.statements)
        if (tsm.isVariableStatement(st) && st.declarationList.declarations.some((v) => binds(tsm, v.name, root)))
          return true;
    }
    return false;
  }

  /** Each name of an object pattern bound from `from` plus the field path to it (`input.a.b`). */
  private bindFields(
    pattern: ts.ObjectBindingPattern,
    from: ts.Expression,
    path: string,
    d: ts.Node,
    scope: ts.Node,
  ): void {
    const tsm = this.tsm;
    for (const el of pattern.elements) {
      // `{ docId = input.otherId }`: a missing field takes the default, which nothing proved.
      if (el.dotDotDotToken || el.initializer) continue;
      const prop = el.propertyName ?? el.name;
      if (!tsm.isIdentifier(prop) && !tsm.isStringLiteral(prop)) continue;
      const at = `${path}.${prop.text}`;
      if (tsm.isObjectBindingPattern(el.name)) this.bindFields(el.name, from, at, d, scope);
      else if (tsm.isIdentifier(el.name)) this.bind(el.name, this.valueOfPath(from, at, d), scope, d.end);
    }
  }

  /**
   * `const [count, rows] = await Promise.all([countQuery, rowsQuery])`, and Prisma's batch
   * `prisma.$transaction([countQuery, rowsQuery])`: each name with the expression it receives.
   */
  private promiseAll(name: ts.BindingName, init: ts.Expression): [ts.BindingName, ts.Expression][] | undefined {
    const tsm = this.tsm;
    if (!tsm.isArrayBindingPattern(name)) return undefined;
    let e = strip(tsm, init);
    while (tsm.isAwaitExpression(e)) e = strip(tsm, e.expression);
    if (!tsm.isCallExpression(e)) return undefined;
    const callee = strip(tsm, e.expression);
    const batch = tsm.isPropertyAccessExpression(callee) && callee.name.text === "$transaction";
    if (!batch && callee.getText(this.ctx.sourceFile) !== "Promise.all") return undefined;
    const list = e.arguments[0] && strip(tsm, e.arguments[0]);
    if (!list || !tsm.isArrayLiteralExpression(list) || list.elements.some((el) => tsm.isSpreadElement(el)))
      return undefined;
    return name.elements.flatMap((el, i): [ts.BindingName, ts.Expression][] =>
      tsm.isOmittedExpression(el) || el.dotDotDotToken || !list.elements[i] ? [] : [[el.name, list.elements[i]!]],
    );
  }

  /**
   * What a call run as a statement (`use` "statement") or kept in a const proves from `st` on: a
   * scoped lookup that throws when empty (`findFirstOrThrow({ where: { id, tenantId } })`) its
   * key, a helper its effects, an authorization check that throws the keys it was handed
   * (`await checkAuthorization(...)`, `const { folder } = await throwIfFolderActionDenied(...)`).
   */
  private ran(expr: ts.Expression, st: ts.Node, scope: ts.Node, use: "statement" | "kept", inAll = false): void {
    const tsm = this.tsm;
    let e = strip(tsm, expr);
    // A promise nobody awaits does not stop the caller when it rejects (a query not awaited never runs).
    const awaited = tsm.isAwaitExpression(e) || inAll;
    while (tsm.isAwaitExpression(e)) e = strip(tsm, e.expression);
    // `await Promise.all([requireNote(ctx, id), requireTag(ctx, tagId)])` rejects when any of them
    // throws: each one's proof holds after it, as if each had been awaited on its own.
    const list =
      awaited &&
      tsm.isCallExpression(e) &&
      e.arguments[0] &&
      e.expression.getText(this.ctx.sourceFile) === "Promise.all"
        ? strip(tsm, e.arguments[0])
        : undefined;
    if (list && tsm.isArrayLiteralExpression(list)) {
      for (const el of list.elements) if (!tsm.isSpreadElement(el)) this.ran(el, st, scope, use, true);
      return;
    }
    const q = this.ctx.queries.get(e);
    const stops = awaited && !!q?.throwsWhenEmpty;
    if (q && stops && this.scopedInFlow(q) && q.key && !q.key.list) this.prove(q, scope, st.end, q.call, true);
    if (q && stops && this.scopedInFlow(q)) this.proveParents(q, scope, st.end, true);
    if (q && stops && q.membership) this.memberOfRowTenant(q, st, scope, true);
    // `getOrFail(id, tenantId);` with an async helper and no await: its throw stops nothing.
    if (awaited || !tsm.isCallExpression(e) || !this.ctx.helpers?.isAsync?.(e)) this.applyEffects(expr, st, scope);
    // `const { participant } = await authorizeParticipantEdit(...)`: a kept answer checks when the
    // name says it throws (`assert…`), or the body shows that its no is a throw.
    if (!tsm.isCallExpression(e) || q) return;
    const authorizes = isAuthorizer(tsm, e, this.ctx.authorizers, use)
      ? !this.ctx.helpers?.neverThrows?.(e)
      : use === "kept" &&
        isAuthorizer(tsm, e, this.ctx.authorizers, "statement") &&
        !!this.ctx.helpers?.throwsForNo?.(e);
    // `await this.ac.user(me.id).workspace(row.workspaceId).assert(action)`: a fluent access
    // controller checks what its whole chain was handed, whether or not the config lists `assert`.
    const chained = chainedCheckArguments(tsm, e);
    if (authorizes || chained) this.authorize(e, st, scope, true, undefined, chained);
  }

  /** `await requireProject(input.id, ctx)`, `assertOwned(doc, tenantId)`: what the helper proves from here on. */
  private applyEffects(expr: ts.Expression, st: ts.Node, scope: ts.Node): void {
    const tsm = this.tsm;
    let e = strip(tsm, expr);
    while (tsm.isAwaitExpression(e)) e = strip(tsm, e.expression);
    if (!tsm.isCallExpression(e) || !this.ctx.helpers || this.ctx.queries.has(e)) return;
    for (const effect of this.ctx.helpers.effects(e)) {
      if (effect.kind === "verifies") {
        if (!effect.tenant(this.ctx.tenantOf(effect.table))) continue;
        // `assertProject(env.projectId, env.project.teamId)`: the row's own team handed as the tenant checks nothing.
        if (effect.tenantArgs?.some((a) => this.readsUncheckedRow(a, st))) continue;
        // A whole row handed to the check (`authorize(user, "read", doc)`) is no key: a fact on its
        // name would hide the row, and its id with it.
        const handed = effect.path ? this.valueOfPath(effect.key, effect.path, st) : this.valueOf(effect.key, st);
        if (handed?.kind === "row") continue;
        const text = normalize(effect.key.getText(this.ctx.sourceFile)) + effect.path;
        const value: Value = {
          kind: effect.list ? "keys" : "key",
          table: effect.table,
          reason: effect.reason,
          ...(effect.present && { present: true }),
          ...(effect.uniqueField && { uniqueField: effect.uniqueField }),
        };
        const fact: Binding = { name: text, value, scope, pos: st.end, throws: true };
        if (!effect.onError) {
          this.facts.push(fact);
          // `await touchThing(item.thingId, workspaceId)` throwing unless it finds the thing in the
          // tenant: the row `item`, owned through that thing by this very key, is the tenant's too.
          if (!effect.list && !effect.present && !effect.path && !effect.uniqueField)
            this.childOf(effect.key, effect.table, e, scope, st.end, true, (field) => ({
              proof: effect.reason.proof,
              evidence: effect.reason.evidence,
              say: () =>
                `its ${field} names a ${effect.table} row of the tenant's: ${effect.reason.say(`\`${text}\``)}`,
            }));
        } else {
          // `const result = await fetchAndAuthorize(id)`: proven by the guard on `result.error`, if one follows.
          const tested = errorTested(tsm, st, effect.onError);
          if (tested && tsm.isVariableDeclaration(st))
            this.errorGates.push({ tested, decl: st, fact, scope, pos: st.end });
        }
        continue;
      }
      const row = this.valueOf(effect.row, st);
      if (row?.kind !== "row" || !row.unchecked || !row.source) continue;
      const tenant = this.ctx.tenantOf(row.table);
      if (!tenant.names.has(effect.field) || !effect.tenant(tenant)) continue;
      if (this.checks.get(row.source)?.state === "checked" || this.usedBefore(row.source, st, scope)) continue;
      this.markChecked(row.source, effect.reason, scope, st.end);
    }
  }

  /**
   * The write whose changed-row count a guard tests (`if (res.count === 0) throw` with `const res =
   * await db.doc.updateMany(...)`, or `const { count } = ...` then `if (!count)`); undefined for
   * anything else (`if (!res)` tests an object, which is always there).
   */
  private countedWrite(term: ts.Expression, at: ts.Node): FlowQuery | undefined {
    const tsm = this.tsm;
    const test = countTest(tsm, term);
    if (!test) return undefined;
    let tested = test.tested;
    let field: string | undefined;
    // `Number(res.numUpdatedRows) === 0`: the comparison is of the converted value.
    let converted: "number" | "bigint" | undefined;
    if (
      tsm.isCallExpression(tested) &&
      tested.arguments.length === 1 &&
      /^(?:Number|BigInt)$/.test(tested.expression.getText())
    ) {
      converted = tested.expression.getText() === "Number" ? "number" : "bigint";
      tested = strip(tsm, tested.arguments[0]!);
    }
    if (tsm.isPropertyAccessExpression(tested)) {
      field = tested.name.text;
      tested = strip(tsm, tested.expression);
    }
    if (!tsm.isIdentifier(tested)) return undefined;
    const decl = constDeclarationOf(tsm, tested, at);
    if (!decl?.initializer) return undefined;
    if (tsm.isObjectBindingPattern(decl.name)) {
      if (field) return undefined;
      const path = bindingPath(tsm, decl.name, tested.text);
      field = path?.length === 1 ? path[0] : undefined;
    } else if (!tsm.isIdentifier(decl.name)) return undefined;
    if (!field) return undefined;
    const bigint = BIGINT_COUNTS.has(field);
    // A strict comparison holds only against a literal of the count's own type.
    if (!(bigint || WRITE_COUNTS.has(field))) return undefined;
    if (test.strict && test.strict !== (converted ?? (bigint ? "bigint" : "number"))) return undefined;
    let e = strip(tsm, decl.initializer);
    while (tsm.isAwaitExpression(e)) e = strip(tsm, e.expression);
    // Kysely's counts are on the one result of `executeTakeFirst()`; `execute()` gives an array.
    if (bigint && !(tsm.isCallExpression(e) && /^executeTakeFirst(?:OrThrow)?$/.test(calleeName(tsm, e) ?? "")))
      return undefined;
    const q = this.ctx.queries.get(e);
    return q && !q.readOnly && !q.creates ? q : undefined;
  }

  /** `if (!doc) throw`, `if (m.tenantId !== tenantId) return`: facts that hold after the if. */
  /**
   * `with: { roles: { where: (t, { eq }) => eq(t.id, input.id) } }` (Prisma: `include: { roles: {
   * where: { id } } }`) on the tenant's row, then `if (workspace.roles.length === 0) throw`: the key
   * the included rows were filtered by is among the tenant's rows (unkey's updateRole).
   */
  private includedKeyFound(counted: ts.Expression, st: ts.IfStatement, scope: ts.Node, throws: boolean): void {
    const tsm = this.tsm;
    // The list itself (`emptinessSubject` reads `rows.length` as `rows`), or its `.length`.
    let list = strip(tsm, counted);
    if (tsm.isPropertyAccessExpression(list) && list.name.text === "length") list = strip(tsm, list.expression);
    if (!tsm.isPropertyAccessExpression(list)) return;
    const relation = list.name.text;
    const row = this.valueOf(list.expression, st);
    const rows = this.valueOf(list, st);
    if (row?.kind !== "row" || row.unchecked || !row.reason || !row.source || rows?.kind !== "rows") return;
    const key = includedFilterKey(tsm, row.source.call, relation);
    if (!key) return;
    const line = lineOf(this.ctx.sourceFile, st);
    const by = list.getText(this.ctx.sourceFile);
    const reason: Reason = {
      proof: row.reason.proof,
      evidence: st,
      say: (k) =>
        `key ${k} filters the rows of \`${by}\`, which hold only the tenant's, and the path ends on line ${line} when none is found`,
    };
    this.facts.push({
      name: normalize(key.getText(this.ctx.sourceFile)),
      value: { kind: "key", table: rows.table, reason, ...(rows.shared && { shared: true }) },
      scope,
      pos: st.end,
      ...(throws && { throws: true }),
    });
  }

  /** `if (result.error) return result.error`: what the helper verified holds from here on. */
  private passedErrorGate(term: ts.Expression, st: ts.IfStatement, scope: ts.Node, throws: boolean): void {
    const set = setTested(this.tsm, term, this.ctx.sourceFile);
    if (!set) return;
    const { tested, root } = set;
    const line = lineOf(this.ctx.sourceFile, st);
    for (const gate of this.errorGates) {
      if (gate.tested !== tested || st.pos < gate.pos || st.end > gate.scope.end) continue;
      if (constDeclarationOf(this.tsm, root, term) !== gate.decl) continue;
      const reason = gate.fact.value.reason!;
      const value: Value = {
        ...gate.fact.value,
        reason: {
          ...reason,
          say: (k) => `${reason.say(k)}, and the caller stops when \`${tested}\` is set (line ${line})`,
        },
      };
      this.facts.push({ ...gate.fact, value, scope, pos: st.end, throws });
    }
  }

  private guard(st: ts.IfStatement, scope: ts.Node): void {
    const tsm = this.tsm;
    // A branch that ends the path leaves the condition false after the if, whatever its else does
    // (`if (!doc) return 404; else if (doc.teamId !== teamId) return 403;`).
    const exits = endsPath(tsm, st.thenStatement);
    const throws = exits && throwsOnly(tsm, st.thenStatement);
    if (exits) this.eitherCheck(st, scope);
    if (exits) this.flagCheck(st, scope);
    this.grantedBranch(st, scope);
    for (const term of orTerms(tsm, st.expression)) {
      if (exits) this.passedErrorGate(term, st, scope, throws);
      // `if (!hasPermission(perms, envId)) return 401`, `if (!allowed) throw` with `const allowed = await canEdit(id)`.
      // `if (!(await verifySecretKey(secret, key.hashedSecretKey))) throw`: the caller holds the row's secret.
      if (exits) this.verifiedSecret(term, st, scope);
      // `if (!doc.team.users.some((u) => u.userId === userId)) throw`: the user is a member of the row's tenant.
      if (exits) this.memberCheck(term, st, scope);
      const denied = exits ? this.deniedAuthorization(term, st) : undefined;
      // `const access = await getProjectAccess({ projectId: doc.projectId })`, then `if (!access) throw`:
      // reading the row's tenant for the check is no use of the row.
      if (denied) this.authorize(denied, st, scope, throws, enclosingStatementOf(tsm, denied));
      // `if (inviteOrgId !== parsedInput.organizationId) throw`: from here on the two are one value.
      const t = strip(tsm, term);
      if (exits && tsm.isBinaryExpression(t) && isInequality(tsm, t.operatorToken.kind))
        this.equalities.push({ a: t.left, b: t.right, scope, pos: st.end });
      if (exits) this.proveContained(term, st, scope, throws);
      if (exits) this.proveAllFound(term, st, scope, throws);
      const empty = emptinessSubject(tsm, term);
      if (exits && empty && countsRows(tsm, term)) this.includedKeyFound(empty, st, scope, throws);
      if (exits && empty) this.proveFound(empty, st, scope, throws);
      // `if (result.count === 0) throw` after a scoped `updateMany({ where: { id, tenantId } })`: the
      // write found the key in the tenant, as a scoped read that found its row would have.
      const counted = exits ? this.countedWrite(term, st) : undefined;
      if (counted && this.scopedInFlow(counted) && counted.key && !counted.key.list)
        this.prove(counted, scope, st.end, counted.call, throws);
      const emptyValue = empty && this.valueOf(empty, st);
      // `if (!rows)` on a list tests nothing: an empty list is truthy. `!rows.length` does.
      const list = emptyValue && emptyValue.kind !== "row" && emptyValue.kind !== "key" && !countsRows(tsm, term);
      const q = list ? undefined : emptyValue?.source;
      if (exits && q && this.scopedInFlow(q) && q.key && !q.key.list) this.prove(q, scope, st.end, q.call, throws);
      // `if (E.isLeft(found)) return` on a helper's `E.right(row)` of a scoped read by the key it was handed.
      const failed = exits ? failedResultSubject(tsm, term) : undefined;
      const result = failed && this.valueOf(failed, st);
      const wrappedRead = result && wrapperField(result) ? result.source : undefined;
      if (wrappedRead && this.scopedInFlow(wrappedRead) && wrappedRead.key && !wrappedRead.key.list)
        this.prove(wrappedRead, scope, st.end, wrappedRead.call, throws);
      if (exits && q && this.scopedInFlow(q)) this.proveParents(q, scope, st.end, throws);
      if (exits && q?.membership) this.memberOfRowTenant(q, st, scope, throws);
      if (exits) this.everyRowChecked(term, st, scope, throws);
      // `if (conv && conv.userId !== userId) return`: past it the row is missing or the tenant's.
      const present = presentAnd(tsm, term);
      let checked = this.checkedRow(present?.test ?? term, st);
      if (present && checked && !isName(tsm, checked.expr, present.name)) checked = undefined;
      const row = checked?.row;
      // A row already used before its check proves nothing about that use; a row of a list read
      // (`rows[0]`, each row in a callback) is one of many: only a check of every row counts.
      // A row checked on another path (the other branch of an `if`) is checked again here: its
      // name still holds the unchecked row on this one (FunctionFlow.joinBranches).
      if (!checked || !row?.source) continue;
      if (listRead(row.source)) continue;
      // `if (line?.invoiceId !== invoice.id) return line`: the failing branch hands the row out.
      if (exits && returnsName(tsm, st.thenStatement, checked.expr)) continue;
      if (this.usedBefore(row.source, st, scope)) continue;
      // `if (strict) { if (doc.orgId !== orgId) throw }` then `return doc`: a check inside a branch
      // the read is not in holds on that path only; a use of the row past the branch is unchecked.
      if (
        !within(row.source.call, scope) &&
        !this.presentBranch(row.source, scope) &&
        this.usedPast(row.source, scope)
      ) {
        this.checks.set(row.source, { state: "falls-through", check: st, branch: true });
        continue;
      }
      if (!exits) {
        this.checks.set(row.source, { state: "falls-through", check: st });
        continue;
      }
      const line = lineOf(this.ctx.sourceFile, st);
      // `team.id` of a helper's `return doc?.team`: the row's tenant under the tenant row's key.
      const field =
        checked.field === "id" && this.projectedTenant(row, "id")
          ? `tenant (\`${normalize(checked.expr.getText(this.ctx.sourceFile))}.id\`)`
          : checked.field;
      const reason: Reason = checked.public
        ? {
            proof: "public-rows",
            evidence: st,
            say: () =>
              `the row's ${field} is checked to be public on line ${line}, and a row that is not ends the path`,
          }
        : checked.owner
          ? {
              proof: "own-rows",
              evidence: st,
              say: () => `the row's ${field} is checked to be the signed-in user on line ${line}`,
            }
          : checked.parent
            ? {
                proof: "parent",
                evidence: st,
                say: () =>
                  `the row's ${field} is checked on line ${line} against a key of the ${checked.parent} row proven the tenant's`,
              }
            : {
                proof: "ownership-check",
                evidence: st,
                say: () => `the row's ${field} is checked against the tenant on line ${line}`,
              };
      // A `let` assigned in branches (`link = byId` here, `link = byKey` there): each row it may hold is
      // checked, and no read's key is proven, since that read may not have run.
      const reads = this.earlierAssignments(checked.expr, st);
      // A public row is anyone's to read, itself only: its key names no row of the tenant's for
      // later queries (its children may be private), so only the read itself is answered.
      if (checked.public) {
        // A read only: a write by id changed another tenant's row before its flag was looked at.
        if (reads.length <= 1 && row.source.readOnly) this.checks.set(row.source, { state: "checked", reason });
        continue;
      }
      // Checked only when present: a missing row's key may name another tenant's row.
      this.markChecked(row.source, reason, scope, st.end, reads.length <= 1 && !present, checked.shared, throws);
      for (const other of reads)
        if (this.checks.get(other)?.state !== "checked" && !this.usedBefore(other, st, scope))
          // The row is checked, whichever read it came from; the key of a read that may not have run proves nothing.
          this.markChecked(other, reason, scope, st.end, false);
    }
  }
}

/** What a write's result says it changed: Prisma, Drizzle (SQLite), TypeORM, node-postgres, MySQL drivers (numbers). */
const WRITE_COUNTS = new Set(["count", "changes", "affected", "rowCount", "rowsAffected", "affectedRows"]);
/** Kysely's `executeTakeFirst()` result of an update or delete: bigints (`0n === 0` is false). */
const BIGINT_COUNTS = new Set(["numUpdatedRows", "numDeletedRows"]);

/**
 * `!r.count`, `r.count === 0` (`== 0`, `< 1`, `!== 1`), `!count` of `const { count } = ...`: what is
 * tested, and whether a strict comparison named a bigint (`0n`) or a number.
 */
function countTest(
  tsm: typeof ts,
  term: ts.Expression,
): { tested: ts.Expression; strict?: "number" | "bigint" } | undefined {
  const t = strip(tsm, term);
  if (tsm.isPrefixUnaryExpression(t) && t.operator === tsm.SyntaxKind.ExclamationToken)
    return { tested: strip(tsm, t.operand) };
  if (!tsm.isBinaryExpression(t)) return undefined;
  const S = tsm.SyntaxKind;
  const op = t.operatorToken.kind;
  const strict = op === S.EqualsEqualsEqualsToken || op === S.ExclamationEqualsEqualsToken;
  const equal = op === S.EqualsEqualsEqualsToken || op === S.EqualsEqualsToken;
  const unequal = op === S.ExclamationEqualsEqualsToken || op === S.ExclamationEqualsToken;
  const literal = (e: ts.Expression, value: string) => {
    const s = strip(tsm, e);
    if (tsm.isNumericLiteral(s) && s.text === value) return "number" as const;
    if (tsm.isBigIntLiteral(s) && s.text === `${value}n`) return "bigint" as const;
    return undefined;
  };
  for (const [tested, other] of [
    [t.left, t.right],
    [t.right, t.left],
  ] as const) {
    const kind = equal ? literal(other, "0") : unequal ? literal(other, "1") : undefined;
    const less = op === S.LessThanToken && tested === t.left ? literal(other, "1") : undefined;
    if (kind) return { tested: strip(tsm, tested), ...(strict && { strict: kind }) };
    if (less) return { tested: strip(tsm, tested) };
  }
  return undefined;
}

/** `throw ...`, or a block ending in one: the caller's path ends too (a `return` ends only the helper's). */
export function throwsOnly(tsm: typeof ts, st: ts.Statement): boolean {
  if (tsm.isThrowStatement(st)) return true;
  if (!tsm.isBlock(st)) return false;
  const last = st.statements[st.statements.length - 1];
  return !!last && throwsOnly(tsm, last);
}

/**
 * `conv && conv.userId !== userId` (or `conv != null && ...`): the test of a row that holds only when
 * it is there; undefined for any other term.
 */
function presentAnd(tsm: typeof ts, term: ts.Expression): { name: string; test: ts.Expression } | undefined {
  const t = strip(tsm, term);
  if (!tsm.isBinaryExpression(t) || t.operatorToken.kind !== tsm.SyntaxKind.AmpersandAmpersandToken) return undefined;
  let left = strip(tsm, t.left);
  if (tsm.isBinaryExpression(left) && isInequality(tsm, left.operatorToken.kind) && isNothing(tsm, left.right))
    left = strip(tsm, left.left);
  return tsm.isIdentifier(left) ? { name: left.text, test: t.right } : undefined;
}

function isName(tsm: typeof ts, e: ts.Expression, name: string): boolean {
  const x = strip(tsm, e);
  return tsm.isIdentifier(x) && x.text === name;
}

/** A `return` in the loop body (not inside a function in it) other than in `except`. */
function returnsBesides(tsm: typeof ts, body: ts.Node, except: ts.Node): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || n === except || tsm.isFunctionLike(n)) return;
    if (tsm.isReturnStatement(n)) found = true;
    else tsm.forEachChild(n, visit);
  };
  visit(body);
  return found;
}

/** `input`, `ctx.input`, `this.params`: a name or a chain of fields, read where it stands. */
function isPath(tsm: typeof ts, e: ts.Expression): boolean {
  return (
    tsm.isIdentifier(e) ||
    e.kind === tsm.SyntaxKind.ThisKeyword ||
    (tsm.isPropertyAccessExpression(e) && isPath(tsm, strip(tsm, e.expression)))
  );
}

/** A `continue` or `break` of this loop in its body (not of a loop or function inside it). */
function skipsAny(tsm: typeof ts, body: ts.Node): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || tsm.isFunctionLike(n) || tsm.isIterationStatement(n, false) || tsm.isSwitchStatement(n)) return;
    if (tsm.isContinueStatement(n) || tsm.isBreakStatement(n)) found = true;
    else tsm.forEachChild(n, visit);
  };
  visit(body);
  return found;
}

/** `x.findFirst(...)`, `x.count(...)`: ORM lookups that return a promise on every driver (unlike Drizzle's SQLite `.get()`). */
function isAsyncLookup(tsm: typeof ts, call: ts.Expression): boolean {
  return (
    tsm.isCallExpression(call) &&
    tsm.isPropertyAccessExpression(call.expression) &&
    /^(?:find|count|aggregate|exists?$)/.test(call.expression.name.text)
  );
}

/**
 * What a caller tests to see a helper's failure, for a result kept in `st`: `result.error` for
 * `const result = await f()`, `error` for `const { survey, error } = await f()`.
 */
function errorTested(tsm: typeof ts, st: ts.Node, field: string): string | undefined {
  if (!tsm.isVariableDeclaration(st)) return undefined;
  if (tsm.isIdentifier(st.name)) return `${st.name.text}.${field}`;
  if (!tsm.isObjectBindingPattern(st.name)) return undefined;
  for (const el of st.name.elements) {
    const key = el.propertyName ?? el.name;
    if (!el.dotDotDotToken && tsm.isIdentifier(key) && key.text === field && tsm.isIdentifier(el.name))
      return el.name.text;
  }
  return undefined;
}

/** The expression a condition is true for when it is set: `r.error`, `!!r.error`, `r.error != null`, `"error" in r`. */
function setTested(
  tsm: typeof ts,
  term: ts.Expression,
  file: ts.SourceFile,
): { tested: string; root: ts.Identifier } | undefined {
  let t = strip(tsm, term);
  while (
    tsm.isPrefixUnaryExpression(t) &&
    t.operator === tsm.SyntaxKind.ExclamationToken &&
    tsm.isPrefixUnaryExpression(strip(tsm, t.operand)) &&
    (strip(tsm, t.operand) as ts.PrefixUnaryExpression).operator === tsm.SyntaxKind.ExclamationToken
  )
    t = strip(tsm, (strip(tsm, t.operand) as ts.PrefixUnaryExpression).operand);
  if (tsm.isBinaryExpression(t)) {
    const op = t.operatorToken.kind;
    const nothing = isNothing(tsm, strip(tsm, t.right));
    if (nothing && (op === tsm.SyntaxKind.ExclamationEqualsToken || op === tsm.SyntaxKind.ExclamationEqualsEqualsToken))
      t = strip(tsm, t.left);
    else if (op === tsm.SyntaxKind.InKeyword && tsm.isStringLiteral(t.left)) {
      const right = strip(tsm, t.right);
      return tsm.isIdentifier(right) ? { tested: `${right.text}.${t.left.text}`, root: right } : undefined;
    } else return undefined;
  }
  let root: ts.Expression = t;
  while (tsm.isPropertyAccessExpression(root)) root = strip(tsm, root.expression);
  return tsm.isIdentifier(root) && (tsm.isIdentifier(t) || tsm.isPropertyAccessExpression(t))
    ? { tested: normalize(t.getText(file)), root }
    : undefined;
}

/** The key value an included relation is filtered by: `with: { rel: { where: eq(t.id, v) } }`, `include: { rel: { where: { id: v } } }`. */
function includedFilterKey(tsm: typeof ts, call: ts.Node, relation: string): ts.Expression | undefined {
  if (!tsm.isCallExpression(call)) return undefined;
  const options = call.arguments[0] && strip(tsm, call.arguments[0]);
  if (!options || !tsm.isObjectLiteralExpression(options)) return undefined;
  const prop = (o: ts.ObjectLiteralExpression, name: string) => {
    const p = o.properties.find((x) => x.name && tsm.isIdentifier(x.name) && x.name.text === name);
    return p && tsm.isPropertyAssignment(p) ? strip(tsm, p.initializer) : undefined;
  };
  const included = prop(options, "with") ?? prop(options, "include");
  const rel = included && tsm.isObjectLiteralExpression(included) ? prop(included, relation) : undefined;
  const where = relationalWhere(tsm, rel && tsm.isObjectLiteralExpression(rel) ? prop(rel, "where") : undefined);
  const key = where && whereKey(tsm, where, ROW_ID);
  return key && !key.list ? key.expr : undefined;
}

const ROW_ID: ReadonlySet<string> = new Set(["id"]);

/** Whether a `return` in `branch` hands out `row` (by its name) or something read from it. */
function returnsName(tsm: typeof ts, branch: ts.Statement, row: ts.Expression): boolean {
  const base = strip(tsm, row);
  if (!tsm.isIdentifier(base)) return false;
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || tsm.isFunctionLike(n)) return;
    if (tsm.isReturnStatement(n) && n.expression && readsName(tsm, n.expression, base.text)) found = true;
    else tsm.forEachChild(n, visit);
  };
  visit(branch);
  return found;
}

/**
 * CASL's `ForbiddenError.from(ability).throwUnlessCan(action, subject)` (infisical's services):
 * `ability.can(action, subject)` asserted, as `if (ability.cannot(...)) throw` checks it. The
 * call is made for the flow only, spanning the statement's call.
 */
function caslThrowUnlessCan(tsm: typeof ts, call: ts.CallExpression): ts.CallExpression | undefined {
  const callee = strip(tsm, call.expression);
  if (!tsm.isPropertyAccessExpression(callee) || callee.name.text !== "throwUnlessCan") return undefined;
  const from = strip(tsm, callee.expression);
  if (!tsm.isCallExpression(from) || from.arguments.length !== 1) return undefined;
  const made = strip(tsm, from.expression);
  if (!tsm.isPropertyAccessExpression(made) || made.name.text !== "from") return undefined;
  const ability = from.arguments[0]!;
  const f = tsm.factory;
  const access = f.createPropertyAccessExpression(ability, "can");
  const asked = f.createCallExpression(access, undefined, call.arguments);
  tsm.setTextRange(access, { pos: call.expression.pos, end: call.expression.end });
  tsm.setTextRange(asked, { pos: call.pos, end: call.end });
  (access as { parent: ts.Node }).parent = asked;
  (asked as { parent: ts.Node }).parent = call.parent;
  return asked;
}

/** `has("projectId", rawInput)` (a `has(key, object)` helper), `"projectId" in rawInput`: the object and the field it tests. */
function presentField(tsm: typeof ts, e: ts.Expression): { object: ts.Expression; name: string } | undefined {
  if (tsm.isBinaryExpression(e) && e.operatorToken.kind === tsm.SyntaxKind.InKeyword && tsm.isStringLiteral(e.left)) {
    const object = strip(tsm, e.right);
    return tsm.isIdentifier(object) || tsm.isPropertyAccessExpression(object)
      ? { object, name: e.left.text }
      : undefined;
  }
  if (!tsm.isCallExpression(e) || !tsm.isIdentifier(e.expression) || e.expression.text !== "has") return undefined;
  const [key, obj] = e.arguments;
  const object = obj && strip(tsm, obj);
  return key &&
    tsm.isStringLiteral(key) &&
    object &&
    (tsm.isIdentifier(object) || tsm.isPropertyAccessExpression(object))
    ? { object, name: key.text }
    : undefined;
}

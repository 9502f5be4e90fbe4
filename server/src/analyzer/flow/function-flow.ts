// One function's ownership facts, in statement order: it visits the function and records what
// each name holds (flow/flow-values.ts), which key expressions a guard has verified, and which
// by-id reads were checked against the tenant before use.
import type ts from "typescript";
import { isCredentialField } from "../credentials";
import { strip } from "../orm/prisma-syntax";
import { calleeName, derivedKeys, isAuthorizer } from "./authorizers";
import { containmentTest, guardedArguments, membershipTest } from "./check-shapes";
import { constInitializer, writes } from "./bindings";
import {
  countsRows,
  emptinessSubject,
  endsPath,
  fromRequest,
  identifiesTenantRow,
  isTenantValue,
  orTerms,
  tenantMismatchRow,
  type TenantNames,
} from "./conditions";
import {
  ELEMENT_CALLBACKS,
  enclosingStatementOf,
  FlowValues,
  isInequality,
  normalize,
  readsName,
  UNKNOWN,
  within,
  type FlowContext,
} from "./flow-values";
import type { FlowQuery } from "./queries";
import { element, isNothing, lineOf, type Reason, type Value } from "./values";

export type { Check, FlowContext, HelperEffect, HelperEffects } from "./flow-values";
export type { Reason, Value } from "./values";
export { lineOf } from "./values";

/** tRPC's handler methods: `.query(fn)`, `.mutation(fn)`, `.subscription(fn)`. */
const PROCEDURE_RESOLVERS = new Set(["query", "mutation", "subscription"]);

export class FunctionFlow extends FlowValues {
  constructor(ctx: FlowContext, root: ts.Node) {
    super(ctx, root);
    this.guarded(root);
    this.visit(root, root);
  }

  /** A handler behind an access guard (`@UseGuards(...)`): the arguments the guard checked are authorized (flow/check-shapes.ts). */
  private guarded(root: ts.Node): void {
    const tsm = this.tsm;
    const fn = root.parent;
    if (fn && (tsm.isArrowFunction(fn) || tsm.isFunctionExpression(fn))) this.procedureChecked(fn, root);
    if (!fn || !tsm.isMethodDeclaration(fn)) return;
    const line = lineOf(this.ctx.sourceFile, fn.name);
    const read = (guard: string) => this.ctx.helpers?.guardArgs?.(guard, this.ctx.sourceFile);
    for (const { guard, names } of guardedArguments(tsm, fn, this.ctx.authorizers, read)) {
      const reason: Reason = {
        proof: "authorized",
        evidence: fn,
        say: (key) => `key ${key} is checked by the guard \`${guard}\` before the handler on line ${line} runs`,
      };
      for (const name of names)
        this.facts.push({ name, value: { kind: "key", table: "*", reason }, scope: root, pos: root.pos, throws: true });
    }
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
    // `return getProjectAccess({ userId, projectId: dashboard.projectId })`: the row was read only
    // for the tenant the returned lookup asks about; its caller acts on the answer.
    if (tsm.isReturnStatement(node) && node.expression) {
      const q = this.valueOf(node.expression, node)?.source;
      if (q?.membership) this.memberOfRowTenant(q, node, scope, false, true);
    }
    if (tsm.isCallExpression(node)) this.callbackRows(node);
    this.noteWrites(node, scope);
    // `if (c) await assert(...)`: what a statement without braces proves holds inside it only.
    const own = (c: ts.Node) =>
      (tsm.isIfStatement(node) || tsm.isIterationStatement(node, false) || tsm.isLabeledStatement(node)) &&
      tsm.isStatement(c) &&
      !tsm.isBlock(c);
    tsm.forEachChild(node, (c) => this.visit(c, own(c) ? c : scope));
    if (tsm.isIfStatement(node)) this.keepPresent(node, scope);
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
    const all = this.promiseAll(d.name, init);
    if (all) all.forEach(([name, e]) => this.bind(name, this.valueOf(e, d), scope, d.end));
    else this.bind(d.name, this.valueOf(init, d), scope, d.end, this.foundKey(init, d));
    this.ran(init, d, scope, "kept");
  }

  /** `const [count, rows] = await Promise.all([countQuery, rowsQuery])`: each name with the expression it receives. */
  private promiseAll(name: ts.BindingName, init: ts.Expression): [ts.BindingName, ts.Expression][] | undefined {
    const tsm = this.tsm;
    if (!tsm.isArrayBindingPattern(name)) return undefined;
    let e = strip(tsm, init);
    while (tsm.isAwaitExpression(e)) e = strip(tsm, e.expression);
    if (!tsm.isCallExpression(e) || e.expression.getText(this.ctx.sourceFile) !== "Promise.all") return undefined;
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
  private ran(expr: ts.Expression, st: ts.Node, scope: ts.Node, use: "statement" | "kept"): void {
    const tsm = this.tsm;
    let e = strip(tsm, expr);
    while (tsm.isAwaitExpression(e)) e = strip(tsm, e.expression);
    const q = this.ctx.queries.get(e);
    if (q && this.scopedInFlow(q) && q.throwsWhenEmpty && q.key && !q.key.list)
      this.prove(q, scope, st.end, q.call, true);
    if (q?.throwsWhenEmpty && q.membership) this.memberOfRowTenant(q, st, scope, true);
    this.applyEffects(expr, st, scope);
    if (tsm.isCallExpression(e) && !q && isAuthorizer(tsm, e, this.ctx.authorizers, use))
      this.authorize(e, st, scope, true);
  }

  /** `await requireProject(input.id, ctx)`, `assertOwned(doc, tenantId)`: what the helper proves from here on. */
  private applyEffects(expr: ts.Expression, st: ts.Node, scope: ts.Node): void {
    const tsm = this.tsm;
    let e = strip(tsm, expr);
    while (tsm.isAwaitExpression(e)) e = strip(tsm, e.expression);
    if (!tsm.isCallExpression(e) || !this.ctx.helpers || this.ctx.queries.has(e)) return;
    for (const effect of this.ctx.helpers.effects(e)) {
      if (effect.kind === "verifies") {
        const text = normalize(effect.key.getText(this.ctx.sourceFile)) + effect.path;
        const value: Value = {
          kind: "key",
          table: effect.table,
          reason: effect.reason,
          ...(effect.present && { present: true }),
        };
        this.facts.push({ name: text, value, scope, pos: st.end, throws: true });
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

  /** `if (!doc) throw`, `if (m.tenantId !== tenantId) return`: facts that hold after the if. */
  private guard(st: ts.IfStatement, scope: ts.Node): void {
    const tsm = this.tsm;
    const exits = !st.elseStatement && endsPath(tsm, st.thenStatement);
    const throws = exits && throwsOnly(tsm, st.thenStatement);
    for (const term of orTerms(tsm, st.expression)) {
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
      const empty = emptinessSubject(tsm, term);
      if (exits && empty) this.proveFound(empty, st, scope, throws);
      const emptyValue = empty && this.valueOf(empty, st);
      // `if (!rows)` on a list tests nothing: an empty list is truthy. `!rows.length` does.
      const list = emptyValue && emptyValue.kind !== "row" && emptyValue.kind !== "key" && !countsRows(tsm, term);
      const q = list ? undefined : emptyValue?.source;
      if (exits && q && this.scopedInFlow(q) && q.key && !q.key.list) this.prove(q, scope, st.end, q.call, throws);
      if (exits && q?.membership) this.memberOfRowTenant(q, st, scope, throws);
      const checked = this.checkedRow(term, st);
      const row = checked?.row;
      // A row already used before its check proves nothing about that use.
      if (!checked || !row?.source || this.checks.get(row.source)?.state === "checked") continue;
      if (this.usedBefore(row.source, st, scope)) continue;
      if (!exits) {
        this.checks.set(row.source, { state: "falls-through", check: st });
        continue;
      }
      const line = lineOf(this.ctx.sourceFile, st);
      const field = checked.field;
      const reason: Reason = {
        proof: "ownership-check",
        evidence: st,
        say: () => `the row's ${field} is checked against the tenant on line ${line}`,
      };
      // A `let` assigned in branches (`link = byId` here, `link = byKey` there): each row it may hold is
      // checked, and no read's key is proven, since that read may not have run.
      const reads = this.earlierAssignments(checked.expr, st);
      this.markChecked(row.source, reason, scope, st.end, reads.length <= 1, checked.shared);
      for (const other of reads)
        if (this.checks.get(other)?.state !== "checked" && !this.usedBefore(other, st, scope))
          // The row is checked, whichever read it came from; the key of a read that may not have run proves nothing.
          this.markChecked(other, reason, scope, st.end, false);
    }
  }

  /**
   * `const m = await prisma.teamMember.findUnique({ where: { teamID_userUid: { teamID: doc.teamID,
   * userUid } } })`, then `if (!m) throw`: the user is a member of the tenant the row read by id
   * belongs to, so the row is checked. The user must be the one asking: not a value the client
   * sent, and not one read from the row itself.
   */
  private memberOfRowTenant(q: FlowQuery, st: ts.Node, scope: ts.Node, throws: boolean, returned = false): void {
    const tsm = this.tsm;
    const { tenant, user, keyOf } = q.membership!;
    const holder = tsm.isPropertyAccessExpression(tenant) ? strip(tsm, tenant.expression) : undefined;
    if (fromRequest(tsm, user) || (holder && tsm.isIdentifier(holder) && readsName(tsm, user, holder.text))) return;
    const line = lineOf(this.ctx.sourceFile, q.call);
    // `getProjectAccess({ userId, projectId: input.projectId })`: the key is one of a row whose
    // tenant the user belongs to, from here on.
    if (keyOf) {
      const name = normalize(tenant.getText(this.ctx.sourceFile));
      const reason: Reason = {
        proof: "membership",
        evidence: q.call,
        say: (key) =>
          `the user's membership in the tenant of ${key} is looked up on line ${line}, and a missing one ends the path`,
      };
      this.facts.push({ name, value: { kind: "key", table: keyOf, reason }, scope, pos: st.end, throws });
    }
    if (!holder || !tsm.isPropertyAccessExpression(tenant)) return;
    const row = this.valueOf(holder, st);
    if (row?.kind !== "row" || !row.unchecked || !row.source) return;
    const field = tenant.name.text;
    const holdsKey = keyOf && this.ctx.links?.referencedTable(row.table, field) === keyOf;
    if (!this.ctx.tenantOf(row.table).names.has(field) && !holdsKey) return;
    // Reading the row's tenant for the lookup is no use of the row.
    const lookup = enclosingStatementOf(tsm, q.call);
    if (this.checks.get(row.source)?.state === "checked" || this.usedBefore(row.source, st, scope, lookup)) return;
    const reason: Reason = {
      proof: "membership",
      evidence: q.call,
      say: () =>
        returned
          ? `only the row's ${field} is read, for the membership lookup returned on line ${line}`
          : `the user's membership in the row's ${field} is looked up on line ${line}, and a missing one ends the path`,
    };
    this.markChecked(row.source, reason, scope, st.end);
  }

  /**
   * `if (!allowed.has(id)) throw` with `allowed = new Set(rows.map((r) => r.id))` over owned rows
   * (or `ownedIds.includes(id)`): `id` is one of those keys. `if (ids.some((id) => !allowed.has(id)))
   * throw`, or `!ids.every((id) => allowed.has(id))`: every key of `ids` is.
   */
  private proveContained(term: ts.Expression, st: ts.IfStatement, scope: ts.Node, throws: boolean): void {
    const test = containmentTest(this.tsm, term);
    const keys = test && this.valueOf(test.keys, st);
    if (!test || keys?.kind !== "keys" || keys.unchecked || !keys.reason) return;
    const proven = "key" in test ? test.key : test.list;
    const value: Value = "key" in test ? { ...keys, kind: "key" } : keys;
    this.facts.push({ name: normalize(proven.getText(this.ctx.sourceFile)), value, scope, pos: st.end, throws });
  }

  /**
   * `domainProcedure.mutation(async ({ ctx, input }) => ...)`: the input fields the procedure's
   * middleware verified (`.use(...)` reading `input.id` scoped, then throwing) are keys of that
   * table in the handler, as `input.id` (destructured) or `opts.input.id`.
   */
  private procedureChecked(fn: ts.ArrowFunction | ts.FunctionExpression, root: ts.Node): void {
    const tsm = this.tsm;
    const call = fn.parent;
    if (!tsm.isCallExpression(call) || call.arguments[0] !== fn || !tsm.isPropertyAccessExpression(call.expression))
      return;
    if (!PROCEDURE_RESOLVERS.has(call.expression.name.text)) return;
    const param = fn.parameters[0]?.name;
    if (!param) return;
    const checks = this.ctx.helpers?.procedureChecks?.(call) ?? [];
    const line = lineOf(this.ctx.sourceFile, call);
    for (const { path, table, row } of checks) {
      const name = handlerName(tsm, param, path);
      if (!name) continue;
      const reason: Reason = row
        ? {
            proof: "helper",
            evidence: call,
            say: (key) => `key ${key} comes from the row the procedure's middleware read for the tenant and put on ctx`,
          }
        : {
            proof: "authorized",
            evidence: call,
            say: (key) =>
              `key ${key} is verified by the procedure's middleware before the handler on line ${line} runs`,
          };
      const value: Value = { kind: row ? "row" : "key", table, reason };
      this.facts.push({ name, value, scope: root, pos: root.pos, throws: true });
    }
  }

  /**
   * `if (!document) throw` with `document = team.documents.find((d) => d.id === docId)`, or
   * `if (!team.documents.some((d) => d.id === docId)) throw`: from here on `docId` is an owned key.
   */
  private proveFound(empty: ts.Expression, st: ts.IfStatement, scope: ts.Node, throws: boolean): void {
    const tsm = this.tsm;
    const e = strip(tsm, empty);
    const found = tsm.isIdentifier(e) ? this.foundAt(e.text, st) : this.foundKey(e, st);
    if (!found) return;
    const line = lineOf(this.ctx.sourceFile, st);
    const inner = found.reason;
    const reason: Reason = {
      proof: inner.proof,
      evidence: inner.evidence,
      say: (k) =>
        `key ${k} must match a row of \`${found.rows}\` (the path ends on line ${line} otherwise), and ${inner.say(`\`${found.rows}\``)}`,
    };
    const name = normalize(found.key.getText(this.ctx.sourceFile));
    this.facts.push({ name, value: { kind: "key", table: found.table, reason }, scope, pos: st.end, throws });
  }

  /**
   * `!check(...)`, `!(await check(...))`, or `!ok` with `const ok = await check(...)` (`part`: that
   * const's statement, where the row may be read by the check itself): what is negated, awaits stripped.
   */
  private negated(
    term: ts.Expression,
    st: ts.Node,
  ): { e: ts.Expression; part?: ts.Node; awaited: boolean } | undefined {
    const tsm = this.tsm;
    const t = strip(tsm, term);
    if (!tsm.isPrefixUnaryExpression(t) || t.operator !== tsm.SyntaxKind.ExclamationToken) return undefined;
    let e = strip(tsm, t.operand);
    const kept = tsm.isIdentifier(e) ? constInitializer(tsm, e, st) : undefined;
    if (kept) e = strip(tsm, kept);
    let awaited = false;
    while (tsm.isAwaitExpression(e)) {
      awaited = true;
      e = strip(tsm, e.expression);
    }
    return { e, part: kept && enclosingStatementOf(tsm, kept), awaited };
  }

  /**
   * `!(await verifySecretKey(secret, row.hashedSecretKey))`, `!(await bcrypt.compare(pw, row.passwordHash))`:
   * a row whose secret (or its hash) the caller proved to hold is the caller's, as a lookup by the secret would be.
   */
  private verifiedSecret(term: ts.Expression, st: ts.IfStatement, scope: ts.Node): void {
    const tsm = this.tsm;
    const negated = this.negated(term, st);
    if (!negated) return;
    const { e, part, awaited } = negated;
    const name = tsm.isCallExpression(e) ? (calleeName(tsm, e) ?? "") : "";
    if (!tsm.isCallExpression(e) || !/^(?:verify|compare|check|validate)/i.test(name)) return;
    // Not awaited, a promise is always truthy: `!bcrypt.compare(...)` never ends the path.
    if (!awaited && !/Sync$/.test(name)) return;
    for (const arg of e.arguments) {
      const a = strip(tsm, arg);
      if (!tsm.isPropertyAccessExpression(a) || !isCredentialField(a.name.text)) continue;
      // The caller's secret must be handed over too: `verify(key.a, key.b)` proves nothing about the caller.
      const owner = strip(tsm, a.expression).getText(this.ctx.sourceFile);
      const given = e.arguments.some((other) => other !== arg && !readsName(tsm, other, owner));
      if (!given) continue;
      const row = this.valueOf(a.expression, st);
      if (row?.kind !== "row" || !row.unchecked || !row.source || this.checks.get(row.source)?.state === "checked")
        continue;
      if (this.usedBefore(row.source, st, scope, part)) continue;
      const line = lineOf(this.ctx.sourceFile, st);
      const field = a.name.text;
      this.markChecked(
        row.source,
        {
          proof: "credential",
          evidence: e,
          say: () => `the caller proved to hold the row's secret (\`${field}\` is verified on line ${line})`,
        },
        scope,
        st.end,
      );
    }
  }

  /**
   * `!doc.team.users.some((u) => u.userId === userId)`: the row's tenant (reached by its tenant
   * column) lists the user among its members; the user id is not one the client chose.
   */
  private memberCheck(term: ts.Expression, st: ts.IfStatement, scope: ts.Node): void {
    const tsm = this.tsm;
    const negated = this.negated(term, st);
    if (!negated) return;
    const { e, part } = negated;
    const test = membershipTest(tsm, e);
    if (!test) return;
    const { rowExpr, relation, members } = test;
    const row = this.valueOf(rowExpr, st);
    if (row?.kind !== "row" || !row.unchecked || !row.source || this.checks.get(row.source)?.state === "checked")
      return;
    if (!this.ctx.links?.tenantMembers(row.table, relation, members)) return;
    if (this.usedBefore(row.source, st, scope, part)) return;
    const line = lineOf(this.ctx.sourceFile, st);
    const path = `${relation}.${members}`;
    this.markChecked(
      row.source,
      {
        proof: "authorized",
        evidence: st,
        say: () => `the user is checked to be among the row's \`${path}\` on line ${line}`,
      },
      scope,
      st.end,
    );
  }

  /** `!authorize(...)`, `!(await authorize(...))`, `!allowed` with `allowed` a const holding one. */
  private deniedAuthorization(term: ts.Expression, at: ts.Node): ts.CallExpression | undefined {
    const tsm = this.tsm;
    const t = strip(tsm, term);
    if (!tsm.isPrefixUnaryExpression(t) || t.operator !== tsm.SyntaxKind.ExclamationToken) return undefined;
    let e = strip(tsm, t.operand);
    for (let hops = 0; hops < 2; hops++) {
      while (tsm.isAwaitExpression(e)) e = strip(tsm, e.expression);
      if (tsm.isCallExpression(e)) return isAuthorizer(tsm, e, this.ctx.authorizers, "condition") ? e : undefined;
      const init = tsm.isIdentifier(e) ? constInitializer(tsm, e, at) : undefined;
      if (!init) return undefined;
      e = strip(tsm, init);
    }
    return undefined;
  }

  /**
   * An authorization check passed: every key it was handed (and each key its resolvers were handed)
   * is the user's from here on, for any table; a row whose tenant field it was handed is checked.
   */
  private authorize(call: ts.CallExpression, st: ts.Node, scope: ts.Node, throws: boolean, part?: ts.Node): void {
    const tsm = this.tsm;
    const name = calleeName(tsm, call) ?? "the check";
    const line = lineOf(this.ctx.sourceFile, call);
    const reason: Reason = {
      proof: "authorized",
      evidence: call,
      say: (key) => `key ${key} is passed to the authorization check \`${name}\` on line ${line}`,
    };
    for (const arg of call.arguments) {
      if (tsm.isSpreadElement(arg)) continue;
      // `canDeleteReport(auth, report)`: the whole row handed to the check, beside who asks, is checked.
      const whole = strip(tsm, arg);
      const row = tsm.isIdentifier(whole) ? this.valueOf(whole, st) : undefined;
      const asker =
        tsm.isIdentifier(whole) && call.arguments.some((other) => other !== arg && !readsName(tsm, other, whole.text));
      if (
        asker &&
        row?.kind === "row" &&
        row.unchecked &&
        row.source &&
        this.checks.get(row.source)?.state !== "checked" &&
        !this.usedBefore(row.source, st, scope, part)
      )
        this.markChecked(
          row.source,
          {
            proof: "authorized",
            evidence: call,
            say: () => `the row is passed to the authorization check \`${name}\` on line ${line}`,
          },
          scope,
          st.end,
        );
      for (const key of derivedKeys(tsm, arg, call, (e) => this.equalTo(e, call))) {
        const text = normalize(key.getText(this.ctx.sourceFile));
        this.facts.push({ name: text, value: { kind: "key", table: "*", reason }, scope, pos: st.end, throws });
        // `assertProjectAccess(user, tag.projectId)` after a by-id read of the tag: the row is checked.
        if (!tsm.isPropertyAccessExpression(key)) continue;
        const row = this.valueOf(key.expression, st);
        if (row?.kind !== "row" || !row.unchecked || !row.source) continue;
        if (!this.ctx.tenantOf(row.table).names.has(key.name.text)) continue;
        if (this.checks.get(row.source)?.state === "checked" || this.usedBefore(row.source, st, scope, part)) continue;
        const field = key.name.text;
        this.markChecked(
          row.source,
          {
            proof: "authorized",
            evidence: call,
            say: () => `the row's ${field} is passed to the authorization check \`${name}\` on line ${line}`,
          },
          scope,
          st.end,
        );
      }
    }
  }

  /** From here on the row (and whatever was bound from it) is the tenant's. */
  private markChecked(
    source: FlowQuery,
    reason: Reason,
    scope: ts.Node,
    pos: number,
    keyFact = true,
    shared = false,
  ): void {
    this.checks.set(source, { state: "checked", reason });
    const readable = shared ? { shared: true } : {};
    // The key the row was read by is the tenant's too: `delete({ where: { id } })` after the check.
    if (keyFact && source.key && !source.key.list) {
      const name = normalize(source.key.expr.getText(this.ctx.sourceFile));
      this.facts.push({ name, value: { kind: "key", table: source.table, reason, ...readable }, scope, pos });
    }
    for (const b of [...this.bindings])
      if (b.value.source === source && b.value.unchecked)
        this.bindings.push({
          ...b,
          value: { ...b.value, unchecked: false, reason, ...readable },
          scope,
          pos,
          block: scope,
        });
  }

  /** The unchecked reads a `let` was assigned before `at` (all of them, whichever branch ran). */
  private earlierAssignments(expr: ts.Expression, at: ts.Node): FlowQuery[] {
    const e = strip(this.tsm, expr);
    if (!this.tsm.isIdentifier(e)) return [];
    return this.bindings
      .filter((b) => b.mutable && b.name === e.text && b.pos <= at.pos && within(at, b.scope))
      .flatMap((b) => (b.value.unchecked && b.value.source ? [b.value.source] : []));
  }

  private checkedRow(
    term: ts.Expression,
    st: ts.IfStatement,
  ): { row: Value; field: string; expr: ts.Expression; shared?: boolean } | undefined {
    const tsm = this.tsm;
    const t = strip(tsm, term);
    if (!tsm.isBinaryExpression(t)) return undefined;
    const sharedCheck = this.sharedOrOwned(t);
    const compared = sharedCheck ?? t;
    // A row that may be shared is the tenant's to read, not to write by its key.
    const shared = sharedCheck ? { shared: true } : {};
    for (const side of [compared.left, compared.right]) {
      const s = strip(tsm, side);
      if (!tsm.isPropertyAccessExpression(s)) continue;
      const value = this.valueOf(s.expression, st);
      const projected =
        value?.kind === "row" &&
        value.unchecked &&
        isInequality(tsm, compared.operatorToken.kind) &&
        this.projectedTenant(value, s.name.text);
      if (projected && isTenantValue(tsm, side === compared.left ? compared.right : compared.left, projected))
        return { row: value!, field: s.name.text, expr: s.expression, ...shared };
      if (value?.kind === "row" && value.unchecked) {
        const row = tenantMismatchRow(tsm, compared, this.ctx.tenantOf(value.table));
        const other = side === compared.left ? compared.right : compared.left;
        if (row && strip(tsm, row) === strip(tsm, s.expression) && !this.unprovenRowField(other, st))
          return { row: value, field: s.name.text, expr: s.expression, ...shared };
        continue;
      }
      // `update?.statusReport.workspaceId !== workspaceId`: the tenant of the parent the row hangs off.
      const via = strip(tsm, s.expression);
      if (!tsm.isPropertyAccessExpression(via)) continue;
      const child = this.valueOf(via.expression, st);
      if (child?.kind !== "row" || !child.unchecked) continue;
      const parent = this.ctx.links?.parentOf(child.table, via.name.text);
      const row = parent && tenantMismatchRow(tsm, compared, this.ctx.tenantOf(parent));
      const other = side === compared.left ? compared.right : compared.left;
      if (row && strip(tsm, row) === via && !this.unprovenRowField(other, st))
        return { row: child, field: `${via.name.text}.${s.name.text}`, expr: via.expression, ...shared };
      // `key.workspace.orgId !== ctx.tenant.id`: the tenant's own row, reached by the row's tenant
      // column, is the session's (or belongs to the session's organisation above it).
      const tenant = this.ctx.tenantOf(child.table);
      if (
        !parent &&
        isInequality(tsm, compared.operatorToken.kind) &&
        this.ctx.links?.isTenantRow(child.table, via.name.text) &&
        identifiesTenantRow(tenant, s.name.text) &&
        isTenantValue(tsm, other, tenant) &&
        !this.unprovenRowField(other, st)
      )
        return { row: child, field: `${via.name.text}.${s.name.text}`, expr: via.expression, ...shared };
    }
    return undefined;
  }

  /**
   * `t.projectId && t.projectId !== projectId`: shared rows (no tenant) pass, owned ones must
   * match; the comparison, when the left side tests the field the right side compares.
   */
  private sharedOrOwned(t: ts.BinaryExpression): ts.BinaryExpression | undefined {
    const tsm = this.tsm;
    if (t.operatorToken.kind !== tsm.SyntaxKind.AmpersandAmpersandToken) return undefined;
    const shared = strip(tsm, t.left);
    const mismatch = strip(tsm, t.right);
    if (!tsm.isPropertyAccessExpression(shared) || !tsm.isBinaryExpression(mismatch)) return undefined;
    if (!isInequality(tsm, mismatch.operatorToken.kind)) return undefined;
    const text = normalize(shared.getText(this.ctx.sourceFile));
    const sides = [mismatch.left, mismatch.right].map((x) => normalize(x.getText(this.ctx.sourceFile)));
    return sides.includes(text) ? mismatch : undefined;
  }

  /**
   * `row.reportWorkspaceId` of `select({ ..., reportWorkspaceId: statusReport.workspaceId })` with
   * the row joined to statusReport on its own key: the tenant names of the table whose tenant it is.
   */
  private projectedTenant(row: Value, field: string): TenantNames | undefined {
    const q = row.source;
    const p = q?.projection?.get(field);
    if (!q || !p?.column || (p.table !== q.table && !q.joinedParents?.includes(p.table))) return undefined;
    const names = this.ctx.tenantOf(p.table);
    return names.names.has(p.column) ? names : undefined;
  }

  /** Whether a name bound from `source` is read between the query and the check. */
  private usedBefore(source: FlowQuery, check: ts.Node, scope: ts.Node, part?: ts.Node): boolean {
    const tsm = this.tsm;
    const names = new Set(this.bindings.filter((b) => b.value.source === source).map((b) => b.name));
    let used = false;
    const visit = (n: ts.Node): void => {
      // `part`: the check's own earlier statement (`const isValid = await verify(..., row.hash)`).
      if (used || n.end <= source.call.end || n.pos >= check.pos || n === part) return;
      // Tests in earlier guards (`if (!m) throw`) read the row without using it.
      if (tsm.isIfStatement(n)) {
        tsm.forEachChild(n.thenStatement, visit);
        if (n.elseStatement) tsm.forEachChild(n.elseStatement, visit);
        return;
      }
      // `coll.left` of `E.left(...)`: the failure a wrapper holds, not its row.
      const failure =
        tsm.isPropertyAccessExpression(n.parent) &&
        n.parent.expression === n &&
        /^(?:left|error)$/.test(n.parent.name.text);
      if (tsm.isIdentifier(n) && names.has(n.text) && n.pos >= source.call.end && isVariableRead(tsm, n) && !failure)
        used = !(
          (tsm.isVariableDeclaration(n.parent) && n.parent.name === n) ||
          // `link = await ...` overwrites the variable: not a use of what it held.
          (tsm.isBinaryExpression(n.parent) &&
            n.parent.left === n &&
            n.parent.operatorToken.kind === tsm.SyntaxKind.EqualsToken)
        );
      tsm.forEachChild(n, visit);
    };
    visit(scope);
    return used;
  }

  /** The key `q` selected by is now an owned key of its table. */
  private prove(q: FlowQuery, scope: ts.Node, pos: number, evidence: ts.Node, throws: boolean): void {
    const text = normalize(q.key!.expr.getText(this.ctx.sourceFile));
    const line = lineOf(this.ctx.sourceFile, q.call);
    const reason: Reason = {
      proof: "owned-key",
      evidence,
      say: (key) =>
        `key ${key} was looked up by the scoped query on line ${line}, and the path ends when it finds nothing`,
    };
    this.facts.push({ name: text, value: { kind: "key", table: q.table, reason }, scope, pos, throws });
  }
}

/** `throw ...`, or a block ending in one: the caller's path ends too (a `return` ends only the helper's). */
export function throwsOnly(tsm: typeof ts, st: ts.Statement): boolean {
  if (tsm.isThrowStatement(st)) return true;
  if (!tsm.isBlock(st)) return false;
  const last = st.statements[st.statements.length - 1];
  return !!last && throwsOnly(tsm, last);
}

/** An identifier that reads a variable: not a property name (`prisma.link`, `{ link: 1 }`), not a binding element. */
function isVariableRead(tsm: typeof ts, n: ts.Identifier): boolean {
  const p = n.parent;
  if (tsm.isBindingElement(p)) return false;
  if ((tsm.isPropertyAccessExpression(p) || tsm.isPropertyAssignment(p)) && p.name === n) return false;
  return true;
}

/**
 * How a handler names a field of its argument: `opts.input.id` for a parameter `opts`, `input.id`
 * when it destructures `{ input }`, `contactBook` for `{ ctx: { contactBook } }`.
 */
function handlerName(tsm: typeof ts, param: ts.BindingName, path: string): string | undefined {
  if (tsm.isIdentifier(param)) return `${param.text}${path}`;
  if (!tsm.isObjectBindingPattern(param)) return undefined;
  const [, field, rest] = /^\.([^.]+)(.*)$/.exec(path) ?? [];
  const el = param.elements.find((e) => (e.propertyName ?? e.name).getText() === field && !e.dotDotDotToken);
  if (!el) return undefined;
  return handlerName(tsm, el.name, rest ?? "");
}

// The checks a function's flow credits, and what each proves: an access guard or a tRPC
// middleware that ran before the handler, a membership lookup of the row's tenant, a key found
// among owned ones, a verified secret, an authorization call, a comparison of a row's tenant with
// the tenant. FunctionFlow (flow/function-flow.ts) walks the statements and calls them.
import type ts from "typescript";
import { isCredentialField, isPublicFlag } from "../credentials";
import { usedToDecide } from "../explain-evidence";
import { chainOf } from "../orm/chain";
import { strip } from "../orm/prisma-syntax";
import {
  answersWithAccess,
  asksOnItsOwn,
  calleeName,
  checkedSubject,
  spreadSubject,
  derivedKeys,
  isAuthorizer,
  refusesWhenTrue,
} from "./authorizers";
import { isOwnerColumn, isSessionUser } from "../membership";
import { containmentTest, guardedArguments, membershipTest } from "./check-shapes";
import { constDeclarationOf, constInitializer, elementsWritten } from "./bindings";
import {
  andTerms,
  failedResultSubject,
  orTerms,
  fromRequest,
  identifiesTenantRow,
  isTenantValue,
  tenantMismatchRow,
  type TenantNames,
} from "./conditions";
import {
  enclosingStatementOf,
  FlowValues,
  isInequality,
  normalize,
  readsName,
  within,
  type Binding,
} from "./flow-values";
import { isWriteTarget } from "../statements";
import type { FlowQuery } from "./queries";
import { callback, element, isNothing, lineOf, listRead, thenPicks, type Reason, type Value } from "./values";

/** The field of a check's answer that says yes: `allowed`, `authorized`, `hasAccess`, `granted`. */
const GRANTED = /^(?:is)?(?:allowed|authori[sz]ed|granted|permitted|hasAccess|hasPermission)$/i;

/** tRPC's handler methods: `.query(fn)`, `.mutation(fn)`, `.subscription(fn)`. */
const PROCEDURE_RESOLVERS = new Set(["query", "mutation", "subscription"]);

export abstract class AccessChecks extends FlowValues {
  /** A handler behind an access guard (`@UseGuards(...)`): the arguments the guard checked are authorized (flow/check-shapes.ts). */
  protected guarded(root: ts.Node): void {
    const tsm = this.tsm;
    const fn = root.parent;
    if (fn && (tsm.isArrowFunction(fn) || tsm.isFunctionExpression(fn))) this.procedureChecked(fn, root);
    if (!fn || !tsm.isMethodDeclaration(fn)) return;
    const line = lineOf(this.ctx.sourceFile, fn.name);
    const read = (guard: string) => this.ctx.helpers?.guardArgs?.(guard, this.ctx.sourceFile);
    for (const { guard, names, whole } of guardedArguments(tsm, fn, this.ctx.authorizers, read)) {
      const reason: Reason = {
        proof: "authorized",
        evidence: fn,
        say: (key) =>
          whole
            ? `key ${key} is a request argument the guard \`${guard}\` hands whole to its check before the handler on line ${line} runs`
            : `key ${key} is checked by the guard \`${guard}\` before the handler on line ${line} runs`,
      };
      const key: Value = { kind: "key", table: "*", reason };
      // Checked whole, an argument's fields are too (`data.contentId` of `@Args('data') data`).
      const value = whole ? { ...key, anyField: key } : key;
      for (const name of names) this.facts.push({ name, value, scope: root, pos: root.pos, throws: true });
    }
  }

  /**
   * `const m = await prisma.teamMember.findUnique({ where: { teamID_userUid: { teamID: doc.teamID,
   * userUid } } })`, then `if (!m) throw`: the user is a member of the tenant the row read by id
   * belongs to, so the row is checked. The user must be the one asking: not a value the client
   * sent, and not one read from the row itself.
   */
  protected memberOfRowTenant(q: FlowQuery, st: ts.Node, scope: ts.Node, throws: boolean, returned = false): void {
    const tsm = this.tsm;
    const { tenant, user, keyOf } = q.membership!;
    let holder = tsm.isPropertyAccessExpression(tenant) ? strip(tsm, tenant.expression) : undefined;
    // `teamID: doc.team.id` with `doc.team` the row's tenant (by its tenant column): the row's tenant.
    let tenantRow = false;
    if (
      holder &&
      tsm.isPropertyAccessExpression(holder) &&
      (tenant as ts.PropertyAccessExpression).name.text === "id"
    ) {
      const base = strip(tsm, holder.expression);
      const row = this.valueOf(base, st);
      if (row?.kind === "row" && this.ctx.links?.isTenantRow(row.table, holder.name.text)) {
        holder = base;
        tenantRow = true;
      }
    }
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
    let field = tenant.name.text;
    const holdsKey = keyOf && this.ctx.links?.referencedTable(row.table, field) === keyOf;
    // `team.id` of a helper's `return doc?.team` (HelperSummaries.reshapedRow): the row's tenant column.
    const ownTenant = tenantRow || this.ctx.tenantOf(row.table).names.has(field) || !!this.projectedTenant(row, field);
    if (!ownTenant && !holdsKey) return;
    if (field === "id" && ownTenant) field = `tenant (\`${normalize(tenant.getText(this.ctx.sourceFile))}\`)`;
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
  protected proveContained(term: ts.Expression, st: ts.IfStatement, scope: ts.Node, throws: boolean): void {
    const tsm = this.tsm;
    const test = containmentTest(tsm, term);
    const keys = test && this.valueOf(test.keys, st);
    if (!test || keys?.kind !== "keys" || keys.unchecked || !keys.reason) return;
    // `allowed.add(extra)` before the check: the set holds more than the scoped read's keys.
    const set = strip(tsm, test.keys);
    const declared = tsm.isIdentifier(set) ? constDeclarationOf(tsm, set, st) : undefined;
    const setChanged = declared && listChangedAt(tsm, set, declared);
    if (setChanged !== undefined && setChanged < st.pos) return;
    const proven = "key" in test ? test.key : test.list;
    const value: Value = "key" in test ? { ...keys, kind: "key" } : keys;
    // `ids.push(other)` after the check, or `ids` handed to a call: proven up to there.
    const listChanged = "list" in test ? listChangedAt(tsm, test.list, st) : undefined;
    if (listChanged === -1) return;
    this.facts.push({
      name: normalize(proven.getText(this.ctx.sourceFile)),
      value,
      scope,
      pos: st.end,
      throws,
      ...(listChanged !== undefined && { until: listChanged }),
    });
  }

  /**
   * `if (owned.length !== ids.length) throw` after `const owned = await db.option.findMany({ where:
   * { id: { in: ids }, attributeId } })` scoped: the read found every key of the list, so each is
   * the tenant's from here on (cal.com's validateOptionsBelongToAttribute). `<` (the rows first)
   * and `>` (the keys first) too; `!owned.length` proves only that one key was found, so nothing.
   */
  protected proveAllFound(term: ts.Expression, st: ts.IfStatement, scope: ts.Node, throws: boolean): void {
    const tsm = this.tsm;
    const t = strip(tsm, term);
    if (!tsm.isBinaryExpression(t)) return;
    const op = t.operatorToken.kind;
    const S = tsm.SyntaxKind;
    const lengthOf = (e: ts.Expression) => {
      const x = strip(tsm, e);
      return tsm.isPropertyAccessExpression(x) && x.name.text === "length" ? strip(tsm, x.expression) : undefined;
    };
    const pairs: [ts.Expression, ts.Expression][] =
      op === S.ExclamationEqualsEqualsToken || op === S.ExclamationEqualsToken
        ? [
            [t.left, t.right],
            [t.right, t.left],
          ]
        : op === S.LessThanToken
          ? [[t.left, t.right]]
          : op === S.GreaterThanToken
            ? [[t.right, t.left]]
            : [];
    for (const [rowsSide, keysSide] of pairs) {
      const rows = lengthOf(rowsSide);
      const keys = lengthOf(keysSide);
      const value = rows && keys && this.valueOf(rows, st);
      const q = value && value.kind === "rows" ? value.source : undefined;
      if (!q?.key?.list || !this.scopedInFlow(q)) continue;
      // One row per key: an ORM list read of one table (a SQL join or UNION may return a key twice).
      if (!oneRowPerKey(tsm, q.call)) continue;
      const name = normalize(keys!.getText(this.ctx.sourceFile));
      if (normalize(q.key.expr.getText(this.ctx.sourceFile)) !== name) continue;
      // `owned.push(...extra)` or `ids.push(other)` before the check: the count proves nothing; `ids`
      // handed to a call after it: the keys are proven up to that call.
      const keysChanged = listChangedAt(tsm, keys!, q.call);
      const rowsChanged = listChangedAt(tsm, rows!, q.call);
      if ((keysChanged !== undefined && keysChanged < st.end) || (rowsChanged !== undefined && rowsChanged < st.pos))
        continue;
      const line = lineOf(this.ctx.sourceFile, st);
      const reason: Reason = {
        proof: "owned-key",
        evidence: st,
        say: (key) =>
          `every key of ${key} was found by the scoped query on line ${lineOf(this.ctx.sourceFile, q.call)}, and the path ends on line ${line} when one is missing`,
      };
      const shared = value!.shared ? { shared: true } : {};
      this.facts.push({
        name,
        value: { kind: "keys", table: q.table, reason, ...shared },
        scope,
        pos: st.end,
        throws,
        ...(keysChanged !== undefined && { until: keysChanged }),
      });
      return;
    }
  }

  /**
   * `domainProcedure.mutation(async ({ ctx, input }) => ...)`: the input fields the procedure's
   * middleware verified (`.use(...)` reading `input.id` scoped, then throwing) are keys of that
   * table in the handler, as `input.id` (destructured) or `opts.input.id`.
   */
  protected procedureChecked(fn: ts.ArrowFunction | ts.FunctionExpression, root: ts.Node): void {
    const tsm = this.tsm;
    const call = fn.parent;
    if (!tsm.isCallExpression(call) || call.arguments[0] !== fn || !tsm.isPropertyAccessExpression(call.expression))
      return;
    if (!PROCEDURE_RESOLVERS.has(call.expression.name.text)) return;
    const param = fn.parameters[0]?.name;
    if (!param) return;
    const checks = this.ctx.helpers?.procedureChecks?.(call) ?? [];
    const line = lineOf(this.ctx.sourceFile, call);
    for (const { path, table, row, uniqueField } of checks) {
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
      const value: Value = { kind: row ? "row" : "key", table, reason, ...(uniqueField && { uniqueField }) };
      this.facts.push({ name, value, scope: root, pos: root.pos, throws: true });
    }
  }

  /**
   * `if (!document) throw` with `document = team.documents.find((d) => d.id === docId)`, or
   * `if (!team.documents.some((d) => d.id === docId)) throw`: from here on `docId` is an owned key.
   */
  protected proveFound(empty: ts.Expression, st: ts.IfStatement, scope: ts.Node, throws: boolean): void {
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
  protected negated(
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
  protected verifiedSecret(term: ts.Expression, st: ts.IfStatement, scope: ts.Node): void {
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
  protected memberCheck(term: ts.Expression, st: ts.IfStatement, scope: ts.Node): void {
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

  /**
   * `if (!isAuthor && !(await hasPollAdminAccess(comment.pollId, actor.id))) throw`: the path goes
   * on only when one of the checks passed. When each of them alone checks the same row (its owner
   * is the signed-in user, or its tenant or owning key was handed to an authorization check), the
   * row is checked.
   */
  protected eitherCheck(st: ts.IfStatement, scope: ts.Node): void {
    const tsm = this.tsm;
    const conjuncts = andTerms(tsm, st.expression);
    if (conjuncts.length < 2) return;
    let source: FlowQuery | undefined;
    const says: string[] = [];
    // `const isAuthor = row.userId === user.id`: the statements the checks were computed in read the row for them.
    const parts: ts.Node[] = [];
    for (const c of conjuncts) {
      const checked = this.refusedUnless(c, st);
      if (!checked || (source && checked.source !== source)) return;
      source = checked.source;
      says.push(checked.say);
      if (checked.part) parts.push(checked.part);
    }
    if (!source || this.checks.get(source)?.state === "checked" || this.usedBefore(source, st, scope, parts)) return;
    const line = lineOf(this.ctx.sourceFile, st);
    this.markChecked(
      source,
      {
        proof: "authorized",
        evidence: st,
        say: () => `${says.join(", or ")} on line ${line}; the path ends otherwise`,
      },
      scope,
      st.end,
    );
  }

  /**
   * `let canModify = false; if (row.userId === userId) canModify = true; if (!canModify && ...) {
   * const perm = await getPermissions(userId, row.workspaceId); if (perm === "admin") canModify = true }`,
   * then `if (!canModify) return 403` (sim's webhooks): the path goes on only when one of the grants
   * ran, and each is a condition that checks the same row. Every write of the flag must be one of
   * those grants (or `false`), all before the refusal.
   */
  protected flagCheck(st: ts.IfStatement, scope: ts.Node): void {
    const tsm = this.tsm;
    const t = strip(tsm, st.expression);
    if (!tsm.isPrefixUnaryExpression(t) || t.operator !== tsm.SyntaxKind.ExclamationToken) return;
    const flag = strip(tsm, t.operand);
    if (!tsm.isIdentifier(flag)) return;
    const decl = letFalseDeclaration(tsm, flag, st);
    const block = decl?.parent.parent.parent;
    if (!decl || !block || !tsm.isBlock(block)) return;
    let source: FlowQuery | undefined;
    const says: string[] = [];
    const parts: ts.Node[] = [];
    let ok = true;
    let grants = 0;
    const visit = (n: ts.Node): void => {
      if (!ok || n === decl) return;
      if (tsm.isIdentifier(n) && n.text === flag.text && isWriteTarget(tsm, n)) {
        const write = n.parent;
        const value =
          tsm.isBinaryExpression(write) && write.operatorToken.kind === tsm.SyntaxKind.EqualsToken
            ? strip(tsm, write.right)
            : undefined;
        if (!value || n.pos > st.pos || !tsm.isExpressionStatement(write.parent)) return void (ok = false);
        if (value.kind === tsm.SyntaxKind.FalseKeyword) return;
        if (value.kind !== tsm.SyntaxKind.TrueKeyword) return void (ok = false);
        const granted = this.grantOf(write.parent, block);
        if (!granted || (source && granted.source !== source)) return void (ok = false);
        source = granted.source;
        says.push(granted.say);
        parts.push(...granted.parts);
        grants++;
        return;
      }
      tsm.forEachChild(n, visit);
    };
    visit(block);
    if (!ok || !grants || !source || this.checks.get(source)?.state === "checked") return;
    if (this.usedBefore(source, st, scope, parts)) return;
    // `if (strict) { if (!canModify) throw }`: a refusal in a branch the read is not in holds there only.
    if (!within(source.call, scope) && this.usedPast(source, scope)) return;
    const line = lineOf(this.ctx.sourceFile, st);
    this.markChecked(
      source,
      {
        proof: "authorized",
        evidence: st,
        say: () =>
          `\`${flag.text}\` is set only when ${says.join(", or ")}, and line ${line} ends the path unless it is`,
      },
      scope,
      st.end,
    );
  }

  /**
   * `if (kb.userId === userId) { return { hasAccess: true, knowledgeBase: kb } } return { hasAccess:
   * false }` (sim's checkKnowledgeBaseAccess): a condition that checks the row, and the row used only
   * inside the branch it guards. Any use of it before the `if`, in its else or past it is unchecked.
   */
  protected grantedBranch(st: ts.IfStatement, scope: ts.Node): void {
    const tsm = this.tsm;
    let found: { source: FlowQuery; say: string; part?: ts.Node } | undefined;
    const terms = andTerms(tsm, st.expression);
    for (const term of terms) found ??= this.grantedBy(term, st);
    if (!found || this.checks.get(found.source)?.state === "checked") return;
    if (this.usedBefore(found.source, st, scope, found.part ? [found.part] : [])) return;
    // `if ((await send(c)) && c.userId === user.id)`: the condition itself hands the row on first.
    if (terms.some((t) => this.handsOn(found!.source, t))) return;
    if (this.usedPast(found.source, st) || (st.elseStatement && this.usedWithin(found.source, st.elseStatement)))
      return;
    const line = lineOf(this.ctx.sourceFile, st);
    const say = found.say;
    this.markChecked(
      found.source,
      { proof: "authorized", evidence: st, say: () => `${say} on line ${line}, and the row is used only where it is` },
      st.thenStatement,
      st.thenStatement.pos,
    );
  }

  /** Whether `node` reads the row `source` read other than to decide (`send(c)`, not `c.userId === id`). */
  private handsOn(source: FlowQuery, node: ts.Node): boolean {
    return this.usedWithin(source, node, false);
  }

  /** Whether a name holding the row `source` read is read inside `node` (`deciding`: tests of it count too). */
  private usedWithin(source: FlowQuery, node: ts.Node, deciding = true): boolean {
    const tsm = this.tsm;
    const names = new Set(this.bindings.filter((b) => b.value.source === source).map((b) => b.name));
    let used = false;
    const visit = (n: ts.Node): void => {
      if (used) return;
      if (tsm.isIdentifier(n) && names.has(n.text) && isVariableRead(tsm, n) && (deciding || !usedToDecide(tsm, n, 0)))
        used = true;
      tsm.forEachChild(n, visit);
    };
    visit(node);
    return used;
  }

  /** The condition of the `if`s around a grant (`canModify = true`) up to `block`: one of its conjuncts checks the row. */
  private grantOf(
    statement: ts.Statement,
    block: ts.Block,
  ): { source: FlowQuery; say: string; parts: ts.Node[] } | undefined {
    const tsm = this.tsm;
    let found: { source: FlowQuery; say: string; part?: ts.Node; term: ts.Node } | undefined;
    for (let child: ts.Node = statement, n = statement.parent; n && n !== block; child = n, n = n.parent) {
      if (tsm.isBlock(n)) continue;
      if (!tsm.isIfStatement(n) || n.thenStatement !== child) return undefined;
      for (const term of andTerms(tsm, n.expression)) {
        const granted = found ? undefined : this.grantedBy(term, n);
        if (granted) found = { ...granted, term };
      }
    }
    // The granting term reads the row for the check, as does the const its answer was kept in.
    return (
      found && { source: found.source, say: found.say, parts: found.part ? [found.term, found.part] : [found.term] }
    );
  }

  /**
   * The row a refusal term guards, when the term is `!x` with `x` the row's owner compared with the
   * signed-in user (`comment.userId === actor.id`, or a const holding that) or an authorization check
   * handed the row's tenant or owning key (`hasPollAdminAccess(comment.pollId, user.id)`).
   */
  private refusedUnless(
    term: ts.Expression,
    at: ts.Node,
  ): { source: FlowQuery; say: string; part?: ts.Node } | undefined {
    const tsm = this.tsm;
    if (!tsm.isPrefixUnaryExpression(term) || term.operator !== tsm.SyntaxKind.ExclamationToken) return undefined;
    return this.grantedBy(term.operand, at);
  }

  /**
   * The row a granting condition checks, true only when the row's owner is the signed-in user
   * (`row.userId === user.id`), or when an authorization check handed its tenant or owning key said
   * yes (`await canEdit(row.workspaceId)`, `perm === "admin"` with `perm` a const holding one).
   */
  private grantedBy(
    condition: ts.Expression,
    at: ts.Node,
    depth = 0,
  ): { source: FlowQuery; say: string; part?: ts.Node } | undefined {
    const tsm = this.tsm;
    let x = strip(tsm, condition);
    // `perm === "write" || perm === "admin"`: every branch one answer of the same check.
    const branches = orTerms(tsm, x);
    if (branches.length > 1) {
      if (depth > 1) return undefined;
      const each = branches.map((b) => this.grantedBy(b, at, depth + 1));
      const first = each[0];
      return first && each.every((g) => g?.source === first.source) ? first : undefined;
    }
    // `perm !== null`: the check answered at all.
    if (
      tsm.isBinaryExpression(x) &&
      isInequality(tsm, x.operatorToken.kind) &&
      depth < 2 &&
      [x.left, x.right].some((side) => isNothing(tsm, side))
    ) {
      const answer = strip(tsm, isNothing(tsm, x.left) ? x.right : x.left);
      if (tsm.isIdentifier(answer) && this.accessAnswer(answer, at)) return this.grantedBy(answer, at, depth + 1);
    }
    // `perm === "admin"`: the check answered with a role, which it gives only to a member.
    if (
      tsm.isBinaryExpression(x) &&
      (x.operatorToken.kind === tsm.SyntaxKind.EqualsEqualsEqualsToken ||
        x.operatorToken.kind === tsm.SyntaxKind.EqualsEqualsToken)
    ) {
      const literal = [x.left, x.right].find((side) => tsm.isStringLiteralLike(strip(tsm, side)));
      const answer = literal && strip(tsm, literal === x.left ? x.right : x.left);
      if (answer && tsm.isIdentifier(answer) && depth < 2 && this.accessAnswer(answer, at))
        return this.grantedBy(answer, at, depth + 1);
    }
    while (tsm.isAwaitExpression(x)) x = strip(tsm, x.expression);
    const decl = tsm.isIdentifier(x) ? constDeclarationOf(tsm, x, at) : undefined;
    const part = decl && enclosingStatementOf(tsm, decl);
    if (decl?.initializer) x = strip(tsm, decl.initializer);
    while (tsm.isAwaitExpression(x)) x = strip(tsm, x.expression);
    const rowOf = (e: ts.Expression, keyed: (table: string, field: string) => boolean) => {
      const s = strip(tsm, e);
      if (!tsm.isPropertyAccessExpression(s)) return undefined;
      const row = this.valueOf(s.expression, at);
      if (row?.kind === "row" && row.unchecked && row.source && keyed(row.table, s.name.text))
        return { source: row.source, field: s.name.text, table: row.table };
      // `row.workflow.workspaceId` of a row read joined to its parent: the parent's field.
      const via = strip(tsm, s.expression);
      if (row || !tsm.isPropertyAccessExpression(via)) return undefined;
      const child = this.valueOf(via.expression, at);
      const parent =
        child?.kind === "row" && child.unchecked && child.source
          ? this.joinedParentNamed(child, via.name.text)
          : undefined;
      return parent && keyed(parent, s.name.text)
        ? { source: child!.source!, field: `${via.name.text}.${s.name.text}`, table: parent }
        : undefined;
    };
    if (
      tsm.isBinaryExpression(x) &&
      (x.operatorToken.kind === tsm.SyntaxKind.EqualsEqualsEqualsToken ||
        x.operatorToken.kind === tsm.SyntaxKind.EqualsEqualsToken)
    ) {
      for (const [side, other] of [
        [x.left, x.right],
        [x.right, x.left],
      ] as const) {
        const owned = isSessionUser(tsm, strip(tsm, other)) && rowOf(side, (_t, f) => isOwnerColumn(f));
        if (owned) return { source: owned.source, say: `the row's ${owned.field} is the signed-in user`, part };
        // `row.workspaceId === workspaceId`, `row.workflow.userId === userId`: the row's (or its
        // joined parent's) tenant column is the tenant.
        const tenant = rowOf(side, (t, f) => this.ctx.tenantOf(t).names.has(f));
        if (tenant && isTenantValue(tsm, other, this.ctx.tenantOf(tenant.table)) && !this.unprovenRowField(other, at))
          return { source: tenant.source, say: `the row's ${tenant.field} is the tenant`, part };
        // `row.workflow.userId === userId`: the tenant of a parent it is joined to, or its select names.
        const s = strip(tsm, side);
        if (!tsm.isPropertyAccessExpression(s)) continue;
        const value = this.valueOf(s.expression, at);
        const projected = value?.kind === "row" && value.unchecked && this.projectedTenant(value, s.name.text);
        if (projected && value?.source && isTenantValue(tsm, other, projected) && !this.unprovenRowField(other, at))
          return { source: value.source, say: `the row's ${s.getText(this.ctx.sourceFile)} is the tenant`, part };
      }
      return undefined;
    }
    if (!tsm.isCallExpression(x) || !isAuthorizer(tsm, x, this.ctx.authorizers, "condition")) return undefined;
    const name = calleeName(tsm, x) ?? "the check";
    for (const arg of x.arguments) {
      if (tsm.isSpreadElement(arg)) continue;
      const keyed = rowOf(
        arg,
        (table, f) => this.ctx.tenantOf(table).names.has(f) || !!this.ctx.links?.ownerKey(table, f),
      );
      if (keyed) return { source: keyed.source, say: `the row's ${keyed.field} is passed to \`${name}\``, part };
    }
    return undefined;
  }

  /** `perm` of `const perm = await getUserEntityPermissions(...)`: an access lookup's answer, null for none. */
  private accessAnswer(id: ts.Identifier, at: ts.Node): boolean {
    const tsm = this.tsm;
    let init = constInitializer(tsm, id, at);
    init = init && strip(tsm, init);
    while (init && tsm.isAwaitExpression(init)) init = strip(tsm, init.expression);
    return !!init && tsm.isCallExpression(init) && answersWithAccess(tsm, init);
  }

  /**
   * `!authorize(...)`, `!(await authorize(...))`, `!allowed` with `allowed` a const holding one; or
   * a check whose `true` is the refusal, not negated (`isReadTypebotForbidden(typebot, user)`).
   */
  protected deniedAuthorization(term: ts.Expression, at: ts.Node): ts.CallExpression | undefined {
    const tsm = this.tsm;
    const t = strip(tsm, term);
    // `if (permission !== "admin") return`: only that answer passes, and no answer is not it.
    const onlyOne =
      tsm.isBinaryExpression(t) && isInequality(tsm, t.operatorToken.kind)
        ? tsm.isStringLiteralLike(strip(tsm, t.right))
          ? t.left
          : tsm.isStringLiteralLike(strip(tsm, t.left))
            ? t.right
            : undefined
        : undefined;
    const negated = !!onlyOne || (tsm.isPrefixUnaryExpression(t) && t.operator === tsm.SyntaxKind.ExclamationToken);
    let e = onlyOne ? strip(tsm, onlyOne) : negated ? strip(tsm, (t as ts.PrefixUnaryExpression).operand) : t;
    for (let hops = 0; hops < 3; hops++) {
      while (tsm.isAwaitExpression(e)) e = strip(tsm, e.expression);
      // `if (!authorization.allowed) return`, `const canModify = authorization.allowed`: the kept
      // answer's own word for yes.
      if (negated && tsm.isPropertyAccessExpression(e) && GRANTED.test(e.name.text)) e = strip(tsm, e.expression);
      if (tsm.isCallExpression(e))
        return refusesWhenTrue(tsm, e, this.ctx.authorizers) !== negated &&
          (!negated || isAuthorizer(tsm, e, this.ctx.authorizers, "condition"))
          ? e
          : undefined;
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
  protected authorize(
    call: ts.CallExpression,
    st: ts.Node,
    scope: ts.Node,
    throws: boolean,
    part?: ts.Node,
    args: readonly ts.Expression[] = call.arguments,
  ): void {
    const tsm = this.tsm;
    const name = calleeName(tsm, call) ?? "the check";
    const line = lineOf(this.ctx.sourceFile, call);
    const reason: Reason = {
      proof: "authorized",
      evidence: call,
      say: (key) => `key ${key} is passed to the authorization check \`${name}\` on line ${line}`,
    };
    // `const ability = await this.spaceAbility.createForUser(user, page.spaceId)`, then
    // `if (ability.cannot(...)) throw`: the ability answers for what it was made for, and reading
    // the row's key to make it is no use of the row.
    const ability = args === call.arguments && asksOnItsOwn(tsm, call) ? abilityOf(tsm, call) : undefined;
    const parts = ability ? [...(part ? [part] : []), ability.statement] : part;
    for (const arg of [...args, ...(ability?.args ?? [])]) {
      if (tsm.isSpreadElement(arg)) continue;
      // `canDeleteReport(auth, report)`: the whole row handed to the check, beside who asks, is checked;
      // `ability.cannot("delete", subject("SpaceMember", member))`: CASL's ability is who asks.
      // `subject("Space", { ...space, access })`: the row itself, unless a key after it replaces one
      // that names its tenant (`{ ...space, projectUuid: input.projectUuid }` asks about another project).
      const spread = spreadSubject(tsm, arg);
      const spreadRow = spread && this.valueOf(spread.row, st);
      const replacesTenant =
        spreadRow?.kind === "row" &&
        spread!.keys.some(
          (k) => this.ctx.tenantOf(spreadRow.table).names.has(k) || !!this.ctx.links?.ownerKey(spreadRow.table, k),
        );
      const whole = spread && !replacesTenant ? spread.row : checkedSubject(tsm, arg);
      const row = tsm.isIdentifier(whole) ? this.valueOf(whole, st) : undefined;
      const asker =
        tsm.isIdentifier(whole) &&
        (asksOnItsOwn(tsm, call) || args.some((other) => other !== arg && !readsName(tsm, other, whole.text)));
      if (
        asker &&
        row?.kind === "row" &&
        row.unchecked &&
        row.source &&
        this.checks.get(row.source)?.state !== "checked" &&
        !this.usedBefore(row.source, st, scope, parts)
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
      // A row is no key: its id and fields are the user's through its binding, checked above; so is a
      // related row (`share.document`), whose fields a key fact on its text would hide.
      if (row?.kind === "row") continue;
      if (whole && tsm.isPropertyAccessExpression(whole) && this.valueOf(whole, st)?.kind === "row") continue;
      for (const key of derivedKeys(tsm, arg, call, (e) => this.equalTo(e, call))) {
        const text = normalize(key.getText(this.ctx.sourceFile));
        this.facts.push({ name: text, value: { kind: "key", table: "*", reason }, scope, pos: st.end, throws });
        // `assertProjectAccess(user, tag.projectId)` after a by-id read of the tag: the row is checked.
        const checked = this.rowKeyOf(key, st);
        if (!checked) continue;
        const { row, field } = checked;
        if (this.checks.get(row.source)?.state === "checked" || this.usedBefore(row.source, st, scope, parts)) continue;
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

  /**
   * A key that names an unchecked row's tenant: its tenant field or the key to the parent it is
   * owned through (`webhook.workflowId`), or that parent's key or tenant selected beside it through
   * the join (`webhookData.workflow.id` of `select({ webhook, workflow: { id: workflow.id } })`).
   */
  private rowKeyOf(key: ts.Expression, at: ts.Node): { row: Value & { source: FlowQuery }; field: string } | undefined {
    const tsm = this.tsm;
    if (!tsm.isPropertyAccessExpression(key)) return undefined;
    const field = key.name.text;
    const row = this.valueOf(key.expression, at);
    if (row?.kind === "row" && row.unchecked && row.source) {
      const names = this.ctx.tenantOf(row.table).names;
      // `list.workspaceId` of a helper's `{ id: r.id, workspaceId: r.board.workspaceId }`: the parent's tenant.
      return names.has(field) || this.ctx.links?.ownerKey(row.table, field) || this.projectedTenant(row, field)
        ? { row: row as Value & { source: FlowQuery }, field }
        : undefined;
    }
    const via = strip(tsm, key.expression);
    if (!tsm.isPropertyAccessExpression(via)) return undefined;
    const outer = this.valueOf(via.expression, at);
    // `list.board.workspaceId`, `card.list.board.workspaceId` of a read `with: { list: { with: { board } } }`:
    // the tenant of the parents the row is owned through.
    const relations: string[] = [];
    let base: ts.Expression = via;
    while (tsm.isPropertyAccessExpression(base) && relations.length < 4) {
      relations.unshift(base.name.text);
      base = strip(tsm, base.expression);
    }
    const owned = this.valueOf(base, at);
    if (owned?.kind === "row" && owned.unchecked && owned.source) {
      let table: string | undefined = owned.table;
      for (const relation of relations) table = table && this.ctx.links?.parentOf(table, relation);
      if (table && (this.ctx.tenantOf(table).names.has(field) || this.ctx.links?.ownerKey(table, field)))
        return { row: owned as Value & { source: FlowQuery }, field: `${relations.join(".")}.${field}` };
    }
    const q = outer?.kind === "row" && outer.unchecked ? outer.source : undefined;
    const p = q?.projection?.get(`${via.name.text}.${field}`);
    if (!q || !p?.column || !q.joinedParents?.includes(p.table)) return undefined;
    const parentKey = this.ctx.links?.isPrimaryKey(p.table, p.column) || this.ctx.tenantOf(p.table).names.has(p.column);
    return parentKey ? { row: outer as Value & { source: FlowQuery }, field: `${via.name.text}.${field}` } : undefined;
  }

  /** From here on the row (and whatever was bound from it) is the tenant's. */
  /**
   * `if (document) { authorize(user, "read", document) }`: the branch runs whenever the row is
   * there; on the other path there is no row to use.
   */
  protected presentBranch(source: FlowQuery, scope: ts.Node): boolean {
    const tsm = this.tsm;
    const branch = tsm.isIfStatement(scope.parent) && scope.parent.thenStatement === scope ? scope.parent : undefined;
    if (!branch) return false;
    // Only the row's presence (under `if (row && flag)` a present row may skip the check), by a name
    // that holds this read's row where the `if` tests it and nothing else (not a `let` that may hold another).
    const x = strip(tsm, branch.expression);
    const held = tsm.isIdentifier(x) ? this.latest(this.bindings, x.text, branch) : undefined;
    return !!held && held.value.source === source && !held.mutable;
  }

  protected markChecked(
    source: FlowQuery,
    reason: Reason,
    scope: ts.Node,
    pos: number,
    keyFact = true,
    shared = false,
    /** The check throws when it fails: a helper's caller (or a middleware's handler) learns the key too. */
    throws = false,
    /** The check covers every row of a list read (`everyRowChecked`), not one of them. */
    everyRow = false,
  ): void {
    if (listRead(source) && !everyRow) return;
    // `if (strict) await assertAccess(row)`: a check in a statement of its own under a condition the
    // read is not under holds there only; the row used past it is unchecked on the other path.
    const conditional =
      !within(source.call, scope) && !this.presentBranch(source, scope) && this.usedPast(source, scope);
    if (!conditional) this.checks.set(source, { state: "checked", reason });
    const readable = shared ? { shared: true } : {};
    // The key the row was read by is the tenant's too: `delete({ where: { id } })` after the check.
    if (keyFact && source.key && !source.key.list) {
      const name = normalize(source.key.expr.getText(this.ctx.sourceFile)) + (source.key.path ?? "");
      this.facts.push({
        name,
        value: {
          kind: "key",
          table: source.table,
          reason,
          ...readable,
          // `findUnique({ where: { publicKey } })`: a key by that field, as the read was.
          ...(source.key.uniqueField && { uniqueField: source.key.uniqueField }),
        },
        scope,
        pos,
        ...(throws && { throws: true }),
      });
    }
    // Names that still hold this read's row where the check ran (not one reassigned to another read since).
    const here = { pos, end: pos } as ts.Node;
    for (const b of [...this.bindings])
      if (
        b.value.source === source &&
        b.value.unchecked &&
        this.latest(this.bindings, b.name, here)?.value.source === source
      )
        this.bindings.push({
          ...b,
          value: { ...b.value, unchecked: false, reason, ...readable },
          scope,
          pos,
          block: scope,
        });
    if (keyFact && !shared) this.childOfChecked(source, scope, pos, throws);
  }

  /**
   * `const app = await findApplicationById(redirect.applicationId)`, then `if
   * (app.project.organizationId !== org) throw`: the row `redirect`, read by id and owned through
   * the application by that very key, is the tenant's too, and so is the key it was read by
   * (dokploy's redirect and security routers).
   */
  private childOfChecked(parent: FlowQuery, scope: ts.Node, pos: number, throws: boolean): void {
    const keyExpr = parent.key && !parent.key.list && !parent.key.path ? parent.key.expr : undefined;
    if (!keyExpr) return;
    const line = lineOf(this.ctx.sourceFile, parent.call);
    this.childOf(keyExpr, parent.table, parent.call, scope, pos, throws, (field) => ({
      proof: "parent",
      evidence: parent.call,
      say: () => `its ${field} names the ${parent.table} row read on line ${line}, which is checked to be the tenant's`,
    }));
  }

  /**
   * `key` (`row.thingId`), a field of an unchecked row read by id, was proven a key of `table` by
   * `at` (a checked read of the parent, a helper that throws unless it finds the parent in the
   * tenant): when the field is the row's owning key to that table, the row is the tenant's too.
   */
  protected childOf(
    key: ts.Expression,
    table: string,
    at: ts.Node,
    scope: ts.Node,
    pos: number,
    throws: boolean,
    reasonFor: (field: string) => Reason,
  ): void {
    const tsm = this.tsm;
    const links = this.ctx.links;
    const keyExpr = strip(tsm, key);
    if (!links || !tsm.isPropertyAccessExpression(keyExpr)) return;
    const field = keyExpr.name.text;
    const child = this.valueOf(keyExpr.expression, at);
    // A read only: a write by id has changed another tenant's row before anything was checked.
    if (child?.kind !== "row" || !child.unchecked || !child.source?.readOnly || child.source.call === at) return;
    if (this.checks.get(child.source)?.state === "checked") return;
    // The statement that checked the parent; a use of the child before it (other than naming the parent) leaks first.
    let check: ts.Node | undefined;
    const find = (n: ts.Node): void => {
      if (check || n.pos > pos || n.end < pos) return;
      if (tsm.isStatement(n) && n.end === pos) check = n;
      else tsm.forEachChild(n, find);
    };
    find(scope);
    if (!check || this.usedBefore(child.source, check, scope, at)) return;
    // `await Promise.all([assertProject(env.projectId, t), publish(env)])`: used beside the check,
    // before it settles (under its own name or another one that holds the row).
    const names = new Set(this.bindings.filter((b) => b.value.source === child.source).map((b) => b.name));
    if ([...names].some((name) => readsOutside(tsm, check!, at, name))) return;
    // A check inside a branch the child's read is not in (`if (strict) { ...check... }`) holds on one path only.
    if (!within(child.source.call, scope)) return;
    // The name still holds that row at the check (`redirect = await read(otherId)` in between: another row).
    if (this.valueOf(keyExpr.expression, check)?.source !== child.source) return;
    if (!links.ownerKey(child.table, field)) return;
    if (links.referencedTable(child.table, field)?.toLowerCase() !== table.toLowerCase()) return;
    this.markChecked(child.source, reasonFor(field), scope, pos, true, false, throws);
  }

  /**
   * `if (envs.some((e) => e.project.organizationId !== orgId)) throw` after an unscoped list read
   * (dokploy's environments by project): every row is checked to be the tenant's, and an empty
   * list holds no other tenant's row. The list is the tenant's from here on.
   */
  protected everyRowChecked(term: ts.Expression, st: ts.IfStatement, scope: ts.Node, throws: boolean): void {
    const tsm = this.tsm;
    const t = strip(tsm, term);
    if (!tsm.isCallExpression(t) || !tsm.isPropertyAccessExpression(t.expression)) return;
    if (t.expression.name.text !== "some") return;
    const each = callback(tsm, t.arguments[0]);
    if (!each || !tsm.isIdentifier(each.param)) return;
    // The list itself, by its name: `envs.filter(...).some(...)` checks only the rows the filter keeps.
    const listExpr = strip(tsm, t.expression.expression);
    if (!tsm.isIdentifier(listExpr) && !tsm.isPropertyAccessExpression(listExpr)) return;
    const list = this.valueOf(listExpr, st);
    const q = list?.kind === "rows" && list.unchecked ? list.source : undefined;
    if (!q || !listRead(q) || !within(q.call, scope) || this.checks.get(q)?.state === "checked") return;
    // `envs.push(extra)` after the check: a row nothing checked; `e.id = extraId` over its rows: another row's key.
    if (
      this.usedBefore(q, st, scope) ||
      listChanged(tsm, listExpr, q.call) ||
      elementsWritten(tsm, listExpr, this.root)
    )
      return;
    // Compared with another unchecked row's tenant (`envs[0].project.teamId`): the rows share a tenant, whichever.
    if (this.comparesWithUnchecked(each.body, each.param.text, st)) return;
    // The callback's parameter is each row of the list, for the test of its body.
    const row: Binding = { name: each.param.text, value: element(list)!, scope: st, pos: st.pos };
    this.bindings.push(row);
    let checked: ReturnType<AccessChecks["checkedRow"]>;
    try {
      checked = this.checkedRow(each.body, st);
    } finally {
      this.bindings.splice(this.bindings.indexOf(row), 1);
    }
    if (!checked || checked.row.source !== q || checked.public) return;
    this.markChecked(q, this.everyRowReason(checked, st, ""), scope, st.end, false, !!checked.shared, throws, true);
  }

  /** "every row's project.organizationId is checked against the tenant on line 7 (`where`: " in the loop"), ..." */
  protected everyRowReason(checked: { field: string; owner?: boolean }, st: ts.Node, where: string): Reason {
    const line = lineOf(this.ctx.sourceFile, st);
    const whom = checked.owner ? "to be the signed-in user" : "against the tenant";
    return {
      proof: checked.owner ? "own-rows" : "ownership-check",
      evidence: st,
      say: () =>
        `every row's ${checked.field} is checked ${whom}${where} on line ${line}, and the path ends when one is not`,
    };
  }

  /**
   * Whether the comparison `body` (a check of the row `param`) compares with a value read from a
   * row nothing checked: `e.project.teamId !== first.project.teamId` proves only that the rows agree.
   */
  protected comparesWithUnchecked(body: ts.Expression, param: string, at: ts.Node): boolean {
    const tsm = this.tsm;
    let found = false;
    const visit = (n: ts.Node): void => {
      if (found) return;
      if (
        tsm.isIdentifier(n) &&
        n.text !== param &&
        !(tsm.isPropertyAccessExpression(n.parent) && n.parent.name === n)
      ) {
        const v = this.valueOf(n, at);
        if ((v?.kind === "row" || v?.kind === "rows") && v.unchecked) found = true;
      }
      tsm.forEachChild(n, visit);
    };
    visit(body);
    return found;
  }

  /** Whether `e` (`env.project.teamId`) is read off a row, or rows, nothing checked yet. */
  protected readsUncheckedRow(e: ts.Expression, at: ts.Node, depth = 0): boolean {
    const tsm = this.tsm;
    let x = strip(tsm, e);
    while (tsm.isPropertyAccessExpression(x) || tsm.isElementAccessExpression(x) || tsm.isNonNullExpression(x))
      x = strip(tsm, x.expression);
    if (!tsm.isIdentifier(x)) return false;
    const v = this.valueOf(x, at);
    if ((v?.kind === "row" || v?.kind === "rows") && v.unchecked) return true;
    // `const { project: { teamId } } = env`, `const t = env.project.teamId`: taken out of the row.
    const decl = depth < 2 ? constDeclarationOf(tsm, x, at) : undefined;
    return !!decl?.initializer && this.readsUncheckedRow(decl.initializer, decl, depth + 1);
  }

  /** The unchecked reads a `let` was assigned before `at` (all of them, whichever branch ran). */
  protected earlierAssignments(expr: ts.Expression, at: ts.Node): FlowQuery[] {
    const e = strip(this.tsm, expr);
    if (!this.tsm.isIdentifier(e)) return [];
    return this.bindings
      .filter((b) => b.mutable && b.name === e.text && b.pos <= at.pos && within(at, b.scope))
      .flatMap((b) => (b.value.unchecked && b.value.source ? [b.value.source] : []));
  }

  /**
   * The parent table `other` is a proven key of, when `field` is the row's owning key to it: `step.workflowId`
   * against a `workflowId` a scoped read (or a helper that throws unless it finds it) proved the tenant's.
   */
  private provenParentKey(row: Value, field: string, other: ts.Expression, at: ts.Node): string | undefined {
    const links = this.ctx.links;
    const parent = links?.ownerKey(row.table, field) ? links.referencedTable(row.table, field) : undefined;
    if (!parent) return undefined;
    const key = this.valueOf(other, at);
    return key?.kind === "key" && !key.unchecked && !key.shared && key.table.toLowerCase() === parent.toLowerCase()
      ? parent
      : undefined;
  }

  protected checkedRow(
    term: ts.Expression,
    st: ts.IfStatement,
  ):
    | {
        row: Value;
        field: string;
        expr: ts.Expression;
        shared?: boolean;
        owner?: boolean;
        public?: boolean;
        /** The row's key to this parent table is checked against a key proven the tenant's. */
        parent?: string;
      }
    | undefined {
    const tsm = this.tsm;
    const t = strip(tsm, term);
    // `if (!row || !row.isPublic) throw` (Flowise's public chatbot config): only a row its tenant
    // published goes on, anyone's to read (as `isPublic: true` in the where is), no write by its key.
    // Only `!row.isPublic` and `row.isPublic !== true` alone: `=== false` lets a null flag through.
    const published = notPublicRow(tsm, t);
    const flag =
      published && strip(tsm, tsm.isPrefixUnaryExpression(t) ? t.operand : tsm.isBinaryExpression(t) ? t.left : t);
    const strict =
      tsm.isPrefixUnaryExpression(t) ||
      (tsm.isBinaryExpression(t) &&
        t.operatorToken.kind === tsm.SyntaxKind.ExclamationEqualsEqualsToken &&
        strip(tsm, t.right).kind === tsm.SyntaxKind.TrueKeyword);
    // `if (page.accessType !== "public") return` (openstatus's status page): a visibility field said public.
    const said =
      tsm.isBinaryExpression(t) &&
      tsm.isPropertyAccessExpression(flag ?? t) &&
      tsm.isStringLiteralLike(strip(tsm, t.right));
    if (
      published &&
      flag &&
      tsm.isPropertyAccessExpression(flag) &&
      ((strict && isPublicFlag(flag.name.text)) || (said && VISIBILITY.test(flag.name.text)))
    ) {
      const value = this.valueOf(published, st);
      if (value?.kind === "row" && value.unchecked)
        return { row: value, field: flag.name.text, expr: published, shared: true, public: true };
    }
    if (!tsm.isBinaryExpression(t)) return undefined;
    // `resume.visibility !== "public" && resume.userId !== user.id`: a public row passes, any
    // other must be the user's (or the tenant's): checked for reading, as a shared row is.
    const unlessPublic = this.unlessPublic(t);
    if (unlessPublic) {
      const inner = this.checkedRow(unlessPublic, st);
      return inner && { ...inner, shared: true };
    }
    // `video.ownerId !== user.id`: the row belongs to the signed-in user (membership.ts).
    if (isInequality(tsm, t.operatorToken.kind))
      for (const [side, other] of [
        [t.left, t.right],
        [t.right, t.left],
      ] as const) {
        const s = strip(tsm, side);
        if (!tsm.isPropertyAccessExpression(s) || !isOwnerColumn(s.name.text) || !isSessionUser(tsm, strip(tsm, other)))
          continue;
        const value = this.valueOf(s.expression, st);
        if (value?.kind === "row" && value.unchecked)
          return { row: value, field: s.name.text, expr: s.expression, owner: true };
      }
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
        const other = side === compared.left ? compared.right : compared.left;
        // `ws.tenantId !== ctx.tenant.id` on some tenant's own row read by its key: the tenant's.
        const tenant = this.ctx.tenantOf(value.table);
        if (
          value.source?.root &&
          isInequality(tsm, compared.operatorToken.kind) &&
          identifiesTenantRow(tenant, s.name.text) &&
          isTenantValue(tsm, other, tenant) &&
          !this.unprovenRowField(other, st)
        )
          return { row: value, field: s.name.text, expr: s.expression, ...shared };
        // `next.teamID !== current.teamID`, either way round: this side the row's tenant field.
        const row = tenantMismatchRow(tsm, side === compared.left ? compared : swapped(tsm, compared), tenant);
        if (row && strip(tsm, row) === strip(tsm, s.expression) && !this.unprovenRowField(other, st))
          return { row: value, field: s.name.text, expr: s.expression, ...shared };
        // `if (step?.workflowId !== workflowId) throw` with `workflowId` proven a key of the step's
        // owning parent (plunk's workflow steps): the step hangs off the tenant's row.
        const parentKey =
          !sharedCheck &&
          isInequality(tsm, compared.operatorToken.kind) &&
          this.provenParentKey(value, s.name.text, other, st);
        if (parentKey) return { row: value, field: s.name.text, expr: s.expression, parent: parentKey };
        continue;
      }
      // `update?.statusReport.workspaceId !== workspaceId`: the tenant of the parent the row hangs off.
      const via = strip(tsm, s.expression);
      if (!tsm.isPropertyAccessExpression(via)) continue;
      const child = this.valueOf(via.expression, st);
      if (child?.kind !== "row" || !child.unchecked) {
        const chained = this.parentChainCheck(s, compared, side === compared.left ? compared.right : compared.left, st);
        if (chained) return { ...chained, ...shared };
        continue;
      }
      const parent = this.joinedParentNamed(child, via.name.text);
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
      // `rule.folder.workspaceId !== workspaceId` with the row's own tenant column beside its folder's.
      const chained = this.parentChainCheck(s, compared, other, st);
      if (chained) return { ...chained, ...shared };
    }
    return undefined;
  }

  /**
   * `override.namespace.workspace.tenantId !== ctx.tenant.id`, `rule.folder.workspaceId !== workspaceId`:
   * a check of the tenant of a parent reached through the row's to-one relations (each by the row's
   * own foreign key), or of the tenant's own row above the last of them. The row is taken to be
   * its parents' tenant's, as the rows the app creates under a parent are.
   */
  private parentChainCheck(
    s: ts.PropertyAccessExpression,
    compared: ts.BinaryExpression,
    other: ts.Expression,
    st: ts.IfStatement,
  ): { row: Value; field: string; expr: ts.Expression } | undefined {
    const tsm = this.tsm;
    const links = this.ctx.links;
    if (!links || !isInequality(tsm, compared.operatorToken.kind) || this.unprovenRowField(other, st)) return undefined;
    // The relations between the row and the compared field, nearest the row first.
    const path: string[] = [];
    let base = strip(tsm, s.expression);
    let row: Value | undefined;
    while (tsm.isPropertyAccessExpression(base) && path.length < 4) {
      path.unshift(base.name.text);
      base = strip(tsm, base.expression);
      const v = this.valueOf(base, st);
      if (v?.kind === "row" && v.unchecked) {
        row = v;
        break;
      }
    }
    if (!row) return undefined;
    let table = row.table;
    for (const [i, relation] of path.entries()) {
      // The last relation may lead to the tenant's own row: its identifying field against the tenant.
      if (i === path.length - 1 && links.isTenantRow(table, relation)) {
        const tenant = this.ctx.tenantOf(table);
        return identifiesTenantRow(tenant, s.name.text) && isTenantValue(tsm, other, tenant)
          ? { row, field: `${path.join(".")}.${s.name.text}`, expr: base }
          : undefined;
      }
      const next = links.keyedParent(table, relation);
      if (!next) return undefined;
      table = next;
    }
    const tenant = this.ctx.tenantOf(table);
    return tenant.names.has(s.name.text) && isTenantValue(tsm, other, tenant)
      ? { row, field: `${path.join(".")}.${s.name.text}`, expr: base }
      : undefined;
  }

  /**
   * `!row.isPublic && <check of row>` (either order; `row.visibility !== "public"`,
   * `row.isPublic === false`): the check, when the other side says the same row is not public.
   */
  protected unlessPublic(t: ts.BinaryExpression): ts.BinaryExpression | undefined {
    const tsm = this.tsm;
    if (t.operatorToken.kind !== tsm.SyntaxKind.AmpersandAmpersandToken) return undefined;
    for (const [a, b] of [
      [t.left, t.right],
      [t.right, t.left],
    ] as const) {
      const row = notPublicRow(tsm, a);
      const check = strip(tsm, b);
      if (!row || !tsm.isBinaryExpression(check)) continue;
      const base = normalize(row.getText(this.ctx.sourceFile));
      const compares = [check.left, check.right].some((x) => {
        const s = strip(tsm, x);
        return tsm.isPropertyAccessExpression(s) && normalize(s.expression.getText(this.ctx.sourceFile)) === base;
      });
      if (compares) return check;
    }
    return undefined;
  }

  /**
   * `t.projectId && t.projectId !== projectId`: shared rows (no tenant) pass, owned ones must
   * match; the comparison, when the left side tests the field the right side compares.
   */
  protected sharedOrOwned(t: ts.BinaryExpression): ts.BinaryExpression | undefined {
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
  protected projectedTenant(row: Value, field: string): TenantNames | undefined {
    const q = row.source;
    const p = q?.projection?.get(field);
    if (!q || !p?.column || (p.table !== q.table && !q.joinedParents?.includes(p.table))) return undefined;
    const names = this.ctx.tenantOf(p.table);
    return names.names.has(p.column) ? names : undefined;
  }

  /** Whether a name bound from `source` is read between the query and the check. */
  protected usedBefore(
    source: FlowQuery,
    check: ts.Node,
    scope: ts.Node,
    part?: ts.Node | readonly ts.Node[],
  ): boolean {
    const tsm = this.tsm;
    const names = new Set(this.bindings.filter((b) => b.value.source === source).map((b) => b.name));
    let used = false;
    const visit = (n: ts.Node): void => {
      // `part`: the check's own earlier statement (`const isValid = await verify(..., row.hash)`).
      if (used || n.end <= source.call.end || n.pos >= check.pos || n === part) return;
      if (Array.isArray(part) && part.includes(n)) return;
      // `.then((rows) => rows[0])` on the read itself picks its row: no use of it.
      if (tsm.isCallExpression(n) && thenPicks(tsm, n)?.of === source.call) return;
      // Tests in earlier guards (`if (!m) throw`) read the row without using it; a condition that
      // hands it to a call that acts (`if (!(await notify(m.secret)))`) uses it.
      if (tsm.isIfStatement(n)) {
        const inCondition = (c: ts.Node): void => {
          if (used) return;
          if (tsm.isIdentifier(c) && names.has(c.text) && isVariableRead(tsm, c) && !usedToDecide(tsm, c, 0))
            used = true;
          tsm.forEachChild(c, inCondition);
        };
        if (n.pos >= source.call.end) inCondition(n.expression);
        // `if (E.isLeft(team)) return team`: there the result holds a failure, not the row.
        const failed = failedResultSubject(tsm, n.expression);
        const held = failed && tsm.isIdentifier(failed) && names.has(failed.text) ? failed.text : undefined;
        if (held) names.delete(held);
        tsm.forEachChild(n.thenStatement, visit);
        if (held) names.add(held);
        if (n.elseStatement) tsm.forEachChild(n.elseStatement, visit);
        return;
      }
      // `coll.left` of `E.left(...)`: the failure a wrapper holds, not its row.
      const failure =
        tsm.isPropertyAccessExpression(n.parent) &&
        n.parent.expression === n &&
        /^(?:left|error)$/.test(n.parent.name.text);
      // `const spaceData = space[0]`, `const row = found`: another name for the read's row, not a use of it.
      const rebound =
        (tsm.isVariableDeclaration(n.parent) && n.parent.initializer === n) ||
        (tsm.isElementAccessExpression(n.parent) &&
          n.parent.expression === n &&
          tsm.isVariableDeclaration(n.parent.parent) &&
          n.parent.parent.initializer === n.parent);
      // `const { secret } = row`: the fields taken out are the row's data; their uses are the row's.
      if (
        tsm.isIdentifier(n) &&
        names.has(n.text) &&
        n.pos >= source.call.end &&
        tsm.isVariableDeclaration(n.parent) &&
        n.parent.initializer === n &&
        !tsm.isIdentifier(n.parent.name)
      )
        for (const bound of boundNames(tsm, n.parent.name)) names.add(bound);
      if (tsm.isIdentifier(n) && names.has(n.text) && n.pos >= source.call.end && isVariableRead(tsm, n) && !failure)
        used = !(
          rebound ||
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

  /** Whether a name holding the row `source` read is used after `scope` ends, in the function of the read. */
  protected usedPast(source: FlowQuery, scope: ts.Node): boolean {
    const tsm = this.tsm;
    const names = new Set(this.bindings.filter((b) => b.value.source === source).map((b) => b.name));
    let fn: ts.Node | undefined = source.call.parent;
    while (fn && !tsm.isFunctionLike(fn) && !tsm.isSourceFile(fn)) fn = fn.parent;
    let used = false;
    const visit = (n: ts.Node): void => {
      if (used || n.end <= scope.end) return;
      // A test of the row (`if (tool.userId !== userId)`) decides, it hands nothing of the row on.
      if (
        tsm.isIdentifier(n) &&
        n.pos >= scope.end &&
        names.has(n.text) &&
        isVariableRead(tsm, n) &&
        !usedToDecide(tsm, n, 0)
      )
        used = true;
      tsm.forEachChild(n, visit);
    };
    if (fn) visit(fn);
    return used;
  }

  /** The key `q` selected by is now an owned key of its table. */
  protected prove(
    q: FlowQuery,
    scope: ts.Node,
    pos: number,
    evidence: ts.Node,
    throws: boolean,
    inBranch = false,
  ): void {
    const text = normalize(q.key!.expr.getText(this.ctx.sourceFile)) + (q.key!.path ?? "");
    const line = lineOf(this.ctx.sourceFile, q.call);
    const reason: Reason = {
      proof: "owned-key",
      evidence,
      say: (key) =>
        inBranch
          ? `key ${key} was looked up by the scoped query on line ${line}, and this branch runs only when it found the row`
          : `key ${key} was looked up by the scoped query on line ${line}, and the path ends when it finds nothing`,
    };
    const uniqueField = q.key!.uniqueField;
    this.facts.push({
      name: text,
      value: {
        kind: "key",
        table: q.table,
        reason,
        ...(uniqueField && { uniqueField }),
        // Found among rows no tenant owns too: a key to read by, not to write by.
        ...(q.sharedRows && { shared: true }),
      },
      scope,
      pos,
      throws,
    });
  }

  /**
   * The parent keys a scoped read found a row under (`space_members` of the signed-in user with
   * `spaceId = id`, then `if (!membership) return`) are owned keys of the parents: a row of the
   * tenant, or the user's own membership, hangs off that parent.
   */
  protected proveParents(q: FlowQuery, scope: ts.Node, pos: number, throws: boolean): void {
    const line = lineOf(this.ctx.sourceFile, q.call);
    for (const parent of q.parentKeys ?? []) {
      if (parent.list) continue;
      const reason: Reason = {
        proof: "owned-key",
        evidence: q.call,
        say: (key) =>
          `key ${key} has a row of ${q.table} under it, found by the scoped query on line ${line}, and the path ends when it finds nothing`,
      };
      const name = normalize(parent.expr.getText(this.ctx.sourceFile));
      this.facts.push({ name, value: { kind: "key", table: parent.table, reason }, scope, pos, throws });
    }
    // `envelope.findFirst({ where: { teamId, recipients: { some: { id: recipientId } } } })`: the
    // recipient hangs off the tenant's envelope.
    for (const child of q.childKeys ?? []) {
      const reason: Reason = {
        proof: "owned-key",
        evidence: q.call,
        say: (key) =>
          `key ${key} is a row under the ${q.table} row found by the scoped query on line ${line} (\`${child.field}: { some: ... }\`), and the path ends when it finds nothing`,
      };
      const name = normalize(child.expr.getText(this.ctx.sourceFile));
      this.facts.push({ name, value: { kind: "key", table: child.table, reason }, scope, pos, throws });
    }
  }
}

/** List reads of one table by their where: Prisma findMany, TypeORM find/findBy, Sequelize findAll. */
const BULK_READS = new Set(["findMany", "find", "findBy", "findAll"]);

/**
 * A read that returns each row of one table at most once: an ORM list read, or a Drizzle select
 * of one table (`db.select().from(monitor).where(...)`, `.all()`); a join may repeat a row.
 */
function oneRowPerKey(tsm: typeof ts, call: ts.Node): boolean {
  if (!tsm.isCallExpression(call)) return false;
  if (BULK_READS.has(calleeName(tsm, call) ?? "")) return true;
  const names = chainOf(tsm, call).calls.map((c) => c.name);
  return (
    (names[0] === "select" || names[0] === "selectDistinct") &&
    names.includes("from") &&
    names.every((n) => DRIZZLE_ONE_TABLE.has(n))
  );
}

const DRIZZLE_ONE_TABLE = new Set(["select", "selectDistinct", "from", "where", "limit", "orderBy", "all", "execute"]);

/** Calls that only read the list they are handed into a query (`In(ids)`, `sql.join(ids, sep)`, `inArray(col, ids)`). */
const LIST_READERS = new Set(["In", "inArray", "notInArray", "join", "Any", "ArrayContains", "ArrayOverlap", "raw"]);

/** Array methods that change the array they are called on. */
const LIST_MUTATORS = new Set([
  "push",
  "pop",
  "shift",
  "unshift",
  "splice",
  "fill",
  "copyWithin",
  "length",
  // A Set's or Map's own changes.
  "add",
  "set",
  "delete",
  "clear",
]);

/**
 * Whether the list `expr` names (an identifier, or a field path) is changed anywhere in its
 * function after `from`: a mutating method, an element or whole assignment, handed to a call.
 */

/** Whether `name` is read in `node` outside `except`. */
function readsOutside(tsm: typeof ts, node: ts.Node, except: ts.Node, name: string): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || n === except) return;
    if (tsm.isIdentifier(n) && n.text === name && isVariableRead(tsm, n)) found = true;
    else tsm.forEachChild(n, visit);
  };
  visit(node);
  return found;
}

export function listChanged(tsm: typeof ts, expr: ts.Expression, from: ts.Node): boolean {
  return listChangedAt(tsm, expr, from) !== undefined;
}

/**
 * Where the list may first change past `from` (pushed to, written, handed to a call), or -1 when
 * another name holds it anywhere in the function; undefined when nothing may change it.
 */
export function listChangedAt(tsm: typeof ts, expr: ts.Expression, from: ts.Node): number | undefined {
  const text = normalize(expr.getText());
  let fn: ts.Node | undefined = from.parent;
  while (fn && !tsm.isFunctionLike(fn) && !tsm.isSourceFile(fn)) fn = fn.parent;
  let changed = false;
  let at: number | undefined;
  const same = (e: ts.Node) =>
    (tsm.isIdentifier(e) || tsm.isPropertyAccessExpression(e)) && normalize(e.getText()) === text;
  const visit = (n: ts.Node): void => {
    if (changed) return;
    // Held under another name anywhere in the function (`const list = ids` before the read too).
    if (same(n)) {
      const p = n.parent;
      const aliased =
        (tsm.isVariableDeclaration(p) && p.initializer === n) ||
        (tsm.isBinaryExpression(p) && p.right === n && isAssignmentKind(tsm, p.operatorToken.kind));
      if (aliased) {
        changed = true;
        at = -1;
      }
    }
    if (changed) return;
    if (n.pos >= from.end && same(n)) {
      const p = n.parent;
      if (tsm.isPropertyAccessExpression(p) && p.expression === n && LIST_MUTATORS.has(p.name.text)) {
        changed =
          p.name.text === "length"
            ? isWriteTarget(tsm, p)
            : tsm.isCallExpression(p.parent) && p.parent.expression === p;
      } else if (tsm.isElementAccessExpression(p) && p.expression === n && isWriteTarget(tsm, p)) changed = true;
      else if (isWriteTarget(tsm, n)) changed = true;
      else if (
        tsm.isCallExpression(p) &&
        p.arguments.includes(n as ts.Expression) &&
        !LIST_READERS.has(calleeName(tsm, p) ?? "")
      )
        changed = true;
      // `const list = ids`, `other = ids`, `[...ids]` kept: another name that may change it.
      else if (tsm.isVariableDeclaration(p) && p.initializer === n) changed = true;
      else if (tsm.isBinaryExpression(p) && p.right === n && isAssignmentKind(tsm, p.operatorToken.kind))
        changed = true;
      if (changed) at = n.getStart();
    }
    if (!changed) tsm.forEachChild(n, visit);
  };
  if (fn) visit(fn);
  return at;
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

/** A field that says who may see a row (`visibility: "public" | "private"`, openstatus's `accessType`). */
const VISIBILITY = /^(?:visibility|access|accessType|privacy)$/i;

const PRIVATE_FLAG = /^(?:is_?)?private$/i;

/** The row `e` says is not public: `!row.isPublic`, `row.isPublic === false`, `row.visibility !== "public"`. */
function notPublicRow(tsm: typeof ts, e: ts.Expression): ts.Expression | undefined {
  const x = strip(tsm, e);
  // `attachment.isPrivate` (outline): the row says it is not public.
  if (tsm.isPropertyAccessExpression(x) && PRIVATE_FLAG.test(x.name.text)) return x.expression;
  if (tsm.isPrefixUnaryExpression(x) && x.operator === tsm.SyntaxKind.ExclamationToken) {
    const flag = strip(tsm, x.operand);
    return tsm.isPropertyAccessExpression(flag) && isPublicFlag(flag.name.text) ? flag.expression : undefined;
  }
  if (!tsm.isBinaryExpression(x)) return undefined;
  const field = strip(tsm, x.left);
  const value = strip(tsm, x.right);
  if (!tsm.isPropertyAccessExpression(field)) return undefined;
  const op = x.operatorToken.kind;
  const equal = op === tsm.SyntaxKind.EqualsEqualsEqualsToken || op === tsm.SyntaxKind.EqualsEqualsToken;
  const unequal = op === tsm.SyntaxKind.ExclamationEqualsEqualsToken || op === tsm.SyntaxKind.ExclamationEqualsToken;
  if (isPublicFlag(field.name.text)) {
    const no =
      (equal && value.kind === tsm.SyntaxKind.FalseKeyword) || (unequal && value.kind === tsm.SyntaxKind.TrueKeyword);
    return no ? field.expression : undefined;
  }
  if (PRIVATE_FLAG.test(field.name.text)) {
    const yes =
      (equal && value.kind === tsm.SyntaxKind.TrueKeyword) || (unequal && value.kind === tsm.SyntaxKind.FalseKeyword);
    return yes ? field.expression : undefined;
  }
  if (!VISIBILITY.test(field.name.text) || !tsm.isStringLiteralLike(value)) return undefined;
  const says = value.text.toLowerCase();
  // Only "not public" says so: `=== "private"` lets an "internal" or "team" row through unowned.
  return unequal && says === "public" ? field.expression : undefined;
}

/**
 * The call that made the ability a check asks, and the statement holding it
 * (`const ability = await createForUser(user, spaceId)`).
 */
function abilityOf(
  tsm: typeof ts,
  call: ts.CallExpression,
): { args: readonly ts.Expression[]; statement: ts.Node } | undefined {
  const callee = strip(tsm, call.expression);
  const receiver = tsm.isPropertyAccessExpression(callee) ? strip(tsm, callee.expression) : undefined;
  const init = receiver && tsm.isIdentifier(receiver) ? constInitializer(tsm, receiver, call) : undefined;
  let made = init && strip(tsm, init);
  if (made && tsm.isAwaitExpression(made)) made = strip(tsm, made.expression);
  const statement = made && enclosingStatementOf(tsm, made);
  return made && statement && tsm.isCallExpression(made) ? { args: made.arguments, statement } : undefined;
}

function isAssignmentKind(tsm: typeof ts, kind: ts.SyntaxKind): boolean {
  return kind >= tsm.SyntaxKind.FirstAssignment && kind <= tsm.SyntaxKind.LastAssignment;
}

/** The names a binding pattern declares (`{ a, b: { c } }`, `[x, ...rest]`). */
function boundNames(tsm: typeof ts, name: ts.BindingName): string[] {
  if (tsm.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((el) => (tsm.isOmittedExpression(el) ? [] : boundNames(tsm, el.name)));
}

/** `let canModify = false` in a block around `at`: the flag's declaration. */
function letFalseDeclaration(tsm: typeof ts, flag: ts.Identifier, at: ts.Node): ts.VariableDeclaration | undefined {
  for (let n: ts.Node | undefined = at.parent; n && !tsm.isFunctionLike(n); n = n.parent) {
    if (!tsm.isBlock(n)) continue;
    for (const st of n.statements) {
      if (!tsm.isVariableStatement(st) || !(st.declarationList.flags & tsm.NodeFlags.Let)) continue;
      const d = st.declarationList.declarations.find((x) => tsm.isIdentifier(x.name) && x.name.text === flag.text);
      if (!d) continue;
      const init = d.initializer && strip(tsm, d.initializer);
      return init?.kind === tsm.SyntaxKind.FalseKeyword ? d : undefined;
    }
  }
  return undefined;
}

/** `a !== b` as `b !== a`: the same test, the other side first (made for reading, not printed). */
function swapped(tsm: typeof ts, e: ts.BinaryExpression): ts.BinaryExpression {
  const out = tsm.factory.createBinaryExpression(e.right, e.operatorToken.kind as ts.BinaryOperator, e.left);
  tsm.setTextRange(out, e);
  (out as { parent: ts.Node }).parent = e.parent;
  return out;
}

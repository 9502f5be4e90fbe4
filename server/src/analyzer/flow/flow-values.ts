// What one function's names hold, as far as ownership goes: the bindings and facts the flow
// (flow/function-flow.ts) records in statement order, and the values they give expressions (a
// row, rows, a key of a table, tied to the tenant or not yet). A fact holds after the statement
// that proves it, inside the block that holds that statement, until what it is about is written.
import type ts from "typescript";
import { strip } from "../orm/prisma-syntax";
import type { ModelLinks } from "../model/relations";
import { decoratorsOf } from "../model/typeorm";
import { calleeName, mayChangeHeld, returnStatements, runLiteral } from "../statements";
import { constDeclarationOf, elementsWritten, normalize, writes } from "./bindings";

export { normalize };
import type { Authorizers } from "./authorizers";
import type { TenantNames } from "./conditions";
import type { FlowQuery } from "./queries";
import {
  callback,
  caughtPromise,
  element,
  isNothing,
  lineOf,
  mapsToId,
  matchedId,
  member,
  presentEnough,
  sameKeyField,
  queryValue,
  sharedEnough,
  thenPicks,
  isUnwrap,
  unwrapped,
  wrapped,
  wrapValue,
  type Reason,
  type Value,
} from "./values";

export interface FlowContext {
  ts: typeof ts;
  sourceFile: ts.SourceFile;
  /** Every query of `sourceFile` the flow may reason about, by call node. */
  queries: ReadonlyMap<ts.Node, FlowQuery>;
  tenantOf(table: string): TenantNames;
  /** What helper functions called here return or verify; absent: calls prove nothing. */
  helpers?: HelperEffects;
  /** The config's authorization functions (flow/authorizers.ts); names that say so count too. */
  authorizers?: Authorizers;
  /** The model's links between tables; absent: rows are not followed through relations. */
  links?: ModelLinks;
  /** Why a key the flow cannot prove is owned anyway: a parameter every call proves (flow/ownership.ts). */
  provenElsewhere?(
    key: ts.Expression,
    table: string,
    rejectsMissing: boolean,
    uniqueField?: string,
    /** The key is this field of `key` (`.typebotId` of a spread filter). */
    path?: string,
  ): Reason | undefined;
}

/** What a call to a helper function means for the caller (flow/helpers.ts). */
export interface HelperEffects {
  /** The value a call returns, when it is rows or ids the helper tied to the tenant. */
  /** `provenKey`: whether the caller's flow proved a value a key (a tenant argument verified before the call). */
  returns(call: ts.CallExpression, provenKey?: (e: ts.Expression) => boolean): Value | undefined;
  /**
   * `toDomain(a.trigger)` whose function returns its parameter reshaped (`{ id: t.id, ... }`,
   * `{ ...t, label }`): the argument, and the fields it sets that are no copy of the argument's own.
   */
  reshapes?(call: ts.CallExpression): { arg: ts.Expression; fields: readonly string[] } | undefined;
  /**
   * `versionSchema.parse(row)` with `versionSchema` a zod object schema the project declares, one
   * that transforms nothing: the argument it hands back, validated.
   */
  validates?(call: ts.CallExpression): ts.Expression | undefined;
  /**
   * The called function's body can be read and nothing in it can throw (no `throw`, no rejection,
   * no `...OrThrow`, no check it hands on): a check named like one (`authorizeEdit`) whose answer
   * is thrown away checks nothing.
   */
  neverThrows?(call: ts.CallExpression): boolean;
  /**
   * The index of the argument the called function asserts (`function assertFound(row: T | null):
   * asserts row is T`, `asserts cond`, or `invariant`/`assert` imported from their libraries): it
   * throws unless that argument holds.
   */
  asserts?(call: ts.CallExpression): number | undefined;
  /** Whether the called function is `async`: a call of it that nobody awaits does not stop on its throw. */
  isAsync?(call: ts.CallExpression): boolean;
  /**
   * The called function's body can be read, it can throw, and every return hands back a value that
   * is no yes-or-no (`return { participant }`): its no is the throw, so a kept answer is a check.
   */
  throwsForNo?(call: ts.CallExpression): boolean;
  /** Keys the call verifies (it throws otherwise) and rows whose tenant it checks. */
  effects(call: ts.CallExpression): HelperEffect[];
  /**
   * The request arguments a guard class's `canActivate` reads (`collectionID`, `id`), and whether it
   * hands them whole to a check (`await resolver(args)`); undefined when it cannot be seen.
   */
  guardArgs?(guard: string, at: ts.SourceFile): GuardArgs | undefined;
  /**
   * The fields of a tRPC handler's argument (`.input.id`) that the procedure's middleware (`.use(...)`)
   * verified before the handler ran, throwing otherwise.
   */
  procedureChecks?(handler: ts.CallExpression): { path: string; table: string; row?: boolean; uniqueField?: string }[];
}

/** Whether a file uses `@Parent()`/`@Root()` at all: the field-resolver lookup runs only where it does. */
const PARENT_DECORATORS = new WeakMap<ts.SourceFile, boolean>();

/** What a guard's `canActivate` reads of the request: argument names, and whether it hands them on whole. */
export interface GuardArgs {
  names: ReadonlySet<string>;
  whole: boolean;
}

export type HelperEffect =
  /** `present`: the helper checks the key only when it is given (`if (docId) { ... }`). */
  | {
      kind: "verifies";
      key: ts.Expression;
      path: string;
      table: string;
      reason: Reason;
      present?: boolean;
      /** A list of keys, every one verified. */
      list?: boolean;
      uniqueField?: string;
      /** Verified only once the caller stops when the result's field of this name is set (`if (r.error) return`). */
      onError?: string;
      /** Whether the caller handed the helper's tenant parameters the tenant, not request input. */
      tenant: (names: TenantNames) => boolean;
      /** What the caller handed the helper's tenant parameters. */
      tenantArgs?: readonly ts.Expression[];
    }
  | { kind: "checks-row"; row: ts.Expression; field: string; tenant: (names: TenantNames) => boolean; reason: Reason };

/** `branch`: the check ends the path, but sits in a branch the read is not in, and the row is used past it. */
export type Check =
  { state: "checked"; reason: Reason } | { state: "falls-through"; check: ts.IfStatement; branch?: boolean };

export interface Binding {
  name: string;
  value: Value;
  /** Visible in this node, from `pos` on. */
  scope: ts.Node;
  pos: number;
  /** For facts: proven by a throw (a helper's fact then holds for its callers), not a return. */
  throws?: boolean;
  /** For facts: no longer holding from here on (a list handed to a call that may change it). */
  until?: number;
  /** A `let` assignment: the variable may hold any of its earlier assignments' values too. */
  mutable?: boolean;
  /** For `let` assignments: the block the assignment sits in (the declaring block: it replaces what came before). */
  block?: ts.Node;
  /** A `let` declared with no value (or null): it stands for no row. */
  empty?: boolean;
  /** Bound from `rows.find((r) => r.id === key)` on owned rows: a guard on its emptiness proves `key`. */
  found?: Found;
}

/** A match on owned rows' ids (`rows.find((r) => r.id === key)`): the key, and whose rows they are. */
export interface Found {
  key: ts.Expression;
  /** The rows matched against (`team.documents`), as written. */
  rows: string;
  table: string;
  reason: Reason;
}

/** Array methods whose callback's first parameter is each element. */
export const ELEMENT_CALLBACKS = new Set(["map", "forEach", "flatMap", "filter", "some", "every", "find", "findIndex"]);

/** What a `let` holds after an assignment the flow cannot read: nothing it can prove. */
export const UNKNOWN: Value = { kind: "row", table: "", unchecked: true };

/** The names of one function and what they hold; FunctionFlow visits the function and fills them. */
export abstract class FlowValues {
  readonly checks = new Map<FlowQuery, Check>();
  protected readonly bindings: Binding[] = [];
  /** Key expressions proven by a guard, by their text. */
  readonly facts: Binding[] = [];
  /** `let` variables of the function, by name: the block that declares each. */
  protected readonly lets = new Map<string, ts.Node>();
  /** Writes to a name or field (`x = ...`, `x.id = ...`, `x++`): facts about it before them no longer hold. */
  protected readonly writes: { name: string; scope: ts.Node; pos: number }[] = [];
  /** Pairs a guard that ends the path proved equal (`if (a !== b) throw`), from `pos` on in `scope`. */
  protected readonly equalities: { a: ts.Expression; b: ts.Expression; scope: ts.Node; pos: number }[] = [];
  protected readonly tsm: typeof ts;

  valueOf(expr: ts.Expression, at: ts.Node): Value | undefined {
    const tsm = this.tsm;
    let e = strip(tsm, expr);
    while (tsm.isAwaitExpression(e) || tsm.isNonNullExpression(e)) e = strip(tsm, e.expression);
    const caught = caughtPromise(tsm, e);
    if (caught) return this.valueOf(caught, at);
    // `db.select()...where(...).then((rows) => rows[0])`: the query's first row (its chain ends below `.then`).
    const picked = thenPicks(tsm, e);
    if (picked) {
      const rows = this.valueOf(picked.of, at);
      return picked.unwraps ? unwrapped(rows) : picked.first ? element(rows) : rows;
    }
    const fact = this.latest(this.facts, normalize(e.getText(this.ctx.sourceFile)), at);
    if (fact) return fact.value;
    const query = this.ctx.queries.get(e);
    if (query) return this.queryValueOf(query);
    if (tsm.isIdentifier(e))
      return this.bindingValue(e.text, at) ?? this.resolvedParent(e, at) ?? this.pushedList(e, at);
    // `key ? await db.x.findFirst({ where: { key, tenantId } }) : undefined`: the row or nothing.
    if (tsm.isConditionalExpression(e)) {
      if (isNothing(tsm, e.whenFalse)) return this.valueOf(e.whenTrue, at);
      if (isNothing(tsm, e.whenTrue)) return this.valueOf(e.whenFalse, at);
      // `push ? await <scoped read> : await <scoped read>` (jitsu's links): the tenant's row either way.
      const [a, b] = [this.valueOf(e.whenTrue, at), this.valueOf(e.whenFalse, at)];
      if (
        a &&
        b &&
        !a.unchecked &&
        !b.unchecked &&
        a.reason &&
        a.kind === b.kind &&
        a.table === b.table &&
        !a.shared &&
        !b.shared
      )
        return a;
    }
    // `comment ?? null`, `row || undefined`: the row or nothing.
    if (tsm.isBinaryExpression(e) && isNothing(tsm, e.right)) {
      const op = e.operatorToken.kind;
      if (op === tsm.SyntaxKind.QuestionQuestionToken || op === tsm.SyntaxKind.BarBarToken)
        return this.valueOf(e.left, at);
    }
    // `rule || (await createRuleFor(tenantId, name))` (inbox-zero): the tenant's row either way.
    if (
      tsm.isBinaryExpression(e) &&
      (e.operatorToken.kind === tsm.SyntaxKind.QuestionQuestionToken ||
        e.operatorToken.kind === tsm.SyntaxKind.BarBarToken)
    ) {
      const [a, b] = [this.valueOf(e.left, at), this.valueOf(e.right, at)];
      if (
        a?.kind === "row" &&
        b?.kind === "row" &&
        !a.unchecked &&
        !b.unchecked &&
        a.reason &&
        a.table === b.table &&
        !a.shared &&
        !b.shared
      )
        return a;
    }
    if (e.kind === tsm.SyntaxKind.ThisKeyword) return this.heldRow(e, at);
    if (tsm.isPropertyAccessExpression(e))
      return this.fieldWritten(normalize(e.getText(this.ctx.sourceFile)), at)
        ? undefined
        : this.member(this.valueOf(e.expression, at), e.name.text);
    // `{ ...a.trigger, name }`: the row under a new shape, its key fields its own.
    // `{ docId: doc.id }`: an object whose fields hold what their expressions do.
    if (tsm.isObjectLiteralExpression(e)) return this.spreadOfRow(e, at) ?? this.objectOf(e, at);
    // `[report]`, `[a, b]`: rows when every element is an owned row of one table.
    if (tsm.isArrayLiteralExpression(e) && e.elements.length) {
      const each = e.elements.map((el) => (tsm.isSpreadElement(el) ? undefined : this.valueOf(el, at)));
      const first = each[0];
      const same = each.every(
        (v) => v?.kind === "row" && !v.unchecked && !!v.reason && v.table === first?.table && !v.present,
      );
      return same ? { ...first!, kind: "rows" } : undefined;
    }
    // `rows[0]`, `rows[i]`: any element of owned rows is an owned row (or nothing).
    if (tsm.isElementAccessExpression(e)) {
      const list = this.valueOf(e.expression, at);
      return list?.kind === "rows" || list?.kind === "keys" ? element(list) : undefined;
    }
    // `new Set(rows.map((r) => r.id))`: the same keys, asked with `.has`.
    if (tsm.isNewExpression(e) && tsm.isIdentifier(e.expression) && e.expression.text === "Set" && e.arguments?.[0]) {
      const keys = this.valueOf(e.arguments[0], at);
      return keys?.kind === "keys" ? keys : undefined;
    }
    // `new Map(rows.map((r) => [r.name, r]))`: each value one of the rows (or its id), looked up with `.get`.
    if (tsm.isNewExpression(e) && tsm.isIdentifier(e.expression) && e.expression.text === "Map" && e.arguments?.[0]) {
      const entries = strip(tsm, e.arguments[0]);
      const mapped =
        tsm.isCallExpression(entries) &&
        tsm.isPropertyAccessExpression(entries.expression) &&
        entries.expression.name.text === "map"
          ? entries
          : undefined;
      const cb = mapped && callback(tsm, mapped.arguments[0]);
      const pair = cb && tsm.isIdentifier(cb.param) && tsm.isArrayLiteralExpression(cb.body) ? cb.body.elements : [];
      const held = pair.length === 2 ? strip(tsm, pair[1]!) : undefined;
      const list = held && this.valueOf((mapped!.expression as ts.PropertyAccessExpression).expression, at);
      if (!list || (list.kind !== "rows" && list.kind !== "keys")) return undefined;
      const param = (cb!.param as ts.Identifier).text;
      const isParam = (x: ts.Expression) => tsm.isIdentifier(x) && x.text === param;
      const one = element(list);
      // `[r.name, r]` holds the row; `[r.name, r.id]` its key.
      const value = isParam(held)
        ? one
        : tsm.isPropertyAccessExpression(held) && isParam(strip(tsm, held.expression))
          ? this.member(one, held.name.text)
          : undefined;
      return value && { kind: "object", table: list.table, anyField: value };
    }
    if (!tsm.isCallExpression(e)) return undefined;
    // `byName.get(name)` of a Map built so: one of its values, or nothing.
    if (tsm.isPropertyAccessExpression(e.expression) && e.expression.name.text === "get" && e.arguments.length === 1) {
      const map = this.valueOf(e.expression.expression, at);
      if (map?.kind === "object" && map.anyField && !map.fields) return map.anyField;
    }
    // `(await repo.find(id)).unwrap()`: the row the result holds; a failed result throws.
    if (isUnwrap(tsm, e)) return unwrapped(this.valueOf(e.expression.expression, at));
    // `await db.$transaction(async (tx) => { ...; return row })`, `(async () => { ... })()`: what the callback returns.
    const ran = runLiteral(tsm, e);
    if (ran) return this.returnedValue(ran);
    if (tsm.isPropertyAccessExpression(e.expression)) {
      const method = e.expression.name.text;
      const list = ["at", "find", "map", "filter", "slice", "toSorted", "toReversed"].includes(method)
        ? this.valueOf(e.expression.expression, at)
        : undefined;
      if (list && (method === "at" || method === "find")) return element(list);
      // `rows.slice(i, i + BATCH)` (plunk's segment batches), a filtered or sorted copy: some of the same rows.
      if (list && method !== "map") return list.kind === "rows" || list.kind === "keys" ? list : undefined;
      if (list && method === "map") {
        if (list.kind !== "rows") return undefined;
        // `rows[0].collectionId = input.id` (or a loop writing into each row) first: the keys are not all theirs.
        if (this.rowFieldsWritten(e.expression.expression)) return undefined;
        if (mapsToId(tsm, e.arguments[0]) && !renamesId(list)) return { ...list, kind: "keys" };
        // `envs.map((e) => e.environmentId)`: a primary key under another name, or a foreign key, of each row.
        const cb = callback(tsm, e.arguments[0]);
        // `defs.map((d) => ({ ...d, tagSlot: String(d.tagSlot) }))`: each row, with fields that are no key added.
        const shaped = cb && tsm.isIdentifier(cb.param) && tsm.isObjectLiteralExpression(cb.body) ? cb.body : undefined;
        const first = shaped?.properties[0];
        if (
          first &&
          tsm.isSpreadAssignment(first) &&
          tsm.isIdentifier(strip(tsm, first.expression)) &&
          (strip(tsm, first.expression) as ts.Identifier).text === (cb!.param as ts.Identifier).text &&
          shaped!.properties.slice(1).every((p) => {
            const name = p.name && tsm.isIdentifier(p.name) ? p.name.text : undefined;
            return !tsm.isSpreadAssignment(p) && !!name && !this.knownBy(list.table, name);
          })
        )
          return list;
        const field = cb && tsm.isIdentifier(cb.param) && tsm.isPropertyAccessExpression(cb.body) ? cb.body : undefined;
        // `map(({ pluginInstallId }) => pluginInstallId)`: the field destructured and handed back as is.
        const taken = cb && tsm.isIdentifier(cb.body) ? destructuredField(tsm, cb.param, cb.body.text) : undefined;
        const name =
          field && tsm.isIdentifier(field.expression) && field.expression.text === (cb!.param as ts.Identifier).text
            ? field.name.text
            : taken;
        const key = name ? this.member(element(list), name) : undefined;
        return key?.kind === "key" ? { ...key, kind: "keys" } : undefined;
      }
    }
    // `groupBy(rows, (r) => r.source)`, `Object.groupBy(...)`: every group is some of the rows.
    if (isGroupBy(tsm, e)) {
      const list = this.valueOf(e.arguments[0], at);
      return list?.kind === "rows" || list?.kind === "keys"
        ? { kind: "object", table: list.table, anyField: list }
        : undefined;
    }
    // `E.right(row)`, `ok(row)`: read back as `.right`, `.value`.
    const wrap = wrapped(tsm, e);
    if (wrap) {
      const inner = this.valueOf(wrap.inner, at);
      return inner && wrapValue(wrap.field, inner);
    }
    // `typebotVersionSchema.parse(version)` (zod): the same row, validated.
    const parsed = this.ctx.helpers?.validates?.(e);
    if (parsed) {
      const row = this.valueOf(parsed, at);
      if (row?.kind === "row" && !row.unchecked) return row;
    }
    // `getVersionById(versionId)` returning the row its parameter's key reads: proven with that key.
    // `convertTriggerToDomain(automation.trigger)`: the same row under a new shape (langfuse's automations).
    const reshaped = this.ctx.helpers?.reshapes?.(e);
    if (reshaped) {
      const row = this.valueOf(reshaped.arg, at);
      if (row?.kind === "row" && !row.unchecked && !reshaped.fields.some((f) => this.knownBy(row.table, f))) return row;
    }
    const returned = this.ctx.helpers?.returns(e, (x) => {
      const v = this.valueOf(x, e);
      return v?.kind === "key" && !v.unchecked && !!v.reason;
    });
    // `const defs = await getTagDefs(knowledgeBaseId)` with the parent key proven here: the tenant's rows.
    if (
      returned?.kind === "rows" &&
      returned.unchecked &&
      returned.source?.parentKeys &&
      this.scopedInFlow(returned.source)
    ) {
      const line = lineOf(this.ctx.sourceFile, e);
      return {
        ...returned,
        unchecked: false,
        reason: {
          proof: "parent",
          evidence: e,
          say: (k) =>
            `key ${k} comes from the rows the call on line ${line} lists under a proven ${returned.source!.parentKeys![0]!.table} key`,
        },
      };
    }
    if (returned?.kind === "row" && returned.source) return this.readByProvenKey(returned, returned.source);
    // `E.right(row)` of a by-key read (hoppscotch's getCollection): the wrapped row, read by a proven key.
    if (returned?.kind === "object" && returned.fields?.size === 1) {
      const [[field, inner]] = [...returned.fields];
      if (inner?.kind === "row" && inner.unchecked && inner.source) {
        const proven = this.readByProvenKey(inner, inner.source);
        if (proven !== inner && proven) return { ...returned, fields: new Map([[field!, proven]]) };
      }
    }
    return returned;
  }

  /**
   * A query's value; a row read by a key the flow (or every call of the function) already tied to
   * the tenant is the tenant's too: `const r = await db.response.delete({ where: { id } })` when
   * `id` is proven makes `r.surveyId` an owned key of surveys.
   */
  protected queryValueOf(q: FlowQuery): Value | undefined {
    // The tenant's own row read by a field of a row nothing proved (`source.teamId`) is no tenant's own row.
    if (q.tenantKey && this.unprovenRowField(q.tenantKey, q.call)) return undefined;
    if (!q.scoped && this.scopedInFlow(q)) {
      const scoped = queryValue(this.ctx.sourceFile, { ...q, scoped: true });
      return scoped && { ...scoped, source: q };
    }
    return this.readByProvenKey(queryValue(this.ctx.sourceFile, q), q);
  }

  /** An unchecked row read by a key the flow (or every call of the function) already tied to the tenant is the tenant's. */
  private readByProvenKey(value: Value | undefined, q: FlowQuery): Value | undefined {
    if (!value?.unchecked || !q.key || q.key.list) return value;
    const key = q.key.path ? this.valueOfPath(q.key.expr, q.key.path, q.call) : this.valueOf(q.key.expr, q.call);
    const proven =
      key?.kind === "key" &&
      !key.unchecked &&
      key.reason &&
      presentEnough(key, q.key) &&
      sharedEnough(key, q) &&
      (key.table === "*" || (key.table === q.table && sameKeyField(key, q.key)))
        ? key.reason
        : q.key.path
          ? undefined
          : this.ctx.provenElsewhere?.(q.key.expr, q.table, !!q.key.rejectsMissing, q.key.uniqueField);
    if (!proven) return value;
    const line = lineOf(this.ctx.sourceFile, q.call);
    const by = q.key.expr.getText(this.ctx.sourceFile).replace(/\s+/g, " ") + (q.key.path ?? "");
    return {
      ...value,
      unchecked: false,
      reason: {
        proof: proven.proof,
        evidence: proven.evidence,
        say: (k) => `key ${k} comes from the row read on line ${line} by a proven key: ${proven.say(`\`${by}\``)}`,
      },
    };
  }

  /**
   * Scoped by its own predicate, or by a parent key the flow has proven: `dataroomFolder.findUnique({
   * where: { id: folderId, dataroomId } })` after the dataroom was found with the team. Such a read
   * then proves its key and returns the tenant's row, as a scoped one does.
   */
  protected scopedInFlow(q: FlowQuery): boolean {
    if (q.scoped) return true;
    return !!q.parentKeys?.some((pk) => this.parentKeyProven(q, pk));
  }

  /** A parent key of `q` the flow proved, or every call does; a literal list (`in: [a, b]`) when each of its keys is. */
  private parentKeyProven(q: FlowQuery, pk: NonNullable<FlowQuery["parentKeys"]>[number]): boolean {
    const tsm = this.tsm;
    if (pk.list) {
      const list = strip(tsm, pk.expr);
      return (
        tsm.isArrayLiteralExpression(list) &&
        list.elements.length > 0 &&
        list.elements.every((e) => !tsm.isSpreadElement(e) && this.parentKeyProven(q, { ...pk, expr: e, list: false }))
      );
    }
    // `{ ...resultsFilter }`: the spread object's own field.
    const path = pk.ofObject ? `.${pk.ofObject}` : undefined;
    const v = path ? this.valueOfPath(pk.expr, path, q.call) : this.valueOf(pk.expr, q.call);
    if (
      v?.kind === "key" &&
      !v.unchecked &&
      !!v.reason &&
      presentEnough(v, pk) &&
      sharedEnough(v, q) &&
      (v.table === "*" || (v.table === pk.table && !v.uniqueField))
    )
      return true;
    // `step.findMany({ where: { versionId } })` with `versionId` a parameter every call proves.
    return !v && !!this.ctx.provenElsewhere?.(pk.expr, pk.table, !!pk.rejectsMissing, undefined, path);
  }

  /**
   * The value every return of a function literal run here hands back (a return of nothing is no
   * other tenant's row either); undefined when one of them holds nothing proven, or they disagree.
   */
  private returnedValue(fn: ts.ArrowFunction | ts.FunctionExpression): Value | undefined {
    const tsm = this.tsm;
    const returned: [ts.Expression, ts.Node][] = tsm.isBlock(fn.body)
      ? returnStatements(tsm, fn).flatMap((r): [ts.Expression, ts.Node][] => (r.expression ? [[r.expression, r]] : []))
      : [[fn.body, fn.body]];
    let joined: Value | undefined;
    for (const [expr, at] of returned) {
      if (isNothing(tsm, expr)) continue;
      const v = this.valueOf(expr, at);
      if (!v || v.unchecked || (!v.reason && v.kind !== "object")) return undefined;
      joined = joined ? joinValues(joined, v) : v;
      if (!joined) return undefined;
    }
    return joined;
  }

  /**
   * `{ docId: doc.id, name }`: the fields whose expressions hold something proven. Undefined when
   * none does, or when the object spreads another (`{ id: doc.id, ...input }`: a spread may replace
   * any field).
   */
  private objectOf(o: ts.ObjectLiteralExpression, at: ts.Node): Value | undefined {
    const tsm = this.tsm;
    const fields = new Map<string, Value>();
    for (const p of o.properties) {
      if (tsm.isSpreadAssignment(p)) return undefined;
      const name = p.name && (tsm.isIdentifier(p.name) || tsm.isStringLiteral(p.name)) ? p.name.text : undefined;
      // `["docId"]: input.docId`, `[key]: value`: a computed key may replace any field.
      if (!name) return undefined;
      const expr = tsm.isShorthandPropertyAssignment(p)
        ? p.name
        : tsm.isPropertyAssignment(p)
          ? p.initializer
          : undefined;
      const v = expr && this.valueOf(expr, at);
      // A later field of the same name replaces an earlier one.
      if (v && !v.unchecked && (v.reason || (v.kind === "object" && v.fields))) fields.set(name, v);
      else fields.delete(name);
    }
    return fields.size ? { kind: "object", table: "", fields, literal: true } : undefined;
  }

  /**
   * `const ids: string[] = []`, then `ids.push(created.id)` (in a loop, in branches) before `at`:
   * the keys (or rows) of one table the function proved, when every push hands one and nothing
   * else touches the list (no other mutator, no call handed it, no other name for it).
   */
  private pushedList(id: ts.Identifier, at: ts.Node): Value | undefined {
    const tsm = this.tsm;
    const decl = constDeclarationOf(tsm, id, at);
    const init = decl?.initializer && strip(tsm, decl.initializer);
    if (!decl || !init || !tsm.isArrayLiteralExpression(init) || init.elements.length) return undefined;
    // A list of this function's own: one at module level may be pushed to from anywhere.
    if (!within(decl, this.root) || tsm.isSourceFile(this.root)) return undefined;
    let joined: Value | undefined;
    let refused = false;
    // Every push in the function, also after `at`: in a loop it may run before `at` does.
    const visit = (n: ts.Node): void => {
      if (refused) return;
      if (tsm.isIdentifier(n) && n.text === id.text && n !== decl.name && n.pos >= decl.end) {
        const p = n.parent;
        const call = p.parent;
        if (
          tsm.isPropertyAccessExpression(p) &&
          p.expression === n &&
          p.name.text === "push" &&
          tsm.isCallExpression(call) &&
          call.expression === p
        ) {
          for (const arg of call.arguments) {
            // A key (a string, kept as pushed), of a name no later assignment changes (`let id`, a loop back-edge).
            const root = /^[\w$]+/.exec(arg.getText(this.ctx.sourceFile))?.[0] ?? "";
            const v = tsm.isSpreadElement(arg) || this.lets.has(root) ? undefined : this.valueOf(arg, call);
            const item = v && !v.unchecked && v.reason && v.kind === "key" ? v : undefined;
            if (!item || (joined && (joined.kind !== item.kind || joined.table !== item.table))) refused = true;
            joined ??= item;
          }
          return;
        }
        // Read in place (`ids.length`, `ids.map((x) => ...)`, `for (const x of ids)`, `{ in: ids }`): no
        // change; a callback given the array itself (`forEach((x, i, a) => ...)`) may change it.
        const method = tsm.isPropertyAccessExpression(p) && p.expression === n ? p.name.text : undefined;
        const called = method !== undefined && tsm.isCallExpression(p.parent) && p.parent.expression === p;
        const read =
          (method === "length" && !(tsm.isBinaryExpression(p.parent) && p.parent.left === p)) ||
          (called &&
            /^(?:map|filter|some|every|find|includes|join|slice|forEach|flatMap|at|indexOf)$/.test(method!) &&
            (p.parent as ts.CallExpression).arguments.every(
              (a) => !(tsm.isArrowFunction(a) || tsm.isFunctionExpression(a)) || a.parameters.length < 3,
            )) ||
          (tsm.isForOfStatement(p) && p.expression === n) ||
          (tsm.isPropertyAssignment(p) &&
            p.initializer === n &&
            /^(?:in|notIn|hasSome|hasEvery)$/.test(p.name.getText(this.ctx.sourceFile))) ||
          // `inArray(t.id, ids)`, `In(ids)`, `whereIn("id", ids)`: a where reads the list.
          (tsm.isCallExpression(p) &&
            p.expression !== n &&
            /^(?:In|inArray|notInArray|Any|ArrayContains|ArrayOverlap|whereIn|whereNotIn)$/.test(
              calleeName(tsm, p) ?? "",
            ));
        if (!read) refused = true;
      }
      tsm.forEachChild(n, visit);
    };
    visit(this.root);
    if (refused || !joined) return undefined;
    return { ...joined, kind: joined.kind === "row" ? "rows" : "keys" };
  }

  /** `{ ...row, url }` of a proven row: that row, when no field replaces one the row is known by. */
  private spreadOfRow(o: ts.ObjectLiteralExpression, at: ts.Node): Value | undefined {
    const spread = this.spreadRowOf(o, at);
    const row = spread && this.valueOf(spread, at);
    return row?.kind === "row" && !row.unchecked && row.reason ? row : undefined;
  }

  /**
   * `{ ...result, url }`: the one row spread into the object, when no other field replaces what the
   * row is known by (a key such as `id` or a unique `publicId`, the tenant, the owner's key, or a
   * relation such as `board`); undefined for any other object.
   */
  spreadRowOf(o: ts.ObjectLiteralExpression, at: ts.Node): ts.Expression | undefined {
    const tsm = this.tsm;
    const spreads = o.properties.filter((p): p is ts.SpreadAssignment => tsm.isSpreadAssignment(p));
    if (spreads.length !== 1) return undefined;
    const row = this.valueOf(spreads[0]!.expression, at);
    if (row?.kind !== "row") return undefined;
    const replaces = o.properties.some((p) => {
      if (tsm.isSpreadAssignment(p)) return false;
      const name = p.name && (tsm.isIdentifier(p.name) || tsm.isStringLiteral(p.name)) ? p.name.text : undefined;
      return !name || this.knownBy(row.table, name); // a computed key may be any
    });
    return replaces ? undefined : spreads[0]!.expression;
  }

  /** Whether a row of `table` is known by its field `name`: a key, the tenant, the owner's key, a relation, its tenant's row. */
  protected knownBy(table: string, name: string): boolean {
    const links = this.ctx.links;
    return (
      this.ctx.tenantOf(table).names.has(name) ||
      name === "id" ||
      !!links?.isPrimaryKey(table, name) ||
      !!links?.ownerKey(table, name) ||
      !!links?.relatedRows(table, name) ||
      !!links?.parentOf(table, name) ||
      !!links?.isTenantRow(table, name) ||
      !!links?.referencedTable(table, name) ||
      !!links?.isUniqueField(table, name)
    );
  }

  /**
   * The parent a row's select nests under `name` (`report: { id: statusReport.id, ... }`), when the
   * row is inner-joined to it on its own key; or the parent the row's relation `name` points at.
   */
  protected joinedParentNamed(row: Value, name: string): string | undefined {
    if (row.kind !== "row") return undefined;
    const q = row.source;
    const nested = [...(q?.projection ?? [])].filter(([k]) => k.startsWith(`${name}.`)).map(([, p]) => p.table);
    const table = nested[0];
    // What the select puts under the name decides, whatever relation the name may also be.
    if (nested.length)
      return nested.every((t) => t === table) && q?.joinedParents?.includes(table!) ? table : undefined;
    // A select that names its fields and none of them this one: it holds no relation either.
    if (q?.projection?.size) return undefined;
    return this.ctx.links?.parentOf(row.table, name);
  }

  /** A field of a value: a row's id is its key; a row's foreign key (`surveyId`) is a key of the table it points at. */
  protected member(value: Value | undefined, name: string, projected = true): Value | undefined {
    // `row.update` of `select({ update: statusReportUpdate, ... })`: the row itself.
    const projection = projected && value?.kind === "row" ? value.source?.projection : undefined;
    const field = projection?.get(name);
    if (field && !field.column && field.table === value!.table) return value;
    // `row.workflow` of `select({ webhook, workflow: { id: workflow.id, ... } })` joined to its parent
    // on its own key: the parent's row, the tenant's when the row is.
    const joined =
      !field && value && !value.unchecked && value.reason ? this.joinedParentNamed(value, name) : undefined;
    if (joined) return { kind: "row", table: joined, reason: value!.reason, ...(value!.shared && { shared: true }) };
    // A read that names its fields (`select({ id: t.pageId, slug: page.slug })`): a field holds what
    // its select says, not the row's own column of that name.
    if (projection?.size && !value!.source?.joinedParents) {
      // `id: sql\`...\``, `appId: oauthApplications.id`: no key of this row.
      if (!field?.column || field.table.toLowerCase() !== value!.table.toLowerCase()) return undefined;
      // `id: statusReport.pageId`: the row's pageId, under another name.
      if (field.field && field.field !== name) return this.member(value, field.field, false);
    }
    const direct = member(value, name);
    if (direct || value?.kind !== "row" || value.unchecked || !value.reason) return direct;
    const shared = value.shared ? { shared: true } : {};
    // `key.sshKeyId` of a table whose primary key is `sshKeyId` (a foreign key too, 1:1): the row's own key.
    if (this.ctx.links?.isRowKey(value.table, name)) return { ...value, kind: "key" };
    // A foreign key, even a unique one (`apis.keyAuthId`, 1:1): a key of the row it points at.
    const table = this.ctx.links?.referencedTable(value.table, name);
    if (table) return { kind: "key", table, reason: value.reason, ...shared };
    // A Drizzle `.unique()` column that names no other table: a key of the row by that field.
    if (this.ctx.links?.isPrimaryKey(value.table, name)) return { ...value, kind: "key", uniqueField: name };
    // `domain.slug` of a scoped row, `@unique` in the schema: a key by that field.
    if (this.ctx.links?.isUniqueField(value.table, name)) return { ...value, kind: "key", uniqueField: name };
    // `team.documents` of an owned team: rows whose key points at it are its tenant's.
    const related = this.ctx.links?.relatedRows(value.table, name);
    return related && { kind: related.many ? "rows" : "row", table: related.table, reason: value.reason, ...shared };
  }

  /**
   * `this` in an instance method of a model class (`class Document extends Model { publish() {
   * ... Collection.findByPk(this.collectionId) } }`): the row the method runs on, which its caller
   * holds. Its own id and foreign keys stay inside that row's tenant, unless the method wrote to
   * `this` first (`this.collectionId = collectionId`).
   */
  private heldRow(self: ts.Expression, at: ts.Node): Value | undefined {
    const tsm = this.tsm;
    // The method, or the field an arrow function is the value of (`isDeleted = async () => {...}`).
    let fn: ts.Node | undefined = self.parent;
    while (fn && !tsm.isPropertyDeclaration(fn) && (!tsm.isFunctionLike(fn) || tsm.isArrowFunction(fn))) fn = fn.parent;
    if (!fn || !(tsm.isMethodDeclaration(fn) || tsm.isGetAccessorDeclaration(fn) || tsm.isPropertyDeclaration(fn)))
      return undefined;
    if (fn.modifiers?.some((m) => m.kind === tsm.SyntaxKind.StaticKeyword)) return undefined;
    const cls = fn.parent;
    const className = tsm.isClassDeclaration(cls) ? cls.name?.text : undefined;
    const table = className && this.ctx.links?.entityTable(className);
    if (!table || this.writes.some((w) => /^this(?:\.|$)/.test(w.name) && w.pos < at.pos)) return undefined;
    return {
      kind: "row",
      table,
      reason: {
        proof: "owned-key",
        evidence: self,
        say: (key) => `key ${key} is read off the ${className} row this method runs on, which its caller holds`,
      },
    };
  }

  /**
   * `@Parent() content: Content` of a GraphQL field resolver (`@ResolveField`; type-graphql's
   * `@Root()` with `@FieldResolver`): the row GraphQL resolved before this field, which the query
   * that returned it was checked for; its keys (`content.editedVersionId`) are its tenant's.
   */
  private resolvedParent(id: ts.Identifier, at: ts.Node): Value | undefined {
    const tsm = this.tsm;
    const file = this.ctx.sourceFile;
    let decorated = PARENT_DECORATORS.get(file);
    if (decorated === undefined) PARENT_DECORATORS.set(file, (decorated = /@(?:Parent|Root)\s*\(/.test(file.text)));
    if (!decorated) return undefined;
    for (let fn: ts.Node | undefined = id.parent; fn; fn = fn.parent) {
      if (!tsm.isFunctionLike(fn)) continue;
      const param = fn.parameters.find((p) => tsm.isIdentifier(p.name) && p.name.text === id.text);
      if (!param) continue;
      const decorated = (node: ts.HasDecorators, names: RegExp) =>
        decoratorsOf(tsm, node).some((d) => names.test(d.name));
      if (!tsm.isMethodDeclaration(fn) || !decorated(param, /^(?:Parent|Root)$/)) return undefined;
      if (!decorated(fn, /^(?:ResolveField|FieldResolver|ResolveProperty)$/)) return undefined;
      const type = param.type && tsm.isTypeReferenceNode(param.type) ? param.type.typeName : undefined;
      const typeName = type && (tsm.isIdentifier(type) ? type.text : type.right.text);
      const table = typeName && this.ctx.links?.entityTable(typeName);
      if (!table || this.writes.some((w) => w.name.split(".")[0] === id.text && w.pos < at.pos)) return undefined;
      return {
        kind: "row",
        table,
        reason: {
          proof: "owned-key",
          evidence: param,
          say: (key) =>
            `key ${key} is read off the ${typeName} row GraphQL resolved before this field (\`@Parent()\`), which the query that returned it answers for`,
        },
      };
    }
    return undefined;
  }

  /**
   * Whether a field of the list's rows is written anywhere in the function: `rows[0]!.id = x`,
   * `Object.assign(rows[1], patch)`, or through each row in a loop or callback over it.
   */
  private rowFieldsWritten(list: ts.Expression): boolean {
    const tsm = this.tsm;
    const l = strip(tsm, list);
    if (!tsm.isIdentifier(l)) return false;
    const known = this.rowWrites.get(l.text);
    if (known !== undefined) return known;
    const written = this.findRowFieldWrite(l);
    this.rowWrites.set(l.text, written);
    return written;
  }

  /** Per list name: whether a field of its rows is written somewhere in the function (rowFieldsWritten). */
  private readonly rowWrites = new Map<string, boolean>();

  private findRowFieldWrite(l: ts.Identifier): boolean {
    const tsm = this.tsm;
    if (elementsWritten(tsm, l, this.root)) return true;
    // Another name for one of its rows: `const first = rows[0]`, `rows.find(...)`, `const [head] = rows`.
    const names = new Set([l.text]);
    const holdsRow = (e: ts.Expression): boolean => {
      const x = strip(tsm, e);
      if (tsm.isElementAccessExpression(x) || tsm.isNonNullExpression(x)) return holdsRow(x.expression);
      if (tsm.isCallExpression(x) && tsm.isPropertyAccessExpression(x.expression))
        return holdsRow(x.expression.expression);
      return tsm.isIdentifier(x) && x.text === l.text;
    };
    const aliases = (n: ts.Node): void => {
      if (tsm.isVariableDeclaration(n) && n.initializer && holdsRow(n.initializer)) {
        const bind = (b: ts.BindingName): void => {
          if (tsm.isIdentifier(b)) names.add(b.text);
          else for (const el of b.elements) if (!tsm.isOmittedExpression(el)) bind(el.name);
        };
        bind(n.name);
      }
      tsm.forEachChild(n, aliases);
    };
    aliases(this.root);
    let found = false;
    const visit = (n: ts.Node): void => {
      if (found) return;
      const w = writes(tsm, n);
      if (
        w?.targets.some((t) => {
          let x = strip(tsm, t);
          let deep = false;
          let field = false;
          while (tsm.isPropertyAccessExpression(x) || tsm.isElementAccessExpression(x) || tsm.isNonNullExpression(x)) {
            deep ||= tsm.isElementAccessExpression(x);
            field ||= !tsm.isNonNullExpression(x);
            x = strip(tsm, x.expression);
          }
          // `rows[0].id = x` on the list; `first.id = x` on a name for one of its rows.
          return tsm.isIdentifier(x) && field && names.has(x.text) && (deep || x.text !== l.text);
        })
      )
        found = true;
      else tsm.forEachChild(n, visit);
    };
    visit(this.root);
    return found;
  }

  /** What `expr` plus a field path (`.id`, `.input.id`) holds at `at`: a fact on the whole text, else the fields of the value. */
  valueOfPath(expr: ts.Expression, path: string, at: ts.Node): Value | undefined {
    if (!path) return this.valueOf(expr, at);
    const fact = this.latest(this.facts, normalize(expr.getText(this.ctx.sourceFile)) + path, at);
    if (fact) return fact.value;
    if (this.fieldWritten(normalize(expr.getText(this.ctx.sourceFile)) + path, at)) return undefined;
    let value = this.valueOf(expr, at);
    for (const field of path.split(".").slice(1)) value = this.member(value, field);
    return value;
  }

  /**
   * `ids.docId = input.id`, `d.id = other`, `Object.assign(ids, patch)` after `ids` was bound and
   * before `at`: the field `text` (`ids.docId`) no longer holds what the binding said.
   */
  private fieldWritten(text: string, at: ts.Node): boolean {
    const root = /^[\w$]+/.exec(text)?.[0];
    const bound = root && this.latest(this.bindings, root, at);
    if (!bound) return false;
    if (
      this.writes.some(
        (w) =>
          w.pos > bound.pos &&
          w.pos <= at.pos &&
          within(at, w.scope) &&
          (w.name === text || text.startsWith(`${w.name}.`)),
      )
    )
      return true;
    return this.escaped(root, bound.pos, at.pos, !!bound.value.literal);
  }

  /**
   * Whether the object or row `name` may have changed between `from` and `to` by a way the writes
   * do not name: held under another name (`const other = ids`, then `other.docId = ...`), a field
   * deleted (`delete ids.docId`), or, for an object the code built, handed to a call (`setIt(ids, x)`).
   */
  private escaped(name: string, from: number, to: number, calls: boolean): boolean {
    return (this.escapes ??= this.findEscapes()).some((e) => {
      if (e.name !== name || e.pos < from || e.pos >= to) return false;
      if (e.kind === "call") return calls;
      // Another name for it, written through (`const other = ids; other.docId = x`).
      if (e.kind === "alias")
        return this.writes.some(
          (w) => w.pos > e.pos && w.pos <= to && (w.name === e.alias || w.name.startsWith(`${e.alias}.`)),
        );
      return true;
    });
  }

  private escapes?: { name: string; pos: number; kind: "alias" | "delete" | "call"; alias?: string }[];

  /** Every place in the function where a name is aliased, has a field deleted, or is handed to a call: found once. */
  private findEscapes(): { name: string; pos: number; kind: "alias" | "delete" | "call"; alias?: string }[] {
    const tsm = this.tsm;
    const out: { name: string; pos: number; kind: "alias" | "delete" | "call"; alias?: string }[] = [];
    const visit = (n: ts.Node): void => {
      if (tsm.isIdentifier(n) && !(tsm.isPropertyAccessExpression(n.parent) && n.parent.name === n)) {
        const p = n.parent;
        const alias =
          tsm.isVariableDeclaration(p) && p.initializer === n && tsm.isIdentifier(p.name)
            ? p.name.text
            : tsm.isBinaryExpression(p) &&
                p.right === n &&
                p.operatorToken.kind === tsm.SyntaxKind.EqualsToken &&
                tsm.isIdentifier(p.left)
              ? p.left.text
              : undefined;
        if (alias) out.push({ name: n.text, pos: n.pos, kind: "alias", alias });
        else if (tsm.isPropertyAccessExpression(p) && p.expression === n && tsm.isDeleteExpression(p.parent))
          out.push({ name: n.text, pos: n.pos, kind: "delete" });
        else if ((tsm.isCallExpression(p) || tsm.isNewExpression(p)) && p.expression !== n)
          out.push({ name: n.text, pos: n.pos, kind: "call" });
      }
      tsm.forEachChild(n, visit);
    };
    visit(this.root);
    return out;
  }

  /**
   * What a variable holds at `at`. A `let` assigned in branches may hold any assignment since the
   * last one at its own level: owned only when every one of them is.
   */
  protected bindingValue(name: string, at: ts.Node): Value | undefined {
    const latest = this.latest(this.bindings, name, at);
    // `rows.push({ id: input.id })`, `rows[0] = x`, `byId.set(k, x)` after the read: the list (or
    // Map) holds more than the read's rows, whichever use comes after.
    const v = latest?.value;
    if (
      v &&
      (v.kind === "rows" || v.kind === "keys" || (v.kind === "object" && v.anyField)) &&
      this.mutated(name, latest.pos, v.kind === "object")
    )
      return undefined;
    if (!latest?.mutable) return latest?.value;
    const open = this.assignmentsSinceJoin(name, at).filter((b) => !b.empty && (b.value.unchecked || !b.value.reason));
    return open.length ? open[open.length - 1]!.value : latest.value;
  }

  private readonly mutations = new Map<string, boolean>();

  /**
   * Whether a list or Map the name holds is added to or written into after `from`, anywhere in the
   * function: `push`, `set`, an element written or assigned into (`Object.assign(rows[0], x)`),
   * and for a Map (`handed`) the Map itself handed to a call.
   */
  private mutated(name: string, from: number, handed: boolean): boolean {
    const id = `${name}@${from}@${handed}`;
    let found = this.mutations.get(id);
    if (found !== undefined) return found;
    const tsm = this.tsm;
    found = false;
    const visit = (n: ts.Node): void => {
      if (found || n.end <= from) return;
      // A list of the tenant's rows that loses some (`rows.pop()`, `sort`) still holds only theirs.
      if (tsm.isIdentifier(n) && n.text === name && n.pos >= from && mayChangeHeld(tsm, n, handed, false)) found = true;
      if (!found) tsm.forEachChild(n, visit);
    };
    visit(this.root);
    this.mutations.set(id, found);
    return found;
  }

  /** A `let`'s assignments the variable may hold at `at`: those since the last one at its own level. */
  protected assignmentsSinceJoin(name: string, at: ts.Node): Binding[] {
    const visible = this.bindings.filter((b) => b.mutable && b.name === name && b.pos <= at.pos && within(at, b.scope));
    let join = 0;
    for (const b of visible) if (b.block === b.scope && b.pos > join) join = b.pos;
    return visible.filter((b) => b.pos >= join);
  }

  /**
   * `rows.find((r) => r.id === key)`, `rows.some(...)` over rows the flow owns: the key the match
   * is on. A guard that ends the path when nothing matched then proves `key` a key of their table.
   */
  protected foundKey(expr: ts.Expression, at: ts.Node): Found | undefined {
    const tsm = this.tsm;
    let e = strip(tsm, expr);
    while (tsm.isAwaitExpression(e) || tsm.isNonNullExpression(e)) e = strip(tsm, e.expression);
    if (!tsm.isCallExpression(e) || !tsm.isPropertyAccessExpression(e.expression)) return undefined;
    if (!["find", "some"].includes(e.expression.name.text)) return undefined;
    const key = matchedId(tsm, e.arguments[0]);
    if (!key) return undefined;
    const rows = this.valueOf(e.expression.expression, at);
    if (rows?.kind !== "rows" || rows.unchecked || !rows.reason || renamesId(rows)) return undefined;
    const text = e.expression.expression.getText(this.ctx.sourceFile).replace(/\s+/g, " ");
    return { key, rows: text, table: rows.table, reason: rows.reason };
  }

  protected bind(name: ts.BindingName, value: Value | undefined, scope: ts.Node, pos: number, found?: Found): void {
    const tsm = this.tsm;
    if (!value) return;
    if (tsm.isIdentifier(name)) {
      this.bindings.push({ name: name.text, value, scope, pos, ...(found && { found }) });
      return;
    }
    name.elements.forEach((el, i) => {
      if (tsm.isOmittedExpression(el) || el.dotDotDotToken) return;
      if (tsm.isArrayBindingPattern(name)) return this.bind(el.name, i === 0 ? element(value) : undefined, scope, pos);
      const prop = el.propertyName ?? el.name;
      if (tsm.isIdentifier(prop)) this.bind(el.name, this.member(value, prop.text), scope, pos);
    });
  }

  /** The match a name holds at `at`; for a `let`, only when every assignment it may hold since its last join is that match. */
  protected foundAt(name: string, at: ts.Node): Found | undefined {
    const latest = this.latest(this.bindings, name, at);
    if (!latest?.found || !latest.mutable) return latest?.found;
    const key = normalize(latest.found.key.getText(this.ctx.sourceFile));
    const held = this.assignmentsSinceJoin(name, at).filter((b) => !b.empty);
    return held.every((b) => b.found && normalize(b.found.key.getText(this.ctx.sourceFile)) === key)
      ? latest.found
      : undefined;
  }

  /** Expressions a guard proved equal to `e` before `at`. */
  protected equalTo(e: ts.Expression, at: ts.Node): ts.Expression[] {
    const text = normalize(e.getText(this.ctx.sourceFile));
    const out: ts.Expression[] = [];
    for (const q of this.equalities) {
      if (q.pos > at.pos || !within(at, q.scope)) continue;
      if (normalize(q.a.getText(this.ctx.sourceFile)) === text) out.push(q.b);
      if (normalize(q.b.getText(this.ctx.sourceFile)) === text) out.push(q.a);
    }
    return out;
  }

  /**
   * `coll.teamID !== next.teamID` with `next` read by another id from the request: the tenant of a
   * row nothing proved is no tenant value (the two rows share a team, not the caller's).
   */
  protected unprovenRowField(e: ts.Expression, at: ts.Node): boolean {
    const tsm = this.tsm;
    let s = strip(tsm, e);
    if (tsm.isNonNullExpression(s)) s = strip(tsm, s.expression);
    if (!tsm.isPropertyAccessExpression(s)) return false;
    const v = this.valueOf(s.expression, at);
    return (v?.kind === "row" || v?.kind === "rows") && (!!v.unchecked || !v.reason);
  }

  protected latest(list: readonly Binding[], name: string, at: ts.Node): Binding | undefined {
    let best: Binding | undefined;
    for (const b of list)
      if (b.name === name && b.pos <= at.pos && within(at, b.scope) && (!best || b.pos >= best.pos)) best = b;
    // A fact about `x` or `x.id` ends where `x` (or `x.id`) is written again.
    if (best && list === this.facts && this.writtenSince(best, at)) return undefined;
    if (best?.until !== undefined && at.pos >= best.until) return undefined;
    return best;
  }

  protected writtenSince(fact: Binding, at: ts.Node): boolean {
    return this.writes.some(
      (w) =>
        w.pos > fact.pos &&
        w.pos <= at.pos &&
        within(at, w.scope) &&
        (fact.name === w.name || fact.name.startsWith(`${w.name}.`) || w.name.startsWith(`${fact.name}.`)),
    );
  }

  constructor(
    readonly ctx: FlowContext,
    readonly root: ts.Node,
  ) {
    this.tsm = ctx.ts;
  }
}

/** Whether `e` reads the variable `name` (`key`, `key.hash`), not as a property name. */
export function readsName(tsm: typeof ts, e: ts.Node, name: string): boolean {
  // A name in an expression position: not a member's name (`a.invoice`) or a property's key (`{ invoice: null }`).
  const key = (tsm.isPropertyAccessExpression(e.parent) || tsm.isPropertyAssignment(e.parent)) && e.parent.name === e;
  if (tsm.isIdentifier(e) && e.text === name && !key) return true;
  return !!tsm.forEachChild(e, (c) => (readsName(tsm, c, name) ? true : undefined));
}

/** The statement a node sits in. */
export function enclosingStatementOf(tsm: typeof ts, node: ts.Node): ts.Node | undefined {
  for (let cur: ts.Node | undefined = node; cur; cur = cur.parent) if (tsm.isStatement(cur)) return cur;
  return undefined;
}

export function within(node: ts.Node, scope: ts.Node): boolean {
  return node.pos >= scope.pos && node.end <= scope.end;
}

export function isInequality(tsm: typeof ts, kind: ts.SyntaxKind): boolean {
  return kind === tsm.SyntaxKind.ExclamationEqualsEqualsToken || kind === tsm.SyntaxKind.ExclamationEqualsToken;
}

/**
 * What either of two values held in one place may be, as far as both agree: the same kind of the
 * same table (shared or proven only when present if either is), or an object's fields both hold.
 */
function joinValues(a: Value, b: Value): Value | undefined {
  if (a.kind !== b.kind) return undefined;
  if (a.kind === "object") {
    if (!a.fields || !b.fields || a.anyField || b.anyField) return undefined;
    const fields = new Map<string, Value>();
    for (const [name, v] of a.fields) {
      const w = b.fields.get(name);
      const j = w && joinValues(v, w);
      if (j) fields.set(name, j);
    }
    return fields.size
      ? { kind: "object", table: "", fields, ...((a.literal || b.literal) && { literal: true }) }
      : undefined;
  }
  if (a.table !== b.table || a.uniqueField !== b.uniqueField) return undefined;
  const { source, ...rest } = a;
  return {
    ...rest,
    ...(source === b.source && source && { source }),
    ...((a.shared || b.shared) && { shared: true }),
    ...((a.present || b.present) && { present: true }),
  };
}

/** `groupBy(list, fn)`, `_.groupBy(list, fn)`, `Object.groupBy(list, fn)`: an object of lists of `list`'s elements. */
function isGroupBy(tsm: typeof ts, call: ts.CallExpression): boolean {
  const callee = call.expression;
  const name = tsm.isIdentifier(callee)
    ? callee.text
    : tsm.isPropertyAccessExpression(callee) && tsm.isIdentifier(callee.expression)
      ? callee.name.text
      : undefined;
  return name === "groupBy" && call.arguments.length === 2 && !tsm.isSpreadElement(call.arguments[0]);
}

/** Rows whose `id` field holds something else than their own key (`SELECT c."segmentId" AS id`, `select({ id: t.pageId })`). */
function renamesId(rows: Value): boolean {
  const id = rows.source?.projection?.get("id");
  return (
    !!rows.source?.projection?.size && (!id || id.field !== "id" || id.table.toLowerCase() !== rows.table.toLowerCase())
  );
}

/** `{ pluginInstallId }` (or `{ pluginInstallId: id }`) binding `name`: the field it takes, one level deep, no default. */
function destructuredField(tsm: typeof ts, param: ts.BindingName, name: string): string | undefined {
  if (!tsm.isObjectBindingPattern(param)) return undefined;
  for (const el of param.elements) {
    if (el.dotDotDotToken || el.initializer || !tsm.isIdentifier(el.name) || el.name.text !== name) continue;
    const prop = el.propertyName;
    if (!prop) return name;
    return tsm.isIdentifier(prop) || tsm.isStringLiteral(prop) ? prop.text : undefined;
  }
  return undefined;
}

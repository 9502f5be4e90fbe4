// Helper functions prove ownership for their callers: `getDocumentById(id, teamId)` returns rows
// of a scoped query, `requireProject(id, ctx)` throws unless a scoped read finds the key,
// `assertOwned(doc, teamId)` throws unless the row's tenant is the caller's. A helper is found
// through the checker (any file of the program, imports and methods included) or, without one,
// in the same file (a function, a const arrow, `this.method`, a const object's method) and
// through relative imports of files the caller hands over (`sourceFileOf`). Each
// helper is summarised once per analysed file, on the first call a flow asks about
// (flow/functions.ts finds the function a call runs).
import type ts from "typescript";
import { isLiteral } from "../credentials";
import { fileLabel } from "../text-position";
import { escapeRegExp } from "../escape-regexp";
import { chainOf, skipOuter } from "../orm/chain";
import { strip } from "../orm/prisma-syntax";
import { emptinessSubject, endsPath, isRequestInput, isTenantValue, orTerms, type TenantNames } from "./conditions";
import { isInequality, readsName, type GuardArgs } from "./flow-values";
import {
  FunctionFlow,
  lineOf,
  throwsOnly,
  type FlowContext,
  type HelperEffect,
  type HelperEffects,
  type Value,
} from "./function-flow";
import { mayChangeHeld, returnedExpressions, returnedObjects, returnStatements, runLiteral } from "../statements";
import { calleeName, isAuthorizer } from "./authorizers";
import { binds, constInitializer } from "./bindings";
import { holdsNothing, isNothing, listRead, wrapped, wrapperField, wrapValue } from "./values";
import { argumentAt, hasCall, isAssigned, isEntryPoint, parameterKey } from "./callers";
import { FunctionResolver, functionNameOf, isMemoizer, type FunctionWithBody } from "./functions";
import type { FlowQuery } from "./queries";

export interface HelperContext {
  ts: typeof ts;
  /** The analysed file: messages name helpers in other files by file name. */
  sourceFile: ts.SourceFile;
  checker?: ts.TypeChecker;
  tenantOf(table: string): TenantNames;
  /** Another file of the project by path, parsed by the caller: imports are followed without a checker. */
  sourceFileOf?(fileName: string): ts.SourceFile | undefined;
  /** Where a bare module specifier may point (tsconfig `paths`); see AnalyzeOptions. */
  moduleCandidates?(from: string, specifier: string): readonly string[];
  /** A file's flow queries (the analysed file's, or a helper's file); undefined: not followed. */
  queriesOf(file: ts.SourceFile): ReadonlyMap<ts.Node, FlowQuery> | undefined;
  /** The model's links, so a helper follows rows as its callers do (FlowContext). */
  links?: FlowContext["links"];
  authorizers?: FlowContext["authorizers"];
}

interface Returned {
  kind: Value["kind"];
  table: string;
  what: string;
  /** For `{ team, document }`: the fields that are the tenant's. */
  fields?: Map<string, Returned>;
  /**
   * The returned row is the one scoped read keyed by this parameter (`getPermission({ userId,
   * collectionId })` reading `id: collectionId`): a caller whose path ends on an empty answer
   * has that key verified, as with the read written inline.
   */
  key?: { index: number; path: string; rejectsMissing?: boolean; uniqueField?: string };
}

interface Summary {
  /** As written in messages: "`getDocumentById` (line 30)". */
  label: string;
  returns?: Returned;
  /**
   * The row a read by the parameter's key returns, unchecked (`findById(id) { return
   * db.t.findUnique({ where: { id } }) }`): a caller that checks it before use proves that read.
   */
  returnsRead?: {
    query: FlowQuery;
    index: number;
    path: string;
    /** The rows of a list read by the parameter's parent key (`findMany({ where: { projectId } })`). */
    rows?: boolean;
    /** Other reads by the same key, one per branch (`if (withMessages) return findUnique({ ..., include })`). */
    others?: FlowQuery[];
    wrap?: string;
    /** Reshaped (`{ id: r.id, workspaceId: r.board.workspaceId }`): each field's column, and the parents read through. */
    reshaped?: { projection: ReadonlyMap<string, { table: string; column: string }>; parents: string[] };
  };
  /**
   * Parameters (or a field of one: `input.id`, a destructured `{ docId }`) whose key the helper
   * verifies, throwing otherwise; `present`: only when the key is given.
   */
  /** `checked`: by a check of the row read by the key (`if (row.tenantId !== tenantId) throw`), not a scoped read. */
  verifies: {
    index: number;
    path: string;
    table: string;
    present?: boolean;
    checked?: boolean;
    /** A list of keys, every one verified (`if (owned.length !== ids.length) throw`). */
    list?: boolean;
    /** The unique field the key was looked up by (`slug`), when not the primary key. */
    uniqueField?: string;
    /** Verified only for a caller that stops when the result's field of this name is set (`if (r.error) return`). */
    onError?: string;
  }[];
  /** Parameters named for the tenant (`tenantId`, `orgId`): what a verifying helper checks keys against. */
  tenantParams: { index: number; path: string }[];
  /** The same for what it returns: the rows or keys are the tenant's only when these are handed the tenant. */
  returnsTenant: { index: number; path: string }[];
  /** Parameters holding a row whose tenant field the helper compares with `tenant`, throwing otherwise. */
  checksRow: { index: number; field: string; tenant: ts.Expression; tenantParam?: number; direct: boolean }[];
  /**
   * Every return is the one membership read by two parameters (`getTeamMember(teamID, userUid)`):
   * the caller sees a membership lookup of the tenant and user it passed (FlowQuery.membership).
   */
  returnsMembership?: {
    query: FlowQuery;
    tenant: { index: number; path: string };
    user: { index: number; path: string };
    /** The tenant parameter is a key of this table, whose row's tenant the lookup is by. */
    keyOf?: string;
  };
}

/**
 * Whether the procedure a handler is given to declares `field` required in its input schema:
 * `.input(z.object({ projectId: z.string(), ... }))` on its own chain, not `.optional()` or `.nullish()`.
 */
function requiredInput(tsm: typeof ts, handler: ts.CallExpression, field: string): boolean {
  if (field.includes(".")) return false;
  for (const c of chainOf(tsm, handler).calls) {
    if (c.name !== "input" || !c.args[0]) continue;
    const schema = strip(tsm, c.args[0]);
    if (!tsm.isCallExpression(schema) || !/^z\s*\.\s*object$/.test(schema.expression.getText())) continue;
    const shape = schema.arguments[0] && strip(tsm, schema.arguments[0]);
    if (!shape || !tsm.isObjectLiteralExpression(shape)) continue;
    const p = shape.properties.find(
      (x): x is ts.PropertyAssignment =>
        tsm.isPropertyAssignment(x) && tsm.isIdentifier(x.name) && x.name.text === field,
    );
    if (
      p &&
      !/\.(?:optional|nullish|default|catch)\s*\(|\bz\s*\.\s*(?:undefined|optional|any|unknown)\b/.test(
        p.initializer.getText(),
      )
    )
      return true;
  }
  return false;
}

/** zod methods that may hand back another value than the one validated. */
const RESHAPING_SCHEMA =
  /\.\s*(?:transform|preprocess|pipe|overwrite|catch|default|prefault|codec)\s*\(|z\s*\.\s*preprocess\b/;

/** An access lookup's answer is read for its truth: `null`, `undefined`, `E.left(...)` and `false` grant nothing. */
function grantsNothing(tsm: typeof ts, e: ts.Expression): boolean {
  return holdsNothing(tsm, e) || strip(tsm, e).kind === tsm.SyntaxKind.FalseKeyword;
}

/** A returned expression and the return statement (or arrow body) it stands at. */
type ReturnedExpression = [ts.Expression, ts.Node];

/** What a tRPC procedure's middleware proved for its handlers: a verified input key, or a row it put on `ctx`. */
export interface ProcedureCheck {
  /** The field of the handler's argument: `.input.id`, `.ctx.contactBook`. */
  path: string;
  table: string;
  row?: boolean;
  /** The unique field the key was verified by (`slug`), when not the primary key. */
  uniqueField?: string;
}

/** How many procedures a tRPC procedure may be built on (`a = b.use(...)`, `b = c.use(...)`) before the search stops. */
const MAX_PROCEDURE_DEPTH = 4;

// A helper of a helper of a helper is followed; deeper chains are not (each level may analyse a file).
const MAX_DEPTH = 3;

export class HelperSummaries implements HelperEffects {
  private readonly summaries = new Map<ts.Node, Summary | null>();
  private readonly functions: FunctionResolver;
  private depth = 0;

  constructor(private readonly ctx: HelperContext) {
    this.functions = new FunctionResolver(
      ctx.ts,
      ctx.checker,
      ctx.sourceFileOf && ((f) => ctx.sourceFileOf!(f)),
      ctx.moduleCandidates && ((from, spec) => ctx.moduleCandidates!(from, spec)),
    );
  }

  /** Per call of a helper that returns a membership read: the lookup of the tenant and user the call passed. */
  private readonly membershipReads = new Map<ts.CallExpression, FlowQuery | null>();

  private membershipRead(call: ts.CallExpression): FlowQuery | undefined {
    let read = this.membershipReads.get(call);
    if (read === undefined) {
      const m = this.summaryOf(call)?.returnsMembership;
      const tenant = m && argumentAt(this.ctx.ts, call, m.tenant.index, m.tenant.path);
      const user = m && argumentAt(this.ctx.ts, call, m.user.index, m.user.path);
      read =
        m && tenant && !tenant.path && user && !user.path
          ? {
              call,
              table: m.query.table,
              scoped: true,
              returns: "row",
              throwsWhenEmpty: false,
              readOnly: true,
              membership: {
                tenant: strip(this.ctx.ts, tenant.expr),
                user: strip(this.ctx.ts, user.expr),
                ...(m.keyOf && { keyOf: m.keyOf }),
              },
            }
          : null;
      this.membershipReads.set(call, read);
    }
    return read ?? undefined;
  }

  /** Per call of a helper that returns an unchecked read: the read as the caller sees it (checks are keyed by it). */
  private readonly callReads = new Map<ts.CallExpression, FlowQuery>();

  /** The read a call's helper returns unchecked, as the caller's flow sees it; undefined for any other call. */
  callRead(
    call: ts.CallExpression,
  ): { read: FlowQuery; query: FlowQuery; others?: FlowQuery[]; label: string; wrap?: string } | undefined {
    const s = this.summaryOf(call);
    const r = s?.returnsRead;
    if (!r) return undefined;
    let read = this.callReads.get(call);
    if (!read) {
      const tsm = this.ctx.ts;
      const passed = argumentAt(tsm, call, r.index, r.path);
      // A where handed on whole (`order({ id, userId: user.id })`): scoped when the Prisma check
      // found the where this call passes scoped (orm/prisma.ts judgedAtCalls).
      const scoped = !r.query.key && !!r.query.settledCalls && hasCall(r.query.settledCalls, call);
      read = {
        call,
        table: r.query.table,
        scoped,
        returns: r.rows ? "rows" : "row",
        throwsWhenEmpty: false,
        readOnly: true,
        // The key the caller passed: once the row is checked, that key is the tenant's too (a
        // parent key is not: an empty list checks nothing).
        ...(passed &&
          !passed.path &&
          !r.rows && {
            key: {
              expr: passed.expr,
              list: false,
              // Read by a unique column (`publicId`): the caller's key is a key by that field.
              ...(r.query.key?.uniqueField && { uniqueField: r.query.key.uniqueField }),
            },
          }),
        ...(r.reshaped && { projection: r.reshaped.projection, joinedParents: r.reshaped.parents }),
      };
      // `getTagDefs(knowledgeBaseId)` listing rows by one parent key: the rows of the parent the caller
      // names, the tenant's when that key is (FunctionFlow.scopedInFlow).
      const parent = r.rows ? r.query.parentKeys?.[0] : undefined;
      if (passed && !passed.path && parent)
        read.parentKeys = [{ ...parent, expr: passed.expr, path: undefined, list: false }];
      this.callReads.set(call, read);
    }
    return { read, query: r.query, ...(r.others && { others: r.others }), label: s.label, wrap: r.wrap };
  }

  throwsForNo(call: ts.CallExpression): boolean {
    const fn = this.functions.resolve(call);
    if (!fn?.body || !this.ctx.ts.isBlock(fn.body)) return false;
    const tsm = this.ctx.ts;
    // A decision, not a lookup: `if (!allowed) throw` with `allowed` a comparison or a check's
    // answer; `if (!row) throw` after a read only says nothing was found.
    const decides = (e: ts.Expression, depth = 0): boolean => {
      const x = strip(tsm, e);
      if (depth > 4) return false;
      if (tsm.isPrefixUnaryExpression(x)) return decides(x.operand, depth + 1);
      if (tsm.isAwaitExpression(x)) return decides(x.expression, depth + 1);
      if (tsm.isBinaryExpression(x)) {
        const op = x.operatorToken.kind;
        if (op === tsm.SyntaxKind.BarBarToken || op === tsm.SyntaxKind.AmpersandAmpersandToken)
          return decides(x.left, depth + 1) || decides(x.right, depth + 1);
        return (
          isInequality(tsm, op) ||
          op === tsm.SyntaxKind.EqualsEqualsEqualsToken ||
          op === tsm.SyntaxKind.EqualsEqualsToken
        );
      }
      if (tsm.isCallExpression(x)) return isAuthorizer(tsm, x, this.ctx.authorizers, "condition");
      const init = tsm.isIdentifier(x) ? constInitializer(tsm, x, x) : undefined;
      return !!init && decides(init, depth + 1);
    };
    let decision = false;
    const visit = (n: ts.Node): void => {
      if (decision || (tsm.isFunctionLike(n) && n !== fn)) return;
      if (tsm.isIfStatement(n) && !n.elseStatement && throwsOnly(tsm, n.thenStatement) && decides(n.expression))
        decision = true;
      tsm.forEachChild(n, visit);
    };
    visit(fn);
    if (!decision) return false;
    const returns = returnStatements(tsm, fn);
    return (
      returns.length > 0 &&
      returns.every((r) => {
        const v = r.expression && strip(tsm, r.expression);
        return !!v && (tsm.isObjectLiteralExpression(v) || tsm.isIdentifier(v)) && !grantsNothing(tsm, v);
      })
    );
  }

  isAsync(call: ts.CallExpression): boolean {
    const tsm = this.ctx.ts;
    const fn = this.functions.resolve(call);
    return !!fn && (tsm.getCombinedModifierFlags(fn as ts.Declaration) & tsm.ModifierFlags.Async) !== 0;
  }

  asserts(call: ts.CallExpression): number | undefined {
    const tsm = this.ctx.ts;
    // `invariant(c)`, `assert(c)`, `assert.ok(c)` imported from the libraries that throw: a project's
    // own `assert` may log and carry on.
    const callee = strip(tsm, call.expression);
    const root = tsm.isIdentifier(callee)
      ? callee
      : tsm.isPropertyAccessExpression(callee) && callee.name.text === "ok" && tsm.isIdentifier(callee.expression)
        ? callee.expression
        : undefined;
    const from = root && this.functions.importsOf(call.getSourceFile()).get(root.text)?.from;
    if (from && ASSERTION_MODULES.test(from)) return 0;
    const fn = this.functions.resolve(call);
    // `const assertFound: <T>(row: T | null) => asserts row is T = (row) => { ... }`: the const's type says it.
    const declared =
      fn && tsm.isVariableDeclaration(fn.parent) && fn.parent.type && tsm.isFunctionTypeNode(fn.parent.type)
        ? fn.parent.type
        : fn;
    const type = declared?.type;
    if (!type || !tsm.isTypePredicateNode(type) || !type.assertsModifier || !tsm.isIdentifier(type.parameterName))
      return undefined;
    const name = type.parameterName.text;
    const index = declared.parameters.findIndex((p) => tsm.isIdentifier(p.name) && p.name.text === name);
    return index >= 0 ? index : undefined;
  }

  neverThrows(call: ts.CallExpression): boolean {
    const fn = this.functions.resolve(call);
    if (!fn?.body) return false;
    const tsm = this.ctx.ts;
    let throws = false;
    const visit = (n: ts.Node): void => {
      if (throws) return;
      if (tsm.isThrowStatement(n)) throws = true;
      else if (tsm.isCallExpression(n)) {
        const name = calleeName(tsm, n) ?? "";
        // `reject(...)`, `Promise.reject(...)`, `findFirstOrThrow`, `assertMember(...)`, a check handed on.
        if (/^reject$|OrThrow$|OrFail$/.test(name) || isAuthorizer(tsm, n, this.ctx.authorizers, "statement"))
          throws = true;
      }
      tsm.forEachChild(n, visit);
    };
    visit(fn.body);
    return !throws;
  }

  validates(call: ts.CallExpression): ts.Expression | undefined {
    const tsm = this.ctx.ts;
    const callee = strip(tsm, call.expression);
    const arg = call.arguments[0];
    if (!tsm.isPropertyAccessExpression(callee) || !/^parse(?:Async)?$/.test(callee.name.text)) return undefined;
    if (call.arguments.length !== 1 || !arg || tsm.isSpreadElement(arg)) return undefined;
    // The schema as declared (in the file, or exported by a module of the project), through the
    // names it is built from (`const moving = base.transform(...)`): a plain `z.object(...)` only.
    let schema: ts.Expression = strip(tsm, callee.expression);
    for (let depth = 0; depth < 4 && tsm.isIdentifier(schema); depth++) {
      const declared = this.functions.constValue(schema);
      if (!declared) return undefined;
      schema = strip(tsm, declared);
      if (tsm.isCallExpression(schema) && tsm.isPropertyAccessExpression(schema.expression)) {
        // `base.extend({...})`, `base.strict()`: what `base` is, and what was added.
        if (RESHAPING_SCHEMA.test(schema.getText())) return undefined;
        const base = strip(tsm, schema.expression.expression);
        if (tsm.isIdentifier(base) && !/^z$/.test(base.text)) schema = base;
      }
    }
    return /^z\s*\.\s*(?:object|strictObject)\s*\(/.test(schema.getText()) && !RESHAPING_SCHEMA.test(schema.getText())
      ? arg
      : undefined;
  }

  reshapes(call: ts.CallExpression): { arg: ts.Expression; fields: string[] } | undefined {
    const tsm = this.ctx.ts;
    const through = this.passesThrough(call);
    if (through) return { arg: through, fields: [] };
    const arg = call.arguments[0];
    if (call.arguments.length !== 1 || !arg || tsm.isSpreadElement(arg)) return undefined;
    const fn = this.functions.resolve(call);
    const param = fn?.parameters[0];
    if (!fn || fn.parameters.length !== 1 || !param || !tsm.isIdentifier(param.name)) return undefined;
    const name = param.name.text;
    const isParam = (e: ts.Expression) => tsm.isIdentifier(e) && e.text === name;
    const objects = returnedObjects(tsm, fn);
    if (!objects?.length) return undefined;
    const fields: string[] = [];
    for (const o of objects) {
      let keyed = false;
      for (const p of o.properties) {
        if (tsm.isSpreadAssignment(p)) {
          if (!isParam(strip(tsm, p.expression))) return undefined;
          keyed = true;
          continue;
        }
        const key = p.name && tsm.isIdentifier(p.name) ? p.name.text : undefined;
        if (!key) return undefined;
        // `id: t.id`: the argument's own field under its own name; anything else is set by the converter.
        const v = tsm.isPropertyAssignment(p) ? strip(tsm, p.initializer) : undefined;
        const copied =
          !!v && tsm.isPropertyAccessExpression(v) && v.name.text === key && isParam(strip(tsm, v.expression));
        if (copied) keyed ||= key === "id";
        else fields.push(key);
      }
      if (!keyed) return undefined;
    }
    return { arg, fields };
  }

  /**
   * `authorizeChatRow(chat, ...)` of `function authorizeChatRow(chat, ...) { if (!chat) return null;
   * ...; return chat }` (sim's copilot chats): every return hands back the parameter untouched, or
   * nothing. The argument passed for it.
   */
  private passesThrough(call: ts.CallExpression): ts.Expression | undefined {
    const tsm = this.ctx.ts;
    const fn = this.functions.resolve(call);
    if (!fn?.body) return undefined;
    const returned = returnedExpressions(tsm, fn).map((r) => strip(tsm, r));
    const held = returned.filter((r) => !holdsNothing(tsm, r));
    const first = held[0];
    if (!first || !tsm.isIdentifier(first) || held.some((r) => !tsm.isIdentifier(r) || r.text !== first.text))
      return undefined;
    const index = fn.parameters.findIndex((p) => tsm.isIdentifier(p.name) && p.name.text === first.text);
    const param = fn.parameters[index];
    const arg = call.arguments[index];
    if (!param || param.dotDotDotToken || !arg || tsm.isSpreadElement(arg) || isAssigned(tsm, fn.body, first.text))
      return undefined;
    // `row.id = overrideId`, `Object.assign(row, patch)`, `fill(row)`: the row may come back changed.
    let changed = false;
    const visit = (n: ts.Node): void => {
      if (changed) return;
      if (tsm.isIdentifier(n) && n.text === first.text && n !== param.name && mayChangeHeld(tsm, n, true))
        changed = true;
      tsm.forEachChild(n, visit);
    };
    visit(fn.body);
    return changed ? undefined : arg;
  }

  returns(call: ts.CallExpression, provenKey?: (e: ts.Expression) => boolean): Value | undefined {
    const value = this.returnedFrom(call, provenKey);
    // A membership lookup's answer: the caller's test of it checks the tenant it was handed.
    const membership = this.membershipRead(call);
    if (!membership) return value;
    return value?.kind === "row"
      ? { ...value, source: membership }
      : { kind: "row", table: membership.table, source: membership };
  }

  private returnedFrom(call: ts.CallExpression, provenKey?: (e: ts.Expression) => boolean): Value | undefined {
    const read = this.callRead(call);
    if (read) {
      const row: Value = {
        kind: read.read.returns === "rows" ? "rows" : "row",
        table: read.read.table,
        source: read.read,
        unchecked: true,
      };
      return read.wrap ? wrapValue(read.wrap, row) : row;
    }
    const s = this.summaryOf(call);
    if (!s?.returns) return undefined;
    // `validateMonitorIds(input.workspaceId, ids)`: rows scoped by a tenant the request names are not the caller's.
    // Inside a helper being summed up, its own tenant parameter is judged at its calls in turn.
    const tsm = this.ctx.ts;
    const handed = (t: { index: number; path: string }) => {
      const a = argumentAt(tsm, call, t.index, t.path);
      const e = a && strip(tsm, a.expr);
      if (!e || isLiteral(tsm, e)) return false;
      const own = parameterKey(tsm, a.path ? a.expr : e);
      const path = own && own.path + a.path;
      if (
        own &&
        this.summarizing.has(own.fn) &&
        tenantParameters(tsm, own.fn, [this.ctx.tenantOf(s.returns!.table)]).some(
          (p) => p.index === own.index && p.path === path,
        )
      )
        return true;
      // A tenant the caller verified (a procedure's middleware checked `input.projectId`); a parameter
      // of a function its callers hand values (as a predicate on it would be); not a handler's request.
      if (!a.path && provenKey?.(a.expr)) return true;
      return !isRequestInput(tsm, e) || (!!own && !isEntryPoint(tsm, own));
    };
    if (!s.returnsTenant.every(handed)) return undefined;
    const value = (r: Returned): Value => ({
      kind: r.kind,
      table: r.table,
      reason: {
        proof: "helper",
        evidence: call,
        say: (key) => `key ${key} comes from ${s.label}, which ${r.what}`,
      },
      ...(r.fields && { fields: new Map([...r.fields].map(([name, f]) => [name, value(f)])) }),
    });
    const source = s.returns.key && this.keyedRead(call, s.returns);
    return { ...value(s.returns), ...(source && { source }) };
  }

  private readonly keyedReads = new Map<ts.CallExpression, FlowQuery | null>();

  /** The scoped read a helper returns, seen from the call: keyed by what the caller passed. */
  private keyedRead(call: ts.CallExpression, r: Returned): FlowQuery | undefined {
    const known = this.keyedReads.get(call);
    if (known !== undefined) return known ?? undefined;
    const tsm = this.ctx.ts;
    const passed = r.key && argumentAt(tsm, call, r.key.index, r.key.path);
    // `this.getOne(params)` to `getOne({ id, projectId })`: the key is `params.id`.
    const named = (e: ts.Expression): boolean =>
      tsm.isIdentifier(e) || (tsm.isPropertyAccessExpression(e) && named(strip(tsm, e.expression)));
    const read: FlowQuery | undefined =
      passed && (!passed.path || named(strip(tsm, passed.expr)))
        ? {
            call,
            table: r.table,
            scoped: true,
            returns: "row",
            throwsWhenEmpty: false,
            readOnly: true,
            key: {
              expr: passed.expr,
              list: false,
              rejectsMissing: r.key!.rejectsMissing,
              ...(r.key!.uniqueField && { uniqueField: r.key!.uniqueField }),
              ...(passed.path && { path: passed.path }),
            },
          }
        : undefined;
    this.keyedReads.set(call, read ?? null);
    return read;
  }

  effects(call: ts.CallExpression): HelperEffect[] {
    const s = this.summaryOf(call);
    if (!s) return [];
    const tsm = this.ctx.ts;
    const arg = (i: number) => {
      const a = call.arguments[i];
      return a && !tsm.isSpreadElement(a) ? a : undefined;
    };
    const out: HelperEffect[] = [];
    for (const v of s.verifies) {
      // `helper({ teamId, docId })` for `helper({ teamId, docId }: Input)`: the property's own value.
      const passed = argumentAt(tsm, call, v.index, v.path);
      if (passed)
        out.push({
          kind: "verifies",
          key: passed.expr,
          path: passed.path,
          table: v.table,
          ...(v.present && { present: true }),
          ...(v.list && { list: true }),
          ...(v.uniqueField && { uniqueField: v.uniqueField }),
          ...(v.onError && { onError: v.onError }),
          tenantArgs: s.tenantParams.flatMap((t) => {
            const a = argumentAt(tsm, call, t.index, t.path);
            return a ? [a.expr] : [];
          }),
          // `assertOwns(input.id, input.tenantId)`: the helper checked the key against what it was handed.
          tenant: (names) =>
            s.tenantParams.every((t) => {
              const a = argumentAt(tsm, call, t.index, t.path);
              // `requireDoc({ id, tenantId })`: the property's value; `requireDoc(input)`: not the request's.
              return !!a && !isRequestInput(tsm, a.expr) && (a.path !== "" || isTenantValue(tsm, a.expr, names));
            }),
          reason: {
            proof: "helper",
            evidence: call,
            say: (text) =>
              `key ${text} is verified by ${s.label}, which ${v.onError ? `returns an ${v.onError}` : "throws"} unless ${v.checked ? "the row it reads by it is the tenant's" : v.list ? "a scoped query finds every one" : "a scoped query finds it"}` +
              (v.present ? " (when one is given; without one this query fails or matches nothing)" : ""),
          },
        });
    }
    for (const c of s.checksRow) {
      const row = arg(c.index);
      if (!row) continue;
      const passed = c.tenantParam === undefined ? undefined : arg(c.tenantParam);
      out.push({
        kind: "checks-row",
        row,
        field: c.field,
        // The helper compares with its parameter: the caller's argument must be the tenant, not request input.
        tenant: (names) =>
          c.tenantParam === undefined
            ? isTenantValue(tsm, c.tenant, names)
            : !!passed &&
              (c.direct
                ? isTenantValue(tsm, passed, names)
                : isTenantValue(tsm, c.tenant, names) && !isRequestInput(tsm, passed)),
        reason: {
          proof: "helper",
          evidence: call,
          say: () => `${s.label} checks the row's ${c.field} against the tenant and throws otherwise`,
        },
      });
    }
    return out;
  }

  private readonly guards = new Map<string, GuardArgs | null>();

  /**
   * The request arguments a guard's `canActivate` reads: names destructured from (or read off)
   * `ctx.getArgs()`, `request.params`, `request.query` or `request.body`.
   */
  guardArgs(guard: string, at: ts.SourceFile): GuardArgs | undefined {
    const key = `${at.fileName}\0${guard}`;
    const known = this.guards.get(key);
    if (known !== undefined) return known ?? undefined;
    const fn = this.functions.method(at, guard, "canActivate");
    const args = fn && requestArgsRead(this.ctx.ts, fn);
    this.guards.set(key, args ?? null);
    return args;
  }

  /**
   * `domainProcedure.mutation(handler)` with `domainProcedure = teamProcedure.input(...).use(mw)`:
   * the fields of the handler's argument each middleware of the procedure (and of the procedures
   * it is built on) verified, throwing otherwise (`await db.domain.findUnique({ where: { id:
   * input.id, teamId } })` then `if (!domain) throw`).
   */
  procedureChecks(handler: ts.CallExpression): ProcedureCheck[] {
    const tsm = this.ctx.ts;
    const out: ProcedureCheck[] = [];
    let top: ts.CallExpression | undefined = handler;
    for (let depth = 0; top && depth < MAX_PROCEDURE_DEPTH; depth++) {
      const { root, calls } = chainOf(tsm, top);
      for (const c of calls) {
        const mw = c.name === "use" && c.args[0] ? this.middlewareFunction(c.args[0]) : undefined;
        if (!mw) continue;
        for (const v of this.summaryOfFunction(mw)?.verifies ?? []) {
          // tRPC's `rawInput` is the input before the procedure's `.input(schema)` parsed it.
          const path = v.path.replace(/^\.rawInput\./, ".input.");
          if (v.index !== 0 || !path.startsWith(".input.")) continue;
          // Verified only when given (`if (has("projectId", rawInput))`): a field the input schema requires is given.
          if (v.present && !requiredInput(tsm, handler, path.slice(".input.".length))) continue;
          out.push({ path, table: v.table, ...(v.uniqueField && { uniqueField: v.uniqueField }) });
        }
        out.push(...this.ctxRows(mw));
      }
      // `domainProcedure` is `teamProcedure.input(...).use(...)`: its middlewares ran first.
      const base = skipOuter(tsm, root);
      const built = tsm.isIdentifier(base) ? this.functions.constValue(base) : undefined;
      const next = built && skipOuter(tsm, built);
      top = next && tsm.isCallExpression(next) ? next : undefined;
    }
    return out;
  }

  /**
   * The function a `.use(...)` runs: written there, or a middleware const of the file or imported
   * (`const isOwner = t.middleware(fn)`, `experimental_trpcMiddleware<...>().create(fn)`). Anything
   * else (`a.unstable_pipe(b)`, a factory's result) is no middleware the flow can read.
   */
  private middlewareFunction(arg: ts.Expression): FunctionWithBody | undefined {
    const tsm = this.ctx.ts;
    let e: ts.Expression | undefined = strip(tsm, arg);
    if (tsm.isIdentifier(e)) {
      const value = this.functions.constValue(e);
      const made = value && strip(tsm, value);
      e =
        made && tsm.isCallExpression(made) && isMiddlewareFactory(tsm, made)
          ? strip(tsm, made.arguments[0]!)
          : undefined;
    }
    return e && (tsm.isArrowFunction(e) || tsm.isFunctionExpression(e)) ? e : undefined;
  }

  private readonly middlewareRows = new Map<ts.Node, ProcedureCheck[]>();

  /**
   * `return next({ ctx: { ...ctx, contactBook } })` with `contactBook` a row the middleware read
   * scoped (or checked): `.ctx.contactBook` is that row in every handler after it.
   */
  private ctxRows(mw: FunctionWithBody): ProcedureCheck[] {
    const tsm = this.ctx.ts;
    const known = this.middlewareRows.get(mw);
    if (known) return known;
    const out: ProcedureCheck[] = [];
    this.middlewareRows.set(mw, out);
    const flow = this.flowOf(mw);
    const visit = (n: ts.Node): void => {
      if (tsm.isFunctionLike(n) && n !== mw) return;
      const arg =
        tsm.isCallExpression(n) && tsm.isIdentifier(n.expression) && n.expression.text === "next"
          ? n.arguments[0] && strip(tsm, n.arguments[0])
          : undefined;
      const ctxProp =
        arg && tsm.isObjectLiteralExpression(arg)
          ? arg.properties.find((p) => tsm.isPropertyAssignment(p) && tsm.isIdentifier(p.name) && p.name.text === "ctx")
          : undefined;
      const ctxObj = ctxProp && tsm.isPropertyAssignment(ctxProp) ? strip(tsm, ctxProp.initializer) : undefined;
      if (flow && ctxObj && tsm.isObjectLiteralExpression(ctxObj))
        for (const p of ctxObj.properties) {
          const name = tsm.isShorthandPropertyAssignment(p) || tsm.isPropertyAssignment(p) ? p.name : undefined;
          const value = tsm.isShorthandPropertyAssignment(p)
            ? p.name
            : tsm.isPropertyAssignment(p)
              ? p.initializer
              : undefined;
          if (!name || !tsm.isIdentifier(name) || !value) continue;
          const v = flow.valueOf(value, n);
          if (v?.kind === "row" && !v.unchecked && v.reason)
            out.push({ path: `.ctx.${name.text}`, table: v.table, row: true });
        }
      tsm.forEachChild(n, visit);
    };
    tsm.forEachChild(mw.body, visit);
    return out;
  }

  private summaryOfFunction(fn: FunctionWithBody): Summary | undefined {
    const known = this.summaries.get(fn);
    if (known !== undefined) return known ?? undefined;
    this.summaries.set(fn, null);
    const s = this.summarize(fn);
    this.summaries.set(fn, s ?? null);
    return s;
  }

  private summaryOf(call: ts.CallExpression): Summary | undefined {
    const fn = this.functions.resolve(call);
    // Recursion, or a call inside the helper itself: nothing to learn.
    if (!fn || (fn.getSourceFile() === call.getSourceFile() && call.pos >= fn.pos && call.end <= fn.end))
      return undefined;
    const known = this.summaries.get(fn);
    if (known !== undefined) return known ?? undefined;
    if (this.depth >= MAX_DEPTH) return undefined;
    this.summaries.set(fn, null);
    this.depth++;
    try {
      const s = this.summarize(fn);
      this.summaries.set(fn, s ?? null);
      return s;
    } finally {
      this.depth--;
    }
  }

  /** The flow of a function of any file the helpers can read. */
  private flowOf(fn: FunctionWithBody): FunctionFlow | undefined {
    const file = fn.getSourceFile();
    const queries = this.ctx.queriesOf(file);
    if (!queries) return undefined;
    const flowCtx: FlowContext = {
      ts: this.ctx.ts,
      sourceFile: file,
      queries,
      tenantOf: this.ctx.tenantOf,
      helpers: this,
      links: this.ctx.links,
      authorizers: this.ctx.authorizers,
    };
    return new FunctionFlow(flowCtx, fn.body);
  }

  /** The helpers whose summaries are being worked out: their own calls' arguments are theirs to judge. */
  private readonly summarizing = new Set<FunctionWithBody>();

  private summarize(fn: FunctionWithBody): Summary | undefined {
    this.summarizing.add(fn);
    try {
      return this.summarizeIn(fn);
    } finally {
      this.summarizing.delete(fn);
    }
  }

  private summarizeIn(fn: FunctionWithBody): Summary | undefined {
    const tsm = this.ctx.ts;
    const flow = this.flowOf(fn);
    if (!flow) return undefined;
    const exits = returnStatements(tsm, fn);
    // `if (templateId === undefined || templateId === null) return;` (plunk's validateStepTemplate):
    // a return taken only when the key is missing leaves nothing it could name; past it, the key is
    // verified when one is given.
    const nullishExits = new Map<ts.ReturnStatement, string>();
    for (const r of exits) {
      const key = !r.expression ? nullishGuardedKey(tsm, r) : undefined;
      if (key) nullishExits.set(r, key);
    }
    // A middleware's check after `next()` runs once the handler has: it guards nothing.
    const firstReturn = Math.min(...exits.map((r) => r.pos), firstNextCall(tsm, fn));
    const firstOtherReturn = Math.min(
      ...exits.filter((r) => !nullishExits.has(r)).map((r) => r.pos),
      firstNextCall(tsm, fn),
    );
    const params = fn.parameters.map((p) => (tsm.isIdentifier(p.name) ? p.name.text : undefined));

    // `if (!ok) return { error: forbidden() }` ... `return { survey }`: a caller that stops on
    // `result.error` is past every check before the first return without one.
    const errorField = errorResultField(tsm, exits);
    const firstSuccess = errorField
      ? Math.min(
          ...exits.filter((r) => errorReturn(tsm, r, errorField) !== "error").map((r) => r.pos),
          firstNextCall(tsm, fn),
        )
      : -1;
    const verifies: Summary["verifies"] = [];
    for (const fact of flow.facts) {
      // A key readable only because its row may be public proves nothing to the caller's writes.
      if (fact.value.shared || fact.scope !== fn.body) continue;
      // Past only returns taken when this very key is missing: verified when one is given.
      const pastNullish =
        fact.pos > firstReturn &&
        fact.pos < firstOtherReturn &&
        [...nullishExits].every(([r, key]) => r.pos > fact.pos || key === fact.name);
      const onError = !fact.throws || (fact.pos > firstReturn && !pastNullish);
      if (onError && (!errorField || fact.pos > firstSuccess)) continue;
      for (const p of parameterNames(tsm, fn, true))
        if (fact.name === p.name || fact.name.startsWith(`${p.name}.`))
          verifies.push({
            index: p.index,
            path: p.path + fact.name.slice(p.name.length),
            table: fact.value.table,
            ...((fact.value.present || pastNullish) && { present: true }),
            ...(fact.value.kind === "keys" && { list: true }),
            ...(fact.value.uniqueField && { uniqueField: fact.value.uniqueField }),
            ...(fact.value.reason?.proof !== "owned-key" && { checked: true }),
            ...(onError && { onError: errorField }),
          });
    }

    const checksRow: Summary["checksRow"] = [];
    if (tsm.isBlock(fn.body))
      for (const st of fn.body.statements) {
        if (st.pos >= firstReturn) break;
        if (!tsm.isIfStatement(st) || st.elseStatement || !throwsOnly(tsm, st.thenStatement)) continue;
        for (const term of orTerms(tsm, st.expression)) checksRow.push(...rowChecks(tsm, term, params));
      }

    // What each return hands back, with where it stands (an arrow's expression body is its one return).
    // `cache(async () => { ...; return row }, [key])()`: what the invoked function returns.
    const returned: ReturnedExpression[] = invokedReturns(
      tsm,
      fn,
      tsm.isBlock(fn.body)
        ? exits.flatMap((r) => (r.expression ? [[r.expression, r] as ReturnedExpression] : []))
        : [[fn.body, fn.body]],
    );
    const returnsMembership = this.returnedMembership(flow, fn, returned);
    const returns = this.returnedValue(flow, fn, returned);
    const returnsRead = returns || returnsMembership ? undefined : this.returnedRead(flow, fn, returned);
    if (!returns && !returnsRead && !returnsMembership && !verifies.length && !checksRow.length) return undefined;
    const tenantParams = verifies.length
      ? tenantParameters(
          tsm,
          fn,
          verifies.map((v) => this.ctx.tenantOf(v.table)),
        )
      : [];
    // The tenant parameters a returned scoped read is scoped by: a caller must hand them the tenant.
    const returnsTenant = returns ? tenantParameters(tsm, fn, [this.ctx.tenantOf(returns.table)]) : [];
    return {
      label: this.label(fn),
      returns,
      returnsRead,
      returnsMembership,
      verifies,
      tenantParams,
      returnsTenant,
      checksRow,
    };
  }

  /** Every return hands back the one membership read by two of the parameters (or nothing). */
  private returnedMembership(
    flow: FunctionFlow,
    fn: FunctionWithBody,
    returned: ReturnedExpression[],
  ): Summary["returnsMembership"] {
    const tsm = this.ctx.ts;
    let query: FlowQuery | undefined;
    for (const [expr, at] of returned) {
      const e = strip(tsm, expr);
      if (grantsNothing(tsm, e)) continue;
      const q = flow.valueOf(e, at)?.source;
      if (!q?.membership || (query && query !== q)) {
        query = undefined;
        break;
      }
      query = q;
    }
    query ??= this.guardedMembership(flow, fn, returned);
    if (!query?.membership) return undefined;
    const params = parameterNames(tsm, fn, true);
    const param = (e: ts.Expression) => (tsm.isIdentifier(e) ? params.find((p) => p.name === e.text) : undefined);
    const user = param(query.membership.user);
    if (!user) return undefined;
    const tenant = param(query.membership.tenant);
    if (tenant) return { query, tenant, user, ...(query.membership.keyOf && { keyOf: query.membership.keyOf }) };
    // `const project = await db.project.findUnique({ where: { id: projectId } })`, then the
    // membership in `project.organizationId`: a lookup by the tenant of the row `projectId` keys.
    const via = query.membership.tenant;
    if (!tsm.isPropertyAccessExpression(via)) return undefined;
    const row = flow.valueOf(via.expression, query.call)?.source;
    const key = row?.key && !row.key.list ? param(strip(tsm, row.key.expr)) : undefined;
    if (!row || !key || !this.ctx.tenantOf(row.table).names.has(via.name.text)) return undefined;
    return { query, tenant: key, user, keyOf: row.table };
  }

  /**
   * `const m = await prisma.teamMember.findUnique(...); if (!m) return null; return { role: m.role }`:
   * the helper hands back something only once its membership lookup found a row; before that
   * guard, and in its catch clauses, it returns nothing.
   */
  private guardedMembership(
    flow: FunctionFlow,
    fn: FunctionWithBody,
    returned: ReturnedExpression[],
  ): FlowQuery | undefined {
    const tsm = this.ctx.ts;
    let found: { query: FlowQuery; guard: ts.IfStatement } | undefined;
    const visit = (n: ts.Node): void => {
      if (found || tsm.isFunctionLike(n)) return;
      if (tsm.isIfStatement(n) && !n.elseStatement && endsPath(tsm, n.thenStatement) && givesNothing(n.thenStatement)) {
        const subject = emptinessSubject(tsm, n.expression);
        const query = subject && flow.valueOf(subject, n)?.source;
        if (query?.membership) found = { query, guard: n };
      }
      tsm.forEachChild(n, visit);
    };
    const givesNothing = (st: ts.Statement): boolean => {
      const last = tsm.isBlock(st) ? st.statements[st.statements.length - 1] : st;
      if (!last) return false;
      if (tsm.isThrowStatement(last)) return true;
      return tsm.isReturnStatement(last) && (!last.expression || grantsNothing(tsm, last.expression));
    };
    tsm.forEachChild(fn.body, visit);
    if (!found) return undefined;
    const { query, guard } = found;
    const block = guard.parent;
    const after = (at: ts.Node) => at.pos >= guard.end && at.end <= block.end;
    return returned.every(([e, at]) => grantsNothing(tsm, strip(tsm, e)) || after(at)) ? query : undefined;
  }

  /** Every return hands back the one unchecked read by a parameter's key (or nothing). */
  private returnedRead(
    flow: FunctionFlow,
    fn: FunctionWithBody,
    returned: ReturnedExpression[],
  ): Summary["returnsRead"] {
    const tsm = this.ctx.ts;
    let query: FlowQuery | undefined;
    const others: FlowQuery[] = [];
    let wrap: string | undefined;
    let reshaped: ReturnType<HelperSummaries["reshapedRow"]>;
    // `if (withMessages) return db.c.findUnique({ where: { id }, include }); return db.c.findUnique({ where: { id } })`:
    // one read per branch, each by the same key of the same table.
    const sameRead = (a: FlowQuery, b: FlowQuery) =>
      a.table === b.table &&
      !!a.key &&
      !!b.key &&
      !a.key.list &&
      !b.key.list &&
      a.key.path === b.key.path &&
      a.key.uniqueField === b.key.uniqueField &&
      a.key.expr.getText() === b.key.expr.getText() &&
      // The same text may name another variable: `if (alt) { const id = alt; return ...({ where: { id } }) }`.
      ![a, b].some((q) => reboundIn(tsm, q.key!.expr, fn));
    for (const [expr, at] of returned) {
      const e = strip(tsm, expr);
      if (holdsNothing(tsm, e)) continue;
      // `return E.right(coll.team)`: the reshaped row, read back as `.right`.
      const wrapping = wrapped(tsm, e);
      const shaped = this.reshapedRow(flow, wrapping ? strip(tsm, wrapping.inner) : e, at);
      if (shaped) {
        if (reshaped && reshaped.key !== shaped.key) return undefined;
        reshaped = shaped;
      }
      let v = flow.valueOf(shaped?.row ?? this.spreadRow(flow, e, at) ?? e, at);
      // `return E.right(row)`: the row, read back as `.right`.
      const field = shaped ? wrapping?.field : wrapperField(v);
      if (field && !shaped) v = v!.fields!.get(field.split("|")[0]!);
      const q = (v?.kind === "row" || v?.kind === "rows") && v.unchecked ? v.source : undefined;
      // `findMany({ where: { projectId } })`: a list by one parent key, each of whose rows the caller may check.
      const many = v?.kind === "rows" && !!q && listRead(q) && q.parentKeys?.length === 1 && !q.parentKeys[0]!.list;
      const keyed = many || (v?.kind === "row" && (q?.key ? !q.key.list : !!q?.passedWhere));
      if (!q?.readOnly || !keyed || (query && wrap !== field)) return undefined;
      if (query && query !== q) {
        if (many || !sameRead(query, q) || shaped || reshaped) return undefined;
        if (!others.includes(q)) others.push(q);
        continue;
      }
      if (many && (shaped || field)) return undefined;
      query = q;
      wrap = field;
    }
    const rows = !!query && listRead(query) && !query.key && !query.passedWhere;
    // `findUnique({ where })` with the where a parameter: the key is the `id` each call's where holds.
    const keyExpr = rows ? query!.parentKeys![0]!.expr : (query?.key?.expr ?? query?.passedWhere);
    if (!query || !keyExpr) return undefined;
    const key = strip(tsm, keyExpr);
    const param = tsm.isIdentifier(key) ? parameterNames(tsm, fn, true).find((p) => p.name === key.text) : undefined;
    // A key read off the argument (`params.id` of `getOne(params)`) is that field of the parameter.
    const path =
      param && param.path + (rows ? (query.parentKeys![0]!.path ?? "") : query.key ? (query.key.path ?? "") : ".id");
    return (
      param && {
        query,
        index: param.index,
        path: path!,
        ...(rows && { rows }),
        ...(others.length && { others }),
        ...(wrap && { wrap }),
        ...(reshaped && { reshaped: { projection: reshaped.projection, parents: reshaped.parents } }),
      }
    );
  }

  /**
   * `result ? { id: result.id, workspaceId: result.board.workspaceId } : null` (kan's
   * getWorkspaceAndListIdByListPublicId): an unchecked row handed back as an object whose every
   * field is the row's field of that name, or the tenant of the parent the row is owned through.
   */
  private reshapedRow(
    flow: FunctionFlow,
    e: ts.Expression,
    at: ts.Node,
  ):
    | { row: ts.Expression; key: string; projection: Map<string, { table: string; column: string }>; parents: string[] }
    | undefined {
    const tsm = this.ctx.ts;
    if (tsm.isConditionalExpression(e)) {
      const held = heldBranch(tsm, e);
      return held && this.reshapedRow(flow, held, at);
    }
    // `return r?.team ?? null`: the row's when there is one.
    if (
      tsm.isBinaryExpression(e) &&
      e.operatorToken.kind === tsm.SyntaxKind.QuestionQuestionToken &&
      holdsNothing(tsm, e.right)
    )
      return this.reshapedRow(flow, strip(tsm, e.left), at);
    // `return coll?.team` read with `include: { team: true }` (hoppscotch's getTeamOfCollection): the
    // row's tenant, whose `id` is the row's tenant column.
    if (tsm.isPropertyAccessExpression(e)) {
      const x = strip(tsm, e.expression);
      const value = tsm.isIdentifier(x) ? flow.valueOf(x, at) : undefined;
      if (value?.kind !== "row" || !value.unchecked || !this.ctx.links?.isTenantRow(value.table, e.name.text))
        return undefined;
      const [column] = this.ctx.tenantOf(value.table).names;
      return column
        ? {
            row: x,
            key: (x as ts.Identifier).text,
            projection: new Map([["id", { table: value.table, column }]]),
            parents: [],
          }
        : undefined;
    }
    if (!tsm.isObjectLiteralExpression(e) || !e.properties.length) return undefined;
    let row: ts.Identifier | undefined;
    const projection = new Map<string, { table: string; column: string }>();
    const parents: string[] = [];
    for (const p of e.properties) {
      if (!tsm.isPropertyAssignment(p) || !(tsm.isIdentifier(p.name) || tsm.isStringLiteral(p.name))) return undefined;
      const path: string[] = [];
      let x = strip(tsm, p.initializer);
      while (tsm.isPropertyAccessExpression(x)) {
        path.unshift(x.name.text);
        x = strip(tsm, x.expression);
      }
      if (!tsm.isIdentifier(x) || (row && row.text !== x.text) || !path.length) return undefined;
      row ??= x;
      const value = flow.valueOf(x, at);
      if (value?.kind !== "row" || !value.unchecked) return undefined;
      const name = p.name.text;
      if (path.length === 1 && path[0] === name) {
        projection.set(name, { table: value.table, column: name });
        continue;
      }
      // `workspaceId: result.board.workspaceId`: the owning parent's tenant, under any name.
      const parent = path.length === 2 ? this.ctx.links?.parentOf(value.table, path[0]!) : undefined;
      if (!parent || !this.ctx.tenantOf(parent).names.has(path[1]!)) return undefined;
      projection.set(name, { table: parent, column: path[1]! });
      parents.push(parent);
    }
    // Something of it must name the tenant, or the object is no handle on the row's ownership.
    const namesTenant = [...projection.values()].some((c) => this.ctx.tenantOf(c.table).names.has(c.column));
    if (!row || !namesTenant) return undefined;
    return { row, key: row.text, projection, parents };
  }

  /**
   * `{ ...result, url: decrypt(result.url) }`: the row spread into an object that adds fields or
   * reshapes others, none of which names a key or a tenant (kan's webhook lookups): the row, for
   * a caller's check of its tenant. Undefined for anything else.
   */
  private spreadRow(flow: FunctionFlow, e: ts.Expression, at: ts.Node): ts.Expression | undefined {
    const tsm = this.ctx.ts;
    // `result ? { ...result, url } : null`: the branch that holds something.
    if (tsm.isConditionalExpression(e)) {
      const held = heldBranch(tsm, e);
      return held && this.spreadRow(flow, held, at);
    }
    if (!tsm.isObjectLiteralExpression(e)) return undefined;
    const spread = flow.spreadRowOf(e, at);
    return spread && flow.valueOf(spread, at)?.unchecked ? spread : undefined;
  }

  private returnedValue(flow: FunctionFlow, fn: FunctionWithBody, returned: ReturnedExpression[]): Summary["returns"] {
    const tsm = this.ctx.ts;
    // `if (!a) return null; return { id: a.id, ... }`: the objects it hands back when it hands back any.
    const handed = returned.filter(([e]) => !holdsNothing(tsm, strip(tsm, e)));
    const objects = handed.map(([e]) => strip(tsm, e));
    // `return { ... } satisfies SpaceDTO`, `return { ... } as const`: the object under the cast.
    // One that starts by spreading a row (`{ ...row, url }`) is that row (FunctionFlow.spreadOfRow).
    const reshaped = (o: ts.Expression) =>
      tsm.isObjectLiteralExpression(o) && !(o.properties[0] && tsm.isSpreadAssignment(o.properties[0]));
    if (objects.length && objects.every(reshaped))
      return this.returnedFields(
        flow,
        handed.map(([, at], i) => [objects[i] as ts.ObjectLiteralExpression, at]),
      );
    let value: Value | undefined;
    for (const [expr, at] of returned) {
      const e = strip(tsm, expr);
      // `if (ids.length === 0) return []` beside `return ids` (openstatus's validateMonitorIds): no key at all.
      if (holdsNothing(tsm, e) || (tsm.isArrayLiteralExpression(e) && e.elements.length === 0)) continue;
      const v = flow.valueOf(e, at);
      // A shared-or-owned row is readable here, not the tenant's to hand on.
      if (!v || v.unchecked || !v.reason || v.shared || (value && (v.kind !== value.kind || v.table !== value.table)))
        return undefined;
      value ??= v;
    }
    if (!value) return undefined;
    // `return E.right(row)` beside `return E.left(...)`: keyed as the row it wraps is, when the row is
    // there wherever it is wrapped (a caller's `isLeft` test says nothing of an `E.right(null)`).
    const wrappedFound = (v: Value) =>
      !!v.source?.key &&
      returned.every(([e, at]) => {
        if (holdsNothing(tsm, strip(tsm, e))) return true;
        const k = flow.valueOf(v.source!.key!.expr, at);
        return k?.kind === "key" && !k.unchecked;
      });
    const key =
      value.kind === "row" || (wrapperField(value) && wrappedFound(value))
        ? this.keyParameter(flow, fn, value, returned)
        : undefined;
    // `return E.right(row)`: the wrapper, its one field the row.
    const fields =
      value.kind === "object" && value.fields
        ? new Map(
            [...value.fields].map(([name, v]) => [name, { kind: v.kind, table: v.table, what: whatItReturns(v) }]),
          )
        : undefined;
    return {
      kind: value.kind,
      table: value.table,
      what: whatItReturns(value),
      ...(fields && { fields }),
      ...(key && { key }),
    };
  }

  /** The parameter (or field of one) every return's one scoped read is keyed by. */
  private keyParameter(
    flow: FunctionFlow,
    fn: FunctionWithBody,
    value: Value,
    returned: ReturnedExpression[],
  ): Returned["key"] {
    const tsm = this.ctx.ts;
    const q = value.source;
    // A where handed on whole, scoped at every call (orm/prisma.ts judgedAtCalls): keyed by its `id`.
    const keyExpr = q?.key ? (q.key.list ? undefined : q.key.expr) : q?.passedWhere;
    if (!q?.scoped || !keyExpr) return undefined;
    if (!returned.every(([e, at]) => holdsNothing(tsm, strip(tsm, e)) || flow.valueOf(e, at)?.source === q))
      return undefined;
    let e = strip(tsm, keyExpr);
    let path = q.key ? (q.key.path ?? "") : ".id";
    if (tsm.isPropertyAccessExpression(e)) {
      path = `.${e.name.text}${path}`;
      e = strip(tsm, e.expression);
    }
    const name = tsm.isIdentifier(e) ? e.text : undefined;
    const param = name ? parameterNames(tsm, fn, true).find((p) => p.name === name) : undefined;
    // A field of a destructured parameter is one step deep already; only a where's own `.id` goes further.
    const tooDeep = !!path && !!param?.path && !(!q.key && path === ".id");
    if (!param || tooDeep) return undefined;
    return {
      index: param.index,
      path: param.path + path,
      rejectsMissing: q.key?.rejectsMissing,
      ...(q.key?.uniqueField && { uniqueField: q.key.uniqueField }),
    };
  }

  /**
   * `return { team, document }`: each field every return statement gives the same owned kind of
   * value (a return without the field gives nothing there, which is no other tenant's row either).
   */
  private returnedFields(flow: FunctionFlow, returned: [ts.ObjectLiteralExpression, ts.Node][]): Returned | undefined {
    const tsm = this.ctx.ts;
    const fields = new Map<string, Returned>();
    const refused = new Set<string>();
    for (const [object, at] of returned)
      for (const p of object.properties) {
        const name = p.name && (tsm.isIdentifier(p.name) || tsm.isStringLiteral(p.name)) ? p.name.text : undefined;
        if (!name) {
          // A spread or computed key may put anything under any name.
          if (tsm.isSpreadAssignment(p)) return undefined;
          continue;
        }
        const expr = tsm.isShorthandPropertyAssignment(p)
          ? p.name
          : tsm.isPropertyAssignment(p)
            ? p.initializer
            : undefined;
        const v = expr && flow.valueOf(expr, at);
        const known = fields.get(name);
        if (
          !v ||
          v.unchecked ||
          v.shared ||
          !v.reason ||
          v.kind === "object" ||
          (known && (known.kind !== v.kind || known.table !== v.table))
        )
          refused.add(name);
        else fields.set(name, { kind: v.kind, table: v.table, what: whatItReturns(v) });
      }
    for (const name of refused) fields.delete(name);
    if (!fields.size) return undefined;
    return { kind: "object", table: "", what: "returns rows of a scoped query", fields };
  }

  private label(fn: FunctionWithBody): string {
    const file = fn.getSourceFile();
    const line = lineOf(file, fn);
    const where = file === this.ctx.sourceFile ? `line ${line}` : `${fileLabel(file.fileName)} line ${line}`;
    return `\`${functionNameOf(this.ctx.ts, fn) ?? "the helper"}\` (${where})`;
  }
}

function whatItReturns(value: Value): string {
  return value.reason?.proof === "ownership-check"
    ? `returns ${value.kind === "row" ? "a row" : "rows"} whose tenant it checks`
    : value.reason?.proof === "own-rows"
      ? `returns ${value.kind === "row" ? "a row" : "rows"} it checks to be the signed-in user's`
      : value.source?.creates
        ? "returns the row it created with the tenant"
        : RETURNS[value.kind];
}

/** A function's parameters by the names its body uses: `input`, and each of `{ teamId, docId }` with its path (`.docId`). */
/**
 * The parameters (or their fields) a verifying helper names for the tenant: `tenantId`, `{ orgId }`,
 * and `args.tenantId` read off a parameter `args`. Its callers must hand the tenant there.
 */
function tenantParameters(
  tsm: typeof ts,
  fn: FunctionWithBody,
  tenants: readonly TenantNames[],
): { index: number; path: string }[] {
  const named = (id: ts.Identifier) => tenants.some((t) => isTenantValue(tsm, id, t));
  const out: { index: number; path: string }[] = [];
  const params = new Map<string, number>();
  fn.parameters.forEach((p, index) => {
    if (tsm.isIdentifier(p.name)) {
      if (named(p.name)) out.push({ index, path: "" });
      else params.set(p.name.text, index);
      // `params: { id: string; tenantId: string }`: a field its type names for the tenant.
      if (p.type && tsm.isTypeLiteralNode(p.type))
        for (const m of p.type.members)
          if (tsm.isPropertySignature(m) && m.name && tsm.isIdentifier(m.name) && named(m.name))
            out.push({ index, path: `.${m.name.text}` });
      return;
    }
    if (!tsm.isObjectBindingPattern(p.name)) return;
    for (const el of p.name.elements) {
      const prop = el.propertyName ?? el.name;
      if (!el.dotDotDotToken && tsm.isIdentifier(el.name) && tsm.isIdentifier(prop) && named(el.name))
        out.push({ index, path: `.${prop.text}` });
    }
  });
  const visit = (n: ts.Node): void => {
    if (
      tsm.isPropertyAccessExpression(n) &&
      tsm.isIdentifier(n.expression) &&
      params.has(n.expression.text) &&
      named(n.name as ts.Identifier)
    ) {
      const index = params.get(n.expression.text)!;
      const path = `.${n.name.text}`;
      if (!out.some((t) => t.index === index && t.path === path)) out.push({ index, path });
    }
    // `const { workspaceId, monitorIds } = args`: a field of a parameter, destructured in the body.
    if (
      tsm.isVariableDeclaration(n) &&
      tsm.isObjectBindingPattern(n.name) &&
      n.initializer &&
      tsm.isIdentifier(strip(tsm, n.initializer)) &&
      params.has((strip(tsm, n.initializer) as ts.Identifier).text)
    ) {
      const index = params.get((strip(tsm, n.initializer) as ts.Identifier).text)!;
      for (const el of n.name.elements) {
        const prop = el.propertyName ?? el.name;
        const path = tsm.isIdentifier(prop) ? `.${prop.text}` : "";
        if (!el.dotDotDotToken && tsm.isIdentifier(el.name) && path && named(el.name))
          if (!out.some((t) => t.index === index && t.path === path)) out.push({ index, path });
      }
    }
    tsm.forEachChild(n, visit);
  };
  visit(fn.body);
  return out;
}

/**
 * A function's parameters by the names its body reads them by, with the argument and path each
 * comes from. `passed`: only those that hold what the call passed; a default (`{ id = "x" }`,
 * `id = "x"`) holds another value when the call passes none, so what the body proves of it is no
 * proof of the caller's value.
 */
function parameterNames(
  tsm: typeof ts,
  fn: FunctionWithBody,
  passed = false,
): { name: string; index: number; path: string }[] {
  return fn.parameters.flatMap((p, index) => {
    if (tsm.isIdentifier(p.name)) return passed && p.initializer ? [] : [{ name: p.name.text, index, path: "" }];
    if (!tsm.isObjectBindingPattern(p.name) || (passed && p.initializer)) return [];
    return p.name.elements.flatMap((el) => {
      const prop = el.propertyName ?? el.name;
      return !el.dotDotDotToken && tsm.isIdentifier(el.name) && tsm.isIdentifier(prop) && !(passed && el.initializer)
        ? [{ name: el.name.text, index, path: `.${prop.text}` }]
        : [];
    });
  });
}

/** `getArgs()`, `.params`, `.query`, `.body`: where a guard finds the request's arguments. */
const ARGS_SOURCE = /getArgs\s*(?:<[^>]*>)?\s*\(\s*\)$|\.(?:params|query|body)$/;

function requestArgsRead(tsm: typeof ts, fn: FunctionWithBody): GuardArgs {
  const names = new Set<string>();
  let whole = false;
  const isSource = (e: ts.Expression): boolean => ARGS_SOURCE.test(strip(tsm, e).getText().replace(/\s+/g, ""));
  const holders = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (tsm.isVariableDeclaration(n) && n.initializer && isSource(n.initializer)) {
      if (tsm.isIdentifier(n.name)) holders.add(n.name.text);
      else if (tsm.isObjectBindingPattern(n.name))
        for (const el of n.name.elements) {
          const prop = el.propertyName ?? el.name;
          if (tsm.isIdentifier(prop)) names.add(prop.text);
        }
    }
    if (tsm.isPropertyAccessExpression(n)) {
      const owner = strip(tsm, n.expression);
      if (isSource(owner) || (tsm.isIdentifier(owner) && holders.has(owner.text))) names.add(n.name.text);
    }
    // `await resolver(args)` whose answer decides: the arguments go whole to a check this cannot follow.
    if (tsm.isCallExpression(n) && n.arguments.some((a) => isHolder(strip(tsm, a))) && decides(n)) whole = true;
    tsm.forEachChild(n, visit);
  };
  const isHolder = (arg: ts.Expression) => (tsm.isIdentifier(arg) && holders.has(arg.text)) || isSource(arg);
  // Its answer is returned or tested in an `if` (itself, or a const holding it) that leaves the guard.
  const decides = (call: ts.CallExpression): boolean => {
    let n: ts.Node = call;
    while (
      tsm.isAwaitExpression(n.parent) ||
      tsm.isParenthesizedExpression(n.parent) ||
      tsm.isConditionalExpression(n.parent)
    )
      n = n.parent;
    if (tsm.isReturnStatement(n.parent) || (tsm.isIfStatement(n.parent) && n.parent.expression === n)) return true;
    const d = n.parent;
    if (!tsm.isVariableDeclaration(d) || d.initializer !== n || !tsm.isIdentifier(d.name)) return false;
    const name = d.name.text;
    let tested = false;
    const find = (m: ts.Node): void => {
      if (tested || tsm.isFunctionLike(m)) return;
      if (tsm.isIfStatement(m) && endsPath(tsm, m.thenStatement) && readsName(tsm, m.expression, name)) tested = true;
      else tsm.forEachChild(m, find);
    };
    tsm.forEachChild(fn.body, find);
    return tested;
  };
  visit(fn.body);
  return { names, whole };
}

const RETURNS: Record<Value["kind"], string> = {
  object: "returns rows of a scoped query",
  row: "returns a row of a scoped query",
  rows: "returns rows of a scoped query",
  result: "returns the result of a scoped query",
  key: "returns the id of a row of a scoped query",
  keys: "returns ids of rows of a scoped query",
};

/** `row.teamId !== teamId` with `row` a parameter: which parameter, which field, compared with what. */
function rowChecks(tsm: typeof ts, term: ts.Expression, params: (string | undefined)[]): Summary["checksRow"] {
  const t = strip(tsm, term);
  if (!tsm.isBinaryExpression(t)) return [];
  const op = t.operatorToken.kind;
  if (op !== tsm.SyntaxKind.ExclamationEqualsEqualsToken && op !== tsm.SyntaxKind.ExclamationEqualsToken) return [];
  const out: Summary["checksRow"] = [];
  for (const [side, other] of [
    [t.left, t.right],
    [t.right, t.left],
  ]) {
    const s = strip(tsm, side);
    if (!tsm.isPropertyAccessExpression(s)) continue;
    const row = strip(tsm, s.expression);
    const index = tsm.isIdentifier(row) ? params.indexOf(row.text) : -1;
    if (index < 0) continue;
    let root = strip(tsm, other);
    while (tsm.isPropertyAccessExpression(root) || tsm.isNonNullExpression(root)) root = strip(tsm, root.expression);
    const tenantParam = tsm.isIdentifier(root) && params.includes(root.text) ? params.indexOf(root.text) : undefined;
    out.push({ index, field: s.name.text, tenant: other, tenantParam, direct: strip(tsm, other) === root });
  }
  return out;
}

/** `row ? { ...row } : null`: the branch that holds something, when the other holds nothing. */
function heldBranch(tsm: typeof ts, e: ts.ConditionalExpression): ts.Expression | undefined {
  const [a, b] = [strip(tsm, e.whenTrue), strip(tsm, e.whenFalse)];
  return holdsNothing(tsm, b) ? a : holdsNothing(tsm, a) ? b : undefined;
}

/** `t.middleware(fn)`, `experimental_trpcMiddleware<...>().create(fn)`: tRPC's ways to make a middleware. */
function isMiddlewareFactory(tsm: typeof ts, call: ts.CallExpression): boolean {
  if (call.arguments.length !== 1) return false;
  const callee = strip(tsm, call.expression);
  if (!tsm.isPropertyAccessExpression(callee)) return false;
  if (callee.name.text === "middleware") return true;
  const maker = strip(tsm, callee.expression);
  return (
    callee.name.text === "create" &&
    tsm.isCallExpression(maker) &&
    /^(?:experimental_|unstable_)?trpcMiddleware$/.test(calleeName(tsm, maker) ?? "")
  );
}

/** Where the function first calls `next(...)` / `opts.next(...)` (a middleware handing over to the handler); Infinity when it never does. */
function firstNextCall(tsm: typeof ts, fn: FunctionWithBody): number {
  let first = Infinity;
  const visit = (n: ts.Node): void => {
    if (n.pos >= first || (tsm.isFunctionLike(n) && n !== fn)) return;
    if (tsm.isCallExpression(n) && calleeName(tsm, n) === "next") first = Math.min(first, n.pos);
    tsm.forEachChild(n, visit);
  };
  tsm.forEachChild(fn.body, visit);
  return first;
}

/** Fields a result object names its failure by. */
const ERROR_FIELDS = ["error"];

/**
 * `return { error: notFound() }` on every failure and `return { survey }` on success: the field the
 * failures set, when every return is an object literal, some set it to a value that is surely
 * there (a call, `new`, an object, a non-empty literal), and none sets it to one that may not be
 * (`{ error }`, `error: message`: maybe undefined).
 */
function errorResultField(tsm: typeof ts, exits: ts.ReturnStatement[]): string | undefined {
  const objects = exits.map((r) => (r.expression ? strip(tsm, r.expression) : undefined));
  if (!objects.length || !objects.every((o) => o && tsm.isObjectLiteralExpression(o))) return undefined;
  return ERROR_FIELDS.find(
    (f) =>
      exits.some((r) => errorReturn(tsm, r, f) === "error") && !exits.some((r) => errorReturn(tsm, r, f) === "unknown"),
  );
}

/** What a return's `field` says: a failure surely set, no failure (absent, or nothing), or either. */
function errorReturn(tsm: typeof ts, r: ts.ReturnStatement, field: string): "error" | "success" | "unknown" {
  const o = r.expression && strip(tsm, r.expression);
  if (!o || !tsm.isObjectLiteralExpression(o)) return "unknown";
  let out: "error" | "success" | "unknown" = "success";
  for (const p of o.properties) {
    if (tsm.isSpreadAssignment(p)) out = "unknown";
    if (!p.name || !tsm.isIdentifier(p.name) || p.name.text !== field) continue;
    if (!tsm.isPropertyAssignment(p)) {
      out = "unknown";
      continue;
    }
    const v = strip(tsm, p.initializer);
    const falsy =
      isNothing(tsm, v) ||
      v.kind === tsm.SyntaxKind.FalseKeyword ||
      (tsm.isStringLiteral(v) && !v.text) ||
      (tsm.isNumericLiteral(v) && Number(v.text) === 0);
    const there =
      tsm.isCallExpression(v) ||
      tsm.isNewExpression(v) ||
      tsm.isObjectLiteralExpression(v) ||
      tsm.isArrayLiteralExpression(v) ||
      v.kind === tsm.SyntaxKind.TrueKeyword ||
      (tsm.isStringLiteral(v) && !!v.text) ||
      tsm.isTemplateExpression(v) ||
      (tsm.isNoSubstitutionTemplateLiteral(v) && !!v.text) ||
      (tsm.isNumericLiteral(v) && Number(v.text) !== 0);
    out = falsy ? "success" : there ? "error" : "unknown";
  }
  return out;
}

/**
 * Returned expressions with each invoked function literal replaced by what it returns:
 * `(async () => { ... })()`, `cache(async () => { ... }, keys)()` (a memoizing wrapper's
 * function, called at once with no arguments, as formbricks' services do), and a transaction's
 * callback (`dbTransactionWrap(async (manager) => ...)`, ToolJet's repositories).
 */
function invokedReturns(
  tsm: typeof ts,
  outer: FunctionWithBody,
  returned: ReturnedExpression[],
  depth = 0,
): ReturnedExpression[] {
  return returned.flatMap((r): ReturnedExpression[] => {
    let e = strip(tsm, r[0]);
    while (tsm.isAwaitExpression(e)) e = strip(tsm, e.expression);
    const fn = depth < 3 ? invokedFunction(tsm, outer, e) : undefined;
    if (!fn) return [r];
    const inner: ReturnedExpression[] = tsm.isBlock(fn.body)
      ? returnStatements(tsm, fn).flatMap((x) => (x.expression ? [[x.expression, x] as ReturnedExpression] : []))
      : [[fn.body, fn.body]];
    return invokedReturns(tsm, outer, inner, depth + 1);
  });
}

/** Whether the first name of `expr` is declared again between `fn` and `expr` (a block's const, a nested function's parameter). */
function reboundIn(tsm: typeof ts, expr: ts.Expression, fn: ts.Node): boolean {
  const root = /^[\w$]+/.exec(expr.getText())?.[0];
  if (!root) return true;
  // Any other binding of the name in the function (a const, a loop's or a catch's variable, an inner
  // function's parameter), or an assignment to it, may make the same text another value.
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (
      (tsm.isVariableDeclaration(n) || tsm.isBindingElement(n)) &&
      tsm.isIdentifier(n.name) &&
      n.name.text === root &&
      !(tsm.isParameter(n.parent) || (tsm.isBindingElement(n) && isParameterPattern(tsm, n, fn)))
    )
      found = true;
    else if (tsm.isParameter(n) && n.parent !== fn && binds(tsm, n.name, root)) found = true;
    else if (
      tsm.isBinaryExpression(n) &&
      n.operatorToken.kind >= tsm.SyntaxKind.FirstAssignment &&
      n.operatorToken.kind <= tsm.SyntaxKind.LastAssignment &&
      tsm.isIdentifier(strip(tsm, n.left)) &&
      (strip(tsm, n.left) as ts.Identifier).text === root
    )
      found = true;
    else tsm.forEachChild(n, visit);
  };
  const body = (fn as ts.FunctionLikeDeclaration).body;
  if (body) visit(body);
  return found;
}

/** A binding element of one of `fn`'s own parameters (`{ id }` of `({ id }) => ...`). */
function isParameterPattern(tsm: typeof ts, el: ts.BindingElement, fn: ts.Node): boolean {
  for (let n: ts.Node = el; n; n = n.parent) if (tsm.isParameter(n)) return n.parent === fn;
  return false;
}

/** Modules whose export throws unless its condition holds: tiny-invariant, invariant, node's assert. */
const ASSERTION_MODULES = /^(?:tiny-invariant|invariant|(?:node:)?assert(?:\/strict)?)$/;

/**
 * The function literal a call runs at once: `(() => ...)()`, or `cache(() => ..., keys)()`. A
 * cache shared across requests (Next's `unstable_cache`) keys its entries by `keys` alone: each
 * parameter of the enclosing function the literal reads must be in them, or one tenant's call
 * may be answered with another's row.
 */
function invokedFunction(tsm: typeof ts, outer: FunctionWithBody, e: ts.Expression): FunctionWithBody | undefined {
  if (!tsm.isCallExpression(e)) return undefined;
  // `dbTransactionWrap(async (manager) => ...)`, `prisma.$transaction(async (tx) => ...)`,
  // `manager.transaction("SERIALIZABLE", async (m) => ...)`: a transaction runs its callback and
  // hands back what it returns.
  const ran = runLiteral(tsm, e);
  if (ran) return ran as FunctionWithBody;
  if (e.arguments.length) return undefined;
  let callee = strip(tsm, e.expression);
  let keys: ts.Expression | undefined;
  let memoized = false;
  if (tsm.isCallExpression(callee) && isMemoizer(tsm, callee.expression) && callee.arguments[0]) {
    keys = callee.arguments[1];
    memoized = true;
    callee = strip(tsm, callee.arguments[0]);
  }
  if (!tsm.isArrowFunction(callee) && !tsm.isFunctionExpression(callee)) return undefined;
  if (callee.parameters.length) return undefined;
  if (memoized && !keyedByReads(tsm, outer, callee, keys)) return undefined;
  return callee as FunctionWithBody;
}

/** Every parameter of `outer` that `fn` reads appears in the cache keys (`[`webhook-${webhookId}`]`); no keys: a per-request cache. */
function keyedByReads(
  tsm: typeof ts,
  outer: FunctionWithBody,
  fn: ts.FunctionLikeDeclaration,
  keys: ts.Expression | undefined,
): boolean {
  if (!keys) return true;
  const k = strip(tsm, keys);
  if (!tsm.isArrayLiteralExpression(k)) return false;
  const keyText = k.getText();
  const params = parameterNames(tsm, outer).map((p) => p.name);
  const read = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (tsm.isIdentifier(n) && params.includes(n.text)) read.add(n.text);
    tsm.forEachChild(n, visit);
  };
  if (fn.body) visit(fn.body);
  return [...read].every((name) => new RegExp(`(?<![\\w$])${escapeRegExp(name)}(?![\\w$])`).test(keyText));
}

/**
 * The name a value-less `return` is guarded by being missing: `if (id === undefined || id === null)
 * return;`, `if (!id) return;`, `if (id == null) return;`. Undefined for any other return.
 */
function nullishGuardedKey(tsm: typeof ts, r: ts.ReturnStatement): string | undefined {
  let st: ts.Node = r;
  if (tsm.isBlock(st.parent) && st.parent.statements.length === 1) st = st.parent;
  const guard = st.parent;
  if (!guard || !tsm.isIfStatement(guard) || guard.thenStatement !== st) return undefined;
  // Each term tests the key for missing: `!id`, `id == null`, `id === undefined` (not `id?.x !== y`,
  // nor `id === 0`, which a given key can pass).
  const names = orTerms(tsm, guard.expression).map((term) => {
    const t = strip(tsm, term);
    const missingTest =
      (tsm.isPrefixUnaryExpression(t) && t.operator === tsm.SyntaxKind.ExclamationToken) ||
      (tsm.isBinaryExpression(t) &&
        (t.operatorToken.kind === tsm.SyntaxKind.EqualsEqualsEqualsToken ||
          t.operatorToken.kind === tsm.SyntaxKind.EqualsEqualsToken) &&
        !tsm.isNumericLiteral(strip(tsm, t.left)) &&
        !tsm.isNumericLiteral(strip(tsm, t.right)));
    const subject = missingTest ? emptinessSubject(tsm, t) : undefined;
    const s = subject && strip(tsm, subject);
    return s && tsm.isIdentifier(s) ? s.text : undefined;
  });
  return names.length && names.every((n) => n === names[0]) ? names[0] : undefined;
}

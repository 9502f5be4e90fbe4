// Authorization calls: `await checkAuthorization({ organizationId: await getOrgIdFromTagId(tagId) })`
// throws unless the user may act on what it was given; `if (!hasPermission(perms, envId)) return 401`
// ends the path otherwise. Either way every key the call was handed, directly or through the
// resolvers and consts that turned it into a tenant id (`getOrgIdFromTagId(tagId)`,
// `const { data: envId } = await getEnvironmentId(params.responseId)`), is the user's from there on.
// A call is an authorizer when the config names it (`authorizers`) or when its name says so
// (`checkAuthorization`, `assertProjectAccess`, `requireMembership`, `hasPermission`, `canEdit`).
import type ts from "typescript";
import { strip } from "../orm/prisma-syntax";
import { calleeName, lastName } from "../statements";
import { constInitializer } from "./bindings";

export { calleeName };

/** Words that make a function name an authorization check... */
const AUTH_WORD =
  /authori[sz]|permission|permit|access|owner|member|allowed|forbid|denied|deny|guard|^can[A-Z_]|^can$|^cannot$/i;
/** ...unless it names an action on those things (`getPermissions`, `updateMember`, `grantAccess`). */
const NOT_A_CHECK =
  /^(?:get|fetch|find|load|list|read|select|query|create|insert|add|update|upsert|delete|remove|set|save|grant|revoke|invite|send|log|record|build|make|to|parse|format|map)(?:[A-Z_]|$)/;
/** Names shaped like a check: `assert…`, `check…`, `require…`, `ensure…`, `verify…`, `throwIf…`, `has…`, `can…`, `is…`. */
const CHECK_SHAPED =
  /^(?:assert|check|require|ensure|verify|validate|authori[sz]e|throwIf|guard|enforce|must|has|can|is)(?:[A-Z_]|$)/;
/** A check whose answer is a boolean: ignoring it checks nothing. */
const RETURNS_BOOLEAN = /^(?:has|can|is|should)(?:[A-Z_]|$)/;
/** A check that throws when it says no, whatever it returns: its result may be kept (`const { folder } = await throwIf…`). */
const THROWS = /^(?:assert|require|ensure|throwIf|enforce|must)(?:[A-Z_]|$)/;
/**
 * `getProjectAccess`, `getOrganizationAccess`, `getUserEntityPermissions`, `getMemberRole`: the
 * user's access to what it is given, or nothing. Only its answer in an `if` that ends the path
 * checks anything.
 */
const GETS_ACCESS = /^get[A-Z]\w*(?:Access|Permissions?|Role)(?:Cached|Memoi[sz]ed)?$/;

/**
 * `getUserEntityPermissions(...)`, `getProjectAccess(...)`: a lookup of what the user may do, which
 * answers nothing (null) when they may do nothing; not a yes-or-no check, whose `false` is an answer too.
 */
export function answersWithAccess(tsm: typeof ts, call: ts.CallExpression): boolean {
  return GETS_ACCESS.test(calleeName(tsm, call) ?? "");
}
/** A check whose `true` is the refusal: `isReadTypebotForbidden(typebot, user)`, `isAccessDenied`, `cannotEdit`. */
const REFUSES =
  /^(?:is|has)?[A-Z]?\w*(?:Forbidden|Denied|Unauthori[sz]ed|NotAllowed|NoAccess)$|^(?:cannot|lacks)[A-Z]|^cannot$/;

/**
 * Where a check sits: a statement of its own (its answer thrown away), a const that keeps its
 * result, or the condition of an `if` that ends the path.
 */
export type CheckUse = "statement" | "kept" | "condition";

export interface Authorizers {
  /** Names from the config's `authorizers`: always checks, whatever they are called. */
  readonly configured: ReadonlySet<string>;
}

/**
 * Whether `call` is an authorization check used as `use` says. A statement's answer is thrown
 * away, so a boolean check there checks nothing (`hasPermission(...)` on its own line); a kept
 * result counts only for names that say they throw (`assert…`, `require…`, `throwIf…`), since
 * `const ok = await checkPermission(...)` may return false; a condition may be either.
 */
export function isAuthorizer(
  tsm: typeof ts,
  call: ts.CallExpression,
  authorizers: Authorizers | undefined,
  use: CheckUse,
): boolean {
  const name = calleeName(tsm, call);
  if (!name) return false;
  // A listed check throws or returns false: a result kept and never tested may be that false.
  if (authorizers?.configured.has(name)) return use !== "kept" || THROWS.test(name);
  if (GETS_ACCESS.test(name)) return use === "condition";
  if (!AUTH_WORD.test(name) || NOT_A_CHECK.test(name) || !CHECK_SHAPED.test(name)) return false;
  if (use === "statement") return !RETURNS_BOOLEAN.test(name);
  if (use === "kept") return THROWS.test(name);
  return true;
}

/**
 * `this.ac.user(me.id).workspace(comment.workspaceId).doc(comment.docId).assert(action)`: a fluent
 * access controller (a receiver named `ac`, `acl`, `access…`, `permission(s)`, `polic…`) whose chain
 * ends in a throwing check (`assert…`, `ensure…`, `require…`). What the chain was handed is what
 * the check checks: the arguments of every call in it, the check's own first. Undefined otherwise.
 */
export function chainedCheckArguments(tsm: typeof ts, call: ts.CallExpression): ts.Expression[] | undefined {
  const callee = strip(tsm, call.expression);
  if (!tsm.isPropertyAccessExpression(callee) || !/^(?:assert|ensure|require)/.test(callee.name.text)) return undefined;
  const args: ts.Expression[] = [...call.arguments];
  let e: ts.Expression = strip(tsm, callee.expression);
  while (tsm.isCallExpression(e) && tsm.isPropertyAccessExpression(strip(tsm, e.expression))) {
    args.push(...e.arguments);
    e = strip(tsm, (strip(tsm, e.expression) as ts.PropertyAccessExpression).expression);
  }
  if (args.length === call.arguments.length) return undefined;
  const root = tsm.isPropertyAccessExpression(e) ? e.name.text : tsm.isIdentifier(e) ? e.text : "";
  return ACCESS_OBJECT.test(root) ? args : undefined;
}

/**
 * What an object that answers for the user is called: CASL's `ability`, `userAbility`, a
 * `permissions` or `policy` object, an access controller (`ac`, `acl`, `accessController`).
 */
const ACCESS_OBJECT = /^ac$|abilit|permission|polic|acl|access/i;

/**
 * Whether a check's answer `true` says no (`isReadTypebotForbidden`): then `if (check(...)) throw`
 * is the refusal, and `if (!check(...)) throw` refuses nothing the user is denied.
 */
export function refusesWhenTrue(
  tsm: typeof ts,
  call: ts.CallExpression,
  authorizers: Authorizers | undefined,
): boolean {
  const name = calleeName(tsm, call);
  return !!name && REFUSES.test(name) && !NOT_A_CHECK.test(name) && !authorizers?.configured.has(name);
}

/** How far consts and resolver calls are followed back from an authorizer's argument. */
const MAX_DERIVATION = 4;

/**
 * The key expressions an authorizer's argument was derived from, as written (`parsedInput.tagId`,
 * `params.responseId`): the argument itself, the arguments of resolver calls inside it, and what
 * the consts it reads were initialised with.
 */
export function derivedKeys(
  tsm: typeof ts,
  expr: ts.Expression,
  at: ts.Node,
  /** What a guard that ended the path otherwise proved equal to `e` (`if (a !== b) throw`). */
  equalTo: (e: ts.Expression) => readonly ts.Expression[] = () => [],
): ts.Expression[] {
  const out: ts.Expression[] = [];
  /** The least depth each key was reached at: one reached again nearer the argument is followed further. */
  const reached = new Map<ts.Expression, number>();
  const visit = (e: ts.Expression, depth: number): void => {
    e = strip(tsm, e);
    while (tsm.isAwaitExpression(e) || tsm.isNonNullExpression(e)) e = strip(tsm, e.expression);
    if (tsm.isIdentifier(e) || tsm.isPropertyAccessExpression(e)) {
      const before = reached.get(e);
      if (before !== undefined && before <= depth) return;
      if (before === undefined) out.push(e);
      reached.set(e, depth);
      if (depth >= MAX_DERIVATION) return;
      for (const same of equalTo(e)) visit(same, depth + 1);
      // `envId.data` from `const envId = await getEnvironmentId(id)`: the resolver's arguments too.
      let root: ts.Expression = e;
      while (tsm.isPropertyAccessExpression(root)) root = strip(tsm, root.expression);
      if (tsm.isIdentifier(root)) {
        const init = constInitializer(tsm, root, at);
        if (init) visit(init, depth + 1);
      }
      return;
    }
    if (depth >= MAX_DERIVATION) return;
    if (tsm.isCallExpression(e)) {
      for (const a of e.arguments) if (!tsm.isSpreadElement(a)) visit(a, depth + 1);
      return;
    }
    if (tsm.isObjectLiteralExpression(e)) {
      for (const p of e.properties) {
        if (tsm.isPropertyAssignment(p)) visit(p.initializer, depth);
        else if (tsm.isShorthandPropertyAssignment(p)) visit(p.name, depth);
      }
      return;
    }
    // Only the check's own argument list: `Promise.all([loadOrg(a), loadDoc(b)])` in a const's initializer is not one key.
    if (tsm.isArrayLiteralExpression(e) && depth === 0)
      for (const el of e.elements) if (!tsm.isSpreadElement(el)) visit(el, depth);
  };
  visit(expr, 0);
  return out;
}

/** A guard class whose name says it checks what the request may touch: `GqlTeamMemberGuard`, `ProjectAccessGuard`. */
const ACCESS_GUARD = /member|access|permission|owner|role|polic|abilit|authori[sz]/i;
/** A guard that only signs the user in or limits the rate: `GqlAuthGuard`, `JwtAuthGuard`, `ThrottlerGuard`. */
const NOT_ACCESS_GUARD = /^(?:Gql|Jwt|Local|Api|Http)?(?:Auth(?:enticated)?|Throttler\w*)$/i;

/**
 * The guards a route handler runs behind (NestJS `@UseGuards(...)` on the method or its class),
 * but for those that only sign the user in or limit the rate. `named`: the name says it checks
 * access (or the config lists it as an authorizer), for when its `canActivate` cannot be read.
 */
export function guardsOf(
  tsm: typeof ts,
  fn: ts.Node,
  authorizers: Authorizers | undefined,
): { name: string; named: boolean }[] {
  if (!tsm.isMethodDeclaration(fn)) return [];
  const out: { name: string; named: boolean }[] = [];
  const holders: ts.Node[] = [fn, ...(tsm.isClassLike(fn.parent) ? [fn.parent] : [])];
  for (const holder of holders)
    for (const d of tsm.canHaveDecorators(holder) ? (tsm.getDecorators(holder) ?? []) : []) {
      const call = strip(tsm, d.expression);
      if (!tsm.isCallExpression(call) || calleeName(tsm, call) !== "UseGuards") continue;
      for (const arg of call.arguments) {
        const a = strip(tsm, arg);
        const name = lastName(tsm, a);
        const words = name?.replace(/Guard$/, "");
        if (!name || !words || NOT_ACCESS_GUARD.test(words)) continue;
        out.push({ name, named: !!authorizers?.configured.has(name) || ACCESS_GUARD.test(words) });
      }
    }
  return out;
}

/**
 * What a check is asked about: the argument itself, or the row inside CASL's `subject("SpaceMember",
 * member)`, which only tags the row with its type.
 */
export function checkedSubject(tsm: typeof ts, arg: ts.Expression): ts.Expression {
  const e = strip(tsm, arg);
  if (!tsm.isCallExpression(e) || calleeName(tsm, e) !== "subject" || e.arguments.length !== 2) return e;
  return strip(tsm, e.arguments[1]!);
}

/**
 * `subject("Space", { ...space, access })` (lightdash): the row spread into the subject, and the
 * keys written after it (which replace the row's own: `{ ...space, projectUuid }` asks about
 * another project). Undefined for any other shape.
 */
export function spreadSubject(tsm: typeof ts, arg: ts.Expression): { row: ts.Identifier; keys: string[] } | undefined {
  const o = checkedSubject(tsm, arg);
  if (!tsm.isObjectLiteralExpression(o) || !o.properties.length) return undefined;
  const [first, ...rest] = o.properties;
  const row = first && tsm.isSpreadAssignment(first) ? strip(tsm, first.expression) : undefined;
  if (!row || !tsm.isIdentifier(row)) return undefined;
  const keys: string[] = [];
  for (const p of rest) {
    const name = p.name && (tsm.isIdentifier(p.name) || tsm.isStringLiteral(p.name)) ? p.name.text : undefined;
    if (tsm.isSpreadAssignment(p) || name === undefined) return undefined;
    keys.push(name);
  }
  return { row, keys };
}

/**
 * The check is a method of who asks: CASL's `ability.can(...)`/`ability.cannot(...)`, a policy or
 * permission object made for the signed-in user (`userAbility.can`, `permissions.can`).
 */
export function asksOnItsOwn(tsm: typeof ts, call: ts.CallExpression): boolean {
  const callee = strip(tsm, call.expression);
  return tsm.isPropertyAccessExpression(callee) && ACCESS_OBJECT.test(lastName(tsm, callee.expression) ?? "");
}

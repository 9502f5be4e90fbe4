// The syntax of ownership checks: what an `if` tests (an empty result, a row's tenant against
// the request's), whether its branch ends the path, and keys built from the tenant value.
import type ts from "typescript";
import { tenantNameVariants } from "../fixes/tenant-value";
import { isOwnerColumn } from "../membership";
import { constDeclaration, strip } from "../orm/prisma-syntax";
import { bindingPath, constInitializer } from "./bindings";
import { holdsNothing } from "./values";

export interface TenantNames {
  /** Every spelling of the tenant column and field (`tenant_id`, `tenantId`, `tenantID`). */
  names: ReadonlySet<string>;
  /** The config's `tenantExpression`, as written. */
  expression?: string;
}

export function tenantNames(columns: readonly string[], expression: string | undefined): TenantNames {
  return { names: new Set(columns.flatMap((c) => tenantNameVariants(c))), expression };
}

/** `throw ...`, `return ...`, or a block that ends with one: the rest of the flow never runs. */
export function endsPath(tsm: typeof ts, st: ts.Statement): boolean {
  if (tsm.isThrowStatement(st) || tsm.isReturnStatement(st)) return true;
  if (tsm.isBlock(st)) {
    const last = st.statements[st.statements.length - 1];
    return !!last && endsPath(tsm, last);
  }
  return tsm.isExpressionStatement(st) && (isContextThrow(tsm, st.expression) || isThrower(tsm, st.expression));
}

/**
 * `throwErr(TEAM_NOT_FOUND)` (hoppscotch's `(msg): never => { throw ... }`), `throwError(...)`,
 * `throwHttpException(...)`: a function named for throwing, unconditionally (not `throwIf...`,
 * `throwUnless...`, which throw only sometimes).
 */
function isThrower(tsm: typeof ts, e: ts.Expression): boolean {
  let x = strip(tsm, e);
  if (tsm.isAwaitExpression(x)) x = strip(tsm, x.expression);
  if (!tsm.isCallExpression(x)) return false;
  const callee = strip(tsm, x.expression);
  const name = tsm.isIdentifier(callee) ? callee.text : tsm.isPropertyAccessExpression(callee) ? callee.name.text : "";
  // A bare `.throw(...)` is Koa's `ctx.throw` (above) or any object's method: not this.
  return /^throw[A-Z]\w*$/.test(name) && !/^throw(?:If|Unless|When|On)(?:[A-Z]|$)/.test(name);
}

/** Koa's `ctx.throw(404, "...")` (`this.ctx.throw`, `context.throw`): it always throws an HttpError. */
function isContextThrow(tsm: typeof ts, e: ts.Expression): boolean {
  let x = strip(tsm, e);
  if (tsm.isAwaitExpression(x)) x = strip(tsm, x.expression);
  if (!tsm.isCallExpression(x) || !tsm.isPropertyAccessExpression(x.expression)) return false;
  if (x.expression.name.text !== "throw") return false;
  const on = strip(tsm, x.expression.expression);
  const name = tsm.isIdentifier(on) ? on.text : tsm.isPropertyAccessExpression(on) ? on.name.text : "";
  return /^(?:ctx|context)$/.test(name);
}

/** The terms of an `a && b && c` condition: the if's branch runs only when every one holds. */
export function andTerms(tsm: typeof ts, e: ts.Expression): ts.Expression[] {
  const x = strip(tsm, e);
  if (tsm.isBinaryExpression(x) && x.operatorToken.kind === tsm.SyntaxKind.AmpersandAmpersandToken)
    return [...andTerms(tsm, x.left), ...andTerms(tsm, x.right)];
  return [x];
}

/** The terms of an `a || b || c` condition: the if exits when any one holds. */
export function orTerms(tsm: typeof ts, e: ts.Expression): ts.Expression[] {
  const x = strip(tsm, e);
  if (tsm.isBinaryExpression(x) && x.operatorToken.kind === tsm.SyntaxKind.BarBarToken)
    return [...orTerms(tsm, x.left), ...orTerms(tsm, x.right)];
  return [x];
}

/**
 * `!x`, `!x.length`, `x.length === 0`, `x.rowCount === 0`, `!x[0]`, `x == null`, `isNil(x)` (lodash,
 * radash, `_.isNil`): the subject tested for emptiness.
 */
export function emptinessSubject(tsm: typeof ts, term: ts.Expression): ts.Expression | undefined {
  const t = strip(tsm, term);
  let subject: ts.Expression | undefined;
  if (tsm.isPrefixUnaryExpression(t) && t.operator === tsm.SyntaxKind.ExclamationToken) subject = strip(tsm, t.operand);
  else if (tsm.isCallExpression(t) && t.arguments.length === 1 && NULL_TEST.test(t.expression.getText()))
    subject = t.arguments[0];
  else if (tsm.isBinaryExpression(t) && isEquality(tsm, t.operatorToken.kind)) {
    const empty = (e: ts.Expression) => {
      const s = strip(tsm, e);
      return (
        s.kind === tsm.SyntaxKind.NullKeyword ||
        (tsm.isIdentifier(s) && s.text === "undefined") ||
        (tsm.isNumericLiteral(s) && s.text === "0")
      );
    };
    subject = empty(t.right) ? t.left : empty(t.left) ? t.right : undefined;
  } else if (
    tsm.isBinaryExpression(t) &&
    (t.operatorToken.kind === tsm.SyntaxKind.ExclamationEqualsEqualsToken ||
      t.operatorToken.kind === tsm.SyntaxKind.ExclamationEqualsToken)
  ) {
    // `c?.ownerId !== userId`: true when `c` holds nothing (`undefined !== userId`), so a path that
    // ends on it ends on an empty `c` too.
    const optional = (e: ts.Expression) => {
      const s = strip(tsm, e);
      return tsm.isPropertyAccessExpression(s) && s.questionDotToken ? strip(tsm, s.expression) : undefined;
    };
    const nothing = (e: ts.Expression) => holdsNothing(tsm, e);
    subject = !nothing(t.right) ? optional(t.left) : undefined;
    subject ??= !nothing(t.left) ? optional(t.right) : undefined;
    return subject;
  }
  if (!subject) return undefined;
  subject = strip(tsm, subject);
  if (tsm.isPropertyAccessExpression(subject) && COUNTS.has(subject.name.text)) return subject.expression;
  return subject;
}

/**
 * `E.isLeft(x)`, `isLeft(x)`, `O.isNone(x)`, `x._tag === "Left"`, neverthrow's `x.isErr()`: true
 * when the result `x` holds no value (a wrapper object is never falsy, so `!x` tests nothing).
 */
export function failedResultSubject(tsm: typeof ts, term: ts.Expression): ts.Expression | undefined {
  const t = strip(tsm, term);
  if (tsm.isCallExpression(t)) {
    const callee = strip(tsm, t.expression);
    if (t.arguments.length === 1 && /^(?:[\w$]+\.)?is(?:Left|None)$/.test(callee.getText()))
      return strip(tsm, t.arguments[0]!);
    if (t.arguments.length === 0 && tsm.isPropertyAccessExpression(callee) && callee.name.text === "isErr")
      return strip(tsm, callee.expression);
    return undefined;
  }
  if (!tsm.isBinaryExpression(t) || !isEquality(tsm, t.operatorToken.kind)) return undefined;
  const tag = (a: ts.Expression, b: ts.Expression) => {
    const x = strip(tsm, a);
    const y = strip(tsm, b);
    return tsm.isPropertyAccessExpression(x) &&
      x.name.text === "_tag" &&
      tsm.isStringLiteral(y) &&
      /^(?:Left|None)$/.test(y.text)
      ? strip(tsm, x.expression)
      : undefined;
  };
  return tag(t.left, t.right) ?? tag(t.right, t.left);
}

/** `isNil(x)`, `_.isNil(x)`, `isNull(x)`, `isUndefined(x)`, `isNullish(x)`: true when `x` holds nothing. */
const NULL_TEST = /^(?:[\w$]+\.)?is(?:Nil|Null|Undefined|Nullish|NullOrUndefined)$/;

/** Whether an emptiness test counts rows (`!rows.length`, `rows.length === 0`, `result.rowCount === 0`). */
export function countsRows(tsm: typeof ts, term: ts.Expression): boolean {
  const t = strip(tsm, term);
  const tested = tsm.isPrefixUnaryExpression(t)
    ? strip(tsm, t.operand)
    : tsm.isBinaryExpression(t)
      ? [t.left, t.right].map((e) => strip(tsm, e)).find((e) => tsm.isPropertyAccessExpression(e))
      : undefined;
  return !!tested && tsm.isPropertyAccessExpression(tested) && COUNTS.has(tested.name.text);
}

/** The fields that count a list's or a result's rows. */
const COUNTS = new Set(["length", "rowCount"]);

/** `row.tenantId !== tenant` (either side, `!=` too): the row expression whose tenant is compared. */
export function tenantMismatchRow(tsm: typeof ts, term: ts.Expression, tenant: TenantNames): ts.Expression | undefined {
  const t = strip(tsm, term);
  if (!tsm.isBinaryExpression(t)) return undefined;
  const op = t.operatorToken.kind;
  if (op !== tsm.SyntaxKind.ExclamationEqualsEqualsToken && op !== tsm.SyntaxKind.ExclamationEqualsToken)
    return undefined;
  const rowOf = (e: ts.Expression) => {
    const s = strip(tsm, e);
    return tsm.isPropertyAccessExpression(s) && tenant.names.has(s.name.text) ? s.expression : undefined;
  };
  if (rowOf(t.left) && isTenantValue(tsm, t.right, tenant)) return rowOf(t.left);
  if (rowOf(t.right) && isTenantValue(tsm, t.left, tenant)) return rowOf(t.right);
  return undefined;
}

// A tenant id the client sends (`req.body.tenantId`, `input.tenantId`) names any tenant it likes.
const REQUEST_INPUT = /^(body|query|params|input|parsedInput|args|data|payload|dto|cookies|headers)$/i;

/** Whether a path of names (`req.body.userId`) passes through what the client sent. */
export function throughRequestInput(names: readonly string[]): boolean {
  return names.some((n) => REQUEST_INPUT.test(n));
}

// What code calls the tenant when it does not use the column's name: `workspaceId`, `workspace.id`,
// `ctx.org.id`, `session.activeOrganizationId`, `teamId`, `accountId` (the whole word before `Id`).
const TENANT_WORD =
  /^(?:active|current|selected)?(?:tenant|workspace|org|organization|organisation|team|account|company)$/i;
const ID_NAME = /(?:Id|ID|_id)$/;
/** Words that say a tenant value is the one the request was authorized for. */
const SETTLED = /^(?:active|current|selected|authorized|authenticated|session)(?=[A-Z])/;

/**
 * `id`, `orgId`, `tenantId`: a field of the tenant's own row that identifies it, or the broader
 * tenant it belongs to (`workspace.orgId`, an organisation above the workspace).
 */
export function identifiesTenantRow(tenant: TenantNames, field: string): boolean {
  return field === "id" || namesTenant(tenant, field, undefined) !== undefined;
}

/** Whether a name (and the name before it, for `workspace.id`) says it is a tenant's id. */
function namesTenant(tenant: TenantNames, name: string, before: string | undefined): "column" | "word" | undefined {
  if (tenant.names.has(name)) return "column";
  // A tenant column that names the owning user (`ownerId`): its tenant is a user, called `userId`, `user.id`.
  if (ownedByUser(tenant) && (USER_ID.test(name) || (name === "id" && USER.test(before ?? "")))) return "word";
  // `authorizedWorkspaceId` for `workspaceId`: the tenant a check settled on.
  // Only as a field (`auth.authorizedWorkspaceId`): a bare name may be destructured from anything.
  const settled = before !== undefined ? SETTLED.exec(name) : null;
  if (settled && tenant.names.has(name.slice(settled[0].length).replace(/^[A-Z]/, (c) => c.toLowerCase())))
    return "word";
  if (ID_NAME.test(name)) return TENANT_WORD.test(name.replace(ID_NAME, "").replace(/_$/, "")) ? "word" : undefined;
  // `ctx.space.id` for the tenant column `spaceId`: the id of the object the column is named for.
  const owner = before?.toLowerCase();
  return name === "id" && owner !== undefined && (TENANT_WORD.test(owner) || columnOwners(tenant).has(owner))
    ? "word"
    : undefined;
}

const USER = /^(?:current|session|signedIn|auth)?user$/i;
const USER_ID = /^(?:current|session|signedIn|auth)?user(?:Id|ID|_id)$/i;

function ownedByUser(tenant: TenantNames): boolean {
  let owned = OWNED_BY_USER.get(tenant);
  if (owned === undefined) OWNED_BY_USER.set(tenant, (owned = [...tenant.names].some(isOwnerColumn)));
  return owned;
}

const OWNED_BY_USER = new WeakMap<TenantNames, boolean>();

/** `space` of `spaceId` / `space_id`: what each tenant column names the id of. */
function columnOwners(tenant: TenantNames): ReadonlySet<string> {
  let owners = OWNERS.get(tenant);
  if (!owners) {
    owners = new Set(
      [...tenant.names]
        .filter((n) => ID_NAME.test(n))
        .map((n) => n.replace(ID_NAME, "").replace(/_$/, "").toLowerCase()),
    );
    OWNERS.set(tenant, owners);
  }
  return owners;
}

const OWNERS = new WeakMap<TenantNames, ReadonlySet<string>>();

/**
 * A variable named like a tenant that holds what the client sent: `const { workspaceId } = input`,
 * `({ input: { teamId } }) => ...`. Only the broad names are held to this; the column's own name
 * keeps its meaning.
 */
function fromRequestInput(tsm: typeof ts, id: ts.Identifier): boolean {
  const init = constInitializer(tsm, id, id);
  if (init) return isRequestInput(tsm, init);
  for (let cur: ts.Node | undefined = id.parent; cur; cur = cur.parent) {
    if (!tsm.isFunctionLike(cur)) continue;
    for (const p of cur.parameters) {
      const path = bindingPath(tsm, p.name, id.text);
      if (path) return path.some((segment) => REQUEST_INPUT.test(segment));
    }
  }
  return false;
}

/**
 * `tenantId`, `ctx.tenantId`, `req.user.tenant_id`, the config's tenantExpression, or a name that
 * says it is the tenant's id (`workspaceId`, `workspace.id`); never request input.
 */
export function isTenantValue(tsm: typeof ts, e: ts.Expression, tenant: TenantNames): boolean {
  const s = strip(tsm, tsm.isNonNullExpression(e) ? e.expression : e);
  if (tenant.expression && s.getText() === tenant.expression) return true;
  if (tsm.isIdentifier(s)) {
    const named = namesTenant(tenant, s.text, undefined);
    return named === "column" || (named === "word" && !fromRequestInput(tsm, s));
  }
  if (!tsm.isPropertyAccessExpression(s)) return false;
  const base = strip(tsm, s.expression);
  const before = tsm.isPropertyAccessExpression(base) ? base.name.text : tsm.isIdentifier(base) ? base.text : undefined;
  if (!namesTenant(tenant, s.name.text, before)) return false;
  for (let cur: ts.Expression = s.expression; ; cur = cur.expression) {
    cur = strip(tsm, cur);
    const name = tsm.isPropertyAccessExpression(cur) ? cur.name.text : tsm.isIdentifier(cur) ? cur.text : undefined;
    if (name && REQUEST_INPUT.test(name)) return false;
    if (!tsm.isPropertyAccessExpression(cur) && !tsm.isNonNullExpression(cur)) return true;
  }
}

/** `req.body.userId`, or a name bound from one (`const { userId } = parsedInput`): a value the client chose. */
export function fromRequest(tsm: typeof ts, e: ts.Expression): boolean {
  const s = strip(tsm, e);
  return isRequestInput(tsm, s) || (tsm.isIdentifier(s) && fromRequestInput(tsm, s));
}

/** `req.body`, `input.teamId`, `args`: a value the client chose. */
export function isRequestInput(tsm: typeof ts, e: ts.Expression): boolean {
  for (let cur = strip(tsm, e); ; cur = strip(tsm, cur.expression)) {
    const name = tsm.isPropertyAccessExpression(cur) ? cur.name.text : tsm.isIdentifier(cur) ? cur.text : undefined;
    if (name && REQUEST_INPUT.test(name)) return true;
    if (!tsm.isPropertyAccessExpression(cur) && !tsm.isNonNullExpression(cur)) return false;
  }
}

/** `\`${tenantId}-${name}\``, `tenantId + ":" + name`, `[tenantId, name].join(":")`, or a const holding one. */
export function isBuiltFromTenant(
  ctx: { ts: typeof ts; sourceFile: ts.SourceFile },
  e: ts.Expression,
  tenant: TenantNames,
  depth = 0,
): boolean {
  const tsm = ctx.ts;
  const s = strip(tsm, e);
  if (tsm.isTemplateExpression(s)) return s.templateSpans.some((span) => isTenantValue(tsm, span.expression, tenant));
  if (tsm.isBinaryExpression(s) && s.operatorToken.kind === tsm.SyntaxKind.PlusToken)
    return [s.left, s.right].some((x) => isTenantValue(tsm, x, tenant) || isBuiltFromTenant(ctx, x, tenant, depth + 1));
  if (
    tsm.isCallExpression(s) &&
    tsm.isPropertyAccessExpression(s.expression) &&
    s.expression.name.text === "join" &&
    tsm.isArrayLiteralExpression(s.expression.expression)
  )
    return s.expression.expression.elements.some((x) => isTenantValue(tsm, x, tenant));
  if (tsm.isIdentifier(s) && depth < 3) {
    const init = constDeclaration(ctx, s)?.initializer;
    return !!init && isBuiltFromTenant(ctx, init, tenant, depth + 1);
  }
  return false;
}

function isEquality(tsm: typeof ts, kind: ts.SyntaxKind): boolean {
  return kind === tsm.SyntaxKind.EqualsEqualsEqualsToken || kind === tsm.SyntaxKind.EqualsEqualsToken;
}

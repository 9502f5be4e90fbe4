// The signed-in user's own memberships: `usersToWorkspaces where userId = ctx.user.id` lists the
// tenants the user belongs to (the workspace switcher, an owner check). It reads rows of many
// tenants, but identity decides which: it is where tenant authorization comes from, not a leak.
// Only a read of a membership table, only by its user column, only with the session's user id.
import type ts from "typescript";
import { calleeName } from "./statements";
import { propertyValue } from "./sql/extract-source";
import { isRequestInput, throughRequestInput } from "./flow/conditions";
import { normalizeColumnName } from "./model/names";
import { isShareKey, type TenantTable } from "./model/types";
import { isCredentialField, isLiteral, isPublicFlag } from "./credentials";
import { bindingPath, constDeclarationOf, constInitializer, writes } from "./flow/bindings";
import { hasOptionalChain, isOptionalParameter, parameterOf, strip, UNIQUE_READS } from "./orm/prisma-syntax";

/** `memberships`, `team_members`, `users_to_workspaces`, `UserTeam`, `project_users`, `org_membership`, `MemberInWorkspace`. */
const MEMBERSHIP_TABLE =
  /(?:^|_)(?:members?|memberships?)$|^(?:members?|memberships?)_(?:in|of)_\w+$|^(?:users?_?to_?\w+|\w+_?to_?users?)$|^users?_?(?:teams?|workspaces?|orgs?|organizations?|projects?|accounts?|companies|company)$|^(?:teams?|workspaces?|orgs?|organizations?|projects?|accounts?)_?users?$/i;

/** Whether the table (by its SQL name or an ORM name) says it joins users to tenants. */
export function isMembershipTable(table: TenantTable): boolean {
  const names = [table.name, ...(table.entities ?? []).flatMap((e) => e.names)];
  return names.some((n) => MEMBERSHIP_TABLE.test(snake(n)));
}

/**
 * `ownerId`, `userId`, `authorId`, `createdById`, `creatorId`, `recipientId`, `inviter` (either spelling): the
 * column that names the user a row belongs to. The signed-in user's own rows are theirs, whichever
 * tenant they sit in: identity decides, as for memberships.
 */
export function isOwnerColumn(column: string): boolean {
  return OWNER_COLUMN.test(normalizeColumnName(column));
}

const USERS_TABLE = /^(?:app_?)?users?$/i;

/** A users table, whose row the signed-in user reads by their own id (and may not write that way). */
export function isUsersTable(table: TenantTable): boolean {
  return USERS_TABLE.test(table.name);
}

const OWNER_COLUMN = /^(?:(?:owner|author|creator|createdby|recipient|inviter)(?:user)?|user)(?:id|uid)?$/;

/** `granteeUserId`, `sharedWithId`, `assigneeId`: the user a row was shared with or handed to; theirs to read only. */
const SHARED_WITH_COLUMN = /^(?:grantee|assignee|sharedwith)(?:user)?(?:id|uid)?$/;

/**
 * Whether `column` of `table`, equal to the signed-in user's id, decides the rows: a membership
 * table's user column in a read (the user's own memberships; a write there could change their role
 * in every tenant), any other table's owner column (the user's own rows).
 */
export function identifiesOwnRows(
  table: TenantTable,
  column: string,
  read: boolean,
): "membership" | "own-rows" | undefined {
  if (isMembershipTable(table)) return read && isUserColumn(column) ? "membership" : undefined;
  // `users.id = session.user.id`: the signed-in user's own row (midday's users, whose team_id is
  // only the team they are looking at), to read: a write may set that tenant column to any team.
  // Not by email: where users are per tenant, one person's email names a row in each of their tenants.
  if (isUsersTable(table) && column === "id") return read ? "own-rows" : undefined;
  // `user_invites.email = session.user.email`: the invitations addressed to the user, theirs to
  // read (midday's invites); the session's email is as much theirs as its id. Not to write: an
  // update may move the invitation into any tenant, with any role.
  if (isInvitationTable(table) && isEmailColumn(column)) return read ? "own-rows" : undefined;
  // A row shared with the user is theirs to read; changing it changes its owner's data.
  const sharedWith = read && SHARED_WITH_COLUMN.test(normalizeColumnName(column));
  return isOwnerColumn(column) || sharedWith ? "own-rows" : undefined;
}

/** `user_invites`, `TeamInvitation`, `invites`, `org_invitations`: rows addressed to a user by email. */
function isInvitationTable(table: TenantTable): boolean {
  const names = [table.name, ...(table.entities ?? []).flatMap((e) => e.names)];
  return names.some((n) => /invit(?:e|ation)s?$/i.test(n));
}

/** `email`, `invitee_email`, `invitedEmail`, `recipientEmail`: the address a row is for. */
function isEmailColumn(column: string): boolean {
  return /^(?:invitee|invited|recipient)?email$/.test(normalizeColumnName(column));
}

/** `userId`, `user_id`, `userUid`: the column a membership row names its user by. */
export function isUserColumn(column: string): boolean {
  const name = normalizeColumnName(column);
  return name === "userid" || name === "useruid";
}

/**
 * The signed-in user's id (or email) as a server reads it from its session: `ctx.user.id`,
 * `session.user.id`, `session.user.email`, `opts.ctx.session.user.id`, `ctx.auth.userId`, `req.user.id`,
 * `this.request.user.id`, `currentUser.id`, `user.id`
 * of `const user = await getCurrentUser()`, and a const holding one of these. Not a value the
 * client sent (`input.userId`, `req.body.user.id`), and not a bare `userId` parameter, which may
 * be anyone's.
 */
export function isSessionUser(tsm: typeof ts, e: ts.Expression, key: UserKey = "id"): boolean {
  return sessionUserKey(tsm, e, 0) === key;
}

/** How the signed-in user is named: by id, or by the email they signed in with (`session.user.email`). */
export type UserKey = "id" | "email";

/** What a column equal to the signed-in user names them by: `email` columns by email, any other by id. */
export function userKeyOf(column: string): UserKey {
  return isEmailColumn(column) ? "email" : "id";
}

function sessionUserKey(tsm: typeof ts, e: ts.Expression, depth: number): UserKey | undefined {
  const s = strip(tsm, tsm.isNonNullExpression(e) ? e.expression : e);
  // `const userId = user.id` (of `const user = await getCurrentUser()`), then `userId`.
  if (tsm.isIdentifier(s) && depth < 2) {
    const decl = constDeclarationOf(tsm, s, s);
    // `const { userId } = ctx.state`, `const { id: userId } = ctx.user`: read as `ctx.state.userId`.
    const path = decl && tsm.isObjectBindingPattern(decl.name) ? bindingPath(tsm, decl.name, s.text) : undefined;
    if (path?.length) {
      const from = decl!.initializer && strip(tsm, decl!.initializer);
      if (from && isRequestInput(tsm, from)) return undefined; // `const { userId } = ctx.params`
      // `const { userId } = authSession` of `const authSession = context.getSession()`.
      const fromSession = from && tsm.isIdentifier(from) && path.length === 1 && isSessionCall(tsm, from);
      return sessionUserPath([...(fromSession ? ["session"] : destructuredFrom(tsm, s)), path[path.length - 1]!]);
    }
    if (decl) return decl.initializer && sessionUserKey(tsm, decl.initializer, depth + 1);
    // `async ({ ctx: { userId } }) => ...` (next-safe-action): read as `ctx.userId`, when the name
    // still holds what the parameter gave it.
    const from = destructuredFrom(tsm, s);
    return from.length && parameterHolds(tsm, s) ? sessionUserPath([...from, s.text]) : undefined;
  }
  // `this.cls.get("user.id")` (nestjs-cls, filled from the session by the auth guard).
  const fromCls = clsUserKey(tsm, s);
  if (fromCls) return fromCls;
  // `await requireUserId(request)` (Remix): the session's user id.
  const idCall = tsm.isAwaitExpression(s) ? strip(tsm, s.expression) : s;
  if (tsm.isCallExpression(idCall) && sessionCallArguments(tsm, idCall))
    return SESSION_USER_ID_CALL.test(calleeName(tsm, idCall) ?? "") ? "id" : undefined;
  if (!tsm.isPropertyAccessExpression(s) || isRequestInput(tsm, s)) return undefined;
  const names: string[] = [];
  for (let cur: ts.Expression = s; ;) {
    cur = strip(tsm, cur);
    if (tsm.isNonNullExpression(cur)) cur = cur.expression;
    else if (tsm.isPropertyAccessExpression(cur)) {
      names.unshift(cur.name.text);
      cur = cur.expression;
    } else if (tsm.isIdentifier(cur)) {
      // `const actor = ctx.user`, then `actor.id`: the object it names.
      // (Not a name destructured from it: `const { user } = ctx.state.auth` is read below, as `ctx.state.auth.user`.)
      const direct = tsm.isIdentifier(constDeclarationOf(tsm, cur, cur)?.name ?? cur);
      const init = depth < 2 && names.length && direct ? constInitializer(tsm, cur, cur) : undefined;
      let alias = init && strip(tsm, init);
      if (alias && tsm.isNonNullExpression(alias)) alias = strip(tsm, alias.expression);
      if (alias && tsm.isPropertyAccessExpression(alias) && !isRequestInput(tsm, alias)) {
        cur = alias;
        depth++;
        continue;
      }
      // `const authSession = context.getSession()` (Remix), then `authSession.userId`: the call says whose.
      if (depth < 2 && names.length && isSessionCall(tsm, cur)) {
        names.unshift("session");
        break;
      }
      names.unshift(...destructuredFrom(tsm, cur), cur.text);
      break;
    } else if (tsm.isCallExpression(cur)) {
      // `auth().userId`, `(await getSession()).user.id`.
      const callee = strip(tsm, cur.expression);
      names.unshift(tsm.isIdentifier(callee) ? callee.text : "");
      break;
    } else if (tsm.isAwaitExpression(cur)) cur = cur.expression;
    else if (cur.kind === tsm.SyntaxKind.ThisKeyword && names.length > 2)
      break; // `this.request.user.id`
    else return undefined;
  }
  const key = userKeyNamed(names[names.length - 1]);
  // `user.id` with `const user = await getCurrentUser()`: the binding names whose user it is.
  if (names.length === 2 && key && signedInBinding(tsm, s)) return key;
  // A handler parameter a decorator fills with the signed-in user (`@GqlUser() user`).
  if (names.length === 2 && key && signedInParameter(tsm, s)) return key;
  return sessionUserPath(names);
}

/**
 * `ctx.user.id`, `session.user.id`, `ctx.auth.userId`, `currentUser.id`: a path of names that
 * reads the session's user id. `user.id` alone may be any user's row: only the session's `user`,
 * or a name that says whose.
 */
function sessionUserPath(names: readonly string[]): UserKey | undefined {
  // `const { body: { userId } } = req`, `req.cookies.userId`: what the client sent, whatever holds it.
  if (throughRequestInput(names)) return undefined;
  const last = names[names.length - 1];
  const before = names[names.length - 2] ?? "";
  const sessionish = names.slice(0, -1).some((n) => SESSION.test(n));
  const key = userKeyNamed(last);
  if (key) return (before === "user" && sessionish) || SIGNED_IN.test(before) ? key : undefined;
  return last === "userId" && sessionish ? "id" : undefined;
}

/** What a property of a user object names them by: `id`, `uid`, `email`. */
function userKeyNamed(name: string | undefined): UserKey | undefined {
  return name === "id" || name === "uid" ? "id" : name === "email" ? "email" : undefined;
}

/**
 * Where a destructured name came from, as the names before it: `ctx` for `user` of
 * `const { user } = ctx` or of a parameter `{ ctx: { user } }`, so that `user.id` reads as
 * `ctx.user.id`. Empty for any other name.
 */
function destructuredFrom(tsm: typeof ts, id: ts.Identifier): string[] {
  const decl = constDeclarationOf(tsm, id, id);
  if (decl && tsm.isObjectBindingPattern(decl.name)) {
    const path = bindingPath(tsm, decl.name, id.text);
    let init = decl.initializer && strip(tsm, decl.initializer);
    if (init && tsm.isAwaitExpression(init)) init = strip(tsm, init.expression);
    const root = init && (tsm.isIdentifier(init) || tsm.isPropertyAccessExpression(init)) ? init.getText() : undefined;
    return path && root ? [...root.split("."), ...path.slice(0, -1)] : [];
  }
  for (let n: ts.Node | undefined = id.parent; n; n = n.parent) {
    if (!tsm.isFunctionLike(n)) continue;
    for (const p of n.parameters) {
      const path = tsm.isObjectBindingPattern(p.name) ? bindingPath(tsm, p.name, id.text) : undefined;
      if (path) return path.slice(0, -1);
      if (tsm.isIdentifier(p.name) && p.name.text === id.text) return [];
    }
  }
  return [];
}

/**
 * The parameter binding `id` names, unchanged where `id` is read: no default (`{ userId = x }`), no
 * write to it, no other declaration of the name in the function (`catch (userId)`, a loop's
 * `const userId`, `var userId`).
 */
function parameterHolds(tsm: typeof ts, id: ts.Identifier): boolean {
  for (let n: ts.Node | undefined = id.parent; n; n = n.parent) {
    if (!tsm.isFunctionLike(n)) continue;
    const param = n.parameters.find((p) => bindingPath(tsm, p.name, id.text));
    if (!param) continue;
    // A handler handed to the framework (`.action(async ({ ctx: { userId } }) => ...)`), not a
    // function of the project whose callers may pass any `ctx`.
    if (!tsm.isCallExpression(n.parent) || !n.parent.arguments.includes(n as ts.Expression)) return false;
    let element: ts.BindingElement | undefined;
    const findElement = (b: ts.Node): void => {
      if (tsm.isBindingElement(b) && tsm.isIdentifier(b.name) && b.name.text === id.text) element = b;
      else tsm.forEachChild(b, findElement);
    };
    findElement(param.name);
    if (!element || element.initializer) return false;
    const body = (n as ts.FunctionLikeDeclaration).body;
    let other = false;
    const visit = (x: ts.Node): void => {
      if (other) return;
      const named = (x as { name?: ts.Node }).name;
      const declares =
        (tsm.isVariableDeclaration(x) ||
          tsm.isBindingElement(x) ||
          tsm.isParameter(x) ||
          tsm.isFunctionDeclaration(x)) &&
        !!named &&
        tsm.isIdentifier(named) &&
        named.text === id.text;
      if (declares || writes(tsm, x)?.targets.some((t) => tsm.isIdentifier(t) && t.text === id.text)) other = true;
      else tsm.forEachChild(x, visit);
    };
    if (body) visit(body);
    return !other;
  }
  return false;
}

/** `user` of `user.id` is a const holding the session's user: `await getCurrentUser()`, `await auth()`, `getSessionUser()`. */
function signedInBinding(tsm: typeof ts, access: ts.PropertyAccessExpression): boolean {
  let base: ts.Expression = access.expression;
  while (tsm.isNonNullExpression(base) || tsm.isParenthesizedExpression(base)) base = base.expression;
  if (!tsm.isIdentifier(base)) return false;
  const call = heldCall(tsm, base, access);
  if (!call) return false;
  if (sessionCallArguments(tsm, call) && SESSION_USER_CALL.test(calleeName(tsm, call) ?? "")) return true;
  // `user?.email` of a user row that may be missing is `undefined`, which a where drops.
  return !access.questionDotToken && ownUserRow(tsm, call);
}

/** `this.cls.get("user.id")`, `clsService.get("user.email")`: the user nestjs-cls holds for the request. */
function clsUserKey(tsm: typeof ts, e: ts.Expression): UserKey | undefined {
  if (!tsm.isCallExpression(e) || e.arguments.length !== 1) return undefined;
  const callee = strip(tsm, e.expression);
  if (!tsm.isPropertyAccessExpression(callee) || callee.name.text !== "get") return undefined;
  const on = strip(tsm, callee.expression);
  const name = tsm.isIdentifier(on) ? on.text : tsm.isPropertyAccessExpression(on) ? on.name.text : "";
  const arg = strip(tsm, e.arguments[0]!);
  if (!/^cls(?:Service)?$/i.test(name) || !tsm.isStringLiteralLike(arg)) return undefined;
  // A file that puts a user in the store itself (`cls.set("user.id", dto.userId)`) may have put anyone there.
  if (/\bcls(?:Service)?\s*\.\s*set\s*\(\s*["'`]user\b/i.test(e.getSourceFile().text)) return undefined;
  const [, key] = /^user\.(\w+)$/.exec(arg.text) ?? [];
  return userKeyNamed(key);
}

/**
 * No argument (`getCurrentUser()`), or only the request it reads the session from, by a call that
 * throws when no one is signed in (`requireUser(request)`; Remix's `getUserId(request)` returns
 * `undefined` then, which a where drops).
 */
function sessionCallArguments(tsm: typeof ts, call: ts.CallExpression): boolean {
  if (call.arguments.length === 0) return true;
  if (!/^require/.test(calleeName(tsm, call) ?? "")) return false;
  const [arg] = call.arguments;
  const a = call.arguments.length === 1 && arg ? strip(tsm, arg) : undefined;
  return !!a && tsm.isIdentifier(a) && /^(?:request|req)$/.test(a.text);
}

const SESSION_USER_ID_CALL = /^require(?:current|session|signedIn|authenticated|loggedIn)?UserId$/i;

/**
 * `prisma.user.findUnique({ where: { id: userId } })` with `userId` the signed-in user's id: their own
 * user row, so its `email` is the address they signed in with.
 */
function ownUserRow(tsm: typeof ts, call: ts.CallExpression): boolean {
  const callee = strip(tsm, call.expression);
  // Only a unique read: `findFirst({ where: { id: undefined } })` is any user's row.
  if (!tsm.isPropertyAccessExpression(callee) || !UNIQUE_READS.has(callee.name.text)) return false;
  const model = strip(tsm, callee.expression);
  if (!tsm.isPropertyAccessExpression(model) || !/^users?$/.test(model.name.text) || call.arguments.length !== 1)
    return false;
  const args = strip(tsm, call.arguments[0]!);
  const where = tsm.isObjectLiteralExpression(args) ? propertyValue(tsm, args, "where") : undefined;
  const w = where && strip(tsm, where);
  if (!w || !tsm.isObjectLiteralExpression(w) || w.properties.length !== 1) return false;
  const id = propertyValue(tsm, w, "id");
  return !!id && isSessionUser(tsm, id, "id");
}

/** The call a const holds, awaited or not: `getCurrentUser()` of `const user = await getCurrentUser()`. */
function heldCall(tsm: typeof ts, id: ts.Identifier, at: ts.Node): ts.CallExpression | undefined {
  let init = constInitializer(tsm, id, at);
  init = init && strip(tsm, init);
  if (init && tsm.isAwaitExpression(init)) init = strip(tsm, init.expression);
  return init && tsm.isCallExpression(init) ? init : undefined;
}

const SESSION_USER_CALL =
  /^(?:get|require)?(?:current|session|signedIn|authenticated|loggedIn)?User(?:OrThrow)?$|^(?:get)?Me$/i;

/** `user` of `user.uid` is a parameter decorated `@GqlUser()`, `@CurrentUser()`, `@AuthUser()`, `@User()`. */
function signedInParameter(tsm: typeof ts, access: ts.PropertyAccessExpression): boolean {
  let base: ts.Expression = access.expression;
  while (tsm.isNonNullExpression(base) || tsm.isParenthesizedExpression(base)) base = base.expression;
  if (!tsm.isIdentifier(base)) return false;
  for (let n: ts.Node | undefined = access; n; n = n.parent) {
    if (!tsm.isFunctionLike(n)) continue;
    const param = n.parameters.find((p) => tsm.isIdentifier(p.name) && p.name.text === base.text);
    if (!param) continue;
    return (tsm.getDecorators(param) ?? []).some((d) => {
      const callee = tsm.isCallExpression(d.expression) ? d.expression.expression : d.expression;
      return tsm.isIdentifier(callee) && USER_DECORATOR.test(callee.text);
    });
  }
  return false;
}

const USER_DECORATOR = /^(?:Gql|Current|Auth|Req|Session|Signed(?:In)?)?User$/;

/** `id` is a const holding what a session call returns: `const authSession = context.getSession()`, `await auth()`. */
function isSessionCall(tsm: typeof ts, id: ts.Identifier): boolean {
  const call = heldCall(tsm, id, id);
  return !!call && SESSION_CALL.test(calleeName(tsm, call) ?? "");
}

/** `getSession()`, `getServerSession()`, `requireAuthSession()`, `auth()`: calls that return the server's session. */
const SESSION_CALL = /^(?:get|require)?(?:Server|Auth|User)?Session$|^(?:get)?Auth$/i;

const SIGNED_IN = /^(?:currentUser|sessionUser|authUser|me|viewer)$/;
/** Where a server keeps the signed-in user; `req.user` and `this.request.user` are what Passport and NestJS's REQUEST set after sign-in. */
const SESSION = /^(?:ctx|context|session|auth|getSession|getServerSession|currentUser|locals|req|request)$/i;

function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

/**
 * What one column compared equal with `value` proves about the rows without the tenant column,
 * for ORMs whose where names columns one by one (Kysely, Knex, TypeORM, Sequelize): in a read, a
 * secret or share key with a value the code did not write (`credential`) or a public flag required
 * true (`public`); the owner column, or in a read a membership's user column, with the signed-in
 * user (`own`). Undefined: it proves nothing.
 */
export function identityDecides(
  tsm: typeof ts,
  table: TenantTable,
  column: string,
  value: ts.Expression,
  reads: boolean,
): "credential" | "public" | "own" | undefined {
  const v = strip(tsm, value);
  // `{ [Op.ne]: null }`, `[a, b]`, `Not(x)`, `Like("%")`: a filter, which many rows may match.
  const filter =
    tsm.isObjectLiteralExpression(v) ||
    tsm.isArrayLiteralExpression(v) ||
    (tsm.isCallExpression(v) && tsm.isIdentifier(v.expression) && /^[A-Z]/.test(v.expression.text));
  if (filter || mayBeMissing(tsm, v)) return undefined;
  if (reads && (isCredentialField(column) || isShareKey(table, column)) && !isLiteral(tsm, v)) return "credential";
  if (reads && isPublicFlag(column) && v.kind === tsm.SyntaxKind.TrueKeyword) return "public";
  return identifiesOwnRows(table, column, reads) && isSessionUser(tsm, v, userKeyOf(column)) ? "own" : undefined;
}

/**
 * A value a where may get as `undefined`, which TypeORM and Sequelize drop from it (matching every
 * row): `req.headers["x-api-key"]`, `req.user?.id`, an optional parameter.
 */
function mayBeMissing(tsm: typeof ts, v: ts.Expression): boolean {
  if (tsm.isElementAccessExpression(v) || hasOptionalChain(tsm, v)) return true;
  const p = tsm.isIdentifier(v) ? parameterOf(tsm, v) : undefined;
  return !!p && isOptionalParameter(tsm, p);
}

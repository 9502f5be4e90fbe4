// Whether an object-shaped Prisma `where` (or create `data`) pins the tenant: DESIGN.md
// "When is a query scoped" on Prisma's shapes. Written for Prisma's keywords (AND/OR/NOT,
// is/some, equals/in), but it only needs a `ScopeEntity` view of a model, so other
// object-`where` ORMs can reuse the walk with their own view.
import type ts from "typescript";
import { bindingPath, constDeclarationOf } from "../flow/bindings";
import { argumentAt } from "../flow/callers";
import { endsPath, fromRequest } from "../flow/conditions";
import { normalize } from "../flow/flow-values";
import { isSessionUser, isUserColumn } from "../membership";
import { enclosingFunction, returnedObjects } from "../statements";
import { replacedBy, type HelperReturns } from "./object-where";
import { destructuredParameter, parameterMember, parameterType, type DeclaredField } from "./declared-fields";
import {
  constDeclaration,
  followConst,
  isMutated,
  grownObject,
  hasOptionalChain,
  mayBeUndefinedType,
  parameterOf,
  strip,
  type SyntaxContext,
} from "./prisma-syntax";

/** How a `where` (or one term of it) relates to the tenant. */
export type Scope =
  | { kind: "scoped" }
  /** `tenantId: null`: only shared rows no tenant owns. Scopes on its own and as an OR branch. */
  | { kind: "shared" }
  | { kind: "none" }
  | { kind: "weak"; reason: string; node: ts.Node }
  | { kind: "dynamic"; reason: string; node: ts.Node };

/** What the walk needs to know about a model. */
export interface ScopeEntity {
  name: string;
  tenantField: string;
  /** Every tenant field of a hierarchy the model has (`orgId`, `projectId`); a filter on any scopes it. */
  tenantFields?: readonly string[];
  /** Compound unique keys (`id_tenantId`) whose fields include the tenant field. */
  compoundKeys: ReadonlyMap<string, readonly string[]>;
  relation(field: string): ScopeRelation | undefined;
  /** Fields naming the user a row belongs to (`ownerId`, `createdBy`; membership.ts): the session's user there scopes. */
  ownerFields?: ReadonlySet<string>;
}

export interface ScopeRelation {
  /** The related model when it is tenant-owned. */
  target?: ScopeEntity;
  /** The relation's own foreign key includes the tenant field (`tenant`, or a compound FK to the parent). */
  carriesTenant: boolean;
  /** For the tenant's own model: its back-relations to a membership table (`members`), by name. */
  memberships?: ReadonlySet<string>;
  /** For the tenant's own model: its fields that name one tenant (`id`, `slug @unique`). */
  tenantKeys?: ReadonlySet<string>;
  /** For the tenant's own model: its back-relations to the tenant-owned models it holds (`projects`), by name. */
  holds?(field: string): ScopeEntity | undefined;
}

export type ScopeContext = SyntaxContext;

/** The scope of a `where` expression for `entity`. */
export function whereScope(ctx: ScopeContext, expr: ts.Expression, entity: ScopeEntity, depth = 0): Scope {
  const tsm = ctx.ts;
  const e = followConst(ctx, strip(tsm, expr));
  if (depth > 8) return { kind: "dynamic", reason: "is nested too deeply to follow", node: expr };
  if (tsm.isObjectLiteralExpression(e)) return objectScope(ctx, e, entity, depth);
  if (tsm.isConditionalExpression(e)) {
    return anyOf(
      [whereScope(ctx, e.whenTrue, entity, depth + 1), whereScope(ctx, e.whenFalse, entity, depth + 1)],
      e,
      "is set in only one branch of the conditional",
    );
  }
  if (typeRequires(ctx, e, entity.tenantField)) return { kind: "scoped" };
  // `const where = { organizationId }; if (search) where.name = ...`: keys added later only narrow it.
  const grown = tsm.isIdentifier(e) ? grownObject(ctx, e, (key) => guardedKey(entity, key)) : undefined;
  if (grown) return objectScope(ctx, grown, entity, depth);
  const built = tsm.isCallExpression(e) ? builtWhere(ctx, e, entity, depth) : undefined;
  if (built) return built;
  const field = fieldOfBuilt(ctx, e);
  const fromField = field && builtWhere(ctx, field.call, entity, depth, field.path);
  if (fromField) return fromField;
  return { kind: "dynamic", reason: `is built at run time (\`${short(e.getText(ctx.sourceFile))}\`)`, node: e };
}

/**
 * A field of what a helper returns: `const { envelopeWhereInput } = await getEnvelopeWhereInput(...)`
 * (documenso), `const built = await buildWhere(...); ... built.where`: the call and the field path.
 */
function fieldOfBuilt(ctx: ScopeContext, e: ts.Expression): { call: ts.CallExpression; path: string[] } | undefined {
  const tsm = ctx.ts;
  const path: string[] = [];
  let x = e;
  while (tsm.isPropertyAccessExpression(x)) {
    path.unshift(x.name.text);
    x = strip(tsm, x.expression);
  }
  if (!tsm.isIdentifier(x)) return undefined;
  const declaration = constDeclarationOf(tsm, x, x);
  // `built.where = { id }`, `delete where.tenantId` after the call: not what the helper returned.
  if (!declaration || isMutated(tsm, x.text, declaration)) return undefined;
  const within = bindingPath(tsm, declaration.name, x.text);
  let init = declaration?.initializer && strip(tsm, declaration.initializer);
  while (init && tsm.isAwaitExpression(init)) init = strip(tsm, init.expression);
  const fields = within && [...within, ...path];
  return init && tsm.isCallExpression(init) && fields?.length ? { call: init, path: fields } : undefined;
}

/** A key whose value can say which tenant's rows a where matches: the tenant's fields, an owner's, a compound key's, a relation. */
function guardedKey(entity: ScopeEntity, key: string): boolean {
  return (
    key === entity.tenantField ||
    !!entity.tenantFields?.includes(key) ||
    !!entity.ownerFields?.has(key) ||
    entity.compoundKeys.has(key) ||
    !!entity.relation(key)
  );
}

/**
 * A where a helper builds (`team: buildTeamWhereQuery({ teamId, userId })`): scoped when every
 * object the helper returns is. Read in the helper's own file; anything short of scoped is not
 * trusted (its reasons would point into another file), so the where then counts as unscoped.
 */
function builtWhere(
  ctx: ScopeContext,
  call: ts.CallExpression,
  entity: ScopeEntity,
  depth: number,
  /** The field of each returned object that is the where (`{ envelopeWhereInput: {...} }`). */
  path: readonly string[] = [],
): Scope | undefined {
  return helperScope(ctx, call, depth, (helperCtx, o) => {
    let where: ts.Expression | undefined = o;
    for (const field of path) {
      const object: ts.Expression | undefined = where && followConst(helperCtx, strip(ctx.ts, where));
      where = object && ctx.ts.isObjectLiteralExpression(object) ? memberValue(ctx.ts, object, field) : undefined;
    }
    return where ? whereScope(helperCtx, where, entity, depth + 1) : { kind: "none" };
  });
}

/** The objects every return of a called helper hands back (`this.buildConditionClause(c)`), when it can be read. */
function helperReturns(ctx: ScopeContext): HelperReturns {
  return (call) => helperObjects(ctx, call)?.returned;
}

/** The helper a call runs and the objects every return of it hands back, when they can be read. */
function helperObjects(
  ctx: ScopeContext,
  call: ts.CallExpression,
): { fn: ts.FunctionLikeDeclaration; returned: ts.ObjectLiteralExpression[] } | undefined {
  const fn = ctx.resolveFunction?.(call);
  if (!fn?.body || overridable(ctx.ts, call, fn)) return undefined;
  const returned = returnedObjects(ctx.ts, fn);
  return returned?.length ? { fn, returned } : undefined;
}

/** `this.build(c)` of a method a subclass in the file may override: what it returns is not this one's. */
function overridable(tsm: typeof ts, call: ts.CallExpression, fn: ts.FunctionLikeDeclaration): boolean {
  const callee = strip(tsm, call.expression);
  if (!tsm.isPropertyAccessExpression(callee) || callee.expression.kind !== tsm.SyntaxKind.ThisKeyword) return false;
  if (!tsm.isMethodDeclaration(fn) || tsm.isPrivateIdentifier(fn.name)) return false;
  if (fn.modifiers?.some((m) => m.kind === tsm.SyntaxKind.PrivateKeyword)) return false;
  const cls = fn.parent;
  const name = tsm.isClassLike(cls) ? cls.name?.text : undefined;
  if (!name) return true;
  return fn
    .getSourceFile()
    .statements.some(
      (st) =>
        tsm.isClassDeclaration(st) &&
        st.heritageClauses?.some((h) => h.types.some((t) => t.expression.getText() === name)),
    );
}

/** What `scopeOf` says of every object the called helper returns, read in the helper's file; undefined when it cannot be seen. */
function helperScope(
  ctx: ScopeContext,
  call: ts.CallExpression,
  depth: number,
  scopeOf: (helperCtx: ScopeContext, returned: ts.ObjectLiteralExpression) => Scope,
): Scope | undefined {
  const found = depth < 8 ? helperObjects(ctx, call) : undefined;
  if (!found) return undefined;
  const { fn, returned } = found;
  const helperCtx: ScopeContext = {
    ...ctx,
    sourceFile: fn.getSourceFile(),
    declarations: undefined,
    helperCall: { call, fn, caller: ctx },
  };
  const scopes = returned.map((o) => scopeOf(helperCtx, o));
  if (scopes.every((s) => s.kind === "scoped" || s.kind === "shared"))
    return scopes.some((s) => s.kind === "scoped") ? { kind: "scoped" } : { kind: "shared" };
  // Every return scoped or unreadable: not a missing filter, a where this file cannot read.
  const unreadable = (s: Scope) => s.kind === "dynamic" && !ctx.ts.isLiteralExpression(s.node);
  if (scopes.every((s) => s.kind === "scoped" || s.kind === "shared" || unreadable(s)))
    return {
      kind: "dynamic",
      reason: `is built by \`${short(call.getText(ctx.sourceFile))}\`, which tenantguard cannot read whole`,
      node: call,
    };
  return { kind: "none" };
}

/** The scope one value gives the tenant field: `tenantId: v`, `{ equals: v }`, `{ in: [...] }`. */
export function tenantValueScope(ctx: ScopeContext, value: ts.Expression, field: string): Scope {
  const tsm = ctx.ts;
  const v = strip(tsm, value);
  if (v.kind === tsm.SyntaxKind.NullKeyword) return { kind: "shared" };
  if (tsm.isObjectLiteralExpression(v)) {
    const key = (name: string) => v.properties.find((p) => propertyName(tsm, p) === name);
    const equals = key("equals") ?? key("in");
    if (equals && (tsm.isPropertyAssignment(equals) || tsm.isShorthandPropertyAssignment(equals))) {
      return tsm.isPropertyAssignment(equals)
        ? tenantValueScope(ctx, equals.initializer, field)
        : tenantValueScope(ctx, equals.name, field);
    }
    if (key("not") || key("notIn"))
      return { kind: "weak", reason: `negates ${field} (\`${short(v.getText(ctx.sourceFile))}\`)`, node: v };
    return { kind: "weak", reason: `does not compare ${field} for equality`, node: v };
  }
  const undefinedBy = mayBeUndefined(ctx, value);
  if (undefinedBy)
    return {
      kind: "weak",
      reason: `can be undefined (${undefinedBy}), and Prisma drops \`${field}: undefined\` from the filter`,
      node: v,
    };
  return { kind: "scoped" };
}

/** Why `value` can be undefined at run time, or undefined when it cannot. */
export function mayBeUndefined(ctx: ScopeContext, value: ts.Expression, depth = 0): string | undefined {
  const tsm = ctx.ts;
  const v = strip(tsm, value);
  if (tsm.isNonNullExpression(v)) return undefined;
  if (tsm.isIdentifier(v) && v.text === "undefined") return "it is `undefined`";
  if (hasOptionalChain(tsm, v)) {
    // The checker's type decides (`workspace?.id` with `workspace: Workspace` is a string), unless it is `any`.
    const typed =
      ctx.checker && !(ctx.checker.getTypeAtLocation(value).flags & (tsm.TypeFlags.Any | tsm.TypeFlags.Unknown));
    if (!typed && !optionalBaseThere(ctx, v)) return `\`${short(v.getText(ctx.sourceFile))}\` is an optional chain`;
  }
  if (tsm.isConditionalExpression(v))
    return mayBeUndefined(ctx, v.whenTrue, depth + 1) ?? mayBeUndefined(ctx, v.whenFalse, depth + 1);
  if (ctx.checker) {
    // The written value's type: `x as string` is the author's claim and is taken as said.
    const type = ctx.checker.getTypeAtLocation(value);
    const parts = type.isUnion() ? type.types : [type];
    if (parts.some((t) => t.flags & tsm.TypeFlags.Undefined || t.flags & tsm.TypeFlags.Void))
      return `its type is \`${ctx.checker.typeToString(type)}\``;
  }
  // A const declared nearer than any parameter of that name (shadowing it) is what it holds.
  if (tsm.isIdentifier(v) && depth < 3 && !constDeclaration(ctx, v)) {
    const declared = declaredUndefined(ctx, v, value, depth);
    // A helper's parameter holds what its call passed: judged there (`buildTeamWhereQuery({ teamId })`),
    // by its declared type when what is passed cannot be read (`build(req.body.teamId)`).
    const helper = ctx.helperCall;
    const passed = helper && passedArgument(tsm, helper, v);
    if (passed === "missing")
      return `\`${v.text}\` is not passed to \`${short(helper!.call.getText(helper!.caller.sourceFile))}\``;
    if (passed)
      return (
        mayBeUndefined(helper!.caller, passed) ??
        (declared && !knownDefined(helper!.caller, passed)
          ? `${declared}, and the call passes \`${short(passed.getText(helper!.caller.sourceFile))}\``
          : undefined)
      );
    return declared;
  }
  if (tsm.isIdentifier(v) && depth < 3) {
    const followed = followConst(ctx, v);
    if (followed !== v) return mayBeUndefined(ctx, followed, depth + 1);
  }
  // `input.teamId` with `input: { teamId?: number }` (or a named type declaring it so).
  if (tsm.isPropertyAccessExpression(v) && depth < 3 && !ctx.checker) {
    const declared = parameterMember(ctx, v);
    const call = declared && ctx.helperCall;
    const at = call ? call.fn.parameters.indexOf(declared.param) : -1;
    const passed = call && at >= 0 ? argumentAt(tsm, call.call, at, declared.path) : undefined;
    if (passed) return passed.path === "" ? mayBeUndefined(call!.caller, passed.expr, depth + 1) : undefined;
    if (declared?.field.optional && !narrowedPresent(tsm, v))
      return `\`${short(v.getText(ctx.sourceFile))}\` is ${optionalIn(ctx, declared.param, declared.field)}`;
  }
  return undefined;
}

/**
 * `workspace?.id` whose one `?.` follows a name that holds a value: a parameter (or destructured
 * field) declared neither optional nor nullable (`{ workspace }: { workspace: Workspace }`), or
 * tested where it is used (`if (!workspace) throw`). The `?.` then changes nothing.
 */
function optionalBaseThere(ctx: ScopeContext, v: ts.Expression): boolean {
  const tsm = ctx.ts;
  if (!tsm.isPropertyAccessExpression(v) || !v.questionDotToken) return false;
  const base = strip(tsm, v.expression);
  if (!tsm.isIdentifier(base) || constDeclaration(ctx, base)) return false;
  if (narrowedPresent(tsm, base)) return true;
  const param = parameterOf(tsm, base);
  const type = param && parameterType(ctx, param);
  if (param) return !!type && !param.questionToken && !param.initializer && alwaysThere(ctx, type, 0);
  const bound = destructuredParameter(ctx, base);
  const field = bound && !bound.element.initializer ? bound.field : undefined;
  return !!field?.member.type && !field.optional && alwaysThere(ctx, field.member.type, 0);
}

/** Generic types whose values are never null themselves. */
const CONTAINERS = new Set(["Array", "ReadonlyArray", "Record", "Map", "Set", "ReadonlyMap", "ReadonlySet"]);
/** Mapped types that keep their argument's nullability. */
const SAME_VALUE = new Set(["Partial", "Required", "Readonly", "Pick", "Omit"]);

/**
 * Whether a declared type holds a value for sure: a primitive, an object type, an interface or
 * class, an alias to one; not `T | null`, `Maybe<T>`, `any`, an alias or import it cannot read
 * (`Awaited<ReturnType<typeof getServerSession>>`), which may be null.
 */
function alwaysThere(ctx: ScopeContext, t: ts.TypeNode, depth: number): boolean {
  const tsm = ctx.ts;
  if (depth > 5) return false;
  const k = tsm.SyntaxKind;
  if ([k.StringKeyword, k.NumberKeyword, k.BooleanKeyword, k.BigIntKeyword, k.ObjectKeyword].includes(t.kind))
    return true;
  if (tsm.isTypeLiteralNode(t) || tsm.isArrayTypeNode(t) || tsm.isTupleTypeNode(t) || tsm.isFunctionTypeNode(t))
    return true;
  if (tsm.isParenthesizedTypeNode(t)) return alwaysThere(ctx, t.type, depth + 1);
  if (tsm.isUnionTypeNode(t)) return t.types.every((u) => alwaysThere(ctx, u, depth + 1));
  if (tsm.isIntersectionTypeNode(t)) return t.types.some((u) => alwaysThere(ctx, u, depth + 1));
  if (!tsm.isTypeReferenceNode(t) || !tsm.isIdentifier(t.typeName)) return false;
  const name = t.typeName.text;
  if (CONTAINERS.has(name)) return true;
  const [inner] = t.typeArguments ?? [];
  if (SAME_VALUE.has(name)) return !!inner && alwaysThere(ctx, inner, depth + 1);
  if (t.typeArguments?.length) return false;
  const declaration = ctx.typeNamed?.(t.getSourceFile(), name);
  if (!declaration) return false;
  if (!tsm.isTypeAliasDeclaration(declaration)) return true;
  return !declaration.typeParameters?.length && alwaysThere(ctx, declaration.type, depth + 1);
}

/** Why the parameter (or destructured parameter field) `v` names may be undefined, by how it is declared. */
function declaredUndefined(
  ctx: ScopeContext,
  v: ts.Identifier,
  value: ts.Expression,
  depth: number,
): string | undefined {
  const tsm = ctx.ts;
  const param = parameterOf(tsm, v);
  // `if (userId) { ... }`, `if (!userId) throw ...`: where it is used, it is there.
  if (param && narrowedPresent(tsm, v)) return undefined;
  if (param?.questionToken) return `\`${v.text}\` is an optional parameter`;
  // `projectId: string | undefined`, `x: T | null | undefined`: optional all the same.
  // A cast (`tenantId as string`) is the author's claim, taken as said.
  if (depth === 0 && !isCast(tsm, value) && param?.type && mayBeUndefinedType(tsm, param.type))
    return `\`${v.text}\` may be undefined (\`${short(param.type.getText(ctx.sourceFile))}\`)`;
  // `({ teamId }: { teamId?: number })`, `({ teamId }: PinOpts)` with `teamId?: number` in PinOpts.
  const bound = !param && !ctx.checker ? destructuredParameter(ctx, v) : undefined;
  const field = bound && !bound.element.initializer && !narrowedPresent(tsm, v) ? bound.field : undefined;
  if (field?.optional) return `\`${v.text}\` is ${optionalIn(ctx, bound!.param, field)}`;
  // `const { projectId } = options` with `options: { projectId?: string }` (n8n's sharing service).
  const read = !param && !bound && !ctx.checker ? destructuredConst(tsm, v) : undefined;
  const member = read && !narrowedPresent(tsm, v) ? parameterMember(ctx, read) : undefined;
  return member?.field.optional ? `\`${v.text}\` is ${optionalIn(ctx, member.param, member.field)}` : undefined;
}

/**
 * `options.projectId` for `projectId` of `const { projectId } = options` (no default) in a block
 * around the use: the field read, as a property access on the written object.
 */
function destructuredConst(tsm: typeof ts, v: ts.Identifier): ts.PropertyAccessExpression | undefined {
  for (let n: ts.Node | undefined = v.parent; n; n = n.parent) {
    if (tsm.isFunctionLike(n)) return undefined;
    if (!tsm.isBlock(n)) continue;
    for (const st of n.statements) {
      if ((tsm.isFunctionDeclaration(st) || tsm.isClassDeclaration(st)) && st.name?.text === v.text) return undefined;
      if (!tsm.isVariableStatement(st) || st.pos > v.pos) continue;
      for (const d of st.declarationList.declarations) {
        // The nearest declaration of the name decides; only a const destructuring of a name is read.
        if (tsm.isIdentifier(d.name) && d.name.text === v.text) return undefined;
        if (!tsm.isObjectBindingPattern(d.name) || !d.initializer) continue;
        const el = d.name.elements.find((e) => tsm.isIdentifier(e.name) && e.name.text === v.text);
        if (!el) continue;
        if (!(st.declarationList.flags & tsm.NodeFlags.Const)) return undefined;
        const prop = el.propertyName ?? el.name;
        const base = strip(tsm, d.initializer);
        if (el.initializer || el.dotDotDotToken || !tsm.isIdentifier(prop)) return undefined;
        if (!tsm.isIdentifier(base)) return undefined;
        // `if (!options.tenantId) throw`, `options = { ...options, tenantId: ... }`: tested or rewritten
        // where this reading cannot follow: say nothing rather than guess.
        const fn = enclosingFunction(tsm, st)?.body;
        const text = fn?.getText() ?? "";
        const field = new RegExp(`(?<![\\w$.])${base.text}\\s*(?:\\?\\.|\\.)\\s*${prop.text}\\b`);
        const written = new RegExp(`(?<![\\w$.])${base.text}\\s*=(?!=)`);
        if (field.test(text) || written.test(text)) return undefined;
        return tsm.factory.createPropertyAccessExpression(base, prop.text);
      }
    }
  }
  return undefined;
}

/**
 * Whether a value a call passes is known to be there: a literal, a name (judged as written), a
 * field its declared type requires (`ctx.teamId` with `ctx: { teamId: number }`), asserted (`x!`).
 */
function knownDefined(ctx: ScopeContext, passed: ts.Expression): boolean {
  const tsm = ctx.ts;
  const e = strip(tsm, passed);
  if (tsm.isIdentifier(e) || tsm.isNonNullExpression(e) || tsm.isLiteralExpression(e)) return true;
  if (tsm.isTemplateExpression(e) || tsm.isObjectLiteralExpression(e) || tsm.isArrayLiteralExpression(e)) return true;
  if (!tsm.isPropertyAccessExpression(e)) return false;
  // `session.user.tenantId` through a type it cannot read is taken as written; request input is not.
  const declared = parameterMember(ctx, e);
  if (!declared) return !fromRequest(tsm, e);
  return !declared.field.optional && !!declared.field.member.type;
}

/** "optional in its parameter's type (`teamId?: number`)", naming `Partial<...>` when that is why. */
function optionalIn(ctx: ScopeContext, param: ts.ParameterDeclaration, field: DeclaredField): string {
  const written = field.member.getText(field.member.getSourceFile()).replace(/[;,]$/, "");
  const partial =
    !field.member.questionToken && param.type && /^(?:Deep)?Partial</.test(param.type.getText(ctx.sourceFile));
  return `optional in its parameter's type (\`${short(partial ? param.type!.getText(ctx.sourceFile) : written)}\`)`;
}

/**
 * What a call passed for a parameter of the helper it ran: the argument, or a property of an object
 * literal argument the parameter destructures (`{ teamId }` of `({ teamId, userId }: Options)`);
 * "missing" when nothing is passed; undefined when `id` is no parameter of the helper or the
 * argument cannot be read (the declared type decides then).
 */
function passedArgument(
  tsm: typeof ts,
  helper: NonNullable<ScopeContext["helperCall"]>,
  id: ts.Identifier,
): ts.Expression | "missing" | undefined {
  const { fn, call } = helper;
  const param = parameterOf(tsm, id);
  const index = param ? fn.parameters.indexOf(param) : -1;
  if (param && index >= 0) {
    if (param.dotDotDotToken || param.initializer) return undefined;
    // `build(...args)`: which argument lands here is not written.
    if (call.arguments.slice(0, index + 1).some((a) => tsm.isSpreadElement(a))) return undefined;
    return call.arguments[index] ?? (param.questionToken ? "missing" : undefined);
  }
  const bound = destructuredParameter(helper.caller, id);
  const at = bound ? fn.parameters.indexOf(bound.param) : -1;
  if (!bound || at < 0 || bound.element.initializer) return undefined;
  const passed = argumentAt(tsm, call, at, `.${(bound.element.propertyName ?? bound.element.name).getText()}`);
  if (passed) return passed.path === "" ? passed.expr : undefined;
  // Not in an object literal without spreads: the call leaves it out.
  const arg = call.arguments[at] && strip(tsm, call.arguments[at]!);
  return arg && tsm.isObjectLiteralExpression(arg) && !arg.properties.some((p) => tsm.isSpreadAssignment(p))
    ? "missing"
    : undefined;
}

/**
 * Whether `id` is known to hold a value where it stands: inside `if (id) { ... }` (or `id && ...`,
 * `id ? ... :`, the `else` of `if (!id)`), or after `if (!id) throw ...` (`return`) in a block
 * around it, the test also `id == null`, `id === undefined` or one branch of an `||`.
 */
function narrowedPresent(tsm: typeof ts, id: ts.Identifier | ts.PropertyAccessExpression): boolean {
  // `input.teamId` is tested as written (`if (!input.teamId) throw`); a callback's own `input` is another.
  const written = normalize(id.getText());
  let root: ts.Expression = id;
  while (tsm.isPropertyAccessExpression(root)) root = strip(tsm, root.expression);
  const name = tsm.isIdentifier(root) ? root.text : written;
  // `x == null` (loose) and `x === undefined` rule out undefined; `x === null` does not.
  const isNothing = (e: ts.Expression, loose: boolean) => {
    const x = strip(tsm, e);
    return (loose && x.kind === tsm.SyntaxKind.NullKeyword) || (tsm.isIdentifier(x) && x.text === "undefined");
  };
  const isName = (e: ts.Expression) => {
    const x = strip(tsm, e);
    return (tsm.isIdentifier(x) || tsm.isPropertyAccessExpression(x)) && normalize(x.getText()) === written;
  };
  /** `present`: the condition holding means `name` holds a value; else: it means `name` is missing. */
  const says = (cond: ts.Expression, present: boolean, depth = 0): boolean => {
    const c = strip(tsm, cond);
    if (depth > 6) return false;
    if (tsm.isPrefixUnaryExpression(c) && c.operator === tsm.SyntaxKind.ExclamationToken)
      return says(c.operand, !present, depth + 1);
    if (present && isName(c)) return true;
    if (!tsm.isBinaryExpression(c)) return false;
    const op = c.operatorToken.kind;
    if (op === (present ? tsm.SyntaxKind.AmpersandAmpersandToken : tsm.SyntaxKind.BarBarToken))
      return says(c.left, present, depth + 1) || says(c.right, present, depth + 1);
    const against = isName(c.left) ? c.right : isName(c.right) ? c.left : undefined;
    const loose = op === tsm.SyntaxKind.ExclamationEqualsToken || op === tsm.SyntaxKind.EqualsEqualsToken;
    if (!against || !isNothing(against, loose)) return false;
    const unequal = op === tsm.SyntaxKind.ExclamationEqualsToken || op === tsm.SyntaxKind.ExclamationEqualsEqualsToken;
    const equal = op === tsm.SyntaxKind.EqualsEqualsToken || op === tsm.SyntaxKind.EqualsEqualsEqualsToken;
    return present ? unequal : equal;
  };
  for (let n: ts.Node = id; n.parent; n = n.parent) {
    const p = n.parent;
    if (tsm.isIfStatement(p) && p.thenStatement === n && says(p.expression, true)) return true;
    if (tsm.isIfStatement(p) && p.elseStatement === n && says(p.expression, false)) return true;
    if (tsm.isConditionalExpression(p) && p.whenTrue === n && says(p.condition, true)) return true;
    if (tsm.isBinaryExpression(p) && p.operatorToken.kind === tsm.SyntaxKind.AmpersandAmpersandToken && p.right === n)
      if (says(p.left, true)) return true;
    if (tsm.isBlock(p))
      for (const st of p.statements) {
        if (st.pos >= n.pos) break;
        if (tsm.isIfStatement(st) && endsPath(tsm, st.thenStatement) && says(st.expression, false)) return true;
      }
    // A callback made inside the test (`cache.get(key, () => db.x.find({ where: { userId } }))`)
    // sees the same binding, unless it declares its own of that name.
    if (tsm.isFunctionLike(p)) {
      const callback = tsm.isArrowFunction(p) || tsm.isFunctionExpression(p);
      if (!callback || p.parameters.some((q) => tsm.isIdentifier(q.name) && q.name.text === name)) return false;
    }
  }
  return false;
}

/** The scope of `where` terms combined with AND: one scoped term is enough. */
export function allOf(terms: Scope[]): Scope {
  return (
    terms.find((t) => t.kind === "scoped") ??
    terms.find((t) => t.kind === "weak") ??
    terms.find((t) => t.kind === "dynamic") ??
    terms.find((t) => t.kind === "shared") ?? { kind: "none" }
  );
}

/** Branches of which any one may hold (OR, a conditional): every branch must scope. */
export function anyOf(branches: Scope[], node: ts.Node, weakReason: string): Scope {
  if (branches.length === 1) return branches[0];
  if (branches.length && branches.every((b) => b.kind === "scoped" || b.kind === "shared")) {
    return branches.some((b) => b.kind === "scoped") ? { kind: "scoped" } : { kind: "shared" };
  }
  const dynamic = branches.find((b) => b.kind === "dynamic");
  if (dynamic) return dynamic;
  // Every branch pins the tenant, one weakly (`OR: [{ userId }, { teamId }]`, `teamId` nullable): that branch's reason.
  const weak = branches.find((b) => b.kind === "weak");
  if (weak && branches.every((b) => b.kind !== "none")) return weak;
  if (branches.some((b) => b.kind !== "none")) return { kind: "weak", reason: weakReason, node };
  return { kind: "none" };
}

export function propertyName(tsm: typeof ts, p: ts.ObjectLiteralElementLike): string | undefined {
  if (!p.name) return undefined;
  if (tsm.isIdentifier(p.name) || tsm.isStringLiteral(p.name) || tsm.isNoSubstitutionTemplateLiteral(p.name))
    return p.name.text;
  return undefined;
}

/** The value of a property assignment or shorthand (`{ tenantId }`). */
export function propertyValue(tsm: typeof ts, p: ts.ObjectLiteralElementLike): ts.Expression | undefined {
  if (tsm.isPropertyAssignment(p)) return p.initializer;
  if (tsm.isShorthandPropertyAssignment(p)) return p.name;
  return undefined;
}

/** The value of the property named `name` in an object literal (`where` in `{ where: ... }`). */
export function memberValue(tsm: typeof ts, obj: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined {
  const p = obj.properties.find((q) => propertyName(tsm, q) === name);
  return p && propertyValue(tsm, p);
}

/** One line, at most 60 characters, for messages. */
export function short(text: string): string {
  const one = text.replace(/\s+/g, " ");
  return one.length > 60 ? `${one.slice(0, 57)}...` : one;
}

/** With a checker: `expr`'s type has the tenant field as a required, never-undefined property. */
export function typeRequires(ctx: ScopeContext, expr: ts.Expression, field: string): boolean {
  const { checker, ts: tsm } = ctx;
  if (!checker) return false;
  const type = checker.getTypeAtLocation(expr);
  const prop = type.getProperty(field);
  if (!prop || prop.flags & tsm.SymbolFlags.Optional) return false;
  const propType = checker.getTypeOfSymbolAtLocation(prop, expr);
  const parts = propType.isUnion() ? propType.types : [propType];
  return !parts.some(
    (t) => t.flags & (tsm.TypeFlags.Undefined | tsm.TypeFlags.Any | tsm.TypeFlags.Unknown | tsm.TypeFlags.Object),
  );
}

/** The two objects a conditional spread adds: both branches of `c ? {...} : {...}`, or `{...}` and nothing for `c && {...}`. */
function spreadBranches(ctx: ScopeContext, e: ts.Expression): ts.ObjectLiteralExpression[] | undefined {
  const tsm = ctx.ts;
  const object = (x: ts.Expression) => {
    const v = followConst(ctx, strip(tsm, x));
    return tsm.isObjectLiteralExpression(v) ? v : undefined;
  };
  const nothing = (x: ts.Expression) => {
    const v = strip(tsm, x);
    return (
      v.kind === tsm.SyntaxKind.NullKeyword ||
      v.kind === tsm.SyntaxKind.FalseKeyword ||
      (tsm.isIdentifier(v) && v.text === "undefined")
    );
  };
  if (tsm.isConditionalExpression(e)) {
    const whenTrue = nothing(e.whenTrue) ? tsm.factory.createObjectLiteralExpression() : object(e.whenTrue);
    const whenFalse = nothing(e.whenFalse) ? tsm.factory.createObjectLiteralExpression() : object(e.whenFalse);
    return whenTrue && whenFalse ? [whenTrue, whenFalse] : undefined;
  }
  if (tsm.isBinaryExpression(e) && e.operatorToken.kind === tsm.SyntaxKind.AmpersandAmpersandToken) {
    const added = object(e.right);
    return added && [added, tsm.factory.createObjectLiteralExpression()];
  }
  return undefined;
}

function objectScope(ctx: ScopeContext, obj: ts.ObjectLiteralExpression, entity: ScopeEntity, depth: number): Scope {
  const tsm = ctx.ts;
  const terms: Scope[] = [];
  for (const [i, p] of obj.properties.entries()) {
    if (tsm.isSpreadAssignment(p)) {
      const spread = followConst(ctx, strip(tsm, p.expression));
      // `...(search ? { name: { contains: search } } : {})`, `...(id && { id })`: one of two known objects.
      const branches = spreadBranches(ctx, spread);
      if (branches) {
        terms.push(
          anyOf(
            branches.map((b) => objectScope(ctx, b, entity, depth + 1)),
            p,
            "is spread in only one branch of the conditional",
          ),
        );
        continue;
      }
      terms.push(
        tsm.isObjectLiteralExpression(spread)
          ? objectScope(ctx, spread, entity, depth + 1)
          : typeRequires(ctx, p.expression, entity.tenantField)
            ? { kind: "scoped" }
            : {
                kind: "dynamic",
                reason: `spreads \`${short(p.expression.getText(ctx.sourceFile))}\` into it`,
                node: p,
              },
      );
      continue;
    }
    const name = propertyName(tsm, p);
    const value = propertyValue(tsm, p);
    if (name === undefined || !value) {
      if (tsm.isPropertyAssignment(p))
        terms.push({
          kind: "dynamic",
          reason: `has a computed key \`${short(p.name.getText(ctx.sourceFile))}\``,
          node: p,
        });
      continue;
    }
    const term = termScope(ctx, name, value, p, entity, depth);
    // `{ tenantId, ...filter }`: a later spread may hold a tenantId of its own.
    const replaced = term.kind !== "none" ? replacedBy(tsm, obj, i, name, helperReturns(ctx)) : undefined;
    terms.push(
      replaced
        ? {
            kind: "dynamic",
            reason: `may have its ${name} replaced by \`${short(replaced.getText(ctx.sourceFile))}\`, written after it`,
            node: replaced,
          }
        : term,
    );
  }
  const scope = allOf(terms);
  return scope.kind === "shared" ? (otherLevelRows(ctx, obj, entity) ?? scope) : scope;
}

/**
 * In a hierarchy, a row with one tenant field null can be owned at another level (cal.com: a
 * personal row has `teamId` null and its `userId` set), so `{ teamId: null }` alone matches every
 * user's rows: shared rows are only those with every tenant field null.
 */
function otherLevelRows(ctx: ScopeContext, obj: ts.ObjectLiteralExpression, entity: ScopeEntity): Scope | undefined {
  const tsm = ctx.ts;
  const levels = entity.tenantFields ?? [entity.tenantField];
  if (levels.length < 2) return undefined;
  const nulled = obj.properties.filter((p) => {
    const name = propertyName(tsm, p);
    const value = propertyValue(tsm, p);
    return !!name && !!value && levels.includes(name) && tenantValueScope(ctx, value, name).kind === "shared";
  });
  const names = nulled.map((p) => propertyName(tsm, p)!);
  const others = levels.filter((l) => !names.includes(l));
  if (!others.length) return undefined;
  const shown = nulled.length ? `\`${names[0]}: null\`` : "a null tenant field";
  return {
    kind: "weak",
    reason: `matches every row owned at another level (${others.join(", ")}) with ${shown}, not only rows no tenant owns`,
    node: nulled[0] ?? obj,
  };
}

/**
 * Why a tenant value can be null where the model has several tenant fields: Prisma reads
 * `teamId: null` as `teamId IS NULL`, which matches the rows owned at the other levels.
 */
function mayBeNull(ctx: ScopeContext, value: ts.Expression): string | undefined {
  const tsm = ctx.ts;
  const v = strip(tsm, value);
  if (tsm.isNonNullExpression(v)) return undefined;
  if (ctx.checker) {
    const type = ctx.checker.getTypeAtLocation(value);
    const parts = type.isUnion() ? type.types : [type];
    return parts.some((t) => t.flags & tsm.TypeFlags.Null)
      ? `its type is \`${ctx.checker.typeToString(type)}\``
      : undefined;
  }
  if (!tsm.isIdentifier(v) || constDeclaration(ctx, v)) return undefined;
  const param = parameterOf(tsm, v);
  const declared = param?.type ?? destructuredParameter(ctx, v)?.field?.member.type;
  if (!declared || isCast(tsm, value) || narrowedPresent(tsm, v)) return undefined;
  return mayBeNullType(tsm, declared) ? `\`${v.text}\` is declared \`${short(declared.getText())}\`` : undefined;
}

function mayBeNullType(tsm: typeof ts, type: ts.TypeNode): boolean {
  const isNull = (t: ts.TypeNode) =>
    t.kind === tsm.SyntaxKind.NullKeyword ||
    (tsm.isLiteralTypeNode(t) && t.literal.kind === tsm.SyntaxKind.NullKeyword);
  return tsm.isUnionTypeNode(type) && type.types.some(isNull);
}

function termScope(
  ctx: ScopeContext,
  name: string,
  value: ts.Expression,
  prop: ts.Node,
  entity: ScopeEntity,
  depth: number,
): Scope {
  const tsm = ctx.ts;
  if (name === entity.tenantField || entity.tenantFields?.includes(name)) {
    const scope = tenantValueScope(ctx, value, name);
    const levels = entity.tenantFields ?? [];
    const nullBy = scope.kind === "scoped" && levels.length > 1 ? mayBeNull(ctx, value) : undefined;
    if (!nullBy) return scope;
    const others = levels.filter((l) => l !== name).join(", ");
    return {
      kind: "weak",
      reason: `can be null (${nullBy}), and Prisma reads \`${name}: null\` as IS NULL: it matches every row owned at another level (${others})`,
      node: value,
    };
  }
  // `ownerId: ctx.user.id`: the signed-in user's own rows, in a branch of an OR as well.
  if (entity.ownerFields?.has(name) && isSessionUser(tsm, followConst(ctx, strip(tsm, value))))
    return { kind: "scoped" };
  if (name === "AND") {
    const v = followConst(ctx, strip(tsm, value));
    return tsm.isArrayLiteralExpression(v)
      ? allOf(v.elements.map((el) => whereScope(ctx, el, entity, depth + 1)))
      : whereScope(ctx, v, entity, depth + 1);
  }
  if (name === "OR") {
    const v = followConst(ctx, strip(tsm, value));
    if (!tsm.isArrayLiteralExpression(v)) return { kind: "dynamic", reason: `has an OR built at run time`, node: prop };
    return anyOf(
      v.elements.map((el) => whereScope(ctx, el, entity, depth + 1)),
      prop,
      `holds ${entity.tenantField} only in some branches of OR`,
    );
  }
  if (name === "NOT") {
    const v = followConst(ctx, strip(tsm, value));
    const inner = tsm.isArrayLiteralExpression(v)
      ? v.elements.map((el) => whereScope(ctx, el, entity, depth + 1))
      : [whereScope(ctx, v, entity, depth + 1)];
    return inner.some((s) => s.kind === "scoped" || s.kind === "weak" || s.kind === "shared")
      ? { kind: "weak", reason: `holds ${entity.tenantField} only under NOT`, node: prop }
      : { kind: "none" };
  }
  const compound = entity.compoundKeys.get(name);
  if (compound) {
    const v = followConst(ctx, strip(tsm, value));
    if (!tsm.isObjectLiteralExpression(v)) return whereScope(ctx, v, { ...entity, compoundKeys: new Map() }, depth + 1);
    const tenant = v.properties.find((p) => {
      const key = propertyName(tsm, p);
      return key === entity.tenantField || (!!key && !!entity.tenantFields?.includes(key));
    });
    const tenantValue = tenant && propertyValue(tsm, tenant);
    return tenantValue ? tenantValueScope(ctx, tenantValue, entity.tenantField) : { kind: "none" };
  }
  const relation = entity.relation(name);
  if (relation) return relationScope(ctx, value, relation, entity, depth);
  // A compound unique with its own name (`@@unique([email, tenantId], name: "emailPerTenant")`):
  // the model knows it by its fields only, and no other where key holds the tenant field inside.
  const v = followConst(ctx, strip(tsm, value));
  const inner = tsm.isObjectLiteralExpression(v)
    ? v.properties.find((p) => propertyName(tsm, p) === entity.tenantField)
    : undefined;
  const innerValue = inner && propertyValue(tsm, inner);
  return innerValue ? tenantValueScope(ctx, innerValue, entity.tenantField) : { kind: "none" };
}

/** `project: { tenantId }`, `project: { is: {...} }`, `members: { some: {...} }`, `tenant: { id: v }`. */
function relationScope(
  ctx: ScopeContext,
  value: ts.Expression,
  relation: ScopeRelation,
  entity: ScopeEntity,
  depth: number,
): Scope {
  const tsm = ctx.ts;
  const v = followConst(ctx, strip(tsm, value));
  // `team: buildTeamWhereQuery(...)`: the related row's where, built by a helper.
  if (tsm.isCallExpression(v))
    return (
      helperScope(ctx, v, depth, (helperCtx, o) => relationScope(helperCtx, o, relation, entity, depth + 1)) ?? {
        kind: "none",
      }
    );
  if (!tsm.isObjectLiteralExpression(v)) return { kind: "none" };
  const prop = (key: string) => {
    const p = v.properties.find((q) => propertyName(tsm, q) === key);
    return p && propertyValue(tsm, p);
  };
  // Only "some related row of this tenant exists" (to-many) and the related row itself (to-one,
  // bare or `is`) narrow the rows; every/none/isNot hold vacuously for rows with no relation.
  const inner = prop("some") ?? prop("is") ?? (prop("every") || prop("none") || prop("isNot") ? undefined : v);
  if (!inner) return { kind: "none" };
  if (relation.target) return whereScope(ctx, inner, relation.target, depth + 1);
  if (relation.carriesTenant) {
    // The Tenant model itself: `tenant: { id: v }` filters tenantId = v; `team: { slug }` by a
    // field unique to one team names that team as well.
    const innerObj = followConst(ctx, strip(tsm, inner));
    if (!tsm.isObjectLiteralExpression(innerObj)) return { kind: "none" };
    const keys = relation.tenantKeys ?? new Set(["id"]);
    const key = innerObj.properties.find((p) => keys.has(propertyName(tsm, p) ?? ""));
    const keyValue = key && propertyValue(tsm, key);
    if (keyValue) return tenantValueScope(ctx, keyValue, `${entity.tenantField} (through ${propertyName(tsm, key!)})`);
    // `organization: { projects: { some: { environments: { some: { id: environmentId } } } } }`:
    // the one organization that holds a row the filter scopes (at its own, narrower level).
    for (const p of innerObj.properties) {
      const name = propertyName(tsm, p);
      const held = name ? relation.holds?.(name) : undefined;
      const heldValue = held && propertyValue(tsm, p);
      if (!heldValue) continue;
      const scope = relationScope(ctx, heldValue, { target: held, carriesTenant: false }, entity, depth + 1);
      if (scope.kind === "scoped") return scope;
    }
    // `organization: { members: { some: { userId } } }`: only tenants the user is a member of.
    return innerObj.properties.some((p) => memberOf(ctx, p, relation.memberships))
      ? { kind: "scoped" }
      : { kind: "none" };
  }
  return { kind: "none" };
}

/** `members: { some: { userId } }` on the tenant's own model: a membership of a user the client did not name. */
function memberOf(
  ctx: ScopeContext,
  p: ts.ObjectLiteralElementLike,
  memberships: ReadonlySet<string> | undefined,
): boolean {
  const tsm = ctx.ts;
  const name = propertyName(tsm, p);
  const value = propertyValue(tsm, p);
  if (!name || !value || !memberships?.has(name)) return false;
  const v = followConst(ctx, strip(tsm, value));
  const some = tsm.isObjectLiteralExpression(v) ? v.properties.find((q) => propertyName(tsm, q) === "some") : undefined;
  const inner = some && propertyValue(tsm, some);
  const o = inner && followConst(ctx, strip(tsm, inner));
  if (!o || !tsm.isObjectLiteralExpression(o)) return false;
  return o.properties.some((q) => {
    const field = propertyName(tsm, q);
    const user = propertyValue(tsm, q);
    return (
      !!field &&
      !!user &&
      isUserColumn(field) &&
      !fromRequest(tsm, user) &&
      !tsm.isObjectLiteralExpression(strip(tsm, user))
    );
  });
}

function isCast(tsm: typeof ts, e: ts.Expression): boolean {
  let x = e;
  while (tsm.isParenthesizedExpression(x)) x = x.expression;
  return tsm.isAsExpression(x) || tsm.isTypeAssertionExpression(x) || tsm.isSatisfiesExpression(x);
}

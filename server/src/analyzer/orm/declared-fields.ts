// Whether an object a write spreads (`save({ ...data, workspaceId })`) may carry a field, by the
// type it is declared with: `data: SetupSsoInput` with an `id` field, `Partial<Domain>`,
// `Pick<Domain, "id" | "name">`, `Omit<Domain, "id">`, `{ id: string; name: string }`. Read from
// the checker in type-aware mode, else from the declarations the analysis can see (the file, and
// the files its imports name). Undefined when the type cannot be read: the caller decides.
import type ts from "typescript";
import { localDeclaration } from "./chain";
import { mayBeUndefinedType, parameterOf, strip } from "./prisma-syntax";

export interface FieldTypes {
  ts: typeof ts;
  checker?: ts.TypeChecker;
  /** The class or interface a name declares in a file, or imports into it. */
  typeNamed?(
    file: ts.SourceFile,
    name: string,
  ): ts.ClassDeclaration | ts.InterfaceDeclaration | ts.TypeAliasDeclaration | undefined;
  /** The function a call runs, when its declaration can be seen: a callback's parameters take its types. */
  resolveFunction?(call: ts.CallExpression): ts.FunctionLikeDeclaration | undefined;
}

const MAX_DEPTH = 5;
/** Mapped types that keep every field of their argument. */
const SAME_FIELDS = new Set([
  "Partial",
  "Required",
  "Readonly",
  "DeepPartial",
  "NonNullable",
  "QueryDeepPartialEntity",
]);

/**
 * The first of `fields` the value of `expr` may hold; false when its type holds none of them;
 * undefined when the type cannot be read.
 */
export function carriedField(
  ctx: FieldTypes,
  expr: ts.Expression,
  fields: readonly string[],
  /** The elements of a list (`items: UpdateInput[]`), not the value itself. */
  element = false,
): string | false | undefined {
  let unknown = false;
  for (const f of fields) {
    const may = mayCarryField(ctx, expr, new Set([f]), element);
    if (may) return f;
    if (may === undefined) unknown = true;
  }
  return unknown ? undefined : false;
}

/** Whether the value of `expr` may hold one of `fields`; undefined when its type cannot be read. */
function mayCarryField(
  ctx: FieldTypes,
  expr: ts.Expression,
  fields: ReadonlySet<string>,
  element: boolean,
): boolean | undefined {
  const tsm = ctx.ts;
  const e = strip(tsm, expr);
  if (ctx.checker) {
    const whole = ctx.checker.getTypeAtLocation(e);
    const type = element ? whole.getNumberIndexType() : whole;
    if (!type) return undefined;
    // A union may be any of its members (`CreateInput | UpdateInput`): one with the field is enough.
    const members = type.isUnion() ? type.types : [type];
    if (members.some((t) => t.flags & (tsm.TypeFlags.Any | tsm.TypeFlags.Unknown))) return undefined;
    return members.some((t) => [...fields].some((f) => !!t.getProperty(f)));
  }
  const declared = tsm.isIdentifier(e) ? declaredType(tsm, e) : undefined;
  const type = declared && element ? elementType(tsm, declared) : declared;
  return type && carries(ctx, type, fields, 0);
}

/** `T[]`, `Array<T>`, `ReadonlyArray<T>`: `T`. */
function elementType(tsm: typeof ts, node: ts.TypeNode): ts.TypeNode | undefined {
  if (tsm.isArrayTypeNode(node)) return node.elementType;
  if (tsm.isTypeOperatorNode(node)) return elementType(tsm, node.type); // `readonly T[]`
  if (
    tsm.isTypeReferenceNode(node) &&
    tsm.isIdentifier(node.typeName) &&
    /^(?:Readonly)?Array$/.test(node.typeName.text)
  )
    return node.typeArguments?.[0];
  return undefined;
}

/** The type annotation of the parameter or variable `id` names where it is used. */
function declaredType(tsm: typeof ts, id: ts.Identifier): ts.TypeNode | undefined {
  const variable = localDeclaration(tsm, id);
  if (variable) return tsm.isIdentifier(variable.name) ? variable.type : undefined;
  for (let n: ts.Node | undefined = id.parent; n; n = n.parent) {
    if (!tsm.isFunctionLike(n)) continue;
    const p = n.parameters.find((x) => tsm.isIdentifier(x.name) && x.name.text === id.text);
    if (p) return p.type;
  }
  return undefined;
}

function carries(ctx: FieldTypes, node: ts.TypeNode, fields: ReadonlySet<string>, depth: number): boolean | undefined {
  const tsm = ctx.ts;
  if (depth > MAX_DEPTH || fields.size === 0) return fields.size === 0 ? false : undefined;
  if (tsm.isParenthesizedTypeNode(node)) return carries(ctx, node.type, fields, depth + 1);
  if (tsm.isTypeLiteralNode(node)) return hasMember(tsm, node.members, fields);
  if (tsm.isIntersectionTypeNode(node) || tsm.isUnionTypeNode(node))
    return anyOf(node.types.map((t) => carries(ctx, t, fields, depth + 1)));
  if (!tsm.isTypeReferenceNode(node)) return undefined;
  const name = tsm.isIdentifier(node.typeName) ? node.typeName.text : node.typeName.right.text;
  const [inner, second] = node.typeArguments ?? [];
  if (SAME_FIELDS.has(name)) return inner && carries(ctx, inner, fields, depth + 1);
  // `Record<string, T>`: any field; `Record<"a" | "b", T>`: those listed.
  if (name === "Record" && inner) {
    if (inner.kind === tsm.SyntaxKind.StringKeyword) return true;
    const keys = literalUnion(tsm, inner);
    return keys ? [...fields].some((f) => keys.has(f)) : undefined;
  }
  if (name === "Pick" || name === "Omit") {
    const listed = second && literalUnion(tsm, second);
    if (!listed) return undefined;
    if (name === "Pick") return [...fields].some((f) => listed.has(f));
    return inner && carries(ctx, inner, new Set([...fields].filter((f) => !listed.has(f))), depth + 1);
  }
  const declaration = ctx.typeNamed?.(node.getSourceFile(), name);
  if (declaration && tsm.isTypeAliasDeclaration(declaration)) return carries(ctx, declaration.type, fields, depth + 1);
  return declaration && declarationCarries(ctx, declaration, fields, depth + 1);
}

function declarationCarries(
  ctx: FieldTypes,
  d: ts.ClassDeclaration | ts.InterfaceDeclaration,
  fields: ReadonlySet<string>,
  depth: number,
): boolean | undefined {
  const tsm = ctx.ts;
  const own = tsm.isClassDeclaration(d)
    ? hasMember(tsm, d.members, fields) || constructorFields(tsm, d).some((f) => fields.has(f))
    : hasMember(tsm, d.members, fields);
  if (own) return true;
  // What the bases declare: each must be read, or the answer is unknown.
  const bases = (d.heritageClauses ?? [])
    .filter((h) => h.token === tsm.SyntaxKind.ExtendsKeyword)
    .flatMap((h) => h.types);
  if (bases.length === 0) return false;
  return anyOf(
    bases.map((b) => {
      const e = strip(tsm, b.expression);
      const base = tsm.isIdentifier(e) ? ctx.typeNamed?.(d.getSourceFile(), e.text) : undefined;
      if (base && tsm.isTypeAliasDeclaration(base)) return carries(ctx, base.type, fields, depth + 1);
      return base && declarationCarries(ctx, base, fields, depth + 1);
    }),
  );
}

function hasMember(
  tsm: typeof ts,
  members: ts.NodeArray<ts.TypeElement | ts.ClassElement>,
  fields: ReadonlySet<string>,
): boolean {
  return members.some(
    (m) =>
      // `[key: string]: unknown`: any field at all.
      (tsm.isIndexSignatureDeclaration(m) && m.parameters[0]?.type?.kind === tsm.SyntaxKind.StringKeyword) ||
      ((tsm.isPropertySignature(m) || tsm.isPropertyDeclaration(m)) &&
        m.name &&
        (tsm.isIdentifier(m.name) || tsm.isStringLiteral(m.name)) &&
        fields.has(m.name.text)),
  );
}

/** `constructor(public id: string)`: fields a class declares through its constructor's parameters. */
function constructorFields(tsm: typeof ts, cls: ts.ClassDeclaration): string[] {
  const ctor = cls.members.find(tsm.isConstructorDeclaration);
  return (ctor?.parameters ?? []).flatMap((p) =>
    p.modifiers?.length && tsm.isIdentifier(p.name) ? [p.name.text] : [],
  );
}

/** `"id" | "name"` as a set; undefined when any member is not a string literal. */
function literalUnion(tsm: typeof ts, node: ts.TypeNode): ReadonlySet<string> | undefined {
  const parts = tsm.isUnionTypeNode(node) ? node.types : [node];
  const out = new Set<string>();
  for (const p of parts) {
    if (!tsm.isLiteralTypeNode(p) || !tsm.isStringLiteral(p.literal)) return undefined;
    out.add(p.literal.text);
  }
  return out;
}

/** Any true: true; all false: false; else unknown. */
function anyOf(answers: (boolean | undefined)[]): boolean | undefined {
  if (answers.some((a) => a === true)) return true;
  return answers.every((a) => a === false) ? false : undefined;
}

type Member = ts.PropertySignature | ts.PropertyDeclaration;

/**
 * The parameter an identifier was destructured from (`({ teamId }: PinOpts) => ...`), its binding,
 * and the type member that declares the property: in a type literal written there, or an interface
 * or type alias the file or its imports name. `member` is undefined when the type cannot be read.
 */
export function destructuredParameter(
  ctx: FieldTypes,
  id: ts.Identifier,
): { param: ts.ParameterDeclaration; element: ts.BindingElement; field?: DeclaredField } | undefined {
  const tsm = ctx.ts;
  for (let cur: ts.Node | undefined = id.parent; cur; cur = cur.parent) {
    if (!tsm.isFunctionLike(cur)) continue;
    for (const p of cur.parameters) {
      if (tsm.isIdentifier(p.name)) {
        if (p.name.text === id.text) return undefined;
        continue;
      }
      if (!tsm.isObjectBindingPattern(p.name)) continue;
      const element = p.name.elements.find((e) => tsm.isIdentifier(e.name) && e.name.text === id.text);
      if (!element || element.dotDotDotToken) continue;
      const property = element.propertyName ?? element.name;
      const name = tsm.isIdentifier(property) || tsm.isStringLiteral(property) ? property.text : undefined;
      const type = parameterType(ctx, p);
      const field = name !== undefined && type ? typeMember(ctx, type, name, 0) : undefined;
      return { param: p, element, ...(field && { field }) };
    }
    // Not a parameter here: a closure sees the outer function's.
  }
  return undefined;
}

/**
 * The parameter a property access starts from and the type member declaring the accessed field
 * (`input.tenantId` with `input: { tenantId?: string }`, `opts.scope.teamId` through a nested
 * type); undefined when the base is no typed parameter or the type cannot be read.
 */
export function parameterMember(
  ctx: FieldTypes,
  access: ts.PropertyAccessExpression,
): { param: ts.ParameterDeclaration; path: string; field: DeclaredField } | undefined {
  const tsm = ctx.ts;
  const names: string[] = [];
  let e: ts.Expression = access;
  while (tsm.isPropertyAccessExpression(e) && names.length <= MAX_DEPTH) {
    names.unshift(e.name.text);
    e = strip(tsm, e.expression);
  }
  if (!tsm.isIdentifier(e)) return undefined;
  const param = parameterOf(tsm, e);
  if (!param?.type || param.dotDotDotToken) return undefined;
  let field: DeclaredField | undefined;
  let type: ts.TypeNode | undefined = param.type;
  for (const name of names) {
    field = type && typeMember(ctx, type, name, 0);
    if (!field) return undefined;
    type = field.member.type;
  }
  return field && { param, path: names.map((n) => `.${n}`).join(""), field };
}

/**
 * A parameter's declared type, or for a callback's parameter without one, the type the function it
 * is handed to gives it: `withWorkspace(async ({ workspace }) => ...)` with `withWorkspace =
 * (handler: WithWorkspaceHandler) => ...` and a call signature (or function type) in that type.
 */
export function parameterType(ctx: FieldTypes, param: ts.ParameterDeclaration): ts.TypeNode | undefined {
  const tsm = ctx.ts;
  if (param.type || ctx.checker) return param.type;
  const fn = param.parent;
  if (!tsm.isArrowFunction(fn) && !tsm.isFunctionExpression(fn)) return undefined;
  let arg: ts.Node = fn;
  while (tsm.isParenthesizedExpression(arg.parent)) arg = arg.parent;
  const call = arg.parent;
  if (!tsm.isCallExpression(call)) return undefined;
  const index = call.arguments.indexOf(arg as ts.Expression);
  if (index < 0 || call.arguments.slice(0, index).some((a) => tsm.isSpreadElement(a))) return undefined;
  const slot = ctx.resolveFunction?.(call)?.parameters[index];
  const signature = slot?.type && !slot.dotDotDotToken ? callSignature(ctx, slot.type, 0) : undefined;
  const target = signature?.parameters[fn.parameters.indexOf(param)];
  return target && !target.dotDotDotToken ? target.type : undefined;
}

/** The one call signature a type declares: a function type, or an interface's or alias's call signature. */
function callSignature(ctx: FieldTypes, node: ts.TypeNode, depth: number): ts.SignatureDeclarationBase | undefined {
  const tsm = ctx.ts;
  if (depth > MAX_DEPTH) return undefined;
  if (tsm.isParenthesizedTypeNode(node)) return callSignature(ctx, node.type, depth + 1);
  if (tsm.isFunctionTypeNode(node)) return node;
  const members = tsm.isTypeLiteralNode(node) ? node.members : undefined;
  const declaration =
    !members && tsm.isTypeReferenceNode(node) && tsm.isIdentifier(node.typeName)
      ? ctx.typeNamed?.(node.getSourceFile(), node.typeName.text)
      : undefined;
  if (declaration && tsm.isTypeAliasDeclaration(declaration)) return callSignature(ctx, declaration.type, depth + 1);
  const own = members ?? (declaration && tsm.isInterfaceDeclaration(declaration) ? declaration.members : undefined);
  const signatures = own?.filter(tsm.isCallSignatureDeclaration) ?? [];
  return signatures.length === 1 ? signatures[0] : undefined;
}

/** A declared field, and whether it may be left out or undefined (`x?:`, `x: T | undefined`, in a `Partial<...>`). */
export interface DeclaredField {
  member: Member;
  optional: boolean;
}

/** Mapped types that make every field of their argument optional. */
const OPTIONAL_FIELDS = new Set(["Partial", "DeepPartial"]);

/** The member declaring `name` in a type written as a literal, an interface (and what it extends), an alias, `Partial<...>`. */
function typeMember(
  ctx: FieldTypes,
  node: ts.TypeNode,
  name: string,
  depth: number,
  partial = false,
): DeclaredField | undefined {
  const tsm = ctx.ts;
  if (depth > MAX_DEPTH) return undefined;
  const declared = (member: Member | undefined): DeclaredField | undefined =>
    member && {
      member,
      optional: partial || !!member.questionToken || (!!member.type && mayBeUndefinedType(tsm, member.type)),
    };
  if (tsm.isParenthesizedTypeNode(node)) return typeMember(ctx, node.type, name, depth + 1, partial);
  if (tsm.isTypeLiteralNode(node)) return declared(ownMember(tsm, node.members, name));
  if (tsm.isIntersectionTypeNode(node)) {
    for (const t of node.types) {
      const m = typeMember(ctx, t, name, depth + 1, partial);
      if (m) return m;
    }
    return undefined;
  }
  if (!tsm.isTypeReferenceNode(node) || !tsm.isIdentifier(node.typeName)) return undefined;
  const wrapper = node.typeName.text;
  const inner = node.typeArguments?.length === 1 ? node.typeArguments[0] : undefined;
  if (inner && (OPTIONAL_FIELDS.has(wrapper) || wrapper === "Readonly"))
    return typeMember(ctx, inner, name, depth + 1, partial || OPTIONAL_FIELDS.has(wrapper));
  const declaration = ctx.typeNamed?.(node.getSourceFile(), node.typeName.text);
  if (!declaration) return undefined;
  if (tsm.isTypeAliasDeclaration(declaration)) return typeMember(ctx, declaration.type, name, depth + 1, partial);
  const own = ownMember(tsm, declaration.members, name);
  if (own) return declared(own);
  for (const h of declaration.heritageClauses ?? []) {
    if (h.token !== tsm.SyntaxKind.ExtendsKeyword) continue;
    for (const base of h.types) {
      const e = strip(tsm, base.expression);
      const d = tsm.isIdentifier(e) ? ctx.typeNamed?.(declaration.getSourceFile(), e.text) : undefined;
      const m =
        d &&
        (tsm.isTypeAliasDeclaration(d)
          ? typeMember(ctx, d.type, name, depth + 1, partial)
          : declared(ownMember(tsm, d.members, name)));
      if (m) return m;
    }
  }
  return undefined;
}

function ownMember(
  tsm: typeof ts,
  members: ts.NodeArray<ts.TypeElement | ts.ClassElement>,
  name: string,
): Member | undefined {
  for (const m of members)
    if (
      (tsm.isPropertySignature(m) || tsm.isPropertyDeclaration(m)) &&
      (tsm.isIdentifier(m.name) || tsm.isStringLiteral(m.name)) &&
      m.name.text === name
    )
      return m;
  return undefined;
}

// Which entity a TypeORM repository expression is for. Without types: `getRepository(Order)`,
// `dataSource.getRepository(Order)`, a `const` holding one, a parameter or property typed
// `Repository<Order>`, a Nest `@InjectRepository(Order)` property, the entity class itself
// (Active Record), a getter a factory made for an entity (`const flowRepo = repoFactory(Flow)`;
// `flowRepo().find(...)`). With a TypeChecker: any expression whose type is `Repository<Order>`, a class
// extending it or a `Repository.extend(...)` result, and an entity imported under another name.
import type ts from "typescript";
import { calleeName, enclosingClass } from "../statements";
import type { EntityInfo, TenantTable } from "../model/types";
import { lookupTenantEntity, lookupTenantTable } from "../model/types";
import { snakeCase } from "../model/names";
import { findParameter, findVariable, skipOuter } from "./object-where";
import type { OrmContext } from "./types";

export interface EntityTarget {
  /** The entity class name as code writes it. */
  name: string;
  table: TenantTable;
  entity: EntityInfo;
}

const REPOSITORY_TYPES = new Set(["Repository", "TreeRepository", "MongoRepository"]);
const REPOSITORY_GETTERS = new Set(["getRepository", "getTreeRepository", "getMongoRepository"]);

/** The tenant-owned TypeORM entity a class name (exactly as declared) stands for. */
export function typeormEntity(ctx: OrmContext, name: string | undefined): EntityTarget | undefined {
  if (!name) return undefined;
  const table = lookupTenantEntity(ctx.model, name);
  const entity = table?.entities?.find((e) => e.orm === "typeorm" && e.names.includes(name));
  if (table && entity) return { name, table, entity };
  // An entity class no schema file tenantguard read defines, for a table the config or migrations
  // name as TypeORM would (`Variable` -> `variable`, `ChatFlow` -> `chat_flow`): its fields as written.
  const named = table ? undefined : lookupTenantTable(ctx.model, snakeCase(name));
  if (!named || named.entities?.some((e) => e.orm === "typeorm")) return undefined;
  return { name, table: named, entity: { orm: "typeorm", names: [name], fields: {} } };
}

/** `Order` or `"Order"` as an entity argument (`manager.find(Order, ...)`, `.from(Order, "o")`). */
export function entityArgument(ctx: OrmContext, arg: ts.Expression | undefined): EntityTarget | undefined {
  if (!arg) return undefined;
  const { ts: tsm } = ctx;
  const node = skipOuter(tsm, arg);
  if (tsm.isStringLiteral(node)) return typeormEntity(ctx, namedEntity(ctx, node.text));
  if (!tsm.isIdentifier(node)) return undefined;
  // With a checker, an entity imported under another name (`import { Invoice as Bill }`).
  return typeormEntity(ctx, node.text) ?? typeormEntity(ctx, ctx.checker && declaredClassName(ctx, node));
}

/** The entity of a repository expression, or undefined when it is not one tenantguard can name. */
export function repositoryEntity(ctx: OrmContext, expr: ts.Expression): EntityTarget | undefined {
  const name = repositoryEntityName(ctx, expr, 0);
  // A custom repository named for its entity in the plural (`DataSourcesRepository`, `OrdersRepository`).
  return (
    typeormEntity(ctx, name) ??
    singulars(name)
      .map((n) => typeormEntity(ctx, n))
      .find(Boolean)
  );
}

/** `Orders` -> `Order`, `Addresses` -> `Address`, `Categories` -> `Category`. */
function singulars(name: string | undefined): string[] {
  if (!name || !name.endsWith("s")) return [];
  return [
    name.slice(0, -1),
    ...(name.endsWith("es") ? [name.slice(0, -2)] : []),
    ...(name.endsWith("ies") ? [`${name.slice(0, -3)}y`] : []),
  ];
}

function repositoryEntityName(ctx: OrmContext, expr: ts.Expression, depth: number): string | undefined {
  const { ts: tsm } = ctx;
  if (depth > 6) return undefined;
  const node = skipOuter(tsm, tsm.isAwaitExpression(expr) ? expr.expression : expr);
  const syntactic = syntacticEntity(ctx, node, depth);
  // A name the syntax gives may be a local alias of the entity (`Repository<Bill>`): the type knows.
  if (syntactic && (!ctx.checker || typeormEntity(ctx, syntactic))) return syntactic;
  return (ctx.checker && entityOfType(ctx, ctx.checker.getTypeAtLocation(node), 0)) ?? syntactic;
}

function syntacticEntity(ctx: OrmContext, node: ts.Expression, depth: number): string | undefined {
  const { ts: tsm } = ctx;
  // `queryRunner ? queryRunner.manager.getRepository(ChatFlow) : dataSource.getRepository(ChatFlow)`
  // (Flowise): one entity whichever branch runs.
  if (tsm.isConditionalExpression(node) || (tsm.isBinaryExpression(node) && isFallback(tsm, node))) {
    const [a, b] = tsm.isConditionalExpression(node) ? [node.whenTrue, node.whenFalse] : [node.left, node.right];
    const first = repositoryEntityName(ctx, a, depth + 1);
    return first && first === repositoryEntityName(ctx, b, depth + 1) ? first : undefined;
  }
  if (tsm.isCallExpression(node)) {
    const name = calleeName(tsm, node);
    if (name && REPOSITORY_GETTERS.has(name)) {
      const arg = node.arguments[0] && skipOuter(tsm, node.arguments[0]);
      return arg && tsm.isStringLiteral(arg) ? namedEntity(ctx, arg.text) : entityName(tsm, arg);
    }
    // `flowRepo()` of `const flowRepo = repoFactory(FlowEntity)`, or `repoFactory(FlowEntity)()`:
    // a repository getter made for an entity (activepieces' `repoFactory`).
    const callee = node.expression;
    const factory = tsm.isIdentifier(callee)
      ? (findVariable(tsm, callee)?.initializer ?? ctx.constValue?.(callee))
      : callee;
    const made = factory && skipOuter(tsm, factory);
    return made && tsm.isCallExpression(made) ? madeFor(ctx, made) : undefined;
  }
  if (tsm.isIdentifier(node)) {
    const decl = findVariable(tsm, node);
    if (decl)
      return (
        (decl.type && entityOfTypeNode(tsm, decl.type)) ??
        (decl.initializer ? repositoryEntityName(ctx, decl.initializer, depth + 1) : undefined)
      );
    const param = findParameter(tsm, node);
    return param?.type ? entityOfTypeNode(tsm, param.type) : undefined;
  }
  if (tsm.isPropertyAccessExpression(node) && node.expression.kind === tsm.SyntaxKind.ThisKeyword) {
    return classMemberEntity(ctx, node, depth);
  }
  // `this.find(...)` in `class SharedWorkflowRepository extends Repository<SharedWorkflow>`.
  if (node.kind === tsm.SyntaxKind.ThisKeyword) {
    let cls: ts.Node | undefined = node.parent;
    while (cls && !tsm.isClassLike(cls))
      cls = tsm.isFunctionDeclaration(cls) || tsm.isFunctionExpression(cls) ? undefined : cls.parent;
    return cls && tsm.isClassLike(cls) ? extendedEntity(tsm, cls) : undefined;
  }
  return undefined;
}

/** `a ?? b`, `a || b`: one of two values. */
function isFallback(tsm: typeof ts, node: ts.BinaryExpression): boolean {
  const op = node.operatorToken.kind;
  return op === tsm.SyntaxKind.QuestionQuestionToken || op === tsm.SyntaxKind.BarBarToken;
}

/**
 * The entity a string names: TypeORM looks a string target up by entity name and by table name
 * (`getRepository("flow")` for `@Entity("flow") class Flow`).
 */
function namedEntity(ctx: OrmContext, name: string): string {
  if (typeormEntity(ctx, name)) return name;
  const byTable = lookupTenantTable(ctx.model, name)?.entities?.find((e) => e.orm === "typeorm");
  return byTable?.names[0] ?? name;
}

/** The entity a factory call is given (`repoFactory(FlowEntity)`), when it names a tenant-owned one. */
function madeFor(ctx: OrmContext, call: ts.CallExpression): string | undefined {
  const name = entityName(ctx.ts, call.arguments[0]);
  return typeormEntity(ctx, name) ? name : undefined;
}

/** `Order` of `class OrderRepository extends Repository<Order>`. */
function extendedEntity(tsm: typeof ts, cls: ts.ClassLikeDeclaration): string | undefined {
  const base = cls.heritageClauses?.find((h) => h.token === tsm.SyntaxKind.ExtendsKeyword)?.types[0];
  const name = base && tsm.isIdentifier(base.expression) ? base.expression.text : undefined;
  const arg = base?.typeArguments?.[0];
  if (!name || !REPOSITORY_TYPES.has(name) || !arg || !tsm.isTypeReferenceNode(arg)) return undefined;
  return tsm.isIdentifier(arg.typeName) ? arg.typeName.text : arg.typeName.right.text;
}

/** `this.repo`: a property or constructor parameter property of the enclosing class. */
function classMemberEntity(ctx: OrmContext, access: ts.PropertyAccessExpression, depth: number): string | undefined {
  const { ts: tsm } = ctx;
  const cls = enclosingClass(tsm, access);
  if (!cls) return undefined;
  const name = access.name.text;
  for (const member of cls.members) {
    if (tsm.isPropertyDeclaration(member) && tsm.isIdentifier(member.name) && member.name.text === name) {
      const hit =
        injected(tsm, member) ??
        (member.type && entityOfTypeNode(tsm, member.type)) ??
        (member.initializer && repositoryEntityName(ctx, member.initializer, depth + 1));
      if (hit) return hit;
    }
    if (!tsm.isConstructorDeclaration(member)) continue;
    for (const p of member.parameters) {
      if (tsm.isIdentifier(p.name) && p.name.text === name) {
        const hit = injected(tsm, p) ?? (p.type && entityOfTypeNode(tsm, p.type));
        if (hit) return hit;
      }
    }
    // `this.repo = dataSource.getRepository(Order)` in the constructor.
    for (const statement of member.body?.statements ?? []) {
      if (!tsm.isExpressionStatement(statement) || !tsm.isBinaryExpression(statement.expression)) continue;
      const { left, right, operatorToken } = statement.expression;
      if (
        operatorToken.kind === tsm.SyntaxKind.EqualsToken &&
        tsm.isPropertyAccessExpression(left) &&
        left.expression.kind === tsm.SyntaxKind.ThisKeyword &&
        left.name.text === name
      ) {
        const hit = repositoryEntityName(ctx, right, depth + 1);
        if (hit) return hit;
      }
    }
  }
  return undefined;
}

/** Nest's `@InjectRepository(Order)`. */
function injected(tsm: typeof ts, node: ts.HasDecorators): string | undefined {
  for (const d of tsm.getDecorators(node) ?? []) {
    const e = d.expression;
    if (tsm.isCallExpression(e) && tsm.isIdentifier(e.expression) && e.expression.text === "InjectRepository")
      return entityName(tsm, e.arguments[0]);
  }
  return undefined;
}

/** `Repository<Order>` written as a type. */
function entityOfTypeNode(tsm: typeof ts, type: ts.TypeNode): string | undefined {
  if (!tsm.isTypeReferenceNode(type)) return undefined;
  const name = tsm.isIdentifier(type.typeName) ? type.typeName.text : type.typeName.right.text;
  const arg = type.typeArguments?.[0];
  // A custom repository named for its entity (`SharedWorkflowRepository`), as Nest and n8n name them:
  // the entity, when the model has one of that name.
  if (!arg && name.endsWith("Repository") && name !== "Repository") return name.slice(0, -"Repository".length);
  if (!REPOSITORY_TYPES.has(name) || !arg || !tsm.isTypeReferenceNode(arg)) return undefined;
  return tsm.isIdentifier(arg.typeName) ? arg.typeName.text : arg.typeName.right.text;
}

/** `Repository<Order>`, or a class that extends it (`class OrderRepository extends Repository<Order>`). */
function entityOfType(ctx: OrmContext, type: ts.Type, depth: number): string | undefined {
  const { ts: tsm, checker } = ctx;
  if (!checker || depth > 4) return undefined;
  if (type.aliasSymbol && REPOSITORY_TYPES.has(type.aliasSymbol.getName()))
    return classNameOf(tsm, type.aliasTypeArguments?.[0]);
  const symbol = type.getSymbol();
  if (symbol && REPOSITORY_TYPES.has(symbol.getName()) && isReference(tsm, type))
    return classNameOf(tsm, checker.getTypeArguments(type)[0]);
  // `getRepository(Order).extend({...})` is `Repository<Order> & Custom`; `T | undefined` a union.
  if (type.isUnionOrIntersection()) {
    for (const t of type.types) {
      const hit = entityOfType(ctx, t, depth + 1);
      if (hit) return hit;
    }
    return undefined;
  }
  if (type.isClassOrInterface() || isReference(tsm, type)) {
    const target = isReference(tsm, type) ? type.target : (type as ts.InterfaceType);
    for (const base of checker.getBaseTypes(target) ?? []) {
      const hit = entityOfType(ctx, base, depth + 1);
      if (hit) return hit;
    }
  }
  return undefined;
}

/** The declared name of an entity type (`export default class Order` has a symbol named "default"). */
function classNameOf(tsm: typeof ts, type: ts.Type | undefined): string | undefined {
  const symbol = type?.getSymbol();
  const decl = symbol?.valueDeclaration;
  return decl && tsm.isClassDeclaration(decl) && decl.name ? decl.name.text : symbol?.getName();
}

/** The class an identifier names, through import aliases (`Bill` of `import { Invoice as Bill }`). */
function declaredClassName(ctx: OrmContext, id: ts.Identifier): string | undefined {
  const { ts: tsm, checker } = ctx;
  let symbol = checker?.getSymbolAtLocation(id);
  if (symbol && symbol.flags & tsm.SymbolFlags.Alias) symbol = checker!.getAliasedSymbol(symbol);
  const decl = symbol?.valueDeclaration;
  return decl && tsm.isClassDeclaration(decl) && decl.name ? decl.name.text : undefined;
}

function isReference(tsm: typeof ts, type: ts.Type): type is ts.TypeReference {
  return !!(type.flags & tsm.TypeFlags.Object) && !!((type as ts.ObjectType).objectFlags & tsm.ObjectFlags.Reference);
}

function entityName(tsm: typeof ts, arg: ts.Expression | undefined): string | undefined {
  if (!arg) return undefined;
  const node = skipOuter(tsm, arg);
  return tsm.isIdentifier(node) || tsm.isStringLiteral(node) ? node.text : undefined;
}

// Sequelize models and their where dialect. A model is recognised by name (`Order`, `db.Order`,
// `sequelize.models.Order`, `sequelize.model("Order")`), through a Nest `@InjectModel(Order)`
// property or a `typeof Order` type, and with a TypeChecker by type (`typeof Order`,
// `ModelStatic<Order>` behind any alias, a define model's `ModelStatic<OrderInstance>`) or through
// an import under another name. Where keys combine with `[Op.and]`, `[Op.or]`, `[Op.not]`.
import type ts from "typescript";
import { identityDecides } from "../membership";
import { enclosingClass, returnedObjects } from "../statements";
import { tenantColumnMatches } from "../model/names";
import { broaderTenantFields, type EntityInfo, type TenantTable } from "../model/types";
import { lookupTenantEntity } from "../model/types";
import {
  findParameter,
  findVariable,
  isNullish,
  levelNull,
  propertyName,
  skipOuter,
  type WhereDialect,
  type WhereVerdict,
  resolveConst,
} from "./object-where";
import type { OrmContext } from "./types";

export interface ModelTarget {
  name: string;
  table: TenantTable;
  entity: EntityInfo;
}

const MODEL_TYPES = new Set(["ModelStatic", "ModelCtor", "ModelType"]);

/** The tenant-owned Sequelize model a name (exactly as defined) stands for. */
export function sequelizeModel(ctx: OrmContext, name: string | undefined): ModelTarget | undefined {
  if (!name) return undefined;
  const table = lookupTenantEntity(ctx.model, name);
  const entity = table?.entities?.find((e) => e.orm === "sequelize" && e.names.includes(name));
  return table && entity ? { name, table, entity } : undefined;
}

export function modelOf(ctx: OrmContext, expr: ts.Expression): ModelTarget | undefined {
  return sequelizeModel(ctx, modelName(ctx, expr, 0));
}

function modelName(ctx: OrmContext, expr: ts.Expression, depth: number): string | undefined {
  const { ts: tsm, checker } = ctx;
  const node = skipOuter(tsm, expr);
  if (depth > 5) return undefined;
  let name: string | undefined;
  if (tsm.isIdentifier(node)) {
    const decl = findVariable(tsm, node);
    if (sequelizeModel(ctx, node.text)) return node.text;
    const param = decl ? undefined : findParameter(tsm, node);
    name =
      (decl?.type && typeNodeModel(tsm, decl.type)) ??
      (decl?.initializer && modelName(ctx, decl.initializer, depth + 1)) ??
      (param?.type && typeNodeModel(tsm, param.type));
  } else if (node.kind === tsm.SyntaxKind.ThisKeyword) {
    // `this.findOne(...)` in a static method of the model class (outline's `Attachment.findByKey`).
    name = staticClassName(tsm, node);
  } else if (
    tsm.isCallExpression(node) &&
    tsm.isPropertyAccessExpression(node.expression) &&
    /^(?:scope|unscoped|schema)$/.test(node.expression.name.text)
  ) {
    // `Document.scope("withCollection")`, `User.unscoped()`: the same model with other default options.
    name = modelName(ctx, node.expression.expression, depth + 1);
  } else if (tsm.isPropertyAccessExpression(node)) {
    if (node.expression.kind === tsm.SyntaxKind.ThisKeyword) name = classMemberModel(ctx, node);
    // `(this.constructor as typeof Document)`: the class of an instance method's row.
    if (!name && node.name.text === "constructor" && node.expression.kind === tsm.SyntaxKind.ThisKeyword)
      name = enclosingClassName(tsm, node);
    // `db.Order`, `models.Order`, `sequelize.models.Order`
    if (!name && sequelizeModel(ctx, node.name.text)) name = node.name.text;
  } else if (
    tsm.isCallExpression(node) &&
    tsm.isPropertyAccessExpression(node.expression) &&
    node.expression.name.text === "model"
  ) {
    const arg = node.arguments[0];
    name = arg && tsm.isStringLiteral(arg) ? arg.text : undefined;
  }
  // A name the syntax gives may be a local alias of the model (`typeof Bill`): the checker knows.
  if (!sequelizeModel(ctx, name) && checker)
    name = importedModel(ctx, node) ?? typeModel(ctx, checker.getTypeAtLocation(node)) ?? name;
  return name;
}

/**
 * A variable that holds what a promise resolved to, or each element of a list (`for (const tenantUser
 * of rows)`): a row (or rows), never a model class, whatever its name.
 */
/**
 * `tenantUser.update({ roles })`, `tenantUser.destroy()` on `const tenantUser = await
 * findByTenantAndUser(...)` (crowd.dev): an instance method on a row named like its model, which
 * changes that row alone. Told by the call's shape (no `where`, which a model call needs) and by
 * what the name holds (an awaited value, a loop's element, a name taken out of an awaited call).
 */
export function rowInstanceCall(tsm: typeof ts, call: ts.CallExpression, callee: ts.PropertyAccessExpression): boolean {
  if (!INSTANCE_METHODS.has(callee.name.text)) return false;
  // `update(values, { where })`: the model's; `update(values)`, `destroy()`: the row's.
  const options = callee.name.text === "update" ? call.arguments.slice(1) : call.arguments;
  const modelCall = options.some((a) => {
    const o = resolveConst(tsm, a);
    return (
      !tsm.isObjectLiteralExpression(o) ||
      o.properties.some((p) => tsm.isSpreadAssignment(p) || p.name?.getText() === "where")
    );
  });
  if (modelCall) return false;
  const node = skipOuter(tsm, callee.expression);
  if (!tsm.isIdentifier(node)) return false;
  const decl = findVariable(tsm, node);
  return (!!decl && holdsRow(tsm, decl)) || loopElement(tsm, node) || destructuredRow(tsm, node);
}

const INSTANCE_METHODS = new Set(["update", "destroy", "save", "reload", "restore", "increment", "decrement"]);

function holdsRow(tsm: typeof ts, decl: ts.VariableDeclaration): boolean {
  // `const Note: typeof NoteModel = await ...`: declared a model class.
  if (decl.type && tsm.isTypeQueryNode(decl.type)) return false;
  const init = decl.initializer && skipOuter(tsm, decl.initializer);
  if (!init || !tsm.isAwaitExpression(init)) return false;
  // `await import("./models").then((m) => m.Note)`: a module's export, a model as likely as not.
  let e: ts.Node = skipOuter(tsm, init.expression);
  while (tsm.isCallExpression(e) || tsm.isPropertyAccessExpression(e)) {
    if (tsm.isCallExpression(e) && e.expression.kind === tsm.SyntaxKind.ImportKeyword) return false;
    e = skipOuter(tsm, tsm.isCallExpression(e) ? e.expression : e.expression);
  }
  return true;
}

/**
 * `const [settings] = await Settings.findOrCreate(...)`: a name an array pattern takes out of an
 * awaited model call (a row, or a row and a flag), declared in a block around `id`.
 */
function destructuredRow(tsm: typeof ts, id: ts.Identifier): boolean {
  for (let scope: ts.Node | undefined = id.parent; scope; scope = scope.parent) {
    if (!tsm.isBlock(scope) && !tsm.isSourceFile(scope)) continue;
    for (const st of scope.statements) {
      if (!tsm.isVariableStatement(st)) continue;
      for (const d of st.declarationList.declarations) {
        if (!tsm.isArrayBindingPattern(d.name)) continue;
        const named = d.name.elements.some(
          (el) => !tsm.isOmittedExpression(el) && tsm.isIdentifier(el.name) && el.name.text === id.text,
        );
        if (!named) continue;
        const init = d.initializer && skipOuter(tsm, d.initializer);
        if (!init || !tsm.isAwaitExpression(init)) return false;
        const call = skipOuter(tsm, init.expression);
        // A model call's answer, not a dynamic import's module (`const [Note] = await Promise.all([import(...)])`).
        return (
          tsm.isCallExpression(call) &&
          tsm.isPropertyAccessExpression(call.expression) &&
          /^(?:find\w*|create|bulkCreate|upsert|update|build)$/.test(call.expression.name.text)
        );
      }
    }
  }
  return false;
}

/** `for (const tenantUser of rows) ...`: the name is each element of a list inside the loop. */
function loopElement(tsm: typeof ts, id: ts.Identifier): boolean {
  for (let n: ts.Node | undefined = id.parent; n && !tsm.isFunctionLike(n); n = n.parent) {
    if (!tsm.isForOfStatement(n) || !tsm.isVariableDeclarationList(n.initializer)) continue;
    if (n.initializer.declarations.some((d) => tsm.isIdentifier(d.name) && d.name.text === id.text)) return true;
  }
  return false;
}

/** The class whose static method `this` sits in (an instance method's `this` is a row, not the model). */
function staticClassName(tsm: typeof ts, node: ts.Node): string | undefined {
  let fn: ts.Node | undefined = node.parent;
  while (fn && !tsm.isFunctionLike(fn)) fn = fn.parent;
  // Arrow functions keep the `this` of the method around them.
  while (fn && tsm.isArrowFunction(fn)) {
    fn = fn.parent;
    while (fn && !tsm.isFunctionLike(fn)) fn = fn.parent;
  }
  if (!fn || !tsm.isMethodDeclaration(fn) || !(tsm.getCombinedModifierFlags(fn) & tsm.ModifierFlags.Static))
    return undefined;
  return enclosingClassName(tsm, fn);
}

function enclosingClassName(tsm: typeof ts, node: ts.Node): string | undefined {
  return enclosingClass(tsm, node)?.name?.text;
}

/** A model imported under another name: `import { Payment as Charge }` names the `Payment` declaration. */
function importedModel(ctx: OrmContext, node: ts.Expression): string | undefined {
  const { ts: tsm, checker } = ctx;
  if (!checker || !tsm.isIdentifier(node)) return undefined;
  const symbol = checker.getSymbolAtLocation(node);
  if (!symbol || !(symbol.flags & tsm.SymbolFlags.Alias)) return undefined;
  const decl = checker.getAliasedSymbol(symbol).valueDeclaration;
  const name =
    decl &&
    (tsm.isClassDeclaration(decl) || tsm.isVariableDeclaration(decl)) &&
    decl.name &&
    tsm.isIdentifier(decl.name)
      ? decl.name.text
      : undefined;
  return sequelizeModel(ctx, name) ? name : undefined;
}

/** `this.orders` declared `@InjectModel(Order) private orders: typeof Order`. */
function classMemberModel(ctx: OrmContext, access: ts.PropertyAccessExpression): string | undefined {
  const { ts: tsm } = ctx;
  const cls = enclosingClass(tsm, access);
  if (!cls) return undefined;
  const candidates: (ts.PropertyDeclaration | ts.ParameterDeclaration)[] = [];
  for (const member of cls.members) {
    if (tsm.isPropertyDeclaration(member)) candidates.push(member);
    if (tsm.isConstructorDeclaration(member)) candidates.push(...member.parameters);
  }
  for (const c of candidates) {
    if (!tsm.isIdentifier(c.name) || c.name.text !== access.name.text) continue;
    for (const d of tsm.getDecorators(c) ?? []) {
      const e = d.expression;
      if (
        tsm.isCallExpression(e) &&
        tsm.isIdentifier(e.expression) &&
        e.expression.text === "InjectModel" &&
        e.arguments[0] &&
        tsm.isIdentifier(e.arguments[0])
      )
        return e.arguments[0].text;
    }
    const hit = c.type && typeNodeModel(tsm, c.type);
    if (hit) return hit;
  }
  return undefined;
}

/** `typeof Order`, `ModelStatic<Order>`. */
function typeNodeModel(tsm: typeof ts, type: ts.TypeNode): string | undefined {
  if (tsm.isTypeQueryNode(type) && tsm.isIdentifier(type.exprName)) return type.exprName.text;
  if (tsm.isTypeReferenceNode(type) && tsm.isIdentifier(type.typeName) && MODEL_TYPES.has(type.typeName.text)) {
    const arg = type.typeArguments?.[0];
    return arg && tsm.isTypeReferenceNode(arg) && tsm.isIdentifier(arg.typeName) ? arg.typeName.text : undefined;
  }
  return undefined;
}

/** A model class's constructor type (`typeof Order`), or `ModelStatic<Order>`. */
function typeModel(ctx: OrmContext, type: ts.Type): string | undefined {
  if (type.aliasSymbol && MODEL_TYPES.has(type.aliasSymbol.getName())) {
    const instance = type.aliasTypeArguments?.[0];
    return instance && instanceModel(ctx, instance);
  }
  const symbol = type.getSymbol();
  if (symbol && symbol.flags & ctx.ts.SymbolFlags.Class) return declaredName(ctx, symbol);
  // `ModelStatic<Order>` behind the project's own alias (`type OrderModel = ModelStatic<Order>`) is
  // an intersection with no symbol of its own: the model is what `new` makes.
  for (const signature of ctx.checker?.getSignaturesOfType(type, ctx.ts.SignatureKind.Construct) ?? []) {
    const hit = instanceModel(ctx, signature.getReturnType());
    if (hit) return hit;
  }
  return undefined;
}

/** The model whose instances have this type: the class itself, or the define call typed with it. */
function instanceModel(ctx: OrmContext, instance: ts.Type): string | undefined {
  const symbol = instance.getSymbol();
  if (!symbol) return undefined;
  const name = declaredName(ctx, symbol);
  return sequelizeModel(ctx, name) ? name : definedWith(ctx, symbol);
}

/**
 * `const Payment = sequelize.define<PaymentInstance>(...)`: the instance interface names no model,
 * the define call typed with it does; it sits in the interface's file, where the model is defined.
 */
function definedWith(ctx: OrmContext, instance: ts.Symbol): string | undefined {
  const { ts: tsm } = ctx;
  const file = instance.declarations?.[0]?.getSourceFile();
  if (!file || file.isDeclarationFile) return undefined;
  let found: string | undefined;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (
      tsm.isVariableDeclaration(n) &&
      tsm.isIdentifier(n.name) &&
      n.initializer &&
      definesWith(tsm, n.initializer, instance.getName()) &&
      sequelizeModel(ctx, n.name.text)
    )
      found = n.name.text;
    else tsm.forEachChild(n, visit);
  };
  visit(file);
  return found;
}

/** `x.define<Instance>(...)`. */
function definesWith(tsm: typeof ts, expr: ts.Expression, instance: string): boolean {
  const call = skipOuter(tsm, expr);
  if (!tsm.isCallExpression(call) || !tsm.isPropertyAccessExpression(call.expression)) return false;
  const arg = call.typeArguments?.[0];
  return (
    call.expression.name.text === "define" &&
    !!arg &&
    tsm.isTypeReferenceNode(arg) &&
    tsm.isIdentifier(arg.typeName) &&
    arg.typeName.text === instance
  );
}

/** `export default class Invoice` is a symbol named "default": take the declared name. */
function declaredName(ctx: OrmContext, symbol: ts.Symbol): string {
  const decl = symbol.valueDeclaration;
  return decl && ctx.ts.isClassDeclaration(decl) && decl.name ? decl.name.text : symbol.getName();
}

/** The model's attributes that hold the tenant. */
export function tenantAttributes(
  table: TenantTable,
  entity: EntityInfo,
): { primary: string; all: ReadonlySet<string> } {
  const props = Object.entries(entity.fields)
    .filter(([, column]) => tenantColumnMatches(column, table.tenantColumn))
    .map(([prop]) => prop);
  return {
    primary: props[0] ?? table.tenantColumn,
    all: new Set([...(props.length ? props : [table.tenantColumn]), ...broaderTenantFields(table, entity)]),
  };
}

export function primaryKeyOf(entity: EntityInfo): string {
  return entity.uniques?.find((u) => u.length === 1)?.[0] ?? "id";
}

/** `Op.or`, `Sequelize.Op.or`, `Op['or']` and the old string aliases `$or`. */
export function sequelizeOperator(tsm: typeof ts, name: ts.PropertyName | ts.Expression): string | undefined {
  if (tsm.isComputedPropertyName(name)) return sequelizeOperator(tsm, name.expression);
  if (tsm.isPropertyAccessExpression(name) && /(^|\.)Op$/.test(name.expression.getText())) return name.name.text;
  if (
    tsm.isElementAccessExpression(name) &&
    /(^|\.)Op$/.test(name.expression.getText()) &&
    tsm.isStringLiteral(name.argumentExpression)
  )
    return name.argumentExpression.text;
  if ((tsm.isIdentifier(name) || tsm.isStringLiteral(name)) && name.text.startsWith("$")) return name.text.slice(1);
  return undefined;
}

export function sequelizeDialect(
  ctx: OrmContext,
  table: TenantTable,
  entity: EntityInfo,
  /** A find or count: a secret, a public flag or the signed-in user may decide whose rows (membership.ts identityDecides). */
  reads = false,
): WhereDialect {
  const { ts: tsm } = ctx;
  const keys = tenantAttributes(table, entity);
  return {
    ts: tsm,
    arrayMeans: "and",
    built: (call) => {
      const fn = ctx.resolveFunction?.(call);
      return fn && returnedObjects(ctx.ts, fn);
    },
    combinator(name) {
      const op = sequelizeOperator(tsm, name);
      return op === "and" || op === "or" || op === "not" ? op : undefined;
    },
    field(name, value) {
      if (keys.all.has(name)) return levelNull(tenantValue(tsm, value), name, table, entity);
      return identityDecides(tsm, table, name, value, reads) ? { kind: "scoped" } : { kind: "missing" };
    },
  };
}

const EQUALITY_OPS = new Set(["eq", "in", "is"]);

/** `tenantId: v`, `[a, b]` (IN), `{ [Op.eq]: v }` scope; `{ [Op.ne]: v }`, `{ [Op.like]: v }` do not. */
function tenantValue(tsm: typeof ts, value: ts.Expression): WhereVerdict {
  const node = skipOuter(tsm, value);
  if (node.kind === tsm.SyntaxKind.NullKeyword) return { kind: "shared" };
  if (isNullish(tsm, node)) return { kind: "missing" };
  if (tsm.isObjectLiteralExpression(node)) {
    const ops = node.properties.map((p) =>
      p.name ? (sequelizeOperator(tsm, p.name) ?? propertyName(tsm, p.name)) : undefined,
    );
    if (ops.some((op) => op && EQUALITY_OPS.has(op))) return { kind: "scoped" };
    const op = ops.find(Boolean);
    return {
      kind: "weak",
      reason:
        op === "or"
          ? "sits inside Op.or"
          : op === "not" || op === "ne"
            ? `uses Op.${op}`
            : `uses ${op ? `Op.${op}` : "an operator"}, which is not an equality with one tenant`,
    };
  }
  if (tsm.isCallExpression(node)) {
    const callee = node.expression;
    const name = tsm.isPropertyAccessExpression(callee)
      ? callee.name.text
      : tsm.isIdentifier(callee)
        ? callee.text
        : "";
    if (["literal", "fn", "col", "where"].includes(name)) return { kind: "unknown", node };
  }
  return { kind: "scoped" };
}

import type ts from "typescript";
import { snakeCase } from "../model/names";
import { findParameter } from "../orm/object-where";
import { isOptionalParameter, mayBeUndefinedType } from "../orm/prisma-syntax";

/** The expression a fix inserts as the tenant value, and whether the user must still fill it in. */
export interface TenantValue {
  text: string;
  /** False when `text` is a placeholder: the fix is offered in the editor, never applied by `--fix`. */
  resolved: boolean;
}

export const TENANT_PLACEHOLDER = "tenantId /* TODO: tenant id */";

/**
 * Picks the tenant value for a fix at `node`: a parameter or variable in scope named like
 * the tenant column (`tenantId` for `tenant_id`), else the configured `tenantExpression`,
 * else a placeholder.
 */
export function tenantValueAt(
  tsm: typeof ts,
  node: ts.Node,
  tenantColumn: string,
  tenantExpression: string | undefined,
): TenantValue {
  const wanted = new Set(tenantNameVariants(tenantColumn));
  // `this` still names the instance: no `function` (or static member) between the query and its class.
  let thisIsInstance = true;
  for (let current: ts.Node | undefined = node; current; current = current.parent) {
    if (tsm.isClassLike(current) && thisIsInstance) {
      // lobe-chat's models: `constructor(db, private userId: string)`, then `this.userId`.
      const field = classTenantField(tsm, current, wanted);
      if (field) return { text: `this.${field}`, resolved: true };
    }
    if (
      (tsm.isFunctionLike(current) &&
        !tsm.isArrowFunction(current) &&
        !tsm.isMethodDeclaration(current) &&
        !tsm.isConstructorDeclaration(current) &&
        !tsm.isAccessor(current)) ||
      ((tsm.isMethodDeclaration(current) || tsm.isPropertyDeclaration(current) || tsm.isAccessor(current)) &&
        current.modifiers?.some((m) => m.kind === tsm.SyntaxKind.StaticKeyword))
    )
      thisIsInstance = false;
    if (tsm.isFunctionLike(current)) {
      for (const p of current.parameters) {
        const hit = bindingName(tsm, p.name, wanted);
        // `tenantId?: string`: the fix would add a filter that may be undefined, which Prisma
        // and TypeORM drop: offered in the editor, for the author to narrow, never applied.
        // So for `{ teamId }: { teamId?: string }`.
        if (hit)
          return {
            text: hit,
            resolved: !isOptionalParameter(tsm, p) && !optionalMember(tsm, p.type, bindingPath(tsm, p.name, hit)),
          };
      }
    }
    if (tsm.isBlock(current) || tsm.isSourceFile(current)) {
      for (const statement of current.statements) {
        // Only what is declared before the query, not the declaration holding it (TDZ).
        if (statement.end > node.pos) break;
        if (!tsm.isVariableStatement(statement)) continue;
        for (const decl of statement.declarationList.declarations) {
          const hit = bindingName(tsm, decl.name, wanted);
          // `const { id, teamId } = params` with `params: { teamId?: string }` (midday): may be undefined.
          if (hit) return { text: hit, resolved: !optionalFromParameter(tsm, decl, hit) };
        }
      }
    }
  }
  // The configured expression compiles only where its first name is in scope (`workspace` of
  // `workspace.id`): elsewhere it is offered in the editor, never applied by `--fix`.
  if (tenantExpression) {
    if (inScope(tsm, node, rootName(tenantExpression))) return { text: tenantExpression, resolved: true };
    // `({ ctx: { db, team }, input }) => ...` with `ctx.team.id` configured: `team.id` is what is in scope.
    const destructured = throughDestructuring(tsm, node, tenantExpression);
    return destructured ? { text: destructured, resolved: true } : { text: tenantExpression, resolved: false };
  }
  return { text: TENANT_PLACEHOLDER, resolved: false };
}

/**
 * The configured expression (`ctx.team.id`) rewritten through a parameter of an enclosing function
 * that destructures its first names (`{ ctx: { team } }` -> `team.id`, `{ ctx: c }` -> `c.team.id`).
 */
function throughDestructuring(tsm: typeof ts, node: ts.Node, expression: string): string | undefined {
  const path = /^\s*[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*\s*$/.test(expression)
    ? expression.trim().split(".")
    : undefined;
  if (!path || path.length < 2) return undefined;
  const walk = (pattern: ts.BindingName, at: number): string | undefined => {
    if (tsm.isIdentifier(pattern)) return [pattern.text, ...path.slice(at)].join(".");
    if (!tsm.isObjectBindingPattern(pattern) || at >= path.length) return undefined;
    for (const el of pattern.elements) {
      if (el.dotDotDotToken) continue;
      const prop = el.propertyName ?? el.name;
      if (tsm.isIdentifier(prop) && prop.text === path[at]) return walk(el.name, at + 1);
    }
    return undefined;
  };
  for (let current: ts.Node | undefined = node; current; current = current.parent) {
    if (!tsm.isFunctionLike(current)) continue;
    for (const p of current.parameters) {
      // The parameter is the object the configured path starts in (a tRPC handler's `opts`).
      const found = tsm.isObjectBindingPattern(p.name) ? walk(p.name, 0) : undefined;
      // The name must still be that parameter's where the query is (`for (const team of teams)` is another).
      if (found && found !== expression.trim() && !rebound(tsm, node, current, found.split(".")[0]!)) return found;
    }
  }
  return undefined;
}

/** A field of the class named like the tenant (a property, or a constructor parameter property), not optional. */
function classTenantField(
  tsm: typeof ts,
  cls: ts.ClassLikeDeclaration,
  wanted: ReadonlySet<string>,
): string | undefined {
  for (const m of cls.members) {
    if (tsm.isPropertyDeclaration(m) && tsm.isIdentifier(m.name) && wanted.has(m.name.text)) {
      const isStatic = m.modifiers?.some((x) => x.kind === tsm.SyntaxKind.StaticKeyword);
      return isStatic || m.questionToken ? undefined : m.name.text;
    }
    if (!tsm.isConstructorDeclaration(m)) continue;
    for (const p of m.parameters)
      if (
        tsm.isIdentifier(p.name) &&
        wanted.has(p.name.text) &&
        tsm.getModifiers(p)?.length &&
        !isOptionalParameter(tsm, p)
      )
        return p.name.text;
  }
  return undefined;
}

/** Whether `name` is bound again between `node` and the function `fn` (a block's declaration, a loop's or catch's variable, an inner function's parameter). */
function rebound(tsm: typeof ts, node: ts.Node, fn: ts.Node, name: string): boolean {
  const wanted = new Set([name]);
  for (let cur: ts.Node | undefined = node.parent; cur && cur !== fn; cur = cur.parent) {
    if (tsm.isFunctionLike(cur) && cur.parameters.some((p) => bindingName(tsm, p.name, wanted))) return true;
    if ((tsm.isForOfStatement(cur) || tsm.isForInStatement(cur) || tsm.isForStatement(cur)) && cur.initializer) {
      const init = cur.initializer;
      if (tsm.isVariableDeclarationList(init) && init.declarations.some((d) => bindingName(tsm, d.name, wanted)))
        return true;
    }
    if (tsm.isCatchClause(cur) && cur.variableDeclaration && bindingName(tsm, cur.variableDeclaration.name, wanted))
      return true;
    if (tsm.isBlock(cur) || tsm.isCaseOrDefaultClause(cur))
      for (const st of cur.statements)
        if (
          tsm.isVariableStatement(st) &&
          st.pos < node.pos &&
          st.declarationList.declarations.some((d) => bindingName(tsm, d.name, wanted))
        )
          return true;
  }
  return false;
}

/** `ctx` of `ctx.tenant.id`, `getTenant` of `getTenant()`; undefined for `this.tenantId`. */
function rootName(expression: string): string | undefined {
  const m = /^\s*([A-Za-z_$][\w$]*)/.exec(expression);
  return m && m[1] !== "this" ? m[1] : undefined;
}

/** Whether `name` is declared where `node` is: a parameter, a declaration before it, an import, a global-looking module name. */
function inScope(tsm: typeof ts, node: ts.Node, name: string | undefined): boolean {
  if (!name) return false;
  const wanted = new Set([name]);
  for (let current: ts.Node | undefined = node; current; current = current.parent) {
    if (tsm.isFunctionLike(current) && current.parameters.some((p) => bindingName(tsm, p.name, wanted))) return true;
    if (!(tsm.isBlock(current) || tsm.isSourceFile(current) || tsm.isModuleBlock(current))) continue;
    for (const statement of current.statements) {
      if (tsm.isVariableStatement(statement)) {
        if (
          // Declared before the query and done: `const ctx = f({ tenantId: ctx.id })` reads `ctx` in its own initializer (TDZ).
          statement.end <= node.pos &&
          statement.declarationList.declarations.some((d) => bindingName(tsm, d.name, wanted))
        )
          return true;
      } else if (tsm.isFunctionDeclaration(statement) || tsm.isClassDeclaration(statement)) {
        if (statement.name?.text === name) return true;
      } else if (tsm.isImportDeclaration(statement)) {
        const clause = statement.importClause;
        const bindings = clause?.namedBindings;
        if (clause?.name?.text === name) return true;
        if (bindings && tsm.isNamespaceImport(bindings) && bindings.name.text === name) return true;
        if (bindings && tsm.isNamedImports(bindings) && bindings.elements.some((e) => e.name.text === name))
          return true;
      }
    }
  }
  return false;
}

function bindingName(tsm: typeof ts, name: ts.BindingName, wanted: ReadonlySet<string>): string | undefined {
  if (tsm.isIdentifier(name)) return wanted.has(name.text) ? name.text : undefined;
  for (const element of name.elements) {
    if (tsm.isOmittedExpression(element)) continue;
    const hit = bindingName(tsm, element.name, wanted);
    if (hit) return hit;
  }
  return undefined;
}

/** The property path a binding pattern reads `name` from (`{ a: { teamId } }` -> a.teamId); [] for the name itself. */
function bindingPath(tsm: typeof ts, pattern: ts.BindingName, name: string): string[] | undefined {
  if (tsm.isIdentifier(pattern)) return pattern.text === name ? [] : undefined;
  for (const el of pattern.elements) {
    if (tsm.isOmittedExpression(el)) continue;
    const inner = bindingPath(tsm, el.name, name);
    if (!inner) continue;
    // A default fills a missing value: `{ teamId = "x" }`.
    if (el.initializer) return undefined;
    const key = el.propertyName ?? (tsm.isIdentifier(el.name) ? el.name : undefined);
    if (tsm.isArrayBindingPattern(pattern) || !key || !tsm.isIdentifier(key)) return undefined;
    return [key.text, ...inner];
  }
  return undefined;
}

/**
 * Whether the member at `path` of a type literal is optional (`teamId?: string`, `string | undefined`),
 * also through a type alias or interface of the file (midday's `UpdateBankAccountParams`).
 */
function optionalMember(tsm: typeof ts, type: ts.TypeNode | undefined, path: string[] | undefined): boolean {
  let t = type;
  for (const key of path ?? []) {
    const members = t && membersOf(tsm, t);
    if (!members) return false;
    const m = members.find(
      (x): x is ts.PropertySignature => tsm.isPropertySignature(x) && tsm.isIdentifier(x.name) && x.name.text === key,
    );
    if (!m) return false;
    if (m.questionToken || (m.type && mayBeUndefinedType(tsm, m.type))) return true;
    t = m.type;
  }
  return false;
}

/** The members a type literal, or a type alias or interface of the file it names, declares. */
function membersOf(tsm: typeof ts, type: ts.TypeNode, depth = 0): readonly ts.TypeElement[] | undefined {
  if (tsm.isTypeLiteralNode(type)) return type.members;
  if (depth > 3 || !tsm.isTypeReferenceNode(type) || !tsm.isIdentifier(type.typeName)) return undefined;
  const name = type.typeName.text;
  for (const st of type.getSourceFile().statements) {
    if (tsm.isInterfaceDeclaration(st) && st.name.text === name) return st.members;
    if (tsm.isTypeAliasDeclaration(st) && st.name.text === name) return membersOf(tsm, st.type, depth + 1);
  }
  return undefined;
}

/** `const { teamId } = params` or `const teamId = params.teamId`, `params` a parameter typed with `teamId?:`. */
function optionalFromParameter(tsm: typeof ts, decl: ts.VariableDeclaration, name: string): boolean {
  const init = decl.initializer;
  if (!init) return false;
  const path: string[] = [];
  let e: ts.Expression = init;
  while (tsm.isPropertyAccessExpression(e)) {
    path.unshift(e.name.text);
    e = e.expression;
  }
  if (!tsm.isIdentifier(e)) return false;
  const inner = bindingPath(tsm, decl.name, name);
  if (!inner) return false;
  const param = findParameter(tsm, e);
  return !!param && (isOptionalParameter(tsm, param) || optionalMember(tsm, param.type, [...path, ...inner]));
}

/** `tenant_id` -> `tenant_id`, `tenantId`, `tenantID`; `tenantId` -> also `tenant_id`. */
export function tenantNameVariants(column: string): string[] {
  const snake = snakeCase(column);
  const camel = snake.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
  return [...new Set([column, snake, camel, camel.replace(/Id$/, "ID")])];
}

// Drizzle query builder calls: `db.select().from(t).where(...)`, joins, `update`/`delete`/
// `insert`, and the relational API `db.query.t.findMany({ where })` in its callback and object forms.
import type ts from "typescript";
import { lookupTenantTable, tenantFieldOf, type TenantTable } from "../model/types";
import { tenantColumnMatches } from "../model/names";
import type { Fix, TextEdit } from "../types";
import { and, chainLabel, OTHER, queryFindings, type Pred, type TableRef } from "./builder-scope";
import { arrayElements, constInitializer, importedName, importsModule, insertAfter, isClientOf, isUndefinedLike, queryChains, skipOuter, type ChainCall, type ClientShape } from "./chain";
import { insertFindings } from "./builder-insert";
import { rqbFindings } from "./drizzle-rqb";
import type { OrmContext, OrmFinding, OrmModule } from "./types";

export const DRIZZLE_CLIENT: ClientShape = {
  factories: new Set(["drizzle"]),
  classes: new Set(),
  typeNames: new Set(["NodePgDatabase", "PgDatabase", "PostgresJsDatabase", "NeonHttpDatabase", "NeonDatabase", "VercelPgDatabase", "PgliteDatabase", "MySql2Database", "MySqlDatabase", "BetterSQLite3Database", "BaseSQLiteDatabase", "LibSQLDatabase", "PgTransaction", "MySqlTransaction", "SQLiteTransaction"]),
  typeModule: /drizzle-orm/,
};

const SELECTS = new Set(["select", "selectDistinct", "selectDistinctOn"]);
const JOINS: Record<string, "inner" | "outer"> = { innerJoin: "inner", leftJoin: "outer", rightJoin: "outer", fullJoin: "outer", crossJoin: "inner" };

export const drizzleModule: OrmModule = {
  name: "drizzle",
  appliesTo: (ctx) => importsModule(ctx.ts, ctx.sourceFile, (m) => m === "drizzle-orm" || m.startsWith("drizzle-orm/")) || /\.(from|insert|update|delete|findMany|findFirst)\s*\(/.test(ctx.sourceFile.text),
  check(ctx) {
    const out: OrmFinding[] = [];
    const isClient = (e: ts.Expression) => isClientOf(ctx.ts, e, DRIZZLE_CLIENT, ctx.checker);
    for (const chain of queryChains(ctx.ts, ctx.sourceFile, isClient)) {
      try {
        const rqb = rqbFindings(ctx, chain, isClient);
        if (rqb) {
          out.push(...rqb);
          continue;
        }
        if (!isClient(chain.root)) continue;
        const first = chain.calls.findIndex((c) => c.name !== "with" && c.name !== "$with");
        const calls = chain.calls.slice(first);
        const head = calls[0];
        if (!head) continue;
        if (head.name === "insert") out.push(...insertQuery(ctx, chain.root, chain.top, calls));
        else if (SELECTS.has(head.name) || head.name === "update" || head.name === "delete") out.push(...builderFindings(ctx, chain.root, chain.top, calls));
      } catch {
        // Never throw on odd input: an unrecognised shape is simply not checked.
      }
    }
    return out;
  },
};

/** The tenant-owned table a drizzle table expression names (`orders`, `schema.orders`, an `alias(orders, "o")`). */
export function drizzleTableOf(ctx: OrmContext, expr: ts.Expression | undefined): TenantTable | undefined {
  if (!expr) return undefined;
  const tsm = ctx.ts;
  const e = skipOuter(ctx.ts, expr);
  if (tsm.isIdentifier(e)) {
    const init = constInitializer(tsm, e);
    const aliased = init && skipOuter(tsm, init);
    if (aliased && tsm.isCallExpression(aliased) && tsm.isIdentifier(aliased.expression) && aliased.expression.text === "alias") return drizzleTableOf(ctx, aliased.arguments[0]);
  }
  let name: string | undefined;
  if (tsm.isIdentifier(e)) name = importedName(tsm, ctx.sourceFile, e.text) ?? e.text;
  else if (tsm.isPropertyAccessExpression(e)) name = e.name.text;
  if (!name) return undefined;
  for (const table of ctx.model.tables.values()) if (table.entities?.some((en) => en.orm === "drizzle" && en.names.includes(name))) return table;
  if (hasDrizzleEntities(ctx)) return undefined; // a drizzle schema is known: the variable is not tenant-owned
  return lookupTenantTable(ctx.model, name) ?? lookupTenantTable(ctx.model, snakeCase(name));
}

function hasDrizzleEntities(ctx: OrmContext): boolean {
  for (const table of ctx.model.tables.values()) if (table.entities?.some((en) => en.orm === "drizzle")) return true;
  return false;
}

/** The key of the tenant column on the drizzle table object (`tenantId`). */
export function drizzleTenantKey(table: TenantTable): { key: string; known: boolean } {
  const known = !!table.entities?.some((e) => e.orm === "drizzle");
  const field = tenantFieldOf(table, "drizzle");
  return { key: known ? field : field.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()), known };
}

export function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

/** `db.insert(t).values(row | rows)`. */
function insertQuery(ctx: OrmContext, root: ts.Expression, top: ts.CallExpression, calls: ChainCall[]): OrmFinding[] {
  const head = calls[0];
  const table = drizzleTableOf(ctx, head.args[0]);
  const values = calls.find((c) => c.name === "values");
  if (!table || !values) return [];
  const { key, known } = drizzleTenantKey(table);
  const label = chainLabel(ctx.sourceFile, root, [head, values]);
  return insertFindings(ctx, { table, node: head.call, rows: values.args[0], key, isTenantKey: (k) => isTenantKey(table, k), label, keyCertain: known }, top, root);
}

/** select / update / delete chains. */
function builderFindings(ctx: OrmContext, root: ts.Expression, top: ts.CallExpression, calls: ChainCall[]): OrmFinding[] {
  const head = calls[0];
  const verb = head.name === "update" ? "update" : head.name === "delete" ? "delete" : "select";
  const tableCall = verb === "select" ? calls.find((c) => c.name === "from") : head;
  const table = tableCall && drizzleTableOf(ctx, tableCall.args[0]);
  const refs: TableRef[] = [];
  if (tableCall && table) refs.push({ table, qualifier: qualifierOf(ctx, tableCall.args[0]), node: tableCall.call });
  const scope = new DrizzlePredicates(ctx, refs);
  for (const c of calls) {
    const kind = JOINS[c.name];
    if (!kind) continue;
    const joined = drizzleTableOf(ctx, c.args[0]);
    if (!joined) continue;
    const ref: TableRef = { table: joined, qualifier: qualifierOf(ctx, c.args[0]), node: c.call, join: { kind, on: OTHER } };
    refs.push(ref);
    scope.refs.push(ref);
  }
  for (const ref of refs) if (ref.join) ref.join.on = scope.translate(calls.find((c) => c.call === ref.node)!.args[1]);
  if (refs.length === 0 || !tableCall) return [];
  // Drizzle's `.where()` replaces an earlier one: the last to run is the where.
  let where: Pred = OTHER;
  const wheres = calls.filter((c) => c.name === "where");
  for (const w of wheres) {
    const p = scope.translate(w.args[0]);
    where = w.conditional ? { kind: "or", items: [p, where], why: w.conditional } : p;
  }
  const label = chainLabel(ctx.sourceFile, root, calls.slice(0, calls.indexOf(tableCall) + 1));
  const only = wheres.length === 1 && !wheres[0].conditional ? wheres[0] : undefined;
  const anchor = [...calls].reverse().find((c) => c.name === "from" || c.name in JOINS || c.name === "set" || c === head)!;
  return queryFindings(ctx, top, root, {
    verb,
    refs,
    where,
    label,
    conjunction: "as a top-level and(...) term",
    hint: (ref) => (ref.join ? `eq(${ref.qualifier}.${drizzleTenantKey(ref.table).key}, ${refs[0].qualifier}.${drizzleTenantKey(refs[0].table).key})` : `eq(${ref.qualifier}.${drizzleTenantKey(ref.table).key}, ...)`),
    fix: (ref) => predicateFix(ctx, refs, ref, wheres.length > 0, only, anchor, top),
  });
}

function qualifierOf(ctx: OrmContext, expr: ts.Expression | undefined): string {
  return expr ? skipOuter(ctx.ts, expr).getText(ctx.sourceFile) : "";
}

/** Adds `eq(t.tenantId, value)`: into the where's `and(...)`, wrapping the where, or as a new `.where(...)`. */
function predicateFix(ctx: OrmContext, refs: TableRef[], ref: TableRef, hasWhere: boolean, where: ChainCall | undefined, anchor: ChainCall, top: ts.Node): Fix | undefined {
  const { key, known } = drizzleTenantKey(ref.table);
  const main = refs[0];
  const joinToMain = !!ref.join && ref !== main;
  if (!joinToMain && hasWhere && !where) return undefined; // several or conditional wheres: no one place to add it
  const value = joinToMain ? { text: `${main.qualifier}.${drizzleTenantKey(main.table).key}`, resolved: true } : ctx.tenantValueAt(top, key);
  const predicate = `eq(${ref.qualifier}.${key}, ${value.text})`;
  const target = joinToMain ? ref.node.arguments[1] : where ? where.args[0] : undefined;
  const edits: TextEdit[] = [];
  if (target) edits.push(...conjoin(ctx, target, predicate));
  else if (joinToMain) return undefined;
  else edits.push(insertAfter(anchor.call, `.where(${predicate})`));
  edits.push(...importEdits(ctx, edits.some((e) => e.newText.startsWith("and(")) ? ["and", "eq"] : ["eq"]));
  return { title: `Add ${predicate} to the ${joinToMain ? "join" : "where"}`, edits, safe: value.resolved && known };
}

/** `and(x, y)` gains an argument; any other expression is wrapped in `and(<it>, predicate)`. */
export function conjoin(ctx: OrmContext, target: ts.Expression, predicate: string): TextEdit[] {
  const tsm = ctx.ts;
  const e = skipOuter(tsm, target);
  if (tsm.isCallExpression(e) && tsm.isIdentifier(e.expression) && e.expression.text === "and") {
    const args = e.arguments;
    return args.length ? [insertAfter(args[args.length - 1], `, ${predicate}`)] : [{ start: args.pos, end: args.end, newText: predicate }];
  }
  return [{ start: target.getStart(ctx.sourceFile), end: target.getStart(ctx.sourceFile), newText: "and(" }, insertAfter(target, `, ${predicate})`)];
}

/** Imports `names` from drizzle-orm when the file does not have them yet. */
export function importEdits(ctx: OrmContext, names: string[]): TextEdit[] {
  const tsm = ctx.ts;
  const sf = ctx.sourceFile;
  let existing: ts.NamedImports | undefined;
  const have = new Set<string>();
  let lastImport: ts.ImportDeclaration | undefined;
  for (const s of sf.statements) {
    if (!tsm.isImportDeclaration(s)) continue;
    lastImport = s;
    const bindings = s.importClause?.namedBindings;
    if (!bindings || !tsm.isNamedImports(bindings)) continue;
    for (const el of bindings.elements) have.add(el.name.text);
    if (tsm.isStringLiteral(s.moduleSpecifier) && s.moduleSpecifier.text === "drizzle-orm" && !s.importClause?.isTypeOnly) existing = bindings;
  }
  const missing = names.filter((n) => !have.has(n));
  if (missing.length === 0) return [];
  if (existing && existing.elements.length) return [insertAfter(existing.elements[existing.elements.length - 1], `, ${missing.join(", ")}`)];
  const at = lastImport ? lastImport.getEnd() : 0;
  return [{ start: at, end: at, newText: lastImport ? `\nimport { ${missing.join(", ")} } from "drizzle-orm";` : `import { ${missing.join(", ")} } from "drizzle-orm";\n` }];
}

const WEAK_COMPARISONS = new Set(["ne", "notInArray", "gt", "gte", "lt", "lte", "like", "ilike", "notLike", "notIlike", "between", "notBetween", "isNotNull"]);

/** Translates drizzle filter expressions (`and`, `or`, `eq`, `inArray`, ...) into the shared predicate tree. */
export class DrizzlePredicates {
  constructor(
    private readonly ctx: OrmContext,
    readonly refs: TableRef[],
  ) {}

  translate(expr: ts.Expression | undefined, depth = 0): Pred {
    const tsm = this.ctx.ts;
    if (!expr || depth > 8) return OTHER;
    const e = skipOuter(tsm, expr);
    if (isUndefinedLike(tsm, e)) return OTHER;
    if (tsm.isConditionalExpression(e)) {
      const [a, b] = [e.whenTrue, e.whenFalse];
      if (isUndefinedLike(tsm, a) || isUndefinedLike(tsm, b)) return { kind: "weak", item: this.translate(isUndefinedLike(tsm, a) ? b : a, depth + 1), why: "is skipped when its condition is false (`? : undefined`)" };
      return { kind: "or", items: [this.translate(a, depth + 1), this.translate(b, depth + 1)], why: "is in only one branch of a `? :`" };
    }
    if (tsm.isBinaryExpression(e) && e.operatorToken.kind === tsm.SyntaxKind.AmpersandAmpersandToken) return { kind: "weak", item: this.translate(e.right, depth + 1), why: "is skipped when the `&&` condition is false" };
    if (tsm.isIdentifier(e)) {
      const init = constInitializer(tsm, e);
      return init ? this.translate(init, depth + 1) : { kind: "dynamic", node: e, why: `is built from \`${e.text}\` at run time` };
    }
    if (tsm.isTaggedTemplateExpression(e)) return this.sqlTemplate(e);
    if (!tsm.isCallExpression(e)) return OTHER;
    const callee = skipOuter(tsm, e.expression);
    const name = tsm.isIdentifier(callee) ? callee.text : tsm.isPropertyAccessExpression(callee) ? callee.name.text : "";
    const args = this.arguments(e, depth);
    switch (name) {
      case "and":
        return and(args);
      case "or":
        return { kind: "or", items: args, why: "is inside or(...)" };
      case "not":
        return { kind: "weak", item: and(args), why: "is negated by not(...)" };
      case "eq":
      case "inArray":
      case "isNull":
        return this.comparison(name, e.arguments);
      default: {
        if (WEAK_COMPARISONS.has(name)) {
          const col = this.column(e.arguments[0]);
          return col?.tenant ? { kind: "mention", ref: col.ref, why: `compares the tenant column with ${name}(...)` } : OTHER;
        }
        if (name === "exists" || name === "notExists") return OTHER; // a subquery is its own chain
        return { kind: "dynamic", node: e, why: `is built by \`${callee.getText(this.ctx.sourceFile)}(...)\`` };
      }
    }
  }

  /** Arguments of `and`/`or`, with `...filters` spread from a local array and its `push`es. */
  private arguments(call: ts.CallExpression, depth: number): Pred[] {
    const tsm = this.ctx.ts;
    const out: Pred[] = [];
    for (const arg of call.arguments) {
      if (!tsm.isSpreadElement(arg)) {
        out.push(this.translate(arg, depth + 1));
        continue;
      }
      const inner = skipOuter(tsm, arg.expression);
      const elements = tsm.isIdentifier(inner) ? arrayElements(tsm, inner, call) : tsm.isArrayLiteralExpression(inner) ? inner.elements.map((expr) => ({ expr, conditional: undefined })) : undefined;
      if (!elements) {
        out.push({ kind: "dynamic", node: arg, why: `is built from \`${inner.getText(this.ctx.sourceFile)}\` at run time` });
        continue;
      }
      for (const el of elements) {
        const p = this.translate(el.expr, depth + 1);
        out.push(el.conditional ? { kind: "weak", item: p, why: `${el.conditional.replace("is added", "is pushed")}` } : p);
      }
    }
    return out;
  }

  private comparison(name: string, args: readonly ts.Expression[]): Pred {
    const left = this.column(args[0]);
    const right = this.column(args[1]);
    if (name === "eq" && left?.tenant && right?.tenant) return { kind: "join", a: left.ref, b: right.ref };
    const col = left?.tenant ? left : name === "eq" && right?.tenant ? right : undefined;
    if (!col) return OTHER;
    if (name === "isNull") return { kind: "null", ref: col.ref };
    const value = col === left ? args[1] : args[0];
    if (value && (isUndefinedLike(this.ctx.ts, value) || this.ctx.ts.isConditionalExpression(skipOuter(this.ctx.ts, value)))) return { kind: "weak", item: { kind: "tenant", ref: col.ref }, why: "compares with a value that may be undefined" };
    return { kind: "tenant", ref: col.ref };
  }

  /** `orders.tenantId` (or `o.tenantId` for a callback parameter) -> the reference and whether it is the tenant column. */
  column(expr: ts.Expression | undefined): { ref: TableRef; tenant: boolean } | undefined {
    const tsm = this.ctx.ts;
    if (!expr) return undefined;
    const e = skipOuter(tsm, expr);
    if (!tsm.isPropertyAccessExpression(e)) return undefined;
    const qualifier = skipOuter(tsm, e.expression).getText(this.ctx.sourceFile);
    const ref = this.refs.find((r) => r.qualifier === qualifier);
    if (!ref) return undefined;
    return { ref, tenant: isTenantKey(ref.table, e.name.text) };
  }

  /** sql`${orders.tenantId} = ${id}`: scoped when a tenant column is compared with `=` or `in`. */
  private sqlTemplate(e: ts.TaggedTemplateExpression): Pred {
    const tsm = this.ctx.ts;
    if (!tsm.isTemplateExpression(e.template)) return OTHER;
    const text = e.template.getText(this.ctx.sourceFile);
    for (const span of e.template.templateSpans) {
      const col = this.column(span.expression);
      if (!col?.tenant) continue;
      if (/\bor\b|\bnot\b/i.test(text)) return { kind: "mention", ref: col.ref, why: "is inside an OR or NOT of a sql`` fragment" };
      if (/^\s*(=|in\b)/i.test(span.literal.text)) return { kind: "tenant", ref: col.ref };
      return { kind: "mention", ref: col.ref, why: "is not compared with `=` in the sql`` fragment" };
    }
    return OTHER;
  }
}

export function isTenantKey(table: TenantTable, key: string): boolean {
  const entity = table.entities?.find((en) => en.orm === "drizzle");
  const column = entity?.fields[key];
  return column ? column === table.tenantColumn : tenantColumnMatches(key, table.tenantColumn);
}


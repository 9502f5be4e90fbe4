// Reads an ORM `where` written as an object literal (TypeORM, Sequelize) as a tree of AND/OR
// over fields, and says what it does for the tenant. Each ORM supplies its dialect: which keys
// combine (Sequelize `[Op.or]`), what a field value means (`Not(x)`, `{ [Op.ne]: x }`), and
// what an array where is (TypeORM: an OR of its elements).
import type ts from "typescript";
import type { TextEdit } from "../types";
import { tenantColumnMatches } from "../model/names";
import { broaderTenantFields, type EntityInfo, type TenantTable } from "../model/types";
import { fieldChanges } from "./object-changes";
import { returnedExpressions, skipOuter } from "../statements";

export { skipOuter };

export type WhereVerdict =
  | { kind: "scoped" }
  /** Only rows no tenant owns (`tenantId: null`, `IsNull()`): no other tenant's data. */
  /** `level`: the tenant field tested for null, on a table owned at several levels (see `levelNull`). */
  | { kind: "shared"; level?: string; levels?: readonly string[] }
  | { kind: "weak"; reason: string }
  | { kind: "missing" }
  /** Built somewhere tenantguard cannot read (a parameter, a spread, a function call). */
  | { kind: "unknown"; node: ts.Node };

export interface WhereDialect {
  ts: typeof ts;
  /** The combinator a key stands for (Sequelize `[Op.or]`), if it is one. */
  combinator(name: ts.PropertyName): "and" | "or" | "not" | undefined;
  /** What one field condition does for the tenant: `tenantId: v` scopes, `status: 'x'` is missing. */
  field(name: string, value: ts.Expression): WhereVerdict;
  /** What an array given as a where means. */
  arrayMeans: "or" | "and";
  /** The objects every return of a called helper hands back (`getWorkspaceSearchOptions(id)`), when it can be read. */
  built?(call: ts.CallExpression): readonly ts.ObjectLiteralExpression[] | undefined;
}

export const SCOPED: WhereVerdict = { kind: "scoped" };
export const MISSING: WhereVerdict = { kind: "missing" };

const OR_REASON = "sits inside OR (not every branch has it), so rows matching another branch leak";

/** What the where expression does for the tenant. */
export function evaluateWhere(expr: ts.Expression, dialect: WhereDialect, depth = 0): WhereVerdict {
  const { ts: tsm } = dialect;
  const node = resolveConst(tsm, expr);
  if (depth > 20) return { kind: "unknown", node };
  if (tsm.isArrayLiteralExpression(node)) {
    // `[...(a ? [x] : []), ...(b ? [y] : [])]` may be `[]`, which TypeORM reads as no condition at all.
    const mayBeEmpty =
      dialect.arrayMeans === "or" &&
      node.elements.length > 0 &&
      node.elements.every((e) => tsm.isSpreadElement(e) && spreadElements(tsm, e.expression, true)?.length === 0);
    if (mayBeEmpty)
      return {
        kind: "weak",
        reason: "may be an empty array (every element is spread in under a condition), which matches every row",
      };
    const parts = node.elements.flatMap((e): WhereVerdict[] => {
      if (!tsm.isSpreadElement(e)) return [evaluateWhere(e, dialect, depth + 1)];
      // `...(lastName ? [{ ...base, name }] : [])`: the elements of whichever array is spread in.
      // Under AND an element that may be missing scopes nothing: only an OR's branches are read so.
      const spread = dialect.arrayMeans === "or" ? spreadElements(tsm, e.expression) : undefined;
      return spread ? spread.map((x) => evaluateWhere(x, dialect, depth + 1)) : [{ kind: "unknown", node: e }];
    });
    // `const where = [{ tenantId }]; where.push({ isPublic: true })`: each push is one more branch (OR).
    const pushed = pushedElements(tsm, expr);
    if (pushed === "unknown") return { kind: "unknown", node: expr };
    if (pushed)
      parts.push(
        ...(dialect.arrayMeans === "or" ? [...pushed.always, ...pushed.sometimes] : pushed.always).map((x) =>
          evaluateWhere(x, dialect, depth + 1),
        ),
      );
    return dialect.arrayMeans === "or" ? anyOf(parts) : allOf(parts);
  }
  if (tsm.isCallExpression(node)) return builtWhere(node, dialect, depth);
  if (!tsm.isObjectLiteralExpression(node)) return { kind: "unknown", node };
  const held = skipOuter(tsm, expr);
  // `const where = { id, tenantId }; if (admin) delete where.tenantId`: changes before the query.
  const changes = tsm.isIdentifier(held) ? fieldChanges(tsm, held, held) : undefined;
  if (changes && "unknown" in changes) return { kind: "unknown", node: changes.unknown };
  const byKey = new Map<string, WhereVerdict>();
  const parts: WhereVerdict[] = [];
  node.properties.forEach((p, i) => {
    const verdict = evaluateProperty(p, dialect, depth);
    // `{ tenantId, ...filter }`: a later spread may hold a tenantId of its own.
    const name = !tsm.isSpreadAssignment(p) && p.name ? propertyName(tsm, p.name) : undefined;
    const replaced = name !== undefined && verdict.kind !== "missing" && replacedBy(tsm, node, i, name);
    if (replaced) parts.push({ kind: "unknown", node: replaced });
    else if (name !== undefined) byKey.set(name, verdict);
    else parts.push(verdict);
  });
  for (const change of changes ?? []) {
    // `{ ...base, id }` then `delete where.tenantId`: the tenant key may have come in with the spread
    // (another key, `where.placement = ...`, changes no tenant term whatever the spread held).
    const tenantKey = dialect.field(change.key, change.value ?? (change.node as ts.Expression)).kind !== "missing";
    const spread = tenantKey && !byKey.has(change.key) && !change.operator && spreadHolding(tsm, node, change.key);
    if (spread) return { kind: "unknown", node: change.node };
    const was = byKey.get(change.key) ?? MISSING;
    const now = !change.value
      ? MISSING
      : change.operator === "not"
        ? negated(evaluateWhere(change.value, dialect, depth + 1))
        : change.operator
          ? combined(change.value, dialect, change.operator, depth)
          : dialect.field(change.key, change.value);
    byKey.set(change.key, change.conditional || change.maybe ? either(was, now) : now);
  }
  parts.push(...byKey.values());
  return everyLevelNull(allOf(parts), parts);
}

/** A spread of the object literal that may bring the key `name`. */
function spreadHolding(tsm: typeof ts, obj: ts.ObjectLiteralExpression, name: string): boolean {
  return obj.properties.some((p) => tsm.isSpreadAssignment(p) && mayHold(tsm, p.expression, name, 0));
}

/** A key that holds one of two verdicts when the query runs (set or removed under a condition). */
function either(was: WhereVerdict, now: WhereVerdict): WhereVerdict {
  const holds = (v: WhereVerdict) => v.kind === "scoped" || v.kind === "shared";
  if (holds(was) && holds(now)) return was.kind === "scoped" ? was : now;
  if (was.kind === "missing" && now.kind === "missing") return MISSING;
  if (was.kind === "unknown") return was;
  if (now.kind === "unknown") return now;
  return {
    kind: "weak",
    reason:
      was.kind === "missing"
        ? "is set on the where object only under a condition, so some queries run without it"
        : "is removed or replaced on the where object under a condition, so some queries run without it",
  };
}

/**
 * On a table owned at several levels a row is shared only when every level is null (`{ teamId:
 * IsNull(), userId: IsNull() }`): one level null alone matches the rows owned at the others.
 */
function everyLevelNull(verdict: WhereVerdict, parts: readonly WhereVerdict[]): WhereVerdict {
  if (verdict.kind !== "shared" || !verdict.levels) return verdict;
  const nulled = new Set(parts.flatMap((p) => (p.kind === "shared" && p.level ? [p.level] : [])));
  const others = verdict.levels.filter((l) => !nulled.has(l));
  if (!others.length) return { kind: "shared" };
  return {
    kind: "weak",
    reason: `tests ${[...nulled][0] ?? "a tenant field"} for null, which matches every row owned at another level (${others.join(", ")}), not only rows no tenant owns`,
  };
}

/**
 * A where a helper returns (`findBy(getWorkspaceSearchOptions(workspaceId))`, or spread into one):
 * scoped when every object it returns is; one return without the tenant (`if (!id) return {}`)
 * makes it weak. A helper that cannot be read stays unknown.
 */
function builtWhere(call: ts.CallExpression, dialect: WhereDialect, depth: number): WhereVerdict {
  const objects = depth < 4 ? dialect.built?.(call) : undefined;
  if (!objects?.length) return { kind: "unknown", node: call };
  const verdicts = objects.map((o) => evaluateWhere(o, dialect, depth + 1));
  if (verdicts.every((v) => v.kind === "scoped" || v.kind === "shared"))
    return verdicts.find((v) => v.kind === "scoped") ?? verdicts[0]!;
  if (verdicts.some((v) => v.kind === "unknown")) return { kind: "unknown", node: call };
  return verdicts.some((v) => v.kind !== "missing")
    ? { kind: "weak", reason: "is returned by the helper on some paths only, so some queries run without it" }
    : MISSING;
}

function evaluateProperty(p: ts.ObjectLiteralElementLike, dialect: WhereDialect, depth: number): WhereVerdict {
  const { ts: tsm } = dialect;
  if (tsm.isSpreadAssignment(p)) {
    const spread = resolveConst(tsm, p.expression);
    if (tsm.isCallExpression(spread)) {
      const built = builtWhere(spread, dialect, depth);
      return built.kind === "unknown" ? { kind: "unknown", node: p } : built;
    }
    if (tsm.isObjectLiteralExpression(spread)) return evaluateWhere(spread, dialect, depth + 1);
    // `...(employeeId ? { employeeId } : {})`, `...(all && { status })`: each branch an object (or nothing).
    const branches = spreadBranches(tsm, spread);
    if (!branches) return { kind: "unknown", node: p };
    const verdicts = branches.map((b) => (b ? evaluateWhere(b, dialect, depth + 1) : MISSING));
    if (verdicts.some((v) => v.kind === "unknown")) return { kind: "unknown", node: p };
    if (verdicts.every((v) => v.kind === "missing")) return MISSING;
    return verdicts.every((v) => v.kind === "scoped" || v.kind === "shared")
      ? (verdicts.find((v) => v.kind === "scoped") ?? verdicts[0]!)
      : { kind: "weak", reason: "is spread in on one branch of a condition only, so some queries run without it" };
  }
  if (!tsm.isPropertyAssignment(p) && !tsm.isShorthandPropertyAssignment(p)) return MISSING;
  const value = tsm.isPropertyAssignment(p) ? p.initializer : p.name;
  const combinator = dialect.combinator(p.name);
  if (combinator === "and" || combinator === "or") return combined(value, dialect, combinator, depth);
  if (combinator === "not") return negated(evaluateWhere(value, dialect, depth + 1));
  const name = propertyName(tsm, p.name);
  return name === undefined ? MISSING : dialect.field(name, value);
}

/** The objects a conditional spread may add: `c ? { a } : {}` gives both; `c && { a }` gives `{ a }` and nothing (undefined). */
function spreadBranches(tsm: typeof ts, e: ts.Expression): (ts.ObjectLiteralExpression | undefined)[] | undefined {
  const x = skipOuter(tsm, e);
  const literal = (b: ts.Expression) => {
    const o = skipOuter(tsm, b);
    return tsm.isObjectLiteralExpression(o) ? o : null;
  };
  if (tsm.isConditionalExpression(x)) {
    const [a, b] = [literal(x.whenTrue), literal(x.whenFalse)];
    return a && b ? [a, b] : undefined;
  }
  if (tsm.isBinaryExpression(x) && x.operatorToken.kind === tsm.SyntaxKind.AmpersandAmpersandToken) {
    const a = literal(x.right);
    return a ? [a, undefined] : undefined;
  }
  return undefined;
}

/** `[Op.and]: [a, b]` / `[Op.or]: { a: 1, b: 2 }`: an array of wheres, or an object whose keys are the branches. */
function combined(value: ts.Expression, dialect: WhereDialect, op: "and" | "or", depth: number): WhereVerdict {
  const { ts: tsm } = dialect;
  const node = resolveConst(tsm, value);
  let parts: WhereVerdict[];
  if (tsm.isArrayLiteralExpression(node)) {
    parts = node.elements.map((e) => evaluateWhere(e, dialect, depth + 1));
    // `const whereAnd = []; whereAnd.push({ tenantId })` (crowd.dev): the terms pushed before the query.
    const pushed = pushedElements(tsm, value);
    if (pushed === "unknown") return { kind: "unknown", node: value };
    if (pushed) {
      // Under AND a term pushed only under a condition may be missing; one always pushed holds.
      // Under OR every push is one more branch, each must scope.
      const always = op === "and" ? pushed.always : [...pushed.always, ...pushed.sometimes];
      parts = [...parts, ...always.map((e) => evaluateWhere(e, dialect, depth + 1))];
    }
  } else if (tsm.isObjectLiteralExpression(node))
    parts = node.properties.map((p) => evaluateProperty(p, dialect, depth + 1));
  else return { kind: "unknown", node };
  return op === "and" ? allOf(parts) : anyOf(parts);
}

/**
 * What `list.push(...)` adds to a const array before `at` (`value`, the list's name where it is
 * used): each pushed element, as pushed in the list's own block (always) or under a condition
 * (sometimes). "unknown" when the list changes another way (`splice`, `length = 0`, a spread push,
 * handed to a call); undefined when `value` is no name of a const array of this function.
 */
function pushedElements(
  tsm: typeof ts,
  value: ts.Expression,
): { always: ts.Expression[]; sometimes: ts.Expression[] } | "unknown" | undefined {
  const id = skipOuter(tsm, value);
  if (!tsm.isIdentifier(id)) return undefined;
  const decl = findVariable(tsm, id);
  if (!decl?.initializer || !(tsm.getCombinedNodeFlags(decl) & tsm.NodeFlags.Const)) return undefined;
  const block = decl.parent.parent.parent;
  let body: ts.Node | undefined = decl;
  while (body && !tsm.isFunctionLike(body) && !tsm.isSourceFile(body)) body = body.parent;
  if (!body || !block) return undefined;
  const out = { always: [] as ts.Expression[], sometimes: [] as ts.Expression[] };
  let unknown = false;
  const visit = (n: ts.Node): void => {
    if (unknown) return;
    if (tsm.isIdentifier(n) && n.text === id.text && n !== decl.name && n !== id && n.pos >= decl.end) {
      const access = n.parent;
      const call = access?.parent;
      const pushed =
        tsm.isPropertyAccessExpression(access) &&
        access.expression === n &&
        access.name.text === "push" &&
        call &&
        tsm.isCallExpression(call) &&
        call.expression === access;
      // Read as a value where it is used (`{ [Op.and]: whereAnd }`, its length) changes nothing.
      const read =
        (tsm.isPropertyAssignment(access) && access.initializer === n) ||
        (tsm.isPropertyAccessExpression(access) &&
          access.expression === n &&
          access.name.text === "length" &&
          !(tsm.isBinaryExpression(access.parent) && access.parent.left === access));
      if (pushed && n.pos < id.pos) {
        const args = (call as ts.CallExpression).arguments;
        if (args.some((a) => tsm.isSpreadElement(a))) unknown = true;
        const always = tsm.isExpressionStatement(call!.parent) && call!.parent.parent === block;
        (always ? out.always : out.sometimes).push(...(args as readonly ts.Expression[]));
      } else if (!pushed && !read) unknown = true;
    }
    tsm.forEachChild(n, visit);
  };
  visit(body);
  if (unknown) return "unknown";
  return out.always.length || out.sometimes.length ? out : undefined;
}

/** AND: one scoping term is enough. */
export function allOf(parts: WhereVerdict[]): WhereVerdict {
  return (
    parts.find((p) => p.kind === "scoped") ??
    parts.find((p) => p.kind === "shared") ??
    parts.find((p) => p.kind === "weak") ??
    parts.find((p) => p.kind === "unknown") ??
    MISSING
  );
}

/** OR: scoped only when every branch is (a `tenantId: null` branch adds only unowned rows). */
export function anyOf(parts: WhereVerdict[]): WhereVerdict {
  if (parts.length === 0) return MISSING;
  if (parts.every((p) => p.kind === "scoped" || p.kind === "shared"))
    return parts.find((p) => p.kind === "scoped") ?? parts[0];
  // Every branch pins the tenant, one weakly (`[{ userId }, { teamId: IsNull() }]`): that branch's reason.
  const weak = parts.find((p) => p.kind === "weak");
  if (weak && parts.every((p) => p.kind === "scoped" || p.kind === "shared" || p.kind === "weak")) return weak;
  if (parts.some((p) => p.kind === "scoped" || p.kind === "shared" || p.kind === "weak"))
    return { kind: "weak", reason: OR_REASON };
  return parts.find((p) => p.kind === "unknown") ?? MISSING;
}

/**
 * Only rows no tenant owns (`IsNull()`, `null`) on a table owned at several levels: a row with this
 * level null can be owned at another one (a personal row has no team), so it is not a shared row.
 */
export function levelNull(verdict: WhereVerdict, name: string, table: TenantTable, entity: EntityInfo): WhereVerdict {
  const broader = broaderTenantFields(table, entity);
  if (verdict.kind !== "shared" || !broader.length) return verdict;
  const own = Object.entries(entity.fields).filter(([, column]) => tenantColumnMatches(column, table.tenantColumn));
  // Judged by the object that holds it (`everyLevelNull`): shared only when every level is null there.
  return { kind: "shared", level: name, levels: [...own.map(([field]) => field), ...broader] };
}

export function negated(inner: WhereVerdict): WhereVerdict {
  if (inner.kind === "missing" || inner.kind === "unknown") return inner;
  return { kind: "weak", reason: "sits inside NOT" };
}

/** Whether an object written to the table (create/insert data) sets the tenant field. */
export function setsField(
  tsm: typeof ts,
  expr: ts.Expression,
  isTenantKey: (name: string) => boolean,
): "yes" | "no" | "unknown" {
  const node = resolveConst(tsm, expr);
  if (!tsm.isObjectLiteralExpression(node)) return "unknown";
  let unknown = false;
  for (const p of node.properties) {
    if (tsm.isSpreadAssignment(p)) {
      const inner = setsField(tsm, p.expression, isTenantKey);
      if (inner === "yes") return "yes";
      if (inner === "unknown") unknown = true;
      continue;
    }
    if (!tsm.isPropertyAssignment(p) && !tsm.isShorthandPropertyAssignment(p)) continue;
    const name = propertyName(tsm, p.name);
    if (name === undefined || !isTenantKey(name)) continue;
    if (tsm.isPropertyAssignment(p) && isNullish(tsm, p.initializer)) continue;
    return "yes";
  }
  return unknown ? "unknown" : "no";
}

/**
 * The objects a written value holds: an object literal, the elements of an array literal, or
 * the object an `items.map((i) => ({ ... }))` callback returns for every element.
 */
export function writtenObjects(tsm: typeof ts, expr: ts.Expression): ts.Expression[] {
  const node = resolveConst(tsm, expr);
  if (tsm.isArrayLiteralExpression(node)) return node.elements.filter((e) => !tsm.isSpreadElement(e));
  const mapped = mappedRows(tsm, node);
  if (mapped) return mapped.rows ?? [];
  return [expr];
}

/**
 * `items.map((item) => ({ ... }))`: the array mapped, the callback's element parameter, and the
 * values it returns (every return of a block body; undefined when the callback is not read).
 */
export function mappedRows(
  tsm: typeof ts,
  node: ts.Expression,
): { receiver: ts.Expression; element?: ts.ParameterDeclaration; rows?: ts.Expression[] } | undefined {
  if (!tsm.isCallExpression(node) || !tsm.isPropertyAccessExpression(node.expression)) return undefined;
  if (node.expression.name.text !== "map") return undefined;
  const receiver = node.expression.expression;
  const fn = node.arguments[0];
  if (!fn || !(tsm.isArrowFunction(fn) || tsm.isFunctionExpression(fn))) return { receiver };
  const rows = returnedExpressions(tsm, fn);
  return { receiver, element: fn.parameters[0], ...(rows.length && { rows }) };
}

/** Follows a `const` identifier (declared in an enclosing scope of this file) to its initializer. */
export function resolveConst(tsm: typeof ts, expr: ts.Expression, depth = 0): ts.Expression {
  let node = skipOuter(tsm, expr);
  if (depth > 5 || !tsm.isIdentifier(node)) return node;
  const decl = findVariable(tsm, node);
  if (
    decl &&
    decl.initializer &&
    tsm.isVariableDeclarationList(decl.parent) &&
    decl.parent.flags & tsm.NodeFlags.Const
  ) {
    node = resolveConst(tsm, decl.initializer, depth + 1);
  }
  return node;
}

/**
 * The first spread after `obj.properties[index]` (or anywhere, for -1) that may hold a property
 * `name` of its own and so replace it: `{ where: { tenantId }, ...args }`, `{ tenantId, ...filter }`.
 * A spread of an object, or of a choice of objects (`...(q ? { name: q } : {})`), without that
 * key replaces nothing.
 */
export function replacedBy(
  tsm: typeof ts,
  obj: ts.ObjectLiteralExpression,
  index: number,
  name: string,
  /** The objects a called helper returns (`...this.buildConditionClause(c)`, plunk), when they can be read. */
  returns?: HelperReturns,
): ts.SpreadAssignment | ts.PropertyAssignment | undefined {
  for (const p of obj.properties.slice(index + 1)) {
    if (tsm.isSpreadAssignment(p) && mayHold(tsm, p.expression, name, 0, returns)) return p;
    // `[key]: value`: a computed key may be that name; not Sequelize's operators (`[Op.or]`), which are symbols.
    if (
      tsm.isPropertyAssignment(p) &&
      tsm.isComputedPropertyName(p.name) &&
      propertyName(tsm, p.name) === undefined &&
      !isOperatorKey(tsm, p.name.expression)
    )
      return p;
  }
  return undefined;
}

/**
 * The wheres an options object may hold when `replacing` (a spread that may hold a where) comes
 * after the where it writes, one per way the spread can go: `...(projectId && { where: { projectId }
 * })` is that where, or the one written before it (undefined: none). Undefined when the spread is
 * no choice of objects, or another spread may hold a where too.
 */
export function whereChoices(
  tsm: typeof ts,
  options: ts.ObjectLiteralExpression,
  replacing: ts.SpreadAssignment | ts.PropertyAssignment,
): (ts.Expression | undefined)[] | undefined {
  if (!tsm.isSpreadAssignment(replacing)) return undefined;
  const at = options.properties.indexOf(replacing);
  if (replacedBy(tsm, options, at, "where")) return undefined;
  const branches = spreadBranches(tsm, resolveConst(tsm, replacing.expression));
  if (!branches) return undefined;
  const valueOf = (p: ts.PropertyAssignment | ts.ShorthandPropertyAssignment | undefined) =>
    p && (tsm.isPropertyAssignment(p) ? p.initializer : p.name);
  const written = valueOf(lastWhere(tsm, options));
  const choices: (ts.Expression | undefined)[] = [];
  for (const b of branches) {
    if (b && replacedBy(tsm, b, lastPropertyIndex(tsm, b, "where"), "where")) return undefined;
    const own = b && lastWhere(tsm, b);
    choices.push(own ? valueOf(own) : written);
  }
  return choices;
}

/**
 * Whether the const object `id` names may hold other keys than its initializer writes: a field set
 * (`x.where = ...`, `x[k] = ...`), deleted, or the object handed to a call (`Object.assign(x, q)`).
 */
function changedAfterDeclaration(tsm: typeof ts, id: ts.Identifier): boolean {
  const decl = findVariable(tsm, id);
  if (!decl) return false;
  let body: ts.Node | undefined = decl;
  while (body && !tsm.isFunctionLike(body) && !tsm.isSourceFile(body)) body = body.parent;
  if (!body) return false;
  let changed = false;
  const visit = (n: ts.Node): void => {
    if (changed) return;
    if (tsm.isIdentifier(n) && n.text === id.text && n !== decl.name && n.pos >= decl.end) {
      const p = n.parent;
      if ((tsm.isPropertyAccessExpression(p) || tsm.isElementAccessExpression(p)) && p.expression === n) {
        const outer = p.parent;
        if (
          tsm.isDeleteExpression(outer) ||
          (tsm.isBinaryExpression(outer) &&
            outer.left === p &&
            outer.operatorToken.kind >= tsm.SyntaxKind.FirstAssignment &&
            outer.operatorToken.kind <= tsm.SyntaxKind.LastAssignment)
        )
          changed = true;
      } else if ((tsm.isCallExpression(p) || tsm.isNewExpression(p)) && p.expression !== n) changed = true;
    }
    tsm.forEachChild(n, visit);
  };
  visit(body);
  return changed;
}

/** `Op.or`, `Sequelize.Op.and`: a symbol, never a field's name. */
function isOperatorKey(tsm: typeof ts, e: ts.Expression): boolean {
  const x = skipOuter(tsm, e);
  return tsm.isPropertyAccessExpression(x) && /(?:^|\.)Op$/.test(x.expression.getText());
}

/**
 * What the options' where is when `replacing` (a spread that may hold a where) follows the where
 * written before it: `scoped` when every way it can go scopes, `missing` when a way has no where
 * at all or one without the tenant, `dynamic` when a way cannot be read.
 */
export function spreadWhereVerdict(
  tsm: typeof ts,
  options: ts.ObjectLiteralExpression,
  replacing: ts.SpreadAssignment | ts.PropertyAssignment,
  dialect: WhereDialect,
): "scoped" | "missing" | "dynamic" {
  const choices = whereChoices(tsm, options, replacing);
  return choices ? choicesVerdict(choices, dialect) : "dynamic";
}

/** What a where is when it may be any of `choices` (undefined: no where): every way must scope. */
export function choicesVerdict(
  choices: readonly (ts.Expression | undefined)[],
  dialect: WhereDialect,
): "scoped" | "missing" | "dynamic" {
  // `{ where: undefined }` (or null) is no where at all.
  const verdicts = choices.map((w) => (w && !isNullish(dialect.ts, w) ? evaluateWhere(w, dialect) : MISSING));
  // A way with no where at all reads every tenant's rows, whatever the others hold.
  const none = verdicts.some((v) => v.kind === "missing");
  if (!none && verdicts.some((v) => v.kind === "unknown")) return "dynamic";
  return verdicts.every((v) => v.kind === "scoped" || v.kind === "shared") ? "scoped" : "missing";
}

/** The `where` an options object holds: the last one written (`{ where: a, ["where"]: b }` is `b`). */
export function lastWhere(
  tsm: typeof ts,
  obj: ts.ObjectLiteralExpression,
): ts.PropertyAssignment | ts.ShorthandPropertyAssignment | undefined {
  const p = obj.properties[lastPropertyIndex(tsm, obj, "where")];
  return p && (tsm.isPropertyAssignment(p) || tsm.isShorthandPropertyAssignment(p)) ? p : undefined;
}

/** The index of the last property named `name` (the one that holds), or -1. */
export function lastPropertyIndex(tsm: typeof ts, obj: ts.ObjectLiteralExpression, name: string): number {
  for (let i = obj.properties.length - 1; i >= 0; i--) {
    const p = obj.properties[i]!;
    if (!tsm.isSpreadAssignment(p) && p.name && propertyName(tsm, p.name) === name) return i;
  }
  return -1;
}

export type HelperReturns = (call: ts.CallExpression) => readonly ts.ObjectLiteralExpression[] | undefined;

function mayHold(tsm: typeof ts, expr: ts.Expression, name: string, depth: number, returns?: HelperReturns): boolean {
  if (depth > 5) return true;
  // `const paging = { take: 10 }`, then `paging.where = q.where` or `Object.assign(paging, q)`.
  const held = skipOuter(tsm, expr);
  if (tsm.isIdentifier(held) && changedAfterDeclaration(tsm, held)) return true;
  const e = resolveConst(tsm, expr);
  if (isNullish(tsm, e) || e.kind === tsm.SyntaxKind.FalseKeyword) return false;
  if (tsm.isObjectLiteralExpression(e))
    return e.properties.some((p) => {
      if (tsm.isSpreadAssignment(p)) return mayHold(tsm, p.expression, name, depth + 1, returns);
      const key = p.name && propertyName(tsm, p.name);
      return key === undefined || key === name;
    });
  if (tsm.isConditionalExpression(e))
    return mayHold(tsm, e.whenTrue, name, depth + 1, returns) || mayHold(tsm, e.whenFalse, name, depth + 1, returns);
  if (tsm.isBinaryExpression(e)) {
    const op = e.operatorToken.kind;
    // `...(a && { x })`: a falsy `a` spreads nothing of its own.
    if (op === tsm.SyntaxKind.AmpersandAmpersandToken) return mayHold(tsm, e.right, name, depth + 1, returns);
    if (op === tsm.SyntaxKind.BarBarToken || op === tsm.SyntaxKind.QuestionQuestionToken)
      return mayHold(tsm, e.left, name, depth + 1, returns) || mayHold(tsm, e.right, name, depth + 1, returns);
  }
  // `...this.buildConditionClause(condition)`: every object the helper returns, when it can be read.
  const returned = tsm.isCallExpression(e) ? returns?.(e) : undefined;
  if (returned?.length) return returned.some((o) => mayHold(tsm, o, name, depth + 1, returns));
  return true;
}

/** The variable declaration an identifier names, searched in its enclosing blocks (no type checker needed). */
export function findVariable(tsm: typeof ts, id: ts.Identifier): ts.VariableDeclaration | undefined {
  for (let scope: ts.Node | undefined = id.parent; scope; scope = scope.parent) {
    if (!(tsm.isBlock(scope) || tsm.isSourceFile(scope) || tsm.isModuleBlock(scope) || tsm.isCaseClause(scope)))
      continue;
    for (const statement of scope.statements) {
      if (!tsm.isVariableStatement(statement)) continue;
      for (const decl of statement.declarationList.declarations) {
        if (tsm.isIdentifier(decl.name) && decl.name.text === id.text && decl.name !== id) return decl;
      }
    }
  }
  return undefined;
}

/** The parameter of an enclosing function an identifier names. */
export function findParameter(tsm: typeof ts, id: ts.Identifier): ts.ParameterDeclaration | undefined {
  for (let scope: ts.Node | undefined = id.parent; scope; scope = scope.parent) {
    if (!tsm.isFunctionLike(scope)) continue;
    const hit = scope.parameters.find((p) => tsm.isIdentifier(p.name) && p.name.text === id.text);
    if (hit) return hit;
  }
  return undefined;
}

export function propertyName(tsm: typeof ts, name: ts.PropertyName): string | undefined {
  if (
    tsm.isIdentifier(name) ||
    tsm.isStringLiteral(name) ||
    tsm.isNumericLiteral(name) ||
    tsm.isPrivateIdentifier(name)
  )
    return name.text;
  if (tsm.isComputedPropertyName(name) && tsm.isStringLiteral(name.expression)) return name.expression.text;
  return undefined;
}

export function isNullish(tsm: typeof ts, expr: ts.Expression): boolean {
  const node = skipOuter(tsm, expr);
  return (
    node.kind === tsm.SyntaxKind.NullKeyword ||
    (tsm.isIdentifier(node) && node.text === "undefined") ||
    tsm.isVoidExpression(node)
  );
}

/** `tenantId` when the value is the same identifier, else `tenantId: <value>`. */
export function propertyText(field: string, value: string): string {
  return field === value ? field : `${/^[A-Za-z_$][\w$]*$/.test(field) ? field : JSON.stringify(field)}: ${value}`;
}

/** Adds a property to an object literal, keeping its one-line or multi-line layout. */
export function addPropertyEdit(
  tsm: typeof ts,
  sourceFile: ts.SourceFile,
  obj: ts.ObjectLiteralExpression,
  text: string,
  atStart = false,
): TextEdit {
  const props = obj.properties;
  if (props.length === 0) return { start: obj.getStart(sourceFile), end: obj.getEnd(), newText: `{ ${text} }` };
  const lineOf = (pos: number) => sourceFile.getLineAndCharacterOfPosition(pos).line;
  const first = props[0];
  const multiline = lineOf(obj.getStart(sourceFile)) !== lineOf(first.getStart(sourceFile));
  if (atStart) {
    const at = first.getStart(sourceFile);
    return { start: at, end: at, newText: multiline ? `${text},\n${indentAt(sourceFile, at)}` : `${text}, ` };
  }
  const last = props[props.length - 1];
  const at = last.getEnd();
  void tsm;
  return {
    start: at,
    end: at,
    newText: multiline ? `,\n${indentAt(sourceFile, last.getStart(sourceFile))}${text}` : `, ${text}`,
  };
}

function indentAt(sourceFile: ts.SourceFile, pos: number): string {
  const lineStart = sourceFile.text.lastIndexOf("\n", pos - 1) + 1;
  return /^[ \t]*/.exec(sourceFile.text.slice(lineStart))![0];
}

/**
 * The elements an array spread may put in: of an array literal, or of either branch of `c ? [...] :
 * [...]`. With `fewest`, the elements it puts in for certain: the shorter branch's (`[]` for `c ? [x] : []`).
 */
function spreadElements(tsm: typeof ts, e: ts.Expression, fewest = false): ts.Expression[] | undefined {
  let x = e;
  while (tsm.isParenthesizedExpression(x)) x = x.expression;
  if (tsm.isArrayLiteralExpression(x))
    return x.elements.some((el) => tsm.isSpreadElement(el)) ? undefined : [...x.elements];
  if (!tsm.isConditionalExpression(x)) return undefined;
  const a = spreadElements(tsm, x.whenTrue, fewest);
  const b = spreadElements(tsm, x.whenFalse, fewest);
  if (!a || !b) return undefined;
  return fewest ? (a.length <= b.length ? a : b) : [...a, ...b];
}

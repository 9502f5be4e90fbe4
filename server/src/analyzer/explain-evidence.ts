// The evidence of a tenant predicate inside an ORM call, found by shape whatever the ORM (for
// `--explain` and hovers): a property named like the tenant, a call comparing the tenant column,
// a string naming it; relation filters make it a parent proof.
import type ts from "typescript";
import { isCredentialField, isPublicFlag } from "./credentials";
import { identifiesOwnRows, identityDecides, isSessionUser, userKeyOf } from "./membership";
import { escapeRegExp } from "./escape-regexp";
import { tenantNameVariants } from "./fixes/tenant-value";
import { relationsOf } from "./model/relations";
import { isShareKey, lookupTenantTable, type TenantModel, type TenantTable } from "./model/types";
import { constDeclaration, strip } from "./orm/prisma-syntax";
import { calleeName, enclosingFunction } from "./statements";
import { endsPath } from "./flow/conditions";
import { normalize } from "./flow/flow-values";
import type { ProofKind } from "./types";

/**
 * Every spelling of a table's tenant columns and their ORM fields (`tenant_id`, `tenantId`). For a
 * table owned through its parent, the parent's column: found inside a relation filter.
 */
export function tenantSpellings(table: TenantTable): Set<string> {
  const columns = new Set([table.tenantColumn, ...(table.tenantColumns ?? [])]);
  const fields = (table.entities ?? []).flatMap((e) =>
    Object.entries(e.fields)
      .filter(([, column]) => columns.has(column))
      .map(([field]) => field),
  );
  return new Set([...columns, ...fields].flatMap((c) => tenantNameVariants(c)));
}

/**
 * The keys that say which tenant owns a row: the tenant column, or for a table owned through its
 * parent the owning key (`envelopeId` of a field owned through its envelope), in every spelling.
 */
function ownerKeySpellings(table: TenantTable): Set<string> {
  if (!table.owner) return tenantSpellings(table);
  const column = table.owner.column;
  const fields = (table.entities ?? []).flatMap((e) =>
    Object.entries(e.fields)
      .filter(([, c]) => c === column)
      .map(([field]) => field),
  );
  return new Set([column, ...fields].flatMap((c) => tenantNameVariants(c)));
}

export interface TenantEvidence {
  kind: Extract<
    ProofKind,
    | "predicate"
    | "parent"
    | "shared-or-owned"
    | "credential"
    | "membership"
    | "own-rows"
    | "share-link"
    | "public-rows"
    | "owner-lookup"
  >;
  start: number;
  end: number;
  /** The evidence's text on one line, shortened. */
  text: string;
  /** Inside a write's `data`/`values` (the tenant column set), not a filter. */
  inData: boolean;
}

// Property names that only give an ORM call's shape; a tenant property under any other name sits
// in a relation filter (`project: { tenantId }`): owned through the parent.
const STRUCTURAL = new Set([
  "where",
  "AND",
  "OR",
  "NOT",
  "data",
  "create",
  "update",
  "upsert",
  "values",
  "set",
  "equals",
  "in",
  "eq",
]);
const NOT_FILTERS = new Set([
  "select",
  "selectAll",
  "include",
  "omit",
  "columns",
  "attributes",
  "orderBy",
  "order",
  "groupBy",
  "returning",
  "distinct",
  "distinctOn",
  "_count",
]);
const WRITE_SHAPES = new Set(["data", "create", "values", "set"]);
const MAX_CONST_DEPTH = 3;

/**
 * The tenant predicate inside an ORM call, found by shape, whatever the ORM: a property named
 * like the tenant (`tenantId: v`, `{ tenant_id }`, a compound unique `id_tenantId`), a call
 * comparing a tenant column (`eq(t.tenantId, v)`), or a string naming it (`.where('tenant_id', v)`,
 * TypeORM's `"o.tenant_id = :tenant"`). Consts the call uses (`{ where }`) are followed.
 */
export function findTenantEvidence(
  tsm: typeof ts,
  sourceFile: ts.SourceFile,
  call: ts.Node,
  names: ReadonlySet<string>,
): TenantEvidence | undefined {
  const word = new RegExp(`(?:^|[^A-Za-z0-9_])(?:${[...names].map(escapeRegExp).join("|")})(?![A-Za-z0-9_])`);
  const isTenantName = (name: string) =>
    names.has(name) || (name.includes("_") && name.split("_").some((part) => names.has(part)));
  const ctx = { ts: tsm, sourceFile };

  const visit = (node: ts.Node, depth: number): TenantEvidence | undefined => {
    const hit = matchNode(node);
    if (hit) return hit;
    // `select: { tenantId: true }`, `.orderBy(t.tenantId)`: they name the column without filtering on it.
    if (tsm.isPropertyAssignment(node) && NOT_FILTERS.has(propertyName(tsm, node.name) ?? "")) return undefined;
    if (tsm.isCallExpression(node) && NOT_FILTERS.has(calleeName(tsm, node) ?? ""))
      return visit(node.expression, depth);
    if (tsm.isIdentifier(node) && depth < MAX_CONST_DEPTH && isValuePosition(tsm, node)) {
      const init = constDeclaration(ctx, node)?.initializer ?? chainRootInitializer(tsm, node);
      if (init && !isFunctionLike(tsm, init)) {
        const inner = visit(init, depth + 1);
        if (inner) return inner;
      }
    }
    return tsm.forEachChild(node, (child) => visit(child, depth));
  };

  const matchNode = (node: ts.Node): TenantEvidence | undefined => {
    if (tsm.isPropertyAssignment(node) || tsm.isShorthandPropertyAssignment(node)) {
      const name = propertyName(tsm, node.name);
      if (!name || !isTenantName(name)) return undefined;
      if (tsm.isPropertyAssignment(node) && strip(tsm, node.initializer).kind === tsm.SyntaxKind.NullKeyword) {
        const or = enclosingProperty(tsm, node, call, "OR");
        if (or) return evidence("shared-or-owned", or, false);
      }
      const relation = relationOf(tsm, node, call);
      if (relation) return evidence("parent", relation, false);
      return evidence("predicate", node, inWriteShape(tsm, node, call));
    }
    if (tsm.isCallExpression(node) && !NOT_FILTERS.has(calleeName(tsm, node) ?? "")) {
      const first = node.arguments[0];
      const mentions = node.arguments.some((a) => {
        const s = strip(tsm, a);
        return tsm.isPropertyAccessExpression(s) && names.has(s.name.text);
      });
      const names1 = first && tsm.isStringLiteralLike(first) && word.test(first.text);
      if (mentions || names1) {
        // `db.selectFrom(...).where('tenant_id', ...)`: the evidence starts at `where`, not the chain.
        const from = tsm.isPropertyAccessExpression(node.expression) ? node.expression.name : node;
        return evidence("predicate", node, false, from.getStart(sourceFile));
      }
    }
    if (tsm.isStringLiteralLike(node) && word.test(node.text) && !tsm.isCallExpression(node.parent))
      return evidence("predicate", node, false);
    return undefined;
  };

  const evidence = (
    kind: TenantEvidence["kind"],
    node: ts.Node,
    inData: boolean,
    start = node.getStart(sourceFile),
  ): TenantEvidence => ({
    kind,
    start,
    end: node.getEnd(),
    text: sourceFile.text.slice(start, node.getEnd()),
    inData,
  });

  // A query builder's call may be the chain's inner call (`createQueryBuilder("x")`): its
  // `.where(...)` sits in the calls around it.
  return visit(outermostChainCall(tsm, call), 0);
}

/**
 * `findUnique({ where: { id }, select: { projectId: true } })`, or through the parents a row is
 * owned through (`select: { content: { select: { environmentId: true } } }`): a lookup of which
 * tenant owns a row, the first step of an authorization check. It hands back none of the row's
 * data, only its tenant key (and its id). The `select` property, when the call is one.
 */
export function ownerLookupSelect(
  tsm: typeof ts,
  call: ts.CallExpression,
  model: TenantModel,
  table: TenantTable,
): ts.PropertyAssignment | undefined {
  const selectOf = (o: ts.ObjectLiteralExpression) =>
    o.properties.find(
      (p): p is ts.PropertyAssignment => tsm.isPropertyAssignment(p) && propertyName(tsm, p.name) === "select",
    );
  const onlyOwner = (e: ts.Expression, t: TenantTable, depth: number): boolean => {
    const o = strip(tsm, e);
    if (!tsm.isObjectLiteralExpression(o) || depth > MAX_OWNER_DEPTH) return false;
    const spellings = ownerKeySpellings(t);
    let tenant = false;
    for (const p of o.properties) {
      const name = tsm.isPropertyAssignment(p) ? propertyName(tsm, p.name) : undefined;
      if (!name) return false;
      const v = strip(tsm, (p as ts.PropertyAssignment).initializer);
      if (v.kind === tsm.SyntaxKind.TrueKeyword) {
        if (spellings.has(name)) tenant = true;
        else if (name !== "id") return false;
        continue;
      }
      // `content: { select: { environmentId: true } }`: the parent's tenant key, and nothing else of it.
      const nested = tsm.isObjectLiteralExpression(v) && v.properties.length === 1 ? selectOf(v) : undefined;
      const parent = nested && relationsOf(model, t.name).prismaRelations.get(name);
      const parentTable = parent && lookupTenantTable(model, parent);
      if (!nested || !parentTable || !onlyOwner(nested.initializer, parentTable, depth + 1)) return false;
      tenant = true;
    }
    return tenant;
  };
  const args = call.arguments[0] && strip(tsm, call.arguments[0]);
  if (!args || !tsm.isObjectLiteralExpression(args)) return undefined;
  const select = selectOf(args);
  return select && onlyOwner(select.initializer, table, 0) ? select : undefined;
}

const MAX_OWNER_DEPTH = 4;

/**
 * `const taken = await prisma.link.findFirst({ where: { slug } }); if (taken) throw ...`: a read
 * whose answer is only tested for presence tells whether some row matches and nothing of it (a
 * slug free across every tenant), whatever it selects. What to point at: its `select`, else the call.
 */
export function existenceCheck(tsm: typeof ts, call: ts.CallExpression): ts.Node | undefined {
  const args = call.arguments[0] && strip(tsm, call.arguments[0]);
  if (!args || !tsm.isObjectLiteralExpression(args)) return undefined;
  const select = args.properties.find(
    (p): p is ts.PropertyAssignment => tsm.isPropertyAssignment(p) && propertyName(tsm, p.name) === "select",
  );
  const evidence = select ?? call;
  const at = awaitedCall(tsm, call);
  if (testsPresence(tsm, at)) return evidence;
  const decl = at.parent;
  if (!tsm.isVariableDeclaration(decl) || decl.initializer !== at || !tsm.isIdentifier(decl.name)) return undefined;
  if (!(decl.parent.flags & tsm.NodeFlags.Const)) return undefined;
  let scope: ts.Node = decl;
  while (scope.parent && !tsm.isFunctionLike(scope) && !tsm.isSourceFile(scope)) scope = scope.parent;
  return everyUse(tsm, decl, scope, (use) => testsPresence(tsm, use)) ? evidence : undefined;
}

/**
 * `const n = await prisma.typebot.count({ where: { publicId } }); return n > 0`: a count only
 * compared with zero (or tested for truth) tells whether a row exists, as an existence check does.
 */
export function countTestsPresence(tsm: typeof ts, call: ts.CallExpression): ts.Node | undefined {
  const zeroTest = (e: ts.Node): boolean => {
    let at = e;
    while (tsm.isParenthesizedExpression(at.parent)) at = at.parent;
    const p = at.parent;
    if (testsPresence(tsm, at)) return true;
    if (!p || !tsm.isBinaryExpression(p)) return false;
    const other = strip(tsm, p.left === at ? p.right : p.left);
    if (!tsm.isNumericLiteral(other)) return false;
    const S = tsm.SyntaxKind;
    const op = p.operatorToken.kind;
    const comparison = [
      S.GreaterThanToken,
      S.GreaterThanEqualsToken,
      S.LessThanToken,
      S.LessThanEqualsToken,
      S.EqualsEqualsToken,
      S.EqualsEqualsEqualsToken,
      S.ExclamationEqualsToken,
      S.ExclamationEqualsEqualsToken,
    ].includes(op);
    // Against 0 (or 1 with `>=`/`<`): whether there is a row, not how many.
    return (
      comparison &&
      (other.text === "0" || (other.text === "1" && (op === S.GreaterThanEqualsToken || op === S.LessThanToken)))
    );
  };
  const at = awaitedCall(tsm, call);
  if (zeroTest(at)) return call;
  const decl = at.parent;
  if (!tsm.isVariableDeclaration(decl) || decl.initializer !== at || !tsm.isIdentifier(decl.name)) return undefined;
  if (!(decl.parent.flags & tsm.NodeFlags.Const)) return undefined;
  let scope: ts.Node = decl;
  while (scope.parent && !tsm.isFunctionLike(scope) && !tsm.isSourceFile(scope)) scope = scope.parent;
  return everyUse(tsm, decl, scope, zeroTest) ? call : undefined;
}

/**
 * Whether the read only picks what else to do, the path going on either way: every use of its row
 * is the test of an `if` neither of whose branches ends the path (`if (!mailEvent) await
 * record(...)`), or one whose row must be absent (`if (taken) throw`: a name that must be free).
 * Any other test (`if (!book) throw`, `notFound()`, `?:`, a copy of it) may be a check of the key.
 */
export function decidesNothingOfKey(tsm: typeof ts, call: ts.CallExpression): boolean {
  const at = awaitedCall(tsm, call);
  const harmless = (use: ts.Node): boolean => {
    let e = use;
    while (tsm.isParenthesizedExpression(e.parent)) e = e.parent;
    let negated = false;
    if (tsm.isPrefixUnaryExpression(e.parent) && e.parent.operator === tsm.SyntaxKind.ExclamationToken) {
      negated = true;
      e = e.parent;
      while (tsm.isParenthesizedExpression(e.parent)) e = e.parent;
    }
    const st = e.parent;
    if (!st || !tsm.isIfStatement(st) || st.expression !== e) return false;
    const thenEnds = endsPath(tsm, st.thenStatement);
    const elseEnds = !!st.elseStatement && endsPath(tsm, st.elseStatement);
    // `if (taken) throw`: the path goes on only without a row.
    if (!negated && thenEnds && !st.elseStatement) return true;
    return !thenEnds && !elseEnds && !mayNotReturn(tsm, st.thenStatement) && !mayNotReturn(tsm, st.elseStatement);
  };
  if (harmless(at)) return true;
  const decl = at.parent;
  if (!tsm.isVariableDeclaration(decl) || decl.initializer !== at || !tsm.isIdentifier(decl.name)) return false;
  let scope: ts.Node = decl;
  while (scope.parent && !tsm.isFunctionLike(scope) && !tsm.isSourceFile(scope)) scope = scope.parent;
  return everyUse(tsm, decl, scope, harmless);
}

/** A branch that calls something that may never return (`notFound()`, `fail()`, `redirect(...)`). */
function mayNotReturn(tsm: typeof ts, st: ts.Statement | undefined): boolean {
  if (!st) return false;
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || tsm.isFunctionLike(n)) return;
    if (
      tsm.isCallExpression(n) &&
      /^(?:notFound|redirect|permanentRedirect|fail|abort|panic|exit|forbidden|unauthorized)$/.test(
        calleeName(tsm, n) ?? "",
      )
    )
      found = true;
    else tsm.forEachChild(n, visit);
  };
  visit(st);
  return found;
}

/**
 * Whether `key` (`data.contactBookId`, as normalized text), or an object holding it (`data`), is
 * read in the function holding `call`, after it: the read was that use's check.
 */
export function keyUsedAfter(tsm: typeof ts, call: ts.Node, key: string, handedOnly = false): boolean {
  let fn: ts.Node | undefined = call.parent;
  while (fn && !tsm.isFunctionLike(fn) && !tsm.isSourceFile(fn)) fn = fn.parent;
  if (!fn) return false;
  let used = false;
  const visit = (n: ts.Node): void => {
    if (used || n.end <= call.end) return;
    const read =
      n.pos >= call.end &&
      (tsm.isIdentifier(n) || tsm.isPropertyAccessExpression(n)) &&
      !(tsm.isPropertyAccessExpression(n.parent) && n.parent.name === n) &&
      !(tsm.isIdentifier(n) && isNameOnly(tsm, n));
    if (read) {
      const text = normalize(n.getText());
      // `data` handed on whole holds `data.contactBookId`; `data.name` does not.
      const whole = !(tsm.isPropertyAccessExpression(n.parent) && n.parent.expression === n);
      if ((text === key || (whole && key.startsWith(`${text}.`))) && (!handedOnly || handedOn(tsm, n))) used = true;
    }
    if (!used) tsm.forEachChild(n, visit);
  };
  visit(fn);
  return used;
}

/**
 * `{ contactBookId: input.contactBookId }`, `{ data }`, `save(data)`, `[...ids]`: the value goes on
 * into something written or called; not into a where (another query on it has its own finding),
 * nor a comparison.
 */
function handedOn(tsm: typeof ts, n: ts.Node): boolean {
  let e = n;
  while (tsm.isParenthesizedExpression(e.parent) || tsm.isNonNullExpression(e.parent) || tsm.isAsExpression(e.parent))
    e = e.parent;
  const p = e.parent;
  // `data.projectId ?? ""`, `"/x/" + data.projectId`, `data.projectId.trim()`: what it becomes goes on.
  if (
    tsm.isBinaryExpression(p) &&
    [
      tsm.SyntaxKind.QuestionQuestionToken,
      tsm.SyntaxKind.BarBarToken,
      tsm.SyntaxKind.AmpersandAmpersandToken,
      tsm.SyntaxKind.PlusToken,
    ].includes(p.operatorToken.kind)
  )
    return handedOn(tsm, p);
  if (
    tsm.isPropertyAccessExpression(p) &&
    p.expression === e &&
    tsm.isCallExpression(p.parent) &&
    p.parent.expression === p
  )
    return handedOn(tsm, p.parent);
  if (tsm.isConditionalExpression(p) && p.condition !== e) return handedOn(tsm, p);
  // `cache.clear(id)`, `revalidateTag(id)`: forgetting what is kept under the key hands nothing on.
  if (tsm.isCallExpression(p) && isCacheForgetter(tsm, p)) return false;
  if (tsm.isCallExpression(p) || tsm.isNewExpression(p)) return p.expression !== e;
  if (tsm.isSpreadElement(p) || tsm.isSpreadAssignment(p) || tsm.isArrayLiteralExpression(p)) return true;
  // Copied on (`const pid = data.projectId`, `const { projectId } = data`, `row.projectId = ...`) or
  // spliced into text (`/projects/${data.projectId}/export`): the copy goes wherever it goes.
  if ((tsm.isVariableDeclaration(p) && p.initializer === e) || tsm.isTemplateSpan(p)) return true;
  if (tsm.isBinaryExpression(p) && p.right === e && p.operatorToken.kind === tsm.SyntaxKind.EqualsToken) return true;
  if (!(tsm.isPropertyAssignment(p) && p.initializer === e) && !tsm.isShorthandPropertyAssignment(p)) return false;
  // Inside a `where` (at any depth): a filter, not a value written.
  for (let o: ts.Node | undefined = p.parent; o && !tsm.isFunctionLike(o); o = o.parent)
    if (tsm.isPropertyAssignment(o) && propertyName(tsm, o.name) === "where") return false;
  return true;
}

/** A cache's own method (`cache.clear(id)`, `getClientByIdCached.clear(id)`) or Next's `revalidateTag`/`revalidatePath`. */
function isCacheForgetter(tsm: typeof ts, call: ts.CallExpression): boolean {
  const callee = strip(tsm, call.expression);
  if (tsm.isIdentifier(callee)) return /^revalidate(?:Tag|Path)$/.test(callee.text);
  return tsm.isPropertyAccessExpression(callee) && /^(?:clear|invalidate|evict|del|delete)$/.test(callee.name.text);
}

/** A property, parameter or binding name: no read of a variable. */
function isNameOnly(tsm: typeof ts, n: ts.Identifier): boolean {
  const p = n.parent;
  return (
    (tsm.isPropertyAssignment(p) && p.name === n) ||
    ((tsm.isVariableDeclaration(p) || tsm.isParameter(p) || tsm.isBindingElement(p)) && p.name === n) ||
    (tsm.isBindingElement(p) && p.propertyName === n)
  );
}

/**
 * Whether the const `decl` is used at least once in `scope`, and every use passes `test`. A
 * namesake declared inside the scope shadows it; its uses count as this one's (the stricter reading).
 */
function everyUse(
  tsm: typeof ts,
  decl: ts.VariableDeclaration,
  scope: ts.Node,
  test: (use: ts.Identifier) => boolean,
): boolean {
  if (!tsm.isIdentifier(decl.name)) return false;
  const name = decl.name.text;
  let uses = 0;
  let every = true;
  const visit = (n: ts.Node): void => {
    if (!every) return;
    if (tsm.isIdentifier(n) && n.text === name && n !== decl.name) {
      const parent = n.parent;
      const isName =
        (tsm.isPropertyAccessExpression(parent) && parent.name === n) ||
        (tsm.isPropertyAssignment(parent) && parent.name === n) ||
        ((tsm.isVariableDeclaration(parent) || tsm.isParameter(parent) || tsm.isBindingElement(parent)) &&
          parent.name === n);
      if (!isName) {
        uses++;
        if (!test(n)) every = false;
      }
    }
    tsm.forEachChild(n, visit);
  };
  visit(scope);
  return every && uses > 0;
}

/**
 * `const et = await prisma.eventType.findFirst({ where: { id } }); if (et && et.userId !== me) { if
 * (!isAdmin(et.team?.members)) throw ... }` and nothing else of `et`: a read whose row only decides
 * conditions (of an `if` or a `?:`; directly, through a const that in turn only decides, or an
 * immediately invoked function's return; handed only to check-shaped calls and reading methods)
 * hands nothing of the row on (cal.com's access checks). A use anywhere else (returned, passed to
 * a call that acts, thrown in a message, logged, assigned, a loop's condition) hands it on.
 */
export function decisionOnly(tsm: typeof ts, call: ts.CallExpression): ts.Node | undefined {
  const at = awaitedCall(tsm, call);
  const decl = at.parent;
  if (!tsm.isVariableDeclaration(decl) || decl.initializer !== at || !tsm.isIdentifier(decl.name)) return undefined;
  return constDecides(tsm, decl, 0) ? call : undefined;
}

/** Every use of the const `decl` declares only decides conditions (see decisionOnly); at least one use. */
function constDecides(tsm: typeof ts, decl: ts.VariableDeclaration, depth: number): boolean {
  if (depth > 3 || !(decl.parent.flags & tsm.NodeFlags.Const)) return false;
  // A const lives in its block: a namesake in another block (`const eventType` in each branch) is another.
  let scope: ts.Node = decl.parent.parent;
  while (scope.parent && !tsm.isBlock(scope) && !tsm.isFunctionLike(scope) && !tsm.isSourceFile(scope))
    scope = scope.parent;
  return everyUse(tsm, decl, scope, (use) => usedToDecide(tsm, use, depth));
}

/** Whether the value at `node` flows only into a condition: climbs what it feeds until a condition takes it. */
export function usedToDecide(tsm: typeof ts, node: ts.Node, depth: number): boolean {
  let from: ts.Node = node;
  // Handed to a function (`lookup({ id: row.ownerId })`): only a call that a condition tests right
  // there is a decision; kept in a const, its answer may carry the row's data on.
  let passed = false;
  // Inside a condition, only a check may be handed the row (`isAdmin(row.team.members)`): a call
  // that does something with it (`sendMail(row.secret)`, `res.json(row)`) hands it on.
  let handedToOther = false;
  for (let n: ts.Node | undefined = node.parent; n; from = n, n = n.parent) {
    // An `if` or `?:` decides; a loop's condition also counts (how long a field is), so it hands data on.
    if (tsm.isIfStatement(n)) return n.expression === from && !handedToOther;
    if (tsm.isConditionalExpression(n) && n.condition === from) return !handedToOther;
    if (tsm.isBinaryExpression(n) && isAssignment(tsm, n.operatorToken.kind)) return false;
    if (tsm.isBinaryExpression(n) && n.operatorToken.kind === tsm.SyntaxKind.CommaToken) return false;
    if ((tsm.isPrefixUnaryExpression(n) || tsm.isPostfixUnaryExpression(n)) && isIncrement(tsm, n.operator))
      return false;
    if (tsm.isDeleteExpression(n)) return false;
    // `doc.destroy()`, `doc.update(...)`, `doc.items.forEach(send)`: a method run on the row (or a
    // field of it) may do anything with it; only reading methods (`some`, `includes`) decide, and
    // their callbacks only when those call nothing and assign nothing.
    if (tsm.isCallExpression(n) && n.expression === from && tsm.isPropertyAccessExpression(from)) {
      if (!READING_METHODS.has(from.name.text)) return false;
      if (n.arguments.some((a) => !pureArgument(tsm, a))) return false;
    }
    // `members.some((m) => m.userId === row.ownerId)`: an array method's callback answers that call.
    const answered =
      tsm.isCallExpression(n) &&
      tsm.isArrowFunction(from) &&
      tsm.isPropertyAccessExpression(n.expression) &&
      ARRAY_TESTS.has(n.expression.name.text) &&
      pureArgument(tsm, from);
    if ((tsm.isCallExpression(n) || tsm.isNewExpression(n)) && n.expression !== from && !answered) {
      passed = true;
      const name = tsm.isCallExpression(n) ? calleeName(tsm, n) : undefined;
      if (!name || !CHECK_NAME.test(name)) handedToOther = true;
    }
    if (tsm.isVariableDeclaration(n)) return !passed && n.initializer === from && constDecides(tsm, n, depth + 1);
    if (tsm.isReturnStatement(n) || (tsm.isArrowFunction(n) && n.body === from)) {
      // An immediately invoked function's return is its call's value: `(function () { ... })()`.
      const fn: ts.Node | undefined = tsm.isReturnStatement(n) ? enclosingFunction(tsm, n) : n;
      let callee: ts.Node | undefined = fn;
      while (callee && tsm.isParenthesizedExpression(callee.parent)) callee = callee.parent;
      const invoked: ts.Node | undefined = callee?.parent;
      if (invoked && tsm.isCallExpression(invoked) && invoked.expression === callee) {
        n = invoked;
        continue;
      }
      // A callback's answer goes to the call it is handed to (`members.some((m) => m.userId === me)`).
      if (tsm.isArrowFunction(n) && tsm.isCallExpression(n.parent) && n.parent.arguments.includes(n)) continue;
      return false;
    }
    if (tsm.isStatement(n) || tsm.isFunctionLike(n) || tsm.isSourceFile(n)) return false;
  }
  return false;
}

/** Names of calls that answer a question about what they are handed (`isAdmin`, `assertPartOfTeam`, `Boolean`). */
const CHECK_NAME =
  /^(?:is|has|can|should|assert|validate|verify|Boolean)(?:[A-Z_]|$)|^(?:check|ensure|require)\w*(?:Access|Permission|Authori[sz]|Owner|Member|Role)/;

/** Methods that only read what they are called on (arrays, strings). */
const READING_METHODS = new Set([
  "some",
  "every",
  "find",
  "findIndex",
  "findLast",
  "findLastIndex",
  "filter",
  "includes",
  "indexOf",
  "map",
  "flatMap",
  "at",
  "slice",
  "join",
  "startsWith",
  "endsWith",
  "toLowerCase",
  "toUpperCase",
  "trim",
  "toString",
  "has",
  "get",
  "getTime",
  "valueOf",
  "localeCompare",
]);

/** An argument that can do nothing with what it sees: a value, or a callback that calls and assigns nothing but reading methods. */
function pureArgument(tsm: typeof ts, arg: ts.Node): boolean {
  let pure = true;
  const visit = (n: ts.Node): void => {
    if (!pure) return;
    if (tsm.isCallExpression(n)) {
      const callee = n.expression;
      if (!tsm.isPropertyAccessExpression(callee) || !READING_METHODS.has(callee.name.text)) pure = false;
    } else if (tsm.isBinaryExpression(n) && isAssignment(tsm, n.operatorToken.kind)) pure = false;
    else if ((tsm.isPrefixUnaryExpression(n) || tsm.isPostfixUnaryExpression(n)) && isIncrement(tsm, n.operator))
      pure = false;
    else if (tsm.isDeleteExpression(n) || tsm.isNewExpression(n) || tsm.isAwaitExpression(n) || tsm.isVoidExpression(n))
      pure = false;
    tsm.forEachChild(n, visit);
  };
  visit(arg);
  return pure;
}

function isAssignment(tsm: typeof ts, kind: ts.SyntaxKind): boolean {
  return kind >= tsm.SyntaxKind.FirstAssignment && kind <= tsm.SyntaxKind.LastAssignment;
}

function isIncrement(tsm: typeof ts, op: ts.SyntaxKind): boolean {
  return op === tsm.SyntaxKind.PlusPlusToken || op === tsm.SyntaxKind.MinusMinusToken;
}

/** Array methods whose callback's answers decide what the call hands back. */
const ARRAY_TESTS = new Set(["some", "every", "find", "findIndex", "findLast", "filter", "includes", "map", "flatMap"]);

/** The call with what only awaits or unwraps it (`await x`, `(x)`, `x!`): the node its value stands as. */
function awaitedCall(tsm: typeof ts, call: ts.CallExpression): ts.Node {
  let at: ts.Node = call;
  while (
    tsm.isAwaitExpression(at.parent) ||
    tsm.isParenthesizedExpression(at.parent) ||
    tsm.isNonNullExpression(at.parent)
  )
    at = at.parent;
  return at;
}

/** Whether `e`'s value is only tested for presence where it stands: `if (e)`, `!e`, `e ? a : b`, `e == null`, `Boolean(e)`. */
function testsPresence(tsm: typeof ts, e: ts.Node, depth = 0): boolean {
  const parent = e.parent;
  if (!parent || depth > 4) return false;
  if (tsm.isParenthesizedExpression(parent)) return testsPresence(tsm, parent, depth + 1);
  if (tsm.isPrefixUnaryExpression(parent)) return parent.operator === tsm.SyntaxKind.ExclamationToken;
  if (tsm.isIfStatement(parent) || tsm.isWhileStatement(parent)) return parent.expression === e;
  if (tsm.isConditionalExpression(parent)) return parent.condition === e;
  if (tsm.isCallExpression(parent))
    return tsm.isIdentifier(parent.expression) && parent.expression.text === "Boolean" && parent.arguments[0] === e;
  if (tsm.isBinaryExpression(parent)) {
    const op = parent.operatorToken.kind;
    // `x && y` is `x` only when `x` is empty; `x || y` (and `x ?? y`) is `x` itself when it is there.
    if (op === tsm.SyntaxKind.AmpersandAmpersandToken)
      return parent.left === e ? true : testsPresence(tsm, parent, depth + 1);
    if (op === tsm.SyntaxKind.BarBarToken) return testsPresence(tsm, parent, depth + 1);
    const equality =
      op === tsm.SyntaxKind.EqualsEqualsToken ||
      op === tsm.SyntaxKind.EqualsEqualsEqualsToken ||
      op === tsm.SyntaxKind.ExclamationEqualsToken ||
      op === tsm.SyntaxKind.ExclamationEqualsEqualsToken;
    const other = strip(tsm, parent.left === e ? parent.right : parent.left);
    return (
      equality && (other.kind === tsm.SyntaxKind.NullKeyword || (tsm.isIdentifier(other) && other.text === "undefined"))
    );
  }
  return false;
}

function propertyName(tsm: typeof ts, name: ts.PropertyName): string | undefined {
  if (tsm.isIdentifier(name) || tsm.isStringLiteralLike(name) || tsm.isPrivateIdentifier(name)) return name.text;
  return undefined;
}

/** The property assignments between `node` and `call` (or the const declaration it came from), innermost first. */
function enclosingProperties(tsm: typeof ts, node: ts.Node, call: ts.Node): ts.PropertyAssignment[] {
  const out: ts.PropertyAssignment[] = [];
  for (let cur = node.parent; cur && cur !== call; cur = cur.parent) {
    if (tsm.isVariableDeclaration(cur) || tsm.isFunctionLike(cur) || tsm.isSourceFile(cur)) break;
    if (tsm.isPropertyAssignment(cur)) out.push(cur);
  }
  return out;
}

function enclosingProperty(tsm: typeof ts, node: ts.Node, call: ts.Node, name: string) {
  return enclosingProperties(tsm, node, call).find((p) => propertyName(tsm, p.name) === name);
}

/** The outermost relation filter holding `node` (`project: { tenantId }`), when it sits in one. */
function relationOf(tsm: typeof ts, node: ts.Node, call: ts.Node): ts.PropertyAssignment | undefined {
  return enclosingProperties(tsm, node, call)
    .reverse()
    .find((p) => {
      const name = propertyName(tsm, p.name);
      return !!name && !STRUCTURAL.has(name);
    });
}

function inWriteShape(tsm: typeof ts, node: ts.Node, call: ts.Node): boolean {
  return enclosingProperties(tsm, node, call).some((p) => WRITE_SHAPES.has(propertyName(tsm, p.name) ?? ""));
}

/** The outermost call of the method chain `call` is part of (`a.b().where(...).execute()`). */
function outermostChainCall(tsm: typeof ts, call: ts.Node): ts.Node {
  let outer = call;
  for (;;) {
    const access = outer.parent;
    if (!access || !tsm.isPropertyAccessExpression(access) || access.expression !== outer) return outer;
    const next = access.parent;
    if (!next || !tsm.isCallExpression(next) || next.expression !== access) return outer;
    outer = next;
  }
}

/**
 * `let q = db.selectFrom("t").where(...)` then `q.orderBy(...).execute()`: the initializer of the
 * variable a chain starts from, declared earlier in an enclosing block (let or const).
 */
function chainRootInitializer(tsm: typeof ts, id: ts.Identifier): ts.Expression | undefined {
  if (!tsm.isPropertyAccessExpression(id.parent) || id.parent.expression !== id) return undefined;
  for (let cur: ts.Node | undefined = id.parent; cur; cur = cur.parent) {
    if (!tsm.isBlock(cur) && !tsm.isSourceFile(cur)) continue;
    for (const statement of cur.statements) {
      if (statement.pos >= id.pos) break;
      if (!tsm.isVariableStatement(statement)) continue;
      for (const d of statement.declarationList.declarations)
        if (tsm.isIdentifier(d.name) && d.name.text === id.text && d.initializer) return d.initializer;
    }
    if (tsm.isFunctionLike(cur.parent)) return undefined;
  }
  return undefined;
}

/** An identifier read as a value (`{ where }`, `find(options)`, a chain's root), not a property name or a callee. */
function isValuePosition(tsm: typeof ts, id: ts.Identifier): boolean {
  const parent = id.parent;
  if (tsm.isPropertyAccessExpression(parent)) return parent.expression === id;
  if (tsm.isShorthandPropertyAssignment(parent)) return true;
  if (tsm.isPropertyAssignment(parent)) return parent.initializer === id;
  if (tsm.isCallExpression(parent)) return parent.arguments.includes(id);
  return false;
}

function isFunctionLike(tsm: typeof ts, e: ts.Expression): boolean {
  return tsm.isArrowFunction(e) || tsm.isFunctionExpression(e);
}

/** Kysely and Knex calls that filter by a column named in a string (not `update('token', t)`, `select('token', 'id')`). */
const STRING_FILTERS = /^(?!.*not)(?:\w*where\w*|having)$|^(?:on|andOn|orOn)$/i;

/**
 * A lookup by a secret inside an ORM call (`where: { lookupHash }`, `eq(invitation.token, token)`)
 * or the signed-in user's own memberships (`where: { userId: ctx.user.id }`), else a share link
 * the config declares (`where: { pollId }`): the evidence of a read that identity (or the link)
 * decides, when no tenant predicate is written.
 */
export function findIdentityEvidence(
  tsm: typeof ts,
  sourceFile: ts.SourceFile,
  call: ts.Node,
  table: TenantTable,
): TenantEvidence | undefined {
  const evidence = (
    node: ts.Node,
    kind: "credential" | "membership" | "own-rows" | "share-link" | "public-rows",
  ): TenantEvidence => {
    const start = node.getStart(sourceFile);
    return { kind, start, end: node.getEnd(), text: sourceFile.text.slice(start, node.getEnd()), inData: false };
  };
  const isTrue = (e: ts.Expression) => strip(tsm, e).kind === tsm.SyntaxKind.TrueKeyword;
  // A share link (or a public flag) is the weakest: anyone may hold it. A credential or the user's own rows beside it decide.
  let link: TenantEvidence | undefined;
  // `userId: ctx.user.id`, `eq(t.ownerId, user.id)`: the user or owner column compared with the session's user.
  const ownUser = (name: string, value: ts.Expression | undefined) => {
    const kind = identifiesOwnRows(table, name, true);
    return kind && value && isSessionUser(tsm, value, userKeyOf(name)) ? kind : undefined;
  };
  const visit = (node: ts.Node): TenantEvidence | undefined => {
    if (tsm.isPropertyAssignment(node) || tsm.isShorthandPropertyAssignment(node)) {
      const name = propertyName(tsm, node.name) ?? "";
      // `select: { token: true }`, `data: { token }`: they name the column without looking up by it.
      if (NOT_FILTERS.has(name) || WRITE_SHAPES.has(name)) return undefined;
      if (isCredentialField(name)) return evidence(node, "credential");
      if (isShareKey(table, name)) link ??= evidence(node, "share-link");
      // `isPublic: true`, `collection: { isPublic: true }`: rows their tenant made public.
      if (isPublicFlag(name) && tsm.isPropertyAssignment(node) && isTrue(node.initializer))
        link ??= evidence(node, "public-rows");
      // `GranteeUser: { id: ctx.user.id }`: the relation the user column holds, to the user's own row.
      const related = tsm.isPropertyAssignment(node) ? strip(tsm, node.initializer) : undefined;
      const byId =
        related && tsm.isObjectLiteralExpression(related)
          ? related.properties.find((q) => tsm.isPropertyAssignment(q) && propertyName(tsm, q.name) === "id")
          : undefined;
      const own = tsm.isPropertyAssignment(node)
        ? ownUser(name, byId && tsm.isPropertyAssignment(byId) ? byId.initializer : node.initializer)
        : undefined;
      if (own) return evidence(node, own);
    }
    if (tsm.isCallExpression(node) && NOT_FILTERS.has(calleeName(tsm, node) ?? "")) return visit(node.expression);
    if (tsm.isPropertyAccessExpression(node) && tsm.isCallExpression(node.parent)) {
      if (isCredentialField(node.name.text)) return evidence(node.parent, "credential");
      if (isShareKey(table, node.name.text)) link ??= evidence(node.parent, "share-link");
      if (isPublicFlag(node.name.text) && node.parent.arguments.some((a) => a !== node && isTrue(a)))
        link ??= evidence(node.parent, "public-rows");
      const own = ownUser(
        node.name.text,
        node.parent.arguments.find((a) => a !== node),
      );
      if (own) return evidence(node.parent, own);
    }
    // Sequelize `User.findByPk(ctx.user.id)`, `Share.findByPk(shareId)` with a share key `id`: by the primary key.
    if (tsm.isCallExpression(node) && calleeName(tsm, node) === "findByPk" && node.arguments[0]) {
      const decides = identityDecides(tsm, table, "id", node.arguments[0], true);
      if (decides === "own") return evidence(node, identifiesOwnRows(table, "id", true) ?? "own-rows");
      if (decides === "credential") return evidence(node, isShareKey(table, "id") ? "share-link" : "credential");
    }
    // Kysely and Knex name the column in a string: `where('session.token', '=', token)`, `where('isPublic', true)`.
    if (
      tsm.isCallExpression(node) &&
      node.arguments.length >= 2 &&
      tsm.isStringLiteralLike(node.arguments[0]) &&
      (tsm.isIdentifier(node.expression) || STRING_FILTERS.test(calleeName(tsm, node) ?? ""))
    ) {
      const name = node.arguments[0].text.split(".").pop()!;
      const op = node.arguments.length >= 3 ? node.arguments[1] : undefined;
      const value = node.arguments[node.arguments.length >= 3 ? 2 : 1]!;
      // The same test the builders' checks made (membership.ts identityDecides), read back.
      const decides =
        !op || (tsm.isStringLiteralLike(op) && (op.text === "=" || op.text === "=="))
          ? identityDecides(tsm, table, name, value, true)
          : undefined;
      if (decides === "credential" && !isShareKey(table, name)) return evidence(node, "credential");
      if (decides === "credential") link ??= evidence(node, "share-link");
      if (decides === "public") link ??= evidence(node, "public-rows");
      if (decides === "own") return evidence(node, identifiesOwnRows(table, name, true) ?? "own-rows");
    }
    return tsm.forEachChild(node, visit);
  };
  return visit(outermostChainCall(tsm, call)) ?? link;
}

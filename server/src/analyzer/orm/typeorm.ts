// TypeORM repository, entity-manager and Active Record calls: `find({ where })`, `findOneBy(where)`,
// `update(criteria, ...)`, `insert/save(data)`, `manager.find(Order, ...)`; query builders are in
// typeorm-query-builder.ts. TypeORM reads an array `where` as an OR of its elements, and drops
// `undefined`/`null` properties from a where: `findOneBy({ tenantId: undefined })` has no filter.
import type ts from "typescript";
import { fileCalls, methodCalls } from "./file-calls";
import type { TextEdit } from "../types";
import {
  addPropertyEdit,
  evaluateWhere,
  lastPropertyIndex,
  lastWhere,
  propertyText,
  replacedBy,
  resolveConst,
  skipOuter,
  spreadWhereVerdict,
} from "./object-where";
import { calleeText, changedOptionsFindings, finding, fixOf, spreadNote, unknownMessage } from "./method-call";
import { short } from "./prisma-where";
import { byIdMessage, isIdLike, isIdOnly, missingMessage, primaryKeyOf, type Call } from "./typeorm-findings";
import { checkQueryBuilder } from "./typeorm-query-builder";
import { entityArgument, repositoryEntity, typeormEntity } from "./typeorm-receivers";
import { tenantFields, typeormDialect } from "./typeorm-where";
import { typeormQueries } from "./typeorm-queries";
import { checkData } from "./typeorm-writes";
import type { OrmContext, OrmFinding, OrmModule } from "./types";

export const typeormModule: OrmModule = {
  name: "typeorm",
  appliesTo: (ctx) =>
    [...(ctx.model.entities?.values() ?? [])].some((t) => t.entities?.some((e) => e.orm === "typeorm")) &&
    MAY_USE_TYPEORM.test(ctx.sourceFile.text),
  check(ctx) {
    const out: OrmFinding[] = [];
    for (const node of methodCalls(ctx.ts, ctx.sourceFile)) {
      try {
        out.push(...checkCall(ctx, node, node.expression));
      } catch {
        // Never throw on odd input: a call we cannot read is a call we skip.
      }
    }
    // TypeORM 0.2's global `createQueryBuilder(App, "apps")`, imported from typeorm.
    for (const node of globalBuilderCalls(ctx)) {
      try {
        out.push(...checkQueryBuilder(ctx, node, undefined));
      } catch {
        // As above.
      }
    }
    return out;
  },
  queries: (ctx) => typeormQueries(ctx),
};

const MAY_USE_TYPEORM =
  /typeorm|Repository|[rR]epo\w*\(|createQueryBuilder|manager|\b[A-Z]\w*\.(find|count|exist|update|delete|insert|save)/;

/** `createQueryBuilder(...)` called by the name the file imports it under from typeorm. */
function globalBuilderCalls(ctx: OrmContext): ts.CallExpression[] {
  const tsm = ctx.ts;
  const local = importedFromTypeorm(tsm, ctx.sourceFile, "createQueryBuilder");
  if (!local) return [];
  return fileCalls(tsm, ctx.sourceFile).calls.filter(
    (c) => tsm.isIdentifier(c.expression) && c.expression.text === local,
  );
}

/** The local name of `name` imported from "typeorm" (`import { createQueryBuilder as qb } from "typeorm"`). */
function importedFromTypeorm(tsm: typeof ts, sourceFile: ts.SourceFile, name: string): string | undefined {
  for (const st of sourceFile.statements) {
    if (
      !tsm.isImportDeclaration(st) ||
      !tsm.isStringLiteral(st.moduleSpecifier) ||
      st.moduleSpecifier.text !== "typeorm"
    )
      continue;
    const bindings = st.importClause?.namedBindings;
    if (!bindings || !tsm.isNamedImports(bindings)) continue;
    const el = bindings.elements.find((e) => (e.propertyName ?? e.name).text === name);
    if (el) return el.name.text;
  }
  return undefined;
}

/** How a method reads its arguments (after the entity argument of an EntityManager call). */
export type Shape = "options" | "where" | "criteria" | "data" | "aggregate";

export const TYPEORM_METHODS: Record<string, Shape> = {
  find: "options",
  findOne: "options",
  findOneOrFail: "options",
  findAndCount: "options",
  count: "options",
  exist: "options",
  exists: "options",
  findBy: "where",
  findOneBy: "where",
  findOneByOrFail: "where",
  findAndCountBy: "where",
  countBy: "where",
  existsBy: "where",
  increment: "where",
  decrement: "where",
  update: "criteria",
  delete: "criteria",
  softDelete: "criteria",
  restore: "criteria",
  findByIds: "criteria",
  insert: "data",
  save: "data",
  upsert: "data",
  sum: "aggregate",
  average: "aggregate",
  minimum: "aggregate",
  maximum: "aggregate",
};

/** Keys of FindOneOptions/FindManyOptions: an object with none of them is a where (TypeORM 0.2 style). */
const FIND_OPTIONS = new Set([
  "select",
  "relations",
  "order",
  "skip",
  "take",
  "cache",
  "lock",
  "withDeleted",
  "loadEagerRelations",
  "loadRelationIds",
  "relationLoadStrategy",
  "join",
  "transaction",
  "comment",
]);

const OPTIONAL_OPTIONS = new Set(["find", "findAndCount", "count", "exist", "exists"]);

function checkCall(ctx: OrmContext, call: ts.CallExpression, callee: ts.PropertyAccessExpression): OrmFinding[] {
  const method = callee.name.text;
  if (method === "createQueryBuilder") return checkQueryBuilder(ctx, call, callee);
  const shape = Object.hasOwn(TYPEORM_METHODS, method) ? TYPEORM_METHODS[method] : undefined;
  if (!shape) return [];
  const receiver = skipOuter(ctx.ts, callee.expression);
  // Active Record (`Order.find(...)`) first: the receiver is the entity class itself.
  const active = ctx.ts.isIdentifier(receiver) ? typeormEntity(ctx, receiver.text) : undefined;
  const managed = active ? undefined : entityArgument(ctx, call.arguments[0]);
  const target = active ?? managed ?? repositoryEntity(ctx, callee.expression);
  if (!target) return [];
  const args = managed ? call.arguments.slice(1) : call.arguments;
  const tenant = tenantFields(target.table, target.entity);
  const c: Call = { ctx, call, callee, method, args, target, field: tenant.primary, tenant };
  switch (shape) {
    case "options":
      return checkOptions(c);
    case "where":
      return checkWhere(c, args[0], "read");
    case "aggregate":
      return checkWhere(c, args[1], "read");
    case "criteria":
      return checkCriteria(c);
    case "data":
      return checkData(c);
  }
}

/** `find({ where, ... })`: no options or no `where` reads every tenant's rows. */
function checkOptions(c: Call): OrmFinding[] {
  const { ts: tsm, sourceFile } = c.ctx;
  const options = c.args[0];
  if (!options) {
    if (!OPTIONAL_OPTIONS.has(c.method)) return [];
    const open = c.call.arguments.hasTrailingComma ? c.call.arguments.end : c.call.getEnd() - 1;
    const value = c.ctx.tenantValueAt(c.call, c.tenant.valueName);
    const prefix = c.call.arguments.length ? ", " : "";
    return [
      finding(c, "missing-tenant-filter", missingMessage(c, "read"), [
        fixOf(
          c,
          [{ start: open, end: open, newText: `${prefix}{ where: { ${c.tenant.property(value.text)} } }` }],
          value.resolved,
        ),
      ]),
    ];
  }
  const resolved = resolveConst(tsm, options);
  if (!tsm.isObjectLiteralExpression(resolved)) {
    // TypeORM 0.2: `findOne(id)` looks a row up by primary key.
    if (c.method.startsWith("findOne") && isIdLike(c.ctx, resolved))
      return [finding(c, "missing-tenant-filter", byIdMessage(c), [])];
    return [finding(c, "dynamic-sql", unknownMessage(c, options), [])];
  }
  // `{ where: { tenantId }, ...opts }`: a spread after the where may hold one of its own.
  const replacing = replacedBy(tsm, resolved, lastPropertyIndex(tsm, resolved, "where"), "where");
  // `const opts = { where: { id, tenantId } }; if (admin) opts.where = { id }`: set again before the query.
  const changed = changedOptionsFindings(
    c,
    options,
    resolved,
    replacing,
    () => typeormDialect(c.ctx, c.target.table, c.target.entity, 0, true),
    missingMessage(c, "read"),
  );
  if (changed) return changed;
  if (replacing) {
    const dialect = typeormDialect(c.ctx, c.target.table, c.target.entity, 0, true);
    const verdict = spreadWhereVerdict(tsm, resolved, replacing, dialect);
    if (verdict === "dynamic") return [finding(c, "dynamic-sql", unknownMessage(c, replacing), [])];
    if (verdict === "scoped") return [];
    // No fix: a where written before the spread is replaced by the one it brings.
    return [finding(c, "missing-tenant-filter", `${missingMessage(c, "read")} ${spreadNote(c, replacing)}`, [])];
  }
  const keys = resolved.properties.map((p) => p.name?.getText(sourceFile));
  const where = lastWhere(tsm, resolved);
  // TypeORM 0.2 also takes the conditions themselves: `find({ tenantId, status })`.
  if (!where && resolved.properties.length > 0 && !keys.some((k) => k && FIND_OPTIONS.has(k)))
    return checkWhere(c, options, "read");
  if (!where) {
    const value = c.ctx.tenantValueAt(c.call, c.tenant.valueName);
    const edits =
      skipOuter(tsm, options) === resolved
        ? [addPropertyEdit(tsm, sourceFile, resolved, `where: { ${c.tenant.property(value.text)} }`, true)]
        : [];
    return [
      finding(
        c,
        "missing-tenant-filter",
        missingMessage(c, "read"),
        edits.length ? [fixOf(c, edits, value.resolved)] : [],
      ),
    ];
  }
  return checkWhere(
    c,
    tsm.isPropertyAssignment(where) ? where.initializer : (where as ts.ShorthandPropertyAssignment).name,
    "read",
  );
}

/**
 * A where that is a parameter of the query's function (`byWhere(options) { return
 * repo.findOne({ where: options }) }`), judged at every call of that function the caller files
 * hold: scoped when each passes a scoped where; else the first call that does not. Undefined when
 * there is no call, or one passes a where that cannot be read either.
 */
function judgedAtCalls(
  c: Call,
  where: ts.Node,
  verb: "read" | "update" | "delete",
): { kind: "scoped" } | { kind: "unscoped"; where: string; text: string; why: string } | undefined {
  const { ts: tsm } = c.ctx;
  if (!tsm.isExpression(where)) return undefined;
  const calls = c.ctx.passedAtCalls?.(skipOuter(tsm, where));
  if (!calls?.length) return undefined;
  const settled = new Set<ts.Node>();
  c.ctx.judged?.settled.set(c.call, settled);
  let first: { kind: "unscoped"; where: string; text: string; why: string } | undefined;
  for (const { call, passed } of calls) {
    const file = call.getSourceFile();
    const ctx = { ...c.ctx, sourceFile: file };
    const verdict = evaluateWhere(passed, typeormDialect(ctx, c.target.table, c.target.entity, 0, verb === "read"));
    if (verdict.kind === "scoped" || verdict.kind === "shared") {
      settled.add(call);
      continue;
    }
    if (verdict.kind === "unknown") return undefined;
    if (first) continue;
    const line = file.getLineAndCharacterOfPosition(call.getStart(file)).line + 1;
    first = {
      kind: "unscoped",
      where: `${file === c.ctx.sourceFile ? "" : `${file.fileName.split("/").pop()} `}line ${line}`,
      text: short(passed.getText(file).replace(/\s+/g, " ")),
      why: verdict.kind === "weak" ? `holds the tenant filter but ${verdict.reason}` : "has no tenant filter",
    };
  }
  return first ?? { kind: "scoped" };
}

/** `update(criteria, data)` / `delete(criteria)`: a bare id (or ids) reaches any tenant's row. */
function checkCriteria(c: Call): OrmFinding[] {
  const { ts: tsm } = c.ctx;
  const criteria = c.args[0];
  if (!criteria) return [];
  // TypeORM 0.2 `findByIds(ids)`: primary keys alone.
  if (c.method === "findByIds") return [finding(c, "missing-tenant-filter", byIdMessage(c), [])];
  const verb = c.method === "update" ? "update" : "delete";
  const resolved = resolveConst(tsm, criteria);
  if (tsm.isObjectLiteralExpression(resolved)) return checkWhere(c, criteria, verb);
  if (!isIdLike(c.ctx, resolved)) return [finding(c, "dynamic-sql", unknownMessage(c, criteria), [])];
  const key = primaryKeyOf(c.target.entity);
  const value = c.ctx.tenantValueAt(c.call, c.tenant.valueName);
  const idText = criteria.getText(c.ctx.sourceFile);
  const fixable = !tsm.isArrayLiteralExpression(resolved);
  const fix = fixable
    ? [
        fixOf(
          c,
          [
            {
              start: criteria.getStart(c.ctx.sourceFile),
              end: criteria.getEnd(),
              newText: `{ ${propertyText(key, idText)}, ${c.tenant.property(value.text)} }`,
            },
          ],
          value.resolved,
        ),
      ]
    : [];
  const does = verb === "update" ? "it can change another tenant's row" : "it can remove another tenant's row";
  return [
    finding(
      c,
      "missing-tenant-filter",
      `${calleeText(c)} ${verb === "update" ? "updates" : "deletes from"} "${c.target.table.name}" by id only: ${does}. Add ${c.field} to the criteria.`,
      fix,
    ),
  ];
}

function checkWhere(c: Call, where: ts.Expression | undefined, verb: "read" | "update" | "delete"): OrmFinding[] {
  const { ts: tsm, sourceFile } = c.ctx;
  if (!where) return [];
  const verdict = evaluateWhere(where, typeormDialect(c.ctx, c.target.table, c.target.entity, 0, verb === "read"));
  if (verdict.kind === "scoped" || verdict.kind === "shared") return [];
  if (verdict.kind === "unknown") {
    const atCalls = judgedAtCalls(c, verdict.node, verb);
    if (atCalls?.kind === "scoped") return [];
    if (atCalls)
      return [
        finding(
          c,
          "missing-tenant-filter",
          `${calleeText(c)} on "${c.target.table.name}" takes its where from its function's parameter, and the call on ${atCalls.where} passes \`${atCalls.text}\`, which ${atCalls.why}. Add ${c.field} to that where.`,
          [],
        ),
      ];
    return [finding(c, "dynamic-sql", unknownMessage(c, verdict.node), [])];
  }
  const value = c.ctx.tenantValueAt(c.call, c.tenant.valueName);
  const keys = c.tenant.all;
  const inline = skipOuter(tsm, where);
  // Add the field to the where object, or to every element of an OR array that lacks it.
  const objects = tsm.isObjectLiteralExpression(inline)
    ? [inline]
    : tsm.isArrayLiteralExpression(inline)
      ? inline.elements.map((e) => skipOuter(tsm, e))
      : [];
  const edits: TextEdit[] = [];
  let fixable = objects.length > 0;
  for (const obj of objects) {
    if (!tsm.isObjectLiteralExpression(obj)) fixable = false;
    else if (obj.properties.some((p) => p.name && keys.has(p.name.getText(sourceFile)))) {
      const alone = evaluateWhere(obj, typeormDialect(c.ctx, c.target.table, c.target.entity));
      if (alone.kind !== "scoped" && alone.kind !== "shared") fixable = false;
    } else edits.push(addPropertyEdit(tsm, sourceFile, obj, c.tenant.property(value.text)));
  }
  const fixes = fixable && edits.length ? [fixOf(c, edits, value.resolved)] : [];
  if (verdict.kind === "weak") {
    // A value that may be undefined needs a value that is always there, not another branch.
    const advice = /undefined|null/.test(verdict.reason)
      ? `Pass a ${c.field} that is never undefined (check it first, or make the parameter required)`
      : `Require ${c.field} in every branch of the where`;
    const message = `The tenant filter of ${calleeText(c)} on "${c.target.table.name}" ${verdict.reason}: it does not hold for every row. ${advice}.`;
    return [finding(c, "weak-tenant-filter", message, fixes)];
  }
  const byIdOnly = verb === "read" && objects.length === 1 && isIdOnly(c, objects[0]);
  const message = byIdOnly ? byIdMessage(c) : missingMessage(c, verb);
  return [finding(c, "missing-tenant-filter", message, fixes)];
}

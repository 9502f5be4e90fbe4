// What the ownership flow needs from Drizzle, Kysely, Knex, TypeORM and Sequelize calls: what
// the call returns (a row, rows, nothing usable), whether it creates the row, and the primary
// key it selects by (`eq(t.id, x)`, `.where('id', '=', x)`, `{ id: x }`, `findByPk(x)`).
// Syntactic and deliberately narrow: a key is read only where an OR cannot widen the rows.
import type ts from "typescript";
import type { OrmName, TenantModel } from "../model/types";
import type { TenantTable } from "../model/types";
import type { TableRef } from "../orm/builder-scope";
import { isLiteralValue, mappedRows, owningKey } from "../orm/builder-insert";
import { fieldChanges } from "../orm/object-changes";
import { chainOf, skipOuter, type ChainCall } from "../orm/chain";
import { dynamicQueryOf } from "../orm/drizzle-dynamic";
import { DrizzlePredicates, drizzleTableOf } from "../orm/drizzle-tables";
import { columnText } from "../orm/string-builder";
import { memberValue as member, propertyName, propertyValue } from "../orm/prisma-where";
import { entityArgument } from "../orm/typeorm-receivers";
import { savedKey } from "../orm/typeorm-writes";
import { sqlFragment } from "../orm/sql-fragment";
import type { OrmContext } from "../orm/types";
import {
  otherParentRelations,
  primaryKeyFields,
  rowKeyFields,
  prismaUniqueFields,
  referencedTable,
  relationsOf,
} from "../model/relations";
import { calleeName } from "../statements";
import { constInitializer } from "./bindings";
import { readsName } from "./flow-values";
import { addDrizzleRootQueries, addPrismaRootQueries } from "./root-queries";
import {
  prismaFlowQuery,
  type CreateOwner,
  type FlowQuery,
  type MembershipFields,
  type ParentKey,
  type QueryKey,
} from "./queries";
import { identifiesOwnRows, isMembershipTable, isOwnerColumn, isUserColumn, userKeyOf } from "../membership";
import { USERS_TABLE } from "../model/relations";
import { tenantColumnMatches } from "../model/names";
import { lookupTenantTable, tenantColumnsOf } from "../model/types";
import { normalizeColumnName } from "../model/names";
import { WeakCache } from "../weak-cache";

/** A membership table's Prisma fields for its tenant column and its user column, or another table's owner fields. */
function membershipFields(ctx: OrmContext, table: string): MembershipFields | undefined {
  const owned = lookupTenantTable(ctx.model, table);
  // Once per table, not per query: every Prisma call on it asks.
  return owned && MEMBERSHIP_FIELDS.get([owned], () => fieldsOfTable(owned));
}

const MEMBERSHIP_FIELDS = new WeakCache<MembershipFields | undefined>();

function fieldsOfTable(owned: TenantTable): MembershipFields | undefined {
  const fields = owned.entities?.find((e) => e.orm === "prisma")?.fields ?? {};
  const names = Object.keys(fields);
  if (!isMembershipTable(owned)) {
    const ownRows = (read: boolean) => names.filter((f) => identifiesOwnRows(owned, fields[f]!, read) === "own-rows");
    const owner = { read: ownRows(true), write: ownRows(false) };
    return owner.read.length ? { tenant: [], user: [], owner } : undefined;
  }
  const columns = tenantColumnsOf(owned);
  const tenant = names.filter((f) => columns.some((c) => tenantColumnMatches(fields[f]!, c)));
  const user = names.filter((f) => isUserColumn(f) || isUserColumn(fields[f]!));
  // A membership table owned through its parent (`TeamUser` of a team) has no tenant field: its
  // user field still names the signed-in user's own memberships.
  return user.length ? { tenant, user } : undefined;
}

/**
 * A model owned through its parent's other relations to tenant-owned rows (`tag` of `LinkTag`
 * beside its owning `link`): a create names those rows too, and each must be the tenant's, or the
 * row ties the tenant's link to another tenant's tag.
 */
function otherParents(ctx: OrmContext, table: string): CreateOwner[] {
  const owned = lookupTenantTable(ctx.model, table);
  return owned ? otherParentRelations(owned) : [];
}

/** The Prisma relation a model is owned through (`booking` of `bookingId -> Booking`), when it has no tenant field of its own. */
function ownerRelation(ctx: OrmContext, table: string): CreateOwner | undefined {
  const owned = lookupTenantTable(ctx.model, table);
  const o = owned?.owner;
  if (!o) return undefined;
  for (const e of owned.entities ?? []) {
    if (e.orm !== "prisma") continue;
    const r = e.relations?.find((x) => x.fields?.length === 1 && (e.fields[x.fields[0]!] ?? x.fields[0]) === o.column);
    if (r) return { field: r.field, fields: r.fields, parent: o.parent };
  }
  return undefined;
}

/** The flow's view of one ORM query call on `table`; undefined for a shape the flow does not follow. */
export function ormFlowQuery(
  orm: OrmName,
  ctx: OrmContext,
  call: ts.Node,
  tables: ReadonlySet<string>,
  scoped: boolean,
): FlowQuery | undefined {
  // Several tables: only a Drizzle row joined to its parents (`drizzleJoinedFlowQuery`) is followed.
  if (tables.size !== 1) return orm === "drizzle" ? drizzleJoinedFlowQuery(ctx, call, tables, scoped) : undefined;
  const [table] = tables;
  const tsm = ctx.ts;
  if (orm === "prisma")
    return prismaFlowQuery(
      tsm,
      call,
      table,
      scoped,
      prismaParentPaths(ctx.model, table),
      membershipFields(ctx, table),
      ownerRelation(ctx, table),
      ownedChildren(ctx.model, table),
      ctx,
      prismaUniqueFields(ctx.model, table),
      otherParents(ctx, table),
      joinedThrough(ctx.model, table),
    );
  if (!tsm.isCallExpression(call)) return undefined;
  const keys = keyFieldsOf(ctx.model, table);
  const shape = SHAPES[orm]?.(ctx, call, keys, table);
  if (!shape) return undefined;
  const { predicate, whereObject, whereCalls, row, ...rest } = shape;
  // `eq(usersOnTeam.userId, userId)` in a data-layer function: whichever user each call passes.
  const user = predicate ? drizzleOwnerUser(ctx, predicate, table, !!shape.readOnly) : undefined;
  const parentKeys = predicate
    ? drizzleParentKeys(ctx, predicate, table, keys)
    : whereObject
      ? objectParentKeys(ctx, whereObject, table)
      : whereCalls
        ? columnParentKeys(ctx, whereCalls, table)
        : row && insertedUnder(ctx, row, table, orm === "drizzle" || orm === "kysely");
  const projection = orm === "drizzle" ? renamingProjection(ctx, call) : undefined;
  return {
    call,
    table,
    scoped,
    ...rest,
    throwsWhenEmpty: !!shape.throwsWhenEmpty,
    ...(projection && { projection }),
    ...(parentKeys?.length && { parentKeys }),
    ...(user && { memberUser: user.value, memberUserKey: userKeyOf(user.column) }),
  };
}

type Shape = Pick<FlowQuery, "returns" | "key" | "creates" | "readOnly" | "locks" | "passedWhere"> & {
  throwsWhenEmpty?: boolean;
  /** TypeORM, Sequelize: the where object, whose `{ folderId: x }` terms filter by a parent key. */
  whereObject?: ts.ObjectLiteralExpression;
  /** Drizzle: the where's predicate, whose `eq(child.parentId, x)` terms filter by a parent key. */
  predicate?: ts.Expression;
  /** Kysely, Knex: the where calls, whose `('space_id', '=', x)` terms filter by a parent key. */
  whereCalls?: readonly ChainCall[];
  /** Drizzle, Kysely, Knex inserts: the one row object, whose owning key files the row under its parent. */
  row?: ts.Expression;
};

const SHAPES: Partial<
  Record<OrmName, (ctx: OrmContext, call: ts.CallExpression, keys: Keys, table: string) => Shape | undefined>
> = {
  drizzle: drizzleShape,
  kysely: kyselyShape,
  knex: knexShape,
  typeorm: typeormShape,
  sequelize: sequelizeShape,
};

/** The fields that are the table's primary key (`id`, or the one its schema declares: `sshKeyId`). */
export type Keys = ReadonlySet<string> & {
  /** Of those, the columns only declared unique (Drizzle `.unique()`): a key by that field, not the id. */
  readonly uniqueOnly?: ReadonlySet<string>;
};

/** The fields a key of `table` may be read by, marking those that are unique columns rather than the row's key. */
function keyFieldsOf(model: TenantModel, table: string): Keys {
  const compute = (): Keys => {
    const all = primaryKeyFields(model, table);
    const rowKeys = rowKeyFields(model, table);
    return Object.assign(new Set(all), { uniqueOnly: new Set([...all].filter((f) => !rowKeys.has(f))) });
  };
  // Once per table, not per query.
  const owned = lookupTenantTable(model, table);
  return owned ? KEY_FIELDS.get([owned], compute) : compute();
}

const KEY_FIELDS = new WeakCache<Keys>();

/** `{ uniqueField }` for a key read by a unique column that is not the row's own key. */
function byUnique(keys: Keys, field: string): { uniqueField?: string } {
  return keys.uniqueOnly?.has(field) ? { uniqueField: field } : {};
}

/** `db.select().from(t).where(eq(t.id, x))`, `db.delete(t).where(...)`, `db.query.t.findFirst({ where })`. */

/**
 * Where-paths that hold a key of a tenant-owned parent (or grandparent): the foreign key itself
 * (`resultId`), the relation's `id` (`result: { id }`) and the parent's own foreign keys through the
 * relation (`result: { typebotId }`, typebot's `Log` rows by their result's typebot).
 */
/**
 * The back-relations to join rows that name another tenant-owned row (`tags` of a response, to
 * `TagsOnResponses`, whose `tagId` names a Tag): by relation name, the join row's key field and
 * the table it names. A join row is created naming only the tenant's rows (prisma-writes.ts
 * `checkParentKey`), so the rows joined to the tenant's tag are the tenant's.
 */
function joinedThrough(model: TenantModel, table: string): ReadonlyMap<string, { field: string; table: string }[]> {
  const out = new Map<string, { field: string; table: string }[]>();
  for (const [relation, back] of relationsOf(model, table).backRelations) {
    const join = lookupTenantTable(model, back.table);
    if (!back.many || !join?.owner) continue;
    // The join row's other parents, its author left out (model/relations.ts `otherParentRelations`).
    const entity = join.entities?.find((e) => e.orm === "prisma");
    const fieldOf = (column: string) =>
      Object.entries(entity?.fields ?? {}).find(([, c]) => c === column)?.[0] ?? column;
    const parents: { field: string; table: string }[] = [
      ...(join.owner ? [{ field: fieldOf(join.owner.column), table: join.owner.parent }] : []),
      ...otherParentRelations(join).flatMap((o) => (o.fields?.[0] ? [{ field: o.fields[0], table: o.parent }] : [])),
    ];
    const fields = parents.filter(
      (p) => p.table.toLowerCase() !== table.toLowerCase() && lookupTenantTable(model, p.table),
    );
    if (fields.length) out.set(relation, fields);
  }
  return out;
}

/**
 * The back-relations to rows owned through `table` (`recipients` of an envelope), by relation name:
 * the inverse of the relation whose key owns the child. A child that names `table` twice
 * (`envelope`, `ccEnvelope`) pairs them by `@relation("name")`; the other one proves nothing.
 */
function ownedChildren(model: TenantModel, table: string): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  const named = (target: string) => model.entities?.get(target.toLowerCase())?.name.toLowerCase();
  for (const [relation, back] of relationsOf(model, table).backRelations) {
    const child = lookupTenantTable(model, back.table);
    const owner = child?.owner;
    if (!back.many || !owner || owner.parent.toLowerCase() !== table.toLowerCase()) continue;
    const sides = (child.entities ?? []).flatMap((e) =>
      (e.relations ?? [])
        .filter((r) => r.fields?.length === 1 && named(r.target) === table.toLowerCase() && r.name === back.name)
        .map((r) => (e.fields[r.fields![0]!] ?? r.fields![0]!).toLowerCase()),
    );
    if (sides.length === 1 && sides[0] === owner.column.toLowerCase()) out.set(relation, child.name);
  }
  return out;
}

function prismaParentPaths(model: TenantModel, table: string): ReadonlyMap<string, string> {
  const own = relationsOf(model, table);
  const paths = new Map(own.prismaKeys);
  // A link the config declares (`tables.plugin_install.references`), by the model's field for that column.
  const owned = lookupTenantTable(model, table);
  for (const ref of owned?.references ?? []) {
    const parent = model.tables.get(ref.parent.toLowerCase())?.name;
    for (const e of parent ? (owned!.entities ?? []) : [])
      for (const [field, column] of Object.entries(e.fields))
        if (normalizeColumnName(column) === normalizeColumnName(ref.column) && !paths.has(field))
          paths.set(field, parent!);
  }
  for (const [relation, parent] of own.prismaRelations) {
    paths.set(`${relation}.id`, parent);
    for (const [key, grandparent] of relationsOf(model, parent).prismaKeys)
      paths.set(`${relation}.${key}`, grandparent);
  }
  return paths;
}

function drizzleShape(ctx: OrmContext, call: ts.CallExpression, keys: Keys): Shape | undefined {
  const tsm = ctx.ts;
  const chain = chainOf(tsm, call);
  const root = skipOuter(tsm, chain.root);
  // The relational API: `db.query.orders.findFirst({ where: eq(orders.id, x) })` or `(t, { eq }) => ...`;
  // `opts.ctx.db.select()...` is the builder on a client held in a property.
  if (
    tsm.isPropertyAccessExpression(root) &&
    tsm.isPropertyAccessExpression(root.expression) &&
    root.expression.name.text === "query"
  ) {
    const head = chain.calls[0];
    if (!head || chain.calls.length > 1) return undefined;
    const returns = head.name === "findFirst" ? "row" : head.name === "findMany" ? "rows" : undefined;
    if (!returns) return undefined;
    const options = head.args[0] && skipOuter(tsm, head.args[0]);
    const where = options && tsm.isObjectLiteralExpression(options) ? member(tsm, options, "where") : undefined;
    const predicate = relationalWhere(tsm, where);
    const key = predicate && whereKey(tsm, predicate, keys);
    return {
      returns,
      key,
      readOnly: true,
      predicate: predicate && !tsm.isObjectLiteralExpression(predicate) ? predicate : undefined,
    };
  }
  // `this.scope.where(...)` on a `$dynamic()` query: the builder's calls, then the use's.
  const dynamic = dynamicQueryOf(ctx, chain);
  const calls = dynamic?.calls ?? chain.calls;
  const names = calls.map((c) => c.name);
  const head = names.find((n) => n !== "with" && n !== "$with");
  if (!head) return undefined;
  const returning = names.includes("returning");
  // SQLite drivers: `.get()` runs the query for its first row, `.all()` for every row, `.run()` for none.
  const last = names[names.length - 1];
  const rows = last === "get" ? "row" : last === "run" ? "none" : "rows";
  const wheres = calls.filter((c) => c.name === "where");
  // Drizzle's `.where()` replaces an earlier one; one where is the only one there is, and on a
  // `$dynamic()` query the use's where is the one that runs. The builder's own may be replaced by
  // a `.where()` on it later (drizzle-dynamic.ts): it proves no key.
  const predicate = dynamic
    ? wheres[wheres.length - 1]?.args[0]
    : wheres.length === 1 && !names.includes("$dynamic")
      ? wheres[0].args[0]
      : undefined;
  const key = predicate ? drizzleKey(tsm, predicate, keys) : undefined;
  if (head.startsWith("select")) return { returns: rows, key, predicate, readOnly: true };
  if (head === "insert")
    return {
      returns: returning ? rows : "none",
      creates: true,
      row: calls.find((c) => c.name === "values")?.args[0],
    };
  if (head === "update" || head === "delete") return { returns: returning ? rows : "none", key, predicate };
  return undefined;
}

/**
 * `eq(pageSubscriber.pageId, x)`, `inArray(...)`, as a term of `and(...)` (an `or` anywhere may
 * widen the rows: none): foreign keys of `table` to tenant-owned parents the rows are filtered by.
 */
/**
 * The user a Drizzle where pins the rows to by an owner column (`eq(t.userId, userId)`, or a
 * membership table's user column in a read), as a top-level AND term: judged at the function's calls.
 */
function drizzleOwnerUser(
  ctx: OrmContext,
  predicate: ts.Expression,
  table: string,
  read: boolean,
): { value: ts.Expression; column: string } | undefined {
  const tsm = ctx.ts;
  const owned = lookupTenantTable(ctx.model, table);
  if (!owned) return undefined;
  let found: { value: ts.Expression; column: string } | undefined;
  const visit = (e: ts.Expression): void => {
    const x = skipOuter(tsm, e);
    if (found || !tsm.isCallExpression(x)) return;
    const fn = calleeName(tsm, x);
    if (fn === "and") return x.arguments.forEach(visit);
    if (fn !== "eq" || x.arguments.length !== 2) return;
    const [column, value] = x.arguments.map((a) => skipOuter(tsm, a));
    if (tsm.isPropertyAccessExpression(column) && identifiesOwnRows(owned, column.name.text, read))
      found = { value, column: column.name.text };
  };
  visit(predicate);
  return found;
}

function drizzleParentKeys(ctx: OrmContext, predicate: ts.Expression, table: string, keys: Keys): ParentKey[] {
  const tsm = ctx.ts;
  const out: ParentKey[] = [];
  const visit = (e: ts.Expression): boolean => {
    const x = skipOuter(tsm, e);
    // `sql\`namespace_id = ${namespace.id} AND identifier = ${id}\``: its top-level terms, by column name.
    if (tsm.isTaggedTemplateExpression(x)) {
      const fragment = sqlFragment(tsm, ctx.parser, x);
      if (!fragment) return true;
      const owned = lookupTenantTable(ctx.model, table);
      for (const term of fragment.terms) {
        const q = term.qualifier[term.qualifier.length - 1]?.toLowerCase();
        if (keys.has(term.column) || (q && q !== owned?.name.toLowerCase())) continue;
        // `page_id = ${pages.id}`: a column of another table, no key.
        const v = skipOuter(tsm, term.value);
        if (tsm.isPropertyAccessExpression(v) && drizzleTableOf(ctx, v.expression)) continue;
        const parent = referencedTable(ctx.model, table, term.column);
        if (parent) out.push({ expr: term.value, list: term.list, table: parent, field: term.column });
      }
      return true;
    }
    if (!tsm.isCallExpression(x)) return true;
    const fn = calleeName(tsm, x);
    if (fn === "and") return x.arguments.every(visit);
    if (fn === "or" || fn === "not") return false;
    if ((fn !== "eq" && fn !== "inArray") || x.arguments.length !== 2) return true;
    const [column, value] = x.arguments.map((a) => skipOuter(tsm, a));
    if (!tsm.isPropertyAccessExpression(column) || keys.has(column.name.text)) return true;
    const parent = referencedTable(ctx.model, table, column.name.text);
    if (parent) out.push({ expr: value, list: fn === "inArray", table: parent, field: column.name.text });
    return true;
  };
  return visit(predicate) ? out : [];
}

/**
 * `{ folderId: folder.id, appId }` (TypeORM, Sequelize): the foreign keys of `table` to tenant-owned
 * parents the rows are filtered by; an OR key (`$or`, an array) may widen the rows: none.
 */
function objectParentKeys(ctx: OrmContext, where: ts.ObjectLiteralExpression, table: string): ParentKey[] {
  const tsm = ctx.ts;
  const out: ParentKey[] = [];
  for (const p of where.properties) {
    const name = propertyName(tsm, p);
    if (name === undefined || tsm.isSpreadAssignment(p) || /^(or|\$or)$/i.test(name)) return [];
    const value = propertyValue(tsm, p);
    const v = value && skipOuter(tsm, value);
    const parent = v && !tsm.isObjectLiteralExpression(v) ? referencedTable(ctx.model, table, name) : undefined;
    // TypeORM `{ chatflowid: In(chatflowIds) }`: a list of parent keys (Flowise's workspace delete).
    const list =
      v &&
      tsm.isCallExpression(v) &&
      tsm.isIdentifier(v.expression) &&
      v.expression.text === "In" &&
      v.arguments.length === 1
        ? skipOuter(tsm, v.arguments[0]!)
        : undefined;
    if (parent) out.push({ expr: list ?? v!, list: !!list, table: parent, field: name });
  }
  return out;
}

/**
 * The parent an insert files its one row under (`values({ spaceId: space.id, userId })` into a
 * table owned through `spaces`): its owning key only, since another parent's key ties the row to
 * nothing. Rows (an array) each need theirs: none is taken for all.
 */
function insertedUnder(
  ctx: OrmContext,
  row: ts.Expression,
  table: string,
  /** Drizzle's and Kysely's `values(row)` copy the row; Knex keeps it until the query runs. */
  copies: boolean,
): ParentKey[] | undefined {
  const tsm = ctx.ts;
  const owner = lookupTenantTable(ctx.model, table)?.owner;
  let object = skipOuter(tsm, row);
  // `const newDefinition = { knowledgeBaseId: data.knowledgeBaseId, ... }`, then `values(newDefinition)`:
  // the object as written, when nothing changes its owning key before the insert.
  if (tsm.isIdentifier(object)) {
    if (!copies) return undefined;
    const changes = fieldChanges(tsm, object, row);
    const init = Array.isArray(changes) && !changes.length ? constInitializer(tsm, object, row) : undefined;
    if (!init) return undefined;
    object = skipOuter(tsm, init);
  }
  if (!owner) return undefined;
  // The owning key first, then the row's other tenant-owned parents (`tag_id` of a monitor-to-tag
  // row): a row names each, and each must be the tenant's.
  const owned = lookupTenantTable(ctx.model, table)!;
  const parents = [
    owner,
    ...[...(owned.parents ?? []), ...(owned.references ?? [])].filter(
      (r, i, all) =>
        r.column !== owner.column &&
        !isOwnerColumn(r.column) &&
        !USERS_TABLE.test(r.parent) &&
        all.findIndex((x) => x.column === r.column) === i,
    ),
  ];
  // `ids.map((monitorId) => ({ monitorId, tagId: tag.id }))`: each row's key is an element of the
  // list, or one value the callback takes from outside.
  const mapped = mappedRows(tsm, object);
  const objects = mapped ? (mapped.objects ?? []) : tsm.isObjectLiteralExpression(object) ? [object] : [];
  if (!objects.length) return undefined;
  const first = mapped?.fn.parameters[0]?.name;
  const inner = mapped ? declaredNames(tsm, mapped.fn) : new Set<string>();
  const out: ParentKey[] = [];
  for (const [i, parent] of parents.entries())
    for (const o of objects) {
      const { value, unread } = owningKey(tsm, o, parent.column);
      // The owning key must be there; another parent's may be left out (a nullable one), never hidden.
      if (unread || (!value && i === 0)) return undefined;
      if (!value) continue;
      const v = skipOuter(tsm, value);
      const key = { table: parent.parent, field: parent.column };
      if (mapped && first && tsm.isIdentifier(first) && tsm.isIdentifier(v) && v.text === first.text)
        out.push({ expr: mapped.list, list: true, ...key });
      else if (mentions(tsm, v, inner)) return undefined;
      else if (!isLiteralValue(tsm, v)) out.push({ expr: v, list: false, ...key });
    }
  return out;
}

/** The names a function declares: its parameters' and its body's (bindings, functions, classes). */
function declaredNames(tsm: typeof ts, fn: ts.FunctionLikeDeclaration): Set<string> {
  const names = new Set<string>();
  const bind = (n: ts.BindingName) => {
    if (tsm.isIdentifier(n)) names.add(n.text);
    else for (const el of n.elements) if (!tsm.isOmittedExpression(el)) bind(el.name);
  };
  for (const p of fn.parameters) bind(p.name);
  const visit = (n: ts.Node): void => {
    if (tsm.isVariableDeclaration(n)) bind(n.name);
    if ((tsm.isFunctionDeclaration(n) || tsm.isClassDeclaration(n)) && n.name) names.add(n.name.text);
    tsm.forEachChild(n, visit);
  };
  if (fn.body) visit(fn.body);
  return names;
}

/** Whether an expression reads one of `names` (a property name is no read). */
function mentions(tsm: typeof ts, e: ts.Node, names: ReadonlySet<string>): boolean {
  return [...names].some((name) => readsName(tsm, e, name));
}

/**
 * `.where('space_id', '=', x)`, `.where('t.spaceId', x)`, `.where({ space_id: x })` (several wheres
 * AND): the foreign keys of `table` to tenant-owned parents the rows are filtered by.
 */
function columnParentKeys(ctx: OrmContext, calls: readonly ChainCall[], table: string): ParentKey[] {
  const tsm = ctx.ts;
  const out: ParentKey[] = [];
  for (const c of calls) {
    const [first, second, third] = c.args.map((a) => skipOuter(tsm, a));
    if (first && tsm.isObjectLiteralExpression(first) && c.args.length === 1) {
      out.push(...objectParentKeys(ctx, first, table));
      continue;
    }
    if (!first || !tsm.isStringLiteral(first)) continue;
    const column = first.text.split(".").pop()!;
    const op = c.args.length === 3 && second && tsm.isStringLiteral(second) ? second.text.toLowerCase() : undefined;
    const value = c.args.length === 2 ? second : op === "=" || op === "in" ? third : undefined;
    const parent = value && referencedTable(ctx.model, table, column);
    if (parent) out.push({ expr: value!, list: op === "in" || c.name === "whereIn", table: parent, field: column });
  }
  return out;
}

/** `eq(t.id, x)`, `inArray(t.id, ids)`, or one of them as a term of `and(...)`. */
function drizzleKey(tsm: typeof ts, e: ts.Expression, keys: Keys): QueryKey | undefined {
  const x = skipOuter(tsm, e);
  // `includeArchived ? eq(t.id, id) : and(eq(t.id, id), isNull(t.archivedAt))` (sim's getWorkflowById):
  // a key when both branches select by the same key.
  if (tsm.isConditionalExpression(x)) {
    const [a, b] = [drizzleKey(tsm, x.whenTrue, keys), drizzleKey(tsm, x.whenFalse, keys)];
    return a && b && a.list === b.list && a.uniqueField === b.uniqueField && a.expr.getText() === b.expr.getText()
      ? a
      : undefined;
  }
  if (!tsm.isCallExpression(x)) return undefined;
  const fn = calleeName(tsm, x);
  if (fn === "and") {
    for (const term of x.arguments) {
      // `and(...conditions)` with `const conditions = [eq(t.id, id), eq(t.teamId, teamId)]`: its
      // terms (pushing more only narrows the match).
      const spread = tsm.isSpreadElement(term) ? skipOuter(tsm, term.expression) : undefined;
      const list = spread && tsm.isIdentifier(spread) ? constInitializer(tsm, spread, spread) : undefined;
      const terms = list && tsm.isArrayLiteralExpression(list) ? [...list.elements] : [term];
      for (const t of terms) {
        const k = tsm.isSpreadElement(t) ? undefined : drizzleKey(tsm, t, keys);
        if (k) return k;
      }
    }
    return undefined;
  }
  if ((fn !== "eq" && fn !== "inArray") || x.arguments.length !== 2) return undefined;
  const [column, value] = x.arguments.map((a) => skipOuter(tsm, a));
  if (!tsm.isPropertyAccessExpression(column) || !keys.has(column.name.text)) return undefined;
  return { expr: value, list: fn === "inArray", ...byUnique(keys, column.name.text) };
}

/** A relational query's where as written: an object, a predicate, or what a `(t, { eq }) => ...` callback returns. */
export function relationalWhere(tsm: typeof ts, where: ts.Expression | undefined): ts.Expression | undefined {
  const w = where && skipOuter(tsm, where);
  if (w && (tsm.isArrowFunction(w) || tsm.isFunctionExpression(w))) return tsm.isBlock(w.body) ? undefined : w.body;
  return w;
}

/** The key among `keys` a where selects by: `{ id: x }` (Prisma, Drizzle objects), `eq(t.id, x)` or a term of `and(...)`. */
export function whereKey(tsm: typeof ts, where: ts.Expression, keys: Keys): QueryKey | undefined {
  const w = skipOuter(tsm, where);
  return tsm.isObjectLiteralExpression(w) ? objectKey(tsm, w, keys) : drizzleKey(tsm, w, keys);
}

/** `.where('id', '=', x)` (several wheres AND in Kysely), `.executeTakeFirst()`, `.returning(...)`. */
function kyselyShape(ctx: OrmContext, call: ts.CallExpression, keys: Keys): Shape | undefined {
  const tsm = ctx.ts;
  const { calls } = chainOf(tsm, call);
  const head = calls.find((c) => ["selectFrom", "updateTable", "deleteFrom", "insertInto"].includes(c.name));
  if (!head) return undefined;
  const last = calls[calls.length - 1].name;
  const returning = calls.some((c) => c.name.startsWith("returning"));
  const one = last === "executeTakeFirst" || last === "executeTakeFirstOrThrow";
  const rowsOf = head.name === "selectFrom" || returning;
  const returns = !rowsOf || !last.startsWith("execute") ? "none" : one ? "row" : "rows";
  if (calls.some((c) => /^or[A-Z]/.test(c.name))) return { returns };
  if (head.name === "insertInto")
    return { returns, creates: true, row: calls.find((c) => c.name === "values")?.args[0] };
  return {
    returns,
    throwsWhenEmpty: last.endsWith("OrThrow"),
    key: columnKey(tsm, calls, ["where"], keys),
    whereCalls: calls.filter((c) => c.name === "where"),
    // A read that locks nothing: a helper returning it hands its caller the row to check.
    ...(head.name === "selectFrom" &&
      (calls.some((c) => /^for(?:Update|NoKeyUpdate|Share)$/.test(c.name)) ? { locks: true } : { readOnly: true })),
  };
}

/** `knex('t').where({ id: x })`, `.where('id', x)`, `.whereIn('id', ids)`, `.first()`, `.returning('id')`. */
function knexShape(ctx: OrmContext, call: ts.CallExpression, keys: Keys, table: string): Shape | undefined {
  const tsm = ctx.ts;
  const { calls } = chainOf(tsm, call);
  const names = new Set(calls.map((c) => c.name));
  const returning = names.has("returning");
  if (names.has("insert"))
    return {
      returns: returning ? "rows" : "none",
      creates: true,
      row: calls.find((c) => c.name === "insert")?.args[0],
    };
  const writes = ["update", "del", "delete", "increment", "decrement"].some((n) => names.has(n));
  const returns = writes ? (returning ? "rows" : "none") : names.has("first") ? "row" : "rows";
  if (calls.some((c) => /^orWhere/.test(c.name))) return { returns };
  const wheres = ["where", "andWhere", "whereIn"];
  return {
    returns,
    key: columnKey(tsm, calls, wheres, keys, (e) => ownColumn(ctx, e, table)),
    whereCalls: calls.filter((c) => wheres.includes(c.name)),
    ...(!writes && (names.has("forUpdate") || names.has("forShare") ? { locks: true } : { readOnly: true })),
  };
}

/**
 * The column of the query's own table a Knex where names: `"id"`, `"service_tokens.id"`,
 * `` `${TableName.ServiceToken}.id` `` (infisical), as an object key too (`{ [`${T.X}.id` as "id"]: id }`).
 * Another table's column stays qualified (no key of this one); undefined when it cannot be read.
 */
function ownColumn(ctx: OrmContext, e: ts.Expression, table: string): string | undefined {
  const text = columnText(ctx, e)?.replace(/"/g, "");
  if (text === undefined) return undefined;
  const dot = text.lastIndexOf(".");
  return dot < 0 || text.slice(0, dot).split(".").pop() === table ? text.slice(dot + 1) : text;
}

/** The `id` a builder's where calls pin: `('id', x)`, `('t.id', '=', x)`, `('id', 'in', xs)`, `({ id: x })`. */
function columnKey(
  tsm: typeof ts,
  calls: readonly ChainCall[],
  names: readonly string[],
  keys: Keys,
  /** Knex: the column of the query's own table a name (string, template, object key) stands for. */
  own?: (e: ts.Expression) => string | undefined,
): QueryKey | undefined {
  for (const c of calls) {
    if (!names.includes(c.name)) continue;
    const [first, second, third] = c.args.map((a) => skipOuter(tsm, a));
    if (first && tsm.isObjectLiteralExpression(first) && c.args.length === 1) {
      const k = objectKey(tsm, first, keys, false, undefined, own && ownKeyName(tsm, own));
      if (k) return k;
      continue;
    }
    const column =
      first && own ? own(first) : first && tsm.isStringLiteral(first) ? first.text.split(".").pop() : undefined;
    if (!column || !keys.has(column)) continue;
    if (c.name === "whereIn" && second) return { expr: second, list: true };
    if (c.args.length === 2 && second) return { expr: second, list: false };
    const op = second && tsm.isStringLiteral(second) ? second.text.toLowerCase() : undefined;
    if (third && op === "=") return { expr: third, list: false };
    if (third && op === "in") return { expr: third, list: true };
  }
  return undefined;
}

const TYPEORM_ONE = new Set(["findOne", "findOneBy", "findOneOrFail", "findOneByOrFail"]);
const TYPEORM_MANY = new Set(["find", "findBy", "findByIds"]);
const TYPEORM_CRITERIA = new Set(["update", "delete", "softDelete", "restore"]);
const TYPEORM_COUNTS = new Set(["count", "countBy", "exist", "exists", "existsBy"]);

/** `repo.findOneBy({ id })`, `findOne({ where: { id } })`, `repo.delete(id)`, `manager.delete(Order, { id })`, `save`. */
function typeormShape(ctx: OrmContext, call: ts.CallExpression, keys: Keys): Shape | undefined {
  const tsm = ctx.ts;
  const callee = skipOuter(tsm, call.expression);
  if (!tsm.isPropertyAccessExpression(callee)) return undefined;
  const method = callee.name.text;
  const args = entityArgument(ctx, call.arguments[0]) ? call.arguments.slice(1) : call.arguments;
  const arg = args[0] && skipOuter(tsm, args[0]);
  if (method === "save") {
    // `save({ ...input, id: input.id })` updates the row that holds the key: a write by key.
    const key = arg && savedKey(ctx, arg, keys);
    if (!key) return { returns: "row", creates: true };
    return { returns: "row", key: { expr: key.expr, list: !!key.list, ...(key.field && { ofObject: key.field }) } };
  }
  if (method === "findByIds") return { returns: "rows", key: arg && { expr: arg, list: true }, readOnly: true };
  // `count({ where: { thingId: thing.id } })`, `existsBy({ id })`: a read that hands back a number or a yes.
  if (TYPEORM_COUNTS.has(method)) {
    const where = arg && tsm.isObjectLiteralExpression(arg) && !method.endsWith("By") ? member(tsm, arg, "where") : arg;
    const w = where && skipOuter(tsm, where);
    const whereObject = w && tsm.isObjectLiteralExpression(w) ? w : undefined;
    return {
      returns: "none",
      key: whereObject && objectKey(tsm, whereObject, keys, false, "In"),
      whereObject,
      readOnly: true,
    };
  }
  const one = TYPEORM_ONE.has(method);
  if (one || TYPEORM_MANY.has(method)) {
    const byOptions = method === "find" || method === "findOne" || method === "findOneOrFail";
    const where = arg && tsm.isObjectLiteralExpression(arg) && byOptions ? member(tsm, arg, "where") : arg;
    const w = where && skipOuter(tsm, where);
    const whereObject = w && tsm.isObjectLiteralExpression(w) ? w : undefined;
    // `findOne({ where: options })` with `options` its function's parameter: judged at the calls.
    const passedWhere = w && (tsm.isIdentifier(w) || tsm.isPropertyAccessExpression(w)) ? w : undefined;
    return {
      returns: one ? "row" : "rows",
      throwsWhenEmpty: method.endsWith("OrFail"),
      key: whereObject && objectKey(tsm, whereObject, keys, false, "In"),
      whereObject,
      readOnly: true,
      ...(passedWhere && { passedWhere }),
    };
  }
  if (!TYPEORM_CRITERIA.has(method) || !arg) return undefined;
  // A criteria that is not an object is the primary key itself (`repo.delete(id)`), or several (`delete(ids)`).
  if (tsm.isObjectLiteralExpression(arg))
    return { returns: "none", key: objectKey(tsm, arg, keys, false, "In"), whereObject: arg };
  if (tsm.isArrayLiteralExpression(arg)) return { returns: "none" };
  return { returns: "none", key: { expr: arg, list: false, listOrOne: true } };
}

const SEQUELIZE_ONE = new Set(["findOne", "findByPk"]);
const SEQUELIZE_NONE = new Set(["destroy", "update", "restore", "increment", "decrement", "count"]);

/** `Model.findByPk(x)`, `findOne({ where: { id } })`, `destroy({ where: { id } })`, `update(data, { where })`, `create`. */
function sequelizeShape(ctx: OrmContext, call: ts.CallExpression, keys: Keys): Shape | undefined {
  const tsm = ctx.ts;
  const callee = skipOuter(tsm, call.expression);
  if (!tsm.isPropertyAccessExpression(callee)) return undefined;
  const method = callee.name.text;
  if (method === "create") return { returns: "row", creates: true };
  if (method === "findByPk") {
    const arg = call.arguments[0] && skipOuter(tsm, call.arguments[0]);
    return { returns: "row", key: arg && { expr: arg, list: false }, readOnly: true };
  }
  const returns = SEQUELIZE_ONE.has(method) ? "row" : SEQUELIZE_NONE.has(method) ? "none" : "rows";
  if (!["findOne", "findAll", "destroy", "update", "restore"].includes(method)) return { returns };
  const options = call.arguments[method === "update" ? 1 : 0];
  const o = options && skipOuter(tsm, options);
  const where = o && tsm.isObjectLiteralExpression(o) ? member(tsm, o, "where") : undefined;
  const w = where && skipOuter(tsm, where);
  // Sequelize reads `{ id: [a, b] }` as IN: an owned list is as good as an owned key.
  const whereObject = w && tsm.isObjectLiteralExpression(w) ? w : undefined;
  return {
    returns,
    key: whereObject && objectKey(tsm, whereObject, keys, true),
    whereObject,
    ...(method.startsWith("find") && { readOnly: true }),
  };
}

/**
 * `{ id: x, ... }` (every property ANDs; an OR key widens the rows: no key), Prisma-style
 * `{ id: { in: xs } }`, TypeORM `{ id: In(xs) }` when `listCall` is given.
 */
/** A Knex where object's key as a column of the query's table (`"t.id"`, `[`${T.X}.id` as "id"]`). */
function ownKeyName(
  tsm: typeof ts,
  own: (e: ts.Expression) => string | undefined,
): (p: ts.ObjectLiteralElementLike) => string | undefined {
  return (p) => {
    const name = p.name;
    if (!name || !tsm.isPropertyAssignment(p)) return propertyName(tsm, p);
    if (tsm.isStringLiteral(name)) return own(name);
    if (!tsm.isComputedPropertyName(name)) return propertyName(tsm, p);
    let e = name.expression;
    while (tsm.isAsExpression(e) || tsm.isParenthesizedExpression(e)) e = e.expression;
    return own(e);
  };
}

function objectKey(
  tsm: typeof ts,
  obj: ts.ObjectLiteralExpression,
  keys: Keys,
  listOrOne = false,
  listCall?: string,
  /** How a property names its column, when not by its name as written (Knex's qualified names). */
  nameOf: (p: ts.ObjectLiteralElementLike) => string | undefined = (p) => propertyName(tsm, p),
): QueryKey | undefined {
  let key: QueryKey | undefined;
  for (const p of obj.properties) {
    const name = nameOf(p);
    if (name === undefined || /^(or|\$or)$/i.test(name) || tsm.isSpreadAssignment(p)) return undefined;
    if (!keys.has(name)) continue;
    const value = propertyValue(tsm, p);
    const v = value && skipOuter(tsm, value);
    if (!v) return undefined;
    if (listCall && tsm.isCallExpression(v) && calleeName(tsm, v) === listCall && v.arguments[0])
      key = { expr: skipOuter(tsm, v.arguments[0]), list: true, ...byUnique(keys, name) };
    else if (!tsm.isObjectLiteralExpression(v)) key = { expr: v, list: false, listOrOne, ...byUnique(keys, name) };
  }
  return key;
}

/**
 * A Drizzle select of a row inner-joined to its parents on its own foreign keys, selecting the
 * parent's tenant beside it: `select({ update: statusReportUpdate, reportWorkspaceId:
 * statusReport.workspaceId }).from(statusReportUpdate).innerJoin(statusReport, eq(...))`. The flow
 * follows it as a query on the child (`tables` holds the child and its parents, nothing else).
 */
function drizzleJoinedFlowQuery(
  ctx: OrmContext,
  call: ts.Node,
  tables: ReadonlySet<string>,
  scoped: boolean,
): FlowQuery | undefined {
  const tsm = ctx.ts;
  if (!tsm.isCallExpression(call)) return undefined;
  const { calls } = chainOf(tsm, call);
  const from = calls.find((c) => c.name === "from");
  const child = from && drizzleTableOf(ctx, from.args[0]);
  if (!from || !child || !tables.has(child.name) || !calls[0]?.name.startsWith("select")) return undefined;
  const ref = (c: ChainCall, table: TenantTable): TableRef => ({
    table,
    qualifier: skipOuter(tsm, c.args[0]!).getText(ctx.sourceFile),
    node: c.call,
  });
  const childRef = ref(from, child);
  const parents: string[] = [];
  // Each join reaches the parent of the row or of a table joined before it (card, list, board).
  const refs = [childRef];
  let others = false;
  for (const c of calls) {
    if (!/Join$/.test(c.name)) continue;
    const joined = drizzleTableOf(ctx, c.args[0]);
    const parentRef = joined && c.name === "innerJoin" ? ref(c, joined) : undefined;
    const on = parentRef && new DrizzlePredicates(ctx, [...refs, parentRef]).translate(c.args[1]);
    if (joined && parentRef && on?.kind === "parent" && refs.includes(on.child) && on.parent === parentRef) {
      parents.push(joined.name);
      refs.push(parentRef);
    } else others = true;
  }
  const projection = drizzleProjection(ctx, calls[0]!);
  // A scoped read that also joins other tables (midday's tokens with their user and application):
  // its rows are still its own table's, read by a projection that names each field's table.
  // Its rows prove keys only when it has a tenant column of its own: one owned through a parent is
  // scoped here by the joins. Unscoped, it is still read by the keys its where names (midday's tags
  // of a proven project, with the tag joined).
  if (others) {
    if (!projection.size || (scoped && child.owner)) return undefined;
    const base = ormFlowQuery("drizzle", ctx, call, new Set([child.name]), scoped);
    return base && { ...base, projection };
  }
  if (!parents.length || [...tables].some((t) => t !== child.name && !parents.includes(t))) return undefined;
  const base = ormFlowQuery("drizzle", ctx, call, new Set([child.name]), scoped);
  return base && { ...base, joinedParents: parents, projection };
}

/**
 * A one-table select that puts a column under another name (`select({ id: monitors.pageId })`):
 * what each field holds, so that `r.id` is read as the page key it is. Undefined when every field
 * is the column of its name, which the row's own fields already say.
 */
function renamingProjection(ctx: OrmContext, call: ts.CallExpression): FlowQuery["projection"] {
  const { calls } = chainOf(ctx.ts, call);
  if (!calls[0]?.name.startsWith("select")) return undefined;
  const projection = drizzleProjection(ctx, calls[0]);
  return [...projection].some(([name, p]) => p.field !== undefined && p.field !== name) ? projection : undefined;
}

/** `select({ update: t, reportWorkspaceId: parent.workspaceId })`: a whole row, or one column (SQL spelling) of a table. */
function drizzleProjection(
  ctx: OrmContext,
  select: ChainCall,
): Map<string, { table: string; column?: string; field?: string }> {
  const tsm = ctx.ts;
  const out = new Map<string, { table: string; column?: string; field?: string }>();
  const arg = select.args[0] && skipOuter(tsm, select.args[0]);
  if (!arg || !tsm.isObjectLiteralExpression(arg)) return out;
  // `workflow: { id: workflow.id }` nests a table's columns under a field: `workflow.id`.
  const add = (o: ts.ObjectLiteralExpression, prefix: string, depth: number): void => {
    for (const p of o.properties) {
      if (!tsm.isPropertyAssignment(p) || !tsm.isIdentifier(p.name)) continue;
      const name = prefix + p.name.text;
      const v = skipOuter(tsm, p.initializer);
      const whole = drizzleTableOf(ctx, v);
      if (whole && tsm.isIdentifier(v)) {
        out.set(name, { table: whole.name });
        continue;
      }
      const owner = tsm.isPropertyAccessExpression(v) ? drizzleTableOf(ctx, v.expression) : undefined;
      if (owner && tsm.isPropertyAccessExpression(v)) {
        const column = owner.entities?.find((e) => e.orm === "drizzle")?.fields[v.name.text] ?? v.name.text;
        out.set(name, { table: owner.name, column, field: v.name.text });
      } else if (tsm.isObjectLiteralExpression(v) && depth < 2) add(v, `${name}.`, depth + 1);
    }
  };
  add(arg, "", 0);
  return out;
}

/** Reads an ORM's flow follows beyond its queries on tenant-owned tables: Prisma's and Drizzle's reads of the tenant's own row. */
export function addRootFlowQueries(orm: OrmName, ctx: OrmContext, flowQueries: Map<ts.Node, FlowQuery>): void {
  if (orm === "prisma") addPrismaRootQueries(ctx, flowQueries);
  if (orm === "drizzle") addDrizzleRootQueries(ctx, flowQueries);
}

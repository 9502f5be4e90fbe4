// What the ownership flow needs to know about one query: the table, whether it was scoped,
// what its result holds, and the primary key it selects rows by (Prisma `where.id`, SQL `id = $n`).
import type ts from "typescript";
import { isLiteral } from "../credentials";
import { userKeyOf, type UserKey } from "../membership";
import type { FieldTypes } from "../orm/declared-fields";
import { OPERATIONS } from "../orm/prisma";
import { strip } from "../orm/prisma-syntax";
import { createdRows, createdUnderKey } from "../orm/prisma-writes";
import { constInitializer } from "./bindings";
import { memberValue as member } from "../orm/prisma-where";
import type { SqlSite } from "../sql/site";
import type { TenantTable } from "../model/types";

export interface FlowQuery {
  /** The call (or tagged template) running the query: what findings point back to. */
  call: ts.Node;
  /** The tenant-owned table (SQL name). */
  table: string;
  /** No finding of any rule for this table: the query pins (or sets) the tenant. */
  scoped: boolean;
  /**
   * One row (or null), an array of rows, a node-postgres result (`.rows`), the ids themselves
   * (slonik `oneFirst`/`manyFirst` of `SELECT id`), or nothing usable.
   */
  returns: "row" | "rows" | "result" | "key" | "keys" | "none";
  /** `findFirstOrThrow` and friends: an empty result already ends the path. */
  throwsWhenEmpty: boolean;
  /**
   * The where admits rows no tenant owns (`tenant_id IS NULL OR tenant_id = $1`, `OR: [{ tenantId:
   * null }, { tenantId }]`): its rows and keys prove reads, never a write (a shared row is everyone's).
   */
  sharedRows?: boolean;
  /** The call creates the row it returns (`create`, `INSERT ... RETURNING`, `save`). */
  creates?: boolean;
  /** Prisma's `upsert`: its where picks the row it changes, as an update's does (its create is judged by its data). */
  upserts?: boolean;
  /** Only reads: a check of the row it returns, made after it ran, still comes before any use. */
  readOnly?: boolean;
  /** A read that locks the rows it picks (`FOR UPDATE`): it changes none, so a check of its row after it still comes first. */
  locks?: boolean;
  /** A read of the tenant's own row (flow/root-queries.ts): the tenant value it was read by. */
  tenantKey?: ts.Expression;
  /** A read of some tenant's own row by its key (flow/root-queries.ts): the tenant's once a check names it. */
  root?: boolean;
  /** The primary-key value the query selects rows by, when it selects by key. */
  key?: QueryKey;
  /**
   * A where handed on whole (`findUnique({ where })` in a repository's `order(where)`): its `id`
   * is the key, which each call of the function passes (`this.orderService.order({ id })`).
   */
  passedWhere?: ts.Expression;
  /** For a `passedWhere` query: the calls whose where scoped it (orm/prisma.ts judgedAtCalls). */
  settledCalls?: ReadonlySet<ts.Node>;
  /**
   * Foreign keys to tenant-owned parents the query filters by (`where: { tagId }`): the rows
   * hang off those parents' rows, so an owned parent key scopes them.
   */
  parentKeys?: ParentKey[];
  /** Keys of rows owned through this one that its where requires it to have (`recipients: { some: { id } }`). */
  childKeys?: ParentKey[];
  /**
   * Drizzle: parents the row is inner-joined to on its own foreign key (`innerJoin(statusReport,
   * eq(statusReportUpdate.statusReportId, statusReport.id))`). A check of a parent's tenant checks
   * the row, and answers the join's findings too.
   */
  joinedParents?: string[];
  /** Drizzle `select({ update: statusReportUpdate, reportWorkspaceId: statusReport.workspaceId })`: what each field of a row holds. */
  projection?: ReadonlyMap<string, { table: string; column?: string; field?: string }>;
  /**
   * A read of a membership table by a tenant and a user (`teamMember.findUnique({ where:
   * { teamID_userUid: { teamID: doc.teamID, userUid } } })`): a row comes back only when that user
   * is a member of that tenant. The two values, as written.
   */
  membership?: {
    tenant: ts.Expression;
    user: ts.Expression;
    /**
     * `tenant` is no tenant value but a key of this table (`getProjectAccess({ userId, projectId })`,
     * which looks the project up and then the user's membership in its organisation).
     */
    keyOf?: string;
  };
  /**
   * A read of a membership table by its user column (`teamMember.findMany({ where: { userId } })`):
   * the user whose memberships it lists. The signed-in user's own are no leak.
   */
  memberUser?: ts.Expression;
  /** How `memberUser` names the user: by id, or by email (`user_invites.email`). */
  memberUserKey?: UserKey;
}

/**
 * The Prisma fields that say whose rows a query touches: a membership table's tenant and user
 * fields, or another table's owner fields (`userId`, `createdBy`: the user's own rows), for reads
 * (`read`, which also counts shared-with fields) and for changes (`write`).
 */
export interface MembershipFields {
  tenant: readonly string[];
  user: readonly string[];
  owner?: { read: readonly string[]; write: readonly string[] };
}

export interface ParentKey extends QueryKey {
  /** The parent table (model name). */
  table: string;
  /** The child's field or column, as written. */
  field: string;
}

export interface QueryKey {
  expr: ts.Expression;
  /** `id: { in: ids }`, `id = ANY($1)`: the value is a list of keys. */
  list: boolean;
  /** Sequelize `{ id: x }`: IN when `x` is an array, so an owned list is as good as an owned key. */
  listOrOne?: boolean;
  /**
   * A missing value (null, undefined) makes the query fail or match nothing (Prisma's where-unique
   * operations, SQL `id = $1`), rather than drop the condition (Prisma `findFirst`, TypeORM `findOneBy`).
   */
  rejectsMissing?: boolean;
  /** TypeORM `save({ ...entity, ... })`: the key is this field of `expr` (`entity.id`), the object a row or a DTO. */
  ofObject?: string;
  /** Prisma: the unique field the key is a value of (`slug`), when not `id` (Value.uniqueField). */
  uniqueField?: string;
  /**
   * The key is this field path of `expr` (`.id` of `params`): a helper handed its argument whole
   * (`this.getOne(params)`) reads by the field it destructures (`getOne({ id, projectId })`).
   */
  path?: string;
}

const ROWS_OPERATIONS = new Set(["findMany", "createManyAndReturn", "updateManyAndReturn"]);
const NO_ROW_OPERATIONS = new Set(["count", "aggregate", "groupBy", "updateMany", "deleteMany", "createMany"]);

/** A Prisma delegate call (`db.invoice.delete({ where: { id } })`) seen by the flow. */
export function prismaFlowQuery(
  tsm: typeof ts,
  call: ts.Node,
  table: string,
  scoped: boolean,
  /** The table's foreign keys to tenant-owned parents, by Prisma field name. */
  parentFields: ReadonlyMap<string, string> = new Map(),
  /** For a membership table: its tenant and user fields. */
  membershipFields?: MembershipFields,
  /** For a model owned through its parent: the owning relation, whose key a create files the row under. */
  createOwner?: CreateOwner,
  /** The back-relations to rows owned through this table (`recipients`), by relation name. */
  childRelations: ReadonlyMap<string, string> = new Map(),
  /** The declared types a spread in created data is read through. */
  types?: FieldTypes,
  /** The model's `@unique` fields other than `id`: a value of one names one row (`slug`). */
  uniqueFields: ReadonlySet<string> = new Set(),
  /** For a model owned through its parent: its other relations to tenant-owned rows, whose keys a create names too. */
  otherParents: readonly CreateOwner[] = [],
  /** Back-relations to join rows naming another tenant-owned row (`tags` -> `TagsOnResponses.tagId` -> Tag). */
  joins: ReadonlyMap<string, { field: string; table: string }[]> = new Map(),
): FlowQuery | undefined {
  if (!tsm.isCallExpression(call) || !tsm.isPropertyAccessExpression(call.expression)) return undefined;
  const method = call.expression.name.text;
  if (!Object.hasOwn(OPERATIONS, method)) return undefined;
  const returns = ROWS_OPERATIONS.has(method) ? "rows" : NO_ROW_OPERATIONS.has(method) ? "none" : "row";
  const args = call.arguments[0] && literalOf(tsm, call.arguments[0], call);
  const where = args && tsm.isObjectLiteralExpression(args) ? member(tsm, args, "where") : undefined;
  // `const where = { id, teamId }; findFirst({ where })`: the const's object.
  const whereObj = where && literalOf(tsm, where, call);
  const id = whereObj && tsm.isObjectLiteralExpression(whereObj) ? member(tsm, whereObj, "id") : undefined;
  // `{ slug: domain, projectId }`: a value of a unique field names one row as an id does.
  const byField =
    !id && whereObj && tsm.isObjectLiteralExpression(whereObj)
      ? [...uniqueFields].map((f) => [f, member(tsm, whereObj, f)] as const).find(([, v]) => v)
      : undefined;
  const fieldKey = byField && keyOf(tsm, byField[1]!);
  // A where-unique by another key (`{ domain_key: { domain, key } }`): its one property.
  const unique =
    !id && !byField && whereObj && tsm.isObjectLiteralExpression(whereObj) && UNIQUE_WHERE.test(method)
      ? soleProperty(tsm, whereObj)
      : undefined;
  const key = id
    ? keyOf(tsm, id)
    : fieldKey
      ? { ...fieldKey, uniqueField: byField![0] }
      : unique && (keyOf(tsm, unique) ?? { expr: strip(tsm, unique), list: false });
  const passedWhere =
    whereObj && (tsm.isIdentifier(whereObj) || tsm.isPropertyAccessExpression(whereObj)) ? whereObj : undefined;
  // `AND: [{ tags: { some: ... } }, { status }]`: every term holds, as a field of the where itself does.
  const fieldIn = (where: ts.ObjectLiteralExpression, field: string, depth: number): ts.Expression | undefined => {
    const own = member(tsm, where, field) ?? compoundMember(tsm, where, field);
    const and = own || depth > 2 ? undefined : member(tsm, where, "AND");
    const terms = and && literalOf(tsm, and, call);
    if (!terms) return own;
    const each = tsm.isArrayLiteralExpression(terms) ? terms.elements : [terms];
    for (const term of each) {
      const t = literalOf(tsm, term, call);
      const found = t && tsm.isObjectLiteralExpression(t) ? fieldIn(t, field, depth + 1) : undefined;
      if (found) return found;
    }
    return undefined;
  };
  const fieldValue = (field: string) =>
    whereObj && tsm.isObjectLiteralExpression(whereObj) ? fieldIn(whereObj, field, 0) : undefined;
  // `result: { typebotId }`: a field of the related row's filter (a bare object, not `is`/`some`).
  const pathValue = (path: string) => {
    const dot = path.indexOf(".");
    if (dot < 0) return fieldValue(path);
    const related = fieldValue(path.slice(0, dot));
    const filter = related && literalOf(tsm, related, call);
    return filter && tsm.isObjectLiteralExpression(filter) ? member(tsm, filter, path.slice(dot + 1)) : undefined;
  };
  // Only a lookup of one row answers by its presence: `findMany` hands back a list, empty or not.
  const membershipTenant = returns === "row" ? membershipFields?.tenant.map(fieldValue).find(Boolean) : undefined;
  const membershipUser = membershipFields?.user.map(fieldValue).find(Boolean);
  const reads = /^(?:find|count|aggregate|groupBy)/.test(method);
  const creates = /^(create|upsert)/.test(method);
  // `note.deleteMany({ where: { id, userId } })`: the rows of whichever user each call passes.
  const owners = membershipFields?.owner;
  const ownerField = !creates ? (reads ? owners?.read : owners?.write)?.find((f) => fieldValue(f)) : undefined;
  const ownerUser = ownerField && fieldValue(ownerField);
  const user = (reads && membershipUser) || ownerUser;
  const userKey = user && user === ownerUser ? userKeyOf(ownerField!) : "id";
  return {
    call,
    table,
    scoped,
    returns,
    throwsWhenEmpty: method.endsWith("OrThrow"),
    creates,
    ...(method === "upsert" && { upserts: true }),
    readOnly: method.startsWith("find"),
    // Prisma refuses a where-unique without its key's value: a missing key cannot widen the match.
    key: key && UNIQUE_WHERE.test(method) && !key.list ? { ...key, rejectsMissing: true } : key,
    ...(passedWhere && { passedWhere }),
    ...(membershipTenant &&
      membershipUser && {
        membership: { tenant: strip(tsm, membershipTenant), user: strip(tsm, membershipUser) },
      }),
    ...(user && { memberUser: strip(tsm, user), memberUserKey: userKey }),
    parentKeys:
      whereObj && tsm.isObjectLiteralExpression(whereObj) && (parentFields.size || (reads && joins.size))
        ? [
            ...[...parentFields].flatMap(([field, parent]) => {
              const value = pathValue(field);
              const key = value && keyOf(tsm, value);
              if (key) return [{ ...key, table: parent, field }];
              // `{ ...resultsFilter, OR: [...] }` (typebot's archiveResults): the spread's own field,
              // unless a property after it replaces that field; judged where it is given.
              const spread = !field.includes(".") ? spreadHolding(tsm, whereObj, field) : undefined;
              return spread ? [{ expr: spread, ofObject: field, list: false, table: parent, field }] : [];
            }),
            ...(reads ? joinedKeys(joins, fieldValue, tsm, call) : []),
          ]
        : /^create(?:Many)?/.test(method) && createOwner && args && tsm.isObjectLiteralExpression(args)
          ? createdUnder(tsm, call, method, member(tsm, args, "data"), [createOwner, ...otherParents], types)
          : undefined,
    ...(reads && returns !== "rows" && { childKeys: requiredChildren(childRelations, fieldValue, tsm, call) }),
  };
}

/**
 * The one spread of a where that may give it `field`: a name or a member (`...resultsFilter`,
 * `...args.filter`), with no property of that name written after it. Several spreads: none.
 */
function spreadHolding(tsm: typeof ts, where: ts.ObjectLiteralExpression, field: string): ts.Expression | undefined {
  const spreads = where.properties.filter(tsm.isSpreadAssignment);
  if (spreads.length !== 1) return undefined;
  const at = where.properties.indexOf(spreads[0]!);
  const replaced = where.properties
    .slice(at + 1)
    .some((p) => p.name && (tsm.isIdentifier(p.name) || tsm.isStringLiteralLike(p.name)) && p.name.text === field);
  const e = strip(tsm, spreads[0]!.expression);
  return !replaced && (tsm.isIdentifier(e) || tsm.isPropertyAccessExpression(e)) ? e : undefined;
}

/**
 * `tags: { some: { tagId } }` in a read's where: rows joined to that tag through a join row, which
 * names only its tenant's rows (see orm-queries.ts `joinedThrough`). `every` and `none` hold for a
 * row with no join row at all.
 */
function joinedKeys(
  joins: ReadonlyMap<string, { field: string; table: string }[]>,
  fieldValue: (field: string) => ts.Expression | undefined,
  tsm: typeof ts,
  call: ts.Node,
): ParentKey[] {
  const out: ParentKey[] = [];
  for (const [relation, parents] of joins) {
    const inner = someFilter(fieldValue(relation), tsm, call);
    for (const join of parents) {
      const value = inner && member(tsm, inner, join.field);
      const key = value && keyOf(tsm, value);
      if (key) out.push({ ...key, table: join.table, field: `${relation}.some.${join.field}` });
    }
  }
  return out;
}

/** The object of a relation filter's `some` (`{ some: { id } }` -> `{ id }`), through consts. */
function someFilter(
  filter: ts.Expression | undefined,
  tsm: typeof ts,
  call: ts.Node,
): ts.ObjectLiteralExpression | undefined {
  const object = filter && literalOf(tsm, filter, call);
  const some = object && tsm.isObjectLiteralExpression(object) ? member(tsm, object, "some") : undefined;
  const inner = some && literalOf(tsm, some, call);
  return inner && tsm.isObjectLiteralExpression(inner) ? inner : undefined;
}

/**
 * `recipients: { some: { id: recipientId } }` in a read's where: the row it finds has that child
 * under it (`every` and `none` hold for a row without it). Only children owned through this table.
 */
export function requiredChildren(
  children: ReadonlyMap<string, string>,
  fieldValue: (field: string) => ts.Expression | undefined,
  tsm: typeof ts,
  call: ts.Node,
): ParentKey[] {
  const out: ParentKey[] = [];
  for (const [relation, child] of children) {
    const inner = someFilter(fieldValue(relation), tsm, call);
    const id = inner && member(tsm, inner, "id");
    const key = id && keyOf(tsm, id);
    if (key && !key.list) out.push({ ...key, table: child, field: relation });
  }
  return out;
}

/**
 * The parent keys a create of a row owned through its parent writes (`bookingId: x`, `booking:
 * { connect: { id: x } }`), the owning relation's first: the row is the tenant's when that parent
 * is, and names only the tenant's rows when each other parent it names is too (prisma-writes.ts
 * `checkParentKey`); a createMany's, those of every row it writes (prisma-writes.ts `createdRows`).
 * A literal key names a row the code fixed, and is left out.
 */
function createdUnder(
  tsm: typeof ts,
  call: ts.CallExpression,
  method: string,
  data: ts.Expression | undefined,
  /** The owning relation first, then the row's other parents. */
  relations: readonly CreateOwner[],
  types: FieldTypes | undefined,
): ParentKey[] | undefined {
  const follow = (e: ts.Expression) => literalOf(tsm, e, call) ?? e;
  const rows = method === "create" ? [data] : createdRows(tsm, data, follow);
  const keyFor = (row: ts.Expression | undefined, relation: CreateOwner): ParentKey | undefined => {
    const key = createdUnderKey(tsm, row, relation, follow, types);
    const k = key && key !== "unknown" && !isLiteral(tsm, strip(tsm, key)) ? keyOf(tsm, key) : undefined;
    // A missing key names no parent: the row is filed under none (or the insert fails a NOT NULL),
    // so a key proven "when one is given" is proven enough here.
    return k && { ...k, table: relation.parent, field: relation.fields?.[0] ?? relation.field, rejectsMissing: true };
  };
  const keys = (rows ?? []).flatMap((row) => relations.flatMap((relation) => keyFor(row, relation) ?? []));
  return keys.length ? keys : undefined;
}

/** The Prisma relation a model is owned through: its field, its foreign key field, and the parent table. */
export interface CreateOwner {
  field: string;
  fields?: readonly string[];
  parent: string;
}

/** A raw SQL site on one tenant-owned table (`SELECT ... WHERE id = $1`, `INSERT ... RETURNING id`). */
export function sqlFlowQuery(
  tsm: typeof ts,
  site: SqlSite,
  table: string,
  scoped: boolean,
  owned?: TenantTable,
  /** A statement on several tables whose rows are one's (`SELECT dp.* ... JOIN dataset d`): its alias. */
  rowsOf?: string,
  /** What each field of a row holds when the select renames a column (`SELECT c."segmentId" AS id`). */
  projection?: FlowQuery["projection"],
): FlowQuery {
  const sql = site.sql;
  // `ON CONFLICT ... DO UPDATE RETURNING` may hand back a row that already existed, whoever owns it.
  const upserts = /\bon\s+conflict\b[\s\S]*\bdo\s+update\b/i.test(sql);
  const returnsRows = !upserts && (/^\s*(select|with)\b/i.test(sql) || /\breturning\b/i.test(sql));
  const returns = !returnsRows
    ? "none"
    : site.driver === "slonik" || site.parameterStyle === "pgp"
      ? slonikReturns(tsm, site.node, sql)
      : selectTyped(tsm, site.node)
        ? "rows"
        : site.driver === "pg" || site.driver === "unknown"
          ? "result"
          : "rows";
  const creates = /^\s*insert\b/i.test(sql);
  const locks = /^\s*select\b/i.test(sql) && /\bfor\s+(?:no\s+key\s+)?update\b/i.test(sql);
  const readOnly = /^\s*select\b/i.test(sql) && !locks;
  const terms = whereEqualities(tsm, site);
  const parentKeys = sqlParentKeys(terms, owned, rowsOf);
  return {
    call: site.node,
    table,
    scoped,
    returns,
    throwsWhenEmpty: false,
    creates,
    readOnly,
    ...(locks && { locks }),
    ...(projection && { projection }),
    key: sqlKey(terms, rowsOf, owned?.rowKey),
    ...(parentKeys && { parentKeys }),
  };
}

/** Sequelize's `sequelize.query(text, { type: QueryTypes.SELECT })`: the rows themselves. */
function selectTyped(tsm: typeof ts, node: ts.Node): boolean {
  if (!tsm.isCallExpression(node)) return false;
  const options = node.arguments[1] && strip(tsm, node.arguments[1]);
  if (!options || !tsm.isObjectLiteralExpression(options)) return false;
  return options.properties.some(
    (p) =>
      tsm.isPropertyAssignment(p) &&
      tsm.isIdentifier(p.name) &&
      p.name.text === "type" &&
      /(?:^|\.)SELECT$/.test(p.initializer.getText()),
  );
}

// slonik's pool methods say what comes back: `one(...)` a row, `many(...)` rows, `oneFirst(...)` a value;
// pg-promise's the same way (`oneOrNone` a row or null, `manyOrNone` rows, `result` pg's result).
const SLONIK_ROW = new Set(["one", "maybeOne", "oneOrNone"]);
const SLONIK_ROWS = new Set(["many", "any", "manyOrNone"]);
const SLONIK_VALUE = new Set(["oneFirst", "maybeOneFirst"]);
const SLONIK_VALUES = new Set(["manyFirst", "anyFirst"]);

function slonikReturns(tsm: typeof ts, node: ts.Node, sql: string): FlowQuery["returns"] {
  if (!tsm.isCallExpression(node) || !tsm.isPropertyAccessExpression(node.expression)) return "none";
  const method = node.expression.name.text;
  if (SLONIK_ROW.has(method)) return "row";
  if (SLONIK_ROWS.has(method)) return "rows";
  if (method === "query" || method === "result") return "result";
  // The first column is the id only when the statement selects (or returns) `id` first.
  const firstIsId = /^\s*select\s+(?:"?\w+"?\.)?"?id"?\s*(?:,|from\b)|\breturning\s+(?:"?\w+"?\.)?"?id"?\s*$/i.test(
    sql,
  );
  if (firstIsId && SLONIK_VALUE.has(method)) return "key";
  if (firstIsId && SLONIK_VALUES.has(method)) return "keys";
  return "none";
}

/** The table an INSERT, UPDATE or DELETE writes (`tenantTablesIn` does not report write targets). */
export function writeTarget(sql: string): { table: string; schema?: string } | undefined {
  const m = /^\s*(?:insert\s+into|update|delete\s+from)\s+(?:only\s+)?(?:"?(\w+)"?\.)?"?(\w+)"?/i.exec(sql);
  return m ? { table: m[2], schema: m[1] } : undefined;
}

/** An expression, or the object literal a const holding it was initialised with. */
function literalOf(tsm: typeof ts, e: ts.Expression, at: ts.Node): ts.Expression {
  const s = strip(tsm, e);
  if (!tsm.isIdentifier(s)) return s;
  const init = constInitializer(tsm, s, at);
  return init && tsm.isObjectLiteralExpression(strip(tsm, init)) ? strip(tsm, init) : s;
}

/** `commentId` inside a compound unique selector: `commentId_userId_emoji: { commentId, userId, emoji }`. */
function compoundMember(tsm: typeof ts, where: ts.ObjectLiteralExpression, field: string): ts.Expression | undefined {
  for (const p of where.properties) {
    if (!tsm.isPropertyAssignment(p) || !tsm.isIdentifier(p.name) || !p.name.text.split("_").includes(field)) continue;
    const inner = strip(tsm, p.initializer);
    const value = tsm.isObjectLiteralExpression(inner) ? member(tsm, inner, field) : undefined;
    if (value) return value;
  }
  return undefined;
}

/** Operations whose where is Prisma's WhereUniqueInput: one unique key (or compound) selects the row. */
const UNIQUE_WHERE = /^(findUnique|findUniqueOrThrow|update|delete|upsert)$/;

/** The value of a where's only property (not a spread, not AND/OR/NOT). */
function soleProperty(tsm: typeof ts, where: ts.ObjectLiteralExpression): ts.Expression | undefined {
  if (where.properties.length !== 1) return undefined;
  const p = where.properties[0]!;
  if (tsm.isShorthandPropertyAssignment(p)) return p.name;
  if (!tsm.isPropertyAssignment(p) || !tsm.isIdentifier(p.name) || ["AND", "OR", "NOT"].includes(p.name.text))
    return undefined;
  return p.initializer;
}

function keyOf(tsm: typeof ts, value: ts.Expression): QueryKey | undefined {
  const v = strip(tsm, value);
  if (!tsm.isObjectLiteralExpression(v)) return { expr: v, list: false };
  if (v.properties.length !== 1) return undefined;
  const equals = member(tsm, v, "equals");
  if (equals) return { expr: strip(tsm, equals), list: false };
  const list = member(tsm, v, "in");
  return list ? { expr: strip(tsm, list), list: true } : undefined;
}

// `WHERE [t.]id = $n [AND ...]`: AND terms only narrow the rows, an OR anywhere in the WHERE may
// widen them. A lock (`FOR UPDATE`) ends the WHERE as `RETURNING` or `LIMIT` do.
const WHERE =
  /\bwhere\b([\s\S]*?)(?:\breturning\b|\border\s+by\b|\blimit\b|\bgroup\s+by\b|\bfor\s+(?:no\s+key\s+|key\s+)?(?:update|share)\b|;|$)/i;
const COLUMN_TERM = /^\(?\s*(?:"?(\w+)"?\.)?"?(\w+)"?\s*=\s*(?:(any)\s*\(\s*)?\$(\d+)\s*\)?\s*\)?$/i;
/** `id IN ($1)` where `$1` is a list the template spread: an array value, `sql.join(ids, ...)`, `Prisma.join(ids)`. */
const COLUMN_IN_TERM = /^\(?\s*(?:"?(\w+)"?\.)?"?(\w+)"?\s+in\s*\(\s*\$(\d+)\s*\)\s*\)?$/i;

/** `sql.join(ids, sql\`, \`)`, `Prisma.join(ids)`: the list joined. */
function joinedList(tsm: typeof ts, e: ts.Expression): ts.Expression | undefined {
  const x = strip(tsm, e);
  if (!tsm.isCallExpression(x) || !tsm.isPropertyAccessExpression(x.expression)) return undefined;
  if (x.expression.name.text !== "join" || !x.arguments[0]) return undefined;
  const owner = strip(tsm, x.expression.expression);
  return tsm.isIdentifier(owner) && /^(?:sql|Prisma)$/.test(owner.text) ? strip(tsm, x.arguments[0]) : undefined;
}

type WhereEquality = { qualifier?: string; column: string; expr: ts.Expression; list: boolean };

function sqlKey(terms: readonly WhereEquality[] | undefined, rowsOf?: string, rowKey?: string): QueryKey | undefined {
  const term = terms?.find((t) => (t.column === "id" || t.column === rowKey) && ofRows(t, rowsOf));
  return term && { expr: term.expr, list: term.list, rejectsMissing: true };
}

/**
 * `experiment_id = $1` on the table's foreign key to its owning (or a required) parent: the rows
 * hang off that parent's row, so a parent key the flow proved scopes them, as in Prisma.
 */
function sqlParentKeys(
  terms: readonly WhereEquality[] | undefined,
  owned: TenantTable | undefined,
  rowsOf?: string,
): ParentKey[] | undefined {
  // A table owned through a parent: rows that name the tenant's row by any key are the tenant's, as a
  // scoped row's key names its tenant's row (TenantTable.references). One with its own tenant
  // column is decided by that column.
  const links = [...(owned?.owner ? [owned.owner, ...(owned.references ?? [])] : []), ...(owned?.parents ?? [])];
  if (!links.length) return undefined;
  const keys = (terms ?? []).flatMap((t) => {
    const link = ofRows(t, rowsOf) && links.find((l) => l.column.toLowerCase() === t.column.toLowerCase());
    return link ? [{ expr: t.expr, list: t.list, rejectsMissing: true, table: link.parent, field: t.column }] : [];
  });
  return keys.length ? keys : undefined;
}

/** A term on the statement's rows: any, or for a statement on several tables, one qualified by their alias. */
function ofRows(term: { qualifier?: string }, rowsOf: string | undefined): boolean {
  return !rowsOf || term.qualifier?.toLowerCase() === rowsOf.toLowerCase();
}

/**
 * `SELECT dp.* FROM dataset_prompt dp JOIN dataset d ON ...`: a statement on several tables that
 * returns the rows of one of them, by its alias (or name), and that table.
 */
export function selectedRowsOf(sql: string): { alias: string; table: string } | undefined {
  const star = /^\s*select\s+"?(\w+)"?\.\*\s+from\s/i.exec(sql);
  if (!star) return undefined;
  const alias = star[1]!.toLowerCase();
  const ref = /\b(?:from|join)\s+(?:"?\w+"?\.)?"?(\w+)"?(?:\s+(?:as\s+)?"?(\w+)"?)?/gi;
  for (let m = ref.exec(sql); m; m = ref.exec(sql)) {
    const table = m[1]!;
    const named =
      m[2] && !/^(?:on|where|join|left|right|inner|outer|full|cross|using|group|order|limit)$/i.test(m[2])
        ? m[2]
        : undefined;
    if ((named ?? table).toLowerCase() === alias) return { alias, table };
  }
  return undefined;
}

/**
 * The `column = $n` (`= ANY($n)`, `IN ($n)` of a list the template spread) terms of one
 * statement's WHERE, when it is a plain AND of terms, with the values they compare.
 */
function whereEqualities(tsm: typeof ts, site: SqlSite): WhereEquality[] | undefined {
  const sql = site.sql;
  // Several statements or a subquery: a finding may be about a reference the key does not pin.
  if (/;\s*\S/.test(sql) || /\(\s*(select|with)\b/i.test(sql)) return undefined;
  const where = WHERE.exec(sql);
  if (!where || /\bor\b|\bnot\b/i.test(where[1])) return undefined;
  const out: WhereEquality[] = [];
  let offset = where.index + where[0].indexOf(where[1]);
  for (const term of where[1].split(/\band\b/i)) {
    const m = COLUMN_TERM.exec(term.trim());
    const inList =
      !m && site.parameterStyle !== "numbered" && site.parameterStyle !== "pgp"
        ? COLUMN_IN_TERM.exec(term.trim())
        : undefined;
    if (inList) {
      const at = sql.indexOf(`$${inList[3]}`, offset);
      // An array value renders as `($1)`: its hole spans the parentheses.
      const hole = site.holes.find((h) => h.sqlStart <= at && at < h.sqlEnd);
      const list =
        hole?.kind === "value" ? hole.expr && strip(tsm, hole.expr) : hole?.expr && joinedList(tsm, hole.expr);
      if (list) out.push({ qualifier: inList[1], column: inList[2]!, expr: list, list: true });
    }
    if (m) {
      const n = Number(m[4]);
      const at = sql.indexOf(`$${m[4]}`, offset);
      // `$${i++}`: a number the code counts at run time names no value we can tell.
      if (site.holes.some((h) => h.counted && h.sqlStart === at + 1)) {
        offset += term.length + 3;
        continue;
      }
      const expr =
        site.parameterStyle === "numbered" || site.parameterStyle === "pgp"
          ? (site.namedValues?.get(n) ?? site.valuesArray?.elements[n - 1])
          : (site.holes.find((h) => h.kind === "value" && h.sqlStart === at)?.expr ?? site.namedValues?.get(n));
      // `id = NULL` matches no row.
      if (expr && !tsm.isSpreadElement(expr) && !tsm.isOmittedExpression(expr))
        out.push({ qualifier: m[1], column: m[2]!, expr: strip(tsm, expr), list: !!m[3] });
    }
    offset += term.length + 3;
  }
  return out;
}

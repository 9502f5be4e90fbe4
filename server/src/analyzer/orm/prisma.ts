// Prisma Client calls: `<client>.<model>.<operation>(args)` on tenant-owned models.
// Reads, updates and deletes must pin the tenant in `where`; creates must set it in `data`.
// Prisma drops `tenantId: undefined` from a where, so a tenant value that can be undefined
// returns every tenant's rows; and findUnique by id alone returns whichever tenant's row has it.
import { isCredentialField, isLiteral, isPublicFlag } from "../credentials";
import {
  countTestsPresence,
  existenceCheck,
  keyUsedAfter,
  ownerLookupSelect,
  decidesNothingOfKey,
} from "../explain-evidence";
import { identifiesOwnRows, isSessionUser, userKeyOf } from "../membership";
import type ts from "typescript";
import { fileLabel } from "../text-position";
import { isShareKey, ownedThroughText } from "../model/types";
import { fileCalls } from "./file-calls";
import { clientKind, isDelegateByType, type ClientContext } from "./prisma-clients";
import { PrismaEntities, type PrismaEntity } from "./prisma-entities";
import { addToWhereFix, uniqueLookupFix, type FixSite } from "./prisma-fixes";
import { finding, isInCall, type CallSite, type PrismaContext } from "./prisma-site";
import { destructuredParameter } from "./declared-fields";
import { followConst, parameterOf, strip } from "./prisma-syntax";
import { lastPropertyIndex, replacedBy } from "./object-where";
import { normalize } from "../flow/flow-values";
import { mayBeUndefined, propertyName, propertyValue, short, whereScope, type Scope } from "./prisma-where";
import { checkData, checkParentKey, updateNested } from "./prisma-writes";
import { prismaQueries } from "./prisma-queries";
import type { OrmContext, OrmFinding, OrmModule } from "./types";

export const prismaModule: OrmModule = {
  name: "prisma",
  appliesTo: (ctx) => OPERATION_CALL.test(ctx.sourceFile.text) && new PrismaEntities(ctx.model).any,
  check(orm) {
    const ctx: PrismaContext = { ...orm, declarations: new Map() };
    const entities = new PrismaEntities(ctx.model);
    const findings: OrmFinding[] = [];
    for (const call of fileCalls(ctx.ts, ctx.sourceFile).calls) findings.push(...checkCall(ctx, entities, call));
    return findings;
  },
  queries: (ctx) => prismaQueries(ctx),
};

export type Operation = { reads?: string; unique?: boolean; many?: string; creates?: "one" | "many" | "upsert" };

/** What each delegate method does, in the words of its finding. */
export const OPERATIONS: Record<string, Operation> = {
  findUnique: { reads: "looks up", unique: true },
  findUniqueOrThrow: { reads: "looks up", unique: true },
  findFirst: { reads: "looks up" },
  findFirstOrThrow: { reads: "looks up" },
  findMany: { reads: "reads", many: "it returns every tenant's rows" },
  count: { reads: "counts", many: "it counts every tenant's rows" },
  aggregate: { reads: "aggregates", many: "it aggregates every tenant's rows" },
  groupBy: { reads: "groups", many: "it groups every tenant's rows" },
  update: { reads: "changes", unique: true },
  updateMany: { reads: "changes", many: "it changes every tenant's matching rows" },
  updateManyAndReturn: { reads: "changes", many: "it changes every tenant's matching rows" },
  upsert: { reads: "changes", unique: true, creates: "upsert" },
  delete: { reads: "deletes", unique: true },
  deleteMany: { reads: "deletes", many: "it deletes every tenant's matching rows" },
  create: { creates: "one" },
  createMany: { creates: "many" },
  createManyAndReturn: { creates: "many" },
};

/**
 * `prisma.form.findMany(...)` on a Prisma client, with no model `Form` in the schema tenantguard
 * read: an out-of-date schema path would otherwise leave the query unchecked without a word.
 */
function unknownModel(
  ctx: PrismaContext,
  call: ts.CallExpression,
  delegate: ts.PropertyAccessExpression,
  method: ts.Identifier,
): OrmFinding[] {
  const models = ctx.model.prismaModels;
  const name = delegate.name.text;
  if (!models || name.startsWith("$") || models.has(name.toLowerCase())) return [];
  if (clientKind(ctx, delegate.expression) !== "unscoped") return [];
  const label = `${short(delegate.expression.getText(ctx.sourceFile))}.${name}.${method.text}`;
  return [
    {
      ruleId: "dynamic-sql",
      start: method.getStart(ctx.sourceFile),
      end: call.getEnd(),
      message: `${label} runs on a model \`${name}\` that the Prisma schema tenantguard read does not define, so it is not checked. Point "schema.prisma" in tenantguard.config.json at the schema that defines it.`,
      fixes: [],
      call,
      receiver: delegate.expression,
      identity: `dynamic-sql|${name}|${call.getText(ctx.sourceFile).replace(/\s+/g, " ")}`,
    },
  ];
}

/**
 * `client[model].findMany(...)` (umami's `pagedQuery`): a model chosen at run time is no model
 * tenantguard can check; said once, at the call, rather than passed over in silence.
 */
function computedModel(
  ctx: PrismaContext,
  call: ts.CallExpression,
  delegate: ts.ElementAccessExpression,
  method: ts.Identifier,
): OrmFinding[] {
  const tsm = ctx.ts;
  const arg = delegate.argumentExpression;
  if (tsm.isStringLiteralLike(arg) || clientKind(ctx, delegate.expression) !== "unscoped") return [];
  const label = `${short(delegate.expression.getText(ctx.sourceFile))}[${short(arg.getText(ctx.sourceFile))}].${method.text}`;
  return [
    {
      ruleId: "dynamic-sql",
      start: delegate.getStart(ctx.sourceFile),
      end: call.getEnd(),
      message: `${label} runs on a model chosen at run time, so tenantguard cannot tell which table it reads or whether its where holds the tenant filter. Call each model's delegate (\`prisma.report.findMany(...)\`), or review the helper and suppress with what you checked.`,
      fixes: [],
      call,
      receiver: delegate.expression,
      identity: `dynamic-sql|computed-model|${call.getText(ctx.sourceFile).replace(/\s+/g, " ")}`,
    },
  ];
}

const OPERATION_CALL = new RegExp(`\\.\\s*(${Object.keys(OPERATIONS).join("|")})\\s*[(<]`);

function checkCall(ctx: PrismaContext, entities: PrismaEntities, call: ts.CallExpression): OrmFinding[] {
  const tsm = ctx.ts;
  const callee = call.expression;
  if (!tsm.isPropertyAccessExpression(callee) || !tsm.isIdentifier(callee.name)) return [];
  if (!Object.hasOwn(OPERATIONS, callee.name.text)) return [];
  const op = OPERATIONS[callee.name.text];
  // `const invoices = prisma.invoice; invoices.findMany()`: the delegate held in a const.
  const delegate = tsm.isIdentifier(callee.expression) ? followConst(ctx, callee.expression) : callee.expression;
  if (tsm.isElementAccessExpression(delegate)) return computedModel(ctx, call, delegate, callee.name);
  if (!tsm.isPropertyAccessExpression(delegate) || !tsm.isIdentifier(delegate.name)) return [];
  const entity = entities.byName(delegate.name.text);
  const clientCtx: ClientContext = ctx;
  if (!entity) return unknownModel(ctx, call, delegate, callee.name);
  if (delegate.name.text !== entity.info.names[1]) return [];
  const kind =
    clientKind(clientCtx, delegate.expression) ?? (isDelegateByType(clientCtx, delegate) ? "unscoped" : undefined);
  // A scoped client (config `clients.scoped`) adds the tenant itself: the call needs no predicate.
  if (kind !== "unscoped") return [];
  const first = call.arguments[0] && followConst(ctx, strip(tsm, call.arguments[0]));
  const site: CallSite = {
    ctx,
    call,
    method: callee.name,
    receiver: delegate.expression,
    entity,
    label: `${short(delegate.expression.getText(ctx.sourceFile))}.${delegate.name.text}.${callee.name.text}`,
    args: first && tsm.isObjectLiteralExpression(first) ? first : undefined,
  };
  if (call.arguments[0] && !site.args) {
    return [
      finding(
        site,
        "dynamic-sql",
        `The arguments of ${site.label} are built at run time, so tenantguard cannot tell whether they hold the tenant filter. Write \`${entity.tenantField}: <tenant>\` in the call's where (or data) object itself.`,
      ),
    ];
  }
  const out: OrmFinding[] = [];
  if (op.reads) out.push(...checkWhere(site, op));
  // A model owned through its parent has no tenant field to set; its parent's key is what ties it to a tenant.
  if (op.creates && !entity.through) out.push(...checkData(site, op.creates));
  else if (op.creates) out.push(...checkParentKey(site));
  if (op.reads === "changes") out.push(...updateNested(site));
  return out;
}

function checkWhere(site: CallSite, op: Operation): OrmFinding[] {
  const { ctx, entity, args } = site;
  const tsm = ctx.ts;
  // The last `where` holds (`{ where: a, ["where"]: b }` is `b`).
  const whereAt = args ? lastPropertyIndex(tsm, args, "where") : -1;
  const whereProp = whereAt >= 0 ? args!.properties[whereAt] : undefined;
  const whereValue = whereProp && propertyValue(tsm, whereProp);
  const spread = args?.properties.find((p) => tsm.isSpreadAssignment(p));
  // `findMany({ where: { tenantId }, ...args })`: a spread after the where may hold one of its own.
  const replacing =
    args && whereValue ? replacedBy(tsm, args, lastPropertyIndex(tsm, args, "where"), "where") : undefined;
  const scope: Scope = replacing
    ? {
        kind: "dynamic",
        reason: `may be replaced by \`${short(replacing.getText(ctx.sourceFile))}\`, written after it`,
        node: replacing,
      }
    : whereValue
      ? whereScope(ctx, whereValue, entity)
      : spread
        ? {
            kind: "dynamic",
            reason: `may come from \`...${short((spread as ts.SpreadAssignment).expression.getText(ctx.sourceFile))}\``,
            node: spread,
          }
        : { kind: "none" };
  if (scope.kind === "scoped" || scope.kind === "shared") return [];
  const followed = whereValue && followConst(ctx, strip(tsm, whereValue));
  // `apiKey.findUnique({ where: { lookupHash } })`: the secret decides the tenant (authentication);
  // `membership.findMany({ where: { userId: ctx.user.id } })`: the signed-in user's own memberships;
  // `video.update({ where: { id, ownerId: ctx.user.id } })`: their own row. A top-level term holds
  // for every row, so a weak tenant term beside it (`NOT: { spaceId }`) only narrows what it allows.
  if (
    (scope.kind === "none" || scope.kind === "weak") &&
    followed &&
    tsm.isObjectLiteralExpression(followed) &&
    (isCredentialLookup(site, followed) ||
      isOwnRowsQuery(site, followed) ||
      isShareLinkRead(site, op, followed) ||
      isPublicRead(site, op, followed))
  )
    return [];
  // `findUnique({ where: { id }, select: { projectId: true } })`: which tenant owns the row, nothing of it.
  // (After the reads above: a credential lookup that only tests presence still proves its key.)
  if (
    (op.reads === "looks up" &&
      (ownerLookupSelect(tsm, site.call, ctx.model, entity.table) ||
        (existenceCheck(tsm, site.call) && !checksKeyForLater(tsm, site.call, whereValue)))) ||
    (op.reads === "counts" && countTestsPresence(tsm, site.call) && !checksKeyForLater(tsm, site.call, whereValue))
  ) {
    // No finding, but no scoped row either: its key proves nothing by itself (a check of the owner does).
    ctx.judged?.lookups.add(site.call);
    return [];
  }
  // Fixes edit only the call's own text: a where or arguments object held in a const may be shared.
  const where =
    followed && tsm.isObjectLiteralExpression(followed) && isInCall(followed, site.call) ? followed : undefined;
  const table = entity.table.name;
  // A model owned through its parent is filtered through the relation: `invoice: { tenantId }`,
  // through each parent in turn when the parent is itself owned through one (`item: { invoice: {...} } }`).
  const through = entity.through;
  const root = rootOf(entity);
  const field = root.tenantField;
  const filter = throughFilter(entity);
  const add = through ? `Add \`${filter}\`` : `Add ${field}`;
  const owner = entity.table.owner;
  const ownedThrough = owner
    ? `${ownedThroughText({ ...entity.table, owner })}. `
    : through
      ? `"${table}" is tenant-owned through "${through.parent.table.name}". `
      : "";
  if (scope.kind === "dynamic") {
    // `findMany({ where })` with `where` a parameter (a repository's wrapper): judged at its calls.
    const atCalls = whereValue ? judgedAtCalls(site, op, whereValue) : undefined;
    if (atCalls?.kind === "scoped") return [];
    if (atCalls)
      return [
        finding(
          site,
          "missing-tenant-filter",
          `${site.label} ${op.reads === "looks up" ? "reads" : op.reads} "${table}" by the where its callers pass: ${callsText(atCalls.calls)}. ${ownedThrough}Require \`${filter}\` in the where ${atCalls.calls.length > 1 ? "each of those calls passes, or prove the key there" : "that call passes"}.`,
        ),
      ];
    return [
      finding(
        site,
        "dynamic-sql",
        `The where of ${site.label} ${scope.reason}, so tenantguard cannot tell whether it holds the tenant filter on "${table}". Write \`${filter}\` in the where object itself.`,
      ),
    ];
  }
  const fixSite: FixSite = {
    ts: tsm,
    sourceFile: ctx.sourceFile,
    call: site.call,
    method: site.method,
    args: site.args,
    where,
    tenantField: field,
    via: through?.field,
    value: ctx.tenantValueAt(site.call, field),
  };
  // The fix edits one relation level; deeper chains are the author's to write.
  const fixable = !through?.parent.through;
  if ((whereValue && !where) || (args && !isInCall(args, site.call))) fixSite.args = undefined;
  if (scope.kind === "weak") {
    const fix = scope.reason.startsWith("can be undefined") || !where || !fixable ? undefined : addToWhereFix(fixSite);
    return [
      finding(
        site,
        "weak-tenant-filter",
        `The tenant filter of ${site.label} on "${table}" ${scope.reason}: it does not hold for every row. Require \`${filter}\` (a value that is never undefined) at the top level of the where.`,
        fix,
      ),
    ];
  }
  // `findUnique({ where: { domain_key } })`: findFirst does not take a compound unique, so no fix renames it.
  const byCompound = byCompoundUnique(tsm, followed, entity);
  const compound = [...entity.compoundKeys.keys()][0];
  const findFirst = site.method.text.replace("findUnique", "findFirst");
  const advice = !op.unique
    ? `${add} to ${op.many ? "its" : "the"} where.`
    : compound
      ? `${add} to the where (or use the ${compound} unique).`
      : findFirst !== site.method.text && !byCompound
        ? `Use ${findFirst} with ${through ? filter : field} in the where.`
        : `${add} to the where.`;
  const keys = where ? lookupKeys(tsm, where) : [];
  const harm =
    op.many ??
    (op.reads === "changes"
      ? "it can change another tenant's row"
      : op.reads === "deletes"
        ? "it can delete another tenant's row"
        : op.unique && keys.length
          ? "it returns another tenant's row"
          : "it can return another tenant's row");
  const what =
    op.many || !keys.length
      ? `${op.reads === "looks up" ? "reads" : op.reads} "${table}" without a tenant filter`
      : op.reads === "looks up"
        ? `looks "${table}" up by ${keys.join(" and ")} only`
        : `${op.reads} "${table}" by ${keys.join(" and ")} only`;
  const fix = !fixable
    ? undefined
    : op.unique
      ? uniqueLookupFix(fixSite, entity.compoundKeys, byCompound)
      : addToWhereFix(fixSite);
  return [finding(site, "missing-tenant-filter", `${site.label} ${what}: ${harm}. ${ownedThrough}${advice}`, fix)];
}

/**
 * A where that is a parameter of the query's function, judged at every call of that function in
 * the caller's file: scoped when each passes a scoped where; the first call that passes one
 * without the tenant otherwise. Undefined when a call cannot be judged (no calls, one that cannot
 * be followed, or a where the caller builds at run time as well).
 */
function judgedAtCalls(
  site: CallSite,
  op: Operation,
  whereValue: ts.Expression,
): { kind: "scoped" } | { kind: "unscoped"; calls: { where: string; text: string; why: string }[] } | undefined {
  const { ctx, entity } = site;
  const tsm = ctx.ts;
  const calls = ctx.passedAtCalls?.(strip(tsm, whereValue));
  if (!calls) return undefined;
  const settled = new Set<ts.Node>();
  ctx.judged?.settled.set(site.call, settled);
  const unscoped: { where: string; text: string; why: string }[] = [];
  for (const { call, passed } of calls) {
    const file = call.getSourceFile();
    const caller: CallSite = { ...site, ctx: { ...ctx, sourceFile: file, declarations: undefined } };
    const scope = whereScope(caller.ctx, passed, entity);
    if (scope.kind === "scoped" || scope.kind === "shared") {
      settled.add(call);
      continue;
    }
    if (scope.kind === "dynamic") return undefined;
    // What decides the rows without the tenant at the call: a secret, the user's own rows, a share link, a public flag.
    const object = followConst(caller.ctx, strip(tsm, passed));
    if (
      tsm.isObjectLiteralExpression(object) &&
      (isCredentialLookup(caller, object) ||
        isOwnRowsQuery(caller, object) ||
        isShareLinkRead(caller, op, object) ||
        isPublicRead(caller, op, object))
    ) {
      settled.add(call);
      continue;
    }
    const line = file.getLineAndCharacterOfPosition(call.getStart(file)).line + 1;
    unscoped.push({
      where: `${file === ctx.sourceFile ? "" : `${fileLabel(file.fileName)} `}line ${line}`,
      text: short(passed.getText(file).replace(/\s+/g, " ")),
      why: scope.kind === "weak" ? `holds the tenant filter but ${scope.reason}` : "has no tenant filter",
    });
  }
  return unscoped.length ? { kind: "unscoped", calls: unscoped } : { kind: "scoped" };
}

/**
 * "the call on line 14 passes `{ id }`, which has no tenant filter", each such call so (the
 * first three named, the rest counted).
 */
function callsText(calls: readonly { where: string; text: string; why: string }[]): string {
  const named = calls.slice(0, 3).map((c) => `the call on ${c.where} passes \`${c.text}\`, which ${c.why}`);
  const more = calls.length > 3 ? `; and ${calls.length - 3} more` : "";
  return `${named.join("; ")}${more}`;
}

/**
 * `const book = await db.contactBook.findUnique({ where: { id: data.contactBookId } }); if (!book)
 * throw`, then `data` written into a campaign (unsend): a read that lets the path on only when some
 * tenant's row is there, whose key is used after it, is that use's check, and it checks no tenant.
 * A read whose presence ends the path (`if (taken) throw`: a name that must be free) is none.
 */
function checksKeyForLater(tsm: typeof ts, call: ts.CallExpression, where: ts.Expression | undefined): boolean {
  const w = where && strip(tsm, where);
  if (!w || !tsm.isObjectLiteralExpression(w) || decidesNothingOfKey(tsm, call)) return false;
  return w.properties.some((p) => {
    const value = tsm.isShorthandPropertyAssignment(p)
      ? p.name
      : tsm.isPropertyAssignment(p)
        ? strip(tsm, p.initializer)
        : undefined;
    return (
      !!value &&
      (tsm.isIdentifier(value) || tsm.isPropertyAccessExpression(value)) &&
      keyUsedAfter(tsm, call, normalize(value.getText(call.getSourceFile())), true)
    );
  });
}

/** Whether a where selects by a compound unique of the model (`domain_key: {...}`), which findFirst does not take. */
function byCompoundUnique(tsm: typeof ts, where: ts.Node | undefined, entity: PrismaEntity): boolean {
  if (!where || !tsm.isObjectLiteralExpression(where)) return false;
  const names = new Set((entity.info.uniques ?? []).filter((u) => u.length > 1).map((u) => u.join("_")));
  return where.properties.some((p) => names.has(propertyName(tsm, p) ?? ""));
}

/**
 * A read of one row by a secret the caller was given (`findUnique({ where: { lookupHash } })`):
 * a credential field compared with a value that is not written in the code; or a write of the
 * rows that secret selects (`deleteMany({ where: { id, token } })`: the row its holder may
 * change). A literal (`token: ""`, `secret: null`) is no secret anyone was given, a filter object
 * (`{ not: null }`, `{ contains: q }`) matches many rows, and a list by a secret is no authentication.
 */
function isCredentialLookup(site: CallSite, where: ts.ObjectLiteralExpression): boolean {
  const { ctx } = site;
  const tsm = ctx.ts;
  if (!/^(?:find(?:Unique|First)|update|delete)/.test(site.method.text) || site.method.text === "upsert") return false;
  // findUnique refuses a missing value; findFirst and every write drop `token: undefined` and match
  // any tenant's row, so there the value must be computed (`sha256(key)`), not a header that may be absent.
  const unique = site.method.text.startsWith("findUnique");
  return keyedBy(
    site,
    where,
    isCredentialField,
    (given) =>
      unique ||
      (tsm.isCallExpression(given) && !mayBeUndefined(ctx, given)) ||
      (tsm.isIdentifier(given) && declaredDefined(ctx, given)),
  );
}

/**
 * Whether a top-level field of the where that `isKey` names (ORM or SQL spelling) holds a value
 * someone was given: not a literal (`token: ""`), not a filter object (`{ not: null }`), and
 * `present` says it is there when the query runs.
 */
function keyedBy(
  site: CallSite,
  where: ts.ObjectLiteralExpression,
  isKey: (field: string) => boolean,
  present: (given: ts.Expression, written: ts.Expression) => boolean,
): boolean {
  const { ctx, entity } = site;
  const tsm = ctx.ts;
  return where.properties.some((p) => {
    const name = propertyName(tsm, p);
    const value = propertyValue(tsm, p);
    if (!name || !value || !(isKey(name) || isKey(entity.info.fields[name] ?? name))) return false;
    const given = followConst(ctx, strip(tsm, value));
    return !isLiteral(tsm, given) && !tsm.isObjectLiteralExpression(given) && present(given, value);
  });
}

/**
 * A read by a share link: `poll.findUnique({ where: { id: pollId } })` with `tables.polls.shareKeys:
 * ["id"]`, or a child's rows by its key to one (`participant.findMany({ where: { pollId } })`).
 * Anyone holding the link may read; a write by it, a literal or a value that may be undefined
 * (Prisma drops the term, and every tenant's rows come back) is no read by a link.
 */
function isShareLinkRead(site: CallSite, op: Operation, where: ts.ObjectLiteralExpression): boolean {
  const { ctx, entity } = site;
  if (!entity.table.shareKeys || op.reads === "changes" || op.reads === "deletes") return false;
  return keyedBy(
    site,
    where,
    (field) => isShareKey(entity.table, field),
    (_given, written) => !mayBeUndefined(ctx, written),
  );
}

/**
 * `collection.findFirst({ where: { id, isPublic: true } })`, or through the parent a row is owned
 * through (`link.findFirst({ where: { id, collection: { isPublic: true } } })`): a read of rows
 * their tenant made public. A write, or the flag inside `OR`/`NOT` or compared with a variable, is none.
 */
function isPublicRead(site: CallSite, op: Operation, where: ts.ObjectLiteralExpression): boolean {
  if (op.reads === "changes" || op.reads === "deletes") return false;
  const tsm = site.ctx.ts;
  const requires = (o: ts.ObjectLiteralExpression, entity: PrismaEntity | undefined, depth: number): boolean =>
    o.properties.some((p) => {
      const name = propertyName(tsm, p);
      const value = propertyValue(tsm, p);
      if (!name || !value) return false;
      const v = strip(tsm, value);
      const equals = tsm.isObjectLiteralExpression(v) ? propertyValueNamed(tsm, v, "equals") : v;
      if (isPublicFlag(name)) return !!equals && strip(tsm, equals).kind === tsm.SyntaxKind.TrueKeyword;
      const parent = entity?.through?.field === name ? entity.through.parent : undefined;
      return !!parent && tsm.isObjectLiteralExpression(v) && depth < MAX_PUBLIC_DEPTH && requires(v, parent, depth + 1);
    });
  return requires(where, site.entity, 0);
}

const MAX_PUBLIC_DEPTH = 4;

function propertyValueNamed(tsm: typeof ts, o: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined {
  const p = o.properties.find((q) => propertyName(tsm, q) === name);
  return p && propertyValue(tsm, p);
}

/**
 * A parameter the author typed as always there: `token: string`, or `{ token }: { token: string }`
 * (not optional, no union with undefined). The type is the author's claim, taken as written.
 */
function declaredDefined(ctx: OrmContext, id: ts.Identifier): boolean {
  const tsm = ctx.ts;
  const plain = (t: ts.TypeNode | undefined) =>
    !!t && (t.kind === tsm.SyntaxKind.StringKeyword || t.kind === tsm.SyntaxKind.NumberKeyword);
  const param = parameterOf(tsm, id);
  if (param) return !param.questionToken && plain(param.type);
  // `{ token }: { token: string }`, or an interface that declares it so.
  const bound = destructuredParameter(ctx, id);
  const field = bound && !bound.element.initializer ? bound.field : undefined;
  return !!field && !field.optional && plain(field.member.type);
}

/**
 * A read of a membership table by its user column, or a query of any other table by its owner
 * column (`ownerId`, `createdBy`), with the signed-in user's id (membership.ts). Creates are
 * checked for the tenant they write.
 */
function isOwnRowsQuery(site: CallSite, where: ts.ObjectLiteralExpression): boolean {
  const { ctx } = site;
  const tsm = ctx.ts;
  if (/^create/.test(site.method.text)) return false;
  const read = /^(?:find|count|aggregate|groupBy)/.test(site.method.text);
  const decides = (column: string) => !!identifiesOwnRows(site.entity.table, column, read);
  const sessionUser = (value: ts.Expression, column: string) =>
    isSessionUser(tsm, followConst(ctx, strip(tsm, value)), userKeyOf(column));
  return where.properties.some((p) => {
    const name = propertyName(tsm, p);
    const value = propertyValue(tsm, p);
    if (!name || !value) return false;
    // `user: { id: ctx.user.id }`: the relation held by the user column, to the user's own row.
    const relation = site.entity.info.relations?.find((r) => r.field === name);
    const column = site.entity.info.fields[name] ?? name;
    if (!relation && decides(column)) return sessionUser(value, column);
    // `teamId_userId: { teamId, userId: ctx.user.id }`: a compound unique holding the user column.
    const compound = !relation && !(name in site.entity.info.fields) ? followConst(ctx, strip(tsm, value)) : undefined;
    if (compound && tsm.isObjectLiteralExpression(compound))
      return compound.properties.some((q) => {
        const field = propertyName(tsm, q);
        const v = propertyValue(tsm, q);
        const column = field && (site.entity.info.fields[field] ?? field);
        return !!column && !!v && decides(column) && sessionUser(v, column);
      });
    const local = relation?.fields?.length === 1 ? relation.fields[0]! : undefined;
    const filter = local && decides(local) ? followConst(ctx, strip(tsm, value)) : undefined;
    if (!filter || !tsm.isObjectLiteralExpression(filter)) return false;
    const id = filter.properties.find((q) => propertyName(tsm, q) === "id");
    const idValue = id && propertyValue(tsm, id);
    return !!idValue && sessionUser(idValue, "id");
  });
}

/** The where's own keys (not tenant, not logical operators), for "looks X up by id only". */
function lookupKeys(tsm: typeof ts, where: ts.ObjectLiteralExpression): string[] {
  return where.properties
    .map((p) => propertyName(tsm, p))
    .filter((k): k is string => !!k && !["AND", "OR", "NOT"].includes(k));
}

/** The tenant-owned ancestor with a tenant field of its own (the entity itself when it has one). */
function rootOf(entity: PrismaEntity): PrismaEntity {
  let e = entity;
  for (let depth = 0; e.through && depth < 8; depth++) e = e.through.parent;
  return e;
}

/** `tenantId: <tenant>`, or through the parents: `invoice: { tenantId: <tenant> }`. */
function throughFilter(entity: PrismaEntity, depth = 0): string {
  if (!entity.through || depth >= 8) return `${entity.tenantField}: <tenant>`;
  return `${entity.through.field}: { ${throughFilter(entity.through.parent, depth + 1)} }`;
}

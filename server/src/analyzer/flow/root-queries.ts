// Reads of a tenant's own table by the tenant value: `prisma.team.findUnique({ where: { id:
// teamId }, include: { documents: true } })` returns the tenant itself, so the rows its
// back-relations hold (`team.documents`) are the tenant's, and a document found among them
// (`team.documents.find((d) => d.id === docId)`, then `if (!document) throw`) proves its key.
// These calls are never findings (the table is not tenant-owned): the flow only learns from them.
import type ts from "typescript";
import { lowerFirst } from "../model/prisma";
import { relationsOf } from "../model/relations";
import { lookupTenantRoot, type TenantRoot } from "../model/types";
import { fileCalls } from "../orm/file-calls";
import { clientKind } from "../orm/prisma-clients";
import { followConst, strip } from "../orm/prisma-syntax";
import { memberValue as member } from "../orm/prisma-where";
import type { OrmContext } from "../orm/types";
import { identifiesTenantRow, isTenantValue, tenantNames } from "./conditions";
import { relationalWhere, whereKey } from "./orm-queries";
import { requiredChildren, type FlowQuery } from "./queries";

const ROW_READS = new Set(["findUnique", "findUniqueOrThrow", "findFirst", "findFirstOrThrow"]);

/** Adds the file's Prisma reads of a tenant's own row by the tenant value to `flowQueries`. */
export function addPrismaRootQueries(ctx: OrmContext, flowQueries: Map<ts.Node, FlowQuery>): void {
  if (!ctx.model.roots?.size) return;
  const tsm = ctx.ts;
  const syntax = { ...ctx, declarations: new Map() };
  for (const call of fileCalls(tsm, ctx.sourceFile).calls) {
    const callee = call.expression;
    if (!tsm.isPropertyAccessExpression(callee) || !ROW_READS.has(callee.name.text) || flowQueries.has(call)) continue;
    const delegate = tsm.isIdentifier(callee.expression) ? followConst(syntax, callee.expression) : callee.expression;
    if (!tsm.isPropertyAccessExpression(delegate) || !tsm.isIdentifier(delegate.name)) continue;
    const root = lookupTenantRoot(ctx.model, delegate.name.text);
    if (!root || !isAccessorOf(root, delegate.name.text) || !clientKind(syntax, delegate.expression)) continue;
    const found = tenantKey(ctx, call, root);
    if (!found) continue;
    const { key, where } = found;
    // `documents: { some: { id: docId } }`: the tenant's row holds that document (papermark).
    const held = new Map<string, string>();
    for (const [relation, back] of relationsOf(ctx.model, root.name).backRelations)
      if (back.many) held.set(relation, back.table);
    const childKeys = requiredChildren(held, (field) => member(tsm, where, field), tsm, call);
    flowQueries.set(call, {
      call,
      table: root.name,
      scoped: true,
      returns: "row",
      throwsWhenEmpty: callee.name.text.endsWith("OrThrow"),
      readOnly: true,
      key: { expr: key, list: false },
      tenantKey: key,
      ...(childKeys.length && { childKeys }),
    });
  }
}

/** `team` for the Prisma model `Team`: the client's accessor, not another property that happens to share a name. */
function isAccessorOf(root: TenantRoot, name: string): boolean {
  return !!root.entities?.some((e) => e.orm === "prisma" && lowerFirst(e.names[0]!) === name);
}

/** The where's key (`id: teamId`) when it is the tenant value; every other where term only narrows the row. */
function tenantKey(
  ctx: OrmContext,
  call: ts.CallExpression,
  root: TenantRoot,
): { key: ts.Expression; where: ts.ObjectLiteralExpression } | undefined {
  const tsm = ctx.ts;
  const args = call.arguments[0] && strip(tsm, call.arguments[0]);
  if (!args || !tsm.isObjectLiteralExpression(args)) return undefined;
  const where = member(tsm, args, "where");
  const w = where && strip(tsm, where);
  if (!w || !tsm.isObjectLiteralExpression(w)) return undefined;
  // `OR` (or a spread) could widen the match past the tenant's own row.
  if (w.properties.some((p) => tsm.isSpreadAssignment(p) || /^(OR|NOT)$/.test(p.name?.getText() ?? "")))
    return undefined;
  const field = root.entities?.find((e) => e.orm === "prisma")?.fields;
  const keyField = Object.entries(field ?? {}).find(([, column]) => column === root.keyColumn)?.[0] ?? root.keyColumn;
  const value = member(tsm, w, keyField);
  const v = value && strip(tsm, value);
  if (!v || tsm.isObjectLiteralExpression(v)) return undefined;
  const names = tenantNames([root.tenantColumn], ctx.config.tenantExpression);
  return isTenantValue(tsm, v, names) ? { key: v, where: w } : undefined;
}

/**
 * Drizzle's relational reads of a tenant's own row by the tenant value (`db.query.workspaces.findFirst({
 * where: (t, { eq }) => eq(t.id, ctx.workspace.id), with: { keySpaces: true } })`), or by the field
 * that names its tenant above it (`eq(t.tenantId, ctx.tenant.id)`): the rows its `many(...)`
 * relations hold are the tenant's (unkey's `workspace.keySpaces.at(0)`).
 */
export function addDrizzleRootQueries(ctx: OrmContext, flowQueries: Map<ts.Node, FlowQuery>): void {
  if (!ctx.model.roots?.size) return;
  const tsm = ctx.ts;
  const names = tenantNames(
    [...ctx.model.roots.values()].map((r) => r.tenantColumn),
    ctx.config.tenantExpression,
  );
  for (const call of fileCalls(tsm, ctx.sourceFile).calls) {
    const callee = call.expression;
    if (!tsm.isPropertyAccessExpression(callee) || callee.name.text !== "findFirst" || flowQueries.has(call)) continue;
    const table = callee.expression;
    if (!tsm.isPropertyAccessExpression(table) || !tsm.isPropertyAccessExpression(table.expression)) continue;
    if (table.expression.name.text !== "query") continue;
    const root = lookupTenantRoot(ctx.model, table.name.text);
    const entity = root?.entities?.find((e) => e.orm === "drizzle" && e.names[0] === table.name.text);
    if (!root || !entity) continue;
    const key = drizzleTenantKey(tsm, call, entity.fields, root, names);
    if (key) {
      flowQueries.set(call, {
        call,
        table: root.name,
        scoped: true,
        returns: "row",
        throwsWhenEmpty: false,
        readOnly: true,
        key: { expr: key, list: false },
        tenantKey: key,
      });
      continue;
    }
    // `eq(t.id, input.workspaceId)`: some tenant's own row, the tenant's once a check says so
    // (`if (!ws || ws.tenantId !== ctx.tenant.id) throw`, unkey's namespaces).
    const byId = drizzleTenantKey(tsm, call, entity.fields, root, names, true);
    if (byId)
      flowQueries.set(call, {
        call,
        table: root.name,
        scoped: false,
        returns: "row",
        throwsWhenEmpty: false,
        readOnly: true,
        key: { expr: byId, list: false },
        root: true,
      });
  }
}

/** The where's `eq(t.id, v)` (or the field naming the tenant above, `eq(t.tenantId, v)`) with `v` the tenant value; AND narrows, OR and NOT do not count. */
function drizzleTenantKey(
  tsm: typeof ts,
  call: ts.CallExpression,
  fields: Readonly<Record<string, string>>,
  root: TenantRoot,
  names: ReturnType<typeof tenantNames>,
  /** Any value of the root's key, not only the tenant's. */
  anyKey = false,
): ts.Expression | undefined {
  const args = call.arguments[0] && strip(tsm, call.arguments[0]);
  if (!args || !tsm.isObjectLiteralExpression(args)) return undefined;
  const where = relationalWhere(tsm, member(tsm, args, "where"));
  if (!where) return undefined;
  const rootKey = Object.entries(fields).find(([, c]) => c === root.keyColumn)?.[0] ?? root.keyColumn;
  const keys = new Set(
    anyKey ? [rootKey] : [rootKey, ...Object.keys(fields).filter((f) => f !== "id" && identifiesTenantRow(names, f))],
  );
  const key = whereKey(tsm, where, keys);
  if (!key || key.list) return undefined;
  return anyKey || isTenantValue(tsm, key.expr, names) ? key.expr : undefined;
}

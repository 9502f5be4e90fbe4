// Every Drizzle, Kysely and Knex query on a tenant-owned table with the client it runs through, whether
// or not it carries the tenant predicate: what `unscoped-client` checks.
import type ts from "typescript";
import { lookupTenantTable } from "../model/types";
import { isClientOf } from "./builder-clients";
import { stringValue } from "./builder-syntax";
import { queryChains, skipOuter } from "./chain";
import { DRIZZLE_CLIENT } from "./drizzle";
import { drizzleTableOf } from "./drizzle-tables";
import { KNEX_CLIENT } from "./knex";
import { KYSELY_CLIENT } from "./kysely";
import { stringTableRef } from "./string-builder";
import type { OrmContext, OrmQuery } from "./types";

const DRIZZLE_TABLE_CALLS: Record<string, OrmQuery["kind"]> = {
  from: "read",
  innerJoin: "read",
  leftJoin: "read",
  rightJoin: "read",
  fullJoin: "read",
  update: "write",
  delete: "write",
  insert: "write",
};

const KYSELY_TABLE_CALLS: Record<string, OrmQuery["kind"]> = {
  selectFrom: "read",
  innerJoin: "read",
  leftJoin: "read",
  rightJoin: "read",
  fullJoin: "read",
  updateTable: "write",
  deleteFrom: "write",
  insertInto: "write",
};

export function drizzleQueries(ctx: OrmContext): OrmQuery[] {
  const isClient = (e: ts.Expression) => isClientOf(ctx.ts, e, DRIZZLE_CLIENT, ctx.checker);
  const out: OrmQuery[] = [];
  for (const chain of queryChains(ctx.ts, ctx.sourceFile, isClient, [DRIZZLE_CLIENT, ctx.checker ?? DRIZZLE_CLIENT])) {
    if (!isClient(chain.root)) continue;
    for (const c of chain.calls) {
      const kind = Object.hasOwn(DRIZZLE_TABLE_CALLS, c.name) ? DRIZZLE_TABLE_CALLS[c.name] : undefined;
      const table = kind && safe(() => drizzleTableOf(ctx, c.args[0]));
      if (kind && table) out.push({ call: chain.top, receiver: chain.root, table: table.name, kind });
    }
  }
  return out;
}

/**
 * Drizzle's relational queries (`db.query.orders.findFirst({ where })`), scoped or not: the
 * ownership flow follows their rows. Not among `drizzleQueries`, which `unscoped-client` checks.
 */
export function drizzleRelationalQueries(ctx: OrmContext): OrmQuery[] {
  const tsm = ctx.ts;
  const isClient = (e: ts.Expression) => isClientOf(tsm, e, DRIZZLE_CLIENT, ctx.checker);
  const out: OrmQuery[] = [];
  for (const chain of queryChains(tsm, ctx.sourceFile, isClient, [DRIZZLE_CLIENT, ctx.checker ?? DRIZZLE_CLIENT])) {
    const root = skipOuter(tsm, chain.root);
    const head = chain.calls[0];
    if (!head || (head.name !== "findFirst" && head.name !== "findMany")) continue;
    if (!tsm.isPropertyAccessExpression(root) || !tsm.isPropertyAccessExpression(root.expression)) continue;
    if (root.expression.name.text !== "query" || !isClient(root.expression.expression)) continue;
    const table = safe(() => drizzleTableOf(ctx, root));
    if (table) out.push({ call: chain.top, receiver: root.expression.expression, table: table.name, kind: "read" });
  }
  return out;
}

export function kyselyQueries(ctx: OrmContext): OrmQuery[] {
  const isClient = (e: ts.Expression) => isClientOf(ctx.ts, e, KYSELY_CLIENT, ctx.checker);
  const out: OrmQuery[] = [];
  for (const chain of queryChains(ctx.ts, ctx.sourceFile, isClient, [KYSELY_CLIENT, ctx.checker ?? KYSELY_CLIENT])) {
    if (!isClient(chain.root)) continue;
    for (const c of chain.calls) {
      const kind = Object.hasOwn(KYSELY_TABLE_CALLS, c.name) ? KYSELY_TABLE_CALLS[c.name] : undefined;
      // `'orders'`, `'orders as o'`, `'public.orders'`.
      const written = kind && stringValue(ctx.ts, c.args[0])?.trim().split(/\s+/)[0];
      const parts = written ? written.split(".") : [];
      const table = parts.length
        ? lookupTenantTable(ctx.model, parts[parts.length - 1], parts[parts.length - 2])
        : undefined;
      if (kind && table) out.push({ call: chain.top, receiver: chain.root, table: table.name, kind });
    }
  }
  return out;
}

// `knex("orders")`, `db.from("orders")`, `.table(...)`, `.into(...)`, and joins.
const KNEX_TABLE_CALLS = new Set([
  "",
  "from",
  "table",
  "into",
  "join",
  "innerJoin",
  "leftJoin",
  "leftOuterJoin",
  "rightJoin",
  "rightOuterJoin",
  "fullOuterJoin",
  "crossJoin",
]);
const KNEX_WRITES = new Set(["insert", "upsert", "update", "del", "delete", "increment", "decrement"]);
const NOT_KNEX = new Set(["selectFrom", "updateTable", "deleteFrom", "insertInto", "query", "values"]);

export function knexQueries(ctx: OrmContext): OrmQuery[] {
  const isClient = (e: ts.Expression) => isClientOf(ctx.ts, e, KNEX_CLIENT, ctx.checker);
  const out: OrmQuery[] = [];
  for (const chain of queryChains(ctx.ts, ctx.sourceFile, isClient, [KNEX_CLIENT, ctx.checker ?? KNEX_CLIENT])) {
    if (!isClient(chain.root) || chain.calls.some((c) => NOT_KNEX.has(c.name))) continue;
    const kind = chain.calls.some((c) => KNEX_WRITES.has(c.name)) ? "write" : "read";
    for (const c of chain.calls) {
      if (!KNEX_TABLE_CALLS.has(c.name) || !c.args.length) continue;
      const ref = safe(() => stringTableRef(ctx, c.args[0], c.call));
      if (ref) out.push({ call: chain.top, receiver: chain.root, table: ref.table.name, kind });
    }
  }
  return out;
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

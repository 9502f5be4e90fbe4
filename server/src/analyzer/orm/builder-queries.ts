// Every Drizzle, Kysely and Knex query on a tenant-owned table with the client it runs through, whether
// or not it carries the tenant predicate: what `unscoped-client` checks.
import type ts from "typescript";
import { isClientOf } from "./builder-clients";
import { queryChains, skipOuter } from "./chain";
import { DRIZZLE_CLIENT } from "./drizzle";
import { dynamicQueryOf } from "./drizzle-dynamic";
import { drizzleTableOf } from "./drizzle-tables";
import { KNEX_CLIENT, KNEX_JOINS, KNEX_TABLE_CALLS, NOT_KNEX } from "./knex";
import { KYSELY_CLIENT, KYSELY_JOINS, KYSELY_TABLE_CALLS } from "./kysely";
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

export function drizzleQueries(ctx: OrmContext): OrmQuery[] {
  const isClient = (e: ts.Expression) => isClientOf(ctx.ts, e, DRIZZLE_CLIENT, ctx.checker);
  const out: OrmQuery[] = [];
  for (const chain of queryChains(ctx.ts, ctx.sourceFile, isClient, [DRIZZLE_CLIENT, ctx.checker ?? DRIZZLE_CLIENT])) {
    // `this.scope.where(...)` on a `$dynamic()` query the file builds: the builder's client and tables.
    const dynamic = isClient(chain.root) ? undefined : safe(() => dynamicQueryOf(ctx, chain));
    if (!isClient(chain.root) && !(dynamic && isClient(dynamic.base.root))) continue;
    const receiver = dynamic ? dynamic.base.root : chain.root;
    for (const c of dynamic?.calls ?? chain.calls) {
      const kind =
        // `trx.delete(Entity, criteria)` is TypeORM's manager: Drizzle's writes name the table alone.
        Object.hasOwn(DRIZZLE_TABLE_CALLS, c.name) && (DRIZZLE_TABLE_CALLS[c.name] === "read" || c.args.length === 1)
          ? DRIZZLE_TABLE_CALLS[c.name]
          : undefined;
      const table = kind && safe(() => drizzleTableOf(ctx, c.args[0]));
      if (kind && table) out.push({ call: chain.top, receiver, table: table.name, kind });
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
      const verb = Object.hasOwn(KYSELY_TABLE_CALLS, c.name) ? KYSELY_TABLE_CALLS[c.name] : undefined;
      if (!verb && !Object.hasOwn(KYSELY_JOINS, c.name)) continue;
      // The module's own reading of the table: `'orders as o'`, `'public.orders'`, `TableName.Orders`.
      const ref = safe(() => stringTableRef(ctx, c.args[0], c.call));
      const kind = !verb || verb === "select" ? "read" : "write";
      if (ref) out.push({ call: chain.top, receiver: chain.root, table: ref.table.name, kind });
    }
  }
  return out;
}

// `knex("orders")`, `db.from("orders")`, `.table(...)`, `.into(...)`, and joins: the module's own lists.
const KNEX_QUERY_TABLE_CALLS = new Set([...KNEX_TABLE_CALLS, ...Object.keys(KNEX_JOINS)]);
const KNEX_WRITES = new Set(["insert", "upsert", "update", "del", "delete", "increment", "decrement"]);

export function knexQueries(ctx: OrmContext): OrmQuery[] {
  const isClient = (e: ts.Expression) => isClientOf(ctx.ts, e, KNEX_CLIENT, ctx.checker);
  const out: OrmQuery[] = [];
  for (const chain of queryChains(ctx.ts, ctx.sourceFile, isClient, [KNEX_CLIENT, ctx.checker ?? KNEX_CLIENT])) {
    if (!isClient(chain.root) || chain.calls.some((c) => NOT_KNEX.has(c.name))) continue;
    const kind = chain.calls.some((c) => KNEX_WRITES.has(c.name)) ? "write" : "read";
    for (const c of chain.calls) {
      if (!KNEX_QUERY_TABLE_CALLS.has(c.name) || !c.args.length) continue;
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

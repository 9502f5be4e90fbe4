// Every TypeORM repository, entity-manager, Active Record and query-builder call on a tenant-owned
// entity with the client it runs through, whether or not its where holds the tenant:
// `unscoped-client` flags `AppDataSource.manager.find(Order, { where: { tenantId } })` all the same.
import type ts from "typescript";
import { methodCalls } from "./file-calls";
import { skipOuter } from "./object-where";
import { TYPEORM_METHODS } from "./typeorm";
import { entityArgument, repositoryEntity, typeormEntity } from "./typeorm-receivers";
import type { OrmContext, OrmQuery } from "./types";

// `increment/decrement` take a where but change rows; `findByIds` takes criteria but only reads.
const WRITES_BY_WHERE = new Set(["increment", "decrement"]);

export function typeormQueries(ctx: OrmContext): OrmQuery[] {
  const tsm = ctx.ts;
  const out: OrmQuery[] = [];
  for (const node of methodCalls(tsm, ctx.sourceFile)) {
    try {
      const q = queryOf(ctx, node, node.expression);
      if (q) out.push(q);
    } catch {
      // A call we cannot read is a call we skip.
    }
  }
  return out;
}

function queryOf(ctx: OrmContext, call: ts.CallExpression, callee: ts.PropertyAccessExpression): OrmQuery | undefined {
  const tsm = ctx.ts;
  const method = callee.name.text;
  const builder = method === "createQueryBuilder";
  const shape = Object.hasOwn(TYPEORM_METHODS, method) ? TYPEORM_METHODS[method] : undefined;
  if (!shape && !builder) return undefined;
  const receiver = skipOuter(tsm, callee.expression);
  // The same targets as the module's check: Active Record, an entity argument, a repository.
  const target =
    (tsm.isIdentifier(receiver) ? typeormEntity(ctx, receiver.text) : undefined) ??
    entityArgument(ctx, call.arguments[0]) ??
    repositoryEntity(ctx, callee.expression);
  if (!target) return undefined;
  const writes = shape === "data" || WRITES_BY_WHERE.has(method) || (shape === "criteria" && method !== "findByIds");
  // A query builder's kind is in its chain; the boundary only needs the receiver and the table.
  return { call, receiver: callee.expression, table: target.table.name, kind: writes ? "write" : "read" };
}

// Every Prisma delegate call on a tenant-owned model with the client it runs through, whether or
// not its where holds the tenant: `unscoped-client` flags the root client even for a scoped where.
import { methodCalls } from "./file-calls";
import { OPERATIONS } from "./prisma";
import { clientKind, isDelegateByType } from "./prisma-clients";
import { PrismaEntities } from "./prisma-entities";
import type { PrismaContext } from "./prisma-site";
import { followConst } from "./prisma-syntax";
import type { OrmContext, OrmQuery } from "./types";

export function prismaQueries(orm: OrmContext): OrmQuery[] {
  const ctx: PrismaContext = { ...orm, declarations: new Map() };
  const tsm = ctx.ts;
  const entities = new PrismaEntities(ctx.model);
  if (!entities.any) return [];
  const out: OrmQuery[] = [];
  for (const node of methodCalls(tsm, ctx.sourceFile)) {
    {
      const callee = node.expression;
      const op = Object.hasOwn(OPERATIONS, callee.name.text) ? OPERATIONS[callee.name.text] : undefined;
      const delegate = tsm.isIdentifier(callee.expression) ? followConst(ctx, callee.expression) : callee.expression;
      if (op && tsm.isPropertyAccessExpression(delegate) && tsm.isIdentifier(delegate.name)) {
        const entity = entities.byName(delegate.name.text);
        // Not through a client (`cache.invoice.findMany()`): no query, so neither checked nor proven.
        const client = () =>
          clientKind(ctx, delegate.expression) !== undefined || isDelegateByType(ctx, delegate) === true;
        if (entity && delegate.name.text === entity.info.names[1] && client())
          out.push({
            call: node,
            receiver: delegate.expression,
            table: entity.table.name,
            kind: op.creates || op.reads === "changes" || op.reads === "deletes" ? "write" : "read",
          });
      }
    }
  }
  return out;
}

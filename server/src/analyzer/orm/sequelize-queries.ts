// Every Sequelize model call on a tenant-owned model with the client it runs through, whether or
// not its where holds the tenant: what `unscoped-client` checks. Sequelize runs a call on the
// connection of its `transaction` option when it has one (`withTenant(id, (t) => Order.findAll({
// where, transaction: t }))`), otherwise on the pool of the instance the model came from
// (`db.Order`, `sequelize.models.Order`, `sequelize.model("Order")`) or was defined on.
import type ts from "typescript";
import { methodCalls } from "./file-calls";
import { resolveConst, skipOuter } from "./object-where";
import { SEQUELIZE_METHODS } from "./sequelize";
import { modelOf, rowInstanceCall } from "./sequelize-where";
import type { OrmContext, OrmQuery } from "./types";

export function sequelizeQueries(ctx: OrmContext): OrmQuery[] {
  const tsm = ctx.ts;
  const out: OrmQuery[] = [];
  for (const node of methodCalls(tsm, ctx.sourceFile)) {
    if (!Object.hasOwn(SEQUELIZE_METHODS, node.expression.name.text)) continue;
    try {
      const q = queryOf(ctx, node, node.expression);
      if (q) out.push(q);
    } catch {
      // A call we cannot read is a call we skip.
    }
  }
  return out;
}

const READS = new Set(["findAll", "findOne", "findAndCountAll", "count", "max", "min", "sum", "findByPk"]);

function queryOf(ctx: OrmContext, call: ts.CallExpression, callee: ts.PropertyAccessExpression): OrmQuery | undefined {
  if (rowInstanceCall(ctx.ts, call, callee)) return undefined;
  const target = modelOf(ctx, callee.expression);
  if (!target) return undefined;
  const method = callee.name.text;
  const receiver = transactionOf(ctx, call) ?? clientOf(ctx, callee.expression);
  return { call, receiver, table: target.table.name, kind: READS.has(method) ? "read" : "write" };
}

/** The `transaction` option among the call's arguments (`{ where, transaction: t }`). */
function transactionOf(ctx: OrmContext, call: ts.CallExpression): ts.Expression | undefined {
  const tsm = ctx.ts;
  for (const arg of call.arguments) {
    const options = resolveConst(tsm, arg);
    if (!tsm.isObjectLiteralExpression(options)) continue;
    for (const p of options.properties) {
      if (p.name?.getText(ctx.sourceFile) !== "transaction") continue;
      if (tsm.isPropertyAssignment(p)) return p.initializer;
      if (tsm.isShorthandPropertyAssignment(p)) return p.name;
    }
  }
  return undefined;
}

/** `db` of `db.Order`, `sequelize` of `sequelize.models.Order` or `sequelize.model("Order")`; else the model. */
function clientOf(ctx: OrmContext, model: ts.Expression): ts.Expression {
  const tsm = ctx.ts;
  const e = skipOuter(tsm, model);
  if (tsm.isPropertyAccessExpression(e) && e.expression.kind !== tsm.SyntaxKind.ThisKeyword) {
    const owner = skipOuter(tsm, e.expression);
    return tsm.isPropertyAccessExpression(owner) && owner.name.text === "models" ? owner.expression : owner;
  }
  if (tsm.isCallExpression(e) && tsm.isPropertyAccessExpression(e.expression) && e.expression.name.text === "model")
    return e.expression.expression;
  return model;
}

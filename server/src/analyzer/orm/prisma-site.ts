// One Prisma delegate call being checked, and the finding shape every Prisma check reports:
// the underline runs from the method name to the end of the call (`findUnique({ where: { id } })`).
import type ts from "typescript";
import type { Fix, RuleId } from "../types";
import type { PrismaEntity } from "./prisma-entities";
import type { SyntaxContext } from "./prisma-syntax";
import type { OrmContext, OrmFinding } from "./types";

/** The ORM context plus the per-file declaration index the Prisma checks share. */
export type PrismaContext = OrmContext & SyntaxContext;

export interface CallSite {
  ctx: PrismaContext;
  call: ts.CallExpression;
  method: ts.Identifier;
  receiver: ts.Expression;
  entity: PrismaEntity;
  /** `prisma.invoice.findUnique`, as written. */
  label: string;
  args?: ts.ObjectLiteralExpression;
}

export function finding(
  site: CallSite,
  ruleId: RuleId,
  message: string,
  fix?: Fix,
  table = site.entity.table.name,
): OrmFinding {
  const { ctx, call, method } = site;
  return {
    ruleId,
    start: method.getStart(ctx.sourceFile),
    end: call.getEnd(),
    message,
    table,
    fixes: fix ? [fix] : [],
    call,
    receiver: site.receiver,
    identity: `${ruleId}|${table}|${call.getText(ctx.sourceFile).replace(/\s+/g, " ")}`,
  };
}

export function isInCall(node: ts.Node, call: ts.CallExpression): boolean {
  return node.pos >= call.pos && node.end <= call.end;
}

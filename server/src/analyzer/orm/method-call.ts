// How a finding about a recognised `<receiver>.<method>(...)` call reads, for the ORMs whose
// checks work call by call (TypeORM, Sequelize): the callee in messages, the fix wrapper, and
// the finding itself, which names the parent (with no fix) for a table owned through it.
import type ts from "typescript";
import { ownedThroughAdvice, type TenantTable } from "../model/types";
import type { Fix, RuleId, TextEdit } from "../types";
import { changedWhere } from "./object-changes";
import { choicesVerdict, lastWhere, type WhereDialect } from "./object-where";
import { short } from "./prisma-where";
import type { OrmContext, OrmFinding } from "./types";

export interface MethodCall {
  ctx: OrmContext;
  call: ts.CallExpression;
  callee: ts.PropertyAccessExpression;
  method: string;
  target: { table: TenantTable };
  /** The tenant field in the ORM's spelling (`tenantId`). */
  field: string;
}

export function unknownMessage(c: MethodCall, node: ts.Node): string {
  return `The where of ${calleeText(c)} on "${c.target.table.name}" is built elsewhere (\`${short(node.getText(c.ctx.sourceFile))}\`), so tenantguard cannot tell whether it holds the tenant predicate. Write ${c.field} in the where object.`;
}

/** Where a where that may be missing comes from: a spread in the options that brings one on one branch only. */
export function spreadNote(c: MethodCall, spread: ts.Node): string {
  return `Its where is decided by \`${short(spread.getText(c.ctx.sourceFile))}\`, written into the options after any where before it: not every way it can go holds the tenant.`;
}

export function calleeText(c: MethodCall): string {
  return short(c.callee.getText(c.ctx.sourceFile));
}

export function fixOf(c: MethodCall, edits: TextEdit[], safe: boolean): Fix {
  return { title: `Add ${c.field} to ${c.method}`, edits, safe };
}

export function finding(c: MethodCall, ruleId: RuleId, message: string, fixes: Fix[]): OrmFinding {
  const { sourceFile } = c.ctx;
  const owner = c.target.table.owner;
  // A table owned through its parent has no tenant field to add: name the parent instead, no fix.
  const owned = owner && ruleId !== "dynamic-sql" && { ...c.target.table, owner };
  return {
    ruleId,
    start: c.callee.name.getStart(sourceFile),
    end: c.call.getEnd(),
    message: owned
      ? `${calleeText(c)} does not tie "${owned.name}" to a tenant. ${ownedThroughAdvice(c.ctx.model, owned)}.`
      : message,
    table: c.target.table.name,
    fixes: owned ? [] : fixes,
    call: c.call,
    receiver: c.callee.expression,
    identity: `${ruleId}|${c.target.table.name}|${c.call.getText(sourceFile).replace(/\s+/g, " ")}`,
  };
}

/**
 * The findings of a call whose options const has its where set again (or deleted) before the
 * query (`const opts = { where: { id, tenantId } }; if (admin) opts.where = { id }`): judged per way
 * the where can be. Undefined when nothing changes the where.
 */
export function changedOptionsFindings(
  c: MethodCall,
  options: ts.Expression,
  resolved: ts.ObjectLiteralExpression,
  replacing: ts.Node | undefined,
  dialect: () => WhereDialect,
  missing: string,
): OrmFinding[] | undefined {
  const tsm = c.ctx.ts;
  const written = lastWhere(tsm, resolved);
  const value = written && (tsm.isPropertyAssignment(written) ? written.initializer : written.name);
  const changed = changedWhere(tsm, options, value, options);
  if (!changed) return undefined;
  // A spread that may bring a where, and then a where set again: not followed.
  if ("unknown" in changed || replacing)
    return [finding(c, "dynamic-sql", unknownMessage(c, "unknown" in changed ? changed.unknown : changed.last), [])];
  const verdict = choicesVerdict(changed.ways, dialect());
  if (verdict === "dynamic") return [finding(c, "dynamic-sql", unknownMessage(c, changed.last), [])];
  if (verdict === "scoped") return [];
  return [finding(c, "missing-tenant-filter", `${missing} ${spreadNote(c, changed.last)}`, [])];
}

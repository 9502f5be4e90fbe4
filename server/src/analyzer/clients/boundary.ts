// The tenant boundary of DESIGN.md "When is a query scoped": a query through a scoped client
// needs no predicate; one through an unscoped client outside `allowUnscopedIn` is reported even
// when it carries a predicate; at isolation `rls` only a scoped client satisfies it (the predicate
// is not what the database enforces); at `database`, a shared pool for tenant-owned tables is the leak.
import type ts from "typescript";
import type { ResolvedConfig } from "../config/types";
import type { Fix, RuleId } from "../types";
import { matchesAnyGlob } from "./paths";
import { classifyReceiver, type ReceiverClass } from "./resolve";
import { suppressFix, useScopedClientFix } from "./fixes";

export interface BoundaryContext {
  ts: typeof ts;
  sourceFile: ts.SourceFile;
  checker?: ts.TypeChecker;
  config: ResolvedConfig;
  relativePath: string;
}

/** One query on tenant-owned tables. */
export interface BoundaryQuery {
  /** The whole query call or tagged template. */
  call: ts.Node;
  receiver?: ts.Expression;
  /** Tenant-owned tables it touches (SQL names), possibly empty. */
  tables: readonly string[];
}

export interface BoundaryFinding {
  ruleId: RuleId;
  start: number;
  end: number;
  message: string;
  table: string;
  fixes: Fix[];
}

export interface BoundaryResult {
  receiver: ReceiverClass;
  /** The query runs through a scoped client: its predicate findings are dropped. */
  waivesPredicate: boolean;
  findings: BoundaryFinding[];
}

export function checkBoundary(ctx: BoundaryContext, query: BoundaryQuery): BoundaryResult {
  const receiver = query.receiver ? classifyReceiver(ctx, query.receiver) : { kind: "unknown" as const };
  const result: BoundaryResult = { receiver, waivesPredicate: receiver.kind === "scoped", findings: [] };
  if (receiver.kind === "scoped" || !query.tables.length) return result;
  if (matchesAnyGlob(ctx.relativePath, ctx.config.clients.allowUnscopedIn)) return result;
  const level = ctx.config.isolation;
  const node = query.receiver ?? query.call;
  const start = node.getStart(ctx.sourceFile);
  const end = node.getEnd();
  const label = short(node.getText(ctx.sourceFile));
  const tables = [...new Set(query.tables)];
  const table = tables[0];
  const named = tables.map((t) => `"${t}"`).join(", ");
  const scopedNames = ctx.config.clients.scoped;
  const alternative = scopedNames.length
    ? `the scoped client (${scopedNames.map((s) => `\`${s}\``).join(", ")})`
    : "a tenant-scoped client (configure it in clients.scoped)";
  const why = receiver.via ? ` (${receiver.via})` : "";

  if (level === "database" && (receiver.kind === "unscoped" || isSharedRoot(ctx, query.receiver))) {
    result.findings.push({
      ruleId: "shared-connection",
      start,
      end,
      table,
      message: `\`${label}\`${why} is a connection shared by every tenant, used here for tenant-owned ${named}. At isolation "database" each tenant's data lives in its own database: get this tenant's connection from ${alternative}.`,
      fixes: fixesFor(ctx, query, "shared-connection"),
    });
    return result;
  }
  if (receiver.kind === "unscoped") {
    result.findings.push({
      ruleId: "unscoped-client",
      start,
      end,
      table,
      message: `\`${label}\`${why} is an unscoped client: it reaches every tenant's rows, and this query on ${named} goes around the tenant boundary even if it filters by tenant. Use ${alternative}, or if this file does cross-tenant work on purpose, list it in clients.allowUnscopedIn or suppress with a reason.`,
      fixes: fixesFor(ctx, query, "unscoped-client"),
    });
    return result;
  }
  if (level === "rls") {
    result.findings.push({
      ruleId: "unscoped-client",
      start,
      end,
      table,
      message: `At isolation "rls" tenant-owned ${named} must be queried through ${alternative}, which sets the tenant for the database's policies; \`${label}\` is not known to be one, and a predicate alone is not what the database enforces.`,
      fixes: fixesFor(ctx, query, "unscoped-client"),
    });
  }
  return result;
}

function fixesFor(ctx: BoundaryContext, query: BoundaryQuery, ruleId: RuleId): Fix[] {
  const fixes: Fix[] = [];
  const use = query.receiver && useScopedClientFix(ctx, query.receiver);
  if (use) fixes.push(use);
  fixes.push(suppressFix(ctx, query.call, ruleId));
  return fixes;
}

/** A module-level root client built right here (`const pool = new Pool()`, `drizzle(...)`). */
function isSharedRoot(ctx: BoundaryContext, receiver: ts.Expression | undefined): boolean {
  const tsm = ctx.ts;
  if (!receiver || !tsm.isIdentifier(receiver)) return false;
  for (const statement of ctx.sourceFile.statements) {
    if (!tsm.isVariableStatement(statement)) continue;
    for (const decl of statement.declarationList.declarations) {
      if (!tsm.isIdentifier(decl.name) || decl.name.text !== receiver.text || !decl.initializer) continue;
      return isRootClientConstruction(tsm, decl.initializer);
    }
  }
  return false;
}

const ROOT_CLASSES = /^(Pool|Client|PrismaClient|Kysely|Sequelize|DataSource)$/;
const ROOT_FACTORIES = /^(drizzle|postgres|knex|createPool|createClient|neon)$/;

/** `new Pool(...)`, `new PrismaClient()`, `drizzle(...)`, `postgres(url)`: a client of the whole database. */
export function isRootClientConstruction(tsm: typeof ts, init: ts.Expression): boolean {
  let e = init;
  while (tsm.isParenthesizedExpression(e) || tsm.isAsExpression(e) || tsm.isAwaitExpression(e)) e = e.expression;
  if (tsm.isNewExpression(e)) {
    const callee = e.expression;
    const name = tsm.isIdentifier(callee)
      ? callee.text
      : tsm.isPropertyAccessExpression(callee)
        ? callee.name.text
        : "";
    return ROOT_CLASSES.test(name);
  }
  if (tsm.isCallExpression(e)) {
    const callee = e.expression;
    const name = tsm.isIdentifier(callee)
      ? callee.text
      : tsm.isPropertyAccessExpression(callee)
        ? callee.name.text
        : "";
    return ROOT_FACTORIES.test(name);
  }
  return false;
}

function short(text: string): string {
  const one = text.replace(/\s+/g, " ");
  return one.length > 40 ? `${one.slice(0, 37)}...` : one;
}

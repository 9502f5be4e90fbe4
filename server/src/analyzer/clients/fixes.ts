// Fixes for queries that go around the tenant boundary: run the query through the scoped client
// (one already in scope, else the configured one), or suppress it with a reason for the audit trail.
import type ts from "typescript";
import { enclosingStatement } from "../statements";
import type { ResolvedConfig } from "../config/types";
import type { Fix, RuleId } from "../types";
import { classifyReceiver } from "./resolve";

interface FixContext {
  ts: typeof ts;
  sourceFile: ts.SourceFile;
  checker?: ts.TypeChecker;
  config: ResolvedConfig;
}

// Entries of clients.scoped that name a wrapper function or a type, not a client value to write in place.
const NOT_A_VALUE = /^(?:get|with|for|create|make|run|use)[A-Z_]|^[A-Z]/;

/** Replaces the receiver with a scoped client in scope, else with the configured scoped client. */
export function useScopedClientFix(ctx: FixContext, receiver: ts.Expression): Fix | undefined {
  const current = receiver.getText(ctx.sourceFile);
  const inScope = scopedInScope(ctx, receiver);
  const configured = ctx.config.clients.scoped.find((s) => /^[A-Za-z_$][\w$.]*$/.test(s) && !NOT_A_VALUE.test(s));
  const replacement = inScope ?? configured;
  if (!replacement || replacement === current) return undefined;
  return {
    title: `Run the query through the scoped client \`${replacement}\``,
    edits: [{ start: receiver.getStart(ctx.sourceFile), end: receiver.getEnd(), newText: replacement }],
    // A different client may differ in shape (a transaction, an extended client): review it.
    safe: false,
  };
}

/**
 * Inserts `// tenantguard-ignore-next-line <rule> -- ` above the query's statement; the line ends
 * where the reason goes (the fix's cursor), and until one is written the comment is
 * `suppression-without-reason`.
 */
export function suppressFix(ctx: FixContext, call: ts.Node, ruleId: RuleId): Fix {
  const text = ctx.sourceFile.text;
  const start = enclosingStatement(ctx.ts, call).getStart(ctx.sourceFile);
  const lineStart = text.lastIndexOf("\n", start - 1) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart))![0];
  const comment = `${indent}// tenantguard-ignore-next-line ${ruleId} -- `;
  return {
    title: `Suppress ${ruleId} with a reason`,
    edits: [{ start: lineStart, end: lineStart, newText: `${comment}\n` }],
    safe: false,
    // The edit is inserted before everything else, so the reason is at the end of the new comment.
    cursor: lineStart + comment.length,
  };
}

/** A parameter or earlier variable in scope that is a scoped client (`tx` of `withTenant(id, (tx) => ...)`). */
function scopedInScope(ctx: FixContext, receiver: ts.Expression): string | undefined {
  const tsm = ctx.ts;
  const isScoped = (id: ts.Identifier) =>
    id.text !== receiver.getText(ctx.sourceFile) && classifyReceiver(ctx, id).kind === "scoped";
  for (let node: ts.Node | undefined = receiver.parent; node; node = node.parent) {
    if (tsm.isFunctionLike(node))
      for (const p of node.parameters) if (tsm.isIdentifier(p.name) && isScoped(p.name)) return p.name.text;
    if (tsm.isBlock(node) || tsm.isSourceFile(node))
      for (const s of node.statements) {
        if (s.pos >= receiver.pos) break;
        if (!tsm.isVariableStatement(s)) continue;
        for (const d of s.declarationList.declarations)
          if (tsm.isIdentifier(d.name) && isScoped(d.name)) return d.name.text;
      }
  }
  return undefined;
}

// Ownership proven earlier in the same flow: a by-id query is safe without the tenant
// predicate when its key is an "owned key" of its table, i.e. one the flow has already tied to
// the tenant: the id of a row a scoped query returned or created, a key a scoped read found
// (and whose empty result ends the path), a key built from the tenant value, the row of an
// unscoped by-id read whose tenant is compared with the request's before the row is used, or
// what a helper function returns or verifies (flow/helpers.ts).
// Syntactic and in statement order (flow/function-flow.ts).
import type ts from "typescript";
import type { ProofKind } from "../types";
import { isBuiltFromTenant, type TenantNames } from "./conditions";
import { FunctionFlow, type Reason } from "./function-flow";
import { lineOf } from "./values";
import { HelperSummaries } from "./helpers";
import type { FlowQuery } from "./queries";

export type { FlowQuery } from "./queries";

export type OwnershipVerdict =
  /** Not a leak: how it was proven, where, and the sentence `--explain` and hovers show. */
  | { kind: "owned"; proof: ProofKind; evidence: ts.Node; message: string }
  /** The row is compared with the tenant, but the check does not end the path. */
  | { kind: "falls-through"; check: ts.IfStatement };

export interface OwnershipContext {
  ts: typeof ts;
  sourceFile: ts.SourceFile;
  /** Every query of the file the flow may reason about, by call node. */
  queries: ReadonlyMap<ts.Node, FlowQuery>;
  /** The tenant's names for a table (its column's spellings, the config's tenantExpression). */
  tenantOf(table: string): TenantNames;
  /** Type-aware mode: helpers are found across files through it. */
  checker?: ts.TypeChecker;
  /** Another file's flow queries, for a helper declared there; absent: helpers in this file only. */
  queriesOf?(file: ts.SourceFile): ReadonlyMap<ts.Node, FlowQuery> | undefined;
  /** Untyped mode: another file of the project by path, so relative imports of helpers are followed. */
  sourceFileOf?(fileName: string): ts.SourceFile | undefined;
}

/** Per file: analyses each function once, on the first finding inside it; each helper once. */
export class OwnershipFlow {
  private readonly flows = new Map<ts.Node, FunctionFlow>();
  private readonly helpers: HelperSummaries;

  constructor(private readonly ctx: OwnershipContext) {
    this.helpers = new HelperSummaries({
      ts: ctx.ts,
      sourceFile: ctx.sourceFile,
      checker: ctx.checker,
      sourceFileOf: ctx.sourceFileOf,
      tenantOf: ctx.tenantOf,
      queriesOf: (file) => (file === ctx.sourceFile ? ctx.queries : ctx.queriesOf?.(file)),
    });
  }

  /** Why the `missing-tenant-filter` on `call` (table `table`) is not a leak, or how its check fails. */
  verdict(call: ts.Node, table: string): OwnershipVerdict | undefined {
    try {
      return this.decide(call, table);
    } catch {
      // A shape the flow cannot read proves nothing: the finding stays.
      return undefined;
    }
  }

  private decide(call: ts.Node, table: string): OwnershipVerdict | undefined {
    const { ctx } = this;
    const query = ctx.queries.get(call);
    if (!query || query.table !== table) return undefined;
    const root = outermostFunction(ctx.ts, call);
    let flow = this.flows.get(root);
    if (!flow)
      this.flows.set(
        root,
        (flow = new FunctionFlow(
          {
            ts: ctx.ts,
            sourceFile: ctx.sourceFile,
            queries: ctx.queries,
            tenantOf: ctx.tenantOf,
            helpers: this.helpers,
          },
          root,
        )),
      );
    const checked = flow.checks.get(query);
    if (checked?.state === "checked") return owned(checked.reason, "");
    if (query.key) {
      const { expr, list, listOrOne } = query.key;
      const key = code(expr.getText(ctx.sourceFile).replace(/\s+/g, " "));
      const value = flow.valueOf(expr, expr);
      const kind = value?.kind === (list ? "keys" : "key") || (listOrOne && value?.kind === "keys");
      if (kind && value?.table === table && !value.unchecked && value.reason) return owned(value.reason, key);
      if (!list && isBuiltFromTenant(ctx, expr, ctx.tenantOf(table)))
        return {
          kind: "owned",
          proof: "built-from-tenant",
          evidence: expr,
          message: `key ${key} is built from the tenant value`,
        };
    }
    return checked ? { kind: "falls-through", check: checked.check } : undefined;
  }
}

/** The sentence a finding gets when its ownership check does not stop the flow. */
export function fallsThroughNote(sourceFile: ts.SourceFile, check: ts.IfStatement): string {
  return `The ownership check on line ${lineOf(sourceFile, check)} falls through: its branch neither throws nor returns, so the row is used even when it belongs to another tenant. End the branch with throw or return.`;
}

function owned(reason: Reason, key: string): OwnershipVerdict {
  return { kind: "owned", proof: reason.proof, evidence: reason.evidence, message: reason.say(key) };
}

/** A Markdown code span, also around text that holds backticks (a template literal key). */
function code(text: string): string {
  return text.includes("`") ? `\`\` ${text} \`\`` : `\`${text}\``;
}

function outermostFunction(tsm: typeof ts, node: ts.Node): ts.Node {
  let found: ts.Node = node.getSourceFile();
  for (let cur: ts.Node | undefined = node.parent; cur; cur = cur.parent)
    if (tsm.isFunctionLike(cur) && "body" in cur && cur.body) found = cur.body as ts.Node;
  return found;
}

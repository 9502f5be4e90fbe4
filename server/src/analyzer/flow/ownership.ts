// Ownership proven earlier in the same flow: a by-id query is safe without the tenant
// predicate when its key is an "owned key" of its table, i.e. one the flow has already tied to
// the tenant: the id of a row a scoped query returned or created, a key a scoped read found
// (and whose empty result ends the path), a key built from the tenant value, the row of an
// unscoped by-id read whose tenant is compared with the request's before the row is used, or
// what a helper function returns or verifies (flow/helpers.ts).
// Syntactic and in statement order (flow/function-flow.ts).
import type ts from "typescript";
import { fileLabel } from "../text-position";
import type { ModelLinks } from "../model/relations";
import { strip } from "../orm/prisma-syntax";
import {
  calleeName,
  enclosingTransaction,
  isWriteTarget,
  outermostExpression,
  returnedExpressions,
} from "../statements";
import type { ProofKind } from "../types";
import { isBuiltFromTenant, isRequestInput, type TenantNames } from "./conditions";
import { isSessionUser, type UserKey } from "../membership";
import type { Authorizers } from "./authorizers";
import {
  argumentAt,
  callSitesOf,
  commandOfHandler,
  constructionsOf,
  isDefaultExport,
  isEntryPoint,
  ownerOf,
  parameterKey,
  type ParameterKey,
  hasCall,
} from "./callers";
import { FunctionFlow, type Reason } from "./function-flow";
import { FunctionResolver } from "./functions";
import { lineOf, listRead, presentEnough, sameKeyField, sharedEnough, type Value } from "./values";
import { HelperSummaries } from "./helpers";
import type { FlowQuery, QueryKey } from "./queries";

export type { FlowQuery } from "./queries";

export type OwnershipVerdict =
  /** Not a leak: how it was proven, where, and the sentence `--explain` and hovers show. */
  | { kind: "owned"; proof: ProofKind; evidence: ts.Node; message: string }
  /** The row is compared with the tenant, but the check does not end the path. */
  | { kind: "falls-through"; check: ts.IfStatement; branch?: boolean }
  /** The key is a parameter, and this call passes one its caller never proved: a sentence for the finding. */
  | { kind: "unproven-call"; note: string };

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
  /** Where a bare module specifier may point (tsconfig `paths`); see AnalyzeOptions. */
  moduleCandidates?(from: string, specifier: string): readonly string[];
  /** The config's authorization functions. */
  authorizers?: Authorizers;
  /** Absent: a key that is a parameter stays unproven (its callers are not looked for). */
  callers?: CallerAccess;
  /** The model's links between tables (model/relations.ts). */
  links?: ModelLinks;
  /** Shared by the flows of one analysis (this file's and its callers'): how deep caller proofs go. */
  budget?: CallerBudget;
}

/** Caller proofs nested inside each other across files, and how many were cut short. */
export interface CallerBudget {
  nested: number;
  /** Proofs cut short (by depth, or a cycle): a flow built while one was is not kept for later verdicts. */
  truncated: number;
}

/** How the flow reaches the callers of a function (the CLI's files, the editor's workspace). */
export interface CallerAccess {
  /**
   * Parsed files that may call a function named `name` declared in `definedIn` (that file
   * included); `owner`: the class a method belongs to (`MemoryRepository`).
   */
  filesMentioning(name: string, definedIn: string, owner?: string): readonly ts.SourceFile[];
  /** The ownership flow of another file, to judge a call made there. */
  flowOf(file: ts.SourceFile): OwnershipFlow | undefined;
}

/** A parameter's callers of callers of callers are followed; deeper chains are not. */
const MAX_CALLER_DEPTH = 3;

/** Per file: analyses each function once, on the first finding inside it; each helper once. */
export class OwnershipFlow {
  private readonly flows = new Map<ts.Node, FunctionFlow>();
  private readonly helpers: HelperSummaries;
  private resolver?: FunctionResolver;
  /** Functions whose flow is being built, to stop a caller chain that comes back to one. */
  private readonly building = new Set<ts.Node>();
  /** Rows proven at their function's calls, inside each other (across files): bounded. */
  private readonly budget: CallerBudget;

  constructor(private readonly ctx: OwnershipContext) {
    this.budget = ctx.budget ?? { nested: 0, truncated: 0 };
    this.helpers = new HelperSummaries({
      ts: ctx.ts,
      sourceFile: ctx.sourceFile,
      checker: ctx.checker,
      sourceFileOf: ctx.sourceFileOf,
      moduleCandidates: ctx.moduleCandidates,
      tenantOf: ctx.tenantOf,
      queriesOf: (file) => (file === ctx.sourceFile ? ctx.queries : ctx.queriesOf?.(file)),
      links: ctx.links,
      authorizers: ctx.authorizers,
    });
  }

  /** Why the `missing-tenant-filter` on `call` (table `table`) is not a leak, or how its check fails. */
  verdict(call: ts.Node, table: string, rowCheckOnly = false): OwnershipVerdict | undefined {
    try {
      if (rowCheckOnly) {
        const query = this.ctx.queries.get(call);
        const checked =
          query?.table === table ? inTime(this.ctx.ts, query, this.flowAt(call).checks.get(query)) : undefined;
        return checked?.state === "checked" ? owned(checked.reason, "") : undefined;
      }
      return this.decide(call, table);
    } catch {
      // A shape the flow cannot read proves nothing: the finding stays.
      return undefined;
    }
  }

  private decide(call: ts.Node, table: string): OwnershipVerdict | undefined {
    const { ctx } = this;
    const query = ctx.queries.get(call);
    const joined = query?.table !== table && !!query?.joinedParents?.includes(table);
    if (!query || (query.table !== table && !joined)) return undefined;
    const flow = this.flowAt(call);
    // A create is judged by the parent it files the row under: a check of the row after it comes too late.
    // An upsert's where picks the row it updates: by that parent, or by its key as an update's.
    if (query.creates) {
      const parent = query.parentKeys ? this.parentVerdict(flow, query) : undefined;
      if (parent || !query.upserts) return parent;
    }
    // A check of the row a write returns comes after the write: only a read's row is checked in time,
    // or a row a transaction's write returns, checked by a throw that rolls the write back.
    const checked = inTime(this.ctx.ts, query, flow.checks.get(query));
    if (checked?.state === "checked") return owned(checked.reason, "");
    // A parent the row is joined to is answered by a check of the row, or by the key the where pins
    // the row's owning key to (`innerJoin(workflow, eq(webhook.workflowId, workflow.id)).where(eq(
    // webhook.workflowId, workflowId))`: the parent is the row that key names).
    if (joined) {
      const pk = query.parentKeys?.find(
        (p) => p.table === table && !p.list && ctx.links?.ownerKey(query.table, p.field),
      );
      return pk ? this.keyVerdict(flow, { ...pk, readOnly: query.readOnly }, table) : undefined;
    }
    const fallsThrough = checked && {
      kind: "falls-through" as const,
      check: checked.check,
      ...(checked.branch && { branch: true }),
    };
    if (query.key) {
      const { expr, list } = query.key;
      const key = code(expr.getText(ctx.sourceFile).replace(/\s+/g, " "));
      const proven = this.provenKey(keyValue(ctx.ts, flow, query.key), table, {
        ...query.key,
        readOnly: query.readOnly,
      });
      if (proven) return owned(proven, key);
      if (!list && isBuiltFromTenant(ctx, expr, ctx.tenantOf(table)))
        return {
          kind: "owned",
          proof: "built-from-tenant",
          evidence: expr,
          message: `key ${key} is built from the tenant value`,
        };
    }
    // `tagsOnResponses.updateMany({ where: { tagId: originalTagId } })`: rows of an owned parent row.
    const parentVerdict = this.parentVerdict(flow, query);
    if (parentVerdict) return parentVerdict;
    if (fallsThrough) return fallsThrough;
    // `teamMember.findMany({ where: { userId } })` in a data-layer function: the memberships of
    // whichever user each call passes; the signed-in user's own are no leak.
    const user = query.memberUser && ctx.callers && parameterKey(ctx.ts, query.memberUser);
    if (user) {
      const verdict = this.byCallers(
        user,
        table,
        { list: false, sessionUser: query.memberUserKey ?? "id" },
        0,
        new Set(),
      );
      const text = code(query.memberUser!.getText(ctx.sourceFile));
      if (verdict.kind === "proven")
        return {
          kind: "owned",
          proof: "callers",
          evidence: query.memberUser!,
          message: `user ${text} ${verdict.message}`,
        };
    }
    // A read whose row the function returns may be checked by each caller instead.
    if (query.key)
      return this.keyVerdict(
        flow,
        { ...query.key, readOnly: query.readOnly, ...(query.readOnly && { read: query.call }) },
        table,
        false,
      );
    return query.passedWhere ? this.passedWhereVerdict(query, query.passedWhere, table) : undefined;
  }

  /**
   * The query's rows hang off a parent row whose key the flow proves; a create's row is filed
   * under its parent and names its other parents (`LinkTag` of a link and a tag): every one proven.
   */
  private parentVerdict(flow: FunctionFlow, query: FlowQuery): OwnershipVerdict | undefined {
    if (query.creates) {
      const verdicts = (query.parentKeys ?? []).map((parent) => ({
        parent,
        verdict: this.keyVerdict(flow, { ...parent, readOnly: query.readOnly }, parent.table),
      }));
      const [first] = verdicts;
      const verdict = first?.verdict;
      if (verdict?.kind !== "owned" || verdicts.some((v) => v.verdict?.kind !== "owned")) return undefined;
      const parent = first!.parent;
      const others =
        verdicts.length > 1
          ? `; the ${verdicts
              .slice(1)
              .map((v) => `"${v.parent.table}"`)
              .join(", ")} row${verdicts.length > 2 ? "s" : ""} it names too`
          : "";
      return {
        ...verdict,
        proof: "parent",
        message: `its row is created under the "${parent.table}" row it names (${parent.field}): ${verdict.message}${others}`,
      };
    }
    for (const parent of query.parentKeys ?? []) {
      // `findMany({ where: { projectId } })` handed back: each caller may check every row it gets.
      const read = query.readOnly && listRead(query) ? { read: query.call } : {};
      const verdict = this.keyVerdict(flow, { ...parent, readOnly: query.readOnly, ...read }, parent.table);
      if (verdict?.kind !== "owned") continue;
      return {
        ...verdict,
        proof: "parent",
        message: `its rows hang off the "${parent.table}" row it filters by (${parent.field}): ${verdict.message}`,
      };
    }
    return undefined;
  }

  /** `order(where) { return db.order.findUnique({ where }) }`: the `id` each call's where holds, judged there. */
  private passedWhereVerdict(query: FlowQuery, where: ts.Expression, table: string): OwnershipVerdict | undefined {
    const { ctx } = this;
    const pk = ctx.callers && parameterKey(ctx.ts, where);
    if (!pk) return undefined;
    const key = {
      list: false,
      readOnly: query.readOnly,
      ...(query.readOnly && { read: query.call }),
      settled: query.settledCalls,
    };
    const verdict = this.byCallers({ ...pk, path: `${pk.path}.id` }, table, key, 0, new Set());
    const text = code(`${where.getText(ctx.sourceFile)}.id`);
    // The finding names the calls whose where holds no tenant (orm/prisma.ts judgedAtCalls); this
    // says which of them nothing else proves either (not for a where with no `id` to follow:
    // `{ token }`, `{ userId }`, where the list of calls says it all).
    if (verdict.kind === "unproven" && !verdict.unfollowed)
      return { kind: "unproven-call", note: `Its key ${text} ${verdict.note}` };
    if (verdict.kind !== "proven") return undefined;
    return {
      kind: "owned",
      proof: "callers",
      evidence: pk.fn.parameters[pk.index] ?? where,
      message: `key ${text} ${verdict.message}`,
    };
  }

  /**
   * How `key` (of `table`) is proven: by the flow (`local`), else at the calls of the function
   * whose parameter it is. Undefined when nothing proves it and it is no parameter.
   */
  private keyVerdict(
    flow: FunctionFlow,
    key: QueryKey & { read?: ts.Node; readOnly?: boolean },
    table: string,
    local = true,
  ): OwnershipVerdict | undefined {
    const { ctx } = this;
    const { expr, list } = key;
    const text = code(expr.getText(ctx.sourceFile).replace(/\s+/g, " "));
    // `tagId: { in: [originalTagId, newTagId] }`: each element a key.
    const elements = strip(ctx.ts, expr);
    if (list && ctx.ts.isArrayLiteralExpression(elements)) {
      const each = elements.elements.map((e) =>
        ctx.ts.isSpreadElement(e) ? undefined : this.keyVerdict(flow, { ...key, expr: e, list: false }, table, local),
      );
      const failed = each.findIndex((v) => v?.kind !== "owned");
      if (failed < 0 && each.length) return each[0];
      const why = each[failed];
      return why?.kind === "unproven-call" ? why : undefined;
    }
    if (local) {
      const proven = this.provenKey(keyValue(ctx.ts, flow, key), table, key);
      if (proven) return owned(proven, text);
    }
    const param = ctx.callers && parameterKey(ctx.ts, expr);
    if (!param) return undefined;
    const pk = key.ofObject ? { ...param, path: `${param.path}${objectKeyPath(key)}` } : param;
    const verdict = this.byCallers(pk, table, key, 0, new Set());
    if (verdict.kind === "unknown")
      return verdict.why
        ? { kind: "unproven-call", note: `Its key ${text} is a parameter of \`${pk.name}\`: ${verdict.why}.` }
        : undefined;
    if (verdict.kind === "unproven") return { kind: "unproven-call", note: `Its key ${text} ${verdict.note}` };
    return {
      kind: "owned",
      proof: "callers",
      evidence: pk.fn.parameters[pk.index] ?? expr,
      message: `key ${text} ${verdict.message}`,
    };
  }

  /** Whether `value` is a key (or keys) of `table` the flow tied to the tenant, or one an authorization check was handed. */
  private provenKey(
    value: Value | undefined,
    table: string,
    key: Omit<QueryKey, "expr"> & { readOnly?: boolean },
  ): Reason | undefined {
    const { list, listOrOne } = key;
    if (!value || value.unchecked || !value.reason || !presentEnough(value, key) || !sharedEnough(value, key))
      return undefined;
    if (value.table === "*") return value.reason;
    const kind = value.kind === (list ? "keys" : "key") || (listOrOne && value.kind === "keys");
    return kind && value.table === table && sameKeyField(value, key) ? value.reason : undefined;
  }

  /**
   * Judges each call of the function whose parameter the key is, with the caller's flow; a caller
   * passing its own parameter is judged by its callers in turn.
   */
  private byCallers(
    pk: ParameterKey,
    table: string,
    /**
     * `sessionUser`: the parameter is a user, proven where a call passes the signed-in user's id.
     * `settled`: calls already scoped by what they pass (a where holding the tenant).
     */
    key: Omit<QueryKey, "expr"> & {
      read?: ts.Node;
      readOnly?: boolean;
      sessionUser?: UserKey;
      settled?: ReadonlySet<ts.Node>;
    },
    depth: number,
    seen: Set<ts.Node>,
  ):
    | { kind: "proven"; message: string }
    | { kind: "unproven"; note: string; unfollowed?: boolean }
    | { kind: "unknown"; why?: string } {
    const list = !!key.list;
    const { ctx } = this;
    if (!ctx.callers || depth >= MAX_CALLER_DEPTH || seen.has(pk.fn)) return { kind: "unknown" };
    // Any client can call an entry point with any argument; a default export is imported under any name.
    if (isEntryPoint(ctx.ts, pk)) return { kind: "unknown", why: "any client can call it with any argument" };
    if (isDefaultExport(ctx.ts, pk))
      return { kind: "unknown", why: "it is a default export, whose calls are not followed" };
    seen.add(pk.fn);
    const resolver = (this.resolver ??= new FunctionResolver(
      ctx.ts,
      ctx.checker,
      ctx.sourceFileOf,
      ctx.moduleCandidates,
    ));
    const handlerFile = pk.fn.getSourceFile().fileName;
    // A CQRS handler's `execute(command)` runs for each `new Command(...)`: those are its calls.
    const command = commandOfHandler(ctx.ts, pk, (file, name) => resolver.classNamed(file, name));
    if (command) key = { ...key, read: undefined };
    // A private constructor's parameter property (`this.note.id`): its calls are the class's `new Note(...)`.
    const made = ctx.ts.isConstructorDeclaration(pk.fn)
      ? ownConstructions(ctx.ts, pk)
      : command && commandConstructions(ctx, pk, command.name, command.file, handlerFile);
    const { calls, unresolved } = made
      ? made
      : callSitesOf(
          ctx.ts,
          pk,
          ctx.callers.filesMentioning(pk.name, handlerFile, ownerOf(ctx.ts, pk.fn) || undefined),
          resolver,
          (name) => !!ctx.links?.entityTable(name),
        );
    // A call that may run this function but cannot be followed could pass anything: nothing is proven.
    if (unresolved)
      return { kind: "unknown", why: "it is called, or handed on, where the argument cannot be followed" };
    if (!calls.length) return { kind: "unknown", why: NO_CALL };
    const param = `a parameter of \`${pk.name}\``;
    let first: string | undefined;
    let rowChecked = false;
    for (const call of calls) {
      const where = this.where(call);
      if (depth === 0 && key.settled && hasCall(key.settled, call)) {
        first ??= `${where}: the where it passes scopes the query`;
        continue;
      }
      const passed = command
        ? argumentAt(ctx.ts, call as unknown as ts.CallExpression, command.index, command.path)
        : argumentAt(ctx.ts, call as ts.CallExpression, pk.index, pk.path);
      const text = passed && code(passed.expr.getText(call.getSourceFile()).replace(/\s+/g, " ") + passed.path);
      const unproven = (why: string) => ({
        kind: "unproven" as const,
        note: `is ${param}: the call on ${where} passes ${text ?? "an argument"}, ${why}.`,
      });
      if (!passed) return { ...unproven("which cannot be followed"), unfollowed: true };
      const callerFlow = call.getSourceFile() === ctx.sourceFile ? this : ctx.callers.flowOf(call.getSourceFile());
      if (!callerFlow) return unproven("in a file that is not analysed");
      if (key.sessionUser && !passed.path && isSessionUser(ctx.ts, passed.expr, key.sessionUser)) {
        first ??= `${where}: ${text} is the signed-in user's ${key.sessionUser}`;
        continue;
      }
      const reason = key.sessionUser
        ? undefined
        : callerFlow.provenKey(callerFlow.flowAt(call).valueOfPath(passed.expr, passed.path, call), table, {
            ...key,
            listOrOne: true,
          });
      if (reason) {
        first ??= `${where}: ${reason.say(text!)}`;
        continue;
      }
      if (
        !key.sessionUser &&
        !passed.path &&
        !list &&
        isBuiltFromTenant(callerFlow.ctx, passed.expr, ctx.tenantOf(table))
      ) {
        first ??= `${where}: ${text} is built from the tenant value`;
        continue;
      }
      // `const t = await findTemplate(id); if (t.projectId !== projectId) throw`: the caller checked the row.
      const checked =
        depth === 0 && key.read && ctx.ts.isCallExpression(call) ? callerFlow.checkedRead(call, key.read) : undefined;
      if (checked) {
        first ??= `${where}: ${checked.say(text!)}`;
        rowChecked = true;
        continue;
      }
      const outer = parameterKey(ctx.ts, passed.expr);
      const up =
        outer && callerFlow.byCallers({ ...outer, path: outer.path + passed.path }, table, key, depth + 1, seen);
      if (up?.kind === "proven") {
        first ??= `${where}: ${text} ${up.message}`;
        continue;
      }
      if (up?.kind === "unproven")
        return { kind: "unproven", note: `is ${param}: the call on ${where} passes ${text}, which ${up.note}` };
      // `safeUpdateRule(ruleId)` forwarding its own parameter, which no call reaches: say so (request
      // input, `input.id` of a handler, is what it says it is).
      if (up?.kind === "unknown" && up.why === NO_CALL && !isRequestInput(ctx.ts, passed.expr))
        return unproven(`a parameter of \`${outer!.name}\` there, and ${up.why}`);
      return unproven("which nothing there ties to the tenant");
    }
    const more = calls.length > 1 ? ` (and ${calls.length - 1} more call${calls.length > 2 ? "s" : ""})` : "";
    const how = key.sessionUser
      ? `passes the signed-in user's ${key.sessionUser}`
      : rowChecked
        ? "passes a proven key or checks the row it returns"
        : "passes a proven key";
    return { kind: "proven", message: `is ${param}, and every call ${how}: ${first}${more}` };
  }

  /** How the row the call's function returns (read by `read`) was checked before use, in this file's flow. */
  private checkedRead(call: ts.CallExpression, read: ts.Node): Reason | undefined {
    const flow = this.flowAt(call);
    const found = this.helpers.callRead(call);
    // The same read, though the helper's file may be another parse of it than the analysed one.
    const same = (a: ts.Node, b: ts.Node) =>
      a === b || (a.pos === b.pos && a.end === b.end && a.getSourceFile().fileName === b.getSourceFile().fileName);
    if (!found || ![found.query, ...(found.others ?? [])].some((q) => same(q.call, read))) return undefined;
    // `this.orderService.order({ id, userId: user.id })`: the where it hands on holds the tenant.
    if (found.read.scoped)
      return { proof: "predicate", evidence: call, say: () => "the where it passes holds the tenant filter" };
    const check = flow.checks.get(found.read);
    return check?.state === "checked" ? check.reason : undefined;
  }

  /** "actions.ts line 40", or "line 40" in the analysed file. */
  private where(node: ts.Node): string {
    const file = node.getSourceFile();
    const line = lineOf(file, node);
    return file === this.ctx.sourceFile ? `line ${line}` : `${fileLabel(file.fileName)} line ${line}`;
  }

  /** The flow of the outermost function holding `node`, analysed once. */
  private flowAt(node: ts.Node): FunctionFlow {
    const { ctx } = this;
    const root = outermostFunction(ctx.ts, node);
    let flow = this.flows.get(root);
    if (flow) return flow;
    // A function whose flow is being built asked (through its callers) about itself: nothing proven.
    if (this.building.has(root)) throw new FlowCycle();
    this.building.add(root);
    const truncated = this.budget.truncated;
    try {
      flow = new FunctionFlow(
        {
          ts: ctx.ts,
          sourceFile: ctx.sourceFile,
          queries: ctx.queries,
          tenantOf: ctx.tenantOf,
          helpers: this.helpers,
          authorizers: ctx.authorizers,
          links: ctx.links,
          provenElsewhere: (key, table, rejectsMissing, uniqueField, path) =>
            this.provenByCallers(key, table, rejectsMissing, uniqueField, path),
        },
        root,
      );
    } finally {
      this.building.delete(root);
    }
    // What it could not prove because of where the question came from, a later question may: keep only a whole flow.
    if (this.budget.truncated === truncated) this.flows.set(root, flow);
    return flow;
  }

  /** A key that is a parameter every call proves, for a row read by it (FunctionFlow.queryValueOf). */
  private provenByCallers(
    key: ts.Expression,
    table: string,
    rejectsMissing: boolean,
    uniqueField?: string,
    path = "",
  ): Reason | undefined {
    const param = this.ctx.callers && parameterKey(this.ctx.ts, key);
    if (!param) return undefined;
    const pk = { ...param, path: param.path + path };
    if (this.budget.nested >= MAX_CALLER_DEPTH) {
      this.budget.truncated++;
      return undefined;
    }
    this.budget.nested++;
    try {
      const verdict = this.byCallers(
        pk,
        table,
        { list: false, rejectsMissing, ...(uniqueField && { uniqueField }) },
        0,
        new Set(),
      );
      if (verdict.kind !== "proven") return undefined;
      return { proof: "callers", evidence: key, say: (text) => `key ${text} ${verdict.message}` };
    } catch (e) {
      if (e instanceof FlowCycle) {
        this.budget.truncated++;
        return undefined;
      }
      throw e;
    } finally {
      this.budget.nested--;
    }
  }
}

/** A flow asked about itself while being built. */
class FlowCycle extends Error {}

/** The sentence a finding gets when its ownership check does not stop the flow. */
export function fallsThroughNote(sourceFile: ts.SourceFile, check: ts.IfStatement, branch = false): string {
  if (branch)
    return `The ownership check on line ${lineOf(sourceFile, check)} runs only on one path (inside a branch the read is not in), and the row is used past that branch unchecked. Check it right after the read, where every path passes.`;
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

/** The `new Command(...)` calls of a CQRS handler, from the files that mention the command or the handler. */
function commandConstructions(
  ctx: OwnershipContext,
  pk: ParameterKey,
  command: string,
  commandFile: string,
  handlerFile: string,
): { calls: (ts.NewExpression & { arguments: ts.NodeArray<ts.Expression> })[]; unresolved: boolean } {
  const cls = pk.fn.parent;
  const handler = ctx.ts.isClassDeclaration(cls) ? cls.name?.text : undefined;
  // Those that import the command's module (under any name, or as a namespace) and the handler's.
  const files = [
    ...new Set([
      ...ctx.callers!.filesMentioning(command, commandFile),
      ...(handler ? ctx.callers!.filesMentioning(handler, handlerFile) : []),
    ]),
  ];
  const found = constructionsOf(ctx.ts, command, handler, files);
  const calls = found.calls.filter(
    (c): c is ts.NewExpression & { arguments: ts.NodeArray<ts.Expression> } => !!c.arguments,
  );
  return { calls, unresolved: found.unresolved || calls.length !== found.calls.length };
}

/** `new Note(...)` and `new this(...)` in the file of a class whose constructor is private: every way to make one. */
function ownConstructions(
  tsm: typeof ts,
  pk: ParameterKey,
): { calls: (ts.NewExpression & { arguments: ts.NodeArray<ts.Expression> })[]; unresolved: boolean } {
  const calls: (ts.NewExpression & { arguments: ts.NodeArray<ts.Expression> })[] = [];
  let unresolved = false;
  const visit = (n: ts.Node): void => {
    if (
      tsm.isNewExpression(n) &&
      ((tsm.isIdentifier(n.expression) && n.expression.text === pk.name) ||
        n.expression.kind === tsm.SyntaxKind.ThisKeyword)
    ) {
      if (n.arguments) calls.push(n as ts.NewExpression & { arguments: ts.NodeArray<ts.Expression> });
      else unresolved = true;
    }
    tsm.forEachChild(n, visit);
  };
  visit(pk.fn.getSourceFile());
  return { calls, unresolved };
}

/** What a query's key holds where it runs: the key itself, or its field of an object (`entity.id` of `save({ ...entity })`). */
function keyValue(tsm: typeof ts, flow: FunctionFlow, key: QueryKey): Value | undefined {
  if (!key.ofObject) return flow.valueOf(key.expr, key.expr);
  // `row.id = dto.id`, `Object.assign(row, dto)`, `repo.merge(row, dto)` before the save: the row may hold another key.
  if (rewrittenBefore(tsm, key.expr, key.ofObject)) return undefined;
  return flow.valueOfPath(key.expr, objectKeyPath(key), key.expr);
}

/** The path of an object's key: `.id`, or `.map(id)` for a list of rows (the ids of `save(rows)`). */
function objectKeyPath(key: QueryKey): string {
  return key.list ? `.map(${key.ofObject})` : `.${key.ofObject}`;
}

/**
 * Whether the object `expr` names may hold another key by the time `expr` runs: its `field` (or any
 * element) written, merged into (`Object.assign(row, dto)`, `repo.merge(row, dto)`), handed to a call
 * that may do so, held under another name, or, for a list, any of its elements so treated
 * (`for (const r of rows) Object.assign(r, dto)`) or a method called on it (`rows.push(dto)`).
 */
function rewrittenBefore(tsm: typeof ts, expr: ts.Expression, field: string): boolean {
  const e = strip(tsm, expr);
  if (!tsm.isIdentifier(e)) return false;
  let fn: ts.Node | undefined = e.parent;
  while (fn && !tsm.isFunctionLike(fn) && !tsm.isSourceFile(fn)) fn = fn.parent;
  if (!fn) return false;
  // `save(rows.map((r) => { r.id = input.id; return { id: r.id }; }))`: the callback runs first.
  const use = outermostExpression(tsm, e).parent;
  if (tsm.isPropertyAccessExpression(use) && tsm.isCallExpression(use.parent) && use.parent.expression === use)
    if (READS_ELEMENTS.has(use.name.text) && callbackWrites(tsm, use.parent, field)) return true;
  return escapes(tsm, fn, e.text, field, e.pos);
}

/**
 * Whether the inline callback of an array method (`rows.map((r) => ...)`) may change a row: a
 * parameter that holds one (the element, `reduce`'s second, the array itself) escapes in its
 * body. A callback that cannot be read (`rows.forEach(reset)`) may.
 */
function callbackWrites(tsm: typeof ts, call: ts.CallExpression, field: string): boolean {
  const name = tsm.isPropertyAccessExpression(call.expression) ? call.expression.name.text : "";
  // `rows.at(0)`, `rows.slice(1)`, `rows.includes(x)`: an index or a value, no callback.
  if (NO_CALLBACK.has(name)) return false;
  const fn = call.arguments[0] && strip(tsm, call.arguments[0]);
  if (!fn || !(tsm.isArrowFunction(fn) || tsm.isFunctionExpression(fn))) return call.arguments.length > 0;
  const [element, list] = /^reduce/.test(name) ? [1, 3] : [0, 2];
  return [element, list].some((i) => {
    const name = fn.parameters[i]?.name;
    // A destructured element is a copy of its fields; a destructured array still holds the rows.
    if (!name || (i === element && tsm.isObjectBindingPattern(name))) return false;
    return !tsm.isIdentifier(name) || escapes(tsm, fn, name.text, field, fn.end);
  });
}

/** Whether a callback may hand back one of the rows it was given (`(r) => r`, `[r]`, `cond ? r : null`). */
function mayReturnRow(tsm: typeof ts, fn: ts.FunctionLikeDeclaration): boolean {
  const holds = (e: ts.Expression | undefined, depth = 0): boolean => {
    const x = e && strip(tsm, e);
    if (!x || depth > 4) return false;
    if (tsm.isIdentifier(x) || tsm.isElementAccessExpression(x)) return true;
    if (tsm.isConditionalExpression(x)) return holds(x.whenTrue, depth + 1) || holds(x.whenFalse, depth + 1);
    // `a ?? b`, `a || b`, `a && b` hand back one side; arithmetic and comparisons hand back no row.
    const either = [
      tsm.SyntaxKind.QuestionQuestionToken,
      tsm.SyntaxKind.BarBarToken,
      tsm.SyntaxKind.AmpersandAmpersandToken,
    ];
    if (tsm.isBinaryExpression(x))
      return either.includes(x.operatorToken.kind) && (holds(x.left, depth + 1) || holds(x.right, depth + 1));
    if (tsm.isArrayLiteralExpression(x)) return x.elements.some((el) => holds(el, depth + 1));
    return tsm.isSpreadElement(x) && holds(x.expression, depth + 1);
  };
  return returnedExpressions(tsm, fn).some((e) => holds(e));
}

/** A call that only looks at what it is handed: a check (`assertOwned(row, t)`) or a log line. */
const LOOKS_ONLY = /^(?:assert|check|ensure|verify|require|validate|authorize|can|is|has|log|info|warn|error|debug)/i;

/** What a TypeORM repository or manager (or MikroORM's `em`) is called, or how it is got. */
const ORM_RECEIVER = /(?:repo(?:sitory)?|manager|^em$|\.em$|entityManager|getRepository\([^)]*\))$/i;

/** ORM methods handed an entity that write it by the key it holds and never give it another (TypeORM, MikroORM). */
const KEEPS_KEY = new Set(["save", "persist", "persistAndFlush", "softRemove", "recover", "reload"]);

/** Array methods that read the elements and leave the array and its rows as they are. */
const READS_ELEMENTS = new Set([
  "map",
  "filter",
  "forEach",
  "some",
  "every",
  "find",
  "findLast",
  "findIndex",
  "flatMap",
  "includes",
  "indexOf",
  "slice",
  "reduce",
  "at",
  "join",
]);
/** Of those, the ones that take no callback. */
const NO_CALLBACK = new Set(["at", "slice", "includes", "indexOf", "join"]);
/** Of those, the ones whose result holds the same row objects: what it is handed to counts too. */
const RETURNS_ELEMENTS = new Set(["filter", "find", "findLast", "slice", "at"]);
/** Those whose result holds what the callback returns. */
const RETURNS_CALLBACKS = new Set(["map", "flatMap", "reduce"]);

function escapes(tsm: typeof ts, scope: ts.Node, name: string, field: string, before: number): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || n.pos >= before) return;
    if (tsm.isIdentifier(n) && n.text === name && escapesAt(n)) found = true;
    // `if (em) { save(row) } else { <here> }`: the other branch is not on the way here, unless a
    // loop around the if runs it in an earlier iteration.
    if (
      tsm.isIfStatement(n) &&
      n.elseStatement &&
      n.elseStatement.pos <= before &&
      before < n.elseStatement.end &&
      !loopBetween(tsm, n, scope)
    ) {
      visit(n.expression);
      visit(n.elseStatement);
      return;
    }
    tsm.forEachChild(n, visit);
  };
  const escapesAt = (id: ts.Identifier): boolean => {
    const p = outermostExpression(tsm, id).parent;
    // Its own declaration.
    if ((tsm.isVariableDeclaration(p) || tsm.isParameter(p) || tsm.isBindingElement(p)) && p.name === id) return false;
    return used(id);
  };
  /** Whether what `expr` holds (the rows, or one of them) may be changed where `expr` stands. */
  const used = (expr: ts.Node, depth = 0): boolean => {
    const top = outermostExpression(tsm, expr);
    const p = top.parent;
    if (depth > 4) return true;
    if (tsm.isPropertyAccessExpression(p) && p.expression === top) {
      const use = p.parent;
      if (tsm.isCallExpression(use) && use.expression === p) {
        const method = p.name.text;
        if (!READS_ELEMENTS.has(method)) return true; // `rows.push(dto)`
        // `rows.map((r) => ...)`: each element, as in a for-of loop.
        if (callbackWrites(tsm, use, field)) return true;
        // `rows.find(...)`, `rows.filter(...)[0]`, `rows.map((r) => r)`: the same rows under a new expression.
        const fn = use.arguments[0] && strip(tsm, use.arguments[0]);
        const aliases =
          RETURNS_ELEMENTS.has(method) ||
          (RETURNS_CALLBACKS.has(method) &&
            !!fn &&
            (tsm.isArrowFunction(fn) || tsm.isFunctionExpression(fn)) &&
            mayReturnRow(tsm, fn));
        return aliases && used(use, depth + 1);
      }
      // A read of one of its fields, or a write of the key.
      return isWriteTarget(tsm, p) && (p.name.text === field || !tsm.isIdentifier(p.name));
    }
    // `rows[0]`: one of the rows, written whole or used as above.
    if (tsm.isElementAccessExpression(p) && p.expression === top) return isWriteTarget(tsm, p) || used(p, depth + 1);
    if (tsm.isCallExpression(p) && p.arguments.includes(top as ts.Expression)) {
      const callee = strip(tsm, p.expression);
      const owner = tsm.isPropertyAccessExpression(callee) ? strip(tsm, callee.expression).getText() : "";
      // `repo.save(row)`: an ORM write of the row keeps the key it was loaded with.
      if (
        tsm.isPropertyAccessExpression(callee) &&
        KEEPS_KEY.has(callee.name.text) &&
        p.arguments[0] === top &&
        ORM_RECEIVER.test(strip(tsm, callee.expression).getText())
      )
        return false;
      return !LOOKS_ONLY.test(calleeName(tsm, p) ?? "") && !/^(?:console|logger|log)$/.test(owner);
    }
    // `for (const r of rows)`: each element, as the list itself.
    if (tsm.isForOfStatement(p) && p.expression === top) {
      const loopVar = tsm.isVariableDeclarationList(p.initializer) ? p.initializer.declarations[0]?.name : undefined;
      return !loopVar || !tsm.isIdentifier(loopVar) || escapes(tsm, p.statement, loopVar.text, field, before);
    }
    // Held under another name, put in a list or an object, or written whole.
    return (
      (tsm.isVariableDeclaration(p) && p.initializer === top) ||
      (tsm.isBinaryExpression(p) && p.right === top && p.operatorToken.kind === tsm.SyntaxKind.EqualsToken) ||
      tsm.isArrayLiteralExpression(p) ||
      tsm.isShorthandPropertyAssignment(p) ||
      (tsm.isPropertyAssignment(p) && p.initializer === top) ||
      isWriteTarget(tsm, top)
    );
  };
  visit(scope);
  return found;
}

/**
 * Whether the `if` may run more than once where the row lives: a loop around it up to its function,
 * or a function that is a callback or an inline function (run by whoever holds it, maybe often).
 */
function loopBetween(tsm: typeof ts, node: ts.Node, _scope: ts.Node): boolean {
  for (let n = node.parent; n; n = n.parent) {
    if (tsm.isIterationStatement(n, false)) return true;
    if (tsm.isFunctionLike(n)) return tsm.isArrowFunction(n) || tsm.isFunctionExpression(n);
  }
  return false;
}

/**
 * A check of the row `query` returns, when it comes in time: always for a read (or a locking one);
 * for a write, only inside the transaction callback that made it, by a throw nothing there catches
 * (`$transaction(async (tx) => { const r = await tx.doc.update(...); if (r.teamId !== t) throw ... })`):
 * the throw rolls the write back.
 */
function inTime<C extends { state: string; reason?: Reason }>(
  tsm: typeof ts,
  query: FlowQuery,
  check: C | undefined,
): C | undefined {
  if (!check || query.readOnly || query.locks) return check;
  const evidence = check.state === "checked" ? check.reason?.evidence : undefined;
  const tx = evidence && enclosingTransaction(tsm, query.call);
  if (!tx || !evidence || evidence.pos < tx.pos || evidence.end > tx.end) return undefined;
  if (enclosingTransaction(tsm, evidence) !== tx) return undefined;
  for (let cur = evidence.parent; cur && cur !== tx; cur = cur.parent)
    if (tsm.isTryStatement(cur) && evidence.pos >= cur.tryBlock.pos && evidence.end <= cur.tryBlock.end)
      return undefined;
  return throwsOnFailure(tsm, evidence) ? check : undefined;
}

/** The check ends its path with a throw: `if (...) throw ...`, `if (...) { ...; throw ... }`, an `assert…(...)`. */
function throwsOnFailure(tsm: typeof ts, evidence: ts.Node): boolean {
  let st: ts.Node | undefined = evidence;
  while (st && !tsm.isIfStatement(st) && !tsm.isExpressionStatement(st)) st = st.parent;
  if (st && tsm.isIfStatement(st)) {
    const then = st.thenStatement;
    const last = tsm.isBlock(then) ? then.statements[then.statements.length - 1] : then;
    return !!last && tsm.isThrowStatement(last);
  }
  const name = tsm.isCallExpression(evidence) ? calleeName(tsm, evidence) : undefined;
  return !!name && /^(?:assert|require|ensure|throwIf|enforce|must)(?:[A-Z_]|$)/.test(name);
}

/** Why a parameter's callers prove nothing, when none was found. */
const NO_CALL = "no call of it was found among the files scanned";

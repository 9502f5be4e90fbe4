// How a safe query was proven to stay inside one tenant (`--explain`, editor hovers): the
// table, the kind of proof and the evidence (the predicate, the scoped client). analyze.ts calls
// these only when its caller passed a proof sink, so a plain run computes none of it.
import type ts from "typescript";
import type { BoundaryResult } from "./clients/boundary";
import type { ResolvedConfig } from "./config/types";
import {
  countTestsPresence,
  existenceCheck,
  findIdentityEvidence,
  findTenantEvidence,
  ownerLookupSelect,
  tenantSpellings,
} from "./explain-evidence";
import { lookupTenantTable, type TenantModel, type TenantTable } from "./model/types";
import { OPERATIONS } from "./orm/prisma";
import type { OrmJudgements, OrmQuery } from "./orm/types";
import { qualifiedNameEnd, type SqlProof } from "./sql/scope";
import type { SqlSite } from "./sql/site";
import type { TableTouch } from "./sql/tables";
import { calleeName } from "./statements";
import type { Proof, RelatedSpan, RuleId } from "./types";

/** The ways to prove ownership, said once at the end of every missing-tenant-filter message. */
export const PROOF_HINT =
  "Other proofs of ownership: a scoped client, a key from a scoped query, an ownership or authorization check that throws.";

/** A missing-tenant-filter message with the ways to prove ownership appended; other rules' unchanged. */
export function withProofHint(ruleId: RuleId, message: string): string {
  if (ruleId !== "missing-tenant-filter" || message.includes(PROOF_HINT)) return message;
  return `${message.trimEnd()} ${PROOF_HINT}`;
}

const SQL_WORDING: Record<SqlProof["kind"], string> = {
  predicate: "tenant predicate",
  "shared-or-owned": "shared or owned rows only",
  credential: "looked up by a credential, which decides the tenant:",
  membership: "the signed-in user's own memberships:",
  "own-rows": "the signed-in user's own rows:",
  "share-link": "read by a share link the config declares (shareKeys):",
  "public-rows": "reads only rows their tenant made public:",
  join: "joined on the tenant column to a scoped table",
  parent: "owned through its scoped parent:",
};

/**
 * The proofs of one SQL site: none when it crosses the boundary (an unscoped client), one per
 * tenant-owned reference through a scoped client, else the scoped references scope.ts reported.
 */
export function sqlProofs(
  site: SqlSite,
  boundary: Pick<BoundaryResult, "waivesPredicate" | "findings">,
  evidence: readonly SqlProof[],
  touches: () => readonly TableTouch[],
  sourceFile: ts.SourceFile,
): Proof[] {
  if (boundary.findings.length) return [];
  if (boundary.waivesPredicate) {
    const client = scopedClientWording(site.receiver ?? site.node, sourceFile);
    return touches().map((t) => ({
      kind: "scoped-client",
      table: t.table,
      ...refSpan(site, t.start, qualifiedNameEnd(site.sql, t.start)),
      ...client,
    }));
  }
  return evidence.map((e) => {
    const span = { start: site.toFileOffset(e.evidenceStart), end: fileEnd(site, e.evidenceEnd) };
    // The SQL has placeholders where the source has `${tenantId}`: say it as the source does.
    const holed = site.holes.some((h) => h.sqlStart < e.evidenceEnd && h.sqlEnd > e.evidenceStart);
    const written = holed ? sourceFile.text.slice(span.start, span.end) : e.text;
    return {
      kind: e.kind,
      table: e.table,
      ...refSpan(site, e.refStart, e.refEnd),
      // A parent's text is a sentence about the join (scope.ts words it), the others are SQL as written.
      message: `${e.named ? "the row a scoped row's key names:" : SQL_WORDING[e.kind]} ${e.kind === "parent" ? oneLine(e.text) : quote(written)}`,
      evidence: span,
    };
  });
}

export interface OrmProofInput {
  ts: typeof ts;
  sourceFile: ts.SourceFile;
  model: TenantModel;
  config: ResolvedConfig;
  queries: readonly OrmQuery[];
  /** Calls holding any finding (predicate or boundary): not proven. */
  flagged: ReadonlySet<ts.Node>;
  /** Calls through a scoped client. */
  waived: ReadonlySet<ts.Node>;
  /** What the ORM check decided beyond its findings (a where scoped at every call). */
  judged?: OrmJudgements;
}

/** Proofs of the ORM queries that hold no finding: their scoped client, else their tenant predicate. */
export function ormProofs(input: OrmProofInput): Proof[] {
  const { sourceFile } = input;
  const out: Proof[] = [];
  const seen = new Set<string>();
  for (const q of input.queries) {
    const key = `${q.call.pos}|${q.table}`;
    if (input.flagged.has(q.call) || input.judged?.handedOn?.has(q.call) || seen.has(key)) continue;
    seen.add(key);
    const start = q.call.getStart(sourceFile);
    const end = q.call.getEnd();
    if (input.waived.has(q.call)) {
      out.push({ kind: "scoped-client", table: q.table, start, end, ...scopedClientWording(q.receiver, sourceFile) });
      continue;
    }
    const table = lookupTenantTable(input.model, q.table);
    // A read exempt as an owner or existence lookup says so, even when a weak tenant term is in its where.
    const lookup = input.judged?.lookups.has(q.call);
    const found =
      table && !lookup
        ? (findTenantEvidence(input.ts, sourceFile, q.call, tenantSpellings(table)) ??
          findIdentityEvidence(input.ts, sourceFile, q.call, table))
        : undefined;
    const select = !found && table && ownerLookup(input, q, table);
    if (select) {
      const what = select.exists ? "reads only whether a row exists" : "reads only which tenant owns the row";
      out.push({
        kind: "owner-lookup",
        table: q.table,
        start,
        end,
        message: `${what}: ${quote(oneLine(select.node.getText(sourceFile)))}`,
        evidence: { start: select.node.getStart(sourceFile), end: select.node.getEnd() },
      });
      continue;
    }
    if (!found) {
      // `findUnique({ where })` with the where a parameter, scoped at every call (orm/prisma.ts judgedAtCalls).
      out.push(
        input.judged?.settled.has(q.call)
          ? {
              kind: "callers",
              table: q.table,
              start,
              end,
              message: "its where is a parameter, and every call of its function passes one that scopes it",
            }
          : { kind: "predicate", table: q.table, start, end, message: "tenant predicate in the query" },
      );
      continue;
    }
    const text = found.text;
    const message =
      found.kind === "parent"
        ? `owned through its scoped parent ${quote(text)}`
        : found.kind === "shared-or-owned"
          ? `shared or owned rows only ${quote(text)}`
          : found.kind === "credential"
            ? `looked up by a credential, which decides the tenant: ${quote(text)}`
            : found.kind === "membership"
              ? `the signed-in user's own memberships: ${quote(text)}`
              : found.kind === "own-rows"
                ? `the signed-in user's own rows: ${quote(text)}`
                : found.kind === "share-link"
                  ? `read by a share link the config declares (shareKeys): ${quote(text)}`
                  : found.kind === "public-rows"
                    ? `reads only rows their tenant made public: ${quote(text)}`
                    : q.kind === "write" && found.inData
                      ? `tenant set on write ${quote(text)}`
                      : `tenant predicate ${quote(text)}`;
    out.push({
      kind: found.kind,
      table: q.table,
      start,
      end,
      message,
      evidence: { start: found.start, end: found.end },
    });
  }
  return out;
}

/** A Prisma one-row read (`findUnique`, `findFirst`) that selects only its tenant key: its `select` (explain-evidence.ts ownerLookupSelect). */
function ownerLookup(
  input: OrmProofInput,
  q: OrmQuery,
  table: TenantTable,
): { node: ts.Node; exists?: boolean } | undefined {
  const tsm = input.ts;
  const call = q.call;
  const method = tsm.isCallExpression(call) ? calleeName(tsm, call) : undefined;
  if (q.kind !== "read" || !method || !Object.hasOwn(OPERATIONS, method)) return undefined;
  if (OPERATIONS[method]!.reads === "counts") {
    const counted = countTestsPresence(tsm, call as ts.CallExpression);
    return counted && { node: counted, exists: true };
  }
  if (OPERATIONS[method]!.reads !== "looks up") return undefined;
  const owner = ownerLookupSelect(tsm, call as ts.CallExpression, input.model, table);
  if (owner) return { node: owner };
  const exists = existenceCheck(tsm, call as ts.CallExpression);
  return exists && { node: exists, exists: true };
}

/** Hover and `--explain` wording for a query through a scoped client. */
function scopedClientWording(receiver: ts.Node, sourceFile: ts.SourceFile): Pick<Proof, "message" | "evidence"> {
  return {
    message: `runs through the scoped client ${quote(receiver.getText(sourceFile))}`,
    evidence: { start: receiver.getStart(sourceFile), end: receiver.getEnd() },
  };
}

/** `text` in backticks on one line, shortened for a terminal row or a hover. */
function quote(text: string): string {
  return `\`${oneLine(text)}\``;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > 100 ? `${line.slice(0, 97)}...` : line;
}

function refSpan(site: SqlSite, start: number, end: number): { start: number; end: number } {
  const from = site.toFileOffset(start);
  return { start: from, end: Math.max(from + 1, fileEnd(site, end)) };
}

/**
 * Maps an exclusive SQL end offset into the file (as analyze.ts does for findings); an end inside
 * a hole's placeholder ends after the interpolation (`${tenantId}`, its brace included).
 */
function fileEnd(site: SqlSite, end: number): number {
  if (end <= 0) return site.toFileOffset(0);
  const hole = site.holes.find((h) => end > h.sqlStart && end <= h.sqlEnd);
  if (hole) {
    const after = hole.expr.getEnd();
    const brace = /^\s*\}/.exec(hole.expr.getSourceFile().text.slice(after, after + 8));
    return brace ? after + brace[0].length : after;
  }
  return site.toFileOffset(Math.min(end, site.sql.length) - 1) + 1;
}

/** The proofs about the query under `offset`, innermost first (the hovers of both editors' front ends). */
export function proofsAt(proofs: readonly Proof[], offset: number): Proof[] {
  return proofs
    .filter((p) => offset >= p.start && offset < p.end)
    .sort((a, b) => a.end - a.start - (b.end - b.start) || a.table.localeCompare(b.table));
}

/** One hover line per proof, the same words in every editor. */
export function proofHoverText(proof: Proof): string {
  return `tenantguard: scoped — ${proof.message} (${proof.table})`;
}

/** What an editor shows at `offset`: the proofs' lines, and the innermost proven query's span. */
export function proofHoverAt(
  proofs: readonly Proof[],
  offset: number,
): { text: string; start: number; end: number } | undefined {
  const here = proofsAt(proofs, offset);
  if (!here.length) return undefined;
  return { text: [...new Set(here.map(proofHoverText))].join("\n\n"), start: here[0].start, end: here[0].end };
}

/** The head of an ownership check that falls through (`if (doc.tenantId !== tenantId)`), for related information. */
export function fallsThroughSpan(sourceFile: ts.SourceFile, check: ts.IfStatement): RelatedSpan {
  const start = check.getStart(sourceFile);
  const close = sourceFile.text.indexOf(")", check.expression.getEnd());
  const end = close >= 0 && close < check.thenStatement.getStart(sourceFile) ? close + 1 : check.expression.getEnd();
  return {
    start,
    end,
    message: "This ownership check falls through: its branch neither throws nor returns.",
  };
}

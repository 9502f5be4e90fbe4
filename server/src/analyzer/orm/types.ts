// The one shape every ORM module has (DESIGN.md: adding an ORM is adding a file).
import type ts from "typescript";
import type { ResolvedConfig } from "../config/types";
import type { TenantValue } from "../fixes/tenant-value";
import type { OrmName, TenantModel } from "../model/types";
import type { SqlParser } from "../sql/parse";
import type { Fix, RuleId } from "../types";

export interface OrmContext {
  ts: typeof ts;
  sourceFile: ts.SourceFile;
  /** Present in type-aware mode: recognise clients and values by type. */
  checker?: ts.TypeChecker;
  model: TenantModel;
  config: ResolvedConfig;
  /** The real Postgres parser, for SQL fragments inside ORM calls (TypeORM `where` strings). */
  parser: SqlParser;
  /** The function a call runs, when its body can be seen (flow/functions.ts). */
  resolveFunction?(call: ts.CallExpression): ts.FunctionLikeDeclaration | undefined;
  /** What a top-level const is initialised with, in its file or the module it is imported from. */
  constValue?(id: ts.Identifier): ts.Expression | undefined;
  /** The class or interface a name declares in a file, or imports into it (orm/declared-fields.ts). */
  typeNamed?(
    file: ts.SourceFile,
    name: string,
  ): ts.ClassDeclaration | ts.InterfaceDeclaration | ts.TypeAliasDeclaration | undefined;
  /** The enum a name declares in a file, or imports into it (`TableName` of a schema module). */
  enumNamed?(file: ts.SourceFile, name: string): ts.EnumDeclaration | undefined;
  /** The tenant value a fix should insert at `node` (a `tenantId` in scope, `tenantExpression`, or a placeholder). */
  tenantValueAt(node: ts.Node, tenantField: string): TenantValue;
  /**
   * For an expression that is (a field of) a parameter of a named function (`where` of a
   * repository's `orders({ where })`): every call of that function and what it passes there, in
   * the caller's file (flow/callers.ts). Undefined when there are no calls, or one cannot be followed.
   */
  passedAtCalls?(expr: ts.Expression): readonly { call: ts.CallExpression; passed: ts.Expression }[] | undefined;
  /** What one check of the file decided beyond its findings, for the flow and `--explain` (orm/prisma.ts). */
  judged?: OrmJudgements;
}

export interface OrmJudgements {
  /** A query whose where is its function's parameter: the calls whose where scoped it (judgedAtCalls). */
  settled: Map<ts.Node, ReadonlySet<ts.Node>>;
  /** Reads exempt because they hand back only an owner or whether a row exists: no scoped rows for the flow. */
  lookups: Set<ts.Node>;
  /** Query builders that run nowhere here (handed on, or returned to callers judged at their calls): neither scoped nor proven. */
  handedOn?: Set<ts.Node>;
}

/** One finding about one ORM call, in file offsets. */
export interface OrmFinding {
  ruleId: RuleId;
  start: number;
  end: number;
  message: string;
  /** The tenant-owned table (SQL name) the call reads or writes. */
  table?: string;
  fixes: Fix[];
  /** The whole query call: a next-line suppression above its statement covers the finding. */
  call: ts.Node;
  /** The client the query runs through (`prisma`, `this.repo`, `tx`), for scoped/unscoped resolution later. */
  receiver?: ts.Expression;
  /** What identifies the finding across unrelated edits (rule, table, normalized call text). */
  identity: string;
}

export interface OrmModule {
  name: OrmName;
  /**
   * Cheap test whether the file can hold this ORM's calls (an import of the package, or a
   * receiver the type checker knows): files that cannot are skipped without a walk.
   */
  appliesTo(ctx: OrmContext): boolean;
  /** Every finding about this ORM's calls in the file. Never throws on any input. */
  check(ctx: OrmContext): OrmFinding[];
  /**
   * Every query call on a tenant-owned table, scoped by a predicate or not, with its receiver:
   * what `unscoped-client` checks (a predicate does not make a root client safe). Optional.
   */
  queries?(ctx: OrmContext): OrmQuery[];
}

/** One ORM query call on a tenant-owned table. */
export interface OrmQuery {
  call: ts.Node;
  /** The client the query runs through (`prisma`, `tx`, `this.db`). */
  receiver: ts.Expression;
  /** The tenant-owned table (SQL name). */
  table: string;
  kind: "read" | "write";
}

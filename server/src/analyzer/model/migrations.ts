// SQL migrations -> the tables they leave behind. Each file is parsed whole by the real
// Postgres parser and its statements applied in order, so a column added in one migration
// and renamed in a later one ends up as Postgres would have it.
import type {
  AlterTableStmt,
  Constraint,
  CreatePolicyStmt,
  CreateStmt,
  DropStmt,
  Node,
  RangeVar,
  RenameStmt,
} from "@pgsql/types";
import type { SqlParser } from "../sql/parse";
import type { AnalyzerFileSystem, InputError } from "../types";
import type { ForeignKey, ModelSource } from "./types";

export interface MigrationPolicy {
  name: string;
  /** `all`, `select`, `insert`, `update` or `delete`. */
  command: string;
  permissive: boolean;
  /** Role names; `public`, `current_user`, ... for the special ones. */
  roles: string[];
  /** The USING and WITH CHECK expressions as parsed, for the RLS check to inspect. */
  using?: Node;
  withCheck?: Node;
  source: ModelSource;
}

export interface MigrationTable {
  /** As Postgres stores it: unquoted names folded to lower case, quoted ones kept. */
  name: string;
  /** The schema the definition named; undefined for an unqualified name. */
  schema?: string;
  columns: string[];
  /** Columns declared NOT NULL. (Optional: a table read back from a live catalog has none.) */
  notNull?: string[];
  /** Primary key columns, for `REFERENCES parent` with no column list. */
  primaryKey?: string[];
  /** `REFERENCES` / `FOREIGN KEY` constraints; `required` is settled once every file is applied. */
  foreignKeys?: ForeignKey[];
  rls: { enabled: boolean; forced: boolean };
  policies: MigrationPolicy[];
  /** Where the CREATE TABLE statement is. */
  source: ModelSource;
}

/** The tables after applying migrations so far, keyed by `schema.name` (`public` when unqualified). */
export type MigrationState = Map<string, MigrationTable>;

/** Reads and applies the files in natural path order; a file that does not parse is reported and skipped. */
export function readMigrations(
  fs: AnalyzerFileSystem,
  files: readonly string[],
  parser: SqlParser,
): { tables: MigrationTable[]; errors: InputError[] } {
  const state: MigrationState = new Map();
  const errors: InputError[] = [];
  for (const file of [...files].sort(compareNatural)) {
    const text = fs.readFile(file);
    if (text === undefined) errors.push({ file, message: `cannot read migration ${file}` });
    else errors.push(...applyMigration(state, parser, file, text));
  }
  for (const table of state.values()) settleForeignKeys(state, table);
  return { tables: [...state.values()], errors };
}

/** Applies one migration's statements to the state; returns the parse error, if any. */
export function applyMigration(state: MigrationState, parser: SqlParser, file: string, text: string): InputError[] {
  if (text.trim() === "") return []; // the parser rejects empty input; an empty migration is fine
  const parsed = parser.parse(text);
  if ("error" in parsed) {
    // A half-read migration would give a wrong model, so the whole file is left out.
    return [{ file, message: `SQL syntax error: ${parsed.error.message}`, ...positionIn(text)(parsed.error.position) }];
  }
  const positionAt = positionIn(text);
  for (const raw of parsed.tree.stmts ?? []) {
    if (!raw.stmt) continue;
    const source = (): ModelSource => ({
      file,
      kind: "migration",
      ...positionAt(parsed.toCharOffset(raw.stmt_location ?? 0)),
    });
    applyStatement(state, raw.stmt, source);
  }
  return [];
}

/** Path order where numbers compare as numbers: `2_x.sql` before `10_x.sql`. */
export function compareNatural(a: string, b: string): number {
  const partsA = a.match(/\d+|\D+/g) ?? [];
  const partsB = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(partsA.length, partsB.length); i++) {
    const [x, y] = [partsA[i], partsB[i]];
    if (x === y) continue;
    const numeric = /^\d/.test(x) && /^\d/.test(y);
    if (numeric && BigInt(x) !== BigInt(y)) return BigInt(x) < BigInt(y) ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return partsA.length - partsB.length;
}

export function applyStatement(state: MigrationState, stmt: Node, source: () => ModelSource): void {
  if ("CreateStmt" in stmt) createTable(state, stmt.CreateStmt, source());
  else if ("AlterTableStmt" in stmt) alterTable(state, stmt.AlterTableStmt);
  else if ("RenameStmt" in stmt) rename(state, stmt.RenameStmt);
  else if ("AlterObjectSchemaStmt" in stmt) {
    const { objectType, relation, newschema } = stmt.AlterObjectSchemaStmt;
    const table = objectType === "OBJECT_TABLE" ? findTable(state, relation) : undefined;
    if (table && newschema) moveTable(state, table, table.name, newschema);
  } else if ("DropStmt" in stmt) drop(state, stmt.DropStmt);
  else if ("CreatePolicyStmt" in stmt) createPolicy(state, stmt.CreatePolicyStmt, source());
  else if ("AlterPolicyStmt" in stmt) {
    const { table: relation, policy_name, qual, with_check, roles } = stmt.AlterPolicyStmt;
    const policy = findTable(state, relation)?.policies.find((p) => p.name === policy_name);
    if (!policy) return;
    if (qual) policy.using = qual;
    if (with_check) policy.withCheck = with_check;
    if (roles) policy.roles = roles.map(roleName);
  }
}

function createTable(state: MigrationState, create: CreateStmt, source: ModelSource): void {
  const relation = create.relation;
  if (!relation?.relname) return;
  const key = keyOf(relation.schemaname, relation.relname);
  if (create.if_not_exists && state.has(key)) return;
  // Inherited and partition-parent columns come first, as Postgres orders them; LIKE copies in place.
  const columns: string[] = [];
  const table: MigrationTable = {
    name: relation.relname,
    schema: relation.schemaname,
    columns: [],
    notNull: [],
    primaryKey: [],
    foreignKeys: [],
    rls: { enabled: false, forced: false },
    policies: [],
    source,
  };
  for (const parent of create.inhRelations ?? []) {
    if ("RangeVar" in parent) columns.push(...(findTable(state, parent.RangeVar)?.columns ?? []));
  }
  for (const element of create.tableElts ?? []) {
    if ("ColumnDef" in element && element.ColumnDef.colname) {
      columns.push(element.ColumnDef.colname);
      columnConstraints(table, element.ColumnDef.colname, element.ColumnDef.constraints);
    } else if ("TableLikeClause" in element)
      columns.push(...(findTable(state, element.TableLikeClause.relation)?.columns ?? []));
    else if ("Constraint" in element) tableConstraint(table, element.Constraint);
  }
  table.columns = [...new Set(columns)];
  state.set(key, table);
}

/** NOT NULL, PRIMARY KEY and REFERENCES written on a column. */
function columnConstraints(table: MigrationTable, column: string, constraints: Node[] | undefined): void {
  for (const node of constraints ?? []) {
    if (!("Constraint" in node)) continue;
    const c = node.Constraint;
    if (c.contype === "CONSTR_NOTNULL") (table.notNull ??= []).push(column);
    else if (c.contype === "CONSTR_PRIMARY") table.primaryKey = [column];
    else if (c.contype === "CONSTR_FOREIGN") tableConstraint(table, { ...c, fk_attrs: [{ String: { sval: column } }] });
  }
}

/** `PRIMARY KEY (...)` and `FOREIGN KEY (...) REFERENCES parent (...)`, in CREATE TABLE or ADD CONSTRAINT. */
function tableConstraint(table: MigrationTable, c: Constraint): void {
  if (c.contype === "CONSTR_PRIMARY") table.primaryKey = stringList(c.keys);
  else if (c.contype === "CONSTR_FOREIGN" && c.pktable?.relname) {
    (table.foreignKeys ??= []).push({
      columns: stringList(c.fk_attrs),
      parent: c.pktable.relname,
      ...(c.pktable.schemaname ? { parentSchema: c.pktable.schemaname } : {}),
      parentColumns: stringList(c.pk_attrs),
      required: false,
    });
  }
}

/** A foreign key is required when every column is NOT NULL (a primary key column is); an implicit target is the parent's key. */
function settleForeignKeys(state: MigrationState, table: MigrationTable): void {
  const notNull = [...(table.notNull ?? []), ...(table.primaryKey ?? [])];
  for (const fk of table.foreignKeys ?? []) {
    fk.required = fk.columns.length > 0 && fk.columns.every((c) => notNull.includes(c));
    if (fk.parentColumns.length === 0) {
      const parent = findTable(state, { relname: fk.parent, schemaname: fk.parentSchema });
      fk.parentColumns = parent?.primaryKey?.length ? [...parent.primaryKey] : ["id"];
    }
  }
}

function stringList(nodes: Node[] | undefined): string[] {
  return (nodes ?? []).flatMap((n) => ("String" in n && n.String.sval ? [n.String.sval] : []));
}

function alterTable(state: MigrationState, alter: AlterTableStmt): void {
  if (alter.objtype !== "OBJECT_TABLE") return;
  const table = findTable(state, alter.relation);
  if (!table) return; // a table from outside the migrations we read: nothing to update
  for (const node of alter.cmds ?? []) {
    if (!("AlterTableCmd" in node)) continue;
    const cmd = node.AlterTableCmd;
    switch (cmd.subtype) {
      case "AT_AddColumn": {
        const def = cmd.def && "ColumnDef" in cmd.def ? cmd.def.ColumnDef : undefined;
        const name = def?.colname;
        if (name && !table.columns.includes(name)) {
          table.columns.push(name);
          columnConstraints(table, name, def.constraints);
        }
        break;
      }
      case "AT_DropColumn":
        table.columns = table.columns.filter((c) => c !== cmd.name);
        table.foreignKeys = table.foreignKeys?.filter((fk) => !fk.columns.includes(cmd.name ?? ""));
        break;
      case "AT_AddConstraint":
        if (cmd.def && "Constraint" in cmd.def) tableConstraint(table, cmd.def.Constraint);
        break;
      case "AT_SetNotNull":
        if (cmd.name) (table.notNull ??= []).push(cmd.name);
        break;
      case "AT_DropNotNull":
        table.notNull = table.notNull?.filter((c) => c !== cmd.name);
        break;
      case "AT_EnableRowSecurity":
        table.rls.enabled = true;
        break;
      case "AT_DisableRowSecurity":
        table.rls.enabled = false;
        break;
      case "AT_ForceRowSecurity":
        table.rls.forced = true;
        break;
      case "AT_NoForceRowSecurity":
        table.rls.forced = false;
        break;
    }
  }
}

function rename(state: MigrationState, stmt: RenameStmt): void {
  const table = findTable(state, stmt.relation);
  if (!table || !stmt.newname) return;
  if (stmt.renameType === "OBJECT_TABLE") moveTable(state, table, stmt.newname, table.schema);
  else if (stmt.renameType === "OBJECT_COLUMN" && stmt.relationType === "OBJECT_TABLE") {
    const renamed = (c: string) => (c === stmt.subname ? stmt.newname! : c);
    table.columns = table.columns.map(renamed);
    table.notNull = table.notNull?.map(renamed);
    table.primaryKey = table.primaryKey?.map(renamed);
    for (const fk of table.foreignKeys ?? []) fk.columns = fk.columns.map(renamed);
  } else if (stmt.renameType === "OBJECT_POLICY") {
    const policy = table.policies.find((p) => p.name === stmt.subname);
    if (policy) policy.name = stmt.newname;
  }
}

function drop(state: MigrationState, stmt: DropStmt): void {
  for (const object of stmt.objects ?? []) {
    const parts =
      "List" in object ? (object.List.items ?? []).map((n) => ("String" in n ? (n.String.sval ?? "") : "")) : [];
    if (stmt.removeType === "OBJECT_TABLE") {
      const table = findTable(state, rangeVarOf(parts));
      if (table) state.delete(keyOf(table.schema, table.name));
    } else if (stmt.removeType === "OBJECT_POLICY" && parts.length >= 2) {
      const policyName = parts[parts.length - 1];
      const table = findTable(state, rangeVarOf(parts.slice(0, -1)));
      if (table) table.policies = table.policies.filter((p) => p.name !== policyName);
    }
  }
}

function createPolicy(state: MigrationState, stmt: CreatePolicyStmt, source: ModelSource): void {
  const table = findTable(state, stmt.table);
  if (!table || !stmt.policy_name) return;
  table.policies.push({
    name: stmt.policy_name,
    command: stmt.cmd_name ?? "all",
    permissive: stmt.permissive ?? false, // the parser omits false: AS RESTRICTIVE
    roles: (stmt.roles ?? []).map(roleName),
    using: stmt.qual,
    withCheck: stmt.with_check,
    source,
  });
}

function moveTable(state: MigrationState, table: MigrationTable, name: string, schema: string | undefined): void {
  // Postgres keeps foreign keys pointing at the renamed table.
  for (const other of state.values()) {
    for (const fk of other.foreignKeys ?? []) {
      if (findTable(state, { relname: fk.parent, schemaname: fk.parentSchema }) !== table) continue;
      fk.parent = name;
      if (schema) fk.parentSchema = schema;
      else delete fk.parentSchema;
    }
  }
  state.delete(keyOf(table.schema, table.name));
  table.name = name;
  table.schema = schema;
  state.set(keyOf(schema, name), table);
}

/**
 * Resolves a reference the way a default search_path would: an unqualified name is
 * `public.name`, or else the one table of that name in any schema.
 */
function findTable(state: MigrationState, relation: RangeVar | undefined): MigrationTable | undefined {
  if (!relation?.relname) return undefined;
  const exact = state.get(keyOf(relation.schemaname, relation.relname));
  if (exact || relation.schemaname) return exact;
  const named = [...state.values()].filter((t) => t.name === relation.relname);
  return named.length === 1 ? named[0] : undefined;
}

function rangeVarOf(parts: string[]): RangeVar {
  return parts.length >= 2
    ? { schemaname: parts[parts.length - 2], relname: parts[parts.length - 1] }
    : { relname: parts[0] };
}

function keyOf(schema: string | undefined, name: string): string {
  return `${schema ?? "public"}.${name}`;
}

function roleName(node: Node): string {
  if (!("RoleSpec" in node)) return "";
  const { rolename, roletype } = node.RoleSpec;
  return rolename ?? (roletype ?? "").replace(/^ROLESPEC_/, "").toLowerCase();
}

/** 1-based line and column (UTF-16) of an offset; line starts are computed once per file. */
function positionIn(text: string): (offset: number) => { line: number; column: number } {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo] + 1 };
  };
}

import type { RuleId, SeveritySetting } from "../types";

export type IsolationLevel = "row" | "rls" | "schema" | "database";

/** One entry of the config's `tables`. */
export interface TableOverride {
  tenantColumn?: string;
  global?: boolean;
  /** Foreign keys no schema source declares: column -> "table.column". */
  references?: Record<string, string>;
  /** Columns whose value is a share link: reads keyed by them (or by a child's key to them) need no tenant filter. */
  shareKeys?: string[];
}

/** `tenantguard.config.json` as written by the user (after schema validation). */
export interface ConfigFile {
  $schema?: string;
  tenantColumns?: string[];
  isolation?: IsolationLevel;
  schema?: { migrations?: string[]; prisma?: string[]; drizzle?: string[]; typeorm?: string[]; sequelize?: string[] };
  tables?: Record<string, TableOverride>;
  globalTables?: string[];
  clients?: { scoped?: string[]; unscoped?: string[]; allowUnscopedIn?: string[] };
  tenantExpression?: string;
  authorizers?: string[];
  rules?: Partial<Record<RuleId, SeveritySetting>>;
  ignore?: string[];
}

/** The config every analyzer call receives: defaults filled in, nothing optional. */
export interface ResolvedConfig {
  /** Absolute path of the config file, or undefined when running zero-config. */
  configFile: string | undefined;
  /** Directory globs and relative paths are resolved against. */
  rootDir: string;
  tenantColumns: string[];
  isolation: IsolationLevel;
  schema: { migrations: string[]; prisma: string[]; drizzle: string[]; typeorm: string[]; sequelize: string[] };
  tables: Record<string, TableOverride>;
  globalTables: string[];
  clients: { scoped: string[]; unscoped: string[]; allowUnscopedIn: string[] };
  /** Expression a fix inserts as the tenant value in tagged templates; undefined: a placeholder. */
  tenantExpression: string | undefined;
  /** Authorization functions by name (flow/authorizers.ts adds the ones whose names say so). */
  authorizers: string[];
  rules: Record<RuleId, SeveritySetting>;
  ignore: string[];
}

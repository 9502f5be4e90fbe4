// Finding, reading and resolving tenantguard.config.json. Pure: every file access goes
// through the AnalyzerFileSystem the front end passes in.
import { dirname, isAbsolute, join } from "node:path";
import { RULES } from "../rules/index";
import { RULE_IDS, type AnalyzerFileSystem, type InputError, type RuleId, type SeveritySetting } from "../types";
import type { ConfigFile, ResolvedConfig } from "./types";
import { validateConfigText } from "./validate";

export const CONFIG_FILE_NAME = "tenantguard.config.json";

/** Where schema sources are looked for when the config does not say (the usual layouts). */
export const DEFAULT_SCHEMA_GLOBS: Readonly<ResolvedConfig["schema"]> = {
  migrations: [
    "db/migrations/**/*.sql",
    "migrations/**/*.sql",
    "prisma/migrations/**/migration.sql",
    "supabase/migrations/**/*.sql",
    "drizzle/**/*.sql",
    "sql/**/*.sql",
    "schema.sql",
    "db/schema.sql",
  ],
  prisma: [
    "prisma/schema.prisma",
    "prisma/schema/*.prisma",
    "schema.prisma",
    // Monorepos keep the schema in a package: packages/database/schema.prisma, packages/db/prisma/...
    "packages/*/schema.prisma",
    "packages/*/prisma/schema.prisma",
    "packages/*/prisma/schema/*.prisma",
    "apps/*/prisma/schema.prisma",
  ],
  drizzle: [],
  typeorm: ormModelGlobs(),
  sequelize: ormModelGlobs(),
};

/**
 * Where else a Prisma schema sits when none of the default places holds one (prisma.ts reads these
 * only then, so an `examples/*` or fixture schema never joins a project's own): beside the code
 * (Remix's app/database/schema.prisma, src/db/schema.prisma), or an app of a monorepo in any folder
 * (jitsu's webapps/console/prisma/schema.prisma).
 */
export const FALLBACK_PRISMA_GLOBS: readonly string[] = [
  "*/schema.prisma",
  "*/*/schema.prisma",
  "*/*/prisma/schema.prisma",
  "*/prisma/schema/*.prisma",
  "*/*/prisma/schema/*.prisma",
];

/** Where backends keep entity and model classes: under `src/` (or a top folder's, `backend/src/`), and in a monorepo's packages and apps. */
function ormModelGlobs(): string[] {
  const inSource = [
    "**/*.entity.ts",
    "**/*-entity.ts",
    "**/entities/**/*.ts",
    "**/entity/*.ts",
    "**/models/**/*.ts",
    "**/*.model.ts",
  ];
  // `app/` and `server/` are where apps without a `src/` keep theirs (grist's app/gen-server/entity).
  return ["src", "*/src", "packages/**/src", "apps/*/src", "app", "server"].flatMap((dir) =>
    inSource.map((g) => `${dir}/${g}`),
  );
}

/** Walks up from startDir (absolute) to the filesystem root; returns the absolute path or undefined. */
export function findConfigFile(fs: AnalyzerFileSystem, startDir: string): string | undefined {
  let dir = startDir;
  for (;;) {
    const candidate = join(dir, CONFIG_FILE_NAME);
    if (fs.fileExists(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Parses and validates config text. Errors name the key path (`clients.scoped[1]`), the
 * file and the 1-based line and column of the offending value; JSON syntax errors carry
 * their position too. Unknown keys are errors.
 */
export function parseConfig(text: string, file: string): { config?: ConfigFile; errors: InputError[] } {
  return validateConfigText(text, file);
}

/** Fills defaults. rootDir = directory of the config file, or cwd when none. */
export function resolveConfig(
  config: ConfigFile | undefined,
  rootDir: string,
  configFile: string | undefined,
): ResolvedConfig {
  const c = config ?? {};
  // Copies throughout: a resolved config must not alias the user's object or the defaults.
  return {
    configFile,
    rootDir,
    tenantColumns: [...(c.tenantColumns ?? [])],
    isolation: c.isolation ?? "row",
    schema: {
      migrations: [...(c.schema?.migrations ?? DEFAULT_SCHEMA_GLOBS.migrations)],
      prisma: [...(c.schema?.prisma ?? DEFAULT_SCHEMA_GLOBS.prisma)],
      drizzle: [...(c.schema?.drizzle ?? DEFAULT_SCHEMA_GLOBS.drizzle)],
      typeorm: [...(c.schema?.typeorm ?? DEFAULT_SCHEMA_GLOBS.typeorm)],
      sequelize: [...(c.schema?.sequelize ?? DEFAULT_SCHEMA_GLOBS.sequelize)],
    },
    tables: Object.fromEntries(Object.entries(c.tables ?? {}).map(([name, t]) => [name, { ...t }])),
    globalTables: [...(c.globalTables ?? [])],
    clients: {
      scoped: [...(c.clients?.scoped ?? [])],
      unscoped: [...(c.clients?.unscoped ?? [])],
      allowUnscopedIn: [...(c.clients?.allowUnscopedIn ?? [])],
    },
    tenantExpression: c.tenantExpression,
    authorizers: [...(c.authorizers ?? [])],
    rules: resolveRules(c.rules),
    ignore: [...(c.ignore ?? [])],
  };
}

/** find + read + parse + resolve; a missing config is not an error (zero-config). */
export function loadConfig(
  fs: AnalyzerFileSystem,
  options: { cwd: string; configPath?: string },
): { config: ResolvedConfig; errors: InputError[] } {
  const { cwd, configPath } = options;
  if (configPath !== undefined) {
    // An explicit --config that is missing is a usage mistake, unlike an absent default config.
    const file = isAbsolute(configPath) ? configPath : join(cwd, configPath);
    if (!fs.fileExists(file)) {
      return {
        config: resolveConfig(undefined, cwd, undefined),
        errors: [{ file, message: `config file not found: ${file}` }],
      };
    }
    return loadFrom(fs, file);
  }
  const found = findConfigFile(fs, cwd);
  return found ? loadFrom(fs, found) : { config: resolveConfig(undefined, cwd, undefined), errors: [] };
}

function loadFrom(fs: AnalyzerFileSystem, file: string): { config: ResolvedConfig; errors: InputError[] } {
  const rootDir = dirname(file);
  const text = fs.readFile(file);
  if (text === undefined) {
    return {
      config: resolveConfig(undefined, rootDir, file),
      errors: [{ file, message: `cannot read config file ${file}` }],
    };
  }
  // An invalid config still yields the defaults, so an editor keeps working while the user types.
  const { config, errors } = parseConfig(text, file);
  return { config: resolveConfig(config, rootDir, file), errors };
}

function resolveRules(overrides: ConfigFile["rules"]): Record<RuleId, SeveritySetting> {
  const rules = {} as Record<RuleId, SeveritySetting>;
  for (const id of RULE_IDS) rules[id] = overrides?.[id] ?? RULES[id].defaultSeverity;
  return rules;
}

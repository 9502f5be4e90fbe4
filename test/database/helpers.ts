// Shared by the db-check tests: a fast PGlite factory (initdb once per process, then each
// database restores that data directory: about 1 s instead of 5), and a project runner.
import { resolveConfig } from "../../server/src/analyzer/config/load";
import type { ConfigFile } from "../../server/src/analyzer/config/types";
import { readMigrationHistory } from "../../server/src/analyzer/migrations";
import { discoverTenantModel } from "../../server/src/analyzer/model/discover";
import { loadSqlParser } from "../../server/src/analyzer/sql/parse";
import { checkEmbedded, checkLive, type DbCheckInput } from "../../server/src/database/check";
import type { PgliteFactory, PgliteLike } from "../../server/src/database/pglite";
import type { DbCheckResult, SqlSession } from "../../server/src/database/types";
import { createMemoryFs } from "../helpers/memory-fs";

let dataDir: Promise<Blob> | undefined;

export const fastPglite: PgliteFactory = async (extensions) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PGlite } = require("@electric-sql/pglite") as typeof import("@electric-sql/pglite");
  dataDir ??= (async () => {
    const seed = await PGlite.create();
    const dump = await seed.dumpDataDir("none");
    await seed.close();
    return dump;
  })();
  return (await PGlite.create({
    loadDataDir: await dataDir,
    extensions: extensions as never,
  })) as unknown as PgliteLike;
};

/** The db-check input for migrations given as `name -> SQL`, applied in name order. */
export async function inputFor(
  files: Record<string, string>,
  config: ConfigFile = { isolation: "rls" },
): Promise<DbCheckInput> {
  const parser = await loadSqlParser();
  const paths = Object.fromEntries(Object.entries(files).map(([name, text]) => [`/p/db/migrations/${name}`, text]));
  const fs = createMemoryFs(paths);
  const resolved = resolveConfig(
    { tenantColumns: ["tenant_id"], schema: { migrations: ["db/migrations/*.sql"] }, ...config },
    "/p",
    undefined,
  );
  const { model } = discoverTenantModel(fs, resolved, parser);
  const migrationFiles = fs.glob(resolved.schema.migrations, "/p");
  const staticHistory = readMigrationHistory(fs, migrationFiles, parser);
  return { config: resolved, model, parser, fs, migrationFiles, staticHistory };
}

export async function embedded(files: Record<string, string>, config?: ConfigFile): Promise<DbCheckResult> {
  return checkEmbedded(await inputFor(files, config), fastPglite);
}

export async function live(
  session: SqlSession,
  files: Record<string, string>,
  allowWrites: boolean,
  config?: ConfigFile,
): Promise<DbCheckResult> {
  return checkLive(await inputFor(files, config), session, allowWrites);
}

/** `table: status` per table, plus the leak descriptions, for compact assertions. */
export function verdicts(result: DbCheckResult): Record<string, string> {
  return Object.fromEntries(
    result.tables.map((t) => [
      t.name,
      t.policyTest.status === "leaking"
        ? `leaking: ${t.policyTest.leaks.map((l) => l.what).join("; ")}`
        : t.policyTest.status === "isolated"
          ? "isolated"
          : `${t.policyTest.status}: ${t.policyTest.reason}`,
    ]),
  );
}

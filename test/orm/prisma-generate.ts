// Runs `prisma generate` for a fixture project: the real Prisma 7 client (TypeScript sources)
// from its prisma/schema.prisma into the schema's `output`. Offline: `generate` never starts the
// schema engine, but the CLI downloads one unless it is given a path to a file that exists (it
// only checks the path), and the download's checksum unless told not to.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

const CLI = join(require.resolve("prisma/package.json"), "..", "build", "index.js");

/**
 * Generates the client for `dir` (which holds prisma/schema.prisma, whose `output` is
 * ../generated/prisma) into dir/generated/prisma; throws with the CLI's output when it fails.
 * Another test run may be reading that client at the same time, so the CLI writes into a
 * private copy and only the files that differ are replaced, each by an atomic rename.
 */
export function generatePrismaClient(dir: string): void {
  const staging = join(dir, "generated", `.staging-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, "prisma"), { recursive: true });
  try {
    copyFileSync(join(dir, "prisma", "schema.prisma"), join(staging, "prisma", "schema.prisma"));
    const run = spawnSync(process.execPath, [CLI, "generate", "--schema", join("prisma", "schema.prisma")], {
      cwd: staging,
      encoding: "utf8",
      timeout: 60_000,
      env: {
        ...process.env,
        PRISMA_SCHEMA_ENGINE_BINARY: process.execPath,
        PRISMA_ENGINES_CHECKSUM_IGNORE_MISSING: "1",
        CHECKPOINT_DISABLE: "1",
        PRISMA_HIDE_UPDATE_MESSAGE: "1",
      },
    });
    if (run.status !== 0)
      throw new Error(
        `prisma generate failed for ${dir} (${run.error?.message ?? `exit ${run.status}`}):\n${run.stdout}${run.stderr}`,
      );
    publish(join(staging, "generated", "prisma"), join(dir, "generated", "prisma"));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function publish(from: string, to: string): void {
  for (const file of filesUnder(from)) {
    const target = join(to, relative(from, file));
    const text = readFileSync(file);
    if (readIfExists(target)?.equals(text)) continue;
    mkdirSync(dirname(target), { recursive: true });
    const temp = `${target}.${process.pid}.tmp`;
    writeFileSync(temp, text);
    renameSync(temp, target);
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

function readIfExists(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

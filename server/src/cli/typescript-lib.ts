import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import ts from "typescript";

/**
 * TypeScript looks for lib.*.d.ts beside the running script, which in the bundle is dist/,
 * where they are not. The `typescript` package tenantguard depends on has them.
 */
export function typescriptLibDir(): string {
  const beside = dirname(ts.getDefaultLibFilePath({}));
  if (existsSync(join(beside, "lib.d.ts"))) return beside;
  try {
    return dirname(require.resolve("typescript/lib/lib.d.ts"));
  } catch {
    return beside;
  }
}

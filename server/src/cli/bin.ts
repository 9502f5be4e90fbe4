// The `tenantguard` bin (dist/cli.js): loads the CLI bundle beside it (dist/cli-main.js) through
// V8's code cache, starts it, and keeps the code an analysis run compiled for the next run.
import { join } from "node:path";
import { loadWithCompileCache } from "./compile-cache";
import type { start } from "./main";

const cli = loadWithCompileCache(join(__dirname, "cli-main.js"));
(cli.exports as { start: typeof start }).start(() => cli.save());

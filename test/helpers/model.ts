// The tenant model a project's schema files give, read from memory the way the CLI reads disk:
// the files under /p, the config resolved against /p.
import ts from "typescript";
import { resolveConfig } from "../../server/src/analyzer/config/load";
import type { ConfigFile } from "../../server/src/analyzer/config/types";
import { discoverTenantModel } from "../../server/src/analyzer/model/discover";
import type { TenantModel } from "../../server/src/analyzer/model/types";
import type { SqlParser } from "../../server/src/analyzer/sql/parse";
import { createMemoryFs } from "./memory-fs";

export function modelOf(parser: SqlParser, files: Record<string, string>, config: ConfigFile): TenantModel {
  return discoverTenantModel(createMemoryFs(files), resolveConfig(config, "/p", undefined), parser, ts).model;
}

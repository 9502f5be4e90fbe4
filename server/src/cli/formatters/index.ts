import type { Formatter } from "../report";
import { formatGithub } from "./github";
import { formatJson } from "./json";
import { formatSarif } from "./sarif";
import { formatStylish } from "./stylish";

export const FORMATS = ["stylish", "json", "sarif", "github"] as const;
export type FormatName = (typeof FORMATS)[number];

export const FORMATTERS: Record<FormatName, Formatter> = {
  stylish: formatStylish,
  json: formatJson,
  sarif: formatSarif,
  github: formatGithub,
};

// argv → CliOptions. Every usage problem becomes exit 2 with a message, never a throw,
// so `run` only ever sees a valid request.
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { RULE_IDS, type RuleId, type SeveritySetting } from "../analyzer/types";
import { FORMATS, type FormatName } from "./formatters";

export interface CliOptions {
  paths: string[];
  config?: string;
  project?: string;
  format: FormatName;
  output?: string;
  fix: boolean;
  baseline?: string;
  updateBaseline: boolean;
  allowNew: boolean;
  maxWarnings?: number;
  /** `--rule` overrides, applied over the config's `rules`. */
  rules: Partial<Record<RuleId, SeveritySetting>>;
  /** `--explain`: also report how each safe query was proven (stylish and json). */
  explain: boolean;
  /** `--threads`: analysis threads; undefined: one per core for large runs on 4+ cores. */
  threads?: number;
}

export type ParsedArgs =
  | { kind: "run"; options: CliOptions }
  /** `--help`, `--version` (exit 0) or a usage error (exit 2): print and stop. */
  | { kind: "exit"; exitCode: 0 | 2; stdout: string; stderr: string };

export const EXIT_USAGE = 2;
const LEVELS: readonly SeveritySetting[] = ["off", "info", "warning", "error"];

export function parseArgs(argv: readonly string[], version: string): ParsedArgs {
  let stdout = "";
  let stderr = "";
  const program = buildProgram(version)
    .exitOverride()
    .configureOutput({ writeOut: (s) => void (stdout += s), writeErr: (s) => void (stderr += s) });

  try {
    program.parse([...argv], { from: "user" });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    const exitCode = e.exitCode === 0 ? 0 : EXIT_USAGE;
    if (exitCode === EXIT_USAGE) stderr += "Run `tenantguard --help` for usage.\n";
    return { kind: "exit", exitCode, stdout, stderr };
  }

  const raw = program.opts<RawOptions>();
  const usage = (message: string): ParsedArgs => ({
    kind: "exit",
    exitCode: EXIT_USAGE,
    stdout: "",
    stderr: `error: ${message}\nRun \`tenantguard --help\` for usage.\n`,
  });
  if (raw.updateBaseline && !raw.baseline) return usage("--update-baseline needs --baseline <file>");
  if (raw.allowNew && !raw.updateBaseline) return usage("--allow-new only applies with --update-baseline");

  return {
    kind: "run",
    options: {
      paths: program.args.length ? program.args : ["."],
      config: raw.config,
      project: raw.project,
      format: raw.format,
      output: raw.output,
      fix: !!raw.fix,
      baseline: raw.baseline,
      updateBaseline: !!raw.updateBaseline,
      allowNew: !!raw.allowNew,
      maxWarnings: raw.maxWarnings,
      rules: Object.fromEntries(raw.rule ?? []),
      explain: !!raw.explain,
      threads: raw.threads,
    },
  };
}

/** Also used to print `--help` in the README and the report. */
export function buildProgram(version: string): Command {
  return new Command()
    .name("tenantguard")
    .description("Find and fix multi-tenant data leaks in TypeScript backends.")
    .usage("[options] [paths...]")
    .argument("[paths...]", "files or directories to check (default: .)")
    .option("--config <file>", "config file (default: nearest tenantguard.config.json)")
    .option("--project <tsconfig>", "type-aware mode: analyze with the TypeChecker of this tsconfig.json")
    .addOption(new Option("--format <format>", "output format").choices(FORMATS).default("stylish"))
    .option("--output <file>", "write the report to a file instead of stdout")
    .option("--fix", "apply safe fixes in place, then report what remains")
    .option("--baseline <file>", "hide findings recorded in this baseline file")
    .option("--update-baseline", "rewrite the baseline: drop fixed entries (creates the file if missing)")
    .option("--allow-new", "with --update-baseline: also record new findings")
    .option("--max-warnings <n>", "exit 1 when there are more than n warnings", parseMaxWarnings)
    .option("--rule <id=level>", "set a rule's level: off, info, warning or error (repeatable)", collectRule)
    .option("--explain", "also show how each safe query was proven (stylish and json; sarif and github ignore it)")
    .option(
      "--threads <n>",
      "analysis threads (default: one per core on 4+ cores for runs of 150+ files; 1: none)",
      parseThreads,
    )
    .version(version, "-v, --version", "print the version")
    .helpOption("-h, --help", "show this help")
    .addHelpText(
      "after",
      [
        "",
        "Exit codes:",
        "  0  no findings at error level",
        "  1  findings at error level, or more warnings than --max-warnings",
        "  2  usage, config or internal error",
        "",
        "Examples:",
        "  tenantguard                               check the current directory",
        "  tenantguard src --format sarif --output tenantguard.sarif",
        "  tenantguard --rule dynamic-sql=off --max-warnings 0",
        "  tenantguard --baseline .tenantguard-baseline.json --update-baseline",
        "",
        "The database layer (row-level security proven in a real Postgres; `tenantguard db-check --help`):",
        "  tenantguard db-check [dir] [--database-url <url>] [--allow-writes] [--format ...] [--output <file>]",
      ].join("\n"),
    );
}

interface RawOptions {
  config?: string;
  project?: string;
  format: FormatName;
  output?: string;
  fix?: boolean;
  baseline?: string;
  updateBaseline?: boolean;
  allowNew?: boolean;
  maxWarnings?: number;
  rule?: [RuleId, SeveritySetting][];
  explain?: boolean;
  threads?: number;
}

function parseMaxWarnings(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("Expected a whole number, 0 or more.");
  return Number(value);
}

function parseThreads(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 64)
    throw new InvalidArgumentError("Expected a whole number from 1 to 64.");
  return Number(value);
}

function collectRule(value: string, previous: [RuleId, SeveritySetting][] = []): [RuleId, SeveritySetting][] {
  const eq = value.indexOf("=");
  if (eq < 0) throw new InvalidArgumentError("Expected <rule-id>=<level>, e.g. missing-tenant-filter=warning.");
  const id = value.slice(0, eq).trim();
  const level = value.slice(eq + 1).trim();
  if (!(RULE_IDS as readonly string[]).includes(id)) {
    throw new InvalidArgumentError(`Unknown rule "${id}". Rules: ${RULE_IDS.join(", ")}.`);
  }
  if (!(LEVELS as readonly string[]).includes(level)) {
    throw new InvalidArgumentError(`Unknown level "${level}" for ${id}. Levels: ${LEVELS.join(", ")}.`);
  }
  return [...previous, [id as RuleId, level as SeveritySetting]];
}

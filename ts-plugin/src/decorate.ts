// The language-service decorator: every method of tsserver's language service passes
// through, five are extended. Each extension runs after the original and falls back to the
// original's result when it throws: a tenantguard bug must never cost the user TypeScript.
import type ts from "typescript";
import type { RuleId } from "../../server/src/analyzer";
import { FIX_ALL_ID, ruleOfCode, SUPPORTED_CODES } from "./codes";
import type { ProjectAnalysis } from "./project-analysis";
import { findingsToDiagnostics } from "./translate-diagnostics";
import { codeFixesAt, fixAllInFile } from "./translate-fixes";
import { withProofs } from "./translate-proofs";

export function decorateLanguageService(
  tsm: typeof ts,
  ls: ts.LanguageService,
  analysis: ProjectAnalysis,
  log: (message: string) => void,
): ts.LanguageService {
  const proxy = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(ls)) {
    const member = (ls as unknown as Record<string, unknown>)[key];
    proxy[key] =
      typeof member === "function"
        ? (...args: unknown[]) => (member as (...a: unknown[]) => unknown).apply(ls, args)
        : member;
  }
  const decorated = proxy as unknown as ts.LanguageService;

  const guarded = <T>(method: string, original: T, extend: () => T): T => {
    try {
      return extend();
    } catch (error) {
      log(
        `${method} failed, returning TypeScript's own result: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      return original;
    }
  };

  decorated.getSemanticDiagnostics = (fileName) => {
    const original = ls.getSemanticDiagnostics(fileName);
    return guarded("getSemanticDiagnostics", original, () => {
      const result = analysis.findingsFor(fileName);
      if (!result) return original;
      const ours = findingsToDiagnostics(tsm, result.sourceFile, result.findings);
      return ours.length ? [...original, ...ours] : original;
    });
  };

  decorated.getCodeFixesAtPosition = (fileName, start, end, errorCodes, formatOptions, preferences) => {
    const rules = new Set<RuleId>();
    const others: number[] = [];
    for (const code of errorCodes) {
      const rule = ruleOfCode(code);
      if (rule) rules.add(rule);
      else others.push(code);
    }
    if (rules.size === 0 || !analysis.enabled) {
      return ls.getCodeFixesAtPosition(fileName, start, end, errorCodes, formatOptions, preferences);
    }
    const original = others.length
      ? ls.getCodeFixesAtPosition(fileName, start, end, others, formatOptions, preferences)
      : [];
    return guarded("getCodeFixesAtPosition", original, () => {
      const result = analysis.findingsFor(fileName);
      if (!result) return original;
      const newLine = formatOptions?.newLineCharacter ?? (result.sourceFile.text.includes("\r\n") ? "\r\n" : "\n");
      return [...original, ...codeFixesAt(tsm, result.sourceFile, result.findings, { start, end }, rules, newLine)];
    });
  };

  decorated.getSupportedCodeFixes = (fileName) => {
    const original = ls.getSupportedCodeFixes(fileName);
    return guarded("getSupportedCodeFixes", original, () =>
      analysis.enabled ? [...original, ...SUPPORTED_CODES] : original,
    );
  };

  decorated.getCombinedCodeFix = (scope, fixId, formatOptions, preferences) => {
    if (fixId !== FIX_ALL_ID || !analysis.enabled)
      return ls.getCombinedCodeFix(scope, fixId, formatOptions, preferences);
    const empty: ts.CombinedCodeActions = { changes: [] };
    return guarded("getCombinedCodeFix", empty, () => {
      const result = analysis.findingsFor(scope.fileName);
      return result ? fixAllInFile(result.sourceFile, result.findings) : empty;
    });
  };

  // Hovering a query tenantguard proved safe says how (the CLI's `--explain` proof).
  decorated.getQuickInfoAtPosition = (fileName, position, ...rest) => {
    const original = ls.getQuickInfoAtPosition(fileName, position, ...rest);
    if (!analysis.enabled) return original;
    return guarded("getQuickInfoAtPosition", original, () => {
      const result = analysis.proofsFor(fileName);
      return result ? withProofs(tsm, original, result.proofs, position) : original;
    });
  };

  // Not one of the four: closes the plugin's file watchers with the project.
  decorated.dispose = () => {
    analysis.dispose();
    ls.dispose();
  };

  return decorated;
}

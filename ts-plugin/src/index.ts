// tenantguard as a TypeScript language-service plugin: tsserver loads this module (through
// `tenantguard/ts-plugin`), calls the factory with its own `typescript`, and `create`s one
// decorated language service per project. Only that `typescript` is used at run time; the
// bundle leaves the package external so a second copy can never disagree with tsserver.
import type ts from "typescript";
import { decorateLanguageService } from "./decorate";
import { mergePluginOptions, readPluginOptions, type PluginOptions } from "./plugin-options";
import { ProjectAnalysis } from "./project-analysis";

function init(modules: { typescript: typeof ts }): ts.server.PluginModule {
  const tsm = modules.typescript;
  // tsserver calls the factory once per project; these belong to that project.
  const created: { info: ts.server.PluginCreateInfo; analysis: ProjectAnalysis }[] = [];
  let pushed: Partial<PluginOptions> = {};

  return {
    create(info) {
      const log = logTo(info);
      try {
        const analysis = new ProjectAnalysis(tsm, info, optionsFor(info, pushed, log), log);
        created.push({ info, analysis });
        analysis.start();
        return decorateLanguageService(tsm, info.languageService, analysis, log);
      } catch (error) {
        log(
          `not enabled for ${info.project.getProjectName()}: ${error instanceof Error ? error.message : String(error)}`,
        );
        return info.languageService;
      }
    },
    onConfigurationChanged(config: unknown) {
      // Editor settings (VS Code's `configurePlugin`) win over the tsconfig entry, key by key.
      const problems: string[] = [];
      pushed = readPluginOptions(config, problems);
      for (const { info, analysis } of created) {
        const log = logTo(info);
        for (const p of problems) log(`plugin settings: ${p}`);
        analysis.setOptions(optionsFor(info, pushed, log));
      }
    },
  };
}

function optionsFor(
  info: ts.server.PluginCreateInfo,
  pushed: Partial<PluginOptions>,
  log: (m: string) => void,
): PluginOptions {
  const problems: string[] = [];
  const fromTsconfig = readPluginOptions(info.config, problems);
  for (const p of problems) log(`tsconfig plugins entry: ${p}`);
  return mergePluginOptions(fromTsconfig, pushed);
}

function logTo(info: ts.server.PluginCreateInfo): (message: string) => void {
  return (message) => info.project.projectService.logger.info(`tenantguard: ${message}`);
}

export = init;

// ESLint flat config: JS recommended + typescript-eslint recommended for the whole repo.
// Example projects and fixtures are code under test, not our code: they are ignored.
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import tseslint from "typescript-eslint";

// Node's globals for the .mjs/.js scripts (TypeScript files get them from @types/node).
const nodeGlobals = Object.fromEntries(
  [
    "process",
    "console",
    "Buffer",
    "URL",
    "URLSearchParams",
    "TextEncoder",
    "TextDecoder",
    "setTimeout",
    "clearTimeout",
    "setInterval",
    "clearInterval",
    "setImmediate",
    "clearImmediate",
    "queueMicrotask",
    "structuredClone",
    "performance",
    "AbortController",
    "fetch",
    "global",
    "globalThis",
  ].map((name) => [name, "readonly"]),
);

export default defineConfig(
  globalIgnores([
    "**/dist/",
    "**/node_modules/",
    "examples/",
    "test/**/fixtures/",
    "bench/.corpus/",
    // also in .gitignore (Prettier reads that file; ESLint does not)
    "scratch/",
    "test-results/",
    ".tenantguard-cache/",
  ]),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ["**/*.{js,mjs,cjs}"],
    languageOptions: { globals: nodeGlobals },
  },
  {
    // The package has no "type": "module", so .js and .cjs files are CommonJS (ts-plugin/index.js).
    files: ["**/*.{js,cjs}"],
    languageOptions: {
      sourceType: "commonjs",
      globals: {
        module: "writable",
        exports: "writable",
        require: "readonly",
        __dirname: "readonly",
        __filename: "readonly",
      },
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    rules: {
      // `_`-prefixed names are deliberately unused (callback positions, interface conformance).
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" },
      ],
    },
  },
);

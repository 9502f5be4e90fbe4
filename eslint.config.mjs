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
  globalIgnores(["dist/", "node_modules/", "examples/", "test/fixtures/", "bench/.corpus/", "**/*.vsix"]),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ["**/*.{js,mjs,cjs}"],
    languageOptions: { globals: nodeGlobals },
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

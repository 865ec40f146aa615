// ESLint's and typescript-eslint's recommended rules: the syntactic set, not the type-checked one, so
// the whole tree lints in seconds. `npm run lint:code` runs it, first thing in `npm test`.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "coverage/", "bench/node_modules/", "bench/results/", "seeds/data/", "tests/artifacts/"] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // `_` marks what is left unused on purpose: a parameter a signature requires, a property taken out of a rest copy
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true }],
    },
  },
  {
    // the pages' own scripts, served as written to any browser: ES5 style, so `catch (e)` keeps its binding
    files: ["src/**/*.js"],
    languageOptions: { globals: globals.browser, sourceType: "script" },
    rules: { "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", caughtErrors: "none" }] },
  },
  {
    files: ["tests/**"],
    languageOptions: { globals: globals.jest },
    // tests read GraphQL answers and raw rows as `any` (about 300 places): typing each would add nothing
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);

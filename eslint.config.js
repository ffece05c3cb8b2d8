// ESLint for the repository's JavaScript: the recommended rules, and for each folder the globals
// of where its code runs. `npm run lint` (with Prettier, which owns the layout); stage "lint".
import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['build*/', 'wasm/dist/', 'tests/artifacts/', 'bench/results/'] },
  js.configs.recommended,
  {
    // Node: scripts, benchmarks, tests and the config files at the root.
    files: ['scripts/**', 'bench/**', 'tests/**', '*.{js,mjs,cjs}'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
  {
    // The npm package runs in Node, browsers and workers alike.
    files: ['wasm/**/*.js'],
    languageOptions: { globals: { ...globals.node, ...globals.browser, ...globals.worker } },
  },
  {
    // The page: main thread and its workers (web/*-worker.js) share modules.
    files: ['web/**/*.js'],
    languageOptions: { globals: { ...globals.browser, ...globals.worker } },
  },
  {
    // Browser tests pass functions to page.evaluate(), which run in the page.
    files: ['tests/browser/**/*.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
];

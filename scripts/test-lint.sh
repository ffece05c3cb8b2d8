#!/usr/bin/env bash
# Stage "lint": ESLint (eslint.config.js) and Prettier (.prettierrc.json) over the repository, the
# checks of `npm run lint` (`npm run format` fixes most findings), and the Node range declared in
# package.json "devEngines" against what every installed package accepts.
set -uo pipefail
cd "$(dirname "$0")/.."
failed=()
node_modules/.bin/eslint . || failed+=(eslint)
node_modules/.bin/prettier --check --log-level warn . || failed+=(prettier)
node scripts/check-node.cjs --installed || failed+=(devEngines)
[ ${#failed[@]} -eq 0 ] || { echo "test-lint: failed: ${failed[*]}" >&2; exit 1; }
echo "test-lint: eslint, prettier and the Node range found nothing"

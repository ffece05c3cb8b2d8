#!/usr/bin/env bash
# Stage "lint": ESLint (eslint.config.js) and Prettier (.prettierrc.json) over the repository, the
# same checks as `npm run lint` (`npm run format` fixes most findings); the Node floors declared in
# package.json against every installed package's own; the three version strings agree.
set -euo pipefail
cd "$(dirname "$0")/.."
node_modules/.bin/eslint .
node_modules/.bin/prettier --check --log-level warn .
echo "test-lint: eslint and prettier found nothing"
node scripts/check-node.cjs --installed

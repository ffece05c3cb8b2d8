#!/usr/bin/env bash
# Installs npm packages with `npm ci` when missing or older than their lock file.
# Usage: scripts/install-npm.sh NEED...   where each NEED is
#   page   web/package.json: what the page imports (uPlot), for `npm start` and the browser tests
#   dev    package.json devDependencies: test drivers, bundler, linters, benchmark peers
# Never downloads a browser (playwright-core drives Debian's /usr/bin/chromium) nor
# onnxruntime-node's native binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 ONNXRUNTIME_NODE_INSTALL=skip

install() {  # folder why...
  local dir=$1 why=${*:2} stamp=$1/node_modules/.package-lock.json
  if [ -f "$stamp" ] && [ ! "$dir/package-lock.json" -nt "$stamp" ] && [ ! "$dir/package.json" -nt "$stamp" ]; then
    return
  fi
  echo "install-npm: npm ci in $dir/: $why"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
}

[ $# -gt 0 ] || { echo "install-npm: usage: $0 page|dev..." >&2; exit 1; }
for need in "$@"; do
  case $need in
    page) install web "the page's charts (uPlot, web/package.json)" ;;
    dev) install . "the development tools in package.json devDependencies (test drivers, Vite," \
      "ESLint, Prettier, TypeScript, benchmark peers)" ;;
    *) echo "install-npm: unknown need '$need' (expected page or dev)" >&2; exit 1 ;;
  esac
done

#!/usr/bin/env bash
# The one test command (npm test): installs what the tests need on a fresh Debian machine,
# builds, then runs the unit tests and the end-to-end tests in real headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-system-deps.sh

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build
node scripts/run-tests.mjs unit
node scripts/run-tests.mjs e2e

#!/bin/sh
# Installs what web/browser_test.go needs: Debian's Chromium and the pinned
# npm packages (playwright-core, axe-core) in web/e2e/node_modules.
set -eu
cd "$(dirname "$0")"
if ! command -v chromium >/dev/null 2>&1; then
	apt-get install -y --no-install-recommends chromium
fi
if ! command -v node >/dev/null 2>&1; then
	apt-get install -y --no-install-recommends nodejs npm
fi
npm ci --no-audit --no-fund

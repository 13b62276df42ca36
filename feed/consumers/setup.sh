#!/bin/sh
# Installs what feed/consumers/check.sh needs: Debian's podcastparser and
# feedparser, Node.js, and the pinned podcast-partytime in node_modules.
set -eu
cd "$(dirname "$0")"
if ! /usr/bin/python3 -c "import podcastparser, feedparser" >/dev/null 2>&1; then
	apt-get install -y --no-install-recommends python3-podcastparser python3-feedparser
fi
if ! command -v node >/dev/null 2>&1; then
	apt-get install -y --no-install-recommends nodejs npm
fi
npm ci --no-audit --no-fund

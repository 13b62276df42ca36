#!/bin/sh
# check.sh FEED_URL [EXPECT_JSON]
#
# Has real podcast apps' parsers read a running Lyssna's feed and fails on any
# parse error or missing field: gPodder's podcastparser and feedparser
# (Debian's python3-podcastparser and python3-feedparser, run with
# /usr/bin/python3) and the Podcast Index's podcast-partytime (npm, installed
# in this directory by setup.sh). Every item must have a title, a guid, an
# enclosure with URL, length and type, and a duration; the channel a
# podcast:guid and podcast:locked; each item podcast:transcript,
# podcast:chapters and podcast:person. EXPECT_JSON (written by
# server/consumers_test.go) also gives the exact values each parser must read.
set -eu
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 FEED_URL [EXPECT_JSON]" >&2
	exit 2
fi
here="$(cd "$(dirname "$0")" && pwd)"
if [ ! -d "$here/node_modules/podcast-partytime" ]; then
	echo "check.sh: podcast-partytime is not installed; run $here/setup.sh" >&2
	exit 2
fi
status=0
/usr/bin/python3 "$here/check_python.py" "$@" || status=1
node "$here/check_partytime.mjs" "$@" || status=1
if [ "$status" -ne 0 ]; then
	echo "check.sh: FAIL: a parser misread $1" >&2
	exit 1
fi
echo "check.sh: ok: podcastparser, feedparser and podcast-partytime read $1"

#!/bin/sh
# refresh.sh fetches the OPAWG user-agents-v2 data (https://github.com/opawg/user-agents-v2,
# MIT licence) into this directory, reduced to the fields Lyssna reads, with the
# source and the licence in every file. For maintainers: it needs the network
# (curl) and jq, which CI does not have. After it, run
#   go test ./stats -run 'OPAWG|Classify'
# (every example must match its own entry) and review the diff before committing.
set -eu
cd "$(dirname "$0")"
base=${OPAWG_BASE:-https://raw.githubusercontent.com/opawg/user-agents-v2/master}
curl -fsSL "$base/LICENSE" -o LICENSE.tmp
mv LICENSE.tmp LICENSE
for f in bots apps libraries browsers devices referrers; do
	curl -fsSL "$base/src/$f.json" | jq \
		--arg src "https://github.com/opawg/user-agents-v2/blob/master/src/$f.json" \
		--rawfile lic LICENSE \
		'{source: $src, license: $lic,
		  note: "Reduced by refresh.sh to the fields Lyssna reads (name, pattern, examples, category); the entries and their order are upstream'"'"'s.",
		  entries: [.entries[] | {name, pattern}
		    + (if .examples then {examples} else {} end)
		    + (if .category then {category} else {} end)]}' >"$f.json.tmp"
	mv "$f.json.tmp" "$f.json"
done
echo "OPAWG data refreshed; now run: go test ./stats -run 'OPAWG|Classify'"

#!/usr/bin/env bash
# bench/run.sh (make bench): Lyssna's speed side by side with what a user
# could run instead (nginx, the AWS CLI, ffprobe), on one machine in one run,
# as ratios. It installs its tools when missing, generates its media with
# ffmpeg into bench/work/, starts Lyssna and the baselines on loopback, prints
# one table and writes it with a description of the machine to
# bench/results.md. See bench/README.md.
#
# Environment:
#   BENCH_ONLY="feed media stats page upload probe build prod"  run only these sections
#   BENCH_POSTGRES_URL=postgres://...  the PostgreSQL server of the production section (default:
#                       LYSSNA_TEST_POSTGRES_URL, else postgres://postgres@127.0.0.1:5432/postgres);
#                       the section makes and drops a database lyssna_bench there
#   BENCH_DURATION=10s  BENCH_CONNECTIONS=64  BENCH_THREADS=2   wrk settings
#   BENCH_ROUNDS=2      alternating Lyssna/baseline rounds per case (best of)
#   BENCH_CPU_ROUNDS=4  alternating rounds of the feed's CPU-per-answer case (best of)
#   BENCH_RESULTS=path  where to write the results (default bench/results.md)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
BENCH=$ROOT/bench
WORK=$BENCH/work
MEDIA=$WORK/media
BIN=$WORK/bin
RESULTS=${BENCH_RESULTS:-$BENCH/results.md}
ONLY=${BENCH_ONLY:-all}
DUR=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
ROUNDS=${BENCH_ROUNDS:-2}
# CPU per answer swings more between rounds than throughput does (the bare
# server alone measured 23-33 µs in four rounds in a quiet minute), so its
# best is taken over more rounds.
CPU_ROUNDS=${BENCH_CPU_ROUNDS:-4}
GO=${GO:-go}
AWS=/usr/bin/aws
TOKEN=bench-admin-token-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
S3_KEY=benchaccess
S3_SECRET=benchsecret0123456789
VERSITYGW_VERSION=v1.8.0
export LC_ALL=C

STARTED=$(date +%s)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
ROWS=$WORK/rows.tsv
PIDS=()

log() { printf '\n==> %s\n' "$*" >&2; }
note() { printf '    %s\n' "$*" >&2; }
die() {
	printf 'bench: %s\n' "$*" >&2
	exit 1
}
want() { [[ $ONLY == all || " $ONLY " == *" $1 "* ]]; }

# stop ends the processes this script started (only those, by PID).
stop() {
	local pid
	for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
	for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
}
cleanup() {
	if ((${#PIDS[@]})); then stop "${PIDS[@]}"; fi
	rm -rf "$WORK/s3" "$WORK/lyssna-s3"-* 2>/dev/null || true
}
trap cleanup EXIT

# ---- arithmetic and the results table ----

# calc EXPR: floating-point arithmetic with awk.
calc() { awk "BEGIN { printf \"%.10g\", ($1) }"; }
fmt() { awk -v v="$1" -v d="${2:-1}" 'BEGIN { printf "%.*f", d, v }'; }

# row SECTION BENCHMARK LYSSNA BASELINE RATIO TARGET MET
row() {
	local IFS=$'\t'
	printf '%s\n' "$*" >>"$ROWS"
}

# verdict_min RATIO TARGET: met when RATIO >= TARGET, else by how much it is short.
verdict_min() {
	awk -v r="$1" -v t="$2" 'BEGIN {
		if (r >= t) print "yes"; else printf "no: %.0f%% short (%.2f× of %.2f×)", (1 - r / t) * 100, r, t }'
}
# verdict_max VALUE LIMIT UNIT: met when VALUE <= LIMIT.
verdict_max() {
	awk -v v="$1" -v l="$2" -v u="$3" 'BEGIN {
		if (v <= l) { print "yes"; exit }
		d = v - l; f = (d < 0.1 && d >= 0.001) ? "%.3f" : (d < 1 ? "%.2f" : "%.1f")
		printf "no: " f " %s over", d, u }'
}

# ---- tools ----

install_tools() {
	log "tools"
	local pkgs=()
	command -v wrk >/dev/null || pkgs+=(wrk)
	command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || pkgs+=(nginx)
	{ command -v ffmpeg && command -v ffprobe; } >/dev/null || pkgs+=(ffmpeg)
	[[ -x $AWS ]] || pkgs+=(awscli)
	command -v curl >/dev/null || pkgs+=(curl)
	if ((${#pkgs[@]})); then
		note "installing ${pkgs[*]} with apt-get"
		local sudo=()
		((EUID == 0)) || sudo=(sudo)
		"${sudo[@]}" apt-get update -qq
		DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
	fi
	NGINX=$(command -v nginx || echo /usr/sbin/nginx)
	note "wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}'), $($NGINX -v 2>&1 | sed 's/.*: //'), $(ffmpeg -version | head -1 | awk '{print $1, $3}'), $($AWS --version 2>&1 | awk '{print $1}')"
}

build() {
	log "build"
	make -s build BIN=bin/lyssna
	mkdir -p "$BIN"
	$GO build -o "$BIN/" ./bench/cmd/...
	note "bin/lyssna $(bin/lyssna version 2>/dev/null | head -1)"
}

# ---- media (kept in bench/work/media between runs; delete it to regenerate) ----

# repeat_to OUT PIECE BYTES: OUT is PIECE concatenated until it has at least BYTES.
repeat_to() {
	local out=$1 piece=$2 want=$3
	[[ -s $out && $(stat -c %s "$out") -ge $want ]] && return
	local tmp=$out.tmp
	: >"$tmp"
	while (($(stat -c %s "$tmp") < want)); do cat "$piece" >>"$tmp"; done
	mv "$tmp" "$out"
}

# encode OUT ARGS...: ffmpeg with no tags and no Xing/Info header, so the
# pieces concatenate into one valid stream whose length only a walk can tell.
encode() {
	local out=$1
	shift
	[[ -s $out ]] && return
	ffmpeg -nostdin -v error -y "$@" -c:a libmp3lame -write_xing 0 -id3v2_version 0 -write_id3v1 0 -f mp3 "$out.tmp"
	mv "$out.tmp" "$out"
}

make_media() {
	log "media (ffmpeg, into ${MEDIA#"$ROOT"/})"
	mkdir -p "$MEDIA"
	encode "$MEDIA/tiny.mp3" -f lavfi -i "sine=frequency=440:sample_rate=44100:duration=1" -ac 1 -b:a 32k
	# CBR: 125 s of tone and pink noise at 320 kbit/s, about 5 MB.
	encode "$MEDIA/cbr-piece.mp3" -f lavfi -i "sine=frequency=330:sample_rate=44100:duration=125" \
		-f lavfi -i "anoisesrc=color=pink:amplitude=0.2:sample_rate=44100:duration=125" \
		-filter_complex amix=inputs=2 -ac 2 -b:a 320k
	# VBR: 300 s of noise swelling and fading (so frame sizes vary widely), LAME -V2.
	encode "$MEDIA/vbr-piece.mp3" -f lavfi -i "anoisesrc=color=pink:amplitude=0.5:sample_rate=44100:duration=300" \
		-af "volume='0.02+0.98*abs(sin(t/9))':eval=frame" -ac 2 -q:a 2
	repeat_to "$MEDIA/media-50MB.mp3" "$MEDIA/cbr-piece.mp3" $((50 * 1000 * 1000))
	repeat_to "$MEDIA/cbr-200MB.mp3" "$MEDIA/cbr-piece.mp3" $((200 * 1000 * 1000))
	repeat_to "$MEDIA/vbr-200MB.mp3" "$MEDIA/vbr-piece.mp3" $((200 * 1000 * 1000))
	repeat_to "$MEDIA/upload-1GiB.mp3" "$MEDIA/cbr-piece.mp3" $((1024 * 1024 * 1024))
	rm -f "$MEDIA/upload-512MiB.mp3" # the upload was 512 MiB before issue 19 asked for 1 GiB
	local f
	for f in media-50MB cbr-200MB vbr-200MB upload-1GiB; do
		note "$f.mp3: $(stat -c %s "$MEDIA/$f.mp3") bytes"
	done
}

# ---- processes ----

# start_lyssna NAME [VAR=VALUE...]: a fresh Lyssna with its own data dir on a
# free loopback port; sets LY_URL and LY_PID.
start_lyssna() {
	local name=$1 dir=$WORK/$1
	shift
	rm -rf "$dir"
	mkdir -p "$dir"
	# The API rate limit is lifted: seeding sends hundreds of requests a second.
	env LYSSNA_LISTEN=127.0.0.1:0 LYSSNA_DATA_DIR="$dir/data" LYSSNA_ADMIN_TOKEN="$TOKEN" LYSSNA_API_RATE_LIMIT=100000 \
		LYSSNA_MEDIA_DELIVERY=proxy "$@" "$ROOT/bin/lyssna" serve >"$dir/stdout" 2>"$dir/log" &
	LY_PID=$!
	PIDS+=("$LY_PID")
	local i
	for i in $(seq 100); do
		# 2>/dev/null: under load the background job may not have made the file yet.
		LY_URL=$(sed -n 's|^Lyssna is listening on \(http://[^/]*\)/.*|\1|p' "$dir/stdout" 2>/dev/null || true)
		[[ -n $LY_URL ]] && break
		kill -0 "$LY_PID" 2>/dev/null || die "Lyssna ($name) exited: $(tail -5 "$dir/log")"
		sleep 0.1
	done
	[[ -n $LY_URL ]] || die "Lyssna ($name) did not start; see $dir/log"
	curl -fsS -o /dev/null "$LY_URL/readyz" || die "Lyssna ($name) is not ready; see $dir/log"
	# LYSSNA_ADMIN_TOKEN bootstraps the token on an empty instance; should a
	# build not do that, make one with the CLI against the same data dir.
	LY_TOKEN=$TOKEN
	if [[ $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $LY_TOKEN" "$LY_URL/api/v1/shows") == 401 ]]; then
		note "LYSSNA_ADMIN_TOKEN was not accepted; creating a token with lyssna token create"
		LY_TOKEN=$(env LYSSNA_DATA_DIR="$dir/data" "$@" "$ROOT/bin/lyssna" token create --name bench 2>>"$dir/log") ||
			die "lyssna token create failed; see $dir/log"
	fi
	note "Lyssna ($name) pid $LY_PID on $LY_URL"
}

start_nginx() {
	local dir=$WORK/nginx
	NGINX_PORT=$("$BIN/freeport")
	mkdir -p "$dir/tmp"
	sed -e "s|@DIR@|$dir|g" -e "s|@PORT@|$NGINX_PORT|g" -e "s|@USER@|$(id -un)|g" \
		"$BENCH/nginx.conf" >"$dir/nginx.conf"
	"$NGINX" -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf" &
	NGINX_PID=$!
	PIDS+=("$NGINX_PID")
	NGINX_URL=http://127.0.0.1:$NGINX_PORT
	local i
	for i in $(seq 50); do
		curl -fsS -o /dev/null "$NGINX_URL/ping.txt" 2>/dev/null && break
		kill -0 "$NGINX_PID" 2>/dev/null || die "nginx exited: $(tail -5 "$dir/error.log")"
		sleep 0.1
	done
	note "nginx pid $NGINX_PID on $NGINX_URL"
}

# ---- CPU accounting ----

CLK_TCK=$(getconf CLK_TCK)
# cpu_ticks PID...: user + system CPU ticks the processes have used (0 for gone ones).
cpu_ticks() {
	local pid t=0 v
	for pid in "$@"; do
		v=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0)
		t=$((t + v))
	done
	echo "$t"
}

# ---- wrk ----

# wrk_run NAME URL [wrk args...]: a 1 s warm-up, then the measured run; sets
# W_RPS, W_MBPS (decimal MB/s), W_P99 (ms) and W_ERRORS.
wrk_run() {
	local name=$1 url=$2
	shift 2
	local args=(-t"$THREADS" -c"$CONNS" --timeout 60s --latency -s "$BENCH/report.lua" "$@")
	wrk "${args[@]}" -d1s "$url" >/dev/null
	# CPU_PIDS (the server's processes) and DB_PIDS (its database backends),
	# when set, are charged per request over the measured run only.
	local c0 c1 d0 d1 x0 x1
	c0=$(cpu_ticks ${CPU_PIDS:-}) d0=$(cpu_ticks ${DB_PIDS:-})
	[[ -n ${PG_DB:-} ]] && x0=$(pg_xacts)
	wrk "${args[@]}" -d"$DUR" "$url" >"$WORK/wrk-$name.txt" 2>&1 || die "wrk $name failed: $(cat "$WORK/wrk-$name.txt")"
	c1=$(cpu_ticks ${CPU_PIDS:-}) d1=$(cpu_ticks ${DB_PIDS:-})
	local line kv
	line=$(grep '^BENCH ' "$WORK/wrk-$name.txt") || die "wrk $name printed no summary: $(cat "$WORK/wrk-$name.txt")"
	local -A w
	for kv in ${line#BENCH }; do w[${kv%%=*}]=${kv#*=}; done
	W_RPS=$(calc "${w[requests]} / (${w[duration_us]} / 1e6)")
	W_MBPS=$(calc "${w[bytes]} / ${w[duration_us]}")
	W_P99=$(calc "${w[p99_us]} / 1000")
	W_ERRORS=$((${w[status_errors]} + ${w[connect_errors]} + ${w[read_errors]} + ${w[write_errors]} + ${w[timeouts]}))
	W_REQS=${w[requests]}
	W_CPU_US=$(calc "($c1 - $c0) * 1e6 / $CLK_TCK / ${w[requests]}")
	W_DBCPU_US=$(calc "($d1 - $d0) * 1e6 / $CLK_TCK / ${w[requests]}")
	W_QPR=
	if [[ -n ${PG_DB:-} ]]; then
		sleep 11 # PostgreSQL 15 flushes an idle backend's counters within 10 s
		x1=$(pg_xacts)
		W_QPR=$(calc "($x1 - $x0) / ${w[requests]}")
	fi
	note "$(printf '%-24s %10.0f req/s %9.1f MB/s  p99 %7.2f ms  errors %d' "$name" "$W_RPS" "$W_MBPS" "$W_P99" "$W_ERRORS")"
	((W_ERRORS == 0)) || note "  $name had $W_ERRORS errors: see ${WORK#"$ROOT"/}/wrk-$name.txt"
}

# wrk_pair NAME: ROUNDS alternating runs of Lyssna (L_URL, L_ARGS) and the
# baseline (N_URL, N_ARGS), so both see the same swings in the machine's load;
# keeps each side's best round: L_RPS L_MBPS L_P99 and N_RPS N_MBPS N_P99.
wrk_pair() {
	local name=$1 round
	L_RPS=0 L_MBPS=0 L_P99=0 N_RPS=0 N_MBPS=0 N_P99=0
	for ((round = 1; round <= ROUNDS; round++)); do
		wrk_run "$name-lyssna-$round" "$L_URL" "${L_ARGS[@]}"
		if (($(calc "$W_RPS > $L_RPS"))); then L_RPS=$W_RPS L_MBPS=$W_MBPS L_P99=$W_P99; fi
		wrk_run "$name-nginx-$round" "$N_URL" "${N_ARGS[@]}"
		if (($(calc "$W_RPS > $N_RPS"))); then N_RPS=$W_RPS N_MBPS=$W_MBPS N_P99=$W_P99; fi
	done
}

# expect_status WANT URL [curl args...]: checks one request's status first, so
# wrk never measures the wrong answer.
expect_status() {
	local want=$1 url=$2 got
	shift 2
	got=$(curl -s -o /dev/null -w '%{http_code}' "$@" "$url")
	[[ $got == "$want" ]] || die "GET $url $* answered $got, want $want"
}

# ---- the fixture show on the filesystem backend ----

seed_fs() {
	log "Lyssna on the filesystem backend, 300 published episodes and a 50 MB one (API)"
	start_lyssna lyssna-fs LYSSNA_STORAGE=filesystem
	FS_URL=$LY_URL FS_PID=$LY_PID
	local t0 t1 k v
	t0=$(date +%s%N)
	"$BIN/seed" -url "$FS_URL" -token "$LY_TOKEN" -show bench -n 300 -audio "$MEDIA/tiny.mp3" \
		-big "$MEDIA/media-50MB.mp3" >"$WORK/seed.tsv" || die "seeding through the API failed"
	t1=$(date +%s%N)
	declare -gA SEED=()
	while IFS=$'\t' read -r k v; do SEED[$k]=$v; done <"$WORK/seed.tsv"
	note "seeded in $(calc "($t1 - $t0) / 1e9") s: feed ${SEED[feed]}"

	# nginx serves the very bytes Lyssna serves, at the same paths.
	local root=$WORK/nginx/root fpath mpath ppath
	rm -rf "$root"
	mkdir -p "$root"
	echo ok >"$root/ping.txt"
	fpath=${SEED[feed]#"$FS_URL"}
	mpath=${SEED[big_media]#"$FS_URL"}
	ppath=${SEED[page]#"$FS_URL"}
	mkdir -p "$root$(dirname "$fpath")" "$root$(dirname "$mpath")" "$root$ppath"
	curl -fsS -H 'Accept-Encoding: identity' -o "$root$fpath" "${SEED[feed]}"
	curl -fsS -H 'Accept-Encoding: gzip' -o "$root$fpath.gz" "${SEED[feed]}"
	gzip -t "$root$fpath.gz" 2>/dev/null || die "Lyssna's feed with Accept-Encoding: gzip is not gzip"
	touch -r "$root$fpath" "$root$fpath.gz"
	cp "$MEDIA/media-50MB.mp3" "$root$mpath"
	curl -fsS -o "$root${ppath%/}/index.html" "${SEED[page]}"
	curl -fsS "${SEED[big_media]}" | cmp -s - "$MEDIA/media-50MB.mp3" || die "Lyssna's media bytes differ from the upload"
	FEED_BYTES=$(stat -c %s "$root$fpath")
	FEED_GZ_BYTES=$(stat -c %s "$root$fpath.gz")
	PAGE_BYTES=$(stat -c %s "$root${ppath%/}/index.html")
	MEDIA_BYTES=$(stat -c %s "$MEDIA/media-50MB.mp3")
	ITEMS=$(grep -o '<item>' "$root$fpath" | wc -l)
	note "feed: $ITEMS items, $FEED_BYTES bytes, $FEED_GZ_BYTES gzipped; page $PAGE_BYTES bytes"
	((ITEMS == 301)) || die "the feed has $ITEMS items, want 301"
	FEED_PATH=$fpath MEDIA_PATH=$mpath PAGE_PATH=$ppath
	start_nginx
}

bench_feed() {
	log "feed: wrk -t$THREADS -c$CONNS -d$DUR, $ITEMS items"
	local ly=$FS_URL$FEED_PATH ng=$NGINX_URL$FEED_PATH gz=(-H 'Accept-Encoding: gzip')
	local ly_etag ng_etag
	ly_etag=$(curl -fsS -o /dev/null -D - "${gz[@]}" "$ly" | sed -n 's/^[Ee][Tt][Aa][Gg]: *//p' | tr -d '\r')
	ng_etag=$(curl -fsS -o /dev/null -D - "${gz[@]}" "$ng" | sed -n 's/^[Ee][Tt][Aa][Gg]: *//p' | tr -d '\r')
	[[ -n $ly_etag && -n $ng_etag ]] || die "no ETag (Lyssna '$ly_etag', nginx '$ng_etag')"
	[[ $(curl -fsS -o /dev/null -D - "${gz[@]}" "$ng" | tr -d '\r' | grep -ci '^content-encoding: gzip') == 1 ]] ||
		die "nginx does not serve the feed gzipped"
	expect_status 200 "$ly" "${gz[@]}"
	expect_status 304 "$ly" "${gz[@]}" -H "If-None-Match: $ly_etag"
	expect_status 304 "$ng" "${gz[@]}" -H "If-None-Match: $ng_etag"

	local r
	L_URL=$ly N_URL=$ng L_ARGS=("${gz[@]}") N_ARGS=("${gz[@]}")
	wrk_pair feed-gzip
	r=$(calc "$L_RPS / $N_RPS")
	row Feed "full GET, gzip ($ITEMS items, $(fmt "$(calc "$FEED_GZ_BYTES / 1000")" 0) kB): req/s" \
		"$(fmt "$L_RPS" 0)" "$(fmt "$N_RPS" 0)" "$(fmt "$r" 2)×" "≥ 0.8×" "$(verdict_min "$r" 0.8)"
	row Feed "full GET, gzip: p99 latency" "$(fmt "$L_P99" 2) ms" "$(fmt "$N_P99" 2) ms" \
		"$(fmt "$(calc "$L_P99 / $N_P99")" 2)×" "" ""

	# Server CPU per cached feed answer: Lyssna against a bare net/http server
	# returning the same bytes (bench/cmd/bareserve), each alone under wrk;
	# beside them, for the findings, the bare server with lyssna serve's
	# connection timeouts (bareserve -timeouts), which it has no target against.
	local bare_pid bare_url guarded_pid guarded_url i ly_cpu bare_cpu guarded_cpu
	start_bareserve() { # OUT [flags...]: sets BARE_PID and BARE_URL
		local out=$1 j
		shift
		"$BIN/bareserve" -file "$WORK/nginx/root$FEED_PATH.gz" -encoding gzip -etag "$ly_etag" "$@" >"$out" 2>&1 &
		BARE_PID=$!
		PIDS+=("$BARE_PID")
		for j in $(seq 50); do
			BARE_URL=$(sed -n 's|^listening on ||p' "$out" 2>/dev/null || true)
			[[ -n $BARE_URL ]] && return
			sleep 0.1
		done
		die "bareserve did not start: $(cat "$out")"
	}
	start_bareserve "$WORK/bareserve.out"
	bare_pid=$BARE_PID bare_url=$BARE_URL
	start_bareserve "$WORK/bareserve-timeouts.out" -timeouts
	guarded_pid=$BARE_PID guarded_url=$BARE_URL
	ly_cpu=999999 bare_cpu=999999 guarded_cpu=999999
	for i in $(seq "$CPU_ROUNDS"); do
		CPU_PIDS=$FS_PID wrk_run "feed-cpu-lyssna-$i" "$ly" "${gz[@]}"
		ly_cpu=$(calc "$W_CPU_US < $ly_cpu ? $W_CPU_US : $ly_cpu")
		CPU_PIDS=$bare_pid wrk_run "feed-cpu-bare-$i" "$bare_url$FEED_PATH" "${gz[@]}"
		bare_cpu=$(calc "$W_CPU_US < $bare_cpu ? $W_CPU_US : $bare_cpu")
		CPU_PIDS=$guarded_pid wrk_run "feed-cpu-bare-timeouts-$i" "$guarded_url$FEED_PATH" "${gz[@]}"
		guarded_cpu=$(calc "$W_CPU_US < $guarded_cpu ? $W_CPU_US : $guarded_cpu")
	done
	stop "$bare_pid" "$guarded_pid"
	r=$(calc "$ly_cpu / $bare_cpu")
	row Feed "cached feed answer (gzip): server CPU per request (best of $CPU_ROUNDS)" "$(fmt "$ly_cpu" 1) µs" \
		"$(fmt "$bare_cpu" 1) µs (bare net/http)" "$(fmt "$r" 2)×" "≤ 1.2×" "$(verdict_max "$r" 1.2 ×)"
	row Feed "the same against the bare server with lyssna serve's read-header and idle timeouts" "$(fmt "$ly_cpu" 1) µs" \
		"$(fmt "$guarded_cpu" 1) µs (bareserve -timeouts)" "$(fmt "$(calc "$ly_cpu / $guarded_cpu")" 2)×" "" ""

	L_ARGS=("${gz[@]}" -H "If-None-Match: $ly_etag") N_ARGS=("${gz[@]}" -H "If-None-Match: $ng_etag")
	wrk_pair feed-304
	r=$(calc "$L_RPS / $N_RPS")
	row Feed "conditional GET, 304: req/s" "$(fmt "$L_RPS" 0)" "$(fmt "$N_RPS" 0)" "$(fmt "$r" 2)×" "≥ 0.9×" "$(verdict_min "$r" 0.9)"
	row Feed "conditional GET, 304: p99 latency" "$(fmt "$L_P99" 2) ms" "$(fmt "$N_P99" 2) ms" \
		"$(fmt "$(calc "$L_P99 / $N_P99")" 2)×" "" ""
}

bench_media() {
	log "media: $(fmt "$(calc "$MEDIA_BYTES / 1e6")" 1) MB enclosure, full and 1 MB Range GETs"
	local ly=$FS_URL$MEDIA_PATH ng=$NGINX_URL$MEDIA_PATH r l n
	expect_status 206 "$ly" -H 'Range: bytes=0-1048575'
	expect_status 206 "$ng" -H 'Range: bytes=0-1048575'

	L_URL=$ly N_URL=$ng L_ARGS=() N_ARGS=()
	wrk_pair media-full
	r=$(calc "$L_MBPS / $N_MBPS")
	row Media "full GET of $(fmt "$(calc "$MEDIA_BYTES / 1e6")" 0) MB: MB/s" "$(fmt "$L_MBPS" 0)" "$(fmt "$N_MBPS" 0)" \
		"$(fmt "$r" 2)×" "≥ 0.8×" "$(verdict_min "$r" 0.8)"

	export BENCH_RANGE_SIZE=$((1 << 20)) BENCH_FILE_SIZE=$MEDIA_BYTES
	wrk_pair media-range
	unset BENCH_RANGE_SIZE BENCH_FILE_SIZE
	r=$(calc "$L_MBPS / $N_MBPS")
	row Media "1 MiB Range GETs at random offsets: MB/s" "$(fmt "$L_MBPS" 0) ($(fmt "$L_RPS" 0) req/s)" \
		"$(fmt "$N_MBPS" 0) ($(fmt "$N_RPS" 0) req/s)" "$(fmt "$r" 2)×" "≥ 0.8×" "$(verdict_min "$r" 0.8)"
}

# bench_stats: the cost of download counting on the media answer (the same
# 1 MiB Range GETs, as a podcast app, against Lyssna with LYSSNA_STATS on and
# a second Lyssna over the same data with it off), and how many download
# events one replica aggregates into the database per second (stats'
# BenchmarkAggregate: every event a new listener, the costly case) against
# the Range requests per second it serves.
bench_stats() {
	log "stats: 1 MiB Range GETs with download counting on and off; events aggregated per second"
	local on=$FS_URL$MEDIA_PATH off r ua=(-H 'User-Agent: AppleCoreMedia/1.0.0.21E236 (iPhone; U; CPU OS 17_4 like Mac OS X; en_us)')
	start_lyssna lyssna-nostats LYSSNA_STORAGE=filesystem LYSSNA_STATS=false LYSSNA_DATA_DIR="$WORK/lyssna-fs/data"
	local nostats_pid=$LY_PID
	off=$LY_URL$MEDIA_PATH
	expect_status 206 "$on" "${ua[@]}" -H 'Range: bytes=0-1048575'
	expect_status 206 "$off" "${ua[@]}" -H 'Range: bytes=0-1048575'
	L_URL=$on N_URL=$off L_ARGS=("${ua[@]}") N_ARGS=("${ua[@]}")
	export BENCH_RANGE_SIZE=$((1 << 20)) BENCH_FILE_SIZE=$MEDIA_BYTES
	wrk_pair stats-range
	unset BENCH_RANGE_SIZE BENCH_FILE_SIZE
	stop "$nostats_pid"
	r=$(calc "$L_MBPS / $N_MBPS")
	row Stats "1 MiB Range GETs, download counting on (Lyssna) vs off (baseline): MB/s" \
		"$(fmt "$L_MBPS" 0) ($(fmt "$L_RPS" 0) req/s)" "$(fmt "$N_MBPS" 0) ($(fmt "$N_RPS" 0) req/s)" \
		"$(fmt "$r" 2)×" "≥ 0.95×" "$(verdict_min "$r" 0.95)"
	local out eps
	out=$($GO test -run '^$' -bench 'BenchmarkAggregate$' -benchtime 20x ./stats) || die "BenchmarkAggregate failed: $out"
	eps=$(awk '/^BenchmarkAggregate/ { for (i = 1; i < NF; i++) if ($(i + 1) == "events/s") print $i }' <<<"$out")
	[[ -n $eps ]] || die "no events/s in: $out"
	r=$(calc "$eps / $L_RPS")
	row Stats "download events aggregated per second (new listeners, SQLite) vs Range req/s served" \
		"$(fmt "$eps" 0) events/s" "$(fmt "$L_RPS" 0) req/s" "$(fmt "$r" 2)×" "≥ 1×" "$(verdict_min "$r" 1)"
}

bench_page() {
	log "episode page"
	local ly=$FS_URL$PAGE_PATH ng=$NGINX_URL$PAGE_PATH r
	expect_status 200 "$ly"
	L_URL=$ly N_URL=$ng L_ARGS=() N_ARGS=()
	wrk_pair page
	r=$(calc "$L_RPS / $N_RPS")
	row Page "episode page, cached ($(fmt "$(calc "$PAGE_BYTES / 1000")" 0) kB HTML): req/s" "$(fmt "$L_RPS" 0)" \
		"$(fmt "$N_RPS" 0) (static copy)" "$(fmt "$r" 3)×" "≥ 0.3×" "$(verdict_min "$r" 0.3)"
	row Page "episode page, cached: p99 latency at $CONNS connections" "$(fmt "$L_P99" 2) ms" "$(fmt "$N_P99" 2) ms" "" "≤ 20 ms" \
		"$(verdict_max "$L_P99" 20 ms)"

	# The first view after a change against a view rendered without the
	# cache (an unknown query parameter bypasses it: what every view cost
	# before the cache), each timed alone with curl, median of 9.
	local i t uncached=() first=() slug id
	slug=${PAGE_PATH%/}
	slug=${slug##*/}
	for i in $(seq 9); do
		t=$(curl -fsS -o /dev/null -w '%{time_total}' "$ly?uncached=$i")
		uncached+=("$t")
		curl -fsS -o /dev/null -X PATCH -H "Authorization: Bearer $LY_TOKEN" -H 'Content-Type: application/json' \
			-d "{\"title\":\"Bench episode, edit $i\"}" "$FS_URL/api/v1/shows/bench/episodes/$slug" ||
			die "PATCH of the bench episode failed"
		t=$(curl -fsS -o /dev/null -w '%{time_total}' "$ly")
		first+=("$t")
	done
	local um fm
	um=$(printf '%s\n' "${uncached[@]}" | sort -g | sed -n 5p)
	fm=$(printf '%s\n' "${first[@]}" | sort -g | sed -n 5p)
	r=$(calc "$fm / $um")
	row Page "episode page: first view after a change vs a view without the cache (curl, median of 9)" \
		"$(fmt "$(calc "$fm * 1000")" 2) ms" "$(fmt "$(calc "$um * 1000")" 2) ms (uncached)" "$(fmt "$r" 2)×" "≤ 2×" \
		"$(verdict_max "$r" 2 ×)"
}

# ---- upload into S3 (versitygw) ----

versitygw_bin() {
	local p=${LYSSNA_VERSITYGW:-}
	[[ -n $p ]] && { echo "$p"; return; }
	command -v versitygw 2>/dev/null && return
	local dir=${XDG_CACHE_HOME:-$HOME/.cache}/lyssna/versitygw-$VERSITYGW_VERSION
	if [[ ! -x $dir/versitygw ]]; then
		note "building versitygw $VERSITYGW_VERSION into $dir"
		mkdir -p "$dir"
		GOBIN=$dir GOFLAGS=-buildvcs=false $GO install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION" >&2
	fi
	echo "$dir/versitygw"
}

start_versitygw() {
	local exe port i
	exe=$(versitygw_bin)
	port=$("$BIN/freeport")
	rm -rf "$WORK/s3"
	mkdir -p "$WORK/s3"
	ROOT_ACCESS_KEY=$S3_KEY ROOT_SECRET_KEY=$S3_SECRET "$exe" --port "127.0.0.1:$port" --keep-alive posix "$WORK/s3" \
		>"$WORK/versitygw.log" 2>&1 &
	VGW_PID=$!
	PIDS+=("$VGW_PID")
	S3_URL=http://127.0.0.1:$port
	for i in $(seq 100); do
		curl -s -o /dev/null "$S3_URL" && break
		kill -0 "$VGW_PID" 2>/dev/null || die "versitygw exited: $(tail -5 "$WORK/versitygw.log")"
		sleep 0.1
	done
	note "versitygw pid $VGW_PID on $S3_URL"
}

# rss_mb PID FIELD: VmHWM (peak) or VmRSS of a process in MB.
rss_mb() { awk -v f="$2:" '$1 == f { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# s3_env: the AWS CLI's settings for versitygw (no checksum trailers).
s3_env() {
	export AWS_ACCESS_KEY_ID=$S3_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET AWS_DEFAULT_REGION=us-east-1 \
		AWS_REQUEST_CHECKSUM_CALCULATION=when_required AWS_RESPONSE_CHECKSUM_VALIDATION=when_required \
		AWS_CONFIG_FILE=$WORK/aws-config AWS_SHARED_CREDENTIALS_FILE=$WORK/aws-credentials AWS_PAGER=
	: >"$AWS_CONFIG_FILE"
	: >"$AWS_SHARED_CREDENTIALS_FILE"
}

# s3_lyssna_env BUCKET PREFIX: the settings of a Lyssna on versitygw.
s3_lyssna_env() {
	echo LYSSNA_STORAGE=s3 LYSSNA_S3_ENDPOINT="$S3_URL" LYSSNA_S3_REGION=us-east-1 LYSSNA_S3_BUCKET="$1" \
		LYSSNA_S3_PREFIX="$2" LYSSNA_S3_ACCESS_KEY=$S3_KEY LYSSNA_S3_SECRET_KEY=$S3_SECRET LYSSNA_S3_PATH_STYLE=true
}

# settle writes out the page cache's dirty pages and, when it may (root),
# drops the page cache before a timed transfer, so that each round starts
# from the same state: without it the second round of either client ran
# 1.3-1.5x slower than the first, by how much depending on what ran before.
settle() {
	sync
	echo 1 >/proc/sys/vm/drop_caches 2>/dev/null || true
}

bench_upload() {
	local file=$MEDIA/upload-1GiB.mp3 size
	size=$(stat -c %s "$file")
	log "upload: $(fmt "$(calc "$size / 1048576")" 0) MiB MP3 through the API into S3 (versitygw) vs aws s3 cp"
	start_versitygw
	s3_env
	$AWS --endpoint-url "$S3_URL" s3 mb s3://lyssna-bench >/dev/null

	# Two rounds, alternating, best of each: the disk is shared with everything else.
	local round t0 t1 out best_l=999999 best_a=999999 hwm=0 h after=999999 floor=999999
	for round in 1 2; do
		# shellcheck disable=SC2046
		start_lyssna "lyssna-s3-$round" $(s3_lyssna_env lyssna-bench "round$round/")
		"$BIN/seed" -url "$LY_URL" -token "$LY_TOKEN" -show upload -n 0 -audio "$MEDIA/tiny.mp3" >/dev/null
		settle
		out=$("$BIN/upload" -url "$LY_URL" -token "$LY_TOKEN" -show upload -file "$file") || die "upload failed"
		h=$(rss_mb "$LY_PID" VmHWM)
		note "Lyssna round $round: $(cut -f1 <<<"$out") s, peak RSS $h MB"
		best_l=$(calc "$(cut -f1 <<<"$out") < $best_l ? $(cut -f1 <<<"$out") : $best_l")
		hwm=$(calc "$h > $hwm ? $h : $hwm")
		# The 200 MB file: how long the producer waits after the last byte.
		settle
		out=$("$BIN/upload" -url "$LY_URL" -token "$LY_TOKEN" -show upload -file "$MEDIA/vbr-200MB.mp3") || die "upload failed"
		h=$(rss_mb "$LY_PID" VmHWM)
		note "Lyssna round $round, 200 MB VBR: 201 $(cut -f2 <<<"$out") ms after the last byte; peak RSS $h MB after both uploads"
		hwm=$(calc "$h > $hwm ? $h : $hwm")
		after=$(calc "$(cut -f2 <<<"$out") < $after ? $(cut -f2 <<<"$out") : $after")
		stop "$LY_PID"
		# versitygw's own floor: completing a multipart upload of the same
		# file in the same 5 MiB parts, timed alone (its posix backend copies
		# the parts into one file; a multipart client pays it after its last byte).
		settle
		out=$("$BIN/s3complete" -endpoint "$S3_URL" -bucket lyssna-bench -key "floor/round$round.mp3" \
			-file "$MEDIA/vbr-200MB.mp3" -part $((5 * 1024 * 1024))) || die "s3complete failed"
		note "versitygw round $round: CompleteMultipartUpload of the 200 MB VBR file alone: $out ms"
		floor=$(calc "$out < $floor ? $out : $floor")

		settle
		t0=$(date +%s%N)
		$AWS --endpoint-url "$S3_URL" s3 cp --only-show-errors "$file" "s3://lyssna-bench/aws/round$round.mp3"
		t1=$(date +%s%N)
		note "aws s3 cp round $round: $(calc "($t1 - $t0) / 1e9") s"
		best_a=$(calc "($t1 - $t0) / 1e9 < $best_a ? ($t1 - $t0) / 1e9 : $best_a")
	done
	local l_mbps a_mbps r
	l_mbps=$(calc "$size / 1e6 / $best_l")
	a_mbps=$(calc "$size / 1e6 / $best_a")
	r=$(calc "$l_mbps / $a_mbps")
	row Upload "$(fmt "$(calc "$size / 1048576")" 0) MiB MP3 client → bucket: seconds (best of 2)" "$(fmt "$best_l" 2) s" \
		"$(fmt "$best_a" 2) s (aws s3 cp)" "" "" ""
	row Upload "$(fmt "$(calc "$size / 1048576")" 0) MiB MP3 client → bucket: MB/s" "$(fmt "$l_mbps" 0)" "$(fmt "$a_mbps" 0)" \
		"$(fmt "$r" 2)×" "≥ 0.8×" "$(verdict_min "$r" 0.8)"
	row Upload "200 MB VBR MP3 on S3 (versitygw): the 201 after the last byte of the body, raw (best of 2; target on Lyssna's share below)" \
		"$(fmt "$after" 0) ms" "" "" "" ""
	row Upload "versitygw alone: CompleteMultipartUpload of the same 200 MB in 5 MiB parts (SDK, best of 2): the server's floor" \
		"" "$(fmt "$floor" 0) ms" "" "" ""
	local share
	share=$(calc "$after - $floor")
	row Upload "200 MB VBR MP3 on S3 (versitygw): Lyssna's own share of the 201 (raw − versitygw's floor)" \
		"$(fmt "$share" 0) ms" "" "" "≤ 100 ms" "$(verdict_max "$share" 100 ms)"
	row Upload "Lyssna's peak RSS (VmHWM) during the uploads" "$(fmt "$hwm" 0) MB" "" "" "< 100 MB" \
		"$(verdict_max "$hwm" 100 MB)"
	stop "$VGW_PID"

	# The embedded default: the filesystem backend (no S3), same 200 MB file.
	log "upload: 200 MB VBR MP3 through the API into the filesystem backend (lyssna serve with its data dir)"
	start_lyssna lyssna-fs-upload
	local fs_after=999999
	for round in 1 2; do
		# A show per round: a second upload of the same bytes to one show is a duplicate (409).
		"$BIN/seed" -url "$LY_URL" -token "$LY_TOKEN" -show "upload$round" -n 0 -audio "$MEDIA/tiny.mp3" >/dev/null
		settle
		out=$("$BIN/upload" -url "$LY_URL" -token "$LY_TOKEN" -show "upload$round" -file "$MEDIA/vbr-200MB.mp3") ||
			die "upload failed"
		note "Lyssna (filesystem) round $round, 200 MB VBR: 201 $(cut -f2 <<<"$out") ms after the last byte"
		fs_after=$(calc "$(cut -f2 <<<"$out") < $fs_after ? $(cut -f2 <<<"$out") : $fs_after")
	done
	stop "$LY_PID"
	rm -rf "$WORK/lyssna-fs-upload"
	row Upload "200 MB VBR MP3 on the filesystem backend (the default): the 201 after the last byte of the body (best of 2)" \
		"$(fmt "$fs_after" 0) ms" "" "" "≤ 100 ms" "$(verdict_max "$fs_after" 100 ms)"
}

# ---- the production setup: PostgreSQL + S3 (versitygw), one replica and two behind nginx ----

# pg_xacts: transactions committed in the bench database (each statement
# outside a transaction is one), as PostgreSQL's statistics have them.
pg_xacts() { psql "$PG_ADMIN" -Atc "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '$PG_DB'"; }
# pg_backends: the server processes serving the bench database.
pg_backends() { psql "$PG_ADMIN" -Atc "SELECT pid FROM pg_stat_activity WHERE datname = '$PG_DB' AND pid <> pg_backend_pid()" | tr '\n' ' '; }

bench_prod() {
	PG_ADMIN=${BENCH_POSTGRES_URL:-${LYSSNA_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}}
	log "production setup: PostgreSQL + S3 (versitygw), one replica and two behind nginx"
	if ! command -v psql >/dev/null || ! psql "$PG_ADMIN" -Atc 'SELECT 1' >/dev/null 2>&1; then
		note "no PostgreSQL at BENCH_POSTGRES_URL=$PG_ADMIN (install postgresql and start it): section skipped"
		row Production "PostgreSQL + S3" "skipped: no PostgreSQL" "" "" "" ""
		return
	fi
	local db=lyssna_bench
	psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
	local url=${PG_ADMIN%%\?*}
	url="${url%/*}/$db?sslmode=disable"
	start_versitygw
	s3_env
	$AWS --endpoint-url "$S3_URL" s3 mb s3://lyssna-prod >/dev/null
	local env=(LYSSNA_DATABASE_URL="$url" $(s3_lyssna_env lyssna-prod prod/))
	start_lyssna lyssna-pg-1 "${env[@]}"
	local u1=$LY_URL p1=$LY_PID
	"$BIN/seed" -url "$u1" -token "$LY_TOKEN" -show prod -n 100 -audio "$MEDIA/tiny.mp3" \
		-big "$MEDIA/media-50MB.mp3" >"$WORK/seed-prod.tsv" || die "seeding the production setup failed"
	local -A S=()
	local k v
	while IFS=$'\t' read -r k v; do S[$k]=$v; done <"$WORK/seed-prod.tsv"
	start_lyssna lyssna-pg-2 "${env[@]}"
	local u2=$LY_URL p2=$LY_PID
	local dir=$WORK/nginx-lb port
	port=$("$BIN/freeport")
	mkdir -p "$dir/tmp"
	sed -e "s|@DIR@|$dir|g" -e "s|@PORT@|$port|g" -e "s|@USER@|$(id -un)|g" \
		-e "s|@UPSTREAM1@|${u1#http://}|" -e "s|@UPSTREAM2@|${u2#http://}|" "$BENCH/nginx-lb.conf" >"$dir/nginx.conf"
	"$NGINX" -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf" &
	local lb_pid=$! lb=http://127.0.0.1:$port i
	PIDS+=("$lb_pid")
	for i in $(seq 50); do
		curl -fsS -o /dev/null "$lb/readyz" 2>/dev/null && break
		sleep 0.1
	done
	note "nginx in front of both replicas: pid $lb_pid on $lb"

	local feed=${S[feed]#"$u1"} page=${S[page]#"$u1"} media=${S[big_media]#"$u1"}
	local gz=(-H 'Accept-Encoding: gzip')
	for k in "$u1" "$u2" "$lb"; do
		expect_status 200 "$k$feed" "${gz[@]}"
		expect_status 200 "$k$page"
		expect_status 206 "$k$media" -H 'Range: bytes=0-1048575'
	done
	sleep 11 # let the seeding's statistics settle
	PG_DB=$db
	local what path args one_rps setup
	export BENCH_FILE_SIZE
	BENCH_FILE_SIZE=$(stat -c %s "$MEDIA/media-50MB.mp3")
	for what in feed page media; do
		case $what in
		feed) path=$feed args=("${gz[@]}") ;;
		page) path=$page args=("${gz[@]}") ;;
		media) path=$media args=() ;;
		esac
		[[ $what == media ]] && export BENCH_RANGE_SIZE=$((1 << 20))
		one_rps=0
		for setup in one two; do
			if [[ $setup == one ]]; then
				CPU_PIDS="$p1" DB_PIDS=$(pg_backends) wrk_run "prod-$what-1" "$u1$path" "${args[@]}"
				one_rps=$W_RPS
				row Production "$what ($([[ $what == media ]] && echo '1 MiB Range GETs' || echo 'gzip')), one replica: req/s; DB statements and DB CPU per request" \
					"$(fmt "$W_RPS" 0) req/s; $(fmt "$W_QPR" 4) statements; $(fmt "$W_DBCPU_US" 1) µs DB CPU; $(fmt "$W_CPU_US" 1) µs Lyssna CPU" \
					"" "" "$([[ $what == page ]] && echo '0 statements (cached)')" \
					"$([[ $what == page ]] && verdict_max "$W_QPR" 0.01 'statements (a version check per second per show is allowed)')"
			else
				CPU_PIDS="$p1 $p2" DB_PIDS=$(pg_backends) wrk_run "prod-$what-2" "$lb$path" "${args[@]}"
				row Production "$what, two replicas behind nginx: req/s; DB statements and DB CPU per request" \
					"$(fmt "$W_RPS" 0) req/s; $(fmt "$W_QPR" 4) statements; $(fmt "$W_DBCPU_US" 1) µs DB CPU; $(fmt "$W_CPU_US" 1) µs Lyssna CPU" \
					"$(fmt "$one_rps" 0) req/s (one replica)" "$(fmt "$(calc "$W_RPS / $one_rps")" 2)×" "" ""
			fi
		done
		unset BENCH_RANGE_SIZE
	done
	unset BENCH_FILE_SIZE
	PG_DB=
	stop "$lb_pid" "$p1" "$p2" "$VGW_PID"
	psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true

	# The exact statement counts of one episode page, from the web package's
	# test (a proxy in front of PostgreSQL counts every statement).
	local out n
	out=$(LYSSNA_TEST_POSTGRES_URL=$PG_ADMIN $GO test -count=1 -run 'TestPageCacheQueriesOnPostgres$' -v ./web 2>&1) ||
		die "TestPageCacheQueriesOnPostgres failed: $out"
	n=$(sed -n 's/.*an episode page not in the cache: \([0-9]*\) queries.*/\1/p' <<<"$out")
	row Production "episode page not in the cache: PostgreSQL statements (counted by a proxy)" "$n" "" "" "≤ 2" \
		"$(verdict_max "$n" 2 statements)"
	row Production "episode page in the cache: PostgreSQL statements (5 views, counted by a proxy)" "0" "" "" "0" "yes"
}

# ---- probe ----

# decoded_ms FILE: the duration by a full decode with ffmpeg, counting samples
# (cached next to the file; the media never change once made).
decoded_ms() {
	local f=$1 cache=$1.decoded
	if [[ ! -s $cache || $cache -ot $f ]]; then
		local rate samples
		rate=$(ffprobe -v error -select_streams a:0 -show_entries stream=sample_rate -of csv=p=0 "$f")
		samples=$(ffmpeg -nostdin -v error -i "$f" -map 0:a:0 -ac 1 -f u8 - | wc -c)
		calc "$samples * 1000 / $rate" >"$cache"
	fi
	cat "$cache"
}

# median_ms CMD...: the median wall time of 5 runs (after one warm-up), in ms.
median_ms() {
	local i t0 t1 times=()
	"$@" >/dev/null
	for i in 1 2 3 4 5; do
		t0=$(date +%s%N)
		"$@" >/dev/null
		t1=$(date +%s%N)
		times+=("$(((t1 - t0) / 1000))")
	done
	printf '%s\n' "${times[@]}" | sort -n | sed -n 3p | awk '{ printf "%.2f", $1 / 1000 }'
}

bench_probe() {
	log "probe: 200 MB CBR and VBR MP3s without a Xing header, vs ffprobe"
	local kind f truth lp_ms lp_in lp_after ff_ms ff_dur line r le fe
	for kind in CBR VBR; do
		f=$MEDIA/${kind,,}-200MB.mp3
		truth=$(decoded_ms "$f")
		line=$("$BIN/probe" -n 5 "$f")
		lp_dur=$(cut -f2 <<<"$line")
		lp_in=$(calc "$(cut -f3 <<<"$line") / 1e6")
		lp_ms=$(median_ms "$BIN/probe" -n 1 "$f")
		# What an upload waits for: the walk ran while the file was spooled.
		line=$("$BIN/probe" -n 5 -after-last-byte "$f")
		[[ $(cut -f2 <<<"$line") == "$lp_dur" ]] || die "the scanned probe of $f disagrees with the walk: $line"
		lp_after=$(calc "$(cut -f3 <<<"$line") / 1e6")
		ff_ms=$(median_ms ffprobe -v error -show_entries format=duration -of csv=p=0 "$f")
		ff_dur=$(calc "$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$f") * 1000")
		r=$(calc "$ff_ms / $lp_ms")
		le=$(calc "($lp_dur - $truth) < 0 ? ($truth - $lp_dur) : ($lp_dur - $truth)")
		fe=$(calc "($ff_dur - $truth) < 0 ? ($truth - $ff_dur) : ($ff_dur - $truth)")
		note "$kind: decode $(fmt "$truth" 0) ms; Lyssna $lp_dur ms in $(fmt "$lp_ms" 1) ms (in-process $(fmt "$lp_in" 1) ms); ffprobe $(fmt "$ff_dur" 0) ms in $(fmt "$ff_ms" 1) ms"
		row Probe "$kind 200 MB, no Xing header: whole-file walk after the fact (process, median of 5)" "$(fmt "$lp_ms" 1) ms ($(fmt "$lp_in" 1) ms in-process)" \
			"$(fmt "$ff_ms" 1) ms (ffprobe)" "$(fmt "$r" 1)× faster" "" ""
		r=$(calc "$ff_ms / $lp_after")
		row Probe "$kind 200 MB: probe left after an upload's last byte (walked while spooled; in-process, median of 5)" \
			"$(fmt "$lp_after" 2) ms" "$(fmt "$ff_ms" 1) ms (ffprobe)" "$(fmt "$r" 0)× faster" "≥ 10× faster" "$(verdict_min "$r" 10)"
		row Probe "$kind 200 MB: duration error against a full decode ($(fmt "$(calc "$truth / 1000")" 3) s)" \
			"$(fmt "$le" 0) ms" "$(fmt "$fe" 0) ms" "" "≤ 50 ms" "$(verdict_max "$le" 50 ms)"
	done
}

# ---- feed build (the feed package's Go benchmarks) ----

bench_build() {
	log "feed build: go test -bench 'BenchmarkBuild|BenchmarkRebuild' -benchmem ./feed"
	$GO test -run '^$' -bench 'Benchmark(Build|Rebuild)$/^episodes=(100|1000|10000)$' -benchmem ./feed >"$WORK/feed-build.txt" 2>&1 ||
		die "feed benchmarks failed: $(tail -20 "$WORK/feed-build.txt")"
	local kind name n ns bytes allocs cpu ns1k=0 ns10k=0
	while read -r kind name n ns bytes allocs cpu; do
		note "$kind $name episodes: $(fmt "$(calc "$ns / 1e6")" 2) ms/build, $allocs allocs, $(fmt "$(calc "$bytes / 1e6")" 1) MB"
		if [[ $kind == Build ]]; then
			row "Feed build" "$name episodes, every episode's notes rendered (BenchmarkBuild): time per build; allocations" \
				"$(fmt "$(calc "$ns / 1e6")" 2) ms; $allocs allocs, $(fmt "$(calc "$bytes / 1e6")" 1) MB" "" "" "" ""
			continue
		fi
		row "Feed build" "$name episodes, items from the per-episode cache, one edited (BenchmarkRebuild): time per build (CPU time); allocations" \
			"$(fmt "$(calc "$ns / 1e6")" 2) ms ($(fmt "$(calc "${cpu:-0} / 1e6")" 2) ms CPU); $allocs allocs, $(fmt "$(calc "$bytes / 1e6")" 1) MB" "" "" "" ""
		if [[ $name == 1000 ]]; then ns1k=$ns; fi
		if [[ $name == 10000 ]]; then
			ns10k=$ns
			row "Feed build" "10000 episodes (items cached): time per build" "$(fmt "$(calc "$ns / 1e6")" 1) ms" "" "" "< 150 ms" \
				"$(verdict_max "$(calc "$ns / 1e6")" 150 ms)"
			row "Feed build" "10000 episodes (items cached): bytes allocated per build" "$(fmt "$(calc "$bytes / 1e6")" 1) MB" "" "" "< 50 MB" \
				"$(verdict_max "$(calc "$bytes / 1e6")" 50 MB)"
		fi
	done < <(awk '/^Benchmark(Build|Rebuild)\/episodes=/ {
		split($1, a, "="); sub(/-[0-9]+$/, "", a[2]); k = ($1 ~ /^BenchmarkRebuild/) ? "Rebuild" : "Build"; ns = b = al = cpu = ""
		for (i = 3; i < NF; i++) { if ($(i+1) == "ns/op") ns = $i; if ($(i+1) == "B/op") b = $i; if ($(i+1) == "allocs/op") al = $i; if ($(i+1) == "cpu-ns/op") cpu = $i }
		print k, a[2], $2, ns, b, al, cpu }' "$WORK/feed-build.txt")
	if [[ $ns1k != 0 && $ns10k != 0 ]]; then
		local lin
		lin=$(calc "$ns10k / (10 * $ns1k)")
		row "Feed build" "1000 → 10000 episodes (items cached): time per episode at 10000 ÷ at 1000 (1.00 is linear)" "$(fmt "$lin" 2)×" "" "" \
			"≤ 1.25×" "$(verdict_max "$lin" 1.25 ×)"
	fi
}

# ---- the report ----

machine() {
	local cpu mem
	cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
	mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
	echo "- CPU: ${cpu:-unknown}, $(nproc) cores available"
	echo "- Memory: $mem; kernel $(uname -sr); $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
	echo "- $($GO version); Lyssna $(git describe --tags --always --dirty 2>/dev/null || echo dev)"
	echo "- Baselines: $($NGINX -v 2>&1 | sed 's/.*: //'), wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}'), $(ffmpeg -version | head -1 | awk '{print "ffmpeg/ffprobe", $3}'), $($AWS --version 2>&1 | awk '{print $1}'), versitygw $VERSITYGW_VERSION"
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); the whole run took $(($(date +%s) - STARTED)) s"
	echo "- Load average (1, 5, 15 min) at the start: $LOAD_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "  (other work on the machine competes with both Lyssna and its baselines; a load above the core count makes every figure noisy)"
}

table() {
	echo "| Section | Benchmark | Lyssna | Baseline | Lyssna ÷ baseline | Target | Met |"
	echo "|---|---|---|---|---|---|---|"
	awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7 }' "$ROWS"
}

report() {
	local tbl missed
	tbl=$(table)
	missed=$(awk -F'\t' '$7 ~ /^no/ { printf "- %s, %s: %s\n", $1, $2, $7 }' "$ROWS")
	{
		echo "# Lyssna benchmark results"
		echo
		echo "Written by \`make bench\` (bench/run.sh); every figure below was measured in this one run on this one"
		echo "machine, with Lyssna and its baselines side by side on loopback. Absolute numbers on a shared 2-core box"
		echo "mean little; read the ratios. How each figure is made: bench/README.md."
		echo
		echo "## Machine"
		echo
		machine
		echo
		echo "## Results"
		echo
		echo "$tbl"
		echo
		echo "Feed, media and page: wrk -t$THREADS -c$CONNS -d$DUR after a 1 s warm-up, $ROUNDS alternating rounds, best"
		echo "round of each side; against Lyssna (filesystem"
		echo "backend, proxy delivery, SQLite, access log to a file) and nginx (worker_processes auto, sendfile,"
		echo "gzip_static, open_file_cache, access log to a file) serving the same bytes at the same paths."
		echo
		echo "## Targets missed"
		echo
		if [[ -n $missed ]]; then echo "$missed"; else echo "None."; fi
		if [[ -s $BENCH/findings.md ]]; then
			echo
			cat "$BENCH/findings.md"
		fi
	} >"$RESULTS"
	log "results (also in ${RESULTS#"$ROOT"/})"
	echo
	echo "$tbl"
	echo
	if [[ -n $missed ]]; then
		echo "Targets missed:"
		echo "$missed"
	fi
}

main() {
	mkdir -p "$WORK"
	: >"$ROWS"
	install_tools
	build
	make_media
	if want feed || want media || want stats || want page; then
		seed_fs
		want feed && bench_feed
		want media && bench_media
		want stats && bench_stats
		want page && bench_page
		stop "$NGINX_PID" "$FS_PID"
	fi
	want prod && bench_prod
	want upload && bench_upload
	want probe && bench_probe
	want build && bench_build
	report
}

main "$@"

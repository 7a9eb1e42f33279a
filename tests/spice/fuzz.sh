#!/bin/bash
# SPDX-License-Identifier: MIT
# On-demand longer fuzzing of libspice-wire (run.sh does a short run):
#   tests/spice/fuzz.sh [SECONDS] [JOBS]
# Keeps its corpus in build/spice-fuzz/corpus across runs; crashes land in
# build/spice-fuzz/ (crash-*, leak-*, timeout-*).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$ROOT/build/spice-fuzz
SECS=${1:-600}
JOBS=${2:-1}
mkdir -p "$OUT/corpus"
# the fuzzer from the sanitizer build of the meson tree (as tests/spice/run.sh)
# shellcheck source=tests/lib/meson.sh
. "$ROOT/tests/lib/meson.sh"
sanitize_build tests/spice/fuzz-wire tests/spice/test-spice-wire || exit 1
"$SANITIZE_BUILD/tests/spice/test-spice-wire" --corpus "$OUT/seeds" >/dev/null
cp "$ROOT"/tests/spice/fuzz-regressions/* "$OUT/seeds/"
PAR=()
[ "$JOBS" -gt 1 ] && PAR=(-jobs="$JOBS" -workers="$JOBS")
cd "$OUT" || exit 1	# parallel jobs write fuzz-N.log into the current directory
exec timeout $((SECS + 120)) "$SANITIZE_BUILD/tests/spice/fuzz-wire" -max_total_time="$SECS" -max_len=65536 -timeout=10 \
	-rss_limit_mb=2048 "${PAR[@]}" -artifact_prefix="$OUT/" "$OUT/corpus" "$OUT/seeds"

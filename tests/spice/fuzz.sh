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
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-D_POSIX_C_SOURCE=200809L -std=c11 -Wall -Wextra -Werror -isystem /usr/include/spice-1 \
	-I"$ROOT/userspace/spice/include" "$ROOT"/userspace/spice/{wire,msgs,names,channel,display,png}.c "$ROOT/userspace/tools/msg-json.c" \
	"$ROOT/tests/spice/fuzz_wire.c" -lcrypto -lz -lpng16 -o "$OUT/fuzz_wire" || exit 1
"${BUILD:-$ROOT/build/userspace}/spice/test-spice-wire" --corpus "$OUT/seeds" >/dev/null
cp "$ROOT"/tests/spice/fuzz-regressions/* "$OUT/seeds/"
PAR=()
[ "$JOBS" -gt 1 ] && PAR=(-jobs="$JOBS" -workers="$JOBS")
cd "$OUT" || exit 1	# parallel jobs write fuzz-N.log into the current directory
exec timeout $((SECS + 120)) ./fuzz_wire -max_total_time="$SECS" -max_len=65536 -timeout=10 \
	-rss_limit_mb=2048 "${PAR[@]}" -artifact_prefix="$OUT/" "$OUT/corpus" "$OUT/seeds"

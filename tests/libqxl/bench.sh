#!/bin/bash
# SPDX-License-Identifier: MIT
# libqxl benchmark: boots one guest (tests/harness/vmtest.py) that runs
# libqxl_bench, then prints its table: fill, copy and composite operations/s at
# 16x16, 256x256 and full screen, through libqxl on the device (queued: many
# ops then one UPDATE_AREA; synced: UPDATE_AREA after each), libqxl's pixman
# fallback (composite) and plain pixman in the guest.
#
# usage: tests/libqxl/bench.sh [--spice-client] [--seconds S] [--keep-logs DIR]
# Environment: QXL_MODULE=path/to/qxl.ko (default drivers/qxl/qxl.ko).
# Builds userspace and the guest program first. Exit status non-zero (with the
# reason) when a build, the guest or the benchmark fails.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
client=() seconds=0.4 keep=""
while [ $# -gt 0 ]; do
	case $1 in
	--spice-client) client=(--spice-client) ;;
	--seconds) seconds=$2; shift ;;
	--keep-logs) keep=$2; shift ;;
	*) echo "usage: $0 [--spice-client] [--seconds S] [--keep-logs DIR]" >&2; exit 2 ;;
	esac
	shift
done
module=${QXL_MODULE:-drivers/qxl/qxl.ko}
[ -f "$module" ] || { echo "bench.sh: no module at $module (make module)" >&2; exit 1; }

# shellcheck source=tests/lib/meson.sh
. tests/lib/meson.sh
guest_bin libqxl_bench >/dev/null || { echo "bench.sh: building libqxl_bench failed" >&2; exit 1; }

logs=${keep:-$(mktemp -d /tmp/libqxl-bench.XXXXXX)}
mkdir -p "$logs"
python3 tests/harness/vmtest.py --module "$module" "${client[@]}" --timeout 400 \
	--cmd-timeout 360 --tests "libqxl_bench $seconds" --keep-logs "$logs" >"$logs/vmtest.out" 2>&1
rc=$?
if ! grep -q '^BENCH-TABLE-END' "$logs/console.log" 2>/dev/null; then
	echo "bench.sh: the benchmark did not finish (vmtest exit $rc); see $logs" >&2
	grep -E '^(FAIL|libqxl_bench:)' "$logs/vmtest.out" "$logs/console.log" 2>/dev/null | head >&2
	exit 1
fi
sed -n '/^BENCH-TABLE-BEGIN/,/^BENCH-TABLE-END/p' "$logs/console.log" | sed '1d;$d' | tr -d '\r'
if [ $rc -ne 0 ]; then
	echo "bench.sh: the benchmark failed (vmtest exit $rc); logs kept in $logs" >&2
	grep -aE '^(FAIL |libqxl_bench:)|ring stalled' "$logs/vmtest.out" "$logs/console.log" |
		head >&2
	exit 1
fi
[ -z "$keep" ] && rm -rf "$logs"
exit 0

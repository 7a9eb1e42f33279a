#!/bin/bash
# Scanout bridge benchmark (Documentation/scanout.rst): frames/s and bytes
# copied per frame delivered to a consumer, zero-copy (qxl-scanout: GL_DRAW of
# the damaged rectangle over dma-bufs) vs reading the screen back (whole frames
# copied out and through a socket), at 1024x768 and 1920x1080, in one TCG guest.
#   tests/scanout/bench.sh [SECONDS_PER_RUN]      (default 6)
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-6}
out=$(mktemp -d /tmp/scanout-bench.XXXXXX)
trap 'rm -rf "$out"' EXIT
make -s userspace >/dev/null
python3 tests/harness/vmtest.py --timeout 300 --cmd-timeout 120 \
	--tests "scanout-bench 1024 768 $secs; scanout-bench 1920 1080 $secs" \
	--keep-logs "$out/logs" >"$out/vmtest.out" 2>&1 || true
grep -E '^(PASS|FAIL|SKIP) ' "$out/vmtest.out" | grep -v kernel-log || true
echo
printf '%-10s %-10s %8s %8s %16s\n' size mode frames fps bytes/frame
grep -a '^BENCH ' "$out/logs/console.log" | tr -d '\r' | while read -r _ mode size frames fps bpf; do
	printf '%-10s %-10s %8s %8s %16s\n' "${size#size=}" "${mode#mode=}" "${frames#frames=}" \
		"${fps#fps=}" "${bpf#bytes_per_frame=}"
done

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The VM lifecycle, qxl-ng against the in-tree qxl driver, in one run: each
# event of tests/guest/lifecycle_test.c with both drivers booted on the same
# kernel and QEMU, and a table of event x driver:
#   back     every check passed: the display continues, nothing lost
#   lost     the guest lives on but some of the display did not come back
#            (the failed checks are named)
#   crashed  the guest or QEMU died, hung, or the kernel logged an oops
#
#   tests/lifecycle/compare.sh [--runs N] [WORD...]
#
# WORD... keeps only the events whose label contains one of them (e.g. S4).
# About 8 minutes for every event once.
#
# Live migration is run on Debian 13's QEMU 10.0 (tests/harness/qemu-release)
# and, for the record, on the host's QEMU 7.2, whose live migration under
# display load corrupts guest memory with either driver (Documentation/qxl-ng.rst).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
runs=1
if [ "${1:-}" = --runs ]; then
	runs=$2
	shift 2
fi
kver=$(ls -d /usr/src/linux-headers-*-amd64 | sed 's,.*/linux-headers-,,' | sort -V | tail -n 1)
intree=$(ls /lib/modules/"$kver"/kernel/drivers/gpu/drm/qxl/qxl.ko* | head -n 1)
out=build/lifecycle
mkdir -p "$out"
make -s module >/dev/null || exit 1
# shellcheck source=tests/lib/meson.sh
. tests/lib/meson.sh
guest_bin lifecycle_test >/dev/null || exit 1
tests/harness/qemu-release --prepare trixie >/dev/null || exit 1

# event label, lifecycle_test arguments, QEMU
events=(
	"S3, RTC wake-up|event=s3 wake=rtc|qemu-system-x86_64"
	"S3, QMP system_wakeup|event=s3 wake=qmp|qemu-system-x86_64"
	"S4 to swap, new QEMU|event=s4|qemu-system-x86_64"
	"save/restore to a file|event=file|qemu-system-x86_64"
	"live migration, QEMU 10.0|event=live|tests/harness/qemu-release trixie"
	"live migration, QEMU 7.2|event=live|qemu-system-x86_64"
	"QMP system_reset, reboot|event=reset; lifecycle_test event=after-reset|qemu-system-x86_64"
)

verdict() {
	local log=$1 bad
	if grep -qE '^FAIL .*(did not finish|stopped before|harness|kernel-log|spice-client|never started|no end marker|lifecycle_test: exit status)' "$log"; then
		echo "crashed"
	elif bad=$(grep -oE '^FAIL lifecycle-[a-z0-9-]+' "$log" | sed 's/^FAIL lifecycle-[a-z0-9]*-\(qmp-\|rtc-\)\?//' | sort -u | tr '\n' ' '); [ -n "$bad" ]; then
		echo "lost (${bad% })"
	elif grep -q '^PASS lifecycle-' "$log"; then
		echo "back"
	else
		echo "no result"
	fi
}

printf '| event | in-tree qxl | qxl-ng |\n|---|---|---|\n' >"$out/table.md"
i=0
for e in "${events[@]}"; do
	i=$((i + 1))
	IFS='|' read -r label targs qemu <<<"$e"
	if [ $# -gt 0 ]; then
		keep=0
		for w in "$@"; do [[ $label == *"$w"* ]] && keep=1; done
		[ $keep = 1 ] || continue
	fi
	row="| $label"
	for drv in intree ng; do
		mod=$intree
		[ $drv = ng ] && mod=drivers/qxl/qxl.ko
		cell=
		for r in $(seq "$runs"); do
			log=$out/$i-$drv-$r.log
			timeout 400 python3 tests/harness/vmtest.py --module "$mod" --qemu "$qemu" \
				--spice-client --spice-inputs --swap-mib 512 --timeout 300 \
				--tests "lifecycle_test $targs" >"$log" 2>&1
			cell="$cell${cell:+; }$(verdict "$log")"
		done
		row="$row | $cell"
	done
	echo "$row |" >>"$out/table.md"
	echo "$row |"
done
echo "table in $out/table.md, logs in $out/"

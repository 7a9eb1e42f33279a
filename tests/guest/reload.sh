#!/bin/sh
# Unload and reload the module under test 20 times; each time the card must
# go away and come back, and the display must work afterwards.
name=module-reload-x20
fail() { echo "@@TEST $name FAIL $*"; exit 1; }

before=$(grep -c . /proc/modules)
i=1
while [ "$i" -le 20 ]; do
	rmmod qxl || fail "rmmod failed on round $i"
	[ -e /sys/class/drm/card0 ] && fail "card0 still present after rmmod (round $i)"
	insmod /qxl.ko || fail "insmod failed on round $i"
	t=0
	while [ ! -e /dev/dri/card0 ] && [ "$t" -lt 50 ]; do sleep 0.1; t=$((t + 1)); done
	[ -e /dev/dri/card0 ] || fail "no /dev/dri/card0 5 s after insmod (round $i)"
	i=$((i + 1))
done
after=$(grep -c . /proc/modules)
[ "$before" = "$after" ] || fail "modules loaded changed from $before to $after"
if dmesg | grep -E "qxl.*(error|timed out|failed to)|WARNING|BUG" >/dev/null; then
	fail "kernel log: $(dmesg | grep -E 'qxl.*(error|timed out|failed to)|WARNING|BUG' | head -n 1)"
fi
echo "@@TEST $name PASS 20 rounds of rmmod + insmod"

#!/bin/sh
# Loading fails or binds nothing, cleanly, when it cannot drive a device:
#  no-device:  booted with --no-qxl, the module loads and binds nothing
#  intree:     with Debian's in-tree qxl bound, loading ours fails (same
#              module name) and the in-tree driver keeps working. (Unloading
#              the in-tree driver afterwards is not tested: it leaves its IRQ
#              handler registered, and the next interrupt crashes the guest.)
case $1 in
no-device)
	name=load-without-device
	grep -q '^qxl ' /proc/modules || { echo "@@TEST $name FAIL module not loaded"; exit 1; }
	[ -e /dev/dri/card0 ] && { echo "@@TEST $name FAIL a DRM card appeared without a QXL device"; exit 1; }
	rmmod qxl || { echo "@@TEST $name FAIL rmmod failed"; exit 1; }
	insmod /qxl.ko || { echo "@@TEST $name FAIL insmod failed"; exit 1; }
	echo "@@TEST $name PASS loads and unloads, binds nothing, no card"
	;;
intree)
	name=load-with-intree-bound
	rmmod qxl || { echo "@@TEST $name FAIL rmmod of ours failed"; exit 1; }
	insmod /intree/qxl.ko || { echo "@@TEST $name FAIL in-tree qxl did not load"; exit 1; }
	t=0
	while [ ! -e /dev/dri/card0 ] && [ "$t" -lt 50 ]; do sleep 0.1; t=$((t + 1)); done
	if err=$(insmod /qxl.ko 2>&1); then
		echo "@@TEST $name FAIL ours loaded next to the in-tree driver"
		exit 1
	fi
	case $err in *"File exists"*) ;; *) echo "@@TEST $name FAIL unexpected error: $err"; exit 1 ;; esac
	drm_info 2>/dev/null | grep -q 'qxl' || { echo "@@TEST $name FAIL in-tree card gone"; exit 1; }
	[ "$(dmesg | grep -c 'qxl-ng .*revision')" = 1 ] || { echo "@@TEST $name FAIL ours probed"; exit 1; }
	echo "@@TEST $name PASS insmod refused ($err); the in-tree driver keeps the card"
	;;
esac

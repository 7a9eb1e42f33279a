#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Debian's kmscube, unpatched, on Mesa llvmpipe: GBM/EGL find no "qxl" DRI
# driver and fall back to kms_swrast, which renders with llvmpipe into dumb
# buffers it exports with PRIME; kmscube adds them as framebuffers and flips.
# Needs vmtest.py --with-mesa. Tests: kmscube_runs (alive, rendering, on
# kms_swrast), kmscube_on_screen (its frames are in a screendump),
# kmscube_animates (two screendumps differ).
. /tests/scripts/qtlib.sh
if ! command -v kmscube >/dev/null 2>&1; then
	qt_result kmscube_runs SKIP "kmscube is not in the image (vmtest.py --with-mesa)"
	exit 0
fi
export EGL_LOG_LEVEL=info LIBGL_DEBUG=verbose MESA_LOG_LEVEL=info
# kmscube quits when stdin becomes readable ("user interrupted!"): give it a
# fifo that a sleeper holds open and never writes
rm -f /tmp/kmscube.in
mkfifo /tmp/kmscube.in
sleep 100000 >/tmp/kmscube.in &
sleeper=$!
kmscube -D /dev/dri/card0 -c 100000 </tmp/kmscube.in >/tmp/kmscube.log 2>&1 &
pid=$!
# llvmpipe under TCG: give it time to compile its shaders and show frames
i=0
while [ $i -lt 600 ] && kill -0 $pid 2>/dev/null; do
	grep -q "renderer:" /tmp/kmscube.log && break
	sleep 0.1; i=$((i + 1))
done
sleep 8
if ! kill -0 $pid 2>/dev/null; then
	wait $pid
	rc=$?
	why=
	if grep -q 'Using modifier ffffffffffffff' /tmp/kmscube.log && grep -q 'failed to set mode' /tmp/kmscube.log; then
		why=" (Mesa kms_swrast gives DRM_FORMAT_MOD_INVALID; ADDFB2 with DRM_MODE_FB_MODIFIERS accepted it, so kmscube did not fall back to ADDFB2 without modifiers, and SETCRTC refused the fb: the plane only takes LINEAR. The driver's fb_create must refuse modifiers its planes cannot show)"
	fi
	qt_stop $sleeper
	qt_result kmscube_runs FAIL "exited with $rc$why: $(grep -v -e '^$' -e 'GL_' /tmp/kmscube.log | tail -n 5 | tr '\n' '|')"
	exit 1
fi
renderer=$(grep -m1 "renderer:" /tmp/kmscube.log | sed "s/^ *//")
driver=$(grep -m1 -iE 'kms_swrast|MESA-LOADER.*(qxl|swrast)' /tmp/kmscube.log | tr -s ' ')
qt_result kmscube_runs PASS "$renderer; $driver"
qthost screendump-stats
qt_check kmscube_on_screen screendump-nonblack 1024 768 200000
qt_check kmscube_animates screendump-differs 1500
qt_stop $pid $sleeper
grep -iE 'qxl|swrast|loader|error|fail' /tmp/kmscube.log | head -n 12
exit 0

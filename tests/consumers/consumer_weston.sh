#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# weston (DRM backend, pixman renderer) showing weston-simple-shm: two screendumps
# a second apart must differ. Needs an image built with --with-weston.
. /tests/scripts/qtlib.sh
if [ ! -x /usr/bin/weston ]; then
	qt_result weston_start SKIP "weston not in the image (vmtest.py --with-weston)"
	exit 0
fi
qt_weston_env /tmp/weston.ini
weston --tty=2 --backend=drm-backend.so --use-pixman --continue-without-input \
	--idle-time=0 --socket=wayland-0 --config=/tmp/weston.ini --log=/tmp/weston.log &
WP=$!
i=0
while [ ! -S $XDG_RUNTIME_DIR/wayland-0 ] && [ $i -lt 600 ] && kill -0 $WP 2>/dev/null; do
	sleep 0.1; i=$((i + 1))
done
if [ ! -S $XDG_RUNTIME_DIR/wayland-0 ]; then
	qt_result weston_start FAIL "no wayland-0 socket after $((i / 10)) s (weston.log follows)"
	ls -la $XDG_RUNTIME_DIR; echo "--- weston.log"; cat /tmp/weston.log
	qt_stop $WP
	exit 1
fi
qt_result weston_start PASS "socket after $((i / 10)) s"
WAYLAND_DISPLAY=wayland-0 weston-simple-shm >/tmp/simple-shm.log 2>&1 &
CP=$!
sleep 5
rc=0
if ! kill -0 $CP 2>/dev/null; then
	qt_result weston_simple_shm FAIL "weston-simple-shm exited: $(tail -n 3 /tmp/simple-shm.log | tr '\n' ' ')"
	rc=1
else
	qt_check weston_simple_shm screendump-differs 1000 || rc=1
fi
qt_stop $CP $WP
if [ $rc -ne 0 ]; then
	echo "--- weston.log"; tail -n 30 /tmp/weston.log
fi
exit $rc

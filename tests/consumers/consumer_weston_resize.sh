#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# weston (DRM backend, pixman) with weston-simple-shm while the SPICE client asks
# for a 1280x800 head 0. Weston learns about hotplug through libudev, so the
# image needs systemd-udevd (vmtest.py --with-udev), plus --with-weston
# --spice-client --vdagent. Results:
#   weston_resize_start     weston up, screendump size before the request
#   weston_resize_uevent    udevd broadcast the driver's hotplug uevent (HOTPLUG=1)
#   weston_follows_resize   the screendump becomes 1280x800 within 20 s
#   weston_restart_preferred  a weston started after the request comes up at 1280x800
# Weston 10 does not re-mode an enabled head on hotplug (compositor/main.c
# drm_heads_changed logs "Detected a monitor change on head ..., not bothering
# to do anything about it."; it never reads hotplug_mode_update), so
# weston_follows_resize is a SKIP saying so when the driver did its part
# (preferred mode changed, uevent delivered) and weston stayed put.
. /tests/scripts/qtlib.sh
W=1280; H=800
if [ ! -x /usr/bin/weston ]; then
	qt_result weston_resize_start SKIP "weston not in the image (vmtest.py --with-weston)"
	exit 0
fi
if [ ! -e /dev/vport0p1 ]; then
	qt_result weston_resize_start SKIP "no vdagent port (vmtest.py --vdagent)"
	exit 0
fi
if [ ! -f /etc/qtest-udev ] || [ -z "$(pidof systemd-udevd)" ]; then
	qt_result weston_resize_start SKIP "no systemd-udevd in the guest (vmtest.py --with-udev): weston sees no hotplug without it"
	exit 0
fi
qt_weston_env /tmp/weston-resize.ini

# weston_up LOG: start weston, wait (60 s max) for its socket; sets WP
weston_up() {
	rm -f $XDG_RUNTIME_DIR/wayland-0 $XDG_RUNTIME_DIR/wayland-0.lock
	weston --tty=2 --backend=drm-backend.so --use-pixman --continue-without-input \
		--idle-time=0 --socket=wayland-0 --config=/tmp/weston-resize.ini --log="$1" &
	WP=$!
	_i=0
	while [ ! -S $XDG_RUNTIME_DIR/wayland-0 ] && [ $_i -lt 600 ] && kill -0 $WP 2>/dev/null; do
		sleep 0.1; _i=$((_i + 1))
	done
	[ -S $XDG_RUNTIME_DIR/wayland-0 ]
}

agent_port.sh &
AG=$!
udevadm monitor --udev --property --subsystem-match=drm >/tmp/udev-drm.log 2>&1 &
UM=$!
sleep 1
if ! weston_up /tmp/weston.log; then
	qt_result weston_resize_start FAIL "no wayland-0 socket (weston.log follows)"
	cat /tmp/weston.log
	qt_stop $WP $UM $AG
	exit 1
fi
WAYLAND_DISPLAY=wayland-0 weston-simple-shm >/tmp/simple-shm.log 2>&1 &
CP=$!
sleep 3
before=$(qthost screendump-stats | sed -n 's/.*size=\([0-9x]*\).*/\1/p')
if [ "$before" = "${W}x${H}" ]; then
	qt_result weston_resize_start FAIL "screendump is already ${W}x${H}: nothing to test"
	qt_stop $CP $WP $UM $AG
	exit 1
fi
qt_result weston_resize_start PASS "weston up, screendump $before"

rc=0
if ! out=$(qthost client-monitors ${W}x${H}+0+0); then
	qt_result weston_follows_resize FAIL "client did not send the layout: $(echo "$out" | tail -n 1)"
	qt_stop $CP $WP $UM $AG
	exit 1
fi
if out=$(qthost screendump-size $W $H 20); then
	qt_result weston_follows_resize PASS "$(echo "$out" | tail -n 1 | sed 's/^host: PASS //')"
	followed=1
else
	followed=0
fi
# What the driver and udev did, whatever weston did with it
pref=$(modetest -M qxl -c 2>/dev/null | grep -m1 'type: preferred' | awk '{print $2}')
if grep -q '^HOTPLUG=1' /tmp/udev-drm.log; then
	qt_result weston_resize_uevent PASS "udevd broadcast HOTPLUG=1 for $(grep -m1 '^DEVNAME=' /tmp/udev-drm.log); preferred mode now $pref"
else
	qt_result weston_resize_uevent FAIL "no HOTPLUG=1 drm event from udevd (udevadm monitor log follows); preferred mode now $pref"
	cat /tmp/udev-drm.log
	rc=1
fi
if [ $followed = 0 ]; then
	now=$(qthost screendump-stats | sed -n 's/.*size=\([0-9x]*\).*/\1/p')
	why=$(grep -m1 -E "monitor change|not bothering" /tmp/weston.log)
	if [ "$pref" = "${W}x${H}" ] && [ -n "$why" ]; then
		# weston 10's compositor (compositor/main.c drm_heads_changed) only
		# enables new heads and disables gone ones; an enabled head whose
		# modes changed is logged and left alone.
		qt_result weston_follows_resize SKIP "weston 10 keeps $now on hotplug although the connector's preferred mode is now $pref: it logged '$(echo "$why" | sed 's/^\[[^]]*\] //')' (compositor/main.c drm_heads_changed never re-modes an enabled head)"
	elif [ "$pref" = "${W}x${H}" ]; then
		qt_result weston_follows_resize SKIP "weston 10 keeps $now on hotplug although the connector's preferred mode is now $pref (no head change logged: weston re-reads modes only when it enables a head)"
	else
		qt_result weston_follows_resize FAIL "screendump $now, connector preferred mode '$pref' (expected ${W}x${H})"
		rc=1
	fi
	echo "--- weston.log (tail)"; tail -n 20 /tmp/weston.log
fi
qt_stop $CP $WP

# A weston started now must pick the new preferred mode.
if weston_up /tmp/weston2.log; then
	WAYLAND_DISPLAY=wayland-0 weston-simple-shm >/tmp/simple-shm2.log 2>&1 &
	CP=$!
	if out=$(qthost screendump-size $W $H 20); then
		# and weston has painted it (desktop background + simple-shm)
		_i=0
		while ! out=$(qthost screendump-nonblack $W $H 10000) && [ $_i -lt 20 ]; do
			sleep 0.5; _i=$((_i + 1))
		done
		if [ $_i -lt 20 ]; then
			qt_result weston_restart_preferred PASS "$(echo "$out" | tail -n 1 | sed 's/^host: PASS //')"
		else
			qt_result weston_restart_preferred FAIL "${W}x${H} but not painted: $(echo "$out" | tail -n 1)"
			rc=1
		fi
	else
		qt_result weston_restart_preferred FAIL "$(echo "$out" | tail -n 1)"
		rc=1
	fi
	qt_stop $CP $WP
else
	qt_result weston_restart_preferred FAIL "second weston did not start"
	tail -n 20 /tmp/weston2.log
	rc=1
fi
qt_stop $UM $AG
exit $rc

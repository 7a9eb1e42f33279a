#!/bin/sh
# SPDX-License-Identifier: MIT
# qxl-stream (issue 17) sends CRTC 0, animated by demo_anim, to spice-server's
# stream device as MJPEG; spice-probe must see the stream's display channel
# (display 1: spice-server numbers it after the qxl device's) create a
# stream and receive its frames, and the frames it decodes must show what
# the QMP screendump shows: after a small change, a full-frame one (sent by
# a restarted qxl-stream), after spice-probe reconnects, and with the CRTC
# turned off.
# spice-gtk (--spice-client) must show the same picture on that channel.
# Needs the stream port (org.spice-space.stream.0, suite stream-agent) and
# vmtest.py --spice-probe --spice-client.
. /tests/scripts/qtlib.sh
rc=0
PORT=
# the port by its name in sysfs: without udev there is no /dev/virtio-ports link
for i in $(seq 50); do
	for d in /sys/class/virtio-ports/vport*; do
		[ "$(cat "$d/name" 2>/dev/null)" = org.spice-space.stream.0 ] && PORT=/dev/${d##*/}
	done
	[ -n "$PORT" ] && [ -e "$PORT" ] && break
	sleep 0.1
done
if [ -z "$PORT" ]; then
	qt_result stream_agent_port FAIL "no org.spice-space.stream.0 port"
	exit 1
fi
qt_result stream_agent_port PASS "$PORT"
demo_anim 120 &
DA=$!
sleep 1
qxl-stream -p "$PORT" -d /dev/dri/card0 -c 0 -f 25 -q 90 -T 150 -v >/tmp/qxl-stream.log 2>&1 &
QS=$!
qt_check stream_agent_create probe-saw STREAM_CREATE codec=1 w=1024 h=768 || rc=1
qt_check stream_agent_frames probe-streams 20 || rc=1
# demo_anim's cursor (64x64, hotspot 4,4, top left at 300,200) through
# CURSOR_SET/CURSOR_MOVE on the stream's cursor channel (1). Before 6.8 a
# plane has no HOTSPOT_X/Y properties: qxl-stream cannot read the hotspot
# and sends 0,0 at the top left corner (Documentation/stream.rst).
kv=$(uname -r)
major=${kv%%.*} minor=${kv#*.}
minor=${minor%%[!0-9]*}
if [ "$major" -gt 6 ] || { [ "$major" -eq 6 ] && [ "$minor" -ge 8 ]; }; then
	hot=4
else
	hot=0
fi
qt_check stream_agent_cursor probe-cursor 1 64 64 $hot $hot $((300 + hot)) $((200 + hot)) channel=1 || rc=1
# demo_anim holds its picture after a small damage and moves its cursor
# to 400,300 (SIGUSR1), then holds it after a
# full-frame update (SIGUSR2); closing it turns the CRTC off: the stream
# must go black as the screen does, not keep the last picture
kill -USR1 $DA
qt_check stream_agent_matches_small_damage probe-stream-matches 1 || rc=1
qt_check stream_agent_cursor_moved probe-cursor 1 64 64 $hot $hot $((400 + hot)) $((300 + hot)) channel=1 || rc=1
# a killed agent comes back: a new one streams the next change
kill -9 $QS
qt_wait_gone $QS 10
qxl-stream -p "$PORT" -d /dev/dri/card0 -c 0 -f 25 -q 90 -T 120 -v >>/tmp/qxl-stream.log 2>&1 &
QS=$!
kill -USR2 $DA
qt_check stream_agent_restarted_matches_full_frame probe-stream-matches 1 || rc=1
# spice-gtk, a real client, shows the stream's display channel the same way
qt_check stream_agent_client_matches spice-stream-matches 1 || rc=1
# a client that leaves and comes back gets the picture again (spice-server
# restarts the stream for it: START_STOP, a new frame)
qt_check stream_agent_client_reconnects probe-reconnect || rc=1
qt_check stream_agent_reconnected_matches probe-stream-matches 1 || rc=1
# the codec follows the clients' caps: a client that also decodes VP8
# makes spice-server send a new START_STOP (measured: MJPEG stays in every
# list, spice-server counts it as decoded by every client, even one that
# leaves its cap out); qxl-stream restarts with the first codec of the
# list it encodes, MJPEG, and the new client gets the picture
log_count() { grep -c -E "$1" /tmp/qxl-stream.log; }
wait_log() {	# PATTERN COUNT SECONDS: until the log has COUNT such lines
	_i=0
	while [ "$(log_count "$1")" -lt "$2" ]; do
		[ $_i -ge $(($3 * 10)) ] && return 1
		sleep 0.1; _i=$((_i + 1))
	done
}
streaming=$(log_count 'streaming mjpeg$')
qt_check stream_agent_client_vp8 probe-reconnect --cap +CODEC_VP8 || rc=1
if wait_log 'streaming mjpeg$' $((streaming + 1)) 20; then
	qt_check stream_agent_vp8_client_gets_mjpeg probe-stream-matches 1 || rc=1
else
	qt_result stream_agent_vp8_client_gets_mjpeg FAIL "no new START_STOP within 20 s: $(tail -n 1 /tmp/qxl-stream.log)"
	rc=1
fi
kill $DA
if qt_wait_gone $DA 30; then
	qt_check stream_agent_matches_crtc_off probe-stream-matches 1 || rc=1
else
	qt_result stream_agent_matches_crtc_off FAIL "demo_anim did not end within 30 s of SIGTERM"
	rc=1
fi
if grep -q "format 1024x768 mjpeg" /tmp/qxl-stream.log && grep -q "device pci/0000/" /tmp/qxl-stream.log; then
	qt_result stream_agent_log PASS "$(grep -c '' /tmp/qxl-stream.log) lines"
else
	qt_result stream_agent_log FAIL "$(tail -n 5 /tmp/qxl-stream.log | tr '\n' ' ')"
	rc=1
fi
qt_stop $QS
qt_wait_gone $DA 30 || qt_stop $DA
if [ $rc -ne 0 ]; then
	echo "# qxl-stream's log:"
	sed 's/^/#   /' /tmp/qxl-stream.log
fi
exit $rc

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Debian's Xorg on the qxl card, with the qxl DDX (default) or modesetting:
#   consumer_xorg.sh [qxl|modesetting] [full|perf]
# full (default): Xorg starts and answers (xorg_start), the DDX runs in KMS mode
# (xorg_kms), xeyes + xclock with distinctive colours show in the screendump at
# their window rectangles (xorg_clients), the SPICE client gets the same picture
# (xorg_spice), a short x11perf run completes with a figure for every test
# (xorg_x11perf; figures as "@@XPERF <option> <ops/s> <test name>" lines), no
# EXECBUFFER was refused (xorg_exec_rejects, qxl-ng's debugfs) and Xorg exits on
# TERM (xorg_stop). No cursor check: Xorg 21.1 here never sets a cursor (no
# MODE_CURSOR* ioctl with drm.debug=0x1 on qxl-ng, no cursor at the SPICE client
# on qxl-ng or in-tree), neither without a pointer device nor with "inputtest".
# perf: no clients, only start, kms, x11perf, exec_rejects, stop (tests/xorg/bench.sh).
# Results are named xorg_* for the qxl DDX and xorg_ms_* for modesetting.
# Needs an image built with --with-xorg (SKIP otherwise).
. /tests/scripts/qtlib.sh
DRV=${1:-qxl}
MODE=${2:-full}
case $DRV in
qxl) P=xorg ;;
modesetting) P=xorg_ms ;;
*) echo "usage: $0 [qxl|modesetting] [full|perf]"; exit 2 ;;
esac
# the x11perf subset: fills, copies, scrolls, image upload/readback (no fonts)
X11PERF_TESTS=${X11PERF_TESTS:-"-rect10 -rect100 -copywinwin10 -copywinwin100 -scroll100 \
-putimage10 -putimage100 -getimage10 -seg100"}

if [ ! -x /usr/lib/xorg/Xorg ]; then
	qt_result ${P}_start SKIP "Xorg not in the image (vmtest.py --with-xorg)"
	exit 0
fi
if [ ! -f /usr/lib/xorg/modules/drivers/${DRV}_drv.so ]; then
	qt_result ${P}_start SKIP "${DRV}_drv.so not in the image (apt-get install xserver-xorg-video-qxl)"
	exit 0
fi

export DISPLAY=:0 HOME=/root LANG=C
LOG=/tmp/Xorg.$DRV.log
CONF=/tmp/xorg-$DRV.conf
DEVOPTS=
[ "$DRV" = modesetting ] && DEVOPTS='	Option "AccelMethod" "none"
	Option "kmsdev" "/dev/dri/card0"'
cat >"$CONF" <<EOF
Section "ServerFlags"
	Option "AutoAddDevices" "false"
	Option "AutoAddGPU" "false"
	Option "BlankTime" "0"
	Option "StandbyTime" "0"
	Option "SuspendTime" "0"
	Option "OffTime" "0"
EndSection
Section "Module"
	Disable "glx"
	Disable "glamoregl"
EndSection
Section "Device"
	Identifier "card"
	Driver "$DRV"
$DEVOPTS
EndSection
Section "Screen"
	Identifier "screen"
	Device "card"
	DefaultDepth 24
EndSection
Section "ServerLayout"
	Identifier "layout"
	Screen "screen"
EndSection
EOF
mkdir -p /tmp/xorg.conf.d
rm -f /tmp/.X0-lock /tmp/.X11-unix/X0

PIDS=
cleanup() {
	# shellcheck disable=SC2086
	[ -n "$PIDS" ] && qt_stop $PIDS
	PIDS=
}
die() { # print the Xorg log tail, stop everything, exit 1
	echo "--- $LOG (tail)"; tail -n 40 "$LOG" 2>/dev/null
	echo "--- dmesg (tail)"; dmesg | tail -n 20
	cleanup
	exit 1
}

/usr/lib/xorg/Xorg :0 vt2 -config "$CONF" -configdir /tmp/xorg.conf.d -nolisten tcp \
	-noreset -logfile "$LOG" -logverbose 7 -s 0 -dpms >/tmp/Xorg.$DRV.out 2>&1 &
XP=$!

# 1. the server: its socket (60 s max), then a client gets an answer (20 s max each)
i=0
while [ ! -S /tmp/.X11-unix/X0 ] && [ $i -lt 600 ] && kill -0 $XP 2>/dev/null; do
	sleep 0.1; i=$((i + 1))
done
if [ ! -S /tmp/.X11-unix/X0 ]; then
	if kill -0 $XP 2>/dev/null; then
		qt_result ${P}_start FAIL "no /tmp/.X11-unix/X0 after $((i / 10)) s"
	else
		wait $XP; rc=$?
		qt_result ${P}_start FAIL "Xorg exited with status $rc: $(grep -E '\(EE\)' "$LOG" | grep -v 'Please consult' | head -n 3 | tr '\n' ' ')"
	fi
	PIDS=$XP; die
fi
PIDS=$XP
j=0
while ! timeout -s KILL 20 xdpyinfo >/tmp/xdpyinfo.out 2>&1; do
	j=$((j + 1))
	if [ $j -ge 3 ] || ! kill -0 $XP 2>/dev/null; then
		qt_result ${P}_start FAIL "xdpyinfo got no answer: $(tail -n 2 /tmp/xdpyinfo.out | tr '\n' ' ')"
		die
	fi
	sleep 1
done
DIM=$(awk '/dimensions:/ { print $2; exit }' /tmp/xdpyinfo.out)
DEPTH=$(awk '/depth of root window:/ { print $5; exit }' /tmp/xdpyinfo.out)
SW=${DIM%x*}; SH=${DIM#*x}
qt_result ${P}_start PASS "socket after $((i / 10)) s, screen ${DIM} depth ${DEPTH}"

# 2. the DDX drives our card through KMS (and which kernel module that is)
if [ -f /sys/kernel/debug/dri/0/qxl_status ]; then
	KMOD="qxl-ng"
else
	KMOD="in-tree qxl"
fi
if [ "$DRV" = qxl ]; then
	kms=$(grep -F '[KMS] Kernel modesetting enabled.' "$LOG")
	what="qxl DDX"
else
	kms=$(grep -E 'modeset\(0\): using drv /dev/dri/card0|modeset\(0\): using default device' "$LOG")
	what="modesetting DDX"
fi
if [ -n "$kms" ]; then
	qt_result ${P}_kms PASS "$what in KMS mode on $KMOD: $(echo "$kms" | head -n 1 | sed 's/^\[ *[0-9.]*\] //')"
else
	qt_result ${P}_kms FAIL "the Xorg log has no KMS line for the $what ($(grep -E '\((EE|WW)\)' "$LOG" | head -n 2 | tr '\n' ' '))"
	rc=1
fi
rc=${rc:-0}

# win_rect NAME: "X Y W H" of the top-level window of that name (xwininfo)
win_rect() {
	timeout -s KILL 10 xwininfo -name "$1" 2>/dev/null | awk '
		/Absolute upper-left X:/ { x = $4 } /Absolute upper-left Y:/ { y = $4 }
		/Width:/ { w = $2 } /Height:/ { h = $2 }
		END { if (w) print x, y, w, h }'
}

if [ "$MODE" = full ] && ! command -v qthost >/dev/null; then
	qt_result ${P}_clients FAIL "no qthost in the image (build/guest/bin/qthost: tests/run-all.sh builds it)"
	rc=1
elif [ "$MODE" = full ]; then
	# 3. xeyes and xclock at known places, colours nothing else on screen has
	# (xeyes is a shaped window: the root shows around the eyes; xclock -norender
	# draws without antialiasing, so ticks and hands have exactly their colours)
	EYES_CENTER=0xf0e020 EYES_OUTLINE=0xff80ff EYES_PUPIL=0x2040c0
	CLOCK_BG=0x20a040 CLOCK_HANDS=0xc02020 CLOCK_TICKS=0xffffff
	xeyes -geometry 240x160+40+60 -center '#f0e020' -outline '#ff80ff' \
		-fg '#2040c0' >/tmp/xeyes.log 2>&1 &
	EP=$!
	xclock -analog -norender -update 3600 -geometry 200x200+400+120 -bg '#20a040' \
		-fg '#ffffff' -hd '#c02020' -hl '#c02020' >/tmp/xclock.log 2>&1 &
	CP=$!
	PIDS="$EP $CP $XP"
	i=0
	while [ $i -lt 150 ]; do
		ER=$(win_rect xeyes); CR=$(win_rect xclock)
		[ -n "$ER" ] && [ -n "$CR" ] && break
		kill -0 $EP 2>/dev/null && kill -0 $CP 2>/dev/null || break
		sleep 0.2; i=$((i + 1))
	done
	if [ -z "$ER" ] || [ -z "$CR" ]; then
		qt_result ${P}_clients FAIL "windows not mapped (xeyes '${ER}', xclock '${CR}'): $(cat /tmp/xeyes.log /tmp/xclock.log | head -n 4 | tr '\n' ' ')"
		rc=1
	else
		sleep 1 # let the first expose finish drawing
		# shellcheck disable=SC2086
		set -- $ER; EX=$1 EY=$2 EW=$3 EH=$4
		# shellcheck disable=SC2086
		set -- $CR; CX=$1 CY=$2 CW=$3 CH=$4
		# each colour covers a part of its window; the root outside both
		# windows stays black
		out=$(qthost screendump-colors \
			$EX $EY $EW $EH $EYES_CENTER 20 \
			$EX $EY $EW $EH $EYES_OUTLINE 5 \
			$EX $EY $EW $EH $EYES_PUPIL 0.5 \
			$CX $CY $CW $CH $CLOCK_BG 40 \
			$CX $CY $CW $CH $CLOCK_HANDS 0.3 \
			$CX $CY $CW $CH $CLOCK_TICKS 0.3 \
			$((SW - 200)) $((SH - 150)) 200 150 0x000000 100)
		st=$?
		if [ $st -eq 0 ]; then
			qt_result ${P}_clients PASS "xeyes ${EW}x${EH}+${EX}+${EY}, xclock ${CW}x${CH}+${CX}+${CY}: $(echo "$out" | tail -n 1 | sed 's/^host: PASS //')"
		else
			qt_result ${P}_clients FAIL "$(echo "$out" | tail -n 1 | sed 's/^host: FAIL //')"
			rc=1
		fi
		qt_check ${P}_spice spice-matches-screendump || rc=1
	fi
fi

# 4. x11perf, one run per test (40 s bound each, so one slow or stuck test
# costs only itself): each prints "N reps @ T msec (R/sec): <name>"
nt=0 nr=0 fails= figs=
t0=$(date +%s)
for t in $X11PERF_TESTS; do
	nt=$((nt + 1))
	t1=$(date +%s)
	timeout -s KILL 40 x11perf -repeat 1 -time 1 $t >/tmp/x11perf.out 2>&1
	st=$?
	t2=$(date +%s)
	res=$(grep -E 'reps @ .*/sec\): ' /tmp/x11perf.out | tail -n 1)
	if [ $st -eq 0 ] && [ -n "$res" ]; then
		nr=$((nr + 1))
		ops=$(echo "$res" | sed -E 's/.*\( *([0-9.]+)\/sec\): .*/\1/')
		name=$(echo "$res" | sed -E 's/.*\/sec\): //')
		echo "@@XPERF $t $ops $name"
		figs="$figs${figs:+; }${t#-} $ops/s ($((t2 - t1)) s)"
	else
		why=$(grep -v 'reps @' /tmp/x11perf.out | grep . | tail -n 1)
		if [ $st -eq 137 ]; then
			# where the server is: running (drawing) or asleep, and on what
			why="killed after 40 s; Xorg $(awk '/^State:/ { print $2 }' /proc/$XP/status 2>/dev/null) wchan $(cat /proc/$XP/wchan 2>/dev/null) cpu $(awk '{ print $14 + $15 }' /proc/$XP/stat 2>/dev/null) ticks"
			echo "--- Xorg kernel stack after $t was killed"; cat /proc/$XP/stack 2>/dev/null
			if [ -f /sys/kernel/debug/dri/0/qxl_status ]; then
				cat /sys/kernel/debug/dri/0/qxl_status
				# does anything move without a client?
				sleep 2
				echo "--- 2 s later"
				grep -E '_ring|int_|held_by|release_chains' /sys/kernel/debug/dri/0/qxl_status
			fi
		fi
		echo "@@XPERF-NA $t exit $st: $why"
		fails="$fails${fails:+; }$t: exit $st $why"
	fi
	kill -0 $XP 2>/dev/null || break
done
dt=$(($(date +%s) - t0))
if [ $nr -eq $nt ]; then
	qt_result ${P}_x11perf PASS "$nr tests in ${dt} s: $figs"
else
	qt_result ${P}_x11perf FAIL "$nr of $nt tests gave a figure in ${dt} s; failed: $fails; got: $figs"
	rc=1
fi
if ! kill -0 $XP 2>/dev/null; then
	qt_result ${P}_stop FAIL "Xorg died during the test"
	PIDS=
	die
fi

# 5. qxl-ng counts the EXECBUFFERs it refused (the reasons are in dmesg with drm.debug=0x2)
st=/sys/kernel/debug/dri/0/qxl_status
if [ ! -f $st ]; then
	qt_result ${P}_exec_rejects SKIP "no $st (not qxl-ng)"
else
	rej=$(awk '$1 == "exec_rejects:" { print $2; exit }' $st)
	if [ -z "$rej" ]; then
		qt_result ${P}_exec_rejects SKIP "$st has no exec_rejects counter"
	elif [ "$rej" -eq 0 ]; then
		qt_result ${P}_exec_rejects PASS "0 refused ($(grep -E '^(surfaces|scanout_copies|device_errors|resets):' $st | tr '\n' ' ' | sed 's/ $//'))"
	else
		qt_result ${P}_exec_rejects FAIL "$rej EXECBUFFERs refused (boot with drm.debug=0x2 for the reasons): $(dmesg | grep 'EXECBUFFER:' | tail -n 2 | tr '\n' ' ')"
		rc=1
	fi
fi

# 6. Xorg goes away on TERM (3 s, then KILL: a FAIL)
[ -n "${EP:-}" ] && qt_stop $EP $CP
kill $XP 2>/dev/null
if qt_wait_gone $XP 10; then
	qt_result ${P}_stop PASS
else
	qt_result ${P}_stop FAIL "Xorg still running 10 s after SIGTERM"
	kill -9 $XP 2>/dev/null
	rc=1
fi
PIDS=
if [ $rc -ne 0 ]; then
	echo "--- $LOG (errors and warnings)"; grep -E '\((EE|WW)\)' "$LOG" | head -n 30
fi
exit $rc

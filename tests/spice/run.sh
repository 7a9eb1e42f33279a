#!/bin/bash
# SPDX-License-Identifier: MIT
#
# libspice-wire / spice-probe test suite:
#   1. unit tests (tests/spice/test_wire.c, also run by `meson test`) and
#      spice-probe's migration code against a fake server (probe_migrate.c)
#   2. a short libFuzzer run of the demarshallers (FUZZ_SECONDS, default 20)
#   3. tests against QEMU's real spice-server (no guest OS: SeaBIOS's VGA text
#      screen on qxl-vga is the primary surface; TCG only)
#
# Prints one line per test: "PASS <name>", "FAIL <name>: <reason>" or
# "SKIP <name>: <reason>", then "N passed, N failed, N skipped"; exits 1 if
# anything failed. Everything it starts it stops by PID; every wait is bounded.
#
# Builds: the meson tree in BUILD (default build/meson) and, with clang, the
# same tree under ASan + UBSan (+ libFuzzer) in SANITIZE_BUILD (default
# build/meson-sanitize; only the targets used here are built).
# Environment: BUILD, SANITIZE_BUILD, FUZZ_SECONDS, KEEP=1 keeps the work
# directory.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build/meson}
MESON_BUILD=$BUILD
# shellcheck source=tests/lib/meson.sh
. "$ROOT/tests/lib/meson.sh"	# meson_build, sanitize_build
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
WORK=$(mktemp -d /tmp/spice-tests.XXXXXX)
QMP="python3 $ROOT/tests/spice/qmp.py"
IMGCMP="python3 $ROOT/tests/spice/imgcmp.py"
PROBE=$BUILD/userspace/tools/spice-probe
npass=0 nfail=0 nskip=0
PIDS=()

pass() { echo "PASS $1"; npass=$((npass + 1)); }
fail() { echo "FAIL $1: $2"; nfail=$((nfail + 1)); }
skip() { echo "SKIP $1: $2"; nskip=$((nskip + 1)); }

stop_pid() {
	local pid=$1 i
	kill "$pid" 2>/dev/null || return 0
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		stop_pid "$p"
	done
	[ "${KEEP:-0}" = 1 ] && echo "# work dir kept: $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---- build -------------------------------------------------------------------
if ! meson_build -j2 >"$WORK/build.log" 2>&1; then
	fail build "meson/ninja failed: $(grep -m1 -E 'error|ERROR' "$WORK/build.log")"
	echo "$npass passed, $nfail failed, $nskip skipped"
	exit 1
fi
pass build

# ---- 1. unit tests -----------------------------------------------------------
mkdir -p "$WORK/corpus"
# relay NAME OUTPUT: a test program's PASS/FAIL lines as ours; FAIL NAME if it
# printed no summary and no FAIL (it crashed or hung)
relay() {
	local name=$1 out=$2 line rest
	while IFS= read -r line; do
		case "$line" in
		PASS\ *) pass "${line#PASS }" ;;
		FAIL\ *) rest=${line#FAIL }; fail "${rest%%:*}" "${rest#*: }" ;;
		esac
	done <<<"$out"
	grep -q "passed, 0 failed" <<<"$out" || grep -q '^FAIL' <<<"$out" ||
		fail "$name" "the program crashed or did not finish"
}
if out=$(timeout 120 "$BUILD/tests/spice/test-spice-wire" --corpus "$WORK/corpus" 2>&1); then :; fi
relay unit "$out"
# spice-probe's migration code against a scripted fake server (no QEMU)
if out=$(timeout 120 "$BUILD/tests/spice/test-probe-migrate" "$PROBE" "$WORK" 2>&1); then :; fi
relay probe_migrate "$out"

# ---- 3. real spice-server ----------------------------------------------------
# (runs before the fuzzer so the recorded session can seed it)
start_qemu() { # name port extra-spice-opts
	local name=$1 port=$2 extra=$3
	qemu-system-x86_64 -nodefaults -machine pc -m 64 -vga none -device qxl-vga \
		-spice "port=$port,addr=127.0.0.1,image-compression=off$extra" \
		-display none -qmp "unix:$WORK/$name.qmp,server=on,wait=off" \
		-no-reboot >"$WORK/$name.log" 2>&1 &
	PIDS+=($!)
	local i
	for i in $(seq 100); do
		[ -S "$WORK/$name.qmp" ] && $QMP "$WORK/$name.qmp" query-status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# Pause the guest so the picture is frozen (the VGA text cursor blinks on the
# virtual clock), then compare what spice-probe shows with QMP screendump.
pixel_test() { # qmp port name probe-args...
	local qmp=$1 port=$2 name=$3
	shift 3
	local attempt msg
	for attempt in 1 2 3; do
		$QMP "$qmp" stop >/dev/null
		sleep 0.5
		rm -f "$WORK/$name.png"
		if ! timeout 40 "$PROBE" -p "$port" --exit-idle 800 -t 30 -o "$WORK/$name.png" \
			-l "$WORK/$name.json" "$@" 2>"$WORK/$name.err"; then
			msg="spice-probe failed: $(tail -1 "$WORK/$name.err")"
		else
			$QMP "$qmp" screendump "{\"filename\":\"$WORK/$name-dump.png\",\"format\":\"png\"}" >/dev/null
			if msg=$($IMGCMP "$WORK/$name.png" "$WORK/$name-dump.png"); then
				$QMP "$qmp" cont >/dev/null
				echo "$msg"
				return 0
			fi
		fi
		$QMP "$qmp" cont >/dev/null
		sleep 1
	done
	echo "$msg"
	return 1
}

# client_migrate_info makes spice-server send MIGRATE_BEGIN(_SEAMLESS) to
# clients with SEMI_SEAMLESS_MIGRATE; nothing listens on port 1, so
# spice-probe answers MIGRATE_CONNECT_ERROR.
migrate_test() { # qmp port name expected-message
	local qmp=$1 port=$2 name=$3 want=$4 pid i
	"$PROBE" -p "$port" --channels display --cap +SEMI_SEAMLESS_MIGRATE -t 6 -l "$WORK/$name.json" \
		2>"$WORK/$name.err" &
	pid=$!
	for i in $(seq 50); do grep -q '"name":"mark"' "$WORK/$name.json" 2>/dev/null && break; sleep 0.1; done
	$QMP "$qmp" client_migrate_info '{"protocol":"spice","hostname":"127.0.0.1","port":1}' >/dev/null
	for i in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
	stop_pid $pid
	wait $pid 2>/dev/null
	grep -q "\"name\":\"$want\",\"size\":[0-9]*,\"port\":1,\"sport\":65535,\"host\":\"127.0.0.1\"" "$WORK/$name.json" &&
		grep -q '"dir":"out","type":103,"name":"migrate_connect_error"' "$WORK/$name.json"
}

if ! command -v qemu-system-x86_64 >/dev/null; then
	skip server "qemu-system-x86_64 not installed"
else
	PORT=$(free_port)
	if ! start_qemu open "$PORT" ",disable-ticketing=on"; then
		fail server/qemu_start "QEMU did not start: $(tail -2 "$WORK/open.log" | tr '\n' ' ')"
	else
		sleep 4 # let SeaBIOS print its boot messages
		if msg=$(pixel_test "$WORK/open.qmp" "$PORT" px); then
			pass server/link_no_ticket
			pass server/png_equals_screendump
			echo "# $msg"
		else
			fail server/png_equals_screendump "$msg"
		fi

		# the JSON-line log: every line parses, the expected messages are there
		if python3 - "$WORK/px.json" >"$WORK/json.out" 2>&1 <<'EOF'
import json, sys
names, rc = set(), None
for line in open(sys.argv[1]):
    o = json.loads(line)
    if "name" in o:
        names.add((o["ch"], o["dir"], o["name"]))
    if o.get("event") == "summary":
        rc = o["rc"]
need = {("main", "in", "init"), ("main", "out", "attach_channels"), ("main", "in", "channels_list"),
        ("display", "in", "surface_create"), ("display", "in", "draw_copy"), ("display", "in", "mark"),
        ("display", "in", "monitors_config"), ("display", "in", "set_ack"), ("display", "out", "ack_sync"),
        ("display", "out", "init"), ("cursor", "in", "init"), ("inputs", "in", "init")}
missing = need - names
if missing or rc != 0:
    print("missing %s, rc %s" % (sorted(missing), rc))
    sys.exit(1)
EOF
		then pass server/json_log; else fail server/json_log "$(cat "$WORK/json.out")"; fi

		# per-head PNG equals the screendump too (one head: the whole primary)
		$QMP "$WORK/open.qmp" stop >/dev/null
		sleep 0.5
		if timeout 40 "$PROBE" -p "$PORT" --exit-idle 800 -t 30 --png-heads "$WORK/head" 2>"$WORK/heads.err" &&
			$QMP "$WORK/open.qmp" screendump "{\"filename\":\"$WORK/heads-dump.ppm\"}" >/dev/null &&
			msg=$($IMGCMP "$WORK/head-0.png" "$WORK/heads-dump.ppm"); then
			pass server/head_png_equals_screendump_ppm
		else
			fail server/head_png_equals_screendump_ppm "${msg:-$(tail -1 "$WORK/heads.err")}"
		fi
		# a second, independent client sees the same picture
		if command -v spicy-screenshot >/dev/null; then
			if timeout 30 spicy-screenshot -h 127.0.0.1 -p "$PORT" -o "$WORK/spicy.ppm" >"$WORK/spicy.log" 2>&1 &&
				msg=$($IMGCMP "$WORK/head-0.png" "$WORK/spicy.ppm"); then
				pass server/spicy_screenshot_same_picture
			else
				fail server/spicy_screenshot_same_picture "${msg:-spicy-screenshot failed: $(tail -1 "$WORK/spicy.log")}"
			fi
		else
			skip server/spicy_screenshot_same_picture "spicy-screenshot not installed"
		fi
		$QMP "$WORK/open.qmp" cont >/dev/null

		# full data header (no MINI_HEADER) and a reduced display cap set
		if msg=$(pixel_test "$WORK/open.qmp" "$PORT" full --cap -MINI_HEADER --cap -COMPOSITE \
			--cap -A8_SURFACE --cap -MONITORS_CONFIG --cap -MULTI_CODEC); then
			if grep -q '"mini_header":false' "$WORK/full.json" && ! grep -q '"name":"monitors_config"' "$WORK/full.json"; then
				pass server/full_header_reduced_caps
			else
				fail server/full_header_reduced_caps "log shows mini header or monitors_config without the cap"
			fi
		else
			fail server/full_header_reduced_caps "$msg"
		fi

		# key scancodes go out on the inputs channel (the guest side needs a Linux guest)
		if timeout 30 "$PROBE" -p "$PORT" --channels inputs --key 0x1e,0x11d --exit-idle 300 -t 20 \
			-l "$WORK/keys.json" 2>"$WORK/keys.err" || true; then
			n=$(grep -c '"name":"key_scancode"' "$WORK/keys.json" 2>/dev/null)
			if [ "${n:-0}" = 4 ]; then
				pass server/key_scancodes_sent
			else
				fail server/key_scancodes_sent "expected 4 key_scancode messages, got ${n:-0}: $(tail -1 "$WORK/keys.err")"
			fi
		fi

		# --control (what vmtest.py --spice-probe drives): commands on stdin
		if msg=$(timeout 90 python3 "$ROOT/tests/spice/control_check.py" "$PROBE" "$PORT" \
			"$WORK/open.qmp" "$WORK" 2>&1); then
			pass server/control_mode
		else
			fail server/control_mode "$(echo "$msg" | tail -1)"
		fi

		if migrate_test "$WORK/open.qmp" "$PORT" mig migrate_begin; then
			pass server/migrate_begin_refused
		else
			fail server/migrate_begin_refused "no migrate_begin/connect_error in the log: $(tail -1 "$WORK/mig.err")"
		fi

		# record a session for the fuzzer seeds and the benchmark
		timeout 20 "$PROBE" -p "$PORT" -t 3 --record "$WORK/session.rec" >/dev/null 2>&1
		if [ -s "$WORK/session.rec" ] && "$BUILD/userspace/tools/spice-probe-bench" --seconds 0.2 --model "$WORK/session.rec" >"$WORK/bench.json"; then
			pass server/recorded_session_demarshals
			echo "# bench: $(cat "$WORK/bench.json")"
		else
			fail server/recorded_session_demarshals "recording empty or a recorded message failed to validate"
		fi
	fi

	PORT2=$(free_port)
	if ! start_qemu pw "$PORT2" ",password=secret"; then
		fail server/qemu_start_password "QEMU did not start: $(tail -2 "$WORK/pw.log" | tr '\n' ' ')"
	else
		sleep 2
		if msg=$(pixel_test "$WORK/pw.qmp" "$PORT2" ticket -w secret); then
			pass server/ticket_right_password
		else
			fail server/ticket_right_password "$msg"
		fi
		timeout 20 "$PROBE" -p "$PORT2" -w wrong -t 10 >/dev/null 2>"$WORK/wrong.err"
		rc=$?
		if [ $rc = 1 ] && grep -q "PERMISSION_DENIED" "$WORK/wrong.err"; then
			pass server/ticket_wrong_password_refused
		else
			fail server/ticket_wrong_password_refused "rc $rc: $(cat "$WORK/wrong.err")"
		fi
		SPICE_PASSWORD= timeout 20 "$PROBE" -p "$PORT2" -t 10 >/dev/null 2>"$WORK/none.err"
		rc=$?
		if [ $rc = 1 ] && grep -q "authentication refused" "$WORK/none.err"; then
			pass server/ticket_missing_password_refused
		else
			fail server/ticket_missing_password_refused "rc $rc: $(cat "$WORK/none.err")"
		fi
	fi

	# a unix socket server with a vdagent port that no guest opens
	for p in "${PIDS[@]}"; do stop_pid "$p"; done
	PIDS=()
	qemu-system-x86_64 -nodefaults -machine pc -m 64 -vga none -device qxl-vga \
		-spice "unix=on,addr=$WORK/spice.sock,disable-ticketing=on,image-compression=off" \
		-device virtio-serial-pci -chardev spicevmc,id=vdagent,name=vdagent \
		-device virtserialport,chardev=vdagent,name=com.redhat.spice.0 \
		-display none -qmp "unix:$WORK/unix.qmp,server=on,wait=off" >"$WORK/unix.log" 2>&1 &
	PIDS+=($!)
	for i in $(seq 100); do [ -S "$WORK/spice.sock" ] && break; sleep 0.1; done
	sleep 2
	if msg=$(pixel_test "$WORK/unix.qmp" 0 unix -H "unix:$WORK/spice.sock"); then
		pass server/unix_socket_png_equals_screendump
	else
		fail server/unix_socket_png_equals_screendump "$msg"
	fi
	timeout 30 "$PROBE" -H "unix:$WORK/spice.sock" --monitors 1024x768+0+0 --exit-idle 300 -t 4 \
		>/dev/null 2>"$WORK/agent.err"
	rc=$?
	if [ $rc = 3 ] && grep -q "monitors config not sent" "$WORK/agent.err"; then
		pass server/monitors_config_without_agent_reported
	else
		fail server/monitors_config_without_agent_reported "rc $rc: $(cat "$WORK/agent.err")"
	fi
	for p in "${PIDS[@]}"; do stop_pid "$p"; done
	PIDS=()

	# port, playback and record channels of the real server
	PORT3=$(free_port)
	qemu-system-x86_64 -nodefaults -machine pc -m 64 -vga none -device qxl-vga \
		-spice "port=$PORT3,addr=127.0.0.1,disable-ticketing=on,seamless-migration=on" \
		-device virtio-serial-pci -chardev spiceport,id=sp0,name=org.qxlng.test \
		-device virtserialport,chardev=sp0,name=org.qxlng.test \
		-audiodev spice,id=snd0 -device intel-hda -device hda-duplex,audiodev=snd0 \
		-display none -qmp "unix:$WORK/av.qmp,server=on,wait=off" >"$WORK/av.log" 2>&1 &
	PIDS+=($!)
	for i in $(seq 100); do [ -S "$WORK/av.qmp" ] && $QMP "$WORK/av.qmp" stop >/dev/null 2>&1 && break; sleep 0.1; done
	if timeout 30 "$PROBE" -p "$PORT3" --channels display,port,playback,record --exit-idle 800 -t 20 \
		-l "$WORK/av.json" 2>"$WORK/av.err" &&
		grep -q '"ch":"port","id":0,"dir":"in","type":201,"name":"port_init","size":[0-9]*,"port_name":"org.qxlng.test"' "$WORK/av.json" &&
		grep -q '"ch":"playback","id":0,"event":"linked"' "$WORK/av.json" &&
		grep -q '"ch":"record","id":0,"event":"linked"' "$WORK/av.json"; then
		pass server/port_playback_record_channels
	else
		fail server/port_playback_record_channels "$(tail -1 "$WORK/av.err") $(grep -c . "$WORK/av.json" 2>/dev/null) log lines"
	fi
	# this server compresses images (default auto_glz); a client preference
	# for no compression gets uncompressed bitmaps
	if msg=$(pixel_test "$WORK/av.qmp" "$PORT3" pref --pref-compression off --pref-codecs vp8,mjpeg); then
		if grep -q '"name":"preferred_compression"' "$WORK/pref.json" && grep -q '"format":8' "$WORK/pref.json"; then
			pass server/preferred_compression_off
		else
			fail server/preferred_compression_off "preference not sent or bitmap not uncompressed"
		fi
	else
		fail server/preferred_compression_off "$msg"
	fi

	# a second QXL card: a second display channel (no primary without a guest driver)
	PORT5=$(free_port)
	qemu-system-x86_64 -nodefaults -machine pc -m 128 -vga none -device qxl-vga -device qxl,id=video1 \
		-spice "port=$PORT5,addr=127.0.0.1,disable-ticketing=on,image-compression=off" \
		-display none -qmp "unix:$WORK/two.qmp,server=on,wait=off" >"$WORK/two.log" 2>&1 &
	PIDS+=($!)
	for i in $(seq 100); do [ -S "$WORK/two.qmp" ] && $QMP "$WORK/two.qmp" query-status >/dev/null 2>&1 && break; sleep 0.1; done
	sleep 2
	if msg=$(pixel_test "$WORK/two.qmp" "$PORT5" two); then
		if grep -q '"ch":"display","id":1,"event":"linked"' "$WORK/two.json" &&
			grep -q '"ch":"display","id":1,"dir":"in","type":3,"name":"set_ack"' "$WORK/two.json"; then
			pass server/second_card_display_channel
		else
			fail server/second_card_display_channel "display channel 1 not linked"
		fi
	else
		fail server/second_card_display_channel "$msg"
	fi

	# SASL (DIGEST-MD5 with its security layer: spice-server without TLS
	# requires SSF >= 56), configured for this QEMU only via SASL_CONF_PATH
	if ! command -v saslpasswd2 >/dev/null; then
		skip server/sasl_digest_md5 "saslpasswd2 (sasl2-bin) not installed"
	elif ! ldd "$PROBE" | grep -q libsasl2; then
		skip server/sasl_digest_md5 "spice-probe built without libsasl2"
	else
		mkdir -p "$WORK/sasl"
		printf 'mech_list: digest-md5\nsasldb_path: %s/sasl/sasldb2\n' "$WORK" >"$WORK/sasl/qemu.conf"
		echo -n "sasl-secret" | saslpasswd2 -p -a qemu -f "$WORK/sasl/sasldb2" -c -u "$(hostname)" alice
		PORT4=$(free_port)
		SASL_CONF_PATH=$WORK/sasl qemu-system-x86_64 -nodefaults -machine pc -m 64 -vga none -device qxl-vga \
			-spice "port=$PORT4,addr=127.0.0.1,sasl=on,image-compression=off" \
			-display none -qmp "unix:$WORK/sasl.qmp,server=on,wait=off" >"$WORK/sasl.log" 2>&1 &
		PIDS+=($!)
		for i in $(seq 100); do [ -S "$WORK/sasl.qmp" ] && $QMP "$WORK/sasl.qmp" query-status >/dev/null 2>&1 && break; sleep 0.1; done
		sleep 1
		if msg=$(pixel_test "$WORK/sasl.qmp" "$PORT4" sasl --sasl --sasl-user alice -w sasl-secret); then
			pass server/sasl_digest_md5_png_equals_screendump
		else
			fail server/sasl_digest_md5_png_equals_screendump "$msg"
		fi
		timeout 20 "$PROBE" -p "$PORT4" --sasl --sasl-user alice -w wrong -t 10 >/dev/null 2>"$WORK/saslbad.err"
		rc=$?
		if [ $rc = 1 ] && grep -q "SASL authentication refused" "$WORK/saslbad.err"; then
			pass server/sasl_wrong_password_refused
		else
			fail server/sasl_wrong_password_refused "rc $rc: $(cat "$WORK/saslbad.err")"
		fi
	fi

	if migrate_test "$WORK/av.qmp" "$PORT3" mig2 migrate_begin_seamless; then
		pass server/migrate_begin_seamless_refused
	else
		fail server/migrate_begin_seamless_refused "no migrate_begin_seamless/connect_error: $(tail -1 "$WORK/mig2.err")"
	fi
	for p in "${PIDS[@]}"; do stop_pid "$p"; done
	PIDS=()

	# spice-probe follows a live migration (tests/spice/migrate_check.py:
	# source + destination QEMU, client_migrate_info + migrate; the probe
	# must end on the destination with the expected protocol, its picture
	# == the destination's screendump, exit 0). One QEMU pair at a time.
	migrate_follow() { # name mode args...
		local name=$1 mode=$2 msg t0=$SECONDS
		shift 2
		if msg=$(timeout 180 python3 "$ROOT/tests/spice/migrate_check.py" "$PROBE" "$WORK" "$name" "$mode" "$@" 2>&1); then
			pass "server/migrate_$name"
			echo "# $msg ($((SECONDS - t0)) s)"
		else
			fail "server/migrate_$name" "$(echo "$msg" | tail -1)"
		fi
	}
	migrate_follow seamless_qemu72 seamless --seamless on
	migrate_follow seamless_full_header_qemu72 seamless --seamless on --cap=-MINI_HEADER
	migrate_follow semi_seamless_qemu72 semi-seamless --seamless off
	migrate_follow switch_host_qemu72 switch-host --cap=-SEMI_SEAMLESS_MIGRATE
	migrate_follow cancel_qemu72 cancel --seamless off
	QEMU10="$ROOT/tests/harness/qemu-release trixie"
	if ! timeout 60 $QEMU10 --version >"$WORK/qemu10.ver" 2>&1; then
		why="QEMU 10 chroot not usable ($(tail -1 "$WORK/qemu10.ver"); run tests/harness/qemu-release --prepare trixie as root)"
		skip server/migrate_seamless_qemu10 "$why"
		skip server/migrate_semi_seamless_no_seamless_cap_qemu10 "$why"
	else
		migrate_follow seamless_qemu10 seamless --seamless on --qemu "$QEMU10"
		migrate_follow semi_seamless_no_seamless_cap_qemu10 semi-seamless --seamless on \
			--cap=-SEAMLESS_MIGRATE --qemu "$QEMU10"
	fi
fi

# ---- 1b. unit tests again under ASan + UBSan (+ LeakSanitizer) ---------------
if command -v clang >/dev/null; then
	if ! sanitize_build tests/spice/test-spice-wire >"$WORK/asan-build.log" 2>&1; then
		fail unit_asan "build failed: $(grep -m1 -E 'error|ERROR' "$WORK/asan-build.log")"
	elif timeout 300 "$SANITIZE_BUILD/tests/spice/test-spice-wire" >"$WORK/asan.log" 2>&1 &&
		! grep -qE 'ERROR: |runtime error' "$WORK/asan.log"; then
		pass unit_asan
	else
		fail unit_asan "$(grep -m1 -E 'FAIL|ERROR: |runtime error' "$WORK/asan.log")"
	fi
	# spice-probe itself (its migration code moves live channels around)
	if ! sanitize_build userspace/tools/spice-probe >"$WORK/probe-asan-build.log" 2>&1; then
		fail probe_migrate_asan "build failed: $(grep -m1 error "$WORK/probe-asan-build.log")"
	elif mkdir -p "$WORK/pm-asan" && timeout 120 "$BUILD/tests/spice/test-probe-migrate" \
		"$SANITIZE_BUILD/userspace/tools/spice-probe" "$WORK/pm-asan" \
		>"$WORK/pm-asan.log" 2>&1 && ! grep -qE 'ERROR: |runtime error' "$WORK"/pm-asan/*.err; then
		pass probe_migrate_asan
	else
		fail probe_migrate_asan "$(grep -h -m1 -E 'FAIL|ERROR: |runtime error' "$WORK/pm-asan.log" "$WORK"/pm-asan/*.err | head -1)"
	fi
else
	skip unit_asan "clang not installed"
fi

# ---- 2. fuzzing --------------------------------------------------------------
FUZZ_DIR=$WORK/fuzz
mkdir -p "$FUZZ_DIR/work"
if ! command -v clang >/dev/null; then
	skip fuzz/demarshal "clang not installed"
elif ! sanitize_build tests/spice/fuzz-wire >"$FUZZ_DIR/build.log" 2>&1; then
	fail fuzz/build "$(grep -m1 -E 'error' "$FUZZ_DIR/build.log")"
else
	# seeds: the unit-test vectors, past fuzzer findings (tests/spice/fuzz-regressions)
	# and every message of the recorded session
	if [ -s "$WORK/session.rec" ]; then
		python3 - "$WORK/session.rec" "$WORK/corpus" <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read()[7:]
pos = n = 0
while pos + 8 <= len(data) and n < 200:
    ch, cid, typ, size = struct.unpack("<BBHI", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + size]
    pos += 8 + size
    if size > 65536:
        continue
    open("%s/rec-%04d" % (sys.argv[2], n), "wb").write(bytes([ch, 1]) + struct.pack("<H", typ) + body)
    n += 1
EOF
	fi
	cp "$ROOT"/tests/spice/fuzz-regressions/* "$WORK/corpus/" 2>/dev/null
	timeout $((FUZZ_SECONDS + 60)) "$SANITIZE_BUILD/tests/spice/fuzz-wire" -max_total_time="$FUZZ_SECONDS" -max_len=65536 \
		-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$FUZZ_DIR/" "$FUZZ_DIR/work" "$WORK/corpus" \
		>"$FUZZ_DIR/fuzz.log" 2>&1
	rc=$?
	runs=$(grep -oE 'Done [0-9]+ runs' "$FUZZ_DIR/fuzz.log" | grep -oE '[0-9]+')
	if [ $rc = 0 ] && ! grep -qE 'ERROR: |runtime error' "$FUZZ_DIR/fuzz.log"; then
		pass fuzz/demarshal
		echo "# fuzz: ${runs:-?} runs in ${FUZZ_SECONDS}s, no crash, no sanitizer report"
	else
		mkdir -p "$ROOT/build/spice-fuzz"
		cp "$FUZZ_DIR"/crash-* "$FUZZ_DIR"/leak-* "$FUZZ_DIR"/timeout-* "$ROOT/build/spice-fuzz/" 2>/dev/null
		fail fuzz/demarshal "rc $rc: $(grep -m1 -E 'ERROR: |runtime error' "$FUZZ_DIR/fuzz.log") (artifacts in build/spice-fuzz)"
	fi
fi

echo "$npass passed, $nfail failed, $nskip skipped"
[ $nfail = 0 ]

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Shell side of the qtest protocol for guest scripts: source it with
#   . /tests/scripts/qtlib.sh

# qt_result NAME PASS|FAIL|SKIP MESSAGE...
qt_result() {
	_n=$1; _s=$2; shift 2
	echo "@@TEST $_n $_s $*"
}

# qt_check NAME REQUEST...: one host request, reported as test NAME
qt_check() {
	_n=$1; shift
	if _out=$(qthost "$@"); then
		qt_result "$_n" PASS
	else
		qt_result "$_n" FAIL "$(echo "$_out" | tail -n 1)"
		return 1
	fi
}

# First connected connector id of the qxl card (modetest -c).
qt_first_connector() {
	modetest -M qxl -c 2>/dev/null | awk '$3 == "connected" { print $1; exit }'
}

# qt_wait_gone PID SECONDS: wait until a process has exited; 1 if it has not.
qt_wait_gone() {
	_i=0
	while kill -0 "$1" 2>/dev/null; do
		[ $_i -ge $(($2 * 10)) ] && return 1
		sleep 0.1; _i=$((_i + 1))
	done
	return 0
}

# qt_stop PID...: TERM, then KILL after 3 s, each by PID.
qt_stop() {
	for _p in "$@"; do
		kill "$_p" 2>/dev/null
		qt_wait_gone "$_p" 3 || kill -9 "$_p" 2>/dev/null
	done
}

# qt_hold_agent_port NAME: hold the vdagent port open in place of a vdagent
# daemon (agent_port.sh, so that the client's monitors config reaches the
# device) and set AG to its PID; without the port (vmtest.py --vdagent),
# report NAME as a SKIP and return 1.
qt_hold_agent_port() {
	if [ ! -e /dev/vport0p1 ]; then
		qt_result "$1" SKIP "no vdagent port (vmtest.py --vdagent)"
		return 1
	fi
	agent_port.sh &
	AG=$!
	sleep 1
}

# qt_weston_env INI: the runtime dir and a weston.ini for a guest without input
# devices or a session manager
qt_weston_env() {
	export XDG_RUNTIME_DIR=/tmp/xdg
	mkdir -p "$XDG_RUNTIME_DIR"
	chmod 0700 "$XDG_RUNTIME_DIR"
	cat >"$1" <<'INI'
[core]
require-input=false
idle-time=0

[shell]
locking=false
animation=none
startup-animation=none
INI
}

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The whole qxl-ng test run: builds (module, userspace, guest programs), static
# checks (checkpatch, sparse), then every guest suite in tests/suites.txt, in order.
# Every step prints PASS/FAIL/SKIP lines; the last line is
#   N passed, N failed, N skipped
# and the exit status is non-zero if anything failed.
#
# Environment: QXL_SKIP_SETUP=1 skips tests/setup.sh; QXL_SUITES="a b" runs only
# those suites; QXL_LOGS=DIR keeps logs there (default build/logs).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
logs=${QXL_LOGS:-$top/build/logs}
rm -rf "$logs"
mkdir -p "$logs" build/guest/bin
npass=0 nfail=0 nskip=0
t_start=$(date +%s)

# emit LINE: print a result line and count it
emit() {
	echo "$1"
	case $1 in
	PASS\ *) npass=$((npass + 1)) ;;
	FAIL\ *) nfail=$((nfail + 1)) ;;
	SKIP\ *) nskip=$((nskip + 1)) ;;
	esac
}

# step NAME LOGFILE CMD...: run CMD; FAIL (with the log tail) on non-zero exit
# or on any compiler/sparse warning in its output.
step() {
	local name=$1 log=$2
	shift 2
	local t0=$(date +%s)
	"$@" >"$log" 2>&1
	local rc=$? dt=$(($(date +%s) - t0))
	local warn
	warn=$(grep -E '(warning|error):' "$log" | grep -v '^make' | head -n 1)
	if [ $rc -ne 0 ]; then
		emit "FAIL $name: exit status $rc (${dt} s, log $log)"
		tail -n 20 "$log" | sed 's/^/    /'
		return 1
	elif [ -n "$warn" ]; then
		emit "FAIL $name: $warn"
		grep -E '(warning|error):' "$log" | head -n 20 | sed 's/^/    /'
		return 1
	fi
	emit "PASS $name (${dt} s)"
}

has_target() { grep -qE "^$1:" Makefile 2>/dev/null; }

# ---- setup
if [ "${QXL_SKIP_SETUP:-0}" != 1 ]; then
	step setup "$logs/setup.log" tests/setup.sh
fi

# ---- builds
module_ok=1
if has_target module; then
	step make-module "$logs/module.log" make module || module_ok=0
else
	emit "SKIP make-module: no module target in Makefile"
fi
if has_target userspace; then
	step make-userspace "$logs/userspace.log" make userspace
else
	emit "SKIP make-userspace: no userspace target in Makefile"
fi

# ---- static checks
if [ -x tests/checkpatch.sh ]; then
	tests/checkpatch.sh >"$logs/checkpatch.log" 2>&1
	rc=$?
	nres=0
	while IFS= read -r line; do
		case $line in
		PASS\ * | FAIL\ * | SKIP\ *) emit "$line"; nres=$((nres + 1)) ;;
		*) [ $rc -ne 0 ] && echo "$line" ;;
		esac
	done <"$logs/checkpatch.log"
	if [ $rc -ne 0 ] && ! grep -q '^FAIL ' "$logs/checkpatch.log"; then
		emit "FAIL checkpatch: exit status $rc (log $logs/checkpatch.log)"
	elif [ $nres -eq 0 ]; then
		emit "PASS checkpatch"
	fi
else
	emit "SKIP checkpatch: tests/checkpatch.sh is absent"
fi
if has_target sparse; then
	step sparse "$logs/sparse.log" make sparse
else
	emit "SKIP sparse: no sparse target in Makefile"
fi

# ---- the harness's own host-side self-tests (no VM)
step host-selftest "$logs/host-selftest.log" python3 tests/host/test_harness.py

# ---- scripts that print their own PASS/FAIL/SKIP lines: DKMS packaging, SPICE protocol
# run_lines NAME LOG CMD...: relay the command's result lines; FAIL if it failed silently
run_lines() {
	local name=$1 log=$2
	shift 2
	"$@" >"$log" 2>&1 </dev/null
	local rc=$? n=0
	while IFS= read -r line; do
		case $line in
		PASS\ * | FAIL\ * | SKIP\ *) emit "$line"; n=$((n + 1)) ;;
		esac
	done <"$log"
	if [ $rc -ne 0 ] && ! grep -q '^FAIL ' "$log"; then
		emit "FAIL $name: exit status $rc (log $log)"
		tail -n 20 "$log" | sed 's/^/    /'
	elif [ $n -eq 0 ]; then
		emit "FAIL $name: printed no result (log $log)"
	fi
}
if [ -z "${QXL_SUITES:-}" ]; then
	run_lines dkms "$logs/dkms.log" tests/dkms.sh
	if [ -x tests/spice/run.sh ]; then
		run_lines spice "$logs/spice.log" tests/spice/run.sh
	else
		emit "SKIP spice: tests/spice/run.sh is absent"
	fi
fi

# ---- guest programs: tests/guest/*.c and tests/consumers/*.c, each with qtest.c
CFLAGS_GUEST="-std=c11 -O2 -Wall -Wextra -Werror"
drm_cflags=$(pkg-config --cflags libdrm 2>/dev/null)
drm_libs=$(pkg-config --libs libdrm 2>/dev/null)
rm -f build/guest/bin/*
for src in tests/guest/*.c tests/consumers/*.c; do
	[ -f "$src" ] || continue
	name=$(basename "$src" .c)
	[ "$name" = qtest ] && continue
	# shellcheck disable=SC2086
	step "build-guest-$name" "$logs/guest-$name.log" \
		cc $CFLAGS_GUEST $drm_cflags -Itests/guest "$src" tests/guest/qtest.c \
		-o "build/guest/bin/$name" $drm_libs
done

# ---- libqxl guest programs: tests/libqxl/*.c (but common.c, the host-only
# unit_test.c) with common.c, qtest.c, the static libqxl built by make-userspace
# and pixman; qxlctl goes into the guest image too
pixman_cflags=$(pkg-config --cflags pixman-1 2>/dev/null)
pixman_libs=$(pkg-config --libs pixman-1 2>/dev/null)
for src in tests/libqxl/*.c; do
	name=$(basename "$src" .c)
	case $name in common | unit_test) continue ;; esac
	# shellcheck disable=SC2086
	step "build-guest-$name" "$logs/guest-$name.log" \
		cc $CFLAGS_GUEST $drm_cflags $pixman_cflags -Itests/guest -Itests/libqxl \
		-Iuserspace/libqxl/include "$src" tests/libqxl/common.c tests/guest/qtest.c \
		build/userspace/libqxl/libqxl.a -o "build/guest/bin/$name" $pixman_libs $drm_libs
done
[ -x build/userspace/tools/qxlctl ] && cp build/userspace/tools/qxlctl build/guest/bin/
# libqxl's host checks: encoder and argument unit tests, the exported symbol list
step libqxl-unit "$logs/libqxl-unit.log" build/userspace/libqxl/libqxl-unit
step scanout-hostile-producer "$logs/scanout-hostile.log" build/userspace/scanout/scanout-selftest --no-drm malformed seals bad_peer
step libqxl-symbols "$logs/libqxl-symbols.log" python3 userspace/libqxl/check-symbols.py \
	build/userspace/libqxl/libqxl.so userspace/libqxl/libqxl.sym

# ---- guest suites
suites=tests/suites.txt
if [ ! -f "$suites" ]; then
	emit "SKIP suites: $suites is absent"
else
	while IFS= read -r line <&3; do
		line=${line%%#*}
		[ -z "${line// /}" ] && continue
		suite=${line%% *}
		rest=${line#"$suite"}
		if [ -n "${QXL_SUITES:-}" ] && [[ " $QXL_SUITES " != *" $suite "* ]]; then
			continue
		fi
		if [ $module_ok -eq 0 ] && [[ "$rest" != *--module* ]]; then
			emit "SKIP $suite: the module did not build"
			continue
		fi
		eval "opts=($rest)"
		t0=$(date +%s)
		python3 tests/harness/vmtest.py --prefix "$suite/" --keep-logs "$logs/$suite" \
			"${opts[@]}" >"$logs/$suite.out" 2>"$logs/$suite.err" </dev/null
		rc=$?
		dt=$(($(date +%s) - t0))
		while IFS= read -r r; do
			emit "$r"
		done < <(grep -E '^(PASS|FAIL|SKIP) ' "$logs/$suite.out")
		if [ $rc -ne 0 ]; then
			if ! grep -q '^FAIL ' "$logs/$suite.out"; then
				emit "FAIL $suite: vmtest exit status $rc"
			fi
			tail -n 30 "$logs/$suite.err" | sed 's/^/    /'
		fi
		echo "# suite $suite: ${dt} s (logs in $logs/$suite)"
	done 3<"$suites"
fi

echo "# total $(($(date +%s) - t_start)) s"
echo "$npass passed, $nfail failed, $nskip skipped"
[ $nfail -eq 0 ]

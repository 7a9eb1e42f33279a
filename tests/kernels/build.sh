#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Builds drivers/qxl against several kernels from one source tree: the host's
# Debian 12 headers (6.1) and the headers in each release's chroot
# (tests/kernels/chroot.sh creates or reuses it).
#
#   tests/kernels/build.sh [--no-host] [--no-sparse] [RELEASE...]
#
# RELEASE defaults to $KERNEL_RELEASES or "trixie trixie-backports" (Debian 13's
# 6.12 LTS and the newest kernel Debian ships; `tests/kernels/chroot.sh --newest`
# checks which release that is today). Each kernel gets its own copy of
# drivers/qxl and uapi in build/kbuild/<kver>/, built there with the flags of
# the top-level `make module` (W=1 KCFLAGS=-Werror CONFIG_DRM_QXL_NG=m), plus
# make -k so that every file's errors are listed. Inside a chroot the copy is
# bind-mounted in a private mount namespace (the mounts vanish with it).
#
# Prints per kernel:
#   PASS kbuild-<kver> (N s)   or   FAIL kbuild-<kver>: <first error> (log ...)
# with the full log in build/logs/kbuild-<kver>.log and the deduplicated
# diagnostics (file:line: message) in build/logs/kbuild-<kver>.errors.
# Then, where the kernel's environment has sparse and the build passed, a
# sparse run (make C=2) reported as an informational SPARSE line, log
# build/logs/sparse-<kver>.log (SPARSE_STRICT=1 makes sparse findings fail).
# Exits non-zero if any build failed.
#
# Environment: KBUILD_TIMEOUT (seconds per make, default 900); KBUILD_SRC
# (a tree holding drivers/qxl and uapi to build instead of this checkout, e.g.
# a patched copy; default the checkout).
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
logs=$top/build/logs
kbuild=$top/build/kbuild
src_top=$(cd "${KBUILD_SRC:-$top}" && pwd) || exit 2
KBUILD_TIMEOUT=${KBUILD_TIMEOUT:-900}
jobs=$(nproc)
host=1 sparse=1
releases=()
for a in "$@"; do
	case $a in
	--no-host) host=0 ;;
	--no-sparse) sparse=0 ;;
	-h | --help) sed -n '2,28p' "$0"; exit 0 ;;
	-*) echo "usage: $0 [--no-host] [--no-sparse] [RELEASE...]" >&2; exit 2 ;;
	*) releases+=("$a") ;;
	esac
done
[ ${#releases[@]} -gt 0 ] || read -r -a releases <<<"${KERNEL_RELEASES:-trixie trixie-backports}"
mkdir -p "$logs" "$kbuild"

# One run at a time: runs share build/kbuild/<kver> and the logs.
exec 8>"$kbuild/.lock"
if ! flock -n 8; then
	echo "kbuild: waiting for another tests/kernels/build.sh (lock $kbuild/.lock)"
	flock -w "$KBUILD_TIMEOUT" 8 || { echo "FAIL kbuild: another build.sh still holds $kbuild/.lock"; exit 1; }
fi

MAKEARGS=(CONFIG_DRM_QXL_NG=m W=1 KCFLAGS=-Werror -k -j"$jobs" modules)
nfail=0
mounted=()

# Mounts are made inside `unshare -m`, so they cannot outlive it; this only
# catches one that somehow shows up in our namespace.
cleanup() {
	local m
	for m in "${mounted[@]}"; do
		if awk -v m="$m" '$2 == m { f = 1 } END { exit !f }' /proc/self/mounts; then
			umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
		fi
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# stage DIR: a fresh copy of the driver sources (no build products) in DIR
stage() {
	local d=$1
	case $d in "$kbuild"/?*) ;; *) echo "refusing to stage into $d" >&2; return 1 ;; esac
	rm -rf --one-file-system "$d"
	mkdir -p "$d"
	tar -C "$src_top" -cf - \
		--exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
		--exclude='.*.cmd' --exclude='*.cmd' --exclude='*.a' --exclude=modules.order \
		--exclude=Module.symvers --exclude=.tmp_versions --exclude='*.d' \
		--warning=no-file-changed drivers/qxl uapi | tar -C "$d" -xf -
	local st=("${PIPESTATUS[@]}")
	# tar exits 1 when a file changed while read (a build running in the
	# checkout at the same time writes its objects there): not an error
	[ "${st[0]}" -le 1 ] && [ "${st[1]}" -eq 0 ]
}

# diagnostics LOG: file:line: message lines, paths relative to the staged tree,
# each once, in order of first appearance
diagnostics() {
	sed -nE \
		-e 's#^(/[^ :]*/|(\.\./)+)?(drivers/qxl/|uapi/)#\3#' \
		-e 's#^([^ :/]+\.[ch]):#drivers/qxl/\1:#' \
		-e 's#^([^ :]+):([0-9]+):[0-9]+: ((fatal )?error|warning): (.*)#\1:\2: \3: \5#p' \
		-e 's#^(ERROR|WARNING): modpost: (.*)#modpost: \1: \2#p' "$1" |
		awk '!seen[$0]++'
}

# run_make ROOT KDIR SRC LOG ARGS...: make in SRC against KDIR, in chroot ROOT
# (empty: on the host); SRC is the staged tree's path on the host.
run_make() {
	local root=$1 kdir=$2 src=$3 log=$4
	shift 4
	if [ -z "$root" ]; then
		timeout -k 30 "$KBUILD_TIMEOUT" make -C "$kdir" M="$src/drivers/qxl" "$@" >"$log" 2>&1
		return
	fi
	mkdir -p "$root/qxl-build"
	mounted+=("$root/qxl-build" "$root/proc")
	timeout -k 30 "$KBUILD_TIMEOUT" unshare -m --propagation private sh -ec '
		root=$1 src=$2 kdir=$3
		shift 3
		mount --bind "$src" "$root/qxl-build"
		mount -t proc proc "$root/proc"
		exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LC_ALL=C.UTF-8 make -C "$kdir" M=/qxl-build/drivers/qxl "$@"
	' sh "$root" "$src" "$kdir" "$@" >"$log" 2>&1
}

# run_in ROOT CMD...: CMD on the host (ROOT empty) or in chroot ROOT, bounded
run_in() {
	local root=$1
	shift
	if [ -z "$root" ]; then
		timeout -k 5 60 "$@"
	else
		timeout -k 5 60 chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
	fi
}

# build_one NAME ROOT: NAME labels a chroot's kernel (its release), ROOT is the
# chroot ('' for the host)
build_one() {
	local name=$1 root=$2 kdir kver out log errs t0 dt rc first
	kdir=$(ls -d "$root"/usr/src/linux-headers-*-amd64 2>/dev/null |
		sed 's,.*/linux-headers-,,' | sort -V | tail -n 1)
	if [ -z "$kdir" ]; then
		echo "FAIL kbuild-$name: no linux-headers-*-amd64 under ${root:-/}usr/src"
		nfail=$((nfail + 1))
		return
	fi
	kver=$kdir
	kdir=/usr/src/linux-headers-$kver
	out=$kbuild/$kver
	log=$logs/kbuild-$kver.log
	errs=$logs/kbuild-$kver.errors
	if ! stage "$out"; then
		echo "FAIL kbuild-$kver: could not copy the sources to $out"
		nfail=$((nfail + 1))
		return
	fi
	t0=$(date +%s)
	if [ -z "$root" ]; then
		run_make "" "$kdir" "$out" "$log" "${MAKEARGS[@]}"
	else
		run_make "$root" "$kdir" "$out" "$log" "${MAKEARGS[@]}"
	fi
	rc=$?
	dt=$(($(date +%s) - t0))
	diagnostics "$log" >"$errs"
	if [ $rc -eq 0 ] && [ -f "$out/drivers/qxl/qxl.ko" ] && [ ! -s "$errs" ]; then
		echo "PASS kbuild-$kver (${dt} s)"
	else
		if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
			first="timed out after ${KBUILD_TIMEOUT} s"
		else
			first=$(head -n 1 "$errs")
			[ -n "$first" ] || first=$(grep -m1 -E '\*\*\*|[Ee]rror' "$log")
			[ -n "$first" ] || first="make exited $rc"
		fi
		echo "FAIL kbuild-$kver: $first (${dt} s, $(wc -l <"$errs") diagnostics in $errs, log $log)"
		nfail=$((nfail + 1))
		return
	fi

	[ $sparse -eq 1 ] || return
	if [ -z "$root" ]; then
		command -v sparse >/dev/null || { echo "SKIP sparse-$kver: no sparse on the host"; return; }
	else
		[ -x "$root/usr/bin/sparse" ] || { echo "SKIP sparse-$kver: no sparse in $root"; return; }
	fi
	# C=2 checks every file again; a separate copy keeps the module above
	local sout=$kbuild/sparse-$kver slog=$logs/sparse-$kver.log n
	stage "$sout" || return
	t0=$(date +%s)
	run_make "$root" "$kdir" "$sout" "$slog" CONFIG_DRM_QXL_NG=m C=2 -k -j"$jobs" modules
	rc=$?
	dt=$(($(date +%s) - t0))
	n=$(grep -cE '(warning|error):' "$slog")
	if grep -q 'sparse is not available or not up to date' "$slog"; then
		# The Makefile asks scripts/checker-valid.sh whether sparse parses
		# __typeof_unqual__, which the 7.x headers use. Debian's 7.x header
		# packages lack that script; ask sparse the same question here.
		local why
		why=$(grep -m1 -oE '[^ ]*checker-valid.sh: No such file or directory' "$slog")
		printf 'static int u(const int *q) { __typeof_unqual__(*q) v = *q; return v; }\n' \
			>"$root/tmp/qxl-sparse-probe.c"
		if ! run_in "$root" sparse /tmp/qxl-sparse-probe.c 2>&1 | grep -q error; then
			why="${why:-sparse refused}"
		else
			local ver
			ver=$(run_in "$root" sparse --version 2>/dev/null | head -n 1)
			why="sparse ${ver:-(unknown version)} cannot parse __typeof_unqual__, which these headers use${why:+; and $why}"
		fi
		rm -f "$root/tmp/qxl-sparse-probe.c"
		echo "SKIP sparse-$kver: the kernel's Makefile will not run this sparse ($why), log $slog"
	elif [ $rc -eq 0 ] && [ "$n" -eq 0 ]; then
		echo "SPARSE kbuild-$kver: clean (${dt} s)"
	else
		echo "SPARSE kbuild-$kver: $n findings, exit $rc (${dt} s, log $slog)"
		grep -E '(warning|error):' "$slog" | sed -E 's#^(/[^ :]*/|(\.\./)+)?(drivers/qxl/|uapi/)#\3#' |
			awk '!seen[$0]++' | head -n 10 | sed 's/^/    /'
		if [ "${SPARSE_STRICT:-0}" = 1 ]; then nfail=$((nfail + 1)); fi
	fi
	rm -rf --one-file-system "$sout"
}

if [ $host -eq 1 ]; then
	build_one host ""
fi
for r in "${releases[@]}"; do
	root=$("$top/tests/kernels/chroot.sh" --path "$r")
	if [ -z "$root" ]; then
		echo "kbuild: creating the $r chroot (tests/kernels/chroot.sh $r)"
		"$top/tests/kernels/chroot.sh" "$r" >"$logs/chroot-$r.out" 2>&1
		root=$("$top/tests/kernels/chroot.sh" --path "$r")
		sed 's/^/    /' "$logs/chroot-$r.out" | grep -E 'took|error|done' || true
	fi
	if [ -z "$root" ]; then
		echo "FAIL kbuild-$r: no chroot (see $logs/chroot-$r.out)"
		nfail=$((nfail + 1))
		continue
	fi
	build_one "$r" "$root"
done
[ $nfail -eq 0 ]

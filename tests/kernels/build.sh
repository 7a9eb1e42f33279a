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
# Then, where the build passed, a sparse run (make C=2), log
# build/logs/sparse-<kver>.log:
#   PASS sparse-<kver>: clean   or   FAIL sparse-<kver>: N findings
# (SKIP when no sparse can be had; for 7.x headers sid's sparse, see
# pick_sparse). Exits non-zero if any build or sparse run failed.
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

# parses_unqual ROOT SPARSE: does SPARSE (a path in ROOT) parse
# __typeof_unqual__, as the 7.x headers need (the question the kernel's
# scripts/checker-valid.sh asks)?
parses_unqual() {
	local root=$1 sp=$2 out
	printf 'static int u(const int *q) { __typeof_unqual__(*q) v = *q; return v; }\n' \
		>"$root/tmp/qxl-sparse-probe.c"
	out=$(run_in "$root" "$sp" /tmp/qxl-sparse-probe.c 2>&1)
	local rc=$?
	rm -f "$root/tmp/qxl-sparse-probe.c"
	[ $rc -eq 0 ] && ! grep -q error <<<"$out"
}

# pick_sparse ROOT: prints the sparse to use in ROOT, or why there is none
# (exit 1). Kernels whose headers use __typeof_unqual__ (7.x) need a sparse
# that parses it: Debian 13's 0.6.4 cannot, sid's 0.6.5~rc1 can. Its one
# binary needs only glibc >= 2.38, so it is taken from sid's .deb (a private
# apt configuration; the host's apt state is untouched), cached in
# $QXL_CACHE/sparse-sid/ and copied into the chroot as
# /usr/local/lib/qxl-ng/sparse.
pick_sparse() {
	local root=$1 cache=${QXL_CACHE:-$HOME/.cache/qxl-ng}/sparse-sid
	local hdr
	hdr=$(ls -d "$root"/usr/src/linux-headers-*-common 2>/dev/null | sort -V | tail -n 1)
	if [ -z "$root" ]; then
		command -v sparse >/dev/null || { echo "no sparse on the host"; return 1; }
		echo sparse
		return
	fi
	[ -x "$root/usr/bin/sparse" ] || { echo "no sparse in $root"; return 1; }
	if ! grep -rqs '__typeof_unqual__' "$hdr/include/linux/compiler_types.h" ||
	   parses_unqual "$root" /usr/bin/sparse; then
		echo /usr/bin/sparse
		return
	fi
	if [ ! -x "$cache/sparse" ]; then
		local apt=$cache/.apt deb
		rm -rf "$cache"
		mkdir -p "$apt/parts" "$apt/lists/partial" "$apt/cache/archives/partial" "$cache/deb"
		printf 'Types: deb\nURIs: %s\nSuites: sid\nComponents: main\nSigned-By: %s\n' \
			"${MIRROR:-http://deb.debian.org/debian}" /usr/share/keyrings/debian-archive-keyring.gpg \
			>"$apt/parts/sid.sources"
		local opts=(-o "Dir::Etc::SourceParts=$apt/parts" -o Dir::Etc::SourceList=/dev/null
			-o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache"
			-o Acquire::Check-Valid-Until=false -o Acquire::Languages=none)
		if ! timeout 600 apt-get "${opts[@]}" update -q >"$logs/sparse-sid-apt.log" 2>&1 ||
		   ! (cd "$cache/deb" && timeout 300 apt-get "${opts[@]}" download sparse/sid \
			>>"$logs/sparse-sid-apt.log" 2>&1); then
			rm -rf "$cache"
			echo "Debian 13's sparse cannot parse __typeof_unqual__ and sid's could not be fetched (log $logs/sparse-sid-apt.log)"
			return 1
		fi
		deb=$(ls "$cache"/deb/sparse_*.deb)
		dpkg-deb -x "$deb" "$cache/x" && cp "$cache/x/usr/bin/sparse" "$cache/sparse.new" &&
			echo "${deb##*/}" >"$cache/VERSION" && mv "$cache/sparse.new" "$cache/sparse"
		rm -rf "$apt" "$cache/deb" "$cache/x"
		[ -x "$cache/sparse" ] || { echo "could not unpack sid's sparse"; return 1; }
	fi
	mkdir -p "$root/usr/local/lib/qxl-ng"
	cp "$cache/sparse" "$root/usr/local/lib/qxl-ng/sparse"
	if ! parses_unqual "$root" /usr/local/lib/qxl-ng/sparse; then
		echo "neither Debian 13's sparse nor sid's ($(cat "$cache/VERSION")) parse __typeof_unqual__"
		return 1
	fi
	echo /usr/local/lib/qxl-ng/sparse
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
	local checker
	checker=$(pick_sparse "$root") || {
		echo "SKIP sparse-$kver: $checker"
		return
	}
	# The 7.x Makefile runs sparse only if scripts/checker-valid.sh says it
	# parses __typeof_unqual__; Debian's 7.x header packages lack that
	# script. pick_sparse has asked sparse that question, so kbuild is told
	# to go ahead where the script is missing.
	local force=()
	if grep -qs 'checker-valid.sh' "$root$kdir/Makefile" "$root/usr/src/linux-headers-${kver%-amd64}-common/Makefile" &&
	   [ ! -e "$root/usr/src/linux-headers-${kver%-amd64}-common/scripts/checker-valid.sh" ]; then
		force=(KBUILD_CHECKSRC=2)
	fi
	# C=2 checks every file again; a separate copy keeps the module above
	local sout=$kbuild/sparse-$kver slog=$logs/sparse-$kver.log n
	stage "$sout" || return
	t0=$(date +%s)
	run_make "$root" "$kdir" "$sout" "$slog" CONFIG_DRM_QXL_NG=m C=2 CHECK="$checker" "${force[@]}" \
		-k -j"$jobs" modules
	rc=$?
	dt=$(($(date +%s) - t0))
	n=$(grep -cE '(warning|error):' "$slog")
	local what
	what=$(run_in "$root" "$checker" --version 2>/dev/null | head -n 1)
	if [ ${#force[@]} -eq 0 ] && grep -q 'sparse is not available or not up to date' "$slog"; then
		echo "FAIL sparse-$kver: the kernel's Makefile refused sparse $what (log $slog)"
		nfail=$((nfail + 1))
	elif ! grep -q ' CHECK ' "$slog"; then
		echo "FAIL sparse-$kver: make C=2 checked no file (exit $rc, log $slog)"
		nfail=$((nfail + 1))
	elif [ $rc -eq 0 ] && [ "$n" -eq 0 ]; then
		echo "PASS sparse-$kver: clean, sparse $what${force:+ (the headers lack checker-valid.sh: checked by build.sh)} (${dt} s)"
	else
		echo "FAIL sparse-$kver: $n findings, exit $rc (${dt} s, log $slog)"
		grep -E '(warning|error):' "$slog" | sed -E 's#^(/[^ :]*/|(\.\./)+)?(drivers/qxl/|uapi/)#\3#' |
			awk '!seen[$0]++' | head -n 10 | sed 's/^/    /'
		nfail=$((nfail + 1))
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

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Builds (or reuses) a minimal Debian chroot holding the kernel headers and the
# compiler of another Debian release, for tests/kernels/build.sh.
#
#   tests/kernels/chroot.sh RELEASE         create or reuse, print its path last
#   tests/kernels/chroot.sh --path RELEASE  print the path of a complete chroot (exit 1 if none)
#   tests/kernels/chroot.sh --newest        which release has the newest linux-headers-amd64
#   tests/kernels/chroot.sh --prune RELEASE remove chroots of RELEASE other than the current one
#
# RELEASE: trixie (Debian 13, 6.12 LTS, gcc-14), trixie-backports (trixie plus
# the newest kernel backported to it) or sid (unstable).
#
# The chroot lives in $QXL_CACHE/chroots/<release>-<hash> (QXL_CACHE defaults
# to ~/.cache/qxl-ng, outside the checkout, so that a fresh clone on the same
# machine, as CI's, reuses it), where <hash> is taken
# over everything that decides its contents (release, sources, package list,
# dpkg options): changing the list makes a new chroot. A stamp file written
# last marks it complete; a directory without it (an interrupted run) is
# removed and built again. Made with mmdebstrap --mode=root as root; host-side
# apt queries (--newest) use a private apt configuration under
# $QXL_CACHE/chroots/.apt, so the host's own apt state is never touched.
#
# Environment: MIRROR (default http://deb.debian.org/debian),
# CHROOT_TIMEOUT (seconds for mmdebstrap, default 1800).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
chroots=${QXL_CACHE:-$HOME/.cache/qxl-ng}/chroots
logs=$top/build/logs
MIRROR=${MIRROR:-http://deb.debian.org/debian}
CHROOT_TIMEOUT=${CHROOT_TIMEOUT:-1800}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
STAMP=.qxl-ng-chroot-complete

# What a kernel module build needs besides linux-headers-amd64 (whose Depends
# bring the release's gcc-N, linux-kbuild-* and pahole). sparse is optional
# for build.sh but cheap.
PACKAGES=(build-essential make gcc libc6-dev libelf-dev libssl-dev bc bison flex
	pahole kmod sparse dkms)

# Packages linux-image-* needs that a header-only chroot does not: a stand-in
# for the initramfs generator (trixie's linux-headers-6.12 depends on the
# image, whose Depends want initramfs-tools | linux-initramfs-tool; the real
# one would build an initramfs for nothing), and dpkg excludes that drop the
# modules, the kernel image and the documentation.
DPKGOPTS=(
	'path-exclude=/usr/lib/modules/*/kernel/*'
	'path-exclude=/lib/modules/*/kernel/*'
	'path-exclude=/boot/vmlinuz-*'
	'path-exclude=/usr/share/doc/*'
	'path-include=/usr/share/doc/*/copyright'
	'path-exclude=/usr/share/man/*'
	'path-exclude=/usr/share/info/*'
	'path-exclude=/usr/share/locale/*'
)
STUB_CONTROL="Package: qxl-ng-no-initramfs
Version: 1
Architecture: all
Maintainer: qxl-ng <qxl-ng@localhost>
Provides: linux-initramfs-tool
Description: stand-in for initramfs-tools in a header-only build chroot
 Satisfies linux-image-*'s dependency on an initramfs generator so that
 none is installed and no initramfs is built."

log() { echo "chroot: $*"; }
die() { echo "chroot: error: $*" >&2; exit 1; }

# release_spec RELEASE: sets SUITE, SOURCES[], HEADERS, APTOPTS[]
release_spec() {
	APTOPTS=('Acquire::Languages "none"')
	case $1 in
	trixie)
		SUITE=trixie
		SOURCES=("deb $MIRROR trixie main")
		HEADERS=linux-headers-amd64
		;;
	trixie-backports)
		SUITE=trixie
		SOURCES=("deb $MIRROR trixie main" "deb $MIRROR trixie-backports main")
		HEADERS=linux-headers-amd64/trixie-backports
		;;
	sid | unstable)
		SUITE=sid
		SOURCES=("deb $MIRROR sid main")
		HEADERS=linux-headers-amd64
		# The mirror's sid Release file can be past its Valid-Until
		# (signatures are still checked).
		APTOPTS+=('Acquire::Check-Valid-Until "false"')
		;;
	*) die "unknown release '$1' (trixie, trixie-backports or sid)" ;;
	esac
}

spec_text() {
	printf 'spec-rev 1\nrelease %s\nsuite %s\n' "$1" "$SUITE"
	printf 'source %s\n' "${SOURCES[@]}"
	printf 'package %s\n' "$HEADERS" "${PACKAGES[@]}"
	printf 'aptopt %s\n' "${APTOPTS[@]}"
	printf 'dpkgopt %s\n' "${DPKGOPTS[@]}"
	printf '%s\n' "$STUB_CONTROL"
}

chroot_dir() {
	local h
	h=$(spec_text "$1" | sha256sum | cut -c1-12)
	echo "$chroots/$1-$h"
}

CACHE_ROOT=$chroots
# shellcheck source=tests/lib/cache-dirs.sh
. "$top/tests/lib/cache-dirs.sh"

# private apt configuration for host-side queries
private_apt() {
	local d=$chroots/.apt
	mkdir -p "$d/etc/apt.conf.d" "$d/etc/preferences.d" "$d/etc/sources.list.d" \
		"$d/state/lists/partial" "$d/cache/archives/partial"
	touch "$d/status"
	{
		echo "deb [signed-by=$KEYRING] $MIRROR trixie main"
		echo "deb [signed-by=$KEYRING] $MIRROR trixie-backports main"
		echo "deb [signed-by=$KEYRING] $MIRROR sid main"
	} >"$d/sources.list"
	cat >"$d/apt.conf" <<-EOF
		Dir::Etc::Parts "$d/etc/apt.conf.d";
		Dir::Etc::SourceList "$d/sources.list";
		Dir::Etc::SourceParts "$d/etc/sources.list.d";
		Dir::Etc::Preferences "$d/etc/preferences";
		Dir::Etc::PreferencesParts "$d/etc/preferences.d";
		Dir::State "$d/state";
		Dir::State::status "$d/status";
		Dir::Cache "$d/cache";
		APT::Architecture "amd64";
		APT::Architectures { "amd64"; };
		Acquire::Languages "none";
		Acquire::Check-Valid-Until "false";
	EOF
	export APT_CONFIG=$d/apt.conf
}

newest() {
	private_apt
	log "apt-get update (private configuration in $chroots/.apt)"
	timeout -k 10 300 apt-get -q update >"$chroots/.apt/update.log" 2>&1 ||
		die "apt-get update failed, see $chroots/.apt/update.log"
	local best='' bestv='' rel v
	for rel in trixie trixie-backports sid; do
		v=$(apt-cache madison linux-headers-amd64 |
			awk -v r="$rel" '$0 ~ " " r "/main " { print $3; exit }')
		[ -n "$v" ] || continue
		echo "$rel linux-headers-amd64 $v"
		if [ -z "$bestv" ] || dpkg --compare-versions "$v" gt "$bestv"; then
			best=$rel bestv=$v
		fi
	done
	# the lists and caches are ~250 MB; only the configuration is kept
	rm -rf "$chroots/.apt/state" "$chroots/.apt/cache"
	[ -n "$best" ] || die "no linux-headers-amd64 found"
	echo "newest: $best ($bestv)"
}

case ${1:-} in
--newest)
	mkdir -p "$chroots"
	newest
	exit 0
	;;
--path)
	[ $# -eq 2 ] || die "usage: $0 --path RELEASE"
	release_spec "$2"
	d=$(chroot_dir "$2")
	[ -f "$d/$STAMP" ] || exit 1
	echo "$d"
	exit 0
	;;
--prune)
	[ $# -eq 2 ] || die "usage: $0 --prune RELEASE"
	release_spec "$2"
	keep=$(chroot_dir "$2")
	for d in "$chroots/$2"-*; do
		[ -d "$d" ] && [ "$d" != "$keep" ] || continue
		case ${d#"$chroots/$2"-} in *-*) continue ;; esac # another release's
		log "removing $d"
		safe_remove "$d"
	done
	exit 0
	;;
'' | -*) die "usage: $0 RELEASE | --path RELEASE | --newest | --prune RELEASE" ;;
esac

release=$1
release_spec "$release"
[ "$(id -u)" -eq 0 ] || die "must run as root (mmdebstrap --mode=root)"
dir=$(chroot_dir "$release")
mkdir -p "$chroots" "$logs"

# one creator per release at a time
exec 9>"$chroots/.lock-$release"
flock -w "$CHROOT_TIMEOUT" 9 || die "timed out waiting for $chroots/.lock-$release"

if [ -f "$dir/$STAMP" ]; then
	log "reusing $dir ($(sed -n 's/^kernel //p' "$dir/$STAMP"), $(du -sh --one-file-system "$dir" | cut -f1))"
	echo "$dir"
	exit 0
fi
for d in "$chroots/$release"-*; do
	[ -d "$d" ] && [ "$d" != "$dir" ] || continue
	case ${d#"$chroots/$release"-} in *-*) continue ;; esac
	log "note: stale chroot $d (package list changed); '$0 --prune $release' removes it"
done

if [ -e "$dir" ]; then
	log "removing incomplete $dir (interrupted earlier)"
	safe_remove "$dir"
fi

if ! command -v mmdebstrap >/dev/null; then
	log "installing mmdebstrap on the host"
	DEBIAN_FRONTEND=noninteractive timeout -k 10 600 apt-get install -y -q mmdebstrap ||
		die "apt-get install mmdebstrap failed"
fi

# the initramfs stand-in, built fresh each time (a few ms)
work=$(mktemp -d "$chroots/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/stub/DEBIAN"
printf '%s\n' "$STUB_CONTROL" >"$work/stub/DEBIAN/control"
dpkg-deb --root-owner-group -b "$work/stub" "$work/qxl-ng-no-initramfs.deb" >/dev/null
chmod -R a+rX "$work"

args=(--mode=root --variant=apt --format=directory
	--hook-dir=/usr/share/mmdebstrap/hooks/file-mirror-automount
	--include="$HEADERS"
	--include="$(IFS=,; echo "${PACKAGES[*]}")"
	--include="$work/qxl-ng-no-initramfs.deb")
for o in "${APTOPTS[@]}"; do args+=(--aptopt="$o"); done
for o in "${DPKGOPTS[@]}"; do args+=(--dpkgopt="$o"); done
# fail the chroot if the headers or the compiler they ask for are missing
args+=(--customize-hook='chroot "$1" sh -ec "
	k=\$(ls -d /usr/src/linux-headers-*-amd64 | sort -V | tail -n 1)
	test -f \$k/Makefile
	echo \"kernel \${k#/usr/src/linux-headers-}\"
	gcc --version | head -n 1
"')

clog=$logs/chroot-${dir##*/}.log
log "creating $dir"
log "release $release: ${SOURCES[*]}"
log "packages: $HEADERS ${PACKAGES[*]}"
log "log: $clog (timeout ${CHROOT_TIMEOUT} s)"
t0=$(date +%s)
set +e
timeout -k 60 "$CHROOT_TIMEOUT" mmdebstrap "${args[@]}" "$SUITE" "$dir" "${SOURCES[@]}" 2>&1 |
	tee "$clog" | grep --line-buffered -E '^(I|W|E): |^kernel |^gcc ' | sed -u 's/^/    /'
rc=${PIPESTATUS[0]}
set -e
dt=$(($(date +%s) - t0))
if [ "$rc" -ne 0 ]; then
	[ "$rc" -eq 124 ] && log "mmdebstrap timed out after ${CHROOT_TIMEOUT} s"
	tail -n 20 "$clog" | sed 's/^/    /' >&2
	safe_remove "$dir"
	die "mmdebstrap failed (exit $rc after ${dt} s), log $clog"
fi
[ -z "$(mounts_under "$dir")" ] || die "mmdebstrap left mounts under $dir"

# the .deb hook leaves the stand-in's mount point (its host path) behind
rm -f "$dir$work/qxl-ng-no-initramfs.deb"
(cd "$dir" && rmdir -p --ignore-fail-on-non-empty "${work#/}" 2>/dev/null) || true
kdir=$(ls -d "$dir"/usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
[ -n "$kdir" ] || die "no linux-headers-*-amd64 in $dir"
kver=${kdir##*/linux-headers-}
hv=$(chroot "$dir" dpkg-query -W -f='${Version}' "linux-headers-$kver")
ccv=$(chroot "$dir" gcc --version | head -n 1)
size=$(du -sh --one-file-system "$dir" | cut -f1)
{
	echo "release $release"
	echo "kernel $kver"
	echo "headers-version $hv"
	echo "gcc $ccv"
	echo "created $(date -u +%FT%TZ) in ${dt} s"
	echo "size $size"
	spec_text "$release"
} >"$dir/$STAMP.tmp"
mv "$dir/$STAMP.tmp" "$dir/$STAMP"
log "done: $release kernel $kver ($hv), $ccv"
log "took ${dt} s, size $size"
echo "$dir"

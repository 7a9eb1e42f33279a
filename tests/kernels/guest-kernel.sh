#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Everything a test guest needs to run qxl-ng on another Debian release's
# kernel: that release's chroot (tests/kernels/chroot.sh), the module built
# against its headers (tests/kernels/build.sh), and its kernel image and
# module tree, downloaded from the release with the chroot's own apt and
# unpacked under $QXL_CACHE/kimages/<kver>/ (QXL_CACHE defaults to
# ~/.cache/qxl-ng; cached by kernel version; a stamp marks a complete one).
#
#   tests/kernels/guest-kernel.sh RELEASE
#
# Prints, as its last line, shell assignments for tests/run-all.sh and
# vmtest.py: KVER=... KERNEL=... MODDIR=... MODULE=...
# Progress and errors go to stderr; exit status non-zero on any failure.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
release=${1:?usage: $0 RELEASE}
kimages=${QXL_CACHE:-$HOME/.cache/qxl-ng}/kimages
STAMP=.qxl-ng-kimage-complete
t0=$(date +%s)

root=$("$top/tests/kernels/chroot.sh" "$release" | tail -n 1)
hdr=$(ls -d "$root"/usr/src/linux-headers-*-amd64 | sort -V | tail -n 1)
kver=${hdr##*/linux-headers-}
echo "guest-kernel: $release: kernel $kver, chroot $root" >&2

"$top/tests/kernels/build.sh" --no-host --no-sparse "$release" >&2
module=$top/build/kbuild/$kver/drivers/qxl/qxl.ko
[ -f "$module" ] || { echo "guest-kernel: no module at $module" >&2; exit 1; }

dir=$kimages/$kver
if [ ! -f "$dir/$STAMP" ]; then
	rm -rf "$dir"
	mkdir -p "$dir/debs"
	# A private apt configuration for the release (the host's apt state is
	# left alone); backports need their base release too.
	apt=$kimages/.apt-$release
	mkdir -p "$apt/parts" "$apt/lists/partial" "$apt/cache/archives/partial"
	suites=$release
	case $release in *-backports) suites="${release%-backports} $release" ;; esac
	cat >"$apt/parts/release.sources" <<-EOS
		Types: deb
		URIs: ${MIRROR:-http://deb.debian.org/debian}
		Suites: $suites
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOS
	opts=(-o "Dir::Etc::SourceParts=$apt/parts" -o Dir::Etc::SourceList=/dev/null
	      -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache"
	      -o Acquire::Check-Valid-Until=false)
	timeout 600 apt-get "${opts[@]}" update -q >&2
	# 6.12's linux-image carries the kernel and modules; 7.x splits them
	# into linux-binary-* and linux-modules-*, which the image depends on.
	pkgs=("linux-image-$kver")
	for p in "linux-binary-$kver" "linux-modules-$kver"; do
		apt-cache "${opts[@]}" show "$p" >/dev/null 2>&1 && pkgs+=("$p")
	done
	echo "guest-kernel: downloading ${pkgs[*]}" >&2
	(cd "$dir/debs" && timeout 900 apt-get "${opts[@]}" download "${pkgs[@]}" 2>&1 |
		grep -v '^W: Download is performed unsandboxed' >&2)
	for d in "$dir"/debs/*.deb; do
		dpkg-deb -x "$d" "$dir/root"
	done
	rm -rf "$dir/debs"
	depmod -b "$dir/root/usr" "$kver"
	touch "$dir/$STAMP"
fi
moddir=$dir/root/usr/lib/modules/$kver
kernel=$dir/root/boot/vmlinuz-$kver
[ -f "$kernel" ] || kernel=$moddir/vmlinuz
[ -f "$kernel" ] || { echo "guest-kernel: no kernel image in $dir" >&2; exit 1; }
echo "guest-kernel: $kver ready in $(($(date +%s) - t0)) s ($(du -sh "$dir" | cut -f1) image)" >&2
echo "KVER=$kver KERNEL=$kernel MODDIR=$moddir MODULE=$module"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A debug kernel as the DRM CI runs one: Debian's linux-source-6.1 with
# x86_64_defconfig + kvm_guest.config + tests/kernels/debug.config (KASAN,
# KFENCE, lockdep, DEBUG_OBJECTS, kmemleak, UBSAN, PROVE_RCU, KUnit), built
# once and cached by content in $QXL_CACHE/debug-kernel/6.1-<hash>
# (QXL_CACHE defaults to ~/.cache/qxl-ng; <hash> covers the linux-source
# package version, the fragment and RECIPE below; a stamp written last marks
# a complete build, an incomplete one is removed and built again).
#
#   tests/kernels/debug-kernel.sh            build (or reuse) it
#   tests/kernels/debug-kernel.sh --cached   exit 0 if it is built, 1 if not
#
# Prints, as its last line, shell assignments: KVER=... KERNEL=... MODDIR=...
# KDIR=... (KDIR builds out-of-tree modules). Progress and errors go to
# stderr; a non-zero exit on any failure. Bounded by DEBUG_KERNEL_TIMEOUT
# (default 3600 s) for the build.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
src=/usr/src/linux-source-6.1.tar.xz
frag=$top/tests/kernels/debug.config
cache=${QXL_CACHE:-$HOME/.cache/qxl-ng}/debug-kernel
STAMP=.qxl-ng-debug-kernel-complete

[ -f "$src" ] || { echo "debug-kernel: $src missing (tests/setup.sh installs linux-source-6.1)" >&2; exit 1; }
ver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
# bump when the steps below change what is built
RECIPE=1
hash=$( { echo "$ver recipe $RECIPE"; cat "$frag"; } | sha256sum | cut -c1-12)
dir=$cache/6.1-$hash
tree=$dir/linux-source-6.1

if [ "${1:-}" = --cached ]; then
	[ -f "$dir/$STAMP" ]
	exit
fi
if [ ! -f "$dir/$STAMP" ]; then
	t0=$(date +%s)
	# one debug kernel is kept: others (an older fragment) go
	rm -rf "$dir" "$cache"/6.1-*
	mkdir -p "$dir"
	echo "debug-kernel: building linux-source-$ver in $dir" >&2
	tar -xf "$src" -C "$dir"
	log=$dir/build.log
	(
		cd "$tree"
		make x86_64_defconfig kvm_guest.config
		scripts/kconfig/merge_config.sh -m .config "$frag"
		make olddefconfig
	) >"$log" 2>&1 || { echo "debug-kernel: configuration failed (log $log)" >&2; exit 1; }
	# every option of the fragment must have survived olddefconfig
	missing=$(grep -E '^CONFIG_[A-Z0-9_]+=[ym]$' "$frag" | while IFS= read -r opt; do
		grep -qx "$opt" "$tree/.config" || echo "${opt%%=*}"
	done)
	if [ -n "$missing" ]; then
		echo "debug-kernel: not set after olddefconfig: $(echo $missing)" >&2
		exit 1
	fi
	if ! timeout "${DEBUG_KERNEL_TIMEOUT:-3600}" make -C "$tree" -j"$(nproc)" bzImage modules \
		>>"$log" 2>&1; then
		echo "debug-kernel: build failed (log $log): $(grep -m1 -E 'error|Error' "$log")" >&2
		exit 1
	fi
	make -C "$tree" -s modules_install INSTALL_MOD_PATH="$dir/mods" INSTALL_MOD_STRIP=1 \
		>>"$log" 2>&1 || { echo "debug-kernel: modules_install failed (log $log)" >&2; exit 1; }
	echo "built in $(($(date +%s) - t0)) s on $(nproc) CPUs, $(du -sh "$dir" | cut -f1)" \
		>"$dir/$STAMP"
fi
echo "debug-kernel: $(cat "$dir/$STAMP")" >&2
kver=$(make -C "$tree" -s kernelrelease)
echo "KVER=$kver KERNEL=$tree/arch/x86/boot/bzImage MODDIR=$dir/mods/lib/modules/$kver KDIR=$tree"

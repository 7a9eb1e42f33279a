#!/bin/bash
# Installs everything qxl-ng needs to build and test on a fresh Debian 12 machine.
# Idempotent: when every package is present it only runs dpkg queries (about a second).
set -euo pipefail

PKGS=(
	# build and static checks (checkpatch.pl comes from linux-source-6.1)
	build-essential linux-headers-amd64 libdrm-dev meson ninja-build pkg-config sparse
	linux-source-6.1 perl
	libpixman-1-dev libspice-protocol-dev
	# guest image
	linux-image-amd64 busybox-static kmod cpio gzip
	# emulator
	qemu-system-x86 gdb
	# consumers run inside the guest
	libdrm-tests drm-info weston xkb-data fontconfig fonts-dejavu-core
	# Xorg with the qxl DDX and X clients in the guest (mkinitramfs --with-xorg)
	xserver-xorg-core xserver-xorg-video-qxl x11-apps x11-utils xfonts-base
	# kmscube on Mesa llvmpipe (kms_swrast) in the guest (mkinitramfs --with-mesa)
	kmscube libgl1-mesa-dri libgbm1 libegl1 libegl-mesa0 libgles2
	# real SPICE clients on the host
	python3 python3-gi gir1.2-spiceclientglib-2.0 spice-client-gtk
	# pictures: the harness reads and writes them (tests/harness/images.py), the demo's PNG
	python3-pil
	# DKMS packaging test
	dkms
	# other releases' kernels: chroots for their headers and compilers
	# (tests/kernels/chroot.sh)
	mmdebstrap
	# the debug kernel built from linux-source-6.1 (tests/kernels/debug-kernel.sh)
	bc bison flex libelf-dev libssl-dev
	# the desktop VM image (tests/desktop/image.sh: mkfs.ext4 -d) and its
	# per-run copy-on-write overlay (qemu-img)
	e2fsprogs qemu-utils
)
# the SPICE protocol library and its tests list theirs in one file
top=$(cd "$(dirname "$0")/.." && pwd)
if [ -f "$top/tests/spice/packages.txt" ]; then
	while IFS= read -r p; do
		case $p in ''|'#'*) ;; *) PKGS+=("$p") ;; esac
	done <"$top/tests/spice/packages.txt"
fi

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${db:Status-Status}\n' "$p" 2>/dev/null | grep -qx installed; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "setup: all ${#PKGS[@]} packages present"
	exit 0
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"

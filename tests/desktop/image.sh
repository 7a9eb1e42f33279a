#!/bin/bash
# Build (or reuse) a Debian 13 (trixie) desktop VM image, GNOME (default) or
# KDE Plasma, with qxl-ng installed through DKMS, for tests/desktop/boot.py.
#
#   tests/desktop/image.sh            build what is missing, print the image dir last
#   tests/desktop/image.sh --cached   only reuse: exit 1 if the image is not cached
#   tests/desktop/image.sh --prune    remove the cached layers that are not current
#   tests/desktop/image.sh --desktop kde [...]   the same for KDE Plasma
#   tests/desktop/image.sh --suite bookworm [...] GNOME on Debian 12 (mutter 43,
#                                     legacy KMS, kernel 6.1) instead of trixie
#
# Two cached layers per desktop under ${QXL_CACHE:-~/.cache/qxl-ng}/desktop/
# (gnome shown; kde's are base-trixie-kde-<h1>/ and trixie-kde-<h2>/, Debian
# 12's base-bookworm-gnome-<h1>/ and bookworm-gnome-<h2>/):
#   base-trixie-gnome-<h1>/  the mmdebstrap tree (downloads; expensive). <h1> is
#                            over suite, mirror, package list, apt/dpkg options,
#                            BASE_RECIPE: qxl-ng's sources do not change it.
#   trixie-gnome-<h2>/       root.img (ext4, mkfs.ext4 -d), vmlinuz, initrd.img.
#                            <h2> is over <h1>, RECIPE, this script,
#                            customize.sh and qxl-ng's DKMS sources. Made in an
#                            overlayfs (lower = the base tree, upper = upper/)
#                            inside a private mount namespace: customize.sh
#                            configures the desktop and runs "dkms install".
# A stamp file written last marks each layer complete; a directory without it
# (an interrupted run) is removed and built again.
#
# Environment: MIRROR (http://deb.debian.org/debian), DESKTOP_TIMEOUT
# (seconds for mmdebstrap, default 2400), QXL_CACHE.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${QXL_CACHE:-$HOME/.cache/qxl-ng}/desktop
logs=$top/build/logs
MIRROR=${MIRROR:-http://deb.debian.org/debian}
DESKTOP_TIMEOUT=${DESKTOP_TIMEOUT:-2400}
STAMP=.qxl-ng-desktop-complete
SUITE=trixie
BASE_RECIPE=1   # bump when the base layer's recipe changes
RECIPE=1        # bump when the image layer's steps change (also hashed: this file, customize.sh)
FREE_MIB=1536   # free space left in root.img

# No recommends (mmdebstrap's default). What GNOME Shell on Wayland needs
# beyond the Depends of gdm3/gnome-shell/gnome-session: logind's PAM module and
# the D-Bus user session (systemd user units), mesa's llvmpipe (GL for mutter),
# Xwayland, fonts, icons and the SVG pixbuf loader. The same image boots
# GNOME on Xorg (boot.py --desktop xorg): Xorg and its modesetting driver come
# with xserver-xorg-core, the session file with gnome-session-xsession in
# trixie (bookworm's gnome-session has it; see the suite's case below).
# kbd: chvt for the freeze reproducer on a text VT.
PACKAGES=(systemd-sysv udev dbus dbus-user-session libpam-systemd polkitd kmod procps
	iproute2 login passwd initramfs-tools
	linux-image-amd64 linux-headers-amd64 dkms build-essential
	gdm3 gnome-shell gnome-session gnome-settings-daemon dconf-cli
	libgl1-mesa-dri libegl-mesa0 xwayland
	fonts-cantarell adwaita-icon-theme librsvg2-common gnome-console xterm spice-vdagent
	xserver-xorg-core xserver-xorg-input-libinput x11-xserver-utils kbd)
APTOPTS=('Acquire::Languages "none"')
DPKGOPTS=(
	'path-exclude=/usr/share/doc/*'
	'path-include=/usr/share/doc/*/copyright'
	'path-exclude=/usr/share/man/*'
	'path-exclude=/usr/share/info/*'
	'path-exclude=/usr/share/locale/*'
)

log() { echo "desktop-image: $*"; }
die() { echo "desktop-image: error: $*" >&2; exit 1; }

base_spec() {
	printf 'base-recipe %s\nsuite %s\nmirror %s\n' "$BASE_RECIPE" "$SUITE" "$MIRROR"
	printf 'package %s\n' "${PACKAGES[@]}"
	printf 'aptopt %s\n' "${APTOPTS[@]}"
	printf 'dpkgopt %s\n' "${DPKGOPTS[@]}"
}

# the DKMS sources, as README's "Installing in a VM with DKMS" copies them
src_files() {
	(cd "$top" && find dkms.conf Kconfig drivers uapi -type f \
		! -name '*.o' ! -name '*.ko' ! -name '*.cmd' ! -name '*.mod*' \
		! -name modules.order ! -name Module.symvers | LC_ALL=C sort)
}

CACHE_ROOT=$cache
# shellcheck source=tests/lib/cache-dirs.sh
. "$top/tests/lib/cache-dirs.sh"

# --desktop gnome|kde and --suite trixie|bookworm, before or after the other argument
desktop=gnome rest=()
while [ $# -gt 0 ]; do
	case $1 in
	--desktop) [ $# -ge 2 ] || die "--desktop needs gnome or kde"; desktop=$2; shift 2 ;;
	--desktop=*) desktop=${1#*=}; shift ;;
	--suite) [ $# -ge 2 ] || die "--suite needs trixie or bookworm"; SUITE=$2; shift 2 ;;
	--suite=*) SUITE=${1#*=}; shift ;;
	*) rest+=("$1"); shift ;;
	esac
done
set -- "${rest[@]+"${rest[@]}"}"
case $desktop in
gnome) VERSIONS="gnome-shell mutter-common gdm3 libgl1-mesa-dri" ;;
kde)
	VERSIONS="kwin-wayland plasma-workspace sddm libgl1-mesa-dri"
	# No recommends. A Plasma 6 Wayland session: kwin_wayland (the compositor,
	# DRM master), plasma-workspace (startplasma-wayland, plasmashell, the
	# wayland-sessions/plasma.desktop file), plasma-desktop (the desktop and
	# panel containments plasmashell shows), breeze (KWin's decoration, the
	# cursor theme), qt6-wayland (Qt's Wayland platform plugin: without it
	# Plasma's own clients would run on Xwayland). SDDM logs in; it starts its
	# X server first, hence xserver-xorg-core with libinput as in GNOME's list.
	PACKAGES=(systemd-sysv udev dbus dbus-user-session libpam-systemd polkitd kmod procps
		iproute2 login passwd initramfs-tools
		linux-image-amd64 linux-headers-amd64 dkms build-essential
		sddm kwin-wayland plasma-workspace plasma-desktop breeze qt6-wayland
		libgl1-mesa-dri libegl-mesa0 xwayland
		fonts-dejavu-core konsole xterm spice-vdagent
		xserver-xorg-core xserver-xorg-input-libinput)
	;;
*) die "--desktop: gnome or kde, not '$desktop'" ;;
esac
# Debian 12 (GNOME 43: mutter drives qxl with legacy KMS, kernel 6.1) is a
# variant of the GNOME image only. Trixie's gnome-session-xsession does not
# exist there (bookworm's gnome-session ships gnome-xorg.desktop itself);
# webp-pixbuf-loader is added: bookworm's gnome-backgrounds (pulled in by
# gnome-shell) has its default wallpaper as .webp, which without the loader
# (a Recommends) shows as a flat blue with too few colours for boot.py's
# desktop test.
case $SUITE/$desktop in
trixie/gnome) PACKAGES+=(gnome-session-xsession) ;;
trixie/*) ;;
bookworm/gnome) PACKAGES+=(webp-pixbuf-loader) ;;
bookworm/*) die "--suite bookworm: only with --desktop gnome" ;;
*) die "--suite: trixie or bookworm, not '$SUITE'" ;;
esac
# customize.sh configures this desktop (the variables go through unshare and chroot)
export QXL_DESKTOP_VARIANT=$desktop QXL_DESKTOP_SUITE=$SUITE
image_spec() {
	printf 'base %s\nrecipe %s\ndesktop %s\n' "$1" "$RECIPE" "$desktop"
	sha256sum "$here/image.sh" "$here/customize.sh" | cut -d' ' -f1
	(cd "$top" && src_files | xargs sha256sum)
}
cached_only=0 prune=0
case ${1:-} in
--cached) cached_only=1 ;;
--prune) prune=1 ;;
'') ;;
*) die "usage: $0 [--cached | --prune]" ;;
esac

h1=$(base_spec | sha256sum | cut -c1-12)
base=$cache/base-$SUITE-$desktop-$h1
h2=$(image_spec "$h1" | sha256sum | cut -c1-12)
img=$cache/$SUITE-$desktop-$h2
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")

if [ "$prune" -eq 1 ]; then
	# every layer of this suite and desktop but the current base and image
	# (each old image is ~1.6 GB); the globs name the suite: other suites stay
	exec 9>"$cache/.lock"
	flock -w 60 9 || die "another image.sh holds $cache/.lock"
	for d in "$cache/base-$SUITE-$desktop-"* "$cache/$SUITE-$desktop-"*; do
		[ -d "$d" ] && [ "$d" != "$base" ] && [ "$d" != "$img" ] || continue
		log "removing $d"
		safe_remove "$d"
	done
	exit 0
fi
if [ -f "$img/$STAMP" ]; then
	log "reusing $img ($(sed -n 's/^kernel //p' "$img/$STAMP"), root.img $(du -h "$img/root.img" | cut -f1) allocated)"
	echo "$img"
	exit 0
fi
[ "$cached_only" -eq 0 ] || die "no cached image $img (run $0 without --cached)"
[ "$(id -u)" -eq 0 ] || die "must run as root (mmdebstrap --mode=root, overlayfs, chroot)"
command -v mmdebstrap >/dev/null || die "mmdebstrap is not installed (apt-get install mmdebstrap)"
mkdir -p "$cache" "$logs"
exec 9>"$cache/.lock"
flock -w "$DESKTOP_TIMEOUT" 9 || die "timed out waiting for $cache/.lock"

# ---------------------------------------------------------------- base layer
if [ -f "$base/$STAMP" ]; then
	log "base: reusing $base ($(sed -n 's/^size //p' "$base/$STAMP"))"
else
	if [ -e "$base" ]; then
		log "base: removing incomplete $base (interrupted earlier)"
		safe_remove "$base"
	fi
	blog=$logs/desktop-base-$h1.log
	args=(--mode=root --variant=required --format=directory
		--include="$(IFS=,; echo "${PACKAGES[*]}")")
	for o in "${APTOPTS[@]}"; do args+=(--aptopt="$o"); done
	for o in "${DPKGOPTS[@]}"; do args+=(--dpkgopt="$o"); done
	args+=(--customize-hook='chroot "$1" sh -ec "
		k=\$(ls /lib/modules | sort -V | tail -n 1)
		test -f /boot/vmlinuz-\$k
		test -f /usr/src/linux-headers-\$k/Makefile
		echo \"kernel \$k\"
		dpkg-query -W '"$VERSIONS"' | sed \"s/^/version /\"
		ls /usr/share/wayland-sessions | sed \"s/^/session /\"
	"')
	log "base: creating $base"
	log "base: packages ${PACKAGES[*]}"
	log "base: log $blog (timeout ${DESKTOP_TIMEOUT} s)"
	t0=$(date +%s)
	set +e
	timeout -k 60 "$DESKTOP_TIMEOUT" mmdebstrap "${args[@]}" "$SUITE" "$base" "deb $MIRROR $SUITE main" 2>&1 |
		tee "$blog" | grep --line-buffered -E '^(I|W|E): |^kernel |^version ' |
		while IFS= read -r l; do echo "    [$(($(date +%s) - t0))s] $l"; done
	rc=${PIPESTATUS[0]}
	set -e
	dt=$(($(date +%s) - t0))
	if [ "$rc" -ne 0 ]; then
		[ "$rc" -eq 124 ] && log "base: mmdebstrap timed out after ${DESKTOP_TIMEOUT} s"
		tail -n 20 "$blog" | sed 's/^/    /' >&2
		safe_remove "$base"
		die "base: mmdebstrap failed (exit $rc after ${dt} s), log $blog"
	fi
	[ -z "$(mounts_under "$base")" ] || die "mmdebstrap left mounts under $base"
	size=$(du -sh --one-file-system "$base" | cut -f1)
	{
		echo "created $(date -u +%FT%TZ) in ${dt} s"
		echo "size $size"
		base_spec
	} >"$base/$STAMP.tmp"
	mv "$base/$STAMP.tmp" "$base/$STAMP"
	log "base: took ${dt} s, size $size"
fi

# ---------------------------------------------------------------- image layer
if [ -e "$img" ]; then
	log "image: removing incomplete $img (interrupted earlier)"
	safe_remove "$img"
fi
for d in "$cache/$SUITE-$desktop-"*; do
	if [ -d "$d" ] && [ "$d" != "$img" ]; then
		log "note: stale image $d (sources or recipe changed; $0 --desktop $desktop --suite $SUITE --prune removes it)"
	fi
done
mkdir -p "$img/upper" "$img/work" "$img/merged" "$img/src"
ilog=$logs/desktop-image-$h2.log
kver=$(ls "$base/lib/modules" | sort -V | tail -n 1)
(cd "$top" && src_files | cpio -pdm --quiet "$img/src/qxl-ng-$ver")
log "image: creating $img (qxl-ng $ver for $kver), log $ilog"

# Everything below runs in a private mount namespace: the overlay and the
# chroot's /proc, /sys, /dev vanish with it, whatever happens.
t0=$(date +%s)
set +e
timeout -k 30 1800 unshare -m --propagation private bash -euo pipefail -c '
	img=$1 base=$2 kver=$3 ver=$4 customize=$5 free=$6
	m=$img/merged
	mount -t overlay overlay -o "lowerdir=$base,upperdir=$img/upper,workdir=$img/work" "$m"
	mkdir -p "$m/usr/src"
	cp -a "$img/src/qxl-ng-$ver" "$m/usr/src/"
	install -m 755 "$customize" "$m/tmp/customize.sh"
	mount -t proc proc "$m/proc"
	mount -t sysfs sys "$m/sys"
	mount --bind /dev "$m/dev"
	t=$(date +%s)
	chroot "$m" /tmp/customize.sh "$kver" "$ver"
	echo "@@dkms-layer $(($(date +%s) - t))"
	umount "$m/dev" "$m/sys" "$m/proc"
	rm -f "$m/tmp/customize.sh"
	cp "$m/boot/vmlinuz-$kver" "$img/vmlinuz"
	cp "$m/boot/initrd.img-$kver" "$img/initrd.img"
	t=$(date +%s)
	used=$(du -sm "$m" | cut -f1)
	mib=$((used + used / 10 + free))
	rm -f "$img/root.img"
	truncate -s "${mib}M" "$img/root.img"
	mkfs.ext4 -q -F -L qxl-desktop -d "$m" "$img/root.img"
	echo "@@mkfs $(($(date +%s) - t)) content ${used} MiB image ${mib} MiB"
' bash "$img" "$base" "$kver" "$ver" "$here/customize.sh" "$FREE_MIB" >"$ilog" 2>&1 &
pid=$!
tail -n +1 -f --pid=$pid "$ilog" | grep --line-buffered -E '^(@@|customize: |PASS|FAIL)' |
	while IFS= read -r l; do echo "    [$(($(date +%s) - t0))s] $l"; done
wait "$pid"
rc=$?
set -e
dt=$(($(date +%s) - t0))
if [ "$rc" -ne 0 ]; then
	tail -n 30 "$ilog" | sed 's/^/    /' >&2
	safe_remove "$img"
	die "image: failed (exit $rc after ${dt} s), log $ilog"
fi
rm -rf "$img/work" "$img/merged"
dkms_s=$(sed -n 's/^@@dkms-layer //p' "$ilog")
mkfs_line=$(sed -n 's/^@@mkfs //p' "$ilog")
{
	echo "kernel $kver"
	echo "qxl-ng $ver"
	echo "base $base"
	echo "created $(date -u +%FT%TZ) in ${dt} s (customize+dkms ${dkms_s} s, mkfs ${mkfs_line})"
	echo "upper $(du -sh "$img/upper" | cut -f1)"
	image_spec "$h1"
} >"$img/$STAMP.tmp"
mv "$img/$STAMP.tmp" "$img/$STAMP"
log "image: took ${dt} s (customize+dkms ${dkms_s} s, mkfs ${mkfs_line})"
log "image: root.img $(du -h --apparent-size "$img/root.img" | cut -f1) ($(du -h "$img/root.img" | cut -f1) allocated), upper layer $(du -sh "$img/upper" | cut -f1)"
echo "$img"

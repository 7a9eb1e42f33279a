# SPDX-License-Identifier: GPL-2.0-only
# Functions for the trees cached under $QXL_CACHE (tests/kernels/chroot.sh's
# chroots, tests/desktop/image.sh's layers), which mmdebstrap, chroots and
# overlay mounts may leave mounts inside when interrupted. Sourced; the
# caller defines log and die and sets CACHE_ROOT, outside of which
# safe_remove deletes nothing.

# mounts_under DIR: mount points at or below DIR, deepest first
mounts_under() {
	awk -v d="$1" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/self/mounts | sort -r
}

# safe_remove DIR: unmount anything left below DIR, then delete it without
# crossing into other file systems.
safe_remove() {
	local d=$1 m
	case $d in "$CACHE_ROOT"/?*) ;; *) die "refusing to remove $d" ;; esac
	[ -e "$d" ] || return 0
	for m in $(mounts_under "$d"); do
		log "unmounting leftover $m"
		umount "$m" 2>/dev/null || umount -l "$m" || true
	done
	[ -z "$(mounts_under "$d")" ] || die "mounts remain under $d; not removing it"
	rm -rf --one-file-system "$d"
}

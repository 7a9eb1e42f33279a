#!/bin/bash
# Runs inside the image (chroot on the overlay, see image.sh): configures the
# desktop (GNOME or KDE Plasma: QXL_DESKTOP_VARIANT, set by image.sh
# --desktop) and installs qxl-ng with DKMS as README tells a user.
#   customize.sh KVER QXL_NG_VERSION
set -euo pipefail
kver=$1 ver=$2
say() { echo "customize: $*"; }
variant=${QXL_DESKTOP_VARIANT:-gnome}

say "hostname, fstab, users"
echo qxl-desktop >/etc/hostname
printf '127.0.0.1 localhost\n127.0.1.1 qxl-desktop\n' >/etc/hosts
echo '/dev/vda / ext4 rw,errors=remount-ro 0 1' >/etc/fstab
id user >/dev/null 2>&1 || useradd -m -s /bin/bash -G video,render,input user
echo user:user | chpasswd
passwd -d root >/dev/null   # root logs in on ttyS0 without a password

say "root shell on ttyS1 (boot.py's control channel)"
mkdir -p /etc/systemd/system/serial-getty@ttyS1.service.d
cat >/etc/systemd/system/serial-getty@ttyS1.service.d/autologin.conf <<'CONF'
[Service]
ExecStart=
ExecStart=-/sbin/agetty --autologin root --noclear --keep-baud 115200 %I vt220
CONF
systemctl enable serial-getty@ttyS1.service

if [ "$variant" = gnome ]; then
say "GDM: automatic login of 'user' on Wayland"
cat >/etc/gdm3/daemon.conf <<'CONF'
[daemon]
AutomaticLoginEnable=true
AutomaticLogin=user
WaylandEnable=true
[security]
[xdmcp]
[chooser]
[debug]
CONF
	# The same image is GNOME on Xorg when the kernel command line says
	# qxl_desktop.session=xorg (boot.py --desktop xorg): a unit before GDM
	# turns Wayland off and makes gnome-xorg user's session. The root file
	# system is a per-run overlay, so the change lasts one boot.
	say "GDM: GNOME on Xorg when the kernel command line has qxl_desktop.session=xorg"
	test -f /usr/share/xsessions/gnome-xorg.desktop
	cat >/usr/local/sbin/qxl-desktop-session <<'SH'
#!/bin/sh
set -e
sed -i 's/^WaylandEnable=.*/WaylandEnable=false/' /etc/gdm3/daemon.conf
mkdir -p /var/lib/AccountsService/users
printf '[User]\nSession=gnome-xorg\nXSession=gnome-xorg\nSystemAccount=false\n' \
	>/var/lib/AccountsService/users/user
echo "qxl-desktop-session: GDM logs user in to GNOME on Xorg"
SH
	chmod 755 /usr/local/sbin/qxl-desktop-session
	cat >/etc/systemd/system/qxl-desktop-session.service <<'UNIT'
[Unit]
Description=GNOME on Xorg for this boot (qxl_desktop.session=xorg)
ConditionKernelCommandLine=qxl_desktop.session=xorg
Before=gdm.service display-manager.service accounts-daemon.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/qxl-desktop-session

[Install]
WantedBy=graphical.target
UNIT
	systemctl enable qxl-desktop-session.service
fi

say "journald to ttyS0 (mutter's and gnome-shell's log on the serial console)"
mkdir -p /etc/systemd/journald.conf.d
cat >/etc/systemd/journald.conf.d/qxl-console.conf <<'CONF'
[Journal]
ForwardToConsole=yes
TTYPath=/dev/ttyS0
MaxLevelConsole=info
CONF

if [ "$variant" = gnome ]; then
say "dconf defaults: no lock, no blanking, no animations, no welcome dialog"
mkdir -p /etc/dconf/profile /etc/dconf/db/local.d
printf 'user-db:user\nsystem-db:local\n' >/etc/dconf/profile/user
cat >/etc/dconf/db/local.d/00-qxl-desktop <<'CONF'
[org/gnome/desktop/session]
idle-delay=uint32 0

[org/gnome/desktop/screensaver]
lock-enabled=false
idle-activation-enabled=false

[org/gnome/desktop/lockdown]
disable-lock-screen=true

[org/gnome/desktop/interface]
enable-animations=false

[org/gnome/settings-daemon/plugins/power]
sleep-inactive-ac-type='nothing'
sleep-inactive-battery-type='nothing'
idle-dim=false

[org/gnome/shell]
welcome-dialog-last-shown-version='999'
CONF
dconf update
fi
if [ "$variant" = kde ]; then
	session=$(ls /usr/share/wayland-sessions/)
	say "SDDM: automatic login of 'user' into the Plasma Wayland session ($session)"
	test -f /usr/share/wayland-sessions/plasma.desktop
	mkdir -p /etc/sddm.conf.d
	cat >/etc/sddm.conf.d/qxl-autologin.conf <<'CONF'
[Autologin]
User=user
Session=plasma.desktop
Relogin=false
CONF
	say "Plasma defaults (/etc/xdg): no screen lock, no splash, no animations, no DrKonqi"
	cat >/etc/xdg/kscreenlockerrc <<'CONF'
[Daemon]
Autolock=false
LockOnResume=false
Timeout=0
CONF
	# ksplashrc's Engine=none does not stop plasma-ksplash.service: it timed
	# out after 30 s under TCG (measured). DrKonqi's socket, refused for root's
	# user manager (ConditionUser=!@system), floods ttyS0 when systemd retries it.
	systemctl --global mask plasma-ksplash.service drkonqi-coredump-launcher.socket
	cat >>/etc/xdg/kdeglobals <<'CONF'
[KDE]
AnimationDurationFactor=0
CONF
	# kwin's DRM backend says at debug level whether it took atomic KMS
	# ("Using Atomic Mode Setting on gpu"); the legacy fallbacks are warnings.
	# Qt writes them to kwin's stderr: the journal (at info) and so ttyS0.
	mkdir -p /etc/xdg/QtProject
	cat >/etc/xdg/QtProject/qtlogging.ini <<'CONF'
[Rules]
kwin_wayland_drm.debug=true
CONF
fi

say "qxl-ng $ver through DKMS for $kver"
test -f "/usr/src/qxl-ng-$ver/dkms.conf"
dkms install "qxl-ng/$ver" -k "$kver"
ko=$(ls "/lib/modules/$kver/updates/dkms/qxl.ko"* | head -n 1)
modinfo "$ko" | grep -E '^(filename|version|vermagic):'
# modprobe's choice (updates/ before kernel/):
modinfo -k "$kver" -n qxl
case $(modinfo -k "$kver" -n qxl) in
*/updates/dkms/qxl.ko*) echo "PASS desktop-image/dkms-install: $ko is what modprobe qxl loads" ;;
*) echo "FAIL desktop-image/dkms-install: modprobe qxl resolves to $(modinfo -k "$kver" -n qxl)"; exit 1 ;;
esac

say "initramfs"
update-initramfs -u -k "$kver"
# (a listing first: grep -q would end lsinitramfs with SIGPIPE under pipefail)
list=$(lsinitramfs "/boot/initrd.img-$kver")
grep -E '/(virtio_blk|virtio_pci|qxl)\.ko' <<<"$list" || true
grep -q '/virtio_blk\.ko' <<<"$list" ||
	{ echo "FAIL desktop-image/initramfs: no virtio_blk"; exit 1; }
echo "PASS desktop-image/initramfs: virtio_blk in the initramfs"

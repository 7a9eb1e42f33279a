// SPDX-License-Identifier: MIT
/*
 * Generic KMS behaviours a DRM maintainer checks on any atomic driver
 * (issue 14's input validation and ownership items), one result each:
 *
 *  - CREATE_DUMB with a bpp no format has (0, 7, 33, 64) is EINVAL;
 *  - ADDFB2 at exactly mode_config's max width and height works, one past
 *    it is EINVAL;
 *  - a mode with an absurd pixel clock (INT_MAX kHz) is refused when it is
 *    checked, not shown;
 *  - closing the file that owns the only framebuffer on a CRTC turns that
 *    CRTC off (the core's cleanup commit must not fail);
 *  - a DRM lease of a connector, CRTC and primary plane works (the lessee
 *    sets a mode on it, the lessor lists it, revokes it) and its end sends
 *    the LEASE=1 uevent (the core sends it when a lessee goes away, so
 *    that the lessor checks its list; not when a lease is made).
 */
#define _GNU_SOURCE
#include <limits.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include "kmsutil.h"

static struct kdev dev;

static void dumb_bpp(void)
{
	static const uint32_t bad[] = { 0, 7, 33, 64 };
	char got[64] = "";
	size_t i, n = 0;
	int wrong = 0;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct drm_mode_create_dumb c = { .width = 64, .height = 64, .bpp = bad[i] };
		int ret = drmIoctl(dev.fd, DRM_IOCTL_MODE_CREATE_DUMB, &c) ? -errno : 0;

		if (!ret) {
			struct drm_mode_destroy_dumb d = { .handle = c.handle };

			drmIoctl(dev.fd, DRM_IOCTL_MODE_DESTROY_DUMB, &d);
		}
		wrong += ret != -EINVAL;
		n += snprintf(got + n, sizeof(got) - n, "%s%u:%s", i ? " " : "", bad[i],
			      ret == -EINVAL ? "EINVAL" : ret ? strerror(-ret) : "accepted");
	}
	qt_result("dumb-invalid-bpp", wrong ? QT_FAIL : QT_PASS, "%s", got);
}

/* ADDFB2 of w x h XRGB8888 with the given pitch on a buffer of bw x bh. */
static int addfb(uint32_t bw, uint32_t bh, uint32_t w, uint32_t h, uint32_t pitch)
{
	struct drm_mode_create_dumb c = { .width = bw, .height = bh, .bpp = 32 };
	struct drm_mode_destroy_dumb d;
	uint32_t handles[4] = { 0 }, pitches[4] = { pitch }, offsets[4] = { 0 }, id;
	int ret;

	if (drmIoctl(dev.fd, DRM_IOCTL_MODE_CREATE_DUMB, &c))
		return -errno;
	handles[0] = c.handle;
	ret = drmModeAddFB2(dev.fd, w, h, DRM_FORMAT_XRGB8888, handles, pitches, offsets, &id,
			    0) ? -errno : 0;
	if (!ret)
		drmModeRmFB(dev.fd, id);
	d.handle = c.handle;
	drmIoctl(dev.fd, DRM_IOCTL_MODE_DESTROY_DUMB, &d);
	return ret;
}

static void addfb_limits(void)
{
	drmModeRes *res = drmModeGetResources(dev.fd);
	uint32_t mw, mh;
	int w, h, w1, h1;

	if (!res) {
		qt_result("addfb2-max-size", QT_FAIL, "GETRESOURCES: %s", strerror(errno));
		return;
	}
	mw = res->max_width;
	mh = res->max_height;
	drmModeFreeResources(res);
	/* one row (or column) at the limit keeps the buffers small */
	w = addfb(mw, 2, mw, 1, mw * 4);
	h = addfb(2, mh, 1, mh, 8);
	w1 = addfb(mw, 2, mw + 1, 1, (mw + 1) * 4);
	h1 = addfb(2, mh, 1, mh + 1, 4);
	qt_result("addfb2-max-size", w || h ? QT_FAIL : QT_PASS,
		  "%ux1 and 1x%u (the advertised maximum): %s, %s", mw, mh,
		  w ? strerror(-w) : "ok", h ? strerror(-h) : "ok");
	qt_result("addfb2-past-max-size", w1 == -EINVAL && h1 == -EINVAL ? QT_PASS : QT_FAIL,
		  "%ux1 and 1x%u: %s, %s", mw + 1, mh + 1, w1 ? strerror(-w1) : "accepted",
		  h1 ? strerror(-h1) : "accepted");
}

static void absurd_clock(struct kfb *fb)
{
	drmModeModeInfo m = dev.pref;
	drmModeCrtc *c;
	int ret;

	m.clock = INT_MAX;
	snprintf(m.name, sizeof(m.name), "absurd");
	ret = drmModeSetCrtc(dev.fd, dev.crtc_id, fb->fb_id, 0, 0, &dev.conn_id, 1, &m) ?
	      -errno : 0;
	c = drmModeGetCrtc(dev.fd, dev.crtc_id);
	qt_result("mode-absurd-clock-refused", ret == -EINVAL && c && c->mode.clock != INT_MAX ?
		  QT_PASS : QT_FAIL, "%dx%d at %d kHz: %s", m.hdisplay, m.vdisplay, m.clock,
		  ret ? strerror(-ret) : "accepted");
	drmModeFreeCrtc(c);
}

/* Framebuffer of another open file on the CRTC; that file closes. */
static void close_owner(void)
{
	struct kdev other = { 0 };
	struct kfb fb;
	drmModeCrtc *c;
	int ret;

	other.fd = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
	if (other.fd < 0 || kfb_create(&other, &fb, dev.pref.hdisplay, dev.pref.vdisplay)) {
		qt_result("close-fb-owner-crtc-off", QT_FAIL, "second open or its framebuffer");
		return;
	}
	kfb_fill(&fb, 0, 0, fb.w, fb.h, 0x336699);
	ret = drmModeSetCrtc(dev.fd, dev.crtc_id, fb.fb_id, 0, 0, &dev.conn_id, 1, &dev.pref);
	if (ret) {
		qt_result("close-fb-owner-crtc-off", QT_FAIL, "SETCRTC: %s", strerror(errno));
		return;
	}
	munmap(fb.px, fb.size);
	close(other.fd);
	c = drmModeGetCrtc(dev.fd, dev.crtc_id);
	qt_result("close-fb-owner-crtc-off", c && !c->buffer_id && !c->mode_valid ?
		  QT_PASS : QT_FAIL, "after the owner closed: fb %u, mode %s", c ? c->buffer_id : 0,
		  c && c->mode_valid ? "set" : "none");
	drmModeFreeCrtc(c);
}

static int uevent_socket(void)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);

	if (fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* A drm uevent with @key within ms milliseconds. */
static int saw_uevent(int fd, const char *key, int ms)
{
	double end = kms_now() + ms / 1000.0;
	char buf[4096];

	while (kms_now() < end) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			continue;
		buf[n] = 0;
		if (!memmem(buf, n, "SUBSYSTEM=drm", 13))
			continue;
		if (memmem(buf, n, key, strlen(key)))
			return 1;
	}
	return 0;
}

static void lease(struct kfb *fb)
{
	uint32_t objs[3] = { dev.conn_id, dev.crtc_id, dev.plane_id }, lessee = 0;
	drmModeLesseeListPtr list;
	int ufd = uevent_socket(), lfd, ret, listed = 0, ev;

	lfd = drmModeCreateLease(dev.fd, objs, 3, O_CLOEXEC, &lessee);
	if (lfd < 0) {
		qt_result("lease-create", QT_FAIL, "CREATE_LEASE: %s", strerror(-lfd));
		return;
	}
	list = drmModeListLessees(dev.fd);
	for (uint32_t i = 0; list && i < list->count; i++)
		listed |= list->lessees[i] == lessee;
	drmFree(list);
	qt_result("lease-create", listed ? QT_PASS : QT_FAIL,
		  "lessee %u, listed by the lessor: %s", lessee, listed ? "yes" : "no");
	/* the lessee sets a mode with the lessor's framebuffer */
	ret = drmModeSetCrtc(lfd, dev.crtc_id, fb->fb_id, 0, 0, &dev.conn_id, 1, &dev.pref);
	qt_result("lease-lessee-modeset", ret ? QT_FAIL : QT_PASS, "SETCRTC on the lease: %s",
		  ret ? strerror(errno) : "ok");
	ret = drmModeRevokeLease(dev.fd, lessee);
	qt_result("lease-revoke", ret ? QT_FAIL : QT_PASS, "REVOKE_LEASE: %s",
		  ret ? strerror(-ret) : "ok");
	close(lfd);
	ev = ufd >= 0 && saw_uevent(ufd, "LEASE=1", 3000);
	qt_result("lease-end-uevent", ev ? QT_PASS : QT_FAIL,
		  "a drm uevent with LEASE=1 when the lessee closed: %s",
		  ev ? "yes" : "not within 3 s");
	if (ufd >= 0)
		close(ufd);
}

int main(void)
{
	struct kfb fb;
	int ret = kms_open(&dev);

	if (ret || kfb_create(&dev, &fb, dev.pref.hdisplay, dev.pref.vdisplay)) {
		qt_result("conform-setup", QT_FAIL, "no qxl card or framebuffer: %d", ret);
		return 1;
	}
	kfb_fill(&fb, 0, 0, fb.w, fb.h, 0x204060);
	ret = kms_set(&dev, &fb, &dev.pref);
	qt_result("conform-setup", ret ? QT_FAIL : QT_PASS, "%dx%d shown: %d", dev.pref.hdisplay,
		  dev.pref.vdisplay, ret);
	if (ret)
		return 1;
	dumb_bpp();
	addfb_limits();
	absurd_clock(&fb);
	kms_set(&dev, &fb, &dev.pref);
	lease(&fb);
	kms_set(&dev, &fb, &dev.pref);
	close_owner();
	return 0;
}

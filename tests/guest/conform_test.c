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
 *  - closing the file that owns the only framebuffer on a CRTC takes it off
 *    the screen: the core's cleanup commit disables the primary plane, and
 *    as a CRTC may be on without one, the head shows black (the core turns
 *    the CRTC off only for drivers that refuse that);
 *  - atomic states a virtual device can show are accepted: a CRTC on with
 *    its primary plane disabled shows black, a windowed primary shows black
 *    around it; a scaled one is refused (the device copies 1:1), with
 *    EINVAL from a TEST_ONLY commit;
 *  - a DRM lease of a connector, CRTC and primary plane works (the lessee
 *    sets a mode on it, the lessor lists it, revokes it) and its end sends
 *    the LEASE=1 uevent (the core sends it when a lessee goes away, so
 *    that the lessor checks its list; not when a lease is made).
 */
#define _GNU_SOURCE
#include <limits.h>

#include "kmsutil.h"
#include "../../uapi/qxl_drm.h"

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
	qt_result("max-size-is-uapi", mw == QXL_NG_MAX_DIM && mh == QXL_NG_MAX_DIM ? QT_PASS : QT_FAIL,
		  "GETRESOURCES says %ux%u, uapi's QXL_NG_MAX_DIM is %d", mw, mh, QXL_NG_MAX_DIM);
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
		qt_result("close-fb-owner-fb-gone", QT_FAIL, "second open or its framebuffer");
		return;
	}
	kfb_fill(&fb, 0, 0, fb.w, fb.h, 0x336699);
	ret = drmModeSetCrtc(dev.fd, dev.crtc_id, fb.fb_id, 0, 0, &dev.conn_id, 1, &dev.pref);
	if (ret) {
		qt_result("close-fb-owner-fb-gone", QT_FAIL, "SETCRTC: %s", strerror(errno));
		return;
	}
	munmap(fb.px, fb.size);
	close(other.fd);
	c = drmModeGetCrtc(dev.fd, dev.crtc_id);
	ret = !c || c->buffer_id;
	qt_result("close-fb-owner-fb-gone", ret || qt_host("screen %d %d 0x000000",
							   dev.pref.hdisplay, dev.pref.vdisplay),
		  "after the owner closed: fb %u, mode %s, the head black",
		  c ? c->buffer_id : 0, c && c->mode_valid ? "kept" : "none");
	drmModeFreeCrtc(c);
}

/* One atomic commit of the primary plane: fb 0 disables it. */
static int atomic_primary(uint32_t fb, int x, int y, uint32_t w, uint32_t h, uint32_t sw,
			  uint32_t sh, uint32_t flags)
{
	static const char *const names[] = { "FB_ID", "CRTC_ID", "CRTC_X", "CRTC_Y", "CRTC_W",
		"CRTC_H", "SRC_X", "SRC_Y", "SRC_W", "SRC_H" };
	uint64_t vals[] = { fb, fb ? dev.crtc_id : 0, x, y, w, h, 0, 0, (uint64_t)sw << 16,
			    (uint64_t)sh << 16 };
	drmModeAtomicReq *req = drmModeAtomicAlloc();
	unsigned int i, n = fb ? 10 : 2;
	int ret = req ? 0 : -ENOMEM;

	for (i = 0; i < n && !ret; i++) {
		uint32_t id = kms_prop_id(&dev, dev.plane_id, DRM_MODE_OBJECT_PLANE, names[i]);

		ret = id ? (drmModeAtomicAddProperty(req, dev.plane_id, id, vals[i]) < 0 ?
			    -EINVAL : 0) : -ENOENT;
	}
	if (!ret)
		ret = drmModeAtomicCommit(dev.fd, req, flags, NULL) ? -errno : 0;
	drmModeAtomicFree(req);
	return ret;
}

static void primary_states(struct kfb *fb)
{
	int w = dev.pref.hdisplay, h = dev.pref.vdisplay, ret;

	if (drmSetClientCap(dev.fd, DRM_CLIENT_CAP_ATOMIC, 1)) {
		qt_result("crtc-on-primary-off", QT_FAIL, "no atomic: %s", strerror(errno));
		return;
	}
	kfb_fill(fb, 0, 0, fb->w, fb->h, 0x204060);
	kfb_fill(fb, 0, 0, 320, 240, 0xc08020);
	ret = atomic_primary(0, 0, 0, 0, 0, 0, 0, 0);
	qt_result("crtc-on-primary-off", ret || qt_host("screen %d %d 0x000000", w, h),
		  "primary plane disabled, CRTC on: %s, then the head is black",
		  ret ? strerror(-ret) : "accepted");
	ret = atomic_primary(fb->fb_id, 100, 50, 320, 240, 320, 240, 0);
	qt_result("primary-windowed", ret ||
		  qt_host("screen %d %d 0x000000 100 50 320 240 0xc08020", w, h),
		  "320x240 at 100,50: %s, black around it", ret ? strerror(-ret) : "accepted");
	ret = atomic_primary(fb->fb_id, 300, 200, 320, 240, 320, 240, 0);
	qt_result("primary-windowed-moved", ret ||
		  qt_host("screen %d %d 0x000000 300 200 320 240 0xc08020", w, h),
		  "moved to 300,200: %s, nothing left at the old place",
		  ret ? strerror(-ret) : "accepted");
	ret = atomic_primary(fb->fb_id, 0, 0, 640, 480, 320, 240, DRM_MODE_ATOMIC_TEST_ONLY);
	/* ERANGE: the core's answer for a scale outside the plane's range */
	qt_result("primary-scaled-refused", ret == -ERANGE || ret == -EINVAL ? QT_PASS : QT_FAIL,
		  "320x240 shown at 640x480: %s", ret ? strerror(-ret) : "accepted");
	ret = atomic_primary(fb->fb_id, 0, 0, w, h, w, h, 0);
	qt_result("primary-full-again", ret ||
		  qt_host("screen %d %d 0x204060 0 0 320 240 0xc08020", w, h),
		  "the whole framebuffer again: %s", ret ? strerror(-ret) : "accepted");
	/* clearing ATOMIC clears UNIVERSAL_PLANES too: set it again */
	drmSetClientCap(dev.fd, DRM_CLIENT_CAP_ATOMIC, 0);
	drmSetClientCap(dev.fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1);
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
	int ufd = kms_uevent_socket(), lfd, ret, listed = 0, ev;

	lfd = drmModeCreateLease(dev.fd, objs, 3, O_CLOEXEC, &lessee);
	if (lfd < 0) {
		qt_result("lease-create", QT_FAIL, "CREATE_LEASE of %u %u %u: %s", objs[0], objs[1],
			  objs[2], strerror(-lfd));
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
	primary_states(&fb);
	kms_set(&dev, &fb, &dev.pref);
	dumb_bpp();
	addfb_limits();
	absurd_clock(&fb);
	kms_set(&dev, &fb, &dev.pref);
	lease(&fb);
	kms_set(&dev, &fb, &dev.pref);
	close_owner();
	return 0;
}

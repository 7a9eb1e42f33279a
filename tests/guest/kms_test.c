// SPDX-License-Identifier: MIT
/*
 * In-guest KMS tests for qxl-ng: connectors and modes, modesets at several
 * sizes, dumb buffers, damage through DIRTYFB and FB_DAMAGE_CLIPS, flip
 * events, fbdev, and bad input. Every picture is checked from the host by a
 * QMP screendump and by a SPICE client that was connected before the test.
 *
 * Usage: kms_test [subtest...]   (no argument: all subtests)
 */
#define _GNU_SOURCE
#include <linux/fb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/ioctl.h>

#include "kmsutil.h"

#define BG	0x203040u

static struct kdev dev;

/* Ask the host to compare the screen with a background plus rectangles. */
static int screen_is(int w, int h, uint32_t bg, int nrect, const int (*r)[5])
{
	char buf[8192];
	int len, i;

	len = snprintf(buf, sizeof(buf), "screen %d %d 0x%06x", w, h, bg);
	for (i = 0; i < nrect && len < (int)sizeof(buf) - 64; i++)
		len += snprintf(buf + len, sizeof(buf) - len, " %d %d %d %d 0x%06x",
				r[i][0], r[i][1], r[i][2], r[i][3], r[i][4]);
	return qt_host("%s", buf);
}

static int show_solid(struct kfb *fb, drmModeModeInfo *mode, uint32_t color)
{
	kfb_fill(fb, 0, 0, fb->w, fb->h, color);
	if (kms_set(&dev, fb, mode))
		return -1;
	return screen_is(mode->hdisplay, mode->vdisplay, color, 0, NULL);
}

static void t_connectors(void)
{
	drmModeConnector *c = drmModeGetConnector(dev.fd, dev.conn_id);
	int i, has1024 = 0, too_big = 0, preferred = 0;

	if (!c) {
		qt_result("connectors", 1, "GetConnector failed: %s", strerror(errno));
		return;
	}
	for (i = 0; i < c->count_modes; i++) {
		if (c->modes[i].hdisplay == 1024 && c->modes[i].vdisplay == 768)
			has1024 = 1;
		if ((uint64_t)c->modes[i].hdisplay * c->modes[i].vdisplay * 4 > 16u << 20)
			too_big++;
		preferred += !!(c->modes[i].type & DRM_MODE_TYPE_PREFERRED);
	}
	if (!has1024 || too_big || preferred != 1 || c->connection != DRM_MODE_CONNECTED)
		qt_result("connectors", 1,
			  "%d modes, 1024x768 %s, %d modes above vgamem, %d preferred (want 1)",
			  c->count_modes, has1024 ? "listed" : "missing", too_big, preferred);
	else
		qt_result("connectors", 0, "%d modes, preferred %dx%d", c->count_modes,
			  dev.pref.hdisplay, dev.pref.vdisplay);
	drmModeFreeConnector(c);
}

static void t_modeset_sizes(void)
{
	static const int sizes[][2] = { { 640, 480 }, { 800, 600 }, { 1280, 1024 },
					{ 1024, 768 } };
	static const uint32_t colors[] = { 0xff0000, 0x00ff00, 0x0000ff, 0x808080 };
	char name[64];
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		drmModeModeInfo mode;
		struct kfb fb;
		int ret;

		snprintf(name, sizeof(name), "modeset-%dx%d", sizes[i][0], sizes[i][1]);
		if (kms_find_mode(&dev, sizes[i][0], sizes[i][1], &mode)) {
			qt_result(name, 1, "mode not listed");
			continue;
		}
		ret = kfb_create(&dev, &fb, sizes[i][0], sizes[i][1]);
		if (ret) {
			qt_result(name, 1, "dumb fb: %s", strerror(-ret));
			continue;
		}
		ret = show_solid(&fb, &mode, colors[i]);
		qt_result(name, ret ? 1 : 0, "solid 0x%06x", colors[i]);
		kfb_destroy(&dev, &fb);
	}
}

static void t_dumb_map(void)
{
	struct kfb fb;
	int ret = kfb_create(&dev, &fb, 333, 77);
	uint32_t i, bad = 0;

	if (ret) {
		qt_result("dumb-create-map", 1, "%s", strerror(-ret));
		return;
	}
	for (i = 0; i < fb.size / 4; i++)
		fb.px[i] = i * 2654435761u;
	for (i = 0; i < fb.size / 4; i++)
		bad += fb.px[i] != i * 2654435761u;
	qt_result("dumb-create-map", bad || fb.pitch < 333 * 4 ? 1 : 0,
		  "pitch %u size %llu, %u words wrong", fb.pitch,
		  (unsigned long long)fb.size, bad);
	kfb_destroy(&dev, &fb);
}

/* Damage: one rectangle, 64 scattered ones, and the full frame. */
static void t_damage(struct kfb *fb, drmModeModeInfo *mode)
{
	int rects[65][5], i, n = 0;
	drmModeClip clips[64];

	if (show_solid(fb, mode, BG)) {
		qt_result("damage-setup", 1, "initial picture wrong");
		return;
	}

	/* The pixel change outside the clip must not reach the screen. */
	kfb_fill(fb, 100, 50, 64, 64, 0xffff00);
	kfb_fill(fb, 900, 700, 10, 10, 0xff00ff);
	clips[0] = (drmModeClip){ 100, 50, 164, 114 };
	rects[0][0] = 100; rects[0][1] = 50; rects[0][2] = 64; rects[0][3] = 64;
	rects[0][4] = 0xffff00;
	if (kms_dirty(&dev, fb, clips, 1))
		qt_result("damage-one-rect", 1, "DIRTYFB: %s", strerror(errno));
	else
		qt_result("damage-one-rect", screen_is(mode->hdisplay, mode->vdisplay, BG, 1,
						       (const int (*)[5])rects) ? 1 : 0,
			  "64x64 at 100,50; undamaged change at 900,700 stays off screen");
	kfb_fill(fb, 900, 700, 10, 10, BG);

	for (i = 0; i < 64; i++) {
		int x = (i % 8) * 120 + 17, y = (i / 8) * 90 + 11;
		uint32_t c = 0x010101u * (i * 3) ^ 0x00a0c0u;

		kfb_fill(fb, x, y, 16 + i % 5, 12 + i % 7, c);
		clips[i] = (drmModeClip){ x, y, x + 16 + i % 5, y + 12 + i % 7 };
		rects[n][0] = x; rects[n][1] = y; rects[n][2] = 16 + i % 5;
		rects[n][3] = 12 + i % 7; rects[n][4] = c;
		n++;
	}
	rects[n][0] = 100; rects[n][1] = 50; rects[n][2] = 64; rects[n][3] = 64;
	rects[n][4] = 0xffff00;
	/* rects[] is painted in order on the host; put the first rect first. */
	{
		int tmp[5];

		memcpy(tmp, rects[n], sizeof(tmp));
		memmove(rects[1], rects[0], sizeof(rects[0]) * n);
		memcpy(rects[0], tmp, sizeof(tmp));
	}
	if (kms_dirty(&dev, fb, clips, 64))
		qt_result("damage-64-rects", 1, "DIRTYFB: %s", strerror(errno));
	else
		qt_result("damage-64-rects", screen_is(mode->hdisplay, mode->vdisplay, BG, n + 1,
						       (const int (*)[5])rects) ? 1 : 0,
			  "64 scattered rectangles in one DIRTYFB");

	kfb_fill(fb, 0, 0, fb->w, fb->h, 0x336699);
	if (kms_dirty(&dev, fb, NULL, 0))
		qt_result("damage-full-frame", 1, "DIRTYFB: %s", strerror(errno));
	else
		qt_result("damage-full-frame",
			  screen_is(mode->hdisplay, mode->vdisplay, 0x336699, 0, NULL) ? 1 : 0,
			  "DIRTYFB without clips repaints everything");
}

/* An atomic commit carrying FB_DAMAGE_CLIPS updates only that rectangle. */
static void t_atomic_damage(struct kfb *fb, drmModeModeInfo *mode)
{
	uint32_t p_clips, p_fb;
	struct drm_mode_rect rect = { 200, 300, 264, 364 };
	int rects[1][5] = { { 200, 300, 64, 64, 0x00ffff } };
	drmModeAtomicReq *req;
	uint32_t blob;
	int ret;

	if (drmSetClientCap(dev.fd, DRM_CLIENT_CAP_ATOMIC, 1)) {
		qt_result("atomic-damage-clips", 1, "atomic cap: %s", strerror(errno));
		return;
	}
	p_clips = kms_prop_id(&dev, dev.plane_id, DRM_MODE_OBJECT_PLANE, "FB_DAMAGE_CLIPS");
	p_fb = kms_prop_id(&dev, dev.plane_id, DRM_MODE_OBJECT_PLANE, "FB_ID");
	if (!p_clips || !p_fb) {
		qt_result("atomic-damage-clips", 1, "no atomic or no FB_DAMAGE_CLIPS property");
		return;
	}
	kfb_fill(fb, 0, 0, fb->w, fb->h, 0x336699);
	kfb_fill(fb, 200, 300, 64, 64, 0x00ffff);
	kfb_fill(fb, 10, 10, 5, 5, 0xffffff);	/* outside the clip: must not show */
	if (drmModeCreatePropertyBlob(dev.fd, &rect, sizeof(rect), &blob)) {
		qt_result("atomic-damage-clips", 1, "blob: %s", strerror(errno));
		return;
	}
	req = drmModeAtomicAlloc();
	drmModeAtomicAddProperty(req, dev.plane_id, p_fb, fb->fb_id);
	drmModeAtomicAddProperty(req, dev.plane_id, p_clips, blob);
	ret = drmModeAtomicCommit(dev.fd, req, 0, NULL);
	drmModeAtomicFree(req);
	drmModeDestroyPropertyBlob(dev.fd, blob);
	if (ret)
		qt_result("atomic-damage-clips", 1, "commit: %s", strerror(errno));
	else
		qt_result("atomic-damage-clips",
			  screen_is(mode->hdisplay, mode->vdisplay, 0x336699, 1,
				    (const int (*)[5])rects) ? 1 : 0,
			  "64x64 clip at 200,300 only");
	kfb_fill(fb, 10, 10, 5, 5, 0x336699);
	drmSetClientCap(dev.fd, DRM_CLIENT_CAP_ATOMIC, 0);
}

/* Page flips between two buffers deliver one event each, in order. */
static void t_flips(struct kfb *a, drmModeModeInfo *mode)
{
	struct kfb b;
	unsigned int seq, last = 0;
	double t0 = kms_now(), when;
	int i, ret, bad = 0;
	uint32_t shown = 0;

	if (kfb_create(&dev, &b, a->w, a->h)) {
		qt_result("page-flip-events", 1, "second fb");
		return;
	}
	kfb_fill(a, 0, 0, a->w, a->h, 0x112233);
	kfb_fill(&b, 0, 0, b.w, b.h, 0x445566);
	kms_set(&dev, a, mode);
	for (i = 0; i < 20; i++) {
		struct kfb *next = (i & 1) ? a : &b;

		shown = (i & 1) ? 0x112233 : 0x445566;

		ret = drmModePageFlip(dev.fd, dev.crtc_id, next->fb_id,
				      DRM_MODE_PAGE_FLIP_EVENT, NULL);
		if (ret) {
			qt_result("page-flip-events", 1, "flip %d: %s", i, strerror(errno));
			goto out;
		}
		ret = kms_wait_event(&dev, 2000, &seq, &when);
		if (ret) {
			qt_result("page-flip-events", 1, "no event for flip %d within 2 s", i);
			goto out;
		}
		if (i && seq < last)
			bad++;
		last = seq;
	}
	qt_result("page-flip-events", bad ? 1 : 0, "20 flips in %.3f s, %d out of order",
		  kms_now() - t0, bad);
	/* Once the last event arrived, the screen must show that buffer. */
	qt_result("page-flip-shown",
		  screen_is(mode->hdisplay, mode->vdisplay, shown, 0, NULL) ? 1 : 0,
		  "after the last flip event");
out:
	kms_set(&dev, a, mode);
	kfb_destroy(&dev, &b);
}

/* One legacy flip to @to, waiting for its event. */
static int flip_to(struct kfb *to)
{
	if (drmModePageFlip(dev.fd, dev.crtc_id, to->fb_id, DRM_MODE_PAGE_FLIP_EVENT, NULL))
		return -errno;
	return kms_wait_event(&dev, 2000, NULL, NULL);
}

/*
 * Legacy page flips carry no damage (mutter up to 45, Xorg): the driver
 * compares the new framebuffer with the one it replaces, which is what the
 * device shows, and uploads only what differs. Each picture is still
 * checked whole by the host (screendump and SPICE client); the uploads are
 * counted by qxl_status's upload_pixels.
 */
static void t_flip_diff(struct kfb *a, drmModeModeInfo *mode)
{
	const int c1[5] = { 300, 203, 64, 64, 0xc03020 }, c2[5] = { 601, 500, 64, 64, 0x20c030 };
	int both[2][5], shown1[1][5], i, ret, bad = 0;
	long long up0, up, diffs0;
	struct kfb b;

	memcpy(both[0], c1, sizeof(c1));
	memcpy(both[1], c2, sizeof(c2));
	memcpy(shown1[0], c1, sizeof(c1));
	if (kfb_create(&dev, &b, a->w, a->h)) {
		qt_result("flip-diff-64x64", 1, "second fb");
		return;
	}
	kfb_fill(a, 0, 0, a->w, a->h, BG);
	kfb_fill(&b, 0, 0, b.w, b.h, BG);
	ret = kms_set(&dev, a, mode);
	if (ret) {
		qt_result("flip-diff-64x64", 1, "modeset: %s", strerror(-ret));
		kfb_destroy(&dev, &b);
		return;
	}

	/* b = a + a 64x64 square */
	kfb_fill(&b, c1[0], c1[1], c1[2], c1[3], c1[4]);
	diffs0 = qt_status("flip_diffs");
	up0 = qt_status_ll("upload_pixels");
	ret = flip_to(&b);
	up = qt_status_ll("upload_pixels") - up0;
	qt_result("flip-diff-64x64", ret || up <= 0 || up > 2 * 64 * 64 ||
		  qt_status("flip_diffs") - diffs0 != 1 ||
		  screen_is(mode->hdisplay, mode->vdisplay, BG, 1, shown1) ? 1 : 0,
		  "a flip changing 64x64 (fb %u to %u): %lld pixels uploaded (at most %d), flip %s", a->fb_id, b.fb_id, up,
		  2 * 64 * 64, ret ? strerror(-ret) : "ok");

	/* a = b + another square: only that one differs */
	kfb_fill(a, c1[0], c1[1], c1[2], c1[3], c1[4]);
	kfb_fill(a, c2[0], c2[1], c2[2], c2[3], c2[4]);
	up0 = qt_status_ll("upload_pixels");
	ret = flip_to(a);
	up = qt_status_ll("upload_pixels") - up0;
	qt_result("flip-diff-back", ret || up <= 0 || up > 2 * 64 * 64 ||
		  screen_is(mode->hdisplay, mode->vdisplay, BG, 2, (const int (*)[5])both) ? 1 : 0,
		  "flipping back with one more square: %lld pixels uploaded", up);

	/* b = a: the same picture, nothing to upload, still shown */
	memcpy(b.px, a->px, (size_t)a->pitch * a->h);
	up0 = qt_status_ll("upload_pixels");
	ret = flip_to(&b);
	up = qt_status_ll("upload_pixels") - up0;
	qt_result("flip-diff-equal", ret || up != 0 ||
		  screen_is(mode->hdisplay, mode->vdisplay, BG, 2, (const int (*)[5])both) ? 1 : 0,
		  "a flip to an equal picture: %lld pixels uploaded", up);

	/*
	 * A client draws in the shown buffer without DIRTYFB (the device does
	 * not have it), then flips to a buffer with the same pixels: compared
	 * with the buffer it replaces nothing changed, but the device lacks
	 * the square, so it must be uploaded (the driver compares with what
	 * the device shows).
	 */
	kfb_fill(&b, c1[0], c1[1], c1[2], c1[3], 0x3050ff);
	memcpy(a->px, b.px, (size_t)a->pitch * a->h);
	{
		int sq[2][5];

		memcpy(sq, both, sizeof(sq));
		sq[0][4] = 0x3050ff;
		ret = flip_to(a);
		qt_result("flip-diff-undirtied-front", ret ||
			  screen_is(mode->hdisplay, mode->vdisplay, BG, 2, (const int (*)[5])sq) ?
			  1 : 0, "a flip to the pixels the old buffer got without DIRTYFB: %s",
			  ret ? strerror(-ret) : "shown");
	}

	/*
	 * Everything changes: uploaded in full, and the next flips too without
	 * comparing (QXL_DIFF_SKIP); pictures right all along, single pixels
	 * included.
	 */
	kfb_fill(a, 0, 0, a->w, a->h, 0x102030);
	ret = flip_to(a);
	for (i = 0; i < 12 && !ret; i++) {
		struct kfb *to = (i & 1) ? a : &b;
		int px[1][5] = { { 3 + i * 70, 700 - i * 50, 1, 1, 0xffffff } };

		kfb_fill(to, 0, 0, to->w, to->h, 0x102030);
		kfb_fill(to, px[0][0], px[0][1], 1, 1, 0xffffff);
		ret = flip_to(to);
		if (!ret && (i == 0 || i == 11) &&
		    screen_is(mode->hdisplay, mode->vdisplay, 0x102030, 1, px))
			bad++;
	}
	qt_result("flip-diff-full-then-small", ret || bad ? 1 : 0,
		  "a full change, then 12 flips moving one pixel: %s, %d pictures wrong",
		  ret ? strerror(-ret) : "ok", bad);
	kms_set(&dev, a, mode);
	kfb_destroy(&dev, &b);
}

static void t_fbdev(void)
{
	struct fb_var_screeninfo var;
	struct fb_fix_screeninfo fix;
	int fd = open("/dev/fb0", O_RDWR);

	if (fd < 0) {
		qt_result("fbdev-present", 1, "/dev/fb0: %s", strerror(errno));
		return;
	}
	if (ioctl(fd, FBIOGET_VSCREENINFO, &var) || ioctl(fd, FBIOGET_FSCREENINFO, &fix))
		qt_result("fbdev-present", 1, "FBIOGET: %s", strerror(errno));
	else
		qt_result("fbdev-present", strncmp(fix.id, "qxl", 3) || var.bits_per_pixel != 32,
			  "%s %ux%u %ubpp", fix.id, var.xres, var.yres, var.bits_per_pixel);
	close(fd);
}

static void expect_err(const char *name, int ret, int want)
{
	qt_result(name, ret == -want ? 0 : 1, "got %d (%s), want -%s", ret,
		  ret ? strerror(-ret) : "success", strerror(want));
}

static int dumb_ret(uint32_t w, uint32_t h, uint32_t bpp)
{
	struct drm_mode_create_dumb cr = { .width = w, .height = h, .bpp = bpp };
	struct drm_mode_destroy_dumb ds;

	if (drmIoctl(dev.fd, DRM_IOCTL_MODE_CREATE_DUMB, &cr))
		return -errno;
	ds.handle = cr.handle;
	drmIoctl(dev.fd, DRM_IOCTL_MODE_DESTROY_DUMB, &ds);
	return 0;
}

static void t_negative(struct kfb *fb, drmModeModeInfo *mode)
{
	uint32_t handles[4] = { 0x7fff }, pitches[4] = { 4096 }, offsets[4] = { 0 };
	drmModeClip out = { 1000, 700, 1100, 800 };
	drmModeModeInfo huge;
	struct kfb big;
	uint32_t id;
	int ret;

	expect_err("neg-dumb-huge", dumb_ret(100000, 100000, 32), EINVAL);
	expect_err("neg-dumb-zero", dumb_ret(0, 16, 32), EINVAL);
	expect_err("neg-dumb-bpp", dumb_ret(64, 64, 7), EINVAL);
	ret = drmModeAddFB2(dev.fd, 64, 64, DRM_FORMAT_XRGB8888, handles, pitches, offsets,
			    &id, 0);
	expect_err("neg-addfb-bad-handle", ret ? -errno : 0, ENOENT);
	expect_err("neg-dirtyfb-bad-fb", drmModeDirtyFB(dev.fd, 0x7ffff, NULL, 0) ? -errno : 0,
		   ENOENT);
	/* The fb must be on screen, or DIRTYFB has nothing to check. */
	kms_set(&dev, fb, mode);
	ret = drmModeDirtyFB(dev.fd, fb->fb_id, &out, 1) ? -errno : 0;
	expect_err("neg-dirtyfb-clip-outside", ret, EINVAL);

	/* 4096x4096x4 = 64 MiB: more than the 16 MiB primary area. */
	huge = *mode;
	huge.hdisplay = huge.hsync_start = huge.hsync_end = huge.htotal = 4096;
	huge.vdisplay = huge.vsync_start = huge.vsync_end = huge.vtotal = 4096;
	huge.htotal += 8;
	huge.vtotal += 8;
	snprintf(huge.name, sizeof(huge.name), "4096x4096");
	/* The framebuffer is as large as the mode, so only the size limit fails. */
	ret = kfb_create(&dev, &big, 4096, 4096);
	if (ret) {
		qt_result("neg-mode-above-vgamem", 1, "4096x4096 fb: %s", strerror(-ret));
	} else {
		ret = drmModeSetCrtc(dev.fd, dev.crtc_id, big.fb_id, 0, 0, &dev.conn_id, 1, &huge);
		expect_err("neg-mode-above-vgamem", ret ? -errno : 0, EINVAL);
		kfb_destroy(&dev, &big);
	}

	/* Still working after all of that. */
	qt_result("neg-device-still-works", show_solid(fb, mode, 0x00ff80) ? 1 : 0,
		  "modeset + full frame after the rejected calls");
}

/* Many full-frame updates in a row: the pool fills and must be recycled. */
static void t_stress(struct kfb *fb, drmModeModeInfo *mode)
{
	int i, fails = 0;
	uint32_t c = 0;

	if (kms_set(&dev, fb, mode)) {
		qt_result("stress-full-frames", 1, "modeset: %s", strerror(errno));
		return;
	}
	for (i = 0; i < 120; i++) {
		c = 0x010203u * (uint32_t)i;
		kfb_fill(fb, 0, 0, fb->w, fb->h, c);
		fails += kms_dirty(&dev, fb, NULL, 0) != 0;
	}
	qt_result("stress-full-frames", fails ? 1 : 0,
		  "120 x 3 MiB updates through a 48 MiB pool, %d failed, %d reclaim kicks",
		  fails, qt_status("reclaim_kicks"));
	qt_result("stress-last-frame-shown",
		  screen_is(mode->hdisplay, mode->vdisplay, c, 0, NULL) ? 1 : 0,
		  "the last of 120 frames is on screen");
}

/* Put the device into its error state; the driver must reset and repaint. */
static void t_recovery(struct kfb *fb, drmModeModeInfo *mode)
{
	int fd, i, resets;
	double t0;

	if (show_solid(fb, mode, 0x6040a0)) {
		qt_result("recovery-after-device-error", 1, "initial picture wrong");
		return;
	}
	resets = qt_status("resets");
	fd = open("/sys/kernel/debug/dri/0/qxl_inject_device_error", O_WRONLY);
	if (fd < 0 || write(fd, "1", 1) != 1) {
		qt_result("recovery-after-device-error", 1, "inject: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	t0 = kms_now();
	for (i = 0; i < 100 && qt_status("resets") <= resets; i++)
		usleep(100000);
	if (qt_status("resets") <= resets) {
		qt_result("recovery-after-device-error", 1, "no reset within 10 s");
		return;
	}
	qt_result("recovery-after-device-error",
		  screen_is(mode->hdisplay, mode->vdisplay, 0x6040a0, 0, NULL) ? 1 : 0,
		  "reset after %.2f s, picture restored", kms_now() - t0);
	kfb_fill(fb, 0, 0, fb->w, fb->h, 0x10c020);
	kms_dirty(&dev, fb, NULL, 0);
	qt_result("recovery-updates-work",
		  screen_is(mode->hdisplay, mode->vdisplay, 0x10c020, 0, NULL) ? 1 : 0,
		  "a full-frame update after the reset");
}

struct dirty_load {
	struct kfb *fb;
	atomic_int stop;
	long calls;
};

static void *dirty_loop(void *arg)
{
	struct dirty_load *l = arg;
	drmModeClip clip = { 0, 0, 64, 64 };

	while (!atomic_load(&l->stop)) {
		kms_dirty(&dev, l->fb, &clip, 1);	/* fails while the device is in error */
		l->calls++;
	}
	return NULL;
}

/*
 * Device errors while another thread keeps queueing DIRTYFBs: what it
 * pushes around the reset must not be freed while the device still owns
 * it (the device writes its release into the block, which would then land
 * in a later upload's pixels). Five rounds, each picture checked exactly.
 */
static void t_recovery_load(struct kfb *fb, drmModeModeInfo *mode)
{
	struct dirty_load l = { .fb = fb };
	int round, i, resets, bad = 0, fd;
	long calls = 0;
	uint32_t c = 0;
	pthread_t t;

	for (round = 0; round < 5 && !bad; round++) {
		c = 0x203040 + 0x102010 * (uint32_t)round;
		if (show_solid(fb, mode, c)) {
			qt_result("recovery-under-dirtyfb-load", 1, "round %d: picture wrong before", round);
			return;
		}
		resets = qt_status("resets");
		atomic_store(&l.stop, 0);
		l.calls = 0;
		if (pthread_create(&t, NULL, dirty_loop, &l)) {
			qt_result("recovery-under-dirtyfb-load", 1, "pthread_create failed");
			return;
		}
		usleep(20000);
		fd = open("/sys/kernel/debug/dri/0/qxl_inject_device_error", O_WRONLY);
		if (fd < 0 || write(fd, "1", 1) != 1)
			bad = 1;
		if (fd >= 0)
			close(fd);
		for (i = 0; i < 100 && !bad && qt_status("resets") <= resets; i++)
			usleep(100000);
		usleep(50000);	/* DIRTYFBs after the repaint too */
		atomic_store(&l.stop, 1);
		pthread_join(t, NULL);
		calls += l.calls;
		if (bad || qt_status("resets") <= resets) {
			qt_result("recovery-under-dirtyfb-load", 1, "round %d: %s", round,
				  bad ? "inject failed" : "no reset within 10 s");
			return;
		}
		if (screen_is(mode->hdisplay, mode->vdisplay, c, 0, NULL))
			bad = 1;
	}
	qt_result("recovery-under-dirtyfb-load", bad,
		  "%d device resets with %ld DIRTYFBs of 64x64 queued around them; %s",
		  round, calls, bad ? "a picture after a reset was wrong" : "every picture exact");
}

static int want(int argc, char **argv, const char *name)
{
	int i;

	if (argc < 2)
		return 1;
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	drmModeModeInfo mode;
	struct kfb fb;
	int ret;

	ret = kms_open(&dev);
	if (ret) {
		qt_result("kms-open", 1, "/dev/dri/card0 (driver qxl): %s", strerror(-ret));
		return 1;
	}
	if (argc > 1 && !strncmp(argv[1], "preferred=", 10)) {
		char expect[32];

		snprintf(expect, sizeof(expect), "%dx%d", dev.pref.hdisplay, dev.pref.vdisplay);
		qt_result("preferred-mode-from-rom", strcmp(expect, argv[1] + 10) ? 1 : 0,
			  "preferred %s, expected %s", expect, argv[1] + 10);
		return 0;
	}
	if (want(argc, argv, "connectors"))
		t_connectors();
	if (want(argc, argv, "dumb"))
		t_dumb_map();
	if (want(argc, argv, "modeset"))
		t_modeset_sizes();
	if (want(argc, argv, "fbdev"))
		t_fbdev();

	if (kms_find_mode(&dev, 1024, 768, &mode) || kfb_create(&dev, &fb, 1024, 768)) {
		qt_result("kms-setup", 1, "no 1024x768 mode or fb");
		return 1;
	}
	if (want(argc, argv, "damage"))
		t_damage(&fb, &mode);
	if (want(argc, argv, "atomic"))
		t_atomic_damage(&fb, &mode);
	if (want(argc, argv, "flip"))
		t_flips(&fb, &mode);
	if (want(argc, argv, "flipdiff"))
		t_flip_diff(&fb, &mode);
	if (want(argc, argv, "negative"))
		t_negative(&fb, &mode);
	if (want(argc, argv, "stress"))
		t_stress(&fb, &mode);
	if (want(argc, argv, "recovery"))
		t_recovery(&fb, &mode);
	if (want(argc, argv, "recovery-load"))
		t_recovery_load(&fb, &mode);
	kfb_destroy(&dev, &fb);
	close(dev.fd);
	return 0;
}

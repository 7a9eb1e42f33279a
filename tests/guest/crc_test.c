// SPDX-License-Identifier: MIT
/*
 * The debugfs CRC source of CRTC 0 ("auto") hashes what the device really
 * shows: the CRC of a known picture is stable frame to frame, equals the
 * CRC this test computes over the expected pixels, and changes when one
 * pixel changes (and equals the recomputed one then). The cursor plane is
 * part of what the CRTC shows: a picture with a cursor (pre-multiplied
 * alpha: transparent, opaque and two partial alphas) has the CRC of the
 * same picture blended in software, for cursor sizes from 32x10 to
 * 256x256, inside the CRTC and clipped at each edge, and a cursor moved
 * off and back gives the CRCs of the bare picture and of the first one.
 */
#define _GNU_SOURCE
#include <zlib.h>

#include "kmsutil.h"

#define DBG "/sys/kernel/debug/dri/0/crtc-0/crc/"

static struct kdev dev;

/*
 * The CRC the driver's CRC source reports: the kernel's crc32_le() seeded
 * with 0 (reflected 0xedb88320, no inversion before or after). zlib's crc32()
 * is the same CRC-32 inverted before and after, so crc32_le(c) = ~crc32(~c).
 */
static uint32_t crc32_le0(uint32_t crc, const uint8_t *p, size_t n)
{
	return ~(uint32_t)crc32(~crc, p, n);
}

static uint32_t expected_crc(const struct kfb *fb)
{
	uint32_t crc = 0, x, y;

	for (y = 0; y < fb->h; y++)
		for (x = 0; x < fb->w; x++) {
			uint32_t v = fb->px[y * (fb->pitch / 4) + x] & 0x00ffffff;
			uint8_t b[4] = { v & 255, (v >> 8) & 255, (v >> 16) & 255, 0 };

			crc = crc32_le0(crc, b, 4);
		}
	return crc;
}

/* Next CRC entry, waiting at most 3 s. */
static int next_crc(int fd, uint32_t *frame, uint32_t *crc)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char line[64];
	ssize_t n;

	if (poll(&pfd, 1, 3000) != 1)
		return -ETIMEDOUT;
	n = read(fd, line, sizeof(line) - 1);
	if (n <= 0)
		return -EIO;
	line[n] = 0;
	return sscanf(line, "%x %x", frame, crc) == 2 ? 0 : -EINVAL;
}

/* Skip entries until one for a frame after 'after' carries 'want' (bounded). */
static int crc_settles(int fd, uint32_t want, uint32_t *got)
{
	uint32_t f, c = 0;
	int i;

	for (i = 0; i < 60; i++) {
		if (next_crc(fd, &f, &c))
			break;
		if (c == want)
			break;
	}
	*got = c;
	return c == want ? 0 : -1;
}

/* The cursor test image: pre-multiplied ARGB, stripes of four alphas. */
static uint32_t cursor_px(uint32_t x, uint32_t y)
{
	switch ((x / 3 + y) % 4) {
	case 0:
		return 0;
	case 1:
		return 0xff10e0a0;
	case 2:
		return 0x80402010 + (y & 0x3f);
	default:
		return 0x40102030;
	}
}

/* The picture with the cursor blended at cx,cy as the plane's blend mode says. */
static uint32_t expected_with_cursor(const struct kfb *fb, uint32_t cw, uint32_t ch, int cx,
				     int cy)
{
	uint32_t crc = 0, x, y, k;

	for (y = 0; y < fb->h; y++)
		for (x = 0; x < fb->w; x++) {
			uint32_t v = fb->px[y * (fb->pitch / 4) + x] & 0x00ffffff;
			int u = (int)x - cx, w = (int)y - cy;

			if (u >= 0 && w >= 0 && u < (int)cw && w < (int)ch) {
				uint32_t c = cursor_px(u, w), a = c >> 24, out = 0;

				for (k = 0; k < 24; k += 8) {
					uint32_t o = ((c >> k) & 0xff) +
						     (((v >> k) & 0xff) * (255 - a) + 127) / 255;

					out |= (o > 255 ? 255 : o) << k;
				}
				v = out;
			}
			uint8_t b[4] = { v & 255, (v >> 8) & 255, (v >> 16) & 255, 0 };

			crc = crc32_le0(crc, b, 4);
		}
	return crc;
}

/* A cursor of cw x ch at a few places; 0 if every CRC was the expected one. */
static int cursor_crcs(int data, const struct kfb *fb, uint32_t cw, uint32_t ch)
{
	struct drm_mode_create_dumb c = { .width = cw, .height = ch, .bpp = 32 };
	struct drm_mode_map_dumb m = { 0 };
	const int places[][2] = { { 50, 60 }, { (int)fb->w - (int)cw / 2, (int)fb->h - (int)ch / 2 },
				  { -(int)cw / 2, -(int)ch / 2 } };
	uint32_t *px, got, want, first = 0, x, y, bare = expected_crc(fb);
	char name[48];
	int bad = 0;
	size_t i;

	if (drmIoctl(dev.fd, DRM_IOCTL_MODE_CREATE_DUMB, &c))
		return -errno;
	m.handle = c.handle;
	if (drmIoctl(dev.fd, DRM_IOCTL_MODE_MAP_DUMB, &m))
		return -errno;
	px = mmap(NULL, c.size, PROT_READ | PROT_WRITE, MAP_SHARED, dev.fd, m.offset);
	if (px == MAP_FAILED)
		return -errno;
	/* the legacy cursor ioctl takes the buffer with a pitch of width * 4 */
	for (y = 0; y < ch; y++)
		for (x = 0; x < cw; x++)
			px[y * cw + x] = cursor_px(x, y);
	if (drmModeSetCursor(dev.fd, dev.crtc_id, c.handle, cw, ch))
		return -errno;
	for (i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
		drmModeMoveCursor(dev.fd, dev.crtc_id, places[i][0], places[i][1]);
		want = expected_with_cursor(fb, cw, ch, places[i][0], places[i][1]);
		snprintf(name, sizeof(name), "crc-cursor-%ux%u-%s", cw, ch,
			 i == 0 ? "inside" : i == 1 ? "clipped-bottom-right" : "clipped-top-left");
		bad |= crc_settles(data, want, &got);
		qt_result(name, got != want, "at %d,%d: 0x%08x, expected 0x%08x (without the "
			  "cursor 0x%08x)", places[i][0], places[i][1], got, want, bare);
		if (!i)
			first = got;
	}
	drmModeMoveCursor(dev.fd, dev.crtc_id, fb->w + 10, fb->h + 10);
	bad |= crc_settles(data, bare, &got);
	snprintf(name, sizeof(name), "crc-cursor-%ux%u-off-and-back", cw, ch);
	drmModeMoveCursor(dev.fd, dev.crtc_id, places[0][0], places[0][1]);
	if (got == bare)
		bad |= crc_settles(data, first, &got);
	qt_result(name, got != first, "moved off: the bare picture's CRC; back: 0x%08x "
		  "(first 0x%08x)", got, first);
	drmModeSetCursor(dev.fd, dev.crtc_id, 0, 0, 0);
	munmap(px, c.size);
	struct drm_mode_destroy_dumb d = { .handle = c.handle };

	drmIoctl(dev.fd, DRM_IOCTL_MODE_DESTROY_DUMB, &d);
	return bad;
}

int main(void)
{
	static const uint32_t sizes[][2] = { { 32, 10 }, { 64, 64 }, { 100, 37 }, { 256, 256 } };
	drmModeModeInfo mode;
	struct kfb fb;
	uint32_t f1, f2, f3, c1, c2, c3, want, got;
	int ctl, data, i;

	if (kms_open(&dev) || kms_find_mode(&dev, 640, 480, &mode) ||
	    kfb_create(&dev, &fb, 640, 480)) {
		qt_result("crc-setup", 1, "no qxl card, mode or buffer");
		return 1;
	}
	for (i = 0; i < 480; i++)
		kfb_fill(&fb, 0, i, 640, 1, 0x010203u * (i & 0x3f) | 0xff000000u);
	kfb_fill(&fb, 100, 100, 80, 60, 0xffc08040);
	if (kms_set(&dev, &fb, &mode)) {
		qt_result("crc-setup", 1, "modeset: %s", strerror(errno));
		return 1;
	}
	ctl = open(DBG "control", O_WRONLY);
	if (ctl < 0 || write(ctl, "auto", 4) != 4) {
		qt_result("crc-source", 1, DBG "control: %s", strerror(errno));
		return 1;
	}
	close(ctl);
	data = open(DBG "data", O_RDONLY);
	if (data < 0) {
		qt_result("crc-source", 1, DBG "data: %s", strerror(errno));
		return 1;
	}
	qt_result("crc-source", 0, "source auto opened");

	want = expected_crc(&fb);
	if (crc_settles(data, want, &got)) {
		qt_result("crc-matches-expected", 1, "device CRC 0x%08x, expected 0x%08x", got, want);
	} else {
		qt_result("crc-matches-expected", 0, "0x%08x", got);
		if (next_crc(data, &f1, &c1) || next_crc(data, &f2, &c2) ||
		    next_crc(data, &f3, &c3))
			qt_result("crc-stable", 1, "fewer than 3 more entries");
		else
			qt_result("crc-stable", c1 != want || c2 != want || c3 != want ||
				  !(f1 < f2 && f2 < f3),
				  "frames %u %u %u: 0x%08x 0x%08x 0x%08x", f1, f2, f3, c1, c2, c3);
	}

	fb.px[300 * (fb.pitch / 4) + 400] ^= 0x00000001;
	kms_dirty(&dev, &fb, &(drmModeClip){ 400, 300, 401, 301 }, 1);
	want = expected_crc(&fb);
	i = crc_settles(data, want, &got);
	qt_result("crc-one-pixel", i || got == c1,
		  "after flipping one bit of one pixel: 0x%08x (expected 0x%08x, before 0x%08x)",
		  got, want, c1);
	for (i = 0; i < (int)(sizeof(sizes) / sizeof(sizes[0])); i++) {
		int ret = cursor_crcs(data, &fb, sizes[i][0], sizes[i][1]);

		if (ret < 0)
			qt_result("crc-cursor-setup", 1, "%ux%u cursor: %s", sizes[i][0],
				  sizes[i][1], strerror(-ret));
	}
	close(data);
	return 0;
}

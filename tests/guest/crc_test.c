// SPDX-License-Identifier: MIT
/*
 * The debugfs CRC source of CRTC 0 ("auto") hashes what the device really
 * shows: the CRC of a known picture is stable frame to frame, equals the
 * CRC this test computes over the expected pixels, and changes when one
 * pixel changes (and equals the recomputed one then).
 */
#define _GNU_SOURCE
#include "kmsutil.h"

#define DBG "/sys/kernel/debug/dri/0/crtc-0/crc/"

static struct kdev dev;

/* crc32_le seeded with 0 (reflected 0xedb88320, no final inversion). */
static uint32_t crc32_le0(uint32_t crc, const uint8_t *p, size_t n)
{
	int k;

	while (n--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return crc;
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

int main(void)
{
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
	close(data);
	return 0;
}

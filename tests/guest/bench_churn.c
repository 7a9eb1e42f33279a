// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_churn: where a dumb buffer's life goes, step by step (bench_kms's
 * dumb_bo_churn figure is the whole of it). For ITERS 1024x768 buffers:
 * CREATE_DUMB, ADDFB2, MAP_DUMB + mmap, one write to each page (the page
 * faults), a full fill (pages present), munmap, RMFB + DESTROY_DUMB. Prints
 * the mean of each step in ms on one result line; run it with each driver:
 *
 *   tests/harness/vmtest.py --module M --tests bench_churn --keep-logs DIR
 *
 * (the line is in DIR/console.log). Documentation/qxl-ng.rst, "Dumb buffer
 * churn, by step".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "qtest.h"

#define ITERS	40
#define W	1024
#define H	768

enum { CREATE, ADDFB, MAP, TOUCH, FILL, UNMAP, DESTROY, TOTAL, STEPS };

static const char *const step_name[STEPS] = {
	"create", "addfb", "map+mmap", "first-write-per-page", "fill", "munmap",
	"rmfb+destroy", "total",
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* One buffer's life; the time of each step added to @sum. */
static int one(int fd, unsigned int i, double *sum)
{
	struct drm_mode_create_dumb cr = { .width = W, .height = H, .bpp = 32 };
	struct drm_mode_destroy_dumb ds = { 0 };
	struct drm_mode_map_dumb map = { 0 };
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 }, fb;
	double t[STEPS + 1];
	uint32_t *px;
	size_t k;

	t[0] = now();
	if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &cr))
		return -errno;
	t[1] = now();
	handles[0] = cr.handle;
	pitches[0] = cr.pitch;
	if (drmModeAddFB2(fd, W, H, DRM_FORMAT_XRGB8888, handles, pitches, offsets, &fb, 0))
		return -errno;
	t[2] = now();
	map.handle = cr.handle;
	if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map))
		return -errno;
	px = mmap(NULL, cr.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, map.offset);
	if (px == MAP_FAILED)
		return -errno;
	t[3] = now();
	for (k = 0; k < cr.size / 4; k += 1024)
		px[k] = i;
	t[4] = now();
	for (k = 0; k < cr.size / 4; k++)
		px[k] = i;
	t[5] = now();
	munmap(px, cr.size);
	t[6] = now();
	drmModeRmFB(fd, fb);
	ds.handle = cr.handle;
	drmIoctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &ds);
	t[7] = now();
	for (k = 0; k < TOTAL; k++)
		sum[k] += t[k + 1] - t[k];
	sum[TOTAL] += t[7] - t[0];
	return 0;
}

int main(void)
{
	double sum[STEPS] = { 0 };
	char line[512];
	unsigned int i;
	int fd, ret, off = 0;

	fd = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		qt_result("bench-churn", QT_FAIL, "open card0: %s", strerror(errno));
		return 1;
	}
	for (i = 0; i < ITERS; i++) {
		ret = one(fd, i, sum);
		if (ret) {
			qt_result("bench-churn", QT_FAIL, "buffer %u: %s", i, strerror(-ret));
			return 1;
		}
	}
	for (i = 0; i < STEPS; i++)
		off += snprintf(line + off, sizeof(line) - off, "%s%s %.3f ms", i ? "; " : "",
				step_name[i], sum[i] * 1e3 / ITERS);
	qt_result("bench-churn", QT_PASS, "mean of %d %dx%d buffers: %s", ITERS, W, H, line);
	close(fd);
	return 0;
}

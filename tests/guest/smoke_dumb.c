// SPDX-License-Identifier: GPL-2.0-only
/*
 * smoke_dumb: the harness's own end-to-end check. Sets the first connected
 * connector's preferred mode on a dumb buffer filled with one color, flushes it
 * with DIRTYFB, and asks the host to compare the screendump and the SPICE
 * client's picture; then paints a rectangle, flushes only its clip, and checks
 * again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

#include "qtest.h"

#define BG 0x2060a0u
#define FG 0xe0c020u

static void fill(uint32_t *px, uint32_t pitch, int x, int y, int w, int h, uint32_t c)
{
	for (int j = y; j < y + h; j++)
		for (int i = x; i < x + w; i++)
			px[j * (pitch / 4) + i] = c;
}

int main(void)
{
	struct drm_mode_create_dumb create = { 0 };
	struct drm_mode_map_dumb map = { 0 };
	struct drm_mode_destroy_dumb destroy = { 0 };
	drmModeConnector *conn = NULL;
	drmModeModeInfo mode;
	drmModeRes *res;
	drmVersion *ver;
	uint32_t fb_id = 0, crtc_id = 0, *px;
	drmModeClip clip;
	int fd, i, ret, status = QT_FAIL;

	fd = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		qt_result("smoke_dumb", QT_FAIL, "open /dev/dri/card0: %s", strerror(errno));
		return 1;
	}
	ver = drmGetVersion(fd);
	if (ver) {
		printf("driver %s %d.%d.%d\n", ver->name, ver->version_major,
		       ver->version_minor, ver->version_patchlevel);
		drmFreeVersion(ver);
	}
	res = drmModeGetResources(fd);
	if (!res || res->count_crtcs < 1) {
		qt_result("smoke_dumb", QT_FAIL, "no KMS resources");
		return 1;
	}
	for (i = 0; i < res->count_connectors && !conn; i++) {
		conn = drmModeGetConnector(fd, res->connectors[i]);
		if (conn && (conn->connection != DRM_MODE_CONNECTED || conn->count_modes < 1)) {
			drmModeFreeConnector(conn);
			conn = NULL;
		}
	}
	if (!conn) {
		qt_result("smoke_dumb", QT_FAIL, "no connected connector with modes");
		return 1;
	}
	mode = conn->modes[0];
	for (i = 0; i < conn->count_modes; i++)
		if (conn->modes[i].type & DRM_MODE_TYPE_PREFERRED) {
			mode = conn->modes[i];
			break;
		}
	crtc_id = res->crtcs[0];
	printf("connector %u mode %s (%ux%u) crtc %u\n", conn->connector_id, mode.name,
	       mode.hdisplay, mode.vdisplay, crtc_id);

	create.width = mode.hdisplay;
	create.height = mode.vdisplay;
	create.bpp = 32;
	if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create)) {
		qt_result("smoke_dumb", QT_FAIL, "CREATE_DUMB: %s", strerror(errno));
		return 1;
	}
	if (drmModeAddFB(fd, create.width, create.height, 24, 32, create.pitch,
			 create.handle, &fb_id)) {
		qt_result("smoke_dumb", QT_FAIL, "ADDFB: %s", strerror(errno));
		return 1;
	}
	map.handle = create.handle;
	if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map)) {
		qt_result("smoke_dumb", QT_FAIL, "MAP_DUMB: %s", strerror(errno));
		return 1;
	}
	px = mmap(NULL, create.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, map.offset);
	if (px == MAP_FAILED) {
		qt_result("smoke_dumb", QT_FAIL, "mmap: %s", strerror(errno));
		return 1;
	}
	fill(px, create.pitch, 0, 0, mode.hdisplay, mode.vdisplay, BG);

	if (drmModeSetCrtc(fd, crtc_id, fb_id, 0, 0, &conn->connector_id, 1, &mode)) {
		qt_result("smoke_dumb", QT_FAIL, "SETCRTC: %s", strerror(errno));
		return 1;
	}
	clip = (drmModeClip){ 0, 0, mode.hdisplay, mode.vdisplay };
	ret = drmModeDirtyFB(fd, fb_id, &clip, 1);
	if (ret && ret != -ENOSYS)
		printf("DIRTYFB: %s\n", strerror(-ret));

	if (qt_host("screen %u %u 0x%06x", mode.hdisplay, mode.vdisplay, BG) == 0) {
		qt_result("smoke_dumb_fill", QT_PASS, "");
	} else {
		qt_result("smoke_dumb_fill", QT_FAIL, "full-frame color not seen by host");
		goto out;
	}

	fill(px, create.pitch, 100, 50, 200, 120, FG);
	clip = (drmModeClip){ 100, 50, 300, 170 };
	ret = drmModeDirtyFB(fd, fb_id, &clip, 1);
	if (ret && ret != -ENOSYS)
		printf("DIRTYFB: %s\n", strerror(-ret));
	if (qt_host("screen %u %u 0x%06x 100 50 200 120 0x%06x", mode.hdisplay,
		    mode.vdisplay, BG, FG) == 0) {
		qt_result("smoke_dumb_rect", QT_PASS, "");
		status = QT_PASS;
	} else {
		qt_result("smoke_dumb_rect", QT_FAIL, "damaged rectangle not seen by host");
	}
out:
	drmModeSetCrtc(fd, crtc_id, 0, 0, 0, NULL, 0, NULL);
	drmModeRmFB(fd, fb_id);
	munmap(px, create.size);
	destroy.handle = create.handle;
	drmIoctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
	drmModeFreeConnector(conn);
	drmModeFreeResources(res);
	close(fd);
	return status == QT_PASS ? 0 : 1;
}

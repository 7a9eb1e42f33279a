// SPDX-License-Identifier: MIT
/*
 * qxlctl: look at a QXL device through libqxl.
 *
 *   qxlctl [-d NODE] info             driver, limits, client caps, heads, modes
 *   qxlctl [-d NODE] demo [-o FILE]   render a composite scene off-screen, read
 *                                     it back, optionally write it (PPM, P6)
 *
 * Exit status 0 on success; on failure a line on stderr says what failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libqxl.h"

#define DEMO_W 256
#define DEMO_H 192

static int fail(const char *what, int err)
{
	fprintf(stderr, "qxlctl: %s: %s\n", what, strerror(-err));
	return 1;
}

static void print_caps(uint32_t caps)
{
	unsigned int bit;
	int any = 0;

	printf("client caps:  0x%x", caps);
	for (bit = 0; bit < 32; bit++) {
		const char *name = qxl_client_cap_name(bit);

		if (!(caps & (1u << bit)))
			continue;
		printf("%s%s", any ? " " : " (", name ? name : "?");
		any = 1;
	}
	printf("%s\n", any ? ")" : caps ? "" : " (no SPICE client connected)");
}

static int cmd_info(struct qxl_device *dev)
{
	struct qxl_device_info info;
	struct qxl_limits lim;
	struct qxl_head heads[16];
	int n, i, ret;

	ret = qxl_device_query(dev, &info);
	if (ret)
		return fail("query driver parameters", ret);
	qxl_device_limits(dev, &lim);
	printf("node:         %s (%s node)\n", info.node, info.render_node ? "render" : "primary");
	printf("driver:       qxl-ng %u.%u\n", info.driver_major, info.driver_minor);
	printf("surfaces:     %u\n", info.num_surfaces);
	printf("max relocs:   %u per command\n", info.max_relocs);
	printf("limits:       %ux%u pixels, %u commands per submission, %u clip rects, "
	       "stride multiple of %u\n", lim.max_width, lim.max_height, lim.max_commands,
	       lim.max_clip_rects, lim.stride_align);
	print_caps(info.client_caps);
	printf("caps changes: %u\n", info.client_caps_seq);

	n = qxl_device_heads(dev, heads, 16);
	if (n < 0)
		return fail("read heads", n);
	printf("heads:        %d\n", n);
	for (i = 0; i < n && i < 16; i++) {
		struct qxl_head *h = &heads[i];
		struct qxl_mode modes[8];
		int nm, j;

		printf("  %-12s connector %u, %s", h->name, h->connector_id,
		       h->connected ? "connected" : "disconnected");
		if (h->width)
			printf(", crtc %u %ux%u@%u at +%d+%d", h->crtc_id, h->width, h->height,
			       h->refresh, h->x, h->y);
		else
			printf(", off");
		if (h->preferred_width)
			printf(", preferred %ux%u", h->preferred_width, h->preferred_height);
		printf(", %u modes\n", h->num_modes);
		nm = qxl_device_modes(dev, h->connector_id, modes, 8);
		if (nm < 0)
			return fail("read modes", nm);
		for (j = 0; j < nm && j < 8; j++)
			printf("    %s@%u%s\n", modes[j].name, modes[j].refresh,
			       modes[j].preferred ? " (preferred)" : "");
		if (nm > 8)
			printf("    ... %d more\n", nm - 8);
	}
	return 0;
}

static int write_ppm(const char *path, const uint32_t *px, int w, int h)
{
	FILE *f = fopen(path, "wb");
	int i;

	if (!f)
		return -errno;
	fprintf(f, "P6\n%d %d\n255\n", w, h);
	for (i = 0; i < w * h; i++) {
		unsigned char rgb[3] = { px[i] >> 16, px[i] >> 8, px[i] };

		fwrite(rgb, 1, 3, f);
	}
	if (fclose(f))
		return -errno;
	return 0;
}

/*
 * A checkerboard, and on top a translucent gradient sprite, tiled by reflection,
 * rotated and scaled, seen through a ring-shaped A8 mask turned with it.
 */
static int cmd_demo(struct qxl_device *dev, const char *out)
{
	static uint32_t px[DEMO_W * DEMO_H], sprite[64 * 64];
	static uint8_t ring[64 * 64];
	struct qxl_surface *dst = NULL, *src = NULL, *mask = NULL;
	/* dst -> src in 16.16: 30 degrees around the centre, 128 pixels onto 64 */
	struct qxl_transform rot = { { { 28378, -16384, 1329890 }, { 16384, 28378, -767590 } } };
	struct qxl_composite_op op = {
		.op = QXL_OPERATOR_OVER, .dst_x = 64, .dst_y = 32, .width = 128, .height = 128,
		.src_transform = &rot, .mask_transform = &rot,
		.src_filter = QXL_FILTER_BILINEAR, .mask_filter = QXL_FILTER_BILINEAR,
		.src_repeat = QXL_REPEAT_REFLECT, .mask_repeat = QXL_REPEAT_NONE,
	};
	const char *what = "create surfaces";
	int x, y, ret;

	for (y = 0; y < 64; y++) {
		for (x = 0; x < 64; x++) {
			uint32_t a = 128 + y * 2, r = x * 4 * a / 255, b = (63 - x) * 4 * a / 255;
			int dx = x - 32, dy = y - 32, d2 = dx * dx + dy * dy;

			sprite[y * 64 + x] = a << 24 | r << 16 | (a / 2) << 8 | b;
			ring[y * 64 + x] = d2 < 900 && d2 > 200 ? 255 : d2 <= 200 ? 96 : 0;
		}
	}
	ret = qxl_surface_new(dev, QXL_FORMAT_XRGB8888, DEMO_W, DEMO_H, &dst);
	if (!ret)
		ret = qxl_surface_new(dev, QXL_FORMAT_ARGB8888, 64, 64, &src);
	if (!ret)
		ret = qxl_surface_new(dev, QXL_FORMAT_A8, 64, 64, &mask);
	if (!ret) {
		what = "draw the background";
		for (y = 0; y < DEMO_H && !ret; y += 16)
			for (x = 0; x < DEMO_W && !ret; x += 16)
				ret = qxl_surface_fill(dst, x, y, 16, 16,
						       ((x + y) / 16) % 2 ? 0xff303040 : 0xffd0d0c0);
	}
	if (!ret) {
		what = "upload sprite and mask";
		ret = qxl_surface_upload(src, 0, 0, 64, 64, sprite, 64 * 4);
		if (!ret)
			ret = qxl_surface_upload(mask, 0, 0, 64, 64, ring, 64);
	}
	if (!ret) {
		what = "composite";
		op.src = src;
		op.mask = mask;
		ret = qxl_composite(dst, &op);
		if (ret >= 0) {
			printf("composite:    %s path\n",
			       ret == QXL_RESULT_DEVICE ? "device" : "fallback (pixman)");
			what = "read back";
			ret = qxl_surface_download(dst, 0, 0, DEMO_W, DEMO_H, px, DEMO_W * 4);
		}
	}
	if (!ret) {
		printf("scene:        %dx%d, pixel (128,96) = 0x%06x\n", DEMO_W, DEMO_H,
		       px[96 * DEMO_W + 128] & 0xffffff);
		if (out) {
			what = out;
			ret = write_ppm(out, px, DEMO_W, DEMO_H);
			if (!ret)
				printf("wrote:        %s\n", out);
		}
	}
	qxl_surface_free(mask);
	qxl_surface_free(src);
	qxl_surface_free(dst);
	return ret ? fail(what, ret) : 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: qxlctl [-d NODE] info\n"
			"       qxlctl [-d NODE] demo [-o FILE.ppm]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *node = NULL, *out = NULL, *cmd;
	struct qxl_device *dev;
	int opt, ret;

	while ((opt = getopt(argc, argv, "+d:h")) != -1) {
		if (opt == 'd')
			node = optarg;
		else
			return usage();
	}
	if (optind >= argc)
		return usage();
	cmd = argv[optind++];
	if (strcmp(cmd, "demo") == 0 && optind + 1 < argc && strcmp(argv[optind], "-o") == 0)
		out = argv[optind + 1], optind += 2;
	if (optind != argc || (strcmp(cmd, "info") && strcmp(cmd, "demo")))
		return usage();

	ret = qxl_device_open(node, &dev);
	if (ret)
		return fail(node ? node : "open a qxl DRM node", ret);
	ret = strcmp(cmd, "info") == 0 ? cmd_info(dev) : cmd_demo(dev, out);
	qxl_device_free(dev);
	return ret;
}

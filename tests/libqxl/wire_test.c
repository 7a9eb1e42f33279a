// SPDX-License-Identifier: MIT
/*
 * What a SPICE client receives when libqxl composites with an A8 mask
 * (issue 4). Run with --spice-probe (spice-probe, our own client, logs every
 * message) and --spice-client (spice-gtk): the ROM's client caps are what
 * every connected client has.
 *
 * usage: wire_test [mode=device|reconnect]
 *
 * mode=device (default): the client caps must include COMPOSITE and
 * A8_SURFACE; an ARGB8888 source is composited (OVER, then ADD) through an
 * A8 mask onto ARGB8888 and XRGB8888 surfaces; every call must take the
 * DEVICE path and the read-back pixels must equal pixman's. Then the host
 * must find, in spice-probe's message log, a SURFACE_CREATE with format 8_A
 * (SPICE_SURFACE_FMT_8_A = 8) and DRAW_COMPOSITEs with a mask whose surface
 * is that A8 surface (tests/spice/probe_host.py: probe-saw).
 *
 * mode=reconnect: spice-probe reconnects without COMPOSITE (--cap
 * -COMPOSITE); the caps the driver reports must lose COMPOSITE, the same
 * composite must take the FALLBACK path with the same pixels, the result
 * must reach that spice-probe as a bitmap DRAW_COPY of the composited box,
 * and it must receive no DRAW_COMPOSITE. Then without A8_SURFACE (--cap
 * -A8_SURFACE): the A8-masked composite must fall back while an unmasked
 * one takes the device path; that spice-probe gets its DRAW_COMPOSITE but
 * no masked one and no 8_A surface. Then spice-probe reconnects with its
 * default caps: COMPOSITE and A8_SURFACE must come back, the device path be
 * taken again and DRAW_COMPOSITE reach the new spice-probe.
 *
 * Results are named wire:<what> (wire-reconnect:<what> in mode=reconnect).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "qtest.h"

#define NEED_CAPS (QXL_CLIENT_CAP_COMPOSITE | QXL_CLIENT_CAP_A8_SURFACE)
/* How long the caps may take to follow a client's (re)connection. */
#define CAPS_WAIT_S 15.0

static struct qxl_device *dev;
static const char *prefix = "wire:";

static const char *rname(const char *name)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "%s%s", prefix, name);
	return buf;
}

static const char *path_name(int r)
{
	return r == QXL_RESULT_DEVICE ? "device" : r == QXL_RESULT_FALLBACK ? "fallback" : "error";
}

/*
 * Composites src through the A8 mask (or none: mask NULL) onto dst with
 * libqxl and onto dst's twin with pixman (OVER, then ADD at an offset), and
 * compares. Returns the number of failures; the result line is @name.
 */
static int composite_check(const char *name, struct twin *dst, struct twin *src,
			   struct twin *mask, int want_path)
{
	static const enum qxl_operator ops[] = { QXL_OPERATOR_OVER, QXL_OPERATOR_ADD };
	char paths[64] = "";
	struct diff d;
	size_t i;
	int ret;

	ret = twin_pattern(dst, 77);
	if (ret) {
		qt_result(rname(name), QT_FAIL, "pattern: %s", strerror(-ret));
		return 1;
	}
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		struct qxl_composite_op op = {
			.op = ops[i], .src = src->surf, .mask = mask ? mask->surf : NULL,
			.src_x = 1, .src_y = 2, .mask_x = 3 * (int32_t)i, .mask_y = 1,
			.dst_x = 4 + 6 * (int32_t)i, .dst_y = 5 + 3 * (int32_t)i,
			.width = 17, .height = 15,
		};

		ret = qxl_composite(dst->surf, &op);
		if (ret < 0) {
			qt_result(rname(name), QT_FAIL, "qxl_composite %s: %s",
				  qxl_operator_name(ops[i]), strerror(-ret));
			return 1;
		}
		snprintf(paths + strlen(paths), sizeof(paths) - strlen(paths), "%s%s=%s",
			 i ? " " : "", qxl_operator_name(ops[i]), path_name(ret));
		if (ret != want_path) {
			qt_result(rname(name), QT_FAIL, "%s took the %s path, expected %s",
				  qxl_operator_name(ops[i]), path_name(ret), path_name(want_path));
			return 1;
		}
		pixman_image_composite32((pixman_op_t)op.op, src->ref, mask ? mask->ref : NULL,
					 dst->ref,
					 op.src_x, op.src_y, op.mask_x, op.mask_y, op.dst_x,
					 op.dst_y, (int)op.width, (int)op.height);
	}
	ret = twin_compare(dst, 0, &d);
	if (ret) {
		qt_result(rname(name), QT_FAIL, "read back: %s", strerror(-ret));
		return 1;
	}
	if (d.pixels) {
		qt_result(rname(name), QT_FAIL, "%s onto %s: %llu pixels differ from pixman, first "
			  "(%d,%d) got 0x%08x want 0x%08x", paths, qxl_format_name(dst->format),
			  (unsigned long long)d.pixels, d.x, d.y, d.got, d.want);
		return 1;
	}
	qt_result(rname(name), QT_PASS, "%s onto %s %ux%u %s: equal to pixman", paths,
		  qxl_format_name(dst->format), dst->width, dst->height,
		  mask ? "through an A8 mask" : "without a mask");
	return 0;
}

/* One host request as one result line. */
static int host_check(const char *name, const char *req)
{
	int ret = qt_host("%s", req);

	qt_result(rname(name), ret ? QT_FAIL : QT_PASS, "host: %s (detail above)", req);
	return ret ? 1 : 0;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Polls the client caps (bounded by CAPS_WAIT_S) until (caps & NEED_CAPS)
 * == want; one result line.
 */
static int wait_caps(const char *name, uint32_t want)
{
	double end = mono_s() + CAPS_WAIT_S, t0 = mono_s();
	uint32_t caps = 0;
	int ret;

	for (;;) {
		ret = qxl_device_client_caps(dev, &caps);
		if (ret) {
			qt_result(rname(name), QT_FAIL, "client caps: %s", strerror(-ret));
			return 1;
		}
		if ((caps & NEED_CAPS) == want) {
			qt_result(rname(name), QT_PASS, "caps 0x%x after %.1f s", caps,
				  mono_s() - t0);
			return 0;
		}
		if (mono_s() >= end)
			break;
		nanosleep(&(struct timespec){ 0, 100 * 1000 * 1000 }, NULL);
	}
	qt_result(rname(name), QT_FAIL, "caps 0x%x after %.0f s, expected COMPOSITE|A8_SURFACE "
		  "bits 0x%x", caps, CAPS_WAIT_S, want);
	return 1;
}

int main(int argc, char **argv)
{
	struct twin src, mask, argb, xrgb;
	bool reconnect = false;
	uint32_t caps = 0;
	int ret, fails = 0;

	for (int k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "mode=reconnect")) {
			reconnect = true;
		} else if (strcmp(argv[k], "mode=device")) {
			fprintf(stderr, "usage: wire_test [mode=device|reconnect]\n");
			return 2;
		}
	}
	if (reconnect)
		prefix = "wire-reconnect:";
	ret = qxl_device_open(NULL, &dev);
	if (ret) {
		qt_result(rname("setup"), QT_FAIL, "qxl_device_open: %s", strerror(-ret));
		return 1;
	}
	ret = qxl_device_client_caps(dev, &caps);
	if (ret) {
		qt_result(rname("client-caps"), QT_FAIL, "%s", strerror(-ret));
		return 1;
	}
	if ((caps & NEED_CAPS) != NEED_CAPS) {
		qt_result(rname("client-caps"), QT_FAIL, "caps 0x%x lack COMPOSITE|A8_SURFACE "
			  "(0x%x): are spice-probe and spice-gtk connected (--spice-probe "
			  "--spice-client)?", caps, NEED_CAPS);
		return 1;
	}
	qt_result(rname("client-caps"), QT_PASS, "caps 0x%x include COMPOSITE and A8_SURFACE",
		  caps);

	ret = twin_new(dev, QXL_FORMAT_ARGB8888, 24, 20, &src);
	if (!ret)
		ret = twin_pattern(&src, 11);
	if (!ret)
		ret = twin_new(dev, QXL_FORMAT_A8, 20, 24, &mask);
	if (!ret)
		ret = twin_pattern(&mask, 22);
	if (!ret)
		ret = twin_new(dev, QXL_FORMAT_ARGB8888, 40, 40, &argb);
	if (!ret)
		ret = twin_new(dev, QXL_FORMAT_XRGB8888, 40, 40, &xrgb);
	if (ret) {
		qt_result(rname("setup"), QT_FAIL, "surfaces: %s", strerror(-ret));
		return 1;
	}

	if (!reconnect) {
		fails += composite_check("composite-argb", &argb, &src, &mask, QXL_RESULT_DEVICE);
		fails += composite_check("composite-xrgb", &xrgb, &src, &mask, QXL_RESULT_DEVICE);
		fails += host_check("surface-create-a8", "probe-saw SURFACE_CREATE format=8");
		/* the mask of a DRAW_COMPOSITE is an image of type SURFACE (104)
		 * naming a surface created as 8_A; the source one created as
		 * 32_ARGB (96); 0x80000 = SPICE_COMPOSITE_HAS_MASK; the box is
		 * the OVER's [left,top,right,bottom] onto the ARGB (96) surface,
		 * then the ADD's onto the xRGB (32) one */
		fails += host_check("draw-composite-a8-mask",
				    "probe-saw DRAW_COMPOSITE composite_flags&=0x80000 mask.type=104 "
				    "mask.surface_format=8 src.surface_format=96 surface_format=96 "
				    "box=4,5,21,20");
		fails += host_check("draw-composite-onto-xrgb",
				    "probe-saw DRAW_COMPOSITE mask.surface_format=8 "
				    "src.surface_format=96 surface_format=32 box=10,8,27,23");
	} else {
		/* without COMPOSITE at one client: the fallback, nothing on the wire */
		if (host_check("probe-without-composite", "probe-reconnect --cap -COMPOSITE") ||
		    wait_caps("caps-lose-composite", QXL_CLIENT_CAP_A8_SURFACE)) {
			fails++;
			goto out;
		}
		fails += composite_check("fallback-argb", &argb, &src, &mask, QXL_RESULT_FALLBACK);
		fails += composite_check("fallback-xrgb", &xrgb, &src, &mask, QXL_RESULT_FALLBACK);
		/* the last fallback result (the ADD onto xRGB) reaches the client
		 * as a bitmap (type 0) DRAW_COPY of the composited box; any
		 * DRAW_COMPOSITE would have been sent before it */
		fails += host_check("fallback-on-wire", "probe-saw DRAW_COPY surface_format=32 "
				    "box=10,8,27,23 src.type=0");
		fails += host_check("no-draw-composite", "probe-none DRAW_COMPOSITE");
		/* without A8_SURFACE at one client (COMPOSITE back): an A8-masked
		 * composite falls back, an unmasked ARGB one goes to the device;
		 * the last (unmasked ADD onto xRGB) is the barrier; no masked
		 * DRAW_COMPOSITE and no 8_A surface may reach that client */
		if (host_check("probe-without-a8", "probe-reconnect --cap -A8_SURFACE") ||
		    wait_caps("caps-lose-a8", QXL_CLIENT_CAP_COMPOSITE)) {
			fails++;
			goto out;
		}
		fails += composite_check("no-a8-masked-argb", &argb, &src, &mask,
					 QXL_RESULT_FALLBACK);
		fails += composite_check("no-a8-unmasked-xrgb", &xrgb, &src, NULL,
					 QXL_RESULT_DEVICE);
		fails += host_check("no-a8-draw-composite", "probe-saw DRAW_COMPOSITE "
				    "surface_format=32 src.surface_format=96 box=10,8,27,23");
		fails += host_check("no-a8-no-masked-composite",
				    "probe-none DRAW_COMPOSITE composite_flags&=0x80000");
		fails += host_check("no-a8-no-a8-surface", "probe-none SURFACE_CREATE format=8");
		/* and back */
		if (host_check("probe-default-caps", "probe-reconnect") ||
		    wait_caps("caps-regain-composite", NEED_CAPS)) {
			fails++;
			goto out;
		}
		fails += composite_check("device-again-argb", &argb, &src, &mask,
					 QXL_RESULT_DEVICE);
		fails += host_check("draw-composite-again",
				    "probe-saw DRAW_COMPOSITE mask.surface_format=8 "
				    "src.surface_format=96 surface_format=96 box=10,8,27,23");
	}
out:
	twin_free(&xrgb);
	twin_free(&argb);
	twin_free(&mask);
	twin_free(&src);
	qxl_device_free(dev);
	return fails ? 1 : 0;
}

// SPDX-License-Identifier: MIT
/*
 * libqxl composite against pixman, in the guest. For every operator and
 * mask kind (none, A8, ARGB with component alpha), every transform (identity,
 * scale, rotation), filter (nearest, bilinear) and repeat mode (none, normal,
 * pad, reflect) it composites with libqxl onto a device surface, reads the
 * surface back (UPDATE_AREA) and compares it with pixman doing the same on
 * twins of the same pixels. Each call must also have taken the expected
 * path. Then a smaller set with XRGB8888, RGB565, RGB555 and A8 destinations,
 * and one with XRGB8888, RGB565 and A8 sources.
 *
 * usage: composite_test expect=device|fallback [policy=auto|device|fallback]
 *                       [ops=all|short] [tag=NAME]
 * (tag=NAME prefixes every result name with "NAME:", for several runs in one
 * suite)
 * One result per operator and mask kind ("<OP>/<mask>"), each covering 24
 * cases; tolerances per filter are TOL_NEAREST and TOL_BILINEAR below
 * (Documentation/libqxl.rst).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "qtest.h"

/* Largest channel difference accepted, per filter (both sides are pixman). */
#define TOL_NEAREST	0
#define TOL_BILINEAR	0

enum mask_kind { MASK_NONE, MASK_A8, MASK_CA, MASK_KINDS };
static const char *const mask_names[] = { "none", "a8", "ca" };

static const enum qxl_operator all_ops[] = {
	QXL_OPERATOR_CLEAR, QXL_OPERATOR_SRC, QXL_OPERATOR_DST, QXL_OPERATOR_OVER,
	QXL_OPERATOR_OVER_REVERSE, QXL_OPERATOR_IN, QXL_OPERATOR_IN_REVERSE, QXL_OPERATOR_OUT,
	QXL_OPERATOR_OUT_REVERSE, QXL_OPERATOR_ATOP, QXL_OPERATOR_ATOP_REVERSE,
	QXL_OPERATOR_XOR, QXL_OPERATOR_ADD, QXL_OPERATOR_SATURATE, QXL_OPERATOR_MULTIPLY,
	QXL_OPERATOR_SCREEN, QXL_OPERATOR_OVERLAY, QXL_OPERATOR_DARKEN, QXL_OPERATOR_LIGHTEN,
	QXL_OPERATOR_COLOR_DODGE, QXL_OPERATOR_COLOR_BURN, QXL_OPERATOR_HARD_LIGHT,
	QXL_OPERATOR_SOFT_LIGHT, QXL_OPERATOR_DIFFERENCE, QXL_OPERATOR_EXCLUSION,
	QXL_OPERATOR_HSL_HUE, QXL_OPERATOR_HSL_SATURATION, QXL_OPERATOR_HSL_COLOR,
	QXL_OPERATOR_HSL_LUMINOSITY,
};
static const enum qxl_operator short_ops[] = {
	QXL_OPERATOR_SRC, QXL_OPERATOR_OVER, QXL_OPERATOR_ADD, QXL_OPERATOR_MULTIPLY,
	QXL_OPERATOR_HSL_HUE,
};

/* dst -> src, 16.16: identity, a scale (0.75 x 0.625, offset), ~20 degrees */
static const struct qxl_transform xf_scale = { { { 49152, 0, 8192 }, { 0, 40960, -4096 } } };
static const struct qxl_transform xf_rotate = {
	{ { 61584, -22414, 196608 }, { 22414, 61584, -131072 } }
};
static const struct qxl_transform *const transforms[] = { NULL, &xf_scale, &xf_rotate };
static const char *const xf_names[] = { "identity", "scale", "rotate" };
static const char *const filter_names[] = { "nearest", "bilinear" };
static const char *const repeat_names[] = { "none", "normal", "pad", "reflect" };

static struct qxl_device *dev;
static int expect_result;
static const char *tag = "";	/* prefix of every result name (tag=...) */

/* A result name with the tag. */
static const char *rname(const char *name)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "%s%s", tag, name);
	return buf;
}

static struct twin src, mask_a8, mask_ca;

/* What the cases of one result line found. */
struct tally {
	int cases;
	int failed;
	int wrong_path;
	unsigned int max_diff[2];	/* per filter */
	char first[512];
};

static void pixman_setup(pixman_image_t *img, const struct qxl_transform *xf,
			 enum qxl_filter f, enum qxl_repeat r)
{
	pixman_transform_t t;

	if (xf) {
		memset(&t, 0, sizeof(t));
		memcpy(t.matrix[0], xf->m[0], sizeof(xf->m[0]));
		memcpy(t.matrix[1], xf->m[1], sizeof(xf->m[1]));
		t.matrix[2][2] = pixman_fixed_1;
		pixman_image_set_transform(img, &t);
	} else {
		pixman_image_set_transform(img, NULL);
	}
	pixman_image_set_filter(img, f == QXL_FILTER_BILINEAR ? PIXMAN_FILTER_BILINEAR :
				PIXMAN_FILTER_NEAREST, NULL, 0);
	pixman_image_set_repeat(img, (pixman_repeat_t)r);
}

/* One case: reset dst, composite with libqxl and with pixman, compare. */
static void run_case(struct twin *dst, struct qxl_composite_op *op, struct tally *t)
{
	const char *path = "";
	struct diff d;
	pixman_image_t *m = NULL;
	unsigned int tol = op->src_filter == QXL_FILTER_BILINEAR ? TOL_BILINEAR : TOL_NEAREST;
	int ret;

	t->cases++;
	ret = twin_pattern(dst, 2024);
	if (!ret) {
		ret = qxl_composite(dst->surf, op);
		if (ret >= 0) {
			if (ret != expect_result) {
				t->wrong_path++;
				path = ret == QXL_RESULT_DEVICE ? "device" : "fallback";
			}
			ret = 0;
		}
	}
	pixman_setup(src.ref, op->src_transform, op->src_filter, op->src_repeat);
	if (op->mask) {
		m = op->mask == mask_a8.surf ? mask_a8.ref : mask_ca.ref;
		pixman_setup(m, op->mask_transform, op->mask_filter, op->mask_repeat);
		pixman_image_set_component_alpha(m, op->component_alpha);
	}
	pixman_image_composite32((pixman_op_t)op->op, src.ref, m, dst->ref, op->src_x, op->src_y,
				 op->mask_x, op->mask_y, op->dst_x, op->dst_y,
				 (int)op->width, (int)op->height);
	if (!ret)
		ret = twin_compare(dst, tol, &d);
	if (!ret && d.max > t->max_diff[op->src_filter])
		t->max_diff[op->src_filter] = d.max;
	if (ret || d.pixels || *path) {
		t->failed++;
		if (t->first[0])
			return;
		if (ret)
			snprintf(t->first, sizeof(t->first), "%s", strerror(-ret));
		else if (*path)
			snprintf(t->first, sizeof(t->first), "took the %s path", path);
		else
			snprintf(t->first, sizeof(t->first),
				 "%llu pixels differ by more than %u, first (%d,%d) got 0x%08x "
				 "want 0x%08x (max diff %u)", (unsigned long long)d.pixels, tol,
				 d.x, d.y, d.got, d.want, d.max);
		snprintf(t->first + strlen(t->first), sizeof(t->first) - strlen(t->first),
			 " [%s %s %s repeat-%s]", qxl_format_name(dst->format),
			 xf_names[op->src_transform == NULL ? 0 :
				  op->src_transform == &xf_scale ? 1 : 2],
			 filter_names[op->src_filter], repeat_names[op->src_repeat]);
	}
}

/* Every transform x filter x repeat for one operator and mask kind. */
static void run_matrix(struct twin *dst, enum qxl_operator opr, enum mask_kind mk,
		       const char *prefix, bool full)
{
	struct tally t;
	unsigned int xi, fi, ri;
	char name[96];

	memset(&t, 0, sizeof(t));
	for (xi = 0; xi < 3; xi++) {
		for (fi = 0; fi < 2; fi++) {
			for (ri = 0; ri < 4; ri++) {
				struct qxl_composite_op op = {
					.op = opr, .src = src.surf,
					.src_x = -3, .src_y = -2, .mask_x = -1, .mask_y = -4,
					.dst_x = 2, .dst_y = 3, .width = 36, .height = 34,
					.src_transform = transforms[xi],
					.mask_transform = transforms[xi],
					.src_filter = fi, .mask_filter = fi,
					.src_repeat = ri, .mask_repeat = ri,
				};

				if (!full && (ri == 0 || ri == 3 || xi == 1))
					continue;
				if (mk == MASK_A8)
					op.mask = mask_a8.surf;
				if (mk == MASK_CA) {
					op.mask = mask_ca.surf;
					op.component_alpha = true;
				}
				run_case(dst, &op, &t);
			}
		}
	}
	snprintf(name, sizeof(name), "%s%s%s/%s", tag, prefix, qxl_operator_name(opr),
		 mask_names[mk]);
	if (t.failed)
		qt_result(name, QT_FAIL, "%d of %d cases failed (%d on the wrong path); first: %s",
			  t.failed, t.cases, t.wrong_path, t.first);
	else
		qt_result(name, QT_PASS, "%d cases on the %s path; max channel diff nearest %u, "
			  "bilinear %u", t.cases, expect_result == QXL_RESULT_DEVICE ? "device" :
			  "fallback", t.max_diff[0], t.max_diff[1]);
}

/*
 * The comparison must be able to fail: composite OVER with libqxl while the
 * twin gets ADD; the two pictures must differ.
 */
static void check_sensitivity(struct twin *dst)
{
	struct qxl_composite_op op = {
		.op = QXL_OPERATOR_OVER, .src = src.surf, .dst_x = 0, .dst_y = 0,
		.width = 24, .height = 20,
	};
	struct diff d;
	int ret;

	ret = twin_pattern(dst, 7);
	if (ret >= 0)
		ret = qxl_composite(dst->surf, &op);
	pixman_setup(src.ref, NULL, QXL_FILTER_NEAREST, QXL_REPEAT_NONE);
	pixman_image_composite32(PIXMAN_OP_ADD, src.ref, NULL, dst->ref, 0, 0, 0, 0, 0, 0, 24, 20);
	if (ret >= 0)
		ret = twin_compare(dst, 0, &d);
	if (ret < 0)
		qt_result(rname("compare-sensitivity"), QT_FAIL, "%s", strerror(-ret));
	else
		qt_result(rname("compare-sensitivity"), d.pixels ? QT_PASS : QT_FAIL,
			  "OVER on the device vs ADD in pixman: %llu pixels differ (must be > 0)",
			  (unsigned long long)d.pixels);
}

static int setup_sources(void)
{
	int ret;

	ret = twin_new(dev, QXL_FORMAT_ARGB8888, 24, 20, &src);
	if (!ret)
		ret = twin_pattern(&src, 11);
	if (!ret)
		ret = twin_new(dev, QXL_FORMAT_A8, 20, 24, &mask_a8);
	if (!ret)
		ret = twin_pattern(&mask_a8, 22);
	if (!ret)
		ret = twin_new(dev, QXL_FORMAT_ARGB8888, 24, 24, &mask_ca);
	if (!ret)
		ret = twin_pattern(&mask_ca, 33);
	return ret;
}

/* OVER and ADD from XRGB8888, RGB565 and A8 sources onto ARGB8888. */
static void run_source_formats(void)
{
	static const enum qxl_format fmts[] = {
		QXL_FORMAT_XRGB8888, QXL_FORMAT_RGB565, QXL_FORMAT_A8,
	};
	struct twin argb_src = src, dst, other;
	char prefix[32];
	size_t i;
	int k, ret;

	ret = twin_new(dev, QXL_FORMAT_ARGB8888, 40, 40, &dst);
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		snprintf(prefix, sizeof(prefix), "src-%s:", qxl_format_name(fmts[i]));
		if (!ret)
			ret = twin_new(dev, fmts[i], 24, 20, &other);
		if (!ret)
			ret = twin_pattern(&other, 44 + (uint32_t)i);
		if (ret) {
			qt_result(rname(prefix), QT_FAIL, "surfaces: %s", strerror(-ret));
			break;
		}
		src = other;
		for (k = 0; k < MASK_KINDS; k++) {
			run_matrix(&dst, QXL_OPERATOR_OVER, (enum mask_kind)k, prefix, false);
			run_matrix(&dst, QXL_OPERATOR_ADD, (enum mask_kind)k, prefix, false);
		}
		src = argb_src;
		twin_free(&other);
	}
	if (!ret)
		twin_free(&dst);
}

/* The path the caller asked for must be the one the client caps allow. */
static int check_caps(enum qxl_policy policy)
{
	uint32_t caps = 0, need = QXL_CLIENT_CAP_COMPOSITE | QXL_CLIENT_CAP_A8_SURFACE;
	int ret = qxl_device_client_caps(dev, &caps);

	if (ret) {
		qt_result(rname("client-caps"), QT_FAIL, "%s", strerror(-ret));
		return -1;
	}
	if (policy != QXL_POLICY_AUTO) {
		qt_result(rname("client-caps"), QT_PASS, "caps 0x%x, policy forces the %s path", caps,
			  policy == QXL_POLICY_DEVICE ? "device" : "fallback");
		return 0;
	}
	if (expect_result == QXL_RESULT_DEVICE && (caps & need) != need) {
		qt_result(rname("client-caps"), QT_FAIL, "caps 0x%x lack COMPOSITE|A8_SURFACE: is a "
			  "SPICE client connected?", caps);
		return -1;
	}
	if (expect_result == QXL_RESULT_FALLBACK && (caps & need) == need) {
		qt_result(rname("client-caps"), QT_FAIL, "caps 0x%x: a client with COMPOSITE and A8 "
			  "is connected, the fallback cannot be tested", caps);
		return -1;
	}
	qt_result(rname("client-caps"), QT_PASS, "caps 0x%x: expect the %s path", caps,
		  expect_result == QXL_RESULT_DEVICE ? "device" : "fallback");
	return 0;
}

int main(int argc, char **argv)
{
	static const enum qxl_format other_dst[] = {
		QXL_FORMAT_XRGB8888, QXL_FORMAT_RGB565, QXL_FORMAT_RGB555, QXL_FORMAT_A8,
	};
	enum qxl_policy policy = QXL_POLICY_AUTO;
	const enum qxl_operator *ops = all_ops;
	size_t nops = sizeof(all_ops) / sizeof(all_ops[0]), i;
	struct twin dst;
	double t0;
	int k, ret;

	expect_result = -1;
	for (k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "expect=device"))
			expect_result = QXL_RESULT_DEVICE;
		else if (!strcmp(argv[k], "expect=fallback"))
			expect_result = QXL_RESULT_FALLBACK;
		else if (!strcmp(argv[k], "policy=device"))
			policy = QXL_POLICY_DEVICE;
		else if (!strcmp(argv[k], "policy=fallback"))
			policy = QXL_POLICY_FALLBACK;
		else if (!strcmp(argv[k], "ops=short"))
			ops = short_ops, nops = sizeof(short_ops) / sizeof(short_ops[0]);
		else if (!strncmp(argv[k], "tag=", 4))
			tag = argv[k] + 4;
		else if (strcmp(argv[k], "policy=auto") && strcmp(argv[k], "ops=all"))
			expect_result = -2;
	}
	if (*tag) {
		static char with_colon[64];

		snprintf(with_colon, sizeof(with_colon), "%s:", tag);
		tag = with_colon;
	}
	if (expect_result < 0) {
		fprintf(stderr, "usage: composite_test expect=device|fallback "
			"[policy=auto|device|fallback] [ops=all|short] [tag=NAME]\n");
		return 2;
	}
	ret = qxl_device_open(NULL, &dev);
	if (ret) {
		qt_result(rname("composite-setup"), QT_FAIL, "open: %s", strerror(-ret));
		return 1;
	}
	qxl_device_set_policy(dev, policy);
	if (check_caps(policy))
		return 1;
	ret = setup_sources();
	if (!ret)
		ret = twin_new(dev, QXL_FORMAT_ARGB8888, 40, 40, &dst);
	if (ret) {
		qt_result(rname("composite-setup"), QT_FAIL, "surfaces: %s", strerror(-ret));
		return 1;
	}
	t0 = now_s();
	check_sensitivity(&dst);
	for (i = 0; i < nops; i++)
		for (k = 0; k < MASK_KINDS; k++)
			run_matrix(&dst, ops[i], (enum mask_kind)k, "", true);
	twin_free(&dst);
	for (i = 0; i < sizeof(other_dst) / sizeof(other_dst[0]); i++) {
		char prefix[32];

		snprintf(prefix, sizeof(prefix), "%s:", qxl_format_name(other_dst[i]));
		ret = twin_new(dev, other_dst[i], 40, 40, &dst);
		if (ret == -EINVAL && other_dst[i] == QXL_FORMAT_RGB555) {
			qt_result(rname(prefix), QT_SKIP,
				  "the driver refuses RGB555 surfaces (ALLOC_SURF: EINVAL)");
			continue;
		}
		if (ret) {
			qt_result(rname(prefix), QT_FAIL, "surface: %s", strerror(-ret));
			continue;
		}
		for (k = 0; k < MASK_KINDS; k++) {
			run_matrix(&dst, QXL_OPERATOR_OVER, (enum mask_kind)k, prefix, false);
			run_matrix(&dst, QXL_OPERATOR_ADD, (enum mask_kind)k, prefix, false);
		}
		twin_free(&dst);
	}
	run_source_formats();
	printf("composite_test: %.1f s\n", now_s() - t0);
	twin_free(&src);
	twin_free(&mask_a8);
	twin_free(&mask_ca);
	qxl_device_free(dev);
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * libqxl benchmark, in the guest: fill, copy and composite (OVER of an ARGB
 * source onto an XRGB destination) operations per second at 16x16, 256x256
 * and full screen (the first head's mode), through libqxl on the device and
 * with pixman in guest memory (software).
 *
 *   device queued:  N operations submitted, then one UPDATE_AREA of the
 *                   destination; ops/s = N / total time
 *   device synced:  each operation followed by UPDATE_AREA of its rectangle
 *                   (submission + rendering + round trip)
 *   fallback:       composite only, libqxl's pixman fallback (read back,
 *                   pixman, copy into the surface)
 *   pixman:         the same operation on pixman images in guest memory
 *
 * usage: libqxl_bench [SECONDS-PER-CELL]   (default 0.4, at most 5)
 * Prints a table between BENCH-TABLE-BEGIN and BENCH-TABLE-END. When an
 * operation fails it says so on stderr, stops measuring, prints the table of
 * what was measured (the failed cell shows the error) and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

enum op_kind { OP_FILL, OP_COPY, OP_COMPOSITE, OP_KINDS };
static const char *const op_names[] = { "fill", "copy", "composite" };
enum mode { M_QUEUED, M_SYNCED, M_FALLBACK, M_PIXMAN, M_MODES };

static struct qxl_device *dev;
static double budget = 0.4;

struct bench_ctx {
	uint32_t w, h;
	struct qxl_surface *dst, *copy_src, *comp_src;
	pixman_image_t *pdst, *pcopy_src, *pcomp_src;
};

static int dev_op(struct bench_ctx *c, enum op_kind k, unsigned int i)
{
	struct qxl_composite_op op = {
		.op = QXL_OPERATOR_OVER, .src = c->comp_src, .width = c->w, .height = c->h,
	};

	switch (k) {
	case OP_FILL:
		return qxl_surface_fill(c->dst, 0, 0, c->w, c->h, 0xff000000 | (i * 0x010203));
	case OP_COPY:
		return qxl_surface_copy(c->dst, 0, 0, c->copy_src, 0, 0, c->w, c->h);
	case OP_COMPOSITE:
	default: {
		int ret = qxl_composite(c->dst, &op);

		return ret < 0 ? ret : 0;
	}
	}
}

static void pixman_op(struct bench_ctx *c, enum op_kind k, unsigned int i)
{
	pixman_box32_t box = { 0, 0, (int32_t)c->w, (int32_t)c->h };
	pixman_color_t col = { (uint16_t)(i * 256), 0x8000, 0x4000, 0xffff };

	switch (k) {
	case OP_FILL:
		pixman_image_fill_boxes(PIXMAN_OP_SRC, c->pdst, &col, 1, &box);
		break;
	case OP_COPY:
		pixman_image_composite32(PIXMAN_OP_SRC, c->pcopy_src, NULL, c->pdst, 0, 0, 0, 0,
					 0, 0, (int)c->w, (int)c->h);
		break;
	case OP_COMPOSITE:
	default:
		pixman_image_composite32(PIXMAN_OP_OVER, c->pcomp_src, NULL, c->pdst, 0, 0, 0, 0,
					 0, 0, (int)c->w, (int)c->h);
	}
}

/* Operations per second of one cell, or a negative errno. */
static double run_cell(struct bench_ctx *c, enum op_kind k, enum mode m)
{
	double t0 = now_s(), t;
	unsigned int n = 0;
	int ret = 0;

	qxl_device_set_policy(dev, m == M_FALLBACK ? QXL_POLICY_FALLBACK : QXL_POLICY_DEVICE);
	if (m != M_PIXMAN)
		ret = qxl_surface_finish(c->dst);
	t0 = now_s();
	do {
		if (m == M_PIXMAN) {
			pixman_op(c, k, n);
		} else {
			ret = dev_op(c, k, n);
			if (!ret && m == M_SYNCED)
				ret = qxl_surface_download(c->dst, 0, 0, 1, 1, &(uint32_t){ 0 }, 4);
		}
		n++;
		t = now_s() - t0;
	} while (!ret && (t < budget || n < 3) && n < 200000);
	if (!ret && m != M_PIXMAN)
		ret = qxl_surface_finish(c->dst);
	if (ret)
		return ret;
	return n / (now_s() - t0);
}

static int ctx_new(struct bench_ctx *c, uint32_t w, uint32_t h)
{
	struct twin a, b;
	int ret;

	memset(c, 0, sizeof(*c));
	c->w = w;
	c->h = h;
	ret = qxl_surface_new(dev, QXL_FORMAT_XRGB8888, w, h, &c->dst);
	if (ret)
		return ret;
	ret = twin_new(dev, QXL_FORMAT_XRGB8888, w, h, &a);
	if (ret)
		return ret;
	ret = twin_new(dev, QXL_FORMAT_ARGB8888, w, h, &b);
	if (ret) {
		twin_free(&a);
		return ret;
	}
	ret = twin_pattern(&a, 1);
	if (!ret)
		ret = twin_pattern(&b, 2);
	c->copy_src = a.surf;
	c->pcopy_src = a.ref;
	c->comp_src = b.surf;
	c->pcomp_src = b.ref;
	c->pdst = pixman_image_create_bits(PIXMAN_x8r8g8b8, (int)w, (int)h, NULL, 0);
	if (!c->pdst && !ret)
		ret = -ENOMEM;
	return ret;
}

static void ctx_free(struct bench_ctx *c)
{
	qxl_surface_free(c->dst);
	qxl_surface_free(c->copy_src);
	qxl_surface_free(c->comp_src);
	if (c->pdst)
		pixman_image_unref(c->pdst);
	if (c->pcopy_src)
		pixman_image_unref(c->pcopy_src);
	if (c->pcomp_src)
		pixman_image_unref(c->pcomp_src);
}

/* A cell: ops/s; NOT_RUN (not measured) or a negative errno (failed). */
#define NOT_RUN (-1e9)

static void print_rate(double r)
{
	if (r == NOT_RUN)
		printf(" %14s", "-");
	else if (r < 0)
		printf(" %14s", strerror((int)-r));
	else
		printf(" %14.0f", r);
}

int main(int argc, char **argv)
{
	uint32_t sizes[3][2] = { { 16, 16 }, { 256, 256 }, { 1024, 768 } };
	double res[3][OP_KINDS][M_MODES];
	struct qxl_head head;
	struct bench_ctx c;
	unsigned int s, k, m;
	int ret, failed = 0;

	if (argc > 1) {
		budget = atof(argv[1]);
		if (budget <= 0 || budget > 5) {
			fprintf(stderr, "usage: libqxl_bench [SECONDS-PER-CELL (0-5]]\n");
			return 2;
		}
	}
	ret = qxl_device_open(NULL, &dev);
	if (ret) {
		fprintf(stderr, "libqxl_bench: open: %s\n", strerror(-ret));
		return 1;
	}
	if (qxl_device_heads(dev, &head, 1) >= 1 && head.width && head.height) {
		sizes[2][0] = head.width;
		sizes[2][1] = head.height;
	}
	for (s = 0; s < 3; s++)
		for (k = 0; k < OP_KINDS; k++)
			for (m = 0; m < M_MODES; m++)
				res[s][k][m] = NOT_RUN;
	/* On the first failure stop measuring, but still print what was measured. */
	for (s = 0; s < 3 && !failed; s++) {
		ret = ctx_new(&c, sizes[s][0], sizes[s][1]);
		if (ret) {
			fprintf(stderr, "libqxl_bench: %ux%u surfaces: %s\n", sizes[s][0],
				sizes[s][1], strerror(-ret));
			failed = 1;
			break;
		}
		for (k = 0; k < OP_KINDS && !failed; k++) {
			for (m = 0; m < M_MODES && !failed; m++) {
				if (m == M_FALLBACK && k != OP_COMPOSITE)
					continue;
				res[s][k][m] = run_cell(&c, (enum op_kind)k, (enum mode)m);
				if (res[s][k][m] < 0) {
					fprintf(stderr, "libqxl_bench: %s %ux%u: %s\n", op_names[k],
						sizes[s][0], sizes[s][1],
						strerror((int)-res[s][k][m]));
					failed = 1;
					break;
				}
				printf("BENCH %s %ux%u %s %.1f\n", op_names[k], sizes[s][0],
				       sizes[s][1], m == M_QUEUED ? "device-queued" :
				       m == M_SYNCED ? "device-synced" :
				       m == M_FALLBACK ? "fallback" : "pixman", res[s][k][m]);
				fflush(stdout);
			}
		}
		ctx_free(&c);
	}
	printf("BENCH-TABLE-BEGIN\n");
	printf("operations/s, %.1f s per cell (guest under TCG)\n", budget);
	printf("%-10s %-10s %14s %14s %14s %14s\n", "op", "size", "device-queued",
	       "device-synced", "fallback", "pixman");
	for (k = 0; k < OP_KINDS; k++) {
		for (s = 0; s < 3; s++) {
			char size[24];

			snprintf(size, sizeof(size), "%ux%u", sizes[s][0], sizes[s][1]);
			printf("%-10s %-10s", op_names[k], size);
			for (m = 0; m < M_MODES; m++)
				print_rate(res[s][k][m]);
			printf("\n");
		}
	}
	printf("BENCH-TABLE-END\n");
	qxl_device_free(dev);
	return failed;
}

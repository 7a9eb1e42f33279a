// SPDX-License-Identifier: MIT
/*
 * 2D submission: ALLOC, MAP, ALLOC_SURF, EXECBUFFER, UPDATE_AREA and
 * qxl-ng's WAIT, on the render node. Draws into off-screen surfaces are
 * read back after UPDATE_AREA and compared with the expected pixels; every
 * rejection rule of the command verifier is tried, each followed by a draw
 * that must still render, and the device must never enter its error state.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>

#include "qtest.h"
#include "qxlcmd.h"

static int fd;			/* render node */

static uint32_t bo_alloc(uint32_t size) { return qc_bo_alloc(fd, size); }
static void gem_close(uint32_t h) { qc_gem_close(fd, h); }
static int submit(struct cmd *c) { return submit_on(fd, c); }

static int surf_alloc(uint32_t fmt, uint32_t w, uint32_t h, int32_t stride, uint32_t *handle)
{
	return qc_surf_alloc(fd, fmt, w, h, stride, handle);
}

static int fill(uint32_t dst, int x1, int y1, int x2, int y2, uint32_t color)
{
	return qc_fill(fd, dst, x1, y1, x2, y2, color);
}

static int update(uint32_t h, int x1, int y1, int x2, int y2)
{
	return qc_update(fd, h, x1, y1, x2, y2);
}

static void expect(const char *name, int ret, int want, const char *what)
{
	qt_result(name, ret == want ? QT_PASS : QT_FAIL, "%s: got %d (%s), want %d", what, ret,
		  ret ? strerror(-ret) : "ok", want);
}

/* The test surface: 64x64 XRGB, mapped. */
static uint32_t surf;
static uint32_t *spx;
#define SW 64
#define SH 64

/* Count pixels of the rectangle that differ from @want (XRGB, X ignored). */
static int rect_bad(const uint32_t *px, int stride_px, int x1, int y1, int x2, int y2,
		    uint32_t want, uint32_t mask)
{
	int bad = 0;

	for (int y = y1; y < y2; y++)
		for (int x = x1; x < x2; x++)
			bad += (px[y * stride_px + x] & mask) != (want & mask);
	return bad;
}

/* A red fill followed by a readback: the device still renders. */
static int still_renders(uint32_t color)
{
	if (fill(surf, 0, 0, SW, SH, color) || update(surf, 0, 0, SW, SH))
		return 0;
	return !rect_bad(spx, SW, 0, 0, SW, SH, color, 0xffffff);
}

/* expect() for a refused call: the device must still render afterwards. */
static void expect_r(const char *name, int ret, int want, const char *what)
{
	static uint32_t n;

	n++;
	qt_result(name, ret == want && still_renders(0x30201 * n) ? QT_PASS : QT_FAIL,
		  "%s: got %d (%s), want %d; device renders afterwards", what, ret,
		  ret ? strerror(-ret) : "ok", want);
}

static void reject(const char *name, struct cmd *c, int want, const char *what)
{
	static uint32_t n;
	int ret = submit(c);

	n++;
	qt_result(name, ret == want && still_renders(0x10203 * n) ? QT_PASS : QT_FAIL,
		  "%s: got %d (%s), want %d; device renders afterwards", what, ret,
		  ret ? strerror(-ret) : "ok", want);
}

static void t_fill(void)
{
	int bad;

	fill(surf, 0, 0, SW, SH, 0xff0000);
	fill(surf, 16, 16, 48, 48, 0x00ff00);
	expect("update-area", update(surf, 0, 0, SW, SH), 0, "UPDATE_AREA of the surface");
	bad = rect_bad(spx, SW, 16, 16, 48, 48, 0x00ff00, 0xffffff) +
	      rect_bad(spx, SW, 0, 0, SW, 16, 0xff0000, 0xffffff);
	qt_result("surface-fill", bad ? QT_FAIL : QT_PASS, "%d wrong pixels (red, green square)",
		  bad);
}

/* An image buffer: QXLImage at 0, pixels after it, a pattern per pixel. */
static uint32_t image_bo(int w, int h, int chunked, uint8_t **map)
{
	uint32_t size = I_SIZE + CHUNK_HDR + w * h * 4, bo = bo_alloc(size);
	uint8_t *p = bo ? bo_map(fd, bo, size) : NULL;
	uint32_t *px;

	if (!p)
		return 0;
	memset(p, 0, I_SIZE + CHUNK_HDR);
	p[I_TYPE] = IMG_BITMAP;
	put32(p + I_W, w);
	put32(p + I_H, h);
	p[I_FMT] = BMP_32BIT;
	p[I_BFLAGS] = BMP_TOP_DOWN | (chunked ? 0 : BMP_DIRECT);
	put32(p + I_X, w);
	put32(p + I_Y, h);
	put32(p + I_STRIDE, w * 4);
	put32(p + I_SIZE, w * h * 4);	/* chunk data_size */
	px = (uint32_t *)(p + I_SIZE + CHUNK_HDR);
	for (int i = 0; i < w * h; i++)
		px[i] = 0x010101 * (i % 200) + 0x40;
	*map = p;
	return bo;
}

static int image_ok(int x0, int y0, int w, int h)
{
	int bad = 0;

	for (int y = 0; y < h; y++) {
		for (int x = 0; x < w; x++) {
			uint32_t got = spx[(y0 + y) * SW + x0 + x] & 0xffffff;
			uint32_t want = (0x010101 * ((y * w + x) % 200) + 0x40) & 0xffffff;

			if (got != want && !bad++)
				printf("image: first wrong pixel (%d,%d): 0x%06x, want 0x%06x\n",
				       x, y, got, want);
		}
	}
	return bad;
}

static void copy_init(struct cmd *c, uint32_t img, int x, int y, int w, int h)
{
	draw_init(c, DRAW_COPY, surf, x, y, x + w, y + h);
	reloc(c, QXL_RELOC_TYPE_BO, 0, COPY_SRC, img, 0);
	put_rect(c->d + COPY_AREA, 0, 0, w, h);
	c->d[COPY_ROP] = ROPD_OP_PUT;
}

static void t_copy(void)
{
	uint8_t *p;
	uint32_t img;
	struct cmd c;
	int ret, bad;

	/* DIRECT bitmap: data points at the pixels. */
	img = image_bo(16, 16, 0, &p);
	copy_init(&c, img, 8, 8, 16, 16);
	reloc(&c, QXL_RELOC_TYPE_BO, img, I_DATA, img, I_SIZE + CHUNK_HDR);
	ret = submit(&c);
	update(surf, 0, 0, SW, SH);
	bad = image_ok(8, 8, 16, 16);
	qt_result("copy-direct-bitmap", ret || bad ? QT_FAIL : QT_PASS, "ret %d, %d wrong pixels",
		  ret, bad);

	/* Time of check against time of use: rewrite the descriptor after submitting. */
	fill(surf, 0, 0, SW, SH, 0);
	ret = submit(&c);
	put64(p + I_DATA, 0xdead0000beef000ull);
	put32(p + I_X, 4096);
	update(surf, 0, 0, SW, SH);
	bad = image_ok(8, 8, 16, 16);
	qt_result("descriptor-rewritten-after-submit", ret || bad ? QT_FAIL : QT_PASS,
		  "ret %d, %d wrong pixels: the device used the kernel's verified copy", ret, bad);
	put32(p + I_X, 16);
	gem_close(img);

	/* One data chunk. */
	img = image_bo(16, 16, 1, &p);
	copy_init(&c, img, 30, 30, 16, 16);
	reloc(&c, QXL_RELOC_TYPE_BO, img, I_DATA, img, I_SIZE);
	ret = submit(&c);
	/* The buffer may be closed at once: the command keeps it alive. */
	gem_close(img);
	update(surf, 0, 0, SW, SH);
	bad = image_ok(30, 30, 16, 16);
	qt_result("copy-chunk-bitmap-closed-while-busy", ret || bad ? QT_FAIL : QT_PASS,
		  "ret %d, %d wrong pixels", ret, bad);
}

/* A 32x32 image in three chunks, each in its own buffer, as the Xorg driver does. */
static void t_multichunk(void)
{
	const int w = 32, rows[3] = { 10, 10, 12 };
	uint32_t hdr = bo_alloc(I_SIZE), ch[3];
	uint8_t *ph = bo_map(fd, hdr, I_SIZE), *pc[3];
	struct cmd c;
	int y = 0, ret, bad;

	if (!ph) {
		qt_result("copy-multichunk-bitmap", QT_FAIL, "image buffer: %s", strerror(errno));
		return;
	}
	memset(ph, 0, I_SIZE);
	ph[I_TYPE] = IMG_BITMAP;
	put32(ph + I_W, w);
	put32(ph + I_H, 32);
	ph[I_FMT] = BMP_32BIT;
	ph[I_BFLAGS] = BMP_TOP_DOWN;
	put32(ph + I_X, w);
	put32(ph + I_Y, 32);
	put32(ph + I_STRIDE, w * 4);
	copy_init(&c, hdr, 0, 0, w, 32);
	for (int i = 0; i < 3; i++) {
		uint32_t size = CHUNK_HDR + rows[i] * w * 4;

		ch[i] = bo_alloc(size);
		pc[i] = bo_map(fd, ch[i], size);
		if (!pc[i]) {
			qt_result("copy-multichunk-bitmap", QT_FAIL, "chunk buffer: %s",
				  strerror(errno));
			return;
		}
		memset(pc[i], 0, CHUNK_HDR);
		put32(pc[i], rows[i] * w * 4);
		for (int k = 0; k < rows[i] * w; k++)
			((uint32_t *)(pc[i] + CHUNK_HDR))[k] =
				0x010101 * ((y * w + k) % 200) + 0x40;
		y += rows[i];
		if (i)
			reloc(&c, QXL_RELOC_TYPE_BO, ch[i - 1], CHUNK_NEXT, ch[i], 0);
	}
	reloc(&c, QXL_RELOC_TYPE_BO, hdr, I_DATA, ch[0], 0);
	fill(surf, 0, 0, SW, SH, 0);
	ret = submit(&c);
	update(surf, 0, 0, SW, SH);
	bad = image_ok(0, 0, w, 32);
	qt_result("copy-multichunk-bitmap", ret || bad ? QT_FAIL : QT_PASS,
		  "ret %d, %d wrong pixels (3 chunks gathered by the kernel)", ret, bad);

	/* Chunks that hold less than the image needs. */
	put32(pc[2], 4);
	expect_r("multichunk-too-short", submit(&c), -EINVAL, "chunks shorter than stride*height");
	gem_close(hdr);
	for (int i = 0; i < 3; i++)
		gem_close(ch[i]);
}

static void t_copy_bits(void)
{
	struct cmd c;
	int ret, bad;

	fill(surf, 0, 0, SW, SH, 0x000000);
	fill(surf, 0, 0, 8, 8, 0xabcdef);
	draw_init(&c, DRAW_COPY_BITS, surf, 20, 24, 28, 32);
	put32(c.d + D_U, 0);
	put32(c.d + D_U + 4, 0);
	ret = submit(&c);
	update(surf, 0, 0, SW, SH);
	bad = rect_bad(spx, SW, 20, 24, 28, 32, 0xabcdef, 0xffffff);
	qt_result("copy-bits", ret || bad ? QT_FAIL : QT_PASS, "ret %d, %d wrong pixels", ret, bad);
	put32(c.d + D_U, 60);
	reject("reject-copy-bits-outside", &c, -EINVAL, "copy-bits source beyond the surface");
}

/* OVER of a half-transparent ARGB surface onto an opaque blue one. */
static void t_composite(void)
{
	uint32_t src, px, xform = bo_alloc(24), img = bo_alloc(I_SIZE);
	uint8_t *pi = bo_map(fd, img, I_SIZE);
	struct cmd c;
	int ret, r, b;

	if (surf_alloc(FMT_ARGB, 16, 16, 64, &src) || !pi) {
		qt_result("composite-over", QT_FAIL, "ARGB surface or image buffer: %s",
			  strerror(errno));
		return;
	}
	fill(src, 0, 0, 16, 16, 0x80800000);	/* premultiplied: 50% red */
	fill(surf, 0, 0, SW, SH, 0x0000ff);
	memset(pi, 0, I_SIZE);
	pi[I_TYPE] = IMG_SURFACE;

	draw_init(&c, DRAW_COMPOSITE, surf, 0, 0, 16, 16);
	put32(c.d + CMP_FLAGS, OP_OVER);
	reloc(&c, QXL_RELOC_TYPE_BO, 0, CMP_SRC, img, 0);
	reloc(&c, QXL_RELOC_TYPE_SURF, img, I_FMT, src, 0);
	put32(c.d + D_SURF_DEST, 0);
	reloc(&c, QXL_RELOC_TYPE_SURF, 0, D_SURF_DEST, src, 0);
	put_rect(c.d + D_SURF_RECTS, 0, 0, 16, 16);
	ret = submit(&c);
	update(surf, 0, 0, SW, SH);
	px = spx[5 * SW + 5];
	r = (px >> 16) & 0xff;
	b = px & 0xff;
	qt_result("composite-over", !ret && abs(r - 0x80) <= 1 && abs(b - 0x7f) <= 1 ?
		  QT_PASS : QT_FAIL, "ret %d, pixel 0x%08x, want about 0x807f", ret, px);

	put32(c.d + CMP_FLAGS, OP_OVER | (1u << 25));
	reject("reject-composite-reserved-flag", &c, -EINVAL, "flag bit 25");
	put32(c.d + CMP_FLAGS, 0x20);
	reject("reject-composite-operator", &c, -EINVAL, "operator 0x20");
	put32(c.d + CMP_FLAGS, OP_OVER);
	put64(c.d + CMP_SRC_XFORM, 0x1000);
	reject("reject-transform-not-relocated", &c, -EINVAL, "transform address without relocation");
	put64(c.d + CMP_SRC_XFORM, 0);
	c.nr--;		/* drop the dependency's SURF relocation */
	reject("reject-dependency-not-relocated", &c, -EINVAL, "surfaces_dest without relocation");
	gem_close(src);
	gem_close(xform);
	gem_close(img);
}

static void t_reject_commands(void)
{
	uint8_t *p;
	uint32_t img = image_bo(8, 8, 0, &p), plain = bo_alloc(4096), foreign;
	struct cmd c, good;
	int fd2;

	copy_init(&good, img, 0, 0, 8, 8);
	reloc(&good, QXL_RELOC_TYPE_BO, img, I_DATA, img, I_SIZE + CHUNK_HDR);

	c = good; c.type = 5;
	reject("reject-command-type", &c, -EINVAL, "SURFACE command from userspace");
	c = good; c.size = D_SIZE - 8 + 1;
	reject("reject-command-size", &c, -EINVAL, "command larger than a drawable");
	c = good; c.size = 0;
	reject("reject-command-size-zero", &c, -EINVAL, "empty command");
	c = good; c.nr = 97;
	reject("reject-relocs-count", &c, -EINVAL, "97 relocations");
	c = good; c.r[1].pad = 1;
	reject("reject-reloc-pad", &c, -EINVAL, "relocation padding");
	c = good; c.r[1].reloc_type = 3;
	reject("reject-reloc-type", &c, -EINVAL, "relocation type 3");
	c = good; c.r[1].dst_offset = D_SIZE - 4;
	reject("reject-reloc-dst-outside-command", &c, -EINVAL, "dst_offset past the drawable");
	c = good; c.r[1].dst_offset = 0;
	reject("reject-reloc-into-release-info", &c, -EINVAL, "dst_offset 0 (release info)");
	c = good; c.r[2].dst_offset = 4096 - 4;
	reject("reject-reloc-dst-outside-buffer", &c, -EINVAL, "dst_offset past the buffer");
	c = good; c.r[1].src_offset = 4096;
	reject("reject-reloc-src-outside-buffer", &c, -EINVAL, "src_offset past the buffer");
	c = good; c.r[1].src_handle = 0x7777;
	reject("reject-reloc-unknown-handle", &c, -ENOENT, "src_handle 0x7777");
	c = good; c.r[0].src_handle = plain;
	reject("reject-surf-reloc-plain-buffer", &c, -EINVAL, "SURF relocation from a plain buffer");
	c = good; c.r[0].src_handle = 0;
	reject("reject-primary-on-render-node", &c, -EACCES, "primary surface without master");
	c = good; c.r[0].dst_offset = 16; put32(c.d + D_SURFACE, 900);
	reject("reject-surface-id-literal", &c, -EINVAL, "surface id not from a relocation");
	c = good; put_rect(c.d + D_BBOX, 0, 0, SW + 1, 8);
	reject("reject-bbox-outside", &c, -EINVAL, "bbox past the surface");
	c = good; put_rect(c.d + D_BBOX, 8, 0, 0, 8);
	reject("reject-bbox-inverted", &c, -EINVAL, "left > right");
	c = good; c.d[D_SELF] = 1;
	reject("reject-self-bitmap", &c, -EINVAL, "self_bitmap");
	c = good; c.d[D_EFFECT] = 9;
	reject("reject-effect", &c, -EINVAL, "effect 9");
	c = good; c.d[D_TYPE] = DRAW_STROKE;
	reject("reject-draw-stroke", &c, -EINVAL, "STROKE draws are not accepted");
	c = good; c.d[D_TYPE] = 99;
	reject("reject-draw-type", &c, -EINVAL, "draw type 99");
	c = good; c.nr = 1; put64(c.d + COPY_SRC, 0x100000000000ull);
	reject("reject-address-literal", &c, -EINVAL, "image address without relocation");
	c = good; put_rect(c.d + COPY_AREA, 0, 0, 9, 8);
	reject("reject-source-area", &c, -EINVAL, "source area past the image");
	c = good; put32(c.d + D_CLIP, 1);
	reject("reject-clip-not-relocated", &c, -EINVAL, "clip rects without relocation");
	c = good; put64(c.d + D_CLIP + 4, 0xdeadbeefdeadbeefull);
	expect("clip-data-ignored-without-clip", submit(&c), 0,
	       "garbage clip data with clip type NONE (upstream's Xorg driver sends it)");
	c = good; put32(c.d + D_CLIP, 7);
	reject("reject-clip-type", &c, -EINVAL, "clip type 7");
	c = good;
	reloc(&c, QXL_RELOC_TYPE_BO, 0, COPY_MASK_BITMAP, img, 0);
	reject("reject-mask-in-copy", &c, -EINVAL, "mask bitmap outside composite");
	c = good; c.d[D_TYPE] = 9;
	reject("reject-draw-rop3", &c, -EINVAL, "ROP3 draws are not accepted");
	c = good; c.d[COPY_ROP] = ROPD_OP_PUT | 16;
	reject("reject-rop-two-operations", &c, -EINVAL, "OP_PUT|OP_OR");
	{
		struct cmd f;

		draw_init(&f, DRAW_FILL, surf, 0, 0, 4, 4);
		put32(f.d + FILL_BRUSH, 2);	/* pattern */
		f.d[FILL_ROP] = ROPD_OP_PUT;
		reject("reject-brush-pattern", &f, -EINVAL, "pattern brush");
	}

	/* Bitmaps: each field checked on the kernel's copy. */
	p[I_FMT] = 5;		/* 8-bit palette */
	reject("reject-bitmap-palette-format", &good, -EINVAL, "8BIT (palette) bitmap");
	p[I_FMT] = BMP_32BIT;
	put32(p + I_STRIDE, 8);
	reject("reject-bitmap-stride", &good, -EINVAL, "stride below width*4");
	put32(p + I_STRIDE, 32);
	put64(p + I_PALETTE, 1);
	reject("reject-bitmap-palette", &good, -EINVAL, "palette pointer");
	put64(p + I_PALETTE, 0);
	put32(p + I_Y, 200);
	reject("reject-bitmap-pixels-outside", &good, -EINVAL, "pixels past the buffer end");
	put32(p + I_Y, 8);
	put32(p + I_X, 0);
	reject("reject-bitmap-zero-width", &good, -EINVAL, "bitmap width 0");
	put32(p + I_X, 8);
	p[I_TYPE] = 101;
	reject("reject-image-type", &good, -EINVAL, "LZ image type");
	p[I_TYPE] = IMG_BITMAP;

	/* Clip list: counts bounded, one chunk. */
	{
		uint32_t clip = bo_alloc(8192);
		uint8_t *pc = bo_map(fd, clip, 8192);

		c = good;
		put32(c.d + D_CLIP, 1);
		reloc(&c, QXL_RELOC_TYPE_BO, 0, D_CLIP + 4, clip, 0);
		put32(pc, 1);
		put32(pc + 4, 16);
		put_rect(pc + 24, 0, 0, 4, 4);
		expect("clip-rects", submit(&c), 0, "one clip rectangle");
		put32(pc, 2000);
		put32(pc + 4, 2000 * 16);
		reject("reject-clip-count", &c, -EINVAL, "2000 clip rectangles");
		put32(pc, 1);
		put32(pc + 4, 16);
		put64(pc + 16, 0x1000);
		reject("reject-clip-chained", &c, -EINVAL, "chained clip chunk");
		gem_close(clip);
	}

	/* Upstream's Xorg driver leaves the command's pad uninitialised. */
	{
		struct drm_qxl_command qc = { .command = (uintptr_t)(good.d + 8),
			.relocs = (uintptr_t)good.r, .type = 1, .command_size = good.size,
			.relocs_num = good.nr, .pad = 0xdeadbeef };
		struct drm_qxl_execbuffer eb = { .commands_num = 1, .commands = (uintptr_t)&qc };

		expect("command-pad-ignored", xioctl(fd, DRM_IOCTL_QXL_EXECBUFFER, &eb), 0,
		       "command pad 0xdeadbeef (upstream userspace leaves it uninitialised)");
		eb.flags = 1;
		expect_r("reject-execbuffer-flags", xioctl(fd, DRM_IOCTL_QXL_EXECBUFFER, &eb),
		       -EINVAL, "flags 1");
		eb.flags = 0;
		eb.commands_num = 65;
		expect_r("reject-execbuffer-count", xioctl(fd, DRM_IOCTL_QXL_EXECBUFFER, &eb),
		       -EINVAL, "65 commands");
		eb.commands_num = 0;
		expect_r("reject-execbuffer-empty", xioctl(fd, DRM_IOCTL_QXL_EXECBUFFER, &eb),
		       -EINVAL, "0 commands");
	}

	/* Another client: our handles mean nothing there. */
	fd2 = open("/dev/dri/renderD128", O_RDWR | O_CLOEXEC);
	expect_r("other-client-handles", fd2 < 0 ? -errno : submit_on(fd2, &good), -ENOENT,
	       "our command submitted on another client's file");
	{
		struct drm_qxl_alloc_surf s = { .format = FMT_XRGB, .width = 8, .height = 8,
						.stride = 32 };

		int accepted = 0;

		xioctl(fd2, DRM_IOCTL_QXL_ALLOC_SURF, &s);
		foreign = s.handle;
		/* Its surface id is one of the small ones: name each without relocating it. */
		for (uint32_t id = 1; id < 64; id++) {
			c = good;
			c.r[0].dst_offset = 16;
			put32(c.d + D_SURFACE, id);
			accepted += submit(&c) == 0;
		}
		qt_result("other-client-surface", accepted == 1 && still_renders(0x445566) ?
			  QT_PASS : QT_FAIL,
			  "surface ids 1..63 named without relocation: %d accepted (want 1: our own)",
			  accepted);
		(void)foreign;
	}
	close(fd2);
	gem_close(img);
	gem_close(plain);
}

static void t_buffer_ioctls(void)
{
	struct drm_qxl_alloc_surf s;
	struct drm_qxl_map m = { 0 };
	struct drm_qxl_ng_wait w = { 0 };
	struct drm_mode_create_dumb dumb = { .width = 16, .height = 16, .bpp = 32 };
	uint32_t h, handles[64];
	int n1 = 0, n2 = 0, cardfd;

#define SURF(name, f, wd, ht, st, want) \
	do { s = (struct drm_qxl_alloc_surf){ .format = f, .width = wd, .height = ht, .stride = st }; \
	     expect_r(name, xioctl(fd, DRM_IOCTL_QXL_ALLOC_SURF, &s), want, #f " " #wd "x" #ht " stride " #st); \
	     if (want == 0) gem_close(s.handle); } while (0)
	SURF("alloc-surf-a8", 8, 33, 7, 36, 0);
	SURF("alloc-surf-rgb565", 80, 10, 10, 20, 0);
	SURF("reject-surf-format", 7, 8, 8, 32, -EINVAL);
	SURF("reject-surf-a1", 1, 64, 8, 8, -EINVAL);
	SURF("reject-surf-width-zero", FMT_XRGB, 0, 8, 32, -EINVAL);
	SURF("reject-surf-too-wide", FMT_XRGB, 8193, 8, 32772, -EINVAL);
	SURF("reject-surf-stride-unaligned", FMT_XRGB, 8, 8, 34, -EINVAL);
	SURF("reject-surf-stride-short", FMT_XRGB, 8, 8, 28, -EINVAL);
	SURF("reject-surf-too-big", FMT_XRGB, 8192, 8192, 32768, -ENOMEM);
#undef SURF

	m.handle = 0x7777;
	expect("reject-map-unknown", xioctl(fd, DRM_IOCTL_QXL_MAP, &m), -ENOENT, "MAP handle 0x7777");
	m.handle = surf;
	m.pad = 1;
	expect("reject-map-pad", xioctl(fd, DRM_IOCTL_QXL_MAP, &m), -EINVAL, "MAP pad 1");

	cardfd = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
	if (cardfd >= 0 && !xioctl(cardfd, DRM_IOCTL_MODE_CREATE_DUMB, &dumb)) {
		m = (struct drm_qxl_map){ .handle = dumb.handle };
		expect("reject-map-dumb", xioctl(cardfd, DRM_IOCTL_QXL_MAP, &m), -EINVAL,
		       "MAP of a dumb (shmem) buffer");
	}

	expect("reject-update-plain-buffer", update((h = bo_alloc(4096)), 0, 0, 1, 1), -EINVAL,
	       "UPDATE_AREA on a plain buffer");
	gem_close(h);
	expect("reject-update-outside", update(surf, 0, 0, SW + 1, 1), -EINVAL, "right past the surface");
	expect("reject-update-inverted", update(surf, 4, 0, 2, 1), -EINVAL, "left > right");
	expect("reject-update-unknown", update(0x7777, 0, 0, 1, 1), -ENOENT, "handle 0x7777");

	/* WAIT */
	fill(surf, 0, 0, SW, SH, 0x123456);
	w.handle = surf;
	w.timeout_ns = 5000000000ull;
	expect("wait-idle", xioctl(fd, DRM_IOCTL_QXL_NG_WAIT, &w), 0, "WAIT after a fill");
	w.flags = 1;
	expect("reject-wait-flags", xioctl(fd, DRM_IOCTL_QXL_NG_WAIT, &w), -EINVAL, "flags 1");
	w.flags = 0;
	w.timeout_ns = QXL_NG_WAIT_MAX_NS + 1;
	expect("reject-wait-timeout", xioctl(fd, DRM_IOCTL_QXL_NG_WAIT, &w), -EINVAL,
	       "timeout above the maximum");

	/* Device memory: exhaust this client's share, free it, get it all back. */
	for (; n1 < 64 && (handles[n1] = bo_alloc(4 << 20)); n1++)
		;
	{
		/*
		 * Another process still gets memory while this one holds its
		 * share; a second file of this process does not (the share is
		 * per process).
		 */
		int fd2 = open("/dev/dri/renderD128", O_RDWR | O_CLOEXEC);
		uint32_t same = fd2 < 0 ? 0 : qc_bo_alloc(fd2, 4 << 20);
		int other = qc_other_process_allocates(4 << 20);

		qt_result("vram-share-per-client", n1 > 0 && n1 < 16 && other == 1 && !same ?
			  QT_PASS : QT_FAIL,
			  "this process got %d x 4 MiB of the 64 MiB BAR; another process then got %s, a second file of this one %s",
			  n1, other == 1 ? "4 MiB more" : "nothing", same ? "4 MiB more" : "nothing");
		if (fd2 >= 0)
			close(fd2);
	}
	for (int i = 0; i < n1; i++)
		gem_close(handles[i]);
	for (; n2 < 64 && (handles[n2] = bo_alloc(4 << 20)); n2++)
		;
	for (int i = 0; i < n2; i++)
		gem_close(handles[i]);
	qt_result("vram-exhaustion-recovers", n1 > 0 && n1 < 64 && n1 == n2 ? QT_PASS : QT_FAIL,
		  "%d then %d 4 MiB buffers before ENOMEM", n1, n2);
	if (cardfd >= 0)
		close(cardfd);
}

static void t_master_primary(void)
{
	int mfd = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
	struct cmd c;
	int ret;

	/* The primary exists once a mode is set; the test only needs the rule. */
	draw_init(&c, DRAW_FILL, 0, 0, 0, 1, 1);
	put32(c.d + FILL_BRUSH, 1);
	c.d[FILL_ROP] = ROPD_OP_PUT;
	ret = mfd < 0 ? -errno : submit_on(mfd, &c);
	qt_result("primary-for-master", ret == 0 || ret == -EINVAL ? QT_PASS : QT_FAIL,
		  "master may name the primary: got %d (%s) (EINVAL only if no mode is set)",
		  ret, ret ? strerror(-ret) : "ok");
	if (mfd >= 0)
		close(mfd);
}

/*
 * One draw of the format matrix: submitted, logged first (should QEMU die
 * on it, the console names it), then rendered. Returns the submit result.
 */
static int matrix_draw(struct cmd *c, uint32_t dst, const char *what, unsigned int fmt)
{
	int ret = submit(c);

	printf("matrix: %s %u: %d\n", what, fmt, ret);
	fflush(stdout);
	update(dst, 0, 0, 32, 32);
	return ret;
}

/*
 * Every accepted combination of destination surface format, draw and
 * source format, drawn and rendered: the device must survive all of them
 * (spice-server aborts QEMU on some inputs; the verifier must not let
 * those through).
 */
static void t_matrix(void)
{
	static const struct { uint32_t fmt, bpp; } sf[] = {
		{ 8, 8 }, { 16, 16 }, { 80, 16 }, { FMT_XRGB, 32 }, { FMT_ARGB, 32 } };
	static const struct { uint8_t fmt, bpp; } bf[] = {
		{ 6, 16 }, { 7, 24 }, { BMP_32BIT, 32 }, { BMP_RGBA, 32 }, { 10, 8 } };
	int accepted = 0, refused = 0, self_refused = 0, ret;
	int errors0 = qt_status("device_errors");

	for (unsigned int d = 0; d < 5; d++) {
		uint32_t dst, stride = (32 * sf[d].bpp / 8 + 3) & ~3u;
		struct cmd c;

		if (surf_alloc(sf[d].fmt, 32, 32, stride, &dst)) {
			refused++;
			continue;
		}
		printf("matrix: dst format %u\n", sf[d].fmt);
		fflush(stdout);
		accepted += !fill(dst, 0, 0, 32, 32, 0x11223344);
		for (unsigned int b = 0; b < 5; b++) {
			uint32_t bst = (16 * bf[b].bpp / 8 + 3) & ~3u, img = bo_alloc(4096);
			uint8_t *p = bo_map(fd, img, 4096);

			if (!p)
				continue;
			memset(p, 0x5a, 4096);
			memset(p, 0, I_SIZE);
			p[I_TYPE] = IMG_BITMAP;
			put32(p + I_W, 16);
			put32(p + I_H, 16);
			p[I_FMT] = bf[b].fmt;
			p[I_BFLAGS] = BMP_TOP_DOWN | BMP_DIRECT;
			put32(p + I_X, 16);
			put32(p + I_Y, 16);
			put32(p + I_STRIDE, bst);
			draw_init(&c, DRAW_COPY, dst, 4, 4, 20, 20);
			reloc(&c, QXL_RELOC_TYPE_BO, 0, COPY_SRC, img, 0);
			reloc(&c, QXL_RELOC_TYPE_BO, img, I_DATA, img, 1024);
			put_rect(c.d + COPY_AREA, 0, 0, 16, 16);
			c.d[COPY_ROP] = ROPD_OP_PUT;
			for (int scaled = 0; scaled < 2; scaled++) {
				/* Unscaled, then stretched 16x16 -> 28x28 (nearest). */
				if (scaled) {
					put_rect(c.d + D_BBOX, 2, 2, 30, 30);
					c.d[COPY_ROP + 2] = 1;
				}
				ret = matrix_draw(&c, dst, scaled ? "copy stretched bitmap format" :
						  "copy bitmap format", bf[b].fmt);
				refused += ret != 0;
				accepted += ret == 0;
			}
			gem_close(img);
		}
		for (unsigned int s = 0; s < 5; s++) {
			uint32_t src, sst = (16 * sf[s].bpp / 8 + 3) & ~3u, img = bo_alloc(I_SIZE);
			uint8_t *p = bo_map(fd, img, I_SIZE);

			if (!p || surf_alloc(sf[s].fmt, 16, 16, sst, &src))
				continue;
			fill(src, 0, 0, 16, 16, 0x80402010);
			memset(p, 0, I_SIZE);
			p[I_TYPE] = IMG_SURFACE;
			for (int op = 0; op < 2; op++) {
				draw_init(&c, op ? DRAW_COMPOSITE : DRAW_COPY, dst, 2, 2, 18, 18);
				if (op) {
					put32(c.d + CMP_FLAGS, OP_OVER);
					reloc(&c, QXL_RELOC_TYPE_BO, 0, CMP_SRC, img, 0);
				} else {
					reloc(&c, QXL_RELOC_TYPE_BO, 0, COPY_SRC, img, 0);
					put_rect(c.d + COPY_AREA, 0, 0, 16, 16);
					c.d[COPY_ROP] = ROPD_OP_PUT;
				}
				reloc(&c, QXL_RELOC_TYPE_SURF, img, I_FMT, src, 0);
				put32(c.d + D_SURF_DEST, 0);
				reloc(&c, QXL_RELOC_TYPE_SURF, 0, D_SURF_DEST, src, 0);
				put_rect(c.d + D_SURF_RECTS, 0, 0, 16, 16);
				ret = matrix_draw(&c, dst, op ? "composite from surface format" :
						  "copy from surface format", sf[s].fmt);
				refused += ret != 0;
				accepted += ret == 0;
			}
			gem_close(src);
			gem_close(img);
		}
		draw_init(&c, DRAW_COPY_BITS, dst, 10, 10, 20, 20);
		accepted += !matrix_draw(&c, dst, "copy-bits, format", sf[d].fmt);
		{
			/* A copy from the destination surface itself, as a SURFACE image. */
			uint32_t img = bo_alloc(I_SIZE);
			uint8_t *p = bo_map(fd, img, I_SIZE);

			if (p) {
				memset(p, 0, I_SIZE);
				p[I_TYPE] = IMG_SURFACE;
				draw_init(&c, DRAW_COPY, dst, 16, 16, 32, 32);
				reloc(&c, QXL_RELOC_TYPE_BO, 0, COPY_SRC, img, 0);
				reloc(&c, QXL_RELOC_TYPE_SURF, img, I_FMT, dst, 0);
				put_rect(c.d + COPY_AREA, 0, 0, 16, 16);
				c.d[COPY_ROP] = ROPD_OP_PUT;
				ret = matrix_draw(&c, dst, "copy from itself, format", sf[d].fmt);
				self_refused += ret == -EINVAL;
				gem_close(img);
			}
		}
		gem_close(dst);
	}
	qt_result("format-matrix-survives", still_renders(0x778899) &&
		  qt_status("device_errors") == errors0 ? QT_PASS : QT_FAIL,
		  "%d draws accepted and rendered, %d refused, device still renders", accepted,
		  refused);
	qt_result("reject-image-of-destination", self_refused == 5 ? QT_PASS : QT_FAIL,
		  "a COPY reading its own destination surface: %d of 5 refused (spice-gtk drops the connection on them)",
		  self_refused);
}

/* Many small commands in a row: the ring fills up; nothing fails or resets. */
static void t_burst(void)
{
	int resets = qt_status("resets"), failed = 0, n = 5000, bad;
	struct timespec t0, t1;
	double s;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++)
		failed += fill(surf, i % 48, 0, i % 48 + 16, 16, 0x010203 * (i & 0x3f)) != 0;
	fill(surf, 0, 0, SW, SH, 0x5a5a5a);
	update(surf, 0, 0, SW, SH);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	bad = rect_bad(spx, SW, 0, 0, SW, SH, 0x5a5a5a, 0xffffff);
	qt_result("burst-5000-fills", !failed && !bad && qt_status("resets") == resets ?
		  QT_PASS : QT_FAIL, "%d failed, %d wrong pixels, resets %d -> %d, %.0f fills/s",
		  failed, bad, resets, qt_status("resets"), n / s);
}

/*
 * From its error until its reset the device ignores UPDATE_IRQ, so its
 * level-triggered line stays raised: the driver must keep it disabled
 * meanwhile, not take interrupt after interrupt finding nothing pending (the
 * core disables a line after 99,900 of those: "irq N: nobody cared").
 */
static void t_reset_irq(int none0)
{
	int none = qt_status("irqs_not_ours");

	qt_result("reset-no-interrupt-storm", none0 >= 0 && none - none0 <= 8 &&
		  qt_status("irq_parked") == 0 ? QT_PASS : QT_FAIL,
		  "from the device error to its reset: %d interrupts found nothing pending "
		  "(at most 8); line parked now: %d", none - none0, qt_status("irq_parked"));
}

/*
 * A device error resets the device, which forgets every surface: the
 * driver creates them again with their pixels, and they keep working.
 */
static void t_reset(void)
{
	int resets = qt_status("resets"), none = qt_status("irqs_not_ours"), inj, bad, ret = -1;

	fill(surf, 0, 0, SW, SH, 0x3366cc);
	update(surf, 0, 0, SW, SH);
	inj = open("/sys/kernel/debug/dri/0/qxl_inject_device_error", O_WRONLY);
	if (inj < 0 || write(inj, "1", 1) != 1) {
		qt_result("surface-survives-reset", QT_FAIL, "inject: %s", strerror(errno));
		return;
	}
	close(inj);
	for (int i = 0; i < 100 && qt_status("resets") == resets; i++)
		usleep(100000);
	if (qt_status("resets") == resets) {
		qt_result("surface-survives-reset", QT_FAIL, "no reset within 10 s");
		return;
	}
	bad = rect_bad(spx, SW, 0, 0, SW, SH, 0x3366cc, 0xffffff);
	if (!bad)
		ret = fill(surf, 8, 8, 16, 16, 0xcc6633) || update(surf, 0, 0, SW, SH) ? -1 :
		      rect_bad(spx, SW, 8, 8, 16, 16, 0xcc6633, 0xffffff);
	qt_result("surface-survives-reset", !bad && !ret ? QT_PASS : QT_FAIL,
		  "after a device reset: %d pixels lost, draw afterwards %s", bad,
		  ret ? "failed" : "ok");
	t_reset_irq(none);
}


int main(void)
{
	int errors0;

	fd = open("/dev/dri/renderD128", O_RDWR | O_CLOEXEC);
	qt_result("render-node-open", fd < 0 ? QT_FAIL : QT_PASS, "%s",
		  fd < 0 ? strerror(errno) : "/dev/dri/renderD128");
	if (fd < 0)
		return 1;
	errors0 = qt_status("device_errors");
	if (surf_alloc(FMT_XRGB, SW, SH, SW * 4, &surf) || !(spx = bo_map(fd, surf, SW * SH * 4))) {
		qt_result("surface-create", QT_FAIL, "ALLOC_SURF/MAP: %s", strerror(errno));
		return 1;
	}
	qt_result("surface-create", QT_PASS, "64x64 XRGB on the render node");

	t_fill();
	t_copy();
	t_multichunk();
	t_copy_bits();
	t_composite();
	t_reject_commands();
	t_buffer_ioctls();
	t_master_primary();
	t_burst();
	t_matrix();

	qt_result("no-device-error", qt_status("device_errors") == errors0 &&
		  qt_status("resets") == 0 ? QT_PASS : QT_FAIL,
		  "device errors %d -> %d, resets %d, %d commands rejected", errors0,
		  qt_status("device_errors"), qt_status("resets"),
		  qt_status("exec_rejects"));
	t_reset();
	gem_close(surf);
	return 0;
}

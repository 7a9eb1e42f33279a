// SPDX-License-Identifier: MIT
/*
 * What a hostile (or just unlucky) render-node client must not be able to
 * do: crash QEMU with a command the verifier accepts, make the driver race
 * with QEMU's worker thread, get the device reset by keeping it busy, hold
 * up other clients through a device-wide lock, take more than its share
 * of device memory or surface ids by opening the node twice, read the
 * wrong page of a buffer after a partial mmap, or have a failed EXECBUFFER
 * queue part of its commands. One test per item of issue 10; each failed
 * on the driver before the fix. The last check asks the host for a
 * screendump and the SPICE client's picture: QEMU and the client alive.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kmsutil.h"
#include "qtest.h"
#include "qxlcmd.h"

#define CMP_MASK_XFORM	151
#define FMT_A8		8
#define FMT_555		16
#define FMT_565		80
#define SOURCE_OPAQUE	(1u << 22)
#define MASK_OPAQUE	(1u << 23)
#define DEST_OPAQUE	(1u << 24)
#define FILTER_BILINEAR	(1u << 8)
#define REPEAT_NORMAL	(1u << 14)
#define COMPONENT_ALPHA	(1u << 18)

static int fd;			/* render node */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* An image buffer describing surface @s (a SURFACE image). */
static uint32_t surface_image(int f, uint32_t s, struct cmd *c, uint64_t field)
{
	uint32_t img = qc_bo_alloc(f, I_SIZE);
	uint8_t *p = bo_map(f, img, I_SIZE);

	if (!p)
		return img;
	memset(p, 0, I_SIZE);
	p[I_TYPE] = IMG_SURFACE;
	munmap(p, I_SIZE);
	reloc(c, QXL_RELOC_TYPE_BO, 0, field, img, 0);
	reloc(c, QXL_RELOC_TYPE_SURF, img, I_FMT, s, 0);
	return img;
}

/* A 16x16 bitmap image of @fmt (a BITMAP image, pixels in the same buffer). */
static uint32_t bitmap_image(int f, uint8_t fmt, unsigned int bpp, struct cmd *c, uint64_t field)
{
	uint32_t stride = (16 * bpp / 8 + 3) & ~3u, img = qc_bo_alloc(f, 4096);
	uint8_t *p = bo_map(f, img, 4096);

	if (!p)
		return img;
	memset(p, 0x7f, 4096);
	memset(p, 0, I_SIZE);
	p[I_TYPE] = IMG_BITMAP;
	put32(p + I_W, 16);
	put32(p + I_H, 16);
	p[I_FMT] = fmt;
	p[I_BFLAGS] = BMP_TOP_DOWN | BMP_DIRECT;
	put32(p + I_X, 16);
	put32(p + I_Y, 16);
	put32(p + I_STRIDE, stride);
	munmap(p, 4096);
	reloc(c, QXL_RELOC_TYPE_BO, 0, field, img, 0);
	reloc(c, QXL_RELOC_TYPE_BO, img, I_DATA, img, 1024);
	return img;
}

/* A transform buffer: 6 fixed 16.16 values, relocated into @field. */
static uint32_t transform(int f, const int32_t m[6], struct cmd *c, uint64_t field)
{
	uint32_t t = qc_bo_alloc(f, 4096);
	uint8_t *p = bo_map(f, t, 4096);

	if (!p)
		return t;
	memcpy(p, m, 24);
	munmap(p, 4096);
	reloc(c, QXL_RELOC_TYPE_BO, 0, field, t, 0);
	return t;
}

/* Make the device render @dst; returns the UPDATE_AREA result. */
static int render(uint32_t dst, int w, int h)
{
	return qc_update(fd, dst, 0, 0, w, h);
}

/* A fill and a readback on a fresh surface: the device still works. */
static int device_works(uint32_t color)
{
	uint32_t s, *px, bad = 0;
	int ret;

	if (qc_surf_alloc(fd, FMT_XRGB, 32, 32, 128, &s))
		return 0;
	px = bo_map(fd, s, 32 * 32 * 4);
	ret = px && !qc_fill(fd, s, 0, 0, 32, 32, color) && !render(s, 32, 32);
	for (int i = 0; ret && i < 32 * 32; i++)
		bad += (px[i] & 0xffffff) != color;
	if (px)
		munmap(px, 32 * 32 * 4);
	qc_gem_close(fd, s);
	return ret && !bad;
}

/* ---- 1. composite: what the device survives ---------------------------- */

static const struct { uint32_t fmt, bpp; } sfmt[] = {
	{ FMT_A8, 8 }, { FMT_555, 16 }, { FMT_565, 16 }, { FMT_XRGB, 32 }, { FMT_ARGB, 32 } };
static const struct { uint8_t fmt, bpp; } bfmt[] = { { 10, 8 }, { BMP_RGBA, 32 } };

/* The whitelist as documented: is this combination accepted? */
static int opaque_allowed(uint32_t flags, unsigned int dst_bpp, int src_surface_bpp)
{
	if ((flags & DEST_OPAQUE) && dst_bpp == 8)
		return 0;
	if ((flags & SOURCE_OPAQUE) && src_surface_bpp == 8)
		return 0;
	return 1;
}

/*
 * One 16x16 COMPOSITE with @flags from a surface of @sfmt onto one of
 * @dfmt, rendered at once: it must be refused with EINVAL.
 */
static void issue_composite(const char *name, uint32_t dfmt, int32_t dstride, uint32_t sfmt,
			    int32_t sstride, uint32_t flags, const char *what)
{
	uint32_t dst, src, img;
	struct cmd c;
	int ret;

	if (qc_surf_alloc(fd, dfmt, 16, 16, dstride, &dst) ||
	    qc_surf_alloc(fd, sfmt, 16, 16, sstride, &src)) {
		qt_result(name, QT_FAIL, "surfaces: %s", strerror(errno));
		return;
	}
	draw_init(&c, DRAW_COMPOSITE, dst, 0, 0, 16, 16);
	put32(c.d + CMP_FLAGS, flags);
	img = surface_image(fd, src, &c, CMP_SRC);
	ret = submit_on(fd, &c);
	render(dst, 16, 16);
	qt_result(name, ret == -EINVAL ? QT_PASS : QT_FAIL,
		  "%s (flags 0x%x): got %d, want EINVAL", what, flags, ret);
	qc_gem_close(fd, img);
	qc_gem_close(fd, dst);
	qc_gem_close(fd, src);
}

static void t_composite_opaque(void)
{
	int accepted = 0, refused = 0, unexpected = 0, render_failed = 0;
	int errors0 = qt_status("device_errors"), resets0 = qt_status("resets");
	uint32_t dst;
	struct cmd c;
	int ret;

	/* The two commands of the issue, exactly. */
	issue_composite("reject-composite-opaque-a8-destination", FMT_A8, 16, FMT_ARGB, 64,
			0x1000003, "OVER onto A8 with DEST_OPAQUE");
	issue_composite("reject-composite-opaque-a8-source", FMT_ARGB, 64, FMT_A8, 16, 0x400003,
			"OVER from an A8 surface with SOURCE_OPAQUE");

	/*
	 * The matrix: destination format x source (every surface format,
	 * two bitmap formats) x the three opaque bits; each accepted draw
	 * is rendered at once, so that a crash names it on the console.
	 */
	for (unsigned int d = 0; d < 5; d++) {
		if (qc_surf_alloc(fd, sfmt[d].fmt, 16, 16, (16 * sfmt[d].bpp / 8 + 3) & ~3u, &dst))
			continue;
		for (unsigned int s = 0; s < 7; s++) {
			int surf_src = s < 5;
			uint32_t ssurf = 0;

			if (surf_src && qc_surf_alloc(fd, sfmt[s].fmt, 16, 16,
						      (16 * sfmt[s].bpp / 8 + 3) & ~3u, &ssurf))
				continue;
			for (uint32_t bits = 0; bits < 8; bits++) {
				uint32_t flags = OP_OVER | bits << 22, img;
				int want = opaque_allowed(flags, sfmt[d].bpp,
							  surf_src ? (int)sfmt[s].bpp : 0);

				draw_init(&c, DRAW_COMPOSITE, dst, 0, 0, 16, 16);
				put32(c.d + CMP_FLAGS, flags);
				img = surf_src ? surface_image(fd, ssurf, &c, CMP_SRC) :
				      bitmap_image(fd, bfmt[s - 5].fmt, bfmt[s - 5].bpp, &c, CMP_SRC);
				printf("opaque-matrix: dst %u src %s%u flags 0x%x\n", sfmt[d].fmt,
				       surf_src ? "surface " : "bitmap ",
				       surf_src ? sfmt[s].fmt : bfmt[s - 5].fmt, flags);
				fflush(stdout);
				ret = submit_on(fd, &c);
				if (!ret)
					render_failed += render(dst, 16, 16) != 0;
				accepted += !ret;
				refused += ret == -EINVAL;
				unexpected += want ? ret != 0 : ret != -EINVAL;
				qc_gem_close(fd, img);
			}
			if (ssurf)
				qc_gem_close(fd, ssurf);
		}
		qc_gem_close(fd, dst);
	}
	qt_result("composite-opaque-matrix", !unexpected && !render_failed && device_works(0x123456) &&
		  qt_status("device_errors") == errors0 && qt_status("resets") == resets0 ?
		  QT_PASS : QT_FAIL,
		  "%d accepted and rendered, %d refused, %d not as the whitelist says, %d renders failed",
		  accepted, refused, unexpected, render_failed);
}

/*
 * Every operator, filter, repeat, transform class and mask kind on the
 * formats the device takes: all accepted, all survived.
 */
static void t_composite_params(void)
{
	static const int32_t xforms[][6] = {
		{ 0x10000, 0, 0, 0, 0x10000, 0 },		/* identity */
		{ 0x8000, 0, 0, 0, 0x8000, 0 },			/* scale 2x */
		{ 0, -0x10000, 0x100000, 0x10000, 0, 0 },	/* rotate 90 */
		{ 0, 0, 0, 0, 0, 0 },				/* singular */
		{ 0x7fffffff, 0x7fffffff, 0x7fffffff, -0x7fffffff, 0x7fffffff, -0x7fffffff },
	};
	int accepted = 0, failed = 0, errors0 = qt_status("device_errors");
	uint32_t dst, src, mask8, maskc;
	struct cmd c;

	if (qc_surf_alloc(fd, FMT_XRGB, 32, 32, 128, &dst) ||
	    qc_surf_alloc(fd, FMT_ARGB, 16, 16, 64, &src) ||
	    qc_surf_alloc(fd, FMT_A8, 16, 16, 16, &mask8) ||
	    qc_surf_alloc(fd, FMT_ARGB, 16, 16, 64, &maskc)) {
		qt_result("composite-parameters-survive", QT_FAIL, "surfaces: %s", strerror(errno));
		return;
	}
	qc_fill(fd, src, 0, 0, 16, 16, 0x80402010);
	qc_fill(fd, mask8, 0, 0, 16, 16, 0x80808080);
	qc_fill(fd, maskc, 0, 0, 16, 16, 0x80ff8040);
	for (uint32_t op = 0; op <= 0x3e; op++) {
		if (op > 0x0d && op < 0x30)
			continue;
		for (unsigned int k = 0; k < 3 * 2 * 4 * 5; k++) {
			unsigned int m = k % 3, filt = k / 3 % 2, rep = k / 6 % 4, x = k / 24;
			uint32_t flags = op | filt * FILTER_BILINEAR | rep * REPEAT_NORMAL;
			uint32_t img, mimg = 0, t, mt = 0;
			int ret;

			/* All combinations for OVER; the diagonal for the other operators. */
			if (op != OP_OVER && k % 7)
				continue;
			if (m == 2)
				flags |= COMPONENT_ALPHA;
			draw_init(&c, DRAW_COMPOSITE, dst, 0, 0, 32, 32);
			img = surface_image(fd, src, &c, CMP_SRC);
			t = transform(fd, xforms[x], &c, CMP_SRC_XFORM);
			if (m) {
				mimg = surface_image(fd, m == 1 ? mask8 : maskc, &c, CMP_MASK);
				mt = transform(fd, xforms[(x + 1) % 5], &c, CMP_MASK_XFORM);
				flags |= filt << 11 | rep << 16;
			}
			put32(c.d + CMP_FLAGS, flags);
			printf("params: op 0x%x mask %u filter %u repeat %u transform %u\n", op, m,
			       filt, rep, x);
			fflush(stdout);
			ret = submit_on(fd, &c);
			accepted += !ret;
			failed += ret != 0 || render(dst, 32, 32) != 0;
			qc_gem_close(fd, img);
			qc_gem_close(fd, t);
			if (mimg)
				qc_gem_close(fd, mimg);
			if (mt)
				qc_gem_close(fd, mt);
		}
	}
	qt_result("composite-parameters-survive", !failed && device_works(0x654321) &&
		  qt_status("device_errors") == errors0 ? QT_PASS : QT_FAIL,
		  "%d composites (29 operators, masks none/A8/component alpha, 2 filters, 4 repeats, 5 transform classes) accepted and rendered, %d failed",
		  accepted, failed);
	qc_gem_close(fd, dst);
	qc_gem_close(fd, src);
	qc_gem_close(fd, mask8);
	qc_gem_close(fd, maskc);
}

/* ---- 2. no port that races with QEMU's worker thread -------------------- */

static void t_ports(void)
{
	int flush0 = qt_status("port_23_writes"), oom0 = qt_status("port_4_writes");
	int nudge0 = qt_status("nudge_messages"), held0, held = 0, idle = 0, base;
	struct drm_qxl_ng_wait w = { .timeout_ns = 2000000000ull };
	uint32_t s, img;
	struct cmd c;
	double t0;
	int ret;

	if (flush0 < 0 || qc_surf_alloc(fd, FMT_XRGB, 64, 64, 256, &s)) {
		qt_result("no-flush-release-port", QT_FAIL, "debugfs counters or surface missing");
		return;
	}
	/* A few draws, a WAIT, a closed client: the routine paths. */
	for (int i = 0; i < 10; i++)
		qc_fill(fd, s, i, i, 64, 64, 0x010101 * i);
	w.handle = s;
	t0 = now();
	ret = xioctl(fd, DRM_IOCTL_QXL_NG_WAIT, &w);
	qt_result("wait-releases-promptly", ret == 0 && now() - t0 < 1.0 ? QT_PASS : QT_FAIL,
		  "WAIT after 10 fills: %d in %.0f ms (releases come back without FLUSH_RELEASE)",
		  ret, (now() - t0) * 1e3);
	draw_init(&c, DRAW_COPY, s, 0, 0, 16, 16);
	img = bitmap_image(fd, BMP_RGBA, 32, &c, COPY_SRC);
	put_rect(c.d + COPY_AREA, 0, 0, 16, 16);
	c.d[COPY_ROP] = ROPD_OP_PUT;
	submit_on(fd, &c);
	qc_gem_close(fd, img);
	render(s, 64, 64);
	/*
	 * Rendered, the copy is released by the device, into a partial batch
	 * of releases; the closed image buffer is freed once that batch is
	 * published, which the idle nudge (50 ms after the last command)
	 * makes the device do.
	 */
	held0 = qt_status("vram_bytes_used");
	/*
	 * Up to 10 s (a SPICE client with a backlog releases late) until the
	 * only device memory in use is the surface's: the closed image's
	 * buffer (and what earlier parts closed) came back.
	 */
	base = 64 * 64 * 4;
	held = held0;
	for (int i = 0; i < 200 && held > base; i++) {
		usleep(50000);
		held = qt_status("vram_bytes_used");
	}
	idle = held == base;
	qt_result("idle-releases-come-back", idle ? QT_PASS : QT_FAIL,
		  "device memory in use: %d after the copy, %d once idle (the surface's %d)",
		  held0, held, base);
	qc_gem_close(fd, s);
	qt_result("no-flush-release-port",
		  qt_status("port_23_writes") == flush0 && qt_status("port_4_writes") == oom0 &&
		  qt_status("nudge_messages") > nudge0 ? QT_PASS : QT_FAIL,
		  "FLUSH_RELEASE writes %d -> %d, NOTIFY_OOM %d -> %d (both must not move), nudge messages %d -> %d",
		  flush0, qt_status("port_23_writes"), oom0, qt_status("port_4_writes"), nudge0,
		  qt_status("nudge_messages"));
}

/* ---- 3 and 4. a busy device is not a dead one; WAIT's errnos ------------- */

/*
 * The flooder: as many expensive composites (rotated, filtered, masked,
 * blended over a 2048x2048 surface) as it can queue for @secs, with a
 * short WAIT and an UPDATE_AREA every 500. Reports through @out: queued, EBUSY, other
 * errors, WAIT results other than 0/EBUSY, UPDATE_AREA results other
 * than 0/EBUSY.
 */
static void flood(int secs, int out)
{
	static const int32_t rot[6] = { 0xb504, -0xb504, 0x80000, 0xb504, 0xb504, 0 };
	int f = open("/dev/dri/renderD128", O_RDWR | O_CLOEXEC), r[5] = { 0 };
	struct drm_qxl_ng_wait w = { 0 };
	uint32_t big, src, mask;
	struct cmd c;
	double t0;

	if (f < 0 || qc_surf_alloc(f, FMT_ARGB, 2048, 2048, 8192, &big) ||
	    qc_surf_alloc(f, FMT_ARGB, 256, 256, 1024, &src) ||
	    qc_surf_alloc(f, FMT_A8, 256, 256, 256, &mask))
		_exit(2);
	draw_init(&c, DRAW_COMPOSITE, big, 0, 0, 2048, 2048);
	/* Blended: the device may not drop one because the next covers it. */
	c.d[D_EFFECT] = 0;
	put32(c.d + CMP_FLAGS, OP_OVER | FILTER_BILINEAR | REPEAT_NORMAL | 1u << 11 |
	      1u << 16);
	surface_image(f, src, &c, CMP_SRC);
	reloc(&c, QXL_RELOC_TYPE_BO, 0, CMP_MASK_XFORM,
	      transform(f, rot, &c, CMP_SRC_XFORM), 0);
	surface_image(f, mask, &c, CMP_MASK);
	w.handle = big;
	t0 = now();
	for (int i = 0; now() - t0 < secs; i++) {
		int ret = submit_on(f, &c);

		r[0] += !ret;
		r[1] += ret == -EBUSY;
		r[2] += ret && ret != -EBUSY;
		if (i % 500 == 499) {
			w.timeout_ns = 28000000 + (i % 3) * 1000000;
			ret = xioctl(f, DRM_IOCTL_QXL_NG_WAIT, &w);
			r[3] += ret && ret != -EBUSY;
			ret = qc_update(f, big, 0, 0, 2048, 2048);
			r[4] += ret && ret != -EBUSY;
		}
	}
	if (write(out, r, sizeof(r)) != sizeof(r))
		_exit(3);
	_exit(0);
}

/*
 * One process floods the device with valid, expensive work; another one
 * keeps drawing small things and reading them back. The flooder's queue is
 * bounded, so the other one's draws keep completing quickly; nobody sees
 * an errno outside the documented ones, and nothing resets the device.
 */
static void t_slow_device(void)
{
	int resets0 = qt_status("resets"), pipefd[2], r[5] = { -1, -1, -1, -1, -1 }, status;
	double worst = 0, t0;
	int fails = 0;
	uint32_t s;
	pid_t pid;

	if (pipe(pipefd) || qc_surf_alloc(fd, FMT_XRGB, 32, 32, 128, &s)) {
		qt_result("flood-does-not-starve-others", QT_FAIL, "setup: %s", strerror(errno));
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		flood(20, pipefd[1]);
	}
	close(pipefd[1]);
	sleep(2);
	for (int i = 0; i < 12; i++) {
		t0 = now();
		fails += qc_fill(fd, s, 0, 0, 32, 32, 0x010203 * i) != 0 || render(s, 32, 32) != 0;
		if (now() - t0 > worst)
			worst = now() - t0;
		usleep(1000000);
	}
	if (read(pipefd[0], r, sizeof(r)) != sizeof(r))
		r[0] = -1;
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	printf("flood: %d queued, %d EBUSY, %d other errors; other client worst %.2f s\n", r[0],
	       r[1], r[2], worst);
	qt_result("flood-does-not-starve-others", r[0] > 0 && !fails && worst < 3.0 ?
		  QT_PASS : QT_FAIL,
		  "a flooding process queued %d expensive composites in 20 s; another one's 12 fill+UPDATE_AREA: %d failed, worst %.2f s",
		  r[0], fails, worst);
	qt_result("flood-errnos", r[0] >= 0 && !r[2] && !r[3] && !r[4] ? QT_PASS : QT_FAIL,
		  "flooder: %d EBUSY, %d other EXECBUFFER errors, %d WAIT and %d UPDATE_AREA results other than 0/EBUSY",
		  r[1], r[2], r[3], r[4]);
	qt_result("busy-device-not-reset", qt_status("resets") == resets0 &&
		  device_works(0x0a0b0c) ? QT_PASS : QT_FAIL,
		  "resets %d -> %d; a fresh draw renders", resets0, qt_status("resets"));
	qc_gem_close(fd, s);
}

/* ---- 5. no device-wide lock across a slow page fault -------------------- */

struct uffd_job {
	int uffd;
	void *page;
	const void *content;
	int delay_ms;
};

/* Resolve the first fault on the page after @delay_ms, with @content. */
static void *uffd_handler(void *arg)
{
	struct uffd_job *j = arg;
	struct uffd_msg msg;
	struct pollfd p = { .fd = j->uffd, .events = POLLIN };
	struct uffdio_copy cp;

	if (poll(&p, 1, 10000) != 1 || read(j->uffd, &msg, sizeof(msg)) != sizeof(msg))
		return NULL;
	usleep(j->delay_ms * 1000);
	cp = (struct uffdio_copy){ .dst = (uintptr_t)j->page, .src = (uintptr_t)j->content,
		.len = 4096 };
	ioctl(j->uffd, UFFDIO_COPY, &cp);
	return NULL;
}

struct exec_job {
	int fd;
	struct drm_qxl_execbuffer eb;
	int ret;
};

static void *exec_thread(void *arg)
{
	struct exec_job *e = arg;

	e->ret = xioctl(e->fd, DRM_IOCTL_QXL_EXECBUFFER, &e->eb);
	return NULL;
}

static void t_slow_fault(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { 0 };
	static uint8_t content[4096];
	struct uffd_job uj;
	struct exec_job ej;
	pthread_t th1, th2;
	uint32_t s, s2;
	struct drm_qxl_command *qc;
	struct cmd c;
	double t0, dt = -1;
	int uffd, fd2, ret = -1;
	void *page;

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api)) {
		qt_result("no-lock-across-page-fault", QT_FAIL, "userfaultfd: %s", strerror(errno));
		return;
	}
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	reg.range.start = (uintptr_t)page;
	reg.range.len = 4096;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (page == MAP_FAILED || ioctl(uffd, UFFDIO_REGISTER, &reg) ||
	    qc_surf_alloc(fd, FMT_XRGB, 16, 16, 64, &s)) {
		qt_result("no-lock-across-page-fault", QT_FAIL, "register: %s", strerror(errno));
		return;
	}
	/* The command array lives in the page that faults for 2 s. */
	draw_init(&c, DRAW_FILL, s, 0, 0, 16, 16);
	put32(c.d + FILL_BRUSH, 1);
	c.d[FILL_ROP] = ROPD_OP_PUT;
	qc = (struct drm_qxl_command *)content;
	*qc = (struct drm_qxl_command){ .command = (uintptr_t)(c.d + 8),
		.relocs = (uintptr_t)c.r, .type = c.type, .command_size = c.size,
		.relocs_num = c.nr };
	uj = (struct uffd_job){ .uffd = uffd, .page = page, .content = content, .delay_ms = 2000 };
	ej = (struct exec_job){ .fd = fd, .eb = { .commands_num = 1,
		.commands = (uintptr_t)page } };
	pthread_create(&th1, NULL, uffd_handler, &uj);
	pthread_create(&th2, NULL, exec_thread, &ej);
	usleep(300000);
	/* Meanwhile another client allocates a surface and draws. */
	fd2 = open("/dev/dri/renderD128", O_RDWR | O_CLOEXEC);
	t0 = now();
	if (fd2 >= 0 && !qc_surf_alloc(fd2, FMT_XRGB, 16, 16, 64, &s2)) {
		ret = qc_fill(fd2, s2, 0, 0, 16, 16, 0xff);
		dt = now() - t0;
		qc_gem_close(fd2, s2);
	}
	pthread_join(th2, NULL);
	pthread_join(th1, NULL);
	qt_result("no-lock-across-page-fault", ret == 0 && dt >= 0 && dt < 1.0 && ej.ret == 0 ?
		  QT_PASS : QT_FAIL,
		  "another client's ALLOC_SURF + fill took %.0f ms (%d) while an EXECBUFFER waited 2 s on a page fault (%d)",
		  dt * 1e3, ret, ej.ret);
	if (fd2 >= 0)
		close(fd2);
	qc_gem_close(fd, s);
	munmap(page, 4096);
	close(uffd);
}

/* ---- 6. shares are per process, with a floor for the others ------------- */

static void t_shares(void)
{
	int fa = open("/dev/dri/renderD128", O_RDWR | O_CLOEXEC);
	int fb = open("/dev/dri/renderD128", O_RDWR | O_CLOEXEC);
	static uint32_t h[2][1100];
	int n[2] = { 0, 0 }, ids = 0, last = 0, other, ids0 = qt_status("surface_ids_used");

	if (fa < 0 || fb < 0) {
		qt_result("memory-share-per-process", QT_FAIL, "open: %s", strerror(errno));
		return;
	}
	/* Two files of one process, taking turns: 4 MiB until both are refused. */
	for (int i = 0; i < 64; i++) {
		int f = i % 2;
		uint32_t b = qc_bo_alloc(f ? fb : fa, 4 << 20);

		if (!b && !qc_bo_alloc(f ? fa : fb, 4 << 20))
			break;
		if (b)
			h[f][n[f]++] = b;
	}
	other = qc_other_process_allocates(4 << 20) == 1;
	qt_result("memory-share-per-process", n[0] + n[1] < 16 && other ? QT_PASS : QT_FAIL,
		  "two files of one process got %d + %d x 4 MiB of the 64 MiB BAR; another process then %s",
		  n[0], n[1], other ? "got 4 MiB" : "got nothing");
	for (int f = 0; f < 2; f++)
		for (int i = 0; i < n[f]; i++)
			qc_gem_close(f ? fb : fa, h[f][i]);

	/* Surface ids: 1x1 surfaces from two files until refused. */
	for (int i = 0; i < 2 * 1100; i++) {
		uint32_t s;
		int f = i % 2;

		last = qc_surf_alloc(f ? fb : fa, FMT_XRGB, 1, 1, 4, &s);
		if (last)
			break;
		h[f][ids / 2] = s;
		ids++;
	}
	other = qc_other_process_allocates(0) == 1;
	qt_result("surface-share-per-process", ids < 1023 && last == -ENOSPC && other ?
		  QT_PASS : QT_FAIL,
		  "two files of one process got %d of 1023 surface ids (then %s); another process then %s",
		  ids, strerror(-last), other ? "got one" : "got none");
	close(fa);
	close(fb);
	/* Their ids come back once the device released the DESTROYs. */
	for (int i = 0; i < 100 && qt_status("surface_ids_used") > ids0; i++)
		usleep(50000);
	qt_result("surface-ids-come-back", qt_status("surface_ids_used") <= ids0 ?
		  QT_PASS : QT_FAIL, "surface ids in use: %d before, %d after the files closed",
		  ids0, qt_status("surface_ids_used"));
}

/* ---- 7. each mapped page shows its own offset --------------------------- */

static void t_mmap_offsets(void)
{
	uint32_t b = qc_bo_alloc(fd, 3 * 4096);
	struct drm_qxl_map m = { .handle = b };
	uint8_t *all, *part, *moved;
	int ok_part, ok_unmap, ok_remap;

	if (!b || xioctl(fd, DRM_IOCTL_QXL_MAP, &m)) {
		qt_result("mmap-partial-offsets", QT_FAIL, "ALLOC/MAP: %s", strerror(errno));
		return;
	}
	all = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, m.offset);
	if (all == MAP_FAILED) {
		qt_result("mmap-partial-offsets", QT_FAIL, "mmap: %s", strerror(errno));
		return;
	}
	for (int i = 0; i < 3; i++)
		memset(all + i * 4096, 0xa0 + i, 4096);
	munmap(all, 3 * 4096);

	/*
	 * A mapping of the first two pages only works; one that starts inside
	 * the buffer is refused by the DRM core (its offset must be the
	 * buffer's), never served from the wrong pages.
	 */
	part = mmap(NULL, 2 * 4096, PROT_READ, MAP_SHARED, fd, m.offset);
	ok_part = part != MAP_FAILED && part[0] == 0xa0 && part[4096] == 0xa1;
	qt_result("mmap-partial-range", ok_part ? QT_PASS : QT_FAIL,
		  "pages 0-1 of 3 mapped alone read 0x%02x 0x%02x, want 0xa0 0xa1",
		  part == MAP_FAILED ? 0 : part[0], part == MAP_FAILED ? 0 : part[4096]);
	if (part != MAP_FAILED)
		munmap(part, 2 * 4096);
	part = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, m.offset + 4096);
	qt_result("mmap-inner-offset-refused", part == MAP_FAILED ? QT_PASS : QT_FAIL,
		  "a mapping starting at page 1: %s", part == MAP_FAILED ? strerror(errno) :
		  part[0] == 0xa1 ? "served page 1" : "served another page");
	if (part != MAP_FAILED)
		munmap(part, 4096);

	/* All three, then page 0 unmapped: page 1 still reads page 1. */
	all = mmap(NULL, 3 * 4096, PROT_READ, MAP_SHARED, fd, m.offset);
	ok_unmap = all != MAP_FAILED && !munmap(all, 4096) && all[4096] == 0xa1 &&
		   all[2 * 4096] == 0xa2;
	qt_result("mmap-munmap-part", ok_unmap ? QT_PASS : QT_FAIL,
		  "after munmap of page 0, pages 1 and 2 read their own bytes");

	/* Page 2 moved elsewhere by mremap keeps its content. */
	moved = all == MAP_FAILED ? MAP_FAILED :
		mremap(all + 2 * 4096, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED,
		       all - 16 * 4096);
	ok_remap = moved != MAP_FAILED && moved[0] == 0xa2;
	qt_result("mmap-mremap-page", ok_remap ? QT_PASS : QT_FAIL,
		  "page 2 after mremap reads 0x%02x, want 0xa2", moved != MAP_FAILED ? moved[0] : 0);
	if (moved != MAP_FAILED)
		munmap(moved, 4096);
	if (all != MAP_FAILED)
		munmap(all + 4096, 4096);
	qc_gem_close(fd, b);
}

/* ---- 8. an EXECBUFFER that fails queues nothing ------------------------- */

static void t_exec_all_or_nothing(void)
{
	struct drm_qxl_command qc[2];
	struct drm_qxl_execbuffer eb = { .commands_num = 2, .commands = (uintptr_t)qc };
	struct cmd good, bad;
	uint32_t s, *px;
	int ret, drawn;

	if (qc_surf_alloc(fd, FMT_XRGB, 16, 16, 64, &s) || !(px = bo_map(fd, s, 16 * 16 * 4))) {
		qt_result("execbuffer-all-or-nothing", QT_FAIL, "surface: %s", strerror(errno));
		return;
	}
	qc_fill(fd, s, 0, 0, 16, 16, 0x000000);
	draw_init(&good, DRAW_FILL, s, 0, 0, 16, 16);
	put32(good.d + FILL_BRUSH, 1);
	put32(good.d + FILL_BRUSH + 4, 0xffffff);
	good.d[FILL_ROP] = ROPD_OP_PUT;
	bad = good;
	bad.d[D_TYPE] = DRAW_STROKE;
	qc[0] = (struct drm_qxl_command){ .command = (uintptr_t)(good.d + 8),
		.relocs = (uintptr_t)good.r, .type = 1, .command_size = good.size,
		.relocs_num = good.nr };
	qc[1] = (struct drm_qxl_command){ .command = (uintptr_t)(bad.d + 8),
		.relocs = (uintptr_t)bad.r, .type = 1, .command_size = bad.size,
		.relocs_num = bad.nr };
	ret = xioctl(fd, DRM_IOCTL_QXL_EXECBUFFER, &eb);
	render(s, 16, 16);
	drawn = (px[0] & 0xffffff) != 0;
	qt_result("execbuffer-all-or-nothing", ret == -EINVAL && !drawn ? QT_PASS : QT_FAIL,
		  "a good fill then a refused command: %d, the fill %s", ret,
		  drawn ? "was drawn" : "was not queued");
	eb.commands_num = QXL_NG_EXEC_MAX_COMMANDS + 1;
	qt_result("reject-execbuffer-more-than-a-ring",
		  xioctl(fd, DRM_IOCTL_QXL_EXECBUFFER, &eb) == -EINVAL ? QT_PASS : QT_FAIL,
		  "%d commands (more than QXL_NG_EXEC_MAX_COMMANDS, the 32-slot ring) refused with EINVAL",
		  QXL_NG_EXEC_MAX_COMMANDS + 1);
	munmap(px, 16 * 16 * 4);
	qc_gem_close(fd, s);
}

/* ---- QEMU and the SPICE client are alive -------------------------------- */

static void t_alive(void)
{
	struct kdev d;
	struct kfb fb;
	int ret = -1;

	if (kms_open(&d) == 0 && kfb_create(&d, &fb, d.pref.hdisplay, d.pref.vdisplay) == 0) {
		kfb_fill(&fb, 0, 0, fb.w, fb.h, 0x204060);
		kfb_fill(&fb, 64, 64, 128, 96, 0xe0c000);
		if (kms_set(&d, &fb, &d.pref) == 0)
			ret = qt_host("screen %u %u 0x204060 64 64 128 96 0xe0c000", fb.w, fb.h);
		kfb_destroy(&d, &fb);
	}
	qt_result("qemu-and-client-alive", ret == 0 ? QT_PASS : QT_FAIL,
		  "a frame set afterwards reaches the screendump and the SPICE client");
	if (d.fd >= 0)
		close(d.fd);
}

static const struct {
	const char *name;
	void (*fn)(void);
} parts[] = {
	{ "opaque", t_composite_opaque },
	{ "params", t_composite_params },
	{ "ports", t_ports },
	{ "exec", t_exec_all_or_nothing },
	{ "mmap", t_mmap_offsets },
	{ "shares", t_shares },
	{ "fault", t_slow_fault },
	{ "slow", t_slow_device },
};

/* Arguments name the parts to run (default: all), e.g. "hostile_test opaque mmap". */
int main(int argc, char **argv)
{
	int errors0;

	fd = open("/dev/dri/renderD128", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		qt_result("render-node-open", QT_FAIL, "%s", strerror(errno));
		return 1;
	}
	errors0 = qt_status("device_errors");
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		int run = argc < 2;

		for (int a = 1; a < argc; a++)
			run |= !strcmp(argv[a], parts[i].name);
		if (run)
			parts[i].fn();
	}
	qt_result("no-device-error", qt_status("device_errors") == errors0 ? QT_PASS : QT_FAIL,
		  "device errors %d -> %d", errors0, qt_status("device_errors"));
	t_alive();
	close(fd);
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * fuzz_test: a structure-aware, replayable fuzzer of the driver's ioctls,
 * run inside the test guest.
 *
 *   fuzz_test [seed=N] [iters=N] [seconds=N] [avoid-known=1] [trace=ITER]
 *             [mutate=0..1000] [deps=0..1000]
 *
 * Three clients (the card node, which may also do light KMS work, and the
 * render node opened twice) take turns; each iteration picks a client and
 * an operation: ALLOC, ALLOC_SURF, MAP (+ mmap, touching pages, partial
 * munmap), EXECBUFFER, UPDATE_AREA, GETPARAM, CLIENTCAP, WAIT,
 * SCANOUT_DAMAGE, GEM_CLOSE (also of other clients' handle numbers), KMS
 * dumb buffers / ADDFB2 / DIRTYFB / SETCRTC / RMFB, raw ioctls of random
 * bytes and reopening a client. Arguments are mostly valid and sometimes
 * mutated. EXECBUFFER commands are built valid first (every draw kind the
 * verifier accepts, with correct relocations), then, for mutate= per mille
 * of the calls (300), a few fields, relocations or referenced structures
 * are mutated. The run ends after iters= iterations or seconds= seconds,
 * whichever comes first (400000, 150: about 2.5 minutes under TCG).
 *
 * Every random choice comes from one PRNG seeded by seed=, so a run is
 * replayed by giving its seed again; trace=ITER prints every operation from
 * that iteration on (iters=ITER+1 stops right after it). Replay is exact up
 * to what depends on timing: an allocation that fails because the device
 * has not released memory yet.
 *
 * Pass criteria (qtest results): no ioctl fails with an errno outside the
 * documented set; the device was never reset; the driver goes back to idle
 * once the fuzz clients are closed; a fresh client still renders and reads
 * back a fill; the harness's SPICE client stays connected throughout; the
 * host sees a known picture in the QMP screendump and in the SPICE client
 * (QEMU and the client are alive). Failures name the seed and iteration.
 *
 * avoid-known=1 keeps COMPOSITE flag bits 22-24 (the "opaque" hints) clear;
 * on the driver before issue 10 QEMU aborts on them with A8 surfaces. By
 * default they are exercised. deps= (850) is the share of surface images
 * whose surface is also named in surfaces_dest, as upstream userspace does.
 */
/* The driver's idle nudge messages: one bunch of QEMU's releases, 64-byte blocks. */
#define NUDGE_BUNCH 32
#define NUDGE_BLOCK 64
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kmsutil.h"
#include "qtest.h"
#include "qxlcmd.h"

/* ------------------------------------------------------------------ options */

static struct {
	uint64_t seed;
	uint64_t iters;
	uint64_t seconds;
	uint64_t trace_from;
	int avoid_known;
	unsigned int deps;	/* per mille of surface images named in surfaces_dest */
	unsigned int mutate;	/* per mille of EXECBUFFER calls that get mutated */
} opt = {
	/* A fixed default seed: CI runs are reproducible without arguments. */
	.seed = 0x71786c6e67ull,	/* "qxlng" */
	.iters = 400000,
	.seconds = 150,
	.trace_from = UINT64_MAX,
	.deps = 850,
	.mutate = 300,
};

/* ------------------------------------------------------------------ PRNG */

/*
 * xorshift64*, seeded through splitmix64 so that small or similar seeds
 * still give unrelated streams. The only source of randomness: replay
 * depends on it.
 */
static uint64_t rng;

static void rng_seed(uint64_t seed)
{
	uint64_t z = seed + 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	rng = z ^ (z >> 31);
	if (!rng)
		rng = 1;	/* xorshift's one forbidden state */
}

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static uint32_t rnd32(void)
{
	return (uint32_t)(rnd() >> 32);
}

/* Uniform in [0, n) by multiply-shift (no modulo bias worth caring about). */
static uint32_t rn(uint32_t n)
{
	return (uint32_t)(((uint64_t)rnd32() * n) >> 32);
}

/* True with probability permille/1000. */
static int pm(unsigned int permille)
{
	return rn(1000) < permille;
}

/* In [lo, hi], inclusive. */
static int32_t rrange(int32_t lo, int32_t hi)
{
	return lo + (int32_t)rn((uint32_t)(hi - lo + 1));
}

/* The values that break size and offset arithmetic most often. */
static uint32_t boundary32(void)
{
	static const uint32_t v[] = {
		0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, 256,
		4095, 4096, 4097, 8191, 8192, 8193, 32767, 32768, 32769, 65535, 65536,
		0x7fffff, 0x1000000, 0x3fffffff, 0x7ffffffe, 0x7fffffff, 0x80000000,
		0x80000001, 0xfffffff0, 0xfffffffe, 0xffffffff,
	};

	return v[rn(sizeof(v) / sizeof(v[0]))];
}

static uint64_t boundary64(void)
{
	static const uint64_t v[] = {
		0, 1, 8, 0xffffffffull, 0x100000000ull, 0x7fffffffffffffffull,
		0x8000000000000000ull, 0xffffffffffffffffull, 0x0000100000000000ull,
		0xffff800000000000ull,
	};

	return pm(500) ? boundary32() : v[rn(sizeof(v) / sizeof(v[0]))];
}

static void fill_random(uint8_t *p, size_t n)
{
	uint64_t v;

	for (; n >= 8; p += 8, n -= 8) {
		v = rnd();
		memcpy(p, &v, 8);
	}
	v = rnd();
	memcpy(p, &v, n);
}

/* ------------------------------------------------------------------ state */

#define NCLIENTS	3
#define MAX_BOS		40
#define MAX_MAPS	48
#define MAX_FBS		3
#define SCRATCH_SIZE	(64 * 1024)
#define CLIENT_BUDGET	(12u << 20)	/* beyond it, ALLOC turns into GEM_CLOSE */

enum { K_BO, K_SURF, K_DUMB };

struct fbo {
	uint32_t handle;
	uint8_t kind;
	uint32_t size;
	uint32_t fmt, w, h, bpp;
	int32_t stride;
};

struct kfbuf {
	uint32_t fb_id, handle, w, h, pitch;
	uint64_t size;
};

struct client {
	int fd;
	int card;			/* the primary node (may be DRM master) */
	const char *name;
	struct fbo bo[MAX_BOS];
	int nbo;
	uint32_t scratch;		/* a 64 KiB buffer images and clip lists go into */
	uint8_t *scratch_p;
	struct kfbuf fb[MAX_FBS];
	int nfb;
	uint32_t crtc_id, conn_id;
	drmModeModeInfo mode;
	int have_mode;
};

static struct client cl[NCLIENTS];

/*
 * mmaps of device buffers, touched now and then; they outlive handles. Each
 * keeps its file alive: they go with their client, or a reopened card node
 * would not get DRM master back.
 */
static struct {
	uint8_t *p;
	size_t len;
	struct client *owner;
} maps[MAX_MAPS];
static int nmaps;

static uint64_t iter;
static char desc[256];		/* what the current operation is, for failure lines */

/* ------------------------------------------------------------------ stats */

enum op {
	OP_EXEC, OP_UPDATE, OP_ALLOC, OP_ALLOC_SURF, OP_MAP, OP_TOUCH, OP_CLOSE, OP_WAIT,
	OP_GETPARAM, OP_CLIENTCAP, OP_DAMAGE, OP_KMS, OP_RAW, OP_REOPEN, NOPS
};

static const char *const op_names[NOPS] = {
	"execbuffer", "update-area", "alloc", "alloc-surf", "map+mmap", "touch", "gem-close",
	"wait", "getparam", "clientcap", "scanout-damage", "kms", "raw", "reopen",
};

/* Out of 1000; EXECBUFFER dominates since the verifier is the big surface. */
static const unsigned int op_weight[NOPS] = {
	400, 70, 60, 80, 60, 20, 90, 60, 30, 20, 30, 40, 37, 3,
};

static struct {
	uint64_t calls, ok, err;	/* err: every ioctl the operation made that failed */
} ostat[NOPS];
static int cur_op;

enum dkind { DK_FILL, DK_COPY_BMP, DK_COPY_SURF, DK_COPY_BITS, DK_COMPOSITE, DK_OTHER, DK_BATCH,
	     NDK };

static const char *const dk_names[NDK] = {
	"fill", "copy-bitmap", "copy-surface", "copy-bits", "composite", "other-draw-type",
	"batch(2-4)",
};

/* [kind][mutated][accepted] */
static uint64_t dstat[NDK][2][2];
/* Clean commands refused, first few reasons, to spot builder mistakes. */
static int clean_refusals_shown;

/* Composite operators accepted in unmutated commands, and formats drawn. */
static const uint8_t comp_ops[] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e,
};
#define NCOMP_OPS (sizeof(comp_ops) / sizeof(comp_ops[0]))
static uint64_t comp_op_seen;		/* bit i: comp_ops[i] accepted */
static uint32_t dst_fmt_seen;		/* bit index of the surface format table */
static uint32_t bmp_fmt_seen;

/* Commands with an opaque hint on an A8 surface the driver let through. */
static uint64_t known_accepted, known_submitted;
static uint64_t violations, first_violation_iter = UINT64_MAX;
static char first_violation[320];
static uint64_t faults, enodev_seen;

static int status_resets_seen = -1;
static uint64_t first_reset_iter = UINT64_MAX;
/* The harness's SPICE client; losing it is a failure too. */
static int client_at_start;
static uint64_t client_lost_iter = UINT64_MAX, client_ok_iter;

/* ------------------------------------------------------------------ errnos */

#define OKX_EPERM	1u	/* master-only ioctls */
#define OKX_EOPNOTSUPP	2u	/* CLIENTCAP's "not every client has it" */
#define OKX_ENOSYS	4u	/* DIRTYFB on a framebuffer without dirty */
#define OKX_ERANGE	8u	/* ADDFB2: the DRM core's pitch * height overflow check */

static int errno_documented(int e, unsigned int extra)
{
	switch (e) {
	case EINVAL: case ENOENT: case ENOMEM: case ENOSPC: case EDQUOT: case EFAULT:
	case EACCES: case EBUSY: case ETIMEDOUT: case EINTR:
		return 1;
	case EPERM:
		return !!(extra & OKX_EPERM);
	case EOPNOTSUPP:
		return !!(extra & OKX_EOPNOTSUPP);
	case ENOSYS:
		return !!(extra & OKX_ENOSYS);
	case ERANGE:
		return !!(extra & OKX_ERANGE);
	}
	return 0;
}

/* Distinct (operation, errno) pairs of the violations, for the summary. */
static struct vkind {
	const char *what;
	int err;
	uint64_t n, first;
} vkinds[16];
static int nvkinds;

static void violation(const char *what, int e)
{
	int k;

	for (k = 0; k < nvkinds && (vkinds[k].err != e || strcmp(vkinds[k].what, what)); k++)
		;
	if (k == nvkinds && nvkinds < 16)
		vkinds[nvkinds++] = (struct vkind){ .what = what, .err = e, .first = iter };
	if (k < nvkinds)
		vkinds[k].n++;
	violations++;
	if (e == ENODEV)
		enodev_seen++;
	if (first_violation_iter == UINT64_MAX) {
		first_violation_iter = iter;
		snprintf(first_violation, sizeof(first_violation), "%s: %s (errno %d) [%s]", what,
			 strerror(e), e, desc);
	}
	if (violations <= 30) {
		printf("fuzz: FAIL seed=%" PRIu64 " iteration %" PRIu64 ": %s returned %s (errno %d), not a documented errno [%s]\n",
		       opt.seed, iter, what, strerror(e), e, desc);
		fflush(stdout);
	}
}

static int tracing(void)
{
	return iter >= opt.trace_from;
}

/* An ioctl without libdrm's retry loop: EAGAIN or EINTR must be seen. */
static int fz_ioctl(struct client *c, const char *what, unsigned long req, void *arg,
		    unsigned int extra)
{
	int ret = ioctl(c->fd, req, arg) ? -errno : 0;

	if (ret)
		ostat[cur_op].err++;
	else
		ostat[cur_op].ok++;
	if (ret && !errno_documented(-ret, extra))
		violation(what, -ret);
	if (tracing())
		printf("fuzz:   %s %s -> %d%s%s\n", c->name, what, ret, ret ? " " : "",
		       ret ? strerror(-ret) : "");
	return ret;
}

/* ------------------------------------------------------------------ debugfs */

struct status {
	int ok;
	long device_errors, resets, blocks_held, exec_rejects, surfaces;
	long long bytes_held, vram_used;
	unsigned int primary_w, primary_h;
};

/* The counters of qxl_status this test reads: key, field, long long or long. */
#define STATUS_KEY(key, field, wide) { key, offsetof(struct status, field), wide }
static const struct {
	const char *key;
	size_t off;
	bool wide;
} status_keys[] = {
	STATUS_KEY("device_errors", device_errors, false),
	STATUS_KEY("resets", resets, false),
	STATUS_KEY("blocks_held_by_device", blocks_held, false),
	STATUS_KEY("bytes_held_by_device", bytes_held, true),
	STATUS_KEY("exec_rejects", exec_rejects, false),
	STATUS_KEY("surfaces", surfaces, false),
	STATUS_KEY("vram_bytes_used", vram_used, true),
};

static void status_field(const char *key, const char *value, void *arg)
{
	struct status *s = arg;
	size_t i;

	if (!strcmp(key, "primary") && !strstr(value, "(none)"))
		sscanf(value, "%ux%u", &s->primary_w, &s->primary_h);
	for (i = 0; i < sizeof(status_keys) / sizeof(status_keys[0]); i++) {
		void *field = (char *)s + status_keys[i].off;

		if (strcmp(key, status_keys[i].key))
			continue;
		if (status_keys[i].wide)
			sscanf(value, "%lld", (long long *)field);
		else
			sscanf(value, "%ld", (long *)field);
	}
}

/* All the counters from one read of qxl_status (qtest.c); s->ok if it exists. */
static void status_read(struct status *s)
{
	memset(s, 0, sizeof(*s));
	s->ok = !qt_status_each(status_field, s);
}

/* ------------------------------------------------------------------ helpers */

/*
 * Is the harness's SPICE client still connected? Asked of the host (the ROM's
 * client_present is not cleared when a client goes away). "spice-info" also
 * fails while the client has no primary surface (a modeset of the card
 * client, a disabled CRTC): only the harness's "no SPICE client" (or no
 * answer) counts as lost. No randomness is used, so replays stay the same.
 */
static int spice_client_alive(void)
{
	char reply[512];

	if (qt_host_reply(reply, sizeof(reply), "spice-info") == 0)
		return 1;
	return reply[0] && !strstr(reply, "no SPICE client");
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct fbo *find_bo(struct client *c, uint32_t h)
{
	for (int i = 0; i < c->nbo; i++)
		if (c->bo[i].handle == h)
			return &c->bo[i];
	return NULL;
}

static void forget_bo(struct client *c, uint32_t h)
{
	for (int i = 0; i < c->nbo; i++) {
		if (c->bo[i].handle == h) {
			c->bo[i] = c->bo[--c->nbo];
			break;
		}
	}
	if (h && h == c->scratch) {
		/* The scratch mapping keeps the object; our view of it goes. */
		munmap(c->scratch_p, SCRATCH_SIZE);
		c->scratch = 0;
		c->scratch_p = NULL;
	}
}

static struct fbo *track(struct client *c, const struct fbo *b)
{
	struct fbo *old = find_bo(c, b->handle);

	/* A handle number we thought free: the kernel knows better. */
	if (old) {
		*old = *b;
		return old;
	}
	if (c->nbo == MAX_BOS)
		return NULL;
	c->bo[c->nbo] = *b;
	return &c->bo[c->nbo++];
}

static uint64_t client_bytes(struct client *c)
{
	uint64_t n = 0;

	for (int i = 0; i < c->nbo; i++)
		n += c->bo[i].size;
	return n;
}

/* A random tracked buffer of one of the kinds in @mask (1 << K_*), or NULL. */
static struct fbo *pick_bo(struct client *c, unsigned int mask)
{
	int idx[MAX_BOS], n = 0;

	for (int i = 0; i < c->nbo; i++)
		if (mask & (1u << c->bo[i].kind))
			idx[n++] = i;
	return n ? &c->bo[idx[rn(n)]] : NULL;
}

/*
 * A handle for an argument: mostly one of the client's own, sometimes a
 * number that means something else (another client's handle, a closed one,
 * 0, all ones).
 */
static uint32_t pick_handle(struct client *c, unsigned int mask)
{
	struct fbo *b;
	struct client *o;

	if (pm(880) && (b = pick_bo(c, mask)))
		return b->handle;
	switch (rn(5)) {
	case 0:
		o = &cl[rn(NCLIENTS)];
		return o->nbo ? o->bo[rn(o->nbo)].handle : 1;
	case 1:
		return 1 + rn(64);
	case 2:
		return 0;
	case 3:
		return boundary32();
	}
	return rnd32();
}

static void map_add(struct client *owner, uint8_t *p, size_t len)
{
	if (nmaps == MAX_MAPS) {
		int i = rn(MAX_MAPS);

		munmap(maps[i].p, maps[i].len);
		maps[i] = maps[--nmaps];
	}
	maps[nmaps].p = p;
	maps[nmaps].len = len;
	maps[nmaps].owner = owner;
	nmaps++;
}

/* ------------------------------------------------------------------ touching pages */

static sigjmp_buf touch_jmp;
static volatile sig_atomic_t in_touch;

static void on_fault(int sig)
{
	if (in_touch)
		siglongjmp(touch_jmp, sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

static __attribute__((noinline)) void touch_pages(uint8_t *p, size_t len, unsigned int n,
						  uint64_t salt)
{
	volatile uint8_t *v = p;

	for (unsigned int i = 0; i < n; i++) {
		size_t off = (size_t)((salt >> (i % 32)) * 2654435761u + i * 4096u) % len;
		uint8_t x = v[off];

		v[off] = (uint8_t)(x ^ (uint8_t)salt);
	}
}

/* Read and write a few pages of a mapping; a SIGBUS/SIGSEGV there is a failure. */
static void touch(uint8_t *p, size_t len, const char *what)
{
	unsigned int n = 1 + rn(8);
	uint64_t salt = rnd();
	int sig;

	sig = sigsetjmp(touch_jmp, 1);
	if (sig) {
		in_touch = 0;
		faults++;
		printf("fuzz: FAIL seed=%" PRIu64 " iteration %" PRIu64 ": signal %d touching %s (%zu bytes) [%s]\n",
		       opt.seed, iter, sig, what, len, desc);
		fflush(stdout);
		return;
	}
	in_touch = 1;
	touch_pages(p, len, n, salt);
	in_touch = 0;
}

/* ------------------------------------------------------------------ clients */

static int client_open(struct client *c)
{
	const char *path = c->card ? "/dev/dri/card0" : "/dev/dri/renderD128";

	c->fd = open(path, O_RDWR | O_CLOEXEC);
	if (c->fd < 0)
		return -errno;
	c->have_mode = 0;
	if (c->card) {
		drmModeRes *res = drmModeGetResources(c->fd);
		drmModeConnector *con = NULL;

		for (int i = 0; res && i < res->count_connectors && !con; i++) {
			con = drmModeGetConnector(c->fd, res->connectors[i]);
			if (con && (con->connection != DRM_MODE_CONNECTED || !con->count_modes)) {
				drmModeFreeConnector(con);
				con = NULL;
			}
		}
		if (res && res->count_crtcs)
			c->crtc_id = res->crtcs[0];
		if (con) {
			c->conn_id = con->connector_id;
			c->mode = con->modes[0];
			for (int i = 0; i < con->count_modes; i++)
				if (con->modes[i].type & DRM_MODE_TYPE_PREFERRED)
					c->mode = con->modes[i];
			c->have_mode = 1;
		}
		drmModeFreeConnector(con);
		drmModeFreeResources(res);
	}
	return 0;
}

static void client_close(struct client *c)
{
	for (int i = 0; i < nmaps; i++) {
		if (maps[i].owner == c) {
			munmap(maps[i].p, maps[i].len);
			maps[i--] = maps[--nmaps];
		}
	}
	if (c->scratch_p)
		munmap(c->scratch_p, SCRATCH_SIZE);
	c->scratch_p = NULL;
	c->scratch = 0;
	c->nbo = 0;
	c->nfb = 0;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* The scratch buffer, allocated and mapped on first use or after a GEM_CLOSE. */
static int ensure_scratch(struct client *c)
{
	struct drm_qxl_alloc a = { .size = SCRATCH_SIZE };
	struct drm_qxl_map m = { 0 };
	struct fbo b = { .kind = K_BO, .size = SCRATCH_SIZE };
	void *p;

	if (c->scratch && find_bo(c, c->scratch))
		return 0;
	if (c->scratch_p)
		munmap(c->scratch_p, SCRATCH_SIZE);
	c->scratch = 0;
	c->scratch_p = NULL;
	if (c->nbo >= MAX_BOS - 8)
		return -1;
	if (fz_ioctl(c, "ALLOC(scratch)", DRM_IOCTL_QXL_ALLOC, &a, 0))
		return -1;
	b.handle = a.handle;
	track(c, &b);
	m.handle = a.handle;
	if (fz_ioctl(c, "MAP(scratch)", DRM_IOCTL_QXL_MAP, &m, 0))
		return -1;
	p = mmap(NULL, SCRATCH_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, m.offset);
	if (p == MAP_FAILED) {
		violation("mmap(scratch)", errno);
		return -1;
	}
	c->scratch = a.handle;
	c->scratch_p = p;
	return 0;
}

/* ------------------------------------------------------------------ surfaces */

static const struct { uint32_t fmt, bpp; } surf_fmts[] = {
	{ 8, 8 }, { 16, 16 }, { 80, 16 }, { FMT_XRGB, 32 }, { FMT_ARGB, 32 },
};
#define NSURF_FMTS 5

static const struct { uint8_t fmt, bpp; } bmp_fmts[] = {
	{ 6, 16 }, { 7, 24 }, { BMP_32BIT, 32 }, { BMP_RGBA, 32 }, { 10, 8 },
};
#define NBMP_FMTS 5

static int surf_fmt_index(uint32_t fmt)
{
	for (int i = 0; i < NSURF_FMTS; i++)
		if (surf_fmts[i].fmt == fmt)
			return i;
	return -1;
}

/* ALLOC_SURF, valid unless @mutate; tracks the result. */
static struct fbo *surf_new(struct client *c, int fi, uint32_t w, uint32_t h, int mutate)
{
	struct drm_qxl_alloc_surf s = { 0 };
	uint32_t bpp = surf_fmts[fi].bpp, min = (w * bpp / 8 + 3) & ~3u;
	struct fbo b = { .kind = K_SURF };
	int ret;

	s.format = surf_fmts[fi].fmt;
	s.width = w;
	s.height = h;
	s.stride = (int32_t)(min + (pm(150) ? 4 * rn(16) : 0));
	if (pm(100))
		s.stride = -s.stride;	/* bottom-up, as the Xorg driver makes them */
	s.handle = pm(100) ? rnd32() : 0;	/* output only */
	if (mutate) {
		switch (rn(9)) {
		case 0: s.format = pm(500) ? boundary32() : rn(128); break;
		case 1: s.width = boundary32(); break;
		case 2: s.height = boundary32(); break;
		case 3: s.stride = (int32_t)boundary32(); break;
		case 4: s.stride += 1 + rn(3); break;
		case 5: s.stride = (int32_t)min - 4; break;
		case 6: s.pad = rnd32(); break;
		case 7: s.width = 8192; s.height = 8192; s.stride = 32768; break;
		case 8: s.width = 1 + rn(2048); s.height = 1 + rn(2048);
			s.stride = (int32_t)((s.width * 4 + 3) & ~3u); s.format = FMT_XRGB; break;
		}
	}
	snprintf(desc, sizeof(desc), "%s ALLOC_SURF fmt %u %ux%u stride %d pad %u", c->name,
		 s.format, s.width, s.height, s.stride, s.pad);
	ret = fz_ioctl(c, "ALLOC_SURF", DRM_IOCTL_QXL_ALLOC_SURF, &s, 0);
	if (ret)
		return NULL;
	fi = surf_fmt_index(s.format);
	b.handle = s.handle;
	b.fmt = s.format;
	b.w = s.width;
	b.h = s.height;
	b.stride = s.stride;
	b.bpp = fi >= 0 ? surf_fmts[fi].bpp : 32;
	b.size = (uint32_t)((uint64_t)(s.stride < 0 ? -(int64_t)s.stride : s.stride) * s.height);
	return track(c, &b);
}

/* A random surface of the client, or a new small one. */
static struct fbo *pick_surface(struct client *c)
{
	struct fbo *s = pm(880) ? pick_bo(c, 1u << K_SURF) : NULL;

	if (s || c->nbo >= MAX_BOS - 4)
		return s;
	return surf_new(c, rn(NSURF_FMTS), 1 + rn(128), 1 + rn(128), 0);
}

/* ------------------------------------------------------------------ command building */

struct build {
	struct client *c;
	struct cmd *cmd;
	uint32_t used;			/* bump allocator in the scratch buffer */
	uint32_t tmp[8];		/* extra buffers (chunks), closed after the submit */
	int ntmp;
	int nimg;
	uint32_t img_off[2];		/* images written in the scratch, for mutations */
	int img_chunk_off[2];		/* first chunk header in the scratch, or -1 */
	int clip_off;			/* clip list header in the scratch, or -1 */
	int ndep;
	int bmp_fi;			/* a bitmap format used, for the coverage */
	int known;			/* an opaque hint on an A8 surface: refused by design */
	/* the destination */
	uint32_t dst_handle;		/* 0: the primary */
	uint32_t dw, dh, dbpp;
	int dst_fi;
};

static int sc_alloc(struct build *b, uint32_t size)
{
	/* Mostly 8-aligned; now and then odd, the device reads packed data. */
	uint32_t off = pm(50) ? b->used : (b->used + 7) & ~7u;

	if (off + size > SCRATCH_SIZE)
		return -1;
	b->used = off + size;
	return (int)off;
}

static void sc_write(struct build *b, uint32_t off, const void *src, size_t n)
{
	memcpy(b->c->scratch_p + off, src, n);
}

static void rel_bo(struct cmd *c, uint32_t dst_h, uint64_t dst_off, uint32_t src_h, uint64_t src_off)
{
	if (c->nr < 96)
		reloc(c, QXL_RELOC_TYPE_BO, dst_h, dst_off, src_h, src_off);
}

static void rel_surf(struct cmd *c, uint32_t dst_h, uint64_t dst_off, uint32_t surf_h)
{
	if (c->nr < 96)
		reloc(c, QXL_RELOC_TYPE_SURF, dst_h, dst_off, surf_h, 0);
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

/* A random sub-rectangle of a w x h area, at most max on each side. */
static void rand_rect(uint32_t w, uint32_t h, uint32_t max, int *x1, int *y1, int *x2, int *y2)
{
	uint32_t rw = 1 + rn(w < max ? w : max), rh = 1 + rn(h < max ? h : max);

	*x1 = (int)rn(w - rw + 1);
	*y1 = (int)rn(h - rh + 1);
	*x2 = *x1 + (int)rw;
	*y2 = *y1 + (int)rh;
}

/* One raster operation (bits 3-9) with random inversion bits. */
static uint16_t rand_rop(void)
{
	return (uint16_t)((1u << (3 + rn(7))) | rn(8) | (pm(100) ? 1u << 10 : 0));
}

/* A data chunk header and its pixel bytes at @p. */
static void chunk_write(uint8_t *p, uint32_t data_size)
{
	uint8_t hdr[CHUNK_HDR] = { 0 };

	put32(hdr, data_size);
	memcpy(p, hdr, CHUNK_HDR);
	fill_random(p + CHUNK_HDR, data_size);
}

/*
 * A bitmap image of w x h in format bmp_fmts[fi], its pointer written at
 * @cmd_off of the command: DIRECT pixels, one chunk, or a chain of 2-4
 * chunks, some in buffers of their own (as upstream's Xorg driver does).
 */
static int add_bitmap(struct build *b, uint32_t cmd_off, uint32_t w, uint32_t h, int fi)
{
	struct client *c = b->c;
	uint32_t bpp = bmp_fmts[fi].bpp, stride = (w * bpp + 7) / 8, need;
	uint8_t img[I_SIZE] = { 0 };
	int off, mode = (int)rn(10);

	if (pm(700))
		stride = (stride + 3) & ~3u;
	if (pm(100))
		stride += 4 * rn(8);
	need = stride * h;
	off = sc_alloc(b, I_SIZE);
	if (off < 0)
		return -1;
	put64(img, rnd());			/* image id: the kernel keeps the device from caching */
	img[I_TYPE] = IMG_BITMAP;
	img[I_FLAGS] = pm(200) ? (uint8_t)rn(4) : 0;
	put32(img + I_W, pm(800) ? w : rnd32());	/* overwritten from the bitmap's x, y */
	put32(img + I_H, pm(800) ? h : rnd32());
	img[I_FMT] = bmp_fmts[fi].fmt;
	img[I_BFLAGS] = (uint8_t)((pm(700) ? BMP_TOP_DOWN : 0) | (pm(100) ? 2 : 0));
	put32(img + I_X, w);
	put32(img + I_Y, h);
	put32(img + I_STRIDE, stride);
	b->img_chunk_off[b->nimg] = -1;

	if (mode < 6) {
		int px = sc_alloc(b, need);

		if (px < 0)
			return -1;
		img[I_BFLAGS] |= BMP_DIRECT;
		fill_random(c->scratch_p + px, need);
		rel_bo(b->cmd, c->scratch, (uint32_t)off + I_DATA, c->scratch, (uint32_t)px);
	} else if (mode < 8) {
		int ch = sc_alloc(b, CHUNK_HDR + need);

		if (ch < 0)
			return -1;
		chunk_write(c->scratch_p + ch, need);
		rel_bo(b->cmd, c->scratch, (uint32_t)off + I_DATA, c->scratch, (uint32_t)ch);
		b->img_chunk_off[b->nimg] = ch;
	} else {
		uint32_t n = 2 + rn(3), rows_left = h, prev_h = 0, prev_off = 0;

		for (uint32_t i = 0; i < n; i++) {
			uint32_t rows = i == n - 1 ? rows_left : rn(rows_left + 1);
			uint32_t size = CHUNK_HDR + rows * stride, hnd, coff;
			uint8_t *p;

			rows_left -= rows;
			if (pm(300) && b->ntmp < 8 && c->nbo < MAX_BOS - 2) {
				/* A chunk in its own buffer, closed right after the submit. */
				struct drm_qxl_alloc a = { .size = size };
				struct drm_qxl_map m = { 0 };

				if (fz_ioctl(c, "ALLOC(chunk)", DRM_IOCTL_QXL_ALLOC, &a, 0))
					return -1;
				b->tmp[b->ntmp++] = a.handle;
				m.handle = a.handle;
				if (fz_ioctl(c, "MAP(chunk)", DRM_IOCTL_QXL_MAP, &m, 0))
					return -1;
				p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, m.offset);
				if (p == MAP_FAILED) {
					violation("mmap(chunk)", errno);
					return -1;
				}
				chunk_write(p, rows * stride);
				munmap(p, size);
				hnd = a.handle;
				coff = 0;
			} else {
				int ch = sc_alloc(b, size);

				if (ch < 0)
					return -1;
				chunk_write(c->scratch_p + ch, rows * stride);
				hnd = c->scratch;
				coff = (uint32_t)ch;
				if (!i)
					b->img_chunk_off[b->nimg] = ch;
			}
			if (!i)
				rel_bo(b->cmd, c->scratch, (uint32_t)off + I_DATA, hnd, coff);
			else
				rel_bo(b->cmd, prev_h, prev_off + CHUNK_NEXT, hnd, coff);
			prev_h = hnd;
			prev_off = coff;
		}
	}
	sc_write(b, (uint32_t)off, img, I_SIZE);
	rel_bo(b->cmd, 0, cmd_off, c->scratch, (uint32_t)off);
	b->img_off[b->nimg++] = (uint32_t)off;
	b->bmp_fi = fi;
	return 0;
}

/* A dependency on surface @s (surfaces_dest[] and its rectangle). */
static void add_dep(struct build *b, const struct fbo *s)
{
	int x1, y1, x2, y2;

	if (b->ndep == 3)
		return;
	rand_rect(s->w, s->h, 4096, &x1, &y1, &x2, &y2);
	put32(b->cmd->d + D_SURF_DEST + 4 * b->ndep, 0);
	rel_surf(b->cmd, 0, D_SURF_DEST + 4 * b->ndep, s->handle);
	put_rect(b->cmd->d + D_SURF_RECTS + 16 * b->ndep, x1, y1, x2, y2);
	b->ndep++;
}

/* An image showing surface @s, pointer at @cmd_off; mostly with its dependency. */
static int add_surf_image(struct build *b, uint32_t cmd_off, const struct fbo *s)
{
	uint8_t img[I_SIZE] = { 0 };
	int off = sc_alloc(b, I_SIZE);

	if (off < 0)
		return -1;
	put64(img, rnd());
	img[I_TYPE] = IMG_SURFACE;
	put32(img + I_W, pm(800) ? s->w : rnd32());
	put32(img + I_H, pm(800) ? s->h : rnd32());
	sc_write(b, (uint32_t)off, img, I_SIZE);
	rel_surf(b->cmd, b->c->scratch, (uint32_t)off + I_FMT, s->handle);
	rel_bo(b->cmd, 0, cmd_off, b->c->scratch, (uint32_t)off);
	b->img_chunk_off[b->nimg] = -1;
	b->img_off[b->nimg++] = (uint32_t)off;
	if (pm(opt.deps))
		add_dep(b, s);
	return 0;
}

/* A clip list of 1-8 rectangles around the destination. */
static int add_clip(struct build *b)
{
	uint32_t n = 1 + rn(8);
	int off = sc_alloc(b, 24 + 16 * n);
	uint8_t buf[24 + 16 * 8] = { 0 };

	if (off < 0)
		return -1;
	put32(buf, n);
	put32(buf + 4, 16 * n);
	for (uint32_t i = 0; i < n; i++) {
		int x1 = rrange(-8, (int)b->dw), y1 = rrange(-8, (int)b->dh);

		put_rect(buf + 24 + 16 * i, x1, y1, x1 + rrange(0, 64), y1 + rrange(0, 64));
	}
	sc_write(b, (uint32_t)off, buf, 24 + 16 * n);
	put32(b->cmd->d + D_CLIP, 1);
	rel_bo(b->cmd, 0, D_CLIP + 4, b->c->scratch, (uint32_t)off);
	b->clip_off = off;
	return 0;
}

/* A pixman-style 16.16 transform: identity, scale, shear, translate, singular, random. */
static int add_transform(struct build *b, uint32_t cmd_off)
{
	uint32_t t[6] = { 0x10000, 0, 0, 0, 0x10000, 0 };
	int off = sc_alloc(b, sizeof(t));

	if (off < 0)
		return -1;
	switch (rn(6)) {
	case 1: t[0] = t[4] = (uint32_t)rrange(0x4000, 0x40000); break;
	case 2: t[1] = (uint32_t)rrange(-0x10000, 0x10000); t[3] = (uint32_t)rrange(-0x10000, 0x10000); break;
	case 3: t[2] = (uint32_t)rrange(-64, 64) << 16; t[5] = (uint32_t)rrange(-64, 64) << 16; break;
	case 4: memset(t, 0, sizeof(t)); break;
	case 5: for (int i = 0; i < 6; i++) t[i] = pm(500) ? rnd32() : boundary32(); break;
	}
	sc_write(b, (uint32_t)off, t, sizeof(t));
	rel_bo(b->cmd, 0, cmd_off, b->c->scratch, (uint32_t)off);
	return 0;
}

/* A surface of the client other than the destination, of bpp @bpp (0: any). */
static struct fbo *other_surface(struct build *b, uint32_t bpp)
{
	struct client *c = b->c;
	int idx[MAX_BOS], n = 0;

	for (int i = 0; i < c->nbo; i++)
		if (c->bo[i].kind == K_SURF && c->bo[i].handle != b->dst_handle &&
		    (!bpp || c->bo[i].bpp == bpp) && surf_fmt_index(c->bo[i].fmt) >= 0)
			idx[n++] = i;
	if (n && pm(900))
		return &c->bo[idx[rn(n)]];
	if (c->nbo >= MAX_BOS - 4)
		return NULL;
	{
		int fi;

		do
			fi = (int)rn(NSURF_FMTS);
		while (bpp && surf_fmts[fi].bpp != bpp);
		return surf_new(c, fi, 1 + rn(96), 1 + rn(96), 0);
	}
}

/*
 * A valid drawable of kind @k in b->cmd. Returns the kind actually built
 * (a copy from a surface falls back to a bitmap when there is none), or -1.
 */
static int build_draw(struct build *b, int k)
{
	struct cmd *c = b->cmd;
	struct client *cli = b->c;
	int x1, y1, x2, y2;
	struct fbo *dst, *src, bmp_src = { 0 };
	int primary = 0;

	b->nimg = 0;
	b->clip_off = -1;
	b->ndep = 0;
	b->bmp_fi = -1;
	/* The master may draw on the primary surface while a mode is set. */
	if (cli->card && pm(120) && k != DK_COPY_SURF) {
		struct status s;

		status_read(&s);
		if (s.primary_w && s.primary_h) {
			primary = 1;
			b->dst_handle = 0;
			b->dw = s.primary_w;
			b->dh = s.primary_h;
			b->dbpp = 32;
			b->dst_fi = -1;
		}
	}
	if (!primary) {
		dst = pick_surface(cli);
		if (!dst || surf_fmt_index(dst->fmt) < 0)
			return -1;
		b->dst_handle = dst->handle;
		b->dw = dst->w;
		b->dh = dst->h;
		b->dbpp = dst->bpp;
		b->dst_fi = surf_fmt_index(dst->fmt);
	}
	rand_rect(b->dw, b->dh, 64, &x1, &y1, &x2, &y2);
	draw_init(c, DRAW_FILL, b->dst_handle, x1, y1, x2, y2);
	c->d[D_EFFECT] = (uint8_t)(pm(500) ? 1 : rn(8));

	switch (k) {
	case DK_FILL:
	case DK_OTHER:
		put32(c->d + FILL_BRUSH, 1);
		put32(c->d + FILL_BRUSH + 4, rnd32());
		put16(c->d + FILL_ROP, pm(600) ? ROPD_OP_PUT : rand_rop());
		if (k == DK_OTHER) {
			static const uint8_t other[] = { 0, 2, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 0xff };

			c->d[D_TYPE] = other[rn(sizeof(other))];
		}
		break;
	case DK_COPY_SURF:
		src = other_surface(b, b->dbpp);
		if (!src)
			return build_draw(b, DK_COPY_BMP);
		c->d[D_TYPE] = DRAW_COPY;
		if (add_surf_image(b, COPY_SRC, src))
			return -1;
		goto copy_area;
	case DK_COPY_BMP: {
		int fi = (int)rn(NBMP_FMTS);

		c->d[D_TYPE] = DRAW_COPY;
		if (add_bitmap(b, COPY_SRC, 1 + rn(48), 1 + rn(48), fi))
			return -1;
		/* The source area is taken inside the bitmap just written. */
		memcpy(&bmp_src.w, cli->scratch_p + b->img_off[0] + I_X, 4);
		memcpy(&bmp_src.h, cli->scratch_p + b->img_off[0] + I_Y, 4);
		src = &bmp_src;
		goto copy_area;
	}
copy_area: {
		int sx1, sy1, sx2, sy2;

		rand_rect(src->w, src->h, 64, &sx1, &sy1, &sx2, &sy2);
		put_rect(c->d + COPY_AREA, sx1, sy1, sx2, sy2);
		if (pm(700) && (uint32_t)(sx2 - sx1) <= b->dw && (uint32_t)(sy2 - sy1) <= b->dh) {
			/* Unscaled: the bbox has the source area's size. */
			x1 = (int)rn(b->dw - (uint32_t)(sx2 - sx1) + 1);
			y1 = (int)rn(b->dh - (uint32_t)(sy2 - sy1) + 1);
			put_rect(c->d + D_BBOX, x1, y1, x1 + sx2 - sx1, y1 + sy2 - sy1);
		}
		put16(c->d + COPY_ROP, pm(600) ? ROPD_OP_PUT : rand_rop());
		c->d[COPY_ROP + 2] = (uint8_t)rn(2);	/* scale mode */
		break;
	}
	case DK_COPY_BITS: {
		uint32_t w = (uint32_t)(x2 - x1), h = (uint32_t)(y2 - y1);

		c->d[D_TYPE] = DRAW_COPY_BITS;
		put32(c->d + D_U, rn(b->dw - w + 1));
		put32(c->d + D_U + 4, rn(b->dh - h + 1));
		break;
	}
	case DK_COMPOSITE: {
		uint32_t flags = comp_ops[rn(NCOMP_OPS)];

		c->d[D_TYPE] = DRAW_COMPOSITE;
		flags |= rn(2) << 8 | rn(2) << 11;		/* filters: nearest, bilinear */
		flags |= rn(4) << 14 | rn(4) << 16;		/* repeats: none, normal, pad, reflect */
		if (pm(200))
			flags |= 1u << 18;			/* component alpha */
		if (pm(200))
			flags |= rn(8) << 19;			/* derived bits, the kernel recomputes */
		if (!opt.avoid_known && pm(250))
			flags |= (1 + rn(7)) << 22;		/* opaque hints */
		put32(c->d + CMP_FLAGS, flags);
		src = pm(600) ? NULL : other_surface(b, 0);
		/*
		 * The destination-opaque hint on an A8 destination and the
		 * source-opaque hint on an A8 source surface crash the device and
		 * are refused: such commands count with the mutated ones.
		 */
		if (((flags & (1u << 24)) && b->dbpp == 8) || ((flags & (1u << 22)) && src && src->bpp == 8))
			b->known = 1;
		if (src) {
			if (add_surf_image(b, CMP_SRC, src))
				return -1;
		} else if (add_bitmap(b, CMP_SRC, 1 + rn(48), 1 + rn(48), (int)rn(NBMP_FMTS))) {
			return -1;
		}
		if (pm(500)) {
			struct fbo *m = pm(400) ? other_surface(b, 0) : NULL;

			if (m) {
				if (add_surf_image(b, CMP_MASK, m))
					return -1;
			} else if (add_bitmap(b, CMP_MASK, 1 + rn(48), 1 + rn(48),
					      pm(600) ? 4 : (int)rn(NBMP_FMTS))) {
				return -1;
			}
		}
		if (pm(250) && add_transform(b, CMP_SRC_XFORM))
			return -1;
		if (pm(150) && add_transform(b, CMP_MASK + 8))
			return -1;
		put16(c->d + CMP_MASK + 16, (uint16_t)rrange(-8, 64));
		put16(c->d + CMP_MASK + 18, (uint16_t)rrange(-8, 64));
		put16(c->d + CMP_MASK + 20, (uint16_t)rrange(-8, 64));
		put16(c->d + CMP_MASK + 22, (uint16_t)rrange(-8, 64));
		break;
	}
	}
	if (pm(150) && add_clip(b))
		return -1;
	return k;
}

/* ------------------------------------------------------------------ mutations */

/* One mutation of a built command; returns a short name for the trace. */
static const char *mutate_cmd(struct build *b, struct cmd *c)
{
	uint8_t *sp = b->c->scratch_p;
	/* Earlier mutations may have made size and count lie: stay inside our arrays. */
	uint32_t size = c->size >= 4 && c->size <= D_SIZE - 8 ? c->size : D_SIZE - 8;
	uint32_t nr = c->nr <= 128 ? c->nr : 0;

	switch (rn(16)) {
	case 0: {
		uint32_t bit = rn(size * 8);

		c->d[8 + bit / 8] ^= (uint8_t)(1u << (bit % 8));
		return "bit flip";
	}
	case 1:
		put32(c->d + 8 + rn(size - 3), boundary32());
		return "boundary value in the command";
	case 2:
		if (nr)
			c->r[rn(nr)].src_handle = pick_handle(b->c, 0xff);
		return "reloc src_handle";
	case 3:
		if (nr)
			c->r[rn(nr)].dst_handle = pm(500) ? 0 : pick_handle(b->c, 0xff);
		return "reloc dst_handle";
	case 4:
		if (nr) {
			struct drm_qxl_reloc *r = &c->r[rn(nr)];

			switch (rn(4)) {
			case 0: r->reloc_type = pm(500) ? 3 - r->reloc_type : boundary32(); break;
			case 1: r->pad = rnd32() | 1; break;
			case 2: r->src_offset = pm(500) ? boundary64() : rn(SCRATCH_SIZE + 8); break;
			case 3: r->dst_offset = pm(500) ? boundary64() : rn(200); break;
			}
		}
		return "reloc field";
	case 5:
		if (nr) {
			c->r[rn(nr)] = c->r[nr - 1];
			c->nr = nr - 1;
		}
		return "reloc dropped";
	case 6:
		if (nr && nr < 128) {
			c->r[nr] = c->r[rn(nr)];
			c->nr = nr + 1;
		}
		return "reloc duplicated";
	case 7:
		switch (rn(4)) {
		case 0: c->type = pm(500) ? rn(8) : boundary32(); break;
		case 1: c->size = pm(500) ? rn(D_SIZE) : boundary32(); break;
		case 2: c->nr = pm(500) ? 97 + rn(32) : boundary32(); break;
		case 3: c->size = 1 + rn(size); break;
		}
		return "command header";
	case 8:
		if (c->d[D_TYPE] == DRAW_COMPOSITE) {
			uint32_t f;

			memcpy(&f, c->d + CMP_FLAGS, 4);
			f ^= 1u << rn(32);
			put32(c->d + CMP_FLAGS, f);
			return "composite flag bit";
		}
		put32(c->d + D_BBOX + 4 * rn(4), boundary32());
		return "bbox";
	case 9:
	case 10:
		if (b->nimg) {
			uint32_t off = b->img_off[rn(b->nimg)];

			switch (rn(9)) {
			case 0: sp[off + I_TYPE] = pm(500) ? (uint8_t)rn(120) : (uint8_t)rnd32(); break;
			case 1: sp[off + I_FMT] = (uint8_t)rn(16); break;
			case 2: sp[off + I_BFLAGS] ^= (uint8_t)(1u << rn(8)); break;
			case 3: put32(sp + off + I_X, boundary32()); break;
			case 4: put32(sp + off + I_Y, boundary32()); break;
			case 5: put32(sp + off + I_STRIDE, boundary32()); break;
			case 6: put64(sp + off + I_PALETTE, boundary64() | 1); break;
			case 7: put64(sp + off + I_DATA, boundary64()); break;
			case 8: put32(sp + off + I_X, 8192); put32(sp + off + I_Y, 8192);
				put32(sp + off + I_STRIDE, 32768); break;
			}
			return "image field";
		}
		return "image field (no image)";
	case 11:
		for (int i = 0; i < b->nimg; i++) {
			int ch = b->img_chunk_off[i];

			if (ch >= 0) {
				if (pm(500))
					put32(sp + ch, pm(500) ? boundary32() : rn(4096));
				else
					put64(sp + ch + CHUNK_NEXT, boundary64());
				return "chunk header";
			}
		}
		return "chunk header (no chunk)";
	case 12:
		if (b->clip_off >= 0) {
			switch (rn(4)) {
			case 0: put32(sp + b->clip_off, pm(500) ? 0 : boundary32()); break;
			case 1: put32(sp + b->clip_off + 4, boundary32()); break;
			case 2: put64(sp + b->clip_off + 16, boundary64() | 1); break;
			case 3: put32(sp + b->clip_off + 24 + 4 * rn(4), boundary32()); break;
			}
			return "clip list";
		}
		put32(c->d + D_CLIP, pm(500) ? 1 : boundary32());
		return "clip type";
	case 13:
		c->d[D_EFFECT] = (uint8_t)(pm(500) ? rn(16) : rnd32());
		c->d[D_SELF] = (uint8_t)rn(2);
		return "effect/self_bitmap";
	case 14:
		put32(c->d + D_SURF_DEST + 4 * rn(3), pm(500) ? rn(64) : boundary32());
		return "surfaces_dest";
	}
	put_rect(c->d + D_SURF_RECTS + 16 * rn(3), (int)boundary32(), 0, (int)rn(128), (int)rn(128));
	return "dependency rect";
}

/* ------------------------------------------------------------------ operations */

static void op_exec(struct client *c)
{
	static struct cmd cmds[4];
	struct drm_qxl_command qc[4] = { 0 };	/* entries past n read as type 0 */
	struct drm_qxl_execbuffer eb = { 0 };
	struct build b = { .c = c };
	int n = pm(900) ? 1 : 2 + (int)rn(3), kind = -1, mutated = 0, ret, toctou, render, known = 0;
	const char *mut = "";
	char mutbuf[96] = "", what[96] = "";

	if (ensure_scratch(c))
		return;
	b.used = rn(64);
	for (int i = 0; i < n; i++) {
		int k = (int)rn(1000), got;

		/* composite is the biggest input space: give it the most weight */
		k = k < 150 ? DK_FILL : k < 330 ? DK_COPY_BMP : k < 450 ? DK_COPY_SURF :
		    k < 550 ? DK_COPY_BITS : k < 960 ? DK_COMPOSITE : DK_OTHER;
		/* A batch with a draw type refused by design would be refused whole. */
		if (n > 1 && k == DK_OTHER)
			k = DK_FILL;
		b.cmd = &cmds[i];
		got = build_draw(&b, k);
		if (got < 0) {
			n = i;
			break;
		}
		if (!i) {
			uint32_t f;

			kind = got;
			memcpy(&f, cmds[0].d + CMP_FLAGS, 4);
			/* For the trace and failure lines: where it draws, and how. */
			if (b.dst_handle)
				snprintf(what, sizeof(what), "on handle %u (fmt %u, %ux%u)",
					 b.dst_handle, surf_fmts[b.dst_fi].fmt, b.dw, b.dh);
			else
				snprintf(what, sizeof(what), "on the primary (%ux%u)", b.dw, b.dh);
			if (got == DK_COMPOSITE)
				snprintf(what + strlen(what), sizeof(what) - strlen(what),
					 " flags 0x%08x", f);
		}
		if (b.known) {
			mutated = 1;
			known = 1;
			snprintf(mutbuf + strlen(mutbuf), sizeof(mutbuf) - strlen(mutbuf), "%sopaque hint on A8",
				 mutbuf[0] ? ", " : "");
			b.known = 0;
		}
		if (!i && b.dst_fi >= 0)
			dst_fmt_seen |= 1u << b.dst_fi;
		if (b.bmp_fi >= 0)
			bmp_fmt_seen |= 1u << b.bmp_fi;
		if (pm(opt.mutate)) {
			int m = 1 + (int)rn(3);

			for (int j = 0; j < m; j++) {
				mut = mutate_cmd(&b, &cmds[i]);
				snprintf(mutbuf + strlen(mutbuf), sizeof(mutbuf) - strlen(mutbuf), "%s%s",
					 mutbuf[0] ? ", " : "", mut);
			}
			mutated = 1;
		}
		if (opt.avoid_known && cmds[i].d[D_TYPE] == DRAW_COMPOSITE) {
			uint32_t f;

			memcpy(&f, cmds[i].d + CMP_FLAGS, 4);
			put32(cmds[i].d + CMP_FLAGS, f & ~(7u << 22));
		}
	}
	if (!n)
		goto out;
	if (n > 1)
		kind = DK_BATCH;
	for (int i = 0; i < n; i++)
		qc[i] = (struct drm_qxl_command){ .command = (uintptr_t)(cmds[i].d + 8),
			.relocs = (uintptr_t)cmds[i].r, .type = cmds[i].type,
			.command_size = cmds[i].size, .relocs_num = cmds[i].nr,
			/* upstream's Xorg driver leaves pad uninitialised: accepted */
			.pad = pm(50) ? rnd32() : 0 };
	eb.commands_num = (uint32_t)n;
	eb.commands = (uintptr_t)qc;
	if (pm(opt.mutate / 8)) {
		mutated = 1;
		switch (rn(6)) {
		case 0: eb.flags = 1u << rn(32); strcpy(mutbuf, "exec flags"); break;
		case 1: eb.commands_num = pm(500) ? 0 : 65 + rn(1000); strcpy(mutbuf, "exec count"); break;
		case 2: eb.commands = pm(500) ? 16 : boundary64(); strcpy(mutbuf, "exec pointer"); break;
		case 3: qc[0].command = pm(500) ? 0 : boundary64(); strcpy(mutbuf, "command pointer"); break;
		case 4: qc[0].relocs = pm(500) ? 0 : boundary64(); strcpy(mutbuf, "relocs pointer"); break;
		case 5: eb.commands_num = (uint32_t)n + 1 + rn(3); strcpy(mutbuf, "count past the array"); break;
		}
		/* The kernel would read past qc[]: keep counts it accepts within the array. */
		if (eb.commands_num > 4 && eb.commands_num <= 64)
			eb.commands_num = 4;
	}
	snprintf(desc, sizeof(desc), "%s EXECBUFFER %s x%d %s%s%s", c->name, dk_names[kind], n,
		 what, mutated ? " mutated: " : "", mutbuf);
	if (tracing())
		printf("fuzz: it %" PRIu64 " %s\n", iter, desc);
	/* Drawn before the call: the PRNG stream must not depend on its result. */
	toctou = pm(100);
	render = pm(300);
	ret = fz_ioctl(c, "EXECBUFFER", DRM_IOCTL_QXL_EXECBUFFER, &eb, 0);
	dstat[kind][mutated][!ret]++;
	known_submitted += known;
	known_accepted += known && !ret;
	if (!ret && !mutated && kind == DK_COMPOSITE) {
		uint32_t f;

		memcpy(&f, cmds[0].d + CMP_FLAGS, 4);
		for (unsigned int i = 0; i < NCOMP_OPS; i++)
			if (comp_ops[i] == (f & 0xff))
				comp_op_seen |= 1ull << i;
	}
	if (ret && !mutated && kind != DK_OTHER && clean_refusals_shown < 10) {
		clean_refusals_shown++;
		printf("fuzz: note: iteration %" PRIu64 ": unmutated %s refused: %s\n", iter,
		       dk_names[kind], strerror(-ret));
	}
	/* Time of check vs. time of use: rewrite what the kernel verified. */
	if (!ret && b.nimg && toctou) {
		put64(c->scratch_p + b.img_off[0] + I_DATA, rnd());
		put32(c->scratch_p + b.img_off[0] + I_X, boundary32());
	}
	/* Make the device render now (it does lazily): that is where it would crash. */
	if (!ret && b.dst_handle && render) {
		struct drm_qxl_update_area u = { .handle = b.dst_handle, .right = b.dw, .bottom = b.dh };

		fz_ioctl(c, "UPDATE_AREA(after exec)", DRM_IOCTL_QXL_UPDATE_AREA, &u, 0);
	}
out:
	/* The commands hold their buffers: closing them now is what the Xorg driver does. */
	for (int i = 0; i < b.ntmp; i++) {
		struct drm_gem_close gc = { .handle = b.tmp[i] };

		fz_ioctl(c, "GEM_CLOSE(chunk)", DRM_IOCTL_GEM_CLOSE, &gc, 0);
	}
}

static void op_update(struct client *c)
{
	struct drm_qxl_update_area u = { 0 };
	struct fbo *s = pick_bo(c, 1u << K_SURF);
	int x1 = 0, y1 = 0, x2 = 1, y2 = 1;

	if (s && pm(900)) {
		u.handle = s->handle;
		rand_rect(s->w, s->h, 8192, &x1, &y1, &x2, &y2);
	} else {
		u.handle = pick_handle(c, 0xff);
		rand_rect(64, 64, 64, &x1, &y1, &x2, &y2);
	}
	u.left = (uint32_t)x1;
	u.top = (uint32_t)y1;
	u.right = (uint32_t)x2;
	u.bottom = (uint32_t)y2;
	if (pm(200)) {
		switch (rn(5)) {
		case 0: u.pad = rnd32() | 1; break;
		case 1: u.right = u.left; break;
		case 2: u.bottom = boundary32(); break;
		case 3: u.left = boundary32(); break;
		case 4: u.right = s ? s->w + 1 : 65; break;
		}
	}
	snprintf(desc, sizeof(desc), "%s UPDATE_AREA handle %u (%u,%u)-(%u,%u) pad %u", c->name,
		 u.handle, u.left, u.top, u.right, u.bottom, u.pad);
	fz_ioctl(c, "UPDATE_AREA", DRM_IOCTL_QXL_UPDATE_AREA, &u, 0);
}

static void op_close(struct client *c, int prefer_big)
{
	struct drm_gem_close gc = { 0 };
	struct fbo *big = NULL;

	if (prefer_big) {
		for (int i = 0; i < c->nbo; i++)
			if (!big || c->bo[i].size > big->size)
				big = &c->bo[i];
		gc.handle = big ? big->handle : 0;
	} else {
		gc.handle = pick_handle(c, 0xff);
	}
	if (pm(30))
		gc.pad = rnd32() | 1;
	snprintf(desc, sizeof(desc), "%s GEM_CLOSE %u pad %u", c->name, gc.handle, gc.pad);
	if (!fz_ioctl(c, "GEM_CLOSE", DRM_IOCTL_GEM_CLOSE, &gc, 0))
		forget_bo(c, gc.handle);
}

static void op_alloc(struct client *c)
{
	struct drm_qxl_alloc a = { 0 };
	struct fbo b = { .kind = K_BO };

	if (c->nbo >= MAX_BOS - 4 || client_bytes(c) > CLIENT_BUDGET) {
		op_close(c, client_bytes(c) > CLIENT_BUDGET);
		return;
	}
	switch (rn(10)) {
	case 0: a.size = boundary32(); break;
	case 1: a.size = (1 + rn(64)) << 16; break;		/* up to 4 MiB */
	case 2: a.size = pm(500) ? 48u << 20 : 1u << (20 + rn(7)); break;	/* the share, the BAR */
	default: a.size = 1 + rn(65536); break;
	}
	a.handle = pm(100) ? rnd32() : 0;	/* output only */
	snprintf(desc, sizeof(desc), "%s ALLOC size %u", c->name, a.size);
	if (!fz_ioctl(c, "ALLOC", DRM_IOCTL_QXL_ALLOC, &a, 0)) {
		b.handle = a.handle;
		b.size = a.size;
		track(c, &b);
	}
}

static void op_alloc_surf(struct client *c)
{
	if (c->nbo >= MAX_BOS - 4 || client_bytes(c) > CLIENT_BUDGET) {
		op_close(c, client_bytes(c) > CLIENT_BUDGET);
		return;
	}
	surf_new(c, rn(NSURF_FMTS), 1 + rn(pm(900) ? 128 : 1024), 1 + rn(pm(900) ? 128 : 1024),
		 pm(250));
}

static void op_map(struct client *c)
{
	struct drm_qxl_map m = { 0 };
	struct fbo *b = pick_bo(c, 0xff);
	struct client *other = c;
	uint32_t pages, len;
	uint64_t off;
	uint8_t *p;

	m.handle = b && pm(900) ? b->handle : pick_handle(c, 0xff);
	b = find_bo(c, m.handle);
	if (pm(50))
		m.pad = rnd32() | 1;
	m.offset = pm(100) ? rnd() : 0;		/* output only */
	snprintf(desc, sizeof(desc), "%s MAP handle %u pad %u", c->name, m.handle, m.pad);
	if (fz_ioctl(c, "MAP", DRM_IOCTL_QXL_MAP, &m, 0))
		return;
	pages = b ? (b->size + 4095) / 4096 : 1;
	len = 4096 * (pm(600) ? pages : 1 + rn(pages));
	off = m.offset;
	if (pm(100)) {
		switch (rn(3)) {
		case 0: len += 4096 * (1 + rn(4)); break;	/* past the object */
		case 1: off += 4096; break;			/* not the object's start */
		case 2: other = &cl[rn(NCLIENTS)]; break;	/* someone else's file */
		}
	}
	snprintf(desc, sizeof(desc), "%s mmap handle %u len %u off 0x%" PRIx64 " on %s", c->name,
		 m.handle, len, off, other->name);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, other->fd, (off_t)off);
	if (p == MAP_FAILED) {
		if (!errno_documented(errno, 0))
			violation("mmap", errno);
		return;
	}
	touch(p, len, "a fresh mapping");
	if (len > 4096 && pm(500)) {
		/* Partial munmap: the first, the last or a middle page. */
		uint32_t np = len / 4096, at = rn(3) == 0 ? 0 : pm(500) ? np - 1 : rn(np);

		munmap(p + (size_t)at * 4096, 4096);
		if (at)
			map_add(other, p, (size_t)at * 4096);
		if (at + 1 < np)
			map_add(other, p + (size_t)(at + 1) * 4096, (size_t)(np - at - 1) * 4096);
	} else if (pm(300)) {
		munmap(p, len);
	} else {
		map_add(other, p, len);
	}
}

static void op_touch(void)
{
	int i;

	if (!nmaps)
		return;
	i = (int)rn((uint32_t)nmaps);
	snprintf(desc, sizeof(desc), "touch mapping %p len %zu", (void *)maps[i].p, maps[i].len);
	touch(maps[i].p, maps[i].len, "an older mapping");
	if (pm(200)) {
		munmap(maps[i].p, maps[i].len);
		maps[i] = maps[--nmaps];
	}
}

static void op_wait(struct client *c)
{
	static const uint64_t timeouts[] = { 0, 1, 1000, 100000, 1000000, 5000000, 20000000,
					     50000000 };
	struct drm_qxl_ng_wait w = { 0 };

	w.handle = pick_handle(c, 0xff);
	w.timeout_ns = timeouts[rn(sizeof(timeouts) / sizeof(timeouts[0]))];
	if (pm(100)) {
		switch (rn(3)) {
		case 0: w.flags = 1u << rn(32); break;
		case 1: w.timeout_ns = QXL_NG_WAIT_MAX_NS + 1 + rn(2); break;
		case 2: w.timeout_ns = boundary64() | (1ull << 63); break;
		}
	}
	snprintf(desc, sizeof(desc), "%s WAIT handle %u flags 0x%x timeout %" PRIu64 " ns", c->name,
		 w.handle, w.flags, (uint64_t)w.timeout_ns);
	fz_ioctl(c, "WAIT", DRM_IOCTL_QXL_NG_WAIT, &w, 0);
}

static void op_getparam(struct client *c)
{
	static const uint64_t params[] = { QXL_PARAM_NUM_SURFACES, QXL_PARAM_MAX_RELOCS,
		QXL_NG_PARAM_DRIVER_VERSION, QXL_NG_PARAM_CLIENT_CAPS, QXL_NG_PARAM_CLIENT_CAPS_SEQ };
	struct drm_qxl_getparam g = { .value = rnd() };

	g.param = pm(850) ? params[rn(5)] : boundary64();
	snprintf(desc, sizeof(desc), "%s GETPARAM %" PRIu64, c->name, (uint64_t)g.param);
	fz_ioctl(c, "GETPARAM", DRM_IOCTL_QXL_GETPARAM, &g, 0);
}

static void op_clientcap(struct client *c)
{
	struct drm_qxl_clientcap cc = { .index = pm(800) ? rn(8) : boundary32() };

	if (pm(100))
		cc.pad = rnd32() | 1;
	snprintf(desc, sizeof(desc), "%s CLIENTCAP %u pad %u", c->name, cc.index, cc.pad);
	fz_ioctl(c, "CLIENTCAP", DRM_IOCTL_QXL_CLIENTCAP, &cc, OKX_EOPNOTSUPP);
}

static void op_damage(struct client *c)
{
	static struct drm_mode_rect rects[QXL_NG_DAMAGE_MAX_RECTS + 16];
	struct drm_qxl_ng_scanout_damage d = { 0 };
	struct client *card = &cl[0];

	d.crtc_id = pm(800) && card->crtc_id ? card->crtc_id : pm(500) ? rn(64) : boundary32();
	d.max_rects = 1 + rn(QXL_NG_DAMAGE_MAX_RECTS);
	d.rects_ptr = (uintptr_t)rects;
	if (pm(200)) {
		switch (rn(6)) {
		case 0: d.max_rects = pm(500) ? 0 : QXL_NG_DAMAGE_MAX_RECTS + 1 + rn(1000); break;
		case 1: d.rects_ptr = 0; break;
		/* Addresses that are never ours: the kernel must fault, not write. */
		case 2: d.rects_ptr = pm(500) ? 0x1000 : 0xffff800000000000ull; break;
		case 3: d.flags = 1u << rn(32); break;
		case 4: d.pad = rnd32() | 1; break;
		case 5: d.num_rects = rnd32(); d.fb_id = rnd32(); d.seq = rnd(); break;	/* outputs */
		}
	}
	snprintf(desc, sizeof(desc), "%s SCANOUT_DAMAGE crtc %u max %u ptr 0x%" PRIx64, c->name,
		 d.crtc_id, d.max_rects, (uint64_t)d.rects_ptr);
	fz_ioctl(c, "SCANOUT_DAMAGE", DRM_IOCTL_QXL_NG_SCANOUT_DAMAGE, &d, 0);
}

/* Light KMS on the card node: dumb buffers, ADDFB2, DIRTYFB, a rare SETCRTC, RMFB. */
static void op_kms(struct client *c)
{
	int what = (int)rn(10);

	if (!c->card) {
		/* Not a render-node ioctl: refused with EACCES. */
		struct drm_mode_create_dumb cd = { .width = 16, .height = 16, .bpp = 32 };

		snprintf(desc, sizeof(desc), "%s CREATE_DUMB on a render node", c->name);
		if (!fz_ioctl(c, "CREATE_DUMB", DRM_IOCTL_MODE_CREATE_DUMB, &cd, 0)) {
			struct fbo b = { .handle = cd.handle, .kind = K_DUMB, .size = (uint32_t)cd.size };

			track(c, &b);
		}
		return;
	}
	if ((what < 3 || !c->nfb) && c->nfb < MAX_FBS && c->nbo < MAX_BOS - 2) {
		struct drm_mode_create_dumb cd = { .bpp = 32 };
		struct drm_mode_fb_cmd2 f = { 0 };
		struct drm_mode_map_dumb md = { 0 };
		struct kfbuf *kf = &c->fb[c->nfb];
		int full = c->have_mode && pm(400);

		cd.width = full ? c->mode.hdisplay : 16 + rn(512);
		cd.height = full ? c->mode.vdisplay : 16 + rn(384);
		if (pm(80))
			cd.bpp = pm(500) ? boundary32() : 8 * rn(8);
		snprintf(desc, sizeof(desc), "%s CREATE_DUMB %ux%u bpp %u", c->name, cd.width,
			 cd.height, cd.bpp);
		if (fz_ioctl(c, "CREATE_DUMB", DRM_IOCTL_MODE_CREATE_DUMB, &cd, 0))
			return;
		{
			struct fbo b = { .handle = cd.handle, .kind = K_DUMB, .size = (uint32_t)cd.size };

			track(c, &b);
		}
		f.width = cd.width;
		f.height = cd.height;
		f.pixel_format = DRM_FORMAT_XRGB8888;
		f.handles[0] = cd.handle;
		f.pitches[0] = cd.pitch;
		if (pm(100)) {
			switch (rn(4)) {
			case 0: f.pixel_format = rnd32(); break;
			case 1: f.pitches[0] = boundary32(); break;
			case 2: f.width = boundary32(); break;
			case 3: f.handles[0] = pick_handle(c, 0xff); break;
			}
		}
		snprintf(desc, sizeof(desc), "%s ADDFB2 %ux%u pitch %u fmt 0x%x handle %u", c->name,
			 f.width, f.height, f.pitches[0], f.pixel_format, f.handles[0]);
		if (fz_ioctl(c, "ADDFB2", DRM_IOCTL_MODE_ADDFB2, &f, OKX_ERANGE))
			return;
		*kf = (struct kfbuf){ .fb_id = f.fb_id, .handle = cd.handle, .w = cd.width,
				      .h = cd.height, .pitch = cd.pitch, .size = cd.size };
		c->nfb++;
		md.handle = cd.handle;
		if (!fz_ioctl(c, "MAP_DUMB", DRM_IOCTL_MODE_MAP_DUMB, &md, 0)) {
			uint32_t *px = mmap(NULL, cd.size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd,
					    (off_t)md.offset);

			if (px != MAP_FAILED) {
				uint32_t col = rnd32();

				for (uint64_t i = 0; i < cd.size / 4; i++)
					px[i] = col;
				munmap(px, cd.size);
			} else if (!errno_documented(errno, 0)) {
				violation("mmap(dumb)", errno);
			}
		}
		return;
	}
	if (!c->nfb)
		return;
	{
		int i = (int)rn((uint32_t)c->nfb);
		struct kfbuf *kf = &c->fb[i];

		if (what < 8) {
			struct drm_mode_fb_dirty_cmd dc = { .fb_id = kf->fb_id };
			struct drm_clip_rect clips[16];
			uint32_t n = rn(9);

			for (uint32_t j = 0; j < n; j++) {
				int x1, y1, x2, y2;

				rand_rect(kf->w, kf->h, 256, &x1, &y1, &x2, &y2);
				clips[j] = (struct drm_clip_rect){ (unsigned short)x1, (unsigned short)y1,
								   (unsigned short)x2, (unsigned short)y2 };
				if (pm(50))
					clips[j].x2 = (unsigned short)rnd32();
			}
			dc.num_clips = n;
			dc.clips_ptr = (uintptr_t)clips;
			if (pm(50))
				dc.num_clips = pm(500) ? 16 + rn(5000) : boundary32();
			if (dc.num_clips > 16)
				dc.clips_ptr = pm(500) ? 0 : 0xffff800000000000ull;	/* kernel only reads */
			if (pm(30))
				dc.flags = rnd32();
			snprintf(desc, sizeof(desc), "%s DIRTYFB fb %u clips %u flags 0x%x", c->name,
				 dc.fb_id, dc.num_clips, dc.flags);
			fz_ioctl(c, "DIRTYFB", DRM_IOCTL_MODE_DIRTYFB, &dc, OKX_ENOSYS);
		} else if (what == 8 && c->have_mode && kf->w >= c->mode.hdisplay &&
			   kf->h >= c->mode.vdisplay) {
			struct drm_mode_crtc cr = { 0 };

			cr.crtc_id = c->crtc_id;
			cr.fb_id = kf->fb_id;
			cr.set_connectors_ptr = (uintptr_t)&c->conn_id;
			cr.count_connectors = 1;
			cr.mode_valid = 1;
			memcpy(&cr.mode, &c->mode, sizeof(cr.mode));
			snprintf(desc, sizeof(desc), "%s SETCRTC fb %u", c->name, kf->fb_id);
			fz_ioctl(c, "SETCRTC", DRM_IOCTL_MODE_SETCRTC, &cr, OKX_EPERM);
		} else {
			struct drm_mode_destroy_dumb dd = { .handle = kf->handle };
			uint32_t fb = kf->fb_id;

			snprintf(desc, sizeof(desc), "%s RMFB %u + DESTROY_DUMB %u", c->name, fb,
				 kf->handle);
			fz_ioctl(c, "RMFB", DRM_IOCTL_MODE_RMFB, &fb, OKX_EPERM);
			if (!fz_ioctl(c, "DESTROY_DUMB", DRM_IOCTL_MODE_DESTROY_DUMB, &dd, 0))
				forget_bo(c, dd.handle);
			c->fb[i] = c->fb[--c->nfb];
		}
	}
}

/*
 * A driver ioctl with random bytes, with the real or a truncated size
 * (the DRM core zero-extends), or an unknown number. Pointers in the
 * random bytes are random too; the one output pointer (SCANOUT_DAMAGE) is
 * pointed at a buffer of ours so the kernel never writes into our memory.
 */
static void op_raw(struct client *c)
{
	static const struct { unsigned int nr, size, dir; } io[] = {
		{ DRM_QXL_ALLOC, sizeof(struct drm_qxl_alloc), _IOC_READ | _IOC_WRITE },
		{ DRM_QXL_MAP, sizeof(struct drm_qxl_map), _IOC_READ | _IOC_WRITE },
		{ DRM_QXL_EXECBUFFER, sizeof(struct drm_qxl_execbuffer), _IOC_WRITE },
		{ DRM_QXL_UPDATE_AREA, sizeof(struct drm_qxl_update_area), _IOC_WRITE },
		{ DRM_QXL_GETPARAM, sizeof(struct drm_qxl_getparam), _IOC_READ | _IOC_WRITE },
		{ DRM_QXL_CLIENTCAP, sizeof(struct drm_qxl_clientcap), _IOC_WRITE },
		{ DRM_QXL_ALLOC_SURF, sizeof(struct drm_qxl_alloc_surf), _IOC_READ | _IOC_WRITE },
		{ DRM_QXL_NG_SCANOUT_DAMAGE, sizeof(struct drm_qxl_ng_scanout_damage),
		  _IOC_READ | _IOC_WRITE },
		{ DRM_QXL_NG_WAIT, sizeof(struct drm_qxl_ng_wait), _IOC_WRITE },
	};
	static struct drm_mode_rect sink[QXL_NG_DAMAGE_MAX_RECTS];
	union {
		uint64_t raw[64];
		uint32_t w[128];
		struct drm_qxl_alloc alloc;
		struct drm_qxl_alloc_surf surf;
		struct drm_qxl_ng_scanout_damage damage;
		struct drm_qxl_ng_wait wait;
	} u;
	unsigned int i = rn(sizeof(io) / sizeof(io[0])), nr = io[i].nr, size = io[i].size;
	unsigned long req;
	int ret;

	fill_random((uint8_t *)u.raw, sizeof(u.raw));
	if (pm(300))
		for (unsigned int k = 0; k < size / 4; k++)
			if (pm(500))
				u.w[k] = pm(500) ? 0 : boundary32();
	if (nr == DRM_QXL_NG_SCANOUT_DAMAGE) {
		u.damage.rects_ptr = (uintptr_t)sink;
		if (u.damage.max_rects > QXL_NG_DAMAGE_MAX_RECTS && pm(500))
			u.damage.max_rects = rn(QXL_NG_DAMAGE_MAX_RECTS + 1);
	}
	if (nr == DRM_QXL_NG_WAIT && u.wait.timeout_ns <= QXL_NG_WAIT_MAX_NS)
		u.wait.timeout_ns %= 50000000;	/* keep it short */
	if (nr == DRM_QXL_ALLOC && pm(700))
		u.alloc.size %= 1u << 20;
	switch (rn(8)) {
	case 0: size = rn(size); break;					/* truncated */
	case 1: nr = 7 + rn(0x19); break;				/* between the ranges */
	case 2: nr = 0x22 + rn(0x1e); break;				/* past qxl-ng's */
	}
	req = _IOC(io[i].dir, DRM_IOCTL_BASE, DRM_COMMAND_BASE + nr, size);
	snprintf(desc, sizeof(desc), "%s raw ioctl nr 0x%x size %u", c->name, nr, size);
	ret = fz_ioctl(c, "raw ioctl", req, &u, nr == DRM_QXL_CLIENTCAP ? OKX_EOPNOTSUPP : 0);
	if (ret || size != io[i].size)
		return;
	/* What it created is the client's now. */
	if (nr == DRM_QXL_ALLOC) {
		struct fbo b = { .handle = u.alloc.handle, .kind = K_BO, .size = u.alloc.size };

		if (!track(c, &b))
			op_close(c, 0);
	} else if (nr == DRM_QXL_ALLOC_SURF) {
		struct drm_qxl_alloc_surf *s = &u.surf;
		int fi = surf_fmt_index(s->format);
		struct fbo b = { .handle = s->handle, .kind = K_SURF, .fmt = s->format, .w = s->width,
				 .h = s->height, .stride = s->stride, .bpp = fi >= 0 ? surf_fmts[fi].bpp : 32,
				 .size = (uint32_t)((uint64_t)(s->stride < 0 ? -(int64_t)s->stride :
						     s->stride) * s->height) };

		if (!track(c, &b))
			op_close(c, 0);
	}
}

static void op_reopen(struct client *c)
{
	snprintf(desc, sizeof(desc), "%s reopened with %d buffers", c->name, c->nbo);
	client_close(c);
	if (client_open(c)) {
		printf("fuzz: FAIL iteration %" PRIu64 ": reopening %s: %s\n", iter, c->name,
		       strerror(errno));
		violation("open", errno);
	}
}

/* ------------------------------------------------------------------ final checks */

/* A new render client draws a fill and reads it back: the device still works. */
static void check_renders(void)
{
	const uint32_t color = 0x2c7fb8, w = 64, h = 64;
	int fd = open("/dev/dri/renderD128", O_RDWR | O_CLOEXEC), ret, bad = -1, busy = 0;
	uint32_t surf = 0, *px;

	if (fd < 0) {
		qt_result("fuzz-device-renders", QT_FAIL, "open renderD128: %s", strerror(errno));
		return;
	}
	ret = qc_surf_alloc(fd, FMT_XRGB, w, h, (int32_t)w * 4, &surf);
	if (!ret)
		ret = qc_fill(fd, surf, 0, 0, (int)w, (int)h, color);
	/*
	 * EBUSY: the device is still rendering what the fuzzer queued (each
	 * try waits 5 s in the driver); a client retries. At most 8 tries: the fuzz
	 * suite's 300 s bound holds 150 s of fuzzing, 60 s of idle wait, these 40 s.
	 */
	if (!ret)
		while ((ret = qc_update(fd, surf, 0, 0, (int)w, (int)h)) == -EBUSY && busy < 7)
			busy++;
	if (!ret) {
		px = bo_map(fd, surf, w * h * 4);
		if (px) {
			bad = 0;
			for (uint32_t i = 0; i < w * h; i++)
				bad += (px[i] & 0xffffff) != color;
			munmap(px, w * h * 4);
		} else {
			ret = -errno;
		}
	}
	qt_result("fuzz-device-renders", !ret && !bad ? QT_PASS : QT_FAIL,
		  "fresh client: ALLOC_SURF + FILL 0x%06x + UPDATE_AREA + MAP: ret %d (%s), %d of %u pixels wrong; UPDATE_AREA answered EBUSY %d times first",
		  color, ret, ret ? strerror(-ret) : "ok", bad, w * h, busy);
	if (surf)
		qc_gem_close(fd, surf);
	close(fd);
}

/*
 * A known picture on the display, checked by the host in the screendump
 * and, if a client was connected when the fuzzing started, in the client
 * too: "screen" alone would pass on the screendump once the client is gone.
 */
static void check_host(void)
{
	const uint32_t bg = 0x1d3557, fg = 0xe63946;
	struct kdev d;
	struct kfb fb;
	drmModeClip clip;
	int ret = kms_open(&d);

	if (ret) {
		qt_result("fuzz-qemu-and-client-alive", QT_FAIL, "open card0: %s", strerror(-ret));
		return;
	}
	ret = kfb_create(&d, &fb, d.pref.hdisplay, d.pref.vdisplay);
	if (!ret) {
		kfb_fill(&fb, 0, 0, fb.w, fb.h, bg);
		kfb_fill(&fb, 40, 30, 120, 90, fg);
		ret = kms_set(&d, &fb, &d.pref);
	}
	if (!ret) {
		clip = (drmModeClip){ 0, 0, (unsigned short)fb.w, (unsigned short)fb.h };
		kms_dirty(&d, &fb, &clip, 1);
		ret = qt_host("screendump-only %u %u 0x%06x 40 30 120 90 0x%06x", fb.w, fb.h, bg, fg);
		if (!ret && client_at_start)
			ret = qt_host("spice-only %u %u 0x%06x 40 30 120 90 0x%06x", fb.w, fb.h, bg,
				      fg) ? -2 : 0;
		qt_result("fuzz-qemu-and-client-alive", ret ? QT_FAIL : QT_PASS,
			  "a %ux%u picture after the fuzzing: %s%s", fb.w, fb.h,
			  ret == -1 ? "not in the screendump" : ret == -2 ?
			  "in the screendump but not in the SPICE client" : "in the screendump",
			  ret || !client_at_start ? "" : " and in the SPICE client");
	} else {
		qt_result("fuzz-qemu-and-client-alive", QT_FAIL, "modeset for the check: %s",
			  strerror(-ret));
	}
	kfb_destroy(&d, &fb);
	close(d.fd);
}

/* ------------------------------------------------------------------ main */

static int parse_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '='), *end;
		uint64_t v;

		if (!eq)
			return -1;
		v = strtoull(eq + 1, &end, 0);
		if (*end || end == eq + 1)
			return -1;
		*eq = '\0';
		if (!strcmp(argv[i], "seed"))
			opt.seed = v;
		else if (!strcmp(argv[i], "iters"))
			opt.iters = v;
		else if (!strcmp(argv[i], "seconds"))
			opt.seconds = v;
		else if (!strcmp(argv[i], "avoid-known"))
			opt.avoid_known = !!v;
		else if (!strcmp(argv[i], "trace"))
			opt.trace_from = v;
		else if (!strcmp(argv[i], "deps") && v <= 1000)
			opt.deps = (unsigned int)v;
		else if (!strcmp(argv[i], "mutate") && v <= 1000)
			opt.mutate = (unsigned int)v;
		else
			return -1;
	}
	return 0;
}

static void print_stats(double secs)
{
	int first_missing = -1, nmissing = 0;

	printf("fuzz: seed=%" PRIu64 " %" PRIu64 " iterations in %.1f s (%.0f/s)%s\n", opt.seed,
	       iter, secs, iter / (secs > 0 ? secs : 1), opt.avoid_known ? " avoid-known=1" : "");
	for (int o = 0; o < NOPS; o++)
		printf("fuzz: op %-15s %7" PRIu64 " calls, ioctls %7" PRIu64 " ok %7" PRIu64 " failed\n",
		       op_names[o], ostat[o].calls, ostat[o].ok, ostat[o].err);
	printf("fuzz: EXECBUFFER per draw kind: clean accepted/refused, mutated accepted/refused\n");
	for (int k = 0; k < NDK; k++)
		printf("fuzz:   %-16s clean %6" PRIu64 " / %-6" PRIu64 " mutated %6" PRIu64 " / %" PRIu64 "\n",
		       dk_names[k], dstat[k][0][1], dstat[k][0][0], dstat[k][1][1], dstat[k][1][0]);
	for (unsigned int i = 0; i < NCOMP_OPS; i++)
		if (!(comp_op_seen & (1ull << i))) {
			nmissing++;
			if (first_missing < 0)
				first_missing = comp_ops[i];
		}
	for (int k = 0; k < nvkinds; k++)
		printf("fuzz: undocumented errno: %s -> %s: %" PRIu64 " times, first at iteration %" PRIu64 "\n",
		       vkinds[k].what, strerror(vkinds[k].err), vkinds[k].n, vkinds[k].first);
	printf("fuzz: composites with an opaque hint on an A8 surface: %" PRIu64 " submitted, %" PRIu64 " accepted%s\n",
	       known_submitted, known_accepted, opt.avoid_known ? " (avoid-known=1)" : "");
	printf("fuzz: composite operators accepted: %u of %zu%s; destination formats 0x%x, bitmap formats 0x%x\n",
	       (unsigned int)(NCOMP_OPS - nmissing), NCOMP_OPS, nmissing ? " (some missing)" : "",
	       dst_fmt_seen, bmp_fmt_seen);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct status s0, s1;
	double t0, secs, t_client;
	int idle, cov;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (parse_args(argc, argv)) {
		fprintf(stderr, "usage: fuzz_test [seed=N] [iters=N] [seconds=N] [avoid-known=0|1] [trace=ITER] [deps=0..1000] [mutate=0..1000]\n");
		qt_result("fuzz-args", QT_FAIL, "bad arguments");
		return 2;
	}
	rng_seed(opt.seed);
	signal(SIGBUS, on_fault);
	signal(SIGSEGV, on_fault);
	printf("fuzz: seed=%" PRIu64 " iters=%" PRIu64 " seconds=%" PRIu64 " avoid-known=%d (replay: fuzz_test seed=%" PRIu64 " iters=<failing iteration + 1> trace=<iteration>)\n",
	       opt.seed, opt.iters, opt.seconds, opt.avoid_known, opt.seed);

	status_read(&s0);
	if (s0.ok)
		printf("fuzz: before: resets %ld device_errors %ld surfaces %ld vram %lld blocks_held %ld exec_rejects %ld\n",
		       s0.resets, s0.device_errors, s0.surfaces, s0.vram_used, s0.blocks_held,
		       s0.exec_rejects);
	status_resets_seen = (int)s0.resets;

	for (int i = 0; i < NCLIENTS; i++) {
		cl[i].card = i == 0;
		cl[i].name = i == 0 ? "card0" : i == 1 ? "renderA" : "renderB";
		if (client_open(&cl[i])) {
			qt_result("fuzz-open", QT_FAIL, "%s: %s", cl[i].name, strerror(errno));
			return 1;
		}
	}

	client_at_start = spice_client_alive();
	printf("fuzz: SPICE client at the start: %s\n", client_at_start ? "connected" : "none");
	t0 = now_s();
	t_client = t0;
	for (iter = 0; iter < opt.iters; iter++) {
		struct client *c = &cl[rn(NCLIENTS)];
		uint32_t r = rn(1000);
		int op = 0;

		if (now_s() - t0 >= (double)opt.seconds)
			break;
		while (r >= op_weight[op]) {
			r -= op_weight[op];
			op++;
		}
		ostat[op].calls++;
		cur_op = op;
		desc[0] = '\0';
		if (tracing() && op != OP_EXEC)
			printf("fuzz: it %" PRIu64 " %s %s\n", iter, c->name, op_names[op]);
		switch (op) {
		case OP_EXEC: op_exec(c); break;
		case OP_UPDATE: op_update(c); break;
		case OP_ALLOC: op_alloc(c); break;
		case OP_ALLOC_SURF: op_alloc_surf(c); break;
		case OP_MAP: op_map(c); break;
		case OP_TOUCH: op_touch(); break;
		case OP_CLOSE: op_close(c, 0); break;
		case OP_WAIT: op_wait(c); break;
		case OP_GETPARAM: op_getparam(c); break;
		case OP_CLIENTCAP: op_clientcap(c); break;
		/* SCANOUT_DAMAGE and KMS are card-node ioctls: mostly asked there. */
		case OP_DAMAGE: op_damage(pm(800) ? &cl[0] : c); break;
		case OP_KMS: op_kms(pm(800) ? &cl[0] : c); break;
		case OP_RAW: op_raw(c); break;
		case OP_REOPEN: op_reopen(c); break;
		}
		if (iter % 100 == 99 && s0.ok) {
			struct status s;

			status_read(&s);
			if (s.resets != status_resets_seen) {
				printf("fuzz: FAIL seed=%" PRIu64 " device reset (resets %d -> %ld, device_errors %ld) between iterations %" PRIu64 " and %" PRIu64 " [last: %s]\n",
				       opt.seed, status_resets_seen, s.resets, s.device_errors,
				       iter - 99, iter, desc);
				if (first_reset_iter == UINT64_MAX)
					first_reset_iter = iter;
				status_resets_seen = (int)s.resets;
			}
		}
		/* Every 2 s: is the client still there? (a host round trip) */
		if (client_at_start && client_lost_iter == UINT64_MAX && now_s() - t_client >= 2) {
			t_client = now_s();
			if (spice_client_alive()) {
				client_ok_iter = iter;
			} else {
				client_lost_iter = iter;
				printf("fuzz: FAIL seed=%" PRIu64 " the SPICE client was lost between iterations %" PRIu64 " and %" PRIu64 " [last: %s]\n",
				       opt.seed, client_ok_iter, iter, desc);
			}
		}
		if (iter % 2000 == 1999) {
			printf("fuzz: progress: iteration %" PRIu64 ", %.0f s, %" PRIu64 " violations\n",
			       iter + 1, now_s() - t0, violations);
		}
	}
	secs = now_s() - t0;
	print_stats(secs);

	for (int i = 0; i < nmaps; i++)
		munmap(maps[i].p, maps[i].len);
	nmaps = 0;
	for (int i = 0; i < NCLIENTS; i++)
		client_close(&cl[i]);

	if (violations)
		snprintf(desc, sizeof(desc), "; first at iteration %" PRIu64 ": %.200s",
			 first_violation_iter, first_violation);
	else
		desc[0] = '\0';
	qt_result("fuzz-errnos", violations || faults ? QT_FAIL : QT_PASS,
		  "seed=%" PRIu64 " %" PRIu64 " iterations: %" PRIu64 " undocumented errnos (%" PRIu64 " ENODEV), %" PRIu64 " faults on mapped pages%s",
		  opt.seed, iter, violations, enodev_seen, faults, desc);

	cov = 1;
	for (int k = 0; k <= DK_COMPOSITE; k++)
		cov &= dstat[k][0][1] > 0;
	if (iter < 2000)
		qt_result("fuzz-coverage", QT_SKIP, "only %" PRIu64 " iterations", iter);
	else
		qt_result("fuzz-coverage", cov && comp_op_seen == (1ull << NCOMP_OPS) - 1 ? QT_PASS : QT_FAIL,
			  "every draw kind accepted unmutated at least once: %s; composite operators accepted: %d of %zu",
			  cov ? "yes" : "no", __builtin_popcountll(comp_op_seen), NCOMP_OPS);

	if (!s0.ok) {
		qt_result("fuzz-no-reset", QT_SKIP, "no /sys/kernel/debug/dri/0/qxl_status (not qxl-ng?)");
		qt_result("fuzz-idle", QT_SKIP, "no qxl_status");
	} else {
		/*
		 * The device releases lazily: poll, bounded, for surfaces and memory
		 * to drain. QEMU publishes releases in bunches of 32, and the
		 * driver's idle nudge leaves up to one bunch of its own 64-byte
		 * messages held, more or fewer with timing (a debug kernel): those
		 * are not a leak. Anything else held is. The device may still be
		 * rendering what the clients queued last (EXECBUFFER's throttle
		 * lets each queue QXL_QUEUED_MAX_PX pixels; heavy composites under
		 * TCG take seconds, over 10 s once in CI): up to 60 s.
		 */
		double t_idle = now_s(), until = t_idle + 60;
		int polls = 0;

		do {
			status_read(&s1);
			idle = s1.surfaces <= s0.surfaces && s1.vram_used <= s0.vram_used &&
			       (s1.blocks_held <= s0.blocks_held ||
				(s1.blocks_held - s0.blocks_held <= NUDGE_BUNCH &&
				 s1.bytes_held - s0.bytes_held <=
				 (long long)(s1.blocks_held - s0.blocks_held) * NUDGE_BLOCK));
			if (!idle) {
				if (polls++ % 4 == 0)
					printf("fuzz: waiting for idle (%.1f s): surfaces %ld vram %lld blocks_held %ld bytes_held %lld\n",
					       now_s() - t_idle, s1.surfaces, s1.vram_used,
					       s1.blocks_held, s1.bytes_held);
				usleep(500000);
			}
		} while (!idle && now_s() < until);
		t_idle = now_s() - t_idle;
		qt_result("fuzz-no-reset", s1.resets == s0.resets && s1.device_errors == s0.device_errors ?
			  QT_PASS : QT_FAIL,
			  "resets %ld -> %ld, device_errors %ld -> %ld%s", s0.resets, s1.resets,
			  s0.device_errors, s1.device_errors,
			  first_reset_iter != UINT64_MAX ? " (first seen near the iteration printed above)" : "");
		qt_result("fuzz-idle", idle ? QT_PASS : QT_FAIL,
			  "%.1f s after closing the clients: surfaces %ld (before %ld), vram %lld (before %lld), blocks held by the device %ld of %lld bytes (before %ld of %lld; nudge messages of %d bytes, up to %d, allowed); %ld commands refused in all",
			  t_idle, s1.surfaces, s0.surfaces, s1.vram_used, s0.vram_used, s1.blocks_held,
			  s1.bytes_held, s0.blocks_held, s0.bytes_held, NUDGE_BLOCK, NUDGE_BUNCH,
			  s1.exec_rejects - s0.exec_rejects);
	}
	if (!client_at_start) {
		qt_result("fuzz-spice-client-stays", QT_SKIP, "no SPICE client when the fuzzing started");
	} else if (client_lost_iter != UINT64_MAX) {
		qt_result("fuzz-spice-client-stays", QT_FAIL,
			  "seed=%" PRIu64 ": the client was lost between iterations %" PRIu64 " and %" PRIu64 " (qemu.log, spice-client.log)",
			  opt.seed, client_ok_iter, client_lost_iter);
	} else {
		int alive = spice_client_alive();

		qt_result("fuzz-spice-client-stays", alive ? QT_PASS : QT_FAIL,
			  "client connected at the start, %s at the end", alive ? "still there" : "gone");
	}
	check_renders();
	check_host();
	return 0;
}

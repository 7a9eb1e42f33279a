// SPDX-License-Identifier: MIT
/*
 * scanout-selftest: tests of libqxl-scanout, producer and consumer in
 * separate processes over a unix socket. In the guest the planes are dumb
 * buffers exported with PRIME (real dma-bufs); with --no-drm (host, meson
 * test) they are memfds.
 *
 * Memfd planes are sealed against shrinking (qs_memfd_create), as consumers
 * require; the "seals" and "bad_peer" tests use memfds in both modes.
 *
 * Prints "@@TEST scanout_<name> PASS|FAIL|SKIP <msg>" lines (qtest format).
 * Usage: scanout-selftest [--no-drm] [test...]
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "qxl-scanout.h"
#include "spice-wire.h"

static int selftest_make_key(struct sw_link_reply *rep);

static int use_drm = 1, drm_fd = -1, failures;
static char sock_path[108];

static void result(const char *name, int st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void result(const char *name, int st, const char *fmt, ...)
{
	char msg[3000];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("@@TEST scanout_%s %s %s\n", name, st == 0 ? "PASS" : st == 1 ? "FAIL" : "SKIP", msg);
	fflush(stdout);
	if (st == 1)
		failures++;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;
}

/* A buffer: a dumb buffer exported with PRIME, or a memfd. */
struct buf {
	int fd;
	uint8_t *map;
	size_t size;
	uint32_t handle;
};

static int buf_new(struct buf *b, size_t size)
{
	memset(b, 0, sizeof(*b));
	b->fd = -1;
	if (use_drm) {
		struct drm_mode_create_dumb cr = { .width = 1024, .height = (uint32_t)((size + 4095) / 4096),
						   .bpp = 32 };
		struct drm_mode_map_dumb mp = { 0 };

		if (drmIoctl(drm_fd, DRM_IOCTL_MODE_CREATE_DUMB, &cr))
			return -errno;
		b->handle = cr.handle;
		b->size = cr.size;
		mp.handle = cr.handle;
		if (drmIoctl(drm_fd, DRM_IOCTL_MODE_MAP_DUMB, &mp))
			return -errno;
		b->map = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, drm_fd, (off_t)mp.offset);
		if (b->map == MAP_FAILED)
			return -errno;
		if (drmPrimeHandleToFD(drm_fd, cr.handle, DRM_CLOEXEC | DRM_RDWR, &b->fd))
			return -errno;
		return 0;
	}
	b->size = size;
	b->fd = qs_memfd_create("plane", size);
	if (b->fd < 0) {
		errno = -b->fd;
		b->fd = -1;
		return -errno;
	}
	b->map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, b->fd, 0);
	return b->map == MAP_FAILED ? -errno : 0;
}

static void buf_free(struct buf *b)
{
	if (b->map && b->map != MAP_FAILED)
		munmap(b->map, b->size);
	if (b->fd >= 0)
		close(b->fd);
	if (b->handle) {
		struct drm_mode_destroy_dumb d = { .handle = b->handle };

		drmIoctl(drm_fd, DRM_IOCTL_MODE_DESTROY_DUMB, &d);
	}
	memset(b, 0, sizeof(*b));
	b->fd = -1;
}

static uint8_t pattern(uint32_t plane, uint32_t x, uint32_t y, uint32_t gen)
{
	return (uint8_t)(plane * 71 + x * 3 + y * 7 + gen * 13);
}

/* ---- a YUV420 frame in two buffers: Y in A, U and V in B at offsets ---- */
#define FW 96
#define FH 64
struct set {
	struct buf a, b;
	struct qs_frame f;
};

static int set_new(struct set *s)
{
	int ret = buf_new(&s->a, 256 * FH);

	if (!ret)
		ret = buf_new(&s->b, 64 * 1024);
	if (ret)
		return ret;
	memset(&s->f, 0, sizeof(s->f));
	s->f.width = FW;
	s->f.height = FH;
	s->f.fourcc = DRM_FORMAT_YUV420;
	s->f.modifier = DRM_FORMAT_MOD_LINEAR;
	s->f.num_planes = 3;
	s->f.planes[0] = (struct qs_plane){ s->a.fd, 0, 128 };
	s->f.planes[1] = (struct qs_plane){ s->b.fd, 256, 64 };
	s->f.planes[2] = (struct qs_plane){ s->b.fd, 8192, 80 };
	return 0;
}

static uint8_t *set_px(struct set *s, uint32_t p, uint32_t x, uint32_t y)
{
	struct buf *b = p ? &s->b : &s->a;

	return b->map + s->f.planes[p].offset + (size_t)y * s->f.planes[p].stride + x;
}

static void set_paint(struct set *s, uint32_t gen, uint32_t x0, uint32_t y0, uint32_t w, uint32_t h)
{
	for (uint32_t p = 0; p < 3; p++) {
		uint32_t sub = p ? 2 : 1;

		for (uint32_t y = y0 / sub; y < (y0 + h + sub - 1) / sub; y++)
			for (uint32_t x = x0 / sub; x < (x0 + w + sub - 1) / sub; x++)
				*set_px(s, p, x, y) = pattern(p, x, y, gen);
	}
}

/* consumer check: every pixel of the mapped frame against gen, with rect r at gen2 */
static int check_frame(const struct qs_mapped_frame *f, uint32_t gen, const struct qs_rect *r, uint32_t gen2,
		       char *why, size_t wl)
{
	for (uint32_t p = 0; p < f->num_planes; p++) {
		uint32_t sub = p ? 2 : 1;

		for (uint32_t y = 0; y < f->height / sub; y++)
			for (uint32_t x = 0; x < f->width / sub; x++) {
				uint32_t g = gen;

				if (r && x * sub >= r->x && x * sub < r->x + r->w && y * sub >= r->y &&
				    y * sub < r->y + r->h)
					g = gen2;
				uint8_t got = f->planes[p].data[(size_t)y * f->planes[p].stride + x];

				if (got != pattern(p, x, y, g)) {
					snprintf(why, wl, "plane %u (%u,%u): got 0x%02x want 0x%02x", p, x, y, got,
						 pattern(p, x, y, g));
					return -1;
				}
			}
	}
	return 0;
}

/* ---- running a consumer child ------------------------------------------ */
typedef int (*child_fn)(void *arg, char *why, size_t wl);

struct child {
	pid_t pid;
	int pipe_fd;
};

static int child_start(struct child *c, child_fn fn, void *arg)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	fflush(stdout);
	c->pid = fork();
	if (c->pid < 0)
		return -errno;
	if (c->pid == 0) {
		char why[400] = "";
		int rc;

		close(p[0]);
		alarm(30);
		rc = fn(arg, why, sizeof(why));
		if (write(p[1], why, strlen(why) + 1) < 0)
			rc = 99;
		_exit(rc);
	}
	close(p[1]);
	c->pipe_fd = p[0];
	return 0;
}

/* Runs the server until the child exits (bounded); returns its status. */
static int child_wait(struct child *c, struct qs_server *s, double bound, char *why, size_t wl)
{
	double end = now_s() + bound;
	int st = 0;

	for (;;) {
		pid_t r = waitpid(c->pid, &st, WNOHANG);

		if (r == c->pid)
			break;
		if (now_s() > end) {
			kill(c->pid, SIGKILL);
			waitpid(c->pid, &st, 0);
			snprintf(why, wl, "consumer did not finish within %.0f s", bound);
			close(c->pipe_fd);
			return -1;
		}
		if (s)
			qs_server_dispatch(s, 20);
		else
			usleep(20000);
	}
	ssize_t n = read(c->pipe_fd, why, wl - 1);

	why[n > 0 ? n : 0] = 0;
	close(c->pipe_fd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static struct qs_server *server(int draw_timeout)
{
	struct qs_server_opts o = { .path = sock_path, .listen_fd = -1, .draw_timeout_ms = draw_timeout };
	struct qs_server *s;
	int ret = qs_server_new(&s, &o);

	if (ret) {
		fprintf(stderr, "qs_server_new: %s\n", strerror(-ret));
		return NULL;
	}
	return s;
}

static int expect(struct qs_client *c, enum qs_event_type t, struct qs_event *ev, char *why, size_t wl)
{
	int ret = qs_client_next(c, ev, 5000);

	if (ret) {
		snprintf(why, wl, "waiting for %s: %s (%s)", t == QS_EVENT_DRAW ? "GL_DRAW" : "scanout",
			 strerror(-ret), qs_client_error(c));
		return -1;
	}
	if (ev->type != t) {
		snprintf(why, wl, "got event %d, wanted %d", ev->type, t);
		return -1;
	}
	return 0;
}

/* Connect as a consumer: 0, or 1 with @why set (a child's exit status). */
static int consumer_connect(struct qs_client **c, char *why, size_t wl)
{
	int ret = qs_client_connect(c, sock_path, 0, 5000);

	if (ret)
		snprintf(why, wl, "connect: %s", strerror(-ret));
	return ret ? 1 : 0;
}

/* Connect and take the whole first frame (scanout, then its draw): 0, 1 or 2. */
static int consumer_first_frame(struct qs_client **c, struct qs_event *ev, char *why, size_t wl)
{
	if (consumer_connect(c, why, wl))
		return 1;
	if (expect(*c, QS_EVENT_SCANOUT, ev, why, wl) || expect(*c, QS_EVENT_DRAW, ev, why, wl))
		return 2;
	return 0;
}

/* ---- multiplane: GL_SCANOUT2 with 3 planes in 2 buffers, then draws ---- */
static struct set g_set;

static int mp_consumer(void *arg, char *why, size_t wl)
{
	struct qs_client *c;
	struct qs_event ev;
	const struct qs_mapped_frame *f;
	struct qs_rect r = { 16, 8, 32, 20 };
	int ret;

	(void)arg;
	if (consumer_connect(&c, why, wl))
		return 1;
	if (expect(c, QS_EVENT_SCANOUT, &ev, why, wl))
		return 2;
	f = qs_client_frame(c);
	if (!ev.multi_plane || f->num_planes != 3 || f->fourcc != DRM_FORMAT_YUV420 || f->width != FW ||
	    f->planes[1].offset != 256 || f->planes[2].stride != 80)
		return snprintf(why, wl, "scanout: multi %d planes %u fourcc %.4s w %u", ev.multi_plane,
				f->num_planes, (const char *)&f->fourcc, f->width), 3;
	if (expect(c, QS_EVENT_DRAW, &ev, why, wl))
		return 4;
	if (ev.rect.x || ev.rect.y || ev.rect.w != FW || ev.rect.h != FH)
		return snprintf(why, wl, "first draw %u,%u %ux%u, not the whole frame", ev.rect.x, ev.rect.y,
				ev.rect.w, ev.rect.h), 5;
	qs_client_begin_read(c);
	ret = check_frame(f, 1, NULL, 0, why, wl);
	qs_client_end_read(c);
	if (ret)
		return 6;
	if (qs_client_ack(c))
		return snprintf(why, wl, "ack: %s", qs_client_error(c)), 7;
	if (expect(c, QS_EVENT_DRAW, &ev, why, wl))
		return 8;
	if (ev.rect.x != r.x || ev.rect.y != r.y || ev.rect.w != r.w || ev.rect.h != r.h)
		return snprintf(why, wl, "damage draw %u,%u %ux%u, want %u,%u %ux%u", ev.rect.x, ev.rect.y,
				ev.rect.w, ev.rect.h, r.x, r.y, r.w, r.h), 9;
	qs_client_begin_read(c);
	ret = check_frame(f, 1, &r, 2, why, wl);
	qs_client_end_read(c);
	if (ret)
		return 10;
	qs_client_ack(c);
	qs_client_free(c);
	snprintf(why, wl, "3 planes in 2 %s, offsets 0/256/8192, strides 128/64/80; damage 16,8 32x20 seen in place",
		 use_drm ? "PRIME dma-bufs" : "memfds");
	return 0;
}

static void t_multiplane(void)
{
	struct qs_server *s = server(3000);
	struct child ch;
	char why[400] = "";
	int rc;

	if (!s) {
		result("multiplane", 1, "setup failed");
		return;
	}
	set_paint(&g_set, 1, 0, 0, FW, FH);
	if (qs_server_set_frame(s, &g_set.f)) {
		result("multiplane", 1, "set_frame refused a valid YUV420 set");
		return;
	}
	child_start(&ch, mp_consumer, NULL);
	/* wait for the first draw to be acknowledged, then damage */
	double end = now_s() + 10;
	struct qs_server_stats st;

	do {
		qs_server_dispatch(s, 20);
		qs_server_get_stats(s, &st);
	} while (st.draws_done < 1 && now_s() < end);
	struct qs_rect r = { 16, 8, 32, 20 };

	set_paint(&g_set, 2, r.x, r.y, r.w, r.h);
	qs_server_damage(s, &r);
	rc = child_wait(&ch, s, 15, why, sizeof(why));
	result("multiplane", rc ? 1 : 0, "%s", why);
	qs_server_free(s);
}

/* ---- single plane to a consumer without the multi-plane cap ---- */
static int sp_consumer(void *arg, char *why, size_t wl)
{
	struct qs_client *c;
	struct qs_event ev;
	const struct qs_mapped_frame *f;
	int ret = qs_client_connect(&c, sock_path, QS_CLIENT_NO_MULTI_PLANE, 5000);

	(void)arg;
	if (ret)
		return snprintf(why, wl, "connect: %s", strerror(-ret)), 1;
	if (expect(c, QS_EVENT_SCANOUT, &ev, why, wl))
		return 2;
	f = qs_client_frame(c);
	if (ev.multi_plane || f->num_planes != 1 || f->planes[0].stride != 512)
		return snprintf(why, wl, "got multi %d planes %u", ev.multi_plane, f->num_planes), 3;
	if (expect(c, QS_EVENT_DRAW, &ev, why, wl))
		return 4;
	for (uint32_t y = 0; y < 32; y++)
		for (uint32_t x = 0; x < 100; x++) {
			uint32_t v = ((const uint32_t *)(f->planes[0].data + y * 512))[x];

			if (v != (0xff000000u | y << 8 | x))
				return snprintf(why, wl, "(%u,%u) = 0x%08x", x, y, v), 5;
		}
	qs_client_ack(c);
	qs_client_free(c);
	snprintf(why, wl, "GL_SCANOUT_UNIX 100x32 XR24 stride 512, pixels match");
	return 0;
}

static int drop_consumer(void *arg, char *why, size_t wl)
{
	struct qs_client *c;
	struct qs_event ev;
	int ret = qs_client_connect(&c, sock_path, QS_CLIENT_NO_MULTI_PLANE, 5000);

	(void)arg;
	if (ret)
		return snprintf(why, wl, "connect: %s", strerror(-ret)), 1;
	ret = qs_client_next(c, &ev, 5000);
	qs_client_free(c);
	if (ret == -ETIMEDOUT)
		return snprintf(why, wl, "still connected after 5 s"), 2;
	if (!ret)
		return snprintf(why, wl, "got a scanout event %d for a 3-plane frame", ev.type), 3;
	snprintf(why, wl, "closed: %s", strerror(-ret));
	return 0;
}

static void t_singleplane(void)
{
	struct qs_server *s = server(3000);
	struct buf b;
	struct qs_frame f = { .width = 100, .height = 32, .fourcc = DRM_FORMAT_XRGB8888,
			      .modifier = DRM_FORMAT_MOD_LINEAR, .num_planes = 1 };
	struct child ch;
	char why[400] = "";
	int rc;

	if (!s || buf_new(&b, 512 * 32)) {
		result("singleplane", 1, "setup failed");
		return;
	}
	for (uint32_t y = 0; y < 32; y++)
		for (uint32_t x = 0; x < 100; x++)
			((uint32_t *)(b.map + y * 512))[x] = 0xff000000u | y << 8 | x;
	f.planes[0] = (struct qs_plane){ b.fd, 0, 512 };
	qs_server_set_frame(s, &f);
	child_start(&ch, sp_consumer, NULL);
	rc = child_wait(&ch, s, 15, why, sizeof(why));
	result("singleplane", rc ? 1 : 0, "%s", why);
	for (double end = now_s() + 3; qs_server_consumers(s) && now_s() < end;)
		qs_server_dispatch(s, 20);
	/* a 3-plane frame cannot go to that kind of consumer: it is dropped */
	struct qs_server_stats st0, st1;

	qs_server_get_stats(s, &st0);
	qs_server_set_frame(s, &g_set.f);
	child_start(&ch, drop_consumer, NULL);
	rc = child_wait(&ch, s, 15, why, sizeof(why));
	qs_server_get_stats(s, &st1);
	result("no_multiplane_cap", rc || st1.dropped != st0.dropped + 1 ? 1 : 0, "%s; dropped %llu",
	       why, (unsigned long long)(st1.dropped - st0.dropped));
	qs_server_free(s);
	buf_free(&b);
}

/* ---- flow control: no second GL_DRAW before GL_DRAW_DONE; damage is merged ---- */
static int fc_consumer(void *arg, char *why, size_t wl)
{
	struct qs_client *c;
	struct qs_event ev;
	int ret = consumer_first_frame(&c, &ev, why, wl);

	(void)arg;
	if (ret)
		return ret;
	qs_client_ack(c);
	if (expect(c, QS_EVENT_DRAW, &ev, why, wl))
		return 3;
	/* the producer now damages twice more: nothing may arrive before our ack */
	ret = qs_client_next(c, &ev, 800);
	if (ret != -ETIMEDOUT)
		return snprintf(why, wl, "a message arrived before GL_DRAW_DONE (%d)", ret), 4;
	qs_client_ack(c);
	if (expect(c, QS_EVENT_DRAW, &ev, why, wl))
		return 5;
	if (ev.rect.x != 1 || ev.rect.y != 2 || ev.rect.w != 49 || ev.rect.h != 38)
		return snprintf(why, wl, "merged draw %u,%u %ux%u, want 1,2 49x38", ev.rect.x, ev.rect.y, ev.rect.w,
				ev.rect.h), 6;
	qs_client_ack(c);
	qs_client_free(c);
	snprintf(why, wl, "one GL_DRAW in flight; two updates merged into 1,2 49x38");
	return 0;
}

static void t_flow(void)
{
	struct qs_server *s = server(5000);
	struct child ch;
	struct qs_server_stats st;
	char why[400] = "";
	int rc;

	if (!s) {
		result("flow_control", 1, "setup failed");
		return;
	}
	qs_server_set_frame(s, &g_set.f);
	child_start(&ch, fc_consumer, NULL);
	double end = now_s() + 10;

	do {
		qs_server_dispatch(s, 20);
		qs_server_get_stats(s, &st);
	} while (st.draws_done < 1 && now_s() < end);
	struct qs_rect a = { 0, 0, 8, 8 }, b = { 1, 2, 10, 10 }, d = { 40, 30, 10, 10 };

	qs_server_damage(s, &a);	/* goes out at once */
	for (int i = 0; i < 10; i++)
		qs_server_dispatch(s, 20);
	qs_server_damage(s, &b);	/* held: a draw is in flight */
	qs_server_damage(s, &d);
	unsigned busy = qs_server_busy(s);

	rc = child_wait(&ch, s, 15, why, sizeof(why));
	qs_server_get_stats(s, &st);
	result("flow_control", rc || busy != 1 ? 1 : 0, "%s; busy %u, draws %llu done %llu coalesced %llu", why, busy,
	       (unsigned long long)st.draws, (unsigned long long)st.draws_done, (unsigned long long)st.coalesced);
	qs_server_free(s);
}

/* ---- a stuck consumer is dropped without blocking; the other continues ---- */
static int stuck_consumer(void *arg, char *why, size_t wl)
{
	struct qs_client *c;
	struct qs_event ev;
	int ret = 0;

	(void)arg;
	if (consumer_connect(&c, why, wl))
		return 1;
	/* read but never acknowledge, until the producer hangs up */
	double end = now_s() + 10;

	while (now_s() < end) {
		ret = qs_client_next(c, &ev, 200);
		if (ret && ret != -ETIMEDOUT)
			break;
	}
	qs_client_free(c);
	snprintf(why, wl, "stuck consumer saw: %s", strerror(-ret));
	return ret == -ETIMEDOUT ? 2 : 0;
}

static int live_consumer(void *arg, char *why, size_t wl)
{
	struct qs_client *c;
	struct qs_event ev;
	int n = 0, ret;

	(void)arg;
	if (consumer_connect(&c, why, wl))
		return 1;
	double end = now_s() + 4;

	while (now_s() < end) {
		ret = qs_client_next(c, &ev, 200);
		if (ret == -ETIMEDOUT)
			continue;
		if (ret)
			return snprintf(why, wl, "live consumer: %s", qs_client_error(c)), 2;
		if (ev.type == QS_EVENT_DRAW) {
			n++;
			qs_client_ack(c);
		}
	}
	qs_client_free(c);
	snprintf(why, wl, "%d", n);
	return n >= 10 ? 0 : 3;
}

static void t_stuck(void)
{
	int fds0 = count_fds();
	struct qs_server *s = server(500);
	struct child stuck, live;
	struct qs_server_stats st;
	char why[400] = "", why2[400] = "";
	double worst = 0, t_drop = 0, t0;
	int rc, rc2;

	if (!s) {
		result("stuck_consumer", 1, "setup failed");
		return;
	}
	qs_server_set_frame(s, &g_set.f);
	child_start(&stuck, stuck_consumer, NULL);
	child_start(&live, live_consumer, NULL);
	t0 = now_s();
	/* 3 s of updates every 20 ms: each dispatch must return promptly */
	for (uint32_t i = 0; now_s() < t0 + 3; i++) {
		struct qs_rect r = { i % 80, i % 50, 16, 14 };
		double a = now_s(), d;

		qs_server_damage(s, &r);
		qs_server_dispatch(s, 20);
		d = now_s() - a;
		if (d > worst)
			worst = d;
		qs_server_get_stats(s, &st);
		if (!t_drop && st.dropped)
			t_drop = now_s() - t0;
	}
	rc2 = child_wait(&live, s, 10, why2, sizeof(why2));
	rc = child_wait(&stuck, s, 15, why, sizeof(why));
	qs_server_get_stats(s, &st);
	qs_server_free(s);
	int fds1 = count_fds();

	result("stuck_consumer", rc || rc2 || st.dropped != 1 || worst > 0.3 || !t_drop || t_drop > 2.0 ? 1 : 0,
	       "dropped %llu after %.2f s (timeout 0.5 s), slowest dispatch %.0f ms, live consumer got %s draws "
	       "(%s); %s", (unsigned long long)st.dropped, t_drop, worst * 1000, why2, rc2 ? "FAILED" : "ok", why);
	result("no_fd_leak", fds0 == fds1 ? 0 : 1, "producer fds before %d after %d", fds0, fds1);
}

/* ---- malformed messages: a fake producer, a fake consumer ---- */
struct bad {
	const char *name;
	uint16_t type;
	int nfds;
	int kind;
	int want;	/* the consumer's -errno, 0: any error */
};

/* A memfd consumers must refuse: not sealed at all, or sealed but not with
 * F_SEAL_SHRINK (seals given). */
static int unsealed_memfd(size_t size, int seals)
{
	int fd = memfd_create("unsealed", MFD_CLOEXEC | (seals ? MFD_ALLOW_SEALING : 0));

	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)size) || (seals && fcntl(fd, F_ADD_SEALS, seals))) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The fd a fake producer sends as its plane: its sealed buffer's, or for the
 * wrong-kind cases an unsealed memfd, a pipe, a device node. *extra is a
 * second fd to close afterwards (the pipe's other end), or -1.
 */
static int fake_plane_fd(int kind, const struct buf *pb, int *extra)
{
	int pp[2];

	*extra = -1;
	switch (kind) {
	case 10:	/* a memfd without seals */
		return unsealed_memfd(pb->size, 0);
	case 11:	/* a pipe: no size, nothing to map */
		if (pipe2(pp, O_CLOEXEC))
			return -1;
		*extra = pp[1];
		return pp[0];
	case 14:	/* sealed against growing, not shrinking */
		return unsealed_memfd(pb->size, F_SEAL_GROW | F_SEAL_SEAL);
	case 15:	/* a device node (on devtmpfs, which says it is tmpfs) */
		return open("/dev/zero", O_RDONLY | O_CLOEXEC);
	default:
		return dup(pb->fd);
	}
}

/*
 * Kind 10's attack: once the consumer has acknowledged the whole-frame draw
 * (so it mapped and read the plane), truncate the memfd and announce another
 * draw. A consumer that mapped the unsealed memfd dies of SIGBUS reading it.
 */
static void shrink_under_consumer(struct sw_channel *ch, int plane_fd)
{
	struct sw_gl_draw d = { 0, 0, 64, 64 };
	struct sw_msg msg;
	struct sw_buf m;

	sw_buf_init(&m);
	sw_put_gl_draw(&m, &d);
	sw_channel_send(ch, SPICE_MSG_DISPLAY_GL_DRAW, m.data, m.len);
	if (sw_channel_read(ch, &msg, 5000) == 0 && msg.type == SPICE_MSGC_DISPLAY_GL_DRAW_DONE) {
		if (ftruncate(plane_fd, 0) == 0)
			sw_channel_send(ch, SPICE_MSG_DISPLAY_GL_DRAW, m.data, m.len);
	}
	sw_buf_free(&m);
}

static int fake_producer_on(struct sw_channel *ch, const struct bad *b)
{
	struct sw_link_reply rep;
	struct sw_link_mess got;
	struct sw_buf m;
	struct buf pb;
	int fds[8], plane, extra;

	memset(&rep, 0, sizeof(rep));
	/* a real key: the consumer encrypts its (empty) ticket with it */
	if (selftest_make_key(&rep))
		return 1;
	if (sw_server_accept_link(ch, &rep, &got, 5000))
		return 2;
	if (buf_new(&pb, 4096 * 4))
		return 3;
	plane = fake_plane_fd(b->kind, &pb, &extra);
	if (plane < 0)
		return 4;
	for (int i = 0; i < 8; i++)
		fds[i] = plane;
	sw_buf_init(&m);
	struct sw_gl_scanout2 s2 = { .width = 64, .height = 64, .drm_fourcc_format = DRM_FORMAT_XRGB8888,
				     .num_planes = 1, .modifier = DRM_FORMAT_MOD_LINEAR };

	s2.strides[0] = 256;
	switch (b->kind) {
	case 0:	/* planes vs format */
		s2.num_planes = 2;
		s2.strides[1] = 256;
		break;
	case 1:	/* fds missing: same valid message, no fd */
		break;
	case 2:	/* stride too big for the fd */
		s2.strides[0] = 4096;
		break;
	case 3:	/* draw outside the frame */
	case 4:	/* a second draw before the ack */
		break;
	case 5:	/* draw before any scanout */
		break;
	case 6:	/* truncated */
		break;
	case 7:	/* 5 planes */
		break;
	case 8:	/* unmappable modifier */
		s2.modifier = I915_FORMAT_MOD_X_TILED;
		break;
	case 9:	/* stride smaller than a row */
		s2.strides[0] = 128;
		break;
	}
	if (b->kind == 5) {
		struct sw_gl_draw d = { 0, 0, 8, 8 };

		sw_put_gl_draw(&m, &d);
		sw_channel_send(ch, SPICE_MSG_DISPLAY_GL_DRAW, m.data, m.len);
	} else if (b->kind == 6) {
		sw_put_gl_scanout2(&m, &s2);
		sw_channel_send_fds(ch, SW_MSG_DISPLAY_GL_SCANOUT2_UNIX, m.data, m.len - 3, fds, 1);
	} else if (b->kind == 7) {
		sw_put_gl_scanout2(&m, &s2);
		m.data[16] = 5;	/* num_planes */
		sw_wbytes(&m, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 32);
		sw_channel_send_fds(ch, SW_MSG_DISPLAY_GL_SCANOUT2_UNIX, m.data, m.len, fds, 4);
	} else if (b->kind == 12) {	/* a valid one-plane scanout with 6 fds */
		sw_put_gl_scanout2(&m, &s2);
		sw_channel_send_fds(ch, SW_MSG_DISPLAY_GL_SCANOUT2_UNIX, m.data, m.len, fds, 6);
	} else if (b->kind == 13) {	/* a message type no display channel has, with an fd */
		sw_channel_send_fds(ch, 0x7fff, "\1\2\3\4", 4, fds, 1);
	} else {
		sw_put_gl_scanout2(&m, &s2);
		sw_channel_send_fds(ch, SW_MSG_DISPLAY_GL_SCANOUT2_UNIX, m.data, m.len, fds,
				    b->kind == 1 ? 0 : s2.num_planes);
		if (b->kind == 3 || b->kind == 4) {
			struct sw_gl_draw d = { 60, 0, 8, 8 };

			if (b->kind == 4)
				d.x = 0;
			sw_buf_reset(&m);
			sw_put_gl_draw(&m, &d);
			sw_channel_send(ch, SPICE_MSG_DISPLAY_GL_DRAW, m.data, m.len);
			if (b->kind == 4)
				sw_channel_send(ch, SPICE_MSG_DISPLAY_GL_DRAW, m.data, m.len);
		}
		if (b->kind == 10)
			shrink_under_consumer(ch, plane);
	}
	sw_buf_free(&m);
	close(plane);
	if (extra >= 0)
		close(extra);
	buf_free(&pb);
	/* wait (bounded) for the consumer to hang up */
	struct sw_msg msg;

	sw_channel_read(ch, &msg, 5000);
	sw_channel_close(ch);
	return 0;
}

static int fake_producer(int fd, const struct bad *b)
{
	struct sw_channel *ch = sw_channel_new();
	int ret;

	if (!ch) {
		close(fd);
		return 1;
	}
	sw_channel_from_fd(ch, fd, true);
	ret = fake_producer_on(ch, b);
	sw_channel_free(ch);
	return ret;
}

/* Reads every byte of every visible row, as a consumer handling a draw does;
 * a plane shrunk under its mapping makes this raise SIGBUS. Volatile: the
 * sum is not used, and the reads are the point. */
static void read_frame(const struct qs_mapped_frame *f)
{
	unsigned sum = 0;

	for (uint32_t p = 0; f && p < f->num_planes; p++) {
		const volatile uint8_t *data = f->planes[p].data;
		uint32_t cpp = 1, hs = 1, vs = 1;

		qs_format_plane(f->fourcc, p, &cpp, &hs, &vs, NULL);
		for (uint32_t y = 0; y < (f->height + vs - 1) / vs; y++)
			for (uint32_t x = 0; x < (f->width + hs - 1) / hs * cpp; x++)
				sum += data[(size_t)y * f->planes[p].stride + x];
	}
	(void)sum;
}

/*
 * One fake producer of kind b (a child process, over a socketpair) against a
 * consumer in this process that acknowledges every draw (but for kind 4) and,
 * if read_pixels, reads the frame first like a real consumer (a SIGBUS if it
 * mapped something that shrank: only for consumers in a child process),
 * until the consumer refuses something or 5 events went through. Returns the
 * last qs_client_next() result (0: all accepted), -ENOLINK if the link
 * failed; err gets the consumer's error text.
 */
static int bad_peer_round(const struct bad *b, bool read_pixels, char *err, size_t el)
{
	struct qs_client *c;
	struct qs_event ev;
	int sv[2], ret, st, events = 0;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		ret = -errno;
		snprintf(err, el, "socketpair: %s", strerror(-ret));
		return ret;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		alarm(20);
		_exit(fake_producer(sv[1], b));
	}
	close(sv[1]);
	ret = qs_client_from_fd(&c, sv[0], 0, 5000);
	if (ret) {
		snprintf(err, el, "link failed: %s", strerror(-ret));
		ret = -ENOLINK;
	} else {
		do {
			ret = qs_client_next(c, &ev, 5000);
			events += !ret;
			if (!ret && ev.type == QS_EVENT_DRAW && b->kind != 4) {
				if (read_pixels)
					read_frame(qs_client_frame(c));
				qs_client_ack(c);
			}
		} while (!ret && events < 5);
		snprintf(err, el, "%s", ret ? qs_client_error(c) : "ACCEPTED");
		qs_client_free(c);
	}
	if (pid > 0)
		waitpid(pid, &st, 0);
	return ret;
}

static void t_malformed_to_consumer(void)
{
	static const struct bad cases[] = {
		{ "2 planes for XR24", 0, 0, 0, 0 },
		{ "no fd", 0, 0, 1, 0 },
		{ "stride x height beyond the dma-buf", 0, 0, 2, 0 },
		{ "GL_DRAW outside the frame", 0, 0, 3, 0 },
		{ "second GL_DRAW before GL_DRAW_DONE", 0, 0, 4, 0 },
		{ "GL_DRAW before any scanout", 0, 0, 5, 0 },
		{ "truncated GL_SCANOUT2", 0, 0, 6, 0 },
		{ "5 planes", 0, 0, 7, 0 },
		{ "X-tiled modifier (cannot be mapped)", 0, 0, 8, 0 },
		{ "stride smaller than a row", 0, 0, 9, 0 },
		{ "unsealed memfd", 0, 0, 10, -EPERM },
		{ "a pipe as the plane", 0, 0, 11, -EINVAL },
		{ "6 fds with one plane", 0, 0, 12, -E2BIG },
		{ "unknown message type with an fd", 0, 0, 13, 0 },
		{ "memfd sealed against growing only", 0, 0, 14, -EPERM },
		{ "/dev/zero as the plane", 0, 0, 15, -EINVAL },
	};
	char detail[3000] = "";
	int bad = 0, fds0 = count_fds();
	size_t dl = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[300];
		int ret = bad_peer_round(&cases[i], false, err, sizeof(err));
		bool ok = ret && ret != -ETIMEDOUT && ret != -ENOLINK && (!cases[i].want || ret == cases[i].want);

		bad += !ok;
		dl += (size_t)snprintf(detail + dl, sizeof(detail) - dl, "%s%s: %s%s", i ? "; " : "", cases[i].name,
				       ret ? strerror(-ret) : "ACCEPTED", ok ? "" : " (WRONG)");
		if (dl >= sizeof(detail))
			dl = sizeof(detail) - 1;
	}
	int fds1 = count_fds();

	result("malformed_to_consumer", bad || fds0 != fds1 ? 1 : 0, "%d not refused as expected, fds %d -> %d: %s",
	       bad, fds0, fds1, detail);
}

/* ---- a hostile producer: unsealed memfds, shrinking, malformed messages ---- */

/*
 * The consumer runs in a child so that a SIGBUS shows up as its exit status
 * instead of killing the test: against kind 10 (an unsealed memfd shrunk
 * after the first draw) it must refuse the scanout with EPERM and still be
 * there to report it.
 */
static int unsealed_consumer(void *arg, char *why, size_t wl)
{
	static const struct bad kind10 = { "unsealed memfd, shrunk after the first draw", 0, 0, 10, -EPERM };
	char err[300];
	int ret;

	(void)arg;
	ret = bad_peer_round(&kind10, true, err, sizeof(err));
	if (ret != -EPERM || !strstr(err, "F_SEAL_SHRINK"))
		return snprintf(why, wl, "consumer got %s (%s), want EPERM naming F_SEAL_SHRINK",
				ret ? strerror(-ret) : "no error", err), 2;
	snprintf(why, wl, "refused with EPERM (%s); the consumer lived to tell", err);
	return 0;
}

static void t_unsealed(void)
{
	struct child ch;
	char why[600] = "";
	int rc;

	child_start(&ch, unsealed_consumer, NULL);
	rc = child_wait(&ch, NULL, 40, why, sizeof(why));
	if (rc == 128 + SIGBUS)
		snprintf(why, sizeof(why), "the consumer died of SIGBUS: it mapped an unsealed memfd that shrank");
	result("unsealed_memfd_refused", rc ? 1 : 0, "%s", why);
}

/* An XR24 frame of XW x XH in a sealed memfd, stride 512. */
#define XW 100
#define XH 32
struct xr24 {
	int fd;
	uint8_t *map;
	struct qs_frame f;
};

static uint32_t xr24_px(uint32_t x, uint32_t y, uint32_t gen)
{
	return 0xff000000u | gen << 16 | y << 8 | x;
}

static int xr24_new(struct xr24 *x)
{
	memset(x, 0, sizeof(*x));
	x->fd = qs_memfd_create("selftest-xr24", 512 * XH);
	if (x->fd < 0)
		return x->fd;
	x->map = mmap(NULL, 512 * XH, PROT_READ | PROT_WRITE, MAP_SHARED, x->fd, 0);
	if (x->map == MAP_FAILED) {
		close(x->fd);
		return -errno;
	}
	x->f = (struct qs_frame){ .width = XW, .height = XH, .fourcc = DRM_FORMAT_XRGB8888,
				  .modifier = DRM_FORMAT_MOD_LINEAR, .num_planes = 1 };
	x->f.planes[0] = (struct qs_plane){ x->fd, 0, 512 };
	return 0;
}

static void xr24_free(struct xr24 *x)
{
	munmap(x->map, 512 * XH);
	close(x->fd);
}

static void xr24_paint(struct xr24 *x, const struct qs_rect *r, uint32_t gen)
{
	for (uint32_t y = r->y; y < r->y + r->h; y++)
		for (uint32_t xx = r->x; xx < r->x + r->w; xx++)
			((uint32_t *)(x->map + y * 512))[xx] = xr24_px(xx, y, gen);
}

/* Every pixel of the consumer's frame: gen 2 inside r (if any), 1 elsewhere. */
static int xr24_check(const struct qs_mapped_frame *f, const struct qs_rect *r, char *why, size_t wl)
{
	if (!f || f->num_planes != 1 || f->width != XW || f->height != XH || f->fourcc != DRM_FORMAT_XRGB8888)
		return snprintf(why, wl, "no %ux%u XR24 frame", XW, XH), -1;
	for (uint32_t y = 0; y < XH; y++)
		for (uint32_t x = 0; x < XW; x++) {
			bool in = r && x >= r->x && x < r->x + r->w && y >= r->y && y < r->y + r->h;
			uint32_t v = ((const uint32_t *)(f->planes[0].data + (size_t)y * f->planes[0].stride))[x];

			if (v != xr24_px(x, y, in ? 2 : 1))
				return snprintf(why, wl, "(%u,%u) = 0x%08x, want 0x%08x", x, y, v,
						xr24_px(x, y, in ? 2 : 1)), -1;
		}
	return 0;
}

static const struct qs_rect seal_rect = { 10, 4, 30, 12 };

/* Whole frame, ack, then the producer's update after its shrink attempt. */
static int sealed_consumer(void *arg, char *why, size_t wl)
{
	struct qs_client *c;
	struct qs_event ev;
	int ret = consumer_first_frame(&c, &ev, why, wl);

	(void)arg;
	if (ret)
		return ret;
	if (xr24_check(qs_client_frame(c), NULL, why, wl))
		return 3;
	if (qs_client_ack(c))
		return snprintf(why, wl, "ack: %s", qs_client_error(c)), 4;
	if (expect(c, QS_EVENT_DRAW, &ev, why, wl))
		return 5;
	if (ev.rect.x != seal_rect.x || ev.rect.y != seal_rect.y || ev.rect.w != seal_rect.w ||
	    ev.rect.h != seal_rect.h)
		return snprintf(why, wl, "draw %u,%u %ux%u", ev.rect.x, ev.rect.y, ev.rect.w, ev.rect.h), 6;
	/* every row, the last ones too: they would be gone had the shrink worked */
	if (xr24_check(qs_client_frame(c), &seal_rect, why, wl))
		return 7;
	qs_client_ack(c);
	qs_client_free(c);
	snprintf(why, wl, "all %ux%u pixels read after the shrink attempt", XW, XH);
	return 0;
}

/* Serves s until the first GL_DRAW_DONE (bounded); 0 if it came. */
static int wait_first_ack(struct qs_server *s, double bound)
{
	struct qs_server_stats st;
	double end = now_s() + bound;

	do {
		qs_server_dispatch(s, 20);
		qs_server_get_stats(s, &st);
	} while (st.draws_done < 1 && now_s() < end);
	return st.draws_done < 1 ? -1 : 0;
}

/*
 * What a producer could do to a plane a consumer has mapped: shrink it (to
 * nothing, by a row), grow it, add a seal. Each must fail with EPERM on a
 * qs_memfd_create() plane; returns how many did not, and says what happened.
 */
static int try_to_change(int fd, char *out, size_t ol)
{
	static const off_t sizes[] = { 0, 512 * (XH - 1), 512 * XH + 4096 };
	size_t len = 0;
	int bad = 0;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int r = ftruncate(fd, sizes[i]), e = errno;

		bad += !(r == -1 && e == EPERM);
		len += (size_t)snprintf(out + len, ol - len, "ftruncate(%lld): %s, ", (long long)sizes[i],
					r ? strerror(e) : "SUCCEEDED");
		if (len >= ol)
			len = ol - 1;
	}
	int r = fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), e = errno;

	bad += !(r == -1 && e == EPERM);
	snprintf(out + len, ol - len, "adding F_SEAL_WRITE: %s", r ? strerror(e) : "SUCCEEDED");
	return bad;
}

/* The producer side refuses an unsealed memfd before any consumer sees it. */
static void t_producer_unsealed(struct qs_server *s, const struct qs_frame *f)
{
	struct qs_frame uf = *f;
	int ret = -1;

	uf.planes[0].fd = unsealed_memfd(512 * XH, 0);
	if (uf.planes[0].fd >= 0) {
		ret = qs_server_set_frame(s, &uf);
		close(uf.planes[0].fd);
	}
	result("producer_refuses_unsealed", ret == -EPERM ? 0 : 1,
	       "qs_server_set_frame with an unsealed memfd: %s (want EPERM)", ret ? strerror(-ret) : "accepted");
}

/*
 * Our producer side seals its memfds, and that holds against the producer
 * itself: once a consumer has the frame, the plane cannot shrink, grow or
 * get another seal, and the consumer reads every pixel of an update made
 * after those attempts.
 */
static void t_seals(void)
{
	const int want = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
	struct qs_server *s = server(10000);
	struct xr24 x;
	struct child ch;
	char why[400] = "", tried[400] = "no ack of the first draw";
	int rc, seals, bad = 0;

	if (!s || xr24_new(&x)) {
		result("sealed_memfd", 1, "setup failed: %s", s ? "qs_memfd_create" : "server");
		qs_server_free(s);
		return;
	}
	t_producer_unsealed(s, &x.f);
	xr24_paint(&x, &(struct qs_rect){ 0, 0, XW, XH }, 1);
	seals = fcntl(x.fd, F_GET_SEALS);
	rc = qs_server_set_frame(s, &x.f);
	if (rc) {
		result("sealed_memfd", 1, "set_frame refused a sealed memfd: %s", strerror(-rc));
	} else {
		child_start(&ch, sealed_consumer, NULL);
		/* once the consumer has it mapped and read, try to take it away */
		if (wait_first_ack(s, 10))
			bad++;
		else
			bad += try_to_change(x.fd, tried, sizeof(tried));
		xr24_paint(&x, &seal_rect, 2);
		qs_server_damage(s, &seal_rect);
		rc = child_wait(&ch, s, 15, why, sizeof(why));
		if (rc == 128 + SIGBUS)
			snprintf(why, sizeof(why), "the consumer died of SIGBUS");
		result("sealed_memfd", rc || bad || seals != want ? 1 : 0, "seals 0x%x (want 0x%x); %s; consumer: %s",
		       (unsigned)seals, (unsigned)want, tried, why);
	}
	qs_server_free(s);
	xr24_free(&x);
}

/*
 * One consumer process, two producers: the real one (the parent's server)
 * and, one after the other, fake ones that misbehave. Each fake one must be
 * closed with an error while the real connection stays open, keeps its
 * mapping readable and delivers the next update.
 */
static int two_peers_consumer(void *arg, char *why, size_t wl)
{
	static const struct bad kinds[] = {
		{ "unsealed memfd", 0, 0, 10, -EPERM },
		{ "pipe as the plane", 0, 0, 11, -EINVAL },
		{ "6 fds", 0, 0, 12, -E2BIG },
		{ "truncated GL_SCANOUT2", 0, 0, 6, -EBADMSG },
		{ "GL_DRAW outside the frame", 0, 0, 3, -EINVAL },
	};
	struct qs_client *good;
	struct qs_event ev;
	char list[600] = "";
	size_t ll = 0;
	int ret = qs_client_connect(&good, sock_path, 0, 5000);

	(void)arg;
	if (ret)
		return snprintf(why, wl, "connect: %s", strerror(-ret)), 1;
	if (expect(good, QS_EVENT_SCANOUT, &ev, why, wl) || expect(good, QS_EVENT_DRAW, &ev, why, wl))
		return 2;
	if (xr24_check(qs_client_frame(good), NULL, why, wl))
		return 3;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		char err[300];

		ret = bad_peer_round(&kinds[i], true, err, sizeof(err));
		if (ret != kinds[i].want)
			return snprintf(why, wl, "bad peer '%s': got %s (%s), want %s", kinds[i].name,
					ret ? strerror(-ret) : "accepted", err, strerror(-kinds[i].want)), 4;
		ll += (size_t)snprintf(list + ll, sizeof(list) - ll, "%s%s: %s", i ? ", " : "", kinds[i].name,
				       strerror(-ret));
		if (ll >= sizeof(list))
			ll = sizeof(list) - 1;
		/* the good connection is untouched: open, nothing lost or queued */
		ret = qs_client_next(good, &ev, 0);
		if (ret != -ETIMEDOUT)
			return snprintf(why, wl, "after bad peer '%s' the good one gave %s (%s)", kinds[i].name,
					ret ? strerror(-ret) : "an event", qs_client_error(good)), 5;
	}
	if (xr24_check(qs_client_frame(good), NULL, why, wl))
		return 6;
	if (qs_client_ack(good))
		return snprintf(why, wl, "ack: %s", qs_client_error(good)), 7;
	if (expect(good, QS_EVENT_DRAW, &ev, why, wl))
		return 8;
	if (xr24_check(qs_client_frame(good), &seal_rect, why, wl))
		return 9;
	qs_client_ack(good);
	qs_client_free(good);
	snprintf(why, wl, "closed %zu bad producers (%s); the good one delivered its update, pixels match",
		 sizeof(kinds) / sizeof(kinds[0]), list);
	return 0;
}

static void t_bad_peer(void)
{
	struct qs_server *s = server(60000);
	struct qs_server_stats st;
	struct xr24 x;
	struct child ch;
	char why[1000] = "";
	int rc;

	if (!s || xr24_new(&x)) {
		result("bad_peer_closed", 1, "setup failed: %s", s ? "qs_memfd_create" : "server");
		qs_server_free(s);
		return;
	}
	xr24_paint(&x, &(struct qs_rect){ 0, 0, XW, XH }, 1);
	qs_server_set_frame(s, &x.f);
	child_start(&ch, two_peers_consumer, NULL);
	/* the consumer acks the first draw once it has seen off the bad peers */
	if (!wait_first_ack(s, 40)) {
		xr24_paint(&x, &seal_rect, 2);
		qs_server_damage(s, &seal_rect);
	}
	rc = child_wait(&ch, s, 15, why, sizeof(why));
	qs_server_get_stats(s, &st);
	if (rc == 128 + SIGBUS)
		snprintf(why, sizeof(why), "the consumer died of SIGBUS");
	result("bad_peer_closed", rc || st.dropped ? 1 : 0, "%s; producer dropped %llu", why,
	       (unsigned long long)st.dropped);
	qs_server_free(s);
	xr24_free(&x);
}

static int bad_consumer_on(struct sw_channel *ch, int kind, char *why, size_t wl)
{
	int fd;
	struct sw_channel_opts o;
	struct sw_msg m;

	memset(&o, 0, sizeof(o));
	o.channel_type = SPICE_CHANNEL_DISPLAY;
	sw_caps_set(o.common_caps, &o.num_common_caps, SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION);
	sw_caps_set(o.common_caps, &o.num_common_caps, SPICE_COMMON_CAP_AUTH_SPICE);
	sw_caps_set(o.common_caps, &o.num_common_caps, SPICE_COMMON_CAP_MINI_HEADER);
	sw_caps_set(o.channel_caps, &o.num_channel_caps, SPICE_DISPLAY_CAP_GL_SCANOUT);
	sw_caps_set(o.channel_caps, &o.num_channel_caps, QS_DISPLAY_CAP_MULTI_PLANE);
	o.timeout_ms = 5000;
	if (sw_channel_connect(ch, sock_path, 0, 5000) || sw_channel_link(ch, &o))
		return snprintf(why, wl, "link: %s", sw_channel_errmsg(ch)), 1;
	sw_channel_set_auto_base(ch, false);
	if (sw_channel_read(ch, &m, 5000))	/* the scanout */
		return snprintf(why, wl, "no scanout: %s", sw_channel_errmsg(ch)), 2;
	for (int i = 0; i < m.nfds; i++)
		close(m.fds[i]);
	if (sw_channel_read(ch, &m, 5000))	/* the first draw */
		return snprintf(why, wl, "no draw: %s", sw_channel_errmsg(ch)), 3;
	switch (kind) {
	case 0:	/* GL_DRAW_DONE with a body */
		sw_channel_send(ch, SPICE_MSGC_DISPLAY_GL_DRAW_DONE, "xyz", 3);
		break;
	case 1:	/* two GL_DRAW_DONE for one GL_DRAW */
		sw_channel_send(ch, SPICE_MSGC_DISPLAY_GL_DRAW_DONE, NULL, 0);
		sw_channel_send(ch, SPICE_MSGC_DISPLAY_GL_DRAW_DONE, NULL, 0);
		break;
	case 2:	/* some other client message */
		sw_channel_send(ch, SPICE_MSGC_DISPLAY_INIT, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 14);
		break;
	case 3:	/* an fd the producer did not ask for */
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		sw_channel_send_fds(ch, SPICE_MSGC_DISPLAY_GL_DRAW_DONE, NULL, 0, &fd, 1);
		close(fd);
		break;
	}
	/* the producer must hang up */
	int err;

	do
		err = sw_channel_read(ch, &m, 3000);
	while (!err);
	sw_channel_close(ch);
	if (err == -ETIMEDOUT)
		return snprintf(why, wl, "producer did not hang up"), 4;
	return 0;
}

static int bad_consumer(void *arg, char *why, size_t wl)
{
	struct sw_channel *ch = sw_channel_new();
	int ret;

	if (!ch)
		return snprintf(why, wl, "out of memory"), 1;
	ret = bad_consumer_on(ch, *(int *)arg, why, wl);
	sw_channel_free(ch);
	return ret;
}

static void t_malformed_to_producer(void)
{
	static const char *names[] = { "GL_DRAW_DONE with a body", "two GL_DRAW_DONE", "DISPLAY_INIT",
				       "GL_DRAW_DONE with an fd" };
	struct qs_server *s = server(5000);
	char detail[1000] = "";
	size_t dl = 0;
	int bad = 0;

	if (!s) {
		result("malformed_to_producer", 1, "setup failed");
		return;
	}
	qs_server_set_frame(s, &g_set.f);
	for (int k = 0; k < 4; k++) {
		struct qs_server_stats a, b;
		struct child ch;
		char why[400] = "";

		qs_server_get_stats(s, &a);
		child_start(&ch, bad_consumer, &k);
		int rc = child_wait(&ch, s, 15, why, sizeof(why));

		qs_server_get_stats(s, &b);
		if (rc || b.dropped != a.dropped + 1 || qs_server_consumers(s))
			bad++;
		dl += (size_t)snprintf(detail + dl, sizeof(detail) - dl, "%s%s: %s%s", k ? "; " : "", names[k],
				       b.dropped == a.dropped + 1 ? "dropped" : "NOT dropped", why);
		if (dl >= sizeof(detail))
			dl = sizeof(detail) - 1;
	}
	result("malformed_to_producer", bad ? 1 : 0, "%s", detail);
	qs_server_free(s);
}

static int selftest_make_key(struct sw_link_reply *rep)
{
	EVP_PKEY *key = EVP_RSA_gen(1024);
	uint8_t *der = rep->pub_key;
	int len;

	if (!key)
		return -1;
	len = i2d_PUBKEY(key, &der);
	EVP_PKEY_free(key);
	if (len != SPICE_TICKET_PUBKEY_BYTES)
		return -1;
	sw_caps_set(rep->common_caps, &rep->num_common_caps, SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION);
	sw_caps_set(rep->common_caps, &rep->num_common_caps, SPICE_COMMON_CAP_AUTH_SPICE);
	sw_caps_set(rep->common_caps, &rep->num_common_caps, SPICE_COMMON_CAP_MINI_HEADER);
	sw_caps_set(rep->channel_caps, &rep->num_channel_caps, SPICE_DISPLAY_CAP_GL_SCANOUT);
	sw_caps_set(rep->channel_caps, &rep->num_channel_caps, QS_DISPLAY_CAP_MULTI_PLANE);
	return 0;
}

static int want(int argc, char **argv, int first, const char *name)
{
	if (first >= argc)
		return 1;
	for (int i = first; i < argc; i++)
		if (!strcmp(argv[i], name))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	int first = 1;

	signal(SIGPIPE, SIG_IGN);
	if (argc > 1 && !strcmp(argv[1], "--no-drm")) {
		use_drm = 0;
		first = 2;
	}
	if (use_drm) {
		drm_fd = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
		if (drm_fd < 0) {
			fprintf(stderr, "scanout-selftest: /dev/dri/card0: %s (use --no-drm)\n", strerror(errno));
			return 1;
		}
	}
	snprintf(sock_path, sizeof(sock_path), "/tmp/scanout-selftest-%d.sock", (int)getpid());
	if (set_new(&g_set)) {
		result("setup", 1, "buffers: %s", strerror(errno));
		return 1;
	}
	set_paint(&g_set, 1, 0, 0, FW, FH);
	if (want(argc, argv, first, "multiplane"))
		t_multiplane();
	if (want(argc, argv, first, "singleplane"))
		t_singleplane();
	if (want(argc, argv, first, "flow"))
		t_flow();
	if (want(argc, argv, first, "stuck"))
		t_stuck();
	if (want(argc, argv, first, "malformed")) {
		t_malformed_to_consumer();
		t_malformed_to_producer();
	}
	if (want(argc, argv, first, "seals")) {
		t_unsealed();
		t_seals();
	}
	if (want(argc, argv, first, "bad_peer"))
		t_bad_peer();
	unlink(sock_path);
	return failures ? 1 : 0;
}

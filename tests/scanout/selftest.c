// SPDX-License-Identifier: MIT
/*
 * scanout-selftest: tests of libqxl-scanout, producer and consumer in
 * separate processes over a unix socket. In the guest the planes are dumb
 * buffers exported with PRIME (real dma-bufs); with --no-drm (host, meson
 * test) they are memfds.
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
	char msg[600];
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
	b->fd = memfd_create("plane", MFD_CLOEXEC);
	if (b->fd < 0 || ftruncate(b->fd, (off_t)size))
		return -errno;
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
	ret = qs_client_connect(&c, sock_path, 0, 5000);
	if (ret)
		return snprintf(why, wl, "connect: %s", strerror(-ret)), 1;
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
	int ret = qs_client_connect(&c, sock_path, 0, 5000);

	(void)arg;
	if (ret)
		return snprintf(why, wl, "connect: %s", strerror(-ret)), 1;
	if (expect(c, QS_EVENT_SCANOUT, &ev, why, wl) || expect(c, QS_EVENT_DRAW, &ev, why, wl))
		return 2;
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
	int ret = qs_client_connect(&c, sock_path, 0, 5000);

	(void)arg;
	if (ret)
		return snprintf(why, wl, "connect: %s", strerror(-ret)), 1;
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
	int n = 0, ret = qs_client_connect(&c, sock_path, 0, 5000);

	(void)arg;
	if (ret)
		return snprintf(why, wl, "connect: %s", strerror(-ret)), 1;
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
};

static int fake_producer(int fd, const struct bad *b)
{
	struct sw_channel ch;
	struct sw_link_reply rep;
	struct sw_link_mess got;
	struct sw_buf m;
	struct buf pb;
	int fds[4];

	memset(&rep, 0, sizeof(rep));
	sw_channel_from_fd(&ch, fd, true);
	/* a real key: the consumer encrypts its (empty) ticket with it */
	if (selftest_make_key(&rep))
		return 1;
	if (sw_server_accept_link(&ch, &rep, &got, 5000))
		return 2;
	if (buf_new(&pb, 4096 * 4))
		return 3;
	for (int i = 0; i < 4; i++)
		fds[i] = pb.fd;
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
		sw_channel_send(&ch, SPICE_MSG_DISPLAY_GL_DRAW, m.data, m.len);
	} else if (b->kind == 6) {
		sw_put_gl_scanout2(&m, &s2);
		sw_channel_send_fds(&ch, SW_MSG_DISPLAY_GL_SCANOUT2_UNIX, m.data, m.len - 3, fds, 1);
	} else if (b->kind == 7) {
		sw_put_gl_scanout2(&m, &s2);
		m.data[16] = 5;	/* num_planes */
		sw_wbytes(&m, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 32);
		sw_channel_send_fds(&ch, SW_MSG_DISPLAY_GL_SCANOUT2_UNIX, m.data, m.len, fds, 4);
	} else {
		sw_put_gl_scanout2(&m, &s2);
		sw_channel_send_fds(&ch, SW_MSG_DISPLAY_GL_SCANOUT2_UNIX, m.data, m.len, fds,
				    b->kind == 1 ? 0 : s2.num_planes);
		if (b->kind == 3 || b->kind == 4) {
			struct sw_gl_draw d = { 60, 0, 8, 8 };

			if (b->kind == 4)
				d.x = 0;
			sw_buf_reset(&m);
			sw_put_gl_draw(&m, &d);
			sw_channel_send(&ch, SPICE_MSG_DISPLAY_GL_DRAW, m.data, m.len);
			if (b->kind == 4)
				sw_channel_send(&ch, SPICE_MSG_DISPLAY_GL_DRAW, m.data, m.len);
		}
	}
	sw_buf_free(&m);
	buf_free(&pb);
	/* wait (bounded) for the consumer to hang up */
	struct sw_msg msg;

	sw_channel_read(&ch, &msg, 5000);
	sw_channel_close(&ch);
	return 0;
}

static void t_malformed_to_consumer(void)
{
	static const struct bad cases[] = {
		{ "2 planes for XR24", 0, 0, 0 },
		{ "no fd", 0, 0, 1 },
		{ "stride x height beyond the dma-buf", 0, 0, 2 },
		{ "GL_DRAW outside the frame", 0, 0, 3 },
		{ "second GL_DRAW before GL_DRAW_DONE", 0, 0, 4 },
		{ "GL_DRAW before any scanout", 0, 0, 5 },
		{ "truncated GL_SCANOUT2", 0, 0, 6 },
		{ "5 planes", 0, 0, 7 },
		{ "X-tiled modifier (cannot be mapped)", 0, 0, 8 },
		{ "stride smaller than a row", 0, 0, 9 },
	};
	char detail[2000] = "";
	int bad = 0, fds0 = count_fds();
	size_t dl = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int sv[2];
		pid_t pid;
		struct qs_client *c;
		struct qs_event ev;
		int ret, st, events = 0;

		socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			close(sv[0]);
			alarm(20);
			_exit(fake_producer(sv[1], &cases[i]));
		}
		close(sv[1]);
		ret = qs_client_from_fd(&c, sv[0], 0, 5000);
		if (!ret) {
			do {
				ret = qs_client_next(c, &ev, 5000);
				events += !ret;
				if (!ret && ev.type == QS_EVENT_DRAW && cases[i].kind != 4)
					qs_client_ack(c);
			} while (!ret && events < 5);
			dl += (size_t)snprintf(detail + dl, sizeof(detail) - dl, "%s%s: %s", i ? "; " : "",
					       cases[i].name, ret ? strerror(-ret) : "ACCEPTED");
			if (!ret || ret == -ETIMEDOUT)
				bad++;
			qs_client_free(c);
		} else {
			bad++;
			dl += (size_t)snprintf(detail + dl, sizeof(detail) - dl, "%slink failed", i ? "; " : "");
		}
		waitpid(pid, &st, 0);
		if (dl >= sizeof(detail))
			dl = sizeof(detail) - 1;
	}
	int fds1 = count_fds();

	result("malformed_to_consumer", bad || fds0 != fds1 ? 1 : 0, "%d not refused, fds %d -> %d: %s", bad, fds0,
	       fds1, detail);
}

static int bad_consumer(void *arg, char *why, size_t wl)
{
	int kind = *(int *)arg, fd;
	struct sw_channel ch;
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
	if (sw_channel_connect(&ch, sock_path, 0, 5000) || sw_channel_link(&ch, &o))
		return snprintf(why, wl, "link: %s", ch.errmsg), 1;
	ch.auto_base = false;
	if (sw_channel_read(&ch, &m, 5000))	/* the scanout */
		return snprintf(why, wl, "no scanout: %s", ch.errmsg), 2;
	for (int i = 0; i < m.nfds; i++)
		close(m.fds[i]);
	if (sw_channel_read(&ch, &m, 5000))	/* the first draw */
		return snprintf(why, wl, "no draw: %s", ch.errmsg), 3;
	switch (kind) {
	case 0:	/* GL_DRAW_DONE with a body */
		sw_channel_send(&ch, SPICE_MSGC_DISPLAY_GL_DRAW_DONE, "xyz", 3);
		break;
	case 1:	/* two GL_DRAW_DONE for one GL_DRAW */
		sw_channel_send(&ch, SPICE_MSGC_DISPLAY_GL_DRAW_DONE, NULL, 0);
		sw_channel_send(&ch, SPICE_MSGC_DISPLAY_GL_DRAW_DONE, NULL, 0);
		break;
	case 2:	/* some other client message */
		sw_channel_send(&ch, SPICE_MSGC_DISPLAY_INIT, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 14);
		break;
	case 3:	/* an fd the producer did not ask for */
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		sw_channel_send_fds(&ch, SPICE_MSGC_DISPLAY_GL_DRAW_DONE, NULL, 0, &fd, 1);
		close(fd);
		break;
	}
	/* the producer must hang up */
	int err;

	do
		err = sw_channel_read(&ch, &m, 3000);
	while (!err);
	sw_channel_close(&ch);
	if (err == SW_E_TIMEOUT)
		return snprintf(why, wl, "producer did not hang up"), 4;
	return 0;
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
	unlink(sock_path);
	return failures ? 1 : 0;
}

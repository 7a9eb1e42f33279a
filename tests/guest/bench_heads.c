// SPDX-License-Identifier: MIT
/*
 * Multi-head, pacing, hotplug and cursor benchmark, run in the guest by
 * tests/bench.sh against both the in-tree qxl driver and qxl-ng (generic KMS
 * API only). Each figure is printed as
 *   @@BENCH <name> <value> <unit>
 * and a figure that cannot be measured on this driver or setup as
 *   @@BENCH-NA <name> <reason>
 * so that the table says why it is absent.
 *
 *   hotplug latency   time from sending the host the `client-monitors` request
 *                     (the SPICE client sends a layout through the vdagent
 *                     port) to the drm HOTPLUG=1 uevent in the guest; the first
 *                     request (agent start-up included) and the median of the
 *                     following ones. Needs vmtest.py --spice-client --vdagent
 *                     and max_outputs=2; this program holds /dev/vport0p1 open.
 *   two-head damage   heads 0 and 1 lit (1024x768 each), DIRTYFB alternately on
 *                     each head's framebuffer: full frames and 64x64 rectangles;
 *                     then the same with one 2048x768 framebuffer on both CRTCs
 *                     (two_head_shared_fb_*, as an X server lays heads out).
 *   flip pacing       120 page flips on head 0, mean and worst deviation from the
 *                     mode's frame time of the intervals between the flip events'
 *                     timestamps (flip_pacing_*) and between the moments the
 *                     program received them (flip_arrival_pacing_*).
 *   cursor moves/s    legacy drmModeMoveCursor calls per second if the driver
 *                     offers a cursor plane for CRTC 0 (and SetCursor works).
 */
#define _GNU_SOURCE
#include <linux/netlink.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "kmsutil.h"

#define ITER_HOTPLUG	5	/* odd: the last layout is two 1024x768 heads */
#define ITER_FLIP	120
#define ITER_FULL	60
#define ITER_SMALL	400
#define ITER_CURSOR	600

static struct kdev dev;
static uint32_t crtcs[2], conns[2];

static void report(const char *name, double value, const char *unit)
{
	printf("@@BENCH %s %.3f %s\n", name, value, unit);
	fflush(stdout);
}

static void absent(const char *name, const char *why)
{
	printf("@@BENCH-NA %s %s\n", name, why);
	fflush(stdout);
}

/* ---- drm hotplug uevents, timestamped by a reader thread */

static struct {
	pthread_mutex_t lock;
	int fd;
	int count;		/* drm HOTPLUG=1 uevents seen */
	double at[64];		/* kms_now() when uevent n arrived, at[n % 64] */
	int stop;
} ue = { .lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1 };

static void *uevent_reader(void *arg)
{
	char buf[4096];

	(void)arg;
	for (;;) {
		struct pollfd pfd = { .fd = ue.fd, .events = POLLIN };
		ssize_t len, i;
		int drm = 0, hp = 0, stop;

		pthread_mutex_lock(&ue.lock);
		stop = ue.stop;
		pthread_mutex_unlock(&ue.lock);
		if (stop)
			return NULL;
		if (poll(&pfd, 1, 100) != 1)
			continue;
		len = recv(ue.fd, buf, sizeof(buf) - 1, 0);
		if (len <= 0)
			continue;
		buf[len] = 0;
		for (i = 0; i < len; i += strlen(buf + i) + 1) {
			drm |= !strcmp(buf + i, "SUBSYSTEM=drm");
			hp |= !strcmp(buf + i, "HOTPLUG=1");
		}
		if (drm && hp) {
			double t = kms_now();

			pthread_mutex_lock(&ue.lock);
			ue.at[ue.count % 64] = t;
			ue.count++;
			pthread_mutex_unlock(&ue.lock);
		}
	}
}

static int uevent_open(pthread_t *th)
{
	ue.fd = kms_uevent_socket();
	if (ue.fd < 0)
		return -EIO;
	if (pthread_create(th, NULL, uevent_reader, NULL)) {
		close(ue.fd);
		ue.fd = -1;
		return -EIO;
	}
	return 0;
}

static void uevent_close(pthread_t th)
{
	pthread_mutex_lock(&ue.lock);
	ue.stop = 1;
	pthread_mutex_unlock(&ue.lock);
	pthread_join(th, NULL);
	close(ue.fd);
}

/* Latency in ms from now to the next drm hotplug uevent (10 s max), or -1. */
static double hotplug_request(const char *layout)
{
	double t0, end;
	int before;

	pthread_mutex_lock(&ue.lock);
	before = ue.count;
	pthread_mutex_unlock(&ue.lock);
	t0 = kms_now();
	if (qt_host("client-monitors %s", layout))
		return -1;
	printf("bench_heads: host answered after %.1f ms, %d uevents so far\n",
	       (kms_now() - t0) * 1000.0, ue.count - before);
	end = t0 + 10.0;
	while (kms_now() < end) {
		double at = 0;

		/* with several uevents per request the first one counts */
		pthread_mutex_lock(&ue.lock);
		if (ue.count > before)
			at = ue.at[before % 64];
		pthread_mutex_unlock(&ue.lock);
		if (at > 0)
			return (at - t0) * 1000.0;
		usleep(2000);
	}
	return -1;
}

/* The vdagent port held open in place of a vdagent daemon: a child that
 * drains it, stopped by PID at the end. */
static pid_t agent_start(void)
{
	pid_t pid;

	if (access("/dev/vport0p1", R_OK))
		return -1;
	pid = fork();
	if (pid == 0) {
		char buf[4096];
		int fd = open("/dev/vport0p1", O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			_exit(1);
		while (read(fd, buf, sizeof(buf)) >= 0)
			;
		_exit(0);
	}
	return pid;
}

static void agent_stop(pid_t pid)
{
	int i;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (i = 0; i < 30; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		usleep(100000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void bench_hotplug(void)
{
	static const char *const layouts[2] = {
		"1024x768+0+0 1024x768+1024+0", "1280x800+0+0 1024x768+1280+0",
	};
	double lat[ITER_HOTPLUG];
	pthread_t th;
	int i, n = 0;

	if (uevent_open(&th)) {
		absent("hotplug_latency_first", "no uevent socket");
		return;
	}
	for (i = 0; i < ITER_HOTPLUG; i++) {
		double v = hotplug_request(layouts[i & 1]);

		if (v < 0) {
			printf("bench_heads: no drm hotplug uevent within 10 s of request %d\n", i);
			continue;
		}
		lat[n++] = v;
		/* let the driver and the client settle before the next layout */
		usleep(1000000);
		pthread_mutex_lock(&ue.lock);
		printf("bench_heads: request %d: %.1f ms, %d drm hotplug uevents in total\n",
		       i, v, ue.count);
		pthread_mutex_unlock(&ue.lock);
	}
	uevent_close(th);
	if (n == 0) {
		absent("hotplug_latency_first", "no drm hotplug uevent after the client's requests");
		return;
	}
	report("hotplug_latency_first", lat[0], "ms");
	if (n > 1) {
		qsort(lat + 1, n - 1, sizeof(double), kms_cmp_double);
		report("hotplug_latency_median", lat[1 + (n - 1) / 2], "ms");
	}
}

/* Wait (5 s max) for connector i to be connected with a w x h mode. */
static int head_mode(int i, int w, int h, drmModeModeInfo *out)
{
	int k, j;

	for (k = 0; k < 50; k++) {
		drmModeConnector *c = drmModeGetConnector(dev.fd, conns[i]);
		int ok = 0;

		for (j = 0; c && c->connection == DRM_MODE_CONNECTED && j < c->count_modes; j++) {
			if (c->modes[j].hdisplay == w && c->modes[j].vdisplay == h) {
				*out = c->modes[j];
				ok = 1;
				break;
			}
		}
		drmModeFreeConnector(c);
		if (ok)
			return 0;
		usleep(100000);
	}
	return -1;
}

/* Paint fb[0] (or the left half of a shared fb) c0 and the other head c1,
 * flush them and ask the host whether the screendump shows exactly that at
 * the heads (0,0 and 1024,0). shared: fb[0] is one 2048x768 framebuffer
 * on both CRTCs. */
static int two_heads_shown(struct kfb *fb, uint32_t c0, uint32_t c1, int shared)
{
	drmModeClip all = { 0, 0, 2048, 768 };

	if (shared) {
		kfb_fill(&fb[0], 0, 0, 1024, 768, c0);
		kfb_fill(&fb[0], 1024, 0, 1024, 768, c1);
		drmModeDirtyFB(dev.fd, fb[0].fb_id, &all, 1);
	} else {
		kfb_fill(&fb[0], 0, 0, 1024, 768, c0);
		kfb_fill(&fb[1], 0, 0, 1024, 768, c1);
		drmModeDirtyFB(dev.fd, fb[0].fb_id, NULL, 0);
		drmModeDirtyFB(dev.fd, fb[1].fb_id, NULL, 0);
	}
	return qt_host("screendump-region 0 0 2048 768 0x%06x 1024 0 1024 768 0x%06x", c0, c1) == 0;
}

static double dirty_alternate(struct kfb *fb, drmModeClip *clip, int iters)
{
	double t0 = kms_now();
	int i;

	for (i = 0; i < iters; i++) {
		struct kfb *f = &fb[i & 1];

		f->px[(i * 97) % (f->size / 4)] ^= 0xffffff;
		if (drmModeDirtyFB(dev.fd, f->fb_id, clip, clip ? 1 : 0))
			return -1;
	}
	return iters / (kms_now() - t0);
}

/* The X server's way: one 2048x768 framebuffer scanned out by both CRTCs
 * (head 1 at x=1024), damage alternately inside each head's half. */
static void bench_shared_fb(drmModeModeInfo *m)
{
	struct kfb big;
	double t0;
	int i, k;

	if (kfb_create(&dev, &big, 2048, 768)) {
		absent("two_head_shared_fb_full", "no 2048x768 framebuffer");
		return;
	}
	kfb_fill(&big, 0, 0, 2048, 768, 0x004000);
	for (i = 0; i < 2; i++) {
		if (drmModeSetCrtc(dev.fd, crtcs[i], big.fb_id, i * 1024, 0, &conns[i], 1, &m[i])) {
			printf("bench_heads: shared fb on head %d: %s\n", i, strerror(errno));
			absent("two_head_shared_fb_full", "one framebuffer on both CRTCs refused");
			kfb_destroy(&dev, &big);
			return;
		}
	}
	for (k = 0; k < 2; k++) {
		int iters = k ? ITER_SMALL : ITER_FULL, ok = 1;
		double v;

		t0 = kms_now();
		for (i = 0; i < iters && ok; i++) {
			int x = (i & 1) * 1024;
			drmModeClip c = k ? (drmModeClip){ x + 480, 352, x + 544, 416 } :
					    (drmModeClip){ x, 0, x + 1024, 768 };

			big.px[352 * (big.pitch / 4) + x + 480 + (i % 64)] ^= 0xffffff;
			ok = !drmModeDirtyFB(dev.fd, big.fb_id, &c, 1);
		}
		v = iters / (kms_now() - t0);
		if (ok && two_heads_shown(&big, k ? 0x00c000 : 0xc0c000, 0x00c0c0, 1))
			report(k ? "two_head_shared_fb_64x64" : "two_head_shared_fb_full", v, "ops/s");
		else
			absent(k ? "two_head_shared_fb_64x64" : "two_head_shared_fb_full",
			       ok ? "updates do not reach the screen (host check of the heads at 0,0 and 1024,0 failed)" :
			       "DIRTYFB failed");
	}
	drmModeSetCrtc(dev.fd, crtcs[1], 0, 0, 0, NULL, 0, NULL);
	drmModeSetCrtc(dev.fd, crtcs[0], 0, 0, 0, NULL, 0, NULL);
	kfb_destroy(&dev, &big);
}

static void bench_two_heads(int have_agent)
{
	drmModeModeInfo m[2];
	struct kfb fb[2];
	drmModeClip small = { 480, 352, 544, 416 };
	double v, v2;
	int i, shown;

	if (!have_agent) {
		absent("two_head_dirtyfb_full", "no second head (needs --vdagent, max_outputs=2)");
		return;
	}
	if (head_mode(0, 1024, 768, &m[0]) || head_mode(1, 1024, 768, &m[1])) {
		absent("two_head_dirtyfb_full", "connector 1 not connected at 1024x768 after the client's layout");
		return;
	}
	for (i = 0; i < 2; i++) {
		if (kfb_create(&dev, &fb[i], 1024, 768)) {
			absent("two_head_dirtyfb_full", "framebuffers");
			return;
		}
		kfb_fill(&fb[i], 0, 0, 1024, 768, i ? 0x000080 : 0x800000);
	}
	for (i = 0; i < 2; i++) {
		if (drmModeSetCrtc(dev.fd, crtcs[i], fb[i].fb_id, 0, 0, &conns[i], 1, &m[i])) {
			printf("bench_heads: SETCRTC head %d: %s\n", i, strerror(errno));
			absent("two_head_dirtyfb_full", "two heads could not be lit");
			goto out;
		}
	}
	v = dirty_alternate(fb, NULL, ITER_FULL);
	v2 = dirty_alternate(fb, &small, ITER_SMALL);
	/* Only a figure for updates that reach the screen: repaint both heads
	 * and let the host check the whole primary (heads side by side). */
	shown = two_heads_shown(fb, 0xc00000, 0x0000c0, 0);
	if (v > 0 && shown)
		report("two_head_dirtyfb_full", v, "ops/s");
	else
		absent("two_head_dirtyfb_full", v <= 0 ? "DIRTYFB failed" :
		       "DIRTYFB on the two heads' framebuffers does not reach the screen (host check of the heads at 0,0 and 1024,0 failed)");
	if (v2 > 0 && shown)
		report("two_head_dirtyfb_64x64", v2, "ops/s");
	else
		absent("two_head_dirtyfb_64x64", v2 <= 0 ? "DIRTYFB failed" :
		       "DIRTYFB on the two heads' framebuffers does not reach the screen (host check of the heads at 0,0 and 1024,0 failed)");
	bench_shared_fb(m);
out:
	drmModeSetCrtc(dev.fd, crtcs[1], 0, 0, 0, NULL, 0, NULL);
	for (i = 0; i < 2; i++)
		kfb_destroy(&dev, &fb[i]);
}

/* Mean and worst |interval - frame time| of a series of times (s). */
static void pacing(const char *name, const double *t, int n, double frame_ms)
{
	double sum = 0, worst = 0;
	char buf[64];
	int i;

	for (i = 1; i < n; i++) {
		double d = (t[i] - t[i - 1]) * 1000.0 - frame_ms;

		d = d < 0 ? -d : d;
		sum += d;
		if (d > worst)
			worst = d;
	}
	snprintf(buf, sizeof(buf), "%s_mean_dev", name);
	report(buf, sum / (n - 1), "ms");
	snprintf(buf, sizeof(buf), "%s_worst_dev", name);
	report(buf, worst, "ms");
}

static void bench_pacing(void)
{
	drmModeModeInfo mode;
	struct kfb a, b;
	double ts[ITER_FLIP + 1], rx[ITER_FLIP + 1], frame_ms, t0, t1;
	int i, n = 0;

	if (kms_find_mode(&dev, 1024, 768, &mode) || kfb_create(&dev, &a, 1024, 768) ||
	    kfb_create(&dev, &b, 1024, 768)) {
		absent("flip_pacing_mean_dev", "no 1024x768 mode or framebuffers");
		return;
	}
	kfb_fill(&a, 0, 0, 1024, 768, 0x303030);
	kfb_fill(&b, 0, 0, 1024, 768, 0x606060);
	frame_ms = (double)mode.htotal * mode.vtotal / mode.clock;
	if (drmModeSetCrtc(dev.fd, dev.crtc_id, a.fb_id, 0, 0, &dev.conn_id, 1, &mode)) {
		absent("flip_pacing_mean_dev", "modeset failed");
		goto out;
	}
	t0 = kms_now();
	for (i = 0; i <= ITER_FLIP; i++) {
		double when = 0;

		if (drmModePageFlip(dev.fd, dev.crtc_id, (i & 1) ? a.fb_id : b.fb_id,
				    DRM_MODE_PAGE_FLIP_EVENT, NULL) ||
		    kms_wait_event(&dev, 5000, NULL, &when))
			break;
		rx[n] = kms_now();
		ts[n++] = when;
	}
	t1 = kms_now();
	if (n < ITER_FLIP + 1) {
		printf("bench_heads: flip %d failed: %s\n", n, strerror(errno));
		absent("flip_pacing_mean_dev", "page flip or its event failed");
		goto out;
	}
	printf("bench_heads: %d flips in %.3f s, frame time %.3f ms\n", ITER_FLIP, t1 - t0,
	       frame_ms);
	pacing("flip_pacing", ts, n, frame_ms);
	pacing("flip_arrival_pacing", rx, n, frame_ms);
out:
	kfb_destroy(&dev, &a);
	kfb_destroy(&dev, &b);
}

/* A cursor plane that can go on CRTC 0 (index 0 in possible_crtcs). */
static int have_cursor_plane(void)
{
	drmModePlaneRes *pr = drmModeGetPlaneResources(dev.fd);
	int found = 0;
	uint32_t i, j;

	for (i = 0; pr && i < pr->count_planes && !found; i++) {
		drmModePlane *pl = drmModeGetPlane(dev.fd, pr->planes[i]);
		drmModeObjectProperties *props;

		if (!pl)
			continue;
		props = drmModeObjectGetProperties(dev.fd, pl->plane_id, DRM_MODE_OBJECT_PLANE);
		for (j = 0; props && j < props->count_props; j++) {
			drmModePropertyRes *p = drmModeGetProperty(dev.fd, props->props[j]);

			if (p && !strcmp(p->name, "type") &&
			    props->prop_values[j] == DRM_PLANE_TYPE_CURSOR && (pl->possible_crtcs & 1))
				found = 1;
			drmModeFreeProperty(p);
		}
		drmModeFreeObjectProperties(props);
		drmModeFreePlane(pl);
	}
	drmModeFreePlaneResources(pr);
	return found;
}

static void bench_cursor(void)
{
	struct kfb cur;
	double t0, v;
	int i;

	if (!have_cursor_plane()) {
		absent("cursor_moves", "driver has no cursor plane");
		return;
	}
	if (kfb_create(&dev, &cur, 64, 64)) {
		absent("cursor_moves", "no 64x64 cursor buffer");
		return;
	}
	kfb_fill(&cur, 0, 0, 64, 64, 0xffffffff);
	if (drmModeSetCursor(dev.fd, dev.crtc_id, cur.handle, 64, 64)) {
		printf("bench_heads: SetCursor: %s\n", strerror(errno));
		absent("cursor_moves", "legacy SetCursor refused");
		kfb_destroy(&dev, &cur);
		return;
	}
	t0 = kms_now();
	for (i = 0; i < ITER_CURSOR; i++)
		if (drmModeMoveCursor(dev.fd, dev.crtc_id, (i * 7) % 960, (i * 5) % 704))
			break;
	v = i / (kms_now() - t0);
	if (i == ITER_CURSOR)
		report("cursor_moves", v, "moves/s");
	else
		absent("cursor_moves", "MoveCursor failed");
	drmModeSetCursor(dev.fd, dev.crtc_id, 0, 0, 0);
	kfb_destroy(&dev, &cur);
}

int main(void)
{
	drmModeRes *res;
	pid_t agent;
	int two;

	if (kms_open(&dev)) {
		qt_result("bench-heads-setup", 1, "no qxl card");
		return 1;
	}
	res = drmModeGetResources(dev.fd);
	two = res && res->count_crtcs >= 2 && res->count_connectors >= 2;
	if (res && res->count_crtcs > 0 && res->count_connectors > 0) {
		crtcs[0] = res->crtcs[0];
		conns[0] = res->connectors[0];
		crtcs[1] = two ? res->crtcs[1] : 0;
		conns[1] = two ? res->connectors[1] : 0;
	}
	drmModeFreeResources(res);

	agent = two ? agent_start() : -1;
	if (agent > 0) {
		usleep(1000000);
		bench_hotplug();
	} else {
		absent("hotplug_latency_first", two ? "no vdagent port (vmtest.py --vdagent)" :
		       "fewer than two CRTCs/connectors (num_heads, max_outputs=2)");
	}
	bench_two_heads(agent > 0);
	agent_stop(agent);
	/* kms_open() picked connector/CRTC 0 before the layout changed */
	bench_pacing();
	bench_cursor();
	qt_result("bench-heads-complete", 0, "all figures printed or reported absent");
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * Atomic commits and vblank as a DRM maintainer checks them on any atomic
 * driver (issue 14), one result each:
 *
 *  - flip events: each arrives at the vblank after its flip, carries the
 *    vblank counter of that moment, and timestamps advance by exactly the
 *    frames that passed;
 *  - a flip queued right after a vblank (the next one not yet due) or just
 *    after one expired completes at the next vblank;
 *  - a relative vblank wait interrupted by signals (EINTR, repeated as
 *    drmWaitVBlank() does) ends at the vblank it asked for;
 *  - legacy cursor moves never wait for a vblank and do not delay a flip;
 *  - after a modeset the vblank counter and timestamps go on, not back;
 *  - disabling the primary plane while a flip is pending works (the flip
 *    event still comes);
 *  - a nonblocking modeset right after legacy cursor updates is accepted,
 *    not EBUSY;
 *  - one commit changing the primary and the cursor, with and without a
 *    modeset, blocking and nonblocking, shows both;
 *  - two threads committing to two CRTCs at once: every commit succeeds
 *    and each head shows its own last frame.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>

#include "kmsutil.h"

#define W 640
#define H 480

static struct kdev dev;
static drmModeModeInfo mode;
static struct kfb fbs[2], cur;
static uint32_t cursor_plane, mode_blob, cursor_fb;	/* cursor_fb: ARGB8888 over cur */
static double period;	/* seconds per frame of @mode */

struct flip_ev {
	unsigned int seq;
	double when;		/* event timestamp */
	double got;		/* when userspace read it */
	uint32_t crtc;
};

static void on_flip(int fd, unsigned int seq, unsigned int s, unsigned int us, unsigned int crtc,
		    void *data)
{
	struct flip_ev *e = data;

	(void)fd;
	e->seq = seq;
	e->when = s + us / 1e6;
	e->got = kms_now();
	e->crtc = crtc;
}

/* Wait (bounded) for the event of a commit that passed @e as user data. */
static int wait_flip(int fd, struct flip_ev *e, int ms)
{
	drmEventContext ctx = { .version = 3, .page_flip_handler2 = on_flip };
	double end = kms_now() + ms / 1000.0;

	e->got = 0;
	while (!e->got && kms_now() < end) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 50) == 1)
			drmHandleEvent(fd, &ctx);
	}
	return e->got ? 0 : -ETIMEDOUT;
}

/* Current vblank count and time of CRTC 0. */
static int vbl_now(unsigned int *seq, double *when)
{
	drmVBlank v = { .request.type = DRM_VBLANK_RELATIVE, .request.sequence = 0 };

	if (drmWaitVBlank(dev.fd, &v))
		return -errno;
	*seq = v.reply.sequence;
	*when = v.reply.tval_sec + v.reply.tval_usec / 1e6;
	return 0;
}

/* Wait for the next vblank; its count and time. */
static int vbl_next(unsigned int *seq, double *when)
{
	drmVBlank v = { .request.type = DRM_VBLANK_RELATIVE, .request.sequence = 1 };

	if (drmWaitVBlank(dev.fd, &v))
		return -errno;
	*seq = v.reply.sequence;
	*when = v.reply.tval_sec + v.reply.tval_usec / 1e6;
	return 0;
}

/* Frames between two timestamps, and how far from a whole number (in frames). */
static double frames_off(double dt, long *frames)
{
	*frames = (long)(dt / period + 0.5);
	return dt / period - *frames;
}

static void flip_events(void)
{
	struct flip_ev e[12];
	unsigned int before, i, bad_seq = 0, bad_ts = 0, late = 0;
	double t, worst = 0;
	char why[160] = "";

	for (i = 0; i < 12; i++) {
		unsigned int now_seq;
		double now_t;

		vbl_now(&before, &t);
		if (drmModePageFlip(dev.fd, dev.crtc_id, fbs[(i + 1) % 2].fb_id,
				    DRM_MODE_PAGE_FLIP_EVENT, &e[i]) || wait_flip(dev.fd, &e[i], 1000)) {
			qt_result("flip-event-sequence", QT_FAIL, "flip %u: %s", i, strerror(errno));
			return;
		}
		vbl_now(&now_seq, &now_t);
		/* at the vblank after the flip: the count then, not later */
		if (e[i].seq <= before || e[i].seq > now_seq)
			bad_seq++;
		if (e[i].seq > before + 1 && !late++)
			snprintf(why, sizeof(why), "; flip %u: queued at %u, event %u", i, before,
				 e[i].seq);
		if (i) {
			long n;
			double off = frames_off(e[i].when - e[i - 1].when, &n);

			if (n != (long)(e[i].seq - e[i - 1].seq) || off > 0.05 || off < -0.05)
				bad_ts++;
			if (off * off > worst * worst)
				worst = off;
		}
	}
	qt_result("flip-event-sequence", bad_seq ? QT_FAIL : QT_PASS,
		  "12 flips: %u events outside (queued count, count when read]; %u took more "
		  "than one vblank (TCG scheduling)%s", bad_seq, late, why);
	qt_result("flip-event-timestamps", bad_ts ? QT_FAIL : QT_PASS,
		  "%u of 11 intervals not the frames counted; worst %.3f frame off a whole "
		  "number (%.3f ms a frame)", bad_ts, worst, period * 1e3);
}

/*
 * A flip queued in the first half of a frame: done at the next vblank. A flip
 * whose ioctl returns later than that (a busy TCG host, a debug kernel) leaves
 * the commit worker too little of the frame to judge the driver by; such tries
 * are counted and repeated, up to 20 tries for 5 judged flips. With fewer
 * than 5 judged and none late the result is a SKIP saying so (the release
 * kernels judge 5 in 5 to 8 tries).
 */
static void flip_after_vblank(void)
{
	unsigned int seq, tries, judged = 0, late_queued = 0, bad = 0;
	struct flip_ev e;
	double t, queued, worst = 0;

	for (tries = 0; tries < 20 && judged < 5; tries++) {
		if (vbl_next(&seq, &t) || drmModePageFlip(dev.fd, dev.crtc_id,
							   fbs[tries % 2].fb_id,
							   DRM_MODE_PAGE_FLIP_EVENT, &e)) {
			bad++;
			judged++;
			continue;
		}
		queued = kms_now() - t;
		if (wait_flip(dev.fd, &e, 1000)) {
			bad++;
			judged++;
			continue;
		}
		if (queued > period / 2) {
			late_queued++;
			continue;
		}
		judged++;
		if (e.seq != seq + 1)
			bad++;
		if (e.when - t > worst)
			worst = e.when - t;
	}
	if (!bad && judged < 5) {
		/* measured on the debug kernel under TCG: 18 of 20 flip ioctls that slow */
		qt_result("flip-next-vblank", QT_SKIP,
			  "the guest queued only %u of %u flips within half a frame after the "
			  "vblank (the flip ioctl itself takes longer: a debug kernel under "
			  "TCG), too few to judge; none of them late", judged, tries);
		return;
	}
	qt_result("flip-next-vblank", bad ? QT_FAIL : QT_PASS,
		  "%u flips queued within half a frame after vblank N: %u not completed at "
		  "N+1; longest %.1f ms after N (a frame is %.1f ms); %u more queued later "
		  "than that, not judged", judged, bad, worst * 1e3, period * 1e3, late_queued);
}

static volatile sig_atomic_t alarms;
static void on_alarm(int s)
{
	(void)s;
	alarms++;
}

static void wait_interrupted(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct itimerval it = { { 0, 3000 }, { 0, 3000 } };
	drmVBlank v = { .request.type = DRM_VBLANK_RELATIVE, .request.sequence = 30 };
	unsigned int start;
	double t0, t1;
	int ret;

	vbl_now(&start, &t0);
	sigaction(SIGALRM, &sa, NULL);
	alarms = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	ret = drmWaitVBlank(dev.fd, &v);
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	signal(SIGALRM, SIG_DFL);
	t1 = v.reply.tval_sec + v.reply.tval_usec / 1e6;
	/*
	 * A relative wait restarted after a signal must keep its target: with
	 * every signal restarting it from the count then, it would end 30
	 * frames after the last one. start + 31: the count moved between
	 * reading it and asking (a slow guest).
	 */
	qt_result("vblank-wait-eintr", ret || v.reply.sequence - start < 30 ||
		  v.reply.sequence - start > 31 || alarms < 2 ?
		  QT_FAIL : QT_PASS, "+30 frames from %u with %d signals on the way: %s, ended at "
		  "%u after %.1f frames", start, (int)alarms, ret ? strerror(errno) : "ok",
		  v.reply.sequence, (t1 - t0) / period);
}

/*
 * Legacy cursor moves do not wait for a vblank: a driver that waited would take
 * about a frame for every move after the first. Judged by the median move, so
 * that a host that deschedules the guest for a moment (TCG beside other work)
 * does not decide it; the total and the longest are reported.
 */
static void cursor_no_wait(void)
{
	unsigned int seq, moved, i;
	struct flip_ev e;
	double t, t_moved = 0, t0, took[60], total;
	int ret;

	drmModeSetCursor(dev.fd, dev.crtc_id, cur.handle, 64, 64);
	t0 = kms_now();
	for (i = 0; i < 60; i++) {
		double a = kms_now();

		drmModeMoveCursor(dev.fd, dev.crtc_id, 10 + i * 5, 20 + i * 3);
		took[i] = kms_now() - a;
	}
	total = kms_now() - t0;
	qsort(took, 60, sizeof(took[0]), kms_cmp_double);
	qt_result("cursor-moves-no-vblank-wait", took[30] < period / 2 ? QT_PASS : QT_FAIL,
		  "60 legacy moves: median %.2f ms (half a frame is %.1f ms), total %.1f ms, "
		  "the longest %.1f ms", took[30] * 1e3, period / 2 * 1e3, total * 1e3,
		  took[59] * 1e3);

	if (vbl_now(&seq, &t) || drmModePageFlip(dev.fd, dev.crtc_id, fbs[1].fb_id,
						  DRM_MODE_PAGE_FLIP_EVENT, &e)) {
		qt_result("cursor-moves-flip-not-delayed", QT_FAIL, "flip: %s", strerror(errno));
		return;
	}
	for (i = 0; i < 20; i++)
		drmModeMoveCursor(dev.fd, dev.crtc_id, 300 - i * 5, 200);
	/*
	 * The moves must not hold the flip back: it completes within two
	 * vblanks of being queued, or, in a guest so slow that the moves
	 * themselves took longer, at the vblank after they were done.
	 */
	if (vbl_now(&moved, &t_moved))
		moved = seq;
	e.seq = 0;
	ret = wait_flip(dev.fd, &e, 1000);
	qt_result("cursor-moves-flip-not-delayed", ret || e.seq <= seq ||
		  e.seq > (moved + 1 > seq + 2 ? moved + 1 : seq + 2) ? QT_FAIL : QT_PASS,
		  "a flip queued at count %u (t %.3f) with 20 cursor moves after it, done at "
		  "count %u (t %.3f): event at %u (t %.3f, CRTC %u)", seq, t, moved, t_moved,
		  e.seq, e.when, e.crtc);
	drmModeSetCursor(dev.fd, dev.crtc_id, 0, 0, 0);
}

static void modeset_counter(void)
{
	drmModeModeInfo other;
	unsigned int before, after;
	double tb, ta;
	int ret;

	struct kfb big;

	vbl_now(&before, &tb);
	if (kms_find_mode(&dev, 800, 600, &other) || kfb_create(&dev, &big, 800, 600)) {
		qt_result("modeset-vblank-continues", QT_FAIL, "no 800x600 mode or framebuffer");
		return;
	}
	ret = kms_set(&dev, &big, &other);
	if (!ret)
		ret = kms_set(&dev, &fbs[0], &mode);
	if (!ret)
		ret = vbl_next(&after, &ta);
	qt_result("modeset-vblank-continues", ret || after <= before || ta <= tb ?
		  QT_FAIL : QT_PASS, "to 800x600 and back: count %u -> %u, time +%.1f ms: %s",
		  before, after, (ta - tb) * 1e3, ret ? strerror(-ret) : "ok");
	kfb_destroy(&dev, &big);
}

/* ---- atomic ---- */

static int add(drmModeAtomicReq *req, uint32_t obj, uint32_t type, const char *name,
	       uint64_t val)
{
	uint32_t id = kms_prop_id(&dev, obj, type, name);

	return id && drmModeAtomicAddProperty(req, obj, id, val) >= 0 ? 0 : -ENOENT;
}

static int add_plane(drmModeAtomicReq *req, uint32_t plane, uint32_t fb, uint32_t crtc, int x,
		     int y, uint32_t w, uint32_t h)
{
	int ret = add(req, plane, DRM_MODE_OBJECT_PLANE, "FB_ID", fb);

	ret = ret ?: add(req, plane, DRM_MODE_OBJECT_PLANE, "CRTC_ID", fb ? crtc : 0);
	if (!fb)
		return ret;
	ret = ret ?: add(req, plane, DRM_MODE_OBJECT_PLANE, "CRTC_X", x);
	ret = ret ?: add(req, plane, DRM_MODE_OBJECT_PLANE, "CRTC_Y", y);
	ret = ret ?: add(req, plane, DRM_MODE_OBJECT_PLANE, "CRTC_W", w);
	ret = ret ?: add(req, plane, DRM_MODE_OBJECT_PLANE, "CRTC_H", h);
	ret = ret ?: add(req, plane, DRM_MODE_OBJECT_PLANE, "SRC_X", 0);
	ret = ret ?: add(req, plane, DRM_MODE_OBJECT_PLANE, "SRC_Y", 0);
	ret = ret ?: add(req, plane, DRM_MODE_OBJECT_PLANE, "SRC_W", (uint64_t)w << 16);
	ret = ret ?: add(req, plane, DRM_MODE_OBJECT_PLANE, "SRC_H", (uint64_t)h << 16);
	return ret;
}

static int add_modeset(drmModeAtomicReq *req, uint32_t crtc, uint32_t conn, uint32_t blob)
{
	int ret = add(req, crtc, DRM_MODE_OBJECT_CRTC, "MODE_ID", blob);

	ret = ret ?: add(req, crtc, DRM_MODE_OBJECT_CRTC, "ACTIVE", 1);
	return ret ?: add(req, conn, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID", crtc);
}

static int commit(drmModeAtomicReq *req, uint32_t flags, void *ev)
{
	int ret = drmModeAtomicCommit(dev.fd, req, flags, ev) ? -errno : 0;

	drmModeAtomicFree(req);
	return ret;
}

static void primary_off_during_flip(void)
{
	drmModeAtomicReq *req = drmModeAtomicAlloc();
	struct flip_ev e;
	int ret, ev;

	add_plane(req, dev.plane_id, fbs[1].fb_id, dev.crtc_id, 0, 0, W, H);
	ret = commit(req, DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT, &e);
	if (ret) {
		qt_result("primary-off-during-flip", QT_FAIL, "the flip: %s", strerror(-ret));
		return;
	}
	req = drmModeAtomicAlloc();
	add_plane(req, dev.plane_id, 0, 0, 0, 0, 0, 0);
	ret = commit(req, 0, NULL);
	ev = wait_flip(dev.fd, &e, 1000);
	qt_result("primary-off-during-flip", ret || ev || qt_host("screen %d %d 0x000000", W, H) ?
		  QT_FAIL : QT_PASS, "disable while the flip is pending: %s; flip event %s; "
		  "then black", ret ? strerror(-ret) : "ok", ev ? "missing" : "came");
}

/*
 * Legacy cursor updates are unsynced (the core completes them at once), so
 * a nonblocking modeset right after them is accepted, not EBUSY. (After a
 * nonblocking atomic commit still pending, EBUSY is the core's rule for
 * every driver: userspace may not get ahead of it.)
 */
static void modeset_after_cursor_moves(void)
{
	drmModeAtomicReq *req;
	int ret = drmModeSetCursor(dev.fd, dev.crtc_id, cur.handle, 64, 64) ? -errno : 0;
	unsigned int i;

	for (i = 0; !ret && i < 10; i++)
		ret = drmModeMoveCursor(dev.fd, dev.crtc_id, 50 + i, 50) ? -errno : 0;
	if (!ret) {
		req = drmModeAtomicAlloc();
		add_modeset(req, dev.crtc_id, dev.conn_id, mode_blob);
		add_plane(req, dev.plane_id, fbs[0].fb_id, dev.crtc_id, 0, 0, W, H);
		ret = commit(req, DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_ATOMIC_ALLOW_MODESET, NULL);
	}
	qt_result("nonblocking-modeset-after-cursor", ret ? QT_FAIL : QT_PASS,
		  "10 legacy cursor moves, then a nonblocking modeset: %s",
		  ret ? strerror(-ret) : "accepted");
	usleep(200000);
	drmModeSetCursor(dev.fd, dev.crtc_id, 0, 0, 0);
}

/* One commit with the primary and the cursor; shows fb color + cursor. */
static void all_planes(void)
{
	static const struct { const char *name; uint32_t flags; } kinds[] = {
		{ "all-planes-blocking", 0 },
		{ "all-planes-nonblocking", DRM_MODE_ATOMIC_NONBLOCK },
		{ "all-planes-modeset", DRM_MODE_ATOMIC_ALLOW_MODESET },
		{ "all-planes-modeset-nonblocking",
		  DRM_MODE_ATOMIC_ALLOW_MODESET | DRM_MODE_ATOMIC_NONBLOCK },
	};
	unsigned int i;

	for (i = 0; i < 4; i++) {
		drmModeAtomicReq *req = drmModeAtomicAlloc();
		uint32_t color = i % 2 ? 0x3060c0 : 0xc06030;
		struct flip_ev e;
		int ret, ev = 0;

		kfb_fill(&fbs[i % 2], 0, 0, W, H, color);
		if (kinds[i].flags & DRM_MODE_ATOMIC_ALLOW_MODESET)
			add_modeset(req, dev.crtc_id, dev.conn_id, mode_blob);
		add_plane(req, dev.plane_id, fbs[i % 2].fb_id, dev.crtc_id, 0, 0, W, H);
		add_plane(req, cursor_plane, cursor_fb, dev.crtc_id, 100 + i * 10, 100, 64, 64);
		ret = commit(req, kinds[i].flags | DRM_MODE_PAGE_FLIP_EVENT, &e);
		if (!ret)
			ev = wait_flip(dev.fd, &e, 1000);
		qt_result(kinds[i].name, ret || ev || qt_host("screen %d %d 0x%06x", W, H, color) ||
			  qt_host("spice-cursor 1 64 64 0 0 %d 100", 100 + i * 10) ?
			  QT_FAIL : QT_PASS, "primary and cursor in one commit: %s%s",
			  ret ? strerror(-ret) : "ok", ev ? ", no event" : "");
	}
}

/* ---- two CRTCs ---- */

struct flipper {
	uint32_t crtc, plane, fb[2];
	int done, errors, last_err;
};

/* 30 commits of one CRTC's primary plane, alternating framebuffers. */
static void *flip_thread(void *arg)
{
	struct flipper *f = arg;
	int i, ret;

	for (i = 0; i < 30; i++) {
		drmModeAtomicReq *req = drmModeAtomicAlloc();

		ret = add_plane(req, f->plane, f->fb[i % 2], f->crtc, 0, 0, W, H);
		ret = ret ?: commit(req, 0, NULL);
		if (ret) {
			f->errors++;
			f->last_err = ret;
		} else {
			f->done++;
		}
	}
	return NULL;
}

static uint32_t primary_of(uint32_t crtc_bit)
{
	drmModePlaneRes *pr = drmModeGetPlaneResources(dev.fd);
	uint32_t found = 0, i, k;

	for (i = 0; pr && i < pr->count_planes && !found; i++) {
		drmModeObjectProperties *props = drmModeObjectGetProperties(
			dev.fd, pr->planes[i], DRM_MODE_OBJECT_PLANE);
		drmModePlane *p = drmModeGetPlane(dev.fd, pr->planes[i]);

		for (k = 0; p && p->possible_crtcs == crtc_bit && props &&
		     k < props->count_props; k++) {
			drmModePropertyRes *pp = drmModeGetProperty(dev.fd, props->props[k]);

			if (pp && !strcmp(pp->name, "type") &&
			    props->prop_values[k] == DRM_PLANE_TYPE_PRIMARY)
				found = p->plane_id;
			drmModeFreeProperty(pp);
		}
		drmModeFreePlane(p);
		drmModeFreeObjectProperties(props);
	}
	drmModeFreePlaneResources(pr);
	return found;
}

static void two_crtcs(void)
{
	drmModeRes *res = drmModeGetResources(dev.fd);
	struct flipper f[2];
	struct kfb b[2];
	pthread_t t[2];
	drmModeAtomicReq *req;
	int ret, i;

	if (!res || res->count_crtcs < 2 || res->count_connectors < 2) {
		qt_result("two-crtcs-committing", QT_FAIL, "fewer than two CRTCs");
		drmModeFreeResources(res);
		return;
	}
	if (kfb_create(&dev, &b[0], W, H) || kfb_create(&dev, &b[1], W, H)) {
		qt_result("two-crtcs-committing", QT_FAIL, "framebuffers");
		drmModeFreeResources(res);
		return;
	}
	kfb_fill(&fbs[0], 0, 0, W, H, 0x305070);
	kfb_fill(&fbs[1], 0, 0, W, H, 0x703050);
	kfb_fill(&b[0], 0, 0, W, H, 0x40a040);
	kfb_fill(&b[1], 0, 0, W, H, 0xa040a0);
	f[0] = (struct flipper){ .crtc = res->crtcs[0], .plane = dev.plane_id,
				 .fb = { fbs[0].fb_id, fbs[1].fb_id } };
	f[1] = (struct flipper){ .crtc = res->crtcs[1], .plane = primary_of(2),
				 .fb = { b[0].fb_id, b[1].fb_id } };
	/* the second head on connector 1, beside the first */
	req = drmModeAtomicAlloc();
	add_modeset(req, f[1].crtc, res->connectors[1], mode_blob);
	add_plane(req, f[1].plane, b[0].fb_id, f[1].crtc, 0, 0, W, H);
	ret = commit(req, DRM_MODE_ATOMIC_ALLOW_MODESET, NULL);
	if (ret) {
		qt_result("two-crtcs-committing", QT_FAIL, "second head on: %s", strerror(-ret));
		drmModeFreeResources(res);
		return;
	}
	for (i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, flip_thread, &f[i]);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	/* 30 commits each: both end on their second framebuffer */
	qt_result("two-crtcs-committing", f[0].done == 30 && f[1].done == 30 &&
		  !qt_host("screen %d %d 0x703050 %d 0 %d %d 0xa040a0", 2 * W, H, W, W, H) ?
		  QT_PASS : QT_FAIL, "two threads, 30 commits each on CRTC %u and %u: %d and %d "
		  "done (%d, %d errors, last %s), then both heads show their last frame",
		  f[0].crtc, f[1].crtc, f[0].done, f[1].done, f[0].errors, f[1].errors,
		  strerror(-(f[0].last_err ?: f[1].last_err)));
	req = drmModeAtomicAlloc();
	add(req, f[1].crtc, DRM_MODE_OBJECT_CRTC, "ACTIVE", 0);
	add(req, f[1].crtc, DRM_MODE_OBJECT_CRTC, "MODE_ID", 0);
	add(req, res->connectors[1], DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID", 0);
	add_plane(req, f[1].plane, 0, 0, 0, 0, 0, 0);
	commit(req, DRM_MODE_ATOMIC_ALLOW_MODESET, NULL);
	kfb_destroy(&dev, &b[0]);
	kfb_destroy(&dev, &b[1]);
	drmModeFreeResources(res);
}

int main(void)
{
	drmModePlaneRes *pr;
	unsigned int i;

	if (kms_open(&dev) || kms_find_mode(&dev, W, H, &mode) || kfb_create(&dev, &fbs[0], W, H) ||
	    kfb_create(&dev, &fbs[1], W, H) || kfb_create(&dev, &cur, 64, 64)) {
		qt_result("atomic-setup", QT_FAIL, "no qxl card, mode or framebuffers");
		return 1;
	}
	period = (double)mode.htotal * mode.vtotal / (mode.clock * 1000.0);
	kfb_fill(&fbs[0], 0, 0, W, H, 0x305070);
	kfb_fill(&fbs[1], 0, 0, W, H, 0x703050);
	kfb_fill(&cur, 0, 0, 64, 64, 0xffffffff);
	if (kms_set(&dev, &fbs[0], &mode)) {
		qt_result("atomic-setup", QT_FAIL, "modeset: %s", strerror(errno));
		return 1;
	}
	pr = drmModeGetPlaneResources(dev.fd);
	for (i = 0; pr && i < pr->count_planes; i++) {
		drmModePlane *p = drmModeGetPlane(dev.fd, pr->planes[i]);

		if (p && p->possible_crtcs == 1 && p->plane_id != dev.plane_id)
			cursor_plane = p->plane_id;
		drmModeFreePlane(p);
	}
	drmModeFreePlaneResources(pr);
	{
		uint32_t h[4] = { cur.handle }, p[4] = { cur.pitch }, o[4] = { 0 };

		if (drmModeAddFB2(dev.fd, 64, 64, DRM_FORMAT_ARGB8888, h, p, o, &cursor_fb, 0))
			cursor_fb = 0;
	}
	qt_result("atomic-setup", cursor_plane && cursor_fb ? QT_PASS : QT_FAIL,
		  "%dx%d at %.3f ms a frame, cursor plane %u", W, H, period * 1e3, cursor_plane);

	flip_events();
	flip_after_vblank();
	wait_interrupted();
	cursor_no_wait();
	modeset_counter();

	if (drmSetClientCap(dev.fd, DRM_CLIENT_CAP_ATOMIC, 1) ||
	    drmModeCreatePropertyBlob(dev.fd, &mode, sizeof(mode), &mode_blob)) {
		qt_result("atomic-cap", QT_FAIL, "%s", strerror(errno));
		return 1;
	}
	primary_off_during_flip();
	modeset_after_cursor_moves();
	all_planes();
	two_crtcs();
	return 0;
}

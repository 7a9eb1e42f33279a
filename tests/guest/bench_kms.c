// SPDX-License-Identifier: MIT
/*
 * Display-path benchmark, run in the guest by tests/bench.sh against both
 * the in-tree qxl driver and qxl-ng. It only uses the generic KMS API, so
 * the same binary measures both. Each figure is printed as
 *   @@BENCH <name> <value> <unit>
 * and is a rate or a mean over a fixed number of operations; the device is
 * drained (one more full update plus a screen round trip is not needed:
 * back-pressure from the rings is part of what is measured).
 */
#define _GNU_SOURCE
#include "kmsutil.h"

#define ITER_FULL	60
#define ITER_SMALL	400
#define ITER_FLIP	60
#define ITER_CHURN	60
#define ITER_MODESET	10

static struct kdev dev;

static void report(const char *name, double value, const char *unit)
{
	printf("@@BENCH %s %.3f %s\n", name, value, unit);
	fflush(stdout);
}

static double bench_dirty(struct kfb *fb, drmModeClip *clips, int nclips, int iters)
{
	double t0 = kms_now();
	int i;

	for (i = 0; i < iters; i++) {
		fb->px[(i * 97) % (fb->size / 4)] ^= 0xffffff;
		if (kms_dirty(&dev, fb, nclips ? clips : NULL, nclips))
			return -1;
	}
	return iters / (kms_now() - t0);
}

static uint32_t plane_prop(const char *name)
{
	return kms_prop_id(&dev, dev.plane_id, DRM_MODE_OBJECT_PLANE, name);
}

/* A 64x64 update through an atomic commit, with FB_DAMAGE_CLIPS if offered. */
static double bench_atomic_small(struct kfb *fb, int iters, int *with_clips)
{
	uint32_t p_fb, p_clips;
	double t0;
	int i;

	if (drmSetClientCap(dev.fd, DRM_CLIENT_CAP_ATOMIC, 1))
		return -1;
	p_fb = plane_prop("FB_ID");
	p_clips = plane_prop("FB_DAMAGE_CLIPS");
	*with_clips = p_clips != 0;
	t0 = kms_now();
	for (i = 0; i < iters; i++) {
		int x = (i * 64) % (fb->w - 64), y = ((i / 8) * 64) % (fb->h - 64);
		struct drm_mode_rect r = { x, y, x + 64, y + 64 };
		drmModeAtomicReq *req = drmModeAtomicAlloc();
		uint32_t blob = 0;
		int ret;

		kfb_fill(fb, x, y, 64, 64, 0x010203u * i);
		drmModeAtomicAddProperty(req, dev.plane_id, p_fb, fb->fb_id);
		if (p_clips && !drmModeCreatePropertyBlob(dev.fd, &r, sizeof(r), &blob))
			drmModeAtomicAddProperty(req, dev.plane_id, p_clips, blob);
		ret = drmModeAtomicCommit(dev.fd, req, 0, NULL);
		drmModeAtomicFree(req);
		if (blob)
			drmModeDestroyPropertyBlob(dev.fd, blob);
		if (ret)
			return -1;
	}
	t0 = iters / (kms_now() - t0);
	drmSetClientCap(dev.fd, DRM_CLIENT_CAP_ATOMIC, 0);
	return t0;
}

static double bench_flips(struct kfb *a, struct kfb *b, int iters)
{
	double t0 = kms_now();
	int i;

	for (i = 0; i < iters; i++) {
		struct kfb *next = (i & 1) ? a : b;

		if (drmModePageFlip(dev.fd, dev.crtc_id, next->fb_id,
				    DRM_MODE_PAGE_FLIP_EVENT, NULL))
			return -1;
		if (kms_wait_event(&dev, 5000, NULL, NULL))
			return -1;
	}
	return iters / (kms_now() - t0);
}

/* Busy CPU time of the guest (all CPUs), seconds, from /proc/stat. */
static double cpu_busy(void)
{
	unsigned long long user, nice, sys, idle, iowait, irq, softirq;
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &sys, &idle,
		   &iowait, &irq, &softirq);
	fclose(f);
	if (n != 7)
		return -1;
	return (double)(user + nice + sys + irq + softirq) / sysconf(_SC_CLK_TCK);
}

/*
 * Legacy flips without damage where each frame changes a 64x64 square (a
 * clock, a blinking cursor): the guest CPU time per flip, which is what
 * uploading the frame costs (flips themselves wait for the vblank).
 */
static double bench_flips_small_change(struct kfb *a, struct kfb *b, drmModeModeInfo *m,
				       int iters)
{
	double c0, c1;
	int i;

	kfb_fill(a, 0, 0, a->w, a->h, 0x303030);
	memcpy(b->px, a->px, (size_t)a->pitch * a->h);
	if (kms_set(&dev, a, m) < 0)
		return -1;
	c0 = cpu_busy();
	for (i = 0; i < iters; i++) {
		struct kfb *next = (i & 1) ? a : b;

		kfb_fill(next, 480, 352, 64, 64, 0x101010 * (i % 15));
		if (drmModePageFlip(dev.fd, dev.crtc_id, next->fb_id,
				    DRM_MODE_PAGE_FLIP_EVENT, NULL) ||
		    kms_wait_event(&dev, 5000, NULL, NULL))
			return -1;
	}
	c1 = cpu_busy();
	return c0 < 0 || c1 < 0 ? -1 : (c1 - c0) * 1e3 / iters;
}

static double bench_churn(int iters)
{
	double t0 = kms_now();
	int i;

	for (i = 0; i < iters; i++) {
		struct kfb fb;

		if (kfb_create(&dev, &fb, 1024, 768))
			return -1;
		kfb_fill(&fb, 0, 0, 1024, 768, i);
		kfb_destroy(&dev, &fb);
	}
	return iters / (kms_now() - t0);
}

static double bench_modeset(struct kfb *big, drmModeModeInfo *m1, drmModeModeInfo *m2, int iters)
{
	double t0 = kms_now();
	int i;

	for (i = 0; i < iters; i++)
		if (drmModeSetCrtc(dev.fd, dev.crtc_id, big->fb_id, 0, 0, &dev.conn_id, 1,
				   (i & 1) ? m1 : m2))
			return -1;
	return (kms_now() - t0) * 1000.0 / iters;
}

/* Time from a full-frame update in the guest to the SPICE client having it. */
static void bench_latency(struct kfb *fb, drmModeModeInfo *mode)
{
	static const uint32_t colors[] = { 0xff0000, 0x00ff00, 0x0000ff, 0xffffff, 0x000000 };
	unsigned int i;

	for (i = 0; i < sizeof(colors) / sizeof(colors[0]); i++) {
		kfb_fill(fb, 0, 0, fb->w, fb->h, colors[i]);
		kms_dirty(&dev, fb, NULL, 0);
		/* The host times from receiving this request to the client matching. */
		qt_host("spice-latency %d %d 0x%06x", mode->hdisplay, mode->vdisplay, colors[i]);
	}
}

/*
 * The same, timed from just before the commit: the host arms the client's
 * check (it looks at each display update), the guest commits and says how
 * long its ioctl took; with vmtest.py --qxl-trace the answer breaks the
 * time down (tests/harness/README.md, spice-latency-wait).
 */
static void bench_latency_traced(struct kfb *fb, drmModeModeInfo *mode)
{
	static const uint32_t colors[] = { 0x00ffff, 0xff00ff, 0xffff00, 0x808080, 0x000000,
					   0xff0000, 0x00ff00, 0x0000ff, 0xffffff, 0x404040 };
	unsigned int i;

	for (i = 0; i < sizeof(colors) / sizeof(colors[0]); i++) {
		double t0;
		long long us;

		kfb_fill(fb, 0, 0, fb->w, fb->h, colors[i]);
		if (qt_host("spice-latency-arm %d %d 0x%06x", mode->hdisplay, mode->vdisplay,
			    colors[i])) {
			qt_result("bench-latency-armed", QT_FAIL, "the host could not arm (above)");
			return;
		}
		t0 = kms_now();
		kms_dirty(&dev, fb, NULL, 0);
		us = (long long)((kms_now() - t0) * 1e6);
		if (qt_host("spice-latency-wait %lld", us)) {
			qt_result("bench-latency-armed", QT_FAIL, "color %u of %zu not timed (above)",
				  i + 1, sizeof(colors) / sizeof(colors[0]));
			return;
		}
	}
	qt_result("bench-latency-armed", QT_PASS, "%zu pictures timed",
		  sizeof(colors) / sizeof(colors[0]));
}

int main(void)
{
	drmModeModeInfo mode, mode800;
	drmModeClip scattered[64], small = { 500, 300, 516, 316 };
	struct kfb a, b;
	long long d0, us0;
	double v;
	int i, with_clips = 0;
	const char *why = "no qxl card or 800x600 mode";

	if (kms_open(&dev) || kms_find_mode(&dev, 800, 600, &mode800) ||
	    kms_flip_pair(&dev, &mode, &a, &b, 0x202020, 0x404040, &why)) {
		qt_result("bench-setup", 1, "%s", why);
		return 1;
	}
	for (i = 0; i < 64; i++) {
		int x = (i % 8) * 127 + 3, y = (i / 8) * 95 + 5;

		scattered[i] = (drmModeClip){ x, y, x + 16, y + 16 };
	}

	report("dirtyfb_full_frame", bench_dirty(&a, NULL, 0, ITER_FULL), "ops/s");
	report("dirtyfb_64_scattered_rects", bench_dirty(&a, scattered, 64, ITER_FULL), "ops/s");
	report("dirtyfb_single_16x16", bench_dirty(&a, &small, 1, ITER_SMALL), "ops/s");
	v = bench_atomic_small(&a, ITER_SMALL, &with_clips);
	report(with_clips ? "atomic_64x64_damage_clips" : "atomic_64x64_damage_clips(no-prop)",
	       v, "ops/s");
	report("page_flips", bench_flips(&a, &b, ITER_FLIP), "flips/s");
	d0 = qt_status_ll("flip_diffs");
	us0 = qt_status_ll("flip_diff_us");
	report("flip_64x64_change_guest_cpu", bench_flips_small_change(&a, &b, &mode, ITER_FLIP * 2),
	       "ms");
	/* of which finding the change (qxl-ng's shadow comparison) */
	if (d0 >= 0 && qt_status_ll("flip_diffs") > d0)
		report("flip_64x64_change_compare_cost",
		       (qt_status_ll("flip_diff_us") - us0) / 1e3 /
		       (qt_status_ll("flip_diffs") - d0), "ms");
	else
		printf("@@BENCH-NA flip_64x64_change_compare_cost the driver does not compare frames "
		       "(it uploads every flip whole)\n");
	kms_set(&dev, &a, &mode);
	report("dumb_bo_churn_1024x768", bench_churn(ITER_CHURN), "ops/s");
	report("modeset_latency", bench_modeset(&a, &mode, &mode800, ITER_MODESET), "ms");
	kms_set(&dev, &a, &mode);
	bench_latency(&a, &mode);
	bench_latency_traced(&a, &mode);
	qt_result("bench-complete", 0, "all figures printed");
	kfb_destroy(&dev, &a);
	kfb_destroy(&dev, &b);
	return 0;
}

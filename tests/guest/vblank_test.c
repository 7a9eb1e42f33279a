// SPDX-License-Identifier: MIT
/*
 * Emulated vblank: 120 page flips at 60 Hz take 2 s, their timestamps are
 * strictly increasing and one frame apart, no event is older than its
 * flip's submission, and drmWaitVBlank / CRTC_GET_SEQUENCE /
 * CRTC_QUEUE_SEQUENCE work.
 */
#define _GNU_SOURCE
#include "kmsutil.h"

#define FLIPS 120

static struct kdev dev;

static double dabs(double v)
{
	return v < 0 ? -v : v;
}

static void t_flip_pacing(struct kfb *a, struct kfb *b, const drmModeModeInfo *mode)
{
	double frame, submit[FLIPS], ts[FLIPS], t0, total, mean, worst = 0;
	unsigned int seq[FLIPS];
	int i, early = 0, backwards = 0, seqgap = 0;

	frame = (double)mode->htotal * mode->vtotal / (mode->clock * 1000.0);
	t0 = kms_now();
	for (i = 0; i < FLIPS; i++) {
		submit[i] = kms_now();
		if (drmModePageFlip(dev.fd, dev.crtc_id, (i & 1) ? a->fb_id : b->fb_id,
				    DRM_MODE_PAGE_FLIP_EVENT, NULL)) {
			qt_result("vblank-flip-pacing", 1, "flip %d: %s", i, strerror(errno));
			return;
		}
		if (kms_wait_event(&dev, 1000, &seq[i], &ts[i])) {
			qt_result("vblank-flip-pacing", 1, "no event for flip %d within 1 s", i);
			return;
		}
	}
	total = kms_now() - t0;
	for (i = 0; i < FLIPS; i++) {
		if (ts[i] + 0.0005 < submit[i])
			early++;
		if (i && ts[i] <= ts[i - 1])
			backwards++;
		if (i && seq[i] != seq[i - 1] + 1)
			seqgap++;
		if (i && dabs(ts[i] - ts[i - 1] - frame) > worst)
			worst = dabs(ts[i] - ts[i - 1] - frame);
	}
	mean = (ts[FLIPS - 1] - ts[0]) / (FLIPS - 1);
	qt_result("vblank-flip-pacing",
		  dabs(total - FLIPS * frame) > 0.05 * FLIPS * frame ? 1 : 0,
		  "%d flips in %.3f s, expected %.3f s +-5%%", FLIPS, total, FLIPS * frame);
	qt_result("vblank-timestamps", backwards || dabs(mean - frame) > 0.05 * frame,
		  "mean interval %.3f ms (frame %.3f ms), worst deviation %.3f ms, %d not increasing, %d sequence gaps",
		  mean * 1e3, frame * 1e3, worst * 1e3, backwards, seqgap);
	qt_result("vblank-no-early-events", early ? 1 : 0,
		  "%d of %d events carry a time before their flip was submitted", early, FLIPS);
}

static void t_wait_vblank(void)
{
	drmVBlank vbl = { .request = { .type = DRM_VBLANK_RELATIVE, .sequence = 0 } };
	unsigned int first;
	double t0;

	if (drmWaitVBlank(dev.fd, &vbl)) {
		qt_result("vblank-wait", 1, "drmWaitVBlank: %s", strerror(errno));
		return;
	}
	first = vbl.reply.sequence;
	t0 = kms_now();
	memset(&vbl, 0, sizeof(vbl));
	vbl.request.type = DRM_VBLANK_RELATIVE;
	vbl.request.sequence = 6;
	if (drmWaitVBlank(dev.fd, &vbl)) {
		qt_result("vblank-wait", 1, "drmWaitVBlank +6: %s", strerror(errno));
		return;
	}
	t0 = kms_now() - t0;
	qt_result("vblank-wait", vbl.reply.sequence != first + 6 || t0 < 0.07 || t0 > 0.2,
		  "waited 6 vblanks: sequence %u -> %u in %.1f ms", first, vbl.reply.sequence,
		  t0 * 1e3);
}

static void t_crtc_sequence(void)
{
	uint64_t seq = 0, ns = 0, queued = 0;
	struct pollfd pfd = { .fd = dev.fd, .events = POLLIN };
	struct drm_event_crtc_sequence ev;
	char buf[256];
	ssize_t n;

	if (drmCrtcGetSequence(dev.fd, dev.crtc_id, &seq, &ns)) {
		qt_result("crtc-sequence", 1, "GET_SEQUENCE: %s", strerror(errno));
		return;
	}
	if (drmCrtcQueueSequence(dev.fd, dev.crtc_id, DRM_CRTC_SEQUENCE_RELATIVE, 3, &queued,
				 0x1234)) {
		qt_result("crtc-sequence", 1, "QUEUE_SEQUENCE: %s", strerror(errno));
		return;
	}
	if (poll(&pfd, 1, 1000) != 1 || (n = read(dev.fd, buf, sizeof(buf))) < (ssize_t)sizeof(ev)) {
		qt_result("crtc-sequence", 1, "no CRTC_SEQUENCE event within 1 s");
		return;
	}
	memcpy(&ev, buf, sizeof(ev));
	qt_result("crtc-sequence",
		  ev.base.type != DRM_EVENT_CRTC_SEQUENCE || ev.user_data != 0x1234 ||
		  ev.sequence != queued || queued < seq + 3,
		  "now %llu, queued for %llu, event type %u for %lld",
		  (unsigned long long)seq, (unsigned long long)queued, ev.base.type,
		  (long long)ev.sequence);
}

int main(void)
{
	drmModeModeInfo mode;
	struct kfb a, b;
	const char *why = "no qxl card";

	if (kms_open(&dev) || kms_flip_pair(&dev, &mode, &a, &b, 0x224466, 0x664422, &why)) {
		qt_result("vblank-setup", 1, "%s", why);
		return 1;
	}
	t_flip_pacing(&a, &b, &mode);
	t_wait_vblank();
	t_crtc_sequence();
	return 0;
}

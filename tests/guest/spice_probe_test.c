// SPDX-License-Identifier: MIT
/*
 * spice-probe against the qxl-ng driver (vmtest.py --spice-probe; issue 5):
 *
 *   probe_png_modeset   1024x768 with three rectangles: spice-probe's PNG is
 *                       exactly that picture and equals a QMP screendump
 *   probe_png_damage    one more rectangle sent as a DIRTYFB damage clip: the
 *                       same two checks
 *   probe_second_client spice-gtk (--spice-client) holds the same picture as
 *                       spice-probe (argument "client")
 *   probe_all_rendered every draw the driver made spice-server send was
 *                       rendered by spice-probe's model (none unrendered)
 *   probe_latency       time from a full-frame guest draw (timestamped before
 *                       DIRTYFB) to spice-probe's model holding it, five
 *                       colours; the figures are in the detail and the host's
 *                       "LOG probe-latency" lines
 *
 * usage: spice_probe_test [client] [rounds=N]   (N rounds of the five
 * colours for probe_latency; tests/spice/bench-guest.sh uses rounds=10)
 */
#define _GNU_SOURCE
#include "kmsutil.h"

#define BG 0x203040u

static struct kdev dev;

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static const char *base_rects =
	"100 100 200 150 0xff0000 400 300 300 200 0x00ff00 0 700 1024 68 0x0000ff";

static int check_picture(const char *name, const char *rects)
{
	if (qt_host("probe-screen 1024 768 0x%06x %s", BG, rects)) {
		qt_result(name, QT_FAIL, "spice-probe's picture is not the one drawn (host detail above)");
		return -1;
	}
	if (qt_host("probe-png-matches-screendump")) {
		qt_result(name, QT_FAIL, "spice-probe's PNG differs from the screendump (host detail above)");
		return -1;
	}
	qt_result(name, QT_PASS, "spice-probe PNG == expected picture == QMP screendump");
	return 0;
}

static void latency(struct kfb *fb, int rounds)
{
	static const uint32_t colors[] = { 0xff0000, 0x00ff00, 0x0000ff, 0xffffff, 0x102030 };
	char figures[256] = "";
	size_t len = 0;
	unsigned int i;
	int bad = 0;
	long long min_rtt = -1;

	/* guest->host clock offset: the host keeps the smallest one seen */
	for (i = 0; i < 8; i++) {
		long long t0 = now_us(), rtt;

		qt_host("probe-clock %lld", t0);
		rtt = now_us() - t0;
		if (min_rtt < 0 || rtt < min_rtt)
			min_rtt = rtt;
	}
	for (i = 0; i < rounds * sizeof(colors) / sizeof(colors[0]); i++) {
		uint32_t c = colors[i % (sizeof(colors) / sizeof(colors[0]))];
		long long t;

		kfb_fill(fb, 0, 0, fb->w, fb->h, c);
		t = now_us();
		if (kms_dirty(&dev, fb, NULL, 0))
			bad = 1;
		if (qt_host("probe-latency 1024 768 0x%06x %lld", c, t))
			bad = 1;
		if (i < sizeof(colors) / sizeof(colors[0]))
			len += (size_t)snprintf(figures + len, sizeof(figures) - len, "%s0x%06x",
						i ? " " : "", c);
	}
	if (bad)
		qt_result("probe_latency", QT_FAIL, "a full-frame update did not reach spice-probe (host detail above)");
	else
		qt_result("probe_latency", QT_PASS, "colours %s; latencies in the host LOG lines; "
			  "clock calibration round trip %lld us (bounds the error)", figures, min_rtt);
}

int main(int argc, char **argv)
{
	drmModeModeInfo mode;
	struct kfb fb;
	drmModeClip clip = { 600, 50, 728, 114 };
	char rects[256];
	int client = 0, rounds = 1, rc = 0, i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "client"))
			client = 1;
		else if (!strncmp(argv[i], "rounds=", 7))
			rounds = atoi(argv[i] + 7) > 0 ? atoi(argv[i] + 7) : 1;
	}

	if (kms_open(&dev) || kms_find_mode(&dev, 1024, 768, &mode) ||
	    kfb_create(&dev, &fb, 1024, 768)) {
		qt_result("probe_png_modeset", QT_FAIL, "no qxl card, 1024x768 mode or framebuffer");
		return 1;
	}
	kfb_fill(&fb, 0, 0, 1024, 768, BG);
	kfb_fill(&fb, 100, 100, 200, 150, 0xff0000);
	kfb_fill(&fb, 400, 300, 300, 200, 0x00ff00);
	kfb_fill(&fb, 0, 700, 1024, 68, 0x0000ff);
	if (kms_set(&dev, &fb, &mode)) {
		qt_result("probe_png_modeset", QT_FAIL, "modeset: %s", strerror(errno));
		return 1;
	}
	if (check_picture("probe_png_modeset", base_rects))
		rc = 1;

	/* a damage update of one rectangle */
	kfb_fill(&fb, 600, 50, 128, 64, 0xffff00);
	if (kms_dirty(&dev, &fb, &clip, 1)) {
		qt_result("probe_png_damage", QT_FAIL, "DIRTYFB: %s", strerror(errno));
		rc = 1;
	} else {
		snprintf(rects, sizeof(rects), "%s 600 50 128 64 0xffff00", base_rects);
		if (check_picture("probe_png_damage", rects))
			rc = 1;
	}

	if (client) {
		if (qt_host("probe-matches-client")) {
			qt_result("probe_second_client", QT_FAIL, "spice-gtk and spice-probe differ (host detail above)");
			rc = 1;
		} else {
			qt_result("probe_second_client", QT_PASS, "spice-gtk sees spice-probe's picture");
		}
	}

	if (qt_host("probe-all-rendered")) {
		qt_result("probe_all_rendered", QT_FAIL, "spice-probe could not render a draw (host detail above)");
		rc = 1;
	} else {
		qt_result("probe_all_rendered", QT_PASS, "");
	}
	latency(&fb, rounds);
	kfb_destroy(&dev, &fb);
	return rc;
}

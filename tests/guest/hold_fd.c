// SPDX-License-Identifier: MIT
/*
 * Keep the card open with a mapped dumb buffer while the device goes away:
 * prints "ready", then for <seconds> keeps writing the mapping and calling
 * ioctls (which may fail once the device is gone, but must not crash).
 * Exit status 0 means the process survived with its mapping intact.
 *
 * With "2d", it also holds the render node with a mapped device surface
 * and keeps submitting fills to it. Device memory goes away with the
 * device, so touching that mapping afterwards may raise SIGBUS, which is
 * counted, not fatal; submissions fail with ENODEV.
 *
 * Usage: hold_fd <seconds> [2d]
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>

#include "kmsutil.h"
#include "qxlcmd.h"

static sigjmp_buf bus_env;
static void on_sigbus(int sig) { siglongjmp(bus_env, sig); }

struct holder2d {
	int fd;
	uint32_t surf;
	volatile uint32_t *px;
	unsigned int sigbus, failed;
};

static int start_2d(struct holder2d *h)
{
	struct sigaction sa = { .sa_handler = on_sigbus };

	sigaction(SIGBUS, &sa, NULL);
	h->fd = open("/dev/dri/renderD128", O_RDWR | O_CLOEXEC);
	if (h->fd < 0 || qc_surf_alloc(h->fd, 32, 64, 64, 256, &h->surf))
		return -1;
	h->px = bo_map(h->fd, h->surf, 64 * 64 * 4);
	return h->px ? 0 : -1;
}

static void step_2d(struct holder2d *h, uint32_t i)
{
	h->failed += qc_fill(h->fd, h->surf, 0, 0, 64, 64, i) != 0;
	if (sigsetjmp(bus_env, 1)) {
		h->sigbus++;
		return;
	}
	h->px[i % 4096] = i;
}

int main(int argc, char **argv)
{
	double end = kms_now() + (argc > 1 ? atof(argv[1]) : 3);
	bool two_d = argc > 2 && !strcmp(argv[2], "2d");
	struct holder2d h = { .fd = -1 };
	struct kdev dev;
	struct kfb fb;
	uint32_t i = 0, bad = 0;

	if (kms_open(&dev) || kfb_create(&dev, &fb, 256, 256)) {
		fprintf(stderr, "hold_fd: cannot open the card or map a buffer\n");
		return 2;
	}
	if (two_d && start_2d(&h)) {
		fprintf(stderr, "hold_fd: cannot open the render node or map a surface\n");
		return 2;
	}
	kfb_fill(&fb, 0, 0, 256, 256, 0x123456);
	printf("ready\n");
	fflush(stdout);
	while (kms_now() < end) {
		drmModeRes *res = drmModeGetResources(dev.fd);

		drmModeFreeResources(res);
		fb.px[i % (256 * 256)] = i;
		bad += fb.px[i % (256 * 256)] != i;
		if (two_d)
			step_2d(&h, i);
		i++;
		usleep(20000);
	}
	kfb_destroy(&dev, &fb);
	close(dev.fd);
	if (two_d) {
		/* Freeing after the device is gone must be harmless too. */
		qc_gem_close(h.fd, h.surf);
		close(h.fd);
		printf("2d: %u failed submissions, %u SIGBUS after unplug\n", h.failed, h.sigbus);
	}
	if (bad) {
		fprintf(stderr, "hold_fd: mapping lost %u writes\n", bad);
		return 1;
	}
	return 0;
}

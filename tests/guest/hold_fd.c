// SPDX-License-Identifier: MIT
/*
 * Keep the card open with a mapped dumb buffer while the device goes away:
 * prints "ready", then for <seconds> keeps writing the mapping and calling
 * ioctls (which may fail once the device is gone, but must not crash).
 * Exit status 0 means the process survived with its mapping intact.
 *
 * Usage: hold_fd <seconds>
 */
#define _GNU_SOURCE
#include "kmsutil.h"

int main(int argc, char **argv)
{
	double end = kms_now() + (argc > 1 ? atof(argv[1]) : 3);
	struct kdev dev;
	struct kfb fb;
	uint32_t i = 0, bad = 0;

	if (kms_open(&dev) || kfb_create(&dev, &fb, 256, 256)) {
		fprintf(stderr, "hold_fd: cannot open the card or map a buffer\n");
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
		i++;
		usleep(20000);
	}
	kfb_destroy(&dev, &fb);
	close(dev.fd);
	if (bad) {
		fprintf(stderr, "hold_fd: mapping lost %u writes\n", bad);
		return 1;
	}
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the libqxl guest programs: software twins of device
 * surfaces (pixman images the test draws the same operations into),
 * pixel comparison with a tolerance, deterministic test patterns.
 */
#ifndef LIBQXL_TEST_COMMON_H
#define LIBQXL_TEST_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include <pixman.h>

#include "libqxl.h"

/* A device surface and its pixman twin of the same format and size. */
struct twin {
	struct qxl_surface *surf;
	pixman_image_t *ref;
	enum qxl_format format;
	uint32_t width;
	uint32_t height;
};

/* What a comparison found. */
struct diff {
	uint64_t pixels;	/* pixels differing by more than the tolerance */
	unsigned int max;	/* largest channel difference seen */
	int x, y;		/* first such pixel */
	uint32_t got, want;	/* its values */
};

pixman_format_code_t fmt_pixman(enum qxl_format f);
uint32_t fmt_channel_mask(enum qxl_format f);

int twin_new(struct qxl_device *dev, enum qxl_format f, uint32_t w, uint32_t h,
	     struct twin *t);
void twin_free(struct twin *t);
/* Fill both with the same pattern (seeded), uploaded through libqxl. */
int twin_pattern(struct twin *t, uint32_t seed);
/* Download the surface and compare with the twin; tol per 8-bit channel. */
int twin_compare(struct twin *t, unsigned int tol, struct diff *d);
/* Read pixel (x, y) of a pixman image as a raw value. */
uint32_t img_pixel(pixman_image_t *img, int x, int y);

/* Deterministic pseudo-random numbers. */
uint32_t rnd(uint32_t *state);

/* Monotonic time in seconds. */
double now_s(void);

#endif /* LIBQXL_TEST_COMMON_H */

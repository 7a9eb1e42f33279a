// SPDX-License-Identifier: MIT
/* PNG files of 0xAARRGGBB pixels, through libpng's simplified API. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>

#include "spice-display.h"

int sw_png_write(const char *path, const uint32_t *px, uint32_t w, uint32_t h, size_t stride_px, int channels)
{
	if (!path || !px || !w || !h || stride_px < w || (channels != 1 && channels != 3 && channels != 4))
		return -EINVAL;
	/* libpng takes rows of bytes in the file's channel order; ours are words */
	size_t row = (size_t)w * (size_t)channels;
	if (row > SIZE_MAX / h || w > INT32_MAX / 4)
		return -EOVERFLOW;
	uint8_t *buf = malloc(row * h);
	if (!buf)
		return -ENOMEM;
	for (uint32_t y = 0; y < h; y++) {
		uint8_t *o = buf + row * y;
		const uint32_t *in = px + stride_px * y;
		for (uint32_t x = 0; x < w; x++) {
			uint32_t v = in[x];
			if (channels == 1) {
				*o++ = (uint8_t)(v >> 24);
				continue;
			}
			*o++ = (uint8_t)(v >> 16);
			*o++ = (uint8_t)(v >> 8);
			*o++ = (uint8_t)v;
			if (channels == 4)
				*o++ = (uint8_t)(v >> 24);
		}
	}
	png_image img;
	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	img.width = w;
	img.height = h;
	img.format = channels == 1 ? PNG_FORMAT_GRAY : channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_RGBA;
	int ok = png_image_write_to_file(&img, path, 0, buf, (png_int_32)row, NULL);
	png_image_free(&img);
	free(buf);
	return ok ? 0 : -EIO;
}

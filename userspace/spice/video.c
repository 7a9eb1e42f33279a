// SPDX-License-Identifier: MIT
/*
 * MJPEG frames of a display channel's video streams, decoded with
 * libjpeg(-turbo) for the display model (display.c). A corrupt frame is an
 * error, never a longjmp out of the caller: libjpeg's error exit jumps back
 * here.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

#include <jpeglib.h>

#include "video-priv.h"

struct jerr {
	struct jpeg_error_mgr mgr;
	jmp_buf jmp;
};

static void jerr_exit(j_common_ptr ci)
{
	struct jerr *e = (struct jerr *)ci->err;

	longjmp(e->jmp, 1);
}

static void jerr_quiet(j_common_ptr ci, int level)
{
	(void)ci;
	(void)level;
}

int sw_mjpeg_decode(const uint8_t *data, size_t len, uint64_t max_pixels, uint32_t **out, uint32_t *w,
		    uint32_t *h)
{
	struct jpeg_decompress_struct ci;
	struct jerr e;
	uint32_t *volatile px = NULL;
	uint8_t *volatile row = NULL;
	volatile int ret = -EINVAL;

	*out = NULL;
	if (!len || len > 0xffffffffu)
		return -EINVAL;
	ci.err = jpeg_std_error(&e.mgr);
	e.mgr.error_exit = jerr_exit;
	e.mgr.emit_message = jerr_quiet;
	jpeg_create_decompress(&ci);
	if (setjmp(e.jmp))
		goto out;
	jpeg_mem_src(&ci, data, (unsigned long)len);
	if (jpeg_read_header(&ci, TRUE) != JPEG_HEADER_OK)
		goto out;
	ci.out_color_space = JCS_RGB;
	jpeg_start_decompress(&ci);
	if (!ci.output_width || !ci.output_height || ci.output_components != 3 ||
	    (uint64_t)ci.output_width * ci.output_height > max_pixels) {
		ret = -E2BIG;
		goto out;
	}
	px = malloc((size_t)ci.output_width * ci.output_height * 4);
	row = malloc((size_t)ci.output_width * 3);
	if (!px || !row) {
		ret = -ENOMEM;
		goto out;
	}
	while (ci.output_scanline < ci.output_height) {
		uint32_t *dst = px + (size_t)ci.output_scanline * ci.output_width;
		JSAMPROW r = row;

		if (jpeg_read_scanlines(&ci, &r, 1) != 1)
			goto out;
		for (uint32_t x = 0; x < ci.output_width; x++)
			dst[x] = 0xff000000u | (uint32_t)row[3 * x] << 16 | (uint32_t)row[3 * x + 1] << 8 |
				 row[3 * x + 2];
	}
	jpeg_finish_decompress(&ci);
	*w = ci.output_width;
	*h = ci.output_height;
	*out = px;
	px = NULL;
	ret = 0;
out:
	jpeg_destroy_decompress(&ci);
	free(row);
	free(px);
	return ret;
}

// SPDX-License-Identifier: MIT
/* Minimal PNG writer (8-bit gray/RGB/RGBA, filter 0) on top of zlib. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "spice-display.h"

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static int chunk(FILE *f, const char *type, const uint8_t *data, uint32_t len)
{
	uint8_t hdr[8];
	be32(hdr, len);
	memcpy(hdr + 4, type, 4);
	uLong crc = crc32(0, hdr + 4, 4);
	if (len)
		crc = crc32(crc, data, len);
	uint8_t c[4];
	be32(c, (uint32_t)crc);
	if (fwrite(hdr, 1, 8, f) != 8 || (len && fwrite(data, 1, len, f) != len) || fwrite(c, 1, 4, f) != 4)
		return SW_E_IO;
	return SW_OK;
}

int sw_png_write(const char *path, const uint32_t *px, uint32_t w, uint32_t h, size_t stride_px, int channels)
{
	if (!w || !h || (channels != 1 && channels != 3 && channels != 4))
		return SW_E_INVALID;
	size_t row = (size_t)w * (size_t)channels + 1;
	if (row > SIZE_MAX / h)
		return SW_E_OVERFLOW;
	uint8_t *raw = malloc(row * h);
	if (!raw)
		return SW_E_NOMEM;
	for (uint32_t y = 0; y < h; y++) {
		uint8_t *o = raw + row * y;
		const uint32_t *in = px + stride_px * y;
		*o++ = 0;
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
	uLongf zlen = compressBound((uLong)(row * h));
	uint8_t *z = malloc(zlen);
	if (!z) {
		free(raw);
		return SW_E_NOMEM;
	}
	int err = SW_OK;
	if (compress2(z, &zlen, raw, (uLong)(row * h), 6) != Z_OK || zlen > UINT32_MAX) {
		err = SW_E_NOMEM;
		goto out;
	}
	FILE *f = fopen(path, "wb");
	if (!f) {
		err = SW_E_IO;
		goto out;
	}
	static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	uint8_t ihdr[13];
	be32(ihdr, w);
	be32(ihdr + 4, h);
	ihdr[8] = 8;
	ihdr[9] = channels == 1 ? 0 : channels == 3 ? 2 : 6;
	ihdr[10] = ihdr[11] = ihdr[12] = 0;
	if (fwrite(sig, 1, 8, f) != 8 || chunk(f, "IHDR", ihdr, 13) || chunk(f, "IDAT", z, (uint32_t)zlen) ||
	    chunk(f, "IEND", NULL, 0))
		err = SW_E_IO;
	if (fclose(f))
		err = SW_E_IO;
out:
	free(raw);
	free(z);
	return err;
}

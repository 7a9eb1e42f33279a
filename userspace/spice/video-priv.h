/* SPDX-License-Identifier: MIT */
/* Internal to libspice-wire: video frame decoding for the display model. */
#ifndef SPICE_WIRE_VIDEO_PRIV_H
#define SPICE_WIRE_VIDEO_PRIV_H

#include <stddef.h>
#include <stdint.h>

/**
 * sw_mjpeg_decode() - decode one MJPEG frame
 * @data: the JPEG, @len bytes
 * @len: its size
 * @max_pixels: larger pictures are refused
 * @out: a malloc()ed width*height array of 0xffRRGGBB, top row first
 * @w: its width
 * @h: its height
 *
 * Return: 0, -EINVAL for data that is not a JPEG libjpeg decodes, -E2BIG
 * for a picture over @max_pixels, -ENOMEM.
 */
int sw_mjpeg_decode(const uint8_t *data, size_t len, uint64_t max_pixels, uint32_t **out, uint32_t *w,
		    uint32_t *h);

#endif

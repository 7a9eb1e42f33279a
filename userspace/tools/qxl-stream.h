/* SPDX-License-Identifier: MIT */
/*
 * qxl-stream's frame sources: where the pictures it encodes come from.
 * "kms" follows a CRTC of a DRM device (GETFB2 + PRIME mmap of its primary
 * framebuffer, damage from qxl-ng's SCANOUT_DAMAGE ioctl, the cursor plane);
 * "png:FILE" is a picture file, read again when it changes (tests, demos).
 */
#ifndef QXL_STREAM_H
#define QXL_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A picture: XRGB8888 (bytes B, G, R, X), top-down. */
struct qst_frame {
	uint32_t width, height, stride;
	const uint8_t *pixels;
};

/* The cursor of the followed head: ARGB8888, premultiplied. */
struct qst_cursor {
	bool visible;
	uint32_t serial;	/* bumped when the shape changes */
	int32_t x, y;		/* hot spot position on the frame */
	uint16_t width, height, hot_x, hot_y;
	const uint8_t *argb;	/* width * height * 4 bytes */
};

struct qst_source;

struct qst_source_ops {
	/*
	 * Looks at the source: fills f with the current picture and sets
	 * *changed when it differs from what the previous call returned (the
	 * first call always). The pixels stay valid and readable until
	 * end_read(). 0, -EAGAIN when there is no picture (a CRTC that has
	 * shown none yet; one turned off afterwards gives black at its last
	 * size), or another negative errno with the reason logged.
	 */
	int (*begin_read)(struct qst_source *s, struct qst_frame *f, bool *changed);
	void (*end_read)(struct qst_source *s);
	/* The cursor, or NULL if the source has none. */
	int (*cursor)(struct qst_source *s, struct qst_cursor *c);
	/* DEVICE_DISPLAY_INFO: the device's address and head; -ENOENT if unknown. */
	int (*display_info)(struct qst_source *s, char *address, size_t n, uint32_t *head);
	void (*free)(struct qst_source *s);
};

struct qst_source {
	const struct qst_source_ops *ops;
	void *priv;
};

int qst_source_png_new(struct qst_source **out, const char *path);
/* crtc: a CRTC id, an index into the CRTC list, or NULL for the first. */
int qst_source_kms_new(struct qst_source **out, const char *device, const char *crtc);
void qst_source_free(struct qst_source *s);

/*
 * The stream device address of the DRM device behind fd:
 * "pci/DDDD/SS.F[/SS.F...]" from its sysfs path. -ENOENT if it is not PCI.
 */
int qst_pci_address(int drm_fd, char *out, size_t n);

#endif

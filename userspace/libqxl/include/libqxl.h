/* SPDX-License-Identifier: MIT */
/*
 * libqxl: 2D rendering on QEMU's QXL device through the qxl-ng DRM driver.
 *
 * Objects are opaque: a device (an open DRM node of the qxl driver), off-screen
 * surfaces (device surfaces the device renders into) and images (pixel data in
 * device memory, usable as a copy source). Every call that can fail returns 0
 * or a non-negative value on success and a negative errno on failure. Calls
 * that submit a command return -EBUSY when the device did not take it within
 * the driver's bound (5 s): nothing was drawn and the call can be repeated.
 *
 * Overview and measured figures: Documentation/libqxl.rst.
 */
#ifndef LIBQXL_H
#define LIBQXL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct qxl_device;
struct qxl_surface;
struct qxl_image;

/**
 * enum qxl_format - pixel formats of surfaces and images
 * @QXL_FORMAT_A1: 1-bit alpha, pixman a1 layout (bit 0 of each 32-bit
 *	little-endian word is the leftmost pixel); images only: the device
 *	cannot draw into A1 surfaces
 * @QXL_FORMAT_A8: 8-bit alpha
 * @QXL_FORMAT_RGB555: 16-bit x1r5g5b5
 * @QXL_FORMAT_XRGB8888: 32-bit x8r8g8b8; the top byte is undefined
 * @QXL_FORMAT_RGB565: 16-bit r5g6b5
 * @QXL_FORMAT_ARGB8888: 32-bit premultiplied a8r8g8b8
 *
 * The values are the device's surface format numbers.
 */
enum qxl_format {
	QXL_FORMAT_A1 = 1,
	QXL_FORMAT_A8 = 8,
	QXL_FORMAT_RGB555 = 16,
	QXL_FORMAT_XRGB8888 = 32,
	QXL_FORMAT_RGB565 = 80,
	QXL_FORMAT_ARGB8888 = 96,
};

/**
 * enum qxl_operator - Porter-Duff and blend operators of qxl_composite()
 * @QXL_OPERATOR_CLEAR: transparent black
 * @QXL_OPERATOR_SRC: the source
 * @QXL_OPERATOR_DST: the destination, unchanged
 * @QXL_OPERATOR_OVER: source over destination
 * @QXL_OPERATOR_OVER_REVERSE: destination over source
 * @QXL_OPERATOR_IN: source inside the destination's alpha
 * @QXL_OPERATOR_IN_REVERSE: destination inside the source's alpha
 * @QXL_OPERATOR_OUT: source outside the destination's alpha
 * @QXL_OPERATOR_OUT_REVERSE: destination outside the source's alpha
 * @QXL_OPERATOR_ATOP: source atop destination
 * @QXL_OPERATOR_ATOP_REVERSE: destination atop source
 * @QXL_OPERATOR_XOR: source or destination, not both
 * @QXL_OPERATOR_ADD: sum, saturated
 * @QXL_OPERATOR_SATURATE: source added as far as the destination's alpha allows
 * @QXL_OPERATOR_MULTIPLY: PDF separable blend: multiply
 * @QXL_OPERATOR_SCREEN: PDF blend: screen
 * @QXL_OPERATOR_OVERLAY: PDF blend: overlay
 * @QXL_OPERATOR_DARKEN: PDF blend: darken
 * @QXL_OPERATOR_LIGHTEN: PDF blend: lighten
 * @QXL_OPERATOR_COLOR_DODGE: PDF blend: color dodge
 * @QXL_OPERATOR_COLOR_BURN: PDF blend: color burn
 * @QXL_OPERATOR_HARD_LIGHT: PDF blend: hard light
 * @QXL_OPERATOR_SOFT_LIGHT: PDF blend: soft light
 * @QXL_OPERATOR_DIFFERENCE: PDF blend: difference
 * @QXL_OPERATOR_EXCLUSION: PDF blend: exclusion
 * @QXL_OPERATOR_HSL_HUE: PDF non-separable blend: hue
 * @QXL_OPERATOR_HSL_SATURATION: PDF blend: saturation
 * @QXL_OPERATOR_HSL_COLOR: PDF blend: color
 * @QXL_OPERATOR_HSL_LUMINOSITY: PDF blend: luminosity
 *
 * The values are the device's (and X Render's, and pixman's) numbers.
 */
enum qxl_operator {
	QXL_OPERATOR_CLEAR = 0x00,
	QXL_OPERATOR_SRC = 0x01,
	QXL_OPERATOR_DST = 0x02,
	QXL_OPERATOR_OVER = 0x03,
	QXL_OPERATOR_OVER_REVERSE = 0x04,
	QXL_OPERATOR_IN = 0x05,
	QXL_OPERATOR_IN_REVERSE = 0x06,
	QXL_OPERATOR_OUT = 0x07,
	QXL_OPERATOR_OUT_REVERSE = 0x08,
	QXL_OPERATOR_ATOP = 0x09,
	QXL_OPERATOR_ATOP_REVERSE = 0x0a,
	QXL_OPERATOR_XOR = 0x0b,
	QXL_OPERATOR_ADD = 0x0c,
	QXL_OPERATOR_SATURATE = 0x0d,
	QXL_OPERATOR_MULTIPLY = 0x30,
	QXL_OPERATOR_SCREEN = 0x31,
	QXL_OPERATOR_OVERLAY = 0x32,
	QXL_OPERATOR_DARKEN = 0x33,
	QXL_OPERATOR_LIGHTEN = 0x34,
	QXL_OPERATOR_COLOR_DODGE = 0x35,
	QXL_OPERATOR_COLOR_BURN = 0x36,
	QXL_OPERATOR_HARD_LIGHT = 0x37,
	QXL_OPERATOR_SOFT_LIGHT = 0x38,
	QXL_OPERATOR_DIFFERENCE = 0x39,
	QXL_OPERATOR_EXCLUSION = 0x3a,
	QXL_OPERATOR_HSL_HUE = 0x3b,
	QXL_OPERATOR_HSL_SATURATION = 0x3c,
	QXL_OPERATOR_HSL_COLOR = 0x3d,
	QXL_OPERATOR_HSL_LUMINOSITY = 0x3e,
};

/** enum qxl_filter - sampling filter of a composite source or mask */
enum qxl_filter {
	QXL_FILTER_NEAREST = 0,
	QXL_FILTER_BILINEAR = 1,
};

/** enum qxl_repeat - what a source or mask shows outside its bounds */
enum qxl_repeat {
	QXL_REPEAT_NONE = 0,
	QXL_REPEAT_NORMAL = 1,
	QXL_REPEAT_PAD = 2,
	QXL_REPEAT_REFLECT = 3,
};

/**
 * enum qxl_result - how a drawing call produced its pixels
 * @QXL_RESULT_DEVICE: one device command did it
 * @QXL_RESULT_FALLBACK: libqxl computed the pixels with pixman and wrote
 *	them into the surface with a device copy, because the connected SPICE
 *	client cannot show the device command (or the policy asked for it)
 */
enum qxl_result {
	QXL_RESULT_DEVICE = 0,
	QXL_RESULT_FALLBACK = 1,
};

/**
 * enum qxl_policy - which path qxl_composite() takes
 * @QXL_POLICY_AUTO: the device command when every connected client has the
 *	capabilities it needs (COMPOSITE, and A8_SURFACE when an A8 surface is
 *	involved), else the fallback; the default
 * @QXL_POLICY_DEVICE: always the device command (the device renders it even
 *	when a client cannot show it; for tests and benchmarks)
 * @QXL_POLICY_FALLBACK: always the fallback
 */
enum qxl_policy {
	QXL_POLICY_AUTO = 0,
	QXL_POLICY_DEVICE = 1,
	QXL_POLICY_FALLBACK = 2,
};

/* Client capability bits of struct qxl_device_info.client_caps. */
#define QXL_CLIENT_CAP_SIZED_STREAM	(1u << 0)
#define QXL_CLIENT_CAP_MONITORS_CONFIG	(1u << 1)
#define QXL_CLIENT_CAP_COMPOSITE	(1u << 2)
#define QXL_CLIENT_CAP_A8_SURFACE	(1u << 3)

/**
 * struct qxl_device_info - what the driver reports about the device
 * @node: the DRM node libqxl opened
 * @render_node: true if @node is a render node
 * @driver_major: qxl-ng driver version, major
 * @driver_minor: qxl-ng driver version, minor
 * @num_surfaces: surface ids of the device (ROM n_surfaces)
 * @max_relocs: relocations per command the driver accepts
 * @client_caps: QXL_CLIENT_CAP_* common to every connected SPICE client,
 *	0 when no client is connected
 * @client_caps_seq: bumped by the driver on every client capability change
 */
struct qxl_device_info {
	char node[64];
	bool render_node;
	uint32_t driver_major;
	uint32_t driver_minor;
	uint32_t num_surfaces;
	uint32_t max_relocs;
	uint32_t client_caps;
	uint32_t client_caps_seq;
};

/**
 * struct qxl_limits - bounds of the API
 * @max_width: widest surface or image, in pixels
 * @max_height: tallest surface or image
 * @max_commands: commands per submission to the driver
 * @max_relocs: relocations per command
 * @max_clip_rects: clip rectangles per command
 * @stride_align: surface strides are a multiple of this
 */
struct qxl_limits {
	uint32_t max_width;
	uint32_t max_height;
	uint32_t max_commands;
	uint32_t max_relocs;
	uint32_t max_clip_rects;
	uint32_t stride_align;
};

/**
 * struct qxl_mode - one display mode of a connector
 * @name: mode name, e.g. "1024x768"
 * @width: horizontal resolution
 * @height: vertical resolution
 * @refresh: refresh rate in Hz
 * @preferred: the connector's preferred mode
 */
struct qxl_mode {
	char name[32];
	uint32_t width;
	uint32_t height;
	uint32_t refresh;
	bool preferred;
};

/**
 * struct qxl_head - one connector of the device (a head)
 * @connector_id: KMS connector id
 * @name: connector name, e.g. "Virtual-1"
 * @connected: a monitor is connected (the head is enabled by the host)
 * @crtc_id: CRTC driving the connector, 0 if none
 * @x: position of the head's scanout in its framebuffer
 * @y: see @x
 * @width: current mode, 0 when the head is off
 * @height: see @width
 * @refresh: current refresh rate in Hz
 * @preferred_width: preferred mode (follows the SPICE client's window)
 * @preferred_height: see @preferred_width
 * @num_modes: modes the connector lists (qxl_device_modes())
 */
struct qxl_head {
	uint32_t connector_id;
	char name[32];
	bool connected;
	uint32_t crtc_id;
	int32_t x;
	int32_t y;
	uint32_t width;
	uint32_t height;
	uint32_t refresh;
	uint32_t preferred_width;
	uint32_t preferred_height;
	uint32_t num_modes;
};

/**
 * struct qxl_transform - a 2D affine transform in 16.16 fixed point
 * @m: the top two rows of the 3x3 matrix mapping destination to source
 *	coordinates, as pixman's: m[0] = {xx, xy, x0}, m[1] = {yx, yy, y0}
 */
struct qxl_transform {
	int32_t m[2][3];
};

/**
 * struct qxl_composite_op - one composite operation, as pixman's
 * @op: the operator
 * @src: source surface (not the destination)
 * @mask: mask surface or NULL (not the destination)
 * @src_x: source position of the destination's (@dst_x, @dst_y)
 * @src_y: see @src_x
 * @mask_x: mask position of the destination's (@dst_x, @dst_y)
 * @mask_y: see @mask_x
 * @dst_x: destination rectangle, inside the destination surface
 * @dst_y: see @dst_x
 * @width: see @dst_x
 * @height: see @dst_x
 * @src_transform: transform of the source or NULL for identity
 * @mask_transform: transform of the mask or NULL for identity
 * @src_filter: source filter
 * @mask_filter: mask filter
 * @src_repeat: source repeat mode
 * @mask_repeat: mask repeat mode
 * @component_alpha: use the mask's color channels as per-channel alpha
 *
 * @src_x, @src_y, @mask_x and @mask_y must fit in 16 bits (the device's
 * origins are 16-bit).
 */
struct qxl_composite_op {
	enum qxl_operator op;
	struct qxl_surface *src;
	struct qxl_surface *mask;
	int32_t src_x;
	int32_t src_y;
	int32_t mask_x;
	int32_t mask_y;
	int32_t dst_x;
	int32_t dst_y;
	uint32_t width;
	uint32_t height;
	const struct qxl_transform *src_transform;
	const struct qxl_transform *mask_transform;
	enum qxl_filter src_filter;
	enum qxl_filter mask_filter;
	enum qxl_repeat src_repeat;
	enum qxl_repeat mask_repeat;
	bool component_alpha;
};

/* ---- device ---- */

/**
 * qxl_device_open() - open the qxl device
 * @path: a DRM node, or NULL for the first qxl render node (then the
 *	first qxl primary node)
 * @out: the new device
 *
 * Return: 0, -ENODEV when no qxl node exists, or another -errno.
 */
int qxl_device_open(const char *path, struct qxl_device **out);

/**
 * qxl_device_new_from_fd() - use an open DRM file of the qxl driver
 * @fd: the file; libqxl duplicates it and never closes @fd itself
 * @out: the new device
 *
 * Return: 0, -ENODEV if @fd is not a qxl node, or another -errno.
 */
int qxl_device_new_from_fd(int fd, struct qxl_device **out);

/**
 * qxl_device_free() - close the device; NULL is allowed
 * @dev: the device; its surfaces and images must be freed first
 */
void qxl_device_free(struct qxl_device *dev);

/** qxl_device_fd() - the DRM file descriptor libqxl uses */
int qxl_device_fd(const struct qxl_device *dev);

/**
 * qxl_device_query() - driver version, surfaces, relocs and client caps
 * @dev: the device
 * @info: filled in
 *
 * Return: 0 or -errno of the failing GETPARAM.
 */
int qxl_device_query(struct qxl_device *dev, struct qxl_device_info *info);

/**
 * qxl_device_client_caps() - the current QXL_CLIENT_CAP_* bitmask
 * @dev: the device
 * @caps: 0 when no client is connected
 *
 * Return: 0 or -errno.
 */
int qxl_device_client_caps(struct qxl_device *dev, uint32_t *caps);

/** qxl_device_limits() - the bounds of the API; cannot fail */
void qxl_device_limits(const struct qxl_device *dev, struct qxl_limits *limits);

/**
 * qxl_device_heads() - the device's connectors
 * @dev: the device
 * @heads: room for @max heads, or NULL to count them
 * @max: size of @heads
 *
 * Reads KMS state through the device's primary node (render nodes have no
 * KMS). Heads beyond @max are not written.
 *
 * Return: the number of heads, or -errno.
 */
int qxl_device_heads(struct qxl_device *dev, struct qxl_head *heads, unsigned int max);

/**
 * qxl_device_modes() - the modes of one connector
 * @dev: the device
 * @connector_id: from struct qxl_head
 * @modes: room for @max modes, or NULL to count them
 * @max: size of @modes
 *
 * Return: the number of modes, or -errno (-ENOENT for an unknown connector).
 */
int qxl_device_modes(struct qxl_device *dev, uint32_t connector_id,
		     struct qxl_mode *modes, unsigned int max);

/**
 * qxl_device_set_policy() - choose how qxl_composite() renders
 * @dev: the device
 * @policy: one of enum qxl_policy
 *
 * Return: 0, or -EINVAL for an unknown policy.
 */
int qxl_device_set_policy(struct qxl_device *dev, enum qxl_policy policy);

/** qxl_client_cap_name() - "COMPOSITE" for bit 2 and so on; NULL if unknown */
const char *qxl_client_cap_name(unsigned int bit);

/** qxl_format_name() - "ARGB8888" and so on; NULL if unknown */
const char *qxl_format_name(enum qxl_format format);

/** qxl_operator_name() - "OVER" and so on; NULL if unknown */
const char *qxl_operator_name(enum qxl_operator op);

/** qxl_format_bpp() - bits per pixel of @format, 0 if unknown */
unsigned int qxl_format_bpp(enum qxl_format format);

/* ---- surfaces ---- */

/**
 * qxl_surface_new() - create an off-screen device surface
 * @dev: the device
 * @format: its pixel format
 * @width: 1..max_width
 * @height: 1..max_height
 * @out: the new surface; its pixels are zero
 *
 * Return: 0 or -errno (-EINVAL for a bad format or size, -EOPNOTSUPP for
 * QXL_FORMAT_A1, which the device cannot draw into, -ENOSPC when the device
 * has no surface id left).
 */
int qxl_surface_new(struct qxl_device *dev, enum qxl_format format,
		    uint32_t width, uint32_t height, struct qxl_surface **out);

/** qxl_surface_free() - destroy a surface; NULL is allowed */
void qxl_surface_free(struct qxl_surface *surf);

/** qxl_surface_width() - width in pixels */
uint32_t qxl_surface_width(const struct qxl_surface *surf);
/** qxl_surface_height() - height in pixels */
uint32_t qxl_surface_height(const struct qxl_surface *surf);
/** qxl_surface_stride() - bytes per row in device memory */
uint32_t qxl_surface_stride(const struct qxl_surface *surf);
/** qxl_surface_format() - pixel format */
enum qxl_format qxl_surface_format(const struct qxl_surface *surf);

/**
 * qxl_surface_upload() - write pixels into a rectangle of the surface
 * @surf: destination
 * @x: rectangle inside the surface
 * @y: see @x
 * @width: see @x
 * @height: see @x
 * @pixels: @height rows in the surface's format; row 0 is the top
 * @stride: bytes from one row to the next (a multiple of 4 for A1)
 *
 * Goes through the device (a copy command), so SPICE clients see it.
 *
 * Return: 0 or -errno.
 */
int qxl_surface_upload(struct qxl_surface *surf, int32_t x, int32_t y,
		       uint32_t width, uint32_t height, const void *pixels, uint32_t stride);

/**
 * qxl_surface_download() - read back a rectangle as the device rendered it
 * @surf: source
 * @x: rectangle inside the surface
 * @y: see @x
 * @width: see @x
 * @height: see @x
 * @pixels: receives @height rows in the surface's format
 * @stride: bytes from one row to the next (a multiple of 4 for A1)
 *
 * Asks the device to render everything pending in the rectangle first.
 *
 * Return: 0 or -errno.
 */
int qxl_surface_download(struct qxl_surface *surf, int32_t x, int32_t y,
			 uint32_t width, uint32_t height, void *pixels, uint32_t stride);

/**
 * qxl_surface_fill() - fill a rectangle with one color
 * @surf: destination
 * @x: rectangle inside the surface
 * @y: see @x
 * @width: see @x
 * @height: see @x
 * @argb: premultiplied a8r8g8b8, converted to the surface's format as
 *	pixman converts (truncation; A8 keeps the alpha byte)
 *
 * Return: 0 or -errno.
 */
int qxl_surface_fill(struct qxl_surface *surf, int32_t x, int32_t y,
		     uint32_t width, uint32_t height, uint32_t argb);

/**
 * qxl_surface_copy() - copy a rectangle from another surface
 * @dst: destination
 * @dst_x: destination position
 * @dst_y: see @dst_x
 * @src: source, same format as @dst, not @dst
 * @src_x: source rectangle, inside @src
 * @src_y: see @src_x
 * @width: see @src_x; the destination rectangle must be inside @dst
 * @height: see @src_x
 *
 * Return: 0 or -errno.
 */
int qxl_surface_copy(struct qxl_surface *dst, int32_t dst_x, int32_t dst_y,
		     struct qxl_surface *src, int32_t src_x, int32_t src_y,
		     uint32_t width, uint32_t height);

/**
 * qxl_surface_copy_bits() - move a rectangle inside one surface (scroll)
 * @surf: the surface
 * @src_x: source rectangle, inside the surface
 * @src_y: see @src_x
 * @dst_x: destination position; the destination rectangle must be inside
 *	the surface; the two rectangles may overlap
 * @dst_y: see @dst_x
 * @width: see @src_x
 * @height: see @src_x
 *
 * Return: 0 or -errno.
 */
int qxl_surface_copy_bits(struct qxl_surface *surf, int32_t src_x, int32_t src_y,
			  int32_t dst_x, int32_t dst_y, uint32_t width, uint32_t height);

/**
 * qxl_composite() - composite a source (and mask) onto a surface
 * @dst: destination surface
 * @op: the operation
 *
 * Renders exactly what pixman_image_composite32() renders for the same
 * images, transforms, filters and repeats (see Documentation/libqxl.rst for
 * the tolerances measured), either with one device command or, when the
 * connected client could not show that command, with pixman into the
 * surface (enum qxl_policy).
 *
 * Return: QXL_RESULT_DEVICE or QXL_RESULT_FALLBACK, or -errno (-EINVAL for
 * bad arguments).
 */
int qxl_composite(struct qxl_surface *dst, const struct qxl_composite_op *op);

/**
 * qxl_surface_finish() - render everything pending on the surface
 * @surf: the surface
 *
 * Return: 0 or -errno.
 */
int qxl_surface_finish(struct qxl_surface *surf);

/* ---- images ---- */

/**
 * qxl_image_new() - put pixels into device memory as a reusable copy source
 * @dev: the device
 * @format: format of @pixels
 * @width: 1..max_width
 * @height: 1..max_height
 * @pixels: @height rows, top first
 * @stride: bytes from one row to the next (a multiple of 4 for A1)
 * @out: the new image
 *
 * Return: 0 or -errno.
 */
int qxl_image_new(struct qxl_device *dev, enum qxl_format format, uint32_t width,
		  uint32_t height, const void *pixels, uint32_t stride,
		  struct qxl_image **out);

/** qxl_image_free() - free an image; NULL is allowed */
void qxl_image_free(struct qxl_image *img);

/**
 * qxl_surface_draw_image() - copy a rectangle of an image onto a surface
 * @dst: destination
 * @dst_x: destination position; the rectangle must be inside @dst
 * @dst_y: see @dst_x
 * @img: the image
 * @src_x: rectangle inside @img
 * @src_y: see @src_x
 * @width: see @src_x
 * @height: see @src_x
 *
 * The pixels are converted to the surface's format as pixman's SRC
 * operator converts them.
 *
 * Return: 0 or -errno.
 */
int qxl_surface_draw_image(struct qxl_surface *dst, int32_t dst_x, int32_t dst_y,
			   struct qxl_image *img, int32_t src_x, int32_t src_y,
			   uint32_t width, uint32_t height);

#ifdef __cplusplus
}
#endif

#endif /* LIBQXL_H */

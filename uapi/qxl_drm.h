/* SPDX-License-Identifier: MIT */
/*
 * qxl-ng ioctl ABI.
 *
 * The first part is binary-compatible with the upstream qxl driver's ioctls
 * (same request numbers, same struct layouts), so existing userspace such
 * as the Xorg qxl driver keeps working. The second part holds qxl-ng's own
 * extensions, whose request numbers start at DRM_QXL_NG_FIRST and never
 * collide with upstream's. Every struct has fixed-size fields and explicit
 * padding; padding and unknown flags must be zero.
 */
#ifndef QXL_NG_DRM_H
#define QXL_NG_DRM_H

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

/* ---- upstream-compatible part ---- */

/* Memory domains of a buffer (upstream names). */
#define QXL_GEM_DOMAIN_CPU	0
#define QXL_GEM_DOMAIN_VRAM	1
#define QXL_GEM_DOMAIN_SURFACE	2

#define DRM_QXL_ALLOC		0x00
#define DRM_QXL_MAP		0x01
#define DRM_QXL_EXECBUFFER	0x02
#define DRM_QXL_UPDATE_AREA	0x03
#define DRM_QXL_GETPARAM	0x04
#define DRM_QXL_CLIENTCAP	0x05
#define DRM_QXL_ALLOC_SURF	0x06

/* A buffer of @size bytes the device can read; returns its GEM handle. */
struct drm_qxl_alloc {
	__u32 size;
	__u32 handle;
};

/* The fake offset to pass to mmap() for @handle. */
struct drm_qxl_map {
	__u64 offset;
	__u32 handle;
	__u32 pad;
};

#define QXL_RELOC_TYPE_BO	1	/* write the device address of src */
#define QXL_RELOC_TYPE_SURF	2	/* write the surface id of src */

struct drm_qxl_reloc {
	__u64 src_offset;
	__u64 dst_offset;
	__u32 src_handle;
	__u32 dst_handle;	/* 0: the command itself */
	__u32 reloc_type;
	__u32 pad;
};

struct drm_qxl_command {
	__u64 command;		/* user pointer to the command bytes */
	__u64 relocs;		/* user pointer to struct drm_qxl_reloc[] */
	__u32 type;
	__u32 command_size;
	__u32 relocs_num;
	__u32 pad;
};

/*
 * qxl-ng queues all commands of a call or none: a call that fails queued
 * nothing and may be repeated. At most 32 commands per call.
 */
struct drm_qxl_execbuffer {
	__u32 flags;
	__u32 commands_num;
	__u64 commands;		/* user pointer to struct drm_qxl_command[] */
};

struct drm_qxl_update_area {
	__u32 handle;
	__u32 top;
	__u32 left;
	__u32 bottom;
	__u32 right;
	__u32 pad;
};

#define QXL_PARAM_NUM_SURFACES	1
#define QXL_PARAM_MAX_RELOCS	2

struct drm_qxl_getparam {
	__u64 param;
	__u64 value;
};

/* Succeeds if every connected SPICE client has display capability @index. */
struct drm_qxl_clientcap {
	__u32 index;
	__u32 pad;
};

struct drm_qxl_alloc_surf {
	__u32 format;
	__u32 width;
	__u32 height;
	__s32 stride;
	__u32 handle;
	__u32 pad;
};

#define DRM_IOCTL_QXL_ALLOC \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_QXL_ALLOC, struct drm_qxl_alloc)
#define DRM_IOCTL_QXL_MAP \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_QXL_MAP, struct drm_qxl_map)
#define DRM_IOCTL_QXL_EXECBUFFER \
	DRM_IOW(DRM_COMMAND_BASE + DRM_QXL_EXECBUFFER, struct drm_qxl_execbuffer)
#define DRM_IOCTL_QXL_UPDATE_AREA \
	DRM_IOW(DRM_COMMAND_BASE + DRM_QXL_UPDATE_AREA, struct drm_qxl_update_area)
#define DRM_IOCTL_QXL_GETPARAM \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_QXL_GETPARAM, struct drm_qxl_getparam)
#define DRM_IOCTL_QXL_CLIENTCAP \
	DRM_IOW(DRM_COMMAND_BASE + DRM_QXL_CLIENTCAP, struct drm_qxl_clientcap)
#define DRM_IOCTL_QXL_ALLOC_SURF \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_QXL_ALLOC_SURF, struct drm_qxl_alloc_surf)

/* ---- qxl-ng extensions ---- */

#define DRM_QXL_NG_FIRST		0x20
#define DRM_QXL_NG_SCANOUT_DAMAGE	(DRM_QXL_NG_FIRST + 0)
#define DRM_QXL_NG_WAIT			(DRM_QXL_NG_FIRST + 1)

/*
 * Limits of the ioctls, the same for every qxl-ng device:
 * QXL_NG_MAX_DIM: the widest and highest framebuffer (what
 *	DRM_IOCTL_MODE_GETRESOURCES reports as max_width/max_height), mode,
 *	ALLOC_SURF surface and EXECBUFFER image;
 * QXL_NG_EXEC_MAX_COMMANDS: commands in one EXECBUFFER (a command ring full);
 * QXL_NG_EXEC_MAX_RELOCS: relocations of one command (as GETPARAM's
 *	QXL_PARAM_MAX_RELOCS);
 * QXL_NG_EXEC_MAX_CLIP_RECTS: clip rectangles of one drawing command.
 */
#define QXL_NG_MAX_DIM			8192
#define QXL_NG_EXEC_MAX_COMMANDS	32
#define QXL_NG_EXEC_MAX_RELOCS		96
#define QXL_NG_EXEC_MAX_CLIP_RECTS	1024

/* GETPARAM values added by qxl-ng; upstream returns EINVAL for them. */
#define QXL_NG_PARAM_DRIVER_VERSION	0x100	/* (major << 16) | minor */
#define QXL_NG_PARAM_CLIENT_CAPS	0x101	/* bitmask of QXL client caps, bit n = cap n */
#define QXL_NG_PARAM_CLIENT_CAPS_SEQ	0x102	/* bumped on every CLIENT interrupt */

/* Out flag of struct drm_qxl_ng_scanout_damage. */
#define QXL_NG_DAMAGE_FULL		(1u << 0)
#define QXL_NG_DAMAGE_MAX_RECTS		256

/**
 * struct drm_qxl_ng_scanout_damage - what changed on a CRTC's scanout
 * @crtc_id: in: the CRTC
 * @max_rects: in: room at @rects_ptr, 1..QXL_NG_DAMAGE_MAX_RECTS
 * @rects_ptr: in: user pointer to struct drm_mode_rect[@max_rects]
 * @num_rects: out: rectangles written, in framebuffer coordinates; more
 *	than @max_rects are merged into their bounding box
 * @flags: in: 0; out: QXL_NG_DAMAGE_FULL when the whole scanout must be
 *	taken as changed (first call, new framebuffer, modeset, or more
 *	updates than the driver remembers since the last call)
 * @fb_id: out: the framebuffer on the CRTC's primary plane, 0 if none
 * @pad: must be 0
 * @seq: out: number of updates of this CRTC so far
 *
 * Reports the rectangles updated on the CRTC since this file's previous
 * call for the same CRTC, so a consumer of the scanout (a screen
 * recorder, a streaming agent) copies only what changed. Pair it with
 * vblank events (DRM_IOCTL_CRTC_QUEUE_SEQUENCE) to wake up once a frame.
 */
struct drm_qxl_ng_scanout_damage {
	__u32 crtc_id;
	__u32 max_rects;
	__u64 rects_ptr;
	__u32 num_rects;
	__u32 flags;
	__u32 fb_id;
	__u32 pad;
	__u64 seq;
};

#define DRM_IOCTL_QXL_NG_SCANOUT_DAMAGE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_QXL_NG_SCANOUT_DAMAGE, \
		 struct drm_qxl_ng_scanout_damage)

/* Longest wait DRM_IOCTL_QXL_NG_WAIT accepts, in nanoseconds (10 s). */
#define QXL_NG_WAIT_MAX_NS		10000000000ull

/**
 * struct drm_qxl_ng_wait - wait until the device is done with a buffer
 * @handle: in: a buffer from ALLOC or ALLOC_SURF
 * @flags: in: must be 0
 * @timeout_ns: in: how long to wait, at most QXL_NG_WAIT_MAX_NS; 0 polls
 *
 * Returns 0 once every command submitted with the buffer has been
 * released by the device, EBUSY if that did not happen in time, EINTR if a
 * signal came first, ETIMEDOUT if the device stopped working (qxl-ng then
 * resets it). The buffer's reservation object carries the same fences.
 */
struct drm_qxl_ng_wait {
	__u32 handle;
	__u32 flags;
	__u64 timeout_ns;
};

#define DRM_IOCTL_QXL_NG_WAIT \
	DRM_IOW(DRM_COMMAND_BASE + DRM_QXL_NG_WAIT, struct drm_qxl_ng_wait)

#if defined(__cplusplus)
}
#endif

#endif /* QXL_NG_DRM_H */

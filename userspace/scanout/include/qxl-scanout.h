/* SPDX-License-Identifier: MIT */
/*
 * libqxl-scanout: hand a display's framebuffer to local consumers zero-copy,
 * as dma-buf file descriptors, with the SPICE display messages
 * GL_SCANOUT2_UNIX / GL_SCANOUT_UNIX, GL_DRAW and GL_DRAW_DONE over a unix
 * socket (Documentation/scanout.rst).
 *
 * Objects are opaque. Every function that can fail returns 0 or a negative
 * errno value. Every wait is bounded by the timeouts given here. No function
 * keeps a file descriptor the caller passed in: the library dups what it keeps.
 */
#ifndef QXL_SCANOUT_H
#define QXL_SCANOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define QS_MAX_PLANES 4

/* Display channel capability of consumers that accept GL_SCANOUT2_UNIX
 * (several planes, a modifier). spice-protocol's SPICE_DISPLAY_CAP_MULTI_PLANE. */
#define QS_DISPLAY_CAP_MULTI_PLANE 15

/**
 * struct qs_plane - one plane of a framebuffer
 * @fd: the dma-buf or sealed memfd holding the plane
 * @offset: byte offset of the plane in @fd
 * @stride: bytes per row
 *
 * A plane's fd is a dma-buf or a memfd sealed with F_SEAL_SHRINK (see
 * qs_memfd_create()): consumers keep it mapped, and a file that could be
 * truncated under that mapping would kill them with SIGBUS, so both ends
 * refuse any other kind of fd.
 */
struct qs_plane {
	int fd;
	uint32_t offset;
	uint32_t stride;
};

/**
 * struct qs_frame - a framebuffer as a producer describes it
 * @width: width in pixels
 * @height: height in pixels
 * @fourcc: a DRM_FORMAT_*
 * @modifier: a DRM_FORMAT_MOD_*
 * @flags: SPICE_GL_SCANOUT_FLAGS_Y0TOP or 0
 * @num_planes: 1..QS_MAX_PLANES
 * @planes: the planes; only the first @num_planes are used
 */
struct qs_frame {
	uint32_t width, height;
	uint32_t fourcc;
	uint64_t modifier;
	uint32_t flags;
	uint32_t num_planes;
	struct qs_plane planes[QS_MAX_PLANES];
};

/**
 * struct qs_rect - a rectangle of a frame, in pixels
 * @x: left column
 * @y: top row
 * @w: width
 * @h: height
 */
struct qs_rect {
	uint32_t x, y, w, h;
};

/* ---- producer --------------------------------------------------------- */
struct qs_server;

/**
 * struct qs_server_opts - options of qs_server_new()
 * @path: unix socket path to listen on (unlinked first), or NULL
 * @listen_fd: an already listening socket if @path is NULL (dup'ed), -1 if none
 * @draw_timeout_ms: a consumer that does not answer GL_DRAW_DONE within this
 *	is dropped; <= 0 for 2000
 * @link_timeout_ms: bound on the link stage of a new consumer; <= 0 for 1000
 * @max_consumers: consumers served at once; 0 for 8
 * @log: called with each log line; NULL for stderr
 * @log_opaque: passed to @log
 */
struct qs_server_opts {
	const char *path;
	int listen_fd;
	int draw_timeout_ms;
	int link_timeout_ms;
	unsigned max_consumers;
	void (*log)(void *opaque, const char *msg);
	void *log_opaque;
};

/**
 * struct qs_server_stats - counters of a server since qs_server_new()
 * @accepted: consumers linked
 * @dropped: consumers dropped for a timeout or a protocol error
 * @disconnected: consumers that hung up
 * @scanouts: GL_SCANOUT(2)_UNIX sent
 * @draws: GL_DRAW sent
 * @draws_done: GL_DRAW_DONE received
 * @coalesced: updates merged into a pending GL_DRAW
 */
struct qs_server_stats {
	uint64_t accepted;
	uint64_t dropped;
	uint64_t disconnected;
	uint64_t scanouts;
	uint64_t draws;
	uint64_t draws_done;
	uint64_t coalesced;
};

/**
 * qs_server_new() - create a producer listening for consumers
 * @out: set to the server, or NULL on failure
 * @opts: the socket (@opts->path or @opts->listen_fd) and limits; copied
 *
 * Return: 0, -EINVAL if neither a path nor a listening fd is given,
 * -ENAMETOOLONG for a path too long for a unix socket, -ENOMEM, or the
 * negative errno of socket(), bind() or listen().
 */
int qs_server_new(struct qs_server **out, const struct qs_server_opts *opts);

/**
 * qs_server_free() - drop all consumers, close and unlink the socket, free
 * @s: the server, or NULL
 */
void qs_server_free(struct qs_server *s);

/**
 * qs_server_pollfds() - the fds to poll (POLLIN) for the server
 * @s: the server
 * @fds: filled with the listening socket, then every consumer's socket
 * @max: room in @fds
 *
 * Return: how many were written (at most @max).
 */
int qs_server_pollfds(struct qs_server *s, int *fds, int max);

/**
 * qs_server_set_frame() - make a frame the current one and send it out
 * @s: the server
 * @f: the frame (its fds are dup'ed); NULL for no frame (consumers get
 *	nothing)
 *
 * Sends GL_SCANOUT2_UNIX (or GL_SCANOUT_UNIX to consumers without
 * QS_DISPLAY_CAP_MULTI_PLANE; such a consumer is dropped if @f cannot be
 * described without planes/offset) and marks the whole frame damaged.
 *
 * Return: 0, or a negative errno for what consumers would refuse: -EPERM for
 * a memfd not sealed against shrinking, -EINVAL for a bad plane count, an fd
 * that is neither a dma-buf nor a memfd or a layout that does not fit the fds.
 */
int qs_server_set_frame(struct qs_server *s, const struct qs_frame *f);

/**
 * qs_server_damage() - add damage to the current frame
 * @s: the server
 * @r: the changed rectangle; clipped to the frame
 *
 * A GL_DRAW goes out to each consumer with no draw in flight, others get the
 * union once they acknowledge.
 *
 * Return: 0, -ENODATA without a frame, -EINVAL for an empty rectangle or one
 * that starts outside the frame.
 */
int qs_server_damage(struct qs_server *s, const struct qs_rect *r);

/**
 * qs_server_dispatch() - serve consumers once
 * @s: the server
 * @timeout_ms: the longest wait for something to happen (0: no wait); a
 *	nearer draw deadline shortens it
 *
 * Accepts and links new consumers, reads their GL_DRAW_DONE, drops those in
 * error or past their draw deadline, sends pending draws.
 *
 * Return: 0, or the negative errno of poll().
 */
int qs_server_dispatch(struct qs_server *s, int timeout_ms);

/**
 * qs_server_next_deadline_ms() - time until the nearest draw deadline
 * @s: the server
 *
 * Return: milliseconds (0 if one has passed), -1 if no draw is in flight.
 */
int qs_server_next_deadline_ms(struct qs_server *s);

/**
 * qs_server_consumers() - how many consumers are connected
 * @s: the server
 *
 * Return: the number of linked consumers.
 */
unsigned qs_server_consumers(const struct qs_server *s);

/**
 * qs_server_busy() - how many consumers have a draw in flight
 * @s: the server
 *
 * Return: the number of consumers yet to answer a GL_DRAW.
 */
unsigned qs_server_busy(const struct qs_server *s);

/**
 * qs_server_get_stats() - copy the server's counters
 * @s: the server
 * @st: filled with the counters
 */
void qs_server_get_stats(const struct qs_server *s, struct qs_server_stats *st);

/* ---- consumer --------------------------------------------------------- */
struct qs_client;

#define QS_CLIENT_NO_MULTI_PLANE (1u << 0)	/* do not announce the cap */

/**
 * enum qs_event_type - what qs_client_next() received
 * @QS_EVENT_SCANOUT: a new frame is mapped: qs_client_frame()
 * @QS_EVENT_DRAW: a rectangle changed: read it, then qs_client_ack()
 */
enum qs_event_type {
	QS_EVENT_SCANOUT = 1,
	QS_EVENT_DRAW = 2,
};

/**
 * struct qs_event - an event of qs_client_next()
 * @type: what happened
 * @multi_plane: SCANOUT: it came as GL_SCANOUT2_UNIX
 * @rect: DRAW: the rectangle that changed
 */
struct qs_event {
	enum qs_event_type type;
	bool multi_plane;
	struct qs_rect rect;
};

/**
 * struct qs_mapped_plane - a plane of a received frame, mapped
 * @data: the plane's first byte (mapping + offset)
 * @offset: byte offset of the plane in its fd
 * @stride: bytes per row
 * @fd_size: size of the dma-buf
 */
struct qs_mapped_plane {
	const uint8_t *data;
	uint32_t offset, stride;
	uint64_t fd_size;
};

/**
 * struct qs_mapped_frame - a received, validated and mapped frame
 * @width: width in pixels
 * @height: height in pixels
 * @fourcc: a DRM_FORMAT_*
 * @flags: SPICE_GL_SCANOUT_FLAGS_Y0TOP or 0
 * @modifier: a DRM_FORMAT_MOD_*
 * @num_planes: planes in use
 * @planes: the mapped planes
 */
struct qs_mapped_frame {
	uint32_t width, height, fourcc, flags;
	uint64_t modifier;
	uint32_t num_planes;
	struct qs_mapped_plane planes[QS_MAX_PLANES];
};

/**
 * qs_client_connect() - connect a consumer to a producer's socket
 * @out: set to the consumer, or NULL on failure
 * @path: the producer's unix socket path
 * @flags: QS_CLIENT_NO_MULTI_PLANE or 0
 * @timeout_ms: bound on the link stage; <= 0 for 5000
 *
 * Return: 0, or a negative errno (libspice-wire's, from the connection or
 * the link stage).
 */
int qs_client_connect(struct qs_client **out, const char *path, unsigned flags, int timeout_ms);

/**
 * qs_client_from_fd() - make a consumer of a connected socket
 * @out: set to the consumer, or NULL on failure
 * @fd: the socket; owned by the consumer from now on, closed on failure
 * @flags: QS_CLIENT_NO_MULTI_PLANE or 0
 * @timeout_ms: bound on the link stage; <= 0 for 5000
 *
 * Runs the link stage.
 *
 * Return: 0, -ENOMEM, or the negative errno of the link stage.
 */
int qs_client_from_fd(struct qs_client **out, int fd, unsigned flags, int timeout_ms);

/**
 * qs_client_free() - unmap the frame, close the connection and free
 * @c: the consumer, or NULL
 */
void qs_client_free(struct qs_client *c);

/**
 * qs_client_fd() - the consumer's socket, for poll()
 * @c: the consumer
 *
 * Return: the socket, or -1 when the connection is closed.
 */
int qs_client_fd(const struct qs_client *c);

/**
 * qs_client_next() - wait for and handle the next message
 * @c: the consumer
 * @ev: filled with the event
 * @timeout_ms: the longest wait
 *
 * A malformed or inconsistent message (bad plane count, fds missing or too
 * many, strides or sizes that do not fit the fds, a draw outside the frame or
 * before any scanout, an unmappable modifier, a plane fd that is neither a
 * dma-buf nor a memfd) closes this connection only.
 *
 * Return: 0 with an event; -ETIMEDOUT if nothing came; -ENOTCONN on a closed
 * connection; else a negative errno (-EPROTO, -EBADMSG, -EMSGSIZE, -EINVAL,
 * -ENOTSUP, -E2BIG: libspice-wire's codes, passed on; -EPERM for a memfd
 * plane not sealed with F_SEAL_SHRINK). After an error, qs_client_error()
 * says why.
 */
int qs_client_next(struct qs_client *c, struct qs_event *ev, int timeout_ms);

/**
 * qs_client_frame() - the current mapped frame
 * @c: the consumer
 *
 * Return: the frame of the last QS_EVENT_SCANOUT, or NULL if there is none.
 */
const struct qs_mapped_frame *qs_client_frame(const struct qs_client *c);

/**
 * qs_client_begin_read() - DMA_BUF_IOCTL_SYNC start before CPU reads
 * @c: the consumer
 *
 * A no-op on fds that are not dma-bufs.
 *
 * Return: 0, -ENODATA without a frame, or the ioctl's negative errno.
 */
int qs_client_begin_read(struct qs_client *c);

/**
 * qs_client_end_read() - DMA_BUF_IOCTL_SYNC end after CPU reads
 * @c: the consumer
 *
 * A no-op on fds that are not dma-bufs.
 *
 * Return: 0, -ENODATA without a frame, or the ioctl's negative errno.
 */
int qs_client_end_read(struct qs_client *c);

/**
 * qs_client_ack() - send GL_DRAW_DONE for the last QS_EVENT_DRAW
 * @c: the consumer
 *
 * Return: 0, -EINVAL if no draw awaits an answer, or the send's negative
 * errno.
 */
int qs_client_ack(struct qs_client *c);

/**
 * qs_client_error() - why the last call failed
 * @c: the consumer
 *
 * Return: the last error text (after a negative return); it lives in @c.
 */
const char *qs_client_error(const struct qs_client *c);

/**
 * qs_memfd_create() - a sealed memfd for a plane
 * @name: the memfd's name, or NULL for "qxl-scanout-plane"
 * @size: its size in bytes
 *
 * The memfd is sealed so that it can never shrink or grow (F_SEAL_SHRINK |
 * F_SEAL_GROW | F_SEAL_SEAL), as consumers require of memfd planes. Map it,
 * draw into it, hand it to qs_server_set_frame().
 *
 * Return: the fd (close-on-exec), -EINVAL for a size of 0 or above
 * INT64_MAX, or a negative errno.
 */
int qs_memfd_create(const char *name, uint64_t size);

/**
 * qs_format_plane() - layout of a plane of a DRM format
 * @fourcc: a DRM_FORMAT_*
 * @plane: the plane index
 * @cpp: set to the bytes per pixel of @plane, or NULL
 * @hsub: set to its horizontal subsampling (1 for plane 0), or NULL
 * @vsub: set to its vertical subsampling (1 for plane 0), or NULL
 * @num_planes: set to the format's plane count, or NULL; set even when
 *	@plane is out of range
 *
 * Return: 0, -EINVAL if @plane is out of range, -ENOTSUP for a format the
 * library does not know.
 */
int qs_format_plane(uint32_t fourcc, uint32_t plane, uint32_t *cpp, uint32_t *hsub, uint32_t *vsub,
		    uint32_t *num_planes);

#ifdef __cplusplus
}
#endif
#endif

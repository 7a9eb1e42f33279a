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

/*
 * A plane's fd is a dma-buf or a memfd sealed with F_SEAL_SHRINK (see
 * qs_memfd_create()): consumers keep it mapped, and a file that could be
 * truncated under that mapping would kill them with SIGBUS, so both ends
 * refuse any other kind of fd.
 */
struct qs_plane {
	int fd;			/* dma-buf or sealed memfd holding the plane */
	uint32_t offset;	/* byte offset of the plane in fd */
	uint32_t stride;	/* bytes per row */
};

/* A framebuffer: fourcc is a DRM_FORMAT_*, modifier a DRM_FORMAT_MOD_*. */
struct qs_frame {
	uint32_t width, height;
	uint32_t fourcc;
	uint64_t modifier;
	uint32_t flags;		/* SPICE_GL_SCANOUT_FLAGS_Y0TOP */
	uint32_t num_planes;	/* 1..QS_MAX_PLANES */
	struct qs_plane planes[QS_MAX_PLANES];
};

struct qs_rect {
	uint32_t x, y, w, h;
};

/* ---- producer --------------------------------------------------------- */
struct qs_server;

struct qs_server_opts {
	const char *path;	/* unix socket path to listen on (unlinked first) */
	int listen_fd;		/* or an already listening socket (path NULL), -1 if none */
	int draw_timeout_ms;	/* a consumer that does not answer GL_DRAW_DONE within
				 * this is dropped (default 2000) */
	int link_timeout_ms;	/* bound on the link stage of a new consumer (default 1000) */
	unsigned max_consumers;	/* default 8 */
	void (*log)(void *opaque, const char *msg);	/* NULL: stderr */
	void *log_opaque;
};

struct qs_server_stats {
	uint64_t accepted;	/* consumers linked */
	uint64_t dropped;	/* consumers dropped for a timeout or a protocol error */
	uint64_t disconnected;	/* consumers that hung up */
	uint64_t scanouts;	/* GL_SCANOUT(2)_UNIX sent */
	uint64_t draws;		/* GL_DRAW sent */
	uint64_t draws_done;	/* GL_DRAW_DONE received */
	uint64_t coalesced;	/* updates merged into a pending GL_DRAW */
};

int qs_server_new(struct qs_server **out, const struct qs_server_opts *opts);
void qs_server_free(struct qs_server *s);
/*
 * Fds to poll (POLLIN) for the server: the listening socket and every
 * consumer. Returns how many were written (at most max).
 */
int qs_server_pollfds(struct qs_server *s, int *fds, int max);
/*
 * Makes f the current frame (its fds are dup'ed), sends GL_SCANOUT2_UNIX
 * (or GL_SCANOUT_UNIX to consumers without QS_DISPLAY_CAP_MULTI_PLANE; such
 * a consumer is dropped if f cannot be described without planes/offset) and
 * marks the whole frame damaged. f NULL: no frame (consumers get nothing).
 * Refuses what consumers would refuse: -EPERM for a memfd not sealed against
 * shrinking, -EINVAL for an fd that is neither a dma-buf nor a memfd or a
 * layout that does not fit the fds.
 */
int qs_server_set_frame(struct qs_server *s, const struct qs_frame *f);
/* Adds damage; a GL_DRAW goes out to each consumer with no draw in flight,
 * others get the union once they acknowledge. */
int qs_server_damage(struct qs_server *s, const struct qs_rect *r);
/*
 * Accepts and links new consumers, reads their GL_DRAW_DONE, drops those
 * in error or past their draw deadline, sends pending draws. Waits at most
 * timeout_ms (0: no wait) for something to happen.
 */
int qs_server_dispatch(struct qs_server *s, int timeout_ms);
/* Milliseconds until the nearest draw deadline (-1: none). */
int qs_server_next_deadline_ms(struct qs_server *s);
unsigned qs_server_consumers(const struct qs_server *s);
/* Consumers with a draw in flight. */
unsigned qs_server_busy(const struct qs_server *s);
void qs_server_get_stats(const struct qs_server *s, struct qs_server_stats *st);

/* ---- consumer --------------------------------------------------------- */
struct qs_client;

#define QS_CLIENT_NO_MULTI_PLANE (1u << 0)	/* do not announce the cap */

enum qs_event_type {
	QS_EVENT_SCANOUT = 1,	/* a new frame is mapped: qs_client_frame() */
	QS_EVENT_DRAW = 2,	/* rect changed: read it, then qs_client_ack() */
};

struct qs_event {
	enum qs_event_type type;
	bool multi_plane;	/* SCANOUT: it came as GL_SCANOUT2_UNIX */
	struct qs_rect rect;	/* DRAW */
};

/* A received, validated and mapped frame. */
struct qs_mapped_plane {
	const uint8_t *data;	/* the plane's first byte (mapping + offset) */
	uint32_t offset, stride;
	uint64_t fd_size;	/* size of the dma-buf */
};
struct qs_mapped_frame {
	uint32_t width, height, fourcc, flags;
	uint64_t modifier;
	uint32_t num_planes;
	struct qs_mapped_plane planes[QS_MAX_PLANES];
};

int qs_client_connect(struct qs_client **out, const char *path, unsigned flags, int timeout_ms);
/* Wraps a connected socket (takes ownership of fd) and runs the link stage. */
int qs_client_from_fd(struct qs_client **out, int fd, unsigned flags, int timeout_ms);
void qs_client_free(struct qs_client *c);
int qs_client_fd(const struct qs_client *c);
/*
 * Waits up to timeout_ms for the next message. A malformed or inconsistent
 * message (bad plane count, fds missing or too many, strides or sizes that do
 * not fit the fds, a draw outside the frame or before any scanout, an
 * unmappable modifier, a plane fd that is neither a dma-buf nor a memfd)
 * closes this connection only and returns a negative errno (-EPROTO,
 * -EBADMSG, -EMSGSIZE, -EINVAL, -ENOTSUP, -E2BIG: libspice-wire's codes,
 * passed on); a memfd plane not sealed with F_SEAL_SHRINK gives -EPERM.
 * -ETIMEDOUT if nothing came. After an error, qs_client_error() says why.
 */
int qs_client_next(struct qs_client *c, struct qs_event *ev, int timeout_ms);
const struct qs_mapped_frame *qs_client_frame(const struct qs_client *c);
/* DMA_BUF_IOCTL_SYNC around CPU reads (no-op on fds that are not dma-bufs). */
int qs_client_begin_read(struct qs_client *c);
int qs_client_end_read(struct qs_client *c);
/* Sends GL_DRAW_DONE for the last QS_EVENT_DRAW. */
int qs_client_ack(struct qs_client *c);
/* Last error text (after a negative return). */
const char *qs_client_error(const struct qs_client *c);

/*
 * A memfd for a plane, size bytes, sealed so that it can never shrink or grow
 * (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL), as consumers require of memfd
 * planes. Map it, draw into it, hand it to qs_server_set_frame(). Returns the
 * fd (close-on-exec) or a negative errno.
 */
int qs_memfd_create(const char *name, uint64_t size);

/* Bytes per pixel of plane p of fourcc and its subsampling; 0 if unknown. */
int qs_format_plane(uint32_t fourcc, uint32_t plane, uint32_t *cpp, uint32_t *hsub, uint32_t *vsub,
		    uint32_t *num_planes);

#ifdef __cplusplus
}
#endif
#endif

// SPDX-License-Identifier: MIT
/*
 * libqxl-scanout: the GL scanout bridge (producer and consumer sides).
 * See include/qxl-scanout.h and Documentation/scanout.rst.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/magic.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "qxl-scanout.h"
#include "spice-wire.h"

#define QS_API __attribute__((visibility("default")))

#define FOURCC(a, b, c, d) ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define MOD_LINEAR 0ull
#define MOD_INVALID 0x00ffffffffffffffull

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The channel's reason for a failure, or the error's name if it gave none. */
static const char *channel_why(const struct sw_channel *ch, int err)
{
	const char *msg = sw_channel_errmsg(ch);

	return msg[0] ? msg : sw_strerror(err);
}

QS_API int qs_format_plane(uint32_t fourcc, uint32_t plane, uint32_t *cpp, uint32_t *hsub, uint32_t *vsub,
			   uint32_t *num_planes)
{
	static const struct {
		uint32_t fourcc;
		uint8_t np, cpp[3], hsub, vsub;
	} t[] = {
		{ FOURCC('X', 'R', '2', '4'), 1, { 4 }, 1, 1 },
		{ FOURCC('A', 'R', '2', '4'), 1, { 4 }, 1, 1 },
		{ FOURCC('X', 'B', '2', '4'), 1, { 4 }, 1, 1 },
		{ FOURCC('A', 'B', '2', '4'), 1, { 4 }, 1, 1 },
		{ FOURCC('R', 'G', '1', '6'), 1, { 2 }, 1, 1 },
		{ FOURCC('N', 'V', '1', '2'), 2, { 1, 2 }, 2, 2 },
		{ FOURCC('N', 'V', '1', '6'), 2, { 1, 2 }, 2, 1 },
		{ FOURCC('Y', 'U', '1', '2'), 3, { 1, 1, 1 }, 2, 2 },
		{ FOURCC('Y', 'V', '1', '2'), 3, { 1, 1, 1 }, 2, 2 },
		{ FOURCC('Y', 'U', '2', '4'), 3, { 1, 1, 1 }, 1, 1 },
		{ FOURCC('P', '0', '1', '0'), 2, { 2, 4 }, 2, 2 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (t[i].fourcc != fourcc)
			continue;
		if (num_planes)
			*num_planes = t[i].np;
		if (plane >= t[i].np)
			return -EINVAL;
		if (cpp)
			*cpp = t[i].cpp[plane];
		if (hsub)
			*hsub = plane ? t[i].hsub : 1;
		if (vsub)
			*vsub = plane ? t[i].vsub : 1;
		return 0;
	}
	return -ENOTSUP;
}

/* A dma-buf's size is fixed at export; lseek(SEEK_END) is how it tells it. */
static uint64_t dmabuf_size(int fd, const struct stat *st)
{
	off_t end = lseek(fd, 0, SEEK_END);

	if (end > 0) {
		lseek(fd, 0, SEEK_SET);
		return (uint64_t)end;
	}
	return st->st_size > 0 ? (uint64_t)st->st_size : 0;
}

/*
 * Checks that a memfd can never shrink under a mapping and returns its size.
 * Truncating a shared file below a mapped page turns the next read of that
 * page into SIGBUS, which kills the whole consumer process, not just the one
 * connection: F_SEAL_SHRINK forbids it. Seals can be added but never removed,
 * so once seen the seal holds for good, and the size read after it can only
 * grow later.
 */
static int memfd_size(int fd, uint64_t *size, char *why, size_t whylen)
{
	int seals = fcntl(fd, F_GET_SEALS);
	struct stat st;

	if (seals < 0 || !(seals & F_SEAL_SHRINK)) {
		snprintf(why, whylen, "memfd not sealed against shrinking (F_SEAL_SHRINK): it could be "
			 "truncated under the mapping");
		return -EPERM;
	}
	if (fstat(fd, &st)) {
		int ret = -errno;

		snprintf(why, whylen, "fstat: %s", strerror(errno));
		return ret;
	}
	*size = st.st_size > 0 ? (uint64_t)st.st_size : 0;
	return 0;
}

/*
 * The size of a plane's fd, if the fd is of a kind that is safe to map for as
 * long as the frame stays current, whatever the process at the other end
 * does: a dma-buf (its size never changes) or a memfd sealed against
 * shrinking (memfd_size()). Anything else is refused: a file on disk or an
 * unsealed tmpfs file can be truncated (SIGBUS), hugetlbfs can fail a fault
 * with SIGBUS once a hole is punched in it, and pipes, sockets or devices
 * have no size to check. Returns 0 or a negative errno with why filled in.
 */
static int plane_fd_size(int fd, uint64_t *size, char *why, size_t whylen)
{
	struct statfs sfs;
	struct stat st;
	int ret;

	*size = 0;
	if (fstatfs(fd, &sfs) || fstat(fd, &st)) {
		ret = -errno;
		snprintf(why, whylen, "fstat: %s", strerror(errno));
		return ret;
	}
	if ((unsigned long)sfs.f_type == DMA_BUF_MAGIC) {
		*size = dmabuf_size(fd, &st);
	} else if ((unsigned long)sfs.f_type == TMPFS_MAGIC && S_ISREG(st.st_mode)) {
		/* S_ISREG: devtmpfs reports TMPFS_MAGIC for /dev's device nodes too */
		ret = memfd_size(fd, size, why, whylen);
		if (ret)
			return ret;
	} else {
		snprintf(why, whylen, "fd is neither a dma-buf nor a memfd (filesystem 0x%lx, mode 0%o)",
			 (unsigned long)sfs.f_type, (unsigned)st.st_mode);
		return -EINVAL;
	}
	if (!*size) {
		snprintf(why, whylen, "fd is empty");
		return -EINVAL;
	}
	if (*size > SIZE_MAX) {
		snprintf(why, whylen, "fd of %llu bytes is too large to map", (unsigned long long)*size);
		return -EFBIG;
	}
	return 0;
}

QS_API int qs_memfd_create(const char *name, uint64_t size)
{
	int fd, ret;

	if (!size || size > (uint64_t)INT64_MAX)
		return -EINVAL;
	fd = memfd_create(name ? name : "qxl-scanout-plane", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	/* consumers refuse a memfd that could shrink (plane_fd_size()); growing
	 * would be harmless but is sealed too, and F_SEAL_SEAL keeps it so */
	if (ftruncate(fd, (off_t)size) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

/*
 * Checks a frame description against the fds' sizes: the planes the format
 * needs, and every row of every plane inside its fd. Linear layouts only
 * (other modifiers are opaque: only the count is checked).
 */
static int check_layout(const struct qs_frame *f, const uint64_t *sizes, char *why, size_t whylen)
{
	uint32_t np = 0;

	if (!f->width || !f->height || f->width > 16384 || f->height > 16384) {
		snprintf(why, whylen, "size %ux%u out of range", f->width, f->height);
		return -EINVAL;
	}
	if (f->num_planes < 1 || f->num_planes > QS_MAX_PLANES) {
		snprintf(why, whylen, "%u planes", f->num_planes);
		return -EINVAL;
	}
	int ret = qs_format_plane(f->fourcc, 0, NULL, NULL, NULL, &np);
	if (ret) {
		snprintf(why, whylen, "unknown format 0x%08x", f->fourcc);
		return ret;
	}
	if (np != f->num_planes) {
		snprintf(why, whylen, "format %.4s has %u planes, message has %u", (const char *)&f->fourcc, np,
			 f->num_planes);
		return -EINVAL;
	}
	if (f->modifier != MOD_LINEAR && f->modifier != MOD_INVALID) {
		snprintf(why, whylen, "modifier 0x%llx is not linear: cannot be mapped",
			 (unsigned long long)f->modifier);
		return -ENOTSUP;
	}
	for (uint32_t p = 0; p < np; p++) {
		uint32_t cpp, hs, vs;

		qs_format_plane(f->fourcc, p, &cpp, &hs, &vs, NULL);
		uint64_t w = (f->width + hs - 1) / hs, h = (f->height + vs - 1) / vs;
		uint64_t row = w * cpp;
		const struct qs_plane *pl = &f->planes[p];

		if (pl->stride < row || pl->stride % cpp) {
			snprintf(why, whylen, "plane %u: stride %u < %llu bytes of a row", p, pl->stride,
				 (unsigned long long)row);
			return -EINVAL;
		}
		uint64_t end = (uint64_t)pl->offset + (uint64_t)pl->stride * (h - 1) + row;
		if (end > sizes[p]) {
			snprintf(why, whylen, "plane %u: offset %u + stride %u x %llu rows needs %llu bytes, fd has %llu",
				 p, pl->offset, pl->stride, (unsigned long long)h, (unsigned long long)end,
				 (unsigned long long)sizes[p]);
			return -EINVAL;
		}
	}
	return 0;
}

/* ====================================================================== */
/* producer                                                                */
/* ====================================================================== */

struct consumer {
	struct sw_channel *ch;
	unsigned id;
	bool multi_plane;
	bool need_scanout;
	bool inflight;
	int64_t deadline;
	bool dirty;
	struct qs_rect damage;
};

static void consumer_free(struct consumer *c)
{
	sw_channel_free(c->ch);
	free(c);
}

struct qs_server {
	struct qs_server_opts o;
	char path[108];
	int lfd;
	struct sw_link_reply reply;
	struct consumer **cons;
	unsigned ncons;
	unsigned next_id;
	bool have_frame;
	struct qs_frame frame;	/* fds owned */
	struct qs_server_stats st;
};

static void slog(struct qs_server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void slog(struct qs_server *s, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (s->o.log)
		s->o.log(s->o.log_opaque, buf);
	else
		fprintf(stderr, "qxl-scanout: %s\n", buf);
}

static int make_reply(struct sw_link_reply *rep)
{
	EVP_PKEY *key = EVP_RSA_gen(1024);
	uint8_t *der = rep->pub_key;
	int len;

	memset(rep, 0, sizeof(*rep));
	der = rep->pub_key;
	if (!key)
		return -ENOMEM;
	len = i2d_PUBKEY(key, &der);
	EVP_PKEY_free(key);
	if (len != SPICE_TICKET_PUBKEY_BYTES)
		return -EINVAL;
	sw_caps_set(rep->common_caps, &rep->num_common_caps, SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION);
	sw_caps_set(rep->common_caps, &rep->num_common_caps, SPICE_COMMON_CAP_AUTH_SPICE);
	sw_caps_set(rep->common_caps, &rep->num_common_caps, SPICE_COMMON_CAP_MINI_HEADER);
	sw_caps_set(rep->channel_caps, &rep->num_channel_caps, SPICE_DISPLAY_CAP_GL_SCANOUT);
	sw_caps_set(rep->channel_caps, &rep->num_channel_caps, QS_DISPLAY_CAP_MULTI_PLANE);
	return 0;
}

QS_API int qs_server_new(struct qs_server **out, const struct qs_server_opts *opts)
{
	struct qs_server *s = calloc(1, sizeof(*s));
	int ret;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->o = *opts;
	if (s->o.draw_timeout_ms <= 0)
		s->o.draw_timeout_ms = 2000;
	if (s->o.link_timeout_ms <= 0)
		s->o.link_timeout_ms = 1000;
	if (!s->o.max_consumers)
		s->o.max_consumers = 8;
	s->lfd = -1;
	ret = make_reply(&s->reply);
	if (ret)
		goto fail;
	if (opts->path) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		if (strlen(opts->path) >= sizeof(sa.sun_path)) {
			ret = -ENAMETOOLONG;
			goto fail;
		}
		strcpy(sa.sun_path, opts->path);
		strcpy(s->path, opts->path);
		s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (s->lfd < 0) {
			ret = -errno;
			goto fail;
		}
		unlink(opts->path);
		if (bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(s->lfd, 8)) {
			ret = -errno;
			s->path[0] = 0;
			goto fail;
		}
	} else if (opts->listen_fd >= 0) {
		s->lfd = fcntl(opts->listen_fd, F_DUPFD_CLOEXEC, 3);
		if (s->lfd < 0) {
			ret = -errno;
			goto fail;
		}
		fcntl(s->lfd, F_SETFL, fcntl(s->lfd, F_GETFL) | O_NONBLOCK);
	} else {
		ret = -EINVAL;
		goto fail;
	}
	s->cons = calloc(s->o.max_consumers, sizeof(*s->cons));
	if (!s->cons) {
		ret = -ENOMEM;
		goto fail;
	}
	*out = s;
	return 0;
fail:
	qs_server_free(s);
	return ret;
}

static void frame_close(struct qs_frame *f)
{
	for (uint32_t i = 0; i < f->num_planes && i < QS_MAX_PLANES; i++)
		if (f->planes[i].fd >= 0)
			close(f->planes[i].fd);
	memset(f, 0, sizeof(*f));
}

static void drop(struct qs_server *s, unsigned i, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void drop(struct qs_server *s, unsigned i, const char *fmt, ...)
{
	struct consumer *c = s->cons[i];
	char why[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	slog(s, "dropped consumer %u: %s", c->id, why);
	consumer_free(c);
	s->cons[i] = s->cons[--s->ncons];
	s->cons[s->ncons] = NULL;
	s->st.dropped++;
}

/* A consumer that hung up: not counted as dropped. */
static void disconnect(struct qs_server *s, unsigned i)
{
	struct consumer *c = s->cons[i];

	slog(s, "consumer %u disconnected", c->id);
	consumer_free(c);
	s->cons[i] = s->cons[--s->ncons];
	s->cons[s->ncons] = NULL;
	s->st.disconnected++;
}

QS_API void qs_server_free(struct qs_server *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->ncons; i++)
		consumer_free(s->cons[i]);
	free(s->cons);
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->path[0])
		unlink(s->path);
	if (s->have_frame)
		frame_close(&s->frame);
	free(s);
}

QS_API int qs_server_pollfds(struct qs_server *s, int *fds, int max)
{
	int n = 0;

	if (n < max)
		fds[n++] = s->lfd;
	for (unsigned i = 0; i < s->ncons && n < max; i++)
		fds[n++] = sw_channel_fd(s->cons[i]->ch);
	return n;
}

QS_API unsigned qs_server_consumers(const struct qs_server *s)
{
	return s->ncons;
}

QS_API unsigned qs_server_busy(const struct qs_server *s)
{
	unsigned n = 0;

	for (unsigned i = 0; i < s->ncons; i++)
		n += s->cons[i]->inflight;
	return n;
}

QS_API void qs_server_get_stats(const struct qs_server *s, struct qs_server_stats *st)
{
	*st = s->st;
}

static void rect_union(struct qs_rect *a, const struct qs_rect *b)
{
	uint32_t x0 = a->x < b->x ? a->x : b->x, y0 = a->y < b->y ? a->y : b->y;
	uint32_t x1 = a->x + a->w > b->x + b->w ? a->x + a->w : b->x + b->w;
	uint32_t y1 = a->y + a->h > b->y + b->h ? a->y + a->h : b->y + b->h;

	a->x = x0;
	a->y = y0;
	a->w = x1 - x0;
	a->h = y1 - y0;
}

/* Sends the current frame to consumer i; returns <0 if it was dropped. */
static int send_scanout(struct qs_server *s, unsigned i)
{
	struct consumer *c = s->cons[i];
	const struct qs_frame *f = &s->frame;
	struct sw_buf b;
	int fds[QS_MAX_PLANES], err;

	sw_buf_init(&b);
	for (uint32_t p = 0; p < f->num_planes; p++)
		fds[p] = f->planes[p].fd;
	if (c->multi_plane) {
		struct sw_gl_scanout2 m = { .width = f->width, .height = f->height, .drm_fourcc_format = f->fourcc,
					    .flags = f->flags, .num_planes = (uint8_t)f->num_planes,
					    .modifier = f->modifier };

		for (uint32_t p = 0; p < f->num_planes; p++) {
			m.offsets[p] = f->planes[p].offset;
			m.strides[p] = f->planes[p].stride;
		}
		err = sw_put_gl_scanout2(&b, &m);
		if (!err)
			err = sw_channel_send_fds(c->ch, SW_MSG_DISPLAY_GL_SCANOUT2_UNIX, b.data, b.len, fds,
						  (int)f->num_planes);
	} else {
		if (f->num_planes != 1 || f->planes[0].offset ||
		    (f->modifier != MOD_LINEAR && f->modifier != MOD_INVALID)) {
			sw_buf_free(&b);
			drop(s, i, "the frame (%u planes, offset %u, modifier 0x%llx) needs GL_SCANOUT2_UNIX, "
			     "which the consumer does not support", f->num_planes, f->planes[0].offset,
			     (unsigned long long)f->modifier);
			return -ENOTSUP;
		}
		struct sw_gl_scanout m = { .width = f->width, .height = f->height, .stride = f->planes[0].stride,
					   .drm_fourcc_format = f->fourcc, .flags = f->flags };

		err = sw_put_gl_scanout(&b, &m);
		if (!err)
			err = sw_channel_send_fds(c->ch, SPICE_MSG_DISPLAY_GL_SCANOUT_UNIX, b.data, b.len, fds, 1);
	}
	sw_buf_free(&b);
	if (err) {
		drop(s, i, "sending the scanout: %s", channel_why(c->ch, err));
		return err;
	}
	s->st.scanouts++;
	c->need_scanout = false;
	c->dirty = true;
	c->damage = (struct qs_rect){ 0, 0, f->width, f->height };
	return 0;
}

/* Sends what consumer i is owed, if it may receive it; <0 if dropped. */
static int flush_one(struct qs_server *s, unsigned i)
{
	struct consumer *c = s->cons[i];
	struct sw_buf b;
	int err;

	if (!s->have_frame)
		return 0;
	if (c->need_scanout) {
		/* a new scanout may not overtake a draw in flight */
		if (c->inflight)
			return 0;
		err = send_scanout(s, i);
		if (err)
			return err;
	}
	if (!c->dirty || c->inflight)
		return 0;
	struct sw_gl_draw d = { c->damage.x, c->damage.y, c->damage.w, c->damage.h };

	sw_buf_init(&b);
	err = sw_put_gl_draw(&b, &d);
	if (!err)
		err = sw_channel_send(c->ch, SPICE_MSG_DISPLAY_GL_DRAW, b.data, b.len);
	sw_buf_free(&b);
	if (err) {
		drop(s, i, "sending GL_DRAW: %s", channel_why(c->ch, err));
		return err;
	}
	s->st.draws++;
	c->dirty = false;
	c->inflight = true;
	c->deadline = now_ms() + s->o.draw_timeout_ms;
	return 0;
}

static void flush_all(struct qs_server *s)
{
	for (unsigned i = 0; i < s->ncons;) {
		struct consumer *c = s->cons[i];

		if (flush_one(s, i) == 0 || (i < s->ncons && s->cons[i] == c))
			i++;
	}
}

QS_API int qs_server_set_frame(struct qs_server *s, const struct qs_frame *f)
{
	struct qs_frame nf;
	uint64_t sizes[QS_MAX_PLANES];
	char why[200];
	int ret;

	if (!f) {
		if (s->have_frame)
			frame_close(&s->frame);
		s->have_frame = false;
		return 0;
	}
	if (f->num_planes < 1 || f->num_planes > QS_MAX_PLANES)
		return -EINVAL;
	/* the fds consumers would refuse (an unsealed memfd, a file) are
	 * refused here, where the mistake can be fixed, not by every consumer */
	for (uint32_t p = 0; p < f->num_planes; p++) {
		char fwhy[160];

		ret = plane_fd_size(f->planes[p].fd, &sizes[p], fwhy, sizeof(fwhy));
		if (ret) {
			slog(s, "refusing frame: plane %u: %s", p, fwhy);
			return ret;
		}
	}
	ret = check_layout(f, sizes, why, sizeof(why));
	if (ret == -ENOTSUP)
		ret = 0;	/* tiled layouts are passed through, opaque */
	if (ret) {
		slog(s, "refusing frame: %s", why);
		return ret;
	}
	nf = *f;
	for (uint32_t p = 0; p < f->num_planes; p++) {
		nf.planes[p].fd = fcntl(f->planes[p].fd, F_DUPFD_CLOEXEC, 3);
		if (nf.planes[p].fd < 0) {
			ret = -errno;
			for (uint32_t q = 0; q < p; q++)
				close(nf.planes[q].fd);
			return ret;
		}
	}
	for (uint32_t p = f->num_planes; p < QS_MAX_PLANES; p++)
		nf.planes[p].fd = -1;
	if (s->have_frame)
		frame_close(&s->frame);
	s->frame = nf;
	s->have_frame = true;
	for (unsigned i = 0; i < s->ncons; i++)
		s->cons[i]->need_scanout = true;
	flush_all(s);
	return 0;
}

QS_API int qs_server_damage(struct qs_server *s, const struct qs_rect *r)
{
	struct qs_rect d = *r;

	if (!s->have_frame)
		return -ENODATA;
	if (d.x >= s->frame.width || d.y >= s->frame.height || !d.w || !d.h)
		return -EINVAL;
	if (d.w > s->frame.width - d.x)
		d.w = s->frame.width - d.x;
	if (d.h > s->frame.height - d.y)
		d.h = s->frame.height - d.y;
	for (unsigned i = 0; i < s->ncons; i++) {
		struct consumer *c = s->cons[i];

		if (c->dirty) {
			rect_union(&c->damage, &d);
			s->st.coalesced++;
		} else {
			c->damage = d;
			c->dirty = true;
		}
	}
	flush_all(s);
	return 0;
}

static void accept_one(struct qs_server *s)
{
	int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
	struct sw_link_mess got;
	struct consumer *c;

	if (fd < 0)
		return;
	if (s->ncons >= s->o.max_consumers) {
		slog(s, "refusing a consumer: %u already connected", s->ncons);
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c)
		c->ch = sw_channel_new();
	if (!c || !c->ch) {
		free(c);
		close(fd);
		return;
	}
	sw_channel_from_fd(c->ch, fd, true);
	sw_channel_set_timeout(c->ch, s->o.link_timeout_ms);
	if (sw_server_accept_link(c->ch, &s->reply, &got, s->o.link_timeout_ms)) {
		slog(s, "link failed: %s", sw_channel_errmsg(c->ch));
		consumer_free(c);
		return;
	}
	if (got.channel_type != SPICE_CHANNEL_DISPLAY ||
	    !sw_caps_test(got.channel_caps, got.num_channel_caps, SPICE_DISPLAY_CAP_GL_SCANOUT)) {
		slog(s, "refusing a consumer: channel type %u without the GL_SCANOUT cap", got.channel_type);
		consumer_free(c);
		return;
	}
	/* every later send is bounded by the draw timeout: a consumer whose
	 * socket stays full that long is dropped like one that does not ack */
	sw_channel_set_timeout(c->ch, s->o.draw_timeout_ms < 200 ? s->o.draw_timeout_ms : 200);
	c->multi_plane = sw_caps_test(got.channel_caps, got.num_channel_caps, QS_DISPLAY_CAP_MULTI_PLANE);
	c->id = ++s->next_id;
	c->need_scanout = true;
	s->cons[s->ncons++] = c;
	s->st.accepted++;
	slog(s, "consumer %u linked (%s)", c->id, c->multi_plane ? "GL_SCANOUT2_UNIX" : "GL_SCANOUT_UNIX");
	flush_one(s, s->ncons - 1);
}

/* Reads what consumer i sent; <0 if it was dropped. */
static int read_one(struct qs_server *s, unsigned i)
{
	struct consumer *c = s->cons[i];
	struct sw_msg m;
	int err;

	do {
		err = sw_channel_read(c->ch, &m, 50);
		if (err) {
			for (int k = 0; k < m.nfds; k++)
				close(m.fds[k]);
			if (err == -EIO && strstr(sw_channel_errmsg(c->ch), "closed by peer"))
				disconnect(s, i);
			else
				drop(s, i, "%s", channel_why(c->ch, err));
			return -EPROTO;
		}
		for (int k = 0; k < m.nfds; k++)
			close(m.fds[k]);
		if (m.nfds) {
			drop(s, i, "a consumer sent file descriptors");
			return -EPROTO;
		}
		if (m.type != SPICE_MSGC_DISPLAY_GL_DRAW_DONE) {
			drop(s, i, "unexpected message %s (type %u)", sw_msg_name(SPICE_CHANNEL_DISPLAY, false, m.type),
			     m.type);
			return -EPROTO;
		}
		if (!c->inflight) {
			drop(s, i, "GL_DRAW_DONE without a GL_DRAW in flight");
			return -EPROTO;
		}
		c->inflight = false;
		s->st.draws_done++;
	} while (sw_channel_pending(c->ch));
	return flush_one(s, i);
}

QS_API int qs_server_next_deadline_ms(struct qs_server *s)
{
	int64_t best = -1, t = now_ms();

	for (unsigned i = 0; i < s->ncons; i++) {
		if (!s->cons[i]->inflight)
			continue;
		int64_t left = s->cons[i]->deadline - t;

		if (left < 0)
			left = 0;
		if (best < 0 || left < best)
			best = left;
	}
	return (int)best;
}

static void expire(struct qs_server *s)
{
	int64_t t = now_ms();

	for (unsigned i = 0; i < s->ncons;) {
		struct consumer *c = s->cons[i];

		if (c->inflight && t >= c->deadline)
			drop(s, i, "no GL_DRAW_DONE within %d ms", s->o.draw_timeout_ms);
		else
			i++;
	}
}

QS_API int qs_server_dispatch(struct qs_server *s, int timeout_ms)
{
	struct pollfd pfd[1 + 64];
	struct consumer *who[1 + 64];
	int n = 0, dl, r;

	pfd[n].fd = s->lfd;
	pfd[n].events = POLLIN;
	who[n++] = NULL;
	for (unsigned i = 0; i < s->ncons && n < 65; i++) {
		pfd[n].fd = sw_channel_fd(s->cons[i]->ch);
		pfd[n].events = POLLIN;
		who[n++] = s->cons[i];
	}
	dl = qs_server_next_deadline_ms(s);
	if (timeout_ms < 0 || (dl >= 0 && dl < timeout_ms))
		timeout_ms = dl;
	if (timeout_ms < 0)
		timeout_ms = 1000;
	r = poll(pfd, (nfds_t)n, timeout_ms);
	if (r < 0 && errno != EINTR)
		return -errno;
	if (r > 0) {
		for (int k = 1; k < n; k++) {
			if (!pfd[k].revents)
				continue;
			for (unsigned i = 0; i < s->ncons; i++) {
				if (s->cons[i] == who[k]) {
					read_one(s, i);
					break;
				}
			}
		}
		if (pfd[0].revents & POLLIN)
			accept_one(s);
	}
	expire(s);
	return 0;
}

/* ====================================================================== */
/* consumer                                                                */
/* ====================================================================== */

struct qs_client {
	struct sw_channel *ch;
	bool have_frame;
	bool draw_pending;
	struct qs_mapped_frame mf;
	int fds[QS_MAX_PLANES];
	void *maps[QS_MAX_PLANES];
	size_t map_len[QS_MAX_PLANES];
	char err[300];
};

static void unmap_frame(struct qs_client *c)
{
	for (int p = 0; p < QS_MAX_PLANES; p++) {
		if (c->maps[p])
			munmap(c->maps[p], c->map_len[p]);
		if (c->fds[p] >= 0)
			close(c->fds[p]);
		c->maps[p] = NULL;
		c->fds[p] = -1;
	}
	c->have_frame = false;
	memset(&c->mf, 0, sizeof(c->mf));
}

static int cfail(struct qs_client *c, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int cfail(struct qs_client *c, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	sw_channel_close(c->ch);
	return err;
}

QS_API int qs_client_from_fd(struct qs_client **out, int fd, unsigned flags, int timeout_ms)
{
	struct qs_client *c = calloc(1, sizeof(*c));
	struct sw_channel_opts o;
	int err;

	*out = NULL;
	if (c)
		c->ch = sw_channel_new();
	if (!c || !c->ch) {
		free(c);
		close(fd);
		return -ENOMEM;
	}
	for (int p = 0; p < QS_MAX_PLANES; p++)
		c->fds[p] = -1;
	sw_channel_from_fd(c->ch, fd, true);
	memset(&o, 0, sizeof(o));
	o.channel_type = SPICE_CHANNEL_DISPLAY;
	sw_caps_set(o.common_caps, &o.num_common_caps, SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION);
	sw_caps_set(o.common_caps, &o.num_common_caps, SPICE_COMMON_CAP_AUTH_SPICE);
	sw_caps_set(o.common_caps, &o.num_common_caps, SPICE_COMMON_CAP_MINI_HEADER);
	sw_caps_set(o.channel_caps, &o.num_channel_caps, SPICE_DISPLAY_CAP_GL_SCANOUT);
	if (!(flags & QS_CLIENT_NO_MULTI_PLANE))
		sw_caps_set(o.channel_caps, &o.num_channel_caps, QS_DISPLAY_CAP_MULTI_PLANE);
	o.timeout_ms = timeout_ms > 0 ? timeout_ms : 5000;
	err = sw_channel_link(c->ch, &o);
	if (err) {
		qs_client_free(c);
		return err;
	}
	sw_channel_set_auto_base(c->ch, false);
	*out = c;
	return 0;
}

QS_API int qs_client_connect(struct qs_client **out, const char *path, unsigned flags, int timeout_ms)
{
	int fd;

	*out = NULL;
	fd = sw_unix_connect(path, SOCK_CLOEXEC);
	if (fd < 0)
		return fd;
	return qs_client_from_fd(out, fd, flags, timeout_ms);
}

QS_API void qs_client_free(struct qs_client *c)
{
	if (!c)
		return;
	unmap_frame(c);
	sw_channel_free(c->ch);
	free(c);
}

QS_API int qs_client_fd(const struct qs_client *c)
{
	return sw_channel_fd(c->ch);
}

QS_API const char *qs_client_error(const struct qs_client *c)
{
	return c->err[0] ? c->err : sw_channel_errmsg(c->ch);
}

QS_API const struct qs_mapped_frame *qs_client_frame(const struct qs_client *c)
{
	return c->have_frame ? &c->mf : NULL;
}

static void close_fds(const struct sw_msg *m)
{
	for (int k = 0; k < m->nfds; k++)
		close(m->fds[k]);
}

/* Fills f from a GL_SCANOUT2_UNIX or GL_SCANOUT_UNIX body; no fds yet. */
static int parse_scanout(const struct sw_msg *m, struct qs_frame *f, bool *multi_plane, char *why, size_t whylen)
{
	int err;

	memset(f, 0, sizeof(*f));
	if (m->type == SW_MSG_DISPLAY_GL_SCANOUT2_UNIX) {
		struct sw_gl_scanout2 s2;

		err = sw_get_gl_scanout2(m->data, m->size, &s2);
		if (err) {
			snprintf(why, whylen, "malformed GL_SCANOUT2_UNIX: %s", sw_strerror(err));
			return err;
		}
		f->width = s2.width;
		f->height = s2.height;
		f->fourcc = s2.drm_fourcc_format;
		f->flags = s2.flags;
		f->modifier = s2.modifier;
		f->num_planes = s2.num_planes;
		for (uint32_t p = 0; p < s2.num_planes && p < QS_MAX_PLANES; p++) {
			f->planes[p].offset = s2.offsets[p];
			f->planes[p].stride = s2.strides[p];
		}
		*multi_plane = true;
		return 0;
	}
	struct sw_gl_scanout s1;

	err = sw_get_gl_scanout(m->data, m->size, &s1);
	if (err) {
		snprintf(why, whylen, "malformed GL_SCANOUT_UNIX: %s", sw_strerror(err));
		return err;
	}
	f->width = s1.width;
	f->height = s1.height;
	f->fourcc = s1.drm_fourcc_format;
	f->flags = s1.flags;
	f->modifier = MOD_INVALID;
	f->num_planes = 1;
	f->planes[0].stride = s1.stride;
	*multi_plane = false;
	return 0;
}

/*
 * Checks the fds that came with a scanout: one per plane, each of a kind that
 * is safe to map (plane_fd_size()), and the layout inside their sizes, which
 * go to sizes[]. Nothing is mapped before all of it holds.
 */
static int check_planes(const struct sw_msg *m, struct qs_frame *f, uint64_t *sizes, char *why, size_t whylen)
{
	int ret;

	if (f->num_planes < 1 || f->num_planes > QS_MAX_PLANES || (uint32_t)m->nfds != f->num_planes) {
		snprintf(why, whylen, "scanout with %u planes carried %d fds", f->num_planes, m->nfds);
		return -EPROTO;
	}
	for (uint32_t p = 0; p < f->num_planes; p++) {
		char fwhy[160];

		f->planes[p].fd = m->fds[p];
		ret = plane_fd_size(m->fds[p], &sizes[p], fwhy, sizeof(fwhy));
		if (ret) {
			snprintf(why, whylen, "plane %u: %s", p, fwhy);
			return ret;
		}
	}
	return check_layout(f, sizes, why, whylen);
}

/* Maps the planes of a checked frame; the client owns the fds from here on. */
static int map_planes(struct qs_client *c, const struct qs_frame *f, const uint64_t *sizes, char *why,
		      size_t whylen)
{
	unmap_frame(c);
	for (uint32_t p = 0; p < f->num_planes; p++)
		c->fds[p] = f->planes[p].fd;	/* unmap_frame() closes them all on failure */
	for (uint32_t p = 0; p < f->num_planes; p++) {
		void *map = mmap(NULL, (size_t)sizes[p], PROT_READ, MAP_SHARED, c->fds[p], 0);

		if (map == MAP_FAILED) {
			int ret = -errno;

			snprintf(why, whylen, "mmap of plane %u: %s", p, strerror(errno));
			unmap_frame(c);
			return ret;
		}
		c->maps[p] = map;
		c->map_len[p] = (size_t)sizes[p];
		c->mf.planes[p].data = (const uint8_t *)map + f->planes[p].offset;
		c->mf.planes[p].offset = f->planes[p].offset;
		c->mf.planes[p].stride = f->planes[p].stride;
		c->mf.planes[p].fd_size = sizes[p];
	}
	c->mf.width = f->width;
	c->mf.height = f->height;
	c->mf.fourcc = f->fourcc;
	c->mf.flags = f->flags;
	c->mf.modifier = f->modifier;
	c->mf.num_planes = f->num_planes;
	c->have_frame = true;
	return 0;
}

/*
 * A new frame: parsed, checked, then mapped. Anything wrong closes this
 * connection only (cfail) with every fd of the message closed; the process
 * and its other connections go on.
 */
static int take_scanout(struct qs_client *c, const struct sw_msg *m, struct qs_event *ev)
{
	struct qs_frame f;
	uint64_t sizes[QS_MAX_PLANES];
	char why[240];
	int ret;

	ret = parse_scanout(m, &f, &ev->multi_plane, why, sizeof(why));
	if (!ret)
		ret = check_planes(m, &f, sizes, why, sizeof(why));
	if (ret) {
		close_fds(m);
		return cfail(c, ret, "refused scanout: %s", why);
	}
	ret = map_planes(c, &f, sizes, why, sizeof(why));
	if (ret)
		return cfail(c, ret, "refused scanout: %s", why);
	ev->type = QS_EVENT_SCANOUT;
	return 0;
}

QS_API int qs_client_next(struct qs_client *c, struct qs_event *ev, int timeout_ms)
{
	struct sw_msg m;
	int err;

	memset(ev, 0, sizeof(*ev));
	if (sw_channel_closed(c->ch))
		return -ENOTCONN;
	if (!sw_channel_pending(c->ch)) {
		struct pollfd p = { .fd = sw_channel_fd(c->ch), .events = POLLIN };
		int r = poll(&p, 1, timeout_ms < 0 ? 0 : timeout_ms);

		if (r == 0)
			return -ETIMEDOUT;
		if (r < 0)
			return errno == EINTR ? -ETIMEDOUT : -errno;
	}
	err = sw_channel_read(c->ch, &m, 1000);
	if (err)	/* fds of a message refused by validation are ours to close */
		return close_fds(&m), cfail(c, err, "%s", channel_why(c->ch, err));
	switch (m.type) {
	case SPICE_MSG_DISPLAY_GL_SCANOUT_UNIX:
	case SW_MSG_DISPLAY_GL_SCANOUT2_UNIX:
		if (c->draw_pending) {
			close_fds(&m);
			return cfail(c, -EPROTO, "a scanout arrived before GL_DRAW_DONE");
		}
		return take_scanout(c, &m, ev);
	case SPICE_MSG_DISPLAY_GL_DRAW: {
		struct sw_gl_draw d;

		close_fds(&m);
		if (m.nfds)
			return cfail(c, -EPROTO, "GL_DRAW carried file descriptors");
		err = sw_get_gl_draw(m.data, m.size, &d);
		if (err)
			return cfail(c, err, "malformed GL_DRAW: %s", sw_strerror(err));
		if (!c->have_frame)
			return cfail(c, -EPROTO, "GL_DRAW before any scanout");
		if (c->draw_pending)
			return cfail(c, -EPROTO, "GL_DRAW before the previous one was acknowledged");
		if (!d.w || !d.h || d.x >= c->mf.width || d.y >= c->mf.height || d.w > c->mf.width - d.x ||
		    d.h > c->mf.height - d.y)
			return cfail(c, -EINVAL, "GL_DRAW %u,%u %ux%u outside the %ux%u frame", d.x, d.y, d.w, d.h,
				     c->mf.width, c->mf.height);
		c->draw_pending = true;
		ev->type = QS_EVENT_DRAW;
		ev->rect = (struct qs_rect){ d.x, d.y, d.w, d.h };
		return 0;
	}
	default:
		close_fds(&m);
		return cfail(c, -EPROTO, "unexpected message %s (type %u)", sw_msg_name(SPICE_CHANNEL_DISPLAY, true, m.type),
			     m.type);
	}
}

static int sync_planes(struct qs_client *c, uint64_t flags)
{
	if (!c->have_frame)
		return -ENODATA;
	for (uint32_t p = 0; p < c->mf.num_planes; p++) {
		struct dma_buf_sync s = { .flags = flags };

		if (ioctl(c->fds[p], DMA_BUF_IOCTL_SYNC, &s) && errno != ENOTTY && errno != EINVAL)
			return -errno;
	}
	return 0;
}

QS_API int qs_client_begin_read(struct qs_client *c)
{
	return sync_planes(c, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
}

QS_API int qs_client_end_read(struct qs_client *c)
{
	return sync_planes(c, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
}

QS_API int qs_client_ack(struct qs_client *c)
{
	int err;

	if (!c->draw_pending)
		return -EINVAL;
	err = sw_channel_send(c->ch, SPICE_MSGC_DISPLAY_GL_DRAW_DONE, NULL, 0);
	if (err)
		return cfail(c, err, "%s", sw_channel_errmsg(c->ch));
	c->draw_pending = false;
	return 0;
}

// SPDX-License-Identifier: MIT
/* Bounds-checked byte access, headers, sub-message lists, link messages. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "spice-wire.h"

const char *sw_strerror(int err)
{
	switch (err) {
	case 0: return "ok";
	case -EBADMSG: return "message truncated";
	case -EINVAL: return "invalid value in message";
	case -EOVERFLOW: return "size overflow";
	case -ENOMEM: return "out of memory";
	case -EIO: return "I/O error or connection closed";
	case -ECONNREFUSED: return "link refused by server";
	case -EACCES: return "authentication failed";
	case -EPROTO: return "protocol error";
	case -EOPNOTSUPP: return "unsupported";
	case -ENOTCONN: return "channel closed";
	case -ETIMEDOUT: return "timed out";
	case -EMSGSIZE: return "trailing bytes after message";
	case -E2BIG: return "resource limit exceeded";
	}
	return strerror(-err);
}

const char *sw_link_err_name(uint32_t e)
{
	static const char *const names[] = {
		"OK", "ERROR", "INVALID_MAGIC", "INVALID_DATA", "VERSION_MISMATCH",
		"NEED_SECURED", "NEED_UNSECURED", "PERMISSION_DENIED", "BAD_CONNECTION_ID",
		"CHANNEL_NOT_AVAILABLE",
	};
	return e < sizeof(names) / sizeof(names[0]) ? names[e] : "UNKNOWN";
}

/* ---- reader ----------------------------------------------------------- */
void sw_reader_init(struct sw_reader *r, const void *base, size_t len)
{
	r->base = base;
	r->len = base ? len : 0;
	r->off = 0;
	r->err = 0;
}

const uint8_t *sw_rbytes(struct sw_reader *r, size_t n)
{
	if (r->err)
		return NULL;
	if (r->off > r->len || n > r->len - r->off) {
		r->err = -EBADMSG;
		return NULL;
	}
	const uint8_t *p = r->base + r->off;
	r->off += n;
	return p;
}

uint8_t sw_r8(struct sw_reader *r)
{
	const uint8_t *p = sw_rbytes(r, 1);
	return p ? p[0] : 0;
}

uint16_t sw_r16(struct sw_reader *r)
{
	const uint8_t *p = sw_rbytes(r, 2);
	return p ? sw_le16(p) : 0;
}

uint32_t sw_r32(struct sw_reader *r)
{
	const uint8_t *p = sw_rbytes(r, 4);
	return p ? sw_le32(p) : 0;
}

uint64_t sw_r64(struct sw_reader *r)
{
	const uint8_t *p = sw_rbytes(r, 8);
	return p ? sw_le64(p) : 0;
}

size_t sw_rleft(const struct sw_reader *r)
{
	return r->err || r->off > r->len ? 0 : r->len - r->off;
}

int sw_rend(struct sw_reader *r)
{
	if (!r->err && r->off != r->len)
		r->err = -EMSGSIZE;
	return r->err;
}

int sw_reader_at(const struct sw_reader *r, uint32_t offset, struct sw_reader *out)
{
	if (offset == 0 || offset >= r->len) {
		sw_reader_init(out, NULL, 0);
		out->err = offset == 0 ? -EINVAL : -EBADMSG;
		return out->err;
	}
	out->base = r->base;
	out->len = r->len;
	out->off = offset;
	out->err = 0;
	return 0;
}

/* ---- writer ----------------------------------------------------------- */
void sw_buf_init(struct sw_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void sw_buf_free(struct sw_buf *b)
{
	free(b->data);
	sw_buf_init(b);
}

void sw_buf_reset(struct sw_buf *b)
{
	b->len = 0;
	b->err = 0;
}

static uint8_t *buf_grow(struct sw_buf *b, size_t n)
{
	if (b->err)
		return NULL;
	if (n > SIZE_MAX / 2 - b->len) {
		b->err = -EOVERFLOW;
		return NULL;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		uint8_t *p = realloc(b->data, cap);
		if (!p) {
			b->err = -ENOMEM;
			return NULL;
		}
		b->data = p;
		b->cap = cap;
	}
	uint8_t *p = b->data + b->len;
	b->len += n;
	b->data[b->len] = 0;
	return p;
}

void sw_w8(struct sw_buf *b, uint8_t v)
{
	uint8_t *p = buf_grow(b, 1);
	if (p)
		p[0] = v;
}

void sw_w16(struct sw_buf *b, uint16_t v)
{
	uint8_t *p = buf_grow(b, 2);
	if (p) {
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)(v >> 8);
	}
}

void sw_w32(struct sw_buf *b, uint32_t v)
{
	uint8_t *p = buf_grow(b, 4);
	if (p)
		for (int i = 0; i < 4; i++)
			p[i] = (uint8_t)(v >> (8 * i));
}

void sw_w64(struct sw_buf *b, uint64_t v)
{
	sw_w32(b, (uint32_t)v);
	sw_w32(b, (uint32_t)(v >> 32));
}

void sw_wbytes(struct sw_buf *b, const void *src, size_t n)
{
	if (!n)
		return;
	uint8_t *p = buf_grow(b, n);
	if (p)
		memcpy(p, src, n);
}

void sw_wprintf(struct sw_buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];

	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->err = -EINVAL;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		sw_wbytes(b, small, (size_t)n);
		return;
	}
	uint8_t *p = buf_grow(b, (size_t)n);
	if (!p)
		return;
	va_start(ap, fmt);
	vsnprintf((char *)p, (size_t)n + 1, fmt, ap);
	va_end(ap);
}

void sw_patch32(struct sw_buf *b, size_t pos, uint32_t v)
{
	if (b->err || pos > b->len || b->len - pos < 4) {
		if (!b->err)
			b->err = -EINVAL;
		return;
	}
	for (int i = 0; i < 4; i++)
		b->data[pos + (size_t)i] = (uint8_t)(v >> (8 * i));
}

/* ---- caps ------------------------------------------------------------- */
bool sw_caps_test(const uint32_t *caps, uint32_t ncaps, unsigned bit)
{
	unsigned w = bit / 32;
	return w < ncaps && (caps[w] >> (bit % 32)) & 1;
}

void sw_caps_set(uint32_t *caps, uint32_t *ncaps, unsigned bit)
{
	unsigned w = bit / 32;
	if (w >= SW_MAX_CAPS)
		return;
	while (*ncaps <= w)
		caps[(*ncaps)++] = 0;
	caps[w] |= 1u << (bit % 32);
}

struct sw_rect sw_clip_rect(const struct sw_clip *c, uint32_t i)
{
	struct sw_rect r = {0, 0, 0, 0};
	if (c->type != SPICE_CLIP_TYPE_RECTS || i >= c->num_rects || !c->rects)
		return r;
	const uint8_t *p = c->rects + (size_t)i * 16;
	r.top = (int32_t)sw_le32(p);
	r.left = (int32_t)sw_le32(p + 4);
	r.bottom = (int32_t)sw_le32(p + 8);
	r.right = (int32_t)sw_le32(p + 12);
	return r;
}

/* ---- link ------------------------------------------------------------- */
static int put_link_header(struct sw_buf *b, uint32_t size)
{
	sw_w32(b, SPICE_MAGIC);
	sw_w32(b, SPICE_VERSION_MAJOR);
	sw_w32(b, SPICE_VERSION_MINOR);
	sw_w32(b, size);
	return b->err;
}

int sw_put_link_mess(struct sw_buf *b, const struct sw_link_mess *m)
{
	if (m->num_common_caps > SW_MAX_CAPS || m->num_channel_caps > SW_MAX_CAPS)
		return -EINVAL;
	uint32_t ncaps = m->num_common_caps + m->num_channel_caps;
	put_link_header(b, SW_LINK_MESS_SIZE + 4 * ncaps);
	sw_w32(b, m->connection_id);
	sw_w8(b, m->channel_type);
	sw_w8(b, m->channel_id);
	sw_w32(b, m->num_common_caps);
	sw_w32(b, m->num_channel_caps);
	sw_w32(b, SW_LINK_MESS_SIZE);
	for (uint32_t i = 0; i < m->num_common_caps; i++)
		sw_w32(b, m->common_caps[i]);
	for (uint32_t i = 0; i < m->num_channel_caps; i++)
		sw_w32(b, m->channel_caps[i]);
	return b->err;
}

int sw_get_link_header(const uint8_t *p, size_t n, uint32_t *major, uint32_t *minor, uint32_t *size)
{
	struct sw_reader r;
	sw_reader_init(&r, p, n);
	uint32_t magic = sw_r32(&r);
	*major = sw_r32(&r);
	*minor = sw_r32(&r);
	*size = sw_r32(&r);
	if (r.err)
		return r.err;
	if (magic != SPICE_MAGIC)
		return -EPROTO;
	if (*major != SPICE_VERSION_MAJOR)
		return -EPROTO;
	if (*size > 4096)
		return -E2BIG;
	return 0;
}

/* Reads the caps arrays located at caps_offset of a link body. */
static int get_caps(const uint8_t *body, size_t n, uint32_t off, uint32_t nc, uint32_t nch,
		    uint32_t *common, uint32_t *chan, uint32_t *out_nc, uint32_t *out_nch)
{
	if (nc > 1024 || nch > 1024)
		return -E2BIG;
	uint64_t need = (uint64_t)off + 4ull * (nc + nch);
	if (off > n || need > n)
		return -EBADMSG;
	*out_nc = nc < SW_MAX_CAPS ? nc : SW_MAX_CAPS;
	*out_nch = nch < SW_MAX_CAPS ? nch : SW_MAX_CAPS;
	for (uint32_t i = 0; i < *out_nc; i++)
		common[i] = sw_le32(body + off + 4 * i);
	for (uint32_t i = 0; i < *out_nch; i++)
		chan[i] = sw_le32(body + off + 4 * (nc + i));
	return 0;
}

int sw_get_link_mess(const uint8_t *body, size_t n, struct sw_link_mess *m)
{
	struct sw_reader r;
	memset(m, 0, sizeof(*m));
	sw_reader_init(&r, body, n);
	m->connection_id = sw_r32(&r);
	m->channel_type = sw_r8(&r);
	m->channel_id = sw_r8(&r);
	uint32_t nc = sw_r32(&r), nch = sw_r32(&r), off = sw_r32(&r);
	if (r.err)
		return r.err;
	if (off < SW_LINK_MESS_SIZE)
		return -EINVAL;
	return get_caps(body, n, off, nc, nch, m->common_caps, m->channel_caps, &m->num_common_caps,
			&m->num_channel_caps);
}

int sw_put_link_reply(struct sw_buf *b, const struct sw_link_reply *m)
{
	if (m->num_common_caps > SW_MAX_CAPS || m->num_channel_caps > SW_MAX_CAPS)
		return -EINVAL;
	uint32_t ncaps = m->num_common_caps + m->num_channel_caps;
	put_link_header(b, SW_LINK_REPLY_SIZE + 4 * ncaps);
	sw_w32(b, m->error);
	sw_wbytes(b, m->pub_key, sizeof(m->pub_key));
	sw_w32(b, m->num_common_caps);
	sw_w32(b, m->num_channel_caps);
	sw_w32(b, SW_LINK_REPLY_SIZE);
	for (uint32_t i = 0; i < m->num_common_caps; i++)
		sw_w32(b, m->common_caps[i]);
	for (uint32_t i = 0; i < m->num_channel_caps; i++)
		sw_w32(b, m->channel_caps[i]);
	return b->err;
}

int sw_get_link_reply(const uint8_t *body, size_t n, struct sw_link_reply *m)
{
	struct sw_reader r;
	memset(m, 0, sizeof(*m));
	sw_reader_init(&r, body, n);
	m->error = sw_r32(&r);
	/* An error reply may be just the error code. */
	if (!r.err && m->error != SPICE_LINK_ERR_OK && n < SW_LINK_REPLY_SIZE)
		return 0;
	const uint8_t *k = sw_rbytes(&r, sizeof(m->pub_key));
	if (k)
		memcpy(m->pub_key, k, sizeof(m->pub_key));
	uint32_t nc = sw_r32(&r), nch = sw_r32(&r), off = sw_r32(&r);
	if (r.err)
		return r.err;
	if (off < SW_LINK_REPLY_SIZE)
		return -EINVAL;
	return get_caps(body, n, off, nc, nch, m->common_caps, m->channel_caps, &m->num_common_caps,
			&m->num_channel_caps);
}

/* ---- data headers ----------------------------------------------------- */
void sw_put_header(uint8_t *o, bool mini, const struct sw_header *h)
{
	size_t i = 0;
	if (!mini) {
		for (int k = 0; k < 8; k++)
			o[i++] = (uint8_t)(h->serial >> (8 * k));
	}
	o[i++] = (uint8_t)h->type;
	o[i++] = (uint8_t)(h->type >> 8);
	for (int k = 0; k < 4; k++)
		o[i++] = (uint8_t)(h->size >> (8 * k));
	if (!mini)
		for (int k = 0; k < 4; k++)
			o[i++] = (uint8_t)(h->sub_list >> (8 * k));
}

int sw_get_header(const uint8_t *p, size_t n, bool mini, struct sw_header *h)
{
	struct sw_reader r;
	sw_reader_init(&r, p, n);
	memset(h, 0, sizeof(*h));
	if (!mini)
		h->serial = sw_r64(&r);
	h->type = sw_r16(&r);
	h->size = sw_r32(&r);
	if (!mini)
		h->sub_list = sw_r32(&r);
	if (r.err)
		return r.err;
	if (!mini && h->sub_list && h->sub_list >= h->size)
		return -EINVAL;
	return 0;
}

int sw_sublist_begin(struct sw_sublist_iter *it, const uint8_t *body, size_t len, uint32_t list_off)
{
	memset(it, 0, sizeof(*it));
	if (list_off > len || len - list_off < 2)
		return -EBADMSG;
	it->body = body;
	it->len = len;
	it->list_off = list_off;
	it->count = sw_le16(body + list_off);
	if ((uint64_t)list_off + 2 + 4ull * it->count > len)
		return -EBADMSG;
	return 0;
}

int sw_sublist_next(struct sw_sublist_iter *it, uint16_t *type, const uint8_t **data, uint32_t *size)
{
	if (!it->body || it->next >= it->count)
		return 0;
	uint32_t off = sw_le32(it->body + it->list_off + 2 + 4u * it->next);
	it->next++;
	if (off > it->len || it->len - off < 6)
		return -EBADMSG;
	*type = sw_le16(it->body + off);
	*size = sw_le32(it->body + off + 2);
	if (*size > it->len - off - 6)
		return -EBADMSG;
	*data = it->body + off + 6;
	return 1;
}

/* ---- small helpers ---------------------------------------------------- */
int64_t sw_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int sw_unix_connect(const char *path, int type_flags)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | type_flags, 0);
	if (fd < 0)
		return -errno;
	/* a local connect completes at once or fails (EAGAIN: backlog full) */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

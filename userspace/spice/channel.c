// SPDX-License-Identifier: MIT
/* Channel sockets: connect, link stage, authentication, message I/O. */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#ifdef HAVE_SASL
#include <sasl/sasl.h>
#endif

#include "channel-priv.h"

#define MAX_MSG_SIZE (256u << 20)

int sw_channel_fail(struct sw_channel *ch, int err, const char *fmt, ...)
{
	if (!ch->err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(ch->errmsg, sizeof(ch->errmsg), fmt, ap);
		va_end(ap);
		ch->err = err;
	}
	sw_channel_close(ch);
	return err;
}

void sw_channel_close(struct sw_channel *ch)
{
	if (ch->fd >= 0)
		close(ch->fd);
	ch->fd = -1;
	ch->closed = true;
	for (int i = 0; i < ch->npending_fds; i++)
		close(ch->pending_fds[i]);
	ch->npending_fds = 0;
	free(ch->rbuf);
	ch->rbuf = NULL;
	ch->rcap = 0;
	ch->in_sublist = false;
#ifdef HAVE_SASL
	if (ch->sasl_conn) {
		sasl_conn_t *c = ch->sasl_conn;
		sasl_dispose(&c);
	}
#endif
	ch->sasl_conn = NULL;
	ch->sasl_layer = false;
	free(ch->sasl_dec);
	ch->sasl_dec = NULL;
	ch->sasl_dec_len = ch->sasl_dec_off = ch->sasl_dec_cap = 0;
}

static void channel_init(struct sw_channel *ch)
{
	memset(ch, 0, sizeof(*ch));
	ch->fd = -1;
	ch->timeout_ms = 10000;
	ch->auto_base = true;
}

void sw_channel_from_fd(struct sw_channel *ch, int fd, bool unix_socket)
{
	channel_init(ch);
	ch->fd = fd;
	ch->unix_socket = unix_socket;
}

struct sw_channel *sw_channel_new(void)
{
	struct sw_channel *ch = malloc(sizeof(*ch));

	if (ch)
		channel_init(ch);
	return ch;
}

void sw_channel_free(struct sw_channel *ch)
{
	if (!ch)
		return;
	sw_channel_close(ch);
	free(ch);
}

/* ---- accessors -------------------------------------------------------- */
int sw_channel_fd(const struct sw_channel *ch)
{
	return ch->fd;
}

uint8_t sw_channel_type(const struct sw_channel *ch)
{
	return ch->type;
}

uint8_t sw_channel_id(const struct sw_channel *ch)
{
	return ch->id;
}

bool sw_channel_closed(const struct sw_channel *ch)
{
	return ch->closed;
}

int sw_channel_err(const struct sw_channel *ch)
{
	return ch->err;
}

const char *sw_channel_errmsg(const struct sw_channel *ch)
{
	return ch->errmsg;
}

bool sw_channel_mini_header(const struct sw_channel *ch)
{
	return ch->mini_header;
}

const struct sw_link_reply *sw_channel_remote(const struct sw_channel *ch)
{
	return &ch->remote;
}

void sw_channel_set_timeout(struct sw_channel *ch, int timeout_ms)
{
	if (timeout_ms > 0)
		ch->timeout_ms = timeout_ms;
}

void sw_channel_set_auto_base(struct sw_channel *ch, bool on)
{
	ch->auto_base = on;
}

void sw_channel_set_hooks(struct sw_channel *ch, sw_send_hook send, sw_send_hook recv, void *opaque)
{
	ch->send_hook = send;
	ch->recv_hook = recv;
	ch->send_hook_opaque = opaque;
}

static int wait_fd(struct sw_channel *ch, short ev, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - sw_now_ms();
		if (left <= 0)
			return sw_channel_fail(ch, -ETIMEDOUT, "timed out waiting for the %s channel",
					       sw_channel_name(ch->type));
		struct pollfd p = { .fd = ch->fd, .events = ev };
		int r = poll(&p, 1, (int)(left > 60000 ? 60000 : left));
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return sw_channel_fail(ch, -EIO, "poll: %s", strerror(errno));
	}
}

int sw_channel_connect(struct sw_channel *ch, const char *host, int port, int timeout_ms)
{
	channel_init(ch);
	sw_channel_set_timeout(ch, timeout_ms);
	int64_t deadline = sw_now_ms() + ch->timeout_ms;
	const char *path = NULL;
	if (!strncmp(host, "unix:", 5))
		path = host + 5;
	else if (host[0] == '/')
		path = host;
	if (path) {
		int fd = sw_unix_connect(path, SOCK_CLOEXEC);
		if (fd == -ENAMETOOLONG)
			return sw_channel_fail(ch, -EINVAL, "unix socket path too long");
		if (fd < 0)
			return sw_channel_fail(ch, -EIO, "connect %s: %s", path, strerror(-fd));
		ch->fd = fd;
		ch->unix_socket = true;
		return 0;
	}
	char ports[16];
	snprintf(ports, sizeof(ports), "%d", port);
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	int gr = getaddrinfo(host, ports, &hints, &ai);
	if (gr)
		return sw_channel_fail(ch, -EIO, "resolve %s: %s", host, gai_strerror(gr));
	int err = -EIO;
	char why[128] = "no address";
	for (struct addrinfo *a = ai; a; a = a->ai_next) {
		int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, a->ai_addr, a->ai_addrlen) < 0 && errno != EINPROGRESS) {
			snprintf(why, sizeof(why), "%s", strerror(errno));
			close(fd);
			continue;
		}
		ch->fd = fd;
		if (wait_fd(ch, POLLOUT, deadline)) {
			err = -ETIMEDOUT;
			ch->err = 0;
			ch->closed = false;
			snprintf(why, sizeof(why), "connect timed out");
			continue;
		}
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		if (soerr) {
			snprintf(why, sizeof(why), "%s", strerror(soerr));
			close(fd);
			ch->fd = -1;
			continue;
		}
		/* the socket stays non-blocking: every wait goes through poll */
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		freeaddrinfo(ai);
		return 0;
	}
	freeaddrinfo(ai);
	ch->fd = -1;
	return sw_channel_fail(ch, err, "connect %s:%d: %s", host, port, why);
}

/* ---- raw I/O ---------------------------------------------------------- */
static int raw_write_all(struct sw_channel *ch, const uint8_t *p, size_t n, const int *fds, int nfds)
{
	int64_t deadline = sw_now_ms() + ch->timeout_ms;
	if (ch->fd < 0)
		return -ENOTCONN;
	while (n) {
		if (wait_fd(ch, POLLOUT, deadline))
			return ch->err;
		ssize_t w;
		if (nfds > 0) {
			struct iovec iov = { .iov_base = (void *)p, .iov_len = n };
			union {
				char buf[CMSG_SPACE(sizeof(int) * 8)];
				struct cmsghdr align;
			} u;
			struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
			memset(&u, 0, sizeof(u));
			mh.msg_control = u.buf;
			mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
			struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
			memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
			w = sendmsg(ch->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (w > 0)
				nfds = 0;
		} else {
			w = send(ch->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		}
		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			return sw_channel_fail(ch, -EIO, "%s channel: send: %s", sw_channel_name(ch->type),
					       strerror(errno));
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int raw_read_all(struct sw_channel *ch, uint8_t *p, size_t n, int timeout_ms, bool some, size_t *got)
{
	int64_t deadline = sw_now_ms() + (timeout_ms > 0 ? timeout_ms : ch->timeout_ms);
	if (ch->fd < 0)
		return -ENOTCONN;
	while (n) {
		if (wait_fd(ch, POLLIN, deadline))
			return ch->err;
		ssize_t r;
		if (ch->unix_socket) {
			struct iovec iov = { .iov_base = p, .iov_len = n };
			union {
				char buf[CMSG_SPACE(sizeof(int) * 8)];
				struct cmsghdr align;
			} u;
			struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
					     .msg_controllen = sizeof(u.buf) };
			r = recvmsg(ch->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
			if (r > 0) {
				for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
					if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
						continue;
					size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
					for (size_t i = 0; i < k; i++) {
						int fd;
						memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
						if (ch->npending_fds < 8)
							ch->pending_fds[ch->npending_fds++] = fd;
						else
							close(fd);
					}
				}
			}
		} else {
			r = recv(ch->fd, p, n, MSG_DONTWAIT);
		}
		if (r == 0)
			return sw_channel_fail(ch, -EIO, "%s channel: connection closed by peer",
					       sw_channel_name(ch->type));
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			return sw_channel_fail(ch, -EIO, "%s channel: recv: %s", sw_channel_name(ch->type),
					       strerror(errno));
		}
		p += r;
		n -= (size_t)r;
		if (got)
			*got += (size_t)r;
		if (some)
			break;
	}
	return 0;
}

#ifdef HAVE_SASL
/* The SASL security layer: once a mechanism with SSF > 0 is negotiated,
 * every byte after the handshake (starting with the link result) travels
 * through sasl_encode/sasl_decode. */
static int write_all(struct sw_channel *ch, const uint8_t *p, size_t n, const int *fds, int nfds)
{
	if (!ch->sasl_layer)
		return raw_write_all(ch, p, n, fds, nfds);
	while (n) {
		size_t chunk = n < ch->sasl_maxout ? n : ch->sasl_maxout;
		const char *out;
		unsigned outlen;
		if (sasl_encode(ch->sasl_conn, (const char *)p, (unsigned)chunk, &out, &outlen) != SASL_OK)
			return sw_channel_fail(ch, -EACCES, "sasl_encode failed");
		if (raw_write_all(ch, (const uint8_t *)out, outlen, fds, nfds))
			return ch->err;
		nfds = 0;
		p += chunk;
		n -= chunk;
	}
	return 0;
}

static int read_all(struct sw_channel *ch, uint8_t *p, size_t n, int timeout_ms)
{
	if (!ch->sasl_layer)
		return raw_read_all(ch, p, n, timeout_ms, false, NULL);
	while (n) {
		if (ch->sasl_dec_off < ch->sasl_dec_len) {
			size_t k = ch->sasl_dec_len - ch->sasl_dec_off;
			if (k > n)
				k = n;
			memcpy(p, ch->sasl_dec + ch->sasl_dec_off, k);
			ch->sasl_dec_off += k;
			p += k;
			n -= k;
			continue;
		}
		uint8_t raw[16384];
		size_t got = 0;
		if (raw_read_all(ch, raw, sizeof(raw), timeout_ms, true, &got))
			return ch->err;
		const char *out;
		unsigned outlen;
		if (sasl_decode(ch->sasl_conn, (const char *)raw, (unsigned)got, &out, &outlen) != SASL_OK)
			return sw_channel_fail(ch, -EPROTO, "sasl_decode failed: %s (%zu bytes, first %02x %02x %02x %02x)",
					       sasl_errdetail(ch->sasl_conn), got, raw[0], raw[1], raw[2], raw[3]);
		if (outlen > ch->sasl_dec_cap) {
			uint8_t *nb = realloc(ch->sasl_dec, outlen);
			if (!nb)
				return sw_channel_fail(ch, -ENOMEM, "out of memory");
			ch->sasl_dec = nb;
			ch->sasl_dec_cap = outlen;
		}
		if (outlen)
			memcpy(ch->sasl_dec, out, outlen);
		ch->sasl_dec_len = outlen;
		ch->sasl_dec_off = 0;
	}
	return 0;
}
#else
static int write_all(struct sw_channel *ch, const uint8_t *p, size_t n, const int *fds, int nfds)
{
	return raw_write_all(ch, p, n, fds, nfds);
}

static int read_all(struct sw_channel *ch, uint8_t *p, size_t n, int timeout_ms)
{
	return raw_read_all(ch, p, n, timeout_ms, false, NULL);
}
#endif

/* ---- ticket ----------------------------------------------------------- */
int sw_encrypt_ticket(const uint8_t *der, size_t der_len, const char *password, uint8_t *out,
		      size_t out_len, char *why, size_t why_len)
{
	const unsigned char *p = der;
	EVP_PKEY *key = d2i_PUBKEY(NULL, &p, (long)der_len);
	if (!key) {
		snprintf(why, why_len, "server public key is not valid DER");
		return -EPROTO;
	}
	int ret = -EACCES;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	size_t plen = strlen(password ? password : "") + 1;
	size_t olen = out_len;
	if (plen > SPICE_MAX_PASSWORD_LENGTH) {
		snprintf(why, why_len, "password longer than %d bytes", SPICE_MAX_PASSWORD_LENGTH - 1);
		ret = -EINVAL;
	} else if (!ctx || EVP_PKEY_encrypt_init(ctx) <= 0 ||
		   EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) <= 0 ||
		   EVP_PKEY_encrypt(ctx, out, &olen, (const unsigned char *)(password ? password : ""),
				    plen) <= 0) {
		snprintf(why, why_len, "RSA-OAEP encryption failed: %s",
			 ERR_error_string(ERR_get_error(), NULL));
	} else if (olen != out_len) {
		snprintf(why, why_len, "unexpected RSA key size (%zu bytes)", olen);
	} else {
		ret = 0;
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(key);
	return ret;
}

/* ---- SASL ------------------------------------------------------------- */
bool sw_have_sasl(void)
{
#ifdef HAVE_SASL
	return true;
#else
	return false;
#endif
}

#ifdef HAVE_SASL
static int read_u32(struct sw_channel *ch, uint32_t *v)
{
	uint8_t b[4];
	int err = read_all(ch, b, 4, 0);
	*v = sw_le32(b);
	return err;
}

static int write_u32(struct sw_channel *ch, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	return write_all(ch, b, 4, NULL, 0);
}

static const char *sasl_user;
static int sasl_cb_user(void *ctx, int id, const char **result, unsigned *len)
{
	(void)ctx;
	if (id != SASL_CB_USER && id != SASL_CB_AUTHNAME)
		return SASL_FAIL;
	*result = sasl_user ? sasl_user : "";
	if (len)
		*len = (unsigned)strlen(*result);
	return SASL_OK;
}

static sasl_secret_t *sasl_secret;
static int sasl_cb_pass(sasl_conn_t *c, void *ctx, int id, sasl_secret_t **psecret)
{
	(void)c;
	(void)ctx;
	if (id != SASL_CB_PASS)
		return SASL_FAIL;
	*psecret = sasl_secret;
	return SASL_OK;
}

/* Sends "len + bytes (+NUL)" the way spice-server expects client data. */
static int sasl_send_data(struct sw_channel *ch, const char *data, unsigned len)
{
	if (!data)
		return write_u32(ch, 0);
	if (write_u32(ch, len + 1))
		return ch->err;
	if (write_all(ch, (const uint8_t *)data, len, NULL, 0))
		return ch->err;
	uint8_t z = 0;
	return write_all(ch, &z, 1, NULL, 0);
}

static int sasl_recv_data(struct sw_channel *ch, char **out, unsigned *len, uint8_t *complete)
{
	uint32_t n;
	if (read_u32(ch, &n))
		return ch->err;
	if (n > 65536)
		return sw_channel_fail(ch, -EPROTO, "SASL server data too long (%u)", n);
	*out = calloc(1, n + 1);
	if (!*out)
		return sw_channel_fail(ch, -ENOMEM, "out of memory");
	if (n && read_all(ch, (uint8_t *)*out, n, 0))
		return ch->err;
	*len = n ? n - ((*out)[n - 1] == 0) : 0;
	return read_all(ch, complete, 1, 0);
}

/* spice-server closes the connection when SASL authentication fails */
static int sasl_refused(struct sw_channel *ch)
{
	if (ch->err == -EIO) {
		ch->err = -EACCES;
		snprintf(ch->errmsg, sizeof(ch->errmsg),
			 "%s channel: SASL authentication refused by the server (wrong user or password?)",
			 sw_channel_name(ch->type));
	}
	return ch->err;
}

static int do_sasl(struct sw_channel *ch, const struct sw_channel_opts *o)
{
	static bool inited;
	if (!inited) {
		if (sasl_client_init(NULL) != SASL_OK)
			return sw_channel_fail(ch, -EACCES, "sasl_client_init failed");
		inited = true;
	}
	sasl_user = o->sasl_user;
	size_t pl = strlen(o->password ? o->password : "");
	free(sasl_secret);
	sasl_secret = calloc(1, sizeof(*sasl_secret) + pl + 1);
	if (!sasl_secret)
		return sw_channel_fail(ch, -ENOMEM, "out of memory");
	sasl_secret->len = pl;
	memcpy(sasl_secret->data, o->password ? o->password : "", pl);
	sasl_callback_t cbs[] = {
		{ SASL_CB_USER, (int (*)(void))(void (*)(void))sasl_cb_user, NULL },
		{ SASL_CB_AUTHNAME, (int (*)(void))(void (*)(void))sasl_cb_user, NULL },
		{ SASL_CB_PASS, (int (*)(void))(void (*)(void))sasl_cb_pass, NULL },
		{ SASL_CB_LIST_END, NULL, NULL },
	};
	sasl_conn_t *conn = NULL;
	int err = 0;
	char *mechlist = NULL, *serverin = NULL;
	if (sasl_client_new("spice", "localhost", NULL, NULL, cbs, 0, &conn) != SASL_OK) {
		err = sw_channel_fail(ch, -EACCES, "sasl_client_new failed");
		goto out;
	}
	/* spice-server without TLS insists on a security layer (SSF >= 56) */
	sasl_security_properties_t sp;
	memset(&sp, 0, sizeof(sp));
	sp.min_ssf = 0;
	sp.max_ssf = 256;
	sp.maxbufsize = 65536;
	if (sasl_setprop(conn, SASL_SEC_PROPS, &sp) != SASL_OK) {
		err = sw_channel_fail(ch, -EACCES, "sasl_setprop failed");
		goto out;
	}
	uint32_t mlen;
	if (read_u32(ch, &mlen) || mlen > 4096) {
		err = sw_channel_fail(ch, -EPROTO, "bad SASL mechanism list");
		goto out;
	}
	mechlist = calloc(1, mlen + 1);
	if (!mechlist || read_all(ch, (uint8_t *)mechlist, mlen, 0)) {
		err = sw_channel_fail(ch, -EPROTO, "reading SASL mechanism list");
		goto out;
	}
	const char *clientout = NULL, *mech = NULL;
	unsigned clientoutlen = 0;
	int r = sasl_client_start(conn, mechlist, NULL, &clientout, &clientoutlen, &mech);
	if (r != SASL_OK && r != SASL_CONTINUE) {
		err = sw_channel_fail(ch, -EACCES, "SASL start failed: %s", sasl_errdetail(conn));
		goto out;
	}
	if (write_u32(ch, (uint32_t)strlen(mech)) ||
	    write_all(ch, (const uint8_t *)mech, strlen(mech), NULL, 0) ||
	    sasl_send_data(ch, clientout, clientoutlen)) {
		err = ch->err;
		goto out;
	}
	for (int round = 0; round < 32; round++) {
		unsigned inlen = 0;
		uint8_t complete = 0;
		free(serverin);
		serverin = NULL;
		if (sasl_recv_data(ch, &serverin, &inlen, &complete)) {
			err = sasl_refused(ch);
			goto out;
		}
		if (complete && r == SASL_OK)
			break;
		r = sasl_client_step(conn, inlen ? serverin : NULL, inlen, NULL, &clientout, &clientoutlen);
		if (r != SASL_OK && r != SASL_CONTINUE) {
			err = sw_channel_fail(ch, -EACCES, "SASL step failed: %s", sasl_errdetail(conn));
			goto out;
		}
		if (complete) {
			/* the server is done: nothing more may be sent */
			if (r == SASL_OK)
				break;
			err = sw_channel_fail(ch, -EACCES, "SASL: server completed before the client");
			goto out;
		}
		if (sasl_send_data(ch, clientout, clientoutlen)) {
			err = ch->err;
			goto out;
		}
	}
	if (!err) {
		/* spice-server confirms the authentication with a clear u32 (0);
		 * everything after it, starting with the link result, goes
		 * through the security layer. */
		uint32_t ok;
		if (read_u32(ch, &ok)) {
			err = sasl_refused(ch);
			goto out;
		}
		if (ok != 0) {
			err = sw_channel_fail(ch, -EACCES, "SASL authentication refused by the server (%u)", ok);
			goto out;
		}
		const void *val = NULL;
		if (sasl_getprop(conn, SASL_SSF, &val) == SASL_OK && val && *(const sasl_ssf_t *)val > 0) {
			const void *mo = NULL;
			unsigned maxout = 4096;
			if (sasl_getprop(conn, SASL_MAXOUTBUF, &mo) == SASL_OK && mo && *(const unsigned *)mo)
				maxout = *(const unsigned *)mo;
			ch->sasl_conn = conn;
			ch->sasl_maxout = maxout;
			ch->sasl_layer = true;
			conn = NULL;	/* owned by the channel now */
		}
	}
out:
	free(mechlist);
	free(serverin);
	if (conn)
		sasl_dispose(&conn);
	return err;
}
#endif

/* ---- link ------------------------------------------------------------- */
void sw_channel_default_opts(struct sw_channel_opts *o, uint8_t type, uint8_t id)
{
	memset(o, 0, sizeof(*o));
	o->channel_type = type;
	o->channel_id = id;
	o->timeout_ms = 10000;
	sw_caps_set(o->common_caps, &o->num_common_caps, SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION);
	sw_caps_set(o->common_caps, &o->num_common_caps, SPICE_COMMON_CAP_AUTH_SPICE);
	sw_caps_set(o->common_caps, &o->num_common_caps, SPICE_COMMON_CAP_MINI_HEADER);
#ifdef HAVE_SASL
	sw_caps_set(o->common_caps, &o->num_common_caps, SPICE_COMMON_CAP_AUTH_SASL);
#endif
	uint32_t *c = o->channel_caps, *nc = &o->num_channel_caps;
	switch (type) {
	case SPICE_CHANNEL_MAIN:
		sw_caps_set(c, nc, SPICE_MAIN_CAP_NAME_AND_UUID);
		sw_caps_set(c, nc, SPICE_MAIN_CAP_AGENT_CONNECTED_TOKENS);
		sw_caps_set(c, nc, SPICE_MAIN_CAP_SEAMLESS_MIGRATE);
		break;
	case SPICE_CHANNEL_DISPLAY:
		sw_caps_set(c, nc, SPICE_DISPLAY_CAP_SIZED_STREAM);
		sw_caps_set(c, nc, SPICE_DISPLAY_CAP_MONITORS_CONFIG);
		sw_caps_set(c, nc, SPICE_DISPLAY_CAP_COMPOSITE);
		sw_caps_set(c, nc, SPICE_DISPLAY_CAP_A8_SURFACE);
		sw_caps_set(c, nc, SPICE_DISPLAY_CAP_STREAM_REPORT);
		sw_caps_set(c, nc, SPICE_DISPLAY_CAP_PREF_COMPRESSION);
		sw_caps_set(c, nc, SPICE_DISPLAY_CAP_MULTI_CODEC);
		sw_caps_set(c, nc, SPICE_DISPLAY_CAP_CODEC_MJPEG);
		sw_caps_set(c, nc, SPICE_DISPLAY_CAP_PREF_VIDEO_CODEC_TYPE);
		break;
	case SPICE_CHANNEL_INPUTS:
		sw_caps_set(c, nc, SPICE_INPUTS_CAP_KEY_SCANCODE);
		break;
	case SPICE_CHANNEL_PLAYBACK:
		sw_caps_set(c, nc, SPICE_PLAYBACK_CAP_VOLUME);
		sw_caps_set(c, nc, SPICE_PLAYBACK_CAP_LATENCY);
		break;
	case SPICE_CHANNEL_RECORD:
		sw_caps_set(c, nc, SPICE_RECORD_CAP_VOLUME);
		break;
	}
}

bool sw_channel_pending(const struct sw_channel *ch)
{
	return !ch->closed && (ch->in_sublist || ch->sasl_dec_off < ch->sasl_dec_len);
}

bool sw_channel_remote_cap(const struct sw_channel *ch, bool common, unsigned bit)
{
	return common ? sw_caps_test(ch->remote.common_caps, ch->remote.num_common_caps, bit)
		      : sw_caps_test(ch->remote.channel_caps, ch->remote.num_channel_caps, bit);
}

static int read_link_body(struct sw_channel *ch, uint8_t **body, uint32_t *size)
{
	uint8_t hdr[SW_LINK_HEADER_SIZE];
	uint32_t major, minor;
	if (read_all(ch, hdr, sizeof(hdr), 0))
		return ch->err;
	int err = sw_get_link_header(hdr, sizeof(hdr), &major, &minor, size);
	if (err)
		return sw_channel_fail(ch, err, "%s channel: bad link header (magic/version %u.%u/size)",
				       sw_channel_name(ch->type), major, minor);
	*body = malloc(*size ? *size : 1);
	if (!*body)
		return sw_channel_fail(ch, -ENOMEM, "out of memory");
	if (read_all(ch, *body, *size, 0)) {
		free(*body);
		*body = NULL;
		return ch->err;
	}
	return 0;
}

int sw_channel_link(struct sw_channel *ch, const struct sw_channel_opts *o)
{
	struct sw_buf b;
	struct sw_link_mess m;
	int err;

	ch->opts = *o;
	ch->type = o->channel_type;
	ch->id = o->channel_id;
	sw_channel_set_timeout(ch, o->timeout_ms);
	memset(&m, 0, sizeof(m));
	m.connection_id = o->connection_id;
	m.channel_type = o->channel_type;
	m.channel_id = o->channel_id;
	m.num_common_caps = o->num_common_caps;
	m.num_channel_caps = o->num_channel_caps;
	memcpy(m.common_caps, o->common_caps, sizeof(m.common_caps));
	memcpy(m.channel_caps, o->channel_caps, sizeof(m.channel_caps));
	sw_buf_init(&b);
	err = sw_put_link_mess(&b, &m);
	if (!err)
		err = write_all(ch, b.data, b.len, NULL, 0);
	sw_buf_free(&b);
	if (err)
		return ch->err ? ch->err : sw_channel_fail(ch, err, "building link message");

	uint8_t *body;
	uint32_t size;
	if (read_link_body(ch, &body, &size))
		return ch->err;
	err = sw_get_link_reply(body, size, &ch->remote);
	free(body);
	if (err)
		return sw_channel_fail(ch, err, "%s channel: malformed link reply: %s",
				       sw_channel_name(ch->type), sw_strerror(err));
	if (ch->remote.error != SPICE_LINK_ERR_OK)
		return sw_channel_fail(ch, -ECONNREFUSED, "%s channel: link refused: %s",
				       sw_channel_name(ch->type), sw_link_err_name(ch->remote.error));

	bool selection = sw_channel_remote_cap(ch, true, SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION) &&
			 sw_caps_test(o->common_caps, o->num_common_caps,
				      SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION);
	bool sasl = o->use_sasl && selection && sw_channel_remote_cap(ch, true, SPICE_COMMON_CAP_AUTH_SASL);
	if (o->use_sasl && !sasl)
		return sw_channel_fail(ch, -EACCES, "server does not offer SASL authentication");
	if (selection) {
		uint8_t mech[4] = { sasl ? SPICE_COMMON_CAP_AUTH_SASL : SPICE_COMMON_CAP_AUTH_SPICE, 0, 0, 0 };
		if (write_all(ch, mech, 4, NULL, 0))
			return ch->err;
	}
	if (sasl) {
#ifdef HAVE_SASL
		if (do_sasl(ch, o))
			return ch->err;
#else
		return sw_channel_fail(ch, -EOPNOTSUPP, "built without SASL support");
#endif
	} else {
		uint8_t ticket[SPICE_TICKET_KEY_PAIR_LENGTH / 8];
		char why[200];
		err = sw_encrypt_ticket(ch->remote.pub_key, sizeof(ch->remote.pub_key), o->password, ticket,
					sizeof(ticket), why, sizeof(why));
		if (err)
			return sw_channel_fail(ch, err, "%s channel: %s", sw_channel_name(ch->type), why);
		if (write_all(ch, ticket, sizeof(ticket), NULL, 0))
			return ch->err;
	}
	uint8_t res[4];
	if (read_all(ch, res, 4, 0)) {
		if (ch->err == -EIO)
			snprintf(ch->errmsg, sizeof(ch->errmsg),
				 "%s channel: server closed the connection during authentication "
				 "(wrong password?)", sw_channel_name(ch->type));
		ch->err = -EACCES;
		return ch->err;
	}
	uint32_t result = sw_le32(res);
	if (result == SPICE_LINK_ERR_PERMISSION_DENIED)
		return sw_channel_fail(ch, -EACCES,
				       "%s channel: authentication refused by the server "
				       "(PERMISSION_DENIED: wrong or expired password)",
				       sw_channel_name(ch->type));
	if (result != SPICE_LINK_ERR_OK)
		return sw_channel_fail(ch, -ECONNREFUSED, "%s channel: link failed after auth: %s",
				       sw_channel_name(ch->type), sw_link_err_name(result));
	ch->mini_header = sw_channel_remote_cap(ch, true, SPICE_COMMON_CAP_MINI_HEADER) &&
			  sw_caps_test(o->common_caps, o->num_common_caps, SPICE_COMMON_CAP_MINI_HEADER);
	ch->out_serial = 0;
	return 0;
}

int sw_server_accept_link(struct sw_channel *ch, const struct sw_link_reply *reply,
			  struct sw_link_mess *got, int timeout_ms)
{
	sw_channel_set_timeout(ch, timeout_ms);
	uint8_t *body;
	uint32_t size;
	if (read_link_body(ch, &body, &size))
		return ch->err;
	int err = sw_get_link_mess(body, size, got);
	free(body);
	if (err)
		return sw_channel_fail(ch, err, "malformed link message: %s", sw_strerror(err));
	ch->type = got->channel_type;
	ch->id = got->channel_id;
	ch->server_role = true;
	ch->auto_base = false;
	struct sw_buf b;
	sw_buf_init(&b);
	err = sw_put_link_reply(&b, reply);
	if (!err)
		err = write_all(ch, b.data, b.len, NULL, 0);
	sw_buf_free(&b);
	if (err)
		return ch->err ? ch->err : sw_channel_fail(ch, err, "link reply");
	if (reply->error != SPICE_LINK_ERR_OK)
		return sw_channel_fail(ch, -ECONNREFUSED, "refused link: %s", sw_link_err_name(reply->error));
	if (sw_caps_test(got->common_caps, got->num_common_caps, SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION) &&
	    sw_caps_test(reply->common_caps, reply->num_common_caps,
			 SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION)) {
		uint8_t mech[4];
		if (read_all(ch, mech, 4, 0))
			return ch->err;
		if (sw_le32(mech) != SPICE_COMMON_CAP_AUTH_SPICE)
			return sw_channel_fail(ch, -EOPNOTSUPP, "only SPICE ticket auth is supported");
	}
	uint8_t ticket[SPICE_TICKET_KEY_PAIR_LENGTH / 8];
	if (read_all(ch, ticket, sizeof(ticket), 0))
		return ch->err;
	uint8_t ok[4] = { 0, 0, 0, 0 };
	if (write_all(ch, ok, 4, NULL, 0))
		return ch->err;
	ch->mini_header = sw_caps_test(got->common_caps, got->num_common_caps, SPICE_COMMON_CAP_MINI_HEADER) &&
			  sw_caps_test(reply->common_caps, reply->num_common_caps, SPICE_COMMON_CAP_MINI_HEADER);
	ch->remote.num_common_caps = got->num_common_caps;
	ch->remote.num_channel_caps = got->num_channel_caps;
	memcpy(ch->remote.common_caps, got->common_caps, sizeof(got->common_caps));
	memcpy(ch->remote.channel_caps, got->channel_caps, sizeof(got->channel_caps));
	return 0;
}

/* ---- messages --------------------------------------------------------- */
int sw_channel_send_fds(struct sw_channel *ch, uint16_t type, const void *body, size_t len, const int *fds,
			int nfds)
{
	if (ch->closed || ch->fd < 0)
		return -ENOTCONN;
	if (len > MAX_MSG_SIZE)
		return -E2BIG;
	if (nfds > 8 || (nfds > 0 && !ch->unix_socket))
		return -EINVAL;
	if (ch->send_hook)
		ch->send_hook(ch->send_hook_opaque, ch, type, body, len);
	uint8_t hdr[SW_FULL_HEADER_SIZE];
	struct sw_header h = { .serial = ++ch->out_serial, .type = type, .size = (uint32_t)len };
	sw_put_header(hdr, ch->mini_header, &h);
	size_t hl = ch->mini_header ? SW_MINI_HEADER_SIZE : SW_FULL_HEADER_SIZE;
	uint8_t *msg = malloc(hl + len);
	if (!msg)
		return -ENOMEM;
	memcpy(msg, hdr, hl);
	if (len)
		memcpy(msg + hl, body, len);
	int err = write_all(ch, msg, hl + len, fds, nfds);
	free(msg);
	if (!err) {
		ch->msgs_out++;
		ch->bytes_out += hl + len;
	}
	return err;
}

int sw_channel_send(struct sw_channel *ch, uint16_t type, const void *body, size_t len)
{
	return sw_channel_send_fds(ch, type, body, len, NULL, 0);
}

static int handle_base(struct sw_channel *ch, const struct sw_msg *m)
{
	struct sw_buf b;
	int err = 0;
	sw_buf_init(&b);
	if (m->type == SPICE_MSG_SET_ACK) {
		struct sw_set_ack a;
		if (sw_get_set_ack(m->data, m->size, &a) == 0) {
			ch->ack_generation = a.generation;
			ch->ack_window = a.window;
			ch->ack_count = a.window;
			sw_put_ack_sync(&b, a.generation);
			err = sw_channel_send(ch, SPICE_MSGC_ACK_SYNC, b.data, b.len);
		}
	} else if (m->type == SPICE_MSG_PING) {
		struct sw_ping p;
		if (sw_get_ping(m->data, m->size, &p) == 0) {
			sw_put_pong(&b, p.id, p.timestamp);
			err = sw_channel_send(ch, SPICE_MSGC_PONG, b.data, b.len);
		}
	}
	sw_buf_free(&b);
	return err;
}

static int deliver(struct sw_channel *ch, struct sw_msg *m)
{
	if (ch->type) {
		int err = sw_validate(ch->type, !ch->server_role, m->type, m->data, m->size);
		if (err)
			return sw_channel_fail(ch, err, "%s channel: malformed %s (type %u, %u bytes): %s",
					       sw_channel_name(ch->type),
					       sw_msg_name(ch->type, !ch->server_role, m->type),
					       m->type, m->size, sw_strerror(err));
	}
	if (ch->recv_hook)
		ch->recv_hook(ch->send_hook_opaque, ch, m->type, m->data, m->size);
	if (ch->auto_base && handle_base(ch, m))
		return ch->err;
	return 0;
}

int sw_channel_read(struct sw_channel *ch, struct sw_msg *m, int timeout_ms)
{
	memset(m, 0, sizeof(*m));
	if (ch->closed || ch->fd < 0)
		return ch->err ? ch->err : -ENOTCONN;
	if (ch->in_sublist) {
		const uint8_t *d;
		uint32_t sz;
		uint16_t t;
		int r = sw_sublist_next(&ch->sub, &t, &d, &sz);
		if (r < 0)
			return sw_channel_fail(ch, r, "%s channel: malformed message list",
					       sw_channel_name(ch->type));
		if (r == 1) {
			if (t == SPICE_MSG_LIST)
				return sw_channel_fail(ch, -EPROTO, "nested message list");
			m->type = t;
			m->size = sz;
			m->data = d;
			m->serial = ch->sub_serial;
			m->nfds = 0;
			return deliver(ch, m);
		}
		ch->in_sublist = false;
	}
	uint8_t hdr[SW_FULL_HEADER_SIZE];
	size_t hl = ch->mini_header ? SW_MINI_HEADER_SIZE : SW_FULL_HEADER_SIZE;
	if (read_all(ch, hdr, hl, timeout_ms))
		return ch->err;
	struct sw_header h;
	if (sw_get_header(hdr, hl, ch->mini_header, &h))
		return sw_channel_fail(ch, -EPROTO, "%s channel: bad data header", sw_channel_name(ch->type));
	if (h.size > MAX_MSG_SIZE)
		return sw_channel_fail(ch, -E2BIG, "%s channel: message of %u bytes is too large",
				       sw_channel_name(ch->type), h.size);
	if (h.size + 1 > ch->rcap) {
		size_t cap = ch->rcap ? ch->rcap : 4096;
		while (cap < (size_t)h.size + 1)
			cap *= 2;
		uint8_t *p = realloc(ch->rbuf, cap);
		if (!p)
			return sw_channel_fail(ch, -ENOMEM, "out of memory");
		ch->rbuf = p;
		ch->rcap = cap;
	}
	/* the body must arrive in bounded time once the header is here */
	if (h.size && read_all(ch, ch->rbuf, h.size, ch->timeout_ms))
		return ch->err;
	ch->in_serial = ch->mini_header ? ch->in_serial + 1 : h.serial;
	ch->msgs_in++;
	ch->bytes_in += hl + h.size;
	/* the window ACK goes out after the message is delivered (log order) */
	bool send_ack = false;
	if (ch->auto_base && ch->ack_count && --ch->ack_count == 0) {
		ch->ack_count = ch->ack_window;
		send_ack = true;
	}
	/* More fds than a message can hand over is a malformed message, not
	 * one to deliver with some of its fds silently dropped; failing closes
	 * them (sw_channel_close) and m->nfds stays 0. */
	const int max_fds = (int)(sizeof(m->fds) / sizeof(m->fds[0]));
	if (ch->npending_fds > max_fds)
		return sw_channel_fail(ch, -E2BIG, "%s channel: message type %u carried more than %d fds",
				       sw_channel_name(ch->type), h.type, max_fds);
	m->type = h.type;
	m->size = h.size;
	m->data = ch->rbuf;
	m->serial = ch->in_serial;
	m->nfds = ch->npending_fds;
	for (int i = 0; i < ch->npending_fds; i++)
		m->fds[i] = ch->pending_fds[i];
	ch->npending_fds = 0;
	if (h.type == SPICE_MSG_LIST || h.sub_list) {
		int err = sw_sublist_begin(&ch->sub, ch->rbuf, h.size, h.type == SPICE_MSG_LIST ? 0 : h.sub_list);
		if (err)
			return sw_channel_fail(ch, err, "%s channel: malformed message list",
					       sw_channel_name(ch->type));
		ch->in_sublist = true;
		ch->sub_serial = m->serial;
		if (h.type == SPICE_MSG_LIST) {
			if (ch->recv_hook)
				ch->recv_hook(ch->send_hook_opaque, ch, m->type, m->data, m->size);
			/* returned for logging; its sub-messages follow */
			return send_ack ? sw_channel_send(ch, SPICE_MSGC_ACK, NULL, 0) : 0;
		}
		/* a message with an attached sub-list: the message body ends
		 * where the list starts; the sub-messages follow */
		m->size = h.sub_list;
	}
	int err = deliver(ch, m);
	if (!err && send_ack)
		err = sw_channel_send(ch, SPICE_MSGC_ACK, NULL, 0);
	return err;
}

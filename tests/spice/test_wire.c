// SPDX-License-Identifier: MIT
/*
 * Unit tests of libspice-wire: every marshaller/demarshaller against byte
 * vectors, malformed and truncated input, the display model and the channel
 * layer (link + ticket + ACK/PING/LIST) over a socketpair.
 *
 * Prints "PASS unit/<name>" or "FAIL unit/<name>: <reason>" per test and
 * exits 1 if any failed. With --corpus DIR it also writes every valid vector
 * as a fuzzer seed (format of fuzz_wire.c; stream device messages with flag
 * 0x10).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jpeglib.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <spice/vd_agent.h>

#include "../../userspace/spice/channel-priv.h"	/* the ACK window, checked below */
#include "../../userspace/tools/msg-json.h"
#include "spice-display.h"
#include "spice-stream.h"
#include "spice-wire.h"
#include "check.h"

static const char *corpus_dir;
static int corpus_n;

static void run(const char *name, int (*fn)(void))
{
	check_run("unit", name, fn);
}

/* Seed for the fuzzer: [channel][dir][type lo][type hi] body. */
static void seed(uint8_t ch, bool server, uint16_t type, const uint8_t *b, size_t n)
{
	if (!corpus_dir)
		return;
	char path[4096];
	snprintf(path, sizeof(path), "%s/seed-%04d", corpus_dir, corpus_n++);
	FILE *f = fopen(path, "wb");
	if (!f)
		return;
	uint8_t h[4] = { ch, server, (uint8_t)type, (uint8_t)(type >> 8) };
	fwrite(h, 1, 4, f);
	fwrite(b, 1, n, f);
	fclose(f);
}

/* A valid message must validate; every strict prefix must be rejected; one
 * extra byte must be rejected when the message has no open-ended tail. */
static int strict(uint8_t ch, bool server, uint16_t type, const uint8_t *b, size_t n, bool open_tail)
{
	seed(ch, server, type, b, n);
	int err = sw_validate(ch, server, type, b, n);
	CHECK(err == 0, "%s/%u: valid vector rejected: %s", sw_channel_name(ch), type, sw_strerror(err));
	for (size_t k = 0; k < n; k++) {
		uint8_t *copy = malloc(k ? k : 1);
		memcpy(copy, b, k);
		err = sw_validate(ch, server, type, copy, k);
		free(copy);
		if (open_tail && err == 0)
			continue;
		CHECK(err != 0, "%s/%u: prefix of %zu/%zu bytes accepted", sw_channel_name(ch), type, k, n);
	}
	if (!open_tail) {
		uint8_t *copy = malloc(n + 1);
		memcpy(copy, b, n);
		copy[n] = 0;
		err = sw_validate(ch, server, type, copy, n + 1);
		free(copy);
		CHECK(err != 0, "%s/%u: trailing byte accepted", sw_channel_name(ch), type);
	}
	return 0;
}

static int bytes_eq(const struct sw_buf *b, const uint8_t *v, size_t n)
{
	if (b->err || b->len != n)
		return 0;
	return !memcmp(b->data, v, n);
}

/* ---- tests ------------------------------------------------------------ */
static int t_reader(void)
{
	const uint8_t v[] = { 1, 2, 3, 4, 5, 6, 7 };
	struct sw_reader r;
	sw_reader_init(&r, v, sizeof(v));
	CHECK(sw_r16(&r) == 0x0201, "r16");
	CHECK(sw_r32(&r) == 0x06050403, "r32");
	CHECK(sw_r32(&r) == 0 && r.err == -EBADMSG, "overrun not caught");
	CHECK(sw_r8(&r) == 0 && r.err == -EBADMSG, "error not sticky");
	sw_reader_init(&r, v, sizeof(v));
	CHECK(sw_rbytes(&r, SIZE_MAX) == NULL && r.err, "huge rbytes accepted");
	sw_reader_init(&r, v, 2);
	sw_r8(&r);
	CHECK(sw_rend(&r) == -EMSGSIZE, "trailing not reported");
	struct sw_reader at;
	CHECK(sw_reader_at(&r, 0, &at) != 0, "null pointer accepted");
	CHECK(sw_reader_at(&r, 2, &at) != 0, "pointer at end accepted");
	CHECK(sw_reader_at(&r, 1, &at) == 0 && sw_r8(&at) == 2, "pointer read");
	return 0;
}

static int t_writer(void)
{
	struct sw_buf b;
	sw_buf_init(&b);
	sw_w8(&b, 1);
	sw_w16(&b, 0x0302);
	sw_w32(&b, 0x07060504);
	sw_w64(&b, 0x0f0e0d0c0b0a0908ull);
	const uint8_t v[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	CHECK(bytes_eq(&b, v, sizeof(v)), "writer bytes");
	sw_patch32(&b, 1, 0xaabbccdd);
	CHECK(b.data[1] == 0xdd && b.data[4] == 0xaa, "patch32");
	sw_patch32(&b, 14, 0);
	CHECK(b.err == -EINVAL, "patch past end accepted");
	sw_buf_free(&b);
	return 0;
}

static int t_link_mess(void)
{
	struct sw_link_mess m = { .connection_id = 0x11223344, .channel_type = 2, .channel_id = 1 };
	sw_caps_set(m.common_caps, &m.num_common_caps, SPICE_COMMON_CAP_MINI_HEADER);
	sw_caps_set(m.channel_caps, &m.num_channel_caps, 33);
	struct sw_buf b;
	sw_buf_init(&b);
	CHECK(sw_put_link_mess(&b, &m) == 0, "put");
	const uint8_t v[] = {
		'R', 'E', 'D', 'Q', 2, 0, 0, 0, 2, 0, 0, 0, 30, 0, 0, 0,	/* header, size 18+12 */
		0x44, 0x33, 0x22, 0x11, 2, 1, 1, 0, 0, 0, 2, 0, 0, 0, 18, 0, 0, 0,
		8, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0,
	};
	CHECK(bytes_eq(&b, v, sizeof(v)), "link mess bytes (len %zu)", b.len);
	uint32_t maj, min, size;
	CHECK(sw_get_link_header(v, 16, &maj, &min, &size) == 0 && size == 30, "header");
	uint8_t bad[16];
	memcpy(bad, v, 16);
	bad[0] = 'X';
	CHECK(sw_get_link_header(bad, 16, &maj, &min, &size) == -EPROTO, "bad magic accepted");
	memcpy(bad, v, 16);
	bad[4] = 3;
	CHECK(sw_get_link_header(bad, 16, &maj, &min, &size) == -EPROTO, "bad major accepted");
	memcpy(bad, v, 16);
	bad[15] = 1;
	CHECK(sw_get_link_header(bad, 16, &maj, &min, &size) == -E2BIG, "huge size accepted");
	CHECK(sw_get_link_header(v, 15, &maj, &min, &size) == -EBADMSG, "short header");
	struct sw_link_mess g;
	CHECK(sw_get_link_mess(v + 16, 30, &g) == 0, "get");
	CHECK(g.connection_id == 0x11223344 && g.channel_type == 2 && g.channel_id == 1 && g.num_common_caps == 1 &&
		      g.num_channel_caps == 2 && g.channel_caps[1] == 2 && g.common_caps[0] == 8,
	      "fields");
	for (size_t k = 0; k < 30; k++)
		CHECK(sw_get_link_mess(v + 16, k, &g) != 0, "prefix %zu accepted", k);
	uint8_t c[30];
	memcpy(c, v + 16, 30);
	c[14] = 17;	/* caps offset inside the fixed part */
	CHECK(sw_get_link_mess(c, 30, &g) == -EINVAL, "caps offset < 18 accepted");
	memcpy(c, v + 16, 30);
	c[6] = 0xff;
	c[7] = 0xff;	/* 65535 common caps */
	CHECK(sw_get_link_mess(c, 30, &g) != 0, "caps count past end accepted");
	sw_buf_free(&b);
	return 0;
}

static int t_link_reply(void)
{
	struct sw_link_reply r;
	memset(&r, 0, sizeof(r));
	for (int i = 0; i < SPICE_TICKET_PUBKEY_BYTES; i++)
		r.pub_key[i] = (uint8_t)i;
	sw_caps_set(r.common_caps, &r.num_common_caps, SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION);
	sw_caps_set(r.channel_caps, &r.num_channel_caps, SPICE_DISPLAY_CAP_A8_SURFACE);
	struct sw_buf b;
	sw_buf_init(&b);
	CHECK(sw_put_link_reply(&b, &r) == 0 && b.len == 16 + SW_LINK_REPLY_SIZE + 8, "put (%zu)", b.len);
	struct sw_link_reply g;
	CHECK(sw_get_link_reply(b.data + 16, b.len - 16, &g) == 0, "get");
	CHECK(!memcmp(g.pub_key, r.pub_key, sizeof(r.pub_key)) && g.common_caps[0] == 1 && g.channel_caps[0] == 8,
	      "fields");
	for (size_t k = 4; k < b.len - 16; k++)
		CHECK(sw_get_link_reply(b.data + 16, k, &g) != 0, "prefix %zu accepted", k);
	const uint8_t err_only[] = { 7, 0, 0, 0 };
	CHECK(sw_get_link_reply(err_only, 4, &g) == 0 && g.error == SPICE_LINK_ERR_PERMISSION_DENIED,
	      "error-only reply");
	CHECK(!strcmp(sw_link_err_name(g.error), "PERMISSION_DENIED"), "error name");
	sw_buf_free(&b);
	return 0;
}

static int t_ticket(void)
{
	EVP_PKEY *key = EVP_RSA_gen(1024);
	CHECK(key, "keygen");
	uint8_t *der = NULL;
	int dl = i2d_PUBKEY(key, &der);
	CHECK(dl == SPICE_TICKET_PUBKEY_BYTES, "DER size %d", dl);
	uint8_t ct[128];
	char w[200];
	CHECK(sw_encrypt_ticket(der, (size_t)dl, "secret", ct, sizeof(ct), w, sizeof(w)) == 0, "%s", w);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	uint8_t pt[128];
	size_t pl = sizeof(pt);
	CHECK(EVP_PKEY_decrypt_init(ctx) > 0 && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) > 0 &&
		      EVP_PKEY_decrypt(ctx, pt, &pl, ct, sizeof(ct)) > 0,
	      "decrypt");
	CHECK(pl == 7 && !memcmp(pt, "secret", 7), "plaintext is password + NUL");
	der[0] ^= 0xff;
	CHECK(sw_encrypt_ticket(der, (size_t)dl, "x", ct, sizeof(ct), w, sizeof(w)) == -EPROTO, "bad DER");
	der[0] ^= 0xff;
	char longpw[80];
	memset(longpw, 'a', sizeof(longpw) - 1);
	longpw[79] = 0;
	CHECK(sw_encrypt_ticket(der, (size_t)dl, longpw, ct, sizeof(ct), w, sizeof(w)) == -EINVAL, "long pw");
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(key);
	OPENSSL_free(der);
	return 0;
}

static int t_headers(void)
{
	struct sw_header h = { .serial = 0x0102030405060708ull, .type = 0x0a09, .size = 0x0e0d0c0b, .sub_list = 0 };
	uint8_t o[18];
	sw_put_header(o, false, &h);
	const uint8_t full[] = { 8, 7, 6, 5, 4, 3, 2, 1, 9, 10, 11, 12, 13, 14, 0, 0, 0, 0 };
	CHECK(!memcmp(o, full, 18), "full header bytes");
	sw_put_header(o, true, &h);
	CHECK(!memcmp(o, full + 8, 6), "mini header bytes");
	struct sw_header g;
	CHECK(sw_get_header(full, 18, false, &g) == 0 && g.serial == h.serial && g.type == h.type &&
		      g.size == h.size,
	      "parse full");
	CHECK(sw_get_header(full, 17, false, &g) == -EBADMSG, "short full");
	CHECK(sw_get_header(full + 8, 5, true, &g) == -EBADMSG, "short mini");
	uint8_t bad[18];
	memcpy(bad, full, 18);
	bad[14] = 0xff;
	bad[15] = 0xff;
	bad[16] = 0xff;
	bad[17] = 0xff;
	CHECK(sw_get_header(bad, 18, false, &g) == -EINVAL, "sub_list beyond size accepted");
	return 0;
}

static int t_sublist(void)
{
	/* two sub-messages: SET_ACK and MARK */
	struct sw_buf b;
	sw_buf_init(&b);
	sw_w16(&b, 2);
	sw_w32(&b, 10);
	sw_w32(&b, 24);
	sw_w16(&b, SPICE_MSG_SET_ACK);
	sw_w32(&b, 8);
	sw_w32(&b, 1);
	sw_w32(&b, 20);
	sw_w16(&b, SPICE_MSG_DISPLAY_MARK);
	sw_w32(&b, 0);
	CHECK(b.len == 30, "len %zu", b.len);
	struct sw_sublist_iter it;
	CHECK(sw_sublist_begin(&it, b.data, b.len, 0) == 0 && it.count == 2, "begin");
	uint16_t t;
	const uint8_t *d;
	uint32_t s;
	CHECK(sw_sublist_next(&it, &t, &d, &s) == 1 && t == SPICE_MSG_SET_ACK && s == 8, "first");
	CHECK(sw_sublist_next(&it, &t, &d, &s) == 1 && t == SPICE_MSG_DISPLAY_MARK && s == 0, "second");
	CHECK(sw_sublist_next(&it, &t, &d, &s) == 0, "end");
	if (strict(SPICE_CHANNEL_DISPLAY, true, SPICE_MSG_LIST, b.data, b.len, true))
		return 1;
	/* sub-message size past the end */
	b.data[12] = 9;
	CHECK(sw_validate(SPICE_CHANNEL_DISPLAY, true, SPICE_MSG_LIST, b.data, b.len) != 0, "big sub size");
	b.data[12] = 8;
	/* offset past the end */
	b.data[6] = 29;
	CHECK(sw_validate(SPICE_CHANNEL_DISPLAY, true, SPICE_MSG_LIST, b.data, b.len) != 0, "bad offset");
	b.data[6] = 24;
	/* count larger than the offset table */
	b.data[0] = 200;
	CHECK(sw_sublist_begin(&it, b.data, b.len, 0) == -EBADMSG, "big count");
	b.data[0] = 2;
	/* nested list */
	b.data[10] = SPICE_MSG_LIST;
	CHECK(sw_validate(SPICE_CHANNEL_DISPLAY, true, SPICE_MSG_LIST, b.data, b.len) != 0, "nested list");
	sw_buf_free(&b);
	return 0;
}

static int t_base(void)
{
	const uint8_t set_ack[] = { 1, 0, 0, 0, 20, 0, 0, 0 };
	struct sw_set_ack a;
	CHECK(sw_get_set_ack(set_ack, 8, &a) == 0 && a.generation == 1 && a.window == 20, "set_ack");
	if (strict(SPICE_CHANNEL_MAIN, true, SPICE_MSG_SET_ACK, set_ack, 8, false))
		return 1;
	const uint8_t ping[] = { 5, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0xaa, 0xbb };
	struct sw_ping p;
	CHECK(sw_get_ping(ping, sizeof(ping), &p) == 0 && p.id == 5 && p.timestamp == 0x0807060504030201ull &&
		      p.data_len == 2 && p.data[1] == 0xbb,
	      "ping");
	struct sw_ping p2;
	CHECK(sw_get_ping(ping, 11, &p2) == -EBADMSG, "short ping");
	if (strict(SPICE_CHANNEL_MAIN, true, SPICE_MSG_PING, ping, sizeof(ping), true))
		return 1;
	struct sw_buf b;
	sw_buf_init(&b);
	sw_put_ping(&b, &p);
	CHECK(bytes_eq(&b, ping, sizeof(ping)), "ping roundtrip");
	sw_buf_reset(&b);
	sw_put_pong(&b, 5, 0x0807060504030201ull);
	CHECK(bytes_eq(&b, ping, 12), "pong bytes");
	if (strict(SPICE_CHANNEL_MAIN, false, SPICE_MSGC_PONG, b.data, b.len, false))
		return 1;
	sw_buf_reset(&b);
	sw_put_ack_sync(&b, 7);
	if (strict(SPICE_CHANNEL_MAIN, false, SPICE_MSGC_ACK_SYNC, b.data, b.len, false))
		return 1;
	CHECK(sw_validate(SPICE_CHANNEL_MAIN, false, SPICE_MSGC_ACK, (const uint8_t *)"", 0) == 0, "ack");
	CHECK(sw_validate(SPICE_CHANNEL_MAIN, false, SPICE_MSGC_ACK, (const uint8_t *)"x", 1) == -EMSGSIZE,
	      "ack with body");
	const uint8_t wait[] = { 2, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 4, 1, 2, 0, 0, 0, 0, 0, 0, 0 };
	struct sw_wait_for_channels w;
	CHECK(sw_get_wait_for_channels(wait, sizeof(wait), &w) == 0 && w.count == 2, "wait");
	struct sw_wait_channel wc = sw_wait_channel_at(&w, 1);
	CHECK(wc.channel_type == 4 && wc.channel_id == 1 && wc.serial == 2, "wait[1]");
	if (strict(SPICE_CHANNEL_DISPLAY, true, SPICE_MSG_WAIT_FOR_CHANNELS, wait, sizeof(wait), false))
		return 1;
	sw_buf_reset(&b);
	struct sw_disconnecting dc = { 99, SPICE_LINK_ERR_BAD_CONNECTION_ID };
	sw_put_disconnecting(&b, &dc);
	struct sw_disconnecting dg;
	CHECK(sw_get_disconnecting(b.data, b.len, &dg) == 0 && dg.reason == 8 && dg.time_stamp == 99, "disc");
	if (strict(SPICE_CHANNEL_MAIN, true, SPICE_MSG_DISCONNECTING, b.data, b.len, false))
		return 1;
	sw_buf_reset(&b);
	struct sw_notify nt = { 1, 2, 3, 4, 5, (const uint8_t *)"hello" };
	sw_put_notify(&b, &nt);
	sw_w8(&b, 0);	/* spice-server's trailing NUL */
	struct sw_notify ng;
	CHECK(sw_get_notify(b.data, b.len, &ng) == 0 && ng.message_len == 5 && !memcmp(ng.message, "hello", 5),
	      "notify");
	b.data[20] = 6;	/* message_len 6 with the NUL */
	CHECK(sw_get_notify(b.data, b.len, &ng) == 0, "notify len incl NUL");
	b.data[20] = 60;
	CHECK(sw_get_notify(b.data, b.len, &ng) == -EBADMSG, "notify len past end");
	const uint8_t mig[] = { 3, 0, 0, 0 };
	if (strict(SPICE_CHANNEL_DISPLAY, true, SPICE_MSG_MIGRATE, mig, 4, false))
		return 1;
	sw_buf_free(&b);
	return 0;
}

static int t_main(void)
{
	struct sw_main_init in = { 1, 2, 3, 2, 1, 10, 7, 8 }, g;
	struct sw_buf b;
	sw_buf_init(&b);
	sw_put_main_init(&b, &in);
	CHECK(b.len == 32 && sw_get_main_init(b.data, b.len, &g) == 0 && !memcmp(&g, &in, sizeof(in)), "init");
	if (strict(SPICE_CHANNEL_MAIN, true, SPICE_MSG_MAIN_INIT, b.data, b.len, false))
		return 1;
	sw_buf_reset(&b);
	const uint8_t pairs[] = { 2, 0, 4, 0, 3, 0 };
	sw_put_channels_list(&b, 3, pairs);
	struct sw_channels_list cl;
	CHECK(sw_get_channels_list(b.data, b.len, &cl) == 0 && cl.count == 3 && cl.raw[2] == 4, "channels");
	if (strict(SPICE_CHANNEL_MAIN, true, SPICE_MSG_MAIN_CHANNELS_LIST, b.data, b.len, false))
		return 1;
	b.data[3] = 0x80;	/* 2^31 channels */
	CHECK(sw_get_channels_list(b.data, b.len, &cl) != 0, "huge channel count");
	const uint8_t mm[] = { 3, 0, 2, 0 };
	if (strict(SPICE_CHANNEL_MAIN, true, SPICE_MSG_MAIN_MOUSE_MODE, mm, 4, false))
		return 1;
	const uint8_t name[] = { 4, 0, 0, 0, 'q', 'x', 'l', 0 };
	struct sw_main_name nm;
	CHECK(sw_get_main_name(name, 8, &nm) == 0 && nm.len == 4, "name");
	if (strict(SPICE_CHANNEL_MAIN, true, SPICE_MSG_MAIN_NAME, name, 8, false))
		return 1;
	uint8_t uuid[16] = { 1 };
	if (strict(SPICE_CHANNEL_MAIN, true, SPICE_MSG_MAIN_UUID, uuid, 16, false))
		return 1;
	const uint8_t tok[] = { 10, 0, 0, 0 };
	if (strict(SPICE_CHANNEL_MAIN, true, SPICE_MSG_MAIN_AGENT_CONNECTED_TOKENS, tok, 4, false) ||
	    strict(SPICE_CHANNEL_MAIN, true, SPICE_MSG_MAIN_AGENT_TOKEN, tok, 4, false) ||
	    strict(SPICE_CHANNEL_MAIN, true, SPICE_MSG_MAIN_MULTI_MEDIA_TIME, tok, 4, false) ||
	    strict(SPICE_CHANNEL_MAIN, true, SPICE_MSG_MAIN_AGENT_DISCONNECTED, tok, 4, false) ||
	    strict(SPICE_CHANNEL_MAIN, false, SPICE_MSGC_MAIN_AGENT_START, tok, 4, false) ||
	    strict(SPICE_CHANNEL_MAIN, false, SPICE_MSGC_MAIN_AGENT_TOKEN, tok, 4, false) ||
	    strict(SPICE_CHANNEL_MAIN, false, SPICE_MSGC_MAIN_MIGRATE_DST_DO_SEAMLESS, tok, 4, false))
		return 1;
	sw_buf_reset(&b);
	sw_put_u64_msg(&b, 1ull << 40);
	if (strict(SPICE_CHANNEL_MAIN, false, SPICE_MSGC_MAIN_CLIENT_INFO, b.data, b.len, false))
		return 1;
	sw_buf_reset(&b);
	sw_put_u16_msg(&b, SPICE_MOUSE_MODE_CLIENT);
	if (strict(SPICE_CHANNEL_MAIN, false, SPICE_MSGC_MAIN_MOUSE_MODE_REQUEST, b.data, b.len, false))
		return 1;
	for (uint16_t t = SPICE_MSGC_MAIN_MIGRATE_CONNECTED; t <= SPICE_MSGC_MAIN_MIGRATE_CONNECTED_SEAMLESS; t++)
		if (t != SPICE_MSGC_MAIN_MOUSE_MODE_REQUEST && t != SPICE_MSGC_MAIN_AGENT_START &&
		    t != SPICE_MSGC_MAIN_AGENT_DATA && t != SPICE_MSGC_MAIN_AGENT_TOKEN &&
		    t != SPICE_MSGC_MAIN_MIGRATE_DST_DO_SEAMLESS)
			CHECK(sw_validate(SPICE_CHANNEL_MAIN, false, t, (const uint8_t *)"x", 1) == -EMSGSIZE,
			      "client empty message %u", t);
	for (uint16_t t = SPICE_MSG_MAIN_MIGRATE_CANCEL; t <= SPICE_MSG_MAIN_MIGRATE_DST_SEAMLESS_NACK; t++)
		if (t == SPICE_MSG_MAIN_MIGRATE_CANCEL || t == SPICE_MSG_MAIN_AGENT_CONNECTED ||
		    t == SPICE_MSG_MAIN_MIGRATE_END || t == SPICE_MSG_MAIN_MIGRATE_DST_SEAMLESS_ACK ||
		    t == SPICE_MSG_MAIN_MIGRATE_DST_SEAMLESS_NACK)
			CHECK(sw_validate(SPICE_CHANNEL_MAIN, true, t, (const uint8_t *)"x", 1) == -EMSGSIZE &&
				      sw_validate(SPICE_CHANNEL_MAIN, true, t, (const uint8_t *)"", 0) == 0,
			      "empty message %u", t);
	sw_buf_free(&b);
	return 0;
}

static int t_migration(void)
{
	for (int seamless = 0; seamless < 2; seamless++) {
		struct sw_migration_dst d = { 5900, 5901, 10, (const uint8_t *)"127.0.0.1", 4,
					      (const uint8_t *)"CN=", 3 };
		struct sw_buf b;
		sw_buf_init(&b);
		CHECK(sw_put_migration_dst(&b, seamless, &d) == 0, "put");
		struct sw_migration_dst g;
		CHECK(sw_get_migration_dst(b.data, b.len, seamless, &g) == 0, "get");
		CHECK(g.port == 5900 && g.sport == 5901 && g.host_size == 10 && !memcmp(g.host, "127.0.0.1", 10) &&
			      g.cert_subject_size == 4 && (!seamless || g.src_mig_version == 3),
		      "fields");
		uint16_t t = seamless ? SPICE_MSG_MAIN_MIGRATE_BEGIN_SEAMLESS : SPICE_MSG_MAIN_MIGRATE_BEGIN;
		if (strict(SPICE_CHANNEL_MAIN, true, t, b.data, b.len, true))
			return 1;
		if (!seamless && strict(SPICE_CHANNEL_MAIN, true, SPICE_MSG_MAIN_MIGRATE_SWITCH_HOST, b.data, b.len, true))
			return 1;
		/* host pointer past the end / zero / into the fixed part */
		uint8_t *h = b.data + 8;
		h[0] = 200;
		CHECK(sw_get_migration_dst(b.data, b.len, seamless, &g) == -EBADMSG, "host past end");
		h[0] = 0;
		CHECK(sw_get_migration_dst(b.data, b.len, seamless, &g) != 0, "null host");
		h[0] = 2;
		CHECK(sw_get_migration_dst(b.data, b.len, seamless, &g) == -EINVAL, "host in fixed part");
		sw_buf_free(&b);
	}
	return 0;
}

/* What a client following a migration parses and sends. */
static int t_migration_client(void)
{
	struct sw_buf b;
	sw_buf_init(&b);
	struct sw_migrate m = { SPICE_MIGRATE_NEED_FLUSH | SPICE_MIGRATE_NEED_DATA_TRANSFER }, g;
	CHECK(sw_put_migrate(&b, &m) == 0 && b.len == 4, "put migrate");
	CHECK(sw_get_migrate(b.data, b.len, &g) == 0 && g.flags == 3, "get migrate");
	if (strict(SPICE_CHANNEL_DISPLAY, true, SPICE_MSG_MIGRATE, b.data, b.len, true))
		return 1;
	CHECK(sw_get_migrate(b.data, 3, &g) == -EBADMSG, "short migrate");
	/* MIGRATE_DATA (both directions) is opaque; FLUSH_MARK and
	 * CONNECTED_SEAMLESS are empty; DST_DO_SEAMLESS is a u32 */
	CHECK(sw_validate(SPICE_CHANNEL_MAIN, true, SPICE_MSG_MIGRATE_DATA, b.data, b.len) == 0 &&
		      sw_validate(SPICE_CHANNEL_MAIN, false, SPICE_MSGC_MIGRATE_DATA, b.data, b.len) == 0,
	      "migrate_data opaque");
	CHECK(sw_validate(SPICE_CHANNEL_DISPLAY, false, SPICE_MSGC_MIGRATE_FLUSH_MARK, NULL, 0) == 0 &&
		      sw_validate(SPICE_CHANNEL_DISPLAY, false, SPICE_MSGC_MIGRATE_FLUSH_MARK, b.data, 1) ==
			      -EMSGSIZE,
	      "flush mark empty");
	CHECK(sw_validate(SPICE_CHANNEL_MAIN, false, SPICE_MSGC_MAIN_MIGRATE_CONNECTED_SEAMLESS, NULL, 0) == 0,
	      "connected_seamless empty");
	sw_buf_reset(&b);
	CHECK(sw_put_u32_msg(&b, 1) == 0 &&
		      sw_validate(SPICE_CHANNEL_MAIN, false, SPICE_MSGC_MAIN_MIGRATE_DST_DO_SEAMLESS, b.data, 4) ==
			      0 &&
		      sw_validate(SPICE_CHANNEL_MAIN, false, SPICE_MSGC_MAIN_MIGRATE_DST_DO_SEAMLESS, b.data, 3) !=
			      0,
	      "dst_do_seamless u32");
	sw_buf_free(&b);

	/* the destination host as a C string */
	static const struct { const char *host; uint32_t size; int err; const char *want; } hc[] = {
		{ "127.0.0.1", 10, 0, "127.0.0.1" },	/* with its NUL, as spice-server sends it */
		{ "127.0.0.1", 9, 0, "127.0.0.1" },	/* without */
		{ "h\0\0", 3, 0, "h" },
		{ "a\0b", 3, -EINVAL, NULL },	/* NUL inside */
		{ "\0", 1, -EINVAL, NULL },
		{ "", 0, -EINVAL, NULL },
		{ "0123456789abcdef", 16, -E2BIG, NULL },	/* does not fit out[16] */
	};
	for (size_t i = 0; i < sizeof(hc) / sizeof(hc[0]); i++) {
		struct sw_migration_dst d = { 5900, 0, hc[i].size, (const uint8_t *)hc[i].host, 0, NULL, 0 };
		char out[16] = "untouched";
		int err = sw_migration_dst_host(&d, out, sizeof(out));
		CHECK(err == hc[i].err && (!hc[i].want || !strcmp(out, hc[i].want)), "host case %zu: %d %s", i, err,
		      out);
	}
	struct sw_migration_dst none = { 5900, 0, 4, NULL, 0, NULL, 0 };
	char out[8];
	CHECK(sw_migration_dst_host(&none, out, sizeof(out)) == -EINVAL, "NULL host");
	return 0;
}

static int t_agent(void)
{
	struct sw_monitor m[2] = { { 1024, 768, 32, 0, 0 }, { 800, 600, 32, 1024, 0 } };
	struct sw_buf b;
	sw_buf_init(&b);
	CHECK(sw_put_agent_monitors_config(&b, m, 2, VD_AGENT_CONFIG_MONITORS_FLAG_USE_POS) == 0, "put");
	CHECK(b.len == 20 + 8 + 40, "len %zu", b.len);
	/* VDAgentMessage: protocol, type, opaque, size; then count, flags, {h,w,depth,x,y} */
	CHECK(sw_le32(b.data) == VD_AGENT_PROTOCOL && sw_le32(b.data + 4) == VD_AGENT_MONITORS_CONFIG &&
		      sw_le32(b.data + 16) == 48 && sw_le32(b.data + 20) == 2 && sw_le32(b.data + 28) == 768 &&
		      sw_le32(b.data + 32) == 1024 && sw_le32(b.data + 60) == 1024,
	      "layout");
	struct sw_monitor g[4];
	uint32_t n, fl;
	CHECK(sw_get_agent_monitors_config(b.data, b.len, g, 4, &n, &fl) == 0 && n == 2 && g[1].x == 1024 &&
		      g[1].width == 800 && fl == 1,
	      "roundtrip");
	CHECK(sw_get_agent_monitors_config(b.data, b.len, g, 1, &n, &fl) == -E2BIG, "limit");
	CHECK(sw_get_agent_monitors_config(b.data, b.len - 1, g, 4, &n, &fl) != 0, "truncated");
	b.data[20] = 9;	/* count 9 > payload */
	CHECK(sw_get_agent_monitors_config(b.data, b.len, g, 16, &n, &fl) != 0, "count past end");
	CHECK(sw_put_agent_monitors_config(&b, m, 0, 0) == -EINVAL, "zero monitors");
	sw_buf_free(&b);
	return 0;
}

/* A DRAW_COPY of a w x h 32-bit top-down bitmap to (x, y). */
static void build_copy(struct sw_buf *b, uint32_t surface, int32_t x, int32_t y, uint32_t w, uint32_t h,
		       const uint32_t *px, uint8_t bm_flags, bool clip)
{
	struct sw_draw d;
	memset(&d, 0, sizeof(d));
	d.msg_type = SPICE_MSG_DISPLAY_DRAW_COPY;
	d.base.surface_id = surface;
	d.base.box = (struct sw_rect){ y, x, y + (int32_t)h, x + (int32_t)w };
	static uint8_t rect[16];
	if (clip) {
		d.base.clip.type = SPICE_CLIP_TYPE_RECTS;
		d.base.clip.num_rects = 1;
		/* top, left, bottom, right: only the first column */
		uint32_t v[4] = { (uint32_t)y, (uint32_t)x, (uint32_t)y + h, (uint32_t)x + 1 };
		for (int i = 0; i < 4; i++)
			for (int k = 0; k < 4; k++)
				rect[4 * i + k] = (uint8_t)(v[i] >> (8 * k));
		d.base.clip.rects = rect;
	}
	d.src_area = (struct sw_rect){ 0, 0, (int32_t)h, (int32_t)w };
	d.rop_descriptor = SPICE_ROPD_OP_PUT;
	sw_put_draw(b, &d);
	size_t src_pos = clip ? 4 + 16 + 1 + 4 + 16 : 4 + 16 + 1;
	uint32_t off;
	sw_put_image_bitmap(b, 7, SPICE_BITMAP_FMT_32BIT, bm_flags, w, h, w * 4, px, &off);
	sw_patch32(b, src_pos, off);
}

/* sw_msg_is_draw(): exactly the messages sw_get_draw() decodes */
static int t_msg_is_draw(void)
{
	static const uint16_t draws[] = {
		SPICE_MSG_DISPLAY_COPY_BITS, SPICE_MSG_DISPLAY_DRAW_FILL,
		SPICE_MSG_DISPLAY_DRAW_OPAQUE, SPICE_MSG_DISPLAY_DRAW_COPY,
		SPICE_MSG_DISPLAY_DRAW_BLEND, SPICE_MSG_DISPLAY_DRAW_BLACKNESS,
		SPICE_MSG_DISPLAY_DRAW_WHITENESS, SPICE_MSG_DISPLAY_DRAW_INVERS,
		SPICE_MSG_DISPLAY_DRAW_ROP3, SPICE_MSG_DISPLAY_DRAW_STROKE,
		SPICE_MSG_DISPLAY_DRAW_TEXT, SPICE_MSG_DISPLAY_DRAW_TRANSPARENT,
		SPICE_MSG_DISPLAY_DRAW_ALPHA_BLEND, SPICE_MSG_DISPLAY_DRAW_COMPOSITE,
	};
	static const uint16_t others[] = {
		SPICE_MSG_DISPLAY_MODE, SPICE_MSG_DISPLAY_SURFACE_CREATE,
		SPICE_MSG_DISPLAY_STREAM_DATA, SPICE_MSG_DISPLAY_INVAL_LIST, 0, 0xffff,
	};

	for (size_t i = 0; i < sizeof(draws) / sizeof(draws[0]); i++)
		CHECK(sw_msg_is_draw(draws[i]), "message %u is a draw", draws[i]);
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		CHECK(!sw_msg_is_draw(others[i]), "message %u is no draw", others[i]);
	return 0;
}

static int t_draws(void)
{
	struct sw_buf b;
	sw_buf_init(&b);
	uint32_t px[4] = { 0x00ff0000, 0x0000ff00, 0x000000ff, 0x00ffffff };
	build_copy(&b, 0, 1, 1, 2, 2, px, SPICE_BITMAP_FLAGS_TOP_DOWN, false);
	struct sw_draw d;
	CHECK(sw_get_draw(SPICE_MSG_DISPLAY_DRAW_COPY, b.data, b.len, &d) == 0, "copy get");
	CHECK(d.base.box.left == 1 && d.base.box.bottom == 3 && d.rop_descriptor == SPICE_ROPD_OP_PUT && d.src_off,
	      "copy fields");
	struct sw_image img;
	CHECK(sw_get_image(b.data, b.len, d.src_off, &img) == 0 && img.bm_x == 2 && img.bm_stride == 8 &&
		      img.data_len == 16,
	      "image");
	if (strict(SPICE_CHANNEL_DISPLAY, true, SPICE_MSG_DISPLAY_DRAW_COPY, b.data, b.len, true))
		return 1;
	/* image pointer beyond the end */
	uint8_t *copy = malloc(b.len);
	memcpy(copy, b.data, b.len);
	copy[21] = 0xff;
	CHECK(sw_validate(SPICE_CHANNEL_DISPLAY, true, SPICE_MSG_DISPLAY_DRAW_COPY, copy, b.len) != 0,
	      "bad image offset");
	/* stride smaller than a row */
	memcpy(copy, b.data, b.len);
	copy[d.src_off + 18 + 10] = 4;
	CHECK(sw_get_image(copy, b.len, d.src_off, &img) == -EINVAL, "small stride accepted");
	/* height larger than the data */
	memcpy(copy, b.data, b.len);
	copy[d.src_off + 18 + 6] = 3;
	CHECK(sw_get_image(copy, b.len, d.src_off, &img) == -EBADMSG, "tall bitmap accepted");
	/* bad bitmap format / image type / clip type / brush type */
	memcpy(copy, b.data, b.len);
	copy[d.src_off + 18] = 42;
	CHECK(sw_get_image(copy, b.len, d.src_off, &img) == -EINVAL, "bad format");
	memcpy(copy, b.data, b.len);
	copy[d.src_off + 8] = 77;
	CHECK(sw_get_image(copy, b.len, d.src_off, &img) == -EINVAL, "bad image type");
	memcpy(copy, b.data, b.len);
	copy[20] = 5;
	CHECK(sw_validate(SPICE_CHANNEL_DISPLAY, true, SPICE_MSG_DISPLAY_DRAW_COPY, copy, b.len) == -EINVAL,
	      "bad clip type");
	/* 8-bit indexed without palette is invalid */
	memcpy(copy, b.data, b.len);
	copy[d.src_off + 18] = SPICE_BITMAP_FMT_8BIT;
	CHECK(sw_get_image(copy, b.len, d.src_off, &img) == -EINVAL, "8bit without palette");
	free(copy);

	/* clip with huge num_rects */
	sw_buf_reset(&b);
	build_copy(&b, 0, 0, 0, 2, 2, px, 0, true);
	CHECK(sw_validate(SPICE_CHANNEL_DISPLAY, true, SPICE_MSG_DISPLAY_DRAW_COPY, b.data, b.len) == 0, "clip");
	if (strict(SPICE_CHANNEL_DISPLAY, true, SPICE_MSG_DISPLAY_DRAW_COPY, b.data, b.len, true))
		return 1;
	b.data[24] = 0xff;
	CHECK(sw_validate(SPICE_CHANNEL_DISPLAY, true, SPICE_MSG_DISPLAY_DRAW_COPY, b.data, b.len) != 0,
	      "huge clip count");

	/* every other draw kind: marshal, demarshal, compare, truncate */
	static const uint16_t kinds[] = {
		SPICE_MSG_DISPLAY_COPY_BITS, SPICE_MSG_DISPLAY_DRAW_FILL, SPICE_MSG_DISPLAY_DRAW_OPAQUE,
		SPICE_MSG_DISPLAY_DRAW_BLEND, SPICE_MSG_DISPLAY_DRAW_BLACKNESS, SPICE_MSG_DISPLAY_DRAW_WHITENESS,
		SPICE_MSG_DISPLAY_DRAW_INVERS, SPICE_MSG_DISPLAY_DRAW_ROP3, SPICE_MSG_DISPLAY_DRAW_TRANSPARENT,
		SPICE_MSG_DISPLAY_DRAW_ALPHA_BLEND, SPICE_MSG_DISPLAY_DRAW_COMPOSITE,
	};
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct sw_draw w;
		memset(&w, 0, sizeof(w));
		w.msg_type = kinds[k];
		w.base.surface_id = 3;
		w.base.box = (struct sw_rect){ 1, 2, 3, 4 };
		w.src_pos = (struct sw_point){ -1, 5 };
		w.brush.type = SPICE_BRUSH_TYPE_SOLID;
		w.brush.color = 0x123456;
		w.rop_descriptor = SPICE_ROPD_OP_XOR;
		w.rop3 = 0xcc;
		w.src_area = (struct sw_rect){ 0, 0, 1, 1 };
		w.src_color = 9;
		w.alpha = 128;
		w.comp_flags = SPICE_COMPOSITE_HAS_SRC_TRANSFORM | 3;
		w.src_transform[5] = 77;
		w.src_origin.x = -3;
		sw_buf_reset(&b);
		CHECK(sw_put_draw(&b, &w) == 0, "put %u", kinds[k]);
		size_t fixed = b.len;
		bool has_src = kinds[k] == SPICE_MSG_DISPLAY_DRAW_OPAQUE || kinds[k] == SPICE_MSG_DISPLAY_DRAW_BLEND ||
			       kinds[k] == SPICE_MSG_DISPLAY_DRAW_ROP3 || kinds[k] == SPICE_MSG_DISPLAY_DRAW_TRANSPARENT ||
			       kinds[k] == SPICE_MSG_DISPLAY_DRAW_ALPHA_BLEND || kinds[k] == SPICE_MSG_DISPLAY_DRAW_COMPOSITE;
		if (has_src) {
			uint32_t off;
			sw_put_image_surface(&b, 1, 1, 1, 0, &off);
			size_t pos = kinds[k] == SPICE_MSG_DISPLAY_DRAW_ALPHA_BLEND ? 21 + 2
				     : kinds[k] == SPICE_MSG_DISPLAY_DRAW_COMPOSITE ? 21 + 4
										    : 21;
			sw_patch32(&b, pos, off);
		}
		struct sw_draw g;
		CHECK(sw_get_draw(kinds[k], b.data, b.len, &g) == 0, "get %u: %s", kinds[k], sw_strerror(sw_get_draw(kinds[k], b.data, b.len, &g)));
		CHECK(g.base.surface_id == 3 && g.base.box.right == 4, "base %u", kinds[k]);
		if (kinds[k] == SPICE_MSG_DISPLAY_COPY_BITS)
			CHECK(g.src_pos.x == -1 && g.src_pos.y == 5, "copy_bits pos");
		if (kinds[k] == SPICE_MSG_DISPLAY_DRAW_FILL)
			CHECK(g.brush.color == 0x123456 && g.rop_descriptor == SPICE_ROPD_OP_XOR, "fill");
		if (kinds[k] == SPICE_MSG_DISPLAY_DRAW_COMPOSITE)
			CHECK(g.src_transform[5] == 77 && g.src_origin.x == -3 && (g.comp_flags & 7) == 3, "composite");
		if (kinds[k] == SPICE_MSG_DISPLAY_DRAW_ALPHA_BLEND)
			CHECK(g.alpha == 128, "alpha");
		if (kinds[k] == SPICE_MSG_DISPLAY_DRAW_ROP3)
			CHECK(g.rop3 == 0xcc, "rop3");
		for (size_t n = 0; n < fixed; n++)
			CHECK(sw_get_draw(kinds[k], b.data, n, &g) != 0, "draw %u prefix %zu accepted", kinds[k], n);
		seed(SPICE_CHANNEL_DISPLAY, true, kinds[k], b.data, b.len);
	}
	sw_buf_free(&b);
	return 0;
}

static int t_stroke_text(void)
{
	/* STROKE: base(21) path_off flags brush(1+4) fore back; path at 35 */
	struct sw_buf b;
	sw_buf_init(&b);
	sw_w32(&b, 0);
	for (int i = 0; i < 4; i++)
		sw_w32(&b, 0);
	sw_w8(&b, 0);
	sw_w32(&b, 35);	/* path offset */
	sw_w8(&b, 0);	/* line flags */
	sw_w8(&b, SPICE_BRUSH_TYPE_SOLID);
	sw_w32(&b, 0xffffff);
	sw_w16(&b, 0);
	sw_w16(&b, 0);
	CHECK(b.len == 35, "stroke fixed %zu", b.len);
	sw_w32(&b, 1);	/* one segment */
	sw_w8(&b, SPICE_PATH_BEGIN);
	sw_w32(&b, 2);
	for (int i = 0; i < 4; i++)
		sw_w32(&b, (uint32_t)i << 4);
	if (strict(SPICE_CHANNEL_DISPLAY, true, SPICE_MSG_DISPLAY_DRAW_STROKE, b.data, b.len, true))
		return 1;
	b.data[40] = 3;	/* three points but data for two */
	CHECK(sw_validate(SPICE_CHANNEL_DISPLAY, true, SPICE_MSG_DISPLAY_DRAW_STROKE, b.data, b.len) != 0,
	      "path count");
	/* TEXT: base(21) str_off back_area(16) fore brush(5) back brush(1) fore back; string at 51 */
	sw_buf_reset(&b);
	for (int i = 0; i < 5; i++)
		sw_w32(&b, 0);
	sw_w8(&b, 0);
	sw_w32(&b, 51);
	for (int i = 0; i < 4; i++)
		sw_w32(&b, 0);
	sw_w8(&b, SPICE_BRUSH_TYPE_SOLID);
	sw_w32(&b, 0);
	sw_w8(&b, SPICE_BRUSH_TYPE_NONE);
	sw_w16(&b, 0);
	sw_w16(&b, 0);
	CHECK(b.len == 51, "text fixed %zu", b.len);
	sw_w16(&b, 1);	/* one glyph */
	sw_w8(&b, SPICE_STRING_FLAGS_RASTER_A1);
	for (int i = 0; i < 4; i++)
		sw_w32(&b, 0);
	sw_w16(&b, 9);	/* 9 wide: 2 bytes per row */
	sw_w16(&b, 2);
	sw_w32(&b, 0xffffffff);
	if (strict(SPICE_CHANNEL_DISPLAY, true, SPICE_MSG_DISPLAY_DRAW_TEXT, b.data, b.len, true))
		return 1;
	b.data[53] = 0;	/* no raster flag */
	CHECK(sw_validate(SPICE_CHANNEL_DISPLAY, true, SPICE_MSG_DISPLAY_DRAW_TEXT, b.data, b.len) != 0,
	      "string flags");
	sw_buf_free(&b);
	return 0;
}

static int t_display_misc(void)
{
	struct sw_buf b;
	sw_buf_init(&b);
	struct sw_surface_create sc = { 1, 64, 32, SPICE_SURFACE_FMT_8_A, 0 }, sg;
	sw_put_surface_create(&b, &sc);
	CHECK(sw_get_surface_create(b.data, b.len, &sg) == 0 && sg.format == 8 && sg.width == 64, "surface");
	if (strict(SPICE_CHANNEL_DISPLAY, true, SPICE_MSG_DISPLAY_SURFACE_CREATE, b.data, b.len, false))
		return 1;
	b.data[12] = 33;
	CHECK(sw_get_surface_create(b.data, b.len, &sg) == -EINVAL, "bad surface format");
	sw_buf_reset(&b);
	struct sw_head h[2] = { { 0, 0, 640, 480, 0, 0, 0 }, { 1, 0, 800, 600, 640, 0, 0 } };
	sw_put_monitors_config(&b, 4, h, 2);
	struct sw_monitors_config mc;
	CHECK(sw_get_monitors_config(b.data, b.len, &mc) == 0 && mc.count == 2 && mc.max_allowed == 4 &&
		      sw_head_at(&mc, 1).x == 640 && sw_head_at(&mc, 1).width == 800,
	      "monitors_config");
	if (strict(SPICE_CHANNEL_DISPLAY, true, SPICE_MSG_DISPLAY_MONITORS_CONFIG, b.data, b.len, false))
		return 1;
	const uint8_t mode[12] = { 0, 4, 0, 0, 0, 3, 0, 0, 32, 0, 0, 0 };
	if (strict(SPICE_CHANNEL_DISPLAY, true, SPICE_MSG_DISPLAY_MODE, mode, 12, false))
		return 1;
	const uint8_t inval[] = { 1, 0, 1, 5, 0, 0, 0, 0, 0, 0, 0 };
	if (strict(SPICE_CHANNEL_DISPLAY, true, SPICE_MSG_DISPLAY_INVAL_LIST, inval, sizeof(inval), false))
		return 1;
	const uint8_t pal[8] = { 1 };
	if (strict(SPICE_CHANNEL_DISPLAY, true, SPICE_MSG_DISPLAY_INVAL_PALETTE, pal, 8, false))
		return 1;
	/* stream create: 4+4+1+1+8+16+16 + clip(1) */
	sw_buf_reset(&b);
	sw_w32(&b, 0);
	sw_w32(&b, 3);
	sw_w8(&b, 0);
	sw_w8(&b, SPICE_VIDEO_CODEC_TYPE_MJPEG);
	sw_w64(&b, 0);
	for (int i = 0; i < 4; i++)
		sw_w32(&b, 64);
	for (int i = 0; i < 4; i++)
		sw_w32(&b, (uint32_t)i * 10);
	sw_w8(&b, 0);
	struct sw_stream_create st;
	CHECK(sw_get_stream_create(b.data, b.len, &st) == 0 && st.id == 3 && st.dest.right == 30, "stream_create");
	if (strict(SPICE_CHANNEL_DISPLAY, true, SPICE_MSG_DISPLAY_STREAM_CREATE, b.data, b.len, false))
		return 1;
	b.data[4] = 64;
	CHECK(sw_get_stream_create(b.data, b.len, &st) == -EINVAL, "stream id 64 accepted");
	/* stream data and sized */
	sw_buf_reset(&b);
	sw_w32(&b, 3);
	sw_w32(&b, 1000);
	sw_w32(&b, 3);
	sw_wbytes(&b, "abc", 3);
	struct sw_stream_data sd;
	CHECK(sw_get_stream_data(b.data, b.len, false, &sd) == 0 && sd.data_size == 3, "stream_data");
	if (strict(SPICE_CHANNEL_DISPLAY, true, SPICE_MSG_DISPLAY_STREAM_DATA, b.data, b.len, false))
		return 1;
	sw_buf_reset(&b);
	sw_w32(&b, 3);
	sw_w32(&b, 1000);
	sw_w32(&b, 64);
	sw_w32(&b, 48);
	for (int i = 0; i < 4; i++)
		sw_w32(&b, 1);
	sw_w32(&b, 2);
	sw_wbytes(&b, "ab", 2);
	CHECK(sw_get_stream_data(b.data, b.len, true, &sd) == 0 && sd.width == 64 && sd.data_size == 2, "sized");
	if (strict(SPICE_CHANNEL_DISPLAY, true, SPICE_MSG_DISPLAY_STREAM_DATA_SIZED, b.data, b.len, false))
		return 1;
	const uint8_t sclip[] = { 3, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0 };
	struct sw_stream_clip scl;
	CHECK(sw_get_stream_clip(sclip, sizeof(sclip), &scl) == 0 && scl.clip.num_rects == 1 &&
		      sw_clip_rect(&scl.clip, 0).right == 2,
	      "stream_clip");
	if (strict(SPICE_CHANNEL_DISPLAY, true, SPICE_MSG_DISPLAY_STREAM_CLIP, sclip, sizeof(sclip), false))
		return 1;
	const uint8_t sid[4] = { 3 };
	if (strict(SPICE_CHANNEL_DISPLAY, true, SPICE_MSG_DISPLAY_STREAM_DESTROY, sid, 4, false) ||
	    strict(SPICE_CHANNEL_DISPLAY, true, SPICE_MSG_DISPLAY_SURFACE_DESTROY, sid, 4, false))
		return 1;
	const uint8_t sar[16] = { 3, 0, 0, 0, 9 };
	if (strict(SPICE_CHANNEL_DISPLAY, true, SPICE_MSG_DISPLAY_STREAM_ACTIVATE_REPORT, sar, 16, false))
		return 1;
	sw_buf_free(&b);
	return 0;
}

static int t_gl(void)
{
	struct sw_buf b;
	sw_buf_init(&b);
	struct sw_gl_scanout s = { 1024, 768, 4096, 0x34325258, SPICE_GL_SCANOUT_FLAGS_Y0TOP }, sg;
	sw_put_gl_scanout(&b, &s);
	CHECK(b.len == 20 && sw_get_gl_scanout(b.data, b.len, &sg) == 0 && !memcmp(&s, &sg, sizeof(s)), "scanout");
	if (strict(SPICE_CHANNEL_DISPLAY, true, SPICE_MSG_DISPLAY_GL_SCANOUT_UNIX, b.data, b.len, false))
		return 1;
	b.data[16] = 2;
	CHECK(sw_get_gl_scanout(b.data, b.len, &sg) == -EINVAL, "unknown flag");
	sw_buf_reset(&b);
	struct sw_gl_scanout2 s2, g2;
	memset(&s2, 0, sizeof(s2));
	s2.width = 640;
	s2.height = 480;
	s2.drm_fourcc_format = 0x3231564e;	/* NV12 */
	s2.num_planes = 2;
	s2.modifier = 0x0100000000000001ull;
	s2.offsets[1] = 640 * 480;
	s2.strides[0] = s2.strides[1] = 640;
	sw_put_gl_scanout2(&b, &s2);
	CHECK(b.len == 25 + 16, "scanout2 len %zu", b.len);
	memset(&g2, 0, sizeof(g2));
	CHECK(sw_get_gl_scanout2(b.data, b.len, &g2) == 0 && !memcmp(&s2, &g2, sizeof(s2)), "scanout2");
	if (strict(SPICE_CHANNEL_DISPLAY, true, SW_MSG_DISPLAY_GL_SCANOUT2_UNIX, b.data, b.len, false))
		return 1;
	b.data[16] = 5;
	CHECK(sw_get_gl_scanout2(b.data, b.len, &g2) == -EINVAL, "5 planes accepted");
	sw_buf_reset(&b);
	struct sw_gl_draw d = { 1, 2, 3, 4 }, dg;
	sw_put_gl_draw(&b, &d);
	CHECK(sw_get_gl_draw(b.data, b.len, &dg) == 0 && dg.h == 4, "gl_draw");
	if (strict(SPICE_CHANNEL_DISPLAY, true, SPICE_MSG_DISPLAY_GL_DRAW, b.data, b.len, false))
		return 1;
	CHECK(sw_validate(SPICE_CHANNEL_DISPLAY, false, SPICE_MSGC_DISPLAY_GL_DRAW_DONE, NULL, 0) == 0 &&
		      sw_validate(SPICE_CHANNEL_DISPLAY, false, SPICE_MSGC_DISPLAY_GL_DRAW_DONE, (const uint8_t *)"x", 1) ==
			      -EMSGSIZE,
	      "gl_draw_done");
	sw_buf_free(&b);
	return 0;
}

static int t_display_client(void)
{
	struct sw_buf b;
	sw_buf_init(&b);
	struct sw_display_init di = { 1, -5, 2, 1 << 20 }, dg;
	sw_put_display_init(&b, &di);
	CHECK(b.len == 14 && sw_get_display_init(b.data, b.len, &dg) == 0 && dg.pixmap_cache_size == -5 &&
		      dg.glz_dictionary_window_size == 1 << 20,
	      "display_init");
	if (strict(SPICE_CHANNEL_DISPLAY, false, SPICE_MSGC_DISPLAY_INIT, b.data, b.len, false))
		return 1;
	sw_buf_reset(&b);
	struct sw_stream_report r = { 1, 2, 3, 4, 5, 6, -7, 8 }, rg;
	sw_put_stream_report(&b, &r);
	CHECK(b.len == 32 && sw_get_stream_report(b.data, b.len, &rg) == 0 && rg.last_frame_delay == -7, "report");
	if (strict(SPICE_CHANNEL_DISPLAY, false, SPICE_MSGC_DISPLAY_STREAM_REPORT, b.data, b.len, false))
		return 1;
	sw_buf_reset(&b);
	const uint8_t codecs[] = { SPICE_VIDEO_CODEC_TYPE_VP8, SPICE_VIDEO_CODEC_TYPE_MJPEG };
	sw_put_preferred_video_codecs(&b, codecs, 2);
	if (strict(SPICE_CHANNEL_DISPLAY, false, SPICE_MSGC_DISPLAY_PREFERRED_VIDEO_CODEC_TYPE, b.data, b.len, false))
		return 1;
	const uint8_t pc[] = { SPICE_IMAGE_COMPRESSION_OFF };
	if (strict(SPICE_CHANNEL_DISPLAY, false, SPICE_MSGC_DISPLAY_PREFERRED_COMPRESSION, pc, 1, false))
		return 1;
	sw_buf_free(&b);
	return 0;
}

static int t_cursor(void)
{
	struct sw_buf b;
	sw_buf_init(&b);
	uint32_t px[4] = { 0xff000000, 0xffffffff, 0, 0x80808080 };
	struct sw_cursor_set s = { { 10, -2 }, 1, { 0, true, 42, SPICE_CURSOR_TYPE_ALPHA, 2, 2, 1, 1,
						    (const uint8_t *)px, 16 } };
	sw_put_cursor_set(&b, &s);
	struct sw_cursor_set g;
	CHECK(sw_get_cursor_set(b.data, b.len, &g) == 0 && g.position.y == -2 && g.cursor.has_header &&
		      g.cursor.unique == 42 && g.cursor.width == 2 && g.cursor.data_len == 16,
	      "set");
	CHECK(sw_get_cursor_set(b.data, b.len - 1, &g) == -EBADMSG, "alpha data short");
	CHECK(sw_get_cursor_set(b.data, 21, &g) == -EBADMSG, "header truncated");
	seed(SPICE_CHANNEL_CURSOR, true, SPICE_MSG_CURSOR_SET, b.data, b.len);
	b.data[15] = 99;	/* cursor type */
	CHECK(sw_get_cursor_set(b.data, b.len, &g) == -EINVAL, "bad cursor type");
	/* hidden cursor without header */
	const uint8_t init[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, SPICE_CURSOR_FLAGS_NONE, 0 };
	struct sw_cursor_init ci;
	CHECK(sw_get_cursor_init(init, sizeof(init), &ci) == 0 && !ci.cursor.has_header, "init");
	if (strict(SPICE_CHANNEL_CURSOR, true, SPICE_MSG_CURSOR_INIT, init, sizeof(init), true))
		return 1;
	const uint8_t mv[] = { 1, 0, 2, 0 };
	if (strict(SPICE_CHANNEL_CURSOR, true, SPICE_MSG_CURSOR_MOVE, mv, 4, false) ||
	    strict(SPICE_CHANNEL_CURSOR, true, SPICE_MSG_CURSOR_TRAIL, mv, 4, false))
		return 1;
	const uint8_t one[8] = { 1 };
	if (strict(SPICE_CHANNEL_CURSOR, true, SPICE_MSG_CURSOR_INVAL_ONE, one, 8, false))
		return 1;
	CHECK(sw_validate(SPICE_CHANNEL_CURSOR, true, SPICE_MSG_CURSOR_HIDE, (const uint8_t *)"x", 1) == -EMSGSIZE,
	      "hide");
	sw_buf_free(&b);
	return 0;
}

static int t_inputs(void)
{
	uint8_t sc[4];
	CHECK(sw_scancode_bytes(0x1e, false, sc) == 1 && sc[0] == 0x1e, "make A");
	CHECK(sw_scancode_bytes(0x1e, true, sc) == 1 && sc[0] == 0x9e, "break A");
	CHECK(sw_scancode_bytes(0x11d, true, sc) == 2 && sc[0] == 0xe0 && sc[1] == 0x9d, "break RCtrl");
	struct sw_buf b;
	sw_buf_init(&b);
	sw_put_key_scancode(&b, sc, 2);
	if (strict(SPICE_CHANNEL_INPUTS, false, SPICE_MSGC_INPUTS_KEY_SCANCODE, b.data, b.len, true))
		return 1;
	CHECK(sw_put_key_scancode(&b, sc, 0) == -EINVAL, "empty scancode");
	sw_buf_reset(&b);
	struct sw_mouse_motion mm = { -3, 4, 1 }, mg;
	sw_put_mouse_motion(&b, &mm);
	CHECK(sw_get_mouse_motion(b.data, b.len, &mg) == 0 && mg.dx == -3 && mg.buttons == 1, "motion");
	if (strict(SPICE_CHANNEL_INPUTS, false, SPICE_MSGC_INPUTS_MOUSE_MOTION, b.data, b.len, false))
		return 1;
	sw_buf_reset(&b);
	struct sw_mouse_position mp = { 100, 200, 2, 1 }, pg;
	sw_put_mouse_position(&b, &mp);
	CHECK(b.len == 11 && sw_get_mouse_position(b.data, b.len, &pg) == 0 && pg.display_id == 1, "position");
	if (strict(SPICE_CHANNEL_INPUTS, false, SPICE_MSGC_INPUTS_MOUSE_POSITION, b.data, b.len, false))
		return 1;
	sw_buf_reset(&b);
	struct sw_mouse_button bt = { SPICE_MOUSE_BUTTON_LEFT, 1 }, bg;
	sw_put_mouse_button(&b, &bt);
	CHECK(sw_get_mouse_button(b.data, b.len, &bg) == 0 && bg.button == 1, "button");
	if (strict(SPICE_CHANNEL_INPUTS, false, SPICE_MSGC_INPUTS_MOUSE_PRESS, b.data, b.len, false))
		return 1;
	b.data[0] = 200;
	CHECK(sw_get_mouse_button(b.data, b.len, &bg) == -EINVAL, "bad button");
	const uint8_t key[4] = { 0x1e };
	const uint8_t mods[2] = { 1 };
	if (strict(SPICE_CHANNEL_INPUTS, false, SPICE_MSGC_INPUTS_KEY_DOWN, key, 4, false) ||
	    strict(SPICE_CHANNEL_INPUTS, false, SPICE_MSGC_INPUTS_KEY_UP, key, 4, false) ||
	    strict(SPICE_CHANNEL_INPUTS, false, SPICE_MSGC_INPUTS_KEY_MODIFIERS, mods, 2, false) ||
	    strict(SPICE_CHANNEL_INPUTS, true, SPICE_MSG_INPUTS_INIT, mods, 2, false) ||
	    strict(SPICE_CHANNEL_INPUTS, true, SPICE_MSG_INPUTS_KEY_MODIFIERS, mods, 2, false))
		return 1;
	sw_buf_free(&b);
	return 0;
}

static int t_audio(void)
{
	const uint8_t data[] = { 1, 0, 0, 0, 9, 9, 9, 9 };
	struct sw_audio_data ad;
	CHECK(sw_get_playback_data(data, sizeof(data), &ad) == 0 && ad.len == 4, "data");
	CHECK(sw_get_playback_data(data, 3, &ad) == -EBADMSG, "short data");
	const uint8_t mode[] = { 1, 0, 0, 0, SPICE_AUDIO_DATA_MODE_RAW, 0 };
	if (strict(SPICE_CHANNEL_PLAYBACK, true, SPICE_MSG_PLAYBACK_MODE, mode, sizeof(mode), true))
		return 1;
	const uint8_t badmode[] = { 1, 0, 0, 0, 9, 0 };
	CHECK(sw_get_playback_mode(badmode, 6, &ad) == -EINVAL, "bad mode");
	const uint8_t start[] = { 2, 0, 0, 0, 1, 0, 0x44, 0xac, 0, 0, 5, 0, 0, 0 };
	struct sw_audio_start as;
	CHECK(sw_get_playback_start(start, sizeof(start), &as) == 0 && as.frequency == 44100 && as.time == 5,
	      "start");
	if (strict(SPICE_CHANNEL_PLAYBACK, true, SPICE_MSG_PLAYBACK_START, start, sizeof(start), false) ||
	    strict(SPICE_CHANNEL_RECORD, true, SPICE_MSG_RECORD_START, start, 10, false))
		return 1;
	const uint8_t vol[] = { 2, 0xff, 0xff, 0, 0x80 };
	struct sw_audio_volume av;
	CHECK(sw_get_audio_volume(vol, 5, &av) == 0 && sw_audio_volume_at(&av, 1) == 0x8000, "volume");
	if (strict(SPICE_CHANNEL_PLAYBACK, true, SPICE_MSG_PLAYBACK_VOLUME, vol, 5, false) ||
	    strict(SPICE_CHANNEL_RECORD, true, SPICE_MSG_RECORD_VOLUME, vol, 5, false))
		return 1;
	const uint8_t mute[] = { 1 }, lat[] = { 100, 0, 0, 0 };
	if (strict(SPICE_CHANNEL_PLAYBACK, true, SPICE_MSG_PLAYBACK_MUTE, mute, 1, false) ||
	    strict(SPICE_CHANNEL_RECORD, true, SPICE_MSG_RECORD_MUTE, mute, 1, false) ||
	    strict(SPICE_CHANNEL_PLAYBACK, true, SPICE_MSG_PLAYBACK_LATENCY, lat, 4, false))
		return 1;
	struct sw_buf b;
	sw_buf_init(&b);
	sw_put_record_data(&b, 7, "pcm", 3);
	if (strict(SPICE_CHANNEL_RECORD, false, SPICE_MSGC_RECORD_DATA, b.data, b.len, true))
		return 1;
	sw_buf_reset(&b);
	sw_put_record_mode(&b, 7, SPICE_AUDIO_DATA_MODE_OPUS, "x", 1);
	if (strict(SPICE_CHANNEL_RECORD, false, SPICE_MSGC_RECORD_MODE, b.data, b.len, true))
		return 1;
	if (strict(SPICE_CHANNEL_RECORD, false, SPICE_MSGC_RECORD_START_MARK, lat, 4, false))
		return 1;
	sw_buf_free(&b);
	return 0;
}

static int t_port(void)
{
	struct sw_buf b;
	sw_buf_init(&b);
	sw_put_port_init(&b, "org.qemu.monitor", 1);
	struct sw_port_init pi;
	CHECK(sw_get_port_init(b.data, b.len, &pi) == 0 && pi.opened == 1 && pi.name_size == 17 &&
		      !strcmp((const char *)pi.name, "org.qemu.monitor"),
	      "port init");
	if (strict(SPICE_CHANNEL_PORT, true, SPICE_MSG_PORT_INIT, b.data, b.len, true))
		return 1;
	b.data[b.len - 1] = 'x';
	CHECK(sw_get_port_init(b.data, b.len, &pi) == -EINVAL, "unterminated name");
	b.data[4] = 0;
	CHECK(sw_get_port_init(b.data, b.len, &pi) != 0, "null name");
	b.data[4] = 200;
	CHECK(sw_get_port_init(b.data, b.len, &pi) == -EBADMSG, "name past end");
	const uint8_t ev[] = { SPICE_PORT_EVENT_OPENED };
	if (strict(SPICE_CHANNEL_PORT, true, SPICE_MSG_PORT_EVENT, ev, 1, false) ||
	    strict(SPICE_CHANNEL_PORT, false, SPICE_MSGC_PORT_EVENT, ev, 1, false))
		return 1;
	sw_buf_free(&b);
	return 0;
}

/* ---- stream device ---------------------------------------------------- */

/* A valid stream device body must validate and be written as a seed; its
 * strict prefixes (down to min_len, below which every prefix must fail) must
 * fail unless open_tail; a trailing byte must fail unless open_tail. */
static int streamdev_strict(uint16_t type, const uint8_t *b, size_t n, bool open_tail)
{
	if (corpus_dir) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/seed-%04d", corpus_dir, corpus_n++);
		FILE *f = fopen(path, "wb");
		if (f) {
			uint8_t h[4] = { 0, 0x10, (uint8_t)type, (uint8_t)(type >> 8) };
			fwrite(h, 1, 4, f);
			fwrite(b, 1, n, f);
			fclose(f);
		}
	}
	int err = sw_streamdev_validate(type, b, n);
	CHECK(err == 0, "stream %s: valid vector rejected: %s", sw_streamdev_msg_name(type), sw_strerror(err));
	if (open_tail)
		return 0;
	uint8_t *copy = malloc(n + 1);
	CHECK(copy, "out of memory");
	memcpy(copy, b, n);
	copy[n] = 0;
	for (size_t k = 0; k < n; k++) {
		err = sw_streamdev_validate(type, copy, k);
		if (err == 0)
			break;
	}
	int trailing = sw_streamdev_validate(type, copy, n + 1);
	free(copy);
	CHECK(err != 0, "stream %s: a prefix of %zu bytes accepted", sw_streamdev_msg_name(type), n);
	CHECK(trailing != 0, "stream %s: trailing byte accepted", sw_streamdev_msg_name(type));
	return 0;
}

static int t_streamdev_header(void)
{
	uint8_t h[8];
	struct sw_streamdev_header sh;
	sw_put_streamdev_header(h, STREAM_TYPE_FORMAT, 12);
	const uint8_t want[8] = { 1, 0, 2, 0, 12, 0, 0, 0 };
	CHECK(!memcmp(h, want, 8), "header bytes");
	CHECK(sw_get_streamdev_header(h, 8, &sh) == 0 && sh.type == STREAM_TYPE_FORMAT && sh.size == 12,
	      "header roundtrip");
	CHECK(sw_get_streamdev_header(h, 7, &sh) == -EBADMSG, "short header");
	h[1] = 0xff;
	CHECK(sw_get_streamdev_header(h, 8, &sh) == 0, "padding is ignored");
	h[0] = 2;
	CHECK(sw_get_streamdev_header(h, 8, &sh) == -EPROTO, "version 2 accepted");
	sw_put_streamdev_header(h, STREAM_TYPE_INVALID, 0);
	CHECK(sw_get_streamdev_header(h, 8, &sh) == -EPROTO, "type 0 accepted");
	sw_put_streamdev_header(h, STREAM_TYPE_FORMAT, 13);
	CHECK(sw_get_streamdev_header(h, 8, &sh) == -E2BIG, "format of 13 bytes accepted");
	sw_put_streamdev_header(h, STREAM_TYPE_DATA, SW_STREAMDEV_MAX_DATA);
	CHECK(sw_get_streamdev_header(h, 8, &sh) == 0, "largest data refused");
	sw_put_streamdev_header(h, STREAM_TYPE_DATA, SW_STREAMDEV_MAX_DATA + 1);
	CHECK(sw_get_streamdev_header(h, 8, &sh) == -E2BIG, "oversized data accepted");
	sw_put_streamdev_header(h, STREAM_TYPE_CAPABILITIES, SW_STREAMDEV_MAX_CAPS + 1);
	CHECK(sw_get_streamdev_header(h, 8, &sh) == -E2BIG, "oversized caps accepted");
	sw_put_streamdev_header(h, STREAM_TYPE_START_STOP, 257);
	CHECK(sw_get_streamdev_header(h, 8, &sh) == -E2BIG, "start_stop of 257 bytes accepted");
	sw_put_streamdev_header(h, 0xfff0, SW_STREAMDEV_MAX_UNKNOWN);
	CHECK(sw_get_streamdev_header(h, 8, &sh) == 0, "unknown type refused");
	sw_put_streamdev_header(h, 0xfff0, 0xffffffffu);
	CHECK(sw_get_streamdev_header(h, 8, &sh) == -E2BIG, "huge unknown accepted");
	CHECK(sw_streamdev_from_host(STREAM_TYPE_START_STOP) && !sw_streamdev_from_host(STREAM_TYPE_DATA) &&
		      sw_streamdev_from_guest(STREAM_TYPE_DATA) && !sw_streamdev_from_guest(STREAM_TYPE_NOTIFY_ERROR) &&
		      sw_streamdev_from_host(STREAM_TYPE_CAPABILITIES) &&
		      sw_streamdev_from_guest(STREAM_TYPE_CAPABILITIES) && !sw_streamdev_from_guest(0x99),
	      "directions");
	CHECK(!strcmp(sw_streamdev_msg_name(STREAM_TYPE_DEVICE_DISPLAY_INFO), "device_display_info") &&
		      !strcmp(sw_streamdev_msg_name(77), "unknown"),
	      "names");
	return 0;
}

static int t_streamdev_messages(void)
{
	struct sw_buf b;
	sw_buf_init(&b);

	/* capabilities: any length up to the limit */
	const uint8_t caps[2] = { 0x01, 0x80 };
	struct sw_streamdev_caps sc;
	CHECK(sw_put_streamdev_caps(&b, caps, 2) == 0 && sw_get_streamdev_caps(b.data, b.len, &sc) == 0 &&
		      sw_streamdev_caps_test(&sc, STREAM_CAP_QUALITY_INDICATOR) && sw_streamdev_caps_test(&sc, 15) &&
		      !sw_streamdev_caps_test(&sc, 1) && !sw_streamdev_caps_test(&sc, 16),
	      "caps roundtrip");
	if (streamdev_strict(STREAM_TYPE_CAPABILITIES, b.data, b.len, true))
		return 1;
	CHECK(sw_get_streamdev_caps(b.data, 0, &sc) == 0 && !sw_streamdev_caps_test(&sc, 0), "empty caps");
	uint8_t big[SW_STREAMDEV_MAX_CAPS + 1] = { 0 };
	CHECK(sw_get_streamdev_caps(big, sizeof(big), &sc) == -E2BIG, "oversized caps accepted");
	CHECK(sw_put_streamdev_caps(&b, big, sizeof(big)) == -E2BIG, "oversized caps written");

	/* format */
	sw_buf_reset(&b);
	struct sw_streamdev_format f = { 1024, 768, SPICE_VIDEO_CODEC_TYPE_MJPEG }, fg;
	CHECK(sw_put_streamdev_format(&b, &f) == 0, "put format");
	const uint8_t fv[12] = { 0, 4, 0, 0, 0, 3, 0, 0, 1, 0, 0, 0 };
	CHECK(bytes_eq(&b, fv, 12), "format bytes");
	CHECK(sw_get_streamdev_format(b.data, b.len, &fg) == 0 && fg.width == 1024 && fg.height == 768 &&
		      fg.codec == 1,
	      "format roundtrip");
	if (streamdev_strict(STREAM_TYPE_FORMAT, b.data, b.len, false))
		return 1;
	b.data[8] = 0;
	CHECK(sw_get_streamdev_format(b.data, b.len, &fg) == -EINVAL, "codec 0 accepted");
	b.data[8] = SPICE_VIDEO_CODEC_TYPE_ENUM_END;
	CHECK(sw_get_streamdev_format(b.data, b.len, &fg) == -EINVAL, "unknown codec accepted");
	b.data[8] = 1;
	b.data[1] = 0;
	CHECK(sw_get_streamdev_format(b.data, b.len, &fg) == -EINVAL, "width 0 accepted");
	sw_patch32(&b, 0, SW_STREAMDEV_MAX_SIDE + 1);
	CHECK(sw_get_streamdev_format(b.data, b.len, &fg) == -EINVAL, "width over the limit accepted");
	f.height = 0;
	CHECK(sw_put_streamdev_format(&b, &f) == -EINVAL, "height 0 written");

	/* data */
	sw_buf_reset(&b);
	struct sw_data d;
	CHECK(sw_put_streamdev_data(&b, "\xff\xd8", 2) == 0 && sw_get_streamdev_data(b.data, b.len, &d) == 0 &&
		      d.len == 2 && d.data == b.data,
	      "data roundtrip");
	CHECK(sw_get_streamdev_data(b.data, 0, &d) == -EINVAL && sw_put_streamdev_data(&b, "", 0) == -EINVAL,
	      "empty data accepted");
	CHECK(sw_get_streamdev_data(b.data, (size_t)SW_STREAMDEV_MAX_DATA + 1, &d) == -E2BIG, "oversized data accepted");

	/* start/stop */
	sw_buf_reset(&b);
	const uint8_t codecs[2] = { SPICE_VIDEO_CODEC_TYPE_VP8, SPICE_VIDEO_CODEC_TYPE_MJPEG };
	struct sw_streamdev_start_stop ss;
	CHECK(sw_put_streamdev_start_stop(&b, codecs, 2) == 0 && b.len == 3 &&
		      sw_get_streamdev_start_stop(b.data, b.len, &ss) == 0 && ss.num_codecs == 2 &&
		      ss.codecs[1] == SPICE_VIDEO_CODEC_TYPE_MJPEG,
	      "start_stop roundtrip");
	if (streamdev_strict(STREAM_TYPE_START_STOP, b.data, b.len, false))
		return 1;
	const uint8_t stop[1] = { 0 };
	CHECK(sw_get_streamdev_start_stop(stop, 1, &ss) == 0 && ss.num_codecs == 0, "stop");
	CHECK(sw_get_streamdev_start_stop(stop, 0, &ss) == -EBADMSG, "empty start_stop accepted");
	const uint8_t liar[3] = { 5, 1, 2 };
	CHECK(sw_get_streamdev_start_stop(liar, 3, &ss) == -EBADMSG, "5 codecs in 2 bytes accepted");

	/* notify error */
	sw_buf_reset(&b);
	struct sw_streamdev_notify_error ne;
	CHECK(sw_put_streamdev_notify_error(&b, 7, "Protocol error") == 0 && b.len == 4 + 15 &&
		      sw_get_streamdev_notify_error(b.data, b.len, &ne) == 0 && ne.code == 7 && ne.msg_len == 15 &&
		      !memcmp(ne.msg, "Protocol error", 15),
	      "notify_error roundtrip");
	if (streamdev_strict(STREAM_TYPE_NOTIFY_ERROR, b.data, b.len, true))
		return 1;
	CHECK(sw_get_streamdev_notify_error(b.data, 3, &ne) == -EBADMSG, "3-byte notify_error accepted");
	uint8_t *text = calloc(1, 4 + SW_STREAMDEV_MAX_TEXT + 1);
	CHECK(text, "out of memory");
	int err = sw_get_streamdev_notify_error(text, 4 + SW_STREAMDEV_MAX_TEXT + 1, &ne);
	free(text);
	CHECK(err == -E2BIG, "oversized notify_error: %d", err);

	/* cursor set */
	sw_buf_reset(&b);
	uint8_t px[2 * 3 * 4];
	for (size_t i = 0; i < sizeof(px); i++)
		px[i] = (uint8_t)i;
	struct sw_streamdev_cursor_set cs = { 2, 3, 1, 2, SPICE_CURSOR_TYPE_ALPHA, px, sizeof(px) }, cg;
	CHECK(sw_streamdev_cursor_size(SPICE_CURSOR_TYPE_ALPHA, 2, 3) == 24 &&
		      sw_streamdev_cursor_size(SPICE_CURSOR_TYPE_COLOR24, 2, 3) == 19 &&
		      sw_streamdev_cursor_size(SPICE_CURSOR_TYPE_COLOR32, 2, 3) == 25 &&
		      sw_streamdev_cursor_size(SPICE_CURSOR_TYPE_MONO, 2, 3) == 0,
	      "cursor sizes");
	CHECK(sw_put_streamdev_cursor_set(&b, &cs) == 0 && b.len == 12 + 24 &&
		      sw_get_streamdev_cursor_set(b.data, b.len, &cg) == 0 && cg.width == 2 && cg.height == 3 &&
		      cg.hot_x == 1 && cg.hot_y == 2 && cg.data_len == 24 && !memcmp(cg.data, px, 24),
	      "cursor_set roundtrip");
	if (streamdev_strict(STREAM_TYPE_CURSOR_SET, b.data, b.len, false))
		return 1;
	b.data[8] = SPICE_CURSOR_TYPE_MONO;
	CHECK(sw_get_streamdev_cursor_set(b.data, b.len, &cg) == -EINVAL, "mono cursor accepted");
	b.data[8] = SPICE_CURSOR_TYPE_ALPHA;
	b.data[4] = 2;
	CHECK(sw_get_streamdev_cursor_set(b.data, b.len, &cg) == -EINVAL, "hot spot outside accepted");
	b.data[4] = 1;
	b.data[0] = 0x01;
	b.data[1] = 0x04;	/* 1025 wide */
	CHECK(sw_get_streamdev_cursor_set(b.data, b.len, &cg) == -EINVAL, "1025-wide cursor accepted");
	b.data[0] = 2;
	b.data[1] = 0;
	b.data[2] = 0;
	CHECK(sw_get_streamdev_cursor_set(b.data, b.len, &cg) == -EINVAL, "0-high cursor accepted");
	cs.data_len = 23;
	CHECK(sw_put_streamdev_cursor_set(&b, &cs) == -EINVAL, "short cursor data written");

	/* cursor move */
	sw_buf_reset(&b);
	struct sw_point pos;
	CHECK(sw_put_streamdev_cursor_move(&b, -5, 700) == 0 && b.len == 8 &&
		      sw_get_streamdev_cursor_move(b.data, b.len, &pos) == 0 && pos.x == -5 && pos.y == 700,
	      "cursor_move roundtrip");
	if (streamdev_strict(STREAM_TYPE_CURSOR_MOVE, b.data, b.len, false))
		return 1;

	/* device display info */
	sw_buf_reset(&b);
	struct sw_streamdev_display_info di;
	CHECK(sw_put_streamdev_display_info(&b, 0, 1, "pci/0000/02.0") == 0 && b.len == 12 + 14 &&
		      sw_get_streamdev_display_info(b.data, b.len, &di) == 0 && di.display_id == 1 &&
		      di.address_len == 14 && !strcmp(di.address, "pci/0000/02.0"),
	      "display_info roundtrip");
	if (streamdev_strict(STREAM_TYPE_DEVICE_DISPLAY_INFO, b.data, b.len, false))
		return 1;
	b.data[b.len - 1] = '0';
	CHECK(sw_get_streamdev_display_info(b.data, b.len, &di) == -EINVAL, "unterminated address accepted");
	b.data[b.len - 1] = 0;
	b.data[14] = 0;
	CHECK(sw_get_streamdev_display_info(b.data, b.len, &di) == -EINVAL, "NUL inside the address accepted");
	sw_patch32(&b, 8, 0);
	CHECK(sw_get_streamdev_display_info(b.data, 12, &di) == -EINVAL, "empty address accepted");
	sw_patch32(&b, 8, 100);
	CHECK(sw_get_streamdev_display_info(b.data, b.len, &di) == -EBADMSG, "address past the end accepted");
	sw_patch32(&b, 8, SW_STREAMDEV_MAX_ADDRESS + 1);
	CHECK(sw_get_streamdev_display_info(b.data, b.len, &di) == -E2BIG, "huge address accepted");
	char longaddr[SW_STREAMDEV_MAX_ADDRESS + 1];
	memset(longaddr, 'a', SW_STREAMDEV_MAX_ADDRESS);
	longaddr[SW_STREAMDEV_MAX_ADDRESS] = 0;
	CHECK(sw_put_streamdev_display_info(&b, 0, 0, longaddr) == -E2BIG, "long address written");

	/* quality indicator */
	sw_buf_reset(&b);
	const char *q;
	CHECK(sw_put_streamdev_quality(&b, "fps=25") == 0 && sw_get_streamdev_quality(b.data, b.len, &q) == 0 &&
		      !strcmp(q, "fps=25"),
	      "quality roundtrip");
	if (streamdev_strict(STREAM_TYPE_QUALITY_INDICATOR, b.data, b.len, false))
		return 1;
	CHECK(sw_streamdev_validate(0x55, NULL, 0) == 0 && sw_streamdev_validate(STREAM_TYPE_INVALID, NULL, 0) == -EPROTO,
	      "unknown and invalid types");
	sw_buf_free(&b);
	return 0;
}

/* The sender and the reassembly over a socketpair: messages split anywhere,
 * a bad header, a malformed body, a peer that stops reading, a closed peer. */
static int t_streamdev_io(void)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0, "socketpair");
	struct sw_streamdev_rx *rx = sw_streamdev_rx_new();
	CHECK(rx, "out of memory");
	const uint8_t codecs[1] = { 1 };
	CHECK(sw_streamdev_send(sv[0], STREAM_TYPE_START_STOP, (const uint8_t[]){ 1, 1 }, 2, 100) == 0 &&
		      sw_streamdev_send(sv[0], STREAM_TYPE_CAPABILITIES, NULL, 0, 100) == 0,
	      "send");
	(void)codecs;
	struct sw_streamdev_msg m;
	int got = 0, err = 0;
	for (int i = 0; i < 10 && got < 2; i++) {
		err = sw_streamdev_rx_read(rx, sv[1], &m);
		CHECK(err >= 0, "read: %s", sw_streamdev_rx_error(rx));
		if (err == 1) {
			CHECK(got == 0 ? m.type == STREAM_TYPE_START_STOP && m.size == 2 && m.body[1] == 1
				       : m.type == STREAM_TYPE_CAPABILITIES && m.size == 0,
			      "message %d: type %u size %u", got, m.type, m.size);
			got++;
		}
	}
	CHECK(got == 2, "got %d messages", got);
	CHECK(sw_streamdev_rx_read(rx, sv[1], &m) == 0, "nothing more to read");

	/* one byte at a time */
	uint8_t raw[8 + 8];
	sw_put_streamdev_header(raw, STREAM_TYPE_CURSOR_MOVE, 8);
	memset(raw + 8, 0, 8);
	raw[8] = 9;
	got = 0;
	for (size_t i = 0; i < sizeof(raw); i++) {
		CHECK(write(sv[0], raw + i, 1) == 1, "write");
		err = sw_streamdev_rx_read(rx, sv[1], &m);
		CHECK(err == (i + 1 == sizeof(raw)), "byte %zu: %d %s", i, err, sw_streamdev_rx_error(rx));
	}
	CHECK(m.type == STREAM_TYPE_CURSOR_MOVE && m.body[0] == 9, "split message");

	/* a bad header, then a malformed body */
	sw_put_streamdev_header(raw, STREAM_TYPE_FORMAT, 64);
	CHECK(write(sv[0], raw, 8) == 8, "write");
	err = sw_streamdev_rx_read(rx, sv[1], &m);
	CHECK(err == -E2BIG && strstr(sw_streamdev_rx_error(rx), "bad header"), "oversized: %d %s", err,
	      sw_streamdev_rx_error(rx));
	sw_streamdev_rx_reset(rx);
	sw_put_streamdev_header(raw, STREAM_TYPE_START_STOP, 2);
	raw[8] = 3;
	raw[9] = 1;
	CHECK(write(sv[0], raw, 10) == 10, "write");
	for (int i = 0; i < 4 && (err = sw_streamdev_rx_read(rx, sv[1], &m)) == 0; i++)
		;
	CHECK(err == -EBADMSG && strstr(sw_streamdev_rx_error(rx), "start_stop"), "malformed: %d %s", err,
	      sw_streamdev_rx_error(rx));
	sw_streamdev_rx_reset(rx);

	/* nobody reads: the sender gives up in time */
	uint8_t *chunk = calloc(1, 1 << 20);
	CHECK(chunk, "out of memory");
	err = sw_streamdev_send(sv[0], STREAM_TYPE_DATA, chunk, 1 << 20, 100);
	free(chunk);
	CHECK(err == -ETIMEDOUT, "stuck peer: %d", err);
	/* a blocking fd is refused */
	int bl[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, bl) == 0, "socketpair");
	CHECK(sw_streamdev_send(bl[0], STREAM_TYPE_CAPABILITIES, NULL, 0, 100) == -EINVAL, "blocking fd accepted");
	close(bl[0]);
	close(bl[1]);

	/* the peer closes: the reader says so, the sender too */
	close(sv[0]);
	for (int i = 0; i < 1000 && (err = sw_streamdev_rx_read(rx, sv[1], &m)) >= 0; i++)
		;
	CHECK(err == -EIO && strstr(sw_streamdev_rx_error(rx), "closed"), "closed: %d %s", err,
	      sw_streamdev_rx_error(rx));
	signal(SIGPIPE, SIG_IGN);
	err = sw_streamdev_send(sv[1], STREAM_TYPE_CAPABILITIES, NULL, 0, 100);
	CHECK(err == -EIO, "send to a closed peer: %d", err);
	close(sv[1]);
	sw_streamdev_rx_free(rx);
	sw_streamdev_rx_free(NULL);
	return 0;
}

static int t_json(void)
{
	struct sw_buf o;
	sw_buf_init(&o);
	struct sw_buf b;
	sw_buf_init(&b);
	struct sw_surface_create sc = { 0, 720, 400, SPICE_SURFACE_FMT_32_xRGB, 1 };
	sw_put_surface_create(&b, &sc);
	CHECK(msg_json(&o, SPICE_CHANNEL_DISPLAY, 0, true, SPICE_MSG_DISPLAY_SURFACE_CREATE, b.data, b.len) ==
		      0,
	      "json");
	CHECK(strstr((char *)o.data, "\"name\":\"surface_create\"") && strstr((char *)o.data, "\"width\":720"),
	      "json content: %s", o.data);
	sw_buf_reset(&o);
	CHECK(msg_json(&o, SPICE_CHANNEL_DISPLAY, 0, true, SPICE_MSG_DISPLAY_SURFACE_CREATE, b.data, 3) ==
		      -EBADMSG &&
		      strstr((char *)o.data, "\"error\":\"message truncated\""),
	      "json error: %s", o.data);
	sw_buf_reset(&o);
	struct sw_notify nt = { 0, 0, 0, 0, 4, (const uint8_t *)"a\"\\\n" };
	sw_buf_reset(&b);
	sw_put_notify(&b, &nt);
	msg_json(&o, SPICE_CHANNEL_MAIN, 0, true, SPICE_MSG_NOTIFY, b.data, b.len);
	CHECK(strstr((char *)o.data, "\"message\":\"a\\\"\\\\\\u000a\""), "escaping: %s", o.data);
	CHECK(!strcmp(sw_msg_name(SPICE_CHANNEL_DISPLAY, true, SW_MSG_DISPLAY_GL_SCANOUT2_UNIX), "gl_scanout2_unix") &&
		      !strcmp(sw_msg_name(SPICE_CHANNEL_INPUTS, false, SPICE_MSGC_INPUTS_KEY_SCANCODE), "key_scancode") &&
		      !strcmp(sw_msg_name(SPICE_CHANNEL_MAIN, true, 999), "unknown"),
	      "names");
	sw_buf_free(&o);
	sw_buf_free(&b);
	return 0;
}

static uint32_t px_at(struct sw_display *d, uint32_t s, uint32_t x, uint32_t y)
{
	struct sw_surface *sf = sw_display_surface(d, s);
	return sf ? sf->px[y * sf->width + x] & 0xffffff : 0xdeadbeef;
}

static int t_model(void)
{
	struct sw_display d;
	sw_display_init(&d, 1 << 20);
	struct sw_buf b;
	sw_buf_init(&b);
	struct sw_surface_create sc = { 0, 8, 4, SPICE_SURFACE_FMT_32_xRGB, SPICE_SURFACE_FLAGS_PRIMARY };
	sw_put_surface_create(&b, &sc);
	CHECK(sw_display_apply(&d, SPICE_MSG_DISPLAY_SURFACE_CREATE, b.data, b.len) == 0 && d.have_primary,
	      "create");
	CHECK(sw_display_apply(&d, SPICE_MSG_DISPLAY_SURFACE_CREATE, b.data, b.len) == -EPROTO, "double create");
	/* fill the whole surface blue */
	struct sw_draw f;
	memset(&f, 0, sizeof(f));
	f.msg_type = SPICE_MSG_DISPLAY_DRAW_FILL;
	f.base.box = (struct sw_rect){ 0, 0, 4, 8 };
	f.brush.type = SPICE_BRUSH_TYPE_SOLID;
	f.brush.color = 0x0000ff;
	f.rop_descriptor = SPICE_ROPD_OP_PUT;
	sw_buf_reset(&b);
	sw_put_draw(&b, &f);
	CHECK(sw_display_apply(&d, SPICE_MSG_DISPLAY_DRAW_FILL, b.data, b.len) == 0, "fill");
	CHECK(px_at(&d, 0, 7, 3) == 0x0000ff, "fill pixel");
	/* bottom-up 2x2 bitmap at (1,1): first data row is the bottom row */
	uint32_t px[4] = { 0x00ff0000, 0x0000ff00, 0x00ffff00, 0x00ffffff };
	sw_buf_reset(&b);
	build_copy(&b, 0, 1, 1, 2, 2, px, 0, false);
	CHECK(sw_display_apply(&d, SPICE_MSG_DISPLAY_DRAW_COPY, b.data, b.len) == 0, "copy: %s", d.last_error);
	CHECK(px_at(&d, 0, 1, 2) == 0xff0000 && px_at(&d, 0, 2, 2) == 0x00ff00 && px_at(&d, 0, 1, 1) == 0xffff00 &&
		      px_at(&d, 0, 0, 0) == 0x0000ff,
	      "copy pixels %06x %06x %06x", px_at(&d, 0, 1, 2), px_at(&d, 0, 2, 2), px_at(&d, 0, 1, 1));
	/* clipped copy: only the first column changes */
	uint32_t px2[4] = { 0x111111, 0x222222, 0x333333, 0x444444 };
	sw_buf_reset(&b);
	build_copy(&b, 0, 4, 0, 2, 2, px2, SPICE_BITMAP_FLAGS_TOP_DOWN, true);
	CHECK(sw_display_apply(&d, SPICE_MSG_DISPLAY_DRAW_COPY, b.data, b.len) == 0, "clipped copy");
	CHECK(px_at(&d, 0, 4, 0) == 0x111111 && px_at(&d, 0, 5, 0) == 0x0000ff && px_at(&d, 0, 4, 1) == 0x333333,
	      "clip pixels");
	/* copy_bits: move the 2x2 block at (1,1) to (5,2) */
	struct sw_draw cb;
	memset(&cb, 0, sizeof(cb));
	cb.msg_type = SPICE_MSG_DISPLAY_COPY_BITS;
	cb.base.box = (struct sw_rect){ 2, 5, 4, 7 };
	cb.src_pos = (struct sw_point){ 1, 1 };
	sw_buf_reset(&b);
	sw_put_draw(&b, &cb);
	CHECK(sw_display_apply(&d, SPICE_MSG_DISPLAY_COPY_BITS, b.data, b.len) == 0, "copy_bits");
	CHECK(px_at(&d, 0, 5, 3) == 0xff0000 && px_at(&d, 0, 6, 2) == 0xffffff, "copy_bits pixels");
	/* overlapping copy_bits one pixel right */
	cb.base.box = (struct sw_rect){ 1, 2, 3, 4 };
	sw_buf_reset(&b);
	sw_put_draw(&b, &cb);
	CHECK(sw_display_apply(&d, SPICE_MSG_DISPLAY_COPY_BITS, b.data, b.len) == 0, "overlap");
	CHECK(px_at(&d, 0, 2, 1) == 0xffff00 && px_at(&d, 0, 3, 2) == 0x00ff00, "overlap pixels");
	/* XOR fill and invers */
	f.rop_descriptor = SPICE_ROPD_OP_XOR;
	f.brush.color = 0xffffff;
	f.base.box = (struct sw_rect){ 0, 0, 1, 1 };
	sw_buf_reset(&b);
	sw_put_draw(&b, &f);
	sw_display_apply(&d, SPICE_MSG_DISPLAY_DRAW_FILL, b.data, b.len);
	CHECK(px_at(&d, 0, 0, 0) == 0xffff00, "xor");
	f.msg_type = SPICE_MSG_DISPLAY_DRAW_WHITENESS;
	sw_buf_reset(&b);
	sw_put_draw(&b, &f);
	sw_display_apply(&d, SPICE_MSG_DISPLAY_DRAW_WHITENESS, b.data, b.len);
	CHECK(px_at(&d, 0, 0, 0) == 0xffffff, "whiteness");
	/* A8 surface and copy from a surface source */
	struct sw_surface_create a8 = { 2, 4, 4, SPICE_SURFACE_FMT_8_A, 0 };
	sw_buf_reset(&b);
	sw_put_surface_create(&b, &a8);
	CHECK(sw_display_apply(&d, SPICE_MSG_DISPLAY_SURFACE_CREATE, b.data, b.len) == 0, "a8");
	struct sw_draw c;
	memset(&c, 0, sizeof(c));
	c.msg_type = SPICE_MSG_DISPLAY_DRAW_COPY;
	c.base.surface_id = 2;
	c.base.box = (struct sw_rect){ 0, 0, 2, 2 };
	c.src_area = (struct sw_rect){ 0, 0, 2, 2 };
	c.rop_descriptor = SPICE_ROPD_OP_PUT;
	sw_buf_reset(&b);
	sw_put_draw(&b, &c);
	uint32_t off;
	sw_put_image_surface(&b, 1, 8, 4, 0, &off);
	sw_patch32(&b, 21, off);
	CHECK(sw_display_apply(&d, SPICE_MSG_DISPLAY_DRAW_COPY, b.data, b.len) == 0, "copy from surface");
	CHECK(sw_display_surface(&d, 2)->px[0] == 0xff000000, "a8 alpha");
	/* errors: draw on a missing surface, missing source surface, bad destroy */
	c.base.surface_id = 9;
	sw_buf_reset(&b);
	sw_put_draw(&b, &c);
	sw_put_image_surface(&b, 1, 8, 4, 0, &off);
	sw_patch32(&b, 21, off);
	CHECK(sw_display_apply(&d, SPICE_MSG_DISPLAY_DRAW_COPY, b.data, b.len) == -EPROTO, "missing surface");
	const uint8_t nine[4] = { 9 };
	CHECK(sw_display_apply(&d, SPICE_MSG_DISPLAY_SURFACE_DESTROY, nine, 4) == -EPROTO, "destroy missing");
	/* limits */
	struct sw_surface_create big = { 3, 16384, 16384, SPICE_SURFACE_FMT_32_xRGB, 0 };
	sw_buf_reset(&b);
	sw_put_surface_create(&b, &big);
	CHECK(sw_display_apply(&d, SPICE_MSG_DISPLAY_SURFACE_CREATE, b.data, b.len) == -E2BIG, "pixel limit");
	big.surface_id = 1u << 30;
	big.width = big.height = 1;
	sw_buf_reset(&b);
	sw_put_surface_create(&b, &big);
	CHECK(sw_display_apply(&d, SPICE_MSG_DISPLAY_SURFACE_CREATE, b.data, b.len) == -E2BIG, "id limit");
	/* PNG */
	char path[] = "/tmp/sw-test-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	CHECK(sw_display_save_png(&d, 0, NULL, path) == 0, "png");
	FILE *fp = fopen(path, "rb");
	uint8_t hdr[33];
	CHECK(fp && fread(hdr, 1, 33, fp) == 33, "read png");
	fclose(fp);
	unlink(path);
	CHECK(!memcmp(hdr + 1, "PNG", 3) && hdr[19] == 8 && hdr[23] == 4 && hdr[25] == 2, "png header");
	const uint8_t zero[4] = { 0 };
	CHECK(sw_display_apply(&d, SPICE_MSG_DISPLAY_SURFACE_DESTROY, zero, 4) == 0 && !d.have_primary, "destroy");
	sw_display_free(&d);
	sw_buf_free(&b);
	return 0;
}


/* An image with every bitmap field under control; an inline palette (npal
 * entries) is placed right after the pixel data. Returns the image offset. */
static uint32_t put_image(struct sw_buf *b, uint64_t id, uint8_t img_flags, uint8_t fmt, uint8_t bm_flags, uint32_t w,
			  uint32_t h, uint32_t stride, const void *data, const uint32_t *pal, uint16_t npal)
{
	uint32_t off = (uint32_t)b->len;
	sw_w64(b, id);
	sw_w8(b, SPICE_IMAGE_TYPE_BITMAP);
	sw_w8(b, img_flags);
	sw_w32(b, w);
	sw_w32(b, h);
	sw_w8(b, fmt);
	sw_w8(b, bm_flags);
	sw_w32(b, w);
	sw_w32(b, h);
	sw_w32(b, stride);
	sw_w32(b, npal ? off + 36 + stride * h : 0);
	sw_wbytes(b, data, (size_t)stride * h);
	if (npal) {
		sw_w64(b, 1000 + id);
		sw_w16(b, npal);
		for (uint16_t i = 0; i < npal; i++)
			sw_w32(b, pal[i]);
	}
	return off;
}

static uint32_t put_cached_ref(struct sw_buf *b, uint64_t id, uint32_t w, uint32_t h)
{
	uint32_t off = (uint32_t)b->len;
	sw_w64(b, id);
	sw_w8(b, SPICE_IMAGE_TYPE_FROM_CACHE);
	sw_w8(b, 0);
	sw_w32(b, w);
	sw_w32(b, h);
	return off;
}

/* A draw with a source image at (0,0)-(w,h) of a 4x4 surface 0; src_pos is
 * the offset of the src pointer for that message kind. */
static int apply_src_draw(struct sw_display *d, struct sw_draw *dr, size_t src_pos,
			  uint32_t (*img)(struct sw_buf *, void *), void *ctx)
{
	struct sw_buf b;
	sw_buf_init(&b);
	sw_put_draw(&b, dr);
	uint32_t off = img(&b, ctx);
	sw_patch32(&b, src_pos, off);
	int err = sw_display_apply(d, dr->msg_type, b.data, b.len);
	sw_buf_free(&b);
	return err;
}

struct imgspec {
	uint64_t id;
	uint8_t img_flags, fmt, bm_flags;
	uint32_t w, h, stride;
	const void *data;
	const uint32_t *pal;
	uint16_t npal;
	bool cached_ref;
};

static uint32_t imgspec_put(struct sw_buf *b, void *ctx)
{
	struct imgspec *s = ctx;
	if (s->cached_ref)
		return put_cached_ref(b, s->id, s->w, s->h);
	return put_image(b, s->id, s->img_flags, s->fmt, s->bm_flags, s->w, s->h, s->stride, s->data, s->pal, s->npal);
}

/* ---- video streams in the display model ------------------------------- */

/* A 16x16 JPEG (quality 100, no chroma subsampling) in four 8x8 quadrants:
 * top left red, top right blue, bottom left green, bottom right white. */
static const uint32_t quad[4] = { 0xff0000, 0x0000ff, 0x00ff00, 0xffffff };

static int make_jpeg(uint8_t **out, unsigned long *len)
{
	struct jpeg_compress_struct ci;
	struct jpeg_error_mgr err;
	uint8_t row[16 * 3];

	ci.err = jpeg_std_error(&err);
	jpeg_create_compress(&ci);
	*out = NULL;
	*len = 0;
	jpeg_mem_dest(&ci, out, len);
	ci.image_width = 16;
	ci.image_height = 16;
	ci.input_components = 3;
	ci.in_color_space = JCS_RGB;
	jpeg_set_defaults(&ci);
	jpeg_set_quality(&ci, 100, TRUE);
	for (int i = 0; i < ci.num_components; i++)
		ci.comp_info[i].h_samp_factor = ci.comp_info[i].v_samp_factor = 1;
	jpeg_start_compress(&ci, TRUE);
	while (ci.next_scanline < 16) {
		JSAMPROW r = row;
		for (unsigned x = 0; x < 16; x++) {
			uint32_t c = quad[(ci.next_scanline >= 8) * 2 + (x >= 8)];
			row[3 * x] = c >> 16;
			row[3 * x + 1] = (c >> 8) & 0xff;
			row[3 * x + 2] = c & 0xff;
		}
		jpeg_write_scanlines(&ci, &r, 1);
	}
	jpeg_finish_compress(&ci);
	jpeg_destroy_compress(&ci);
	return *len ? 0 : 1;
}

static bool near(uint32_t a, uint32_t b)
{
	for (int sh = 0; sh < 24; sh += 8) {
		int d = (int)((a >> sh) & 0xff) - (int)((b >> sh) & 0xff);
		if (d > 24 || d < -24)
			return false;
	}
	return true;
}

static void put_stream_create(struct sw_buf *b, uint32_t id, uint8_t flags, uint8_t codec, struct sw_rect dest,
			      const struct sw_rect *clip)
{
	sw_buf_reset(b);
	sw_w32(b, 0);
	sw_w32(b, id);
	sw_w8(b, flags);
	sw_w8(b, codec);
	sw_w64(b, 0);
	for (int i = 0; i < 2; i++)
		sw_w32(b, 16), sw_w32(b, 16);
	sw_w32(b, (uint32_t)dest.top);
	sw_w32(b, (uint32_t)dest.left);
	sw_w32(b, (uint32_t)dest.bottom);
	sw_w32(b, (uint32_t)dest.right);
	sw_w8(b, clip ? SPICE_CLIP_TYPE_RECTS : SPICE_CLIP_TYPE_NONE);
	if (clip) {
		sw_w32(b, 1);
		sw_w32(b, (uint32_t)clip->top);
		sw_w32(b, (uint32_t)clip->left);
		sw_w32(b, (uint32_t)clip->bottom);
		sw_w32(b, (uint32_t)clip->right);
	}
}

static int stream_frame(struct sw_display *d, struct sw_buf *b, uint32_t id, const uint8_t *data, uint32_t len,
			const struct sw_rect *sized)
{
	sw_buf_reset(b);
	sw_w32(b, id);
	sw_w32(b, 1000);
	if (sized) {
		sw_w32(b, 16);
		sw_w32(b, 16);
		sw_w32(b, (uint32_t)sized->top);
		sw_w32(b, (uint32_t)sized->left);
		sw_w32(b, (uint32_t)sized->bottom);
		sw_w32(b, (uint32_t)sized->right);
	}
	sw_w32(b, len);
	sw_wbytes(b, data, len);
	return sw_display_apply(d, sized ? SPICE_MSG_DISPLAY_STREAM_DATA_SIZED : SPICE_MSG_DISPLAY_STREAM_DATA,
				b->data, b->len);
}

/* The quadrant colours at the four corners of a w x h picture drawn at
 * (x, y); flipped: the stream is bottom-up. */
static int quadrants_at(struct sw_display *d, uint32_t x, uint32_t y, uint32_t w, uint32_t h, bool flipped,
			const char *what)
{
	for (unsigned q = 0; q < 4; q++) {
		uint32_t px = x + (q & 1 ? w - 2 : 1), py = y + (q & 2 ? h - 2 : 1);
		uint32_t want = quad[flipped ? q ^ 2 : q], got = px_at(d, 0, px, py);
		CHECK(near(got, want), "%s: (%u,%u) is %06x, want about %06x", what, px, py, got, want);
	}
	return 0;
}

static int t_model_streams(void)
{
	struct sw_display d;
	struct sw_buf b;
	uint8_t *jpeg;
	unsigned long jlen;
	int ret = 1;

	sw_display_init(&d, 1 << 20);
	sw_buf_init(&b);
	if (make_jpeg(&jpeg, &jlen)) {
		snprintf(why, sizeof(why), "libjpeg made no picture");
		goto out;
	}
	struct sw_surface_create sc = { 0, 64, 64, SPICE_SURFACE_FMT_32_xRGB, SPICE_SURFACE_FLAGS_PRIMARY };
	sw_put_surface_create(&b, &sc);
	if (sw_display_apply(&d, SPICE_MSG_DISPLAY_SURFACE_CREATE, b.data, b.len))
		goto fail_msg;
	/* top-down at (8,4), unscaled */
	put_stream_create(&b, 5, SPICE_STREAM_FLAGS_TOP_DOWN, SPICE_VIDEO_CODEC_TYPE_MJPEG,
			  (struct sw_rect){ 4, 8, 20, 24 }, NULL);
	if (sw_display_apply(&d, SPICE_MSG_DISPLAY_STREAM_CREATE, b.data, b.len) ||
	    sw_display_apply(&d, SPICE_MSG_DISPLAY_STREAM_CREATE, b.data, b.len) != -EPROTO)
		goto fail_msg;
	if (stream_frame(&d, &b, 5, jpeg, (uint32_t)jlen, NULL) || d.stream_frames != 1)
		goto fail_msg;
	if (quadrants_at(&d, 8, 4, 16, 16, false, "top-down"))
		goto out;
	if (px_at(&d, 0, 7, 4) || px_at(&d, 0, 24, 4) || px_at(&d, 0, 8, 3) || px_at(&d, 0, 8, 20)) {
		snprintf(why, sizeof(why), "a pixel next to the destination was drawn");
		goto out;
	}
	/* STREAM_DATA_SIZED: its own destination, scaled to 32x32 */
	if (stream_frame(&d, &b, 5, jpeg, (uint32_t)jlen, &(struct sw_rect){ 32, 32, 64, 64 }))
		goto fail_msg;
	if (quadrants_at(&d, 32, 32, 32, 32, false, "sized, scaled"))
		goto out;
	/* bottom-up, clipped to its left half */
	put_stream_create(&b, 6, 0, SPICE_VIDEO_CODEC_TYPE_MJPEG, (struct sw_rect){ 40, 0, 56, 16 },
			  &(struct sw_rect){ 40, 0, 56, 8 });
	if (sw_display_apply(&d, SPICE_MSG_DISPLAY_STREAM_CREATE, b.data, b.len) ||
	    stream_frame(&d, &b, 6, jpeg, (uint32_t)jlen, NULL))
		goto fail_msg;
	CHECK(near(px_at(&d, 0, 1, 41), quad[2]) && near(px_at(&d, 0, 1, 54), quad[0]),
	      "bottom-up: (1,41) %06x (1,54) %06x", px_at(&d, 0, 1, 41), px_at(&d, 0, 1, 54));
	CHECK(px_at(&d, 0, 14, 41) == 0 && px_at(&d, 0, 14, 54) == 0, "drawn outside the clip");
	/* STREAM_CLIP to nothing: the next frame changes no pixel */
	memset(&d.surfaces[0].px[40 * 64], 0, 16 * 64 * 4);
	const uint8_t none[] = { 6, 0, 0, 0, SPICE_CLIP_TYPE_RECTS, 0, 0, 0, 0 };
	if (sw_display_apply(&d, SPICE_MSG_DISPLAY_STREAM_CLIP, none, sizeof(none)) ||
	    stream_frame(&d, &b, 6, jpeg, (uint32_t)jlen, NULL))
		goto fail_msg;
	CHECK(px_at(&d, 0, 1, 41) == 0, "drawn with an empty clip");
	/* a frame that is not a JPEG: counted, nothing drawn, not an error */
	uint32_t before = px_at(&d, 0, 9, 5);
	if (stream_frame(&d, &b, 5, (const uint8_t *)"not a jpeg", 10, NULL))
		goto fail_msg;
	CHECK(d.stream_frames_bad == 1 && px_at(&d, 0, 9, 5) == before, "bad frame: %llu counted",
	      (unsigned long long)d.stream_frames_bad);
	if (stream_frame(&d, &b, 5, jpeg, (uint32_t)jlen / 2, NULL))
		goto fail_msg;
	CHECK(d.stream_frames_bad == 2, "a truncated JPEG was not counted bad");
	/* another codec: counted, not drawn */
	put_stream_create(&b, 7, SPICE_STREAM_FLAGS_TOP_DOWN, SPICE_VIDEO_CODEC_TYPE_VP8,
			  (struct sw_rect){ 0, 0, 16, 16 }, NULL);
	if (sw_display_apply(&d, SPICE_MSG_DISPLAY_STREAM_CREATE, b.data, b.len) ||
	    stream_frame(&d, &b, 7, jpeg, (uint32_t)jlen, NULL))
		goto fail_msg;
	CHECK(d.stream_frames_other == 1 && px_at(&d, 0, 1, 1) == 0, "a VP8 frame was drawn");
	/* destroyed streams and missing ones are protocol errors */
	const uint8_t five[4] = { 5 };
	CHECK(sw_display_apply(&d, SPICE_MSG_DISPLAY_STREAM_DESTROY, five, 4) == 0 &&
		      stream_frame(&d, &b, 5, jpeg, (uint32_t)jlen, NULL) == -EPROTO,
	      "data for a destroyed stream");
	CHECK(sw_display_apply(&d, SPICE_MSG_DISPLAY_STREAM_DESTROY_ALL, NULL, 0) == 0 &&
		      stream_frame(&d, &b, 6, jpeg, (uint32_t)jlen, NULL) == -EPROTO,
	      "data after destroy_all");
	put_stream_create(&b, 8, 0, SPICE_VIDEO_CODEC_TYPE_MJPEG, (struct sw_rect){ 0, 0, 16, 16 }, NULL);
	b.data[0] = 9;	/* surface 9 does not exist */
	CHECK(sw_display_apply(&d, SPICE_MSG_DISPLAY_STREAM_CREATE, b.data, b.len) == -EPROTO,
	      "a stream on a missing surface");
	ret = 0;
	goto out;
fail_msg:
	snprintf(why, sizeof(why), "%s", d.last_error[0] ? d.last_error : "unexpected result");
out:
	free(jpeg);
	sw_buf_free(&b);
	sw_display_free(&d);
	return ret;
}

static int t_model_formats(void)
{
	struct sw_display d;
	sw_display_init(&d, 1 << 20);
	struct sw_buf b;
	sw_buf_init(&b);
	struct sw_surface_create sc = { 0, 4, 4, SPICE_SURFACE_FMT_32_xRGB, SPICE_SURFACE_FLAGS_PRIMARY };
	sw_put_surface_create(&b, &sc);
	sw_display_apply(&d, SPICE_MSG_DISPLAY_SURFACE_CREATE, b.data, b.len);
	struct sw_draw c;
	memset(&c, 0, sizeof(c));
	c.msg_type = SPICE_MSG_DISPLAY_DRAW_COPY;
	c.base.box = (struct sw_rect){ 0, 0, 1, 4 };
	c.src_area = (struct sw_rect){ 0, 0, 1, 4 };
	c.rop_descriptor = SPICE_ROPD_OP_PUT;
	/* 8-bit indexed with an inline palette, top-down */
	const uint8_t idx[4] = { 0, 1, 2, 1 };
	const uint32_t pal[3] = { 0x102030, 0x405060, 0x708090 };
	struct imgspec s8 = { 1, 0, SPICE_BITMAP_FMT_8BIT, SPICE_BITMAP_FLAGS_TOP_DOWN, 4, 1, 4, idx, pal, 3, false };
	CHECK(apply_src_draw(&d, &c, 21, imgspec_put, &s8) == 0, "8bit: %s", d.last_error);
	CHECK(px_at(&d, 0, 0, 0) == 0x102030 && px_at(&d, 0, 1, 0) == 0x405060 && px_at(&d, 0, 2, 0) == 0x708090,
	      "8bit pixels %06x %06x", px_at(&d, 0, 0, 0), px_at(&d, 0, 1, 0));
	/* 4-bit BE and LE */
	const uint8_t nib[2] = { 0x12, 0x01 };
	struct imgspec s4 = { 2, 0, SPICE_BITMAP_FMT_4BIT_BE, SPICE_BITMAP_FLAGS_TOP_DOWN, 4, 1, 2, nib, pal, 3, false };
	CHECK(apply_src_draw(&d, &c, 21, imgspec_put, &s4) == 0, "4bit");
	CHECK(px_at(&d, 0, 0, 0) == 0x405060 && px_at(&d, 0, 1, 0) == 0x708090 && px_at(&d, 0, 3, 0) == 0x405060,
	      "4bit BE pixels");
	s4.fmt = SPICE_BITMAP_FMT_4BIT_LE;
	CHECK(apply_src_draw(&d, &c, 21, imgspec_put, &s4) == 0, "4bit le");
	CHECK(px_at(&d, 0, 0, 0) == 0x708090 && px_at(&d, 0, 1, 0) == 0x405060 && px_at(&d, 0, 2, 0) == 0x405060,
	      "4bit LE pixels");
	/* 1-bit BE without palette: black/white */
	const uint8_t bits[1] = { 0xa0 };
	struct imgspec s1 = { 3, 0, SPICE_BITMAP_FMT_1BIT_BE, SPICE_BITMAP_FLAGS_TOP_DOWN, 4, 1, 1, bits, NULL, 0, false };
	CHECK(apply_src_draw(&d, &c, 21, imgspec_put, &s1) == 0, "1bit");
	CHECK(px_at(&d, 0, 0, 0) == 0xffffff && px_at(&d, 0, 1, 0) == 0 && px_at(&d, 0, 2, 0) == 0xffffff, "1bit pixels");
	/* 24-bit BGR and 16-bit 555 */
	const uint8_t bgr[12] = { 0x01, 0x02, 0x03, 0xff, 0, 0, 0, 0xff, 0, 0, 0, 0xff };
	struct imgspec s24 = { 4, 0, SPICE_BITMAP_FMT_24BIT, SPICE_BITMAP_FLAGS_TOP_DOWN, 4, 1, 12, bgr, NULL, 0, false };
	CHECK(apply_src_draw(&d, &c, 21, imgspec_put, &s24) == 0, "24bit");
	CHECK(px_at(&d, 0, 0, 0) == 0x030201 && px_at(&d, 0, 1, 0) == 0x0000ff && px_at(&d, 0, 3, 0) == 0xff0000,
	      "24bit pixels");
	const uint8_t rgb555[8] = { 0x00, 0x7c, 0xe0, 0x03, 0x1f, 0x00, 0xff, 0x7f };
	struct imgspec s16 = { 5, 0, SPICE_BITMAP_FMT_16BIT, SPICE_BITMAP_FLAGS_TOP_DOWN, 4, 1, 8, rgb555, NULL, 0, false };
	CHECK(apply_src_draw(&d, &c, 21, imgspec_put, &s16) == 0, "16bit");
	CHECK(px_at(&d, 0, 0, 0) == 0xff0000 && px_at(&d, 0, 1, 0) == 0x00ff00 && px_at(&d, 0, 2, 0) == 0x0000ff &&
		      px_at(&d, 0, 3, 0) == 0xffffff,
	      "16bit pixels");
	/* pixmap cache: CACHE_ME, then FROM_CACHE, then INVAL_LIST makes it a protocol error */
	const uint32_t four[4] = { 0x111111, 0x222222, 0x333333, 0x444444 };
	struct imgspec sc1 = { 77, SPICE_IMAGE_FLAGS_CACHE_ME, SPICE_BITMAP_FMT_32BIT, SPICE_BITMAP_FLAGS_TOP_DOWN, 4, 1, 16,
			       four, NULL, 0, false };
	CHECK(apply_src_draw(&d, &c, 21, imgspec_put, &sc1) == 0, "cache me");
	c.base.box = (struct sw_rect){ 1, 0, 2, 4 };
	struct imgspec ref = { 77, 0, 0, 0, 4, 1, 0, NULL, NULL, 0, true };
	CHECK(apply_src_draw(&d, &c, 21, imgspec_put, &ref) == 0, "from cache: %s", d.last_error);
	CHECK(px_at(&d, 0, 2, 1) == 0x333333, "cached pixels");
	const uint8_t inval[] = { 1, 0, 1, 77, 0, 0, 0, 0, 0, 0, 0 };
	CHECK(sw_display_apply(&d, SPICE_MSG_DISPLAY_INVAL_LIST, inval, sizeof(inval)) == 0, "inval");
	CHECK(apply_src_draw(&d, &c, 21, imgspec_put, &ref) == -EPROTO, "invalidated entry still used");
	/* transparent: pixels of src_color are skipped */
	struct sw_draw t = c;
	t.msg_type = SPICE_MSG_DISPLAY_DRAW_TRANSPARENT;
	t.base.box = (struct sw_rect){ 2, 0, 3, 4 };
	t.src_color = 0x222222;
	struct imgspec st = sc1;
	st.img_flags = 0;
	sw_buf_reset(&b);
	struct sw_draw fill;
	memset(&fill, 0, sizeof(fill));
	fill.msg_type = SPICE_MSG_DISPLAY_DRAW_FILL;
	fill.base.box = (struct sw_rect){ 0, 0, 4, 4 };
	fill.brush.type = SPICE_BRUSH_TYPE_SOLID;
	fill.brush.color = 0x00aa00;
	fill.rop_descriptor = SPICE_ROPD_OP_PUT;
	sw_put_draw(&b, &fill);
	sw_display_apply(&d, SPICE_MSG_DISPLAY_DRAW_FILL, b.data, b.len);
	CHECK(apply_src_draw(&d, &t, 21, imgspec_put, &st) == 0, "transparent");
	CHECK(px_at(&d, 0, 0, 2) == 0x111111 && px_at(&d, 0, 1, 2) == 0x00aa00 && px_at(&d, 0, 2, 2) == 0x333333,
	      "transparent pixels");
	/* alpha blend, constant alpha 128 over green */
	struct sw_draw a = c;
	a.msg_type = SPICE_MSG_DISPLAY_DRAW_ALPHA_BLEND;
	a.base.box = (struct sw_rect){ 3, 0, 4, 4 };
	a.alpha = 128;
	const uint32_t red[4] = { 0xff0000, 0xff0000, 0xff0000, 0xff0000 };
	struct imgspec sa = { 9, 0, SPICE_BITMAP_FMT_32BIT, SPICE_BITMAP_FLAGS_TOP_DOWN, 4, 1, 16, red, NULL, 0, false };
	CHECK(apply_src_draw(&d, &a, 23, imgspec_put, &sa) == 0, "alpha blend");
	uint32_t v = px_at(&d, 0, 0, 3);
	CHECK((v >> 16) >= 0x7e && (v >> 16) <= 0x81 && ((v >> 8) & 0xff) >= 0x53 && ((v >> 8) & 0xff) <= 0x56,
	      "alpha pixel %06x", v);
	/* pattern brush: 2x1 pattern tiles the row */
	struct sw_draw pf = fill;
	pf.base.box = (struct sw_rect){ 0, 0, 1, 4 };
	pf.brush.type = SPICE_BRUSH_TYPE_PATTERN;
	pf.brush.pat_pos = (struct sw_point){ 0, 0 };
	const uint32_t pat[2] = { 0x0000ff, 0xffff00 };
	struct imgspec sp = { 10, 0, SPICE_BITMAP_FMT_32BIT, SPICE_BITMAP_FLAGS_TOP_DOWN, 2, 1, 8, pat, NULL, 0, false };
	pf.brush.pat_off = 1;	/* placeholder, patched below */
	CHECK(apply_src_draw(&d, &pf, 22, imgspec_put, &sp) == 0, "pattern: %s", d.last_error);
	CHECK(px_at(&d, 0, 0, 0) == 0x0000ff && px_at(&d, 0, 1, 0) == 0xffff00 && px_at(&d, 0, 2, 0) == 0x0000ff,
	      "pattern pixels");
	/* fill through a 1-bit mask: only set bits paint */
	struct sw_draw mf = fill;
	mf.base.box = (struct sw_rect){ 1, 0, 2, 4 };
	mf.brush.color = 0x123456;
	mf.mask.bitmap_off = 1;
	const uint8_t mbits[1] = { 0x90 };	/* 1001 */
	struct imgspec sm = { 11, 0, SPICE_BITMAP_FMT_1BIT_BE, SPICE_BITMAP_FLAGS_TOP_DOWN, 4, 1, 1, mbits, NULL, 0, false };
	CHECK(apply_src_draw(&d, &mf, 4 + 16 + 1 + 5 + 2 + 1 + 8, imgspec_put, &sm) == 0, "mask: %s", d.last_error);
	CHECK(px_at(&d, 0, 0, 1) == 0x123456 && px_at(&d, 0, 1, 1) != 0x123456 && px_at(&d, 0, 3, 1) == 0x123456,
	      "mask pixels %06x %06x", px_at(&d, 0, 0, 1), px_at(&d, 0, 1, 1));
	/* palette cache: PAL_CACHE_ME then PAL_FROM_CACHE */
	struct imgspec spc = s8;
	spc.id = 20;
	spc.bm_flags |= SPICE_BITMAP_FLAGS_PAL_CACHE_ME;
	c.base.box = (struct sw_rect){ 0, 0, 1, 4 };
	CHECK(apply_src_draw(&d, &c, 21, imgspec_put, &spc) == 0, "pal cache me");
	sw_buf_reset(&b);
	sw_put_draw(&b, &c);
	uint32_t off = (uint32_t)b.len;
	sw_w64(&b, 21);
	sw_w8(&b, SPICE_IMAGE_TYPE_BITMAP);
	sw_w8(&b, 0);
	sw_w32(&b, 4);
	sw_w32(&b, 1);
	sw_w8(&b, SPICE_BITMAP_FMT_8BIT);
	sw_w8(&b, SPICE_BITMAP_FLAGS_TOP_DOWN | SPICE_BITMAP_FLAGS_PAL_FROM_CACHE);
	sw_w32(&b, 4);
	sw_w32(&b, 1);
	sw_w32(&b, 4);
	sw_w64(&b, 1020);	/* palette unique id of image 20 */
	const uint8_t idx2[4] = { 2, 2, 2, 2 };
	sw_wbytes(&b, idx2, 4);
	sw_patch32(&b, 21, off);
	CHECK(sw_display_apply(&d, SPICE_MSG_DISPLAY_DRAW_COPY, b.data, b.len) == 0, "pal from cache: %s",
	      d.last_error);
	CHECK(px_at(&d, 0, 3, 0) == 0x708090, "pal cache pixels");
	const uint8_t ipal[8] = { 0xfc, 3 };	/* 1020 */
	sw_display_apply(&d, SPICE_MSG_DISPLAY_INVAL_PALETTE, ipal, 8);
	CHECK(sw_display_apply(&d, SPICE_MSG_DISPLAY_DRAW_COPY, b.data, b.len) == -EPROTO, "invalidated palette used");
	/* scaled copy: 2x1 source stretched over 4x1 */
	struct sw_draw sc2 = c;
	sc2.base.box = (struct sw_rect){ 0, 0, 1, 4 };
	sc2.src_area = (struct sw_rect){ 0, 0, 1, 2 };
	CHECK(apply_src_draw(&d, &sc2, 21, imgspec_put, &sp) == 0, "scaled");
	CHECK(px_at(&d, 0, 0, 0) == 0x0000ff && px_at(&d, 0, 1, 0) == 0x0000ff && px_at(&d, 0, 2, 0) == 0xffff00,
	      "scaled pixels");
	sw_display_free(&d);
	sw_buf_free(&b);
	return 0;
}


/* DRAW_COMPOSITE on a 4x4 xRGB surface: box (x, y, w, h), a 1x1 or wxh RGBA
 * source, an optional 8-bit alpha mask. */
static int composite(struct sw_display *d, uint32_t flags, int32_t x, int32_t y, int32_t w, int32_t h,
		     const uint32_t *src, uint32_t sw_, uint32_t sh, const uint8_t *mask, uint32_t mw, uint32_t mh,
		     const uint32_t *transform)
{
	struct sw_draw c;
	memset(&c, 0, sizeof(c));
	c.msg_type = SPICE_MSG_DISPLAY_DRAW_COMPOSITE;
	c.base.box = (struct sw_rect){ y, x, y + h, x + w };
	c.comp_flags = flags | (mask ? SPICE_COMPOSITE_HAS_MASK : 0) | (transform ? SPICE_COMPOSITE_HAS_SRC_TRANSFORM : 0);
	if (transform)
		memcpy(c.src_transform, transform, sizeof(c.src_transform));
	struct sw_buf b;
	sw_buf_init(&b);
	sw_put_draw(&b, &c);
	uint32_t off, moff;
	sw_put_image_bitmap(&b, 1, SPICE_BITMAP_FMT_RGBA, SPICE_BITMAP_FLAGS_TOP_DOWN, sw_, sh, sw_ * 4, src, &off);
	sw_patch32(&b, 25, off);
	if (mask) {
		sw_put_image_bitmap(&b, 2, SPICE_BITMAP_FMT_8BIT_A, SPICE_BITMAP_FLAGS_TOP_DOWN, mw, mh, mw, mask, &moff);
		sw_patch32(&b, 29, moff);
	}
	int err = sw_display_apply(d, SPICE_MSG_DISPLAY_DRAW_COMPOSITE, b.data, b.len);
	sw_buf_free(&b);
	return err;
}

static int t_composite(void)
{
	struct sw_display d;
	sw_display_init(&d, 1 << 20);
	struct sw_buf b;
	sw_buf_init(&b);
	struct sw_surface_create sc = { 0, 4, 4, SPICE_SURFACE_FMT_32_xRGB, SPICE_SURFACE_FLAGS_PRIMARY };
	sw_put_surface_create(&b, &sc);
	sw_display_apply(&d, SPICE_MSG_DISPLAY_SURFACE_CREATE, b.data, b.len);
	struct sw_draw f;
	memset(&f, 0, sizeof(f));
	f.msg_type = SPICE_MSG_DISPLAY_DRAW_FILL;
	f.base.box = (struct sw_rect){ 0, 0, 4, 4 };
	f.brush.type = SPICE_BRUSH_TYPE_SOLID;
	f.brush.color = 0x0000ff;
	f.rop_descriptor = SPICE_ROPD_OP_PUT;
	sw_buf_reset(&b);
	sw_put_draw(&b, &f);
	sw_display_apply(&d, SPICE_MSG_DISPLAY_DRAW_FILL, b.data, b.len);
	/* OVER: 50% red (premultiplied) over blue */
	const uint32_t half_red = 0x80800000;
	CHECK(composite(&d, 3, 0, 0, 1, 1, &half_red, 1, 1, NULL, 0, 0, NULL) == 0, "over: %s", d.last_error);
	CHECK(px_at(&d, 0, 0, 0) == 0x80007f, "over pixel %06x", px_at(&d, 0, 0, 0));
	/* ADD */
	CHECK(composite(&d, 12, 1, 0, 1, 1, &half_red, 1, 1, NULL, 0, 0, NULL) == 0, "add");
	CHECK(px_at(&d, 0, 1, 0) == 0x8000ff, "add pixel %06x", px_at(&d, 0, 1, 0));
	/* SRC through an A8 mask of 0x40 */
	const uint32_t white = 0xffffffff;
	const uint8_t m40 = 0x40;
	CHECK(composite(&d, 1, 2, 0, 1, 1, &white, 1, 1, &m40, 1, 1, NULL) == 0, "src mask");
	CHECK(px_at(&d, 0, 2, 0) == 0x404040, "mask pixel %06x", px_at(&d, 0, 2, 0));
	/* repeat NORMAL of a 1x1 green over a 2x2 box; without repeat only (0,0) */
	const uint32_t green = 0xff00ff00;
	CHECK(composite(&d, 1 | SPICE_COMPOSITE_SRC_REPEAT0, 0, 2, 2, 2, &green, 1, 1, NULL, 0, 0, NULL) == 0, "rep");
	CHECK(px_at(&d, 0, 1, 3) == 0x00ff00, "repeat pixel");
	CHECK(composite(&d, 1, 2, 2, 2, 2, &white, 1, 1, NULL, 0, 0, NULL) == 0, "norep");
	CHECK(px_at(&d, 0, 2, 2) == 0xffffff && px_at(&d, 0, 3, 3) == 0, "no-repeat pixels %06x", px_at(&d, 0, 3, 3));
	/* integer translation transforms are rendered, others counted */
	const uint32_t shift[6] = { 0x10000, 0, 0, 0, 0x10000, 0 };
	uint64_t before = d.unrendered;
	CHECK(composite(&d, 1, 3, 3, 1, 1, &green, 1, 1, NULL, 0, 0, shift) == 0 && d.unrendered == before &&
		      px_at(&d, 0, 3, 3) == 0x00ff00,
	      "identity transform");
	const uint32_t scale[6] = { 0x20000, 0, 0, 0, 0x20000, 0 };
	CHECK(composite(&d, 1, 3, 3, 1, 1, &white, 1, 1, NULL, 0, 0, scale) == 0 && d.unrendered == before + 1,
	      "scaling transform not counted");
	sw_display_free(&d);
	sw_buf_free(&b);
	return 0;
}

/* ---- channel layer over a socketpair ---------------------------------- */
/* A channel object over the socket fd, or NULL when out of memory. */
static struct sw_channel *channel_on(int fd)
{
	struct sw_channel *ch = sw_channel_new();

	if (ch)
		sw_channel_from_fd(ch, fd, true);
	else
		close(fd);
	return ch;
}

static int server_side(int fd)
{
	struct sw_channel *s = channel_on(fd);
	if (!s)
		return 9;
	EVP_PKEY *key = EVP_RSA_gen(1024);
	struct sw_link_reply rep;
	memset(&rep, 0, sizeof(rep));
	uint8_t *der = rep.pub_key;
	if (!key || i2d_PUBKEY(key, &der) != SPICE_TICKET_PUBKEY_BYTES)
		return 10;
	sw_caps_set(rep.common_caps, &rep.num_common_caps, SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION);
	sw_caps_set(rep.common_caps, &rep.num_common_caps, SPICE_COMMON_CAP_AUTH_SPICE);
	sw_caps_set(rep.common_caps, &rep.num_common_caps, SPICE_COMMON_CAP_MINI_HEADER);
	struct sw_link_mess got;
	if (sw_server_accept_link(s, &rep, &got, 5000))
		return 11;
	if (!sw_channel_mini_header(s) || got.channel_type != SPICE_CHANNEL_DISPLAY)
		return 12;
	struct sw_buf b;
	sw_buf_init(&b);
	struct sw_set_ack a = { 7, 2 };
	sw_put_set_ack(&b, &a);
	sw_channel_send(s, SPICE_MSG_SET_ACK, b.data, b.len);
	struct sw_msg m;
	if (sw_channel_read(s, &m, 5000) || m.type != SPICE_MSGC_ACK_SYNC || sw_le32(m.data) != 7)
		return 13;
	sw_buf_reset(&b);
	struct sw_ping p = { 42, 1234, NULL, 0 };
	sw_put_ping(&b, &p);
	sw_channel_send(s, SPICE_MSG_PING, b.data, b.len);	/* message 1 of the window */
	if (sw_channel_read(s, &m, 5000) || m.type != SPICE_MSGC_PONG || sw_le32(m.data) != 42)
		return 14;
	/* a LIST with MARK + MODE: message 2 of the window -> ACK */
	sw_buf_reset(&b);
	sw_w16(&b, 2);
	sw_w32(&b, 10);
	sw_w32(&b, 16);
	sw_w16(&b, SPICE_MSG_DISPLAY_MARK);
	sw_w32(&b, 0);
	sw_w16(&b, SPICE_MSG_DISPLAY_MODE);
	sw_w32(&b, 12);
	for (int i = 0; i < 3; i++)
		sw_w32(&b, 1);
	sw_channel_send(s, SPICE_MSG_LIST, b.data, b.len);
	if (sw_channel_read(s, &m, 5000) || m.type != SPICE_MSGC_ACK)
		return 15;
	/* a GL_SCANOUT_UNIX with an fd */
	sw_buf_reset(&b);
	struct sw_gl_scanout gs = { 4, 4, 16, 0x34325258, 0 };
	sw_put_gl_scanout(&b, &gs);
	int pfd[2];
	if (pipe(pfd))
		return 16;
	if (sw_channel_send_fds(s, SPICE_MSG_DISPLAY_GL_SCANOUT_UNIX, b.data, b.len, &pfd[0], 1))
		return 17;
	close(pfd[0]);
	if (write(pfd[1], "Z", 1) != 1)
		return 18;
	close(pfd[1]);
	if (sw_channel_read(s, &m, 5000) || m.type != SPICE_MSGC_DISPLAY_GL_DRAW_DONE)
		return 19;
	/* finally a malformed SURFACE_CREATE */
	sw_channel_send(s, SPICE_MSG_DISPLAY_SURFACE_CREATE, "abc", 3);
	sw_buf_free(&b);
	EVP_PKEY_free(key);
	/* wait for the client to close */
	sw_channel_read(s, &m, 5000);
	sw_channel_free(s);
	return 0;
}

static int t_channel(void)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		close(sv[0]);
		_exit(server_side(sv[1]));
	}
	close(sv[1]);
	struct sw_channel *c = channel_on(sv[0]);
	CHECK(c, "out of memory");
	const char *msg = sw_channel_errmsg(c);	/* follows the channel's state */
	struct sw_channel_opts o;
	sw_channel_default_opts(&o, SPICE_CHANNEL_DISPLAY, 0);
	o.password = "pw";
	o.timeout_ms = 5000;
	int err = sw_channel_link(c, &o);
	CHECK(err == 0, "link: %s", msg);
	CHECK(sw_channel_mini_header(c), "mini header not negotiated");
	struct sw_msg m;
	CHECK(sw_channel_read(c, &m, 5000) == 0 && m.type == SPICE_MSG_SET_ACK, "set_ack: %s", msg);
	CHECK(sw_channel_read(c, &m, 5000) == 0 && m.type == SPICE_MSG_PING, "ping: %s", msg);
	CHECK(sw_channel_read(c, &m, 5000) == 0 && m.type == SPICE_MSG_LIST, "list: %s", msg);
	CHECK(sw_channel_read(c, &m, 5000) == 0 && m.type == SPICE_MSG_DISPLAY_MARK, "sub 1: %s", msg);
	CHECK(sw_channel_read(c, &m, 5000) == 0 && m.type == SPICE_MSG_DISPLAY_MODE && m.size == 12,
	      "sub 2: %s", msg);
	CHECK(sw_channel_read(c, &m, 5000) == 0 && m.type == SPICE_MSG_DISPLAY_GL_SCANOUT_UNIX && m.nfds == 1,
	      "gl scanout fd: %s (nfds %d)", msg, m.nfds);
	char z = 0;
	CHECK(read(m.fds[0], &z, 1) == 1 && z == 'Z', "fd content");
	close(m.fds[0]);
	CHECK(sw_channel_send(c, SPICE_MSGC_DISPLAY_GL_DRAW_DONE, NULL, 0) == 0, "gl_draw_done");
	err = sw_channel_read(c, &m, 5000);
	CHECK(err == -EBADMSG && sw_channel_closed(c) && strstr(msg, "surface_create"),
	      "malformed message: err %d closed %d msg '%s'", err, sw_channel_closed(c), msg);
	CHECK(sw_channel_read(c, &m, 100) != 0, "read after close");
	sw_channel_free(c);
	int st;
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "server side failed with %d", WEXITSTATUS(st));
	return 0;
}


/* Full 18-byte headers (no MINI_HEADER) and a message carrying a sub_list. */
static int full_header_server(int fd)
{
	struct sw_channel *s = channel_on(fd);
	if (!s)
		return 9;
	EVP_PKEY *key = EVP_RSA_gen(1024);
	struct sw_link_reply rep;
	memset(&rep, 0, sizeof(rep));
	uint8_t *der = rep.pub_key;
	if (!key || i2d_PUBKEY(key, &der) != SPICE_TICKET_PUBKEY_BYTES)
		return 10;
	sw_caps_set(rep.common_caps, &rep.num_common_caps, SPICE_COMMON_CAP_MINI_HEADER);
	struct sw_link_mess got;
	if (sw_server_accept_link(s, &rep, &got, 5000) || sw_channel_mini_header(s))
		return 11;
	/* MODE (12 bytes) followed by a sub-list holding one SET_ACK */
	struct sw_buf b;
	sw_buf_init(&b);
	struct sw_header h = { 7, SPICE_MSG_DISPLAY_MODE, 12 + 2 + 4 + 6 + 8, 12 };
	uint8_t hdr[SW_FULL_HEADER_SIZE];
	sw_put_header(hdr, false, &h);
	sw_wbytes(&b, hdr, sizeof(hdr));
	for (int i = 0; i < 3; i++)
		sw_w32(&b, 64);
	sw_w16(&b, 1);
	sw_w32(&b, 18);
	sw_w16(&b, SPICE_MSG_SET_ACK);
	sw_w32(&b, 8);
	sw_w32(&b, 3);
	sw_w32(&b, 10);
	if (write(fd, b.data, b.len) != (ssize_t)b.len)
		return 12;
	struct sw_msg m;
	if (sw_channel_read(s, &m, 5000) || m.type != SPICE_MSGC_ACK_SYNC || sw_le32(m.data) != 3 || m.serial != 1)
		return 13;
	sw_buf_free(&b);
	EVP_PKEY_free(key);
	sw_channel_free(s);
	return 0;
}

static int t_channel_full_header(void)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		close(sv[0]);
		_exit(full_header_server(sv[1]));
	}
	close(sv[1]);
	struct sw_channel *c = channel_on(sv[0]);
	CHECK(c, "out of memory");
	const char *msg = sw_channel_errmsg(c);	/* follows the channel's state */
	struct sw_channel_opts o;
	sw_channel_default_opts(&o, SPICE_CHANNEL_DISPLAY, 0);
	o.common_caps[0] &= ~(1u << SPICE_COMMON_CAP_MINI_HEADER);
	o.timeout_ms = 5000;
	CHECK(sw_channel_link(c, &o) == 0 && !sw_channel_mini_header(c), "link: %s", msg);
	struct sw_msg m;
	CHECK(sw_channel_read(c, &m, 5000) == 0 && m.type == SPICE_MSG_DISPLAY_MODE && m.size == 12 &&
		      m.serial == 7,
	      "main message: %s type %u size %u serial %llu", msg, m.type, m.size, (unsigned long long)m.serial);
	CHECK(sw_channel_read(c, &m, 5000) == 0 && m.type == SPICE_MSG_SET_ACK && c->ack_window == 10,
	      "sub-message: %s", msg);
	int st;
	waitpid(pid, &st, 0);
	sw_channel_free(c);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "server side failed with %d", WEXITSTATUS(st));
	return 0;
}

static int t_timeout(void)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	struct sw_channel *c = channel_on(sv[0]);
	CHECK(c, "out of memory");
	sw_channel_set_timeout(c, 200);
	struct sw_msg m;
	int err = sw_channel_read(c, &m, 200);
	CHECK(err == -ETIMEDOUT && sw_channel_closed(c), "no timeout: %d", err);
	/* peer closes mid-link */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	close(sv[1]);
	sw_channel_from_fd(c, sv[0], true);
	struct sw_channel_opts o;
	sw_channel_default_opts(&o, SPICE_CHANNEL_MAIN, 0);
	o.timeout_ms = 1000;
	err = sw_channel_link(c, &o);
	CHECK(err == -EIO && sw_channel_errmsg(c)[0], "closed peer: %d '%s'", err, sw_channel_errmsg(c));
	sw_channel_free(c);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "--corpus")) {
		corpus_dir = argv[2];
		mkdir(corpus_dir, 0755);
	}
	run("reader", t_reader);
	run("writer", t_writer);
	run("link_mess", t_link_mess);
	run("link_reply", t_link_reply);
	run("ticket_rsa_oaep", t_ticket);
	run("headers", t_headers);
	run("sublist", t_sublist);
	run("base_messages", t_base);
	run("main_messages", t_main);
	run("migration", t_migration);
	run("migration_client", t_migration_client);
	run("agent_monitors_config", t_agent);
	run("msg_is_draw", t_msg_is_draw);
	run("draw_messages", t_draws);
	run("stroke_text", t_stroke_text);
	run("display_messages", t_display_misc);
	run("gl_messages", t_gl);
	run("display_client_messages", t_display_client);
	run("cursor_messages", t_cursor);
	run("inputs_messages", t_inputs);
	run("playback_record", t_audio);
	run("port_messages", t_port);
	run("streamdev_header", t_streamdev_header);
	run("streamdev_messages", t_streamdev_messages);
	run("streamdev_io", t_streamdev_io);
	run("json_log", t_json);
	run("display_model", t_model);
	run("display_model_formats_caches", t_model_formats);
	run("display_model_mjpeg_streams", t_model_streams);
	run("display_model_composite", t_composite);
	run("channel_socketpair", t_channel);
	run("channel_full_header_sub_list", t_channel_full_header);
	run("channel_timeouts", t_timeout);
	printf("%d passed, %d failed\n", passes, failures);
	return failures ? 1 : 0;
}

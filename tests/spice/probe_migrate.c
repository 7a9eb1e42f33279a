// SPDX-License-Identifier: MIT
/*
 * spice-probe's migration code against a scripted fake spice-server (source
 * and destination main channels on 127.0.0.1, libspice-wire's server side):
 * the protocol steps of seamless, semi-seamless (also after a seamless NACK),
 * MIGRATE_CANCEL and SWITCH_HOST, and bad input from the source, which must
 * end in a clear error and a non-zero exit, never a crash or a hang.
 *
 *   test-probe-migrate PATH-TO-SPICE-PROBE WORKDIR
 *
 * Prints "PASS probe_migrate/<name>" or "FAIL probe_migrate/<name>: <why>"
 * per scenario, then "N passed, N failed"; exits 1 if any failed. The probe
 * runs with --channels main; every wait is bounded; the probe is stopped by
 * its PID.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "spice-wire.h"
#include "check.h"

#define SESSION 42
#define T_MS 5000

static const char *probe_path, *work;
static struct sw_link_reply reply;

struct fake {
	int lsrc, ldst, psrc, pdst;	/* listeners and their ports */
	struct sw_channel *src, *dst;
	pid_t pid;
	char log[512], err[512];
};

static int listen_port(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof(a);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 4) ||
	    getsockname(fd, (struct sockaddr *)&a, &l))
		return -1;
	*port = ntohs(a.sin_port);
	return fd;
}

/* Accepts one connection on lfd (bounded) and runs the server link stage. */
static int accept_link(int lfd, struct sw_channel *ch, struct sw_link_mess *got)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	CHECK(poll(&p, 1, T_MS) == 1, "no connection within %d ms", T_MS);
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	CHECK(fd >= 0, "accept: %s", strerror(errno));
	fcntl(fd, F_SETFL, O_NONBLOCK);
	sw_channel_from_fd(ch, fd, false);
	CHECK(sw_server_accept_link(ch, &reply, got, T_MS) == 0, "link: %s", sw_channel_errmsg(ch));
	CHECK(got->channel_type == SPICE_CHANNEL_MAIN, "linked channel type %u", got->channel_type);
	return 0;
}

/* Next client message, skipping PONG/ACK_SYNC/ACK. */
static int expect(struct sw_channel *ch, uint16_t type, struct sw_msg *m, const char *where)
{
	for (;;) {
		CHECK(sw_channel_read(ch, m, T_MS) == 0, "%s: waiting for %s: %s", where,
		      sw_msg_name(SPICE_CHANNEL_MAIN, false, type), sw_channel_errmsg(ch));
		if (m->type == SPICE_MSGC_PONG || m->type == SPICE_MSGC_ACK_SYNC || m->type == SPICE_MSGC_ACK)
			continue;
		CHECK(m->type == type, "%s: got %s, expected %s", where, sw_msg_name(SPICE_CHANNEL_MAIN, false, m->type),
		      sw_msg_name(SPICE_CHANNEL_MAIN, false, type));
		return 0;
	}
}

static int send_buf(struct sw_channel *ch, uint16_t type, struct sw_buf *b)
{
	int err = b->err ? b->err : sw_channel_send(ch, type, b->data, b->len);
	sw_buf_reset(b);
	return err;
}

static int send_init(struct sw_channel *ch, uint32_t session)
{
	struct sw_main_init in = { session, 1, SPICE_MOUSE_MODE_SERVER, SPICE_MOUSE_MODE_SERVER, 0, 0, 0, 0 };
	struct sw_buf b;
	sw_buf_init(&b);
	sw_put_main_init(&b, &in);
	int err = send_buf(ch, SPICE_MSG_MAIN_INIT, &b);
	sw_buf_free(&b);
	return err;
}

/* SPICE_MSG_PING on ch must come back as PONG: the probe reads ch. */
static int ping(struct sw_channel *ch, const char *where)
{
	struct sw_ping pg = { 7, 1234, NULL, 0 };
	struct sw_buf b;
	sw_buf_init(&b);
	sw_put_ping(&b, &pg);
	CHECK(send_buf(ch, SPICE_MSG_PING, &b) == 0, "%s: sending PING", where);
	sw_buf_free(&b);
	struct sw_msg m;
	CHECK(sw_channel_read(ch, &m, T_MS) == 0 && m.type == SPICE_MSGC_PONG, "%s: no PONG (%s, type %u)",
	      where, sw_channel_errmsg(ch), m.type);
	return 0;
}

static int send_dst(struct fake *f, uint16_t type, const char *host, uint32_t host_size, int port)
{
	struct sw_migration_dst d = { (uint16_t)port, 0xffff, host_size, (const uint8_t *)host, 0, NULL, 1 };
	struct sw_buf b;
	sw_buf_init(&b);
	sw_put_migration_dst(&b, type == SPICE_MSG_MAIN_MIGRATE_BEGIN_SEAMLESS, &d);
	int err = send_buf(f->src, type, &b);
	sw_buf_free(&b);
	return err;
}

static int send_u32(struct sw_channel *ch, uint16_t type, uint32_t v)
{
	struct sw_buf b;
	sw_buf_init(&b);
	sw_put_u32_msg(&b, v);
	int err = send_buf(ch, type, &b);
	sw_buf_free(&b);
	return err;
}

/* No message from the probe on ch for ms (without consuming anything). */
static bool quiet(struct sw_channel *ch, int ms)
{
	struct pollfd p = { .fd = sw_channel_fd(ch), .events = POLLIN };
	return poll(&p, 1, ms) == 0;
}

/* The probe closed ch (reads EOF within T_MS). */
static bool closed_by_probe(struct sw_channel *ch)
{
	struct sw_msg m;
	for (;;) {
		int err = sw_channel_read(ch, &m, T_MS);
		if (err)
			return err == -EIO;
	}
}

static int start(struct fake *f, const char *name, const char *cap)
{
	memset(f, 0, sizeof(*f));
	f->src = sw_channel_new();
	f->dst = sw_channel_new();
	CHECK(f->src && f->dst, "out of memory");
	f->lsrc = listen_port(&f->psrc);
	f->ldst = listen_port(&f->pdst);
	CHECK(f->lsrc >= 0 && f->ldst >= 0, "listen: %s", strerror(errno));
	snprintf(f->log, sizeof(f->log), "%s/pm-%s.json", work, name);
	snprintf(f->err, sizeof(f->err), "%s/pm-%s.err", work, name);
	char port[16];
	snprintf(port, sizeof(port), "%d", f->psrc);
	fflush(stdout);
	f->pid = fork();
	CHECK(f->pid >= 0, "fork");
	if (f->pid == 0) {
		int e = open(f->err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(e, 2);
		int nul = open("/dev/null", O_RDWR);
		dup2(nul, 0);
		dup2(nul, 1);
		if (cap)
			execl(probe_path, probe_path, "-p", port, "--channels", "main", "-t", "30", "-l", f->log,
			      "--cap", cap, (char *)NULL);
		else
			execl(probe_path, probe_path, "-p", port, "--channels", "main", "-t", "30", "-l", f->log,
			      (char *)NULL);
		_exit(127);
	}
	struct sw_link_mess got;
	if (accept_link(f->lsrc, f->src, &got))
		return 1;
	CHECK(got.connection_id == 0, "first link with connection_id %u", got.connection_id);
	CHECK(send_init(f->src, SESSION) == 0, "sending MAIN_INIT");
	struct sw_msg m;
	return expect(f->src, SPICE_MSGC_MAIN_ATTACH_CHANNELS, &m, "source");
}

/* Waits (bounded) for the probe to exit; SIGTERM first if term. Returns its
 * exit status, or -1 (killed: it hung). */
static int finish(struct fake *f, bool term)
{
	if (term)
		kill(f->pid, SIGTERM);
	int st = 0;
	for (int i = 0; i < 100; i++) {
		if (waitpid(f->pid, &st, WNOHANG) == f->pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		usleep(50000);
	}
	kill(f->pid, SIGKILL);
	waitpid(f->pid, &st, 0);
	return -1;
}

static void cleanup(struct fake *f)
{
	if (f->pid > 0 && waitpid(f->pid, NULL, WNOHANG) == 0) {
		kill(f->pid, SIGKILL);
		waitpid(f->pid, NULL, 0);
	}
	sw_channel_free(f->src);
	sw_channel_free(f->dst);
	close(f->lsrc);
	close(f->ldst);
}

static bool file_has(const char *path, const char *s)
{
	char buf[65536];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	return strstr(buf, s) != NULL;
}

/* Links the destination main channel; checks the source session id. */
static int dst_link(struct fake *f)
{
	struct sw_link_mess got;
	if (accept_link(f->ldst, f->dst, &got))
		return 1;
	CHECK(got.connection_id == SESSION, "destination linked with connection_id %u, not %u", got.connection_id,
	      SESSION);
	return 0;
}

static int t_semi_seamless(struct fake *f)
{
	struct sw_msg m;
	CHECK(send_dst(f, SPICE_MSG_MAIN_MIGRATE_BEGIN, "127.0.0.1", 10, f->pdst) == 0, "send BEGIN");
	if (dst_link(f) || expect(f->src, SPICE_MSGC_MAIN_MIGRATE_CONNECTED, &m, "source"))
		return 1;
	CHECK(quiet(f->dst, 300), "the probe sent something to the destination before the switch");
	CHECK(sw_channel_send(f->src, SPICE_MSG_MAIN_MIGRATE_END, NULL, 0) == 0, "send END");
	CHECK(closed_by_probe(f->src), "source main channel not closed after MIGRATE_END");
	if (expect(f->dst, SPICE_MSGC_MAIN_MIGRATE_END, &m, "destination"))
		return 1;
	CHECK(send_init(f->dst, SESSION) == 0, "destination MAIN_INIT");
	/* no ATTACH_CHANNELS: the next thing from the probe is the PONG */
	if (ping(f->dst, "destination after MAIN_INIT"))
		return 1;
	int rc = finish(f, true);
	CHECK(rc == 0, "probe exited %d", rc);
	CHECK(file_has(f->log, "\"migration\":\"switched\",\"protocol\":\"semi-seamless\""), "no switched in the log");
	return 0;
}

static int seamless_handshake(struct fake *f, uint16_t reply_type, uint16_t want)
{
	struct sw_msg m;
	CHECK(send_dst(f, SPICE_MSG_MAIN_MIGRATE_BEGIN_SEAMLESS, "127.0.0.1", 10, f->pdst) == 0, "send BEGIN");
	if (dst_link(f) || expect(f->dst, SPICE_MSGC_MAIN_MIGRATE_DST_DO_SEAMLESS, &m, "destination"))
		return 1;
	CHECK(m.size == 4 && sw_le32(m.data) == 1, "DO_SEAMLESS without src_version 1");
	CHECK(sw_channel_send(f->dst, reply_type, NULL, 0) == 0, "send ACK/NACK");
	return expect(f->src, want, &m, "source");
}

static int t_seamless(struct fake *f)
{
	struct sw_msg m;
	if (seamless_handshake(f, SPICE_MSG_MAIN_MIGRATE_DST_SEAMLESS_ACK, SPICE_MSGC_MAIN_MIGRATE_CONNECTED_SEAMLESS))
		return 1;
	CHECK(send_u32(f->src, SPICE_MSG_MIGRATE, SPICE_MIGRATE_NEED_FLUSH | SPICE_MIGRATE_NEED_DATA_TRANSFER) == 0,
	      "send MIGRATE");
	if (expect(f->src, SPICE_MSGC_MIGRATE_FLUSH_MARK, &m, "source"))
		return 1;
	CHECK(sw_channel_send(f->src, SPICE_MSG_MIGRATE_DATA, "state", 5) == 0, "send MIGRATE_DATA");
	if (expect(f->dst, SPICE_MSGC_MIGRATE_DATA, &m, "destination"))
		return 1;
	CHECK(m.size == 5 && !memcmp(m.data, "state", 5), "migration data changed on the way");
	if (ping(f->dst, "destination after the switch"))
		return 1;
	CHECK(closed_by_probe(f->src), "source not closed after the switch");
	int rc = finish(f, true);
	CHECK(rc == 0, "probe exited %d", rc);
	CHECK(file_has(f->log, "\"migration\":\"switched\",\"protocol\":\"seamless\""), "no switched in the log");
	return 0;
}

/* Seamless there, then semi-seamless on from there (to the same listener):
 * the migration state must be clean after the first one. */
static int t_twice(struct fake *f)
{
	if (seamless_handshake(f, SPICE_MSG_MAIN_MIGRATE_DST_SEAMLESS_ACK, SPICE_MSGC_MAIN_MIGRATE_CONNECTED_SEAMLESS))
		return 1;
	CHECK(send_u32(f->src, SPICE_MSG_MIGRATE, 0) == 0, "send MIGRATE");
	CHECK(closed_by_probe(f->src), "source not closed after the switch");
	sw_channel_close(f->src);
	struct sw_channel *old = f->src;
	f->src = f->dst;	/* the destination is the source now */
	f->dst = old;		/* closed, for the next destination link */
	if (ping(f->src, "new source"))
		return 1;
	return t_semi_seamless(f);
}

static int t_nack_then_cancel(struct fake *f)
{
	if (seamless_handshake(f, SPICE_MSG_MAIN_MIGRATE_DST_SEAMLESS_NACK, SPICE_MSGC_MAIN_MIGRATE_CONNECTED))
		return 1;
	CHECK(sw_channel_send(f->src, SPICE_MSG_MAIN_MIGRATE_CANCEL, NULL, 0) == 0, "send CANCEL");
	CHECK(closed_by_probe(f->dst), "destination not closed after MIGRATE_CANCEL");
	if (ping(f->src, "source after the cancel"))
		return 1;
	int rc = finish(f, true);
	CHECK(rc == 0, "probe exited %d", rc);
	CHECK(file_has(f->log, "\"migration\":\"none\""), "summary does not say migration none");
	return 0;
}

static int t_switch_host(struct fake *f)
{
	struct sw_msg m;
	CHECK(send_dst(f, SPICE_MSG_MAIN_MIGRATE_SWITCH_HOST, "127.0.0.1", 9, f->pdst) == 0, "send SWITCH_HOST");
	struct sw_link_mess got;
	if (accept_link(f->ldst, f->dst, &got))
		return 1;
	CHECK(got.connection_id == 0, "switch-host linked with connection_id %u, not 0", got.connection_id);
	CHECK(closed_by_probe(f->src), "source not closed after SWITCH_HOST");
	CHECK(send_init(f->dst, 77) == 0, "MAIN_INIT");
	if (expect(f->dst, SPICE_MSGC_MAIN_ATTACH_CHANNELS, &m, "new session"))
		return 1;
	int rc = finish(f, true);
	CHECK(rc == 0, "probe exited %d", rc);
	return 0;
}

/* Bad input: the probe must exit 1 with msg on stderr (or, for a bad
 * destination, refuse the migration and go on). */
static int exits_with(struct fake *f, const char *msg)
{
	int rc = finish(f, false);
	CHECK(rc == 1, "probe exited %d, expected 1", rc);
	CHECK(file_has(f->err, msg), "stderr lacks \"%s\"", msg);
	return 0;
}

static int t_bad_host_then_stray_end(struct fake *f)
{
	struct sw_msg m;
	CHECK(send_dst(f, SPICE_MSG_MAIN_MIGRATE_BEGIN, "a\0b", 3, f->pdst) == 0, "send BEGIN");
	if (expect(f->src, SPICE_MSGC_MAIN_MIGRATE_CONNECT_ERROR, &m, "source"))
		return 1;
	CHECK(file_has(f->err, "bad destination in MIGRATE_BEGIN"), "no message about the bad host");
	if (ping(f->src, "source after the refusal"))
		return 1;
	/* a quote would break the JSON log */
	CHECK(send_dst(f, SPICE_MSG_MAIN_MIGRATE_BEGIN, "x\"y", 3, f->pdst) == 0, "send BEGIN");
	if (expect(f->src, SPICE_MSGC_MAIN_MIGRATE_CONNECT_ERROR, &m, "source"))
		return 1;
	CHECK(sw_channel_send(f->src, SPICE_MSG_MAIN_MIGRATE_END, NULL, 0) == 0, "send END");
	return exits_with(f, "MIGRATE_END from the source without a connected destination");
}

static int t_migrate_without_seamless(struct fake *f)
{
	CHECK(send_u32(f->src, SPICE_MSG_MIGRATE, SPICE_MIGRATE_NEED_DATA_TRANSFER) == 0, "send MIGRATE");
	return exits_with(f, "MIGRATE from the source without a seamless migration");
}

static int t_no_migrate_data(struct fake *f)
{
	if (seamless_handshake(f, SPICE_MSG_MAIN_MIGRATE_DST_SEAMLESS_ACK, SPICE_MSGC_MAIN_MIGRATE_CONNECTED_SEAMLESS))
		return 1;
	CHECK(send_u32(f->src, SPICE_MSG_MIGRATE, SPICE_MIGRATE_NEED_DATA_TRANSFER) == 0, "send MIGRATE");
	CHECK(sw_channel_send(f->src, SPICE_MSG_MAIN_MIGRATE_END, NULL, 0) == 0, "send END");
	return exits_with(f, "expected MIGRATE_DATA after MIGRATE, got migrate_end");
}

static int t_bad_flags(struct fake *f)
{
	CHECK(send_u32(f->src, SPICE_MSG_MIGRATE, 0x80) == 0, "send MIGRATE");
	return exits_with(f, "MIGRATE with unknown flags");
}

static int t_no_seamless_reply(struct fake *f)
{
	struct sw_msg m;
	CHECK(send_dst(f, SPICE_MSG_MAIN_MIGRATE_BEGIN_SEAMLESS, "127.0.0.1", 10, f->pdst) == 0, "send BEGIN");
	if (dst_link(f) || expect(f->dst, SPICE_MSGC_MAIN_MIGRATE_DST_DO_SEAMLESS, &m, "destination"))
		return 1;
	/* no ACK/NACK: the probe gives up after its 10 s bound */
	struct pollfd p = { .fd = sw_channel_fd(f->src), .events = POLLIN };
	CHECK(poll(&p, 1, 15000) == 1, "the probe is still waiting after 15 s");
	if (expect(f->src, SPICE_MSGC_MAIN_MIGRATE_CONNECT_ERROR, &m, "source"))
		return 1;
	CHECK(file_has(f->err, "seamless handshake failed (no MIGRATE_DST_SEAMLESS_ACK/NACK"), "stderr does not say why");
	return ping(f->src, "source after the refusal") || finish(f, true) != 0;
}

static void run(const char *name, int (*fn)(struct fake *), const char *cap)
{
	struct fake f;
	why[0] = 0;
	int r = start(&f, name, cap);
	if (!r)
		r = fn(&f);
	cleanup(&f);
	report("probe_migrate", name, r);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: test-probe-migrate SPICE-PROBE WORKDIR\n");
		return 2;
	}
	probe_path = argv[1];
	work = argv[2];
	signal(SIGPIPE, SIG_IGN);
	EVP_PKEY *key = EVP_RSA_gen(1024);
	uint8_t *der = reply.pub_key;
	if (!key || i2d_PUBKEY(key, &der) != SPICE_TICKET_PUBKEY_BYTES) {
		fprintf(stderr, "test-probe-migrate: RSA key generation failed\n");
		return 2;
	}
	EVP_PKEY_free(key);
	sw_caps_set(reply.common_caps, &reply.num_common_caps, SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION);
	sw_caps_set(reply.common_caps, &reply.num_common_caps, SPICE_COMMON_CAP_AUTH_SPICE);
	sw_caps_set(reply.common_caps, &reply.num_common_caps, SPICE_COMMON_CAP_MINI_HEADER);
	run("semi_seamless", t_semi_seamless, NULL);
	run("seamless", t_seamless, NULL);
	run("seamless_then_semi_seamless", t_twice, NULL);
	run("seamless_nack_then_cancel", t_nack_then_cancel, NULL);
	run("switch_host", t_switch_host, "-SEMI_SEAMLESS_MIGRATE");
	run("bad_host_then_stray_end", t_bad_host_then_stray_end, NULL);
	run("migrate_without_seamless", t_migrate_without_seamless, NULL);
	run("seamless_no_migrate_data", t_no_migrate_data, NULL);
	run("migrate_unknown_flags", t_bad_flags, NULL);
	run("seamless_no_reply_connect_error", t_no_seamless_reply, NULL);
	printf("%d passed, %d failed\n", passes, failures);
	return failures ? 1 : 0;
}

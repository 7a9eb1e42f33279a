// SPDX-License-Identifier: MIT
/*
 * spice-probe following a live migration (client side, as spice-gtk does it).
 *
 * MIGRATE_BEGIN[_SEAMLESS] (source main channel) gives the destination. We
 * link the destination's main channel with connection_id = the source's
 * session id, then every other channel we have. Seamless: right after the
 * main link we send MIGRATE_DST_DO_SEAMLESS{src_version} there and wait for
 * MIGRATE_DST_SEAMLESS_ACK/NACK. Then MIGRATE_CONNECTED_SEAMLESS (ACK),
 * MIGRATE_CONNECTED (NACK or semi-seamless) or MIGRATE_CONNECT_ERROR (a link
 * failed) goes to the source. Nothing else is sent to the destination yet,
 * and nothing read from it (it queues in the sockets).
 *
 * The switch:
 *  - semi-seamless: the source sends MAIN MIGRATE_END. We close the source
 *    channels, the destination ones take their slots, MSGC_MAIN_MIGRATE_END
 *    goes to the destination, which sends MAIN_INIT (no ATTACH_CHANNELS from
 *    us: it activates our links itself) and starts every channel afresh, so
 *    the display model is reset and DISPLAY_INIT sent again.
 *  - seamless: the source sends SPICE_MSG_MIGRATE{flags} on every channel:
 *    NEED_FLUSH -> MIGRATE_FLUSH_MARK to the source; NEED_DATA_TRANSFER ->
 *    the next source message is MIGRATE_DATA, whose body goes unchanged as
 *    MSGC_MIGRATE_DATA, the first message, to the destination channel. The
 *    channel then continues on the destination; the display model and its
 *    caches stay (the destination got their state in the migration data).
 *    The source channels are closed only once all have switched.
 *  - MIGRATE_CANCEL: drop the destination links, stay on the source.
 *  - MIGRATE_SWITCH_HOST (no semi-seamless): reconnect from scratch
 *    (connection_id 0) to the host/port it names.
 *
 * Flow control after a switch: each sw_channel keeps its own ACK window; the
 * destination starts its channels with SET_ACK, which the moved channel
 * answers, and mini headers carry no serials to keep consistent.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spice-probe.h"

#define MIG_WAIT_MS 10000	/* bound on the seamless handshake */

static const char *const protocol_names[] = { "none", "seamless", "semi-seamless", "switch-host" };

const char *mig_protocol_name(const struct probe *p)
{
	return protocol_names[p->mig.done];
}

const char *mig_phase_name(const struct probe *p)
{
	if (p->mig.phase == MIG_IDLE)
		return "idle";
	return p->mig.seamless ? "connected-seamless" : "connected";
}

static void close_old(struct probe *p)
{
	for (int i = 0; i < CH_MAX; i++)
		if (p->mig.old_up[i]) {
			sw_channel_close(p->mig.old[i]);
			p->mig.old_up[i] = false;
		}
}

void mig_close_dst(struct probe *p)
{
	for (int i = 0; i < CH_MAX; i++)
		if (p->mig.dst_up[i]) {
			sw_channel_close(p->mig.dst[i]);
			p->mig.dst_up[i] = false;
		}
	close_old(p);
	p->mig.phase = MIG_IDLE;
	p->mig.seamless = false;
}

/* The slot takes over the destination link of slot i; the slot's previous
 * channel object (closed) goes to mig.dst for the next migration. */
static void take_dst(struct probe *p, int i)
{
	struct sw_channel *prev = p->ch[i];

	p->ch[i] = p->mig.dst[i];
	p->mig.dst[i] = prev;
}

static int send_empty(struct probe *p, struct sw_channel *ch, uint16_t type)
{
	struct sw_buf b;
	sw_buf_init(&b);
	int err = probe_send(p, ch, type, &b);
	sw_buf_free(&b);
	return err ? probe_die_channel(ch) : 0;
}

/* The destination host from a migration message: a name or address (no
 * quotes or control characters, which also keeps the JSON log valid). */
static int get_host(const struct sw_migration_dst *d, char *out, size_t n)
{
	if (sw_migration_dst_host(d, out, n))
		return -1;
	for (const char *c = out; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr(".-_:%[]", *c))
			return -1;
	return 0;
}

/* Waits (bounded) for MIGRATE_DST_SEAMLESS_ACK/NACK on the destination main
 * channel. Returns 1 (ACK), 0 (NACK) or <0 (error, reason in the channel). */
static int wait_seamless_reply(struct probe *p)
{
	struct sw_channel *ch = p->mig.dst[CH_MAIN];
	int64_t deadline = probe_now_ms() + MIG_WAIT_MS;
	for (;;) {
		int64_t left = deadline - probe_now_ms();
		if (left <= 0)
			return sw_channel_fail(ch, -ETIMEDOUT, "migration: no MIGRATE_DST_SEAMLESS_ACK/NACK "
					       "from the destination in %d ms", MIG_WAIT_MS);
		struct sw_msg m;
		int err = sw_channel_read(ch, &m, (int)left);
		if (err)
			return err;
		for (int i = 0; i < m.nfds; i++)
			close(m.fds[i]);
		if (m.type == SPICE_MSG_MAIN_MIGRATE_DST_SEAMLESS_ACK)
			return 1;
		if (m.type == SPICE_MSG_MAIN_MIGRATE_DST_SEAMLESS_NACK)
			return 0;
		/* anything else (PING is answered by the channel) is logged and
		 * dropped: the destination has nothing to say before the switch */
	}
}

/* Links slot idx of the destination like the source's. */
static int link_dst(struct probe *p, int idx)
{
	struct sw_channel *ch = p->mig.dst[idx];
	uint8_t type = sw_channel_type(p->ch[idx]), id = sw_channel_id(p->ch[idx]);
	if (probe_link(p, ch, type, id, p->mig.host, p->mig.port, p->session_id)) {
		fprintf(stderr, "spice-probe: migration: linking the destination's %s channel %u failed: %s\n",
			sw_channel_name(type), id, probe_channel_why(ch));
		probe_log_event(p, "\"migration\":\"link_failed\",\"ch\":\"%s\",\"id\":%u", sw_channel_name(type),
				id);
		return -1;
	}
	p->mig.dst_up[idx] = true;
	return 0;
}

int mig_begin(struct probe *p, const struct sw_msg *m, bool seamless)
{
	struct sw_migration_dst d;
	if (p->mig.phase != MIG_IDLE) {
		/* a new destination replaces the old one */
		probe_log_event(p, "\"migration\":\"restart\"");
		mig_close_dst(p);
	}
	if (sw_get_migration_dst(m->data, m->size, seamless, &d) ||
	    get_host(&d, p->mig.host, sizeof(p->mig.host)) || d.port == 0) {
		fprintf(stderr, "spice-probe: migration: bad destination in MIGRATE_BEGIN%s (no host, or no "
				"plain port: TLS is not supported)\n",
			seamless ? "_SEAMLESS" : "");
		probe_log_event(p, "\"migration\":\"connect_error\",\"why\":\"bad destination\"");
		return send_empty(p, p->ch[CH_MAIN], SPICE_MSGC_MAIN_MIGRATE_CONNECT_ERROR);
	}
	p->mig.port = d.port;
	if (seamless)
		probe_log_event(p, "\"migration\":\"begin\",\"protocol\":\"seamless\",\"host\":\"%s\",\"port\":%u,"
				   "\"session_id\":%u,\"src_version\":%u",
				p->mig.host, d.port, p->session_id, d.src_mig_version);
	else
		probe_log_event(p, "\"migration\":\"begin\",\"protocol\":\"semi-seamless\",\"host\":\"%s\","
				   "\"port\":%u,\"session_id\":%u",
				p->mig.host, d.port, p->session_id);

	int failed = link_dst(p, CH_MAIN);
	int acked = 0;
	if (!failed && seamless) {
		struct sw_buf b;
		sw_buf_init(&b);
		sw_put_u32_msg(&b, d.src_mig_version);
		failed = probe_send(p, p->mig.dst[CH_MAIN], SPICE_MSGC_MAIN_MIGRATE_DST_DO_SEAMLESS, &b);
		sw_buf_free(&b);
		if (!failed)
			acked = wait_seamless_reply(p);
		if (failed || acked < 0) {
			struct sw_channel *ch = p->mig.dst[CH_MAIN];
			fprintf(stderr, "spice-probe: migration: seamless handshake failed "
					"(no MIGRATE_DST_SEAMLESS_ACK/NACK from the destination): %s\n",
				probe_channel_why(ch));
			failed = -1;
		} else {
			probe_log_event(p, "\"migration\":\"%s\"", acked ? "seamless_ack" : "seamless_nack");
		}
	}
	for (int i = 0; i < CH_MAX && !failed; i++)
		if (i != CH_MAIN && p->up[i])
			failed = link_dst(p, i);
	if (failed) {
		mig_close_dst(p);
		probe_log_event(p, "\"migration\":\"connect_error\",\"host\":\"%s\",\"port\":%d", p->mig.host,
				p->mig.port);
		return send_empty(p, p->ch[CH_MAIN], SPICE_MSGC_MAIN_MIGRATE_CONNECT_ERROR);
	}
	p->mig.phase = MIG_CONNECTED;
	p->mig.seamless = acked == 1;
	probe_log_event(p, "\"migration\":\"connected\",\"protocol\":\"%s\"",
			p->mig.seamless ? "seamless" : "semi-seamless");
	return send_empty(p, p->ch[CH_MAIN],
			  p->mig.seamless ? SPICE_MSGC_MAIN_MIGRATE_CONNECTED_SEAMLESS
					  : SPICE_MSGC_MAIN_MIGRATE_CONNECTED);
}

static void finish(struct probe *p, enum mig_protocol proto)
{
	snprintf(p->host_buf, sizeof(p->host_buf), "%s", p->mig.host);
	p->host = p->host_buf;
	p->port = p->mig.port;
	p->mig.done = proto;
	p->mig.count++;
	p->mig.phase = MIG_IDLE;
	p->mig.seamless = false;
	p->mig.changed = true;
	probe_log_event(p, "\"migration\":\"switched\",\"protocol\":\"%s\",\"host\":\"%s\",\"port\":%d",
			protocol_names[proto], p->host, p->port);
}

int mig_end(struct probe *p)
{
	if (p->mig.phase != MIG_CONNECTED || p->mig.seamless) {
		fprintf(stderr, "spice-probe: migration: MIGRATE_END from the source without a %s\n",
			p->mig.seamless ? "semi-seamless migration (seamless was agreed)"
					: "connected destination");
		return 1;
	}
	for (int i = 0; i < CH_MAX; i++) {
		if (p->up[i])
			sw_channel_close(p->ch[i]);
		p->up[i] = p->mig.dst_up[i];
		if (p->mig.dst_up[i])
			take_dst(p, i);
		p->mig.dst_up[i] = false;
	}
	probe_reset_session(p);
	p->mig.skip_attach = true;
	finish(p, MIG_SEMI_SEAMLESS);
	if (send_empty(p, p->ch[CH_MAIN], SPICE_MSGC_MAIN_MIGRATE_END))
		return 1;
	for (int i = 0; i < CH_MAX; i++)
		if (i != CH_MAIN && p->up[i] && probe_start_channel(p, i))
			return 1;
	return 0;
}

int mig_cancel(struct probe *p)
{
	probe_log_event(p, "\"migration\":\"cancel\",\"phase\":\"%s\"", mig_phase_name(p));
	mig_close_dst(p);
	return 0;
}

int mig_switch_host(struct probe *p, const struct sw_msg *m)
{
	struct sw_migration_dst d;
	char host[256];
	if (sw_get_migration_dst(m->data, m->size, false, &d) || get_host(&d, host, sizeof(host)) || d.port == 0) {
		fprintf(stderr, "spice-probe: migration: bad destination in MIGRATE_SWITCH_HOST (no host, or no "
				"plain port: TLS is not supported)\n");
		return 1;
	}
	probe_log_event(p, "\"migration\":\"switch_host\",\"host\":\"%s\",\"port\":%u", host, d.port);
	mig_close_dst(p);
	for (int i = 0; i < CH_MAX; i++) {
		if (p->up[i])
			sw_channel_close(p->ch[i]);
		p->up[i] = false;
	}
	probe_reset_session(p);
	p->session_id = 0;	/* a brand-new session */
	snprintf(p->mig.host, sizeof(p->mig.host), "%s", host);
	p->mig.port = d.port;
	finish(p, MIG_SWITCH_HOST);
	return probe_open_channel(p, CH_MAIN, SPICE_CHANNEL_MAIN, 0);
}

int mig_channel_migrate(struct probe *p, int idx, const struct sw_msg *m)
{
	struct sw_channel *src = p->ch[idx];
	uint8_t type = sw_channel_type(src), id = sw_channel_id(src);
	const char *name = sw_channel_name(type);
	struct sw_migrate mg;
	if (sw_get_migrate(m->data, m->size, &mg) || (mg.flags & ~(uint32_t)SPICE_MIGRATE_FLAGS_MASK)) {
		sw_channel_fail(src, -EPROTO, "%s channel: MIGRATE with unknown flags", name);
		return probe_die_channel(src);
	}
	if (p->mig.phase != MIG_CONNECTED || !p->mig.seamless || !p->mig.dst_up[idx]) {
		sw_channel_fail(src, -EPROTO, "%s channel %u: MIGRATE from the source without a seamless "
				"migration to a linked destination", name, id);
		return probe_die_channel(src);
	}
	probe_log_event(p, "\"migration\":\"channel\",\"ch\":\"%s\",\"id\":%u,\"flags\":%u", name, id,
			mg.flags);
	if ((mg.flags & SPICE_MIGRATE_NEED_FLUSH) && send_empty(p, src, SPICE_MSGC_MIGRATE_FLUSH_MARK))
		return 1;
	uint8_t *data = NULL;
	uint32_t len = 0;
	if (mg.flags & SPICE_MIGRATE_NEED_DATA_TRANSFER) {
		struct sw_msg d;
		if (sw_channel_read(src, &d, MIG_WAIT_MS))
			return probe_die_channel(src);
		for (int i = 0; i < d.nfds; i++)
			close(d.fds[i]);
		if (d.type != SPICE_MSG_MIGRATE_DATA || d.size == 0) {
			sw_channel_fail(src, -EPROTO, "%s channel %u: expected MIGRATE_DATA after MIGRATE, got %s "
					"(%u bytes)", name, id, sw_msg_name(type, true, d.type), d.size);
			return probe_die_channel(src);
		}
		data = malloc(d.size);
		if (!data) {
			fprintf(stderr, "spice-probe: out of memory\n");
			return 1;
		}
		memcpy(data, d.data, d.size);
		len = d.size;
	}
	/* the source link waits in old[] until every channel has switched */
	struct sw_channel *spare = p->mig.old[idx];
	p->mig.old[idx] = src;
	p->mig.old_up[idx] = true;
	p->ch[idx] = spare;
	take_dst(p, idx);
	p->mig.dst_up[idx] = false;
	p->mig.changed = true;
	int err = 0;
	if (data)
		err = sw_channel_send(p->ch[idx], SPICE_MSGC_MIGRATE_DATA, data, len);
	free(data);
	if (err)
		return probe_die_channel(p->ch[idx]);
	bool left = false;
	for (int i = 0; i < CH_MAX; i++)
		left |= p->mig.dst_up[i];
	if (!left) {
		close_old(p);
		finish(p, MIG_SEAMLESS);
	}
	return 0;
}

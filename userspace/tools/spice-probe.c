// SPDX-License-Identifier: MIT
/*
 * spice-probe: a headless SPICE client built on libspice-wire.
 *
 * Opens the main, display, cursor and inputs channels, logs every message as
 * one JSON line, keeps a model of the display and saves the primary surface
 * and each head as PNG; optionally sends a client monitors config through
 * the agent and key scancodes; follows a live migration of the server
 * (spice-probe-migrate.c). Exits non-zero with a message on stderr on any
 * protocol, link or authentication error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <spice/vd_agent.h>

#include "msg-json.h"
#include "spice-display.h"
#include "spice-probe-migrate.h"
#include "spice-probe.h"
#include "spice-wire.h"

static volatile sig_atomic_t stop_flag;
static void on_signal(int s)
{
	(void)s;
	stop_flag = 1;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static const struct { const char *name; bool common; uint8_t channel; int bit; } cap_names[] = {
	{ "AUTH_SELECTION", true, 0, SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION },
	{ "AUTH_SPICE", true, 0, SPICE_COMMON_CAP_AUTH_SPICE },
	{ "AUTH_SASL", true, 0, SPICE_COMMON_CAP_AUTH_SASL },
	{ "MINI_HEADER", true, 0, SPICE_COMMON_CAP_MINI_HEADER },
	{ "SIZED_STREAM", false, SPICE_CHANNEL_DISPLAY, SPICE_DISPLAY_CAP_SIZED_STREAM },
	{ "MONITORS_CONFIG", false, SPICE_CHANNEL_DISPLAY, SPICE_DISPLAY_CAP_MONITORS_CONFIG },
	{ "COMPOSITE", false, SPICE_CHANNEL_DISPLAY, SPICE_DISPLAY_CAP_COMPOSITE },
	{ "A8_SURFACE", false, SPICE_CHANNEL_DISPLAY, SPICE_DISPLAY_CAP_A8_SURFACE },
	{ "STREAM_REPORT", false, SPICE_CHANNEL_DISPLAY, SPICE_DISPLAY_CAP_STREAM_REPORT },
	{ "LZ4_COMPRESSION", false, SPICE_CHANNEL_DISPLAY, SPICE_DISPLAY_CAP_LZ4_COMPRESSION },
	{ "PREF_COMPRESSION", false, SPICE_CHANNEL_DISPLAY, SPICE_DISPLAY_CAP_PREF_COMPRESSION },
	{ "GL_SCANOUT", false, SPICE_CHANNEL_DISPLAY, SPICE_DISPLAY_CAP_GL_SCANOUT },
	{ "MULTI_CODEC", false, SPICE_CHANNEL_DISPLAY, SPICE_DISPLAY_CAP_MULTI_CODEC },
	{ "CODEC_MJPEG", false, SPICE_CHANNEL_DISPLAY, SPICE_DISPLAY_CAP_CODEC_MJPEG },
	{ "CODEC_VP8", false, SPICE_CHANNEL_DISPLAY, SPICE_DISPLAY_CAP_CODEC_VP8 },
	{ "CODEC_H264", false, SPICE_CHANNEL_DISPLAY, SPICE_DISPLAY_CAP_CODEC_H264 },
	{ "PREF_VIDEO_CODEC_TYPE", false, SPICE_CHANNEL_DISPLAY, SPICE_DISPLAY_CAP_PREF_VIDEO_CODEC_TYPE },
	{ "CODEC_VP9", false, SPICE_CHANNEL_DISPLAY, SW_DISPLAY_CAP_CODEC_VP9 },
	{ "CODEC_H265", false, SPICE_CHANNEL_DISPLAY, SW_DISPLAY_CAP_CODEC_H265 },
	{ "KEY_SCANCODE", false, SPICE_CHANNEL_INPUTS, SPICE_INPUTS_CAP_KEY_SCANCODE },
	{ "NAME_AND_UUID", false, SPICE_CHANNEL_MAIN, SPICE_MAIN_CAP_NAME_AND_UUID },
	{ "AGENT_CONNECTED_TOKENS", false, SPICE_CHANNEL_MAIN, SPICE_MAIN_CAP_AGENT_CONNECTED_TOKENS },
	{ "SEAMLESS_MIGRATE", false, SPICE_CHANNEL_MAIN, SPICE_MAIN_CAP_SEAMLESS_MIGRATE },
	{ "SEMI_SEAMLESS_MIGRATE", false, SPICE_CHANNEL_MAIN, SPICE_MAIN_CAP_SEMI_SEAMLESS_MIGRATE },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: spice-probe [options]\n"
		"  -H, --host HOST         server address (default 127.0.0.1), or unix:/path\n"
		"  -p, --port PORT         server port\n"
		"  -w, --password PASS     ticket password (default: $SPICE_PASSWORD or empty)\n"
		"      --sasl [--sasl-user U]  authenticate with SASL\n"
		"  -l, --log FILE          JSON-line message log ('-' = stdout)\n"
		"      --record FILE       raw recording of received messages (for the benchmark)\n"
		"  -o, --png FILE          save the primary surface as PNG at exit\n"
		"      --png-heads PREFIX  save each head as PREFIX-<n>.png at exit (display\n"
		"                          channel k > 0: PREFIX-d<k>-<n>.png)\n"
		"      --png-all PREFIX    save every display channel's primary as PREFIX-d<k>.png\n"
		"      --exit-idle MS      exit when the display has a primary and was idle MS ms\n"
		"  -t, --timeout SEC       hard bound on the run (default 30)\n"
		"      --channels LIST     main,display,cursor,inputs,playback,record,port\n"
		"                          (default main,display,cursor,inputs)\n"
		"      --cap [+|-]NAME     add/remove a capability (repeatable), e.g. -COMPOSITE\n"
		"      --monitors WxH+X+Y[,..]  send a client monitors config via the agent\n"
		"      --key CODE[,..]     press+release PC set-1 scancodes (hex ok, >0xff = E0)\n"
		"      --pref-compression off|auto_glz|auto_lz|quic|glz|lz|lz4  send PREFERRED_COMPRESSION\n"
		"      --pref-codecs LIST  send PREFERRED_VIDEO_CODEC_TYPE (mjpeg,vp8,h264,vp9,h265)\n"
		"      --control           read commands from stdin, answer one line each on\n"
		"                          stdout (status, png, png-display, heads, monitors, key,\n"
		"                          waitsolid, migration, quit; see\n"
		"                          Documentation/spice-wire.rst)\n"
		"      --list-caps         print capability names\n"
		"\n"
		"Live migration: spice-probe follows the server to the destination QEMU.\n"
		"Seamless if both ends agree (channels hand over their migration data, the\n"
		"picture is kept), else semi-seamless (the destination starts every channel\n"
		"afresh), or switch-host (a new session) without SEMI_SEAMLESS_MIGRATE.\n"
		"Force one with --cap -SEAMLESS_MIGRATE or --cap -SEMI_SEAMLESS_MIGRATE; the\n"
		"log has {\"migration\":...} lines, --control's 'migration' answers\n"
		"'ok protocol=none|seamless|semi-seamless|switch-host phase=... host=H port=P'.\n");
}

static int parse_monitors(struct probe *p, const char *s)
{
	p->nmons = 0;
	char *dup = strdup(s), *save = NULL;
	for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		struct sw_monitor m = { 0, 0, 32, 0, 0 };
		if (p->nmons >= SW_MAX_MONITORS ||
		    sscanf(t, "%ux%u+%d+%d", &m.width, &m.height, &m.x, &m.y) < 2) {
			free(dup);
			return -1;
		}
		p->mons[p->nmons++] = m;
	}
	free(dup);
	return 0;
}

/* A link to a migration destination that has not switched yet. */
static bool is_dst(const struct probe *p, const struct sw_channel *ch)
{
	for (int i = 0; i < CH_MAX; i++)
		if (p->mig.dst[i] == ch)
			return true;
	return false;
}

static void log_msg(struct probe *p, struct sw_channel *ch, bool in, uint16_t type, const uint8_t *b, size_t n)
{
	if (!p->log)
		return;
	struct sw_buf o;
	sw_buf_init(&o);
	sw_wprintf(&o, "{\"t\":%lld,", (long long)(now_ms() - p->start_ms));
	if (is_dst(p, ch))
		sw_wprintf(&o, "\"to\":\"migration_dst\",");
	struct sw_buf m;
	sw_buf_init(&m);
	msg_json(&m, sw_channel_type(ch), sw_channel_id(ch), in, type, b, n);
	if (m.len > 1)
		sw_wbytes(&o, m.data + 1, m.len - 1);	/* merge objects */
	sw_w8(&o, '\n');
	if (!o.err)
		fwrite(o.data, 1, o.len, p->log);
	sw_buf_free(&m);
	sw_buf_free(&o);
}

static void send_hook(void *opaque, struct sw_channel *ch, uint16_t type, const uint8_t *b, size_t n)
{
	log_msg(opaque, ch, false, type, b, n);
}

static void recv_hook(void *opaque, struct sw_channel *ch, uint16_t type, const uint8_t *b, size_t n)
{
	log_msg(opaque, ch, true, type, b, n);
}

static int send_msg(struct probe *p, struct sw_channel *ch, uint16_t type, const struct sw_buf *b)
{
	(void)p;
	if (b->err)
		return b->err;
	return sw_channel_send(ch, type, b->data, b->len);
}

const char *probe_channel_why(const struct sw_channel *ch)
{
	const char *msg = sw_channel_errmsg(ch);

	return msg[0] ? msg : sw_strerror(sw_channel_err(ch));
}

static int die_channel(struct sw_channel *ch)
{
	fprintf(stderr, "spice-probe: %s\n", probe_channel_why(ch));
	return 1;
}

int probe_link(struct probe *p, struct sw_channel *ch, uint8_t type, uint8_t id, const char *host, int port,
	       uint32_t connection_id)
{
	struct sw_channel_opts o;
	sw_channel_default_opts(&o, type, id);
	o.connection_id = connection_id;
	o.password = p->password;
	o.use_sasl = p->sasl;
	o.sasl_user = p->sasl_user;
	/* follow a migration: semi-seamless (SEAMLESS_MIGRATE is a default) */
	if (type == SPICE_CHANNEL_MAIN)
		sw_caps_set(o.channel_caps, &o.num_channel_caps, SPICE_MAIN_CAP_SEMI_SEAMLESS_MIGRATE);
	for (int i = 0; i < p->ncaps; i++) {
		uint32_t *caps = p->caps[i].common ? o.common_caps : o.channel_caps;
		uint32_t *n = p->caps[i].common ? &o.num_common_caps : &o.num_channel_caps;
		if (!p->caps[i].common && p->caps[i].channel != type)
			continue;
		if (p->caps[i].add)
			sw_caps_set(caps, n, (unsigned)p->caps[i].bit);
		else if ((unsigned)p->caps[i].bit / 32 < *n)
			caps[p->caps[i].bit / 32] &= ~(1u << (p->caps[i].bit % 32));
	}
	if (sw_channel_connect(ch, host, port, 10000))
		return sw_channel_err(ch);
	sw_channel_set_hooks(ch, send_hook, recv_hook, p);
	if (sw_channel_link(ch, &o))
		return sw_channel_err(ch);
	const struct sw_link_reply *remote = sw_channel_remote(ch);
	if (p->log)
		fprintf(p->log, "{\"t\":%lld,\"ch\":\"%s\",\"id\":%u,\"event\":\"linked\",\"mini_header\":%s,"
				"\"common_caps\":%u,\"channel_caps\":%u,\"port\":%d,\"connection_id\":%u}\n",
			(long long)(now_ms() - p->start_ms), sw_channel_name(type), id,
			sw_channel_mini_header(ch) ? "true" : "false",
			remote->num_common_caps ? remote->common_caps[0] : 0,
			remote->num_channel_caps ? remote->channel_caps[0] : 0, port, connection_id);
	return 0;
}

int probe_start_channel(struct probe *p, int idx)
{
	struct sw_channel *ch = p->ch[idx];
	if (sw_channel_type(ch) != SPICE_CHANNEL_DISPLAY)
		return 0;
	struct sw_buf b;
	sw_buf_init(&b);
	struct sw_display_init di = { 1, 16 << 20, 0, 0 };
	sw_put_display_init(&b, &di);
	int err = send_msg(p, ch, SPICE_MSGC_DISPLAY_INIT, &b);
	if (!err && p->pref_compression >= 0) {
		sw_buf_reset(&b);
		sw_put_u8_msg(&b, (uint8_t)p->pref_compression);
		err = send_msg(p, ch, SPICE_MSGC_DISPLAY_PREFERRED_COMPRESSION, &b);
	}
	if (!err && p->npref_codecs) {
		sw_buf_reset(&b);
		sw_put_preferred_video_codecs(&b, p->pref_codecs, p->npref_codecs);
		err = send_msg(p, ch, SPICE_MSGC_DISPLAY_PREFERRED_VIDEO_CODEC_TYPE, &b);
	}
	sw_buf_free(&b);
	return err ? die_channel(ch) : 0;
}

int probe_open_channel(struct probe *p, int idx, uint8_t type, uint8_t id)
{
	if (probe_link(p, p->ch[idx], type, id, p->host, p->port, p->session_id))
		return die_channel(p->ch[idx]);
	p->up[idx] = true;
	return probe_start_channel(p, idx);
}

void probe_reset_session(struct probe *p)
{
	for (unsigned id = 0; id < MAX_DISPLAYS; id++) {
		sw_display_free(&p->disps[id]);
		sw_display_init(&p->disps[id], 0);
	}
	memset(p->stream_report, 0, sizeof(p->stream_report));
	p->agent_connected = p->agent_started = p->inputs_ready = false;
	p->agent_tokens = 0;
}

void probe_log_event(struct probe *p, const char *fmt, ...)
{
	if (!p->log)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(p->log, "{\"t\":%lld,", (long long)(now_ms() - p->start_ms));
	vfprintf(p->log, fmt, ap);
	fputs("}\n", p->log);
	va_end(ap);
}

int64_t probe_now_ms(void)
{
	return now_ms();
}

int probe_die_channel(struct sw_channel *ch)
{
	return die_channel(ch);
}

int probe_send(struct probe *p, struct sw_channel *ch, uint16_t type, const struct sw_buf *b)
{
	return send_msg(p, ch, type, b);
}

static int maybe_send_agent(struct probe *p)
{
	struct sw_channel *ch = p->ch[CH_MAIN];
	struct sw_buf b;
	int err = 0;
	sw_buf_init(&b);
	if (!p->agent_started && p->agent_connected) {
		sw_put_u32_msg(&b, 10);
		err = send_msg(p, ch, SPICE_MSGC_MAIN_AGENT_START, &b);
		p->agent_started = true;
	}
	if (!err && p->nmons && !p->monitors_sent && p->agent_started && p->agent_tokens > 0) {
		sw_buf_reset(&b);
		sw_put_agent_monitors_config(&b, p->mons, p->nmons, VD_AGENT_CONFIG_MONITORS_FLAG_USE_POS);
		if (b.len > VD_AGENT_MAX_DATA_SIZE) {
			fprintf(stderr, "spice-probe: monitors config too large for one agent chunk\n");
			err = -1;
		} else {
			err = send_msg(p, ch, SPICE_MSGC_MAIN_AGENT_DATA, &b);
			p->agent_tokens--;
			p->monitors_sent = true;
		}
	}
	sw_buf_free(&b);
	return err ? (sw_channel_err(ch) ? die_channel(ch) : 1) : 0;
}

static int send_keys(struct probe *p)
{
	struct sw_channel *ch = p->ch[CH_INPUTS];
	bool scancode = sw_channel_remote_cap(ch, false, SPICE_INPUTS_CAP_KEY_SCANCODE);
	struct sw_buf b;
	sw_buf_init(&b);
	int err = 0;
	for (int i = 0; i < p->nkeys && !err; i++) {
		for (int rel = 0; rel < 2 && !err; rel++) {
			sw_buf_reset(&b);
			if (scancode) {
				uint8_t bytes[4];
				size_t n = sw_scancode_bytes(p->keys[i], rel, bytes);
				sw_put_key_scancode(&b, bytes, n);
				err = send_msg(p, ch, SPICE_MSGC_INPUTS_KEY_SCANCODE, &b);
			} else {
				uint32_t code = p->keys[i] > 0xff ? (0xe0 | (p->keys[i] & 0x7f) << 8) : p->keys[i];
				if (rel)
					code = p->keys[i] > 0xff ? code | 0x8000 : code | 0x80;
				sw_put_u32_msg(&b, code);
				err = send_msg(p, ch, rel ? SPICE_MSGC_INPUTS_KEY_UP : SPICE_MSGC_INPUTS_KEY_DOWN, &b);
			}
		}
	}
	sw_buf_free(&b);
	p->keys_sent = true;
	return err ? die_channel(ch) : 0;
}

static int handle_main(struct probe *p, const struct sw_msg *m)
{
	switch (m->type) {
	case SPICE_MSG_MAIN_INIT: {
		struct sw_main_init in;
		sw_get_main_init(m->data, m->size, &in);
		p->session_id = in.session_id;
		p->agent_connected = in.agent_connected;
		p->agent_tokens = in.agent_tokens;
		if (p->mig.skip_attach) {
			/* semi-seamless: the destination activates the channels
			 * we linked to it itself */
			p->mig.skip_attach = false;
			return maybe_send_agent(p);
		}
		struct sw_buf b;
		sw_buf_init(&b);
		int err = send_msg(p, p->ch[CH_MAIN], SPICE_MSGC_MAIN_ATTACH_CHANNELS, &b);
		sw_buf_free(&b);
		if (err)
			return die_channel(p->ch[CH_MAIN]);
		return maybe_send_agent(p);
	}
	case SPICE_MSG_MAIN_CHANNELS_LIST: {
		struct sw_channels_list l;
		sw_get_channels_list(m->data, m->size, &l);
		for (uint32_t i = 0; i < l.count; i++) {
			uint8_t t = l.raw[2 * i], id = l.raw[2 * i + 1];
			int idx = t == SPICE_CHANNEL_DISPLAY ? (id < MAX_DISPLAYS ? display_slot(id) : -1)
				  : t == SPICE_CHANNEL_CURSOR ? (id < MAX_DISPLAYS ? cursor_slot(id) : -1)
				  : t == SPICE_CHANNEL_INPUTS ? CH_INPUTS
				  : t == SPICE_CHANNEL_PLAYBACK ? CH_PLAYBACK
				  : t == SPICE_CHANNEL_RECORD ? CH_RECORD
							      : -1;
			if (t == SPICE_CHANNEL_PORT || t == SPICE_CHANNEL_WEBDAV) {
				/* port channels: one slot per id, ids 0..3 */
				idx = id < 4 ? CH_PORT0 + id : -1;
				if (idx >= 0 && (!p->want[CH_PORT0] || p->up[idx]))
					continue;
			} else if (t == SPICE_CHANNEL_DISPLAY) {
				if (idx < 0 || !p->want[CH_DISPLAY] || p->up[idx])
					continue;
				p->disp_used[id] = true;
			} else if (t == SPICE_CHANNEL_CURSOR) {
				if (idx < 0 || !p->want[CH_CURSOR] || p->up[idx])
					continue;
			} else if (idx < 0 || id != 0 || !p->want[idx] || p->up[idx]) {
				continue;
			}
			if (idx < 0)
				continue;
			if (probe_open_channel(p, idx, t, id))
				return 1;
		}
		return 0;
	}
	case SPICE_MSG_MAIN_MIGRATE_BEGIN:
		return mig_begin(p, m, false);
	case SPICE_MSG_MAIN_MIGRATE_BEGIN_SEAMLESS:
		return mig_begin(p, m, true);
	case SPICE_MSG_MAIN_MIGRATE_END:
		return mig_end(p);
	case SPICE_MSG_MAIN_MIGRATE_CANCEL:
		return mig_cancel(p);
	case SPICE_MSG_MAIN_MIGRATE_SWITCH_HOST:
		return mig_switch_host(p, m);
	case SPICE_MSG_MAIN_AGENT_CONNECTED:
		p->agent_connected = true;
		return maybe_send_agent(p);
	case SPICE_MSG_MAIN_AGENT_CONNECTED_TOKENS: {
		uint32_t t;
		sw_get_u32_msg(m->data, m->size, &t);
		p->agent_connected = true;
		p->agent_tokens = t;
		return maybe_send_agent(p);
	}
	case SPICE_MSG_MAIN_AGENT_TOKEN: {
		uint32_t t;
		sw_get_u32_msg(m->data, m->size, &t);
		p->agent_tokens += t;
		return maybe_send_agent(p);
	}
	case SPICE_MSG_MAIN_AGENT_DISCONNECTED:
		p->agent_connected = false;
		p->agent_started = false;
		return 0;
	case SPICE_MSG_MAIN_AGENT_DATA: {
		/* return the token so the agent can keep sending */
		struct sw_buf b;
		sw_buf_init(&b);
		sw_put_u32_msg(&b, 1);
		int err = send_msg(p, p->ch[CH_MAIN], SPICE_MSGC_MAIN_AGENT_TOKEN, &b);
		sw_buf_free(&b);
		return err ? die_channel(p->ch[CH_MAIN]) : 0;
	}
	}
	return 0;
}

static void check_pending(struct probe *p);

static int handle_display(struct probe *p, unsigned id, const struct sw_msg *m)
{
	struct sw_channel *ch = p->ch[display_slot(id)];
	struct sw_display *disp = &p->disps[id];
	p->display_msgs++;
	p->last_display_ms = now_ms();
	int err = sw_display_apply(disp, m->type, m->data, m->size);
	p->last_display_us = now_us();	/* the model holds this message now */
	if (err) {
		sw_channel_fail(ch, err, "display channel %u: %s (%s, message %s)", id, disp->last_error,
				sw_strerror(err), sw_msg_name(SPICE_CHANNEL_DISPLAY, true, m->type));
		return die_channel(ch);
	}
	if (m->type == SPICE_MSG_DISPLAY_STREAM_CREATE)
		p->streams_created++;
	if (m->type == SPICE_MSG_DISPLAY_STREAM_DATA || m->type == SPICE_MSG_DISPLAY_STREAM_DATA_SIZED)
		p->stream_frames++;
	if (m->type == SPICE_MSG_DISPLAY_STREAM_ACTIVATE_REPORT) {
		p->stream_activations++;
		struct sw_stream_activate_report a;
		sw_get_stream_activate_report(m->data, m->size, &a);
		if (a.stream_id < 64) {
			p->stream_report[a.stream_id].active = true;
			p->stream_report[a.stream_id].unique_id = a.unique_id;
			p->stream_report[a.stream_id].max_window = a.max_window_size ? a.max_window_size : 1;
			p->stream_report[a.stream_id].frames = 0;
		}
	} else if (m->type == SPICE_MSG_DISPLAY_STREAM_DATA || m->type == SPICE_MSG_DISPLAY_STREAM_DATA_SIZED) {
		struct sw_stream_data sd;
		sw_get_stream_data(m->data, m->size, m->type == SPICE_MSG_DISPLAY_STREAM_DATA_SIZED, &sd);
		if (sd.id < 64 && p->stream_report[sd.id].active) {
			__typeof__(p->stream_report[0]) *r = &p->stream_report[sd.id];
			if (r->frames == 0)
				r->start_mm = sd.multi_media_time;
			r->last_mm = sd.multi_media_time;
			if (++r->frames >= r->max_window) {
				struct sw_stream_report rep = { sd.id, r->unique_id, r->start_mm, r->last_mm,
								r->frames, 0, 0, 0 };
				struct sw_buf b;
				sw_buf_init(&b);
				sw_put_stream_report(&b, &rep);
				int e = send_msg(p, ch, SPICE_MSGC_DISPLAY_STREAM_REPORT, &b);
				sw_buf_free(&b);
				p->stream_reports_sent++;
				r->frames = 0;
				if (e)
					return die_channel(ch);
			}
		}
	} else if (m->type == SPICE_MSG_DISPLAY_STREAM_DESTROY) {
		uint32_t id;
		if (!sw_get_u32_msg(m->data, m->size, &id) && id < 64)
			p->stream_report[id].active = false;
	}
	if (id == 0 && p->pending == PEND_SOLID)
		check_pending(p);
	return 0;
}

static void record(struct probe *p, const struct sw_channel *ch, const struct sw_msg *m)
{
	if (!p->rec)
		return;
	uint8_t h[8] = { sw_channel_type(ch), sw_channel_id(ch), (uint8_t)m->type, (uint8_t)(m->type >> 8),
			 (uint8_t)m->size, (uint8_t)(m->size >> 8), (uint8_t)(m->size >> 16), (uint8_t)(m->size >> 24) };
	fwrite(h, 1, 8, p->rec);
	fwrite(m->data, 1, m->size, p->rec);
}

static int pump(struct probe *p, int idx)
{
	struct sw_channel *ch = p->ch[idx];
	do {
		struct sw_msg m;
		if (sw_channel_read(ch, &m, 5000))
			return die_channel(ch);
		for (int i = 0; i < m.nfds; i++)
			close(m.fds[i]);
		if (m.type == SPICE_MSG_LIST)
			continue;
		record(p, ch, &m);
		if (m.type == SPICE_MSG_DISCONNECTING) {
			struct sw_disconnecting d;
			sw_get_disconnecting(m.data, m.size, &d);
			fprintf(stderr, "spice-probe: server disconnecting %s channel: %s\n",
				sw_channel_name(sw_channel_type(ch)), sw_link_err_name(d.reason));
			return 1;
		}
		if (m.type == SPICE_MSG_NOTIFY) {
			struct sw_notify nt;
			if (!sw_get_notify(m.data, m.size, &nt))
				fprintf(stderr, "spice-probe: notify (%s): %.*s\n", sw_channel_name(sw_channel_type(ch)),
					(int)nt.message_len, nt.message);
		}
		if (m.type == SPICE_MSG_MIGRATE)
			return mig_channel_migrate(p, idx, &m);	/* the slot now holds another channel */
		int err = 0;
		switch (idx) {
		case CH_MAIN: err = handle_main(p, &m); break;
		case CH_DISPLAY: err = handle_display(p, 0, &m); break;
		case CH_DISPLAY1:
		case CH_DISPLAY1 + 1:
		case CH_DISPLAY1 + 2: err = handle_display(p, (unsigned)(idx - CH_DISPLAY1 + 1), &m); break;
		case CH_INPUTS:
			if (m.type == SPICE_MSG_INPUTS_INIT)
				p->inputs_ready = true;
			break;
		}
		if (err)
			return err;
	} while (sw_channel_pending(ch));
	return 0;
}

static int save_heads(struct probe *p, unsigned id)
{
	struct sw_display *disp = &p->disps[id];
	int rc = 0;
	for (uint16_t i = 0; i < disp->nheads; i++) {
		const struct sw_head *h = &disp->heads[i];
		struct sw_rect r = { (int32_t)h->y, (int32_t)h->x, (int32_t)(h->y + h->height),
				     (int32_t)(h->x + h->width) };
		char path[4096];
		if (id == 0)
			snprintf(path, sizeof(path), "%s-%u.png", p->png_heads, h->id);
		else
			snprintf(path, sizeof(path), "%s-d%u-%u.png", p->png_heads, id, h->id);
		if (sw_display_save_png(disp, h->surface_id, &r, path)) {
			fprintf(stderr, "spice-probe: saving display %u head %u failed: %s\n", id, h->id,
				disp->last_error);
			rc = 1;
		}
	}
	return rc;
}

static int save_outputs(struct probe *p)
{
	int rc = 0;
	if (p->png) {
		if (!p->disps[0].have_primary) {
			fprintf(stderr, "spice-probe: no primary surface to save\n");
			rc = 1;
		} else if (sw_display_save_png(&p->disps[0], p->disps[0].primary_id, NULL, p->png)) {
			fprintf(stderr, "spice-probe: saving %s failed: %s\n", p->png, p->disps[0].last_error);
			rc = 1;
		}
	}
	for (unsigned id = 0; id < MAX_DISPLAYS; id++) {
		if (!p->disp_used[id])
			continue;
		if (p->png_heads && save_heads(p, id))
			rc = 1;
		if (p->png_all) {
			char path[4096];
			snprintf(path, sizeof(path), "%s-d%u.png", p->png_all, id);
			if (!p->disps[id].have_primary ||
			    sw_display_save_png(&p->disps[id], p->disps[id].primary_id, NULL, path)) {
				fprintf(stderr, "spice-probe: display %u: no primary surface to save\n", id);
				rc = 1;
			}
		}
	}
	return rc;
}

/* ---- --control: commands on stdin, one answer line each on stdout */

static void answer(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void answer(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* The rectangle a user sees: head 0 of MONITORS_CONFIG if there is exactly
 * one head, else the whole primary surface. */
static struct sw_surface *shown_rect(struct probe *p, struct sw_rect *r)
{
	struct sw_display *d = &p->disps[0];
	if (!d->have_primary)
		return NULL;
	struct sw_surface *s = sw_display_surface(d, d->primary_id);
	if (!s)
		return NULL;
	*r = (struct sw_rect){ 0, 0, (int32_t)s->height, (int32_t)s->width };
	if (d->nheads == 1 && d->heads[0].surface_id == d->primary_id && d->heads[0].width &&
	    d->heads[0].height && d->heads[0].x + d->heads[0].width <= s->width &&
	    d->heads[0].y + d->heads[0].height <= s->height)
		*r = (struct sw_rect){ (int32_t)d->heads[0].y, (int32_t)d->heads[0].x,
				       (int32_t)(d->heads[0].y + d->heads[0].height),
				       (int32_t)(d->heads[0].x + d->heads[0].width) };
	return s;
}

static bool model_solid(struct probe *p)
{
	struct sw_rect r;
	struct sw_surface *s = shown_rect(p, &r);
	if (!s || (uint32_t)(r.right - r.left) != p->solid_w || (uint32_t)(r.bottom - r.top) != p->solid_h)
		return false;
	for (int32_t y = r.top; y < r.bottom; y++) {
		const uint32_t *row = s->px + (size_t)y * s->width;
		for (int32_t x = r.left; x < r.right; x++)
			if ((row[x] & 0xffffff) != p->solid_rgb)
				return false;
	}
	return true;
}

static void heads_text(struct probe *p, char *out, size_t n)
{
	struct sw_display *d = &p->disps[0];
	size_t k = 0;
	out[0] = 0;
	for (uint16_t i = 0; i < d->nheads && k < n; i++)
		k += (size_t)snprintf(out + k, n - k, " %ux%u+%u+%u", d->heads[i].width, d->heads[i].height,
				      d->heads[i].x, d->heads[i].y);
}

/* Answers a pending command once it is done or timed out. */
static void check_pending(struct probe *p)
{
	bool late = now_ms() >= p->pend_deadline_ms;
	switch (p->pending) {
	case PEND_NONE:
		return;
	case PEND_MONITORS:
		if (p->monitors_sent)
			answer("ok monitors sent");
		else if (late)
			answer("err %s", p->agent_connected ? "no agent tokens: monitors config not sent"
							    : "agent never connected: monitors config not sent");
		else
			return;
		break;
	case PEND_KEYS:
		if (p->keys_sent)
			answer("ok %d keys sent (%s)", p->nkeys,
			       sw_channel_remote_cap(p->ch[CH_INPUTS], false, SPICE_INPUTS_CAP_KEY_SCANCODE)
				       ? "KEY_SCANCODE" : "KEY_DOWN/KEY_UP");
		else if (late)
			answer("err inputs channel not ready: keys not sent");
		else
			return;
		break;
	case PEND_SOLID:
		if (model_solid(p))
			answer("ok t_us=%lld draws=%llu", (long long)p->last_display_us,
			       (unsigned long long)p->disps[0].draws);
		else if (late)
			answer("err model is not %ux%u of 0x%06x", p->solid_w, p->solid_h, p->solid_rgb);
		else
			return;
		break;
	}
	p->pending = PEND_NONE;
}

static int control_command(struct probe *p, char *line)
{
	char *save = NULL;
	char *cmd = strtok_r(line, " \t\r", &save);
	char *arg = strtok_r(NULL, "\r", &save);
	if (!cmd)
		return 0;
	/* whoever drives --control may read the -l log next: make it complete */
	if (p->log)
		fflush(p->log);
	if (p->pending != PEND_NONE) {
		answer("err busy");
		return 0;
	}
	if (!strcmp(cmd, "quit")) {
		answer("ok bye");
		stop_flag = 1;
	} else if (!strcmp(cmd, "status")) {
		struct sw_rect r;
		struct sw_surface *s = shown_rect(p, &r);
		char heads[512];
		heads_text(p, heads, sizeof(heads));
		unsigned long long decoded = 0, bad = 0;
		for (unsigned id = 0; id < MAX_DISPLAYS; id++) {
			decoded += p->disps[id].stream_frames;
			bad += p->disps[id].stream_frames_bad;
		}
		answer("ok primary=%ux%u draws=%llu rendered=%llu unrendered=%llu surfaces_created=%llu "
		       "streams=%llu stream_frames=%llu stream_decoded=%llu stream_bad=%llu "
		       "stream_activate_reports=%llu stream_reports_sent=%llu "
		       "display_msgs=%llu display=%d agent=%d inputs=%d t_us=%lld heads%s",
		       s ? s->width : 0, s ? s->height : 0, (unsigned long long)p->disps[0].draws,
		       (unsigned long long)p->disps[0].rendered, (unsigned long long)p->disps[0].unrendered,
		       (unsigned long long)p->disps[0].surface_creates, (unsigned long long)p->streams_created,
		       (unsigned long long)p->stream_frames, decoded, bad, (unsigned long long)p->stream_activations,
		       (unsigned long long)p->stream_reports_sent, (unsigned long long)p->display_msgs, p->up[CH_DISPLAY], p->agent_connected, p->inputs_ready,
		       (long long)p->last_display_us, heads);
	} else if (!strcmp(cmd, "migration")) {
		answer("ok protocol=%s phase=%s host=%s port=%d migrations=%u", mig_protocol_name(p),
		       mig_phase_name(p), p->host, p->port, p->mig.count);
	} else if (!strcmp(cmd, "png")) {
		struct sw_display *d = &p->disps[0];
		char heads[512];
		heads_text(p, heads, sizeof(heads));
		if (!arg)
			answer("err usage: png PATH");
		else if (!d->have_primary)
			answer("err no primary surface");
		else if (sw_display_save_png(d, d->primary_id, NULL, arg))
			answer("err saving %s: %s", arg, d->last_error);
		else
			answer("ok %ux%u t_us=%lld heads%s", sw_display_surface(d, d->primary_id)->width,
			       sw_display_surface(d, d->primary_id)->height, (long long)p->last_display_us, heads);
	} else if (!strcmp(cmd, "png-display")) {
		/* png-display ID PATH: the primary surface of display channel ID */
		char *path = NULL;
		unsigned long id = arg ? strtoul(arg, &path, 10) : MAX_DISPLAYS;
		if (!arg || path == arg || *path != ' ' || !path[1] || id >= MAX_DISPLAYS)
			answer("err usage: png-display ID PATH (ID below %d)", MAX_DISPLAYS);
		else if (!p->disp_used[id] || !p->disps[id].have_primary)
			answer("err display %lu has no primary surface", id);
		else if (sw_display_save_png(&p->disps[id], p->disps[id].primary_id, NULL, path + 1))
			answer("err saving %s: %s", path + 1, p->disps[id].last_error);
		else
			answer("ok %ux%u", sw_display_surface(&p->disps[id], p->disps[id].primary_id)->width,
			       sw_display_surface(&p->disps[id], p->disps[id].primary_id)->height);
	} else if (!strcmp(cmd, "monitors")) {
		if (!arg || parse_monitors(p, arg) || !p->nmons) {
			answer("err usage: monitors WxH+X+Y[,...]");
			return 0;
		}
		p->monitors_sent = false;
		p->pending = PEND_MONITORS;
		p->pend_deadline_ms = now_ms() + 15000;
		if (p->up[CH_MAIN] && maybe_send_agent(p))
			return 1;
	} else if (!strcmp(cmd, "key")) {
		p->nkeys = 0;
		char *s2 = NULL;
		for (char *t = arg ? strtok_r(arg, ", ", &s2) : NULL; t && p->nkeys < 32; t = strtok_r(NULL, ", ", &s2))
			p->keys[p->nkeys++] = (uint32_t)strtoul(t, NULL, 0);
		if (!p->nkeys) {
			answer("err usage: key CODE[,...]");
			return 0;
		}
		p->keys_sent = false;
		p->pending = PEND_KEYS;
		p->pend_deadline_ms = now_ms() + 10000;
	} else if (!strcmp(cmd, "waitsolid")) {
		unsigned w, h, rgb;
		int ms;
		if (!arg || sscanf(arg, "%u %u %x %d", &w, &h, &rgb, &ms) != 4) {
			answer("err usage: waitsolid W H RRGGBB TIMEOUT_MS");
			return 0;
		}
		p->solid_w = w;
		p->solid_h = h;
		p->solid_rgb = rgb & 0xffffff;
		p->pending = PEND_SOLID;
		p->pend_deadline_ms = now_ms() + ms;
	} else {
		answer("err unknown command %s", cmd);
	}
	check_pending(p);
	return 0;
}

static int read_control(struct probe *p)
{
	ssize_t n = read(0, p->cbuf + p->clen, sizeof(p->cbuf) - 1 - p->clen);
	if (n <= 0) {
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return 0;
		p->stdin_eof = true;
		stop_flag = 1;
		return 0;
	}
	p->clen += (size_t)n;
	char *nl;
	while ((nl = memchr(p->cbuf, '\n', p->clen))) {
		*nl = 0;
		size_t used = (size_t)(nl - p->cbuf) + 1;
		int rc = control_command(p, p->cbuf);
		memmove(p->cbuf, p->cbuf + used, p->clen - used);
		p->clen -= used;
		if (rc)
			return rc;
	}
	if (p->clen == sizeof(p->cbuf) - 1)
		p->clen = 0;	/* a line too long: drop it */
	return 0;
}

static bool displays_ready(struct probe *p)
{
	if (!p->want[CH_DISPLAY])
		return true;
	if (!p->up[CH_DISPLAY])
		return false;
	/* display channel 0 must show something; others (a second card
	 * without a guest driver) may legitimately have no primary */
	return p->disps[0].have_primary;
}

static int alloc_channels(struct probe *p)
{
	for (int i = 0; i < CH_MAX; i++) {
		p->ch[i] = sw_channel_new();
		p->mig.dst[i] = sw_channel_new();
		p->mig.old[i] = sw_channel_new();
		if (!p->ch[i] || !p->mig.dst[i] || !p->mig.old[i])
			return -ENOMEM;
	}
	return 0;
}

static void free_channels(struct probe *p)
{
	for (int i = 0; i < CH_MAX; i++) {
		sw_channel_free(p->ch[i]);
		sw_channel_free(p->mig.dst[i]);
		sw_channel_free(p->mig.old[i]);
	}
}

int main(int argc, char **argv)
{
	static struct probe P;
	struct probe *p = &P;
	p->host = "127.0.0.1";
	p->port = 5900;
	p->password = getenv("SPICE_PASSWORD");
	p->timeout_ms = 30000;
	p->pref_compression = -1;
	for (int i = 0; i <= CH_INPUTS; i++)
		p->want[i] = true;
	const char *logpath = NULL, *recpath = NULL;
	enum { O_PREFCOMP = 301, O_PREFCODECS = 302, O_ALL = 300, O_SASL = 256, O_SASL_USER, O_RECORD, O_HEADS, O_IDLE, O_CHANNELS, O_CAP, O_MON, O_KEY, O_LISTCAPS, O_CONTROL };
	static const struct option opts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'p' },
		{ "password", required_argument, NULL, 'w' },
		{ "sasl", no_argument, NULL, O_SASL },
		{ "sasl-user", required_argument, NULL, O_SASL_USER },
		{ "log", required_argument, NULL, 'l' },
		{ "record", required_argument, NULL, O_RECORD },
		{ "png", required_argument, NULL, 'o' },
		{ "png-heads", required_argument, NULL, O_HEADS },
		{ "png-all", required_argument, NULL, O_ALL },
		{ "exit-idle", required_argument, NULL, O_IDLE },
		{ "timeout", required_argument, NULL, 't' },
		{ "channels", required_argument, NULL, O_CHANNELS },
		{ "cap", required_argument, NULL, O_CAP },
		{ "monitors", required_argument, NULL, O_MON },
		{ "key", required_argument, NULL, O_KEY },
		{ "list-caps", no_argument, NULL, O_LISTCAPS },
		{ "control", no_argument, NULL, O_CONTROL },
		{ "pref-compression", required_argument, NULL, O_PREFCOMP },
		{ "pref-codecs", required_argument, NULL, O_PREFCODECS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "H:p:w:l:o:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'H': p->host = optarg; break;
		case 'p': p->port = atoi(optarg); break;
		case 'w': p->password = optarg; break;
		case O_SASL: p->sasl = true; break;
		case O_SASL_USER: p->sasl_user = optarg; break;
		case 'l': logpath = optarg; break;
		case O_RECORD: recpath = optarg; break;
		case 'o': p->png = optarg; break;
		case O_HEADS: p->png_heads = optarg; break;
		case O_ALL: p->png_all = optarg; break;
		case O_IDLE: p->exit_idle_ms = atoi(optarg); break;
		case 't': p->timeout_ms = (int)(atof(optarg) * 1000); break;
		case O_CHANNELS:
			for (int i = 0; i < CH_MAX; i++)
				p->want[i] = false;
			p->want[CH_MAIN] = true;
			p->want[CH_DISPLAY] = strstr(optarg, "display") != NULL;
			p->want[CH_CURSOR] = strstr(optarg, "cursor") != NULL;
			p->want[CH_INPUTS] = strstr(optarg, "inputs") != NULL;
			p->want[CH_PLAYBACK] = strstr(optarg, "playback") != NULL;
			p->want[CH_RECORD] = strstr(optarg, "record") != NULL;
			p->want[CH_PORT0] = strstr(optarg, "port") != NULL;
			break;
		case O_CAP: {
			const char *n = optarg;
			bool add = true;
			if (*n == '+' || *n == '-')
				add = *n++ == '+';
			size_t k;
			for (k = 0; k < sizeof(cap_names) / sizeof(cap_names[0]); k++)
				if (!strcasecmp(n, cap_names[k].name))
					break;
			if (k == sizeof(cap_names) / sizeof(cap_names[0]) || p->ncaps == 32) {
				fprintf(stderr, "spice-probe: unknown capability %s (see --list-caps)\n", n);
				return 2;
			}
			p->caps[p->ncaps].common = cap_names[k].common;
			p->caps[p->ncaps].bit = cap_names[k].bit;
			p->caps[p->ncaps].channel = cap_names[k].channel;
			p->caps[p->ncaps++].add = add;
			break;
		}
		case O_MON:
			if (parse_monitors(p, optarg)) {
				fprintf(stderr, "spice-probe: bad --monitors %s\n", optarg);
				return 2;
			}
			break;
		case O_KEY: {
			char *dup = strdup(optarg), *save = NULL;
			for (char *t = strtok_r(dup, ",", &save); t && p->nkeys < 32; t = strtok_r(NULL, ",", &save))
				p->keys[p->nkeys++] = (uint32_t)strtoul(t, NULL, 0);
			free(dup);
			break;
		}
		case O_PREFCOMP: {
			static const char *const names[] = { "invalid", "off", "auto_glz", "auto_lz", "quic", "glz", "lz", "lz4" };
			p->pref_compression = -2;
			for (int k = 1; k < 8; k++)
				if (!strcasecmp(optarg, names[k]))
					p->pref_compression = k;
			if (p->pref_compression < 0) {
				fprintf(stderr, "spice-probe: unknown compression %s (off, auto_glz, auto_lz, quic, glz, lz, lz4)\n", optarg);
				return 2;
			}
			break;
		}
		case O_PREFCODECS: {
			static const char *const names[] = { "", "mjpeg", "vp8", "h264", "vp9", "h265" };
			char *dup = strdup(optarg), *save = NULL;
			for (char *t = strtok_r(dup, ",", &save); t && p->npref_codecs < 8; t = strtok_r(NULL, ",", &save)) {
				int k;
				for (k = 1; k < 6; k++)
					if (!strcasecmp(t, names[k]))
						break;
				if (k == 6) {
					fprintf(stderr, "spice-probe: unknown codec %s (mjpeg, vp8, h264, vp9, h265)\n", t);
					free(dup);
					return 2;
				}
				p->pref_codecs[p->npref_codecs++] = (uint8_t)k;
			}
			free(dup);
			break;
		}
		case O_CONTROL: p->control = true; break;
		case O_LISTCAPS:
			for (size_t k = 0; k < sizeof(cap_names) / sizeof(cap_names[0]); k++)
				printf("%s%s\n", cap_names[k].name,
				       cap_names[k].common ? " (common)"
							   : cap_names[k].channel == SPICE_CHANNEL_DISPLAY ? " (display)"
							     : cap_names[k].channel == SPICE_CHANNEL_MAIN ? " (main)"
													   : " (inputs)");
			return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (logpath)
		p->log = strcmp(logpath, "-") ? fopen(logpath, "w") : stdout;
	if (logpath && !p->log) {
		fprintf(stderr, "spice-probe: %s: %s\n", logpath, strerror(errno));
		return 2;
	}
	if (recpath) {
		p->rec = fopen(recpath, "wb");
		if (!p->rec) {
			fprintf(stderr, "spice-probe: %s: %s\n", recpath, strerror(errno));
			return 2;
		}
		fwrite("SWREC1\n", 1, 7, p->rec);
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (alloc_channels(p)) {
		fprintf(stderr, "spice-probe: out of memory\n");
		free_channels(p);
		return 1;
	}
	for (unsigned id = 0; id < MAX_DISPLAYS; id++)
		sw_display_init(&p->disps[id], 0);
	p->start_ms = now_ms();

	int rc = probe_open_channel(p, CH_MAIN, SPICE_CHANNEL_MAIN, 0);
	int64_t deadline = p->start_ms + p->timeout_ms;
	bool timed_out = false;
	while (!rc && !stop_flag) {
		int64_t now = now_ms();
		if (now >= deadline) {
			timed_out = true;
			break;
		}
		if (p->nkeys && !p->keys_sent && p->inputs_ready && (rc = send_keys(p)))
			break;
		bool keys_done = !p->nkeys || p->keys_sent;
		bool mons_done = !p->nmons || p->monitors_sent;
		bool display_ready = displays_ready(p);
		if (p->exit_idle_ms > 0 && display_ready && keys_done && mons_done && p->mig.phase == MIG_IDLE &&
		    now - p->last_display_ms >= p->exit_idle_ms)
			break;
		struct pollfd pf[CH_MAX + 1];
		int map[CH_MAX + 1], n = 0;
		for (int i = 0; i < CH_MAX; i++)
			if (p->up[i]) {
				pf[n].fd = sw_channel_fd(p->ch[i]);
				pf[n].events = POLLIN;
				map[n++] = i;
			}
		int ctl_slot = -1;
		if (p->control && !p->stdin_eof) {
			ctl_slot = n;
			pf[n].fd = 0;
			pf[n].events = POLLIN;
			map[n++] = -1;
		}
		int wait = 100;
		int r = poll(pf, (nfds_t)n, wait);
		if (r < 0 && errno != EINTR) {
			perror("spice-probe: poll");
			rc = 1;
			break;
		}
		p->mig.changed = false;
		for (int i = 0; i < n && r > 0 && !rc && !p->mig.changed; i++)
			if (pf[i].revents && (i == ctl_slot || p->up[map[i]]))
				rc = i == ctl_slot ? read_control(p) : pump(p, map[i]);
		if (p->control && !rc)
			check_pending(p);
	}
	if (!rc && timed_out && p->exit_idle_ms > 0) {
		fprintf(stderr, "spice-probe: timed out after %d ms (%s)\n", p->timeout_ms,
			!displays_ready(p) ? "no primary surface" :
			(p->nmons && !p->monitors_sent) ? "agent never connected: monitors config not sent" :
			(p->nkeys && !p->keys_sent) ? "inputs channel not ready: keys not sent" : "display never idle");
		rc = 3;
	} else if (!rc && !p->control && p->nmons && !p->monitors_sent) {
		fprintf(stderr, "spice-probe: no agent connected: monitors config not sent\n");
		rc = 3;
	}
	if (!rc || p->disps[0].have_primary)
		if (save_outputs(p) && !rc)
			rc = 1;
	if (p->log) {
		fprintf(p->log, "{\"t\":%lld,\"event\":\"summary\",\"display_msgs\":%llu,\"draws\":%llu,"
				"\"rendered\":%llu,\"unrendered\":%llu,\"surfaces_created\":%llu,\"heads\":%u,\"rc\":%d,"
				"\"migration\":\"%s\",\"port\":%d}\n",
			(long long)(now_ms() - p->start_ms), (unsigned long long)p->display_msgs,
			(unsigned long long)p->disps[0].draws, (unsigned long long)p->disps[0].rendered,
			(unsigned long long)p->disps[0].unrendered, (unsigned long long)p->disps[0].surface_creates,
			p->disps[0].nheads, rc, mig_protocol_name(p), p->port);
		if (p->log != stdout)
			fclose(p->log);
	}
	if (p->rec)
		fclose(p->rec);
	for (int i = 0; i < CH_MAX; i++)
		if (p->up[i])
			sw_channel_close(p->ch[i]);
	mig_close_dst(p);
	free_channels(p);
	for (unsigned id = 0; id < MAX_DISPLAYS; id++)
		sw_display_free(&p->disps[id]);
	return rc;
}

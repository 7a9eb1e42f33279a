/* SPDX-License-Identifier: MIT */
/* spice-probe's state, shared by spice-probe.c and spice-probe-migrate.c. */
#ifndef SPICE_PROBE_H
#define SPICE_PROBE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "spice-display.h"
#include "spice-wire.h"

/* channel slots: display, cursor and port channels have one slot per id
 * (0..3): a stream device's display and cursor channels come after the qxl
 * device's */
enum {
	CH_MAIN, CH_DISPLAY, CH_CURSOR, CH_INPUTS, CH_PLAYBACK, CH_RECORD, CH_PORT0,
	CH_DISPLAY1 = CH_PORT0 + 4, CH_CURSOR1 = CH_DISPLAY1 + 3, CH_MAX = CH_CURSOR1 + 3
};
#define MAX_DISPLAYS 4

static inline int display_slot(unsigned id)
{
	return id == 0 ? CH_DISPLAY : CH_DISPLAY1 + (int)id - 1;
}

static inline int cursor_slot(unsigned id)
{
	return id == 0 ? CH_CURSOR : CH_CURSOR1 + (int)id - 1;
}

/* Following a migration (spice-probe-migrate.c). */
enum mig_phase {
	MIG_IDLE,	/* no migration going on */
	MIG_CONNECTED,	/* linked to the destination, told the source so */
};
enum mig_protocol { MIG_NONE, MIG_SEAMLESS, MIG_SEMI_SEAMLESS, MIG_SWITCH_HOST };

struct probe_mig {
	enum mig_phase phase;
	bool seamless;		/* the destination ACKed MIGRATE_DST_DO_SEAMLESS */
	char host[256];		/* destination */
	int port;
	struct sw_channel *dst[CH_MAX];	/* destination links, one per slot */
	bool dst_up[CH_MAX];
	/* seamless: source channels already switched stay open until every
	 * channel has switched; closing one earlier makes spice-server drop
	 * the client before the others got their MIGRATE_DATA */
	struct sw_channel *old[CH_MAX];
	bool old_up[CH_MAX];
	enum mig_protocol done;	/* protocol of the last completed migration */
	unsigned count;		/* migrations completed */
	bool skip_attach;	/* semi-seamless: the destination attaches the channels */
	bool changed;		/* channels were swapped: the poll set is stale */
};

struct probe {
	const char *host;
	char host_buf[256];	/* p->host after a migration */
	int port;
	const char *password;
	bool sasl;
	const char *sasl_user;
	FILE *log;
	FILE *rec;
	const char *png;
	const char *png_heads;
	int exit_idle_ms;
	int timeout_ms;
	bool want[CH_MAX];
	/* caps edits applied to every channel's default caps */
	struct { bool common; int bit; bool add; uint8_t channel; } caps[32];
	int ncaps;
	struct sw_monitor mons[SW_MAX_MONITORS];
	uint32_t nmons;
	int pref_compression;	/* -1: don't send */
	uint8_t pref_codecs[8];
	uint8_t npref_codecs;
	uint32_t keys[32];
	int nkeys;
	int key_delay_ms;

	/* every slot of ch, mig.dst and mig.old holds its own channel object
	 * from start to exit; a migration moves them between the arrays */
	struct sw_channel *ch[CH_MAX];
	bool up[CH_MAX];
	uint32_t session_id;
	uint32_t agent_tokens;
	bool agent_connected, agent_started, monitors_sent, keys_sent, inputs_ready;
	struct sw_display disps[MAX_DISPLAYS];
	bool disp_used[MAX_DISPLAYS];
	const char *png_all;
	int64_t start_ms, last_display_ms;
	uint64_t display_msgs;
	uint64_t streams_created, stream_frames, stream_activations, stream_reports_sent;
	struct { bool active; uint32_t unique_id, max_window, frames, start_mm, last_mm; } stream_report[64];

	/* --control: one command a line on stdin, one answer a line on stdout */
	bool control;
	char cbuf[4096];
	size_t clen;
	bool stdin_eof;
	int64_t last_display_us;	/* CLOCK_MONOTONIC of the last display message */
	enum { PEND_NONE, PEND_MONITORS, PEND_KEYS, PEND_SOLID } pending;
	int64_t pend_deadline_ms;
	uint32_t solid_w, solid_h, solid_rgb;

	struct probe_mig mig;
};


int64_t probe_now_ms(void);
int probe_die_channel(struct sw_channel *ch);
/* Why ch failed: its message, or the name of its error if it gave none. */
const char *probe_channel_why(const struct sw_channel *ch);
int probe_send(struct probe *p, struct sw_channel *ch, uint16_t type, const struct sw_buf *b);
/* Connects and links ch (type/id) to host:port with connection_id, the
 * probe's password and caps edits; logs "linked". No message is sent. */
int probe_link(struct probe *p, struct sw_channel *ch, uint8_t type, uint8_t id, const char *host, int port,
	       uint32_t connection_id);
/* What a freshly linked channel sends first (display: DISPLAY_INIT, ...). */
int probe_start_channel(struct probe *p, int idx);
/* Opens the channel slot idx on the current server (p->host, p->port). */
int probe_open_channel(struct probe *p, int idx, uint8_t type, uint8_t id);
/* Forgets the display model, caches, streams, agent and inputs state: the
 * server will send everything again (new session or semi-seamless switch). */
void probe_reset_session(struct probe *p);
void probe_log_event(struct probe *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

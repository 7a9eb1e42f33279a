/* SPDX-License-Identifier: MIT */
/*
 * The channel object behind the opaque struct sw_channel of spice-wire.h.
 * Not part of the API: programs use sw_channel_new() and the accessors. Only
 * channel.c includes it, plus the library's own unit test and fuzzer, which
 * check or set state no program should touch (the ACK window, a header kind
 * without a link stage).
 */
#ifndef SPICE_WIRE_CHANNEL_PRIV_H
#define SPICE_WIRE_CHANNEL_PRIV_H

#include "spice-wire.h"

/**
 * struct sw_channel - one SPICE channel connection
 *
 * Every field is owned by channel.c; sw_channel_close() releases the socket,
 * buffers and SASL state but keeps err/errmsg for the caller to read.
 */
struct sw_channel {
	int fd;
	bool unix_socket;
	uint8_t type, id;
	bool mini_header;
	bool closed;
	int err;
	char errmsg[256];
	int timeout_ms;
	uint64_t out_serial;
	uint64_t in_serial;
	uint32_t ack_generation, ack_window, ack_count;
	uint64_t msgs_in, bytes_in, msgs_out, bytes_out;
	struct sw_link_reply remote;
	struct sw_channel_opts opts;
	/* receive state */
	uint8_t *rbuf;
	size_t rcap;
	struct sw_sublist_iter sub;
	bool in_sublist;
	uint64_t sub_serial;
	int pending_fds[8];
	int npending_fds;
	/* auto replies (ACK/PONG/ACK_SYNC) */
	bool auto_base;
	/* we are the server end (sw_server_accept_link): incoming messages are
	 * validated as client messages */
	bool server_role;
	sw_send_hook send_hook;
	void *send_hook_opaque;
	/* Called for every message received (LIST containers and their
	 * sub-messages alike), after validation and before any automatic
	 * reply, so logs keep the wire order. Shares send_hook_opaque. */
	sw_send_hook recv_hook;
	/* SASL security layer (sasl_conn_t *) once negotiated */
	void *sasl_conn;
	bool sasl_layer;
	unsigned sasl_maxout;
	uint8_t *sasl_dec;
	size_t sasl_dec_len, sasl_dec_off, sasl_dec_cap;
};

#endif

// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the libspice-wire demarshallers and the display model.
 *
 * Input: [channel][flags][type lo][type hi] body...
 *   flags bit 0: 1 = server message, 0 = client message
 *   flags bit 1: feed body through a socketpair to sw_channel_read (LIST and
 *                sub_list handling, auto ACK/PONG replies)
 *   flags bit 3: with bit 1, full data headers instead of mini headers
 *   flags bit 4: a stream device message (spice-stream.h): body is the
 *                body of a message of that type, and also a byte stream of
 *                whole messages read through a socketpair by sw_streamdev_rx
 *   type 0xffff on the display channel: body is a sequence of
 *                [u16 type][u32 size][size bytes] applied to one display model
 * Every input also goes through the link, header, agent and JSON parsers.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../userspace/spice/channel-priv.h"	/* channel state without a link */
#include "../../userspace/tools/msg-json.h"
#include "spice-display.h"
#include "spice-stream.h"
#include "spice-wire.h"

static void model_setup(struct sw_display *d)
{
	struct sw_buf b;
	sw_buf_init(&b);
	struct sw_surface_create p = { 0, 64, 48, SPICE_SURFACE_FMT_32_xRGB, SPICE_SURFACE_FLAGS_PRIMARY };
	struct sw_surface_create a = { 1, 16, 16, SPICE_SURFACE_FMT_8_A, 0 };
	sw_display_init(d, 1 << 20);
	sw_put_surface_create(&b, &p);
	sw_display_apply(d, SPICE_MSG_DISPLAY_SURFACE_CREATE, b.data, b.len);
	sw_buf_reset(&b);
	sw_put_surface_create(&b, &a);
	sw_display_apply(d, SPICE_MSG_DISPLAY_SURFACE_CREATE, b.data, b.len);
	sw_buf_free(&b);
}

static void through_channel(uint8_t ch_type, bool mini, const uint8_t *b, size_t n)
{
	int sv[2];
	if (n > 32768 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return;
	if (n && write(sv[1], b, n) != (ssize_t)n) {
		close(sv[0]);
		close(sv[1]);
		return;
	}
	shutdown(sv[1], SHUT_WR);
	struct sw_channel *c = sw_channel_new();
	if (!c) {
		close(sv[0]);
		close(sv[1]);
		return;
	}
	sw_channel_from_fd(c, sv[0], true);
	/* the state a link stage would leave, without one */
	c->type = ch_type;
	c->mini_header = mini;
	sw_channel_set_timeout(c, 50);
	struct sw_msg m;
	for (int i = 0; i < 256 && sw_channel_read(c, &m, 50) == 0; i++)
		for (int k = 0; k < m.nfds; k++)
			close(m.fds[k]);
	sw_channel_free(c);
	close(sv[1]);
}

/* Stream device messages: the body by type, then the bytes as a stream. */
static void stream_device(uint16_t type, const uint8_t *b, size_t n)
{
	struct sw_streamdev_header h;
	struct sw_streamdev_msg m;
	int sv[2];

	sw_streamdev_validate(type, b, n);
	sw_get_streamdev_header(b, n, &h);
	if (n > 32768 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv))
		return;
	if (n && write(sv[1], b, n) != (ssize_t)n) {
		close(sv[0]);
		close(sv[1]);
		return;
	}
	close(sv[1]);
	struct sw_streamdev_rx *rx = sw_streamdev_rx_new();
	if (rx) {
		for (int i = 0; i < 4096 && sw_streamdev_rx_read(rx, sv[0], &m) >= 0; i++)
			;
		sw_streamdev_rx_free(rx);
	}
	close(sv[0]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	uint8_t ch = data[0] % 12;
	bool server = data[1] & 1;
	uint16_t type = (uint16_t)(data[2] | data[3] << 8);
	const uint8_t *b = data + 4;
	size_t n = size - 4;

	/* copy to an exact-size heap buffer so ASan sees any overread */
	uint8_t *body = malloc(n ? n : 1);
	if (!body)
		return 0;
	memcpy(body, b, n);

	if (data[1] & 0x10) {
		stream_device(type, body, n);
		free(body);
		return 0;
	}
	if (data[1] & 2) {
		through_channel(ch, !(data[1] & 8), body, n);
		free(body);
		return 0;
	}

	struct sw_buf o;
	sw_buf_init(&o);
	msg_json(&o, ch, 0, server, type, body, n);
	sw_buf_free(&o);

	struct sw_link_reply lr;
	struct sw_link_mess lm;
	struct sw_header h;
	uint32_t maj, min, sz;
	sw_get_link_reply(body, n, &lr);
	sw_get_link_mess(body, n, &lm);
	sw_get_link_header(body, n, &maj, &min, &sz);
	sw_get_header(body, n, data[1] & 4, &h);
	struct sw_monitor mons[SW_MAX_MONITORS];
	uint32_t cnt, fl;
	sw_get_agent_monitors_config(body, n, mons, SW_MAX_MONITORS, &cnt, &fl);

	if (ch == SPICE_CHANNEL_DISPLAY && server) {
		struct sw_display d;
		model_setup(&d);
		if (type == 0xffff) {
			struct sw_reader r;
			sw_reader_init(&r, body, n);
			for (int i = 0; i < 64 && sw_rleft(&r) >= 6; i++) {
				uint16_t t = sw_r16(&r);
				uint32_t s = sw_r32(&r);
				if (s > sw_rleft(&r))
					break;
				uint8_t *sub = malloc(s ? s : 1);
				if (!sub)
					break;
				memcpy(sub, sw_rbytes(&r, s), s);
				sw_display_apply(&d, t, sub, s);
				free(sub);
			}
		} else {
			sw_display_apply(&d, type, body, n);
		}
		sw_display_free(&d);
	}
	free(body);
	return 0;
}

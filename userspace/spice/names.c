// SPDX-License-Identifier: MIT
/* Message names and generic validation. */
#include <errno.h>
#include <string.h>

#include "spice-wire.h"

const char *sw_channel_name(uint8_t t)
{
	static const char *const n[] = {
		"?", "main", "display", "inputs", "cursor", "playback", "record", "tunnel",
		"smartcard", "usbredir", "port", "webdav",
	};
	return t < sizeof(n) / sizeof(n[0]) ? n[t] : "?";
}

#define N(x) [x] = #x
static const char *const base_srv[] = {
	[1] = "migrate", "migrate_data", "set_ack", "ping", "wait_for_channels",
	"disconnecting", "notify", "list",
};
static const char *const base_cli[] = {
	[1] = "ack_sync", "ack", "pong", "migrate_flush_mark", "migrate_data", "disconnecting",
};
static const char *const main_srv[] = {
	[0] = "migrate_begin", "migrate_cancel", "init", "channels_list", "mouse_mode",
	"multi_media_time", "agent_connected", "agent_disconnected", "agent_data", "agent_token",
	"migrate_switch_host", "migrate_end", "name", "uuid", "agent_connected_tokens",
	"migrate_begin_seamless", "migrate_dst_seamless_ack", "migrate_dst_seamless_nack",
};
static const char *const main_cli[] = {
	[0] = "client_info", "migrate_connected", "migrate_connect_error", "attach_channels",
	"mouse_mode_request", "agent_start", "agent_data", "agent_token", "migrate_end",
	"migrate_dst_do_seamless", "migrate_connected_seamless", "quality_indicator",
};
static const char *const disp_srv_lo[] = {
	[0] = "mode", "mark", "reset", "copy_bits", "inval_list", "inval_all_pixmaps",
	"inval_palette", "inval_all_palettes",
};
static const char *const disp_srv_stream[] = {
	[0] = "stream_create", "stream_data", "stream_clip", "stream_destroy", "stream_destroy_all",
};
static const char *const disp_srv_hi[] = {
	[0] = "draw_fill", "draw_opaque", "draw_copy", "draw_blend", "draw_blackness",
	"draw_whiteness", "draw_invers", "draw_rop3", "draw_stroke", "draw_text",
	"draw_transparent", "draw_alpha_blend", "surface_create", "surface_destroy",
	"stream_data_sized", "monitors_config", "draw_composite", "stream_activate_report",
	"gl_scanout_unix", "gl_draw", "quality_indicator", "gl_scanout2_unix",
};
static const char *const disp_cli[] = {
	[0] = "init", "stream_report", "preferred_compression", "gl_draw_done",
	"preferred_video_codec_type",
};
static const char *const inputs_cli[] = {
	[0] = "key_down", "key_up", "key_modifiers", "key_scancode",
	[10] = "mouse_motion", "mouse_position", "mouse_press", "mouse_release",
};
static const char *const inputs_srv[] = {
	[0] = "init", "key_modifiers", [10] = "mouse_motion_ack",
};
static const char *const cursor_srv[] = {
	[0] = "init", "reset", "set", "move", "hide", "trail", "inval_one", "inval_all",
};
static const char *const playback_srv[] = {
	[0] = "data", "mode", "start", "stop", "volume", "mute", "latency",
};
static const char *const record_srv[] = { [0] = "start", "stop", "volume", "mute" };
static const char *const record_cli[] = { [0] = "data", "mode", "start_mark" };
#undef N

#define LOOKUP(tab, idx) \
	((size_t)(idx) < sizeof(tab) / sizeof(tab[0]) && tab[idx] ? tab[idx] : NULL)

const char *sw_msg_name(uint8_t ch, bool server, uint16_t t)
{
	const char *s = NULL;
	if (t < 100)
		s = server ? LOOKUP(base_srv, t) : LOOKUP(base_cli, t);
	else if (t > 100)
		switch (ch) {
		case SPICE_CHANNEL_MAIN:
			s = server ? LOOKUP(main_srv, t - 101) : LOOKUP(main_cli, t - 101);
			break;
		case SPICE_CHANNEL_DISPLAY:
			if (!server)
				s = LOOKUP(disp_cli, t - 101);
			else if (t < 122)
				s = LOOKUP(disp_srv_lo, t - 101);
			else if (t < 302)
				s = LOOKUP(disp_srv_stream, t - 122);
			else
				s = LOOKUP(disp_srv_hi, t - 302);
			break;
		case SPICE_CHANNEL_INPUTS:
			s = server ? LOOKUP(inputs_srv, t - 101) : LOOKUP(inputs_cli, t - 101);
			break;
		case SPICE_CHANNEL_CURSOR:
			s = server ? LOOKUP(cursor_srv, t - 101) : NULL;
			break;
		case SPICE_CHANNEL_PLAYBACK:
			s = server ? LOOKUP(playback_srv, t - 101) : NULL;
			break;
		case SPICE_CHANNEL_RECORD:
			s = server ? LOOKUP(record_srv, t - 101) : LOOKUP(record_cli, t - 101);
			break;
		case SPICE_CHANNEL_PORT:
		case SPICE_CHANNEL_WEBDAV:
		case SPICE_CHANNEL_USBREDIR:
			if (t == 101)
				s = "data";
			else if (t == 102)
				s = "compressed_data";
			else if (t == 201)
				s = server ? "port_init" : "port_event";
			else if (t == 202 && server)
				s = "port_event";
			break;
		}
	return s ? s : "unknown";
}

static int validate_server(uint8_t ch, uint16_t t, const uint8_t *b, size_t n)
{
	union {
		struct sw_set_ack set_ack;
		struct sw_ping ping;
		struct sw_wait_for_channels wait;
		struct sw_disconnecting disc;
		struct sw_notify notify;
		struct sw_migrate migrate;
		struct sw_main_init init;
		struct sw_channels_list chl;
		struct sw_mouse_mode mm;
		struct sw_main_name name;
		uint8_t uuid[16];
		struct sw_migration_dst dst;
		struct sw_display_mode mode;
		struct sw_draw draw;
		struct sw_surface_create sc;
		struct sw_inval_list inval;
		struct sw_stream_create stc;
		struct sw_stream_data std;
		struct sw_stream_clip stclip;
		struct sw_monitors_config mc;
		struct sw_stream_activate_report sar;
		struct sw_gl_scanout gl;
		struct sw_gl_scanout2 gl2;
		struct sw_gl_draw gld;
		struct sw_cursor_init ci;
		struct sw_cursor_set cs;
		struct sw_point16 p16;
		struct sw_cursor_trail trail;
		struct sw_audio_data ad;
		struct sw_audio_start as;
		struct sw_audio_volume av;
		struct sw_port_init pi;
		uint64_t u64;
		uint32_t u32;
		uint16_t u16;
		uint8_t u8;
	} u;

	switch (t) {
	case SPICE_MSG_MIGRATE: return sw_get_migrate(b, n, &u.migrate);
	case SPICE_MSG_MIGRATE_DATA: return 0;
	case SPICE_MSG_SET_ACK: return sw_get_set_ack(b, n, &u.set_ack);
	case SPICE_MSG_PING: return sw_get_ping(b, n, &u.ping);
	case SPICE_MSG_WAIT_FOR_CHANNELS: return sw_get_wait_for_channels(b, n, &u.wait);
	case SPICE_MSG_DISCONNECTING: return sw_get_disconnecting(b, n, &u.disc);
	case SPICE_MSG_NOTIFY: return sw_get_notify(b, n, &u.notify);
	case SPICE_MSG_LIST: {
		struct sw_sublist_iter it;
		int err = sw_sublist_begin(&it, b, n, 0);
		uint16_t st;
		const uint8_t *sd;
		uint32_t ss;
		while (!err && (err = sw_sublist_next(&it, &st, &sd, &ss)) == 1)
			err = st == SPICE_MSG_LIST ? -EPROTO : validate_server(ch, st, sd, ss);
		return err;
	}
	}
	if (t < 101)
		return -EINVAL;
	switch (ch) {
	case SPICE_CHANNEL_MAIN:
		switch (t) {
		case SPICE_MSG_MAIN_MIGRATE_BEGIN:
		case SPICE_MSG_MAIN_MIGRATE_SWITCH_HOST:
			return sw_get_migration_dst(b, n, false, &u.dst);
		case SPICE_MSG_MAIN_MIGRATE_BEGIN_SEAMLESS:
			return sw_get_migration_dst(b, n, true, &u.dst);
		case SPICE_MSG_MAIN_MIGRATE_CANCEL:
		case SPICE_MSG_MAIN_AGENT_CONNECTED:
		case SPICE_MSG_MAIN_MIGRATE_END:
		case SPICE_MSG_MAIN_MIGRATE_DST_SEAMLESS_ACK:
		case SPICE_MSG_MAIN_MIGRATE_DST_SEAMLESS_NACK:
			return sw_get_empty(b, n);
		case SPICE_MSG_MAIN_INIT: return sw_get_main_init(b, n, &u.init);
		case SPICE_MSG_MAIN_CHANNELS_LIST: return sw_get_channels_list(b, n, &u.chl);
		case SPICE_MSG_MAIN_MOUSE_MODE: return sw_get_mouse_mode(b, n, &u.mm);
		case SPICE_MSG_MAIN_MULTI_MEDIA_TIME:
		case SPICE_MSG_MAIN_AGENT_DISCONNECTED:
		case SPICE_MSG_MAIN_AGENT_TOKEN:
		case SPICE_MSG_MAIN_AGENT_CONNECTED_TOKENS:
			return sw_get_u32_msg(b, n, &u.u32);
		case SPICE_MSG_MAIN_AGENT_DATA: return 0;
		case SPICE_MSG_MAIN_NAME: return sw_get_main_name(b, n, &u.name);
		case SPICE_MSG_MAIN_UUID: return sw_get_main_uuid(b, n, u.uuid);
		}
		break;
	case SPICE_CHANNEL_DISPLAY:
		if (sw_msg_is_draw(t))
			return sw_get_draw(t, b, n, &u.draw);
		switch (t) {
		case SPICE_MSG_DISPLAY_MODE: return sw_get_display_mode(b, n, &u.mode);
		case SPICE_MSG_DISPLAY_MARK:
		case SPICE_MSG_DISPLAY_RESET:
		case SPICE_MSG_DISPLAY_INVAL_ALL_PALETTES:
		case SPICE_MSG_DISPLAY_STREAM_DESTROY_ALL:
			return sw_get_empty(b, n);
		case SPICE_MSG_DISPLAY_INVAL_LIST: return sw_get_inval_list(b, n, &u.inval);
		case SPICE_MSG_DISPLAY_INVAL_ALL_PIXMAPS: return sw_get_wait_for_channels(b, n, &u.wait);
		case SPICE_MSG_DISPLAY_INVAL_PALETTE: return sw_get_u64_msg(b, n, &u.u64);
		case SPICE_MSG_DISPLAY_STREAM_CREATE: return sw_get_stream_create(b, n, &u.stc);
		case SPICE_MSG_DISPLAY_STREAM_DATA: return sw_get_stream_data(b, n, false, &u.std);
		case SPICE_MSG_DISPLAY_STREAM_DATA_SIZED: return sw_get_stream_data(b, n, true, &u.std);
		case SPICE_MSG_DISPLAY_STREAM_CLIP: return sw_get_stream_clip(b, n, &u.stclip);
		case SPICE_MSG_DISPLAY_STREAM_DESTROY:
		case SPICE_MSG_DISPLAY_SURFACE_DESTROY:
			return sw_get_u32_msg(b, n, &u.u32);
		case SPICE_MSG_DISPLAY_SURFACE_CREATE: return sw_get_surface_create(b, n, &u.sc);
		case SPICE_MSG_DISPLAY_MONITORS_CONFIG: return sw_get_monitors_config(b, n, &u.mc);
		case SPICE_MSG_DISPLAY_STREAM_ACTIVATE_REPORT:
			return sw_get_stream_activate_report(b, n, &u.sar);
		case SPICE_MSG_DISPLAY_GL_SCANOUT_UNIX: return sw_get_gl_scanout(b, n, &u.gl);
		case SW_MSG_DISPLAY_GL_SCANOUT2_UNIX: return sw_get_gl_scanout2(b, n, &u.gl2);
		case SPICE_MSG_DISPLAY_GL_DRAW: return sw_get_gl_draw(b, n, &u.gld);
		}
		break;
	case SPICE_CHANNEL_CURSOR:
		switch (t) {
		case SPICE_MSG_CURSOR_INIT: return sw_get_cursor_init(b, n, &u.ci);
		case SPICE_MSG_CURSOR_SET: return sw_get_cursor_set(b, n, &u.cs);
		case SPICE_MSG_CURSOR_MOVE: return sw_get_cursor_move(b, n, &u.p16);
		case SPICE_MSG_CURSOR_TRAIL: return sw_get_cursor_trail(b, n, &u.trail);
		case SPICE_MSG_CURSOR_INVAL_ONE: return sw_get_u64_msg(b, n, &u.u64);
		case SPICE_MSG_CURSOR_RESET:
		case SPICE_MSG_CURSOR_HIDE:
		case SPICE_MSG_CURSOR_INVAL_ALL:
			return sw_get_empty(b, n);
		}
		break;
	case SPICE_CHANNEL_INPUTS:
		switch (t) {
		case SPICE_MSG_INPUTS_INIT:
		case SPICE_MSG_INPUTS_KEY_MODIFIERS:
			return sw_get_u16_msg(b, n, &u.u16);
		case SPICE_MSG_INPUTS_MOUSE_MOTION_ACK: return sw_get_empty(b, n);
		}
		break;
	case SPICE_CHANNEL_PLAYBACK:
		switch (t) {
		case SPICE_MSG_PLAYBACK_DATA: return sw_get_playback_data(b, n, &u.ad);
		case SPICE_MSG_PLAYBACK_MODE: return sw_get_playback_mode(b, n, &u.ad);
		case SPICE_MSG_PLAYBACK_START: return sw_get_playback_start(b, n, &u.as);
		case SPICE_MSG_PLAYBACK_STOP: return sw_get_empty(b, n);
		case SPICE_MSG_PLAYBACK_VOLUME: return sw_get_audio_volume(b, n, &u.av);
		case SPICE_MSG_PLAYBACK_MUTE: return sw_get_u8_msg(b, n, &u.u8);
		case SPICE_MSG_PLAYBACK_LATENCY: return sw_get_u32_msg(b, n, &u.u32);
		}
		break;
	case SPICE_CHANNEL_RECORD:
		switch (t) {
		case SPICE_MSG_RECORD_START: return sw_get_record_start(b, n, &u.as);
		case SPICE_MSG_RECORD_STOP: return sw_get_empty(b, n);
		case SPICE_MSG_RECORD_VOLUME: return sw_get_audio_volume(b, n, &u.av);
		case SPICE_MSG_RECORD_MUTE: return sw_get_u8_msg(b, n, &u.u8);
		}
		break;
	case SPICE_CHANNEL_PORT:
	case SPICE_CHANNEL_WEBDAV:
		if (t == SPICE_MSG_PORT_INIT)
			return sw_get_port_init(b, n, &u.pi);
		if (t == SPICE_MSG_PORT_EVENT)
			return sw_get_u8_msg(b, n, &u.u8);
		break;
	}
	return 0;	/* unknown message in a valid range: accepted, logged as unknown */
}

static int validate_client(uint8_t ch, uint16_t t, const uint8_t *b, size_t n)
{
	union {
		uint64_t u64;
		uint32_t u32;
		uint16_t u16;
		uint8_t u8;
		struct sw_display_init di;
		struct sw_stream_report sr;
		struct sw_mouse_motion mm;
		struct sw_mouse_position mp;
		struct sw_mouse_button mb;
		const uint8_t *p;
	} u;
	uint32_t id;
	uint64_t ts;

	switch (t) {
	case SPICE_MSGC_ACK_SYNC: return sw_get_u32_msg(b, n, &u.u32);
	case SPICE_MSGC_ACK:
	case SPICE_MSGC_MIGRATE_FLUSH_MARK:
		return sw_get_empty(b, n);
	case SPICE_MSGC_PONG: return sw_get_pong(b, n, &id, &ts);
	case SPICE_MSGC_MIGRATE_DATA: return 0;
	case SPICE_MSGC_DISCONNECTING: {
		struct sw_disconnecting d;
		return sw_get_disconnecting(b, n, &d);
	}
	}
	switch (ch) {
	case SPICE_CHANNEL_MAIN:
		switch (t) {
		case SPICE_MSGC_MAIN_CLIENT_INFO: return sw_get_u64_msg(b, n, &u.u64);
		case SPICE_MSGC_MAIN_MOUSE_MODE_REQUEST: return sw_get_u16_msg(b, n, &u.u16);
		case SPICE_MSGC_MAIN_AGENT_START:
		case SPICE_MSGC_MAIN_AGENT_TOKEN:
		case SPICE_MSGC_MAIN_MIGRATE_DST_DO_SEAMLESS:
			return sw_get_u32_msg(b, n, &u.u32);
		case SPICE_MSGC_MAIN_AGENT_DATA: return n ? 0 : -EBADMSG;
		case SPICE_MSGC_MAIN_MIGRATE_CONNECTED:
		case SPICE_MSGC_MAIN_MIGRATE_CONNECT_ERROR:
		case SPICE_MSGC_MAIN_ATTACH_CHANNELS:
		case SPICE_MSGC_MAIN_MIGRATE_END:
		case SPICE_MSGC_MAIN_MIGRATE_CONNECTED_SEAMLESS:
			return sw_get_empty(b, n);
		}
		break;
	case SPICE_CHANNEL_DISPLAY:
		switch (t) {
		case SPICE_MSGC_DISPLAY_INIT: return sw_get_display_init(b, n, &u.di);
		case SPICE_MSGC_DISPLAY_STREAM_REPORT: return sw_get_stream_report(b, n, &u.sr);
		case SPICE_MSGC_DISPLAY_PREFERRED_COMPRESSION: return sw_get_u8_msg(b, n, &u.u8);
		case SPICE_MSGC_DISPLAY_GL_DRAW_DONE: return sw_get_empty(b, n);
		case SPICE_MSGC_DISPLAY_PREFERRED_VIDEO_CODEC_TYPE: {
			uint8_t c;
			return sw_get_preferred_video_codecs(b, n, &c, &u.p);
		}
		}
		break;
	case SPICE_CHANNEL_INPUTS:
		switch (t) {
		case SPICE_MSGC_INPUTS_KEY_DOWN:
		case SPICE_MSGC_INPUTS_KEY_UP:
			return sw_get_u32_msg(b, n, &u.u32);
		case SPICE_MSGC_INPUTS_KEY_MODIFIERS: return sw_get_u16_msg(b, n, &u.u16);
		case SPICE_MSGC_INPUTS_KEY_SCANCODE: return n ? 0 : -EBADMSG;
		case SPICE_MSGC_INPUTS_MOUSE_MOTION: return sw_get_mouse_motion(b, n, &u.mm);
		case SPICE_MSGC_INPUTS_MOUSE_POSITION: return sw_get_mouse_position(b, n, &u.mp);
		case SPICE_MSGC_INPUTS_MOUSE_PRESS:
		case SPICE_MSGC_INPUTS_MOUSE_RELEASE:
			return sw_get_mouse_button(b, n, &u.mb);
		}
		break;
	case SPICE_CHANNEL_RECORD:
		switch (t) {
		case SPICE_MSGC_RECORD_DATA:
		case SPICE_MSGC_RECORD_START_MARK:
			return n >= 4 ? (t == SPICE_MSGC_RECORD_START_MARK && n != 4 ? -EMSGSIZE : 0)
				      : -EBADMSG;
		case SPICE_MSGC_RECORD_MODE: return n >= 6 ? 0 : -EBADMSG;
		}
		break;
	case SPICE_CHANNEL_PORT:
	case SPICE_CHANNEL_WEBDAV:
		if (t == SPICE_MSGC_PORT_EVENT)
			return sw_get_u8_msg(b, n, &u.u8);
		break;
	}
	return 0;
}

int sw_validate(uint8_t ch, bool server, uint16_t t, const uint8_t *b, size_t n)
{
	if (n && !b)
		return -EINVAL;
	return server ? validate_server(ch, t, b, n) : validate_client(ch, t, b, n);
}

// SPDX-License-Identifier: MIT
/*
 * One SPICE message as a JSON object, for spice-probe's message log and the
 * tests that read it. Not part of libspice-wire (the protocol library): a
 * tool's output format, built on the library's parsers.
 */
#include <string.h>

#include "msg-json.h"

static void json_str(struct sw_buf *o, const uint8_t *s, size_t n)
{
	sw_w8(o, '"');
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];
		if (c == '"' || c == '\\')
			sw_wprintf(o, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			sw_wprintf(o, "\\u%04x", c);
		else
			sw_w8(o, c);
	}
	sw_w8(o, '"');
}

static void json_rect(struct sw_buf *o, const char *k, const struct sw_rect *r)
{
	sw_wprintf(o, ",\"%s\":[%d,%d,%d,%d]", k, r->left, r->top, r->right, r->bottom);
}

static void json_image(struct sw_buf *o, const char *k, const uint8_t *b, size_t n, uint32_t off)
{
	struct sw_image img;
	if (!off || sw_get_image(b, n, off, &img))
		return;
	sw_wprintf(o, ",\"%s\":{\"id\":%llu,\"type\":%u,\"flags\":%u,\"w\":%u,\"h\":%u", k,
		   (unsigned long long)img.id, img.type, img.flags, img.width, img.height);
	if (img.type == SPICE_IMAGE_TYPE_BITMAP)
		sw_wprintf(o, ",\"format\":%u,\"bm_flags\":%u,\"stride\":%u", img.bm_format,
			   img.bm_flags, img.bm_stride);
	else if (img.type == SPICE_IMAGE_TYPE_SURFACE)
		sw_wprintf(o, ",\"surface\":%u", img.surface_id);
	else
		sw_wprintf(o, ",\"data_len\":%u", img.data_len);
	sw_w8(o, '}');
}

static void json_server_fields(struct sw_buf *o, uint8_t ch, uint16_t t, const uint8_t *b, size_t n)
{
	switch (t) {
	case SPICE_MSG_SET_ACK: {
		struct sw_set_ack m;
		if (!sw_get_set_ack(b, n, &m))
			sw_wprintf(o, ",\"generation\":%u,\"window\":%u", m.generation, m.window);
		return;
	}
	case SPICE_MSG_PING: {
		struct sw_ping m;
		if (!sw_get_ping(b, n, &m))
			sw_wprintf(o, ",\"ping\":%u,\"data_len\":%u", m.id, m.data_len);
		return;
	}
	case SPICE_MSG_NOTIFY: {
		struct sw_notify m;
		if (!sw_get_notify(b, n, &m)) {
			sw_wprintf(o, ",\"severity\":%u,\"what\":%u,\"message\":", m.severity, m.what);
			json_str(o, m.message, m.message_len);
		}
		return;
	}
	case SPICE_MSG_DISCONNECTING: {
		struct sw_disconnecting m;
		if (!sw_get_disconnecting(b, n, &m))
			sw_wprintf(o, ",\"reason\":\"%s\"", sw_link_err_name(m.reason));
		return;
	}
	}
	if (ch == SPICE_CHANNEL_MAIN) {
		switch (t) {
		case SPICE_MSG_MAIN_INIT: {
			struct sw_main_init m;
			if (!sw_get_main_init(b, n, &m))
				sw_wprintf(o, ",\"session_id\":%u,\"display_channels_hint\":%u,"
					   "\"supported_mouse_modes\":%u,\"current_mouse_mode\":%u,"
					   "\"agent_connected\":%u,\"agent_tokens\":%u",
					   m.session_id, m.display_channels_hint, m.supported_mouse_modes,
					   m.current_mouse_mode, m.agent_connected, m.agent_tokens);
			return;
		}
		case SPICE_MSG_MAIN_CHANNELS_LIST: {
			struct sw_channels_list m;
			if (sw_get_channels_list(b, n, &m))
				return;
			sw_wbytes(o, ",\"channels\":[", 13);
			for (uint32_t i = 0; i < m.count; i++)
				sw_wprintf(o, "%s[\"%s\",%u]", i ? "," : "", sw_channel_name(m.raw[2 * i]),
					   m.raw[2 * i + 1]);
			sw_w8(o, ']');
			return;
		}
		case SPICE_MSG_MAIN_NAME: {
			struct sw_main_name m;
			if (!sw_get_main_name(b, n, &m)) {
				sw_wbytes(o, ",\"vm_name\":", 11);
				json_str(o, m.name, m.len && !m.name[m.len - 1] ? m.len - 1 : m.len);
			}
			return;
		}
		case SPICE_MSG_MAIN_MIGRATE_BEGIN:
		case SPICE_MSG_MAIN_MIGRATE_BEGIN_SEAMLESS:
		case SPICE_MSG_MAIN_MIGRATE_SWITCH_HOST: {
			struct sw_migration_dst m;
			if (sw_get_migration_dst(b, n, t == SPICE_MSG_MAIN_MIGRATE_BEGIN_SEAMLESS, &m))
				return;
			sw_wprintf(o, ",\"port\":%u,\"sport\":%u,\"host\":", m.port, m.sport);
			json_str(o, m.host, m.host_size && !m.host[m.host_size - 1] ? m.host_size - 1 : m.host_size);
			if (t == SPICE_MSG_MAIN_MIGRATE_BEGIN_SEAMLESS)
				sw_wprintf(o, ",\"src_mig_version\":%u", m.src_mig_version);
			return;
		}
		case SPICE_MSG_MAIN_MOUSE_MODE: {
			struct sw_mouse_mode m;
			if (!sw_get_mouse_mode(b, n, &m))
				sw_wprintf(o, ",\"supported\":%u,\"current\":%u", m.supported, m.current);
			return;
		}
		case SPICE_MSG_MAIN_AGENT_TOKEN:
		case SPICE_MSG_MAIN_AGENT_CONNECTED_TOKENS: {
			uint32_t v;
			if (!sw_get_u32_msg(b, n, &v))
				sw_wprintf(o, ",\"num_tokens\":%u", v);
			return;
		}
		}
		return;
	}
	if (ch == SPICE_CHANNEL_DISPLAY) {
		switch (t) {
		case SPICE_MSG_DISPLAY_SURFACE_CREATE: {
			struct sw_surface_create m;
			if (!sw_get_surface_create(b, n, &m))
				sw_wprintf(o, ",\"surface\":%u,\"width\":%u,\"height\":%u,\"format\":%u,\"flags\":%u",
					   m.surface_id, m.width, m.height, m.format, m.flags);
			return;
		}
		case SPICE_MSG_DISPLAY_SURFACE_DESTROY: {
			uint32_t v;
			if (!sw_get_u32_msg(b, n, &v))
				sw_wprintf(o, ",\"surface\":%u", v);
			return;
		}
		case SPICE_MSG_DISPLAY_MONITORS_CONFIG: {
			struct sw_monitors_config m;
			if (sw_get_monitors_config(b, n, &m))
				return;
			sw_wprintf(o, ",\"max_allowed\":%u,\"heads\":[", m.max_allowed);
			for (uint16_t i = 0; i < m.count; i++) {
				struct sw_head h = sw_head_at(&m, i);
				sw_wprintf(o, "%s{\"id\":%u,\"surface\":%u,\"x\":%u,\"y\":%u,\"w\":%u,\"h\":%u}",
					   i ? "," : "", h.id, h.surface_id, h.x, h.y, h.width, h.height);
			}
			sw_w8(o, ']');
			return;
		}
		case SPICE_MSG_DISPLAY_GL_SCANOUT_UNIX: {
			struct sw_gl_scanout m;
			if (!sw_get_gl_scanout(b, n, &m))
				sw_wprintf(o, ",\"width\":%u,\"height\":%u,\"stride\":%u,\"fourcc\":%u,\"flags\":%u",
					   m.width, m.height, m.stride, m.drm_fourcc_format, m.flags);
			return;
		}
		case SPICE_MSG_DISPLAY_GL_DRAW: {
			struct sw_gl_draw m;
			if (!sw_get_gl_draw(b, n, &m))
				sw_wprintf(o, ",\"x\":%u,\"y\":%u,\"w\":%u,\"h\":%u", m.x, m.y, m.w, m.h);
			return;
		}
		case SPICE_MSG_DISPLAY_STREAM_CREATE: {
			struct sw_stream_create m;
			if (!sw_get_stream_create(b, n, &m)) {
				sw_wprintf(o, ",\"stream\":%u,\"codec\":%u,\"surface\":%u,\"w\":%u,\"h\":%u", m.id,
					   m.codec_type, m.surface_id, m.stream_width, m.stream_height);
				json_rect(o, "dest", &m.dest);
			}
			return;
		}
		}
		if (sw_msg_is_draw(t)) {
			struct sw_draw d;
			if (sw_get_draw(t, b, n, &d))
				return;
			sw_wprintf(o, ",\"surface\":%u", d.base.surface_id);
			json_rect(o, "box", &d.base.box);
			sw_wprintf(o, ",\"clip_rects\":%u", d.base.clip.type ? d.base.clip.num_rects : 0);
			if (t == SPICE_MSG_DISPLAY_COPY_BITS)
				sw_wprintf(o, ",\"src_pos\":[%d,%d]", d.src_pos.x, d.src_pos.y);
			if (d.brush.type == SPICE_BRUSH_TYPE_SOLID)
				sw_wprintf(o, ",\"color\":%u", d.brush.color);
			if (d.rop_descriptor)
				sw_wprintf(o, ",\"rop\":%u", d.rop_descriptor);
			if (d.src_off) {
				json_rect(o, "src_area", &d.src_area);
				json_image(o, "src", b, n, d.src_off);
			}
			if (t == SPICE_MSG_DISPLAY_DRAW_COMPOSITE) {
				sw_wprintf(o, ",\"composite_flags\":%u", d.comp_flags);
				if (d.comp_flags & SPICE_COMPOSITE_HAS_MASK)
					json_image(o, "mask", b, n, d.mask_src_off);
			}
		}
		return;
	}
	if (ch == SPICE_CHANNEL_CURSOR) {
		if (t == SPICE_MSG_CURSOR_SET || t == SPICE_MSG_CURSOR_INIT) {
			struct sw_cursor_set s;
			struct sw_cursor_init in;
			const struct sw_cursor *c;
			struct sw_point16 pos;
			if (t == SPICE_MSG_CURSOR_SET) {
				if (sw_get_cursor_set(b, n, &s))
					return;
				c = &s.cursor;
				pos = s.position;
			} else {
				if (sw_get_cursor_init(b, n, &in))
					return;
				c = &in.cursor;
				pos = in.position;
			}
			sw_wprintf(o, ",\"x\":%d,\"y\":%d,\"cursor_flags\":%u", pos.x, pos.y, c->flags);
			if (c->has_header)
				sw_wprintf(o, ",\"cursor_type\":%u,\"w\":%u,\"h\":%u,\"hot_x\":%u,\"hot_y\":%u",
					   c->type, c->width, c->height, c->hot_x, c->hot_y);
		} else if (t == SPICE_MSG_CURSOR_MOVE) {
			struct sw_point16 p;
			if (!sw_get_cursor_move(b, n, &p))
				sw_wprintf(o, ",\"x\":%d,\"y\":%d", p.x, p.y);
		}
		return;
	}
	if ((ch == SPICE_CHANNEL_PORT || ch == SPICE_CHANNEL_WEBDAV) && t == SPICE_MSG_PORT_INIT) {
		struct sw_port_init pi;
		if (!sw_get_port_init(b, n, &pi)) {
			sw_wbytes(o, ",\"port_name\":", 13);
			json_str(o, pi.name, pi.name_size - 1);
			sw_wprintf(o, ",\"opened\":%u", pi.opened);
		}
		return;
	}
	if (ch == SPICE_CHANNEL_PLAYBACK || ch == SPICE_CHANNEL_RECORD) {
		struct sw_audio_start as;
		struct sw_audio_data ad;
		struct sw_audio_volume av;
		if (ch == SPICE_CHANNEL_PLAYBACK && t == SPICE_MSG_PLAYBACK_START && !sw_get_playback_start(b, n, &as))
			sw_wprintf(o, ",\"channels\":%u,\"format\":%u,\"frequency\":%u", as.channels, as.format,
				   as.frequency);
		else if (ch == SPICE_CHANNEL_RECORD && t == SPICE_MSG_RECORD_START && !sw_get_record_start(b, n, &as))
			sw_wprintf(o, ",\"channels\":%u,\"format\":%u,\"frequency\":%u", as.channels, as.format,
				   as.frequency);
		else if (ch == SPICE_CHANNEL_PLAYBACK && t == SPICE_MSG_PLAYBACK_MODE && !sw_get_playback_mode(b, n, &ad))
			sw_wprintf(o, ",\"mode\":%u", ad.mode);
		else if (((ch == SPICE_CHANNEL_PLAYBACK && t == SPICE_MSG_PLAYBACK_VOLUME) ||
			  (ch == SPICE_CHANNEL_RECORD && t == SPICE_MSG_RECORD_VOLUME)) &&
			 !sw_get_audio_volume(b, n, &av))
			sw_wprintf(o, ",\"nchannels\":%u", av.nchannels);
		return;
	}
	if (ch == SPICE_CHANNEL_INPUTS && (t == SPICE_MSG_INPUTS_INIT || t == SPICE_MSG_INPUTS_KEY_MODIFIERS)) {
		uint16_t v;
		if (!sw_get_u16_msg(b, n, &v))
			sw_wprintf(o, ",\"modifiers\":%u", v);
	}
}

int msg_json(struct sw_buf *o, uint8_t ch, uint8_t id, bool server, uint16_t t, const uint8_t *b,
		size_t n)
{
	int err = sw_validate(ch, server, t, b, n);
	sw_wprintf(o, "{\"ch\":\"%s\",\"id\":%u,\"dir\":\"%s\",\"type\":%u,\"name\":\"%s\",\"size\":%zu",
		   sw_channel_name(ch), id, server ? "in" : "out", t, sw_msg_name(ch, server, t), n);
	if (err)
		sw_wprintf(o, ",\"error\":\"%s\"", sw_strerror(err));
	else if (server)
		json_server_fields(o, ch, t, b, n);
	else if (ch == SPICE_CHANNEL_INPUTS && t == SPICE_MSGC_INPUTS_KEY_SCANCODE) {
		sw_wbytes(o, ",\"scancode\":[", 12);
		for (size_t i = 0; i < n; i++)
			sw_wprintf(o, "%s%u", i ? "," : "", b[i]);
		sw_w8(o, ']');
	}
	sw_w8(o, '}');
	return o->err ? o->err : err;
}

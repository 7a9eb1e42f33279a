// SPDX-License-Identifier: MIT
/*
 * spice-probe-bench: demarshal throughput of libspice-wire on a session
 * recorded with `spice-probe --record FILE`.
 *
 *   spice-probe-bench [--seconds S] [--model] [--json] FILE
 *   spice-probe-bench [--seconds S] [--model] [--json] --synthetic N
 *
 * --synthetic N builds an in-memory session instead: a 1024x768 primary, then
 * N draws cycling through a 64x64 32-bit DRAW_COPY, a solid DRAW_FILL with 4
 * clip rects and a COPY_BITS (the mix a desktop produces with compression off).
 *
 * Loads every recorded message into memory, then validates (fully
 * demarshals) them in a loop for at least S seconds (default 2) and prints
 * messages/s and MB/s. --model also applies display messages to a display
 * model (fresh per pass); --json also renders the JSON log line.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "msg-json.h"
#include "spice-display.h"
#include "spice-wire.h"

struct rec {
	uint8_t ch, id;
	uint16_t type;
	uint32_t size;
	uint8_t *body;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct rec mkrec(uint16_t type, const struct sw_buf *b)
{
	struct rec r = { SPICE_CHANNEL_DISPLAY, 0, type, (uint32_t)b->len, malloc(b->len ? b->len : 1) };
	if (r.body)
		memcpy(r.body, b->data, b->len);
	return r;
}

static struct rec *synthetic(size_t n, size_t *count, uint64_t *bytes)
{
	struct rec *recs = calloc(n + 1, sizeof(*recs));
	struct sw_buf b;
	sw_buf_init(&b);
	struct sw_surface_create sc = { 0, 1024, 768, SPICE_SURFACE_FMT_32_xRGB, SPICE_SURFACE_FLAGS_PRIMARY };
	sw_put_surface_create(&b, &sc);
	recs[0] = mkrec(SPICE_MSG_DISPLAY_SURFACE_CREATE, &b);
	static uint32_t px[64 * 64];
	for (int i = 0; i < 64 * 64; i++)
		px[i] = (uint32_t)i * 2654435761u;
	uint8_t rects[4 * 16];
	for (int i = 0; i < 4; i++) {
		uint32_t v[4] = { (uint32_t)i * 100, 0, (uint32_t)i * 100 + 50, 1024 };
		for (int k = 0; k < 16; k++)
			rects[16 * i + k] = (uint8_t)(v[k / 4] >> (8 * (k % 4)));
	}
	*bytes = recs[0].size + 6;
	for (size_t i = 1; i <= n; i++) {
		struct sw_draw d;
		memset(&d, 0, sizeof(d));
		int32_t x = (int32_t)(i * 37 % 960), y = (int32_t)(i * 53 % 704);
		d.base.box = (struct sw_rect){ y, x, y + 64, x + 64 };
		d.rop_descriptor = SPICE_ROPD_OP_PUT;
		sw_buf_reset(&b);
		switch (i % 3) {
		case 0: {
			d.msg_type = SPICE_MSG_DISPLAY_DRAW_COPY;
			d.src_area = (struct sw_rect){ 0, 0, 64, 64 };
			sw_put_draw(&b, &d);
			uint32_t off;
			sw_put_image_bitmap(&b, i, SPICE_BITMAP_FMT_32BIT, SPICE_BITMAP_FLAGS_TOP_DOWN, 64, 64, 256, px, &off);
			sw_patch32(&b, 21, off);
			break;
		}
		case 1:
			d.msg_type = SPICE_MSG_DISPLAY_DRAW_FILL;
			d.base.clip.type = SPICE_CLIP_TYPE_RECTS;
			d.base.clip.num_rects = 4;
			d.base.clip.rects = rects;
			d.brush.type = SPICE_BRUSH_TYPE_SOLID;
			d.brush.color = (uint32_t)i;
			sw_put_draw(&b, &d);
			break;
		default:
			d.msg_type = SPICE_MSG_DISPLAY_COPY_BITS;
			d.src_pos = (struct sw_point){ x / 2, y / 2 };
			sw_put_draw(&b, &d);
		}
		recs[i] = mkrec(d.msg_type, &b);
		*bytes += recs[i].size + 6;
	}
	sw_buf_free(&b);
	*count = n + 1;
	return recs;
}

int main(int argc, char **argv)
{
	double seconds = 2;
	bool model = false, json = false;
	const char *path = NULL;
	size_t nsynth = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (!strcmp(argv[i], "--synthetic") && i + 1 < argc)
			nsynth = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--model"))
			model = true;
		else if (!strcmp(argv[i], "--json"))
			json = true;
		else
			path = argv[i];
	}
	struct rec *recs = NULL;
	size_t n = 0, cap = 0;
	uint64_t bytes = 0;
	if (nsynth) {
		recs = synthetic(nsynth, &n, &bytes);
		goto run;
	}
	if (!path) {
		fprintf(stderr, "usage: spice-probe-bench [--seconds S] [--model] [--json] FILE.rec | --synthetic N\n");
		return 2;
	}
	FILE *f = fopen(path, "rb");
	char magic[7];
	if (!f || fread(magic, 1, 7, f) != 7 || memcmp(magic, "SWREC1\n", 7)) {
		fprintf(stderr, "spice-probe-bench: %s is not a spice-probe recording\n", path);
		return 2;
	}
	uint8_t h[8];
	while (fread(h, 1, 8, f) == 8) {
		struct rec r = { h[0], h[1], (uint16_t)(h[2] | h[3] << 8), sw_le32(h + 4), NULL };
		if (r.size > (256u << 20))
			break;
		r.body = malloc(r.size ? r.size : 1);
		if (!r.body || fread(r.body, 1, r.size, f) != r.size) {
			free(r.body);
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			recs = realloc(recs, cap * sizeof(*recs));
			if (!recs)
				return 1;
		}
		recs[n++] = r;
		bytes += r.size + 6;	/* count the mini header too */
	}
	fclose(f);
	if (!n) {
		fprintf(stderr, "spice-probe-bench: no messages in %s\n", path);
		return 2;
	}
run:;
	uint64_t msgs = 0, errors = 0, total = 0;
	struct sw_buf o;
	sw_buf_init(&o);
	double t0 = now_s(), t;
	do {
		struct sw_display d;
		if (model)
			sw_display_init(&d, 0);
		for (size_t i = 0; i < n; i++) {
			struct rec *r = &recs[i];
			if (sw_validate(r->ch, true, r->type, r->body, r->size))
				errors++;
			if (json) {
				sw_buf_reset(&o);
				msg_json(&o, r->ch, r->id, true, r->type, r->body, r->size);
			}
			if (model && r->ch == SPICE_CHANNEL_DISPLAY)
				sw_display_apply(&d, r->type, r->body, r->size);
		}
		if (model)
			sw_display_free(&d);
		msgs += n;
		total += bytes;
		t = now_s() - t0;
	} while (t < seconds);
	printf("{\"messages\":%zu,\"bytes\":%llu,\"passes\":%llu,\"seconds\":%.3f,\"msgs_per_s\":%.0f,"
	       "\"MB_per_s\":%.1f,\"model\":%s,\"json\":%s,\"errors\":%llu}\n",
	       n, (unsigned long long)bytes, (unsigned long long)(msgs / n), t, msgs / t, total / t / 1e6,
	       model ? "true" : "false", json ? "true" : "false", (unsigned long long)errors);
	sw_buf_free(&o);
	for (size_t i = 0; i < n; i++)
		free(recs[i].body);
	free(recs);
	return errors ? 1 : 0;
}

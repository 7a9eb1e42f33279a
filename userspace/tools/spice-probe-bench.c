// SPDX-License-Identifier: MIT
/*
 * spice-probe-bench: demarshal throughput of libspice-wire on a session
 * recorded with `spice-probe --record FILE`.
 *
 *   spice-probe-bench [--seconds S] [--model] [--json] FILE
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

int main(int argc, char **argv)
{
	double seconds = 2;
	bool model = false, json = false;
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (!strcmp(argv[i], "--model"))
			model = true;
		else if (!strcmp(argv[i], "--json"))
			json = true;
		else
			path = argv[i];
	}
	if (!path) {
		fprintf(stderr, "usage: spice-probe-bench [--seconds S] [--model] [--json] FILE.rec\n");
		return 2;
	}
	FILE *f = fopen(path, "rb");
	char magic[7];
	if (!f || fread(magic, 1, 7, f) != 7 || memcmp(magic, "SWREC1\n", 7)) {
		fprintf(stderr, "spice-probe-bench: %s is not a spice-probe recording\n", path);
		return 2;
	}
	struct rec *recs = NULL;
	size_t n = 0, cap = 0;
	uint64_t bytes = 0;
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
				sw_msg_json(&o, r->ch, r->id, true, r->type, r->body, r->size);
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

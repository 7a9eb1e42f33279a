// SPDX-License-Identifier: MIT
/*
 * qxl-scanout-dump: a sample consumer of the scanout bridge (qxl-scanout).
 * Links to the socket, maps every frame it is given, and for every scanout
 * and GL_DRAW prints a line with the CRC-32 of the frame's pixels (every
 * visible row of every plane), optionally writes the frame as PNG, then
 * answers GL_DRAW_DONE.
 *
 *   scanout <W>x<H> <FOURCC> planes=<n> modifier=0x<m> msg=<GL_SCANOUT|GL_SCANOUT2> crc=0x<crc>
 *   draw <x> <y> <w> <h> crc=0x<crc>
 *
 * Usage: qxl-scanout-dump -s SOCKET [-n DRAWS] [-T SECONDS] [-p OUT.png]
 *                         [-1] [-x] [-q]
 *   -1  do not announce the multi-plane capability (get GL_SCANOUT_UNIX)
 *   -x  never answer GL_DRAW_DONE (a stuck consumer, for tests)
 *   -q  only print the final line
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "qxl-scanout.h"
#include "spice-display.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint32_t frame_crc(const struct qs_mapped_frame *f)
{
	uLong crc = crc32(0, Z_NULL, 0);

	for (uint32_t p = 0; p < f->num_planes; p++) {
		uint32_t cpp = 0, hs = 1, vs = 1;

		if (qs_format_plane(f->fourcc, p, &cpp, &hs, &vs, NULL))
			return 0;
		uint32_t w = (f->width + hs - 1) / hs, h = (f->height + vs - 1) / vs;

		for (uint32_t y = 0; y < h; y++)
			crc = crc32(crc, f->planes[p].data + (size_t)y * f->planes[p].stride, w * cpp);
	}
	return (uint32_t)crc;
}

static int write_png(const char *path, const struct qs_mapped_frame *f)
{
	if (f->num_planes != 1 || (f->fourcc != 0x34325258 && f->fourcc != 0x34325241))
		return -ENOTSUP;	/* XR24 / AR24 only */
	return sw_png_write(path, (const uint32_t *)f->planes[0].data, f->width, f->height, f->planes[0].stride / 4,
			    3) ? -EIO : 0;
}

int main(int argc, char **argv)
{
	const char *sock = NULL, *png = NULL;
	unsigned flags = 0, max_draws = 0, draws = 0, scanouts = 0;
	int no_ack = 0, quiet = 0, opt, ret = 0;
	double run_for = 10, t_end;
	struct qs_client *c;

	while ((opt = getopt(argc, argv, "s:n:T:p:1xq")) != -1) {
		switch (opt) {
		case 's': sock = optarg; break;
		case 'n': max_draws = (unsigned)atoi(optarg); break;
		case 'T': run_for = atof(optarg); break;
		case 'p': png = optarg; break;
		case '1': flags |= QS_CLIENT_NO_MULTI_PLANE; break;
		case 'x': no_ack = 1; break;
		case 'q': quiet = 1; break;
		default:
			fprintf(stderr, "usage: %s -s SOCKET [-n DRAWS] [-T SECONDS] [-p OUT.png] [-1] [-x] [-q]\n",
				argv[0]);
			return 2;
		}
	}
	if (!sock) {
		fprintf(stderr, "qxl-scanout-dump: -s SOCKET is required\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	t_end = now_s() + run_for;
	/* the server may still be starting: retry the connection for a while */
	for (;;) {
		ret = qs_client_connect(&c, sock, flags, 5000);
		if (!ret || now_s() > t_end || (ret != -ENOENT && ret != -ECONNREFUSED))
			break;
		usleep(50000);
	}
	if (ret) {
		printf("error connect %s: %s\n", sock, strerror(-ret));
		return 1;
	}
	printf("linked\n");
	while (now_s() < t_end && (!max_draws || draws < max_draws)) {
		struct qs_event ev;
		int left = (int)((t_end - now_s()) * 1000) + 1;

		ret = qs_client_next(c, &ev, left);
		if (ret == -ETIMEDOUT)
			break;
		if (ret) {
			printf("error %s (%s)\n", qs_client_error(c), strerror(-ret));
			qs_client_free(c);
			return 1;
		}
		const struct qs_mapped_frame *f = qs_client_frame(c);

		qs_client_begin_read(c);
		uint32_t crc = frame_crc(f);

		if (png && write_png(png, f) && !quiet)
			printf("note: no PNG for this format\n");
		qs_client_end_read(c);
		if (ev.type == QS_EVENT_SCANOUT) {
			scanouts++;
			if (!quiet)
				printf("scanout %ux%u %.4s planes=%u modifier=0x%llx msg=%s stride=%u crc=0x%08x\n",
				       f->width, f->height, (const char *)&f->fourcc, f->num_planes,
				       (unsigned long long)f->modifier, ev.multi_plane ? "GL_SCANOUT2" : "GL_SCANOUT",
				       f->planes[0].stride, crc);
		} else {
			draws++;
			if (!quiet)
				printf("draw %u %u %u %u crc=0x%08x\n", ev.rect.x, ev.rect.y, ev.rect.w, ev.rect.h, crc);
			if (!no_ack) {
				ret = qs_client_ack(c);
				if (ret) {
					printf("error ack: %s\n", qs_client_error(c));
					qs_client_free(c);
					return 1;
				}
			}
		}
	}
	printf("done scanouts=%u draws=%u\n", scanouts, draws);
	qs_client_free(c);
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * qxl-scanout: serves the current scanout of a CRTC to local consumers on a
 * unix socket, zero-copy: GL_SCANOUT2_UNIX / GL_SCANOUT_UNIX with the
 * framebuffer's dma-bufs (GETFB2 + PRIME), then GL_DRAW with the damaged
 * rectangle (DRM_IOCTL_QXL_NG_SCANOUT_DAMAGE) once per vblank
 * (DRM_IOCTL_CRTC_QUEUE_SEQUENCE), with GL_DRAW_DONE flow control.
 *
 * Usage: qxl-scanout -s SOCKET [-d DEVICE] [-c CRTC] [-t DRAW_TIMEOUT_MS]
 *                    [-T SECONDS] [-v]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "qxl-scanout.h"
#include "qxl_drm.h"

static volatile sig_atomic_t stop;
static int verbose;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct state {
	int fd;
	uint32_t crtc_id;
	uint32_t fb_id;
	uint32_t w, h;
	bool have_damage_ioctl;
	bool seq_queued;
	bool seq_broken;
	struct qs_server *srv;
};

/* Exports framebuffer fb_id (GETFB2 + PRIME) and makes it the frame. */
static int export_fb(struct state *st, uint32_t fb_id)
{
	drmModeFB2 *fb = drmModeGetFB2(st->fd, fb_id);
	struct qs_frame f;
	int ret = 0, nplanes = 0;

	if (!fb) {
		ret = -errno;
		fprintf(stderr, "qxl-scanout: GETFB2 %u: %s\n", fb_id, strerror(errno));
		return ret;
	}
	memset(&f, 0, sizeof(f));
	for (int p = 0; p < 4; p++)
		f.planes[p].fd = -1;
	for (int p = 0; p < 4 && fb->handles[p]; p++)
		nplanes = p + 1;
	if (!nplanes) {
		fprintf(stderr, "qxl-scanout: GETFB2 gave no handles (not DRM master nor CAP_SYS_ADMIN)\n");
		drmModeFreeFB2(fb);
		return -EACCES;
	}
	f.width = fb->width;
	f.height = fb->height;
	f.fourcc = fb->pixel_format;
	f.modifier = (fb->flags & DRM_MODE_FB_MODIFIERS) ? fb->modifier : DRM_FORMAT_MOD_INVALID;
	f.flags = 1;	/* SPICE_GL_SCANOUT_FLAGS_Y0TOP: KMS framebuffers are top-down */
	f.num_planes = (uint32_t)nplanes;
	for (int p = 0; p < nplanes && !ret; p++) {
		f.planes[p].offset = fb->offsets[p];
		f.planes[p].stride = fb->pitches[p];
		for (int q = 0; q < p; q++) {
			if (fb->handles[q] == fb->handles[p]) {
				f.planes[p].fd = dup(f.planes[q].fd);
				break;
			}
		}
		if (f.planes[p].fd < 0 && drmPrimeHandleToFD(st->fd, fb->handles[p], DRM_CLOEXEC, &f.planes[p].fd)) {
			ret = -errno;
			fprintf(stderr, "qxl-scanout: PRIME export of plane %d: %s\n", p, strerror(errno));
		}
	}
	for (int p = 0; p < nplanes; p++) {
		bool seen = false;

		for (int q = 0; q < p; q++)
			seen |= fb->handles[q] == fb->handles[p];
		if (!seen) {
			struct drm_gem_close gc = { .handle = fb->handles[p] };

			drmIoctl(st->fd, DRM_IOCTL_GEM_CLOSE, &gc);
		}
	}
	if (!ret)
		ret = qs_server_set_frame(st->srv, &f);
	if (!ret) {
		st->fb_id = fb_id;
		st->w = f.width;
		st->h = f.height;
		fprintf(stderr, "qxl-scanout: scanout fb %u %ux%u %.4s planes %u modifier 0x%llx pitch %u\n", fb_id,
			f.width, f.height, (const char *)&f.fourcc, f.num_planes, (unsigned long long)f.modifier,
			f.planes[0].stride);
	}
	for (int p = 0; p < nplanes; p++)
		if (f.planes[p].fd >= 0)
			close(f.planes[p].fd);
	drmModeFreeFB2(fb);
	return ret;
}

static uint32_t crtc_fb(struct state *st)
{
	drmModeCrtc *c = drmModeGetCrtc(st->fd, st->crtc_id);
	uint32_t id = c ? c->buffer_id : 0;

	drmModeFreeCrtc(c);
	return id;
}

static void update(struct state *st)
{
	struct drm_mode_rect rects[64];
	struct drm_qxl_ng_scanout_damage d;
	uint32_t fb_id;
	bool full = false;

	memset(&d, 0, sizeof(d));
	d.crtc_id = st->crtc_id;
	d.max_rects = 64;
	d.rects_ptr = (uintptr_t)rects;
	if (st->have_damage_ioctl) {
		if (drmIoctl(st->fd, DRM_IOCTL_QXL_NG_SCANOUT_DAMAGE, &d)) {
			if (errno == ENOTTY || errno == EINVAL || errno == EOPNOTSUPP) {
				fprintf(stderr, "qxl-scanout: no scanout damage ioctl (%s): full frames on every vblank\n",
					strerror(errno));
				st->have_damage_ioctl = false;
			}
			return;
		}
		fb_id = d.fb_id;
		full = d.flags & QXL_NG_DAMAGE_FULL;
	} else {
		fb_id = crtc_fb(st);
		full = true;
	}
	if (fb_id != st->fb_id) {
		if (!fb_id) {
			qs_server_set_frame(st->srv, NULL);
			st->fb_id = 0;
			fprintf(stderr, "qxl-scanout: CRTC %u has no framebuffer\n", st->crtc_id);
		} else if (export_fb(st, fb_id)) {
			st->fb_id = 0;
		}
		return;	/* a new frame is wholly damaged */
	}
	if (!st->fb_id)
		return;
	if (full) {
		struct qs_rect r = { 0, 0, st->w, st->h };

		qs_server_damage(st->srv, &r);
		return;
	}
	for (uint32_t i = 0; i < d.num_rects && i < 64; i++) {
		struct qs_rect r;

		if (rects[i].x2 <= rects[i].x1 || rects[i].y2 <= rects[i].y1 || rects[i].x1 < 0 || rects[i].y1 < 0)
			continue;
		r = (struct qs_rect){ (uint32_t)rects[i].x1, (uint32_t)rects[i].y1,
				      (uint32_t)(rects[i].x2 - rects[i].x1), (uint32_t)(rects[i].y2 - rects[i].y1) };
		if (verbose)
			fprintf(stderr, "qxl-scanout: damage %u,%u %ux%u\n", r.x, r.y, r.w, r.h);
		qs_server_damage(st->srv, &r);
	}
}

static void queue_seq(struct state *st)
{
	struct drm_crtc_queue_sequence q = { .crtc_id = st->crtc_id, .flags = DRM_CRTC_SEQUENCE_RELATIVE,
					     .sequence = 1, .user_data = 1 };

	if (st->seq_queued)
		return;
	if (drmIoctl(st->fd, DRM_IOCTL_CRTC_QUEUE_SEQUENCE, &q)) {
		if (!st->seq_broken && verbose)
			fprintf(stderr, "qxl-scanout: CRTC_QUEUE_SEQUENCE: %s (timer wakeups)\n", strerror(errno));
		st->seq_broken = true;
		return;
	}
	st->seq_broken = false;
	st->seq_queued = true;
}

static void log_cb(void *opaque, const char *msg)
{
	(void)opaque;
	fprintf(stderr, "qxl-scanout: %s\n", msg);
}

int main(int argc, char **argv)
{
	const char *dev = "/dev/dri/card0", *sock = NULL, *crtc_arg = NULL;
	int draw_timeout = 2000, opt;
	double run_for = 0, t_end;
	struct state st;
	struct qs_server_opts so;
	drmModeRes *res;
	int ret;

	while ((opt = getopt(argc, argv, "s:d:c:t:T:v")) != -1) {
		switch (opt) {
		case 's': sock = optarg; break;
		case 'd': dev = optarg; break;
		case 'c': crtc_arg = optarg; break;
		case 't': draw_timeout = atoi(optarg); break;
		case 'T': run_for = atof(optarg); break;
		case 'v': verbose = 1; break;
		default:
			fprintf(stderr, "usage: %s -s SOCKET [-d DEVICE] [-c CRTC_ID|INDEX] [-t DRAW_TIMEOUT_MS] "
				"[-T SECONDS] [-v]\n", argv[0]);
			return 2;
		}
	}
	if (!sock) {
		fprintf(stderr, "qxl-scanout: -s SOCKET is required\n");
		return 2;
	}
	memset(&st, 0, sizeof(st));
	st.fd = open(dev, O_RDWR | O_CLOEXEC);
	if (st.fd < 0) {
		fprintf(stderr, "qxl-scanout: %s: %s\n", dev, strerror(errno));
		return 1;
	}
	drmSetClientCap(st.fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1);
	res = drmModeGetResources(st.fd);
	if (!res || res->count_crtcs < 1) {
		fprintf(stderr, "qxl-scanout: no CRTC on %s\n", dev);
		return 1;
	}
	st.crtc_id = res->crtcs[0];
	if (crtc_arg) {
		unsigned long v = strtoul(crtc_arg, NULL, 0);

		st.crtc_id = v < (unsigned long)res->count_crtcs ? res->crtcs[v] : (uint32_t)v;
	}
	drmModeFreeResources(res);
	st.have_damage_ioctl = true;

	memset(&so, 0, sizeof(so));
	so.path = sock;
	so.listen_fd = -1;
	so.draw_timeout_ms = draw_timeout;
	so.log = log_cb;
	ret = qs_server_new(&st.srv, &so);
	if (ret) {
		fprintf(stderr, "qxl-scanout: listening on %s: %s\n", sock, strerror(-ret));
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "qxl-scanout: serving CRTC %u of %s on %s\n", st.crtc_id, dev, sock);
	t_end = run_for > 0 ? now_s() + run_for : 0;
	update(&st);
	while (!stop && (!t_end || now_s() < t_end)) {
		struct pollfd pfd[66];
		int fds[65], n, timeout, dl;
		bool wake = false;

		queue_seq(&st);
		n = qs_server_pollfds(st.srv, fds, 65);
		pfd[0] = (struct pollfd){ .fd = st.fd, .events = POLLIN };
		for (int i = 0; i < n; i++)
			pfd[i + 1] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		timeout = st.seq_queued ? 250 : 16;
		dl = qs_server_next_deadline_ms(st.srv);
		if (dl >= 0 && dl < timeout)
			timeout = dl;
		ret = poll(pfd, (nfds_t)n + 1, timeout);
		if (ret < 0 && errno != EINTR)
			break;
		if (ret > 0 && (pfd[0].revents & POLLIN)) {
			char buf[1024];
			ssize_t len = read(st.fd, buf, sizeof(buf));

			for (ssize_t off = 0; off + (ssize_t)sizeof(struct drm_event) <= len;) {
				struct drm_event *e = (struct drm_event *)(buf + off);

				if (e->type == DRM_EVENT_CRTC_SEQUENCE) {
					st.seq_queued = false;
					wake = true;
				}
				if (!e->length)
					break;
				off += e->length;
			}
		}
		if (ret == 0)
			wake = true;	/* timer (no vblank, or a lost event): look anyway */
		if (ret == 0 && st.seq_queued)
			st.seq_queued = false;	/* re-queue: a disabled CRTC drops its events */
		if (wake)
			update(&st);
		qs_server_dispatch(st.srv, 0);
	}
	if (verbose) {
		struct qs_server_stats ss;

		qs_server_get_stats(st.srv, &ss);
		fprintf(stderr, "qxl-scanout: accepted %llu dropped %llu scanouts %llu draws %llu done %llu\n",
			(unsigned long long)ss.accepted, (unsigned long long)ss.dropped,
			(unsigned long long)ss.scanouts, (unsigned long long)ss.draws,
			(unsigned long long)ss.draws_done);
	}
	qs_server_free(st.srv);
	close(st.fd);
	return 0;
}

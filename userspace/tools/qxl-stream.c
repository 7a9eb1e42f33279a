// SPDX-License-Identifier: MIT
/*
 * qxl-stream: a guest streaming agent. Speaks spice-server's stream device
 * protocol on the virtio-serial port org.spice-space.stream.0 and sends the
 * picture of one CRTC as MJPEG (libjpeg-turbo) when it changes, paced to a
 * frame rate, with the cursor plane as CURSOR_SET / CURSOR_MOVE.
 * Documentation/stream.rst describes the options and the behaviour.
 *
 * Usage: qxl-stream [-p PORT | --port-fd FD] [-s kms|png:FILE] [-d DEVICE]
 *                   [-c CRTC] [-f FPS] [-q QUALITY] [-T SECONDS] [-r MS]
 *                   [-w MS] [--address ADDR] [--head N] [-v]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jpeglib.h>

#include "qxl-stream.h"
#include "spice-stream.h"

#define DEFAULT_PORT "/dev/virtio-ports/org.spice-space.stream.0"

static volatile sig_atomic_t stop;
static int verbose;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct opts {
	const char *port;
	int port_fd;		/* -1: open port */
	const char *source, *device, *crtc;
	const char *address;	/* DEVICE_DISPLAY_INFO override */
	long head;		/* -1: the source's */
	int fps, quality;
	int reconnect_ms, send_timeout_ms;
	double run_for;
};

/* One connection to the host and what it asked for. */
struct conn {
	int fd;
	struct sw_streamdev_rx *rx;
	uint8_t codec;		/* 0: not streaming */
	bool need_format;	/* a new stream: FORMAT before the next DATA */
	bool need_frame;	/* send the next picture even if unchanged */
	uint32_t w, h;		/* of the last FORMAT */
	uint32_t cursor_serial;	/* of the last CURSOR_SET, 0 none */
	bool cursor_shown;
	int32_t cursor_x, cursor_y;
	uint64_t frames;
};

/* ---- port ------------------------------------------------------------- */
/* Opens the port: a character device (virtio-serial), or a unix socket
 * (tests). Non-blocking, close-on-exec. */
static int port_open(const char *path)
{
	struct stat st;
	int fd;

	if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		return sw_unix_connect(path, SOCK_CLOEXEC | SOCK_NONBLOCK);
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? -errno : fd;
}

static void conn_close(struct conn *c, const char *why)
{
	if (c->fd < 0)
		return;
	fprintf(stderr, "qxl-stream: disconnected: %s\n", why);
	close(c->fd);
	c->fd = -1;
	c->codec = 0;
	sw_streamdev_rx_reset(c->rx);
}

static int send_msg(struct conn *c, const struct opts *o, uint16_t type, const struct sw_buf *b)
{
	int err = b->err;

	if (!err)
		err = sw_streamdev_send(c->fd, type, b->data, b->len, o->send_timeout_ms);
	if (err) {
		char why[128];

		snprintf(why, sizeof(why), "sending %s: %s", sw_streamdev_msg_name(type),
			 err == -ETIMEDOUT ? "the host stopped reading" : sw_strerror(err));
		conn_close(c, why);
	}
	return err;
}

/* ---- JPEG ------------------------------------------------------------- */
struct jpeg_err {
	struct jpeg_error_mgr mgr;
	jmp_buf jmp;
};

static void jpeg_fail(j_common_ptr cinfo)
{
	struct jpeg_err *e = (struct jpeg_err *)cinfo->err;
	char msg[JMSG_LENGTH_MAX];

	cinfo->err->format_message(cinfo, msg);
	fprintf(stderr, "qxl-stream: JPEG encoder: %s\n", msg);
	longjmp(e->jmp, 1);
}

/*
 * Encodes f as a baseline JPEG into a malloc()ed buffer. The buffer is sized
 * for the worst case (turbojpeg's bound for 4:4:4: 6 bytes a pixel of the
 * image padded to whole MCUs, plus headers), so libjpeg never replaces it
 * and an error can free it.
 */
static int encode_jpeg(const struct qst_frame *f, int quality, unsigned char **out, unsigned long *len)
{
	struct jpeg_compress_struct ci;
	struct jpeg_err je;
	unsigned long cap = (unsigned long)(((f->width + 15) & ~15u) * (uint64_t)((f->height + 15) & ~15u) * 6 + 2048);
	unsigned char *const mine = malloc(cap);
	unsigned char *b = mine;

	*out = NULL;
	*len = cap;
	if (!mine) {
		fprintf(stderr, "qxl-stream: out of memory for a %lu-byte frame\n", cap);
		return -ENOMEM;
	}
	ci.err = jpeg_std_error(&je.mgr);
	je.mgr.error_exit = jpeg_fail;
	if (setjmp(je.jmp)) {
		jpeg_destroy_compress(&ci);
		free(mine);
		return -EIO;
	}
	jpeg_create_compress(&ci);
	jpeg_mem_dest(&ci, &b, len);
	ci.image_width = f->width;
	ci.image_height = f->height;
	ci.input_components = 4;
	ci.in_color_space = JCS_EXT_BGRX;
	jpeg_set_defaults(&ci);
	jpeg_set_quality(&ci, quality, TRUE);
	if (quality >= 90) {
		/* 4:4:4: at high quality the eye sees chroma halving on the hard
		 * edges of text and window borders before anything else */
		ci.comp_info[0].h_samp_factor = 1;
		ci.comp_info[0].v_samp_factor = 1;
	}
	jpeg_start_compress(&ci, TRUE);
	while (ci.next_scanline < ci.image_height) {
		JSAMPROW row = (JSAMPROW)(f->pixels + (size_t)ci.next_scanline * f->stride);

		jpeg_write_scanlines(&ci, &row, 1);
	}
	jpeg_finish_compress(&ci);
	jpeg_destroy_compress(&ci);
	if (b != mine)
		free(mine);	/* not reached with the bound above; libjpeg does not free ours */
	*out = b;
	return 0;
}

/* ---- protocol --------------------------------------------------------- */
static void send_hello(struct conn *c, const struct opts *o, struct qst_source *src)
{
	struct sw_buf b;
	char address[SW_STREAMDEV_MAX_ADDRESS];
	uint32_t head = 0;
	int err;

	sw_buf_init(&b);
	/* no optional capability (QUALITY_INDICATOR is not sent) */
	if (send_msg(c, o, STREAM_TYPE_CAPABILITIES, &b))
		goto out;
	err = src->ops->display_info(src, address, sizeof(address), &head);
	if (o->address) {
		snprintf(address, sizeof(address), "%s", o->address);
		err = 0;
	}
	if (o->head >= 0)
		head = (uint32_t)o->head;
	if (err) {
		fprintf(stderr, "qxl-stream: no device address known: DEVICE_DISPLAY_INFO not sent\n");
		goto out;
	}
	sw_buf_reset(&b);
	sw_put_streamdev_display_info(&b, 0, head, address);
	if (!send_msg(c, o, STREAM_TYPE_DEVICE_DISPLAY_INFO, &b))
		fprintf(stderr, "qxl-stream: device %s head %u\n", address, head);
out:
	sw_buf_free(&b);
}

static const char *codec_name(uint8_t codec)
{
	static const char *const names[] = { "none", "mjpeg", "vp8", "h264", "vp9", "h265" };

	return codec < sizeof(names) / sizeof(names[0]) ? names[codec] : "unknown";
}

static void start_stop(struct conn *c, const struct sw_streamdev_start_stop *m)
{
	char list[256 * 8] = "";
	size_t len = 0;

	c->codec = 0;
	for (unsigned i = 0; i < m->num_codecs; i++) {
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", i ? "," : "", codec_name(m->codecs[i]));
		if (!c->codec && m->codecs[i] == SPICE_VIDEO_CODEC_TYPE_MJPEG)
			c->codec = m->codecs[i];
	}
	if (!m->num_codecs) {
		fprintf(stderr, "qxl-stream: host: stop\n");
	} else if (!c->codec) {
		fprintf(stderr, "qxl-stream: host: start with [%s]: none we can encode (mjpeg): not streaming\n", list);
	} else {
		fprintf(stderr, "qxl-stream: host: start with [%s]: streaming %s\n", list, codec_name(c->codec));
		c->need_format = true;
		c->need_frame = true;
		c->cursor_serial = 0;
	}
}

/* Reads and handles what the host sent; false when the connection closed. */
static bool read_host(struct conn *c, const struct opts *o, struct qst_source *src)
{
	for (int i = 0; i < 64 && c->fd >= 0; i++) {
		struct sw_streamdev_msg m;
		int ret = sw_streamdev_rx_read(c->rx, c->fd, &m);

		if (ret == 0)
			return true;
		if (ret < 0) {
			char why[200];

			snprintf(why, sizeof(why), "host: %s", sw_streamdev_rx_error(c->rx));
			conn_close(c, why);
			return false;
		}
		if (verbose)
			fprintf(stderr, "qxl-stream: host sent %s (%u bytes)\n", sw_streamdev_msg_name(m.type), m.size);
		switch (m.type) {
		case STREAM_TYPE_CAPABILITIES:
			send_hello(c, o, src);
			break;
		case STREAM_TYPE_START_STOP: {
			struct sw_streamdev_start_stop ss;

			sw_get_streamdev_start_stop(m.body, m.size, &ss);
			start_stop(c, &ss);
			break;
		}
		case STREAM_TYPE_NOTIFY_ERROR: {
			struct sw_streamdev_notify_error ne;

			sw_get_streamdev_notify_error(m.body, m.size, &ne);
			fprintf(stderr, "qxl-stream: host reports error %u: %.*s\n", ne.code, (int)ne.msg_len,
				(const char *)ne.msg);
			c->codec = 0;	/* spice-server stops reading and closes the port */
			break;
		}
		default:
			if (sw_streamdev_from_guest(m.type)) {
				char why[128];

				snprintf(why, sizeof(why), "host sent %s, a message only the guest sends",
					 sw_streamdev_msg_name(m.type));
				conn_close(c, why);
				return false;
			}
			fprintf(stderr, "qxl-stream: host sent unknown message type %u (%u bytes): ignored\n", m.type,
				m.size);
		}
	}
	return c->fd >= 0;
}

static void send_cursor(struct conn *c, const struct opts *o, struct qst_source *src)
{
	struct qst_cursor cur;
	struct sw_buf b;

	if (src->ops->cursor(src, &cur))
		return;
	sw_buf_init(&b);
	if (cur.visible && (cur.serial != c->cursor_serial || !c->cursor_shown)) {
		struct sw_streamdev_cursor_set cs = { cur.width, cur.height, cur.hot_x, cur.hot_y,
						      SPICE_CURSOR_TYPE_ALPHA, cur.argb,
						      (uint32_t)cur.width * cur.height * 4 };

		sw_put_streamdev_cursor_set(&b, &cs);
		if (send_msg(c, o, STREAM_TYPE_CURSOR_SET, &b))
			goto out;
		c->cursor_serial = cur.serial;
		c->cursor_shown = true;
		c->cursor_x = cur.x + 1;	/* a new shape is positioned too */
	} else if (!cur.visible && c->cursor_shown) {
		/* the protocol has no "hide": a transparent 1x1 cursor */
		static const uint8_t clear[4];
		struct sw_streamdev_cursor_set cs = { 1, 1, 0, 0, SPICE_CURSOR_TYPE_ALPHA, clear, 4 };

		sw_put_streamdev_cursor_set(&b, &cs);
		if (send_msg(c, o, STREAM_TYPE_CURSOR_SET, &b))
			goto out;
		c->cursor_shown = false;
		c->cursor_serial = 0;
	}
	if (cur.visible && (cur.x != c->cursor_x || cur.y != c->cursor_y)) {
		sw_buf_reset(&b);
		sw_put_streamdev_cursor_move(&b, cur.x, cur.y);
		if (send_msg(c, o, STREAM_TYPE_CURSOR_MOVE, &b))
			goto out;
		c->cursor_x = cur.x;
		c->cursor_y = cur.y;
	}
out:
	sw_buf_free(&b);
}

/* One tick of a stream: the picture if it changed, then the cursor. */
static void send_frame(struct conn *c, const struct opts *o, struct qst_source *src)
{
	struct qst_frame f;
	bool changed;
	unsigned char *jpeg;
	unsigned long len;
	int err = src->ops->begin_read(src, &f, &changed);

	if (err)
		return;		/* no picture now (the source said why) */
	if (!changed && !c->need_frame) {
		src->ops->end_read(src);
		send_cursor(c, o, src);
		return;
	}
	err = encode_jpeg(&f, o->quality, &jpeg, &len);
	src->ops->end_read(src);
	if (err)
		return;
	if (len > SW_STREAMDEV_MAX_DATA) {
		fprintf(stderr, "qxl-stream: %lu-byte frame is over the %u limit: skipped\n", len,
			SW_STREAMDEV_MAX_DATA);
		free(jpeg);
		return;
	}
	if (c->need_format || f.width != c->w || f.height != c->h) {
		struct sw_streamdev_format fmt = { f.width, f.height, c->codec };
		struct sw_buf b;

		sw_buf_init(&b);
		sw_put_streamdev_format(&b, &fmt);
		err = send_msg(c, o, STREAM_TYPE_FORMAT, &b);
		sw_buf_free(&b);
		if (err) {
			free(jpeg);
			return;
		}
		fprintf(stderr, "qxl-stream: format %ux%u %s\n", f.width, f.height, codec_name(c->codec));
		c->w = f.width;
		c->h = f.height;
		c->need_format = false;
	}
	err = sw_streamdev_send(c->fd, STREAM_TYPE_DATA, jpeg, len, o->send_timeout_ms);
	free(jpeg);
	if (err) {
		conn_close(c, err == -ETIMEDOUT ? "sending a frame: the host stopped reading" : "sending a frame: I/O error");
		return;
	}
	c->need_frame = false;
	c->frames++;
	if (verbose)
		fprintf(stderr, "qxl-stream: frame %llu: %lu bytes\n", (unsigned long long)c->frames, len);
	send_cursor(c, o, src);
}

/* ---- main ------------------------------------------------------------- */
static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [-p PORT | --port-fd FD] [-s kms|png:FILE] [-d DEVICE] [-c CRTC_ID|INDEX]\n"
		"       [-f FPS] [-q QUALITY] [-T SECONDS] [-r RECONNECT_MS] [-w SEND_TIMEOUT_MS]\n"
		"       [--address pci/DDDD/SS.F] [--head N] [-v]\n",
		argv0);
}

static bool parse_int(const char *s, long lo, long hi, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 0);
	return *s && !*end && !errno && *v >= lo && *v <= hi;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "port-fd", required_argument, NULL, 'F' },
		{ "source", required_argument, NULL, 's' },
		{ "device", required_argument, NULL, 'd' },
		{ "crtc", required_argument, NULL, 'c' },
		{ "fps", required_argument, NULL, 'f' },
		{ "quality", required_argument, NULL, 'q' },
		{ "time", required_argument, NULL, 'T' },
		{ "reconnect-ms", required_argument, NULL, 'r' },
		{ "send-timeout-ms", required_argument, NULL, 'w' },
		{ "address", required_argument, NULL, 'A' },
		{ "head", required_argument, NULL, 'H' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	long v;

	*o = (struct opts){ .port = DEFAULT_PORT, .port_fd = -1, .source = "kms", .device = "/dev/dri/card0",
			    .head = -1, .fps = 25, .quality = 80, .reconnect_ms = 1000, .send_timeout_ms = 2000 };
	while ((opt = getopt_long(argc, argv, "p:s:d:c:f:q:T:r:w:vh", lo, NULL)) != -1) {
		bool ok = true;

		switch (opt) {
		case 'p': o->port = optarg; break;
		case 'F': ok = parse_int(optarg, 0, 1 << 20, &v); o->port_fd = (int)v; break;
		case 's': o->source = optarg; break;
		case 'd': o->device = optarg; break;
		case 'c': o->crtc = optarg; break;
		case 'f': ok = parse_int(optarg, 1, 60, &v); o->fps = (int)v; break;
		case 'q': ok = parse_int(optarg, 1, 100, &v); o->quality = (int)v; break;
		case 'T': o->run_for = strtod(optarg, NULL); ok = o->run_for >= 0; break;
		case 'r': ok = parse_int(optarg, 10, 60000, &v); o->reconnect_ms = (int)v; break;
		case 'w': ok = parse_int(optarg, 10, 60000, &v); o->send_timeout_ms = (int)v; break;
		case 'A': o->address = optarg; ok = strlen(optarg) < SW_STREAMDEV_MAX_ADDRESS; break;
		case 'H': ok = parse_int(optarg, 0, UINT32_MAX, &v); o->head = v; break;
		case 'v': verbose = 1; break;
		default: ok = false;
		}
		if (!ok) {
			if (opt != '?' && opt != 'h')
				fprintf(stderr, "qxl-stream: bad value for -%c: %s\n", opt, optarg);
			usage(argv[0]);
			return -EINVAL;
		}
	}
	if (optind != argc) {
		usage(argv[0]);
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct conn c = { .fd = -1 };
	struct qst_source *src = NULL;
	int64_t t_end, next_tick = 0, retry_at = 0;
	int status = 0, err;
	bool warned = false;

	if (parse_args(argc, argv, &o))
		return 2;
	if (!strncmp(o.source, "png:", 4))
		err = qst_source_png_new(&src, o.source + 4);
	else if (!strcmp(o.source, "kms"))
		err = qst_source_kms_new(&src, o.device, o.crtc);
	else {
		fprintf(stderr, "qxl-stream: unknown source %s (kms or png:FILE)\n", o.source);
		err = -EINVAL;
	}
	if (err)
		return 1;
	c.rx = sw_streamdev_rx_new();
	if (!c.rx) {
		fprintf(stderr, "qxl-stream: out of memory\n");
		qst_source_free(src);
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	t_end = o.run_for > 0 ? sw_now_ms() + (int64_t)(o.run_for * 1000) : 0;
	if (o.port_fd >= 0) {
		int fl = fcntl(o.port_fd, F_GETFL);

		if (fl < 0 || fcntl(o.port_fd, F_SETFL, fl | O_NONBLOCK)) {
			fprintf(stderr, "qxl-stream: --port-fd %d: %s\n", o.port_fd, strerror(errno));
			status = 1;
			goto out;
		}
		c.fd = o.port_fd;
		fprintf(stderr, "qxl-stream: connected on fd %d\n", c.fd);
	}
	while (!stop && (!t_end || sw_now_ms() < t_end)) {
		int64_t now = sw_now_ms(), wait;

		if (c.fd < 0) {
			if (o.port_fd >= 0) {
				fprintf(stderr, "qxl-stream: the port fd is closed: exiting\n");
				status = 1;
				break;
			}
			if (now >= retry_at) {
				int fd = port_open(o.port);

				if (fd >= 0) {
					c.fd = fd;
					warned = false;
					fprintf(stderr, "qxl-stream: connected to %s\n", o.port);
					continue;
				}
				if (!warned)
					fprintf(stderr, "qxl-stream: %s: %s (retrying every %d ms)\n", o.port,
						strerror(-fd), o.reconnect_ms);
				warned = true;
				retry_at = now + o.reconnect_ms;
			}
			wait = retry_at - now;
		} else {
			wait = c.codec ? (next_tick > now ? next_tick - now : 0) : 250;
		}
		if (t_end && t_end - now < wait)
			wait = t_end - now;
		struct pollfd p = { .fd = c.fd, .events = POLLIN };
		int pr = poll(&p, c.fd >= 0 ? 1 : 0, (int)(wait > 0 ? wait : 0));

		if (pr < 0 && errno != EINTR) {
			fprintf(stderr, "qxl-stream: poll: %s\n", strerror(errno));
			status = 1;
			break;
		}
		if (pr > 0 && p.revents && !read_host(&c, &o, src)) {
			retry_at = sw_now_ms() + o.reconnect_ms;
			continue;
		}
		if (c.fd >= 0 && c.codec && sw_now_ms() >= next_tick) {
			int64_t period = 1000 / o.fps;

			next_tick = next_tick + period > sw_now_ms() ? next_tick + period : sw_now_ms() + period;
			send_frame(&c, &o, src);
			if (c.fd < 0)
				retry_at = sw_now_ms() + o.reconnect_ms;
		}
	}
	fprintf(stderr, "qxl-stream: exiting, %llu frames sent\n", (unsigned long long)c.frames);
out:
	if (c.fd >= 0)
		close(c.fd);
	sw_streamdev_rx_free(c.rx);
	qst_source_free(src);
	return status;
}

// SPDX-License-Identifier: MIT
/*
 * qxl-stream against a fake host: this program plays spice-server's end of
 * the stream device port (org.spice-space.stream.0) over a socketpair and a
 * unix socket, with PNG files as the frame source (no DRM, no VM).
 *
 *   test-stream /path/to/qxl-stream
 *
 * Prints "PASS stream/<name>" or "FAIL stream/<name>: <reason>" per check
 * and exits 1 if any failed. Pictures must come back from the JPEG within
 * a mean absolute error of MAX_MEAN_ERR and a largest error of MAX_PEAK_ERR
 * per channel (quality 95, which qxl-stream encodes 4:4:4; smooth pictures
 * with hard-edged blocks; measured: mean 0.32-0.37, peak 3-5).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jpeglib.h>
#include <png.h>

#include "spice-stream.h"
#include "check.h"

#define MAX_MEAN_ERR 1.0
#define MAX_PEAK_ERR 16
#define QUIET_MS 500	/* 10 frame periods at 20 fps: "nothing was sent" */

static const char *tool;
static char dir[64], png_path[128], log_path[128], sock_path[128];

static void run(const char *name, int (*fn)(void))
{
	check_run("stream", name, fn);
}

/* ---- pictures --------------------------------------------------------- */
struct picture {
	uint32_t w, h;
	uint8_t *px;	/* B, G, R, A */
};

/* Gradients with a few solid blocks; variant changes colours and places.
 * noise: random pixels instead (large JPEGs). */
static void make_picture(struct picture *p, uint32_t w, uint32_t h, unsigned variant, bool noise)
{
	p->w = w;
	p->h = h;
	p->px = malloc((size_t)w * h * 4);
	srand(variant);
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			uint8_t *q = p->px + ((size_t)y * w + x) * 4;

			if (noise) {
				q[0] = (uint8_t)rand();
				q[1] = (uint8_t)rand();
				q[2] = (uint8_t)rand();
			} else {
				q[0] = (uint8_t)(x * 255 / w);
				q[1] = (uint8_t)(y * 255 / h + variant * 40);
				q[2] = (uint8_t)(128 + variant * 30);
				if ((x / 32 + y / 32 + variant) % 5 == 0)
					q[0] = q[1] = q[2] = (uint8_t)(variant * 60);
			}
			q[3] = 255;
		}
	}
}

/* Writes the picture to png_path atomically (a new file renamed over it). */
static int put_picture(const struct picture *p)
{
	char tmp[160];
	png_image img;

	snprintf(tmp, sizeof(tmp), "%s.tmp", png_path);
	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	img.width = p->w;
	img.height = p->h;
	img.format = PNG_FORMAT_BGRA;
	CHECK(png_image_write_to_file(&img, tmp, 0, p->px, 0, NULL), "writing %s: %s", tmp, img.message);
	CHECK(rename(tmp, png_path) == 0, "rename: %s", strerror(errno));
	return 0;
}

struct jerr {
	struct jpeg_error_mgr mgr;
	jmp_buf jmp;
};

static void jpeg_fail(j_common_ptr ci)
{
	longjmp(((struct jerr *)ci->err)->jmp, 1);
}

/* Decodes a JPEG and compares it with p. */
static int jpeg_matches(const uint8_t *data, size_t len, const struct picture *p)
{
	struct jpeg_decompress_struct ci;
	struct jerr je;
	uint8_t *volatile out = NULL;
	volatile uint32_t row_len = 0;

	ci.err = jpeg_std_error(&je.mgr);
	je.mgr.error_exit = jpeg_fail;
	if (setjmp(je.jmp)) {
		jpeg_destroy_decompress(&ci);
		free(out);
		CHECK(0, "the frame is not a JPEG libjpeg decodes");
	}
	jpeg_create_decompress(&ci);
	jpeg_mem_src(&ci, data, (unsigned long)len);
	jpeg_read_header(&ci, TRUE);
	ci.out_color_space = JCS_EXT_BGRX;
	jpeg_start_decompress(&ci);
	if (ci.output_width != p->w || ci.output_height != p->h) {
		uint32_t w = ci.output_width, h = ci.output_height;

		jpeg_destroy_decompress(&ci);
		CHECK(0, "JPEG is %ux%u, the picture %ux%u", w, h, p->w, p->h);
	}
	row_len = p->w * 4;
	out = malloc((size_t)row_len * p->h);
	while (ci.output_scanline < ci.output_height) {
		JSAMPROW row = out + (size_t)ci.output_scanline * row_len;

		jpeg_read_scanlines(&ci, &row, 1);
	}
	jpeg_finish_decompress(&ci);
	jpeg_destroy_decompress(&ci);
	uint64_t sum = 0;
	int peak = 0;
	for (size_t i = 0; i < (size_t)p->w * p->h; i++) {
		for (int c = 0; c < 3; c++) {
			int d = abs((int)out[i * 4 + c] - (int)p->px[i * 4 + c]);

			sum += (uint64_t)d;
			peak = d > peak ? d : peak;
		}
	}
	free(out);
	double mean = (double)sum / ((double)p->w * p->h * 3);
	printf("# decoded %ux%u from %zu bytes: mean error %.2f, peak %d\n", p->w, p->h, len, mean, peak);
	CHECK(mean <= MAX_MEAN_ERR && peak <= MAX_PEAK_ERR, "mean error %.2f (max %.1f), peak %d (max %d)", mean,
	      MAX_MEAN_ERR, peak, MAX_PEAK_ERR);
	return 0;
}

/* ---- the host end ----------------------------------------------------- */
struct host {
	int fd;
	pid_t pid;
	struct sw_streamdev_rx *rx;
	struct sw_streamdev_msg m;
};

static int host_send(struct host *h, uint16_t type, const void *body, size_t len)
{
	int err = sw_streamdev_send(h->fd, type, body, len, 1000);

	CHECK(err == 0, "sending %s: %s", sw_streamdev_msg_name(type), sw_strerror(err));
	return 0;
}

/* Next message from the tool within timeout_ms: 1, 0 on timeout, or the
 * error (-EIO: the tool closed the connection). */
static int host_recv(struct host *h, int timeout_ms)
{
	int64_t end = sw_now_ms() + timeout_ms;

	for (;;) {
		int64_t left = end - sw_now_ms();
		struct pollfd p = { .fd = h->fd, .events = POLLIN };

		if (left < 0)
			return 0;
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			return -errno;
		if (!p.revents)
			continue;
		int ret = sw_streamdev_rx_read(h->rx, h->fd, &h->m);
		if (ret)
			return ret;
	}
}

/* Expects a message of this type within timeout_ms. */
static int expect(struct host *h, uint16_t type, int timeout_ms)
{
	int ret = host_recv(h, timeout_ms);

	CHECK(ret != 0, "no %s within %d ms", sw_streamdev_msg_name(type), timeout_ms);
	CHECK(ret > 0, "waiting for %s: %s", sw_streamdev_msg_name(type), sw_streamdev_rx_error(h->rx));
	CHECK(h->m.type == type, "got %s (%u bytes), expected %s", sw_streamdev_msg_name(h->m.type), h->m.size,
	      sw_streamdev_msg_name(type));
	return 0;
}

static int expect_quiet(struct host *h, int ms)
{
	int ret = host_recv(h, ms);

	CHECK(ret == 0, "%s within %d ms", ret > 0 ? sw_streamdev_msg_name(h->m.type) : "an error", ms);
	return 0;
}

/* FORMAT (when fmt) then DATA showing p. */
static int expect_frame(struct host *h, const struct picture *p, bool fmt)
{
	if (fmt) {
		struct sw_streamdev_format f;

		if (expect(h, STREAM_TYPE_FORMAT, 2000))
			return 1;
		CHECK(sw_get_streamdev_format(h->m.body, h->m.size, &f) == 0 && f.width == p->w &&
			      f.height == p->h && f.codec == SPICE_VIDEO_CODEC_TYPE_MJPEG,
		      "format %ux%u codec %u, expected %ux%u mjpeg", f.width, f.height, f.codec, p->w, p->h);
	}
	if (expect(h, STREAM_TYPE_DATA, 2000))
		return 1;
	return jpeg_matches(h->m.body, h->m.size, p);
}

static int start(struct host *h, const uint8_t *codecs, uint8_t n)
{
	uint8_t body[8];

	body[0] = n;
	if (n)
		memcpy(body + 1, codecs, n);
	return host_send(h, STREAM_TYPE_START_STOP, body, 1u + n);
}

static pid_t spawn(int port_fd, const char *port_path)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	int lf = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (lf >= 0)
		dup2(lf, 2);
	char src[160];
	snprintf(src, sizeof(src), "png:%s", png_path);
	if (port_fd >= 0) {
		/* fd 3 without close-on-exec, and no other copy in the tool */
		if (port_fd == 3)
			fcntl(3, F_SETFD, 0);
		else
			dup2(port_fd, 3);
		execl(tool, tool, "--port-fd", "3", "-s", src, "-f", "20", "-q", "95", "--address",
		      "pci/0000/02.0", "--head", "1", "-T", "60", (char *)NULL);
	} else {
		execl(tool, tool, "-p", port_path, "-s", src, "-f", "20", "-q", "95", "-r", "100", "-w", "300",
		      "-T", "60", (char *)NULL);
	}
	_exit(127);
}

/* Waits up to ms for the tool to exit; its status or -1. */
static int reap(pid_t pid, int ms)
{
	int st;

	for (int i = 0; i < ms / 10; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		usleep(10000);
	}
	return -1;
}

static int log_count(const char *text)
{
	FILE *f = fopen(log_path, "r");
	char line[512];
	int n = 0;

	while (f && fgets(line, sizeof(line), f))
		n += strstr(line, text) != NULL;
	if (f)
		fclose(f);
	return n;
}

static bool log_has(const char *text)
{
	return log_count(text) > 0;
}

static int count_fds(pid_t pid)
{
	char path[64];
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* ---- over a socketpair (--port-fd) ------------------------------------- */
static struct host H = { .fd = -1 };
static struct picture pic[6];
static const uint8_t mjpeg_list[] = { SPICE_VIDEO_CODEC_TYPE_VP8, SPICE_VIDEO_CODEC_TYPE_MJPEG };

static int t_caps_exchange(void)
{
	int sv[2];
	struct sw_streamdev_display_info di;

	if (put_picture(&pic[0]))
		return 1;
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "socketpair");
	int fl = fcntl(sv[0], F_GETFL);
	fcntl(sv[0], F_SETFL, fl | O_NONBLOCK);
	H.fd = sv[0];
	H.pid = spawn(sv[1], NULL);
	close(sv[1]);
	CHECK(H.pid > 0, "fork");
	if (expect_quiet(&H, 300))
		return 1;
	if (host_send(&H, STREAM_TYPE_CAPABILITIES, NULL, 0) || expect(&H, STREAM_TYPE_CAPABILITIES, 2000))
		return 1;
	if (expect(&H, STREAM_TYPE_DEVICE_DISPLAY_INFO, 2000))
		return 1;
	CHECK(sw_get_streamdev_display_info(H.m.body, H.m.size, &di) == 0 && di.display_id == 1 &&
		      !strcmp(di.address, "pci/0000/02.0"),
	      "display info: head %u address %s", di.display_id, di.address);
	return 0;
}

static int t_start_mjpeg(void)
{
	return start(&H, mjpeg_list, 2) || expect_frame(&H, &pic[0], true);
}

static int t_unchanged_no_frame(void)
{
	if (put_picture(&pic[0]))	/* a new file with the same picture */
		return 1;
	return expect_quiet(&H, QUIET_MS);
}

static int t_changed_frame(void)
{
	return put_picture(&pic[1]) || expect_frame(&H, &pic[1], false) || expect_quiet(&H, QUIET_MS);
}

static int put_garbage(void)
{
	char tmp[160];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", png_path);
	f = fopen(tmp, "w");
	CHECK(f && fputs("not a png\n", f) >= 0 && fclose(f) == 0, "writing %s", tmp);
	CHECK(rename(tmp, png_path) == 0, "rename: %s", strerror(errno));
	return 0;
}

/* A source file that is not a PNG: no frame and one error line (not one per
 * frame period) until the file changes. */
static int no_frame_one_error(void)
{
	char text[200];

	if (expect_quiet(&H, QUIET_MS))
		return 1;
	snprintf(text, sizeof(text), "qxl-stream: %s:", png_path);
	CHECK(log_count(text) == 1, "%d error lines for the bad file (want 1)", log_count(text));
	return 0;
}

/* ... while a picture is showing: it stays, the next good one is sent */
static int t_bad_png(void)
{
	return put_garbage() || no_frame_one_error() || put_picture(&pic[0]) ||
	       expect_frame(&H, &pic[0], false) || expect_quiet(&H, QUIET_MS);
}

static int t_new_size_format(void)
{
	return put_picture(&pic[2]) || expect_frame(&H, &pic[2], true);
}

static int t_no_codec_no_frames(void)
{
	const uint8_t others[] = { SPICE_VIDEO_CODEC_TYPE_VP8, SPICE_VIDEO_CODEC_TYPE_H264 };

	if (start(&H, others, 2) || put_picture(&pic[3]) || expect_quiet(&H, QUIET_MS))
		return 1;
	CHECK(log_has("none we can encode"), "no log line about the codecs");
	return 0;
}

static int t_restart_format(void)
{
	/* a new stream starts with FORMAT even at the same size */
	return start(&H, mjpeg_list + 1, 1) || expect_frame(&H, &pic[3], true);
}

static int t_unknown_ignored(void)
{
	if (host_send(&H, 0x77, "abcd", 4) || put_picture(&pic[4]) || expect_frame(&H, &pic[4], false))
		return 1;
	CHECK(log_has("unknown message type 119"), "no log line about the unknown message");
	return 0;
}

static int t_stop(void)
{
	return start(&H, NULL, 0) || put_picture(&pic[0]) || expect_quiet(&H, QUIET_MS);
}

static int t_notify_error(void)
{
	struct sw_buf b;

	if (start(&H, mjpeg_list, 2) || expect_frame(&H, &pic[0], true))
		return 1;
	sw_buf_init(&b);
	sw_put_streamdev_notify_error(&b, 3, "test error text");
	int ret = host_send(&H, STREAM_TYPE_NOTIFY_ERROR, b.data, b.len);
	sw_buf_free(&b);
	if (ret || put_picture(&pic[1]) || expect_quiet(&H, QUIET_MS))
		return 1;
	CHECK(log_has("host reports error 3: test error text"), "no log line with the host's error");
	return 0;
}

static int t_malformed_exits(void)
{
	uint8_t bad[8];

	/* a protocol version the tool does not speak: out of step, so it
	 * closes the port; with a port fd it cannot reopen, so it exits 1 */
	sw_put_streamdev_header(bad, STREAM_TYPE_START_STOP, 1);
	bad[0] = 9;
	CHECK(write(H.fd, bad, 8) == 8, "write");
	int ret = host_recv(&H, 2000);
	CHECK(ret == -EIO, "the tool did not close the connection: %d", ret);
	int st = reap(H.pid, 2000);
	CHECK(st == 1, "exit status %d, expected 1", st);
	H.pid = 0;
	CHECK(log_has("bad header (version 9"), "no log line about the bad header");
	close(H.fd);
	H.fd = -1;
	return 0;
}

/* ---- over a unix socket path: reconnecting ------------------------------ */
static int lfd = -1;

/* Accepts the tool's next connection within ms and does the caps exchange. */
static int accept_tool(int ms)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };

	if (H.fd >= 0)
		close(H.fd);
	H.fd = -1;
	sw_streamdev_rx_reset(H.rx);
	CHECK(poll(&p, 1, ms) == 1, "the tool did not connect within %d ms", ms);
	H.fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	CHECK(H.fd >= 0, "accept: %s", strerror(errno));
	if (host_send(&H, STREAM_TYPE_CAPABILITIES, NULL, 0) || expect(&H, STREAM_TYPE_CAPABILITIES, 2000))
		return 1;
	return 0;
}

/* After bad input the tool must close this connection and come back. */
static int closes_and_returns(const char *log_text)
{
	int ret;

	while ((ret = host_recv(&H, 2000)) > 0)
		;
	CHECK(ret == -EIO, "the tool did not close the connection (%d)", ret);
	CHECK(log_has(log_text), "no log line with \"%s\"", log_text);
	return accept_tool(2000);
}

static int first_fds;

static int t_port_appears(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	/* and a bad source file before any picture */
	if (truncate(log_path, 0) || put_garbage())
		return 1;
	H.pid = spawn(-1, sock_path);
	CHECK(H.pid > 0, "fork");
	usleep(300 * 1000);	/* the port is not there yet: the tool retries */
	CHECK(log_has("retrying every 100 ms"), "no log line about the missing port");
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	strcpy(sa.sun_path, sock_path);
	CHECK(lfd >= 0 && bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(lfd, 4) == 0,
	      "listen on %s: %s", sock_path, strerror(errno));
	if (accept_tool(2000))
		return 1;
	/* no address for a png source: no DEVICE_DISPLAY_INFO */
	if (start(&H, mjpeg_list, 2) || no_frame_one_error() || put_picture(&pic[1]) ||
	    expect_frame(&H, &pic[1], true))
		return 1;
	first_fds = count_fds(H.pid);
	return 0;
}

static int t_malformed_body_reconnects(void)
{
	const uint8_t liar[2] = { 5, 1 };	/* 5 codecs in 2 bytes */

	return host_send(&H, STREAM_TYPE_START_STOP, liar, 2) || closes_and_returns("malformed start_stop");
}

static int t_oversized_reconnects(void)
{
	uint8_t hdr[8];

	sw_put_streamdev_header(hdr, STREAM_TYPE_CAPABILITIES, 1u << 30);
	CHECK(write(H.fd, hdr, 8) == 8, "write");
	return closes_and_returns("size 1073741824");
}

static int t_wrong_direction_reconnects(void)
{
	struct sw_streamdev_format f = { 64, 64, 1 };
	struct sw_buf b;

	sw_buf_init(&b);
	sw_put_streamdev_format(&b, &f);
	int ret = host_send(&H, STREAM_TYPE_FORMAT, b.data, b.len);
	sw_buf_free(&b);
	return ret || closes_and_returns("host sent format");
}

static int t_host_stops_reading(void)
{
	if (put_picture(&pic[5]) || start(&H, mjpeg_list, 2))
		return 1;
	/* do not read: noise frames fill the socket; the tool gives up after
	 * its 300 ms send timeout */
	int64_t end = sw_now_ms() + 3000;
	while (sw_now_ms() < end && !log_has("the host stopped reading"))
		usleep(50 * 1000);
	CHECK(log_has("the host stopped reading"), "the tool kept waiting for 3 s");
	return closes_and_returns("the host stopped reading");
}

static int t_host_closes(void)
{
	close(H.fd);
	H.fd = -1;
	if (accept_tool(2000))
		return 1;
	CHECK(log_has("peer closed the connection"), "no log line about the closed connection");
	return 0;
}

static int t_no_fd_leak(void)
{
	if (start(&H, mjpeg_list, 2) || expect(&H, STREAM_TYPE_FORMAT, 2000))
		return 1;
	int n = count_fds(H.pid);
	CHECK(n == first_fds && n > 0, "%d fds after 5 reconnects, %d after the first connection", n, first_fds);
	return 0;
}

static int t_sigterm(void)
{
	kill(H.pid, SIGTERM);
	int st = reap(H.pid, 2000);
	H.pid = 0;
	CHECK(st == 0, "exit status %d after SIGTERM", st);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s /path/to/qxl-stream\n", argv[0]);
		return 2;
	}
	tool = argv[1];
	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof(dir), "/tmp/qxl-stream-test.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(png_path, sizeof(png_path), "%s/frame.png", dir);
	snprintf(log_path, sizeof(log_path), "%s/qxl-stream.log", dir);
	snprintf(sock_path, sizeof(sock_path), "%s/port.sock", dir);
	H.rx = sw_streamdev_rx_new();
	make_picture(&pic[0], 320, 240, 0, false);
	make_picture(&pic[1], 320, 240, 1, false);
	make_picture(&pic[2], 200, 150, 2, false);
	make_picture(&pic[3], 200, 150, 3, false);
	make_picture(&pic[4], 200, 150, 4, false);
	make_picture(&pic[5], 640, 480, 5, true);

	run("caps_exchange", t_caps_exchange);
	run("start_mjpeg_frame_decodes", t_start_mjpeg);
	run("unchanged_no_frame", t_unchanged_no_frame);
	run("changed_new_frame", t_changed_frame);
	run("bad_png_keeps_last_frame", t_bad_png);
	run("new_size_new_format", t_new_size_format);
	run("no_codec_no_frames", t_no_codec_no_frames);
	run("restart_sends_format", t_restart_format);
	run("unknown_type_ignored", t_unknown_ignored);
	run("stop_no_frames", t_stop);
	run("notify_error_stops", t_notify_error);
	run("malformed_header_port_fd_exits", t_malformed_exits);
	run("port_appears_later_bad_first_png", t_port_appears);
	run("malformed_body_reconnects", t_malformed_body_reconnects);
	run("oversized_reconnects", t_oversized_reconnects);
	run("wrong_direction_reconnects", t_wrong_direction_reconnects);
	run("host_stops_reading_reconnects", t_host_stops_reading);
	run("host_closes_reconnects", t_host_closes);
	run("no_fd_leak", t_no_fd_leak);
	run("sigterm_exits_0", t_sigterm);

	if (H.pid > 0) {
		kill(H.pid, SIGKILL);
		waitpid(H.pid, NULL, 0);
	}
	if (failures) {
		printf("# qxl-stream's log (%s):\n", log_path);
		FILE *f = fopen(log_path, "r");
		char line[512];
		while (f && fgets(line, sizeof(line), f))
			printf("#   %s", line);
		if (f)
			fclose(f);
	}
	unlink(png_path);
	unlink(log_path);
	unlink(sock_path);
	rmdir(dir);
	printf("%d passed, %d failed\n", passes, failures);
	return failures ? 1 : 0;
}

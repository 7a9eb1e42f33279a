/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * qtest: the guest side of the qxl-ng VM test protocol (tests/harness/README.md).
 *
 * Results go to stdout (the serial console, read by tests/harness/vmtest.py);
 * host checks go over /dev/ttyS1, the control channel.
 */
#ifndef QTEST_H
#define QTEST_H

#include <stddef.h>

/* qt_result(name, QT_PASS, "") is a normal call: allow the empty format. */
#pragma GCC diagnostic ignored "-Wformat-zero-length"

#define QT_PASS 0
#define QT_FAIL 1
#define QT_SKIP 2

/*
 * Prints "@@TEST <name> PASS|FAIL|SKIP <message>" on stdout (the console).
 * status: 0 pass, 1 fail, 2 skip. A SKIP must carry a reason in fmt.
 */
void qt_result(const char *name, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Sends "CHECK <seq> <request>" on /dev/ttyS1 (raw mode, 115200), waits up to
 * 120 s for "RESULT <seq> PASS|FAIL <detail>", prints the detail. Returns 0 on
 * PASS, -1 on FAIL or timeout.
 */
int qt_host(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * qt_host() that also copies the host's answer ("PASS <detail>" or
 * "FAIL <detail>", empty if there was none) into @reply, for callers that
 * must tell one reason for a FAIL from another.
 */
int qt_host_reply(char *reply, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * The value of KEY in qxl-ng's debugfs counters (/sys/kernel/debug/dri/0/
 * qxl_status, lines "key: value"), or -1 if the file or the key is missing.
 */
int qt_status(const char *key);
/* the same, for counters that outgrow an int (upload_pixels) */
long long qt_status_ll(const char *key);

/*
 * Read qxl_status once (one consistent snapshot of the counters) and call
 * FN(key, value, ARG) for each of its lines "key: value", VALUE being the
 * text after the first colon (newline included). 0, or -1 if the file
 * cannot be opened.
 */
int qt_status_each(void (*fn)(const char *key, const char *value, void *arg), void *arg);

/* Write the string S to the file PATH (sysfs, /dev/kmsg): 0 or -errno. */
int qt_write_file(const char *path, const char *s);

/*
 * Hibernate to the swap disk /dev/vda (vmtest.py --swap-mib) after telling
 * the host, which starts a new QEMU that resumes the image: returns 0 in
 * that QEMU, or -errno.
 */
int qt_hibernate(void);

#endif /* QTEST_H */

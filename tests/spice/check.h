/* SPDX-License-Identifier: MIT */
/*
 * The result lines of the host-side unit tests of libspice-wire and
 * spice-probe (test_wire.c, probe_migrate.c): a test returns 0, or 1 through
 * CHECK() with the reason in `why`; report() prints "PASS <suite>/<name>" or
 * "FAIL <suite>/<name>: <why>" and counts it; check_run() runs a test that
 * takes no argument and reports it.
 */
#ifndef SPICE_TEST_CHECK_H
#define SPICE_TEST_CHECK_H

#include <stdio.h>

static char why[512];
static int passes, failures;

#define CHECK(cond, ...) \
	do { \
		if (!(cond)) { \
			snprintf(why, sizeof(why), __VA_ARGS__); \
			return 1; \
		} \
	} while (0)

static inline void report(const char *suite, const char *name, int failed)
{
	if (failed) {
		printf("FAIL %s/%s: %s\n", suite, name, why[0] ? why : "failed");
		failures++;
	} else {
		printf("PASS %s/%s\n", suite, name);
		passes++;
	}
	fflush(stdout);
}

static inline void check_run(const char *suite, const char *name, int (*fn)(void))
{
	why[0] = 0;
	report(suite, name, fn());
}

#endif

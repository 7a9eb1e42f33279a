// SPDX-License-Identifier: GPL-2.0-only
/*
 * qthost: send one host request from a guest shell script.
 *   qthost screen 1024 768 0x000000      -> exit 0 if the host says PASS, else 1
 */
#include <stdio.h>
#include <string.h>

#include "qtest.h"

int main(int argc, char **argv)
{
	char req[4096] = "";
	size_t len = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: qthost <request words...>\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		int n = snprintf(req + len, sizeof(req) - len, "%s%s", i > 1 ? " " : "", argv[i]);

		if (n < 0 || (size_t)n >= sizeof(req) - len) {
			fprintf(stderr, "qthost: request too long\n");
			return 2;
		}
		len += (size_t)n;
	}
	return qt_host("%s", req) == 0 ? 0 : 1;
}

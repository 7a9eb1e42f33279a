/* SPDX-License-Identifier: MIT */
/*
 * spice-probe following a live migration of the SPICE server (client side of
 * seamless, semi-seamless and switch-host migration, as spice-gtk does it).
 * Every function returns 0 to go on, non-zero (after printing why) to stop.
 */
#ifndef SPICE_PROBE_MIGRATE_H
#define SPICE_PROBE_MIGRATE_H

#include <stdbool.h>

struct probe;
struct sw_msg;

/* Main channel: MIGRATE_BEGIN (seamless=false) / MIGRATE_BEGIN_SEAMLESS. */
int mig_begin(struct probe *p, const struct sw_msg *m, bool seamless);
/* Main channel: MIGRATE_END (semi-seamless switch), MIGRATE_CANCEL,
 * MIGRATE_SWITCH_HOST. */
int mig_end(struct probe *p);
int mig_cancel(struct probe *p);
int mig_switch_host(struct probe *p, const struct sw_msg *m);
/* Any channel slot: SPICE_MSG_MIGRATE (seamless switch of that channel). */
int mig_channel_migrate(struct probe *p, int idx, const struct sw_msg *m);
/* "none", "seamless", "semi-seamless" or "switch-host". */
const char *mig_protocol_name(const struct probe *p);
const char *mig_phase_name(const struct probe *p);
/* Closes every destination link (at exit). */
void mig_close_dst(struct probe *p);

#endif

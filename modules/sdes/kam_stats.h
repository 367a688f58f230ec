/*
 * modules/sdes/kam_stats.h — sdes.so's statistics (`kamcmd
 * stats.get_statistics sdes:`, RPC sdes.stats). The counters are Kamailio
 * counters (core/counters.h): per process in shared memory, summed when
 * read. The stat_export table that registers them is in sdes_mod.c.
 */
#ifndef SDESGATE_SDES_KAM_STATS_H
#define SDESGATE_SDES_KAM_STATS_H

#include "core/counters.h"
#include "core/rpc.h"

typedef struct sdes_kam_stats {
    stat_var *encrypted, *decrypted, *rekeyed, *rejected, *relay_errors, *bad_sdp, *unavailable,
        *neutered, *active;
} sdes_kam_stats;

extern sdes_kam_stats sdes_kam_st;

/* Adds 1 to a counter (NULL: nothing). */
void sdes_kam_stat_inc(stat_var *counter);

/* active_calls, a gauge: +1 when a first offer created the call in a
 * relay and succeeded, -1 when sdes_delete deleted the whole call there.
 * A Kamailio counter has one slot per process and reads as the sum, so the
 * INVITE's process adding and the BYE's process subtracting stay right;
 * registered STAT_NO_RESET (stats.reset_statistics would break the sum). */
void sdes_kam_stats_call_opened(void);
void sdes_kam_stats_call_closed(void);

/* not_available: a new call no relay took (none configured, every one
 * down, none answering). */
void sdes_kam_stats_not_available(void);

/* RPC sdes.stats: every counter of the table, by name. */
void sdes_kam_stats_rpc(rpc_t *rpc, void *ctx, const stat_export_t *table);

#endif

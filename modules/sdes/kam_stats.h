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
        *neutered;
} sdes_kam_stats;

extern sdes_kam_stats sdes_kam_st;

/* Adds 1 to a counter (NULL: nothing). */
void sdes_kam_stat_inc(stat_var *counter);

/* RPC sdes.stats: every counter of the table, by name. */
void sdes_kam_stats_rpc(rpc_t *rpc, void *ctx, const stat_export_t *table);

#endif

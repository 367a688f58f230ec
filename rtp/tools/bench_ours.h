/*
 * rtp/tools/bench_ours.h — sdesgate's SRTP transform as a srtp-bench driver
 * (the same table the libsrtp2 baselines export, bench_api.h).
 */
#ifndef SDESGATE_TOOLS_BENCH_OURS_H
#define SDESGATE_TOOLS_BENCH_OURS_H

#include "tools/bench_api.h"

/* Buffers given to protect_burst have this much room after the packet. */
#define BENCH_TRAILER_ROOM 64

extern const bench_libsrtp_api bench_ours_api;

#endif

/*
 * rtp/tools/pcap_streams.h — srtp-pcap's stream table: one SRTP context per
 * SSRC and flow (IP addresses and UDP ports, one direction), found by hash.
 *
 * Why the flow and not the SSRC alone: a relay that re-keys each leg (RFC
 * 3711 §3.2.3 keeps state per SSRC *within a session*) forwards the SSRC
 * unchanged, so a capture taken at the relay holds the same SSRC twice, in
 * two flows, under two keys. The same table, keyed by SSRC only, remembers
 * which --crypto line each SSRC uses when encrypting.
 */
#ifndef SDESGATE_TOOLS_PCAP_STREAMS_H
#define SDESGATE_TOOLS_PCAP_STREAMS_H

#include <stddef.h>
#include <stdint.h>

#include "srtp/sg_srtp.h"

typedef struct pcap_flow {
    uint8_t ipv; /* 4 or 6; 0 in an SSRC-only key */
    uint8_t src[16], dst[16];
    uint16_t sport, dport;
} pcap_flow;

typedef struct pcap_stream {
    uint32_t ssrc;
    pcap_flow flow;
    int line;         /* index of the bound --crypto line */
    sg_srtp_ctx *ctx; /* owned; NULL in an SSRC-only table */
} pcap_stream;

typedef struct pcap_streams {
    pcap_stream *v;
    size_t n, cap;
    uint32_t *idx;  /* open addressing: 0 empty, else position + 1 */
    size_t idx_cap; /* power of two, >= 2 * cap */
    size_t max;     /* refuse to grow beyond this many entries */
} pcap_streams;

/* An empty table holding at most max entries. */
void pcap_streams_init(pcap_streams *t, size_t max);

/* The entry for (ssrc, flow), or NULL. flow NULL means SSRC only. */
pcap_stream *pcap_streams_find(pcap_streams *t, uint32_t ssrc, const pcap_flow *flow);

/* Adds an entry (the table takes ctx). NULL when full or out of memory; the
 * caller still owns ctx then. */
pcap_stream *pcap_streams_add(pcap_streams *t, uint32_t ssrc, const pcap_flow *flow, int line,
                              sg_srtp_ctx *ctx);

/* Frees every context (which wipes its keys) and the table. */
void pcap_streams_free(pcap_streams *t);

#endif

/*
 * rtp/tools/pcap_streams.c — hash table of srtp-pcap's streams (see
 * pcap_streams.h): entries in an array, an open-addressing index of
 * positions with linear probing, FNV-1a over SSRC and flow.
 */
#include "tools/pcap_streams.h"

#include <stdlib.h>
#include <string.h>

static const pcap_flow no_flow;

static uint32_t hash(uint32_t ssrc, const pcap_flow *f)
{
    uint32_t h = 2166136261u;
    const uint8_t *b = (const uint8_t *)&ssrc;
    for (size_t i = 0; i < sizeof ssrc; i++)
        h = (h ^ b[i]) * 16777619u;
    b = (const uint8_t *)f;
    for (size_t i = 0; i < sizeof *f; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

static int same(const pcap_stream *s, uint32_t ssrc, const pcap_flow *f)
{
    return s->ssrc == ssrc && memcmp(&s->flow, f, sizeof *f) == 0;
}

void pcap_streams_init(pcap_streams *t, size_t max)
{
    memset(t, 0, sizeof *t);
    t->max = max;
}

pcap_stream *pcap_streams_find(pcap_streams *t, uint32_t ssrc, const pcap_flow *flow)
{
    const pcap_flow *f = flow ? flow : &no_flow;
    if (!t->idx_cap)
        return NULL;
    size_t mask = t->idx_cap - 1;
    for (size_t i = hash(ssrc, f) & mask;; i = (i + 1) & mask) {
        uint32_t pos = t->idx[i];
        if (!pos)
            return NULL;
        if (same(&t->v[pos - 1], ssrc, f))
            return &t->v[pos - 1];
    }
}

static void index_put(pcap_streams *t, size_t pos)
{
    size_t mask = t->idx_cap - 1;
    size_t i = hash(t->v[pos].ssrc, &t->v[pos].flow) & mask;
    while (t->idx[i])
        i = (i + 1) & mask;
    t->idx[i] = (uint32_t)(pos + 1);
}

static int grow(pcap_streams *t)
{
    size_t cap = t->cap ? t->cap * 2 : 16;
    if (cap > t->max)
        cap = t->max;
    if (cap <= t->n)
        return -1;
    pcap_stream *v = realloc(t->v, cap * sizeof *v);
    if (!v)
        return -1;
    t->v = v;
    size_t icap = 32;
    while (icap < 2 * cap)
        icap *= 2;
    uint32_t *idx = calloc(icap, sizeof *idx);
    if (!idx)
        return -1; /* v grew; cap unchanged, so the table stays consistent */
    free(t->idx);
    t->idx = idx;
    t->idx_cap = icap;
    t->cap = cap;
    for (size_t i = 0; i < t->n; i++)
        index_put(t, i);
    return 0;
}

pcap_stream *pcap_streams_add(pcap_streams *t, uint32_t ssrc, const pcap_flow *flow, int line,
                              sg_srtp_ctx *ctx)
{
    if (t->n == t->cap && grow(t) != 0)
        return NULL;
    pcap_stream *s = &t->v[t->n];
    memset(s, 0, sizeof *s);
    s->ssrc = ssrc;
    s->flow = flow ? *flow : no_flow;
    s->line = line;
    s->ctx = ctx;
    index_put(t, t->n);
    t->n++;
    return s;
}

void pcap_streams_free(pcap_streams *t)
{
    for (size_t i = 0; i < t->n; i++)
        sg_srtp_ctx_free(t->v[i].ctx);
    free(t->v);
    free(t->idx);
    memset(t, 0, sizeof *t);
}

/*
 * rtp/tools/srtp_pcap_check.c — `srtp-pcap check` (srtp_pcap_check.h): the
 * keystream-reuse check over a capture; docs/srtp-pcap.md.
 */
#include "tools/srtp_pcap_check.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "tools/pcap_frame.h"
#include "tools/pcap_streams.h"

#define CHECK_MAX_STREAMS 65536
#define CHECK_MAX_SHOWN   20

typedef struct seen {
    uint64_t key;  /* hash of (stream, rtcp, mki, index); 0 = empty slot */
    uint64_t body; /* hash of the packet's bytes */
    uint64_t index;
} seen;

typedef struct check {
    pcap_streams streams; /* (SSRC, flow) -> position, for ROC state */
    uint32_t *roc;        /* per stream: rollover counter estimate */
    uint16_t *s_l;        /* per stream: highest sequence number seen */
    seen *tab;
    size_t n, cap; /* entries, slots (a power of two) */
    unsigned long packets, srtp, srtcp, reused, skipped;
} check;

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

static bool grow(check *c)
{
    size_t cap = c->cap ? c->cap * 2 : 1u << 16;
    seen *t = calloc(cap, sizeof *t);
    if (!t)
        return false;
    for (size_t i = 0; i < c->cap; i++) {
        if (!c->tab[i].key)
            continue;
        size_t j = c->tab[i].key & (cap - 1);
        while (t[j].key)
            j = (j + 1) & (cap - 1);
        t[j] = c->tab[i];
    }
    free(c->tab);
    c->tab = t;
    c->cap = cap;
    return true;
}

/* Records (key -> body); true when key was there with another body. */
static int record(check *c, uint64_t key, uint64_t body, uint64_t index)
{
    if ((c->n + 1) * 2 > c->cap && !grow(c))
        return -1;
    key |= 1; /* never 0 */
    size_t j = key & (c->cap - 1);
    while (c->tab[j].key) {
        if (c->tab[j].key == key && c->tab[j].index == index)
            return c->tab[j].body != body;
        j = (j + 1) & (c->cap - 1);
    }
    c->tab[j] = (seen){key, body, index};
    c->n++;
    return 0;
}

/* RFC 3711 Appendix A: the index of sequence number seq given s_l, ROC. */
static uint64_t srtp_index(check *c, size_t s, uint16_t seq, bool first)
{
    if (first) {
        c->roc[s] = 0;
        c->s_l[s] = seq;
        return seq;
    }
    uint32_t roc = c->roc[s], v = roc;
    uint16_t s_l = c->s_l[s];
    if (s_l < 32768) {
        if ((int)seq - (int)s_l > 32768 && roc > 0)
            v = roc - 1;
    } else if ((int)s_l - 32768 > (int)seq) {
        v = roc + 1;
    }
    uint64_t idx = ((uint64_t)v << 16) | seq;
    if (idx > (((uint64_t)roc << 16) | s_l)) {
        c->roc[s] = v;
        c->s_l[s] = seq;
    }
    return idx;
}

static void flow_str(const uint8_t *frame, const pcap_frame *f, char *out, size_t cap)
{
    char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
    const uint8_t *ip = frame + f->ip_off;
    int af = f->ip_version == 4 ? AF_INET : AF_INET6;
    inet_ntop(af, ip + (af == AF_INET ? 12 : 8), a, sizeof a);
    inet_ntop(af, ip + (af == AF_INET ? 16 : 24), b, sizeof b);
    snprintf(out, cap, "%s:%u -> %s:%u", a, f->sport, b, f->dport);
}

static int one(check *c, int dlt, const struct pcap_pkthdr *h, const uint8_t *data, long port,
               int tag_len, int mki_len)
{
    pcap_frame f;
    if (pcap_frame_parse(dlt, data, h->caplen, h->len, &f) != PCAP_FRAME_UDP) {
        c->skipped++;
        return 0;
    }
    const uint8_t *p = data + f.payload_off;
    size_t len = f.payload_len;
    bool rtcp = len >= 8 && p[1] >= 192 && p[1] <= 223;
    size_t trailer = (size_t)tag_len + (size_t)mki_len + (rtcp ? 4 : 0);
    if (len < (rtcp ? 8u : 12u) + trailer || (p[0] >> 6) != 2) {
        c->skipped++;
        return 0;
    }
    if (port >= 0 && f.sport != port && f.dport != port &&
        !(rtcp && (f.sport == port + 1 || f.dport == port + 1))) {
        c->skipped++;
        return 0;
    }
    const uint8_t *q = p + (rtcp ? 4 : 8);
    uint32_t ssrc = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
    pcap_flow flow;
    memset(&flow, 0, sizeof flow);
    flow.ipv = (uint8_t)f.ip_version;
    const uint8_t *ip = data + f.ip_off;
    memcpy(flow.src, ip + (f.ip_version == 4 ? 12 : 8), f.ip_version == 4 ? 4 : 16);
    memcpy(flow.dst, ip + (f.ip_version == 4 ? 16 : 24), f.ip_version == 4 ? 4 : 16);
    flow.sport = f.sport;
    flow.dport = f.dport;
    pcap_stream *st = pcap_streams_find(&c->streams, ssrc, &flow);
    bool first = !st;
    if (!st && !(st = pcap_streams_add(&c->streams, ssrc, &flow, 0, NULL))) {
        fprintf(stderr, "srtp-pcap: more than %d streams\n", CHECK_MAX_STREAMS);
        return -1;
    }
    size_t s = (size_t)(st - c->streams.v);
    uint64_t index;
    if (rtcp) {
        const uint8_t *e = p + len - trailer;
        index = ((uint32_t)(e[0] & 0x7f) << 24) | (uint32_t)e[1] << 16 | (uint32_t)e[2] << 8 | e[3];
        c->srtcp++;
    } else {
        index = srtp_index(c, s, (uint16_t)(p[2] << 8 | p[3]), first);
        c->srtp++;
    }
    c->packets++;
    uint64_t key = fnv(0xcbf29ce484222325ULL, (const uint8_t *)&s, sizeof s);
    key = fnv(key, (const uint8_t *)&rtcp, 1);
    key = fnv(key, p + len - (size_t)tag_len - (size_t)mki_len, (size_t)mki_len);
    int r = record(c, key, fnv(0xcbf29ce484222325ULL, p, len), index);
    if (r < 0) {
        fprintf(stderr, "srtp-pcap: out of memory\n");
        return -1;
    }
    if (r > 0 && ++c->reused <= CHECK_MAX_SHOWN) {
        char fl[128];
        flow_str(data, &f, fl, sizeof fl);
        fprintf(stderr,
                "reuse: %s ssrc=0x%08x %s index=%llu: other bytes under an index already sent\n",
                fl, ssrc, rtcp ? "srtcp" : "srtp", (unsigned long long)index);
    }
    return 0;
}

int srtp_pcap_check(const char *in_path, long port, int tag_len, int mki_len)
{
    static check c;
    memset(&c, 0, sizeof c);
    char err[PCAP_ERRBUF_SIZE] = "";
    pcap_t *in = pcap_open_offline(in_path, err);
    if (!in) {
        fprintf(stderr, "srtp-pcap: %s: %s\n", in_path, err);
        return 1;
    }
    int dlt = pcap_datalink(in);
    if (!pcap_frame_linktype_ok(dlt)) {
        fprintf(stderr, "srtp-pcap: %s: unsupported link type %d\n", in_path, dlt);
        pcap_close(in);
        return 1;
    }
    pcap_streams_init(&c.streams, CHECK_MAX_STREAMS);
    c.roc = calloc(CHECK_MAX_STREAMS, sizeof *c.roc);
    c.s_l = calloc(CHECK_MAX_STREAMS, sizeof *c.s_l);
    int rc = c.roc && c.s_l ? 0 : 1;
    struct pcap_pkthdr *h;
    const u_char *data;
    int got = 0;
    while (rc == 0 && (got = pcap_next_ex(in, &h, &data)) == 1)
        if (one(&c, dlt, h, data, port, tag_len, mki_len) != 0)
            rc = 1;
    if (rc == 0 && got == PCAP_ERROR) {
        fprintf(stderr, "srtp-pcap: %s: %s\n", in_path, pcap_geterr(in));
        rc = 1;
    }
    fprintf(stderr,
            "srtp-pcap check: packets=%lu srtp=%lu srtcp=%lu streams=%zu skipped=%lu reused=%lu\n",
            c.packets, c.srtp, c.srtcp, c.streams.n, c.skipped, c.reused);
    if (rc == 0 && c.reused)
        rc = 3;
    pcap_close(in);
    pcap_streams_free(&c.streams);
    free(c.roc);
    free(c.s_l);
    free(c.tab);
    return rc;
}

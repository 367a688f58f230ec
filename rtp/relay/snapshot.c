/*
 * rtp/relay/snapshot.c — copying a stream's state on its worker and
 * writing it as a bencoded reply (see snapshot.h). Keys appear only as MKI
 * and a 4-byte fingerprint of SHA-256(key||salt).
 */
#include "relay/snapshot.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "relay/worker.h"

void relay_snap_take(const relay_stream *s, relay_stream_snap *out)
{
    memset(out, 0, sizeof(*out));
    out->index = s->index;
    int64_t now = relay_now_ms();
    for (int l = 0; l < 2; l++) {
        const relay_leg *g = &s->leg[l];
        relay_leg_snap *o = &out->leg[l];
        o->srtp = g->srtp;
        o->rtcp_mux = g->rtcp_mux;
        o->strict_source = g->strict_source;
        o->peer_known = g->peer_known;
        o->latched = g->latched;
        o->connected = g->twin.fd >= 0 && !g->twin_failed;
        o->family = g->family;
        o->port = g->rtp.port;
        o->peer_rtp = g->peer_rtp;
        o->peer_rtcp = g->peer_rtcp;
        o->rx_suite = g->rx ? g->rx_suite : NULL;
        o->tx_suite = g->tx ? g->tx_suite : NULL;
        o->idle_ms = g->last_rx_ms ? now - g->last_rx_ms : -1;
        o->c = g->c;
        if (g->rx) {
            o->n_rx = sg_srtp_key_count(g->rx);
            for (size_t i = 0; i < o->n_rx && i < SG_SRTP_MAX_KEYS; i++)
                sg_srtp_key_info_get(g->rx, i, &o->rx_keys[i]);
        }
        if (g->tx) {
            o->n_tx = sg_srtp_key_count(g->tx);
            for (size_t i = 0; i < o->n_tx && i < SG_SRTP_MAX_KEYS; i++)
                sg_srtp_key_info_get(g->tx, i, &o->tx_keys[i]);
        }
    }
}

void relay_counters_add(relay_counters *t, const relay_counters *c)
{
    t->rtp_in += c->rtp_in;
    t->rtcp_in += c->rtcp_in;
    t->bytes_in += c->bytes_in;
    t->rtp_out += c->rtp_out;
    t->rtcp_out += c->rtcp_out;
    t->bytes_out += c->bytes_out;
    for (int i = 0; i < RELAY_DROP_COUNT; i++)
        t->drop[i] += c->drop[i];
    t->stun += c->stun;
}

void relay_job_tally(relay_worker *w, void *arg)
{
    relay_worker_tally *j = arg;
    memset(j, 0, sizeof(*j));
    for (relay_stream *s = relay_worker_streams(w); s; s = s->wnext) {
        relay_counters_add(&j->c, &s->leg[0].c);
        relay_counters_add(&j->c, &s->leg[1].c);
        j->streams++;
    }
    j->t = *relay_worker_get_totals(w);
}

void relay_counters_write(ctl_benc *w, const relay_counters *c)
{
    ctl_benc_kv_int(w, "bytes-in", (int64_t)c->bytes_in);
    ctl_benc_kv_int(w, "bytes-out", (int64_t)c->bytes_out);
    ctl_benc_cstr(w, "drops");
    ctl_benc_dict(w);
    for (int i = 0; i < RELAY_DROP_COUNT; i++)
        ctl_benc_kv_int(w, relay_drop_name((relay_drop)i), (int64_t)c->drop[i]);
    ctl_benc_end(w);
    ctl_benc_kv_int(w, "rtcp-in", (int64_t)c->rtcp_in);
    ctl_benc_kv_int(w, "rtcp-out", (int64_t)c->rtcp_out);
    ctl_benc_kv_int(w, "rtp-in", (int64_t)c->rtp_in);
    ctl_benc_kv_int(w, "rtp-out", (int64_t)c->rtp_out);
    ctl_benc_kv_int(w, "stun", (int64_t)c->stun);
}

static void relay_keys_write(ctl_benc *w, const char *dir, const sg_suite *suite,
                             const sg_srtp_key_info *k, size_t n)
{
    ctl_benc_cstr(w, dir);
    ctl_benc_dict(w);
    ctl_benc_cstr(w, "keys");
    ctl_benc_list(w);
    for (size_t i = 0; i < n && i < SG_SRTP_MAX_KEYS; i++) {
        ctl_benc_dict(w);
        ctl_benc_kv_int(w, "current", k[i].current);
        char fp[9];
        snprintf(fp, sizeof(fp), "%02x%02x%02x%02x", k[i].fingerprint[0], k[i].fingerprint[1],
                 k[i].fingerprint[2], k[i].fingerprint[3]);
        ctl_benc_kv_cstr(w, "fingerprint", fp);
        ctl_benc_kv_int(w, "lifetime", (int64_t)k[i].lifetime);
        if (k[i].mki_len) {
            uint64_t v = 0;
            for (size_t b = k[i].mki_len > 8 ? k[i].mki_len - 8u : 0; b < k[i].mki_len; b++)
                v = (v << 8) | k[i].mki[b];
            ctl_benc_kv_int(w, "mki", (int64_t)(v & INT64_MAX));
            ctl_benc_kv_int(w, "mki-len", k[i].mki_len);
        }
        ctl_benc_kv_int(w, "srtcp-used", (int64_t)k[i].srtcp_used);
        ctl_benc_kv_int(w, "srtp-used", (int64_t)k[i].srtp_used);
        ctl_benc_end(w);
    }
    ctl_benc_end(w);
    ctl_benc_kv_cstr(w, "suite", suite ? suite->name : "");
    ctl_benc_end(w);
}

static void relay_sa_write(ctl_benc *w, const char *key, const struct sockaddr_storage *a)
{
    char ip[INET6_ADDRSTRLEN] = "", out[80];
    unsigned port = 0;
    if (a->ss_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)a)->sin_addr, ip, sizeof(ip));
        port = ntohs(((const struct sockaddr_in *)a)->sin_port);
        snprintf(out, sizeof(out), "%s:%u", ip, port);
    } else if (a->ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)a)->sin6_addr, ip, sizeof(ip));
        port = ntohs(((const struct sockaddr_in6 *)a)->sin6_port);
        snprintf(out, sizeof(out), "[%s]:%u", ip, port);
    } else {
        snprintf(out, sizeof(out), "-");
    }
    ctl_benc_kv_cstr(w, key, out);
}

void relay_snap_write(ctl_benc *w, const relay_stream_snap *s)
{
    static const char *names[2] = {"a", "b"};
    ctl_benc_dict(w);
    for (int l = 0; l < 2; l++) {
        const relay_leg_snap *g = &s->leg[l];
        ctl_benc_cstr(w, names[l]);
        ctl_benc_dict(w);
        relay_counters_write(w, &g->c);
        ctl_benc_kv_cstr(w, "family", g->family == AF_INET6 ? "IP6" : "IP4");
        ctl_benc_kv_int(w, "idle-ms", g->idle_ms);
        ctl_benc_kv_int(w, "latched", g->latched);
        ctl_benc_kv_int(w, "connected", g->connected);
        ctl_benc_kv_int(w, "local-port", g->port);
        if (g->peer_known) {
            relay_sa_write(w, "peer-rtcp", &g->peer_rtcp);
            relay_sa_write(w, "peer-rtp", &g->peer_rtp);
        }
        if (g->rx_suite)
            relay_keys_write(w, "recv", g->rx_suite, g->rx_keys, g->n_rx);
        ctl_benc_kv_int(w, "rtcp-mux", g->rtcp_mux);
        if (g->tx_suite)
            relay_keys_write(w, "send", g->tx_suite, g->tx_keys, g->n_tx);
        ctl_benc_kv_int(w, "strict-source", g->strict_source);
        ctl_benc_kv_cstr(w, "transport", g->srtp ? "SRTP" : "RTP");
        ctl_benc_end(w);
    }
    ctl_benc_kv_int(w, "index", s->index);
    ctl_benc_end(w);
}
